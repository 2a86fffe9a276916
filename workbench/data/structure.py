"""Elements of a dataset: nested tuples/dicts of Tensors, RaggedTensors and SparseTensors, and how
they batch.

Python lists are tensors, not structures (TF's rule): ``from_tensor_slices([1, 2])``
has scalar elements. Everything here works on the raw arrays of the leaves, so
building a batch is never recorded by a tape, even when it runs on a prefetch
thread while the training step records on the main one.
"""

from __future__ import annotations

import numpy as np

from .. import backend, core, extension_type, nest
from ..errors import argcheck
from ..core import Tensor, convert_to_tensor, ragged_list_error, wrap
from ..sparse import rows as sparse_rows
from ..sparse.sparse_tensor import SparseTensor, SparseTensorValue
from ragged import RaggedTensor


def is_ragged(x) -> bool:
    """A RaggedTensor (or another composite of rows); SparseTensors are not."""
    return isinstance(x, core.CompositeTensor) and not isinstance(x, SparseTensor)


def is_sparse(x) -> bool:
    return isinstance(x, SparseTensor)


def is_composite(x) -> bool:
    return isinstance(x, core.CompositeTensor)


class RaggedRow(Tensor):
    """A row sliced out of a RaggedTensor: a dense Tensor to the user, but ``batch`` puts rows
    back together as a RaggedTensor (TF's ragged element spec)."""

    __slots__ = ()


def ragged_row(data) -> RaggedRow:
    t = object.__new__(RaggedRow)
    t._data = data
    t._tid = 0
    return t


def normalize(value, top=True, what="value", where=None):
    """Tuples/dicts stay structures (a top-level list becomes a tuple, as TF does for map
    results); other leaves become Tensors on the default device (RaggedTensors stay).
    A leaf that is a ragged nested list is reported as ``what`` (its path) of ``where``."""
    if isinstance(value, dict):
        items = ((k, normalize(v, False, f"{what}[{k!r}]", where)) for k, v in value.items())
        return type(value)(items) if type(value) is not dict else dict(items)
    if isinstance(value, tuple):
        parts = [normalize(v, False, f"{what}[{i}]", where) for i, v in enumerate(value)]
        return type(value)(*parts) if hasattr(value, "_fields") else tuple(parts)
    if top and isinstance(value, list) and value and any(
            isinstance(v, (Tensor, tuple, dict)) or is_composite(v) for v in value):
        return tuple(normalize(v, False, f"{what}[{i}]", where) for i, v in enumerate(value))
    if isinstance(value, Tensor) or is_composite(value) or getattr(value, "_is_dataset", False):
        return value   # a dataset as an element (a map may make one, as in TF) stays one
    return to_tensor(value, what, where)


def to_tensor(value, what, where=None):
    """``convert_to_tensor(value)``; a ragged nested list is reported as ``what`` of ``where``,
    with the way to make it a RaggedTensor. A pandas Series (``dict(df)``'s columns) is taken as
    its NumPy values."""
    if not isinstance(value, np.ndarray) and callable(getattr(value, "to_numpy", None)) and hasattr(value, "dtype"):
        value = value.to_numpy()
    try:
        return convert_to_tensor(value)
    except ValueError:
        message = ragged_list_error(value, what)
        if message is None:
            raise
        raise ValueError(message if where is None else f"{where}: {message}") from None
    except TypeError:
        raise TypeError(f"{where or 'dataset'}: {what} must be a tensor, an array, a number or a "
                        f"nested list of numbers, got {argcheck.describe(value)}") from None


def unpack_call(fn, element):
    """Call ``fn`` with a tuple element unpacked as positional arguments (TF's map rule), as a
    tf.data function (``wb.executing_eagerly()`` is False inside it, as in TF's traced ones)."""
    with core.dataset_function():
        if isinstance(element, tuple) and not hasattr(element, "_fields"):
            return fn(*element)
        return fn(element)


def to_numpy(element):
    """NumPy leaves; scalars come out as NumPy scalars (``np.int64(3)``), as in TF; a SparseTensor
    as a ``SparseTensorValue`` of NumPy arrays."""
    def leaf(x):
        if is_sparse(x):
            return SparseTensorValue(x.indices.numpy(), x.values.numpy(), x.dense_shape.numpy())
        arr = x.numpy()
        return arr[()] if isinstance(arr, np.ndarray) and arr.ndim == 0 else arr
    return nest.map_structure(leaf, element)


# -- batching ------------------------------------------------------------------


