"""wb.experimental.StructuredTensor against TF 2.21: reprs, shapes, row partitions, values and
errors that TF 2.21 gave for the same calls (pinned as literals; ``tf.`` reads ``wb.`` here)."""

import numpy as np
import pytest

import workbench as wb

ST = wb.experimental.StructuredTensor
RP = wb.experimental.RowPartition


def _splits(st):
    return [np.asarray(p.row_splits()).tolist() for p in st.row_partitions]


def test_scalar_record_from_pyval():
    s = ST.from_pyval({"a": 1, "b": [1., 2.], "c": {"d": "x"}})
    assert repr(s) == (
        '<StructuredTensor(\n'
        '    fields={\n'
        '        "a": wb.Tensor(1, shape=(), dtype=int32),\n'
        '        "b": wb.Tensor([1. 2.], shape=(2,), dtype=float32),\n'
        '        "c": <StructuredTensor(\n'
        '                fields={\n'
        '                    "d": wb.Tensor(b\'x\', shape=(), dtype=string)},\n'
        '                shape=())>},\n'
        '    shape=())>')
    assert s.shape == wb.TensorShape([]) and s.rank == 0 and s.row_partitions == ()
    assert s.field_names() == ("a", "b", "c")
    pyval = s.to_pyval()
    assert pyval == {"a": 1, "b": [1.0, 2.0], "c": {"d": b"x"}}
    assert type(pyval["a"]) is np.int32   # TF 2.21 gives np.int32(1) for a scalar record's scalar
    assert s.nrows() is None


def test_records_from_pyval():
    s = ST.from_pyval([{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3]}])
    assert repr(s) == ('<StructuredTensor(\n    fields={\n        "a": wb.Tensor([1 2], shape=(2,), dtype=int32),\n'
                       '        "b": <wb.RaggedTensor [[1, 2], [3]]>},\n    shape=(2,))>')
    assert tuple(s.shape) == (2,) and s.rank == 1 and s.row_partitions == ()
    assert s.nrows().numpy() == 2 and s.nrows().dtype == wb.int64
    assert s.to_pyval() == [{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3]}]
    assert s.field_value("a").numpy().tolist() == [1, 2]
    assert s.field_value("b").to_list() == [[1, 2], [3]]
    assert s[0].to_pyval() == {"a": 1, "b": [1, 2]}
    assert repr(s[0]) == ('<StructuredTensor(\n    fields={\n        "a": wb.Tensor(1, shape=(), dtype=int32),\n'
                          '        "b": wb.Tensor([1 2], shape=(2,), dtype=int32)},\n    shape=())>')
    assert repr(s[1:]) == ('<StructuredTensor(\n    fields={\n        "a": wb.Tensor([2], shape=(1,), dtype=int32),\n'
                           '        "b": <wb.RaggedTensor [[3]]>},\n    shape=(1,))>')
    # lists of even length are ragged too, as TF builds them
    even = ST.from_pyval([{"b": [1, 2]}, {"b": [3, 4]}]).field_value("b")
    assert isinstance(even, wb.RaggedTensor) and even.to_list() == [[1, 2], [3, 4]]
    assert ST.from_pyval({"a": 1.5}).field_value("a").dtype == wb.float32
    empty = ST.from_pyval([])
    assert isinstance(empty, wb.Tensor) and empty.shape == (0,) and empty.dtype == wb.float32


def test_pyval_errors_as_tf():
    with pytest.raises(KeyError) as info:
        ST.from_pyval([{"a": 1}, {"b": 2}])
    assert str(info.value) == "'b'"
    s = ST.from_pyval([{"a": 1}])
    with pytest.raises(KeyError) as info:
        s.field_value("zz")
    assert str(info.value) == "'zz'"
    with pytest.raises(ValueError) as info:
        s[0][0]
    assert str(info.value) == "Key for indexing a StructuredTensor must be a string or a full slice (':')"
    with pytest.raises(ValueError, match="^source_path must be a list or tuple$"):
        s.promote("a", "aa")


