"""wb.linalg, wb.einsum and wb.tensordot against NumPy/SciPy and TF 2's documented behaviour.

Gradient rules are checked against finite differences in tests/op_cases/linalg.py;
here: forward values (batched), TF's conventions (output order, which triangle
is read, gradient shapes), and errors.
"""

import platform
import re

import numpy as np
import pytest
import scipy.linalg

import workbench as wb
from gradients import GradientTape, check_gradients
from workbench.errors import InvalidArgumentError
from workbench.ops.expm import expm_pade

la = wb.linalg


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


def close(got, want, rtol=1e-9, atol=1e-10):
    np.testing.assert_allclose(got.numpy(), want, rtol=rtol, atol=atol)


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def spd_np(shape, seed=0):
    a = rand(shape, seed)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def grad_of(f, x):
    x = f64(x)
    with GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x).numpy()


# ---------------------------------------------------------------------------
# einsum and tensordot

EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),                      # implicit output
    ("ba", [(2, 3)]),                                 # implicit output sorts labels: a transpose
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),  # ellipsis dims broadcast
    ("...ii->...i", [(2, 3, 3)]),
    ("i...->...", [(2, 3, 4)]),
    ("...j,j", [(2, 3), (3,)]),                        # implicit output keeps the ellipsis first
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("iij->j", [(3, 3, 2)]),
    ("Ab,bC->AC", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUMS, ids=[e for e, _ in EINSUMS])
def test_einsum_matches_numpy(equation, shapes):
    arrays = [rand(s, i) for i, s in enumerate(shapes)]
    close(wb.einsum(equation, *[f64(a) for a in arrays]), np.einsum(equation, *arrays))


def test_einsum_is_in_linalg_and_keeps_float32():
    a = wb.constant(np.ones((2, 3), np.float32))
    out = la.einsum("ij->j", a)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), [2.0, 2.0, 2.0])


def test_einsum_integer_inputs():
    a = wb.constant(np.arange(6, dtype=np.int32).reshape(2, 3))
    np.testing.assert_array_equal(wb.einsum("ij,ij->i", a, a).numpy(), [5, 50])


def test_einsum_gradient_of_a_diagonal_is_a_diagonal_matrix():
    g = grad_of(lambda x: wb.reduce_sum(wb.einsum("ii->i", x) * f64([1.0, 2.0, 3.0])), rand((3, 3)))
    np.testing.assert_allclose(g, np.diag([1.0, 2.0, 3.0]))


def test_einsum_gradient_with_broadcast_ellipsis_has_the_input_shape():
    g = grad_of(lambda x: wb.reduce_sum(wb.einsum("...ij,...jk->...ik", x, f64(rand((4, 3, 2))))),
                rand((1, 2, 3)))
    assert g.shape == (1, 2, 3)


@pytest.mark.parametrize("equation,shapes,match", [
    ("ij,jk->ik", [(2, 3), (4, 5)], "label 'j' has size 3"),
    ("ij,jk->ik", [(2, 3)], "names 2 operand"),
    ("ij->ik", [(2, 3)], "appear in no input"),
    ("ij->ii", [(2, 2)], "repeat a label"),
    ("ijk->i", [(2, 3)], "name 3 dimension"),
    ("...ij->ij", [(4, 2, 3)], "must contain '...'"),
    ("i1->i", [(2, 3)], "invalid subscripts"),
    ("...i,...i->...", [(2, 3), (4, 3)], "do not broadcast"),
])
def test_einsum_errors(equation, shapes, match):
    with pytest.raises(ValueError, match=match):
        wb.einsum(equation, *[f64(rand(s)) for s in shapes])


def test_einsum_rejects_mixed_dtypes():
    with pytest.raises(TypeError, match="same dtype"):
        wb.einsum("i,i->", wb.constant([1.0, 2.0]), f64([1.0, 2.0]))


