"""Structured and time-series families (HiddenMarkovModel, ...): references by brute-force
enumeration of the hidden paths, or from the equivalent dense multivariate normal, in NumPy."""

import itertools

import numpy as np
import scipy.stats as st
from scipy.special import log_softmax, logsumexp

import workbench as wb
from probability.distributions import (BatchConcat, Blockwise, Categorical, Gamma, HiddenMarkovModel, Independent,
                                       LinearGaussianStateSpaceModel, MarkovChain, MultivariateNormalDiag, Normal,
                                       Poisson, StudentTProcessRegressionModel)
from probability.math import psd_kernels as tfpk

from .glue import GP_PARAMS, GP_X, GP_Y, OBS_X, OBS_Y, BuiltCase, _eq, _mvn_refs

# -- HiddenMarkovModel: two batch members, three states, four steps, Normal observations
HMM_PARAMS = {"initial_logits": np.array([[0.4, -0.2, -1.0], [0.0, 0.3, -0.5]]),
              "transition_logits": np.array([[1.2, 0.1, -0.6], [-0.4, 1.5, 0.0], [0.2, 0.2, 0.7]]),
              "loc": np.array([-1.0, 0.5, 2.0]), "scale": np.array([0.5, 1.0, 0.8])}
HMM_X = np.array([[0.1, -0.9, 2.2, 1.0], [1.5, 0.3, -0.4, 2.5]])


def _hmm(initial_logits, transition_logits, loc, scale):
    return HiddenMarkovModel(Categorical(logits=initial_logits), Categorical(logits=transition_logits),
                             Normal(loc, scale), num_steps=4)


def _paths(num_states, num_steps):
    return list(itertools.product(range(num_states), repeat=num_steps))


def _hmm_path_log_probs(p):
    """``log p(path)`` for every path and batch member: ``[paths, batch]``, and the paths."""
    li, lt = log_softmax(p["initial_logits"], -1), log_softmax(p["transition_logits"], -1)
    paths = _paths(li.shape[-1], HMM_X.shape[-1])
    out = [li[:, z[0]] + sum(lt[z[t - 1], z[t]] for t in range(1, len(z))) for z in paths]
    return np.array(out), paths


def _hmm_log_prob(p, x):
    lp, paths = _hmm_path_log_probs(p)
    obs = st.norm(p["loc"], p["scale"])
    per_path = [lp[i] + sum(obs.logpdf(x[..., t, None])[..., z[t]] for t in range(len(z)))
                for i, z in enumerate(paths)]
    return logsumexp(np.array(per_path), axis=0)


def _hmm_moment(which):
    def ref(p, x):
        lp, paths = _hmm_path_log_probs(p)
        w = np.exp(lp)                                          # [paths, batch]
        loc, var = p["loc"], np.square(p["scale"])
        m = np.array([[loc[z[t]] for t in range(len(z))] for z in paths])         # [paths, T]
        v = np.array([[var[z[t]] for t in range(len(z))] for z in paths])
        mean = np.einsum("pb,pt->bt", w, m)
        if which == "mean":
            return mean
        return np.einsum("pb,pt->bt", w, v + m ** 2) - mean ** 2
    return ref


# -- a discrete HiddenMarkovModel: time-varying Poisson rates, two states, three steps
POISSON_RATES = np.array([[1.0, 5.0], [2.0, 8.0], [0.5, 3.0]])
POISSON_X = np.array([0.0, 6.0, 3.0])


def _poisson_hmm(transition_logits):
    return HiddenMarkovModel(Categorical(logits=wb.constant(np.zeros(2))), Categorical(logits=transition_logits),
                             Poisson(rate=wb.constant(POISSON_RATES)), num_steps=3,
                             time_varying_observation_distribution=True)


def _poisson_hmm_log_prob(p, x):
    lt = log_softmax(p["transition_logits"], -1)
    out = []
    for z in _paths(2, 3):
        out.append(np.log(0.5) + sum(lt[z[t - 1], z[t]] for t in (1, 2))
                   + sum(st.poisson(POISSON_RATES[t, z[t]]).logpmf(x[t]) for t in range(3)))
    return logsumexp(out)


