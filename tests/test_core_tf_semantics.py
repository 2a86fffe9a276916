"""TF 2.21's core semantics that the workbench follows: variables' synchronization and
aggregation modes, the static shapes a ``wb.function`` trace sees under an input signature,
and the examples of TF's docstrings for the top-level names (Tensor shapes, specs, ragged
tensors, control flow). The expected values were read from TF 2.21."""

import numpy as np
import pytest

import workbench as wb


# -- Variable(synchronization=, aggregation=) --------------------------------------------
def test_variable_modes_default_as_tf():
    v = wb.Variable(1.0)
    assert v.synchronization is wb.VariableSynchronization.AUTO
    # TF reports TF 1's enum for the default, equal to TF 2's member
    assert v.aggregation == wb.VariableAggregation.NONE
    assert repr(v.aggregation) == "<VariableAggregation.NONE: 0>"
    assert v.trainable is True


def test_variable_on_read_is_not_trainable_unless_asked():
    S, A = wb.VariableSynchronization, wb.VariableAggregation
    v = wb.Variable(1.0, synchronization=S.ON_READ, aggregation=A.MEAN)
    assert (v.synchronization, v.aggregation, v.trainable) == (S.ON_READ, A.MEAN, False)
    v = wb.Variable(1.0, synchronization=S.ON_READ, trainable=True)   # TF keeps the explicit choice
    assert v.trainable is True
    # the enums' values are accepted too (TF converts them)
    v = wb.Variable([1.0], synchronization=3, aggregation=1)
    assert v.synchronization is S.ON_READ and v.aggregation is A.SUM and v.trainable is False
    # the result of an assignment is the same variable, modes included
    u = v.assign([2.0])
    assert u.synchronization is S.ON_READ and u.aggregation is A.SUM


def test_variable_aggregation_enums_as_tf():
    A = wb.VariableAggregation
    assert [repr(a) for a in A] == ["<VariableAggregationV2.NONE: 0>", "<VariableAggregationV2.SUM: 1>",
                                    "<VariableAggregationV2.MEAN: 2>",
                                    "<VariableAggregationV2.ONLY_FIRST_REPLICA: 3>"]
    assert [s.name for s in wb.VariableSynchronization] == ["AUTO", "NONE", "ON_WRITE", "ON_READ"]
    from workbench.core import VariableAggregation as V1
    assert V1.ONLY_FIRST_TOWER is V1.ONLY_FIRST_REPLICA
    assert V1.MEAN == A.MEAN and A.MEAN == V1.MEAN and hash(A.MEAN) == hash(V1.MEAN) == 2
    assert A.MEAN != A.SUM and A.MEAN != 2      # not an IntEnum, as TF's
    # the old import path names the same enums
    from workbench.ops import tf_extra
    assert tf_extra.VariableAggregation is A and tf_extra.VariableSynchronization is wb.VariableSynchronization


@pytest.mark.parametrize("kw, msg", [
    (dict(synchronization="x"), "Invalid variable synchronization mode: x for variable: None"),
    (dict(synchronization=7), "Invalid variable synchronization mode: 7 for variable: None"),
    (dict(aggregation="sum"), "Invalid variable aggregation mode: sum for variable: None"),
])
def test_variable_bad_modes_raise_tf_errors(kw, msg):
    with pytest.raises(ValueError) as e:
        wb.Variable(1.0, **kw)
    assert str(e.value) == msg


def test_variable_sync_none_refused_under_a_strategy():
    with wb.distribute.MirroredStrategy().scope():
        with pytest.raises(ValueError, match="`NONE` variable synchronization mode is not supported with "
                                             "tf.distribute strategy"):
            wb.Variable(1.0, synchronization=wb.VariableSynchronization.NONE, name="v")
        v = wb.Variable(1.0, synchronization=wb.VariableSynchronization.ON_READ)
        assert v.trainable is False


# -- static shapes while a wb.function traces ---------------------------------------------
def test_traced_argument_shows_the_signature_static_shape():
    seen = []

    @wb.function(input_signature=[wb.TensorSpec([None, 3])])
    def f(x):
        seen.append((tuple(x.shape), tuple(x.get_shape()), x.ndim, x.shape[0]))
        # the library computes with the traced sizes (each new size records its program)
        seen.append(tuple(wb.shape(x).shape))
        return x * 2

    np.testing.assert_array_equal(f(wb.ones([2, 3])).numpy(), np.full((2, 3), 2.0))
    np.testing.assert_array_equal(f(wb.ones([4, 3])).numpy(), np.full((4, 3), 2.0))
    assert seen[0] == ((None, 3), (None, 3), 2, None)   # TF 2.21: (None, 3), (None, 3), 2, None
    assert tuple(seen[1]) == (2,)


