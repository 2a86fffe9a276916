"""Reductions of ragged tensors over any axis (TF's semantics).

Over the ragged axis, rows reduce straight from the row partition:
``reduce_row_splits`` runs ``ufunc.reduceat`` on the CPU and a segment kernel
on a GPU, with no padding and no per-row Python. Row sums and row repeats are
a pair of primitives, each the other's transpose, so every reduction is
differentiable to any order. Empty rows give TF's values: 0 for sums, 1 for
products, the dtype's lowest / highest value for max / min, NaN for means.
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench import backend, core
from workbench.errors import argcheck
from workbench.core import Tensor, apply, convert_to_tensor, defop
from workbench.ops import segment_kernels as sk

from .ragged_tensor import RaggedTensor
from .row_partition import RowPartition

# ---------------------------------------------------------------------------
# primitives: per-row sum over a partition, and its transpose (repeat each row)


def _lead(g, ans):
    return g.ndim - ans.ndim


def _row_sum_fwd(xp, values, splits, lengths, lead=0):
    if lead:
        moved = xp.moveaxis(values, list(range(lead)), list(range(-lead, 0)))
        out = sk.reduce_row_splits(xp, "sum", moved, splits)
        return xp.moveaxis(out, list(range(-lead, 0)), list(range(lead)))
    return sk.reduce_row_splits(xp, "sum", values, splits)


def _row_repeat_fwd(xp, rows, splits, lengths, lead=0):
    return backend.repeat(rows, lengths, axis=lead)


_row_sum_op = defop(
    "ragged_row_sum", _row_sum_fwd,
    vjp=lambda g, ans, v, splits, lengths, lead=0: (
        apply(_row_repeat_op, (g,), {"splits": splits, "lengths": lengths, "lead": lead + _lead(g, ans)}),),
    jvp=lambda ts, ans, v, splits, lengths, lead=0: apply(
        _row_sum_op, (ts[0],), {"splits": splits, "lengths": lengths, "lead": lead}))

_row_repeat_op = defop(
    "ragged_row_repeat", _row_repeat_fwd,
    vjp=lambda g, ans, rows, splits, lengths, lead=0: (
        apply(_row_sum_op, (g,), {"splits": splits, "lengths": lengths, "lead": lead + _lead(g, ans)}),),
    jvp=lambda ts, ans, rows, splits, lengths, lead=0: apply(
        _row_repeat_op, (ts[0],), {"splits": splits, "lengths": lengths, "lead": lead}),
    dtypes="any")


def row_sum(values: Tensor, part: RowPartition) -> Tensor:
    """``[nvals, *inner]`` → ``[nrows, *inner]``: the sum of each row."""
    if values.dtype.kind == "b":
        values = wb.cast(values, np.int32)
    return apply(_row_sum_op, (values,), {"splits": part._row_splits_arr(), "lengths": part._row_lengths_arr()})


def row_repeat(rows: Tensor, part: RowPartition) -> Tensor:
    """``[nrows, *inner]`` → ``[nvals, *inner]``: each row's value repeated along the row."""
    return apply(_row_repeat_op, (rows,), {"splits": part._row_splits_arr(), "lengths": part._row_lengths_arr()})


def _extreme_fwd(xp, values, splits, kind):
    return sk.reduce_row_splits(xp, kind, values, splits, empty=sk.lowest(values.dtype)
                                if kind == "max" else sk.highest(values.dtype))


def _extreme_weights(ans, values, splits, lengths):
    """Which values attain their row's extreme, divided by how many tie (TF's rule)."""
    part = RowPartition(splits)
    part._lengths = lengths
    hit = wb.cast(wb.equal(row_repeat(ans, part), values), values.dtype)
    ties = wb.maximum(row_sum(hit, part), 1)
    return hit / row_repeat(ties, part), part


def _extreme_vjp(g, ans, values, splits, kind):
    xp = values.xp
    lengths = splits[1:] - splits[:-1]
    w, part = _extreme_weights(ans, values, splits, lengths)
    lead = _lead(g, ans)
    return (apply(_row_repeat_op, (g,), {"splits": splits, "lengths": lengths, "lead": lead}) * w,)


def _extreme_jvp(ts, ans, values, splits, kind):
    lengths = splits[1:] - splits[:-1]
    w, part = _extreme_weights(ans, values, splits, lengths)
    return row_sum(ts[0] * w, part)


