"""Generic-test cases for the families added for TFP breadth (references from scipy.stats,
or closed forms / quadrature where SciPy has no such family)."""

import numpy as np
import scipy.integrate as si
import scipy.special as sp
import scipy.stats as st

from probability.distributions import (ExpGamma, SphericalUniform, VonMisesFisher, LKJ, BetaBinomial, Horseshoe, WishartTriL, Chi, CholeskyLKJ, SinhArcsinh, MultivariateNormalDiagPlusLowRank, ExpRelaxedOneHotCategorical, RelaxedBernoulli,
                                       RelaxedOneHotCategorical, VonMises, Chi2, GeneralizedNormal, Gumbel, HalfStudentT, InverseGaussian,
                                       TruncatedNormal, DirichletMultinomial, ZeroInflatedNegativeBinomial,
                                       Kumaraswamy, Logistic, Pareto, Weibull)

from . import DistCase

ALL_TAILS = ("log_prob", "cdf", "mean", "variance", "stddev", "entropy", "quantile", "log_cdf",
             "survival_function", "log_survival_function")


class _Kumaraswamy(st.rv_continuous):
    """A reference Kumaraswamy built from its density alone (SciPy integrates the rest)."""

    def _pdf(self, x, a, b):
        return a * b * x ** (a - 1) * (1 - x ** a) ** (b - 1)

    def _cdf(self, x, a, b):
        return 1 - (1 - x ** a) ** b


# momtype=0: SciPy integrates x**n * pdf for the moments (its default root-finds the ppf at every node)
_KUMARASWAMY = _Kumaraswamy(a=0.0, b=1.0, name="kumaraswamy", momtype=0)


def _kumaraswamy_entropy(p, x):
    def one(a, b):
        f = lambda t: -_KUMARASWAMY.pdf(t, a, b) * _KUMARASWAMY.logpdf(t, a, b)
        return si.quad(f, 0, 1, limit=200)[0]
    return np.vectorize(one)(p["concentration1"], p["concentration0"])


class _HalfT(st.rv_continuous):
    """A reference half-Student's t: twice SciPy's t density above ``loc``."""

    def _pdf(self, x, df):
        return 2.0 * st.t.pdf(x, df)

    def _cdf(self, x, df):
        return 2.0 * st.t.cdf(x, df) - 1.0

    def _ppf(self, q, df):
        return st.t.ppf(0.5 + 0.5 * q, df)


_HALF_T = _HalfT(a=0.0, name="half_t", momtype=0)


def _entropy_by_quadrature(scipy_of_params, lo_name, hi_name):
    def ref(p, x):
        n = np.broadcast(*p.values()).shape
        flat = {k: np.broadcast_to(v, n).reshape(-1) for k, v in p.items()}
        out = []
        for j in range(int(np.prod(n))):
            frozen = scipy_of_params(**{k: v[j] for k, v in flat.items()})
            f = lambda t: -frozen.pdf(t) * frozen.logpdf(t) if frozen.pdf(t) > 0 else 0.0
            out.append(si.quad(f, flat[lo_name][j], flat[hi_name][j], limit=200, epsabs=1e-13)[0])
        return np.array(out).reshape(n)
    return ref


def _truncnorm(loc, scale, low, high):
    return st.truncnorm((low - loc) / scale, (high - loc) / scale, loc=loc, scale=scale)


def _zinb_pi(p):
    # TFP 0.25 builds the gate as Categorical(logits=[l, -l]): pi = sigmoid(2 l)
    return sp.expit(2.0 * p["inflated_loc_logits"]) if "inflated_loc_logits" in p else p["inflated_loc_probs"]


def _zinb_pmf(p, x):
    pi = _zinb_pi(p)
    nb = st.nbinom(p["total_count"], 1 - p["probs"])
    return np.log(np.where(x == 0, pi, 0.0) + (1 - pi) * nb.pmf(x))


def _zinb_moments(p, x):
    pi = _zinb_pi(p)
    nb = st.nbinom(p["total_count"], 1 - p["probs"])
    mean = (1 - pi) * nb.mean()
    return mean, (1 - pi) * (nb.var() + nb.mean() ** 2) - mean ** 2


def _zinb_cdf(p, x):
    pi = _zinb_pi(p)
    return pi + (1 - pi) * st.nbinom(p["total_count"], 1 - p["probs"]).cdf(x)


