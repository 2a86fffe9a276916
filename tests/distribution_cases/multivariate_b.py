"""Ordinal and multivariate families (second group): OrderedLogistic, StoppingRatioLogistic,
PlackettLuce, FlatDirichlet, VectorDeterministic, PowerSpherical,
MultivariateNormalDiagPlusLowRankCovariance, MatrixNormalLinearOperator, MatrixTLinearOperator,
WishartLinearOperator, DeterminantalPointProcess, PoissonLogNormalQuadratureCompound.

Where SciPy has the family (dirichlet, multivariate_normal, matrix_normal, multivariate_t of vec(X),
wishart) it is the reference; elsewhere the references are TFP 0.25's values (printed by TFP 0.25 in
float64, pinned here as literals)."""

import numpy as np
import scipy.stats as st

import workbench as wb
from probability.distributions import (DeterminantalPointProcess, FlatDirichlet, MatrixNormalLinearOperator,
                                       MatrixTLinearOperator, MultivariateNormalDiagPlusLowRankCovariance,
                                       OrderedLogistic, PlackettLuce, PoissonLogNormalQuadratureCompound,
                                       PowerSpherical, StoppingRatioLogistic, VectorDeterministic,
                                       WishartLinearOperator, quadrature_scheme_lognormal_gauss_hermite)

from . import DistCase
from .glue import BuiltCase
from .multivariate import _mvn_refs

la = wb.linalg

# shared ordinal parameters: batch [3, 2], K = 3 cutpoints (4 classes)
ORD_CUTPOINTS = np.array([[-1.0, 0.5, 2.0], [-0.3, 0.0, 0.9]])
ORD_LOC = np.array([[0.3], [-0.7], [1.2]])
ORD_POINTS = np.array([[1.0, 2.0]])

# TFP 0.25: OrderedLogistic(ORD_CUTPOINTS, ORD_LOC).categorical_log_probs()
ORDERED_LOGISTIC_CLP = np.array([
    [[-1.5410084538329922, -1.0916297821400378, -1.2184073576933119, -1.8677860293862658],
     [-1.0374879504858856, -2.642068807769259, -1.5136786378631348, -1.0374879504858856]],
    [[-0.8543552444685272, -1.0701201707320123, -1.7808084880400756, -2.7650435617765905],
     [-0.5130152523999526, -2.6664269141002572, -1.8089222326825192, -1.7839007408883387]],
    [[-2.3050833197686957, -1.4607518275796079, -1.0267691737586895, -1.1711006659477778],
     [-1.7014132779827524, -3.01492135813563, -1.6394731547152805, -0.5543552444685271]]])
# TFP 0.25: StoppingRatioLogistic(ORD_CUTPOINTS, ORD_LOC).categorical_log_probs()
STOPPING_RATIO_CLP = np.array([
    [[-1.5410084538329922, -0.8391473232145841, -1.2069333526008497, -2.90693335260085],
     [-1.0374879504858854, -1.291843194954413, -1.4293311454402982, -2.0293311454402985]],
    [[-0.8543552444685272, -0.8176377118065582, -2.082681273583149, -4.782681273583149],
     [-0.5130152523999526, -1.3162013012854104, -2.200102042173749, -3.8001020421737493]],
    [[-2.3050833197686957, -1.208269368654154, -0.8793700346019314, -1.6793700346019313],
     [-1.7014132779827524, -1.6646957453207836, -1.3190509897893108, -1.0190509897893107]]])


def _pick(table):
    """A log_prob ref: ``table[..., x]`` per batch member."""
    def ref(params, x):
        x = np.broadcast_to(x, table.shape[:-1]).astype(int)
        return np.take_along_axis(table, x[..., None], axis=-1)[..., 0]
    return ref


PL_SCORES = np.array([[0.1, 2.3, 5.0, 1.0], [4.2, 0.5, 3.1, 0.7]])
PL_POINTS = np.array([[[2, 1, 0, 3], [1, 0, 2, 3]], [[3, 2, 1, 0], [0, 1, 2, 3]]], dtype=float)

PS_MU = np.array([[0.0, 1.0, 0.0], [0.6, 0.0, 0.8]])
PS_CONCENTRATION = np.array([[1.5], [0.0], [7.0]])
PS_POINTS = np.array([[0.0, 0.0, 1.0], [0.48, 0.6, 0.64]])
# TFP 0.25: PowerSpherical(PS_MU, PS_CONCENTRATION) (batch [3, 2])
PS_LOG_PROB = np.array([[-2.6544542859350537, -1.7727742885818751], [-2.5310242469692907, -2.5310242469692907],
                        [-5.303612969209071, -1.1891063148942376]])
