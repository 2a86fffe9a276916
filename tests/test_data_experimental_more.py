"""tf.data.experimental's transformations and readers beyond the Dataset methods: each pinned
against TF 2.21 (values and error texts as TF printed them)."""

import sqlite3

import numpy as np
import pytest

import workbench as wb

E = wb.data.experimental
DS = wb.data.Dataset


def _values(ds):
    return [np.asarray(v).tolist() for v in ds.as_numpy_iterator()]


def test_assert_cardinality_reports_and_checks_the_count():
    ds = DS.range(5)
    assert int(ds.apply(E.assert_cardinality(5)).cardinality()) == 5
    assert _values(ds.apply(E.assert_cardinality(5))) == [0, 1, 2, 3, 4]
    few = ds.apply(E.assert_cardinality(3))
    assert int(few.cardinality()) == 3
    with pytest.raises(wb.errors.FailedPreconditionError) as e:
        list(few)
    assert str(e.value) == ("{{function_node __wrapped__IteratorGetNext_output_types_1_device_/job:localhost/replica:0/"
                            "task:0/device:CPU:0}} Input dataset was expected to contain 3 elements but contained at "
                            "least 4 elements. [Op:IteratorGetNext] name: ")
    with pytest.raises(wb.errors.FailedPreconditionError, match="expected to contain 7 elements but contained only 5"):
        list(ds.apply(E.assert_cardinality(7)))
    with pytest.raises(ValueError, match="expected_cardinality must be >= 0"):
        ds.apply(E.assert_cardinality(-5))


def test_assert_cardinality_iterator_resumes_from_a_checkpoint(tmp_path):
    it = iter(DS.range(5).apply(E.assert_cardinality(5)))
    next(it), next(it)
    ckpt = wb.train.Checkpoint(it=it)
    path = ckpt.save(str(tmp_path / "c"))
    rest = [int(v) for v in it]
    it2 = iter(DS.range(5).apply(E.assert_cardinality(5)))
    wb.train.Checkpoint(it=it2).restore(path)
    assert [int(v) for v in it2] == rest == [2, 3, 4]


def test_group_by_reducer_emits_each_keys_final_state_in_key_order():
    reducer = E.Reducer(init_func=lambda k: np.int64(0), reduce_func=lambda s, x: s + x, finalize_func=lambda s: s)
    assert _values(DS.range(10).apply(E.group_by_reducer(lambda x: x % 3, reducer))) == [18, 12, 15]
    # TF 2.21 emits [4, 15, 2, 10] here (keys 0, 1, 2, 3), not in the order the keys were first seen
    ds = DS.from_tensor_slices([5, 1, 4, 2, 3, 7, 9])
    reducer = E.Reducer(lambda k: np.int32(0), lambda s, x: s + x, lambda s: s)
    assert _values(ds.apply(E.group_by_reducer(lambda x: wb.cast(x % 4, wb.int64), reducer))) == [4, 15, 2, 10]
    with pytest.raises(TypeError, match="reducer must be a tf.data.experimental.Reducer"):
        DS.range(3).apply(E.group_by_reducer(lambda x: x, lambda s: s))


def test_group_by_reducer_with_a_structured_state_resumes(tmp_path):
    # (count, sum) per parity, finalized as the mean
    reducer = E.Reducer(lambda k: (np.int64(0), np.int64(0)), lambda s, x: (s[0] + 1, s[1] + x),
                        lambda s: wb.cast(s[1], wb.float64) / wb.cast(s[0], wb.float64))
    ds = DS.range(7).apply(E.group_by_reducer(lambda x: x % 2, reducer))
    assert _values(ds) == [3.0, 3.0]
    it = iter(ds)
    first = float(next(it))
    path = wb.train.Checkpoint(it=it).save(str(tmp_path / "c"))
    it2 = iter(ds)
    wb.train.Checkpoint(it=it2).restore(path)
    assert (first, [float(v) for v in it2]) == (3.0, [3.0])


