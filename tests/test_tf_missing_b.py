"""TF 2.21 names added in batch B: values pinned from TF 2.21 (or SciPy/NumPy where TF's CPU
build has no kernel), errors, and invariants where TF's output is not unique."""

import numpy as np
import pytest

import workbench as wb


# -- linalg ---------------------------------------------------------------------------------

_A = np.array([[1., 2., 0.], [-1., 3., 1.], [0.5, 0., 2.]], np.float32)


def test_eig_values_vectors_and_dtypes_as_tf():
    e, v = wb.linalg.eig(_A)
    assert e.dtype == wb.complex64 and v.dtype == wb.complex64
    # TF 2.21: tf.linalg.eig(_A)[0]
    tf_e = np.array([1.6588366 + 1.1615415j, 1.6588366 - 1.1615415j, 2.6823277 + 0j])
    np.testing.assert_allclose(np.sort_complex(e.numpy()), np.sort_complex(tf_e), atol=2e-6)
    v = v.numpy()
    np.testing.assert_allclose(_A @ v, v * e.numpy()[None, :], atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), 1.0, atol=1e-6)
    assert wb.eig is wb.linalg.eig and wb.eigvals is wb.linalg.eigvals
    ev = wb.linalg.eigvals(_A.astype(np.float64))
    assert ev.dtype == wb.complex128
    np.testing.assert_allclose(np.sort_complex(ev.numpy()), np.sort_complex(tf_e), atol=1e-6)


def test_eig_batched_and_errors():
    batch = np.stack([_A, _A.T * 2])
    e, v = wb.linalg.eig(batch)
    assert e.shape == (2, 3) and v.shape == (2, 3, 3)
    with pytest.raises(wb.errors.InvalidArgumentError, match="square"):
        wb.linalg.eig(np.ones((2, 3), np.float32))
    with pytest.raises(TypeError, match="int32"):
        wb.linalg.eigvals(np.eye(2, dtype=np.int32))


def test_eigh_tridiagonal_as_tf():
    al, be = np.array([1., 2., 3., 4.]), np.array([0.5, -1., 0.25])
    tf_w = [0.70700192, 1.64033425, 3.54990836, 4.10275547]   # TF 2.21
    np.testing.assert_allclose(wb.linalg.eigh_tridiagonal(al, be).numpy(), tf_w, rtol=1e-7)
    w, v = wb.linalg.eigh_tridiagonal(al, be, eigvals_only=False)
    t = np.diag(al) + np.diag(be, 1) + np.diag(be, -1)
    np.testing.assert_allclose(t @ v.numpy(), v.numpy() * w.numpy(), atol=1e-12)
    np.testing.assert_allclose(wb.linalg.eigh_tridiagonal(al, be, select="i", select_range=[1, 2]).numpy(),
                               tf_w[1:3], rtol=1e-7)
    np.testing.assert_allclose(wb.linalg.eigh_tridiagonal(al, be, select="v", select_range=[0., 3.5]).numpy(),
                               tf_w[:2], rtol=1e-7)
    assert wb.linalg.eigh_tridiagonal(al.astype(np.float32), be.astype(np.float32)).dtype == wb.float32
    with pytest.raises(ValueError, match="select"):
        wb.linalg.eigh_tridiagonal(al, be, select="x")
    with pytest.raises(ValueError, match="beta"):
        wb.linalg.eigh_tridiagonal(al, be[:1])


def test_eigh_tridiagonal_hermitian():
    al = np.array([1., 2., 3.], np.complex128)
    be = np.array([1j, 2. - 1j])
    w, v = wb.linalg.eigh_tridiagonal(al, be, eigvals_only=False)
    assert w.dtype == wb.float64 and v.dtype == wb.complex128
    np.testing.assert_allclose(w.numpy(), [-0.29240159, 1.39729507, 4.89510652], rtol=1e-7)  # TF 2.21
    t = np.diag(al) + np.diag(be, 1) + np.diag(be.conj(), -1)   # beta is the superdiagonal, as TF
    np.testing.assert_allclose(t @ v.numpy(), v.numpy() * w.numpy(), atol=1e-12)


def test_matrix_square_root_alias():
    assert wb.matrix_square_root is wb.linalg.sqrtm


# -- N-D FFTs -------------------------------------------------------------------------------
# TF 2.21's CPU build registers no FFTND kernels (GPU only): values are NumPy's fftn over the
# same axes / lengths / norm, which TF's documentation specifies.

_X = ((np.arange(24).reshape(2, 3, 4) % 7) + 1j * (np.arange(24).reshape(2, 3, 4) % 3)).astype(np.complex64)
_R = (np.arange(24).reshape(2, 3, 4) % 5).astype(np.float32)


