"""The Deterministic distribution: all its mass at one point ``loc``."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution, no_event_space_bijector
from .kullback_leibler import RegisterKL

__all__ = ["Deterministic"]


class _BaseDeterministic(Distribution):
    """What Deterministic and VectorDeterministic share: ``loc``, ``atol``, ``rtol``, the slack
    ``atol + rtol * |loc|``, a log-prob of 0 or ``-inf`` from ``_prob``, zero spread, and
    ``KL(a || q) = -q.log_prob(a.loc)``."""

    _param_constraints = {"atol": "nonnegative", "rtol": "nonnegative"}

    _default_event_space_bijector = no_event_space_bijector

    @property
    def loc(self):
        return self._loc

    @property
    def atol(self):
        return self._atol

    @property
    def rtol(self):
        return self._rtol

    def _slack(self):
        return self._atol + self._rtol * wb.abs(self._loc)

    def _log_prob(self, x):
        inside = self._prob(x)
        return wb.where(inside > 0, wb.zeros_like(inside), float("-inf"))

    def _mean(self):
        return self._loc

    def _mode(self):
        return self._loc

    def _variance(self):
        return wb.zeros_like(self._loc)

    def _entropy(self):
        return wb.zeros(self.batch_shape, dtype=self.dtype)


class Deterministic(_BaseDeterministic):
    """``Deterministic(loc, atol=None, rtol=None)``: a constant random variable equal to ``loc``.

    ``prob(x)`` is 1 where ``|x - loc| <= atol + rtol * |loc|`` and 0 elsewhere (``atol``
    and ``rtol`` default to 0), so ``log_prob`` is 0 or ``-inf``; ``cdf(x)`` is 1 from
    ``loc - atol - rtol * |loc|`` on. Samples are ``loc`` itself (reparameterized: the
    gradient of a sample with respect to ``loc`` is 1), the variance and entropy are 0.
    ``KL(Deterministic || q)`` is ``-q.log_prob(loc)`` for any ``q``.

    >>> d = Deterministic(loc=[0.0, 2.0])
    >>> d.sample(3, seed=1).numpy()[0]
    array([0., 2.], dtype=float32)
    """

    _param_event_ndims = {"loc": 0, "atol": 0, "rtol": 0}

    def __init__(self, loc, atol=None, rtol=None, validate_args=False, allow_nan_stats=True,
                 name="Deterministic"):
        parameters = dict(locals())
        dtype = internal.common_dtype([loc, atol, rtol])
        self._loc = internal.as_param(loc, "loc", dtype, "Deterministic")
        self._atol = internal.as_param(0.0 if atol is None else atol, "atol", dtype, "Deterministic")
        self._rtol = internal.as_param(0.0 if rtol is None else rtol, "rtol", dtype, "Deterministic")
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    def _sample_n(self, n, seed):
        return wb.broadcast_to(self._loc * wb.ones_like(self._slack()), (n,) + self.batch_shape)

    def _prob(self, x):
        return wb.cast(wb.abs(x - self._loc) <= self._slack(), self.dtype)

    def _cdf(self, x):
        return wb.cast(x >= self._loc - self._slack(), self.dtype)


@RegisterKL(_BaseDeterministic, Distribution)
def _kl_deterministic_distribution(a, b, name=None):
    return -b.log_prob(a.loc)
