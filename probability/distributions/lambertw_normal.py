"""LambertWNormal: the heavy-tailed Lambert W x Normal (Tukey's h) distribution."""

from __future__ import annotations

import workbench as wb

from .lambertw_distribution import LambertWDistribution
from .normal import Normal

__all__ = ["LambertWNormal"]


class LambertWNormal(LambertWDistribution):
    """``LambertWNormal(loc, scale, tailweight=None)``: ``Y = loc + scale * U exp(tailweight * U**2 / 2)``
    with ``U ~ Normal(0, 1)`` (``tailweight = delta >= 0``, 0 by default: ``Normal(loc, scale)``).

    The mean is ``loc`` for ``tailweight < 1`` (NaN otherwise), the variance
    ``scale**2 / (1 - 2 tailweight)**1.5`` for ``tailweight < 1/2`` (infinite otherwise), the mode
    ``loc`` (errors instead of NaN with ``allow_nan_stats=False``). As in TFP there is no ``entropy``.

    >>> d = LambertWNormal(loc=0.0, scale=1.0, tailweight=[0.0, 0.2])
    >>> d.variance().numpy()
    array([1.       , 2.1516576], dtype=float32)
    """

    _param_event_ndims = {"loc": 0, "scale": 0, "tailweight": 0}
    _param_constraints = {"scale": "positive", "tailweight": "nonnegative"}

    def __init__(self, loc, scale, tailweight=None, validate_args=False, allow_nan_stats=True, name="LambertWNormal"):
        parameters = dict(locals())
        from .. import internal   # the package's helpers (imported here to keep this module's imports short)
        dtype = internal.common_dtype([loc, scale, tailweight])
        loc = internal.as_param(loc, "loc", dtype, "LambertWNormal")
        scale = internal.as_param(scale, "scale", dtype, "LambertWNormal")
        base = Normal(loc, scale, allow_nan_stats=allow_nan_stats)
        self._init_lambertw(base, loc, scale, tailweight, validate_args, parameters, name)

    @property
    def loc(self):
        return self._shift

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Identity(validate_args=self._validate_args)   # TFP's: the support is the real line

    def _mean(self):
        d = self._tailweight
        mean = self._shift * wb.ones_like(self._scale) * wb.ones_like(d)
        return self._undefined(mean, d >= 1.0, "mean (tailweight >= 1)")

    def _variance(self):
        d = self._tailweight
        finite = d < 0.5
        var = wb.square(self._scale) * wb.exp(-1.5 * wb.log1p(-2.0 * wb.where(finite, d, wb.zeros_like(d))))
        return wb.where(finite, var, float("inf")) * wb.ones_like(self._shift)

    def _mode(self):
        return self._shift * wb.ones_like(self._scale) * wb.ones_like(self._tailweight)

    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        _, cut = self._sliced_parameters(slices)
        return LambertWNormal(cut["shift"], cut["scale"], cut["tailweight"], validate_args=self._validate_args,
                              allow_nan_stats=self._allow_nan_stats, name=self._name)
