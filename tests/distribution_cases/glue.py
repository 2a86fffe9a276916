"""Model-glue distributions that wrap another one (Sample, Masked, BatchBroadcast, BatchReshape)
and the Gaussian-process families: references computed from the wrapped family with SciPy."""

import dataclasses
from typing import Callable, Optional

import numpy as np
import scipy.stats as st

import workbench as wb
from probability.distributions import (BatchBroadcast, BatchReshape, GaussianProcess, GaussianProcessRegressionModel, MultivariateNormalDiag,
                                       Masked, Normal, Sample, StudentTProcess, VariationalGaussianProcess)
from probability.math import psd_kernels as tfpk

from . import DistCase


@dataclasses.dataclass
class BuiltCase(DistCase):
    """A case whose distribution is built by ``build(**tensor params)`` (a wrapper around a family)."""

    build: Optional[Callable] = None

    def make(self, **override):
        kwargs = {k: wb.constant(np.asarray(v, dtype=np.float64)) for k, v in self.params.items()}
        kwargs.update(override)
        return self.build(**kwargs)


LOC = np.array([0.5, -1.0])
SCALE = np.array([1.0, 2.5])
X3 = np.array([[0.1, -0.3, 2.0], [1.0, -4.0, 0.0]])          # batch (2,), event (3,)


def _sample_normal_ref(method):
    def ref(p, x):
        loc, scale = p["loc"][:, None], p["scale"][:, None]
        f = st.norm(loc, scale)
        if method == "log_prob":
            return f.logpdf(x).sum(-1)
        if method == "entropy":
            return 3 * st.norm(p["loc"], p["scale"]).entropy()
        return np.broadcast_to({"mean": f.mean, "variance": f.var, "stddev": f.std}[method](), (2, 3))
    return ref


MVN_X = np.array([[[0.0, 1.0], [2.0, -1.0]], [[0.5, 0.5], [1.0, 1.0]]])   # batch (2,), event (2, 2)


def _sample_mvn_log_prob(p, x):
    out = np.zeros(2)
    for b in range(2):
        f = st.multivariate_normal(p["loc"][b], np.diag(np.square(p["scale_diag"])))
        out[b] = f.logpdf(x[b]).sum()
    return out


# Gaussian processes: closed-form NumPy references
GP_X = np.array([[0.0], [0.3], [0.5], [1.1], [1.6]])
GP_Y = np.array([0.2, -0.4, 0.1, 1.0, 0.7])
OBS_X = np.array([[0.1], [0.4], [0.9], [1.3]])
OBS_Y = np.array([0.5, -0.2, 0.8, 1.1])


def _eq(a, b, amplitude, length_scale):
    return amplitude ** 2 * np.exp(-0.5 * np.square(a - b.T) / length_scale ** 2)


def _gp_moments(p):
    return np.zeros(len(GP_X)), _eq(GP_X, GP_X, p["amplitude"], p["length_scale"]) + \
        p["observation_noise_variance"] * np.eye(len(GP_X))


def _gprm_moments(p):
    a, l, s2 = p["amplitude"], p["length_scale"], p["observation_noise_variance"]
    k_oo = _eq(OBS_X, OBS_X, a, l) + (s2 + 1e-6) * np.eye(len(OBS_X))
    k_xo = _eq(GP_X, OBS_X, a, l)
    mean = k_xo @ np.linalg.solve(k_oo, OBS_Y)
    return mean, _eq(GP_X, GP_X, a, l) - k_xo @ np.linalg.solve(k_oo, k_xo.T) + s2 * np.eye(len(GP_X))


Q_LOC = np.array([0.3, -0.1, 0.6])
Q_SCALE = np.array([[0.5, 0.0, 0.0], [0.1, 0.4, 0.0], [-0.2, 0.05, 0.3]])
INDUCING = np.array([[0.2], [0.8], [1.4]])


