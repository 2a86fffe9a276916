"""Replica exchange Monte Carlo (parallel tempering), TFP 0.25's kernel: one inner kernel over the
stacked replicas, then swaps proposed as a permutation of replicas per chain."""

from __future__ import annotations

import collections

import numpy as np

import workbench as wb

from . import internal
from ..internal import samplers
from .kernel import TransitionKernel

__all__ = ["ReplicaExchangeMC", "ReplicaExchangeMCKernelResults", "default_swap_proposal_fn"]

ReplicaExchangeMCKernelResults = collections.namedtuple(
    "ReplicaExchangeMCKernelResults",
    ["post_swap_replica_states", "pre_swap_replica_results", "post_swap_replica_results", "is_swap_proposed",
     "is_swap_accepted", "is_swap_proposed_adjacent", "is_swap_accepted_adjacent", "inverse_temperatures",
     "swaps", "seed", "step_count", "potential_energy"])

_NESTED = ("inner_results", "accepted_results")


def _left_expand(x, rank):
    """``x`` with trailing ones added to its shape up to ``rank``."""
    extra = rank - x.ndim
    return wb.reshape(x, tuple(x.shape) + (1,) * extra) if extra > 0 else x


def _adjacent_permutation(num_replica, batch_shape, odd):
    """Swap every even (``odd`` False) or odd adjacent pair: ``[num_replica] + batch_shape`` int64
    indices; ``odd`` has shape ``[1] + batch_shape``; with 2 replicas only the even pair exists."""
    odd = wb.logical_and(odd, num_replica > 2)
    x = _left_expand(wb.range(num_replica, dtype=wb.int64), 1 + len(batch_shape))
    y = wb.where(wb.equal(x % 2, wb.cast(odd, wb.int64)), x + 1, x - 1)
    return x, wb.clip_by_value(y, 0, num_replica - 1)


def default_swap_proposal_fn(prob_swap, name=None):
    """Swaps of adjacent replicas, all even pairs ``(0, 1), (2, 3), ...`` or all odd ones (a fair coin
    per chain), proposed with probability ``prob_swap`` per chain.

    Returns ``fn(num_replica, batch_shape=(), step_count=None, seed=None)`` giving the permutation,
    shape ``[num_replica] + batch_shape`` (each entry the replica it swaps with), TFP's draws for a seed.

    >>> default_swap_proposal_fn(1.)(3, seed=(1, 2)).numpy()
    array([1, 0, 2])
    """
    def adjacent_swaps(num_replica, batch_shape=(), step_count=None, seed=None):
        batch_shape = _shape_tuple(batch_shape)
        parity_seed, proposal_seed = samplers.split_seed(samplers.sanitize_seed(seed))
        odd = samplers.uniform((1,) + batch_shape, seed=parity_seed) < 0.5
        x, y = _adjacent_permutation(num_replica, batch_shape, odd)
        return wb.where(samplers.uniform(batch_shape, seed=proposal_seed) < prob_swap, y, x)
    return adjacent_swaps


def _shape_tuple(shape):
    return tuple(int(d) for d in (shape.numpy() if isinstance(shape, wb.Tensor) else shape))


def _get_innermost(results, field):
    """The ``field`` of the innermost results (through ``inner_results``/``accepted_results``) having it."""
    for name in _NESTED:
        if hasattr(results, name):
            found = _get_innermost(getattr(results, name), field)
            if found is not _MISSING:
                return found
    return getattr(results, field, _MISSING)


def _replace_innermost(results, field, value):
    """``results`` with ``field`` of the innermost results having it replaced; unchanged if none has."""
    for name in _NESTED:
        if hasattr(results, name):
            inner = getattr(results, name)
            new = _replace_innermost(inner, field, value)
            if new is not inner:
                return results._replace(**{name: new})
    if hasattr(results, "_fields") and field in results._fields:
        return results._replace(**{field: value})
    return results


_MISSING = object()


class REMCFieldNotFoundError(AttributeError):
    """The inner kernel's results lack a field replica exchange needs (TFP's error)."""


