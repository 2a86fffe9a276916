"""tnp's elementwise math: NumPy's ufuncs on tensors, operands promoted by NumPy's rules
(:mod:`.dtypes`), ints and bools taken to float64 where the result is a float; built from wb ops,
so they differentiate where the TF ops do.

>>> from workbench.experimental import numpy as tnp
>>> tnp.add(tnp.ones(2, tnp.float32), 1.5).dtype       # a Python number is weak
wb.float32
"""

import builtins

import numpy as np

from ... import bitwise as tf_bitwise
from ... import core
from ...ops import elementwise as ew
from ...ops import tf_extra
from ...ops.control_flow import while_loop
from ...ops.reduce import reduce_all, reduce_any
from ...ops.shape import broadcast_to, identity
from ...ops.truncate import truncatediv
from .dtypes import asarray, is_inexact, operands, to_float

_UNARY_FLOAT = ["sqrt", "exp", "expm1", "log", "log1p", "log2", "log10", "exp2", "sin", "cos", "tan",
                "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
                "cbrt", "deg2rad", "rad2deg", "sinc", "ceil", "floor", "fix"]
__all__ = _UNARY_FLOAT + [
    "abs", "absolute", "fabs", "negative", "positive", "square", "sign", "reciprocal", "conj", "conjugate",
    "real", "imag", "angle", "isfinite", "isinf", "isnan", "isneginf", "isposinf", "signbit", "iscomplex",
    "isreal", "iscomplexobj", "isrealobj", "logical_not", "bitwise_not", "around", "round",
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "remainder", "divmod",
    "power", "float_power", "maximum", "minimum", "arctan2", "hypot", "logaddexp", "logaddexp2",
    "heaviside", "nextafter", "gcd", "lcm", "equal", "not_equal", "greater", "greater_equal", "less",
    "less_equal", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
    "isclose", "allclose", "array_equal", "clip", "polyval"]


def _const(value, like):
    return core.constant(np.asarray(value, like.dtype.as_numpy_dtype))


def _floaty(x):
    return to_float(asarray(x))


def _log_base(t, base):
    return ew.divide(ew.log(t), _const(np.log(base), t))


_FLOAT_RULES = {
    "sqrt": ew.sqrt, "exp": ew.exp, "expm1": ew.expm1, "log": ew.log, "log1p": ew.log1p,
    "log2": lambda t: _log_base(t, 2.0), "log10": lambda t: _log_base(t, 10.0),
    "exp2": lambda t: ew.pow(_const(2.0, t), t),
    "sin": ew.sin, "cos": ew.cos, "tan": ew.tan, "arcsin": ew.asin, "arccos": ew.acos, "arctan": ew.atan,
    "sinh": ew.sinh, "cosh": ew.cosh, "tanh": ew.tanh, "arcsinh": ew.asinh, "arccosh": ew.acosh,
    "arctanh": ew.atanh,
    "cbrt": lambda t: ew.multiply(ew.sign(t), ew.pow(ew.abs(t), _const(1.0 / 3.0, t))),
    "deg2rad": lambda t: ew.multiply(t, _const(np.pi / 180.0, t)),
    "rad2deg": lambda t: ew.multiply(t, _const(180.0 / np.pi, t)),
    "ceil": ew.ceil, "floor": ew.floor,
    "fix": lambda t: ew.where(t < _const(0, t), ew.ceil(t), ew.floor(t)),
}


def _sinc(t):
    """sin(pi x) / (pi x), 1 at 0; the 0 is kept out of the division so its gradient is finite."""
    zero = ew.equal(t, _const(0, t))
    safe = ew.where(zero, ew.ones_like(t), t)
    px = ew.multiply(safe, _const(np.pi, t))
    return ew.where(zero, ew.ones_like(t), ew.divide(ew.sin(px), px))


_FLOAT_RULES["sinc"] = _sinc


def _float_unary(name):
    rule = _FLOAT_RULES[name]

    def fn(x):
        return rule(_floaty(x))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"NumPy's ``{name}`` elementwise (ints and bools as float64)."
    return fn


