"""LinearGaussianStateSpaceModel: a linear Gaussian latent chain observed through linear maps with
Gaussian noise (the Kalman filter's model)."""

from __future__ import annotations

import collections
import contextlib
import math

import numpy as np

import workbench as wb
from workbench import backend, core

from .. import internal
from . import _kalman
from .distribution import FULLY_REPARAMETERIZED, Distribution, _batch_key
from .mixture_same_family import _broadcast_batch

__all__ = ["LinearGaussianStateSpaceModel"]

_LOG_TWO_PI = math.log(2.0 * math.pi)

FilterResults = collections.namedtuple("FilterResults", [
    "log_likelihoods", "filtered_means", "filtered_covs", "predicted_means", "predicted_covs", "observation_means",
    "observation_covs"])


class LinearGaussianStateSpaceModel(Distribution):
    """``z[0] ~ initial_state_prior``, ``z[t+1] = A[t] z[t] + transition_noise[t]``,
    ``x[t] = C[t] z[t] + observation_noise[t]``, for ``num_timesteps`` steps.

    ``transition_matrix`` (``A``, ``[latent_size, latent_size]``) and ``observation_matrix``
    (``C``, ``[observation_size, latent_size]``) are Tensors, LinearOperators, or callables of the
    step ``t`` (``initial_step`` plus the index; ``A(t)`` maps step ``t`` to ``t + 1``) returning
    either; the noises are multivariate normals (their ``loc`` is a drift) or callables of ``t``
    returning one. Event shape ``[num_timesteps, observation_size]``. ``log_prob`` runs the Kalman
    filter; ``mask`` (``[..., num_timesteps]``, True: the step's observation is missing) applies to
    ``log_prob``, ``forward_filter``, ``posterior_marginals`` and ``posterior_sample``.

    >>> model = LinearGaussianStateSpaceModel(
    ...     num_timesteps=50, transition_matrix=wb.eye(2), transition_noise=MultivariateNormalDiag(scale_diag=[.1, .1]),
    ...     observation_matrix=wb.ones([1, 2]), observation_noise=MultivariateNormalDiag(scale_diag=[1.]),
    ...     initial_state_prior=MultivariateNormalDiag(scale_diag=[1., 1.]))
    >>> model.event_shape
    (50, 1)
    """

    def __init__(self, num_timesteps, transition_matrix, transition_noise, observation_matrix, observation_noise,
                 initial_state_prior, initial_step=0, mask=None, experimental_parallelize=False, validate_args=False,
                 allow_nan_stats=True, name="LinearGaussianStateSpaceModel"):
        parameters = dict(locals())
        owner = "LinearGaussianStateSpaceModel"
        self._num_timesteps = _static_int(num_timesteps, "num_timesteps", minimum=1)
        self._initial_step = _static_int(initial_step, "initial_step")
        if not isinstance(initial_state_prior, Distribution) or len(initial_state_prior.event_shape) != 1:
            raise TypeError(f"{owner}: `initial_state_prior` must be a multivariate normal with event shape "
                            f"[latent_size], got {initial_state_prior!r}")
        self._initial_state_prior = initial_state_prior
        self._transition_matrix, self._transition_noise = transition_matrix, transition_noise
        self._observation_matrix, self._observation_noise = observation_matrix, observation_noise
        self._experimental_parallelize = bool(experimental_parallelize)
        dtype = initial_state_prior.dtype
        self._latent_size = int(initial_state_prior.event_shape[0])
        t0 = self._initial_step
        a, c = self._matrix("transition_matrix", t0, dtype), self._matrix("observation_matrix", t0, dtype)
        q, r = self._noise("transition_noise", t0), self._noise("observation_noise", t0)
        l = self._latent_size
        if tuple(a.shape[-2:]) != (l, l):
            raise ValueError(f"{owner}: `transition_matrix` has shape {list(a.shape)}; expected [..., {l}, {l}] "
                             f"(initial_state_prior's latent size is {l})")
        if c.shape[-1] != l:
            raise ValueError(f"{owner}: `observation_matrix` has shape {list(c.shape)}; expected [..., "
                             f"observation_size, {l}]")
        self._observation_size = int(c.shape[-2])
        for d, arg, size in ((q, "transition_noise", l), (r, "observation_noise", self._observation_size)):
            if tuple(d.event_shape) != (size,):
                raise ValueError(f"{owner}: `{arg}` has event shape {list(d.event_shape)}; expected [{size}]")
            if d.dtype != dtype:
                raise TypeError(f"{owner}: `{arg}` has dtype {d.dtype}, initial_state_prior has {dtype}")
        self._batch = internal.broadcast_shapes(tuple(initial_state_prior.batch_shape), tuple(a.shape[:-2]),
                                                tuple(c.shape[:-2]), tuple(q.batch_shape), tuple(r.batch_shape))
        self._mask = None if mask is None else self._as_mask(mask)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    # -- properties -------------------------------------------------------------------
    @property
    def num_timesteps(self):
        return self._num_timesteps

    @property
    def transition_matrix(self):
        return self._transition_matrix

    @property
    def transition_noise(self):
        return self._transition_noise

    @property
    def observation_matrix(self):
        return self._observation_matrix

    @property
    def observation_noise(self):
        return self._observation_noise

    @property
    def initial_state_prior(self):
        return self._initial_state_prior

    @property
    def initial_step(self):
        return self._initial_step

    @property
    def mask(self):
        return self._mask

    @property
    def experimental_parallelize(self):
        return self._experimental_parallelize

    def latent_size_tensor(self):
        return wb.constant(self._latent_size, dtype=wb.int32)

    def observation_size_tensor(self):
        return wb.constant(self._observation_size, dtype=wb.int32)

    def _batch_shape(self):
        return self._batch

    def _event_shape(self):
        return (self._num_timesteps, self._observation_size)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        return tfb.Identity(validate_args=self._validate_args)

    # -- the model at step t ---------------------------------------------------------------
    def _matrix(self, which, t, dtype=None):
        return self._as_matrix(self._raw_matrix(which, t), which, dtype)

    def _raw_matrix(self, which, t):
        m = getattr(self, "_" + which)
        if callable(m) and not isinstance(m, (wb.Tensor, wb.linalg.LinearOperator)):
            m = m(_step_tensor(t))
        return m

    def _as_matrix(self, m, which, dtype=None):
        if isinstance(m, wb.linalg.LinearOperator):
            m = m.to_dense()
        m = internal.as_param(m, which, dtype or self.dtype, "LinearGaussianStateSpaceModel")
        if m.ndim < 2:
            raise ValueError(f"LinearGaussianStateSpaceModel: `{which}` has shape {list(m.shape)}; expected a matrix")
        return m

    def _noise(self, which, t):
        d = getattr(self, "_" + which)
        if not isinstance(d, Distribution) and callable(d):
            d = d(_step_tensor(t))
        if not isinstance(d, Distribution) or len(d.event_shape) != 1:
            raise TypeError(f"LinearGaussianStateSpaceModel: `{which}` must be a multivariate normal (or a callable "
                            f"of the step returning one), got {d!r}")
        return d

    def _step(self, t):
        """``(A, transition noise, C, observation noise)`` at index ``t`` (time ``initial_step + t``)."""
        s = self._initial_step + t
        return (self._matrix("transition_matrix", s), self._noise("transition_noise", s),
                self._matrix("observation_matrix", s), self._noise("observation_noise", s))

    def _as_mask(self, mask):
        m = mask if isinstance(mask, wb.Tensor) else wb.constant(np.asarray(mask))
        if m.dtype != wb.bool:
            raise TypeError(f"LinearGaussianStateSpaceModel: `mask` must be boolean, got dtype {m.dtype}")
        if m.ndim < 1 or m.shape[-1] != self._num_timesteps:
            raise ValueError(f"LinearGaussianStateSpaceModel: `mask` has shape {list(m.shape)}; its last dimension "
                             f"must be num_timesteps={self._num_timesteps}")
        return m

    def _check_x(self, x, method):
        x = self._value(x, method)
        if x.ndim < 2 or tuple(x.shape[-2:]) != self.event_shape:
            raise ValueError(f"LinearGaussianStateSpaceModel.{method}: `x` has shape {list(x.shape)}; expected "
                             f"[..., {self._num_timesteps}, {self._observation_size}] (num_timesteps, "
                             f"observation_size)")
        return x

    # -- the Kalman filter and smoother ---------------------------------------------------------
    def forward_filter(self, x, mask=None, final_step_only=False):
        """Kalman filter over ``x``: a ``FilterResults`` of per-step ``log_likelihoods``
        (``log p(x[t] | x[:t])``), ``filtered_means``/``covs`` (``p(z[t] | x[:t+1])``),
        ``predicted_means``/``covs`` (``p(z[t+1] | x[:t+1])``) and ``observation_means``/``covs``
        (``p(x[t] | x[:t])``). The covariances do not depend on ``x`` and have no sample dims.
        ``final_step_only``: only the last step's values, the log-likelihood summed."""
        x = self._check_x(x, "forward_filter")
        mask = self._mask if mask is None else self._as_mask(mask)
        prior = self._initial_state_prior
        (a, b, q, c, d, r), index = self._stacked_steps()
        # the means follow x's sample and batch dims, the covariances only the model's and the mask's
        cov_batch = internal.broadcast_shapes(self._batch, tuple(mask.shape[:-1]) if mask is not None else (),
                                              *(tuple(z.shape[1:z.ndim - n]) for z, n in ((a, 2), (q, 2), (c, 2),
                                                                                        (r, 2))))
        mean_batch = internal.broadcast_shapes(tuple(x.shape[:-2]), cov_batch,
                                               *(tuple(z.shape[1:-1]) for z in (b, d)))
        m0, p0 = prior.mean(), prior.covariance()
        keep = None
        if mask is not None:
            keep = wb.broadcast_to(wb.cast(wb.logical_not(mask), self.dtype), cov_batch + (self._num_timesteps,))
        args = (x, m0, p0, a, b, q, c, d, r)
        if core.tracing():
            results = _filter_taped(args, keep, index, mean_batch, cov_batch)
        else:
            results = _filter_fast(args, keep, index, mean_batch, cov_batch)
        if final_step_only:
            return FilterResults(wb.reduce_sum(results[0], axis=-1), results[1][..., -1, :],
                                 results[2][..., -1, :, :], results[3][..., -1, :], results[4][..., -1, :, :],
                                 results[5][..., -1, :], results[6][..., -1, :, :])
        return FilterResults(*results)

    def _stacked_steps(self):
        """The model's pieces over the steps, each distinct value once: ``((A, transition noise
        means, their covariances, C, observation noise means, their covariances), (index per step
        of A, of the transition noise, of C, of the observation noise))``, each a Tensor with a
        leading axis of the distinct values."""
        stacks, index = [], []
        for which in ("transition_matrix", "transition_noise", "observation_matrix", "observation_noise"):
            values, idx = self._distinct(which)
            if which.endswith("noise"):
                stacks += [_stack_distinct([v.mean() for v in values], 1),
                           _stack_distinct([v.covariance() for v in values], 2)]
            else:
                stacks.append(_stack_distinct([self._as_matrix(v, which, self.dtype) for v in values], 2))
            index.append(idx)
        return tuple(stacks), tuple(index)

    def _distinct(self, which):
        """The distinct values of the piece ``which`` over the steps (matrices as given, noises as
        distributions), and per step the index of the one in force."""
        piece = getattr(self, "_" + which)
        static = isinstance(piece, (wb.Tensor, wb.linalg.LinearOperator, Distribution)) or not callable(piece)
        values, keys, idx = [], {}, []
        for t in range(1 if static else self._num_timesteps):
            s = self._initial_step + t
            v = self._noise(which, s) if which.endswith("noise") else self._raw_matrix(which, s)
            if id(v) not in keys:
                keys[id(v)] = len(values)
                values.append(v)       # held, so that no later value reuses its id
            idx.append(keys[id(v)])
        return values, np.asarray(idx * self._num_timesteps if static else idx, dtype=np.intp)

    def backward_smoothing_pass(self, filtered_means, filtered_covs, predicted_means, predicted_covs):
        """Rauch-Tung-Striebel smoother: ``(smoothed_means, smoothed_covs)`` of ``p(z[t] | x)`` from
        ``forward_filter``'s results."""
        args = [internal.as_param(v, name, self.dtype, "LinearGaussianStateSpaceModel.backward_smoothing_pass")
                for v, name in ((filtered_means, "filtered_means"), (filtered_covs, "filtered_covs"),
                                (predicted_means, "predicted_means"), (predicted_covs, "predicted_covs"))]
        args = [wb.convert_to_tensor(v) for v in args]
        values, ia = self._distinct("transition_matrix")
        a = _stack_distinct([self._as_matrix(v, "transition_matrix", self.dtype) for v in values], 2)
        fm, fc, pm, pc = args
        cov_batch = internal.broadcast_shapes(tuple(fc.shape[:-3]), tuple(pc.shape[:-3]), tuple(a.shape[1:-2]))
        mean_batch = internal.broadcast_shapes(tuple(fm.shape[:-2]), tuple(pm.shape[:-2]), cov_batch)
        smooth = _smoother_taped if core.tracing() else _smoother_fast
        return smooth(args + [a], ia, mean_batch, cov_batch)

    def posterior_marginals(self, x, mask=None):
        """``(smoothed_means, smoothed_covs)`` of ``p(z[t] | x)``: the filter, then the smoother."""
        r = self.forward_filter(x, mask=mask)
        return self.backward_smoothing_pass(r.filtered_means, r.filtered_covs, r.predicted_means, r.predicted_covs)

    def posterior_sample(self, x, sample_shape=(), mask=None, seed=None, name=None):
        """Latent paths drawn from ``p(z | x)``, shape ``sample_shape + batch + [num_timesteps,
        latent_size]`` (Durbin and Koopman's simulation smoother: a prior draw ``(z+, x+)`` moved by
        the smoothed means, ``z+ - E[z | x+] + E[z | x]``)."""
        x = self._check_x(x, "posterior_sample")
        shape = internal.shape_tuple(sample_shape)
        n = int(np.prod(shape)) if shape else 1
        # as TFP: one prior draw per member of the batch that x and the mask broadcast the model to
        mask_tensor = self._mask if mask is None else self._as_mask(mask)
        batch = internal.broadcast_shapes(tuple(x.shape[:-2]), self._batch,
                                          tuple(mask_tensor.shape[:-1]) if mask_tensor is not None else ())
        extra = int(np.prod(batch, dtype=np.int64)) // max(int(np.prod(self._batch, dtype=np.int64)), 1)
        z_prior, x_prior = self._joint_sample(n * extra, seed)
        z_prior = wb.reshape(z_prior, shape + batch + tuple(z_prior.shape[-2:]))
        x_prior = wb.reshape(x_prior, shape + batch + tuple(x_prior.shape[-2:]))
        smoothed = self.posterior_marginals(x, mask=mask)[0]
        smoothed_prior = self.posterior_marginals(x_prior, mask=mask)[0]
        return z_prior - smoothed_prior + smoothed

    def latents_to_observations(self, latent_means, latent_covs):
        """Push latent moments (``[..., num_timesteps, latent_size]`` and ``[..., num_timesteps,
        latent_size, latent_size]``) through the observation model: ``(observation_means,
        observation_covs)``."""
        (_, _, _, c, d, r), (_, _, ic, ir) = self._stacked_steps()
        c, d, r = _steps_last(c, ic, 2), _steps_last(d, ir, 1), _steps_last(r, ir, 2)
        means = _matvec(c, latent_means) + d
        return means, _sandwich(c, latent_covs) + r

    # -- density, draws and moments ------------------------------------------------------------
    def log_prob(self, value, mask=None, name=None):
        """``log p(x)``, the sum of the filter's one-step log-likelihoods (masked steps add 0)."""
        return wb.reduce_sum(self.forward_filter(value, mask=mask).log_likelihoods, axis=-1)

    def prob(self, value, mask=None, name=None):
        return wb.exp(self.log_prob(value, mask=mask))

    def _log_prob(self, x):
        return self.log_prob(x)

    def _joint_sample(self, n, seed):
        """``n`` draws of the latents and the observations: ``[n] + batch + [T, latent_size]`` and
        ``[n] + batch + [T, observation_size]``; TFP's seeds (three from the salted seed, then three
        per step off the loop's)."""
        init_seed, obs_seed, loop_seed = internal.split_seed(
            seed, 3, salt="LinearGaussianStateSpaceModel_sample_n_joint")
        full = (n,) + self._batch
        z = _full(self._noise_draws(self._initial_state_prior, full, init_seed), full, 1)
        latents, observations = [], []
        for t in range(self._num_timesteps):
            a, q, c, r = self._step(t)
            if t:
                trans_seed, obs_seed, loop_seed = internal.split_seed(loop_seed, 3)
                a_prev, q_prev = self._step(t - 1)[:2]
                z = _matvec(a_prev, z) + self._noise_draws(q_prev, full, trans_seed)
            latents.append(z)
            observations.append(_matvec(c, z) + self._noise_draws(r, full, obs_seed))
        return wb.stack(latents, axis=-2), _full(wb.stack(observations, axis=-2), full, 2)

    def _noise_draws(self, d, full, seed):
        """Draws of ``d`` for the sample and batch shape ``full``: as TFP, the leading dims of
        ``full`` that ``d``'s batch lacks are its sample shape (a batch that only broadcasts to
        the rest is drawn ``n`` times, aligned on the right)."""
        batch = tuple(d.batch_shape)
        lead = len(full) - len(batch)
        if lead >= 1 and (not batch or tuple(full[lead:]) == batch):
            return d.sample(full[:lead], seed=seed)
        draws = d.sample(full[0], seed=seed)                            # [n] + d's batch + [size]
        pad = len(full) - 1 - (draws.ndim - 2)
        return wb.reshape(draws, draws.shape[:1] + (1,) * pad + draws.shape[1:]) if pad > 0 else draws

    _sample_n_takes_any_seed = True   # TFP's flow: the salt goes into an int seed before its draw

    def _sample_n(self, n, seed):
        return self._joint_sample(n, seed)[1]

    def _prior_moments(self):
        """Prior means and covariances of the observations: ``batch + [T, o]``, ``batch + [T, o, o]``
        (the filter's one-step predictions with every observation masked)."""
        x = wb.zeros(self._batch + self.event_shape, dtype=self.dtype)
        r = self.forward_filter(x, mask=wb.ones([self._num_timesteps], dtype=wb.bool))
        return r.observation_means, r.observation_covs

    def _mean(self):
        return self._prior_moments()[0]

    def _variance(self):
        return wb.linalg.diag_part(self._prior_moments()[1])

    def __getitem__(self, slices):
        """Slice the batch dimensions of the matrices, the noises, the prior and the mask (a model
        with callables of ``t`` cannot be sliced)."""
        pieces = (self._transition_matrix, self._transition_noise, self._observation_matrix, self._observation_noise)
        if any(callable(p) and not isinstance(p, (wb.Tensor, wb.linalg.LinearOperator, Distribution)) for p in pieces):
            raise NotImplementedError("LinearGaussianStateSpaceModel: batch slicing needs Tensor or LinearOperator "
                                      "matrices and distribution noises, not callables of the step")
        batch = self._batch
        key = _batch_key(slices if isinstance(slices, tuple) else (slices,), len(batch), 0)

        def matrix(which):
            m = self._matrix(which, self._initial_step)
            return wb.broadcast_to(m, batch + tuple(m.shape[-2:]))[key + (slice(None), slice(None))]
        new = dict(transition_matrix=matrix("transition_matrix"), observation_matrix=matrix("observation_matrix"))
        for which in ("transition_noise", "observation_noise", "initial_state_prior"):
            new[which] = _broadcast_batch(getattr(self, "_" + which), batch)[key]
        if self._mask is not None:
            new["mask"] = wb.broadcast_to(self._mask, batch + (self._num_timesteps,))[key + (slice(None),)]
        return self.copy(**new)


