"""Lists and dicts held by a ``wb.Checkpoint`` (TF's ``ListWrapper`` and ``DictWrapper``).

A list or dict assigned to a checkpoint's attribute is wrapped so that the checkpoint
sees it change: a variable appended to ``ckpt.listed`` after ``ckpt.restore(path)`` takes
its saved value at once (TF's delayed restoration), as a variable assigned to an
attribute does. Apart from that they are the plain ``list`` and ``dict`` they wrap.
"""

from __future__ import annotations

import weakref

__all__ = ["DictWrapper", "ListWrapper", "wrap_structure"]


class _Owned:
    """Tells the checkpoint that holds the structure when it changes."""

    def _set_owner(self, owner):
        self._owner = weakref.ref(owner)
        return self

    def _changed(self):
        owner = getattr(self, "_owner", None)
        owner = owner() if owner is not None else None
        if owner is not None:
            owner._resolve_restores()


def _mutator(base, name):
    method = getattr(base, name)

    def changed(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        self._changed()
        return result
    changed.__name__ = name
    changed.__doc__ = method.__doc__
    return changed


class ListWrapper(_Owned, list):
    """A list held by a checkpoint (``ckpt.listed = []`` makes one)."""

    def __repr__(self):
        return f"ListWrapper({list.__repr__(self)})"


class DictWrapper(_Owned, dict):
    """A dict held by a checkpoint (``ckpt.mapped = {}`` makes one)."""

    def __repr__(self):
        return f"DictWrapper({dict.__repr__(self)})"


for _name in ("append", "extend", "insert", "__setitem__", "__iadd__"):
    setattr(ListWrapper, _name, _mutator(list, _name))
for _name in ("__setitem__", "update", "setdefault"):
    setattr(DictWrapper, _name, _mutator(dict, _name))


def wrap_structure(value, owner):
    """``value`` wrapped for ``owner`` when it is a plain list or dict; else ``value``."""
    if type(value) is list:
        return ListWrapper(value)._set_owner(owner)
    if type(value) is dict:
        return DictWrapper(value)._set_owner(owner)
    if isinstance(value, _Owned):
        return value._set_owner(owner)
    return value
