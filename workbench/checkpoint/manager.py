"""``wb.CheckpointManager`` and ``latest_checkpoint``: numbered checkpoints in a folder.

The manager records its checkpoints in ``<folder>/checkpoint.json`` (written atomically);
every name read from that record is confined to the folder.
"""

from __future__ import annotations

import glob
import json
import os
import time
import warnings

import numpy as np

from ..core import Tensor
from ..distribute.launch import is_chief
from .checkpoint import Checkpoint
from .format import INDEX_SUFFIX, STATE_FILE, _confined, write_json

__all__ = ["CheckpointManager", "latest_checkpoint"]


def _read_state(directory):
    """The manager's record in ``directory/checkpoint.json``, or None (no file, or an unreadable
    one: the caller then scans the folder). Every checkpoint name in it is checked to be a plain
    name in ``directory`` (:func:`_confined`): a name leading out raises DataLossError."""
    path = os.path.join(directory, STATE_FILE)
    if not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as f:
            state = json.loads(f.read().decode("utf-8"))
        if not isinstance(state, dict) or not isinstance(state.get("checkpoints"), list):
            raise ValueError("missing fields")
        stamps = state.get("timestamps", [0.0] * len(state["checkpoints"]))
        if (not isinstance(stamps, list) or len(stamps) != len(state["checkpoints"])
                or not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in stamps)):
            raise ValueError("timestamps do not match the checkpoints")
        state["timestamps"] = [float(t) for t in stamps]
        preserved = state.get("last_preserved_timestamp")
        if preserved is not None and (not isinstance(preserved, (int, float)) or isinstance(preserved, bool)):
            raise ValueError("last_preserved_timestamp is not a number")
    except (ValueError, UnicodeDecodeError):
        warnings.warn(f"checkpoint state file '{path}' is unreadable; finding checkpoints by scanning "
                      "the folder", UserWarning, stacklevel=3)
        return None
    for i, name in enumerate(state["checkpoints"]):
        _confined(directory, name, path, f"checkpoints[{i}]")
        _confined(directory, f"{name}{INDEX_SUFFIX}", path, f"checkpoints[{i}] (its index)")
    if state.get("latest") is not None:
        _confined(directory, state["latest"], path, "latest")
        _confined(directory, f"{state['latest']}{INDEX_SUFFIX}", path, "latest (its index)")
    return state