@pytest.mark.parametrize("axes", [0, 1, 2, [[1, 2], [1, 0]], [[0], [2]], [1, 0]])
def test_tensordot_matches_numpy(axes):
    a, b = rand((2, 3, 4), 1), rand((4, 3, 2), 2)
    if axes == [1, 0]:  # a pair of ints: a's axis 1 with b's axis 0
        a, b = rand((2, 4), 1), rand((4, 3), 2)
        want = np.tensordot(a, b, ([1], [0]))
    elif axes == 1:
        want = np.tensordot(a, b, 1)
    elif axes == 2:
        b = rand((3, 4, 5), 3)
        want = np.tensordot(a, b, 2)
    else:
        want = np.tensordot(a, b, axes)
    close(wb.tensordot(f64(a), f64(b), axes), want)
    close(la.tensordot(f64(a), f64(b), axes), want)


def test_tensordot_errors():
    with pytest.raises(ValueError, match="has size 4"):
        wb.tensordot(f64(rand((2, 4))), f64(rand((3, 2))), [[1], [0]])
    with pytest.raises(ValueError, match="different lengths"):
        wb.tensordot(f64(rand((2, 4))), f64(rand((4, 2))), [[0, 1], [0]])
    with pytest.raises(ValueError, match="axes=3"):
        wb.tensordot(f64(rand((2, 4))), f64(rand((4, 2))), 3)


# ---------------------------------------------------------------------------
# transposes, diagonals, bands


def test_matrix_transpose_and_adjoint():
    x = rand((2, 3, 4))
    close(la.matrix_transpose(f64(x)), np.swapaxes(x, -1, -2))
    close(la.adjoint(f64(x)), np.swapaxes(x, -1, -2))


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 4), (2, 4, 3)])
@pytest.mark.parametrize("k", [0, 1, -1, 2])
def test_diag_part(shape, k):
    x = rand(shape)
    close(la.diag_part(f64(x), k=k), np.diagonal(x, offset=k, axis1=-2, axis2=-1))


def test_diag_builds_matrices():
    v = rand((2, 3))
    close(la.diag(f64(v)), np.stack([np.diag(r) for r in v]))
    close(la.diag(f64(v), k=1), np.stack([np.diag(r, k=1) for r in v]))
    close(la.diag(f64(v), k=-2), np.stack([np.diag(r, k=-2) for r in v]))
    out = la.diag(f64(v[0]), num_rows=3, num_cols=5, padding_value=9.0).numpy()
    want = np.full((3, 5), 9.0)
    want[np.arange(3), np.arange(3)] = v[0]
    np.testing.assert_allclose(out, want)
    assert la.diag(f64(v[0]), k=-1, num_cols=4).shape == (4, 4)


def test_diag_errors():
    with pytest.raises(ValueError, match="does not fill"):
        la.diag(f64([1.0, 2.0]), num_rows=4, num_cols=4)
    with pytest.raises(ValueError, match="k must be an integer or a pair"):
        la.diag_part(f64(rand((3, 3))), k=(-1, 0, 1))
    with pytest.raises(ValueError, match="outside"):
        la.diag_part(f64(rand((3, 3))), k=3)


def test_set_diag():
    x, d = rand((2, 3, 4)), rand((2, 3), 1)
    want = x.copy()
    want[:, np.arange(3), np.arange(3)] = d
    close(la.set_diag(f64(x), f64(d)), want)
    want = x.copy()
    want[:, np.arange(3), np.arange(1, 4)] = d
    close(la.set_diag(f64(x), f64(d), k=1), want)
    with pytest.raises(ValueError, match="has length 3"):
        la.set_diag(f64(x), f64(rand((2, 4))))


def test_set_diag_ignores_non_finite_values_it_replaces():
    x = np.array([[np.inf, 1.0], [2.0, np.nan]])
    close(la.set_diag(f64(x), f64([5.0, 6.0])), [[5.0, 1.0], [2.0, 6.0]])


