"""wb.lookup against TF 2.21's tf.lookup (values and error texts pinned from TF)."""

import numpy as np
import pytest

import workbench as wb
from workbench import lookup
from workbench.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError


def _kv(keys, values, **kw):
    return lookup.KeyValueTensorInitializer(keys, values, **kw)


def _table():
    return lookup.StaticHashTable(_kv(["a", "b", "c"], [0, 1, 2], value_dtype=wb.int64), default_value=-1)


def test_static_hash_table_lookup_any_shape():
    table = _table()
    out = table.lookup(wb.constant([["a", "z"], ["c", "b"]]))
    assert out.dtype == wb.int64
    np.testing.assert_array_equal(out.numpy(), [[0, -1], [2, 1]])
    assert table.size().numpy() == 3 and table.key_dtype == wb.string and table.value_dtype == wb.int64
    assert int(table.default_value.numpy()) == -1
    keys, values = table.export()
    assert sorted(zip(keys.numpy().tolist(), values.numpy().tolist())) == [(b"a", 0), (b"b", 1), (b"c", 2)]
    np.testing.assert_array_equal(table[wb.constant(["c"])].numpy(), [2])


def test_initializer_dtypes_follow_the_values():
    init = _kv([1, 2, 3], ["x", "y", "z"])
    assert init.key_dtype == wb.int32 and init.value_dtype == wb.string   # TF: int32 -> string
    table = lookup.StaticHashTable(init, "?")
    assert table.lookup(wb.constant([[3, 9]])).numpy().tolist() == [[b"z", b"?"]]
    table = lookup.StaticHashTable(_kv(wb.constant([1, 2, 3], wb.int64), [1.5, 2.5, 3.5]), -1.0)
    assert table.value_dtype == wb.float32
    np.testing.assert_array_equal(table.lookup(wb.constant([3, 9], wb.int64)).numpy(), [3.5, -1.0])


def test_lookup_of_ragged_and_sparse_keys():
    import ragged
    table = _table()
    out = table.lookup(ragged.constant([["a"], ["b", "q"]]))
    assert out.to_list() == [[0], [1, -1]]
    sp = table.lookup(wb.SparseTensor([[0, 0], [1, 2]], ["c", "x"], [2, 3]))
    np.testing.assert_array_equal(sp.values.numpy(), [2, -1])
    np.testing.assert_array_equal(sp.indices.numpy(), [[0, 0], [1, 2]])


def test_static_table_errors_as_tf():
    table = _table()
    with pytest.raises(TypeError, match=r"Dtype of argument `keys` must be <dtype: 'string'>, received: "
                                        r"<dtype: 'int32'>"):
        table.lookup(wb.constant([1, 2]))
    with pytest.raises(TypeError, match="Cannot convert 'x' to EagerTensor of dtype int64"):
        lookup.StaticHashTable(_kv(["a"], [0], value_dtype=wb.int64), default_value="x")
    with pytest.raises(FailedPreconditionError, match="HashTable has different value for same key. Key a has 0 "
                                                      "and trying to add value 1"):
        lookup.StaticHashTable(_kv(["a", "a"], [0, 1]), -1)
    with pytest.raises(InvalidArgumentError, match="same shape"):
        lookup.StaticHashTable(_kv(["a", "b"], [0]), -1)
    with pytest.raises(NotFoundError, match="key_dtype"):
        lookup.StaticHashTable(_kv([1.0, 2.0], [0, 1]), -1)


def test_static_vocabulary_table_buckets_as_tf():
    init = _kv(["emerson", "lake", "palmer"], wb.constant([0, 1, 2], wb.int64))
    table = lookup.StaticVocabularyTable(init, num_oov_buckets=5)
    keys = ["emerson", "lake", "palmer", "king", "crimson", "a", "b", "c", "", "xyz"]
    assert table.lookup(wb.constant(keys)).numpy().tolist() == [0, 1, 2, 6, 7, 7, 5, 5, 6, 3]   # TF 2.21
    assert table.size().numpy() == 8
    ints = lookup.StaticVocabularyTable(_kv([10, 20, 30], wb.constant([0, 1, 2], wb.int64), key_dtype=wb.int64), 7)
    out = ints.lookup(wb.constant([10, 20, 5, 6, 7, -1, 123456789], wb.int64))
    assert out.numpy().tolist() == [0, 1, 4, 8, 5, 7, 6]   # TF 2.21: an integer hashes its decimal text
    with pytest.raises(TypeError, match=r"must be <dtype: 'int64'>, received: <dtype: 'int32'>"):
        ints.lookup(wb.constant([1], wb.int32))
    with pytest.raises(TypeError, match=r"Invalid `value_dtype`, expected <dtype: 'int64'> but got <dtype: 'int32'>\."):
        lookup.StaticVocabularyTable(_kv(["a"], [0]), num_oov_buckets=1)
    for bad in (0, -1):
        with pytest.raises(ValueError, match="`num_oov_buckets` must be > 0; use StaticHashTable."):
            lookup.StaticVocabularyTable(_kv(["a"], wb.constant([0], wb.int64)), num_oov_buckets=bad)


