"""Tensors as TF prints them (``tf.print``, ``tf.strings.format``): one printer for both."""

from __future__ import annotations

import numpy as np

from ..core import Tensor

__all__ = ["format_tensor"]


_ESCAPES = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", ord('"'): '\\"', ord("'"): "\\'",
            ord("\\"): "\\\\"}


def _c_escape(b: bytes) -> str:
    """TF's printing of a string element: C escapes for quotes, backslashes and control bytes
    (octal ``\\001``); bytes from 0x80 up pass as they are."""
    out = bytearray()
    for c in b:
        if c in _ESCAPES:
            out += _ESCAPES[c].encode()
        elif c < 0x20 or c == 0x7F:
            out += b"\\%03o" % c
        else:
            out.append(c)
    return out.decode("utf-8", "surrogateescape")


def _element(value, kind) -> str:
    """One element as TF prints it: bools as 1/0; floats in the shortest of 6 (up to float32)
    or 15 (float64) significant digits that reads back the same at that precision, else 9 or
    17 digits, subnormals as 0 (TF's CPU flushes them); complex numbers as ``?``; strings
    quoted with C escapes."""
    if kind == "b":
        return "1" if value else "0"
    if kind == "f":
        v = float(value)
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        wide = value.dtype.itemsize > 4
        kind_type = np.float64 if wide else np.float32
        if v != 0 and abs(v) < np.finfo(kind_type).tiny:
            return "-0" if v < 0 else "0"
        short, full = (15, 17) if wide else (6, 9)
        text = f"{v:.{short}g}"
        if kind_type(text) != kind_type(v):
            text = f"{v:.{full}g}"
        return text
    if kind == "c":
        return "?"
    if kind in "SUO":
        return '"' + _c_escape(value if isinstance(value, bytes) else str(value).encode()) + '"'
    return str(value)


def format_tensor(value, summarize=3) -> str:
    """``value`` (a tensor or array) as ``wb.print`` shows it: ``[[1 2 3]\\n [4 5 6]]``; past
    ``summarize`` elements per dimension only the first and last ``summarize`` are shown,
    with ``...`` between (``summarize=-1`` or None shows every element; None means 3 in
    ``wb.print``, as in TF)."""
    arr = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
    if isinstance(arr, bytes):     # a string scalar
        arr = np.asarray(arr, dtype=object)
    if arr.dtype.name == "bfloat16":   # TF prints bfloat16 values as the float32 values they are
        arr = arr.astype(np.float32)
    if summarize is None:
        summarize = 3
    size = arr.size
    ends = size if summarize < 0 else min(int(summarize), size)
    kind = arr.dtype.kind
    ndim = arr.ndim
    if ndim == 0:
        return _element(arr[()], kind)
    out: list = []

    def spacing(dim):
        if dim == ndim - 1:
            out.append(" ")
        else:
            out.append("\n" * (ndim - dim - 1) + " " * (dim + 1))

    def walk(dim, sub):
        if dim == ndim:
            out.append(_element(sub if isinstance(sub, bytes) else sub[()], kind))
            return
        out.append("[")
        n = sub.shape[0]
        for i in range(min(ends, n)):
            if i:
                spacing(dim)
            walk(dim + 1, sub[i])
        if n > 2 * ends:
            spacing(dim)
            out.append("...")
        for i in range(max(ends, n - ends), n):
            spacing(dim)
            walk(dim + 1, sub[i])
        out.append("]")

    walk(0, arr)
    return "".join(out)
