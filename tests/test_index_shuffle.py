"""wb.random.experimental.index_shuffle and stateless_shuffle: TF 2.21's numbers, pinned."""

import numpy as np
import pytest

import workbench as wb
from workbench.errors import InvalidArgumentError

index_shuffle = wb.random.experimental.index_shuffle
stateless_shuffle = wb.random.experimental.stateless_shuffle

# (seed, max_index, TF 2.21's outputs for the int64 indices min(v, max_index), v in 0, 1, 2, 5, max_index)
CASES = [
    ([0, 0], 0, [0, 0, 0, 0, 0]),
    ([0, 0], 1, [0, 1, 1, 1, 1]),
    ([0, 0], 9, [0, 9, 1, 5, 2]),
    ([0, 0], 100, [89, 69, 80, 47, 34]),
    ([0, 0], 65535, [56354, 36074, 19674, 44347, 16352]),
    ([0, 0], 65536, [56354, 36074, 19674, 44347, 56354]),
    ([0, 0], 1000000, [209121, 143840, 74451, 397701, 960693]),
    ([0, 0], 1099511627779, [63057656603, 237267744956, 807569337271, 420822283691, 961391021828]),
    ([1, 2], 0, [0, 0, 0, 0, 0]),
    ([1, 2], 1, [1, 0, 0, 0, 0]),
    ([1, 2], 9, [5, 0, 1, 6, 2]),
    ([1, 2], 100, [29, 49, 41, 48, 35]),
    ([1, 2], 65535, [55891, 35483, 18595, 43848, 15003]),
    ([1, 2], 65536, [55891, 35483, 18595, 43848, 55891]),
    ([1, 2], 1000000, [207224, 141433, 80714, 395804, 703340]),
    ([1, 2], 1099511627779, [597430203667, 722312583572, 455489526658, 962969898695, 217933507975]),
    ([12345, 67890], 0, [0, 0, 0, 0, 0]),
    ([12345, 67890], 1, [0, 1, 1, 1, 1]),
    ([12345, 67890], 9, [8, 1, 7, 2, 9]),
    ([12345, 67890], 100, [25, 1, 98, 73, 16]),
    ([12345, 67890], 65535, [14925, 19109, 39117, 5014, 43732]),
    ([12345, 67890], 65536, [14925, 19109, 39117, 5014, 14925]),
    ([12345, 67890], 1000000, [287276, 354593, 417838, 76576, 805789]),
    ([12345, 67890], 1099511627779, [825468863407, 545704803686, 232870762020, 55540329388, 241330647926]),
    ([-1, 7], 0, [0, 0, 0, 0, 0]),
    ([-1, 7], 1, [1, 0, 0, 0, 0]),
    ([-1, 7], 9, [1, 6, 0, 5, 8]),
    ([-1, 7], 100, [53, 64, 79, 90, 74]),
    ([-1, 7], 65535, [37867, 59612, 32001, 13599, 19572]),
    ([-1, 7], 65536, [37867, 59612, 32001, 13599, 37867]),
    ([-1, 7], 1000000, [171498, 459882, 638841, 82795, 812420]),
    ([-1, 7], 1099511627779, [591135793826, 106688082081, 1095994323806, 253969642692, 743746043249]),
]


@pytest.mark.parametrize("seed,max_index,expected", CASES)
def test_index_shuffle_as_tf(seed, max_index, expected):
    index = wb.constant([min(v, max_index) for v in (0, 1, 2, 5, max_index)], wb.int64)
    out = index_shuffle(index, seed, wb.constant(max_index, wb.int64))
    assert out.dtype == wb.int64
    assert out.numpy().tolist() == expected


def test_index_shuffle_tf_docstring_examples():
    out = index_shuffle(wb.range(4), seed=[5, 9], max_index=3)
    assert out.dtype == wb.int32 and out.numpy().tolist() == [2, 0, 1, 3]
    outs = [int(index_shuffle(wb.constant(i, wb.int64), [5, 8], 9)) for i in range(10)]
    assert outs == [3, 8, 0, 1, 2, 7, 6, 9, 4, 5]


def test_index_shuffle_is_a_permutation():
    out = index_shuffle(wb.range(1000, dtype=wb.int64), [3, 1], 999).numpy()
    assert sorted(out.tolist()) == list(range(1000))


