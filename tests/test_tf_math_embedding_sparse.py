"""``embedding_lookup_sparse`` and ``safe_embedding_lookup_sparse`` against TF 2.21's values.
The gradient is checked against finite differences in tests/op_cases/tf_math_breadth.py."""

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape

PARAMS = np.array([[1, 2], [3, 4], [5, 6], [7, 8]], np.float32)
IDX = [[0, 0], [0, 1], [2, 0], [2, 1], [2, 2]]
IDS = wb.SparseTensor(IDX, [0, 1, 3, 2, 3], (4, 3))
W = wb.SparseTensor(IDX, [0.1, 1.0, 0.5, 2.0, 1.0], (4, 3))

# TF 2.21: rows up to the last row with ids; the empty row 1 is zeros
WANT = {
    ("sum", False): [[4.0, 6.0], [0, 0], [19.0, 22.0]],
    ("sum", True): [[3.1, 4.2], [0, 0], [20.5, 24.0]],
    ("mean", False): [[2.0, 3.0], [0, 0], [6.3333335, 7.3333335]],
    ("mean", True): [[2.8181818, 3.8181815], [0, 0], [5.857143, 6.857143]],
    ("sqrtn", False): [[2.828427, 4.2426405], [0, 0], [10.969655, 12.701706]],
    ("sqrtn", True): [[3.084615, 4.179156], [0, 0], [8.946934, 10.474459]],
}
WANT_MAX_NORM = {"sum": [11.340628, 13.326538], "mean": [3.2401793, 3.8075824],
                 "sqrtn": [4.949456, 5.816178]}


@pytest.mark.parametrize("combiner", ["sum", "mean", "sqrtn"])
def test_combiners_match_tf(combiner):
    for weighted in (False, True):
        got = wb.nn.embedding_lookup_sparse(PARAMS, IDS, W if weighted else None, combiner=combiner)
        np.testing.assert_allclose(got.numpy(), WANT[combiner, weighted], rtol=1e-6)
        fast = wb.nn.embedding_lookup_sparse(PARAMS, IDS, W if weighted else None,
                                             combiner=combiner, allow_fast_lookup=True)
        np.testing.assert_allclose(fast.numpy(), got.numpy())
    clipped = wb.nn.embedding_lookup_sparse(PARAMS, IDS, W, combiner=combiner, max_norm=5.0)
    np.testing.assert_allclose(clipped.numpy()[2], WANT_MAX_NORM[combiner], rtol=1e-6)


def test_default_combiner_is_mean_and_params_of_higher_rank():
    np.testing.assert_allclose(wb.nn.embedding_lookup_sparse(PARAMS, IDS, None).numpy(),
                               WANT["mean", False], rtol=1e-6)
    p3 = np.arange(24.0, dtype=np.float32).reshape(4, 3, 2)
    assert wb.nn.embedding_lookup_sparse(p3, IDS, W).shape == (3, 3, 2)
    ids3 = wb.SparseTensor([[0, 0, 0], [1, 0, 1]], [0, 1], (2, 2, 2))
    np.testing.assert_array_equal(wb.nn.embedding_lookup_sparse(PARAMS, ids3, None).numpy(),
                                  [[1, 2], [3, 4]])


def test_gradient_with_max_norm_matches_tf():
    x = wb.Variable(PARAMS)
    with GradientTape() as tape:
        y = wb.nn.embedding_lookup_sparse(x, IDS, W, combiner="sqrtn", max_norm=5.0)
        z = wb.reduce_sum(y * [[1.0, 2.0]])
    np.testing.assert_allclose(wb.convert_to_tensor(tape.gradient(z, x)).numpy(),
                               [[0.09950371, 0.19900742], [-0.31841183, 0.23880887],
                                [-0.21985519, 0.18321276], [-0.13079917, 0.11444938]], rtol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="combiner"):
        wb.nn.embedding_lookup_sparse(PARAMS, IDS, None, combiner="max")
    with pytest.raises(TypeError, match="sp_ids must be a SparseTensor"):
        wb.nn.embedding_lookup_sparse(PARAMS, [[0, 1]], None)
    with pytest.raises(ValueError, match="indices of sp_ids"):
        wb.nn.embedding_lookup_sparse(PARAMS, IDS, wb.SparseTensor([[0, 0]], [1.0], (4, 3)))


def test_safe_lookup_drops_bad_entries_and_fills_empty_rows():
    ids = wb.SparseTensor([[0, 0], [0, 1], [2, 0], [2, 1]], [0, -1, 3, 2], (4, 3))
    w = wb.SparseTensor([[0, 0], [0, 1], [2, 0], [2, 1]], [0.1, 1.0, -0.5, 2.0], (4, 3))
    np.testing.assert_allclose(wb.nn.safe_embedding_lookup_sparse(PARAMS, ids, w).numpy(),
                               [[1, 2], [0, 0], [5, 6], [0, 0]])
    np.testing.assert_allclose(wb.nn.safe_embedding_lookup_sparse(PARAMS, ids, None, default_id=1).numpy(),
                               [[1, 2], [3, 4], [6, 7], [3, 4]])
    np.testing.assert_allclose(wb.nn.safe_embedding_lookup_sparse(PARAMS, ids, None, combiner="sum").numpy(),
                               [[1, 2], [0, 0], [12, 14], [0, 0]])
    ids3 = wb.SparseTensor([[0, 0, 0], [1, 0, 1]], [0, 1], (2, 2, 2))
    out = wb.nn.safe_embedding_lookup_sparse(PARAMS, ids3)
    np.testing.assert_array_equal(out.numpy(), [[[1, 2], [0, 0]], [[3, 4], [0, 0]]])