@pytest.mark.parametrize("lower,upper", [(-1, 0), (0, -1), (0, 0), (1, 2), (-1, -1), (2, 0)])
def test_band_part(lower, upper):
    x = rand((2, 4, 5))
    m, n = np.arange(4)[:, None], np.arange(5)[None, :]
    keep = ((lower < 0) | (m - n <= lower)) & ((upper < 0) | (n - m <= upper))
    close(la.band_part(f64(x), lower, upper), np.where(keep, x, 0.0))


def test_trace():
    x = rand((2, 3, 4))
    close(la.trace(f64(x)), np.trace(x, axis1=-2, axis2=-1))


# ---------------------------------------------------------------------------
# solves, inverses, determinants


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("batch", [(), (2,), (100,)])  # (100,): the batched-LU path
def test_triangular_solve_matches_scipy(lower, adjoint, batch):
    n = 3
    a = rand(batch + (n, n)) + 3 * np.eye(n)
    b = rand(batch + (n, 2), 1)
    got = la.triangular_solve(f64(a), f64(b), lower=lower, adjoint=adjoint)
    tri = np.tril(a) if lower else np.triu(a)
    op = np.swapaxes(tri, -1, -2) if adjoint else tri
    close(got, np.linalg.solve(op, b), rtol=1e-8)


def test_triangular_solve_reads_only_its_triangle_and_broadcasts():
    a = np.tril(rand((3, 3))) + 3 * np.eye(3)
    junk = a + np.triu(np.full((3, 3), 100.0), 1)
    b = rand((4, 3, 2), 1)
    close(la.triangular_solve(f64(junk), f64(b)), scipy.linalg.solve_triangular(a, b, lower=True))


def test_triangular_solve_gradient_stays_in_the_triangle():
    b = f64(rand((3, 2), 1))
    g = grad_of(lambda a: wb.reduce_sum(la.triangular_solve(a, b, lower=True)),
                np.tril(rand((3, 3))) + 3 * np.eye(3))
    assert np.all(np.triu(g, 1) == 0)


def test_solve_and_inv_match_numpy():
    a = rand((2, 3, 3)) + 3 * np.eye(3)
    b = rand((3, 4), 1)
    close(la.solve(f64(a), f64(b)), np.linalg.solve(a, b), rtol=1e-8)
    close(la.solve(f64(a), f64(b), adjoint=True), np.linalg.solve(np.swapaxes(a, -1, -2), b), rtol=1e-8)
    close(la.inv(f64(a)), np.linalg.inv(a), rtol=1e-8)
    close(la.inv(f64(a), adjoint=True), np.linalg.inv(np.swapaxes(a, -1, -2)), rtol=1e-8)


def test_singular_matrix_raises_invalid_argument():
    with pytest.raises(InvalidArgumentError, match="solve: the matrix is not invertible"):
        la.solve(f64(np.ones((2, 2))), f64(np.ones((2, 1))))
    with pytest.raises(InvalidArgumentError):
        la.inv(f64(np.zeros((3, 3))))


def test_solve_shape_errors():
    with pytest.raises(ValueError, match="square"):
        la.solve(f64(rand((3, 2))), f64(rand((3, 1))))
    with pytest.raises(ValueError, match=r"rhs.shape\[-2\] must equal"):
        la.solve(f64(rand((3, 3))), f64(rand((2, 1))))
    with pytest.raises(ValueError, match="expand_dims"):
        la.solve(f64(rand((3, 3))), f64(rand((3,))))
    with pytest.raises(ValueError, match="do not broadcast"):
        la.triangular_solve(f64(rand((2, 3, 3))), f64(rand((4, 3, 1))))
    with pytest.raises(TypeError, match="dtype"):
        la.solve(f64(rand((3, 3))), wb.constant(np.ones((3, 1), np.float32)))
    with pytest.raises(TypeError, match="float32, float64, complex64 or complex128"):
        la.inv(wb.constant(np.eye(2, dtype=np.int32)))


