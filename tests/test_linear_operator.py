"""wb.linalg.LinearOperator*: every operator against its dense matrix in NumPy (products, solves,
determinants, Cholesky factors, adjoints, inverses, batch shapes and slicing), TF's hints and
errors, and gradients of the structured paths against finite differences (float64)."""

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape, check_gradients

la = wb.linalg
RNG = np.random.default_rng(0)


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


def close(got, want, rtol=1e-9, atol=1e-10):
    np.testing.assert_allclose(np.asarray(got.numpy() if hasattr(got, "numpy") else got), want, rtol=rtol, atol=atol)


def _rand(*shape):
    return RNG.standard_normal(shape)


def _tril_np(shape):
    a = _rand(*shape)
    idx = np.arange(shape[-1])
    a[..., idx, idx] = np.sign(a[..., idx, idx]) * (np.abs(a[..., idx, idx]) + 1.0)
    return a   # upper triangle holds junk that the operator must ignore


def _nonsingular_np(shape):
    return _rand(*shape) + 3.0 * np.eye(shape[-1])


def _spd_np(shape):
    a = _rand(*shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


DIAG = np.array([[1.5, -0.7, 2.0], [0.4, 1.1, -3.0]])
DIAG_PD = np.array([[1.5, 0.7, 2.0], [0.4, 1.1, 3.0]])
TRIL = _tril_np((2, 3, 3))
FULL = _nonsingular_np((2, 3, 3))
SPD = _spd_np((3, 3))
BASE4 = np.array([1.0, 2.0, 0.5, 3.0])
U42 = _rand(4, 2)
V42 = _rand(4, 2)
D2 = np.array([0.7, 1.3])
FULL4 = _nonsingular_np((4, 4))
TRIL4 = _tril_np((2, 4, 4))
RECT = _rand(2, 3, 4)


def _lru_dense(base, u, d=None, v=None):
    v = u if v is None else v
    d = np.ones(u.shape[-1]) if d is None else d
    return base + (u * d[..., None, :]) @ np.swapaxes(v, -1, -2)


def _block(*blocks):
    batch = np.broadcast_shapes(*[b.shape[:-2] for b in blocks])
    m = sum(b.shape[-2] for b in blocks)
    n = sum(b.shape[-1] for b in blocks)
    out = np.zeros(batch + (m, n))
    i = j = 0
    for b in blocks:
        out[..., i:i + b.shape[-2], j:j + b.shape[-1]] = b
        i, j = i + b.shape[-2], j + b.shape[-1]
    return out


def _block_tril(rows):
    """The dense block lower-triangular matrix of ``rows`` (row i: i + 1 dense blocks), batch dims broadcast."""
    sizes = [r[i].shape[-1] for i, r in enumerate(rows)]
    batch = np.broadcast_shapes(*[b.shape[:-2] for r in rows for b in r])
    out = np.zeros(batch + (sum(sizes), sum(sizes)))
    starts = np.cumsum([0] + sizes)
    for i, r in enumerate(rows):
        for j, b in enumerate(r):
            out[..., starts[i]:starts[i + 1], starts[j]:starts[j + 1]] = b
    return out


def _kron3(*ms):
    """np.kron over the last two dimensions, batch dimensions broadcast."""
    out = ms[0]
    for m in ms[1:]:
        batch = np.broadcast_shapes(out.shape[:-2], m.shape[:-2])
        a, b = np.broadcast_to(out, batch + out.shape[-2:]), np.broadcast_to(m, batch + m.shape[-2:])
        out = np.einsum("...ij,...kl->...ikjl", a, b).reshape(batch + (a.shape[-2] * b.shape[-2], a.shape[-1] * b.shape[-1]))
    return out


# name -> (factory of the operator from float64 tensors, parameters, dense reference, what applies)
# what applies: "solve" (square, non-singular), "chol" (declared self-adjoint positive definite)
CASES = {
    "Diag": (lambda d: la.LinearOperatorDiag(d), [DIAG], lambda d: np.apply_along_axis(np.diag, -1, d),
             {"solve"}),
    "Diag positive definite": (lambda d: la.LinearOperatorDiag(d, is_positive_definite=True), [DIAG_PD],
                               lambda d: np.apply_along_axis(np.diag, -1, d), {"solve", "chol"}),
    "LowerTriangular": (lambda t: la.LinearOperatorLowerTriangular(t), [TRIL], np.tril, {"solve"}),
    "FullMatrix": (lambda m: la.LinearOperatorFullMatrix(m), [FULL], lambda m: m, {"solve"}),
    "FullMatrix SPD": (lambda m: la.LinearOperatorFullMatrix(m, is_self_adjoint=True, is_positive_definite=True),
                       [SPD], lambda m: m, {"solve", "chol"}),
    "FullMatrix rectangular": (lambda m: la.LinearOperatorFullMatrix(m), [RECT], lambda m: m, set()),
    "Identity": (lambda: la.LinearOperatorIdentity(3, batch_shape=[2], dtype=np.float64), [],
                 lambda: np.broadcast_to(np.eye(3), (2, 3, 3)), {"solve", "chol"}),
    "ScaledIdentity": (lambda m: la.LinearOperatorScaledIdentity(3, m), [np.array([2.0, -0.5])],
                       lambda m: m[:, None, None] * np.eye(3), {"solve"}),
    "ScaledIdentity positive": (lambda m: la.LinearOperatorScaledIdentity(2, m, is_positive_definite=True),
                                [np.array(1.7)], lambda m: m * np.eye(2), {"solve", "chol"}),
    "LowRankUpdate SPD": (
        lambda b, u: la.LinearOperatorLowRankUpdate(la.LinearOperatorDiag(b, is_positive_definite=True), u),
        [BASE4, U42], lambda b, u: _lru_dense(np.diag(b), u), {"solve", "chol"}),
    "LowRankUpdate general": (
        lambda b, u, d, v: la.LinearOperatorLowRankUpdate(la.LinearOperatorFullMatrix(b), u, diag_update=d, v=v),
        [FULL4, U42, D2, V42], lambda b, u, d, v: _lru_dense(b, u, d, v), {"solve"}),
    "LowRankUpdate batched tril": (
        lambda t, u, d: la.LinearOperatorLowRankUpdate(la.LinearOperatorLowerTriangular(t), u, diag_update=d),
        [TRIL4, U42, D2], lambda t, u, d: _lru_dense(np.tril(t), u, d), {"solve"}),
    "Composition": (
        lambda d, m: la.LinearOperatorComposition([la.LinearOperatorDiag(d), la.LinearOperatorFullMatrix(m)]),
        [DIAG, FULL[0]], lambda d, m: np.apply_along_axis(np.diag, -1, d) @ m, {"solve"}),
    "Composition rectangular": (
        lambda a, t: la.LinearOperatorComposition([la.LinearOperatorFullMatrix(a), la.LinearOperatorLowerTriangular(t)]),
        [RECT, TRIL4[0]], lambda a, t: a @ np.tril(t), set()),
    "BlockDiag": (
        lambda d, m: la.LinearOperatorBlockDiag([la.LinearOperatorDiag(d), la.LinearOperatorFullMatrix(m)]),
        [DIAG_PD[0, :2], FULL], lambda d, m: _block(np.diag(d), m), {"solve"}),
    "BlockDiag SPD": (
        lambda d, m: la.LinearOperatorBlockDiag([
            la.LinearOperatorDiag(d, is_positive_definite=True),
            la.LinearOperatorFullMatrix(m, is_self_adjoint=True, is_positive_definite=True)]),
        [DIAG_PD, SPD], lambda d, m: _block(np.apply_along_axis(np.diag, -1, d), m), {"solve", "chol"}),
    "BlockDiag rectangular": (
        lambda a, d: la.LinearOperatorBlockDiag([la.LinearOperatorFullMatrix(a), la.LinearOperatorDiag(d)]),
        [RECT[0], DIAG[0]], lambda a, d: _block(a, np.diag(d)), set()),
    "Kronecker": (
        lambda m, t, d: la.LinearOperatorKronecker([la.LinearOperatorFullMatrix(m), la.LinearOperatorLowerTriangular(t),
                                                    la.LinearOperatorDiag(d)]),
        [FULL, TRIL4[0, :2, :2], DIAG[0, :2]], lambda m, t, d: _kron3(m, np.tril(t), np.diag(d)), {"solve"}),
    "Kronecker SPD": (
        lambda a, d: la.LinearOperatorKronecker([
            la.LinearOperatorFullMatrix(a, is_self_adjoint=True, is_positive_definite=True),
            la.LinearOperatorDiag(d, is_positive_definite=True)]),
        [SPD, DIAG_PD], lambda a, d: _kron3(a, np.apply_along_axis(np.diag, -1, d)), {"solve", "chol"}),
    "Kronecker rectangular": (
        lambda a, m: la.LinearOperatorKronecker([la.LinearOperatorFullMatrix(a), la.LinearOperatorFullMatrix(m)]),
        [RECT, FULL[0, :2]], lambda a, m: _kron3(a, m), set()),
    "Adjoint": (lambda m: la.LinearOperatorFullMatrix(m).adjoint(), [FULL],
                lambda m: np.swapaxes(m, -1, -2), {"solve"}),
    "Inversion": (lambda t: la.LinearOperatorLowerTriangular(t).inverse(), [TRIL],
                  lambda t: np.linalg.inv(np.tril(t)), {"solve"}),
    "BlockLowerTriangular": (
        lambda t, m, r: la.LinearOperatorBlockLowerTriangular([
            [la.LinearOperatorLowerTriangular(t)],
            [la.LinearOperatorFullMatrix(r), la.LinearOperatorFullMatrix(m)]]),
        [TRIL, FULL4[:2, :2] + 2.0 * np.eye(2), RECT[0, :2, :3]],
        lambda t, m, r: _block_tril([[np.tril(t)], [r, m]]), {"solve"}),
    "BlockLowerTriangular 3x3 blocks": (
        lambda d, m, t, r1, r2, r3: la.LinearOperatorBlockLowerTriangular([
            [la.LinearOperatorDiag(d)],
            [la.LinearOperatorFullMatrix(r1), la.LinearOperatorFullMatrix(m)],
            [la.LinearOperatorFullMatrix(r2), la.LinearOperatorFullMatrix(r3), la.LinearOperatorLowerTriangular(t)]]),
        [DIAG, FULL[0], TRIL4[1, :2, :2], RECT[1, :3, :3], RECT[0, :2, :3], RECT[1, :2, :3]],
        lambda d, m, t, r1, r2, r3: _block_tril([[np.apply_along_axis(np.diag, -1, d)], [r1, m],
                                                 [r2, r3, np.tril(t)]]), {"solve"}),
}
IDS = list(CASES)


def _op(name):
    make, params, dense, applies = CASES[name]
    return make(*[f64(p) for p in params]), dense(*params), applies


def _rhs(op, cols, adjoint=False, seed=1):
    rows = op.range_dimension if adjoint else op.domain_dimension
    return np.random.default_rng(seed).standard_normal((rows, cols))


@pytest.mark.parametrize("name", IDS)
def test_dense_shape_and_products(name):
    op, a, _ = _op(name)
    assert tuple(op.shape) == a.shape
    assert tuple(op.batch_shape) == a.shape[:-2]
    assert (op.range_dimension, op.domain_dimension) == a.shape[-2:]
    assert op.is_square == (a.shape[-1] == a.shape[-2])
    assert list(op.shape_tensor().numpy()) == list(a.shape)
    close(op.to_dense(), a)
    at = np.swapaxes(a, -1, -2)
    x = _rhs(op, 2)
    close(op.matmul(f64(x)), a @ x)
    close(op @ f64(x), a @ x)
    close(op.matmul(f64(x.T), adjoint_arg=True), a @ x)
    y = _rhs(op, 2, adjoint=True)
    close(op.matmul(f64(y), adjoint=True), at @ y)
    close(op.matmul(f64(y.T), adjoint=True, adjoint_arg=True), at @ y)
    close(op.matvec(f64(x[:, 0])), a @ x[:, 0])
    close(op.matvec(f64(y[:, 0]), adjoint=True), at @ y[:, 0])
    # a batch of right-hand sides broadcasts against the operator's batch
    xb = np.random.default_rng(3).standard_normal((5,) + (1,) * len(a.shape[:-2]) + (op.domain_dimension, 2))
    close(op.matmul(f64(xb)), a @ xb)
    close(op.diag_part(), np.diagonal(a, axis1=-2, axis2=-1))
    close(op.trace(), np.trace(a, axis1=-2, axis2=-1))
    z = np.random.default_rng(4).standard_normal(a.shape)
    close(op.add_to_tensor(f64(z)), a + z)
    close(op.adjoint().to_dense(), at)
    close(op.H.matmul(f64(y)), at @ y)


@pytest.mark.parametrize("name", [n for n in IDS if "solve" in CASES[n][3]])
def test_solves_and_determinants(name):
    op, a, _ = _op(name)
    at = np.swapaxes(a, -1, -2)
    b = _rhs(op, 3)
    close(op.solve(f64(b)), np.linalg.solve(a, b), rtol=1e-8)
    close(op.solve(f64(b), adjoint=True), np.linalg.solve(at, b), rtol=1e-8)
    close(op.solve(f64(b.T), adjoint_arg=True), np.linalg.solve(a, b), rtol=1e-8)
    close(op.solvevec(f64(b[:, 0])), np.linalg.solve(a, b[:, :1])[..., 0], rtol=1e-8)
    close(op.solvevec(f64(b[:, 0]), adjoint=True), np.linalg.solve(at, b[:, :1])[..., 0], rtol=1e-8)
    bb = np.random.default_rng(5).standard_normal((2,) + a.shape[:-2] + (op.range_dimension, 1))
    close(op.solve(f64(bb)), np.linalg.solve(a, bb), rtol=1e-8)
    sign, logdet = np.linalg.slogdet(a)
    close(op.log_abs_determinant(), logdet, rtol=1e-9)
    close(op.determinant(), sign * np.exp(logdet), rtol=1e-9)
    close(op.inverse().to_dense(), np.linalg.inv(a), rtol=1e-8, atol=1e-9)
    close(op.inverse().log_abs_determinant(), -logdet, rtol=1e-9)


@pytest.mark.parametrize("name", [n for n in IDS if "chol" in CASES[n][3]])
def test_cholesky(name):
    op, a, _ = _op(name)
    assert op.is_self_adjoint and op.is_positive_definite
    low = op.cholesky()
    assert isinstance(low, la.LinearOperator)
    close(low.to_dense(), np.linalg.cholesky(a), rtol=1e-9)
    close(np.sort(op.eigvals().numpy(), axis=-1), np.linalg.eigvalsh(a), rtol=1e-9)   # any order, as TF's


@pytest.mark.parametrize("name", [n for n in IDS if CASES[n][2](*CASES[n][1]).ndim > 2])
def test_batch_slicing(name):
    op, a, _ = _op(name)
    close(op[1:].to_dense(), a[1:])
    close(op[1].to_dense(), a[1])
    close(op[..., 0].to_dense(), a[0])
    with pytest.raises(IndexError, match="batch rank"):
        op[0, 0, 0]


def test_structured_results_keep_their_structure():
    d = la.LinearOperatorDiag(f64([1.0, 4.0]), is_positive_definite=True)
    assert isinstance(d.inverse(), la.LinearOperatorDiag)
    assert isinstance(d.cholesky(), la.LinearOperatorDiag)
    assert d.adjoint() is d
    assert isinstance(d @ la.LinearOperatorDiag(f64([2.0, 2.0])), la.LinearOperatorDiag)
    s = la.LinearOperatorScaledIdentity(2, f64(4.0))
    assert isinstance(s.inverse(), la.LinearOperatorScaledIdentity)
    close((s @ d).to_dense(), 4.0 * np.diag([1.0, 4.0]))
    i = la.LinearOperatorIdentity(2, dtype=np.float64)
    assert i.cholesky() is i and i.inverse() is i and (i @ d) is d
    t = la.LinearOperatorLowerTriangular(f64([[2.0, 0.0], [1.0, 1.0]]))
    assert isinstance(t.inverse(), la.LinearOperatorInversion) and t.inverse().inverse() is t
    assert isinstance(t.adjoint(), la.LinearOperatorAdjoint) and t.adjoint().adjoint() is t
    td, dt = t @ d, d @ t   # a triangle scaled by a diagonal stays a triangle (TF's rules)
    assert isinstance(td, la.LinearOperatorLowerTriangular) and isinstance(dt, la.LinearOperatorLowerTriangular)
    close(td.to_dense(), np.array([[2.0, 0.0], [1.0, 4.0]]))
    close(dt.to_dense(), np.array([[2.0, 0.0], [4.0, 4.0]]))
    close((s @ t).to_dense(), 4.0 * np.array([[2.0, 0.0], [1.0, 1.0]]))
    comp = t @ la.LinearOperatorFullMatrix(f64(np.eye(2)))
    assert isinstance(comp, la.LinearOperatorComposition)
    close(comp.to_dense(), np.array([[2.0, 0.0], [1.0, 1.0]]))
    sol = t.solve(d)   # an operator: T^-1 D
    close(sol.to_dense(), np.linalg.solve([[2.0, 0.0], [1.0, 1.0]], np.diag([1.0, 4.0])))


def test_low_rank_update_uses_the_structure():
    base = la.LinearOperatorDiag(f64(BASE4), is_positive_definite=True)
    op = la.LinearOperatorLowRankUpdate(base, f64(U42))
    assert op.is_self_adjoint and op.is_positive_definite and op._use_cholesky
    assert op.v is op.u and isinstance(op.diag_operator, la.LinearOperatorIdentity)
    general = la.LinearOperatorLowRankUpdate(base, f64(U42), v=f64(V42))
    assert not general._use_cholesky and general.is_self_adjoint is None
    # the capacitance is K x K: no N x N matrix is factored
    assert tuple(op._capacitance().shape) == (2, 2)


def test_hints_and_errors():
    with pytest.raises(ValueError, match="always self-adjoint"):
        la.LinearOperatorDiag(f64([1.0]), is_self_adjoint=False)
    with pytest.raises(ValueError, match="only square"):
        la.LinearOperatorDiag(f64([1.0]), is_square=False)
    with pytest.raises(ValueError, match="non-singular"):
        la.LinearOperatorFullMatrix(f64(SPD), is_positive_definite=True, is_non_singular=False)
    with pytest.raises(ValueError, match="is_square=True"):
        la.LinearOperatorFullMatrix(f64(RECT), is_non_singular=True)
    with pytest.raises(ValueError, match="always non-singular"):
        la.LinearOperatorIdentity(2, is_non_singular=False)
    with pytest.raises(ValueError, match="`num_rows` must be non-negative"):
        la.LinearOperatorIdentity(-1)
    with pytest.raises(TypeError, match="`diag` must have a floating dtype"):
        la.LinearOperatorDiag(wb.constant([1, 2]))
    with pytest.raises(ValueError, match="`tril` must have at least 2 dimensions"):
        la.LinearOperatorLowerTriangular(f64([1.0, 2.0]))
    with pytest.raises(ValueError, match="`tril` must be square"):
        la.LinearOperatorLowerTriangular(f64(RECT))
    op = la.LinearOperatorFullMatrix(f64(FULL))
    with pytest.raises(ValueError, match=r"matmul: `x` has 4 entries in dimension -2.*needs 3"):
        op.matmul(f64(np.ones((4, 2))))
    with pytest.raises(TypeError, match=r"matvec: `x` has dtype float32, expected float64"):
        op.matvec(wb.constant([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"matmul: the batch dimensions of `x` .* operator's batch shape \[2\]"):
        op.matmul(f64(np.ones((3, 3, 1))))
    with pytest.raises(ValueError, match=r"solvevec: `rhs` must be a vector"):
        op.solvevec(f64(1.0))
    with pytest.raises(ValueError, match="Cholesky"):
        op.cholesky()
    rect = la.LinearOperatorFullMatrix(f64(RECT))
    with pytest.raises(NotImplementedError, match="not square"):
        rect.log_abs_determinant()
    with pytest.raises(NotImplementedError, match="not square"):
        rect.solve(f64(np.ones((3, 1))))
    with pytest.raises(ValueError, match="not square"):
        rect.inverse()
    singular = la.LinearOperatorFullMatrix(f64(FULL), is_non_singular=False)
    with pytest.raises(NotImplementedError, match="singular"):
        singular.solve(f64(np.ones((3, 1))))
    with pytest.raises(ValueError, match=r"`u` must be \[..., M, K\] with M = 4"):
        la.LinearOperatorLowRankUpdate(la.LinearOperatorDiag(f64(BASE4)), f64(np.ones((3, 2))))
    with pytest.raises(ValueError, match=r"`diag_update` must be \[..., K\] with K = 2"):
        la.LinearOperatorLowRankUpdate(la.LinearOperatorDiag(f64(BASE4)), f64(U42), diag_update=f64([1.0]))
    with pytest.raises(TypeError, match="`base_operator` must be a LinearOperator"):
        la.LinearOperatorLowRankUpdate(f64(FULL4), f64(U42))
    with pytest.raises(ValueError, match=r"operators\[0\] has domain dimension 4"):
        la.LinearOperatorComposition([rect[0], la.LinearOperatorFullMatrix(f64(FULL[0]))])
    with pytest.raises(ValueError, match="non-empty"):
        la.LinearOperatorBlockDiag([])
    with pytest.raises(TypeError, match="same dtype"):
        la.LinearOperatorComposition([la.LinearOperatorDiag([1.0]), la.LinearOperatorDiag(f64([1.0]))])
    with pytest.raises(ValueError, match="do not broadcast"):
        la.LinearOperatorComposition([la.LinearOperatorDiag(f64(np.ones((2, 3)))),
                                      la.LinearOperatorDiag(f64(np.ones((3, 3))))]).batch_shape


def test_python_lists_take_the_operator_dtype_and_repr_shows_the_shape():
    op = la.LinearOperatorDiag(f64([1.0, 2.0]))
    close(op.matvec([1.0, 1.0]), [1.0, 2.0])
    assert op.dtype == np.float64 and la.LinearOperatorDiag([1.0]).dtype == np.float32
    assert "LinearOperatorDiag" in repr(op) and "shape=[2, 2]" in repr(op)


def test_variables_are_read_at_each_use_and_tapes_see_them():
    v = wb.Variable(np.array([1.0, 2.0]))
    op = la.LinearOperatorDiag(v)
    with GradientTape() as tape:
        y = wb.reduce_sum(op.solvevec(f64([1.0, 1.0]))) + op.log_abs_determinant()
    # d/dd (sum 1/d + sum log d) = -1/d^2 + 1/d
    close(tape.gradient(y, v), -1.0 / np.array([1.0, 4.0]) + np.array([1.0, 0.5]))
    v.assign([2.0, 2.0])
    close(op.to_dense(), 2.0 * np.eye(2))


# gradients of the structured paths against finite differences (float64)
GRAD_CASES = ["Diag", "LowerTriangular", "ScaledIdentity", "LowRankUpdate SPD", "LowRankUpdate general",
              "Composition", "BlockDiag", "Kronecker", "BlockLowerTriangular", "BlockLowerTriangular 3x3 blocks"]


@pytest.mark.parametrize("name", GRAD_CASES)
def test_gradients_against_finite_differences(name):
    make, params, _, _ = CASES[name]
    probe = make(*[f64(p) for p in params])
    x = f64(_rhs(probe, 2, seed=7))
    b = f64(_rhs(probe, 2, seed=8))

    def f(*ps):
        op = make(*ps)
        return [op.matmul(x), op.solve(b), op.log_abs_determinant(), op.matvec(x[..., 0], adjoint=True)]
    check_gradients(f, params, order=1, modes=("rev",), jacobian=False, atol=1e-6, rtol=1e-5)


# ---------------------------------------------------------------------------
# the families built on LinearOperator (generic cases: tests/distribution_cases/linear_operator.py)

import probability  # noqa: E402
from probability.distributions.transformed_distribution import TransformedDistribution  # noqa: E402

tfd = probability.distributions
tfb = probability.bijectors


def _kl_mvn_np(mu_a, cov_a, mu_b, cov_b):
    k = len(mu_a)
    inv_b = np.linalg.inv(cov_b)
    d = mu_b - mu_a
    return 0.5 * (np.trace(inv_b @ cov_a) + d @ inv_b @ d - k + np.linalg.slogdet(cov_b)[1]
                  - np.linalg.slogdet(cov_a)[1])


def test_mvn_linear_operator_kl_against_the_closed_form():
    loc_a, loc_b = np.array([[0.0, 1.0, -1.0, 0.5], [1.0, 0.0, 0.0, 2.0]]), np.array([0.3, -0.2, 0.1, 0.0])
    a = tfd.MultivariateNormalLinearOperator(f64(loc_a), la.LinearOperatorLowRankUpdate(
        la.LinearOperatorDiag(f64(BASE4), is_positive_definite=True), f64(U42)))
    b = tfd.MultivariateNormalLinearOperator(f64(loc_b), la.LinearOperatorFullMatrix(f64(FULL4)))
    s_a = _lru_dense(np.diag(BASE4), U42)
    want = [_kl_mvn_np(loc_a[i], s_a @ s_a.T, loc_b, FULL4 @ FULL4.T) for i in range(2)]
    close(probability.kl_divergence(a, b), want, rtol=1e-9)
    back = [_kl_mvn_np(loc_b, FULL4 @ FULL4.T, loc_a[i], s_a @ s_a.T) for i in range(2)]
    close(b.kl_divergence(a), back, rtol=1e-9)
    # against the other multivariate normal families, both ways
    tril = tfd.MultivariateNormalTriL(f64(loc_b), f64(np.linalg.cholesky(FULL4 @ FULL4.T)))
    close(probability.kl_divergence(a, tril), want, rtol=1e-9)
    close(probability.kl_divergence(tril, a), back, rtol=1e-9)


def test_mvn_linear_operator_never_builds_the_dense_low_rank_scale(monkeypatch):
    def refuse(self):
        raise AssertionError("to_dense called")
    monkeypatch.setattr(la.LinearOperatorLowRankUpdate, "_to_dense", refuse)
    k = 300
    rng = np.random.default_rng(2)
    diag, u = rng.uniform(0.5, 2.0, k), rng.standard_normal((k, 2))
    scale = la.LinearOperatorLowRankUpdate(la.LinearOperatorDiag(f64(diag), is_positive_definite=True), f64(u))
    d = tfd.MultivariateNormalLinearOperator(f64(np.zeros(k)), scale)
    x = d.sample(3, seed=1)
    s = np.diag(diag) + u @ u.T
    want = [st_mvn_logpdf(xi, s @ s.T) for xi in x.numpy()]
    close(d.log_prob(x), want, rtol=1e-8)
    close(d.entropy(), 0.5 * k * (1 + np.log(2 * np.pi)) + np.linalg.slogdet(s)[1], rtol=1e-10)


def st_mvn_logpdf(x, cov):
    import scipy.stats as st
    return st.multivariate_normal(np.zeros(len(x)), cov).logpdf(x)


def test_mvn_linear_operator_slices_a_scale_with_a_smaller_batch():
    loc = np.arange(12.0).reshape(2, 3, 2) / 10
    scale = la.LinearOperatorDiag(f64([[1.0, 2.0], [0.5, 1.5], [2.0, 0.7]]))   # batch (3,): broadcast over 2
    d = tfd.MultivariateNormalLinearOperator(f64(loc), scale)
    assert d.batch_shape == (2, 3)
    x = f64(np.ones((2, 3, 2)))
    full = d.log_prob(x).numpy()
    close(d[1].log_prob(x[1]), full[1])
    close(d[:, 1:].log_prob(x[:, 1:]), full[:, 1:])
    close(d[..., 2].log_prob(x[:, 2]), full[:, 2])
    ones = tfd.MultivariateNormalLinearOperator(f64(loc), la.LinearOperatorDiag(f64([[[1.0, 2.0]], [[0.5, 1.5]]])))
    assert ones.batch_shape == (2, 3)   # the scale's batch is (2, 1)
    close(ones[:, 1:].log_prob(x[:, 1:]), ones.log_prob(x).numpy()[:, 1:])


def test_linear_operator_families_name_bad_arguments():
    diag = la.LinearOperatorDiag(f64([1.0, 2.0]))
    with pytest.raises(ValueError, match="missing required argument `scale`"):
        tfd.MultivariateNormalLinearOperator(f64([0.0, 0.0]))
    with pytest.raises(TypeError, match="`scale` must be a wb.linalg.LinearOperator"):
        tfd.MultivariateNormalLinearOperator(f64([0.0, 0.0]), f64(np.eye(2)))
    with pytest.raises(ValueError, match=r"`scale` must be square"):
        tfd.MultivariateNormalLinearOperator(scale=la.LinearOperatorFullMatrix(f64(RECT)))
    with pytest.raises(ValueError, match=r"`loc` must be \[..., k\] with k = 2"):
        tfd.MultivariateNormalLinearOperator(f64([0.0, 0.0, 0.0]), diag)
    with pytest.raises(ValueError, match="do not broadcast"):
        tfd.MultivariateNormalLinearOperator(f64(np.zeros((3, 2))), la.LinearOperatorDiag(f64(np.ones((4, 2)))))
    with pytest.raises(ValueError, match="missing required argument `loc`"):
        tfd.MultivariateStudentTLinearOperator(f64(3.0), None, diag)
    with pytest.raises(ValueError, match="`df` must be positive"):
        tfd.MultivariateStudentTLinearOperator(f64(-3.0), f64([0.0, 0.0]), diag, validate_args=True)
    t = tfd.MultivariateStudentTLinearOperator(f64([0.5, 3.0]), f64([0.0, 0.0]), diag, allow_nan_stats=False)
    with pytest.raises(ValueError, match="undefined"):
        t.variance()
    with pytest.raises(ValueError, match="undefined"):
        t.mean()


def test_mvst_linear_operator_samples_match_the_covariance():
    scale = la.LinearOperatorLowerTriangular(f64(TRIL[0]))
    d = tfd.MultivariateStudentTLinearOperator(f64(6.0), f64([1.0, -1.0, 0.0]), scale)
    x = d.sample(40000, seed=5).numpy()
    cov = np.tril(TRIL[0]) @ np.tril(TRIL[0]).T * 6.0 / 4.0
    np.testing.assert_allclose(np.cov(x.T), cov, atol=0.15 * np.abs(cov).max())
    np.testing.assert_allclose(x.mean(0), [1.0, -1.0, 0.0], atol=0.05)


def test_scale_matvec_linear_operator_pushes_a_normal_to_the_mvn():
    scale = la.LinearOperatorLowRankUpdate(la.LinearOperatorDiag(f64(BASE4), is_positive_definite=True), f64(U42))
    base = tfd.Sample(tfd.Normal(f64(0.0), f64(1.0)), 4)
    pushed = TransformedDistribution(base, tfb.ScaleMatvecLinearOperator(scale))
    mvn = tfd.MultivariateNormalLinearOperator(scale=scale)
    x = f64(np.random.default_rng(9).standard_normal((5, 4)))
    close(pushed.log_prob(x), mvn.log_prob(x).numpy(), rtol=1e-10)
    b = tfb.ScaleMatvecLinearOperator(la.LinearOperatorDiag(f64(np.ones((3, 4)))))
    assert b.experimental_batch_shape() == (3,) and b.experimental_batch_shape(x_event_ndims=2) == ()
    v = wb.Variable(np.ones(2))
    assert tfb.ScaleMatvecLinearOperator(la.LinearOperatorDiag(v)).trainable_variables == (v,)
    with pytest.raises(TypeError, match="`scale` must be a wb.linalg.LinearOperator"):
        tfb.ScaleMatvecLinearOperator(f64(np.eye(2)))
    with pytest.raises(ValueError, match="declared singular"):
        tfb.ScaleMatvecLinearOperator(la.LinearOperatorFullMatrix(f64(FULL4), is_non_singular=False),
                                      validate_args=True)


# Autoregressive: x[0] = s z[0], x[i] = w x[i-1] + s (1 + x[i-1]^2 / 4) z[i] with the noise z fixed


def _ar_fn(w, s):
    def fn(x):
        prev = wb.concat([wb.zeros_like(x[..., :1]), x[..., :-1]], axis=-1)
        return tfd.Independent(tfd.Normal(w * prev, s * (1.0 + 0.25 * wb.square(prev))), 1)
    return fn


def test_autoregressive_sample_is_the_chain_of_conditionals():
    w, s = f64([0.8, -0.5]), f64(1.3)                   # a batch of two chains
    d = tfd.Autoregressive(_ar_fn(w[:, None], s), sample0=f64(np.zeros((2, 4))))
    assert d.batch_shape == (2,) and d.event_shape == (4,) and d.num_steps == 4
    assert d.reparameterization_type is tfd.FULLY_REPARAMETERIZED
    x = d.sample(3, seed=(11, 0)).numpy()
    assert x.shape == (3, 2, 4)
    # the noise of every step: a standard normal draw of the same shape with the same seed (TFP's
    # stateless seed, salted 'Autoregressive', used at every step)
    from probability.internal import samplers
    step_seed = samplers.sanitize_seed((11, 0), salt="Autoregressive")
    z = tfd.Independent(tfd.Normal(f64(np.zeros((3, 2, 4))), f64(1.0)), 1).sample(seed=step_seed).numpy()
    want = np.zeros((3, 2, 4))
    wn = np.array([0.8, -0.5])[:, None]
    prev = np.zeros((3, 2, 1))
    for i in range(4):
        want[..., i:i + 1] = wn * prev + 1.3 * (1.0 + 0.25 * prev ** 2) * z[..., i:i + 1]
        prev = want[..., i:i + 1]
    close(x, want, rtol=1e-12)
    # log_prob is distribution_fn(x).log_prob(x), the sum of the conditionals
    import scipy.stats as st
    prevs = np.concatenate([np.zeros((3, 2, 1)), want[..., :-1]], axis=-1)
    close(d.log_prob(f64(want)), st.norm(wn * prevs, 1.3 * (1 + 0.25 * prevs ** 2)).logpdf(want).sum(-1),
          rtol=1e-12)
    close(d.prob(f64(want)), np.exp(d.log_prob(f64(want)).numpy()), rtol=1e-12)


def test_autoregressive_too_few_steps_leave_the_last_coordinates_unsettled():
    d = tfd.Autoregressive(_ar_fn(f64(0.8), f64(1.3)), sample0=f64(np.zeros(4)), num_steps=2)
    full = tfd.Autoregressive(_ar_fn(f64(0.8), f64(1.3)), sample0=f64(np.zeros(4)))
    a, b = d.sample(5, seed=(3, 0)).numpy(), full.sample(5, seed=(3, 0)).numpy()
    close(a[:, :2], b[:, :2], rtol=1e-12)
    assert not np.allclose(a[:, 3], b[:, 3])


def test_autoregressive_arguments():
    with pytest.raises(TypeError, match="`distribution_fn` must be callable"):
        tfd.Autoregressive(3.0)
    with pytest.raises(TypeError, match="must return a Distribution"):
        tfd.Autoregressive(lambda x: x, sample0=f64([0.0]))
    with pytest.raises(ValueError, match="`num_steps` must be at least 1"):
        tfd.Autoregressive(_ar_fn(f64(0.8), f64(1.3)), sample0=f64(np.zeros(4)), num_steps=0)
    with pytest.raises(TypeError, match="`num_steps` must be an integer"):
        tfd.Autoregressive(_ar_fn(f64(0.8), f64(1.3)), sample0=f64(np.zeros(4)), num_steps=2.5)
    default = tfd.Autoregressive(lambda x=None: tfd.Independent(tfd.Normal(f64(np.zeros(3)), f64(1.0)), 1))
    assert default.num_steps == 3 and default.event_shape == (3,)
    with pytest.raises(NotImplementedError, match="batch slicing"):
        default[0]
    listed = tfd.Autoregressive(lambda x: tfd.Independent(tfd.Normal(x, 1.0), 1), sample0=[0.0, 0.0])
    assert isinstance(listed.sample0, wb.Tensor) and listed.dtype == np.float32 and listed.event_shape == (2,)


def test_condition_numbers_and_assertions_against_the_entries():
    from workbench.errors import InvalidArgumentError
    for name in ("Diag", "LowerTriangular", "FullMatrix", "LowRankUpdate general"):
        op, a, _ = _op(name)
        close(op.cond(), np.linalg.cond(a), rtol=1e-8)
        op.assert_non_singular()
    spd, _, _ = _op("FullMatrix SPD")
    spd.assert_positive_definite()
    spd.assert_self_adjoint()
    la.LinearOperatorDiag(f64(DIAG_PD)).assert_positive_definite()
    with pytest.raises(InvalidArgumentError, match="not positive definite"):
        la.LinearOperatorDiag(f64(DIAG)).assert_positive_definite()
    with pytest.raises(InvalidArgumentError, match="not positive definite"):
        la.LinearOperatorFullMatrix(f64(-SPD)).assert_positive_definite()
    with pytest.raises(InvalidArgumentError, match="not self-adjoint"):
        la.LinearOperatorFullMatrix(f64(FULL)).assert_self_adjoint()
    with pytest.raises(InvalidArgumentError, match="singular"):
        la.LinearOperatorDiag(f64([1.0, 0.0])).assert_non_singular()
    with pytest.raises(InvalidArgumentError, match="singular"):
        la.LinearOperatorLowerTriangular(f64([[1.0, 0.0], [3.0, 0.0]])).assert_non_singular()
    with pytest.raises(InvalidArgumentError, match="singular"):
        la.LinearOperatorFullMatrix(f64([[1.0, 2.0], [2.0, 4.0]])).assert_non_singular()
    with pytest.raises(NotImplementedError, match="self-adjoint"):
        la.LinearOperatorLowerTriangular(f64(TRIL)).eigvals()


@pytest.mark.parametrize("name", [n for n in IDS if "solve" in CASES[n][3] and CASES[n][1]])
def test_float32_operators_match_in_float32_precision(name):
    make, params, dense, _ = CASES[name]
    op = make(*[wb.constant(np.asarray(p, dtype=np.float32)) for p in params])
    assert op.dtype == np.float32
    a = dense(*params)
    b = _rhs(op, 2)
    got = op.solve(wb.constant(b.astype(np.float32)))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.numpy(), np.linalg.solve(a, b), rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(op.log_abs_determinant().numpy(), np.linalg.slogdet(a)[1], rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(op.matvec(wb.constant(b[:, 0].astype(np.float32))).numpy(), a @ b[:, 0],
                               rtol=2e-5, atol=2e-5)


def test_kronecker_determinant_sign_and_structured_results():
    a = np.array([[0.0, 1.0], [2.0, 0.5]])           # det -2, taken to the power 3
    b = np.diag([-1.0, 2.0, 0.5])                     # det -1, taken to the power 2
    op = la.LinearOperatorKronecker([la.LinearOperatorFullMatrix(f64(a)), la.LinearOperatorDiag(f64(np.diag(b)))])
    close(op.determinant(), np.linalg.det(np.kron(a, b)), rtol=1e-12)
    assert isinstance(op.inverse(), la.LinearOperatorKronecker)
    close(op.inverse().to_dense(), np.linalg.inv(np.kron(a, b)), rtol=1e-12)
    spd, _, _ = _op("Kronecker SPD")
    assert spd.is_positive_definite and spd.is_self_adjoint
    assert isinstance(spd.cholesky(), la.LinearOperatorKronecker)
    with pytest.raises(ValueError, match="every factor has is_non_singular=True"):
        la.LinearOperatorKronecker([la.LinearOperatorIdentity(2)], is_non_singular=False)


def test_block_lower_triangular_works_block_by_block(monkeypatch):
    op, a, _ = _op("BlockLowerTriangular 3x3 blocks")
    assert isinstance(op, la.LinearOperatorBlockLowerTriangular) and op.is_square
    assert [len(row) for row in op.operators] == [1, 2, 3]

    def no_dense(self):
        raise AssertionError("built the dense matrix")
    monkeypatch.setattr(la.LinearOperatorBlockLowerTriangular, "_to_dense", no_dense)
    b = _rhs(op, 2)
    close(op.solve(f64(b)), np.linalg.solve(a, b), rtol=1e-8)
    close(op.solve(f64(b), adjoint=True), np.linalg.solve(np.swapaxes(a, -1, -2), b), rtol=1e-8)
    close(op.log_abs_determinant(), np.linalg.slogdet(a)[1], rtol=1e-9)
    close(op.matvec(f64(b[:, 0])), a @ b[:, 0])
    # non-singular diagonal blocks make the whole non-singular
    d = la.LinearOperatorDiag(f64([1.0, 2.0]), is_non_singular=True)
    assert la.LinearOperatorBlockLowerTriangular([[d], [la.LinearOperatorFullMatrix(f64(np.ones((2, 2)))), d]]) \
        .is_non_singular


def test_block_lower_triangular_names_bad_arguments():
    d2 = la.LinearOperatorDiag(f64([1.0, 2.0]))
    d3 = la.LinearOperatorDiag(f64([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="list of rows"):
        la.LinearOperatorBlockLowerTriangular(d2)
    with pytest.raises(ValueError, match=r"`operators\[1\]` must hold 2 operators"):
        la.LinearOperatorBlockLowerTriangular([[d2], [d3]])
    with pytest.raises(ValueError, match=r"`operators\[1\]\[0\]` must be \[3, 2\]"):
        la.LinearOperatorBlockLowerTriangular([[d2], [la.LinearOperatorFullMatrix(f64(np.ones((2, 3)))), d3]])
    with pytest.raises(ValueError, match="diagonal block `operators\\[0\\]\\[0\\]` must be square"):
        la.LinearOperatorBlockLowerTriangular([[la.LinearOperatorFullMatrix(f64(np.ones((2, 3))))]])
    with pytest.raises(TypeError, match="same dtype"):
        la.LinearOperatorBlockLowerTriangular([[d2], [la.LinearOperatorFullMatrix(np.ones((3, 2), np.float32)), d3]])
