"""Kernel properties that read the constructor's arguments back from ``self._parameters``."""

from __future__ import annotations


def parameter(key, convert=None):
    """A read-only property returning ``self._parameters[key]``, passed through ``convert`` if given."""
    if convert is None:
        return property(lambda self: self._parameters[key], doc=f"The ``{key}`` argument.")
    return property(lambda self: convert(self._parameters[key]), doc=f"The ``{key}`` argument.")
