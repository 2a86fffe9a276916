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
