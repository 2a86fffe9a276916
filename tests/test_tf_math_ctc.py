"""CTC loss and decoders against TF 2.21's values (``tf.nn.ctc_loss``, ``ctc_greedy_decoder``,
``ctc_beam_search_decoder``, computed with TF on the same inputs). The loss's gradient is
checked against finite differences in tests/op_cases/tf_math_breadth.py."""

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape
from workbench.errors import InvalidArgumentError

LOGITS = np.random.default_rng(0).normal(size=(5, 3, 4)).astype(np.float32)
LABELS = np.array([[1, 2, 0], [3, 3, 0], [1, 2, 3]], np.int32)
LABEL_LEN = np.array([2, 2, 3])
FRAMES = np.array([5, 4, 5])


def _sparse_values(st):
    return st.indices.numpy().tolist(), st.values.numpy().tolist()


def test_dense_loss_and_gradient_match_tf():
    x = wb.constant(LOGITS)
    with GradientTape() as tape:
        tape.watch(x)
        loss = wb.nn.ctc_loss(LABELS, x, LABEL_LEN, FRAMES, blank_index=0)
    np.testing.assert_allclose(loss.numpy(), [3.297616, 4.4877877, 3.8930864], rtol=1e-5)
    grad = tape.gradient(loss, x).numpy()
    np.testing.assert_allclose(grad[:, 1], [
        [-0.0607132, 0.17331946, 0.444763, -0.55736935],
        [-0.18730798, 0.12889053, 0.26690537, -0.20848793],
        [-0.62133515, 0.40800717, 0.11927973, 0.09404816],
        [0.00642627, 0.41868338, 0.3539185, -0.7790281],
        [0.0, 0.0, 0.0, 0.0]], rtol=1e-4, atol=1e-6)
    assert not grad[4, 1].any()           # frames past logit_length get no gradient


def test_batch_major_sparse_and_other_blanks_match_tf():
    x = wb.constant(LOGITS)
    np.testing.assert_allclose(
        wb.nn.ctc_loss(LABELS, wb.transpose(x, [1, 0, 2]), LABEL_LEN, FRAMES,
                       logits_time_major=False).numpy(), [3.297616, 4.4877877, 3.8930864], rtol=1e-5)
    sp = wb.sparse.from_dense(LABELS)
    np.testing.assert_allclose(wb.nn.ctc_loss(sp, x, None, FRAMES, blank_index=0).numpy(),
                               [3.297616, 4.487788, 3.8930871], rtol=1e-5)
    labels2 = np.array([[1, 2, 0], [2, 2, 0], [1, 2, 1]], np.int32)
    want = [4.4366517, 2.9057453, 2.6386442]
    np.testing.assert_allclose(wb.nn.ctc_loss(labels2, x, LABEL_LEN, FRAMES, blank_index=-1).numpy(),
                               want, rtol=1e-5)
    np.testing.assert_allclose(wb.nn.ctc_loss(wb.sparse.from_dense(labels2), x, None, FRAMES,
                                              blank_index=-1).numpy(), want, rtol=1e-5)
    labels3 = np.array([[1, 3, 0], [3, 3, 0], [1, 0, 3]], np.int32)
    np.testing.assert_allclose(wb.nn.ctc_loss(labels3, x, LABEL_LEN, FRAMES, blank_index=2).numpy(),
                               [4.246775, 3.7573547, 4.836898], rtol=1e-5)


def test_sequences_too_short_for_their_labels():
    short = np.array([5, 2, 1])
    # dense labels: an impossible alignment has infinite loss (TF's dense kernel gives a large
    # finite number there), and no gradient
    x = wb.constant(LOGITS)
    with GradientTape() as tape:
        tape.watch(x)
        loss = wb.nn.ctc_loss(LABELS, x, LABEL_LEN, short)
    assert np.isinf(loss.numpy()[1:]).all() and np.isclose(loss.numpy()[0], 3.297616)
    assert not tape.gradient(loss, x).numpy()[:, 1:].any()
    # sparse labels: TF's sparse kernel refuses them ("not enough time")
    with pytest.raises(InvalidArgumentError, match="not enough time"):
        wb.nn.ctc_loss(wb.sparse.from_dense(LABELS), x, None, short, blank_index=0)


def test_bad_arguments():
    x = wb.constant(LOGITS)
    with pytest.raises(ValueError, match="blank_index must be given"):
        wb.nn.ctc_loss(wb.sparse.from_dense(LABELS), x, None, FRAMES)
    with pytest.raises(InvalidArgumentError, match="logit_length"):
        wb.nn.ctc_loss(LABELS, x, LABEL_LEN, [6, 5, 5])
    with pytest.raises(InvalidArgumentError, match="not the blank"):
        wb.nn.ctc_loss(LABELS, x, LABEL_LEN, FRAMES, blank_index=3)
    with pytest.raises(ValueError, match="rank 3"):
        wb.nn.ctc_loss(LABELS, x[0], LABEL_LEN, FRAMES)
    with pytest.raises(ValueError, match="label_length"):
        wb.nn.ctc_loss(LABELS, x, [1, 2], FRAMES)