PS_ENTROPY = np.array([[2.2147335150951353] * 2, [2.5310242469692907] * 2, [1.3265827052894537] * 2])


def _ps_mean(params, x):
    # TFP 0.25's means: E[t] = k / (d - 1 + k) along mean_direction (3/7, 0, 7/9)
    mean_t = np.array([0.42857142857142855, 0.0, 0.7777777777777778])[:, None, None]
    return mean_t * PS_MU


def _ps_covariance(params, x):
    # TFP 0.25's covariance entries: along mu (var t) and across it (E[1 - t^2] / 2)
    along = np.array([0.18140589569160998, 1 / 3, 0.03950617283950617])[:, None, None, None]
    across = np.array([0.31746031746031744, 1 / 3, 0.17777777777777778])[:, None, None, None]
    outer = PS_MU[..., :, None] * PS_MU[..., None, :]
    return along * outer + across * (np.eye(3) - outer)


def _diag_plus_low_rank_cov(params):
    u = params["cov_perturb_factor"]
    return np.apply_along_axis(np.diag, -1, params["cov_diag_factor"]) + u @ np.swapaxes(u, -1, -2)


def _flat_dirichlet(method):
    frozen = st.dirichlet(np.ones(3))
    value = {"mean": frozen.mean(), "variance": frozen.var(), "entropy": frozen.entropy()}
    return lambda params, x: np.broadcast_to(value[method], (2,) + np.shape(value[method]))


# matrix families: loc [2, 2, 3] (batch [2]), a lower-triangular row scale and a diagonal column scale
MAT_LOC = np.array([[[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]], [[0.5, 0.0, 0.0], [1.0, 1.0, -2.0]]])
MAT_ROW = np.array([[1.0, 0.0], [0.5, 2.0]])
MAT_COL = np.array([1.0, 0.7, 1.5])
MAT_POINTS = np.array([[0.5, 1.0, 1.0], [0.2, 0.0, 2.0]])


def _matrix_normal(loc, row_tril, col_diag):
    return MatrixNormalLinearOperator(loc, la.LinearOperatorLowerTriangular(row_tril), la.LinearOperatorDiag(col_diag))


def _matrix_t(df, loc, row_tril, col_diag):
    return MatrixTLinearOperator(df, loc, la.LinearOperatorLowerTriangular(row_tril), la.LinearOperatorDiag(col_diag))


def _matrix_ref(method):
    """scipy.stats.matrix_normal (no ``df``) or multivariate_t of ``vec(X) = X^T.flatten()`` with shape
    ``kron(B B^T, A A^T)`` (TFP's matrix t), batch member by batch member."""
    def ref(params, x):
        a = np.tril(params["row_tril"])
        u, v = a @ a.T, np.diag(np.square(params["col_diag"]))
        df = params.get("df", np.array(np.inf))
        loc = params["loc"]
        batch = np.broadcast_shapes(loc.shape[:-2], np.shape(df))
        loc = np.broadcast_to(loc, batch + loc.shape[-2:]).reshape((-1,) + loc.shape[-2:])
        df = np.broadcast_to(df, batch).reshape(-1)
        out = []
        for m, nu in zip(loc, df):
            var = np.outer(np.diag(u), np.diag(v))
            if np.isinf(nu):
                f = st.matrix_normal(m, u, v)
                val = {"log_prob": lambda: f.logpdf(x), "entropy": f.entropy, "mean": lambda: m,
                       "variance": lambda: var}[method]()
            else:
                f = st.multivariate_t(m.T.ravel(), np.kron(v, u), df=nu)
                factor = nu / (nu - 2) if nu > 2 else (np.inf if nu > 1 else np.nan)
                val = {"log_prob": lambda: f.logpdf(x.T.ravel()), "entropy": f.entropy, "mean": lambda: m,
                       "variance": lambda: factor * var}[method]()
            out.append(val)
        return np.asarray(out).reshape(batch + np.shape(out[0]))
    return ref


# Wishart: a full (not triangular) scale factor F, S = F F^T
WISHART_F = np.array([[1.2, 0.4, -0.3], [-0.5, 0.9, 0.2], [0.3, 0.1, 1.4]])
WISHART_X = np.array([[[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 3.0]],
                      [[1.0, -0.4, 0.0], [-0.4, 0.8, 0.1], [0.0, 0.1, 0.5]]])


