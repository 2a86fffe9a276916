"""``wb.experimental.ExtensionType``: user types made of tensors (TF's ``tf.experimental.ExtensionType``).

Class-level annotations declare the fields; the generated ``__init__`` converts each value to its
field's type (TF's error texts), then calls ``__validate__``. Values are immutable, print as TF
prints them, compare with ``==`` as TF (a boolean tensor when the specs match, else ``False``),
and describe themselves with a ``Spec`` (``value._type_spec``). A value is a composite tensor:
tapes watch its tensor fields, ``wb.nest.flatten(..., expand_composites=True)`` expands it, and
public ops route to it through ``wb.experimental.dispatch_for_api``.

>>> class MaskedTensor(wb.experimental.ExtensionType):
...     values: wb.Tensor
...     mask: wb.Tensor
>>> MaskedTensor([1, 2], [True, False]).values.numpy()
array([1, 2], dtype=int32)
"""

from __future__ import annotations

import collections.abc
import inspect
import sys
import typing

import numpy as np

from ragged import RaggedTensor

from . import backend, core, nest
from .core import Tensor, convert_to_tensor
from .dtypes import DType, as_dtype
from .sparse.sparse_tensor import SparseTensor
from .tensor_shape import TensorShape, TensorSpec

__all__ = ["BatchableExtensionType", "ExtensionType", "ExtensionTypeSpec", "ImmutableDict"]

_NO_DEFAULT = inspect.Parameter.empty


class ImmutableDict(collections.abc.Mapping):
    """A read-only mapping (what a ``Mapping`` field holds, as TF's ``ImmutableDict``)."""

    __slots__ = ("_d",)

    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "_d", dict(*args, **kwargs))

    def __getitem__(self, key):
        return self._d[key]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)

    def __setattr__(self, name, value):
        raise AttributeError("ImmutableDict does not support attribute assignment")

    def __repr__(self):
        return f"ImmutableDict({self._d!r})"


def _composite_types():
    return (RaggedTensor, SparseTensor)


def _name(t) -> str:
    return "None" if t is type(None) else getattr(t, "__name__", str(t))


# -- field types -----------------------------------------------------------------------------

def _check_annotation(tp, field):
    """Raise TF's TypeError for an annotation a field cannot have."""
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        for a in typing.get_args(tp):
            _check_annotation(a, field)
        return
    if origin in (tuple, collections.abc.Mapping, dict):
        for a in typing.get_args(tp):
            if a is not Ellipsis:
                _check_annotation(a, field)
        return
    if tp in (int, float, str, bool, bytes, type(None), None, Tensor, TensorShape, DType, typing.Any):
        return
    if isinstance(tp, type) and (issubclass(tp, ExtensionType) or issubclass(tp, _composite_types())):
        return
    raise TypeError(f"In field {field!r}: Unsupported type annotation {_name(tp)!r}")