def test_fftnd_family_values():
    s = wb.signal
    assert s.fftnd(_X).dtype == wb.complex64
    np.testing.assert_allclose(s.fftnd(_X).numpy(), np.fft.fftn(_X), atol=1e-4)
    np.testing.assert_allclose(s.fftnd(_X, axes=[2, 0]).numpy(), np.fft.fftn(_X, axes=[2, 0]), atol=1e-4)
    np.testing.assert_allclose(s.fftnd(_X, fft_length=[5, 2], axes=[0, 2]).numpy(),
                               np.fft.fftn(_X, s=[5, 2], axes=[0, 2]), atol=1e-4)
    for norm in ("ortho", "forward", "backward"):
        np.testing.assert_allclose(s.fftnd(_X, norm=norm).numpy(), np.fft.fftn(_X, norm=norm), atol=1e-4)
        np.testing.assert_allclose(s.ifftnd(_X, axes=[1], norm=norm).numpy(),
                                   np.fft.ifftn(_X, axes=[1], norm=norm), atol=1e-5)
    assert s.rfftnd(_R).dtype == wb.complex64 and s.rfftnd(_R).shape == (2, 3, 3)
    np.testing.assert_allclose(s.rfftnd(_R, axes=[2, 0], fft_length=[6, 3]).numpy(),
                               np.fft.rfftn(_R, axes=[2, 0], s=[6, 3]), atol=1e-4)
    z = np.fft.rfftn(_R.astype(np.float64))
    out = s.irfftnd(z)
    assert out.dtype == wb.float64 and out.shape == (2, 3, 4)
    np.testing.assert_allclose(out.numpy(), _R, atol=1e-12)
    np.testing.assert_allclose(s.irfftnd(z, fft_length=[3, 5], axes=[0, 1], norm="ortho").numpy(),
                               np.fft.irfftn(z, s=[3, 5], axes=[0, 1], norm="ortho"), atol=1e-12)
    assert wb.fftnd is s.fftnd and wb.irfftnd is s.irfftnd


def test_fftnd_errors():
    with pytest.raises(ValueError, match="fft_length"):
        wb.signal.fftnd(_X, fft_length=[2, 2])   # axes defaults to all 3 axes, as TF
    with pytest.raises(TypeError, match="complex"):
        wb.signal.fftnd(_R)
    with pytest.raises(ValueError, match="out of range"):
        wb.signal.fftnd(_X, axes=[0, 5])
    with pytest.raises(TypeError, match="float32 or float64"):
        wb.signal.rfftnd(_X)


# -- space / batch ----------------------------------------------------------------------------

_SB = np.arange(2 * 3 * 5 * 2).reshape(2, 3, 5, 2).astype(np.float32)


def test_space_to_batch_nd_and_back_as_tf():
    y = wb.space_to_batch_nd(_SB, [2, 3], [[1, 0], [0, 1]])
    assert y.shape == (12, 2, 2, 2)
    tf_y = [[[0, 0], [10, 16]], [[0, 0], [40, 46]], [[0, 0], [12, 18]], [[0, 0], [42, 48]],
            [[0, 0], [14, 0]], [[0, 0], [44, 0]], [[0, 6], [20, 26]], [[30, 36], [50, 56]],
            [[2, 8], [22, 28]], [[32, 38], [52, 58]], [[4, 0], [24, 0]], [[34, 0], [54, 0]]]
    np.testing.assert_array_equal(y.numpy()[..., 0], tf_y)   # TF 2.21
    np.testing.assert_array_equal(wb.space_to_batch(_SB, [2, 3], [[1, 0], [0, 1]]).numpy(), y.numpy())
    np.testing.assert_array_equal(wb.batch_to_space(y, [2, 3], [[1, 0], [0, 1]]).numpy(), _SB)
    # one int block: [b, b]
    np.testing.assert_array_equal(
        wb.batch_to_space(np.arange(8.).reshape(4, 1, 2, 1), 2, [[0, 0], [0, 1]]).numpy()[..., 0],
        [[[0.0, 2.0, 1.0], [4.0, 6.0, 5.0]]])


def test_space_to_batch_errors_as_tf():
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"padded_shape\[0\]=3 is not divisible"):
        wb.space_to_batch_nd(_SB, [2, 2], [[0, 0], [0, 0]])
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"batch dimension \(2\) is not divisible"):
        wb.batch_to_space(_SB, [2, 2], [[0, 0], [0, 0]])
    with pytest.raises(wb.errors.InvalidArgumentError, match="positive"):
        wb.space_to_batch_nd(_SB, [2, 0], [[0, 0], [0, 0]])
    with pytest.raises(ValueError, match="paddings"):
        wb.space_to_batch_nd(_SB, [1, 1], [0, 0])


def test_required_space_to_batch_paddings_as_tf():
    p, c = wb.required_space_to_batch_paddings([5, 7], [2, 3], [[1, 1], [0, 2]])
    assert p.dtype == wb.int32
    assert p.numpy().tolist() == [[1, 2], [0, 2]] and c.numpy().tolist() == [[0, 1], [0, 0]]
    p, c = wb.required_space_to_batch_paddings([5, 7], [2, 3])
    assert p.numpy().tolist() == [[0, 1], [0, 2]] and c.numpy().tolist() == [[0, 1], [0, 2]]


