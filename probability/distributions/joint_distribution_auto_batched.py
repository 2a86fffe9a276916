"""AutoBatched joint distributions: each part's batch dimensions belong to the joint event.

The model is written for one draw (no ``Root``, no ``[..., None]`` for sample dimensions);
``sample(sample_shape)`` draws ``sample_shape`` independent joint draws and ``log_prob``
takes values with any leading sample dimensions. Its result has shape ``sample_shape +
batch_shape``, where ``batch_shape`` is the first ``batch_ndims`` dimensions the parts share
(``()`` by default: one number per draw). The model runs once over all draws when it
broadcasts over them, else once per draw (see ``_AutoBatched``).

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
from ..internal import samplers
from ..util.seed_stream import SeedStream
from .joint_distribution import JointDistributionNamed, JointDistributionSequential, _check_vectorized_map
from .joint_distribution_coroutine import JointDistributionCoroutine

__all__ = ["JointDistributionSequentialAutoBatched", "JointDistributionNamedAutoBatched",
           "JointDistributionCoroutineAutoBatched"]


class _NotVectorizable(Exception):
    """A part's distribution, run over all draws at once, lacks the draws' dimensions in front."""


class _AutoBatched:
    """Evaluation over ``sample_shape`` draws for a JointDistribution subclass (mixed in first).

    TFP vectorizes the one-draw model with ``vectorized_map``. Here the model is first run once
    with every value carrying the draws' dimensions in front, which is right whenever the model
    broadcasts (elementwise arithmetic, distributions' parameters): each part's distribution must
    then have batch shape ``sample_shape + (one draw's batch shape)`` (or one draw's, for a part
    that depends on nothing), and the first and the last draws' log-densities must match a run of
    the model on that draw alone. A model that fails either check for a sample shape (it indexes
    or reduces over leading dimensions) is run once per draw for that shape from then on.
    """

    _autobatched = True

    def _init_batch_ndims(self, batch_ndims, use_vectorized_map):
        _check_vectorized_map(batch_ndims, use_vectorized_map)
        if batch_ndims is None:
            raise ValueError(f"{type(self).__name__}: batch_ndims=None (batch dims found from the parts) is not "
                             "supported; give an integer")
        if int(batch_ndims) < 0:
            raise ValueError(f"{type(self).__name__}: batch_ndims must be >= 0, got {batch_ndims!r}")
        self._batch_ndims = int(batch_ndims)
        self._vectorized = {}     # sample shape -> whether one run of the model covers it
        self._use_vectorized_map = bool(use_vectorized_map)

    @property
    def batch_ndims(self):
        return self._batch_ndims

    def _part_event_ndims(self):
        return [len(s) - self._batch_ndims for s in self._draw_shapes()]

    def _as_tensors(self, flat, method):
        singles = self._single_sample_distributions()
        return [None if v is None else v if isinstance(v, wb.Tensor) else singles[i]._value(v, method)
                for i, v in enumerate(flat)]

    def _lead_shape(self, tensors):
        """The sample shape the values carry in front of one draw's shape."""
        sample_shape = None
        for t, s in zip(tensors, self._draw_shapes()):
            if t is None:
                continue
            lead = tuple(t.shape[:max(t.ndim - len(s), 0)])
            sample_shape = lead if sample_shape is None else internal.broadcast_shapes(sample_shape, lead)
        return tuple(sample_shape or ())

    def _per_draw(self, tensors, sample_shape):
        """``[[part values of draw k] for k]`` for values with ``sample_shape`` in front."""
        n = int(np.prod(sample_shape)) if sample_shape else 1
        draws = [[] for _ in range(n)]
        for t, s in zip(tensors, self._draw_shapes()):
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
        return draws

    def _reduce_part(self, lp, lead=0):
        axes = list(range(lead + self._batch_ndims, lp.ndim))
        return wb.reduce_sum(lp, axis=axes) if axes else lp

    # -- TFP's seeds (use_vectorized_map=True: TFP draws each sample by itself under vectorized_map) --
    def _seeds_for_parts(self, seed, n):
        if not self._use_vectorized_map:
            return super()._seeds_for_parts(seed, n)
        if samplers.is_stateful_seed(seed):     # an int through SeedStreams, None for each part
            stream = SeedStream(seed, salt="JointDistribution")
            return [stream() for _ in range(n)]
        seed, seeds = samplers.sanitize_seed(seed), []   # a pair split part by part, with no salt
        for _ in range(n):
            part, seed = samplers.split_seed(seed)
            seeds.append(part)
        return seeds

    def _vector_seeds(self, seed):
        """The parts' seeds for one run over all draws: TFP's for an int seed (its vectorized
        stateful draws), a split of a pair otherwise."""
        if self._use_vectorized_map and samplers.is_stateful_seed(seed):
            return self._seeds_for_parts(SeedStream(seed, salt="iid_sample")(), len(self._parts))
        return internal.split_seed(internal.sanitize_seed(seed), len(self._parts), salt="AutoBatched")

    # -- one run over all draws -----------------------------------------------------------
    def _vector_run(self, sample_shape, seed, tensors, draw=None):
        """``(distributions, values)`` of one run of the model over ``sample_shape`` draws;
        raises ``_NotVectorizable`` when a part's distribution lacks the draws' dimensions."""
        singles = self._single_sample_distributions()
        seeds = self._vector_seeds(seed)
        shapes = self._draw_shapes()

        def part(i, d, pinned):
            one = tuple(singles[i].batch_shape)
            if tuple(d.event_shape) != tuple(singles[i].event_shape) or \
                    tuple(d.batch_shape) not in (sample_shape + one, one):
                raise _NotVectorizable(i)
            if draw is not None:
                return draw(i, d, pinned)
            if pinned is not None:
                full = sample_shape + tuple(shapes[i])
                return pinned if tuple(pinned.shape) == full else wb.broadcast_to(pinned, full)
            if tuple(d.batch_shape) == one and sample_shape:
                return d.sample(sample_shape, seed=seeds[i])      # depends on no draw-dependent part
            return d.sample((), seed=seeds[i])
        return self._execute((), seed, tensors, draw=part)

    def _vector_log_prob(self, sample_shape, dists, values):
        parts = []
        want = sample_shape + tuple(self.batch_shape)
        for d, x in zip(dists, values):
            lp = self._reduce_part(d.log_prob(x), len(sample_shape))
            if tuple(lp.shape) != want:
                try:
                    lp = wb.broadcast_to(lp, want)
                except ValueError:
                    raise _NotVectorizable("log_prob") from None
            parts.append(lp)
        return parts

    def _draws_agree(self, sample_shape, values, parts):
        """Whether the first and last draws' log-densities from the one run match the model run
        on each of those draws alone."""
        n = int(np.prod(sample_shape))
        draws = self._per_draw(values, sample_shape)
        for k in sorted({0, n - 1}):
            dists, vals = self._execute((), (0, 0), draws[k])
            for d, x, lp in zip(dists, vals, parts):
                want = self._reduce_part(d.log_prob(x)).numpy()
                got = wb.reshape(lp, (n,) + tuple(lp.shape[len(sample_shape):]))[k].numpy()
                if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4, atol=1e-4, equal_nan=True):
                    return False
        return True

    def _vectorizes(self, sample_shape):
        sample_shape = tuple(sample_shape)
        if not sample_shape:
            return True
        if sample_shape not in self._vectorized and wb.executing_eagerly():
            self._try_vector(sample_shape, (0, 0), [None] * len(self._parts))   # decides, and remembers
        return self._vectorized.get(sample_shape, False)

    def _try_vector(self, sample_shape, seed, tensors):
        """``(values, log_prob parts)`` from one run, or None when the model needs a run per draw."""
        if not sample_shape or self._vectorized.get(sample_shape) is False:
            return None
        known = self._vectorized.get(sample_shape)
        if known is None and not wb.executing_eagerly():
            return None                  # decided on eager values only
        try:
            dists, values = self._vector_run(sample_shape, seed, tensors)
            parts = self._vector_log_prob(sample_shape, dists, values)
        except Exception:   # noqa: BLE001  shapes that do not broadcast, a Python branch on one value, ...:
            # the per-draw run decides (and raises again any error the model has for one draw)
            self._vectorized[sample_shape] = False
            return None
        if known is None:
            known = self._draws_agree(sample_shape, values, parts)
            self._vectorized[sample_shape] = known
        return (values, parts) if known else None

    def _run_with(self, values, draw, sample_shape=()):
        if not sample_shape:
            return self._execute((), (0, 0), values, draw)
        return self._vector_run(tuple(sample_shape), (0, 0), values, draw)

    # -- the public API ---------------------------------------------------------------------
    def _parts_log_prob(self, flat, method):
        tensors = self._as_tensors(flat, method)
        sample_shape = self._lead_shape(tensors)
        got = self._try_vector(sample_shape, (0, 0), tensors)
        if got is not None:
            return got[1]
        per_draw = []
        for values in self._per_draw(tensors, sample_shape):
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
        tensors = self._as_tensors(pins, "sample") if pins is not None else [None] * len(self._parts)
        pin_shape = self._lead_shape(tensors)
        if pin_shape and not shape:
            shape = pin_shape     # values drawn elsewhere (a surrogate's sample(50)) give their sample shape, as in TFP
        if pin_shape and pin_shape != shape:
            raise ValueError(f"{type(self).__name__}.sample: pinned values have sample shape {pin_shape}, "
                             f"expected {shape} or none")
        stateless = shape and self._use_vectorized_map and not samplers.is_stateful_seed(seed)
        got = None if stateless else self._try_vector(shape, seed, tensors)
        if got is not None:
            return self._structure(got[0])
        n = int(np.prod(shape)) if shape else 1
        if not shape:
            seeds = [seed]
        elif stateless:   # TFP: one seed per draw, split with this salt
            seeds = samplers.split_seed(seed, n, salt="iid_sample_stateless")
        else:
            seeds = internal.split_seed(internal.sanitize_seed(seed), n, salt="AutoBatched")
        pin_draws = self._per_draw(tensors, pin_shape)
        draws = []
        for k in range(n):
            if stateless:    # TFP's draws under vectorized_map (its portable samplers)
                with samplers.vectorized_draw():
                    draws.append(self._execute((), seeds[k], pin_draws[k if pin_shape else 0])[1])
            else:
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
        return wb.TensorShape(out)

    @property
    def event_shape(self):
        return self._structure([wb.TensorShape(s[self._batch_ndims:]) for s in self._draw_shapes()])

    def is_scalar_batch(self):
        return self.batch_shape == ()

    def is_scalar_event(self):
        return self._structure([s[self._batch_ndims:] == () for s in self._draw_shapes()])