def _convert(value, tp, path, spec):
    """``value`` as a field of type ``tp`` holds it (``spec``: the field of a ``Spec``, where a
    tensor type holds its spec), or TF's TypeError naming the field's ``path``."""
    if tp is None:
        tp = type(None)
    if tp is typing.Any:
        return value
    origin = typing.get_origin(tp)
    got = type(value).__name__
    if origin is typing.Union:
        members = typing.get_args(tp)
        for m in members:   # a value already of a member's type keeps it
            if _is_instance(value, m, spec):
                return _convert(value, m, path, spec)
        for m in members:
            try:
                return _convert(value, m, path, spec)
            except (TypeError, ValueError):
                continue
        raise TypeError(f"{path}: expected {tp}, got {got!r}")
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{path}: expected tuple, got {got!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(v, args[0], f"{path}[{i}]", spec) for i, v in enumerate(value))
        if args and len(args) != len(value):
            raise TypeError(f"{path}: expected tuple with length {len(args)}, got {got!r})")
        if not args:
            return tuple(value)
        return tuple(_convert(v, a, f"{path}[{i}]", spec) for i, (v, a) in enumerate(zip(value, args)))
    if origin in (collections.abc.Mapping, dict):
        if not isinstance(value, collections.abc.Mapping):
            raise TypeError(f"{path}: expected mapping, got {got!r}")
        key_type, value_type = typing.get_args(tp) or (typing.Any, typing.Any)
        out = {}
        for k, v in value.items():
            out[_convert(k, key_type, f"{path}[<key>]", spec)] = _convert(v, value_type, f"{path}[{k!r}]", spec)
        return ImmutableDict(out)
    if tp is Tensor:
        if spec:
            if isinstance(value, TensorSpec):
                return value
            raise TypeError(f"{path}: expected a TensorSpec, got {got!r}")
        if isinstance(value, Tensor):
            return value
        try:
            return convert_to_tensor(value)
        except (TypeError, ValueError):
            raise TypeError(f"{path}: expected a Tensor, got {got!r}") from None
    if tp is TensorShape:
        if isinstance(value, TensorShape):
            return value
        if value is None or isinstance(value, (list, tuple)):
            try:
                return TensorShape(value)
            except (TypeError, ValueError):
                pass
        raise TypeError(f"{path}: expected 'wb.TensorShape', got {got!r}")
    if tp is DType:
        if isinstance(value, DType):
            return value
        try:
            return as_dtype(value)
        except (TypeError, ValueError):
            raise TypeError(f"{path}: expected 'wb.DType', got {got!r}") from None
    if isinstance(tp, type) and (issubclass(tp, ExtensionType) or issubclass(tp, _composite_types())):
        if _is_instance(value, tp, spec):
            return value
        want = tp.__name__ + ("Spec" if spec and not issubclass(tp, ExtensionType) else "")
        want = want + ".Spec" if spec and issubclass(tp, ExtensionType) else want
        raise TypeError(f"{path}: expected {want!r}, got {got!r}")
    if not _is_instance(value, tp, spec):
        raise TypeError(f"{path}: expected {_name(tp)!r}, got {got!r}")
    return value


def _is_instance(value, tp, spec) -> bool:
    if tp is None or tp is type(None):
        return value is None
    if tp is typing.Any:
        return True
    if typing.get_origin(tp) is not None:
        return False
    if spec and tp is Tensor:
        return isinstance(value, TensorSpec)
    if spec and isinstance(tp, type) and issubclass(tp, ExtensionType):
        return isinstance(value, tp.Spec)
    if spec and isinstance(tp, type) and issubclass(tp, _composite_types()):
        return type(value).__name__ == tp.__name__ + "Spec"
    return isinstance(tp, type) and isinstance(value, tp)


def _spec_of(value):
    """The spec a field value contributes to its ``Spec``."""
    if isinstance(value, Tensor):
        return TensorSpec(value.shape, value.dtype)
    if isinstance(value, ExtensionType):
        return value._type_spec
    if isinstance(value, core.CompositeTensor):
        return value._spec()
    if isinstance(value, tuple) and not isinstance(value, TensorShape):
        return tuple(_spec_of(v) for v in value)
    if isinstance(value, ImmutableDict):
        return ImmutableDict({k: _spec_of(v) for k, v in value.items()})
    return value


# -- the parts of a value ------------------------------------------------------------------------

def _leaves(value, out, differentiable):
    """Append the tensors of a field value: with ``differentiable`` the parts tapes watch (a
    composite's ``components()``), else every component (``nest``'s expanded view)."""
    if isinstance(value, Tensor):
        out.append(value)
    elif isinstance(value, ExtensionType):
        for f in type(value)._wb_fields:
            _leaves(value.__dict__[f.name], out, differentiable)
    elif isinstance(value, core.CompositeTensor):
        if differentiable:
            out.extend(value.components())
        else:
            out.extend(nest.flatten(value, expand_composites=True))
    elif isinstance(value, tuple):
        for v in value:
            _leaves(v, out, differentiable)
    elif isinstance(value, ImmutableDict):
        for k in sorted(value):
            _leaves(value[k], out, differentiable)


