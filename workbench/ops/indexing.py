"""Index-driven ops under TF's names: gather/scatter, masks, one-hot, tile, pad,
reverse/roll/repeat, sorting, top-k, unique, searchsorted.

Two primitives carry almost every gradient here: ``gather`` and its transpose
``gather_transpose`` (a scatter-add, i.e. a segment sum), each the other's
reverse rule, so any order of derivative stays in the pair. Both work on one
canonical form, to which the public ops reshape:

    params  [..., B, O, N, R]    B: batch (``batch_dims``) rows, O: dims before the
    indices [B, I]               gathered axis, N: its size, R: dims after it
    result  [..., B, O, I, R]

The leading ``...`` is the batch of cotangents a vectorized jacobian carries.
Only ``tile`` and constant ``pad`` have rules of their own.
"""

from __future__ import annotations

import builtins
import collections
import math

import numpy as np

from .. import core
from ..errors import argcheck, InvalidArgumentError, eager_op_message
from ..core import Tensor, apply, convert_to_tensor, defop
from .reduce import reduce_sum
from .segment_kernels import segment_reduce
from .shape import (IDENTITY_OP as _identity_op, _lead, _reshape_op, _shape_arg, getitem, norm_axis,
                    reshape, transpose)
from ..dtypes import np_dtype


def _prod(shape):
    return math.prod(int(s) for s in shape)


def _reshape(x, shape):
    """``reshape`` for a shape known to fit (the hot paths here skip its checks)."""
    return x if x.shape == shape else apply(_reshape_op, (x,), {"shape": shape})


# ---------------------------------------------------------------------------
# the primitive pair


def _gather_fwd(xp, params, indices):
    if indices.shape[0] == 1:
        return xp.take(params, indices[0], axis=-2)
    b = xp.arange(indices.shape[0])[:, None, None]
    o = xp.arange(params.shape[-3])[None, :, None]
    # three adjacent advanced indices: their broadcast shape (B, O, I) stays in place
    return params[..., b, o, indices[:, None, :], :]


def _gather_t_fwd(xp, g, indices, n, sorted_ids):
    lead = g.shape[:-4]
    nb, no, ni, nr = g.shape[-4:]
    if not lead and nb == 1 and no == 1:
        rows = g.reshape(ni) if nr == 1 else g.reshape(ni, nr)
        out = segment_reduce(xp, "sum", rows, indices[0], n, sorted=sorted_ids)
        return out.reshape(1, 1, n, nr)
    # rows (b, i) go to segment b * n + index; everything else rides along as columns
    nl = _prod(lead)
    rows = g.reshape(nl, nb, no, ni, nr).transpose(1, 3, 0, 2, 4).reshape(nb * ni, nl * no * nr)
    ids = (indices.astype(np.int64) + xp.arange(nb, dtype=np.int64)[:, None] * n).reshape(-1)
    out = segment_reduce(xp, "sum", rows, ids, nb * n, sorted=sorted_ids)
    return out.reshape(nb, n, nl, no, nr).transpose(2, 0, 3, 1, 4).reshape(lead + (nb, no, n, nr))


_gather_op = defop(
    "gather", _gather_fwd,
    vjp=lambda g, ans, params, indices: (
        apply(_gather_t_op, (g, indices), {"n": params.shape[-2], "sorted_ids": False}), None),
    jvp=lambda ts, ans, params, indices: apply(_gather_op, (ts[0], indices)),
    dtypes="any")

_gather_t_op = defop(
    "gather_transpose", _gather_t_fwd,
    vjp=lambda g, ans, x, indices, n, sorted_ids: (apply(_gather_op, (g, indices)), None),
    jvp=lambda ts, ans, x, indices, n, sorted_ids: apply(
        _gather_t_op, (ts[0], indices), {"n": n, "sorted_ids": sorted_ids}),
    dtypes="numeric")


def _take_rows_fwd(xp, params, indices):
    out = xp.take(params, indices, axis=0)
    if params.dtype == object and not isinstance(out, xp.ndarray):
        out = xp.asarray(out, dtype=object)   # one string picked: a 0-d array, not the bare bytes
    return out


def _take_rows_vjp(g, ans, params, indices):
    """The dense cotangent of rows gathered along axis 0: a segment sum of ``g``'s rows."""
    lead = g.shape[:g.ndim - ans.ndim]
    k, inner = _prod(indices.shape), params.shape[1:]
    g4 = _reshape(g, lead + (1, 1, k, _prod(inner)))
    out = apply(_gather_t_op, (g4, _reshape(indices, (1, k))), {"n": params.shape[0], "sorted_ids": False})
    return _reshape(out, lead + params.shape), None


# gather along axis 0 (no batch dims), with params as the op's own input: a reverse walk may
# give a variable source its cotangent as the gathered rows (TF's IndexedSlices)
_take_rows_op = defop(
    "gather_rows", _take_rows_fwd, vjp=_take_rows_vjp,
    jvp=lambda ts, ans, params, indices: apply(_take_rows_op, (ts[0], indices)),
    dtypes="any")

ROW_GATHERS = frozenset({_take_rows_op})
"""Ops ``(params, indices) -> params[indices]`` (rows along axis 0) whose cotangent for
``params`` a reverse walk may keep as rows: ``g`` reshaped to ``[indices.size, *params.shape[1:]]``
at the flattened ``indices``."""


def _on_device(x, arr):
    """A tensor holding the NumPy/CuPy array ``arr`` on ``x``'s device."""
    return core.wrap(x.xp.asarray(arr))


def _static_dims(t):
    """``t``'s static shape as a tuple (None for open sizes), or None for an unknown rank."""
    s = t._static_shape()
    return None if s.rank is None else tuple(s.as_list())


def _gather(params, indices, axis, batch_dims=0, static=False, dense=False):
    """Gather along ``axis`` with checked integer ``indices`` (a Tensor on params' device).
    ``static``: the result's static shape in a trace with open sizes, where the caller knows
    it (default: TF's rule from params' and indices' static shapes). ``dense``: params' cotangent
    is a dense tensor even for rows along axis 0 (ops whose TF gradient is dense: roll, pad,
    repeat, sort, boolean_mask)."""
    traced = core.open_shapes_traced()
    if traced and static is False:
        ps, ids = _static_dims(params), _static_dims(indices)
        static = None if ps is None or ids is None else ps[:axis] + ids[batch_dims:] + ps[axis + 1:]
    if axis == 0 and batch_dims == 0 and not dense:
        if traced:
            core.static_shape_hint(_take_rows_op.name, static)
        return apply(_take_rows_op, (params, indices))
    shape = params.shape
    nb = _prod(shape[:batch_dims])
    out_shape = shape[:axis] + indices.shape[batch_dims:] + shape[axis + 1:]
    p4 = _reshape(params, (nb, _prod(shape[batch_dims:axis]), shape[axis], _prod(shape[axis + 1:])))
    i2 = _reshape(indices, (nb, _prod(indices.shape[batch_dims:])))
    out = apply(_gather_op, (p4, i2))
    if traced:   # the last op carries the static shape (a reshape, even to the same sizes)
        core.static_shape_hint(_reshape_op.name, static)
        return apply(_reshape_op, (out,), {"shape": out_shape})
    return _reshape(out, out_shape)


def take_rows(x, ids, axis=0, dense=False):
    """``x`` gathered along ``axis`` by the valid int ``ids`` (a Tensor): no checks, differentiable.
    ``dense``: ``x``'s cotangent is dense even for a source (not IndexedSlices).

    The building block for segment and ragged gradients.
    """
    return _gather(x, ids, axis, dense=dense)