for _name in _UNARY_FLOAT:
    globals()[_name] = _float_unary(_name)


def abs(x):
    """``|x|`` (the modulus of a complex number, a real)."""
    t = asarray(x)
    return t if t.dtype.kind in "bu" else ew.abs(t)


absolute = abs
fabs = abs


def negative(x):
    """``-x``."""
    t = asarray(x)
    if t.dtype.kind == "b":
        raise TypeError("negative: x is a bool tensor; use logical_not to invert it")
    return ew.negative(t)


def positive(x):
    """``+x`` (a copy)."""
    return identity(asarray(x))


def square(x):
    """``x * x``."""
    t = asarray(x)
    return ew.logical_and(t, t) if t.dtype.kind == "b" else ew.square(t)


def sign(x, out=None, where=None, **kwargs):
    """-1, 0 or 1 by the sign of ``x`` (``x / |x|`` for complex)."""
    if out is not None:
        raise ValueError("sign: setting out is not supported")
    if where is not None:
        raise ValueError("sign: setting where is not supported")
    if kwargs:
        raise TypeError(f"sign: unexpected keyword arguments {sorted(kwargs)}")
    return ew.sign(asarray(x))


def reciprocal(x):
    """``1 / x``; for integers C's truncating division, as NumPy's."""
    t = asarray(x)
    if t.dtype.kind in "iub":
        return truncatediv(_const(1, t), t)
    return ew.reciprocal(t)


def conj(x):
    """The complex conjugate (a real tensor as it is)."""
    t = asarray(x)
    return tf_extra.conj(t) if t.dtype.kind == "c" else t


conjugate = conj


def real(val):
    """The real part (a real tensor as it is)."""
    t = asarray(val)
    return tf_extra.real(t) if t.dtype.kind == "c" else t


def imag(val):
    """The imaginary part (zeros of a real tensor's dtype)."""
    t = asarray(val)
    return tf_extra.imag(t) if t.dtype.kind == "c" else ew.zeros_like(t)


def angle(z, deg=False):
    """The argument of a complex number (0 or pi for reals); in degrees with ``deg``."""
    t = asarray(z)
    if t.dtype.kind == "c":
        out = ew.atan2(tf_extra.imag(t), tf_extra.real(t))
    else:
        t = to_float(t)
        out = ew.where(t < _const(0, t), _const(np.pi, t), _const(0.0, t))
    return ew.multiply(out, _const(180.0 / np.pi, out)) if deg else out


def _for_floats(name, test, fill):
    def fn(x):
        t = asarray(x)
        if not is_inexact(t):
            return core.constant(np.full(tuple(t.shape), fill))
        return test(t)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"NumPy's ``{name}`` elementwise (``{fill}`` for every int or bool)."
    return fn


isfinite = _for_floats("isfinite", ew.is_finite, True)
isinf = _for_floats("isinf", ew.is_inf, False)
isnan = _for_floats("isnan", ew.is_nan, False)
isneginf = _for_floats("isneginf", lambda t: ew.logical_and(ew.is_inf(t), t < _const(0, t)), False)
isposinf = _for_floats("isposinf", lambda t: ew.logical_and(ew.is_inf(t), t > _const(0, t)), False)


def signbit(x):
    """Whether the sign bit is set (True for -0.0, as NumPy's)."""
    t = asarray(x)
    if t.dtype.kind in "ub":
        return core.constant(np.zeros(tuple(t.shape), bool))
    if t.dtype.kind in "i":
        return t < _const(0, t)
    one = ew.ones_like(t)
    # 1 / -0.0 is -inf: the sign of zeros shows in the reciprocal
    return ew.logical_or(t < _const(0, t), ew.logical_and(ew.equal(t, _const(0, t)),
                                                        ew.divide(one, t) < _const(0, t)))


def iscomplex(x):
    """Elementwise: a non-zero imaginary part."""
    t = asarray(x)
    if t.dtype.kind != "c":
        return core.constant(np.zeros(tuple(t.shape), bool))
    return ew.not_equal(tf_extra.imag(t), _const(0, tf_extra.imag(t)))


