"""Discrete families: Bernoulli, Categorical, OneHotCategorical, Poisson, Binomial,
NegativeBinomial, Geometric, Multinomial (references from scipy.stats)."""

import numpy as np
import scipy.special as sp
import scipy.stats as st

from probability.distributions import (Bernoulli, Binomial, Categorical, Geometric, Multinomial,
                                       NegativeBinomial, OneHotCategorical, Poisson, Skellam)

from . import DistCase

_MOMENTS = ("log_prob", "cdf", "mean", "variance", "stddev")


def _class_probs(params):
    return params["probs"] if "probs" in params else sp.softmax(params["logits"], axis=-1)


def _pick(table, x):
    """``table[..., x]`` with ``x`` broadcasting against the batch."""
    k = np.asarray(x, int)
    shape = np.broadcast_shapes(k.shape, table.shape[:-1])
    table = np.broadcast_to(table, shape + table.shape[-1:])
    return np.take_along_axis(table, np.broadcast_to(k, shape)[..., None], axis=-1)[..., 0]


def _categorical_log_prob(params, x):
    return np.log(_pick(_class_probs(params), x))


def _categorical_cdf(params, x):
    return _pick(np.cumsum(_class_probs(params), axis=-1), x)


def _class_entropy(params, x=None):
    p = _class_probs(params)
    return -np.sum(sp.xlogy(p, p), axis=-1)


def _multinomial(method):
    def ref(params, x):
        n, p = np.broadcast_arrays(params["total_count"][..., None], _class_probs(params))
        n = n[..., 0]
        if method == "log_prob":
            return np.array([st.multinomial(n[i], p[i]).logpmf(x[i]) for i in range(len(n))])
        if method == "mean":
            return n[..., None] * p
        return n[..., None] * p * (1 - p)
    return ref


LOGITS3 = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.4]])
PROBS3 = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])

