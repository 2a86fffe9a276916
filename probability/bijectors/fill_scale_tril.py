"""FillScaleTriL: unconstrained vectors to Cholesky factors (lower triangular, positive diagonal)."""

from .chain import Chain
from .fill_triangular import FillTriangular
from .shift import Shift
from .softplus import Softplus
from .transform_diagonal import TransformDiagonal

__all__ = ["FillScaleTriL"]


class FillScaleTriL(Chain):
    """``[..., n(n+1)/2] -> [..., n, n]``: FillTriangular, then ``diag_bijector`` (default Softplus)
    on the diagonal, then ``+ diag_shift`` on the diagonal (keeps the diagonal away from 0).

    The usual parameterization of a full-covariance Gaussian's ``scale_tril``.

    >>> FillScaleTriL().forward(wb.zeros([3])).shape
    (2, 2)
    """

    def __init__(self, diag_bijector=None, diag_shift=1e-5, validate_args=False, name="fill_scale_tril"):
        parameters = dict(locals())
        diag_bijector = Softplus(validate_args=validate_args) if diag_bijector is None else diag_bijector
        parts = [TransformDiagonal(Shift(diag_shift))] if diag_shift is not None else []
        parts += [TransformDiagonal(diag_bijector), FillTriangular(validate_args=validate_args)]
        super().__init__(parts, validate_args=validate_args, name=name)
        self._parameters = parameters
        self._diag_shift = diag_shift

    @property
    def diag_shift(self):
        return self._diag_shift