def _wishart(df, matrix):
    return WishartLinearOperator(df, la.LinearOperatorFullMatrix(matrix))


def _wishart_ref(method):
    def ref(params, x):
        f, df = params["matrix"], params["df"]
        s = f @ f.T
        out = []
        for i, nu in enumerate(df):
            w = st.wishart(nu, s)
            out.append({"log_prob": lambda: w.logpdf(x[i]), "entropy": w.entropy, "mean": w.mean,
                        "variance": w.var}[method]())
        return np.asarray(out)
    return ref


# DPP: L = A A^T + I/2 for A ~ N(0, 1) [4, 4] (numpy seed 1); batch [2]: eigenvalues and twice them
DPP_L = np.array([[3.10189224e+00, -2.55091394e-01, -3.35406167e-01, -1.32805753e+00],
                  [-2.55091394e-01, 2.14493653e+00, 7.63804425e-01, -1.32595986e-01],
                  [-3.35406167e-01, 7.63804425e-01, 1.01912987e+00, -2.71385093e-03],
                  [-1.32805753e+00, -1.32595986e-01, -2.71385093e-03, 1.65996009e+00]])
DPP_POINTS = np.array([[[1, 0, 1, 0]], [[0, 0, 0, 0]], [[1, 1, 1, 1]], [[0, 1, 0, 0]]], dtype=float)


def _dpp_params():
    lam, u = np.linalg.eigh(DPP_L)
    return {"eigenvalues": np.stack([lam, 2 * lam]), "eigenvectors": u}


def _dpp_log_prob(params, x):
    """``log det(L_S) - log det(I + L)`` by NumPy, member by member."""
    lam, u = params["eigenvalues"], params["eigenvectors"]
    out = np.zeros(np.broadcast_shapes(x.shape[:-1], lam.shape[:-1]))
    for idx in np.ndindex(out.shape):
        ell = (u * lam[idx[-1]]) @ u.T
        s = np.broadcast_to(x, out.shape + x.shape[-1:])[idx].astype(bool)
        out[idx] = np.linalg.slogdet(ell[np.ix_(s, s)])[1] - np.sum(np.log1p(lam[idx[-1]]))
    return out


PLN_LOC = np.array([0.0, -0.5, 1.2])
PLN_SCALE = np.array([[1.0], [0.3]])
PLN_POINTS = np.array([[[0.0]], [[3.0]]])
# TFP 0.25, quadrature_size=6, at PLN_POINTS: log_prob, mean, variance with each quadrature scheme
PLN_QUANTILES = {
    "log_prob": np.array([[[-2.45942778, -1.90193038, -5.71042515], [-2.68996616, -1.84464124, -14.35741909]],
                          [[-1.95833777, -1.8658543, -3.25750425], [-1.55235722, -1.79729322, -8.54278548]]]),
    "mean": np.array([[4.5460717, 2.32715793, 877.89045697], [2.81710595, 1.86644187, 35.59201651]]),
    "variance": np.array([[2.02129990e+01, 3.70589554e+00, 3.29453851e+06],
                          [3.09942519e+00, 1.91141627e+00, 5.48471235e+02]])}
PLN_GAUSS_HERMITE = {
    "log_prob": np.array([[[-0.96448704, -0.66837998, -2.08018981], [-0.99911558, -0.61657272, -3.03870247]],
                          [[-2.52603423, -2.9871847, -2.30007451], [-2.67860773, -3.6877079, -1.63772135]]]),
    "mean": np.array([[1.64871937, 0.99999885, 5.47394107], [1.04602786, 0.63444797, 3.4729348]]),
    "variance": np.array([[6.30357723, 2.71242536, 56.78526038], [1.14907094, 0.6723554, 4.6087968]])}


