"""Checks of Python arguments (sizes, axes, shapes, rates) shared by ops, layers, datasets
and optimizers. Each error names the function, the argument, what was given and what was
expected, as TF does::

    TypeError: reduce_sum: axis must be an integer or a list of integers, got 1.5 (float)

The normal path of each check is one ``type(value) is int`` (or ``float``) test; the work
of explaining a bad value is done only when there is one. Wrong types raise
``TypeError``; values of the right type out of range raise ``ValueError`` (sizes of
tensors: ``InvalidArgumentError``, as TF's kernels do).

>>> integer(3, "units", "Dense")
3
>>> shape([2, None], "shape", "reshape", unknown=True)
(2, -1)
"""

from __future__ import annotations

import math

import numpy as np

from . import InvalidArgumentError


def describe(value) -> str:
    """What was given, for an error message: ``1.5 (float)``, ``'a' (str)``, ``None``,
    ``a float32 tensor of shape (2,)``."""
    if value is None:
        return "None"
    data = getattr(value, "_data", None) if not isinstance(value, np.ndarray) else value
    if data is not None and hasattr(data, "dtype") and hasattr(data, "shape"):
        kind = "tensor" if data is not value else "array"
        if data.ndim == 0:
            return f"{data.item()!r} (a {data.dtype} {kind})"
        return f"a {data.dtype} {kind} of shape {tuple(data.shape)}"
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} ({type(value).__name__})"


def as_int(value):
    """``value`` as a Python int when it is an integer (a Python or NumPy integer, or an
    integer scalar tensor or array; never a bool), else None."""
    if type(value) is int:
        return value
    return _scalar(value, (int, np.integer), "iu", int)


def as_float(value):
    """``value`` as a Python float when it is a real number (Python or NumPy, or a real scalar
    tensor or array; never a bool or a string), else None."""
    if type(value) is float or type(value) is int:
        return float(value)
    return _scalar(value, (int, float, np.integer, np.floating), "iuf", float)