def isreal(x):
    """Elementwise: a zero imaginary part."""
    return ew.logical_not(iscomplex(x))


def iscomplexobj(x):
    """Whether ``x`` has a complex dtype (a Python bool)."""
    return asarray(x).dtype.kind == "c"


def isrealobj(x):
    """Whether ``x`` has no complex dtype (a Python bool)."""
    return not iscomplexobj(x)


def logical_not(x):
    """``not x`` elementwise (non-zero is True)."""
    return ew.logical_not(_truth(asarray(x)))


def _truth(t):
    return t if t.dtype.kind == "b" else ew.not_equal(t, _const(0, t))


def bitwise_not(x):
    """``~x``: bit inversion of integers, negation of bools."""
    t = asarray(x)
    if t.dtype.kind == "b":
        return ew.logical_not(t)
    if t.dtype.kind not in "iu":
        raise TypeError(f"bitwise_not: x must have an integer or bool dtype, got {t.dtype}")
    return tf_bitwise.invert(t)


def around(a, decimals=0):
    """Round to ``decimals`` places, halves to even (NumPy's ``round``)."""
    t = asarray(a)
    if t.dtype.kind in "iub":
        if decimals >= 0:
            return t
        scale = 10.0 ** (-decimals)
        f = ew.cast(t, np.float64)
        return ew.cast(ew.multiply(ew.round(ew.divide(f, _const(scale, f))), _const(scale, f)), t.dtype)
    if t.dtype.kind == "c":
        return tf_extra.complex(around(tf_extra.real(t), decimals), around(tf_extra.imag(t), decimals))
    if decimals == 0:
        return ew.round(t)
    scale = _const(10.0 ** builtins.abs(decimals), t)
    if decimals > 0:
        return ew.divide(ew.round(ew.multiply(t, scale)), scale)
    return ew.multiply(ew.round(ew.divide(t, scale)), scale)


round = around   # noqa: A001  (NumPy's name)


def _binary(name, rule, doc):
    def fn(x1, x2):
        a, b = operands(x1, x2)
        return rule(a, b)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _bool_or(op, bool_op):
    return lambda a, b: bool_op(a, b) if a.dtype.kind == "b" else op(a, b)


def _no_bool(name, op):
    def rule(a, b):
        if a.dtype.kind == "b":
            raise TypeError(f"{name}: the operands are bools, which {name} does not take; use logical_xor or a cast")
        return op(a, b)
    return rule


add = _binary("add", _bool_or(ew.add, ew.logical_or), "``x1 + x2`` (``or`` for bools).")
subtract = _binary("subtract", _no_bool("subtract", ew.subtract), "``x1 - x2``.")
multiply = _binary("multiply", _bool_or(ew.multiply, ew.logical_and), "``x1 * x2`` (``and`` for bools).")
maximum = _binary("maximum", _bool_or(ew.maximum, ew.logical_or), "The elementwise larger (NaN wins, as NumPy's).")
minimum = _binary("minimum", _bool_or(ew.minimum, ew.logical_and), "The elementwise smaller (NaN wins, as NumPy's).")


def _true_divide(a, b):
    if not is_inexact(a):
        # TF's rule: 8- and 16-bit integers divide in float32, wider ones in float64
        want = np.float32 if a.dtype.kind in "iu" and a.dtype.itemsize <= 2 else np.float64
        a, b = ew.cast(a, want), ew.cast(b, want)
    return ew.divide(a, b)


true_divide = _binary("true_divide", _true_divide, "``x1 / x2``, a float (float64 for int32/int64, float32 for narrower ints).")
divide = _binary("divide", _true_divide, "As :func:`true_divide`.")


def _bools_as_int8(a, b):
    if a.dtype.kind == "b":
        return ew.cast(a, np.int8), ew.cast(b, np.int8)
    return a, b


def _floor_divide(a, b):
    return ew.floordiv(*_bools_as_int8(a, b))


def _mod(a, b):
    return ew.floormod(*_bools_as_int8(a, b))


