"""keras.applications.MobileNet (Keras 3's architecture, names and numbers, pinned from TF 2.21
with seeded weights) and the SavedModel signatures TF's saved_model guide reads
(``structured_outputs``, a one-input Keras model served as ``serving_default``)."""

import numpy as np
import pytest

import workbench as wb


def _seeded(model):
    rng = np.random.default_rng(1)
    for w in model.weights:
        shape, name = tuple(w.shape), w.name
        if name in ("gamma", "moving_variance"):
            v = rng.uniform(0.5, 1.5, shape)
        elif name in ("beta", "moving_mean", "bias"):
            v = rng.normal(0.0, 0.1, shape)
        else:
            v = rng.normal(0.0, np.sqrt(2.0 / np.prod(shape[:-1])), shape)
        w.assign(v.astype(np.float32))
    return model


def test_mobilenet_matches_keras_with_the_same_weights():
    m = _seeded(wb.keras.applications.MobileNet(input_shape=(64, 64, 3), weights=None, alpha=0.5))
    assert m.name == "mobilenet_0.50_64" and len(m.weights) == 137
    assert [w.name for w in m.weights[:6]] == ["kernel", "gamma", "beta", "moving_mean", "moving_variance",
                                                "kernel"]   # Keras 3 names a depthwise kernel 'kernel' too
    assert [tuple(w.shape) for w in m.weights[-2:]] == [(1, 1, 512, 1000), (1000,)]
    x = np.random.default_rng(2).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    y = np.asarray(m(wb.keras.applications.mobilenet.preprocess_input(x)))
    # TF 2.21 / Keras 3 with the same weights and input
    assert y.shape == (2, 1000)
    np.testing.assert_array_equal(np.argsort(y, axis=1)[:, ::-1][:, :5], [[197, 795, 946, 876, 324]] * 2)
    np.testing.assert_allclose(np.sort(y, axis=1)[:, ::-1][:, :3],
                               [[0.0022709, 0.0020305, 0.0019006]] * 2, atol=2e-7)


def test_mobilenet_layers_and_errors():
    m = wb.keras.applications.MobileNet(weights=None)
    assert m.name == "mobilenet_1.00_224" and m.output_names == ["predictions"]
    assert tuple(m.output.shape) == (None, 1000)
    names = {layer.name for layer in m.layers}
    assert {"conv1", "conv1_bn", "conv1_relu", "conv_pad_2", "conv_dw_13", "conv_pw_13_relu", "conv_preds",
            "predictions"} <= names
    assert tuple(m.get_layer("conv_pw_13").output.shape) == (None, 7, 7, 1024)
    headless = wb.keras.applications.MobileNet(input_shape=(96, 96, 3), include_top=False, weights=None,
                                               pooling="avg")
    assert tuple(headless.output.shape) == (None, 1024)
    with pytest.raises(ValueError, match="weights='imagenet'"):
        wb.keras.applications.MobileNet()
    with pytest.raises(ValueError, match="pooling"):
        wb.keras.applications.MobileNet(weights=None, include_top=False, pooling="sum")


def test_mobilenet_preprocess_input():
    pre = wb.keras.applications.mobilenet.preprocess_input
    out = pre(np.array([0, 127.5, 255], np.float32))
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(pre(np.array([0, 255], np.uint8)), [-1.0, 1.0])
    t = pre(wb.constant([[51.0]]))
    assert isinstance(t, wb.Tensor)
    np.testing.assert_allclose(t.numpy(), [[-0.6]], rtol=1e-6)
    with pytest.raises(TypeError):   # TF 2.21: TypeError, uint8 != float32
        pre(wb.constant([[0, 255]], wb.uint8))


def test_keras_model_of_one_input_is_served_with_structured_outputs(tmp_path):
    inputs = wb.keras.Input(shape=(3,))
    model = wb.keras.Model(inputs, wb.keras.layers.Dense(2, name="out")(inputs))
    wb.saved_model.save(model, str(tmp_path / "m"))
    loaded = wb.saved_model.load(str(tmp_path / "m"))
    assert list(loaded.signatures.keys()) == ["serving_default"]
    infer = loaded.signatures["serving_default"]
    # TF 2.21: {'output_0': TensorSpec(shape=(None, 2), dtype=tf.float32, name='output_0')}
    assert infer.structured_outputs == {"output_0": wb.TensorSpec((None, 2), wb.float32, name="output_0")}
    x = np.ones((4, 3), np.float32)
    np.testing.assert_allclose(infer(**{infer.inputs[0]["name"]: wb.constant(x)})["output_0"].numpy(),
                               np.asarray(model(x)), rtol=1e-6)


