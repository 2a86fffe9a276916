"""wb.SparseTensorSpec, and SparseTensors as dataset elements (from_tensor_slices, from_tensors,
batch, unbatch, map, element_spec, save/load, cache, iterator checkpoints, from_generator).

Expected reprs and specs are TF 2.21's (with ``wb.`` for ``tf.`` in dtype names)."""

import pickle

import numpy as np
import pytest

import workbench as wb

# the sparse_tensor guide's matrix: rows 0, 4 and 5 have entries, rows 1-3 are empty
IDX = [(0, 0), (0, 1), (0, 2), (4, 3), (5, 0), (5, 1)]


def _sparse(values=(1, 1, 1, 1, 1, 1)):
    """Python ints give int32 values (as in TF), NumPy arrays keep their dtype."""
    return wb.SparseTensor(indices=IDX, values=list(values) if isinstance(values, tuple) else values,
                           dense_shape=(6, 4))


def _dense(sp):
    return wb.sparse.to_dense(sp).numpy()


# -- the spec ---------------------------------------------------------------------------


def test_spec_shape_dtype_value_type_and_repr():
    spec = wb.SparseTensorSpec([None, 4], wb.int32)
    assert spec.shape == wb.TensorShape([None, 4])
    assert spec.dtype == wb.int32
    assert spec.value_type is wb.SparseTensor
    assert repr(spec) == "SparseTensorSpec(TensorShape([None, 4]), wb.int32)"
    assert str(spec) == repr(spec)
    assert repr(wb.SparseTensorSpec()) == "SparseTensorSpec(TensorShape(None), wb.float32)"
    assert repr(wb.SparseTensorSpec([3], wb.string)) == "SparseTensorSpec(TensorShape([3]), wb.string)"


def test_spec_is_compatible_with_values_and_specs():
    spec = wb.SparseTensorSpec([None, 4], wb.int32)
    assert spec.is_compatible_with(_sparse())
    assert spec.is_compatible_with(wb.SparseTensorSpec([2, 4], wb.int32))
    assert not spec.is_compatible_with(wb.SparseTensorSpec([2, 4], wb.float32))
    assert not spec.is_compatible_with(wb.SparseTensorSpec([2, 5], wb.int32))
    assert not spec.is_compatible_with(wb.SparseTensorSpec([2, 4, 1], wb.int32))
    # dense tensors and their specs are not sparse values, and the other way round
    assert not spec.is_compatible_with(wb.TensorSpec([2, 4], wb.int32))
    assert not spec.is_compatible_with(wb.constant([[1, 2, 3, 4]]))
    assert not wb.TensorSpec([6, 4], wb.int32).is_compatible_with(_sparse())
    assert wb.SparseTensorSpec(None, wb.int32).is_compatible_with(_sparse())


def test_spec_supertypes_subtypes():
    a = wb.SparseTensorSpec([3, 4], wb.int32)
    assert a.most_specific_common_supertype([wb.SparseTensorSpec([2, 4], wb.int32)]) == \
        wb.SparseTensorSpec([None, 4], wb.int32)
    assert a.most_specific_common_supertype([wb.SparseTensorSpec([2, 4, 3], wb.int32)]) == \
        wb.SparseTensorSpec(None, wb.int32)
    assert a.most_specific_common_supertype([wb.SparseTensorSpec([2, 4], wb.float32)]) is None
    assert a.most_specific_common_supertype([wb.TensorSpec([2, 4], wb.int32)]) is None
    assert a.most_specific_compatible_type(wb.SparseTensorSpec([2, 4], wb.int32)) == \
        wb.SparseTensorSpec([None, 4], wb.int32)
    with pytest.raises(ValueError, match="No TypeSpec is compatible"):
        a.most_specific_compatible_type(wb.SparseTensorSpec([2, 4], wb.float32))
    assert a.is_subtype_of(wb.SparseTensorSpec([None, 4], wb.int32))
    assert a.is_subtype_of(wb.SparseTensorSpec(None, wb.int32))
    assert not wb.SparseTensorSpec(None, wb.int32).is_subtype_of(a)
    assert not a.is_subtype_of(wb.TensorSpec([3, 4], wb.int32))


