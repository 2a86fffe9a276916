"""Indexing and shape ops against NumPy and TF 2's documented examples."""

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape, check_gradients

from tests.conftest import assert_close, f64


def grad(f, x):
    x = f64(x)
    with GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x).numpy()


# ---------------------------------------------------------------------------
# gather


class TestGather:
    def test_tf_doc_examples(self):
        params = wb.constant([0., 1., 2., 3., 4., 5.])
        assert_close(wb.gather(params, [3]), [3.])
        assert_close(wb.gather(params, [[2, 0], [1, 1]]), [[2., 0.], [1., 1.]])
        p2 = wb.constant([[0, 1., 2.], [10, 11, 12], [20, 21, 22], [30, 31, 32]])
        assert_close(wb.gather(p2, [3, 1]), [[30, 31, 32], [10, 11, 12]])
        assert_close(wb.gather(p2, [2, 1], axis=1), [[2, 1], [12, 11], [22, 21], [32, 31]])

    def test_batch_dims_tf_example(self):
        params = wb.constant([[0, 1, 2, 3, 4], [10, 11, 12, 13, 14]])
        out = wb.gather(params, [[2, 1], [4, 4]], axis=1, batch_dims=1)
        np.testing.assert_array_equal(out.numpy(), [[2, 1], [14, 14]])

    @pytest.mark.parametrize("axis", [0, 1, 2, -1])
    def test_matches_numpy_take(self, rng, axis):
        x = rng.standard_normal((3, 4, 5))
        idx = rng.integers(0, x.shape[axis], size=(2, 3))
        assert_close(wb.gather(f64(x), idx, axis=axis), np.take(x, idx, axis=axis))

    def test_batch_dims_matches_take_along_axis(self, rng):
        x = rng.standard_normal((3, 4, 5))
        idx = rng.integers(0, 5, size=(3, 4, 2))
        got = wb.gather(f64(x), idx, axis=2, batch_dims=2)
        assert_close(got, np.take_along_axis(x, idx, axis=2))

    def test_axis_defaults_to_batch_dims(self, rng):
        x = rng.standard_normal((3, 4))
        idx = rng.integers(0, 4, size=(3, 6))
        assert_close(wb.gather(f64(x), idx, batch_dims=1), np.take_along_axis(x, idx, axis=1))

    def test_int64_indices_and_int_params(self):
        out = wb.gather(wb.constant([7, 8, 9]), np.array([2, 2, 0], dtype=np.int64))
        assert out.dtype == np.int32
        np.testing.assert_array_equal(out.numpy(), [9, 9, 7])

    def test_negative_index_is_an_error_naming_it(self):
        with pytest.raises(wb.errors.InvalidArgumentError, match=r" indices\[1\] = -1 is not in \[0, 3\) "):
            wb.gather(wb.constant([1., 2., 3.]), [0, -1])

    def test_out_of_range_index(self):
        with pytest.raises(wb.errors.InvalidArgumentError, match=r" indices\[0,1\] = 4 is not in \[0, 4\) "):
            wb.gather(wb.zeros([2, 4]), [[0, 4]], axis=1)

    def test_bad_arguments(self):
        with pytest.raises(TypeError, match="integer"):
            wb.gather(wb.zeros([3]), wb.constant([0.5]))
        with pytest.raises(ValueError, match="batch_dims"):
            wb.gather(wb.zeros([2, 3]), [[0], [1], [2]], batch_dims=1)
        with pytest.raises(ValueError, match="axis"):
            wb.gather(wb.zeros([2, 3]), [0], axis=2)

    def test_gradient_is_a_scatter_add(self):
        g = grad(lambda x: wb.reduce_sum(wb.gather(x, [0, 2, 2, 2]) * wb.constant([1., 2., 3., 4.],
                                                                                  dtype=wb.float64)),
                 np.zeros(4))
        np.testing.assert_allclose(g, [1., 0., 9., 0.])

    def test_jacobian_through_gather(self):
        x = f64([1., 2., 3.])
        with GradientTape() as tape:
            tape.watch(x)
            y = wb.gather(x, [2, 0, 2]) ** 2
        jac = tape.jacobian(y, x).numpy()
        np.testing.assert_allclose(jac, [[0, 0, 6], [2, 0, 0], [0, 0, 6]])


class TestGatherNd:
    def test_tf_doc_examples(self):
        p = wb.constant([[0., 1.], [2., 3.]])
        assert_close(wb.gather_nd(p, [[0, 0], [1, 1]]), [0., 3.])
        assert_close(wb.gather_nd(p, [[1], [0]]), [[2., 3.], [0., 1.]])
        p3 = wb.constant(np.arange(8.).reshape(2, 2, 2))
        assert_close(wb.gather_nd(p3, [[0, 1], [1, 0]]), [[2., 3.], [4., 5.]])
        assert_close(wb.gather_nd(p3, [[[0, 0]], [[1, 1]]]), [[[0., 1.]], [[6., 7.]]])

    def test_batch_dims(self):
        p = np.arange(12.).reshape(2, 3, 2)
        got = wb.gather_nd(f64(p), [[[2], [0]], [[1], [1]]], batch_dims=1)
        assert_close(got, [[p[0, 2], p[0, 0]], [p[1, 1], p[1, 1]]])

    def test_matches_numpy(self, rng):
        p = rng.standard_normal((4, 5, 3))
        idx = np.stack([rng.integers(0, 4, 7), rng.integers(0, 5, 7)], axis=-1)
        assert_close(wb.gather_nd(f64(p), idx), p[idx[:, 0], idx[:, 1]])

    def test_errors(self):
        with pytest.raises(wb.errors.InvalidArgumentError,
                           match=r" indices\[1\] = \[1, 5\] does not index into param shape \[3,2\]"):
            wb.gather_nd(wb.zeros([3, 2]), [[0, 0], [1, 5]])
        with pytest.raises(ValueError, match="do not fit"):
            wb.gather_nd(wb.zeros([3]), [[0, 0]])


