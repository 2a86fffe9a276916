"""``wb.linalg.diag_part`` / ``diag`` / ``set_diag`` with a band of diagonals ``k=(low, high)``
and TF's ``align``, against TF 2.21's values. Gradients: tests/op_cases/tf_math_breadth.py."""

import numpy as np
import pytest

import workbench as wb
from workbench.errors import InvalidArgumentError

X = np.arange(1, 13, dtype=np.float32).reshape(3, 4)

DIAG_PART = {   # TF 2.21: diag_part(X, k=(-1, 2), padding_value=9) and of X.T with k=(-2, 1)
    "RIGHT_LEFT": ([[9, 3, 8], [2, 7, 12], [1, 6, 11], [5, 10, 9]],
                   [[9, 5, 10], [1, 6, 11], [2, 7, 12], [3, 8, 9]]),
    "LEFT_RIGHT": ([[3, 8, 9], [2, 7, 12], [1, 6, 11], [9, 5, 10]],
                   [[5, 10, 9], [1, 6, 11], [2, 7, 12], [9, 3, 8]]),
    "LEFT_LEFT": ([[3, 8, 9], [2, 7, 12], [1, 6, 11], [5, 10, 9]],
                  [[5, 10, 9], [1, 6, 11], [2, 7, 12], [3, 8, 9]]),
    "RIGHT_RIGHT": ([[9, 3, 8], [2, 7, 12], [1, 6, 11], [9, 5, 10]],
                    [[9, 5, 10], [1, 6, 11], [2, 7, 12], [9, 3, 8]]),
}


@pytest.mark.parametrize("align", sorted(DIAG_PART))
def test_diag_part_band_and_align_match_tf(align):
    wide, tall = DIAG_PART[align]
    np.testing.assert_array_equal(
        wb.linalg.diag_part(X, k=(-1, 2), align=align, padding_value=9).numpy(), wide)
    np.testing.assert_array_equal(
        wb.linalg.diag_part(X.T, k=(-2, 1), align=align, padding_value=9).numpy(), tall)


def test_diag_band_shapes_match_tf():
    d = wb.linalg.diag_part(X, k=(-1, 2))
    np.testing.assert_array_equal(wb.linalg.diag(d, k=(-1, 2)).numpy(),
                                  [[1, 7, 8], [5, 6, 12], [0, 10, 11]])
    np.testing.assert_array_equal(
        wb.linalg.diag(d, k=(-1, 2), num_rows=3, num_cols=4, padding_value=7).numpy(),
        [[1, 2, 3, 7], [5, 6, 7, 8], [7, 10, 11, 12]])
    assert wb.linalg.diag(d, k=(-1, 2), num_cols=5).shape == (3, 5)
    np.testing.assert_array_equal(wb.linalg.diag([[1, 2], [3, 4]], k=(0, 1)).numpy(),
                                  [[3, 2], [0, 4]])
    # a single diagonal (also k=(d, d)) keeps the rank-1 layout
    np.testing.assert_array_equal(wb.linalg.diag_part(X, k=(1, 1)).numpy(), [2, 7, 12])
    assert wb.linalg.diag_part(X, k=[0, 0]).shape == (3,)
    assert wb.linalg.diag([1, 2], k=1, num_rows=2).shape == (2, 3)


def test_set_diag_band_matches_tf():
    d = wb.linalg.diag_part(X, k=(-1, 2))
    np.testing.assert_array_equal(wb.linalg.set_diag(np.zeros((3, 4), np.float32), d, k=(-1, 2)).numpy(),
                                  [[1, 2, 3, 0], [5, 6, 7, 8], [0, 10, 11, 12]])
    np.testing.assert_array_equal(
        wb.linalg.matrix_set_diag(np.zeros((3, 4), np.float32), d, k=(-1, 2), align="LEFT_RIGHT").numpy(),
        [[1, 2, 0, 0], [10, 6, 7, 3], [0, 0, 11, 12]])
    # batched
    xb = np.stack([X, 2 * X])
    np.testing.assert_array_equal(wb.linalg.matrix_diag_part(xb, k=(0, 1)).numpy()[1],
                                  2 * wb.linalg.diag_part(X, k=(0, 1)).numpy())
    assert wb.linalg.matrix_diag is wb.linalg.diag


def test_band_argument_checks():
    for k in [(2, -1), (-3, 0), (0, 4)]:
        with pytest.raises(InvalidArgumentError):
            wb.linalg.diag_part(X, k=k)
    with pytest.raises(ValueError, match="align"):
        wb.linalg.diag_part(X, k=(0, 1), align="UP")
    d = wb.linalg.diag_part(X, k=(-1, 2))
    with pytest.raises(InvalidArgumentError, match="too small"):
        wb.linalg.diag(d[:2], k=(0, 1), num_rows=2)
    with pytest.raises(InvalidArgumentError, match="do not match"):
        wb.linalg.diag(d[:2], k=(0, 1), num_rows=6, num_cols=6)
    with pytest.raises(InvalidArgumentError, match="must have shape"):
        wb.linalg.set_diag(np.zeros((3, 4), np.float32), d[:2], k=(-1, 2))
