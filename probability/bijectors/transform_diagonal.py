"""TransformDiagonal: a scalar bijector applied to the diagonal of matrices."""

import workbench as wb

from .bijector import Bijector

__all__ = ["TransformDiagonal"]


class TransformDiagonal(Bijector):
    """Applies ``diag_bijector`` to the diagonal of ``[..., n, n]`` matrices, leaving the rest.

    >>> TransformDiagonal(Exp()).forward(wb.zeros([2, 2])).numpy()
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """

    def __init__(self, diag_bijector, validate_args=False, name=None):
        parameters = dict(locals())
        if not isinstance(diag_bijector, Bijector) or diag_bijector.forward_min_event_ndims > 1 \
                or diag_bijector.forward_min_event_ndims != diag_bijector.inverse_min_event_ndims:
            raise ValueError("TransformDiagonal: `diag_bijector` must be a bijector of scalars or vectors that "
                             "keeps the rank")
        self._diag_bijector = diag_bijector
        super().__init__(forward_min_event_ndims=2, is_constant_jacobian=diag_bijector.is_constant_jacobian,
                         validate_args=validate_args, dtype=diag_bijector.dtype, parameters=parameters,
                         name=name or "transform_diagonal_" + diag_bijector.name)

    @property
    def diag_bijector(self):
        return self._diag_bijector

    def _forward(self, x):
        return wb.linalg.set_diag(x, self._diag_bijector.forward(wb.linalg.diag_part(x)))

    def _inverse(self, y):
        return wb.linalg.set_diag(y, self._diag_bijector.inverse(wb.linalg.diag_part(y)))

    def _forward_log_det_jacobian(self, x):
        # the off-diagonal entries pass through: the Jacobian is block-diagonal
        return self._diag_bijector.forward_log_det_jacobian(wb.linalg.diag_part(x), event_ndims=1)

    def _inverse_log_det_jacobian(self, y):
        return self._diag_bijector.inverse_log_det_jacobian(wb.linalg.diag_part(y), event_ndims=1)

    def experimental_batch_shape(self, x_event_ndims=None):
        ev = 2 if x_event_ndims is None else int(x_event_ndims)
        return self._diag_bijector.experimental_batch_shape(ev - 1)
