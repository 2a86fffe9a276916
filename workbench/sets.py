"""``wb.sets``: TF's set operations on the last dimension of dense or sparse tensors.

Each row (every index but the last) of ``a`` and ``b`` is a set: a dense row holds all its
entries, a sparse row the values present. ``difference``, ``intersection`` and ``union`` give a
``SparseTensor`` whose row ``i`` lists the result set of row ``i`` in ascending order, with
``dense_shape`` the batch shape plus the largest result size; ``size`` counts the distinct
values of each row of a ``SparseTensor``. Dtypes: int8, int16, int32, int64, uint8, uint16,
string. The work is done on the host. Inside a ``wb.function``, ``size`` is a step of the
program (its result's shape is the input's batch shape); ``difference``, ``intersection`` and
``union`` make the function run eagerly (their results' ``dense_shape`` depends on the data).

>>> a = wb.constant([[1, 2, 3, 3], [4, 4, 5, 1]])
>>> b = wb.constant([[3, 1, 9, 9], [6, 5, 1, 7]])
>>> wb.sparse.to_dense(wb.sets.difference(a, b)).numpy().tolist()
[[2], [4]]
"""

from __future__ import annotations

import numpy as np

from . import backend, core
from .core import convert_to_tensor
from .dtypes import as_dtype
from .errors import InvalidArgumentError
from .sparse import SparseTensor
from .sparse.sparse_tensor import static_dense

__all__ = ["difference", "intersection", "size", "union"]

_SUPPORTED = ("int8", "int16", "int32", "int64", "uint8", "uint16", "string")
_SUPPORTED_TEXT = "`frozenset({tf.int32, tf.uint8, tf.int16, tf.int8, tf.string, tf.int64, tf.uint16})`"


def _check_dtype(dtype, arg):
    name = as_dtype(dtype).name
    if name not in _SUPPORTED:
        head = f"'{arg}' has invalid dtype" if arg else "Invalid dtype"
        raise TypeError(f"{head} `<dtype: '{name}'>` not in supported dtypes: {_SUPPORTED_TEXT}.")


def _check_order(indices, shape):
    """TF's ``validate_indices``: sparse indices in row-major order, each once."""
    if indices.shape[0] < 2:
        return
    keys = np.ravel_multi_index(tuple(indices.T), shape) if all(shape) else np.zeros(len(indices), np.int64)
    step = np.diff(keys)
    bad = np.flatnonzero(step <= 0)
    if bad.size:
        i = int(bad[0]) + 1
        where = ",".join(str(int(v)) for v in indices[i])
        if step[i - 1] == 0:
            raise InvalidArgumentError(f"indices[{i}] = [{where}] is repeated")
        raise InvalidArgumentError(f"indices[{i}] = [{where}] is out of order. Many sparse ops require "
                                   "sorted indices.\n    Use `wb.sparse.reorder` to create a correctly "
                                   "ordered copy.\n\n")


def _sparse_rows(indices, values, shape, validate_indices):
    """The per-row sets (sorted unique arrays) of a sparse input's NumPy parts."""
    if validate_indices:
        _check_order(indices, shape)
    batch = shape[:-1]
    nrows = int(np.prod(batch, dtype=np.int64))
    rows = np.ravel_multi_index(tuple(indices[:, :-1].T), batch) if indices.size else \
        np.zeros(0, np.int64)
    order = np.argsort(rows, kind="stable")
    rows, values = rows[order], values[order]
    cuts = np.searchsorted(rows, np.arange(nrows + 1))
    return [np.unique(values[cuts[i]:cuts[i + 1]]) for i in range(nrows)]


def _check_sparse(x, arg):
    _check_dtype(x.dtype, arg)
    shape = tuple(x.shape)
    if len(shape) < 2:
        raise InvalidArgumentError(f"Invalid rank {len(shape)}.")
    return shape


def _rows(x, arg, validate_indices):
    """(dtype, batch shape, list of per-row sets as sorted unique arrays) of a set input."""
    if isinstance(x, SparseTensor):
        shape = _check_sparse(x, arg)
        # read as a Python read of the values (a wb.function trace then runs eagerly)
        sets = _sparse_rows(x.indices.numpy(), x.values.numpy(), shape, validate_indices)
        return x.dtype, shape[:-1], sets
    t = convert_to_tensor(x)
    _check_dtype(t.dtype, arg)
    if t.ndim < 2:
        raise InvalidArgumentError(f"Shape {list(t.shape)} has rank {t.ndim} < 2")
    arr = t.numpy()
    batch = tuple(t.shape[:-1])
    flat = arr.reshape(int(np.prod(batch, dtype=np.int64)), t.shape[-1])
    return t.dtype, batch, [np.unique(row) for row in flat]


