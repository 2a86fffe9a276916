"""``wb.compat.v1.losses``: TF 1's weighted losses and reductions against TF 2.21's values for the
same calls (tests/fixtures/compat_v1_losses_tf221.npz): 10 losses x 4 weightings x 5 reductions."""

import os

import numpy as np
import pytest

import workbench as wb


def _run():
    L = wb.compat.v1.losses
    R = L.Reduction
    lab = np.array([[0., 1., 1.], [1., 0., 0.]], np.float32)
    pred = np.array([[0.2, 0.7, 0.9], [0.6, 0.1, 0.3]], np.float32)
    logits = np.array([[-1., 2., 0.5], [1.5, -0.3, 0.2]], np.float32)
    W = [1.0, np.array([[1.], [0.]], np.float32), np.array([[0., 2., 1.], [0., 0., 3.]], np.float32), 0.0]
    out = {}
    for wi, w in enumerate(W):
        for red in [R.NONE, R.SUM, R.MEAN, R.SUM_OVER_BATCH_SIZE, R.SUM_BY_NONZERO_WEIGHTS]:
            k = f'{wi}_{red}'
            cases = {
                'abs': lambda: L.absolute_difference(lab, pred, w, reduction=red),
                'mse': lambda: L.mean_squared_error(lab, pred, w, reduction=red),
                'huber': lambda: L.huber_loss(lab, pred * 3, w, delta=0.5, reduction=red),
                'log': lambda: L.log_loss(lab, pred, w, reduction=red),
                'hinge': lambda: L.hinge_loss(lab, logits, w, reduction=red),
                'sig': lambda: L.sigmoid_cross_entropy(lab, logits, w, label_smoothing=0.2, reduction=red),
                'cos': lambda: L.cosine_distance(lab, pred, axis=1, weights=w if np.ndim(w) == 0 else np.ones((2, 1), np.float32), reduction=red),
                'soft': lambda: L.softmax_cross_entropy(lab, logits, w if np.ndim(w) == 0 else np.array([1., 0.], np.float32), label_smoothing=0.1, reduction=red),
                'sparse': lambda: L.sparse_softmax_cross_entropy(np.array([1, 0]), logits, w if np.ndim(w) == 0 else np.array([2., 0.], np.float32), reduction=red),
                'cwl': lambda: L.compute_weighted_loss(pred, w, reduction=red),
            }
            for n, f in cases.items():
                try:
                    out[f'{n}_{k}'] = ('ok', np.asarray(f().numpy()))
                except Exception as e:
                    out[f'{n}_{k}'] = ('err', type(e).__name__, str(e)[:100])

    out['f64'] = ('ok', np.asarray(L.mean_squared_error(lab.astype(np.float64), pred.astype(np.float64)).numpy()))
    return out


def test_values_match_tf():
    expected = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "compat_v1_losses_tf221.npz"))
    out = _run()
    assert sorted(k for k, v in out.items() if v[0] == "ok") == sorted(expected.files)
    for key in expected.files:
        got, want = out[key][1], expected[key]
        assert got.shape == want.shape and got.dtype == want.dtype, key
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=key)


def test_refusals():
    L = wb.compat.v1.losses
    with pytest.raises(ValueError, match="Argument `labels` must not be None."):
        L.mean_squared_error(None, [1.0])
    with pytest.raises(ValueError, match="Invalid Reduction Key bogus. Key should be one of"):
        L.compute_weighted_loss([1.0], reduction="bogus")
    with pytest.raises(RuntimeError, match="graph and session"):
        L.get_total_loss()
    with pytest.raises(AttributeError, match="streaming metrics"):
        wb.compat.v1.metrics.accuracy
    with pytest.raises(AttributeError, match="differs from TF 2's"):
        wb.compat.v1.strings.split
    assert wb.compat.v1.train.latest_checkpoint is wb.train.latest_checkpoint
    with pytest.raises(AttributeError, match="no attribute 'AdamOptimizer' .TF 1's optimizers"):
        wb.compat.v1.train.AdamOptimizer
