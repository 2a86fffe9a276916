"""Ragged breadth, TF's semantics: uniform row lengths, ``from_tensor`` with ``ragged_rank > 1``,
negative and stepped slices, broadcasting (with dense tensors and between ragged partitions),
``wb.concat``/``wb.reverse``/``wb.shape``/``wb.size``/``wb.rank``/``wb.where`` on ragged tensors,
int32 row partitions, ``to_sparse``/``from_sparse`` with ``wb.SparseTensor``; gradients with respect to
``flat_values`` against finite differences.
"""

import numpy as np
import pytest

import ragged
import workbench as wb
from gradients import GradientTape, check_gradients

RT = ragged.RaggedTensor
ROWS = [[1.0, 2.0, 3.0, 4.0], [], [5.0], [6.0, 7.0]]
SPLITS = [0, 4, 4, 5, 7]


def _rt(flat, splits=SPLITS):
    return RT.from_row_splits(flat, splits)


def _flat(rt):
    return rt.flat_values


# ---------------------------------------------------------------------------
# uniform row lengths


def test_uniform_row_length_property():
    t = wb.reshape(wb.range(24.0), (2, 3, 4))
    rt = RT.from_tensor(t, ragged_rank=2)
    assert rt.shape == (2, 3, 4)
    assert int(rt.uniform_row_length) == 3 and rt.uniform_row_length.dtype == np.int64
    assert int(rt.values.uniform_row_length) == 4
    assert ragged.constant(ROWS).uniform_row_length is None


def test_from_uniform_row_length_over_ragged_values():
    inner = ragged.constant([[1.0], [2.0, 3.0], [], [4.0], [5.0, 6.0, 7.0], []])
    rt = RT.from_uniform_row_length(inner, 2)
    assert rt.shape == (3, 2, None)
    assert rt.to_list() == [[[1.0], [2.0, 3.0]], [[], [4.0]], [[5.0, 6.0, 7.0], []]]
    assert rt.ragged_rank == 2 and int(rt.uniform_row_length) == 2
    assert rt[1, 1].numpy().tolist() == [4.0]
    empty = RT.from_uniform_row_length(inner[:0], 0, nrows=4)
    assert empty.shape == (4, 0, None) and empty.to_list() == [[], [], [], []]
    with pytest.raises(ValueError, match="cannot be split into rows of length 4"):
        RT.from_uniform_row_length(inner, 4)

    def f(v):
        base = RT.from_row_lengths(v, [1, 2, 0, 1, 3, 0])
        return _flat(RT.from_uniform_row_length(base, 3) * 2.0 + 1.0)
    check_gradients(f, [np.arange(7.0)], order=1)


# ---------------------------------------------------------------------------
# from_tensor with ragged_rank > 1


def test_from_tensor_ragged_rank_2_with_lengths_and_padding():
    t = wb.reshape(wb.range(24.0), (2, 3, 4))
    rt = RT.from_tensor(t, lengths=[1, 2, 3, 4, 0, -1], ragged_rank=2)
    assert rt.shape == (2, 3, None)
    assert rt.to_list() == [[[0.0], [4.0, 5.0], [8.0, 9.0, 10.0]], [[12.0, 13.0, 14.0, 15.0], [], []]]
    dense = wb.constant([[[1, 2, 0], [0, 0, 0]], [[3, 0, 0], [4, 5, 6]]])
    padded = RT.from_tensor(dense, padding=0, ragged_rank=2)
    assert padded.to_list() == [[[1, 2], []], [[3], [4, 5, 6]]]
    with pytest.raises(ValueError, match="lengths must have shape"):
        RT.from_tensor(t, lengths=[1, 2], ragged_rank=2)


def test_from_tensor_with_nested_lengths():
    t = wb.reshape(wb.range(24.0), (2, 3, 4))
    rt = RT.from_tensor(t, lengths=([1, 3], [1, 2, 3, 4]))
    assert rt.shape == (2, None, None)
    assert rt.to_list() == [[[0.0]], [[12.0, 13.0], [16.0, 17.0, 18.0], [20.0, 21.0, 22.0, 23.0]]]
    with pytest.raises(ValueError, match=r"Shapes \(2, 3, 4\) and \(2, 2, 3\) are incompatible"):   # TF 2.21
        RT.from_tensor(t, lengths=([1, 2], [1, 2, 3]))
    with pytest.raises(ValueError, match="must be in"):
        RT.from_tensor(t, lengths=([1, 4], [1, 2, 3, 0, 0]))
    with pytest.raises(ValueError, match="need ragged_rank 2"):
        RT.from_tensor(t, lengths=([1, 2], [1, 2, 3]), ragged_rank=3)


def test_from_tensor_gradients():
    check_gradients(lambda t: _flat(RT.from_tensor(t, lengths=[1, 2, 3, 4, 0, 2], ragged_rank=2)),
                    [np.arange(24.0).reshape(2, 3, 4)], order=1)
    check_gradients(lambda t: _flat(RT.from_tensor(t, lengths=([1, 3], [1, 2, 3, 4]))),
                    [np.arange(24.0).reshape(2, 3, 4)], order=1)


# ---------------------------------------------------------------------------
# negative and stepped slices


@pytest.mark.parametrize("start", [None, -5, -2, -1, 0, 1, 3])
@pytest.mark.parametrize("stop", [None, -3, -1, 0, 2, 6])
@pytest.mark.parametrize("step", [None, 2, -1, -2, -3])
def test_inner_slices_match_python(start, stop, step):
    rt = ragged.constant(ROWS)
    assert rt[:, start:stop:step].to_list() == [r[start:stop:step] for r in ROWS]
    assert rt[start:stop:step].to_list() == ROWS[start:stop:step]


