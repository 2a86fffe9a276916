"""ScaleMatvecLinearOperatorBlock: a block-diagonal or block lower-triangular linear operator
applied to a list of parts."""

import numpy as np

import workbench as wb

from ._structured import StructuredBijector, as_part
from .scale_matvec_linear_operator import ScaleMatvecLinearOperator, check_scale

__all__ = ["ScaleMatvecLinearOperatorBlock"]


class ScaleMatvecLinearOperatorBlock(StructuredBijector):
    """``y_i = sum_j scale[i, j] @ x_j`` for ``scale`` a ``wb.linalg.LinearOperatorBlockDiag`` or
    ``LinearOperatorBlockLowerTriangular``: the input and output are lists of vectors, one per
    block (``adjoint=True`` applies the adjoint). It is ``ScaleMatvecLinearOperator`` on the
    parts laid end to end, so products, solves and ``log|det J|`` go through the operator's
    block structure (block by block, by block substitution).

    >>> scale = wb.linalg.LinearOperatorBlockDiag([wb.linalg.LinearOperatorDiag([1., -1., 3.]),
    ...                                            wb.linalg.LinearOperatorFullMatrix([[12., 5.], [-1., 3.]])])
    >>> [t.numpy().tolist() for t in ScaleMatvecLinearOperatorBlock(scale)([[1., 2., 3.], [0., 1.]])]
    [[1.0, -2.0, 9.0], [5.0, 3.0]]
    """

    _structure_to_structure = True

    def __init__(self, scale, adjoint=False, validate_args=False, name="scale_matvec_linear_operator_block"):
        parameters = dict(locals())
        owner = "ScaleMatvecLinearOperatorBlock"
        check_scale(scale, owner, validate_args,
                    (wb.linalg.LinearOperatorBlockDiag, wb.linalg.LinearOperatorBlockLowerTriangular))
        if isinstance(scale, wb.linalg.LinearOperatorBlockDiag):
            blocks = scale.operators
        else:
            blocks = [row[i] for i, row in enumerate(scale.operators)]
        for i, op in enumerate(blocks):
            if op.range_dimension != op.domain_dimension:
                raise ValueError(f"{owner}: block {i} of `scale` must be square, got shape {list(op.shape)}")
        self._sizes = [op.domain_dimension for op in blocks]
        self._flat = ScaleMatvecLinearOperator(scale, adjoint, validate_args)
        super().__init__(forward_min_event_ndims=1, is_constant_jacobian=True, validate_args=validate_args,
                         dtype=scale.dtype, parameters=parameters, name=name)

    @property
    def scale(self):
        return self._flat.scale

    @property
    def adjoint(self):
        return self._flat.adjoint

    def _parts(self, value, what):
        if not isinstance(value, (list, tuple)) or len(value) != len(self._sizes):
            raise ValueError(f"ScaleMatvecLinearOperatorBlock.{what}: expected a list of {len(self._sizes)} parts "
                             f"(one per block), got {type(value).__name__}"
                             + (f" of {len(value)}" if isinstance(value, (list, tuple)) else ""))
        return [as_part(v, self._dtype) for v in value]

    def _joined(self, value, what):
        """The parts laid end to end (their batch dimensions broadcast together)."""
        parts = self._parts(value, what)
        batch = tuple(np.broadcast_shapes(*[tuple(p.shape[:-1]) for p in parts]))
        parts = [p if tuple(p.shape[:-1]) == batch else wb.broadcast_to(p, batch + tuple(p.shape[-1:]))
                 for p in parts]
        return wb.concat(parts, axis=-1) if len(parts) > 1 else parts[0]

    def _split(self, flat):
        return wb.split(flat, self._sizes, axis=-1) if len(self._sizes) > 1 else [flat]

    def _forward(self, x):
        return self._split(self._flat.forward(self._joined(x, "forward")))

    def _inverse(self, y):
        return self._split(self._flat.inverse(self._joined(y, "inverse")))

    def _log_det(self, value, what, sign):
        flat = self._joined(value, what)
        ldj = self._flat.forward_log_det_jacobian(flat, event_ndims=1)
        # one value per batch member of the parts, as the blockwise sum it is
        return sign * ldj * wb.ones(tuple(flat.shape[:-1]), dtype=self._dtype)

    def _fldj(self, x, event_ndims):
        return self._log_det(x, "forward_log_det_jacobian", 1.0)

    def _ildj(self, y, event_ndims):
        return self._log_det(y, "inverse_log_det_jacobian", -1.0)
