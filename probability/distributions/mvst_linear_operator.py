"""The multivariate Student's t ``loc + scale @ z / sqrt(w)`` with ``scale`` a LinearOperator."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution, _batch_key
from .chi2 import Chi2
from .mvn_linear_operator import (MultivariateNormalLinearOperator, check_loc, check_scale, diagonal_variance,
                                  slice_scale)

__all__ = ["MultivariateStudentTLinearOperator"]

_LOG_PI = math.log(math.pi)


class MultivariateStudentTLinearOperator(Distribution):
    """``MultivariateStudentTLinearOperator(df, loc, scale)``: the ``k``-dimensional Student's t with
    ``df`` degrees of freedom, location ``loc`` ``[..., k]`` and scale ``S`` a square
    ``wb.linalg.LinearOperator`` ``[..., k, k]``; its density is

    ``Gamma((df+k)/2) / (Gamma(df/2) (df pi)^(k/2) |det S|) * (1 + |S^-1 (x-loc)|^2 / df)^(-(df+k)/2)``.

    Samples are ``loc + S z / sqrt(w)``, ``z ~ N(0, I_k)``, ``w ~ Gamma(df/2, rate=df/2)``,
    reparameterized in all three parameters. The mean (``loc``) exists for ``df > 1``; the
    covariance ``df / (df - 2) S S^T`` is infinite for ``1 < df <= 2``; both are NaN where they
    do not exist (errors when ``allow_nan_stats=False``).

    >>> d = MultivariateStudentTLinearOperator(df=5.0, loc=[0.0, 1.0],
    ...                                        scale=wb.linalg.LinearOperatorDiag([1.0, 2.0]))
    >>> d.event_shape, d.sample(3, seed=0).shape
    ((2,), TensorShape([3, 2]))
    """

    _param_event_ndims = {"df": 0, "loc": 1}
    _param_constraints = {"df": "positive"}

    def __init__(self, df, loc, scale, validate_args=False, allow_nan_stats=True,
                 name="MultivariateStudentTLinearOperator"):
        parameters = dict(locals())
        owner = type(self).__name__
        self._scale = check_scale(scale, owner)
        dtype = self._scale.dtype
        self._df = internal.as_param(df, "df", dtype, owner)
        self._loc = check_loc(loc, self._scale, owner)
        if self._loc is None:
            raise ValueError(f"{owner}: missing required argument `loc` ([..., k])")
        self._k = self._scale.range_dimension
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)
        self._batch_shape()   # df, loc and scale must broadcast: fail here, naming their shapes

    @property
    def df(self):
        return self._df

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        """The scale ``LinearOperator``."""
        return self._scale

    def _batch_shape(self):
        return internal.broadcast_shapes(tuple(self._df.shape), tuple(self._loc.shape[:-1]),
                                         tuple(self._scale.batch_shape))

    def _event_shape(self):
        return (self._k,)

    _sample_n_takes_any_seed = True   # TFP's flow: the salt goes into an int seed before its draw

    def _sample_n(self, n, seed):
        # as TFP: z from the zero-mean MVN with this scale, w from Chi2(df), loc + z / sqrt(w / df)
        normal_seed, chi2_seed = internal.split_seed(seed, 2, salt="multivariate t")
        batch = tuple(self.batch_shape)
        zeros = wb.zeros(batch + (self._k,), dtype=self.dtype)
        z = MultivariateNormalLinearOperator(loc=zeros, scale=self._scale).sample(n, seed=normal_seed)
        w = Chi2(df=wb.broadcast_to(self._df, batch)).sample(n, seed=chi2_seed)
        return self._loc + z * wb.expand_dims(wb.math.rsqrt(w / self._df), -1)

    def _log_prob(self, x):
        df, k = self._df, float(self._k)
        y = self._scale.solvevec(x - self._loc)
        log_norm = (wb.lgamma(0.5 * df) - wb.lgamma(0.5 * (df + k)) + 0.5 * k * (wb.log(df) + _LOG_PI)
                    + self._scale.log_abs_determinant())
        return -0.5 * (df + k) * wb.log1p(wb.reduce_sum(wb.square(y), axis=-1) / df) - log_norm

    def _mean(self):
        mean = self._loc * wb.expand_dims(wb.ones_like(self._df), -1)
        return self._undefined(mean, wb.expand_dims(self._df <= 1.0, -1), "mean (df <= 1)")

    def _mode(self):
        return self._loc * wb.expand_dims(wb.ones_like(self._df), -1)

    def _cov_factor(self, ndims):
        """``df / (df - 2)`` where ``df > 2`` (1 elsewhere: the where below makes it inf or NaN),
        with ``ndims`` trailing unit dimensions."""
        df = self._df
        factor = df / wb.where(df > 2.0, df - 2.0, wb.ones_like(df))
        for _ in range(ndims):
            factor = wb.expand_dims(factor, -1)
        return factor

    def _finish(self, value, ndims, what):
        df = self._df
        for _ in range(ndims):
            df = wb.expand_dims(df, -1)
        value = wb.where(df > 2.0, value, float("inf"))
        return self._undefined(value, df <= 1.0, what)

    def _variance(self):
        var = diagonal_variance(self._scale)
        if var is None:
            var = wb.reduce_sum(wb.square(self._scale.to_dense()), axis=-1)
        return self._finish(var * self._cov_factor(1), 1, "variance (df <= 1)")

    def _covariance(self):
        s = self._scale.to_dense()
        cov = wb.matmul(s, s, transpose_b=True) * self._cov_factor(2)
        cov = self._finish(cov, 2, "covariance (df <= 1)")
        shape = self.batch_shape + (self._k, self._k)
        return cov if tuple(cov.shape) == shape else wb.broadcast_to(cov, shape)

    def _entropy(self):
        df, k = self._df, float(self._k)
        half, half_k = 0.5 * df, 0.5 * (df + k)
        return (self._scale.log_abs_determinant() + 0.5 * k * (wb.log(df) + _LOG_PI)
                + wb.lgamma(half) - wb.lgamma(half_k) + half_k * (wb.digamma(half_k) - wb.digamma(half)))

    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        batch = tuple(self.batch_shape)
        df = wb.broadcast_to(self._df, batch)[_batch_key(slices, len(batch), 0)]
        loc = wb.broadcast_to(self._loc, batch + (self._k,))[_batch_key(slices, len(batch), 1)]
        return self.copy(df=df, loc=loc, scale=slice_scale(self._scale, slices, batch))