def test_with_space_to_batch_as_tf():
    def op(inp, num_spatial_dims, padding):
        assert num_spatial_dims == 2
        return wb.nn.convolution(inp, np.ones((2, 2, 2, 1), np.float32), padding=padding)
    r = wb.nn.with_space_to_batch(_SB, [2, 2], "SAME", op, filter_shape=[2, 2])
    assert r.shape == (2, 3, 5, 1)
    np.testing.assert_array_equal(r.numpy()[0, :, :, 0], [[25., 50., 58., 66., 33.],
                                                         [50., 100., 116., 132., 66.],
                                                         [25., 50., 58., 66., 33.]])   # TF 2.21
    r = wb.nn.with_space_to_batch(_SB, [2, 1], "VALID", op)
    np.testing.assert_array_equal(r.numpy()[1, :, :, 0], [[332., 348., 364., 380.]])
    # rate 1: the op itself, with the padding given
    r = wb.nn.with_space_to_batch(_SB, [1, 1], "SAME", op)
    np.testing.assert_array_equal(r.numpy(), op(_SB, 2, "SAME").numpy())


def test_extract_volume_patches_as_tf():
    v = np.arange(4 * 5 * 6 * 2).reshape(1, 4, 5, 6, 2).astype(np.float32)
    e = wb.extract_volume_patches(v, [1, 2, 2, 3, 1], [1, 2, 1, 2, 1], "VALID")
    assert e.shape == (1, 2, 4, 2, 24)
    np.testing.assert_array_equal(e.numpy()[0, 1, 2, 1], [148, 149, 150, 151, 152, 153, 160, 161, 162, 163,
                                                          164, 165, 208, 209, 210, 211, 212, 213, 220, 221,
                                                          222, 223, 224, 225])   # TF 2.21
    e = wb.extract_volume_patches(v, [1, 3, 2, 2, 1], [1, 2, 2, 3, 1], "SAME")
    assert e.shape == (1, 2, 3, 2, 24)
    np.testing.assert_array_equal(e.numpy()[0, 1, 2, 1], [174, 175, 176, 177, 0, 0, 0, 0, 234, 235, 236, 237]
                                  + [0] * 12)
    with pytest.raises(ValueError, match="ksizes"):
        wb.extract_volume_patches(v, [2, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID")


# -- byte codecs ------------------------------------------------------------------------------

import gzip  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import zlib  # noqa: E402


def test_base64_web_safe_as_tf():
    enc = wb.io.encode_base64(wb.constant([b"hello?>", b"\xff\xfe\x00", b""]))
    assert enc.numpy().tolist() == [b"aGVsbG8_Pg", b"__4A", b""]   # TF 2.21
    assert wb.io.encode_base64(b"ab", pad=True).numpy() == b"YWI="
    dec = wb.io.decode_base64(wb.constant([b"aGVsbG8_Pg", b"__4A", b"YWI="]))
    assert dec.numpy().tolist() == [b"hello?>", b"\xff\xfe\x00", b"ab"]
    with pytest.raises(wb.errors.InvalidArgumentError, match="1 modulo 4"):
        wb.io.decode_base64(b"a")
    with pytest.raises(wb.errors.InvalidArgumentError, match="invalid character"):
        wb.io.decode_base64(b"aGVsbG8/Pg")   # '/' is not web-safe
    with pytest.raises(TypeError, match="string"):
        wb.io.encode_base64(wb.constant([1, 2]))


def test_decode_compressed_as_tf():
    out = wb.io.decode_compressed(wb.constant([zlib.compress(b"abc" * 3), zlib.compress(b"")]), "ZLIB")
    assert out.numpy().tolist() == [b"abcabcabc", b""]
    assert wb.io.decode_compressed(gzip.compress(b"xyz"), "GZIP").numpy() == b"xyz"
    assert wb.io.decode_compressed(b"raw").numpy() == b"raw"
    with pytest.raises(wb.errors.DataLossError):
        wb.io.decode_compressed(b"raw", "ZLIB")
    with pytest.raises(wb.errors.InvalidArgumentError, match="compression_type"):
        wb.io.decode_compressed(b"raw", "BZ2")


_TF_WAV = (b"RIFF0\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00\x80>\x00\x00\x00\xfa\x00\x00\x04"
           b"\x00\x10\x00data\x0c\x00\x00\x00\x00\x00\x00@\x00\xe0\xff\x7f\xdf\x7f\x00\x80")


def test_wav_round_trip_as_tf():
    a = np.array([[0., 0.5], [-0.25, 1.0], [0.999, -1.0]], np.float32)
    assert wb.audio.encode_wav(a, 16000).numpy() == _TF_WAV   # TF 2.21's bytes
    audio, rate = wb.audio.decode_wav(_TF_WAV)
    assert rate.dtype == wb.int32 and int(rate) == 16000 and audio.dtype == wb.float32
    np.testing.assert_array_equal(audio.numpy(), [[0.0, 0.5], [-0.25, 0.999969482421875],
                                                  [0.998992919921875, -1.0]])
    np.testing.assert_array_equal(wb.audio.decode_wav(_TF_WAV, desired_channels=1, desired_samples=5).audio.numpy(),
                                  [[0.0], [-0.25], [0.998992919921875], [0.0], [0.0]])
    np.testing.assert_array_equal(wb.audio.decode_wav(_TF_WAV, desired_channels=3, desired_samples=2).audio.numpy(),
                                  [[0.0, 0.5, 0.5], [-0.25, 0.999969482421875, 0.999969482421875]])
    # rounding half away from zero and saturation, as TF: [1, 2, -1, 3, -2] and [32767, -32768]
    halves = np.array([[0.5], [1.5], [-0.5], [2.5], [-1.5]], np.float32) / 32768
    np.testing.assert_array_equal(np.frombuffer(wb.audio.encode_wav(halves, 8000).numpy()[44:], "<i2"),
                                  [1, 2, -1, 3, -2])
    np.testing.assert_array_equal(
        np.frombuffer(wb.audio.encode_wav(np.array([[1.5], [-2.0]], np.float32), 8000).numpy()[44:], "<i2"),
        [32767, -32768])
    with pytest.raises(wb.errors.InvalidArgumentError):
        wb.audio.decode_wav(b"RIFFxxxx")


def _img():
    return (np.arange(5 * 4 * 3).reshape(5, 4, 3) * 4 % 256).astype(np.uint8)


def _pil_bytes(arr, fmt, **kw):
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt, **kw)
    return buf.getvalue()


def test_jpeg_header_ops_as_tf():
    j = _pil_bytes(_img(), "JPEG", quality=95)
    assert bool(wb.io.is_jpeg(j)) and not bool(wb.image.is_jpeg(b"abc"))
    shape = wb.io.extract_jpeg_shape(j)
    assert shape.dtype == wb.int32 and shape.numpy().tolist() == [5, 4, 3]
    assert wb.image.extract_jpeg_shape(j, output_type=wb.int64).dtype == wb.int64
    assert wb.io.extract_jpeg_shape(_pil_bytes(_img()[:, :, 0], "JPEG")).numpy().tolist() == [5, 4, 1]
    full = wb.io.decode_jpeg(j).numpy()
    crop = wb.io.decode_and_crop_jpeg(j, [1, 1, 3, 2])
    assert crop.shape == (3, 2, 3)
    np.testing.assert_array_equal(crop.numpy(), full[1:4, 1:3])
    with pytest.raises(wb.errors.InvalidArgumentError, match="crop window"):
        wb.io.decode_and_crop_jpeg(j, [4, 1, 3, 2])


def test_decode_bmp_as_tf():
    img = _img()
    b = _pil_bytes(img, "BMP")
    np.testing.assert_array_equal(wb.io.decode_bmp(b).numpy(), img)
    assert wb.image.decode_bmp(b, channels=4).numpy()[0, 1].tolist() == [12, 16, 20, 255]   # TF 2.21
    b4 = _pil_bytes(np.dstack([img, np.full((5, 4), 7, np.uint8)]), "BMP")
    assert wb.io.decode_bmp(b4).shape == (5, 4, 4) and wb.io.decode_bmp(b4).numpy()[0, 1].tolist() == [12, 16, 20, 7]
    with pytest.raises(wb.errors.InvalidArgumentError, match="0, 3 or 4"):
        wb.io.decode_bmp(b, channels=1)


def test_decode_gif_frames_as_tf():
    data = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "tf_missing_b_gif.npz"))
    frames = wb.io.decode_gif(data["gif"].tobytes())
    assert frames.dtype == wb.uint8 and frames.shape == (2, 5, 4, 3)
    np.testing.assert_array_equal(frames.numpy(), data["tf_frames"])   # TF 2.21's decode_gif
    with pytest.raises(wb.errors.InvalidArgumentError):
        wb.image.decode_gif(b"GIF89a")


