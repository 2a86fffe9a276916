"""flat_map's and interleave's map_func and group_by_window's reduce_func are traced once when
the dataset is built, as TF 2.21 traces them: their Python runs once (with symbolic tensors),
the element_spec comes from the dataset the trace made, and each element runs the trace's
program (or, where that cannot be replayed, the function with Python's print silent). The
values, specs and prints are TF 2.21's, pinned."""

import numpy as np
import pytest

import workbench as wb

Dataset = wb.data.Dataset


def _values(ds):
    return [np.asarray(v).tolist() for v in ds.as_numpy_iterator()]


def test_flat_map_traces_its_function_once_at_build(capsys):
    def fm(x):
        print("flat_map traced", x)
        return Dataset.from_tensor_slices(wb.fill([x], x))
    ds = Dataset.range(1, 4).flat_map(fm)
    assert capsys.readouterr().out == 'flat_map traced Tensor("args_0:0", shape=(), dtype=int64)\n'
    assert ds.element_spec == wb.TensorSpec((), wb.int64)
    assert _values(ds) == _values(ds) == [1, 2, 2, 3, 3, 3]
    assert capsys.readouterr().out == ""


def test_python_side_effects_happen_once():
    calls = []

    def fm(x):
        calls.append(1)
        return Dataset.from_tensors(x)
    ds = Dataset.range(5).flat_map(fm)
    assert len(calls) == 1
    assert _values(ds) == [0, 1, 2, 3, 4]
    assert len(calls) == 1   # TF 2.21: 1 and 1


def test_interleave_prints_once_and_gives_tf_s_order(capsys):
    def il(x):
        print("interleave traced", x)
        return Dataset.range(x).map(lambda v: v * 10)
    ds = Dataset.range(1, 4).interleave(il, cycle_length=2)
    assert ds.element_spec == wb.TensorSpec((), wb.int64)
    assert _values(ds) == [0, 0, 10, 0, 10, 20]
    assert capsys.readouterr().out.count("interleave traced") == 1


def test_sizes_the_element_decides_are_none_in_the_spec():
    ds = Dataset.range(1, 3).flat_map(lambda x: Dataset.from_tensors(wb.range(x)))
    assert ds.element_spec == wb.TensorSpec((None,), wb.int64)   # TF 2.21
    assert _values(ds) == [[0], [0, 1]]
    fixed = Dataset.range(2).flat_map(lambda x: Dataset.from_tensors(wb.ones([3], wb.int64) * x))
    assert fixed.element_spec.dtype == wb.int64 and fixed.element_spec.shape.rank == 1
    assert _values(fixed) == [[0, 0, 0], [1, 1, 1]]


def test_tuple_elements_are_unpacked():
    ds = Dataset.from_tensor_slices(([1, 2], [10, 20])).flat_map(
        lambda a, b: Dataset.from_tensors(a + b).repeat(2))
    assert ds.element_spec == wb.TensorSpec((), wb.int32)
    assert _values(ds) == [11, 11, 22, 22]   # TF 2.21


def test_group_by_window_reduce_func_is_traced_once(capsys):
    def red(key, window):
        print("reduce traced", key, window)
        return window.batch(5)
    ds = Dataset.range(10).group_by_window(lambda x: x % 2, red, window_size=3)
    assert capsys.readouterr().out == ('reduce traced Tensor("args_0:0", shape=(), dtype=int64) '
                                       '<_VariantDataset element_spec=TensorSpec(shape=(), dtype=wb.int64, '
                                       'name=None)>\n')
    assert ds.element_spec == wb.TensorSpec((None,), wb.int64)   # TF 2.21
    assert _values(ds) == [[0, 2, 4], [1, 3, 5], [6, 8], [7, 9]]
    assert _values(ds) == [[0, 2, 4], [1, 3, 5], [6, 8], [7, 9]]
    assert capsys.readouterr().out == ""

    sized = Dataset.range(10).group_by_window(lambda x: x % 2, lambda k, w: w.batch(5),
                                              window_size_func=lambda key: key + 2)
    assert sized.element_spec == wb.TensorSpec((None,), wb.int64)
    assert _values(sized) == [[0, 2], [1, 3, 5], [4, 6], [8], [7, 9]]   # TF 2.21


