"""Families built on wb.linalg.LinearOperator (MultivariateNormalLinearOperator,
MultivariateStudentTLinearOperator; references from scipy.stats.multivariate_normal /
multivariate_t, member by member) and Autoregressive (against the chain of conditionals
computed by hand)."""

import numpy as np
import scipy.stats as st

import workbench as wb
from probability.distributions import (Autoregressive, Independent, MultivariateNormalLinearOperator,
                                       MultivariateStudentTLinearOperator, Normal)

from .glue import BuiltCase

la = wb.linalg


def _members(params, x, dense):
    """Broadcast loc/df/scale matrix (and ``x`` when given) over the batch: lists per member."""
    loc, s = params["loc"] if "loc" in params else np.zeros(dense.shape[-1]), dense
    df = params.get("df", np.array(np.inf))
    batch = np.broadcast_shapes(loc.shape[:-1], s.shape[:-2], np.shape(df), () if x is None else x.shape[:-1])
    k = s.shape[-1]
    loc = np.broadcast_to(loc, batch + (k,)).reshape(-1, k)
    s = np.broadcast_to(s, batch + (k, k)).reshape(-1, k, k)
    df = np.broadcast_to(df, batch).reshape(-1)
    xs = None if x is None else np.broadcast_to(x, batch + (k,)).reshape(-1, k)
    return batch, loc, s, df, xs


def _ref(dense_of, method):
    """``method`` of scipy's multivariate normal (no ``df`` parameter) or t, member by member."""
    def ref(params, x):
        batch, loc, s, df, xs = _members(params, x if method == "log_prob" else None, dense_of(params))
        out = []
        for i in range(len(loc)):
            cov = s[i] @ s[i].T
            if np.isinf(df[i]):
                f = st.multivariate_normal(loc[i], cov)
                val = {"log_prob": lambda: f.logpdf(xs[i]), "entropy": f.entropy, "mean": lambda: f.mean,
                       "covariance": lambda: f.cov, "variance": lambda: np.diag(f.cov)}[method]()
            else:
                f = st.multivariate_t(loc[i], cov, df=df[i])
                # TFP's convention: every entry is inf for 1 < df <= 2 (off the diagonal too), NaN for df <= 1
                factor = df[i] / (df[i] - 2) if df[i] > 2 else (np.inf if df[i] > 1 else np.nan)
                cov = cov if df[i] > 2 else np.ones_like(cov)
                val = {"log_prob": lambda: f.logpdf(xs[i]), "entropy": f.entropy,
                       "mean": lambda: loc[i] if df[i] > 1 else np.full(len(loc[i]), np.nan),
                       "covariance": lambda: factor * cov, "variance": lambda: factor * np.diag(cov)}[method]()
            out.append(val)
        return np.asarray(out).reshape(batch + np.shape(out[0]))
    return ref


def _refs(dense_of, methods=("log_prob", "entropy", "mean", "covariance", "variance")):
    return {m: _ref(dense_of, m) for m in methods}


def _lru(diag, u):
    return np.apply_along_axis(np.diag, -1, diag) + u @ np.swapaxes(u, -1, -2)


TRIL = np.array([[[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.2, 0.7]],
                 [[0.6, 9.0, 9.0], [0.0, 1.1, 9.0], [0.9, -0.4, 1.5]]])   # the 9s lie above the diagonal: ignored
FULL = np.array([[1.2, 0.4, -0.3], [-0.5, 0.9, 0.2], [0.3, 0.1, 1.4]])
U = np.array([[0.8], [-0.4], [0.5]])
CHECKS = ("log_prob", "mean", "variance", "covariance", "entropy")


def _mvn_tril(loc, scale_tril):
    return MultivariateNormalLinearOperator(loc, la.LinearOperatorLowerTriangular(scale_tril))


def _mvn_lru(loc, diag, u):
    return MultivariateNormalLinearOperator(loc, la.LinearOperatorLowRankUpdate(
        la.LinearOperatorDiag(diag, is_positive_definite=True), u))


def _mvn_diag(scale_diag):
    return MultivariateNormalLinearOperator(scale=la.LinearOperatorDiag(scale_diag))


def _mvn_full(loc, matrix):
    return MultivariateNormalLinearOperator(loc, la.LinearOperatorFullMatrix(matrix))


def _mvst_diag(df, loc, scale_diag):
    return MultivariateStudentTLinearOperator(df, loc, la.LinearOperatorDiag(scale_diag))