def test_decode_webp_as_tf():
    img = _img()
    w = _pil_bytes(img, "WEBP", lossless=True)
    out = wb.io.decode_webp(w)
    assert out.shape == (1, 5, 4, 3)
    np.testing.assert_array_equal(out.numpy()[0], img)
    w4 = _pil_bytes(np.dstack([img, np.full((5, 4), 7, np.uint8)]), "WEBP", lossless=True)
    assert wb.image.decode_webp(w4).numpy()[0, 0, 1].tolist() == [12, 16, 20, 7]
    with pytest.raises(wb.errors.InvalidArgumentError, match="channels"):
        wb.io.decode_webp(w, channels=4)   # TF: must match the file's
    with pytest.raises(wb.errors.InvalidArgumentError, match="channels"):
        wb.io.decode_webp(w4, channels=3)
    assert wb.io.decode_webp(w, dtype=wb.float32).numpy()[0, 0, 1, 0] == np.float32(12 / 255)


# -- train / saved_model ------------------------------------------------------------------------


def test_checkpoint_state_load_variable_and_iterator_as_tf(tmp_path):
    d = str(tmp_path)
    assert wb.train.get_checkpoint_state(d) is None
    assert list(wb.train.checkpoints_iterator(d, timeout=0)) == []
    ck = wb.train.Checkpoint(v=wb.Variable([1., 2.]))
    m = wb.train.CheckpointManager(ck, d, max_to_keep=2)
    m.save()
    m.save()
    m.save()
    # TF 2.21 on the same steps: ckpt-3, [ckpt-2, ckpt-3]
    state = wb.train.get_checkpoint_state(d)
    assert state.model_checkpoint_path == os.path.join(d, "ckpt-3")
    assert state.all_model_checkpoint_paths == [os.path.join(d, "ckpt-2"), os.path.join(d, "ckpt-3")]
    np.testing.assert_array_equal(wb.train.load_variable(d, "v/.ATTRIBUTES/VARIABLE_VALUE"), [1., 2.])
    np.testing.assert_array_equal(wb.train.load_variable(os.path.join(d, "ckpt-2"), "v"), [1., 2.])
    with pytest.raises(wb.errors.NotFoundError, match="nope"):
        wb.train.load_variable(d, "nope")
    assert list(wb.train.checkpoints_iterator(d, timeout=0)) == [os.path.join(d, "ckpt-3")]
    calls = []

    def timeout_fn():
        calls.append(1)
        return len(calls) >= 2
    assert list(wb.train.checkpoints_iterator(d, timeout=0, timeout_fn=timeout_fn)) == [os.path.join(d, "ckpt-3")]
    assert len(calls) == 2


