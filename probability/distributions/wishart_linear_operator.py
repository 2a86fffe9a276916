"""The Wishart distribution with its scale matrix given through a LinearOperator factor."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from ..internal import samplers
from .gamma import random_gamma
from .distribution import FULLY_REPARAMETERIZED, Distribution, _batch_key
from .mvn_linear_operator import check_scale, slice_scale

__all__ = ["WishartLinearOperator"]

_LOG_2 = math.log(2.0)
_LOG_PI = math.log(math.pi)


def wishart_draw(n, df, scale_matmul, p, scale_batch, batch, dtype, seed, cholesky):
    """``n`` Wishart draws (their Cholesky factors with ``cholesky``) as TFP's Bartlett
    decomposition: seeds split with the "Wishart" salt, standard normals below the diagonal and
    ``exp(g / 2)`` on it, ``g`` log-space Gamma draws of ``df / 2 - (0, 1/2, ...)`` at rate 1/2,
    then the scale's matmul."""
    normal_seed, gamma_seed = internal.split_seed(seed, salt="Wishart")
    x = samplers.normal([n] + list(batch) + [p, p], dtype=dtype, seed=normal_seed)
    df_full = wb.convert_to_tensor(df) * wb.ones(scale_batch, dtype=dtype)
    steps = wb.constant(np.linspace(0.0, 0.5 - 0.5 * p, p).astype(np.dtype(wb.as_dtype(dtype).as_numpy_dtype)))
    g = random_gamma([n], steps + (0.5 * df_full)[..., None], log_rate=wb.constant(np.log(0.5), dtype=dtype),
                     seed=gamma_seed, log_space=True)
    x = wb.linalg.set_diag(wb.linalg.band_part(x, -1, 0), wb.exp(g * 0.5))
    x = scale_matmul(x)
    return x if cholesky else wb.matmul(x, x, transpose_b=True)