def _gather(x, indices):
    """``out[i, b..., e...] = x[indices[i, b...], b..., e...]`` (TFP's index remapping along axis 0):
    a sum over the few replicas of where-selections, exact for every value."""
    idx = _left_expand(wb.cast(indices, wb.int32), x.ndim)
    return wb.add_n([wb.where(wb.equal(idx, k), x[k:k + 1], wb.zeros_like(x)) for k in range(x.shape[0])])


class ReplicaExchangeMC(TransitionKernel):
    """Parallel tempering (Swendsen & Wang, 1986) as TFP 0.25 runs it.

    The replicas stack on a new leading axis (one per inverse temperature ``b_r``) and one kernel,
    ``make_kernel_fn(tempered_fn)``, moves them all, with ``tempered_fn(x) = b_r * log p(x)`` (plus
    ``untempered_log_prob_fn(x)`` when given; ``tempered_log_prob_fn`` replaces ``target_log_prob_fn``
    in the tempered part). Then ``swap_proposal_fn`` proposes a permutation of replicas per chain,
    and each proposed pair swaps with probability ``min(1, exp((b_j - b_i) * (U_j - U_i)))``.

    The state is replica 0's (all replicas with ``state_includes_replicas=True``); the others live in
    the results' ``post_swap_replica_states``. The results are TFP's
    ``ReplicaExchangeMCKernelResults``; ``is_swap_accepted[i, j]`` says replica ``i``'s position is
    now ``j``'s.

    >>> kernel = ReplicaExchangeMC(target, inverse_temperatures=[1.0, 0.3, 0.1],
    ...     make_kernel_fn=lambda fn: HamiltonianMonteCarlo(fn, step_size=0.5, num_leapfrog_steps=3))
    """

    def __init__(self, target_log_prob_fn, inverse_temperatures, make_kernel_fn,
                 swap_proposal_fn=default_swap_proposal_fn(1.0), state_includes_replicas=False,
                 untempered_log_prob_fn=None, tempered_log_prob_fn=None, validate_args=False, name=None):
        betas = np.asarray(inverse_temperatures.numpy() if isinstance(inverse_temperatures, wb.Tensor)
                           else inverse_temperatures, dtype=np.float64)
        if betas.ndim != 1 or betas.size < 1:
            raise ValueError(f"ReplicaExchangeMC: `inverse_temperatures` must be a non-empty vector, got "
                             f"{inverse_temperatures!r}")
        if (target_log_prob_fn is None) == (tempered_log_prob_fn is None):
            raise ValueError("Exactly one of `target_log_prob_fn` and `tempered_log_prob_fn` should be provided. "
                             f"Instead, {'both were' if target_log_prob_fn is not None else 'neither was'}.")
        if (tempered_log_prob_fn is None) != (untempered_log_prob_fn is None):
            raise ValueError("Must provide either neither or both of tempered/untempered log prob funs. Found "
                             f"`tempered_log_prob_fn is None = ({tempered_log_prob_fn is None})`, and "
                             f"`untempered_log_prob_fn is None = ({untempered_log_prob_fn is None})`")
        if untempered_log_prob_fn is None and np.any(betas <= 0):
            raise ValueError("ReplicaExchangeMC: `inverse_temperatures` must be positive when not using "
                             f"untempered_log_prob_fn, got {betas.tolist()}")
        if np.any(betas < 0):
            raise ValueError(f"ReplicaExchangeMC: `inverse_temperatures` must be non-negative, got {betas.tolist()}")
        self._parameters = dict(target_log_prob_fn=target_log_prob_fn, inverse_temperatures=inverse_temperatures,
                                make_kernel_fn=make_kernel_fn, swap_proposal_fn=swap_proposal_fn,
                                state_includes_replicas=state_includes_replicas,
                                untempered_log_prob_fn=untempered_log_prob_fn,
                                tempered_log_prob_fn=tempered_log_prob_fn, validate_args=validate_args, name=name)
        self._num_replica = int(betas.size)

    @property
    def target_log_prob_fn(self):
        return self._parameters["target_log_prob_fn"]

    @property
    def inverse_temperatures(self):
        return self._parameters["inverse_temperatures"]

    @property
    def make_kernel_fn(self):
        return self._parameters["make_kernel_fn"]

    @property
    def swap_proposal_fn(self):
        return self._parameters["swap_proposal_fn"]

    @property
    def num_replica(self):
        return self._num_replica

    @property
    def is_calibrated(self):
        return True

    def _inner_kernel(self, betas):
        fn = self._parameters["tempered_log_prob_fn"] or self.target_log_prob_fn
        untempered = self._parameters["untempered_log_prob_fn"]

        def replica_target(*parts):
            tlp = internal.call_fn(fn, list(parts))
            out = wb.cast(_left_expand(betas, tlp.ndim), tlp.dtype) * tlp
            if untempered is not None:
                out = out + internal.call_fn(untempered, list(parts))
            return out
        kernel = self.make_kernel_fn(replica_target)
        if not isinstance(kernel, TransitionKernel):
            raise TypeError(f"ReplicaExchangeMC: make_kernel_fn returned a {type(kernel).__name__}, not a "
                            "TransitionKernel")
        return kernel

    def _betas(self, dtype=None):
        betas = self.inverse_temperatures
        return betas if isinstance(betas, wb.Tensor) and dtype is None else \
            wb.constant(np.asarray(betas.numpy() if isinstance(betas, wb.Tensor) else betas,
                                   dtype=dtype or np.float32))

    def bootstrap_results(self, init_state):
        parts = internal.float_parts(init_state, "ReplicaExchangeMC")
        n = self.num_replica
        if self._parameters["state_includes_replicas"]:
            if parts[0].shape[0] != n:
                raise ValueError(f"Number of replicas implied by initial state ({parts[0].shape[0]}) must equal "
                                 f"number of replicas implied by inverse_temperatures ({n}), but did not")
            replica_states = parts
        else:
            replica_states = [wb.broadcast_to(x, (n,) + tuple(x.shape)) for x in parts]
        betas = self._betas(parts[0].dtype)
        inner = self._inner_kernel(betas)
        results = inner.bootstrap_results(replica_states)
        tlp = _get_innermost(results, "target_log_prob")
        batch_shape = tuple(tlp.shape[1:])
        eye = wb.eye(n, dtype=bool)
        eye = wb.broadcast_to(_left_expand(eye, 2 + len(batch_shape)), (n, n) + batch_shape)
        swaps = wb.broadcast_to(_left_expand(wb.range(n, dtype=wb.int32), tlp.ndim), tuple(tlp.shape))
        return ReplicaExchangeMCKernelResults(
            post_swap_replica_states=replica_states, pre_swap_replica_results=results,
            post_swap_replica_results=_nan_ambiguous_fields(results),
            is_swap_proposed=eye, is_swap_accepted=eye,
            is_swap_proposed_adjacent=_sub_diag(eye), is_swap_accepted_adjacent=_sub_diag(eye),
            inverse_temperatures=self.inverse_temperatures, swaps=swaps, seed=samplers.zeros_seed(),
            step_count=wb.zeros([], dtype=wb.int32), potential_energy=wb.zeros_like(tlp))

    def one_step(self, current_state, previous_kernel_results, seed=None):
        pkr = previous_kernel_results
        n = self.num_replica
        tlp_dtype = _get_innermost(pkr.pre_swap_replica_results, "target_log_prob").dtype
        betas = self._betas(tlp_dtype)
        inner = self._inner_kernel(betas)
        seed = samplers.sanitize_seed(seed)
        inner_seed, swap_seed, logu_seed = samplers.split_seed(seed, n=3)
        pre_states, pre_results = inner.one_step(pkr.post_swap_replica_states, pkr.post_swap_replica_results,
                                                 seed=inner_seed)
        pre_states = internal.as_list(pre_states)
        tlp = _get_innermost(pre_results, "target_log_prob")
        dtype, shape = tlp.dtype, tuple(tlp.shape)
        batch_shape = shape[1:]
        betas = wb.broadcast_to(_left_expand(betas, len(shape)), shape)
        swaps = wb.cast(self.swap_proposal_fn(n, batch_shape=batch_shape, seed=swap_seed,
                                              step_count=pkr.step_count), wb.int32)
        null_swaps = _left_expand(wb.range(n, dtype=wb.int32), swaps.ndim)
        if self._parameters["validate_args"]:
            if not bool(wb.reduce_all(wb.equal(_gather(swaps, swaps), null_swaps))):
                raise ValueError('Proposed replica swaps must be consist of "once only swaps," i.e., be a '
                                 'self-inverse permutation, `range(swaps.shape[0]) == gather(swaps, swaps).')
        if self._parameters["tempered_log_prob_fn"] is None:
            untempered = tlp / betas
        else:
            untempered = internal.call_fn(self._parameters["tempered_log_prob_fn"], pre_states)
        energy_diff = untempered - _gather(untempered, swaps)
        beta_diff = _gather(betas, swaps) - betas
        log_accept_ratio = energy_diff * _left_expand(beta_diff, len(shape))
        log_accept_ratio = wb.where(wb.math.is_finite(log_accept_ratio), log_accept_ratio,
                                    wb.constant(-np.inf, dtype=dtype))
        log_uniform = wb.math.log(samplers.uniform(shape, dtype=dtype, seed=logu_seed))
        log_uniform = _gather(log_uniform, wb.minimum(swaps, null_swaps))
        accepted = log_uniform < log_accept_ratio

        def swap(x):
            return internal.choose(accepted, _gather(x, swaps), x)
        post_states = [swap(s) for s in pre_states]
        positions = wb.broadcast_to(null_swaps, shape)
        is_swap_proposed = _not_matrix(positions, wb.broadcast_to(swaps, shape))
        is_swap_accepted = _not_matrix(swap(positions), positions)
        # the swapped replicas' target (and gradients) evaluated where they now are
        fresh = inner.bootstrap_results(post_states)
        post_results = _replace_innermost(pre_results, "target_log_prob", _get_innermost(fresh, "target_log_prob"))
        grads = _get_innermost(fresh, "grads_target_log_prob")
        if grads is not _MISSING:
            post_results = _replace_innermost(post_results, "grads_target_log_prob", grads)
        post_results = _nan_ambiguous_fields(post_results)
        states = post_states if self._parameters["state_includes_replicas"] else [s[0] for s in post_states]
        results = ReplicaExchangeMCKernelResults(
            post_swap_replica_states=post_states, pre_swap_replica_results=pre_results,
            post_swap_replica_results=post_results, is_swap_proposed=is_swap_proposed,
            is_swap_accepted=is_swap_accepted, is_swap_proposed_adjacent=_sub_diag(is_swap_proposed),
            is_swap_accepted_adjacent=_sub_diag(is_swap_accepted), inverse_temperatures=pkr.inverse_temperatures,
            swaps=swaps, seed=seed, step_count=pkr.step_count + 1, potential_energy=-untempered)
        return (states if internal.is_list_like(current_state) else states[0]), results


