"""Restoring a checkpoint: everything checked before anything is assigned, and values for
variables that do not exist yet handed to the module that will create them.

Slots that do not exist yet when a checkpoint is restored (optimizers create them at
the first step) are handed to the optimizer and take their saved values when it
creates them (deferred restoration, as in TF), so resumed training continues bit for
bit. The same holds for the variables of a model whose layers are not built yet: each
value waits on the deepest module on its path (``Trackable._defer_restore``) and is
assigned when the variable at its path is created, on the first call; the
:class:`LoadStatus` says what is still waiting (``assert_consumed``).
"""

from __future__ import annotations

import os
import warnings

from .format import read_checkpoint
from .graph import parse_slot_path


def restore(checkpoint, save_path):
    """Restore the objects of ``checkpoint`` (a ``wb.Checkpoint``) from ``save_path``; returns
    a :class:`LoadStatus` (see ``Checkpoint.restore``)."""
    if save_path is None:
        return LoadStatus(None)
    save_path = os.fspath(save_path)
    index, arrays = read_checkpoint(save_path)
    saved_aliases = index.get("aliases") or {}   # {later path: path saved under}
    c = checkpoint._targets()
    c.root_holder = checkpoint
    own_aliases = {}                             # {first path: [later paths]} in the objects
    for later, first in c.aliases.items():
        own_aliases.setdefault(first, []).append(later)
    for slot_path, legacy in c.legacy_slot_paths().items():   # the slots' earlier keys
        own_aliases.setdefault(slot_path, []).append(legacy)

    def saved_path(path):
        """The path in the checkpoint holding the value for the object at ``path``, or None."""
        for p in [path] + own_aliases.get(path, []):
            p = p if p in arrays else saved_aliases.get(p)
            if p in arrays:
                return p
        return None

    found, wrong = {}, []     # path of a variable -> path of its value in the checkpoint
    for path, var in c.variables.items():
        source = saved_path(path)
        if source is None:
            continue           # TF leaves it alone; the status's assertions report it
        arr = arrays[source]
        if arr.shape != var.shape or arr.dtype != var.dtype:
            wrong.append(f"'{path}': checkpoint has shape {arr.shape} dtype {arr.dtype}, the object "
                         f"has shape {var.shape} dtype {var.dtype}")
        found[path] = source
    used, to_prepare = set(found.values()), []
    for path, obj in c.stateful.items():
        sub = {k[len(path) + 1:]: arr for k, arr in arrays.items() if k.startswith(path + "/")}
        if not sub:
            continue
        used.update(f"{path}/{k}" for k in sub)
        to_prepare.append((path, obj, sub))

    def check():
        if wrong:
            raise ValueError(f"cannot restore '{save_path}': " + "; ".join(wrong))
    check()  # before preparing iterators, which stops and rebuilds them
    installs = []
    try:
        for path, obj, sub in to_prepare:
            try:
                installs.append(obj._prepare_restore(sub))
            except (ValueError, TypeError) as exc:
                wrong.append(f"'{path}': {exc}")
        check()
        status = LoadStatus(save_path, checkpoint=checkpoint, saved=arrays, aliases=saved_aliases)
        slots, unused, waiting = [], [], {}
        optimizers = dict(c.optimizers)
        rest = [p for p in arrays if p not in used]
        # variables first, so that slots can join the values of variables that are waiting
        for path in sorted(rest, key=lambda p: parse_slot_path(p) is not None):
            arr = arrays[path]
            slot = parse_slot_path(path)
            if slot is None:
                holder = c.holder_of(path)
                if holder is None:
                    unused.append(path)
                else:
                    waiting[path] = (holder, _Deferred(path, arr, status))
                continue
            var = c.variables.get(slot[0])
            opt = optimizers.get(slot[1])
            if opt is None or slot[2] not in opt._active_slot_names():
                unused.append(path)
            elif var is not None:
                if arr.shape != var.shape or arr.dtype != var.dtype:
                    raise ValueError(f"cannot restore '{save_path}': slot '{path}' has shape "
                                     f"{arr.shape} dtype {arr.dtype}, its variable has shape "
                                     f"{var.shape} dtype {var.dtype}")
                slots.append((opt, var, slot[2], arr))
            elif slot[0] in waiting:
                waiting[slot[0]][1].slots.append((opt, slot[2], arr))
            else:
                unused.append(path)
        # everything checked: now assign
        for path, source in found.items():
            c.variables[path].assign(arrays[source])
        for install in installs:
            install()
        for opt, var, name, arr in slots:
            opt._defer_slot_restore(var, name, arr)
    except BaseException:
        for install in installs:
            install.cancel()
        raise
    status.unused = unused
    status.deferred = len(slots)
    status._matched = len(found) + len(installs) + len(waiting)
    status._pending.update(waiting)
    # a value waiting on the root checkpoint also waits under the other paths of its variable
    later_paths = {}
    for later, first in saved_aliases.items():
        later_paths.setdefault(first, []).append(later)
    for path, ((holder_path, holder), value) in waiting.items():
        holder._defer_restore(path[len(holder_path) + 1:] if holder_path else path, value)
        if holder is checkpoint:
            for later in later_paths.get(path, []):
                holder._defer_restore(later, value)
    return status