def test_traced_argument_of_unknown_rank():
    seen = []

    @wb.function(input_signature=[wb.TensorSpec(None)])
    def g(x):
        seen.append((str(x.shape), x.shape.rank, x.ndim))
        return wb.reduce_sum(x)

    assert float(g(wb.ones([2, 3]))) == 6.0
    assert seen[0] == ("<unknown>", None, -1)   # TF 2.21's ndim of an unknown rank is -1


def test_relaxed_trace_shows_none_for_the_relaxed_size():
    seen = []

    @wb.function(reduce_retracing=True)
    def h(x):
        seen.append(tuple(x.shape))
        return x + 1

    for n in (2, 3, 4):
        np.testing.assert_array_equal(h(wb.ones([n])).numpy(), np.full(n, 2.0))
    # TF 2.21 traces twice: (2,), then (None,); here the Python body runs again for each new
    # size the relaxed trace serves (its prints silenced), seeing the same static shape
    assert seen[:2] == [(2,), (None,)] and set(seen[1:]) == {(None,)}


def test_concrete_function_of_a_string_spec_traces_with_strings():
    seen = []

    @wb.function
    def s(x):
        seen.append((str(x), tuple(x.shape)))
        return wb.strings.length(x)

    c = s.get_concrete_function(wb.TensorSpec([], wb.string))
    assert int(c(wb.constant("abc"))) == 3
    c = s.get_concrete_function(wb.TensorSpec([None], wb.string))
    np.testing.assert_array_equal(c(wb.constant(["abc", "de"])).numpy(), [3, 2])
    # (the body runs again for the new size 2: the same static view)
    assert sorted(set(seen)) == [('Tensor("x:0", shape=(), dtype=string)', ()),
                    ('Tensor("x:0", shape=(None,), dtype=string)', (None,))]
    ragged = s.get_concrete_function(wb.RaggedTensorSpec([None, None], wb.string))
    assert ragged(wb.ragged.constant([["abc"], ["de", "f"]])).to_list() == [[3], [2, 1]]


def test_static_shapes_follow_ops_ensure_shape_and_set_shape_in_a_trace():
    seen = {}

    @wb.function
    def f(a, b):
        r = a @ b
        seen["ops"] = (tuple(r.shape), tuple(wb.reduce_sum(r, axis=1).shape), tuple((a + 1.0).shape),
                       tuple(wb.transpose(a).shape), tuple(wb.ensure_shape(a, [None, 3]).shape))
        errors = []
        for shape in ([5, 4], [None, 4, 1]):
            with pytest.raises(ValueError) as e:
                a.set_shape(shape)
            errors.append(str(e.value))
        seen["errors"] = errors
        a.set_shape([2, None])
        seen["set"] = (tuple(a.shape), tuple((a * 2.0).shape))
        return r

    c = f.get_concrete_function(wb.TensorSpec([None, 3]), wb.TensorSpec([3, 5]))
    # TF 2.21's static shapes and graph-mode errors
    assert seen["ops"] == ((None, 5), (None,), (None, 3), (3, None), (None, 3))
    assert seen["errors"] == ["Dimension 1 in both shapes must be equal, but are 3 and 4. Shapes are [?,3] "
                              "and [5,4].", "Shapes must be equal rank, but are 2 and 3"]
    assert seen["set"] == ((2, 3), (2, 3))
    np.testing.assert_array_equal(c(wb.ones([4, 3]), wb.ones([3, 5])).numpy(), np.full((4, 5), 3.0))
    # the results are plain tensors again once the trace ends
    out = f(wb.ones([2, 3]), wb.ones([3, 5]))
    assert type(out) is wb.Tensor and out.shape == (2, 5)