# -- MarkovChain: a batch of two Gaussian random walks, and a chain of Gamma draws (rate 2 / previous)
WALK_PARAMS = {"loc": np.array([-1.0, 2.0]), "scale": np.array([1.0, 0.5]), "step_scale": np.array(0.7)}
WALK_X = np.array([[0.1, 0.5, -0.2, 0.3], [2.0, 1.5, 1.0, 1.2]])
GAMMA_X = np.array([1.5, 0.8, 2.6])


def _walk(loc, scale, step_scale):
    return MarkovChain(Normal(loc, scale), lambda _, x: Normal(x, step_scale), num_steps=4)


def _walk_log_prob(p, x):
    return (st.norm(p["loc"], p["scale"]).logpdf(x[..., 0])
            + st.norm(0.0, p["step_scale"]).logpdf(np.diff(x, axis=-1)).sum(-1))


def _gamma_chain(concentration, rate):
    return MarkovChain(Gamma(concentration, rate), lambda _, x: Gamma(concentration, 2.0 / x), num_steps=3)


def _gamma_chain_log_prob(p, x):
    a = p["concentration"]
    return (st.gamma(a, scale=1 / p["rate"]).logpdf(x[..., 0])
            + sum(st.gamma(a, scale=x[..., t - 1] / 2.0).logpdf(x[..., t]) for t in (1, 2)))


# -- LinearGaussianStateSpaceModel: two latents, two observations, three steps; the reference is the
# dense multivariate normal of the whole flattened series
SSM_PARAMS = {"transition_matrix": np.array([[0.9, 0.2], [-0.1, 0.8]]), "transition_scale": np.array([0.3, 0.2]),
              "observation_scale": np.array([0.5, 0.4]), "prior_scale": np.array([1.0, 0.7])}
SSM_C = np.array([[1.0, 0.5], [0.0, 1.0]])
SSM_PRIOR_LOC, SSM_DRIFT, SSM_OBS_LOC = np.array([0.5, -0.3]), np.array([0.1, 0.0]), np.array([0.0, 0.2])
SSM_X = np.array([[0.3, -0.5], [1.0, 0.2], [0.6, 0.9]])


def _ssm(transition_matrix, transition_scale, observation_scale, prior_scale):
    return LinearGaussianStateSpaceModel(
        num_timesteps=3, transition_matrix=transition_matrix,
        transition_noise=MultivariateNormalDiag(wb.constant(SSM_DRIFT), transition_scale),
        observation_matrix=wb.constant(SSM_C),
        observation_noise=MultivariateNormalDiag(wb.constant(SSM_OBS_LOC), observation_scale),
        initial_state_prior=MultivariateNormalDiag(wb.constant(SSM_PRIOR_LOC), prior_scale))


def ssm_dense_moments(a, q_loc, q_cov, c, r_loc, r_cov, m0, p0, num_steps):
    """Mean ``[T * o]`` and covariance ``[T * o, T * o]`` of the flattened observations."""
    l = len(m0)
    means, covs = [m0], [p0]
    for _ in range(num_steps - 1):
        means.append(a @ means[-1] + q_loc)
        covs.append(a @ covs[-1] @ a.T + q_cov)
    cross = np.zeros((num_steps * l, num_steps * l))
    for t in range(num_steps):
        for s in range(t + 1):
            block = np.linalg.matrix_power(a, t - s) @ covs[s]          # Cov(z[t], z[s])
            cross[t * l:(t + 1) * l, s * l:(s + 1) * l] = block
            cross[s * l:(s + 1) * l, t * l:(t + 1) * l] = block.T
    big_c = np.kron(np.eye(num_steps), c)
    mean = np.concatenate([c @ m + r_loc for m in means])
    return mean, big_c @ cross @ big_c.T + np.kron(np.eye(num_steps), r_cov)


def _ssm_moments(p):
    return ssm_dense_moments(p["transition_matrix"], SSM_DRIFT, np.diag(p["transition_scale"] ** 2), SSM_C,
                             SSM_OBS_LOC, np.diag(p["observation_scale"] ** 2), SSM_PRIOR_LOC,
                             np.diag(p["prior_scale"] ** 2), 3)


