"""wb.function: traced programs give the eager results, bit for bit."""

import sys
import warnings

import numpy as np
import pytest

import ragged
import workbench as wb
from workbench.compiler import RetracingWarning, UnreplayableWarning

# a program that silently falls back to eager would hide a tracing gap: fail instead
pytestmark = pytest.mark.filterwarnings("error::workbench.compiler.UnreplayableWarning")


def _same(a, b):
    """Bitwise equality of two nested results."""
    fa, fb = wb.nest.flatten(a), wb.nest.flatten(b)
    assert len(fa) == len(fb)
    for x, y in zip(fa, fb):
        if x is None or y is None:
            assert x is None and y is None
            continue
        x = x.flat_values if hasattr(x, "flat_values") else x
        y = y.flat_values if hasattr(y, "flat_values") else y
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def _twins(make):
    """Two identical worlds (variables, optimizer, model), for an eager and a traced run."""
    wb.random.set_seed(7)
    a = make()
    wb.random.set_seed(7)
    b = make()
    return a, b


def _batches(n, shape, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for _ in range(n)]


def test_training_step_with_adam_matches_eager_bitwise():
    def make():
        model = wb.keras.Sequential([wb.keras.layers.Dense(16, activation="relu"), wb.keras.layers.Dense(3)])
        model(wb.zeros([1, 5]))  # built here, from the same seed
        return model, wb.optimizers.Adam(0.01)

    (m1, o1), (m2, o2) = _twins(make)

    def step(model, opt, x, y):
        with wb.GradientTape() as tape:
            logits = model(x)
            loss = wb.reduce_mean(wb.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    traced = wb.function(step)
    labels = np.array([0, 1, 2, 1, 0, 2, 2, 1], np.int64)
    for x in _batches(6, (8, 5)):
        _same(step(m1, o1, wb.constant(x), wb.constant(labels)),
              traced(m2, o2, wb.constant(x), wb.constant(labels)))
        _same(m1.trainable_variables, m2.trainable_variables)
    # the first call builds Adam's slots, so it is not kept and the second traces (TF 2.21: 2 too)
    assert traced.experimental_get_tracing_count() == 2
    ops = traced.get_concrete_function(m2, o2, wb.constant(x), wb.constant(labels)).ops
    assert "gradient" in ops and "matmul" in ops


def test_op_by_op_equality_with_eager_w1_chain():
    rng = np.random.default_rng(1)
    x = wb.constant(rng.uniform(-0.5, 0.5, 16).astype(np.float32))
    w = wb.constant(rng.uniform(0.9, 1.1, 16).astype(np.float32))

    def step(x, w):
        with wb.GradientTape() as tape:
            tape.watch([x, w])
            y = x
            for _ in range(5):
                y = wb.tanh(y * w + 0.02)
                y = wb.exp(y) - 1.0
                y = wb.sin(y) * 1.05 - 0.02
            loss = wb.reduce_sum(y * w)
        return loss, tape.gradient(loss, [x, w])

    traced = wb.function(step)
    for k in range(3):
        _same(step(x * (1 + k), w), traced(x * (1 + k), w))
    assert traced.experimental_get_tracing_count() == 1


def test_a_first_call_that_builds_layers_runs_eagerly_and_the_next_traces():
    model = wb.keras.layers.Dense(2)
    f = wb.function(lambda x: model(x) * 2.0)
    x = wb.ones([1, 3])
    first = f(x).numpy()
    assert len(model.variables) == 2
    np.testing.assert_array_equal(f(x).numpy(), first)
    np.testing.assert_array_equal(f(x).numpy(), first)
    assert f.experimental_get_tracing_count() == 2


def test_results_do_not_alias_between_calls():
    f = wb.function(lambda x: wb.exp(x) * 2.0)
    a = f(wb.constant([0.0, 1.0]))
    b = f(wb.constant([2.0, 3.0]))
    np.testing.assert_allclose(a.numpy(), 2 * np.exp([0.0, 1.0]), rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), 2 * np.exp([2.0, 3.0]), rtol=1e-6)


