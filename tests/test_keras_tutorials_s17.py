"""What TF's Keras tutorials (tests/tf_guides: classification, text_classification, images, structured
data, time series, transfer learning) rely on, pinned to Keras 3.15 values."""

import io
import contextlib

import numpy as np
import pytest

import workbench as wb

keras = wb.keras

# Keras 3.15: layers without weights are built from __init__ (their summary row reads 0, not "0 (unbuilt)")
_BUILT_AT_INIT = {
    "Dropout": (0.2,), "SpatialDropout1D": (0.2,), "SpatialDropout2D": (0.2,), "GaussianNoise": (0.1,),
    "GaussianDropout": (0.1,), "Activation": ("relu",), "Reshape": ((2,),), "Identity": (), "Masking": (),
    "ReLU": (), "LeakyReLU": (), "ELU": (), "Softmax": (), "UnitNormalization": (),
    "MaxPooling1D": (2,), "MaxPooling2D": (), "AveragePooling2D": (2,), "GlobalAveragePooling1D": (),
    "GlobalMaxPooling2D": (),
}
_BUILT_LATER = {"Dense": (2,), "Flatten": (), "Embedding": (3, 2), "Conv2D": (2, 3), "Normalization": (),
                "BatchNormalization": (), "LSTM": (2,), "Rescaling": (0.5,), "RandomFlip": (),
                "Concatenate": (), "Permute": ((1,),)}


@pytest.mark.parametrize("name", sorted(_BUILT_AT_INIT) + sorted(_BUILT_LATER))
def test_weightless_layers_are_built_at_init_as_keras3(name):
    layer = getattr(keras.layers, name)(*{**_BUILT_AT_INIT, **_BUILT_LATER}[name])
    assert layer.built is (name in _BUILT_AT_INIT)


