"""``ReduceOp`` and per-replica values (TF's ``tf.distribute.ReduceOp`` and ``PerReplica``)."""

from __future__ import annotations

import enum

from .. import extension_type, nest
from ..core import CompositeTensor, Tensor


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


class PerReplica(CompositeTensor):
    """One value per local replica of a strategy (what ``strategy.run`` returns, and what a
    distributed dataset yields, when a process holds several replicas). ``values`` is the tuple
    of components, in replica order. A composite value: ``wb.function`` binds its tensors, so a
    traced ``strategy.run`` returns one."""

    __slots__ = ("values",)

    def __init__(self, values):
        self.values = tuple(values)

    def components(self) -> list:
        return [v for v in self.values if isinstance(v, Tensor)]

    def from_components(self, parts):
        parts = iter(parts)
        return PerReplica([next(parts) if isinstance(v, Tensor) else v for v in self.values])

    # wb.function binds a PerReplica argument component by component (extension_type.bind_by_parts),
    # so one trace serves every step's per-replica batch of the same shapes
    def _wb_static_key(self):
        return ("PerReplica", tuple("T" if isinstance(v, Tensor) else repr(v) for v in self.values))

    def _wb_tensor_fields(self):
        return self.values

    def _wb_with_tensor_fields(self, parts):
        return PerReplica(parts)

    def structure_key(self):
        return ("PerReplica", tuple((tuple(v.shape), str(v.dtype)) if isinstance(v, Tensor) else repr(v)
                                    for v in self.values))

    def __repr__(self):
        body = ",\n".join(f"  {i}: {v!r}" for i, v in enumerate(self.values))
        return f"PerReplica:{{\n{body}\n}}"

    def __str__(self):
        body = ",\n".join(f"  {i}: {str(v)}" for i, v in enumerate(self.values))
        return f"PerReplica:{{\n{body}\n}}"


extension_type.bind_by_parts(PerReplica)


class PerReplicaSpec:
    """The type of a :class:`PerReplica` value (TF's ``PerReplicaSpec``): one spec per replica,
    what a distributed dataset's ``element_spec`` holds for each component when a process holds
    several replicas."""

    __slots__ = ("_value_specs",)
    # in a wb.function's input_signature: a PerReplica argument is bound component by component
    _wb_expanded_spec = True

    def __init__(self, *value_specs):
        self._value_specs = tuple(value_specs)

    @property
    def value_type(self):
        return PerReplica

    def _wb_component_specs(self):
        return self._value_specs

    def is_compatible_with(self, value) -> bool:
        """Whether ``value`` (a PerReplica or a PerReplicaSpec) has one compatible component per
        replica."""
        others = value._value_specs if isinstance(value, PerReplicaSpec) else (
            value.values if isinstance(value, PerReplica) else None)
        return (others is not None and len(others) == len(self._value_specs)
                and all(s.is_compatible_with(o) for s, o in zip(self._value_specs, others)))

    def __eq__(self, other):
        return isinstance(other, PerReplicaSpec) and self._value_specs == other._value_specs

    def __hash__(self):
        return hash(("PerReplicaSpec", self._value_specs))

    def __repr__(self):
        return f"PerReplicaSpec({', '.join(repr(s) for s in self._value_specs)})"


def regroup(values):
    """The values of the replicas (one nest each) as TF regroups them: one :class:`PerReplica`
    per leaf of their common structure; a leaf that is the same object in every replica (None,
    a Python constant) stays itself."""
    def leaf(*parts):
        first = parts[0]
        return first if all(v is first for v in parts) else PerReplica(parts)
    try:
        return nest.map_structure(leaf, *values)
    except (ValueError, TypeError):   # structures differ between replicas: one PerReplica of them
        return PerReplica(values)
