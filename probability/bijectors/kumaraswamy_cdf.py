"""KumaraswamyCDF: the Kumaraswamy CDF, from ``[0, 1]`` to ``[0, 1]``."""

import workbench as wb

from .bijector import Bijector, as_bijector_param, like

__all__ = ["KumaraswamyCDF"]


class KumaraswamyCDF(Bijector):
    """``y = 1 - (1 - x**a)**b``; ``x = (1 - (1 - y)**(1/b))**(1/a)``;
    ``log|dy/dx| = log(a b) + (a - 1) log x + (b - 1) log1p(-x**a)``
    (``a = concentration1``, ``b = concentration0``).

    >>> KumaraswamyCDF(concentration1=2.0, concentration0=1.0).forward(wb.constant(0.5)).numpy()
    0.25
    """

    _param_event_ndims = {"concentration1": 0, "concentration0": 0}

    def __init__(self, concentration1=1.0, concentration0=1.0, validate_args=False, name="kumaraswamy_cdf"):
        parameters = dict(locals())
        self._concentration1 = as_bijector_param(concentration1, "concentration1", "KumaraswamyCDF")
        self._concentration0 = as_bijector_param(concentration0, "concentration0", "KumaraswamyCDF")
        dtype = next((p.dtype for p in (self._concentration1, self._concentration0) if isinstance(p, wb.Tensor)),
                     None)
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype,
                         parameters=parameters, name=name)
        if validate_args:
            for pname, p in (("concentration1", self._concentration1), ("concentration0", self._concentration0)):
                v = p.numpy() if isinstance(p, wb.Tensor) else p
                if not ((v > 0).all() if hasattr(v, "all") else v > 0):
                    raise ValueError(f"KumaraswamyCDF: argument `{pname}` must be positive, got {v!r}")

    @property
    def concentration1(self):
        return self._concentration1

    @property
    def concentration0(self):
        return self._concentration0

    def _forward(self, x):
        a, b = like(self._concentration1, x), like(self._concentration0, x)
        return -wb.expm1(b * wb.log1p(-wb.pow(x, a)))

    def _inverse(self, y):
        a, b = like(self._concentration1, y), like(self._concentration0, y)
        return wb.pow(-wb.expm1(wb.log1p(-y) / b), 1.0 / a)

    def _forward_log_det_jacobian(self, x):
        a, b = like(self._concentration1, x), like(self._concentration0, x)
        return wb.log(a * b) + (a - 1.0) * wb.log(x) + (b - 1.0) * wb.log1p(-wb.pow(x, a))

    def _is_increasing(self):
        return True
