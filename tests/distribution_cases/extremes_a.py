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



class _TruncatedCauchy(st.rv_continuous):
    """Reference truncated standard Cauchy on [a, b] from SciPy's Cauchy (moments by SciPy's quadrature)."""

    def _argcheck(self, a, b):
        return a < b

    def _get_support(self, a, b):
        return a, b

    def _pdf(self, x, a, b):
        return st.cauchy.pdf(x) / (st.cauchy.cdf(b) - st.cauchy.cdf(a))

    def _cdf(self, x, a, b):
        return (st.cauchy.cdf(x) - st.cauchy.cdf(a)) / (st.cauchy.cdf(b) - st.cauchy.cdf(a))

    def _ppf(self, q, a, b):
        return st.cauchy.ppf(st.cauchy.cdf(a) + q * (st.cauchy.cdf(b) - st.cauchy.cdf(a)))


_TRUNC_CAUCHY = _TruncatedCauchy(name="truncated_cauchy")


def _truncated_cauchy(loc, scale, low, high):
    return _TRUNC_CAUCHY((low - loc) / scale, (high - loc) / scale, loc=loc, scale=scale)



class _DoublesidedMaxwell(st.rv_continuous):
    """Reference double-sided Maxwell: half SciPy's Maxwell density at |x|."""

    def _pdf(self, x):
        return 0.5 * st.maxwell.pdf(np.abs(x))

    def _cdf(self, x):
        return 0.5 + 0.5 * np.sign(x) * st.maxwell.cdf(np.abs(x))


# momtype=0: SciPy integrates x**n * pdf for the moments (its default root-finds the ppf at every node)
_DS_MAXWELL = _DoublesidedMaxwell(name="doublesided_maxwell", momtype=0)



def _pert(low, peak, high, temperature):
    width = high - low
    return st.beta(1 + temperature * (peak - low) / width, 1 + temperature * (high - peak) / width, low, width)



class _LogitNormal(st.rv_continuous):
    """Reference logit-normal from SciPy's Normal: the density of sigmoid(N(m, s))."""

    def _argcheck(self, m, s):
        return s > 0

    def _pdf(self, y, m, s):
        return st.norm(m, s).pdf(sp.logit(y)) / (y * (1 - y))

    def _cdf(self, y, m, s):
        return st.norm(m, s).cdf(sp.logit(y))

    def _ppf(self, q, m, s):
        return sp.expit(st.norm(m, s).ppf(q))


_LOGIT_NORMAL = _LogitNormal(a=0.0, b=1.0, name="logit_normal")



