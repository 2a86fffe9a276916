"""``wb.TensorShape`` and ``wb.TensorSpec``: shapes with ``None`` for an unknown size, as TF 2's.

A shape of known rank is a ``tuple`` of ints and ``None`` (so ``x.shape == (2, 3)``,
``np.zeros(x.shape)``, unpacking and hashing work as on a tuple); ``TensorShape(None)`` has
an unknown rank (``rank is None``; ``as_list()`` and ``len`` raise ``ValueError``).

>>> s = wb.TensorShape([None, 3])
>>> s.rank, s[1], s.is_compatible_with([2, 3]), s.merge_with([2, None])
(2, 3, True, TensorShape([2, 3]))
"""

from __future__ import annotations

import operator

from .dtypes import as_dtype

__all__ = ["TensorShape", "TensorSpec", "Dimension", "as_dimension", "as_shape", "unknown_shape", "dimension_value",
           "type_spec_from_value"]


def _dim(d, where="TensorShape"):
    """One dimension as an int or None (TF's ``Dimension`` values)."""
    if d is None:
        return None
    value = getattr(d, "value", d)  # a Dimension-like object
    if value is None:
        return None
    try:
        n = operator.index(value)
    except TypeError:
        if isinstance(value, float) and value.is_integer():
            n = int(value)
        else:
            raise TypeError(f"{where}: a dimension must be an int or None, got "
                            f"{type(value).__name__} {value!r}") from None
    if n < 0:
        raise ValueError(f"{where}: dimension {n} must be >= 0 (None for an unknown size)")
    return int(n)


def _plain_dims(dims) -> bool:
    """Every entry a non-negative Python int or None (what a TensorShape holds), checked fast."""
    for d in dims:
        if d is not None and (type(d) is not int or d < 0):
            return False
    return True


def dimension_value(dimension):
    """``dimension`` as an int or None (TF's ``tf.compat.dimension_value``)."""
    return _dim(dimension, "dimension_value")


class Dimension:
    """One dimension of a shape, an int or unknown (TF's ``tf.compat.v1.Dimension``, the items
    of ``TensorShape.dims``).

    Arithmetic with an unknown dimension gives an unknown one; ``==``, ``<`` and friends give
    None when either side is unknown, as TF's.

    >>> d = wb.compat.v1.Dimension(3)
    >>> d + 1, d.is_compatible_with(None), wb.compat.v1.Dimension(None) == 3
    (Dimension(4), True, None)
    """

    __slots__ = ("_value",)

    def __init__(self, value):
        if isinstance(value, Dimension):
            value = value.value
        if value is not None:
            try:
                value = operator.index(value)
            except TypeError:
                raise TypeError(f"Dimension value must be integer or None or have an __index__ method, got "
                                f"value {value!r} with type {type(value)!r}") from None
            if value < 0:
                raise ValueError(f"Dimension {value} must be >= 0")
        self._value = value

    @property
    def value(self):
        return self._value

    def __repr__(self):
        return f"Dimension({self._value!r})"

    def __str__(self):
        return "?" if self._value is None else str(self._value)

    def __int__(self):
        return self._value

    def __index__(self):
        return self._value

    def __bool__(self):
        return bool(self._value)

    def __eq__(self, other):
        try:
            other = as_dimension(other)
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or other.value is None:
            return None
        return self._value == other.value

    def __ne__(self, other):
        try:
            other = as_dimension(other)
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or other.value is None:
            return None
        return self._value != other.value

    __hash__ = None   # == may answer None, so a Dimension is no dict key (as TF's)

    def is_compatible_with(self, other):
        """True when either is unknown or both are equal."""
        other = as_dimension(other)
        return self._value is None or other.value is None or self._value == other.value

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ValueError(f"Dimensions {self} and {as_dimension(other)} are not compatible")

    def merge_with(self, other):
        """The known one of two compatible dimensions (``ValueError`` when they differ)."""
        other = as_dimension(other)
        self.assert_is_compatible_with(other)
        return Dimension(other.value if self._value is None else self._value)

    def _arith(self, other, fn, swap=False):
        try:
            other = as_dimension(other)
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or other.value is None:
            return Dimension(None)
        a, b = (other.value, self._value) if swap else (self._value, other.value)
        return Dimension(fn(a, b))

    def __add__(self, other):
        return self._arith(other, operator.add)

    def __radd__(self, other):
        return self._arith(other, operator.add, True)

    def __sub__(self, other):
        return self._arith(other, operator.sub)

    def __rsub__(self, other):
        return self._arith(other, operator.sub, True)

    def __mul__(self, other):
        return self._arith(other, operator.mul)

    def __rmul__(self, other):
        return self._arith(other, operator.mul, True)

    def __floordiv__(self, other):
        return self._arith(other, operator.floordiv)

    def __rfloordiv__(self, other):
        return self._arith(other, operator.floordiv, True)

    def __mod__(self, other):
        return self._arith(other, operator.mod)

    def __rmod__(self, other):
        return self._arith(other, operator.mod, True)

    def __truediv__(self, other):
        raise TypeError(f"unsupported operand type(s) for /: 'Dimension' and '{type(other).__name__}', "
                        "please use // instead")

    def __rtruediv__(self, other):
        raise TypeError(f"unsupported operand type(s) for /: '{type(other).__name__}' and 'Dimension', "
                        "please use // instead")

    def _compare(self, other, fn):
        other = as_dimension(other)
        if self._value is None or other.value is None:
            return None
        return fn(self._value, other.value)

    def __lt__(self, other):
        return self._compare(other, operator.lt)

    def __le__(self, other):
        return self._compare(other, operator.le)

    def __gt__(self, other):
        return self._compare(other, operator.gt)

    def __ge__(self, other):
        return self._compare(other, operator.ge)

    def __reduce__(self):
        return Dimension, (self._value,)