def _rebuild(value, it, differentiable):
    """``value`` with its tensors taken in order from ``it`` (see ``_leaves``)."""
    if isinstance(value, Tensor):
        return next(it)
    if isinstance(value, ExtensionType):
        fields = {f.name: _rebuild(value.__dict__[f.name], it, differentiable) for f in type(value)._wb_fields}
        return type(value)._wb_from_fields(fields)
    if isinstance(value, core.CompositeTensor):
        if differentiable:
            return value.from_components([next(it) for _ in value.components()])
        n = len(nest.flatten(value, expand_composites=True))
        return nest.pack_sequence_as(value, [next(it) for _ in range(n)], expand_composites=True)
    if isinstance(value, tuple) and not isinstance(value, TensorShape):
        return tuple(_rebuild(v, it, differentiable) for v in value)
    if isinstance(value, ImmutableDict):
        new = {k: _rebuild(value[k], it, differentiable) for k in sorted(value)}
        return ImmutableDict({k: new[k] for k in value})
    return value


def _has_tensors(value) -> bool:
    out = []
    _leaves(value, out, differentiable=False)
    return bool(out)


def _shape_field(shape, size, batched):
    """A BatchableExtensionType's TensorShape field for a batch of ``size`` values (``batched``)
    or for one row of it (its first dimension dropped), as TF's batch encoder."""
    if shape.rank is None:
        return shape
    return TensorShape([size, *shape]) if batched else TensorShape(list(shape)[1:])


def _rebatched(value, batched):
    """``value`` (an ExtensionType built from batched or sliced tensor fields) with its
    TensorShape fields batched or unbatched to match, when its type is batchable."""
    if not getattr(type(value), "_wb_batchable", False):
        return value
    shapes = [f.name for f in type(value)._wb_fields if isinstance(value.__dict__[f.name], TensorShape)]
    if not shapes:
        return value
    size = None
    if batched:
        leaves = []
        _leaves(value, leaves, differentiable=False)
        size = leaves[0].shape[0] if leaves and leaves[0].shape.rank else None
    fields = {f.name: value.__dict__[f.name] for f in type(value)._wb_fields}
    for name in shapes:
        fields[name] = _shape_field(fields[name], size, batched)
    return type(value)._wb_from_fields(fields)


def slice_structure(tensors, batched=False):
    """``(structure, rebuild)``: ``tensors`` with each ExtensionType replaced by a tuple of its
    tensor fields (what ``Dataset.from_tensor_slices`` slices), and the function (for
    ``Dataset.map``) that puts the ExtensionTypes back around an element (a row of ``tensors``;
    with ``batched``, a batch of values like ``tensors``): a BatchableExtensionType's TensorShape
    fields lose (gain) the batch dimension, as TF's."""
    def expand(v):
        if isinstance(v, ExtensionType):
            return tuple(expand(x) for x in v._wb_tensor_fields())
        if isinstance(v, dict):
            return {k: expand(x) for k, x in v.items()}
        if type(v) is tuple:
            return tuple(expand(x) for x in v)
        return v

    def restore(like, part):
        if isinstance(like, ExtensionType):
            value = like._wb_with_tensor_fields([restore(x, p) for x, p in zip(like._wb_tensor_fields(), part)])
            return _rebatched(value, batched)
        if isinstance(like, dict):
            return {k: restore(x, part[k]) for k, x in like.items()}
        if type(like) is tuple:
            return tuple(restore(x, p) for x, p in zip(like, part))
        return part

    expanded = expand(tensors)

    def rebuild(*element):   # map passes a tuple element as positional arguments
        return restore(tensors, element if type(expanded) is tuple else element[0])
    return expanded, rebuild


# -- wb.function: an ExtensionType argument is traced as its tensors ---------------------------


