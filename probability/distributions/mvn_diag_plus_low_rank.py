"""The multivariate normal with scale ``diag(scale_diag) + U diag(m) U^T`` (diagonal plus low rank)."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .mvn_diag import _event_size
from .mvn_tril import MultivariateNormalTriL

__all__ = ["MultivariateNormalDiagPlusLowRank"]


class MultivariateNormalDiagPlusLowRank(MultivariateNormalTriL):
    """``MultivariateNormalDiagPlusLowRank(loc=None, scale_diag=None, scale_perturb_factor=None,
    scale_perturb_diag=None)``: ``loc + S z`` with ``S = diag(scale_diag) + U diag(m) U^T``,
    ``U = scale_perturb_factor`` ``[..., k, r]`` and ``m = scale_perturb_diag`` ``[..., r]``
    (the identity where not given), so the covariance is ``S S^T``.

    Samples are ``loc + S z`` (TFP's draws); densities and the MVN KL rule go through the Cholesky
    factor of ``S S^T`` (the same distribution; ``scale_tril`` returns it).

    >>> d = MultivariateNormalDiagPlusLowRank(scale_diag=[1.0, 2.0], scale_perturb_factor=[[1.0], [0.5]])
    >>> d.event_shape
    (2,)
    """

    _param_event_ndims = {"loc": 1, "scale_diag": 1, "scale_perturb_factor": 2, "scale_perturb_diag": 1}
    _param_constraints = {}

    def __init__(self, loc=None, scale_diag=None, scale_perturb_factor=None, scale_perturb_diag=None,
                 validate_args=False, allow_nan_stats=True, name="MultivariateNormalDiagPlusLowRank"):
        parameters = dict(locals())
        owner = "MultivariateNormalDiagPlusLowRank"
        if loc is None and scale_diag is None and scale_perturb_factor is None:
            raise ValueError(f"{owner}: give `loc`, `scale_diag` or `scale_perturb_factor`")
        if scale_perturb_diag is not None and scale_perturb_factor is None:
            raise ValueError(f"{owner}: `scale_perturb_diag` needs `scale_perturb_factor`")
        dtype = internal.common_dtype([loc, scale_diag, scale_perturb_factor, scale_perturb_diag])
        conv = lambda v, n: None if v is None else internal.as_param(v, n, dtype, owner)
        loc = conv(loc, "loc")
        self._scale_diag = conv(scale_diag, "scale_diag")
        self._scale_perturb_factor = conv(scale_perturb_factor, "scale_perturb_factor")
        self._scale_perturb_diag = conv(scale_perturb_diag, "scale_perturb_diag")
        u, m = self._scale_perturb_factor, self._scale_perturb_diag
        if u is not None and u.ndim < 2:
            raise ValueError(f"{owner}: `scale_perturb_factor` must be [..., k, r], got {list(u.shape)}")
        if u is not None and m is not None and (m.ndim < 1 or m.shape[-1] != u.shape[-1]):
            raise ValueError(f"{owner}: `scale_perturb_diag` must be [..., r] with r = {u.shape[-1]} "
                             f"(the factor's columns), got {list(m.shape)}")
        rows = None if u is None else wb.zeros(u.shape[:-1], dtype=dtype)
        k = _event_size({"loc": loc, "scale_diag": self._scale_diag, "scale_perturb_factor": rows}, owner)
        self._scale_tril = None
        self._init_mvn(loc, k, dtype, validate_args, allow_nan_stats, parameters, name)

    @property
    def scale_diag(self):
        return self._scale_diag

    @property
    def scale_perturb_factor(self):
        return self._scale_perturb_factor

    @property
    def scale_perturb_diag(self):
        return self._scale_perturb_diag

    @property
    def scale_tril(self):
        """The Cholesky factor of the covariance ``S S^T``."""
        return self._scale_matrix()

    def scale_operator_matrix(self):
        """``S = diag(scale_diag) + U diag(m) U^T`` as a dense ``[..., k, k]`` matrix."""
        s = wb.eye(self._k, dtype=self.dtype) if self._scale_diag is None else wb.linalg.diag(self._scale_diag)
        u = self._scale_perturb_factor
        if u is not None:
            um = u if self._scale_perturb_diag is None else u * wb.expand_dims(self._scale_perturb_diag, -2)
            s = s + wb.matmul(um, wb.linalg.matrix_transpose(u))
        return s

    def _scale_matvec(self, v):
        # S v as TFP's LinearOperatorLowRankUpdate applies it: diag(scale_diag) v + U (m * (U^T v)),
        # so draws are TFP's (loc + S z, not the Cholesky factor's)
        x = v[..., None]
        lead = x if self._scale_diag is None else self._scale_diag[..., None] * x
        u = self._scale_perturb_factor
        if u is None:
            return lead[..., 0]
        uh_x = wb.matmul(u, x, transpose_a=True)
        if self._scale_perturb_diag is not None:
            uh_x = self._scale_perturb_diag[..., None] * uh_x
        return (lead + wb.matmul(u, uh_x))[..., 0]

    def _scale_matrix(self):
        s = self.scale_operator_matrix()
        cov = wb.matmul(s, wb.linalg.matrix_transpose(s))
        return wb.linalg.cholesky(0.5 * (cov + wb.linalg.matrix_transpose(cov)))
