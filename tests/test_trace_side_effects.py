"""A trace TF would not run (``get_concrete_function``, a dataset's function traced when the
dataset is built) leaves no side effects: variables keep their values, and the eager random
streams draw next what TF 2.21 draws (the values below are TF's)."""

import numpy as np
import pytest

import workbench as wb


def test_get_concrete_function_leaves_a_variable_unchanged():
    v = wb.Variable(0.0)

    @wb.function
    def f(x):
        v.assign_add(1.0)
        return x * 2.0

    c = f.get_concrete_function(wb.TensorSpec([None], wb.float32))
    assert v.numpy() == 0.0   # TF: 0.0
    np.testing.assert_array_equal(c(wb.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    assert v.numpy() == 1.0   # TF: 1.0
    f(wb.constant([3.0]))
    assert v.numpy() == 2.0


def test_get_concrete_function_with_an_input_signature_leaves_variables_unchanged():
    v = wb.Variable([1.0, 2.0])
    w = wb.Variable(5)

    @wb.function(input_signature=[wb.TensorSpec([2], wb.float32)])
    def f(x):
        v.assign(x * 3.0)
        w.assign_sub(1)
        return v + 1.0

    f.get_concrete_function()
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    assert w.numpy() == 5
    np.testing.assert_array_equal(f(wb.constant([1.0, 1.0])).numpy(), [4.0, 4.0])
    np.testing.assert_array_equal(v.numpy(), [3.0, 3.0])
    assert w.numpy() == 4


def test_building_a_dataset_leaves_a_variable_unchanged_and_iterating_counts_each_element():
    v = wb.Variable(0, dtype=wb.int64)
    ds = wb.data.Dataset.range(3).map(lambda x: (v.assign_add(1), x)[1])
    assert v.numpy() == 0   # TF: 0
    assert [int(x) for x in ds.as_numpy_iterator()] == [0, 1, 2]
    assert v.numpy() == 3   # TF: 3
    list(ds.as_numpy_iterator())
    assert v.numpy() == 6


def test_an_optimizer_step_in_get_concrete_function_moves_nothing():
    w = wb.Variable([1.0, -2.0])
    opt = wb.keras.optimizers.SGD(0.1)
    opt.build([w])

    @wb.function
    def step(x):
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(w * x)
        opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
        return loss

    step.get_concrete_function(wb.TensorSpec([2], wb.float32))
    np.testing.assert_array_equal(w.numpy(), [1.0, -2.0])
    assert int(opt.iterations.numpy()) == 0
    step(wb.constant([1.0, 1.0]))
    np.testing.assert_allclose(w.numpy(), [0.9, -2.1], rtol=1e-6)
    assert int(opt.iterations.numpy()) == 1


def test_building_a_dataset_draws_nothing_from_the_eager_random_streams():
    wb.random.set_seed(1)
    wb.data.Dataset.range(3).map(
        lambda x: wb.random.uniform([]) + wb.random.uniform([], seed=5) + wb.cast(x, wb.float32))
    # TF 2.21: the first unseeded and seed=5 draws after set_seed(1)
    assert wb.random.uniform([]).numpy() == pytest.approx(0.16513085, abs=1e-7)
    assert wb.random.uniform([], seed=5).numpy() == pytest.approx(0.195606, abs=1e-7)


def test_get_concrete_function_draws_nothing_from_the_eager_random_streams():
    wb.random.set_seed(2)

    @wb.function
    def f(x):
        return x + wb.random.uniform([2]) + wb.random.uniform([2], seed=7)

    f.get_concrete_function(wb.TensorSpec([2], wb.float32))
    np.testing.assert_allclose(wb.random.uniform([2]).numpy(), [0.14690244, 0.46425676], atol=1e-7)
    np.testing.assert_allclose(wb.random.uniform([2], seed=7).numpy(), [0.05990493, 0.588503], atol=1e-7)


def test_building_a_dataset_leaves_a_generator_state_unchanged():
    g = wb.random.Generator.from_seed(3)
    wb.data.Dataset.range(3).map(lambda x: g.uniform([]))
    assert g.uniform([]).numpy() == pytest.approx(0.13229859, abs=1e-7)   # TF's first draw
    g = wb.random.Generator.from_seed(3)
    ds = wb.data.Dataset.range(2).map(lambda x: g.uniform([]))
    np.testing.assert_allclose(list(ds.as_numpy_iterator()), [0.13229859, 0.9899732], atol=1e-7)
    assert g.uniform([]).numpy() == pytest.approx(0.28796744, abs=1e-7)


def test_building_a_dataset_does_not_call_a_py_function():
    calls = []

    def double(x):
        calls.append(1)
        return x * 2

    ds = wb.data.Dataset.range(3).map(lambda x: wb.py_function(double, [x], wb.int64))
    assert calls == []   # TF: not called at build
    assert ds.element_spec == wb.TensorSpec(None, wb.int64)   # TF's unknown shape
    assert [int(x) for x in ds.as_numpy_iterator()] == [0, 2, 4]
    assert len(calls) == 3


def test_building_a_dataset_does_not_call_a_numpy_function():
    calls = []
    ds = wb.data.Dataset.range(2).map(
        lambda x: wb.numpy_function(lambda a: (calls.append(1), a + 1)[1], [x], wb.int64))
    assert calls == []
    assert ds.element_spec == wb.TensorSpec(None, wb.int64)
    assert [int(x) for x in ds.as_numpy_iterator()] == [1, 2]
    assert len(calls) == 2


def test_set_shape_after_a_py_function_gives_the_element_spec():
    calls = []

    def load(x):
        calls.append(1)
        return np.full([4, 2], np.float32(x.numpy()))

    def parse(x):
        y = wb.py_function(load, [x], wb.float32)
        y.set_shape([4, 2])
        return y + 1.0

    ds = wb.data.Dataset.range(2).map(parse)
    assert calls == []
    assert ds.element_spec == wb.TensorSpec([4, 2], wb.float32)   # TF's
    out = list(ds.as_numpy_iterator())
    np.testing.assert_array_equal(out[1], np.full([4, 2], 2.0, np.float32))
    assert len(calls) == 2


def test_get_concrete_function_does_not_call_a_py_function():
    calls = []

    def double(x):
        calls.append(1)
        return x * 2

    @wb.function
    def f(x):
        return wb.py_function(double, [x], wb.float32) + x

    @wb.function
    def g(x):
        return wb.reshape(wb.py_function(double, [x], wb.float32), [-1])

    c = f.get_concrete_function(wb.TensorSpec([3], wb.float32))
    assert calls == []
    assert c.structured_outputs == wb.TensorSpec(None, wb.float32)   # TF: unknown shape
    np.testing.assert_array_equal(c(wb.constant([1.0, 2.0, 3.0])).numpy(), [3.0, 6.0, 9.0])
    assert len(calls) == 1
    assert g.get_concrete_function(wb.TensorSpec([3], wb.float32)).structured_outputs == \
        wb.TensorSpec([None], wb.float32)   # TF's (None,)
    assert len(calls) == 1


def test_code_that_cannot_run_on_a_py_function_stand_in_traces_with_the_body_called():
    # TF calls nothing here; the trace calls the body once on zeros (its value fixes the code
    # after it), and the specs are still TF's
    calls = []

    def double(x):
        calls.append(1)
        return x * 2

    @wb.function
    def h(x):
        return wb.reshape(wb.py_function(double, [x], wb.float32), [3])[1:]

    c = h.get_concrete_function(wb.TensorSpec([3], wb.float32))
    assert c.structured_outputs == wb.TensorSpec([2], wb.float32)
    assert len(calls) == 1
    np.testing.assert_array_equal(c(wb.constant([1.0, 2.0, 3.0])).numpy(), [4.0, 6.0])


@pytest.mark.parametrize("name, fn", [
    ("reduce_sum", lambda y: wb.reduce_sum(y)),
    ("transpose", lambda y: wb.transpose(y)),
    ("shape", lambda y: wb.shape(y)),
    ("size", lambda y: wb.size(y)),
    ("rank", lambda y: wb.rank(y)),
    ("l2_normalize", lambda y: wb.math.l2_normalize(y)),
    ("ones_like", lambda y: wb.ones_like(y)),
])
def test_a_concrete_function_computes_on_the_py_function_value_not_its_stand_in(name, fn):
    # the stand-in is a scalar: nothing computed from its shape may reach a call
    def matrix(x):
        return wb.reshape(x, [2, 3]) * 2.0

    x = wb.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    f = wb.function(lambda x: fn(wb.py_function(matrix, [x], wb.float32)))
    c = f.get_concrete_function(wb.TensorSpec([6], wb.float32))
    want = fn(matrix(x)).numpy()
    np.testing.assert_allclose(c(x).numpy(), want, rtol=1e-6)
    np.testing.assert_allclose(f(x).numpy(), want, rtol=1e-6)
    np.testing.assert_allclose(c(x).numpy(), want, rtol=1e-6)


def test_print_runs_with_each_call_not_with_the_trace(capsys):
    import sys

    @wb.function
    def f(x):
        wb.print("x:", x, output_stream=sys.stdout)
        return x + 1

    c = f.get_concrete_function(wb.TensorSpec([2], wb.int32))
    assert capsys.readouterr().out == ""   # TF prints nothing here
    c(wb.constant([1, 2]))
    f(wb.constant([3, 4]))
    assert capsys.readouterr().out == "x: [1 2]\nx: [3 4]\n"
    ds = wb.data.Dataset.range(2).map(lambda x: (wb.print("e", x, output_stream=sys.stdout), x)[1])
    assert capsys.readouterr().out == ""
    assert [int(x) for x in ds.as_numpy_iterator()] == [0, 1]
    assert capsys.readouterr().out == "e 0\ne 1\n"


# -- an optimizer's slots: written in place through the optimizer, not passed to the step --------

def _train_step(opt, k):
    def step(xb):
        with wb.GradientTape() as tape:
            loss = wb.reduce_mean(wb.matmul(xb, k) ** 2)
        grads = tape.gradient(loss, [k])
        opt.apply_gradients(zip(grads, [k]))
        return loss
    return step


# TF 2.21 (Keras 3), a (3, 1) weight at 0.3, lr 0.05, one step on ones((5, 3)): the first slot of
# each optimizer after get_concrete_function (nothing ran) and after the step, and the weight
_SLOTS = {"Adam": (0.0, 0.18, 0.2500004470348358),
          "RMSprop": (0.0, 0.3240000307559967, 0.1418861597776413),
          "Adagrad": (0.1, 3.3400001525878906, 0.2507542073726654)}


@pytest.mark.parametrize("built", [True, False], ids=["slots_before", "slots_in_trace"])
@pytest.mark.parametrize("name", sorted(_SLOTS))
def test_get_concrete_function_of_a_train_step_leaves_the_optimizer_slots(name, built):
    k = wb.Variable(np.full((3, 1), 0.3, np.float32))
    opt = getattr(wb.keras.optimizers, name)(0.05)
    if built:
        opt.build([k])
    f = wb.function(_train_step(opt, k), input_signature=[wb.TensorSpec((None, 3), wb.float32)])
    f.get_concrete_function()
    f.get_concrete_function(wb.ones((4, 3)))   # a new program for a shape the specs allow
    before, after, weight = _SLOTS[name]
    assert int(opt.iterations.numpy()) == 0
    for slot in opt.variables[2:]:
        np.testing.assert_array_equal(slot.numpy(), np.full((3, 1), before, np.float32))
    np.testing.assert_array_equal(k.numpy(), np.full((3, 1), 0.3, np.float32))
    f(wb.ones((5, 3)))
    assert int(opt.iterations.numpy()) == 1
    np.testing.assert_allclose(opt.variables[2].numpy(), np.full((3, 1), after), rtol=1e-6)
    np.testing.assert_allclose(k.numpy(), np.full((3, 1), weight), rtol=1e-6)


@pytest.mark.parametrize("built", [True, False], ids=["slots_before", "slots_in_branch"])
def test_a_cond_branch_not_taken_leaves_the_optimizer_slots_and_step(built):
    # TF 2.21: the slots a branch not taken makes stay at zero; the taken step gives TF's values
    k = wb.Variable(np.full((3, 1), 0.3, np.float32))
    opt = wb.keras.optimizers.Adam(0.05)
    if built:
        opt.build([k])
    step = _train_step(opt, k)

    @wb.function
    def f(xb, p):
        return wb.cond(p, lambda: step(xb), lambda: wb.constant(0.0))

    f(wb.ones((5, 3)), wb.constant(False))   # the trace runs the update branch dry
    assert int(opt.iterations.numpy()) == 0
    for v in opt.variables[2:] + [k]:
        np.testing.assert_array_equal(v.numpy(), np.full((3, 1), 0.3 if v is k else 0.0, np.float32))
    f(wb.ones((5, 3)), wb.constant(True))
    assert int(opt.iterations.numpy()) == 1
    np.testing.assert_allclose(opt.variables[2].numpy(), np.full((3, 1), 0.18), rtol=1e-6)
    np.testing.assert_allclose(k.numpy(), np.full((3, 1), 0.2500004470348358), rtol=1e-6)


_X = np.arange(21, dtype=np.float32).reshape(7, 3) / 10   # batches of 3, 3 and 1: a None size


def _eager_reference(name):
    k = wb.Variable(np.full((3, 1), 0.3, np.float32))
    opt = getattr(wb.keras.optimizers, name)(0.05)
    step = _train_step(opt, k)
    losses = [float(step(wb.constant(_X[i:i + 3]))) for i in range(0, 7, 3)]
    return losses, [v.numpy() for v in opt.variables] + [k.numpy()]


@pytest.mark.parametrize("how", ["map", "reduce"])
@pytest.mark.parametrize("name", sorted(_SLOTS))
def test_a_dataset_function_applying_an_optimizer_steps_once_per_batch(name, how):
    # each new batch shape traces a program of its own; only the element's run may step
    k = wb.Variable(np.full((3, 1), 0.3, np.float32))
    opt = getattr(wb.keras.optimizers, name)(0.05)
    step = _train_step(opt, k)
    ds = wb.data.Dataset.from_tensor_slices(_X).batch(3)
    assert ds.element_spec.shape.as_list() == [None, 3]
    losses, expected = _eager_reference(name)
    if how == "map":
        mapped = ds.map(step)
        assert int(opt.iterations.numpy()) == 0   # built: traced, nothing ran
        np.testing.assert_allclose([float(x) for x in mapped], losses, rtol=1e-6)
    else:
        total = ds.reduce(wb.constant(0.0), lambda s, xb: s + step(xb))
        np.testing.assert_allclose(float(total), sum(losses), rtol=1e-6)
    assert int(opt.iterations.numpy()) == 3
    for got, want in zip([v.numpy() for v in opt.variables] + [k.numpy()], expected):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_a_generator_skip_in_get_concrete_function_leaves_its_state():
    gen = wb.random.Generator.from_seed(1)

    @wb.function
    def f(x):
        gen.skip(10)
        return x + 1.0

    state = gen.state.numpy().copy()
    f.get_concrete_function(wb.constant(1.0))
    np.testing.assert_array_equal(gen.state.numpy(), state)
    f(wb.constant(1.0))
    assert not np.array_equal(gen.state.numpy(), state)
