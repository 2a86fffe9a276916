"""Cases for the special functions of wb.math.special, erfcinv and ensure_shape."""

import numpy as np

import workbench as wb

from . import Case, uniform

_S = wb.math.special
CASES = [
    Case(name, getattr(_S, name), [args])
    for name, args in [
        ("bessel_i0", uniform(-2, 2, (5,), 61)),
        ("bessel_i0e", np.array([-1.7, -0.4, 0.3, 1.1, 2.5])),
        ("bessel_i1", uniform(-2, 2, (5,), 62)),
        ("bessel_i1e", np.array([-1.7, -0.4, 0.3, 1.1, 2.5])),
        ("bessel_j0", uniform(-3, 3, (5,), 63)),
        ("bessel_j1", uniform(-3, 3, (5,), 64)),
        ("bessel_y0", uniform(0.5, 4, (5,), 65)),
        ("bessel_y1", uniform(0.5, 4, (5,), 66)),
        ("bessel_k0", uniform(0.5, 3, (5,), 67)),
        ("bessel_k0e", uniform(0.5, 3, (5,), 68)),
        ("bessel_k1", uniform(0.5, 3, (5,), 69)),
        ("bessel_k1e", uniform(0.5, 3, (5,), 70)),
        ("dawsn", uniform(-3, 3, (5,), 71)),
        ("expint", np.array([0.2, 0.6, 0.4, 1.3, 2.2])),   # TF's Ei is NaN for x < 0
        ("fresnel_cos", uniform(-2, 2, (5,), 72)),
        ("fresnel_sin", uniform(-2, 2, (5,), 73)),
        ("spence", np.array([0.3, 0.8, 1.4, 2.5])),
    ]
]
CASES += [
    # the derivatives' removable points: i1e and j1 at 0 (slope 1/2), spence at 1 (slope -1);
    # TF gives i1 slope 1 at 0, not its limit 1/2 (tests/test_tf_gradient_golden_more.py)
    Case("bessel_i1e, j1 at 0", lambda x: _S.bessel_i1e(x) + _S.bessel_j1(x), [np.array([0.0])], order=1),
    Case("spence at 1", _S.spence, [np.array([1.0])], order=1),
    Case("erfcinv", wb.math.erfcinv, [uniform(0.1, 1.9, (5,), 74)]),
    # TF's nextafter gradient: 1 for x1, 0 for x2 (as finite differences see it)
    Case("nextafter", lambda a, b: wb.math.nextafter(a, b) * 2.0, [uniform(-1, 1, (2, 3), 77), uniform(-1, 1, (3,), 78)]),
    Case("ensure_shape", lambda x: wb.ensure_shape(x, [None, 3]) ** 2, [uniform(-1, 1, (2, 3), 76)]),
]


def _through_complex(a, b):
    """A real function of real inputs through complex values: its derivative is the true one
    whatever the conjugation convention, as long as the chain of complex rules is consistent."""
    z = wb.complex(a, b)
    w = z * wb.math.conj(z * z) + wb.exp(z) / (z + 2.0)
    return wb.math.real(w) * 0.5 + wb.math.imag(w * z) + wb.math.angle(w) + wb.abs(w * 1j)


CASES += [
    Case("complex, real, imag, conj, angle, abs through complex values", _through_complex,
         [uniform(0.5, 1.5, (4,), 77), uniform(-1, 1, (4,), 78)]),
    Case("complex parts broadcast", lambda a, b: wb.math.real(wb.complex(a, b) ** 2),
         [uniform(0.5, 1.5, (3, 1), 79), uniform(-1, 1, (1, 2), 80)]),
]
