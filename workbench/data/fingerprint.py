"""``Dataset.fingerprint()``: a uint64 that is the same for datasets built the same way (in this
process or another) and differs when the building differs.

TF hashes the dataset's graph; here the hash (BLAKE2b, 8 bytes) runs over the chain of
transformations: each one's class and settings, the values of the tensors and arrays it holds
(``from_tensor_slices``' data), and its functions' code (bytecode, constants, names, defaults
and the values their closures hold). The numbers are not TF's. What a function reads from
outside its code and closure (a global variable, a model's weights) is not part of it, nor is
the content of the files a reader reads (as in TF).

>>> a = wb.data.Dataset.range(10).map(lambda x: x + 1)
>>> b = wb.data.Dataset.range(10).map(lambda x: x + 1)
>>> bool(a.fingerprint() == b.fingerprint())
True
"""

from __future__ import annotations

import hashlib
import re
import threading
import types

import numpy as np

from .. import backend
from ..core import Tensor
from . import structure as st

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+|0x[0-9a-fA-F]+")   # an object's place in memory

# runtime state of datasets and iterators: not part of how a dataset was built
_RUNTIME = frozenset({
    "_lock", "_next_pass", "_next_epoch", "_memory", "_readers", "_traced", "_made_by", "_programs",
    "_first_spec", "_restore_round", "_stand_in", "_options_cache", "_specs_cache", "_log", "_done",
})


def fingerprint(dataset) -> int:
    """The fingerprint of ``dataset`` as a Python int in ``[0, 2**64)``."""
    h = hashlib.blake2b(digest_size=8)
    _feed(dataset, h, {})
    return int.from_bytes(h.digest(), "little")


def _feed(obj, h, memo):
    put = h.update
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes, np.generic)):
        put(f"{type(obj).__name__}:{obj!r};".encode())
        return
    key = id(obj)
    if key in memo:   # shared or cyclic: where it was first seen
        put(f"ref:{memo[key]};".encode())
        return
    memo[key] = len(memo)
    if isinstance(obj, Tensor):
        _feed_array(backend.to_numpy(obj._data), h)
    elif isinstance(obj, np.ndarray) or type(obj).__module__.startswith("cupy"):
        _feed_array(backend.to_numpy(obj), h)
    elif st.is_ragged(obj):
        put(b"ragged")
        _feed((obj.flat_values, list(obj.nested_row_splits)), h, memo)
    elif st.is_sparse(obj):
        put(b"sparse")
        _feed((obj.indices, obj.values, [int(d) for d in obj.shape]), h, memo)
    elif isinstance(obj, (list, tuple)):
        put(f"{type(obj).__name__}[{len(obj)}](".encode())
        for v in obj:
            _feed(v, h, memo)
        put(b")")
    elif isinstance(obj, dict):
        put(f"dict[{len(obj)}](".encode())
        for k, v in obj.items():
            _feed(k, h, memo)
            _feed(v, h, memo)
        put(b")")
    elif isinstance(obj, types.FunctionType):
        _feed_code(obj.__code__, h, memo)
        _feed(obj.__defaults__, h, memo)
        _feed(obj.__kwdefaults__, h, memo)
        for cell in obj.__closure__ or ():
            try:
                _feed(cell.cell_contents, h, memo)
            except ValueError:    # an empty cell
                put(b"empty-cell;")
    elif isinstance(obj, types.MethodType):
        _feed(obj.__func__, h, memo)
        _feed(obj.__self__, h, memo)
    elif isinstance(obj, (types.BuiltinFunctionType, type)):
        put(f"{getattr(obj, '__module__', '')}.{obj.__qualname__};".encode())
    elif getattr(obj, "_is_dataset", False) or type(obj).__module__.startswith(__package__ + "."):
        # a dataset, or a part of one (the arrays of ``from_tensor_slices``)
        put(f"{type(obj).__module__}.{type(obj).__qualname__}(".encode())
        fields = vars(obj) if hasattr(obj, "__dict__") else {
            name: getattr(obj, name) for name in getattr(type(obj), "__slots__", ()) if hasattr(obj, name)}
        for name, value in sorted(fields.items()):
            if name in _RUNTIME or isinstance(value, (type(threading.Lock()), type(threading.RLock()))):
                continue
            put(name.encode())
            _feed(value, h, memo)
        put(b")")
    elif hasattr(obj, "_serialize") or type(obj).__repr__ is not object.__repr__:
        # specs, dtypes, shapes and other values whose repr says what they are
        put(f"{type(obj).__qualname__}:{_ADDRESS.sub('', repr(obj))};".encode())
    else:
        put(f"{type(obj).__module__}.{type(obj).__qualname__};".encode())


def _feed_array(arr, h):
    h.update(f"array:{arr.dtype.str}:{arr.shape};".encode())
    if arr.dtype == object:
        for v in arr.reshape(-1):
            v = v if isinstance(v, bytes) else str(v).encode()
            h.update(len(v).to_bytes(8, "little"))
            h.update(v)
    else:
        h.update(np.ascontiguousarray(arr).tobytes())


def _feed_code(code, h, memo):
    h.update(b"code:")
    h.update(code.co_code)
    h.update(repr((code.co_names, code.co_varnames, code.co_argcount)).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _feed_code(const, h, memo)
        else:
            _feed(const, h, memo)
