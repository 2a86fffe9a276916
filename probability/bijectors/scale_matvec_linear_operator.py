"""ScaleMatvecLinearOperator: ``y = scale @ x`` for a ``wb.linalg.LinearOperator`` ``scale``."""

import workbench as wb

from .bijector import Bijector

__all__ = ["ScaleMatvecLinearOperator"]


def check_scale(scale, owner, validate_args, kinds=None):
    """``scale`` as a bijector's square, not-declared-singular LinearOperator (of ``kinds``)."""
    kinds = kinds or (wb.linalg.LinearOperator,)
    if not isinstance(scale, kinds):
        want = " or ".join(f"wb.linalg.{k.__name__}" for k in kinds)
        raise TypeError(f"{owner}: argument `scale` must be a {want}, got {type(scale).__name__}")
    if scale.range_dimension != scale.domain_dimension:
        raise ValueError(f"{owner}: argument `scale` must be square ([..., k, k]), got shape {list(scale.shape)}")
    if validate_args and scale.is_non_singular is False:
        raise ValueError(f"{owner}: argument `scale` is declared singular (is_non_singular=False); "
                         "a bijector needs a non-singular scale")
    return scale


class ScaleMatvecLinearOperator(Bijector):
    """``y = scale.matvec(x)`` (``adjoint=True``: ``scale^H x``) on vectors, for a square
    ``wb.linalg.LinearOperator`` ``scale`` ``[..., k, k]``.

    The inverse is ``scale.solvevec(y)`` and ``log|det J| = scale.log_abs_determinant()``, so a
    diagonal, triangular or low-rank-update scale keeps its cheap solve and determinant.

    >>> op = wb.linalg.LinearOperatorDiag([2.0, 3.0])
    >>> ScaleMatvecLinearOperator(op).forward([1.0, 1.0]).numpy()
    array([2., 3.], dtype=float32)
    """

    def __init__(self, scale, adjoint=False, validate_args=False, parameters=None,
                 name="scale_matvec_linear_operator"):
        parameters = dict(locals()) if parameters is None else parameters
        self._scale = check_scale(scale, "ScaleMatvecLinearOperator", validate_args)
        self._adjoint = bool(adjoint)
        super().__init__(forward_min_event_ndims=1, is_constant_jacobian=True, validate_args=validate_args,
                         dtype=scale.dtype, parameters=parameters, name=name)

    @property
    def scale(self):
        return self._scale

    @property
    def adjoint(self):
        return self._adjoint

    def experimental_batch_shape(self, x_event_ndims=None):
        extra = (1 if x_event_ndims is None else int(x_event_ndims)) - 1
        batch = tuple(self._scale.batch_shape)
        return batch[:max(len(batch) - extra, 0)]

    def _forward(self, x):
        return self._scale.matvec(x, adjoint=self._adjoint)

    def _inverse(self, y):
        return self._scale.solvevec(y, adjoint=self._adjoint)

    def _forward_log_det_jacobian(self, x):
        return self._scale.log_abs_determinant()
