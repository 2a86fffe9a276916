"""Elementwise math: one line per op, its derivative beside it.

Most ops here are defined by their partial derivatives ``dx(e, ans, x)``, written with an
interpreter ``e`` of array expressions (see ``rules``): the reverse rule is ``g * dx`` and
the forward rule ``t * dx``. Ops whose TF gradient has special cases (ties, zeros, safe
logs) write their rules out.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend, core
from ..core import Tensor, convert_to_tensor
from ..dtypes import as_dtype, np_dtype
from ..strings import compare as string_compare
from ._define import binary, ufunc1, ufunc2, unary
from .rules import TENSORS, multiply_no_nan_arrays

# ---------------------------------------------------------------------------
# helpers


def _linear_unary(name, fwd, d, **kw):
    """A unary op with derivative ``d(e, ans, x)``: rule ``g * d``, forward rule ``t * d``."""
    return unary(name, fwd,
                 rule=lambda e, needs, g, ans, x: (e.multiply(g, d(e, ans, x)),),
                 jvp=lambda ts, ans, x: ts[0] * d(TENSORS, ans, x), **kw)


def _linear_binary(name, fwd, dx, dy, conj_tangent=False, zero_tangents=False, **kw):
    """A binary op with partials ``dx(e, ans, x, y)`` and ``dy(e, ans, x, y)``; an input that
    wants no cotangent (a constant) costs nothing. ``conj_tangent``: for complex inputs the
    rule is TF's as written (not conjugated), so TF's forward mode, its transpose, multiplies
    tangents by the conjugate partials. ``zero_tangents``: an unwatched floating input counts
    with a zero tangent, as in TF's forward mode (0 times a partial that is inf is NaN)."""
    def partial(d, ans, x, y):
        p = d(TENSORS, ans, x, y)
        return _conj(p) if conj_tangent and p.dtype.kind == "c" else p

    def jvp(ts, ans, x, y):
        tx, ty = ts
        if zero_tangents and (tx is None) != (ty is None):
            if tx is None and x.dtype.kind in "fc":
                tx = zeros_like(x)
            elif ty is None and y.dtype.kind in "fc":
                ty = zeros_like(y)
        out = None if tx is None else tx * partial(dx, ans, x, y)
        if ty is not None:
            part = ty * partial(dy, ans, x, y)
            out = part if out is None else out + part
        return out
    return binary(name, fwd,
                  rule=lambda e, needs, g, ans, x, y: (e.multiply(g, dx(e, ans, x, y)) if needs[0] else None,
                                                       e.multiply(g, dy(e, ans, x, y)) if needs[1] else None),
                  jvp=jvp, **kw)


def _guarded_unary(name, fwd, d, **kw):
    """A unary op whose derivative ``d`` is infinite at a point (sqrt at 0, reciprocal at 0):
    as in TF's kernels (``SqrtGrad``, ``RsqrtGrad``, ``ReciprocalGrad``), where the incoming
    gradient is 0 the result is 0, not ``0 * inf = nan``, so ``where(x > 0, sqrt(x), 0)``
    has a finite gradient at 0. The forward rule guards a zero tangent the same way."""
    return unary(name, fwd,
                 rule=lambda e, needs, g, ans, x: (e.multiply_no_nan(d(e, ans, x), g),),
                 jvp=lambda ts, ans, x: multiply_no_nan(d(TENSORS, ans, x), ts[0]), **kw)


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

def _concat_strings(xp, a, b):
    out = np.add(a, b)   # object arrays of bytes: elementwise concatenation (a scalar for 0-d)
    return out if isinstance(out, np.ndarray) else np.array(out, dtype=object)


# TF's add of two string tensors concatenates them (tf.strings.join without a separator)
_string_add = binary("string_add", _concat_strings, dtypes="string", public="add")

add = binary("add", ufunc2("add"),
             rule=lambda e, needs, g, ans, x, y: (g if needs[0] else None, g if needs[1] else None),
             jvp=lambda ts, ans, x, y: _sum_tangents(*ts), strings=_string_add)

subtract = binary("subtract", ufunc2("subtract"),
                  rule=lambda e, needs, g, ans, x, y: (g if needs[0] else None,
                                                       e.negative(g) if needs[1] else None),
                  jvp=lambda ts, ans, x, y: _sum_tangents(ts[0], None if ts[1] is None else -ts[1]))

