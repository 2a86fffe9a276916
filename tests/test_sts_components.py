"""probability.sts components: joint log densities, priors and state space models pinned to TFP 0.25
(tfp.sts in float64), and a Sum checked against the dense multivariate normal of its series."""

import numpy as np
import pytest
import scipy.stats as st

import workbench as wb
from probability import distributions as tfd
from probability import sts


def _series():
    t = np.arange(30.)
    return 3. + 0.2 * t + np.sin(2 * np.pi * t / 6.) + 0.3 * np.cos(1.7 * t)


def _design():
    t = np.arange(30.)
    return np.stack([np.cos(t / 4.), np.linspace(-1, 1, 30)], -1)


def _cases(y, x):
    return {
        "local_level": (sts.LocalLevel(observed_time_series=y, name="a"), [0.4]),
        "llt": (sts.LocalLinearTrend(observed_time_series=y, name="a"), [0.3, 0.05]),
        "semilocal": (sts.SemiLocalLinearTrend(observed_time_series=y, name="a"), [0.3, 0.1, 0.05, 0.6]),
        "seasonal_c": (sts.Seasonal(num_seasons=3, num_steps_per_season=2, observed_time_series=y, name="a"), [0.2]),
        "seasonal_u": (sts.Seasonal(num_seasons=4, constrain_mean_effect_to_zero=False, observed_time_series=y,
                                    name="a"), [0.2]),
        "seasonal_var": (sts.Seasonal(num_seasons=3, num_steps_per_season=[2, 3, 1], observed_time_series=y, name="a"),
                         [0.2]),
        "seasonal_nodrift": (sts.Seasonal(num_seasons=3, allow_drift=False, observed_time_series=y, name="a"), []),
        "smooth": (sts.SmoothSeasonal(period=6., frequency_multipliers=[1., 2.], observed_time_series=y, name="a"),
                   [0.1]),
        "ar2": (sts.Autoregressive(order=2, observed_time_series=y, name="a"), [np.array([0.5, -0.2]), 0.3]),
        "regression": (sts.LinearRegression(design_matrix=x, name="a"), [np.array([1.5, -0.7])]),
    }


