"""What TF's Keras tutorials (tests/tf_guides) rely on, pinned to TF 2.21 / Keras 3 values."""

import gzip
import hashlib
import io
import os
import pickle
import tarfile

import numpy as np
import pytest

import workbench as wb


class _Block(wb.keras.Model):
    def __init__(self):
        super().__init__(name="")
        self.z = wb.keras.layers.Dense(1)
        self.a = wb.keras.layers.Dense(2)

    def call(self, x):
        return self.a(self.z(x))


def test_subclassed_model_layers_and_weights_follow_assignment_order_and_empty_name():
    # custom_layers: ResnetIdentityBlock(name='') lists conv2a, bn2a, ... in __init__'s order
    m = _Block()
    m(wb.zeros([1, 3]))
    assert m.name == ""
    assert m.layers == [m.z, m.a]
    # Keras 3: an empty model name adds nothing to its weights' paths ('dense/kernel', ...)
    assert [w.path for w in m.weights] == [f"{m.z.name}/kernel", f"{m.z.name}/bias", f"{m.a.name}/kernel",
                                           f"{m.a.name}/bias"]
    assert [w.shape for w in m.weights] == [(3, 1), (1,), (1, 2), (2,)]


def test_summary_shapes_are_the_first_calls_as_keras3():
    class M(wb.keras.Model):
        def __init__(self):
            super().__init__()
            self.a = wb.keras.layers.Dense(2)
            self.f = wb.keras.layers.Flatten()

        def call(self, x):
            return self.f(self.a(x))

    m = M()
    m(wb.zeros([4, 3, 3]))
    m(wb.zeros([8, 3, 3]))
    assert m.a._summary_output_shape() == (4, 3, 2)      # Keras 3.15 prints (4, 3, 2), (4, 6)
    assert m.f._summary_output_shape() == (4, 6)
    m2 = M()
    m2.compile("sgd", "mse")
    m2.fit(np.zeros((10, 3)), np.zeros((10, 2)), batch_size=4, verbose=0)
    assert m2.a._summary_output_shape() == (None, 2)     # fit builds symbolically: (None, 2)
    buf = io.StringIO()
    m.summary(print_fn=lambda s, **k: buf.write(s + "\n"))
    assert "(4, 3, 2)" in buf.getvalue()