multiply = _linear_binary("multiply", ufunc2("multiply"),
                          lambda e, ans, x, y: y, lambda e, ans, x, y: x, dtypes="any", zero_tangents=True)



def _mul_no_nan_jvp(ts, ans, x, y):
    tx, ty = ts
    return _sum_tangents(None if tx is None else multiply_no_nan(tx, y),
                         None if ty is None else multiply_no_nan(x, ty))


# TF's MulNoNan and its gradient: gx = mul_no_nan(g, y), gy = mul_no_nan(x, g)
multiply_no_nan = binary("multiply_no_nan", lambda xp, x, y: multiply_no_nan_arrays(x, y),
                         rule=lambda e, needs, g, ans, x, y: (
                             e.multiply_no_nan(g, y) if needs[0] else None,
                             e.multiply_no_nan(x, g) if needs[1] else None),
                         jvp=_mul_no_nan_jvp, dtypes="float")
mul_no_nan = multiply_no_nan

_true_divide = ufunc2("true_divide")


def _div_fwd(xp, x, y):
    if x.dtype.kind in "iu":  # TF: integer truediv gives floats
        return xp.true_divide(x, y).astype(np.float64 if x.dtype.itemsize > 2 else np.float32)
    return _true_divide(xp, x, y)


_div_fwd.ufunc = "true_divide"  # on floating inputs


def _div_rule(e, needs, g, ans, x, y):
    # TF's RealDiv gradient: g / y and g * ((-x / y) / y) (its second derivatives at y == 0 too)
    return (e.divide(g, y) if needs[0] else None,
            e.multiply(g, e.divide(e.divide(e.negative(x), y), y)) if needs[1] else None)


def _div_jvp(ts, ans, x, y):
    tx, ty = ts
    # TF's forward mode gives an unwatched floating operand a zero tangent (0 * inf is NaN)
    if tx is None and x.dtype.kind in "fc":
        tx = zeros_like(x)
    elif ty is None and y.dtype.kind in "fc":
        ty = zeros_like(y)
    return _sum_tangents(None if tx is None else tx / y, None if ty is None else ty * ((-x / y) / y))


divide = binary("divide", _div_fwd, rule=_div_rule, jvp=_div_jvp)
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
                 rule=lambda e, needs, g, ans, x: (e.negative(g),), jvp=lambda ts, ans, x: -ts[0],
                 dtypes="numeric")
neg = negative

reciprocal = _guarded_unary("reciprocal", ufunc1("reciprocal"),
                           lambda e, ans, x: e.multiply(e.negative(ans), ans), domain="nonzero")

def _abs_rule(e, needs, g, ans, x):
    # complex x: TF's _ComplexAbsGrad, div_no_nan(complex(g, 0) * x, complex(|x|, 0))
    if x.dtype.kind == "c":
        return (e.divide_no_nan(e.multiply(e.cast(g, x.dtype), x), e.cast(ans, x.dtype)),)
    return (e.multiply(g, e.sign(x)),)


abs = unary("abs", lambda xp, x: xp.abs(x), rule=_abs_rule,  # noqa: A001
            jvp=lambda ts, ans, x: (divide_no_nan(_real(ts[0] * _conj(x)), ans) if x.dtype.kind == "c"
                                    else ts[0] * sign(x)),
            dtypes="numeric", domain="nonzero")


def _real(x):
    from .tf_extra import real   # circular import with tf_extra
    return real(x)


def _conj(x):
    from .tf_extra import conj   # circular import with tf_extra
    return conj(x)

# TF's Sign gradient is zero everywhere; its tangent None (the gradient does not depend on the
# incoming one, so TF's forward mode, the gradient's transpose, finds no connection)
_sign = unary("sign", lambda xp, x: xp.sign(x),
              vjp=lambda g, ans, x: (g * 0,), jvp=lambda ts, ans, x: None,
              dtypes="numeric", domain="nonzero")


def sign(x, name=None):
    """Elementwise sign (TF's ``tf.math.sign``): -1, 0 or 1; for complex ``x``, ``x / |x|`` (0 at
    0), computed as TF does, ``div_no_nan(x, |x|)``, so it has TF's complex gradient."""
    if not isinstance(x, Tensor):
        if getattr(x, "__wb_dispatch__", False):
            return core.dispatch(sign, (x,))
        x = convert_to_tensor(x)
    if x.dtype.kind == "c":
        return divide_no_nan(x, cast(abs(x), x.dtype))
    return _sign(x)


