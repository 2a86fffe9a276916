"""The Bernoulli distribution."""

from __future__ import annotations

import numpy as np

import workbench as wb

from ..internal import mul_no_nan, xlog1py, xlogy
from ._logits_probs import LogitsProbs
from .distribution import NOT_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL

__all__ = ["Bernoulli"]


class Bernoulli(LogitsProbs, Distribution):
    """``Bernoulli(logits=None, probs=None, dtype=int32)``: 1 with probability ``probs``
    (``sigmoid(logits)``), else 0.

    Samples have ``dtype`` (int32 by default, as TFP). ``log_prob`` casts its argument to the
    parameters' float dtype and evaluates ``x log p + (1 - x) log(1 - p)`` (non-binary values
    are evaluated by that formula unless ``validate_args=True``, which refuses them); a zero
    factor contributes exactly 0, so ``probs=0`` at ``x=0`` gives 0, not NaN.

    >>> d = Bernoulli(logits=[0.0, 2.0])
    >>> d.sample(3, seed=1).shape, d.sample(seed=1).dtype
    ((3, 2), dtype('int32'))
    """

    _param_event_ndims = {"logits": 0, "probs": 0}
    _param_constraints = {"probs": "unit_interval"}
    _support = "binary"

    def __init__(self, logits=None, probs=None, dtype=np.int32, validate_args=False, allow_nan_stats=True,
                 name="Bernoulli"):
        parameters = dict(locals())
        self._float_dtype = self._init_logits_probs(logits, probs, (), "Bernoulli")
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    def _value_dtype(self):
        return self._float_dtype

    def _sample_n(self, n, seed):
        p = self.probs_parameter()
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed, dtype=self._float_dtype)
        return wb.cast(wb.less(u, p), self.dtype)

    def _log_prob(self, x):
        return self._x_log_p(x) + self._x_log1m_p(1.0 - x)

    def _steps(self, x, low, mid, high):
        # low below 0, mid on [0, 1), high from 1 on (broadcast against x)
        mid = mid * wb.ones_like(x * mid)
        return wb.where(x < 0, wb.zeros_like(mid) + low, wb.where(x < 1, mid, wb.zeros_like(mid) + high))

    def _cdf(self, x):
        # P(X <= x); 1 - p from the parameter as given (sigmoid(-logits) for logits)
        return self._steps(x, 0.0, self._q(), 1.0)

    def _survival_function(self, x):
        # P(X > x), with p itself on [0, 1): not 1 - (1 - p), which loses a small p
        return self._steps(x, 1.0, self.probs_parameter(), 0.0)

    def _log_cdf(self, x):
        return self._steps(x, float("-inf"), self._log1m_p(), 0.0)

    def _log_survival_function(self, x):
        return self._steps(x, 0.0, self._log_probs(), float("-inf"))

    def _mean(self):
        return self.probs_parameter()

    def _variance(self):
        # (1 - p) p, with 1 - p = sigmoid(-logits) from logits (TFP's): keeps a p close to 1
        return self._q() * self.probs_parameter()

    def _q(self):
        return 1.0 - self._probs if self._probs is not None else wb.sigmoid(-self._logits)

    def _mode(self):
        # TFP: 1 where p > 1/2 (ties go to 0)
        return wb.cast(self.probs_parameter() > 0.5, self.dtype)

    def _entropy(self):
        if self._probs is not None:
            p = self._probs
            return -(xlogy(p, p) + xlog1py(1.0 - p, -p))
        # H = (1 - p) softplus(l) + p softplus(-l), TFP's terms: softplus(l) - p l would cancel
        # for large |l|
        l = self._logits
        return -(mul_no_nan(-wb.softplus(l), wb.sigmoid(-l)) + mul_no_nan(-wb.softplus(-l), wb.sigmoid(l)))


@RegisterKL(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(a, b, name=None):
    # p_a (log p_a - log p_b) + (1 - p_a)(log(1 - p_a) - log(1 - p_b)), in logits
    la, lb = a.logits_parameter(), b.logits_parameter()
    pa = a.probs_parameter()
    return (mul_no_nan(wb.softplus(-lb) - wb.softplus(-la), pa)
            + mul_no_nan(wb.softplus(lb) - wb.softplus(la), 1.0 - pa))
