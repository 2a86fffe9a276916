"""probability.internal.prefer_static (TFP's ``from tensorflow_probability.python.internal import
prefer_static``): NumPy for known inputs, workbench ops for tensors."""

import numpy as np
import pytest

import workbench as wb
from probability.internal import prefer_static as ps


def test_known_inputs_stay_numpy():
    # the tril-rows arithmetic of TFP's Learnable Distributions Zoo
    rows = ps.cast(ps.sqrt(0.25 + 2. * ps.cast(10, np.float32)) - 0.5, np.int32)
    assert isinstance(rows, np.ndarray) and rows.dtype == np.int32 and int(rows) == 4
    hot = ps.one_hot(1, depth=3, dtype=np.int32)
    np.testing.assert_array_equal(hot, [0, 1, 0])
    assert hot.dtype == np.int32
    np.testing.assert_array_equal(ps.one_hot([0, 2], depth=3, on_value=5., off_value=-1.),
                                  [[5., -1., -1.], [-1., -1., 5.]])
    np.testing.assert_array_equal(ps.concat([[1, 2], 3], axis=0), [1, 2, 3])
    assert ps.reduce_prod([2, 3, 4]) == 24
    np.testing.assert_array_equal(ps.broadcast_shape([3, 1], [4]), [3, 4])
    np.testing.assert_array_equal(ps.cumsum([1, 2, 3], exclusive=True), [0, 1, 3])
    np.testing.assert_array_equal(ps.cumsum([1, 2, 3], exclusive=True, reverse=True), [5, 3, 0])
    np.testing.assert_array_equal(ps.cumprod([1, 2, 3], exclusive=True), [1, 1, 2])
    np.testing.assert_array_equal(ps.non_negative_axis([-1, 0], 3), [2, 0])
    assert ps.range(3).dtype == np.int32
    assert ps.eye(2, batch_shape=[3]).shape == (3, 2, 2)
    assert ps.cond(True, lambda: "a", lambda: "b") == "a"
    assert [a.tolist() for a in ps.split(np.arange(5), [2, 3])] == [[0, 1], [2, 3, 4]]


def test_shape_rank_size_of_a_tensor_are_numpy():
    x = wb.ones([3, 2, 4])
    s = ps.shape(x)
    assert isinstance(s, np.ndarray) and s.dtype == np.int32
    np.testing.assert_array_equal(s[:-2], [3])
    assert ps.rank(x) == 3 and int(ps.size(x)) == 24 and ps.size0(x) == 3
    assert ps.rank_from_shape([2, 5]) == 2


def test_tensor_inputs_go_through_workbench_ops():
    t = wb.constant([1., 4.])
    out = ps.sqrt(t)
    assert isinstance(out, wb.Tensor)
    np.testing.assert_allclose(out.numpy(), [1., 2.])
    assert isinstance(ps.concat([t, [9.]], axis=0), wb.Tensor)
    assert isinstance(ps.maximum(t, 2.), wb.Tensor)
    np.testing.assert_allclose(ps.reduce_sum(t).numpy(), 5.)
    v = wb.Variable([1., 2.])
    with wb.GradientTape() as tape:
        y = ps.reduce_sum(ps.exp(v))
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), np.exp([1., 2.]), rtol=1e-6)


def test_incompatible_shapes_name_both():
    with pytest.raises(ValueError, match=r"\[3\] and \[4\]"):
        ps.broadcast_shape([3], [4])