# tfp.sts (TFP 0.25), float64: Sum([component], observed_time_series=y).joint_log_prob(y)(0.25, *values) ("lp"),
# the same with y[[4, 11, 12]] = NaN ("lp_missing"), the component's own state space model with
# observation_noise_scale=0.1 ("ssm_lp"), the Sum's parameter names, latent size, each parameter's prior
# log density at its value, and the component's initial_state_prior mean
TFP = {
    'local_level': {'lp': -50.61761451783404, 'lp_missing': -49.88659066191134, 'ssm_lp': -56.379710248075156, 'names': ['observation_noise_scale', 'a/_level_scale'], 'latent': 1, 'prior_lp': [-1.099565905941352, -1.2270051431556435], 'init_mean': [-2.604233136223616]},
    'llt': {'lp': -61.548145419446286, 'lp_missing': -60.65793638162386, 'ssm_lp': -82.80581933730076, 'names': ['observation_noise_scale', 'a/_level_scale', 'a/_slope_scale'], 'latent': 2, 'prior_lp': [-1.099565905941352, -0.895831210564096, 0.9598148103294637], 'init_mean': [-2.604233136223616, 0.0]},
    'semilocal': {'lp': -62.466226557612494, 'lp_missing': -61.53257735768166, 'ssm_lp': -80.51143887771667, 'names': ['observation_noise_scale', 'a/_level_scale', 'a/_slope_mean', 'a/_slope_scale', 'a/_autoregressive_coef'], 'latent': 2, 'prior_lp': [-1.099565905941352, -1.4065525045421727, -1.4954996513530938, 1.249883110867877, -1.0989385332046726], 'init_mean': [-2.604233136223616, 0.0]},
    'seasonal_c': {'lp': -605.018254977393, 'lp_missing': -553.0488459530826, 'ssm_lp': -28136.951272575254, 'names': ['observation_noise_scale', 'a/_drift_scale'], 'latent': 2, 'prior_lp': [-1.099565905941352, -0.7336713489030566], 'init_mean': [-4.440892098500626e-16, -4.440892098500626e-16]},
    'seasonal_u': {'lp': -234.22205966869745, 'lp_missing': -216.05296157727483, 'ssm_lp': -445.94843054329726, 'names': ['observation_noise_scale', 'a/_drift_scale'], 'latent': 4, 'prior_lp': [-1.099565905941352, -0.7336713489030566], 'init_mean': [-2.604233136223616, -2.604233136223616, -2.604233136223616, -2.604233136223616]},
    'seasonal_var': {'lp': -568.016286707913, 'lp_missing': -522.2356427670344, 'ssm_lp': -25112.644103804152, 'names': ['observation_noise_scale', 'a/_drift_scale'], 'latent': 2, 'prior_lp': [-1.099565905941352, -0.7336713489030566], 'init_mean': [-4.440892098500626e-16, -4.440892098500626e-16]},
    'seasonal_nodrift': {'lp': -746.0425151749217, 'lp_missing': -667.3385716842117, 'ssm_lp': -56951.6284311469, 'names': ['observation_noise_scale'], 'latent': 2, 'prior_lp': [-1.099565905941352], 'init_mean': [-4.440892098500626e-16, -4.440892098500626e-16]},
    'smooth': {'lp': -529.1593755421429, 'lp_missing': -450.3103561027835, 'ssm_lp': -22080.714934449676, 'names': ['observation_noise_scale', 'a/_drift_scale'], 'latent': 4, 'prior_lp': [-1.099565905941352, 0.11922167462419919], 'init_mean': [0.0, 0.0, 0.0, 0.0]},
    'ar2': {'lp': -183.065064270358, 'lp_missing': -172.6496523713622, 'ssm_lp': -2894.3928889291465, 'names': ['observation_noise_scale', 'a/_coefficients', 'a/_level_scale'], 'latent': 2, 'prior_lp': [-1.099565905941352, -1.9828770664093454, -0.895831210564096], 'init_mean': [-2.604233136223616, -2.604233136223616]},
    'regression': {'lp': -1168.1709847878003, 'lp_missing': -1033.8255800514887, 'names': ['observation_noise_scale', 'a/_weights'], 'latent': 0, 'prior_lp': [-1.099565905941352, -6.558817640256597]},
}


@pytest.mark.parametrize("key", sorted(TFP))
def test_component_matches_tfp(key):
    y, x = _series(), _design()
    ym = y.copy()
    ym[[4, 11, 12]] = np.nan
    component, values = _cases(y, x)[key]
    want = TFP[key]
    model = sts.Sum([component], observed_time_series=y)
    assert [p.name for p in model.parameters] == want["names"]
    assert model.latent_size == want["latent"]
    params = [0.25] + values
    np.testing.assert_allclose(float(model.joint_log_prob(y)(*params)), want["lp"], rtol=1e-10)
    np.testing.assert_allclose(float(model.joint_log_prob(ym)(*params)), want["lp_missing"], rtol=1e-10)
    masked = sts.MaskedTimeSeries(np.where(np.isnan(ym), 1e6, ym), np.isnan(ym))
    np.testing.assert_allclose(float(model.joint_log_prob(masked)(*params)), want["lp_missing"], rtol=1e-10)
    prior_lp = [float(np.sum(p.prior.log_prob(v).numpy())) for p, v in zip(model.parameters, params)]
    np.testing.assert_allclose(prior_lp, want["prior_lp"], rtol=1e-10)
    if "init_mean" in want:
        np.testing.assert_allclose(component.initial_state_prior.mean().numpy(), want["init_mean"], rtol=1e-10,
                                   atol=1e-12)
    if "ssm_lp" in want:
        ssm = component.make_state_space_model(num_timesteps=30, param_vals=values, observation_noise_scale=0.1)
        np.testing.assert_allclose(float(ssm.log_prob(y[:, None])), want["ssm_lp"], rtol=1e-10)
    # the joint distribution pinned to the series gives the same density, by parameter name
    jd = model.joint_distribution(y)
    np.testing.assert_allclose(float(jd.log_prob(dict(zip(want["names"], params)))), want["lp"], rtol=1e-10)


