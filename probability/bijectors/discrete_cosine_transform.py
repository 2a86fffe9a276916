"""DiscreteCosineTransform: the orthonormal DCT-II (or DCT-III) of the last dimension."""

import workbench as wb

from .bijector import Bijector

__all__ = ["DiscreteCosineTransform"]


class DiscreteCosineTransform(Bijector):
    """``y = wb.signal.dct(x, type=dct_type, norm="ortho")`` on the last dimension; types 2 and 3 are
    each other's inverse. Orthonormal, so ``log|det J| = 0``.

    >>> DiscreteCosineTransform().forward(wb.constant([1.0, 1.0])).numpy()
    array([1.4142135, 0.       ], dtype=float32)
    """

    def __init__(self, dct_type=2, validate_args=False, name="dct"):
        parameters = dict(locals())
        if dct_type not in (2, 3) or isinstance(dct_type, bool):
            raise NotImplementedError(f"DiscreteCosineTransform: `dct_type` must be 2 or 3, got {dct_type!r}")
        self._dct_type = int(dct_type)
        super().__init__(forward_min_event_ndims=1, is_constant_jacobian=True, validate_args=validate_args,
                         parameters=parameters, name=name)

    @property
    def dct_type(self):
        return self._dct_type

    def _forward(self, x):
        return wb.signal.dct(x, type=self._dct_type, norm="ortho")

    def _inverse(self, y):
        return wb.signal.dct(y, type=5 - self._dct_type, norm="ortho")

    def _forward_log_det_jacobian(self, x):
        return wb.zeros((), dtype=x.dtype)

    def _inverse_log_det_jacobian(self, y):
        return wb.zeros((), dtype=y.dtype)
