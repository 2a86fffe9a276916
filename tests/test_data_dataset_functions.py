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