def test_text_file_initializer(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("emerson 10\nlake 20\npalmer 30\n")
    init = lookup.TextFileInitializer(str(path), wb.string, 0, wb.int64, 1, delimiter=" ")
    assert lookup.StaticHashTable(init, -1).lookup(wb.constant(["lake", "x"])).numpy().tolist() == [20, -1]
    init = lookup.TextFileInitializer(str(path), wb.string, lookup.TextFileIndex.WHOLE_LINE, wb.int64,
                                      lookup.TextFileIndex.LINE_NUMBER)
    table = lookup.StaticHashTable(init, -1)
    assert table.lookup(wb.constant(["lake 20", "x"])).numpy().tolist() == [1, -1] and table.size().numpy() == 3
    assert (lookup.TextFileIndex.WHOLE_LINE, lookup.TextFileIndex.LINE_NUMBER) == (-2, -1)
    init = lookup.TextFileInitializer(str(path), wb.int64, 1, wb.string, 0, delimiter=" ", vocab_size=2)
    table = lookup.StaticHashTable(init, "?")
    assert table.lookup(wb.constant([20, 30], wb.int64)).numpy().tolist() == [b"lake", b"?"]
    assert table.size().numpy() == 2
    with pytest.raises(ValueError, match="`key_dtype` must be int64 if `key_index` is -1, received: <dtype: 'string'>"):
        lookup.TextFileInitializer(str(path), wb.string, lookup.TextFileIndex.LINE_NUMBER, wb.int64, 1)
    with pytest.raises(InvalidArgumentError, match=r"line 0 \(emerson 10\) : expected at least 6 got 2"):
        lookup.StaticHashTable(lookup.TextFileInitializer(str(path), wb.string, 0, wb.int64, 5, delimiter=" "), -1)
    with pytest.raises(NotFoundError, match="No such file or directory"):
        lookup.StaticHashTable(lookup.TextFileInitializer(str(tmp_path / "none"), wb.string, 0, wb.int64, 1), -1)
    with pytest.raises(InvalidArgumentError, match="Invalid vocab_size in .*: expected 5 but got 3"):
        lookup.StaticHashTable(lookup.TextFileInitializer(str(path), wb.string, 0, wb.int64, 1, delimiter=" ",
                                                          vocab_size=5), -1)


def test_mutable_hash_table():
    table = lookup.experimental.MutableHashTable(key_dtype=wb.string, value_dtype=wb.int64, default_value=-1)
    assert table.size().numpy() == 0
    assert table.insert(wb.constant(["b", "a", "c"]), wb.constant([2, 1, 3], wb.int64)) is None
    assert table.lookup(wb.constant([["a", "q"]])).numpy().tolist() == [[1, -1]] and table.size().numpy() == 3
    table.insert("a", wb.constant(10, wb.int64))
    table.remove(wb.constant(["b", "zz"]))
    assert table.size().numpy() == 2
    keys, values = table.export()
    assert sorted(zip(keys.numpy().tolist(), values.numpy().tolist())) == [(b"a", 10), (b"c", 3)]
    with pytest.raises(ValueError, match="keys: Tensor conversion requested dtype string for Tensor with dtype int32"):
        table.insert(wb.constant([1]), wb.constant([1], wb.int64))
    with pytest.raises(ValueError, match="values: Tensor conversion requested dtype int64 for Tensor with dtype int32"):
        table.insert(wb.constant(["x"]), wb.constant([1], wb.int32))
    with pytest.raises(InvalidArgumentError, match=r"Expected shape \[2\] for value, got \[1\]"):
        table.insert(wb.constant(["x", "y"]), wb.constant([1], wb.int64))
    with pytest.raises(TypeError, match="Dtype of argument `keys` must be <dtype: 'string'>"):
        table.remove(wb.constant([1]))
    with pytest.raises(ValueError, match="keys: Tensor conversion requested dtype string"):
        table.lookup(wb.constant([1]))
    with pytest.raises(TypeError, match=r"Cannot convert \[1.5\] to EagerTensor of dtype int64"):
        table.insert(["x"], [1.5])


def test_mutable_hash_table_vector_values():
    table = lookup.experimental.MutableHashTable(wb.int64, wb.float32, default_value=[0.0, 0.0])
    table.insert(wb.constant([1, 2], wb.int64), wb.constant([[1.0, 2.0], [3.0, 4.0]]))
    assert table.lookup(wb.constant([[1, 5]], wb.int64)).numpy().tolist() == [[[1.0, 2.0], [0.0, 0.0]]]
    assert [tuple(t.shape) for t in table.export()] == [(2,), (2, 2)]
    with pytest.raises(InvalidArgumentError, match=r"Expected shape \[1,2\] for value, got \[1,3\]"):
        table.insert(wb.constant([3], wb.int64), wb.constant([[1.0, 2.0, 3.0]]))
    out = table.lookup(wb.constant([2, 7], wb.int64), dynamic_default_values=wb.constant([[0.0, 0.0], [9.0, 9.0]]))
    assert out.numpy().tolist() == [[3.0, 4.0], [9.0, 9.0]]


def test_mutable_table_in_function_sees_later_inserts():
    table = lookup.experimental.MutableHashTable(wb.string, wb.int64, -1)
    table.insert(wb.constant(["a"]), wb.constant([10], wb.int64))

    @wb.function
    def find(x):
        return table.lookup(x) + 1

    assert find(wb.constant(["a"])).numpy().tolist() == [11]
    table.insert(wb.constant(["a"]), wb.constant([99], wb.int64))
    assert find(wb.constant(["a"])).numpy().tolist() == [100]   # TF 2.21 gives 99 + 1 too


def test_static_table_in_function_and_dataset_map():
    table = _table()
    f = wb.function(lambda x: table.lookup(x))
    assert f(wb.constant(["c", "q"])).numpy().tolist() == [2, -1]
    assert f(wb.constant(["a", "b"])).numpy().tolist() == [0, 1]
    ds = wb.data.Dataset.from_tensor_slices(["a", "q", "c"]).map(table.lookup)
    assert [int(x.numpy()) for x in ds] == [0, -1, 2]


def test_mutable_table_checkpoint_keys_as_tf(tmp_path):
    table = lookup.experimental.MutableHashTable(wb.string, wb.int64, -1)
    table.insert(wb.constant(["a", "c"]), wb.constant([10, 3], wb.int64))
    path = wb.train.Checkpoint(table=table).save(str(tmp_path / "c"))
    names = dict(wb.train.list_variables(path))
    assert names["table/.ATTRIBUTES/table-keys"] == [2] and names["table/.ATTRIBUTES/table-values"] == [2]
    other = lookup.experimental.MutableHashTable(wb.string, wb.int64, -1)
    other.insert(wb.constant(["zz"]), wb.constant([5], wb.int64))
    wb.train.Checkpoint(table=other).restore(path)
    assert other.lookup(wb.constant(["a", "c", "zz"])).numpy().tolist() == [10, 3, -1]


def test_dense_hash_table():
    make = lookup.experimental.DenseHashTable
    table = make(key_dtype=wb.int64, value_dtype=wb.int64, default_value=-1, empty_key=0, deleted_key=-1,
                 initial_num_buckets=8)
    table.insert(wb.constant([1, 2, 3], wb.int64), wb.constant([10, 20, 30], wb.int64))
    assert table.lookup(wb.constant([1, 4], wb.int64)).numpy().tolist() == [10, -1] and table.size().numpy() == 3
    table.erase(wb.constant([2], wb.int64))
    assert table.size().numpy() == 2
    keys, values = table.export()
    assert tuple(keys.shape) == (8, 1) and tuple(values.shape) == (8, 1)   # TF: the buckets
    stored = {k: v for k, v in zip(keys.numpy()[:, 0].tolist(), values.numpy()[:, 0].tolist()) if k != 0}
    assert stored == {1: 10, 3: 30}
    for bad, word in ((0, "empty_key"), (-1, "deleted_key")):
        with pytest.raises(InvalidArgumentError, match=f"Using the {word} as a table key is not allowed"):
            table.insert(wb.constant([bad], wb.int64), wb.constant([1], wb.int64))
    with pytest.raises(InvalidArgumentError, match="Using the empty_key as a table key is not allowed"):
        table.lookup(wb.constant([0], wb.int64))
    with pytest.raises(InvalidArgumentError, match="Empty and deleted keys cannot be equal"):
        make(wb.int64, wb.int64, -1, 5, 5)
    strings = make(wb.string, wb.float32, default_value=-1.0, empty_key="", deleted_key="$", initial_num_buckets=4)
    strings.insert(["a", "b", "c", "d", "e"], [1.0, 2, 3, 4, 5])
    assert strings.size().numpy() == 5
    np.testing.assert_array_equal(strings.lookup(["e", "z"]).numpy(), [5.0, -1.0])
    assert tuple(strings.export()[0].shape) == (8, 1)   # TF 2.21: 4 buckets grew to 8


def test_dense_hash_table_checkpoint(tmp_path):
    make = lookup.experimental.DenseHashTable
    table = make(wb.int64, wb.int64, -1, 0, -1, initial_num_buckets=8)
    table.insert(wb.constant([1, 3], wb.int64), wb.constant([10, 30], wb.int64))
    path = wb.train.Checkpoint(table=table).save(str(tmp_path / "c"))
    assert dict(wb.train.list_variables(path))["table/.ATTRIBUTES/table-keys"] == [8, 1]
    other = make(wb.int64, wb.int64, -1, 0, -1, initial_num_buckets=8)
    wb.train.Checkpoint(table=other).restore(path)
    assert other.lookup(wb.constant([1, 3, 2], wb.int64)).numpy().tolist() == [10, 30, -1]


def test_wb_lookup_is_exported():
    assert wb.lookup is lookup


def test_table_from_dataset_as_tf():
    ds = wb.data.Dataset.from_tensor_slices((["a", "b", "c"], wb.constant([10, 20, 30], wb.int64)))
    table = wb.data.experimental.table_from_dataset(ds, default_value=-1)
    assert table.lookup(wb.constant(["b", "z"])).numpy().tolist() == [20, -1] and table.size().numpy() == 3
    buckets = wb.data.experimental.table_from_dataset(ds, num_oov_buckets=3)
    assert buckets.lookup(wb.constant(["b", "z", "king"])).numpy().tolist() == [20, 4, 4]   # TF 2.21
    assert buckets.size().numpy() == 6
    assert wb.data.experimental.table_from_dataset(ds, default_value=-1, vocab_size=2).size().numpy() == 2
    with pytest.raises(FailedPreconditionError, match="Input dataset was expected to contain 4 elements but "
                                                      "contained only 3 elements."):
        wb.data.experimental.table_from_dataset(ds, default_value=-1, vocab_size=4)
    twice = wb.data.Dataset.from_tensor_slices((["a", "a"], wb.constant([1, 2], wb.int64)))
    with pytest.raises(FailedPreconditionError, match="Key a has 1 and trying to add value 2"):
        wb.data.experimental.table_from_dataset(twice, default_value=-1)
    rows = wb.data.Dataset.from_tensor_slices(([["a"], ["b"]], wb.constant([[1], [2]], wb.int64)))
    with pytest.raises(ValueError, match="produces non-scalar key Tensors of rank 1"):
        wb.data.experimental.table_from_dataset(rows, default_value=-1)


def test_index_table_from_dataset_as_tf():
    ds = wb.data.Dataset.from_tensor_slices(["x", "y", "z"])
    table = wb.data.experimental.index_table_from_dataset(ds, num_oov_buckets=2)
    assert table.lookup(wb.constant(["y", "q", "king"])).numpy().tolist() == [1, 4, 3] and table.size().numpy() == 5
    plain = wb.data.experimental.index_table_from_dataset(ds)
    assert plain.lookup(wb.constant(["y", "q"])).numpy().tolist() == [1, -1]
    assert wb.data.experimental.index_table_from_dataset(ds, vocab_size=2).size().numpy() == 2


def test_insert_and_lookup_inside_one_function():
    table = lookup.experimental.MutableHashTable(wb.string, wb.int64, -1)

    @wb.function
    def add(k, v):
        table.insert(k, v)
        return table.lookup(k), table.size()

    for i, key in enumerate(["a", "b", "c"], start=1):
        found, size = add(wb.constant([key]), wb.constant([i], wb.int64))
        assert found.numpy().tolist() == [i] and int(size) == i   # each replay inserts again
    keys, values = table.export()
    assert keys.numpy().tolist() == [b"a", b"b", b"c"] and values.numpy().tolist() == [1, 2, 3]


def test_static_vocabulary_table_key_dtypes_as_tf():
    with pytest.raises(TypeError, match=r"Invalid `key_dtype`, expected one of \(tf.int64, tf.string\), but got "
                                        r"<dtype: 'int32'>\."):
        lookup.StaticVocabularyTable(_kv([1, 2], wb.constant([0, 1], wb.int64)), 2)
    table = lookup.StaticVocabularyTable(_kv(wb.constant([1, 2], wb.int64), wb.constant([0, 1], wb.int64)), 2,
                                         lookup_key_dtype=wb.int32)
    assert table.key_dtype == wb.int32 and table.size().numpy() == 4
    assert table.lookup(wb.constant([1, 7], wb.int32)).numpy().tolist() == [0, 2]   # TF 2.21
    buckets_only = lookup.StaticVocabularyTable(None, 3, lookup_key_dtype=wb.string)
    assert buckets_only.size().numpy() == 3
    assert buckets_only.lookup(wb.constant(["a", "king"])).numpy().tolist() == [0, 1]   # TF 2.21
