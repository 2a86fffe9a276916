"""The Poisson-LogNormal compound, approximated by a finite mixture of Poissons on a quadrature grid."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from ..math.special import ndtri
from ..internal import samplers
from .categorical import Categorical
from .distribution import NOT_REPARAMETERIZED, Distribution, _batch_key
from .poisson import Poisson

__all__ = ["PoissonLogNormalQuadratureCompound", "quadrature_scheme_lognormal_gauss_hermite",
           "quadrature_scheme_lognormal_quantiles"]


def quadrature_scheme_lognormal_gauss_hermite(loc, scale, quadrature_size, validate_args=False, name=None):
    """``(grid, probs)``: Gauss-Hermite nodes ``loc + sqrt(2) scale x_i`` ``[..., quadrature_size]`` and their
    weights normalized to sum to 1 ``[quadrature_size]`` (the grid is used as Poisson log-rates)."""
    loc, scale = wb.convert_to_tensor(loc), wb.convert_to_tensor(scale)
    nodes, weights = np.polynomial.hermite.hermgauss(int(quadrature_size))
    probs = weights / np.sum(weights)
    grid = (wb.expand_dims(loc, -1)
            + np.sqrt(2.0) * wb.expand_dims(scale, -1) * wb.constant(nodes.astype(loc.dtype)))
    return grid, wb.constant(probs.astype(loc.dtype))


def quadrature_scheme_lognormal_quantiles(loc, scale, quadrature_size, validate_args=False, name=None):
    """``(grid, probs)``: the midpoints of consecutive quantiles of ``LogNormal(loc, scale)`` at the
    ``quadrature_size + 1`` levels ``j / (quadrature_size + 2)``, ``j = 1..quadrature_size + 1``, and equal
    weights ``1 / quadrature_size``. As TFP 0.25, the compound uses this grid as Poisson log-rates."""
    loc, scale = wb.convert_to_tensor(loc), wb.convert_to_tensor(scale)
    size = int(quadrature_size)
    levels = np.linspace(0.0, 1.0, size + 3)[1:-1].astype(loc.dtype)
    z = ndtri(wb.constant(levels))
    quantiles = wb.exp(wb.expand_dims(loc, -1) + wb.expand_dims(scale, -1) * z)
    grid = 0.5 * (quantiles[..., :-1] + quantiles[..., 1:])
    return grid, wb.fill((size,), np.asarray(1.0 / size, dtype=loc.dtype))


class PoissonLogNormalQuadratureCompound(Distribution):
    """``PoissonLogNormalQuadratureCompound(loc, scale, quadrature_size=8,
    quadrature_fn=quadrature_scheme_lognormal_quantiles)``: the mixture
    ``sum_d probs[d] Poisson(k | log_rate=grid[d])`` with ``(grid, probs) = quadrature_fn(loc, scale,
    quadrature_size)``, TFP's stand-in for the Poisson-LogNormal compound (no closed-form pmf).

    ``loc``, ``scale``: the LogNormal prior's parameters (``scale > 0``). Samples (float, as Poisson's)
    pick a grid point, then a Poisson count. ``mean`` is ``sum probs exp(grid)``; ``variance`` is the
    mixture's, ``mean + sum probs exp(2 grid) - mean^2``. As TFP, no cdf, mode or entropy.

    >>> d = PoissonLogNormalQuadratureCompound(loc=[0., -0.5], scale=1., quadrature_size=10)
    >>> d.batch_shape, d.sample(4, seed=1).shape
    (TensorShape([2]), TensorShape([4, 2]))
    """

    _param_event_ndims = {"loc": 0, "scale": 0}
    _param_constraints = {"scale": "positive"}
    _support = "nonnegative_integer"

    def __init__(self, loc, scale, quadrature_size=8, quadrature_fn=quadrature_scheme_lognormal_quantiles,
                 validate_args=False, allow_nan_stats=True, name="PoissonLogNormalQuadratureCompound"):
        parameters = dict(locals())
        owner = "PoissonLogNormalQuadratureCompound"
        dtype = internal.common_dtype([loc, scale])
        self._loc = internal.as_param(loc, "loc", dtype, owner)
        self._scale = internal.as_param(scale, "scale", dtype, owner)
        if int(quadrature_size) != quadrature_size or int(quadrature_size) < 1:
            raise ValueError(f"{owner}: argument `quadrature_size` must be a positive integer, got {quadrature_size!r}")
        self._quadrature_size = int(quadrature_size)
        self._quadrature_fn = quadrature_fn
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)
        self._batch_shape()   # loc and scale must broadcast: fail here, naming their shapes

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    @property
    def quadrature_size(self):
        return self._quadrature_size

    def _grid(self):
        """``(grid [..., batch, size], probs [size or ..., size])`` from ``quadrature_fn``."""
        batch = tuple(self.batch_shape)
        loc = wb.broadcast_to(self._loc, batch)
        scale = wb.broadcast_to(self._scale, batch)
        grid, probs = self._quadrature_fn(loc, scale, self._quadrature_size, validate_args=self._validate_args)
        grid, probs = wb.convert_to_tensor(grid), wb.convert_to_tensor(probs)
        if grid.dtype != probs.dtype:
            raise TypeError(f"PoissonLogNormalQuadratureCompound: the quadrature grid's dtype ({grid.dtype}) does "
                            f"not match the quadrature probs' dtype ({probs.dtype})")
        return grid, probs

    def poisson_and_mixture_distributions(self):
        """``(Poisson(log_rate=grid), Categorical(logits=log(probs)))``, the parts of the mixture."""
        grid, probs = self._grid()
        return Poisson(log_rate=grid), Categorical(logits=wb.log(probs))

    def _log_prob(self, x):
        grid, probs = self._grid()
        lp = Poisson(log_rate=grid).log_prob(wb.expand_dims(x, -1))
        return wb.reduce_logsumexp(lp + wb.log(probs), axis=-1)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's layout: the Categorical draws [n, batch_size] ids when its probs have no batch
        # (n when they do), offset into the flattened [batch_size * size] rates
        mixture_seed, poisson_seed = internal.split_seed(seed, 2, salt="PoissonLogNormalQuadratureCompound")
        grid, probs = self._grid()
        batch = tuple(self.batch_shape)
        batch_size = int(np.prod(batch, dtype=np.int64))
        mixture = Categorical(logits=wb.log(probs))
        ids = mixture.sample([n] if tuple(mixture.batch_shape) else [n, batch_size], seed=mixture_seed)
        ids = wb.reshape(ids, [n] if not batch else [n, -1])
        ids = ids + wb.range(0, batch_size * self._quadrature_size, self._quadrature_size, dtype=ids.dtype)
        rate = wb.gather(wb.reshape(wb.exp(grid), [-1]), ids)
        rate = wb.reshape(rate, (n,) + batch)
        return samplers.poisson((), rate, dtype=self.dtype, seed=poisson_seed)

    def _moments(self):
        grid, probs = self._grid()
        mean = wb.reduce_sum(probs * wb.exp(grid), axis=-1)
        second = wb.reduce_sum(probs * wb.exp(2.0 * grid), axis=-1)
        return mean, second

    def _mean(self):
        return self._moments()[0]

    def _variance(self):
        mean, second = self._moments()
        return mean + second - wb.square(mean)

    def _default_event_space_bijector(self, *args, **kwargs):
        return None   # a discrete family

    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        batch = tuple(self.batch_shape)
        key = _batch_key(slices, len(batch), 0)
        return self.copy(loc=wb.broadcast_to(self._loc, batch)[key], scale=wb.broadcast_to(self._scale, batch)[key])
