"""The Bernoulli distribution parameterized by probits: ``P(X = 1) = ndtr(probits)``."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from ..internal import mul_no_nan, xlog1py, xlogy
from .distribution import NOT_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL

__all__ = ["ProbitBernoulli"]


class ProbitBernoulli(Distribution):
    """``ProbitBernoulli(probits=None, probs=None, dtype=int32)``: 1 with probability
    ``probs = ndtr(probits)`` (the standard normal CDF), else 0.

    Give exactly one of ``probits`` and ``probs``. ``log_prob`` is
    ``x log ndtr(probits) + (1 - x) log ndtr(-probits)`` through ``log_ndtr``, accurate far in
    the tails. Samples have ``dtype``. As in TFP there is no ``cdf`` or ``quantile``.

    >>> d = ProbitBernoulli(probits=[-0.3, 1.2])
    >>> d.sample(3, seed=1).shape, d.sample(seed=1).dtype == np.int32
    ((3, 2), True)
    """

    _param_event_ndims = {"probits": 0, "probs": 0}
    _param_constraints = {"probs": "unit_interval"}
    _support = "binary"

    def __init__(self, probits=None, probs=None, dtype=np.int32, validate_args=False, allow_nan_stats=True,
                 name="ProbitBernoulli"):
        parameters = dict(locals())
        if (probits is None) == (probs is None):
            raise ValueError("ProbitBernoulli: give exactly one of `probits` and `probs`")
        float_dtype = internal.common_dtype([probits, probs])
        owner = type(self).__name__
        self._probits = None if probits is None else internal.as_param(probits, "probits", float_dtype, owner)
        self._probs = None if probs is None else internal.as_param(probs, "probs", float_dtype, owner)
        self._float_dtype = float_dtype
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @classmethod
    def parameter_properties(cls, dtype=np.float32, num_classes=None):
        props = super().parameter_properties(dtype, num_classes)
        # probits is the preferred form (TFP), though it is not a log_ form
        props["probs"] = props["probs"]._replace(is_preferred=False)
        return props

    @property
    def probits(self):
        """The ``probits`` as given (None when built from ``probs``)."""
        return self._probits

    @property
    def probs(self):
        """The ``probs`` as given (None when built from ``probits``)."""
        return self._probs

    def probits_parameter(self, name=None):
        return self._probits if self._probits is not None else wb.math.ndtri(self._probs)

    def probs_parameter(self, name=None):
        return self._probs if self._probs is not None else wb.math.ndtr(self._probits)

    def _value_dtype(self):
        return self._float_dtype

    def _log_p(self):
        return wb.math.log_ndtr(self._probits) if self._probits is not None else wb.log(self._probs)

    def _log1m_p(self):
        return wb.math.log_ndtr(-self._probits) if self._probits is not None else wb.log1p(-self._probs)

    def _sample_n(self, n, seed):
        u = wb.random.stateless_uniform((n,) + self.batch_shape, seed=seed, dtype=self._float_dtype)
        return wb.cast(wb.less(u, self.probs_parameter()), self.dtype)

    def _log_prob(self, x):
        if self._probits is not None:
            # a zero factor contributes 0 even where log_ndtr is -inf (probits of +-40 in float32)
            return (wb.math.multiply_no_nan(wb.math.log_ndtr(self._probits), x)
                    + wb.math.multiply_no_nan(wb.math.log_ndtr(-self._probits), 1.0 - x))
        return xlogy(x, self._probs) + xlog1py(1.0 - x, -self._probs)

    def _mean(self):
        return self.probs_parameter()

    def _variance(self):
        if self._probits is not None:
            return wb.math.ndtr(self._probits) * wb.math.ndtr(-self._probits)
        return self._probs * (1.0 - self._probs)

    def _mode(self):
        return wb.cast(self.probs_parameter() > 0.5, self.dtype)

    def _entropy(self):
        if self._probs is not None:
            p = self._probs
            return -(xlogy(p, p) + xlog1py(1.0 - p, -p))
        p, q = wb.math.ndtr(self._probits), wb.math.ndtr(-self._probits)
        return -(mul_no_nan(self._log_p(), p) + mul_no_nan(self._log1m_p(), q))


@RegisterKL(ProbitBernoulli, ProbitBernoulli)
def _kl_probit_bernoulli(a, b, name=None):
    pa = a.probs_parameter()
    qa = wb.math.ndtr(-a._probits) if a._probits is not None else 1.0 - a._probs
    return mul_no_nan(a._log_p() - b._log_p(), pa) + mul_no_nan(a._log1m_p() - b._log1m_p(), qa)
