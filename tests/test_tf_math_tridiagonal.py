"""``wb.linalg.tridiagonal_solve`` and ``tridiagonal_matmul`` (compact, sequence and matrix
formats) against TF 2.21's outputs and gradients for the same inputs
(tests/fixtures/tf221_tridiagonal.npz, written by ``_compute`` run with TF)."""

import pathlib

import numpy as np
import pytest

import workbench as wb
from tests.tf_fixtures import assert_matches_fixture

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tf221_tridiagonal.npz"


def _compute(tf):
    rng = np.random.default_rng(5)
    d = rng.normal(size=(2, 3, 5)).astype(np.float32)
    d[:, 1] += 4
    rhs = rng.normal(size=(2, 5, 2)).astype(np.float32)
    out = {}
    C = tf.constant
    out["solve"] = tf.linalg.tridiagonal_solve(C(d), C(rhs)).numpy()
    out["solve_vec"] = tf.linalg.tridiagonal_solve(C(d), C(rhs[..., 0])).numpy()
    out["solve_t"] = tf.linalg.tridiagonal_solve(C(d), C(np.swapaxes(rhs, -1, -2)), transpose_rhs=True).numpy()
    out["solve_seq"] = tf.linalg.tridiagonal_solve((C(d[:, 0, :-1]), C(d[:, 1]), C(d[:, 2, 1:])), C(rhs), diagonals_format="sequence").numpy()
    dense = np.zeros((2, 5, 5), np.float32)
    for b in range(2):
        dense[b] += np.diag(d[b, 1]) + np.diag(d[b, 0, :-1], 1) + np.diag(d[b, 2, 1:], -1)
    out["solve_mat"] = tf.linalg.tridiagonal_solve(C(dense), C(rhs), diagonals_format="matrix").numpy()
    out["solve_nopiv"] = tf.linalg.tridiagonal_solve(C(d), C(rhs), partial_pivoting=False).numpy()
    out["mm"] = tf.linalg.tridiagonal_matmul(C(d), C(rhs)).numpy()
    out["mm_seq"] = tf.linalg.tridiagonal_matmul([C(d[:, 0]), C(d[:, 1]), C(d[:, 2])], C(rhs), diagonals_format="sequence").numpy()
    out["mm_mat"] = tf.linalg.tridiagonal_matmul(C(dense), C(rhs), diagonals_format="matrix").numpy()
    x = tf.constant(d.astype(np.float64)); r = tf.constant(rhs.astype(np.float64))
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, r])
        y = tf.reduce_sum(tf.linalg.tridiagonal_solve(x, r) * np.arange(10.).reshape(5, 2))
        z = tf.reduce_sum(tf.linalg.tridiagonal_matmul(x, r) * np.arange(10.).reshape(5, 2))
    out["g_d"], out["g_r"] = t.gradient(y, x).numpy(), t.gradient(y, r).numpy()
    out["gm_d"], out["gm_r"] = t.gradient(z, x).numpy(), t.gradient(z, r).numpy()
    return out


def test_tridiagonal_ops_match_tf():
    assert_matches_fixture(_compute(wb), FIXTURE)


def test_bad_arguments():
    with pytest.raises(ValueError, match="diagonals_format"):
        wb.linalg.tridiagonal_solve(wb.ones([3, 4]), wb.ones([4, 1]), diagonals_format="banded")
    with pytest.raises(ValueError, match=r"\[\.\.\., 3, M\]"):
        wb.linalg.tridiagonal_matmul(wb.ones([2, 4]), wb.ones([4, 1]))
    with pytest.raises(NotImplementedError, match="perturb_singular"):
        wb.linalg.tridiagonal_solve(wb.ones([3, 4]), wb.ones([4, 1]), perturb_singular=True)