class _Static:
    """The part of an ExtensionType argument that is not tensors (its type, other fields, which
    fields hold tensors): a ``wb.function`` signature keys by it (TF's TraceType protocol) and
    the traced function sees it unchanged."""

    __slots__ = ("like", "key")

    def __init__(self, like):
        self.like = like
        self.key = like._wb_static_key()

    def __tf_tracing_type__(self, context):
        return self

    def placeholder_value(self, placeholder_context=None):
        return self

    def __eq__(self, other):
        return type(other) is _Static and other.key == self.key

    def __hash__(self):
        return hash(self.key)

    def __repr__(self):
        return f"{type(self.like).__name__}.Spec"


class Expanded(typing.NamedTuple):
    """An ExtensionType argument as ``wb.function`` binds it: its static part and its tensors."""
    static: _Static
    parts: tuple


def _expand(v):
    if isinstance(v, _BOUND_BY_PARTS):
        return Expanded(_Static(v), tuple(_expand(x) for x in v._wb_tensor_fields()))
    if isinstance(v, (dict, ImmutableDict)):
        return {k: _expand(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)) and not hasattr(v, "_fields"):
        return type(v)(_expand(x) for x in v)
    return v


def _restore(v):
    if type(v) is Expanded:
        return v.static.like._wb_with_tensor_fields([_restore(x) for x in v.parts])
    if isinstance(v, dict):
        return {k: _restore(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)) and not hasattr(v, "_fields"):
        return type(v)(_restore(x) for x in v)
    return v


def expand_arguments(args, kwargs):
    """``(args, kwargs)`` with each ExtensionType as an ``Expanded`` (tensors bound one by one)."""
    return _expand(tuple(args)), _expand(dict(kwargs))


def restore(args, kwargs):
    """``(args, kwargs)`` with the ExtensionTypes that ``expand_arguments`` took apart put back."""
    if any(type(a) is Expanded or isinstance(a, (list, tuple, dict)) for a in (*args, *kwargs.values())):
        return _restore(tuple(args)), _restore(dict(kwargs))
    return args, kwargs


def takes(flat) -> bool:
    """Whether the flat arguments of a ``wb.function`` call hold an ExtensionType (or another
    type bound by parts)."""
    return any(isinstance(v, _BOUND_BY_PARTS) for v in flat)


def bind_by_parts(cls):
    """Have ``wb.function`` bind values of ``cls`` tensor by tensor, as ExtensionTypes: ``cls``
    offers ``_wb_static_key()`` (what else keys a trace), ``_wb_tensor_fields()`` and
    ``_wb_with_tensor_fields(parts)``."""
    global _BOUND_BY_PARTS
    if cls not in _BOUND_BY_PARTS:
        _BOUND_BY_PARTS = (*_BOUND_BY_PARTS, cls)
    _install_in_function()


def _install_in_function():
    # wb.function (a lower layer) binds ExtensionType arguments through this module
    from .compiler import api   # (the compiler loads after the classes users define depend on this module)
    api.ARGUMENTS.expander = sys.modules[__name__]


def flat_specs(signature) -> list:
    """The leaves of an input signature with each ExtensionType spec as the specs of its tensor
    fields, in the order ``expand_arguments`` binds the tensors."""
    out = []
    for s in nest.flatten(signature):
        if isinstance(s, ExtensionTypeSpec):
            out.extend(flat_specs([v for _, v in s._field_values() if _has_specs(v)]))
        elif hasattr(s, "_wb_component_specs"):   # another spec bound by parts (PerReplicaSpec)
            out.extend(flat_specs(list(s._wb_component_specs())))
        else:
            out.append(s)
    return out


def _has_specs(v) -> bool:
    if isinstance(v, (tuple, ImmutableDict)):
        return any(_has_specs(x) for x in (v.values() if isinstance(v, ImmutableDict) else v))
    return hasattr(v, "is_compatible_with") and not isinstance(v, TensorShape)


def has_extension_types(structure) -> bool:
    return any(isinstance(v, ExtensionType) for v in nest.flatten(structure))


