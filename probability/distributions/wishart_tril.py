"""The Wishart distribution parameterized by the Cholesky factor of its scale."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution
from .wishart_linear_operator import wishart_draw

__all__ = ["WishartTriL"]

_LOG_2 = math.log(2.0)
_LOG_PI = math.log(math.pi)


class WishartTriL(Distribution):
    """``WishartTriL(df, scale_tril, input_output_cholesky=False)``: ``p x p`` positive definite ``X``
    with density ``det(X)**((df - p - 1)/2) exp(-tr(S^-1 X)/2) / (2**(df p/2) det(S)**(df/2) Gamma_p(df/2))``,
    ``S = scale_tril @ scale_tril^T`` (SciPy's ``wishart(df, S)``). Needs ``df > p - 1``.

    Samples use Bartlett's decomposition ``X = L A A^T L^T`` (``A`` lower triangular with
    ``sqrt(chi2(df - i))`` on the diagonal and standard normals below), reparameterized through the
    Gamma draws. With ``input_output_cholesky=True`` samples are ``chol(X) = L A`` and ``log_prob``
    takes a Cholesky factor (the density stays that of ``X``).

    >>> d = WishartTriL(df=5.0, scale_tril=[[1.0, 0.0], [0.5, 2.0]])
    >>> d.event_shape, d.sample(3, seed=1).shape
    ((2, 2), (3, 2, 2))
    """

    _param_event_ndims = {"df": 0, "scale_tril": 2}
    _param_constraints = {"scale_tril": "lower_triangular_positive_diag"}

    def __init__(self, df, scale_tril=None, input_output_cholesky=False, validate_args=False,
                 allow_nan_stats=True, name="WishartTriL"):
        parameters = dict(locals())
        if scale_tril is None:
            raise ValueError("WishartTriL: argument `scale_tril` is required")
        dtype = internal.common_dtype([df, scale_tril])
        self._df = internal.as_param(df, "df", dtype, "WishartTriL")
        self._scale_tril = internal.as_param(scale_tril, "scale_tril", dtype, "WishartTriL")
        if self._scale_tril.ndim < 2 or self._scale_tril.shape[-1] != self._scale_tril.shape[-2]:
            raise ValueError(f"WishartTriL: `scale_tril` must be [..., p, p], got {list(self._scale_tril.shape)}")
        self._input_output_cholesky = bool(input_output_cholesky)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    def _check_parameters(self):
        super()._check_parameters()
        p = self._scale_tril.shape[-1]
        df = np.asarray(self._df.numpy())
        if not np.all(df > p - 1):
            raise wb.errors.InvalidArgumentError(
                f"WishartTriL: argument `df` must exceed dimension - 1 = {p - 1}, got {df!r}")

    @property
    def df(self):
        return self._df

    @property
    def scale_tril(self):
        return self._scale_tril

    @property
    def input_output_cholesky(self):
        return self._input_output_cholesky

    def _event_shape(self):
        p = self._scale_tril.shape[-1]
        return (p, p)

    def _lower(self):
        return wb.linalg.band_part(self._scale_tril, -1, 0)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        return wishart_draw(n, self._df, lambda x: wb.matmul(self._lower(), x), self._scale_tril.shape[-1],
                            tuple(self._scale_tril.shape[:-2]), tuple(self.batch_shape), self.dtype, seed,
                            self._input_output_cholesky)

    def _log_normalization(self):
        p = self._scale_tril.shape[-1]
        df = self._df
        log_det_scale = 2.0 * wb.reduce_sum(wb.log(wb.linalg.diag_part(self._lower())), axis=-1)
        multigamma = 0.25 * p * (p - 1) * _LOG_PI
        for j in range(p):
            multigamma = multigamma + wb.lgamma(0.5 * (df - j))
        return 0.5 * df * p * _LOG_2 + 0.5 * df * log_det_scale + multigamma

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        if self._input_output_cholesky:
            return tfb.FillScaleTriL(validate_args=self._validate_args)
        return tfb.Chain([tfb.CholeskyOuterProduct(), tfb.FillScaleTriL()], validate_args=self._validate_args)

    def _log_prob(self, x):
        p = self._scale_tril.shape[-1]
        if self._input_output_cholesky:
            chol_x = x
            log_det_x = 2.0 * wb.reduce_sum(wb.log(wb.linalg.diag_part(x)), axis=-1)
        else:
            chol_x = wb.linalg.cholesky(x)
            log_det_x = wb.linalg.logdet(x)
        # tr(S^-1 X) = ||L^-1 chol(X)||_F^2
        lower = wb.broadcast_to(self._lower(), tuple(np.broadcast_shapes(tuple(chol_x.shape[:-2]),
                                                                         tuple(self._scale_tril.shape[:-2])))
                                + (p, p))
        solved = wb.linalg.triangular_solve(lower, wb.broadcast_to(chol_x, lower.shape), lower=True)
        trace = wb.reduce_sum(wb.square(solved), axis=[-2, -1])
        return 0.5 * (self._df - p - 1.0) * log_det_x - 0.5 * trace - self._log_normalization()

    def _scale_matrix(self):
        lower = self._lower()
        return wb.matmul(lower, wb.linalg.matrix_transpose(lower))

    def _mean(self):
        return wb.expand_dims(wb.expand_dims(self._df, -1), -1) * self._scale_matrix()

    def _variance(self):
        s = self._scale_matrix()
        d = wb.linalg.diag_part(s)
        return wb.expand_dims(wb.expand_dims(self._df, -1), -1) * (
            wb.square(s) + wb.expand_dims(d, -1) * wb.expand_dims(d, -2))

    def _mode(self):
        p = self._scale_tril.shape[-1]
        df = self._df
        mode = wb.expand_dims(wb.expand_dims(df - p - 1.0, -1), -1) * self._scale_matrix()
        return self._undefined(mode, df < p + 1.0, "mode (df < dimension + 1)")

    def _entropy(self):
        p = self._scale_tril.shape[-1]
        df = self._df
        # E[log det X] = log det S + p log 2 + sum_j digamma((df - j)/2)
        e_log_det = 2.0 * wb.reduce_sum(wb.log(wb.linalg.diag_part(self._lower())), axis=-1) + p * _LOG_2
        for j in range(p):
            e_log_det = e_log_det + wb.digamma(0.5 * (df - j))
        return self._log_normalization() - 0.5 * (df - p - 1.0) * e_log_det + 0.5 * df * p
