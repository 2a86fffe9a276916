"""Cases for the ops of TF's tf.nn / tf.math breadth: the CTC loss (first order only: TF's
loss has no second derivative)."""

import numpy as np

import workbench as wb

from . import Case, uniform

_CTC_LABELS = np.array([[1, 2, 2], [2, 0, 0]])


def _ctc(x):
    return wb.nn.ctc_loss(_CTC_LABELS, x, [3, 1], [5, 3], blank_index=3)


CASES = [
    Case("ctc_loss", _ctc, [uniform(-1, 1, (5, 2, 4), 1101)], order=1),
]