def _vgp_moments(p):
    a, l = p["amplitude"], p["length_scale"]
    k_zz = _eq(INDUCING, INDUCING, a, l) + 1e-6 * np.eye(3)
    c = np.linalg.solve(k_zz, _eq(INDUCING, GP_X, a, l))
    s = np.tril(p["variational_inducing_observations_scale"])
    # TFP 0.25: K_xx - C^T (K_zz - S S^T) C with K_zz free of the jitter that C's solve uses
    cov = _eq(GP_X, GP_X, a, l) - _eq(GP_X, INDUCING, a, l) @ c + c.T @ s @ s.T @ c + 1e-6 * c.T @ c
    return c.T @ p["variational_inducing_observations_loc"], cov + 0.05 * np.eye(len(GP_X))


def _mvn_refs(moments, student_df=None):
    def frozen(p):
        mean, cov = moments(p)
        if student_df is None:
            return st.multivariate_normal(mean, cov + 1e-6 * np.eye(len(mean)))
        return st.multivariate_t(mean, (cov + 1e-6 * np.eye(len(mean))) * (student_df - 2) / student_df, df=student_df)
    refs = {"log_prob": lambda p, x: frozen(p).logpdf(x),
            "mean": lambda p, x: moments(p)[0],
            "variance": lambda p, x: np.diag(moments(p)[1]),
            "covariance": lambda p, x: moments(p)[1]}
    if student_df is None:
        refs["entropy"] = lambda p, x: frozen(p).entropy()
    return refs


MASK = np.array([True, False, True])
LOC3, SCALE3 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 0.5, 2.0])
LOC6, SCALE6 = np.array([0.0, 1.0, -2.0, 0.5, 3.0, -1.0]), np.array([1.0, 0.5, 2.0, 1.5, 0.7, 1.1])
X23 = np.array([[0.3, 1.2, -1.0], [2.0, -0.5, 0.1]])


def _broadcast_ref(method):
    def ref(p, x):
        f = st.norm(p["loc"], p["scale"])
        out = {"log_prob": lambda: f.logpdf(x), "mean": f.mean, "variance": f.var, "stddev": f.std,
               "entropy": f.entropy}[method]()
        return np.broadcast_to(out, (2, 3))
    return ref


def _reshape_ref(method):
    def ref(p, x):
        f = st.norm(p["loc"].reshape(2, 3), p["scale"].reshape(2, 3))
        return {"log_prob": lambda: f.logpdf(x), "mean": f.mean, "variance": f.var, "stddev": f.std,
                "entropy": f.entropy}[method]()
    return ref


GP_PARAMS = {"amplitude": np.array(1.3), "length_scale": np.array(0.6), "observation_noise_variance": np.array(0.2)}

