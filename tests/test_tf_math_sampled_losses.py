"""``wb.nn.nce_loss``, ``sampled_softmax_loss`` and ``compute_accidental_hits`` against TF 2.21's
outputs and gradients, with the sampled classes given (tests/fixtures/tf221_sampled_losses.npz,
written by ``_compute`` run with TF); the built-in log-uniform sampler by its properties."""

import pathlib

import numpy as np
import pytest

import workbench as wb
from tests.tf_fixtures import assert_matches_fixture

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tf221_sampled_losses.npz"


def _compute(tf):
    rng = np.random.default_rng(2)
    W = rng.normal(size=(10, 4)).astype(np.float32)
    b = rng.normal(size=(10,)).astype(np.float32)
    x = rng.normal(size=(3, 4)).astype(np.float32)
    labels = np.array([[1, 2], [3, 3], [7, 0]], np.int64)
    sampled = np.array([2, 5, 7, 9], np.int64)
    tec = np.full((3, 2), 0.3, np.float32)
    sec = np.array([0.1, 0.2, 0.3, 0.4], np.float32)
    sv = (tf.constant(sampled), tf.constant(tec), tf.constant(sec))
    out = {}
    args = (tf.constant(W), tf.constant(b), tf.constant(labels), tf.constant(x))
    ah = tf.nn.compute_accidental_hits(tf.constant(labels), tf.constant(sampled), num_true=2)
    out["ah_i"], out["ah_id"], out["ah_w"] = [t.numpy() for t in ah]
    out["nce"] = tf.nn.nce_loss(*args, 4, 10, num_true=2, sampled_values=sv).numpy()
    out["nce_rah"] = tf.nn.nce_loss(*args, 4, 10, num_true=2, sampled_values=sv,
                                    remove_accidental_hits=True).numpy()
    out["ssl"] = tf.nn.sampled_softmax_loss(*args, 4, 10, num_true=2, sampled_values=sv).numpy()
    out["ssl_keep"] = tf.nn.sampled_softmax_loss(*args, 4, 10, num_true=2, sampled_values=sv,
                                                 remove_accidental_hits=False).numpy()
    l1 = labels[:, :1]
    sv1 = (tf.constant(sampled), tf.constant(tec[:, :1]), tf.constant(sec))
    out["ssl1"] = tf.nn.sampled_softmax_loss(tf.constant(W), tf.constant(b), tf.constant(l1), tf.constant(x),
                                             4, 10, sampled_values=sv1).numpy()
    Wv = tf.constant(W.astype(np.float64))
    xv = tf.constant(x.astype(np.float64))
    sv64 = (tf.constant(sampled), tf.constant(tec.astype(np.float64)), tf.constant(sec.astype(np.float64)))
    with tf.GradientTape(persistent=True) as t:
        t.watch([Wv, xv])
        args64 = (Wv, tf.constant(b.astype(np.float64)), tf.constant(labels), xv, 4, 10)
        y = tf.reduce_sum(tf.nn.sampled_softmax_loss(*args64, num_true=2, sampled_values=sv64))
        z = tf.reduce_sum(tf.nn.nce_loss(*args64, num_true=2, sampled_values=sv64))
    out["g_ssl_W"] = tf.convert_to_tensor(t.gradient(y, Wv)).numpy()
    out["g_ssl_x"] = t.gradient(y, xv).numpy()
    out["g_nce_W"] = tf.convert_to_tensor(t.gradient(z, Wv)).numpy()
    out["g_nce_x"] = t.gradient(z, xv).numpy()
    return out


def test_sampled_losses_match_tf():
    assert_matches_fixture(_compute(wb), FIXTURE)


def test_the_sampler_draws_distinct_classes_with_their_expected_counts():
    from workbench.ops.nn import _log_uniform_sample
    wb.random.set_seed(3)
    sampled, true_expected, sampled_expected = _log_uniform_sample(np.array([[0], [5]]), 1, 8, 50, None)
    assert len(set(sampled.tolist())) == 8 and sampled.min() >= 0 and sampled.max() < 50
    assert true_expected.shape == (2, 1) and sampled_expected.shape == (8,)
    assert (sampled_expected > 0).all() and (sampled_expected <= 1).all()
    assert true_expected[0, 0] > true_expected[1, 0]          # small classes are more likely
    loss = wb.nn.nce_loss(np.ones((50, 3), np.float32), np.zeros(50, np.float32), [[1], [2]],
                          np.ones((2, 3), np.float32), 8, 50)
    assert loss.shape == (2,) and np.isfinite(loss.numpy()).all()
    with pytest.raises(ValueError, match="num_sampled"):
        wb.nn.sampled_softmax_loss(np.ones((5, 3), np.float32), np.zeros(5, np.float32), [[1]],
                                   np.ones((1, 3), np.float32), 8, 5)
