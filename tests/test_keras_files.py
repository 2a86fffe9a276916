"""Keras 3's files: ``.weights.h5`` and ``.keras`` (``wb.keras.saving``).

The fixtures in tests/fixtures/keras were written by Keras 3.15.1 (jax backend) with
``make_fixtures.py``; each ``NAME.npz`` holds the input, Keras' prediction and its prediction
after one more training step, which the models here must reproduce from Keras' files.

The other way, files written here load in Keras: ``write_ours.py`` writes the same
architectures built and trained here (and models trained with each optimizer, for Keras to
resume training from), and ``check_in_keras.py`` (run with Keras 3.15.1, jax backend) loads
them; it printed::

    branches load_model: Functional, max |keras - workbench| = 2.38e-07, optimizer Adam with 18 variables (iterations 2) matches
    branches load_weights: Functional, max |keras - workbench| = 2.38e-07, optimizer Adam with 18 variables (iterations 2) matches
    cnn load_model: Sequential, max |keras - workbench| = 2.38e-07, optimizer Adam with 10 variables (iterations 2) matches
    cnn load_weights: Sequential, max |keras - workbench| = 2.38e-07, optimizer Adam with 10 variables (iterations 2) matches
    embed load_model: Functional, max |keras - workbench| = 2.98e-08, optimizer Adam with 16 variables (iterations 2) matches
    embed load_weights: Functional, max |keras - workbench| = 2.98e-08, optimizer Adam with 16 variables (iterations 2) matches
    mlp load_model: Sequential, max |keras - workbench| = 5.96e-08, optimizer Adam with 14 variables (iterations 2) matches
    mlp load_weights: Sequential, max |keras - workbench| = 5.96e-08, optimizer Adam with 14 variables (iterations 2) matches
    rnn load_model: Functional, max |keras - workbench| = 1.43e-06, optimizer Adam with 22 variables (iterations 2) matches
    rnn load_weights: Functional, max |keras - workbench| = 1.43e-06, optimizer Adam with 22 variables (iterations 2) matches
    subclassed load_weights: Subclassed, max |keras - workbench| = 2.38e-07, optimizer Adam with 18 variables (iterations 2) matches
    zoo_img load_model: Sequential, max |keras - workbench| = 5.96e-08, optimizer Adam with 12 variables (iterations 2) matches
    zoo_img load_weights: Sequential, max |keras - workbench| = 5.96e-08, optimizer Adam with 12 variables (iterations 2) matches
    zoo_seq load_model: Functional, max |keras - workbench| = 3.73e-08, optimizer Adam with 48 variables (iterations 2) matches
    zoo_seq load_weights: Functional, max |keras - workbench| = 3.73e-08, optimizer Adam with 48 variables (iterations 2) matches
    resume cnn_adagrad: Adagrad with 6 variables, one more step in Keras, max |keras - workbench| = 1.79e-07
    resume cnn_adam: Adam with 10 variables, one more step in Keras, max |keras - workbench| = 1.79e-07
    resume cnn_adamw: AdamW with 10 variables, one more step in Keras, max |keras - workbench| = 2.24e-07
    resume cnn_amsgrad: Adam with 14 variables, one more step in Keras, max |keras - workbench| = 2.24e-07
    resume cnn_rmsprop: RMSprop with 14 variables, one more step in Keras, max |keras - workbench| = 1.79e-07
    resume cnn_sgd: SGD with 6 variables, one more step in Keras, max |keras - workbench| = 2.38e-07
    resume embed_rmsprop: RMSprop with 9 variables, one more step in Keras, max |keras - workbench| = 8.94e-08
    resume zoo_seq_adam: Adam with 48 variables, one more step in Keras, max |keras - workbench| = 5.96e-08
    registered tower: Tower(width=4), max |keras - workbench| = 5.96e-08, optimizer iterations 1
    keras 3.15.1: 8 models, 8 optimizers resumed, all match
"""

import json
import os
import re
import zipfile

import numpy as np
import pytest

import workbench as wb

h5py = pytest.importorskip("h5py")

keras = wb.keras
L = keras.layers
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras")


# -- the fixture models, built here with the same architecture --------------------------------

