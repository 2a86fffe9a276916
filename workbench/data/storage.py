"""``Dataset.save`` / ``Dataset.load`` and the files of ``cache(filename)``: a folder of JSON
and ``.npy`` files (no pickle).

    path/dataset_spec.json     {"format": "wb.data.save", "version": 1, "element": spec,
                                "shards": [{"dir": "shard_00000", "num_elements": n}, ...]}
    path/shard_00000/c0.npy    component 0 of every element of the shard, flattened and
                               concatenated (strings: their bytes, as uint8)
    path/shard_00000/c0.shapes.npy    int64 [n, rank]: the shape of component 0 in each element
    path/shard_00000/c0.lengths.npy   (strings only) the length of each string

An element's leaves become components: a tensor is one, a string tensor one (bytes and
lengths), a RaggedTensor its flat values and one int64 component per row-splits level.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil

import numpy as np

from ragged import RaggedTensor

from .. import backend, nest
from ..core import Tensor, wrap
from ..errors import argcheck
from ..sparse.sparse_tensor import from_parts
from . import structure as st
from .dataset import Dataset
from .iterator import Step, expect_kind

FORMAT, VERSION = "wb.data.save", 1
SPEC_FILE = "dataset_spec.json"


def _leaf_spec(x, where):
    if st.is_sparse(x):
        return {"sparse": _leaf_spec(x.values, where), "rank": len(x.shape)}
    if st.is_ragged(x):
        return {"ragged": np.dtype(x.flat_values.dtype).name, "ragged_rank": int(x.ragged_rank)}
    if isinstance(x, Tensor):
        if x.dtype == object:
            return {"string": True, "row": isinstance(x, st.RaggedRow)}
        if x.dtype.kind not in "biufc":
            raise TypeError(f"{where}: components of dtype {x.dtype} cannot be stored")
        return {"tensor": np.dtype(x.dtype).name, "row": isinstance(x, st.RaggedRow)}
    raise TypeError(f"{where}: an element leaf of type {type(x).__name__} cannot be stored")


def element_spec(element, where):
    """The JSON description of an element's structure and leaves."""
    if isinstance(element, dict):
        return {"dict": {k: element_spec(v, where) for k, v in element.items()}}
    if isinstance(element, tuple):
        return {"tuple": [element_spec(v, where) for v in element]}
    return _leaf_spec(element, where)


def _components(element):
    """The arrays of an element, in the order of its spec."""
    out = []
    for leaf in nest.flatten(element):
        if st.is_sparse(leaf):
            out.append(backend.to_numpy(leaf.values._data))
            out.append(backend.to_numpy(leaf.indices._data))
            out.append(np.asarray([int(d) for d in leaf.shape], np.int64))
        elif st.is_ragged(leaf):
            out.append(backend.to_numpy(leaf.flat_values._data))
            out.extend(backend.to_numpy(s._data if isinstance(s, Tensor) else s)
                       for s in leaf.nested_row_splits)
        else:
            out.append(backend.to_numpy(leaf._data))   # a string scalar stays an array
    return out


def _rebuild(spec, parts):
    """An element from its spec and an iterator of component arrays."""
    if "dict" in spec:   # components follow nest's order: the keys sorted
        built = {k: _rebuild(spec["dict"][k], parts) for k in sorted(spec["dict"])}
        return {k: built[k] for k in spec["dict"]}
    if "tuple" in spec:
        return tuple(_rebuild(v, parts) for v in spec["tuple"])
    xp = backend.get_xp()
    if "sparse" in spec:
        values = _rebuild(spec["sparse"], parts)
        indices, shape = next(parts), next(parts)
        if values._data.dtype != object:
            indices = xp.asarray(indices)
        return from_parts(wrap(indices), values, tuple(int(d) for d in shape), True)
    if "ragged" in spec:
        values = wrap(xp.asarray(next(parts)))
        splits = [wrap(xp.asarray(next(parts))) for _ in range(spec["ragged_rank"])]
        return RaggedTensor.from_nested_row_splits(values, splits, validate=False)
    arr = next(parts)
    if "string" not in spec:
        arr = xp.asarray(arr)
    return st.ragged_row(arr) if spec.get("row") else wrap(arr)


