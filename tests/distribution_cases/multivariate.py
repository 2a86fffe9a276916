"""Multivariate families: Dirichlet, MultivariateNormalDiag / TriL / FullCovariance, Empirical
(references from scipy.stats, batch member by batch member)."""

import numpy as np
import scipy.stats as st

from probability.distributions import (Dirichlet, Empirical, MultivariateNormalDiag,
                                       MultivariateNormalFullCovariance, MultivariateNormalTriL)

from . import DistCase


def _per_member(frozen_of, method, points=True):
    """A ref callable: ``method`` of ``frozen_of(member params)`` for each batch member."""
    def ref(params, x):
        loc, cov = frozen_of(params)
        batch = np.broadcast_shapes(loc.shape[:-1], cov.shape[:-2], x.shape[:-1] if points else ())
        loc = np.broadcast_to(loc, batch + loc.shape[-1:]).reshape(-1, loc.shape[-1])
        cov = np.broadcast_to(cov, batch + cov.shape[-2:]).reshape((-1,) + cov.shape[-2:])
        xs = np.broadcast_to(x, batch + x.shape[-1:]).reshape(-1, x.shape[-1])
        out = [method(st.multivariate_normal(loc[i], cov[i]), xs[i]) for i in range(len(loc))]
        return np.asarray(out).reshape(batch + np.shape(out[0]))
    return ref


def _mvn_refs(cov_of):
    def frozen_of(params):
        return params.get("loc", np.zeros(cov_of(params).shape[-1])), cov_of(params)
    return {"log_prob": _per_member(frozen_of, lambda f, x: f.logpdf(x)),
            "entropy": _per_member(frozen_of, lambda f, x: f.entropy(), points=False),
            "mean": _per_member(frozen_of, lambda f, x: f.mean, points=False),
            "covariance": _per_member(frozen_of, lambda f, x: f.cov, points=False),
            "variance": _per_member(frozen_of, lambda f, x: np.diag(f.cov), points=False)}


def _tril_cov(params):
    l = np.tril(params["scale_tril"])
    return l @ np.swapaxes(l, -1, -2)


def _dirichlet(method):
    def ref(params, x):
        a = params["concentration"]
        batch = np.broadcast_shapes(a.shape[:-1], x.shape[:-1]) if method == "log_prob" else a.shape[:-1]
        flat_a = np.broadcast_to(a, batch + a.shape[-1:]).reshape(-1, a.shape[-1])
        flat_x = np.broadcast_to(x, batch + x.shape[-1:]).reshape(-1, x.shape[-1]) if method == "log_prob" else None
        out = []
        for i, ai in enumerate(flat_a):
            d = st.dirichlet(ai)
            out.append({"log_prob": lambda: d.logpdf(flat_x[i]), "mean": d.mean, "variance": d.var,
                        "entropy": d.entropy, "covariance": d.cov}[method]())
        return np.asarray(out).reshape(batch + np.shape(out[0]))
    return ref


def _empirical(method):
    def ref(params, x):
        s = params["samples"]
        if method == "log_prob":
            return np.log(np.mean(s == np.asarray(x)[..., None], axis=-1))
        if method == "cdf":
            return np.mean(s <= np.asarray(x)[..., None], axis=-1)
        if method == "entropy":
            out = []
            for row in s.reshape(-1, s.shape[-1]):
                f = np.unique(row, return_counts=True)[1] / len(row)
                out.append(-np.sum(f * np.log(f)))
            return np.reshape(out, s.shape[:-1])
        return {"mean": np.mean, "variance": np.var, "stddev": np.std}[method](s, axis=-1)
    return ref


_MVN_CHECKS = ("log_prob", "mean", "variance", "covariance", "entropy")
TRIL = np.array([[[1.0, 0.0, 0.0], [0.5, 2.0, 0.0], [-0.3, 0.2, 0.7]],
                 [[0.6, 0.0, 0.0], [0.0, 1.1, 0.0], [0.9, -0.4, 1.5]]])
COV = np.array([[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 0.8]])