def test_get_file_caches_checks_hash_and_extracts(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    data = b"hello keras\n"
    (src / "a.txt").write_bytes(data)
    origin = (src / "a.txt").as_uri()
    cache = tmp_path / "cache"
    sha = hashlib.sha256(data).hexdigest()
    path = wb.keras.utils.get_file(origin=origin, cache_dir=str(cache), file_hash=sha)
    assert path == os.path.join(str(cache), "datasets", "a.txt")
    assert open(path, "rb").read() == data
    (src / "a.txt").unlink()   # cached: no second download
    assert wb.keras.utils.get_file(origin=origin, cache_dir=str(cache), file_hash=sha) == path
    with pytest.raises(ValueError, match="hash does not match"):
        (src / "b.txt").write_bytes(data)
        wb.keras.utils.get_file(origin=(src / "b.txt").as_uri(), cache_dir=str(cache), md5_hash="0" * 32)
    with pytest.raises(Exception, match="URL fetch failure on"):
        wb.keras.utils.get_file(origin=(src / "missing.txt").as_uri(), cache_dir=str(cache))
    with pytest.raises(ValueError, match='"origin"'):
        wb.keras.utils.get_file("x.txt")
    # an archive: extracted next to it, as Keras 3 names the folder
    with tarfile.open(src / "arch.tar.gz", "w:gz") as t:
        t.add(src / "b.txt", arcname="inner/b.txt")
    out = wb.keras.utils.get_file("arch.tar.gz", origin=(src / "arch.tar.gz").as_uri(), cache_dir=str(cache),
                                  extract=True)
    assert out == os.path.join(str(cache), "datasets", "arch_extracted")
    assert open(os.path.join(out, "inner", "b.txt"), "rb").read() == data


def test_datasets_read_keras_file_layouts(tmp_path, monkeypatch):
    from workbench.keras.datasets import cifar10, fashion_mnist, mnist
    rng = np.random.default_rng(0)
    xs = [rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) for n in (5, 3)]
    ys = [rng.integers(0, 10, n, dtype=np.uint8) for n in (5, 3)]
    np.savez(tmp_path / "mnist.npz", x_train=xs[0], y_train=ys[0], x_test=xs[1], y_test=ys[1])
    monkeypatch.setattr(mnist, "get_file", lambda **k: str(tmp_path / k["fname"]))
    (a, b), (c, d) = wb.keras.datasets.mnist.load_data()
    np.testing.assert_array_equal(a, xs[0]); np.testing.assert_array_equal(d, ys[1])
    # fashion-MNIST's IDX files: 8-byte label header, 16-byte image header
    blobs = {"train-labels-idx1-ubyte.gz": b"\0" * 8 + ys[0].tobytes(), "train-images-idx3-ubyte.gz": b"\0" * 16 + xs[0].tobytes(),
             "t10k-labels-idx1-ubyte.gz": b"\0" * 8 + ys[1].tobytes(), "t10k-images-idx3-ubyte.gz": b"\0" * 16 + xs[1].tobytes()}
    for name, blob in blobs.items():
        with gzip.open(tmp_path / name, "wb") as f:
            f.write(blob)
    monkeypatch.setattr(fashion_mnist, "get_file", lambda name, **k: str(tmp_path / name))
    (a, b), (c, d) = wb.keras.datasets.fashion_mnist.load_data()
    assert a.shape == (5, 28, 28) and c.shape == (3, 28, 28)
    np.testing.assert_array_equal(c, xs[1]); np.testing.assert_array_equal(b, ys[0])
    # CIFAR-10's pickled batches (bytes keys), channels-first rows -> channels-last images
    folder = tmp_path / "cifar" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    imgs = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        x = rng.integers(0, 256, (2, 3072), dtype=np.uint8)
        imgs[name] = x
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": x, b"labels": [1, 2]}, f)
    monkeypatch.setattr(cifar10, "get_file", lambda **k: str(tmp_path / "cifar"))
    (a, b), (c, d) = wb.keras.datasets.cifar10.load_data()
    assert a.shape == (10, 32, 32, 3) and b.shape == (10, 1) and c.shape == (2, 32, 32, 3) and d.dtype == np.uint8
    np.testing.assert_array_equal(c[1], imgs["test_batch"][1].reshape(3, 32, 32).transpose(1, 2, 0))


@pytest.mark.parametrize("policy", ["float32", "mixed_float16"])
def test_layer_and_group_normalization_of_integers_truncate_as_keras3(policy):
    # Keras 3.15's ops.layer_normalization and GroupNormalization normalize integers in float32,
    # then cast the result back to the input's integer dtype (toward zero), then to the compute
    # dtype: TF 2.21 gives [[-1, 0, 0, 1], [-1, 0, 0, 1]] for both layers, under both policies
    old = wb.keras.mixed_precision.global_policy()
    wb.keras.mixed_precision.set_global_policy(policy)
    try:
        x = wb.constant([[1, 2, 3, 4], [10, 20, 30, 45]])
        for layer in (wb.keras.layers.LayerNormalization(), wb.keras.layers.GroupNormalization(groups=1)):
            y = layer(x)
            assert y.dtype == (wb.float16 if policy == "mixed_float16" else wb.float32)
            np.testing.assert_array_equal(y.numpy(), [[-1, 0, 0, 1], [-1, 0, 0, 1]])
        # floating inputs are not truncated
        y = wb.keras.layers.LayerNormalization()(wb.constant([[1.0, 2.0, 3.0, 4.0]]))
        np.testing.assert_allclose(y.numpy().astype("float32"), [[-1.3411044, -0.4470348, 0.4470348, 1.3411044]],
                                   rtol=2e-3)
    finally:
        wb.keras.mixed_precision.set_global_policy(old)


