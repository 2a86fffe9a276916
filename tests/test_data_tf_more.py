"""tf.data against TF 2.21: shuffle orders (seeds, buffer sizes, passes), iterator methods,
extension-type and ragged elements, and datasets in a wb.function; the values are TF's, computed
with TF on the same small cases."""

import os
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

import workbench as wb
from tests.data_helpers import assert_restores_exactly
from workbench.compiler import UnreplayableWarning

Dataset = wb.data.Dataset


def values(ds):
    return [np.asarray(x).tolist() for x in ds.as_numpy_iterator()]


# -- shuffle: TF's order --------------------------------------------------------------------

# Dataset.range(10).shuffle(b, seed=7, reshuffle_each_iteration=r): two passes, repeat(3) and
# take(4).repeat(2) of the same dataset object (each pass draws the next seeds of its generator)
SHUFFLE_SEED7 = {
    (1, True): [list(range(10)), list(range(10)), list(range(10)) * 3, [0, 1, 2, 3] * 2],
    (3, True): [[1, 2, 0, 3, 6, 4, 8, 5, 7, 9], [1, 0, 3, 2, 6, 7, 8, 4, 9, 5],
                [1, 3, 0, 2, 5, 4, 8, 7, 6, 9, 1, 3, 0, 5, 4, 7, 2, 8, 6, 9, 0, 1, 3, 5, 6, 7, 2, 8, 9, 4],
                [2, 0, 3, 5, 0, 1, 3, 2]],
    (3, False): [[0, 2, 3, 4, 5, 7, 6, 1, 8, 9]] * 2 + [[0, 2, 3, 4, 5, 7, 6, 1, 8, 9] * 3, [0, 2, 3, 4] * 2],
    (10, True): [[2, 8, 6, 5, 9, 1, 0, 3, 7, 4], [9, 1, 3, 0, 6, 4, 7, 8, 2, 5],
                 [1, 9, 4, 2, 8, 3, 5, 7, 6, 0, 6, 0, 3, 5, 7, 4, 9, 8, 2, 1, 6, 7, 0, 8, 9, 2, 4, 3, 5, 1],
                 [6, 5, 0, 7, 0, 7, 5, 3]],
    (10, False): [[7, 2, 0, 9, 8, 4, 5, 1, 6, 3]] * 2 + [[7, 2, 0, 9, 8, 4, 5, 1, 6, 3] * 3, [7, 2, 0, 9] * 2],
}
SHUFFLE_SEED7[(1, False)] = SHUFFLE_SEED7[(1, True)]
SHUFFLE_SEED7[(25, True)] = SHUFFLE_SEED7[(10, True)]     # a buffer past the input: the same order
SHUFFLE_SEED7[(25, False)] = SHUFFLE_SEED7[(10, False)]


@pytest.mark.parametrize("buffer_size,reshuffle", sorted(SHUFFLE_SEED7))
def test_shuffle_order_is_tfs(buffer_size, reshuffle):
    d = Dataset.range(10).shuffle(buffer_size, seed=7, reshuffle_each_iteration=reshuffle)
    got = [values(d), values(d), values(d.repeat(3)), values(d.take(4).repeat(2))]
    assert got == SHUFFLE_SEED7[(buffer_size, reshuffle)]


def test_shuffle_over_elements_and_batches_is_tfs():
    ds = Dataset.range(10)
    assert values(ds.map(lambda x: x * 2).shuffle(4, seed=3)) == [0, 6, 4, 2, 8, 14, 12, 10, 16, 18]
    assert values(ds.shuffle(4, seed=3).batch(3)) == [[0, 3, 2], [1, 4, 7], [6, 5, 8], [9]]
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    got = values(Dataset.from_tensor_slices(x).shuffle(6, seed=2).batch(4))
    assert got == [[[4, 5], [12, 13], [8, 9], [16, 17]], [[2, 3], [0, 1], [14, 15], [10, 11]],
                   [[18, 19], [6, 7]]]
    wb.random.set_seed(0)                       # the seeds (0, 3)
    assert values(ds.map(lambda x: x * 2).shuffle(4, seed=3)) == [2, 8, 10, 6, 14, 0, 12, 18, 4, 16]
    assert values(ds.shuffle(4, seed=3).batch(3)) == [[1, 4, 5], [3, 7, 0], [6, 9, 2], [8]]