def as_dimension(value):
    """``value`` as a ``Dimension`` (a Dimension is returned as it is)."""
    return value if isinstance(value, Dimension) else Dimension(value)


class TensorShape(tuple):
    """The shape of a tensor: ints and ``None`` (unknown sizes), or an unknown rank.

    ``TensorShape([2, None])``, ``TensorShape(3)`` (one dimension) or
    ``TensorShape(None)`` (unknown rank). Compares equal to tuples and lists of the same
    dimensions, as TF 2's does.
    """

    __slots__ = ()

    def __new__(cls, dims=()):
        if dims is None:
            return tuple.__new__(_UnknownRank)
        if isinstance(dims, TensorShape):
            return dims if type(dims) is cls or dims.rank is None else tuple.__new__(cls, dims)
        if isinstance(dims, (str, bytes)):
            raise TypeError(f"TensorShape: dims must be a list of ints and None, got {dims!r}")
        try:
            it = iter(dims)
        except TypeError:
            return tuple.__new__(cls, (_dim(dims),))  # a single dimension, as TF takes it
        return tuple.__new__(cls, [_dim(d) for d in it])

    @classmethod
    def _known(cls, dims: tuple) -> "TensorShape":
        """From a tuple of ints (an array's shape): no checks."""
        return tuple.__new__(cls, dims)

    def __getnewargs__(self):
        return (tuple(self),)

    # -- rank and dimensions ----------------------------------------------------
    @property
    def rank(self):
        """The number of dimensions, or None for an unknown rank."""
        return tuple.__len__(self)

    ndims = rank

    @property
    def dims(self):
        """The dimensions as a list of ``Dimension`` objects (TF's), or None for an unknown rank;
        ``as_list()`` gives plain ints and None."""
        return [Dimension(d) for d in self]

    def as_list(self) -> list:
        """The dimensions as a list (raises ``ValueError`` for an unknown rank)."""
        return list(self)

    def is_fully_defined(self) -> bool:
        return None not in tuple(self)

    def num_elements(self):
        """The number of elements, or None when a dimension (or the rank) is unknown."""
        n = 1
        for d in tuple.__iter__(self):
            if d is None:
                return None
            n *= d
        return n

    def __getitem__(self, key):
        if isinstance(key, slice):
            return tuple.__new__(TensorShape, tuple.__getitem__(self, key))
        return tuple.__getitem__(self, key)

    # -- comparison and combination ---------------------------------------------
    def __eq__(self, other):
        if type(other) is tuple:
            return tuple.__eq__(self, other)
        other = _other(other)
        if other is NotImplemented:
            return NotImplemented
        if other.rank is None:
            return False
        return tuple.__eq__(self, other)

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = tuple.__hash__

    def __bool__(self):
        return True  # TF's rule: a shape of known rank, even (), carries information

    def is_compatible_with(self, other) -> bool:
        """Whether some tensor could have both shapes (same rank; sizes equal or None)."""
        other = as_shape(other)
        if other.rank is None:
            return True
        if len(self) != len(other):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self, other))

    def assert_is_compatible_with(self, other) -> None:
        other = as_shape(other)
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are incompatible")

    def merge_with(self, other) -> "TensorShape":
        """The most specific shape compatible with both (``ValueError`` when they conflict)."""
        other = as_shape(other)
        if other.rank is None:
            return self
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape._known(tuple(a if a is not None else b for a, b in zip(self, other)))

    def most_specific_compatible_shape(self, other) -> "TensorShape":
        """The most specific shape both are compatible with (None where they differ)."""
        other = as_shape(other)
        if other.rank is None or len(self) != len(other):
            return unknown_shape()
        return TensorShape._known(tuple(a if a == b else None for a, b in zip(self, other)))

    def concatenate(self, other) -> "TensorShape":
        other = as_shape(other)
        if other.rank is None:
            return unknown_shape()
        return TensorShape._known(tuple(self) + tuple(other))

    # TF's TraceType protocol, as ``wb.function`` and TF 2.21 read shapes
    def is_subtype_of(self, other) -> bool:
        """Whether every tensor of this shape also has shape ``other`` (``other`` has None
        or the same size in each dimension, or an unknown rank).

        >>> wb.TensorShape([2, 4]).is_subtype_of(wb.TensorShape([None, 4]))
        True
        """
        if not isinstance(other, TensorShape):   # TF: only a TensorShape can be a supertype
            return False
        if other.rank is None:
            return True
        return len(self) == len(other) and all(b is None or a == b for a, b in zip(self, other))

    def most_specific_common_supertype(self, others):
        """The most specific shape every one of ``self`` and ``others`` is a subtype of (None
        where sizes differ; an unknown rank where ranks do); None when one is no TensorShape."""
        if not all(isinstance(o, TensorShape) for o in others):
            return None
        if any(o.rank is None or len(o) != len(self) for o in others):
            return unknown_shape()
        return TensorShape._known(tuple(a if all(o[i] == a for o in others) else None
                                        for i, a in enumerate(self)))

    def __add__(self, other):
        if type(other) is TensorShape:   # the common case inside the library: no checks needed
            return tuple.__new__(TensorShape, tuple.__add__(self, other))
        if type(other) is tuple and _plain_dims(other):
            return tuple.__new__(TensorShape, tuple.__add__(self, other))
        try:
            return self.concatenate(other)
        except (TypeError, ValueError):
            if isinstance(other, tuple):  # e.g. a reshape target holding -1: a plain tuple
                return tuple(self) + other
            raise

    def __radd__(self, other):
        if type(other) is tuple and _plain_dims(other):
            return tuple.__new__(TensorShape, tuple.__add__(other, self))
        try:
            return as_shape(other).concatenate(self)
        except (TypeError, ValueError):
            if isinstance(other, tuple):
                return other + tuple(self)
            raise

    def with_rank(self, rank) -> "TensorShape":
        if len(self) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")
        return self

    def with_rank_at_least(self, rank) -> "TensorShape":
        if len(self) < rank:
            raise ValueError(f"Shape {self} must have rank at least {rank}")
        return self

    def with_rank_at_most(self, rank) -> "TensorShape":
        if len(self) > rank:
            raise ValueError(f"Shape {self} must have rank at most {rank}")
        return self

    def assert_has_rank(self, rank) -> None:
        if self.rank not in (None, rank):
            raise ValueError(f"Shape {self} must have rank {rank}")

    def assert_same_rank(self, other) -> None:
        other = as_shape(other)
        if self.rank is not None and other.rank is not None and self.rank != other.rank:
            raise ValueError(f"Shapes {self} and {other} must have the same rank")

    def assert_is_fully_defined(self) -> None:
        if not self.is_fully_defined():
            raise ValueError(f"Shape {self} is not fully defined")

    # -- printing ------------------------------------------------------------------
    def __repr__(self):
        return f"TensorShape({list(self)})"

    def __str__(self):
        if len(self) == 1:
            return f"({self[0]},)"
        return "(" + ", ".join(str(d) for d in self) + ")"