def mlp():
    return keras.Sequential([keras.Input((4,)), L.Dense(8, activation="relu"), L.BatchNormalization(),
                             L.Dropout(0.25), L.Dense(3, activation="softmax")], name="mlp")


def cnn():
    return keras.Sequential([keras.Input((6, 6, 2)), L.Conv2D(3, 3, activation="relu"), L.Flatten(),
                             L.Dense(2)], name="cnn")


def rnn():
    inputs = keras.Input((5, 3), name="seq")
    x = L.LSTM(4, return_sequences=True)(inputs)
    x = L.LayerNormalization()(L.GRU(3)(x))
    return keras.Model(inputs, L.Dense(2)(x), name="rnn")


def embed():
    tokens = keras.Input((7,), dtype="int32", name="tokens")
    extra = keras.Input((2,), name="extra")
    x = L.Flatten()(L.Embedding(10, 4)(tokens))
    inner = keras.Sequential([L.Dense(5, activation="tanh"), L.Dense(3)], name="inner")
    x = L.Concatenate()([inner(x), extra])
    return keras.Model([tokens, extra], L.Dense(1)(x), name="embed")


def zoo_seq():
    inputs = keras.Input((6, 4), name="seq")
    x = L.Bidirectional(L.LSTM(3, return_sequences=True))(inputs)
    x = L.Add()([x, L.MultiHeadAttention(num_heads=2, key_dim=3)(x, x)])
    x = L.EinsumDense("abc,cd->abd", output_shape=(None, 5), bias_axes="d")(x)
    x = L.Reshape((30,))(L.Activation("relu")(x))
    x = L.Multiply()([x, L.Dense(30, activation="sigmoid")(x)])
    x = L.SimpleRNN(2)(L.Reshape((6, 5))(x))
    return keras.Model(inputs, L.Dense(2)(x), name="zoo_seq")


def zoo_img():
    return keras.Sequential([keras.Input((8, 8, 2)), L.Conv2D(4, 3, padding="same"), L.MaxPooling2D(2),
                             L.AveragePooling2D(2), L.Conv2D(3, 1, use_bias=False), L.GlobalAveragePooling2D(),
                             L.Dense(2)], name="zoo_img")


def branches():
    x = keras.Input((4,), name="x")
    shared = L.Dense(3)
    first = shared(x)
    wide = L.Dense(4, activation="relu")(x)
    narrow = L.Dense(4, activation="tanh")(x)
    merged = L.Concatenate()([shared(narrow), wide, first])
    return keras.Model(x, L.Dense(2)(merged), name="branches")


class Subclassed(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = L.Dense(4, activation="relu")
        self.blocks = [L.Dense(3), L.Dense(3, activation="tanh")]
        self.out = L.Dense(2)

    def call(self, inputs):
        x = self.hidden(inputs)
        for block in self.blocks:
            x = block(x)
        return self.out(x)


def subclassed():
    model = Subclassed(name="subclassed")
    model(wb.zeros([1, 5]))
    return model


WEIGHTS_ONLY = {"subclassed": subclassed}      # Keras wrote no .keras file for these
BUILDERS = {"branches": branches, "mlp": mlp, "cnn": cnn, "rnn": rnn, "embed": embed, "zoo_seq": zoo_seq, "zoo_img": zoo_img}


def expected(name):
    data = np.load(os.path.join(FIXTURES, f"{name}.npz"))
    x = data["x"] if "x" in data else [data["x0"], data["x1"]]
    return x, data["y"]


def predict(model, x):
    x = [wb.constant(v) for v in x] if isinstance(x, list) else wb.constant(x)
    return model(x, training=False).numpy()


# Keras' MultiHeadAttention holds two weightless sublayers (its softmax and dropout) that this
# library's does not: their groups in Keras' files are empty, and nothing is lost without them.
KERAS_ONLY_GROUPS = re.compile(r".*/multi_head_attention/(_dropout_layer|_softmax)(/vars)?$")


def layout(path):
    """``{name: shape}`` of every group and dataset in an HDF5 file (groups: None)."""
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, getattr(obj, "shape", None)))
    return out


