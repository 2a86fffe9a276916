"""``approx_max_k`` / ``approx_min_k`` and ``isotonic_regression`` against TF 2.21's values
(the approximate top-k with TF's XLA CPU kernel, which is exact). Gradients against finite
differences: tests/op_cases/tf_math_breadth.py."""

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape
from workbench.errors import InvalidArgumentError

X = np.array([[3., 1., 4., 1., 5., 9., 2., 6.], [2., 7., 1., 8., 2., 8., 1., 8.]], np.float32)


def test_approx_max_and_min_k_are_exact_and_stable_on_ties():
    top = wb.math.approx_max_k(X, 3)
    np.testing.assert_array_equal(top.values.numpy(), [[9, 6, 5], [8, 8, 8]])
    np.testing.assert_array_equal(top.indices.numpy(), [[5, 7, 4], [3, 5, 7]])
    assert top.indices.dtype == wb.int32
    low = wb.nn.approx_min_k(X, 3)
    np.testing.assert_array_equal(low.values.numpy(), [[1, 1, 2], [1, 1, 2]])
    np.testing.assert_array_equal(low.indices.numpy(), [[1, 3, 6], [2, 6, 0]])
    assert wb.nn.approx_max_k is wb.math.approx_max_k


def test_reduction_dimension_and_aggregate_to_topk():
    top = wb.math.approx_max_k(X, 1, reduction_dimension=0)
    np.testing.assert_array_equal(top.values.numpy(), [[3, 7, 4, 8, 5, 9, 2, 8]])
    np.testing.assert_array_equal(top.indices.numpy(), [[0, 1, 0, 1, 0, 0, 0, 1]])
    # without aggregation TF's CPU kernel returns the whole dimension, sorted
    full = wb.math.approx_min_k(X, 2, aggregate_to_topk=False)
    np.testing.assert_array_equal(full.indices.numpy(), [[1, 3, 6, 0, 2, 4, 7, 5],
                                                         [2, 6, 0, 4, 1, 3, 5, 7]])
    assert wb.math.approx_max_k(X, 0).values.shape == (2, 0)


def test_approx_k_gradient_goes_to_the_selected_entries():
    x = wb.constant(X)
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(wb.math.approx_max_k(x, 3).values * [[1., 2., 3.]])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(),
                                  [[0, 0, 0, 0, 3, 1, 0, 2], [0, 0, 0, 1, 0, 2, 0, 3]])
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(wb.math.approx_min_k(x, 2, reduction_dimension=0).values
                          * np.arange(16.).reshape(2, 8))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(),
                                  [[8, 1, 10, 3, 12, 13, 14, 7], [0, 9, 2, 11, 4, 5, 6, 15]])


def test_approx_k_argument_checks():
    with pytest.raises(InvalidArgumentError, match="k=9"):
        wb.math.approx_max_k(X, 9)
    with pytest.raises(ValueError, match="recall_target"):
        wb.math.approx_max_k(X, 2, recall_target=0.0)
    with pytest.raises(ValueError, match="reduction_dimension"):
        wb.math.approx_min_k(X, 2, reduction_dimension=2)
    with pytest.raises(TypeError, match="floating"):
        wb.math.approx_max_k([[1, 2, 3]], 1)


def test_isotonic_regression_matches_tf():
    y, seg = wb.nn.isotonic_regression([[3., 1, 2], [1, 3, 4]], axis=1)
    np.testing.assert_allclose(y.numpy(), [[3, 1.5, 1.5], [8 / 3] * 3], rtol=1e-6)
    np.testing.assert_array_equal(seg.numpy(), [[0, 1, 1], [0, 0, 0]])
    y, seg = wb.nn.isotonic_regression([[3., 1, 2], [1, 3, 4]], axis=0)
    np.testing.assert_array_equal(y.numpy(), [[3, 2, 3], [1, 2, 3]])
    np.testing.assert_array_equal(seg.numpy(), [[0, 0, 0], [1, 0, 0]])
    # equal neighbours are not pooled
    y, seg = wb.nn.isotonic_regression([3., 3, 3, 1, 1, 5])
    np.testing.assert_array_equal(seg.numpy(), [0, 1, 2, 3, 3, 3])
    np.testing.assert_allclose(y.numpy(), [3, 3, 3, 7 / 3, 7 / 3, 7 / 3], rtol=1e-6)
    y, seg = wb.nn.isotonic_regression([3., 3, 3, 1, 1, 5], decreasing=False)
    np.testing.assert_array_equal(seg.numpy(), [0, 0, 0, 0, 0, 1])
    np.testing.assert_allclose(y.numpy(), [2.2] * 5 + [5], rtol=1e-6)


def test_isotonic_regression_dtypes_and_edges():
    for dt, want in [(np.int8, wb.float32), (np.int32, wb.float64), (np.int64, wb.float64),
                     (np.float16, wb.float16), (np.float64, wb.float64)]:
        y, seg = wb.nn.isotonic_regression(np.array([[3, 1, 2]], dt))
        assert y.dtype == want and seg.dtype == wb.int32
    assert wb.nn.isotonic_regression(wb.zeros([2, 0])).output.shape == (2, 0)
    with pytest.raises(InvalidArgumentError, match="axis"):
        wb.nn.isotonic_regression([1., 2.], axis=1)


def test_isotonic_regression_gradient_is_the_block_mean():
    x = wb.constant([[3., 1, 2, 5, 4, 4], [1, 3, 4, 0, 7, -1]])
    with GradientTape() as tape:
        tape.watch(x)
        y, _ = wb.nn.isotonic_regression(x, decreasing=False)
        z = wb.reduce_sum(y * np.arange(12.).reshape(2, 6))
    np.testing.assert_allclose(tape.gradient(z, x).numpy(),
                               [[0.5, 0.5, 2, 4, 4, 4], [6, 8, 8, 8, 10.5, 10.5]])
