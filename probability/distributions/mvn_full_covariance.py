"""The multivariate normal given its covariance matrix."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .mvn_diag import _event_size
from .mvn_tril import MultivariateNormalTriL

__all__ = ["MultivariateNormalFullCovariance"]


class MultivariateNormalFullCovariance(MultivariateNormalTriL):
    """``MultivariateNormalFullCovariance(loc=None, covariance_matrix=None)``: the normal with
    covariance ``covariance_matrix`` ``[..., k, k]``, through its Cholesky factor (a
    ``MultivariateNormalTriL``, as in TFP).

    The matrix is symmetrized, ``(C + C^T) / 2``, before the factorization, so gradients with
    respect to it are those of a symmetric matrix; a matrix that is not positive definite
    raises when the factor is first needed (or at construction with ``validate_args=True``).

    >>> d = MultivariateNormalFullCovariance(covariance_matrix=[[2.0, 0.5], [0.5, 1.0]])
    >>> d.covariance().numpy().round(4).tolist()
    [[2.0, 0.5], [0.5, 1.0]]
    """

    _param_event_ndims = {"loc": 1, "covariance_matrix": 2}
    _param_constraints = {"covariance_matrix": "positive_definite"}

    def __init__(self, loc=None, covariance_matrix=None, validate_args=False, allow_nan_stats=True,
                 name="MultivariateNormalFullCovariance"):
        parameters = dict(locals())
        owner = "MultivariateNormalFullCovariance"
        if loc is None and covariance_matrix is None:
            raise ValueError(f"{owner}: give `loc` or `covariance_matrix` (or both)")
        dtype = internal.common_dtype([loc, covariance_matrix])
        loc = None if loc is None else internal.as_param(loc, "loc", dtype, owner)
        cov = None if covariance_matrix is None else internal.as_param(covariance_matrix, "covariance_matrix",
                                                                       dtype, owner)
        if cov is not None and (cov.ndim < 2 or cov.shape[-1] != cov.shape[-2]):
            raise ValueError(f"{owner}: `covariance_matrix` must be [..., k, k], got {list(cov.shape)}")
        self._covariance_matrix = cov
        self._scale_tril = None
        k = _event_size({"loc": loc, "covariance_matrix": cov}, owner)
        self._init_mvn(loc, k, dtype, validate_args, allow_nan_stats, parameters, name)

    @property
    def covariance_matrix(self):
        return self._covariance_matrix

    @property
    def scale_tril(self):
        """The Cholesky factor of the covariance."""
        return self._scale_matrix()

    def _scale_matrix(self):
        c = self._covariance_matrix
        if c is None:
            return wb.eye(self._k, dtype=self.dtype)
        return wb.linalg.cholesky(0.5 * (c + wb.linalg.matrix_transpose(c)))
