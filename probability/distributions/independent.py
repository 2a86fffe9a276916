"""Independent: reinterprets batch dimensions of a distribution as event dimensions."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .distribution import Distribution, _batch_key
from .kullback_leibler import RegisterKL, kl_divergence

__all__ = ["Independent"]


class Independent(Distribution):
    """The rightmost ``reinterpreted_batch_ndims`` batch dims of ``distribution`` become event dims:
    ``log_prob`` (and ``log_cdf``, ``entropy``) sum over them.

    ``reinterpreted_batch_ndims=None`` moves every batch dim into the event.

    >>> d = Independent(Normal(loc=wb.zeros([2, 3]), scale=1.0), reinterpreted_batch_ndims=1)
    >>> d.batch_shape, d.event_shape
    ((2,), (3,))
    """

    def __init__(self, distribution, reinterpreted_batch_ndims=None, validate_args=False, name=None):
        parameters = dict(locals())
        if not isinstance(distribution, Distribution):
            raise TypeError(f"Independent: `distribution` must be a Distribution, got {type(distribution).__name__}")
        batch_ndims = len(distribution.batch_shape)
        r = batch_ndims if reinterpreted_batch_ndims is None else int(reinterpreted_batch_ndims)
        if not 0 <= r <= batch_ndims:
            raise ValueError(f"Independent: reinterpreted_batch_ndims={reinterpreted_batch_ndims} must be in "
                             f"[0, {batch_ndims}] (the distribution's batch_shape is {list(distribution.batch_shape)})")
        self._distribution = distribution
        self._reinterpreted_batch_ndims = r
        super().__init__(distribution.dtype, distribution.reparameterization_type, validate_args,
                         distribution.allow_nan_stats, parameters, name or "Independent" + distribution.name)

    @property
    def distribution(self):
        return self._distribution

    @property
    def reinterpreted_batch_ndims(self):
        return self._reinterpreted_batch_ndims

    # -- shapes --------------------------------------------------------------
    def _split(self):
        batch = tuple(self._distribution.batch_shape)
        return len(batch) - self._reinterpreted_batch_ndims

    def _batch_shape(self):
        return self._distribution.batch_shape[:self._split()]

    def _event_shape(self):
        return self._distribution.batch_shape[self._split():] + self._distribution.event_shape

    def _value_dtype(self):
        return self._distribution._value_dtype()

    def _sum_reinterpreted(self, t):
        """Sum the reinterpreted dims (the rightmost of ``t``'s batch part)."""
        r = self._reinterpreted_batch_ndims
        if r == 0:
            return t
        full = internal.broadcast_shapes(t.shape, self._distribution.batch_shape)
        if t.shape != full:
            t = wb.broadcast_to(t, full)   # a value that broadcast still counts once per member
        return wb.reduce_sum(t, axis=list(range(-r, 0)))

    # -- sampling and densities ----------------------------------------------------
    def sample(self, sample_shape=(), seed=None, name=None):
        # the base's sample, unchanged (a transformed base keeps its bijector cache link)
        return self._distribution.sample(sample_shape, seed=seed)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        return self._distribution.sample((n,), seed=seed)

    def _default_event_space_bijector(self):
        return self._distribution.experimental_default_event_space_bijector()

    def _log_prob(self, x):
        return self._sum_reinterpreted(self._distribution.log_prob(x))

    def _log_cdf(self, x):
        # P(X <= x) for independent coordinates is the product of the marginal CDFs
        return self._sum_reinterpreted(self._distribution.log_cdf(x))

    def _cdf(self, x):
        return wb.exp(self._log_cdf(x))

    def _entropy(self):
        return self._sum_reinterpreted(self._distribution.entropy())

    def _mean(self):
        return self._distribution.mean()

    def _variance(self):
        return self._distribution.variance()

    def _stddev(self):
        return self._distribution.stddev()

    def _mode(self):
        return self._distribution.mode()

    # -- structure --------------------------------------------------------------------
    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        # index this distribution's batch dims; the reinterpreted dims stay whole
        key = _batch_key(slices, len(self.batch_shape), self._reinterpreted_batch_ndims)
        return Independent(self._distribution[key], self._reinterpreted_batch_ndims,
                           validate_args=self._validate_args, name=self._name)


@RegisterKL(Independent, Independent)
def _kl_independent(a, b, name=None):
    """Sum of the base KLs over the reinterpreted dims (the bases must line up)."""
    pa, pb = a.distribution, b.distribution
    if a.event_shape != b.event_shape or pa.event_shape != pb.event_shape:
        raise NotImplementedError(
            f"KL(Independent || Independent) needs matching event shapes: {list(a.event_shape)} vs "
            f"{list(b.event_shape)}, base event shapes {list(pa.event_shape)} vs {list(pb.event_shape)}")
    return a._sum_reinterpreted(kl_divergence(pa, pb))