def test_spec_equality_hash_pickle_and_from_value():
    spec = wb.SparseTensorSpec([None, 4], wb.int32)
    assert spec == wb.SparseTensorSpec([None, 4], "int32")
    assert spec != wb.SparseTensorSpec([None, 4], wb.int64)
    assert spec != wb.SparseTensorSpec([3, 4], wb.int32)
    assert spec != wb.TensorSpec([None, 4], wb.int32)
    assert hash(spec) == hash(wb.SparseTensorSpec([None, 4], wb.int32))
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert wb.SparseTensorSpec.from_value(_sparse()) == wb.SparseTensorSpec([6, 4], wb.int32)
    assert wb.type_spec_from_value(_sparse()) == wb.SparseTensorSpec([6, 4], wb.int32)
    with pytest.raises(TypeError, match="expected a SparseTensor, got Tensor"):
        wb.SparseTensorSpec.from_value(wb.constant([1]))


def test_spec_bad_arguments():
    with pytest.raises(TypeError):
        wb.SparseTensorSpec([None, 4], "foo")
    with pytest.raises(TypeError):
        wb.SparseTensorSpec(5.5, wb.int32)


# -- datasets of SparseTensors ----------------------------------------------------------


def test_from_tensor_slices_rows_and_spec():
    ds = wb.data.Dataset.from_tensor_slices(_sparse())
    assert ds.element_spec == wb.SparseTensorSpec([4], wb.int32)
    assert repr(ds) == "<_TensorSliceDataset element_spec=SparseTensorSpec(TensorShape([4]), wb.int32)>"
    rows = list(ds)
    assert all(isinstance(r, wb.SparseTensor) and r.shape == (4,) for r in rows)
    assert [r.indices.numpy().tolist() for r in rows] == [[[0], [1], [2]], [], [], [], [[3]], [[0], [1]]]
    np.testing.assert_array_equal(np.stack([_dense(r) for r in rows]), _dense(_sparse()))
    assert rows[1].indices.shape == (0, 1) and rows[1].dense_shape.numpy().tolist() == [4]


def test_batch_unbatch_map():
    ds = wb.data.Dataset.from_tensor_slices(_sparse(np.arange(1, 7)))
    batches = list(ds.batch(2))
    assert [b.dense_shape.numpy().tolist() for b in batches] == [[2, 4]] * 3
    assert batches[2].indices.numpy().tolist() == [[0, 3], [1, 0], [1, 1]]
    np.testing.assert_array_equal(np.concatenate([_dense(b) for b in batches]), _dense(_sparse(np.arange(1, 7))))
    assert ds.batch(2).element_spec == wb.SparseTensorSpec([None, 4], wb.int64)
    assert ds.batch(2, drop_remainder=True).element_spec == wb.SparseTensorSpec([2, 4], wb.int64)
    assert ds.batch(4).unbatch().element_spec == wb.SparseTensorSpec([4], wb.int64)
    rows = list(ds.batch(4).unbatch())
    assert len(rows) == 6
    np.testing.assert_array_equal(np.stack([_dense(r) for r in rows]), _dense(_sparse(np.arange(1, 7))))
    doubled = list(ds.map(lambda x: x * 2))
    assert doubled[5].values.numpy().tolist() == [10, 12]
    assert ds.map(lambda x: x * 2).element_spec == wb.SparseTensorSpec([4], wb.int64)


def test_batch_after_map_stacks_elements_of_different_shapes():
    # a non-indexable pipeline stacks elements: the batch's dense shape is the largest of each size
    ds = wb.data.Dataset.range(3).map(
        lambda i: wb.SparseTensor([[0, int(i)]], [float(i)], [1, int(i) + 1]))
    (batch,) = list(ds.batch(3))
    assert batch.dense_shape.numpy().tolist() == [3, 1, 3]
    assert batch.indices.numpy().tolist() == [[0, 0, 0], [1, 0, 1], [2, 0, 2]]
    with pytest.raises(ValueError, match="mix SparseTensors and dense tensors"):
        list(wb.data.Dataset.range(2).map(
            lambda i: wb.SparseTensor([[0]], [1.0], [1]) if int(i) == 0 else wb.ones([1])).batch(2))


