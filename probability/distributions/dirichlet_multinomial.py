"""The Dirichlet-multinomial distribution: Multinomial counts whose class probabilities are Dirichlet distributed."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .distribution import NOT_REPARAMETERIZED, Distribution
from .gamma import random_gamma
from .multinomial import draw_sample

__all__ = ["DirichletMultinomial"]


class DirichletMultinomial(Distribution):
    """``DirichletMultinomial(total_count, concentration)``: counts ``x`` over ``K`` classes summing to ``n``,
    ``P(x) = n! / prod(x_j!) * Gamma(a0) / Gamma(n + a0) * prod(Gamma(x_j + a_j) / Gamma(a_j))``
    with ``a0 = sum(a)``. Event shape ``[K]``. As TFP, ``log_prob`` takes ``n + a0`` as ``sum(x) + a0`` (the
    two differ only off the support) and ``validate_args=True`` refuses counts that do not sum to ``n``.

    Samples draw ``p ~ Dirichlet(concentration)`` (as the softmax of log-space Gamma draws) then
    ``Multinomial(n, p)`` counts (not reparameterized).

    >>> d = DirichletMultinomial(total_count=5.0, concentration=[1.0, 2.0, 3.0])
    >>> d.event_shape, d.sample(2, seed=1).shape
    ((3,), (2, 3))
    """

    _param_event_ndims = {"total_count": 0, "concentration": 1}
    _param_constraints = {"total_count": "nonnegative_integer", "concentration": "positive"}
    _support = "nonnegative_integer"

    def __init__(self, total_count, concentration, validate_args=False, allow_nan_stats=True,
                 name="DirichletMultinomial"):
        parameters = dict(locals())
        dtype = internal.common_dtype([total_count, concentration])
        self._total_count = internal.as_param(total_count, "total_count", dtype, "DirichletMultinomial")
        self._concentration = internal.as_param(concentration, "concentration", dtype, "DirichletMultinomial")
        if len(self._concentration.shape) < 1:
            raise ValueError("DirichletMultinomial: argument `concentration` must have at least one dimension "
                             f"(the classes), got shape {tuple(self._concentration.shape)}")
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def total_count(self):
        return self._total_count

    @property
    def concentration(self):
        return self._concentration

    def _event_shape(self):
        return (self._concentration.shape[-1],)

    def _check_support(self, x, method):
        # validate_args: non-negative integer counts that sum to total_count (TFP's checks)
        super()._check_support(x, method)
        self._assert_in_support(x, method, wb.math.equal(wb.reduce_sum(x, axis=-1), self._total_count),
                                "counts summing to total_count")

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's flow: log-space Gamma draws as logits, then one multinomial draw of their softmax
        gamma_seed, multinomial_seed = internal.split_seed(seed, 2, salt="dirichlet_multinomial")
        k = self._concentration.shape[-1]
        alpha = wb.ones_like(self._total_count[..., None]) * self._concentration
        logits = random_gamma((n,), alpha, seed=gamma_seed, log_space=True)
        n_draws = wb.cast(self._total_count, wb.int32)
        x = draw_sample(1, k, wb.nn.softmax(logits, axis=-1), n_draws, self.dtype, multinomial_seed)
        return wb.reshape(x, (n,) + self.batch_shape + (k,))

    def _log_prob(self, x):
        a = self._concentration
        n = self._total_count
        a0 = wb.reduce_sum(a, axis=-1)
        return (wb.lgamma(n + 1.0) - wb.reduce_sum(wb.lgamma(x + 1.0), axis=-1)
                + wb.lgamma(a0) - wb.lgamma(wb.reduce_sum(x, axis=-1) + a0)
                + wb.reduce_sum(wb.lgamma(x + a) - wb.lgamma(a), axis=-1))

    def _mean(self):
        a = self._concentration
        return wb.expand_dims(self._total_count, -1) * a / wb.reduce_sum(a, axis=-1, keepdims=True)

    def _variance_factor(self):
        a0 = wb.reduce_sum(self._concentration, axis=-1, keepdims=True)
        n = wb.expand_dims(self._total_count, -1)
        return n * (n + a0) / (1.0 + a0), self._concentration / a0

    def _variance(self):
        f, p = self._variance_factor()
        return f * p * (1.0 - p)

    def _covariance(self):
        f, p = self._variance_factor()
        outer = -wb.expand_dims(p, -1) * wb.expand_dims(p, -2)
        cov = wb.expand_dims(f, -1) * (outer + wb.linalg.diag(p))
        shape = self.batch_shape + self.event_shape * 2
        return cov if cov.shape == shape else wb.broadcast_to(cov, shape)
