"""ScaleMatvecLU: ``y = A x`` with ``A`` given by its pivoted LU factorization."""

import numpy as np

import workbench as wb

from .bijector import Bijector

__all__ = ["ScaleMatvecLU", "MatvecLU"]


class ScaleMatvecLU(Bijector):
    """``y = A @ x`` where ``A[permutation] = L @ U`` (TF's ``lu`` packing): ``lower_upper`` holds
    ``U`` on and above the diagonal and ``L``'s strict lower part (``L`` has a unit diagonal).
    ``log|det J| = sum(log|diag(U)|)``; the inverse solves the two triangular systems.
    Used by Glow's invertible 1x1 convolutions.

    >>> b = ScaleMatvecLU(lower_upper=[[2.0, 1.0], [0.5, 3.0]], permutation=[1, 0])
    >>> b.forward(wb.constant([1.0, 0.0])).numpy()    # the first column of A
    array([1., 2.], dtype=float32)
    """

    _param_event_ndims = {"lower_upper": 2}

    def __init__(self, lower_upper, permutation, validate_args=False, name=None):
        parameters = dict(locals())
        owner = type(self).__name__
        lu = lower_upper if isinstance(lower_upper, wb.Tensor) or hasattr(type(lower_upper), "__wb_tensor__") \
            else wb.constant(np.asarray(lower_upper, dtype=np.float32)
                             if not isinstance(lower_upper, np.ndarray) else lower_upper)
        if len(lu.shape) < 2 or lu.shape[-1] != lu.shape[-2]:
            raise ValueError(f"{owner}: argument `lower_upper` must be [..., n, n], got shape {tuple(lu.shape)}")
        n = lu.shape[-1]
        perm = np.asarray(permutation.numpy() if isinstance(permutation, wb.Tensor) else permutation)
        if perm.shape[-1:] != (n,) or perm.dtype.kind not in "iu" or \
                np.any(np.sort(perm.reshape(-1, n), axis=-1) != np.arange(n)):
            raise ValueError(f"{owner}: argument `permutation` must be a permutation of 0..{n - 1}, "
                             f"got {permutation!r}")
        if perm.ndim != 1:
            raise ValueError(f"{owner}: argument `permutation` must be one vector shared by the batch, "
                             f"got shape {perm.shape}")
        self._lower_upper = lu
        self._permutation = perm.astype(np.int64)
        self._inverse_permutation = np.argsort(self._permutation)
        super().__init__(forward_min_event_ndims=1, is_constant_jacobian=True, validate_args=validate_args,
                         dtype=lu.dtype, parameters=parameters, name=name or "scale_matvec_lu")
        if validate_args and bool(wb.reduce_any(wb.equal(wb.linalg.diag_part(wb.convert_to_tensor(lu)), 0.0))):
            raise ValueError(f"{owner}: argument `lower_upper` has a zero on its diagonal (A is singular)")

    @property
    def lower_upper(self):
        return self._lower_upper

    @property
    def permutation(self):
        return wb.constant(self._permutation)

    def _factors(self):
        lu = wb.convert_to_tensor(self._lower_upper)
        n = lu.shape[-1]
        lower = wb.linalg.band_part(lu, -1, 0) - wb.linalg.band_part(lu, 0, 0) + wb.eye(n, dtype=lu.dtype)
        upper = wb.linalg.band_part(lu, 0, -1)
        return lower, upper

    def matrix(self):
        """``A``, reconstructed from the factors (TF's ``lu_reconstruct``)."""
        lower, upper = self._factors()
        return wb.gather(wb.matmul(lower, upper), self._inverse_permutation.tolist(), axis=-2)

    def _forward(self, x):
        return wb.linalg.matvec(self.matrix(), x)

    def _inverse(self, y):
        lower, upper = self._factors()
        z = wb.expand_dims(wb.gather(y, self._permutation.tolist(), axis=-1), -1)
        batch = tuple(np.broadcast_shapes(tuple(z.shape[:-2]), tuple(lower.shape[:-2])))
        n = lower.shape[-1]
        lower = wb.broadcast_to(lower, batch + (n, n))
        upper = wb.broadcast_to(upper, batch + (n, n))
        z = wb.broadcast_to(z, batch + (n, 1))
        w = wb.linalg.triangular_solve(lower, z, lower=True)
        return wb.linalg.triangular_solve(upper, w, lower=False)[..., 0]

    def _forward_log_det_jacobian(self, x):
        lu = wb.convert_to_tensor(self._lower_upper)
        return wb.reduce_sum(wb.log(wb.abs(wb.linalg.diag_part(lu))), axis=-1)


class MatvecLU(ScaleMatvecLU):
    """The earlier name of :class:`ScaleMatvecLU` (TFP keeps both)."""

    def __init__(self, lower_upper, permutation, validate_args=False, name=None):
        super().__init__(lower_upper, permutation, validate_args=validate_args, name=name or "matvec_lu")