def test_pad_to_cardinality_adds_masked_zero_elements():
    ds = DS.from_tensor_slices({"a": [1, 2], "s": [b"x", b"y"]}).apply(E.pad_to_cardinality(4))
    assert int(ds.cardinality()) == 4
    assert sorted(ds.element_spec) == ["a", "s", "valid"] and ds.element_spec["valid"].dtype == wb.bool
    got = list(ds.as_numpy_iterator())
    assert [int(e["a"]) for e in got] == [1, 2, 0, 0]
    assert [e["s"] for e in got] == [b"x", b"y", b"", b""]
    assert [bool(e["valid"]) for e in got] == [True, True, False, False]
    with pytest.raises(ValueError, match="more than cardinality 1"):
        DS.from_tensor_slices({"a": [1, 2]}).apply(E.pad_to_cardinality(1))
    with pytest.raises(ValueError, match="elements must be dicts"):
        DS.range(2).apply(E.pad_to_cardinality(3))


def test_at_from_list_and_structure_helpers():
    ds = DS.range(5)
    assert int(E.at(ds, 2)) == 2
    with pytest.raises(wb.errors.OutOfRangeError) as e:
        E.at(ds, 9)
    assert "Index out of range [0, 5):9 [Op:GetElementAtIndex]" in str(e.value)
    fl = E.from_list([(1, "a"), (2, "b"), (3, "c")])
    assert [(int(a), b) for a, b in fl.as_numpy_iterator()] == [(1, b"a"), (2, b"b"), (3, b"c")]
    assert (fl.element_spec[0].dtype, fl.element_spec[1].dtype) == (wb.int32, wb.string)
    assert E.get_structure(ds) == E.get_structure(iter(ds)) == wb.TensorSpec([], wb.int64)
    assert int(E.get_next_as_optional(iter(ds)).get_value()) == 0
    assert int(E.get_single_element(DS.from_tensors(3))) == 3
    with pytest.raises(TypeError, match="expected a Dataset or an Iterator"):
        E.get_structure([1, 2])


def test_experimental_spellings_of_dataset_methods():
    ds = DS.range(5)
    assert _values(ds.apply(E.take_while(lambda x: x < 3))) == [0, 1, 2]
    assert _values(DS.from_tensor_slices([1, 1, 2]).apply(E.unique())) == [1, 2]
    assert _values(ds.apply(E.scan(np.int64(0), lambda s, x: (s + x, s)))) == [0, 0, 1, 3, 6]
    assert _values(ds.apply(E.copy_to_device("/cpu:0"))) == _values(ds.apply(E.prefetch_to_device("/cpu:0"))) \
        == [0, 1, 2, 3, 4]
    assert _values(DS.range(2).apply(E.parallel_interleave(lambda x: DS.range(x, x + 3), cycle_length=2))) \
        == [0, 1, 1, 2, 2, 3]
    assert E.RandomDataset(seed=3).element_spec == wb.TensorSpec([], wb.int64)
    windows = DS.range(6).apply(E.group_by_window(lambda x: x % 2, lambda k, w: w.batch(3), window_size=3))
    assert _values(windows) == [[0, 2, 4], [1, 3, 5]]


def test_tfrecord_writer_writes_a_dataset_of_strings(tmp_path):
    path = str(tmp_path / "r.tfrecord")
    E.TFRecordWriter(path).write(DS.from_tensor_slices([b"a", b"bc", b""]))
    assert [r for r in wb.data.TFRecordDataset(path).as_numpy_iterator()] == [b"a", b"bc", b""]
    with pytest.raises(TypeError, match="scalar strings"):
        E.TFRecordWriter(path).write(DS.range(3))


def test_sql_dataset_reads_rows_of_a_sqlite_file(tmp_path):
    db = str(tmp_path / "d.sqlite")
    con = sqlite3.connect(db)
    con.execute("create table t (name text, n integer, x real)")
    con.executemany("insert into t values (?, ?, ?)", [("a", 1, 0.5), ("b", 2, 1.5)])
    con.commit()
    con.close()
    ds = E.SqlDataset("sqlite", db, "select name, n, x from t order by n", (wb.string, wb.int32, wb.float64))
    got = list(ds.as_numpy_iterator())
    assert [(a, int(b), float(c)) for a, b, c in got] == [(b"a", 1, 0.5), (b"b", 2, 1.5)]
    assert ds.element_spec[1].dtype == wb.int32
    with pytest.raises(ValueError, match="driver_name must be 'sqlite'"):
        E.SqlDataset("mysql", db, "select 1", wb.int32)
    with pytest.raises(wb.errors.NotFoundError):
        E.SqlDataset("sqlite", str(tmp_path / "none.sqlite"), "select 1", wb.int32)
