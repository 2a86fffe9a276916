"""The continuous Bernoulli distribution (``logits`` or ``probs``) on [0, 1]."""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from .. import internal
from ._logits_probs import LogitsProbs
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL

__all__ = ["ContinuousBernoulli"]


def _near_zero(l, cutoff64, cutoff32):
    """(where |l| is below the dtype's cutoff, l replaced by 1 there): series beside closed forms."""
    cutoff = cutoff64 if l.dtype == np.float64 else cutoff32
    small = wb.math.abs(l) < cutoff
    return small, wb.where(small, wb.ones_like(l), l)


def _log_normalized_base(l):
    """``log(l / expm1(l))``: with it the log density is ``x l + log(l / expm1(l))``."""
    small, safe = _near_zero(l, 1e-2, 0.3)
    a = wb.math.abs(safe)
    closed = wb.log(a) - wb.math.log1mexp(a) - wb.maximum(safe, wb.zeros_like(safe))
    l2 = wb.square(l)
    return wb.where(small, -0.5 * l - l2 / 24.0 + wb.square(l2) / 2880.0, closed)


def _mean(l):
    """``E[X] = 1 / (1 - exp(-l)) - 1 / l``."""
    small, safe = _near_zero(l, 1e-2, 0.3)
    return wb.where(small, 0.5 + l / 12.0 - l * wb.square(l) / 720.0, -1.0 / wb.expm1(-safe) - 1.0 / safe)


def _variance(l):
    """``1 / l**2 - 1 / (4 sinh(l / 2)**2)``."""
    small, safe = _near_zero(l, 5e-2, 0.7)
    l2 = wb.square(l)
    return wb.where(small, 1.0 / 12.0 - l2 / 240.0 + wb.square(l2) / 6048.0 - l2 * wb.square(l2) / 172800.0,
                    1.0 / wb.square(safe) - 0.25 / wb.square(wb.math.sinh(0.5 * safe)))


def _log_cdf(x, l):
    """``log F(x) = log(expm1(x l) / expm1(l))`` for ``x`` in [0, 1]."""
    small, safe = _near_zero(l, 5e-6, 5e-3)
    closed = (wb.math.log1mexp(wb.math.abs(x * safe)) - wb.math.log1mexp(wb.math.abs(safe))
              + wb.where(safe > 0, (x - 1.0) * safe, wb.zeros_like(x * safe)))
    series = wb.log(x) + wb.log1p((x - 1.0) * l * (0.5 + (2.0 * x - 1.0) * l / 12.0))
    return wb.where(small, series, closed)