@pytest.mark.parametrize("buffer_size,head,tail,digest", [
    (100, [31, 38, 87, 68, 44, 24, 43, 17], [2905, 2948, 2810, 2774, 2974, 2876, 2813, 2973], 505069),
    (3000, [1931, 410, 43, 1992, 248, 1774, 2195, 2455], [768, 881, 1143, 1582, 1643, 1283, 2792, 539], 481914),
])
def test_long_shuffles_are_tfs(buffer_size, head, tail, digest):
    v = values(Dataset.range(3000).shuffle(buffer_size, seed=11))
    assert v[:8] == head and v[-8:] == tail
    assert int(np.dot(np.arange(3000), v) % 1000003) == digest


def test_second_pass_of_a_whole_buffer_shuffle_is_tfs():
    d = Dataset.range(3000).shuffle(3000, seed=11)
    values(d)
    v = values(d)
    assert v[:8] == [2714, 2428, 2820, 1633, 2996, 233, 2273, 2850]
    assert int(np.dot(np.arange(3000), v) % 1000003) == 672084


def test_shuffle_seeds_follow_the_global_seed_rule():
    ds = Dataset.range(10)
    wb.random.set_seed(5)
    assert values(ds.shuffle(3)) == [0, 2, 1, 4, 3, 6, 7, 9, 8, 5]
    assert values(ds.shuffle(4, seed=2)) == [1, 3, 2, 0, 4, 8, 6, 5, 7, 9]   # takes no op seed
    assert values(ds.shuffle(3)) == [1, 0, 3, 2, 4, 5, 7, 9, 6, 8]
    wb.random.set_seed(5)
    wb.random.uniform([2])                                                  # takes the first op seed
    assert values(ds.shuffle(3)) == [1, 0, 3, 2, 4, 5, 7, 9, 6, 8]
    wb.random.set_seed(0)
    assert values(ds.shuffle(3, seed=0)) == [1, 3, 0, 4, 2, 7, 5, 9, 8, 6]  # (0, 0) is not used
    assert values(ds.shuffle(5)) == [3, 5, 6, 4, 1, 7, 8, 9, 0, 2]


def test_unseeded_shuffles_differ_and_keep_every_element():
    a, b = values(Dataset.range(50).shuffle(50)), values(Dataset.range(50).shuffle(50))
    assert sorted(a) == sorted(b) == list(range(50)) and a != b


@pytest.mark.parametrize("make", [
    lambda: Dataset.range(40).shuffle(7, seed=3).repeat(2),
    lambda: Dataset.range(40).map(lambda x: x + 1).shuffle(7, seed=3).repeat(2),
    lambda: Dataset.range(40).shuffle(50, seed=3).repeat(2),
])
def test_tf_shuffle_orders_restore_exactly(make, tmp_path):
    assert_restores_exactly(make, 45, tmp_path)


def test_repeat_takes_one_more_pass_of_its_input_unless_it_repeats_a_shuffle():
    # TF's repeat makes its input's next iterator before it sees the count reached (a pass of
    # the shuffle's seed generator); shuffle(...).repeat(n) runs fused, without it
    e = Dataset.range(6).shuffle(6, seed=3)
    assert values(e) == [0, 1, 2, 3, 4, 5] and values(e) == [0, 4, 1, 5, 3, 2]
    assert values(e.repeat(2)) == [2, 4, 5, 3, 0, 1, 2, 0, 4, 1, 3, 5]
    assert values(e) == [3, 2, 1, 4, 0, 5]
    e = Dataset.range(6).shuffle(6, seed=3)
    assert values(e.take(5).repeat(2)) == [0, 1, 2, 3, 4, 0, 4, 1, 5, 3]
    assert values(e) == [2, 0, 4, 1, 3, 5]
    e = Dataset.range(6).shuffle(6, seed=3)
    assert values(e.map(lambda x: x + 1).repeat(2)) == [1, 2, 3, 4, 5, 6, 1, 5, 2, 6, 4, 3]
    assert values(e) == [2, 0, 4, 1, 3, 5]


# -- Dataset.random and sample_from_datasets: TF's numbers -----------------------------------------

