"""The LKJ distribution over Cholesky factors of correlation matrices."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from .beta import Beta
from .distribution import NOT_REPARAMETERIZED, Distribution

__all__ = ["CholeskyLKJ"]


def lkj_log_normalization(dimension, concentration):
    """``log`` of the integral of ``det(C)**(concentration - 1)`` over ``dimension x dimension``
    correlation matrices (in their off-diagonal coordinates; Lewandowski, Kurowicka and Joe)."""
    n = dimension
    total = wb.zeros_like(concentration)
    for k in range(1, n):
        total = total + (0.5 * k * math.log(math.pi) + wb.lgamma(concentration + 0.5 * (n - 1 - k))
                         - wb.lgamma(concentration + 0.5 * (n - 1)))
    return total


def sample_lkj_cholesky(n, dimension, concentration, seed, dtype):
    """``n`` Cholesky factors ``[n, *batch, d, d]`` of LKJ correlation matrices by the onion method:
    row ``k`` is ``[sqrt(y) u, sqrt(1 - y)]`` with ``y ~ Beta(k/2, beta)`` and ``u`` uniform on the sphere."""
    d = dimension
    conc = wb.stop_gradient(concentration)
    shape = (n,) + tuple(conc.shape)
    seeds = internal.split_seed(seed, 2 * d, salt="LKJ")
    rows = [wb.one_hot(wb.zeros(shape, dtype=wb.int32), d, dtype=dtype)]          # row 0: [1, 0, ...]
    beta = conc + 0.5 * (d - 2)
    for k in range(1, d):
        if k == 1:
            r = 2.0 * Beta(beta, beta).sample(n, seed=seeds[0]) - 1.0
            w = wb.expand_dims(r, -1)
            y = wb.square(r)
        else:
            beta = beta - 0.5
            y = Beta(wb.zeros_like(beta) + 0.5 * k, beta).sample(n, seed=seeds[2 * k])
            u = wb.random.stateless_normal(shape + (k,), seed=seeds[2 * k + 1], dtype=dtype)
            u = u / wb.sqrt(wb.reduce_sum(wb.square(u), axis=-1, keepdims=True))
            w = wb.expand_dims(wb.sqrt(y), -1) * u
        diag = wb.expand_dims(wb.sqrt(wb.maximum(1.0 - y, 0.0)), -1)
        pad = [[0, 0]] * len(shape) + [[0, d - k - 1]]
        rows.append(wb.pad(wb.concat([w, diag], axis=-1), pad))
    return wb.stack(rows, axis=-2)


class CholeskyLKJ(Distribution):
    """``CholeskyLKJ(dimension, concentration)``: lower-triangular ``L`` (unit-norm rows, positive
    diagonal) with ``L L^T ~ LKJ(dimension, concentration)``; event shape ``[dimension, dimension]``.

    ``log p(L) = sum_i (dimension - i - 1 + 2 (concentration - 1)) log L_ii - log Z`` for
    ``i = 0..dimension-1``, a density over the strictly lower entries of ``L``. Samples use the
    onion method (not reparameterized, as TFP).

    >>> d = CholeskyLKJ(dimension=3, concentration=[1.0, 5.0])
    >>> d.event_shape, d.sample(2, seed=1).shape
    ((3, 3), (2, 2, 3, 3))
    """

    _param_event_ndims = {"concentration": 0}
    _param_constraints = {"concentration": "positive"}

    def __init__(self, dimension, concentration, validate_args=False, allow_nan_stats=True, name="CholeskyLKJ"):
        parameters = dict(locals())
        owner = type(self).__name__
        if isinstance(dimension, bool) or not isinstance(dimension, (int, np.integer)) or dimension < 1:
            raise ValueError(f"{owner}: argument `dimension` must be a positive int, got {dimension!r}")
        self._dimension = int(dimension)
        dtype = internal.common_dtype([concentration])
        self._concentration = internal.as_param(concentration, "concentration", dtype, owner)
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def dimension(self):
        return self._dimension

    @property
    def concentration(self):
        return self._concentration

    def _event_shape(self):
        return (self._dimension, self._dimension)

    def _sample_n(self, n, seed):
        return sample_lkj_cholesky(n, self._dimension, self._concentration, seed, self.dtype)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.CorrelationCholesky(validate_args=self._validate_args)

    def _log_prob(self, x):
        d = self._dimension
        c = self._concentration
        log_diag = wb.log(wb.linalg.diag_part(x))
        base = wb.constant([float(d - i - 1) for i in range(d)], dtype=self.dtype)
        weights = base + wb.expand_dims(2.0 * (c - 1.0), -1)
        return wb.reduce_sum(weights * log_diag, axis=-1) - lkj_log_normalization(d, c)
