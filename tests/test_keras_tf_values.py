"""Keras 3's printed values and error texts, as TF 2.21 with Keras 3 shows them (the strings
below are Keras 3's output, with ``tf.Tensor`` written ``wb.Tensor``)."""

import re
import traceback

import numpy as np
import pytest

import workbench as wb

keras = wb.keras


# -- Model.summary() and default names ---------------------------------------------------------

class FlexibleDense(keras.layers.Layer):
    """intro_to_modules' layer: its weights come from add_weight here."""

    def __init__(self, out_features, **kwargs):
        super().__init__(**kwargs)
        self.out_features = out_features

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1], self.out_features))
        self.b = self.add_weight(name="b", shape=(self.out_features,), initializer="zeros")

    def call(self, inputs):
        return wb.matmul(inputs, self.w) + self.b


def _numbered(name, base):
    m = re.fullmatch(rf"{base}(?:_(\d+))?", name)
    assert m, f"{name!r} is not {base!r} numbered"
    return int(m.group(1) or 0)


def test_summary_prints_and_returns_none(capsys):
    inputs = keras.Input(shape=[3])
    x = FlexibleDense(3, name="flexible_dense_1")(inputs)
    x = FlexibleDense(2, name="flexible_dense_2")(x)
    model = keras.Model(inputs=inputs, outputs=x, name="functional")
    assert model.summary() is None
    out = capsys.readouterr().out
    assert out == "\n".join([
        'Model: "functional"',
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓",
        "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃",
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩",
        f"│ {inputs.node.layer.name + ' (InputLayer)':<31} │ (None, 3)              │             0 │",
        "├─────────────────────────────────┼────────────────────────┼───────────────┤",
        "│ flexible_dense_1                │ (None, 3)              │            12 │",
        "│ (FlexibleDense)                 │                        │               │",
        "├─────────────────────────────────┼────────────────────────┼───────────────┤",
        "│ flexible_dense_2                │ (None, 2)              │             8 │",
        "│ (FlexibleDense)                 │                        │               │",
        "└─────────────────────────────────┴────────────────────────┴───────────────┘",
        " Total params: 20 (80.00 B)",
        " Trainable params: 20 (80.00 B)",
        " Non-trainable params: 0 (0.00 B)",
        ""])
    lines = []
    assert model.summary(print_fn=lines.append) is None
    assert lines == [out[:-1]]


def test_functional_model_and_input_default_names():
    first_in = keras.Input(shape=[3])
    first = keras.Model(first_in, keras.layers.Dense(2)(first_in))
    second_in = keras.Input(shape=[3])
    second = keras.Model(second_in, keras.layers.Dense(2)(second_in))
    # Keras 3: "functional", "functional_1", ... and "input_layer", "input_layer_1", ...
    assert _numbered(second.name, "functional") == _numbered(first.name, "functional") + 1
    a, b = first_in.node.layer.name, second_in.node.layer.name
    assert _numbered(b, "input_layer") == _numbered(a, "input_layer") + 1
    assert first.layers[0].name.startswith("dense")
    # a subclass, Sequential and a plain Model() keep their class names
    class Tower(keras.Model):
        def call(self, x):
            return x
    assert _numbered(Tower().name, "tower") >= 0
    assert _numbered(keras.Sequential().name, "sequential") >= 0
    assert _numbered(keras.Model().name, "model") >= 0
    assert keras.Model(first_in, first.output, name="mine").name == "mine"


def test_functional_model_input_names_key_a_dict_call():
    x = keras.Input(shape=[2])
    model = keras.Model(x, keras.layers.Dense(1, kernel_initializer="ones")(x))
    out = model({x.node.layer.name: wb.ones([1, 2])})
    np.testing.assert_allclose(out.numpy(), [[2.0]])


# -- an exception inside a layer's call -----------------------------------------------------------

class Bad(keras.layers.Layer):
    def call(self, inputs, mask=None, opt="abc", *rest, flag=3):
        raise ValueError("boom")


def test_call_error_names_the_layer_and_its_arguments():
    with pytest.raises(ValueError) as info:
        Bad()(wb.zeros([2, 3]), opt="x")
    assert type(info.value) is ValueError
    assert str(info.value) == (
        "Exception encountered when calling Bad.call().\n\n\x1b[1mboom\x1b[0m\n\n"
        "Arguments received by Bad.call():\n"
        "  • inputs=wb.Tensor(shape=(2, 3), dtype=float32)\n"
        "  • mask=None\n"
        "  • opt='x'\n"
        "  • rest=<class 'inspect._empty'>\n"
        "  • flag=3")


