"""``cache()``: the first full pass over the input is kept (in memory, or in a folder of files
in ``Dataset.save``'s format) and the passes after it read the copy.

As in TF, a pass that stops before the end does not leave a cache behind, two iterators
filling at once each read the input, and a file cache that exists (from an earlier run)
is read without touching the input. In the iterator state, a pass that is filling keeps
the elements it has so far; one that reads a memory cache keeps the cache itself (a
restored process has no other copy), one that reads a file only its position.
"""

from __future__ import annotations

import json
import os
import threading

from .dataset import Dataset
from .iterator import Elements, Step, expect_kind
from .storage import SPEC_FILE, Load, ShardWriter, element_spec, remove


class Cache(Dataset):
    """``Dataset.cache``."""

    _same_elements = True

    def __init__(self, input_ds, filename):
        self._input = input_ds
        self._file = os.fspath(filename) if filename else None
        self._memory = None   # the elements of a finished pass (memory cache)
        self._lock = threading.Lock()

    def _cached_file(self):
        return self._file is not None and os.path.exists(os.path.join(self._file, SPEC_FILE))

    def _finish(self, elements):
        """A pass reached the end: keep what it read (the first one to finish wins)."""
        with self._lock:
            if self._file is None:
                if self._memory is None:
                    self._memory = list(elements)
                return
            if not self._cached_file():
                _write_folder(self._file, elements)

    def _elem_iter(self, state=None):
        return _CacheIter(self, state)

    def _cardinality(self):
        return self._input._cardinality()


def _write_folder(path, elements):
    """Write the cache folder next to its final place, then move it there."""
    tmp = f"{path}.tmp-{os.getpid()}-{threading.get_ident()}"
    remove(tmp)
    writer = ShardWriter(os.path.join(tmp, "shard_00000"), None)
    for e in elements:
        writer.add(e)
    writer.close()
    spec = element_spec(elements[0], "cache") if elements else None
    with open(os.path.join(tmp, SPEC_FILE), "w") as f:
        json.dump({"format": "wb.data.save", "version": 1, "element": spec, "compression": None,
                   "shards": [{"dir": "shard_00000", "num_elements": len(elements)}]}, f)
    if os.path.exists(os.path.join(path, SPEC_FILE)):
        remove(tmp)
        return
    remove(path)
    os.replace(tmp, path)


class _CacheIter(Step):
    """``mode``: "fill" (reading the input, keeping each element) or "read" (the copy)."""

    def __init__(self, node, state):
        self._node = node
        self._inner = None
        if state is None:
            if node._memory is not None:
                self._mode, self._pos, self._list = "read", 0, node._memory
            elif node._cached_file():
                self._mode, self._pos, self._reader = "file", 0, Load(node._file)._iter(None)
            else:
                self._mode, self._kept, self._inner = "fill", [], node._input._iter(None)
            return
        expect_kind(state, node)
        self._mode = state["mode"]
        if self._mode == "fill":
            self._kept, self._inner = list(state["kept"]), node._input._iter(state["inner"])
        elif self._mode == "read":
            self._pos = int(state["pos"])
            if node._memory is None:
                node._memory = list(state["cache"])
            self._list = node._memory
        elif self._mode == "file":
            if not node._cached_file():
                raise ValueError(f"cache: the iterator state reads the cache files at {node._file!r}, "
                                 "which no longer exist")
            self._reader = Load(node._file)._iter(state["reader"])
        else:
            raise ValueError(f"cache: unknown iterator state mode {self._mode!r}")

    def __next__(self):
        if self._mode == "read":
            if self._pos >= len(self._list):
                raise StopIteration
            self._pos += 1
            return self._list[self._pos - 1]
        if self._mode == "file":
            return next(self._reader)
        try:
            element = next(self._inner)
        except StopIteration:
            if self._kept is not None:
                self._node._finish(self._kept)
                self._kept = None
            raise
        self._kept.append(element)
        return element

    def state(self):
        if self._mode == "read":
            return self._tag(self._node, mode="read", pos=self._pos, cache=Elements(self._list))
        if self._mode == "file":
            return self._tag(self._node, mode="file", reader=self._reader.state())
        return self._tag(self._node, mode="fill", kept=Elements(self._kept or ()),
                         inner=self._inner.state())
