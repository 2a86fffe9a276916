"""MixtureSameFamily: a Categorical choice among the batch members of one distribution."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .batch_broadcast import BatchBroadcast
from .distribution import NOT_REPARAMETERIZED, Distribution, _batch_key, no_event_space_bijector

__all__ = ["MixtureSameFamily"]


class MixtureSameFamily(Distribution):
    """``MixtureSameFamily(mixture_distribution, components_distribution)``.

    ``mixture_distribution``: a ``Categorical`` over ``K`` components, batch ``B``;
    ``components_distribution``: batch ``B + [K]``, event ``E``. The mixture has batch ``B``
    and event ``E``. ``log_prob`` is ``reduce_logsumexp(log w + component log_prob)``; mean and
    variance follow the laws of total expectation and variance; a draw picks a component index,
    then that component's draw. Samples are not reparameterized (TFP's default).

    >>> import probability.distributions as tfd
    >>> gm = MixtureSameFamily(tfd.Categorical(probs=[0.3, 0.7]),
    ...                        tfd.Normal(loc=[-1.0, 1.0], scale=[0.1, 0.5]))
    >>> gm.batch_shape, gm.sample(4, seed=1).shape
    ((), (4,))
    """

    _default_event_space_bijector = no_event_space_bijector

    def __init__(self, mixture_distribution, components_distribution, reparameterize=False,
                 validate_args=False, allow_nan_stats=True, name="MixtureSameFamily"):
        parameters = dict(locals())
        if reparameterize:
            raise NotImplementedError("MixtureSameFamily: reparameterize=True is not supported; samples "
                                      "are NOT_REPARAMETERIZED")
        mix, comp = mixture_distribution, components_distribution
        _check_categorical(mix, "MixtureSameFamily", "mixture_distribution")
        if not isinstance(comp, Distribution) or not len(comp.batch_shape):
            raise ValueError("MixtureSameFamily: `components_distribution` must be a distribution whose "
                             "batch shape ends in the number of components")
        k = mix._num_categories()
        if comp.batch_shape[-1] != k:
            raise ValueError(f"MixtureSameFamily: `mixture_distribution` has {k} categories but "
                             f"`components_distribution` has batch shape {list(comp.batch_shape)} "
                             f"(its last dimension must be {k})")
        internal.broadcast_shapes(mix.batch_shape, comp.batch_shape[:-1])
        self._mixture_distribution = mix
        self._components_distribution = comp
        super().__init__(comp.dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def mixture_distribution(self):
        return self._mixture_distribution

    @property
    def components_distribution(self):
        return self._components_distribution

    def _batch_shape(self):
        return internal.broadcast_shapes(self._mixture_distribution.batch_shape,
                                         self._components_distribution.batch_shape[:-1])

    def _event_shape(self):
        return self._components_distribution.event_shape

    def _value_dtype(self):
        return self._components_distribution._value_dtype()

    def _log_weights(self):
        """``log w``: ``mixture batch + [K]``."""
        return wb.nn.log_softmax(self._mixture_distribution.logits_parameter(), axis=-1)

    def _log_prob(self, x):
        e = len(self.event_shape)
        lp = self._components_distribution.log_prob(wb.expand_dims(x, -1 - e))   # ... + [K]
        return wb.reduce_logsumexp(lp + self._log_weights(), axis=-1)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        s_comp, s_mix = internal.split_seed(seed, 2, salt="MixtureSameFamily")
        mix, comp = self._mixture_distribution, self._components_distribution
        batch = tuple(self.batch_shape)
        # as TFP, both draw at the full batch shape B (the components through BatchBroadcast to B + [1])
        if tuple(comp.batch_shape[:-1]) != batch or tuple(mix.batch_shape) != batch:
            mix = _broadcast_batch(mix, batch)
            comp = BatchBroadcast(comp, with_shape=batch + (1,))
        xs = comp.sample(n, seed=s_comp)                                         # [n] + B + [K] + E
        idx = mix.sample(n, seed=s_mix)                                          # [n] + B
        return select_components(xs, idx, len(self.event_shape))

    def _cdf(self, x):
        self._scalar_event("cdf")
        return wb.exp(self._log_cdf(x))

    def _log_cdf(self, x):
        self._scalar_event("log_cdf")
        lc = self._components_distribution.log_cdf(wb.expand_dims(x, -1))
        return wb.reduce_logsumexp(lc + self._log_weights(), axis=-1)

    def _scalar_event(self, method):
        if len(self.event_shape):
            raise NotImplementedError(f"MixtureSameFamily.{method} needs scalar events, the event shape "
                                      f"is {list(self.event_shape)}")

    def _probs(self):
        """The mixture's ``probs_parameter()`` (as given, or ``softmax(logits)``), shaped to
        broadcast against ``B + [K] + E``: TFP's weights for the moments."""
        w = self._mixture_distribution.probs_parameter()
        for _ in range(len(self.event_shape)):
            w = wb.expand_dims(w, -1)
        return w

    def _mean(self):
        axis = -1 - len(self.event_shape)
        return wb.reduce_sum(self._probs() * self._components_distribution.mean(), axis=axis)

    def _variance(self):
        # law of total variance in TFP's terms: sum_k w_k var_k + sum_k w_k (m_k - m)**2
        comp, w, axis = self._components_distribution, self._probs(), -1 - len(self.event_shape)
        means = comp.mean()
        mean = wb.reduce_sum(w * means, axis=axis, keepdims=True)
        return (wb.reduce_sum(w * comp.variance(), axis=axis)
                + wb.reduce_sum(w * wb.square(means - mean), axis=axis))

    def _covariance(self):
        comp = self._components_distribution
        if len(self.event_shape) != 1:
            return self.variance()
        cov = mixture_covariance(self._log_weights(), comp.mean(), comp.covariance())
        return wb.broadcast_to(cov, self.batch_shape + self.event_shape * 2)

    def __getitem__(self, slices):
        """Slice the batch dimensions of both the mixture and the components."""
        key = _batch_key(slices if isinstance(slices, tuple) else (slices,), len(self.batch_shape), 0)
        mix = self._mixture_distribution
        mix = _broadcast_batch(mix, self.batch_shape)[key]
        comp = _broadcast_batch(self._components_distribution, self.batch_shape + (mix._num_categories(),))
        return self.copy(mixture_distribution=mix, components_distribution=comp[key + (slice(None),)])


