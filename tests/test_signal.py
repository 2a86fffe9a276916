"""wb.signal against NumPy/SciPy references and TF's documented definitions."""

import numpy as np
import pytest
import scipy.fft as sfft
import scipy.signal as ssig

import workbench as wb
from workbench.signal import ADJOINTS

S = wb.signal
RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 10))
C = X + 1j * RNG.standard_normal((3, 10))


def close(t, want, atol=1e-10):
    np.testing.assert_allclose(t.numpy(), want, atol=atol, rtol=1e-7)


def test_complex_ffts_match_numpy():
    close(S.fft(C), np.fft.fft(C))
    close(S.ifft(C), np.fft.ifft(C))
    close(S.fft2d(C), np.fft.fft2(C))
    close(S.ifft2d(C), np.fft.ifft2(C))
    assert S.fft(C.astype(np.complex64)).dtype == np.complex64


@pytest.mark.parametrize("n", [None, 7, 16])
def test_real_ffts_match_numpy_with_fft_length(n):
    lengths = None if n is None else [n]
    close(S.rfft(X, lengths), np.fft.rfft(X, n))
    close(S.irfft(C, lengths), np.fft.irfft(C, n))
    close(S.rfft2d(X, [4, 6]), np.fft.rfft2(X, (4, 6)))
    close(S.irfft2d(C, [4, 6]), np.fft.irfft2(C, (4, 6)))
    assert S.rfft(X.astype(np.float32)).dtype == np.complex64
    assert S.irfft(C.astype(np.complex64)).dtype == np.float32


def _dot(a, b):
    return float(np.sum(np.real(np.conj(a) * b)))


@pytest.mark.parametrize("name,lengths,shape_in", [
    ("rfft", (12,), (10,)), ("rfft", (7,), (10,)), ("rfft", (5, 8), (4, 6)),
    ("irfft", (9,), (10,)), ("irfft", (30,), (10,)), ("irfft", (5, 7), (4, 6))])
def test_real_fft_adjoints_satisfy_the_dot_product_identity(name, lengths, shape_in):
    op = wb.OPS[name]
    x = RNG.standard_normal((2,) + shape_in)
    if name == "irfft":
        x = x + 1j * RNG.standard_normal(x.shape)
    x = wb.constant(x)
    y = wb.core.apply(op, (x,), {"lengths": lengths})
    g = RNG.standard_normal(y.shape) + (1j * RNG.standard_normal(y.shape) if y.dtype.kind == "c" else 0)
    back = ADJOINTS[name](wb.constant(g), y, x, lengths=lengths)[0]
    assert back.shape == x.shape and back.dtype == x.dtype
    assert np.isclose(_dot(y.numpy(), g), _dot(x.numpy(), back.numpy()))
    # the adjoint's adjoint is the op again
    again = ADJOINTS[name + "_adjoint"](wb.constant(x.numpy()), back, wb.constant(g),
                                        lengths=lengths, shape=shape_in)[0]
    close(again, y.numpy())


@pytest.mark.parametrize("name", ["fft", "ifft", "fft2d", "ifft2d"])
def test_complex_fft_adjoints_satisfy_the_dot_product_identity(name):
    x = wb.constant(C)
    y = getattr(S, name)(x)
    g = RNG.standard_normal(C.shape) + 1j * RNG.standard_normal(C.shape)
    back = ADJOINTS[name](wb.constant(g), y, x)[0]
    assert np.isclose(_dot(y.numpy(), g), _dot(C, back.numpy()))


def test_shifts_match_numpy():
    close(S.fftshift(X), np.fft.fftshift(X))
    close(S.ifftshift(X, axes=1), np.fft.ifftshift(X, axes=1))
    close(S.ifftshift(S.fftshift(X[:, :7])), X[:, :7])


