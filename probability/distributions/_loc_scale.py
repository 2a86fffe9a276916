"""The shared shell of location-scale families (Normal, Cauchy, Laplace, HalfCauchy, LogNormal)."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution


class LocScaleDistribution(Distribution):
    """A family with parameters ``loc`` and ``scale > 0``; subclasses give the density."""

    _param_event_ndims = {"loc": 0, "scale": 0}
    _param_constraints = {"scale": "positive"}

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name=None):
        family = type(self).__name__
        parameters = dict(loc=loc, scale=scale, validate_args=validate_args,
                          allow_nan_stats=allow_nan_stats, name=name or family)
        dtype = internal.common_dtype([loc, scale])
        self._loc = internal.as_param(loc, "loc", dtype, family)
        self._scale = internal.as_param(scale, "scale", dtype, family)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         name or family)

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    def _z(self, x):
        return (x - self._loc) / self._scale


class UndefinedMomentsMixin:
    """For heavy-tailed location-scale families (Cauchy, HalfCauchy): the mode is ``loc``;
    the mean, variance and standard deviation do not exist (NaN, or an error with
    ``allow_nan_stats=False``)."""

    def _mode(self):
        return self._loc * wb.ones_like(self._scale)

    def _undefined_stat(self, what):
        return self._undefined(self._loc + self._scale, True, what)

    def _mean(self):
        return self._undefined_stat("mean")

    def _variance(self):
        return self._undefined_stat("variance")

    def _stddev(self):
        return self._undefined_stat("standard deviation")
