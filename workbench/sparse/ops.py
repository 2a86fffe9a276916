"""``wb.sparse``: TF's ops on ``SparseTensor`` (COO) values.

The indices are bookkeeping on the arrays (never differentiated); the values move by
gathers and segment sums, so every op here is differentiable with respect to the values
(and the dense operand of ``sparse_dense_matmul``), at any order.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import backend, core
from ..core import Tensor, convert_to_tensor
from ..errors import InvalidArgumentError, argcheck, eager_op_message
from ..ops.elementwise import multiply, multiply_no_nan, where
from ..ops.indexing import sum_rows_into, take_rows
from ..ops.reduce import reduce_sum as _dense_reduce_sum
from ..ops.segment import unsorted_segment_max
from ..ops.shape import concat as _dense_concat, expand_dims as _dense_expand_dims, identity
from ..ops.shape import reshape as _dense_reshape, transpose as _dense_transpose
from .sparse_tensor import SparseTensor, from_parts, static_dense

__all__ = ["add", "concat", "expand_dims", "from_dense", "map_values", "reduce_max", "reduce_sum", "reduce_sum_sparse",
           "reorder", "reshape", "retain", "slice", "sparse_dense_matmul", "to_dense", "transpose"]


def _sparse(value, opname, what="sp_input") -> SparseTensor:
    if not isinstance(value, SparseTensor):
        raise TypeError(f"sparse.{opname}: {what} must be a SparseTensor, got {type(value).__name__}")
    return value


def _strides(shape) -> np.ndarray:
    out = np.ones(len(shape), np.int64)
    for j in range(len(shape) - 2, -1, -1):
        out[j] = out[j + 1] * shape[j + 1]
    return out


def _keys(indices, shape):
    """Row-major linear positions of ``indices`` (an int64 array ``[N, rank]``) in ``shape``."""
    xp = backend.xp_of(indices)
    if indices.shape[1] == 0:
        return xp.zeros(indices.shape[0], np.int64)
    return indices @ xp.asarray(_strides(shape))


def _unravel(keys, shape):
    """The ``[N, rank]`` indices of row-major positions ``keys`` in ``shape``."""
    xp = backend.xp_of(keys)
    cols = []
    for s in _strides(shape):
        cols.append(keys // int(s) if s else xp.zeros_like(keys))
        keys = keys % int(s) if s else keys
    return xp.stack(cols, axis=1) if cols else xp.zeros((keys.shape[0], 0), np.int64)


def _const(arr, static) -> Tensor:
    """An index array computed on the host: a constant of a wb.function trace when it follows
    from static indices only, else a value the trace cannot replay (it then runs eagerly)."""
    return core.wrap_constant(arr) if static else core.wrap(arr)


def _take(values, positions, static):
    """``values[positions]`` (positions an int array), differentiable in ``values``."""
    return take_rows(values, _const(positions, static))


def _sum_into(values, ids, n, static):
    """Entries of ``values`` added up by ``ids`` into ``n`` slots, differentiable in ``values``."""
    if values.shape[0] == 0:
        return core.wrap_constant(values.xp.zeros((n,) + values.shape[1:], values._data.dtype))
    return sum_rows_into(values, _const(ids, static), n)


def _size(shape) -> int:
    return int(np.prod(shape, dtype=np.int64))


# ---------------------------------------------------------------------------
# dense <-> sparse


def from_dense(tensor, name=None) -> SparseTensor:
    """The nonzero entries of ``tensor``, in row-major order.

    >>> st = wb.sparse.from_dense(wb.constant([[0., 5.], [7., 0.]]))
    >>> st.indices.numpy().tolist(), st.values.numpy().tolist()
    ([[0, 1], [1, 0]], [5.0, 7.0])
    """
    t = convert_to_tensor(tensor)
    xp = t.xp
    arr = t._data
    flat_nz = xp.nonzero(arr.reshape(-1) != 0)[0].astype(np.int64)
    values = _take(_dense_reshape(t, (-1,)), flat_nz, False)   # where the values are nonzero
    out = from_parts(_const(_unravel(flat_nz, arr.shape), False), values, arr.shape, False)
    # TF's static dense shape: the tensor's static shape
    return static_dense(out, static_dense(t)) if core.tracing() else out


def _check_canonical(sp, opname):
    keys = _keys(sp.indices._data, sp.shape)
    if keys.shape[0] > 1:
        bad = keys[1:] <= keys[:-1]
        if bool(bad.any()):
            i = int(bad.argmax()) + 1
            idx = backend.to_numpy(sp.indices._data[i]).tolist()
            what = "repeated" if bool(keys[i] == keys[i - 1]) else "out of order"
            raise InvalidArgumentError(f"sparse.{opname}: indices[{i}] = {idx} is {what}; many sparse ops "
                                       "require sorted, unique indices: use wb.sparse.reorder to make a "
                                       "correctly ordered copy")
    return keys


def to_dense(sp_input, default_value=None, validate_indices=True, name=None) -> Tensor:
    """The dense tensor: ``values`` at ``indices``, ``default_value`` (0) elsewhere. With
    ``validate_indices`` the indices must be in canonical order (``InvalidArgumentError``
    otherwise); without, any order is taken and of repeated indices the last value wins (TF)."""
    sp = _sparse(sp_input, "to_dense")
    keys = _check_canonical(sp, "to_dense") if validate_indices else _keys(sp.indices._data, sp.shape)
    n = _size(sp.shape)
    if sp.values._data.dtype.kind in "Ob":
        return _place(sp, keys, n, default_value)
    values = sp.values
    if not validate_indices and keys.shape[0] > 1:
        xp = values.xp
        _, first_from_end = xp.unique(keys[::-1], return_index=True)
        if first_from_end.shape[0] < keys.shape[0]:   # repeated indices: keep each one's last value
            last = xp.sort(keys.shape[0] - 1 - first_from_end)
            keys, values = keys[last], _take(values, last, sp._static)
    flat = _sum_into(values, keys, n, sp._static)
    if default_value is not None:
        fill = np.asarray(default_value, dtype=sp.values._data.dtype)
        if fill.ndim:
            raise ValueError(f"sparse.to_dense: default_value must be a scalar, got shape {fill.shape}")
        if fill != 0:
            xp = sp.values.xp
            rest = xp.full(n, fill, dtype=fill.dtype)
            rest[keys] = 0
            flat = flat + _const(rest, sp._static)
    return _dense_reshape(flat, sp.shape)


def _place(sp, keys, n, default_value):
    """``to_dense`` of string or bool values (nothing to differentiate, nothing to add): each
    value put at its position over ``default_value`` ('' or False by default)."""
    string = sp.values._data.dtype.kind == "O"
    fill = convert_to_tensor(("" if string else False) if default_value is None else default_value)
    if fill.ndim or (fill._data.dtype.kind == "O") != string:
        raise ValueError(f"sparse.to_dense: default_value must be a scalar of the values' dtype "
                         f"({'string' if string else 'bool'}), got {argcheck.describe(default_value)}")
    xp = sp.values.xp
    out = xp.full(n, fill._data[()], dtype=sp.values._data.dtype)
    out[keys] = sp.values._data
    return core.wrap(out.reshape(sp.shape))


# ---------------------------------------------------------------------------
# order, shape, selection


def reorder(sp_input, name=None) -> SparseTensor:
    """The same entries in canonical row-major order (repeated indices stay, in their order)."""
    sp = _sparse(sp_input, "reorder")
    keys = _keys(sp.indices._data, sp.shape)
    xp = sp.values.xp
    perm = xp.argsort(keys, kind="stable")
    if keys.shape[0] == 0 or bool((perm == xp.arange(perm.shape[0])).all()):
        return sp
    return from_parts(_const(sp.indices._data[perm], sp._static), _take(sp.values, perm, sp._static),
                      sp.shape, sp._static)


def reshape(sp_input, shape, name=None) -> SparseTensor:
    """The entries at their row-major positions in a tensor of ``shape`` (one dim may be -1)."""
    sp = _sparse(sp_input, "reshape")
    shape = [argcheck.integer(s, f"shape[{i}]", "sparse.reshape") for i, s in enumerate(list(shape))]
    n = _size(sp.shape)
    if shape.count(-1) > 1 or any(s < -1 for s in shape):
        raise ValueError(f"sparse.reshape: shape may hold one -1 and non-negative sizes, got {shape}")
    if -1 in shape:
        known = _size([s for s in shape if s != -1])
        if known == 0 or n % known:
            raise ValueError(f"sparse.reshape: cannot reshape a tensor of {n} elements "
                             f"(shape {list(sp.shape)}) to {shape}")
        shape[shape.index(-1)] = n // known
    if _size(shape) != n:
        raise ValueError(f"sparse.reshape: cannot reshape a tensor of {n} elements "
                         f"(shape {list(sp.shape)}) to {shape}")
    keys = _keys(sp.indices._data, sp.shape)
    return from_parts(_const(_unravel(keys, shape), sp._static), identity(sp.values), tuple(shape),
                      sp._static)


def retain(sp_input, to_retain) -> SparseTensor:
    """The entries where the boolean vector ``to_retain`` (one per entry) is True."""
    sp = _sparse(sp_input, "retain")
    keep = convert_to_tensor(to_retain)
    if keep.dtype != np.bool_ or keep.shape != (sp.values.shape[0],):
        raise ValueError(f"sparse.retain: to_retain must be a bool vector of length "
                         f"{sp.values.shape[0]} (one per entry), got dtype {keep.dtype} and shape {keep.shape}")
    pos = sp.values.xp.nonzero(backend.move(keep._data, sp.device))[0]
    static = sp._static and not isinstance(to_retain, Tensor)
    return from_parts(_const(sp.indices._data[pos], static), _take(sp.values, pos, static), sp.shape, static)


def slice(sp_input, start, size, name=None) -> SparseTensor:  # noqa: A001 - TF's name
    """The entries inside the box ``[start, start + size)``, shifted to start at 0; the result's
    shape is ``size`` clipped to the input's shape."""
    sp = _sparse(sp_input, "slice")
    rank = len(sp.shape)
    start = [argcheck.integer(s, "start", "sparse.slice") for s in list(start)]
    size = [argcheck.integer(s, "size", "sparse.slice") for s in list(size)]
    if len(start) != rank or len(size) != rank:
        raise ValueError(f"sparse.slice: start and size need {rank} entries (the rank), got "
                         f"{len(start)} and {len(size)}")
    if any(s < 0 for s in start + size):
        raise ValueError(f"sparse.slice: start {start} and size {size} must be non-negative")
    out_shape = tuple(max(0, min(b + n, d) - b) for b, n, d in zip(start, size, sp.shape))
    xp = sp.values.xp
    idx = sp.indices._data
    lo = xp.asarray(np.asarray(start, np.int64))
    hi = lo + xp.asarray(np.asarray(out_shape, np.int64))
    inside = ((idx >= lo) & (idx < hi)).all(axis=1) if rank else xp.ones(idx.shape[0], bool)
    pos = xp.nonzero(inside)[0]
    return from_parts(_const(idx[pos] - lo, sp._static), _take(sp.values, pos, sp._static), out_shape,
                      sp._static)