def _broadcast_batch(d, batch):
    """``d`` with its parameters broadcast to ``batch`` (so that slicing sees every member)."""
    if d.batch_shape == tuple(batch):
        return d
    new = {}
    for k, t in d._params_tensors().items():
        nd = d._param_event_ndims[k]
        new[k] = wb.broadcast_to(t, tuple(batch) + (tuple(t.shape[t.ndim - nd:]) if nd else ()))
    return d.copy(**new)


def _check_categorical(mix, owner, arg):
    if not hasattr(mix, "logits_parameter") or not hasattr(mix, "_num_categories") or mix.event_shape != ():
        raise TypeError(f"{owner}: `{arg}` must be a Categorical distribution, got {type(mix).__name__}")


def select_components(xs, idx, event_ndims):
    """Pick component ``idx`` out of ``xs`` (``[n] + B + [K] + E``); ``idx``: ``[n] + B'``."""
    k = xs.shape[xs.ndim - event_ndims - 1]
    missing = xs.ndim - event_ndims - 1 - idx.ndim      # idx's batch may be shorter: align it on the right
    if missing:
        idx = wb.reshape(idx, idx.shape[:1] + (1,) * missing + idx.shape[1:])
    hot = wb.one_hot(wb.cast(idx, np.int32), k, on_value=True, off_value=False, dtype=wb.bool)
    for _ in range(event_ndims):
        hot = wb.expand_dims(hot, -1)
    picked = wb.where(hot, xs, wb.zeros_like(xs))
    return wb.reduce_sum(picked, axis=-1 - event_ndims)


def _weights(log_w, event_ndims):
    w = wb.exp(log_w)
    for _ in range(event_ndims):
        w = wb.expand_dims(w, -1)
    return w


def mixture_mean(log_w, means, event_ndims):
    """``sum_k w_k mean_k``: ``means`` is ``B + [K] + E``."""
    return wb.reduce_sum(_weights(log_w, event_ndims) * means, axis=-1 - event_ndims)


def mixture_variance(log_w, means, variances, event_ndims):
    """Law of total variance: ``E[Var] + Var[E]``, the second as ``sum_k w_k (m_k - m)**2``."""
    w = _weights(log_w, event_ndims)
    axis = -1 - event_ndims
    m = wb.reduce_sum(w * means, axis=axis, keepdims=True)
    return wb.reduce_sum(w * (variances + wb.square(means - m)), axis=axis)


def mixture_covariance(log_w, means, covs):
    """``sum_k w_k (cov_k + d_k d_k^T)`` with ``d_k = m_k - m`` (vector events)."""
    w = _weights(log_w, 1)
    m = wb.reduce_sum(w * means, axis=-2, keepdims=True)
    d = means - m
    outer = wb.expand_dims(d, -1) * wb.expand_dims(d, -2)
    return wb.reduce_sum(wb.expand_dims(w, -1) * (covs + outer), axis=-3)