def test_slices_of_deeper_and_uniform_dimensions():
    rows = [[[1.0, 2.0], [3.0]], [], [[4.0, 5.0, 6.0]]]
    rt = ragged.constant(rows)
    assert rt[:, :, ::-1].to_list() == [[r[::-1] for r in row] for row in rows]
    assert rt[::-1, ::-1].to_list() == [row[::-1] for row in rows[::-1]]
    dense_inner = ragged.constant([[[1.0, 2.0, 3.0]], [[4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]], inner_shape=(3,))
    assert dense_inner[:, -1:, ::-2].to_list() == [[[3.0, 1.0]], [[9.0, 7.0]]]
    with pytest.raises(ValueError, match="nonzero"):
        rt[:, ::0]


def test_slice_gradients():
    check_gradients(lambda v: _flat(_rt(v)[:, ::-1] * _rt(v)[:, ::-1]), [np.arange(1.0, 8.0)], order=2)
    check_gradients(lambda v: _flat(_rt(v)[::-2, -2:]), [np.arange(1.0, 8.0)], order=1)


# ---------------------------------------------------------------------------
# broadcasting


def test_broadcast_with_dense():
    rt = ragged.constant(ROWS)
    assert (rt + wb.constant([10.0])).to_list() == [[v + 10 for v in r] for r in ROWS]   # (1,) vs (4, None)
    col = wb.constant([[1.0], [2.0], [3.0], [4.0]])                                       # (4, 1)
    assert (rt * col).to_list() == [[v * (i + 1) for v in r] for i, r in enumerate(ROWS)]
    assert (wb.constant([[100.0]]) - rt).to_list() == [[100 - v for v in r] for r in ROWS]
    inner = ragged.constant([[[1.0, 2.0]], [[3.0, 4.0], [5.0, 6.0]]], inner_shape=(2,))
    assert (inner * wb.constant([1.0, -1.0])).to_list() == [[[1.0, -2.0]], [[3.0, -4.0], [5.0, -6.0]]]
    with pytest.raises(ValueError, match="Condition x == y did not hold"):
        rt + wb.constant([[1.0, 2.0]] * 4)
    lifted = rt + wb.zeros((1, 1, 1))   # TF 2.21: rt gets a leading dimension of size 1
    assert lifted.shape == (1, 4, None) and lifted.to_list() == [ROWS]


def test_broadcast_between_ragged_partitions():
    # TF 2.21's outcomes: row counts of 1 and uniform dimensions of size 1 broadcast; ragged
    # row lengths must match exactly, even rows of one value
    one_row = ragged.constant([[1.0, 2.0]])
    assert (one_row * ragged.constant([[10.0, 20.0], [30.0, 40.0]])).to_list() == [[10.0, 40.0], [30.0, 80.0]]
    ones = RT.from_uniform_row_length(wb.constant([1.0, 2.0]), 1)
    assert (ones + ragged.constant([[1.0, 2.0], [3.0]])).to_list() == [[2.0, 3.0], [5.0]]
    assert (ragged.constant([[1, 2], [3]]) + wb.constant([[1], [2]])).to_list() == [[2, 3], [5]]
    # ragged ranks 1 and 2 at one rank: a uniform inner dimension of size 1 stretches row by row
    x = ragged.constant([[[1.0], [2.0]], [[5.0]]], inner_shape=(1,))
    y = ragged.constant([[[1.0], [2.0, 3.0]], [[4.0, 5.0]]])
    assert (x + y).to_list() == [[[2.0], [4.0, 5.0]], [[9.0, 10.0]]]
    assert wb.where(x > y, x, y).to_list() == [[[1.0], [2.0, 3.0]], [[5.0, 5.0]]]
    with pytest.raises(wb.errors.InvalidArgumentError, match="Condition x == y did not hold"):
        ragged.constant([[1.0], [2.0, 3.0], [4.0]]) + ragged.constant([[10.0, 20.0], [30.0, 40.0], []])
    with pytest.raises(wb.errors.InvalidArgumentError, match="Condition x == y did not hold"):
        one_row * ragged.constant([[10.0, 20.0], [30.0], [40.0, 50.0]])
    with pytest.raises(wb.errors.InvalidArgumentError, match="Condition x == y did not hold"):
        ragged.constant([[1], [2]]) + ragged.constant([[1, 2], [3, 4]])
    with pytest.raises(wb.errors.InvalidArgumentError, match="Condition x == y did not hold"):
        ragged.constant([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]], inner_shape=(2,)) + y
    a = ragged.constant([[1.0], [2.0, 3.0], [4.0]])
    # TF raises InvalidArgumentError for shapes that do not broadcast (a ValueError too)
    with pytest.raises(wb.errors.InvalidArgumentError, match="Condition x == y did not hold"):
        ragged.constant([[1.0, 2.0]]) + ragged.constant([[1.0, 2.0, 3.0]])
    with pytest.raises(wb.errors.InvalidArgumentError, match="rows do not broadcast"):
        a + ragged.constant([[1.0], [2.0]])
    # TF 2.21's words (its assert_equal on the row_splits: x is the dense operand's where there is one)
    with pytest.raises(wb.errors.InvalidArgumentError) as e:
        ragged.constant([[1, 2], [3, 4, 5, 6], [7]]) + wb.constant([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    assert str(e.value) == ("Condition x == y did not hold.\nIndices of first 3 different values:\n[[1]\n [2]\n [3]]\n"
                            "Corresponding x values:\n[ 4  8 12]\nCorresponding y values:\n[2 6 7]\n"
                            "First 3 elements of x:\n[0 4 8]\nFirst 3 elements of y:\n[0 2 6]")
    with pytest.raises(wb.errors.InvalidArgumentError) as e:
        ragged.constant([[1, 2, 3], [4], [5, 6]]) + ragged.constant([[10, 20], [30, 40], [50]])
    assert str(e.value) == ("Condition x == y did not hold.\nIndices of first 2 different values:\n[[1]\n [3]]\n"
                            "Corresponding x values:\n[3 6]\nCorresponding y values:\n[2 5]\n"
                            "First 3 elements of x:\n[0 3 4]\nFirst 3 elements of y:\n[0 2 4]")
    with pytest.raises(wb.errors.InvalidArgumentError) as e:
        (ragged.constant([[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10]]])
         + ragged.constant([[[1, 2, 0], [3, 4, 0], [5, 6, 0]], [[7, 8, 0], [9, 10, 0]]]))
    assert str(e.value) == ("Condition x == y did not hold.\nIndices of first 3 different values:\n[[1]\n [2]\n [3]]\n"
                            "Corresponding x values:\n[2 4 6]\nCorresponding y values:\n[3 6 9]\n"
                            "First 3 elements of x:\n[0 2 4]\nFirst 3 elements of y:\n[0 3 6]")
    # a lower rank gets a leading dimension of size 1 (TF 2.21), here [1, 3, None] against [2, None, 1]
    with pytest.raises(wb.errors.InvalidArgumentError, match="Condition x == y did not hold"):
        a + x
    lifted = ragged.constant([[1, 2], [3]]) + ragged.constant([[[1, 2], [3]]])
    assert lifted.to_list() == [[[2, 4], [6]]] and lifted.shape == (1, None, None)   # TF 2.21


def test_broadcast_gradients():
    def f(va, vb):
        a = RT.from_uniform_row_length(va, 1)
        b = RT.from_row_lengths(vb, [2, 2, 0])
        return _flat(a * b + a)
    check_gradients(f, [np.array([1.0, 2.0, 3.0]), np.array([5.0, 6.0, 7.0, 8.0])], order=2)

    def g(v, col):
        return _flat(_rt(v) * col)
    check_gradients(g, [np.arange(1.0, 8.0), np.array([[1.0], [2.0], [3.0], [4.0]])], order=1)

    def h(vx, vy):
        x = RT.from_row_lengths(wb.reshape(vx, (3, 1)), [2, 1])
        y = RT.from_nested_row_lengths(vy, [[2, 1], [1, 2, 2]])
        return _flat(x * y)
    check_gradients(h, [np.arange(1.0, 4.0), np.arange(1.0, 6.0)], order=1)


# ---------------------------------------------------------------------------
# wb.concat, wb.reverse, wb.shape, wb.size, wb.rank, wb.where


def test_concat_of_ragged_lists():
    a, b = ragged.constant([[1.0], [2.0, 3.0]]), ragged.constant([[4.0, 5.0], []])
    assert wb.concat([a, b], axis=0).to_list() == [[1.0], [2.0, 3.0], [4.0, 5.0], []]
    assert wb.concat([a, b], axis=1).to_list() == [[1.0, 4.0, 5.0], [2.0, 3.0]]
    assert wb.concat([a, wb.constant([[9.0], [8.0]])], axis=-1).to_list() == [[1.0, 9.0], [2.0, 3.0, 8.0]]

    def f(va, vb):
        x, y = RT.from_row_lengths(va, [1, 2]), RT.from_row_lengths(vb, [2, 0])
        return _flat(wb.concat([x, y, x], axis=1) ** 2)
    check_gradients(f, [np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0])], order=2)

    # a Python list beside a ragged input converts to a dense tensor in its dtype (TF's guide)
    digits = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    assert wb.concat([digits, [[5, 3]]], axis=0).to_list() == [[3, 1, 4, 1], [], [5, 9, 2], [6], [], [5, 3]]
    with pytest.raises(ValueError):   # as TF: a non-rectangular list is not a tensor
        wb.concat([digits, [[5, 3], [1]]], axis=0)


