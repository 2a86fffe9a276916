"""``wb.Module``: a container of variables and sub-modules, TF's ``tf.Module``.

Variables and modules are found through attributes, and through lists,
tuples and dicts held in attributes, recursively, by the walk checkpoints use
(``workbench.checkpoint.graph``): a module is a ``Trackable`` whose children are
its attributes. The walk is deterministic (attributes and dict keys in sorted
order) and each object is reported once, at the first path that reaches it.

>>> class Affine(wb.Module):
...     def __init__(self):
...         super().__init__()
...         with self.name_scope:
...             self.w = wb.Variable([[1.0], [2.0]], name="w")
...         self.b = wb.Variable([0.0], name="b")
>>> m = Affine()
>>> [v.name for v in m.trainable_variables]
['b:0', 'affine/w:0']
>>> list(m.variables_by_path())
['b', 'w']
"""

from __future__ import annotations

import functools
import html
import re

import numpy as np

from .checkpoint.graph import Trackable, walk
from . import core
from .core import Variable

__all__ = ["Module"]

# The names of the modules whose name scopes are active (innermost last); Keras layers read it
# to know whether their own scope is already open.
_scope_stack: list = []


def _snake_case(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()
    return s.lstrip("_") or "module"


class _NameScope:
    """A module's name scope, TF's ``tf.Module.name_scope``: a re-entrant context that opens the
    name scope ``name`` inside the current one (``wb.name_scope``'s), so that variables created
    in it are named ``"mlp/b:0"``; entering it gives the scope, ``"mlp/"``.

    The scope nests in the scopes open where it is entered (TF fixes a module's scope where the
    module is made; the two agree for a module used where it was made or inside its parent)."""

    __slots__ = ("_name", "_base", "_prev")

    def __init__(self, name):
        self._name = name
        self._base = core.name_scope_prefix()   # the scope where it was made, for ``name``
        self._prev: list = []

    def __enter__(self):
        _scope_stack.append(self._name)
        scope = core.name_scope_prefix() + self._name + "/"
        self._prev.append(core.set_name_scope_prefix(scope))
        return scope

    def __exit__(self, *exc):
        core.set_name_scope_prefix(self._prev.pop())
        _scope_stack.pop()
        return False

    @property
    def name(self) -> str:
        """The scope's name, as TF's: ``"mlp/"`` (inside the scopes open where it was made)."""
        return self._base + self._name + "/"


def current_scope_name(name: str) -> str:
    """``name`` in the active name scopes, ``"model/dense/kernel"`` (a :class:`core.ScopedName`:
    a Variable created with it is named so, not prefixed again)."""
    return core.ScopedName(core.name_scope_prefix() + name)


class Module(Trackable):
    """Base class for models and layers: owns variables and sub-modules.

    Attributes whose names appear in ``_MODULE_IGNORED`` (graph bookkeeping,
    back-references) are not walked.
    """

    _MODULE_IGNORED = frozenset()

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        # a checkpoint restored before this module built its variables waits for them here
        if (self.__dict__.get("_pending_restores") and name not in type(self)._MODULE_IGNORED
                and (name == "built" or isinstance(value, (Variable, Module, list, tuple, dict)))):
            self._resolve_restores()

    def __init__(self, name=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: name must be a string, got {type(name).__name__}")
        self._name = name or _snake_case(type(self).__name__)
        self._name_scope = _NameScope(self._name)

    # -- names --------------------------------------------------------------
    @property
    def name(self) -> str:
        return getattr(self, "_name", None) or _snake_case(type(self).__name__)

    @property
    def name_scope(self):
        """TF's ``tf.Module.name_scope``: a context manager opening this module's name scope;
        variables created inside it are named under the module (``"mlp/b:0"``)."""
        scope = getattr(self, "_name_scope", None)
        if scope is None:
            scope = self._name_scope = _NameScope(self.name)
        return scope

    @classmethod
    def with_name_scope(cls, method):
        """Decorator (TF's ``tf.Module.with_name_scope``): ``method`` runs inside its module's
        :attr:`name_scope`, so the variables it makes are named under the module.

        >>> class Scale(wb.Module):
        ...     @wb.Module.with_name_scope
        ...     def __call__(self, x):
        ...         return x * 2.0
        >>> float(Scale()(wb.constant(1.5)))
        3.0
        """
        if not callable(method):
            raise TypeError(f"Module.with_name_scope: expected a method, got {method!r}")

        @functools.wraps(method)
        def scoped(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        return scoped

    @staticmethod
    def scoped_name(name: str) -> str:
        """``name`` prefixed with the active name scopes (``"my_module/w"`` inside a module's
        :attr:`name_scope`); a Variable given it takes it as it is."""
        return current_scope_name(name)

    # -- the walk -------------------------------------------------------------
    def _own_entries(self):
        """``(path_segment, value)`` pairs to walk, in a deterministic order."""
        ignored = self._MODULE_IGNORED
        d = vars(self)
        return [(k, d[k]) for k in sorted(d)
                if k not in ignored and k not in ("_name", "_name_scope", "_pending_restores")]

    # -- the checkpoint protocol ---------------------------------------------------
    def _trackable_children(self):
        return self._own_entries()

    def _trackable_frozen(self) -> bool:
        return not getattr(self, "trainable", True)

    def _walk(self, into_modules=True):
        """Yield ``(path, obj, trainable)`` for every Variable and Module below ``self`` (and
        variable-like trackables).

        ``trainable`` is False below a module whose ``trainable`` flag is off.
        With ``into_modules=False`` the walk reports sub-modules but does not enter them.
        """
        return walk(self, every=False, into=into_modules)

    def variables_by_path(self) -> dict:
        """A flat ``{path: Variable}`` mapping, e.g. ``{"layers/0/kernel": ...}``.

        Paths are the attribute names, list indices and dict keys that lead to
        each variable (the first such path when several do), so they stay the
        same from run to run: checkpoints are keyed by them.
        """
        return {path: obj for path, obj, _ in self._walk() if isinstance(obj, Variable)}

    @property
    def variables(self) -> tuple:
        """Every Variable of this module and its sub-modules, each once (a tuple, as TF's)."""
        return tuple(obj for _, obj, _ in self._walk() if isinstance(obj, Variable))

    @property
    def trainable_variables(self) -> tuple:
        """Variables with ``trainable=True`` whose enclosing modules are all trainable."""
        return tuple(obj for _, obj, t in self._walk() if isinstance(obj, Variable) and t and obj.trainable)

    @property
    def non_trainable_variables(self) -> tuple:
        return tuple(obj for _, obj, t in self._walk()
                     if isinstance(obj, Variable) and not (t and obj.trainable))

    @property
    def submodules(self) -> tuple:
        """Every Module below this one (not itself), each once."""
        return tuple(obj for _, obj, _ in self._walk() if isinstance(obj, Module))

    def _children(self) -> list:
        """``(path, module)`` for the modules directly below this one."""
        return [(p, obj) for p, obj, _ in self._walk(into_modules=False) if isinstance(obj, Module)]

    # -- deferred restoration -------------------------------------------------------
    def _defer_restore(self, path, value):
        """Hold the checkpoint value ``value`` for the variable at ``path`` (relative to this
        module, as in :meth:`variables_by_path`) until the variable exists; then
        ``value.restore_into(variable)`` assigns it. Layers create their variables when they
        are first called, so a model restored before that gets its values then (TF's
        deferred restoration). A later restore replaces a value still waiting."""
        pending = self.__dict__.get("_pending_restores")
        if pending is None:
            pending = {}
            object.__setattr__(self, "_pending_restores", pending)
        pending[path] = value
        self._resolve_restores()

    def _resolve_restores(self):
        """Assign the waiting values whose variables exist now; hand the others down to the
        deepest sub-module on their path (which resolves them when it builds)."""
        pending = self.__dict__.get("_pending_restores")
        if not pending:
            return
        found = {path: obj for path, obj, _ in self._walk()}
        for path in list(pending):
            obj = found.get(path)
            if isinstance(obj, Variable):
                pending.pop(path).restore_into(obj)
                continue
            parts = path.split("/")
            for k in range(len(parts) - 1, 0, -1):
                sub = found.get("/".join(parts[:k]))
                if isinstance(sub, Module):
                    sub._defer_restore("/".join(parts[k:]), pending.pop(path))
                    break

    def count_params(self) -> int:
        return int(sum(int(np.prod(v.shape)) for v in self.variables))

    # -- display ----------------------------------------------------------
    def _summary_rows(self):
        rows = []
        for path, child in self._children():
            shape = getattr(child, "_summary_output_shape", lambda: None)()
            rows.append((f"{child.name} ({type(child).__name__})", _shape_text(shape),
                         child.count_params()))
        return rows

    def _summary_totals(self):
        total = self.count_params()
        trainable = int(sum(int(np.prod(v.shape)) for v in self.trainable_variables))
        return total, trainable, total - trainable

    def summary(self, print_fn=print) -> str:
        """A table of the direct sub-modules (layers) with output shapes (where known) and
        parameter counts, and the totals. Printed with ``print_fn`` (None: not printed) and
        returned."""
        rows = [("Layer (type)", "Output Shape", "Param #")]
        rows += [(a, b, f"{c:,}") for a, b, c in self._summary_rows()]
        widths = [max(len(r[i]) for r in rows) + 2 for i in range(3)]
        width = sum(widths)
        line = lambda r: "".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
        total, trainable, frozen = self._summary_totals()
        out = [f'Model: "{self.name}"', "_" * width, line(rows[0]), "=" * width]
        for r in rows[1:]:
            out.append(line(r))
        out += ["=" * width, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                f"Non-trainable params: {frozen:,}", "_" * width]
        text = "\n".join(out)
        if print_fn is not None:
            print_fn(text)
        return text

    def _repr_html_(self):
        esc = html.escape
        body = "".join(f"<tr><td>{esc(a)}</td><td>{esc(b)}</td><td style='text-align:right'>{c:,}</td></tr>"
                       for a, b, c in self._summary_rows())
        total, trainable, frozen = self._summary_totals()
        return (f"<div><b>{esc(type(self).__name__)}</b> &quot;{esc(self.name)}&quot;"
                "<table><thead><tr><th>Layer (type)</th><th>Output Shape</th><th>Param #</th></tr></thead>"
                f"<tbody>{body}</tbody></table>"
                f"<p>Total params: {total:,} (trainable: {trainable:,}, non-trainable: {frozen:,})</p></div>")



def _shape_text(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"