_STEP_TENSORS = {}


def _step_tensor(t):
    """The int32 step ``t`` handed to callables of the step (tensors are immutable: each is made
    once per device)."""
    key = (t, backend.default_device())
    step = _STEP_TENSORS.get(key)
    if step is None:
        if len(_STEP_TENSORS) > 100_000:
            _STEP_TENSORS.clear()
        step = _STEP_TENSORS[key] = wb.constant(t, dtype=wb.int32)
    return step


def _static_int(value, what, minimum=0):
    arr = np.asarray(value.numpy() if isinstance(value, wb.Tensor) else value)
    if arr.ndim != 0 or arr.dtype.kind not in "iu" or int(arr) < minimum:
        raise ValueError(f"LinearGaussianStateSpaceModel: `{what}` must be an integer >= {minimum}, got {value!r}")
    return int(arr)


def _full(t, batch, event_ndims):
    """``t`` broadcast to ``batch`` + its event dims."""
    shape = internal.broadcast_shapes(tuple(t.shape[:t.ndim - event_ndims]), tuple(batch))
    shape += tuple(t.shape[t.ndim - event_ndims:])
    return t if tuple(t.shape) == shape else wb.broadcast_to(t, shape)


def _matvec(m, v):
    return wb.matmul(m, v[..., None])[..., 0]