def test_tile_matches_tf():
    # outputs checked in TF 2.21
    digits = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    assert wb.tile(digits, [1, 2]).to_list() == [[3, 1, 4, 1, 3, 1, 4, 1], [], [5, 9, 2, 5, 9, 2], [6, 6], []]
    assert wb.tile(digits, [2, 1]).to_list() == digits.to_list() * 2
    uniform_inner = ragged.constant([[[1, 2]], [[3, 4], [5, 6]]], ragged_rank=1)
    assert wb.tile(uniform_inner, [1, 2, 2]).to_list() == [
        [[1, 2, 1, 2], [1, 2, 1, 2]], [[3, 4, 3, 4], [5, 6, 5, 6], [3, 4, 3, 4], [5, 6, 5, 6]]]
    deep = ragged.constant([[[1], [2, 3]], [[4]]])
    want = [[[1, 1], [2, 3, 2, 3], [1, 1], [2, 3, 2, 3]], [[4, 4], [4, 4]]]
    assert wb.tile(deep, [2, 2, 2]).to_list() == want * 2
    assert wb.tile(digits, wb.constant([1, 0])).to_list() == [[], [], [], [], []]
    assert wb.tile(digits.with_row_splits_dtype(wb.int32), [1, 2]).row_splits_dtype == np.int32
    with pytest.raises(ValueError, match="multiples has 3 entries"):   # TF 2.21: its Tile kernel's InvalidArgumentError
        wb.tile(digits, [1, 2, 3])
    check_gradients(lambda v: _flat(wb.tile(RT.from_row_lengths(v, [2, 0, 1]), [2, 3])), [np.arange(1.0, 4.0)],
                    order=2)


def test_reverse():
    rt = ragged.constant(ROWS)
    assert wb.reverse(rt, [1]).to_list() == [r[::-1] for r in ROWS]
    assert wb.reverse(rt, [0]).to_list() == ROWS[::-1]
    assert wb.reverse(rt, [-1, 0]).to_list() == [r[::-1] for r in ROWS[::-1]]
    deep = ragged.constant([[[1.0, 2.0], [3.0]], [[4.0, 5.0, 6.0]]])
    assert wb.reverse(deep, [2]).to_list() == [[[2.0, 1.0], [3.0]], [[6.0, 5.0, 4.0]]]
    assert wb.reverse(rt, [1, -1]).to_list() == wb.reverse(rt, [1]).to_list()   # TF 2.21: reversed once
    check_gradients(lambda v: _flat(wb.reverse(_rt(v), [0, 1]) * wb.reverse(wb.reverse(_rt(v), [0]), [1])),
                    [np.arange(1.0, 8.0)], order=1)