def sum_rows_into(data, ids, num_segments, sorted_ids=False):
    """Sum rows of ``data`` ``[n, ...]`` into ``[num_segments, ...]`` by valid ``ids`` ``[n]``.

    No checks; differentiable (its gradient is :func:`take_rows`).
    """
    n, inner = data.shape[0], data.shape[1:]
    d4 = _reshape(data, (1, 1, n, _prod(inner)))
    out = apply(_gather_t_op, (d4, _reshape(ids, (1, n))),
                {"n": int(num_segments), "sorted_ids": bool(sorted_ids)})
    return _reshape(out, (int(num_segments),) + inner)


# ---------------------------------------------------------------------------
# checks


def _int_tensor(value, opname, what):
    t = convert_to_tensor(value)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{opname}: {what} must be an integer tensor, got dtype {t.dtype}")
    return t


def _first_bad(bad):
    """The position (a tuple) of the first True in ``bad``, or None."""
    if not bad.any():
        return None
    return tuple(int(i) for i in np.unravel_index(int(bad.reshape(-1).argmax()), bad.shape))


def _kernel_name(name, *inputs):
    """The ``name`` TF's eager error text ends with (``errors.eager_op_message``): TF's op
    wrappers end it with ``" name: <name>"`` where the op's fast path raised, which takes
    tensors, NumPy arrays and Python numbers; Python lists and tuples (and NumPy scalars) go
    through the slower path, which adds nothing (None)."""
    if any(isinstance(x, (list, tuple, np.generic)) for x in inputs):
        return None
    return "" if name is None else str(name)


def _at(pos):
    """TF's way to print a position in an indices tensor: ``[1,0]`` (nothing for a scalar)."""
    return "[" + ",".join(str(i) for i in pos) + "]" if pos else ""


def _dims(shape):
    return "[" + ",".join(str(int(d)) for d in shape) + "]"


def _check_range(indices, n, op_type, device, name):
    """Every entry of ``indices`` lies in ``[0, n)``; else TF's kernel's InvalidArgumentError."""
    a = indices._data
    pos = _first_bad((a < 0) | (a >= n)) if a.size else None
    if pos is not None:
        raise InvalidArgumentError(eager_op_message(
            op_type, f"indices{_at(pos)} = {int(a[pos])} is not in [0, {n})", device, name))


def _first_bad_tuple(indices, dims):
    """The position (over ``indices.shape[:-1]``) of the first index tuple ``indices[..., :]``
    outside ``dims``, and that tuple; None when all lie inside."""
    a = indices._data
    if not a.size:
        return None
    bound = indices.xp.asarray(np.asarray(dims, dtype=np.int64))
    pos = _first_bad(((a < 0) | (a >= bound)).any(axis=-1))
    if pos is None:
        return None
    return pos, [int(v) for v in a[pos]]


def _flat_index(indices, dims):
    """Row-major flat positions ``indices.shape[:-1]`` of the (valid) index tuples
    ``indices[..., k]`` into ``dims``."""
    xp = indices.xp
    k = len(dims)
    if k == 0:
        return core.wrap_constant(xp.zeros(indices.shape[:-1], np.int64))
    strides = np.ones(k, dtype=np.int64)
    for j in range(k - 2, -1, -1):
        strides[j] = strides[j + 1] * dims[j + 1]
    from .elementwise import cast, multiply  # circular import with elementwise
    return reduce_sum(multiply(cast(indices, np.int64), core.wrap_constant(xp.asarray(strides))), axis=-1)


# ---------------------------------------------------------------------------
# gather / scatter


