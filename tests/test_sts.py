"""probability.sts inference: forecasts, one-step predictions, imputation and decompositions pinned
to TFP 0.25 (tests/fixtures/sts_tfp025_forecast.npz, from tfp.sts in float64 at fixed parameter
draws), surrogate posteriors, HMC, and a short run of TFP's "Structural Time Series modeling"
tutorial flow."""

import os

import numpy as np
import pytest

import workbench as wb
from probability import sts, vi

_FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "sts_tfp025_forecast.npz")


def _data():
    t = np.arange(36.)
    y = 10. + 0.3 * t + 2. * np.sin(2 * np.pi * t / 4.) + 0.2 * np.cos(2.3 * t)
    ym = y.copy()
    ym[[5, 17, 18]] = np.nan
    params = [np.array([0.2, 0.3, 0.25]), np.array([0.1, 0.05, 0.2]), np.array([0.02, 0.03, 0.01]),
              np.array([0.1, 0.2, 0.15])]
    return y, ym, params


def _model(y):
    trend = sts.LocalLinearTrend(observed_time_series=y, name="trend")
    season = sts.Seasonal(num_seasons=4, observed_time_series=y, name="season")
    return sts.Sum([trend, season], observed_time_series=y)


def test_forecast_and_predictive_distributions_match_tfp():
    want = np.load(_FIXTURE)
    y, ym, params = _data()
    model = _model(y)
    f = sts.forecast(model, ym, params, num_steps_forecast=6)
    assert f.event_shape == (6, 1) and f.batch_shape == ()
    np.testing.assert_allclose(f.mean().numpy()[..., 0], want["fc_mean"], rtol=1e-10)
    np.testing.assert_allclose(f.stddev().numpy()[..., 0], want["fc_std"], rtol=1e-10)
    np.testing.assert_allclose(float(f.log_prob(np.linspace(20, 22, 6)[:, None])), want["fc_lp"], rtol=1e-10)
    f0 = sts.forecast(model, ym, params, num_steps_forecast=6, include_observation_noise=False)
    np.testing.assert_allclose(f0.stddev().numpy()[..., 0], want["fc0_std"], rtol=1e-10)
    o = sts.one_step_predictive(model, ym, params)
    assert o.event_shape == (36,)
    np.testing.assert_allclose(o.mean().numpy(), want["osp_mean"], rtol=1e-10)
    np.testing.assert_allclose(o.stddev().numpy(), want["osp_std"], rtol=1e-10)
    assert sts.one_step_predictive(model, ym, params, timesteps_are_event_shape=False).batch_shape == (36,)
    i = sts.impute_missing_values(model, ym, params)
    np.testing.assert_allclose(i.mean().numpy(), want["imp_mean"], rtol=1e-10)
    np.testing.assert_allclose(i.stddev().numpy(), want["imp_std"], rtol=1e-10)
    # the same missing steps given as a MaskedTimeSeries
    masked = sts.MaskedTimeSeries(np.nan_to_num(ym, nan=-50.), np.isnan(ym))
    np.testing.assert_allclose(sts.impute_missing_values(model, masked, params).mean().numpy(), want["imp_mean"],
                               rtol=1e-10)


def test_decompositions_match_tfp_and_add_up():
    want = np.load(_FIXTURE)
    y, ym, params = _data()
    model = _model(y)
    parts = sts.decompose_by_component(model, ym, params)
    assert list(parts) == model.components
    for (component, d), (mean, std) in zip(parts.items(), want["dec"]):
        assert d.batch_shape == (36,)
        # TFP's smoother differs from ours in float64 rounding at ~1e-8
        np.testing.assert_allclose(d.mean().numpy(), mean, rtol=1e-7, atol=1e-7)
        np.testing.assert_allclose(d.stddev().numpy(), std, rtol=1e-7, atol=1e-7)
    # components plus the constant offset are the imputed signal
    total = sum(d.mean().numpy() for d in parts.values()) + model.constant_offset.numpy()
    imputed = sts.impute_missing_values(model, ym, params).mean().numpy()
    np.testing.assert_allclose(total, imputed, rtol=1e-9)
    f = sts.forecast(model, ym, params, num_steps_forecast=6)
    fparts = sts.decompose_forecast_by_component(model, f, params)
    for d, (mean, std) in zip(fparts.values(), want["decf"]):
        assert d.batch_shape == (6,)
        np.testing.assert_allclose(d.mean().numpy(), mean, rtol=1e-7, atol=1e-7)
        np.testing.assert_allclose(d.stddev().numpy(), std, rtol=1e-7, atol=1e-7)
    ftotal = sum(d.mean().numpy() for d in fparts.values()) + model.constant_offset.numpy()
    np.testing.assert_allclose(ftotal, f.mean().numpy()[..., 0], rtol=1e-9)


