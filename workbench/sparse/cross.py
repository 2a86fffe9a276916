"""Feature crosses (TF's ``tf.sparse.cross`` / ``cross_hashed``, which ``ragged.cross`` shares):
for each row, every combination of one value from each input, in order (the first input
varying slowest), joined as a string or hashed into buckets.

Inputs are 2-D: dense tensors, SparseTensors or RaggedTensors of strings or integers. Hashes
are TF's: FarmHash's Fingerprint64 of a string (an integer hashes as itself), folded into
``hash_key`` with TF's ``FingerprintCat64``, then taken modulo ``num_buckets`` (or the largest
int64). Strings are host data, so this runs row by row in Python, as ``wb.strings`` does.

>>> a = wb.SparseTensor([[0, 0], [1, 0], [1, 1]], ["a", "b", "c"], [2, 2])
>>> b = wb.SparseTensor([[0, 0], [1, 0]], ["d", "e"], [2, 1])
>>> wb.sparse.cross([a, b]).values.numpy().tolist()
[b'a_X_d', b'b_X_e', b'c_X_e']
"""

from __future__ import annotations

import itertools

import numpy as np

from .. import backend, core
from ..core import Tensor, convert_to_tensor
from ..errors import InvalidArgumentError, argcheck
from ..strings.hashes import fingerprint64
from .sparse_tensor import SparseTensor

__all__ = ["cross", "cross_hashed"]

DEFAULT_HASH_KEY = 0xDECAFCAFFE   # TF's SPARSE_CROSS_DEFAULT_HASH_KEY
_MASK = (1 << 64) - 1
_MUL = 0xC6A4A7935BD1E995


def _shift_mix(v):
    return v ^ (v >> 47)


def fingerprint_cat64(fp1, fp2):
    """TF's ``FingerprintCat64``: two 64-bit fingerprints combined into one."""
    out = (fp1 ^ _MUL) & _MASK
    out ^= (_shift_mix((fp2 * _MUL) & _MASK) * _MUL) & _MASK
    out = (out * _MUL) & _MASK
    out = (_shift_mix(out) * _MUL) & _MASK
    return _shift_mix(out)


def _values(arr, what, opname):
    if arr.dtype.kind == "O":
        return [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in arr.tolist()]
    if arr.dtype.kind in "iu":
        return [int(v) for v in arr.tolist()]
    raise TypeError(f"{opname}: {what} must hold strings or integers, got dtype {arr.dtype}")


def feature_rows(x, what, opname) -> list:
    """The rows of a 2-D input (dense, SparseTensor or RaggedTensor), each a list of its values."""
    if isinstance(x, SparseTensor):
        if len(x.shape) != 2:
            raise ValueError(f"{opname}: {what} must be 2-D, got a SparseTensor of shape {list(x.shape)}")
        idx = backend.to_numpy(x.indices._data)
        vals = _values(backend.to_numpy(x.values._data), what, opname)
        rows = [[] for _ in range(x.shape[0])]
        for (r, _), v in sorted(zip(map(tuple, idx.tolist()), vals), key=lambda p: p[0]):
            rows[r].append(v)
        return rows
    if hasattr(x, "nested_row_splits"):   # a RaggedTensor (the ragged package is a layer above)
        if x.ragged_rank != 1 or x.flat_values.ndim != 1:
            raise ValueError(f"{opname}: {what} must be 2-D, got a RaggedTensor of shape {tuple(x.shape)}")
        vals = _values(backend.to_numpy(x.flat_values._data), what, opname)
        splits = backend.to_numpy(x.row_splits._data).tolist()
        return [vals[splits[i]:splits[i + 1]] for i in range(len(splits) - 1)]
    t = x if isinstance(x, Tensor) else convert_to_tensor(x)
    if t.ndim != 2:
        raise ValueError(f"{opname}: {what} must be 2-D, got shape {t.shape}")
    arr = backend.to_numpy(t._data)
    return [_values(row, what, opname) for row in arr]


def crossed(inputs, opname) -> list:
    """For each row, the tuples of one value per input (the first input varying slowest)."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError(f"{opname}: inputs must be a non-empty list of 2-D tensors, got {argcheck.describe(inputs)}")
    per_input = [feature_rows(x, f"inputs[{i}]", opname) for i, x in enumerate(inputs)]
    n = len(per_input[0])
    for i, rows in enumerate(per_input):
        if len(rows) != n:
            raise InvalidArgumentError(f"{opname}: inputs[{i}] has {len(rows)} rows, inputs[0] has {n}")
    return [list(itertools.product(*(rows[r] for rows in per_input))) for r in range(n)]


def joined(combos, separator) -> list:
    sep = separator.encode("utf-8") if isinstance(separator, str) else separator
    return [[sep.join(v if isinstance(v, bytes) else str(v).encode("utf-8") for v in c) for c in row]
            for row in combos]


def hashed(combos, num_buckets, hash_key) -> list:
    n = argcheck.integer(num_buckets, "num_buckets", "cross_hashed", minimum=0)
    key = DEFAULT_HASH_KEY if hash_key is None else argcheck.integer(hash_key, "hash_key", "cross_hashed") & _MASK
    modulus = n if n > 0 else (1 << 63) - 1   # TF: modulo the largest int64 keeps the result non-negative
    out = []
    for row in combos:
        hashes = []
        for c in row:
            h = key
            for v in c:
                h = fingerprint_cat64(h, fingerprint64(v) if isinstance(v, bytes) else v & _MASK)
            hashes.append(h % modulus)
        out.append(hashes)
    return out


def _sparse_rows(rows, dtype) -> SparseTensor:
    idx = [[r, j] for r, row in enumerate(rows) for j in range(len(row))]
    vals = [v for row in rows for v in row]
    width = max((len(row) for row in rows), default=0)
    arr = np.empty(len(vals), dtype=object) if dtype is object else np.asarray(vals, dtype=dtype)
    if dtype is object:
        arr[:] = vals
    return SparseTensor(np.asarray(idx, np.int64).reshape(-1, 2), core.wrap_constant(arr), [len(rows), width])


def cross(inputs, name=None, separator=None) -> SparseTensor:
    """TF's ``tf.sparse.cross``: each row's crossed values as strings joined by ``separator``
    (``"_X_"`` by default), a 2-D SparseTensor."""
    return _sparse_rows(joined(crossed(inputs, "sparse.cross"), "_X_" if separator is None else separator), object)


def cross_hashed(inputs, num_buckets=0, hash_key=None, name=None) -> SparseTensor:
    """TF's ``tf.sparse.cross_hashed``: each row's crossed values hashed (into ``num_buckets``
    buckets when it is positive), a 2-D int64 SparseTensor."""
    return _sparse_rows(hashed(crossed(inputs, "sparse.cross_hashed"), num_buckets, hash_key), np.int64)