def _result(dtype, batch, sets):
    width = max((len(s) for s in sets), default=0)
    parts, vals = [], []
    for r, s in enumerate(sets):
        if len(s):
            coords = np.array(np.unravel_index(r, batch), np.int64)
            parts.append(np.column_stack([np.tile(coords, (len(s), 1)), np.arange(len(s), dtype=np.int64)]))
            vals.append(s)
    rank = len(batch) + 1
    indices = np.concatenate(parts) if parts else np.zeros((0, rank), np.int64)
    np_dtype = object if as_dtype(dtype).name == "string" else as_dtype(dtype).as_numpy_dtype
    values = np.concatenate(vals).astype(np_dtype) if vals else np.zeros(0, np_dtype)
    return SparseTensor(indices, convert_to_tensor(values, dtype=dtype), batch + (width,))


def _set_operation(a, b, which, validate_indices):
    dtype_a, batch_a, rows_a = _rows(a, "a", validate_indices)
    dtype_b, batch_b, rows_b = _rows(b, "b", validate_indices)
    if as_dtype(dtype_a) != as_dtype(dtype_b):
        raise TypeError(f"Types don't match, <dtype: '{as_dtype(dtype_a).name}'> vs "
                        f"<dtype: '{as_dtype(dtype_b).name}'>.")
    if batch_a != batch_b:
        raise InvalidArgumentError(f"Mismatched shapes {list(batch_a)} vs {list(batch_b)} (the dimensions "
                                   "before the last of a and b must agree)")
    op = {"a-b": np.setdiff1d, "b-a": lambda x, y: np.setdiff1d(y, x),
          "intersection": np.intersect1d, "union": np.union1d}[which]
    out = _result(dtype_a, batch_a, [op(x, y) for x, y in zip(rows_a, rows_b)])
    if core.tracing():   # TF's static shape: every size open, the rank an input's static one
        ranks = [x._static_shape().rank if isinstance(x, core.Tensor) else len(x.shape) for x in (a, b)]
        rank = next((r for r in ranks if r is not None), None)
        static_dense(out, None if rank is None else (None,) * rank)
    return out


def difference(a, b, aminusb=True, validate_indices=True):
    """Per row, the values of ``a`` not in ``b`` (with ``aminusb=False``, of ``b`` not in ``a``),
    as a ``SparseTensor``; ``a`` and ``b`` are dense tensors or ``SparseTensor`` s with one batch
    shape. ``validate_indices`` checks that sparse indices are sorted and unique."""
    return _set_operation(a, b, "a-b" if aminusb else "b-a", validate_indices)


def intersection(a, b, validate_indices=True):
    """Per row, the values in both ``a`` and ``b``, as a ``SparseTensor`` (see ``difference``).

    >>> st = wb.sets.intersection(wb.constant([[1, 2, 3]]), wb.constant([[3, 1, 9]]))
    >>> st.values.numpy().tolist()
    [1, 3]
    """
    return _set_operation(a, b, "intersection", validate_indices)


def union(a, b, validate_indices=True):
    """Per row, the values in ``a`` or ``b``, as a ``SparseTensor`` (see ``difference``)."""
    return _set_operation(a, b, "union", validate_indices)


def size(a, validate_indices=True):
    """The number of distinct values in each row of the ``SparseTensor`` ``a`` (an int32 tensor of
    ``a``'s batch shape).

    >>> wb.sets.size(wb.sparse.from_dense(wb.constant([[1, 2, 3, 3]]))).numpy().tolist()
    [3]
    """
    if not isinstance(a, SparseTensor):
        raise TypeError(f"Expected `SparseTensor`, got {a!s}.")
    shape = _check_sparse(a, None)
    out = core.apply(_SIZE_OP, (a.indices, a.values), {"shape": shape, "validate_indices": bool(validate_indices)})
    return core.static_result(out, None) if core.tracing() else out   # TF: SetSize's shape is unknown


def _size_fwd(xp, indices, values, shape, validate_indices):
    sets = _sparse_rows(backend.to_numpy(indices), backend.to_numpy(values), shape, validate_indices)
    return xp.asarray(np.array([len(s) for s in sets], np.int32).reshape(shape[:-1]))


# one op (TF's SetSize), so that a wb.function replays it on each call's indices and values
_SIZE_OP = core.defop("set_size", _size_fwd, dtypes="any")
