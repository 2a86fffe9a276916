"""``wb.signal.mdct`` / ``inverse_mdct`` / ``kaiser_bessel_derived_window`` against TF 2.21's
outputs for the same inputs (tests/fixtures/tf221_mdct.npz, written by TF 2.21 from the
script in this file's ``_compute``). Gradients: tests/op_cases/tf_math_breadth.py."""

import pathlib

import numpy as np
import pytest

import workbench as wb
from tests.tf_fixtures import assert_matches_fixture

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tf221_mdct.npz"


def _compute(tf):
    x = np.random.default_rng(3).normal(size=(2, 24)).astype(np.float32)
    out = {
        "kbd": tf.signal.kaiser_bessel_derived_window(8).numpy(),
        "kbd7": tf.signal.kaiser_bessel_derived_window(7, beta=4.0).numpy(),
        "m_vorbis": tf.signal.mdct(x, 8).numpy(),
        "m_none_ortho": tf.signal.mdct(x, 8, window_fn=None, norm="ortho").numpy(),
        "m_kbd_pad": tf.signal.mdct(x[:, :22], 8, window_fn=tf.signal.kaiser_bessel_derived_window,
                                    pad_end=True).numpy(),
        "m_hann": tf.signal.mdct(x.astype(np.float64), 12, window_fn=tf.signal.hann_window).numpy(),
    }
    out["i_vorbis"] = tf.signal.inverse_mdct(out["m_vorbis"]).numpy()
    out["i_none_ortho"] = tf.signal.inverse_mdct(out["m_none_ortho"], window_fn=None,
                                                 norm="ortho").numpy()
    return out


def test_mdct_matches_tf():
    assert_matches_fixture(_compute(wb), FIXTURE, rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("window_fn", [wb.signal.vorbis_window,
                                       wb.signal.kaiser_bessel_derived_window, None])
def test_round_trip_reconstructs_the_inside(window_fn):
    x = np.random.default_rng(5).normal(size=(3, 80))
    padded = np.pad(x, [[0, 0], [8, 8]])
    for norm in (None, "ortho"):
        y = wb.signal.inverse_mdct(wb.signal.mdct(padded, 16, window_fn=window_fn, norm=norm),
                                   window_fn=window_fn, norm=norm)
        np.testing.assert_allclose(y.numpy()[:, 8:88], x, atol=1e-10)


def test_bad_arguments():
    with pytest.raises(ValueError, match="multiple of 4"):
        wb.signal.mdct(wb.zeros([16]), 6)
    with pytest.raises(ValueError, match="norm"):
        wb.signal.mdct(wb.zeros([16]), 8, norm="forward")
    with pytest.raises(ValueError, match="rank >= 2"):
        wb.signal.inverse_mdct(wb.zeros([4]))