_row_max_op = defop("ragged_row_max", _extreme_fwd, vjp=_extreme_vjp, jvp=_extreme_jvp, domain="ties")
_row_min_op = defop("ragged_row_min", _extreme_fwd, vjp=_extreme_vjp, jvp=_extreme_jvp, domain="ties")


def _row_extreme(values, part, kind):
    op = _row_max_op if kind == "max" else _row_min_op
    if values.dtype.kind == "b":
        values = wb.cast(values, np.int32)
    return apply(op, (values,), {"splits": part._row_splits_arr(), "kind": kind})


# ---------------------------------------------------------------------------
# reducing one axis


def _segment(kind, values, ids, num):
    """Combine rows of ``values`` (a Tensor or RaggedTensor) that share a segment id."""
    if isinstance(values, RaggedTensor):
        # rows of different lengths combine position by position; the output row is as
        # long as the longest row in its segment
        xp = values._partition.xp
        lengths = values._partition._row_lengths_arr()
        out_lengths = xp.maximum(sk.segment_reduce(xp, "max", lengths, ids, num, empty=0), 0)
        out_part = RowPartition.from_row_lengths(out_lengths.astype(np.int64), validate=False)
        inner_ids = out_part._row_starts_arr()[ids][values._partition._value_rowids_arr()] + values._partition.positions()
        inner = _segment(kind, values._values, inner_ids, out_part._nvals_int())
        return RaggedTensor(inner, out_part, _internal=True)
    ids_t = core.wrap(ids)
    if isinstance(kind, _Join):
        return wb.strings.unsorted_segment_join(values, ids_t, num, separator=kind.separator)
    fn = {"sum": wb.math.unsorted_segment_sum, "prod": wb.math.unsorted_segment_prod,
          "max": wb.math.unsorted_segment_max, "min": wb.math.unsorted_segment_min}[kind]
    if values.dtype.kind == "b":
        values = wb.cast(values, np.int32)
    return fn(values, ids_t, num)


class _Join:
    """The reduction kind of ``reduce_join``: strings joined with ``separator``."""

    def __init__(self, separator):
        self.separator = separator

    def __call__(self, x, axis=None):
        return wb.strings.reduce_join(x, axis=axis, separator=self.separator)


def _dense_reduce(kind):
    if isinstance(kind, _Join):
        return kind
    return {"sum": wb.reduce_sum, "prod": wb.reduce_prod, "max": wb.reduce_max, "min": wb.reduce_min}[kind]


def _reduce_axis(kind, rt, axis):
    if not isinstance(rt, RaggedTensor):
        return _dense_reduce(kind)(rt, axis=axis)
    part = rt._partition
    if axis == 0:
        positions = part.positions()
        return _segment(kind, rt._values, positions, part.max_row_length())
    if axis == 1:
        values = rt._values
        if isinstance(values, RaggedTensor):
            return _segment(kind, values, part._value_rowids_arr(), part._nrows_int())
        if kind == "sum":
            return row_sum(values, part)
        if kind in ("max", "min"):
            return _row_extreme(values, part, kind)
        return _segment(kind, values, part._value_rowids_arr(), part._nrows_int())
    return rt.with_values(_reduce_axis(kind, rt._values, axis - 1))


def _axes(rt, axis, opname):
    nd = rt.ndim
    out = []
    for a in argcheck.integers(axis, "axis", opname):
        if not -nd <= a < nd:
            raise ValueError(f"axis {a} is out of range for a RaggedTensor of rank {nd}")
        out.append(a % nd)
    return sorted(set(out))


def _check_numeric(rt, opname):
    """TF's kernels sum, multiply and compare numbers only: bool and string values are its
    InvalidArgumentError (reduce_all and reduce_any take bools)."""
    kind = rt.dtype.kind
    if kind in "bOSU":
        name = "bool" if kind == "b" else "string"
        raise wb.errors.InvalidArgumentError(
            None, None, f"{opname}: Value for attr 'T' of {name} is not in the list of allowed values: float, "
            "double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, uint64 (and complex for "
            "sum and prod)")