# ---------------------------------------------------------------------------
# scatter


class TestScatter:
    def test_scatter_nd_tf_examples(self):
        out = wb.scatter_nd([[4], [3], [1], [7]], wb.constant([9, 10, 11, 12]), [8])
        np.testing.assert_array_equal(out.numpy(), [0, 11, 0, 10, 9, 0, 0, 12])
        updates = np.array([[[5, 5, 5, 5], [6, 6, 6, 6], [7, 7, 7, 7], [8, 8, 8, 8]]] * 2)
        out = wb.scatter_nd([[0], [2]], wb.constant(updates), [4, 4, 4]).numpy()
        want = np.zeros((4, 4, 4), int)
        want[0] = want[2] = updates[0]
        np.testing.assert_array_equal(out, want)

    def test_scatter_nd_repeated_indices_add_up(self):
        out = wb.scatter_nd([[1], [1], [0]], wb.constant([1., 2., 4.]), [3])
        assert_close(out, [4., 3., 0.])

    def test_scatter_nd_errors(self):
        with pytest.raises(ValueError, match=r"updates has shape \(2,\), expected .*\(3,\)"):
            wb.scatter_nd([[0], [1], [2]], wb.constant([1., 2.]), [4])
        with pytest.raises(wb.errors.InvalidArgumentError, match=r" indices\[0\] = \[4\] does not index into shape \[4\]"):
            wb.scatter_nd([[4]], wb.constant([1.]), [4])

    def test_tensor_scatter_nd_update_tf_example(self):
        out = wb.tensor_scatter_nd_update(wb.constant([0] * 8), [[1], [3], [4], [7]],
                                          wb.constant([9, 10, 11, 12]))
        np.testing.assert_array_equal(out.numpy(), [0, 9, 0, 10, 11, 0, 0, 12])

    def test_tensor_scatter_nd_update_rows_and_last_write_wins(self):
        t = np.arange(12.).reshape(3, 4)
        out = wb.tensor_scatter_nd_update(f64(t), [[2], [0], [2]], f64(-np.ones((3, 4)) * [[1], [2], [3]]))
        want = t.copy()
        want[0] = -2
        want[2] = -3
        assert_close(out, want)

    def test_tensor_scatter_nd_update_gradients(self):
        t, u = f64(np.ones((3, 2))), f64([[1., 1.], [2., 2.], [3., 3.]])
        with GradientTape(persistent=True) as tape:
            tape.watch([t, u])
            y = wb.reduce_sum(wb.tensor_scatter_nd_update(t, [[2], [0], [2]], u) * f64([[1.], [2.], [3.]]))
        np.testing.assert_allclose(tape.gradient(y, t).numpy(), [[0, 0], [2, 2], [0, 0]])
        # TF 2.21: every update gets its slot's gradient, the overwritten one (row 0) too
        np.testing.assert_allclose(tape.gradient(y, u).numpy(), [[3, 3], [1, 1], [3, 3]])

    def test_tensor_scatter_nd_add_and_sub_tf_examples(self):
        t = wb.constant([1, 2, 3, 4, 5, 6, 7, 8])
        idx, upd = [[4], [3], [1], [7]], wb.constant([9, 10, 11, 12])
        np.testing.assert_array_equal(wb.tensor_scatter_nd_add(t, idx, upd).numpy(),
                                      [1, 13, 3, 14, 14, 6, 7, 20])
        np.testing.assert_array_equal(wb.tensor_scatter_nd_sub(t, idx, upd).numpy(),
                                      [1, -9, 3, -6, -4, 6, 7, -4])

    def test_tensor_scatter_nd_min_and_max_tf_examples(self):
        # TF's tensor slicing guide; values checked in TF 2.21
        t = wb.constant([[-2, -7, 0], [-9, 0, 1], [0, -3, -8]])
        idx = [[0, 2], [1, 1], [2, 0]]
        np.testing.assert_array_equal(wb.tensor_scatter_nd_min(t, idx, [-6, -5, -4]).numpy(),
                                      [[-2, -7, -6], [-9, -5, 1], [-4, -3, -8]])
        np.testing.assert_array_equal(wb.tensor_scatter_nd_max(t, idx, [6, 5, 4]).numpy(),
                                      [[-2, -7, 6], [-9, 5, 1], [4, -3, -8]])
        # repeated indices all take part; rows (k < rank) compare elementwise
        assert_close(wb.tensor_scatter_nd_max(wb.constant([1., 5., 3.]), [[0], [0], [2]], [4., 7., 2.]),
                     [7., 5., 3.])
        np.testing.assert_array_equal(
            wb.tensor_scatter_nd_min(wb.constant([[1, 5], [3, 3]]), [[1]], [[0, 9]]).numpy(), [[1, 5], [0, 3]])
        with pytest.raises(TypeError, match="updates has dtype float32, tensor has int32"):
            wb.tensor_scatter_nd_max(wb.constant([1, 2]), [[0]], wb.constant([1.]))

    def test_tensor_scatter_nd_max_gradients(self):
        # as TF 2.21: the winning entry gets the gradient, the tensor's untouched entries pass it on
        x, u = f64([1., 5., 3.]), f64([4., 7., 2.])
        with GradientTape(persistent=True) as tape:
            tape.watch([x, u])
            y = wb.reduce_sum(wb.tensor_scatter_nd_max(x, [[0], [0], [2]], u) * f64([1., 2., 3.]))
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0, 2, 3])
        np.testing.assert_allclose(tape.gradient(y, u).numpy(), [0, 1, 0])
        check_gradients(lambda a, b: wb.tensor_scatter_nd_min(a, [[1], [0], [1]], b),
                        [np.array([[1., 2.], [3., 4.]]), np.array([[0.5, 5.], [2.5, 0.], [9., 3.5]])], order=1)

    def test_tensor_scatter_python_updates_take_the_tensor_dtype(self):
        # TF's tensor_scatter_nd_update docstring: int lists scattered into float zeros
        out = wb.tensor_scatter_nd_update(wb.zeros([5, 5]), [[[0, 0], [1, 1]], [[0, 4], [1, 3]]], [[1, 1], [1, 1]])
        assert out.dtype == np.float32 and out.numpy()[0].tolist() == [1.0, 0.0, 0.0, 0.0, 1.0]
        assert wb.tensor_scatter_nd_add(wb.zeros([3]), [[0], [2]], [1, 1]).numpy().tolist() == [1.0, 0.0, 1.0]
        with pytest.raises(TypeError, match="updates has dtype int32, tensor has float32"):
            wb.tensor_scatter_nd_update(wb.zeros([3]), [[0]], wb.constant([1]))   # tensors keep theirs

    def test_slice_tf_examples(self):
        t1 = wb.constant([0, 1, 2, 3, 4, 5, 6, 7])
        np.testing.assert_array_equal(wb.slice(t1, begin=[1], size=[3]).numpy(), [1, 2, 3])
        t3 = wb.constant(np.arange(1, 32, 2).reshape(2, 2, 4).astype(np.int32))
        np.testing.assert_array_equal(wb.slice(t3, begin=[1, 1, 0], size=[1, 1, 2]).numpy(), [[[25, 27]]])
        t = wb.constant([[1, 2, 3], [4, 5, 6]])
        np.testing.assert_array_equal(wb.slice(t, wb.constant([0, 1]), [-1, 2]).numpy(), [[2, 3], [5, 6]])
        assert wb.slice(t, [2, 3], [0, 0]).shape == (0, 0)
        check_gradients(lambda a: wb.slice(a, [1, 0], [1, 2]), [np.arange(6.).reshape(2, 3)], order=2)

    def test_strided_slice_as_tf(self):
        # outputs checked in TF 2.21
        t = wb.constant(np.arange(24).reshape(2, 3, 4).astype(np.int32))
        np.testing.assert_array_equal(wb.strided_slice(t, [0, 1, 0], [2, 3, 4], [1, 1, 2]).numpy(),
                                      np.arange(24).reshape(2, 3, 4)[0:2, 1:3, 0:4:2])
        np.testing.assert_array_equal(wb.strided_slice(t, [1, -1, 0], [2, -4, 4], [1, -1, 1]).numpy(),
                                      [[[20, 21, 22, 23], [16, 17, 18, 19], [12, 13, 14, 15]]])
        assert wb.strided_slice(t, [0, 0, 0], [0, 0, 0], [1, 1, 1], begin_mask=7, end_mask=7).shape == (2, 3, 4)
        np.testing.assert_array_equal(
            wb.strided_slice(t, [0, 1], [0, 2], shrink_axis_mask=2, begin_mask=1, end_mask=1).numpy(),
            [[4, 5, 6, 7], [16, 17, 18, 19]])
        assert wb.strided_slice(t, [0], [1], new_axis_mask=1).shape == (1, 2, 3, 4)
        assert wb.strided_slice(t, [0, 0], [1, 1], ellipsis_mask=1).numpy().tolist() == [[[0], [4], [8]],
                                                                                         [[12], [16], [20]]]
        with pytest.raises(wb.errors.InvalidArgumentError, match="one length"):
            wb.strided_slice(t, [0, 0], [1], [1])
        with pytest.raises(wb.errors.InvalidArgumentError, match=r"strides\[0\] must be non-zero"):
            wb.strided_slice(t, [0], [1], [0])
        check_gradients(lambda a: wb.strided_slice(a, [1, 2], [-1, 0], [1, -1]), [np.arange(12.).reshape(3, 4)])

    def test_slice_errors_as_tf(self):
        t = wb.constant([[1, 2, 3], [4, 5, 6]])
        with pytest.raises(wb.errors.InvalidArgumentError, match=r"size\[1\] must be in \[0, 1\].*got 2"):
            wb.slice(t, [0, 2], [1, 2])
        with pytest.raises(wb.errors.InvalidArgumentError, match=r"begin\[0\] must be in \[0, 2\], got -1"):
            wb.slice(t, [-1, 0], [1, 1])
        with pytest.raises(wb.errors.InvalidArgumentError, match="one entry per dimension"):
            wb.slice(t, [0], [1])
        with pytest.raises(TypeError, match="begin must be a vector of integers"):
            wb.slice(t, [0.5, 0], [1, 1])


