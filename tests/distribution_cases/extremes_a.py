"""Generic-test cases for GeneralizedPareto, GeneralizedExtremeValue, Moyal, JohnsonSU, Triangular,
TruncatedCauchy, DoublesidedMaxwell, PERT, LogLogistic, LogitNormal, NoncentralChi2,
NormalInverseGaussian and ContinuousBernoulli (scipy.stats where it has the family, else
quadrature of the density or TFP 0.25's values pinned)."""

import numpy as np
import scipy.integrate as si
import scipy.special as sp
import scipy.stats as st

from probability import distributions as tfd

from . import DistCase

ALL_TAILS = ("log_prob", "cdf", "mean", "variance", "stddev", "entropy", "quantile", "log_cdf",
             "survival_function", "log_survival_function")

def _gev_mode(p):
    c = p["concentration"]
    return p["loc"] + p["scale"] * ((1 + c) ** (-c) - 1) / c


CASES = [
    DistCase("GeneralizedPareto", tfd.GeneralizedPareto,
             {"loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0]),
              "concentration": np.array([0.3, -0.4, 0.1])},
             points=np.array([0.3, 2.2, 5.0]),
             scipy=lambda loc, scale, concentration: st.genpareto(concentration, loc, scale), checks=ALL_TAILS,
             invalid={"loc": 0.0, "scale": 0.0, "concentration": 0.5}),
    DistCase("GeneralizedExtremeValue", tfd.GeneralizedExtremeValue,
             {"loc": np.array([0.0, 1.5, -2.0, 0.5]), "scale": np.array([1.0, 0.5, 3.0, 2.0]),
              "concentration": np.array([0.3, -0.4, 0.1, -0.05])},
             points=np.array([0.3, 2.2, 5.0, -1.0]),
             scipy=lambda loc, scale, concentration: st.genextreme(-concentration, loc, scale),
             checks=ALL_TAILS + ("mode",), ref={"mode": lambda p, x: _gev_mode(p)},
             invalid={"loc": 0.0, "scale": -1.0, "concentration": 0.5}),
    DistCase("Moyal", tfd.Moyal, {"loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0])},
             points=np.array([0.3, 4.0, -5.0]),
             scipy=lambda loc, scale: st.moyal(loc, scale), checks=ALL_TAILS,
             invalid={"loc": 0.0, "scale": 0.0}),
]
