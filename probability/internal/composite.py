"""Distributions and bijectors as composite values (TFP's ``AutoCompositeTensor``), so that one
built inside a ``wb.function`` comes out of it: its components are the tensors among its
parameters (those of the distributions, bijectors, linear operators and kernels among them too,
and in lists, tuples and dicts), and ``from_components`` builds the same family again from its
parameters with other tensors in their places.

Only objects made while a function is traced, or given to ``as_composite``, become composite (a
subclass of their own class and ``core.CompositeTensor``); eager ones stay plain objects."""

from __future__ import annotations

from workbench import core

__all__ = ["as_composite_instance", "make_composite_if_traced", "plain_class"]

_classes: dict = {}


def _parameters(value):
    """The constructor arguments of a parameterized object (a distribution, bijector, linear
    operator or kernel), else None."""
    if isinstance(value, type):
        return None
    params = getattr(value, "_parameters", None)
    return params if isinstance(params, dict) else None


def _collect(value, out):
    if isinstance(value, core.Tensor):
        out.append(value)
    elif isinstance(value, dict):
        for k in sorted(value, key=str):
            _collect(value[k], out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect(v, out)
    else:
        params = _parameters(value)
        if params is not None:
            _collect(params, out)


def _rebuild(value, parts):
    """``value`` with each tensor inside it replaced by the next of ``parts`` (an iterator);
    objects holding no tensor are kept as they are."""
    if isinstance(value, core.Tensor):
        return next(parts)
    if isinstance(value, dict):
        new = {k: _rebuild(value[k], parts) for k in sorted(value, key=str)}
        return type(value)((k, new[k]) for k in value)
    if isinstance(value, (list, tuple)):
        items = [_rebuild(v, parts) for v in value]
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            return type(value)(*items)
        return type(value)(items)
    params = _parameters(value)
    if params is None or not _holds_tensors(params):
        return value
    return type(value)(**_rebuild(params, parts))


def _holds_tensors(value):
    out = []
    _collect(value, out)
    return bool(out)


class _Composite(core.CompositeTensor):
    """The composite side of a distribution or bijector class (mixed in after it)."""

    __slots__ = ()
    __wb_dispatch__ = False      # ops given a distribution fail as they did, not through dispatch

    def components(self):
        out = []
        _collect(self._parameters, out)
        return out

    def from_components(self, parts):
        return type(self)(**_rebuild(self._parameters, iter(list(parts))))

    def structure_key(self):
        # by identity: two objects share a trace only when they are the same object
        return (type(self).__name__, id(self))


def _composite_class(cls):
    composite = _classes.get(cls)
    if composite is None:
        composite = type(cls.__name__, (cls, _Composite), {"__module__": cls.__module__,
                                                           "__qualname__": cls.__qualname__})
        _classes[cls] = composite
    return composite


def as_composite_instance(obj):
    """``obj`` itself, its class made composite (in place)."""
    if not isinstance(obj, core.CompositeTensor):
        obj.__class__ = _composite_class(type(obj))
    return obj


def make_composite_if_traced(obj):
    """Make ``obj`` composite when a ``wb.function`` is being traced (what it returns must
    carry its tensors out)."""
    if core.tracing() and not isinstance(obj, core.CompositeTensor):
        obj.__class__ = _composite_class(type(obj))


def plain_class(cls):
    """The class a composite class was made from (``cls`` itself for any other)."""
    return cls.__bases__[0] if issubclass(cls, _Composite) and _classes.get(cls.__bases__[0]) is cls else cls