@core.dispatchable
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Slices of ``params`` along ``axis`` at ``indices``.

    Shapes: ``params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis+1:]``.
    ``axis`` defaults to ``batch_dims``; the first ``batch_dims`` dims of params and
    indices are matched, not gathered. Indices must lie in ``[0, params.shape[axis])``.

    >>> wb.gather(wb.constant([10., 20., 30.]), [2, 0]).numpy()
    array([30., 10.], dtype=float32)
    """
    # TF's errors: its kernel's InvalidArgumentError; out-of-range indices with its eager text
    p = convert_to_tensor(params)
    idx = _int_tensor(indices, "gather", "indices")
    bd = argcheck.integer(batch_dims, "batch_dims", "gather")
    if bd < 0:
        bd += idx.ndim
    if not 0 <= bd <= idx.ndim:
        raise InvalidArgumentError(f"gather: batch_dims={batch_dims} is out of range for indices of rank "
                                   f"{idx.ndim}")
    if p.ndim == 0:
        raise InvalidArgumentError("gather: params must have rank >= 1, got a scalar")
    a = bd if axis is None else argcheck.integer(axis, "axis", "gather")
    if a < 0:
        a += p.ndim
    if not bd <= a < p.ndim:
        raise InvalidArgumentError(f"gather: axis={axis} must be in [batch_dims={bd}, rank of params={p.ndim})")
    if p.shape[:bd] != idx.shape[:bd]:
        raise InvalidArgumentError(f"gather: the first batch_dims={bd} dimensions of params {p.shape} and "
                                   f"indices {idx.shape} must be equal")
    # a variable's rows are TF's ResourceGather (its sparse_read); anything else is GatherV2
    op_type = "ResourceGather" if isinstance(params, core.Variable) and a == 0 else "GatherV2"
    _check_range(idx, p.shape[a], op_type, p.device,
                 _kernel_name(name, params, indices, *(() if axis is None else (axis,))))
    if isinstance(axis, Tensor) and core.static_value(axis) is None:   # TF: every size open
        return core.static_result(_gather(p, idx, a, bd), (None,) * (p.ndim + idx.ndim - 1 - bd))
    return _gather(p, idx, a, bd)


@core.deferrable
def gather_nd(params, indices, batch_dims=0, name=None):
    """Slices of ``params`` at index tuples: ``indices[..., k]`` picks into the ``k`` dims
    after the first ``batch_dims``. Result shape ``indices.shape[:-1] + params.shape[batch_dims+k:]``.

    >>> wb.gather_nd(wb.constant([[1., 2.], [3., 4.]]), [[0, 1], [1, 0]]).numpy()
    array([2., 3.], dtype=float32)
    """
    if not isinstance(params, Tensor) and getattr(params, "__wb_dispatch__", False):
        return core.dispatch(gather_nd, (params, indices), {"batch_dims": batch_dims})   # a RaggedTensor
    # TF's errors: its kernel's InvalidArgumentError; index tuples out of range with its eager text
    p = convert_to_tensor(params)
    idx = _int_tensor(indices, "gather_nd", "indices")
    bd = argcheck.integer(batch_dims, "batch_dims", "gather_nd")
    if idx.ndim == 0:
        raise InvalidArgumentError("gather_nd: indices must have rank >= 1 (the last dimension holds index "
                                   "tuples)")
    if not 0 <= bd < idx.ndim:   # TF checks this in Python: a ValueError
        raise ValueError(f"gather_nd: batch_dims={batch_dims} must be in [0, rank of indices={idx.ndim})")
    k = idx.shape[-1]
    if bd + k > p.ndim:
        raise InvalidArgumentError(f"gather_nd: index tuples of length {k} (indices shape {idx.shape}) do not "
                                   f"fit params of shape {p.shape} after batch_dims={bd}")
    if p.shape[:bd] != idx.shape[:bd]:
        raise InvalidArgumentError(f"gather_nd: the first batch_dims={bd} dimensions of params {p.shape} and "
                                   f"indices {idx.shape} must be equal")
    dims = p.shape[bd:bd + k]
    _check_gather_nd(p, idx, bd, dims, isinstance(params, core.Variable), name, params, indices)
    flat = _flat_index(idx, dims)
    static = False
    if core.tracing():   # TF's static shape: unknown rank where the tuples' length is open
        ps, ids = _static_dims(p), _static_dims(idx)
        static = None if ps is None or ids is None or ids[-1] is None else ids[:-1] + ps[bd + ids[-1]:]
    if not bd and idx.ndim == 2 and k == 1:   # rows: TF's gradient is IndexedSlices here
        return _gather(p, _reshape(idx, (idx.shape[0],)), 0, static=static)
    nb = _prod(p.shape[:bd])
    p4 = _reshape(p, (nb, 1, _prod(dims), _prod(p.shape[bd + k:])))
    i2 = _reshape(flat, (nb, _prod(idx.shape[bd:-1])))
    out = apply(_gather_op, (p4, i2))
    if static is False:
        return _reshape(out, idx.shape[:-1] + p.shape[bd + k:])
    core.static_shape_hint(_reshape_op.name, static)   # the last op carries it
    return apply(_reshape_op, (out,), {"shape": idx.shape[:-1] + p.shape[bd + k:]})


def _check_gather_nd(p, idx, bd, dims, variable, name, params, indices):
    """gather_nd's index tuples lie inside ``dims``; else TF's eager InvalidArgumentError. TF
    gathers a variable with ResourceGatherNd; with ``batch_dims`` it gathers with GatherNd from
    index tuples led by their batch position, which its text shows (at the position over the
    flattened batch dimensions)."""
    op_type = "GatherNd" if bd or not variable else "ResourceGatherNd"
    kernel_name = "" if bd else _kernel_name(name, params, indices)
    n_tuples = _prod(idx.shape[:-1])
    if n_tuples and not p.size:
        raise InvalidArgumentError(eager_op_message(
            op_type, f"Requested more than 0 entries, but params is empty.  Params shape: {_dims(p.shape)}",
            p.device, kernel_name))
    found = _first_bad_tuple(idx, dims)
    if found is None:
        return
    pos, tup = found
    if bd:
        batch = pos[:bd]
        tup = list(batch) + tup
        pos = (int(np.ravel_multi_index(batch, idx.shape[:bd])),) + pos[bd:]
    raise InvalidArgumentError(eager_op_message(
        op_type, f"indices{_at(pos)} = [{', '.join(str(v) for v in tup)}] does not index into param shape "
        f"{_dims(p.shape)}, node name: {op_type}", p.device, kernel_name))


def _scatter_args(indices, updates, shape, opname, dtype, kernel):
    """Checked indices, updates, tuple length and flat positions. ``kernel``: TF's op type and
    the name (``_kernel_name``) of its eager text for index tuples out of range."""
    idx = _int_tensor(indices, opname, "indices")
    # Python data takes the tensor's dtype, as TF converts it (updates=[1, 1] into float zeros)
    u = convert_to_tensor(updates, dtype_hint=dtype)
    if idx.ndim == 0:
        raise ValueError(f"{opname}: indices must have rank >= 1 (the last dimension holds index tuples)")
    k = idx.shape[-1]
    if k > len(shape):
        raise ValueError(f"{opname}: index tuples of length {k} do not fit shape {tuple(shape)}")
    want = idx.shape[:-1] + tuple(shape[k:])
    if u.shape != want:
        raise ValueError(f"{opname}: updates has shape {u.shape}, expected indices.shape[:-1] + "
                         f"shape[{k}:] = {want} (indices {idx.shape}, shape {tuple(shape)})")
    found = _first_bad_tuple(idx, tuple(shape[:k]))
    if found is not None:   # TF's kernel's InvalidArgumentError and text
        pos, tup = found
        raise InvalidArgumentError(eager_op_message(
            kernel[0], f"indices{_at(pos)} = [{', '.join(str(v) for v in tup)}] does not index into shape "
            f"{_dims(shape)}", u.device, kernel[1]))
    return idx, u, k, _flat_index(idx, tuple(shape[:k]))


def _scatter_add(u, flat, shape, k):
    n_rows = _prod(flat.shape)
    u4 = _reshape(u, (1, 1, n_rows, _prod(shape[k:])))
    out = apply(_gather_t_op, (u4, _reshape(flat, (1, n_rows))),
                {"n": _prod(shape[:k]), "sorted_ids": False})
    return _reshape(out, tuple(shape))


@core.deferrable
def scatter_nd(indices, updates, shape, name=None):
    """A tensor of ``shape``, zero except at ``indices``, where ``updates`` are added
    (repeated indices add up).

    >>> wb.scatter_nd([[1], [3], [1]], wb.constant([1., 2., 3.]), [4]).numpy()
    array([0., 4., 0., 2.], dtype=float32)
    """
    kernel = ("ScatterNd", _kernel_name(name, indices, updates, shape))
    known = core.static_value(shape)   # in a trace: None for a size the data decides
    shape = _shape_arg(shape, "shape", "scatter_nd")
    idx, u, k, flat = _scatter_args(indices, updates, shape, "scatter_nd", None, kernel)
    if u.dtype.kind not in "fciu":
        raise TypeError(f"scatter_nd: updates must be numeric, got dtype {u.dtype}")
    if idx.ndim == 2 and k == 1 and u.dtype.kind in "fc":   # rows: TF's tangent is IndexedSlices
        from .segment import scatter_rows  # segment builds on this module
        out = scatter_rows(u, _reshape(idx, (idx.shape[0],)), shape[0])
    else:
        out = _scatter_add(u, flat, shape, k)
    return out if known is False else _known_shape(out, known if isinstance(known, tuple) else (None,) * len(shape))


def _known_shape(out, static):
    """``out`` with TF's static shape ``static`` in a trace (one of its own ops carries it)."""
    if type(out) is Tensor and static == out._data.shape:
        if not core.open_shapes_traced():
            return out
        core.static_shape_hint(_identity_op.name, static)   # as traced, yet its ops' inputs may be open
        return apply(_identity_op, (out,))
    return core.static_result(out, static)


@core.deferrable
def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """``tensor`` with ``updates`` added at ``indices`` (repeated indices add up)."""
    t = convert_to_tensor(tensor)
    idx, u, k, flat = _scatter_args(indices, updates, t.shape, "tensor_scatter_nd_add", t.dtype,
                                    ("TensorScatterAdd", _kernel_name(name, tensor, indices, updates)))
    out = t + _scatter_add(u, flat, t.shape, k)
    return _known_shape(out, _static_dims(t)) if core.tracing() else out


@core.deferrable
def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """``tensor`` with ``updates`` subtracted at ``indices`` (repeated indices add up)."""
    t = convert_to_tensor(tensor)
    idx, u, k, flat = _scatter_args(indices, updates, t.shape, "tensor_scatter_nd_sub", t.dtype,
                                    ("TensorScatterSub", _kernel_name(name, tensor, indices, updates)))
    out = t - _scatter_add(u, flat, t.shape, k)
    return _known_shape(out, _static_dims(t)) if core.tracing() else out


@core.deferrable
def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """``tensor`` with the slices at ``indices`` replaced by ``updates``.

    Of repeated indices, the last update wins (TF's CPU order); as in TF, every update
    (repeated ones too) gets its slot's gradient.

    >>> wb.tensor_scatter_nd_update(wb.zeros([3]), [[2], [0]], wb.constant([5., 6.])).numpy()
    array([6., 0., 5.], dtype=float32)
    """
    t = convert_to_tensor(tensor)
    idx, u, k, flat = _scatter_args(indices, updates, t.shape, "tensor_scatter_nd_update", t.dtype,
                                    ("TensorScatterUpdate", _kernel_name(name, tensor, indices, updates)))
    if u.dtype != t.dtype:
        raise TypeError(f"tensor_scatter_nd_update: updates has dtype {u.dtype}, tensor has {t.dtype}")
    xp = t.xp
    f1 = flat._data.reshape(-1)
    rows = _reshape(u, (f1.shape[0],) + t.shape[k:])
    if not f1.shape[0]:
        return t
    _, first_in_reversed = xp.unique(f1[::-1], return_index=True)
    last = xp.sort(f1.shape[0] - 1 - first_in_reversed)   # of repeated indices, the last update wins
    if core.tracing():   # TF's static shape: the tensor's
        core.static_shape_hint(_scatter_update_op.name, _static_dims(t))
    return apply(_scatter_update_op, (t, rows, core.wrap(f1), core.wrap(last)))


