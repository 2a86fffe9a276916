"""Elementwise math: one line per op, its derivative beside it.

Most ops here are defined by their partial derivatives (``dx(ans, x)``): the
reverse rule is ``g * dx`` and the forward rule ``t * dx``. Ops whose TF
gradient has special cases (ties, zeros, safe logs) write both rules out.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend, hostcache
from ..core import Tensor, convert_to_tensor
from ..dtypes import as_dtype
from ._define import binary, nondiff, ufunc1, ufunc2, unary

# ---------------------------------------------------------------------------
# helpers


def _linear_unary(name, fwd, d, raw=None, **kw):
    """A unary op with derivative ``d(ans, x)``; ``raw(g, ans, x)`` is the same product
    ``g * d`` on arrays (the tape's fast first-order path), written to allocate once."""
    return unary(name, fwd,
                 vjp=lambda g, ans, x: (g * d(ans, x),),
                 jvp=lambda ts, ans, x: ts[0] * d(ans, x),
                 vjp_raw=None if raw is None else (lambda g, ans, x: (raw(g, ans, x._data),)), **kw)


def _linear_binary(name, fwd, dx, dy, raw=None, **kw):
    """A binary op with partials ``dx(ans, x, y)`` and ``dy(ans, x, y)``; ``raw(g, ans, x, y)``
    (tensors ``x``, ``y``: it skips an untracked one) gives both products on arrays."""
    def jvp(ts, ans, x, y):
        tx, ty = ts
        out = None if tx is None else tx * dx(ans, x, y)
        if ty is not None:
            part = ty * dy(ans, x, y)
            out = part if out is None else out + part
        return out
    # an input no tape has seen (_tid 0: a constant) needs no gradient: skip its partial
    return binary(name, fwd, vjp=lambda g, ans, x, y: (g * dx(ans, x, y) if x._tid else None,
                                                       g * dy(ans, x, y) if y._tid else None),
                  jvp=jvp, vjp_raw=raw, **kw)


def _sum_tangents(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _special(xp):
    return backend.scipy_special(xp)


# ---------------------------------------------------------------------------
# arithmetic

add = binary("add", ufunc2("add"),
             vjp=lambda g, ans, x, y: (g, g),
             vjp_raw=lambda g, ans, x, y: (g if x._tid else None, g if y._tid else None),
             jvp=lambda ts, ans, x, y: _sum_tangents(*ts), dtypes="numeric")

subtract = binary("subtract", ufunc2("subtract"),
                  vjp=lambda g, ans, x, y: (g, -g if y._tid else None),
                  vjp_raw=lambda g, ans, x, y: (g if x._tid else None,
                                                hostcache.negative(g) if y._tid else None),
                  jvp=lambda ts, ans, x, y: _sum_tangents(ts[0], None if ts[1] is None else -ts[1]))

multiply = _linear_binary("multiply", ufunc2("multiply"),
                          lambda ans, x, y: y, lambda ans, x, y: x, dtypes="any",
                          raw=lambda g, ans, x, y: (hostcache.multiply(g, y._data) if x._tid else None,
                                                    hostcache.multiply(g, x._data) if y._tid else None))


_true_divide = ufunc2("true_divide")


def _div_fwd(xp, x, y):
    if x.dtype.kind in "iu":  # TF: integer truediv gives floats
        return xp.true_divide(x, y).astype(np.float64 if x.dtype.itemsize > 2 else np.float32)
    return _true_divide(xp, x, y)


def _div_raw(g, ans, x, y):
    gx = hostcache.divide(g, y._data)
    if not y._tid:
        return gx, None
    gy = hostcache.multiply(gx, ans)
    gy *= -1
    return (gx if x._tid else None), gy


divide = _linear_binary("divide", _div_fwd,
                        lambda ans, x, y: reciprocal(y), lambda ans, x, y: -ans / y, raw=_div_raw)
truediv = divide


def _floordiv_fwd(xp, x, y):
    return xp.floor_divide(x, y)


floordiv = binary("floordiv", _floordiv_fwd)
floor_div = floordiv

# TF's FloorMod gradient: d/dx = 1, d/dy = -floor(x / y)
mod = binary("mod", lambda xp, x, y: xp.mod(x, y),
             vjp=lambda g, ans, x, y: (g, -g * floor(x / y)),
             jvp=lambda ts, ans, x, y: _sum_tangents(ts[0], None if ts[1] is None else -ts[1] * floor(x / y)),
             domain="mod", dtypes="numeric")
floormod = mod

negative = unary("negative", ufunc1("negative"),
                 vjp=lambda g, ans, x: (-g,), jvp=lambda ts, ans, x: -ts[0], dtypes="numeric",
                 vjp_raw=lambda g, ans, x: (hostcache.negative(g),))
neg = negative

reciprocal = _linear_unary("reciprocal", ufunc1("reciprocal"),
                           lambda ans, x: -ans * ans, domain="nonzero")

abs = _linear_unary("abs", lambda xp, x: xp.abs(x), lambda ans, x: sign(x),  # noqa: A001
                    dtypes="numeric", domain="nonzero")

# TF's Sign gradient is zero everywhere
sign = unary("sign", lambda xp, x: xp.sign(x),
             vjp=lambda g, ans, x: (g * 0,), jvp=lambda ts, ans, x: ts[0] * 0,
             dtypes="numeric", domain="nonzero")

def _times(out, g):
    """``out * g``, in place when ``out`` (a temporary) already has the result's shape;
    ``g`` may carry extra leading (batch) dimensions, and then a new array is needed."""
    if getattr(out, "shape", None) == getattr(g, "shape", ()) and not isinstance(out, np.generic):
        out *= g
        return out
    return out * g


def _square_raw(g, ans, x):
    out = hostcache.multiply(g, x)
    out *= 2
    return out


def _sqrt_raw(g, ans, x):
    out = hostcache.divide(g, ans)
    out *= 0.5
    return out


def _tanh_raw(g, ans, x):
    out = hostcache.multiply(ans, ans)  # g * (1 - ans^2), one temporary
    (np if type(out) is np.ndarray else backend.xp_of(out)).subtract(1, out, out=out)
    return _times(out, g)


def _sigmoid_raw(g, ans, x):
    out = 1 - ans
    out *= ans
    return _times(out, g)


def _exp_raw(g, ans, x):
    return hostcache.multiply(g, ans)


square = _linear_unary("square", ufunc1("square"), lambda ans, x: 2 * x, dtypes="numeric",
                       raw=_square_raw)
sqrt = _linear_unary("sqrt", ufunc1("sqrt"), lambda ans, x: 0.5 / ans, domain="positive",
                     raw=_sqrt_raw)
rsqrt = _linear_unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x),
                      lambda ans, x: -0.5 * ans * ans * ans, domain="positive")
