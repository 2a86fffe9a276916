"""``even_odd_swap_proposal_fn`` (``tfp.mcmc``): deterministic, alternating-parity replica swaps
for ``ReplicaExchangeMC`` (non-reversible parallel tempering, Syed et al. 2019)."""

from __future__ import annotations

import math

__all__ = ["even_odd_swap_proposal_fn"]


def even_odd_swap_proposal_fn(swap_frequency, name=None):
    """Swap proposals every ``N = ceil(1 / swap_frequency)`` steps (none for a frequency of 0),
    alternately all even adjacent pairs ``(0, 1), (2, 3), ...`` and all odd ones ``(1, 2), (3, 4),
    ...``, starting with the even ones at step 0 (TFP 0.25's schedule).

    Returns ``fn(num_replica, step, seed) -> list of proposed pairs``, the proposal convention of
    ``ReplicaExchangeMC`` here (TFP's returns the equivalent permutation).

    >>> fn = even_odd_swap_proposal_fn(1.)
    >>> fn(4, 0, None), fn(4, 1, None)
    ([(0, 1), (2, 3)], [(1, 2)])
    """
    frequency = float(swap_frequency)
    if not 0.0 <= frequency <= 1.0:
        raise ValueError(f"even_odd_swap_proposal_fn: swap_frequency must be in [0, 1], got {swap_frequency!r}")
    period = None if frequency == 0.0 else math.ceil(round(1.0 / frequency, 9))

    def fn(num_replica, step, seed=None):
        step = int(step)
        if period is None or step % period:
            return []
        parity = (step // period) % 2
        return [(i, i + 1) for i in range(parity, int(num_replica) - 1, 2)]
    return fn
