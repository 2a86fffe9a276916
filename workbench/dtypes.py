"""TF's dtypes: ``wb.float32`` and ``tensor.dtype`` are :class:`DType` objects.

A ``DType`` is TF's (``print(x.dtype)`` shows ``<dtype: 'float32'>``, with ``name``,
``is_floating``, ``as_numpy_dtype``, ``min``/``max``, ...) and is also a NumPy dtype for every
purpose NumPy has: it compares equal to and hashes like ``np.dtype('float32')`` (so
``x.dtype == np.float32`` and dictionaries keyed by NumPy dtypes work), and NumPy takes it
wherever it takes a dtype (``np.zeros(3, wb.float32)``, ``arr.astype(x.dtype)``,
``np.issubdtype(x.dtype, np.floating)``) through its ``dtype`` attribute. Arrays keep NumPy's
own dtypes; only what workbench hands the user is a ``DType``.

``bfloat16`` (and TF's cast-only ``float8_e4m3fn`` / ``float8_e5m2``) are ``ml_dtypes``' NumPy
dtypes, as in TF and JAX. ``ml_dtypes`` is imported on the first use of one of these names (its
import registers many ufunc loops and costs about a second), so ``import workbench`` does not pay
for it.

:func:`promoted_type` is TF's new type promotion lattice (``dtype_conversion_mode`` 'all' and
'safe', with weak types), which ``workbench.core`` applies while such a mode is on.
"""

import builtins

import numpy as np

# TF's DataType enum (types.proto), for ``as_datatype_enum``
_ENUM = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6, "string": 7,
         "complex64": 8, "int64": 9, "bool": 10, "uint16": 17, "complex128": 18, "float16": 19,
         "uint32": 22, "uint64": 23, "bfloat16": 14, "float8_e5m2": 24, "float8_e4m3fn": 25}

# the floating dtypes that NumPy lacks and ml_dtypes provides; NumPy reports kind "V" for some of
# them, TF calls them all floating
_ML_DTYPES = ("bfloat16", "float8_e4m3fn", "float8_e5m2")


class DType:
    """A tensor's element type (TF's ``tf.dtypes.DType``), backed by a NumPy dtype."""

    __slots__ = ("dtype", "name", "kind", "itemsize", "char", "type", "str", "_np")

    def __init__(self, np_dtype: np.dtype, name: str):
        kind = "f" if name in _ML_DTYPES else np_dtype.kind
        # set through object.__setattr__: a DType is immutable, like NumPy's dtypes
        for attr, value in (("dtype", np_dtype), ("_np", np_dtype), ("name", name),
                            ("kind", kind), ("itemsize", np_dtype.itemsize),
                            ("char", np_dtype.char), ("type", np_dtype.type), ("str", np_dtype.str)):
            object.__setattr__(self, attr, value)

    def __setattr__(self, attr, value):
        raise AttributeError(f"DType objects are immutable; cannot set {attr!r}")

    def __getattr__(self, attr):
        # the rest of NumPy's dtype attributes (byteorder, fields, names, num, ...); TF's are below
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(object.__getattribute__(self, "_np"), attr)

    # -- NumPy's side ---------------------------------------------------------------------------

    def __eq__(self, other):
        if other.__class__ is DType:
            return self._np == other._np
        if other is None:
            return False           # np.dtype(None) is float64
        if isinstance(other, str):
            d = _named(other.removeprefix("tf.").removeprefix("wb."))
            if d is None:
                return False
            return self._np == d._np
        try:
            return self._np == np.dtype(other)
        except (TypeError, ValueError):
            return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self):
        return hash(self._np)

    def __reduce__(self):
        return (as_dtype, (self.name,))

    def __str__(self):
        return f"<dtype: {self.name!r}>"

    def __repr__(self):
        return f"wb.{self.name}"

    def __format__(self, spec):
        # f-strings (every error message in the library) name the dtype as NumPy's did: "float32"
        return format(self.name, spec)

    # -- TF's side ------------------------------------------------------------------------------

    @property
    def as_numpy_dtype(self):
        """The NumPy scalar type (``np.float32``; ``object`` for ``wb.string``)."""
        return object if self.kind == "O" else self._np.type

    @property
    def as_datatype_enum(self) -> int:
        """TF's ``DataType`` enum value (``types.proto``)."""
        return _ENUM[self.name]

    @property
    def base_dtype(self) -> "DType":
        return self

    @property
    def real_dtype(self) -> "DType":
        """``float32`` for ``complex64``, ``float64`` for ``complex128``, else the dtype itself."""
        if self.kind == "c":
            return as_dtype(np.dtype(f"f{self.itemsize // 2}"))
        return self

    @property
    def is_bool(self) -> bool:
        return self.kind == "b"

    @property
    def is_floating(self) -> bool:
        return self.kind == "f"

    @property
    def is_complex(self) -> bool:
        return self.kind == "c"

    @property
    def is_integer(self) -> bool:
        return self.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self.kind == "u"

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def is_numpy_compatible(self) -> bool:
        return True

    @property
    def size(self) -> int:
        """Bytes per element (0 for ``wb.string``, as TF)."""
        return 0 if self.kind == "O" else self.itemsize

    @property
    def min(self):
        """The smallest value of the type (``-max`` for floats, as TF's ``tf.float32.min``)."""
        return self._limit("min", "minimum")

    @property
    def max(self):
        """The largest value of the type."""
        return self._limit("max", "maximum")

    @property
    def limits(self):
        """TF's image intensity limits ``(0, max)``: 1 for floats, the largest value for integers,
        True for bool (TF's ``DType.limits`` with ``clip_negative=True``)."""
        if self.kind == "b":
            return (0, True)
        if self.kind == "f" and self.name not in _ML_DTYPES:
            return (0, 1)
        if self.kind in "iu":
            return (0, int(np.iinfo(self._np).max))
        raise ValueError(f"{self!s} does not have defined limits.")

    def _limit(self, which, word):
        if self.kind in "iu":
            return getattr(np.iinfo(self._np), which)
        if self.name in _ML_DTYPES:   # a scalar of the type, as TF's tf.bfloat16.max
            return getattr(_ml_dtypes().finfo(self._np), which)
        if self.kind == "f":
            return getattr(np.finfo(self._np), which)
        raise TypeError(f"Cannot find {word} value of {self!s} with type {self!s}.")

    def is_compatible_with(self, other) -> bool:
        """TF's: the same dtype (``other`` given as anything :func:`as_dtype` takes)."""
        return self == as_dtype(other)