def _dense_sum_logpdf(y, x, level_scale, slope_scale, drift_scale, weights, noise_scale, init_mean, init_scale,
                      season_mean, season_scale, offset):
    """log N(y; mean, cov) of LocalLinearTrend + Seasonal(4 seasons, unconstrained) + regression,
    with every Gaussian written out as a linear map of independent standard normals."""
    t_len = len(y)
    # the latent z = [level, slope, e0..e3]; z[t] = M_t @ w for the stacked standard normals w
    n_noise = 6 + t_len * 6
    z = np.zeros((6, n_noise))
    z[:2, :2] = np.diag(init_scale)
    z[2:, 2:6] = np.eye(4) * season_scale
    z_mean = np.concatenate([init_mean, np.full(4, season_mean)])
    perm = np.eye(4)[[1, 2, 3, 0]]
    rows, means = [], []
    for t in range(t_len):
        rows.append(z[0] + z[2])
        means.append(z_mean[0] + z_mean[2] + x[t] @ weights + offset)
        a = np.eye(6)
        a[0, 1] = 1.
        a[2:, 2:] = perm                                            # every step ends a season
        noise = np.zeros((6, n_noise))
        col = 6 + t * 6
        noise[0, col], noise[1, col + 1], noise[5, col + 2] = level_scale, slope_scale, drift_scale
        z, z_mean = a @ z + noise, a @ z_mean
    m = np.array(rows)
    cov = m @ m.T + noise_scale ** 2 * np.eye(t_len)
    return st.multivariate_normal(np.array(means), cov).logpdf(y)


def test_sum_log_likelihood_matches_dense_multivariate_normal():
    y, x = _series(), _design()
    trend = sts.LocalLinearTrend(observed_time_series=y, name="trend")
    season = sts.Seasonal(num_seasons=4, constrain_mean_effect_to_zero=False, observed_time_series=y, name="season")
    reg = sts.LinearRegression(design_matrix=x, name="reg")
    model = trend + season + reg
    assert isinstance(model, sts.Sum) and [c.name for c in model.components] == ["trend/", "season/", "reg/"]
    w = np.array([0.8, -0.4])
    ssm = model.make_state_space_model(30, [0.3, 0.2, 0.05, 0.1, w])
    mean, std, initial = (v.numpy() for v in sts.util.empirical_statistics(y))
    want = _dense_sum_logpdf(y, x, 0.2, 0.05, 0.1, w, 0.3, [initial, 0.], [abs(initial) + std, std], initial,
                             abs(initial) + std, mean)
    np.testing.assert_allclose(float(ssm.log_prob(y[:, None])), want, rtol=1e-10)
    np.testing.assert_allclose(mean, y.mean(), rtol=1e-12)
    np.testing.assert_allclose(std, y.std(), rtol=1e-12)
    np.testing.assert_allclose(initial, y[0] - y.mean(), rtol=1e-12)


def test_constrained_seasonal_effects_sum_to_zero():
    y = _series()
    season = sts.Seasonal(num_seasons=5, num_steps_per_season=2, observed_time_series=y)
    ssm = season.make_state_space_model(20, [0.0])                  # no drift: the effects repeat each cycle
    to_res, to_eff = (m.numpy() for m in sts.seasonal.build_effects_to_residuals_matrix(5, wb.float64))
    np.testing.assert_allclose(to_res @ to_eff, np.eye(4), atol=1e-12)
    draws = ssm.sample(3, seed=7).numpy()[..., 0]
    # an observation is the current season's effect; the effects of one cycle sum to zero
    np.testing.assert_allclose(draws[:, :10:2].sum(-1), 0., atol=1e-9)
    np.testing.assert_allclose(draws[:, :10], draws[:, 10:], atol=1e-9)
    np.testing.assert_allclose(draws[:, 0:10:2], draws[:, 1:10:2], atol=1e-9)