CASES = [
    BuiltCase("Masked Normal", Masked, {"loc": LOC3, "scale": SCALE3}, points=np.array([0.5, 0.2, -1.0]),
              build=lambda loc, scale: Masked(Normal(loc, scale), validity_mask=MASK),
              ref={"log_prob": lambda p, x: np.where(MASK, st.norm(p["loc"], p["scale"]).logpdf(x), 0.0)},
              checks=("log_prob",), sample_test=None),
    BuiltCase("BatchBroadcast Normal", BatchBroadcast, {"loc": LOC3, "scale": SCALE3}, points=X23,
              build=lambda loc, scale: BatchBroadcast(Normal(loc, scale), with_shape=[2, 1]),
              ref={m: _broadcast_ref(m) for m in ("log_prob", "mean", "variance", "stddev", "entropy")},
              checks=("log_prob", "mean", "variance", "stddev", "entropy"), sample_test="moments"),
    BuiltCase("BatchReshape Normal", BatchReshape, {"loc": LOC6, "scale": SCALE6}, points=X23,
              build=lambda loc, scale: BatchReshape(Normal(loc, scale), [2, -1]),
              ref={m: _reshape_ref(m) for m in ("log_prob", "mean", "variance", "stddev", "entropy")},
              checks=("log_prob", "mean", "variance", "stddev", "entropy"), sample_test="moments"),
    BuiltCase("GaussianProcess ExponentiatedQuadratic", GaussianProcess, GP_PARAMS, points=GP_Y,
              build=lambda amplitude, length_scale, observation_noise_variance: GaussianProcess(
                  tfpk.ExponentiatedQuadratic(amplitude, length_scale), index_points=wb.constant(GP_X),
                  observation_noise_variance=observation_noise_variance),
              ref=_mvn_refs(_gp_moments), checks=("log_prob", "mean", "variance", "covariance", "entropy"),
              sample_test="moments", grad_order=1),
    BuiltCase("GaussianProcessRegressionModel", GaussianProcessRegressionModel, GP_PARAMS, points=GP_Y,
              build=lambda amplitude, length_scale, observation_noise_variance: GaussianProcessRegressionModel(
                  tfpk.ExponentiatedQuadratic(amplitude, length_scale), index_points=wb.constant(GP_X),
                  observation_index_points=wb.constant(OBS_X), observations=wb.constant(OBS_Y),
                  observation_noise_variance=observation_noise_variance),
              ref=_mvn_refs(_gprm_moments), checks=("log_prob", "mean", "variance", "covariance", "entropy"),
              sample_test="moments", grad_order=1, rtol=1e-5),
    BuiltCase("StudentTProcess", StudentTProcess, GP_PARAMS, points=GP_Y,
              build=lambda amplitude, length_scale, observation_noise_variance: StudentTProcess(
                  wb.constant(5.0, dtype=wb.float64), tfpk.ExponentiatedQuadratic(amplitude, length_scale),
                  index_points=wb.constant(GP_X), observation_noise_variance=observation_noise_variance),
              ref=_mvn_refs(_gp_moments, student_df=5.0), checks=("log_prob", "mean", "variance", "covariance"),
              sample_test="moments", grad_order=1),
    BuiltCase("VariationalGaussianProcess", VariationalGaussianProcess,
              {"amplitude": np.array(1.3), "length_scale": np.array(0.6),
               "variational_inducing_observations_loc": Q_LOC, "variational_inducing_observations_scale": Q_SCALE},
              points=GP_Y,
              build=lambda amplitude, length_scale, variational_inducing_observations_loc,
              variational_inducing_observations_scale: VariationalGaussianProcess(
                  tfpk.ExponentiatedQuadratic(amplitude, length_scale), index_points=wb.constant(GP_X),
                  inducing_index_points=wb.constant(INDUCING),
                  variational_inducing_observations_loc=variational_inducing_observations_loc,
                  variational_inducing_observations_scale=variational_inducing_observations_scale,
                  observation_noise_variance=wb.constant(0.05, dtype=wb.float64)),
              ref=_mvn_refs(_vgp_moments), checks=("log_prob", "mean", "variance", "covariance", "entropy"),
              sample_test="moments", grad_order=1, rtol=1e-5),

    BuiltCase("Sample Normal", Sample, {"loc": LOC, "scale": SCALE}, points=X3,
              build=lambda loc, scale: Sample(Normal(loc, scale), sample_shape=3),
              ref={m: _sample_normal_ref(m) for m in ("log_prob", "mean", "variance", "stddev", "entropy")},
              checks=("log_prob", "mean", "variance", "stddev", "entropy"), sample_test="moments"),
    BuiltCase("Sample MultivariateNormalDiag", Sample,
              {"loc": np.array([[0.0, 1.0], [1.0, -1.0]]), "scale_diag": np.array([0.5, 2.0])}, points=MVN_X,
              build=lambda loc, scale_diag: Sample(MultivariateNormalDiag(loc, scale_diag), sample_shape=[2]),
              ref={"log_prob": _sample_mvn_log_prob,
                   "mean": lambda p, x: np.broadcast_to(p["loc"][:, None, :], (2, 2, 2))},
              checks=("log_prob", "mean"), sample_test="moments"),
]
