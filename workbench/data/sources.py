"""Where elements come from: ``from_tensor_slices``, ``range``, ``from_tensors``, and the
datasets built from whole datasets, ``zip`` and ``concatenate``.

``from_tensor_slices`` and ``range`` are array sources: their rows are picked by
index streams (``indices.py``), so the transformations after them can run on
indices and ``batch`` can gather a batch in one take.
"""

from __future__ import annotations

import numpy as np

from ragged import RaggedTensor, RaggedTensorSpec, gather_rows

from .. import backend, nest
from ..core import Tensor, convert_to_tensor, wrap
from ..dtypes import np_dtype
from ..errors import InvalidArgumentError, argcheck
from ..sparse import rows as sparse_rows
from . import structure as st
from .dataset import INFINITE, UNKNOWN, Dataset
from .indices import RangeIndices
from ..tensor_shape import TensorSpec
from .iterator import Step, expect_kind


class ArraySource:
    """Rows of arrays (on the default device), RaggedTensors and SparseTensors, gathered by index
    arrays."""

    def __init__(self, structure, leaves, n):
        self.structure = structure
        self.leaves = leaves
        self.n = n

    def _device_index(self, idx, like):
        xp = backend.xp_of(like)
        return idx if xp is np else xp.asarray(idx)

    def gather(self, idx):
        """The batch of rows ``idx`` (int64 NumPy array): one vectorized take per component."""
        out = []
        for leaf in self.leaves:
            if st.is_sparse(leaf):
                out.append(sparse_rows.gather_rows(leaf, idx))
            elif st.is_ragged(leaf):
                out.append(gather_rows(leaf, self._device_index(idx, leaf.flat_values._data)))
            else:
                xp = backend.xp_of(leaf)
                out.append(wrap(xp.take(leaf, self._device_index(idx, leaf), axis=0)))
        return nest.pack_sequence_as(self.structure, out)

    def element(self, i):
        out = []
        for leaf in self.leaves:
            if st.is_sparse(leaf):
                out.append(sparse_rows.row(leaf, i))
            elif st.is_ragged(leaf):
                row = leaf[i]
                out.append(row if st.is_ragged(row) else st.ragged_row(row._data.copy()))
            else:
                out.append(wrap(leaf[i, ...].copy()))
        return nest.pack_sequence_as(self.structure, out)


class TensorSlices(Dataset):
    """``Dataset.from_tensor_slices``: the rows of arrays, tensors, RaggedTensors and SparseTensors
    (a SparseTensor's rows are SparseTensors of its dense shape without the first dimension)."""

    def __init__(self, tensors):
        element = _slice_structure(tensors)
        flat = nest.flatten(element)
        if not flat:
            raise ValueError("from_tensor_slices: the structure holds no tensors")
        dev = backend.default_device()
        leaves, sizes = [], []
        for i, leaf in enumerate(flat):
            if st.is_sparse(leaf):
                if len(leaf.shape) == 0:
                    raise ValueError(f"from_tensor_slices: component {i} of tensors is a scalar "
                                     "SparseTensor; every component needs a first dimension to slice")
                leaves.append(sparse_rows.to_device(leaf, dev))
                sizes.append(int(leaf.shape[0]))
                continue
            if st.is_ragged(leaf):
                leaves.append(leaf.to(dev))
                sizes.append(leaf.nrows_int())
                continue
            arr = leaf._data
            if arr.ndim == 0:
                raise ValueError(f"from_tensor_slices: component {i} of tensors is a scalar "
                                 f"({argcheck.describe(leaf)}); every component needs a first "
                                 "dimension to slice")
            if arr.dtype.kind == "O":      # strings stay on the host, as in TF
                leaves.append(arr.copy())
            else:
                leaves.append(backend.get_xp(dev).array(backend.move(arr, dev), copy=True))
            sizes.append(arr.shape[0])
        if len(set(sizes)) > 1:
            shapes = [(leaf.shape if not st.is_ragged(leaf) else leaf.shape) for leaf in leaves]
            raise ValueError(f"from_tensor_slices: all components of tensors must have the same "
                             f"size in dimension 0, got shapes {shapes}")
        self._array_source = ArraySource(element, leaves, sizes[0])

    def _indexable(self):
        return True

    def _source(self):
        return self._array_source

    def _index_iter(self, state=None):
        return RangeIndices(self, self._array_source.n, state)

    def _cardinality(self):
        return self._array_source.n

    def _known_spec(self):
        return _dense_spec(self._array_source.structure, rows=True)