def optimizer_state(model):
    """The optimizer's step, learning rate and every slot, keyed by the index of its weight."""
    opt = model.optimizer
    state = {"iterations": int(opt.iterations.numpy()), "learning_rate": float(opt.learning_rate.numpy())}
    for i, var in enumerate(model.trainable_variables):
        for slot in opt.get_slot_names():
            state[(i, slot)] = opt.get_slot(var, slot).numpy().tolist()
    return state


def trained(model, x, y, epochs=1, metrics=None):
    """``model`` compiled with Adam and fitted for ``epochs`` (two steps each), so its optimizer has state."""
    model.compile(optimizer=wb.optimizers.Adam(0.01), loss="mse", metrics=metrics)
    model.fit(x, y, epochs=epochs, batch_size=3, verbose=0)
    return model


# -- .weights.h5 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted({**BUILDERS, **WEIGHTS_ONLY}))
def test_keras_weights_file_loads_and_predicts_like_keras(name):
    x, y = expected(name)
    model = {**BUILDERS, **WEIGHTS_ONLY}[name]()
    keras.saving.load_weights(model, os.path.join(FIXTURES, f"{name}.weights.h5"))
    np.testing.assert_allclose(predict(model, x), y, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted({**BUILDERS, **WEIGHTS_ONLY}))
def test_written_weights_file_has_the_layout_keras_writes(name, tmp_path):
    """Same group and dataset names and shapes as Keras' file for the same model and optimizer."""
    x, y = expected(name)
    model = trained({**BUILDERS, **WEIGHTS_ONLY}[name](), x, y)
    path = str(tmp_path / f"{name}.weights.h5")
    keras.saving.save_weights(model, path)
    ours, theirs = layout(path), layout(os.path.join(FIXTURES, f"{name}.weights.h5"))
    assert ours == {k: v for k, v in theirs.items() if not KERAS_ONLY_GROUPS.match(k)}


def test_weights_round_trip_restores_weights_and_optimizer_state(tmp_path):
    x, y = expected("rnn")
    model = trained(rnn(), x, y, epochs=2)
    path = str(tmp_path / "m.weights.h5")
    keras.saving.save_weights(model, path)
    fresh = rnn()
    fresh.compile(optimizer=wb.optimizers.Adam(0.01), loss="mse")
    keras.saving.load_weights(fresh, path)
    np.testing.assert_array_equal(predict(fresh, x), predict(model, x))
    assert int(fresh.optimizer.iterations.numpy()) == 4
    assert optimizer_state(fresh) == optimizer_state(model)
    # training goes on from the same state: one more epoch gives the same weights
    for m in (model, fresh):
        m.fit(x, y, epochs=1, batch_size=3, shuffle=False, verbose=0)
    for a, b in zip(fresh.weights, model.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_load_weights_names_the_layer_that_does_not_fit(tmp_path):
    path = str(tmp_path / "m.weights.h5")
    keras.saving.save_weights(mlp(), path)
    other = keras.Sequential([keras.Input((4,)), L.Dense(8, activation="relu"), L.BatchNormalization(),
                              L.Dropout(0.25), L.Dense(5)])
    with pytest.raises(ValueError, match=r"layers/dense_1: Dense '.*': weight 'kernel' has shape \(8, 5\), "
                                         r"the file holds shape \(8, 3\)"):
        keras.saving.load_weights(other, path)
    before = [w.numpy() for w in other.weights]
    with pytest.warns(UserWarning, match="skipping layers/dense_1"):
        keras.saving.load_weights(other, path, skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[-1].kernel.numpy(), before[-2])


def test_weights_file_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match=r"filepath must end in '\.weights\.h5'"):
        keras.saving.save_weights(mlp(), str(tmp_path / "m.h5"))
    with pytest.raises(ValueError, match=r"filepath must end in '\.weights\.h5' or '\.keras'"):
        keras.saving.load_weights(mlp(), str(tmp_path / "m.h5"))
    with pytest.raises(ValueError, match="has no weights yet"):
        keras.saving.save_weights(keras.Sequential([L.Dense(2)]), str(tmp_path / "m.weights.h5"))
    path = tmp_path / "m.weights.h5"
    keras.saving.save_weights(mlp(), str(path))
    with pytest.raises(FileExistsError, match="overwrite=False"):
        keras.saving.save_weights(mlp(), str(path), overwrite=False)
    with pytest.raises(FileNotFoundError, match="no file"):
        keras.saving.load_weights(mlp(), str(tmp_path / "none.weights.h5"))