def test_contains_saved_model(tmp_path):
    assert not wb.saved_model.contains_saved_model(str(tmp_path))
    (tmp_path / "saved_model.pb").write_bytes(b"")
    assert wb.saved_model.contains_saved_model(str(tmp_path))
    assert not wb.saved_model.contains_saved_model(str(tmp_path / "missing"))


# -- convolutions -----------------------------------------------------------------------------


def test_depthwise_conv2d_backprops_as_tf():
    r = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "tf_missing_b_depthwise.npz"))
    bf = wb.nn.depthwise_conv2d_backprop_filter(r["x"], [2, 3, 2, 2], r["dy"], [1, 2, 2, 1], "SAME")
    np.testing.assert_array_equal(bf.numpy(), r["bf"])   # TF 2.21
    bi = wb.nn.depthwise_conv2d_backprop_input([1, 5, 4, 2], r["f"], r["dy"], [1, 2, 2, 1], "SAME")
    np.testing.assert_array_equal(bi.numpy(), r["bi"])
    # NCHW gives the same numbers, transposed
    bi_first = wb.nn.depthwise_conv2d_backprop_input([1, 2, 5, 4], r["f"], np.transpose(r["dy"], (0, 3, 1, 2)),
                                                     [1, 1, 2, 2], "SAME", data_format="NCHW")
    np.testing.assert_array_equal(np.transpose(bi_first.numpy(), (0, 2, 3, 1)), r["bi"])
    with pytest.raises(ValueError, match="filter_sizes"):
        wb.nn.depthwise_conv2d_backprop_filter(r["x"], [2, 3, 2], r["dy"], [1, 2, 2, 1], "SAME")