def _describe(i, n):
    return "" if n == 1 else f" in component {i}"


def stack_dense(arrays, where, ragged_hint):
    first = arrays[0]
    for j, a in enumerate(arrays):
        if a.shape != first.shape or a.dtype != first.dtype:
            what = "shapes" if a.shape != first.shape else "dtypes"
            fa, fb = (first.shape, a.shape) if what == "shapes" else (first.dtype, a.dtype)
            raise ValueError(f"batch: cannot batch elements with different {what}{where}: element 0 "
                             f"has {what[:-1]} {fa} and element {j} has {what[:-1]} {fb}; "
                             f"{ragged_hint}")
    return backend.xp_of(first).stack(arrays)


def rows_to_ragged(rows, where):
    """Dense tensors of varying first dimension (same inner shape) -> RaggedTensor [B, None, ...]."""
    arrays = [r._data for r in rows]
    inner = {a.shape[1:] for a in arrays}
    if any(a.ndim == 0 for a in arrays):
        raise ValueError(f"ragged batch: scalar elements{where} cannot form ragged rows")
    if len(inner) > 1:
        raise ValueError(f"ragged batch: elements{where} differ beyond their first dimension "
                         f"(inner shapes {sorted(inner)}); turn each element into a RaggedTensor "
                         "first (ragged.RaggedTensor.from_tensor) to batch it")
    dtypes = {a.dtype for a in arrays}
    if len(dtypes) > 1:
        raise ValueError(f"ragged batch: elements{where} have different dtypes {sorted(map(str, dtypes))}")
    xp = backend.xp_of(arrays[0])
    values = xp.concatenate(arrays)
    lengths = xp.asarray(np.asarray([a.shape[0] for a in arrays], np.int64))
    return RaggedTensor.from_row_lengths(wrap(values), lengths, validate=False)


def _with_splits(rt, dtype):
    return rt if np.dtype(dtype) == np.int64 else rt.with_row_splits_dtype(dtype)


def _ragged_to(x, ragged_rank, where):
    """A dense element as a RaggedTensor of ``ragged_rank`` (its dims up to that one ragged)."""
    if x.ndim <= ragged_rank:
        raise ValueError(f"ragged batch: an element{where} of shape {x.shape} has too few dims for the "
                         f"ragged dims its spec gives ({ragged_rank + 1})")
    return RaggedTensor.from_tensor(x, ragged_rank=ragged_rank)


def stack_ragged(items, where):
    """RaggedTensors with the same ragged rank -> one RaggedTensor with a new outer dimension."""
    ranks = {rt.ragged_rank for rt in items}
    if len(ranks) > 1:
        raise ValueError(f"batch: RaggedTensor elements{where} have different ragged ranks {sorted(ranks)}")
    xp = items[0].flat_values.xp
    outer = xp.asarray(np.asarray([rt.nrows_int() for rt in items], np.int64))
    levels = []
    for k in range(items[0].ragged_rank):
        parts, offset = [], 0
        for rt in items:
            splits = rt.nested_row_splits[k]
            splits = splits._data if isinstance(splits, Tensor) else splits
            parts.append(splits[:-1] + offset)
            offset += int(splits[-1])
        parts.append(xp.asarray(np.asarray([offset], np.int64)))
        levels.append(xp.concatenate(parts))
    flat = xp.concatenate([rt.flat_values._data for rt in items])
    result = wrap(flat)
    for splits in reversed(levels):
        result = RaggedTensor.from_row_splits(result, splits, validate=False)
    return RaggedTensor.from_row_lengths(result, outer, validate=False)


