"""shard, take_while, unique, rebatch, ignore_errors, Dataset.random and concatenate's type check,
against TF 2.21's outputs (computed with TF on the same small cases)."""

import numpy as np
import pytest

import workbench as wb
from tests.data_helpers import assert_restores_exactly

Dataset = wb.data.Dataset


def values(ds):
    return [np.asarray(x).tolist() for x in ds.as_numpy_iterator()]


def test_shard_matches_tf():
    assert values(Dataset.range(10).shard(3, 1)) == [1, 4, 7]
    assert values(Dataset.range(10).shard(3, 2)) == [2, 5, 8]
    assert int(Dataset.range(10).shard(3, 1).cardinality()) == 3
    assert int(Dataset.range(10).shard(3, 0).cardinality()) == 4
    assert values(Dataset.range(10).map(lambda x: x * 2).shard(4, 3)) == [6, 14]


def test_shard_errors():
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"Number of shards must be greater than zero \(currently num_shards = 0\)"):
        Dataset.range(10).shard(0, 0)
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"Index must be between 0 and 2 \(currently index = 3\)"):
        Dataset.range(10).shard(3, 3)
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"currently index = -1"):
        Dataset.range(10).shard(3, -1)
    with pytest.raises(TypeError, match="num_shards"):
        Dataset.range(10).shard(1.5, 0)


def test_take_while_matches_tf():
    ds = Dataset.range(10).take_while(lambda x: x < 5)
    assert values(ds) == [0, 1, 2, 3, 4]
    assert int(ds.cardinality()) == -2
    # stops at the first false, even if later elements pass
    assert values(Dataset.from_tensor_slices([1, 2, 9, 1]).take_while(lambda x: x < 5)) == [1, 2]
    pairs = Dataset.from_tensor_slices(([1, 2, 3], [3, 2, 1])).take_while(lambda a, b: a < b)
    assert values(pairs) == [[1, 3]]
    # TF 2.21 checks the traced predicate when the dataset is built (ValueError "Invalid `predicate`")
    with pytest.raises(ValueError, match="Invalid `predicate`"):
        Dataset.range(3).take_while(lambda x: x)
    with pytest.raises(TypeError, match="predicate must be callable"):
        Dataset.range(3).take_while(3)


def test_unique_matches_tf():
    ds = Dataset.from_tensor_slices([1, 37, 2, 37, 2, 1]).unique()
    assert values(ds) == [1, 37, 2]
    assert int(ds.cardinality()) == -2
    assert values(Dataset.from_tensor_slices(["a", "b", "a"]).unique()) == [b"a", b"b"]
    with pytest.raises(TypeError, match=r"does not support type <dtype: 'float32'> -- only `tf.int32`, `tf.int64`, and `tf.string` are supported"):
        list(Dataset.from_tensor_slices([1.0, 2.0]).unique())
    with pytest.raises(TypeError, match="scalars"):
        list(Dataset.from_tensor_slices([[1, 2], [1, 2]]).unique())