def test_weights_file_links_are_not_followed(tmp_path):
    """An HDF5 external link (a name pointing into another file) is refused, not opened."""
    path = str(tmp_path / "m.weights.h5")
    keras.saving.save_weights(mlp(), path)
    with h5py.File(path, "a") as f:
        del f["layers/dense"]
        f["layers/dense"] = h5py.ExternalLink(str(tmp_path / "elsewhere.h5"), "/x")
    with pytest.raises(ValueError, match="links /layers/dense elsewhere"):
        keras.saving.load_weights(mlp(), path)


def test_importing_wb_keras_does_not_import_h5py():
    import subprocess
    import sys
    code = "import sys, workbench as wb; wb.keras.saving; print('h5py' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- .keras ----------------------------------------------------------------------------------------

def inner_layout(path, tmp_path):
    with zipfile.ZipFile(path) as zf:
        target = tmp_path / f"inner-{os.path.basename(path)}.h5"
        target.write_bytes(zf.read("model.weights.h5"))
    return layout(str(target))


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_keras_model_file_loads_and_predicts_like_keras(name):
    x, y = expected(name)
    model = keras.saving.load_model(os.path.join(FIXTURES, f"{name}.keras"))
    assert model.name == name
    np.testing.assert_allclose(predict(model, x), y, rtol=1e-5, atol=1e-5)
    assert isinstance(model.optimizer, wb.optimizers.Adam)
    assert int(model.optimizer.iterations.numpy()) == 2          # Keras trained 6 samples in batches of 3
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.01)
    assert model.loss == "mse"


def test_a_keras_learning_rate_schedule_is_read():
    model = keras.saving.load_model(os.path.join(FIXTURES, "schedule.keras"))
    assert isinstance(model.optimizer, wb.optimizers.Adam) and int(model.optimizer.iterations.numpy()) == 2
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.1 * 0.9 ** (2 / 10))
    assert len(model.optimizer.variables) == 5      # iterations and the m, v of kernel and bias


def test_load_weights_reads_the_weights_inside_a_keras_file():
    x, y = expected("rnn")
    model = rnn()
    keras.saving.load_weights(model, os.path.join(FIXTURES, "rnn.keras"))
    np.testing.assert_allclose(predict(model, x), y, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(set(BUILDERS) - {"mlp"}))   # mlp's Dropout draws differ