def _dirichlet_multinomial(method):
    def ref(p, x):
        n, a = p["total_count"], p["concentration"]
        out = []
        for j in range(len(n)):
            frozen = st.dirichlet_multinomial(a[j], int(n[j]))
            out.append(frozen.logpmf(x[j]) if method == "log_prob" else np.diag(frozen.cov()) if method == "variance"
                       else frozen.mean())
        return np.array(out)
    return ref


class _RelaxedBernoulli(st.rv_continuous):
    """Reference binary Concrete: logit(Y) ~ Logistic(logits / t, 1 / t)."""

    def _logpdf(self, y, t, logits):
        z = np.log(y) - np.log1p(-y)
        return st.logistic(logits / t, 1 / t).logpdf(z) - np.log(y) - np.log1p(-y)

    def _pdf(self, y, t, logits):
        return np.exp(self._logpdf(y, t, logits))

    def _cdf(self, y, t, logits):
        return st.logistic(logits / t, 1 / t).cdf(np.log(y) - np.log1p(-y))

    def _argcheck(self, t, logits):
        return t > 0


_RELAXED_BERNOULLI = _RelaxedBernoulli(a=0.0, b=1.0, name="relaxed_bernoulli")


def _concrete_log_density(p, x, log_space):
    """Maddison et al.'s Concrete (x on the simplex) or ExpConcrete (x = log of it) log density."""
    t = np.asarray(p["temperature"])[..., None]
    log_alpha = p["logits"] if "logits" in p else np.log(p["probs"])
    k = log_alpha.shape[-1]
    log_x = x if log_space else np.log(x)
    scores = log_alpha - t * log_x
    lp = (sp.gammaln(k) + (k - 1) * np.log(t[..., 0]) + np.sum(scores, -1)
          - k * sp.logsumexp(scores, axis=-1))
    return lp if log_space else lp - np.sum(log_x, -1)


def _low_rank_scale(p):
    u = p["scale_perturb_factor"] * p["scale_perturb_diag"][..., None, :]
    return np.eye(u.shape[-2]) * p["scale_diag"][..., None, :] + u @ np.swapaxes(p["scale_perturb_factor"], -1, -2)


def _mvn_ref(method):
    def ref(p, x):
        s = _low_rank_scale(p)
        cov = s @ np.swapaxes(s, -1, -2)
        loc = np.broadcast_to(p["loc"], cov.shape[:-1])
        out = []
        for i in range(len(cov)):
            f = st.multivariate_normal(loc[i], cov[i])
            out.append({"log_prob": lambda: f.logpdf(np.broadcast_to(x, loc.shape)[i]), "mean": lambda: f.mean,
                        "entropy": f.entropy, "covariance": lambda: f.cov, "variance": lambda: np.diag(f.cov)}[method]())
        return np.array(out)
    return ref


class _SinhArcsinhNormal(st.rv_continuous):
    """Reference SinhArcsinh over a standard normal: the CDF is ndtr(z(y)); the density is the CDF's
    central difference (independent of the bijector's log-det)."""

    @staticmethod
    def _z(y, mu, sigma, skew, tw):
        c = 2.0 / np.sinh(np.arcsinh(2.0) * tw)
        return np.sinh(np.arcsinh((y - mu) / (c * sigma)) / tw - skew)

    def _cdf(self, y, mu, sigma, skew, tw):
        return st.norm.cdf(self._z(y, mu, sigma, skew, tw))

    def _pdf(self, y, mu, sigma, skew, tw):
        h = 1e-5 * np.maximum(1.0, np.abs(y))
        return (self._cdf(y + h, mu, sigma, skew, tw) - self._cdf(y - h, mu, sigma, skew, tw)) / (2 * h)

    def _argcheck(self, *args):
        return np.all([np.isfinite(a) for a in args], axis=0)


_SINH_ARCSINH = _SinhArcsinhNormal(name="sinh_arcsinh")


def _lkj2_log_prob(p, x):
    # for dimension 2 the correlation (rho + 1) / 2 is Beta(eta, eta)
    eta = p["concentration"]
    rho = np.asarray(x)[..., 0, 1]
    return st.beta(eta, eta).logpdf((rho + 1) / 2) - np.log(2)


_CORR3 = np.array([[1.0, 0.3, -0.2], [0.3, 1.0, 0.5], [-0.2, 0.5, 1.0]])