def test_random_is_tfs():
    d = Dataset.random(seed=3, rerandomize_each_iteration=True).take(2)
    assert values(d) == [2698304964, 3230936430] and values(d) == [1595858328, 3580113443]
    assert values(d) == [334821188, 154935408]
    assert values(d.repeat(2)) == [3568051280, 174715016, 3428579733, 3644331116]
    assert values(d) == [3377480308, 3413316141]
    wb.random.set_seed(0)
    assert values(Dataset.random(seed=3).take(5)) == [4037610172, 291018424, 3202285188, 3094300102,
                                                      1417338474]
    assert values(Dataset.random(seed=3, rerandomize_each_iteration=True).take(3).repeat(2)) == [
        726737581, 350085235, 2680087663, 979153912, 3422131877, 3127417961]
    assert values(Dataset.random(seed=3).take(2).repeat(2)) == [4037610172, 291018424] * 2


def test_sample_from_datasets_is_tfs():
    S, R = Dataset.sample_from_datasets, Dataset.range
    assert values(S([R(3), R(10, 20)], seed=1)) == [10, 0, 1, 2, 11, 12, 13, 14, 15, 16, 17, 18, 19]
    assert values(S([R(3), R(10, 20)], seed=1, stop_on_empty_dataset=True)) == [10, 0, 1, 2]
    assert values(S([R(0, 1000), R(1000, 2000)], weights=[0.8, 0.2], seed=7).take(20)) == [
        0, 1, 1000, 2, 3, 4, 5, 1001, 6, 7, 8, 1002, 9, 10, 11, 12, 13, 14, 15, 16]
    # a dataset weighted zero in a list is left out; in a tensor it stays, with logit -inf
    assert values(S([R(5), R(100, 105), R(200, 205)], weights=[0.5, 0.0, 0.5], seed=2)) == [
        200, 0, 201, 1, 202, 2, 3, 203, 204, 4]
    assert values(S([R(100), R(100, 200), R(200, 300)], weights=wb.constant([0.5, 0.0, 0.5]),
                    seed=2).take(10)) == [200, 0, 201, 1, 202, 2, 3, 203, 204, 4]
    assert values(S([R(100), R(100, 200)], weights=wb.constant([0.25, 0.75], wb.float64),
                    seed=5).take(10)) == [0, 1, 2, 100, 101, 3, 102, 103, 104, 4]
    w32 = Dataset.from_tensor_slices(np.array([[0.5, 0.5]] * 6, np.float32))
    assert values(S([R(0, 1000), R(1000, 2000)], weights=w32, seed=0)) == [1000, 1001, 1002, 0, 1, 1003]
    w64 = Dataset.from_tensor_slices(np.array([[0.3, 0.7]] * 6))
    assert values(S([R(0, 1000), R(1000, 2000)], weights=w64, seed=0)) == [1000, 1001, 1002, 1003, 0, 1004]
    assert values(S([R(100), R(100, 200), R(200, 300)], seed=3).take(10)) == [
        100, 101, 200, 0, 201, 102, 103, 202, 104, 1]
    d = S([R(100), R(100, 200)], seed=3, rerandomize_each_iteration=True).take(5)
    assert values(d.repeat(2)) == [0, 1, 2, 3, 100, 100, 101, 0, 1, 102]
    assert values(d) == [0, 1, 100, 101, 2]
    assert values(S([R(3), R(4)], weights=[0.0, 0.0], seed=1)) == []
    assert values(S([R(3), R(10, 14)], weights=[-1.0, 1.0], seed=1)) == [10, 11, 12, 13]
    one = R(3)
    assert S([one], seed=1) is one
    wb.random.set_seed(4)
    assert values(S([R(100), R(100, 200)]).take(10)) == [100, 0, 1, 101, 102, 2, 3, 4, 103, 104]
    assert values(S([R(100), R(100, 200)]).take(10)) == [0, 100, 101, 1, 2, 102, 103, 104, 3, 4]