def test_generic_conv_as_tf():
    x = (np.arange(2 * 5 * 6 * 4).reshape(2, 5, 6, 4) % 7 - 3).astype(np.float32)
    w = (np.arange(3 * 2 * 4 * 6).reshape(3, 2, 4, 6) % 5 - 2).astype(np.float32)
    y = wb.conv(x, w, strides=[1, 2, 1, 1], padding="EXPLICIT", explicit_paddings=[0, 0, 1, 2, 0, 1, 0, 0],
                dilations=[1, 1, 2, 1])
    assert y.shape == (2, 3, 5, 6)
    np.testing.assert_array_equal(y.numpy()[1, 2, :, 0], [-5., 15., -14., 6., -14.])   # TF 2.21
    np.testing.assert_array_equal(y.numpy()[0, 0, 0], [-7., -11., 15., 6., -3., -7.])
    np.testing.assert_array_equal(wb.conv(x, w, [1, 1, 1, 1], "VALID").numpy(),
                                  wb.nn.conv2d(x, w, 1, "VALID").numpy())
    # what TF's CPU kernel leaves unimplemented: channels first, more batch dims, groups
    first = wb.conv(np.transpose(x, (0, 3, 1, 2)), w, [1, 1, 1, 1], "SAME", data_format="CHANNELS_FIRST")
    np.testing.assert_array_equal(np.transpose(first.numpy(), (0, 2, 3, 1)), wb.nn.conv2d(x, w, 1, "SAME").numpy())
    assert wb.conv(x[None], w, [1, 1, 1, 1], "VALID", batch_dims=2).shape == (1, 2, 3, 5, 6)
    grouped = wb.conv(x, w[:, :, :2], [1, 1, 1, 1], "SAME", groups=2)
    np.testing.assert_array_equal(grouped.numpy()[..., 3:],
                                  wb.nn.conv2d(x[..., 2:], w[:, :, :2, 3:], 1, "SAME").numpy())
    with pytest.raises(ValueError, match="4 dimensions"):
        wb.conv(x, w, [1, 1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="2 or 3 spatial"):
        wb.conv(x[:, :, 0], w[:, 0], [1, 1, 1], "VALID")


# -- candidate samplers -------------------------------------------------------------------------
# The draws are the library's; the structure, dtypes and expected counts are TF 2.21's.

_TRUE = np.array([[1, 2], [3, 4]], np.int64)


def test_uniform_candidate_sampler_as_tf():
    s, te, se = wb.random.uniform_candidate_sampler(_TRUE, 2, 4, False, 10, seed=1)
    assert s.dtype == wb.int64 and te.dtype == wb.float32 and s.shape == (4,) and te.shape == (2, 2)
    assert ((s.numpy() >= 0) & (s.numpy() < 10)).all()
    np.testing.assert_allclose(te.numpy(), 0.4)
    np.testing.assert_allclose(se.numpy(), 0.4)
    s, te, se = wb.random.uniform_candidate_sampler(_TRUE, 2, 4, True, 10, seed=1)
    assert len(set(s.numpy().tolist())) == 4
    # unique: 1 - 0.9^n for the n > 4 draws made (TF's 5 draws gave 0.40951), or 0.4 with no repeat
    v = te.numpy()[0, 0]
    n = np.log1p(-v) / np.log(0.9)
    assert np.isclose(v, 0.4) or (abs(n - round(n)) < 1e-3 and round(n) > 4)
    np.testing.assert_allclose(se.numpy(), te.numpy()[0, 0])
    from workbench.ops.candidate_sampling import _expected
    np.testing.assert_allclose(_expected([0.1], 4, True, 5), [0.40951002], rtol=1e-6)   # TF: 5 draws
    # unique draws with no repeat: p * num_sampled (TF's learned sampler gave 4 / 7 for p = 1 / 7)
    s, te, _ = wb.random.uniform_candidate_sampler(_TRUE, 2, 2, True, 10 ** 6, seed=3)
    np.testing.assert_allclose(te.numpy(), 2e-6, rtol=1e-6)


def test_log_uniform_and_fixed_unigram_expected_counts_as_tf():
    _, te, se = wb.random.log_uniform_candidate_sampler(_TRUE, 2, 4, False, 10, seed=1)
    np.testing.assert_allclose(te.numpy(), [[0.67636836, 0.47989097], [0.37223235, 0.30413598]], rtol=1e-6)
    _, te, _ = wb.nn.fixed_unigram_candidate_sampler(_TRUE, 2, 4, False, 6, unigrams=[1, 2, 3, 4, 5, 6],
                                                     distortion=0.5, seed=1)
    np.testing.assert_allclose(te.numpy(), [[0.522244, 0.63961565], [0.73856455, 0.8257403]], rtol=1e-6)
    s, te, se = wb.random.fixed_unigram_candidate_sampler(_TRUE, 2, 3, False, 6, unigrams=[1, 2, 3, 4],
                                                          num_reserved_ids=2, seed=1)
    np.testing.assert_allclose(te.numpy(), [[0., 0.3], [0.6, 0.9]], rtol=1e-6)
    assert not set(s.numpy().tolist()) & {0, 1}   # reserved ids are never drawn
    _, te, _ = wb.random.fixed_unigram_candidate_sampler([[0, 1], [2, 1]], 2, 3, False, 3,
                                                         unigrams=[1, 2, 3, 4, 5, 6], num_shards=2, shard=1, seed=1)
    np.testing.assert_allclose(te.numpy(), [[0.5, 1.0], [1.5, 1.0]], rtol=1e-6)
    with pytest.raises(wb.errors.InvalidArgumentError, match="weights size"):
        wb.random.fixed_unigram_candidate_sampler(_TRUE, 2, 3, False, 6, unigrams=[1, 2, 3, 4, 5, 6],
                                                  num_shards=2, shard=1)


def test_fixed_unigram_vocab_file(tmp_path):
    path = tmp_path / "vocab.csv"
    path.write_text("a,1\nb,2\nc,3\nd,4\n")
    _, te, _ = wb.random.fixed_unigram_candidate_sampler(_TRUE[:, :1], 1, 2, False, 4, vocab_file=str(path))
    np.testing.assert_allclose(te.numpy(), [[0.4], [0.8]], rtol=1e-6)


def test_all_candidate_sampler_and_errors_as_tf():
    s, te, se = wb.nn.all_candidate_sampler(_TRUE, 2, 5, False)
    assert s.numpy().tolist() == [0, 1, 2, 3, 4] and (te.numpy() == 1).all() and (se.numpy() == 1).all()
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"out of range \[0, 4\), received 4"):
        wb.random.all_candidate_sampler(_TRUE, 2, 4, True)
    with pytest.raises(wb.errors.InvalidArgumentError, match="num_true columns"):
        wb.random.uniform_candidate_sampler(_TRUE, 3, 4, False, 10)
    with pytest.raises(wb.errors.InvalidArgumentError, match="range is too small"):
        wb.random.uniform_candidate_sampler(_TRUE, 2, 11, True, 10)
    with pytest.raises(wb.errors.InvalidArgumentError, match="out of range"):
        wb.random.log_uniform_candidate_sampler(_TRUE, 2, 3, False, 4)


# -- serialized SparseTensors ---------------------------------------------------------------------