def _nan_ambiguous_fields(results):
    """After a swap the proposal fields have no meaning: TFP sets them to NaN."""
    dtype = _get_innermost(results, "target_log_prob").dtype
    nan = wb.constant(np.nan, dtype=dtype)
    for field in ("proposed_results", "proposed_state"):
        if _get_innermost(results, field) is _MISSING:
            raise REMCFieldNotFoundError(f"{type(results).__name__} or a kernel result nested within it is currently not "
                                 "supported by the ReplicaExchangeMC kernel (as in TFP 0.25). Missing field "
                                 f"{field}: make_kernel_fn must build a Metropolis-Hastings kernel (HMC, "
                                 "random-walk Metropolis, MALA, ...)")
        results = _replace_innermost(results, field, nan)
    return results


def _not_matrix(before, after):
    """``out[i, j, ...] = before[j, ...] == after[i, ...]``: shape ``[n, n] + batch``."""
    return wb.equal(wb.expand_dims(before, 0), wb.expand_dims(after, 1))


def _sub_diag(not_matrix):
    """``out[i, ...] = not_matrix[i + 1, i, ...]``: shape ``[n - 1] + batch``."""
    n = not_matrix.shape[0]
    if n < 2:
        return wb.zeros((0,) + tuple(not_matrix.shape[2:]), dtype=not_matrix.dtype)
    return wb.stack([not_matrix[i + 1, i] for i in range(n - 1)], axis=0)
