"""tnp's dtypes and promotion: NumPy's type objects, NumPy's rules for mixed operands (a Python
number is weak: ``float32 + 1.5`` stays float32), Python floats float64 by default (float32 under
``experimental_enable_numpy_behavior(prefer_float32=True)``), and the conversion of operands to
Tensors (:func:`asarray`).

>>> from workbench.experimental import numpy as tnp
>>> tnp.result_type(tnp.int32, 1.5)
wb.float64
"""

import numbers

import numpy as np

from ... import core
from ...core import Tensor
from ...dtypes import DType, as_dtype, promoted_type
from ...ops.elementwise import cast
from ...ops.shape import stack

bool_ = np.bool_
int8, int16, int32, int64 = np.int8, np.int16, np.int32, np.int64
uint8, uint16, uint32, uint64 = np.uint8, np.uint16, np.uint32, np.uint64
float16, float32, float64 = np.float16, np.float32, np.float64
complex64, complex128 = np.complex64, np.complex128
int_, float_, complex_ = np.int64, np.float64, np.complex128
string_, unicode_, object_ = np.bytes_, np.str_, np.object_
inexact = np.inexact


class _Config:
    prefer_float32 = False   # experimental_enable_numpy_behavior(prefer_float32=...)


config = _Config()


def np_dtype(dtype, what="dtype"):
    """A NumPy dtype from a NumPy type, a string, a wb DType or a NumPy dtype."""
    if isinstance(dtype, DType):
        return np.dtype(dtype.as_numpy_dtype)
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{what}: data type {dtype!r} not understood") from None


def _python_float(x):
    return isinstance(x, (float, complex)) and not isinstance(x, np.generic)


def _operand(x):
    """What NumPy's ``result_type`` sees for one operand: a dtype, or a (weak) Python number."""
    if isinstance(x, Tensor):
        return np.dtype(x.dtype.as_numpy_dtype)
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype
    if isinstance(x, numbers.Number):
        if config.prefer_float32 and _python_float(x):
            return np.dtype(np.complex64 if isinstance(x, complex) else np.float32)
        return x
    return np_dtype(x, "result_type")


def _leaves(values):
    for v in values:
        if type(v) in (list, tuple):
            yield from _leaves(v)
        else:
            yield v


def numpy_result_type(*arrays_and_dtypes):
    """The dtype NumPy gives a mix of arrays, dtypes and Python numbers (float64 for none): how
    tnp's functions promote their operands, in every mode."""
    items = [_operand(x) for x in _leaves(arrays_and_dtypes)]
    if not items:
        return as_dtype(np.float64)
    return as_dtype(np.result_type(*items))


_WEAK_TYPES = {int: ("int32", True), float: ("float32", True), complex: ("complex128", True), bool: ("bool", False)}


def weak_result_type(*arrays_and_dtypes):
    """``(dtype, weak)`` of a mix under TF's new type promotion (``dtype_conversion_mode`` 'all'
    or 'safe'): Python numbers and the types ``int``, ``float``, ``complex`` are weak."""
    out = None
    for x in _leaves(arrays_and_dtypes):
        if isinstance(x, type) and x in _WEAK_TYPES:
            t = _WEAK_TYPES[x]
        elif isinstance(x, (Tensor, np.ndarray, np.generic, numbers.Number)):
            t = core._operand_type(x)
        else:
            t = (as_dtype(np_dtype(x, "result_type")).name, False)
        out = t if out is None else promoted_type(out, t, core._promotion)
    return ("float32", True) if out is None else out


def result_type(*arrays_and_dtypes):
    """The dtype of a mix of arrays, dtypes and Python numbers: NumPy's rules (float64 for
    none); under TF's new type promotion (``dtype_conversion_mode`` 'all' or 'safe') its lattice,
    Python numbers weak (``result_type(int32, float32)`` is float32)."""
    if core._promotion is not None:
        return as_dtype(weak_result_type(*arrays_and_dtypes)[0])
    return numpy_result_type(*arrays_and_dtypes)


