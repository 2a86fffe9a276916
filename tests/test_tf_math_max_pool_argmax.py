"""``wb.nn.max_pool_with_argmax`` against TF 2.21's outputs and indices for the same inputs (ties
included: the input holds small integers), tests/fixtures/tf221_max_pool_argmax.npz."""

import pathlib

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape
from tests.tf_fixtures import assert_matches_fixture

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tf221_max_pool_argmax.npz"


def _compute(tf):
    rng = np.random.default_rng(4)
    x = rng.integers(0, 5, size=(2, 5, 5, 3)).astype(np.float32)
    out = {}
    for name, kw in [("s", dict(ksize=2, strides=2, padding="SAME")),
                     ("v", dict(ksize=3, strides=2, padding="VALID")),
                     ("b", dict(ksize=[2, 3], strides=[1, 2], padding="SAME", include_batch_in_index=True)),
                     ("i32", dict(ksize=2, strides=1, padding="VALID", output_dtype=tf.int32))]:
        o, a = tf.nn.max_pool_with_argmax(tf.constant(x), **kw)
        out[name + "_o"], out[name + "_a"] = o.numpy(), a.numpy()
    return out


def test_matches_tf():
    assert_matches_fixture(_compute(wb), FIXTURE, exact=True)


def test_output_gradient_and_bad_arguments():
    x = wb.constant(np.arange(16.0).reshape(1, 4, 4, 1))
    with GradientTape() as tape:
        tape.watch(x)
        out, arg = wb.nn.max_pool_with_argmax(x, 2, 2, "VALID")
        y = wb.reduce_sum(out)
    g = tape.gradient(y, x).numpy().reshape(-1)
    np.testing.assert_array_equal(np.flatnonzero(g), arg.numpy().reshape(-1))
    with pytest.raises(TypeError, match="output_dtype"):
        wb.nn.max_pool_with_argmax(x, 2, 2, "VALID", output_dtype=wb.float32)
    with pytest.raises(ValueError, match="NHWC"):
        wb.nn.max_pool_with_argmax(x, 2, 2, "VALID", data_format="NCHW")