def test_reduce_func_reading_its_key_in_a_nested_map():
    ds = Dataset.range(8).group_by_window(lambda x: x % 2, lambda k, w: w.batch(5).map(lambda b: b + k * 100),
                                          window_size=2)
    assert _values(ds) == [[0, 2], [101, 103], [4, 6], [105, 107]]


def test_a_map_func_that_returns_no_dataset_fails_at_build():
    with pytest.raises(TypeError, match="flat_map: map_func must return a Dataset"):
        Dataset.range(3).flat_map(lambda x: x)


def test_a_function_traced_on_the_first_element_where_the_spec_is_not_known(capsys):
    gen = Dataset.from_generator(lambda: iter([1, 2]), wb.int64)   # no shapes given: traced on an element
    ds = gen.flat_map(lambda x: (print("traced"), Dataset.from_tensors(x).repeat(2))[1])
    assert _values(ds) == [1, 1, 2, 2]
    assert capsys.readouterr().out.count("traced") == 1


# -- map functions whose result's size the data decides ----------------------------------------
# The trace runs on stand-in values; where it cannot replay (the op reads the element's value),
# each element runs the function in Python, and the element_spec is still TF's static one:
# None for a size the element's value decides. Specs and values: TF 2.21's.

def _leaf_values(ds):
    return [[np.asarray(leaf).tolist() for leaf in v] if isinstance(v, tuple) else np.asarray(v).tolist()
            for v in ds.as_numpy_iterator()]


_S = wb.TensorSpec
_DATA_SIZED = [
    ("range", lambda: Dataset.range(6).map(lambda x: wb.range(x)),
     _S((None,), wb.int64), [[], [0], [0, 1], [0, 1, 2], [0, 1, 2, 3], [0, 1, 2, 3, 4]]),
    ("fill", lambda: Dataset.range(4).map(lambda x: wb.fill([x], 1)),
     _S((None,), wb.int32), [[], [1], [1, 1], [1, 1, 1]]),
    ("repeat_scalar_count", lambda: Dataset.range(4).map(lambda x: wb.repeat(x, x)),
     _S((None,), wb.int64), [[], [1], [2, 2], [3, 3, 3]]),
    ("repeat_count_vector", lambda: Dataset.range(4).map(
        lambda x: wb.repeat(wb.constant([1, 2], wb.int64), [x, 1])),
     _S((None,), wb.int64), [[2], [1, 2], [1, 1, 2], [1, 1, 1, 2]]),
    ("repeat_counts_are_the_element", lambda: Dataset.from_tensor_slices([[1, 2], [3, 4]]).map(
        lambda x: wb.repeat(x, x, axis=0)),
     _S((None,), wb.int32), [[1, 2, 2], [3, 3, 3, 4, 4, 4, 4]]),
    ("repeat_known_count", lambda: Dataset.from_tensor_slices([[1, 2], [3, 4]]).map(lambda x: wb.repeat(x, 2)),
     _S((4,), wb.int32), [[1, 1, 2, 2], [3, 3, 4, 4]]),
    ("repeat_known_count_axis_1", lambda: Dataset.from_tensor_slices([[1, 2], [3, 4]]).map(
        lambda x: wb.repeat(wb.reshape(x, [1, 2]), 2, axis=1)),
     _S((1, 4), wb.int32), [[[1, 1, 2, 2]], [[3, 3, 4, 4]]]),
    ("boolean_mask", lambda: Dataset.range(4).map(
        lambda x: wb.boolean_mask(wb.range(4, dtype=wb.int64), wb.range(4, dtype=wb.int64) < x)),
     _S((None,), wb.int64), [[], [0], [0, 1], [0, 1, 2]]),
    ("boolean_mask_of_the_element", lambda: Dataset.from_tensor_slices([[1, -2, 3], [-4, 5, 6]]).map(
        lambda x: wb.boolean_mask(x, x > 0)),
     _S((None,), wb.int32), [[1, 3], [5, 6]]),
    ("unique_y", lambda: Dataset.from_tensor_slices([[1, 1, 2], [3, 3, 3]]).map(lambda x: wb.unique(x)[0]),
     _S((None,), wb.int32), [[1, 2], [3]]),
    ("where_one_argument", lambda: Dataset.from_tensor_slices([[1, 0, 2], [0, 0, 3]]).map(lambda x: wb.where(x)),
     _S((None, 1), wb.int64), [[[0], [2]], [[2]]]),
    ("where_one_argument_rank_2", lambda: Dataset.from_tensor_slices(
        [[[1, 0], [2, 0]], [[0, 0], [0, 3]]]).map(lambda x: wb.where(x)),
     _S((None, 2), wb.int64), [[[0, 0], [1, 0]], [[1, 1]]]),
    ("strings_split", lambda: Dataset.from_tensor_slices(["a b", "c d e"]).map(wb.strings.split),
     _S((None,), wb.string), [[b"a", b"b"], [b"c", b"d", b"e"]]),
    ("py_function_without_a_shape", lambda: Dataset.range(3).map(
        lambda x: wb.py_function(lambda v: wb.range(v), [x], wb.int64)),
     _S(None, wb.int64), [[], [0], [0, 1]]),
    ("py_function_two_results", lambda: Dataset.range(3).map(
        lambda x: wb.py_function(lambda v: (wb.range(v), v * 2), [x], [wb.int64, wb.int64])),
     (_S(None, wb.int64), _S(None, wb.int64)), [[[], 0], [[0], 2], [[0, 1], 4]]),
]