def _sandwich(m, cov):
    """``m cov m^T``."""
    return wb.matmul(m, wb.matmul(cov, m, transpose_b=True))


def _symmetrize(m):
    return 0.5 * (m + wb.linalg.matrix_transpose(m))


def _stack_distinct(values, event_ndims):
    """The distinct values of a step piece on a new leading axis, broadcast to one shape."""
    shapes = [tuple(v.shape) for v in values]
    batch = internal.broadcast_shapes(*(sh[:len(sh) - event_ndims] for sh in shapes))
    values = [_full(v, batch, event_ndims) for v in values]
    return values[0][None] if len(values) == 1 else wb.stack(values, axis=0)


def _steps_last(stack, index, event_ndims):
    """A step piece at every step, the steps' axis just before the event dims."""
    steps = wb.gather(stack, wb.constant(index.astype(np.int32)))
    perm = list(range(1, steps.ndim - event_ndims)) + [0] + list(range(steps.ndim - event_ndims, steps.ndim))
    return wb.transpose(steps, perm)


def _filter_fast(args, keep, index, mean_batch, cov_batch):
    """The filter on raw arrays, its gradient by :func:`_kalman.filter_backward`; a gradient taken
    while a tape or accumulator is active (higher order, forward mode) runs the filter again on
    the tape instead."""
    ia, iq, ic, ir = index

    @wb.custom_gradient
    def kalman_filter(*tensors):
        xp = tensors[0].xp
        raw = [t._data for t in tensors]
        keep_raw = None if keep is None else keep._data
        with _raw_errors("forward_filter", "an observation covariance"):
            outs, saved = _kalman.filter_forward(xp, *raw[:1], keep_raw, *raw[1:], ia, iq, ic, ir, mean_batch,
                                                 cov_batch)

        def grad_one(dys):
            if core.tapes() or core.accumulators():
                with wb.GradientTape() as tape:
                    tape.watch(list(tensors))
                    again = _filter_taped(tensors, keep, index, mean_batch, cov_batch)
                return tape.gradient(list(again), list(tensors), output_gradients=list(dys),
                                     unconnected_gradients="zero")
            with _raw_errors("forward_filter", "an observation covariance"):
                gs = _kalman.filter_backward(xp, [dy._data for dy in dys], saved, *raw, ia, iq, ic, ir, mean_batch,
                                             cov_batch)
            return [core.wrap(g) for g in gs]

        def grad(*dys):
            return _per_cotangent(grad_one, dys, outs)

        return tuple(core.wrap(o) for o in outs), grad

    return kalman_filter(*args)