# ---------------------------------------------------------------------------
# combining


def concat(axis, sp_inputs, expand_nonconcat_dims=False, name=None) -> SparseTensor:
    """SparseTensors joined along ``axis`` (in canonical order). The other dimensions must
    agree, unless ``expand_nonconcat_dims`` (then each is the largest of the inputs')."""
    sps = [_sparse(s, "concat", f"sp_inputs[{i}]") for i, s in enumerate(list(sp_inputs))]
    if not sps:
        raise ValueError("sparse.concat: sp_inputs must be a non-empty list of SparseTensors")
    rank = len(sps[0].shape)
    ax = argcheck.integer(axis, "axis", "sparse.concat")
    if not -rank <= ax < rank:
        raise ValueError(f"sparse.concat: axis={axis} is out of range for rank {rank}")
    ax %= rank
    for i, s in enumerate(sps):
        if len(s.shape) != rank:
            raise ValueError(f"sparse.concat: sp_inputs[{i}] has rank {len(s.shape)}, sp_inputs[0] has {rank}")
        if s.dtype != sps[0].dtype:
            raise TypeError(f"sparse.concat: sp_inputs[{i}] has dtype {s.dtype}, sp_inputs[0] has {sps[0].dtype}")
        if not expand_nonconcat_dims and any(a != b for k, (a, b) in enumerate(zip(s.shape, sps[0].shape))
                                             if k != ax):
            raise ValueError(f"sparse.concat: sp_inputs[{i}] has shape {list(s.shape)}, which differs from "
                             f"sp_inputs[0]'s {list(sps[0].shape)} outside axis {ax} (pass "
                             "expand_nonconcat_dims=True to take the largest)")
    shape = [max(s.shape[k] for s in sps) for k in range(rank)]
    shape[ax] = sum(s.shape[ax] for s in sps)
    xp = sps[0].values.xp
    parts, offset = [], 0
    for s in sps:
        idx = s.indices._data.copy()
        idx[:, ax] += offset
        offset += s.shape[ax]
        parts.append(idx)
    indices = xp.concatenate(parts, axis=0)
    values = _dense_concat([s.values for s in sps], axis=0)
    static = all(s._static for s in sps)
    return reorder(from_parts(_const(indices, static), values, tuple(shape), static))