class JointDistributionSequentialAutoBatched(_AutoBatched, JointDistributionSequential):
    """``JointDistributionSequential`` whose parts' batch dimensions join the event (see the module)."""

    def __init__(self, model, batch_ndims=0, use_vectorized_map=True, validate_args=False,
                 experimental_use_kahan_sum=False, name=None):
        self._init_batch_ndims(batch_ndims, use_vectorized_map)
        super().__init__(model, validate_args=validate_args, name=name)


class JointDistributionNamedAutoBatched(_AutoBatched, JointDistributionNamed):
    """``JointDistributionNamed`` whose parts' batch dimensions join the event (see the module)."""

    def __init__(self, model, batch_ndims=0, use_vectorized_map=True, validate_args=False,
                 experimental_use_kahan_sum=False, name=None):
        self._init_batch_ndims(batch_ndims, use_vectorized_map)
        super().__init__(model, validate_args=validate_args, name=name)


class JointDistributionCoroutineAutoBatched(_AutoBatched, JointDistributionCoroutine):
    """``JointDistributionCoroutine`` whose parts' batch dimensions join the event; ``Root`` is
    accepted and not needed (see the module)."""

    def __init__(self, model, sample_dtype=None, batch_ndims=0, use_vectorized_map=True, validate_args=False,
                 experimental_use_kahan_sum=False, name=None):
        self._init_batch_ndims(batch_ndims, use_vectorized_map)
        super().__init__(model, sample_dtype, None, False, validate_args, experimental_use_kahan_sum, name)