class ShardWriter:
    """Writes the elements of one shard as they come: each component's values go to a raw
    file at once (only the shapes and string lengths stay in memory), which ``close()``
    turns into an ``.npy`` file, so a shard need not fit in memory."""

    def __init__(self, directory, compression):
        self.directory, self.compression = directory, compression
        self.raw, self.dtypes, self.shapes, self.lengths = None, [], [], []
        self.count = 0

    def add(self, element):
        comps = _components(element)
        if self.raw is None:
            os.makedirs(self.directory, exist_ok=True)
            self.raw = [open(os.path.join(self.directory, f"c{k}.raw"), "wb") for k in range(len(comps))]
            self.dtypes = [c.dtype for c in comps]
            self.shapes = [[] for _ in comps]
            self.lengths = [[] if c.dtype == object else None for c in comps]
        if len(comps) != len(self.raw):
            raise ValueError("Dataset.save: the elements do not all have the same structure")
        for k, c in enumerate(comps):
            if (c.dtype == object) != (self.dtypes[k] == object) or (
                    c.dtype != object and c.dtype != self.dtypes[k]):
                raise ValueError(f"Dataset.save: component {k} has dtype {self.dtypes[k]} in the first "
                                 f"element and {c.dtype} in element {self.count}")
            self.shapes[k].append(c.shape)
            if c.dtype == object:
                flat = [bytes(v) for v in c.reshape(-1)]
                self.lengths[k].extend(len(v) for v in flat)
                self.raw[k].write(b"".join(flat))
            else:
                self.raw[k].write(np.ascontiguousarray(c).tobytes())
        self.count += 1

    def _open(self, name):
        path = os.path.join(self.directory, name + ".npy")
        return gzip.open(path + ".gz", "wb") if self.compression == "GZIP" else open(path, "wb")

    def _save(self, name, arr):
        with self._open(name) as f:
            np.save(f, arr, allow_pickle=False)

    def close(self):
        os.makedirs(self.directory, exist_ok=True)
        for k, raw in enumerate(self.raw or ()):
            raw.close()
            shapes = np.asarray(self.shapes[k], np.int64).reshape(self.count, -1)
            self._save(f"c{k}.shapes", shapes)
            dtype = np.dtype(np.uint8) if self.dtypes[k] == object else self.dtypes[k]
            if self.lengths[k] is not None:
                self._save(f"c{k}.lengths", np.asarray(self.lengths[k], np.int64))
            raw_path = raw.name
            n = os.path.getsize(raw_path) // dtype.itemsize
            header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (n,)}
            with self._open(f"c{k}") as out, open(raw_path, "rb") as src:
                np.lib.format.write_array_header_2_0(out, header)
                shutil.copyfileobj(src, out, 1 << 20)
            os.remove(raw_path)


def check_compression(compression, where):
    if compression not in (None, "", "GZIP"):
        raise ValueError(f"{where}: compression must be None or 'GZIP', got {compression!r}")
    return compression or None


class FolderWriter:
    """The elements of a dataset written to the folder ``path`` shard by shard as they come;
    ``close()`` writes the folder's ``dataset_spec.json`` (see the module docstring)."""

    def __init__(self, path, compression, where):
        self.path, self.compression, self.where = os.fspath(path), compression, where
        self.writers, self.spec = {}, None
        os.makedirs(self.path, exist_ok=True)

    def add(self, element, shard=0):
        if self.spec is None:
            self.spec = element_spec(element, self.where)
        writer = self.writers.get(shard)
        if writer is None:
            writer = self.writers[shard] = ShardWriter(os.path.join(self.path, f"shard_{shard:05d}"),
                                                       self.compression)
        writer.add(element)

    def close(self):
        for w in self.writers.values():
            w.close()
        meta = {"format": FORMAT, "version": VERSION, "element": self.spec, "compression": self.compression,
                "shards": [{"dir": os.path.basename(self.writers[k].directory),
                            "num_elements": self.writers[k].count} for k in sorted(self.writers)]}
        with open(os.path.join(self.path, SPEC_FILE), "w") as f:
            json.dump(meta, f, indent=1)


def shard_of(shard_func, element, where):
    """``shard_func(element)`` as a non-negative Python int."""
    value = st.to_numpy(st.normalize(st.unpack_call(shard_func, element)))
    return argcheck.integer(np.asarray(value).item(), "shard_func's result", where, 0)