class _UnknownRank(TensorShape):
    """``TensorShape(None)``: nothing known, not even the rank."""

    __slots__ = ()

    def __getnewargs__(self):
        return (None,)

    @property
    def rank(self):
        return None

    ndims = rank

    @property
    def dims(self):
        return None

    def as_list(self):
        raise ValueError("as_list() is not defined on an unknown TensorShape.")

    def __len__(self):
        raise ValueError("Cannot take the length of shape with unknown rank.")

    def __bool__(self):
        return False  # TF's rule: nothing is known

    def __iter__(self):
        raise ValueError("Cannot iterate over a shape with unknown rank.")

    def __getitem__(self, key):
        return unknown_shape() if isinstance(key, slice) else None

    def is_fully_defined(self):
        return False

    def num_elements(self):
        return None

    def __eq__(self, other):
        other = _other(other)
        if other is NotImplemented:
            return NotImplemented
        return other.rank is None

    def __hash__(self):
        return hash((TensorShape, None))

    def is_compatible_with(self, other):
        as_shape(other)
        return True

    def merge_with(self, other):
        return as_shape(other)

    def most_specific_compatible_shape(self, other):
        as_shape(other)
        return self

    def concatenate(self, other):
        as_shape(other)
        return self

    def is_subtype_of(self, other):
        return isinstance(other, TensorShape) and other.rank is None

    def most_specific_common_supertype(self, others):
        return self if all(isinstance(o, TensorShape) for o in others) else None

    def with_rank(self, rank):
        return unknown_shape(rank)

    def with_rank_at_least(self, rank):
        return self

    with_rank_at_most = with_rank_at_least

    def assert_same_rank(self, other):
        as_shape(other)

    def __repr__(self):
        return "TensorShape(None)"

    def __str__(self):
        return "<unknown>"


