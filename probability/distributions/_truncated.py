"""The parameters shared by the truncated location-scale families (``TruncatedNormal``,
``TruncatedCauchy``): ``loc``, ``scale`` and the bounds ``low < high``."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .distribution import Distribution


class TruncatedLocScale(Distribution):
    """A location-scale density restricted to ``[low, high]``; subclasses give the density and
    ``_reparameterization`` (their samples' reparameterization type)."""

    _param_event_ndims = {"loc": 0, "scale": 0, "low": 0, "high": 0}
    _param_constraints = {"scale": "positive"}
    _reparameterization = None

    def _init_truncated(self, loc, scale, low, high, validate_args, allow_nan_stats, parameters, name):
        owner = type(self).__name__
        dtype = internal.common_dtype([loc, scale, low, high])
        self._loc = internal.as_param(loc, "loc", dtype, owner)
        self._scale = internal.as_param(scale, "scale", dtype, owner)
        self._low = internal.as_param(low, "low", dtype, owner)
        self._high = internal.as_param(high, "high", dtype, owner)
        Distribution.__init__(self, dtype, self._reparameterization, validate_args, allow_nan_stats, parameters, name)

    def _check_parameters(self):
        super()._check_parameters()
        low, high = np.asarray(self._low.numpy()), np.asarray(self._high.numpy())
        if not np.all(low < high):
            raise wb.errors.InvalidArgumentError(
                f"{type(self).__name__}: argument `low` must be below `high`, got low={low!r}, "
                f"high={high!r}")

    def _check_support(self, x, method):
        self._assert_in_support(x, method, (x >= self._low) & (x <= self._high), "in [low, high]")

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    @property
    def low(self):
        return self._low

    @property
    def high(self):
        return self._high
