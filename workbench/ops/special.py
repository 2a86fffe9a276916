"""Special functions for probability: the normal CDF family, inverse error functions,
incomplete gamma and beta functions and their inverses in ``x`` (quantile functions), ``lbeta``.

Log-space forms are computed directly (``log_ndtr`` never takes ``log(ndtr(x))``)
so densities and their gradients stay finite in the tails.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend, core
from ..core import apply, binary_arrays, convert_to_tensor, defop
from ._define import unary
from .elementwise import digamma, exp, lgamma, log, log1p, where, xlogy, xlog1py, zeros_like
from .random_gamma import _gamma_cdf_dalpha

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _sp(xp):
    return backend.scipy_special(xp)


def _std_normal_pdf(z):
    return exp(-0.5 * z * z) / _SQRT_2PI


ndtr = unary("ndtr", lambda xp, x: _sp(xp).ndtr(x).astype(x.dtype, copy=False),
             vjp=lambda g, ans, x: (g * _std_normal_pdf(x),),
             jvp=lambda ts, ans, x: ts[0] * _std_normal_pdf(x))
ndtr.__doc__ = "The standard normal CDF ``Phi(x)``."


def _log_ndtr_d(ans, x):
    # phi(x) / Phi(x) = exp(-x^2/2 - log Phi(x)) / sqrt(2 pi): finite far into the left tail
    return exp(-0.5 * x * x - ans - _LOG_SQRT_2PI)


log_ndtr = unary("log_ndtr", lambda xp, x: _sp(xp).log_ndtr(x).astype(x.dtype, copy=False),
                 vjp=lambda g, ans, x: (g * _log_ndtr_d(ans, x),),
                 jvp=lambda ts, ans, x: ts[0] * _log_ndtr_d(ans, x))
log_ndtr.__doc__ = "``log(Phi(x))``, accurate for large negative ``x``."


def _ndtri_d(ans):
    return _SQRT_2PI * exp(0.5 * ans * ans)


ndtri = unary("ndtri", lambda xp, x: _sp(xp).ndtri(x).astype(x.dtype, copy=False),
              vjp=lambda g, ans, x: (g * _ndtri_d(ans),),
              jvp=lambda ts, ans, x: ts[0] * _ndtri_d(ans), domain="unit_interval")
ndtri.__doc__ = "The inverse of the standard normal CDF."

_SQRT_PI_2 = math.sqrt(math.pi) / 2.0
erfinv = unary("erfinv", lambda xp, x: _sp(xp).erfinv(x).astype(x.dtype, copy=False),
               vjp=lambda g, ans, x: (g * _SQRT_PI_2 * exp(ans * ans),),
               jvp=lambda ts, ans, x: ts[0] * _SQRT_PI_2 * exp(ans * ans), domain="open_unit")
erfinv.__doc__ = "The inverse error function."


# ---------------------------------------------------------------------------
# regularized incomplete gamma P(a, x) and Q(a, x) = 1 - P(a, x)


def _gamma_log_density(a, x):
    # d P(a, x) / dx = x^(a-1) e^-x / Gamma(a)
    return xlogy(a - 1, x) - x - lgamma(a)


def _igamma_da_fwd(xp, a, x):
    a64, x64 = xp.broadcast_arrays(a.astype(np.float64), x.astype(np.float64))
    return _gamma_cdf_dalpha(xp, a64, x64).astype(x.dtype)


def _no_second_order_in_a(*args, **kwargs):
    raise NotImplementedError("igamma: second derivatives with respect to a are not implemented "
                              "(first derivatives in a and all derivatives in x are)")


# dP/da, by an accurate float64 finite difference of P (its own derivatives are not provided)
_igamma_da_op = defop("igamma_grad_a", _igamma_da_fwd, vjp=_no_second_order_in_a,
                      jvp=_no_second_order_in_a, broadcasts=True, dtypes="real")


def _igamma_da(a, x):
    return apply(_igamma_da_op, (a, x))


def _igamma_partials(sign):
    def vjp(g, ans, a, x):
        # dP/da is costly and has no derivatives of its own: skip it when no tape tracks a
        ga = sign * g * _igamma_da(a, x) if a._tid else None
        return (ga, sign * g * exp(_gamma_log_density(a, x)))

    def jvp(ts, ans, a, x):
        out = None
        if ts[0] is not None:
            out = sign * ts[0] * _igamma_da(a, x)
        if ts[1] is not None:
            part = sign * ts[1] * exp(_gamma_log_density(a, x))
            out = part if out is None else out + part
        return out
    return vjp, jvp


_igamma_vjp, _igamma_jvp = _igamma_partials(1.0)
_igammac_vjp, _igammac_jvp = _igamma_partials(-1.0)
def _in_float64(fn):
    """``fn(xp, *args)`` evaluated on float64 copies of the arguments and cast back to the last
    one's dtype: a float32 kernel (some libraries have them) loses most digits at large shapes."""
    def fwd(xp, *args):
        return fn(xp, *(t.astype(np.float64, copy=False) for t in args)).astype(args[-1].dtype, copy=False)
    return fwd