def _ssm_ref(method):
    def ref(p, x):
        mean, cov = _ssm_moments(p)
        if method == "log_prob":
            return st.multivariate_normal(mean, cov).logpdf(np.reshape(x, x.shape[:-2] + (-1,)))
        return (mean if method == "mean" else np.diag(cov)).reshape(3, 2)
    return ref


# -- Blockwise: a Gamma pair, a scalar Normal and a diagonal MVN as one vector of 5
BLOCK_PARAMS = {"concentration": np.array([2.0, 3.0]), "loc": np.array(0.5), "mvn_loc": np.array([1.0, 2.0])}
BLOCK_X = np.array([[1.0, 2.0, 0.3, 1.1, 2.2], [0.4, 3.5, -1.0, 0.7, 1.9]])
MVN_SCALE = np.array([0.5, 0.3])


def _blockwise(concentration, loc, mvn_loc):
    return Blockwise([Independent(Gamma(concentration, wb.constant(1.0, dtype=wb.float64)), 1),
                      Normal(loc, wb.constant(2.0, dtype=wb.float64)),
                      MultivariateNormalDiag(mvn_loc, wb.constant(MVN_SCALE))])


def _blockwise_ref(method):
    def ref(p, x):
        g, n, m = st.gamma(p["concentration"]), st.norm(p["loc"], 2.0), st.norm(p["mvn_loc"], MVN_SCALE)
        if method == "log_prob":
            return g.logpdf(x[..., :2]).sum(-1) + n.logpdf(x[..., 2]) + m.logpdf(x[..., 3:]).sum(-1)
        if method == "mean":
            return np.concatenate([g.mean(), [n.mean()], m.mean()])
        return g.entropy().sum() + n.entropy() + m.entropy().sum()
    return ref


# -- BatchConcat: Normal batches [2, 3] and [1, 1] along axis 1; Gamma batches [1] and [2] along axis 0
CONCAT_PARAMS = {"loc1": np.array([[0.0, 1.0, -1.0], [0.5, 0.2, 2.0]]), "scale1": np.array([1.0, 0.5, 2.0]),
                 "loc2": np.array([[3.0]]), "scale2": np.array([[1.5]])}
CONCAT_X = np.array([[0.3, 1.2, -2.0, 2.5], [1.0, 0.0, 1.1, 4.0]])


def _concat_normals(loc1, scale1, loc2, scale2):
    return BatchConcat([Normal(loc1, scale1), Normal(loc2, scale2)], axis=1)


def _concat_normals_ref(method):
    def ref(p, x):
        loc = np.concatenate([p["loc1"], np.broadcast_to(p["loc2"], (2, 1))], axis=1)
        scale = np.concatenate([np.broadcast_to(p["scale1"], (2, 3)), np.broadcast_to(p["scale2"], (2, 1))], axis=1)
        f = st.norm(loc, scale)
        return {"log_prob": lambda: f.logpdf(x), "cdf": lambda: f.cdf(x), "mean": f.mean, "variance": f.var,
                "stddev": f.std, "entropy": f.entropy}[method]()
    return ref


def _concat_gammas(concentration1, concentration2):
    one = wb.constant(1.0, dtype=wb.float64)
    return BatchConcat([Gamma(concentration1, one), Gamma(concentration2, one)], axis=0)


def _concat_gammas_ref(method):
    def ref(p, x):
        f = st.gamma(np.concatenate([p["concentration1"], p["concentration2"]]))
        return {"log_prob": lambda: f.logpdf(x), "cdf": lambda: f.cdf(x), "mean": f.mean, "variance": f.var,
                "entropy": f.entropy}[method]()
    return ref


# -- StudentTProcessRegressionModel: df 5 and four observations, so the predictive has df 9
def _stprm_moments(p):
    a, l, s2 = p["amplitude"], p["length_scale"], p["observation_noise_variance"]
    k_oo = _eq(OBS_X, OBS_X, a, l) + (s2 + 1e-6) * np.eye(len(OBS_X))
    k_xo = _eq(GP_X, OBS_X, a, l)
    b = OBS_Y @ np.linalg.solve(k_oo, OBS_Y)
    scale = (5.0 + b - 2.0) / (5.0 + len(OBS_Y) - 2.0)
    schur = _eq(GP_X, GP_X, a, l) - k_xo @ np.linalg.solve(k_oo, k_xo.T)
    return k_xo @ np.linalg.solve(k_oo, OBS_Y), scale * schur + s2 * np.eye(len(GP_X))


