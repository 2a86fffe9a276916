"""``ragged.cross`` and ``ragged.cross_hashed`` (TF's ``tf.ragged.cross``): for each row, every
combination of one value from each 2-D input (dense, ragged or sparse), joined with ``_X_`` or
hashed as TF hashes feature crosses; the rows of the result are ragged.

>>> ragged.cross([ragged.constant([["a"], ["b", "c"]]), ragged.constant([["d"], ["e"]])]).to_list()
[[b'a_X_d'], [b'b_X_e', b'c_X_e']]
"""

from __future__ import annotations

import numpy as np

from workbench import core
from workbench.sparse.cross import crossed, hashed, joined

from .ragged_tensor import RaggedTensor


def _ragged_rows(rows, dtype):
    flat = [v for row in rows for v in row]
    values = np.empty(len(flat), dtype=object) if dtype is object else np.asarray(flat, dtype=dtype)
    if dtype is object:
        values[:] = flat
    return RaggedTensor.from_row_lengths(core.wrap_constant(values), [len(row) for row in rows], validate=False)


def cross(inputs, name=None):
    """Each row's crossed values as strings joined by ``_X_`` (integers written in decimal)."""
    return _ragged_rows(joined(crossed(inputs, "ragged.cross"), "_X_"), object)


def cross_hashed(inputs, num_buckets=0, hash_key=None, name=None):
    """Each row's crossed values hashed as TF's (int64; modulo ``num_buckets`` when positive)."""
    return _ragged_rows(hashed(crossed(inputs, "ragged.cross_hashed"), num_buckets, hash_key),
                        np.int64)


__all__ = ["cross", "cross_hashed"]
