"""LambertWTail: Tukey's h transform ``y = shift + scale * u * exp(tailweight * u**2 / 2)``, ``u = (x - shift) / scale``."""

import workbench as wb

from ._param_checks import init_scalar_bijector, param_property
from .bijector import Bijector, like

__all__ = ["LambertWTail"]


class LambertWTail(Bijector):
    """``y = shift + scale * u * exp(tailweight * u**2 / 2)`` with ``u = (x - shift) / scale`` (``tailweight >= 0``
    fattens the tails; 0 is the identity). The inverse is the Lambert W transform
    ``u = sign(z) sqrt(W(tailweight z**2) / tailweight)``, ``z = (y - shift) / scale``.

    ``log|dy/dx| = tailweight u**2 / 2 + log1p(tailweight u**2)``; the inverse's is that with
    ``tailweight u**2 = W(tailweight z**2)``, so it needs no division by ``tailweight``.

    >>> LambertWTail(shift=0.0, scale=1.0, tailweight=0.5).forward(wb.constant(2.0)).numpy()
    5.436564
    """

    _param_event_ndims = {"shift": 0, "scale": 0, "tailweight": 0}

    def __init__(self, shift, scale, tailweight, validate_args=False, name="lambertw_tail"):
        parameters = dict(locals())
        init_scalar_bijector(self, "LambertWTail", {"shift": shift, "scale": scale, "tailweight": tailweight},
                             validate_args, parameters, name, positive=("scale",))
        if validate_args:
            v = self._tailweight.numpy() if isinstance(self._tailweight, wb.Tensor) else self._tailweight
            if not ((v >= 0).all() if hasattr(v, "all") else v >= 0):
                raise ValueError(f"LambertWTail: argument `tailweight` must be non-negative, got {v!r}")

    shift = param_property("shift")
    scale = param_property("scale")
    tailweight = param_property("tailweight")

    def _forward(self, x):
        shift, scale, delta = like(self._shift, x), like(self._scale, x), like(self._tailweight, x)
        u = (x - shift) / scale
        return shift + scale * u * wb.exp(0.5 * delta * wb.square(u))

    def _w(self, y):
        """``(z, W(tailweight z**2))`` for ``z = (y - shift) / scale``."""
        from ..math import lambertw  # probability.math imports the distributions, which import the bijectors
        z = (y - like(self._shift, y)) / like(self._scale, y)
        return z, lambertw(like(self._tailweight, y) * wb.square(z))

    def _inverse(self, y):
        shift, scale, delta = like(self._shift, y), like(self._scale, y), like(self._tailweight, y)
        z, w = self._w(y)
        # |u| = sqrt(W(delta z^2) / delta) = |z| exp(-W / 2) (as W e^W = delta z^2): no 0 / 0 at delta = 0
        u = z * wb.exp(-0.5 * w) * wb.ones_like(delta)
        return shift + scale * u

    def _forward_log_det_jacobian(self, x):
        delta = like(self._tailweight, x)
        du2 = delta * wb.square((x - like(self._shift, x)) / like(self._scale, x))
        return 0.5 * du2 + wb.log1p(du2)

    def _inverse_log_det_jacobian(self, y):
        _, w = self._w(y)
        return -(0.5 * w + wb.log1p(w))

    def _is_increasing(self):
        return True