def test_training_resumes_from_a_keras_file_as_in_keras(name):
    """One more Adam step after loading Keras' file reaches the weights Keras reached: the
    optimizer's slots were matched to the right weights."""
    x, _ = expected(name)
    data = np.load(os.path.join(FIXTURES, f"{name}.npz"))
    model = keras.saving.load_model(os.path.join(FIXTURES, f"{name}.keras"))
    model.fit(x, data["target"], epochs=1, batch_size=len(data["target"]), shuffle=False, verbose=0)
    np.testing.assert_allclose(predict(model, x), data["after"], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_model_file_round_trip(name, tmp_path):
    """save_model -> load_model: the same config, predictions and optimizer state."""
    x, y = expected(name)
    model = trained(BUILDERS[name](), x, y, epochs=2, metrics=["mae"])
    path = str(tmp_path / f"{name}.keras")
    keras.models.save_model(model, path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_array_equal(predict(loaded, x), predict(model, x))
    assert keras.layers.serialize(loaded) == keras.layers.serialize(model)   # (both called: dtypes set)
    assert optimizer_state(loaded) == optimizer_state(model)
    assert int(loaded.optimizer.iterations.numpy()) == 4
    assert loaded.loss == "mse"
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == model.evaluate(x, y, verbose=0, return_dict=True)
    loaded_without = keras.saving.load_model(path, compile=False)
    assert getattr(loaded_without, "optimizer", None) is None


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_written_model_file_has_the_members_and_layout_keras_writes(name, tmp_path):
    x, y = expected(name)
    path = str(tmp_path / f"{name}.keras")
    keras.saving.save_model(trained(BUILDERS[name](), x, y), path)
    theirs = os.path.join(FIXTURES, f"{name}.keras")
    with zipfile.ZipFile(path) as ours_zip, zipfile.ZipFile(theirs) as theirs_zip:
        assert sorted(ours_zip.namelist()) == sorted(theirs_zip.namelist()) == \
            ["config.json", "metadata.json", "model.weights.h5"]
        metadata = json.loads(ours_zip.read("metadata.json"))
        assert set(metadata) >= {"keras_version", "date_saved"}
        ours_cfg, theirs_cfg = json.loads(ours_zip.read("config.json")), json.loads(theirs_zip.read("config.json"))
    assert inner_layout(path, tmp_path) == {k: v for k, v in inner_layout(theirs, tmp_path).items()
                                            if not KERAS_ONLY_GROUPS.match(k)}

    def classes(cfg):
        return sorted((e["module"], e["class_name"]) for e in cfg["config"]["layers"])
    assert (ours_cfg["module"], ours_cfg["class_name"]) == (theirs_cfg["module"], theirs_cfg["class_name"])
    assert classes(ours_cfg) == classes(theirs_cfg)
    assert ours_cfg["config"].get("input_layers") == theirs_cfg["config"].get("input_layers")
    assert ours_cfg["compile_config"]["optimizer"]["class_name"] == "Adam"


def test_sequential_without_input_round_trips_through_its_build_shape(tmp_path):
    model = keras.Sequential([L.Dense(3), L.Dense(1)])
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    want = predict(model, x)
    path = str(tmp_path / "m.keras")
    keras.saving.save_model(model, path)
    with zipfile.ZipFile(path) as zf:
        assert json.loads(zf.read("config.json"))["config"]["build_input_shape"] == [None, 5]
    np.testing.assert_array_equal(predict(keras.saving.load_model(path), x), want)


@keras.saving.register_keras_serializable(package="files_test")
class Scale(L.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")

    def call(self, inputs):
        return inputs * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="files_test")
class Tower(keras.Model):
    def __init__(self, width=3, **kwargs):
        super().__init__(**kwargs)
        self.width = width
        self.hidden = L.Dense(width, activation="relu")
        self.out = L.Dense(1)

    def call(self, inputs):
        return self.out(self.hidden(inputs))

    def get_config(self):
        return {**super().get_config(), "width": self.width}


def test_registered_subclassed_model_round_trips_through_its_build_shape(tmp_path):
    model = Tower(4)
    x = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, np.ones((3, 1), np.float32), verbose=0)
    path = str(tmp_path / "tower.keras")
    keras.saving.save_model(model, path)
    with zipfile.ZipFile(path) as zf:
        config = json.loads(zf.read("config.json"))
    assert (config["class_name"], config["registered_name"]) == ("Tower", "files_test>Tower")
    assert config["build_config"] == {"input_shape": [None, 5]}
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, Tower) and loaded.width == 4
    np.testing.assert_array_equal(predict(loaded, x), predict(model, x))
    assert optimizer_state(loaded) == optimizer_state(model)


def test_registered_layer_round_trips_and_an_unknown_one_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((3,)), Scale(3.0), L.Dense(2)])
    model.layers[0].w.assign(np.array([1.0, 2.0, 3.0], np.float32))
    path = str(tmp_path / "m.keras")
    keras.saving.save_model(model, path)
    with zipfile.ZipFile(path) as zf:
        entry = json.loads(zf.read("config.json"))["config"]["layers"][1]
    assert (entry["class_name"], entry["registered_name"]) == ("Scale", "files_test>Scale")
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(predict(keras.saving.load_model(path), x), predict(model, x))
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    config["config"]["layers"][1].update(class_name="Unheard", registered_name="elsewhere>Unheard")
    bad = write_keras_file(tmp_path / "bad.keras", config)
    with pytest.raises(ValueError, match=r"layer 'scale.*' \(Unheard\).*unknown class 'elsewhere>Unheard'.*custom_objects"):
        keras.saving.load_model(bad)


# -- files from elsewhere never run code ------------------------------------------------------------

