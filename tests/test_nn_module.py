"""wb.Module, wb.keras.Layer and the functional API (Input, Model, Sequential)."""

import numpy as np
import pytest

import workbench as wb
from workbench.keras import layers as L


def _v(value, name):
    return wb.Variable(np.asarray(value, np.float32), name=name)


class Holder(wb.Module):
    def __init__(self):
        super().__init__()
        self.b = _v([1.0], "b")
        self.a = [_v([2.0], "a0"), (_v([3.0], "a1"),)]
        self.c = {"y": _v([4.0], "cy"), "x": _v([5.0], "cx")}
        self.frozen = wb.Variable([6.0], trainable=False, name="f")
        self.z_alias = self.b                       # the same variable twice: reported once
        self.child = Child()


class Child(wb.Module):
    def __init__(self):
        super().__init__(name="kid")
        with self.name_scope:
            self.w = _v([7.0], self.scoped_name("w"))


def test_module_walks_attributes_lists_tuples_dicts_in_a_fixed_order():
    m = Holder()
    paths = m.variables_by_path()
    assert list(paths) == ["a/0", "a/1/0", "b", "c/x", "c/y", "child/w", "frozen"]
    assert [v.path for v in m.variables] == ["a0", "a1", "b", "cx", "cy", "kid/w", "f"]
    assert len(m.trainable_variables) == 6 and [v.name for v in m.non_trainable_variables] == ["f:0"]
    assert [type(s).__name__ for s in m.submodules] == ["Child"]
    assert m.name == "holder" and m.child.name == "kid"
    # a second instance walks to the same paths: checkpoints can rely on them
    assert list(Holder().variables_by_path()) == list(paths)


def test_layer_builds_lazily_and_names_weights_in_its_scope():
    d = L.Dense(3, name="proj")
    assert not d.built and d.variables == []
    d(wb.ones([2, 5]))
    assert d.built
    # Keras 3's names: the short name, the path, and the attribute as the checkpoint key
    assert [v.name for v in d.variables] == ["kernel", "bias"]
    assert [v.path for v in d.variables] == ["proj/kernel", "proj/bias"]
    assert list(d.variables_by_path()) == ["_kernel", "bias"]
    assert [v.shape for v in d.trainable_weights] == [(5, 3), (3,)]


def test_nested_layers_get_nested_names_and_paths():
    class Block(wb.keras.Model):
        def __init__(self):
            super().__init__(name="block")
            self.inner = L.Dense(2, name="inner")

        def call(self, x):
            return self.inner(x)

    b = Block()
    b(wb.ones([1, 3]))
    assert [v.path for v in b.variables] == ["block/inner/kernel", "block/inner/bias"]
    assert list(b.variables_by_path()) == ["inner/_kernel", "inner/bias"]
    assert b.layers == [b.inner]


def test_layer_trainable_flag_freezes_its_variables():
    model = wb.keras.Sequential([L.Dense(2), L.Dense(1)])
    model(wb.ones([1, 3]))
    model.layers[0].trainable = False
    assert len(model.trainable_variables) == 2 and len(model.non_trainable_variables) == 2


def test_input_spec_error_names_both_shapes():
    d = L.Dense(2)
    d(wb.ones([3, 4]))
    with pytest.raises(ValueError) as err:
        d(wb.ones([3, 5]))
    msg = str(err.value)
    assert "(3, 5)" in msg and "(3, 4)" in msg and "axis -1" in msg


def test_regularization_losses_are_recomputed_on_access():
    d = L.Dense(2, kernel_regularizer=wb.keras.regularizers.l2(0.5), use_bias=False,
                kernel_initializer="ones")
    model = wb.keras.Sequential([d])
    model(wb.ones([1, 3]))
    assert len(model.losses) == 1
    np.testing.assert_allclose(model.losses[0].numpy(), 0.5 * 6)
    d.kernel.assign(2 * np.ones((3, 2), np.float32))
    np.testing.assert_allclose(model.losses[0].numpy(), 0.5 * 24)
    with wb.GradientTape() as tape:
        reg = wb.add_n(model.losses)
    np.testing.assert_allclose(tape.gradient(reg, d.kernel).numpy(), 0.5 * 2 * 2 * np.ones((3, 2)))


def test_activity_regularizer_is_added_per_call():
    d = L.Dense(1, kernel_initializer="ones", use_bias=False, activity_regularizer="l1")
    d(wb.ones([2, 3]))
    np.testing.assert_allclose(d.losses[0].numpy(), 0.01 * 6 / 2)


def test_training_flag_is_passed_down_to_sublayers():
    seen = []

    class Probe(wb.keras.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    model = wb.keras.Sequential([L.Dense(2), Probe()])
    model(wb.ones([1, 2]), training=True)
    model(wb.ones([1, 2]))
    model(wb.ones([1, 2]), training=False)
    assert seen == [True, None, False]


def test_summary_and_html_list_layers_shapes_and_counts():
    model = wb.keras.Sequential([wb.keras.Input((4,)), L.Dense(3), L.BatchNormalization()])
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert "(None, 3)" in text and "15" in text and "12" in text
    assert "Total params: 27" in text and "Non-trainable params: 6" in text
    html = model._repr_html_()
    assert "<table>" in html and "dense" in html and "27" in html


def test_get_and_set_weights_round_trip():
    a = wb.keras.Sequential([L.Dense(3), L.Dense(1)])
    b = wb.keras.Sequential([L.Dense(3), L.Dense(1)])
    x = wb.constant(np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32))
    a(x), b(x)
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    with pytest.raises(ValueError, match="got 1 arrays for 4 weights"):
        b.set_weights(a.get_weights()[:1])