def test_shape_size_rank():
    rt = ragged.constant([[[1.0, 2.0]], [], [[3.0, 4.0], [5.0, 6.0]]], inner_shape=(2,))
    s = wb.shape(rt)
    assert isinstance(s, ragged.DynamicRaggedShape)
    assert s.rank == 3 and s.num_row_partitions == 1 and s.static_lengths(ragged_lengths=False) == [3, None, 2]
    assert int(s[0]) == 3 and int(s[-1]) == 2 and s[0].dtype == np.int32
    assert not s.is_uniform(1) and s.is_uniform(2)
    assert s.inner_shape.numpy().tolist() == [3, 2]
    with pytest.raises(ValueError, match="Index 1 is not uniform"):
        s[1]
    assert wb.shape(rt, out_type=wb.int64)[0].dtype == np.int64
    assert int(wb.size(rt)) == 6 and int(wb.rank(rt)) == 3
    assert wb.shape(wb.zeros((2, 3))).numpy().tolist() == [2, 3]   # dense tensors unchanged



def test_dynamic_ragged_shape_prints_and_slices_as_tf():
    # TF's ragged tensor guide, outputs checked in TF 2.21
    s = wb.shape(ragged.constant([[1], [2, 3, 4], [], [5, 6]]))
    assert repr(s) == "<DynamicRaggedShape lengths=[4, (1, 3, 0, 2)] num_row_partitions=1>"
    assert s.static_lengths() == [4, (1, 3, 0, 2)]
    with pytest.raises(ValueError, match="Index 1 is not uniform"):
        s[1]
    assert repr(s[:1]) == "<DynamicRaggedShape lengths=[4] num_row_partitions=0>"
    deep = wb.shape(ragged.constant([[[1, 2]], [[2, 3], [4, 5]], [], [[5, 6]]], ragged_rank=1))
    assert repr(deep[:2]) == repr(deep[:-1]) == "<DynamicRaggedShape lengths=[4, (1, 2, 0, 1)] num_row_partitions=1>"
    assert deep[:3] is deep and repr(deep[0:0]) == "<DynamicRaggedShape lengths=[] num_row_partitions=0>"
    with pytest.raises(ValueError, match="dimension 1 is ragged"):   # TF: needs uniform dimensions
        deep[1:]
    with pytest.raises(IndexError, match="step"):
        deep[::2]
    dense = ragged.DynamicRaggedShape.from_lengths([2, 2, 3])
    assert repr(dense[1:]) == "<DynamicRaggedShape lengths=[2, 3] num_row_partitions=0>"
    assert int(dense[2]) == 3 and dense[2].dtype == np.int64


def test_dynamic_ragged_shape_constructors():
    rp = ragged.RowPartition.from_row_lengths([5, 3, 2])
    s = wb.experimental.DynamicRaggedShape(row_partitions=[rp], inner_shape=[10, 8])
    assert repr(s) == "<DynamicRaggedShape lengths=[3, (5, 3, 2), 8] num_row_partitions=1>"
    assert wb.experimental.RowPartition is ragged.RowPartition
    from_lengths = ragged.DynamicRaggedShape.from_lengths
    assert repr(from_lengths([4, (2, 1, 0, 8), 12])) == (
        "<DynamicRaggedShape lengths=[4, (2, 1, 0, 8), 12] num_row_partitions=1>")
    assert from_lengths([2, (2, 1), (2, 0, 3)]).num_row_partitions == 2
    assert from_lengths([2, 2, 3]).num_row_partitions == 0
    two = from_lengths([2, 2, 3], num_row_partitions=2)   # uniform row partitions, as TF
    assert two.num_row_partitions == 2 and two.static_lengths() == [2, 2, 3] and int(two[1]) == 2
    with pytest.raises(ValueError, match="2 row lengths, but dimension 0 has 3 rows"):
        from_lengths([3, (1, 2)])
    with pytest.raises(ValueError, match="int or a tuple of ints"):
        from_lengths([3, [1, 2, 3]])
    with pytest.raises(ValueError, match=r"inner_shape\[0\] is 9, but the last row partition has 10 values"):
        ragged.DynamicRaggedShape([rp], [9])


def test_zeros_ones_fill_reshape_take_a_ragged_shape():
    rt = ragged.constant([[1], [2, 3, 4], [], [5, 6]])
    s = wb.shape(rt)
    x = wb.constant([["a", "b"], ["c", "d"], ["e", "f"]])
    assert wb.reshape(x, s).to_list() == [[b"a"], [b"b", b"c", b"d"], [], [b"e", b"f"]]
    z = wb.zeros(s)
    assert z.dtype == np.float32 and z.to_list() == [[0.0], [0.0, 0.0, 0.0], [], [0.0, 0.0]]
    assert wb.ones(s, dtype=wb.int32).to_list() == [[1], [1, 1, 1], [], [1, 1]]
    assert wb.fill(s, "x").to_list() == [[b"x"], [b"x", b"x", b"x"], [], [b"x", b"x"]]
    assert wb.zeros(s).row_splits_dtype == np.int32   # tf.shape's out_type
    deep = wb.shape(ragged.constant([[[1, 2]], [[2, 3], [4, 5]], [], [[5, 6]]], ragged_rank=1))
    assert wb.reshape(ragged.constant([[1, 2, 3], [4, 5, 6, 7, 8]]), deep).to_list() == [
        [[1, 2]], [[3, 4], [5, 6]], [], [[7, 8]]]
    assert wb.zeros(ragged.DynamicRaggedShape.from_lengths([2, 3])).shape == (2, 3)   # no partitions: dense
    with pytest.raises(ValueError, match="reshape"):
        wb.reshape(wb.range(7), deep)
    with GradientTape() as tape:
        v = wb.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        tape.watch(v)
        y = wb.reduce_sum(wb.reshape(v, s) * wb.reshape(v, s))
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), 2 * np.arange(1.0, 7.0))

def test_where_one_argument():
    rt = ragged.constant(ROWS)
    coords = wb.where(rt > 2.5)
    assert coords.dtype == np.int64
    want = [[i, j] for i, r in enumerate(ROWS) for j, v in enumerate(r) if v > 2.5]
    assert coords.numpy().tolist() == want
    deep = ragged.constant([[[True, False], [False, True]], [[True, True]]], inner_shape=(2,))
    assert wb.where(deep).numpy().tolist() == [[0, 0, 0], [0, 1, 1], [1, 0, 0], [1, 0, 1]]
    assert wb.where(ragged.constant([[False], []])).shape == (0, 2)
    with pytest.raises(TypeError, match="bool"):
        wb.where(rt)