def _reduce(kind, rt, axis, keepdims, check=True):
    if check:
        _check_numeric(rt, f"reduce_{kind}")
    if axis is None:
        out = _dense_reduce(kind)(rt.flat_values)
        return wb.reshape(out, _kept_all(rt)) if keepdims else out
    result = rt
    axes = _axes(rt, axis, f"reduce_{kind}")
    for a in reversed(axes):  # innermost first, so outer axis numbers stay valid
        result = _reduce_axis(kind, result, a)
        if keepdims:
            result = _expand(result, a)
    if isinstance(result, RaggedTensor):
        return result.with_row_splits_dtype(rt.row_splits_dtype)
    if core.tracing():   # TF's static shape: the input's without the reduced axes (ragged ones unknown)
        static = rt._static_dims()
        core.static_result(result, tuple(1 if i in axes else d for i, d in enumerate(static)
                                         if keepdims or i not in axes))
    return result


def _kept_all(rt):
    """The shape of a keepdims reduction over every axis: TF 2.21's ragged reductions give one
    size-1 dimension more per uniform inner dimension than the rank (``[1, 1, 1, 1]`` for a
    ``[3, None, 2]`` input)."""
    return (1,) * (rt.ndim + rt.flat_values.ndim - 1)


def _splits_only(rt):
    """``rt`` with its partitions as row splits alone (no uniform row lengths), as TF's results
    that it builds from splits report their shapes."""
    if not isinstance(rt, RaggedTensor):
        return rt
    out = RaggedTensor.from_nested_row_splits(rt.flat_values, [p._row_splits_arr() for p in rt.partitions],
                                              validate=False).with_row_splits_dtype(rt.row_splits_dtype)
    out._partition.set_static_nrows(rt._partition._static_nrows)
    return out


def _expand(x, axis):
    """``expand_dims`` for a reduction result (TF's keepdims)."""
    if isinstance(x, RaggedTensor):
        xp = x._partition.xp
        n = x.nrows_int()
        if axis == 0:  # one row holding every row
            return RaggedTensor(x, RowPartition.from_uniform_row_length(n, n, 1, xp=xp), _internal=True)
        if axis == 1:  # each row becomes a row of length 1
            return RaggedTensor(x, RowPartition.from_uniform_row_length(1, n, n, xp=xp), _internal=True)
        return x.with_values(_expand(x._values, axis - 1))
    return wb.expand_dims(x, axis)


def reduce_join(inputs, axis=None, keepdims=False, separator="", name=None):
    """``wb.strings.reduce_join`` of a RaggedTensor (TF's): the strings joined along ``axis``
    (every axis when None) as the other reductions combine numbers.

    >>> wb.strings.reduce_join(ragged.constant([["a", "b"], ["c"]]), axis=0).numpy()
    array([b'ac', b'b'], dtype=object)
    """
    if inputs.dtype.kind not in "OSU":   # TF 2.21: its ReduceJoin kernel's error
        raise wb.errors.InvalidArgumentError(None, None, f"reduce_join: inputs must be strings, got {inputs.dtype}")
    return _reduce(_Join(separator), inputs, axis, keepdims, check=False)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("sum", input_tensor, axis, keepdims)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("prod", input_tensor, axis, keepdims)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("max", input_tensor, axis, keepdims)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce("min", input_tensor, axis, keepdims)


def _ones_like_ragged(rt):
    return rt.with_flat_values(wb.ones_like(rt.flat_values))


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """Mean over ``axis``; NaN for empty rows (TF: the sum divided by a count of 0)."""
    _check_numeric(input_tensor, "reduce_mean")
    total = _reduce("sum", input_tensor, axis, keepdims)
    count = _reduce("sum", _ones_like_ragged(input_tensor), axis, keepdims)
    if isinstance(total, RaggedTensor):   # TF's quotient of two ragged tensors: no uniform row lengths
        return _splits_only(total.with_flat_values(_div(total.flat_values, count.flat_values)))
    return _div(total, count)


