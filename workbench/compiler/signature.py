"""The signature a ``wb.function`` keys its programs by, and the stand-ins a trace runs on."""

from __future__ import annotations

import numpy as np

from .. import backend, core
from ..core import Tensor, Variable

__all__ = ["describe", "signature", "stand_in"]


def stand_in(leaf):
    """(the value the traced function sees, the input tensor a replay binds) for a tensor
    argument; None for anything else (variables are used as they are)."""
    if isinstance(leaf, Variable):
        return None
    if isinstance(leaf, Tensor):
        t = core.wrap(leaf._data)
        return t, t
    if isinstance(leaf, np.ndarray) or backend.is_array(leaf):
        t = core.wrap(core.to_array(leaf))
        return t, t
    if hasattr(leaf, "flat_values") and hasattr(leaf, "with_flat_values"):  # RaggedTensor
        t = core.wrap(leaf.flat_values._data)
        return leaf.with_flat_values(t), t
    return None


def signature(args, kwargs, flat):
    """A hashable key: the structure, then per leaf its shape/dtype/device (tensors), its
    identity (variables, other objects) or its value (Python numbers, strings)."""
    parts = [_structure(args), _structure(kwargs)]
    for leaf in flat:
        if isinstance(leaf, Variable):
            parts.append(("V", id(leaf)))
        elif isinstance(leaf, Tensor):
            d = leaf._data
            parts.append(("T", d.shape, d.dtype.str, _device(d)))
        elif isinstance(leaf, np.ndarray) or backend.is_array(leaf):
            parts.append(("A", leaf.shape, leaf.dtype.str, _device(leaf)))
        elif hasattr(leaf, "flat_values") and hasattr(leaf, "partitions"):
            d = leaf.flat_values._data
            splits = tuple(backend.to_numpy(p.row_splits()).tobytes() for p in leaf.partitions)
            parts.append(("R", d.shape, d.dtype.str, _device(d), splits))
        elif leaf is None or isinstance(leaf, (bool, int, float, complex, str, bytes)):
            parts.append(("P", type(leaf).__name__, leaf))
        else:  # modules, optimizers, functions …: by identity, as TF does
            parts.append(("O", type(leaf).__name__, id(leaf)))
    return tuple(parts)


def _structure(s):
    if isinstance(s, dict):
        return ("dict", tuple((k, _structure(s[k])) for k in sorted(s)))
    if isinstance(s, (list, tuple)):
        return (type(s).__name__, tuple(_structure(v) for v in s))
    return "."


def _device(arr):
    return "cpu" if isinstance(arr, np.ndarray) else str(backend.device_of(arr))


def describe(key):
    shown = []
    for part in key[2:]:
        if part[0] in "TA":
            shown.append(f"tensor{list(part[1])}:{np.dtype(part[2]).name}")
        elif part[0] == "R":
            shown.append(f"ragged(values{list(part[1])}:{np.dtype(part[2]).name})")
        elif part[0] == "V":
            shown.append("variable")
        elif part[0] == "P":
            shown.append(repr(part[2]))
        else:
            shown.append(part[1])
    return "(" + ", ".join(shown) + ")"