def test_pooling_classes_carry_keras3_names():
    # images/cnn's summary prints "max_pooling2d (MaxPooling2D)"; MaxPool2D is the alias
    L = wb.keras.layers
    assert L.MaxPool2D is L.MaxPooling2D and L.AvgPool2D is L.AveragePooling2D
    assert L.MaxPooling2D.__name__ == "MaxPooling2D" and L.AveragePooling2D.__name__ == "AveragePooling2D"
    assert L.MaxPooling2D().name.startswith("max_pooling2d")


def test_pandas_frames_and_series_train_as_arrays():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) * 2})
    y = pd.Series(np.arange(10.0))
    m = wb.keras.Sequential([wb.keras.Input((2,)), wb.keras.layers.Dense(1)])
    m.compile("sgd", "mse")
    h = m.fit(df, y, epochs=2, verbose=0, validation_split=0.2)
    assert sorted(h.history) == ["loss", "val_loss"]
    np.testing.assert_allclose(m.predict(df, verbose=0), m.predict(df.to_numpy(), verbose=0))
    assert np.isfinite(m.evaluate(df, y, verbose=0))


def test_models_adjust_inputs_one_rank_off_on_a_unit_axis():
    # keras/regression: predict(1-D array) on Sequential([Normalization(input_shape=[1,]), Dense(1)])
    n = wb.keras.layers.Normalization(axis=None)
    n.adapt(np.arange(5.0))
    m = wb.keras.Sequential([wb.keras.Input((1,)), n, wb.keras.layers.Dense(1)])
    assert m.predict(np.arange(3.0), verbose=0).shape == (3, 1)
    m2 = wb.keras.Sequential([wb.keras.Input((2,)), wb.keras.layers.Dense(1)])
    assert m2(np.ones((4, 2, 1))).shape == (4, 1)
    with pytest.raises(ValueError):
        m2(np.ones((4, 2, 3)))
    x = wb.keras.Input((1,))
    f = wb.keras.Model(x, wb.keras.layers.Dense(2)(x))
    assert f(np.ones(3)).shape == (3, 2)


def test_saved_model_file_keeps_metric_objects(tmp_path):
    # keras/save_and_load: metrics=[SparseCategoricalAccuracy()] survive save/load_model, written as
    # Keras 3.15 writes them
    import json
    import zipfile
    m = wb.keras.Sequential([wb.keras.Input((3,)), wb.keras.layers.Dense(4)])
    m.compile("adam", wb.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=[wb.keras.metrics.SparseCategoricalAccuracy(), "accuracy"])
    m.fit(np.ones((8, 3)), np.zeros(8), verbose=0)
    path = str(tmp_path / "m.keras")
    m.save(path)
    written = json.loads(zipfile.ZipFile(path).read("config.json"))["compile_config"]["metrics"]
    assert written == [{"module": "keras.metrics", "class_name": "SparseCategoricalAccuracy",
                        "config": {"name": "sparse_categorical_accuracy", "dtype": "float32"},
                        "registered_name": None}, "accuracy"]
    n = wb.keras.models.load_model(path)
    loss, acc, acc2 = n.evaluate(np.ones((8, 3)), np.zeros(8), verbose=0)
    np.testing.assert_allclose(loss, m.evaluate(np.ones((8, 3)), np.zeros(8), verbose=0)[0], rtol=1e-6)


def test_normalization_statistics_broadcast_as_keras3():
    # keras/regression prints normalizer.mean: TF 2.21 shows shape (1, 9) after adapting on rows
    # of 9 features; the weights ('mean', 'variance', 'count') keep (9,), (9,), ()
    n = wb.keras.layers.Normalization()
    n.adapt(np.arange(12.0).reshape(4, 3))
    assert tuple(n.mean.shape) == (1, 3) and tuple(n.variance.shape) == (1, 3)
    np.testing.assert_allclose(n.mean.numpy(), [[4.5, 5.5, 6.5]])
    assert [w.path for w in n.weights] == [f"{n.name}/mean", f"{n.name}/variance", f"{n.name}/count"]
    assert [tuple(w.shape) for w in n.weights] == [(3,), (3,), ()]
    assert wb.keras.layers.Normalization().mean is None
    given = wb.keras.layers.Normalization(mean=[[1.0, 2.0, 3.0]], variance=[[1.0, 4.0, 0.25]])
    np.testing.assert_allclose(given(np.ones((2, 3))).numpy(), [[0.0, -0.5, -4.0]] * 2)


