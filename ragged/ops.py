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
from .row_partition import RowPartition

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
    return apply(_take_op, (dense,), {"rowids": part._value_rowids_arr(), "pos": part.positions()})


def _values_to_dense(values, part, default_value=None, shape=None):
    """Scatter ``values`` (``[nvals, *inner]``) into ``[nrows, max_len, *inner]`` padded with ``default_value``."""
    nrows, width = part._nrows_int(), part.max_row_length()
    inner = tuple(values.shape[1:])
    rowids, pos = part._value_rowids_arr(), part.positions()
    if shape is not None:
        shape = tuple(shape)
        if len(shape) != 2 + len(inner):
            raise wb.errors.InvalidArgumentError(   # TF 2.21: its RaggedTensorToTensor kernel's error
                None, None, f"to_tensor: shape {shape} must have rank {2 + len(inner)} (the ragged tensor's)")
        nrows = nrows if shape[0] is None else int(shape[0])
        width = width if shape[1] is None else int(shape[1])
        for i, (want, have) in enumerate(zip(shape[2:], inner)):
            if want is not None and int(want) != have:   # TF 2.21: its RaggedTensorToTensor kernel's error
                raise wb.errors.InvalidArgumentError(
                    None, None, f"to_tensor: shape[{i + 2}] = {want}, but the uniform dimension is {have}")
        keep = (rowids < nrows) & (pos < width)
        if not bool(keep.all()):
            idx = values.xp.nonzero(keep)[0]
            values = wb.getitem(values, idx)
            rowids, pos = rowids[idx], pos[idx]
    out_shape = (nrows, width) + inner
    if values._data.dtype.kind in "Ob":
        return _strings_to_dense(values, rowids, pos, out_shape, default_value)
    dense = apply(_place_op, (values,), {"rowids": rowids, "pos": pos, "shape": out_shape})
    if default_value is None:
        return dense
    default = convert_to_tensor(default_value, dtype=values.dtype)
    if default.ndim > len(inner) or any(d not in (1, i) for d, i in zip(default.shape[::-1], inner[::-1])):
        raise wb.errors.InvalidArgumentError(   # TF 2.21: its RaggedTensorToTensor kernel's error
            None, None, f"to_tensor: default_value.shape={list(default.shape)} and the flat values' shape "
            f"{list(values.shape)} are incompatible: default_value must have a lower rank and broadcast to "
            f"{list(inner)}")
    if default.ndim == 0 and float(default) == 0 and not default._tid:
        return dense
    xp = values.xp
    filled = xp.zeros((nrows, width), dtype=bool)
    filled[rowids, pos] = True
    # a choice, not ``dense + pad * default``: a NaN or infinite default stays out of the values
    return wb.where(core.wrap(filled.reshape((nrows, width) + (1,) * len(inner))), dense, default)


def _strings_to_dense(values, rowids, pos, shape, default_value):
    """``to_tensor`` of string or bool values (nothing to differentiate): the values over a
    tensor of ``default_value`` ('' or False by default, as TF)."""
    string = values._data.dtype.kind == "O"
    fill = convert_to_tensor(("" if string else False) if default_value is None else default_value)
    what = "string" if string else "bool"
    if fill._data.dtype.kind != ("O" if string else "b"):   # TF 2.21: "Cannot convert -1 to EagerTensor ..."
        raise TypeError(f"to_tensor: Cannot convert {default_value!r} to a tensor of the values' dtype ({what})")
    if fill.ndim:   # TF 2.21: its RaggedTensorToTensor kernel's error
        raise wb.errors.InvalidArgumentError(
            None, None, f"to_tensor: default_value must be a scalar of the values' dtype ({what}), got "
            f"{default_value!r}")
    out = values.xp.full(shape, fill._data[()], dtype=values._data.dtype)
    out[rowids, pos] = values._data
    return core.wrap(out)


# ---------------------------------------------------------------------------
# elementwise dispatch


