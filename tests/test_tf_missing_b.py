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