def test_index_shuffle_dtypes_and_broadcasting():
    out = index_shuffle(wb.constant([0, 1, 2, 3], wb.uint32), wb.constant([3, 4], wb.uint64),
                        wb.constant(1000, wb.uint32))
    assert out.dtype == wb.uint32 and out.numpy().tolist() == [969, 292, 555, 400]
    scalar = index_shuffle(wb.constant(5, wb.int32), [3, 4], wb.constant(50, wb.int32))
    assert scalar.shape == () and int(scalar) == 28
    vec = index_shuffle(wb.constant([3, 3, 3], wb.int64), [7, 7], wb.constant([10, 200, 70000], wb.int64))
    assert vec.numpy().tolist() == [6, 169, 11907]


def test_index_shuffle_errors_as_tf():
    with pytest.raises(InvalidArgumentError, match="max_index must be >= index, but 3 < 5"):
        index_shuffle(wb.constant(5), [1, 2], 3)
    with pytest.raises(InvalidArgumentError, match="index must be >= 0 but was -1"):
        index_shuffle(wb.constant(-1), [1, 2], 3)
    with pytest.raises(InvalidArgumentError, match="Index bust be a scalar or vector."):
        index_shuffle(wb.constant([[1]]), [1, 2], 3)
    with pytest.raises(InvalidArgumentError, match=r"Seed must be a vector of size \[3\] or a matrix of size "
                                                   r"\[1, 3\] but got \[4\]\."):
        index_shuffle(wb.constant(1), [1, 2, 3], 3)
    # TF 2.21's wrapper pads a [n, 2] seed along its rows, which its kernel then rejects
    with pytest.raises(InvalidArgumentError, match=r"matrix of size \[2, 3\] but got \[2,2\]\."):
        index_shuffle(wb.constant([1, 2]), wb.constant([[1, 2]]), 3)
    with pytest.raises(InvalidArgumentError, match="Value for attr 'dtype' of float is not in the list of allowed "
                                                   "values: int32, uint32, int64, uint64"):
        index_shuffle(wb.constant(1.0), [1, 2], 3.0)
    with pytest.raises(InvalidArgumentError, match="Value for attr 'Tseed' of float"):
        index_shuffle(wb.constant(1), [1.0, 2.0], 3)


def test_index_shuffle_in_function_and_dataset_map():
    f = wb.function(lambda i, s: index_shuffle(i, s, 9))
    assert f(wb.range(10), wb.constant([5, 8])).numpy().tolist() == [3, 8, 0, 1, 2, 7, 6, 9, 4, 5]
    assert f(wb.range(10), wb.constant([1, 2])).numpy().tolist() == [5, 0, 1, 4, 3, 6, 9, 8, 7, 2]   # TF 2.21
    ds = wb.data.Dataset.range(10).map(lambda i: index_shuffle(i, [5, 8], 9))
    assert [int(x) for x in ds] == [3, 8, 0, 1, 2, 7, 6, 9, 4, 5]


def test_stateless_shuffle_as_tf():
    out = stateless_shuffle(wb.constant([[1, 2], [3, 4], [5, 6]]), seed=[8, 9])
    assert out.numpy().tolist() == [[5, 6], [1, 2], [3, 4]]
    assert stateless_shuffle(wb.range(10), seed=[1, 2]).numpy().tolist() == [0, 3, 8, 1, 5, 4, 9, 7, 6, 2]
    out = stateless_shuffle(wb.range(20, dtype=wb.int64), seed=wb.constant([123, -5], wb.int64))
    assert out.numpy().tolist() == [19, 9, 5, 3, 0, 8, 13, 1, 12, 16, 10, 6, 15, 7, 11, 17, 4, 18, 14, 2]
    out = stateless_shuffle(wb.constant(["a", "b", "c", "d"]), seed=[0, 0])
    assert out.numpy().tolist() == [b"c", b"b", b"a", b"d"]
    assert stateless_shuffle(wb.range(10), seed=[1, 2], alg="philox").numpy().tolist() == [0, 3, 8, 1, 5, 4, 9, 7, 6, 2]
    assert tuple(stateless_shuffle(wb.zeros([0, 2]), seed=[1, 2]).shape) == (0, 2)
    with pytest.raises(ValueError, match="at least one dimension"):
        stateless_shuffle(wb.constant(3), seed=[1, 2])
    with pytest.raises(ValueError, match="shape \\[2\\]"):
        stateless_shuffle(wb.range(3), seed=[1, 2, 3])