def batch(leaves, batch_elements, mode):
    """ExtensionTypes of one type batched field by field (``Dataset.batch``): each tensor field
    stacks as ``batch_elements`` stacks tensors; other fields are the first element's."""
    first = leaves[0]
    if any(type(x) is not type(first) for x in leaves):
        raise ValueError(f"batch: elements mix {type(first).__name__} and other values")
    fields = batch_elements([x._wb_tensor_fields() for x in leaves], mode)
    return _rebatched(first._wb_with_tensor_fields(list(fields)), batched=True)


def _hashable(v):
    if isinstance(v, collections.abc.Mapping):
        return ("mapping", tuple(sorted((repr(k), _hashable(x)) for k, x in v.items())))
    if isinstance(v, (tuple, list)):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, TensorShape):
        return ("shape", None if v.rank is None else tuple(v.as_list()))
    return v


# -- the types -------------------------------------------------------------------------------------

class _Field(typing.NamedTuple):
    name: str
    value_type: object
    default: object


class ExtensionTypeSpec:
    """The spec of an ExtensionType (TF's ``tf.experimental.ExtensionTypeSpec``): its fields with
    TensorSpecs (and the specs of composite fields) in place of tensors. Each ExtensionType has
    its own subclass, ``MaskedTensor.Spec``.

    >>> MaskedTensor.Spec(values=wb.TensorSpec([None], wb.int32), mask=wb.TensorSpec([None], wb.bool))
    MaskedTensor.Spec(values=TensorSpec(shape=(None,), dtype=wb.int32, name=None), mask=TensorSpec(...))
    """

    value_type = None
    _wb_expanded_spec = True   # wb.function binds a value of this spec tensor by tensor

    def __init__(self, *args, **kwargs):
        cls = self.value_type
        if cls is None:
            raise TypeError("ExtensionTypeSpec is abstract: use the Spec of an ExtensionType (MaskedTensor.Spec)")
        bound = cls._wb_signature.bind(*args, **kwargs)
        for f in cls._wb_fields:
            if f.name in bound.arguments:
                v = _convert(bound.arguments[f.name], f.value_type, f.name, spec=True)
            else:
                v = _spec_of(f.default)
            object.__setattr__(self, f.name, v)

    @classmethod
    def from_value(cls, value):
        """The spec of ``value``."""
        return value._type_spec

    @classmethod
    def _wb_from_fields(cls, fields):
        """A spec with these fields (already specs), without ``__init__`` (which a user's Spec
        may define with other parameters)."""
        self = object.__new__(cls)
        for f in cls.value_type._wb_fields:
            object.__setattr__(self, f.name, fields[f.name])
        return self

    def _field_values(self):
        return [(f.name, getattr(self, f.name)) for f in self.value_type._wb_fields]

    def __setattr__(self, name, value):
        if self.__dict__.get("_wb_building"):
            object.__setattr__(self, name, value)
            return
        raise AttributeError(f"Cannot mutate attribute `{name}` outside the custom constructor of ExtensionTypeSpec.")

    def __repr__(self):
        parts = ", ".join(f"{k}={dict(v) if isinstance(v, ImmutableDict) else v!r}" for k, v in self._field_values())
        return f"{self.value_type.__name__}.Spec({parts})"

    def __eq__(self, other):
        return type(other) is type(self) and _hashable(self._field_values()) == _hashable(other._field_values())

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self), _hashable(self._field_values())))

    def is_compatible_with(self, spec_or_value) -> bool:
        """Whether ``spec_or_value`` (a spec or a value) fits this spec: the same type, tensor
        shapes compatible and dtypes equal, other fields equal."""
        other = spec_or_value
        if isinstance(other, ExtensionType):
            other = other._type_spec
        if type(other) is not type(self):
            return False
        return all(_compatible(a, b) for (_, a), (_, b) in zip(self._field_values(), other._field_values()))

    def _to_components(self, value):
        out = []
        _leaves(value, out, differentiable=False)
        return out

    def _from_components(self, components):
        return _rebuild(example_of(self), iter(components), differentiable=False)


