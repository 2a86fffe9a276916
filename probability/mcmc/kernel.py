"""The TransitionKernel interface: one Markov-chain step from a state and the previous results."""

from __future__ import annotations

import abc


class TransitionKernel(abc.ABC):
    """Base class of every MCMC kernel (TFP's ``tfp.mcmc.TransitionKernel``).

    A kernel is a pure description of one transition. ``bootstrap_results(state)``
    builds the first kernel results (a namedtuple) for a state;
    ``one_step(state, previous_kernel_results, seed)`` returns
    ``(next_state, next_kernel_results)``. ``is_calibrated`` says whether the
    kernel alone leaves the target invariant (an uncalibrated proposal needs a
    ``MetropolisHastings`` wrapper). ``seed`` is a stateless pair (or an int);
    the same seed gives the same step.
    """

    @abc.abstractmethod
    def one_step(self, current_state, previous_kernel_results, seed=None):
        """``(next_state, next_kernel_results)``: one transition from ``current_state``."""

    @abc.abstractmethod
    def bootstrap_results(self, init_state):
        """The kernel results for ``init_state`` before any step is taken."""

    @property
    @abc.abstractmethod
    def is_calibrated(self) -> bool:
        """True when the kernel's stationary distribution is the target."""

    @property
    def parameters(self) -> dict:
        """The arguments the kernel was built with."""
        return dict(getattr(self, "_parameters", {}))

    def copy(self, **override):
        """A new kernel of this type with some constructor arguments replaced."""
        return type(self)(**{**self.parameters, **override})

    def __repr__(self):
        shown = ", ".join(f"{k}={v!r}" for k, v in self.parameters.items()
                          if not callable(v) and not isinstance(v, TransitionKernel))
        return f"<probability.mcmc.{type(self).__name__} {shown}>"
