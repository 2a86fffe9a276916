"""tf.data traces a transformation's function once, when the dataset is built, on symbolic
tensors of the input's element_spec; each element then runs the traced graph. The values
here are TF 2.21's (printed by /tmp/tfpeer)."""

import warnings

import numpy as np
import pytest

import ragged
import workbench as wb
from workbench.data import Dataset


def values(ds):
    return [v.tolist() if isinstance(v, np.ndarray) else v for v in ds.as_numpy_iterator()]


def test_map_prints_once_when_built_with_tfs_symbolic_tensor(capsys):
    ds = Dataset.range(3).map(lambda x: (print("map", x), x * 2 + 1)[1])
    # TF 2.21: map Tensor("args_0:0", shape=(), dtype=int64), printed before iterating
    assert capsys.readouterr().out == 'map Tensor("args_0:0", shape=(), dtype=int64)\n'
    assert values(ds) == [1, 3, 5] and values(ds) == [1, 3, 5]
    assert capsys.readouterr().out == ""


def test_tuple_and_dict_elements_are_flat_args(capsys):
    pairs = Dataset.from_tensor_slices((wb.constant([1, 2]), wb.constant([1.0, 2.0])))
    ds = pairs.map(lambda a, b: (print("tup", a, b), a)[1])
    assert capsys.readouterr().out == ('tup Tensor("args_0:0", shape=(), dtype=int32) '
                                       'Tensor("args_1:0", shape=(), dtype=float32)\n')
    assert ds.element_spec == wb.TensorSpec((), wb.int32) and values(ds) == [1, 2]
    rows = Dataset.from_tensor_slices({"a": wb.constant([1, 2]), "b": wb.constant([1.0, 2.0])})
    ds = rows.map(lambda d: d["a"] + wb.cast(d["b"], wb.int32))
    assert values(ds) == [2, 4]


def test_python_side_effects_happen_once():
    side = []
    ds = Dataset.range(4).map(lambda x: (side.append(1), x * 3)[1])
    assert values(ds) == [0, 3, 6, 9] and values(ds) == [0, 3, 6, 9]
    assert side == [1]   # TF 2.21: side == [1] after two passes


def test_element_spec_has_tfs_none_sizes():
    lines = Dataset.from_tensor_slices(["a b", "c d e"])
    words = lines.map(wb.strings.split)
    # TF 2.21: TensorSpec(shape=(None,), dtype=tf.string, name=None) (ours read (2,) from the
    # first element before)
    assert words.element_spec == wb.TensorSpec((None,), wb.string)
    assert words.filter(lambda w: wb.size(w) > 2).element_spec == wb.TensorSpec((None,), wb.string)
    assert [w.tolist() for w in words.as_numpy_iterator()] == [[b"a", b"b"], [b"c", b"d", b"e"]]
    assert [w.tolist() for w in words.filter(lambda w: wb.size(w) > 2).as_numpy_iterator()] == [[b"c", b"d", b"e"]]
    grams = lines.map(lambda s: wb.strings.ngrams(wb.strings.split(s), 2))
    assert grams.element_spec == wb.TensorSpec((None,), wb.string)
    assert [g.tolist() for g in grams.as_numpy_iterator()] == [[b"a b"], [b"c d", b"d e"]]
    # TF 2.21: range(5).map(tf.range) and range(5).batch(2).map(x * 2) are (None,)
    assert Dataset.range(5).map(lambda x: wb.range(x)).element_spec == wb.TensorSpec((None,), wb.int64)
    assert Dataset.range(5).batch(2).map(lambda x: x * 2).element_spec == wb.TensorSpec((None,), wb.int64)


def test_ragged_rows_trace_as_tensors_of_open_size(capsys):
    rows = Dataset.from_tensor_slices(ragged.constant([[1, 2], [3]]))
    doubled = rows.map(lambda x: (print(x.shape), x * 2)[1])
    assert capsys.readouterr().out == "(None,)\n"
    # TF 2.21: TensorSpec(shape=(None,), dtype=tf.int32, name=None)
    assert doubled.element_spec == wb.TensorSpec((None,), wb.int32)
    assert values(doubled) == [[2, 4], [6]]


def test_new_shapes_replay_without_printing_again(capsys):
    ds = Dataset.range(1, 4).map(lambda n: wb.fill([n], n)).map(lambda v: (print("v", v.shape), v + 1)[1])
    assert capsys.readouterr().out == "v (None,)\n"
    assert values(ds) == [[2], [3, 3], [4, 4, 4]]
    assert capsys.readouterr().out == ""


