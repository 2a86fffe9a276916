"""``wb.Checkpoint``: groups objects whose variables are saved and restored together.

What is saved: the variables reachable from the objects given to ``Checkpoint(...)``
(see :mod:`.graph`: modules' variables at the paths ``variables_by_path`` gives them,
optimizers' state, iterators' positions, and the variables of any object, list or dict,
found through its attributes). An optimizer's state has Keras 3's keys:
``optimizer/_iterations``, ``optimizer/_learning_rate`` and ``optimizer/_variables/<i>`` (the
slots, in ``optimizer.variables`` order); the variables it updates appear under
``optimizer/_trainable_variables/<i>`` only when the model is not in the checkpoint (a
variable is saved once, at its first path in sorted order). Checkpoints written before, with
the slots under the path of their variable (``model/w/.OPTIMIZER_SLOT/optimizer/m``), still
restore.
"""

from __future__ import annotations

import os

import numpy as np

from ..core import Variable
from ..distribute.launch import is_chief
from .format import write_checkpoint
from .graph import Collected, Trackable, kind_of, walk
from .restore import restore
from .structures import wrap_structure

__all__ = ["Checkpoint"]


class Checkpoint(Trackable):
    """Groups objects whose variables are saved and restored together.

    ``Checkpoint(model=model, optimizer=opt)``: each keyword is a trackable object (a
    Variable, an optimizer, a module, another Checkpoint, or any object, list or dict
    holding variables). ``save`` numbers checkpoints with ``save_counter``.

    >>> ckpt = wb.Checkpoint(w=wb.Variable([1.0, 2.0]))
    >>> path = ckpt.save("/tmp/demo/ckpt")     # '/tmp/demo/ckpt-1'
    >>> status = ckpt.restore(path)
    """

    def __init__(self, root=None, **kwargs):
        object.__setattr__(self, "_children", {})
        object.__setattr__(self, "_save_counter",
                           Variable(np.int64(0), trainable=False, name="save_counter"))
        # the save counter is part of the checkpoint once it has been used (read, or by save
        # and restore), as TF creates it only then: ``write`` alone does not save it
        object.__setattr__(self, "_counter_used", False)
        object.__setattr__(self, "_pending_restores", {})
        if root is not None:
            self._children["root"] = root
        for name, obj in sorted(kwargs.items()):   # TF attaches them by name
            setattr(self, name, obj)

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        if name == "save_counter":
            raise AttributeError("Checkpoint: save_counter is kept by the checkpoint; assign to it "
                                 "(ckpt.save_counter.assign(n)) instead of replacing it")
        if isinstance(value, (str, int, float, bool, type(None))):
            raise TypeError(f"Checkpoint: '{name}' must be a trackable object (variables, an optimizer, "
                            f"a module...), got {type(value).__name__}")
        self._children[name] = wrap_structure(value, self)
        if self._pending_restores:
            self._resolve_restores()

    def __getattr__(self, name):
        children = self.__dict__.get("_children", {})
        if name in children:
            return children[name]
        raise AttributeError(f"Checkpoint has no attribute {name!r}")

    _tracked_by_modules = False

    def variables_by_path(self) -> dict:
        """``{path: Variable}`` of everything this checkpoint saves (slots included)."""
        return dict(self._targets().variables)

    @property
    def save_counter(self) -> Variable:
        """The number of ``save`` calls (an int64 Variable), saved with the checkpoint from its
        first use on."""
        object.__setattr__(self, "_counter_used", True)
        return self._save_counter

    def _targets(self) -> Collected:
        counter = {"save_counter": self._save_counter} if self._counter_used else {}
        return Collected({**self._children, **counter})

    def _trackable_children(self):
        # held by another checkpoint: its objects, below its own path
        children = dict(self._children)
        if self._counter_used:
            children["save_counter"] = self._save_counter
        return children

    # -- values waiting for objects attached later (TF's delayed restoration) ----
    def _defer_restore(self, path, value):
        """Hold the checkpoint value ``value`` for the variable at ``path`` below this checkpoint
        until an object put there later (an attribute set, a list appended to) creates it; then
        ``value.restore_into(variable)`` assigns it."""
        self._pending_restores[path] = value
        self._resolve_restores()

    def _resolve_restores(self):
        pending = self._pending_restores
        if not pending:
            return
        found = {path: obj for path, obj, _ in walk(self._children, every=True)}
        for path in list(pending):
            obj = found.get(path)
            if isinstance(obj, Variable):
                pending.pop(path).restore_into(obj)
                continue
            parts = path.split("/")
            for k in range(len(parts) - 1, 0, -1):
                sub = found.get("/".join(parts[:k]))
                if sub is not None and not isinstance(sub, Variable) and kind_of(type(sub)).deferrable:
                    sub._defer_restore("/".join(parts[k:]), pending.pop(path))
                    break

    # -- saving --------------------------------------------------------------
    def write(self, file_prefix, options=None):
        """Write a checkpoint at exactly ``file_prefix`` (no counter); returns the prefix.

        In a job of several processes only rank 0 writes (its variables are the mirrored
        ones); the other ranks return the same prefix without writing."""
        if not is_chief():
            return os.fspath(file_prefix)
        c = self._targets()
        return write_checkpoint(file_prefix, c.saved(),
                                {"save_counter": int(self._save_counter.numpy()), "aliases": c.aliases})

    def save(self, file_prefix, options=None):
        """Increment ``save_counter`` and write ``<file_prefix>-<save_counter>``; returns that path."""
        self.save_counter.assign_add(np.int64(1))
        try:
            return self.write(f"{os.fspath(file_prefix)}-{int(self.save_counter.numpy())}")
        except BaseException:
            self.save_counter.assign_sub(np.int64(1))
            raise

    # -- restoring -------------------------------------------------------------
    def read(self, save_path, options=None):
        """Restore from ``save_path`` (see :meth:`restore`)."""
        return self.restore(save_path)

    def restore(self, save_path, options=None):
        """Restore every variable from ``save_path``; returns a :class:`LoadStatus`.

        As in TF, what the checkpoint holds is assigned and what it lacks is left alone
        (``status.assert_existing_objects_matched()`` or ``assert_consumed()`` say so).
        Everything is checked before anything is assigned: damaged files raise
        :class:`DataLossError`, and a value with a different shape or dtype than its
        variable raises ``ValueError`` naming its path. A variable reached by several paths
        (a list and a dict holding it) is found by any of them. Values for variables that do
        not exist yet wait and are assigned when they are created: a model's layers built
        on the first call, or a variable attached later to this checkpoint or to a list or
        dict it holds (TF's delayed restoration). ``save_path=None`` restores nothing
        (handy with ``manager.latest_checkpoint`` on a first run).
        """
        object.__setattr__(self, "_counter_used", True)
        return restore(self, save_path)

    def __repr__(self):
        return f"<wb.Checkpoint {sorted(self._children)} save_counter={int(self._save_counter.numpy())}>"
