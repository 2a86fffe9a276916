"""ScaleMatvecLinearOperatorBlock: a block-diagonal linear operator applied to a list of parts."""

import numpy as np

import workbench as wb

from ._structured import StructuredBijector, as_part

__all__ = ["ScaleMatvecLinearOperatorBlock"]


class ScaleMatvecLinearOperatorBlock(StructuredBijector):
    """``y_i = scale.operators[i] @ x_i`` for ``scale`` a ``wb.linalg.LinearOperatorBlockDiag``:
    the input and output are lists of vectors, one per block (``adjoint=True`` applies each
    block's adjoint). The inverse solves block by block and ``log|det J|`` is the sum of the
    blocks' ``log_abs_determinant``.

    >>> scale = wb.linalg.LinearOperatorBlockDiag([wb.linalg.LinearOperatorDiag([1., -1., 3.]),
    ...                                            wb.linalg.LinearOperatorFullMatrix([[12., 5.], [-1., 3.]])])
    >>> [t.numpy().tolist() for t in ScaleMatvecLinearOperatorBlock(scale)([[1., 2., 3.], [0., 1.]])]
    [[1.0, -2.0, 9.0], [5.0, 3.0]]
    """

    def __init__(self, scale, adjoint=False, validate_args=False, name="scale_matvec_linear_operator_block"):
        parameters = dict(locals())
        owner = "ScaleMatvecLinearOperatorBlock"
        if not isinstance(scale, wb.linalg.LinearOperatorBlockDiag):
            raise TypeError(f"{owner}: argument `scale` must be a wb.linalg.LinearOperatorBlockDiag, got "
                            f"{type(scale).__name__}")
        for i, op in enumerate(scale.operators):
            if op.range_dimension != op.domain_dimension:
                raise ValueError(f"{owner}: block {i} of `scale` must be square, got shape {list(op.shape)}")
        if validate_args and scale.is_non_singular is False:
            raise ValueError(f"{owner}: argument `scale` is declared singular (is_non_singular=False)")
        self._scale = scale
        self._adjoint = bool(adjoint)
        super().__init__(forward_min_event_ndims=1, is_constant_jacobian=True, validate_args=validate_args,
                         dtype=scale.dtype, parameters=parameters, name=name)

    @property
    def scale(self):
        return self._scale

    @property
    def adjoint(self):
        return self._adjoint

    def _parts(self, value, what):
        ops = self._scale.operators
        if not isinstance(value, (list, tuple)) or len(value) != len(ops):
            raise ValueError(f"ScaleMatvecLinearOperatorBlock.{what}: expected a list of {len(ops)} parts (one per "
                             f"block), got {type(value).__name__}"
                             + (f" of {len(value)}" if isinstance(value, (list, tuple)) else ""))
        return [as_part(v, self._dtype) for v in value]

    def _forward(self, x):
        return [op.matvec(p, adjoint=self._adjoint)
                for op, p in zip(self._scale.operators, self._parts(x, "forward"))]

    def _inverse(self, y):
        return [op.solvevec(p, adjoint=self._adjoint)
                for op, p in zip(self._scale.operators, self._parts(y, "inverse"))]

    def _log_det(self, parts):
        total = 0.
        for op in self._scale.operators:
            total = total + op.log_abs_determinant()
        batch = np.broadcast_shapes(*[tuple(p.shape[:-1]) for p in parts])
        return total * wb.ones(tuple(batch), dtype=self._dtype)

    def _fldj(self, x, event_ndims):
        return self._log_det(self._parts(x, "forward_log_det_jacobian"))

    def _ildj(self, y, event_ndims):
        return -self._log_det(self._parts(y, "inverse_log_det_jacobian"))

