"""``wb.linalg.LinearOperatorToeplitz`` and ``LinearOperatorHouseholder`` against TF 2.21's values
for the same calls (tests/fixtures/linear_operator_toeplitz_householder_tf221.npz). Where TF fails
(a Toeplitz operator whose col and row have different batch shapes: TF's concat of ranks that do
not match) these compute; integer col/row are refused, as by every operator here."""

import os

import numpy as np

import workbench as wb

L = wb.linalg


def _run():
    out = {}
    def rec(name, f):
        try:
            r = f()
            out[name] = ('ok', np.asarray(r.numpy() if hasattr(r, 'numpy') else r))
        except Exception as e:
            out[name] = ('err', type(e).__name__, str(e)[:150])
    col = np.array([4., 1., 0.5], np.float64); row = np.array([9., 2., -1.], np.float64)
    T = L.LinearOperatorToeplitz(col, row)
    Tb = L.LinearOperatorToeplitz(np.array([[4., 1., .5], [3., 1., 0.]], np.float32), np.array([1., 2., 1.], np.float32))
    x = np.arange(6, dtype=np.float64).reshape(3, 2) - 2
    for nm, op, xx in [('T', T, x), ('Tb', Tb, x.astype(np.float32))]:
        rec(nm + '_dense', lambda: op.to_dense())
        rec(nm + '_matmul', lambda: op.matmul(xx))
        rec(nm + '_matmul_adj', lambda: op.matmul(xx, adjoint=True))
        rec(nm + '_matvec', lambda: op.matvec(xx[:, 0]))
        rec(nm + '_solve', lambda: op.solve(xx))
        rec(nm + '_det', lambda: op.determinant())
        rec(nm + '_lad', lambda: op.log_abs_determinant())
        rec(nm + '_diag', lambda: op.diag_part())
        rec(nm + '_trace', lambda: op.trace())
        rec(nm + '_shape', lambda: list(op.shape))
        rec(nm + '_bshape', lambda: list(op.batch_shape))
        rec(nm + '_sq', lambda: op.is_square)
        rec(nm + '_inv', lambda: op.inverse().to_dense())
        rec(nm + '_adj', lambda: op.adjoint().to_dense())
    v = np.array([1., 2., 2.], np.float64)
    H = L.LinearOperatorHouseholder(v)
    Hb = L.LinearOperatorHouseholder(np.array([[1., 0., 0.], [1., 1., 1.]], np.float32))
    for nm, op, xx in [('H', H, x), ('Hb', Hb, x.astype(np.float32))]:
        rec(nm + '_dense', lambda: op.to_dense())
        rec(nm + '_matmul', lambda: op.matmul(xx))
        rec(nm + '_matmul_adjarg', lambda: op.matmul(xx.T, adjoint_arg=True))
        rec(nm + '_matvec', lambda: op.matvec(xx[:, 0]))
        rec(nm + '_solve', lambda: op.solve(xx))
        rec(nm + '_solvevec', lambda: op.solvevec(xx[:, 1]))
        rec(nm + '_det', lambda: op.determinant())
        rec(nm + '_lad', lambda: op.log_abs_determinant())
        rec(nm + '_diag', lambda: op.diag_part())
        rec(nm + '_trace', lambda: op.trace())
        rec(nm + '_eig', lambda: op.eigvals())
        rec(nm + '_flags', lambda: [op.is_self_adjoint, op.is_non_singular, op.is_square, op.is_positive_definite])
        rec(nm + '_inv', lambda: op.inverse().to_dense())
        rec(nm + '_cond', lambda: op.cond())
    rec('H_pd', lambda: L.LinearOperatorHouseholder(v, is_positive_definite=True))
    rec('H_sa', lambda: L.LinearOperatorHouseholder(v, is_self_adjoint=False))
    rec('T_bad', lambda: L.LinearOperatorToeplitz([1., 2.], [1., 2., 3.]).to_dense())
    rec('T_int', lambda: L.LinearOperatorToeplitz([1, 2], [1, 2]).to_dense())

    return out


_EXPECTED = np.load(os.path.join(os.path.dirname(__file__), "fixtures",
                                 "linear_operator_toeplitz_householder_tf221.npz"))


def test_values_match_tf():
    out = _run()
    assert sorted(_EXPECTED.files) == sorted(k for k in _EXPECTED.files if out[k][0] == "ok")
    for key in _EXPECTED.files:
        got = np.asarray(out[key][1], dtype=float) if out[key][1].dtype == object else out[key][1]
        want = _EXPECTED[key]
        assert got.shape == want.shape, key
        np.testing.assert_allclose(got.astype(float), want.astype(float), rtol=1e-5, atol=1e-6, err_msg=key)
        if want.dtype.kind == "f":
            assert got.dtype == want.dtype, key


def test_refusals_and_wider_than_tf():
    out = _run()
    assert out["H_pd"][:2] == ("err", "ValueError") and "non-positive definite" in out["H_pd"][2]
    assert out["H_sa"][:2] == ("err", "ValueError") and "self adjoint" in out["H_sa"][2]
    assert out["T_bad"][:2] == ("err", "ValueError")
    assert out["T_int"][:2] == ("err", "TypeError")
    assert out["Tb_matvec"][0] == "ok"
    np.testing.assert_allclose(out["Tb_matvec"][1], [[-6.0, 2.0, 7.0], [-4.0, 2.0, 6.0]])


def test_gradients_flow_to_the_parameters():
    col, row, v = wb.Variable([4.0, 1.0, 0.5]), wb.Variable([9.0, 2.0, -1.0]), wb.Variable([1.0, 2.0, 2.0])
    x = wb.constant([[1.0], [2.0], [3.0]])
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(L.LinearOperatorToeplitz(col, row).matmul(x)) + \
            wb.reduce_sum(L.LinearOperatorHouseholder(v).matmul(x) ** 2)
    gc, gr, gv = tape.gradient(y, [col, row, v])
    np.testing.assert_allclose(gc.numpy(), [6.0, 3.0, 1.0])       # sum_i sum_{j<=i} x_j at col[i-j]
    np.testing.assert_allclose(gr.numpy(), [0.0, 5.0, 3.0])
    np.testing.assert_allclose(gv.numpy(), [0.0, 0.0, 0.0], atol=1e-5)   # a reflection keeps the norm
