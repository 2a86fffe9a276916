"""tf.audio, tf.signal's windows and STFT, and keras.utils.audio_dataset_from_directory against
values TF 2.21 / Keras 3.15 give for the same files (pinned here)."""

import os
import wave

import numpy as np
import pytest

import workbench as wb
from workbench import keras

F32 = wb.float32


def _make_folder(root):
    """Three class folders of five mono 16 kHz 16-bit WAV clips of 90 to 160 samples, and a README."""
    rng = np.random.default_rng(7)
    for label in ["yes", "no", "up"]:
        os.makedirs(os.path.join(root, label))
        for j, n in enumerate([100, 160, 90, 160, 130]):
            pcm = rng.integers(-32768, 32768, n).astype("<i2")
            with wave.open(os.path.join(root, label, f"clip{j}.wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(16000)
                w.writeframes(pcm.tobytes())
    with open(os.path.join(root, "README.md"), "w") as f:
        f.write("not a class")
    return str(root)


@pytest.fixture
def folder(tmp_path):
    return _make_folder(tmp_path / "d")


def test_decode_wav_as_tf(folder):
    data = wb.io.read_file(os.path.join(folder, "no", "clip0.wav"))
    audio, rate = wb.audio.decode_wav(data)
    assert audio.shape == (100, 1) and audio.dtype == F32 and rate.dtype == wb.int32 and int(rate) == 16000
    np.testing.assert_array_equal(audio.numpy()[:4, 0], [0.8515625, 0.985870361328125, -0.742706298828125,
                                                          -0.70404052734375])
    # TF 2.21: desired_channels=0 gives no channels; 2 repeats the mono channel
    assert wb.audio.decode_wav(data, desired_channels=0, desired_samples=3).audio.shape == (3, 0)
    np.testing.assert_array_equal(wb.audio.decode_wav(data, desired_channels=2, desired_samples=3).audio.numpy(),
                                  [[0.8515625] * 2, [0.985870361328125] * 2, [-0.742706298828125] * 2])
    padded = wb.audio.decode_wav(data, desired_samples=120).audio.numpy()
    assert padded.shape == (120, 1) and not padded[100:].any()
    back = wb.audio.decode_wav(wb.audio.encode_wav(audio, 16000)).audio
    np.testing.assert_array_equal(back.numpy(), audio.numpy())
    with pytest.raises(TypeError, match="desired_samples"):
        wb.audio.decode_wav(data, desired_samples=1.5)


@pytest.mark.parametrize("samples, channels, shape", [(-1, -1, (None, None)), (16000, -1, (16000, None)),
                                                      (16000, 1, (16000, 1)), (0, 2, (0, 2)), (-1, 2, (None, 2))])
def test_decode_wav_static_shapes_as_tf(folder, samples, channels, shape):
    @wb.function(input_signature=[wb.TensorSpec((), wb.string)])
    def load(path):
        return wb.audio.decode_wav(wb.io.read_file(path), desired_channels=channels, desired_samples=samples)

    audio, rate = load.get_concrete_function().structured_outputs
    assert tuple(audio.shape.as_list()) == shape and rate.shape == () and rate.dtype == wb.int32
    got = load(wb.constant(os.path.join(folder, "up", "clip1.wav")))[0]   # the traced program reads the file
    want = wb.audio.decode_wav(wb.io.read_file(os.path.join(folder, "up", "clip1.wav")),
                               desired_channels=channels, desired_samples=samples)[0]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_traced_reader_reads_each_call_file(folder):
    @wb.function
    def load(path):
        audio, _ = wb.audio.decode_wav(wb.io.read_file(path), desired_channels=1, desired_samples=200)
        return wb.squeeze(audio, -1)[wb.newaxis, :] * 2.0

    for label, j in [("no", 0), ("up", 1), ("yes", 2)]:
        path = os.path.join(folder, label, f"clip{j}.wav")
        want = wb.audio.decode_wav(wb.io.read_file(path), desired_samples=200).audio.numpy()[:, 0] * 2
        np.testing.assert_array_equal(load(wb.constant(path)).numpy()[0], want)
    assert load.experimental_get_tracing_count() == 1   # one program, replayed on each file


def test_encode_wav_static_shape():
    @wb.function(input_signature=[wb.TensorSpec((None, None), F32)])
    def enc(a):
        return wb.audio.encode_wav(a, 16000)

    assert enc.get_concrete_function().structured_outputs.shape == ()


def test_windows_odd_lengths_are_symmetric_as_tf():
    # TF 2.21: periodic only changes an even length
    np.testing.assert_allclose(wb.signal.hann_window(255).numpy()[[1, 2, 3, -2, -1]],
                               [0.00015298, 0.00061178, 0.00137618, 0.00015298, 0.0], atol=1e-7)
    np.testing.assert_allclose(wb.signal.hamming_window(5).numpy(), [0.08, 0.54, 1.0, 0.54, 0.08], atol=1e-6)
    np.testing.assert_allclose(wb.signal.hann_window(6).numpy(), [0.0, 0.25, 0.75, 1.0, 0.75, 0.25], atol=1e-6)
    np.testing.assert_allclose(wb.signal.hann_window(7).numpy(), np.hanning(7), atol=1e-6)


def _signal():
    t = np.arange(600, dtype=np.float32)
    return (np.sin(0.05 * t) + 0.25 * np.cos(0.31 * t)).astype(np.float32)[None]


def test_stft_and_resized_spectrogram_as_tf():
    s = wb.signal.stft(_signal(), frame_length=255, frame_step=128)
    assert s.shape == (1, 3, 129) and s.dtype == wb.complex64
    np.testing.assert_allclose(np.abs(s.numpy())[0, :, :4], [
        [0.02838052809238434, 30.33230209350586, 63.45283508300781, 33.88077163696289],
        [0.07453447580337524, 30.335336685180664, 63.44950866699219, 33.88611602783203],
        [0.1321662962436676, 30.341381072998047, 63.446250915527344, 33.88923645019531]], rtol=2e-4, atol=1e-5)
    np.testing.assert_allclose(s.numpy()[0, 1, 10], 0.23374677 + 0.20529774j, rtol=1e-4, atol=1e-5)
    spec = wb.abs(s)[..., wb.newaxis]
    resized = keras.layers.Resizing(3, 5)(spec)
    assert resized.shape == (1, 3, 5, 1)
    np.testing.assert_allclose(resized.numpy()[0, :, :, 0], [
        [13.167719841003418, 6.134581053629518e-05, 2.0191664589219727e-05, 1.1157467270095367e-05,
         2.2210622319107642e-06],
        [13.169703483581543, 0.00021689277491532266, 3.297309376648627e-05, 1.10004066300462e-05,
         5.186566795600811e-06],
        [13.170880317687988, 0.00037031539250165224, 4.589493983075954e-05, 9.394042535859626e-06,
         3.975373601861065e-06]], rtol=1e-4, atol=2e-5)


def test_audio_dataset_from_directory_both_as_keras3(folder, capsys):
    train, val = keras.utils.audio_dataset_from_directory(folder, batch_size=4, validation_split=0.2, seed=0,
                                                          output_sequence_length=120, subset="both")
    assert capsys.readouterr().out == ("Found 15 files belonging to 3 classes.\nUsing 12 files for training.\n"
                                       "Using 3 files for validation.\n")
    assert train.class_names == val.class_names == ["no", "up", "yes"]
    assert repr(train.element_spec) == ("(TensorSpec(shape=(None, 120, None), dtype=wb.float32, name=None), "
                                        "TensorSpec(shape=(None,), dtype=wb.int32, name=None))")
    (audio, labels), = list(val)   # the validation half keeps the listing's order
    assert audio.shape == (3, 120, 1) and labels.numpy().tolist() == [0, 1, 2]
    np.testing.assert_array_equal(audio.numpy()[:, :3, 0], [
        [0.8515625, 0.985870361328125, -0.742706298828125],
        [0.843597412109375, -0.41412353515625, 0.435150146484375],
        [-0.379730224609375, 0.896240234375, 0.733123779296875]])
    seen = np.concatenate([y.numpy() for _, y in train])
    assert sorted(seen.tolist()) == sorted([0] * 4 + [1] * 4 + [2] * 4)


def test_audio_dataset_from_directory_padded_ragged_and_modes(folder):
    flat = keras.utils.audio_dataset_from_directory(folder, batch_size=4, shuffle=False, verbose=False)
    assert repr(flat.element_spec) == ("(TensorSpec(shape=(None, None, None), dtype=wb.float32, name=None), "
                                       "TensorSpec(shape=(None,), dtype=wb.int32, name=None))")
    batches = [(a.shape, y.numpy().tolist(), a.numpy()[:, -1, 0].tolist()) for a, y in flat]
    assert batches == [  # padded to each batch's longest clip, as Keras' padded_batch
        ((4, 160, 1), [0, 0, 0, 0], [0.0, 0.61407470703125, 0.0, 0.336639404296875]),
        ((4, 160, 1), [0, 1, 1, 1], [0.0, 0.0, -0.1866455078125, 0.0]),
        ((4, 160, 1), [1, 1, 2, 2], [-0.826934814453125, 0.0, 0.0, -0.307891845703125]),
        ((3, 160, 1), [2, 2, 2], [0.0, -0.340301513671875, 0.0])]
    rag = keras.utils.audio_dataset_from_directory(folder, batch_size=4, ragged=True, shuffle=False, verbose=False)
    assert repr(rag.element_spec[0]) == "RaggedTensorSpec(TensorShape([None, None, None]), wb.float32, 2, wb.int64)"
    first, _ = next(iter(rag))
    assert first.row_lengths().numpy().tolist() == [100, 160, 90, 160]
    cat = keras.utils.audio_dataset_from_directory(folder, label_mode="categorical", class_names=["up", "no", "yes"],
                                                   shuffle=False, batch_size=None, verbose=False)
    assert repr(cat.element_spec) == ("(TensorSpec(shape=(None, None), dtype=wb.float32, name=None), "
                                      "TensorSpec(shape=(3,), dtype=wb.float32, name=None))")
    assert cat.class_names == ["up", "no", "yes"]
    assert [y.numpy().tolist() for _, y in cat.take(2)] == [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    given = keras.utils.audio_dataset_from_directory(folder, labels=[i % 3 for i in range(15)], shuffle=False,
                                                     batch_size=None, verbose=False)
    assert given.element_spec[1] == wb.TensorSpec((), wb.int32) and given.class_names == ["0", "1", "2"]
    assert [int(y) for _, y in given.take(5)] == [0, 1, 2, 0, 1]
    bare = keras.utils.audio_dataset_from_directory(folder, label_mode=None, batch_size=None,
                                                    output_sequence_length=50, verbose=False)
    assert repr(bare.element_spec) == "TensorSpec(shape=(50, None), dtype=wb.float32, name=None)"


def test_audio_dataset_from_directory_bad_arguments(folder):
    ads = keras.utils.audio_dataset_from_directory
    with pytest.raises(ValueError, match="Cannot set both `ragged` and `output_sequence_length`"):
        ads(folder, ragged=True, output_sequence_length=10)
    with pytest.raises(ValueError, match="label_mode"):
        ads(folder, label_mode="sparse")
    with pytest.raises(ValueError, match="must provide a `seed`"):
        ads(folder, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="exactly 2 class_names"):
        ads(folder, label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="You can only pass `class_names`"):
        ads(folder, labels=[0] * 15, class_names=["a"])
    with pytest.raises(ImportError, match="tensorflow_io"):
        ads(folder, sampling_rate=8000)
    with pytest.raises(ValueError, match="output_sequence_length"):
        ads(folder, output_sequence_length=1.5)