@pytest.mark.parametrize("make, spec, values", [c[1:] for c in _DATA_SIZED], ids=[c[0] for c in _DATA_SIZED])
def test_sizes_the_element_s_value_decides_are_none_in_a_map_s_spec(make, spec, values):
    ds = make()
    assert ds.element_spec == spec
    assert _leaf_values(ds) == values


def test_unique_spec_keeps_idx_s_static_size():
    ds = Dataset.from_tensor_slices([[1, 1, 2], [3, 3, 3]]).map(lambda x: wb.unique(x))
    spec = ds.element_spec
    assert type(spec).__name__ == "Unique"
    assert tuple(spec) == (_S((None,), wb.int32), _S((3,), wb.int32))   # TF 2.21
    assert [(e.y.tolist(), e.idx.tolist()) for e in ds.as_numpy_iterator()] == [([1, 2], [0, 0, 1]), ([3], [0, 0, 0])]
    counted = Dataset.from_tensor_slices([[1, 1, 2], [3, 3, 3]]).map(lambda x: wb.unique_with_counts(x))
    assert tuple(counted.element_spec) == (_S((None,), wb.int32), _S((3,), wb.int32), _S((None,), wb.int32))
    assert [e.count.tolist() for e in counted.as_numpy_iterator()] == [[2, 1], [3]]


def test_ragged_batch_docstring_example():
    ds = Dataset.range(6).map(lambda x: wb.range(x))
    assert ds.element_spec.shape == wb.TensorShape([None])
    ds = ds.ragged_batch(2)
    assert ds.element_spec == wb.RaggedTensorSpec(wb.TensorShape([None, None]), wb.int64, 1, wb.int64)
    assert [str(b) for b in ds] == ["<wb.RaggedTensor [[], [0]]>", "<wb.RaggedTensor [[0, 1], [0, 1, 2]]>",
                                    "<wb.RaggedTensor [[0, 1, 2, 3], [0, 1, 2, 3, 4]]>"]


def test_ragged_batch_of_a_repeat_the_data_sizes():
    ds = Dataset.range(4).map(lambda x: wb.repeat(x, x)).ragged_batch(2)
    assert ds.element_spec == wb.RaggedTensorSpec(wb.TensorShape([None, None]), wb.int64, 1, wb.int64)
    assert [b.to_list() for b in ds] == [[[], [1]], [[2, 2], [3, 3, 3]]]   # TF 2.21