def _mvst_tril(df, loc, scale_tril):
    return MultivariateStudentTLinearOperator(df, loc, la.LinearOperatorLowerTriangular(scale_tril))


# Autoregressive: x[0] ~ N(0, s), x[i] ~ N(w x[i-1], s (1 + x[i-1]^2 / 4)): the scale depends on
# the past too, so log_prob differentiates through distribution_fn
def _ar_fn(w, s):
    def fn(x):
        prev = wb.concat([wb.zeros_like(x[..., :1]), x[..., :-1]], axis=-1)
        return Independent(Normal(w * prev, s * (1.0 + 0.25 * wb.square(prev))), 1)
    return fn


def _ar(w, s):
    return Autoregressive(_ar_fn(w, s), sample0=wb.zeros([4], dtype=w.dtype))


def _ar_log_prob(params, x):
    w, s = params["w"], params["s"]
    prev = np.concatenate([np.zeros(x.shape[:-1] + (1,)), x[..., :-1]], axis=-1)
    return st.norm(w * prev, s * (1.0 + 0.25 * prev ** 2)).logpdf(x).sum(-1)


CASES = [
    BuiltCase("MultivariateNormalLinearOperator tril", MultivariateNormalLinearOperator,
              {"loc": np.array([0.5, -1.0, 2.0]), "scale_tril": TRIL},
              points=np.array([[0.0, 0.0, 1.0], [1.0, -2.0, 3.0]]), checks=CHECKS, sample_test="moments",
              ref=_refs(lambda p: np.tril(p["scale_tril"])), build=_mvn_tril),
    BuiltCase("MultivariateNormalLinearOperator low-rank update", MultivariateNormalLinearOperator,
              {"loc": np.array([[0.0, 1.0, -1.0], [2.0, 0.5, 0.0]]), "diag": np.array([1.0, 0.5, 2.0]), "u": U},
              points=np.array([0.3, 1.2, -2.0]), checks=CHECKS, sample_test="moments",
              ref=_refs(lambda p: _lru(p["diag"], p["u"])), build=_mvn_lru),
    BuiltCase("MultivariateNormalLinearOperator diag no loc", MultivariateNormalLinearOperator,
              {"scale_diag": np.array([[1.5, 0.2], [0.7, 3.0]])}, points=np.array([[0.1, -0.4]]),
              checks=CHECKS, sample_test="moments",
              ref=_refs(lambda p: np.apply_along_axis(np.diag, -1, p["scale_diag"])), build=_mvn_diag),
    BuiltCase("MultivariateNormalLinearOperator full matrix", MultivariateNormalLinearOperator,
              {"loc": np.array([0.4, 0.4, -0.2]), "matrix": FULL}, points=np.array([[0.0, 1.0, 0.0], [1.0, 1.0, -1.0]]),
              checks=CHECKS, sample_test="moments", ref=_refs(lambda p: p["matrix"]), build=_mvn_full),
    BuiltCase("MultivariateStudentTLinearOperator diag", MultivariateStudentTLinearOperator,
              {"df": np.array([5.0, 9.0]), "loc": np.array([0.5, -1.0, 2.0]), "scale_diag": np.array([1.0, 0.5, 2.0])},
              points=np.array([[0.0, 0.0, 1.0], [1.0, -2.0, 3.0]]), checks=CHECKS, sample_test="moments",
              ref=_refs(lambda p: np.apply_along_axis(np.diag, -1, p["scale_diag"])), build=_mvst_diag,
              invalid={"df": -1.0, "loc": [0.0, 0.0, 0.0]},
              fixed={"scale": la.LinearOperatorDiag(wb.constant(np.ones(3)))}),
    BuiltCase("MultivariateStudentTLinearOperator tril small df", MultivariateStudentTLinearOperator,
              {"df": np.array([[0.8], [1.5], [3.0]]), "loc": np.array([0.0, 1.0, -1.0]), "scale_tril": TRIL},
              points=np.array([0.3, 0.2, 0.1]), checks=CHECKS, sample_test=None,
              ref=_refs(lambda p: np.tril(p["scale_tril"])), build=_mvst_tril),
    BuiltCase("Autoregressive", Autoregressive, {"w": np.array(0.8), "s": np.array(1.3)},
              points=np.array([[0.2, -0.5, 1.0, 0.4], [1.5, 1.0, 0.3, -2.0]]), checks=("log_prob",),
              sample_test=None, ref={"log_prob": _ar_log_prob}, build=_ar),
]
