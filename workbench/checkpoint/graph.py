"""The object graph: what a checkpoint saves and what a ``wb.Module`` owns, found by one walk.

An object takes part by implementing :class:`Trackable`: it names its children
(``_trackable_children``), and may save arrays of its own, hold values for
variables it has not created yet, or keep optimizer slots. ``wb.Module``,
``wb.Checkpoint``, the optimizers, datasets (no children: they hold no variables) and
dataset iterators implement it; an object may also implement it without subclassing (``probability``'s
``TransformedVariable`` names its children). Containers (lists, tuples, dicts) are
walked through; any other object is walked through its attributes (or its
``variables_by_path()``) by a checkpoint, never by a module.

The walk is deterministic (attributes and dict keys in sorted order) and reports
each variable and object once, at the first path that reaches it::

    >>> [p for p, obj, _ in walk({"model": model, "optimizer": opt}, every=True)]
    ['model', 'model/dense', 'model/dense/bias', 'model/dense/kernel', 'optimizer', ...]
"""

from __future__ import annotations

import queue
import threading
import types
from typing import NamedTuple

import numpy as np

from ..core import Tensor, Variable

SLOT_MARK = ".OPTIMIZER_SLOT"


class Trackable:
    """The checkpoint protocol.

    ``_trackable_children()``
        ``{name: child}`` (or ``(name, child)`` pairs) in a deterministic order: the
        variables, trackables and containers below this object. A child's path is
        ``<this path>/<name>``.
    ``_checkpoint_arrays()`` and ``_prepare_restore(arrays)`` (optional, together)
        ``{name: array}`` of a state that is not a Variable (a dataset iterator's
        position), saved under this object's path; ``_prepare_restore`` checks the saved
        arrays and returns ``install()`` (with ``install.cancel()``), so a restore assigns
        nothing until everything has been checked.
    ``_defer_restore(path, value)`` (optional)
        holds a checkpoint value for the variable at ``path`` below this object until the
        variable is created, then calls ``value.restore_into(variable)`` (deferred
        restoration of lazily built layers). ``built`` True means every variable exists.
    ``_slot_items()``, ``_active_slot_names()``, ``_defer_slot_restore(var, name, array)``
        (optional, together) an optimizer's slot variables, for the checkpoints written
        before optimizers keyed them as Keras 3 does (``_variables/<i>``): there they were
        saved under the path of the variable they belong to
        (``<var path>/.OPTIMIZER_SLOT/<optimizer path>/<slot>``), which a restore still reads.
    ``_tracked_by_modules``
        whether a module holding this object owns its variables (modules and
        variable-like objects do; an optimizer, an iterator or a Checkpoint held by a
        module is not part of it). Below such an object a checkpoint follows only what
        modules follow.
    ``_trackable_frozen()``
        True when the variables below are not trainable (a module with ``trainable``
        off).
    """

    _tracked_by_modules = True
    _checkpoint_arrays = None
    _prepare_restore = None
    _defer_restore = None
    _slot_items = None

    def _trackable_children(self):
        return {}

    def _trackable_frozen(self) -> bool:
        return False


class _Kind(NamedTuple):
    """What an object's class implements of the protocol (read once per class)."""
    trackable: bool     # has children: walked by modules and checkpoints
    declared: bool      # subclasses Trackable
    stateful: bool      # saves arrays of its own
    deferrable: bool    # holds values for variables not created yet
    slots: bool         # keeps optimizer slots
    owned: bool         # a module holding it owns its variables
    by_path: bool       # a plain object that lists its variables (``variables_by_path()``)
    opaque: bool        # never walked into (values, functions, threads)


_KINDS: dict = {}


def kind_of(cls) -> _Kind:
    kind = _KINDS.get(cls)
    if kind is None:
        has = lambda name: callable(getattr(cls, name, None))  # noqa: E731
        stateful = has("_checkpoint_arrays") and has("_prepare_restore")
        trackable = has("_trackable_children") or stateful
        kind = _KINDS[cls] = _Kind(
            trackable=trackable, declared=issubclass(cls, Trackable), stateful=stateful,
            deferrable=has("_defer_restore"),
            slots=has("_slot_items") and has("_defer_slot_restore"),
            owned=bool(getattr(cls, "_tracked_by_modules", True)),
            by_path=not trackable and has("variables_by_path"), opaque=issubclass(cls, _OPAQUE))
    return kind


# never walked into: values, functions, classes, and the machinery of threads
_OPAQUE = (str, bytes, int, float, complex, bool, type(None), np.ndarray, np.generic, Tensor,
           types.ModuleType, type, types.FunctionType, types.MethodType, types.BuiltinFunctionType,
           threading.Thread, threading.Event, threading.Condition, threading.Semaphore,
           threading.Barrier, queue.Queue)


def _join(path, name):
    return f"{path}/{name}" if path else str(name)


def _sorted_items(d):
    try:
        keys = sorted(d)
    except TypeError:  # mixed key types: fall back to their text
        keys = sorted(d, key=str)
    return [(k, d[k]) for k in keys]