def _outer_rowids(rt):
    """For each flat value, the index of its row in dimension 0."""
    parts = rt.partitions
    ids = parts[-1]._value_rowids_arr()
    for p in reversed(parts[:-1]):
        ids = p._value_rowids_arr()[ids]
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
    """Apply an elementwise op to ragged operands through their flat values.

    Operands sharing the first ragged operand's partition (and dense operands that broadcast
    over its uniform inner dimensions or its rows) go straight to the flat values. Otherwise
    the operands are broadcast as TF broadcasts ragged shapes: dense operands get leading
    1s and become ragged with uniform rows; row counts must be equal or 1, and at every
    ragged level the operands' row lengths must be equal, except that a uniform dimension of
    size 1 repeats to its partner's lengths (``[[1], [2, 3]] + [[10], [20]]`` is
    ``[[11], [22, 23]]``, while ``[[1], [2, 3]] + [[10, 20], [30, 40]]`` is refused, as in TF).
    """
    ref = next(a for a in args if isinstance(a, RaggedTensor))
    what = getattr(fn, "__name__", "op")
    dtypes = {a.row_splits_dtype for a in args if isinstance(a, RaggedTensor)}
    if len(dtypes) > 1:
        raise ValueError(f"{what}: the ragged operands have row_splits dtypes {sorted(str(d) for d in dtypes)}; "
                         "convert them to one with RaggedTensor.with_row_splits_dtype")
    try:
        flat = [_flat_operand(ref, a, what) for a in args]
    except ValueError:
        return _broadcast_elementwise(fn, args, kwargs, what)
    return ref.with_flat_values(_call(fn, flat, kwargs, ref.dtype))


def _call(fn, flat, kwargs, dtype):
    """``fn(*flat, **kwargs)``; operands of another dtype than the ragged values' (a float for
    integer values included) are TF's InvalidArgumentError here, as TF's ragged dispatch
    converts each operand on its own and its kernel refuses the mix."""
    try:
        return fn(*flat, **kwargs)
    except TypeError as exc:
        mixed = any((isinstance(a, core.Tensor) and a.dtype != dtype)
                    or (isinstance(a, (float, complex)) and dtype.kind in "iub") for a in flat)
        if mixed:
            raise wb.errors.InvalidArgumentError(None, None, str(exc)) from exc
        raise


def _broadcast_elementwise(fn, args, kwargs, what):
    rank = max(a.ndim if isinstance(a, (RaggedTensor, core.Tensor)) else np.ndim(a) for a in args)
    # operands of a lower rank get leading dimensions of size 1 (TF's rule), ragged ones too
    args = [_lift(a, rank - a.ndim) if isinstance(a, RaggedTensor) else a for a in args]
    ragged = [a for a in args if isinstance(a, RaggedTensor)]
    k = max(r.ragged_rank for r in ragged)
    dtype = ragged[0].row_splits_dtype
    ops, slots = [], []
    for a in args:
        if isinstance(a, (bool, int, float, complex, np.generic)):
            slots.append(None)
            continue
        if isinstance(a, RaggedTensor):
            r = _raise_ragged_rank(a, k)
        else:
            t = convert_to_tensor(a, dtype_hint=ragged[0].dtype)
            if t.ndim > rank:
                raise ValueError(f"{what}: a dense operand of shape {t.shape} has a higher rank than the "
                                 f"ragged operand of shape {_shape(ragged[0])}")
            t = wb.reshape(t, (1,) * (rank - t.ndim) + tuple(t.shape))
            r = RaggedTensor.from_tensor(t, ragged_rank=k)
        slots.append(len(ops))
        ops.append(r)
    parts, idx = _broadcast_partitions(ops, what)
    flats = [wb.gather(r.flat_values, core.wrap(i)) if i is not None else r.flat_values
             for r, i in zip(ops, idx)]
    flat_args = [a if s is None else flats[s] for a, s in zip(args, slots)]
    result = _call(fn, flat_args, kwargs, ragged[0].dtype)
    for part in reversed(parts):
        result = RaggedTensor(result, part, _internal=True)
    return result.with_row_splits_dtype(dtype)


def _lift(rt, n):
    """``rt`` under ``n`` new leading dimensions of size 1."""
    for _ in range(n):
        rt = RaggedTensor.from_uniform_row_length(rt, rt.nrows_int(), nrows=1)
    return rt