CASES = [
    DistCase("MultivariateNormalDiag", MultivariateNormalDiag,
             {"loc": np.array([[0.0, 1.0, -1.0], [2.0, 0.5, 0.0]]), "scale_diag": np.array([1.0, 0.5, 2.0])},
             points=np.array([0.3, 1.2, -2.0]),
             ref=_mvn_refs(lambda p: np.apply_along_axis(np.diag, -1, np.square(p["scale_diag"]))),
             checks=_MVN_CHECKS, sample_test="moments", invalid={"loc": [0.0], "scale_diag": [0.0]}),
    DistCase("MultivariateNormalDiag scale only", MultivariateNormalDiag,
             {"scale_diag": np.array([[1.5, 0.2], [0.7, 3.0]])}, points=np.array([[0.1, -0.4]]),
             ref=_mvn_refs(lambda p: np.apply_along_axis(np.diag, -1, np.square(p["scale_diag"]))),
             checks=_MVN_CHECKS, sample_test="moments"),
    DistCase("MultivariateNormalTriL", MultivariateNormalTriL,
             {"loc": np.array([0.5, -1.0, 2.0]), "scale_tril": TRIL},
             points=np.array([[0.0, 0.0, 1.0], [1.0, -2.0, 3.0]]), ref=_mvn_refs(_tril_cov),
             checks=_MVN_CHECKS, sample_test="moments",
             invalid={"loc": [0.0, 0.0], "scale_tril": [[1.0, 0.0], [0.5, -1.0]]}),
    DistCase("MultivariateNormalFullCovariance", MultivariateNormalFullCovariance,
             {"loc": np.array([[0.0, 1.0, 0.0], [1.0, 1.0, -1.0]]), "covariance_matrix": COV},
             points=np.array([0.4, 0.4, -0.2]), ref=_mvn_refs(lambda p: p["covariance_matrix"]),
             checks=_MVN_CHECKS, sample_test="moments",
             invalid={"loc": [0.0, 0.0], "covariance_matrix": [[1.0, 2.0], [2.0, 1.0]]}),
    DistCase("Dirichlet", Dirichlet, {"concentration": np.array([[1.0, 2.0, 3.0], [0.5, 0.7, 4.0]])},
             points=np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]),
             ref={m: _dirichlet(m) for m in ("log_prob", "mean", "variance", "entropy", "covariance")},
             checks=("log_prob", "mean", "variance", "entropy", "covariance"), sample_test="moments",
             invalid={"concentration": [1.0, -1.0]}),
    DistCase("Dirichlet broadcast", Dirichlet, {"concentration": np.array([2.0, 0.3])},
             points=np.array([[0.4, 0.6], [0.99, 0.01]]),
             ref={m: _dirichlet(m) for m in ("log_prob", "mean", "variance", "entropy")},
             checks=("log_prob", "mean", "variance", "entropy"), sample_test="moments"),
    DistCase("Empirical", Empirical, {"samples": np.array([[0.0, 1.0, 1.0, 2.0, 5.0], [3.0, 3.0, 3.0, 1.0, 0.5]])},
             points=np.array([1.0, 3.0]),
             ref={m: _empirical(m) for m in ("log_prob", "cdf", "mean", "variance", "stddev", "entropy")},
             checks=("log_prob", "cdf", "mean", "variance", "stddev", "entropy"), sample_test="moments",
             grad_params=()),
    DistCase("Empirical vector events", Empirical,
             {"samples": np.array([[[0.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 2.0]],
                                   [[0.5, 0.5], [2.0, 1.0], [0.5, 0.5], [0.5, 0.5]]])},
             fixed={"event_ndims": 1}, points=np.array([[0.0, 1.0], [0.5, 0.5]]),
             ref={"log_prob": np.log([0.5, 0.75]), "cdf": np.array([0.75, 0.75]),
                  "mean": np.array([[0.25, 1.0], [0.875, 0.625]])},
             checks=("log_prob", "cdf", "mean"), sample_test="moments", grad_params=()),
]