def test_call_error_shows_structures_and_unbound_defaults_as_keras_does():
    with pytest.raises(ValueError) as info:
        Bad()([wb.zeros([2, 3]), wb.ones([1])])
    assert str(info.value).endswith(
        "  • inputs=['wb.Tensor(shape=(2, 3), dtype=float32)', 'wb.Tensor(shape=(1,), dtype=float32)']\n"
        "  • mask=None\n"
        "  • opt=abc\n"
        "  • rest=<class 'inspect._empty'>\n"
        "  • flag=3")
    with pytest.raises(ValueError) as info:
        Bad()({"a": wb.zeros([2])})
    assert "  • inputs={'a': 'wb.Tensor(shape=(2,), dtype=float32)'}\n" in str(info.value)
    with pytest.raises(ValueError) as info:
        Bad()(np.zeros((2, 2), np.int64))
    assert "  • inputs=wb.Tensor(shape=(2, 2), dtype=int64)\n" in str(info.value)


def test_op_error_keeps_its_class_fields_and_traceback():
    class Flexible(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(name="w", shape=(3, 3))

        def call(self, inputs):
            return wb.matmul(inputs, self.w)

    layer = Flexible()
    layer(wb.ones([1, 3]))
    with pytest.raises(wb.errors.InvalidArgumentError) as info:
        layer(wb.constant([[2.0, 2.0, 2.0, 2.0]]))
    e = info.value
    assert type(e) is wb.errors.InvalidArgumentError and e.error_code == wb.errors.INVALID_ARGUMENT
    original = e.__context__
    assert type(original) is wb.errors.InvalidArgumentError and e.__cause__ is None
    assert str(e) == ("Exception encountered when calling Flexible.call().\n\n"
                      f"\x1b[1m{original.message}\x1b[0m\n\n"
                      "Arguments received by Flexible.call():\n"
                      "  • inputs=wb.Tensor(shape=(1, 4), dtype=float32)")
    assert e.message == str(e)
    # the traceback still reaches the op that failed
    frames = [f.name for f in traceback.extract_tb(e.__traceback__)]
    assert "call" in frames and frames[-1] != "__call__"


def test_only_the_innermost_layer_adds_its_arguments():
    class Outer(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = Bad()

        def call(self, x):
            return self.inner(x)

    with pytest.raises(ValueError) as info:
        Outer()(wb.zeros([2, 3]))
    text = str(info.value)
    assert text.startswith("Exception encountered when calling Bad.call().\n\n\x1b[1mboom\x1b[0m\n\n")
    assert text.count("Exception encountered") == 1 and "Outer" not in text
    model = keras.Sequential([Bad()])
    with pytest.raises(ValueError, match=r"^Exception encountered when calling Bad\.call\(\)\.") as info:
        model(wb.zeros([2, 3]))
    assert str(info.value).count("Exception encountered") == 1


def test_other_exception_classes_as_keras_makes_them():
    class KeyErr(keras.layers.Layer):
        def call(self, x):
            raise KeyError("k")

    with pytest.raises(KeyError) as info:
        KeyErr()(wb.zeros([1]))
    # Keras takes args[0] as the message and makes KeyError(message), whose str is its repr
    assert info.value.args == ("Exception encountered when calling KeyErr.call().\n\n\x1b[1mk\x1b[0m\n\n"
                               "Arguments received by KeyErr.call():\n"
                               "  • x=wb.Tensor(shape=(1,), dtype=float32)",)

    class Custom(Exception):
        def __init__(self, text, code):
            super().__init__(text)
            self.code = code

    class Raises(keras.layers.Layer):
        def call(self, x):
            raise Custom("m", 2)

    with pytest.raises(RuntimeError) as info:   # a class Keras cannot remake from one message
        Raises()(wb.zeros([1]))
    assert "\x1b[1mm\x1b[0m" in str(info.value) and type(info.value.__context__) is Custom

    class Empty(keras.layers.Layer):
        def call(self, x):
            raise ValueError()

    with pytest.raises(ValueError) as info:
        Empty()(wb.zeros([1]))
    assert "\n\n\x1b[1m\x1b[0m\n\n" in str(info.value)


def test_build_errors_are_not_wrapped():
    class BadBuild(keras.layers.Layer):
        def build(self, input_shape):
            raise ValueError("bb")

        def call(self, x):
            return x

    with pytest.raises(ValueError) as info:
        BadBuild()(wb.zeros([1]))
    assert str(info.value) == "bb"


# -- which variables a layer counts ------------------------------------------------------------------

class RawDense(keras.layers.Layer):
    """intro_to_modules' FlexibleDense as the guide writes it: raw variables made in build."""

    def __init__(self, out_features, **kwargs):
        super().__init__(**kwargs)
        self.out_features = out_features

    def build(self, input_shape):
        self.w = wb.Variable(wb.random.normal([input_shape[-1], self.out_features]), name="w")
        self.b = wb.Variable(wb.zeros([self.out_features]), name="b")

    def call(self, inputs):
        return wb.matmul(inputs, self.w) + self.b


def test_raw_variables_in_a_layer_are_not_its_weights():
    # Keras 3 prints [] for the guide's layer.variables and counts 0 params in its summary
    layer = RawDense(3)
    out = layer(wb.constant([[2.0, 2.0, 2.0]]))
    assert out.shape == (1, 3)
    assert layer.variables == [] and layer.trainable_variables == [] and layer.weights == []
    assert layer.count_params() == 0 and layer.get_weights() == []

    class Holder(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.scale = wb.Variable(2.0)             # made in __init__: not a weight either
            self.module = wb.Module()
            self.module.v = wb.Variable(1.0)           # nor one held by a plain wb.Module
            self.dense = keras.layers.Dense(2)         # a sublayer's weights are
            self.extra = self.add_weight(name="extra", shape=(), initializer="ones", trainable=False)

        def call(self, x):
            return self.dense(x) * self.scale

    holder = Holder()
    holder(wb.ones([1, 3]))
    assert [v.name for v in holder.variables] == ["extra", "kernel", "bias"]
    assert [v.name for v in holder.trainable_variables] == ["kernel", "bias"]
    assert [v.name for v in holder.non_trainable_variables] == ["extra"]
    holder.trainable = False
    assert holder.trainable_variables == [] and len(holder.non_trainable_variables) == 3


def test_a_model_of_raw_variable_layers_has_no_weights_and_fit_trains_nothing(tmp_path):
    class MyModelKeras(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.w = wb.Variable(5.0)
            self.b = wb.Variable(0.0)

        def call(self, x):
            return self.w * x + self.b

    model = MyModelKeras()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    x = np.linspace(-1, 1, 20).astype(np.float32)
    with pytest.warns(UserWarning, match="The model does not have any trainable weights"):
        history = model.fit(x, 3 * x + 2, epochs=2, batch_size=20, verbose=0)
    assert model.w.numpy() == 5.0 and model.b.numpy() == 0.0
    np.testing.assert_allclose(history.history["loss"][1], history.history["loss"][0], rtol=1e-6)
    # a checkpoint walks every attribute, as TF's does: the raw variables are saved there
    path = wb.train.Checkpoint(m=model).save(str(tmp_path / "ckpt"))
    names = [n for n, _ in wb.train.list_variables(path)]
    assert "m/w/.ATTRIBUTES/VARIABLE_VALUE" in names and "m/b/.ATTRIBUTES/VARIABLE_VALUE" in names


def test_guide_summary_of_raw_variable_layers_counts_no_params():
    inputs = keras.Input(shape=[3])
    x = RawDense(3, name="flexible_dense_1")(inputs)
    x = RawDense(2, name="flexible_dense_2")(x)
    model = keras.Model(inputs=inputs, outputs=x)
    lines = []
    model.summary(print_fn=lines.append)
    text = lines[0]
    assert "│ flexible_dense_1 (RawDense)     │ (None, 3)              │             0 │" in text
    assert "│ flexible_dense_2 (RawDense)     │ (None, 2)              │             0 │" in text
    assert text.endswith(" Total params: 0 (0.00 B)\n Trainable params: 0 (0.00 B)\n"
                         " Non-trainable params: 0 (0.00 B)")
    assert model(wb.constant([[2.0, 2.0, 2.0]])).shape == (1, 2)


def test_a_seed_generators_state_is_a_layer_variable():
    class Noisy(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1)

        def call(self, x):
            return x + keras.random.normal(wb.shape(x), seed=self.seed_generator)

    layer = Noisy()
    layer(wb.zeros([2]))
    assert [v.name for v in layer.non_trainable_variables] == ["seed_generator_state"]
    assert layer.trainable_variables == [] and layer.variables[0] is layer.seed_generator.state


def test_call_error_on_symbolic_inputs_says_the_output_could_not_be_inferred():
    x = keras.Input(shape=(3,))
    layer = Bad(name="bad_symbolic")
    with pytest.raises(ValueError) as info:
        layer(x)
    assert type(info.value) is ValueError and type(info.value.__context__) is ValueError
    assert str(info.value) == (
        "Exception encountered when calling Bad.call().\n\n\x1b[1mCould not automatically infer the output "
        "shape / dtype of 'bad_symbolic' (of type Bad). Either the `Bad.call()` method is incorrect, or you "
        "need to implement the `Bad.compute_output_spec() / compute_output_shape()` method. Error "
        "encountered:\n\nboom\x1b[0m\n\n"
        "Arguments received by Bad.call():\n"
        f"  • args=({repr(x)!r},)\n"
        "  • kwargs={}")
    # a layer inside a model called on symbolic inputs speaks for itself, once
    inner = keras.Sequential([Bad()])
    with pytest.raises(ValueError) as info:
        inner(keras.Input(shape=(3,)))
    assert str(info.value).count("Exception encountered") == 1