def _raise_ragged_rank(rt, k):
    """``rt`` with its uniform inner dimensions turned into ragged ones until its ragged rank is
    ``k`` (their rows all of one length)."""
    if rt.ragged_rank >= k:
        return rt
    inner = RaggedTensor.from_tensor(rt.flat_values, ragged_rank=k - rt.ragged_rank)
    return rt.with_flat_values(inner.with_row_splits_dtype(rt.row_splits_dtype))


def _broadcast_partitions(ops, what):
    """The broadcast row partitions of ragged tensors of one ragged rank, and for each operand
    the index of its flat value behind every result value (None where that is the identity)."""
    xp = ops[0]._partition.xp
    counts = [r.nrows_int() for r in ops]
    n = max(counts) if all(c in (1, max(counts)) for c in counts) else None
    if n is None or (0 in counts and n != 0 and any(c not in (0, 1) for c in counts)):
        raise wb.errors.InvalidArgumentError(f"{what}: ragged operands with {counts} rows do not broadcast "
                                             "(row counts must be equal or 1)")
    if 0 in counts:
        n = 0
    idx = [xp.arange(n, dtype=np.int64) if c == n else xp.zeros(n, np.int64) for c in counts]
    identity = [c == n for c in counts]
    parts = []
    for level in range(ops[0].ragged_rank):
        level_parts = [r.partitions[level] for r in ops]
        lens = [p._row_lengths_arr()[i] for p, i in zip(level_parts, idx)]
        # TF's rule: only a uniform dimension of size 1 stretches; ragged row lengths must match
        # exactly, even where a row happens to hold one value
        stretches = [p._uniform_int() == 1 for p in level_parts]
        fixed = [ln for ln, s in zip(lens, stretches) if not s]
        out = fixed[0] if fixed else lens[0]
        for j, ln in enumerate(lens):
            bad = (ln != out) & (not stretches[j])
            if bool(xp.any(bad)):
                first = stretches.index(False)
                # TF's words (its assert_equal on the two row_splits): x is the uniform (dense)
                # operand's partition where one is uniform, else the earlier operand's
                x, y = (j, first) if level_parts[j]._uniform_int() is not None else (first, j)
                raise wb.errors.InvalidArgumentError(_splits_differ(
                    *(np.concatenate([[0], np.cumsum(wb.backend.to_numpy(lens[k]))]) for k in (x, y))))
        uniform = [p._uniform_int() for p in level_parts]
        u = max(uniform) if all(v is not None for v in uniform) else None
        part = RowPartition.from_row_lengths(out.astype(np.int64), validate=False)
        if u is not None:
            part = RowPartition(part._row_splits_arr(), uniform_row_length=u)
        rowids, pos = part._value_rowids_arr(), part.positions()
        new_idx = []
        for j, (p, i, ln) in enumerate(zip(level_parts, idx, lens)):
            step = 0 * pos if stretches[j] else pos
            new_idx.append(p._row_starts_arr()[i][rowids] + step)
            identity[j] = identity[j] and bool(xp.all(ln == out)) and p._nvals_int() == part._nvals_int()
        idx = new_idx
        parts.append(part)
    return parts, [None if same else i for same, i in zip(identity, idx)]


def _splits_differ(x, y):
    """TF's message for two row_splits that differ (``tf.debugging.assert_equal``'s)."""
    where = np.flatnonzero(x != y)[:3]
    return (f"Condition x == y did not hold.\nIndices of first {len(where)} different values:\n"
            f"{where[:, None]}\nCorresponding x values:\n{x[where]}\nCorresponding y values:\n{y[where]}\n"
            f"First 3 elements of x:\n{x[:3]}\nFirst 3 elements of y:\n{y[:3]}")


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
    if len({r.row_splits_dtype for r in ragged}) > 1:   # TF 2.21's class and text
        raise ValueError("Input RaggedTensors have mismatched row partition dtypes; use "
                         "RaggedTensor.with_row_splits_dtype() to convert them to compatible dtypes.")
    for r in ragged[1:]:
        try:
            _check_partitions(ref, r, "map_flat_values")
        except ValueError as exc:   # TF 2.21: its check that the splits are identical
            raise wb.errors.InvalidArgumentError(None, None, str(exc)) from None
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
core.register_dispatch(wb.zeros_like, lambda input, dtype=None, name=None: input.with_flat_values(  # noqa: A002
    wb.zeros_like(input.flat_values, dtype)))
