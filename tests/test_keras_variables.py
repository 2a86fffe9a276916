"""Keras 3's variables and layer reprs: ``wb.keras.Variable`` (short ``name``, ``path``, repr),
``add_weight``, ``<Dense name=dense, built=False>``, and the ``_kernel`` attribute Keras 3's
Dense, EinsumDense, Conv and Embedding keep (TF checkpoint keys), with old checkpoints keyed
``kernel`` still restoring. Expected strings are Keras 3.15.1's output."""

import numpy as np
import pytest

import workbench as wb

keras = wb.keras
L = keras.layers


# -- wb.keras.Variable ---------------------------------------------------------------------------

def test_variable_from_a_value_keeps_its_dtype_and_prints_as_keras():
    v = keras.Variable(np.ones((2, 2)), name="foo")
    assert isinstance(v, wb.Variable)
    assert v.name == "foo" and v.path == "foo" and v.dtype == wb.float64   # TF backend keeps float64
    assert repr(v) == "<Variable path=foo, shape=(2, 2), dtype=float64, value=[[1. 1.]\n [1. 1.]]>"
    assert str(v) == repr(v)
    s = keras.Variable(3.0, name="s")
    assert s.dtype == wb.float32 and repr(s) == "<Variable path=s, shape=(), dtype=float32, value=3.0>"
    b = keras.Variable(True, name="flag")
    assert repr(b) == "<Variable path=flag, shape=(), dtype=bool, value=True>"
    i = keras.Variable(np.ones((2,), "int32"), trainable=False, name="count")
    assert repr(i) == "<Variable path=count, shape=(2,), dtype=int32, value=[1 1]>" and not i.trainable


def test_variable_from_an_initializer_needs_a_shape():
    v = keras.Variable("ones", shape=(2,), name="w")
    assert repr(v) == "<Variable path=w, shape=(2,), dtype=float32, value=[1. 1.]>"
    h = keras.Variable(keras.initializers.Ones(), shape=(2,), dtype="float16", name="h")
    assert h.dtype == wb.float16
    c = keras.Variable(lambda shape, dtype=None: np.full(shape, 2.0, dtype), shape=(1, 2), name="c")
    np.testing.assert_array_equal(c.numpy(), [[2.0, 2.0]])
    with pytest.raises(ValueError, match=r"Variable 'z': an initializer .* needs the argument shape"):
        keras.Variable("zeros", name="z")
    with pytest.raises(ValueError, match=r"Variable 'q': the initial value has shape \(2,\), the argument shape "
                                         r"is \(3,\)"):
        keras.Variable([1.0, 2.0], shape=(3,), name="q")


def test_variable_casts_a_value_to_the_dtype_given():
    v = keras.Variable(np.array([1.5, 2.5]), dtype="float32", name="v")
    assert v.dtype == wb.float32
    np.testing.assert_array_equal(v.numpy(), np.array([1.5, 2.5], np.float32))


def test_variable_arguments_are_checked_by_name():
    with pytest.raises(ValueError, match=r"name must be a non-empty string without '/', got 'a/b'"):
        keras.Variable(1.0, name="a/b")
    with pytest.raises(ValueError, match=r"aggregation must be one of .*'only_first_replica'.*got 'max'"):
        keras.Variable(1.0, aggregation="max")
    with pytest.raises(ValueError, match=r"synchronization must be one of .*got 'often'"):
        keras.Variable(1.0, synchronization="often")
    with pytest.raises(ValueError, match="shape must be a sequence of integers"):
        keras.Variable("zeros", shape=(None, 2))
    v = keras.Variable(1.0, aggregation=None, synchronization=None, autocast=False)
    assert (v.aggregation, v.synchronization, v.autocast) == ("none", "none", False)
    w = keras.Variable(1.0)
    assert (w.aggregation, w.synchronization, w.autocast) == ("none", "auto", True)


def test_unnamed_variables_are_numbered_as_keras_does():
    first, second = keras.Variable(1.0), keras.Variable(2.0)
    assert first.name.startswith("variable") and second.name.startswith("variable_")
    assert first.name != second.name and first.path == first.name