def test_ensure_shape_refines_a_traced_argument():
    seen = []

    @wb.function
    def f(tensor):
        seen.append(tuple(tensor.shape))
        tensor = wb.ensure_shape(tensor, [None, 3])
        seen.append(tuple(tensor.shape))
        return tensor

    cf = f.get_concrete_function(wb.TensorSpec([None, 3]))
    cf(wb.zeros([3, 3]))
    assert seen[:2] == [(None, 3), (None, 3)]
    seen.clear()
    f.get_concrete_function(wb.TensorSpec([None, None]))   # traced with a 1 x 1 stand-in
    seen.clear()

    @wb.function(input_signature=[wb.TensorSpec([2, None])])
    def g(t):
        seen.append(tuple(wb.ensure_shape(t, [None, 4]).shape))
        return t

    g(wb.zeros([2, 4]))
    assert seen == [(2, 4)]


def test_unstack_needs_a_known_size_in_a_trace():
    @wb.function(input_signature=[wb.TensorSpec([None], wb.float32)])
    def bad(t):
        return wb.unstack(t)[0]

    with pytest.raises(ValueError, match=r"Cannot infer argument `num` from shape \(None,\)"):
        bad(wb.constant([1.0, 2.0, 3.0]))

    @wb.function(input_signature=[wb.TensorSpec([None, 2], wb.float32)])
    def good(t):
        rows = [r for r in t]          # iteration unstacks the traced rows
        return rows[0] + wb.unstack(t, num=3)[1]

    np.testing.assert_array_equal(good(wb.ones([3, 2])).numpy(), [2.0, 2.0])


def test_constant_of_a_tensor_is_that_tensor_and_keeps_gradients():
    t = wb.constant([1.0, 2.0])
    assert wb.constant(t) is t and wb.constant(t, dtype=wb.float32) is t
    v = wb.Variable([0.0])
    with wb.GradientTape() as g:
        loss = wb.constant(v + v)
    np.testing.assert_array_equal(g.gradient(loss, v).numpy(), [2.0])   # TF 2.21: [2.]
    with wb.GradientTape() as g:
        loss = wb.constant(v) * 3.0
    with pytest.warns(Warning):
        assert g.gradient(loss, v) is None   # TF 2.21: a constant of the variable's value
    assert wb.constant(t, shape=[2, 1]).shape == (2, 1)


def test_gather_of_one_string_gives_bytes():
    params = wb.constant(["p0", "p1", "p2", "p3"])
    assert repr(wb.gather(params, 3).numpy()) == "b'p3'"   # TF 2.21: b'p3'
    assert wb.gather(params, [3, 0]).numpy().tolist() == [b"p3", b"p0"]


# -- py_function / numpy_function -----------------------------------------------------------
def test_numpy_function_passes_arrays_not_numpy_scalars(capsys):
    seen = []

    def func(x):
        seen.append(x)
        return np.sinh(x)

    out = wb.numpy_function(func, [wb.constant(1.0)], wb.float32)
    assert type(seen[0]) is np.ndarray and seen[0].shape == () and seen[0].dtype == np.float32
    assert repr(seen[0]) == "array(1., dtype=float32)"   # TF 2.21 prints x=array(1., dtype=float32)
    np.testing.assert_allclose(out.numpy(), np.sinh(np.float32(1.0)))


def test_function_under_a_tape_prints_once_and_its_py_function_each_call(capsys):
    @wb.py_function(Tout=wb.float32)
    def square(x):
        print("Running with eager execution.")
        return x ** 2

    @wb.function
    def wrapper(x):
        print("Tracing.")
        return square(x)

    x = wb.constant(1.0)
    wrapper(x)
    wrapper(x)
    with wb.GradientTape() as t:
        t.watch(x)
        y = wrapper(x)
    assert float(t.gradient(y, x)) == 2.0
    # TF 2.21: the trace prints once; the py_function prints on every call
    assert capsys.readouterr().out.split("\n") == [
        "Tracing.", "Running with eager execution.", "Running with eager execution.",
        "Running with eager execution.", ""]


# -- wb.function: leaked tensors, graphs --------------------------------------------------------
def test_a_leaked_traced_tensor_prints_and_refuses_its_value():
    kept = []

    @wb.function
    def f(x):
        y = x * 2
        kept.append(y)     # TF: a symbolic tensor kept past the trace
        return y + 1

    f(wb.ones([2]))
    f(wb.ones([2]))
    assert repr(kept[0]) == str(kept[0]) == "<wb.Tensor: created inside a wb.function, out of scope>"
    with pytest.raises(AttributeError, match="'SymbolicTensor' object has no attribute 'numpy'"):
        kept[0].numpy()


