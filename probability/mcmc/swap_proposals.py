"""``even_odd_swap_proposal_fn`` (``tfp.mcmc``): deterministic, alternating-parity replica swaps
for ``ReplicaExchangeMC`` (non-reversible parallel tempering, Syed et al. 2019)."""

from __future__ import annotations

import math

import workbench as wb

from .replica_exchange_mc import _adjacent_permutation, _shape_tuple

__all__ = ["even_odd_swap_proposal_fn"]


def even_odd_swap_proposal_fn(swap_frequency, name=None):
    """Swap proposals every ``N = ceil(1 / swap_frequency)`` steps (none for a frequency of 0),
    alternately all even adjacent pairs ``(0, 1), (2, 3), ...`` and all odd ones ``(1, 2), (3, 4),
    ...``, starting with the even ones at step 0 (TFP 0.25's schedule).

    Returns ``fn(num_replica, batch_shape=(), step_count=None, seed=None)`` giving the permutation,
    shape ``[num_replica] + batch_shape``; ``step_count`` must be given.

    >>> fn = even_odd_swap_proposal_fn(1.)
    >>> fn(4, step_count=0).numpy(), fn(4, step_count=1).numpy()
    (array([1, 0, 3, 2]), array([0, 2, 1, 3]))
    """
    frequency = float(swap_frequency)
    if not 0.0 <= frequency <= 1.0:
        raise ValueError(f"even_odd_swap_proposal_fn: swap_frequency must be in [0, 1], got {swap_frequency!r}")
    period = 1 if frequency == 0.0 else math.ceil(round(1.0 / frequency, 9))

    def even_odd_swaps(num_replica, batch_shape=(), step_count=None, seed=None):
        if step_count is None:
            raise ValueError("`step_count` must be supplied. Found `None`.")
        step = int(step_count.numpy() if isinstance(step_count, wb.Tensor) else step_count)
        batch_shape = _shape_tuple(batch_shape)
        odd = wb.fill((1,) + batch_shape, bool((step // period) % 2))
        x, y = _adjacent_permutation(int(num_replica), batch_shape, odd)
        return wb.broadcast_to(x, y.shape) if (step % period or frequency == 0.0) else y
    return even_odd_swaps
