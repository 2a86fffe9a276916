"""``wb.nn.dilation2d`` and ``erosion2d`` against TF 2.21's outputs and gradients for the same
inputs (tests/fixtures/tf221_morphology.npz, written by ``_compute`` run with TF)."""

import pathlib

import numpy as np
import pytest

import workbench as wb
from tests.tf_fixtures import assert_matches_fixture

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tf221_morphology.npz"


def _compute(tf):
    rng = np.random.default_rng(13)
    x = rng.normal(size=(2, 6, 7, 3)).astype(np.float32)
    f = rng.normal(size=(2, 3, 3)).astype(np.float32)
    out = {}
    for name, kw in [("v", dict(strides=[1, 1, 1, 1], padding="VALID", dilations=[1, 1, 1, 1])),
                     ("s", dict(strides=[1, 2, 2, 1], padding="SAME", dilations=[1, 1, 1, 1])),
                     ("r", dict(strides=[1, 1, 2, 1], padding="SAME", dilations=[1, 2, 1, 1]))]:
        out["d" + name] = tf.nn.dilation2d(tf.constant(x), tf.constant(f), data_format="NHWC", **kw).numpy()
        out["e" + name] = tf.nn.erosion2d(tf.constant(x), tf.constant(f), data_format="NHWC", **kw).numpy()
    xv = tf.constant(x.astype(np.float64))
    fv = tf.constant(f.astype(np.float64))
    with tf.GradientTape(persistent=True) as t:
        t.watch([xv, fv])
        y = tf.reduce_sum(tf.nn.dilation2d(xv, fv, [1, 2, 2, 1], "SAME", "NHWC", [1, 1, 1, 1]) ** 2)
        z = tf.reduce_sum(tf.nn.erosion2d(xv, fv, [1, 1, 1, 1], "SAME", "NHWC", [1, 2, 1, 1]) ** 2)
    out["gdx"], out["gdf"] = t.gradient(y, xv).numpy(), t.gradient(y, fv).numpy()
    out["gex"], out["gef"] = t.gradient(z, xv).numpy(), t.gradient(z, fv).numpy()
    return out


def test_morphology_matches_tf():
    assert_matches_fixture(_compute(wb), FIXTURE)


def test_bad_arguments():
    x = wb.zeros([1, 4, 4, 2])
    with pytest.raises(ValueError, match="strides"):
        wb.nn.dilation2d(x, wb.zeros([2, 2, 2]), [2, 2], "VALID", "NHWC", [1, 1, 1, 1])
    with pytest.raises(ValueError, match="same depth"):
        wb.nn.erosion2d(x, wb.zeros([2, 2, 3]), [1, 1, 1, 1], "VALID", "NHWC", [1, 1, 1, 1])
    with pytest.raises(ValueError, match="NHWC"):
        wb.nn.dilation2d(x, wb.zeros([2, 2, 2]), [1, 1, 1, 1], "VALID", "NCHW", [1, 1, 1, 1])