CASES = [
    DistCase("OrderedLogistic", OrderedLogistic, {"cutpoints": ORD_CUTPOINTS, "loc": ORD_LOC},
             points=ORD_POINTS,
             ref={"log_prob": _pick(ORDERED_LOGISTIC_CLP),
                  # TFP 0.25's cdf at [[1, 2]] and entropy
                  "cdf": np.array([[0.549833997312478, 0.6456563062257955], [0.7685247834990176, 0.8320183851339245],
                                   [0.33181222783183384, 0.42555748318834097]]),
                  "entropy": np.array([[1.3452483760633505, 1.2565652435875474],
                                       [1.2047871096068024, 1.0884722357826435],
                                       [1.2997388500439433, 1.0949000624425702]])},
             checks=("log_prob", "cdf", "entropy"), discrete=True, sample_test=None,
             invalid={"cutpoints": [1.0, 0.0], "loc": 0.0}),
    DistCase("OrderedLogistic float dtype", OrderedLogistic, {"cutpoints": np.array([-2.0, 0.0, 2.0]),
                                                             "loc": np.array([0.0, 2.5])},
             fixed={"dtype": np.float64}, points=np.array([[0.0], [3.0]]),
             # TFP 0.25's example probabilities 0.11920292202211755, 0.3807970779778824 (loc 0) and
             # at loc 2.5, sigmoid(-4.5) and sigmoid(0.5)
             ref={"log_prob": np.log([[0.11920292202211755, 0.01098694263059318],
                                      [0.11920292202211755, 0.6224593312018546]])},
             checks=("log_prob",), discrete=True, sample_test=None),
    DistCase("StoppingRatioLogistic", StoppingRatioLogistic, {"cutpoints": ORD_CUTPOINTS, "loc": ORD_LOC},
             points=ORD_POINTS,
             ref={"log_prob": _pick(STOPPING_RATIO_CLP),
                  "cdf": np.array([[0.6462438069117146, 0.8685766051052342], [0.8670307940536521, 0.9776315107895581],
                                   [0.39846428492940117, 0.6390626891158195]])},
             checks=("log_prob", "cdf"), discrete=True, sample_test=None,
             invalid={"cutpoints": [[0.0, 1.0], [2.0, 1.0]], "loc": 0.0}),
    DistCase("PlackettLuce", PlackettLuce, {"scores": PL_SCORES}, points=PL_POINTS,
             # TFP 0.25's log_prob at PL_POINTS
             ref={"log_prob": np.array([[-3.3075553749005495, -3.681169315687969],
                                        [-2.5628334080440878, -3.0603427967076495]])},
             checks=("log_prob",), discrete=True, sample_test=None, invalid={"scores": [1.0, -1.0]}),
    DistCase("FlatDirichlet", FlatDirichlet, {}, fixed={"concentration_shape": [2, 3], "dtype": np.float64},
             points=np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]),
             ref={"log_prob": lambda p, x: np.log([2.0, 2.0]),
                  **{m: _flat_dirichlet(m) for m in ("mean", "variance", "entropy")}},
             checks=("log_prob", "mean", "variance", "entropy"), sample_test="moments"),
    DistCase("VectorDeterministic", VectorDeterministic, {"loc": np.array([[0.0, 1.0], [2.0, 3.0]])},
             fixed={"atol": 0.1}, points=np.array([[0.05, 1.0], [2.0, 3.01]]),
             ref={"log_prob": np.zeros(2), "mean": np.array([[0.0, 1.0], [2.0, 3.0]]), "variance": np.zeros((2, 2)),
                  "stddev": np.zeros((2, 2)), "entropy": np.zeros(2)},
             checks=("log_prob", "mean", "variance", "stddev", "entropy"), sample_test="moments",
             seed_dependent=False, invalid={"loc": [0.0], "rtol": -1.0}),
    DistCase("PowerSpherical", PowerSpherical, {"mean_direction": PS_MU, "concentration": PS_CONCENTRATION},
             points=PS_POINTS,
             ref={"log_prob": PS_LOG_PROB, "entropy": PS_ENTROPY, "mean": _ps_mean, "covariance": _ps_covariance},
             checks=("log_prob", "entropy", "mean", "covariance"), sample_test=None,
             invalid={"mean_direction": [1.0, 0.0], "concentration": -1.0}),
    DistCase("MultivariateNormalDiagPlusLowRankCovariance", MultivariateNormalDiagPlusLowRankCovariance,
             {"loc": np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]]), "cov_diag_factor": np.array([1.0, 2.0, 0.5]),
              "cov_perturb_factor": np.array([[1.0, 0.0], [0.5, 1.0], [0.0, -1.0]])},
             points=np.array([[0.5, 1.0, 1.0], [1.0, -2.0, 2.5]]), ref=_mvn_refs(_diag_plus_low_rank_cov),
             checks=("log_prob", "mean", "variance", "covariance", "entropy"), sample_test="moments",
             invalid={"cov_diag_factor": [1.0, -1.0], "cov_perturb_factor": [[1.0], [0.0]]}),
    DistCase("MultivariateNormalDiagPlusLowRankCovariance no loc, batched factor",
             MultivariateNormalDiagPlusLowRankCovariance,
             {"cov_diag_factor": np.array([[0.3, 1.0], [2.0, 0.7]]),
              "cov_perturb_factor": np.array([[[1.0, 0.2, -0.5], [0.3, 0.4, 0.1]],
                                              [[0.0, 1.0, 0.0], [1.0, 0.0, 2.0]]])},
             points=np.array([0.4, -1.1]), ref=_mvn_refs(_diag_plus_low_rank_cov),
             checks=("log_prob", "mean", "variance", "covariance", "entropy"), sample_test="moments"),
    BuiltCase("MatrixNormalLinearOperator", MatrixNormalLinearOperator,
              {"loc": MAT_LOC, "row_tril": MAT_ROW, "col_diag": MAT_COL}, points=MAT_POINTS,
              ref={m: _matrix_ref(m) for m in ("log_prob", "entropy", "mean", "variance")},
              checks=("log_prob", "entropy", "mean", "variance"), sample_test="moments", build=_matrix_normal),
    BuiltCase("MatrixTLinearOperator", MatrixTLinearOperator,
              {"df": np.array([4.5, 9.0]), "loc": MAT_LOC, "row_tril": MAT_ROW, "col_diag": MAT_COL}, points=MAT_POINTS,
              ref={m: _matrix_ref(m) for m in ("log_prob", "entropy", "mean", "variance")},
              checks=("log_prob", "entropy", "mean", "variance"), sample_test="moments", build=_matrix_t,
              invalid={"df": -1.0, "loc": np.zeros((2, 3))},
              fixed={"scale_row": la.LinearOperatorIdentity(2, dtype=np.float64),
                     "scale_column": la.LinearOperatorIdentity(3, dtype=np.float64)}),
    BuiltCase("MatrixTLinearOperator small df", MatrixTLinearOperator,
              {"df": np.array([[0.8], [1.5], [3.0]]), "loc": MAT_LOC[0], "row_tril": MAT_ROW, "col_diag": MAT_COL},
              points=MAT_POINTS, ref={m: _matrix_ref(m) for m in ("log_prob", "entropy", "mean", "variance")},
              checks=("log_prob", "entropy", "mean", "variance"), sample_test=None, build=_matrix_t),
    BuiltCase("WishartLinearOperator", WishartLinearOperator, {"df": np.array([3.5, 6.0]), "matrix": WISHART_F},
              points=WISHART_X, ref={m: _wishart_ref(m) for m in ("log_prob", "entropy", "mean", "variance")},
              checks=("log_prob", "entropy", "mean", "variance"), sample_test="moments", build=_wishart,
              invalid={"df": 2.5}, fixed={"scale": la.LinearOperatorIdentity(3, dtype=np.float64)}),
    DistCase("DeterminantalPointProcess", DeterminantalPointProcess, _dpp_params(), points=DPP_POINTS,
             # TFP 0.25's values, and the same by NumPy determinants of the submatrices
             ref={"log_prob": np.array([[-2.82814355, -3.26458525], [-3.94286989, -5.76560595],
                                        [-2.31866926, -1.3688166], [-3.17975993, -4.30934881]])},
             checks=("log_prob",), discrete=True, sample_test=None, rtol=1e-8,
             invalid={"eigenvalues": [1.0, -1.0], "eigenvectors": np.eye(2)}),
    DistCase("DeterminantalPointProcess vs NumPy", DeterminantalPointProcess, _dpp_params(), points=DPP_POINTS,
             ref={"log_prob": _dpp_log_prob}, checks=("log_prob",), discrete=True, sample_test=None),
    DistCase("PoissonLogNormalQuadratureCompound", PoissonLogNormalQuadratureCompound,
             {"loc": PLN_LOC, "scale": PLN_SCALE}, fixed={"quadrature_size": 6}, points=PLN_POINTS,
             ref={**PLN_QUANTILES, "stddev": np.sqrt(PLN_QUANTILES["variance"])},
             checks=("log_prob", "mean", "variance", "stddev"), discrete=True, sample_test="moments", rtol=1e-8,
             invalid={"loc": 0.0, "scale": -1.0}),
    DistCase("PoissonLogNormalQuadratureCompound Gauss-Hermite", PoissonLogNormalQuadratureCompound,
             {"loc": PLN_LOC, "scale": PLN_SCALE},
             fixed={"quadrature_size": 6, "quadrature_fn": quadrature_scheme_lognormal_gauss_hermite},
             points=PLN_POINTS, ref=PLN_GAUSS_HERMITE, checks=("log_prob", "mean", "variance"), discrete=True,
             sample_test="moments", rtol=1e-8),
]