def test_signature_of_a_dict_result_names_its_outputs(tmp_path):
    class Named(wb.Module):
        def __init__(self):
            super().__init__()
            self.v = wb.Variable(2.0)

        @wb.function(input_signature=[wb.TensorSpec([None], wb.float32)])
        def __call__(self, x):
            return {"doubled": x * self.v, "rounded": wb.cast(wb.round(x), wb.int32)}

    m = Named()
    wb.saved_model.save(m, str(tmp_path / "n"), signatures={"serving_default": m.__call__})
    sig = wb.saved_model.load(str(tmp_path / "n")).signatures["serving_default"]
    assert sig.structured_outputs == {"doubled": wb.TensorSpec([None], wb.float32, name="doubled"),
                                      "rounded": wb.TensorSpec([None], wb.int32, name="rounded")}
    out = sig(x=wb.constant([1.0, 3.2]))
    np.testing.assert_allclose(out["doubled"].numpy(), [2.0, 6.4], rtol=1e-6)
    np.testing.assert_array_equal(out["rounded"].numpy(), [1, 3])


def test_signature_takes_its_inputs_by_position(tmp_path):
    inputs = wb.keras.Input(shape=(2,))
    model = wb.keras.Model(inputs, wb.keras.layers.Dense(1, name="out")(inputs))
    wb.saved_model.save(model, str(tmp_path / "m"))
    infer = wb.saved_model.load(str(tmp_path / "m")).signatures["serving_default"]
    x = np.ones((3, 2), np.float32)
    np.testing.assert_allclose(infer(wb.constant(x))["output_0"].numpy(), np.asarray(model(x)), rtol=1e-6)
    with pytest.raises(KeyError):   # TF 2.21: the output is 'output_0', not the layer's name
        infer(wb.constant(x))["out"]
    with pytest.raises(TypeError, match="2 positional"):
        infer(wb.constant(x), wb.constant(x))


def test_get_concrete_function_of_specs_that_fit_the_input_signature():
    class Scaled(wb.Module):
        def __init__(self):
            super().__init__()
            self.v = wb.Variable(2.0)

        @wb.function(input_signature=[wb.TensorSpec(None, wb.float32)])
        def __call__(self, x):
            return x * self.v

        @wb.function(input_signature=[wb.TensorSpec([None], wb.float32)])
        def vector(self, x):
            return x * self.v

    m = Scaled()
    # TF 2.21: the input_signature's concrete function, for a spec it admits
    call = m.__call__.get_concrete_function(wb.TensorSpec(None, wb.float32))
    assert call.structured_input_signature[0][0].shape.rank is None
    np.testing.assert_allclose(call(wb.constant([[1.0, 2.0]])).numpy(), [[2.0, 4.0]])
    vec = m.vector.get_concrete_function(wb.TensorSpec([3], wb.float32))
    assert vec.structured_input_signature[0][0].shape.as_list() == [None]
    with pytest.raises(TypeError, match="Can not cast"):
        m.vector.get_concrete_function(wb.TensorSpec([2, 3], wb.float32))


def test_concrete_function_of_a_method_with_input_signature_is_callable_and_saved(tmp_path):
    class Scaled(wb.Module):
        def __init__(self, v):
            super().__init__()
            self.v = wb.Variable(v)

        @wb.function(input_signature=[wb.TensorSpec(None, wb.float32)])
        def __call__(self, x):
            return x * self.v

    a, b = Scaled(2.0), Scaled(5.0)
    call_a = a.__call__.get_concrete_function()
    call_b = b.__call__.get_concrete_function(wb.TensorSpec(None, wb.float32))
    np.testing.assert_allclose(call_a(wb.constant(3.0)).numpy(), 6.0)   # each its own instance
    np.testing.assert_allclose(call_b(wb.constant(3.0)).numpy(), 15.0)
    wb.saved_model.save(b, str(tmp_path / "b"), signatures=call_b)
    loaded = wb.saved_model.load(str(tmp_path / "b"))
    assert list(loaded.signatures.keys()) == ["serving_default"]
    np.testing.assert_allclose(loaded.signatures["serving_default"](x=wb.constant([1.0, 2.0]))["output_0"].numpy(),
                               [5.0, 10.0])


