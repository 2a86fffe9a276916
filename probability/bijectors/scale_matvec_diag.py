"""ScaleMatvecDiag: ``y = diag(scale_diag) @ x``."""

import workbench as wb

from .bijector import Bijector, as_bijector_param, like

__all__ = ["ScaleMatvecDiag"]


class ScaleMatvecDiag(Bijector):
    """``y = scale_diag * x`` on vectors (the last dim); ``log|det J| = sum(log|scale_diag|)``.

    >>> ScaleMatvecDiag([2.0, 3.0]).forward_log_det_jacobian(wb.ones([2]), event_ndims=1).numpy()   # log 6
    1.7917595
    """

    _param_event_ndims = {"scale_diag": 1}

    def __init__(self, scale_diag, adjoint=False, validate_args=False, name="scale_matvec_diag"):
        parameters = dict(locals())
        self._scale_diag = as_bijector_param(scale_diag, "scale_diag", "ScaleMatvecDiag")
        if not isinstance(self._scale_diag, wb.Tensor) and not hasattr(self._scale_diag, "dtype"):
            self._scale_diag = wb.constant(self._scale_diag)
        if len(self._scale_diag.shape) < 1:
            raise ValueError(f"ScaleMatvecDiag: argument `scale_diag` must have at least one dimension, "
                             f"got shape {tuple(self._scale_diag.shape)}")
        self._adjoint = bool(adjoint)   # a diagonal matrix is its own adjoint
        super().__init__(forward_min_event_ndims=1, is_constant_jacobian=True, validate_args=validate_args,
                         dtype=self._scale_diag.dtype, parameters=parameters, name=name)
        if validate_args and bool(wb.reduce_any(wb.equal(wb.convert_to_tensor(self._scale_diag), 0.0))):
            raise ValueError("ScaleMatvecDiag: argument `scale_diag` must be non-zero")

    @property
    def scale_diag(self):
        return self._scale_diag

    @property
    def adjoint(self):
        return self._adjoint

    def _forward(self, x):
        return like(self._scale_diag, x) * x

    def _inverse(self, y):
        return y / like(self._scale_diag, y)

    def _forward_log_det_jacobian(self, x):
        return wb.reduce_sum(wb.log(wb.abs(like(self._scale_diag, x))), axis=-1)