def test_float64_and_float16():
    l64 = wb.nn.ctc_loss(LABELS, LOGITS.astype(np.float64), LABEL_LEN, FRAMES)
    assert l64.dtype == wb.float64
    np.testing.assert_allclose(l64.numpy(), [3.297616, 4.4877877, 3.8930864], rtol=1e-6)
    l16 = wb.nn.ctc_loss(LABELS, LOGITS.astype(np.float16), LABEL_LEN, FRAMES)
    assert l16.dtype == wb.float16


def test_no_second_derivative():
    x = wb.constant(LOGITS.astype(np.float64))
    with GradientTape() as outer:
        outer.watch(x)
        with GradientTape() as inner:
            inner.watch(x)
            loss = wb.reduce_sum(wb.nn.ctc_loss(LABELS, x, LABEL_LEN, FRAMES))
        g = inner.gradient(loss, x)
        s = wb.reduce_sum(g * g)
    with pytest.raises(LookupError, match="no second derivative"):
        outer.gradient(s, x)


def test_greedy_decoder_matches_tf():
    x = wb.constant(LOGITS)
    dec, neg = wb.nn.ctc_greedy_decoder(x, FRAMES)
    assert _sparse_values(dec[0]) == ([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [2, 0],
                                       [2, 1]], [2, 1, 0, 0, 2, 1, 1, 1])
    assert dec[0].dense_shape.numpy().tolist() == [3, 4] and dec[0].values.dtype == wb.int64
    np.testing.assert_allclose(neg.numpy(), [[-4.6201673], [-4.080632], [-4.6049356]], rtol=1e-6)
    dec, _ = wb.nn.ctc_greedy_decoder(x, FRAMES, merge_repeated=False, blank_index=0)
    np.testing.assert_array_equal(wb.sparse.to_dense(dec[0]).numpy(),
                                  [[2, 1, 3, 0, 0], [2, 3, 1, 1, 0], [3, 1, 1, 3, 1]])


def test_greedy_decoder_docstring_example():
    inf = float("inf")
    logits = wb.constant([[[0., -inf, -inf], [-2.3, -inf, -0.1]],
                          [[-inf, -0.5, -inf], [-inf, -inf, -0.1]],
                          [[-inf, -inf, -inf], [-0.1, -inf, -2.3]]])
    dec, neg = wb.nn.ctc_greedy_decoder(logits, wb.constant([2, 3]), blank_index=1)
    assert _sparse_values(dec[0]) == ([[0, 0], [1, 0], [1, 1]], [0, 2, 0])
    assert dec[0].dense_shape.numpy().tolist() == [2, 2]
    np.testing.assert_allclose(neg.numpy(), [[0.5], [0.3]])


def test_beam_search_decoder_matches_tf():
    x = wb.constant(LOGITS)
    dec, logp = wb.nn.ctc_beam_search_decoder(x, FRAMES, beam_width=4, top_paths=2)
    assert [_sparse_values(d) for d in dec] == [
        ([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0], [2, 1], [2, 2]], [2, 1, 0, 2, 1, 1, 2, 1]),
        ([[0, 0], [0, 1], [0, 2], [1, 0], [2, 0], [2, 1]], [1, 0, 0, 1, 1, 1])]
    np.testing.assert_allclose(logp.numpy(), [[-3.0385764, -3.2439103], [-1.756882, -2.7603333],
                                              [-2.773287, -3.0073476]], rtol=1e-5)
    dec, logp = wb.nn.ctc_beam_search_decoder(x * 3.0, FRAMES, beam_width=10, top_paths=3)
    assert _sparse_values(dec[2]) == ([[0, 0], [0, 1], [0, 2], [1, 0], [2, 0], [2, 1]],
                                      [2, 0, 0, 1, 1, 0])
    np.testing.assert_allclose(logp.numpy()[:, 2], [-2.386596, -2.1251369, -1.8986303], rtol=1e-5)
    with pytest.raises(ValueError, match="top_paths"):
        wb.nn.ctc_beam_search_decoder(x, FRAMES, beam_width=2, top_paths=3)


def test_unique_labels_and_collapse_repeated_match_tf():
    y, idx = wb.nn.ctc_unique_labels(np.array([[3, 1, 3, 2, 0], [2, 2, 2, 0, 0]], np.int32))
    assert y.dtype == wb.int64 and idx.dtype == wb.int32
    np.testing.assert_array_equal(y.numpy(), [[3, 1, 2, 0, 0], [2, 0, 0, 0, 0]])
    np.testing.assert_array_equal(idx.numpy(), [[0, 1, 0, 2, 3], [0, 0, 0, 1, 1]])
    out, n = wb.nn.collapse_repeated([[1, 1, 2, 2, 3], [4, 4, 4, 5, 5]], [4, 2])
    np.testing.assert_array_equal(out.numpy(), [[1, 2], [4, 0]])
    np.testing.assert_array_equal(n.numpy(), [2, 1])
    # the unique labels are accepted (and change nothing) in ctc_loss
    x = wb.constant(LOGITS)
    np.testing.assert_allclose(
        wb.nn.ctc_loss(LABELS, x, LABEL_LEN, FRAMES, unique=wb.nn.ctc_unique_labels(LABELS)).numpy(),
        wb.nn.ctc_loss(LABELS, x, LABEL_LEN, FRAMES).numpy())