CASES = [
    DistCase("Bernoulli probs", Bernoulli, {"probs": np.array([0.2, 0.5, 0.9])},
             points=np.array([0.0, 1.0, 1.0]), scipy=lambda probs: st.bernoulli(probs), discrete=True,
             checks=_MOMENTS + ("entropy",), sample_test="moments", invalid={"probs": 1.5}),
    DistCase("Bernoulli logits", Bernoulli, {"logits": np.array([[-1.0], [0.5], [3.0]])},
             points=np.array([0.0, 1.0]), scipy=lambda logits: st.bernoulli(sp.expit(logits)),
             discrete=True, checks=_MOMENTS + ("entropy",), sample_test="moments"),
    DistCase("Categorical logits", Categorical, {"logits": LOGITS3}, points=np.array([[2.0, 0.0], [1.0, 1.0]]),
             ref={"log_prob": _categorical_log_prob, "cdf": _categorical_cdf, "entropy": _class_entropy},
             discrete=True, checks=("log_prob", "cdf", "entropy"), sample_test=None),
    DistCase("Categorical probs", Categorical, {"probs": PROBS3}, points=np.array([0.0, 2.0]),
             ref={"log_prob": _categorical_log_prob, "cdf": _categorical_cdf, "entropy": _class_entropy},
             discrete=True, checks=("log_prob", "cdf", "entropy"), sample_test=None,
             invalid={"probs": [0.5, 0.6]}),
    DistCase("OneHotCategorical logits", OneHotCategorical, {"logits": LOGITS3},
             points=np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),
             ref={"log_prob": lambda p, x: np.sum(x * sp.log_softmax(p["logits"], -1), -1),
                  "mean": lambda p, x: _class_probs(p),
                  "variance": lambda p, x: _class_probs(p) * (1 - _class_probs(p)),
                  "entropy": _class_entropy},
             discrete=True, checks=("log_prob", "mean", "variance", "entropy"), sample_test="moments"),
    DistCase("OneHotCategorical probs", OneHotCategorical, {"probs": PROBS3},
             points=np.array([[0.0, 1.0, 0.0]]),
             ref={"log_prob": lambda p, x: np.sum(x * np.log(p["probs"]), -1), "entropy": _class_entropy},
             discrete=True, checks=("log_prob", "entropy"), sample_test="moments",
             invalid={"probs": [-0.1, 1.1]}),
    DistCase("Skellam", Skellam, {"rate1": np.array([4.0, 0.5, 30.0]), "rate2": np.array([2.0, 3.0, 25.0])},
             points=np.array([-3.0, 1.0, 7.0]), scipy=lambda rate1, rate2: st.skellam(rate1, rate2), discrete=True,
             checks=("log_prob", "mean", "variance", "stddev"), sample_test="moments", grad_order=1,
             invalid={"rate1": -1.0, "rate2": 1.0}),
    DistCase("Skellam log rates", Skellam, {"log_rate1": np.array([1.0, -2.0]), "log_rate2": np.array([0.5, 0.0])},
             points=np.array([0.0, -2.0]), scipy=lambda log_rate1, log_rate2: st.skellam(np.exp(log_rate1),
                                                                                        np.exp(log_rate2)),
             discrete=True, checks=("log_prob", "mean", "variance"), sample_test="moments", grad_order=1),
    DistCase("Poisson rate", Poisson, {"rate": np.array([0.5, 3.0, 20.0])},
             points=np.array([0.0, 2.0, 25.0]), scipy=lambda rate: st.poisson(rate), discrete=True,
             checks=_MOMENTS, sample_test="moments", invalid={"rate": -1.0}),
    DistCase("Poisson log_rate", Poisson, {"log_rate": np.array([[-1.0], [2.0]])},
             points=np.array([1.0, 4.0, 9.0]), scipy=lambda log_rate: st.poisson(np.exp(log_rate)),
             discrete=True, checks=_MOMENTS, sample_test="moments"),
    DistCase("Binomial probs", Binomial,
             {"total_count": np.array([5.0, 10.0, 3.0]), "probs": np.array([0.3, 0.5, 0.9])},
             points=np.array([2.0, 10.0, 0.0]), scipy=lambda total_count, probs: st.binom(total_count, probs),
             discrete=True, checks=_MOMENTS, sample_test="moments",
             invalid={"total_count": 2.5, "probs": 0.5}),
    DistCase("Binomial logits", Binomial, {"total_count": np.array(7.0), "logits": np.array([-2.0, 0.4])},
             points=np.array([1.0, 5.0]),
             scipy=lambda total_count, logits: st.binom(total_count, sp.expit(logits)),
             discrete=True, checks=_MOMENTS, sample_test="moments", grad_params=("logits",)),
    DistCase("NegativeBinomial probs", NegativeBinomial,
             {"total_count": np.array([2.0, 5.0, 1.0]), "probs": np.array([0.3, 0.6, 0.8])},
             points=np.array([0.0, 4.0, 11.0]),
             scipy=lambda total_count, probs: st.nbinom(total_count, 1 - probs),
             discrete=True, checks=_MOMENTS, sample_test="moments",
             invalid={"total_count": -1.0, "probs": 0.5}),
    DistCase("NegativeBinomial logits", NegativeBinomial,
             {"total_count": np.array([3.0]), "logits": np.array([-1.0, 1.2])},
             points=np.array([2.0, 6.0]),
             scipy=lambda total_count, logits: st.nbinom(total_count, sp.expit(-logits)),
             discrete=True, checks=_MOMENTS, sample_test="moments"),
    DistCase("Geometric probs", Geometric, {"probs": np.array([0.1, 0.5, 0.95])},
             points=np.array([3.0, 0.0, 0.0]), scipy=lambda probs: st.geom(probs, loc=-1), discrete=True,
             checks=_MOMENTS + ("entropy",), sample_test="moments", invalid={"probs": 0.0}),
    DistCase("Geometric logits", Geometric, {"logits": np.array([-2.0, 0.0, 3.0])},
             points=np.array([7.0, 1.0, 0.0]), scipy=lambda logits: st.geom(sp.expit(logits), loc=-1),
             discrete=True, checks=_MOMENTS + ("entropy",), sample_test="moments"),
    DistCase("Multinomial probs", Multinomial, {"total_count": np.array([4.0, 10.0]), "probs": PROBS3},
             points=np.array([[1.0, 2.0, 1.0], [5.0, 0.0, 5.0]]),
             ref={"log_prob": _multinomial("log_prob"), "mean": _multinomial("mean"),
                  "variance": _multinomial("variance")},
             discrete=True, checks=("log_prob", "mean", "variance"), sample_test="moments",
             invalid={"total_count": -2.0, "probs": [0.2, 0.8]}),
    DistCase("Multinomial logits", Multinomial, {"total_count": np.array([6.0, 3.0]), "logits": LOGITS3},
             points=np.array([[0.0, 0.0, 6.0], [1.0, 1.0, 1.0]]),
             ref={"log_prob": _multinomial("log_prob"), "mean": _multinomial("mean"),
                  "variance": _multinomial("variance")},
             discrete=True, checks=("log_prob", "mean", "variance"), sample_test="moments",
             grad_params=("logits",)),
]
