"""SchurComplement: a kernel conditioned on fixed inputs (the GP posterior covariance)."""

from __future__ import annotations

import numpy as np

import workbench as wb

from ... import internal
from .positive_semidefinite_kernel import PositiveSemidefiniteKernel

__all__ = ["SchurComplement"]


def _cholesky_with_jitter(matrix, jitter=1e-6):
    """TFP's default ``cholesky_fn``: the Cholesky factor of ``matrix + jitter * I``."""
    return wb.linalg.cholesky(matrix + jitter * wb.eye(matrix.shape[-1], dtype=matrix.dtype))


class SchurComplement(PositiveSemidefiniteKernel):
    """``k(x, y) = base(x, y) - base(x, Z) base(Z, Z)^{-1} base(Z, y)`` for the ``fixed_inputs``
    ``Z`` (shape ``batch + [N] + F``): the Schur complement of ``base(Z, Z)`` in the joint kernel
    matrix, i.e. a GP's posterior covariance after noise-free observations at ``Z``.

    ``diag_shift`` (a scalar per batch member) is added to the diagonal of ``base(Z, Z)``, which
    is factored by ``cholesky_fn`` (default: Cholesky after adding ``1e-6`` to the diagonal, as
    TFP). ``fixed_inputs_is_missing`` (boolean, ``batch + [N]``) drops those points, as if ``Z``
    did not hold them. ``fixed_inputs`` None or empty leaves ``base_kernel`` as it is.

    >>> k = SchurComplement(ExponentiatedQuadratic(), fixed_inputs=[[0.0], [3.0], [4.0]])
    >>> k.apply(wb.constant([3.0]), wb.constant([3.0])).numpy()   # 0 at a fixed input, but for the jitter
    9.536743e-07
    """

    def __init__(self, base_kernel, fixed_inputs, fixed_inputs_is_missing=None, diag_shift=None, cholesky_fn=None,
                 validate_args=False, name="SchurComplement", _precomputed_divisor_matrix_cholesky=None):
        parameters = dict(locals())
        if not isinstance(base_kernel, PositiveSemidefiniteKernel):
            raise TypeError(f"SchurComplement: `base_kernel` must be a PositiveSemidefiniteKernel, got "
                            f"{type(base_kernel).__name__}")
        if cholesky_fn is not None and not callable(cholesky_fn):
            raise TypeError(f"SchurComplement: `cholesky_fn` must be callable, got {type(cholesky_fn).__name__}")
        super().__init__(base_kernel.feature_ndims, None, name, validate_args, parameters)
        self._base_kernel = base_kernel
        self._param_feature_ndims = {"fixed_inputs": base_kernel.feature_ndims + 1}
        self._init_params(dict(fixed_inputs=fixed_inputs, diag_shift=diag_shift), dtype_hint=base_kernel.dtype,
                          positive=("diag_shift",))
        z = self._params["fixed_inputs"]
        if z is not None and z.ndim < base_kernel.feature_ndims + 1:
            raise ValueError(f"SchurComplement: `fixed_inputs` must have shape batch + [N] + feature shape "
                             f"(rank >= {base_kernel.feature_ndims + 1}), got shape {tuple(z.shape)}")
        if fixed_inputs_is_missing is not None:
            fixed_inputs_is_missing = wb.cast(wb.convert_to_tensor(fixed_inputs_is_missing), wb.bool)
        self._fixed_inputs_is_missing = fixed_inputs_is_missing
        self._cholesky_fn = cholesky_fn
        self._precomputed_cholesky = _precomputed_divisor_matrix_cholesky

    @classmethod
    def with_precomputed_divisor(cls, base_kernel, fixed_inputs, fixed_inputs_is_missing=None, diag_shift=None,
                                 cholesky_fn=None, validate_args=False, name="PrecomputedSchurComplement"):
        """The same kernel with the Cholesky factor of ``base(Z, Z)`` computed once, now."""
        kernel = cls(base_kernel, fixed_inputs, fixed_inputs_is_missing, diag_shift, cholesky_fn, validate_args, name)
        chol = None if kernel._is_fixed_inputs_empty() else kernel.divisor_matrix_cholesky()
        return cls(base_kernel, fixed_inputs, fixed_inputs_is_missing, diag_shift, cholesky_fn, validate_args, name,
                   _precomputed_divisor_matrix_cholesky=chol)

    @property
    def base_kernel(self):
        return self._base_kernel

    @property
    def fixed_inputs(self):
        return self._params["fixed_inputs"]

    @property
    def fixed_inputs_is_missing(self):
        return self._fixed_inputs_is_missing

    @property
    def diag_shift(self):
        return self._params["diag_shift"]

    @property
    def cholesky_fn(self):
        return self._cholesky_fn

    @property
    def batch_shape(self):
        shapes = [super().batch_shape, self._base_kernel.batch_shape]
        if self._fixed_inputs_is_missing is not None:
            shapes.append(tuple(self._fixed_inputs_is_missing.shape[:-1]))
        return wb.TensorShape(internal.broadcast_shapes(*shapes))

    def _is_fixed_inputs_empty(self):
        z = self._params["fixed_inputs"]
        return z is None or z.shape[z.ndim - self._feature_ndims - 1] == 0

    def _masked_fixed_inputs(self):
        z = wb.convert_to_tensor(self._params["fixed_inputs"])
        missing = self._fixed_inputs_is_missing
        if missing is None:
            return z
        # missing points set to 0 (their values must not reach the kernel's gradients)
        m = wb.reshape(missing, tuple(missing.shape) + (1,) * self._feature_ndims)
        return wb.where(m, wb.zeros_like(z), z)

    def divisor_matrix(self):
        """``base(Z, Z)`` plus ``diag_shift`` on the diagonal; missing points' rows and columns are
        those of the identity."""
        z = self._masked_fixed_inputs()
        m = self._base_kernel.matrix(z, z)
        n = m.shape[-1]
        eye = wb.eye(n, dtype=m.dtype)
        shift = self._params["diag_shift"]
        if shift is not None:
            shift = wb.convert_to_tensor(shift)
            m = m + wb.reshape(shift, tuple(shift.shape) + (1, 1)) * eye
        missing = self._fixed_inputs_is_missing
        if missing is not None:
            drop = wb.logical_or(missing[..., :, None], missing[..., None, :])
            m = wb.where(drop, eye * wb.ones_like(m), m)
        return m

    def divisor_matrix_cholesky(self):
        """The factor ``cholesky_fn(divisor_matrix())``."""
        if self._precomputed_cholesky is not None:
            return self._precomputed_cholesky
        fn = self._cholesky_fn or _cholesky_with_jitter
        return fn(self.divisor_matrix())

    def _apply(self, x1, x2, example_ndims):
        k12 = self._base_kernel._apply(x1, x2, example_ndims)
        if self._is_fixed_inputs_empty():
            return k12
        z = self._masked_fixed_inputs()
        k1z = self._base_kernel.tensor(x1, z, example_ndims, 1)    # batch + E1 + [N]
        k2z = self._base_kernel.tensor(x2, z, example_ndims, 1)
        missing = self._fixed_inputs_is_missing
        if missing is not None:
            m = wb.reshape(missing, tuple(missing.shape[:-1]) + (1,) * example_ndims + (missing.shape[-1],))
            k1z = wb.where(m, wb.zeros_like(k1z), k1z)
            k2z = wb.where(m, wb.zeros_like(k2z), k2z)
        chol = wb.convert_to_tensor(self.divisor_matrix_cholesky())
        n = chol.shape[-1]
        inv = wb.linalg.triangular_solve(chol, wb.eye(n, batch_shape=chol.shape[:-2], dtype=chol.dtype), lower=True)
        inv = wb.reshape(inv, tuple(inv.shape[:-2]) + (1,) * example_ndims + (n, n))
        # base(x, Z) base(Z, Z)^{-1} base(Z, y) = (L^{-1} k1z) . (L^{-1} k2z)
        return k12 - wb.reduce_sum(wb.linalg.matvec(inv, k1z) * wb.linalg.matvec(inv, k2z), axis=-1)
