"""Dtypes are NumPy dtypes, under TF's names (``wb.float32 == np.float32``)."""

import builtins

import numpy as np

float16 = half = np.dtype("float16")
float32 = np.dtype("float32")
float64 = double = np.dtype("float64")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
uint16 = np.dtype("uint16")
uint32 = np.dtype("uint32")
uint64 = np.dtype("uint64")
bool = np.dtype("bool")  # noqa: A001 - TF's name
complex64 = np.dtype("complex64")
complex128 = np.dtype("complex128")
# TF's tf.string: a tensor of byte strings is a NumPy object array of ``bytes``, kept on the host
string = np.dtype(object)

_BY_NAME = {
    "float16": float16, "half": float16, "float32": float32, "float": float32,
    "float64": float64, "double": float64, "int8": int8, "int16": int16,
    "int32": int32, "int64": int64, "uint8": uint8, "uint16": uint16,
    "uint32": uint32, "uint64": uint64, "bool": bool, "complex64": complex64,
    "complex128": complex128, "string": string,
}


def as_dtype(value) -> np.dtype:
    """Turn ``wb.float32``, ``"float32"``, ``np.float32`` or ``float`` into a dtype."""
    if isinstance(value, np.dtype):
        return value
    if isinstance(value, str):
        try:
            return _BY_NAME[value.removeprefix("tf.")]
        except KeyError:
            raise TypeError(f"dtype must be a dtype name such as 'float32', got {value!r}; "
                            f"the names are {sorted(_BY_NAME)}") from None
    if value is builtins.float:
        return float32
    if value is builtins.int:
        return int32
    if value is builtins.bool:
        return bool
    try:
        return np.dtype(value)
    except TypeError:
        raise TypeError(f"dtype must be a dtype such as wb.float32, 'float32' or np.float32, "
                        f"got {value!r} ({type(value).__name__})") from None