def add(a, b, threshold=0) -> "SparseTensor | Tensor":
    """``a + b``: two SparseTensors give a SparseTensor (the union of their entries, in
    canonical order; where both hold an entry and the sum's magnitude is below ``threshold``,
    it is dropped, as TF); a SparseTensor and a dense tensor give a dense tensor."""
    a_sp, b_sp = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if not (a_sp or b_sp):
        raise TypeError(f"sparse.add: at least one of a and b must be a SparseTensor, got "
                        f"{type(a).__name__} and {type(b).__name__}")
    if not (a_sp and b_sp):
        sp, dense = (a, b) if a_sp else (b, a)
        dense = convert_to_tensor(dense, dtype_hint=sp.dtype)
        if dense.shape != sp.shape:
            raise ValueError(f"sparse.add: the dense operand has shape {dense.shape}, the SparseTensor "
                             f"{list(sp.shape)}")
        # TF's sparse + dense adds every entry in, repeated indices included
        return _dense_reshape(_sum_into(sp.values, _keys(sp.indices._data, sp.shape), _size(sp.shape),
                                        sp._static), sp.shape) + dense
    if a.shape != b.shape:
        raise ValueError(f"sparse.add: the SparseTensors have shapes {list(a.shape)} and {list(b.shape)}")
    if a.dtype != b.dtype:
        raise TypeError(f"sparse.add: the SparseTensors have dtypes {a.dtype} and {b.dtype}")
    xp = a.values.xp
    keys = xp.concatenate([_keys(a.indices._data, a.shape), _keys(b.indices._data, b.shape)])
    unique, inverse = xp.unique(keys, return_inverse=True)
    static = a._static and b._static
    summed = _sum_into(_dense_concat([a.values, b.values], axis=0), inverse.reshape(-1), unique.shape[0],
                       static)
    if threshold:
        static = False   # which entries stay depends on the values
        # TF's rule: only a sum (an index both hold) can fall below the threshold; an entry of
        # one operand alone is copied as it is
        both = xp.bincount(inverse.reshape(-1), minlength=unique.shape[0]) > 1
        small = xp.abs(summed._data) < np.asarray(threshold, summed._data.dtype)
        kept = xp.nonzero(~(both & small))[0]
        if kept.shape[0] != unique.shape[0]:
            unique, summed = unique[kept], _take(summed, kept, static)
    return from_parts(_const(_unravel(unique, a.shape), static), summed, a.shape, static)