def test_from_tensors_spec_and_batch():
    st = wb.SparseTensor(indices=[[0, 0], [1, 2]], values=[1, 2], dense_shape=[3, 4])
    ds = wb.data.Dataset.from_tensors(st)
    assert ds.element_spec == wb.SparseTensorSpec([3, 4], wb.int32)
    assert ds.element_spec.value_type is wb.SparseTensor
    (b,) = list(ds.batch(1))
    assert b.indices.numpy().tolist() == [[0, 0, 0], [0, 1, 2]]
    assert b.dense_shape.numpy().tolist() == [1, 3, 4]


def test_tuple_elements_gathered_batches_and_numpy():
    ds = wb.data.Dataset.from_tensor_slices((_sparse(np.arange(1.0, 7.0)), wb.range(6)))
    assert ds.element_spec == (wb.SparseTensorSpec([4], wb.float64), wb.TensorSpec([], wb.int32))
    (a, ia), (b, ib) = list(ds.batch(4))
    assert a.indices.numpy().tolist() == [[0, 0], [0, 1], [0, 2]] and ia.numpy().tolist() == [0, 1, 2, 3]
    assert b.indices.numpy().tolist() == [[0, 3], [1, 0], [1, 1]] and b.dense_shape.numpy().tolist() == [2, 4]
    # shuffled rows keep their entries
    for sp, i in ds.shuffle(6, seed=3):
        np.testing.assert_array_equal(_dense(sp), _dense(_sparse(np.arange(1.0, 7.0)))[int(i)])
    value, _ = next(ds.as_numpy_iterator())
    assert type(value).__name__ == "SparseTensorValue"
    assert value.indices.tolist() == [[0], [1], [2]] and value.values.tolist() == [1.0, 2.0, 3.0]
    assert value.dense_shape.tolist() == [4]


def test_unsorted_indices_are_sliced_in_row_major_order():
    sp = wb.SparseTensor([[2, 1], [0, 1], [2, 0]], [3.0, 1.0, 2.0], [3, 2])
    rows = list(wb.data.Dataset.from_tensor_slices(sp))
    assert [r.values.numpy().tolist() for r in rows] == [[1.0], [], [2.0, 3.0]]


def test_refusals():
    with pytest.raises(ValueError, match="scalar SparseTensor"):
        wb.data.Dataset.from_tensor_slices(wb.SparseTensor(np.zeros((0, 0), np.int64), [], []))
    ds = wb.data.Dataset.from_tensor_slices(_sparse())
    with pytest.raises(TypeError, match="padded_batch: component 0 holds SparseTensors"):
        next(iter(ds.padded_batch(2)))
    with pytest.raises(ValueError, match="same size in dimension 0"):
        wb.data.Dataset.from_tensor_slices((_sparse(), wb.range(5)))


def test_save_load_cache_and_iterator_checkpoint(tmp_path):
    ds = wb.data.Dataset.from_tensor_slices((_sparse(np.arange(1.0, 7.0)), wb.range(6)))

    def plain(e):
        return _dense(e[0]).tolist(), int(e[1])
    ref = [plain(e) for e in ds]
    wb.data.Dataset.save(ds, str(tmp_path / "saved"))
    back = wb.data.Dataset.load(str(tmp_path / "saved"))
    assert [plain(e) for e in back] == ref
    assert back.element_spec[0] == wb.SparseTensorSpec([4], wb.float64)
    cached = ds.cache()
    assert [plain(e) for e in cached] == ref and [plain(e) for e in cached] == ref

    it = iter(ds.map(lambda a, b: (a, b)).batch(2).unbatch())
    next(it), next(it), next(it)
    path = wb.train.Checkpoint(it=it).save(str(tmp_path / "ck" / "x"))
    rest = [plain(e) for e in it]
    again = iter(ds.map(lambda a, b: (a, b)).batch(2).unbatch())
    wb.train.Checkpoint(it=again).restore(path)
    assert [plain(e) for e in again] == rest == ref[3:]