_igamma_op = defop("igamma", _in_float64(lambda xp, a, x: _sp(xp).gammainc(a, x)),
                   vjp=_igamma_vjp, jvp=_igamma_jvp, broadcasts=True, dtypes="real", domain="igamma")
_igammac_op = defop("igammac", _in_float64(lambda xp, a, x: _sp(xp).gammaincc(a, x)),
                    vjp=_igammac_vjp, jvp=_igammac_jvp, broadcasts=True, dtypes="real", domain="igamma")


def igamma(a, x, name=None):
    """The lower regularized incomplete gamma function ``P(a, x)`` (TF's ``tf.math.igamma``);
    differentiable in ``x`` to any order and in ``a`` to first order."""
    a, x = binary_arrays(a, x, "igamma")
    return apply(_igamma_op, (a, x))


def igammac(a, x, name=None):
    """The upper regularized incomplete gamma function ``Q(a, x) = 1 - P(a, x)``."""
    a, x = binary_arrays(a, x, "igammac")
    return apply(_igammac_op, (a, x))


# ---------------------------------------------------------------------------
# inverses of P and Q in x: igammainv(a, p) = x with P(a, x) = p, igammacinv(a, q) = x with Q(a, x) = q


def _igammainv_fwd(xp, a, p):
    # float64 throughout: float32 inputs keep every digit of their own precision
    return _sp(xp).gammaincinv(a.astype(np.float64), p.astype(np.float64)).astype(p.dtype)


def _igammacinv_fwd(xp, a, q):
    return _sp(xp).gammainccinv(a.astype(np.float64), q.astype(np.float64)).astype(q.dtype)


def _gamma_inv_density(a, x):
    # 1 / density at the quantile; at p = 1 the quantile is inf and so is its slope
    finite = x < math.inf
    safe_x = where(finite, x, zeros_like(x) + 1.0)
    return where(finite, exp(-_gamma_log_density(a, safe_x)), zeros_like(x) + math.inf)


def _inverse_partials(sign):
    # x(a, p) solves F(a, x) = p with F = P (sign 1) or Q (sign -1). Inverse-function rule:
    # dx/dp = 1 / (dF/dx) = sign / density; implicit function theorem: dx/da = -(dF/da) / (dF/dx),
    # and dQ/da / dQ/dx = dP/da / dP/dx, so dx/da = -(dP/da) / density for both.
    def da(a, x, inv_density):
        # at p = 0 or 1 the answer (0 or inf) does not move with a
        inside = (x > 0) & (x < math.inf)
        safe_x = where(inside, x, zeros_like(x) + 1.0)
        return where(inside, -_igamma_da(a, safe_x) * inv_density, zeros_like(x))

    def vjp(g, ans, a, p):
        inv_density = _gamma_inv_density(a, ans)
        ga = g * da(a, ans, inv_density) if a._tid else None
        return ga, sign * g * inv_density

    def jvp(ts, ans, a, p):
        inv_density = _gamma_inv_density(a, ans)
        out = None
        if ts[0] is not None:
            out = ts[0] * da(a, ans, inv_density)
        if ts[1] is not None:
            part = sign * ts[1] * inv_density
            out = part if out is None else out + part
        return out
    return vjp, jvp


_igammainv_vjp, _igammainv_jvp = _inverse_partials(1.0)
_igammacinv_vjp, _igammacinv_jvp = _inverse_partials(-1.0)
_igammainv_op = defop("igammainv", _igammainv_fwd, vjp=_igammainv_vjp, jvp=_igammainv_jvp,
                      broadcasts=True, dtypes="real", domain="igammainv")