def _div(a, b):
    with np.errstate(invalid="ignore", divide="ignore"):
        return a / b


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance over ``axis`` (``mean(x**2) - mean(x)**2``, as TF computes it)."""
    mean_sq = reduce_mean(wb.square(input_tensor), axis, keepdims)
    mean = reduce_mean(input_tensor, axis, keepdims)
    return mean_sq - wb.square(mean)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    return wb.sqrt(reduce_variance(input_tensor, axis, keepdims))


def _check_castable(rt, opname):
    """TF's reduce_all/any cast their input to bool: strings are its Cast UnimplementedError."""
    if rt.dtype.kind in "OSU":
        raise wb.errors.UnimplementedError(None, None, f"{opname}: Cast string to bool is not supported")


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    _check_castable(input_tensor, "reduce_all")
    out = _reduce("prod", wb.cast(input_tensor, np.int32), axis, keepdims, check=False)
    return wb.cast(out, np.bool_)


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    _check_castable(input_tensor, "reduce_any")
    out = _reduce("sum", wb.cast(input_tensor, np.int32), axis, keepdims, check=False)
    return wb.cast(out, np.bool_)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """``log(sum(exp(x)))`` over ``axis``, shifted by the (constant) maximum for stability;
    -inf for empty rows. All axes at once, the ragged axis and axis 0 of a ragged_rank-1
    tensor, and the uniform inner axes are computed directly; other axes follow TF's own
    algorithm (``_logsumexp_as_tf``), values and errors alike."""
    rt = input_tensor
    axes = None if axis is None else _axes(rt, axis, "reduce_logsumexp")
    if axes is None or len(axes) == rt.ndim:   # every axis: the flat values' logsumexp (TF's value)
        if keepdims:   # TF's algorithm gives the kept shape (one dimension more for axis=None)
            return _logsumexp_as_tf(rt, axes, True)
        return wb.reduce_logsumexp(rt.flat_values)
    k = rt.ragged_rank
    if all(a > k for a in axes):
        out = rt.with_flat_values(wb.reduce_logsumexp(rt.flat_values, axis=[a - k for a in axes],
                                                      keepdims=keepdims))
        return out
    if len(axes) != 1 or k != 1:
        return _logsumexp_as_tf(rt, axes, keepdims)
    part, v = rt._partition, rt._values
    if axes[0] == 1:
        m = _finite_or_zero(wb.stop_gradient(_row_extreme(v, part, "max")))
        total = row_sum(wb.exp(v - row_repeat(m, part)), part)
    else:
        pos = core.wrap(part.positions())
        width = part.max_row_length()
        m = _finite_or_zero(wb.stop_gradient(wb.math.unsorted_segment_max(v, pos, width)))
        total = wb.math.unsorted_segment_sum(wb.exp(v - wb.gather(m, pos)), pos, width)
    with np.errstate(divide="ignore"):
        out = wb.log(total) + m
    return _expand(out, axes[0]) if keepdims else out


def _logsumexp_as_tf(rt, axes, keepdims):
    """TF 2.21's reduce_logsumexp, which has no ragged kernel: the maximum over ``axes`` (kept),
    subtracted with ragged broadcasting. It works where that maximum is dense; a ragged one is
    TF's ValueError, a maximum that does not broadcast back its InvalidArgumentError."""
    raw_max = _reduce("max", rt, axes, True)
    if isinstance(raw_max, RaggedTensor):
        raise ValueError(f"reduce_logsumexp over axes {axes} of a RaggedTensor of shape {rt.shape}: TF computes "
                         "the maximum over those axes as a dense tensor, and here it is ragged (TF 2.21: "
                         "\"TypeError: object of type 'RaggedTensor' has no len()\")")
    my_max = wb.stop_gradient(_finite_or_zero(raw_max))
    with np.errstate(divide="ignore"):
        result = wb.log(_reduce("sum", wb.exp(rt - my_max), axes, keepdims))
    if not keepdims and not isinstance(result, RaggedTensor):
        my_max = wb.reshape(my_max, result.shape)
    return result + my_max


def _finite_or_zero(m):
    return wb.where(wb.is_finite(m), m, wb.zeros_like(m))


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """``wb.math.cumsum`` of a RaggedTensor (TF's): along the innermost ragged dimension each
    row sums on its own; along an inner uniform dimension the flat values do; along an outer
    axis the entries at one position sum (the zero-padded tensor's sums, read back).

    >>> wb.math.cumsum(ragged.constant([[3, 1, 4], [], [5, 9]]), axis=1).to_list()
    [[3, 4, 8], [], [5, 14]]
    """
    from .ops import _dense_to_values, _values_to_dense  # circular import with ops
    a = argcheck.axis(axis, x.ndim, "cumsum")
    k = x.ragged_rank
    if a > k:
        return x.with_flat_values(wb.math.cumsum(x.flat_values, axis=a - k, exclusive=exclusive, reverse=reverse))
    if a != k:   # an outer axis: TF sums the zero-padded dense tensor and reads the values back
        summed = wb.math.cumsum(x.to_tensor(), axis=a, exclusive=exclusive, reverse=reverse)
        return RaggedTensor.from_tensor(summed, lengths=list(x.nested_row_lengths())).with_row_splits_dtype(
            x.row_splits_dtype)
    # each row padded with zeros at its end, summed along the rows, and read back: padding adds
    # nothing, whichever direction the sum runs
    part = x.partitions[-1]
    dense = _values_to_dense(x.flat_values, part)
    summed = wb.math.cumsum(dense, axis=1, exclusive=exclusive, reverse=reverse)
    return x.with_flat_values(_dense_to_values(summed, part))


