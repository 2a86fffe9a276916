"""TFP's text for distributions and bijectors: instance names as TFP makes them, ``str()`` and
``repr()`` in TFP's words with the package's own name (``probability.distributions.Normal("Normal",
batch_shape=[2], ...)``, as tensors print ``wb.Tensor``), so a notebook prints what it prints
under TFP."""

from __future__ import annotations

import re

import numpy as np

_INVALID = re.compile(r"[^a-zA-Z0-9_]+")
_CAMEL = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)(?<!_)[A-Z](?=[a-z]))")


def lower_snake(name):
    """``MultivariateNormalDiag`` -> ``multivariate_normal_diag`` (TFP's default bijector names)."""
    return _CAMEL.sub(r"_\1", name).lower() if name else ""


def strip_invalid(name):
    """Each run of characters other than letters, digits and ``_`` as one ``_``, no ``_`` at the ends."""
    return _INVALID.sub("_", name).strip("_") if name else ""


def instance_name(name, default):
    """The name TFP gives an instance built with ``name``: the last part of a ``/`` path, each
    run of characters other than letters, digits and ``_`` made one ``_``, leading and trailing
    ``_`` dropped; ``default`` (a class's snake name) when nothing is left."""
    if name is None:
        return default
    name = str(name)
    parts = [p for p in name.split("/") if p]
    if "/" in name and parts:
        name = parts[-1]
    name = _INVALID.sub("_", name).strip("_")
    return name or lower_snake(default)


def _pretty(x, leaf):
    """``x`` (a shape, or a list/tuple/dict of them) as TFP prints it: ``[2, ?]``, ``[[], [3]]``,
    ``{a: [], b: [2]}`` (keys sorted), no quotes."""
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k}: {_pretty(x[k], leaf)}" for k in sorted(x)) + "}"
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return f"{type(x).__name__}(" + ", ".join(f"{k}={_pretty(v, leaf)}" for k, v in zip(x._fields, x)) + ")"
    if isinstance(x, (list, tuple)) and not _is_shape(x):
        return "[" + ", ".join(_pretty(v, leaf) for v in x) + "]"
    return leaf(x)


def _is_shape(x):
    return all(v is None or isinstance(v, (int, np.integer)) for v in x)


def _shape_leaf(s):
    if s is None or getattr(s, "rank", 0) is None:
        return "?"
    dims = s.as_list() if hasattr(s, "as_list") else list(s)
    return "[" + ", ".join("?" if d is None else str(int(d)) for d in dims) + "]"


def _dtype_leaf(d):
    return "?" if d is None else np.dtype(d).name


def shape_text(shape):
    return _pretty(shape, _shape_leaf)


def dtype_text(dtype):
    return _pretty(dtype, _dtype_leaf)


def distribution_str(d):
    return (f'probability.distributions.{type(d).__name__}("{d.name or "<unknown>"}", '
            f"batch_shape={shape_text(d.batch_shape)}, event_shape={shape_text(d.event_shape)}, "
            f"dtype={dtype_text(d.dtype)})")


def distribution_repr(d):
    return (f"<probability.distributions.{type(d).__name__} '{d.name or '<unknown>'}' "
            f"batch_shape={shape_text(d.batch_shape)} event_shape={shape_text(d.event_shape)} "
            f"dtype={dtype_text(d.dtype)}>")


def _ndims_text(n):
    return _pretty(n, lambda v: str(int(v)) if not isinstance(v, (list, tuple)) else str(list(v)))


def _bijector_batch(b):
    try:
        return shape_text(b.experimental_batch_shape())
    except Exception:   # parts without one coherent batch shape (TFP prints '?' too)
        return "?"


def _type_text(b):
    """``Exp``, ``Chain([Exp, Scale])``: the types of a composition's parts."""
    parts = getattr(b, "bijectors", None)
    if parts is None:
        return type(b).__name__
    return f"{type(b).__name__}({_pretty(list(parts) if not isinstance(parts, dict) else parts, _type_text)})"


def bijector_str(b):
    batch = _bijector_batch(b)
    text = f'probability.bijectors.{type(b).__name__}("{b.name or "<unknown>"}"'
    if batch != "?":
        text += f", batch_shape={batch}"
    fwd, inv = b.forward_min_event_ndims, b.inverse_min_event_ndims
    if fwd == inv:
        text += f", min_event_ndims={_ndims_text(fwd)}"
    else:
        text += f", forward_min_event_ndims={_ndims_text(fwd)}, inverse_min_event_ndims={_ndims_text(inv)}"
    if b.dtype is not None:
        text += f", dtype={dtype_text(b.dtype)}"
    parts = getattr(b, "bijectors", None)
    if parts is not None:
        text += f", bijectors={_pretty(list(parts) if not isinstance(parts, dict) else parts, _type_text)}"
    inner = getattr(b, "bijector", None)
    if parts is None and inner is not None and hasattr(inner, "forward_min_event_ndims"):
        text += f", bijector={_type_text(inner)}"
    return text + ")"


def bijector_repr(b):
    text = (f"<probability.bijectors.{type(b).__name__} '{b.name or '<unknown>'}' batch_shape={_bijector_batch(b)} "
            f"forward_min_event_ndims={_ndims_text(b.forward_min_event_ndims)} "
            f"inverse_min_event_ndims={_ndims_text(b.inverse_min_event_ndims)} "
            f"dtype_x={dtype_text(b.dtype)} dtype_y={dtype_text(b.dtype)}")
    parts = getattr(b, "bijectors", None)
    if parts is not None:
        text += f" bijectors={_pretty(list(parts) if not isinstance(parts, dict) else parts, repr)}"
    return text + ">"