# ---------------------------------------------------------------------------
# int32 row partitions


def test_int32_row_splits():
    rt = ragged.constant(ROWS, row_splits_dtype=wb.int32)
    assert rt.row_splits_dtype == np.int32
    for t in (rt.row_splits, rt.row_lengths(), rt.value_rowids(), rt.row_starts(), rt.row_limits(), rt.nrows(),
              rt.bounding_shape()):
        assert t.dtype == np.int32
    assert rt.row_splits.numpy().tolist() == SPLITS
    assert RT.from_row_splits([1.0, 2.0, 3.0], np.array([0, 1, 3], np.int32)).row_splits_dtype == np.int32
    assert RT.from_row_lengths([1.0, 2.0], wb.constant([1, 1], dtype=wb.int32)).row_splits_dtype == np.int32
    assert RT.from_row_splits([1.0], [0, 1]).row_splits_dtype == np.int64
    dense = RT.from_tensor(wb.zeros((2, 3, 4)), lengths=[1, 2, 3, 0, 1, 2], ragged_rank=2, row_splits_dtype=wb.int32)
    assert [s.dtype for s in dense.nested_row_splits] == [np.int32, np.int32]
    assert ragged.range([2, 3], row_splits_dtype=wb.int32).row_splits.dtype == np.int32
    # kept by slicing, concat, elementwise ops and broadcasting
    assert rt[:, ::-1].row_splits_dtype == np.int32
    assert rt[1:].row_splits_dtype == np.int32
    assert wb.concat([rt, rt], axis=1).row_splits_dtype == np.int32
    assert (rt * 2.0).row_splits_dtype == np.int32
    assert (rt + wb.constant([[1.0], [2.0], [3.0], [4.0]])).row_splits_dtype == np.int32
    back = rt.with_row_splits_dtype(wb.int64)
    assert back.row_splits.dtype == np.int64 and back.to_list() == ROWS
    with pytest.raises(ValueError, match="row_splits dtypes"):
        wb.concat([rt, back], axis=0)
    with pytest.raises(ValueError, match="row_splits dtypes"):
        rt + back
    with pytest.raises(ValueError, match="int32 or int64"):
        rt.with_row_splits_dtype(wb.float32)
    with pytest.raises(ValueError, match="differ"):
        RT.from_row_splits(back, np.array([0, 2, 4], np.int32))

    def f(v):
        x = RT.from_row_splits(v, np.array(SPLITS, np.int32))
        return _flat(wb.reverse(x, [1]) * x)
    check_gradients(f, [np.arange(1.0, 8.0)], order=1)


# ---------------------------------------------------------------------------
# to_sparse / from_sparse (TF's guide: the examples' indices and dense shapes)


def test_to_sparse_matches_tf():
    st = ragged.constant([[1, 2, 3], [4], [], [5, 6]]).to_sparse()
    assert isinstance(st, wb.SparseTensor)
    assert st.indices.numpy().tolist() == [[0, 0], [0, 1], [0, 2], [1, 0], [3, 0], [3, 1]]
    assert st.values.numpy().tolist() == [1, 2, 3, 4, 5, 6] and st.values.dtype == np.int32
    assert st.dense_shape.numpy().tolist() == [4, 3] and st.indices.dtype == np.int64
    np.testing.assert_array_equal(wb.sparse.to_dense(st).numpy(), [[1, 2, 3], [4, 0, 0], [0, 0, 0], [5, 6, 0]])
    # TF's guide: words as a sparse tensor
    words = ragged.constant([["Hi"], ["Welcome", "to", "the", "fair"]]).to_sparse()
    assert words.indices.numpy().tolist() == [[0, 0], [1, 0], [1, 1], [1, 2], [1, 3]]
    assert words.dense_shape.numpy().tolist() == [2, 4]


def test_to_sparse_ragged_rank_2_and_inner_dimensions():
    st = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6]]]).to_sparse()
    assert st.indices.numpy().tolist() == [[0, 0, 0], [0, 0, 1], [0, 1, 0], [2, 0, 0], [2, 0, 1], [2, 0, 2]]
    assert st.dense_shape.numpy().tolist() == [3, 2, 3]
    inner = ragged.constant([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]], ragged_rank=1)
    sp = inner.to_sparse()
    assert sp.dense_shape.numpy().tolist() == [2, 2, 2]
    assert sp.indices.numpy().tolist() == [[0, 0, 0], [0, 0, 1], [0, 1, 0], [0, 1, 1], [1, 0, 0], [1, 0, 1]]
    np.testing.assert_array_equal(wb.sparse.to_dense(sp).numpy(), inner.to_tensor().numpy())
    empty = ragged.constant([[], []], dtype=wb.float32).to_sparse()
    assert empty.indices.shape == (0, 2) and empty.dense_shape.numpy().tolist() == [2, 0]


def test_from_sparse_matches_tf():
    st = wb.SparseTensor(indices=[[0, 0], [0, 1], [0, 2], [1, 0], [3, 0]], values=[1, 2, 3, 4, 5],
                         dense_shape=[4, 3])
    rt = RT.from_sparse(st)
    assert rt.to_list() == [[1, 2, 3], [4], [], [5]] and rt.row_splits.dtype == np.int64
    assert RT.from_sparse(st, row_splits_dtype=wb.int32).row_splits.dtype == np.int32
    # round trips: ragged -> sparse -> ragged, and trailing empty rows kept from dense_shape
    rt2 = ragged.constant([[1.5], [], [2.5, 3.5], []])
    again = RT.from_sparse(rt2.to_sparse())
    assert again.to_list() == rt2.to_list() and again.nrows_int() == 4
    assert RT.from_sparse(wb.sparse.from_dense(wb.constant([[1, 2, 0], [3, 0, 0]]))).to_list() == [[1, 2], [3]]