# ---------------------------------------------------------------------------
# masks and one-hot


class TestBooleanMask:
    def test_tf_examples(self):
        assert_close(wb.boolean_mask(wb.constant([0, 1, 2, 3]), np.array([True, False, True, False])), [0, 2])
        t = wb.constant([[1, 2], [3, 4], [5, 6]])
        np.testing.assert_array_equal(wb.boolean_mask(t, [True, False, True]).numpy(), [[1, 2], [5, 6]])

    def test_multi_dim_mask_and_axis(self, rng):
        x = rng.standard_normal((2, 3, 4))
        m = rng.random((3, 4)) > 0.5
        assert_close(wb.boolean_mask(f64(x), m, axis=1), x[:, m])
        m2 = rng.random((2, 3)) > 0.5
        assert_close(wb.boolean_mask(f64(x), m2), x[m2])

    def test_errors(self):
        with pytest.raises(ValueError, match="does not match"):
            wb.boolean_mask(wb.zeros([3, 2]), [True, False])
        with pytest.raises(TypeError, match="bool"):
            wb.boolean_mask(wb.zeros([2]), [1, 0])


class TestOneHot:
    def test_tf_examples(self):
        assert_close(wb.one_hot([0, 1, 2], 3), np.eye(3))
        out = wb.one_hot([0, 2, -1, 1], 3, on_value=5.0, off_value=0.0, axis=-1)
        assert_close(out, [[5, 0, 0], [0, 0, 5], [0, 0, 0], [0, 5, 0]])
        out = wb.one_hot([[0, 2], [1, -1]], 3, on_value=1.0, off_value=0.0, axis=-1)
        assert out.shape == (2, 2, 3)
        assert_close(out, [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 0, 0]]])

    def test_axis_and_dtypes(self):
        out = wb.one_hot([0, 2], 3, axis=0)
        assert out.shape == (3, 2) and out.dtype == np.float32
        assert_close(out, np.eye(3)[[0, 2]].T)
        assert wb.one_hot([1], 2, dtype=wb.int64).dtype == np.int64
        assert wb.one_hot([1], 2, on_value=3, off_value=-1).numpy().tolist() == [[-1, 3]]

    def test_mismatched_dtypes(self):
        with pytest.raises(TypeError, match="off_value"):
            wb.one_hot([0], 2, on_value=1, off_value=0.0)