_CACHE: dict = {}


def _make(np_dtype: np.dtype) -> DType:
    name = "string" if np_dtype.kind == "O" else np_dtype.name
    d = DType(np_dtype, name)
    _CACHE[np_dtype] = d
    return d


float16 = half = _make(np.dtype("float16"))
float32 = _make(np.dtype("float32"))
float64 = double = _make(np.dtype("float64"))
int8 = _make(np.dtype("int8"))
int16 = _make(np.dtype("int16"))
int32 = _make(np.dtype("int32"))
int64 = _make(np.dtype("int64"))
uint8 = _make(np.dtype("uint8"))
uint16 = _make(np.dtype("uint16"))
uint32 = _make(np.dtype("uint32"))
uint64 = _make(np.dtype("uint64"))
bool = _make(np.dtype("bool"))  # noqa: A001 - TF's name
complex64 = _make(np.dtype("complex64"))
complex128 = _make(np.dtype("complex128"))
# TF's tf.string: a tensor of byte strings is a NumPy object array of ``bytes``, kept on the host
string = _make(np.dtype(object))

_BY_NAME = {
    "float16": float16, "half": float16, "float32": float32, "float": float32,
    "float64": float64, "double": float64, "int8": int8, "int16": int16,
    "int32": int32, "int64": int64, "uint8": uint8, "uint16": uint16,
    "uint32": uint32, "uint64": uint64, "bool": bool, "complex64": complex64,
    "complex128": complex128, "string": string,
}


def _ml_dtypes():
    import ml_dtypes   # noqa: PLC0415 - imported on first use (see the module's docstring)
    return ml_dtypes


def _named(name: str):
    """The DType called ``name`` (TF's names and aliases), or None."""
    d = _BY_NAME.get(name)
    if d is None and name in _ML_DTYPES:
        d = _BY_NAME[name] = of_array(np.dtype(getattr(_ml_dtypes(), name)))
    return d


def __getattr__(name):
    # wb.dtypes.bfloat16, wb.dtypes.float8_e4m3fn, wb.dtypes.float8_e5m2: made on first use
    if name in _ML_DTYPES:
        d = globals()[name] = _named(name)
        return d
    raise AttributeError(f"module 'workbench.dtypes' has no attribute {name!r}")


def of_array(np_dtype: np.dtype) -> DType:
    """The :class:`DType` of a NumPy dtype (what ``tensor.dtype`` returns for its array)."""
    d = _CACHE.get(np_dtype)
    return d if d is not None else _make(np_dtype)


_BY_ENUM = {number: name for name, number in _ENUM.items()}


def as_dtype(type_value) -> DType:
    """Turn ``wb.float32``, ``"float32"``, ``np.float32``, ``np.dtype('float32')``, ``float`` or
    TF's DataType enum number (``1``) into a :class:`DType` (TF's ``tf.as_dtype``)."""
    if type_value.__class__ is DType:
        return type_value
    if isinstance(type_value, np.dtype):
        return of_array(type_value)
    if isinstance(type_value, str):
        d = _named(type_value.removeprefix("tf.").removeprefix("wb."))
        if d is None:
            raise TypeError(f"dtype must be a dtype name such as 'float32', got {type_value!r}; "
                            f"the names are {sorted({*_BY_NAME, *_ML_DTYPES})}")
        return d
    if isinstance(type_value, (builtins.int, np.integer)) and not isinstance(type_value, (builtins.bool, np.bool_)):
        name = _BY_ENUM.get(int(type_value))   # TF's DataType enum number (as_datatype_enum)
        if name is None:
            raise TypeError(f"dtype: {type_value} is not a DataType enum value; the values are "
                            f"{sorted(_BY_ENUM)}")
        return _named(name)
    if type_value is builtins.float:
        return float32
    if type_value is builtins.int:
        return int32
    if type_value is builtins.bool:
        return bool
    if type_value is builtins.complex:
        return complex128
    try:
        return of_array(np.dtype(type_value))
    except TypeError:
        raise TypeError(f"dtype must be a dtype such as wb.float32, 'float32' or np.float32, "
                        f"got {type_value!r} ({type(type_value).__name__})") from None