class _ContinuousBernoulli(st.rv_continuous):
    """Reference continuous Bernoulli from its density ``l exp(l x) / expm1(l)`` (exact rationals of
    exponentials evaluated by NumPy; 1 at l = 0); SciPy integrates the moments."""

    def _argcheck(self, l):
        return np.isfinite(l)

    def _pdf(self, x, l):
        l = np.asarray(l, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(l == 0, 1.0, l * np.exp(l * x) / np.expm1(l))

    def _cdf(self, x, l):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(np.asarray(l) == 0, x, np.expm1(l * x) / np.expm1(l))


_CB = _ContinuousBernoulli(a=0.0, b=1.0, name="continuous_bernoulli", momtype=0)


def _cb_ppf(p, l):
    l = np.asarray(l, dtype=float)
    safe = np.where(l == 0, 1.0, l)
    return np.where(l == 0, p, np.log1p(p * np.expm1(safe)) / safe)   # uniform at l = 0


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
    DistCase("JohnsonSU", tfd.JohnsonSU,
             {"skewness": np.array([0.0, 1.0, -2.0]), "tailweight": np.array([1.0, 2.5, 0.8]),
              "loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0])},
             points=np.array([0.3, 4.0, -5.0]),
             scipy=lambda skewness, tailweight, loc, scale: st.johnsonsu(skewness, tailweight, loc, scale),
             checks=ALL_TAILS[:5] + ALL_TAILS[6:],
             invalid={"skewness": 0.0, "tailweight": -1.0, "loc": 0.0, "scale": 1.0}),
    DistCase("Triangular", tfd.Triangular,
             {"low": np.array([0.0, -1.5, 2.0]), "high": np.array([1.0, 0.5, 7.0]), "peak": np.array([0.5, 0.2, 3.0])},
             points=np.array([0.3, 0.4, 6.0]),
             scipy=lambda low, high, peak: st.triang((peak - low) / (high - low), low, high - low),
             checks=("log_prob", "cdf", "mean", "variance", "stddev", "entropy", "log_cdf", "survival_function",
                     "log_survival_function"),
             invalid={"low": 0.0, "high": 1.0, "peak": 1.5}),
    DistCase("TruncatedCauchy", tfd.TruncatedCauchy,
             {"loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0]),
              "low": np.array([-1.0, 2.0, -10.0]), "high": np.array([1.0, 6.0, -1.0])},
             points=np.array([0.3, 2.5, -4.0]),
             scipy=_truncated_cauchy, checks=ALL_TAILS[:5] + ALL_TAILS[6:] + ("mode",),
             ref={"mode": lambda p, x: np.clip(p["loc"], p["low"], p["high"])},
             invalid={"loc": 0.0, "scale": 1.0, "low": 1.0, "high": 1.0}),
    DistCase("DoublesidedMaxwell", tfd.DoublesidedMaxwell,
             {"loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0])},
             points=np.array([0.3, 2.5, -4.0]),
             scipy=lambda loc, scale: _DS_MAXWELL(loc=loc, scale=scale),
             checks=("log_prob", "mean", "variance", "stddev"),
             invalid={"loc": 0.0, "scale": -1.0}),
    DistCase("PERT", tfd.PERT,
             {"low": np.array([0.0, -1.5, 2.0]), "peak": np.array([0.5, 0.0, 6.5]), "high": np.array([2.0, 0.5, 7.0]),
              "temperature": np.array([4.0, 2.0, 7.5])},
             points=np.array([0.3, 0.4, 6.0]),
             scipy=_pert, checks=ALL_TAILS + ("mode",), ref={"mode": lambda p, x: p["peak"]},
             invalid={"low": 0.0, "peak": 1.5, "high": 1.0, "temperature": 4.0}),
    DistCase("LogLogistic", tfd.LogLogistic, {"loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([0.3, 0.45, 0.2])},
             points=np.array([0.3, 4.0, 0.2]),
             scipy=lambda loc, scale: st.fisk(1.0 / scale, scale=np.exp(loc)), checks=ALL_TAILS + ("mode",),
             ref={"mode": lambda p, x: np.exp(p["loc"]) * ((1 - p["scale"]) / (1 + p["scale"])) ** p["scale"]},
             invalid={"loc": 0.0, "scale": 0.0}),
    DistCase("LogitNormal", tfd.LogitNormal, {"loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0])},
             points=np.array([0.3, 0.9, 0.01]),
             scipy=lambda loc, scale: _LOGIT_NORMAL(loc, scale),
             checks=("log_prob", "cdf", "quantile", "log_cdf", "survival_function", "log_survival_function"),
             invalid={"loc": 0.0, "scale": -1.0}),
    DistCase("NoncentralChi2", tfd.NoncentralChi2,
             {"df": np.array([0.7, 3.0, 12.0, 4.0]), "noncentrality": np.array([2.0, 0.5, 30.0, 400.0])},
             points=np.array([0.3, 2.5, 60.0, 350.0]),
             scipy=lambda df, noncentrality: st.ncx2(df, noncentrality),
             checks=("log_prob", "cdf", "mean", "variance", "stddev", "quantile", "log_cdf", "survival_function",
                     "log_survival_function"),
             invalid={"df": 0.0, "noncentrality": 1.0}, rtol=1e-6),
    DistCase("NormalInverseGaussian", tfd.NormalInverseGaussian,
             {"loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0]),
              "tailweight": np.array([1.0, 2.5, 0.8]), "skewness": np.array([0.0, 1.0, -0.6])},
             points=np.array([0.3, 4.0, -5.0]),
             scipy=lambda loc, scale, tailweight, skewness: st.norminvgauss(tailweight * scale, skewness * scale,
                                                                           loc, scale),
             checks=("log_prob", "mean", "variance", "stddev"),
             # the inverse Gaussian draw is not F^-1(u) at fixed noise: finite differences of samples do
             # not follow its implicit gradient (tested in expectation, and log_prob's gradients in all
             # parameters, in tests/test_families_a.py)
             grad_params=("loc",),
             invalid={"loc": 0.0, "scale": 1.0, "tailweight": 1.0, "skewness": 1.5}),
    DistCase("ContinuousBernoulli logits", tfd.ContinuousBernoulli, {"logits": np.array([-3.0, 0.005, 0.7, 8.0])},
             points=np.array([0.3, 0.5, 0.95, 0.9]), fixed={"dtype": np.float64},
             scipy=lambda logits: _CB(logits), checks=ALL_TAILS + ("mode",),
             ref={"mode": lambda p, x: (p["logits"] > 0).astype(float), "quantile": lambda p, x: _cb_ppf(0.3, p["logits"]),
                  "entropy": lambda p, x: np.vectorize(lambda l: _CB(l).expect(lambda t: -_CB(l).logpdf(t)))(
                      p["logits"])},
             invalid={"probs": 1.5}),
    DistCase("ContinuousBernoulli probs", tfd.ContinuousBernoulli, {"probs": np.array([0.2, 0.5, 0.9])},
             points=np.array([0.3, 0.6, 0.95]), fixed={"dtype": np.float64},
             scipy=lambda probs: _CB(sp.logit(probs)),
             checks=("log_prob", "cdf", "mean", "variance", "survival_function", "quantile"),
             ref={"quantile": lambda p, x: _cb_ppf(0.3, sp.logit(p["probs"]))}),
]