# ---------------------------------------------------------------------------
# functional and subclassed models


def _mlp_functional():
    x = wb.keras.Input(shape=(3,), name="features")
    h = L.Dense(5, activation="tanh")(x)
    r = L.Add()([h, L.Dense(5)(x)])          # branch and merge
    y = L.Dense(2)(L.Activation("relu")(r))
    return wb.keras.Model(x, y)


class MlpSubclassed(wb.keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = L.Dense(5, activation="tanh")
        self.skip = L.Dense(5)
        self.out = L.Dense(2)

    def call(self, x):
        return self.out(wb.nn.relu(self.d1(x) + self.skip(x)))


def test_functional_and_subclassed_models_agree_with_shared_weights():
    x = wb.constant(np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32))
    f = _mlp_functional()
    s = MlpSubclassed()
    s(x)
    assert [type(l).__name__ for l in f.layers] == ["Dense", "Dense", "Add", "Activation", "Dense"]
    dense = [l for l in f.layers if isinstance(l, L.Dense)]
    for src, dst in zip(dense, [s.d1, s.skip, s.out]):
        dst.set_weights(src.get_weights())
    np.testing.assert_allclose(f(x).numpy(), s(x).numpy(), rtol=1e-6)
    # and the residual graph matches NumPy
    k = [l.get_weights() for l in dense]
    xn = x.numpy()
    want = np.maximum(np.tanh(xn @ k[0][0] + k[0][1]) + xn @ k[1][0] + k[1][1], 0) @ k[2][0] + k[2][1]
    np.testing.assert_allclose(f(x).numpy(), want, rtol=1e-5, atol=1e-6)
    assert len(f.trainable_variables) == 6
    assert list(f.variables_by_path())[:2] == ["layers/0/_kernel", "layers/0/bias"]


def test_functional_model_with_dict_inputs_and_list_outputs():
    a = wb.keras.Input((2,), name="a")
    b = wb.keras.Input((3,), name="b")
    joined = L.Concatenate()([a, b])
    out1 = L.Dense(1, name="head1")(joined)
    out2 = L.Dense(4, name="head2")(joined)
    model = wb.keras.Model({"a": a, "b": b}, [out1, out2])
    y1, y2 = model({"a": wb.ones([5, 2]), "b": wb.zeros([5, 3])})
    assert y1.shape == (5, 1) and y2.shape == (5, 4)
    head1 = model.get_layer("head1")
    k, bias = head1.get_weights()
    np.testing.assert_allclose(y1.numpy(), np.ones((5, 2)) @ k[:2] + bias, rtol=1e-6)
    with pytest.raises(ValueError, match="missing inputs"):
        model({"a": wb.ones([5, 2])})


def test_symbolic_shapes_keep_unknown_sizes():
    x = wb.keras.Input(shape=(None, 6))
    y = L.Dense(4)(x)
    assert y.shape == (None, None, 4)
    z = L.GRU(3, return_sequences=True)(y)
    assert z.shape == (None, None, 3)
    with pytest.raises(TypeError, match="no value"):
        bool(z)


def test_model_rejects_outputs_from_a_foreign_input():
    x = wb.keras.Input((2,))
    other = wb.keras.Input((2,))
    y = L.Add()([L.Dense(2)(x), other])
    with pytest.raises(ValueError, match="not among the model's inputs"):
        wb.keras.Model(x, y)


def test_sequential_add_and_mask_propagation():
    model = wb.keras.Sequential()
    model.add(L.Embedding(10, 4, mask_zero=True))
    model.add(L.GRU(3))
    ids = np.array([[3, 4, 0, 0], [5, 6, 7, 8]])
    out = model(wb.constant(ids))
    # padding (id 0) at the end leaves the final state of row 0 as after its 2 real steps
    short = model(wb.constant(ids[:1, :2]))
    np.testing.assert_allclose(out.numpy()[0], short.numpy()[0], rtol=1e-6)
    # the functional graph passes the mask along too
    x = wb.keras.Input((None,), dtype="int32")
    f = wb.keras.Model(x, model.layers[1](model.layers[0](x)))
    np.testing.assert_allclose(f(wb.constant(ids)).numpy(), out.numpy(), rtol=1e-6)


def test_a_small_model_learns_with_plain_sgd():
    wb.random.set_seed(3)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (128, 2)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float32)          # XOR of the signs
    model = wb.keras.Sequential([L.Dense(16, activation="tanh"), L.Dense(1)])
    loss_fn = wb.keras.losses.BinaryCrossentropy(from_logits=True)
    xs, ys = wb.constant(x), wb.constant(y)
    losses = []
    for _ in range(300):
        with wb.GradientTape() as tape:
            loss = loss_fn(ys, model(xs, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        for v, g in zip(model.trainable_variables, grads):
            v.assign_sub(0.5 * g)
        losses.append(float(loss))
    assert losses[-1] < 0.25 < losses[0]
    acc = wb.keras.metrics.BinaryAccuracy(threshold=0.0)
    acc.update_state(ys, model(xs))
    assert float(acc.result()) > 0.9
