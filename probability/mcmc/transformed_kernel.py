"""TransformedTransitionKernel: run a kernel in an unconstrained space through bijectors."""

from __future__ import annotations

import collections

import workbench as wb

from . import internal
from .kernel import TransitionKernel

__all__ = ["TransformedTransitionKernel", "TransformedTransitionKernelResults"]

TransformedTransitionKernelResults = collections.namedtuple(
    "TransformedTransitionKernelResults", ["transformed_state", "inner_results"])


class TransformedTransitionKernel(TransitionKernel):
    """``inner_kernel`` runs on ``bijector.inverse(state)``; states come back through ``forward``.

    The inner kernel is rebuilt with the target ``target(*forward(u)) + log|det J_forward(u)|``
    (the log-Jacobian summed over each part's non-chain dimensions), so a kernel for the real
    line samples a constrained target (``Exp`` or ``Softplus`` for a positive scale). ``bijector``
    is one bijector or a list with one per state part. The kernel results keep the
    unconstrained state in ``transformed_state``, so steps never invert the bijector.

    >>> kernel = TransformedTransitionKernel(
    ...     HamiltonianMonteCarlo(lambda s: Gamma(2.0, 1.0).log_prob(s), 0.3, 5), bijectors.Exp())
    """

    def __init__(self, inner_kernel, bijector, name=None):
        if not isinstance(inner_kernel, TransitionKernel):
            raise TypeError(f"TransformedTransitionKernel: `inner_kernel` must be a TransitionKernel, got "
                            f"{type(inner_kernel).__name__}")
        fn = inner_kernel.parameters.get("target_log_prob_fn")
        if fn is None:
            raise TypeError(f"TransformedTransitionKernel: the inner kernel {type(inner_kernel).__name__} has no "
                            "`target_log_prob_fn` argument to transform")
        self._parameters = dict(inner_kernel=inner_kernel, bijector=bijector, name=name)
        self._bijectors = list(bijector) if internal.is_list_like(bijector) else None
        self._bijector = bijector
        from ..bijectors._structured import is_structured  # the bijectors package imports distributions
        # one bijector of structured values (JointMap, Restructure, a Chain of them) maps the whole
        # state at once, as TFP; the unconstrained state's structure is kept to call it again
        self._whole = self._bijectors is None and is_structured(bijector)
        self._u_structure = None
        self._target_log_prob_fn = fn
        self._inner_kernel = inner_kernel.copy(target_log_prob_fn=self._transformed_log_prob)

    @property
    def inner_kernel(self):
        return self._inner_kernel

    @property
    def bijector(self):
        return self._bijector

    @property
    def is_calibrated(self):
        return self._inner_kernel.is_calibrated

    def _parts_bijectors(self, n):
        if self._bijectors is None:
            return [self._bijector] * n
        if len(self._bijectors) != n:
            raise ValueError(f"TransformedTransitionKernel: {len(self._bijectors)} bijectors for a state of "
                             f"{n} parts")
        return self._bijectors

    def _pack_u(self, parts):
        parts = list(parts)
        return parts if self._u_structure is None else wb.nest.pack_sequence_as(self._u_structure, parts)

    def _whole_inverse(self, state):
        u = self._bijector.inverse(state if internal.is_list_like(state) else [state])
        if isinstance(u, (list, tuple, dict)):
            self._u_structure = u
        return [wb.identity(t) for t in wb.nest.flatten(u)]

    def _transformed_log_prob(self, *unconstrained):
        if self._whole:
            u = self._pack_u(unconstrained)
            tlp = internal.call_fn(self._target_log_prob_fn, self._bijector.forward(u))
            chain_ndims = tlp.ndim
            ev = wb.nest.map_structure(lambda t: max(t.ndim - chain_ndims, 0), u)
            return tlp + self._bijector.forward_log_det_jacobian(u, event_ndims=ev)
        bijs = self._parts_bijectors(len(unconstrained))
        xs = [b.forward(u) for b, u in zip(bijs, unconstrained)]
        tlp = internal.call_fn(self._target_log_prob_fn, xs)
        chain_ndims = tlp.ndim
        for b, u in zip(bijs, unconstrained):
            ldj = b.forward_log_det_jacobian(u, event_ndims=max(u.ndim - chain_ndims, 0))
            tlp = tlp + ldj
        return tlp

    def transform_state(self, unconstrained_state):
        """The constrained state for an unconstrained one (``forward``, part by part)."""
        parts = internal.as_list(unconstrained_state)
        if self._whole:
            return wb.nest.flatten(self._bijector.forward(self._pack_u(parts)))
        return internal.like_input([b.forward(u) for b, u in zip(self._parts_bijectors(len(parts)), parts)],
                                   unconstrained_state)

    def inverse_transform_state(self, state):
        if self._whole:
            return self._whole_inverse(state)
        parts = internal.as_list(state)
        return internal.like_input([b.inverse(x) for b, x in zip(self._parts_bijectors(len(parts)), parts)],
                                   state)

    def bootstrap_results(self, init_state=None, transformed_init_state=None):
        """Results for a constrained ``init_state``, or an unconstrained ``transformed_init_state``."""
        if (init_state is None) == (transformed_init_state is None):
            raise ValueError("TransformedTransitionKernel.bootstrap_results: give exactly one of `init_state` "
                             "and `transformed_init_state`")
        if transformed_init_state is None:
            parts = internal.float_parts(init_state, "TransformedTransitionKernel")
        if transformed_init_state is None and self._whole:
            transformed_init_state = self._whole_inverse(internal.like_input(parts, init_state))
        elif transformed_init_state is None:
            transformed_init_state = internal.like_input(
                # a fresh tensor: the bijector cache would map a cached inverse back to `x`, off the tape
                [wb.identity(b.inverse(x)) for b, x in zip(self._parts_bijectors(len(parts)), parts)], init_state)
        return TransformedTransitionKernelResults(
            transformed_state=transformed_init_state,
            inner_results=self._inner_kernel.bootstrap_results(transformed_init_state))

    def one_step(self, current_state, previous_kernel_results, seed=None):
        u, inner = self._inner_kernel.one_step(previous_kernel_results.transformed_state,
                                               previous_kernel_results.inner_results, seed=seed)
        return self.transform_state(u), TransformedTransitionKernelResults(transformed_state=u, inner_results=inner)