# tf.repeat's static shapes in a traced function, TF 2.21's: (input spec(s), call, shape)
_REPEAT_STATIC = [
    (([], wb.int64), lambda x: wb.repeat(x, x), (None,)),
    (([2], wb.int64), lambda x: wb.repeat(x, [1, 2]), (None,)),
    (([2], wb.int64), lambda x: wb.repeat(x, 3), (6,)),
    (([None], wb.int64), lambda x: wb.repeat(x, 3), (None,)),
    (([2, 3], wb.int64), lambda x: wb.repeat(x, 2, axis=1), (2, 6)),
    (([2, 3], wb.int64), lambda x: wb.repeat(x, [2, 2, 0], axis=1), (2, 4)),
    (([2, 3], wb.int64), lambda x: wb.repeat(x, [2, 2], axis=0), (None, 3)),
    (([2, 3], wb.int64), lambda x: wb.repeat(x, [2], axis=1), (2, 6)),
    (([None, 3], wb.int64), lambda x: wb.repeat(x, 2, axis=1), (None, 6)),
    (([None, 3], wb.int64), lambda x: wb.repeat(x, 2), (None,)),
    (([2, 3], wb.int64), lambda x: wb.repeat(x, 2), (12,)),
    (([3, None, 2], wb.int64), lambda x: wb.repeat(x, 2, axis=0), (6, None, 2)),
    (([3, None, 2], wb.int64), lambda x: wb.repeat(x, [1, 2, 3], axis=0), (None, None, 2)),
    (([3, None, 2], wb.int64), lambda x: wb.repeat(x, [1, 2], axis=2), (3, None, 3)),
]


@pytest.mark.parametrize("case", range(len(_REPEAT_STATIC)))
def test_repeat_static_shape_in_a_trace(case):
    (shape, dtype), fn, expected = _REPEAT_STATIC[case]
    out = wb.function(fn).get_concrete_function(wb.TensorSpec(shape, dtype)).structured_outputs
    assert tuple(out.shape.as_list()) == expected


def test_repeat_static_shape_with_counts_an_argument_gives():
    f = wb.function(lambda x, r: wb.repeat(x, r, axis=0))
    out = f.get_concrete_function(wb.TensorSpec([2, 3], wb.int64), wb.TensorSpec([], wb.int32)).structured_outputs
    assert tuple(out.shape.as_list()) == (None, 3)   # TF 2.21
    g = wb.function(lambda x, r: wb.repeat(x, r, axis=-1))
    out = g.get_concrete_function(wb.TensorSpec([2, 3], wb.int64), wb.TensorSpec([3], wb.int32)).structured_outputs
    assert tuple(out.shape.as_list()) == (2, None)


def test_ragged_batch_follows_the_input_s_spec():
    # TF 2.21: a leaf of known shape is batched dense, one with None sizes is ragged up to its
    # last None size (its known sizes stay in the spec), one of unknown rank is batched as is
    fixed = Dataset.range(3).map(lambda x: wb.fill([2], x)).ragged_batch(2)
    assert fixed.element_spec == wb.TensorSpec((None, 2), wb.int64)
    assert _values(fixed) == [[[0, 0], [1, 1]], [[2, 2]]]
    assert Dataset.range(3).map(lambda x: wb.fill([2], x)).ragged_batch(2, drop_remainder=True).element_spec \
        == wb.TensorSpec((2, 2), wb.int64)
    first = Dataset.range(1, 4).map(lambda x: wb.fill([x, 2], x)).ragged_batch(2)
    assert first.element_spec == wb.RaggedTensorSpec(wb.TensorShape([None, None, 2]), wb.int64, 1, wb.int64)
    assert [b.to_list() for b in first] == [[[[1, 1]], [[2, 2], [2, 2]]], [[[3, 3], [3, 3], [3, 3]]]]
    second = Dataset.range(1, 4).map(lambda x: wb.fill([2, x], x)).ragged_batch(2)
    assert second.element_spec == wb.RaggedTensorSpec(wb.TensorShape([None, 2, None]), wb.int64, 2, wb.int64)
    assert [b.to_list() for b in second] == [[[[1], [1]], [[2, 2], [2, 2]]], [[[3, 3, 3], [3, 3, 3]]]]
    pair = Dataset.range(1, 4).map(lambda x: (x, wb.range(x))).ragged_batch(2)
    assert pair.element_spec == (wb.TensorSpec((None,), wb.int64),
                                 wb.RaggedTensorSpec(wb.TensorShape([None, None]), wb.int64, 1, wb.int64))
    assert [(a.numpy().tolist(), b.to_list()) for a, b in pair] == [([1, 2], [[0], [0, 1]]), ([3], [[0, 1, 2]])]