_igammacinv_op = defop("igammacinv", _igammacinv_fwd, vjp=_igammacinv_vjp, jvp=_igammacinv_jvp,
                       broadcasts=True, dtypes="real", domain="igammainv")


def _float_pair(a, p, opname):
    a, p = binary_arrays(a, p, opname)
    if p.dtype.kind != "f":
        raise TypeError(f"{opname}: arguments have dtype {p.dtype}, expected a floating dtype")
    return a, p


def igammainv(a, p, name=None):
    """The inverse of the lower regularized incomplete gamma function in ``x``: the ``x >= 0`` with
    ``P(a, x) = p`` (TFP's ``tfp.math.igammainv``); ``a > 0``, ``p`` in [0, 1], broadcasting.

    ``P(a, .)`` is the CDF of ``Gamma(a, 1)``, so this is its quantile function. Differentiable in
    ``p`` to any order and in ``a`` to first order (implicit function theorem, through ``igamma``'s
    ``dP/da``). ``p = 0`` gives 0 and ``p = 1`` gives ``inf``.

    >>> wb.math.igammainv(2.0, 0.5).numpy()   # the median of Gamma(2, 1)
    1.678347
    """
    a, p = _float_pair(a, p, "igammainv")
    return apply(_igammainv_op, (a, p))


def igammacinv(a, p, name=None):
    """The inverse of the upper regularized incomplete gamma function in ``x``: the ``x >= 0`` with
    ``Q(a, x) = p`` (TFP's ``tfp.math.igammacinv``). Accurate in the right tail (small ``p``),
    where ``igammainv(a, 1 - p)`` would lose the digits of ``p``."""
    a, p = _float_pair(a, p, "igammacinv")
    return apply(_igammacinv_op, (a, p))


# ---------------------------------------------------------------------------
# regularized incomplete beta I_x(a, b) and its inverse in x


def _betainc_dx(a, b, x):
    return exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - lbeta(a, b))


@_in_float64
def _betainc_fwd(xp, a, b, x):
    return _sp(xp).betainc(a, b, x)


def _betainc_shape_grid(xp, a, b, x):
    """Float64 copies of the broadcast arguments and ``I`` as a function of shape steps: near 1
    (x >= 1/2) it differentiates -(1 - I) = -I_{1-x}(b, a), which keeps its relative precision
    in the right tail."""
    sp = _sp(xp)
    f64 = np.float64
    a64, b64, x64 = xp.broadcast_arrays(a.astype(f64), b.astype(f64), x.astype(f64))
    upper = (sp.betainc(a64, b64, x64) > 0.5) & (x64 >= 0.5)
    xc = 1.0 - x64

    def f(da, db):
        aa, bb = a64 + da, b64 + db
        return xp.where(upper, -sp.betainc(bb, aa, xc), sp.betainc(aa, bb, x64))
    return a64, b64, x64, f


def _shape_step(xp, s):
    return 1e-3 * xp.minimum(s, xp.sqrt(s))


def _central(f, h):
    """Fourth-order central difference of ``f(step)`` at 0."""
    return (8.0 * (f(h) - f(-h)) - (f(2.0 * h) - f(-2.0 * h))) / (12.0 * h)


def _betainc_dshape_fwd(xp, a, b, x, wrt):
    """``dI_x(a, b)/da`` (``wrt=0``) or ``/db`` (``wrt=1``) by a fourth-order central difference in
    float64 (no closed form), with a step relative to the shape, as for ``igamma``'s ``dP/da``."""
    a64, b64, x64, f = _betainc_shape_grid(xp, a, b, x)
    h = _shape_step(xp, a64 if wrt == 0 else b64)
    d = _central(lambda t: f(t, 0.0) if wrt == 0 else f(0.0, t), h)
    # at x = 0 or 1, I is 0 or 1 whatever the shapes
    d = xp.where((x64 > 0) & (x64 < 1), d, 0.0)
    return d.astype(x.dtype)


def _betainc_dshape2_fwd(xp, a, b, x, wrt):
    """The second shape derivatives ``d2I/da2``, ``d2I/dadb``, ``d2I/db2`` (``wrt`` (0, 0), (0, 1),
    (1, 1)): the fourth-order central difference taken twice, in float64."""
    a64, b64, x64, f = _betainc_shape_grid(xp, a, b, x)
    ha, hb = _shape_step(xp, a64), _shape_step(xp, b64)

    def along(i, g):   # g(da, db) differentiated along shape i
        return _central(lambda t: g(t, 0.0) if i == 0 else g(0.0, t), ha if i == 0 else hb)
    i, j = wrt
    d = along(i, lambda da, db: _central(
        lambda t: f(da + t, db) if j == 0 else f(da, db + t), ha if j == 0 else hb))
    d = xp.where((x64 > 0) & (x64 < 1), d, 0.0)
    return d.astype(x.dtype)


