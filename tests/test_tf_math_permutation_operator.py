"""``wb.linalg.LinearOperatorPermutation`` against TF 2.21's values (computed with TF)."""

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape


def test_matches_tf():
    p = wb.linalg.LinearOperatorPermutation([2, 0, 1])
    np.testing.assert_array_equal(p.to_dense().numpy(), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    np.testing.assert_array_equal(p.matvec([10., 20, 30]).numpy(), [30, 10, 20])
    np.testing.assert_array_equal(p.solvevec([10., 20, 30]).numpy(), [20, 30, 10])
    assert float(p.determinant()) == 1.0 and float(p.log_abs_determinant()) == 0.0
    assert p.is_square and p.is_non_singular is None and p.dtype == wb.float32
    q = wb.linalg.LinearOperatorPermutation([[1, 0, 2], [0, 1, 2]], dtype=wb.float64)
    assert q.shape == (2, 3, 3) and q.matmul(wb.ones([2, 3, 1], wb.float64)).shape == (2, 3, 1)
    np.testing.assert_array_equal(q.determinant().numpy(), [-1, 1])
    np.testing.assert_array_equal(q.trace().numpy(), [1, 3])
    np.testing.assert_array_equal(q.diag_part().numpy(), [[0, 0, 1], [1, 1, 1]])
    np.testing.assert_array_equal(q[1].to_dense().numpy(), np.eye(3))


def test_products_against_the_dense_matrix_and_gradients():
    rng = np.random.default_rng(0)
    perm = np.stack([rng.permutation(5) for _ in range(2)])
    op = wb.linalg.LinearOperatorPermutation(perm, dtype=wb.float64)
    dense = op.to_dense().numpy()
    x = rng.normal(size=(2, 5, 3))
    for adjoint in (False, True):
        want = (np.swapaxes(dense, -1, -2) if adjoint else dense) @ x
        np.testing.assert_allclose(op.matmul(x, adjoint=adjoint).numpy(), want)
        np.testing.assert_allclose(op.solve(x, adjoint=adjoint).numpy(),
                                   np.linalg.solve(np.swapaxes(dense, -1, -2) if adjoint else dense, x))
    np.testing.assert_allclose(op.determinant().numpy(), np.linalg.det(dense))
    xt = wb.constant(x)
    with GradientTape() as tape:
        tape.watch(xt)
        y = wb.reduce_sum(op.matmul(xt) * np.arange(15.0).reshape(5, 3))
    np.testing.assert_allclose(tape.gradient(y, xt).numpy(),
                               np.swapaxes(dense, -1, -2) @ np.arange(15.0).reshape(5, 3))


def test_bad_arguments():
    with pytest.raises(ValueError, match="once"):
        wb.linalg.LinearOperatorPermutation([0, 0, 1])
    with pytest.raises(TypeError, match="integers"):
        wb.linalg.LinearOperatorPermutation([0.0, 1.0])
    with pytest.raises(ValueError, match="non-singular"):
        wb.linalg.LinearOperatorPermutation([1, 0], is_non_singular=False)