def _other(other):
    if isinstance(other, TensorShape):
        return other
    if other is None or isinstance(other, (str, bytes)):
        return NotImplemented
    try:
        return TensorShape(other)
    except (TypeError, ValueError):
        return NotImplemented


def as_shape(shape) -> TensorShape:
    """``shape`` (a TensorShape, list, tuple, int or None) as a ``TensorShape``."""
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def unknown_shape(rank=None) -> TensorShape:
    """A shape of unknown rank, or of ``rank`` unknown dimensions."""
    return TensorShape(None) if rank is None else TensorShape._known((None,) * rank)


# ---------------------------------------------------------------------------
# TensorSpec


def _dtype_name(dtype) -> str:
    if getattr(dtype, "kind", None) == "O":
        return "string"     # wb.string: an object array of bytes
    return getattr(dtype, "name", str(dtype))


class TensorSpec:
    """The shape, dtype and (optional) name of a tensor (TF's ``tf.TensorSpec``).

    ``None`` dimensions (and ``shape=None``, unknown rank) match any size, so one spec
    describes many tensors: ``wb.function(input_signature=[...])`` and
    ``Dataset.element_spec`` use them.

    >>> wb.TensorSpec([None, 3], wb.float32).is_compatible_with(wb.ones([5, 3]))
    True
    """

    __slots__ = ("_shape", "_dtype", "_name")

    def __init__(self, shape, dtype="float32", name=None):
        self._shape = as_shape(shape)
        self._dtype = as_dtype(dtype)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"TensorSpec: name must be a string or None, got {type(name).__name__}")
        self._name = name

    @classmethod
    def from_tensor(cls, tensor, name=None) -> "TensorSpec":
        """The spec of ``tensor`` (a tensor, variable or array)."""
        if not (hasattr(tensor, "shape") and hasattr(tensor, "dtype")):
            raise TypeError(f"TensorSpec.from_tensor: expected a tensor, got {type(tensor).__name__}")
        return cls(tensor.shape, tensor.dtype, name)

    @classmethod
    def from_spec(cls, spec, name=None) -> "TensorSpec":
        return cls(spec.shape, spec.dtype, name if name is not None else getattr(spec, "name", None))

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def name(self):
        return self._name

    @property
    def value_type(self):
        # core imports this module: the Tensor class is looked up when asked for
        from . import core  # noqa: I001 (circular import with core)
        return core.Tensor

    def is_compatible_with(self, spec_or_value) -> bool:
        """Whether a value (tensor, array, Python number or list) or spec fits this spec:
        the same dtype and a compatible shape."""
        other = _spec_of(spec_or_value)
        if other is None or not isinstance(other, TensorSpec):
            return False
        return other._dtype == self._dtype and self._shape.is_compatible_with(other._shape)

    def is_subtype_of(self, other) -> bool:
        """Whether every value of this spec is a value of ``other``."""
        if not isinstance(other, TensorSpec) or other._dtype != self._dtype:
            return False
        if other._shape.rank is None:
            return True
        if self._shape.rank != other._shape.rank:
            return False
        return all(b is None or a == b for a, b in zip(self._shape, other._shape))

    def most_specific_common_supertype(self, others):
        """The most specific spec every one of ``self`` and ``others`` fits (None if the
        dtypes differ)."""
        shape = self._shape
        for o in others:
            if not isinstance(o, TensorSpec) or o._dtype != self._dtype:
                return None
            shape = shape.most_specific_compatible_shape(o._shape)
        name = self._name if all(getattr(o, "_name", None) == self._name for o in others) else None
        return TensorSpec(shape, self._dtype, name)

    def most_specific_compatible_type(self, other):
        spec = self.most_specific_common_supertype([other])
        if spec is None:
            raise ValueError(f"No TypeSpec is compatible with both {self} and {other}")
        return spec

    def __eq__(self, other):
        return (type(other) is type(self) and self._shape == other._shape
                and self._dtype == other._dtype and self._name == other._name)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self), self._shape, self._dtype, self._name))

    def __reduce__(self):
        return (type(self), (self._shape, self._dtype, self._name))

    def __repr__(self):
        name = "None" if self._name is None else repr(self._name)
        return f"TensorSpec(shape={self._shape}, dtype=wb.{_dtype_name(self._dtype)}, name={name})"


