"""Values behind TF 2.21's tf.math / tf.nn docstrings that this library computes differently
from the printed examples, pinned where the difference was real."""

import numpy as np

import workbench as wb


def test_gelu_tanh_form_has_no_cancellation_for_negative_inputs():
    # TF's docstring: gelu(x, approximate=True) at [-3, -1, 0, 1, 3]; computed here in float64
    x = np.array([-3.0, -1.0, 0.0, 1.0, 3.0])
    want = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    got = wb.nn.gelu(x.astype(np.float32), approximate=True).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)   # the 1 + tanh form: 1.3e-5 off
    # far in the tails: zero and the identity, no overflow to nan
    tails = wb.nn.gelu(wb.constant([-100.0, -20.0, 20.0]), approximate=True).numpy()
    np.testing.assert_array_equal(tails, [0.0, 0.0, 20.0])
