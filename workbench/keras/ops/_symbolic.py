"""``keras.ops`` on symbolic tensors: each public op is wrapped once so that a call with a
``wb.keras.Input`` (or a tensor made from one) among its arguments records a node of the
functional graph instead of running, as Keras 3's ops do on a KerasTensor.

The wrapper's test is a type check of the top-level arguments (and of the items of a list or
tuple argument, for ``concatenate``/``stack``), so eager calls stay as fast as before. The
symbolic tensor type and the recording function are registered by ``workbench.keras.functional``
(which sits above the ops), through :func:`register`.
"""

from __future__ import annotations

import functools
import types

__all__ = ["register", "symbolic_aware", "wrap_activations", "wrap_names"]

_RECORD = None          # record(fn, name, args, kwargs) -> symbolic outputs


class _Unset:
    """Stands for the symbolic tensor class until functional registers it (nothing is one)."""


_SYMBOLIC = _Unset      # the symbolic tensor class (set by register)


def register(symbolic_type, record):
    """Set the symbolic tensor class and the function that records an op call on it."""
    global _SYMBOLIC, _RECORD
    _SYMBOLIC = symbolic_type
    _RECORD = record


def _in_list(items):
    for v in items:
        if type(v) is _SYMBOLIC:
            return True
    return False


def _in_kwargs(kwargs):
    for a in kwargs.values():
        t = type(a)
        if t is _SYMBOLIC or ((t is list or t is tuple) and _in_list(a)):
            return True
    return False


def symbolic_aware(fn, name=None):
    """``fn`` wrapped so that a call on symbolic tensors is recorded as the op ``name``."""
    op_name = name or fn.__name__

    @functools.wraps(fn)
    def op(*args, **kwargs):
        for a in args:   # a type test per argument: eager calls pay next to nothing
            t = type(a)
            if t is _SYMBOLIC or ((t is list or t is tuple) and _in_list(a)):
                return _RECORD(fn, op_name, args, kwargs)
        if kwargs and _in_kwargs(kwargs):
            return _RECORD(fn, op_name, args, kwargs)
        return fn(*args, **kwargs)

    op._wb_eager = fn
    return op


_WRAPPED: dict = {}     # id(function) -> (function, its wrapper): one wrapper per function


def wrap_names(module, names):
    """Replace each function ``module.<name>`` by its :func:`symbolic_aware` form; a function that
    several modules hold (``core.convert_to_tensor`` is ``numpy``'s) gets one wrapper."""
    for name in names:
        fn = getattr(module, name, None)
        if not isinstance(fn, types.FunctionType) or hasattr(fn, "_wb_eager"):
            continue
        known = _WRAPPED.get(id(fn))
        if known is None or known[0] is not fn:
            known = _WRAPPED[id(fn)] = (fn, symbolic_aware(fn, name))
        setattr(module, name, known[1])


def wrap_activations(namespace, names, by_name, name_of):
    """Make the activations ``namespace[name]`` symbolic-aware (recorded as the op
    ``"activations.<name>"``, unless a function is a ``keras.ops`` op already), and point the
    ``by_name`` table (name -> function) at the new functions; ``name_of`` (id -> name) learns
    their ids while keeping those of the plain functions (``wb.nn.relu`` still serializes as
    ``"relu"``)."""
    done = {}
    for name in names:
        fn = namespace.get(name)
        if not isinstance(fn, types.FunctionType) or hasattr(fn, "_wb_eager"):
            continue
        if id(fn) not in done:
            done[id(fn)] = symbolic_aware(fn, f"activations.{name}")
        namespace[name] = done[id(fn)]
    for key, fn in list(by_name.items()):
        wrapped = done.get(id(fn))
        if wrapped is not None:
            by_name[key] = wrapped
            name_of.setdefault(id(wrapped), name_of.get(id(fn), key))
