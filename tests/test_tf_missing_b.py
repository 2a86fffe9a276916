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
