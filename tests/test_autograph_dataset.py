"""A ``for`` loop over a wb.data.Dataset inside wb.function is staged as TF 2.21 stages it (a
dataset reduce): each call iterates the dataset anew, the body is traced once, and the graph
does not grow with the dataset. The values are TF 2.21's, pinned."""

import io
import contextlib
import warnings

import numpy as np
import pytest

import workbench as wb
from workbench.compiler import UnreplayableWarning

Dataset = wb.data.Dataset


def _staged(fn, *calls):
    """The results of ``fn`` on each argument tuple, checking that no call runs eagerly."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        return [fn(*args) for args in calls]


def _total_function():
    @wb.function
    def total(ds):
        s = wb.constant(0, wb.int64)
        for x in ds:
            s += x
        return s
    return total


def test_the_tf_guide_train_loop_has_a_graph_that_does_not_grow_with_the_data():
    # TF 2.21: 6 nodes for both datasets (Placeholder, Const, ScanDataset, ReduceDataset,
    # Identity, NoOp); unrolled here before: 17 and 52
    @wb.function
    def train(dataset):
        loss = wb.constant(0)
        for x, y in dataset:
            loss += wb.abs(y - x)
        return loss

    def nodes(data):
        ds = Dataset.from_generator(lambda: data, (wb.int32, wb.int32))
        return [n.op for n in train.get_concrete_function(ds).graph.as_graph_def().node]
    small, big = nodes([(1, 1)] * 3), nodes([(1, 1)] * 10)
    assert small == big == ["Const", "ReduceDataset", "Identity"]
    ds = Dataset.from_tensor_slices(([1, 2, 3], [4, 4, 4]))
    assert [int(v) for v in _staged(train, (ds,), (ds,))] == [6, 6]


def test_a_generator_dataset_is_iterated_anew_on_every_call():
    data = [1, 2]
    ds = Dataset.from_generator(lambda: iter(data), wb.int64, output_shapes=())
    _total = _total_function()
    first = int(_staged(_total, (ds,))[0])
    data.append(10)
    second = int(_staged(_total, (ds,))[0])
    data.clear()
    third = int(_staged(_total, (ds,))[0])
    assert (first, second, third) == (3, 13, 0)   # TF 2.21: 3, 13 (and the initial 0 when empty)
    assert _total.experimental_get_tracing_count() == 1


def test_a_dataset_argument_that_changes_between_calls():
    total = _total_function()
    got = _staged(total, (Dataset.range(3),), (Dataset.range(5),), (Dataset.range(2).map(lambda x: x * 10),),
                  (Dataset.range(0),), (Dataset.from_tensor_slices(np.array([7, 8], np.int64)),))
    assert [int(v) for v in got] == [3, 10, 10, 0, 15]   # TF 2.21: 3, 10, 10
    # datasets of one element spec share a trace, whatever their class (TF 2.21: one DatasetSpec)
    assert total.experimental_get_tracing_count() == 1


def test_a_dataset_built_inside_the_function_from_its_argument():
    traced = []

    @wb.function
    def h(x):
        ds = Dataset.from_tensor_slices(x).map(lambda v: v * 2)
        s = wb.constant(0.)
        for v in ds:
            traced.append(v)
            s += v
        return s
    got = _staged(h, (wb.constant([1., 2.]),), (wb.constant([1., 2., 3.]),), (wb.constant([5., 5.]),))
    assert [float(v) for v in got] == [6.0, 12.0, 20.0]   # TF 2.21
    assert h.experimental_get_tracing_count() == 2 and len(traced) == 2   # as TF: one per shape
    ops = [n.op for n in h.get_concrete_function(wb.constant([1., 2.])).graph.as_graph_def().node]
    # TF 2.21: Placeholder, TensorSliceDataset, MapDataset, Const, ScanDataset, ReduceDataset,
    # Identity, NoOp
    assert ops == ["Placeholder", "TensorSliceDataset", "MapDataset", "Const", "ReduceDataset", "Identity"]


def test_a_dataset_built_inside_from_constants_and_a_tensor_bound():
    @wb.function
    def f(n):
        s = wb.constant(0, wb.int64)
        for x in Dataset.range(n).batch(2):
            s += wb.reduce_sum(x)
        return s
    got = _staged(f, (wb.constant(5, wb.int64),), (wb.constant(7, wb.int64),), (wb.constant(0, wb.int64),))
    assert [int(v) for v in got] == [10, 21, 0]


def test_break_and_continue():
    @wb.function
    def f(ds):
        s = wb.constant(0, wb.int64)
        for x in ds:
            if x > 3:
                break
            s += x
        return s

    @wb.function
    def g(ds):
        s = wb.constant(0, wb.int64)
        for x in ds:
            if x % 2 == 0:
                continue
            s += x
        return s
    assert [int(v) for v in _staged(f, (Dataset.range(10),), (Dataset.range(2),))] == [6, 1]   # TF 2.21
    assert int(_staged(g, (Dataset.range(6),))[0]) == 9
    ops = [n.op for n in f.get_concrete_function(Dataset.range(10)).graph.as_graph_def().node]
    assert "ReduceDataset" in ops and len(ops) < 9   # TF 2.21: 9 nodes (a TakeWhileDataset too)


def test_a_return_inside_the_loop_is_tf_s_error():
    @wb.function
    def g(ds):
        s = wb.constant(0, wb.int64)
        for x in ds:
            if x > 3:
                return s * 100
            s += x
        return s
    with pytest.raises(NotImplementedError, match="a return statement cannot be placed inside this TensorFlow loop"):
        g(Dataset.range(10))


def test_a_variable_defined_only_in_the_body_is_tf_s_error():
    @wb.function
    def u(ds):
        for x in ds:
            y = x * 2
        return y
    with pytest.raises(ValueError, match="'y' must be defined before the loop"):
        u(Dataset.range(3))


def test_the_body_reads_values_the_function_computed_before_the_loop():
    @wb.function
    def c(ds, w):
        w2 = w * 2
        s = wb.constant(0.)
        for x in ds:
            s += x * w2
        return s
    ds = Dataset.from_tensor_slices([1., 2.])
    assert [float(v) for v in _staged(c, (ds, wb.constant(1.)), (ds, wb.constant(3.)))] == [6.0, 18.0]


def test_loop_state_may_change_shape_and_python_numbers_become_tensors():
    @wb.function
    def grow(ds):
        s = wb.zeros([0], wb.int64)
        for x in ds:
            s = wb.concat([s, [x]], 0)
        return s

    @wb.function
    def count(ds):
        n = 0
        for _ in ds:
            n += 1
        return n
    np.testing.assert_array_equal(_staged(grow, (Dataset.range(3),))[0].numpy(), [0, 1, 2])   # TF 2.21
    n = _staged(count, (Dataset.range(3),), (Dataset.range(5),))
    assert [int(v) for v in n] == [3, 5] and n[0].dtype == wb.int32   # TF 2.21: 3, int32


def test_dict_elements_variables_and_prints():
    @wb.function
    def td(ds):
        s = wb.constant(0, wb.int64)
        for d in ds:
            s += d["a"] * d["b"]
        return s
    ds = Dataset.from_tensor_slices({"a": wb.constant([1, 2], wb.int64), "b": wb.constant([3, 4], wb.int64)})
    assert int(_staged(td, (ds,))[0]) == 11   # TF 2.21

    v = wb.Variable(0, dtype=wb.int64)

    @wb.function
    def vb(ds):
        for x in ds:
            v.assign_add(x)
            print("traced")
        return v.read_value()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        r = _staged(vb, (Dataset.range(4),), (Dataset.range(4),))
    # TF 2.21: 6 then 12; the Python print once (the trace)
    assert [int(x) for x in r] == [6, 12]
    assert out.getvalue().count("traced") == 1


def test_elements_of_changing_shapes_from_a_generator():
    rows = [[1.0], [2.0, 3.0], [4.0, 5.0, 6.0]]
    ds = Dataset.from_generator(lambda: iter(rows), output_signature=wb.TensorSpec([None], wb.float32))

    @wb.function
    def f(ds):
        s = wb.constant(0.0)
        for x in ds:
            s += wb.reduce_sum(x) * wb.cast(wb.size(x), wb.float32)
        return s
    assert float(_staged(f, (ds,))[0]) == 1.0 + 10.0 + 45.0
    rows.append([1.0, 1.0])
    assert float(_staged(f, (ds,))[0]) == 1.0 + 10.0 + 45.0 + 4.0


def test_eager_loops_and_autograph_off_iterate_in_python():
    def f(ds):
        s = wb.constant(0, wb.int64)
        for x in ds:
            s += x
        return s
    assert int(wb.autograph.to_graph(f)(Dataset.range(4))) == 6
    assert int(wb.function(f, autograph=False)(Dataset.range(4))) == 6


def test_a_map_function_made_inside_reads_the_call_s_values():
    @wb.function
    def f(w):
        s = wb.constant(0, wb.int64)
        for x in Dataset.range(4).map(lambda v: v * w).filter(lambda v: v < 3 * w):
            s += x
        return s
    got = _staged(f, (wb.constant(1, wb.int64),), (wb.constant(10, wb.int64),))
    assert [int(v) for v in got] == [3, 30]


def test_another_dataset_of_the_traced_spec_runs_the_trace_and_stays_itself():
    @wb.function
    def f(ds, scale):
        s = wb.constant(0, wb.int64)
        for x in ds.map(lambda v: v * scale).batch(2):
            s += wb.reduce_sum(x)
        return s
    a = Dataset.from_tensor_slices(np.array([1, 2, 3], np.int64))
    b = Dataset.from_tensor_slices(np.array([10, 20, 30, 40, 50], np.int64))
    got = _staged(f, (a, wb.constant(2, wb.int64)), (b, wb.constant(1, wb.int64)), (a, wb.constant(3, wb.int64)))
    assert [int(v) for v in got] == [12, 150, 18]
    assert f.experimental_get_tracing_count() == 1
    assert [int(v) for v in a] == [1, 2, 3] and [int(v) for v in b] == [10, 20, 30, 40, 50]


def test_cardinality_and_len_follow_the_call_s_dataset():
    @wb.function
    def f(ds):
        return ds.cardinality()

    @wb.function
    def n(ds):
        return len(ds)
    assert [int(v) for v in _staged(f, (Dataset.range(3),), (Dataset.range(5),))] == [3, 5]   # TF 2.21
    assert [int(v) for v in _staged(n, (Dataset.range(3),), (Dataset.range(5),))] == [3, 5]   # TF 2.21


def test_an_iterator_made_in_the_function_starts_a_pass_each_call():
    @wb.function
    def h(ds):
        return next(iter(ds)) * 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)   # staged, not eager
        got = [int(h(Dataset.range(3))), int(h(Dataset.range(4, 9))), int(h(Dataset.range(4, 9)))]
    assert got == [0, 8, 8] and h.experimental_get_tracing_count() == 1   # TF 2.21


def test_dataset_reduce_inside_a_function_is_staged():
    @wb.function
    def r(ds, w):
        return ds.reduce((wb.constant(0, wb.int64), wb.constant(0, wb.int64)),
                         lambda s, x: (s[0] + x * w, s[1] + 1))
    got = _staged(r, (Dataset.range(3), wb.constant(1, wb.int64)), (Dataset.range(5), wb.constant(2, wb.int64)))
    assert [(int(a), int(b)) for a, b in got] == [(3, 3), (20, 5)]   # TF 2.21
    ops = [n.op for n in r.get_concrete_function(Dataset.range(3), wb.constant(1, wb.int64)).graph.as_graph_def().node]
    # TF 2.21: Placeholder x2, Const x2, ReduceDataset, Identity x2, NoOp (its dataset is a Placeholder)
    assert ops == ["Placeholder", "Const", "Const", "ReduceDataset", "Identity", "Identity"]


def test_for_else_zip_elements_and_nested_loops():
    @wb.function
    def g(ds):
        s = wb.constant(0, wb.int64)
        for x in ds:
            if x > 2:
                break
            s += x
        else:
            s = s * 100
        return s

    @wb.function
    def two(ds, n):
        s = wb.constant(0, wb.int64)
        for x, y in ds:
            for z in ds:
                for i in wb.range(n):
                    s += x * y * z[0] * i
        return s
    assert [int(v) for v in _staged(g, (Dataset.range(10),), (Dataset.range(2),))] == [3, 100]
    pairs = Dataset.zip((Dataset.range(1, 3), Dataset.range(1, 3)))
    got = _staged(two, (pairs, wb.constant(2, wb.int64)), (pairs, wb.constant(3, wb.int64)))
    assert [int(v) for v in got] == [(1 + 4) * 3 * 1, (1 + 4) * 3 * 3]


def test_a_loop_variable_that_changes_dtype_is_tf_s_error():
    @wb.function
    def f(ds):
        s = wb.constant(0, wb.int64)
        for _ in ds:
            s = wb.cast(s, wb.float32) + 1.5
        return s
    with pytest.raises(TypeError, match="'s' has dtype int64 before the loop, but dtype float32 after one iteration"):
        f(Dataset.range(3))


def test_a_training_epoch_over_a_dataset_matches_eager_training():
    x = np.random.RandomState(0).randn(50, 3).astype(np.float32)
    y = (x.sum(1, keepdims=True) > 0).astype(np.float32)
    ds = Dataset.from_tensor_slices((x, y)).batch(16)   # a short last batch of 2

    def make():
        wb.random.set_seed(1)
        model = wb.keras.Sequential([wb.keras.layers.Dense(4, activation="relu"), wb.keras.layers.Dense(1)])
        model.build((None, 3))
        return model, wb.keras.optimizers.Adam(0.05)

    def epoch(model, opt, ds):
        total = wb.constant(0.0)
        for xb, yb in ds:
            with wb.GradientTape() as tape:
                loss = wb.reduce_mean((model(xb) - yb) ** 2)
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
            total += loss
        return total
    staged_model, staged_opt = make()
    eager_model, eager_opt = make()
    train = wb.function(lambda ds: epoch(staged_model, staged_opt, ds))
    for _ in range(3):
        np.testing.assert_allclose(float(_staged(train, (ds,))[0]), float(epoch(eager_model, eager_opt, ds)),
                                   rtol=1e-6)
    for a, b in zip(staged_model.trainable_variables, eager_model.trainable_variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    assert int(staged_opt.iterations) == 12


def test_next_of_an_iterator_argument_takes_a_new_element_each_call():
    @wb.function
    def train(it, steps):
        s = wb.constant(0, wb.int64)
        for _ in wb.range(steps):
            s += next(it)
        return s

    @wb.function
    def one(it):
        return next(it) * 2
    it = iter(Dataset.range(100))
    got = _staged(train, (it, wb.constant(3)), (it, wb.constant(3)), (it, wb.constant(2)))
    assert [int(v) for v in got] == [3, 12, 13]   # TF 2.21
    short = iter(Dataset.range(2))
    assert [int(v) for v in _staged(one, (short,), (short,))] == [0, 2]   # TF 2.21
    with pytest.raises(wb.errors.OutOfRangeError, match="End of sequence"):   # TF 2.21's error
        one(short)
