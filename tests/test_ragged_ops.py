"""Ragged concat, stack, gather, boolean_mask, where, softmax, and their gradients;
the core ops dispatch to them (one spelling for dense and ragged model code)."""

import numpy as np
import pytest

import ragged
import workbench as wb
from gradients import check_gradients
from ragged import RaggedTensor

A = ragged.constant([[1, 2], [3]])
B = ragged.constant([[4], [5, 6, 7]])


def test_concat_axis0_and_axis1():
    assert wb.concat([A, B], axis=0).to_list() == [[1, 2], [3], [4], [5, 6, 7]]
    assert wb.concat([A, B], axis=1).to_list() == [[1, 2, 4], [3, 5, 6, 7]]
    with pytest.raises(ValueError, match="rows"):
        wb.concat([A, ragged.constant([[1]])], axis=1)


def test_concat_with_dense_and_nested():
    dense = wb.constant([[8, 9], [10, 11]])
    assert wb.concat([A, dense], axis=1).to_list() == [[1, 2, 8, 9], [3, 10, 11]]
    n1 = ragged.constant([[[1], [2, 3]], [[4]]])
    n2 = ragged.constant([[[5]], [[6, 7]]])
    assert wb.concat([n1, n2], axis=0).to_list() == [[[1], [2, 3]], [[4]], [[5]], [[6, 7]]]
    assert wb.concat([n1, n2], axis=1).to_list() == [[[1], [2, 3], [5]], [[4], [6, 7]]]
    n3 = ragged.constant([[[5], [8]], [[6, 7]]])
    assert wb.concat([n1, n3], axis=2).to_list() == [[[1, 5], [2, 3, 8]], [[4, 6, 7]]]


def test_stack():
    assert wb.stack([A, B], axis=0).to_list() == [[[1, 2], [3]], [[4], [5, 6, 7]]]
    assert wb.stack([A, B], axis=1).to_list() == [[[1, 2], [4]], [[3], [5, 6, 7]]]


def test_gather_rows_nested_and_ragged_indices():
    rt = ragged.constant([[1, 2], [], [3, 4, 5]])
    assert wb.gather(rt, [2, 0, 2]).to_list() == [[3, 4, 5], [1, 2], [3, 4, 5]]
    out = wb.gather(rt, [[2, 1], [0, 0]])
    assert out.shape == (2, None, None) and out.to_list() == [[[3, 4, 5], []], [[1, 2], [1, 2]]]   # TF 2.21's shape
    idx = ragged.constant([[0, 2], [1]])
    assert wb.gather(wb.constant([10, 20, 30]), idx).to_list() == [[10, 30], [20]]
    assert wb.gather(rt, idx).to_list() == [[[1, 2], [3, 4, 5]], [[]]]
    assert wb.gather(rt, 2).numpy().tolist() == [3, 4, 5]   # one row: a tensor, as TF


def _ragged_gather_text(out_rr, params_rr, message, op="RaggedGather"):
    fn = f"{op}_OUTPUT_RAGGED_RANK_{out_rr}_PARAMS_RAGGED_RANK_{params_rr}" if op == "RaggedGather" else op
    return (f"{{{{function_node __wrapped__{fn}_device_/job:localhost/replica:0/task:0/device:CPU:0}}}} "
            f"{message} [Op:{op}] name: ")


@pytest.mark.parametrize("call, text", [   # TF 2.21's eager texts
    (lambda rt, rt3: wb.gather(rt, [3]), _ragged_gather_text(1, 1, "indices[0] = 3 is not in [0, 3)")),
    (lambda rt, rt3: wb.gather(rt, wb.constant([0, -1])), _ragged_gather_text(1, 1, "indices[1] = -1 is not in [0, 3)")),
    (lambda rt, rt3: wb.gather(rt, [[1, 2], [0, 3]]), _ragged_gather_text(2, 1, "indices[1,1] = 3 is not in [0, 3)")),
    (lambda rt, rt3: wb.gather(rt, 3), _ragged_gather_text(0, 1, "indices = 3 is not in [0, 3)")),
    (lambda rt, rt3: wb.gather(rt3, [5]), _ragged_gather_text(2, 2, "indices[0] = 5 is not in [0, 3)")),
    (lambda rt, rt3: wb.gather(rt, ragged.constant([[0], [4, 1]])),
     _ragged_gather_text(1, 1, "indices[1] = 4 is not in [0, 3)")),
    (lambda rt, rt3: wb.gather(rt, ragged.constant([[[0], [1, 7]]])),
     _ragged_gather_text(1, 1, "indices[2] = 7 is not in [0, 3)")),
    (lambda rt, rt3: wb.gather(rt.with_row_splits_dtype(wb.int32), [3]),
     _ragged_gather_text(1, 1, "indices[0] = 3 is not in [0, 3)")),
    (lambda rt, rt3: wb.gather([10, 20, 30], ragged.constant([[0], [4]])),
     _ragged_gather_text(0, 0, "indices[1] = 4 is not in [0, 3)", "GatherV2")),
])
def test_gather_out_of_range_raises_tfs_error_and_text(call, text):
    rt = ragged.constant([[1, 2], [], [3, 4, 5]])
    rt3 = ragged.constant([[[1], [2]], [], [[3], [4], [5]]])
    with pytest.raises(wb.errors.InvalidArgumentError) as info:
        call(rt, rt3)
    assert str(info.value) == text


