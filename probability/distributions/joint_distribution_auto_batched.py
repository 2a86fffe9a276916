"""AutoBatched joint distributions: each part's batch dimensions belong to the joint event.

The model is written for one draw (no ``Root``, no ``[..., None]`` for sample dimensions);
``sample(sample_shape)`` draws ``sample_shape`` independent joint draws and ``log_prob``
takes values with any leading sample dimensions, evaluating the model once per draw. Its
result has shape ``sample_shape + batch_shape``, where ``batch_shape`` is the first
``batch_ndims`` dimensions the parts share (``()`` by default: one number per draw).

>>> jd = JointDistributionSequentialAutoBatched([
...     Normal(0.0, 1.0),
...     lambda mu: Normal(mu, wb.ones([8])),       # 8 values, one event with mu
... ])
>>> x = jd.sample(5, seed=1)                        # shapes (5,) and (5, 8)
>>> jd.log_prob(x).shape
(5,)
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .joint_distribution import JointDistributionNamed, JointDistributionSequential
from .joint_distribution_coroutine import JointDistributionCoroutine
from .joint_distribution_pinned import JointDistributionPinned

__all__ = ["JointDistributionSequentialAutoBatched", "JointDistributionNamedAutoBatched",
           "JointDistributionCoroutineAutoBatched"]


class _AutoBatched:
    """Per-draw evaluation over a JointDistribution subclass (mixed in first)."""

    def _init_batch_ndims(self, batch_ndims):
        if int(batch_ndims) < 0:
            raise ValueError(f"{type(self).__name__}: batch_ndims must be >= 0, got {batch_ndims!r}")
        self._batch_ndims = int(batch_ndims)

    def experimental_pin(self, *args, **kwargs):
        """This model with the named parts fixed (``JointDistributionPinned``)."""
        return JointDistributionPinned(self, *args, **kwargs)

    @property
    def batch_ndims(self):
        return self._batch_ndims

    def _draw_shapes(self):
        """The full shape of one draw of each part (batch + event of the part)."""
        return [d.batch_shape + d.event_shape for d in self._single_sample_distributions()]

    def _per_draw(self, flat, method):
        """Values as ``(sample_shape, [[part values of draw k] for k])``."""
        shapes = self._draw_shapes()
        tensors = []
        for i, (v, s) in enumerate(zip(flat, shapes)):
            if v is None:
                tensors.append(None)
                continue
            t = v if isinstance(v, wb.Tensor) else self._single_sample_distributions()[i]._value(v, method)
            tensors.append(t)
        sample_shape = None
        for t, s in zip(tensors, shapes):
            if t is None:
                continue
            lead = tuple(t.shape[:max(t.ndim - len(s), 0)])
            sample_shape = lead if sample_shape is None else internal.broadcast_shapes(sample_shape, lead)
        sample_shape = tuple(sample_shape or ())
        n = int(np.prod(sample_shape)) if sample_shape else 1
        draws = [[] for _ in range(n)]
        for t, s in zip(tensors, shapes):
            if t is None:
                for k in range(n):
                    draws[k].append(None)
                continue
            if not sample_shape:
                draws[0].append(t)
                continue
            full = sample_shape + tuple(t.shape[max(t.ndim - len(s), 0):])
            t = wb.reshape(wb.broadcast_to(t, full) if t.shape != full else t, (n,) + full[len(sample_shape):])
            for k in range(n):
                draws[k].append(t[k])
        return sample_shape, draws

    def _reduce_part(self, lp):
        axes = list(range(self._batch_ndims, lp.ndim))
        return wb.reduce_sum(lp, axis=axes) if axes else lp

    def _parts_log_prob(self, flat, method):
        sample_shape, draws = self._per_draw(flat, method)
        per_draw = []
        for values in draws:
            dists, values = self._execute((), (0, 0), values)
            per_draw.append([self._reduce_part(d.log_prob(x)) for d, x in zip(dists, values)])
        if not sample_shape:
            return per_draw[0]
        out = []
        for i in range(len(self._parts)):
            stacked = wb.stack([lp[i] for lp in per_draw], axis=0)
            out.append(wb.reshape(stacked, sample_shape + tuple(stacked.shape[1:])))
        return out

    def log_prob_parts(self, value, name=None):
        return self._structure(self._parts_log_prob(self._flatten(value, "log_prob_parts"), "log_prob_parts"))

    def log_prob(self, *args, **kwargs):
        kwargs.pop("name", None)
        parts = self._parts_log_prob(self._resolve(args, kwargs, "log_prob"), "log_prob")
        return wb.add_n(parts) if len(parts) > 1 else parts[0]

    def sample(self, sample_shape=(), seed=None, value=None, name=None, **kwargs):
        shape = internal.shape_tuple(sample_shape)
        pins = self._pins(value, kwargs)
        n = int(np.prod(shape)) if shape else 1
        seeds = internal.split_seed(internal.sanitize_seed(seed), n, salt="AutoBatched")
        if pins is not None and any(p is not None for p in pins):
            pin_shape, pin_draws = self._per_draw(pins, "sample")
            if pin_shape and not shape:
                # values drawn elsewhere (a surrogate's sample(50)) give their sample shape, as in TFP
                shape = pin_shape
                n = int(np.prod(shape))
                seeds = internal.split_seed(internal.sanitize_seed(seed), n, salt="AutoBatched")
            if pin_shape and pin_shape != shape:
                raise ValueError(f"{type(self).__name__}.sample: pinned values have sample shape {pin_shape}, "
                                 f"expected {shape} or none")
        else:
            pin_shape, pin_draws = (), [pins]
        draws = []
        for k in range(n):
            draws.append(self._execute((), seeds[k], pin_draws[k if pin_shape else 0])[1])
        if not shape:
            return self._structure(draws[0])
        out = []
        for i in range(len(self._parts)):
            stacked = wb.stack([d[i] for d in draws], axis=0)
            out.append(wb.reshape(stacked, shape + tuple(stacked.shape[1:])))
        return self._structure(out)

    def sample_distributions(self, sample_shape=(), seed=None, value=None, name=None, **kwargs):
        if internal.shape_tuple(sample_shape):
            raise NotImplementedError(f"{type(self).__name__}.sample_distributions: the model runs once per draw, "
                                      "so only sample_shape=() has one distribution per part")
        return super().sample_distributions((), seed, value, **kwargs)

    @property
    def batch_shape(self):
        shapes = self._draw_shapes()
        out = shapes[0][:self._batch_ndims]
        for s in shapes[1:]:
            out = internal.broadcast_shapes(out, s[:self._batch_ndims])
        return tuple(out)

    @property
    def event_shape(self):
        return self._structure([s[self._batch_ndims:] for s in self._draw_shapes()])

    def is_scalar_batch(self):
        return self.batch_shape == ()

    def is_scalar_event(self):
        return self._structure([s[self._batch_ndims:] == () for s in self._draw_shapes()])


class JointDistributionSequentialAutoBatched(_AutoBatched, JointDistributionSequential):
    """``JointDistributionSequential`` whose parts' batch dimensions join the event (see the module)."""

    def __init__(self, model, batch_ndims=0, use_vectorized_map=True, validate_args=False,
                 experimental_use_kahan_sum=False, name=None):
        self._init_batch_ndims(batch_ndims)
        super().__init__(model, validate_args, name)


class JointDistributionNamedAutoBatched(_AutoBatched, JointDistributionNamed):
    """``JointDistributionNamed`` whose parts' batch dimensions join the event (see the module)."""

    def __init__(self, model, batch_ndims=0, use_vectorized_map=True, validate_args=False,
                 experimental_use_kahan_sum=False, name=None):
        self._init_batch_ndims(batch_ndims)
        super().__init__(model, validate_args, name)


class JointDistributionCoroutineAutoBatched(_AutoBatched, JointDistributionCoroutine):
    """``JointDistributionCoroutine`` whose parts' batch dimensions join the event; ``Root`` is
    accepted and not needed (see the module)."""

    def __init__(self, model, sample_dtype=None, batch_ndims=0, use_vectorized_map=True, validate_args=False,
                 experimental_use_kahan_sum=False, name=None):
        self._init_batch_ndims(batch_ndims)
        super().__init__(model, sample_dtype, None, use_vectorized_map, validate_args,
                         experimental_use_kahan_sum, name)
