"""The Dirichlet distribution over probability vectors."""

from __future__ import annotations


import workbench as wb

from .. import internal
from ..internal import xlogy
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL
from .gamma import random_gamma

__all__ = ["Dirichlet"]


class Dirichlet(Distribution):
    """``Dirichlet(concentration)``: density ``prod x_i**(a_i - 1) / B(a)`` on the simplex.

    ``concentration``: ``[..., K]``, positive; ``batch_shape`` is its shape without the last
    dimension and ``event_shape`` is ``[K]``. Samples are normalized Gamma draws, so they are
    reparameterized through the Gamma sampler's implicit gradients (as TFP). They are formed in
    log space, ``log G(a + 1) + log(U) / a``, so small concentrations do not give ``0 / 0``.

    >>> d = Dirichlet([1.0, 2.0, 3.0])
    >>> d.event_shape, [round(float(m), 3) for m in d.mean().numpy()]
    ((3,), [0.167, 0.333, 0.5])
    """

    _param_event_ndims = {"concentration": 1}
    _param_constraints = {"concentration": "positive"}
    _support = "simplex"

    def __init__(self, concentration, validate_args=False, allow_nan_stats=True, name="Dirichlet"):
        parameters = dict(locals())
        dtype = internal.common_dtype([concentration])
        self._concentration = internal.as_param(concentration, "concentration", dtype, "Dirichlet")
        if self._concentration.ndim < 1:
            raise ValueError("Dirichlet: `concentration` needs a last dimension (the event), got a scalar")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def concentration(self):
        return self._concentration

    def _event_shape(self):
        return (self._concentration.shape[-1],)

    def _total(self):
        return wb.reduce_sum(self._concentration, axis=-1, keepdims=True)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # log-space draws keep tiny concentrations representable
        log_g = random_gamma((n,), self._concentration, seed=seed, log_space=True)
        return wb.exp(log_g - wb.reduce_logsumexp(log_g, axis=-1, keepdims=True))

    def _log_prob(self, x):
        a = self._concentration
        return wb.reduce_sum(xlogy(a - 1.0, x), axis=-1) - wb.math.lbeta(a)

    def _mean(self):
        return self._concentration / self._total()

    def _variance(self):
        # TFP's form: x (s - x) with s = rsqrt(1 + a0) and x = s a / a0
        scale = wb.math.rsqrt(1.0 + self._total())
        x = scale * self._mean()
        return x * (scale - x)

    def _covariance(self):
        m = self._full(self._mean())
        a0 = wb.expand_dims(self._total(), -1)
        return (wb.linalg.diag(m) - wb.expand_dims(m, -1) * wb.expand_dims(m, -2)) / (a0 + 1.0)

    def _mode(self):
        # (a - 1) / (a0 - K), defined only when every a_i > 1
        a = self._concentration
        mode = (a - 1.0) / (self._total() - float(a.shape[-1]))
        bad = wb.reduce_any(a <= 1.0, axis=-1, keepdims=True)
        return self._undefined(mode, wb.logical_and(bad, wb.ones_like(mode) > 0), "mode")

    def _entropy(self):
        a = self._concentration
        a0 = wb.reduce_sum(a, axis=-1)
        k = float(a.shape[-1])
        return (wb.math.lbeta(a) + (a0 - k) * wb.digamma(a0)
                - wb.reduce_sum((a - 1.0) * wb.digamma(a), axis=-1))


@RegisterKL(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(d1, d2, name=None):
    a, b = d1.concentration, d2.concentration
    a0 = wb.reduce_sum(a, axis=-1, keepdims=True)
    return (wb.math.lbeta(b) - wb.math.lbeta(a)
            + wb.reduce_sum((a - b) * (wb.digamma(a) - wb.digamma(a0)), axis=-1))