def _cholesky_lkj3_log_prob(p, x):
    # LKJ density of C = L L^T times the Jacobian prod_i L_ii^(n - i - 1) of L -> C
    eta = np.asarray(p["concentration"])
    log_z = sum(0.5 * k * np.log(np.pi) + sp.gammaln(eta + 0.5 * (2 - k)) - sp.gammaln(eta + 1.0) for k in (1, 2))
    l = np.linalg.cholesky(_CORR3)
    return ((eta - 1) * np.log(np.linalg.det(_CORR3)) - log_z + 2 * np.log(l[0, 0]) + np.log(l[1, 1]))


_WISHART_X = np.array([[2.0, 0.3, 0.1], [0.3, 3.0, -0.5], [0.1, -0.5, 1.0]])


def _wishart(method):
    def ref(p, x):
        out = []
        for df, l in zip(p["df"], p["scale_tril"]):
            r = st.wishart(df, l @ l.T)
            out.append({"log_prob": lambda: r.logpdf(x), "mean": r.mean, "variance": r.var,
                        "entropy": r.entropy}[method]())
        return np.array(out)
    return ref


def _horseshoe_log_prob(p, x):
    # the scale mixture integrated numerically: N(x; 0, scale * lam) against HalfCauchy(lam)
    def one(xi, s):
        f = lambda lam: st.norm(0, s * lam).pdf(xi) * 2 / (np.pi * (1 + lam * lam))
        return np.log(si.quad(f, 0, np.inf, limit=400, epsabs=0, epsrel=1e-12)[0])
    return np.vectorize(one)(x, p["scale"])



_VMF_MU = np.array([[0.6, 0.8, 0.0], [0.0, 0.0, 1.0]])


def _vmf_ref(method):
    def ref(p, x):
        out = []
        for mu, k in zip(p["mean_direction"], np.broadcast_to(p["concentration"], (2,))):
            frozen = st.vonmises_fisher(mu, k)
            out.append(frozen.logpdf(x) if method == "log_prob" else frozen.entropy())
        return np.array(out)
    return ref