def test_from_generator_with_sparse_signature():
    def gen():
        for i in range(3):
            yield wb.sparse.from_dense(wb.constant([[float(i), 0.0], [0.0, 1.0]]))
    ds = wb.data.Dataset.from_generator(gen, output_signature=wb.SparseTensorSpec([2, 2], wb.float32))
    assert ds.element_spec == wb.SparseTensorSpec([2, 2], wb.float32)
    batches = [_dense(b) for b in ds.batch(2)]
    np.testing.assert_array_equal(batches[1], [[[2.0, 0.0], [0.0, 1.0]]])
    bad = wb.data.Dataset.from_generator(lambda: iter([wb.ones([2, 2])]),
                                         output_signature=wb.SparseTensorSpec([2, 2], wb.float32))
    with pytest.raises(TypeError, match="expected a SparseTensor"):
        list(bad)
    wrong = wb.data.Dataset.from_generator(gen, output_signature=wb.SparseTensorSpec([3, 2], wb.float32))
    with pytest.raises(ValueError, match="does not match SparseTensorSpec"):
        list(wrong)


def test_function_takes_sparse_arguments():
    @wb.function
    def f(x, y):
        return wb.sparse.sparse_dense_matmul(x, y)
    a = wb.SparseTensor(indices=[[0, 3], [2, 4]], values=[15, 25], dense_shape=[3, 10])
    b = wb.sparse.to_dense(wb.sparse.transpose(a))
    np.testing.assert_array_equal(f(a, b).numpy(), [[225, 0, 0], [0, 0, 0], [0, 0, 625]])


def test_sparse_batch_and_dense_to_sparse_batch():
    ds = wb.data.Dataset.from_generator(lambda: iter([[1, 0, 3], [4, 5], [0, 7, 8, 9]]),
                                        output_signature=wb.TensorSpec([None], wb.int32))
    batched = ds.apply(wb.data.experimental.dense_to_sparse_batch(2, [6]))
    assert batched.element_spec == wb.SparseTensorSpec([None, 6], wb.int32)
    assert repr(batched).startswith("<_DenseToSparseBatchDataset element_spec=SparseTensorSpec(")
    first, second = list(batched)
    # every value of the elements, zeros included (TF's rule)
    assert first.indices.numpy().tolist() == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]]
    assert first.values.numpy().tolist() == [1, 0, 3, 4, 5] and first.dense_shape.numpy().tolist() == [2, 6]
    assert second.values.numpy().tolist() == [0, 7, 8, 9] and second.dense_shape.numpy().tolist() == [1, 6]
    open_rows = ds.sparse_batch(2, [None])
    assert open_rows.element_spec == wb.SparseTensorSpec([None, None], wb.int32)
    assert [b.dense_shape.numpy().tolist() for b in open_rows] == [[2, 3], [1, 4]]
    square = wb.data.Dataset.from_tensors(wb.constant([[1, 0], [0, 2]])).repeat(2)
    (b,) = list(square.sparse_batch(2, [3, 2]))
    assert b.dense_shape.numpy().tolist() == [2, 3, 2] and b.values.numpy().tolist() == [1, 0, 0, 2] * 2
    with pytest.raises(wb.errors.DataLossError, match="larger than the row shape"):
        list(ds.sparse_batch(2, [3]))
    with pytest.raises(wb.errors.InvalidArgumentError, match="incompatible with the row shape"):
        list(ds.sparse_batch(2, [3, 2]))
    strings = next(iter(wb.data.Dataset.from_tensor_slices([["a", "b"], ["c", "d"]]).sparse_batch(2, [3])))
    assert strings.values.numpy().tolist() == [b"a", b"b", b"c", b"d"]