exp = _linear_unary("exp", ufunc1("exp"), lambda ans, x: ans, raw=_exp_raw)
expm1 = _linear_unary("expm1", ufunc1("expm1"), lambda ans, x: ans + 1)
log = _linear_unary("log", ufunc1("log"), lambda ans, x: reciprocal(x), domain="positive",
                    raw=lambda g, ans, x: hostcache.divide(g, x))
log1p = _linear_unary("log1p", ufunc1("log1p"), lambda ans, x: reciprocal(x + 1),
                      domain="greater_than_minus_one")


def _pow_fwd(xp, x, y):
    if x.dtype.kind in "iu" and np.any(y < 0):
        raise ValueError("pow: integers to negative integer powers are not allowed")
    return xp.power(x, y)


def _pow_dy(ans, x, y):
    # TF's rule: log(x) taken as 0 where x <= 0, so the y-gradient is finite there
    safe = where(x > 0, x, ones_like(x))
    return ans * where(x > 0, log(safe), zeros_like(x))


pow = _linear_binary("pow", _pow_fwd,  # noqa: A001
                     lambda ans, x, y: y * pow(x, y - 1), _pow_dy, domain="positive_x")

def _sin_raw(g, ans, x):
    return _times(np.cos(x), g)


def _cos_raw(g, ans, x):
    out = np.sin(x)
    out *= -1
    return _times(out, g)