def _scatter_update_fwd(xp, t, rows, f1, last):
    out = t.reshape((-1,) + rows.shape[1:]).copy()
    out[f1[last]] = rows[last]
    return out.reshape(t.shape)


def _slot_hit(t, rows, f1):
    """Which of ``t``'s slots (leading dims, ones for the rest) an update lands in."""
    k = t.ndim - (rows.ndim - 1)
    hit = f1.xp.zeros(_prod(t.shape[:k]), bool)
    hit[f1._data] = True
    return core.wrap(hit.reshape(t.shape[:k] + (1,) * (t.ndim - k))), k


def _scatter_update_vjp(g, ans, t, rows, f1, last):
    """TF's TensorScatterUpdate gradient: ``tensor`` gets ``g`` with the updated slots zeroed,
    every update (repeated ones too) its slot's ``g``."""
    from .elementwise import where, zeros_like   # circular import with elementwise
    hit, k = _slot_hit(t, rows, f1)
    lead = g.shape[:g.ndim - ans.ndim]
    g_rows = _gather(_reshape(g, lead + (_prod(t.shape[:k]),) + t.shape[k:]), f1, len(lead), dense=True)
    return where(hit, zeros_like(g), g), _reshape(g_rows, lead + rows.shape), None, None


def _scatter_update_jvp(ts, ans, t, rows, f1, last):
    """The transpose of the gradient (TF's forward mode): repeated updates' tangents add up."""
    from .elementwise import where, zeros_like   # circular import with elementwise
    hit, k = _slot_hit(t, rows, f1)
    tt = zeros_like(ans) if ts[0] is None else ts[0]
    if ts[1] is None:
        return where(hit, zeros_like(tt), tt)
    return where(hit, _scatter_add(ts[1], f1, t.shape, k), tt)


_scatter_update_op = defop("tensor_scatter_update", _scatter_update_fwd, vjp=_scatter_update_vjp,
                           jvp=_scatter_update_jvp, dtypes="any")


def _tensor_scatter_nd_extreme(tensor, indices, updates, opname, reduce_name, name):
    t = convert_to_tensor(tensor)
    idx, u, k, flat = _scatter_args(indices, updates, t.shape, opname, t.dtype, (
        f"TensorScatter{reduce_name.capitalize()}", _kernel_name(name, tensor, indices, updates)))
    if u.dtype != t.dtype:
        raise TypeError(f"{opname}: updates has dtype {u.dtype}, tensor has {t.dtype}")
    if u.dtype.kind not in "fiu":
        raise TypeError(f"{opname}: tensor must be a real number type, got dtype {u.dtype}")
    f1 = flat._data.reshape(-1)
    if not f1.shape[0]:
        return t
    rows = _reshape(u, (f1.shape[0],) + t.shape[k:])
    if core.tracing():   # TF's static shape: the tensor's
        core.static_shape_hint(_scatter_extreme_op.name, _static_dims(t))
    return apply(_scatter_extreme_op, (t, rows, core.wrap(f1)), {"kind": reduce_name})


def _scatter_extreme_fwd(xp, t, rows, f1, kind):
    """``t``'s slots at ``f1`` met (max or min) with every update that lands there."""
    inner = rows.shape[1:]
    flat_t = t.reshape((-1, _prod(inner)))
    met = segment_reduce(xp, kind, rows.reshape(rows.shape[0], _prod(inner)), f1, flat_t.shape[0])
    hit = xp.zeros((flat_t.shape[0], 1), bool)
    hit[f1] = True
    both = xp.maximum(flat_t, met) if kind == "max" else xp.minimum(flat_t, met)
    return xp.where(hit, both, flat_t).reshape(t.shape)


def _extreme_indicators(t, rows, f1, ans):
    """TF's tie rule for TensorScatterMax/Min: 1 where ``t`` (``x``) or an update (``y``) equals
    the result at its slot, and how many do there (``count`` >= 1)."""
    xp, dt = t.xp, t._data.dtype
    inner = rows.shape[1:]
    flat_ans = ans._data.reshape((-1,) + inner)
    x_ind = (t._data == ans._data).astype(dt)
    y_ind = (rows._data == flat_ans[f1._data]).astype(dt)
    ys = segment_reduce(xp, "sum", y_ind.reshape(y_ind.shape[0], _prod(inner)), f1._data, flat_ans.shape[0])
    count = x_ind + ys.reshape(t.shape)
    return core.wrap(x_ind), core.wrap(y_ind), core.wrap(count)


def _scatter_extreme_vjp(g, ans, t, rows, f1, kind):
    """TF's gradient: ``g`` shared equally among ``tensor``'s entry and the updates that tie for
    each result."""
    from .elementwise import divide, multiply   # circular import with elementwise
    x_ind, y_ind, count = _extreme_indicators(t, rows, f1, ans)
    lead = g.shape[:g.ndim - ans.ndim]
    k = t.ndim - (rows.ndim - 1)
    share = _reshape(divide(g, count), lead + (_prod(t.shape[:k]),) + t.shape[k:])
    g_rows = multiply(_reshape(_gather(share, f1, len(lead), dense=True), lead + rows.shape), y_ind)
    return divide(multiply(g, x_ind), count), g_rows, None


def _scatter_extreme_jvp(ts, ans, t, rows, f1, kind):
    """The transpose of the gradient (TF's forward mode)."""
    from .elementwise import divide, multiply, zeros_like   # circular import with elementwise
    x_ind, y_ind, count = _extreme_indicators(t, rows, f1, ans)
    out = zeros_like(ans) if ts[0] is None else multiply(ts[0], x_ind)
    if ts[1] is not None:
        out = out + _scatter_add(multiply(ts[1], y_ind), f1, t.shape, t.ndim - (rows.ndim - 1))
    return divide(out, count)


_scatter_extreme_op = defop("tensor_scatter_extreme", _scatter_extreme_fwd, vjp=_scatter_extreme_vjp,
                            jvp=_scatter_extreme_jvp, dtypes="numeric")


@core.deferrable
def tensor_scatter_nd_max(tensor, indices, updates, name=None):
    """``tensor`` where each slice at ``indices`` is the elementwise maximum of its value and
    the ``updates`` sent there (repeated indices all take part).

    >>> wb.tensor_scatter_nd_max(wb.constant([1, 5, 3]), [[0], [0], [1]], [4, 7, 2]).numpy()
    array([7, 5, 3], dtype=int32)
    """
    return _tensor_scatter_nd_extreme(tensor, indices, updates, "tensor_scatter_nd_max", "max", name)


