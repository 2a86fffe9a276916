"""ExpInverseGamma: the distribution of ``log X`` for ``X ~ InverseGamma(concentration, scale)``."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .gamma import random_gamma
from .kullback_leibler import RegisterKL

__all__ = ["ExpInverseGamma"]


class ExpInverseGamma(Distribution):
    """``ExpInverseGamma(concentration, scale=None, log_scale=None)``: ``Y = log X`` with
    ``X ~ InverseGamma(c, scale)``, i.e. ``Y = log(scale) - log G`` for ``G ~ Gamma(c, 1)``.

    Density ``exp(-c z - exp(-z) - lgamma(c))`` with ``z = y - log(scale)``; give exactly one
    of ``scale`` and ``log_scale``. Draws are made on the log scale, so they stay finite for
    tiny concentrations, and carry reparameterization gradients. As in TFP there is no
    ``mode`` or ``entropy``.

    >>> d = ExpInverseGamma(concentration=[2.0, 3.5], scale=1.5)
    >>> d.batch_shape, d.sample(4, seed=1).shape
    ((2,), (4, 2))
    """

    _param_event_ndims = {"concentration": 0, "scale": 0, "log_scale": 0}
    _param_constraints = {"concentration": "positive", "scale": "positive", "log_scale": "finite"}

    def __init__(self, concentration, scale=None, log_scale=None, validate_args=False, allow_nan_stats=True,
                 name="ExpInverseGamma"):
        parameters = dict(locals())
        if (scale is None) == (log_scale is None):
            raise ValueError("ExpInverseGamma: give exactly one of `scale` and `log_scale`")
        dtype = internal.common_dtype([concentration, scale, log_scale])
        owner = type(self).__name__
        self._concentration = internal.as_param(concentration, "concentration", dtype, owner)
        self._scale = None if scale is None else internal.as_param(scale, "scale", dtype, owner)
        self._log_scale = None if log_scale is None else internal.as_param(log_scale, "log_scale", dtype, owner)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def concentration(self):
        return self._concentration

    @property
    def scale(self):
        """The scale as given (None when built from ``log_scale``)."""
        return self._scale

    @property
    def log_scale(self):
        """The log scale as given (None when built from ``scale``)."""
        return self._log_scale

    def _log_scale_parameter(self):
        return self._log_scale if self._log_scale is not None else wb.log(self._scale)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's draw: minus an ExpGamma(concentration, rate=scale) draw, with its seed flow
        seed = internal.sanitize_seed(seed, salt="exp_gamma")
        return -random_gamma((n,), self._concentration, rate=self._scale, log_rate=self._log_scale, seed=seed,
                             log_space=True)

    def _z(self, y):
        return y - self._log_scale_parameter()

    def _log_prob(self, y):
        c = self._concentration
        z = self._z(y)
        return -c * z - wb.exp(-z) - wb.lgamma(c)

    def _cdf(self, y):
        # P(Y <= y) = P(G >= exp(-z))
        return wb.math.igammac(self._concentration, wb.exp(-self._z(y)))

    def _survival_function(self, y):
        return wb.math.igamma(self._concentration, wb.exp(-self._z(y)))

    def _quantile(self, p):
        return self._log_scale_parameter() - wb.log(wb.math.igammacinv(self._concentration, p))

    def _mean(self):
        return self._log_scale_parameter() - wb.digamma(self._concentration)

    def _variance(self):
        return wb.math.polygamma(wb.constant(1.0, dtype=self.dtype), self._concentration) \
            * wb.ones_like(self._log_scale_parameter())


@RegisterKL(ExpInverseGamma, ExpInverseGamma)
def _kl_exp_inverse_gamma(a, b, name=None):
    # KL is invariant under the bijection y -> exp(-y): it is the KL of Gamma(c, rate=scale)s
    ca, cb = a.concentration, b.concentration
    log_sa, log_sb = a._log_scale_parameter(), b._log_scale_parameter()
    return ((ca - cb) * wb.digamma(ca) + wb.lgamma(cb) - wb.lgamma(ca)
            + cb * (log_sa - log_sb) + ca * wb.expm1(log_sb - log_sa))