def test_concrete_function_graph_is_a_graph():
    f = wb.function(lambda x: x + 1)
    assert isinstance(f.get_concrete_function(1).graph, wb.Graph)   # TF 2.21: True
    with pytest.raises(NotImplementedError, match="wb.function"):
        wb.Graph().as_default()


# -- map_fn over SparseTensors ----------------------------------------------------------------
def test_map_fn_over_sparse_rows_as_tf():
    st = wb.sparse.SparseTensor([[0, 0], [2, 0], [2, 1]], [2, 3, 4], [4, 4])
    out = wb.map_fn(wb.sparse.reduce_sum, st, fn_output_signature=wb.int32)
    assert out.dtype == wb.int32 and out.numpy().tolist() == [2, 0, 7, 0]   # TF 2.21
    same = wb.map_fn(lambda s: s, st)                                       # sparse in, sparse out
    assert same.dense_shape.numpy().tolist() == [4, 4]
    assert same.indices.numpy().tolist() == [[0, 0], [2, 0], [2, 1]] and same.values.numpy().tolist() == [2, 3, 4]


def test_map_fn_to_sparse_results_takes_the_largest_shape():
    out = wb.map_fn(wb.sparse.eye, wb.constant([2, 3]), fn_output_signature=wb.SparseTensorSpec(None, wb.float32))
    # TF 2.21: dense_shape [2, 3, 3], indices [[0,0,0],[0,1,1],[1,0,0],[1,1,1],[1,2,2]]
    assert out.dense_shape.numpy().tolist() == [2, 3, 3]
    assert out.indices.numpy().tolist() == [[0, 0, 0], [0, 1, 1], [1, 0, 0], [1, 1, 1], [1, 2, 2]]
    np.testing.assert_array_equal(wb.sparse.to_dense(out).numpy(), [np.eye(3) * [1, 1, 0], np.eye(3)])
    with pytest.raises(ValueError, match="expects a SparseTensor"):
        wb.map_fn(lambda n: wb.ones([n]), wb.constant([2, 3]), fn_output_signature=wb.SparseTensorSpec(None, wb.float32))


def test_map_fn_over_sparse_rows_differentiates_the_values():
    values = wb.constant([2.0, 3.0, 4.0], dtype=wb.float64)
    with wb.GradientTape() as tape:
        tape.watch(values)
        st = wb.sparse.SparseTensor([[0, 0], [2, 0], [2, 1]], values, [3, 2])
        rows = wb.map_fn(lambda s: wb.reduce_sum(s.values * s.values), st, fn_output_signature=wb.float64)
        loss = wb.reduce_sum(rows * wb.constant([1.0, 2.0, 3.0], dtype=wb.float64))
    # d/dv of sum_i w_row(i) v_i^2 = 2 w v: rows 0, 2, 2
    np.testing.assert_allclose(tape.gradient(loss, values).numpy(), [4.0, 18.0, 24.0])


def test_static_shapes_of_slices_concat_and_tile_in_a_trace():
    seen = []

    @wb.function
    def f(x):
        seen.append([tuple(t.shape) for t in (
            x[:, 0], x[0], x[1:, :2], x[..., None], x[None, :, 1:], wb.concat([x, x], 0),
            wb.concat([x, x], 1), wb.tile(x, [2, 1]), x[:, -1:])])
        return x

    f.get_concrete_function(wb.TensorSpec([None, 3]))
    # TF 2.21's static shapes
    assert seen[0] == [(None,), (3,), (None, 2), (None, 3, 1), (1, None, 2), (None, 3), (None, 6), (None, 3),
                       (None, 1)]


def test_function_first_called_under_a_tape_prints_its_trace_once(capsys):
    @wb.function
    def f(x):
        print("Tracing.")
        return x * x

    x = wb.constant(3.0)
    for _ in range(3):
        with wb.GradientTape() as t:
            t.watch(x)
            y = f(x)
        assert float(t.gradient(y, x)) == 6.0
    f(x)
    assert capsys.readouterr().out == "Tracing.\n"   # TF 2.21 traces once