def _compatible(a, b) -> bool:
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_compatible(x, y) for x, y in zip(a, b))
    if isinstance(a, ImmutableDict) and isinstance(b, ImmutableDict):
        return set(a) == set(b) and all(_compatible(a[k], b[k]) for k in a)
    if hasattr(a, "is_compatible_with") and not isinstance(a, TensorShape):
        return type(a) is type(b) and a.is_compatible_with(b)
    return _hashable(a) == _hashable(b)


def example_of(spec):
    """A value of ``spec`` (zeros; size 1 where a dimension is open), to rebuild parts into."""
    if isinstance(spec, TensorSpec):
        shape = () if spec.shape.rank is None else tuple(1 if d is None else d for d in spec.shape)
        return core.wrap(np.zeros(shape, spec.dtype.as_numpy_dtype))
    if isinstance(spec, ExtensionTypeSpec):
        fields = {k: example_of(v) for k, v in spec._field_values()}
        return spec.value_type._wb_from_fields(fields)
    if hasattr(spec, "_wb_component_specs"):   # another spec bound by parts (PerReplicaSpec)
        return spec.value_type([example_of(v) for v in spec._wb_component_specs()])
    if isinstance(spec, tuple) and not isinstance(spec, TensorShape):
        return tuple(example_of(v) for v in spec)
    if isinstance(spec, ImmutableDict):
        return ImmutableDict({k: example_of(v) for k, v in spec.items()})
    return spec


def _fields_of(cls):
    hints = {}
    for klass in reversed(cls.__mro__):
        if not (isinstance(klass, type) and issubclass(klass, ExtensionType)) or klass.__module__ == __name__:
            continue
        own = klass.__dict__.get("__annotations__", {})
        try:
            resolved = typing.get_type_hints(klass)
        except Exception:   # noqa: BLE001 (unresolvable forward references: take them as written)
            resolved = own
        for name in own:
            tp = resolved.get(name, own[name])
            if typing.get_origin(tp) is typing.ClassVar:
                continue
            hints[name] = tp
        for name, value in klass.__dict__.items():
            if name.startswith("__") or name.startswith("_wb_") or name in own or name == "Spec":
                continue
            if callable(value) or hasattr(value, "__get__"):
                continue   # methods, properties, class and static methods
            raise ValueError(f"The field annotations for {cls.__name__} are invalid. Field {name} is "
                             "missing a type annotation.")
    fields = []
    for name, tp in hints.items():
        _check_annotation(tp, name)
        default = _NO_DEFAULT
        for klass in cls.__mro__:
            if name in klass.__dict__:
                default = _convert(klass.__dict__[name], tp, f"default value for {name}", spec=False)
                break
        fields.append(_Field(name, tp, default))
    return tuple(fields)