def test_matplotlib_takes_a_tensor_on_a_category_axis():
    # matplotlib unpacks TF's tensors by their module; ours by to_numpy(), as it unpacks pandas
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [1, 2])            # the x axis becomes a category axis (seaborn's countplot)
    x = wb.constant([0.0, 0.5, 1.0])
    (line,) = ax.plot(x, wb.nn.relu(x))   # was: ConversionError (a tensor is not a category)
    np.testing.assert_allclose(line.get_xydata(), [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]])
    plt.close(fig)
    assert isinstance(wb.constant(2.0).to_numpy(), np.ndarray)
    np.testing.assert_array_equal(wb.Variable([1, 2]).to_numpy(), [1, 2])


@pytest.fixture
def four_cpus(monkeypatch):
    """Four logical CPU devices, configured before initialization; the process-wide settings
    are put back afterwards."""
    from workbench import config
    monkeypatch.setattr(config, "_LOGICAL", {})
    monkeypatch.setitem(config._INITIALIZED, "on", False)
    cpu = wb.config.list_physical_devices("CPU")[0]
    wb.config.set_logical_device_configuration(cpu, [wb.config.LogicalDeviceConfiguration()] * 4)


def _cpu_mesh(n=4):
    from workbench.experimental import dtensor
    return dtensor.create_mesh([("batch", n)], devices=[f"CPU:{i}" for i in range(n)])


def test_dtensor_mesh_and_layout_as_tf(four_cpus):
    from workbench.experimental import dtensor
    mesh = _cpu_mesh(4)
    # TF 2.21's values for the same calls
    assert mesh.dim_names == ["batch"] and mesh.shape() == [4] and mesh.size == 4
    assert mesh.local_device_locations() == [{"batch": i} for i in range(4)]
    assert mesh.local_devices()[1] == "/job:localhost/replica:0/task:0/device:CPU:1"
    layout = dtensor.Layout(["batch", dtensor.UNSHARDED], mesh)
    assert layout.sharding_specs == ["batch", "unsharded"] and layout.rank == 2
    assert layout.shape == [4]                      # TF's Layout.shape is the mesh's shape
    assert (layout.num_shards(0), layout.num_shards(1)) == (4, 1)
    assert layout.delete([0]).sharding_specs == ["unsharded"]
    assert repr(layout).startswith("Layout.from_string(sharding_specs:batch,unsharded, mesh:|batch=4|0,1,2,3|")
    with pytest.raises(ValueError, match="'model' is not a dimension"):
        dtensor.Layout(["model"], mesh)
    with pytest.raises(ValueError, match="at most one tensor dimension"):
        dtensor.Layout(["batch", "batch"], mesh)
    assert dtensor.create_mesh([("x", 2), ("y", 2)]).local_device_locations()[1] == {"x": 0, "y": 1}
    with pytest.raises(ValueError, match="4 places for 3 devices"):
        dtensor.create_mesh([("x", 4)], devices=["CPU:0", "CPU:1", "CPU:2"])