floor_divide = _binary("floor_divide", _floor_divide, "``x1 // x2`` (rounding towards -inf).")
mod = _binary("mod", _mod, "``x1 % x2`` with the sign of ``x2`` (Python's and NumPy's).")
remainder = _binary("remainder", _mod, "As :func:`mod`.")


def divmod(x1, x2):  # noqa: A001  (NumPy's name)
    """``(floor_divide(x1, x2), mod(x1, x2))``."""
    return floor_divide(x1, x2), mod(x1, x2)


def _power(a, b):
    if a.dtype.kind == "b":
        a, b = ew.cast(a, np.int8), ew.cast(b, np.int8)
    return ew.pow(a, b)


power = _binary("power", _power, "``x1 ** x2``.")
float_power = _binary("float_power", _power, "``x1 ** x2`` (TF's: in the operands' promoted dtype).")


def _float_binary(name, rule, doc):
    def fn(x1, x2):
        a, b = (to_float(t) for t in operands(x1, x2))
        return rule(a, b)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _hypot(a, b):
    """``sqrt(a**2 + b**2)`` scaled by the larger magnitude (no overflow; gradient finite at 0)."""
    aa, bb = ew.abs(a), ew.abs(b)
    big, small = ew.maximum(aa, bb), ew.minimum(aa, bb)
    zero = ew.equal(big, _const(0, big))
    safe = ew.where(zero, ew.ones_like(big), big)
    ratio = ew.divide(small, safe)
    return ew.where(zero, ew.zeros_like(big), ew.multiply(safe, ew.sqrt(ew.add(ew.ones_like(ratio), ew.square(ratio)))))


def _logaddexp(a, b):
    big = ew.maximum(a, b)
    finite = ew.where(ew.is_finite(big), big, ew.zeros_like(big))
    return ew.add(finite, ew.log(ew.add(ew.exp(ew.subtract(a, finite)), ew.exp(ew.subtract(b, finite)))))


def _logaddexp2(a, b):
    ln2 = _const(np.log(2.0), a)
    return ew.divide(_logaddexp(ew.multiply(a, ln2), ew.multiply(b, ln2)), ln2)


arctan2 = _float_binary("arctan2", ew.atan2, "The angle of the point ``(x2, x1)`` (``atan(x1 / x2)`` by quadrant).")
hypot = _float_binary("hypot", _hypot, "``sqrt(x1**2 + x2**2)`` without overflow.")
logaddexp = _float_binary("logaddexp", _logaddexp, "``log(exp(x1) + exp(x2))`` without overflow.")
logaddexp2 = _float_binary("logaddexp2", _logaddexp2, "``log2(2**x1 + 2**x2)`` without overflow.")


def heaviside(x1, x2):
    """0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``."""
    a, b = (to_float(t) for t in operands(x1, x2))
    zero = _const(0, a)
    steps = ew.where(a < zero, ew.zeros_like(a), ew.ones_like(a))
    return ew.where(ew.equal(a, zero), b + ew.zeros_like(a), steps + ew.zeros_like(b))


def nextafter(x1, x2):
    """The next float after ``x1`` towards ``x2``."""
    a, b = (to_float(t) for t in operands(x1, x2))
    return tf_extra.nextafter(a, b)


def _integers(name, x1, x2):
    a, b = operands(x1, x2)
    if a.dtype.kind not in "iu":
        raise ValueError(f"{name}: the arguments must be integers, got dtype {a.dtype}")
    return a, b


def gcd(x1, x2):
    """The greatest common divisor of ``|x1|`` and ``|x2|`` (Euclid's algorithm, elementwise)."""
    a, b = _integers("gcd", x1, x2)
    shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    a, b = broadcast_to(ew.abs(a), shape), broadcast_to(ew.abs(b), shape)
    zero = _const(0, a)

    def cond(x, y):
        return reduce_any(ew.not_equal(y, zero))

    def body(x, y):
        nonzero = ew.not_equal(y, zero)
        safe = ew.where(nonzero, y, ew.ones_like(y))
        return ew.where(nonzero, y, x), ew.where(nonzero, ew.floormod(x, safe), y)

    return while_loop(cond, body, (a, b))[0]


