"""``wb.signal.fft3d`` / ``ifft3d`` / ``rfft3d`` / ``irfft3d`` (TF's names) against NumPy's
n-dimensional FFTs over the three innermost axes, and the complex adjoints kept in
``workbench.signal.ADJOINTS`` against the dot-product identity."""

import numpy as np
import pytest

import workbench as wb
from workbench.signal import ADJOINTS

RNG = np.random.default_rng(3)
X = RNG.standard_normal((2, 3, 4, 5))
C = X + 1j * RNG.standard_normal(X.shape)
AXES = (-3, -2, -1)


def test_three_dimensional_ffts_match_numpy():
    np.testing.assert_allclose(wb.signal.fft3d(C).numpy(), np.fft.fftn(C, axes=AXES), atol=1e-10)
    np.testing.assert_allclose(wb.signal.ifft3d(C).numpy(), np.fft.ifftn(C, axes=AXES), atol=1e-12)
    np.testing.assert_allclose(wb.signal.rfft3d(X).numpy(), np.fft.rfftn(X, axes=AXES), atol=1e-10)
    z = np.fft.rfftn(X, axes=AXES)
    np.testing.assert_allclose(wb.signal.irfft3d(z, fft_length=[3, 4, 5]).numpy(), X, atol=1e-12)
    padded = wb.signal.rfft3d(X.astype(np.float32), fft_length=[4, 4, 6])
    assert padded.dtype == wb.complex64 and padded.shape == (2, 4, 4, 4)


@pytest.mark.parametrize("name", ["fft3d", "ifft3d"])
def test_adjoints_satisfy_the_dot_product_identity(name):
    x = wb.constant(C)
    y = getattr(wb.signal, name)(x)
    g = RNG.standard_normal(C.shape) + 1j * RNG.standard_normal(C.shape)
    back = ADJOINTS[name](wb.constant(g), y, x)[0].numpy()
    assert np.isclose(np.vdot(g, y.numpy()), np.vdot(back, C))


def test_bad_arguments():
    with pytest.raises(TypeError, match="complex"):
        wb.signal.fft3d(X)
    with pytest.raises(ValueError, match="rank >= 3"):
        wb.signal.rfft3d(X[0, 0])