def test_sample_from_datasets_errors_are_tfs():
    S, R = Dataset.sample_from_datasets, Dataset.range
    with pytest.raises(TypeError, match="`weights` type must be either `float32` or `float64` but is int32"):
        S([R(3), R(4)], weights=[1, 2])
    with pytest.raises(ValueError, match=r"`len\(weights\)=1` vs. `len\(datasets\)=2`"):
        S([R(3), R(4)], weights=[1.0])
    with pytest.raises(TypeError, match="`weights` type must be either"):
        S([R(3), R(4)], weights="x")
    with pytest.raises(ValueError, match="`datasets` should not be empty"):
        S([], seed=1)


def test_sample_from_datasets_restores_exactly(tmp_path):
    def make():
        return Dataset.sample_from_datasets([Dataset.range(30), Dataset.range(100, 130)],
                                            weights=[0.3, 0.7], seed=5, rerandomize_each_iteration=True).repeat(2)
    assert_restores_exactly(make, 35, tmp_path)


# -- the iterator: TF's OwnedIterator methods, and loops over it in a wb.function ---------------

def test_iterator_next_get_next_and_optional():
    it = iter(Dataset.range(2))
    assert int(it.next()) == 0 and int(it.get_next()) == 1
    with pytest.raises(StopIteration):
        it.next()
    with pytest.raises(wb.errors.OutOfRangeError):
        it.get_next()
    assert not bool(it.get_next_as_optional().has_value())
    assert it.element_spec == wb.TensorSpec([], wb.int64)

    @wb.function
    def two(it):
        return it.next() + it.get_next()
    it = iter(Dataset.range(5))
    assert [int(two(it)), int(two(it))] == [1, 5]          # TF 2.21
    with pytest.raises(wb.errors.OutOfRangeError):
        two(it)


def test_for_over_an_iterator_in_a_function_is_staged():
    @wb.function
    def total(ds):
        s = wb.constant(0, wb.int64)
        for x in iter(ds):               # a new pass each call
            s += x
        return s
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        assert [int(total(Dataset.range(4))), int(total(Dataset.range(4)))] == [6, 6]
        assert int(total(Dataset.range(5))) == 10
    assert total.experimental_get_tracing_count() == 1

    @wb.function
    def rest(it):
        s = wb.constant(0, wb.int64)
        for x in it:                     # goes on where the last call left the iterator
            s += x
        return s
    it = iter(Dataset.range(4))
    assert [int(rest(it)), int(rest(it))] == [6, 0]       # TF 2.21
    assert int(rest(iter(Dataset.range(4).map(lambda x: x * 2)))) == 12
    assert rest.experimental_get_tracing_count() == 1     # TF's IteratorSpec: one trace

    @wb.function
    def until(it):
        s = wb.constant(0, wb.int64)
        for x in it:
            if x > 2:
                break
            s += x
        return s
    it = iter(Dataset.range(10))
    assert [int(until(it)), int(until(it))] == [3, 0]     # TF 2.21: the break takes 3, then 4


# -- extension types, ragged and sparse values: from_generator and unbatch -----------------------

class _Masked(wb.experimental.BatchableExtensionType):
    values: wb.Tensor
    mask: wb.Tensor


def test_from_generator_with_an_extension_type_signature_batch_and_unbatch():
    def gen():
        for i in range(3):
            yield _Masked(wb.constant([i, i + 1], wb.float32), wb.constant([True, False]))
    sig = _Masked.Spec(values=wb.TensorSpec([2], wb.float32), mask=wb.TensorSpec([2], wb.bool))
    ds = Dataset.from_generator(gen, output_signature=sig)
    assert ds.element_spec == sig
    assert [x.values.numpy().tolist() for x in ds] == [[0, 1], [1, 2], [2, 3]]
    batched = ds.batch(2)
    assert batched.element_spec == _Masked.Spec(values=wb.TensorSpec([None, 2], wb.float32),
                                                mask=wb.TensorSpec([None, 2], wb.bool))
    assert [x.mask.numpy().tolist() for x in batched] == [[[True, False], [True, False]], [[True, False]]]
    rows = batched.unbatch()
    assert rows.element_spec == sig
    assert [(type(x), x.values.numpy().tolist()) for x in rows] == [(_Masked, [0, 1]), (_Masked, [1, 2]),
                                                                    (_Masked, [2, 3])]
    # TF: a TypeError ("`generator` yielded an element of ... where an element of MT.Spec(...) was expected")
    with pytest.raises(TypeError, match="where an element of _Masked.Spec"):
        list(Dataset.from_generator(lambda: iter([np.zeros(2, np.float32)]), output_signature=sig))