# -- tf.Module.name_scope --------------------------------------------------------------------
def test_module_name_scope_names_variables_as_tf():
    class MLP(wb.Module):
        def __init__(self):
            super().__init__(name="mlp")
            with self.name_scope:
                self.b = wb.Variable(1.0, name="b")
                self.c = wb.Variable(1.0)
                with wb.name_scope("x"):
                    self.d = wb.Variable(1.0, name="d")
            self.e = wb.Variable(1.0, name="e")

        @wb.Module.with_name_scope
        def __call__(self):
            self.f = wb.Variable(1.0, name="f")
            return self.f

    m = MLP()
    m()
    # TF 2.21's names
    assert [v.name for v in (m.b, m.c, m.d, m.e, m.f)] == ["mlp/b:0", "mlp/Variable:0", "mlp/x/d:0", "e:0", "mlp/f:0"]
    assert m.name_scope.name == "mlp/"
    with m.name_scope as scope:
        assert scope == "mlp/"

    class Outer(wb.Module):
        def __init__(self):
            super().__init__()
            with self.name_scope:
                self.inner = MLP()

    o = Outer()
    assert [v.name for v in o.inner.variables] == ["outer/mlp/b:0", "outer/mlp/Variable:0", "outer/mlp/x/d:0",
                                                    "outer/e:0"]
    with wb.name_scope("top"):
        m2 = MLP()
    assert m2.b.name == "top/mlp/b:0" and m2.name_scope.name == "top/mlp/"
    assert wb.Variable(1.0, name="w").name == "w:0"   # the scopes closed


def test_module_scoped_name_is_not_prefixed_again():
    class Kid(wb.Module):
        def __init__(self):
            super().__init__(name="kid")
            with self.name_scope:
                self.w = wb.Variable(1.0, name=self.scoped_name("w"))

    assert Kid().w.name == "kid/w:0" and wb.Module.scoped_name("w") == "w"


def test_keras_weights_keep_their_paths_inside_module_scopes():
    m = wb.keras.Sequential([wb.keras.layers.Dense(2), wb.keras.layers.Dense(1)])
    m.build((None, 3))
    assert [v.path for v in m.variables][:2] == [f"{m.name}/{m.layers[0].name}/kernel", f"{m.name}/{m.layers[0].name}/bias"]
    assert [v.name for v in m.variables] == ["kernel", "bias", "kernel", "bias"]


# -- small ones: Tensor.device, IndexedSlices' repr, strategies' synchronization, compat.v1 -------
def test_tensor_device_is_tfs_string_and_still_a_device():
    from workbench.backend import Device
    t = wb.constant([1.0])
    assert t.device == "/job:localhost/replica:0/task:0/device:CPU:0"   # TF 2.21's
    assert repr(t.device) == "'/job:localhost/replica:0/task:0/device:CPU:0'" and isinstance(t.device, str)
    assert wb.Variable(1.0).device == "/job:localhost/replica:0/task:0/device:CPU:0"
    # the library's uses: a Device's kind and index, equal to it and to the names of it
    assert t.device.kind == "cpu" and t.device.index == 0 and t.device.xp is np
    assert t.device == Device("cpu") and Device("cpu") == t.device and t.device == "cpu"
    assert t.device != "gpu:0" and t.device != "elsewhere" and hash(t.device) == hash(Device("cpu"))
    assert wb.constant(1.0) + wb.constant(2.0) == 3.0 and (t * 2).device == t.device


def test_indexed_slices_repr_is_the_default_object_repr_as_tf():
    s = wb.IndexedSlices(wb.constant([1.0]), wb.constant([0]), wb.constant([3]))
    assert repr(s).startswith("<workbench.sparse.indexed_slices.IndexedSlices object at 0x")
    assert str(s) == ("IndexedSlices(indices=wb.Tensor([0], shape=(1,), dtype=int32), values=wb.Tensor([1.], "
                      "shape=(1,), dtype=float32), dense_shape=wb.Tensor([3], shape=(1,), dtype=int32))")


def test_mirroring_strategies_make_variables_sync_on_write_as_tf():
    from workbench.distribute.collectives import LocalCollectives
    sync = wb.VariableSynchronization
    cases = [(wb.distribute.MirroredStrategy(), sync.ON_WRITE), (wb.distribute.OneDeviceStrategy("/cpu:0"), sync.AUTO),
             (wb.distribute.get_strategy(), sync.AUTO),
             (wb.distribute.MultiWorkerMirroredStrategy(collectives=LocalCollectives()), sync.ON_WRITE)]
    for strategy, want in cases:   # TF 2.21's reports
        with strategy.scope():
            v = wb.Variable(1.0)
            r = wb.Variable(1.0, synchronization=sync.ON_READ, aggregation=wb.VariableAggregation.SUM)
        assert v.synchronization is want and v.aggregation == wb.VariableAggregation.NONE
        assert r.synchronization is sync.ON_READ
    assert wb.Variable(1.0).synchronization is sync.AUTO