def test_ragged_batch_of_an_unknown_rank_batches_dense():
    same = Dataset.range(3).map(lambda x: wb.py_function(lambda v: wb.fill([2], v), [x], wb.int64)).ragged_batch(2)
    assert same.element_spec == wb.TensorSpec(None, wb.int64)   # TF 2.21, before any element runs
    assert _values(same) == [[[0, 0], [1, 1]], [[2, 2]]]
    differ = Dataset.range(3).map(lambda x: wb.py_function(lambda v: wb.range(v), [x], wb.int64)).ragged_batch(2)
    assert differ.element_spec == wb.TensorSpec(None, wb.int64)
    with pytest.raises(ValueError, match="different shapes"):   # TF: "Cannot add tensor to the batch"
        list(differ)


def test_ragged_batch_row_splits_dtype():
    ds = Dataset.range(1, 4).map(lambda x: wb.range(x)).ragged_batch(2, row_splits_dtype=wb.int32)
    assert ds.element_spec == wb.RaggedTensorSpec(wb.TensorShape([None, None]), wb.int64, 1, wb.int32)
    assert [(b.to_list(), b.row_splits.dtype) for b in ds] == [([[0], [0, 1]], wb.int32), ([[0, 1, 2]], wb.int32)]
    wide = Dataset.range(1, 4).map(lambda x: wb.fill([x, 2], x)).ragged_batch(2, row_splits_dtype=wb.int32)
    assert wide.element_spec == wb.RaggedTensorSpec(wb.TensorShape([None, None, 2]), wb.int64, 1, wb.int32)
    assert [b.row_splits.dtype for b in wide] == [wb.int32, wb.int32]
    # RaggedTensor elements keep their own row splits (TF 2.21)
    rows = Dataset.from_tensor_slices(wb.ragged.constant([[1], [2, 3], []])).ragged_batch(2, row_splits_dtype=wb.int32)
    assert rows.element_spec == wb.RaggedTensorSpec(wb.TensorShape([None, None]), wb.int32, 1, wb.int64)
    assert [(b.to_list(), b.row_splits.dtype) for b in rows] == [([[1], [2, 3]], wb.int64), ([[]], wb.int64)]
    with pytest.raises(ValueError, match="row_splits_dtype must be int32 or int64"):
        Dataset.range(3).ragged_batch(2, row_splits_dtype=wb.float32)


def test_zeros_like_and_ones_like_keep_open_sizes():
    f = wb.function(lambda x: wb.ones_like(x))
    assert f.get_concrete_function(wb.TensorSpec([None, 3], wb.float32)).structured_outputs \
        == wb.TensorSpec((None, 3), wb.float32)   # TF 2.21
    g = wb.function(lambda x: wb.zeros_like(x, dtype=wb.int32))
    assert g.get_concrete_function(wb.TensorSpec([2, None], wb.float32)).structured_outputs \
        == wb.TensorSpec((2, None), wb.int32)
    ds = Dataset.range(1, 4).map(lambda x: wb.zeros_like(wb.range(x)))
    assert ds.element_spec == wb.TensorSpec((None,), wb.int64)
    assert _values(ds) == [[0], [0, 0], [0, 0, 0]]
    ds = Dataset.range(1, 3).map(lambda x: wb.ones_like(wb.fill([x, 2], 1.5)))
    assert ds.element_spec == wb.TensorSpec((None, 2), wb.float32)
    assert _values(ds) == [[[1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]]]


