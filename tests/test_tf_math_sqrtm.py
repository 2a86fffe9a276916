"""``wb.linalg.sqrtm`` and ``logm`` against TF 2.21's values and gradient (computed with TF on the
same inputs); the gradient against finite differences in tests/op_cases/tf_math_breadth.py."""

import numpy as np
import pytest
import scipy.linalg

import workbench as wb
from gradients import GradientTape


def test_sqrtm_values_and_nan_where_tf_gives_nan():
    np.testing.assert_allclose(wb.linalg.sqrtm([[4.0, 1.0], [0.0, 9.0]]).numpy(), [[2, 0.2], [0, 3]],
                               rtol=1e-6)
    assert np.isnan(wb.linalg.sqrtm([[-1.0, 0.0], [0.0, 1.0]]).numpy()).all()
    a = np.random.default_rng(0).normal(size=(3, 4, 4))
    a = a @ np.swapaxes(a, -1, -2) + np.eye(4)
    root = wb.linalg.sqrtm(a).numpy()
    np.testing.assert_allclose(root @ root, a, atol=1e-10)


def test_sqrtm_gradient_matches_tf():
    x = wb.constant([[[4., 1], [1, 3]], [[2., 0.5], [0.3, 1]]], wb.float64)
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(wb.linalg.sqrtm(x) * [[1., 2], [3, 4]])
    np.testing.assert_allclose(tape.gradient(y, x).numpy(),
                               [[[0.17230251, 0.45007265], [0.72090485, 1.07639089]],
                                [[0.25435719, 0.72416954], [1.06757915, 1.8821912]]], rtol=1e-7)


def test_logm_takes_complex_matrices_only():
    a = np.array([[4.0 + 0j, 1.0], [0.0, 9.0]], np.complex128)
    np.testing.assert_allclose(wb.linalg.logm(a).numpy(), [[1.38629436, 0.16218604], [0, 2.19722458]],
                               rtol=1e-7)
    np.testing.assert_allclose(wb.linalg.logm(np.stack([a, a.T])).numpy()[1], scipy.linalg.logm(a.T))
    with pytest.raises(TypeError, match="complex"):
        wb.linalg.logm([[4.0, 1.0], [0.0, 9.0]])
    with pytest.raises(ValueError, match="square"):
        wb.linalg.sqrtm([[1.0, 2.0]])
