"""``wb.io.decode_raw``: the bytes of string tensors read as numbers, as TF's ``tf.io.decode_raw``."""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..core import convert_to_tensor, wrap
from ..errors import InvalidArgumentError

__all__ = ["decode_raw"]

_ALLOWED = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
            "complex64", "complex128", "bool")


def decode_raw(input_bytes, out_type, little_endian=True, fixed_length=None, name=None):
    """Reinterpret each string's bytes as a vector of ``out_type``.

    The result has shape ``input_bytes.shape + [n]``: every string must hold the same number
    of bytes, a multiple of the type's size (``n`` = bytes / size); with ``fixed_length``, each
    string is cut or zero-padded to ``fixed_length`` bytes first. ``little_endian`` says how
    multi-byte numbers are stored.

    >>> wb.io.decode_raw(wb.constant("Duck"), wb.uint8).numpy()
    array([ 68, 117,  99, 107], dtype=uint8)
    """
    x = convert_to_tensor(input_bytes)
    if x.dtype != dtypes.string:
        raise InvalidArgumentError(None, None, f"decode_raw: input_bytes must be a string tensor, got "
                                   f"dtype {x.dtype}")
    out = dtypes.as_dtype(out_type)
    if out.name not in _ALLOWED:
        raise InvalidArgumentError(None, None, f"decode_raw: out_type must be one of {', '.join(_ALLOWED)}; "
                                   f"got {out.name}")
    size = out.itemsize
    values = [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in np.asarray(x.numpy(), object).ravel()]
    if fixed_length is not None:
        fixed_length = int(fixed_length.numpy() if hasattr(fixed_length, "numpy") else fixed_length)
        if fixed_length < 0 or fixed_length % size:
            raise InvalidArgumentError(None, None, f"decode_raw: fixed_length ({fixed_length}) must be a "
                                       f"non-negative multiple of the size of {out.name} ({size})")
        values = [v[:fixed_length].ljust(fixed_length, b"\0") for v in values]
        length = fixed_length
    else:
        length = len(values[0]) if values else 0
        for i, v in enumerate(values):
            if len(v) != length:
                raise InvalidArgumentError(None, None, f"decode_raw: input strings must all have the same "
                                           f"number of bytes (or give fixed_length); element 0 has {length}, "
                                           f"element {i} has {len(v)}")
        if length % size:
            raise InvalidArgumentError(None, None, f"decode_raw: an input of {length} bytes is not a "
                                       f"multiple of {size}, the size of {out.name}")
    stored = np.dtype("u1") if out.kind == "b" else out.newbyteorder("<" if little_endian else ">")
    flat = np.frombuffer(b"".join(values), dtype=stored).reshape(len(values), length // size)
    result = (flat != 0) if out.kind == "b" else flat.astype(out)
    return wrap(result.reshape(tuple(x.shape) + (length // size,)))