def walk(root, *, every, into=True, aliases=None):
    """Yield ``(path, obj, trainable)`` for every Variable and trackable object below ``root``
    (a trackable or a container), each once, at its first path.

    ``every=False`` is a module's walk: it enters only what modules own (sub-modules,
    variable-like objects). ``every=True`` is a checkpoint's: it also enters optimizers,
    iterators, checkpoints and plain objects, and follows what modules follow below a
    module. ``into=False`` reports the trackables below ``root`` without entering them.
    ``trainable`` is False below a frozen module.
    """
    seen = {id(root): root}   # id -> object: keeps temporaries alive, so ids are not reused
    if isinstance(root, (dict, list, tuple)):
        items = _sorted_items(root) if isinstance(root, dict) else enumerate(root)
        trainable = True
    else:
        items = _children(root)
        kind = kind_of(type(root))
        every = every and not kind.owned
        trainable = not (kind.declared and root._trackable_frozen())
    aliases = None if aliases is None else (aliases, {})   # (later path -> first, id -> first path)
    for name, child in items:
        yield from _walk(child, _join("", name), seen, every, trainable, into, aliases)


def _children(obj):
    children = obj._trackable_children()
    return children.items() if isinstance(children, dict) else children


def _walk(value, path, seen, every, trainable, into, aliases=None):
    if isinstance(value, Variable):
        if id(value) not in seen:
            seen[id(value)] = value
            if aliases is not None:
                aliases[1][id(value)] = path
            yield path, value, trainable
        elif aliases is not None and id(value) in aliases[1]:
            aliases[0].setdefault(path, aliases[1][id(value)])
        return
    if id(value) in seen:
        return
    if isinstance(value, dict):
        seen[id(value)] = value
        items = _sorted_items(value)
    elif isinstance(value, (list, tuple)):
        seen[id(value)] = value
        items = enumerate(value)
    else:
        kind = kind_of(type(value))
        if not kind.trackable:
            if every and not kind.opaque:
                seen[id(value)] = value
                yield from _walk_plain(value, kind, path, seen, trainable, aliases)
            return
        if not (every or kind.owned):
            return
        seen[id(value)] = value
        yield path, value, trainable
        if not into or kind.stateful:
            return
        every = every and not kind.owned
        trainable = trainable and not (kind.declared and value._trackable_frozen())
        items = _children(value)
    for name, child in items:
        yield from _walk(child, _join(path, name), seen, every, trainable, into, aliases)


def _walk_plain(obj, kind, path, seen, trainable, aliases=None):
    """A plain object in a checkpoint: its ``variables_by_path()``, else its attributes."""
    if kind.by_path:
        for sub, var in obj.variables_by_path().items():
            if not isinstance(var, Variable):
                raise TypeError(f"checkpoint: {type(obj).__name__}.variables_by_path() returned "
                                f"{type(var).__name__} for '{sub}', expected a wb.Variable")
            yield from _walk(var, _join(path, sub), seen, True, trainable, True, aliases)
    elif hasattr(obj, "__dict__"):
        for name, child in sorted(vars(obj).items()):
            yield from _walk(child, _join(path, name), seen, True, trainable, True, aliases)


class Collected:
    """What a checkpoint of ``root`` holds: variables, slots, iterators and the modules that
    can wait for variables they have not created yet."""

    def __init__(self, root):
        self.variables: dict = {}   # path -> Variable
        self.path_of: dict = {}     # id(Variable) -> path
        self.optimizers: list = []  # (path, optimizer)
        self.stateful: dict = {}    # path -> object saving arrays (a dataset iterator)
        self.deferrable: dict = {}  # path -> object that can hold values for variables it lacks
        self.root_holder = None     # the Checkpoint that holds values no object below can take
        found = {}
        for path, obj, _ in walk(root, every=True, aliases=found):
            if isinstance(obj, Variable):
                self.path_of[id(obj)] = path
                self.variables[path] = obj
                continue
            kind = kind_of(type(obj))
            if kind.stateful:
                self.stateful[path] = obj
            if kind.slots:
                self.optimizers.append((path, obj))
            if kind.deferrable:
                self.deferrable[path] = obj
        # {later path: first path} of the variables reached by more than one path
        self.aliases: dict = found

    def legacy_slot_paths(self):
        """``{path of a slot: the path checkpoints written before saved it under}``
        (``<var path>/.OPTIMIZER_SLOT/<optimizer path>/<slot>``) for every slot whose variable
        is tracked."""
        out = {}
        for opt_path, opt in self.optimizers:
            for var, slot_name, slot in opt._slot_items():
                var_path, slot_path = self.path_of.get(id(var)), self.path_of.get(id(slot))
                if var_path is not None and slot_path is not None:
                    out[slot_path] = f"{var_path}/{SLOT_MARK}/{opt_path}/{slot_name}"
        return out

    def saved(self):
        """``{path: Variable or array}``: what a save writes."""
        out = dict(self.variables)
        for path, obj in self.stateful.items():
            for key, arr in obj._checkpoint_arrays().items():
                out[f"{path}/{key}"] = np.asarray(arr)
        return out

    def holder_of(self, path):
        """``(holder path, holder)`` of the deepest object on ``path`` that can hold a value for a
        variable it has not created yet (a module), or None.

        None too when that module is built: its variables all exist, so a value with no
        variable there is unused rather than waiting (modules without a ``built`` flag may
        still create variables and keep the value). With no such object on the path, the
        root checkpoint (``root_holder``) holds the value, for a variable attached later."""
        parts = path.split("/")
        for k in range(len(parts) - 1, -1, -1):
            prefix = "/".join(parts[:k])
            holder = self.deferrable.get(prefix)
            if holder is not None:
                return None if getattr(holder, "built", False) else (prefix, holder)
        return None if self.root_holder is None else ("", self.root_holder)


def parse_slot_path(path):
    """``(variable path, optimizer path, slot name)`` of a slot entry, or None."""
    mark = f"/{SLOT_MARK}/"
    if mark not in path:
        return None
    var_path, rest = path.split(mark, 1)
    opt_path, _, slot_name = rest.rpartition("/")
    return var_path, opt_path, slot_name