def test_surrogate_posterior_and_uniform_initial_state():
    y, _, _ = _data()
    model = _model(y)
    q = sts.build_factored_surrogate_posterior(model, batch_shape=[2], seed=1)
    draw = q.sample(seed=2)
    assert list(draw) == [p.name for p in model.parameters]
    assert all(v.shape == (2,) and v.dtype == wb.float64 for v in draw.values())
    assert all((v.numpy() > 0).all() for v in draw.values())          # every parameter here is a scale
    assert np.isfinite(model.joint_distribution(y).log_prob(draw).numpy()).all()
    p = model.parameters[0]
    stddev = float(np.std(y))
    s = sts.sample_uniform_initial_state(p, init_sample_shape=[500], seed=3).numpy()
    soft = lambda u: np.log1p(np.exp(u))  # noqa: E731
    assert s.shape == (500,) and (s > stddev * soft(-2.)).all() and (s < stddev * soft(2.)).all()
    u = sts.sample_uniform_initial_state(p, return_constrained=False, init_sample_shape=[500], seed=3).numpy()
    assert (np.abs(u) < 2.).all() and u.std() > 0.9                     # uniform on (-2, 2): stddev 1.15


def test_fit_with_hmc_draws_the_parameters():
    rng = np.random.default_rng(1)
    y = np.cumsum(0.3 * rng.standard_normal(12)) + 0.1 * rng.standard_normal(12)
    model = sts.Sum([sts.LocalLevel(observed_time_series=y)], observed_time_series=y)
    # a seed pair is stateless: two fits agree (an int seed is stateful, as in TFP)
    samples, results = sts.fit_with_hmc(model, y, num_results=5, num_warmup_steps=4, num_leapfrog_steps=2,
                                        num_variational_steps=5, seed=(3, 4))
    assert [s.shape for s in samples] == [(5,), (5,)]
    assert all((s.numpy() > 0).all() and np.isfinite(s.numpy()).all() for s in samples)
    again, _ = sts.fit_with_hmc(model, y, num_results=5, num_warmup_steps=4, num_leapfrog_steps=2,
                                num_variational_steps=5, seed=(3, 4))
    np.testing.assert_array_equal(samples[0].numpy(), again[0].numpy())


@pytest.mark.slow
def test_tutorial_flow_co2_like_series():
    # TFP's "Structural Time Series modeling" tutorial, shortened: a trend plus a 12-month season
    rng = np.random.default_rng(0)
    t = np.arange(60.)

    def signal(t):
        return 315. + 0.1 * t + 0.001 * t ** 2 + 3. * np.sin(2 * np.pi * t / 12.)

    y = (signal(t) + 0.2 * rng.standard_normal(60)).astype(np.float32)
    trend = sts.LocalLinearTrend(observed_time_series=y)
    seasonal = sts.Seasonal(num_seasons=12, observed_time_series=y)
    model = sts.Sum([trend, seasonal], observed_time_series=y)
    surrogate = sts.build_factored_surrogate_posterior(model=model, seed=1)
    losses = vi.fit_surrogate_posterior(target_log_prob_fn=model.joint_distribution(observed_time_series=y).log_prob,
                                        surrogate_posterior=surrogate,
                                        optimizer=wb.optimizers.Adam(learning_rate=0.1), num_steps=200, seed=2)
    losses = losses.numpy()
    assert np.isfinite(losses).all() and losses[-20:].mean() < losses[:20].mean() - 50.
    q_samples = surrogate.sample(20, seed=3)
    fc = sts.forecast(model, observed_time_series=y, parameter_samples=q_samples, num_steps_forecast=12)
    mean, std = fc.mean().numpy()[..., 0], fc.stddev().numpy()[..., 0]
    draws = fc.sample(5, seed=4).numpy()
    assert mean.shape == std.shape == (12,) and draws.shape == (5, 12, 1) and mean.dtype == np.float32
    future = signal(np.arange(60., 72.))
    assert (np.abs(mean - future) < 3. * std + 0.5).all()               # the continuation lies inside the band
    assert (std > 0).all() and std[-1] > std[0]                          # uncertainty grows with the horizon
    parts = sts.decompose_by_component(model, y, q_samples)
    assert [d.batch_shape for d in parts.values()] == [(60,), (60,)]
    season_mean = parts[seasonal].mean().numpy()
    assert np.corrcoef(season_mean, 3. * np.sin(2 * np.pi * t / 12.))[0, 1] > 0.95