def test_value_is_a_tensor_that_tapes_record_and_assignments_work():
    v = keras.Variable([1.0, 2.0], name="v")
    assert type(v.value) is wb.Tensor
    np.testing.assert_array_equal(v.value.numpy(), [1.0, 2.0])
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(v.value * v.value) + wb.reduce_sum(3.0 * v)
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), [5.0, 7.0])
    v.assign([3.0, 4.0])
    v.assign_add([1.0, 1.0])
    v.assign_sub([0.5, 0.5])
    np.testing.assert_array_equal(v.numpy(), [3.5, 4.5])
    opt = wb.optimizers.SGD(0.5)
    opt.apply_gradients([(wb.constant([1.0, 2.0]), v)])
    np.testing.assert_array_equal(v.numpy(), [3.0, 3.5])


# -- add_weight ------------------------------------------------------------------------------------

def test_layer_weights_have_short_names_and_unique_paths():
    model = keras.Sequential([L.Dense(3, name="a"), L.Dense(2, name="b")])
    model(wb.ones([1, 4]))
    assert all(isinstance(v, keras.Variable) for v in model.weights)
    assert [v.name for v in model.weights] == ["kernel", "bias", "kernel", "bias"]
    assert [v.path for v in model.weights] == [f"{model.name}/a/kernel", f"{model.name}/a/bias",
                                               f"{model.name}/b/kernel", f"{model.name}/b/bias"]
    # built from its Input, in the model's scope too (Keras 3's 'sequential_1/a/kernel')
    given = keras.Sequential([keras.Input((4,)), L.Dense(3, name="a")])
    assert [v.path for v in given.weights] == [f"{given.name}/a/kernel", f"{given.name}/a/bias"]
    inp = keras.Input((4,))
    functional = keras.Model(inp, L.Dense(3, name="c")(inp))
    assert [v.path for v in functional.weights] == ["c/kernel", "c/bias"]
    assert repr(model.layers[1].bias) == f"<Variable path={model.layers[1].bias.path}, shape=(2,), " \
                                         "dtype=float32, value=[0. 0.]>"


def test_keyed_by_path_two_layers_kernels_stay_apart(tmp_path):
    # optimizer slots, weight decay and TensorBoard tags key weights by path, so the two
    # 'kernel's of a model keep their own state
    model = keras.Sequential([L.Dense(3, name="a"), L.Dense(3, name="b")])
    model(wb.ones([2, 3]))
    opt = wb.optimizers.Adam(0.1)
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(model(wb.ones([2, 3])) ** 2)
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    ka, kb = model.layers[0].kernel, model.layers[1].kernel
    assert opt.get_slot(ka, "m") is not opt.get_slot(kb, "m")
    # Keras 3's keys: the slots in optimizer.variables order (iterations, learning_rate, then
    # m, v of a/kernel, a/bias, b/kernel, b/bias)
    reader = wb.train.load_checkpoint(wb.train.Checkpoint(model=model, optimizer=opt).save(str(tmp_path / "ckpt")))
    np.testing.assert_array_equal(reader.get_tensor("optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE"),
                                  opt.get_slot(ka, "m").numpy())
    np.testing.assert_array_equal(reader.get_tensor("optimizer/_variables/6/.ATTRIBUTES/VARIABLE_VALUE"),
                                  opt.get_slot(kb, "m").numpy())
    decay = wb.optimizers.AdamW(0.1, weight_decay=0.5)
    decay.exclude_from_weight_decay(var_names=["b/kernel"])
    before_a, before_b = ka.numpy(), kb.numpy()
    decay.apply_gradients([(wb.zeros_like(ka), ka), (wb.zeros_like(kb), kb)])
    np.testing.assert_allclose(ka.numpy(), before_a * (1 - 0.1 * 0.5), rtol=1e-6)
    np.testing.assert_array_equal(kb.numpy(), before_b)


