"""GaussianProcess: the marginal distribution of a GP's function values at index points."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from ..math.psd_kernels import PositiveSemidefiniteKernel
from . import _gp
from ._mvn import MultivariateNormal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL, kl_divergence
from .mvn_tril import MultivariateNormalTriL

__all__ = ["GaussianProcess"]


class GaussianProcess(Distribution):
    """``f(index_points)`` for ``f ~ GP(mean_fn, kernel)``, plus observation noise: a multivariate
    normal with mean ``mean_fn(index_points)`` and covariance
    ``kernel.matrix(x, x) + observation_noise_variance * I`` (event shape ``[num_points]``).

    Densities and draws use the Cholesky factor of the covariance plus ``jitter * I``. The batch
    shape broadcasts the kernel's, the index points' leading dims and the noise variance's.

    >>> gp = GaussianProcess(psd_kernels.ExponentiatedQuadratic(1.0, 0.5), index_points=x[..., None],
    ...                      observation_noise_variance=0.1)
    >>> gp.log_prob(y)   # the marginal likelihood of y
    """

    def __init__(self, kernel, index_points=None, mean_fn=None, observation_noise_variance=0.0,
                 marginal_fn=None, cholesky_fn=None, jitter=1e-6, validate_args=False, allow_nan_stats=False,
                 parameters=None, name="GaussianProcess"):
        parameters = parameters or dict(locals())
        self._init_gp(kernel, index_points, mean_fn, observation_noise_variance, cholesky_fn, jitter)
        super().__init__(self._gp_dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    def _init_gp(self, kernel, index_points, mean_fn, observation_noise_variance, cholesky_fn, jitter):
        owner = type(self).__name__
        if not isinstance(kernel, PositiveSemidefiniteKernel):
            raise TypeError(f"{owner}: `kernel` must be a PositiveSemidefiniteKernel, got {type(kernel).__name__}")
        if mean_fn is not None and not callable(mean_fn):
            raise TypeError(f"{owner}: `mean_fn` must be callable, got {type(mean_fn).__name__}")
        self._kernel = kernel
        self._gp_dtype = _gp.process_dtype(kernel, index_points, observation_noise_variance,
                                           *self._dtype_arguments())
        self._index_points = _gp.as_index_points(index_points, kernel, owner, dtype=self._gp_dtype)
        self._mean_fn = mean_fn
        self._observation_noise_variance = internal.as_param(observation_noise_variance, "observation_noise_variance",
                                                             self._gp_dtype, owner)
        self._jitter = float(jitter)
        self._cholesky_fn = cholesky_fn

    def _dtype_arguments(self):
        """Further arguments whose floating dtype fixes the process's when the kernel has none."""
        return ()

    # -- properties ---------------------------------------------------------------
    @property
    def kernel(self):
        return self._kernel

    @property
    def index_points(self):
        return self._index_points

    @property
    def mean_fn(self):
        return self._mean_fn

    @property
    def observation_noise_variance(self):
        return self._observation_noise_variance

    @property
    def jitter(self):
        return self._jitter

    def _points(self):
        if self._index_points is None:
            raise ValueError(f"{type(self).__name__}: no `index_points` were given")
        return self._index_points

    def _batch_shape(self):
        return internal.broadcast_shapes(self._kernel.batch_shape, _gp.points_batch(self._points(), self._kernel),
                                         tuple(self._observation_noise_variance.shape))

    def _event_shape(self):
        return (_gp.num_points(self._points(), self._kernel),)

    # -- the multivariate normal -------------------------------------------------------
    def _loc(self):
        return _gp.mean_at(self._mean_fn, self._points(), self._kernel, self._gp_dtype)

    def _cov(self):
        x = self._points()
        return _gp.add_diagonal(self._kernel.matrix(x, x), self._observation_noise_variance)

    def _marginal_variance(self):
        x = self._points()
        return self._kernel.apply(x, x, example_ndims=1) + _gp.per_point(self._observation_noise_variance)

    def _chol(self):
        cov = _gp.add_diagonal(self._cov(), self._jitter)
        return self._cholesky_fn(cov) if self._cholesky_fn is not None else wb.linalg.cholesky(cov)

    def _log_prob(self, x):
        return _gp.mvn_log_prob(x, self._loc(), self._chol())

    _sample_n_takes_any_seed = True   # TFP's flow: an int seed reaches the stateful normal op

    def _sample_n(self, n, seed):
        batch = tuple(self.batch_shape)
        return _gp.mvn_sample(n, self._loc(), _gp.broadcast_batch(self._chol(), batch, 2), batch, seed,
                              self._gp_dtype)

    def _mean(self):
        return self._loc()

    def _mode(self):
        return self._loc()

    def _variance(self):
        return self._marginal_variance()

    def _covariance(self):
        cov = self._cov()
        return _gp.broadcast_batch(cov, self.batch_shape, 2)

    def _entropy(self):
        return _gp.mvn_entropy(self._chol())

    # -- methods at other index points (TFP's ``index_points=`` keyword) -------------------------
    def _at(self, index_points):
        return self if index_points is None else self.copy(index_points=index_points)

    def log_prob(self, value, name=None, index_points=None):
        return Distribution.log_prob(self._at(index_points), value)

    def prob(self, value, name=None, index_points=None):
        return Distribution.prob(self._at(index_points), value)

    def sample(self, sample_shape=(), seed=None, name=None, index_points=None):
        return Distribution.sample(self._at(index_points), sample_shape, seed=seed)

    def mean(self, name=None, index_points=None):
        return Distribution.mean(self._at(index_points))

    def mode(self, name=None, index_points=None):
        return Distribution.mode(self._at(index_points))

    def variance(self, name=None, index_points=None):
        return Distribution.variance(self._at(index_points))

    def stddev(self, name=None, index_points=None):
        return Distribution.stddev(self._at(index_points))

    def covariance(self, name=None, index_points=None):
        return Distribution.covariance(self._at(index_points))

    def entropy(self, name=None, index_points=None):
        return Distribution.entropy(self._at(index_points))

    def get_marginal_distribution(self, index_points=None):
        """The multivariate normal at these index points (``MultivariateNormalTriL``)."""
        gp = self if index_points is None else self.copy(index_points=index_points)
        return MultivariateNormalTriL(gp._loc(), gp._chol())

    def __getitem__(self, slices):
        raise NotImplementedError(f"{type(self).__name__} does not support batch slicing (slice the kernel's "
                                  "parameters and the index points instead)")


@RegisterKL(GaussianProcess, MultivariateNormal)
def _kl_gp_mvn(gp, mvn, name=None):
    return kl_divergence(gp.get_marginal_distribution(), mvn)


@RegisterKL(MultivariateNormal, GaussianProcess)
def _kl_mvn_gp(mvn, gp, name=None):
    return kl_divergence(mvn, gp.get_marginal_distribution())
