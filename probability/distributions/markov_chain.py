"""MarkovChain: a fully observed chain, each step drawn given the one before."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from ..bijectors.bijector import Bijector
from .distribution import Distribution, _batch_key
from .joint_distribution import JointDistribution

__all__ = ["MarkovChain"]


class MarkovChain(Distribution):
    """``MarkovChain(initial_state_prior, transition_fn, num_steps)``: ``x[0] ~ initial_state_prior``,
    ``x[t] ~ transition_fn(t - 1, x[t - 1])``.

    The chain has the prior's batch shape ``B`` and event ``[num_steps] + E`` (``E`` the prior's
    event shape). ``transition_fn(previous_step, previous_state)`` returns a distribution like
    the prior; ``log_prob`` calls it once for all steps with the steps as a leftmost dimension of
    ``previous_state`` (and ``previous_step = range(num_steps - 1)``), draws call it step by step.
    A ``JointDistribution`` prior makes the state a structure (list, dict, named tuple): each
    part gets its own ``num_steps`` axis, and ``batch_shape``, ``event_shape`` and ``dtype`` are
    structures like the prior's.

    >>> walk = MarkovChain(Normal(0.0, 1.0), lambda _, x: Normal(x, 1.0), num_steps=100)
    >>> walk.event_shape, walk.sample(5, seed=1).shape
    ((100,), (5, 100))
    """

    def __init__(self, initial_state_prior, transition_fn, num_steps, experimental_use_kahan_sum=False,
                 validate_args=False, name="MarkovChain"):
        parameters = dict(locals())
        owner = "MarkovChain"
        if not isinstance(initial_state_prior, Distribution):
            raise TypeError(f"{owner}: `initial_state_prior` must be a Distribution, got "
                            f"{type(initial_state_prior).__name__}")
        if not callable(transition_fn):
            raise TypeError(f"{owner}: `transition_fn` must be callable as transition_fn(previous_step, "
                            f"previous_state), got {type(transition_fn).__name__}")
        steps = np.asarray(num_steps.numpy() if isinstance(num_steps, wb.Tensor) else num_steps)
        if steps.ndim != 0 or steps.dtype.kind not in "iu" or int(steps) < 1:
            raise ValueError(f"{owner}: `num_steps` must be a positive integer, got {num_steps!r}")
        self._initial_state_prior = initial_state_prior
        self._transition_fn = transition_fn
        self._num_steps = int(steps)
        self._experimental_use_kahan_sum = bool(experimental_use_kahan_sum)
        self._structured = isinstance(initial_state_prior, JointDistribution)
        dtype = _flatten(initial_state_prior.dtype)[0] if self._structured else initial_state_prior.dtype
        super().__init__(dtype, initial_state_prior.reparameterization_type, validate_args,
                         initial_state_prior.allow_nan_stats, parameters, name)

    @property
    def initial_state_prior(self):
        return self._initial_state_prior

    @property
    def transition_fn(self):
        return self._transition_fn

    @property
    def num_steps(self):
        return self._num_steps

    # -- shapes (structures like the prior's for a joint prior) --------------------------------
    @property
    def dtype(self):
        return self._initial_state_prior.dtype if self._structured else self._dtype

    @property
    def batch_shape(self):
        return self._initial_state_prior.batch_shape if self._structured else super().batch_shape

    @property
    def event_shape(self):
        if not self._structured:
            return super().event_shape
        prior_events = self._initial_state_prior.event_shape
        return _unflatten(prior_events, [wb.TensorShape((self._num_steps,) + tuple(e))
                                         for e in _flatten(prior_events)])

    def __repr__(self):
        if not self._structured:
            return super().__repr__()
        shapes = _unflatten(self._initial_state_prior.dtype, [list(e) for e in _flatten(self.event_shape)])
        return (f"<probability.distributions.MarkovChain '{self._name}' batch_shape={self.batch_shape} "
                f"event_shape={shapes}>")

    def _batch_shape(self):
        return tuple(self._initial_state_prior.batch_shape)

    def _event_shape(self):
        return (self._num_steps,) + tuple(self._initial_state_prior.event_shape)

    def _part_event_ndims(self):
        return [len(e) for e in _flatten(self._initial_state_prior.event_shape)]

    def _value_dtype(self):
        return self._initial_state_prior._value_dtype()

    def _step_axis(self, x):
        e = len(self._initial_state_prior.event_shape)
        axis = x.ndim - e - 1
        if axis < 0 or x.shape[axis] != self._num_steps:
            raise ValueError(f"MarkovChain: the value has shape {list(x.shape)}; expected [..., {self._num_steps}] + "
                             f"{list(self._initial_state_prior.event_shape)} (num_steps, then the prior's event shape)")
        return axis

    def log_prob(self, value, name=None):
        if not self._structured:
            return super().log_prob(value)
        prior = self._initial_state_prior
        parts = [internal.as_param(v, "value", np.dtype(d), "MarkovChain.log_prob")
                 for v, d in zip(_flatten(value), _flatten(prior.dtype))]
        moved = []
        for part, ev in zip(parts, self._part_event_ndims()):
            axis = part.ndim - ev - 1
            if axis < 0 or part.shape[axis] != self._num_steps:
                raise ValueError(f"MarkovChain.log_prob: a part of the value has shape {list(part.shape)}; expected "
                                 f"[..., {self._num_steps}] + its event shape (num_steps, then the prior's)")
            moved.append(wb.transpose(part, [axis] + [i for i in range(part.ndim) if i != axis]))
        structure = prior.dtype
        return self._chain_log_prob(lambda index: _unflatten(structure, [m[index] for m in moved]))

    def prob(self, value, name=None):
        return wb.exp(self.log_prob(value))

    def _log_prob(self, x):
        axis = self._step_axis(x)
        xt = wb.transpose(x, [axis] + [i for i in range(x.ndim) if i != axis])      # steps leftmost
        return self._chain_log_prob(lambda index: xt[index])

    def _chain_log_prob(self, states):
        """``states(index)``: the state(s) with the steps leftmost, indexed along the steps."""
        lp = self._initial_state_prior.log_prob(states(0))
        if self._num_steps == 1:
            return lp
        steps = wb.range(self._num_steps - 1, dtype=wb.int32)
        trans = self._transition_fn(steps, states(slice(None, -1))).log_prob(states(slice(1, None)))
        if self._experimental_use_kahan_sum:
            # compensated summation over the steps (accurate sums of many float32 terms)
            total, comp = wb.zeros_like(trans[0]), wb.zeros_like(trans[0])
            for t in range(self._num_steps - 1):
                y = trans[t] - comp
                s = total + y
                comp = (s - total) - y
                total = s
            return lp + total
        return lp + wb.reduce_sum(trans, axis=0)

    def sample(self, sample_shape=(), seed=None, name=None):
        if not self._structured:
            return super().sample(sample_shape, seed=seed)
        states = self._draw_states(internal.shape_tuple(sample_shape), seed)
        structure = self._initial_state_prior.dtype
        parts = []
        for j, ev in enumerate(self._part_event_ndims()):
            steps = [_flatten(s)[j] for s in states]
            parts.append(wb.stack(steps, axis=steps[0].ndim - ev))
        return _unflatten(structure, parts)

    def _draw_states(self, sample_shape, seed):
        """The states of each step: the prior's draws of ``sample_shape``, then the transitions'."""
        # TFP's flow: a prior seed, then each step splits its seed off the loop's
        prior_seed, loop_seed = internal.split_seed(seed, 2, salt="markov_chain_sample")
        state = self._initial_state_prior.sample(sample_shape, seed=prior_seed)
        states = [state]
        for t in range(1, self._num_steps):
            step_seed, loop_seed = internal.split_seed(loop_seed, 2)
            state = self._transition_fn(wb.constant(t - 1, dtype=wb.int32), state).sample(seed=step_seed)
            states.append(state)
        return states

    _sample_n_takes_any_seed = True   # the salt goes into an int seed before its draw

    def _sample_n(self, n, seed):
        states = self._draw_states((n,), seed)
        return wb.stack(states, axis=states[-1].ndim - len(self._initial_state_prior.event_shape))

    def _default_event_space_bijector(self):
        if self._structured:
            raise NotImplementedError("MarkovChain with a joint-distribution state has no default event space "
                                      "bijector here")
        prior = self._initial_state_prior
        first = prior.experimental_default_event_space_bijector()
        if first is None:
            return None
        probe = self._transition_fn(wb.constant(0, dtype=wb.int32), prior.sample(seed=(0, 0)))
        if _same_bijector(first, probe.experimental_default_event_space_bijector()):
            return first   # one elementwise map serves every step (a Gaussian walk: Identity)
        return _MarkovChainBijector(self)

    def __getitem__(self, slices):
        """Slice the batch dimensions of the prior (``transition_fn`` must follow the state's batch)."""
        if self._structured:
            raise NotImplementedError("MarkovChain with a joint-distribution state does not support batch slicing")
        key = _batch_key(slices if isinstance(slices, tuple) else (slices,), len(self.batch_shape), 0)
        return self.copy(initial_state_prior=self._initial_state_prior[key])


def _flatten(structure):
    """The top-level parts of a joint distribution's structure, in ``tf.nest`` order (dicts by sorted key)."""
    if isinstance(structure, dict):
        return [structure[k] for k in sorted(structure)]
    if isinstance(structure, (list, tuple)) and not isinstance(structure, wb.TensorShape):
        return list(structure)
    return [structure]


def _unflatten(structure, parts):
    """``parts`` in the shape of ``structure`` (the inverse of :func:`_flatten`)."""
    if isinstance(structure, dict):
        return dict(zip(sorted(structure), parts))
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*parts)
    if isinstance(structure, (list, tuple)) and not isinstance(structure, wb.TensorShape):
        return type(structure)(parts)
    return parts[0]