def test_add_weight_outside_build_and_with_a_group_in_its_name():
    layer = L.Layer(name="holder")
    w = layer.add_weight(name="scale", shape=(2,), initializer="ones", aggregation="mean")
    assert (w.name, w.path, w.aggregation) == ("scale", "holder/scale", "mean")
    g = layer.add_weight(name="dense_0/kernel", shape=(2, 2))
    assert (g.name, g.path) == ("kernel", "holder/dense_0/kernel")
    assert [v.path for v in layer.weights] == ["holder/scale", "holder/dense_0/kernel"]
    r = layer.add_weight(name="reg", shape=(2,), initializer="ones", regularizer=keras.regularizers.l2(0.5))
    assert r.regularizer is not None and float(layer.losses[0]) == pytest.approx(1.0)


def test_a_layer_built_by_calling_build_is_not_built_again():
    # Keras 3 runs build in the layer's scope and marks the layer built
    d = L.Dense(2, name="direct")
    d.build((None, 3))
    assert d.built and d.kernel.path == "direct/kernel" and repr(d) == "<Dense name=direct, built=True>"
    before = d.kernel.numpy()
    assert d(wb.ones([1, 3])).shape == (1, 2)
    np.testing.assert_array_equal(d.kernel.numpy(), before)
    assert len(d.weights) == 2


# -- layer reprs -----------------------------------------------------------------------------------

def test_layer_and_model_reprs_are_keras_3s():
    d = L.Dense(2, name="dense")
    assert repr(d) == "<Dense name=dense, built=False>" and str(d) == repr(d)
    d(wb.ones([1, 3]))
    assert repr(d) == "<Dense name=dense, built=True>"
    seq = keras.Sequential([L.Dense(2)], name="sequential")
    assert repr(seq) == "<Sequential name=sequential, built=False>"
    seq(wb.ones([1, 3]))
    assert repr(seq) == "<Sequential name=sequential, built=True>"
    inp = keras.Input((3,))
    functional = keras.Model(inp, L.Dense(2)(inp), name="functional_1")
    assert repr(functional) == "<Functional name=functional_1, built=True>"

    class M(keras.Model):
        def __init__(self):
            super().__init__(name="m")
            self.d = L.Dense(2)

        def call(self, x):
            return self.d(x)
    m = M()
    assert repr(m) == "<M name=m, built=False>"
    m(wb.ones([1, 3]))
    assert repr(m) == "<M name=m, built=True>"
    assert [v.name for v in m.weights] == ["kernel", "bias"]


# -- where Keras 3 keeps kernels -------------------------------------------------------------------

@pytest.mark.parametrize("make, shape, attr", [
    (lambda: L.Dense(2), (1, 3), "_kernel"),
    (lambda: L.EinsumDense("ab,bc->ac", (2,), bias_axes="c"), (1, 3), "_kernel"),
    (lambda: L.Conv1D(2, 3), (1, 5, 1), "_kernel"),
    (lambda: L.Conv2D(2, 3), (1, 5, 5, 1), "_kernel"),
    (lambda: L.Embedding(5, 2), None, "_embeddings"),
    (lambda: L.Conv2DTranspose(2, 3), (1, 5, 5, 1), "kernel"),
    (lambda: L.DepthwiseConv2D(3), (1, 5, 5, 1), "kernel"),
])
def test_kernel_attributes_and_checkpoint_keys_follow_keras_3(make, shape, attr, tmp_path):
    layer = make()
    public = attr.lstrip("_")
    if attr.startswith("_"):
        with pytest.raises(AttributeError, match=f"You must build the layer before accessing `{public}`."):
            getattr(layer, public)
    layer(np.array([[1, 2]]) if shape is None else wb.ones(shape))
    assert attr in vars(layer) and getattr(layer, public) is vars(layer)[attr]
    assert getattr(layer, public).name == public
    assert list(layer.variables_by_path())[0] == attr
    keys = [k for k, _ in wb.train.list_variables(wb.train.Checkpoint(net=layer).save(str(tmp_path / "ckpt")))]
    assert f"net/{attr}/.ATTRIBUTES/VARIABLE_VALUE" in keys


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.l1 = L.Dense(2)

    def call(self, x):
        return self.l1(x)