# sequence_mask's static shapes in a trace, TF 2.21's
_SEQUENCE_MASK_STATIC = [
    (([], wb.int64), lambda x: wb.sequence_mask(x), (None,)),
    (([], wb.int64), lambda x: wb.sequence_mask([x, 1]), (2, None)),
    (([3], wb.int64), lambda x: wb.sequence_mask(x, 4), (3, 4)),
    (([None, 2], wb.int64), lambda x: wb.sequence_mask(x, 4), (None, 2, 4)),
    (([], wb.int64), lambda x: wb.sequence_mask([1, 3, 2]), (3, 3)),
    (([3], wb.int64), lambda x: wb.sequence_mask(x, wb.constant(5)), (3, 5)),
    (([3], wb.int64), lambda x: wb.sequence_mask(x, x[0]), (3, None)),
    (([3], wb.int64), lambda x: wb.sequence_mask(x, 4, dtype=wb.float32), (3, 4)),
]


@pytest.mark.parametrize("case", range(len(_SEQUENCE_MASK_STATIC)))
def test_sequence_mask_static_shape_in_a_trace(case):
    (shape, dtype), fn, expected = _SEQUENCE_MASK_STATIC[case]
    out = wb.function(fn).get_concrete_function(wb.TensorSpec(shape, dtype)).structured_outputs
    assert tuple(out.shape.as_list()) == expected


def test_sequence_mask_in_a_dataset_map():
    ds = Dataset.range(1, 4).map(lambda x: wb.sequence_mask(x))
    assert ds.element_spec == wb.TensorSpec((None,), wb.bool)   # TF 2.21
    assert _values(ds) == [[True], [True, True], [True, True, True]]
    pair = Dataset.range(1, 4).map(lambda x: wb.sequence_mask([x, 1]))
    assert pair.element_spec == wb.TensorSpec((2, None), wb.bool)
    assert _values(pair) == [[[True], [True]], [[True, True], [True, False]], [[True, True, True], [True, False, False]]]


# eye's and linspace's static shapes in a trace, TF 2.21's
_CREATE_STATIC = [
    (lambda x: wb.eye(x), (None, None)),
    (lambda x: wb.eye(3, x), (3, None)),
    (lambda x: wb.eye(x, 3), (None, 3)),
    (lambda x: wb.eye(2, batch_shape=[x]), (None, 2, 2)),
    (lambda x: wb.eye(2, batch_shape=[4]), (4, 2, 2)),
    (lambda x: wb.linspace(0.0, 1.0, x), (None,)),
    (lambda x: wb.linspace(0.0, 1.0, 4), (4,)),
    (lambda x: wb.linspace([0.0, 1.0], [2.0, 3.0], x), (None, 2)),
    (lambda x: wb.linspace([0.0, 1.0], [2.0, 3.0], x, axis=1), (2, None)),
]


@pytest.mark.parametrize("case", range(len(_CREATE_STATIC)))
def test_eye_and_linspace_static_shape_in_a_trace(case):
    fn, expected = _CREATE_STATIC[case]
    out = wb.function(fn).get_concrete_function(wb.TensorSpec([], wb.int32)).structured_outputs
    assert tuple(out.shape.as_list()) == expected


def test_eye_and_linspace_in_a_dataset_map():
    eyes = Dataset.range(1, 3).map(lambda x: wb.eye(wb.cast(x, wb.int32)))
    assert eyes.element_spec == wb.TensorSpec((None, None), wb.float32)   # TF 2.21
    assert _values(eyes) == [[[1.0]], [[1.0, 0.0], [0.0, 1.0]]]
    steps = Dataset.range(1, 4).map(lambda x: wb.linspace(0.0, 1.0, x))
    assert steps.element_spec == wb.TensorSpec((None,), wb.float32)
    assert _values(steps) == [[0.0], [0.0, 1.0], [0.0, 0.5, 1.0]]