@contextlib.contextmanager
def _raw_errors(method, what):
    """NumPy's floating point warnings off (as workbench ops have them), and its linear algebra
    errors as TF's ``InvalidArgumentError``."""
    try:
        with np.errstate(all="ignore"):
            yield
    except np.linalg.LinAlgError as e:
        raise wb.errors.InvalidArgumentError(
            None, None, f"LinearGaussianStateSpaceModel.{method}: {what} is not positive definite ({e})") from None


def _per_cotangent(grad_one, dys, outs):
    """``grad_one(dys)``, or, for a batch of cotangents on a leading axis (a jacobian; an unused
    output's zero cotangent comes without it), ``grad_one`` of each row, stacked."""
    batched = [dy.ndim > o.ndim for dy, o in zip(dys, outs)]
    if not any(batched):
        return grad_one(dys)
    n = next(dy.shape[0] for dy, b in zip(dys, batched) if b)
    rows = [grad_one([dy[i] if b else dy for dy, b in zip(dys, batched)]) for i in range(n)]
    return [None if rows[0][k] is None else wb.stack([r[k] for r in rows]) for k in range(len(rows[0]))]


def _filter_taped(args, keep, index, mean_batch, cov_batch):
    """The filter with workbench ops, one step at a time (on the tape: any order of gradient)."""
    x, m0, p0, a, b, q, c, d, r = args
    ia, iq, ic, ir = index
    o = x.shape[-1]
    mean, cov = _full(m0, mean_batch, 1), _full(p0, cov_batch, 2)
    out = [[] for _ in FilterResults._fields]
    for t in range(x.shape[-2]):
        at, bt, qt, ct, dt, rt = a[int(ia[t])], b[int(iq[t])], q[int(iq[t])], c[int(ic[t])], d[int(ir[t])], \
            r[int(ir[t])]
        obs_mean = _matvec(ct, mean) + dt
        u = wb.matmul(ct, cov)
        obs_cov = _symmetrize(wb.matmul(u, ct, transpose_b=True) + rt)
        chol = wb.linalg.cholesky(obs_cov)
        resid = x[..., t, :] - obs_mean
        if keep is not None:
            kt = keep[..., t]
            resid = wb.where(kt[..., None] > 0, resid, wb.zeros_like(resid))
        white = wb.linalg.triangular_solve(chol, resid[..., None], lower=True)[..., 0]
        log_lik = (-0.5 * wb.reduce_sum(wb.square(white), axis=-1)
                   - wb.reduce_sum(wb.log(wb.linalg.diag_part(chol)), axis=-1) - 0.5 * o * _LOG_TWO_PI)
        # gain K = P C^T S^-1, from K^T = S^-1 C P (S symmetric)
        gain_t = wb.linalg.cholesky_solve(chol, u)
        update = wb.matmul(gain_t, u, transpose_a=True)
        if keep is not None:
            log_lik = log_lik * kt
            update = update * kt[..., None, None]
        f_mean = mean + wb.matmul(gain_t, resid[..., None], transpose_a=True)[..., 0]
        f_cov = _symmetrize(cov - update)
        mean, cov = _matvec(at, f_mean) + bt, wb.matmul(at, wb.matmul(f_cov, at, transpose_b=True)) + qt
        for k, v in enumerate((log_lik, f_mean, f_cov, mean, cov, obs_mean, obs_cov)):
            out[k].append(v)
    return (wb.stack(out[0], axis=-1), wb.stack(out[1], axis=-2), wb.stack(out[2], axis=-3),
            wb.stack(out[3], axis=-2), wb.stack(out[4], axis=-3), wb.stack(out[5], axis=-2),
            wb.stack(out[6], axis=-3))


