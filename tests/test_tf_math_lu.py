"""``wb.linalg.lu``, ``lu_solve``, ``lu_reconstruct`` and ``lu_matrix_inverse`` against TF 2.21's
outputs and gradients for the same inputs (tests/fixtures/tf221_lu.npz, written by
``_compute`` run with TF). ``lu`` itself has no gradient, as in TF."""

import pathlib

import numpy as np
import pytest

import workbench as wb
from tests.tf_fixtures import assert_matches_fixture

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tf221_lu.npz"


def _compute(tf):
    rng = np.random.default_rng(11)
    a = rng.normal(size=(2, 4, 4)).astype(np.float32)
    b = rng.normal(size=(2, 4, 3)).astype(np.float32)
    out = {}
    lu, p = tf.linalg.lu(a)
    out["lu"], out["p"] = lu.numpy(), p.numpy()
    out["p64"] = tf.linalg.lu(a.astype(np.float64), output_idx_type=tf.int64)[1].numpy()
    out["rec"] = tf.linalg.lu_reconstruct(lu, p).numpy()
    out["solve"] = tf.linalg.lu_solve(lu, p, b).numpy()
    out["inv"] = tf.linalg.lu_matrix_inverse(lu, p).numpy()
    lu64, p64 = tf.linalg.lu(a.astype(np.float64))
    x = tf.constant(lu64.numpy())
    r = tf.constant(b.astype(np.float64))
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, r])
        y = tf.reduce_sum(tf.linalg.lu_solve(x, p64, r) * np.arange(12.).reshape(4, 3))
        z = tf.reduce_sum(tf.linalg.lu_reconstruct(x, p64) * np.arange(16.).reshape(4, 4))
    out["g_lu"] = t.gradient(y, x).numpy()
    out["g_rhs"] = t.gradient(y, r).numpy()
    out["g_rec"] = t.gradient(z, x).numpy()
    return out


def test_lu_family_matches_tf():
    assert_matches_fixture(_compute(wb), FIXTURE)


def test_lu_of_a_singular_matrix_and_bad_arguments():
    lu_, p = wb.linalg.lu([[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(wb.linalg.lu_reconstruct(lu_, p).numpy(), [[1, 2], [2, 4]])
    with pytest.raises(ValueError, match="square"):
        wb.linalg.lu([[1.0, 2.0, 3.0]])
    with pytest.raises(TypeError, match="output_idx_type"):
        wb.linalg.lu([[1.0]], output_idx_type=wb.float32)
    with pytest.raises(ValueError, match="rhs"):
        wb.linalg.lu_solve(lu_, p, [[1.0, 2.0, 3.0]])