def _scan(directory):
    """Checkpoint names in ``directory`` (oldest first by their index's creation time)."""
    found = []
    for index_path in glob.glob(os.path.join(glob.escape(directory), "*" + INDEX_SUFFIX)):
        try:
            with open(index_path, "rb") as f:
                created = float(json.loads(f.read().decode("utf-8")).get("created", 0))
        except (ValueError, OSError, UnicodeDecodeError):
            continue
        found.append((created, os.path.basename(index_path)[: -len(INDEX_SUFFIX)]))
    return [name for _, name in sorted(found)]


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint a ``CheckpointManager`` wrote in ``checkpoint_dir``,
    or None (TF's ``tf.train.latest_checkpoint``)."""
    directory = os.fspath(checkpoint_dir)
    state = _read_state(directory)
    names = [state["latest"]] if state and state.get("latest") else []
    if state is None:
        names = _scan(directory)[-1:]
    for name in names:
        prefix = os.path.join(directory, name)
        if os.path.exists(prefix + INDEX_SUFFIX):
            return prefix
    return None


class CheckpointManager:
    """Numbered checkpoints in a folder, keeping the newest ``max_to_keep``.

    ``save()`` writes ``<directory>/<checkpoint_name>-<n>`` and then records the list of
    checkpoints in ``<directory>/checkpoint.json`` (written atomically); checkpoints beyond
    ``max_to_keep`` are deleted after the record no longer names them. A manager created on
    a folder that already holds checkpoints picks up where the last one left off.
    """

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None, init_fn=None):
        if not isinstance(checkpoint, Checkpoint):
            raise TypeError(f"CheckpointManager: expected a wb.Checkpoint, got {type(checkpoint).__name__}")
        if max_to_keep is not None and int(max_to_keep) <= 0:
            raise ValueError(f"CheckpointManager: max_to_keep must be positive or None, got {max_to_keep}")
        if (not isinstance(checkpoint_name, str) or not checkpoint_name or checkpoint_name in (".", "..")
                or "/" in checkpoint_name or "\\" in checkpoint_name):
            raise ValueError(f"CheckpointManager: checkpoint_name must be a plain file name such as "
                             f"'ckpt' (no '/'; the folder is `directory`), got {checkpoint_name!r}")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("CheckpointManager: checkpoint_interval needs a step_counter")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = None if max_to_keep is None else int(max_to_keep)
        self._keep_hours = keep_checkpoint_every_n_hours
        self._name = checkpoint_name
        self._step_counter = step_counter
        self._interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_step = None
        state = _read_state(self._directory)
        if state is not None:
            pairs = list(zip(state["checkpoints"], state["timestamps"]))
            self._latest = state.get("latest")
            preserved = state.get("last_preserved_timestamp")
            self._last_preserved = time.time() if preserved is None else float(preserved)
        else:
            names = _scan(self._directory) if os.path.isdir(self._directory) else []
            pairs = [(n, 0.0) for n in names]
            self._latest = names[-1] if names else None
            self._last_preserved = time.time()
        self._kept = [(n, t) for n, t in pairs
                      if os.path.exists(os.path.join(self._directory, n + INDEX_SUFFIX))]

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoint(self) -> Checkpoint:
        return self._checkpoint

    @property
    def checkpoints(self) -> list:
        """Prefixes of the managed checkpoints, oldest first."""
        return [os.path.join(self._directory, n) for n, _ in self._kept]

    @property
    def latest_checkpoint(self):
        """The prefix of the newest checkpoint, or None."""
        if self._latest is None:
            return None
        prefix = os.path.join(self._directory, self._latest)
        return prefix if os.path.exists(prefix + INDEX_SUFFIX) else None

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        """Save a new checkpoint; returns its prefix (None when skipped by ``checkpoint_interval``).

        The number is ``checkpoint_number`` (an int or integer Variable, e.g. the step) or,
        by default, the checkpoint's ``save_counter`` after it is incremented.
        """
        if self._interval is not None and check_interval:
            step = int(self._step_counter.numpy()) if isinstance(self._step_counter, Tensor) \
                else int(self._step_counter)
            if self._last_step is not None and step - self._last_step < self._interval:
                return None
            self._last_step = step
        counter = self._checkpoint.save_counter
        counter.assign_add(np.int64(1))
        number = int(counter.numpy()) if checkpoint_number is None else (
            int(checkpoint_number.numpy()) if isinstance(checkpoint_number, Tensor) else int(checkpoint_number))
        name = f"{self._name}-{number}"
        try:
            self._checkpoint.write(os.path.join(self._directory, name))
        except BaseException:
            counter.assign_sub(np.int64(1))
            raise
        now = time.time()
        self._kept = [(n, t) for n, t in self._kept if n != name] + [(name, now)]
        removed = []
        while self._max_to_keep is not None and len(self._kept) > self._max_to_keep:
            old, stamp = self._kept.pop(0)
            if self._keep_hours is not None and stamp - self._last_preserved >= self._keep_hours * 3600:
                self._last_preserved = stamp  # kept forever, no longer managed
                continue
            removed.append(old)
        self._latest = name
        if not is_chief():   # rank 0 writes the checkpoints and their record
            return os.path.join(self._directory, name)
        self._write_state()
        for old in removed:
            _delete_checkpoint(os.path.join(self._directory, old))
        return os.path.join(self._directory, name)

    def restore_or_initialize(self):
        """Restore the latest checkpoint and return its prefix, or call ``init_fn`` and return None."""
        latest = self.latest_checkpoint
        if latest is not None:
            self._checkpoint.restore(latest)
            return latest
        if self._init_fn is not None:
            self._init_fn()
        return None

    def _write_state(self):
        state = {"latest": self._latest, "checkpoints": [n for n, _ in self._kept],
                 "timestamps": [t for _, t in self._kept],
                 "last_preserved_timestamp": self._last_preserved}
        write_json(os.path.join(self._directory, STATE_FILE), state)


def _delete_checkpoint(prefix):
    # the index goes first, so a half-deleted checkpoint is never taken for a whole one
    for path in [prefix + INDEX_SUFFIX] + glob.glob(glob.escape(prefix) + ".data-*.npz"):
        try:
            os.unlink(path)
        except OSError:
            pass
