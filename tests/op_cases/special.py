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