def _no_third_order_in_shapes(*args, **kwargs):
    raise NotImplementedError("betainc/betaincinv: third derivatives with respect to a and b are not "
                              "implemented (first and second derivatives in a and b and all derivatives "
                              "in x are)")


_betainc_dshape2_op = defop("betainc_grad_shape2", _betainc_dshape2_fwd, vjp=_no_third_order_in_shapes,
                            jvp=_no_third_order_in_shapes, broadcasts=True, dtypes="real")


def _betainc_dshape2(a, b, x, i, j):
    return apply(_betainc_dshape2_op, (a, b, x), {"wrt": (min(i, j), max(i, j))})


def _betainc_dshape_dx(a, b, x, wrt):
    """``d/dx`` of ``dI/da`` (``wrt=0``) or ``dI/db``: ``dI/dx`` times ``log x - digamma(a) +
    digamma(a + b)`` (or ``log(1 - x) - digamma(b) + digamma(a + b)``)."""
    dx = _betainc_dx(a, b, x)
    log_term = xlogy(dx, x) if wrt == 0 else xlog1py(dx, -x)
    return log_term - dx * (digamma(a if wrt == 0 else b) - digamma(a + b))


def _betainc_dshape_vjp(g, ans, a, b, x, wrt):
    ga = g * _betainc_dshape2(a, b, x, wrt, 0) if a._tid else None
    gb = g * _betainc_dshape2(a, b, x, wrt, 1) if b._tid else None
    return ga, gb, g * _betainc_dshape_dx(a, b, x, wrt)


def _betainc_dshape_jvp(ts, ans, a, b, x, wrt):
    parts = []
    if ts[0] is not None:
        parts.append(ts[0] * _betainc_dshape2(a, b, x, wrt, 0))
    if ts[1] is not None:
        parts.append(ts[1] * _betainc_dshape2(a, b, x, wrt, 1))
    if ts[2] is not None:
        parts.append(ts[2] * _betainc_dshape_dx(a, b, x, wrt))
    return _sum_or_none(parts)


_betainc_dshape_op = defop("betainc_grad_shape", _betainc_dshape_fwd, vjp=_betainc_dshape_vjp,
                           jvp=_betainc_dshape_jvp, broadcasts=True, dtypes="real")


def _betainc_dshape(a, b, x, wrt):
    return apply(_betainc_dshape_op, (a, b, x), {"wrt": wrt})


def _betainc_vjp(g, ans, a, b, x):
    # the shape derivatives are costly finite differences: only when a tape tracks the shape
    ga = g * _betainc_dshape(a, b, x, 0) if a._tid else None
    gb = g * _betainc_dshape(a, b, x, 1) if b._tid else None
    return ga, gb, g * _betainc_dx(a, b, x)


def _betainc_jvp(ts, ans, a, b, x):
    parts = []
    if ts[0] is not None:
        parts.append(ts[0] * _betainc_dshape(a, b, x, 0))
    if ts[1] is not None:
        parts.append(ts[1] * _betainc_dshape(a, b, x, 1))
    if ts[2] is not None:
        parts.append(ts[2] * _betainc_dx(a, b, x))
    return _sum_or_none(parts)


def _sum_or_none(parts):
    out = None
    for p in parts:
        out = p if out is None else out + p
    return out


_betainc_op = defop("betainc", _betainc_fwd, vjp=_betainc_vjp, jvp=_betainc_jvp,
                    broadcasts=True, dtypes="real", domain="betainc")


def betainc(a, b, x, name=None):
    """The regularized incomplete beta function ``I_x(a, b)`` (TF's ``tf.math.betainc``).

    Differentiable in ``x`` to any order. Unlike TF (which gives ``a`` and ``b`` no gradient,
    silently), ``a`` and ``b`` get first and second derivatives, from float64 finite differences
    of ``I`` in the shapes (the mixed ones with ``x`` in closed form); third derivatives in them
    raise ``NotImplementedError``.
    """
    a, b = binary_arrays(a, b, "betainc")
    a, x = binary_arrays(a, x, "betainc")
    return apply(_betainc_op, (a, b, x))