def _old_checkpoint(tmp_path):
    """A checkpoint as earlier versions wrote a Dense: keys 'net/l1/kernel', 'net/l1/bias'."""
    kernel = np.arange(6, dtype=np.float32).reshape(3, 2)
    bias = np.array([5.0, 6.0], np.float32)
    old = wb.train.Checkpoint(net=wb.train.Checkpoint(l1=wb.train.Checkpoint(kernel=wb.Variable(kernel),
                                                                            bias=wb.Variable(bias))))
    path = old.save(str(tmp_path / "old"))
    assert "net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE" in dict(wb.train.list_variables(path))
    return path, kernel, bias


def test_a_checkpoint_keyed_kernel_restores_into_a_built_dense(tmp_path):
    path, kernel, bias = _old_checkpoint(tmp_path)
    net = Net()
    net(wb.ones([1, 3]))
    status = wb.train.Checkpoint(net=net).restore(path)
    np.testing.assert_array_equal(net.l1.kernel.numpy(), kernel)
    np.testing.assert_array_equal(net.l1.bias.numpy(), bias)
    status.assert_consumed()


def test_a_checkpoint_keyed_kernel_restores_into_a_dense_built_later(tmp_path):
    path, kernel, bias = _old_checkpoint(tmp_path)
    net = Net()
    status = wb.train.Checkpoint(net=net).restore(path)
    assert status.pending == ["net/l1/bias", "net/l1/kernel"]
    net(wb.ones([1, 3]))
    np.testing.assert_array_equal(net.l1.kernel.numpy(), kernel)
    np.testing.assert_array_equal(net.l1.bias.numpy(), bias)
    status.assert_consumed()


def test_a_new_checkpoint_restores_under_keras_3s_key_only(tmp_path):
    # TF's checkpoint guide: a value attached later as 'kernel' finds nothing, as Keras 3 saved
    # the Dense kernel under '_kernel'
    net = Net()
    net(wb.ones([1, 3]))
    path = wb.train.Checkpoint(net=net).save(str(tmp_path / "new"))
    keys = [k for k, _ in wb.train.list_variables(path)]
    assert "net/l1/_kernel/.ATTRIBUTES/VARIABLE_VALUE" in keys
    assert not any(k.startswith("net/l1/kernel") for k in keys)
    fake_layer = wb.train.Checkpoint(bias=wb.Variable(wb.zeros([2])))
    wb.train.Checkpoint(net=wb.train.Checkpoint(l1=fake_layer)).restore(path).expect_partial()
    np.testing.assert_array_equal(fake_layer.bias.numpy(), net.l1.bias.numpy())
    later = wb.Variable(wb.zeros([3, 2]))
    fake_layer.kernel = later
    np.testing.assert_array_equal(later.numpy(), np.zeros((3, 2)))
    again = Net()
    wb.train.Checkpoint(net=again).restore(path)
    again(wb.ones([1, 3]))
    np.testing.assert_array_equal(again.l1.kernel.numpy(), net.l1.kernel.numpy())


def test_weights_files_round_trip_with_short_names(tmp_path):
    model = keras.Sequential([keras.Input((3,)), L.Dense(4), L.Dense(2)])
    model.save_weights(str(tmp_path / "m.weights.h5"))
    other = keras.Sequential([keras.Input((3,)), L.Dense(4), L.Dense(2)])
    other.load_weights(str(tmp_path / "m.weights.h5"))
    for a, b in zip(model.weights, other.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_metric_state_variables_and_repr_are_keras_3s():
    m = keras.metrics.Mean()
    assert repr(m) == f"<Mean name={m.name}>"
    assert sorted((v.name, v.path) for v in m.variables) == [("count", f"{m.name}/count"),
                                                             ("total", f"{m.name}/total")]
    assert all(isinstance(v, keras.Variable) and not v.trainable and v.aggregation == "sum" for v in m.variables)
    m.update_state([1.0, 2.0])
    assert float(m.result()) == 1.5
    m.reset_state()
    assert float(m.result()) == 0.0
