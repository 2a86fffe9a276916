"""``wb.types``: TF's ``tf.types`` names for what ``wb.function`` works with.

``experimental.TraceType`` is the protocol an argument's class uses to say how it is traced:
an object whose class has ``__tf_tracing_type__(context)`` is keyed by the ``TraceType`` that
returns (equal types share one trace, which is given the type's ``placeholder_value``),
instead of by its identity.
"""

from __future__ import annotations

import abc
import types as _types

from .api import ConcreteFunction, Function

__all__ = ["experimental"]


class TraceType(abc.ABC):
    """How an argument is traced (TF's ``tf.types.experimental.TraceType``): subclasses
    define ``is_subtype_of``, ``most_specific_common_supertype``, ``placeholder_value``,
    ``__eq__`` and ``__hash__``; ``wb.function`` keys its traces by equal trace types."""

    @abc.abstractmethod
    def is_subtype_of(self, other) -> bool:
        """Whether a value of this type can be used where ``other`` is expected."""

    @abc.abstractmethod
    def most_specific_common_supertype(self, others):
        """The most specific type that every type in ``others`` and this one are subtypes of, or None."""

    def placeholder_value(self, placeholder_context=None):
        """The value the traced function is given for an argument of this type."""
        raise NotImplementedError(f"{type(self).__name__}.placeholder_value is not defined")

    @abc.abstractmethod
    def __eq__(self, other) -> bool:
        """Equal trace types share a trace."""

    @abc.abstractmethod
    def __hash__(self) -> int:
        """Trace types key a dict of traces."""


experimental = _types.SimpleNamespace(
    TraceType=TraceType,
    PolymorphicFunction=Function,
    GenericFunction=Function,
    ConcreteFunction=ConcreteFunction,
)
