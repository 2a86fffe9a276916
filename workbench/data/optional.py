"""``Optional``: a value that may be absent (TF's ``tf.experimental.Optional``), as returned by
``Iterator.get_next_as_optional``.

>>> opt = wb.data.experimental.Optional.from_value(42)
>>> bool(opt.has_value()), int(opt.get_value())
(True, 42)
"""

from __future__ import annotations

from .. import nest
from ..core import convert_to_tensor
from ..ops.create import zeros
from ..errors import InvalidArgumentError
from ..tensor_shape import TensorSpec
from . import structure as st

__all__ = ["Optional", "StagedOptional", "empty_value"]


def _spec_of(value):
    def spec(leaf):
        return leaf._spec() if hasattr(leaf, "_spec") else TensorSpec.from_tensor(leaf)
    return nest.map_structure(spec, value)


class Optional:
    """A structure of tensors, or nothing; build one with :meth:`from_value` or :meth:`empty`."""

    def __init__(self, value, element_spec, has_value):
        self._value, self._spec, self._has = value, element_spec, has_value

    @staticmethod
    def from_value(value):
        """An Optional holding ``value`` (a tensor, or a nested tuple/dict of them)."""
        value = st.normalize(value, what="value", where="Optional.from_value")
        return Optional(value, _spec_of(value), True)

    @staticmethod
    def empty(element_spec):
        """An Optional with no value, whose value would have the structure ``element_spec``."""
        leaves = nest.flatten(element_spec)
        if not leaves or not all(hasattr(s, "shape") and hasattr(s, "dtype") for s in leaves):
            raise TypeError(f"Optional.empty: element_spec must be a structure of specs (wb.TensorSpec, "
                            f"...), got {element_spec!r}")
        return Optional(None, element_spec, False)

    def has_value(self, name=None):
        """A bool scalar: whether a value is held."""
        return convert_to_tensor(self._has)

    def get_value(self, name=None):
        """The value; ``wb.errors.InvalidArgumentError`` when there is none (as in TF)."""
        if not self._has:
            raise InvalidArgumentError(None, None, "The given optional does not have a value.")
        return self._value

    @property
    def element_spec(self):
        """The structure of the value, with spec leaves."""
        return self._spec

    def __repr__(self):
        return f"<wb.data.experimental.Optional has_value={self._has} element_spec={self._spec!r}>"


class StagedOptional(Optional):
    """An Optional read inside a ``wb.function``: ``has_value()`` is a tensor each call computes
    (so ``if not opt.has_value(): break`` ends a loop where the data ends); ``get_value()`` gives
    the value, which the branch that ``has_value()`` guards uses."""

    def get_value(self, name=None):
        return self._value


def empty_value(spec, where="get_next_as_optional"):
    """Zero-sized tensors of the structure ``spec`` (unknown sizes 0): what a traced read past
    the end gives beside a False ``has_value``."""
    if isinstance(spec, TensorSpec):
        shape = [0 if d is None else d for d in (spec.shape.as_list() if spec.shape.rank is not None else [0])]
        return zeros(shape, spec.dtype)
    if isinstance(spec, dict):
        return {k: empty_value(v, where) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        if hasattr(spec, "_fields"):
            return type(spec)(*[empty_value(v, where) for v in spec])
        return type(spec)(empty_value(v, where) for v in spec)
    raise TypeError(f"{where}: cannot make an empty value of the element spec {spec!r}")