_TF_SP_INDICES = (b'\x08\t\x12\x08\x12\x02\x08\x02\x12\x02\x08\x02" \x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00'
                  b'\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00')
_TF_SHAPE_34 = b'\x08\t\x12\x04\x12\x02\x08\x02"\x10\x03\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00'


def test_serialize_sparse_bytes_as_tf():
    sp = wb.sparse.SparseTensor([[0, 1], [2, 0]], [1.5, -2.0], [3, 4])
    s = wb.io.serialize_sparse(sp)
    assert s.dtype == wb.string and s.shape == (3,)
    assert s.numpy().tolist() == [_TF_SP_INDICES, b'\x08\x01\x12\x04\x12\x02\x08\x02"\x08\x00\x00\xc0?\x00\x00\x00\xc0',
                                  _TF_SHAPE_34]   # TF 2.21
    sp3 = wb.sparse.SparseTensor([[0, 0, 1], [0, 2, 0], [1, 1, 1]], np.array([1, 2, 3], np.int32), [2, 3, 4])
    m = wb.io.serialize_many_sparse(sp3)
    assert m.shape == (2, 3)
    assert m.numpy()[0].tolist() == [_TF_SP_INDICES, b'\x08\x03\x12\x04\x12\x02\x08\x02"\x08\x01\x00\x00\x00\x02\x00\x00\x00',
                                     _TF_SHAPE_34]
    assert m.numpy()[1, 1] == b'\x08\x03\x12\x04\x12\x02\x08\x01"\x04\x03\x00\x00\x00'
    d = wb.io.deserialize_many_sparse(m, wb.int32)
    assert d.indices.numpy().tolist() == [[0, 0, 1], [0, 2, 0], [1, 1, 1]]
    assert d.values.numpy().tolist() == [1, 2, 3] and d.dense_shape.numpy().tolist() == [2, 3, 4]


def test_deserialize_many_sparse_pads_shapes_as_tf():
    a = wb.io.serialize_sparse(wb.sparse.SparseTensor([[0], [3]], np.array([1, 2], np.int32), [5]))
    b = wb.io.serialize_sparse(wb.sparse.SparseTensor([[1]], np.array([7], np.int32), [2]))
    d = wb.io.deserialize_many_sparse(wb.stack([b, a]), wb.int32)
    assert d.indices.numpy().tolist() == [[0, 1], [1, 0], [1, 3]]   # TF 2.21
    assert d.values.numpy().tolist() == [7, 1, 2] and d.dense_shape.numpy().tolist() == [2, 5]
    with pytest.raises(wb.errors.InvalidArgumentError, match="float32"):
        wb.io.deserialize_many_sparse(wb.stack([a, b]), wb.float32)


# -- parse_sequence_example ---------------------------------------------------------------------


def _seq_example(ctx, frames, var):
    e = wb.train.SequenceExample()
    e.context.feature["c"].int64_list.value.extend(ctx)
    for f in frames:
        e.feature_lists.feature_list["x"].feature.add().float_list.value.extend(f)
    for f in var:
        e.feature_lists.feature_list["v"].feature.add().int64_list.value.extend(f)
    return e.SerializeToString()


def test_parse_sequence_example_batches_as_tf():
    pytest.importorskip("google.protobuf")
    s = [_seq_example([1], [[1., 2.], [3., 4.], [5., 6.]], [[1], [2, 3]]),
         _seq_example([2], [[7., 8.]], [[], [4], [5, 6, 7]])]
    ctx_spec = {"c": wb.io.FixedLenFeature([], wb.int64)}
    seq_spec = {"x": wb.io.FixedLenSequenceFeature([2], wb.float32), "v": wb.io.VarLenFeature(wb.int64)}
    c, f, n = wb.io.parse_sequence_example(s, context_features=ctx_spec, sequence_features=seq_spec)
    # TF 2.21
    assert c["c"].numpy().tolist() == [1, 2]
    assert f["x"].numpy().tolist() == [[[1., 2.], [3., 4.], [5., 6.]], [[7., 8.], [0., 0.], [0., 0.]]]
    assert f["v"].indices.numpy().tolist() == [[0, 0, 0], [0, 1, 0], [0, 1, 1], [1, 1, 0], [1, 2, 0], [1, 2, 1],
                                               [1, 2, 2]]
    assert f["v"].values.numpy().tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert f["v"].dense_shape.numpy().tolist() == [2, 3, 3]
    assert {k: v.numpy().tolist() for k, v in n.items()} == {"x": [3, 1]}
    c, f, n = wb.io.parse_sequence_example(s[0], context_features=ctx_spec,
                                           sequence_features={"x": seq_spec["x"]})
    assert int(c["c"]) == 1 and f["x"].shape == (3, 2) and int(n["x"]) == 3
    with pytest.raises(ValueError, match="default_value must be None"):
        wb.io.parse_sequence_example(s, sequence_features={"x": wb.io.FixedLenSequenceFeature(
            [2], wb.float32, allow_missing=True, default_value=-1.0)})


# -- fractional pooling ---------------------------------------------------------------------------