class ExtensionType(core.CompositeTensor):
    """A user type whose fields are declared by class annotations (TF's
    ``tf.experimental.ExtensionType``); see the module's docstring."""

    __wb_extension__ = True
    _wb_fields: typing.ClassVar[tuple] = ()
    __hash__ = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__ != __name__:
            _install_in_function()
        cls._wb_fields = _fields_of(cls)
        cls._wb_signature = inspect.Signature([
            inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=f.default)
            for f in cls._wb_fields])
        own_init = cls.__dict__.get("__init__")
        cls.__init__ = _generated_init if own_init is None else _wrap_init(own_init)
        base = next((k.Spec for k in cls.__mro__[1:] if isinstance(k.__dict__.get("Spec"), type)),
                    _BatchableSpec if getattr(cls, "_wb_batchable", False) else ExtensionTypeSpec)
        user = cls.__dict__.get("Spec")
        if isinstance(user, type):
            spec = user if issubclass(user, ExtensionTypeSpec) else type("Spec", (user, base), {})
            if "__init__" in user.__dict__:
                spec.__init__ = _wrap_spec_init(user.__dict__["__init__"])
        else:
            spec = type("Spec", (base,), {})
        spec.__qualname__ = f"{cls.__qualname__}.Spec"
        spec.__module__ = cls.__module__
        spec.value_type = cls
        cls.Spec = spec

    @classmethod
    def _wb_from_fields(cls, fields):
        """A value with these (already converted) fields, without ``__init__`` or validation."""
        self = object.__new__(cls)
        self.__dict__.update(fields)
        return self

    def _wb_finish(self):
        for f in type(self)._wb_fields:
            self.__dict__[f.name] = _convert(self.__dict__[f.name], f.value_type, f.name, spec=False)
        validate = getattr(self, "__validate__", None)
        if validate is not None:
            validate()

    def __setattr__(self, name, value):
        if self.__dict__.get("_wb_building"):
            object.__setattr__(self, name, value)
            return
        raise AttributeError(f"Cannot mutate attribute `{name}` outside the custom constructor of ExtensionType.")

    def __delattr__(self, name):
        raise AttributeError(f"Cannot mutate attribute `{name}` outside the custom constructor of ExtensionType.")

    def __repr__(self):
        parts = ", ".join(f"{f.name}={self.__dict__[f.name]!r}" for f in type(self)._wb_fields)
        return f"{type(self).__name__}({parts})"

    def __eq__(self, other):
        """TF's ``==``: ``False`` for another type or spec, else a boolean scalar tensor, true
        where every tensor of the two values is equal."""
        if type(other) is not type(self) or self._type_spec != other._type_spec:
            return False
        mine, theirs = [], []
        _leaves(self, mine, False)
        _leaves(other, theirs, False)
        if any(a.shape != b.shape for a, b in zip(mine, theirs)):
            return False
        same = all(bool(np.all(backend.to_numpy(a._data) == backend.to_numpy(b._data)))
                   for a, b in zip(mine, theirs))
        return core.wrap(np.asarray(same))

    def __ne__(self, other):
        eq = self.__eq__(other)
        return (not eq) if isinstance(eq, bool) else core.wrap(np.asarray(not bool(backend.to_numpy(eq._data))))

    @property
    def _type_spec(self):
        return type(self).Spec._wb_from_fields({f.name: _spec_of(self.__dict__[f.name]) for f in type(self)._wb_fields})

    @staticmethod
    def __wb_elementwise__(fn, args, kwargs):
        # an elementwise op no dispatch target serves: TF's conversion error
        v = next(a for a in args if getattr(a, "__wb_extension__", False))
        raise ValueError(f"Attempt to convert a value ({v!r}) with an unsupported type ({type(v)}) to a Tensor.")

    # -- composite protocol ----------------------------------------------------------------
    def _spec(self):
        return self._type_spec

    def components(self) -> list:
        out = []
        _leaves(self, out, differentiable=True)
        return out

    def from_components(self, parts):
        return _rebuild(self, iter(parts), differentiable=True)

    def structure_key(self):
        return (type(self), self._type_spec)

    def _wb_static_key(self):
        return (type(self), tuple((f.name, _has_tensors(self.__dict__[f.name]) or _hashable(self.__dict__[f.name]))
                                  for f in type(self)._wb_fields))

    def _wb_tensor_fields(self):
        """The fields that hold tensors (the ones ``tf.data`` slices and batches), as a tuple."""
        return tuple(self.__dict__[f.name] for f in type(self)._wb_fields if _has_tensors(self.__dict__[f.name]))

    def _wb_with_tensor_fields(self, parts):
        fields, it = dict(self.__dict__), iter(parts)
        fields.pop("_wb_building", None)
        for f in type(self)._wb_fields:
            old = self.__dict__[f.name]
            if _has_tensors(old):
                new = next(it)
                fields[f.name] = ImmutableDict(new) if isinstance(old, ImmutableDict) else new
        return type(self)._wb_from_fields(fields)

    def _wb_nest_components(self):
        """Every tensor of the fields (``nest``'s expanded view, TF's order)."""
        out = []
        _leaves(self, out, differentiable=False)
        return out

    def _wb_rebuild(self, parts):
        """This value with every tensor of its fields (``nest``'s expanded view) from ``parts``."""
        return _rebuild(self, iter(parts), differentiable=False)