def test_from_generator_with_ragged_and_sparse_signatures():
    def rows():
        yield wb.ragged.constant([[1, 2], [3]])
        yield wb.ragged.constant([[4], [], [5, 6]])
    spec = wb.RaggedTensorSpec([None, None], wb.int32)
    ds = Dataset.from_generator(rows, output_signature=spec)
    assert ds.element_spec == spec
    assert [x.to_list() for x in ds] == [[[1, 2], [3]], [[4], [], [5, 6]]]
    sparse = Dataset.from_generator(lambda: iter([wb.sparse.SparseTensor([[0, 1]], [7], [2, 3])]),
                                    output_signature=wb.SparseTensorSpec([2, 3], wb.int32))
    assert sparse.element_spec == wb.SparseTensorSpec([2, 3], wb.int32)
    assert [wb.sparse.to_dense(x).numpy().tolist() for x in sparse] == [[[0, 7, 0], [0, 0, 0]]]
    mixed = Dataset.from_generator(
        lambda: iter([{"a": wb.ragged.constant([[1], [2, 3]]), "b": np.int64(1)}]),
        output_signature={"a": wb.RaggedTensorSpec([None, None], wb.int32), "b": wb.TensorSpec([], wb.int64)})
    assert [(x["a"].to_list(), int(x["b"])) for x in mixed] == [([[1], [2, 3]], 1)]


def test_unbatch_of_ragged_batches_has_tfs_specs():
    rb = Dataset.from_tensor_slices(wb.ragged.constant([[1, 2], [3], [4, 5, 6]])).ragged_batch(2)
    assert rb.element_spec == wb.RaggedTensorSpec([None, None], wb.int32, 1)
    rows = rb.unbatch()
    assert rows.element_spec == wb.RaggedTensorSpec([None], wb.int32, 0)
    assert [x.numpy().tolist() for x in rows] == [[1, 2], [3], [4, 5, 6]]
    r2 = Dataset.range(5).map(lambda x: wb.range(x)).ragged_batch(2)
    assert r2.unbatch().element_spec == wb.RaggedTensorSpec([None], wb.int64, 0)
    assert [x.numpy().tolist() for x in r2.unbatch()] == [[], [0], [0, 1], [0, 1, 2], [0, 1, 2, 3]]
    deep = Dataset.from_tensors(wb.ragged.constant([[[1], [2, 3]], [[4]], [[5, 6], [], [7]]]))
    assert deep.unbatch().element_spec == wb.RaggedTensorSpec([None, None], wb.int32, 1)
    assert deep.unbatch().take(1).element_spec == wb.RaggedTensorSpec([None, None], wb.int32, 1)
    assert deep.unbatch().unbatch().element_spec == wb.RaggedTensorSpec([None], wb.int32, 0)
    assert values(deep.unbatch().unbatch()) == [[1], [2, 3], [4], [5, 6], [], [7]]
    uniform = wb.RaggedTensor.from_row_splits(wb.reshape(wb.range(12), [4, 3]), [0, 1, 4])
    assert Dataset.from_tensors(uniform).unbatch().element_spec == wb.RaggedTensorSpec([None, 3], wb.int32, 0)
    s = wb.sparse.SparseTensor([[0, 1], [2, 0]], [1, 2], [3, 4])
    assert Dataset.from_tensors({"s": s, "d": wb.zeros([3, 2])}).unbatch().element_spec == {
        "s": wb.SparseTensorSpec([4], wb.int32), "d": wb.TensorSpec([2], wb.float32)}


def test_reading_element_spec_takes_no_shuffle_pass():
    # TF knows the structure without running the pipeline: reading it must not move the
    # shuffle's seed generator on (here, the batch's spec is read from its first element)
    d = Dataset.range(12).shuffle(5, seed=4).batch(5).repeat(2)
    assert d.element_spec == wb.TensorSpec([None], wb.int64)
    assert values(d) == [[1, 2, 5, 0, 4], [7, 10, 6, 3, 8], [9, 11], [3, 0, 1, 5, 2], [7, 8, 4, 6, 9], [10, 11]]
    r = Dataset.random(seed=3, rerandomize_each_iteration=True).take(2).batch(2)
    assert r.element_spec == wb.TensorSpec([None], wb.int64)
    assert values(r) == [[2698304964, 3230936430]]