sin = _linear_unary("sin", ufunc1("sin"), lambda ans, x: cos(x), raw=_sin_raw)
cos = _linear_unary("cos", ufunc1("cos"), lambda ans, x: -sin(x), raw=_cos_raw)
tan = _linear_unary("tan", lambda xp, x: xp.tan(x), lambda ans, x: 1 + ans * ans, domain="tan")
asin = _linear_unary("asin", lambda xp, x: xp.arcsin(x), lambda ans, x: rsqrt(1 - x * x),
                     domain="open_unit")
acos = _linear_unary("acos", lambda xp, x: xp.arccos(x), lambda ans, x: -rsqrt(1 - x * x),
                     domain="open_unit")
atan = _linear_unary("atan", lambda xp, x: xp.arctan(x), lambda ans, x: reciprocal(1 + x * x))
sinh = _linear_unary("sinh", lambda xp, x: xp.sinh(x), lambda ans, x: cosh(x))
cosh = _linear_unary("cosh", lambda xp, x: xp.cosh(x), lambda ans, x: sinh(x))
tanh = _linear_unary("tanh", ufunc1("tanh"), lambda ans, x: 1 - ans * ans, raw=_tanh_raw)
asinh = _linear_unary("asinh", lambda xp, x: xp.arcsinh(x), lambda ans, x: rsqrt(x * x + 1))
acosh = _linear_unary("acosh", lambda xp, x: xp.arccosh(x), lambda ans, x: rsqrt(x * x - 1),
                      domain="greater_than_one")
atanh = _linear_unary("atanh", lambda xp, x: xp.arctanh(x), lambda ans, x: reciprocal(1 - x * x),
                      domain="open_unit")
atan2 = _linear_binary("atan2", lambda xp, y, x: xp.arctan2(y, x),
                       lambda ans, y, x: x / (x * x + y * y),
                       lambda ans, y, x: -y / (x * x + y * y), dtypes="real", argnames=("y", "x"),
                       domain="nonzero")


def _sigmoid_fwd(xp, x):
    # exp of a non-positive number only: no overflow for large |x|
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _softplus_fwd(xp, x):
    return (xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)


sigmoid = _linear_unary("sigmoid", _sigmoid_fwd, lambda ans, x: ans * (1 - ans), raw=_sigmoid_raw)
log_sigmoid = _linear_unary("log_sigmoid", lambda xp, x: -_softplus_fwd(xp, -x),
                            lambda ans, x: sigmoid(-x))
def _softplus_raw(g, ans, x):
    out = _sigmoid_fwd(np if isinstance(x, (np.ndarray, np.generic)) else backend.xp_of(x), x)
    return _times(out, g)


softplus = _linear_unary("softplus", _softplus_fwd, lambda ans, x: sigmoid(x), raw=_softplus_raw)

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
erf = _linear_unary("erf", lambda xp, x: _special(xp).erf(x),
                    lambda ans, x: _TWO_OVER_SQRT_PI * exp(-x * x))
erfc = _linear_unary("erfc", lambda xp, x: _special(xp).erfc(x),
                     lambda ans, x: -_TWO_OVER_SQRT_PI * exp(-x * x))
lgamma = _linear_unary("lgamma", lambda xp, x: _special(xp).gammaln(x), lambda ans, x: digamma(x),
                       domain="positive")
