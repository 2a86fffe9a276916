"""Generic-test cases for the second batch of TFP scalar families (references from scipy.stats,
or reference distributions built here from SciPy's densities where SciPy has no such family)."""

import numpy as np
import scipy.special as sp
import scipy.stats as st

from probability.distributions import (Bates, BetaQuotient, ExpInverseGamma, ExponentiallyModifiedGaussian, FiniteDiscrete, GammaGamma,
                                       Inflated, LambertWDistribution, LambertWNormal, Normal, StudentT, Poisson, ProbitBernoulli, QuantizedDistribution, SigmoidBeta, TwoPieceNormal,
                                       TwoPieceStudentT, Zipf)

from . import DistCase

# the methods TFP has for each family (it raises NotImplementedError for the rest)
TAILS = ("log_prob", "cdf", "log_cdf", "survival_function", "log_survival_function")


class _ExpInverseGamma(st.rv_continuous):
    """``log(scale) - L`` for SciPy's ``loggamma`` ``L`` (the log of a standard Gamma draw)."""

    def _pdf(self, y, c, s):
        return st.loggamma.pdf(np.log(s) - y, c)

    def _cdf(self, y, c, s):
        return st.loggamma.sf(np.log(s) - y, c)

    def _sf(self, y, c, s):
        return st.loggamma.cdf(np.log(s) - y, c)

    def _ppf(self, q, c, s):
        return np.log(s) - st.loggamma.isf(q, c)


# momtype=0: SciPy integrates x**n * pdf for the moments (its default root-finds the ppf for every
# quadrature node, about a minute per family here)
_EXP_INVERSE_GAMMA = _ExpInverseGamma(name="exp_inverse_gamma", momtype=0)


class _TwoPiece(st.rv_continuous):
    """Fernandez and Steel's two-piece form of a symmetric SciPy family ``base`` (standardized):
    ``base`` stretched by ``1 / skewness`` left of 0 and by ``skewness`` right of it."""

    base = None

    def _pdf(self, x, skew, *shape):
        k = 2 * skew / (1 + skew ** 2)
        return np.where(x < 0, k * self.base.pdf(x * skew, *shape), k * self.base.pdf(x / skew, *shape))

    def _cdf(self, x, skew, *shape):
        left = 2 / (1 + skew ** 2) * self.base.cdf(x * skew, *shape)
        right = 1 - 2 * skew ** 2 / (1 + skew ** 2) * self.base.sf(x / skew, *shape)
        return np.where(x < 0, left, right)

    def _argcheck(self, skew, *shape):
        return (skew > 0) & np.all([np.asarray(s) > 0 for s in shape], axis=0)


class _TwoPieceNormal(_TwoPiece):
    base = st.norm


class _TwoPieceT(_TwoPiece):
    base = st.t


_TWO_PIECE_NORMAL = _TwoPieceNormal(name="two_piece_normal", shapes="skew", momtype=0)
_TWO_PIECE_T = _TwoPieceT(name="two_piece_t", shapes="skew, df", momtype=0)


class _SigmoidBeta(st.rv_continuous):
    """``logit(B)`` for SciPy's ``beta`` ``B``."""

    def _pdf(self, x, a, b):
        u = sp.expit(x)
        return st.beta.pdf(u, a, b) * u * (1 - u)

    def _cdf(self, x, a, b):
        return st.beta.cdf(sp.expit(x), a, b)

    def _sf(self, x, a, b):
        return st.beta.sf(sp.expit(x), a, b)


_SIGMOID_BETA = _SigmoidBeta(name="sigmoid_beta")

_OUTCOMES = np.array([-1.0, 0.5, 2.0, 3.0])
_FD_PROBS = np.array([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25], [0.7, 0.1, 0.1, 0.1]])


def _finite_discrete(method):
    """SciPy's rv_discrete over the outcomes, one batch member (row of probs) at a time."""
    def ref(p, x):
        out = []
        for j, probs in enumerate(p["probs"]):
            r = st.rv_discrete(values=(_OUTCOMES, probs))
            at = np.broadcast_to(x, (len(p["probs"]),))[j]
            out.append({"log_prob": lambda: r.logpmf(at), "cdf": lambda: r.cdf(at), "survival_function": lambda: r.sf(at),
                        "mean": r.mean, "variance": r.var, "entropy": r.entropy}[method]())
        return np.array(out)
    return ref


_QN_LOC, _QN_SCALE = np.array([0.3, 1.2, -2.0]), np.array([1.0, 2.5, 0.5])