def test_regularize_series_matches_tfp():
    pd = pytest.importorskip("pandas")
    idx = pd.to_datetime
    cases = {   # input, then TFP 0.25's frequency and values (NaN for the added steps)
        "hourly gaps": (pd.Series([1., 2., 3., 4.], index=idx(["2020-01-01 00:00", "2020-01-01 02:00",
                                                              "2020-01-01 03:00", "2020-01-01 07:00"])),
                        "<DateOffset: hours=1>", [1., np.nan, 2., 3., np.nan, np.nan, np.nan, 4.]),
        "month end": (pd.Series([1., 2., 3.], index=idx(["2020-01-31", "2020-02-29", "2020-04-30"])),
                      "<MonthEnd>", [1., 2., np.nan, 3.]),
        "month start": (pd.Series([1., 2., 3.], index=idx(["2020-01-01", "2020-02-01", "2020-05-01"])),
                        "<DateOffset: months=1>", [1., 2., np.nan, np.nan, 3.]),
        "weekly": (pd.Series([1., 2., 3.], index=idx(["2020-01-01", "2020-01-15", "2020-01-22"])),
                   "<DateOffset: weeks=1>", [1., np.nan, 2., 3.]),
        "repeated stamps sum": (pd.Series([1., 2., 5., 3.], index=idx(["2020-01-01", "2020-01-03", "2020-01-03",
                                                                        "2020-01-07"])),
                                "<DateOffset: days=2>", [1., 7., np.nan, 3.]),
        "frame": (pd.DataFrame({"a": [1., 2., 3.], "b": [4., 5., 6.]},
                               index=idx(["2020-01-01 00:00", "2020-01-01 00:30", "2020-01-01 02:00"])),
                  "<DateOffset: minutes=30>", [1., 4., 2., 5., np.nan, np.nan, np.nan, np.nan, 3., 6.]),
    }
    for name, (series, freq, values) in cases.items():
        out = sts.regularize_series(series)
        assert str(out.index.freq) == freq, name
        np.testing.assert_array_equal(np.asarray(out.values).ravel(), values)
    hourly = cases["hourly gaps"][0]
    with pytest.raises(ValueError, match="maximum series length"):
        sts.regularize_series(hourly, max_series_length=5)
    with pytest.raises(ValueError, match="4 out of 8"):
        sts.regularize_series(hourly, err_missing_tolerance=sts.MissingValuesTolerance(0.3, 1., 1., 100, 100))
    with pytest.warns(UserWarning, match="4 out of 8"):
        sts.regularize_series(hourly, warn_missing_tolerance=sts.MissingValuesTolerance(0.3, 1., 1., 100, 100))
    with pytest.raises(TypeError, match="pandas"):
        sts.regularize_series(np.ones(3))
    # a regularized series is accepted as observed_time_series (NaN steps are missing)
    model = sts.LocalLevel(observed_time_series=sts.regularize_series(hourly))
    assert np.isfinite(float(model.joint_log_prob(sts.regularize_series(hourly))(0.5)))