def test_det_slogdet_logdet():
    a = rand((2, 3, 3))
    close(la.det(f64(a)), np.linalg.det(a), rtol=1e-8)
    sign, logabs = la.slogdet(f64(a))
    want_sign, want_log = np.linalg.slogdet(a)
    close(sign, want_sign)
    close(logabs, want_log, rtol=1e-8)
    s = spd_np((2, 3, 3))
    close(la.logdet(f64(s)), np.linalg.slogdet(s)[1], rtol=1e-8)


def test_det_of_singular_matrix_is_zero():
    sign, logabs = la.slogdet(f64(np.ones((2, 2))))
    assert sign.numpy() == 0 and logabs.numpy() == -np.inf
    assert la.det(f64(np.ones((2, 2)))).numpy() == 0


def test_det_gradient_is_det_times_inverse_transpose():
    a = rand((3, 3)) + 2 * np.eye(3)
    g = grad_of(la.det, a)
    np.testing.assert_allclose(g, np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-8)


def test_float32_stays_float32():
    a = wb.constant(spd_np((3, 3)).astype(np.float32))
    for out in (la.cholesky(a), la.inv(a), la.det(a), la.expm(a * 0.1), la.logdet(a),
                la.slogdet(a)[0], la.eigh(a)[1], la.svd(a)[2], la.qr(a)[0],
                la.triangular_solve(a, a)):
        assert out.dtype == np.float32


# ---------------------------------------------------------------------------
# Cholesky, least squares


def test_cholesky_matches_numpy_and_reads_the_lower_triangle():
    s = spd_np((2, 3, 3))
    close(la.cholesky(f64(s)), np.linalg.cholesky(s), rtol=1e-8)
    junk = np.tril(s) + np.triu(np.full((3, 3), 50.0), 1)
    close(la.cholesky(f64(junk)), np.linalg.cholesky(s), rtol=1e-8)


def test_cholesky_of_indefinite_matrix_raises_invalid_argument():
    with pytest.raises(InvalidArgumentError, match="cholesky: Cholesky decomposition was not successful"):
        la.cholesky(f64([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match=r"square in its last two dimensions \(\[..., M, M\]\), got shape \(2, 3\)"):
        la.cholesky(f64(rand((2, 3))))
    with pytest.raises(ValueError, match="rank >= 2|batch of matrices"):
        la.cholesky(f64([1.0, 2.0]))


def test_cholesky_gradient_is_symmetric_as_in_tf():
    w = f64(rand((3, 3), 3))
    g = grad_of(lambda x: wb.reduce_sum(la.cholesky(x) * w), spd_np((3, 3)))
    np.testing.assert_allclose(g, g.T, atol=1e-12)


def test_cholesky_solve():
    s = spd_np((2, 3, 3))
    b = rand((2, 3, 2), 1)
    got = la.cholesky_solve(la.cholesky(f64(s)), f64(b))
    close(got, np.linalg.solve(s, b), rtol=1e-8)


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 5, 3), (3, 5)])
def test_lstsq_matches_numpy(fast, shape):
    a = rand(shape)
    b = rand(shape[:-1] + (2,), 1)
    want = (np.linalg.pinv(a) @ b)  # least squares for tall, minimum norm for wide
    close(la.lstsq(f64(a), f64(b), fast=fast), want, rtol=1e-7, atol=1e-9)


def test_lstsq_regularized():
    a, b = rand((5, 3)), rand((5, 2), 1)
    want = np.linalg.solve(a.T @ a + 0.5 * np.eye(3), a.T @ b)
    close(la.lstsq(f64(a), f64(b), l2_regularizer=0.5), want, rtol=1e-8)
    with pytest.raises(ValueError, match="fast=True"):
        la.lstsq(f64(a), f64(b), l2_regularizer=0.5, fast=False)


