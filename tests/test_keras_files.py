"""Keras 3's files: ``.weights.h5`` and ``.keras`` (``wb.keras.saving``).

The fixtures in tests/fixtures/keras were written by Keras 3.15.1 (jax backend) with
``make_fixtures.py``; each ``NAME.npz`` holds the input and Keras' prediction, which the
models here must reproduce from Keras' files.
"""

import os

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


BUILDERS = {"mlp": mlp, "cnn": cnn, "rnn": rnn, "embed": embed}


def expected(name):
    data = np.load(os.path.join(FIXTURES, f"{name}.npz"))
    x = data["x"] if "x" in data else [data["x0"], data["x1"]]
    return x, data["y"]


def predict(model, x):
    x = [wb.constant(v) for v in x] if isinstance(x, list) else wb.constant(x)
    return model(x, training=False).numpy()


def layout(path):
    """``{name: shape}`` of every group and dataset in an HDF5 file (groups: None)."""
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, getattr(obj, "shape", None)))
    return out


def trained(model, x, steps=2):
    """Give ``model`` an Adam optimizer with state (as Keras' compile + fit would)."""
    model.optimizer = wb.optimizers.Adam(0.01)
    xs = [wb.constant(v) for v in x] if isinstance(x, list) else wb.constant(x)
    for _ in range(steps):
        model.optimizer.minimize(lambda: wb.reduce_sum(model(xs, training=True) ** 2), model.trainable_variables)
    return model


# -- .weights.h5 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_keras_weights_file_loads_and_predicts_like_keras(name):
    x, y = expected(name)
    model = BUILDERS[name]()
    keras.saving.load_weights(model, os.path.join(FIXTURES, f"{name}.weights.h5"))
    np.testing.assert_allclose(predict(model, x), y, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_written_weights_file_has_the_layout_keras_writes(name, tmp_path):
    """Same group and dataset names and shapes as Keras' file for the same model and optimizer."""
    x, _ = expected(name)
    model = trained(BUILDERS[name](), x)
    path = str(tmp_path / f"{name}.weights.h5")
    keras.saving.save_weights(model, path)
    ours, theirs = layout(path), layout(os.path.join(FIXTURES, f"{name}.weights.h5"))
    assert ours == theirs


def test_weights_round_trip_restores_weights_and_optimizer_state(tmp_path):
    x, _ = expected("rnn")
    model = trained(rnn(), x, steps=3)
    path = str(tmp_path / "m.weights.h5")
    keras.saving.save_weights(model, path)
    fresh = rnn()
    fresh.optimizer = wb.optimizers.Adam(0.01)
    keras.saving.load_weights(fresh, path)
    np.testing.assert_array_equal(predict(fresh, x), predict(model, x))
    assert int(fresh.optimizer.iterations.numpy()) == 3
    for a, b in zip(fresh.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # training goes on from the same state: one more step gives the same weights
    for m in (model, fresh):
        m.optimizer.minimize(lambda m=m: wb.reduce_sum(m(wb.constant(x), training=True) ** 2),
                             m.trainable_variables)
    for a, b in zip(fresh.weights, model.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_load_weights_names_the_layer_that_does_not_fit(tmp_path):
    path = str(tmp_path / "m.weights.h5")
    keras.saving.save_weights(mlp(), path)
    other = keras.Sequential([keras.Input((4,)), L.Dense(8, activation="relu"), L.BatchNormalization(),
                              L.Dropout(0.25), L.Dense(5)])
    with pytest.raises(ValueError, match=r"layers/dense_1: Dense '.*': weight '.*kernel' has shape \(8, 5\), "
                                         r"the file holds shape \(8, 3\)"):
        keras.saving.load_weights(other, path)
    before = [w.numpy() for w in other.weights]
    with pytest.warns(UserWarning, match="skipping layers/dense_1"):
        keras.saving.load_weights(other, path, skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[-1].kernel.numpy(), before[-2])


def test_weights_file_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match=r"filepath must end in '\.weights\.h5'"):
        keras.saving.save_weights(mlp(), str(tmp_path / "m.h5"))
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