def test_batch_of_series_and_default_priors_follow_the_data():
    y = np.stack([_series(), 2. * _series()[::-1]])
    model = sts.LocalLinearTrend(observed_time_series=y)
    assert model.batch_shape == (2,)
    lp = model.joint_distribution(y).log_prob({"level_scale": wb.constant([0.2, 0.3], dtype=wb.float64),
                                               "slope_scale": wb.constant([0.1, 0.1], dtype=wb.float64)})
    assert lp.shape == (2,)
    single = sts.LocalLinearTrend(observed_time_series=y[1]).joint_log_prob(y[1])(0.3, 0.1)
    np.testing.assert_allclose(float(lp[1]), float(single), rtol=1e-10)
    unobserved = sts.LocalLevel()
    assert unobserved.parameters[0].prior.dtype == wb.float32
    np.testing.assert_allclose(unobserved.parameters[0].prior.loc.numpy(), np.log(.05), rtol=1e-6)


def test_bad_arguments_are_named():
    y = _series()
    with pytest.raises(ValueError, match="num_steps_per_season"):
        sts.Seasonal(num_seasons=3, num_steps_per_season=[1, 2], observed_time_series=y)
    with pytest.raises(ValueError, match="unique names"):
        sts.Sum([sts.LocalLevel(name="x"), sts.LocalLevel(name="x")], observed_time_series=y)
    with pytest.raises(ValueError, match="param_vals"):
        sts.LocalLinearTrend(observed_time_series=y).make_state_space_model(10, [0.1])
    with pytest.raises(ValueError, match="doesn't match order"):
        sts.Autoregressive(order=3, coefficients_prior=tfd.MultivariateNormalDiag(scale_diag=[1., 1.]))
    with pytest.raises(ValueError, match="neither summand"):
        sts.LocalLevel() + sts.LocalLevel(name="b")


def test_every_component_in_one_sum_matches_tfp_and_differentiates():
    t = np.arange(24.)
    y = np.sin(t / 2) + 0.1 * t
    y[[3, 9]] = np.nan
    x = np.stack([np.cos(t / 3), t / 24], -1)
    model = sts.Sum([sts.LocalLinearTrend(observed_time_series=y),
                     sts.Seasonal(num_seasons=3, num_steps_per_season=2, observed_time_series=y),
                     sts.Autoregressive(order=2, observed_time_series=y), sts.LinearRegression(x),
                     sts.SemiLocalLinearTrend(observed_time_series=y),
                     sts.SmoothSeasonal(period=5., frequency_multipliers=[1.], observed_time_series=y)],
                    observed_time_series=y)
    assert model.latent_size == 2 + 2 + 2 + 0 + 2 + 2
    values = [0.3, 0.2, 0.1, 0.15, np.array([0.4, -0.1]), 0.2, np.array([0.5, -0.3]), 0.1, 0.05, 0.08, 0.3, 0.2]
    log_joint = model.joint_log_prob(y)
    tensors = [wb.constant(np.asarray(v, np.float64)) for v in values]
    with wb.GradientTape() as tape:
        tape.watch(tensors)
        lp = log_joint(*tensors)
    np.testing.assert_allclose(float(lp), -44.74531909885353, rtol=1e-10)     # TFP 0.25
    grads = tape.gradient(lp, tensors)
    eps = 1e-6
    for i, v in enumerate(values):
        v = np.asarray(v, np.float64)
        for j in np.ndindex(v.shape):
            up, down = ([np.array(u, np.float64) for u in values] for _ in range(2))
            up[i][j] += eps
            down[i][j] -= eps
            fd = (float(log_joint(*up)) - float(log_joint(*down))) / (2 * eps)
            np.testing.assert_allclose(grads[i].numpy()[j], fd, rtol=1e-6, atol=1e-6)