def test_rank_two_records():
    s = ST.from_pyval([[{"a": 1}, {"a": 2}], [{"a": 3}]])
    assert repr(s) == ('<StructuredTensor(\n    fields={\n        "a": <wb.RaggedTensor [[1, 2], [3]]>},\n'
                       '    shape=(2, None))>')
    assert s.rank == 2 and _splits(s) == [[0, 2, 3]]
    assert s.to_pyval() == [[{"a": 1}, {"a": 2}], [{"a": 3}]]
    merged = s.merge_dims(0, 1)
    assert tuple(merged.shape) == (3,) and merged.to_pyval() == [{"a": 1}, {"a": 2}, {"a": 3}]
    assert s[0].field_value("a").numpy().tolist() == [1, 2]
    assert tuple(s[1:].shape) == (1, None) and s[1:].to_pyval() == [[{"a": 3}]]


def test_from_fields_and_rank():
    f = ST.from_fields({"x": wb.constant([1, 2]), "y": wb.constant([[1.], [2.]])}, shape=[2])
    assert repr(f) == ('<StructuredTensor(\n    fields={\n        "x": wb.Tensor([1 2], shape=(2,), dtype=int32),\n'
                       '        "y": wb.Tensor(\n            [[1.]\n             [2.]], shape=(2, 1), '
                       'dtype=float32)},\n'
                       '    shape=(2,))>')
    assert f.to_pyval() == [{"x": 1, "y": [1.0]}, {"x": 2, "y": [2.0]}]
    with pytest.raises(ValueError) as info:
        ST.from_fields({"x": wb.constant([1, 2])}, shape=[3])
    assert str(info.value) == "Shapes (3,) and (2,) are not compatible"
    r = ST.from_fields_and_rank({"x": wb.ragged.constant([[1, 2], [3]])}, rank=2)
    assert tuple(r.shape) == (2, None) and _splits(r) == [[0, 2, 3]]
    assert ST.from_fields_and_rank({"x": wb.constant([1])}, rank=0).shape == wb.TensorShape([])
    empty = ST.from_fields({}, shape=[2])
    assert repr(empty) == '<StructuredTensor(\n    fields={\n        },\n    shape=(2,))>'
    assert empty.to_pyval() == [{}, {}]


def test_with_updates_and_promote():
    s = ST.from_pyval([{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3]}])
    u = s.with_updates({"a": wb.constant([5, 6]), "z": wb.constant([0, 0])})
    assert u.field_names() == ("a", "b", "z") and u.field_value("a").numpy().tolist() == [5, 6]
    v = s.with_updates({"a": lambda t: t * 10, "b": None})
    assert repr(v) == ('<StructuredTensor(\n    fields={\n        "a": wb.Tensor([10 20], shape=(2,), dtype=int32)},\n'
                       '    shape=(2,))>')
    with pytest.raises(ValueError) as info:
        s.with_updates({"q": None})
    assert str(info.value) == "`StructuredTensor.with_updates` cannot delete field ('q',) because it is not present."
    nested = ST.from_pyval([{"a": [{"b": 1}, {"b": 2}]}, {"a": [{"b": 3}]}])
    assert tuple(nested.field_value("a").shape) == (2, None)
    p = nested.promote(("a", "b"), "ab")
    assert p.field_names() == ("a", "ab") and p.field_value("ab").to_list() == [[1, 2], [3]]
    assert nested.field_value(["a", "b"]).to_list() == [[1, 2], [3]]
    scalar = ST.from_pyval({"a": {"b": 1}}).promote(("a", "b"), "ab")
    assert scalar.field_value("ab").numpy() == 1


