"""``ReduceOp`` and per-replica values (TF's ``tf.distribute.ReduceOp`` and ``PerReplica``)."""

from __future__ import annotations

import enum


class ReduceOp(enum.Enum):
    """How values of the replicas combine: ``SUM`` or ``MEAN``."""

    SUM = "SUM"
    MEAN = "MEAN"

    @staticmethod
    def from_variable_aggregation(aggregation):
        name = str(getattr(aggregation, "name", aggregation)).upper()
        if name in ("SUM", "MEAN"):
            return ReduceOp[name]
        raise ValueError(f"ReduceOp.from_variable_aggregation: expected SUM or MEAN, got {aggregation!r}")


def as_reduce_op(value, where) -> ReduceOp:
    """``value`` (a ReduceOp or its name, any case) as a ReduceOp; ValueError otherwise."""
    if isinstance(value, ReduceOp):
        return value
    if isinstance(value, str) and value.upper() in ReduceOp.__members__:
        return ReduceOp[value.upper()]
    raise ValueError(f"{where}: reduce_op must be wb.distribute.ReduceOp.SUM or MEAN (or 'SUM'/'MEAN'), "
                     f"got {value!r}")


class PerReplica:
    """One value per local replica of a strategy (what ``strategy.run`` returns, and what a
    distributed dataset yields, when a process holds several replicas). ``values`` is the tuple
    of components, in replica order."""

    __slots__ = ("values",)

    def __init__(self, values):
        self.values = tuple(values)

    def __repr__(self):
        body = ",\n".join(f"  {i}: {v!r}" for i, v in enumerate(self.values))
        return f"PerReplica:{{\n{body}\n}}"