def _segment_reduce(kind):
    """``wb.math.unsorted_segment_<kind>`` of a RaggedTensor (TF's): dense ``segment_ids`` (one
    per row) combine whole rows position by position; ragged ones with the data's row splits
    combine the flat values."""
    dense = getattr(wb.math, f"unsorted_segment_{kind}")

    def handler(data, segment_ids, num_segments, name=None):
        if isinstance(segment_ids, RaggedTensor):
            if not isinstance(data, RaggedTensor):
                raise TypeError(f"unsorted_segment_{kind}: ragged segment_ids need ragged data")
            same = len(data.nested_row_splits) == len(segment_ids.nested_row_splits) and all(
                np.array_equal(backend.to_numpy(a._data), backend.to_numpy(b._data))
                for a, b in zip(data.nested_row_splits, segment_ids.nested_row_splits))
            if not same:   # TF 2.21: its assert on the row splits
                raise wb.errors.InvalidArgumentError(
                    None, None, f"unsorted_segment_{kind}: segment_ids.shape must be a prefix of data.shape: "
                                f"data {data.shape} and segment_ids {segment_ids.shape} have other row partitions")
            return dense(data.flat_values, segment_ids.flat_values, num_segments)
        ids = convert_to_tensor(segment_ids)
        if ids.dtype.kind not in "iu" or ids.ndim != 1 or ids.shape[0] != data.nrows_int():
            raise ValueError(f"unsorted_segment_{kind}: segment_ids must be an integer vector with one id per row "
                             f"of data ({data.nrows_int()}), got dtype {ids.dtype} and shape {ids.shape}")
        num = argcheck.integer(num_segments, "num_segments", f"unsorted_segment_{kind}", minimum=0)
        arr = backend.move(ids._data, data.device).astype(np.int64)
        bad = (arr < 0) | (arr >= num)
        if bool(bad.any()):   # TF 2.21: its kernels' InvalidArgumentError
            raise wb.errors.InvalidArgumentError(None, None, f"unsorted_segment_{kind}: segment id "
                                                 f"{int(arr[bad][0])} is not in [0, {num})")
        if kind in ("mean", "sqrt_n"):
            total = _segment("sum", data, arr, num)
            count = wb.cast(_segment("sum", _ones_like_ragged(data), arr, num), data.dtype)
            return total / (count if kind == "mean" else wb.sqrt(count))
        return _segment(kind, data, arr, num).with_row_splits_dtype(data.row_splits_dtype)
    handler.__name__ = f"unsorted_segment_{kind}"
    return handler


def moments(x, axes, shift=None, keepdims=False, name=None):
    """``wb.nn.moments`` of a RaggedTensor, as TF 2.21 computes it: the mean over ``axes``
    (kept), the mean squared difference from it, then the kept axes squeezed."""
    mean = reduce_mean(x, axes, keepdims=True)
    variance = reduce_mean(wb.math.squared_difference(x, wb.stop_gradient(mean)), axes, keepdims=True)
    if not keepdims:
        mean, variance = wb.squeeze(mean, axes), wb.squeeze(variance, axes)
    return mean, variance


def _register():
    for name in ("reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "reduce_mean",
                 "reduce_variance", "reduce_std", "reduce_all", "reduce_any", "reduce_logsumexp"):
        core.register_dispatch(getattr(wb, name), globals()[name])
    core.register_dispatch(wb.math.cumsum, cumsum)
    core.register_dispatch(wb.strings.reduce_join, reduce_join)
    # served once they dispatch composite arguments (TF's ragged dispatch has them)
    for kind in ("sum", "prod", "max", "min", "mean", "sqrt_n"):
        core.register_dispatch(getattr(wb.math, f"unsorted_segment_{kind}"), _segment_reduce(kind))
    core.register_dispatch(wb.nn.moments, moments)


_register()