def test_unbuilt_sequential_summary_rows_as_keras3():
    # text_classification: the model's summary before fit
    model = keras.Sequential([keras.layers.Embedding(100, 4), keras.layers.Dropout(0.2),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        model.summary()
    rows = [line.split("│") for line in buf.getvalue().splitlines() if line.startswith("│ ")]
    params = [row[3].strip() for row in rows if row[3].strip()]
    assert params == ["0 (unbuilt)", "0", "0", "0 (unbuilt)"]
    y = model(np.array([[1, 2, 3]]))   # built on the first call, weightless layers unchanged
    assert y.shape == (1, 1) and model.layers[1].built


def test_unit_normalization_checks_its_axis_per_call():
    layer = keras.layers.UnitNormalization(axis=2)
    np.testing.assert_allclose(layer(wb.constant([[[3.0, 4.0]]])).numpy(), [[[0.6, 0.8]]], rtol=1e-6)
    with pytest.raises(ValueError, match="axis 2 is out of range for inputs of rank 2"):
        layer(wb.constant([[3.0, 4.0]]))


def _png_tree(root):
    from PIL import Image
    rng = np.random.default_rng(5)
    for cls in ("cats", "dogs"):
        (root / cls / "sub").mkdir(parents=True)
        for i in range(5):
            Image.fromarray(rng.integers(0, 256, (6 + i, 9 - i, 3), dtype=np.uint8)).save(
                root / cls / ("sub" if i == 4 else "") / f"{i}.png")
        (root / cls / "notes.txt").write_text("x")   # not an image: not listed


def test_image_dataset_from_directory_as_keras3(tmp_path, capsys):
    pytest.importorskip("PIL")
    _png_tree(tmp_path)
    # Keras 3.15 (TF 2.21) on the same files: order, split, labels and the bilinear resize's pixel sums
    tr, va = keras.utils.image_dataset_from_directory(tmp_path, validation_split=0.3, subset="both", seed=7,
                                                      image_size=(4, 5), batch_size=4)
    assert capsys.readouterr().out.splitlines() == ["Found 10 files belonging to 2 classes.",
                                                    "Using 7 files for training.", "Using 3 files for validation."]
    assert tr.class_names == ["cats", "dogs"]
    rel = lambda paths: [str(__import__("pathlib").Path(p).relative_to(tmp_path)) for p in paths]  # noqa: E731
    assert rel(tr.file_paths) == ["dogs/3.png", "dogs/0.png", "cats/0.png", "cats/2.png", "cats/1.png",
                                  "dogs/sub/4.png", "dogs/2.png"]
    assert rel(va.file_paths) == ["cats/3.png", "dogs/1.png", "cats/sub/4.png"]
    got = [(x.numpy().sum(axis=(1, 2, 3)), y.numpy()) for x, y in tr]
    want = [([7655.60009765625, 7020.4501953125, 7364.75, 8290.7001953125], [1, 0, 1, 0]),
            ([7745.923828125, 7590.4130859375, 7271.0], [1, 0, 1])]
    assert len(got) == 2
    for (s, y), (ws, wy) in zip(got, want):
        np.testing.assert_allclose(s, ws, rtol=1e-6)
        assert y.tolist() == wy and y.dtype == np.int32
    (x, y), = list(va)
    assert x.shape == (3, 4, 5, 3) and x.dtype == np.float32
    np.testing.assert_allclose(x.numpy().sum(axis=(1, 2, 3)), [7299.76220703125, 7407.88818359375, 7071.25], rtol=1e-6)
    assert y.numpy().tolist() == [0, 1, 0]


def test_image_dataset_from_directory_modes_as_keras3(tmp_path):
    pytest.importorskip("PIL")
    _png_tree(tmp_path)
    g = keras.utils.image_dataset_from_directory(tmp_path, color_mode="grayscale", label_mode="categorical",
                                                 shuffle=False, image_size=(3, 3), interpolation="nearest",
                                                 batch_size=None, crop_to_aspect_ratio=True, verbose=False)
    x, y = next(iter(g))
    assert x.dtype == np.uint8 and x.shape == (3, 3, 1)   # "nearest" keeps the decoded dtype, as TF's resize
    # TF's PNG decoder converts RGB to gray with other weights than Pillow's: values agree within 1
    np.testing.assert_allclose(x.numpy()[:, :, 0], [[147, 88, 67], [142, 77, 47], [103, 128, 167]], atol=1)
    assert y.numpy().tolist() == [1.0, 0.0] and y.dtype == np.float32
    b = keras.utils.image_dataset_from_directory(tmp_path, label_mode="binary", seed=1, image_size=(2, 2),
                                                 batch_size=3, pad_to_aspect_ratio=True, verbose=False)
    x, y = next(iter(b))
    np.testing.assert_allclose(x.numpy(), [[[[30.5, 161.5, 205.0], [0, 0, 0]], [[133.0, 184.0, 229.5], [0, 0, 0]]],
                                           [[[79.75, 133.5, 126.0], [156.5, 93.75, 55.375]], [[0, 0, 0], [0, 0, 0]]],
                                           [[[144.375, 117.125, 90.75], [0, 0, 0]], [[169.875, 206.0, 146.125], [0, 0, 0]]]],
                               rtol=1e-6)
    assert y.numpy().tolist() == [[0.0], [1.0], [0.0]] and y.dtype == np.float32


def test_image_dataset_from_directory_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="color_mode"):
        keras.utils.image_dataset_from_directory(tmp_path, color_mode="cmyk")
    with pytest.raises(ValueError, match="image_size"):
        keras.utils.image_dataset_from_directory(tmp_path, image_size=(1, 2, 3))
    with pytest.raises(ValueError, match="interpolation"):
        keras.utils.image_dataset_from_directory(tmp_path, interpolation="cubic")
    with pytest.raises(ValueError, match="seed"):
        keras.utils.image_dataset_from_directory(tmp_path, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="No images found"):
        keras.utils.image_dataset_from_directory(tmp_path)


def test_lookup_vocabularies_hold_numpy_scalars_as_keras3():
    # preprocessing_layers / text_classification print vocabularies: Keras 3.15 gives the adapted or given
    # entries as NumPy scalars, the special tokens as Python values
    rng = np.random.default_rng(0)
    ages = rng.integers(0, 60, (480, 1))
    lookup = keras.layers.IntegerLookup(max_tokens=5)
    lookup.adapt(ages)
    vocab = lookup.get_vocabulary()
    assert vocab == [-1, 40, 55, 34, 31]
    assert type(vocab[0]) is int and all(type(v) is np.int64 for v in vocab[1:])
    assert repr(lookup.get_vocabulary(include_special_tokens=False)) == \
        "[np.int64(40), np.int64(55), np.int64(34), np.int64(31)]"
    strings = keras.layers.StringLookup(mask_token="")
    strings.adapt(np.array(["p", "q", "q"]))
    assert repr(strings.get_vocabulary()) == "['', '[UNK]', np.str_('q'), np.str_('p')]"
    text = keras.layers.TextVectorization()
    text.adapt(["a b b"])
    assert repr(text.get_vocabulary()) == "['', '[UNK]', np.str_('b'), np.str_('a')]"
    assert text.get_config()["vocabulary"] is None or all(type(t) is str for t in text.get_config()["vocabulary"])


@pytest.mark.parametrize("kwargs, name, params, n_weights, n_trainable, out_shape, pads", [
    (dict(input_shape=(160, 160, 3), include_top=False), "mobilenetv2_1.00_160", 2257984, 260, 156, (None, 5, 5, 1280),
     [(None, 81, 81, 96), (None, 41, 41, 144), (None, 21, 21, 192), (None, 11, 11, 576)]),
    (dict(), "mobilenetv2_1.00_224", 3538984, 262, 158, (None, 1000),
     [(None, 113, 113, 96), (None, 57, 57, 144), (None, 29, 29, 192), (None, 15, 15, 576)]),
    (dict(input_shape=(97, 120, 3), include_top=False, alpha=0.35, pooling="avg"), "mobilenetv2_0.35_97", 410208, 260,
     156, (None, 1280), [(None, 51, 61, 48), (None, 27, 31, 48), (None, 15, 17, 96), (None, 9, 9, 192)]),
    (dict(alpha=1.4, classes=10, input_shape=(96, 96, 3)), "mobilenetv2_1.40_96", 4381642, 262, 158, (None, 10),
     [(None, 49, 49, 144), (None, 25, 25, 192), (None, 13, 13, 288), (None, 7, 7, 816)]),
])
def test_mobilenet_v2_architecture_as_keras3(kwargs, name, params, n_weights, n_trainable, out_shape, pads):
    # transfer_learning: Keras 3.15's MobileNetV2(weights=None) names, parameter counts and padded shapes
    m = keras.applications.MobileNetV2(weights=None, **kwargs)
    assert m.name == name and m.count_params() == params
    assert len(m.weights) == n_weights and len(m.trainable_weights) == n_trainable
    assert tuple(m.output.shape) == out_shape
    assert [tuple(l.output.shape) for l in m.layers if l.name.endswith("_pad")] == pads
    names = [l.name for l in m.layers if type(l).__name__ != "InputLayer"]
    assert names[:11] == ["Conv1", "bn_Conv1", "Conv1_relu", "expanded_conv_depthwise", "expanded_conv_depthwise_BN",
                          "expanded_conv_depthwise_relu", "expanded_conv_project", "expanded_conv_project_BN",
                          "block_1_expand", "block_1_expand_BN", "block_1_expand_relu"]
    assert "block_2_add" in names and "block_16_project_BN" in names
    assert m.weights[0].path == "Conv1/kernel" and m.weights[1].path == "bn_Conv1/gamma"


def test_mobilenet_v2_preprocess_input_on_arrays_and_keras_inputs():
    x = np.arange(12, dtype=np.float32).reshape(1, 2, 2, 3) * 20
    np.testing.assert_allclose(keras.applications.mobilenet_v2.preprocess_input(x).ravel()[:3],
                               [-1.0, -0.843137264251709, -0.686274528503418], rtol=1e-6)
    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, keras.applications.mobilenet_v2.preprocess_input(inputs))
    np.testing.assert_allclose(model(np.full((1, 4, 4, 3), 255.0, np.float32)).numpy(), 1.0)
    with pytest.raises(ValueError, match="weights='imagenet'"):
        keras.applications.MobileNetV2()


