"""Segment reductions against NumPy references and TF 2's documented behaviour."""

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape
from workbench.errors import InvalidArgumentError
from workbench.ops import segment_kernels as sk

from tests.conftest import ON_GPU, assert_close, f64

C = [[1, 2, 3, 4], [4, 3, 2, 1], [5, 6, 7, 8]]
C_UNSORTED = [[1, 2, 3, 4], [5, 6, 7, 8], [4, 3, 2, 1]]

REDUCERS = {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min, "mean": np.mean}


def reference(kind, data, ids, num_segments, empty):
    """Segment reduction by a loop over segments (the test's reference)."""
    data = np.asarray(data)
    ids = np.asarray(ids)
    data = data.reshape((ids.size,) + data.shape[ids.ndim:])
    ids = ids.reshape(-1)
    out = np.empty((num_segments,) + data.shape[1:], data.dtype)
    for s in range(num_segments):
        rows = data[ids == s]
        out[s] = REDUCERS[kind](rows, axis=0) if len(rows) else empty
    return out


def grad(f, x):
    x = f64(x)
    with GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x).numpy()


# ---------------------------------------------------------------------------
# TF's documented examples


def test_tf_doc_examples_sorted():
    c = wb.constant(C)
    ids = wb.constant([0, 0, 1])
    np.testing.assert_array_equal(wb.math.segment_sum(c, ids).numpy(), [[5, 5, 5, 5], [5, 6, 7, 8]])
    np.testing.assert_array_equal(wb.math.segment_max(c, ids).numpy(), [[4, 3, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_array_equal(wb.math.segment_min(c, ids).numpy(), [[1, 2, 2, 1], [5, 6, 7, 8]])
    np.testing.assert_array_equal(wb.math.segment_prod(c, ids).numpy(), [[4, 6, 6, 4], [5, 6, 7, 8]])
    assert_close(wb.math.segment_mean(wb.constant(C, dtype=wb.float32), ids), [[2.5, 2.5, 2.5, 2.5], [5, 6, 7, 8]])


def test_tf_doc_examples_unsorted():
    c = wb.constant(C_UNSORTED)
    ids = wb.constant([0, 1, 0])
    np.testing.assert_array_equal(wb.math.unsorted_segment_sum(c, ids, 2).numpy(), [[5, 5, 5, 5], [5, 6, 7, 8]])
    np.testing.assert_array_equal(wb.math.unsorted_segment_max(c, ids, 2).numpy(), [[4, 3, 3, 4], [5, 6, 7, 8]])
    np.testing.assert_array_equal(wb.math.unsorted_segment_min(c, ids, 2).numpy(), [[1, 2, 2, 1], [5, 6, 7, 8]])
    np.testing.assert_array_equal(wb.math.unsorted_segment_prod(c, ids, 2).numpy(), [[4, 6, 6, 4], [5, 6, 7, 8]])
    assert_close(wb.math.unsorted_segment_mean(wb.constant(C_UNSORTED, dtype=wb.float32), ids, 2),
                 [[2.5, 2.5, 2.5, 2.5], [5, 6, 7, 8]])


# ---------------------------------------------------------------------------
# empty segments: TF's values differ between the sorted and unsorted variants


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_empty_segments_sorted(dtype):
    data = wb.constant(np.array([[1, 2], [3, 4], [5, 6]], dtype=dtype))
    ids = [1, 1, 3]  # segments 0 and 2 are empty
    for op, empty in [("segment_sum", 0), ("segment_mean", 0), ("segment_prod", 1),
                      ("segment_max", 0), ("segment_min", 0)]:
        out = getattr(wb.math, op)(data, ids).numpy()
        assert out.shape == (4, 2) and out.dtype == dtype, op
        np.testing.assert_array_equal(out[[0, 2]], np.full((2, 2), empty), err_msg=op)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_empty_segments_unsorted(dtype):
    data = wb.constant(np.array([[1, 2], [3, 4], [5, 6]], dtype=dtype))
    ids = [3, -1, 3]  # the negative row is dropped; segments 0, 1, 2 are empty
    lowest = np.finfo(dtype).min if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min
    highest = np.finfo(dtype).max if np.dtype(dtype).kind == "f" else np.iinfo(dtype).max
    for op, empty in [("unsorted_segment_sum", 0), ("unsorted_segment_mean", 0),
                      ("unsorted_segment_prod", 1), ("unsorted_segment_max", lowest),
                      ("unsorted_segment_min", highest)]:
        out = getattr(wb.math, op)(data, ids, 4).numpy()
        assert out.shape == (4, 2) and out.dtype == dtype, op
        np.testing.assert_array_equal(out[:3], np.full((3, 2), empty, dtype), err_msg=op)
    # the float lowest value is finite, as numeric_limits<T>::lowest() is
    if np.dtype(dtype).kind == "f":
        assert np.isfinite(wb.math.unsorted_segment_max(data, ids, 4).numpy()).all()


def test_empty_data():
    out = wb.math.segment_sum(wb.zeros([0, 3]), np.zeros(0, np.int32))
    assert out.shape == (0, 3)
    out = wb.math.unsorted_segment_max(wb.zeros([0, 3]), np.zeros(0, np.int32), 2)
    assert out.shape == (2, 3) and (out.numpy() == np.finfo(np.float32).min).all()


# ---------------------------------------------------------------------------
# against the reference, over random ids with gaps, inner dims and dtypes

SORTED_OPS = ["sum", "mean", "prod", "max", "min"]


@pytest.mark.parametrize("kind", SORTED_OPS)
@pytest.mark.parametrize("inner", [(), (3,), (2, 3)])
def test_sorted_matches_reference(rng, kind, inner):
    ids = np.sort(rng.choice([0, 1, 1, 4, 4, 4, 5, 7], size=20))
    data = rng.uniform(0.5, 1.5, (20,) + inner)
    got = getattr(wb.math, f"segment_{kind}")(f64(data), ids)
    assert_close(got, reference(kind, data, ids, ids[-1] + 1, 1 if kind == "prod" else 0), rtol=1e-10)


@pytest.mark.parametrize("kind", SORTED_OPS)
@pytest.mark.parametrize("inner", [(), (3,)])
def test_unsorted_matches_reference(rng, kind, inner):
    ids = rng.integers(-1, 6, size=25)
    data = rng.uniform(0.5, 1.5, (25,) + inner)
    empty = {"sum": 0, "mean": 0, "prod": 1, "max": np.finfo(np.float64).min, "min": np.finfo(np.float64).max}
    got = getattr(wb.math, f"unsorted_segment_{kind}")(f64(data), ids, 8)
    assert_close(got, reference(kind, data, ids, 8, empty[kind]), rtol=1e-10)


def test_unsorted_prefix_shaped_ids(rng):
    data = rng.standard_normal((2, 3, 4))
    ids = np.array([[0, 2, 0], [-1, 1, 2]])
    got = wb.math.unsorted_segment_sum(f64(data), ids, 3)
    assert got.shape == (3, 4)
    assert_close(got, reference("sum", data, ids, 3, 0))
    got = wb.math.unsorted_segment_max(f64(data), ids, 3)
    assert_close(got, reference("max", data, ids, 3, 0))


def test_integer_sums_and_means_stay_integer():
    data = wb.constant([3, -7, 4, 100], dtype=wb.int64)
    np.testing.assert_array_equal(wb.math.segment_sum(data, [0, 0, 1, 1]).numpy(), [-4, 104])
    # the mean truncates toward zero, as C++ integer division does
    np.testing.assert_array_equal(wb.math.segment_mean(data, [0, 0, 1, 1]).numpy(), [-2, 52])
    out = wb.math.unsorted_segment_sum(wb.constant([1, 2, 3]), [1, 1, 0], 2)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.numpy(), [3, 3])


@pytest.mark.parametrize("kind", ["sum", "prod", "max", "min"])
@pytest.mark.parametrize("sorted_ids", [True, False])
def test_kernels_match_reference(rng, kind, sorted_ids):
    # the raw helpers the ragged package calls, including consecutive empty segments
    ids = np.array([1, 1, 2, 5, 5, 5, 6]) if sorted_ids else np.array([5, 1, 6, 1, 5, 2, 5])
    data = rng.uniform(-2, 2, (7, 2))
    got = sk.segment_reduce(np, kind, data, ids, 9, sorted=sorted_ids, empty=-3.0)
    np.testing.assert_allclose(got, reference(kind, data, ids, 9, -3.0))
    splits = np.array([0, 0, 2, 2, 5, 7, 7])
    got = sk.reduce_row_splits(np, kind, data, splits)
    want = reference(kind, data, np.repeat(np.arange(6), np.diff(splits)), 6, sk.identity(kind, data.dtype))
    np.testing.assert_allclose(got, want)


# ---------------------------------------------------------------------------
# gradients: TF's rules


def test_segment_max_ties_share_the_gradient():
    g = grad(lambda x: wb.reduce_sum(wb.math.segment_max(x, [0, 0, 0, 1, 1]) * f64([6., 1.])),
             np.array([1., 3., 3., 2., 0.]))
    np.testing.assert_allclose(g, [0, 3, 3, 1, 0])


def test_unsorted_segment_max_and_min_ties():
    x = np.array([[3., 1.], [3., 1.], [3., 1.], [0., 5.]])
    g = grad(lambda d: wb.reduce_sum(wb.math.unsorted_segment_max(d, [1, 1, 1, 1], 2)[1]), x)
    np.testing.assert_allclose(g, [[1 / 3, 0], [1 / 3, 0], [1 / 3, 0], [0, 1]])
    g = grad(lambda d: wb.reduce_sum(wb.math.unsorted_segment_min(d, [0, 0, -1, 0], 1)), x)
    np.testing.assert_allclose(g, [[0, 0.5], [0, 0.5], [0, 0], [1, 0]])


def test_segment_mean_gradient_divides_by_counts():
    g = grad(lambda x: wb.reduce_sum(wb.math.segment_mean(x, [0, 0, 0, 2])), np.ones(4))
    np.testing.assert_allclose(g, [1 / 3, 1 / 3, 1 / 3, 1])
    g = grad(lambda x: wb.reduce_sum(wb.math.unsorted_segment_mean(x, [1, -1, 1, 0], 2)), np.ones(4))
    np.testing.assert_allclose(g, [0.5, 0, 0.5, 1])


def test_segment_sum_gradient_gathers_rows():
    g = grad(lambda x: wb.reduce_sum(wb.math.unsorted_segment_sum(x, [2, 0, -1], 3) * f64([[1.], [2.], [3.]])),
             np.ones((3, 2)))
    np.testing.assert_allclose(g, [[3, 3], [1, 1], [0, 0]])


def test_segment_prod_gradient_with_zeros():
    x = np.array([0., 2., 3., 0., 0., 4., 5.])
    ids = [0, 0, 0, 1, 1, 2, 2]
    g = grad(lambda d: wb.reduce_sum(wb.math.segment_prod(d, ids)), x)
    # one zero: it gets the product of the rest, the others 0; two zeros: all 0
    np.testing.assert_allclose(g, [6, 0, 0, 0, 0, 5, 4])


def test_jacobian_of_segment_max():
    x = f64([1., 4., 2., 2.])
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.math.segment_max(x, [0, 0, 1, 1])
    np.testing.assert_allclose(tape.jacobian(y, x).numpy(), [[0, 1, 0, 0], [0, 0, 0.5, 0.5]])


# ---------------------------------------------------------------------------
# errors


def test_sorted_ids_must_be_non_decreasing():
    with pytest.raises(ValueError, match=r"sorted \(non-decreasing\).*segment_ids\[2\] = 0"):
        wb.math.segment_sum(wb.ones([3]), [1, 1, 0])


def test_sorted_errors():
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        wb.math.segment_max(wb.ones([2]), [-1, 0])
    with pytest.raises(ValueError, match="segment_ids has 2 entries but data has shape"):
        wb.math.segment_mean(wb.ones([3, 2]), [0, 1])
    with pytest.raises(ValueError, match="vector"):
        wb.math.segment_sum(wb.ones([2, 2]), [[0, 0], [1, 1]])
    with pytest.raises(TypeError, match="integer"):
        wb.math.segment_sum(wb.ones([2]), wb.constant([0., 1.]))


def test_unsorted_errors():
    with pytest.raises(ValueError, match=r"segment_ids\[1\] = 4 is out of range \[0, num_segments=3\)"):
        wb.math.unsorted_segment_sum(wb.ones([3]), [0, 4, 1], 3)
    with pytest.raises(ValueError, match=r"segment_ids\[1, 0\] = 3"):
        wb.math.unsorted_segment_max(wb.ones([2, 2]), [[0, 1], [3, 0]], 3)
    with pytest.raises(ValueError, match="prefix"):
        wb.math.unsorted_segment_prod(wb.ones([3, 2]), [0, 1], 2)
    with pytest.raises(TypeError, match="data"):
        wb.math.unsorted_segment_sum(wb.constant([True]), [0], 1)


# ---------------------------------------------------------------------------
# the GPU paths (atomic scatters and the segment kernel) against NumPy


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["sum", "prod", "max", "min"])
@pytest.mark.parametrize("sorted_ids", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_gpu_kernels_match_numpy(rng, kind, sorted_ids, dtype):
    import cupy
    ids = rng.integers(0, 40, 500)
    if sorted_ids:
        ids = np.sort(ids)
    data = rng.uniform(0.9, 1.1, (500, 3)).astype(dtype) if kind == "prod" else \
        rng.integers(-50, 50, (500, 3)).astype(dtype)
    want = sk.segment_reduce(np, kind, data, ids, 50, sorted=sorted_ids, empty=7)
    got = sk.segment_reduce(cupy, kind, cupy.asarray(data), cupy.asarray(ids), 50, sorted=sorted_ids, empty=7)
    np.testing.assert_allclose(cupy.asnumpy(got), want, rtol=1e-5)


@pytest.mark.skipif(not ON_GPU, reason="needs a GPU")
def test_segment_ops_run_on_gpu():
    x = wb.constant([1., 5., 2., 7.])
    assert x.device.kind == "gpu"
    assert_close(wb.math.unsorted_segment_max(x, [1, 0, 1, 0], 2), [7., 2.])
    assert_close(wb.math.segment_prod(x, [0, 0, 1, 1]), [5., 14.])


def test_reduce_segments_for_library_code():
    from workbench.ops.segment import reduce_segments
    data = f64([[1., 2.], [3., 0.], [5., 6.]])
    ids = wb.constant([0, 0, 2])
    assert_close(reduce_segments(data, ids, 3, "max", sorted_ids=True, empty=-1.0), [[3, 2], [-1, -1], [5, 6]])
    assert_close(reduce_segments(data, ids, 3, "mean"), [[2, 1], [0, 0], [5, 6]])
    g = grad(lambda d: wb.reduce_sum(wb.gather(reduce_segments(d, ids, 3, "min"), [0, 2])), data.numpy())
    np.testing.assert_allclose(g, [[1, 0], [0, 1], [1, 1]])
    with pytest.raises(ValueError, match="kind"):
        reduce_segments(data, ids, 3, "median")
