"""LambertWDistribution: the heavy-tailed Lambert W x F transform of a distribution F."""

from __future__ import annotations

import workbench as wb

from .. import internal
from ..bijectors.lambertw_tail import LambertWTail
from ._slicing import as_slices, sliced_base
from .transformed_distribution import TransformedDistribution

__all__ = ["LambertWDistribution"]


class LambertWDistribution(TransformedDistribution):
    """``LambertWDistribution(distribution, shift, scale, tailweight=None)``: ``Y = shift + scale * U
    exp(tailweight * U**2 / 2)`` with ``U = (X - shift) / scale``, ``X ~ distribution`` (Goerg's heavy-tail
    Lambert W x F; ``tailweight = delta >= 0``, 0 by default, gives F itself).

    A ``TransformedDistribution`` by ``LambertWTail(shift, scale, tailweight)``: ``log_prob``, the
    CDFs and ``quantile`` come through the monotone bijector and samples are reparameterized. For
    a location-scale F, ``shift`` and ``scale`` are usually its location and scale; for a scale
    family on the positive reals ``shift`` must be 0. As in TFP there is no ``mean``, ``variance``,
    ``mode`` or ``entropy``.

    >>> d = LambertWDistribution(StudentT(5.0, 0.0, 1.0), shift=0.0, scale=1.0, tailweight=[0.1, 0.3])
    >>> d.batch_shape
    (2,)
    """

    _param_event_ndims = {"shift": 0, "scale": 0, "tailweight": 0}
    _param_constraints = {"scale": "positive", "tailweight": "nonnegative"}

    def __init__(self, distribution, shift, scale, tailweight=None, validate_args=False, allow_nan_stats=True,
                 name="LambertWDistribution"):
        parameters = dict(locals())
        self._init_lambertw(distribution, shift, scale, tailweight, validate_args, parameters, name)

    def _init_lambertw(self, distribution, shift, scale, tailweight, validate_args, parameters, name):
        owner = type(self).__name__
        dtype = internal.common_dtype([shift, scale, tailweight], dtype_hint=distribution.dtype)
        self._shift = internal.as_param(shift, "shift", dtype, owner)
        self._scale = internal.as_param(scale, "scale", dtype, owner)
        self._tailweight = internal.as_param(0.0 if tailweight is None else tailweight, "tailweight", dtype, owner)
        bijector = LambertWTail(self._shift, self._scale, self._tailweight)
        super().__init__(distribution, bijector, validate_args=validate_args, parameters=parameters, name=name)
        if validate_args:
            self._check_parameters()

    @property
    def shift(self):
        return self._shift

    @property
    def scale(self):
        return self._scale

    @property
    def tailweight(self):
        return self._tailweight

    def _mean(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement mean (LambertWTail is not affine)")

    def _entropy(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement entropy (LambertWTail is not affine)")

    def _sliced_parameters(self, slices):
        batch = tuple(self.batch_shape)
        cut = {k: wb.broadcast_to(getattr(self, "_" + k), batch)[slices] for k in ("shift", "scale", "tailweight")}
        return sliced_base(self._distribution, batch, slices), cut

    def __getitem__(self, slices):
        slices = as_slices(slices)
        d, cut = self._sliced_parameters(slices)
        return LambertWDistribution(d, **cut, validate_args=self._validate_args,
                                    allow_nan_stats=self._allow_nan_stats, name=self._name)
