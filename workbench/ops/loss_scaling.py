"""TF's loss scaling for synchronous training across replicas (``wb.nn.compute_average_loss``,
``wb.nn.scale_regularization_loss``).

Optimizers under a strategy *sum* the replicas' gradients, so each replica's loss is divided by
the global batch (not its own); these read ``num_replicas_in_sync`` from the strategy whose
scope or ``run`` is active (``core.distribution``), and are 1-replica losses without one.
"""

from __future__ import annotations

import numpy as np

from .. import core
from ..core import convert_to_tensor
from ..errors import argcheck
from .elementwise import cast, divide_no_nan
from .reduce import reduce_sum
from .shape import reshape

__all__ = ["compute_average_loss", "scale_regularization_loss"]


def _replicas(where) -> int:
    strategy = core.distribution()
    if strategy is None:
        return 1
    if strategy.in_cross_replica_context():
        raise RuntimeError(f"You are calling `{where}` in cross replica context, while it was expected "
                           "to be called in replica context (inside strategy.run)")
    return int(strategy.num_replicas_in_sync)


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """The sum of ``per_example_loss`` (times ``sample_weight``) divided by the global batch:
    ``global_batch_size`` if given, else this replica's batch (axis 0) times
    ``num_replicas_in_sync``. A replica with an empty batch gives 0.

    >>> wb.nn.compute_average_loss([1.0, 2.0, 3.0]).numpy()   # no strategy: the mean
    2.0
    """
    loss = convert_to_tensor(per_example_loss)
    if loss.ndim == 0:
        raise ValueError("compute_average_loss: Invalid value passed for `per_example_loss`. Expected a "
                         f"tensor with at least rank 1, got shape {loss.shape}")
    if sample_weight is not None:
        weight = convert_to_tensor(sample_weight, dtype_hint=loss.dtype)
        if weight.dtype != loss.dtype:
            weight = cast(weight, loss.dtype)
        if 0 < weight.ndim < loss.ndim and weight.shape == loss.shape[:weight.ndim]:
            weight = reshape(weight, weight.shape + (1,) * (loss.ndim - weight.ndim))  # per example
        try:
            fits = np.broadcast_shapes(weight.shape, loss.shape) == loss.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"compute_average_loss: sample_weight of shape {weight.shape} does not "
                             f"broadcast to per_example_loss of shape {loss.shape}")
        loss = loss * weight
    if global_batch_size is None:
        global_batch_size = loss.shape[0] * _replicas("compute_average_loss")
    else:
        n = argcheck.as_int(global_batch_size)
        if n is None or n <= 0:
            raise ValueError(f"compute_average_loss: global_batch_size must be a positive integer, "
                             f"got {global_batch_size!r}")
        global_batch_size = n
    total = reduce_sum(loss)
    if not (loss.dtype.is_floating or loss.dtype.is_complex):   # TF's true division of integers: float64
        total = cast(total, "float64")
    return divide_no_nan(total, convert_to_tensor(global_batch_size, dtype=total.dtype))


def scale_regularization_loss(regularization_loss):
    """The sum of ``regularization_loss`` divided by ``num_replicas_in_sync`` (summed over the
    replicas by the optimizer, it counts once)."""
    loss = convert_to_tensor(regularization_loss)
    replicas = _replicas("scale_regularization_loss")
    return reduce_sum(loss) / convert_to_tensor(replicas, dtype=loss.dtype)