def test_from_sparse_refuses_what_tf_refuses():
    with pytest.raises(wb.errors.InvalidArgumentError, match="ragged-right"):
        RT.from_sparse(wb.SparseTensor([[0, 0], [0, 2]], [1, 2], [1, 3]))     # a gap in a row
    with pytest.raises(wb.errors.InvalidArgumentError, match="ragged-right"):
        RT.from_sparse(wb.SparseTensor([[1, 0], [0, 0]], [1, 2], [2, 3]))     # rows out of order
    with pytest.raises(wb.errors.InvalidArgumentError, match="ragged-right"):
        RT.from_sparse(wb.SparseTensor([[0, 1]], [1], [2, 2]))                # not left-justified
    with pytest.raises(ValueError, match="rank 2"):
        RT.from_sparse(wb.SparseTensor([[0, 0, 0]], [1], [1, 1, 1]))
    with pytest.raises(TypeError, match="SparseTensor"):
        RT.from_sparse([[1, 2]])


def test_to_sparse_and_from_sparse_gradients():
    check_gradients(lambda v: _rt(v).to_sparse().values * 2.0, [np.arange(1.0, 8.0)], order=1)
    check_gradients(lambda v: wb.sparse.to_dense(_rt(v).to_sparse()), [np.arange(1.0, 8.0)], order=1)

    def back(v):
        st = wb.SparseTensor([[0, 0], [0, 1], [2, 0]], v, [3, 2])
        return _flat(RT.from_sparse(st) * RT.from_sparse(st))
    check_gradients(back, [np.array([0.5, -1.0, 2.0])], order=1)


# ---------------------------------------------------------------------------
# ==, expand_dims, squeeze, merge_dims, add_n, clip_by_value (outputs checked in TF 2.21)


def test_equality_is_elementwise():
    rt = ragged.constant([[3, 1], [], [5]])
    assert (rt == rt).to_list() == [[True, True], [], [True]]
    assert (rt != 1).to_list() == [[True, False], [], [True]]
    assert (rt == None) is False and (rt != None) is True   # noqa: E711 - TF's rule for None


def test_expand_dims_and_squeeze():
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    assert wb.expand_dims(rt, 0).shape == (1, 5, None)
    assert wb.expand_dims(rt, 0).to_list() == [rt.to_list()]
    assert wb.expand_dims(rt, 1).shape == (5, 1, None)
    assert wb.expand_dims(rt, 1).to_list() == [[r] for r in rt.to_list()]
    assert wb.expand_dims(rt, -1).shape == (5, None, 1)
    assert wb.expand_dims(rt, 2).to_list() == [[[v] for v in r] for r in rt.to_list()]
    r3 = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [], [7]]])
    assert wb.expand_dims(r3, 2).shape == (3, None, 1, None) and wb.expand_dims(r3, -1).shape == (3, None, None, 1)
    assert wb.expand_dims(r3, 2).to_list() == [[[[1, 2]], [[3]]], [], [[[4, 5, 6]], [[]], [[7]]]]
    with pytest.raises(ValueError, match="out of range"):
        wb.expand_dims(rt, 3)
    assert wb.squeeze(ragged.constant([[[1], [2]], [[3]]]), axis=2).to_list() == [[1, 2], [3]]
    assert wb.squeeze(ragged.constant([[[1], [2]], [[3]]], ragged_rank=1), axis=-1).to_list() == [[1, 2], [3]]
    assert wb.squeeze(wb.expand_dims(rt, 1), axis=1).to_list() == rt.to_list()
    with pytest.raises(wb.errors.InvalidArgumentError, match="row 0 has length 4"):
        wb.squeeze(rt, axis=1)
    with pytest.raises(ValueError, match="needs axis"):
        wb.squeeze(rt)
    check_gradients(lambda v: _flat(wb.squeeze(wb.expand_dims(_rt(v), 2), axis=2) * wb.expand_dims(_rt(v), 1)
                                    .merge_dims(1, 2)), [np.arange(1.0, 8.0)], order=2)


def test_merge_dims_matches_tf():
    r3 = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [], [7]]])
    assert r3.merge_dims(0, 1).to_list() == [[1, 2], [3], [4, 5, 6], [], [7]]
    assert r3.merge_dims(1, 2).to_list() == [[1, 2, 3], [], [4, 5, 6, 7]]
    assert r3.merge_dims(0, -1).numpy().tolist() == [1, 2, 3, 4, 5, 6, 7]
    uniform = ragged.constant([[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]], [[9, 9], [0, 0]]]], ragged_rank=1)
    assert uniform.merge_dims(2, 3).to_list() == [[[1, 2, 3, 4]], [[5, 6, 7, 8], [9, 9, 0, 0]]]
    assert uniform.merge_dims(1, 3).to_list() == [[1, 2, 3, 4], [5, 6, 7, 8, 9, 9, 0, 0]]
    r4 = ragged.constant([[[[1], [2, 3]], [[4]]], [[[5, 6]]]])
    assert r4.merge_dims(1, 2).to_list() == [[[1], [2, 3], [4]], [[5, 6]]]
    assert r4.merge_dims(2, 3).to_list() == [[[1, 2, 3], [4]], [[5, 6]]]
    assert r4.merge_dims(1, 3).to_list() == [[1, 2, 3, 4], [5, 6]]
    assert r4.merge_dims(0, 2).to_list() == [[1], [2, 3], [4], [5, 6]]
    assert r3.with_row_splits_dtype(wb.int32).merge_dims(1, 2).row_splits_dtype == np.int32
    with pytest.raises(ValueError, match="must not come after"):
        r4.merge_dims(2, 1)
    check_gradients(lambda v: _flat(RT.from_row_lengths(wb.reshape(v, (3, 2)), [2, 1]).merge_dims(1, 2) ** 2),
                    [np.arange(1.0, 7.0)], order=2)


def test_add_n_and_clip_by_value_keep_ragged():
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    assert wb.add_n([rt, rt]).to_list() == [[6, 2, 8, 2], [], [10, 18, 4], [12], []]
    assert wb.add_n([rt]) is rt
    assert wb.clip_by_value(rt, 2, 5).to_list() == [[3, 2, 4, 2], [], [5, 5, 2], [5], []]