def default_float():
    """tnp's float type for ints and for ``dtype=float``: float64; float32 under TF's new type
    promotion."""
    return np.float32 if core._promotion is not None else np.float64


def promote_types(type1, type2):
    """NumPy's ``promote_types``: the smallest dtype both cast to safely (a NumPy dtype)."""
    return np.promote_types(np_dtype(type1, "promote_types"), np_dtype(type2, "promote_types"))


def finfo(dtype):
    """NumPy's ``finfo`` of a float dtype (a wb DType, NumPy type or string)."""
    return np.finfo(np_dtype(dtype, "finfo"))


def iinfo(int_type):
    """NumPy's ``iinfo`` of an integer dtype (a wb DType, NumPy type or string)."""
    return np.iinfo(np_dtype(int_type, "iinfo"))


def issubdtype(arg1, arg2):
    """NumPy's ``issubdtype``; a wb DType counts as its NumPy dtype."""
    def plain(a):
        return np.dtype(a.as_numpy_dtype) if isinstance(a, DType) else a
    return bool(np.issubdtype(plain(arg1), plain(arg2)))


def _inferred(value):
    """The NumPy array of a non-tensor value, Python floats float32 when preferred."""
    try:
        arr = np.asarray(value)
    except ValueError:
        raise ValueError(f"asarray: can't convert a non-rectangular sequence to an array: {value!r:.60}") from None
    if arr.dtype.kind == "U" or arr.dtype.kind == "S":
        return arr
    if arr.dtype == object:
        raise ValueError(f"asarray: can't convert {type(value).__name__} {value!r:.60} to an array "
                         "(a non-rectangular sequence or an unsupported type)")
    if config.prefer_float32 and not isinstance(value, (np.ndarray, np.generic)):
        if arr.dtype == np.float64 and any(_python_float(x) for x in _leaves([value])):
            arr = arr.astype(np.float32)
        elif arr.dtype == np.complex128 and any(_python_float(x) for x in _leaves([value])):
            arr = arr.astype(np.complex64)
    return arr


def asarray(a, dtype=None):
    """``a`` as a Tensor (a tensor passes through, cast when ``dtype`` differs); nested lists may
    hold tensors (they are stacked, so gradients reach them)."""
    want = None if dtype is None else as_dtype(np_dtype(dtype, "asarray"))
    if isinstance(a, core.Variable):
        a = a.read_value()
    if isinstance(a, Tensor):
        return a if want is None or a.dtype == want else cast(a, want)
    if type(a) in (list, tuple) and any(isinstance(x, Tensor) for x in _leaves(a)):
        target = want if want is not None else numpy_result_type(a)
        return _pack(a, target)
    if a is None:
        raise ValueError("asarray: can't convert None to an array")
    if want is None and core._promotion is not None and type(a) in (bool, int, float, complex, list, tuple):
        # TF's new type promotion: Python numbers are weak tensors of TF's default types
        weak = core._weak_constant(a)
        if weak is not None:
            return weak
    arr = _inferred(a)
    if want is not None:
        if arr.dtype.kind in "fc" and want.kind in "iu":
            arr = np.trunc(arr.real) if arr.dtype.kind == "c" else np.trunc(arr)
        arr = arr.astype(want.as_numpy_dtype)
    return core.constant(arr)


def _pack(value, dtype):
    if type(value) in (list, tuple):
        return stack([_pack(v, dtype) for v in value])
    return asarray(value, dtype)


def is_inexact(t) -> bool:
    return t.dtype.kind in "fc"


def to_float(t):
    """A tensor of ints or bools as float64 (tnp's float type for them: float32 under TF's new
    type promotion); floats pass through."""
    return t if is_inexact(t) else cast(t, default_float())


def operands(*values):
    """The values as Tensors of their common (NumPy-promoted) dtype."""
    dtype = numpy_result_type(*values)
    return [asarray(v, dtype) for v in values]
