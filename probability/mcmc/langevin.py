"""The Metropolis-adjusted Langevin algorithm (MALA): gradient-informed Gaussian proposals."""

from __future__ import annotations

import collections

import workbench as wb

from . import internal
from ._params import parameter
from .hmc import step_size_parts
from .kernel import TransitionKernel
from .metropolis_hastings import MetropolisHastings

__all__ = ["MetropolisAdjustedLangevinAlgorithm", "UncalibratedLangevin", "UncalibratedLangevinKernelResults"]

UncalibratedLangevinKernelResults = collections.namedtuple(
    "UncalibratedLangevinKernelResults",
    ["log_acceptance_correction", "target_log_prob", "grads_target_log_prob", "volatility", "grads_volatility",
     "diffusion_drift", "step_size"])


class UncalibratedLangevin(TransitionKernel):
    """The Langevin proposal without the accept/reject step (wrap it in ``MetropolisHastings``).

    With ``s = step_size`` and volatility ``v(x)`` (``volatility_fn(*state)``, 1 when None), the
    proposal is ``x' = x + s * drift(x) + sqrt(s) * v(x) * z`` with
    ``drift = v**2 / 2 * grad log p(x) + v * grad v(x)`` (the gradient of ``v`` is that of its sum,
    i.e. elementwise for a volatility that acts coordinate by coordinate). The log acceptance
    correction is ``log q(x | x') - log q(x' | x)`` of this Gaussian proposal.
    """

    def __init__(self, target_log_prob_fn, step_size, volatility_fn=None, parallel_iterations=10,
                 compute_acceptance=True, experimental_shard_axis_names=None, name=None):
        if volatility_fn is not None and not callable(volatility_fn):
            raise TypeError(f"{type(self).__name__}: `volatility_fn` must be callable or None, got "
                            f"{type(volatility_fn).__name__}")
        self._parameters = dict(target_log_prob_fn=target_log_prob_fn, step_size=step_size,
                                volatility_fn=volatility_fn, parallel_iterations=parallel_iterations,
                                compute_acceptance=compute_acceptance, name=name)

    target_log_prob_fn = parameter("target_log_prob_fn")
    step_size = parameter("step_size")
    volatility_fn = parameter("volatility_fn")

    @property
    def is_calibrated(self):
        return False

    def _volatility(self, parts):
        """``(volatility parts, gradients of their sums)``."""
        fn = self.volatility_fn
        if fn is None:
            return [wb.ones_like(x) for x in parts], [wb.zeros_like(x) for x in parts]
        with wb.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(parts)
            vol = fn(*parts)
            vol = internal.broadcast_parts(vol, len(parts), "volatility_fn's result", type(self).__name__)
            vol = [wb.broadcast_to(wb.convert_to_tensor(v, dtype=x.dtype), x.shape) for v, x in zip(vol, parts)]
            total = wb.add_n([wb.reduce_sum(v) for v in vol])
        grads = tape.gradient(total, parts, unconnected_gradients="zero")
        return vol, grads

    def _at(self, parts, check=False):
        tlp, grads = internal.call_fn_and_grads(self.target_log_prob_fn, parts,
                                                f"{type(self).__name__}: target_log_prob_fn", check=check)
        vol, gvol = self._volatility(parts)
        drift = [0.5 * wb.square(v) * g + v * gv for v, g, gv in zip(vol, grads, gvol)]
        return tlp, grads, vol, gvol, drift

    def bootstrap_results(self, init_state):
        parts = internal.float_parts(init_state, type(self).__name__)
        tlp, grads, vol, gvol, drift = self._at(parts, check=True)
        sizes = step_size_parts(self.step_size, parts, type(self).__name__)
        return UncalibratedLangevinKernelResults(
            log_acceptance_correction=wb.zeros_like(tlp), target_log_prob=tlp, grads_target_log_prob=grads,
            volatility=vol, grads_volatility=gvol, diffusion_drift=drift,
            step_size=internal.like_input(sizes, self.step_size))

    @staticmethod
    def _log_q(to, frm, drift, vol, sizes, chain_ndims):
        """``log q(to | frm)`` up to a constant, summed over each chain's coordinates."""
        terms = []
        for y, x, d, v, s in zip(to, frm, drift, vol, sizes):
            var = s * wb.square(v)
            terms.append(internal.sum_event(-0.5 * wb.square(y - x - s * d) / var - 0.5 * wb.log(var), chain_ndims))
        return wb.add_n(terms)

    def one_step(self, current_state, previous_kernel_results, seed=None):
        pkr = previous_kernel_results
        parts = internal.float_parts(current_state, type(self).__name__)
        sizes = step_size_parts(pkr.step_size, parts, type(self).__name__)
        chain_ndims = pkr.target_log_prob.ndim
        seeds = internal.seed_stream(seed, len(parts), "langevin.one_step")   # TFP 0.25's salt
        noise = [wb.random.stateless_normal(x.shape, seed=s, dtype=x.dtype) for x, s in zip(parts, seeds)]
        proposed = [x + s * d + wb.sqrt(s) * v * z
                    for x, s, d, v, z in zip(parts, sizes, pkr.diffusion_drift, pkr.volatility, noise)]
        tlp, grads, vol, gvol, drift = self._at(proposed)
        if self._parameters["compute_acceptance"]:
            correction = (self._log_q(parts, proposed, drift, vol, sizes, chain_ndims)
                          - self._log_q(proposed, parts, pkr.diffusion_drift, pkr.volatility, sizes, chain_ndims))
        else:
            correction = wb.zeros_like(tlp)
        results = pkr._replace(log_acceptance_correction=correction, target_log_prob=tlp,
                               grads_target_log_prob=grads, volatility=vol, grads_volatility=gvol,
                               diffusion_drift=drift)
        return internal.like_input(proposed, current_state), results


class MetropolisAdjustedLangevinAlgorithm(TransitionKernel):
    """MALA (Roberts & Tweedie, 1996): the Langevin proposal of :class:`UncalibratedLangevin`
    with a Metropolis-Hastings correction. Results are ``MetropolisHastingsResults``.

    >>> kernel = MetropolisAdjustedLangevinAlgorithm(lambda x: -0.5 * wb.reduce_sum(x * x, -1), step_size=0.5)
    """

    def __init__(self, target_log_prob_fn, step_size, volatility_fn=None, parallel_iterations=10,
                 experimental_shard_axis_names=None, name=None):
        self._parameters = dict(target_log_prob_fn=target_log_prob_fn, step_size=step_size,
                                volatility_fn=volatility_fn, parallel_iterations=parallel_iterations, name=name)
        self._impl = MetropolisHastings(UncalibratedLangevin(target_log_prob_fn, step_size, volatility_fn,
                                                             parallel_iterations, name=name))

    target_log_prob_fn = parameter("target_log_prob_fn")
    step_size = parameter("step_size")
    volatility_fn = parameter("volatility_fn")

    @property
    def is_calibrated(self):
        return True

    def bootstrap_results(self, init_state):
        return self._impl.bootstrap_results(init_state)

    def one_step(self, current_state, previous_kernel_results, seed=None):
        return self._impl.one_step(current_state, previous_kernel_results, seed=seed)