CASES = [
    DistCase("Logistic", Logistic, {"loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0])},
             points=np.array([0.3, 9.0, -40.0]),
             scipy=lambda loc, scale: st.logistic(loc, scale), checks=ALL_TAILS,
             invalid={"loc": 0.0, "scale": -1.0}),
    DistCase("Gumbel", Gumbel, {"loc": np.array([0.0, 1.5, -2.0]), "scale": np.array([1.0, 0.5, 3.0])},
             points=np.array([0.3, 4.0, -5.0]),
             scipy=lambda loc, scale: st.gumbel_r(loc, scale), checks=ALL_TAILS,
             invalid={"loc": 0.0, "scale": 0.0}),
    DistCase("Weibull", Weibull, {"concentration": np.array([0.7, 1.0, 3.5]), "scale": np.array([1.0, 2.0, 0.5])},
             points=np.array([0.3, 4.0, 0.6]),
             scipy=lambda concentration, scale: st.weibull_min(concentration, scale=scale), checks=ALL_TAILS,
             invalid={"concentration": -1.0, "scale": 1.0}),
    DistCase("Pareto", Pareto, {"concentration": np.array([2.5, 4.0, 9.0]), "scale": np.array([1.0, 2.0, 0.5])},
             points=np.array([1.3, 2.5, 4.0]),
             scipy=lambda concentration, scale: st.pareto(concentration, scale=scale), checks=ALL_TAILS,
             invalid={"concentration": 1.0, "scale": -1.0}),
    DistCase("Kumaraswamy", Kumaraswamy,
             {"concentration1": np.array([0.5, 2.0, 5.0]), "concentration0": np.array([0.7, 3.0, 1.2])},
             points=np.array([0.1, 0.45, 0.95]),
             scipy=lambda concentration1, concentration0: _KUMARASWAMY(concentration1, concentration0),
             ref={"entropy": _kumaraswamy_entropy},
             checks=("log_prob", "cdf", "mean", "variance", "stddev", "entropy", "quantile",
                     "survival_function", "log_survival_function"),
             invalid={"concentration1": 0.0, "concentration0": 1.0}, rtol=1e-6),
    DistCase("ExpGamma", ExpGamma, {"concentration": np.array([0.5, 2.0, 9.0]), "rate": np.array([1.0, 3.0, 0.5])},
             points=np.array([-1.5, 0.3, 2.5]),
             scipy=lambda concentration, rate: st.loggamma(concentration, loc=-np.log(rate)),
             checks=("log_prob", "cdf", "mean", "variance", "stddev", "entropy", "quantile", "survival_function"),
             invalid={"concentration": 0.0, "rate": 1.0}),
    DistCase("ExpGamma log_rate", ExpGamma, {"concentration": np.array([0.7, 4.0]), "log_rate": np.array([0.5, -1.0])},
             points=np.array([-2.0, 1.0]),
             scipy=lambda concentration, log_rate: st.loggamma(concentration, loc=-log_rate),
             checks=("log_prob", "cdf", "mean", "variance", "entropy", "quantile")),
    DistCase("VonMisesFisher", VonMisesFisher, {"mean_direction": _VMF_MU, "concentration": np.array([3.0, 0.4])},
             points=np.array([0.0, 0.6, 0.8]), ref={m: _vmf_ref(m) for m in ("log_prob", "entropy")},
             checks=("log_prob", "entropy"), sample_test=None, grad_order=1, grad_params=("concentration",),
             invalid={"mean_direction": _VMF_MU[0], "concentration": -1.0}),
    DistCase("SphericalUniform", SphericalUniform, {}, points=np.array([0.0, 0.6, 0.8]),
             fixed={"dimension": 3, "batch_shape": [2], "dtype": np.float64},
             ref={"log_prob": lambda p, x: np.full(2, -np.log(4 * np.pi)), "entropy": np.full(2, np.log(4 * np.pi)),
                  "mean": np.zeros((2, 3))},
             checks=("log_prob", "entropy", "mean"), sample_test=None),
    DistCase("Chi2", Chi2, {"df": np.array([0.7, 2.0, 9.0])}, points=np.array([0.3, 2.5, 12.0]),
             scipy=lambda df: st.chi2(df),
             checks=("log_prob", "cdf", "mean", "variance", "stddev", "entropy", "quantile", "survival_function"),
             invalid={"df": 0.0}),
    DistCase("Chi", Chi, {"df": np.array([0.7, 2.0, 9.0])}, points=np.array([0.3, 1.5, 3.5]),
             scipy=lambda df: st.chi(df),
             checks=("log_prob", "cdf", "mean", "variance", "stddev", "entropy", "quantile", "survival_function"),
             invalid={"df": -1.0}),
    DistCase("HalfStudentT", HalfStudentT,
             {"df": np.array([2.5, 4.0, 30.0]), "loc": np.array([0.0, 1.0, -1.0]), "scale": np.array([1.0, 2.0, 0.5])},
             points=np.array([0.3, 5.0, -0.2]),
             scipy=lambda df, loc, scale: _HALF_T(df, loc=loc, scale=scale),
             checks=("log_prob", "cdf", "mean", "variance", "stddev", "entropy", "quantile", "survival_function"),
             invalid={"df": 0.0, "loc": 0.0, "scale": 1.0}),
    DistCase("InverseGaussian", InverseGaussian,
             {"loc": np.array([1.0, 0.5, 3.0]), "concentration": np.array([1.0, 4.0, 0.7])},
             points=np.array([0.4, 0.6, 9.0]),
             scipy=lambda loc, concentration: st.invgauss(loc / concentration, scale=concentration),
             checks=("log_prob", "cdf", "mean", "variance", "stddev", "survival_function"),
             invalid={"loc": -1.0, "concentration": 1.0}),
    DistCase("GeneralizedNormal", GeneralizedNormal,
             {"loc": np.array([0.0, 1.0, -1.0]), "scale": np.array([1.0, 2.0, 0.5]), "power": np.array([0.8, 2.0, 5.0])},
             points=np.array([0.3, -2.0, -0.9]),
             scipy=lambda loc, scale, power: st.gennorm(power, loc=loc, scale=scale),
             checks=ALL_TAILS[:7] + ("survival_function",),
             invalid={"loc": 0.0, "scale": 1.0, "power": 0.0}),
    DistCase("TruncatedNormal", TruncatedNormal,
             {"loc": np.array([0.0, 1.0, -1.0, 0.5]), "scale": np.array([1.0, 2.0, 0.5, 1.0]),
              "low": np.array([-1.0, 2.0, 1.5, -5.0]), "high": np.array([1.0, 6.0, 2.5, 0.0])},
             points=np.array([0.3, 3.0, 1.6, -1.0]),
             scipy=_truncnorm,
             ref={"entropy": _entropy_by_quadrature(_truncnorm, "low", "high")},
             checks=ALL_TAILS[:7] + ("survival_function",),
             invalid={"loc": 0.0, "scale": 1.0, "low": 2.0, "high": 1.0}),
    DistCase("BetaBinomial", BetaBinomial,
             {"total_count": np.array([5.0, 10.0, 1.0]), "concentration1": np.array([0.5, 2.0, 3.0]),
              "concentration0": np.array([0.7, 3.0, 1.2])},
             points=np.array([2.0, 7.0, 1.0]),
             scipy=lambda total_count, concentration1, concentration0: st.betabinom(
                 total_count, concentration1, concentration0),
             discrete=True, checks=("log_prob", "mean", "variance", "stddev"), sample_test="moments",
             grad_params=("concentration1", "concentration0"),
             invalid={"total_count": 1.5, "concentration1": 1.0, "concentration0": 1.0}),
    DistCase("DirichletMultinomial", DirichletMultinomial,
             {"total_count": np.array([4.0, 10.0]), "concentration": np.array([[0.5, 1.0, 2.0], [3.0, 0.2, 1.0]])},
             points=np.array([[1.0, 2.0, 1.0], [5.0, 0.0, 5.0]]),
             ref={"log_prob": _dirichlet_multinomial("log_prob"), "mean": _dirichlet_multinomial("mean"),
                  "variance": _dirichlet_multinomial("variance")},
             discrete=True, checks=("log_prob", "mean", "variance"), sample_test="moments",
             grad_params=("concentration",),
             invalid={"total_count": -1.0, "concentration": [1.0, 0.0]}),
    DistCase("ZeroInflatedNegativeBinomial", ZeroInflatedNegativeBinomial,
             {"inflated_loc_probs": np.array([0.3, 0.0, 0.8]), "total_count": np.array([2.0, 5.0, 1.0]),
              "probs": np.array([0.3, 0.6, 0.8])},
             points=np.array([0.0, 4.0, 2.0]),
             ref={"log_prob": _zinb_pmf, "cdf": _zinb_cdf, "mean": lambda p, x: _zinb_moments(p, x)[0],
                  "variance": lambda p, x: _zinb_moments(p, x)[1]},
             discrete=True, checks=("log_prob", "cdf", "mean", "variance"), sample_test="moments",
             grad_params=("probs",),
             invalid={"inflated_loc_probs": 1.5, "total_count": 1.0, "probs": 0.5}),
    DistCase("ZeroInflatedNegativeBinomial logits", ZeroInflatedNegativeBinomial,
             {"inflated_loc_logits": np.array([-1.0, 2.0]), "total_count": np.array([3.0]),
              "probs": np.array([0.4, 0.7])},
             points=np.array([0.0, 3.0]),
             ref={"log_prob": _zinb_pmf, "cdf": _zinb_cdf, "mean": lambda p, x: _zinb_moments(p, x)[0],
                  "variance": lambda p, x: _zinb_moments(p, x)[1]},
             discrete=True, checks=("log_prob", "cdf", "mean", "variance"), sample_test="moments"),
    DistCase("RelaxedBernoulli logits", RelaxedBernoulli,
             {"temperature": np.array([0.5, 1.0, 3.0]), "logits": np.array([-1.0, 0.5, 2.0])},
             points=np.array([0.1, 0.6, 0.97]),
             scipy=lambda temperature, logits: _RELAXED_BERNOULLI(temperature, logits),
             checks=("log_prob", "cdf", "log_cdf", "survival_function"),
             invalid={"temperature": 0.0, "logits": 0.0}),
    DistCase("RelaxedBernoulli probs", RelaxedBernoulli,
             {"temperature": np.array([0.7, 2.0]), "probs": np.array([0.2, 0.9])},
             points=np.array([0.3, 0.8]),
             scipy=lambda temperature, probs: _RELAXED_BERNOULLI(temperature, np.log(probs) - np.log1p(-probs)),
             checks=("log_prob", "cdf"), invalid={"temperature": 1.0, "probs": 1.5}),
    DistCase("ExpRelaxedOneHotCategorical", ExpRelaxedOneHotCategorical,
             {"temperature": np.array([0.5, 2.0]), "logits": np.array([[0.0, 1.0, -1.0], [2.0, 0.3, 0.1]])},
             points=np.log(np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]])),
             ref={"log_prob": lambda p, x: _concrete_log_density(p, x, True)},
             checks=("log_prob",), sample_test=None, invalid={"temperature": -1.0, "logits": [0.0, 1.0]}),
    DistCase("RelaxedOneHotCategorical", RelaxedOneHotCategorical,
             {"temperature": np.array([0.5, 2.0]), "probs": np.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]])},
             points=np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]]),
             ref={"log_prob": lambda p, x: _concrete_log_density(p, x, False)},
             checks=("log_prob",), sample_test=None, invalid={"temperature": 1.0, "probs": [0.5, 0.6]}),
    DistCase("VonMises", VonMises, {"loc": np.array([0.0, 1.0, -2.0]), "concentration": np.array([0.5, 4.0, 30.0])},
             points=np.array([0.3, 2.5, -2.05]),
             scipy=lambda loc, concentration: st.vonmises(concentration, loc=loc),
             ref={"mean": lambda p, x: p["loc"],
                  "variance": lambda p, x: 1 - sp.i1e(p["concentration"]) / sp.i0e(p["concentration"])},
             checks=("log_prob", "cdf", "entropy", "mean", "variance"),
             # the rejection sampler's draws are not F^-1(u) at fixed noise: finite differences of
             # samples in concentration do not follow the implicit gradient (tested separately)
             grad_params=("loc",),
             invalid={"loc": 0.0, "concentration": -1.0}),
    DistCase("MultivariateNormalDiagPlusLowRank", MultivariateNormalDiagPlusLowRank,
             {"loc": np.array([[0.0, 1.0, 0.0], [1.0, 1.0, -1.0]]), "scale_diag": np.array([[1.0, 2.0, 0.5], [0.7, 1.0, 1.5]]),
              "scale_perturb_factor": np.array([[[0.5, 0.1], [-0.3, 0.2], [0.4, 1.0]], [[1.0, 0.0], [0.2, -0.5], [0.0, 0.3]]]),
              "scale_perturb_diag": np.array([[1.0, 0.5], [2.0, 0.3]])},
             points=np.array([0.4, 0.4, -0.2]),
             ref={m: _mvn_ref(m) for m in ("log_prob", "mean", "entropy", "covariance", "variance")},
             checks=("log_prob", "mean", "entropy", "covariance", "variance"), sample_test="moments"),
    DistCase("SinhArcsinh", SinhArcsinh,
             {"loc": np.array([0.0, 1.0, -1.0]), "scale": np.array([1.0, 2.0, 0.5]),
              "skewness": np.array([0.0, 0.5, -1.0]), "tailweight": np.array([1.0, 1.5, 0.7])},
             points=np.array([0.3, 4.0, -1.5]),
             scipy=lambda loc, scale, skewness, tailweight: _SINH_ARCSINH(loc, scale, skewness, tailweight),
             checks=("log_prob", "cdf", "survival_function", "quantile"), rtol=1e-6,
             invalid={"loc": 0.0, "scale": -1.0, "skewness": 0.0, "tailweight": 1.0}),
    DistCase("LKJ", LKJ, {"concentration": np.array([0.7, 1.0, 3.0])},
             points=np.array([[1.0, 0.3], [0.3, 1.0]]), fixed={"dimension": 2},
             ref={"log_prob": _lkj2_log_prob, "mean": lambda p, x: np.broadcast_to(np.eye(2), (3, 2, 2))},
             checks=("log_prob", "mean"), sample_test=None, invalid={"concentration": 0.0}),
    DistCase("CholeskyLKJ", CholeskyLKJ, {"concentration": np.array([0.7, 1.0, 3.0])},
             points=np.linalg.cholesky(_CORR3), fixed={"dimension": 3},
             ref={"log_prob": _cholesky_lkj3_log_prob}, checks=("log_prob",), sample_test=None,
             invalid={"concentration": -1.0}),
    DistCase("WishartTriL", WishartTriL,
             {"df": np.array([4.5, 7.0]),
              "scale_tril": np.array([[[1.0, 0, 0], [0.5, 2, 0], [-0.3, 0.2, 0.7]],
                                      [[2.0, 0, 0], [0.1, 1, 0], [0.3, -0.4, 1.5]]])},
             points=_WISHART_X,
             ref={m: _wishart(m) for m in ("log_prob", "mean", "variance", "entropy")},
             checks=("log_prob", "mean", "variance", "entropy"), sample_test="moments",
             invalid={"df": 1.0, "scale_tril": np.eye(3)}),
    DistCase("Horseshoe", Horseshoe, {"scale": np.array([1.0, 0.3, 5.0])},
             points=np.array([0.7, 2.0, 0.01]),
             ref={"log_prob": _horseshoe_log_prob, "mode": lambda p, x: np.zeros(3),
                  "mean": lambda p, x: np.zeros(3)},   # TFP's mean is 0 (the integral diverges)
             checks=("log_prob", "mode", "mean"), sample_test=None, rtol=1e-8,
             invalid={"scale": 0.0}),
]