sign.op, sign.elementwise = _sign.op, True

square = _linear_unary("square", ufunc1("square"), lambda e, ans, x: e.multiply(x, 2), dtypes="numeric")
# TF's forward mode transposes SqrtGradGrad, 0.5 * (t / sqrt(x)): unguarded, NaN for a zero
# tangent at 0 (rsqrt's and reciprocal's stay guarded there)
sqrt = unary("sqrt", ufunc1("sqrt"),
             rule=lambda e, needs, g, ans, x: (e.multiply_no_nan(e.divide(0.5, ans), g),),
             jvp=lambda ts, ans, x: (ts[0] / ans) * 0.5, domain="positive")
rsqrt = _guarded_unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x),
                      lambda e, ans, x: e.multiply(e.multiply(e.multiply(ans, ans), ans), -0.5),
                      domain="positive")
exp = _linear_unary("exp", ufunc1("exp"), lambda e, ans, x: ans)
expm1 = _linear_unary("expm1", ufunc1("expm1"), lambda e, ans, x: e.add(ans, 1))
# TF's gradient, g * reciprocal(x): reciprocal's guarded rule keeps a masked log's second
# derivative finite at 0
log = unary("log", ufunc1("log"), rule=lambda e, needs, g, ans, x: (e.multiply(g, e.reciprocal(x)),),
            jvp=lambda ts, ans, x: ts[0] * reciprocal(x), domain="positive")
log1p = unary("log1p", ufunc1("log1p"),   # TF's gradient, g * reciprocal(1 + x), rounds as TF's
              rule=lambda e, needs, g, ans, x: (e.multiply(g, e.reciprocal(e.add(x, 1))),),
              jvp=lambda ts, ans, x: ts[0] / (x + 1), domain="greater_than_minus_one")


def _pow_fwd(xp, x, y):
    if x.dtype.kind in "iu" and np.any(y < 0):
        raise ValueError("pow: integers to negative integer powers are not allowed")
    out = xp.power(x, y)
    if out.dtype.kind == "c":   # TF's complex pow is exp(y log x): 0 ** 0 is NaN there, not 1
        out = xp.where((x == 0) & (y == 0), xp.asarray(complex(np.nan, np.nan), out.dtype), out)
    return out


def _pow_dy(e, ans, x, y):
    # TF's rule: log(x) taken as 0 where x <= 0 (complex x: where x == 0), so the y-gradient is
    # finite there
    positive = e.not_equal(x, 0) if x.dtype.kind == "c" else e.greater(x, 0)
    safe = e.where(positive, x, e.ones_like(x))
    return e.multiply(ans, e.where(positive, e.log(safe), e.zeros_like(x)))


pow = _linear_binary("pow", _pow_fwd,  # noqa: A001
                     lambda e, ans, x, y: e.multiply(y, e.pow(x, e.subtract(y, 1))), _pow_dy,
                     domain="positive_x", zero_tangents=True)

sin = _linear_unary("sin", ufunc1("sin"), lambda e, ans, x: e.cos(x))
cos = _linear_unary("cos", ufunc1("cos"), lambda e, ans, x: e.negative(e.sin(x)))
tan = _linear_unary("tan", lambda xp, x: xp.tan(x), lambda e, ans, x: e.add(1, e.multiply(ans, ans)),
                    domain="tan")
asin = _linear_unary("asin", lambda xp, x: xp.arcsin(x), lambda e, ans, x: e.rsqrt(e.subtract(1, e.multiply(x, x))),
                     domain="open_unit")
acos = _linear_unary("acos", lambda xp, x: xp.arccos(x),
                     lambda e, ans, x: e.negative(e.rsqrt(e.subtract(1, e.multiply(x, x)))),
                     domain="open_unit")
atan = _linear_unary("atan", lambda xp, x: xp.arctan(x),
                     lambda e, ans, x: e.reciprocal(e.add(1, e.multiply(x, x))))
sinh = _linear_unary("sinh", lambda xp, x: xp.sinh(x), lambda e, ans, x: e.cosh(x))
cosh = _linear_unary("cosh", lambda xp, x: xp.cosh(x), lambda e, ans, x: e.sinh(x))
tanh = _linear_unary("tanh", ufunc1("tanh"), lambda e, ans, x: e.subtract(1, e.multiply(ans, ans)))
asinh = _linear_unary("asinh", lambda xp, x: xp.arcsinh(x),
                      lambda e, ans, x: e.rsqrt(e.add(e.multiply(x, x), 1)))