digamma = _linear_unary("digamma", lambda xp, x: _special(xp).digamma(x),
                        lambda ans, x: polygamma(1, x), domain="positive")


def _polygamma_fwd(xp, a, x):
    # TF: NaN where the order a is not a non-negative integer
    valid = (a == xp.floor(a)) & (a >= 0)
    order = xp.where(valid, a, 0).astype(np.int64)
    out = _special(xp).polygamma(order, x).astype(x.dtype, copy=False)
    return xp.where(valid, out, xp.asarray(np.nan, x.dtype))


# polygamma(a, x): differentiable in x only (a is an order, TF gives it no gradient)
polygamma = binary("polygamma", _polygamma_fwd,
                   vjp=lambda g, ans, a, x: (None, g * polygamma(a + 1, x)),
                   jvp=lambda ts, ans, a, x: None if ts[1] is None else ts[1] * polygamma(a + 1, x),
                   dtypes="real", argnames=("a", "x"), domain="polygamma")


def _xlogy_fwd(xp, x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.where(x == 0, xp.zeros((), x.dtype), x * xp.log(y)).astype(x.dtype, copy=False)


def _xlog1py_fwd(xp, x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.where(x == 0, xp.zeros((), x.dtype), x * xp.log1p(y)).astype(x.dtype, copy=False)


def _xdivy_fwd(xp, x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.where(x == 0, xp.zeros((), x.dtype), x / y).astype(x.dtype, copy=False)


def _nonzero(x):
    return cast(not_equal(x, 0), x.dtype)


# TF's rules: partial_x = xlogy(x != 0, y), partial_y = xdivy(x, y)
xlogy = _linear_binary("xlogy", _xlogy_fwd,
                       lambda ans, x, y: xlogy(_nonzero(x), y), lambda ans, x, y: xdivy(x, y),
                       dtypes="float", domain="positive_y")
xlog1py = _linear_binary("xlog1py", _xlog1py_fwd,
                         lambda ans, x, y: xlog1py(_nonzero(x), y), lambda ans, x, y: xdivy(x, y + 1),
                         dtypes="float", domain="positive_y")
xdivy = _linear_binary("xdivy", _xdivy_fwd,
                       lambda ans, x, y: xdivy(_nonzero(x), y), lambda ans, x, y: xdivy(-x, y * y),
                       dtypes="float", domain="nonzero_y")


def _div_no_nan_fwd(xp, x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.where(y == 0, xp.zeros((), x.dtype), x / xp.where(y == 0, xp.ones((), y.dtype), y)
                        ).astype(x.dtype, copy=False)


# TF: gx = div_no_nan(g, y), gy = g * div_no_nan(div_no_nan(-x, y), y)
divide_no_nan = _linear_binary("divide_no_nan", _div_no_nan_fwd,
                               lambda ans, x, y: divide_no_nan(ones_like(y), y),
                               lambda ans, x, y: divide_no_nan(divide_no_nan(-x, y), y),
                               dtypes="float", domain="nonzero_y")
div_no_nan = divide_no_nan

squared_difference = _linear_binary("squared_difference", lambda xp, x, y: xp.square(x - y),
                                    lambda ans, x, y: 2 * (x - y), lambda ans, x, y: 2 * (y - x))


# TF's tie rules: maximum sends the gradient to x where x >= y, minimum where x <= y
def _select_rules(cmp):
    def vjp(g, ans, x, y):
        # multiplying by the 0/1 mask is several times faster than where() on large arrays
        gx = g * cast(cmp(x, y), g.dtype)
        return gx, (g - gx) if y._tid else None

    def jvp(ts, ans, x, y):
        tx, ty = ts
        m = cmp(x, y)
        tx = zeros_like(ans) if tx is None else tx
        ty = zeros_like(ans) if ty is None else ty
        return where(m, tx, ty)
    return vjp, jvp


def _select_raw(cmp):
    def raw(g, ans, x, y):
        gx = g * cmp(x._data, y._data)
        return (gx if x._tid else None), ((g - gx) if y._tid else None)
    return raw


_max_vjp, _max_jvp = _select_rules(lambda x, y: greater_equal(x, y))
_min_vjp, _min_jvp = _select_rules(lambda x, y: less_equal(x, y))
maximum = binary("maximum", ufunc2("maximum"), _max_vjp, _max_jvp, domain="ties",
                 vjp_raw=_select_raw(lambda x, y: x >= y))
minimum = binary("minimum", ufunc2("minimum"), _min_vjp, _min_jvp, domain="ties",
                 vjp_raw=_select_raw(lambda x, y: x <= y))

# ---------------------------------------------------------------------------
# rounding and predicates: no gradient (TF returns None for floor, ceil, round)

floor = unary("floor", lambda xp, x: xp.floor(x))
ceil = unary("ceil", lambda xp, x: xp.ceil(x))
# TF rounds half to even, as NumPy does
round = unary("round", lambda xp, x: xp.round(x), dtypes="numeric")  # noqa: A001
rint = round
is_nan = unary("is_nan", lambda xp, x: xp.isnan(x))
is_finite = unary("is_finite", lambda xp, x: xp.isfinite(x))
is_inf = unary("is_inf", lambda xp, x: xp.isinf(x))
logical_not = unary("logical_not", lambda xp, x: xp.logical_not(x), dtypes="bool")
logical_and = binary("logical_and", lambda xp, x, y: xp.logical_and(x, y), dtypes="bool")
logical_or = binary("logical_or", lambda xp, x, y: xp.logical_or(x, y), dtypes="bool")
logical_xor = binary("logical_xor", lambda xp, x, y: xp.logical_xor(x, y), dtypes="bool")
equal = binary("equal", lambda xp, x, y: xp.equal(x, y), dtypes="any")
not_equal = binary("not_equal", lambda xp, x, y: xp.not_equal(x, y), dtypes="any")
less = binary("less", lambda xp, x, y: xp.less(x, y))
less_equal = binary("less_equal", lambda xp, x, y: xp.less_equal(x, y))
greater = binary("greater", lambda xp, x, y: xp.greater(x, y))
greater_equal = binary("greater_equal", lambda xp, x, y: xp.greater_equal(x, y))
bitwise_and = binary("bitwise_and", lambda xp, x, y: xp.bitwise_and(x, y), dtypes="int")
bitwise_or = binary("bitwise_or", lambda xp, x, y: xp.bitwise_or(x, y), dtypes="int")

# ---------------------------------------------------------------------------
# where, cast, clip

from . import _define  # noqa: E402
from .. import core  # noqa: E402

_where_op = core.defop(
    "where",
    lambda xp, c, x, y: xp.where(c, x, y),
    vjp=lambda g, ans, c, x, y: (None, where(c, g, zeros_like(g)) if x._tid else None,
                                 where(c, zeros_like(g), g) if y._tid else None),
    jvp=lambda ts, ans, c, x, y: where(c, zeros_like(ans) if ts[1] is None else ts[1],
                                       zeros_like(ans) if ts[2] is None else ts[2]),
    broadcasts=True, dtypes="any", domain="where")


@core.dispatchable
def where(condition, x=None, y=None, name=None):
    """``where(condition, x, y)`` picks from ``x`` where ``condition`` is true, else ``y``
    (broadcasting). With only ``condition``, the indices of true elements, shape ``[n, rank]``.

    Gradients flow only to the picked branch, but a branch that is NaN or Inf
    where it is not picked still poisons the gradient (as in TF): ``where(x > 0,
    log(x), 0.)`` has a NaN gradient at ``x <= 0``. The safe pattern makes the
    unpicked branch finite first: ``safe = where(x > 0, x, 1.); where(x > 0, log(safe), 0.)``.
    """
    if x is None and y is None:
        c = convert_to_tensor(condition)
        xp = c.xp
        return core.wrap(xp.stack(xp.nonzero(c._data), axis=-1).astype(np.int64))
    if x is None or y is None:
        raise ValueError("where: x and y must both be given, or neither")
    c = convert_to_tensor(condition)
    if c.dtype.kind != "b":
        raise TypeError(f"where: condition must be bool, got {c.dtype}")
    x, y = core.binary_arrays(x, y, "where")
    try:
        return core.apply(_where_op, (c, x, y))
    except ValueError:
        raise ValueError(f"where: shapes condition={c.shape}, x={x.shape}, y={y.shape} "
                         "are not broadcast-compatible") from None


def _cast_fwd(xp, x, dtype):
    if x.dtype.kind in "fc" and dtype.kind in "iu":
        return x.astype(dtype)  # TF truncates toward zero, as astype does
    return x.astype(dtype)


_cast_op = core.defop(
    "cast", _cast_fwd,
    vjp=lambda g, ans, x, dtype: (cast(g, x.dtype) if x.dtype.kind in "fc" else None,),
    vjp_raw=lambda g, ans, x, dtype: (g.astype(x.dtype) if x.dtype.kind in "fc" else None,),
    jvp=lambda ts, ans, x, dtype: cast(ts[0], dtype) if dtype.kind in "fc" else None,
    dtypes="any", domain="real")


@core.dispatchable
def cast(x, dtype, name=None):
    """``x`` converted to ``dtype``. Gradients flow between floating dtypes only."""
    from ..dtypes import as_dtype
    x = convert_to_tensor(x)
    dtype = as_dtype(dtype)
    if x._data.dtype == dtype:
        return x
    return core.apply(_cast_op, (x,), {"dtype": dtype})


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clip ``t`` to ``[clip_value_min, clip_value_max]``. The gradient reaches ``t`` where it is
    inside the interval, boundaries included (TF's rule)."""
    t = convert_to_tensor(t)
    return minimum(maximum(t, clip_value_min), clip_value_max)


@core.dispatchable
def zeros_like(x, dtype=None, name=None):
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    xp = x.xp
    return core.wrap_constant(xp.zeros(x._data.shape, x._data.dtype if dtype is None else as_dtype(dtype)))


@core.dispatchable
def ones_like(x, dtype=None, name=None):
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    xp = x.xp
    return core.wrap_constant(xp.ones(x._data.shape, x._data.dtype if dtype is None else as_dtype(dtype)))


def add_n(inputs, name=None):
    """The sum of a list of tensors of one shape and dtype."""
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors")
    out = inputs[0]
    for t in inputs[1:]:
        out = add(out, t)
    return out if isinstance(out, Tensor) else convert_to_tensor(out)


del _define

__all__ = [
    "abs",
    "acos",
    "acosh",
    "add",
    "add_n",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "bitwise_and",
    "bitwise_or",
    "cast",
    "ceil",
    "clip_by_value",
    "cos",
    "cosh",
    "digamma",
    "div_no_nan",
    "divide",
    "divide_no_nan",
    "equal",
    "erf",
    "erfc",
    "exp",
    "expm1",
    "floor",
    "floor_div",
    "floordiv",
    "floormod",
    "greater",
    "greater_equal",
    "is_finite",
    "is_inf",
    "is_nan",
    "less",
    "less_equal",
    "lgamma",
    "log",
    "log1p",
    "log_sigmoid",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "mod",
    "multiply",
    "neg",
    "negative",
    "not_equal",
    "ones_like",
    "polygamma",
    "pow",
    "reciprocal",
    "rint",
    "round",
    "rsqrt",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "softplus",
    "sqrt",
    "square",
    "squared_difference",
    "subtract",
    "tan",
    "tanh",
    "truediv",
    "where",
    "xdivy",
    "xlog1py",
    "xlogy",
    "zeros_like",
]