def _spec_of(value):
    """The spec of a value (or the spec itself); None for what no tensor spec describes."""
    if isinstance(value, TensorSpec) or hasattr(value, "_type_spec_key"):
        return value
    to_spec = getattr(value, "_spec", None)  # composite values (ragged tensors) give theirs
    if callable(to_spec):
        return to_spec()
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return TensorSpec(value.shape, value.dtype)
    from . import core  # noqa: I001 (circular import with core: Python values convert as tensors)
    try:
        t = core.convert_to_tensor(value)
    except (TypeError, ValueError):
        return None
    return TensorSpec(t.shape, t.dtype)


def type_spec_from_value(value) -> "TensorSpec":
    """The spec of ``value`` (TF's ``tf.type_spec_from_value``): a ``TensorSpec`` for tensors,
    arrays and Python numbers, a ``RaggedTensorSpec`` for a RaggedTensor.

    >>> wb.type_spec_from_value(wb.constant([[1.0, 2.0]]))
    TensorSpec(shape=(1, 2), dtype=wb.float32, name=None)
    """
    spec = None if isinstance(value, TensorSpec) or hasattr(value, "_type_spec_key") else _spec_of(value)
    if spec is None:
        raise TypeError(f"type_spec_from_value: could not build a TypeSpec for {value!r} "
                        f"({type(value).__name__}); expected a tensor, a RaggedTensor or data that converts to one")
    return spec