def test_compat_v1_variable_aggregation_is_tf1s_enum():
    from workbench import core
    agg = wb.compat.v1.VariableAggregation
    assert agg is core.VariableAggregation and agg is not wb.VariableAggregation
    assert agg.ONLY_FIRST_TOWER is agg.ONLY_FIRST_REPLICA and agg.SUM == wb.VariableAggregation.SUM
    assert [m.name for m in agg] == ["NONE", "SUM", "MEAN", "ONLY_FIRST_REPLICA"]


# -- static shapes of shape ops in a trace with open sizes -------------------------------------
def test_static_shapes_of_reshape_expand_squeeze_stack_gather_and_masks_in_a_trace():
    cases = [
        ("reshape1", lambda x, i, m: wb.reshape(x, [-1]), [None]),
        ("reshape2", lambda x, i, m: wb.reshape(x, [-1, 3]), [None, 3]),
        ("reshape3", lambda x, i, m: wb.reshape(x, [3, -1]), [3, None]),
        ("expand0", lambda x, i, m: wb.expand_dims(x, 0), [1, None, 3]),
        ("expandm1", lambda x, i, m: wb.expand_dims(x, -1), [None, 3, 1]),
        ("expand1", lambda x, i, m: wb.expand_dims(x, 1), [None, 1, 3]),
        ("squeeze", lambda x, i, m: wb.squeeze(x[:, :1], 1), [None]),
        ("squeezeall", lambda x, i, m: wb.squeeze(wb.expand_dims(x, 0)), None),
        ("stack0", lambda x, i, m: wb.stack([x, x]), [2, None, 3]),
        ("stack1", lambda x, i, m: wb.stack([x, x], axis=1), [None, 2, 3]),
        ("stack_m1", lambda x, i, m: wb.stack([x, x], -1), [None, 3, 2]),
        ("unstack_ax1", lambda x, i, m: wb.unstack(x, axis=1)[0], [None]),
        ("gather0", lambda x, i, m: wb.gather(x, [0, 0]), [2, 3]),
        ("gather1", lambda x, i, m: wb.gather(x, [0, 1], axis=1), [None, 2]),
        ("gather_i", lambda x, i, m: wb.gather(x, i), [None, 3]),
        ("gather_i1", lambda x, i, m: wb.gather(x, i, axis=1), [None, None]),
        ("bmask", lambda x, i, m: wb.boolean_mask(x, m), [None, 3]),
        ("bmask_row", lambda x, i, m: wb.boolean_mask(x[:, 0], m), [None]),
        ("sort", lambda x, i, m: wb.sort(x), [None, 3]),
        ("top", lambda x, i, m: wb.math.top_k(x, 2).values, [None, 2]),
        ("pad", lambda x, i, m: wb.pad(x, [[1, 1], [0, 2]]), [None, 5]),
        ("onehot", lambda x, i, m: wb.one_hot(i, 4), [None, 4]),
        ("onehot0", lambda x, i, m: wb.one_hot(i, 4, axis=0), [4, None]),
    ]
    specs = (wb.TensorSpec([None, 3]), wb.TensorSpec([None], wb.int32), wb.TensorSpec([None], wb.bool))
    for name, fn, want in cases:   # TF 2.21's shapes, in the trace and in the output spec
        seen = []

        def g(x, i, m, fn=fn):
            out = fn(x, i, m)
            seen.append(out.shape.as_list() if out.shape.rank is not None else None)
            return out

        cf = wb.function(g).get_concrete_function(*specs)
        out = cf.structured_outputs.shape
        assert seen == [want], name
        assert (out.as_list() if out.rank is not None else None) == want, name