def test_sparse_linear_regression_matches_tfp():
    t = np.arange(20.)
    y = np.sin(t / 3.) + 0.05 * t
    x = np.stack([np.cos(t / 4.), np.linspace(-1, 1, 20), np.sin(t)], -1)
    component = sts.SparseLinearRegression(design_matrix=x, weights_prior_scale=0.2, name="s")
    model = sts.Sum([component], observed_time_series=y)
    assert [p.name for p in model.parameters] == [
        "observation_noise_scale", "s/_global_scale_variance", "s/_global_scale_noncentered",
        "s/_local_scale_variances", "s/_local_scales_noncentered", "s/_weights_noncentered"]
    values = [np.asarray(v, np.float64) for v in (0.3, 0.7, 1.2, [0.5, 2., 1.], [0.3, 0.8, 1.5], [1., -2., 0.5])]
    weights = component.params_to_weights(*[wb.constant(v) for v in values[1:]]).numpy()
    # TFP 0.25
    np.testing.assert_allclose(weights, [0.04259577443831724, -0.45435492734205063, 0.1505988047761336], rtol=1e-12)
    np.testing.assert_allclose(float(model.joint_log_prob(y)(*values)), -41.472581992885864, rtol=1e-10)
    # the same weights through LinearRegression give the same likelihood
    plain = sts.Sum([sts.LinearRegression(design_matrix=x, name="r")], observed_time_series=y)
    ssm_a = model.make_state_space_model(20, values)
    ssm_b = plain.make_state_space_model(20, [values[0], weights])
    np.testing.assert_allclose(float(ssm_a.log_prob(y[:, None])), float(ssm_b.log_prob(y[:, None])), rtol=1e-12)


@pytest.mark.parametrize("kwargs,values,want", [
    # TFP 0.25: parameter names, latent size, joint log density (full series, then 3 steps missing),
    # the initial state prior's stddevs
    (dict(ar_order=2, ma_order=1, integration_degree=1), (0.3, [0.5, -0.2], [0.4], 0.2),
     (["observation_noise_scale", "a/_ar_coefficients", "a/_ma_coefficients", "a/_level_scale"], 3,
      -72.54339580203606, -72.31972209629653, [0.8949932482, 0.0, 0.0])),
    (dict(ar_order=1, ma_order=2, level_drift_prior="normal"), (0.3, [0.6], [0.3, -0.2], 0.1, 0.2),
     (["observation_noise_scale", "a/_ar_coefficients", "a/_ma_coefficients", "a/_level_drift", "a/_level_scale"], 3,
      -135.23298796257342, -120.25065484910925, [5.7208962446, 0.0, 0.0])),
    (dict(ar_order=0, ma_order=1, integration_degree=2), (0.3, [0.5], 0.2),
     (["observation_noise_scale", "a/_ma_coefficients", "a/_level_scale"], 4,
      -76.05371852758279, -76.0491569193929, [1.0200782297, 0.0, 0.0, 0.0])),
])
def test_arima_matches_tfp(kwargs, values, want):
    t = np.arange(25.)
    y = np.cumsum(np.sin(t / 3.) + 0.1) + 0.2 * np.cos(2.1 * t)
    ym = y.copy()
    ym[[2, 7, 8]] = np.nan
    if kwargs.get("level_drift_prior") == "normal":
        kwargs = dict(kwargs, level_drift_prior=tfd.Normal(np.float64(0.), np.float64(1.)))
    component = sts.AutoregressiveIntegratedMovingAverage(observed_time_series=y, name="a", **kwargs)
    model = sts.Sum([component], observed_time_series=y)
    values = [np.asarray(v, np.float64) for v in values]
    names, latent, lp, lp_missing, init_std = want
    assert [p.name for p in model.parameters] == names and component.latent_size == latent
    np.testing.assert_allclose(float(model.joint_log_prob(y)(*values)), lp, rtol=1e-10)
    np.testing.assert_allclose(float(model.joint_log_prob(ym)(*values)), lp_missing, rtol=1e-10)
    np.testing.assert_allclose(component.initial_state_prior.stddev().numpy(), init_std, atol=1e-9)