def _scalar(value, types, kinds, cast):
    """``cast(value)`` for a number of ``types`` or a 0-d tensor/array of dtype ``kinds``; a
    bool is never a number here. None otherwise."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, types):
        return cast(value)
    data = getattr(value, "_data", value)
    if isinstance(data, np.ndarray) or (hasattr(data, "dtype") and hasattr(data, "ndim")):
        if data.ndim == 0 and data.dtype.kind in kinds:
            # an integer (a size, an index) is read through the tensor's own conversion, which a
            # wb.function trace sees (a program whose shapes depend on it then runs eagerly
            # instead of replaying the traced size); a float (a delta, a bound checked here but
            # computed with as a tensor) is read silently, so the program still replays
            visible = cast is int and data is not value and hasattr(value, "__index__")
            return cast(value) if visible else cast(data)
    return None


def flag(value, what, where, default=False) -> bool:
    """``value`` as a Python bool: a bool (Python or NumPy, or a 0-d bool tensor), 0 or 1, or
    None for ``default``. A string or anything else is a mistake (``keepdims="no"`` would be
    True under ``bool()``): TypeError naming ``what`` and ``where``.

    >>> flag("no", "keepdims", "reduce_sum")
    Traceback (most recent call last):
    TypeError: reduce_sum: keepdims must be a bool (True or False), got 'no' (str)
    """
    if value is None:
        return default
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    data = getattr(value, "_data", value)
    if hasattr(data, "dtype") and getattr(data, "ndim", None) == 0 and data.dtype.kind == "b":
        return bool(data)
    number = as_int(value)
    if number in (0, 1):
        return bool(number)
    raise TypeError(f"{where}: {what} must be a bool (True or False), got {describe(value)}")


def integer(value, what, where, minimum=None) -> int:
    """``value`` as a Python int, at least ``minimum`` when given.

    >>> integer(2.5, "units", "Dense")
    Traceback (most recent call last):
    TypeError: Dense: units must be an integer, got 2.5 (float)
    """
    if type(value) is int and (minimum is None or value >= minimum):
        return value
    v = as_int(value)
    if v is None:
        raise TypeError(f"{where}: {what} must be {_int_phrase(minimum)}, got {describe(value)}")
    if minimum is not None and v < minimum:
        raise ValueError(f"{where}: {what} must be {_int_phrase(minimum)}, got {v}")
    return v


def _int_phrase(minimum):
    if minimum is None:
        return "an integer"
    if minimum == 0:
        return "a non-negative integer"
    if minimum == 1:
        return "a positive integer"
    return f"an integer >= {minimum}"


def number(value, what, where, finite=True) -> float:
    """``value`` as a Python float (a string such as ``"0.1"`` is refused, not parsed);
    finite unless ``finite=False``.

    >>> number("0.1", "learning_rate", "SGD")
    Traceback (most recent call last):
    TypeError: SGD: learning_rate must be a number, got '0.1' (str)
    """
    if type(value) is float:
        v = value
    else:
        v = as_float(value)
        if v is None:
            raise TypeError(f"{where}: {what} must be a number, got {describe(value)}")
    if finite and not math.isfinite(v):
        raise ValueError(f"{where}: {what} must be a finite number, got {v}")
    return v


def integers(value, what, where, expected="an integer or a list of integers") -> tuple:
    """A tuple of Python ints (of any sign) from an int, a list or tuple of integers, or an
    integer vector tensor (axes, permutations, split sizes)."""
    if type(value) is tuple or type(value) is list:
        for s in value:
            if type(s) is not int:
                break
        else:
            return tuple(value)
    elif type(value) is int:
        return (value,)
    return _integers(value, what, where, expected, False)


def _integers(value, what, where, expected, unknown):
    data = getattr(value, "_data", value)
    if not isinstance(value, (list, tuple)) and hasattr(data, "dtype") and hasattr(data, "ndim"):
        if data.ndim > 1 or (data.dtype.kind not in "iu" and data.size):
            raise TypeError(f"{where}: {what} must be {expected} (or an integer vector), "
                            f"got {describe(value)}")
        if data is not value and hasattr(value, "numpy"):   # a tensor: read so that a trace sees it
            data = np.asarray(value.numpy())
        return tuple(int(d) for d in (data.tolist() if data.ndim else [data.item()]))
    if as_int(value) is not None:
        return (as_int(value),)
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{where}: {what} must be {expected}, got {describe(value)}")
    dims = []
    for s in value:
        d = -1 if (s is None and unknown) else as_int(s)
        if d is None:
            raise TypeError(f"{where}: {what} must be {expected}, got {describe(value)}: "
                            f"{describe(s)} is not an integer")
        dims.append(d)
    return tuple(dims)


def shape(value, what, where, unknown=False) -> tuple:
    """A shape as a tuple of non-negative Python ints, from an int, a list or tuple of
    integers, or an integer vector tensor. With ``unknown=True`` (reshape's shapes) None or
    -1 stands for a size to infer and comes back as -1.

    >>> shape((2.5, 2), "shape", "zeros")
    Traceback (most recent call last):
    TypeError: zeros: shape must be a list of integers, got (2.5, 2) (tuple): 2.5 (float) is not an integer
    """
    if type(value) is tuple or type(value) is list:
        for s in value:
            if type(s) is not int or s < 0:
                break
        else:
            return tuple(value)
    expected = "a list of integers" + (" (None or -1 for one unknown size)" if unknown else "")
    dims = _integers(value, what, where, expected, unknown)
    lowest = -1 if unknown else 0
    for d in dims:
        if d < lowest:
            allowed = "non-negative sizes (and -1 for one unknown size)" if unknown else "non-negative sizes"
            shown = repr(value) if isinstance(value, (list, tuple)) else repr(dims)
            raise InvalidArgumentError(f"{where}: {what} must hold {allowed}, got {shown}")
    return dims


def axis(value, ndim, where, what="axis") -> int:
    """One axis of a tensor of rank ``ndim``, as a non-negative int (negative counts from the end)."""
    a = value if type(value) is int else as_int(value)
    if a is None:
        raise TypeError(f"{where}: {what} must be an integer, got {describe(value)}")
    if not -ndim <= a < ndim:
        raise ValueError(f"{where}: {what} {a} is out of range for a tensor of rank {ndim}")
    return a % ndim if ndim else 0