def test_shape_ops_with_open_sizes_still_compute_and_keep_eager_shapes():
    @wb.function(input_signature=[wb.TensorSpec([None, 3])])
    def f(x):
        y = wb.stack([wb.reshape(x, [-1]), wb.reshape(x, [-1])])
        return wb.gather(wb.squeeze(wb.expand_dims(x, 0), 0), [1, 0]), y

    a, b = f(wb.constant(np.arange(6.0).reshape(2, 3), wb.float32))
    np.testing.assert_array_equal(a.numpy(), [[3, 4, 5], [0, 1, 2]])
    assert a.shape == (2, 3) and b.shape == (2, 6)
    assert wb.reshape(wb.ones([2, 3]), [-1]).shape == (6,)   # eager: no hints left behind


# -- what TF refuses in a graph ------------------------------------------------------------------
def test_unpacking_a_traced_tensor_raises_tfs_error():
    def unpack(t):
        a, b, c = t
        return a

    def unpack_rest(t):
        a, *rest = t
        return a

    for fn in (unpack, unpack_rest):
        for spec in (wb.TensorSpec([3]), wb.TensorSpec([None])):   # TF 2.21 refuses both
            with pytest.raises(wb.errors.OperatorNotAllowedInGraphError,
                               match=r"^Iterating over a symbolic `tf.Tensor` is not allowed"):
                wb.function(fn, input_signature=[spec]).get_concrete_function()
    assert issubclass(wb.errors.OperatorNotAllowedInGraphError, TypeError)
    assert float(unpack(wb.constant([1.0, 2.0, 3.0]))) == 1.0   # eagerly: fine, as TF


def test_bool_of_a_traced_tensor_raises_where_tf_does():
    def explicit(t):
        return bool(t)

    with pytest.raises(wb.errors.OperatorNotAllowedInGraphError,
                       match=r"^Using a symbolic `tf.Tensor` as a Python `bool` is not allowed"):
        wb.function(explicit, input_signature=[wb.TensorSpec([])]).get_concrete_function()

    # what AutoGraph converts in TF still works: a Python if on a tensor, a for loop over one
    @wb.function
    def branch(t):
        if t > 0:
            return t
        return -t

    @wb.function
    def loop(t):
        s = 0.0
        for r in t:
            s += r
        return s

    assert float(branch(wb.constant(-2.0))) == 2.0 and float(branch(wb.constant(3.0))) == 3.0
    assert float(loop(wb.constant([1.0, 2.0]))) == 3.0
    # a tensor captured from outside is an eager tensor, which TF lets Python unpack
    c = wb.constant([1.0, 2.0])

    @wb.function
    def captured(t):
        a, b = c
        return t + a + b

    assert float(captured(wb.constant(1.0))) == 4.0


def test_a_list_holding_tensors_is_packed_so_gradients_reach_them():
    # TF 2.21 autopacks: tf.math.log([a, b]) and convert_to_tensor([[a, 1.], [2., b]]) stack the
    # tensors with an op the tape records (gradients 0.5, 1/3 and 2, 2); Python numbers take the
    # tensors' dtype
    from gradients import GradientTape
    a, b = wb.constant(2.0), wb.constant(3.0)
    with GradientTape() as tape:
        tape.watch([a, b])
        y = wb.reduce_sum(wb.math.log([a, b]))
    assert [float(g) for g in tape.gradient(y, [a, b])] == pytest.approx([0.5, 1 / 3])
    with GradientTape() as tape:
        tape.watch([a, b])
        packed = wb.convert_to_tensor([[a, 1.0], [2.0, b]])
        y = wb.reduce_sum(packed * 2.0)
    assert packed.dtype == wb.float32 and packed.numpy().tolist() == [[2.0, 1.0], [2.0, 3.0]]
    assert [float(g) for g in tape.gradient(y, [a, b])] == [2.0, 2.0]
    v = wb.Variable(1.0)
    with GradientTape() as tape:
        y = wb.reduce_sum(wb.convert_to_tensor([v, 2.0 * v]) * 2.0)
    assert float(tape.gradient(y, v)) == 6.0
    # a wb.function sees the packed tensors as inputs of an op, so each call gets its own values
    f = wb.function(lambda x: wb.math.log([x, 2.0 * x]))
    assert f(wb.constant(1.0)).numpy() == pytest.approx([0.0, np.log(2.0)])
    assert f(wb.constant(3.0)).numpy() == pytest.approx([np.log(3.0), np.log(6.0)])
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"input #1\(zero-based\) was expected to be a "
                       r"float tensor but is a int32 tensor \[Op:Pack\]"):
        wb.convert_to_tensor([a, wb.constant(1, dtype=wb.int32)])
