"""Generic-test cases for the continuous univariate families (references from scipy.stats)."""

import numpy as np
import scipy.stats as st

from probability.distributions import (Beta, Cauchy, Deterministic, Exponential, Gamma, HalfCauchy,
                                       HalfNormal, InverseGamma, Laplace, LogNormal, StudentT, Uniform)

from . import DistCase

NO_QUANTILE = ("log_prob", "cdf", "mean", "variance", "stddev", "entropy")
NO_MOMENTS = ("log_prob", "cdf", "entropy", "quantile")


def _student_t_mean(p, x):
    # TFP: NaN for df <= 1 (SciPy says inf)
    return np.where(p["df"] > 1, p["loc"], np.nan)


def _student_t_variance(p, x):
    df, scale = p["df"], p["scale"]
    var = np.where(df > 2, scale ** 2 * df / np.where(df > 2, df - 2, 1.0), np.inf)
    return np.where(df > 1, var, np.nan)


CASES = [
    DistCase("LogNormal", LogNormal, {"loc": np.array([0.0, 1.0, -0.5]), "scale": np.array([0.5, 1.0, 2.0])},
             points=np.array([0.7, 3.0, 0.01]),
             scipy=lambda loc, scale: st.lognorm(s=scale, scale=np.exp(loc)),
             checks=NO_QUANTILE + ("quantile", "log_cdf", "survival_function", "log_survival_function"),
             invalid={"loc": 0.0, "scale": 0.0}),
    DistCase("Uniform", Uniform, {"low": np.array([0.0, -2.0, 1.0]), "high": np.array([1.0, 3.0, 1.5])},
             points=np.array([0.25, 2.9, 1.1]),
             scipy=lambda low, high: st.uniform(loc=low, scale=high - low),
             checks=NO_QUANTILE + ("quantile", "survival_function"),
             invalid={"low": 1.0, "high": 1.0}),
    DistCase("Exponential", Exponential, {"rate": np.array([0.5, 1.0, 20.0])},
             points=np.array([0.3, 2.0, 0.01]),
             scipy=lambda rate: st.expon(scale=1.0 / rate),
             checks=NO_QUANTILE + ("quantile", "log_survival_function", "survival_function"),
             invalid={"rate": -1.0}),
    DistCase("Laplace", Laplace, {"loc": np.array([0.0, 1.0, -3.0]), "scale": np.array([1.0, 0.2, 4.0])},
             points=np.array([-0.7, 1.5, 10.0]),
             scipy=lambda loc, scale: st.laplace(loc, scale),
             checks=NO_QUANTILE + ("quantile", "log_cdf", "survival_function", "log_survival_function"),
             invalid={"loc": 0.0, "scale": -2.0}),
    DistCase("Cauchy", Cauchy, {"loc": np.array([0.0, 2.0, -1.0]), "scale": np.array([1.0, 0.5, 3.0])},
             points=np.array([0.4, -30.0, 100.0]),
             scipy=lambda loc, scale: st.cauchy(loc, scale),
             checks=NO_QUANTILE + ("quantile", "log_cdf", "survival_function", "log_survival_function"),
             invalid={"loc": 0.0, "scale": 0.0}),
    DistCase("HalfNormal", HalfNormal, {"scale": np.array([1.0, 0.1, 5.0])},
             points=np.array([0.5, 0.3, 1.0]),
             scipy=lambda scale: st.halfnorm(scale=scale),
             checks=NO_QUANTILE + ("quantile", "survival_function", "log_survival_function"),
             invalid={"scale": -1.0}),
    DistCase("HalfCauchy", HalfCauchy, {"loc": np.array([0.0, 1.0, -2.0]), "scale": np.array([1.0, 2.0, 0.5])},
             points=np.array([0.5, 40.0, -1.9]),
             scipy=lambda loc, scale: st.halfcauchy(loc, scale),
             checks=NO_MOMENTS + ("log_cdf", "survival_function", "log_survival_function"),
             invalid={"loc": 0.0, "scale": -1.0}),
    DistCase("StudentT", StudentT,
             {"df": np.array([0.8, 1.5, 3.0, 30.0, 500.0]), "loc": np.array([0.0, 1.0, -1.0, 0.5, 2.0]),
              "scale": np.array([1.0, 2.0, 0.5, 1.5, 0.7])},
             points=np.array([0.3, -4.0, 2.0, 1.0, 2.5]),
             scipy=lambda df, loc, scale: st.t(df, loc, scale),
             ref={"mean": _student_t_mean, "variance": _student_t_variance,
                  "stddev": lambda p, x: np.sqrt(_student_t_variance(p, x))},
             checks=NO_QUANTILE + ("quantile", "survival_function"),
             invalid={"df": 0.0, "loc": 0.0, "scale": 1.0}),
    DistCase("Gamma", Gamma, {"concentration": np.array([0.5, 1.0, 4.0, 30.0]), "rate": np.array([1.0, 2.0, 0.5, 3.0])},
             points=np.array([0.2, 1.0, 7.0, 9.0]),
             scipy=lambda concentration, rate: st.gamma(a=concentration, scale=1.0 / rate),
             checks=NO_QUANTILE + ("quantile", "survival_function"),
             invalid={"concentration": 0.0, "rate": 1.0}),
    DistCase("Gamma log_rate", Gamma, {"concentration": np.array([2.0, 0.7]), "log_rate": np.array([0.5, -1.0])},
             points=np.array([0.6, 0.4]),
             scipy=lambda concentration, log_rate: st.gamma(a=concentration, scale=np.exp(-log_rate)),
             checks=NO_QUANTILE + ("quantile",)),
    DistCase("InverseGamma", InverseGamma, {"concentration": np.array([2.5, 3.0, 8.0]), "scale": np.array([1.0, 0.5, 4.0])},
             points=np.array([0.4, 0.1, 0.7]),
             scipy=lambda concentration, scale: st.invgamma(a=concentration, scale=scale),
             checks=NO_QUANTILE + ("quantile", "survival_function"),
             invalid={"concentration": 1.0, "scale": 0.0}),
    DistCase("Beta", Beta, {"concentration1": np.array([0.5, 2.0, 5.0]), "concentration0": np.array([0.5, 3.0, 1.2])},
             points=np.array([0.1, 0.45, 0.95]),
             scipy=lambda concentration1, concentration0: st.beta(concentration1, concentration0),
             checks=NO_QUANTILE + ("quantile",),
             invalid={"concentration1": -1.0, "concentration0": 1.0}),
    DistCase("Deterministic", Deterministic, {"loc": np.array([0.0, 1.5, -2.0])},
             points=np.array([0.0, 1.5, -2.05]),
             fixed={"atol": 0.1},
             ref={"log_prob": np.zeros(3), "cdf": np.ones(3), "mean": np.array([0.0, 1.5, -2.0]),
                  "variance": np.zeros(3), "stddev": np.zeros(3), "entropy": np.zeros(3)},
             checks=NO_QUANTILE, sample_test="moments", seed_dependent=False),
]
