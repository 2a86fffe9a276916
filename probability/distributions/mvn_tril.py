"""The multivariate normal with a lower-triangular scale."""

from __future__ import annotations

import workbench as wb

from .. import internal
from ._mvn import MultivariateNormal, _solve_lower
from .mvn_diag import _event_size

__all__ = ["MultivariateNormalTriL"]


class MultivariateNormalTriL(MultivariateNormal):
    """``MultivariateNormalTriL(loc=None, scale_tril=None)``: ``loc + scale_tril @ z``,
    ``z ~ N(0, I_k)``, i.e. covariance ``scale_tril @ scale_tril^T``.

    ``loc``: ``[..., k]``; ``scale_tril``: ``[..., k, k]``, of which only the lower triangle is
    read (as TFP). ``log_prob`` solves ``scale_tril z = x - loc`` by substitution.

    >>> d = MultivariateNormalTriL(loc=[0.0, 0.0], scale_tril=[[1.0, 0.0], [0.5, 2.0]])
    >>> d.covariance().numpy().tolist()
    [[1.0, 0.5], [0.5, 4.25]]
    """

    _param_event_ndims = {"loc": 1, "scale_tril": 2}
    _param_constraints = {"scale_tril": "lower_triangular_positive_diag"}

    def __init__(self, loc=None, scale_tril=None, validate_args=False, allow_nan_stats=True,
                 name="MultivariateNormalTriL"):
        parameters = dict(locals())
        owner = type(self).__name__
        if loc is None and scale_tril is None:
            raise ValueError(f"{owner}: give `loc` or `scale_tril` (or both)")
        dtype = internal.common_dtype([loc, scale_tril])
        loc = None if loc is None else internal.as_param(loc, "loc", dtype, owner)
        self._scale_tril = None if scale_tril is None else internal.as_param(scale_tril, "scale_tril", dtype, owner)
        if self._scale_tril is not None and (self._scale_tril.ndim < 2
                                             or self._scale_tril.shape[-1] != self._scale_tril.shape[-2]):
            raise ValueError(f"{owner}: `scale_tril` must be [..., k, k], got {list(self._scale_tril.shape)}")
        k = _event_size({"loc": loc, "scale_tril": self._scale_tril}, owner)
        self._init_mvn(loc, k, dtype, validate_args, allow_nan_stats, parameters, name)

    @property
    def scale_tril(self):
        return self._scale_tril

    def _scale_matrix(self):
        if self._scale_tril is None:
            return wb.eye(self._k, dtype=self.dtype)
        return wb.linalg.band_part(self._scale_tril, -1, 0)

    def _solve(self, v):
        return _solve_lower(self._scale_matrix(), v)

    def _scale_matvec(self, v):
        return wb.linalg.matvec(self._scale_matrix(), v)

    def _scale_diag_part(self):
        return wb.linalg.diag_part(self._scale_matrix())