def lcm(x1, x2):
    """The least common multiple of ``|x1|`` and ``|x2|`` (0 when either is 0)."""
    a, b = _integers("lcm", x1, x2)
    g = gcd(a, b)
    zero = ew.equal(g, _const(0, g))
    safe = ew.where(zero, ew.ones_like(g), g)
    return ew.abs(ew.multiply(ew.floordiv(a, safe), b))


def _compare(name, op):
    return _binary(name, op, f"NumPy's ``{name}`` elementwise (a bool tensor).")


equal = _compare("equal", ew.equal)
not_equal = _compare("not_equal", ew.not_equal)
greater = _compare("greater", ew.greater)
greater_equal = _compare("greater_equal", ew.greater_equal)
less = _compare("less", ew.less)
less_equal = _compare("less_equal", ew.less_equal)


def _logical(name, op):
    def fn(x1, x2):
        return op(_truth(asarray(x1)), _truth(asarray(x2)))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"NumPy's ``{name}`` (non-zero is True)."
    return fn


logical_and = _logical("logical_and", ew.logical_and)
logical_or = _logical("logical_or", ew.logical_or)
logical_xor = _logical("logical_xor", ew.logical_xor)


def _bitwise(name, int_op, bool_op):
    def rule(a, b):
        if a.dtype.kind == "b":
            return bool_op(a, b)
        if a.dtype.kind not in "iu":
            raise TypeError(f"{name}: the operands must have an integer or bool dtype, got {a.dtype}")
        return int_op(a, b)
    return _binary(name, rule, f"NumPy's ``{name}`` of integers (the logical one of bools).")


bitwise_and = _bitwise("bitwise_and", tf_bitwise.bitwise_and, ew.logical_and)
bitwise_or = _bitwise("bitwise_or", tf_bitwise.bitwise_or, ew.logical_or)
bitwise_xor = _bitwise("bitwise_xor", tf_bitwise.bitwise_xor, ew.logical_xor)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|a - b| <= atol + rtol * |b|`` elementwise (equal infinities are close)."""
    x, y = operands(a, b)
    if not is_inexact(x):
        x, y = ew.cast(x, np.float64), ew.cast(y, np.float64)
    diff = ew.abs(ew.subtract(x, y))
    tol = ew.add(_const(atol, diff), ew.multiply(_const(rtol, diff), ew.abs(y)))
    close = ew.logical_or(ew.equal(x, y), ew.less_equal(diff, tol))
    if equal_nan:
        close = ew.logical_or(close, ew.logical_and(ew.is_nan(x), ew.is_nan(y)))
    return close


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every pair is :func:`isclose` (a bool scalar tensor)."""
    return reduce_all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1, a2):
    """Whether the two have the same shape and elements (a bool scalar tensor)."""
    x, y = operands(a1, a2)
    if tuple(x.shape) != tuple(y.shape):
        return core.constant(np.asarray(False))
    return reduce_all(ew.equal(x, y))


def clip(a, a_min, a_max):
    """``a`` limited to ``[a_min, a_max]`` (either may be None)."""
    if a_min is None and a_max is None:
        raise ValueError("clip: a_min and a_max cannot both be None")
    values = [a] + [v for v in (a_min, a_max) if v is not None]
    ts = operands(*values)
    out = ts[0]
    rest = iter(ts[1:])
    if a_min is not None:
        out = ew.maximum(out, next(rest))
    if a_max is not None:
        out = ew.minimum(out, next(rest))
    return out


def polyval(p, x):
    """The polynomial with coefficients ``p`` (highest power first) at ``x`` (Horner's rule)."""
    coeffs = asarray(p)
    if coeffs.ndim != 1:
        raise ValueError(f"polyval: p must be a vector of coefficients, got shape {tuple(coeffs.shape)}")
    c, xs = operands(coeffs, x)
    out = ew.zeros_like(xs)
    for i in builtins.range(c.shape[0]):
        out = ew.add(ew.multiply(out, xs), c[i])
    return out