def _slice_structure(tensors, what="tensors"):
    """The input of from_tensor_slices with leaves as Tensors/RaggedTensors (lists are tensors)."""
    if isinstance(tensors, dict):
        return {k: _slice_structure(v, f"{what}[{k!r}]") for k, v in tensors.items()}
    if isinstance(tensors, tuple):
        parts = [_slice_structure(v, f"{what}[{i}]") for i, v in enumerate(tensors)]
        return type(tensors)(*parts) if hasattr(tensors, "_fields") else tuple(parts)
    if isinstance(tensors, Tensor) or st.is_composite(tensors):
        return tensors
    return st.to_tensor(tensors, what, "from_tensor_slices")


class _RangeSource:
    """The values ``start + i * step`` of a range, computed for an index array."""

    def __init__(self, start, step, dtype):
        self.start, self.step, self.dtype = start, step, np.dtype(dtype)

    def gather(self, idx):
        xp = backend.get_xp()
        values = (self.start + idx * self.step).astype(self.dtype)
        return wrap(values if xp is np else xp.asarray(values))

    def element(self, i):
        return convert_to_tensor(np.asarray(self.start + i * self.step, dtype=self.dtype))


class Range(Dataset):
    """``Dataset.range``: the values of a Python range as scalar tensors."""

    def __init__(self, *args, dtype=np.int64):
        if not 1 <= len(args) <= 3:
            raise TypeError(f"range expects 1 to 3 arguments (start, stop, step), got {len(args)}")
        names = ("stop",) if len(args) == 1 else ("start", "stop", "step")
        r = [argcheck.integer(a, what, "Dataset.range") for a, what in zip(args, names)]
        if len(r) == 3 and r[2] == 0:
            raise InvalidArgumentError("Dataset.range: step must not be 0 (step must be a non-zero integer.)")
        r = range(*r)
        self._range = r
        try:
            np_type = np_dtype(dtype)
        except (TypeError, ValueError):
            np_type = None
        if np_type is None or np_type.kind not in "iuf":
            raise TypeError(f"Dataset.range: output_type must be an integer or floating dtype, "
                            f"got {dtype!r}")
        self._range_source = _RangeSource(r.start, r.step, np_type)

    def _indexable(self):
        return True

    def _source(self):
        return self._range_source

    def _index_iter(self, state=None):
        return RangeIndices(self, len(self._range), state)

    def _known_spec(self):
        return TensorSpec((), self._range_source.dtype)

    def _cardinality(self):
        return len(self._range)


class FromTensors(Dataset):
    """``Dataset.from_tensors``: one element."""

    def __init__(self, element):
        self._element = element

    def _elem_iter(self, state=None):
        return _Once(self, state)

    def _cardinality(self):
        return 1

    def _known_spec(self):
        return _dense_spec(self._element, rows=False)


class _Once(Step):
    _children = ()

    def __init__(self, node, state):
        self._node = node
        self._done = bool(expect_kind(state, node)["done"]) if state is not None else False

    def __next__(self):
        if self._done:
            raise StopIteration
        self._done = True
        return self._node._element

    def state(self):
        return self._tag(self._node, done=self._done)


class Zip(Dataset):
    """``Dataset.zip``: the elements of several datasets side by side."""

    def __init__(self, datasets):
        flat = nest.flatten(datasets)
        if not flat or not all(isinstance(d, Dataset) for d in flat):
            bad = next((d for d in flat if not isinstance(d, Dataset)), None)
            raise TypeError(f"zip: datasets must be Datasets (or a tuple/dict of Datasets), "
                            f"got {argcheck.describe(bad)}")
        self._structure = datasets
        self._inputs = flat

    def _elem_iter(self, state=None):
        return _ZipIter(self, state)

    def _cardinality(self):
        ns = [d._cardinality() for d in self._inputs]
        finite = [n for n in ns if n >= 0]
        if finite:
            return min(finite) if UNKNOWN not in ns or min(finite) == 0 else UNKNOWN
        return UNKNOWN if UNKNOWN in ns else INFINITE

    def _known_spec(self):
        specs = [d._known_spec() for d in self._inputs]
        return None if any(s is None for s in specs) else nest.pack_sequence_as(self._structure, specs)