# x[key]'s static shapes in a trace with a bound the data decides, TF 2.21's
_GETITEM_STATIC = [
    ((), lambda n: wb.range(6)[:n], (None,)),
    ((), lambda n: wb.range(6)[n:], (None,)),
    ((), lambda n: wb.reshape(wb.range(12), [3, 4])[:, :n], (3, None)),
    ((), lambda n: wb.reshape(wb.range(12), [3, 4])[n], (4,)),
    ((), lambda n: wb.reshape(wb.range(24), [2, 3, 4])[..., 1:n], (2, 3, None)),
    ((), lambda n: wb.reshape(wb.range(24), [2, 3, 4])[n:, wb.newaxis, 1], (None, 1, 4)),
    (([None, 3],), lambda x, n: x[:n], (None, 3)),
    (([5, 3],), lambda x, n: x[1:3, :n], (None, None)),
    (([5, 3],), lambda x, n: x[::2, :n], (3, None)),
    (([5, 3],), lambda x, n: x[:n, 1], (None,)),
    (([5, 3],), lambda x, n: x[n, 1:2], (None,)),
]


@pytest.mark.parametrize("case", range(len(_GETITEM_STATIC)))
def test_getitem_static_shape_with_a_bound_the_data_decides(case):
    shapes, fn, expected = _GETITEM_STATIC[case]
    specs = [wb.TensorSpec(s, wb.float32) for s in shapes] + [wb.TensorSpec([], wb.int32)]
    out = wb.function(fn).get_concrete_function(*specs).structured_outputs
    assert tuple(out.shape.as_list()) == expected


def test_slices_the_element_bounds_in_a_dataset_map():
    head = Dataset.range(1, 4).map(lambda x: wb.range(6, dtype=wb.int64)[:x])
    assert head.element_spec == wb.TensorSpec((None,), wb.int64)   # TF 2.21
    assert _values(head) == [[0], [0, 1], [0, 1, 2]]
    tail = Dataset.range(1, 4).map(lambda x: wb.range(6, dtype=wb.int64)[x:])
    assert tail.element_spec == wb.TensorSpec((None,), wb.int64)
    assert _values(tail) == [[1, 2, 3, 4, 5], [2, 3, 4, 5], [3, 4, 5]]


def test_split_by_sizes_the_data_decides():
    def shapes(fn):
        parts = wb.function(fn).get_concrete_function(wb.TensorSpec([], wb.int32)).structured_outputs
        return [tuple(p.shape.as_list()) for p in parts]
    assert shapes(lambda n: wb.split(wb.range(4), [n, 4 - n])) == [(None,), (None,)]   # TF 2.21
    assert shapes(lambda n: wb.split(wb.range(4), [n, -1])) == [(None,), (None,)]
    assert shapes(lambda n: wb.split(wb.range(4), [1, 3])) == [(1,), (3,)]
    assert shapes(lambda n: wb.split(wb.reshape(wb.range(8), [2, 4]), [n, 1, -1], axis=1)) == [(2, None)] * 3
    ds = Dataset.range(1, 4).map(lambda x: wb.split(wb.range(4, dtype=wb.int64), [x % 3, 4 - x % 3])[0])
    assert ds.element_spec == wb.TensorSpec((None,), wb.int64)
    assert _values(ds) == [[0], [0, 1], []]


def test_concat_of_a_data_sized_range_and_a_list():
    ds = Dataset.range(1, 4).map(lambda x: wb.concat([wb.range(x), [7]], 0))
    assert ds.element_spec == wb.TensorSpec((None,), wb.int64)   # TF 2.21
    assert _values(ds) == [[0, 7], [0, 1, 7], [0, 1, 2, 7]]
    # the list and NumPy values take the first tensor's dtype (TF 2.21)
    assert wb.concat([[7], wb.range(3, dtype=wb.int64)], 0).numpy().tolist() == [7, 0, 1, 2]
    assert wb.concat([wb.range(3, dtype=wb.int64), np.array([7], np.int32)], 0).dtype == wb.int64
    with pytest.raises(TypeError, match="int64"):
        wb.concat([wb.range(3, dtype=wb.int64), [7.5]], 0)