def write_keras_file(path, config, extra=()):
    """A .keras file with ``config`` and the mlp fixture's weights; ``extra``: more (name, bytes)."""
    with zipfile.ZipFile(os.path.join(FIXTURES, "mlp.keras")) as zf:
        weights = zf.read("model.weights.h5")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.15.1", "date_saved": "now"}))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", weights)
        for name, data in extra:
            zf.writestr(name, data)
    return str(path)


def fixture_config(name="mlp"):
    with zipfile.ZipFile(os.path.join(FIXTURES, f"{name}.keras")) as zf:
        return json.loads(zf.read("config.json"))


def test_malicious_model_files_run_nothing_and_write_nothing(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)        # a member "../x" extracted here would land in tmp_path, which is watched

    # an activation naming os.system
    config = fixture_config()
    config["config"]["layers"][1]["config"]["activation"] = {
        "module": "os", "class_name": "function", "config": "system", "registered_name": "function"}
    path = write_keras_file(work / "system.keras", config)
    for safe_mode in (True, False):
        with pytest.raises(ValueError, match=r"layer 'dense' \(Dense\).*unknown function 'system' from module 'os'"):
            keras.saving.load_model(path, safe_mode=safe_mode)

    # a layer class from an arbitrary module
    config = fixture_config()
    config["config"]["layers"][1].update(module="subprocess", class_name="Popen", registered_name=None)
    path = write_keras_file(work / "popen.keras", config)
    with pytest.raises(ValueError, match="unknown class 'Popen'"):
        keras.saving.load_model(path, safe_mode=False)

    # a Lambda layer carrying bytecode (as Keras writes a Python lambda), refused even with safe_mode=False
    config = fixture_config()
    config["config"]["layers"].insert(2, {
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
        "config": {"name": "evil", "trainable": True, "arguments": {},
                   "function": {"class_name": "__lambda__",
                                "config": {"code": "4wEAAAAAAAAAAAAAAAIAAAADAAAA8wwAAACXAHwAZAF6BQAAUwA=",
                                           "defaults": None, "closure": None}}}})
    path = write_keras_file(work / "lambda.keras", config)
    for safe_mode in (True, False):
        with pytest.raises(ValueError, match=r"layer 'evil' \(Lambda\) holds Python bytecode.*never run"):
            keras.saving.load_model(path, safe_mode=safe_mode)

    # archive members with paths: never extracted, the model loads from the fixed names only
    config = fixture_config()
    path = write_keras_file(work / "paths.keras", config,
                            extra=[("../escaped.txt", b"x"), ("/tmp/absolute-wb-test.txt", b"x"),
                                   ("assets/../../escaped2.txt", b"x")])
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    x, y = expected("mlp")
    np.testing.assert_allclose(predict(keras.saving.load_model(path), x), y, rtol=1e-5, atol=1e-5)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert not os.path.exists("/tmp/absolute-wb-test.txt")
    assert calls == []


def test_lambda_layers_load_only_when_asked_and_with_a_known_function(tmp_path):
    def double(x):
        return x * 2.0

    config = fixture_config()
    config["config"]["layers"].insert(2, {
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
        "config": {"name": "twice", "trainable": True, "arguments": {},
                   "function": {"module": "my_pkg.ops", "class_name": "function", "config": "double",
                                "registered_name": "function"}}})
    path = write_keras_file(tmp_path / "lambda.keras", config)
    with pytest.raises(ValueError, match=r"layer 'twice' \(Lambda\) is a Lambda layer.*safe_mode=False"):
        keras.saving.load_model(path, custom_objects={"double": double})
    with pytest.raises(ValueError, match=r"unknown function 'double' from module 'my_pkg.ops'"):
        keras.saving.load_model(path, safe_mode=False)
    model = keras.saving.load_model(path, custom_objects={"double": double}, safe_mode=False)
    assert model.layers[1].function is double