def _stprm(amplitude, length_scale, observation_noise_variance):
    return StudentTProcessRegressionModel(
        wb.constant(5.0, dtype=wb.float64), tfpk.ExponentiatedQuadratic(amplitude, length_scale),
        index_points=wb.constant(GP_X), observation_index_points=wb.constant(OBS_X), observations=wb.constant(OBS_Y),
        observation_noise_variance=observation_noise_variance)


def _stprm_refs():
    refs = _mvn_refs(_stprm_moments, student_df=9.0)

    def entropy(p, x):
        mean, cov = _stprm_moments(p)
        # TFP 0.25's marginal: the jitter on the scaled covariance
        return st.multivariate_t(mean, cov * 7.0 / 9.0 + 1e-6 * np.eye(len(mean)), df=9.0).entropy()
    refs["entropy"] = entropy
    return refs


CASES = [
    BuiltCase("StudentTProcessRegressionModel", StudentTProcessRegressionModel, GP_PARAMS, points=GP_Y, build=_stprm,
              ref=_stprm_refs(), checks=("log_prob", "mean", "variance", "covariance", "entropy"),
              sample_test="moments", grad_order=1, rtol=1e-7),
    BuiltCase("Blockwise", Blockwise, BLOCK_PARAMS, points=BLOCK_X, build=_blockwise,
              ref={m: _blockwise_ref(m) for m in ("log_prob", "mean", "entropy")},
              checks=("log_prob", "mean", "entropy"), sample_test=None),
    BuiltCase("BatchConcat Normal", BatchConcat, CONCAT_PARAMS, points=CONCAT_X, build=_concat_normals,
              ref={m: _concat_normals_ref(m) for m in ("log_prob", "cdf", "mean", "variance", "stddev", "entropy")},
              checks=("log_prob", "cdf", "mean", "variance", "stddev", "entropy"), sample_test="moments"),
    BuiltCase("BatchConcat Gamma", BatchConcat,
              {"concentration1": np.array([2.0]), "concentration2": np.array([0.7, 4.0])},
              points=np.array([1.5, 0.2, 3.0]), build=_concat_gammas,
              ref={m: _concat_gammas_ref(m) for m in ("log_prob", "cdf", "mean", "variance", "entropy")},
              checks=("log_prob", "cdf", "mean", "variance", "entropy"), sample_test="moments", grad_order=1),
    BuiltCase("LinearGaussianStateSpaceModel", LinearGaussianStateSpaceModel, SSM_PARAMS, points=SSM_X, build=_ssm,
              ref={m: _ssm_ref(m) for m in ("log_prob", "mean", "variance")}, checks=("log_prob", "mean", "variance"),
              sample_test="moments", grad_order=1, rtol=1e-9),
    BuiltCase("MarkovChain Gaussian walk", MarkovChain, WALK_PARAMS, points=WALK_X, build=_walk,
              ref={"log_prob": _walk_log_prob}, checks=("log_prob",), sample_test=None),
    BuiltCase("MarkovChain Gamma", MarkovChain, {"concentration": np.array(3.0), "rate": np.array(1.5)},
              points=GAMMA_X, build=_gamma_chain, ref={"log_prob": _gamma_chain_log_prob}, checks=("log_prob",),
              sample_test=None, grad_order=1),
    BuiltCase("HiddenMarkovModel Normal", HiddenMarkovModel, HMM_PARAMS, points=HMM_X, build=_hmm,
              ref={"log_prob": _hmm_log_prob, "mean": _hmm_moment("mean"), "variance": _hmm_moment("variance")},
              checks=("log_prob", "mean", "variance"), sample_test="moments", grad_order=1),
    BuiltCase("HiddenMarkovModel time-varying Poisson", HiddenMarkovModel,
              {"transition_logits": np.array([[1.5, -0.5], [-1.0, 0.8]])}, points=POISSON_X, build=_poisson_hmm,
              ref={"log_prob": _poisson_hmm_log_prob}, checks=("log_prob",), sample_test=None, discrete=True,
              grad_order=1),
]
