"""Special functions for probability: the normal CDF family, inverse error functions,
incomplete gamma and beta functions, ``lbeta``.

Log-space forms are computed directly (``log_ndtr`` never takes ``log(ndtr(x))``)
so densities and their gradients stay finite in the tails.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend, core
from ..core import apply, binary_arrays, convert_to_tensor, defop
from ._define import unary
from .elementwise import exp, lgamma, log, log1p, where, xlogy, xlog1py, zeros_like
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
_igamma_op = defop("igamma", lambda xp, a, x: _sp(xp).gammainc(a, x).astype(x.dtype, copy=False),
                   vjp=_igamma_vjp, jvp=_igamma_jvp, broadcasts=True, dtypes="real", domain="igamma")
_igammac_op = defop("igammac", lambda xp, a, x: _sp(xp).gammaincc(a, x).astype(x.dtype, copy=False),
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
# regularized incomplete beta I_x(a, b): differentiable in x (TF gives a and b no gradient)


def _betainc_dx(a, b, x):
    return exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - lbeta(a, b))


def _betainc_fwd(xp, a, b, x):
    return _sp(xp).betainc(a, b, x).astype(x.dtype, copy=False)


_betainc_op = defop(
    "betainc", _betainc_fwd,
    vjp=lambda g, ans, a, b, x: (None, None, g * _betainc_dx(a, b, x)),
    jvp=lambda ts, ans, a, b, x: None if ts[2] is None else ts[2] * _betainc_dx(a, b, x),
    broadcasts=True, dtypes="real", domain="betainc")


def betainc(a, b, x, name=None):
    """The regularized incomplete beta function ``I_x(a, b)``. As in TF, only ``x`` gets a gradient."""
    a, b = binary_arrays(a, b, "betainc")
    a, x = binary_arrays(a, x, "betainc")
    return apply(_betainc_op, (a, b, x))


def lbeta(a, b=None, name=None):
    """``log(B(a, b)) = lgamma(a) + lgamma(b) - lgamma(a + b)``; with one argument, TF's
    multivariate form over the last axis: ``sum(lgamma(x)) - lgamma(sum(x))``."""
    from .reduce import reduce_sum
    if b is None:
        x = convert_to_tensor(a)
        return reduce_sum(lgamma(x), axis=-1) - lgamma(reduce_sum(x, axis=-1))
    return lgamma(a) + lgamma(b) - lgamma(a + b)


def log1mexp(x, name=None):
    """``log(1 - exp(-|x|))``, stable for small and large ``|x|`` (TFP's ``log1mexp``)."""
    from .elementwise import abs as _abs, expm1
    x = _abs(convert_to_tensor(x))
    small = x < math.log(2.0)
    safe_small = where(small, x, zeros_like(x) + 1.0)
    safe_large = where(small, zeros_like(x) + 1.0, x)
    return where(small, log(-expm1(-safe_small)), log1p(-exp(-safe_large)))


def softplus_inverse(x, name=None):
    """The inverse of softplus: ``log(exp(x) - 1)``, computed as ``x + log(-expm1(-x))``."""
    from .elementwise import expm1
    x = convert_to_tensor(x)
    return x + log(-expm1(-x))


del core

__all__ = ["ndtr", "log_ndtr", "ndtri", "erfinv", "igamma", "igammac", "betainc", "lbeta", "log1mexp",
           "softplus_inverse"]