# ---------------------------------------------------------------------------
# expm


@pytest.mark.parametrize("scale", [0.01, 1.0, 30.0])
def test_expm_matches_scipy(scale):
    a = scale * rand((2, 4, 4))
    close(la.expm(f64(a)), scipy.linalg.expm(a), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("scale", [0.0, 0.01, 1.0, 6.0, 30.0])
def test_expm_pade_matches_scipy(scale):
    # the xp implementation that runs on the GPU, exercised here on NumPy
    a = scale * rand((3, 4, 4), 5)
    want = scipy.linalg.expm(a)
    np.testing.assert_allclose(expm_pade(np, a), want, rtol=1e-10, atol=1e-12 * np.abs(want).max())
    got32 = expm_pade(np, a.astype(np.float32))
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, want, rtol=2e-4, atol=2e-5 * np.abs(want).max())


def test_expm_of_non_finite_input_is_nan():
    assert np.isnan(expm_pade(np, np.full((2, 2), np.inf))).all()


def test_expm_gradient_of_commuting_direction():
    # for a diagonal matrix, d/dA sum(expm(A) * I) = diag(exp(d))
    d = np.array([0.5, -1.0, 2.0])
    g = grad_of(lambda x: la.trace(la.expm(x)), np.diag(d))
    np.testing.assert_allclose(g, np.diag(np.exp(d)), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------
# QR, eigh, SVD


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 3)])
@pytest.mark.parametrize("full", [False, True])
def test_qr(shape, full):
    a = rand(shape)
    q, r = la.qr(f64(a), full_matrices=full)
    want_q, want_r = np.linalg.qr(a, mode="complete" if full else "reduced")
    close(q, want_q, rtol=1e-8)
    close(r, want_r, rtol=1e-8, atol=1e-12)
    close(wb.matmul(q, r), a, rtol=1e-8)


def test_qr_full_matrices_gradient_for_tall_matrices_is_not_defined():
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        grad_of(lambda x: wb.reduce_sum(la.qr(x, full_matrices=True)[0]), rand((4, 3)))


def test_eigh_matches_numpy():
    s = spd_np((2, 3, 3)) - 4 * np.eye(3)
    e, v = la.eigh(f64(s))
    want_e, want_v = np.linalg.eigh(s)
    close(e, want_e, rtol=1e-8)
    close(wb.abs(v), np.abs(want_v), rtol=1e-7, atol=1e-10)
    close(wb.matmul(v * e[..., None, :], v, transpose_b=True), s, rtol=1e-8)
    close(la.eigvalsh(f64(s)), want_e, rtol=1e-8)


def test_eigh_reads_the_lower_triangle_and_its_gradient_is_lower_triangular():
    s = spd_np((3, 3))
    junk = np.tril(s) + np.triu(np.full((3, 3), 7.0), 1)
    close(la.eigvalsh(f64(junk)), np.linalg.eigvalsh(s), rtol=1e-8)
    g = grad_of(lambda x: wb.reduce_sum(la.eigh(x)[1] ** 2 * f64(rand((3, 3), 4))), s)
    assert np.all(np.triu(g, 1) == 0)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_eigh_repeated_eigenvalues():
    # the eigenvalues' gradient stays finite; the eigenvectors' is not defined, and TF's safe
    # reciprocal of the gaps makes it 0 (TF 2.21 gives zeros here)
    g = grad_of(lambda x: wb.reduce_sum(la.eigvalsh(x) * f64([1.0, 2.0, 3.0])), np.eye(3))
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(np.trace(g), 6.0)
    g = grad_of(lambda x: wb.reduce_sum(la.eigh(x)[1] * f64(np.arange(9.0).reshape(3, 3) / 7 - 0.3)), np.eye(3))
    np.testing.assert_array_equal(g, np.zeros((3, 3)))


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 3)])
def test_svd_returns_s_u_v_in_tf_order(shape):
    a = rand(shape)
    s, u, v = la.svd(f64(a))
    want_u, want_s, want_vh = np.linalg.svd(a, full_matrices=False)
    close(s, want_s, rtol=1e-8)
    close(wb.abs(u), np.abs(want_u), rtol=1e-7, atol=1e-10)
    close(wb.abs(v), np.abs(np.swapaxes(want_vh, -1, -2)), rtol=1e-7, atol=1e-10)  # v, not v^H
    close(wb.matmul(u * s[..., None, :], v, transpose_b=True), a, rtol=1e-8)
    close(la.svd(f64(a), compute_uv=False), want_s, rtol=1e-8)