acosh = _linear_unary("acosh", lambda xp, x: xp.arccosh(x),   # TF: 1 / sinh(acosh(x)), NaN below 1
                      lambda e, ans, x: e.reciprocal(e.sinh(ans)), domain="greater_than_one")
atanh = _linear_unary("atanh", lambda xp, x: xp.arctanh(x),
                      lambda e, ans, x: e.reciprocal(e.subtract(1, e.multiply(x, x))), domain="open_unit")


def _atan2_denominator(e, y, x):
    return e.add(e.multiply(x, x), e.multiply(y, y))


atan2 = _linear_binary("atan2", lambda xp, y, x: xp.arctan2(y, x),
                       lambda e, ans, y, x: e.divide(x, _atan2_denominator(e, y, x)),
                       lambda e, ans, y, x: e.divide(e.negative(y), _atan2_denominator(e, y, x)),
                       dtypes="real", argnames=("y", "x"), domain="nonzero")


def _sigmoid_fwd(xp, x):
    if x.dtype.kind == "c":
        return 1 / (1 + xp.exp(-x))
    # exp of a non-positive number only: no overflow for large |x|
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _softplus_fwd(xp, x):
    return (xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)


# TF's SigmoidGrad kernel multiplies in the order (g * y) * (1 - y): in half precision each
# product rounds, so the same order gives TF's values (and its second derivative)
sigmoid = unary("sigmoid", _sigmoid_fwd,
                rule=lambda e, needs, g, ans, x: (e.multiply(e.multiply(g, ans), e.subtract(1, ans)),),
                jvp=lambda ts, ans, x: ts[0] * ans * (1 - ans))
log_sigmoid = _linear_unary("log_sigmoid", lambda xp, x: -_softplus_fwd(xp, -x),
                            lambda e, ans, x: e.sigmoid(e.negative(x)))
_softplus = _linear_unary("softplus", _softplus_fwd, lambda e, ans, x: e.sigmoid(x))


def softplus(features, name=None):
    """``log(exp(features) + 1)``, stable for large ``features`` (TF's ``tf.math.softplus``)."""
    return _softplus(features)


softplus.op, softplus.elementwise = _softplus.op, True

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _gauss(e, x):
    return e.exp(e.negative(e.multiply(x, x)))


erf = _linear_unary("erf", lambda xp, x: _special(xp).erf(x).astype(x.dtype, copy=False),
                    lambda e, ans, x: e.multiply(_gauss(e, x), _TWO_OVER_SQRT_PI))
erfc = _linear_unary("erfc", lambda xp, x: _special(xp).erfc(x).astype(x.dtype, copy=False),
                     lambda e, ans, x: e.multiply(_gauss(e, x), -_TWO_OVER_SQRT_PI))
def _lgamma_fwd(xp, x):
    out = _special(xp).gammaln(x).astype(x.dtype, copy=False)   # bfloat16 in, bfloat16 out
    return xp.where(x == -np.inf, xp.asarray(np.inf, out.dtype), out)   # TF: lgamma(-inf) = inf


def _digamma_fwd(xp, x):
    # TF: NaN at the poles (0, -0, the negative integers, -inf)
    out = _special(xp).digamma(x).astype(x.dtype, copy=False)
    return xp.where((x <= 0) & (x == xp.floor(x)), xp.asarray(np.nan, out.dtype), out)


lgamma = _linear_unary("lgamma", _lgamma_fwd, lambda e, ans, x: e.digamma(x), domain="positive")
digamma = _linear_unary("digamma", _digamma_fwd, lambda e, ans, x: e.polygamma(1, x), domain="positive")


def _polygamma_fwd(xp, a, x):
    # TF: NaN where the order a is not a non-negative integer
    valid = (a == xp.floor(a)) & (a >= 0)
    order = xp.where(valid, a, 0).astype(np.int64)
    out = _special(xp).polygamma(order, x).astype(x.dtype, copy=False)
    # TF: at the poles (x a non-positive integer or -inf) NaN for an even order, inf for an odd one
    pole = (x <= 0) & (x == xp.floor(x)) & (order % 2 == 0)
    return xp.where(valid & ~pole, out, xp.asarray(np.nan, x.dtype))


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


