"""The Autoregressive distribution: a density ``fn(x).prob(x)`` sampled by iterating ``fn``."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from ..internal import samplers
from .distribution import Distribution, no_event_space_bijector

__all__ = ["Autoregressive"]


class Autoregressive(Distribution):
    """``Autoregressive(distribution_fn, sample0=None, num_steps=None)``: the distribution with
    density ``distribution_fn(x).prob(x)``, where ``distribution_fn`` maps a value to a
    distribution over values of the same shape that has the autoregressive property (there is an
    order of the event coordinates in which coordinate ``i`` of ``distribution_fn(x)`` depends
    only on the coordinates of ``x`` before it).

    A sample is ``x_0 = distribution_fn(sample0).sample(n)`` followed by ``num_steps`` steps
    ``x_{t+1} = distribution_fn(x_t).sample()``, every step drawn with the same seed: with the
    noise held fixed, each step settles one more coordinate, so after ``num_steps`` (by default
    the number of event elements) the draw is exact. The batch and event shapes, the dtype and
    the reparameterization come from ``distribution_fn(sample0)`` (``distribution_fn()`` when
    ``sample0`` is None).

    >>> def fn(x):   # x[1] ~ N(x[0], 1), x[0] ~ N(0, 1)
    ...     loc = wb.concat([wb.zeros_like(x[..., :1]), x[..., :1]], axis=-1)
    ...     return tfd.Independent(tfd.Normal(loc, 1.0), 1)
    >>> d = Autoregressive(fn, sample0=wb.zeros([2]))
    >>> d.num_steps, d.sample(4, seed=1).shape
    (2, TensorShape([4, 2]))
    """

    _default_event_space_bijector = no_event_space_bijector

    def __init__(self, distribution_fn, sample0=None, num_steps=None, validate_args=False,
                 allow_nan_stats=True, name="Autoregressive"):
        parameters = dict(locals())
        owner = type(self).__name__
        if not callable(distribution_fn):
            raise TypeError(f"{owner}: argument `distribution_fn` must be callable (a value -> a Distribution), "
                            f"got {type(distribution_fn).__name__}")
        self._distribution_fn = distribution_fn
        if sample0 is not None and not isinstance(sample0, wb.Tensor) and not internal.is_tensor_like(sample0):
            sample0 = wb.convert_to_tensor(sample0)   # Python floats become float32, as in TF
        self._sample0 = sample0
        self._distribution0 = distribution_fn() if sample0 is None else distribution_fn(sample0)
        if not isinstance(self._distribution0, Distribution):
            raise TypeError(f"{owner}: `distribution_fn` must return a Distribution, got "
                            f"{type(self._distribution0).__name__}")
        if num_steps is None:
            num_steps = int(np.prod(self._distribution0.event_shape, dtype=np.int64))
        else:
            value = num_steps.numpy() if hasattr(num_steps, "numpy") else num_steps
            arr = np.asarray(value)
            if arr.ndim != 0 or arr.dtype.kind not in "iu":
                raise TypeError(f"{owner}: argument `num_steps` must be an integer, got {num_steps!r}")
            num_steps = int(arr)
        if num_steps < 1:
            raise ValueError(f"{owner}: argument `num_steps` must be at least 1, got {num_steps}")
        self._num_steps = num_steps
        d0 = self._distribution0
        super().__init__(d0.dtype, d0.reparameterization_type, validate_args, allow_nan_stats, parameters, name)

    @property
    def distribution_fn(self):
        return self._distribution_fn

    @property
    def sample0(self):
        return self._sample0

    @property
    def num_steps(self):
        return self._num_steps

    @property
    def distribution0(self):
        """``distribution_fn(sample0)``: the distribution that fixes the shapes and the dtype."""
        return self._distribution0

    def _batch_shape(self):
        return tuple(self._distribution0.batch_shape)

    def _event_shape(self):
        return tuple(self._distribution0.event_shape)

    def _value_dtype(self):
        return self._distribution0._value_dtype()

    def _sample_n(self, n, seed):
        # the same stateless seed at every step (TFP's: sanitized once, salted 'Autoregressive'):
        # the noise stays fixed while the coordinates settle
        seed = samplers.sanitize_seed(seed, salt="Autoregressive")
        samples = self._distribution0.sample(n, seed=seed)
        for _ in range(self._num_steps):
            samples = self._distribution_fn(samples).sample(seed=seed)
        return samples

    _sample_n_takes_any_seed = True

    def _log_prob(self, x):
        return self._distribution_fn(x).log_prob(x)

    def _prob(self, x):
        return self._distribution_fn(x).prob(x)

    def __getitem__(self, slices):
        raise NotImplementedError("Autoregressive: batch slicing is not supported (distribution_fn is opaque; "
                                  "slice the parameters it closes over instead)")
