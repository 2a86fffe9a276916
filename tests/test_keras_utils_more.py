"""keras.utils: pad_sequences, normalize, the image helpers (array_to_img, img_to_array, save_img,
load_img), pack/unpack_x_y_sample_weight and the serialization names Keras 3 also exports there."""

import numpy as np
import pytest

from workbench import keras
from workbench.keras import ops


def test_pad_sequences():
    seqs = [[1, 2, 3], [4, 5], [6], []]
    np.testing.assert_array_equal(keras.utils.pad_sequences(seqs), [[1, 2, 3], [0, 4, 5], [0, 0, 6], [0, 0, 0]])
    np.testing.assert_array_equal(keras.utils.pad_sequences(seqs, maxlen=2, padding="post", truncating="post"),
                                  [[1, 2], [4, 5], [6, 0], [0, 0]])
    np.testing.assert_array_equal(keras.utils.pad_sequences(seqs, maxlen=2), [[2, 3], [4, 5], [0, 6], [0, 0]])
    out = keras.utils.pad_sequences([[0.5, 1.5]], maxlen=3, dtype="float32", value=-1.0)
    assert out.dtype == np.float32 and out.tolist() == [[-1.0, 0.5, 1.5]]
    vectors = keras.utils.pad_sequences([np.ones((2, 3)), np.ones((1, 3))], dtype="float32")
    assert vectors.shape == (2, 2, 3) and vectors[1, 0].tolist() == [0, 0, 0]
    words = keras.utils.pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert words.tolist() == [["a", "b"], ["<pad>", "c"]]
    with pytest.raises(ValueError, match='Padding type "middle" not understood'):
        keras.utils.pad_sequences(seqs, padding="middle")
    with pytest.raises(ValueError, match="not compatible with `value`"):
        keras.utils.pad_sequences(seqs, value="x")
    with pytest.raises(ValueError, match="Shape of sample"):
        keras.utils.pad_sequences([np.ones((2, 3)), np.ones((1, 4))])


def test_normalize_arrays_and_tensors():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(keras.utils.normalize(x), [[0.6, 0.8], [0, 0]])
    np.testing.assert_allclose(keras.utils.normalize(x, axis=0, order=1), [[1, 1], [0, 0]])
    t = keras.utils.normalize(ops.convert_to_tensor(x.astype(np.float32)))
    np.testing.assert_allclose(t.numpy(), [[0.6, 0.8], [0, 0]], rtol=1e-6)
    np.testing.assert_allclose(ops.normalize(x.astype(np.float32), order=1).numpy(), [[3 / 7, 4 / 7], [0, 0]],
                               rtol=1e-6)


def test_image_helpers_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (5, 7, 3)).astype("float32")
    img = keras.utils.array_to_img(rgb, scale=False)
    assert img.mode == "RGB" and img.size == (7, 5)
    np.testing.assert_array_equal(keras.utils.img_to_array(img), rgb)
    assert keras.utils.img_to_array(img, data_format="channels_first").shape == (3, 5, 7)
    scaled = keras.utils.img_to_array(keras.utils.array_to_img(rgb / 255.0))
    assert scaled.min() == 0 and scaled.max() == 255
    gray = keras.utils.array_to_img(np.arange(6, dtype="float32").reshape(2, 3, 1), scale=False)
    assert gray.mode == "L" and keras.utils.img_to_array(gray).shape == (2, 3, 1)
    path = str(tmp_path / "x.png")
    keras.utils.save_img(path, rgb, scale=False)
    back = keras.utils.load_img(path)
    np.testing.assert_array_equal(keras.utils.img_to_array(back), rgb)
    small = keras.utils.load_img(path, color_mode="grayscale", target_size=(2, 3))
    assert small.mode == "L" and small.size == (3, 2)
    with pytest.raises(ValueError, match="Expected image array to have rank 3"):
        keras.utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Unsupported channel number: 2"):
        keras.utils.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match='color_mode must be "grayscale", "rgb", or "rgba"'):
        keras.utils.load_img(path, color_mode="cmyk")


def test_keras_3_utils_names():
    x, y = np.ones((2, 1)), np.zeros((2, 1))
    assert keras.utils.unpack_x_y_sample_weight(keras.utils.pack_x_y_sample_weight(x, y))[1] is y
    assert keras.utils.serialize_keras_object is keras.saving.serialize_keras_object
    assert keras.utils.deserialize_keras_object is keras.saving.deserialize_keras_object
    assert keras.utils.get_custom_objects() is keras.saving.get_custom_objects()
    with keras.utils.CustomObjectScope({"Thing": dict}):
        assert keras.saving.get_registered_object("Thing") is dict


def test_timeseries_dataset_from_array():
    data = np.arange(100)
    ds = keras.utils.timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10, batch_size=32)
    batches = list(ds)
    assert [tuple(x.shape) for x, _ in batches] == [(32, 10), (32, 10), (17, 10)]
    x, y = batches[0]
    np.testing.assert_array_equal(x.numpy()[0], data[:10])
    assert int(y.numpy()[0]) == 10 and int(y.numpy()[5]) == 15
    windows = keras.utils.timeseries_dataset_from_array(np.arange(10), None, sequence_length=3, sampling_rate=2,
                                                        sequence_stride=2, batch_size=None, start_index=1)
    assert [w.numpy().tolist() for w in windows] == [[1, 3, 5], [3, 5, 7], [5, 7, 9]]
    first = [b.numpy().tolist() for b in keras.utils.timeseries_dataset_from_array(
        np.arange(20), None, 2, batch_size=None, shuffle=True, seed=3)]
    again = [b.numpy().tolist() for b in keras.utils.timeseries_dataset_from_array(
        np.arange(20), None, 2, batch_size=None, shuffle=True, seed=3)]
    assert first == again and sorted(first) == [[i, i + 1] for i in range(19)] and first != sorted(first)
    series = np.random.random((60, 2)).astype("float32")
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(keras.utils.timeseries_dataset_from_array(series, series[5:, 0], 5, batch_size=16), epochs=1,
              verbose=0)
    with pytest.raises(ValueError, match="end_index must be in"):
        keras.utils.timeseries_dataset_from_array(data, None, 5, start_index=10, end_index=5)