def test_newaxis_indexing():
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    assert rt[wb.newaxis].shape == (1, 5, None) and rt[wb.newaxis].to_list() == [rt.to_list()]
    assert rt[:, wb.newaxis].to_list() == [[r] for r in rt.to_list()]
    assert rt[..., wb.newaxis].to_list() == [[[v] for v in r] for r in rt.to_list()]
    assert rt[1:3, wb.newaxis, :2].to_list() == [[[]], [[5, 9]]]
    assert rt[2, wb.newaxis].numpy().tolist() == [[5, 9, 2]]
    assert rt[:, wb.newaxis, wb.newaxis].shape == (5, 1, 1, None)


def test_cumsum_along_rows():
    # TF 2.21's results
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    assert wb.math.cumsum(rt, axis=1).to_list() == [[3, 4, 8, 9], [], [5, 14, 16], [6], []]
    assert wb.math.cumsum(rt, axis=-1, exclusive=True).to_list() == [[0, 3, 4, 8], [], [0, 5, 14], [0], []]
    assert wb.math.cumsum(rt, axis=1, reverse=True).to_list() == [[9, 6, 5, 1], [], [16, 11, 2], [6], []]
    r3 = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [], [7]]])
    assert wb.math.cumsum(r3, axis=2).to_list() == [[[1, 3], [3]], [], [[4, 9, 15], [], [7]]]
    inner = ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1)
    assert wb.math.cumsum(inner, axis=2).to_list() == [[[1, 3], [3, 7]], [[5, 11]]]
    assert wb.math.cumsum(rt, axis=0).to_list() == [[3, 1, 4, 1], [], [8, 10, 6], [14], []]   # TF 2.21: by position
    check_gradients(lambda v: _flat(wb.math.cumsum(_rt(v), axis=1, reverse=True) ** 2), [np.arange(1.0, 8.0)],
                    order=2)


def test_unsorted_segment_ops_of_ragged_data_and_ids():
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    ids = ragged.constant([[0, 1, 0, 1], [], [2, 2, 2], [0], []])
    assert wb.math.unsorted_segment_sum(rt, ids, 3).numpy().tolist() == [13, 2, 16]   # TF 2.21
    assert wb.math.unsorted_segment_max(rt, ids, 3).numpy().tolist() == [6, 1, 9]
    with pytest.raises(wb.errors.InvalidArgumentError, match="segment_ids.shape must be a prefix of data.shape"):
        wb.math.unsorted_segment_sum(rt, ragged.constant([[0, 1, 0], [1], [2, 2, 2], [0], []]), 3)
    # dense ids: one per row, whole rows combined position by position (TF 2.21)
    assert wb.math.unsorted_segment_sum(rt, wb.constant([0, 1, 0, 1, 0]), 3).to_list() == [[8, 10, 6, 1], [6], []]


def test_boolean_mask_with_deeper_ragged_masks():
    # TF 2.21's results
    r3 = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [], [7]]])
    assert wb.ragged.boolean_mask(r3, r3 > 2).to_list() == [[[], [3]], [], [[4, 5, 6], [], [7]]]
    rows = ragged.constant([[True, False], [], [False, True, True]])
    assert wb.ragged.boolean_mask(r3, rows).to_list() == [[[1, 2]], [], [[], [7]]]
    uniform = ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1)
    assert wb.ragged.boolean_mask(uniform, uniform > 2).to_list() == [[[], [3, 4]], [[5, 6]]]
    assert wb.ragged.boolean_mask(uniform, ragged.constant([[True, False], [True]])).to_list() == [
        [[1, 2]], [[5, 6]]]
    with pytest.raises(ValueError, match="row partitions"):
        wb.ragged.boolean_mask(r3, ragged.constant([[True], [], [False, True, True]]))
    check_gradients(lambda v: _flat(wb.ragged.boolean_mask(RT.from_nested_row_lengths(v, [[2, 0, 1], [2, 1, 2]]),
                                                           ragged.constant([[[True, False], [True]], [],
                                                                            [[False, True]]]))),
                    [np.arange(1.0, 6.0)], order=2)


def test_gather_nd_matches_tf():
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    r3 = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [], [7]]])
    uniform = ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1)
    assert wb.gather_nd(rt, [[2, 1], [0, 0]]).numpy().tolist() == [9, 3]
    assert wb.gather_nd(rt, [[2], [0]]).to_list() == [[5, 9, 2], [3, 1, 4, 1]]
    assert wb.gather_nd(r3, [[2, 0]]).to_list() == [[4, 5, 6]]
    assert wb.gather_nd(r3, [[2, 0, 1], [0, 1, 0]]).numpy().tolist() == [5, 3]
    assert wb.gather_nd(r3, [[[2], [0]], [[1], [2]]]).to_list() == [
        [[[4, 5, 6], [], [7]], [[1, 2], [3]]], [[], [[4, 5, 6], [], [7]]]]
    assert wb.gather_nd(uniform, [[1, 0, 1], [0, 1, 0]]).numpy().tolist() == [6, 3]
    assert wb.gather_nd(uniform, [[1, 0]]).numpy().tolist() == [[5, 6]]
    assert wb.gather_nd(rt, [[[2, 1]], [[0, 0]]]).numpy().tolist() == [[9], [3]]
    with pytest.raises(wb.errors.InvalidArgumentError, match="out of range"):
        wb.gather_nd(rt, [[1, 0]])   # row 1 is empty
    check_gradients(lambda v: wb.gather_nd(_rt(v), [[3, 1], [0, 2], [0, 2]]), [np.arange(1.0, 8.0)], order=2)