class LoadStatus:
    """What a restore did, and what is still waiting (TF's ``CheckpointLoadStatus``).

    Values for variables that do not exist yet (layers not built) wait on their model
    and are assigned when the variables are created; ``pending`` lists their paths until
    then. ``assert_consumed()`` raises while anything in the checkpoint is unused or
    pending, or a variable of the objects has no value in it;
    ``assert_existing_objects_matched()`` only checks the variables that exist now;
    ``expect_partial()`` silences the warning about values that were never used.
    """

    def __init__(self, path, unused=(), deferred=0, checkpoint=None, saved=(), aliases=None):
        self.path = path
        self._aliases = dict(aliases or {})
        self.unused = list(unused)
        self.deferred = deferred
        self._pending: set = set()
        self._checkpoint = checkpoint
        self._saved = frozenset(saved)
        self._matched = 0
        self._checked = False

    @property
    def pending(self) -> list:
        """Paths of checkpoint values waiting for their variables to be created."""
        return sorted(self._pending)

    def _resolved(self, path):
        self._pending.discard(path)

    def _unmatched_variables(self):
        """Paths of the objects' variables (and iterators) that the checkpoint has no value for."""
        if self._checkpoint is None:
            return []
        c = self._checkpoint._targets()
        own = {}
        for later, first in c.aliases.items():
            own.setdefault(first, []).append(later)
        for slot_path, legacy in c.legacy_slot_paths().items():
            own.setdefault(slot_path, []).append(legacy)
        saved = lambda p: p in self._saved or self._aliases.get(p) in self._saved  # noqa: E731
        missing = [p for p in c.variables if not any(saved(q) for q in [p] + own.get(p, []))]
        missing += [p for p in c.stateful if not any(k.startswith(p + "/") for k in self._saved)]
        return missing

    def assert_consumed(self):
        """Raise ``AssertionError`` unless every value in the checkpoint went into a variable and
        every variable of the objects got one."""
        self._checked = True
        problems = []
        if self.unused:
            problems.append(f"values that match no object: {self.unused}")
        if self._pending:
            problems.append(f"values waiting for variables that have not been created yet (build "
                            f"the model by calling it once): {self.pending}")
        missing = self._unmatched_variables()
        if missing:
            problems.append(f"variables with no value in the checkpoint: {missing}")
        if problems:
            raise AssertionError(f"checkpoint '{self.path}' was not fully consumed: " + "; ".join(problems))
        return self

    def assert_existing_objects_matched(self):
        """Raise ``AssertionError`` if a variable that exists now got no value from the checkpoint
        (values still waiting for unbuilt layers are fine)."""
        self._checked = True
        missing = self._unmatched_variables()
        if missing:
            raise AssertionError(f"checkpoint '{self.path}' has no value for the existing variables "
                                 f"{missing}")
        return self

    def assert_nontrivial_match(self):
        """Raise ``AssertionError`` if nothing but the save counter was restored or is waiting
        to be."""
        self._checked = True
        if self.path is not None and self._matched <= 1:
            raise AssertionError(f"checkpoint '{self.path}': nothing was restored besides the save "
                                 "counter")
        return self

    def expect_partial(self):
        self._checked = True
        return self

    def __del__(self):
        left = self.unused + self.pending
        if left and not self._checked:
            try:
                warnings.warn(f"checkpoint '{self.path}': values for {left} were not restored "
                              "into anything (call .expect_partial() on the restore status if this "
                              "is intended)", UserWarning, stacklevel=2)
            except Exception:
                pass


class _Deferred:
    """A checkpoint value waiting for its variable: held by a module (``Module._defer_restore``)
    and assigned by :meth:`restore_into` when the variable at its path is created."""

    __slots__ = ("path", "array", "status", "slots")

    def __init__(self, path, array, status):
        self.path = path
        self.array = array
        self.status = status
        self.slots = []          # (optimizer, slot name, array): slot values for the same variable

    def restore_into(self, var):
        if tuple(self.array.shape) != tuple(var.shape) or self.array.dtype != var.dtype:
            raise ValueError(f"cannot restore '{self.status.path}' into '{self.path}': the checkpoint "
                             f"has shape {self.array.shape} dtype {self.array.dtype}, the variable "
                             f"created for it has shape {var.shape} dtype {var.dtype}")
        var.assign(self.array)
        for opt, name, arr in self.slots:
            opt._defer_slot_restore(var, name, arr)
        self.status._resolved(self.path)