# ---------------------------------------------------------------------------
# reductions and products


def _reduce_axes(axis, rank, opname):
    if axis is None:
        return tuple(range(rank))
    axes = [axis] if not isinstance(axis, (list, tuple)) else list(axis)
    out = set()
    for a in axes:
        a = argcheck.integer(a, "axis", opname)
        if not -rank <= a < rank:
            raise ValueError(f"{opname}: axis={a} is out of range for rank {rank}")
        out.add(a % rank)
    return tuple(sorted(out))


def reduce_sum(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """The sum over ``axis`` (all axes by default) as a dense tensor, or as a SparseTensor
    with ``output_is_sparse`` (its entries: the output positions some entry reached)."""
    if output_is_sparse:
        return reduce_sum_sparse(sp_input, axis, keepdims)
    sp = _sparse(sp_input, "reduce_sum")
    axes = _reduce_axes(axis, len(sp.shape), "sparse.reduce_sum")
    rest = [k for k in range(len(sp.shape)) if k not in axes]
    out_shape = tuple(sp.shape[k] for k in rest)
    if not rest:
        out = _dense_reduce_sum(sp.values)
    else:
        keys = _keys(sp.indices._data[:, rest], out_shape)
        out = _dense_reshape(_sum_into(sp.values, keys, _size(out_shape), sp._static), out_shape)
    if keepdims:
        out = _dense_reshape(out, tuple(1 if k in axes else s for k, s in enumerate(sp.shape)))
    return out


def reduce_max(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """The maximum over ``axis`` (all axes by default) of the stored values only (implicit
    zeros take no part, as TF): a dense tensor, 0 where no value reached a position; or with
    ``output_is_sparse`` a SparseTensor of the positions some value reached.

    >>> wb.sparse.reduce_max(wb.sparse.from_dense([-5, 0, -3])).numpy()
    np.int32(-3)
    """
    sp = _sparse(sp_input, "reduce_max")
    if sp.values._data.dtype.kind not in "fiu":
        raise TypeError(f"sparse.reduce_max: values must be real numbers, got dtype {sp.values.dtype}")
    axes = _reduce_axes(axis, len(sp.shape), "sparse.reduce_max")
    rest = [k for k in range(len(sp.shape)) if k not in axes]
    out_shape = tuple(sp.shape[k] for k in rest)
    xp = sp.values.xp
    keys = _keys(sp.indices._data[:, rest], out_shape)
    if output_is_sparse:
        slots, keys = xp.unique(keys, return_inverse=True)
        n = slots.shape[0]
    else:
        n = _size(out_shape)
    if sp.values.shape[0]:
        m = unsorted_segment_max(sp.values, _const(keys.reshape(-1), sp._static), n)
    else:
        m = core.wrap_constant(xp.zeros((n,), sp.values._data.dtype))
    if output_is_sparse:
        indices = _unravel(slots, out_shape)
        if keepdims:
            full = xp.zeros((indices.shape[0], len(sp.shape)), np.int64)
            full[:, rest] = indices
            indices, out_shape = full, tuple(1 if k in axes else s for k, s in enumerate(sp.shape))
        return from_parts(_const(indices, sp._static), m, out_shape, sp._static)
    reached = xp.zeros(n, bool)
    reached[keys] = True
    out = where(_const(reached, sp._static), m, core.wrap_constant(xp.zeros((), m._data.dtype)))
    out = _dense_reshape(out, out_shape)
    if keepdims:
        out = _dense_reshape(out, tuple(1 if k in axes else s for k, s in enumerate(sp.shape)))
    return out


def reduce_sum_sparse(sp_input, axis=None, keepdims=None, name=None) -> SparseTensor:
    """The sum over ``axis`` as a SparseTensor (``reduce_sum(..., output_is_sparse=True)``)."""
    sp = _sparse(sp_input, "reduce_sum_sparse")
    axes = _reduce_axes(axis, len(sp.shape), "sparse.reduce_sum_sparse")
    rest = [k for k in range(len(sp.shape)) if k not in axes]
    out_shape = tuple(sp.shape[k] for k in rest)
    xp = sp.values.xp
    keys = _keys(sp.indices._data[:, rest], out_shape)
    unique, inverse = xp.unique(keys, return_inverse=True)
    values = _sum_into(sp.values, inverse.reshape(-1), unique.shape[0], sp._static)
    indices = _unravel(unique, out_shape)
    if keepdims:
        full = xp.zeros((indices.shape[0], len(sp.shape)), np.int64)
        full[:, rest] = indices
        indices, out_shape = full, tuple(1 if k in axes else s for k, s in enumerate(sp.shape))
    return from_parts(_const(indices, sp._static), values, out_shape, sp._static)


def _tf_type_name(dtype):
    """TF's name of a dtype in its kernels' texts (``float`` for float32, ``double`` for float64)."""
    name = getattr(dtype, "name", str(dtype))
    return {"float32": "float", "float64": "double", "float16": "half"}.get(name, name)


def _matmul_message(message, device):
    return eager_op_message("SparseTensorDenseMatMul", message, device, "")


def sparse_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None) -> Tensor:
    """``op(sp_a) @ op(b)`` for a rank-2 SparseTensor and a dense matrix (either may be the
    sparse one), ``op`` the (conjugate) transpose where ``adjoint_*``; a dense result.
    Differentiable with respect to the sparse values and the dense matrix."""
    if not isinstance(sp_a, SparseTensor) and isinstance(b, SparseTensor):
        # dense @ sparse = (sparse^T @ dense^T)^T
        return _dense_transpose(sparse_dense_matmul(b, sp_a, adjoint_a=not adjoint_b, adjoint_b=not adjoint_a))
    # TF's errors: its SparseTensorDenseMatMul kernel's InvalidArgumentError with its eager texts
    sp = _sparse(sp_a, "sparse_dense_matmul", "sp_a")
    dense = convert_to_tensor(b, dtype_hint=sp.dtype)
    if dense.dtype != sp.dtype:
        raise InvalidArgumentError(
            f"cannot compute SparseTensorDenseMatMul as input #3(zero-based) was expected to be a "
            f"{_tf_type_name(sp.dtype)} tensor but is a {_tf_type_name(dense.dtype)} tensor "
            "[Op:SparseTensorDenseMatMul] name: ")
    if dense.ndim != 2:
        raise InvalidArgumentError(_matmul_message("Tensor 'b' is not a matrix", dense.device))
    if len(sp.shape) != 2:
        raise InvalidArgumentError(_matmul_message("Tensor 'a_shape' must have 2 elements", dense.device))
    idx = sp.indices._data
    rows, cols = (idx[:, 1], idx[:, 0]) if adjoint_a else (idx[:, 0], idx[:, 1])
    m, k = (sp.shape[1], sp.shape[0]) if adjoint_a else sp.shape
    inner = dense.shape[1] if adjoint_b else dense.shape[0]
    if inner != k:   # TF's text, with its ')' closing A's dimensions
        raise InvalidArgumentError(_matmul_message(
            f"Cannot multiply A and B because inner dimension does not match: {k} vs. {inner}.  Did you forget "
            f"a transpose?  Dimensions of A: [{sp.shape[0]}, {sp.shape[1]}).  Dimensions of B: "
            f"[{dense.shape[0]},{dense.shape[1]}]", dense.device))
    # the dense operand's cotangent is a dense tensor (as TF's), not gathered rows
    rhs = _dense_transpose(dense) if adjoint_b else dense
    if idx.shape[0] == 0:
        # no entries: zeros, still connected to the dense operand (its gradient is zeros, as TF's)
        zeros = core.wrap_constant(dense.xp.zeros((m, rhs.shape[1]), dense._data.dtype))
        return zeros + multiply_no_nan(_dense_reduce_sum(rhs, axis=0, keepdims=True), zeros[:1])
    picked = take_rows(rhs, _const(cols, sp._static), dense=True)
    return _sum_into(multiply(picked, _dense_expand_dims(sp.values, -1)), rows, m, sp._static)


# ---------------------------------------------------------------------------
# values and axes


def map_values(op, *args, **kwargs) -> SparseTensor:
    """``op`` applied to the values of the SparseTensors in ``args`` (which must share their
    indices and shape; other arguments pass through): a SparseTensor with those indices.

    >>> st = wb.SparseTensor([[0, 1]], [3.0], [2, 2])
    >>> wb.sparse.map_values(wb.multiply, st, 2.0).values.numpy()
    array([6.], dtype=float32)
    """
    sps = [a for a in list(args) + list(kwargs.values()) if isinstance(a, SparseTensor)]
    if not sps:
        raise ValueError("sparse.map_values: no SparseTensor among the arguments")
    first = sps[0]
    for i, s in enumerate(sps[1:], 1):
        if s.shape != first.shape or not bool((s.indices._data.shape == first.indices._data.shape)
                                              and (s.indices._data == first.indices._data).all()):
            raise ValueError(f"sparse.map_values: SparseTensor {i} has other indices or shape than the "
                             "first; they must match")
    unwrap = (lambda a: a.values if isinstance(a, SparseTensor) else a)
    out = op(*[unwrap(a) for a in args], **{k: unwrap(v) for k, v in kwargs.items()})
    return first.with_values(out)


def transpose(sp_input, perm=None, name=None) -> SparseTensor:
    """The dimensions permuted by ``perm`` (reversed by default), entries in canonical order."""
    sp = _sparse(sp_input, "transpose")
    rank = len(sp.shape)
    perm = list(range(rank))[::-1] if perm is None else [
        argcheck.integer(p, "perm", "sparse.transpose") for p in list(perm)]
    if sorted(perm) != list(range(rank)):
        raise ValueError(f"sparse.transpose: perm must be a permutation of range({rank}), got {perm}")
    indices = sp.indices._data[:, perm]
    return reorder(from_parts(_const(indices, sp._static), identity(sp.values),
                              tuple(sp.shape[p] for p in perm), sp._static))


def expand_dims(sp_input, axis=None, name=None) -> SparseTensor:
    """A dimension of size 1 inserted at ``axis`` (-1: last)."""
    sp = _sparse(sp_input, "expand_dims")
    rank = len(sp.shape)
    ax = argcheck.integer(-1 if axis is None else axis, "axis", "sparse.expand_dims")
    if not -rank - 1 <= ax <= rank:
        raise ValueError(f"sparse.expand_dims: axis={axis} is out of range for rank {rank}")
    ax %= rank + 1
    idx = sp.indices._data
    xp = sp.values.xp
    zeros = xp.zeros((idx.shape[0], 1), np.int64)
    indices = xp.concatenate([idx[:, :ax], zeros, idx[:, ax:]], axis=1)
    shape = sp.shape[:ax] + (1,) + sp.shape[ax:]
    return from_parts(_const(indices, sp._static), identity(sp.values), shape, sp._static)


# -- TF's static shapes in a trace, where the inputs' static shapes leave sizes open ----------

def _open(dims):
    return dims is None or None in dims


def _with_static(fn, rule):
    """``fn`` whose result takes the static shape ``rule(out, *args, **kwargs)`` gives (a list,
    None for an unknown rank, or False to leave it) in a trace."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        out = fn(*args, **kwargs)
        if core.tracing():
            dims = rule(out, *args, **kwargs)
            if dims is not False:
                static_dense(out, dims)
        return out
    return wrapper


def _same_rule(out, sp_input, *args, **kwargs):
    dims = static_dense(sp_input)
    return dims if _open(dims) else False


def _all_open_rule(out, sp_input, *args, **kwargs):
    dims = static_dense(sp_input)   # TF: every size open (its shape function keeps the rank)
    return False if not _open(dims) else None if dims is None else [None] * len(dims)


def _reshape_rule(out, sp_input, shape, name=None):
    dims, known = static_dense(sp_input), core.static_value(shape)
    if not _open(dims) or known is None:
        return False if known is not None else None
    return [None if k is None or k == -1 else k for k in known]


def _concat_rule(out, axis, sp_inputs, expand_nonconcat_dims=False, name=None):
    shapes = [static_dense(s) for s in sp_inputs]
    known = [d for d in shapes if d is not None]
    if not known or not any(_open(d) for d in shapes) or expand_nonconcat_dims:
        return None if not known else False
    a = axis % len(known[0])
    dims = [next((d for d in col if d is not None), None) for col in zip(*known)]
    sizes = [d[a] for d in known]
    dims[a] = None if None in sizes or len(known) < len(shapes) else sum(sizes)
    return dims


def _add_rule(out, a, b, threshold=0):
    if not isinstance(out, SparseTensor):
        return False
    return _all_open_rule(out, a) if isinstance(a, SparseTensor) else _all_open_rule(out, b)


def _reduce_rule(out, sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    return None if _open(static_dense(sp_input)) and not output_is_sparse else False


def _matmul_rule(out, sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    a, b = static_dense(sp_a), static_dense(b)
    if not (_open(a) or _open(b)):
        return False
    rows = None if a is None or len(a) != 2 else a[1] if adjoint_a else a[0]
    cols = None if b is None or len(b) != 2 else b[0] if adjoint_b else b[1]
    return [rows, cols]


def _expand_rule(out, sp_input, axis=None, name=None):
    dims = static_dense(sp_input)   # TF: the new 1, every other size open
    if not _open(dims):
        return False
    if dims is None:
        return None
    ax = (-1 if axis is None else int(axis)) % (len(dims) + 1)
    return [None] * ax + [1] + [None] * (len(dims) - ax)


to_dense = _with_static(to_dense, _same_rule)
reorder = _with_static(reorder, _same_rule)
reshape = _with_static(reshape, _reshape_rule)
retain = _with_static(retain, _all_open_rule)
slice = _with_static(slice, _all_open_rule)  # noqa: A001 - TF's name
concat = _with_static(concat, _concat_rule)
add = _with_static(add, _add_rule)
reduce_sum = _with_static(reduce_sum, _reduce_rule)
reduce_max = _with_static(reduce_max, _reduce_rule)
sparse_dense_matmul = _with_static(sparse_dense_matmul, _matmul_rule)
transpose = _with_static(transpose, _all_open_rule)
expand_dims = _with_static(expand_dims, _expand_rule)