def test_arima_integrated_once_is_the_cumulative_sum_of_arma():
    # ARIMA(1, 1, 0): y[t] = s0 + z[0] + ... + z[t] with z an AR(1) path, so log p(y) = log p(z)
    rng = np.random.default_rng(4)
    z = 0.3 * rng.standard_normal(16)
    y = 2. + np.cumsum(z)
    prior = tfd.MultivariateNormalDiag(loc=wb.constant([0., 2.], dtype=wb.float64),
                                       scale_diag=wb.constant([1., 1e-9], dtype=wb.float64))
    arima = sts.AutoregressiveIntegratedMovingAverage(ar_order=1, ma_order=0, integration_degree=1,
                                                      initial_state_prior=prior)
    ssm = arima.make_state_space_model(16, [np.array([0.5]), 0.4])
    assert isinstance(ssm, sts.IntegratedStateSpaceModel) and ssm.original_ssm.order == 1
    var = [1.]
    for _ in range(15):
        var.append(0.25 * var[-1] + 0.16)
    cov = np.array([[0.5 ** abs(i - j) * var[min(i, j)] for j in range(16)] for i in range(16)])
    want = st.multivariate_normal(np.zeros(16), cov).logpdf(z)
    np.testing.assert_allclose(float(ssm.log_prob(y[:, None])), want, rtol=1e-7)


def test_prior_sample_shapes_and_first_step():
    y = _series()
    model = sts.Sum([sts.LocalLinearTrend(observed_time_series=y), sts.Seasonal(num_seasons=3, observed_time_series=y)],
                    observed_time_series=y)
    # a seed pair is stateless: two draws agree (an int seed is stateful, as in TFP)
    traj, params = model.prior_sample(8, params_sample_shape=[4], trajectories_sample_shape=[2], seed=(1, 2))
    assert traj.shape == (2, 4, 8, 1) and [p.shape for p in params] == [(4,)] * 4
    again = model.prior_sample(8, params_sample_shape=[4], trajectories_sample_shape=[2], seed=(1, 2))[0]
    np.testing.assert_array_equal(traj.numpy(), again.numpy())
    # a lone LocalLevel starts at its initial level prior, whatever the level scale drawn
    level = sts.LocalLevel(observed_time_series=y)
    first = level.prior_sample(3, trajectories_sample_shape=[4000], seed=2)[0].numpy()[:, 0, 0]
    prior = level.initial_state_prior
    loc, scale = float(prior.mean().numpy()[0]), float(prior.stddev().numpy()[0])
    assert abs(first.mean() - loc) < 4 * scale / np.sqrt(4000)
    assert abs(first.std() / scale - 1) < 0.06


def test_dynamic_linear_regression_matches_tfp():
    t = np.arange(20.)
    x = np.stack([np.cos(t / 4.), np.linspace(-1, 1, 20)], -1)
    y = x @ np.array([1., -2.]) + 0.3 * np.sin(t)
    ym = y.copy()
    ym[[3, 4]] = np.nan
    component = sts.DynamicLinearRegression(design_matrix=x, observed_time_series=y, name="d")
    assert component.latent_size == 2 and component.initial_state_prior.stddev().numpy().tolist() == [10., 10.]
    model = sts.Sum([component, sts.LocalLevel(observed_time_series=y, name="l")], observed_time_series=y)
    assert [p.name for p in model.parameters] == ["observation_noise_scale", "d/_drift_scale", "l/_level_scale"]
    values = [np.float64(0.2), np.float64(0.1), np.float64(0.05)]
    # TFP 0.25
    np.testing.assert_allclose(float(model.joint_log_prob(y)(*values)), -10.044163282448297, rtol=1e-10)
    np.testing.assert_allclose(float(model.joint_log_prob(ym)(*values)), -10.489524209197247, rtol=1e-10)
    # no drift and a point-mass start: the series is Normal around design_matrix @ weights
    ssm = component.make_state_space_model(20, [0.], initial_state_prior=tfd.MultivariateNormalDiag(
        loc=wb.constant([1., -2.], dtype=wb.float64), scale_diag=wb.constant([1e-9, 1e-9], dtype=wb.float64)),
        observation_noise_scale=0.3)
    want = st.norm(x @ np.array([1., -2.]), 0.3).logpdf(y).sum()
    np.testing.assert_allclose(float(ssm.log_prob(y[:, None])), want, rtol=1e-8)


