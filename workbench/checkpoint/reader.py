"""Reading a checkpoint's values by name: ``load_checkpoint``, ``list_variables`` (TF's
``tf.train.load_checkpoint`` / ``tf.train.list_variables``).

Keys are spelled as TF spells them: a variable saved at ``net/l1/bias`` is
``net/l1/bias/.ATTRIBUTES/VARIABLE_VALUE``, so code written against TF's checkpoints finds
the same names; the bare path is accepted too. ``_CHECKPOINTABLE_OBJECT_GRAPH`` is there as
in TF, a string scalar; it holds the workbench object graph as JSON (the saved paths, and the
other paths of variables reached by several), not TF's protocol buffer.

>>> reader = wb.train.load_checkpoint("runs/ckpts")      # a folder: its newest checkpoint
>>> reader.get_variable_to_shape_map()
{'net/l1/bias/.ATTRIBUTES/VARIABLE_VALUE': [5], ...}
>>> reader.get_tensor("net/l1/bias/.ATTRIBUTES/VARIABLE_VALUE")
array([...], dtype=float32)
"""

from __future__ import annotations

import json
import os

import numpy as np

from .. import dtypes
from ..errors import NotFoundError
from .format import INDEX_SUFFIX, read_checkpoint
from .manager import latest_checkpoint

__all__ = ["CheckpointReader", "list_variables", "load_checkpoint"]

VALUE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"


class CheckpointReader:
    """The values of one checkpoint, by key (every checksum verified on opening)."""

    def __init__(self, prefix):
        self._prefix = os.fspath(prefix)
        index, arrays = read_checkpoint(self._prefix)
        # an object's own saved attributes (a table's ``.ATTRIBUTES/table-keys``) are keyed as TF
        self._arrays = {path if "/.ATTRIBUTES/" in path else path + VALUE_SUFFIX: arr for path, arr in arrays.items()}
        graph = {"paths": sorted(arrays), "aliases": index.get("aliases") or {}}
        self._arrays[OBJECT_GRAPH_KEY] = np.array(json.dumps(graph, sort_keys=True).encode("utf-8"), dtype=object)

    def _key(self, key):
        key = key.decode() if isinstance(key, bytes) else str(key)
        if key in self._arrays:
            return key
        if key + VALUE_SUFFIX in self._arrays:
            return key + VALUE_SUFFIX
        return None

    def has_tensor(self, key) -> bool:
        return self._key(key) is not None

    def get_tensor(self, key):
        """The saved value of ``key`` as a NumPy array; ``NotFoundError`` if there is none."""
        found = self._key(key)
        if found is None:
            raise NotFoundError(None, None, f"Key {key} not found in checkpoint")
        value = self._arrays[found]
        return value.item() if value.dtype == object and value.ndim == 0 else value.copy()

    def get_variable_to_shape_map(self) -> dict:
        """``{key: shape as a list of ints}``."""
        return {k: list(a.shape) for k, a in self._arrays.items()}

    def get_variable_to_dtype_map(self) -> dict:
        """``{key: dtype}`` (``.name`` gives 'float32', ...)."""
        return {k: dtypes.string if a.dtype == object else dtypes.as_dtype(a.dtype) for k, a in self._arrays.items()}

    def __repr__(self):
        return f"<wb.train.CheckpointReader '{self._prefix}' ({len(self._arrays)} values)>"


def _prefix_of(ckpt_dir_or_file):
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory "
                             f"{path!r} (ckpt_dir_or_file: expected a checkpoint folder or prefix)")
        return latest
    if not os.path.exists(path + INDEX_SUFFIX):
        raise NotFoundError(None, None, f"Unsuccessful checkpoint read: ckpt_dir_or_file={path!r} is "
                            f"neither a folder of checkpoints nor a checkpoint prefix ('{path}{INDEX_SUFFIX}' "
                            "does not exist)")
    return path


def load_checkpoint(ckpt_dir_or_file):
    """A :class:`CheckpointReader` of a checkpoint prefix, or of the newest checkpoint in a folder."""
    return CheckpointReader(_prefix_of(ckpt_dir_or_file))


def list_variables(ckpt_dir_or_file):
    """``[(key, shape)]`` of every value in the checkpoint, sorted by key."""
    shapes = load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map()
    return sorted(shapes.items())