class WishartLinearOperator(Distribution):
    """``WishartLinearOperator(df, scale, input_output_cholesky=False)``: ``k x k`` positive definite ``X``
    with density ``det(X)**((df - k - 1)/2) exp(-tr(S^-1 X)/2) / (2**(df k/2) det(S)**(df/2) Gamma_k(df/2))``,
    ``S = scale @ scale^T`` for ``scale`` a square ``wb.linalg.LinearOperator`` (SciPy's ``wishart(df, S)``).
    ``df`` must be at least ``k`` (checked at construction, as TFP).

    Samples are Bartlett's ``X = scale A A^T scale^T`` (``A`` lower triangular, ``sqrt(chi2(df - i))`` on the
    diagonal, standard normals below), reparameterized through the Gamma draws. With
    ``input_output_cholesky=True`` samples are ``scale A``, ``mean`` is ``sqrt(df) scale``, ``mode`` is
    ``sqrt(df - k - 1) scale`` and ``log_prob`` takes a factor ``L`` of ``X = L L^T``, as TFP 0.25 (these
    are Cholesky factors when ``scale`` is lower triangular with a positive diagonal).

    >>> d = WishartLinearOperator(5.0, wb.linalg.LinearOperatorLowerTriangular([[1.0, 0.0], [0.5, 2.0]]))
    >>> d.event_shape, d.mean().numpy().tolist()
    (TensorShape([2, 2]), [[5.0, 2.5], [2.5, 21.25]])
    """

    _param_event_ndims = {"df": 0}
    _param_constraints = {"df": "positive"}

    def __init__(self, df, scale, input_output_cholesky=False, validate_args=False, allow_nan_stats=True,
                 name="WishartLinearOperator"):
        parameters = dict(locals())
        owner = "WishartLinearOperator"
        if not isinstance(scale, wb.linalg.LinearOperator):
            raise TypeError(f"{owner}: argument `scale` must be a wb.linalg.LinearOperator, got {type(scale).__name__}")
        self._scale = check_scale(scale, owner)
        dtype = self._scale.dtype
        self._df = internal.as_param(df, "df", dtype, owner)
        self._input_output_cholesky = bool(input_output_cholesky)
        self._k = int(self._scale.range_dimension)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)
        self._batch_shape()   # df and scale must broadcast: fail here, naming their shapes
        if wb.executing_eagerly():
            df_value = np.asarray(wb.convert_to_tensor(self._df).numpy())
            if np.any(df_value < self._k):
                raise ValueError(f"{owner}: argument `df` (degrees of freedom) cannot be less than the dimension of "
                                 f"the scale matrix, {self._k}; got {df_value!r}")

    @property
    def df(self):
        return self._df

    @property
    def scale(self):
        """The scale factor ``LinearOperator`` (``S = scale @ scale^T``)."""
        return self._scale

    @property
    def input_output_cholesky(self):
        return self._input_output_cholesky

    def scale_matrix(self, name=None):
        """``S = scale @ scale^T``, or ``scale`` itself with ``input_output_cholesky=True`` (as TFP)."""
        return self._scale.to_dense() if self._input_output_cholesky else self._square_scale()

    def _square_scale(self):
        s = self._scale.to_dense()
        return wb.matmul(s, s, transpose_b=True)

    def _batch_shape(self):
        return internal.broadcast_shapes(tuple(self._df.shape), tuple(self._scale.batch_shape))

    def _event_shape(self):
        return (self._k, self._k)

    def _df_matrix(self):
        return wb.expand_dims(wb.expand_dims(self._df, -1), -1)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        return wishart_draw(n, self._df, self._scale.matmul, self._k, tuple(self._scale.batch_shape),
                            tuple(self.batch_shape), self.dtype, seed, self._input_output_cholesky)

    def _log_det_scale_matrix(self):
        return 2.0 * self._scale.log_abs_determinant()

    def _multi_lgamma(self, a):
        out = 0.25 * self._k * (self._k - 1) * _LOG_PI
        for j in range(self._k):
            out = out + wb.lgamma(a - 0.5 * j)
        return out

    def _log_normalization(self):
        df = self._df
        return (0.5 * df * self._k * _LOG_2 + 0.5 * df * self._log_det_scale_matrix()
                + self._multi_lgamma(0.5 * df))

    def log_normalization(self, name=None):
        """``log Z = (df k / 2) log 2 + (df / 2) log det S + log Gamma_k(df / 2)``."""
        return self._log_normalization() * wb.ones(self.batch_shape, dtype=self.dtype)

    def mean_log_det(self, name=None):
        """``E[log det X] = log det S + k log 2 + sum_j digamma((df - j) / 2)``."""
        out = self._log_det_scale_matrix() + self._k * _LOG_2
        for j in range(self._k):
            out = out + wb.digamma(0.5 * (self._df - j))
        return out * wb.ones(self.batch_shape, dtype=self.dtype)

    def _log_prob(self, x):
        k = self._k
        if self._input_output_cholesky:
            factor = x
            log_det_x = 2.0 * wb.reduce_sum(wb.log(wb.math.abs(wb.linalg.diag_part(x))), axis=-1)
        else:
            factor = wb.linalg.cholesky(x)
            log_det_x = 2.0 * wb.reduce_sum(wb.log(wb.linalg.diag_part(factor)), axis=-1)
        # tr(S^-1 X) = |scale^-1 L|_F^2 for X = L L^T
        batch = internal.broadcast_shapes(tuple(factor.shape[:-2]), tuple(self._scale.batch_shape))
        solved = self._scale.solve(wb.broadcast_to(factor, batch + (k, k)))
        trace = wb.reduce_sum(wb.square(solved), axis=[-2, -1])
        return 0.5 * (self._df - k - 1.0) * log_det_x - 0.5 * trace - self._log_normalization()

    def _mean(self):
        if self._input_output_cholesky:
            return wb.sqrt(self._df_matrix()) * self._scale.to_dense()
        return self._df_matrix() * self._square_scale()

    def _mode(self):
        k = self._k
        excess = self._df_matrix() - k - 1.0
        safe = wb.where(excess >= 0.0, excess, wb.zeros_like(excess))
        mode = (wb.sqrt(safe) * self._scale.to_dense() if self._input_output_cholesky
                else safe * self._square_scale())
        return self._undefined(mode, excess < 0.0, "mode (df < dimension + 1)")

    def _variance(self):
        s = self._square_scale()
        d = wb.linalg.diag_part(s)
        return self._df_matrix() * (wb.square(s) + wb.expand_dims(d, -1) * wb.expand_dims(d, -2))

    def _entropy(self):
        df, k = self._df, self._k
        return (self._log_normalization() - 0.5 * (df - k - 1.0) * self.mean_log_det() + 0.5 * df * k)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        if self._input_output_cholesky:
            return tfb.FillScaleTriL(validate_args=self._validate_args)
        return tfb.Chain([tfb.CholeskyOuterProduct(), tfb.FillScaleTriL()], validate_args=self._validate_args)

    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        batch = tuple(self.batch_shape)
        df = wb.broadcast_to(self._df, batch)[_batch_key(slices, len(batch), 0)]
        return self.copy(df=df, scale=slice_scale(self._scale, slices, batch))
