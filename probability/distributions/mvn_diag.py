"""The multivariate normal with a diagonal scale."""

from __future__ import annotations

import workbench as wb

from .. import internal
from ._mvn import MultivariateNormal

__all__ = ["MultivariateNormalDiag"]


class MultivariateNormalDiag(MultivariateNormal):
    """``MultivariateNormalDiag(loc=None, scale_diag=None)``: ``loc + scale_diag * z``,
    ``z ~ N(0, I_k)``, i.e. covariance ``diag(scale_diag**2)``.

    ``loc``, ``scale_diag``: ``[..., k]`` (a missing ``loc`` is zero, a missing ``scale_diag``
    the identity); ``event_shape`` is ``[k]``, ``batch_shape`` broadcasts the rest.

    >>> d = MultivariateNormalDiag(loc=[0.0, 1.0], scale_diag=[1.0, 2.0])
    >>> d.event_shape, d.covariance().shape
    ((2,), (2, 2))
    """

    _param_event_ndims = {"loc": 1, "scale_diag": 1}
    _param_constraints = {"scale_diag": "nonzero"}

    def __init__(self, loc=None, scale_diag=None, validate_args=False, allow_nan_stats=True,
                 name="MultivariateNormalDiag"):
        parameters = dict(locals())
        if loc is None and scale_diag is None:
            raise ValueError("MultivariateNormalDiag: give `loc` or `scale_diag` (or both)")
        dtype = internal.common_dtype([loc, scale_diag])
        owner = "MultivariateNormalDiag"
        loc = None if loc is None else internal.as_param(loc, "loc", dtype, owner)
        self._scale_diag = None if scale_diag is None else internal.as_param(scale_diag, "scale_diag", dtype, owner)
        k = _event_size({"loc": loc, "scale_diag": self._scale_diag}, owner)
        self._init_mvn(loc, k, dtype, validate_args, allow_nan_stats, parameters, name)

    @property
    def scale_diag(self):
        return self._scale_diag

    def _diag(self):
        if self._scale_diag is None:
            return wb.ones((self._k,), dtype=self.dtype)
        return self._scale_diag

    def _solve(self, v):
        return v / self._diag()

    def _scale_matvec(self, v):
        return self._diag() * v

    def _scale_diag_part(self):
        return self._diag()

    def _scale_matrix(self):
        return wb.linalg.diag(self._diag())

    def _variance(self):
        return wb.square(self._diag())


def _event_size(vectors, owner):
    """The common last dimension of the given ``[..., k]`` parameters. ``loc`` broadcasts against
    the scale (a scalar, or a last dimension of 1, takes the scale's event size), as in TFP."""
    sizes = {name: t.shape[-1] for name, t in vectors.items() if t is not None and t.ndim >= 1}
    if sizes.get("loc") == 1 and len(sizes) > 1:
        del sizes["loc"]
    for name, t in vectors.items():
        if t is not None and t.ndim < 1 and (name != "loc" or not sizes):
            raise ValueError(f"{owner}: `{name}` needs a last dimension (the event), got a scalar")
    if len(set(sizes.values())) > 1:
        raise ValueError(f"{owner}: event sizes differ: " + ", ".join(f"`{n}` has {k}" for n, k in sizes.items()))
    return next(iter(sizes.values()))