def _smoother_fast(args, ia, mean_batch, cov_batch):
    """The smoother on raw arrays, its gradient by :func:`_kalman.smoother_backward` (on the tape
    while a tape or accumulator is active, as :func:`_filter_fast`)."""

    @wb.custom_gradient
    def rts_smoother(*tensors):
        xp = tensors[0].xp
        raw = [t._data for t in tensors]
        with _raw_errors("backward_smoothing_pass", "a predicted covariance"):
            outs, saved = _kalman.smoother_forward(xp, *raw, ia, mean_batch, cov_batch)

        def grad_one(dys):
            if core.tapes() or core.accumulators():
                with wb.GradientTape() as tape:
                    tape.watch(list(tensors))
                    again = _smoother_taped(tensors, ia, mean_batch, cov_batch)
                return tape.gradient(list(again), list(tensors), output_gradients=list(dys),
                                     unconnected_gradients="zero")
            with _raw_errors("backward_smoothing_pass", "a predicted covariance"):
                gs = _kalman.smoother_backward(xp, [dy._data for dy in dys], saved, *raw, ia, mean_batch,
                                               cov_batch)
            return [core.wrap(g) for g in gs]

        def grad(*dys):
            return _per_cotangent(grad_one, dys, outs)

        return tuple(core.wrap(o) for o in outs), grad

    return rts_smoother(*args)