_FX = np.arange(7 * 9).reshape(1, 7, 9, 1).astype(np.float32)


@pytest.mark.parametrize("overlapping, cols, tf_max, tf_avg", [
    # TF 2.21 with seed=3: its sequences, and its outputs for them
    (False, [0, 2, 5, 7, 9], [[1, 4, 6, 8], [19, 22, 24, 26], [37, 40, 42, 44], [55, 58, 60, 62]],
     [[0.5, 3, 5.5, 7.5], [14, 16.5, 19, 21], [32, 34.5, 37, 39], [50, 52.5, 55, 57]]),
    (True, [0, 2, 4, 6, 9], [[11, 13, 15, 17], [29, 31, 33, 35], [47, 49, 51, 53], [56, 58, 60, 62]],
     [[5.5, 7.5, 9.5, 11.5], [19, 21, 23, 25], [37, 39, 41, 43], [50.5, 52.5, 54.5, 56.5]]),
    (True, [0, 2, 5, 7, 9], [[11, 14, 16, 17], [29, 32, 34, 35], [47, 50, 52, 53], [56, 59, 61, 62]],
     [[5.5, 8, 10.5, 12], [19, 21.5, 24, 25.5], [37, 39.5, 42, 43.5], [50.5, 53, 55.5, 57]]),
])
def test_fractional_pooling_regions_as_tf(overlapping, cols, tf_max, tf_avg):
    from workbench.ops.fractional_pool import _pool
    rows = np.array([0, 1, 3, 5, 7])
    x = wb.constant(_FX)
    np.testing.assert_array_equal(_pool(x, rows, np.array(cols), overlapping, "max").numpy()[0, :, :, 0], tf_max)
    np.testing.assert_allclose(_pool(x, rows, np.array(cols), overlapping, "mean").numpy()[0, :, :, 0], tf_avg,
                               rtol=1e-6)


@pytest.mark.parametrize("pseudo_random", [False, True])
def test_fractional_pool_sequences(pseudo_random):
    out, rows, cols = wb.nn.fractional_max_pool(_FX, [1, 1.5, 2.0, 1], pseudo_random=pseudo_random, seed=3)
    assert out.shape == (1, 4, 4, 1) and rows.dtype == wb.int64
    for seq, n, k in ((rows.numpy(), 7, 1), (cols.numpy(), 9, 2)):
        assert seq[0] == 0 and seq[-1] == n and len(seq) == 5
        assert set(np.diff(seq).tolist()) <= {k, k + 1}
    again = wb.nn.fractional_max_pool(_FX, [1, 1.5, 2.0, 1], pseudo_random=pseudo_random, seed=3)
    assert again[1].numpy().tolist() == rows.numpy().tolist() and again[2].numpy().tolist() == cols.numpy().tolist()
    avg, r2, c2 = wb.nn.fractional_avg_pool(_FX, [1, 1.5, 2.0, 1], pseudo_random=pseudo_random, seed=3)
    assert avg.shape == (1, 4, 4, 1)
    with pytest.raises(ValueError, match=">= 1.0"):
        wb.nn.fractional_max_pool(_FX, [1, 0.5, 2, 1])
    with pytest.raises(ValueError, match="first and last"):
        wb.nn.fractional_avg_pool(_FX, [2, 1.5, 2, 1])


def test_learned_unigram_candidate_sampler_learns_as_tf():
    # TF 2.21 with one seeded op called three times (unique=True) gave true counts 0.40951 (5 draws
    # of p = 1/10), 4/7 (no repeat, p = 2/14) and 0.5981224 (5 draws of p = 3/18): the weights
    # start at 1 and gain the true classes after each call
    t = np.array([[1, 2], [3, 4]], np.int64)
    seed = 91011   # a seed no other test uses, so the op's counts start fresh
    _, te, _ = wb.random.learned_unigram_candidate_sampler(t, 2, 4, False, 10, seed=seed)
    np.testing.assert_allclose(te.numpy(), 0.4)   # uniform before any update
    # after one update the true classes weigh 2 of 14: 4 * 2 / 14 without repeats
    _, te, se = wb.nn.learned_unigram_candidate_sampler(t, 2, 4, False, 10, seed=seed)
    np.testing.assert_allclose(te.numpy(), 4 / 7, rtol=1e-6)
    assert set(np.round(se.numpy() * 14 / 4).astype(int).tolist()) <= {1, 2}
    # after two updates: 3 of 18 (TF's unique draw with 5 tries: 0.5981224 = 1 - (5/6)^5)
    from workbench.ops.candidate_sampling import _expected
    np.testing.assert_allclose(_expected([3 / 18], 4, True, 5), [0.5981224], rtol=1e-6)
    _, te, _ = wb.random.learned_unigram_candidate_sampler(t, 2, 4, False, 10, seed=seed)
    np.testing.assert_allclose(te.numpy(), 4 * 3 / 18, rtol=1e-6)
    # unseeded calls start afresh each time
    for _ in range(2):
        _, te, _ = wb.random.learned_unigram_candidate_sampler(t, 2, 4, False, 10)
        np.testing.assert_allclose(te.numpy(), 0.4)
