"""Ragged reductions over every axis: TF's documented examples, empty rows, gradients."""

import numpy as np
import pytest

import ragged
import workbench as wb
from gradients import check_gradients
from ragged import RaggedTensor

RT = ragged.constant([[3, 1, 4], [1, 5], [9], [2, 6]])


@pytest.mark.parametrize("fn, axis0, axis1", [
    (wb.reduce_sum, [15, 12, 4], [8, 6, 9, 8]),
    (wb.reduce_prod, [54, 30, 4], [12, 5, 9, 12]),
    (wb.reduce_min, [1, 1, 4], [1, 1, 9, 2]),
    (wb.reduce_max, [9, 6, 4], [4, 5, 9, 6]),
])
def test_tf_documented_examples(fn, axis0, axis1):
    assert fn(RT, axis=0).numpy().tolist() == axis0
    assert fn(RT, axis=1).numpy().tolist() == axis1
    assert fn(RT, axis=1).dtype == wb.int32


def test_mean_example_and_all_axes():
    np.testing.assert_allclose(wb.reduce_mean(RT, axis=0).numpy(), [3.75, 4.0, 4.0])
    np.testing.assert_allclose(wb.reduce_mean(RT, axis=1).numpy(), [8 / 3, 3.0, 9.0, 4.0])
    assert int(wb.reduce_sum(RT)) == 31
    assert wb.reduce_sum(RT, axis=[0, 1]).numpy() == 31


def test_empty_rows_take_tf_values():
    rt = ragged.constant([[1.0, 2.0], []])
    assert wb.reduce_sum(rt, axis=1).numpy().tolist() == [3.0, 0.0]
    assert wb.reduce_prod(rt, axis=1).numpy().tolist() == [2.0, 1.0]
    assert wb.reduce_max(rt, axis=1).numpy().tolist() == [2.0, np.finfo(np.float32).min]
    assert wb.reduce_min(rt, axis=1).numpy().tolist() == [1.0, np.finfo(np.float32).max]
    mean = wb.reduce_mean(rt, axis=1).numpy()
    assert mean[0] == 1.5 and np.isnan(mean[1])
    lse = wb.reduce_logsumexp(rt, axis=1).numpy()
    assert lse[1] == -np.inf and lse[0] == pytest.approx(np.log(np.exp(1.0) + np.exp(2.0)))


def test_keepdims():
    assert wb.reduce_sum(RT, axis=1, keepdims=True).numpy().tolist() == [[8], [6], [9], [8]]
    assert wb.reduce_sum(RT, axis=0, keepdims=True).numpy().tolist() == [[15, 12, 4]]


def test_ragged_rank_two():
    rt = ragged.constant([[[1, 2], [3]], [[4, 5, 6]]])
    assert wb.reduce_sum(rt, axis=0).to_list() == [[5, 7, 6], [3]]
    assert wb.reduce_sum(rt, axis=1).to_list() == [[4, 2], [4, 5, 6]]
    assert wb.reduce_sum(rt, axis=2).to_list() == [[3, 3], [15]]
    assert wb.reduce_max(rt, axis=2).to_list() == [[2, 3], [6]]
    assert int(wb.reduce_sum(rt)) == 21


def test_inner_uniform_axes():
    rt = ragged.constant([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]], inner_shape=(2,))
    assert wb.reduce_sum(rt, axis=2).to_list() == [[3.0, 7.0], [11.0]]
    assert wb.reduce_sum(rt, axis=1).numpy().tolist() == [[4.0, 6.0], [5.0, 6.0]]
    assert wb.reduce_max(rt, axis=-1).to_list() == [[2.0, 4.0], [6.0]]


def test_any_all_variance_std():
    b = ragged.constant([[True, False], [True], []])
    assert wb.reduce_any(b, axis=1).numpy().tolist() == [True, True, False]
    assert wb.reduce_all(b, axis=1).numpy().tolist() == [False, True, True]
    x = ragged.constant([[1.0, 1.0, 4.0], [2.0, 1.0], [3.0], [4.0, 1.0]], dtype=wb.float64)
    np.testing.assert_allclose(wb.reduce_variance(x, axis=1).numpy(), [2.0, 0.25, 0.0, 2.25])
    np.testing.assert_allclose(wb.reduce_std(x, axis=1).numpy(), [np.sqrt(2.0), 0.5, 0.0, 1.5])


def test_matches_numpy_on_random_rows():
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 6, size=50)
    values = rng.standard_normal(int(lengths.sum()))
    rt = RaggedTensor.from_row_lengths(values, lengths)
    rows = np.split(values, np.cumsum(lengths)[:-1])
    np.testing.assert_allclose(wb.reduce_sum(rt, axis=1).numpy(), [r.sum() for r in rows])
    np.testing.assert_allclose(wb.reduce_max(rt, axis=1).numpy(),
                               [r.max() if r.size else np.finfo(np.float64).min for r in rows])


LENGTHS = [3, 0, 2, 1]


def _rt(v):
    return RaggedTensor.from_row_lengths(v, LENGTHS)


@pytest.mark.parametrize("name, fn", [
    ("sum axis 1", lambda v: wb.reduce_sum(_rt(v) * _rt(v), axis=1)),
    ("sum axis 0", lambda v: wb.reduce_sum(_rt(v) * _rt(v), axis=0)),
    ("max axis 1", lambda v: wb.reduce_max(_rt(v), axis=1)[[0, 2, 3]]),
    ("min axis 0", lambda v: wb.reduce_min(_rt(v), axis=0)),
    ("mean axis 1", lambda v: wb.reduce_mean(_rt(v), axis=1)[[0, 2, 3]]),
    ("prod axis 1", lambda v: wb.reduce_prod(_rt(v), axis=1)),
    ("logsumexp axis 1", lambda v: wb.reduce_logsumexp(_rt(v), axis=1)[[0, 2, 3]]),
    ("logsumexp axis 0", lambda v: wb.reduce_logsumexp(_rt(v), axis=0)),
])
def test_gradients(name, fn):
    check_gradients(fn, [np.array([0.3, -0.2, 0.9, 0.5, 1.1, -0.7])])


def test_max_gradient_splits_ties():
    v = wb.constant([2.0, 2.0, 1.0, 5.0])
    with wb.GradientTape() as tape:
        tape.watch(v)
        y = wb.reduce_max(RaggedTensor.from_row_lengths(v, [3, 1]), axis=1)
    assert tape.gradient(y, v).numpy().tolist() == [0.5, 0.5, 0.0, 1.0]


def test_mean_of_an_empty_row_is_nan_without_a_warning():
    # TF returns NaN silently; NumPy's mean warns "Mean of empty slice" from its own module
    import warnings
    rows = ragged.constant([[3.0, 1.0], []])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = wb.map_fn(lambda r: wb.reduce_mean(r), rows, fn_output_signature=wb.float32)
        assert out.numpy()[0] == 2.0 and np.isnan(out.numpy()[1])
        assert np.isnan(wb.reduce_mean(wb.zeros([0])).numpy())
        assert wb.reduce_mean(wb.zeros([3, 0]), axis=1).shape == (3,)
        assert np.isnan(wb.reduce_mean(wb.zeros([3, 0]), axis=1).numpy()).all()
        assert wb.reduce_mean(wb.zeros([3, 0]), axis=0).shape == (0,)
