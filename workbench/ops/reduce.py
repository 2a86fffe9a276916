"""Reductions and scans over axes.

Gradient rules follow TF: ``reduce_max``/``reduce_min`` split the gradient
equally among tied maxima; ``reduce_prod`` is exact where inputs are zero
(products of the other elements, by exclusive cumulative products).
"""

from __future__ import annotations

import numpy as np

from .. import backend, core
from ..errors import argcheck
from ..core import Tensor, apply, convert_to_tensor
from ..dtypes import np_dtype
from ._define import KINDS, bfloat16_taken, defop, dtype_error
from .rules import TENSORS
from .shape import _lead, broadcast_to, expand_dims, norm_axis, reshape, transpose


def _axes(axis, ndim, opname, what="axis"):
    """Normalize ``axis`` (None, int, list or Tensor) to a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:
        return (axis % ndim,)
    axis = argcheck.integers(axis, what, opname)
    out = sorted({norm_axis(a, ndim, opname, what) for a in axis}) if ndim else []
    for a in axis:
        norm_axis(a, max(ndim, 1), opname, what)
    return tuple(out)


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand(e, g, ans, x, axes, keepdims):
    """Broadcast a reduction's cotangent (or its output) back over the reduced axes (with the
    interpreter ``e``: a broadcast view on arrays)."""
    gshape, xshape = core.dims(g), core.dims(x)
    lead = len(gshape) - ans.ndim
    if not keepdims:
        gshape = gshape[:lead] + _kept_shape(xshape, axes)
        g = e.reshape(g, gshape)
    return e.broadcast_to(g, gshape[:lead] + xshape)


def _expand_to_input(g, ans, x, axes, keepdims):
    return _expand(TENSORS, g, ans, x, axes, keepdims)


def _reduction(name, fwd, dtypes="numeric"):
    kinds = KINDS[dtypes]

    def make(op):
        @core.dispatchable
        def fn(input_tensor, axis=None, keepdims=False, name=None):
            x = convert_to_tensor(input_tensor)
            if x._data.dtype.kind not in kinds and not bfloat16_taken(x._data.dtype, kinds):
                raise dtype_error(op.name, "input_tensor", x.dtype, kinds)
            axes = _axes(axis, x.ndim, op.name)
            keep = argcheck.flag(keepdims, "keepdims", op.name)
            if axis is not None and isinstance(axis, Tensor) and core.static_value(axis) is None:
                core.static_shape_hint(op.name, (None,) * x.ndim if keep else None)   # TF: the data's axes
            elif axis is None and core.open_shapes_traced() and x._static_shape().rank is None:
                core.static_shape_hint(op.name, None if keep else ())   # TF: every axis of an unknown rank
            return apply(op, (x,), {"axis": axes, "keepdims": keep})
        fn.__name__ = fn.__qualname__ = op.name
        fn.op = op
        return fn
    return make


def _sum_fwd(xp, x, axis, keepdims):
    if x.dtype.kind == "V":   # bfloat16: accumulated in float32 and rounded once, as TF
        return xp.sum(x, axis=axis, keepdims=keepdims, dtype=np.float32).astype(x.dtype)
    dt = x.dtype if x.dtype.kind in "iub" else None
    if dt is not None and dt.kind == "b":
        dt = np.int32
    return xp.sum(x, axis=axis, keepdims=keepdims, dtype=dt)


_sum_op = defop("reduce_sum", _sum_fwd,
                rule=lambda e, needs, g, ans, x, axis, keepdims: (_expand(e, g, ans, x, axis, keepdims),),
                jvp=lambda ts, ans, x, axis, keepdims: reduce_sum(ts[0], axis=axis, keepdims=keepdims))
reduce_sum = _reduction("reduce_sum", _sum_fwd)(_sum_op)


def _count(x, axes):
    return int(np.prod([x.shape[a] for a in axes])) if axes else 1


def _mean_fwd(xp, x, axis, keepdims):
    if x.dtype.kind in "iu":  # TF: integer mean stays integer (truncated)
        return (xp.sum(x, axis=axis, keepdims=keepdims) // max(_count(x, axis), 1)).astype(x.dtype)
    if not x.size:   # NaN, as TF, without NumPy's "Mean of empty slice" warning
        return xp.full(xp.sum(x, axis=axis, keepdims=keepdims).shape, np.nan, dtype=x.dtype)
    if x.dtype.kind == "V":   # bfloat16: accumulated in float32 and rounded once, as TF
        return xp.mean(x, axis=axis, keepdims=keepdims, dtype=np.float32).astype(x.dtype)
    return xp.mean(x, axis=axis, keepdims=keepdims)


_mean_op = defop("reduce_mean", _mean_fwd,
                 rule=lambda e, needs, g, ans, x, axis, keepdims: (
                     e.divide(_expand(e, g, ans, x, axis, keepdims), _count(x, axis)),),
                 # TF's tangent: the sum of t / n (0, not NaN, over an empty axis)
                 jvp=lambda ts, ans, x, axis, keepdims: (
                     reduce_sum(ts[0], axis=axis, keepdims=keepdims) / _count(x, axis) if _count(x, axis)
                     else reduce_sum(ts[0], axis=axis, keepdims=keepdims)))
reduce_mean = _reduction("reduce_mean", _mean_fwd)(_mean_op)


def _minmax_vjp(g, ans, x, axis, keepdims):
    from .elementwise import cast, equal  # circular import with elementwise
    y = _expand_to_input(ans, ans, x, axis, keepdims)
    ind = cast(equal(y, x), x.dtype)
    num = reduce_sum(ind, axis=axis, keepdims=True)
    gb = _expand_to_input(g, ans, x, axis, keepdims)
    return (gb * (ind / num),)


def _minmax_jvp(ts, ans, x, axis, keepdims):
    from .elementwise import cast, equal  # circular import with elementwise
    y = _expand_to_input(ans, ans, x, axis, keepdims)
    ind = cast(equal(y, x), x.dtype)
    num = reduce_sum(ind, axis=axis, keepdims=True)
    return reduce_sum(ts[0] * (ind / num), axis=axis, keepdims=keepdims)   # TF's: 0 over an empty axis


def _max_fwd(xp, x, axis, keepdims):
    if x.size == 0:  # TF: the identity of max, the lowest value
        return xp.full(_reduced_shape(x.shape, axis, keepdims), _lowest(x.dtype), x.dtype)
    return xp.max(x, axis=axis, keepdims=keepdims)


def _min_fwd(xp, x, axis, keepdims):
    if x.size == 0:
        return xp.full(_reduced_shape(x.shape, axis, keepdims), _highest(x.dtype), x.dtype)
    return xp.min(x, axis=axis, keepdims=keepdims)


def _reduced_shape(shape, axes, keepdims):
    if keepdims:
        return _kept_shape(shape, axes)
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _lowest(dtype):
    return -np.inf if dtype.kind in "fV" else (False if dtype.kind == "b" else np.iinfo(dtype).min)   # V: bfloat16


def _highest(dtype):
    return np.inf if dtype.kind in "fV" else (True if dtype.kind == "b" else np.iinfo(dtype).max)


_max_op = defop("reduce_max", _max_fwd, vjp=_minmax_vjp, jvp=_minmax_jvp, domain="ties")
_min_op = defop("reduce_min", _min_fwd, vjp=_minmax_vjp, jvp=_minmax_jvp, domain="ties")
reduce_max = _reduction("reduce_max", _max_fwd)(_max_op)
reduce_min = _reduction("reduce_min", _min_fwd)(_min_op)


def _prod_fwd(xp, x, axis, keepdims):
    dt = x.dtype if x.dtype.kind in "iu" else None
    return xp.prod(x, axis=axis, keepdims=keepdims, dtype=dt)


def _prod_vjp(g, ans, x, axis, keepdims):
    # product of all the other elements = exclusive cumprod from the left times from the right,
    # over the reduced axes moved last and flattened; exact where x has zeros (no axes: a
    # trailing axis of one, so the gradient still depends on x, with TF's zero second derivative)
    nd = x.ndim
    if x.size == 0:   # nothing to differentiate: empty zeros, connected to x as TF's
        return (_expand_to_input(g, ans, x, axis, keepdims) * 0 + x * 0,)
    kept = [i for i in range(nd) if i not in axis]
    perm = kept + list(axis)
    xt = transpose(x, perm)
    flat = reshape(xt, xt.shape[:len(kept)] + (-1,))
    others = cumprod(flat, axis=-1, exclusive=True) * cumprod(flat, axis=-1, exclusive=True, reverse=True)
    others = transpose(reshape(others, xt.shape), np.argsort(perm))
    return (_expand_to_input(g, ans, x, axis, keepdims) * others,)


_prod_op = defop("reduce_prod", _prod_fwd, vjp=_prod_vjp,
                 jvp=lambda ts, ans, x, axis, keepdims: reduce_sum(
                     ts[0] * _prod_vjp(_ones(ans), ans, x, axis, keepdims)[0], axis=axis, keepdims=keepdims))
reduce_prod = _reduction("reduce_prod", _prod_fwd)(_prod_op)


def _ones(t):
    return core.wrap_constant(t.xp.ones(t.shape, t.dtype))


def _lse_fwd(xp, x, axis, keepdims):
    if x.dtype.kind == "V":   # bfloat16: its sum accumulates in float32 (as reduce_sum's), so all of it does
        return _lse_fwd(xp, x.astype(np.float32), axis, keepdims).astype(x.dtype)
    if x.size == 0:
        return xp.full(_reduced_shape(x.shape, axis, keepdims), -np.inf, x.dtype)
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros((), x.dtype))
    with np.errstate(divide="ignore"):
        out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = out.reshape(_reduced_shape(x.shape, axis, False))
    return out.astype(x.dtype, copy=False)


def _lse_weights(ans, x, axis, keepdims):
    from .elementwise import exp  # circular import with elementwise
    return exp(x - _expand_to_input(ans, ans, x, axis, keepdims))


_lse_op = defop("reduce_logsumexp", _lse_fwd,
                vjp=lambda g, ans, x, axis, keepdims: (
                    _expand_to_input(g, ans, x, axis, keepdims) * _lse_weights(ans, x, axis, keepdims),),
                jvp=lambda ts, ans, x, axis, keepdims: _lse_jvp(ts, ans, x, axis, keepdims),
                dtypes="float")


def _lse_jvp(ts, ans, x, axis, keepdims):
    if x.size == 0:   # TF's: log's tangent at the empty sum, 0 / 0
        return core.wrap_constant(ans.xp.full(ans.shape, np.nan, ans.dtype))
    return reduce_sum(ts[0] * _lse_weights(ans, x, axis, keepdims), axis=axis, keepdims=keepdims)
reduce_logsumexp = _reduction("reduce_logsumexp", _lse_fwd, dtypes="float")(_lse_op)


@core.dispatchable
def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """Population variance over ``axis`` (TF's: divides by n); complex input gives the real
    ``mean(|x - mean(x)|**2)``, as TF."""
    x = convert_to_tensor(input_tensor)
    if x.dtype.kind not in "fc":
        raise dtype_error("reduce_variance", "input_tensor", x.dtype, "fc")
    from .elementwise import square  # circular import with elementwise
    mean = reduce_mean(x, axis=axis, keepdims=True)
    diff = x - mean
    if diff.dtype.kind == "c":   # TF's real(conj(diff) * diff)
        from .tf_extra import conj, real   # circular import with tf_extra
        return reduce_mean(real(conj(diff) * diff), axis=axis, keepdims=keepdims)
    return reduce_mean(square(diff), axis=axis, keepdims=keepdims)


@core.dispatchable
def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """Population standard deviation over ``axis``."""
    from .elementwise import sqrt  # circular import with elementwise
    return sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


def _euclidean_fwd(xp, x, axis, keepdims):
    sq = x * xp.conj(x) if x.dtype.kind == "c" else x * x   # complex: sum |x|^2, in x's dtype
    return xp.sqrt(xp.sum(sq, axis=axis, keepdims=keepdims)).astype(x.dtype, copy=False)   # ints stay ints


def _euclidean_jvp(ts, ans, x, axis, keepdims):
    # the transpose of the reverse rule: for complex x, sum(conj(x) * t) / norm (complex-valued, as TF's)
    if x.dtype.kind == "c":
        from .tf_extra import conj   # circular import with tf_extra
        x = conj(x)
    return reduce_sum(ts[0] * (x / _expand_to_input(ans, ans, x, axis, keepdims)), axis=axis, keepdims=keepdims)


# TF's EuclideanNorm gradient, x / (norm / g) (NaN at a zero norm; taken as written for complex)
_euclidean_op = defop(
    "reduce_euclidean_norm", _euclidean_fwd,
    vjp=lambda g, ans, x, axis, keepdims: (
        x / (_expand_to_input(ans, ans, x, axis, keepdims) / _expand_to_input(g, ans, x, axis, keepdims)),),
    jvp=_euclidean_jvp)
reduce_euclidean_norm = _reduction("reduce_euclidean_norm", _euclidean_fwd)(_euclidean_op)
reduce_euclidean_norm.__doc__ = "``sqrt(sum(|x|**2))`` over ``axis`` (complex input: a complex result, as TF)."


def _logical_reduction(name, reducer):
    op = defop(name, lambda xp, x, axis, keepdims: reducer(xp)(x, axis=axis, keepdims=keepdims),
               dtypes="bool")
    return _reduction(name, None, dtypes="bool")(op)


reduce_all = _logical_reduction("reduce_all", lambda xp: xp.all)
reduce_any = _logical_reduction("reduce_any", lambda xp: xp.any)


def _arg_fn(name, reducer):
    op = defop(name, lambda xp, x, axis, output_type: reducer(xp)(x, axis=axis).astype(output_type))

    def fn(input, axis=None, output_type=np.int64, name=None):
        x = convert_to_tensor(input)
        if x.ndim == 0:
            raise ValueError(f"{op.name}: input must have rank >= 1")
        a = 0 if axis is None else norm_axis(axis, x.ndim, op.name)  # TF: axis defaults to 0
        if x.shape[a] == 0:
            raise ValueError(f"{op.name}: cannot reduce over axis {a} of size 0 (shape {x.shape})")
        out_type = np_dtype(output_type)
        if out_type not in (np.int32, np.int64):
            raise TypeError(f"{op.name}: output_type must be int32 or int64, got {out_type}")
        if axis is not None and isinstance(axis, Tensor) and core.static_value(axis) is None:
            core.static_shape_hint(op.name, (None,) * (x.ndim - 1))   # TF: the data's axis
        return apply(op, (x,), {"axis": a, "output_type": out_type})
    fn.__name__ = fn.__qualname__ = name
    fn.op = op
    return fn


argmax = _arg_fn("argmax", lambda xp: xp.argmax)
argmin = _arg_fn("argmin", lambda xp: xp.argmin)


# ---------------------------------------------------------------------------
# scans


def _scan_fwd(xp, x, axis, exclusive, reverse, kind):
    if reverse:
        x = xp.flip(x, axis)
    fn = xp.cumsum if kind == "sum" else xp.cumprod
    out = fn(x, axis=axis, dtype=x.dtype)
    if exclusive:
        ident = xp.zeros if kind == "sum" else xp.ones
        pad_shape = list(x.shape)
        pad_shape[axis] = 1
        out = xp.concatenate([ident(pad_shape, x.dtype), xp.take(out, xp.arange(x.shape[axis] - 1), axis=axis)],
                             axis=axis)
    if reverse:
        out = xp.flip(out, axis)
    return out


def _cumsum_vjp(g, ans, x, axis, exclusive, reverse, kind):
    return (cumsum(g, axis=axis + _lead(g, ans), exclusive=exclusive, reverse=not reverse),)


def _cumprod_vjp(g, ans, x, axis, exclusive, reverse, kind):
    # TF's rule: divides by x with div_no_nan, so it is 0 (not the true value) where x is zero
    from .elementwise import divide_no_nan   # circular import with elementwise
    lead = _lead(g, ans)
    return (divide_no_nan(cumsum(ans * g, axis=axis + lead, exclusive=exclusive, reverse=not reverse), x),)


_cumsum_op = defop("cumsum", _scan_fwd, vjp=_cumsum_vjp,
                   jvp=lambda ts, ans, x, axis, exclusive, reverse, kind: cumsum(
                       ts[0], axis=axis, exclusive=exclusive, reverse=reverse))
def _cumprod_jvp(ts, ans, x, axis, exclusive, reverse, kind):
    # d cumprod(x) = cumprod(x) * cumsum(t / x), with the same exclusive/reverse flags (the
    # transpose of the gradient: t / x is div_no_nan there too)
    from .elementwise import divide_no_nan   # circular import with elementwise
    if x.dtype.kind == "c":   # the transpose of TF's rule as written (not conjugated)
        from .tf_extra import conj   # circular import with tf_extra
        return conj(ans) * cumsum(divide_no_nan(ts[0], conj(x)), axis=axis, exclusive=exclusive, reverse=reverse)
    return ans * cumsum(divide_no_nan(ts[0], x), axis=axis, exclusive=exclusive, reverse=reverse)


_cumprod_op = defop("cumprod", _scan_fwd, vjp=_cumprod_vjp, jvp=_cumprod_jvp, domain="nonzero")


def _scan(op, kind):
    def fn(x, axis=0, exclusive=False, reverse=False, name=None):
        if not isinstance(x, Tensor) and getattr(x, "__wb_dispatch__", False):   # a RaggedTensor
            return core.dispatch(fn, (x,), {"axis": axis, "exclusive": exclusive, "reverse": reverse})
        x = convert_to_tensor(x)
        if x.ndim == 0:
            raise ValueError(f"{op.name}: x must have rank >= 1")
        a = norm_axis(axis, x.ndim, op.name)
        return apply(op, (x,), {"axis": a, "exclusive": argcheck.flag(exclusive, "exclusive", op.name),
                                "reverse": argcheck.flag(reverse, "reverse", op.name),
                                "kind": kind})
    fn.__name__ = fn.__qualname__ = op.name
    fn.op = op
    return fn


cumsum = _scan(_cumsum_op, "sum")
cumprod = _scan(_cumprod_op, "prod")


def _abs_squared(x):
    """``x * conj(x)`` (TF's euclidean norm: complex-valued for complex ``x``)."""
    from .elementwise import multiply, square   # circular import with elementwise
    if x.dtype.kind == "c":
        from .tf_extra import conj   # circular import with tf_extra
        return multiply(x, conj(x))
    return square(x)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):
    """Vector p-norms, and the Frobenius, 1 and inf norms of matrices (``axis`` a pair)."""
    from .elementwise import abs as _abs, pow as _pow, sqrt  # circular import with elementwise
    x = convert_to_tensor(tensor)
    keep = argcheck.flag(keepdims, "keepdims", "norm")
    if isinstance(axis, (list, tuple)) and len(axis) == 2:
        a0, a1 = (norm_axis(a, x.ndim, "norm") for a in axis)
        if ord in ("euclidean", "fro"):
            return sqrt(reduce_sum(_abs_squared(x), axis=(a0, a1), keepdims=keep))
        if ord == 1:
            return reduce_max(reduce_sum(_abs(x), axis=a0, keepdims=True), axis=(a0, a1), keepdims=keep)
        if ord == np.inf:
            return reduce_max(reduce_sum(_abs(x), axis=a1, keepdims=True), axis=(a0, a1), keepdims=keep)
        if ord in (2, 2.0):   # TF: the largest singular value, the pair of axes moved last
            from .decompositions import svd   # circular import with decompositions
            if a0 == a1:
                raise ValueError(f"norm: axis {axis} names one dimension twice")
            rest = [i for i in range(x.ndim) if i not in (a0, a1)]
            s = svd(transpose(x, rest + [a0, a1]), compute_uv=False)
            out = reduce_max(_abs(s), axis=-1)   # TF's abs: its gradient at a zero matrix is 0
            if keep:
                for a in sorted((a0, a1)):
                    out = expand_dims(out, a)
            return out
        raise ValueError(f"norm: matrix ord must be 'fro', 'euclidean', 1, 2 or inf, got {ord!r}")
    if ord in ("euclidean", 2, 2.0):
        out = sqrt(reduce_sum(_abs_squared(x), axis=axis, keepdims=keep))
    elif ord == 1:
        out = reduce_sum(_abs(x), axis=axis, keepdims=keep)
    elif ord == np.inf:
        out = reduce_max(_abs(x), axis=axis, keepdims=keep)
    elif isinstance(ord, (int, float)) and ord > 0:
        out = _pow(reduce_sum(_pow(_abs(x), float(ord) if x.dtype.kind != "f" else ord),
                              axis=axis, keepdims=keep), 1.0 / ord)
    else:
        raise ValueError(f"norm: ord must be 'euclidean', 'fro', a positive number or inf, got {ord!r}")
    if axis is None and core.tracing() and x._static_shape().rank is None:
        core.static_result(out, None)   # TF: reduced keeping its dims, then squeezed: an unknown rank
    return out

__all__ = [
    "argmax",
    "argmin",
    "cumprod",
    "cumsum",
    "norm",
    "reduce_all",
    "reduce_any",
    "reduce_euclidean_norm",
    "reduce_logsumexp",
    "reduce_max",
    "reduce_mean",
    "reduce_min",
    "reduce_prod",
    "reduce_std",
    "reduce_sum",
    "reduce_variance",
]