def save(dataset, path, compression=None, shard_func=None):
    """Write every element of ``dataset`` under the folder ``path`` (see the module docstring)."""
    where = "Dataset.save"
    writer = FolderWriter(path, check_compression(compression, where), where)
    for element in dataset._elements():
        writer.add(element, 0 if shard_func is None else shard_of(shard_func, element, where))
    writer.close()


def read_spec(path, where="Dataset.load"):
    file = os.path.join(os.fspath(path), SPEC_FILE)
    if not os.path.exists(file):
        raise FileNotFoundError(f"{where}: {path!r} holds no saved dataset ({SPEC_FILE} is missing)")
    with open(file) as f:
        meta = json.load(f)
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise ValueError(f"{where}: {file} is not a saved dataset of format {FORMAT} version {VERSION}")
    return meta


class ShardReader:
    """The elements of one saved shard, by position."""

    def __init__(self, directory, spec, count, compression):
        self.spec, self.count = spec, count
        self.columns = []
        k = 0
        while os.path.exists(os.path.join(directory, f"c{k}.shapes.npy" + (".gz" if compression else ""))):
            load = lambda name: _load(os.path.join(directory, name + ".npy"), compression)  # noqa: E731
            shapes = load(f"c{k}.shapes")
            sizes = np.prod(shapes, axis=1, dtype=np.int64) if shapes.shape[1] else np.ones(len(shapes), np.int64)
            data = load(f"c{k}")
            lengths = None
            if os.path.exists(os.path.join(directory, f"c{k}.lengths.npy" + (".gz" if compression else ""))):
                lengths = load(f"c{k}.lengths")
            self.columns.append((shapes, np.concatenate([[0], np.cumsum(sizes)]), data, lengths,
                                 None if lengths is None else np.concatenate([[0], np.cumsum(lengths)])))
            k += 1

    def element(self, i):
        parts = []
        for shapes, offsets, data, lengths, byte_offsets in self.columns:
            a, b = offsets[i], offsets[i + 1]
            shape = tuple(shapes[i])
            if lengths is None:
                parts.append(np.array(data[a:b]).reshape(shape))
            else:
                buf = data[byte_offsets[a]:byte_offsets[b]].tobytes()
                cuts = byte_offsets[a:b + 1] - byte_offsets[a]
                strings = [buf[cuts[j]:cuts[j + 1]] for j in range(b - a)]
                arr = np.empty(b - a, dtype=object)
                arr[:] = strings
                parts.append(arr.reshape(shape))
        return _rebuild(self.spec, iter(parts))


def _load(path, compression):
    if compression == "GZIP":
        with gzip.open(path + ".gz", "rb") as f:
            return np.load(f, allow_pickle=False)
    return np.load(path, allow_pickle=False, mmap_mode="r")


class Load(Dataset):
    """``Dataset.load``: the elements of a saved dataset, shard by shard."""

    def __init__(self, path, shard=None):
        self._path = os.fspath(path)
        meta = read_spec(self._path)
        if shard is not None:
            meta = {**meta, "shards": [meta["shards"][shard]]}
        self._meta = meta
        self._shard = shard
        self._readers = None

    def _saved_shard(self):
        """``(path, shard)``: how an iterator state names this dataset as an element."""
        return self._path, self._shard

    def _shards(self):
        if self._readers is None:
            meta = self._meta
            self._readers = [ShardReader(os.path.join(self._path, s["dir"]), meta["element"],
                                         s["num_elements"], meta.get("compression"))
                             for s in meta["shards"]]
        return self._readers

    def _elem_iter(self, state=None):
        return _LoadIter(self, state)

    def _cardinality(self):
        return sum(s["num_elements"] for s in self._meta["shards"])


class _LoadIter(Step):
    _children = ()

    def __init__(self, node, state):
        self._node = node
        self._shards = node._shards()
        if state is None:
            self._shard = self._pos = 0
        else:
            expect_kind(state, node)
            self._shard, self._pos = int(state["shard"]), int(state["pos"])

    def __next__(self):
        while self._shard < len(self._shards):
            reader = self._shards[self._shard]
            if self._pos < reader.count:
                self._pos += 1
                return reader.element(self._pos - 1)
            self._shard, self._pos = self._shard + 1, 0
        raise StopIteration

    def state(self):
        return self._tag(self._node, shard=self._shard, pos=self._pos)


def remove(path):
    shutil.rmtree(path, ignore_errors=True)
