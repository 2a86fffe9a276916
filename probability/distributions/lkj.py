"""The LKJ distribution over correlation matrices."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .cholesky_lkj import lkj_log_normalization, sample_lkj
from .distribution import NOT_REPARAMETERIZED, Distribution

__all__ = ["LKJ"]


class LKJ(Distribution):
    """``LKJ(dimension, concentration, input_output_cholesky=False)``: correlation matrices ``C`` with
    density ``det(C)**(concentration - 1) / Z`` over their off-diagonal entries (Lewandowski,
    Kurowicka and Joe). ``concentration = 1`` is uniform; larger values favour the identity.

    With ``input_output_cholesky=True`` samples are Cholesky factors and ``log_prob`` takes one
    (the density is still that of ``C = L L^T``). Samples use the onion method (not reparameterized).
    The mean is the identity.

    >>> d = LKJ(dimension=3, concentration=2.0)
    >>> d.event_shape, d.sample(4, seed=1).shape
    ((3, 3), (4, 3, 3))
    """

    _param_event_ndims = {"concentration": 0}
    _param_constraints = {"concentration": "positive"}

    def __init__(self, dimension, concentration, input_output_cholesky=False, validate_args=False,
                 allow_nan_stats=True, name="LKJ"):
        parameters = dict(locals())
        if isinstance(dimension, bool) or not isinstance(dimension, (int, np.integer)) or dimension < 1:
            raise ValueError(f"LKJ: argument `dimension` must be a positive int, got {dimension!r}")
        self._dimension = int(dimension)
        self._input_output_cholesky = bool(input_output_cholesky)
        dtype = internal.common_dtype([concentration])
        self._concentration = internal.as_param(concentration, "concentration", dtype, "LKJ")
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def dimension(self):
        return self._dimension

    @property
    def concentration(self):
        return self._concentration

    @property
    def input_output_cholesky(self):
        return self._input_output_cholesky

    def _event_shape(self):
        return (self._dimension, self._dimension)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        return sample_lkj(n, self._dimension, self._concentration, seed, self.dtype,
                          cholesky_space=self._input_output_cholesky)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        if self._input_output_cholesky:
            return tfb.CorrelationCholesky(validate_args=self._validate_args)
        return tfb.Chain([tfb.CholeskyOuterProduct(), tfb.CorrelationCholesky()], validate_args=self._validate_args)

    def _log_prob(self, x):
        if self._input_output_cholesky:
            log_det = 2.0 * wb.reduce_sum(wb.log(wb.linalg.diag_part(x)), axis=-1)
        else:
            log_det = wb.linalg.logdet(x)
        c = self._concentration
        return (c - 1.0) * log_det - lkj_log_normalization(self._dimension, c)

    def _mean(self):
        eye = wb.eye(self._dimension, dtype=self.dtype)
        return eye * wb.expand_dims(wb.expand_dims(wb.ones_like(self._concentration), -1), -1)