def _generated_init(self, *args, **kwargs):
    bound = type(self)._wb_signature.bind(*args, **kwargs)
    bound.apply_defaults()
    self.__dict__.update(bound.arguments)
    self._wb_finish()


def _run_user_init(self, user_init, fields, args, kwargs):
    """Run a user's ``__init__`` (which sets fields as attributes) and check that it set every
    field without a default."""
    self.__dict__["_wb_building"] = True
    try:
        user_init(self, *args, **kwargs)
    finally:
        del self.__dict__["_wb_building"]
    missing = {f.name for f in fields if f.name not in self.__dict__ and f.default is _NO_DEFAULT}
    if missing:
        raise ValueError(f"Missing required fields: {missing}")


def _wrap_init(user_init):
    def __init__(self, *args, **kwargs):
        _run_user_init(self, user_init, type(self)._wb_fields, args, kwargs)
        for f in type(self)._wb_fields:
            self.__dict__.setdefault(f.name, f.default)
        self._wb_finish()
    __init__.__wrapped__ = user_init
    __init__.__doc__ = user_init.__doc__
    return __init__


def _wrap_spec_init(user_init):
    """A user's ``Spec.__init__`` (TF's custom spec constructor): it sets the fields, which are
    then checked as ``Spec(**fields)`` checks them."""
    def __init__(self, *args, **kwargs):
        cls = self.value_type
        _run_user_init(self, user_init, cls._wb_fields, args, kwargs)
        for f in cls._wb_fields:
            if f.name in self.__dict__:
                v = _convert(self.__dict__[f.name], f.value_type, f.name, spec=True)
            else:
                v = _spec_of(f.default)
            object.__setattr__(self, f.name, v)
    __init__.__wrapped__ = user_init
    __init__.__doc__ = user_init.__doc__
    return __init__


class _BatchableSpec(ExtensionTypeSpec):
    def _batch(self, batch_size):
        return _map_specs(self, lambda s: TensorSpec([batch_size, *s.shape], s.dtype),
                          lambda t: _shape_field(t, batch_size, True))

    def _with_unknown_batch(self):
        return _map_specs(self, lambda s: TensorSpec([None, *list(s.shape)[1:]], s.dtype),
                          lambda t: _shape_field(_shape_field(t, None, False), None, True))

    def _unbatch(self):
        return _map_specs(self, lambda s: TensorSpec(list(s.shape)[1:], s.dtype),
                          lambda t: _shape_field(t, None, False))


class BatchableExtensionType(ExtensionType):
    """An ExtensionType whose values batch and unbatch along their tensor fields' first
    dimension (TF's ``tf.experimental.BatchableExtensionType``)."""

    _wb_batchable: typing.ClassVar[bool] = True


def _map_specs(v, fn, shape_fn=lambda t: t):
    """``v`` with ``fn`` applied to its TensorSpecs (``shape_fn`` to the TensorShape fields of
    batchable ExtensionType specs)."""
    if isinstance(v, TensorSpec):
        return fn(v)
    if isinstance(v, ExtensionTypeSpec):
        batchable = isinstance(v, _BatchableSpec)
        return type(v)._wb_from_fields({k: shape_fn(x) if batchable and isinstance(x, TensorShape)
                                        else _map_specs(x, fn, shape_fn) for k, x in v._field_values()})
    if isinstance(v, tuple) and not isinstance(v, TensorShape):
        return tuple(_map_specs(x, fn, shape_fn) for x in v)
    if isinstance(v, ImmutableDict):
        return ImmutableDict({k: _map_specs(x, fn, shape_fn) for k, x in v.items()})
    return v


_BOUND_BY_PARTS = (ExtensionType,)   # the types wb.function binds tensor by tensor
