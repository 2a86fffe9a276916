"""The Skellam distribution: the difference of two independent Poisson counts."""

from __future__ import annotations

import workbench as wb

from .. import internal
from ..math.special_scaled import log_bessel_ive
from .distribution import NOT_REPARAMETERIZED, Distribution
from ..internal import samplers

__all__ = ["Skellam"]


class Skellam(Distribution):
    """``Skellam(rate1, rate2)`` (or ``log_rate1``/``log_rate2``): ``K = N1 - N2`` with
    ``N1 ~ Poisson(rate1)``, ``N2 ~ Poisson(rate2)`` independent.

    Mass ``exp(-(r1 + r2)) (r1 / r2)**(k / 2) I_|k|(2 sqrt(r1 r2))`` on the integers, evaluated as
    ``-(sqrt(r1) - sqrt(r2))**2 + (k / 2) log(r1 / r2) + log ive(|k|, 2 sqrt(r1 r2))`` so that
    large rates do not overflow. ``force_probs_to_zero_outside_support=True`` gives ``-inf`` at
    non-integers. Samples are counts of the parameters' float dtype.

    >>> Skellam(4., 2.).mean().numpy()
    2.0
    """

    _param_event_ndims = {"rate1": 0, "rate2": 0, "log_rate1": 0, "log_rate2": 0}
    _param_constraints = {"rate1": "positive", "rate2": "positive", "log_rate1": "finite", "log_rate2": "finite"}
    _support = "integer"

    def __init__(self, rate1=None, rate2=None, log_rate1=None, log_rate2=None,
                 force_probs_to_zero_outside_support=False, validate_args=False, allow_nan_stats=True,
                 name="Skellam"):
        parameters = dict(locals())
        if (rate1 is None) == (log_rate1 is None):
            raise ValueError("Skellam: give exactly one of `rate1` and `log_rate1`")
        if (rate2 is None) == (log_rate2 is None):
            raise ValueError("Skellam: give exactly one of `rate2` and `log_rate2`")
        dtype = internal.common_dtype([rate1, rate2, log_rate1, log_rate2])

        def param(value, pname):
            return None if value is None else internal.as_param(value, pname, dtype, "Skellam")

        self._rate1, self._rate2 = param(rate1, "rate1"), param(rate2, "rate2")
        self._log_rate1, self._log_rate2 = param(log_rate1, "log_rate1"), param(log_rate2, "log_rate2")
        self._force_probs_to_zero_outside_support = bool(force_probs_to_zero_outside_support)
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def rate1(self):
        return self._rate1

    @property
    def rate2(self):
        return self._rate2

    @property
    def log_rate1(self):
        return self._log_rate1

    @property
    def log_rate2(self):
        return self._log_rate2

    def rate1_parameter(self, name=None):
        return wb.exp(self._log_rate1) if self._rate1 is None else wb.convert_to_tensor(self._rate1)

    def rate2_parameter(self, name=None):
        return wb.exp(self._log_rate2) if self._rate2 is None else wb.convert_to_tensor(self._rate2)

    def log_rate1_parameter(self, name=None):
        return wb.log(self._rate1) if self._log_rate1 is None else wb.convert_to_tensor(self._log_rate1)

    def log_rate2_parameter(self, name=None):
        return wb.log(self._rate2) if self._log_rate2 is None else wb.convert_to_tensor(self._log_rate2)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        s1, s2 = internal.split_seed(samplers.sanitize_seed(seed), 2, salt="Skellam")
        # TFP draws from the log rates (exp of them as the Poisson rates)
        r1 = wb.exp(wb.broadcast_to(self.log_rate1_parameter(), self.batch_shape))
        r2 = wb.exp(wb.broadcast_to(self.log_rate2_parameter(), self.batch_shape))
        return (samplers.poisson((n,), r1, dtype=self.dtype, seed=s1)
                - samplers.poisson((n,), r2, dtype=self.dtype, seed=s2))

    def _log_prob(self, x):
        r1, r2 = self.rate1_parameter(), self.rate2_parameter()
        ok = wb.equal(x, wb.floor(x))
        k = wb.where(ok, x, wb.floor(x)) if self._force_probs_to_zero_outside_support else x
        lp = (-wb.square(wb.sqrt(r1) - wb.sqrt(r2))
              + 0.5 * k * (self.log_rate1_parameter() - self.log_rate2_parameter())
              + log_bessel_ive(wb.abs(k), 2.0 * wb.sqrt(r1 * r2)))  # finite where ive underflows (large |k|)
        if self._force_probs_to_zero_outside_support:
            return wb.where(ok, lp, wb.zeros_like(lp) + float("-inf"))
        return lp

    def _mean(self):
        return self.rate1_parameter() - self.rate2_parameter()

    def _variance(self):
        return self.rate1_parameter() + self.rate2_parameter()