@pytest.mark.parametrize("mode, dtype", [("int", np.int64), ("multi_hot", np.int64), ("count", np.int64),
                                         ("one_hot", np.int64), ("tf_idf", np.float32)])
def test_text_vectorization_output_dtypes_as_keras3(mode, dtype):
    # Keras 3.15 (TF backend), eagerly and in a traced step alike: the encodings are int64, tf_idf float32
    layer = keras.layers.TextVectorization(output_mode=mode, max_tokens=6)
    layer.adapt(["a b b c", "c c d"])
    x = np.array(["a b"]) if mode == "one_hot" else np.array(["a b z", "c c"])
    y = layer(x)
    assert y.dtype == dtype
    want = {"int": [[5, 3, 1], [2, 2, 0]], "multi_hot": [[1, 0, 1, 0, 1], [0, 1, 0, 0, 0]],
            "count": [[1, 0, 1, 0, 1], [0, 2, 0, 0, 0]], "one_hot": [[[0, 0, 0, 0, 1], [0, 0, 1, 0, 0]]],
            "tf_idf": [[0.6475667953491211, 0.0, 0.6931471824645996, 0.0, 0.6931471824645996],
                       [0.0, 1.021651268005371, 0.0, 0.0, 0.0]]}[mode]
    got = y.to_list() if hasattr(y, "to_list") else y.numpy().tolist()
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=1e-6)
    traced = wb.function(lambda s: layer(s))(wb.constant(np.array(["a b z", "c c"])))
    if mode != "one_hot":
        assert traced.dtype == dtype


@pytest.mark.parametrize("cls, vocab, x", [("StringLookup", ["a", "b"], [["a"], ["b"]]),
                                          ("IntegerLookup", [4, 7], [[4], [7]])])
@pytest.mark.parametrize("mode", ["multi_hot", "count", "one_hot"])
def test_lookup_encodings_are_int64_as_keras3(cls, vocab, x, mode):
    y = getattr(keras.layers, cls)(output_mode=mode, vocabulary=vocab)(np.array(x))
    assert y.dtype == np.int64 and y.shape == (2, 3)
    assert y.numpy().tolist() == [[0, 1, 0], [0, 0, 1]]
