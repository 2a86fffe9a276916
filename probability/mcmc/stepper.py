"""A kernel's transition as a compiled program: ``one_step`` traced once by ``wb.function`` and
replayed for every step of a chain.

A replay runs each op's forward straight on the arrays (no dispatch, no tape bookkeeping,
the reverse walk planned once), so a fixed-structure step (HMC, random-walk Metropolis,
step-size adaptation, ``TransformedTransitionKernel`` around them) costs a fraction of an
eager one, with the same numbers. The step's seed is an input tensor (an int32 pair read
when the step's draws run), so one program serves every step. A step whose Python code
reads computed values (NUTS decides its trajectory length from the data) cannot be
replayed: it runs eagerly, as does every step while ``wb.config.run_functions_eagerly(True)``
is set.
"""

from __future__ import annotations

import warnings


import workbench as wb
from workbench.compiler import RetracingWarning, UnreplayableWarning

from .. import internal as _pinternal

__all__ = ["Stepper"]

# calls in a row that trace before a kernel's steps run eagerly instead: a kernel whose results
# carry changing Python values would otherwise trace every step (a new state shape or the
# first steps from bootstrap results trace once or twice)
_MAX_TRACES_IN_A_ROW = 3


class Stepper:
    """Runs ``kernel.one_step`` for one chain: ``stepper(state, kernel_results, seed)``.

    ``seed`` is what a kernel takes (an int, a pair or a seed tensor). The first call for a
    results structure traces the step (its result is the eager result); later calls replay it.
    A step that cannot be traced or replayed falls back to ``kernel.one_step`` for good.
    """

    @classmethod
    def of(cls, kernel):
        """The kernel's stepper, kept on the kernel: a chain run again with the same kernel (a
        ``wb.function`` replaying ``sample_chain``) replays the programs traced before."""
        stepper = getattr(kernel, "__dict__", {}).get("_stepper")
        if stepper is None:
            stepper = cls(kernel)
            if hasattr(kernel, "__dict__"):
                kernel.__dict__["_stepper"] = stepper
        return stepper

    def __init__(self, kernel):
        self.kernel = kernel
        self._program = wb.function(self._step, autograph=False)
        # True once the step has shown it cannot be replayed, or from the start for kernels
        # that decide their work from the data (NUTS)
        self.eager = _reads_values(kernel)
        self._traced_in_a_row = 0

    def _step(self, state, kernel_results, seed):
        return self.kernel.one_step(state, kernel_results, seed=seed)

    def __call__(self, state, kernel_results, seed):
        if self.eager or wb.config.functions_run_eagerly():
            return self.kernel.one_step(state, kernel_results, seed=seed)
        seed_tensor = _pinternal.sanitize_seed(seed)
        traces = self._program.experimental_get_tracing_count()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnreplayableWarning)
            warnings.simplefilter("ignore", RetracingWarning)
            try:
                out = self._program(state, kernel_results, seed_tensor)
            except Exception:
                # a step that cannot be traced (say, Python code that needs plain int seeds)
                # runs eagerly from now on; a genuine error raises again there
                self.eager = True
                return self.kernel.one_step(state, kernel_results, seed=seed)
        if self._program.experimental_get_tracing_count() == traces:
            self._traced_in_a_row = 0
            return out
        self._traced_in_a_row += 1
        concrete = self._program.get_concrete_function(state, kernel_results, seed_tensor)
        if concrete.eager or self._traced_in_a_row >= _MAX_TRACES_IN_A_ROW:
            self.eager = True
        return out


def _reads_values(kernel):
    """Whether ``kernel`` or a kernel it wraps (``inner_kernel``) says its step reads computed
    values in Python (``_step_reads_values``), so that a trace of the step cannot be replayed."""
    seen = 0
    while kernel is not None and seen < 32:
        if getattr(kernel, "_step_reads_values", False):
            return True
        kernel = getattr(kernel, "inner_kernel", None)
        seen += 1
    return False
