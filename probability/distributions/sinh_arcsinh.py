"""The SinhArcsinh distribution: a skewed, tail-adjusted transform of a base distribution."""

from __future__ import annotations

import workbench as wb

from .. import internal
from ..bijectors.chain import Chain
from ..bijectors.scale import Scale
from ..bijectors.shift import Shift
from ..bijectors.sinh_arcsinh import SinhArcsinh as SinhArcsinhBijector
from .distribution import Distribution
from .normal import Normal
from .transformed_distribution import TransformedDistribution

__all__ = ["SinhArcsinh"]


class SinhArcsinh(TransformedDistribution):
    """``SinhArcsinh(loc, scale, skewness=None, tailweight=None, distribution=None)``:
    ``Y = loc + c * scale * sinh((asinh(Z) + skewness) * tailweight)`` with ``Z ~ distribution``
    (a standard Normal by default) and ``c = 2 / sinh(asinh(2) * tailweight)`` (part of the
    ``SinhArcsinh`` bijector, as in TFP).

    ``skewness=0, tailweight=1`` with the Normal gives ``Normal(loc, scale)``; ``skewness > 0``
    skews right, ``tailweight > 1`` fattens the tails. A ``TransformedDistribution`` (as TFP):
    CDF and quantile come through the monotone bijector; samples are reparameterized.

    >>> d = SinhArcsinh(loc=0.0, scale=1.0, skewness=[0.0, 0.5], tailweight=1.5)
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"loc": 0, "scale": 0, "skewness": 0, "tailweight": 0}
    _param_constraints = {"scale": "positive", "tailweight": "positive"}

    def __init__(self, loc, scale, skewness=None, tailweight=None, distribution=None, validate_args=False,
                 allow_nan_stats=True, name="SinhArcsinh"):
        parameters = dict(locals())
        dtype = internal.common_dtype([loc, scale, skewness, tailweight])
        self._loc = internal.as_param(loc, "loc", dtype, "SinhArcsinh")
        self._scale = internal.as_param(scale, "scale", dtype, "SinhArcsinh")
        self._skewness = internal.as_param(0.0 if skewness is None else skewness, "skewness", dtype, "SinhArcsinh")
        self._tailweight = internal.as_param(1.0 if tailweight is None else tailweight, "tailweight", dtype,
                                             "SinhArcsinh")
        batch = internal.broadcast_shapes(*(tuple(t.shape) for t in (self._loc, self._scale, self._skewness,
                                                                       self._tailweight)))
        if distribution is None:
            zeros = wb.zeros(batch, dtype=dtype)
            distribution = Normal(zeros, zeros + 1.0, allow_nan_stats=allow_nan_stats)
        # the bijector's c normalizes the scale: the base's +-2 map to loc -+ 2 scale without skewness
        bijector = Chain([Shift(self._loc), Scale(self._scale),
                          SinhArcsinhBijector(skewness=self._skewness, tailweight=self._tailweight)])
        super().__init__(distribution, bijector, validate_args=validate_args, parameters=parameters, name=name)
        if validate_args:
            self._check_parameters()

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    @property
    def skewness(self):
        return self._skewness

    @property
    def tailweight(self):
        return self._tailweight

    def __getitem__(self, slices):
        # the parameters are sliced as any family's; a given base distribution is sliced alongside
        sliced = Distribution.__getitem__(self.copy(distribution=None), slices)
        if self._parameters.get("distribution") is None:
            return sliced
        return self.copy(loc=sliced.loc, scale=sliced.scale, skewness=sliced.skewness,
                         tailweight=sliced.tailweight, distribution=self._distribution[slices])
