"""Cases for the ragged package's primitives (dense conversions)."""

import numpy as np

from ragged import RaggedTensor

from . import Case, uniform

LENGTHS = [2, 0, 3, 1]


def _to_dense(v):
    return RaggedTensor.from_row_lengths(v, LENGTHS).to_tensor() * 1.5


def _from_dense(d):
    return RaggedTensor.from_tensor(d, lengths=LENGTHS).flat_values ** 2


CASES = [
    Case("ragged to_tensor", _to_dense, [uniform(-1, 1, (6, 2), 21)]),
    Case("ragged from_tensor", _from_dense, [uniform(-1, 1, (4, 3), 22)]),
]


def _row_sum(v):
    from ragged import RaggedTensor
    import workbench as wb
    rt = RaggedTensor.from_row_lengths(v, LENGTHS)
    out = wb.reduce_sum(rt * rt, axis=1) + wb.reduce_max(rt, axis=1) * 0.5 + wb.reduce_min(rt, axis=1)
    return out[[0, 2, 3]]  # row 1 is empty: its max is the dtype's lowest value


CASES.append(Case("ragged row reductions", _row_sum, [uniform(-1, 1, (6,), 23)]))
