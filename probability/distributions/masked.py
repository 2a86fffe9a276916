"""Masked: a distribution whose invalid batch members contribute nothing to log_prob."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from ..internal import samplers
from .batch_broadcast import BatchBroadcast
from .distribution import Distribution
from .kullback_leibler import RegisterKL, kl_divergence

__all__ = ["Masked"]


def _fixed_sample(distribution):
    """TFP's default safe value: one draw with the all-zeros seed."""
    return distribution.sample(seed=samplers.zeros_seed())


class Masked(Distribution):
    """``log_prob`` is ``distribution.log_prob`` where ``validity_mask`` is True and 0 elsewhere;
    draws of invalid members are ``safe_sample_fn(distribution)`` (by default, as TFP, one draw with
    the all-zeros seed). The other methods give the distribution's value where the mask is True and
    TFP's sentinel elsewhere (``cdf`` 1, ``entropy`` 0, ``mean``/``mode`` the safe value, ...). The
    batch shape broadcasts the distribution's with the mask's shape.

    >>> d = Masked(Normal(wb.zeros([3]), 1.0), validity_mask=[True, False, True])
    >>> d.log_prob(wb.zeros([3])).numpy()    # [-0.919, 0., -0.919]
    """

    def __init__(self, distribution, validity_mask, safe_sample_fn=_fixed_sample, validate_args=False,
                 allow_nan_stats=True, name=None):
        parameters = dict(locals())
        if not isinstance(distribution, Distribution):
            raise TypeError(f"Masked: `distribution` must be a Distribution, got {type(distribution).__name__}")
        mask = validity_mask if isinstance(validity_mask, wb.Tensor) else wb.constant(np.asarray(validity_mask))
        if mask.dtype != np.bool_:
            raise TypeError(f"Masked: `validity_mask` must be boolean, got dtype {mask.dtype}")
        self._distribution = distribution
        self._validity_mask = mask
        self._safe_sample_fn = safe_sample_fn
        super().__init__(distribution.dtype, distribution.reparameterization_type, validate_args, allow_nan_stats,
                         parameters, name or "Masked" + distribution.name)

    @property
    def distribution(self):
        return self._distribution

    @property
    def validity_mask(self):
        return self._validity_mask

    @property
    def safe_sample_fn(self):
        return self._safe_sample_fn

    def _batch_shape(self):
        return internal.broadcast_shapes(self._distribution.batch_shape, tuple(self._validity_mask.shape))

    def _event_shape(self):
        return self._distribution.event_shape

    def _value_dtype(self):
        return self._distribution._value_dtype()

    def _event_mask(self):
        """The mask broadcast to ``batch_shape`` with ones for the event dims."""
        m = wb.broadcast_to(self._validity_mask, self.batch_shape)
        return wb.reshape(m, self.batch_shape + (1,) * len(self.event_shape))

    def _sample_n(self, n, seed):
        # draws for the whole broadcast batch (as TFP, through BatchBroadcast), not one batch repeated
        x = BatchBroadcast(self._distribution, with_shape=tuple(self._validity_mask.shape)).sample(n, seed=seed)
        full = (n,) + self.batch_shape + self.event_shape
        safe = wb.convert_to_tensor(self._safe_sample_fn(self._distribution))
        safe = wb.broadcast_to(wb.cast(safe, x.dtype), full)
        return wb.where(wb.broadcast_to(self._event_mask(), full), x, safe)

    def _default_event_space_bijector(self):
        return self._distribution.experimental_default_event_space_bijector()

    def _masked(self, method, event_reps, sentinel, *args):
        """``distribution.method(*args)`` where valid, ``sentinel`` elsewhere ("safe" for the safe
        value); ``event_reps`` event shapes follow the batch in the result (TFP's masked methods)."""
        value = getattr(self._distribution, method)(*args)
        ones = (1,) * (event_reps * len(self.event_shape))
        mask = wb.reshape(self._validity_mask, tuple(self._validity_mask.shape) + ones)
        if isinstance(sentinel, str):
            sentinel = wb.cast(wb.stop_gradient(wb.convert_to_tensor(self._safe_sample_fn(self._distribution))),
                               value.dtype)
        shape = internal.broadcast_shapes(tuple(value.shape), tuple(mask.shape), tuple(getattr(sentinel, "shape", ())))
        value = wb.broadcast_to(value, shape) if tuple(value.shape) != shape else value
        return wb.where(wb.broadcast_to(mask, shape), value, wb.zeros_like(value) + sentinel)

    def _log_prob(self, x):
        return self._masked("log_prob", 0, 0.0, x)

    def _prob(self, x):
        return self._masked("prob", 0, 1.0, x)

    def _cdf(self, x):
        return self._masked("cdf", 0, 1.0, x)

    def _log_cdf(self, x):
        return self._masked("log_cdf", 0, 0.0, x)

    def _survival_function(self, x):
        return self._masked("survival_function", 0, 0.0, x)

    def _log_survival_function(self, x):
        return self._masked("log_survival_function", 0, float("-inf"), x)

    def _quantile(self, p):
        return self._masked("quantile", 1, "safe", p)

    def _entropy(self):
        return self._masked("entropy", 0, 0.0)

    def _mean(self):
        return self._masked("mean", 1, "safe")

    def _mode(self):
        return self._masked("mode", 1, "safe")

    def _variance(self):
        return self._masked("variance", 1, 0.0)

    def _stddev(self):
        return self._masked("stddev", 1, 0.0)

    def _covariance(self):
        return self._masked("covariance", 2, 0.0)

    def __getitem__(self, slices):
        if not isinstance(slices, tuple):
            slices = (slices,)
        mask = wb.broadcast_to(self._validity_mask, self.batch_shape)
        d = self._distribution
        if d.batch_shape != self.batch_shape:
            d = BatchBroadcast(d, to_shape=self.batch_shape)
        return Masked(d[slices], mask[slices], self._safe_sample_fn, self._validate_args, self._allow_nan_stats,
                      self._name)


@RegisterKL(Masked, Masked)
def _kl_masked_masked(a, b, name=None):
    # the underlying KL where both are valid, 0 where neither is, NaN (or an error without
    # allow_nan_stats) where only one is
    a_valid, b_valid = wb.convert_to_tensor(a.validity_mask), wb.convert_to_tensor(b.validity_mask)
    if not (a._allow_nan_stats and b._allow_nan_stats) and not bool(wb.reduce_all(wb.equal(a_valid, b_valid))):
        raise wb.errors.InvalidArgumentError("kl_divergence: KL is only valid for matching mask values")
    kl = kl_divergence(a.distribution, b.distribution)
    both = a_valid & b_valid
    neither = ~a_valid & ~b_valid
    return wb.where(both, kl, wb.where(neither, wb.zeros_like(kl), wb.zeros_like(kl) + float("nan")))