def test_batch_of_series_forecast_and_decomposition_match_tfp():
    t = np.arange(20.)
    y = np.stack([5. + 0.3 * t + np.sin(2 * np.pi * t / 4.), 2. - 0.1 * t + 0.5 * np.cos(2 * np.pi * t / 4.)])
    y[1, 7] = np.nan
    model = sts.Sum([sts.LocalLinearTrend(observed_time_series=y, name="trend"),
                     sts.Seasonal(num_seasons=4, observed_time_series=y, name="season"),
                     sts.Autoregressive(order=2, observed_time_series=y, name="ar")], observed_time_series=y)
    assert model.batch_shape == (2,)
    draws = np.array([1., 1.1, 1.2])
    params = [np.full([3, 2], 0.2), np.full([3, 2], 0.1), np.full([3, 2], 0.05), np.full([3, 2], 0.1),
              np.tile([0.5, -0.2], [3, 2, 1]) * np.array([1., 0.5, 1.2])[:, None, None], np.full([3, 2], 0.3)]
    params = [p * draws.reshape([3] + [1] * (p.ndim - 1)) for p in params]
    f = sts.forecast(model, y, params, num_steps_forecast=5)
    assert f.batch_shape == (2,) and f.event_shape == (5, 1)
    # TFP 0.25, rounded to 8 (decomposition: 6) digits
    np.testing.assert_allclose(f.mean().numpy()[..., 0], [
        [11.00724988, 12.28455014, 11.59334833, 10.90369267, 12.20803375],
        [0.48102494, -0.08737696, -0.69033053, -0.30508758, 0.0779188]], atol=1e-8)
    np.testing.assert_allclose(f.stddev().numpy()[..., 0], [
        [0.60234843, 0.74091912, 0.83159327, 0.90713399, 1.06927399],
        [0.60780024, 0.74443854, 0.83466835, 0.90713, 1.07415586]], atol=1e-8)
    parts = sts.decompose_by_component(model, y, params)
    want = [[[-2.863185, -2.568656, -2.267476], [0.960904, 0.872176, 0.775237]],
            [[0.021738, 0.974988, -0.006394], [0.460895, 0.025658, -0.482989]],
            [[-0.025356, 0.064933, 0.026714], [0.068783, -0.059796, -0.033363]]]
    for d, w in zip(parts.values(), want):
        assert d.batch_shape == (2, 20)
        np.testing.assert_allclose(d.mean().numpy()[:, :3], w, atol=1e-6)
    np.testing.assert_allclose(sts.one_step_predictive(model, y, params).stddev().numpy()[:, :4], [
        [7.6923553, 5.96562155, 6.20567619, 6.33842635], [3.64118301, 2.81254312, 2.8825198, 2.94254144]], atol=1e-8)
    fparts = sts.decompose_forecast_by_component(model, f, params)
    total = sum(d.mean().numpy() for d in fparts.values()) + model.constant_offset.numpy()
    np.testing.assert_allclose(total, f.mean().numpy()[..., 0], rtol=1e-9)


def test_forecast_of_a_single_component_and_copy_match_tfp():
    t = np.arange(15.)
    y = np.sin(t / 2.) + 0.2 * t
    level = sts.LocalLevel(observed_time_series=y)
    f = sts.forecast(level, y, [np.array([0.3, 0.4])], num_steps_forecast=3)
    # TFP 0.25: no observation noise outside a Sum
    np.testing.assert_allclose(f.mean().numpy()[..., 0], [3.4569866] * 3, atol=1e-7)
    np.testing.assert_allclose(f.stddev().numpy()[..., 0], [0.35355339, 0.5, 0.61237244], atol=1e-8)
    ar = sts.Autoregressive(order=1, observed_time_series=y)
    f = sts.forecast(ar, y, [np.array([[0.7], [0.5]]), np.array([0.3, 0.4])], num_steps_forecast=3)
    np.testing.assert_allclose(f.mean().numpy()[..., 0], [2.07419196, 1.27908504, 0.80893486], atol=1e-8)
    np.testing.assert_allclose(f.stddev().numpy()[..., 0], [0.49447706, 0.58235804, 0.56994863], atol=1e-8)
    renamed = ar.copy(name="renamed")
    assert renamed.name == "renamed/" and renamed.order == 1
    assert sorted(ar.init_parameters) == ["coefficient_constraining_bijector", "coefficients_prior",
                                          "initial_state_prior", "level_scale_prior", "name", "observed_time_series",
                                          "order"]