def test_boolean_mask():
    rt = ragged.constant([[1, 2, 3], [], [4, 5]])
    mask = ragged.constant([[True, False, True], [], [False, True]])
    assert wb.boolean_mask(rt, mask).to_list() == [[1, 3], [], [5]]
    assert wb.boolean_mask(rt, wb.constant([True, False, True])).to_list() == [[1, 2, 3], [4, 5]]
    dense = wb.constant([[1, 2, 3], [4, 5, 6]])
    dmask = ragged.constant([[True, False, True], [False, True, True]])
    assert wb.boolean_mask(dense, dmask).to_list() == [[1, 3], [5, 6]]


def test_where_and_like():
    x = ragged.constant([[1.0, 2.0, 3.0], [], [4.0]])
    assert wb.where(x > 1.5, x, wb.zeros_like(x)).to_list() == [[0.0, 2.0, 3.0], [], [4.0]]
    assert wb.ones_like(x).to_list() == [[1.0, 1.0, 1.0], [], [1.0]]


def test_softmax_over_rows():
    x = ragged.constant([[1.0, 2.0, 3.0], [], [4.0], [1000.0, 1000.0]])
    s = wb.nn.softmax(x)
    rows = s.to_list()
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(rows[0], e / e.sum(), rtol=1e-6)
    assert rows[1] == [] and rows[2] == [1.0] and rows[3] == [0.5, 0.5]
    np.testing.assert_allclose(wb.nn.log_softmax(x).to_list()[0], np.log(e / e.sum()), rtol=1e-6)


def test_softmax_over_uniform_inner_axis():
    x = ragged.constant([[[1.0, 2.0]], [[3.0, 3.0], [0.0, 0.0]]], inner_shape=(2,))
    out = wb.nn.softmax(x, axis=-1).to_list()
    assert out[1][0] == [0.5, 0.5]


def test_segment_id_conversions():
    assert ragged.segment_ids_to_row_splits([0, 0, 1, 3]).numpy().tolist() == [0, 2, 3, 3, 4]
    assert ragged.segment_ids_to_row_splits([0, 0], num_segments=3).numpy().tolist() == [0, 2, 2, 2]
    assert ragged.row_splits_to_segment_ids([0, 2, 3, 3, 4]).numpy().tolist() == [0, 0, 1, 3]


LENGTHS = [2, 0, 3]


def _rt(v, lengths=LENGTHS):
    return RaggedTensor.from_row_lengths(v, lengths)


@pytest.mark.parametrize("name, fn", [
    ("concat axis 1", lambda a, b: wb.concat([_rt(a), _rt(b, [1, 2, 0])], axis=1).flat_values ** 2),
    ("concat axis 0", lambda a, b: wb.concat([_rt(a), _rt(b, [1, 2, 0])], axis=0).flat_values * 3.0),
    ("stack axis 1", lambda a, b: wb.stack([_rt(a), _rt(b, [1, 2, 0])], axis=1).flat_values ** 2),
    ("gather", lambda a, b: wb.gather(_rt(a), [2, 0, 2]).flat_values * b[0]),
    ("boolean_mask", lambda a, b: wb.boolean_mask(_rt(a), _rt(wb.constant(
        [True, False, True, True, False]), LENGTHS)).flat_values * b[1]),
    ("softmax", lambda a, b: wb.nn.softmax(_rt(a)).flat_values * b[0]),
    ("log_softmax", lambda a, b: wb.nn.log_softmax(_rt(a)).flat_values),
    ("where", lambda a, b: wb.where(_rt(a) > 0.0, _rt(a) * 2.0, _rt(a) ** 2).flat_values),
])
def test_gradients(name, fn):
    check_gradients(fn, [np.array([0.3, -0.5, 0.8, 1.2, -0.1]), np.array([0.7, -0.4, 0.9])])


def test_embedding_lookup_of_ragged_ids():
    table = wb.constant(np.arange(12.0).reshape(6, 2))
    ids = ragged.constant([[1, 5], [], [0]])
    out = wb.nn.embedding_lookup(table, ids)
    assert isinstance(out, RaggedTensor) and out.shape == (3, None, 2)
    assert out.to_list() == [[[2.0, 3.0], [10.0, 11.0]], [], [[0.0, 1.0]]]
    assert wb.nn.embedding_lookup(table, ids, max_norm=1.0).flat_values.numpy()[0].tolist() == pytest.approx(
        [2 / 13 ** 0.5, 3 / 13 ** 0.5])
    check_gradients(lambda t: wb.nn.embedding_lookup(t, ids).flat_values, [np.arange(12.0).reshape(6, 2)])
