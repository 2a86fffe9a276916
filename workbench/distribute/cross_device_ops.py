"""TF's cross-device reductions (``tf.distribute.CrossDeviceOps`` and its three kinds), the
``cross_device_ops`` of a ``MirroredStrategy``.

The replicas of one process run here one after another on one array module, so each kind
combines their values the same way: the components of a per-replica value are added in replica
order (divided by their count for ``MEAN``). Across processes the strategy's collectives (MPI,
NCCL) do the reduction, whichever kind is chosen.
"""

from __future__ import annotations

from ..core import convert_to_tensor
from ..errors import argcheck
from ..ops.elementwise import add_n
from .values import PerReplica, ReduceOp


class CrossDeviceOps:
    """How per-replica values are combined (TF's ``tf.distribute.CrossDeviceOps``)."""

    def reduce(self, reduce_op, per_replica_value, destinations, options=None):
        """``per_replica_value``'s components summed (``SUM``) or averaged (``MEAN``) in replica
        order; a value that is not per-replica is one component."""
        op = _reduce_op(reduce_op)
        parts = per_replica_value.values if isinstance(per_replica_value, PerReplica) else (per_replica_value,)
        parts = [convert_to_tensor(p) for p in parts]
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        if op is ReduceOp.MEAN and len(parts) > 1:
            total = total / len(parts) if total.dtype.is_floating else total // len(parts)
        return total

    def batch_reduce(self, reduce_op, value_destination_pairs, options=None):
        """:meth:`reduce` of each ``(value, destinations)`` pair; a list."""
        _reduce_op(reduce_op)
        return [self.reduce(reduce_op, value, dest, options) for value, dest in value_destination_pairs]

    def broadcast(self, tensor, destinations):
        """``tensor`` for every destination (one copy here)."""
        return convert_to_tensor(tensor)


class ReductionToOneDevice(CrossDeviceOps):
    """Copies the values to ``reduce_to_device`` and adds them there with ``accumulation_fn``
    (TF's defaults: the first destination, ``add_n``)."""

    def __init__(self, reduce_to_device=None, accumulation_fn=None):
        if accumulation_fn is not None and not callable(accumulation_fn):
            raise TypeError(f"ReductionToOneDevice: accumulation_fn must be callable, got "
                            f"{argcheck.describe(accumulation_fn)}")
        self.reduce_to_device = reduce_to_device
        self.accumulation_fn = add_n if accumulation_fn is None else accumulation_fn


class _AllReduceCrossDeviceOps(CrossDeviceOps):
    _what = ""

    def __init__(self, num_packs=1):
        if not isinstance(num_packs, int) or isinstance(num_packs, bool):
            raise TypeError(f"{type(self).__name__}: num_packs must be an integer, got {argcheck.describe(num_packs)}")
        if num_packs < 0:
            raise ValueError(f"{self._what} requires num_packs >= 0, but {num_packs} is specified")
        self._num_packs = num_packs


class NcclAllReduce(_AllReduceCrossDeviceOps):
    """All-reduce over NCCL, values packed into ``num_packs`` buckets (TF's
    ``tf.distribute.NcclAllReduce``)."""

    _what = "NCCL all-reduce"


class HierarchicalCopyAllReduce(_AllReduceCrossDeviceOps):
    """TF's hierarchical copy all-reduce (for DGX-1-like machines), values packed into
    ``num_packs`` buckets (TF's ``tf.distribute.HierarchicalCopyAllReduce``)."""

    _what = "HierarchicalCopy"


def _reduce_op(value):
    if isinstance(value, ReduceOp):
        return value
    raise ValueError("`reduce_op` must be Reduce.SUM or Reduce.MEAN.")