class _ZipIter(Step):
    def __init__(self, node, state):
        self._node = node
        states = [None] * len(node._inputs) if state is None else expect_kind(state, node)["inputs"]
        if len(states) != len(node._inputs):
            raise ValueError(f"the iterator state zips {len(states)} datasets, this zip has "
                             f"{len(node._inputs)}")
        self._inners = [d._iter(s) for d, s in zip(node._inputs, states)]

    def __next__(self):
        # like zip(): stop at the first input that ends (the ones before it moved on)
        return nest.pack_sequence_as(self._node._structure, [next(it) for it in self._inners])

    def state(self):
        return self._tag(self._node, inputs=[it.state() for it in self._inners])

    def close(self):
        for it in self._inners:
            it.close()


class Concatenate(Dataset):
    """``Dataset.concatenate``: one dataset, then another."""

    def __init__(self, first, second):
        if not isinstance(second, Dataset):
            raise TypeError(f"concatenate: dataset must be a Dataset, got {argcheck.describe(second)}")
        self._first, self._second = first, second
        a, b = first._known_spec(), second._known_spec()
        if a is not None and b is not None:   # both known without running: TF's check, here
            _check_compatible(a, b)

    def _elem_iter(self, state=None):
        return _ConcatenateIter(self, state)

    def _cardinality(self):
        a, b = self._first._cardinality(), self._second._cardinality()
        if INFINITE in (a, b):
            return INFINITE
        if UNKNOWN in (a, b):
            return UNKNOWN
        return a + b


def _dense_spec(structure, rows):
    """The specs of a structure of dense tensors (of their rows with ``rows``), or None when a
    leaf is ragged, sparse or not a tensor."""
    specs = []
    for leaf in nest.flatten(structure):
        if isinstance(leaf, np.ndarray):     # string columns are kept as NumPy arrays
            shape, dtype = leaf.shape, leaf.dtype
        elif isinstance(leaf, Tensor):
            shape, dtype = tuple(leaf.shape), leaf.dtype
        elif rows and isinstance(leaf, RaggedTensor):   # TF's spec of its rows (ragged_rank 0: dense rows)
            specs.append(RaggedTensorSpec(tuple(leaf.shape)[1:], leaf.dtype, leaf.ragged_rank - 1,
                                          leaf.row_splits_dtype))
            continue
        else:
            return None
        specs.append(TensorSpec(shape[1:] if rows else shape, dtype))
    return nest.pack_sequence_as(structure, specs)


def _element_spec(element):
    return nest.map_structure(lambda leaf: leaf._spec() if hasattr(leaf, "_spec")
                              else TensorSpec.from_tensor(leaf), element)


def _check_compatible(a, b):
    """TF's check that two datasets can be concatenated: the same structure and leaf dtypes
    (shapes may differ), on the specs of the elements each side produced first. TF checks when
    the concatenation is built; here element structures are read from elements, so the check is
    made when the iteration reaches the second dataset (building a concatenation runs nothing)."""
    try:
        nest.assert_same_structure(a, b)
        same = all(type(x) is type(y) and x.dtype == y.dtype
                   for x, y in zip(nest.flatten(a), nest.flatten(b)))
    except (TypeError, ValueError):
        same = False
    if not same:
        raise TypeError(f"Incompatible dataset elements:\n  {a!r} vs.   {b!r}")


class _ConcatenateIter(Step):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._second, self._inner = False, node._first._iter(None)
        else:
            self._second = bool(expect_kind(state, node)["second"])
            self._inner = (node._second if self._second else node._first)._iter(state["inner"])

    _first_spec = None

    def __next__(self):
        try:
            element = next(self._inner)
        except StopIteration:
            if self._second:
                raise
        else:
            if not self._second and self._first_spec is None:
                self._first_spec = _element_spec(element)
            return element
        self._second, self._inner = True, self._node._second._iter(None)
        element = next(self._inner)
        if self._first_spec is not None:
            _check_compatible(self._first_spec, _element_spec(element))
            self._first_spec = None
        return element

    def state(self):
        return self._tag(self._node, second=self._second, inner=self._inner.state())