@core.deferrable
def tensor_scatter_nd_min(tensor, indices, updates, name=None):
    """``tensor`` where each slice at ``indices`` is the elementwise minimum of its value and
    the ``updates`` sent there (repeated indices all take part)."""
    return _tensor_scatter_nd_extreme(tensor, indices, updates, "tensor_scatter_nd_min", "min", name)


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0,
                  shrink_axis_mask=0, var=None, name=None):
    """TF's ``tf.strided_slice``: ``input_[begin[0]:end[0]:strides[0], ...]``, bit ``i`` of each
    mask making entry ``i`` open at its start / end, an ``...``, a new axis, or an integer index
    (``begin[i]``, the dimension removed). ``x[...]`` is this with the masks Python's key implies.

    >>> t = wb.constant([[1, 2, 3], [4, 5, 6]])
    >>> wb.strided_slice(t, [0, 2], [2, 0], [1, -1]).numpy().tolist()
    [[3, 2], [6, 5]]
    """
    b, e = _int_list(begin, "begin", "strided_slice"), _int_list(end, "end", "strided_slice")
    st = [1] * len(b) if strides is None else _int_list(strides, "strides", "strided_slice")
    if not len(b) == len(e) == len(st):
        raise InvalidArgumentError(f"strided_slice: begin, end and strides must have one length, got "
                                   f"{len(b)}, {len(e)} and {len(st)}")
    masks = {}
    for what, m in (("begin_mask", begin_mask), ("end_mask", end_mask), ("ellipsis_mask", ellipsis_mask),
                    ("new_axis_mask", new_axis_mask), ("shrink_axis_mask", shrink_axis_mask)):
        masks[what] = argcheck.integer(m, what, "strided_slice", minimum=0)
    if bin(masks["ellipsis_mask"]).count("1") > 1:
        raise InvalidArgumentError(f"strided_slice: ellipsis_mask={ellipsis_mask} sets more than one bit "
                                   "(an index can have only one ...)")
    key = []
    for i, (lo, hi, step) in enumerate(zip(b, e, st)):
        bit = 1 << i
        if masks["ellipsis_mask"] & bit:
            key.append(Ellipsis)
        elif masks["new_axis_mask"] & bit:
            key.append(None)
        elif masks["shrink_axis_mask"] & bit:
            key.append(lo)
        else:
            if step == 0:
                raise InvalidArgumentError(f"strided_slice: strides[{i}] must be non-zero")
            key.append(builtins.slice(None if masks["begin_mask"] & bit else lo,
                                      None if masks["end_mask"] & bit else hi, step))
    return getitem(convert_to_tensor(input_), tuple(key))


def _int_list(value, what, opname):
    """A vector of integers (list, tuple, array or tensor) as a list of Python ints."""
    arr = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise TypeError(f"{opname}: {what} must be a vector of integers, got {argcheck.describe(value)}")
    return [int(v) for v in arr]


def slice(input_, begin, size, name=None):  # noqa: A001 - TF's name
    """The block of ``input_`` that starts at index ``begin`` and is ``size`` long in each
    dimension (``size[i] == -1``: to the end), TF's ``tf.slice``.

    >>> wb.slice(wb.constant([[1, 2, 3], [4, 5, 6]]), [0, 1], [-1, 2]).numpy()
    array([[2, 3],
           [5, 6]], dtype=int32)
    """
    x = convert_to_tensor(input_)
    static = _slice_static(x, begin, size) if core.tracing() else False
    b, n = _int_list(begin, "begin", "slice"), _int_list(size, "size", "slice")
    if len(b) != x.ndim or len(n) != x.ndim:
        raise InvalidArgumentError(f"slice: begin and size must have one entry per dimension of the "
                                   f"input (rank {x.ndim}, shape {x.shape}), got begin={list(b)}, "
                                   f"size={list(n)}")
    key = []
    for i, (lo, length, dim) in enumerate(zip(b, n, x.shape)):
        if not 0 <= lo <= dim:
            raise InvalidArgumentError(f"slice: begin[{i}] must be in [0, {dim}], got {lo} (input shape {x.shape})")
        if length == -1:
            length = dim - lo
        if not 0 <= length <= dim - lo:
            raise InvalidArgumentError(f"slice: size[{i}] must be in [0, {dim - lo}] (or -1 for the rest) "
                                       f"for begin[{i}]={lo}, got {length} (input shape {x.shape})")
        key.append(builtins.slice(lo, lo + length))
    out = getitem(x, tuple(key))
    if static is not False and static != _static_dims(out):
        if out is x:   # the whole input: still TF's static shape of the slice
            core.static_shape_hint(_identity_op.name, static)
            return apply(_identity_op, (x,))
        core.static_result(out, static)
    return out


def _slice_static(x, begin, size):
    """TF's static shape of ``slice(x, begin, size)`` in a trace: a size it knows; for a size of
    -1 (the rest), the input's size less begin, where both are known and every size is."""
    ks, kb, kn = _static_dims(x), core.static_value(begin), core.static_value(size)
    if not isinstance(kn, tuple):
        return None if ks is None else (None,) * len(ks)
    every = None not in kn
    kb = kb if isinstance(kb, tuple) and len(kb) == len(kn) else (None,) * len(kn)
    dims = []
    for i, length in enumerate(kn):
        if length is not None and length != -1:
            dims.append(length)
        elif length == -1 and every and kb[i] is not None and ks is not None and ks[i] is not None:
            dims.append(ks[i] - kb[i])
        else:
            dims.append(None)
    return tuple(dims)


