"""The multivariate normal ``loc + scale @ z`` with ``scale`` a ``wb.linalg.LinearOperator``."""

from __future__ import annotations

import workbench as wb

from .. import internal
from ._mvn import MultivariateNormal
from .distribution import _batch_key

__all__ = ["MultivariateNormalLinearOperator"]

_DIAGONAL = (wb.linalg.LinearOperatorDiag, wb.linalg.LinearOperatorScaledIdentity, wb.linalg.LinearOperatorIdentity)


def check_scale(scale, owner):
    """``scale`` checked: a square LinearOperator of a floating dtype."""
    if scale is None:
        raise ValueError(f"{owner}: missing required argument `scale` (a wb.linalg.LinearOperator)")
    if not isinstance(scale, wb.linalg.LinearOperator):
        raise TypeError(f"{owner}: argument `scale` must be a wb.linalg.LinearOperator, got "
                        f"{type(scale).__name__}")
    if scale.range_dimension != scale.domain_dimension:
        raise ValueError(f"{owner}: argument `scale` must be square ([..., k, k]), got shape {list(scale.shape)}")
    return scale


def check_loc(loc, scale, owner):
    """``loc`` as a ``[..., k]`` Tensor of ``scale``'s dtype (None stays None)."""
    if loc is None:
        return None
    loc = internal.as_param(loc, "loc", scale.dtype, owner)
    if loc.ndim < 1 or loc.shape[-1] != scale.range_dimension:
        raise ValueError(f"{owner}: argument `loc` must be [..., k] with k = {scale.range_dimension} (the size of "
                         f"`scale`), got shape {list(loc.shape)}")
    return loc


def slice_scale(scale, slices, batch):
    """``scale`` sliced like a distribution whose batch shape is ``batch``: batch dimensions
    the operator lacks, or has as 1, stay broadcast (TFP's batch slicing of parameters)."""
    own = tuple(scale.batch_shape)
    if own == tuple(batch):
        return scale[slices]
    key = _batch_key(tuple(slices), len(batch), 0)
    offset = len(batch) - len(own)
    out, dim = [], 0
    for s in key:
        if s is None:
            if dim > offset:
                out.append(None)
            continue
        if dim >= offset:
            size = own[dim - offset]
            if size == 1 and batch[dim] != 1:
                out.append(0 if isinstance(s, int) else slice(None))
            else:
                out.append(s)
        dim += 1
    return scale[tuple(out)] if out else scale


def diagonal_variance(scale):
    """``diag(S S^T)`` without the dense matrix when ``scale`` is diagonal, else None."""
    if isinstance(scale, _DIAGONAL):
        return wb.square(scale.diag_part())
    return None


class MultivariateNormalLinearOperator(MultivariateNormal):
    """``MultivariateNormalLinearOperator(loc=None, scale)``: ``loc + scale @ z``, ``z ~ N(0, I_k)``,
    with covariance ``scale @ scale^T``.

    ``scale``: a square ``wb.linalg.LinearOperator`` ``[..., k, k]``; ``loc``: ``[..., k]`` (zero
    when None). The density solves with the operator (elementwise for a diagonal, a
    substitution for a triangle, Woodbury for a low-rank update) and takes
    ``scale.log_abs_determinant()``, so the structure is never lost to a dense ``k x k``
    factorization. Samples are reparameterized; ``kl_divergence`` against any multivariate
    normal family is closed form.

    >>> scale = wb.linalg.LinearOperatorLowRankUpdate(
    ...     wb.linalg.LinearOperatorDiag([1.0, 2.0, 3.0], is_positive_definite=True), u=[[1.0], [0.5], [0.0]])
    >>> d = MultivariateNormalLinearOperator(loc=[0.0, 1.0, -1.0], scale=scale)
    >>> d.sample(2, seed=1).shape, d.log_prob([0.0, 1.0, -1.0]).shape
    (TensorShape([2, 3]), TensorShape([]))
    """

    _param_event_ndims = {"loc": 1}

    def __init__(self, loc=None, scale=None, validate_args=False, allow_nan_stats=True,
                 name="MultivariateNormalLinearOperator"):
        parameters = dict(locals())
        owner = type(self).__name__
        self._scale = check_scale(scale, owner)
        loc = check_loc(loc, self._scale, owner)
        self._init_mvn(loc, self._scale.range_dimension, self._scale.dtype, validate_args, allow_nan_stats,
                       parameters, name)
        self._batch_shape()   # loc and scale must broadcast: fail here, naming their shapes

    @property
    def scale(self):
        """The scale ``LinearOperator``."""
        return self._scale

    def _batch_shape(self):
        shapes = [tuple(self._scale.batch_shape)]
        if self._loc is not None:
            shapes.append(tuple(self._loc.shape[:-1]))
        return internal.broadcast_shapes(*shapes)

    def _scale_matrix(self):
        return self._scale.to_dense()

    def _solve(self, v):
        return self._scale.solvevec(v)

    def _solve_matrix(self, m):
        return self._scale.solve(m)

    def _scale_matvec(self, v):
        return self._scale.matvec(v)

    def _scale_diag_part(self):
        return self._scale.diag_part()

    def _log_abs_det_scale(self):
        return self._scale.log_abs_determinant()

    def _variance(self):
        var = diagonal_variance(self._scale)
        return super()._variance() if var is None else var

    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        batch = tuple(self.batch_shape)
        new = {"scale": slice_scale(self._scale, slices, batch)}
        if self._loc is not None:
            loc = wb.broadcast_to(self._loc, batch + (self._k,))
            new["loc"] = loc[_batch_key(slices, len(batch), 1)]
        return self.copy(**new)