def _quantized_normal(method):
    """``ceil(X)`` clipped to ``[low, high]`` for SciPy's normal ``X``, from its CDF."""
    def ref(p, x):
        base = st.norm(_QN_LOC, _QN_SCALE)
        low, high = p["low"], p["high"]
        j = np.floor(x)
        if method == "log_prob":
            mass = np.where(j == low, base.cdf(low), np.where(j == high, base.sf(high - 1),
                                                               base.cdf(j) - base.cdf(j - 1)))
            return np.log(np.where((j < low) | (j > high), 0.0, mass))
        cdf = np.where(j < low, 0.0, np.where(j >= high, 1.0, base.cdf(j)))
        return cdf if method == "cdf" else 1.0 - cdf
    return ref


_INF_RATE, _INF_LOC, _INF_SCALE = np.array([2.0, 0.5, 7.0]), np.array([2.0, 0.5, -1.0]), np.array([1.0, 0.3, 2.0])


def _inflated_poisson(method):
    """A point mass at 0 with weight ``pi`` and SciPy's Poisson."""
    def ref(p, x):
        pi, base = p["inflated_loc_probs"], st.poisson(_INF_RATE)
        return {"log_prob": lambda: np.log(pi * (x == 0) + (1 - pi) * base.pmf(x)),
                "cdf": lambda: pi * (x >= 0) + (1 - pi) * base.cdf(x),
                "mean": lambda: (1 - pi) * base.mean(),
                "variance": lambda: (1 - pi) * (base.var() + base.mean() ** 2) - ((1 - pi) * base.mean()) ** 2}[method]()
    return ref


class _LambertW(st.rv_continuous):
    """Goerg's heavy-tail Lambert W x F for a standardized SciPy family ``base``: the CDF is
    ``base.cdf(u)`` with ``u = sign(z) sqrt(W(delta z**2) / delta)`` (SciPy's ``lambertw``)."""

    base = None

    @staticmethod
    def _u(z, delta):
        w = np.real(sp.lambertw(delta * z * z))
        return np.where(delta > 0, np.sign(z) * np.sqrt(w / np.where(delta > 0, delta, 1.0)), z)

    def _cdf(self, z, delta, *shape):
        return self.base.cdf(self._u(z, delta), *shape)

    def _pdf(self, z, delta, *shape):
        u = self._u(z, delta)
        return self.base.pdf(u, *shape) / (np.exp(0.5 * delta * u * u) * (1 + delta * u * u))

    def _argcheck(self, delta, *shape):
        return (delta >= 0) & np.all([np.asarray(s) > 0 for s in shape], axis=0)


class _LambertWNormal(_LambertW):
    base = st.norm


class _LambertWT(_LambertW):
    base = st.t


_LAMBERTW_NORMAL = _LambertWNormal(name="lambertw_normal", shapes="delta", momtype=0)
_LAMBERTW_T = _LambertWT(name="lambertw_t", shapes="delta, df")
_LWT_DF, _LWT_SHIFT, _LWT_SCALE = np.array([5.0, 3.0, 30.0]), np.array([0.3, -1.0, 2.0]), np.array([2.0, 0.5, 1.0])


class _BetaQuotient(st.rv_continuous):
    """``X / Y`` for independent SciPy betas, from Pham-Gia's density with SciPy's ``hyp2f1``."""

    def _pdf(self, w, a0, b0, a1, b1):
        norm = -sp.betaln(a0, b0) - sp.betaln(a1, b1)
        wl = np.minimum(w, 1.0)
        wh = np.maximum(w, 1.0)
        lo = np.exp(norm + sp.betaln(a0 + a1, b1) + (a0 - 1) * np.log(wl)) * sp.hyp2f1(a0 + a1, 1 - b0, a0 + a1 + b1, wl)
        hi = np.exp(norm + sp.betaln(a0 + a1, b0) - (a1 + 1) * np.log(wh)) * sp.hyp2f1(a0 + a1, 1 - b1, a0 + a1 + b0, 1 / wh)
        return np.where(w <= 1, lo, hi)


_BETA_QUOTIENT = _BetaQuotient(a=0.0, name="beta_quotient")