def _same_bijector(a, b):
    """True when ``a`` and ``b`` are the same map with no batch shape (the same family and equal
    Python-valued parameters; a tensor parameter only equals itself)."""
    if a is None or b is None or type(a) is not type(b) or a.forward_min_event_ndims != b.forward_min_event_ndims:
        return False
    if tuple(a.experimental_batch_shape()) or tuple(b.experimental_batch_shape()):
        return False
    pa, pb = a.parameters, b.parameters
    pa.pop("name", None), pb.pop("name", None)
    if pa.keys() != pb.keys():
        return False
    for k in pa:
        x, y = pa[k], pb[k]
        if x is y:
            continue
        if isinstance(x, wb.Tensor) or isinstance(y, wb.Tensor) or isinstance(x, Bijector) or x != y:
            return False
    return True


class _MarkovChainBijector(Bijector):
    """The reals onto the chain's support, step by step: step 0 through the prior's event-space
    bijector, step ``t`` through that of ``transition_fn(t - 1, y[t - 1])``."""

    def __init__(self, chain):
        self._chain = chain
        e = len(chain.initial_state_prior.event_shape)
        super().__init__(validate_args=chain.validate_args, forward_min_event_ndims=e + 1, name="markov_chain")

    def _step_bijectors(self, y_steps):
        """The bijector of each step, given the constrained states (a list, steps in order)."""
        chain = self._chain
        out = [chain.initial_state_prior.experimental_default_event_space_bijector()]
        for t in range(1, len(y_steps)):
            out.append(chain.transition_fn(wb.constant(t - 1, dtype=wb.int32), y_steps[t - 1])
                       .experimental_default_event_space_bijector())
        return out

    def _unstack(self, x):
        e = len(self._chain.initial_state_prior.event_shape)
        return wb.unstack(x, axis=x.ndim - e - 1)

    def _stack(self, parts):
        e = len(self._chain.initial_state_prior.event_shape)
        return wb.stack(parts, axis=parts[0].ndim - e)

    def _forward(self, x):
        ys = []
        chain = self._chain
        for t, u in enumerate(self._unstack(x)):
            b = (chain.initial_state_prior.experimental_default_event_space_bijector() if t == 0 else
                 chain.transition_fn(wb.constant(t - 1, dtype=wb.int32), ys[-1]).experimental_default_event_space_bijector())
            ys.append(b.forward(u))
        return self._stack(ys)

    def _inverse(self, y):
        ys = self._unstack(y)
        return self._stack([b.inverse(v) for b, v in zip(self._step_bijectors(ys), ys)])

    def _inverse_log_det_jacobian(self, y):
        ys = self._unstack(y)
        e = len(self._chain.initial_state_prior.event_shape)
        parts = [b.inverse_log_det_jacobian(v, event_ndims=e) for b, v in zip(self._step_bijectors(ys), ys)]
        return wb.add_n(parts)