def test_partition_outer_dimension_and_merge_dims():
    s = ST.from_pyval([{"a": i, "b": [i, i]} for i in range(6)])
    s2 = s.partition_outer_dimension(RP.from_row_lengths([2, 1, 3]))
    s3 = s2.partition_outer_dimension(RP.from_row_lengths([2, 1]))
    assert tuple(s3.shape) == (2, None, None) and _splits(s3) == [[0, 2, 3], [0, 2, 3, 6]]
    rows = [{"a": i, "b": [i, i]} for i in range(6)]
    assert s3.to_pyval() == [[rows[0:2], rows[2:3]], [rows[3:6]]]
    # TF 2.21's shapes, values and row splits
    m = s3.merge_dims(0, 1)
    assert tuple(m.shape) == (3, None) and m.to_pyval() == [rows[0:2], rows[2:3], rows[3:6]]
    assert _splits(m) == [[0, 2, 3, 6]]
    m = s3.merge_dims(1, 2)
    assert tuple(m.shape) == (2, None) and m.to_pyval() == [rows[0:3], rows[3:6]] and _splits(m) == [[0, 3, 6]]
    m = s3.merge_dims(0, 2)
    assert tuple(m.shape) == (6,) and m.to_pyval() == rows and _splits(m) == []
    assert s3[0][1].to_pyval() == [rows[2]]
    assert repr(s3[1]) == ('<StructuredTensor(\n    fields={\n        "a": <wb.RaggedTensor [[3, 4, 5]]>,\n'
                           '        "b": <wb.RaggedTensor [[[3, 3],\n              [4, 4],\n              [5, 5]]]>},\n'
                           '    shape=(1, None))>')
    pairs = ST.from_pyval([{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3]}]).partition_outer_dimension(
        RP.from_row_lengths([1, 1]))
    assert pairs.field_value("a").to_list() == [[1], [2]]
    assert pairs.field_value("b").to_list() == [[[1, 2]], [[3]]]
    with pytest.raises(ValueError):
        s.partition_outer_dimension(RP.from_row_lengths([2, 1]))   # 3 values for 6 rows


def test_nest_expands_as_tf():
    s = ST.from_pyval([{"b": 1, "a": [1, 2]}, {"b": 2, "a": [3]}])
    # TF 2.21: the fields' tensors by field name, then the flat size, then each partition's splits
    assert [t.numpy().tolist() for t in wb.nest.flatten(s, expand_composites=True)] == [[1, 2, 3], [0, 2, 3],
                                                                                       [1, 2], [2]]
    s3 = ST.from_pyval([[{"a": 1}, {"a": 2}], [{"a": 3}]])
    assert [t.numpy().tolist() for t in wb.nest.flatten(s3, expand_composites=True)] == [[1, 2, 3], [0, 2, 3],
                                                                                        [3], [0, 2, 3]]
    assert wb.nest.flatten(s) == [s]
    same = wb.nest.map_structure(lambda t: t, s, expand_composites=True)
    assert isinstance(same, ST) and same.to_pyval() == s.to_pyval()


def test_wb_function_binds_the_fields():
    traces = []

    @wb.function
    def doubled(x):
        traces.append(1)
        return x.field_value("b") * 2

    @wb.function
    def updated(x):
        return x.with_updates({"b": x.field_value("b") * 10})

    s = ST.from_pyval([{"b": 1, "a": [1, 2]}, {"b": 2, "a": [3]}])
    other = ST.from_pyval([{"b": 5, "a": [1, 2]}, {"b": 7, "a": [3]}])
    assert doubled(s).numpy().tolist() == [2, 4] and doubled(other).numpy().tolist() == [10, 14]
    assert len(traces) == 1
    assert updated(s).to_pyval() == [{"b": 10, "a": [1, 2]}, {"b": 20, "a": [3]}]
    assert updated(other).to_pyval() == [{"b": 50, "a": [1, 2]}, {"b": 70, "a": [3]}]
    x = wb.Variable([1., 2.])
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(ST.from_fields({"v": x * 3.}, shape=[2]).field_value("v") ** 2)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [18., 36.])
