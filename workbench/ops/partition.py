"""Splitting rows by a partition id and interleaving them back (TF's ``tf.dynamic_partition``
and ``tf.dynamic_stitch``); each op's gradient is written with the other and ``gather``.

    dynamic_partition(data [*P, *R], partitions [*P] in [0, num)) -> num tensors [n_i, *R]
    dynamic_stitch(indices [I_m...], data [*I_m, *R]) -> merged [max(indices) + 1, *R]

>>> parts = wb.dynamic_partition(wb.constant([10., 20., 30.]), [1, 0, 1], 2)
>>> [p.numpy().tolist() for p in parts]
[[20.0], [10.0, 30.0]]
>>> wb.dynamic_stitch([[0, 2], [1]], [[1., 3.], [2.]]).numpy()
array([1., 2., 3.], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from .. import core
from ..core import Tensor, apply, convert_to_tensor, defop
from ..errors import InvalidArgumentError, argcheck
from .indexing import gather
from .shape import _lead, concat, reshape, zeros_like_t

__all__ = ["dynamic_partition", "dynamic_stitch"]


def _dims(shape):
    return "[" + ",".join(str(int(s)) for s in shape) + "]"


# ---------------------------------------------------------------------------
# dynamic_partition


def _partition_fwd(xp, data, partitions, num_partitions):
    p = partitions.reshape(-1)
    bad = (p < 0) | (p >= num_partitions)
    if bool(bad.any()):
        i = int(xp.argmax(bad))
        where = ",".join(str(int(k)) for k in np.unravel_index(i, partitions.shape)) if partitions.ndim else ""
        raise InvalidArgumentError(None, None, f"partitions[{where}] = {int(p[i])} is not in [0, {num_partitions}) "
                                   "[Op:DynamicPartition]")
    rows = data.reshape((p.shape[0],) + data.shape[partitions.ndim:])
    order = xp.argsort(p, kind="stable") if xp is np else xp.argsort(p)   # CuPy's sort is stable
    counts = xp.bincount(p, minlength=num_partitions) if p.shape[0] else xp.zeros(num_partitions, np.int64)
    cuts = np.cumsum(counts.tolist()[:-1]).tolist() if num_partitions > 1 else []
    return tuple(xp.split(rows[order], cuts, axis=0))


def _partition_vjp(gs, ans, data, partitions, num_partitions):
    """Each output row goes back to where it came from: the outputs' cotangents joined, then
    gathered at each entry's position in that join."""
    g0 = next(g for g in gs if g is not None)
    lead = _lead(g0, ans[0])
    parts = [zeros_like_t(a, lead_shape=g0.shape[:lead]) if g is None else g for g, a in zip(gs, ans)]
    xp = data.xp
    size = int(np.prod(partitions.shape, dtype=np.int64))
    where = dynamic_partition(core.wrap_constant(xp.arange(size, dtype=np.int32).reshape(partitions.shape)),
                              partitions, num_partitions)
    starts = np.cumsum([0] + [a.shape[0] for a in ans]).tolist()
    positions = dynamic_stitch(
        where, [core.wrap_constant(xp.arange(starts[i], starts[i + 1], dtype=np.int32))
                for i in range(num_partitions)])
    rows = gather(concat(parts, axis=lead), positions, axis=lead)
    return reshape(rows, g0.shape[:lead] + data.shape), None


def _partition_jvp(ts, ans, data, partitions, num_partitions):
    return tuple(dynamic_partition(ts[0], partitions, num_partitions))


_partition_op = defop("dynamic_partition", _partition_fwd, vjp=_partition_vjp, jvp=_partition_jvp, nout=-1,
                      dtypes="any")