CASES = [
    DistCase("ExpInverseGamma", ExpInverseGamma,
             {"concentration": np.array([0.5, 2.0, 9.0]), "scale": np.array([1.0, 3.0, 0.5])},
             points=np.array([-1.5, 0.3, 2.5]),
             scipy=lambda concentration, scale: _EXP_INVERSE_GAMMA(concentration, scale),
             checks=TAILS + ("mean", "variance", "stddev", "quantile"),
             invalid={"concentration": 0.0, "scale": 1.0}),
    DistCase("ExpInverseGamma log_scale", ExpInverseGamma,
             {"concentration": np.array([0.7, 4.0]), "log_scale": np.array([0.5, -1.0])},
             points=np.array([-0.4, 1.2]),
             scipy=lambda concentration, log_scale: _EXP_INVERSE_GAMMA(concentration, np.exp(log_scale)),
             checks=TAILS + ("mean", "variance", "quantile"),
             invalid={"concentration": -1.0, "log_scale": np.inf}),
    DistCase("ExponentiallyModifiedGaussian", ExponentiallyModifiedGaussian,
             {"loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0]), "rate": np.array([0.7, 4.0, 2.0])},
             points=np.array([0.3, 9.0, -6.0]),
             scipy=lambda loc, scale, rate: st.exponnorm(1.0 / (scale * rate), loc=loc, scale=scale),
             checks=TAILS + ("mean", "variance", "stddev"),
             invalid={"loc": 0.0, "scale": 1.0, "rate": -1.0}),
    DistCase("TwoPieceNormal", TwoPieceNormal,
             {"loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0]),
              "skewness": np.array([0.7, 1.0, 2.5])},
             points=np.array([0.3, 0.2, -8.0]),
             scipy=lambda loc, scale, skewness: _TWO_PIECE_NORMAL(skewness, loc=loc, scale=scale),
             checks=TAILS + ("mean", "variance", "stddev", "quantile"),
             invalid={"loc": 0.0, "scale": 1.0, "skewness": 0.0}),
    DistCase("TwoPieceStudentT", TwoPieceStudentT,
             {"df": np.array([3.0, 7.5, 25.0]), "loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0]),
              "skewness": np.array([0.7, 1.0, 2.5])},
             points=np.array([0.3, 0.2, -8.0]),
             scipy=lambda df, loc, scale, skewness: _TWO_PIECE_T(skewness, df, loc=loc, scale=scale),
             checks=TAILS + ("mean", "variance", "stddev", "quantile"),
             invalid={"df": -1.0, "loc": 0.0, "scale": 1.0, "skewness": 1.0}),
    DistCase("SigmoidBeta", SigmoidBeta,
             {"concentration1": np.array([0.5, 2.0, 9.0]), "concentration0": np.array([0.7, 3.0, 1.2])},
             points=np.array([-1.5, 0.3, 4.0]),
             scipy=lambda concentration1, concentration0: _SIGMOID_BETA(concentration1, concentration0),
             ref={"mode": lambda p, x: np.log(p["concentration1"] / p["concentration0"])},
             checks=TAILS + ("quantile", "mode"),
             invalid={"concentration1": 0.0, "concentration0": 1.0}),
    DistCase("Bates", Bates,
             {"total_count": np.array([1.0, 3.0, 10.0, 24.0]), "low": np.array([-1.0, 0.0, 2.0, -3.0]),
              "high": np.array([1.0, 2.0, 3.0, 4.0])},
             points=np.array([0.3, 1.7, 2.1, -1.9]),
             scipy=lambda total_count, low, high: st.irwinhall(total_count, loc=low, scale=(high - low) / total_count),
             checks=TAILS + ("mean", "variance", "stddev"), grad_params=("low", "high"),
             invalid={"total_count": 2.5, "low": 0.0, "high": 1.0}),
    DistCase("GammaGamma", GammaGamma,
             {"concentration": np.array([3.0, 1.5, 0.7]), "mixing_concentration": np.array([2.5, 5.0, 9.0]),
              "mixing_rate": np.array([2.0, 0.7, 3.0])},
             points=np.array([0.3, 2.2, 0.05]),
             scipy=lambda concentration, mixing_concentration, mixing_rate: st.betaprime(
                 concentration, mixing_concentration, scale=mixing_rate),
             checks=("log_prob", "mean", "variance", "stddev"),
             invalid={"concentration": 1.0, "mixing_concentration": 0.0, "mixing_rate": 1.0}),
    DistCase("ProbitBernoulli", ProbitBernoulli, {"probits": np.array([-0.3, 1.2, -2.5])},
             points=np.array([0.0, 1.0, 1.0]),
             scipy=lambda probits: st.bernoulli(sp.ndtr(probits)), discrete=True,
             checks=("log_prob", "mean", "variance", "stddev", "entropy"), sample_test="moments"),
    DistCase("ProbitBernoulli probs", ProbitBernoulli, {"probs": np.array([0.2, 0.9, 0.5])},
             points=np.array([1.0, 0.0, 1.0]),
             scipy=lambda probs: st.bernoulli(probs), discrete=True,
             checks=("log_prob", "mean", "variance", "stddev", "entropy"), sample_test="moments",
             invalid={"probs": 1.5}),
    DistCase("Zipf", Zipf, {"power": np.array([3.5, 5.0, 8.0])},
             points=np.array([1.0, 2.0, 7.0]),
             scipy=lambda power: st.zipf(power), discrete=True,
             checks=("log_prob", "cdf", "survival_function", "log_survival_function", "mean", "variance", "stddev"),
             sample_test="moments", invalid={"power": 0.5}),
    DistCase("FiniteDiscrete", FiniteDiscrete, {"probs": _FD_PROBS}, fixed={"outcomes": _OUTCOMES},
             points=np.array([0.5, 3.0, -1.0]),
             ref={m: _finite_discrete(m) for m in ("log_prob", "cdf", "survival_function", "mean", "variance", "entropy")},
             discrete=True, checks=("log_prob", "cdf", "survival_function", "mean", "variance", "entropy"),
             sample_test="moments", invalid={"probs": [0.5, 0.6, 0.1, 0.1]}),
    DistCase("QuantizedDistribution", QuantizedDistribution, {"low": np.array(-1.0), "high": np.array(3.0)},
             fixed={"distribution": Normal(_QN_LOC, _QN_SCALE)},
             points=np.array([-1.0, 1.0, 3.0]),
             ref={m: _quantized_normal(m) for m in ("log_prob", "cdf", "survival_function")},
             discrete=True, checks=("log_prob", "cdf", "survival_function"), grad_params=(), sample_test=None,
             invalid={"low": 3.0, "high": 1.0}),
    DistCase("Inflated Poisson", Inflated, {"inflated_loc_probs": np.array([0.3, 0.05, 0.6])},
             fixed={"distribution": Poisson(_INF_RATE)}, points=np.array([0.0, 1.0, 0.0]),
             ref={m: _inflated_poisson(m) for m in ("log_prob", "cdf", "mean", "variance")},
             discrete=True, checks=("log_prob", "cdf", "mean", "variance"), sample_test="moments",
             invalid={"inflated_loc_probs": 1.5}),
    DistCase("LambertWNormal", LambertWNormal,
             {"loc": np.array([0.5, -1.0, 2.0]), "scale": np.array([1.3, 0.7, 2.0]), "tailweight": np.array([0.2, 0.0, 0.05])},
             points=np.array([0.3, 2.2, -4.0]),
             scipy=lambda loc, scale, tailweight: _LAMBERTW_NORMAL(tailweight, loc=loc, scale=scale),
             checks=TAILS + ("mean", "variance", "stddev", "quantile"),
             invalid={"loc": 0.0, "scale": 1.0, "tailweight": -0.1}),
    DistCase("LambertWDistribution", LambertWDistribution,
             {"shift": _LWT_SHIFT, "scale": _LWT_SCALE, "tailweight": np.array([0.1, 0.3, 0.0])},
             fixed={"distribution": StudentT(_LWT_DF, _LWT_SHIFT, _LWT_SCALE)},
             points=np.array([4.0, -1.5, 2.5]),
             scipy=lambda shift, scale, tailweight: _LAMBERTW_T(tailweight, _LWT_DF, loc=shift, scale=scale),
             checks=TAILS + ("quantile",), sample_test=None,
             invalid={"shift": 0.0, "scale": -1.0, "tailweight": 0.1}),
    DistCase("BetaQuotient", BetaQuotient,
             {"concentration1_numerator": np.array([3.0, 1.5, 0.4]), "concentration0_numerator": np.array([0.5, 2.0, 0.7]),
              "concentration1_denominator": np.array([2.0, 4.0, 6.0]), "concentration0_denominator": np.array([1.2, 4.0, 0.45])},
             points=np.array([0.3, 2.2, 0.999]),
             scipy=lambda concentration1_numerator, concentration0_numerator, concentration1_denominator,
             concentration0_denominator: _BETA_QUOTIENT(concentration1_numerator, concentration0_numerator,
                                                        concentration1_denominator, concentration0_denominator),
             # E[X] E[1 / Y], the second as a ratio of beta functions
             ref={"mean": lambda p, x: (st.beta(p["concentration1_numerator"], p["concentration0_numerator"]).mean()
                                        * np.exp(sp.betaln(p["concentration1_denominator"] - 1, p["concentration0_denominator"])
                                                 - sp.betaln(p["concentration1_denominator"], p["concentration0_denominator"])))},
             checks=("log_prob", "mean"), sample_test=None, rtol=1e-8,
             invalid={"concentration1_numerator": 1.0, "concentration0_numerator": 0.0,
                      "concentration1_denominator": 1.0, "concentration0_denominator": 1.0}),
]
