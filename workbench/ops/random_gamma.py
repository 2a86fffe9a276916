"""Gamma samples by inversion, with the implicit-reparameterization gradient.

A standard gamma sample is ``x = F^-1(u; alpha)`` for a uniform ``u``, where
``F(x; alpha) = P(alpha, x)`` is the regularized lower incomplete gamma
function. Holding ``u`` fixed, ``dx/dalpha = -(dF/dalpha) / (dF/dx)``: the
implicit reparameterization gradient that TF attaches to its gamma samples
(Figurnov et al., 2018). Because we sample by inversion, that gradient is also
exactly the derivative of the sample itself for a fixed seed, so a finite
difference of ``stateless_gamma`` in ``alpha`` checks it.

``dF/dalpha`` has no closed form; it is a fourth-order central difference of
``P`` (``-Q`` in the upper half, where ``Q = 1 - P`` keeps its relative
precision) in float64, with a step relative to ``alpha``.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..core import apply, defop


def standard_gamma_from_uniform(xp, alpha, u):
    """``F^-1(u; alpha)`` in float64 (``alpha`` broadcast to ``u``'s shape)."""
    sp = backend.scipy_special(xp)
    a = xp.broadcast_to(alpha.astype(np.float64), u.shape)
    lower = u < 0.5
    x = xp.empty(u.shape, np.float64)
    # the upper half inverts Q = 1 - u, which is exact for u >= 0.5, so the right tail keeps
    # its precision
    x[lower] = sp.gammaincinv(a[lower], u[lower])
    upper = ~lower
    x[upper] = sp.gammainccinv(a[upper], 1.0 - u[upper])
    return x


def _gamma_cdf_dalpha(xp, a, x):
    """``dP(a, x)/da`` by a fourth-order central difference in float64."""
    sp = backend.scipy_special(xp)
    h = 1e-3 * xp.minimum(a, xp.sqrt(a))
    upper = sp.gammainc(a, x) > 0.5

    def f(b):
        # in the upper half P is close to 1: differentiate -Q, which has the same derivative
        return xp.where(upper, -sp.gammaincc(b, x), sp.gammainc(b, x))

    return (8.0 * (f(a + h) - f(a - h)) - (f(a + 2 * h) - f(a - 2 * h))) / (12.0 * h)


def _sample_dalpha_fwd(xp, alpha, sample):
    sp = backend.scipy_special(xp)
    a = alpha.astype(np.float64)
    x = sample.astype(np.float64)
    a, x = xp.broadcast_arrays(a, x)
    ok = x > 0  # a sample that underflowed to 0 does not move with alpha
    xs = xp.where(ok, x, 1.0)
    log_pdf = (a - 1.0) * xp.log(xs) - xs - sp.gammaln(a)
    grad = -_gamma_cdf_dalpha(xp, a, xs) * xp.exp(-log_pdf)
    return xp.where(ok & xp.isfinite(grad), grad, 0.0).astype(sample.dtype)


def _no_second_order(*args, **kwargs):
    raise NotImplementedError(
        "random_gamma_grad: second derivatives of gamma samples with respect to alpha are not "
        "implemented (first-order gradients, reverse and forward, are)")


# TF's RandomGammaGrad: d sample / d alpha at a given sample
_sample_dalpha_op = defop("random_gamma_grad", _sample_dalpha_fwd, vjp=_no_second_order,
                          jvp=_no_second_order, broadcasts=True, dtypes="real")


def gamma_sample_dalpha(alpha, sample):
    """``d sample / d alpha`` of standard gamma samples (TF's ``random_gamma_grad``).

    ``alpha`` broadcasts against ``sample``; the result has their broadcast shape.
    """
    return apply(_sample_dalpha_op, (alpha, sample))


def _gamma_fwd(xp, alpha, u):
    return standard_gamma_from_uniform(xp, alpha, u).astype(alpha.dtype)


def _gamma_vjp(g, ans, alpha, u):
    return g * gamma_sample_dalpha(alpha, ans), None


def _gamma_jvp(ts, ans, alpha, u):
    return None if ts[0] is None else ts[0] * gamma_sample_dalpha(alpha, ans)


# Inputs: the concentration and float64 uniforms of the output's shape (constants).
_gamma_op = defop("random_gamma", _gamma_fwd, vjp=_gamma_vjp, jvp=_gamma_jvp,
                  broadcasts=True, dtypes="real")


def _drawn_fwd(xp, alpha, sample):
    return sample.astype(alpha.dtype, copy=False)


def _drawn_vjp(g, ans, alpha, sample):
    return g * gamma_sample_dalpha(alpha, ans), None


def _drawn_jvp(ts, ans, alpha, sample):
    return None if ts[0] is None else ts[0] * gamma_sample_dalpha(alpha, ans)


# Inputs: the concentration and standard gamma samples drawn for it (constants), as TF's
# RandomGamma op: the samples, with the implicit-reparameterization gradient in alpha
_drawn_op = defop("random_gamma_drawn", _drawn_fwd, vjp=_drawn_vjp, jvp=_drawn_jvp,
                  broadcasts=True, dtypes="real")


def drawn_gamma(alpha, sample):
    """``sample`` (standard gamma samples of ``alpha``, which broadcasts to their shape) as
    values differentiable in ``alpha`` by implicit reparameterization."""
    return apply(_drawn_op, (alpha, sample))


def standard_gamma(alpha, u):
    """Standard gamma samples of ``u``'s shape from uniforms ``u`` (float64, in (0, 1)).

    Differentiable in ``alpha`` (first order, both modes); ``alpha`` is a float
    Tensor broadcasting to ``u``'s shape, and the samples take its dtype.
    """
    return apply(_gamma_op, (alpha, u))


__all__: list = []
