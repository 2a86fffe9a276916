"""The type specs of datasets, iterators and optionals: TF's ``tf.data.DatasetSpec``,
``tf.data.IteratorSpec`` and ``tf.OptionalSpec``, each holding the element structure (a
nest of ``wb.TensorSpec``-like leaves) of the values it describes.

>>> wb.data.DatasetSpec.from_value(wb.data.Dataset.range(3))
DatasetSpec(TensorSpec(shape=(), dtype=wb.int64, name=None), TensorShape([]))
"""

from __future__ import annotations

from .. import nest
from ..tensor_shape import TensorShape
from .dataset import Dataset

__all__ = ["DatasetSpec", "IteratorSpec", "OptionalSpec"]


def _check_specs(element_spec, where):
    leaves = nest.flatten(element_spec)
    bad = next((s for s in leaves if not (hasattr(s, "shape") and hasattr(s, "dtype")
                                          and hasattr(s, "is_compatible_with"))), None)
    if bad is not None or not leaves and element_spec not in ((), {}, []):
        raise TypeError(f"{where}: element_spec must be a structure of specs (wb.TensorSpec, ...), got "
                        f"{element_spec!r}")
    return element_spec


def _compatible(a, b):
    try:
        nest.assert_same_structure(a, b)
    except (TypeError, ValueError):
        return False
    return all(type(x) is type(y) and x.is_compatible_with(y) for x, y in zip(nest.flatten(a), nest.flatten(b)))


class _ElementSpec:
    """What the three specs share: an element structure, equality and the repr TF prints."""

    def __init__(self, element_spec):
        self._element_spec = _check_specs(element_spec, type(self).__name__)

    @property
    def element_spec(self):
        """The structure of an element, with spec leaves."""
        return self._element_spec

    def _serialize(self):
        return (self._element_spec,)

    def __eq__(self, other):
        return type(other) is type(self) and self._serialize() == other._serialize()

    def __hash__(self):
        return hash((type(self).__name__, repr(self._serialize())))

    def __repr__(self):
        return f"{type(self).__name__}{self._serialize()!r}"

    def is_compatible_with(self, spec_or_value):
        """Whether ``spec_or_value`` (a spec of this kind, or a value it describes) has the same
        element structure with compatible leaves."""
        other = spec_or_value if isinstance(spec_or_value, type(self)) else self._of(spec_or_value)
        return other is not None and self._compatible_parts(other)

    def _compatible_parts(self, other):
        return _compatible(self._element_spec, other._element_spec)

    @classmethod
    def _of(cls, value):
        try:
            return cls.from_value(value)
        except (TypeError, AttributeError):
            return None


class DatasetSpec(_ElementSpec):
    """The type of a ``wb.data.Dataset``: its ``element_spec`` and ``dataset_shape`` (``[]``
    for a dataset; a batch of datasets has more)."""

    def __init__(self, element_spec, dataset_shape=()):
        super().__init__(element_spec)
        self._dataset_shape = TensorShape(dataset_shape)

    @property
    def value_type(self):
        return Dataset

    @staticmethod
    def from_value(value):
        """The spec of the dataset ``value`` (its ``element_spec``, read as the dataset reads it)."""
        if not isinstance(value, Dataset):
            raise TypeError(f"DatasetSpec.from_value: value must be a wb.data.Dataset, got "
                            f"{type(value).__name__}")
        return DatasetSpec(value.element_spec)

    def _serialize(self):
        return (self._element_spec, self._dataset_shape)

    def _compatible_parts(self, other):
        return (self._dataset_shape.is_compatible_with(other._dataset_shape)
                and _compatible(self._element_spec, other._element_spec))


class IteratorSpec(_ElementSpec):
    """The type of a dataset iterator (``iter(dataset)``): its ``element_spec``."""

    @staticmethod
    def from_value(value):
        """The spec of the iterator ``value``."""
        if not hasattr(value, "element_spec") or not hasattr(value, "get_next"):
            raise TypeError(f"IteratorSpec.from_value: value must be a wb.data.Iterator, got "
                            f"{type(value).__name__}")
        return IteratorSpec(value.element_spec)


class OptionalSpec(_ElementSpec):
    """The type of a ``wb.experimental.Optional``: the ``element_spec`` of its value."""

    @staticmethod
    def from_value(value):
        """The spec of the Optional ``value``."""
        if not hasattr(value, "element_spec") or not hasattr(value, "has_value"):
            raise TypeError(f"OptionalSpec.from_value: value must be a wb.experimental.Optional, got "
                            f"{type(value).__name__}")
        return OptionalSpec(value.element_spec)