@core.dispatchable
def boolean_mask(tensor, mask, axis=None, name=None):
    """The entries (slices) of ``tensor`` where ``mask`` is True, flattened over the
    mask's dims: ``mask.shape`` must equal ``tensor.shape[axis:axis + mask.ndim]``.

    >>> wb.boolean_mask(wb.constant([1., 2., 3.]), [True, False, True]).numpy()
    array([1., 3.], dtype=float32)
    """
    t = convert_to_tensor(tensor)
    m = convert_to_tensor(mask)
    if m.dtype.kind != "b":
        raise TypeError(f"boolean_mask: mask must be bool, got dtype {m.dtype}")
    if m.ndim == 0:
        raise ValueError("boolean_mask: mask cannot be a scalar")
    a = 0 if axis is None else argcheck.integer(axis, "axis", "boolean_mask")
    if a < 0:
        a += t.ndim
    k = m.ndim
    if not 0 <= a <= t.ndim - k or t.shape[a:a + k] != m.shape:
        raise ValueError(f"boolean_mask: mask shape {m.shape} does not match tensor shape {t.shape} "
                         f"at axis {axis if axis is not None else 0}")
    flat = _reshape(t, t.shape[:a] + (_prod(m.shape),) + t.shape[a + k:])
    keep = t.xp.flatnonzero(m._data)
    out = _gather(flat, core.wrap(keep), a, dense=True)
    if core.tracing():   # TF's masked dims are one open size
        ts = _static_dims(t)
        core.static_result(out, None if ts is None else ts[:a] + (None,) + ts[a + k:])
    return out


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot encoding: a new dimension of size ``depth`` at ``axis`` (default last), holding
    ``on_value`` (1) at each index and ``off_value`` (0) elsewhere. Indices outside
    ``[0, depth)`` give an all-off row. dtype: ``dtype``, else that of on/off_value, else float32.

    >>> wb.one_hot([0, 2, -1], 3).numpy()
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 0., 0.]], dtype=float32)
    """
    idx = _int_tensor(indices, "one_hot", "indices")
    known = core.static_value(depth) if isinstance(depth, Tensor) else depth   # None: the data's
    depth = argcheck.integer(depth, "depth", "one_hot", minimum=0)
    given = [convert_to_tensor(v) for v in (on_value, off_value) if v is not None]
    if len(given) == 2 and given[0].dtype != given[1].dtype:
        raise TypeError(f"one_hot: on_value has dtype {given[0].dtype}, off_value has {given[1].dtype}")
    if dtype is not None:
        dt = np_dtype(dtype)
        for what, v in (("on_value", on_value), ("off_value", off_value)):
            if isinstance(v, Tensor) and v.dtype != dt:
                raise TypeError(f"one_hot: {what} has dtype {v.dtype}, but dtype={dt}")
    else:
        dt = given[0].dtype if given else np.dtype(np.float32)
    on = core.wrap_constant(core.to_array(1 if on_value is None else on_value, dt, device=idx.device))
    off = core.wrap_constant(core.to_array(0 if off_value is None else off_value, dt, device=idx.device))
    position = -1 if axis is None or axis == -1 else norm_axis(axis, idx.ndim + 1, "one_hot")
    if known is None:   # TF's static shape: the depth the data decides is open
        ks = _static_dims(idx)
        at = len(ks) if ks is not None and position == -1 else position
        core.static_shape_hint(_one_hot_op.name, None if ks is None else ks[:at] + (None,) + ks[at:])
    return apply(_one_hot_op, (idx, on, off), {"depth": depth, "axis": position})


def _one_hot_fwd(xp, idx, on, off, depth, axis):
    out = xp.where(idx[..., None] == xp.arange(depth), on, off).astype(on.dtype, copy=False)
    return out if axis == -1 else xp.moveaxis(out, -1, axis)


_one_hot_op = defop("one_hot", _one_hot_fwd, dtypes="any")  # no gradient: indices are integers


# ---------------------------------------------------------------------------
# tile, pad


def _tile_vjp(g, ans, x, multiples):
    if not multiples:
        return (g,)
    lead = _lead(g, ans)
    interleaved = tuple(d for pair in zip(multiples, x.shape) for d in pair)
    g = _reshape(g, g.shape[:lead] + interleaved)
    return (reduce_sum(g, axis=[lead + 2 * i for i in range(len(multiples))]),)


_tile_op = defop("tile", lambda xp, x, multiples: xp.tile(x, multiples), vjp=_tile_vjp,
                 jvp=lambda ts, ans, x, multiples: apply(_tile_op, (ts[0],), {"multiples": multiples}),
                 dtypes="any")


def tile(input, multiples, name=None):
    """``input`` repeated ``multiples[i]`` times along each dim ``i`` (one multiple per dim).

    >>> wb.tile(wb.constant([[1, 2]]), [2, 2]).numpy()
    array([[1, 2, 1, 2],
           [1, 2, 1, 2]], dtype=int32)
    """
    if not isinstance(input, Tensor) and getattr(input, "__wb_dispatch__", False):
        return core.dispatch(tile, (input, multiples))   # a RaggedTensor
    x = convert_to_tensor(input)
    known = core.static_value(multiples)   # in a trace: None for a multiple the data decides
    m = _shape_arg(multiples, "multiples", "tile")
    if len(m) != x.ndim:
        raise ValueError(f"tile: multiples has {len(m)} entries, input has rank {x.ndim} (shape {x.shape})")
    if any(v < 0 for v in m):
        raise ValueError(f"tile: multiples must be non-negative, got {m}")
    unknown = known is None or (known and None in known)
    if all(v == 1 for v in m) and not unknown:
        return x
    if unknown:   # TF's static shape: a size times a multiple, each where both are known
        ks = _static_dims(x)
        km = known if isinstance(known, tuple) else (None,) * len(m)
        core.static_shape_hint(_tile_op.name, tuple(
            None if ks is None or ks[i] is None or km[i] is None else ks[i] * km[i] for i in range(len(m))))
    return apply(_tile_op, (x,), {"multiples": m})


def _pad_vjp(g, ans, x, paddings, constant_values):
    key = (Ellipsis,) + tuple(builtins.slice(lo, lo + s) for (lo, _), s in zip(paddings, x.shape))
    return (getitem(g, key),)


_pad_op = defop(
    "pad", lambda xp, x, paddings, constant_values: xp.pad(x, paddings, mode="constant",
                                                           constant_values=constant_values),
    vjp=_pad_vjp,
    jvp=lambda ts, ans, x, paddings, constant_values: apply(
        _pad_op, (ts[0],), {"paddings": paddings, "constant_values": 0}),
    dtypes="any")


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pad ``tensor``: ``paddings[i] = [before, after]`` for each dim ``i``.

    ``mode``: 'CONSTANT' (with ``constant_values``), 'REFLECT' (mirror without the
    edge; pads < dim size) or 'SYMMETRIC' (mirror with the edge; pads <= dim size).

    >>> wb.pad(wb.constant([1, 2, 3]), [[2, 1]], mode="REFLECT").numpy()
    array([3, 2, 1, 2, 3, 2], dtype=int32)
    """
    x = convert_to_tensor(tensor)
    static = _pad_static(x, paddings) if core.tracing() else False
    p = np.asarray(paddings.numpy() if isinstance(paddings, Tensor) else paddings)
    if p.shape != (x.ndim, 2) or (p.size and p.dtype.kind not in "iu"):
        raise ValueError(f"pad: paddings must be integers of shape [rank, 2] = [{x.ndim}, 2], "
                         f"got {p.tolist()} for a tensor of shape {x.shape}")
    if (p < 0).any():
        raise ValueError(f"pad: paddings must be non-negative, got {p.tolist()}")
    pads = tuple((int(lo), int(hi)) for lo, hi in p)
    mode = str(mode).upper()
    # in a trace, paddings the data decides change TF's static shape even where they are 0
    reshaped = static is not False and static != _static_dims(x)
    given = x
    if mode == "CONSTANT":
        if not any(lo or hi for lo, hi in pads) and not reshaped:
            return x
        try:
            c = core.to_array(constant_values.numpy() if isinstance(constant_values, Tensor) else constant_values,
                              x.dtype, device="cpu")
        except (TypeError, ValueError):
            raise TypeError(f"pad: constant_values must be a scalar of dtype {x.dtype}, "
                            f"got {argcheck.describe(constant_values)}") from None
        if c.size != 1:
            raise ValueError("pad: constant_values must be a scalar")
        if static is not False:
            core.static_shape_hint(_pad_op.name, static)
        return apply(_pad_op, (x,), {"paddings": pads, "constant_values": c.reshape(()).item()})
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ValueError(f"pad: mode must be 'CONSTANT', 'REFLECT' or 'SYMMETRIC', got {mode!r}")
    for axis, (lo, hi) in enumerate(pads):
        if not (lo or hi):
            continue
        n = x.shape[axis]
        limit = n - 1 if mode == "REFLECT" else n
        if lo > limit or hi > limit:
            raise ValueError(f"pad: {mode} paddings {[lo, hi]} for dimension {axis} of size {n} "
                             f"must be at most {limit}")
        # the padded axis is a gather of the original at mirrored positions
        idx = np.pad(np.arange(n), (lo, hi), mode=mode.lower())
        x = _gather(x, _on_device(x, idx), axis, dense=True)
    if reshaped and x is given:
        core.static_shape_hint(_identity_op.name, static)
        return apply(_identity_op, (x,))
    return x if static is False else core.static_result(x, static)


