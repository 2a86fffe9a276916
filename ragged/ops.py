"""Ragged ops: dense conversion primitives, elementwise dispatch, map_flat_values.

Elementwise ops of the op table work on ragged tensors by applying them to
``flat_values``, so coverage follows the table. Dense conversions are two
primitives, each the transpose of the other, so both directions are
differentiable to any order.
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench import core, nest
from workbench.core import Tensor, apply, convert_to_tensor, defop

from .ragged_tensor import RaggedTensor

# ---------------------------------------------------------------------------
# dense <-> values: ``values[i] = dense[rowids[i], positions[i]]`` and its transpose


def _index(lead, rowids, pos):
    return (slice(None),) * lead + (rowids, pos)


def _take_fwd(xp, dense, rowids, pos, lead=0):
    return dense[_index(lead, rowids, pos)]


def _place_fwd(xp, values, rowids, pos, shape, lead=0):
    out = xp.zeros(values.shape[:lead] + tuple(shape), values.dtype)
    out[_index(lead, rowids, pos)] = values  # positions are unique: plain assignment
    return out


def _glead(g, ans):
    return g.ndim - ans.ndim


_take_op = defop(
    "ragged_values_from_dense", _take_fwd,
    vjp=lambda g, ans, dense, rowids, pos, lead=0: (apply(
        _place_op, (g,), {"rowids": rowids, "pos": pos, "shape": dense.shape[lead:],
                          "lead": lead + _glead(g, ans)}),),
    jvp=lambda ts, ans, dense, rowids, pos, lead=0: apply(
        _take_op, (ts[0],), {"rowids": rowids, "pos": pos, "lead": lead}),
    dtypes="any")

_place_op = defop(
    "ragged_values_to_dense", _place_fwd,
    vjp=lambda g, ans, values, rowids, pos, shape, lead=0: (apply(
        _take_op, (g,), {"rowids": rowids, "pos": pos, "lead": lead + _glead(g, ans)}),),
    jvp=lambda ts, ans, values, rowids, pos, shape, lead=0: apply(
        _place_op, (ts[0],), {"rowids": rowids, "pos": pos, "shape": shape, "lead": lead}),
    dtypes="any")


def _dense_to_values(dense, part):
    return apply(_take_op, (dense,), {"rowids": part.value_rowids(), "pos": part.positions()})


def _values_to_dense(values, part, default_value=None, shape=None):
    """Scatter ``values`` (``[nvals, *inner]``) into ``[nrows, max_len, *inner]`` padded with ``default_value``."""
    nrows, width = part.nrows(), part.max_row_length()
    inner = tuple(values.shape[1:])
    rowids, pos = part.value_rowids(), part.positions()
    if shape is not None:
        shape = tuple(shape)
        if len(shape) != 2 + len(inner):
            raise ValueError(f"to_tensor: shape {shape} must have rank {2 + len(inner)}")
        nrows = nrows if shape[0] is None else int(shape[0])
        width = width if shape[1] is None else int(shape[1])
        for i, (want, have) in enumerate(zip(shape[2:], inner)):
            if want is not None and int(want) != have:
                raise ValueError(f"to_tensor: shape[{i + 2}] = {want}, but the uniform dimension is {have}")
        keep = (rowids < nrows) & (pos < width)
        if not bool(keep.all()):
            idx = values.xp.nonzero(keep)[0]
            values = wb.getitem(values, idx)
            rowids, pos = rowids[idx], pos[idx]
    out_shape = (nrows, width) + inner
    dense = apply(_place_op, (values,), {"rowids": rowids, "pos": pos, "shape": out_shape})
    if default_value is None:
        return dense
    default = convert_to_tensor(default_value, dtype=values.dtype)
    if default.ndim == 0 and float(default) == 0 and not default._tid:
        return dense
    xp = values.xp
    filled = xp.zeros((nrows, width), dtype=bool)
    filled[rowids, pos] = True
    pad = core.wrap((~filled).reshape((nrows, width) + (1,) * len(inner)).astype(values.dtype))
    return dense + pad * default


# ---------------------------------------------------------------------------
# elementwise dispatch


def _outer_rowids(rt):
    """For each flat value, the index of its row in dimension 0."""
    parts = rt.partitions
    ids = parts[-1].value_rowids()
    for p in reversed(parts[:-1]):
        ids = p.value_rowids()[ids]
    return ids


def _check_partitions(ref, other, what):
    a, b = ref.partitions, other.partitions
    if len(a) != len(b) or not all(p.is_same(q) for p, q in zip(a, b)):
        raise ValueError(f"{what}: ragged operands have different row partitions: shapes "
                         f"{_shape(ref)} and {_shape(other)} with different row lengths; "
                         "elementwise ops need ragged tensors with identical row_splits")


def _shape(rt):
    from .ragged_tensor import _shape_str  # circular import with ragged_tensor
    return _shape_str(rt.shape)


def _flat_operand(ref, a, what):
    """``a`` (a tensor or Python value) lined up with ``ref.flat_values``."""
    if isinstance(a, RaggedTensor):
        _check_partitions(ref, a, what)
        return a.flat_values
    if isinstance(a, (bool, int, float, complex, np.generic)):
        return a  # the op's own dtype rules apply
    t = convert_to_tensor(a, dtype_hint=ref.dtype)
    inner_rank = ref.flat_values.ndim - 1
    if t.ndim <= inner_rank:
        return t  # broadcasts over the uniform inner dimensions
    if t.ndim == ref.ndim:
        k = ref.ragged_rank
        if any(d != 1 for d in t.shape[1:k + 1]) or t.shape[0] not in (1, ref.nrows_int()):
            raise ValueError(f"{what}: a dense operand of shape {t.shape} does not broadcast against a "
                             f"ragged tensor of shape {_shape(ref)}: its ragged dimensions must have size 1 "
                             f"and its first dimension 1 or {ref.nrows_int()}")
        t = wb.reshape(t, (t.shape[0],) + t.shape[k + 1:])
        if t.shape[0] == 1:
            return wb.reshape(t, t.shape[1:])
        return wb.getitem(t, _outer_rowids(ref))
    raise ValueError(f"{what}: a dense operand of shape {t.shape} does not broadcast against a ragged "
                     f"tensor of shape {_shape(ref)}")


def elementwise(fn, args, kwargs):
    """Apply an elementwise op to ragged operands through their flat values."""
    ref = next(a for a in args if isinstance(a, RaggedTensor))
    what = getattr(fn, "__name__", "op")
    flat = [_flat_operand(ref, a, what) for a in args]
    return ref.with_flat_values(fn(*flat, **kwargs))


def map_flat_values(op, *args, **kwargs):
    """Apply ``op`` to the flat values of every RaggedTensor argument (which must share one
    partition); the result keeps that partition.

    >>> ragged.map_flat_values(wb.nn.relu, rt)
    """
    leaves = nest.flatten([list(args), kwargs])
    ragged = [a for a in leaves if isinstance(a, RaggedTensor)]
    if not ragged:
        return op(*args, **kwargs)
    ref = ragged[0]
    for r in ragged[1:]:
        _check_partitions(ref, r, "map_flat_values")
    swap = lambda a: a.flat_values if isinstance(a, RaggedTensor) else a  # noqa: E731
    new_args = nest.map_structure(swap, list(args))
    new_kwargs = {k: nest.map_structure(swap, v) for k, v in kwargs.items()}
    out = op(*new_args, **new_kwargs)
    out = convert_to_tensor(out)
    n = ref.flat_values.shape[0]
    if out.ndim == 0 or out.shape[0] != n:
        raise ValueError(f"map_flat_values: the op returned shape {out.shape}, but it must keep the "
                         f"number of flat values ({n}) as its first dimension")
    return ref.with_flat_values(out)


# cast keeps the partition too (it is not in the elementwise table, it has a dtype argument)
def _ragged_cast(x, dtype, name=None):
    return x.with_flat_values(wb.cast(x.flat_values, dtype))


core.register_dispatch(wb.cast, _ragged_cast)
core.register_dispatch(wb.zeros_like, lambda x, dtype=None, name=None: x.with_flat_values(
    wb.zeros_like(x.flat_values, dtype)))
core.register_dispatch(wb.ones_like, lambda x, dtype=None, name=None: x.with_flat_values(
    wb.ones_like(x.flat_values, dtype)))
core.register_dispatch(wb.identity, lambda x, name=None: x.with_flat_values(wb.identity(x.flat_values)))
core.register_dispatch(wb.stop_gradient, lambda x, name=None: x.with_flat_values(wb.stop_gradient(x.flat_values)))

__all__ = ["map_flat_values"]
del Tensor