def test_svd_full_matrices():
    s, u, v = la.svd(f64(rand((4, 2))), full_matrices=True)
    assert (s.shape, u.shape, v.shape) == ((2,), (4, 4), (2, 2))
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        grad_of(lambda x: wb.reduce_sum(la.svd(x, full_matrices=True)[1] ** 2), rand((4, 2)))
    # the singular values alone have a gradient whatever full_matrices says
    g = grad_of(lambda x: wb.reduce_sum(la.svd(x, full_matrices=True)[0]), rand((4, 2)))
    u, _, vh = np.linalg.svd(rand((4, 2)), full_matrices=False)
    np.testing.assert_allclose(g, u @ vh, rtol=1e-8)


def test_svd_values_gradient_is_finite_for_repeated_values():
    g = grad_of(lambda x: wb.reduce_sum(la.svd(x, compute_uv=False)), 2 * np.eye(3))
    np.testing.assert_allclose(g, np.eye(3), atol=1e-12)


def test_pinv_matches_numpy():
    a = rand((2, 5, 3))
    close(la.pinv(f64(a)), np.linalg.pinv(a), rtol=1e-8)
    low_rank = rand((4, 1)) @ rand((1, 3), 1)
    close(la.pinv(f64(low_rank)), np.linalg.pinv(low_rank), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("fn", [la.cholesky, la.inv, la.det, la.expm, la.eigh, la.logdet])
def test_square_ops_reject_non_square_input(fn):
    with pytest.raises(ValueError, match="square"):
        fn(f64(rand((2, 3, 4))))


def test_matvec_broadcasts_batches_and_transposes_with_gradients():
    r = np.random.default_rng(3)
    m = wb.constant(r.standard_normal((3, 4, 5)))
    v = wb.constant(r.standard_normal((2, 1, 4)))
    got = wb.linalg.matvec(m, v, transpose_a=True)
    np.testing.assert_allclose(got.numpy(), (np.swapaxes(m.numpy(), -1, -2) @ v.numpy()[..., None])[..., 0])
    check_gradients(lambda a, b: wb.linalg.matvec(a, b, transpose_a=True), [m, v], order=2)
    w = wb.constant(r.standard_normal(5))
    check_gradients(lambda a, b: wb.linalg.matvec(a, b), [m, w], order=2)
    with pytest.raises(ValueError, match=r"Matrix size-incompatible: In\[0\]: \[3,4,5\], In\[1\]: \[4,1\]"):
        wb.linalg.matvec(m, wb.constant(np.ones(4)))
    with pytest.raises(ValueError, match="matvec: a must have rank >= 2"):
        wb.linalg.matvec(w, w)


def _kernel_text(op_type, message, dtype="float64"):
    # TF's x86 CPU build runs float32 products through oneDNN: its kernel is "_Mkl<op>", and its
    # batched kernel adds the adj_x adj_y flags to a size mismatch
    onednn = dtype == "float32" and platform.machine().lower() in ("x86_64", "amd64")
    kernel = "__Mkl" + op_type if onednn else op_type
    if not onednn and op_type == "BatchMatMulV2":
        message = re.sub(r" [01] [01]$", "", message)
    return ("{{function_node __wrapped__" + kernel + "_device_/job:localhost/replica:0/task:0/device:CPU:0}} "
            f"{message} [Op:{op_type}] name: ")


@pytest.mark.parametrize("call,op_type,message", [
    # TF 2.21's eager texts: MatMul for two matrices, BatchMatMulV2 otherwise; the shapes are the
    # operands' before the transposes; matvec is a matmul of the vector with a last 1
    (lambda: wb.matmul(wb.ones([1, 4]), wb.ones([3, 3])), "MatMul",
     "Matrix size-incompatible: In[0]: [1,4], In[1]: [3,3]"),
    (lambda: wb.ones([1, 4]) @ wb.ones([3, 3], dtype=wb.float32), "MatMul",
     "Matrix size-incompatible: In[0]: [1,4], In[1]: [3,3]"),
    (lambda: wb.matmul(wb.ones([4, 1]), wb.ones([3, 3]), transpose_a=True), "MatMul",
     "Matrix size-incompatible: In[0]: [4,1], In[1]: [3,3]"),
    (lambda: wb.matmul(wb.ones([1, 4]), wb.ones([3, 3]), transpose_b=True), "MatMul",
     "Matrix size-incompatible: In[0]: [1,4], In[1]: [3,3]"),
    (lambda: wb.matmul(wb.ones([2, 4, 1]), wb.ones([2, 3, 3]), adjoint_a=True), "BatchMatMulV2",
     "Matrix size-incompatible: In[0]: [2,4,1], In[1]: [2,3,3] 1 0"),
    (lambda: wb.matmul(wb.ones([5, 2, 1, 4]), wb.ones([3, 3])), "BatchMatMulV2",
     "Matrix size-incompatible: In[0]: [5,2,1,4], In[1]: [3,3] 0 0"),
    (lambda: wb.matmul(wb.ones([2, 1, 4]), wb.ones([4, 3, 3])), "BatchMatMulV2",
     "In[0] and In[1] must have compatible batch dimensions: [2,1,4] vs. [4,3,3]"),
    (lambda: wb.linalg.matvec(wb.ones([2, 4]), wb.ones([3])), "MatMul",
     "Matrix size-incompatible: In[0]: [2,4], In[1]: [3,1]"),
    (lambda: wb.linalg.matvec(wb.ones([5, 2, 4]), wb.ones([5, 3])), "BatchMatMulV2",
     "Matrix size-incompatible: In[0]: [5,2,4], In[1]: [5,3,1] 0 0"),
    (lambda: wb.linalg.matvec(wb.ones([2, 2, 4]), wb.ones([3, 4])), "BatchMatMulV2",
     "In[0] and In[1] must have compatible batch dimensions: [2,2,4] vs. [3,4,1]"),
])
def test_matmul_of_mismatched_shapes_raises_tfs_invalid_argument(call, op_type, message):
    with pytest.raises(wb.errors.InvalidArgumentError) as info:
        call()
    assert isinstance(info.value, ValueError)   # what plain Python code would catch
    assert str(info.value) == _kernel_text(op_type, message, "float32")


def test_matmul_checks_batches_of_the_untransposed_operands():
    a, b = np.arange(12.0).reshape(2, 2, 3), np.arange(18.0).reshape(2, 3, 3)
    np.testing.assert_allclose(wb.matmul(a, b, transpose_b=True).numpy(), a @ np.swapaxes(b, -1, -2))
    np.testing.assert_allclose(wb.matmul(np.swapaxes(a, -1, -2), b[:, :2], transpose_a=True,
                                         transpose_b=True).numpy(), a @ np.swapaxes(b[:, :2], -1, -2))


def test_matmul_of_vectors_raises_invalid_argument_as_tf():
    with pytest.raises(wb.errors.InvalidArgumentError, match="matmul: a must have rank >= 2 and b rank >= 2"):
        wb.matmul(wb.ones([4]), wb.ones([4, 3]))