def test_joint_distribution_samples_and_several_trajectories():
    y = np.sin(np.arange(12.) / 2.)
    model = sts.Sum([sts.LocalLevel(observed_time_series=y, name="lvl")], observed_time_series=y)
    jd = model.joint_distribution(num_timesteps=12)
    draw = jd.sample(3, seed=1)
    assert {k: tuple(v.shape) for k, v in draw.items()} == {
        "observation_noise_scale": (3,), "lvl/_level_scale": (3,), "observed_time_series": (3, 12, 1)}
    assert jd.log_prob(draw).shape == (3,)
    # two series of one (unbatched) model: their log likelihoods add
    two = np.stack([y, y + 0.1])
    params = {"observation_noise_scale": 0.3, "lvl/_level_scale": 0.2}
    each = [float(model.joint_distribution(s).log_prob(params)) for s in two]
    prior = float(model.parameters[0].prior.log_prob(0.3) + model.parameters[1].prior.log_prob(0.2))
    np.testing.assert_allclose(float(model.joint_distribution(two).log_prob(params)), sum(each) - prior, rtol=1e-12)
    np.testing.assert_allclose(float(model.joint_log_prob(two)(0.3, 0.2)), sum(each) - prior, rtol=1e-12)


@pytest.mark.parametrize("constrain,want_lp,want_cov", [
    # TFP 0.25
    (True, -104.5031330916839, [[0.9166666667, -1.0833333333], [-1.0833333333, 1.9166666667]]),
    (False, -77.13924266239235, [[1., 0., 0.], [0., 4., 0.], [0., 0., 0.25]]),
])
def test_seasonal_cycles_of_season_lengths_and_joint_effect_prior_match_tfp(constrain, want_lp, want_cov):
    t = np.arange(30.)
    y = np.sin(2 * np.pi * t / 7.) + 0.05 * t
    prior = tfd.MultivariateNormalDiag(loc=np.array([0.1, -0.2, 0.3]), scale_diag=np.array([1., 2., 0.5]))
    component = sts.Seasonal(num_seasons=3, num_steps_per_season=np.array([[2, 3, 2], [3, 2, 2]]),
                             initial_effect_prior=prior, constrain_mean_effect_to_zero=constrain,
                             observed_time_series=y, name="s")
    model = sts.Sum([component], observed_time_series=y)
    np.testing.assert_allclose(float(model.joint_log_prob(y)(np.float64(0.2), np.float64(0.15))), want_lp, rtol=1e-10)
    np.testing.assert_allclose(component.initial_state_prior.covariance().numpy(), want_cov, atol=1e-9)


def test_observed_series_forms_and_bad_series():
    y = _series()
    x, mask = sts.util.canonicalize_observed_time_series_with_mask(y)
    assert x.shape == (30, 1) and x.dtype == wb.float64 and mask is None
    x, _ = sts.util.canonicalize_observed_time_series_with_mask(np.arange(5))
    assert x.shape == (5, 1) and x.dtype == wb.float32
    assert sts.util.canonicalize_observed_time_series_with_mask(y[:, None])[0].shape == (30, 1)
    with pytest.raises(TypeError, match="observed_time_series"):
        sts.LocalLevel(observed_time_series=["a", "b"])
    with pytest.raises(ValueError, match="is_missing"):
        sts.util.canonicalize_observed_time_series_with_mask(sts.MaskedTimeSeries(y, np.zeros(4, bool)))