def batch_elements(elements, mode="dense", levels=None, splits_dtype=np.int64):
    """Combine a list of elements into one batch element.

    ``mode``: ``"dense"`` (``batch``: dense leaves must agree in shape; ragged rows and
    RaggedTensors give RaggedTensors) or ``"ragged"`` (``ragged_batch``: dense leaves of
    rank >= 1 become ragged rows). ``levels`` (``"ragged"``): for each leaf, from the
    input's spec, 0 where it is stacked dense (a known shape, or an unknown rank), k > 0
    where its dims up to the k-th are ragged (its last None size), None where not known;
    ``splits_dtype``: the row splits' dtype of the RaggedTensors made from dense leaves.
    """
    flats = [nest.flatten(e) for e in elements]
    n = len(flats[0])
    if levels is not None and len(levels) != n:   # a spec that flattens otherwise: not used
        levels = None
    out = []
    for i in range(n):
        leaves = [f[i] for f in flats]
        where = _describe(i, n)
        level = None if levels is None else levels[i]
        if mode == "ragged" and level and level > 1 and not is_ragged(leaves[0]):
            out.append(_with_splits(stack_ragged([_ragged_to(x, level - 1, where) for x in leaves], where),
                                    splits_dtype))
            continue
        if getattr(leaves[0], "__wb_extension__", False):   # an ExtensionType: field by field
            out.append(extension_type.batch(leaves, batch_elements, mode))
            continue
        if any(is_sparse(x) for x in leaves):
            if not all(is_sparse(x) for x in leaves):
                raise ValueError(f"batch: elements{where} mix SparseTensors and dense tensors")
            out.append(sparse_rows.stack(leaves, where))
        elif is_ragged(leaves[0]):
            if not all(is_ragged(x) for x in leaves):
                raise ValueError(f"batch: elements{where} mix RaggedTensors and dense tensors")
            out.append(stack_ragged(leaves, where))
        elif isinstance(leaves[0], RaggedRow):
            out.append(rows_to_ragged(leaves, where))
        elif mode == "ragged" and level != 0 and leaves[0].ndim >= 1:
            out.append(_with_splits(rows_to_ragged(leaves, where), splits_dtype))
        else:
            hint = "use padded_batch or ragged_batch for elements of different shapes"
            out.append(wrap(stack_dense([x._data for x in leaves], where, hint)))
    return nest.pack_sequence_as(elements[0], out)


def pad_dense(arrays, target, value, where):
    """Stack arrays of varying shapes into ``[B] + target`` filled with ``value``.

    ``target`` entries that are None are the largest size in the batch."""
    rank = arrays[0].ndim
    if any(a.ndim != rank for a in arrays):
        raise ValueError(f"padded_batch: elements{where} have different ranks "
                         f"{sorted({a.ndim for a in arrays})}")
    biggest = tuple(max(a.shape[d] for a in arrays) for d in range(rank))
    shape = resolve_shape(target, biggest, where)
    xp = backend.xp_of(arrays[0])
    dtype = arrays[0].dtype
    out = xp.full((len(arrays),) + shape, pad_value(value, dtype, where), dtype=dtype)
    for j, a in enumerate(arrays):
        if a.dtype != dtype:
            raise ValueError(f"padded_batch: elements{where} have different dtypes {dtype} and {a.dtype}")
        out[(j,) + tuple(slice(0, s) for s in a.shape)] = a
    return out


def resolve_shape(target, biggest, where):
    if target is None:
        return biggest
    # None or -1 keeps the largest size in the batch; a bare number is a rank-1 shape (TF)
    target = tuple(None if d == -1 else d
                   for d in argcheck.shape(target, f"padded_shapes{where}", "padded_batch", unknown=True))
    if len(target) != len(biggest):
        raise ValueError(f"padded_batch: padded shape {target}{where} has rank {len(target)}, "
                         f"the elements have rank {len(biggest)}")
    shape = []
    for d, (t, b) in enumerate(zip(target, biggest)):
        if t is None or t == -1:
            shape.append(b)
        else:
            if b > int(t):
                raise ValueError(f"padded_batch: cannot pad to a smaller size{where}: dimension {d} "
                                 f"of an element is {b}, the padded shape {target} allows {int(t)}")
            shape.append(int(t))
    return tuple(shape)


def pad_value(value, dtype, where):
    if value is None:
        return dtype.type(0)
    arr = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
    if arr.ndim != 0:
        raise ValueError(f"padded_batch: padding values must be scalars, got shape {arr.shape}{where}")
    return dtype.type(arr.item())


def per_leaf(spec, element, what):
    """``spec`` (None, one value for every leaf, or a structure like ``element``) as a flat list."""
    n = len(nest.flatten(element))
    if spec is None:
        return [None] * n
    if nest.is_nested(element) and not nest.is_nested(spec):
        return [spec] * n
    if not nest.is_nested(element):
        return [spec]
    flat = _flatten_shapes(spec, element)
    if len(flat) != n:
        raise ValueError(f"padded_batch: {what} has {len(flat)} entries, the elements have {n} components")
    return flat


def _flatten_shapes(spec, element):
    """Flatten ``spec`` following the structure of ``element`` (shapes are lists, not structures)."""
    if isinstance(element, dict):
        return [x for k in sorted(element) for x in _flatten_shapes(spec[k], element[k])]
    if isinstance(element, tuple):
        return [x for s, e in zip(spec, element) for x in _flatten_shapes(s, e)]
    return [spec]