# -- the API sweep: TF 2.21's counts, cardinalities and errors on small inputs ---------------------

def test_negative_counts_are_minus_one_as_tf():
    assert values(Dataset.range(5).take(-2)) == [0, 1, 2, 3, 4]
    assert values(Dataset.range(5).skip(-2)) == []
    assert values(Dataset.range(3).repeat(-2).take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert int(Dataset.range(5).repeat(-3).take(12).cardinality()) == 12


def test_bad_sizes_raise_tfs_invalid_argument_error():
    E = wb.errors.InvalidArgumentError
    with pytest.raises(E, match="Batch size must be greater than zero"):
        Dataset.range(7).batch(0)
    with pytest.raises(E, match="Window size must be greater than zero"):
        Dataset.range(7).window(0)
    with pytest.raises(E, match="step must be a non-zero integer"):
        Dataset.range(0, 5, 0)
    with pytest.raises(E, match="buffer_size must be >= 0 or set buffer_size to be -1"):
        Dataset.range(3).prefetch(-5)
    with pytest.raises(E, match="buffer_size must be greater than zero or UNKNOWN_CARDINALITY"):
        Dataset.range(3).shuffle(0)
    with pytest.raises(E, match="buffer_size must be greater than zero or UNKNOWN_CARDINALITY"):
        Dataset.range(3).shuffle(-1)
    # UNKNOWN_CARDINALITY: a buffer of the whole input (TF 2.21's order)
    assert values(Dataset.range(5).shuffle(wb.data.UNKNOWN_CARDINALITY, seed=1)) == [0, 4, 3, 1, 2]


def test_directed_interleave_cardinality_is_tfs():
    C, S, R = Dataset.choose_from_datasets, Dataset.sample_from_datasets, Dataset.range

    def i64(v):
        return Dataset.from_tensor_slices(wb.constant(v, wb.int64))

    def card(d):
        return int(d.cardinality())
    assert card(C([R(3), R(3)], i64([0, 1]))) == -2
    assert card(C([R(3).repeat(), R(3).repeat()], i64([0, 1]))) == -1     # the choices are not counted
    assert card(C([R(3).repeat(), R(3)], i64([0, 1]))) == -1
    assert card(C([R(3), R(3)], i64([0, 1]).repeat())) == -2
    assert card(C([R(3).filter(lambda x: True), R(3).repeat()], i64([0, 1]))) == -1
    assert [card(S([R(3), R(3)])), card(S([R(3).repeat(), R(3)])), card(S([R(3).repeat(), R(3).repeat()])),
            card(S([R(3).repeat(), R(3)], stop_on_empty_dataset=True))] == [-2, -1, -1, -1]


def test_unbatch_cardinality_and_build_errors_are_tfs():
    assert int(Dataset.range(7).batch(2, drop_remainder=True).unbatch().cardinality()) == 6
    assert int(Dataset.from_tensors(wb.zeros([3, 2])).unbatch().cardinality()) == 3
    assert int(Dataset.range(7).batch(2).unbatch().cardinality()) == -2
    assert int(Dataset.range(7).batch(2, drop_remainder=True).repeat().unbatch().cardinality()) == -1
    with pytest.raises(ValueError, match="Cannot unbatch an input with scalar components"):
        Dataset.range(3).unbatch()
    with pytest.raises(ValueError, match="matching leading dimension. Encountered both 3 and 4"):
        Dataset.from_tensors((wb.zeros([3, 2]), wb.zeros([4]))).unbatch()


def test_unique_of_floats_fails_when_built():
    with pytest.raises(TypeError, match="does not support type <dtype: 'float32'>"):
        Dataset.from_tensor_slices([1.0, 2.0]).unique()


def test_specs_from_the_input_spec_as_tf():
    ragged_rows = Dataset.range(4).map(lambda x: wb.fill([x], x))
    assert ragged_rows.padded_batch(2).element_spec == wb.TensorSpec([None, None], wb.int64)
    assert ragged_rows.padded_batch(2, drop_remainder=True).element_spec == wb.TensorSpec([2, None], wb.int64)
    assert ragged_rows.padded_batch(2, padded_shapes=[5]).element_spec == wb.TensorSpec([None, 5], wb.int64)
    assert values(ragged_rows.padded_batch(2)) == [[[0], [1]], [[2, 2, 0], [3, 3, 3]]]
    bucketed = Dataset.range(1, 8).map(lambda x: wb.fill([x], x)).bucket_by_sequence_length(
        lambda x: wb.shape(x)[0], [3, 5], [2, 2, 2])
    assert bucketed.element_spec == wb.TensorSpec([None, None], wb.int64)
    assert Dataset.range(7).window(3).element_spec == wb.data.DatasetSpec(wb.TensorSpec([], wb.int64))
    pairs = Dataset.from_tensor_slices(([1, 2, 3], {"a": [4.0, 5, 6]})).window(2)
    assert pairs.element_spec == (wb.data.DatasetSpec(wb.TensorSpec([], wb.int32)),
                                  {"a": wb.data.DatasetSpec(wb.TensorSpec([], wb.float32))})
    # a list inside a map's result is one tensor (TF converts it); a top-level list is a tuple
    listed = Dataset.range(3).map(lambda x: (x, [x, x]))
    assert listed.element_spec == (wb.TensorSpec([], wb.int64), wb.TensorSpec([2], wb.int64))
    assert wb.data.experimental.get_structure(listed) == listed.element_spec
    assert Dataset.range(3).map(lambda x: {"a": [x, x + 1, x]}).element_spec == {"a": wb.TensorSpec([3], wb.int64)}


def test_the_core_quickstart_guide_prints_tfs_losses(tmp_path):
    # its training shuffles with a buffer of the whole set each epoch, under tf.random.set_seed(22):
    # with TF's shuffle order every loss it prints is TF 2.21's
    root = pathlib.Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
               MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(root / "tests" / "test_tf_guides.py"),
                           str(root / "tests" / "tf_guides" / "quickstart_core.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = [line for line in proc.stdout.splitlines() if "loss" in line or "Mean squared error" in line]
    assert printed == [f"Mean squared error for step {s}: {v}" for s, v in zip(range(0, 100, 10), [
        "3.153", "0.421", "0.273", "0.225", "0.203", "0.190", "0.188", "0.197", "0.192", "0.187"])] + [
        "Final train loss: 0.183", "Final test loss: 0.174"]     # TF 2.21's, printed by the same cells


def test_list_files_order_is_tfs(tmp_path):
    for i in range(7):
        (tmp_path / f"f{i}.txt").write_text(str(i))

    def names(ds):
        return [os.path.basename(x.decode()) for x in ds.as_numpy_iterator()]
    d = Dataset.list_files(str(tmp_path / "*.txt"), seed=3)
    assert names(d) == ["f5.txt", "f1.txt", "f4.txt", "f3.txt", "f0.txt", "f2.txt", "f6.txt"]
    assert names(d) == ["f1.txt", "f6.txt", "f2.txt", "f4.txt", "f3.txt", "f5.txt", "f0.txt"]
    wb.random.set_seed(1)
    assert names(Dataset.list_files(str(tmp_path / "*.txt"))) == [
        "f1.txt", "f4.txt", "f0.txt", "f6.txt", "f2.txt", "f5.txt", "f3.txt"]


def test_what_windows_make_has_tfs_spec():
    windows = Dataset.range(7).window(3)
    assert windows.flat_map(lambda w: w.batch(3)).element_spec == wb.TensorSpec([None], wb.int64)
    assert values(windows.flat_map(lambda w: w.batch(3))) == [[0, 1, 2], [3, 4, 5], [6]]
    dropped = Dataset.range(7).window(3, drop_remainder=True)
    assert dropped.flat_map(lambda w: w.batch(3, drop_remainder=True)).element_spec == wb.TensorSpec([3], wb.int64)
    pairs = Dataset.from_tensor_slices(([1, 2, 3], [4, 5, 6])).window(2)
    made = pairs.flat_map(lambda a, b: Dataset.zip((a.batch(2), b.batch(2))))
    assert made.element_spec == (wb.TensorSpec([None], wb.int32), wb.TensorSpec([None], wb.int32))
    assert windows.interleave(lambda w: w.map(lambda x: x * 2), cycle_length=2).element_spec == \
        wb.TensorSpec([], wb.int64)


def test_repeat_makes_no_extra_pass_of_inputs_without_random_transformations():
    calls = []

    def count(x):
        calls.append(int(x))
        return x
    ds = Dataset.range(3).map(lambda x: wb.py_function(count, [x], wb.int64)).prefetch(1).repeat(2)
    assert values(ds) == [0, 1, 2, 0, 1, 2] and calls == [0, 1, 2, 0, 1, 2]


def test_python_loops_over_a_dataset_without_autograph_run_eagerly():
    # TF refuses them ("only supported when AutoGraph is enabled"); here the function runs
    # eagerly, so each call reads the whole dataset it is given
    def total(ds):
        s = wb.constant(0, wb.int64)
        for x in ds:
            s += x
        return s

    def total_of_iter(ds):
        s = wb.constant(0, wb.int64)
        for x in iter(ds):
            s += x
        return s
    for fn in (total, total_of_iter):
        f = wb.function(fn, autograph=False)
        with pytest.warns(UnreplayableWarning, match="reads a dataset's elements in Python"):
            first = int(f(Dataset.range(4)))
        assert [first, int(f(Dataset.range(4))), int(f(Dataset.range(5))), int(f(Dataset.range(2)))] == [6, 6, 10, 1]


def test_distribute_options_and_policies_as_tf():
    options = wb.data.Options()
    options.experimental_distribute.auto_shard_policy = wb.data.experimental.AutoShardPolicy.DATA
    ds = Dataset.range(3).with_options(options)
    assert ds.options().experimental_distribute.auto_shard_policy == 2       # TF 2.21 reads back 2
    assert [int(p) for p in wb.data.experimental.AutoShardPolicy] == [-1, 0, 1, 2, 3]
    assert [p.name for p in wb.data.experimental.ExternalStatePolicy] == ["WARN", "IGNORE", "FAIL"]
    assert wb.data.experimental.AutotuneAlgorithm.STAGE_BASED.value == 4
    assert isinstance(wb.data.Options().threading, wb.data.ThreadingOptions)
    with pytest.raises(AttributeError, match="no option 'foo'"):
        options.experimental_distribute.foo = 3


def test_datasets_as_elements_of_a_map():
    made = Dataset.range(4).map(lambda x: Dataset.range(x))
    assert made.element_spec == wb.data.DatasetSpec(wb.TensorSpec([], wb.int64))
    assert int(made.cardinality()) == 4
    assert [values(d) for d in made] == [[], [0], [0, 1], [0, 1, 2]]
    assert values(made.flat_map(lambda d: d)) == [0, 0, 1, 0, 1, 2]
    assert values(made.interleave(lambda d: d, cycle_length=2)) == [0, 0, 1, 0, 1, 2]   # TF 2.21
    pairs = Dataset.range(3).map(lambda x: (x, Dataset.from_tensors(x).repeat(2)))
    assert pairs.element_spec == (wb.TensorSpec([], wb.int64), wb.data.DatasetSpec(wb.TensorSpec([], wb.int64)))
    assert [(int(a), values(b)) for a, b in pairs] == [(0, [0, 0]), (1, [1, 1]), (2, [2, 2])]
    assert values(pairs.flat_map(lambda a, b: b.map(lambda y: y + a))) == [0, 0, 2, 2, 4, 4]


def test_datasets_of_different_classes_with_one_spec_share_a_trace():
    @wb.function
    def total(ds):
        s = wb.constant(0, wb.int64)
        for x in ds:
            s += x
        return s
    got = [int(total(Dataset.range(4))), int(total(Dataset.range(4).map(lambda x: x * 2))),
           int(total(Dataset.from_tensor_slices(wb.constant([5, 6], wb.int64)))),
           int(total(Dataset.range(10).filter(lambda x: x > 7)))]
    assert got == [6, 12, 11, 17]                           # TF 2.21
    assert total.experimental_get_tracing_count() == 1      # TF 2.21: one DatasetSpec, one trace
    assert [int(total(Dataset.range(4))), int(total(Dataset.range(3)))] == [6, 3]
    assert int(total(Dataset.range(5).map(lambda x: x + 1))) == 15
    assert total.experimental_get_tracing_count() == 1