def np_dtype(value) -> np.dtype:
    """:func:`as_dtype`, as the NumPy dtype (for code that hands it to NumPy or CuPy)."""
    if value.__class__ is DType:
        return value._np
    if isinstance(value, np.dtype):
        return value
    return as_dtype(value)._np


# ---------------------------------------------------------------------------
# TF's new type promotion (workbench.core holds the tensors' side: weak tensors, the modes)

# The lattice: each type and the types right above it. "i*", "f*" and "c*" are the weak ints,
# floats and complex numbers (Python numbers, and results of ops on them): a weak int sits below
# every integer type, a weak float below every floating one.
_ABOVE = {
    "bool": ("i*",),
    "i*": ("uint8", "int8"),
    "uint8": ("uint16", "int16"),
    "uint16": ("uint32", "int32"),
    "uint32": ("uint64", "int64"),
    "uint64": ("f*",),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("f*",),
    "f*": ("bfloat16", "float16", "c*"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64", "complex64"),
    "float64": ("complex128",),
    "c*": ("complex64",),
    "complex64": ("complex128",),
    "complex128": (),
}


def _upper_sets():
    ups = {}

    def up(node):
        if node not in ups:
            found = {node}
            for above in _ABOVE[node]:
                found |= up(above)
            ups[node] = frozenset(found)
        return ups[node]

    for node in _ABOVE:
        up(node)
    return ups


_UP = _upper_sets()

# bits of precision a type holds exactly (an integer's value bits, a float's significand)
# and a float's exponent bits: what 'safe' mode checks a strong operand against
_DIGITS = {"bool": 1, "uint8": 8, "uint16": 16, "uint32": 32, "uint64": 64, "int8": 7, "int16": 15,
           "int32": 31, "int64": 63, "bfloat16": 8, "float16": 11, "float32": 24, "float64": 53,
           "complex64": 24, "complex128": 53}
_EXPONENT = {"bfloat16": 8, "float16": 5, "float32": 8, "float64": 11, "complex64": 8, "complex128": 11}

# the dtypes the lattice orders (strings and float8 types keep TF's default rule: no promotion)
PROMOTION_TYPES = frozenset(_DIGITS)


def _node(name, weak):
    if not weak:
        return name
    return "i*" if name.startswith("int") else "f*" if name.startswith("float") else "c*"


def _refusal(a, b):
    return TypeError(
        f"In promotion mode PromoMode.SAFE, implicit dtype promotion between ({as_dtype(a[0])!s}, "
        f"weak={a[1]}) and ({as_dtype(b[0])!s}, weak={b[1]}) is disallowed. You need to explicitly "
        "specify the dtype in your op, or relax your dtype promotion rules (such as from SAFE mode to "
        "ALL mode).")


def _fits(name, into):
    """Whether every value of the (strong) type ``name`` is one of type ``into``."""
    if name == into or name == "bool":
        return True
    if name[0] in "ui":
        if into[0] in "ui":
            return _DIGITS[name] <= _DIGITS[into] and not (name[0] == "i" and into[0] == "u")
        return _DIGITS[name] <= _DIGITS[into]
    if into[0] in "ui" or (name.startswith("complex") and not into.startswith("complex")):
        return False
    return _DIGITS[name] <= _DIGITS[into] and _EXPONENT[name] <= _EXPONENT[into]


def promoted_type(a, b, mode="all"):
    """TF's new type promotion (``dtype_conversion_mode`` 'all' or 'safe'): the type of two
    operands, each ``(dtype name, weak)``, as ``(dtype name, weak)``; ``mode='safe'`` raises
    TypeError for the promotions it refuses (``int32`` with ``float32``, ``int8`` with ``uint8``)."""
    na, nb = _node(*a), _node(*b)
    common = _UP[na] & _UP[nb]
    join = next(n for n in common if _UP[n] >= common)
    if join == "i*":
        out = ("int64" if "int64" in (a[0], b[0]) else "int32", True)
    elif join == "f*":
        # a strong integer (or a weak float64) makes a weak float64; weak operands alone keep float32
        wide = any((not w and n[0] in "ui") or (w and n == "float64") for n, w in (a, b))
        out = ("float64" if wide else "float32", True)
    elif join == "c*":
        out = ("complex128", True)
    else:
        out = (join, False)
    # 'safe': the result is one of the operands' dtypes and holds every value of the other
    # operand, unless that one is weak
    if mode == "safe" and (out[0] not in (a[0], b[0]) or not all(w or _fits(n, out[0]) for n, w in (a, b))):
        raise _refusal(a, b)
    return out