def _smoother_taped(args, ia, mean_batch, cov_batch):
    """The smoother with workbench ops, one step at a time."""
    filtered_means, filtered_covs, predicted_means, predicted_covs, a = args
    t_last = filtered_means.shape[-2] - 1
    s_mean = _full(filtered_means[..., t_last, :], mean_batch, 1)
    s_cov = _full(filtered_covs[..., t_last, :, :], cov_batch, 2)
    means, covs = [s_mean], [s_cov]
    for t in range(t_last - 1, -1, -1):
        at = a[int(ia[t])]
        f_mean, f_cov = filtered_means[..., t, :], filtered_covs[..., t, :, :]
        p_mean, p_cov = predicted_means[..., t, :], predicted_covs[..., t, :, :]
        # J = F A^T P^-1, from J^T = P^-1 A F (P, F symmetric)
        j_t = wb.linalg.cholesky_solve(wb.linalg.cholesky(_symmetrize(p_cov)), wb.matmul(at, f_cov))
        s_mean = f_mean + wb.matmul(j_t, (s_mean - p_mean)[..., None], transpose_a=True)[..., 0]
        s_cov = _symmetrize(f_cov + wb.matmul(j_t, wb.matmul(s_cov - p_cov, j_t), transpose_a=True))
        means.append(s_mean)
        covs.append(s_cov)
    return wb.stack(means[::-1], axis=-2), wb.stack(covs[::-1], axis=-3)
