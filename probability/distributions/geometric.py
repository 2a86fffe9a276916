"""The Geometric distribution."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from ._logits_probs import LogitsProbs
from .distribution import NOT_REPARAMETERIZED, Distribution

__all__ = ["Geometric"]


class Geometric(LogitsProbs, Distribution):
    """``Geometric(logits=None, probs=None)``: the number of failures before the first success,
    mass ``(1 - p)**k p`` on ``k = 0, 1, …`` (SciPy's ``geom(p, loc=-1)``).

    Samples are of the float dtype. ``log_prob`` floors its argument (as TFP and SciPy do)
    unless ``validate_args=True``; ``force_probs_to_zero_outside_support=True`` gives ``-inf``
    at negative or non-integer values.

    >>> d = Geometric(probs=0.25)
    >>> float(d.mean())
    3.0
    """

    _param_event_ndims = {"logits": 0, "probs": 0}
    _param_constraints = {"probs": "half_open_unit_interval"}
    _support = "nonnegative_integer"

    def __init__(self, logits=None, probs=None, force_probs_to_zero_outside_support=False,
                 validate_args=False, allow_nan_stats=True, name="Geometric"):
        parameters = dict(locals())
        dtype = self._init_logits_probs(logits, probs, (), "Geometric")
        self._force_zero = bool(force_probs_to_zero_outside_support)
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def force_probs_to_zero_outside_support(self):
        return self._force_zero

    def _sample_n(self, n, seed):
        # inverse CDF: floor(log(u) / log(1 - p)), with u in (0, 1)
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed, dtype=self.dtype)
        u = wb.maximum(u, wb.zeros_like(u) + np.finfo(self.dtype).tiny)
        return wb.floor(wb.log(u) / self._log1m_p())

    def _log_prob(self, x):
        k = x if self._validate_args else wb.floor(x)
        lp = self._x_log1m_p(k) + self._log_probs()
        if not self._force_zero:
            return lp
        ok = wb.logical_and(x >= 0, wb.equal(x, wb.floor(x)))
        return wb.where(ok, lp, wb.zeros_like(lp) + float("-inf"))

    def _log_sf64(self, x):
        # log P(X > k) = (k + 1) log(1 - p) for k >= 0, in float64 (see as_float64)
        k = wb.floor(internal.as_float64(x))
        safe = wb.maximum(k, wb.zeros_like(k))
        lsf = (safe + 1.0) * self._log1m_p_float64()
        return k, lsf

    def _log_survival_function(self, x):
        k, lsf = self._log_sf64(x)
        return wb.cast(wb.where(k < 0, wb.zeros_like(lsf), lsf), self.dtype)

    def _survival_function(self, x):
        k, lsf = self._log_sf64(x)
        return wb.cast(wb.where(k < 0, wb.ones_like(lsf), wb.exp(lsf)), self.dtype)

    def _cdf(self, x):
        k, lsf = self._log_sf64(x)
        return wb.cast(wb.where(k < 0, wb.zeros_like(lsf), -wb.expm1(lsf)), self.dtype)

    def _log_cdf(self, x):
        # log(1 - exp(lsf)), accurate both where the cdf is tiny and where it is close to 1
        k, lsf = self._log_sf64(x)
        return wb.cast(wb.where(k < 0, wb.zeros_like(lsf) + float("-inf"), wb.math.log1mexp(lsf)), self.dtype)

    def _mean(self):
        if self._logits is not None:
            return wb.exp(-self._logits)
        return (1.0 - self._probs) / self._probs

    def _variance(self):
        return self._mean() / self.probs_parameter()

    def _mode(self):
        return wb.zeros_like(self._param_tensor())

    def _entropy(self):
        # (-(1 - p) log(1 - p) - p log p) / p
        p = self.probs_parameter()
        return -(self._x_log1m_p(1.0 - p) + self._x_log_p(p)) / p