class ContinuousBernoulli(LogitsProbs, Distribution):
    """``ContinuousBernoulli(logits=None, probs=None, dtype=float32)``: density
    ``C(p) p**x (1 - p)**(1 - x)`` on ``[0, 1]`` with ``C(p) = 2 atanh(1 - 2p) / (1 - 2p)`` (Loaiza-Ganem
    and Cunningham, 2019); with ``l = logits``, ``p = sigmoid(l)``, the density is
    ``l exp(l x) / expm1(l)`` and the CDF ``expm1(l x) / expm1(l)``.

    ``probs`` is not a mean and ``logits`` not a log-odds of one. As TFP, ``dtype`` is the dtype of the
    samples and the mode; densities and the other statistics are in the parameters' dtype. The mode
    is 1 where ``probs > 0.5``, else 0. Near ``probs = 1/2`` the closed forms are replaced by their series.
    Samples are inverse-CDF draws (reparameterized).

    >>> d = ContinuousBernoulli(logits=[-2.0, 0.0, 3.0])
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((3,), (3, 3))
    """

    _param_event_ndims = {"logits": 0, "probs": 0}
    _param_constraints = {"probs": "unit_interval"}
    _support = "unit_interval"

    def __init__(self, logits=None, probs=None, dtype=np.float32, validate_args=False, allow_nan_stats=True,
                 name="ContinuousBernoulli"):
        parameters = dict(locals())
        if (logits is None) == (probs is None):
            raise ValueError("ContinuousBernoulli: give exactly one of `logits` and `probs`")
        self._float_dtype = self._init_logits_probs(logits, probs, (), "ContinuousBernoulli")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    def _value_dtype(self):
        return self._float_dtype

    def _value(self, x, method):
        # as TFP, a value of any float dtype is cast to the parameters' dtype
        if isinstance(x, Tensor) and x.dtype.kind == "f" and x.dtype != self._float_dtype:
            x = wb.cast(x, self._float_dtype)
        return super()._value(x, method)

    def _l(self):
        return self.logits_parameter()

    def _sample_n(self, n, seed):
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed, dtype=self._float_dtype)
        return wb.cast(self._quantile(u), self.dtype)

    def _log_prob(self, x):
        l = self._l()
        lp = x * l + _log_normalized_base(l)
        return wb.where((x < 0) | (x > 1), float("-inf"), lp)

    def _unit(self, x):
        return wb.minimum(wb.maximum(x, wb.zeros_like(x)), wb.ones_like(x))

    def _log_cdf(self, x):
        # -inf up to 0 and 0 from 1 on whatever the parameter (also at probs 0 and 1, as TFP)
        lc = _log_cdf(self._unit(x), self._l())
        return wb.where(x <= 0, wb.zeros_like(lc) - np.inf, wb.where(x >= 1, wb.zeros_like(lc), lc))

    def _cdf(self, x):
        return wb.exp(self._log_cdf(x))

    def _log_survival_function(self, x):
        # S(x; l) = F(1 - x; -l)
        ls = _log_cdf(1.0 - self._unit(x), -self._l())
        return wb.where(x <= 0, wb.zeros_like(ls), wb.where(x >= 1, wb.zeros_like(ls) - np.inf, ls))

    def _survival_function(self, x):
        return wb.exp(self._log_survival_function(x))

    def _quantile(self, p):
        p = wb.cast(p, self._float_dtype) if p.dtype != self._float_dtype else p
        l = self._l()
        small, safe = _near_zero(l, 1e-7, 1e-3)
        # x = log1p(p expm1(l)) / l; above 30 as l + log(p + (1 - p) exp(-l)), so exp(l) cannot overflow
        large = safe > 30.0
        moderate = wb.where(large, wb.ones_like(safe), safe)
        closed = wb.where(large, safe + wb.log(p + (1.0 - p) * wb.exp(-safe)), wb.log1p(p * wb.expm1(moderate))) / safe
        q = wb.where(small, p + 0.5 * p * (1.0 - p) * l, closed)
        # probs 1 (logits +inf) puts all mass at 1, probs 0 at 0 (its quantile at p = 1 is 1, as TFP)
        at_one = wb.math.equal(l, np.inf) | (wb.math.equal(l, -np.inf) & (p >= 1.0))
        return wb.where(at_one, wb.ones_like(q), wb.where(wb.math.equal(l, -np.inf), wb.zeros_like(q), q))

    def _mean(self):
        return _mean(self._l())

    def _variance(self):
        return _variance(self._l())

    def _mode(self):
        return wb.cast(self.probs_parameter() > 0.5, self.dtype)   # TFP: in the samples' dtype

    def _entropy(self):
        # near l = 0 the two terms cancel to -l**2 / 24 + l**4 / 960
        l = self._l()
        small, safe = _near_zero(l, 1e-3, 0.05)
        l2 = wb.square(l)
        return wb.where(small, -l2 / 24.0 + wb.square(l2) / 960.0, -(safe * _mean(safe) + _log_normalized_base(safe)))


@RegisterKL(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli(a, b, name=None):
    la, lb = a.logits_parameter(), b.logits_parameter()
    return _mean(la) * (la - lb) + _log_normalized_base(la) - _log_normalized_base(lb)