core.register_dispatch(wb.ones_like, lambda input, dtype=None, name=None: input.with_flat_values(  # noqa: A002
    wb.ones_like(input.flat_values, dtype)))
# (parameter names as the APIs': a keyword call dispatches too)
core.register_dispatch(wb.identity, lambda input, name=None: input.with_flat_values(  # noqa: A006
    wb.identity(input.flat_values)))
core.register_dispatch(wb.stop_gradient, lambda input, name=None: input.with_flat_values(  # noqa: A006
    wb.stop_gradient(input.flat_values)))



def _on_flat_values(fn):
    """A handler applying ``fn`` to the flat values of its first argument, a RaggedTensor, with
    the other arguments as given (TF's dispatch of value-wise ops that take parameters)."""
    return lambda x, *args, **kwargs: x.with_flat_values(fn(x.flat_values, *args, **kwargs))


def _one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """``wb.one_hot`` of ragged indices: a new uniform innermost dimension of size ``depth``
    (``axis`` -1 or past the ragged dimensions, as TF)."""
    k = indices.ragged_rank
    if axis is not None and axis != -1 and axis <= k:
        raise ValueError(f"one_hot: axis={axis} must be -1 or greater than the ragged rank ({k}) of the indices")
    inner = None if axis is None or axis == -1 else axis - k
    return indices.with_flat_values(wb.one_hot(indices.flat_values, depth, on_value=on_value, off_value=off_value,
                                               axis=inner, dtype=dtype))


def _elementwise_handler(fn):
    return lambda *args, **kwargs: elementwise(fn, args, kwargs)


for _fn in (wb.nn.dropout, wb.nn.leaky_relu, wb.nn.gelu, wb.nn.silu, wb.saturate_cast, wb.bitcast, wb.math.real,
            wb.math.imag, wb.math.conj, wb.math.angle, wb.math.reciprocal_no_nan, wb.debugging.check_numerics):
    core.register_dispatch(_fn, _on_flat_values(_fn))
for _fn in (wb.math.nextafter, wb.math.zeta, wb.math.scalar_mul, wb.realdiv, wb.complex):
    core.register_dispatch(_fn, _elementwise_handler(_fn))
core.register_dispatch(wb.one_hot, _one_hot)
del _fn


def _sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """TF's binary elementwise dispatch of ``sigmoid_cross_entropy_with_logits`` (served once it
    dispatches composite arguments)."""
    def sigmoid_cross_entropy_with_logits(a, b):
        return wb.nn.sigmoid_cross_entropy_with_logits(labels=a, logits=b)
    return elementwise(sigmoid_cross_entropy_with_logits, (labels, logits), {})


core.register_dispatch(wb.nn.sigmoid_cross_entropy_with_logits, _sigmoid_cross_entropy_with_logits)


def _assert_handler(api):
    """TF's binary elementwise assert dispatch: ``x`` and ``y`` broadcast as an elementwise op's
    operands, then the assertion on the values (None when it holds)."""
    def handler(x, y, *args, **kwargs):
        def check(a, b):
            api(a, b, *args, **kwargs)
            return wb.logical_or(wb.equal(a, b), True)   # a value of the broadcast shape
        check.__name__ = api.__name__
        elementwise(check, (x, y), {})
    return handler


for _fn in (wb.debugging.assert_equal, wb.debugging.assert_greater, wb.debugging.assert_greater_equal,
            wb.debugging.assert_less, wb.debugging.assert_less_equal, wb.debugging.assert_near,
            wb.debugging.assert_none_equal):
    core.register_dispatch(_fn, _assert_handler(_fn))
del _fn


def register_image_io():
    """TF's value-wise image and codec ops on the flat values. Called by the package's
    ``__init__`` once ``RaggedTensor`` is bound: the first ``wb.io``/``wb.image`` access
    registers ``ragged.RaggedTensor`` with ``wb.io``."""
    for fn in (wb.image.adjust_brightness, wb.image.adjust_gamma, wb.image.convert_image_dtype,
               wb.io.encode_base64, wb.io.decode_base64, wb.io.decode_compressed):
        core.register_dispatch(fn, _on_flat_values(fn))

__all__ = ["map_flat_values"]
del Tensor
