"""Mixture: a Categorical choice among a list of distributions of any families."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .distribution import NOT_REPARAMETERIZED, Distribution, no_event_space_bijector
from .mixture_same_family import (_check_categorical, mixture_mean, mixture_variance,
                                  select_components)

__all__ = ["Mixture"]


class Mixture(Distribution):
    """``Mixture(cat, components)``: component ``k`` (``components[k]``) with probability
    ``cat.probs[..., k]``.

    ``cat``: a ``Categorical`` over ``K = len(components)``; the components share dtype and
    event shape, and their batch shapes broadcast with ``cat``'s. ``log_prob`` is
    ``reduce_logsumexp(log w + stacked component log_probs)``; ``entropy_lower_bound()`` is
    ``sum_k w_k H[component k]``. Samples are not reparameterized.

    >>> import probability.distributions as tfd
    >>> m = Mixture(tfd.Categorical(probs=[0.5, 0.5]), [tfd.Normal(0.0, 1.0), tfd.Normal(3.0, 0.5)])
    >>> float(m.mean())
    1.5
    """

    _default_event_space_bijector = no_event_space_bijector

    def __init__(self, cat, components, validate_args=False, allow_nan_stats=True, use_static_graph=False,
                 name="Mixture"):
        parameters = dict(locals())
        _check_categorical(cat, "Mixture", "cat")
        components = list(components)
        if not components or not all(isinstance(c, Distribution) for c in components):
            raise TypeError("Mixture: `components` must be a non-empty list of distributions")
        if cat._num_categories() != len(components):
            raise ValueError(f"Mixture: `cat` has {cat._num_categories()} categories but there are "
                             f"{len(components)} components")
        first = components[0]
        for i, c in enumerate(components[1:], 1):
            if c.dtype != first.dtype or c.event_shape != first.event_shape:
                raise ValueError(f"Mixture: component {i} has dtype {c.dtype} and event shape "
                                 f"{list(c.event_shape)}, component 0 has {first.dtype} and "
                                 f"{list(first.event_shape)}; they must agree")
        internal.broadcast_shapes(cat.batch_shape, *[c.batch_shape for c in components])
        self._cat = cat
        self._components = components
        super().__init__(first.dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def cat(self):
        return self._cat

    @property
    def components(self):
        return list(self._components)

    @property
    def num_components(self):
        return len(self._components)

    def _batch_shape(self):
        return internal.broadcast_shapes(self._cat.batch_shape, *[c.batch_shape for c in self._components])

    def _event_shape(self):
        return self._components[0].event_shape

    def _value_dtype(self):
        return self._components[0]._value_dtype()

    def _log_weights(self):
        return wb.nn.log_softmax(self._cat.logits_parameter(), axis=-1)

    def _stack(self, values):
        """Per-component tensors broadcast to ``batch + E`` and stacked to ``batch + [K] + E``."""
        shape = internal.broadcast_shapes(*[v.shape for v in values])
        return wb.stack([wb.broadcast_to(v, shape) for v in values], axis=len(shape) - len(self.event_shape))

    def _log_prob(self, x):
        lp = wb.stack(_broadcast_all([c.log_prob(x) for c in self._components]), axis=-1)
        return wb.reduce_logsumexp(lp + self._log_weights(), axis=-1)

    def _log_cdf(self, x):
        lc = wb.stack(_broadcast_all([c.log_cdf(x) for c in self._components]), axis=-1)
        return wb.reduce_logsumexp(lc + self._log_weights(), axis=-1)

    _sample_n_takes_any_seed = True   # TFP's flow: the salt goes into an int seed before its draw

    def _sample_n(self, n, seed):
        seeds = internal.split_seed(seed, len(self._components) + 1, salt="Mixture")
        idx = self._cat.sample(n, seed=seeds[0])
        full = (n,) + self.batch_shape + self.event_shape
        xs = [wb.broadcast_to(self._lift(c.sample(n, seed=s)), full) for c, s in zip(self._components, seeds[1:])]
        return select_components(wb.stack(xs, axis=1 + len(self.batch_shape)), idx, len(self.event_shape))

    def _lift(self, x):
        """``[n] + component batch + E`` as ``[n] + [1, ...] + component batch + E`` (rank of the mixture)."""
        missing = 1 + len(self.batch_shape) + len(self.event_shape) - x.ndim
        return wb.reshape(x, x.shape[:1] + (1,) * missing + x.shape[1:]) if missing else x

    def _mean(self):
        means = self._stack([c.mean() for c in self._components])
        return mixture_mean(self._log_weights(), means, len(self.event_shape))

    def _variance(self):
        means = self._stack([c.mean() for c in self._components])
        variances = self._stack([c.variance() for c in self._components])
        return mixture_variance(self._log_weights(), means, variances, len(self.event_shape))

    def entropy_lower_bound(self, name=None):
        """``sum_k w_k H[component k]``, a lower bound on the mixture's entropy (concavity)."""
        h = wb.stack(_broadcast_all([c.entropy() for c in self._components]), axis=-1)
        return wb.reduce_sum(wb.exp(self._log_weights()) * h, axis=-1)

    def __getitem__(self, slices):
        raise NotImplementedError("Mixture does not support batch slicing; slice `cat` and each component")


def _broadcast_all(values):
    shape = internal.broadcast_shapes(*[v.shape for v in values])
    return [wb.broadcast_to(v, shape) for v in values]
