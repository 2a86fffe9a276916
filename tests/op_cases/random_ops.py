"""Cases for the random ops that carry gradients: gamma samples (implicit reparameterization).

``stateless_gamma`` draws with TF's rejection kernel, so its sample is not a smooth
function of ``alpha`` and finite differences of it cannot check the implicit
gradient (tests/test_random.py compares that with ``-(dF/dalpha) / f`` and with TF's
values); here ``alpha`` is held fixed and ``beta``'s exact gradient is checked. The
gamma ops themselves are checked on inversion samples ``F^-1(u; alpha)`` for fixed
uniforms ``u``, which are smooth in ``alpha`` with exactly the implicit gradient.
Second derivatives are not implemented, hence ``order=1``.
"""

import numpy as np

import workbench as wb
from workbench.ops.random_gamma import drawn_gamma, standard_gamma

from . import Case, uniform

_U = np.random.default_rng(25).uniform(0.02, 0.98, (4, 3))


def _inversion(a):
    return standard_gamma(a, wb.constant(_U))


def _drawn(a):
    # drawn_gamma's sample input is a constant; its gradient in alpha is the implicit one,
    # which finite differences of an inversion sample measure
    return drawn_gamma(a, wb.stop_gradient(standard_gamma(a, wb.constant(_U))))


_ALPHA = uniform(0.5, 3.0, (2, 1), 22)


CASES = [
    Case("random_gamma (inversion samples) alpha", _inversion, [uniform(0.3, 4.0, (3,), 21)], order=1),
    Case("stateless_gamma beta",
         lambda b: wb.random.stateless_gamma([2, 3], seed=[5, 6], alpha=wb.constant(_ALPHA), beta=b,
                                             dtype=wb.float64),
         [uniform(0.5, 2.0, (3,), 23)], order=1),
    Case("random_gamma_drawn (tf.random.gamma's samples)", _drawn, [uniform(0.3, 4.0, (3,), 24)], order=1),
]
