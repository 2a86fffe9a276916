"""Cases for the special functions (probability's building blocks)."""

import numpy as np

import workbench as wb

from . import Case, uniform

CASES = [
    Case("ndtr", wb.math.ndtr, [uniform(-3, 3, (5,), 31)]),
    Case("log_ndtr", wb.math.log_ndtr, [np.array([-30.0, -5.0, -1.0, 0.5, 4.0])]),
    Case("ndtri", wb.math.ndtri, [uniform(0.05, 0.95, (5,), 32)]),
    Case("erfinv", wb.math.erfinv, [uniform(-0.9, 0.9, (5,), 33)]),
    Case("igamma in x", lambda x: wb.math.igamma(wb.constant(np.array([0.7, 2.5, 5.0])), x),
         [uniform(0.3, 4.0, (3,), 34)]),
    Case("igammac in x", lambda x: wb.math.igammac(wb.constant(np.array([0.7, 2.5, 5.0])), x),
         [uniform(0.3, 4.0, (3,), 35)]),
    # dP/da is itself a float64 finite difference: first order only, looser tolerance
    Case("igamma in a", lambda a: wb.math.igamma(a, wb.constant(np.array([0.5, 2.0, 6.0]))),
         [np.array([0.8, 2.2, 4.5])], order=1, atol=1e-6, rtol=1e-5),
    Case("betainc in x", lambda x: wb.math.betainc(wb.constant(np.array([0.8, 2.0])),
                                                   wb.constant(np.array([3.0, 0.6])), x),
         [np.array([0.3, 0.7])]),
]

def _betainc_shape_grads(a, b):
    from gradients import GradientTape
    with GradientTape() as tape:
        tape.watch([a, b])
        y = wb.math.betainc(a, b, wb.constant(np.array([0.2, 0.6, 0.97])))
    ga, gb = tape.gradient(y, [a, b])
    return ga * 1.5 + gb


# the inverses: any order in the probability; first order in the shapes, whose derivatives go
# through the float64 finite differences of dP/da and dI/da, dI/db
_A = np.array([0.4, 2.5, 9.0])
CASES += [
    Case("igammainv in p", lambda p: wb.math.igammainv(wb.constant(_A), p), [uniform(0.05, 0.95, (3,), 36)]),
    Case("igammacinv in p", lambda p: wb.math.igammacinv(wb.constant(_A), p), [uniform(0.05, 0.95, (3,), 37)]),
    Case("igammainv in a", lambda a: wb.math.igammainv(a, wb.constant(np.array([0.2, 0.5, 0.9]))),
         [_A], order=1, atol=1e-6, rtol=1e-5),
    Case("igammacinv in a", lambda a: wb.math.igammacinv(a, wb.constant(np.array([0.2, 0.5, 0.9]))),
         [_A], order=1, atol=1e-6, rtol=1e-5),
    Case("betainc in a and b", lambda a, b: wb.math.betainc(a, b, wb.constant(np.array([0.2, 0.6, 0.97]))),
         [np.array([0.7, 2.0, 5.0]), np.array([3.0, 0.6, 1.5])], order=1, atol=1e-6, rtol=1e-5),
    # second order: the shape-shape derivatives are nested float64 finite differences, the
    # shape-x ones closed forms
    Case("betainc in a, b and x, second order", lambda a, b, x: wb.math.betainc(a, b, x),
         [np.array([0.7, 2.0, 5.0]), np.array([3.0, 0.6, 1.5]), np.array([0.2, 0.6, 0.97])], order=2,
         atol=1e-6, rtol=1e-5),
    # dI/da and dI/db themselves differentiated (their rule is the second shape derivative)
    Case("betainc's shape derivatives, differentiated", _betainc_shape_grads,
         [np.array([0.7, 2.0, 5.0]), np.array([3.0, 0.6, 1.5])], order=1, atol=1e-6, rtol=1e-5),
    Case("betaincinv in y", lambda y: wb.math.betaincinv(wb.constant(np.array([0.8, 2.0, 5.0])),
                                                         wb.constant(np.array([3.0, 0.6, 1.5])), y),
         [uniform(0.05, 0.95, (3,), 38)]),
    Case("betaincinv in a and b", lambda a, b: wb.math.betaincinv(a, b, wb.constant(np.array([0.1, 0.5, 0.9]))),
         [np.array([0.7, 2.0, 5.0]), np.array([3.0, 0.6, 1.5])], order=1, atol=1e-6, rtol=1e-5),
]
