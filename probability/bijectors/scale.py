"""Scale: ``y = scale * x`` (or ``exp(log_scale) * x``)."""

import workbench as wb

from .bijector import Bijector, as_bijector_param, like

__all__ = ["Scale"]


class Scale(Bijector):
    """``y = scale * x``; ``log|dy/dx| = log|scale|`` (or ``log_scale``). Give exactly one of them.

    >>> Scale(2.0).forward_log_det_jacobian(wb.ones([3]), event_ndims=1).numpy()   # 3 log 2
    2.0794415
    """

    _param_event_ndims = {"scale": 0, "log_scale": 0}

    def __init__(self, scale=None, log_scale=None, validate_args=False, name="scale"):
        parameters = dict(locals())
        if (scale is None) == (log_scale is None):
            raise ValueError("Scale: give exactly one of `scale` and `log_scale`")
        self._scale = as_bijector_param(scale, "scale", "Scale")
        self._log_scale = as_bijector_param(log_scale, "log_scale", "Scale")
        p = self._scale if self._scale is not None else self._log_scale
        super().__init__(forward_min_event_ndims=0, is_constant_jacobian=True, validate_args=validate_args,
                         dtype=p.dtype if isinstance(p, wb.Tensor) else None, parameters=parameters, name=name)
        if validate_args and self._scale is not None:
            s = self._scale.numpy() if isinstance(self._scale, wb.Tensor) else self._scale
            if (s == 0).any() if hasattr(s, "any") else s == 0:
                raise ValueError("Scale: argument `scale` must be non-zero")

    @property
    def scale(self):
        return self._scale

    @property
    def log_scale(self):
        return self._log_scale

    def _forward(self, x):
        if self._scale is not None:
            return x * like(self._scale, x)
        return x * wb.exp(like(self._log_scale, x))

    def _inverse(self, y):
        if self._scale is not None:
            return y / like(self._scale, y)
        return y * wb.exp(-like(self._log_scale, y))

    def _forward_log_det_jacobian(self, x):
        if self._scale is not None:
            return wb.log(wb.abs(like(self._scale, x)))
        return like(self._log_scale, x)

    def _is_increasing(self):
        if self._log_scale is not None:
            return True
        return self._scale > 0
