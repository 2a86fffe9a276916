"""Cases for the random ops that carry gradients: gamma samples (implicit reparameterization).

Gamma samples are drawn by inversion, so for a fixed seed the sample is a smooth
function of ``alpha`` and finite differences of it check the implicit gradient.
Second derivatives are not implemented, hence ``order=1``.
"""

import workbench as wb
from workbench.ops.random_gamma import drawn_gamma

from . import Case, uniform


def _drawn(a):
    # tf.random.gamma's samples come from TF's rejection kernel, not a smooth function of alpha;
    # an inversion sample is one, and drawn_gamma's gradient (its sample input is a constant)
    # is the implicit-reparameterization derivative that finite differences of it measure
    sample = wb.stop_gradient(wb.random.stateless_gamma([4, 3], seed=[7, 8], alpha=a, dtype=wb.float64))
    return drawn_gamma(a, sample)


CASES = [
    Case("stateless_gamma alpha",
         lambda a: wb.random.stateless_gamma([4, 3], seed=[3, 4], alpha=a, dtype=wb.float64),
         [uniform(0.3, 4.0, (3,), 21)], order=1),
    Case("stateless_gamma alpha and beta",
         lambda a, b: wb.random.stateless_gamma([2, 3], seed=[5, 6], alpha=a, beta=b, dtype=wb.float64),
         [uniform(0.5, 3.0, (2, 1), 22), uniform(0.5, 2.0, (3,), 23)], order=1),
    Case("random_gamma_drawn (tf.random.gamma's samples)", _drawn, [uniform(0.3, 4.0, (3,), 24)], order=1),
]