def _int32(value, what, where):
    """An int32 index tensor as TF's op takes it: Python values convert to int32; a tensor of
    another dtype is refused."""
    if isinstance(value, Tensor):
        if value.dtype != np.int32:
            raise InvalidArgumentError(None, None, f"cannot compute {where} as {what} was expected to be a int32 "
                                       f"tensor but is a {value.dtype} tensor [Op:{where}]")
        return value
    t = convert_to_tensor(value)
    if t.dtype.kind not in "iu" and not (t.dtype.kind == "f" and t._data.size == 0):
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype int32 ({where}: {what} must be "
                        f"integers, got {t.dtype})")
    return core.wrap_constant(t._data.astype(np.int32)) if t.dtype != np.int32 else t


@core.dispatchable
def dynamic_partition(data, partitions, num_partitions, name=None):
    """The rows of ``data`` split into ``num_partitions`` tensors by ``partitions`` (int32, a
    prefix of ``data``'s shape, values in ``[0, num_partitions)``); rows keep their order.
    Output ``i`` has shape ``[count of i in partitions] + data.shape[partitions.ndim:]``.
    Differentiable in ``data``.

    >>> [p.numpy().tolist() for p in wb.dynamic_partition([[1, 2], [3, 4], [5, 6]], [1, 0, 1], 2)]
    [[[3, 4]], [[1, 2], [5, 6]]]
    """
    x = convert_to_tensor(data)
    p = _int32(partitions, "input #1(zero-based)", "DynamicPartition")
    n = argcheck.integer(num_partitions, "num_partitions", "dynamic_partition")
    if n < 1:
        raise InvalidArgumentError(None, None, f"Value for attr 'num_partitions' of {n} must be at least minimum 1 "
                                   "[Op:DynamicPartition]")
    if x._data.shape[:p.ndim] != p._data.shape:
        raise InvalidArgumentError(None, None, f"data.shape must start with partitions.shape, got data.shape = "
                                   f"{_dims(x.shape)}, partitions.shape = {_dims(p.shape)} [Op:DynamicPartition]")
    outs = apply(_partition_op, (x, p), {"num_partitions": n})
    if core.tracing():   # TF's static shapes: the row counts are data, the rest data's static sizes
        s = x._static_shape()
        for o in outs:
            core.static_result(o, None if s.rank is None else (None,) + tuple(s.as_list()[p.ndim:]))
    return list(outs)


# ---------------------------------------------------------------------------
# dynamic_stitch


def _stitch_fwd(xp, *arrays, n):
    indices, data = arrays[:n], arrays[n:]
    inner = data[0].shape[indices[0].ndim:]
    flat_idx = xp.concatenate([i.reshape(-1) for i in indices])
    for m, i in enumerate(indices):
        if i.size and bool((i < 0).any()):
            k = int(xp.argmax(i.reshape(-1) < 0))
            raise InvalidArgumentError(None, None, f"indices[{k}] is out of range [Op:DynamicStitch] "
                                       f"(dynamic_stitch: indices[{m}] holds {int(i.reshape(-1)[k])}; indices "
                                       "must be >= 0)")
    size = int(flat_idx.max()) + 1 if flat_idx.size else 0
    rows = xp.concatenate([d.reshape((-1,) + inner) for d in data])
    out = xp.zeros((size,) + inner, data[0].dtype)
    if flat_idx.size:
        # later entries win (TF's order): per merged row, the last entry that names it
        order = xp.argsort(flat_idx, kind="stable") if xp is np else xp.argsort(flat_idx)
        keys = flat_idx[order]
        last = xp.ones(keys.shape, bool)
        last[:-1] = keys[1:] != keys[:-1]
        out[keys[last]] = rows[order[last]]
    return out


def _stitch_vjp(g, ans, *inputs, n):
    lead = _lead(g, ans)
    return (None,) * n + tuple(gather(g, i, axis=lead) for i in inputs[:n])