def test_filter_take_while_scan_reduce_trace_once(capsys):
    kept = Dataset.range(5).filter(lambda x: (print("filt", x), x % 2 == 0)[1])
    taken = Dataset.range(10).take_while(lambda x: (print("tw", x), x < 3)[1])
    scanned = Dataset.range(4).scan(wb.constant(0, wb.int64), lambda s, x: (print("scan", s, x), (s + x, s * 2))[1])
    out = capsys.readouterr().out.splitlines()
    assert out == ['filt Tensor("args_0:0", shape=(), dtype=int64)', 'tw Tensor("args_0:0", shape=(), dtype=int64)',
                   'scan Tensor("args_0:0", shape=(), dtype=int64) Tensor("args_1:0", shape=(), dtype=int64)']
    assert values(kept) == [0, 2, 4] and values(taken) == [0, 1, 2]
    assert scanned.element_spec == wb.TensorSpec((), wb.int64) and values(scanned) == [0, 0, 2, 6]
    total = Dataset.range(4).reduce(wb.constant(0, wb.int64), lambda s, x: (print("red", s, x), s + x)[1])
    assert int(total) == 6
    assert capsys.readouterr().out == ('red Tensor("args_0:0", shape=(), dtype=int64) '
                                       'Tensor("args_1:0", shape=(), dtype=int64)\n')
    # TF 2.21: a predicate that is not a bool scalar is refused when the dataset is built
    with pytest.raises(ValueError, match=r"must return a `wb.bool` scalar tensor, but its return type is "
                                         r"TensorSpec\(shape=\(\), dtype=wb.int64"):
        Dataset.range(3).filter(lambda x: x)


def test_a_function_that_reads_values_runs_as_python_per_element():
    calls = []

    def reads(x):
        calls.append(1)
        return x * int(x)    # a Python read of the value: the trace cannot replay it
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no warning for the fallback
        ds = Dataset.range(4).map(reads)
        assert ds.element_spec == wb.TensorSpec((), wb.int64)
        calls.clear()
        assert values(ds) == [0, 1, 4, 9]
    assert len(calls) == 4
    # a data-dependent size read through an op's shape argument is such a read too
    assert values(Dataset.range(3).map(lambda x: wb.fill([x], 1.5))) == [[], [1.5], [1.5, 1.5]]


def test_py_function_runs_for_each_element():
    seen = []

    def record(v):
        seen.append(int(v))
        return v * 2
    ds = Dataset.range(3).map(lambda x: wb.py_function(record, [x], wb.int64))
    seen.clear()
    assert values(ds) == [0, 2, 4] and seen == [0, 1, 2]


def test_parallel_map_replays_the_trace(capsys):
    ds = Dataset.range(50).map(lambda x: (print("p"), x + 1)[1], num_parallel_calls=4)
    assert capsys.readouterr().out == "p\n"
    assert values(ds) == list(range(1, 51))
    assert capsys.readouterr().out == ""


def test_group_by_window_traces_its_key_and_window_size_functions(capsys):
    grouped = Dataset.range(6).group_by_window(lambda x: (print("key", x), x % 2)[1], lambda k, w: w.batch(4),
                                               window_size_func=lambda k: (print("ws", k), k + 2)[1])
    # TF 2.21 prints each traced function once, when the dataset is built
    assert capsys.readouterr().out == ('key Tensor("args_0:0", shape=(), dtype=int64)\n'
                                       'ws Tensor("args_0:0", shape=(), dtype=int64)\n')
    assert values(grouped) == [[0, 2], [1, 3, 5], [4]]
    assert capsys.readouterr().out == ""


def test_elements_that_are_datasets_run_as_python():
    windows = Dataset.range(5).window(2)
    assert values(windows.flat_map(lambda w: w.batch(2))) == [[0, 1], [2, 3], [4]]
    sums = windows.map(lambda w: w.reduce(np.int64(0), lambda s, x: s + x))
    assert values(sums) == [1, 5, 4]


def test_a_map_after_a_batch_is_traced_when_built(capsys):
    ds = Dataset.range(5).batch(2).map(lambda x: (print(x), x * 2)[1])
    # TF 2.21: Tensor("args_0:0", shape=(None,), dtype=int64), printed when built
    assert capsys.readouterr().out == 'Tensor("args_0:0", shape=(None,), dtype=int64)\n'
    assert values(ds) == [[0, 2], [4, 6], [8]]
    exact = Dataset.from_tensor_slices(np.zeros((5, 3), np.float32)).batch(2, drop_remainder=True).map(lambda x: x)
    assert exact.element_spec == wb.TensorSpec((2, 3), wb.float32)
