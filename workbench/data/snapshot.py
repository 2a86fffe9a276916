"""``Dataset.snapshot``: the first full pass over the input is written under ``path`` and the
passes after it (in this process or a later one) read the files instead of the input.

As in TF, the files of a pipeline live in a folder named by the fingerprint of the input (and
of ``shard_func``), so pipelines built differently can share ``path``; each writing pass is a
run of its own (a folder named by a random id) and only a pass that reaches the end makes its
run the snapshot (``snapshot.json`` names it), so a pass stopped early leaves nothing to read.
Elements go to shards by ``shard_func(element)`` (default: their position modulo the number of
CPUs) and are read back with ``reader_func(shards)``, given the dataset of the shards'
datasets (default: ``shards.interleave(lambda x: x, cycle_length=<CPUs>)``, the input's
order). The files are ``Dataset.save``'s (JSON and ``.npy``: reading them runs no code), so
they are not TF's; ``compression`` ``"GZIP"`` (and ``"SNAPPY"``, which has no codec here)
gzips them, ``"AUTO"`` (the default) or None leaves them as they are.

    path/<fingerprint>/snapshot.json       {"format": "wb.data.snapshot", "version": 1, "run": id}
    path/<fingerprint>/<run id>/           a Dataset.save folder, one shard per shard_func value

>>> ds = wb.data.Dataset.range(5).map(lambda x: x * 2).snapshot("/tmp/snap")
>>> list(ds.as_numpy_iterator())    # writes the files
[0, 2, 4, 6, 8]
>>> list(ds.as_numpy_iterator())    # reads them
[0, 2, 4, 6, 8]
"""

from __future__ import annotations

import json
import os
import threading
import uuid

from ..errors import argcheck
from .dataset import Dataset
from .fingerprint import fingerprint
from .iterator import Step, expect_kind
from .nesting import ListElements
from .storage import SPEC_FILE, FolderWriter, Load, read_spec, shard_of

FORMAT, VERSION = "wb.data.snapshot", 1
META_FILE = "snapshot.json"
_COMPRESSION = {None: None, "": None, "AUTO": None, "NONE": None, "GZIP": "GZIP", "SNAPPY": "GZIP"}


def _compression(value, where):
    key = value.upper() if isinstance(value, str) else value
    if key not in _COMPRESSION:
        raise ValueError(f"{where}: compression must be 'AUTO', 'GZIP', 'SNAPPY' or None, got {value!r}")
    return _COMPRESSION[key]


class Snapshot(Dataset):
    """``Dataset.snapshot``."""

    _same_elements = True

    def __init__(self, input_ds, path, compression="AUTO", reader_func=None, shard_func=None):
        where = "snapshot"
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"{where}: path must be a str (a folder), got {argcheck.describe(path)}")
        for name, fn in (("reader_func", reader_func), ("shard_func", shard_func)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{where}: {name} must be callable or None, got {argcheck.describe(fn)}")
        self._input = input_ds
        self._compression = _compression(compression, where)
        self._reader_func, self._shard_func = reader_func, shard_func
        self._num_shards = os.cpu_count() or 1
        self._path = os.fspath(path)
        self._dir = os.path.join(self._path, str(fingerprint((input_ds, shard_func, self._compression))))
        self._lock = threading.Lock()

    def _known_spec(self):
        return self._input._known_spec()

    @property
    def element_spec(self):
        return self._input.element_spec

    def _cardinality(self):
        return self._input._cardinality()

    def _finished_run(self):
        """The id of the run that is the snapshot, or None while there is none."""
        file = os.path.join(self._dir, META_FILE)
        if not os.path.exists(file):
            return None
        with open(file) as f:
            meta = json.load(f)
        if meta.get("format") != FORMAT or meta.get("version") != VERSION:
            raise ValueError(f"snapshot: {file} is not a snapshot of format {FORMAT} version {VERSION}")
        run = meta["run"]
        return run if os.path.exists(os.path.join(self._dir, run, SPEC_FILE)) else None

    def _finish(self, run):
        """A writing pass reached the end: its run becomes the snapshot (the first one wins)."""
        with self._lock:
            if self._finished_run() is not None:
                return
            tmp = os.path.join(self._dir, f"{META_FILE}.{run}.tmp")
            with open(tmp, "w") as f:
                json.dump({"format": FORMAT, "version": VERSION, "run": run}, f)
            os.replace(tmp, os.path.join(self._dir, META_FILE))

    def _reader(self, run):
        run_dir = os.path.join(self._dir, run)
        count = len(read_spec(run_dir, "snapshot")["shards"])
        shards = ListElements([Load(run_dir, shard=i) for i in range(count)])
        if self._reader_func is None:
            return shards.interleave(lambda shard: shard, cycle_length=self._num_shards)
        out = self._reader_func(shards)
        if not isinstance(out, Dataset):
            raise TypeError(f"snapshot: reader_func must return a Dataset, got {argcheck.describe(out)}")
        return out

    def _elem_iter(self, state=None):
        return _SnapshotIter(self, state)


class _SnapshotIter(Step):
    """``mode``: "write" (the input, each element also written to the run) or "read" (the
    snapshot's files). A writing pass restored from a checkpoint reads the input on and writes
    nothing (its first elements were written by the pass that was saved)."""

    def __init__(self, node, state):
        self._node, self._writer = node, None
        if state is None:
            self._run = node._finished_run()
            if self._run is not None:
                self._mode, self._inner = "read", node._reader(self._run)._iter(None)
                return
            self._mode, self._index = "write", 0
            self._run = uuid.uuid4().hex
            self._writer = FolderWriter(os.path.join(node._dir, self._run), node._compression, "snapshot")
            self._inner = node._input._iter(None)
            return
        expect_kind(state, node)
        self._mode, self._run = state["mode"], state["run"]
        if self._mode == "read":
            if not os.path.exists(os.path.join(node._dir, self._run, SPEC_FILE)):
                raise ValueError(f"snapshot: the iterator state reads the snapshot run {self._run!r} under "
                                 f"{node._dir!r}, which no longer exists")
            self._inner = node._reader(self._run)._iter(state["inner"])
        elif self._mode == "write":
            self._inner = node._input._iter(state["inner"])
        else:
            raise ValueError(f"snapshot: unknown iterator state mode {self._mode!r}")

    def __next__(self):
        try:
            element = next(self._inner)
        except StopIteration:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
                self._node._finish(self._run)
            raise
        if self._writer is not None:
            node = self._node
            if node._shard_func is None:
                shard = self._index % node._num_shards
            else:
                shard = shard_of(node._shard_func, element, "snapshot")
            self._index += 1
            self._writer.add(element, shard)
        return element

    def state(self):
        return self._tag(self._node, mode=self._mode, run=self._run, inner=self._inner.state())
