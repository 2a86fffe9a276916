"""ScaleMatvecTriL: ``y = L @ x`` for a lower-triangular ``L``."""

import numpy as np

import workbench as wb

from .. import internal
from .bijector import Bijector, as_bijector_param

__all__ = ["ScaleMatvecTriL"]


class ScaleMatvecTriL(Bijector):
    """``y = matvec(scale_tril, x)`` (``adjoint=True``: ``matvec(scale_tril^T, x)``) on vectors.

    ``scale_tril``: ``[..., k, k]`` lower triangular with a non-zero diagonal;
    ``log|det| = sum(log|diag(scale_tril)|)``. The inverse is a triangular solve.

    >>> b = ScaleMatvecTriL([[2.0, 0.0], [1.0, 1.0]])
    >>> b.forward([1.0, 1.0]).numpy()
    array([2., 2.], dtype=float32)
    """

    _param_event_ndims = {"scale_tril": 2}

    def __init__(self, scale_tril, adjoint=False, validate_args=False, name="scale_matvec_tril"):
        parameters = dict(locals())
        self._scale_tril = as_bijector_param(scale_tril, "scale_tril", "ScaleMatvecTriL")
        if not isinstance(self._scale_tril, wb.Tensor) or self._scale_tril.ndim < 2 \
                or self._scale_tril.shape[-1] != self._scale_tril.shape[-2]:
            shape = getattr(self._scale_tril, "shape", ())
            raise ValueError(f"ScaleMatvecTriL: argument `scale_tril` must be a [..., k, k] matrix, got shape {shape}")
        self._adjoint = bool(adjoint)
        super().__init__(forward_min_event_ndims=1, is_constant_jacobian=True, validate_args=validate_args,
                         dtype=self._scale_tril.dtype, parameters=parameters, name=name)
        if validate_args:
            d = np.diagonal(self._scale_tril.numpy(), axis1=-2, axis2=-1)
            if np.any(d == 0):
                raise ValueError("ScaleMatvecTriL: argument `scale_tril` must have a non-zero diagonal")

    @property
    def scale_tril(self):
        return self._scale_tril

    @property
    def adjoint(self):
        return self._adjoint

    def _tril(self):
        # only the lower triangle counts, as in TFP's LinearOperatorLowerTriangular
        return wb.linalg.band_part(self._scale_tril, -1, 0)

    def _forward(self, x):
        return wb.linalg.matvec(self._tril(), x, adjoint_a=self._adjoint)

    def _inverse(self, y):
        # the solve wants matching batch dims: broadcast the matrix and the right-hand side
        tril, rhs = self._tril(), y[..., None]
        batch = internal.broadcast_shapes(tril.shape[:-2], rhs.shape[:-2])
        if tril.shape[:-2] != batch:
            tril = wb.broadcast_to(tril, batch + tril.shape[-2:])
        if rhs.shape[:-2] != batch:
            rhs = wb.broadcast_to(rhs, batch + rhs.shape[-2:])
        return wb.linalg.triangular_solve(tril, rhs, lower=True, adjoint=self._adjoint)[..., 0]

    def _forward_log_det_jacobian(self, x):
        return wb.reduce_sum(wb.log(wb.abs(wb.linalg.diag_part(self._scale_tril))), axis=-1)