def test_retraces_per_shape_dtype_and_python_value_and_reports_it():
    f = wb.function(lambda x, k: x * k)
    f(wb.ones([2]), 2.0)
    f(wb.ones([2]), 2.0)
    assert f.experimental_get_tracing_count() == 1
    f(wb.ones([3]), 2.0)
    f(wb.ones([2], dtype=wb.float64), 2.0)
    f(wb.ones([2]), 3.0)
    assert f.experimental_get_tracing_count() == 4
    np.testing.assert_array_equal(f(wb.ones([2]), 3.0).numpy(), [3.0, 3.0])
    with pytest.warns(RetracingWarning, match="traced 5 times"):
        f(wb.ones([5]), 2.0)


def test_numpy_arguments_are_tensors_in_the_signature():
    f = wb.function(lambda x: wb.reduce_sum(x * x))
    assert float(f(np.array([1.0, 2.0], np.float32))) == 5.0
    assert float(f(np.array([3.0, 4.0], np.float32))) == 25.0
    assert f.experimental_get_tracing_count() == 1


def test_reading_a_value_in_python_runs_eagerly_with_one_warning():
    def f(x):
        if float(wb.reduce_sum(x)) > 0:  # data-dependent Python control flow
            return x * 2.0
        return x * -1.0

    g = wb.function(f)
    with pytest.warns(UnreplayableWarning, match="reads a computed tensor's value"):
        assert g(wb.constant([1.0])).numpy().tolist() == [2.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g(wb.constant([-1.0])).numpy().tolist() == [1.0]  # eager: the other branch


def test_where_instead_of_python_if_is_replayed():
    g = wb.function(lambda x: wb.where(wb.reduce_sum(x) > 0, x * 2.0, x * -1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g(wb.constant([1.0])).numpy().tolist() == [2.0]
        assert g(wb.constant([-1.0])).numpy().tolist() == [1.0]


def test_random_draws_continue_their_ops_streams_like_tf_graph_ops():
    def step(x, normal_seed=None, dropout_seed=None):
        noise = wb.random.normal([3], seed=normal_seed)
        return wb.nn.dropout(x, 0.5, seed=dropout_seed) + noise

    traced = wb.function(step)
    x = wb.ones([3])
    # traced, the ops without a seed take the graph's op seeds 0 and 1 (TF's rule), and each
    # continues its kernel's stream call after call, as the eager ops with those seeds do
    wb.random.set_seed(3)
    eager = [step(x, 0, 1) for _ in range(4)]
    wb.random.set_seed(3)
    replayed = [traced(x) for _ in range(4)]
    for e, r in zip(eager, replayed):
        _same(e, r)
    assert not np.array_equal(replayed[1].numpy(), replayed[2].numpy())


def test_explicit_generator_and_reparameterized_sample_gradients():
    gen1, gen2 = wb.random.Generator.from_seed(5), wb.random.Generator.from_seed(5)
    loc1, loc2 = wb.Variable([0.5, -0.5]), wb.Variable([0.5, -0.5])

    def step(gen, loc):
        with wb.GradientTape() as tape:
            z = loc + gen.normal([2]) * 0.1
            g = gen.gamma([2], alpha=wb.exp(loc))  # implicit reparameterization
            loss = wb.reduce_sum(z * z + g)
        return loss, tape.gradient(loss, loc)

    traced = wb.function(step)
    for _ in range(3):
        _same(step(gen1, loc1), traced(gen2, loc2))


def test_optimizer_minimize_and_metrics_and_variable_updates():
    def make():
        return wb.Variable([1.0, -2.0]), wb.optimizers.SGD(0.1, momentum=0.9), wb.keras.metrics.Mean()

    (v1, o1, m1), (v2, o2, m2) = _twins(make)

    def step(v, opt, metric, x):
        loss_fn = lambda: wb.reduce_sum((v - x) ** 2)  # noqa: E731
        opt.minimize(loss_fn, [v])
        metric.update_state(loss_fn())
        v.assign_add(wb.ones_like(v) * 0.01)
        return metric.result()

    traced = wb.function(step)
    for x in _batches(5, (2,)):
        _same(step(v1, o1, m1, wb.constant(x)), traced(v2, o2, m2, wb.constant(x)))
        _same(v1, v2)
    assert int(o1.iterations) == int(o2.iterations) == 5


def test_persistent_tape_and_jacobian_w7():
    rng = np.random.default_rng(2)
    w = wb.constant(rng.standard_normal((10, 10)).astype(np.float32) * 0.3)

    def jac(x):
        with wb.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = wb.tanh(wb.linalg.matvec(w, x))
            s = wb.reduce_sum(y)
        return tape.jacobian(y, x), tape.gradient(s, x)

    traced = wb.function(jac)
    for x in _batches(3, (10,)):
        _same(jac(wb.constant(x)), traced(wb.constant(x)))


def test_jacobian_is_planned_as_steps(monkeypatch):
    # a first-order jacobian inside wb.function runs as planned steps (no tape walk on replay),
    # bit for bit the eager result: broadcast sums over the rows, several and unconnected sources
    rng = np.random.default_rng(4)
    w = wb.constant(rng.standard_normal((5, 4)).astype(np.float32))

    def jac(x, c, unused):
        with wb.GradientTape() as tape:
            tape.watch([x, c, unused])
            y = wb.tanh(wb.linalg.matvec(w, x) + c) * 2.0
        return tape.jacobian(y, [x, c, unused])

    traced = wb.function(jac)
    args = [wb.constant(rng.standard_normal(4).astype(np.float32)), wb.constant(np.float32(0.3)),
            wb.constant(np.ones(2, np.float32))]
    with pytest.warns(UserWarning):
        first = traced(*args)
    assert first[2] is None

    def no_walk(*a, **k):
        raise AssertionError("the replay walked the tape")
    monkeypatch.setattr(wb.GradientTape, "over", staticmethod(no_walk))
    for x in _batches(3, (4,)):
        args[0] = wb.constant(x)
        got = traced(*args)
        with pytest.warns(UserWarning):
            want = jac(*args)
        assert got[2] is None and want[2] is None
        _same(want[:2], got[:2])
        assert got[0].shape == (5, 4) and got[1].shape == (5,)


def test_nested_tapes_hessian_vector_product():
    rng = np.random.default_rng(3)
    a = wb.constant(rng.standard_normal((6, 6)).astype(np.float64))

    def hvp(x, v):
        with wb.GradientTape() as outer:
            outer.watch(x)
            with wb.GradientTape() as inner:
                inner.watch(x)
                f = wb.reduce_sum(wb.tanh(wb.linalg.matvec(a, x)) ** 2)
            g = inner.gradient(f, x)
            gv = wb.reduce_sum(g * v)
        return outer.gradient(gv, x)

    traced = wb.function(hvp)
    for x, v in zip(_batches(3, (6,), 1), _batches(3, (6,), 2)):
        x, v = wb.constant(x.astype(np.float64)), wb.constant(v.astype(np.float64))
        _same(hvp(x, v), traced(x, v))


def test_custom_gradient_and_recompute_grad():
    @wb.custom_gradient
    def log1pexp(x):
        e = wb.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))
        return wb.math.log(1 + e), grad

    dense = wb.recompute_grad(lambda x: wb.tanh(x) * 3.0)

    def step(x):
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = wb.reduce_sum(log1pexp(x) + dense(x))
        return y, tape.gradient(y, x)

    traced = wb.function(step)
    for x in _batches(3, (4,)):
        _same(step(wb.constant(x)), traced(wb.constant(x)))


def test_ragged_inputs_and_outputs():
    def step(rt, w):
        with wb.GradientTape() as tape:
            tape.watch(w)
            scaled = rt * w
            total = wb.reduce_sum(wb.reduce_sum(scaled, axis=1) ** 2)
        return scaled, tape.gradient(total, w)

    traced = wb.function(step)
    w = wb.constant(1.5)
    rt = ragged.constant([[1.0, 2.0], [3.0], []])
    _same(step(rt, w), traced(rt, w))
    same_rows = ragged.constant([[4.0, 5.0], [6.0], []])
    _same(step(same_rows, w), traced(same_rows, w))
    assert traced.experimental_get_tracing_count() == 1
    other_rows = ragged.constant([[1.0], [2.0, 3.0], []])  # new partition: traced again
    _same(step(other_rows, w), traced(other_rows, w))
    assert traced.experimental_get_tracing_count() == 2


def test_inside_an_outer_tape_the_function_is_differentiable():
    f = wb.function(lambda x: wb.reduce_sum(wb.sin(x) * x))
    x = wb.constant([0.3, 1.2])
    f(x)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    g = tape.gradient(y, x).numpy()
    xs = np.array([0.3, 1.2], np.float32)
    np.testing.assert_allclose(g, np.cos(xs) * xs + np.sin(xs), rtol=1e-6)


def test_summaries_inside_a_function_are_written_every_call(tmp_path):
    from tensorboard.backend.event_processing import event_accumulator

    writer = wb.summary.create_file_writer(str(tmp_path))

    @wb.function
    def step(x, i):
        loss = wb.reduce_sum(x * x)
        wb.summary.scalar("loss", loss, step=i)
        return loss

    with writer.as_default():
        for i in range(4):
            step(wb.constant([float(i)]), wb.constant(i, dtype=wb.int64))
    writer.flush()
    acc = event_accumulator.EventAccumulator(str(tmp_path), size_guidance={"tensors": 0})
    acc.Reload()
    points = [(e.step, float(np.asarray(wb.summary.ops.to_numpy(e.tensor_proto)
                                         if False else _tensor_value(e.tensor_proto))))
              for e in acc.Tensors("loss")]
    assert points == [(0, 0.0), (1, 1.0), (2, 4.0), (3, 9.0)]


def _tensor_value(proto):
    from tensorboard.util import tensor_util
    return tensor_util.make_ndarray(proto)


def test_methods_and_run_functions_eagerly():
    class Model(wb.Module):
        def __init__(self):
            super().__init__()
            self.w = wb.Variable([2.0])
            self.calls = 0

        @wb.function
        def __call__(self, x):
            self.calls += 1  # a Python side effect: runs when traced only
            return x * self.w

    m = Model()
    for _ in range(3):
        assert m(wb.constant([1.0])).numpy().tolist() == [2.0]
    assert m.calls == 1
    wb.config.run_functions_eagerly(True)
    try:
        m(wb.constant([1.0]))
        assert m.calls == 2
    finally:
        wb.config.run_functions_eagerly(False)


def test_traced_intermediates_are_not_valid_outside():
    kept = []

    @wb.function
    def f(x):
        y = x * 2.0
        kept.append(y)
        return y + 1.0

    f(wb.constant([1.0]))
    with pytest.raises(AttributeError, match="^'SymbolicTensor' object has no attribute 'numpy'$"):
        kept[0].numpy()   # TF's error
    with pytest.raises(RuntimeError, match="created inside a wb.function"):
        kept[0] + 1.0


def test_checked_bad_arguments():
    with pytest.raises(TypeError, match="expected a callable"):
        wb.function(3)


def test_objects_in_the_signature_are_kept_alive():
    import gc

    f = wb.function(lambda layer, x: layer(x))
    outputs = []
    for _ in range(3):  # a new layer each time: none may reuse a traced one's program
        layer = wb.keras.layers.Dense(1, kernel_initializer="ones")
        layer(wb.ones([1, 2]))
        layer.kernel.assign([[float(len(outputs) + 1)], [0.0]])
        outputs.append(float(f(layer, wb.ones([1, 2]))[0, 0]))
        del layer
        gc.collect()
    assert outputs == [1.0, 2.0, 3.0]


def test_a_second_tape_after_an_update_in_the_same_trace_replays():
    """A GAN-style step: one tape, an update of a variable, a second tape reading it again. The
    trace maps the variable's new buffer to it, so the step replays (no eager fallback) and
    stays bitwise equal to eager."""
    import warnings

    def make():
        v, w = wb.Variable([1.0, 2.0]), wb.Variable([3.0, 4.0])

        def step():
            with wb.GradientTape() as t:
                loss = wb.reduce_sum(v * w)
            v.assign_sub(0.1 * t.gradient(loss, [v])[0])
            with wb.GradientTape() as t2:
                loss2 = wb.reduce_sum(v * w * v)
            return t2.gradient(loss2, [w])[0]
        return v, step

    v_fn, traced = make()
    v_eager, eager = make()
    traced = wb.function(traced)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # an eager fallback warns: it would fail here
        for _ in range(4):
            np.testing.assert_array_equal(traced().numpy(), eager().numpy())
            np.testing.assert_array_equal(v_fn.numpy(), v_eager.numpy())


def test_python_values_returned_become_tensors_as_in_tf():
    # TF 2.21: tf.function(lambda: 1)() is an int32 tensor; None stays None
    one, nothing, flag = wb.function(lambda x: (1, None, True))(wb.constant(2.0))
    assert isinstance(one, wb.Tensor) and one.dtype == wb.int32 and int(one) == 1
    assert nothing is None and flag.dtype == wb.bool and bool(flag)

    @wb.function(autograph=False)
    def relu(x):
        if wb.greater(x, 0):   # data-dependent, not converted: runs eagerly, its result still a tensor
            return x
        return 0
    with pytest.warns(UnreplayableWarning):
        assert isinstance(relu(wb.constant(-1)), wb.Tensor)


def test_concrete_function_binds_as_tf_does():
    @wb.function
    def power(a, b):
        return a ** b

    square = power.get_concrete_function(a=wb.TensorSpec(None, wb.float32), b=2)
    assert str(square.function_type).startswith(
        "(a: TensorSpec(shape=<unknown>, dtype=wb.float32, name=None), b: Literal[2]) -> TensorSpec(")
    assert float(square(wb.constant(10.0))) == 100.0          # the Python value it was traced with
    assert float(square(wb.constant(3.0), b=2)) == 9.0       # ... given again, the same
    np.testing.assert_array_equal(square(wb.constant([1.0, 2.0])).numpy(), [1.0, 4.0])  # any rank
    with pytest.raises(TypeError, match="do not fit its input signature"):
        square(wb.constant(10.0), b=3)
    with pytest.raises(wb.errors.InvalidArgumentError, match="expected to be a float32 tensor"):
        square(wb.constant(10))                               # another dtype: TF's kernel refuses it

    class Model:
        weight = 2.0

    def evaluate(model, x):
        return model.weight * x
    model = Model()
    concrete = wb.function(evaluate).get_concrete_function(model, wb.constant(10.0))
    assert float(concrete(wb.constant(10.0))) == 20.0         # tensors alone: the model is fixed
    assert float(concrete(model, wb.constant(1.0))) == 2.0
    with pytest.raises(TypeError, match="do not fit"):
        concrete(Model(), wb.constant(1.0))                   # another object than it was traced with


def test_a_returned_tensor_kept_in_python_is_out_of_scope_after_the_call():
    leaked = []

    @wb.function
    def f(a):
        y = a + 1
        leaked.append(y)
        return y
    assert int(f(wb.constant(1))) == 2 and int(f(wb.constant(2))) == 3
    for t in leaked:
        with pytest.raises(AttributeError, match="'SymbolicTensor' object has no attribute 'numpy'"):
            t.numpy()

    @wb.function
    def uses_leaked(b):
        return b + leaked[0]
    with pytest.raises(TypeError, match="out of scope"):
        uses_leaked(wb.constant(2))


def test_recursion_on_the_same_signature_while_tracing_is_refused():
    @wb.function
    def recursive(n):
        if n > 0:
            return recursive(n - 1)
        return 1
    with pytest.raises(RecursionError, match="calls itself"):
        recursive(wb.constant(5))

    traced = []

    @wb.function
    def on_python_values(n):
        traced.append(n)
        return on_python_values(n - 1) if n > 0 else 1
    assert int(on_python_values(3)) == 1 and traced == [3, 2, 1, 0]


def test_concrete_function_graph_lists_its_steps_as_nodes():
    w = wb.Variable(2.0, name="w")

    @wb.function
    def f(x):
        return wb.matmul(x, x) * w

    graph = f.get_concrete_function(wb.ones([2, 2])).graph
    nodes = graph.as_graph_def().node
    assert [(n.name, n.op, n.input) for n in nodes] == [
        ("x", "Placeholder", []), ("matmul", "matmul", ["x", "x"]), ("w", "VarHandleOp", []),
        ("multiply", "multiply", ["matmul", "w"]), ("Identity", "Identity", ["multiply"])]
    assert graph.inputs == ["x"] and graph.outputs == ["Identity"]
    assert 'op: "Placeholder"' in str(graph.as_graph_def())


def test_trace_type_protocol_keys_traces_by_the_objects_trace_type():
    traces = []

    class KindType(wb.types.experimental.TraceType):
        def __init__(self, obj):
            self.kind, self.obj = type(obj), obj

        def is_subtype_of(self, other):
            return self == other

        def most_specific_common_supertype(self, others):
            return self if all(self == o for o in others) else None

        def placeholder_value(self, placeholder_context=None):
            return self.obj

        def __eq__(self, other):
            return type(other) is KindType and other.kind is self.kind

        def __hash__(self):
            return hash(self.kind)

    class Fruit:
        def __tf_tracing_type__(self, context):
            return KindType(self)

    class Apple(Fruit):
        flavor = wb.constant([1, 2])

    class Mango(Fruit):
        flavor = wb.constant([3, 4])

    @wb.function
    def mix(a, b):
        traces.append(1)
        return a.flavor + b.flavor
    for _ in range(3):
        np.testing.assert_array_equal(mix(Apple(), Mango()).numpy(), [4, 6])
    assert len(traces) == 1 and mix.experimental_get_tracing_count() == 1   # new objects, one trace
    mix(Mango(), Mango())
    assert mix.experimental_get_tracing_count() == 2


def test_autograph_names_without_a_rewrite():
    def f(x):
        return x + 1
    assert wb.autograph.to_code(f) == "def f(x):\n    return x + 1\n"
    assert wb.autograph.to_code(wb.function(f)).startswith("def f(x):")
    assert wb.autograph.experimental.do_not_convert(f) is f
    with pytest.raises(TypeError, match="entity must be a function"):
        wb.autograph.to_code(3)
    with pytest.raises(ValueError, match="level must be an int"):
        wb.autograph.set_verbosity(-1)


def test_string_tensors_add_and_a_concrete_function_refuses_another_dtype():
    @wb.function
    def double(a):
        return a + a
    strings = double.get_concrete_function(wb.TensorSpec(shape=[], dtype=wb.string))
    assert strings(wb.constant("c")).numpy() == b"cc" and strings("b").numpy() == b"bb"
    np.testing.assert_array_equal(wb.add(wb.constant(["a", "bc"]), wb.constant("x")).numpy(),
                                  np.array([b"ax", b"bcx"], dtype=object))
    with pytest.raises(wb.errors.InvalidArgumentError, match="expected to be a string tensor but is a int32"):
        strings(wb.constant(1))
    with pytest.raises(TypeError, match="same dtype"):
        wb.constant("a") + wb.constant(1.0)


def test_inference_fn_takes_the_flat_tensor_inputs():
    @wb.function
    def scale(x, k):
        return x * k
    atomic = scale.get_concrete_function(wb.constant([1.0, 2.0]), 3.0).inference_fn
    np.testing.assert_array_equal(atomic(wb.constant([2.0, 4.0])).numpy(), [6.0, 12.0])
    with pytest.raises(TypeError, match="expected 1 tensor inputs, got 2"):
        atomic(wb.constant([1.0, 2.0]), wb.constant(3.0))


def test_an_optimizer_building_slots_on_a_later_trace_is_refused_as_in_tf():
    w = wb.Variable(2.0)

    @wb.function
    def step(x, optimizer):
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(w * x)
        optimizer.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
    first = wb.optimizers.Adam(0.01)
    for _ in range(3):
        step(wb.constant(1.0), first)
    assert step.experimental_get_tracing_count() == 2   # the first call built the slots
    with pytest.raises(ValueError, match="singleton tf.Variables created on the first call"):
        step(wb.constant(1.0), wb.optimizers.Adam(0.001))   # a new trace that creates variables


def test_a_decorated_method_has_a_function_per_instance():
    class Step(wb.Module):
        def __init__(self, optimizer):
            super().__init__()
            self.optimizer = optimizer

        @wb.function
        def __call__(self, w, x):
            with wb.GradientTape() as tape:
                loss = wb.reduce_sum(w * x)
            self.optimizer.apply_gradients(zip(tape.gradient(loss, [w]), [w]))

    w, x = wb.Variable(2.0), wb.constant(1.0)
    a, b = Step(wb.optimizers.Adam(0.01)), Step(wb.optimizers.Adam(0.001))
    a(w, x)
    b(w, x)      # its own first call builds its optimizer's slots: allowed, as in TF
    a(w, x)
    # TF 2.21: 2 and 2 (a first call that builds variables traces twice, at once)
    assert a.__call__.experimental_get_tracing_count() == 2 and b.__call__.experimental_get_tracing_count() == 2
    assert a.__call__._function is not b.__call__._function


def test_a_returned_variable_gives_its_value_and_signatures_print_containers_as_tf():
    v = wb.Variable(1)
    bump = wb.function(lambda: v.assign_add(1))
    first, second = bump(), bump()
    assert type(first) is wb.Tensor and (int(first), int(second), int(v)) == (2, 3, 3)

    @wb.function
    def h(x, d, t):
        return x
    h([1, -1], {"a": 1, "b": wb.constant(1.0)}, (wb.constant([1.0]), 2))
    text = h.pretty_printed_concrete_signatures()
    assert "  x (POSITIONAL_OR_KEYWORD): List[Literal[1], Literal[-1]]" in text
    assert "  d (POSITIONAL_OR_KEYWORD): Dict[['a', Literal[1]], ['b', TensorSpec(shape=(), dtype=wb.float32, " \
           "name=None)]]" in text
    assert "  t (POSITIONAL_OR_KEYWORD): Tuple[TensorSpec(shape=(1,), dtype=wb.float32, name=None), Literal[2]]" in text
    assert "Output Type:\n  List[TensorSpec(shape=(), dtype=wb.int32, name=None), TensorSpec(shape=(), " \
           "dtype=wb.int32, name=None)]" in text


def test_tracing_prints_symbolic_arguments_once_per_trace_as_tf(capsys):
    @wb.function(input_signature=(wb.TensorSpec(shape=[None], dtype=wb.int32),))
    def g(x):
        print("Tracing with", x)
        wb.print("Executing", output_stream=sys.stdout)
        return x
    for n in (3, 5, 7):
        g(wb.range(n))
    out = capsys.readouterr().out
    # one trace (TF's), though each new length records a program; wb.print runs every call
    assert out == 'Tracing with Tensor("x:0", shape=(None,), dtype=int32)\n' + "Executing\n" * 3

    @wb.function
    def formatted(x):
        print(f"{x}")               # no read of the value: the function stays replayable
        return x + 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        formatted(wb.constant(1.5))
    assert capsys.readouterr().out == 'Tensor("x:0", shape=(), dtype=float32)\n'

    @wb.function
    def k(pair):
        print(pair, repr(pair[0]) == "<wb.Tensor 'pair:0' shape=() dtype=int32>")
        return pair[0]
    result = k([wb.constant(1), wb.constant(2.0)])
    assert type(result) is wb.Tensor and int(result) == 1
    assert capsys.readouterr().out == ("[<wb.Tensor 'pair:0' shape=() dtype=int32>, "
                                       "<wb.Tensor 'pair_1:0' shape=() dtype=float32>] True\n")

    @wb.function
    def steps(n):
        print("Tracing")
        total = wb.constant(0)
        for i in wb.range(n):      # AutoGraph: a wb.while_loop, traced once and replayed
            total += i
        return total
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        assert int(steps(wb.constant(4))) == 6
        assert int(steps(wb.constant(5))) == 10
    assert capsys.readouterr().out == "Tracing\n"


def test_a_variable_created_on_every_call_raises_on_the_first_as_tf():
    @wb.function
    def f(x):
        return wb.Variable(1.0) * x     # nothing keeps it: every trace would create one
    with pytest.raises(ValueError, match="singleton tf.Variables created on the first call"):
        f(1.0)

    class Count(wb.Module):
        def __init__(self):
            super().__init__()
            self.count = None

        @wb.function
        def __call__(self):
            if self.count is None:      # kept by the module: created once
                self.count = wb.Variable(0)
            return self.count.assign_add(1)
    c = Count()
    assert [int(c()) for _ in range(3)] == [1, 2, 3]


def test_a_returned_variable_is_read_where_a_tape_sees_it():
    v = wb.Variable(3.0)
    g = wb.function(lambda: v)
    with wb.GradientTape() as tape:
        y = g() * 2.0
    assert float(tape.gradient(y, v)) == 2.0
    first = g()
    v.assign_add(1.0)
    assert float(first) == 3.0 and float(g()) == 4.0