def _betaincinv_fwd(xp, a, b, y):
    f64 = np.float64
    return _sp(xp).betaincinv(a.astype(f64), b.astype(f64), y.astype(f64)).astype(y.dtype)


def _betaincinv_dshape(a, b, ans, wrt, inv_dx):
    inside = (ans > 0) & (ans < 1)
    safe = where(inside, ans, zeros_like(ans) + 0.5)
    return where(inside, -_betainc_dshape(a, b, safe, wrt) * inv_dx, zeros_like(ans))


def _betaincinv_vjp(g, ans, a, b, y):
    inv_dx = _betainc_inv_dx(a, b, ans)
    ga = g * _betaincinv_dshape(a, b, ans, 0, inv_dx) if a._tid else None
    gb = g * _betaincinv_dshape(a, b, ans, 1, inv_dx) if b._tid else None
    return ga, gb, g * inv_dx


def _betaincinv_jvp(ts, ans, a, b, y):
    inv_dx = _betainc_inv_dx(a, b, ans)
    parts = []
    if ts[0] is not None:
        parts.append(ts[0] * _betaincinv_dshape(a, b, ans, 0, inv_dx))
    if ts[1] is not None:
        parts.append(ts[1] * _betaincinv_dshape(a, b, ans, 1, inv_dx))
    if ts[2] is not None:
        parts.append(ts[2] * inv_dx)
    return _sum_or_none(parts)


def _betainc_inv_dx(a, b, x):
    """``1 / (dI_x(a, b)/dx)`` (the derivative of the inverse in ``y``)."""
    return exp(lbeta(a, b) - xlogy(a - 1, x) - xlog1py(b - 1, -x))


_betaincinv_op = defop("betaincinv", _betaincinv_fwd, vjp=_betaincinv_vjp, jvp=_betaincinv_jvp,
                       broadcasts=True, dtypes="real", domain="betaincinv")


def betaincinv(a, b, y, name=None):
    """The inverse of the regularized incomplete beta function in ``x``: the ``x`` in [0, 1] with
    ``I_x(a, b) = y`` (TFP's ``tfp.math.betaincinv``); ``a, b > 0``, ``y`` in [0, 1], broadcasting.

    ``I_.(a, b)`` is the CDF of ``Beta(a, b)``, so this is its quantile function. Differentiable in
    ``y`` to any order and in ``a`` and ``b`` to first order (implicit function theorem).

    >>> wb.math.betaincinv(2.0, 3.0, 0.5).numpy()   # the median of Beta(2, 3)
    0.38572755
    """
    a, b = binary_arrays(a, b, "betaincinv")
    a, y = _float_pair(a, y, "betaincinv")
    return apply(_betaincinv_op, (a, b, y))


def lbeta(a, b=None, name=None):
    """``log(B(a, b)) = lgamma(a) + lgamma(b) - lgamma(a + b)``; with one argument, TF's
    multivariate form over the last axis: ``sum(lgamma(x)) - lgamma(sum(x))``."""
    from .reduce import reduce_sum  # circular import with reduce
    if b is None:
        x = convert_to_tensor(a)
        return reduce_sum(lgamma(x), axis=-1) - lgamma(reduce_sum(x, axis=-1))
    return lgamma(a) + lgamma(b) - lgamma(a + b)


def log1mexp(x, name=None):
    """``log(1 - exp(-|x|))``, stable for small and large ``|x|`` (TFP's ``log1mexp``)."""
    from .elementwise import abs as _abs, expm1  # circular import with elementwise
    x = _abs(convert_to_tensor(x))
    small = x < math.log(2.0)
    safe_small = where(small, x, zeros_like(x) + 1.0)
    safe_large = where(small, zeros_like(x) + 1.0, x)
    return where(small, log(-expm1(-safe_small)), log1p(-exp(-safe_large)))


def softplus_inverse(x, name=None):
    """The inverse of softplus: ``log(exp(x) - 1)``, computed as ``x + log(-expm1(-x))``."""
    from .elementwise import expm1  # circular import with elementwise
    x = convert_to_tensor(x)
    return x + log(-expm1(-x))


del core

__all__ = ["ndtr", "log_ndtr", "ndtri", "erfinv", "igamma", "igammac", "igammainv", "igammacinv", "betainc",
           "betaincinv", "lbeta", "log1mexp", "softplus_inverse"]