# ---------------------------------------------------------------------------
# tile, pad, reverse, roll, repeat


def test_tile_tf_examples():
    a = wb.constant([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(wb.tile(a, [1, 2]).numpy(), np.tile(a.numpy(), (1, 2)))
    np.testing.assert_array_equal(wb.tile(a, [2, 1]).numpy(), np.tile(a.numpy(), (2, 1)))
    np.testing.assert_array_equal(wb.tile(a, [2, 2]).numpy(), np.tile(a.numpy(), (2, 2)))
    with pytest.raises(ValueError, match="multiples has 1 entries"):
        wb.tile(a, [2])


def test_tile_gradient_sums_copies():
    g = grad(lambda x: wb.reduce_sum(wb.tile(x, [3, 2]) * wb.constant(np.arange(12.).reshape(6, 2))),
             np.zeros((2, 1)))
    np.testing.assert_allclose(g, [[0 + 1 + 4 + 5 + 8 + 9], [2 + 3 + 6 + 7 + 10 + 11]])


class TestPad:
    T = [[1, 2, 3], [4, 5, 6]]
    P = [[1, 1], [2, 2]]

    def test_tf_doc_examples(self):
        t = wb.constant(self.T)
        np.testing.assert_array_equal(wb.pad(t, self.P).numpy(), [
            [0, 0, 0, 0, 0, 0, 0], [0, 0, 1, 2, 3, 0, 0], [0, 0, 4, 5, 6, 0, 0], [0, 0, 0, 0, 0, 0, 0]])
        np.testing.assert_array_equal(wb.pad(t, self.P, "REFLECT").numpy(), [
            [6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1], [6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1]])
        np.testing.assert_array_equal(wb.pad(t, self.P, "SYMMETRIC").numpy(), [
            [2, 1, 1, 2, 3, 3, 2], [2, 1, 1, 2, 3, 3, 2], [5, 4, 4, 5, 6, 6, 5], [5, 4, 4, 5, 6, 6, 5]])

    def test_constant_values(self):
        out = wb.pad(wb.constant([1., 2.]), [[1, 2]], constant_values=-1.5)
        assert_close(out, [-1.5, 1., 2., -1.5, -1.5])

    def test_errors(self):
        with pytest.raises(ValueError, match="REFLECT paddings .* at most 2"):
            wb.pad(wb.constant(self.T), [[0, 0], [3, 0]], "REFLECT")
        with pytest.raises(ValueError, match=r"\[rank, 2\]"):
            wb.pad(wb.constant(self.T), [[1, 1]])
        with pytest.raises(ValueError, match="mode"):
            wb.pad(wb.constant(self.T), self.P, "WRAP")

    def test_reflect_gradient_counts_mirrored_copies(self):
        g = grad(lambda x: wb.reduce_sum(wb.pad(x, [[2, 1]], "REFLECT")), np.zeros(3))
        np.testing.assert_allclose(g, [1, 3, 2])


def test_reverse_matches_numpy(rng):
    x = rng.standard_normal((2, 3, 4))
    assert_close(wb.reverse(f64(x), [0, 2]), x[::-1, :, ::-1])
    assert_close(wb.reverse(f64(x), [-1]), x[..., ::-1])


def test_roll_tf_examples():
    np.testing.assert_array_equal(wb.roll(wb.constant([0, 1, 2, 3, 4]), 2, 0).numpy(), [3, 4, 0, 1, 2])
    t = wb.constant([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
    np.testing.assert_array_equal(wb.roll(t, [1, -2], [0, 1]).numpy(), [[7, 8, 9, 5, 6], [2, 3, 4, 0, 1]])
    np.testing.assert_array_equal(wb.roll(t, [2, -3], [1, 1]).numpy(), [[1, 2, 3, 4, 0], [6, 7, 8, 9, 5]])


def test_roll_matches_numpy(rng):
    x = rng.standard_normal((3, 5))
    assert_close(wb.roll(f64(x), [7, -1], [1, 0]), np.roll(x, (7, -1), (1, 0)))


def test_repeat_tf_examples():
    np.testing.assert_array_equal(wb.repeat(wb.constant([1, 2, 3]), [3, 0, 2], axis=0).numpy(),
                                  [1, 1, 1, 3, 3])
    m = wb.constant([[1, 2], [3, 4]])
    np.testing.assert_array_equal(wb.repeat(m, [2, 3], axis=0).numpy(), [[1, 2], [1, 2], [3, 4], [3, 4], [3, 4]])
    np.testing.assert_array_equal(wb.repeat(m, [2, 3], axis=1).numpy(), [[1, 1, 2, 2, 2], [3, 3, 4, 4, 4]])
    np.testing.assert_array_equal(wb.repeat(3, repeats=4).numpy(), [3, 3, 3, 3])
    np.testing.assert_array_equal(wb.repeat(m, repeats=2).numpy(), [1, 1, 2, 2, 3, 3, 4, 4])
    with pytest.raises(ValueError, match="repeats has 3 entries"):
        wb.repeat(m, [1, 2, 3], axis=0)


# ---------------------------------------------------------------------------
# sorting


class TestSort:
    def test_tf_examples(self):
        assert_close(wb.sort(wb.constant([1, 10, 26.7, 2.8, 2.2])), [1, 2.2, 2.8, 10, 26.7])
        assert_close(wb.sort(wb.constant([1, 10, 26.7, 2.8, 2.2]), direction="DESCENDING"),
                     [26.7, 10, 2.8, 2.2, 1])
        np.testing.assert_array_equal(wb.argsort(wb.constant([1, 10, 26.7, 2.8, 2.2])).numpy(), [0, 4, 3, 1, 2])
        np.testing.assert_array_equal(
            wb.argsort(wb.constant([1, 10, 26.7, 2.8, 2.2]), direction="DESCENDING").numpy(), [2, 1, 3, 4, 0])

    @pytest.mark.parametrize("axis", [0, 1, -1])
    def test_matches_numpy(self, rng, axis):
        x = rng.standard_normal((3, 4, 5))
        assert_close(wb.sort(f64(x), axis=axis), np.sort(x, axis=axis))
        assert_close(wb.sort(f64(x), axis=axis, direction="DESCENDING"), -np.sort(-x, axis=axis))
        idx = wb.argsort(f64(x), axis=axis)
        assert idx.dtype == np.int32
        np.testing.assert_array_equal(idx.numpy(), np.argsort(x, axis=axis, kind="stable"))

    def test_stable_ties_in_both_directions(self):
        x = wb.constant([2, 1, 2, 1, 2])
        np.testing.assert_array_equal(wb.argsort(x, stable=True).numpy(), [1, 3, 0, 2, 4])
        np.testing.assert_array_equal(wb.argsort(x, direction="DESCENDING", stable=True).numpy(),
                                      [0, 2, 4, 1, 3])

    def test_sort_gradient_follows_entries(self):
        g = grad(lambda x: wb.reduce_sum(wb.sort(x) * f64([1., 2., 3.])), np.array([0.3, -1.0, 2.0]))
        np.testing.assert_allclose(g, [2., 1., 3.])

    def test_bad_direction(self):
        with pytest.raises(ValueError, match="direction"):
            wb.sort(wb.constant([1., 2.]), direction="UP")


class TestTopK:
    def test_values_indices_and_ties(self):
        out = wb.math.top_k(wb.constant([[1., 3., 3., 2.], [4., 0., 4., 4.]]), k=3)
        assert isinstance(out, tuple) and out._fields == ("values", "indices")
        assert_close(out.values, [[3, 3, 2], [4, 4, 4]])
        np.testing.assert_array_equal(out.indices.numpy(), [[1, 2, 3], [0, 2, 3]])
        assert out.indices.dtype == np.int32
        assert wb.top_k is wb.math.top_k

    def test_matches_numpy(self, rng):
        x = rng.standard_normal((4, 3, 7))
        vals, idx = wb.math.top_k(f64(x), k=4)
        want = np.argsort(-x, axis=-1, kind="stable")[..., :4]
        np.testing.assert_array_equal(idx.numpy(), want)
        assert_close(vals, np.take_along_axis(x, want, -1))

    def test_gradient_reaches_selected_values_only(self):
        g = grad(lambda x: wb.reduce_sum(wb.math.top_k(x, k=2).values * f64([10., 1.])),
                 np.array([0.5, 2.0, -1.0, 1.0]))
        np.testing.assert_allclose(g, [0, 10, 0, 1])

    def test_k_out_of_range(self):
        with pytest.raises(ValueError, match="k=5"):
            wb.math.top_k(wb.constant([1., 2.]), k=5)
        assert wb.math.top_k(wb.constant([1., 2.]), k=0).values.shape == (0,)


class TestUnique:
    def test_tf_example(self):
        y, idx = wb.unique(wb.constant([1, 1, 2, 4, 4, 4, 7, 8, 8]))
        np.testing.assert_array_equal(y.numpy(), [1, 2, 4, 7, 8])
        np.testing.assert_array_equal(idx.numpy(), [0, 0, 1, 2, 2, 2, 3, 4, 4])
        assert idx.dtype == np.int32

    def test_first_occurrence_order_and_counts(self):
        y, idx, count = wb.unique_with_counts(wb.constant([4., 1., 4., 2., 1., 4.]), out_idx=wb.int64)
        np.testing.assert_array_equal(y.numpy(), [4., 1., 2.])
        np.testing.assert_array_equal(idx.numpy(), [0, 1, 0, 2, 1, 0])
        np.testing.assert_array_equal(count.numpy(), [3, 2, 1])
        assert idx.dtype == np.int64 and count.dtype == np.int64

    def test_round_trip_and_errors(self, rng):
        x = rng.integers(0, 20, 50)
        y, idx = wb.unique(wb.constant(x))
        np.testing.assert_array_equal(y.numpy()[idx.numpy()], x)
        with pytest.raises(ValueError, match="vector"):
            wb.unique(wb.zeros([2, 2]))


class TestSearchSorted:
    def test_tf_example(self):
        seq = wb.constant([[0, 3, 9, 9, 10], [1, 2, 3, 4, 5]])
        vals = wb.constant([[2, 4, 9], [0, 2, 6]])
        np.testing.assert_array_equal(wb.searchsorted(seq, vals).numpy(), [[1, 2, 2], [0, 1, 5]])
        np.testing.assert_array_equal(wb.searchsorted(seq, vals, side="right").numpy(), [[1, 2, 4], [0, 2, 5]])

    @pytest.mark.parametrize("side", ["left", "right"])
    def test_matches_numpy_rowwise(self, rng, side):
        seq = np.sort(rng.integers(0, 10, (2, 3, 8)).astype(np.float64), axis=-1)
        vals = rng.integers(-1, 11, (2, 3, 5)).astype(np.float64)
        got = wb.searchsorted(f64(seq), f64(vals), side=side).numpy()
        want = np.stack([np.searchsorted(s, v, side=side)
                         for s, v in zip(seq.reshape(-1, 8), vals.reshape(-1, 5))]).reshape(2, 3, 5)
        np.testing.assert_array_equal(got, want)
        one = wb.searchsorted(f64(seq[0, 0]), f64(vals[0, 0]), side=side, out_type=wb.int64)
        assert one.dtype == np.int64
        np.testing.assert_array_equal(one.numpy(), np.searchsorted(seq[0, 0], vals[0, 0], side=side))

    def test_shape_mismatch(self):
        with pytest.raises(ValueError, match="same rank"):
            wb.searchsorted(wb.zeros([2, 3]), wb.zeros([3, 1]))


def _tf_text(op_type, message, name=None):
    return ("{{function_node __wrapped__" + op_type + "_device_/job:localhost/replica:0/task:0/device:CPU:0}} "
            f"{message} [Op:{op_type}]" + ("" if name is None else f" name: {name}"))


_P = np.arange(12.0, dtype=np.float32).reshape(3, 4)
_Q = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)


@pytest.mark.parametrize("call,op_type,message,name", [
    # TF 2.21's eager texts (intro_to_graphs guide, cell 20: the first). TF's op wrappers end
    # the text with " name: <name>" unless an input was a Python list (its slower path)
    (lambda: wb.gather(wb.constant([0.0]), [1]), "GatherV2", "indices[0] = 1 is not in [0, 1)", None),
    (lambda: wb.gather(_P, [[0, 5]]), "GatherV2", "indices[0,1] = 5 is not in [0, 3)", None),
    (lambda: wb.gather(wb.constant(_P), wb.constant([7], wb.int64)), "GatherV2",
     "indices[0] = 7 is not in [0, 3)", ""),
    (lambda: wb.gather(wb.constant(_P), wb.constant([7]), name="g"), "GatherV2",
     "indices[0] = 7 is not in [0, 3)", "g"),
    (lambda: wb.gather(wb.constant(_P), 3), "GatherV2", "indices = 3 is not in [0, 3)", ""),
    (lambda: wb.gather(wb.constant(_P), np.int32(3)), "GatherV2", "indices = 3 is not in [0, 3)", None),
    (lambda: wb.gather(wb.constant(_P), [0, 4], axis=1), "GatherV2", "indices[1] = 4 is not in [0, 4)", None),
    (lambda: wb.gather(wb.constant(_P), wb.constant([[0, 4], [1, 2], [0, 0]]), axis=1, batch_dims=1),
     "GatherV2", "indices[0,1] = 4 is not in [0, 4)", ""),
    (lambda: wb.gather(wb.constant(_Q), wb.constant([[[0, 5]], [[1, 2]]]), axis=2, batch_dims=1),
     "GatherV2", "indices[0,0,1] = 5 is not in [0, 4)", ""),
    (lambda: wb.gather(wb.zeros([0, 3]), wb.constant([0])), "GatherV2", "indices[0] = 0 is not in [0, 0)", ""),
    (lambda: wb.gather(wb.Variable(_P), [5]), "ResourceGather", "indices[0] = 5 is not in [0, 3)", None),
    (lambda: wb.gather(wb.Variable(_P), wb.constant(5)), "ResourceGather", "indices = 5 is not in [0, 3)", ""),
    (lambda: wb.gather(wb.Variable(_P), [7], axis=1), "GatherV2", "indices[0] = 7 is not in [0, 4)", None),
    (lambda: wb.gather_nd(wb.constant(_P), [[0, 4]]), "GatherNd",
     "indices[0] = [0, 4] does not index into param shape [3,4], node name: GatherNd", None),
    (lambda: wb.gather_nd(wb.constant(_P), [[-1, 0]]), "GatherNd",
     "indices[0] = [-1, 0] does not index into param shape [3,4], node name: GatherNd", None),
    (lambda: wb.gather_nd(wb.constant(_P), wb.constant([[[0, 0], [1, 1]], [[0, 0], [1, 9]]])), "GatherNd",
     "indices[1,1] = [1, 9] does not index into param shape [3,4], node name: GatherNd", ""),
    (lambda: wb.gather_nd(wb.constant(_P), [[4], [0], [1]], batch_dims=1), "GatherNd",
     "indices[0] = [0, 4] does not index into param shape [3,4], node name: GatherNd", ""),
    (lambda: wb.gather_nd(wb.constant(_Q), wb.constant([[[0, 1]], [[1, 7]]]), batch_dims=1), "GatherNd",
     "indices[1,0] = [1, 1, 7] does not index into param shape [2,3,4], node name: GatherNd", ""),
    (lambda: wb.gather_nd(wb.constant(_Q), wb.constant([[[0], [1], [2]], [[1], [9], [0]]]), batch_dims=2),
     "GatherNd", "indices[4] = [1, 1, 9] does not index into param shape [2,3,4], node name: GatherNd", ""),
    (lambda: wb.gather_nd(wb.zeros([0, 3]), wb.constant([[0]])), "GatherNd",
     "Requested more than 0 entries, but params is empty.  Params shape: [0,3]", ""),
    (lambda: wb.gather_nd(wb.Variable(_P), wb.constant([[0, 4]])), "ResourceGatherNd",
     "indices[0] = [0, 4] does not index into param shape [3,4], node name: ResourceGatherNd", ""),
    (lambda: wb.scatter_nd(wb.constant([[0, 0], [1, 5]]), wb.constant([1., 2.]), [3, 2]), "ScatterNd",
     "indices[1] = [1, 5] does not index into shape [3,2]", None),
    (lambda: wb.scatter_nd(wb.constant([[4]]), wb.constant([1.]), wb.constant([4])), "ScatterNd",
     "indices[0] = [4] does not index into shape [4]", ""),
    (lambda: wb.tensor_scatter_nd_update(wb.constant(_P), wb.constant([[[0], [1]], [[7], [1]]]),
                                         wb.ones([2, 2, 4])), "TensorScatterUpdate",
     "indices[1,0] = [7] does not index into shape [3,4]", ""),
    (lambda: wb.tensor_scatter_nd_update(wb.constant(_P), [[0, 1], [2, 9]], [1., 2.]), "TensorScatterUpdate",
     "indices[1] = [2, 9] does not index into shape [3,4]", None),
    (lambda: wb.tensor_scatter_nd_add(wb.constant(_P), wb.constant([[5]]), wb.ones([1, 4])), "TensorScatterAdd",
     "indices[0] = [5] does not index into shape [3,4]", ""),
    (lambda: wb.tensor_scatter_nd_sub(wb.constant(_P), wb.constant([[5]]), wb.ones([1, 4])), "TensorScatterSub",
     "indices[0] = [5] does not index into shape [3,4]", ""),
    (lambda: wb.tensor_scatter_nd_max(wb.constant(_P), wb.constant([[-1]]), wb.ones([1, 4])), "TensorScatterMax",
     "indices[0] = [-1] does not index into shape [3,4]", ""),
    (lambda: wb.tensor_scatter_nd_min(wb.constant(_P), wb.constant([[5]]), wb.ones([1, 4])), "TensorScatterMin",
     "indices[0] = [5] does not index into shape [3,4]", ""),
])
def test_an_index_out_of_range_raises_tfs_invalid_argument_with_its_text(call, op_type, message, name):
    with pytest.raises(wb.errors.InvalidArgumentError) as info:
        call()
    assert type(info.value) is wb.errors.InvalidArgumentError   # TF's class: not an IndexError
    assert str(info.value) == _tf_text(op_type, message, name)


def test_bad_gather_arguments_raise_tfs_invalid_argument():
    for bad in (lambda: wb.gather(_P, [0], axis=2), lambda: wb.gather(_P, [0], batch_dims=2),
                lambda: wb.gather(_P, [[0], [1]], batch_dims=1), lambda: wb.gather(wb.constant(1.0), [0]),
                lambda: wb.gather_nd(_P, 0), lambda: wb.gather_nd(_P, [[0, 1, 2]]),
                lambda: wb.gather_nd(_P, [[0], [1]], batch_dims=1)):
        with pytest.raises(wb.errors.InvalidArgumentError):
            bad()
    with pytest.raises(ValueError, match="batch_dims=2 must be in"):   # TF: a ValueError (a Python check)
        wb.gather_nd(_P, [[0]], batch_dims=2)


# TF 2.21's eager texts of ``t[key]`` (its StridedSlice kernel) on a [2, 3] tensor
@pytest.mark.parametrize("key, message", [
    (5, "slice index 5 of dimension 0 out of bounds."),
    (2, "slice index 2 of dimension 0 out of bounds."),
    ((slice(None), 7), "slice index 7 of dimension 1 out of bounds."),
    (-9, "slice index -7 of dimension 0 out of bounds."),           # TF adds the size first
    (-3, "slice index -1 of dimension 0 out of bounds."),
    ((0, -4), "slice index -1 of dimension 1 out of bounds."),
    ((Ellipsis, 5), "slice index 5 of dimension 1 out of bounds."),
    ((None, 5), "slice index 5 of dimension 0 out of bounds."),     # a new axis takes no input dimension
    ((5, 7), "slice index 5 of dimension 0 out of bounds."),
    ((slice(0, 1), 7), "slice index 7 of dimension 1 out of bounds."),
    ((0, 0, 0), "Index out of range using input dim 2; input has only 2 dims"),
    ((slice(None),) * 3, "Index out of range using input dim 2; input has only 2 dims"),
    ((5, 0, 0), "Index out of range using input dim 2; input has only 2 dims"),   # checked first
    ((Ellipsis, 0, 0, 0), "Index out of range using input dim 2; input has only 2 dims"),
])
def test_an_index_out_of_range_raises_tfs_strided_slice_error(key, message):
    for t in (wb.constant(_P[:2, :3]), wb.Variable(_P[:2, :3]), wb.constant([["a", "b", "c"]] * 2)):
        with pytest.raises(wb.errors.InvalidArgumentError) as info:
            t[key]
        assert type(info.value) is wb.errors.InvalidArgumentError
        assert str(info.value) == _tf_text("StridedSlice", message, "strided_slice/")


def test_strided_slice_errors_of_scalars_tensor_keys_and_what_stays_valid():
    s = wb.constant(3.0)
    for key in (0, slice(None), slice(0, 1)):
        with pytest.raises(wb.errors.InvalidArgumentError) as info:
            s[key]
        assert str(info.value) == _tf_text("StridedSlice", "Attempting to slice scalar input.", "strided_slice/")
    assert s[None].shape == (1,) and s[...].shape == ()
    t = wb.constant(_P[:2, :3])
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"slice index -1 of dimension 0 out of bounds\."):
        t[wb.constant(-3)]
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"slice index 0 of dimension 0 out of bounds\."):
        wb.zeros([0, 3])[0]
    assert t[5:9].shape == (0, 3) and t[-2, -3].numpy() == _P[0, 0] and t[1, 2].numpy() == _P[1, 2]
    for key in (True, np.array(True), wb.constant(True)):   # TF 2.21: a scalar boolean mask
        with pytest.raises(ValueError, match="mask cannot be scalar"):
            t[key]
    with pytest.raises(wb.errors.InvalidArgumentError, match="Index out of range using input dim 2"):
        t[None, True, 1, 2]   # TF packs a bool among other entries as an index (1)
    assert t[np.array([[True, False, True], [False, False, True]]), None].shape == (3, 1)
    with pytest.raises(wb.errors.InvalidArgumentError, match="out of bounds for axis 0 with size 2"):
        t[[0, 5]]   # an index array (beyond TF's keys): NumPy's text in TF's class