def test_legacy_hdf5_model_files_round_trip_and_read_keras_files(tmp_path):
    # keras/save_and_load: model.save('my_model.h5') and load_model('my_model.h5')
    pytest.importorskip("h5py")
    x = np.arange(24, dtype="float32").reshape(6, 4) / 10
    y = np.array([0, 1, 0, 1, 1, 0])
    # written by TF 2.21 / Keras 3.15.1 (Dense-relu, BatchNormalization, Dense; SGD, 2 epochs)
    path = os.path.join(os.path.dirname(__file__), "fixtures", "keras_tutorials_s16_legacy.h5")
    m = wb.keras.models.load_model(path)
    np.testing.assert_allclose(m.predict(x[:2], verbose=0),
                               [[-0.14239050447940826, 0.11872483789920807], [-0.270247220993042, 0.21889570355415344]],
                               rtol=1e-5, atol=1e-6)
    loss, acc = m.evaluate(x, y, verbose=0)        # TF: [0.7740583419799805, 0.5]
    np.testing.assert_allclose([loss, acc], [0.7740583419799805, 0.5], rtol=1e-5)
    assert type(m.optimizer).__name__ == "SGD"
    out = str(tmp_path / "again.h5")
    m.save(out)
    n = wb.keras.models.load_model(out)
    np.testing.assert_allclose(n.predict(x, verbose=0), m.predict(x, verbose=0), rtol=1e-6)
    assert [w.path for w in n.weights] != [] and len(n.weights) == len(m.weights)
    with pytest.raises(ValueError, match="no model_config"):
        import h5py
        with h5py.File(str(tmp_path / "bare.h5"), "w") as f:
            f.create_group("x")
        wb.keras.models.load_model(str(tmp_path / "bare.h5"))


def test_host_cache_trim_skips_held_arrays_by_identity():
    # generative/dcgan's train step raised "truth value of an array ... is ambiguous" here
    from workbench import hostcache
    a = hostcache.empty((4, 4), np.dtype("float32"))
    b = hostcache.empty((4, 4), np.dtype("float32"))
    c = hostcache.empty((4, 4), np.dtype("float32"))
    a[:], b[:], c[:] = 1, 2, 3
    del a, c
    hostcache._trim(0)            # b is still held: kept; the free ones go
    assert b[0, 0] == 2


def test_summary_columns_at_a_given_width_as_keras3():
    # TF 2.21 / Keras 3.15 with line_length=60: content widths 24, 17, 9
    m = wb.keras.Sequential([wb.keras.Input((5,)), wb.keras.layers.Dense(3, name="dense")])
    lines = []
    m.summary(line_length=60, print_fn=lambda s, **k: lines.append(s))
    text = "\n".join(lines).splitlines()
    assert text[1] == "┏" + "━" * 26 + "┳" + "━" * 19 + "┳" + "━" * 11 + "┓"
    assert text[4] == "│ dense (Dense)            │ (None, 3)         │        18 │"


def test_pandas_series_feed_as_columns_as_keras3():
    # load_pandas_dataframe: predict on a dict of 1-D Series concatenated on axis 1 (Keras 3 feeds
    # each Series as an (n, 1) column); TF 2.21 gives predictions of shape (3, 1)
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0) * 2})

    class M(wb.keras.Model):
        def __init__(self):
            super().__init__()
            self.c = wb.keras.layers.Concatenate(axis=1)
            self.d = wb.keras.layers.Dense(1)

        def call(self, x):
            return self.d(self.c([x[k] for k in sorted(x)]))

    m = M()
    m.compile("sgd", "mse")
    m.fit(dict(df), df["a"], epochs=1, verbose=0)
    assert m.predict(dict(df.iloc[:3]), verbose=0).shape == (3, 1)
    assert m.layers[1].kernel.shape == (2, 1)
