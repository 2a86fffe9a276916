"""Markov chain Monte Carlo with TensorFlow Probability's API (``tfp.mcmc``), eager on workbench tensors.

Kernels take a ``target_log_prob_fn(*state_parts)`` that returns one log-density
per chain; gradients come from ``wb.GradientTape``. States carry leading chain
dimensions, so many chains run as one batch.

>>> import workbench as wb
>>> from probability import mcmc
>>> kernel = mcmc.HamiltonianMonteCarlo(lambda x: -0.5 * wb.reduce_sum(x * x, axis=-1),
...                                     step_size=0.5, num_leapfrog_steps=4)
>>> samples, is_accepted = mcmc.sample_chain(200, wb.zeros([4, 2]), kernel=kernel, num_burnin_steps=100,
...     trace_fn=lambda _, kr: kr.is_accepted, seed=(0, 1))
>>> samples.shape
(200, 4, 2)
"""

from .annealed_importance import *  # noqa: F401,F403
from .diagnostics import *  # noqa: F401,F403
from .halton import *  # noqa: F401,F403
from .hmc import *  # noqa: F401,F403
from .kernel import TransitionKernel
from .langevin import *  # noqa: F401,F403
from .metropolis_hastings import *  # noqa: F401,F403
from .nuts import *  # noqa: F401,F403
from .random_walk_metropolis import *  # noqa: F401,F403
from .replica_exchange_mc import *  # noqa: F401,F403
from .sample import *  # noqa: F401,F403
from .slice_sampler import *  # noqa: F401,F403
from .swap_proposals import *  # noqa: F401,F403
from .step_size_adaptation import *  # noqa: F401,F403
from .transformed_kernel import *  # noqa: F401,F403
from .windowed_sampling import *  # noqa: F401,F403
from . import annealed_importance, diagnostics, halton, hmc, langevin, metropolis_hastings, nuts, \
    random_walk_metropolis, replica_exchange_mc, sample, slice_sampler, step_size_adaptation, swap_proposals, \
    transformed_kernel, windowed_sampling  # noqa: F401

# TFP's module names for the same modules (tfp.mcmc.simple_step_size_adaptation.SimpleStepSizeAdaptation, ...)
simple_step_size_adaptation = dual_averaging_step_size_adaptation = step_size_adaptation
diagnostic = diagnostics
sample_halton_sequence_lib = halton
slice_sampler_kernel = slice_sampler
sample_annealed_importance = annealed_importance

__all__ = (["TransitionKernel"] + annealed_importance.__all__ + halton.__all__ + slice_sampler.__all__
           + swap_proposals.__all__ + diagnostics.__all__ + hmc.__all__ + langevin.__all__
           + metropolis_hastings.__all__ + nuts.__all__ + random_walk_metropolis.__all__
           + replica_exchange_mc.__all__ + sample.__all__ + step_size_adaptation.__all__
           + transformed_kernel.__all__ + windowed_sampling.__all__)