def _nonzero(e, x):
    return e.cast(e.not_equal(x, 0), x.dtype)


# TF's rules: partial_x = xlogy(x != 0, y), partial_y = xdivy(x, y)
xlogy = _linear_binary("xlogy", _xlogy_fwd,
                       lambda e, ans, x, y: e.xlogy(_nonzero(e, x), y), lambda e, ans, x, y: e.xdivy(x, y),
                       dtypes="float", domain="positive_y", conj_tangent=True,
                       zero_tangents=True)
xlog1py = _linear_binary("xlog1py", _xlog1py_fwd,
                         lambda e, ans, x, y: e.xlog1py(_nonzero(e, x), y),
                         lambda e, ans, x, y: e.xdivy(x, e.add(y, 1)), dtypes="float", domain="positive_y",
                         conj_tangent=True, zero_tangents=True)
xdivy = _linear_binary("xdivy", _xdivy_fwd,
                       lambda e, ans, x, y: e.xdivy(_nonzero(e, x), y),
                       lambda e, ans, x, y: e.xdivy(e.negative(x), e.multiply(y, y)),
                       dtypes="float", domain="nonzero_y", conj_tangent=True,
                       zero_tangents=True)


def _div_no_nan_fwd(xp, x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.where(y == 0, xp.zeros((), x.dtype), x / xp.where(y == 0, xp.ones((), y.dtype), y)
                        ).astype(x.dtype, copy=False)


# TF: gx = div_no_nan(g, y), gy = g * div_no_nan(div_no_nan(-x, y), y)
divide_no_nan = _linear_binary("divide_no_nan", _div_no_nan_fwd,
                               lambda e, ans, x, y: e.divide_no_nan(e.ones_like(y), y),
                               lambda e, ans, x, y: e.divide_no_nan(e.divide_no_nan(e.negative(x), y), y),
                               dtypes="float", domain="nonzero_y")
div_no_nan = divide_no_nan

def _squared_difference_fwd(xp, x, y):
    d = x - y
    return d * xp.conj(d) if d.dtype.kind == "c" else xp.square(d)   # TF: |x - y|^2 for complex


squared_difference = _linear_binary("squared_difference", _squared_difference_fwd,
                                    lambda e, ans, x, y: e.multiply(e.subtract(x, y), 2),
                                    lambda e, ans, x, y: e.multiply(e.subtract(y, x), 2), conj_tangent=True)


# TF's tie rules: maximum sends the gradient to x where x >= y, minimum where x <= y
def _select(compare, other):
    def rule(e, needs, g, ans, x, y):
        # multiplying by the 0/1 mask is several times faster than where() on large arrays; the
        # no-NaN product gives 0 where the mask is 0 even for an infinite g, as TF's select does
        gx = e.multiply_no_nan(g, e.mask(getattr(e, compare)(x, y), g.dtype)) if needs[0] else None
        gy = e.multiply_no_nan(g, e.mask(getattr(e, other)(x, y), g.dtype)) if needs[1] else None
        return gx, gy

    def jvp(ts, ans, x, y):
        tx, ty = ts
        m = getattr(TENSORS, compare)(x, y)
        tx = zeros_like(ans) if tx is None else tx
        ty = zeros_like(ans) if ty is None else ty
        return where(m, tx, ty)
    return rule, jvp


_max_rule, _max_jvp = _select("greater_equal", "less")
_min_rule, _min_jvp = _select("less_equal", "greater")
maximum = binary("maximum", ufunc2("maximum"), rule=_max_rule, jvp=_max_jvp, domain="ties")
minimum = binary("minimum", ufunc2("minimum"), rule=_min_rule, jvp=_min_jvp, domain="ties")

# ---------------------------------------------------------------------------
# rounding and predicates: no gradient (TF returns None for floor, ceil, round)

floor = unary("floor", lambda xp, x: xp.floor(x))
ceil = unary("ceil", lambda xp, x: xp.ceil(x))
# TF rounds half to even, as NumPy does
round = unary("round", lambda xp, x: xp.round(x), dtypes="numeric")  # noqa: A001
rint = round


def _tf_predicate_refusal(tf_name):
    """TF's error for IsNan/IsFinite/IsInf of a dtype its kernels lack (complex, integer)."""
    def refusal(opname, what, dtype, kinds):
        from ..errors import InvalidArgumentError   # errors imports the ops
        dt = {"float16": "half"}.get(dtype.name, dtype.name)
        return InvalidArgumentError(
            None, None, f"Value for attr 'T' of {dt} is not in the list of allowed values: bfloat16, half, "
            f"float, double\n\t; NodeDef: {{{{node {tf_name}}}}}; Op<name={tf_name}; signature=x:T -> y:bool; "
            f"attr=T:type,allowed=[DT_BFLOAT16, DT_HALF, DT_FLOAT, DT_DOUBLE]> [Op:{tf_name}]")
    return refusal


# real floats only, as TF's kernels: complex and integer input raise TF's InvalidArgumentError
is_nan = unary("is_nan", lambda xp, x: xp.isnan(x), dtypes="real", refusal=_tf_predicate_refusal("IsNan"))
is_finite = unary("is_finite", lambda xp, x: xp.isfinite(x), dtypes="real",
                  refusal=_tf_predicate_refusal("IsFinite"))
is_inf = unary("is_inf", lambda xp, x: xp.isinf(x), dtypes="real", refusal=_tf_predicate_refusal("IsInf"))
logical_not = unary("logical_not", lambda xp, x: xp.logical_not(x), dtypes="bool")
logical_and = binary("logical_and", lambda xp, x, y: xp.logical_and(x, y), dtypes="bool")
logical_or = binary("logical_or", lambda xp, x, y: xp.logical_or(x, y), dtypes="bool")
logical_xor = binary("logical_xor", lambda xp, x, y: xp.logical_xor(x, y), dtypes="bool")
# string tensors compare as TF's Equal/NotEqual do on tf.string (reached only past the dtype check)
equal = binary("equal", lambda xp, x, y: xp.equal(x, y), dtypes="any", strings=string_compare.equal)
not_equal = binary("not_equal", lambda xp, x, y: xp.not_equal(x, y), dtypes="any",
                   strings=string_compare.not_equal)
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
        out = core.wrap(xp.stack(xp.nonzero(c._data), axis=-1).astype(np.int64))
        if core.tracing():   # TF's count is open
            core.static_result(out, (None, c._static_shape().rank))
        return out
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
    if xp is not np and dtype.name in ("bfloat16", "float8_e4m3fn", "float8_e5m2"):
        raise TypeError(f"cast: dtype {dtype.name} has no GPU arrays (CuPy has none); cast on the CPU "
                        f"(with wb.device('cpu'):) or to float16 or float32")
    if x.dtype.kind == "c" and dtype.kind != "c":
        x = x.real   # TF keeps the real part (NumPy would warn)
    if x.dtype.kind == "V" and dtype.kind in "iu":
        x = x.astype(np.float32)   # bfloat16 to integers as TF: through float (NaN -> INT_MIN on x86)
    if x.dtype.kind in "fc" and dtype.kind in "iu":
        return x.astype(dtype)  # TF truncates toward zero, as astype does
    return x.astype(dtype)


_cast_op = _define.defop(
    "cast", _cast_fwd,
    # kind "V": ml_dtypes' bfloat16, which carries gradients as TF's does
    rule=lambda e, needs, g, ans, x, dtype: (e.cast(g, x.dtype) if x.dtype.kind in "fcV" else None,),
    jvp=lambda ts, ans, x, dtype: cast(ts[0], dtype) if dtype.kind in "fcV" else None,
    dtypes="any", domain="real")


@core.dispatchable
def cast(x, dtype, name=None):
    """``x`` converted to ``dtype``. Gradients flow between floating dtypes only."""
    x = convert_to_tensor(x)
    dtype = np_dtype(dtype)
    if x._data.dtype == dtype:
        return x
    return core.apply(_cast_op, (x,), {"dtype": dtype})


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def saturate_cast(value, dtype, name=None):
    """``value`` cast to ``dtype``, first clamped to the values ``dtype`` can hold (TF's
    ``tf.dtypes.saturate_cast``: 300.0 -> 255 for uint8 instead of wrapping around). A complex
    value going to a real dtype keeps its real part. Gradients flow as through the clamp."""
    x = convert_to_tensor(value)
    out = np_dtype(dtype)
    src = x._data.dtype
    if src.kind == "c" and out.kind != "c":
        x = convert_to_tensor(x.numpy().real)   # TF's saturate_cast takes the real part
        src = x._data.dtype
    if _kind(out) in "biuf" and _kind(src) in "iuf" and out != src:
        info = np.iinfo(out) if out.kind in "iu" else _finfo(out)
        lo, hi = _bound_in(src, info.min, -1), _bound_in(src, info.max, 1)
        x = clip_by_value(x, lo, hi) if lo is not None else x
    return cast(x, out)


def _kind(dt):
    return "f" if dt.name == "bfloat16" else dt.kind   # ml_dtypes' bfloat16 has NumPy kind "V"


def _finfo(dt):
    return as_dtype(dt) if dt.name == "bfloat16" else np.finfo(dt)   # the DType has .min and .max


def _bound_in(src, bound, direction):
    """``bound`` as a value of dtype ``src`` that does not overshoot it (float32 rounds int32's
    max up to 2**31); None when ``src`` holds every value anyway."""
    if src.kind in "iu":
        sinfo = np.iinfo(src)
        if sinfo.min >= int(bound) if direction < 0 else sinfo.max <= int(bound):
            return None
        return np.array(int(bound), dtype=src)[()]
    sinfo = _finfo(src)
    if (float(sinfo.min) >= float(bound)) if direction < 0 else (float(sinfo.max) <= float(bound)):
        return None
    b = np.array(bound, dtype=src)[()]
    if (float(b) > float(bound)) if direction > 0 else (float(b) < float(bound)):
        b = np.nextafter(b, src.type(-direction * np.inf))
    return b


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clip ``t`` to ``[clip_value_min, clip_value_max]``. The gradient reaches ``t`` where it is
    inside the interval, boundaries included (TF's rule)."""
    if isinstance(t, Tensor) or not getattr(t, "__wb_dispatch__", False):   # a RaggedTensor stays one
        t = convert_to_tensor(t)
    out = minimum(maximum(t, clip_value_min), clip_value_max)
    if isinstance(t, Tensor) and t._data.shape != out._data.shape:   # TF: the bounds must not grow t
        given, got = t._static_shape(), out._static_shape()
        if not given.is_compatible_with(got):
            raise ValueError(f"Shapes {given} and {got} are incompatible")
    return out


def _static_dims(x):
    """``x``'s static shape in a trace (None sizes open), or None for an unknown rank."""
    s = x._static_shape()
    return None if s.rank is None else tuple(s.as_list())


@core.dispatchable
def zeros_like(input, dtype=None, name=None):  # noqa: A002 - TF's name
    x = input if isinstance(input, Tensor) else convert_to_tensor(input)
    xp = x.xp
    out = core.wrap_constant(xp.zeros(x._data.shape, x._data.dtype if dtype is None else np_dtype(dtype)))
    return core.static_result(out, _static_dims(x)) if core.tracing() else out


@core.dispatchable
def ones_like(input, dtype=None, name=None):  # noqa: A002 - TF's name
    x = input if isinstance(input, Tensor) else convert_to_tensor(input)
    xp = x.xp
    out = core.wrap_constant(xp.ones(x._data.shape, x._data.dtype if dtype is None else np_dtype(dtype)))
    return core.static_result(out, _static_dims(x)) if core.tracing() else out


def add_n(inputs, name=None):
    """The sum of a list of tensors of one shape and dtype."""
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors")
    if len(inputs) > 8 and getattr(getattr(inputs[0], "dtype", None), "name", None) == "bfloat16":
        # TF's AddN kernel: the first len % 8 (or 8) inputs in order, then each further group of 8
        # summed on its own and added; in bfloat16 each addition rounds, so the order shows
        first = len(inputs) % 8 or 8
        out = add_n(inputs[:first])
        for i in range(first, len(inputs), 8):
            out = add(out, add_n(inputs[i:i + 8]))
        return out
    out = inputs[0]
    for t in inputs[1:]:
        out = add(out, t)
    if core.open_shapes_traced() and isinstance(out, Tensor):   # TF's AddN: the inputs' one shape
        known = [s.as_list() for s in (t._static_shape() for t in inputs if isinstance(t, Tensor))
                 if s.rank is not None]
        if known and len(known) < len(inputs) and all(len(k) == len(known[0]) for k in known):
            core.static_result(out, tuple(next((d for d in column if d is not None), None) for column in zip(*known)))
    return out if isinstance(out, Tensor) or getattr(out, "__wb_dispatch__", False) else convert_to_tensor(out)


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
    "saturate_cast",
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
    "multiply_no_nan",
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