def test_to_tensor_shape_crops_every_dimension_and_stack_dynamic_partitions():
    # TF 2.21's results
    r3 = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [], [7]]])
    assert r3.to_tensor(shape=[2, 2, 2]).numpy().tolist() == [[[1, 2], [3, 0]], [[0, 0], [0, 0]]]
    assert r3.to_tensor(shape=[None, 1, 4], default_value=-1).numpy().tolist() == [
        [[1, 2, -1, -1]], [[-1, -1, -1, -1]], [[4, 5, 6, -1]]]
    check_gradients(lambda v: RT.from_nested_row_lengths(v, [[2, 0, 1], [2, 1, 2]]).to_tensor(shape=[2, 2, 1]),
                    [np.arange(1.0, 6.0)], order=2)
    parts = ragged.stack_dynamic_partitions(wb.constant([1, 2, 3, 4, 5]), wb.constant([1, 0, 1, 2, 0]), 3)
    assert parts.to_list() == [[2, 5], [1, 3], [4]]
    assert ragged.stack_dynamic_partitions(wb.constant([[1, 2], [3, 4]]), [1, 1], 3).to_list() == [
        [], [[1, 2], [3, 4]], []]
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"partition 3 is not in \[0, 3\)"):
        ragged.stack_dynamic_partitions(wb.constant([1, 2]), [0, 3], 3)


def test_indexing_with_scalar_tensors():
    # TF 2.21 takes integer scalar tensors wherever an int goes, slice bounds included
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    assert rt[wb.constant(2)].numpy().tolist() == [5, 9, 2]
    assert rt[1:wb.constant(3)].to_list() == [[], [5, 9, 2]]
    assert rt[:, wb.constant(1):].to_list() == [[1, 4, 1], [], [9, 2], [], []]
    assert int(rt[wb.constant(0), wb.constant(-1)]) == 1
    assert rt[..., wb.constant(0):1].to_list() == [[3], [], [5], [6], []]
    with pytest.raises(TypeError, match="integer scalars"):
        rt[wb.constant([1, 2])]


def test_split_stack_boolean_mask_and_comparisons_as_tf_documents():
    # examples of TF 2.21's ragged docstrings, outputs as TF gives them
    rt = RT.from_row_lengths(wb.reshape(wb.range(24), [8, 3]), [2, 1, 3, 2])
    assert [r.shape for r in wb.split(rt, 2)] == [(2, None, 3), (2, None, 3)]
    assert [r.shape for r in wb.split(rt, [1, 2, 1])] == [(1, None, 3), (2, None, 3), (1, None, 3)]
    assert wb.split(rt, [1, 2, 1])[1].to_list() == rt[1:3].to_list()
    first, second = wb.split(rt, [1, 2], axis=2)
    assert first.shape == (4, None, 1) and second.shape == (4, None, 2)
    assert first.to_list() == [[[0], [3]], [[6]], [[9], [12], [15]], [[18], [21]]]
    with pytest.raises(wb.errors.InvalidArgumentError, match="equal parts"):
        wb.split(rt, 3)
    with pytest.raises(ValueError, match="ragged"):
        wb.split(rt, 2, axis=1)
    stacked = ragged.stack([wb.constant([[1, 2, 3], [4, 5, 6]]), wb.constant([[5], [6], [7]])], axis=0)
    assert stacked.to_list() == [[[1, 2, 3], [4, 5, 6]], [[5], [6], [7]]]
    T, F = True, False
    assert ragged.boolean_mask(data=[[1, 2, 3], [4, 5, 6], [7, 8, 9]],
                               mask=[[T, F, T], [F, F, F], [T, F, F]]).to_list() == [[1, 3], [], [7]]
    assert ragged.boolean_mask(data=[1, 2, 3], mask=[T, F, T]).numpy().tolist() == [1, 3]
    assert ragged.boolean_mask(data=ragged.constant([[1, 2], [3]]), mask=[T, F]).to_list() == [[1, 2]]
    rt1, rt3 = ragged.constant([[1, 2], [3]]), ragged.constant([[1], [2, 3]])
    assert (rt1 == rt3) is False and (rt1 != rt3) is True   # shapes that do not broadcast: unequal
    assert (True & (rt1 > 1)).to_list() == [[False, True], [True]]
    assert (7 // rt1).to_list() == [[7, 3], [2]] and (7 % rt1).to_list() == [[0, 1], [1]]


def test_ragged_cross_and_cross_hashed_as_tf():
    # TF 2.21's values, its docstring examples included
    abc = ragged.constant([["a"], ["b", "c"]])
    de, fg = ragged.constant([["d"], ["e"]]), ragged.constant([["f"], ["g"]])
    assert ragged.cross([abc, de, fg]).to_list() == [[b"a_X_d_X_f"], [b"b_X_e_X_g", b"c_X_e_X_g"]]
    assert ragged.cross_hashed([abc, de, fg], num_buckets=100).to_list() == [[78], [66, 74]]
    assert ragged.cross_hashed([abc, de], num_buckets=100, hash_key=7).to_list() == [[10], [23, 88]]
    ints = ragged.constant([[1, 2], [3]], dtype=wb.int64)
    assert ragged.cross([ints, ragged.constant([["c"], ["x"]])]).to_list() == [[b"1_X_c", b"2_X_c"], [b"3_X_x"]]
    assert ragged.cross_hashed([ints, ragged.constant([["c"], ["x"]])], num_buckets=1000).to_list() == [[731, 182],
                                                                                                         [419]]
    assert ragged.cross([ragged.constant([["a", "b"], []]), ragged.constant([["c", "d"], ["x"]])]).to_list() == [
        [b"a_X_c", b"a_X_d", b"b_X_c", b"b_X_d"], []]
    assert ragged.cross([wb.constant([["a", "b"], ["c", "d"]])]).to_list() == [[b"a", b"b"], [b"c", b"d"]]


def test_equality_of_shapes_that_do_not_broadcast_is_false():
    # TF 2.21: == / != of shapes that do not broadcast answer False / True (a scalar tensor
    # for dense operands, a plain bool beside a RaggedTensor), as its ragged docstrings show
    assert (wb.constant([1, 2]) == wb.constant([1, 2, 3])).numpy().item() is False
    assert (wb.constant([1, 2]) != wb.constant([1, 2, 3])).numpy().item() is True
    t, rt1 = wb.constant([[1, 2], [3, 4]]), ragged.constant([[1, 2], [3]])
    assert (t == rt1) is False and (t != rt1) is True
    assert (rt1 == t) is False