def _stitch_jvp(ts, ans, *inputs, n):
    """TF's tangent, the transpose of its gather: ``IndexedSlices`` holding every entry's
    tangent row at its index (later inputs first; repeated indices add up, as TF's)."""
    from ..sparse import IndexedSlices  # the sparse package builds on the ops
    inner = tuple(ans.shape[1:])
    rows, idx = [], []
    for m in reversed(range(n)):
        t = ts[n + m]
        rows.append(reshape(zeros_like_t(inputs[n + m]) if t is None else t, (-1,) + inner))
        idx.append(reshape(inputs[m], (-1,)))
    values = rows[0] if n == 1 else concat(rows, 0)
    indices = idx[0] if n == 1 else concat(idx, 0)
    shape = core.wrap_constant(ans.xp.asarray(ans.shape, np.int32))
    return IndexedSlices(values, indices, shape)


_stitch_op = defop("dynamic_stitch", _stitch_fwd, vjp=_stitch_vjp, jvp=_stitch_jvp, dtypes="any")


def dynamic_stitch(indices, data, name=None):
    """Interleave the ``data`` tensors into one: ``merged[indices[m][i...], ...] =
    data[m][i..., ...]`` (int32 ``indices``, each a prefix of its ``data`` tensor's shape; the
    trailing shapes agree). The result has ``max(indices) + 1`` rows, rows no index names are
    zeros, and where indices repeat the later value wins. Differentiable in ``data`` (each
    entry's cotangent is the merged cotangent at its index, even where a later entry won, as
    TF's gradient; forward mode gives the transpose, an ``IndexedSlices``, as TF's).

    >>> wb.dynamic_stitch([6, [4, 1], [[5, 2], [0, 3]]],
    ...                   [[61.], [[41.], [11.]], [[[51.], [21.]], [[1.], [31.]]]]).numpy().ravel()
    array([ 1., 11., 21., 31., 41., 51., 61.], dtype=float32)
    """
    if not isinstance(indices, (list, tuple)) or not isinstance(data, (list, tuple)):
        raise TypeError(f"dynamic_stitch: indices and data must be lists of tensors, got "
                        f"{type(indices).__name__} and {type(data).__name__}")
    if len(indices) != len(data):
        raise ValueError(f"List argument 'data' to 'dynamic_stitch' Op with length {len(data)} must match length "
                         f"{len(indices)} of argument 'indices'.")
    if not indices:
        raise ValueError("dynamic_stitch: indices and data must hold at least one tensor")
    idx = [_int32(i, f"indices[{m}]", "DynamicStitch") for m, i in enumerate(indices)]
    xs = [convert_to_tensor(d) for d in data]
    for m, x in enumerate(xs):
        if x.dtype != xs[0].dtype:
            raise TypeError(f"dynamic_stitch: data[{m}] has dtype {x.dtype}, data[0] has {xs[0].dtype}")
        if x._data.shape[:idx[m].ndim] != idx[m]._data.shape:
            raise InvalidArgumentError(None, None, f"data[{m}].shape = {_dims(x.shape)} does not start with "
                                       f"indices[{m}].shape = {_dims(idx[m].shape)} [Op:DynamicStitch]")
        if x._data.shape[idx[m].ndim:] != xs[0]._data.shape[idx[0].ndim:]:
            raise InvalidArgumentError(
                None, None, f"Need data[0].shape[{idx[0].ndim}:] = data[{m}].shape[{idx[m].ndim}:], got "
                f"data[0].shape = {_dims(xs[0].shape)}, data[{m}].shape = {_dims(x.shape)}, indices[0].shape = "
                f"{_dims(idx[0].shape)}, indices[{m}].shape = {_dims(idx[m].shape)} [Op:DynamicStitch]")
    out = apply(_stitch_op, (*idx, *xs), {"n": len(idx)})
    if core.tracing():
        s = xs[0]._static_shape()
        core.static_result(out, None if s.rank is None else (None,) + tuple(s.as_list()[idx[0].ndim:]))
    return out


def parallel_dynamic_stitch(indices, data, name=None):
    """``dynamic_stitch`` (TF's ``raw_ops.ParallelDynamicStitch``; here with the same result
    where indices repeat: the later value)."""
    return dynamic_stitch(indices, data, name=name)