def test_frame_drops_or_pads_the_end():
    x = np.arange(10.0)
    close(S.frame(x, 4, 3), [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    close(S.frame(x, 4, 3, pad_end=True, pad_value=-1), [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9], [9, -1, -1, -1]])
    assert S.frame(np.zeros((2, 10)), 4, 3).shape == (2, 3, 4)
    assert S.frame(np.zeros((10, 3)), 4, 3, axis=0).shape == (3, 4, 3)
    assert S.frame(np.zeros((2, 3)), 4, 3).shape == (2, 0, 4)


@pytest.mark.parametrize("frames,length,step", [(5, 7, 3), (4, 4, 4), (3, 2, 5), (6, 9, 2), (1, 3, 2)])
def test_overlap_and_add_sums_frames(frames, length, step):
    f = RNG.standard_normal((2, frames, length))
    want = np.zeros((2, (frames - 1) * step + length))
    for k in range(frames):
        want[:, k * step:k * step + length] += f[:, k]
    close(S.overlap_and_add(f, step), want)
    close(S.overlap_and_add(np.ones((3, 4)), 2), [1, 1, 2, 2, 2, 2, 1, 1])


def test_windows_match_scipy():
    close(S.hann_window(8), ssig.get_window("hann", 8), atol=1e-7)
    close(S.hann_window(8, periodic=False, dtype=wb.float64), np.hanning(8))
    close(S.hamming_window(9, periodic=False, dtype=wb.float64), np.hamming(9))
    close(S.hamming_window(6, dtype=wb.float64), ssig.get_window("hamming", 6))
    assert S.hann_window(1).numpy().tolist() == [1.0]
    close(S.kaiser_window(9, beta=5.0, dtype=wb.float64), np.kaiser(9, 5.0))
    close(S.kaiser_window(8, dtype=wb.float64), ssig.get_window(("kaiser", 12.0), 8, fftbins=False))
    vorbis = S.vorbis_window(16, dtype=wb.float64).numpy()
    close(S.vorbis_window(16, dtype=wb.float64), np.sin(np.pi / 2 * np.sin(np.pi * (np.arange(16) + 0.5) / 16) ** 2))
    np.testing.assert_allclose(vorbis[:8] ** 2 + vorbis[8:] ** 2, 1.0)   # power complementary
    with pytest.raises(ValueError, match="window_length"):
        S.hann_window(-1)


def test_stft_matches_scipy_and_inverse_stft_reconstructs():
    sig = RNG.standard_normal((2, 1000))
    st = S.stft(sig, 256, 64)
    assert st.shape == (2, 12, 129) and st.dtype == np.complex128
    _, _, z = ssig.stft(sig, window="hann", nperseg=256, noverlap=192, boundary=None, padded=False,
                        detrend=False, scaling="spectrum")
    close(st, np.swapaxes(z, -1, -2) * ssig.get_window("hann", 256).sum(), atol=1e-8)
    assert S.stft(sig, 200, 80, pad_end=True).shape == (2, 13, 129)
    inv = S.inverse_stft(st, 256, 64, window_fn=S.inverse_stft_window_fn(64))
    assert inv.shape == (2, 960)
    close(inv[:, 192:-192], sig[:, 192:960 - 192], atol=1e-8)


def _mel_reference(bins, spec_bins, rate, lo, hi):
    """TF's documented definition, written out per entry."""
    mel = lambda f: 1127.0 * np.log(1.0 + f / 700.0)
    edges = np.linspace(mel(lo), mel(hi), bins + 2)
    out = np.zeros((spec_bins, bins))
    for i in range(1, spec_bins):
        m = mel(i * (rate / 2.0) / (spec_bins - 1))
        for j in range(bins):
            left, center, right = edges[j:j + 3]
            out[i, j] = max(0.0, min((m - left) / (center - left), (right - m) / (right - center)))
    return out


def test_linear_to_mel_weight_matrix_follows_tfs_definition():
    close(S.linear_to_mel_weight_matrix(dtype=wb.float64), _mel_reference(20, 129, 8000, 125.0, 3800.0))
    close(S.linear_to_mel_weight_matrix(40, 257, 16000, 20.0, 8000.0, dtype=wb.float64),
          _mel_reference(40, 257, 16000, 20.0, 8000.0))
    with pytest.raises(ValueError, match="upper_edge_hertz"):
        S.linear_to_mel_weight_matrix(upper_edge_hertz=5000.0)
    with pytest.raises(ValueError, match="lower_edge_hertz"):
        S.linear_to_mel_weight_matrix(lower_edge_hertz=4000.0, upper_edge_hertz=3000.0)


@pytest.mark.parametrize("type", [1, 2, 3, 4])
@pytest.mark.parametrize("norm", [None, "ortho"])
def test_dct_matches_scipy(type, norm):
    if type == 1 and norm == "ortho":
        with pytest.raises(ValueError, match="type-1"):
            S.dct(X, type=1, norm="ortho")
        return
    close(S.dct(X, type=type, norm=norm), sfft.dct(X, type=type, norm=norm))
    close(S.dct(X, type=type, n=6, norm=norm), sfft.dct(X, type=type, n=6, norm=norm))
    close(S.dct(X, type=type, n=13, norm=norm), sfft.dct(X, type=type, n=13, norm=norm))


@pytest.mark.parametrize("type", [1, 2, 3, 4])
def test_idct_is_tfs_unscaled_inverse(type):
    scale = 0.5 / (X.shape[-1] - 1) if type == 1 else 0.5 / X.shape[-1]
    close(S.idct(S.dct(X, type=type), type=type) * scale, X)
    if type != 1:
        close(S.idct(S.dct(X, type=type, norm="ortho"), type=type, norm="ortho"), X)


def test_mfccs_are_the_scaled_dct():
    close(S.mfccs_from_log_mel_spectrograms(X), sfft.dct(X, type=2) / np.sqrt(2 * 10))


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match="fft: input has dtype float64"):
        S.fft(X)
    with pytest.raises(TypeError, match="rfft: input has dtype complex128"):
        S.rfft(C)
    with pytest.raises(ValueError, match="fft_length"):
        S.rfft(X, [0])
    with pytest.raises(ValueError, match="frame_step"):
        S.frame(X, 4, 0)
    with pytest.raises(ValueError, match="type must be 1, 2, 3 or 4"):
        S.dct(X, type=5)
    with pytest.raises(ValueError, match="norm"):
        S.dct(X, norm="forward")
