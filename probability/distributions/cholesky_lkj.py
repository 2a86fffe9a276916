"""The LKJ distribution over Cholesky factors of correlation matrices."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from .. import random as tfp_random
from ..internal import samplers
from ..math.linalg import fill_triangular
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


def sample_lkj(n, dimension, concentration, seed, dtype, cholesky_space=False):
    """``n`` LKJ correlation matrices ``[n, *batch, d, d]`` (their Cholesky factors with
    ``cholesky_space``) by TFP's onion method and seed flow: the squared lengths of rows 1..d-1
    are one Beta draw, their directions uniform on spheres (``"sample_lkj"`` salts)."""
    d = int(dimension)
    conc = wb.stop_gradient(wb.convert_to_tensor(concentration, dtype=dtype))
    shape = [n] + list(conc.shape)
    if d <= 1:
        return wb.ones(shape + [d, d], dtype=dtype)
    beta_seed, tril_seed = internal.split_seed(seed, 2, salt="sample_lkj")
    steps = np.arange(1.0, d, dtype=np.dtype(wb.as_dtype(dtype).as_numpy_dtype))
    c0 = (conc + (d - 2.0) / 2.0)[..., None] - (steps - 1.0) / 2.0
    norm = Beta(wb.constant(steps / 2.0), c0).sample([n], seed=beta_seed)
    raw = wb.sqrt(norm)[..., None] * _tril_spherical_uniform(d - 1, shape, dtype, tril_seed)
    lead = [[0, 0]] * len(shape)
    diag = wb.pad(wb.sqrt(1.0 - norm), lead + [[1, 0]], constant_values=1.0)
    chol = wb.linalg.set_diag(wb.pad(raw, lead + [[1, 0], [0, 1]]), diag)
    if cholesky_space:
        return chol
    corr = wb.matmul(chol, chol, transpose_b=True)
    return wb.linalg.set_diag(corr, wb.ones(shape + [d], dtype=dtype))


def _tril_spherical_uniform(m, shape, dtype, seed):
    """``shape + [m, m]`` lower-triangular: row ``k`` uniform on the sphere in ``k + 1`` dims
    (rows 0 and 1 by ``spherical_uniform``, the others normalized normals), TFP's seeds."""
    seeds = list(internal.split_seed(seed, min(m, 3), salt="sample_lkj"))
    lead = [[0, 0]] * len(shape)
    rows = [wb.pad(tfp_random.spherical_uniform(shape, k, dtype=dtype, seed=seeds.pop()), lead + [[0, m - k]])
            for k in range(1, min(m, 2) + 1)]
    out = wb.stack(rows, axis=-2)
    if m > 2:
        z = samplers.normal(shape + [m * (m + 1) // 2 - 3], dtype=dtype, seed=seeds.pop())
        # the first two rows' entries of fill_triangular's spiral are ones (cut off below)
        z = wb.concat([z[..., :m], wb.ones(shape + [1], dtype=dtype), z[..., m:2 * m - 1],
                       wb.ones(shape + [2], dtype=dtype), z[..., 2 * m - 1:]], axis=-1)
        z = fill_triangular(z)[..., 2:, :]
        out = wb.concat([out, z / wb.linalg.norm(z, axis=-1, keepdims=True)], axis=-2)
    return out


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

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        return sample_lkj(n, self._dimension, self._concentration, seed, self.dtype, cholesky_space=True)

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
