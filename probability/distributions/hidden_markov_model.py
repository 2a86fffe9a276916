"""HiddenMarkovModel: a Markov chain over K hidden states, one observation per step."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .categorical import Categorical
from .distribution import NOT_REPARAMETERIZED, Distribution, _batch_key
from .mixture_same_family import _broadcast_batch, _check_categorical, mixture_mean, mixture_variance

__all__ = ["HiddenMarkovModel"]


class HiddenMarkovModel(Distribution):
    """``HiddenMarkovModel(initial_distribution, transition_distribution, observation_distribution,
    num_steps)``: hidden states ``z[0] ~ initial``, ``z[t] ~ transition[z[t-1]]`` and observations
    ``x[t] ~ observation[z[t]]``.

    ``initial_distribution``: a ``Categorical`` over ``K`` states, batch ``B``;
    ``transition_distribution``: a ``Categorical`` with batch ``B + [K]`` (row ``i``: the next
    state from state ``i``), ``B + [num_steps - 1, K]`` with ``time_varying_transition_distribution``;
    ``observation_distribution``: batch ``B + [K]`` (``B + [num_steps, K]`` with
    ``time_varying_observation_distribution``), event ``E``. The model has batch ``B`` and event
    ``[num_steps] + E``. ``log_prob`` runs the forward algorithm in log space; ``mask`` (``True``:
    the observation is left out) applies to ``log_prob``, ``posterior_marginals`` and
    ``posterior_mode`` (Viterbi).

    >>> hmm = HiddenMarkovModel(Categorical(probs=[0.8, 0.2]),
    ...                         Categorical(probs=[[0.7, 0.3], [0.2, 0.8]]),
    ...                         Normal(loc=[0.0, 15.0], scale=[5.0, 10.0]), num_steps=7)
    >>> hmm.event_shape, hmm.posterior_mode(x).shape
    ((7,), (7,))
    """

    def __init__(self, initial_distribution, transition_distribution, observation_distribution, num_steps,
                 validate_args=False, allow_nan_stats=True, time_varying_transition_distribution=False,
                 time_varying_observation_distribution=False, mask=None, name="HiddenMarkovModel"):
        parameters = dict(locals())
        owner = "HiddenMarkovModel"
        init, trans, obs = initial_distribution, transition_distribution, observation_distribution
        _check_categorical(init, owner, "initial_distribution")
        _check_categorical(trans, owner, "transition_distribution")
        if not isinstance(obs, Distribution):
            raise TypeError(f"{owner}: `observation_distribution` must be a Distribution, got {type(obs).__name__}")
        steps = np.asarray(num_steps.numpy() if isinstance(num_steps, wb.Tensor) else num_steps)
        if steps.ndim != 0 or steps.dtype.kind not in "iu" or int(steps) < 1:
            raise ValueError(f"{owner}: `num_steps` must be a positive integer, got {num_steps!r}")
        self._num_steps = int(steps)
        self._tv_trans = bool(time_varying_transition_distribution)
        self._tv_obs = bool(time_varying_observation_distribution)
        k = init._num_categories()
        t = self._num_steps
        trans_extra = (t - 1, k) if self._tv_trans else (k,)
        obs_extra = (t, k) if self._tv_obs else (k,)
        for d, arg, extra in ((trans, "transition_distribution", trans_extra),
                              (obs, "observation_distribution", obs_extra)):
            shape = tuple(d.batch_shape)
            if len(shape) < len(extra) or shape[len(shape) - len(extra):] != extra:
                raise ValueError(f"{owner}: `{arg}` has batch shape {list(shape)}; expected it to end in "
                                 f"{list(extra)} (initial_distribution has {k} states, num_steps={t})")
        if trans._num_categories() != k:
            raise ValueError(f"{owner}: `transition_distribution` has {trans._num_categories()} categories, "
                             f"`initial_distribution` has {k}")
        self._initial_distribution, self._transition_distribution = init, trans
        self._observation_distribution = obs
        self._mask = self._as_mask(mask)
        super().__init__(obs.dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    # -- properties -----------------------------------------------------------------
    @property
    def initial_distribution(self):
        return self._initial_distribution

    @property
    def transition_distribution(self):
        return self._transition_distribution

    @property
    def observation_distribution(self):
        return self._observation_distribution

    @property
    def num_steps(self):
        return self._num_steps

    @property
    def mask(self):
        return self._mask

    @property
    def time_varying_transition_distribution(self):
        return self._tv_trans

    @property
    def time_varying_observation_distribution(self):
        return self._tv_obs

    def num_states_static(self):
        return self._initial_distribution._num_categories()

    def num_states_tensor(self):
        return wb.constant(self.num_states_static(), dtype=wb.int32)

    # -- shapes ---------------------------------------------------------------------
    def _batch_shape(self):
        trans = tuple(self._transition_distribution.batch_shape)[:-2 if self._tv_trans else -1]
        obs = tuple(self._observation_distribution.batch_shape)[:-2 if self._tv_obs else -1]
        return internal.broadcast_shapes(tuple(self._initial_distribution.batch_shape), trans, obs)

    def _event_shape(self):
        return (self._num_steps,) + tuple(self._observation_distribution.event_shape)

    def _value_dtype(self):
        return self._observation_distribution._value_dtype()

    def _default_event_space_bijector(self):
        return self._observation_distribution.experimental_default_event_space_bijector()

    # -- the chain's pieces, in log space --------------------------------------------
    def _log_init(self):
        return wb.nn.log_softmax(self._initial_distribution.logits_parameter(), axis=-1)   # B + [K]

    def _log_trans(self):
        """``B + [K, K]`` (``B + [T - 1, K, K]`` when time varying), rows the previous state."""
        return wb.nn.log_softmax(self._transition_distribution.logits_parameter(), axis=-1)

    def _trans_into(self, log_trans, t):
        """The log transition matrix from step ``t - 1`` to step ``t``."""
        return log_trans[..., t - 1, :, :] if self._tv_trans else log_trans

    def _as_mask(self, mask):
        if mask is None:
            return None
        m = mask if isinstance(mask, wb.Tensor) else wb.constant(np.asarray(mask))
        if m.dtype != wb.bool:
            raise TypeError(f"HiddenMarkovModel: `mask` must be boolean, got dtype {m.dtype}")
        if m.ndim < 1 or m.shape[-1] != self._num_steps:
            raise ValueError(f"HiddenMarkovModel: `mask` has shape {list(m.shape)}; its last dimension must be "
                             f"num_steps={self._num_steps}")
        return m

    def _observation_log_probs(self, x, mask):
        """Per step ``t``, ``log p(x[t] | z[t] = k)``: a list of ``num_steps`` tensors of shape
        ``S + B + [K]`` (0 where the mask leaves the step out)."""
        e = len(self._observation_distribution.event_shape)
        time_axis = x.ndim - e - 1
        if time_axis < 0 or x.shape[time_axis] != self._num_steps:
            raise ValueError(f"HiddenMarkovModel: the value has shape {list(x.shape)}; expected [..., "
                             f"{self._num_steps}] + {list(self._observation_distribution.event_shape)} "
                             f"(num_steps, then the observation's event shape)")
        obs = self._observation_distribution
        if self._tv_obs:
            lp = obs.log_prob(wb.expand_dims(x, time_axis + 1))                 # S + B + [T, K]
            steps = [lp[..., t, :] for t in range(self._num_steps)]
        else:
            nb = len(self.batch_shape)
            if time_axis < nb:   # a value without the model's batch dimensions: ones in front, so the
                x = wb.reshape(x, [1] * (nb - time_axis) + list(x.shape))    # steps go ahead of them all
                time_axis = nb
            perm = [time_axis] + [i for i in range(x.ndim) if i != time_axis]
            xt = wb.expand_dims(wb.transpose(x, perm), -1 - e)                 # [T] + S + B + [1] + E
            lp = obs.log_prob(xt)                                               # [T] + S + B + [K]
            steps = [lp[t] for t in range(self._num_steps)]
        mask = self._mask if mask is None else self._as_mask(mask)
        if mask is not None:
            steps = [wb.where(wb.expand_dims(mask[..., t], -1), wb.zeros_like(s), s) for t, s in enumerate(steps)]
        return steps

    def _forward(self, obs_lp):
        """``log p(z[t], x[:t+1])`` for each step (``obs_lp`` None: the prior, no observations)."""
        log_trans = self._log_trans()
        batch = tuple(self.batch_shape)
        alpha = wb.broadcast_to(self._log_init(), internal.broadcast_shapes(batch, self._log_init().shape[:-1])
                                + (self.num_states_static(),))
        out = []
        for t in range(self._num_steps):
            if t:
                alpha = wb.reduce_logsumexp(wb.expand_dims(alpha, -1) + self._trans_into(log_trans, t), axis=-2)
            if obs_lp is not None:
                alpha = alpha + obs_lp[t]
            out.append(alpha)
        return out

    def _backward(self, obs_lp):
        """``log p(x[t+1:] | z[t])`` for each step."""
        log_trans = self._log_trans()
        beta = wb.zeros_like(obs_lp[-1])
        out = [beta]
        for t in range(self._num_steps - 1, 0, -1):
            beta = wb.reduce_logsumexp(self._trans_into(log_trans, t) + wb.expand_dims(obs_lp[t] + beta, -2),
                                       axis=-1)
            out.append(beta)
        return out[::-1]

    # -- densities, draws and statistics ------------------------------------------------
    def log_prob(self, value, mask=None, name=None):
        """``log p(x)``, summed over the hidden paths; ``mask`` (``[..., num_steps]``, True: left
        out) overrides the model's."""
        x = self._value(value, "log_prob")
        alpha = self._forward(self._observation_log_probs(x, mask))
        return wb.reduce_logsumexp(alpha[-1], axis=-1)

    def prob(self, value, mask=None, name=None):
        return wb.exp(self.log_prob(value, mask=mask))

    def _log_prob(self, x):
        return self.log_prob(x)

    _sample_n_takes_any_seed = True   # TFP's flow: the salt goes into an int seed before its draw

    def _sample_n(self, n, seed):
        # TFP's draws: every transition row and every state's observation is drawn, then the
        # hidden path picks; parts whose batch is smaller than B draw n * repeat and fold it in
        init_seed, loop_seed, obs_seed = internal.split_seed(seed, 3, salt="HiddenMarkovModel")
        t_steps, k = self._num_steps, self.num_states_static()
        batch = tuple(self.batch_shape)
        size = int(np.prod(batch, dtype=np.int64))

        def repeat(shape):
            return size // int(np.prod(shape, dtype=np.int64))

        init = self._initial_distribution
        z = wb.reshape(init.sample(n * repeat(init.batch_shape), seed=init_seed), (n, size))
        states = [z]
        trans = self._transition_distribution
        trans_batch = tuple(trans.batch_shape)
        rep = repeat(trans_batch[:-2] if self._tv_trans else trans_batch[:-1])
        for t in range(1, t_steps):
            step_seed, loop_seed = internal.split_seed(loop_seed, 2)
            rows = trans[..., t - 1, :] if self._tv_trans else trans
            nxt = wb.reshape(rows.sample(n * rep, seed=step_seed), (n, size, k))
            z = wb.reduce_sum(wb.one_hot(z, k, dtype=nxt.dtype) * nxt, axis=-1)
            states.append(z)
        obs = self._observation_distribution
        event = tuple(obs.event_shape)
        # TFP counts the steps of a time-varying observation among its batch here, which only
        # works where that batch already holds B; the count that fills B is the same there
        obs_rep = max(size // int(np.prod(tuple(obs.batch_shape)[:-2 if self._tv_obs else -1], dtype=np.int64)), 1)
        if self._tv_obs:
            xs = obs.sample(obs_rep * n, seed=obs_seed)                       # [r n] + Bo + [T, K] + E
            axis = xs.ndim - len(event) - 2
            xs = wb.transpose(xs, [axis] + [a for a in range(xs.ndim) if a != axis])
        else:
            xs = obs.sample((t_steps, obs_rep * n), seed=obs_seed)           # [T, r n] + Bo + [K] + E
        xs = wb.reshape(xs, (t_steps, n) + batch + (k,) + event)
        hot = wb.one_hot(wb.stack(states, axis=0), k, dtype=xs.dtype)        # [T, n, size, K]
        hot = wb.reshape(hot, (t_steps, n) + batch + (k,) + (1,) * len(event))
        x = wb.reduce_sum(hot * xs, axis=-1 - len(event))                     # [T, n] + B + E
        return wb.transpose(x, list(range(1, 2 + len(batch))) + [0] + list(range(2 + len(batch), x.ndim)))

    def _marginal_log_probs(self):
        """``log p(z[t] = k)``: ``B + [T, K]``."""
        return wb.stack(self._forward(None), axis=-2)

    def prior_marginals(self, name="prior"):
        """The prior probability of each state at each step: a ``Categorical`` with batch
        ``B + [num_steps]``."""
        return Categorical(logits=self._marginal_log_probs())

    def _obs_moments(self, stat):
        m = getattr(self._observation_distribution, stat)()                            # Bo + [K] + E or [T, K] + E
        e = len(self._observation_distribution.event_shape)
        return m if self._tv_obs else wb.expand_dims(m, -2 - e)

    def _mean(self):
        e = len(self._observation_distribution.event_shape)
        return mixture_mean(self._marginal_log_probs(), self._obs_moments("mean"), e)

    def _variance(self):
        e = len(self._observation_distribution.event_shape)
        return mixture_variance(self._marginal_log_probs(), self._obs_moments("mean"), self._obs_moments("variance"),
                                e)

    def posterior_marginals(self, observations, mask=None, name="posterior_marginals"):
        """``p(z[t] | x)`` for each step: a ``Categorical`` with batch ``S + B + [num_steps]``
        (forward-backward in log space)."""
        x = self._value(observations, "posterior_marginals")
        obs_lp = self._observation_log_probs(x, mask)
        alpha, beta = self._forward(obs_lp), self._backward(obs_lp)
        total = wb.reduce_logsumexp(alpha[-1], axis=-1, keepdims=True)
        return Categorical(logits=wb.stack([a + b - total for a, b in zip(alpha, beta)], axis=-2))

    def posterior_mode(self, observations, mask=None, name="posterior_mode"):
        """The most probable hidden path given ``observations`` (Viterbi): int64 states (TFP's dtype) of shape
        ``S + B + [num_steps]``."""
        x = self._value(observations, "posterior_mode")
        obs_lp = self._observation_log_probs(x, mask)
        log_trans = self._log_trans()
        k = self.num_states_static()
        delta = self._forward(None)[0] + obs_lp[0]
        pointers = []
        for t in range(1, self._num_steps):
            scores = wb.expand_dims(delta, -1) + self._trans_into(log_trans, t)          # ... + [K from, K to]
            pointers.append(wb.argmax(scores, axis=-2, output_type=wb.int64))
            delta = wb.reduce_max(scores, axis=-2) + obs_lp[t]
        z = wb.argmax(delta, axis=-1, output_type=wb.int64)
        path = [z]
        for back in pointers[::-1]:
            hot = wb.one_hot(z, k, dtype=wb.int64)
            z = wb.reduce_sum(hot * back, axis=-1)
            path.append(z)
        return wb.stack(path[::-1], axis=-1)

    # -- structure ------------------------------------------------------------------------
    def __getitem__(self, slices):
        """Slice the batch dimensions of the three distributions (and of the mask)."""
        batch = tuple(self.batch_shape)
        key = _batch_key(slices if isinstance(slices, tuple) else (slices,), len(batch), 0)
        k, t = self.num_states_static(), self._num_steps
        init = _broadcast_batch(self._initial_distribution, batch)[key]
        trans_extra = (t - 1, k) if self._tv_trans else (k,)
        obs_extra = (t, k) if self._tv_obs else (k,)
        trans = _broadcast_batch(self._transition_distribution, batch + trans_extra)[key]
        obs = _broadcast_batch(self._observation_distribution, batch + obs_extra)[key]
        mask = self._mask
        if mask is not None:
            mask = wb.broadcast_to(mask, batch + (t,))[key + (slice(None),)]
        return self.copy(initial_distribution=init, transition_distribution=trans, observation_distribution=obs,
                         mask=mask)
