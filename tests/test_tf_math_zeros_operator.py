"""``wb.linalg.LinearOperatorZeros`` against TF 2.21's behaviour (computed with TF)."""

import numpy as np
import pytest

import workbench as wb


def test_shapes_hints_and_values_match_tf():
    z = wb.linalg.LinearOperatorZeros(2, 3, batch_shape=[4], is_square=False, is_self_adjoint=False)
    assert z.shape == (4, 2, 3) and z.dtype == wb.float32
    assert (z.is_square, z.is_non_singular, z.is_self_adjoint, z.is_positive_definite) == (False, False,
                                                                                            False, False)
    assert z.matvec(wb.ones([3])).shape == (4, 2)
    assert z.matmul(wb.ones([5, 1, 3, 2])).shape == (5, 4, 2, 2)
    assert z.matmul(wb.ones([4, 2, 2]), adjoint=True).shape == (4, 3, 2)
    assert z.diag_part().shape == (4, 2) and not z.to_dense().numpy().any()
    np.testing.assert_array_equal(z.add_to_tensor(wb.ones([2, 3])).numpy(), np.ones((4, 2, 3)))
    sq = wb.linalg.LinearOperatorZeros(3)
    assert float(sq.determinant()) == 0.0 and float(sq.log_abs_determinant()) == -np.inf
    assert sq.is_self_adjoint and sq.is_non_singular is False
    np.testing.assert_array_equal(sq.add_to_tensor(2 * wb.ones([3, 3])).numpy(), 2 * np.ones((3, 3)))
    assert sq.matmul(wb.ones([2, 3, 4])).shape == (2, 3, 4)


def test_errors_match_tf():
    with pytest.raises(NotImplementedError, match="singular"):
        wb.linalg.LinearOperatorZeros(3).solve(wb.ones([3, 1]))
    with pytest.raises(ValueError, match="always singular"):
        wb.linalg.LinearOperatorZeros(3, is_non_singular=True)
    with pytest.raises(ValueError, match="num_columns"):
        wb.linalg.LinearOperatorZeros(2, 3)