def _pad_static(x, paddings):
    """TF's static shape of ``pad(x, paddings)`` in a trace (any mode): a size plus its two
    paddings, where all three are known (entries the data decides are not)."""
    ks = _static_dims(x)
    if ks is None:   # an unknown rank: as many open sizes as paddings has rows (TF)
        given = paddings._static_shape() if isinstance(paddings, Tensor) else None
        rows = (len(paddings) if isinstance(paddings, (list, tuple)) else
                given[0] if given is not None and given.rank == 2 else None)
        return None if rows is None else (None,) * rows
    if isinstance(paddings, Tensor):   # a constant one is known; the data's is not
        flat = core.static_value(reshape(paddings, [-1]))
        flat = flat if isinstance(flat, tuple) else (None,) * (2 * len(ks))
        rows = [flat[2 * i:2 * i + 2] for i in range(len(flat) // 2)]
    elif isinstance(paddings, (list, tuple)):
        rows = [core.static_value(r) if isinstance(r, (list, tuple, Tensor)) else None for r in paddings]
    else:
        rows = [tuple(int(v) for v in r) for r in np.asarray(paddings).reshape(-1, 2)]
    out = []
    for i, d in enumerate(ks):
        row = rows[i] if i < len(rows) else None
        lohi = row if isinstance(row, tuple) and len(row) == 2 else (None, None)
        out.append(None if d is None or None in lohi else d + lohi[0] + lohi[1])
    return tuple(out)


# ---------------------------------------------------------------------------
# reverse, roll, repeat


def _axis_list(axis, ndim, opname):
    axes = list(argcheck.integers(axis, "axis", opname))
    out = [norm_axis(a, ndim, opname) for a in axes]
    if len(set(out)) != len(out):
        raise ValueError(f"{opname}: axis {axes} names a dimension twice")
    return out


@core.dispatchable
def reverse(tensor, axis, name=None):
    """``tensor`` with the order of entries reversed along each dim in ``axis``."""
    x = convert_to_tensor(tensor)
    axes = _axis_list(axis, x.ndim, "reverse")
    if not axes:
        return x
    return getitem(x, tuple(builtins.slice(None, None, -1) if i in axes else builtins.slice(None)
                            for i in range(x.ndim)))


def roll(input, shift, axis, name=None):
    """Shift entries along ``axis`` by ``shift`` (wrapping around). ``shift`` and ``axis``
    may be lists of one length; shifts on a repeated axis add up.

    >>> wb.roll(wb.constant([0, 1, 2, 3, 4]), shift=2, axis=0).numpy()
    array([3, 4, 0, 1, 2], dtype=int32)
    """
    x = convert_to_tensor(input)
    shifts = np.atleast_1d(np.asarray(shift.numpy() if isinstance(shift, Tensor) else shift))
    axes = np.atleast_1d(np.asarray(axis.numpy() if isinstance(axis, Tensor) else axis))
    if shifts.dtype.kind not in "iu" or axes.dtype.kind not in "iu" or shifts.ndim != 1 \
            or shifts.shape != axes.shape:
        raise ValueError(f"roll: shift {np.asarray(shift).tolist()!r} and axis {np.asarray(axis).tolist()!r} "
                         "must be integers (or integer lists of one length)")
    total = collections.Counter()
    for s, a in zip(shifts.tolist(), axes.tolist()):
        total[norm_axis(a, x.ndim, "roll")] += s
    for a, s in sorted(total.items()):
        n = x.shape[a]
        if n and s % n:
            x = _gather(x, _on_device(x, (np.arange(n) - s) % n), a, dense=True)
    return x


@core.dispatchable
def repeat(input, repeats, axis=None, name=None):
    """Repeat each entry along ``axis`` ``repeats`` times (a scalar, or one count per
    entry); with ``axis=None`` the input is flattened first.

    >>> wb.repeat(wb.constant([1, 2, 3]), [3, 0, 1], axis=0).numpy()
    array([1, 1, 1, 3], dtype=int32)
    """
    x = convert_to_tensor(input)
    ts = _static_dims(x) if core.tracing() else None
    if axis is None:
        x = _reshape(x, (x.size,))
        axis = 0
        if ts is not None:   # TF's flattened size: known where every size is
            ts = (None if None in ts else _prod(ts),)
    a = norm_axis(axis, x.ndim, "repeat")
    n = x.shape[a]
    r = np.asarray(repeats.numpy() if isinstance(repeats, Tensor) else repeats)
    if r.dtype.kind not in "iu" or r.ndim > 1:
        raise ValueError(f"repeat: repeats must be an integer or a vector of integers, got {r.tolist()!r}")
    if r.size == 1:
        r = np.full(n, int(r.reshape(())), dtype=np.int64)
    elif r.shape != (n,):
        raise ValueError(f"repeat: repeats has {r.size} entries, but axis {a} has size {n}")
    if (r < 0).any():
        raise ValueError(f"repeat: repeats must be non-negative, got {r.tolist()}")
    out = _gather(x, _on_device(x, np.repeat(np.arange(n), r)), a, dense=True)
    if core.tracing():
        core.static_result(out, _repeat_static(ts, repeats, a))
    return out


def _repeat_static(ts, repeats, a):
    """TF's static shape of ``repeat``'s result in a trace, for the input's static shape ``ts``
    (flattened for ``axis=None``): one known count (a scalar or one entry) scales the axis'
    known size; known counts along an axis other than the first sum to its size; other
    counts leave it open."""
    if ts is None:
        return None
    known = core.static_value(repeats)
    counts = known if isinstance(known, tuple) else (known,)
    if len(counts) == 1 and counts[0] is not None:
        size = None if ts[a] is None else ts[a] * counts[0]
    elif a > 0 and None not in counts:
        size = sum(counts)
    else:
        size = None
    return ts[:a] + (size,) + ts[a + 1:]


# ---------------------------------------------------------------------------
# sorting


def _argsort_last(xp, a, descending):
    """The stable sort order along the last axis (TF's sorts keep equal values in index order,
    in either direction)."""
    if not descending:
        return xp.argsort(a, axis=-1, kind="stable") if xp is np else xp.argsort(a, axis=-1)
    # descending, ties in index order: sort the reversed array ascending (stably) and map back
    n = a.shape[-1]
    r = xp.argsort(a[..., ::-1], axis=-1, kind="stable") if xp is np else xp.argsort(a[..., ::-1], axis=-1)
    return (n - 1 - r)[..., ::-1]


# the sort order as an op of the graph (a wb.function replays it); its int32 result carries no
# gradient, the sorted values' gradient is their gather's
_argsort_op = defop("argsort", lambda xp, x, descending: _argsort_last(xp, x, descending).astype(np.int32),
                    dtypes="real")

# TF's TopKV2, which its sorts run on
_SORT_DTYPES = "float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, uint64"
_TF_DTYPE_NAMES = {"float16": "half", "float32": "float", "float64": "double", "object": "string"}


def _direction(direction):
    if direction not in ("ASCENDING", "DESCENDING"):   # TF's text (case matters)
        raise ValueError(f"Argument `direction` should be one of ASCENDING, DESCENDING. Received: "
                         f"direction={direction}")
    return direction == "DESCENDING"


def _sort_order(values, axis, direction, opname):
    """(values with ``axis`` moved last, their stable sort order along it (int32), the
    permutation that moved it or None); TF's errors."""
    descending = _direction(direction)
    x = convert_to_tensor(values)
    if x.dtype.kind not in "iuf":
        dt = str(x._data.dtype)
        raise InvalidArgumentError(None, None, f"Value for attr 'T' of {_TF_DTYPE_NAMES.get(dt, dt)} is not in the "
                                   f"list of allowed values: {_SORT_DTYPES} [Op:TopKV2] ({opname})")
    if x.ndim == 0:
        raise InvalidArgumentError(None, None, f"{opname}: values must have rank >= 1, got a scalar")
    a = argcheck.as_int(axis) if type(axis) is not int else axis
    if a is None:
        raise TypeError(f"{opname}: axis must be an integer, got {axis!r}")
    if not -x.ndim <= a < x.ndim:
        raise InvalidArgumentError(None, None, f"{opname}: axis {a} is out of range for values of rank {x.ndim}")
    a %= x.ndim
    perm = None
    if a != x.ndim - 1:
        perm = [i for i in range(x.ndim) if i != a] + [a]
        x = transpose(x, perm)
    if core.open_shapes_traced():
        core.static_shape_hint(_argsort_op.name, _static_dims(x))
    return x, apply(_argsort_op, (x,), {"descending": descending}), perm


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """``values`` sorted along ``axis``; differentiable (the gradient follows the entries;
    equal values keep their order, as TF's).

    >>> wb.sort(wb.constant([3., 1., 2.]), direction="DESCENDING").numpy()
    array([3., 2., 1.], dtype=float32)
    """
    xt, order, perm = _sort_order(values, axis, direction, "sort")
    out = _gather(xt, order, xt.ndim - 1, xt.ndim - 1, dense=True)
    return out if perm is None else transpose(out, np.argsort(perm).tolist())


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """Indices (int32) that sort ``values`` along ``axis``. Equal values keep their order in
    either direction whatever ``stable`` says (TF's sort is always stable).

    >>> wb.argsort(wb.constant([1, 10, 26, 2])).numpy()
    array([0, 3, 1, 2], dtype=int32)
    """
    _, order, perm = _sort_order(values, axis, direction, "argsort")
    return order if perm is None else transpose(order, np.argsort(perm).tolist())


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, index_type=np.int32, name=None):
    """The ``k`` largest entries along the last dim, largest first (ties: lower index
    first), and their indices: ``TopKV2(values, indices)``. The gradient flows to the
    selected entries. ``sorted=False``: the same entries in TF's CPU kernel's heap order.

    >>> wb.math.top_k(wb.constant([1., 5., 3.]), k=2).indices.numpy()
    array([1, 2], dtype=int32)
    """
    x = convert_to_tensor(input)
    if x.ndim == 0:
        raise ValueError("top_k: input must have rank >= 1")
    known = core.static_value(k) if isinstance(k, Tensor) else k   # None: the data decides k
    k = argcheck.integer(k, "k", "top_k")
    n = x.shape[-1]
    if not 0 <= k <= n:
        raise ValueError(f"top_k: k={k} must be in [0, {n}] (the last dimension of input {x.shape})")
    if not sorted and 1 < k < n:   # TF's CPU kernel hands out its heap's order
        from .topk_order import unsorted_order  # the heap replay builds on this module's ops
        order = unsorted_order(x, k)
    else:
        if core.open_shapes_traced():
            core.static_shape_hint(_argsort_op.name, _static_dims(x))
        order = apply(_argsort_op, (x,), {"descending": True})
        if k < n:
            order = getitem(order, (Ellipsis, builtins.slice(0, k)))
    static = False
    if core.tracing():   # TF's static shape: the input's with k (if known) last
        ks = _static_dims(x)
        static = None if ks is None else ks[:-1] + (known,)
    values = _gather(x, order, x.ndim - 1, x.ndim - 1, dense=True, static=static)
    it = np_dtype(index_type)
    if it == np.int32:
        indices = order
    else:
        from .elementwise import cast  # circular import with elementwise
        indices = cast(order, it)
    if static is not False:
        core.static_result(values, static)
        core.static_result(indices, static)
    return TopKV2(values, indices)


Unique = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _unique_parts(x, out_idx, opname):
    t = convert_to_tensor(x)
    if t.ndim != 1:
        raise ValueError(f"{opname}: x must be a vector, got shape {t.shape}")
    it = np_dtype(out_idx)
    if it.kind not in "iu":
        raise TypeError(f"{opname}: out_idx must be an integer dtype, got {it}")
    xp = t.xp
    a = t._data
    if a.size == 0:
        empty = xp.zeros(0, it)
        return core.wrap(a.copy()), core.wrap(empty), core.wrap(empty)
    ys, first, inverse, counts = xp.unique(a, return_index=True, return_inverse=True, return_counts=True)
    order = xp.argsort(first)  # distinct values in the order they first appear (TF's order)
    rank = xp.empty_like(order)
    rank[order] = xp.arange(order.shape[0])
    return (core.wrap(ys[order]), core.wrap(rank[inverse.reshape(-1)].astype(it)),
            core.wrap(counts[order].astype(it)))


def unique(x, out_idx=np.int32, name=None):
    """Distinct values of the vector ``x`` in order of first appearance, and for each
    entry of ``x`` the position of its value in ``y``: ``Unique(y, idx)``.

    >>> wb.unique(wb.constant([1, 1, 2, 4, 4, 4, 7, 8, 8])).y.numpy()
    array([1, 2, 4, 7, 8], dtype=int32)
    """
    y, idx, _ = _unique_parts(x, out_idx, "unique")
    return Unique(core.static_result(y, (None,)), core.static_result(idx, _static_dims(convert_to_tensor(x))))


def unique_with_counts(x, out_idx=np.int32, name=None):
    """As :func:`unique`, plus how often each distinct value occurs: ``UniqueWithCounts(y, idx, count)``."""
    y, idx, count = _unique_parts(x, out_idx, "unique_with_counts")
    return UniqueWithCounts(core.static_result(y, (None,)), core.static_result(idx, _static_dims(convert_to_tensor(x))),
                            core.static_result(count, (None,)))


def searchsorted(sorted_sequence, values, side="left", out_type=np.int32, name=None):
    """Where ``values`` would go in the innermost dim of ``sorted_sequence`` to keep it
    sorted. Both have the same leading dims; ``side`` 'left' or 'right' places ties.

    >>> wb.searchsorted(wb.constant([[0, 3, 9, 10]]), wb.constant([[2, 10]])).numpy()
    array([[1, 3]], dtype=int32)
    """
    s = convert_to_tensor(sorted_sequence)
    v = convert_to_tensor(values)
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if s.dtype != v.dtype:
        raise TypeError(f"searchsorted: sorted_sequence has dtype {s.dtype}, values has {v.dtype}")
    if s.ndim == 0 or v.ndim != s.ndim or s.shape[:-1] != v.shape[:-1]:
        raise ValueError(f"searchsorted: sorted_sequence {s.shape} and values {v.shape} must have the "
                         "same rank (>= 1) and the same dimensions except the last")
    xp = s.xp
    it = np_dtype(out_type)
    out = _searchsorted(xp, s, v, side, it)
    if core.tracing():   # values' static shape, its leading sizes merged with the sequence's
        ss, vs = _static_dims(s), _static_dims(v)
        core.static_result(out, vs if ss is None or vs is None else tuple(
            b if a is None else a for a, b in zip(vs[:-1], ss[:-1])) + vs[-1:])
    return out


def _searchsorted(xp, s, v, side, it):
    if s.ndim == 1:
        return core.wrap(xp.searchsorted(s._data, v._data, side=side).astype(it))
    # one search over all rows: replace values by their ranks among everything, then
    # offset row r by r * (number of ranks) so the rows line up in one sorted vector
    rows, n, m = _prod(s.shape[:-1]), s.shape[-1], v.shape[-1]
    both = xp.concatenate([s._data.reshape(-1), v._data.reshape(-1)])
    _, ranks = xp.unique(both, return_inverse=True)
    ranks = ranks.reshape(-1).astype(np.int64)
    width = int(ranks.max()) + 1 if ranks.size else 1
    offset = xp.arange(rows, dtype=np.int64)[:, None]
    keys_s = (ranks[:rows * n].reshape(rows, n) + offset * width).reshape(-1)
    keys_v = (ranks[rows * n:].reshape(rows, m) + offset * width).reshape(-1)
    pos = xp.searchsorted(keys_s, keys_v, side=side).reshape(rows, m) - offset * n
    return core.wrap(pos.reshape(v.shape).astype(it))


__all__ = [
    "argsort",
    "boolean_mask",
    "gather",
    "gather_nd",
    "one_hot",
    "pad",
    "repeat",
    "reverse",
    "roll",
    "scatter_nd",
    "searchsorted",
    "slice",
    "sort",
    "strided_slice",
    "tensor_scatter_nd_add",
    "tensor_scatter_nd_max",
    "tensor_scatter_nd_min",
    "tensor_scatter_nd_sub",
    "tensor_scatter_nd_update",
    "tile",
    "top_k",
    "unique",
    "unique_with_counts",
]
