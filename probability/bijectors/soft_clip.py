"""SoftClip: a smooth map of the reals into ``(low, high)`` (or a half line)."""

import numpy as np

import workbench as wb

from .bijector import Bijector, as_bijector_param, like

__all__ = ["SoftClip"]


class SoftClip(Bijector):
    """Limits values to ``(low, high)`` with softplus hinges of softness ``h`` (default 1):
    close to the identity well inside the interval, squeezed into a band of width about
    ``log(2) h`` near each bound. With ``s(z) = h softplus(z / h)``:

    - only ``low``: ``y = low + s(x - low)``; only ``high``: ``y = high - s(high - x)``;
    - both: ``y = high - c s(w - s(x - low))`` with ``w = high - low`` and ``c = w / s(w)``,
      so that ``y -> low`` as ``x -> -inf`` and ``y -> high`` as ``x -> inf``;
    - neither: the identity.

    >>> SoftClip(low=-10.0, high=10.0).forward(wb.constant([-15.0, 0.0, 15.0])).numpy()
    array([-9.306853,  0.      ,  9.306853], dtype=float32)
    """

    def __init__(self, low=None, high=None, hinge_softness=None, validate_args=False, name="soft_clip"):
        parameters = dict(locals())
        self._low = as_bijector_param(low, "low", "SoftClip")
        self._high = as_bijector_param(high, "high", "SoftClip")
        self._hinge_softness = as_bijector_param(hinge_softness, "hinge_softness", "SoftClip")
        dtype = next((p.dtype for p in (self._low, self._high, self._hinge_softness) if isinstance(p, wb.Tensor)),
                     None)
        super().__init__(forward_min_event_ndims=0, is_constant_jacobian=low is None and high is None,
                         validate_args=validate_args, dtype=dtype, parameters=parameters, name=name)

    @property
    def low(self):
        return self._low

    @property
    def high(self):
        return self._high

    @property
    def hinge_softness(self):
        return self._hinge_softness

    # s(z) = h softplus(z / h), its inverse, and log s'(z) = log sigmoid(z / h)
    def _h(self, t):
        return 1.0 if self._hinge_softness is None else like(self._hinge_softness, t)

    def _s(self, z):
        h = self._h(z)
        return h * wb.softplus(z / h)

    def _s_inv(self, v):
        h = self._h(v)
        return h * wb.math.softplus_inverse(v / h)

    def _log_ds(self, z):
        return wb.math.log_sigmoid(z / self._h(z))

    def _bounds(self, t):
        low = None if self._low is None else like(self._low, t)
        high = None if self._high is None else like(self._high, t)
        return low, high

    def _forward(self, x):
        low, high = self._bounds(x)
        if low is None and high is None:
            return wb.identity(x)
        if high is None:
            return low + self._s(x - low)
        if low is None:
            return high - self._s(high - x)
        w = high - low
        return high - w / self._s(w) * self._s(w - self._s(x - low))

    def _inverse(self, y):
        low, high = self._bounds(y)
        if self._validate_args:
            self._check_inside(y, low, high)
        if low is None and high is None:
            return wb.identity(y)
        if high is None:
            return low + self._s_inv(y - low)
        if low is None:
            return high - self._s_inv(high - y)
        w = high - low
        return low + self._s_inv(w - self._s_inv((high - y) * self._s(w) / w))

    def _forward_log_det_jacobian(self, x):
        low, high = self._bounds(x)
        if low is None and high is None:
            return wb.zeros((), dtype=x.dtype)
        if high is None:
            return self._log_ds(x - low)
        if low is None:
            return self._log_ds(high - x)
        w = high - low
        s1 = self._s(x - low)
        return wb.math.log(w / self._s(w)) + self._log_ds(w - s1) + self._log_ds(x - low)

    def _check_inside(self, y, low, high):
        v = y.numpy()
        if low is not None and not np.all(v > np.asarray(wb.convert_to_tensor(low).numpy())):
            raise ValueError(f"SoftClip.inverse: input must be greater than `low`, got {v!r}")
        if high is not None and not np.all(v < np.asarray(wb.convert_to_tensor(high).numpy())):
            raise ValueError(f"SoftClip.inverse: input must be less than `high`, got {v!r}")

    def _is_increasing(self):
        return True