def test_model_file_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match=r"must end in '\.keras'"):
        keras.saving.save_model(mlp(), str(tmp_path / "m.txt"))
    not_zip = tmp_path / "m.keras"
    not_zip.write_bytes(b"plain")
    with pytest.raises(ValueError, match="not a zip archive"):
        keras.saving.load_model(str(not_zip))
    empty = tmp_path / "e.keras"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("other.txt", "x")
    with pytest.raises(ValueError, match="has no 'config.json'"):
        keras.saving.load_model(str(empty))
    config = fixture_config()
    config["config"]["layers"][1]["config"]["lora_rank"] = 4   # a Keras argument this library lacks
    with pytest.raises(ValueError, match="lora_rank"):
        keras.saving.load_model(write_keras_file(tmp_path / "c.keras", config))
    config = fixture_config()
    config["config"]["layers"][1]["config"]["dtype"]["config"]["name"] = "mixed_float8"   # Keras has none either
    with pytest.raises(ValueError, match="the dtype policy 'mixed_float8' is not supported"):
        keras.saving.load_model(write_keras_file(tmp_path / "p.keras", config))
    config["config"]["layers"][1]["config"]["dtype"]["config"]["name"] = "mixed_bfloat16"
    loaded = keras.saving.load_model(write_keras_file(tmp_path / "pb16.keras", config))
    assert loaded.layers[0].dtype_policy == keras.DTypePolicy("mixed_bfloat16")
    config["config"]["layers"][1]["config"]["dtype"]["config"]["name"] = "mixed_float16"
    loaded = keras.saving.load_model(write_keras_file(tmp_path / "p16.keras", config))
    assert loaded.layers[0].dtype_policy == keras.DTypePolicy("mixed_float16")
    config = fixture_config()
    del config["config"]["layers"][1]["config"]["units"]
    with pytest.raises(ValueError, match="does not fit this library's layers"):
        keras.saving.load_model(write_keras_file(tmp_path / "u.keras", config))


def test_a_missing_h5py_is_named_with_the_extra_that_installs_it(monkeypatch, tmp_path):
    import sys
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"pip install research-workbench\[keras\]"):
        keras.saving.save_weights(mlp(), str(tmp_path / "m.weights.h5"))


def test_a_learning_rate_schedule_is_not_named_in_the_file_and_says_so(tmp_path):
    x, y = expected("cnn")
    model = cnn()
    model.compile(optimizer=wb.optimizers.Adam(wb.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)), loss="mse")
    model.fit(x, y, epochs=1, batch_size=3, verbose=0)
    path = str(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="learning-rate schedule cannot be named in the file"):
        keras.saving.save_model(model, path)
    loaded = keras.saving.load_model(path)
    assert getattr(loaded, "optimizer", None) is None
    np.testing.assert_array_equal(predict(loaded, x), predict(model, x))


def test_loss_objects_and_per_output_losses_are_written_and_read(tmp_path):
    x, y = expected("cnn")
    model = cnn()
    model.compile(optimizer=wb.optimizers.SGD(0.1, momentum=0.5), loss=wb.keras.losses.Huber(delta=0.5))
    model.fit(x, y, epochs=1, batch_size=3, verbose=0)
    path = str(tmp_path / "m.keras")
    keras.saving.save_model(model, path)
    with zipfile.ZipFile(path) as zf:
        loss = json.loads(zf.read("config.json"))["compile_config"]["loss"]
    assert (loss["module"], loss["class_name"], loss["config"]["delta"]) == ("keras.losses", "Huber", 0.5)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.loss, wb.keras.losses.Huber) and loaded.loss.get_config() == model.loss.get_config()
    assert isinstance(loaded.optimizer, wb.optimizers.SGD) and optimizer_state(loaded) == optimizer_state(model)

    inputs = keras.Input((3,))
    two = keras.Model(inputs, [L.Dense(1, name="a")(inputs), L.Dense(2, name="b")(inputs)])
    two.compile(optimizer="adam", loss={"a": "mse", "b": wb.keras.losses.MeanAbsoluteError()},
                loss_weights={"a": 1.0, "b": 0.5})
    path = str(tmp_path / "two.keras")
    keras.saving.save_model(two, path)
    loaded = keras.saving.load_model(path)
    assert loaded.loss["a"] == "mse" and isinstance(loaded.loss["b"], wb.keras.losses.MeanAbsoluteError)
    data = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
    targets = {"a": data[:, :1], "b": data[:, 1:3]}
    assert loaded.evaluate(data[:, 3:], targets, verbose=0) == two.evaluate(data[:, 3:], targets, verbose=0)