def test_rebatch_matches_tf():
    ds = Dataset.range(8).batch(4)
    assert values(ds.rebatch(2)) == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert values(ds.rebatch(3)) == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert values(ds.rebatch(3, drop_remainder=True)) == [[0, 1, 2], [3, 4, 5]]
    assert values(ds.rebatch([2, 1, 1])) == [[0, 1], [2], [3], [4, 5], [6], [7]]
    assert values(Dataset.range(10).batch(3).rebatch(4)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    tup = list(Dataset.range(6).map(lambda x: (x, x * 10)).batch(4).rebatch(3).as_numpy_iterator())
    assert [(a.tolist(), b.tolist()) for a, b in tup] == [([0, 1, 2], [0, 10, 20]), ([3, 4, 5], [30, 40, 50])]
    assert int(ds.rebatch(2).cardinality()) == -2
    assert ds.rebatch(2).element_spec.shape == (None,)
    assert ds.rebatch(2, drop_remainder=True).element_spec.shape == (2,)


def test_rebatch_errors():
    with pytest.raises(ValueError, match="batch dimension"):
        list(Dataset.range(3).rebatch(2))
    with pytest.raises(ValueError, match="batch_size must be positive"):
        Dataset.range(8).batch(4).rebatch(0)
    with pytest.raises(ValueError, match="empty list"):
        Dataset.range(8).batch(4).rebatch([])
    with pytest.raises(TypeError, match="batch_size"):
        Dataset.range(8).batch(4).rebatch(1.5)


def test_ignore_errors_matches_tf(caplog):
    ds = Dataset.from_tensor_slices([1.0, 2.0, 0.0, 4.0])
    ds = ds.map(lambda x: wb.debugging.check_numerics(1.0 / x, "error"))
    with pytest.raises(wb.errors.InvalidArgumentError):
        list(ds)
    assert values(ds.ignore_errors()) == [1.0, 0.5, 0.25]
    assert int(ds.ignore_errors().cardinality()) == -2
    with caplog.at_level("WARNING", logger="workbench.data"):
        assert values(ds.ignore_errors(log_warning=True)) == [1.0, 0.5, 0.25]
    assert "dropped" in caplog.text


def test_random_is_seeded_and_endless():
    ds = Dataset.random(seed=4)
    assert int(ds.cardinality()) == -1
    assert ds.element_spec == wb.TensorSpec((), wb.int64)
    a = values(ds.take(2000))
    assert a == values(Dataset.random(seed=4).take(2000))
    assert a != values(Dataset.random(seed=5).take(2000))
    assert min(a) >= 0 and max(a) < 2 ** 32 and len(set(a)) > 1990
    # each pass draws the same numbers unless rerandomize_each_iteration
    twice = values(Dataset.random(seed=1).take(3).repeat(2))
    assert twice[:3] == twice[3:]
    twice = values(Dataset.random(seed=1, rerandomize_each_iteration=True).take(3).repeat(2))
    assert twice[:3] != twice[3:]


def test_concatenate_of_different_types_raises_tf_error():
    # TF raises when the concatenation is built; here that is so where both element structures
    # are known without running anything (ranges, slices of dense tensors, zips of those, maps
    # traced on those), and otherwise the error comes when the iteration reaches the second dataset
    a = Dataset.range(3)
    with pytest.raises(TypeError, match=r"Incompatible dataset elements:\n  TensorSpec\(shape=\(\), dtype=.*int64, "
                                        r"name=None\) vs\.   \(TensorSpec"):
        a.concatenate(Dataset.range(3).map(lambda x: (x, x)))   # the map's trace says its structure
    with pytest.raises(TypeError, match="Incompatible dataset elements"):   # unbatch: from the batch's spec
        Dataset.range(3).batch(1).unbatch().concatenate(Dataset.range(3).map(lambda x: (x, x)))
    flattened = Dataset.range(3).window(1).flat_map(lambda w: w)     # read from its first element
    both = flattened.concatenate(Dataset.range(3).batch(1).map(lambda x: (x[0], x[0])))
    it = iter(both)
    assert [int(next(it)) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(TypeError, match=r"Incompatible dataset elements:\n  TensorSpec\(shape=\(\), dtype=.*int64, "
                                        r"name=None\) vs\.   \(TensorSpec"):
        next(it)
    with pytest.raises(TypeError, match="float32"):
        a.concatenate(Dataset.from_tensor_slices([1.0, 2.0]))
    with pytest.raises(TypeError, match="Incompatible"):
        Dataset.from_tensor_slices({"a": [1]}).concatenate(Dataset.from_tensor_slices({"b": [1]}))
    # TF's docstring cases, raised when built
    b = Dataset.range(4, 8)
    with pytest.raises(TypeError, match=r"TensorSpec\(shape=\(\), dtype=.*int64, name=None\) vs\.   \(TensorSpec"):
        a.concatenate(Dataset.zip((a, b)))
    with pytest.raises(TypeError, match="string"):
        a.concatenate(Dataset.from_tensor_slices(["a", "b", "c"]))
    with pytest.raises(TypeError, match="int32"):
        a.concatenate(Dataset.from_tensors(3))
    # shapes may differ, as in TF
    assert values(a.concatenate(Dataset.from_tensor_slices(np.int64([[1, 2]])))) == [0, 1, 2, [1, 2]]
    assert values(a.concatenate(Dataset.range(0))) == [0, 1, 2]
    # an empty range still has its type, as in TF
    with pytest.raises(TypeError, match="float32"):
        Dataset.range(0).concatenate(Dataset.from_tensor_slices([1.0]))
    # a map of an empty range has its traced type, as in TF
    with pytest.raises(TypeError, match="float32"):
        Dataset.range(0).map(lambda x: x).concatenate(Dataset.from_tensor_slices([1.0]))
    # unbatch has its input's structure, as in TF
    with pytest.raises(TypeError, match="float32"):
        Dataset.range(0).batch(2).unbatch().concatenate(Dataset.from_tensor_slices([1.0]))
    # an empty dataset of unknown structure has nothing to compare
    empty = Dataset.range(0).window(1).flat_map(lambda w: w)
    assert values(empty.concatenate(Dataset.from_tensor_slices([1.0]))) == [1.0]


def test_building_a_concatenation_reads_no_element():
    calls = []

    def gen():
        calls.append(1)
        yield 1

    both = Dataset.range(2).concatenate(
        Dataset.from_generator(gen, output_signature=wb.TensorSpec((), wb.int64)))
    assert calls == []
    assert values(both) == [0, 1, 1] and calls == [1]


PIPELINES = {
    "shard": lambda: Dataset.range(40).shard(3, 1),
    "take_while": lambda: Dataset.range(40).map(lambda x: x * 2).take_while(lambda x: x < 50),
    "unique": lambda: Dataset.range(60).map(lambda x: x % 17).unique().concatenate(
        Dataset.from_tensor_slices(np.int64([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]))),
    "rebatch": lambda: Dataset.range(60).batch(7).rebatch([3, 5]),
    "ignore_errors": lambda: Dataset.range(1, 40).map(
        lambda x: wb.debugging.check_numerics(1.0 / wb.cast(x % 3, wb.float32), "e")).ignore_errors(),
    "random": lambda: Dataset.random(seed=7, rerandomize_each_iteration=True).take(6).repeat(),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
@pytest.mark.parametrize("k", [0, 3, 8])
def test_restored_iterator_continues_exactly(tmp_path, name, k):
    assert_restores_exactly(PIPELINES[name], k, tmp_path)


def test_get_next_as_optional_matches_tf():
    it = iter(Dataset.range(2))
    opt = it.get_next_as_optional()
    assert bool(opt.has_value()) is True and int(opt.get_value()) == 0
    assert opt.element_spec == wb.TensorSpec((), wb.int64)
    next(it)
    opt = it.get_next_as_optional()
    assert bool(opt.has_value()) is False
    assert opt.element_spec == wb.TensorSpec((), wb.int64)
    with pytest.raises(wb.errors.InvalidArgumentError, match="The given optional does not have a value"):
        opt.get_value()
    pair = iter(Dataset.from_tensor_slices(([1, 2], [3.0, 4.0]))).get_next_as_optional()
    assert [v.numpy().tolist() for v in pair.get_value()] == [1, 3.0]


def test_optional_from_value_and_empty():
    Optional = wb.data.experimental.Optional
    opt = Optional.from_value(42)
    assert bool(opt.has_value()) and int(opt.get_value()) == 42
    assert opt.element_spec == wb.TensorSpec((), wb.int32)
    empty = Optional.empty(wb.TensorSpec([], wb.int32))
    assert not bool(empty.has_value())
    assert empty.element_spec == wb.TensorSpec((), wb.int32)
    with pytest.raises(wb.errors.InvalidArgumentError):
        empty.get_value()
    with pytest.raises(TypeError, match="element_spec must be a structure of specs"):
        Optional.empty(3)


def test_range_output_type_matches_tf():
    # TF 2.21's Dataset.range docstring
    ds = Dataset.range(2, 5, output_type=wb.int32)
    assert ds.element_spec == wb.TensorSpec((), wb.int32) and values(ds) == [2, 3, 4]
    ds = Dataset.range(1, 5, 2, output_type=wb.float32)
    assert ds.element_spec.dtype == wb.float32 and values(ds) == [1.0, 3.0]
    assert Dataset.range(3).element_spec.dtype == wb.int64
    with pytest.raises(TypeError, match=r"Dataset.range: output_type must be an integer or floating dtype, got wb.string"):
        Dataset.range(3, output_type=wb.string)


def test_concatenate_checks_through_element_preserving_transformations():
    # TF checks every concatenation when it is built; here the structure is known through the
    # transformations that pass elements on unchanged
    a = Dataset.range(3).shuffle(3, seed=1).take(2).repeat(2).prefetch(1).cache().filter(lambda x: x > 0)
    with pytest.raises(TypeError, match="float32"):
        a.concatenate(Dataset.from_tensor_slices([1.0]).skip(1).shard(2, 0).unique())
    assert sorted(values(Dataset.range(2).concatenate(Dataset.range(5, 7).take_while(lambda x: x < 6)))) == [0, 1, 5]