def test_dtensor_pack_unpack_and_variables(four_cpus):
    from workbench.experimental import dtensor
    mesh = _cpu_mesh(4)
    sharded = dtensor.Layout(["batch", dtensor.UNSHARDED], mesh)
    x = np.arange(16.0, dtype=np.float32).reshape(8, 2)
    packed = dtensor.pack([x[2 * i:2 * i + 2] for i in range(4)], sharded)
    with pytest.raises(wb.errors.UnimplementedError):   # TF 2.21: a sharded DTensor has no numpy()
        packed.numpy()
    np.testing.assert_array_equal(dtensor.relayout(packed, dtensor.Layout.replicated(mesh, 2)).numpy(), x)
    assert dtensor.fetch_layout(packed) == sharded
    parts = dtensor.unpack(packed)
    assert len(parts) == 4
    np.testing.assert_array_equal(parts[3].numpy(), x[6:8])
    replicated = dtensor.Layout.replicated(mesh, 2)
    z = dtensor.call_with_layout(wb.zeros, replicated, shape=[3, 5])
    v = dtensor.DVariable(z)
    assert v.layout == replicated and v.shape == (3, 5)
    v.assign_add(wb.ones([3, 5]))
    np.testing.assert_array_equal(v.numpy(), np.ones((3, 5), np.float32))
    with pytest.raises(ValueError, match="4 local devices, got 2"):
        dtensor.pack([x, x], sharded)
    with pytest.raises(ValueError, match="does not split into 4 shards"):
        dtensor.call_with_layout(wb.zeros, sharded, shape=[6, 2])
    with pytest.raises(ValueError, match="must be a DTensor"):
        dtensor.DVariable(wb.zeros([2]))
    assert dtensor.fetch_layout(wb.zeros([2])) is None


class _Mutable(wb.Module):
    def __init__(self):
        super().__init__()
        self.v = wb.Variable(1.0)

    @wb.function(input_signature=[wb.TensorSpec([], wb.float32)])
    def __call__(self, x):
        return x * self.v

    @wb.function(input_signature=[wb.TensorSpec([], wb.float32)])
    def mutate(self, new_v):
        self.v.assign(new_v)

    @wb.function(input_signature=[wb.TensorSpec([None], wb.float32)])
    def step(self, x):
        y = x * self.v            # reads come first
        self.v.assign(wb.reduce_sum(x))
        return y + 1.0


def test_saved_function_assigns_to_the_loaded_variable(tmp_path):
    # TF's saved_model guide: CustomModule.mutate (an assign, no result) is saved and mutates the
    # loaded module's variable
    m = _Mutable()
    wb.saved_model.save(m, str(tmp_path / "m"))
    assert float(m.v.numpy()) == 1.0       # saving ran the functions on stand-ins, and put v back
    loaded = wb.saved_model.load(str(tmp_path / "m"))
    assert float(loaded(wb.constant(3.0)).numpy()) == 3.0
    assert loaded.mutate(wb.constant(2.0)) is None
    assert float(loaded.v.numpy()) == 2.0 and float(m.v.numpy()) == 1.0
    assert float(loaded(wb.constant(3.0)).numpy()) == 6.0
    np.testing.assert_allclose(loaded.step(wb.constant([1.0, 4.0])).numpy(), [3.0, 9.0])
    assert float(loaded.v.numpy()) == 5.0
    loaded.mutate(wb.constant(3.0))
    with wb.GradientTape() as tape:          # the loaded function still differentiates
        loss = (10.0 - loaded(wb.constant(2.0))) ** 2
    np.testing.assert_allclose(tape.gradient(loss, loaded.v).numpy(), 2 * (10.0 - 6.0) * -2.0)


def test_onnx_export_gives_assigned_values_as_outputs(tmp_path):
    v = wb.Variable([1.0, 2.0])

    def f(x):
        y = x + v
        v.assign(x * 3.0)
        return y

    result = wb.onnx.export(f, [wb.onnx.TensorSpec((2,), np.float32, "x")], str(tmp_path / "f.onnx"))
    assert result.outputs == ["output_0", "update_0"] and result.updates == {"update_0": v}
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])     # the export's check put it back
    model = wb.onnx.load(str(tmp_path / "f.onnx"))
    y, new = model(wb.constant([1.0, 1.0]))
    np.testing.assert_allclose(y.numpy(), [2.0, 3.0])
    np.testing.assert_allclose(new.numpy(), [3.0, 3.0])

    def g(x):
        v.assign(x)
        return x * v               # a read after the assignment: the graph would read the old value

    with pytest.raises(ValueError, match="after assigning"):
        wb.onnx.export(g, [wb.onnx.TensorSpec((2,), np.float32, "x")], str(tmp_path / "g.onnx"))


def test_onnx_export_of_a_function_without_outputs_says_so(tmp_path):
    def nothing(x):
        x * 2.0

    with pytest.raises(ValueError, match="returns nothing and assigns to no variable"):
        wb.onnx.export(nothing, [wb.onnx.TensorSpec((2,), np.float32, "x")], str(tmp_path / "n.onnx"))
