"""Families added for TFP breadth: KL rules against quadrature, modes and edge statistics
(the generic checks live in tests/distribution_cases/breadth.py)."""

import numpy as np
import pytest
import scipy.integrate as si
import scipy.stats as st

import probability
import workbench as wb

tfd = probability.distributions


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


def _kl_quadrature(p, q, lo, hi):
    """KL(p || q) of two frozen SciPy distributions by quadrature over (lo, hi)."""
    f = lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)) if p.pdf(x) > 0 else 0.0
    return si.quad(f, lo, hi, limit=400)[0]


KL_CASES = [
    ("Gumbel", lambda: (tfd.Gumbel(f64(0.3), f64(1.2)), tfd.Gumbel(f64(-0.5), f64(0.7))),
     lambda: (st.gumbel_r(0.3, 1.2), st.gumbel_r(-0.5, 0.7)), (-np.inf, np.inf)),
    ("Weibull", lambda: (tfd.Weibull(f64(1.7), f64(2.0)), tfd.Weibull(f64(0.9), f64(1.3))),
     lambda: (st.weibull_min(1.7, scale=2.0), st.weibull_min(0.9, scale=1.3)), (0, np.inf)),
    ("Pareto", lambda: (tfd.Pareto(f64(3.0), f64(2.0)), tfd.Pareto(f64(1.5), f64(1.0))),
     lambda: (st.pareto(3.0, scale=2.0), st.pareto(1.5, scale=1.0)), (2.0, np.inf)),
    ("Chi", lambda: (tfd.Chi(f64(3.0)), tfd.Chi(f64(1.5))), lambda: (st.chi(3.0), st.chi(1.5)), (0, np.inf)),
    ("VonMises", lambda: (tfd.VonMises(f64(0.3), f64(2.5)), tfd.VonMises(f64(-1.0), f64(0.7))),
     lambda: (st.vonmises(2.5, loc=0.3), st.vonmises(0.7, loc=-1.0)), (0.3 - np.pi, 0.3 + np.pi)),
    ("Chi2 (Gamma's rule)", lambda: (tfd.Chi2(f64(3.0)), tfd.Chi2(f64(5.5))),
     lambda: (st.chi2(3.0), st.chi2(5.5)), (0, np.inf)),
]


@pytest.mark.parametrize("name,make,ref,support", KL_CASES, ids=[c[0] for c in KL_CASES])
def test_kl_matches_quadrature(name, make, ref, support):
    a, b = make()
    want = _kl_quadrature(*ref(), *support)
    np.testing.assert_allclose(float(tfd.kl_divergence(a, b)), want, rtol=1e-6)
    np.testing.assert_allclose(float(a.kl_divergence(a)), 0.0, atol=1e-12)


def test_pareto_kl_is_infinite_outside_the_support():
    a, b = tfd.Pareto(f64(3.0), f64(1.0)), tfd.Pareto(f64(3.0), f64(2.0))
    assert np.isinf(float(tfd.kl_divergence(a, b)))


def test_pareto_moments_are_infinite_for_heavy_tails():
    d = tfd.Pareto(f64([0.5, 1.5, 3.0]), f64(2.0))
    mean, var = d.mean().numpy(), d.variance().numpy()
    assert np.isinf(mean[0]) and np.isfinite(mean[1]) and np.isinf(var[1]) and np.isfinite(var[2])
    np.testing.assert_allclose(d.mode().numpy(), [2.0, 2.0, 2.0])
    assert float(d.log_prob(f64(1.0))[0]) == -np.inf and float(d.cdf(f64(1.0))[0]) == 0.0


def test_modes():
    np.testing.assert_allclose(tfd.Gumbel(f64(1.0), f64(2.0)).mode().numpy(), 1.0)
    np.testing.assert_allclose(tfd.Logistic(f64(1.0), f64(2.0)).mode().numpy(), 1.0)
    k, s = np.array([0.5, 3.0]), 2.0
    w = tfd.Weibull(f64(k), f64(s)).mode().numpy()
    np.testing.assert_allclose(w, [0.0, s * (2.0 / 3.0) ** (1 / 3.0)])
    a, b = 2.0, 3.0
    km = tfd.Kumaraswamy(f64([a, 0.5]), f64([b, b])).mode().numpy()
    np.testing.assert_allclose(km[0], ((a - 1) / (a * b - 1)) ** (1 / a))
    assert np.isnan(km[1])
    with pytest.raises(ValueError, match="mode"):
        tfd.Kumaraswamy(f64([0.5]), f64([2.0]), allow_nan_stats=False).mode()


def test_supports_outside_give_minus_inf():
    assert np.isnan(float(tfd.Weibull(f64(2.0), f64(1.0)).log_prob(f64(-0.5))))   # TFP's formula: log(-0.5)
    assert float(tfd.Weibull(f64(1.0), f64(1.0)).log_prob(f64(-0.5))) == 0.5       # TFP at concentration 1
    assert float(tfd.Weibull(f64(2.0), f64(1.0)).cdf(f64(-0.5))) == 0.0
    with pytest.raises(ValueError, match="support"):
        tfd.Kumaraswamy(f64(2.0), f64(2.0), validate_args=True).log_prob(f64(1.5))


def test_float32_defaults():
    for d in (tfd.Logistic(0.0, 1.0), tfd.Gumbel(0.0, 1.0), tfd.Weibull(2.0, 1.0), tfd.Pareto(3.0),
              tfd.Kumaraswamy(2.0, 3.0), tfd.Chi2([1.0, 3.0]), tfd.Chi([1.0, 3.0]),
              tfd.HalfStudentT(3.0, 0.0, [1.0, 2.0]), tfd.InverseGaussian([1.0, 2.0], 3.0),
              tfd.GeneralizedNormal(0.0, 1.0, [1.0, 3.0]), tfd.TruncatedNormal(0.0, 1.0, -1.0, [1.0, 2.0]),
              tfd.VonMises(0.0, [0.5, 40.0]), tfd.Horseshoe([1.0, 0.1]), tfd.BetaBinomial(5.0, [1.0, 2.0], 3.0),
              tfd.DirichletMultinomial(5.0, [1.0, 2.0, 3.0]),
              tfd.ZeroInflatedNegativeBinomial(inflated_loc_probs=0.3, total_count=5.0, probs=[0.2, 0.6]),
              tfd.RelaxedBernoulli(0.5, logits=[0.0, 1.0]), tfd.RelaxedOneHotCategorical(0.5, probs=[0.2, 0.3, 0.5]),
              tfd.ExpRelaxedOneHotCategorical(0.5, logits=[0.2, 0.3, 0.5]),
              tfd.SinhArcsinh(0.0, 1.0, skewness=[0.0, 0.5], tailweight=1.5), tfd.LKJ(3, [1.0, 2.0]),
              tfd.CholeskyLKJ(3, 2.0), tfd.WishartTriL(5.0, [[1.0, 0.0], [0.5, 2.0]]),
              tfd.MultivariateNormalDiagPlusLowRank(scale_diag=[1.0, 2.0], scale_perturb_factor=[[1.0], [0.5]])):
        x = d.sample(5, seed=1)
        assert x.dtype == np.float32 and d.log_prob(x).dtype == np.float32
        assert np.all(np.isfinite(d.log_prob(x).numpy()))


def test_chi2_is_a_gamma_and_keeps_its_parameters():
    d = tfd.Chi2(f64([1.0, 4.0]))
    assert isinstance(d, tfd.Gamma) and set(d.parameters) >= {"df"} and "concentration" not in d.parameters
    np.testing.assert_allclose(d.concentration.numpy(), [0.5, 2.0])
    np.testing.assert_allclose(d[1:].df.numpy(), [4.0])
    m = tfd.Chi2(f64([1.0, 4.0])).mode().numpy()
    assert np.isnan(m[0]) and m[1] == 2.0
    np.testing.assert_allclose(tfd.Chi(f64([3.0])).mode().numpy(), [np.sqrt(2.0)])


def test_inverse_gaussian_mode_and_samples():
    mu, lam = 2.0, 3.0
    d = tfd.InverseGaussian(f64(mu), f64(lam))
    x = np.linspace(0.05, 8.0, 20001)
    np.testing.assert_allclose(float(d.mode()), x[np.argmax(st.invgauss(mu / lam, scale=lam).pdf(x))], atol=1e-3)
    s = d.sample(20000, seed=3).numpy()
    assert st.kstest(s, st.invgauss(mu / lam, scale=lam).cdf).pvalue > 1e-4
    assert d.reparameterization_type is tfd.NOT_REPARAMETERIZED


def test_half_student_t_below_loc_and_heavy_tails():
    d = tfd.HalfStudentT(f64([0.8, 1.5, 3.0]), f64(1.0), f64(2.0))
    assert np.all(d.log_prob(f64(0.5)).numpy() == -np.inf) and np.all(d.cdf(f64(0.5)).numpy() == 0.0)
    mean, var = d.mean().numpy(), d.variance().numpy()
    assert np.isnan(mean[0]) and np.isfinite(mean[1]) and np.isnan(var[0]) and np.isinf(var[1])
    assert np.isfinite(var[2])


def test_generalized_normal_special_cases():
    x = f64([-1.3, 0.2, 2.5])
    g2 = tfd.GeneralizedNormal(f64(0.5), f64(2.0), f64(2.0))
    n = tfd.Normal(f64(0.5), f64(2.0 / np.sqrt(2.0)))
    np.testing.assert_allclose(g2.log_prob(x).numpy(), n.log_prob(x).numpy(), rtol=1e-12)
    np.testing.assert_allclose(g2.cdf(x).numpy(), n.cdf(x).numpy(), rtol=1e-10)
    g1 = tfd.GeneralizedNormal(f64(0.5), f64(2.0), f64(1.0))
    lap = tfd.Laplace(f64(0.5), f64(2.0))
    np.testing.assert_allclose(g1.log_prob(x).numpy(), lap.log_prob(x).numpy(), rtol=1e-12)


def test_truncated_normal_one_sided_and_far_tail():
    d = tfd.TruncatedNormal(f64(0.0), f64(1.0), f64([-np.inf, 8.0]), f64([0.5, np.inf]))
    ref = [st.truncnorm(-np.inf, 0.5), st.truncnorm(8.0, np.inf)]
    x = np.array([-0.7, 8.2])
    np.testing.assert_allclose(d.log_prob(f64(x)).numpy(), [r.logpdf(v) for r, v in zip(ref, x)], rtol=1e-9)
    np.testing.assert_allclose(d.cdf(f64(x)).numpy(), [r.cdf(v) for r, v in zip(ref, x)], rtol=1e-8)
    np.testing.assert_allclose(d.mean().numpy(), [r.mean() for r in ref], rtol=1e-8)
    s = d.sample(500, seed=4).numpy()
    assert np.all(s[:, 0] <= 0.5) and np.all(s[:, 1] >= 8.0) and np.all(np.isfinite(s))


def test_truncated_normal_samples_have_the_implicit_gradient():
    # dx/dtheta = -(dF/dtheta)(x) / p(x), with F's derivative by central differences in SciPy
    loc, scale, low, high = 0.3, 1.5, -1.0, 2.0
    params = [f64(loc), f64(scale), f64(low), f64(high)]
    with wb.GradientTape() as tape:
        for p in params:
            tape.watch(p)
        x = tfd.TruncatedNormal(*params).sample(7, seed=9)
        total = wb.reduce_sum(x)
    grads = [g.numpy() for g in tape.gradient(total, params)]
    xs = x.numpy()
    cdf = lambda th, v: st.truncnorm((th[2] - th[0]) / th[1], (th[3] - th[0]) / th[1], th[0], th[1]).cdf(v)
    theta = np.array([loc, scale, low, high])
    dens = st.truncnorm((low - loc) / scale, (high - loc) / scale, loc, scale).pdf(xs)
    for i in range(4):
        e = np.zeros(4)
        e[i] = 1e-6
        dF = (cdf(theta + e, xs) - cdf(theta - e, xs)) / 2e-6
        np.testing.assert_allclose(grads[i], np.sum(-dF / dens), rtol=1e-5, atol=1e-7)


def test_truncated_normal_refuses_empty_interval():
    with pytest.raises(ValueError, match="`low`"):
        tfd.TruncatedNormal(f64(0.0), f64(1.0), f64(1.0), f64(0.0), validate_args=True)


def test_relaxed_families_agree_for_two_classes():
    t, l0, l1 = 0.7, 0.4, -0.8
    x = np.array([0.15, 0.5, 0.9])
    rb = tfd.RelaxedBernoulli(f64(t), logits=f64(l1 - l0)).log_prob(f64(x)).numpy()
    pairs = f64(np.stack([1 - x, x], -1))
    roh = tfd.RelaxedOneHotCategorical(f64(t), logits=f64([l0, l1])).log_prob(pairs).numpy()
    np.testing.assert_allclose(roh, rb, rtol=1e-10)
    # TFP's ExpConcrete density at y = log x is the Concrete one plus sum(log x) over all K classes
    er = tfd.ExpRelaxedOneHotCategorical(f64(t), logits=f64([l0, l1])).log_prob(wb.log(pairs)).numpy()
    np.testing.assert_allclose(er, rb + np.log(1 - x) + np.log(x), rtol=1e-10)


def test_relaxed_samples_lie_on_the_simplex_and_harden_at_low_temperature():
    probs = np.array([0.2, 0.3, 0.5])
    x = tfd.RelaxedOneHotCategorical(f64(0.05), probs=f64(probs)).sample(4000, seed=2).numpy()
    np.testing.assert_allclose(x.sum(-1), 1.0, rtol=1e-12)
    freq = np.bincount(x.argmax(-1), minlength=3) / 4000
    np.testing.assert_allclose(freq, probs, atol=0.03)
    assert np.mean(x.max(-1) > 0.95) > 0.9
    y = tfd.ExpRelaxedOneHotCategorical(f64(0.05), probs=f64(probs)).sample(10, seed=2).numpy()
    np.testing.assert_allclose(np.log(np.exp(y).sum(-1)), 0.0, atol=1e-12)
    b = tfd.RelaxedBernoulli(f64(0.05), probs=f64(0.3)).sample(4000, seed=3).numpy()
    assert abs(np.mean(b > 0.5) - 0.3) < 0.03


def test_von_mises_log_prob_gradients_in_concentration():
    from gradients import check_gradients   # the project's finite-difference checker
    x = f64([0.3, 2.5, -2.05, 1.0])

    def f(loc, c):
        return tfd.VonMises(loc, c).log_prob(x)
    check_gradients(f, [np.array([0.0, 1.0, -2.0, 0.5]), np.array([0.5, 4.0, 39.0, 45.0])], order=2,
                    modes=("rev",), jacobian=False, atol=1e-6, rtol=1e-5)


def test_von_mises_cdf_beyond_the_series_range_matches_quadrature():
    import scipy.special as sp_   # Bessel reference values
    c, loc = 80.0, 0.4
    d = tfd.VonMises(f64(loc), f64(c))
    for x in (0.2, 0.5, 0.9):
        want = si.quad(lambda t: np.exp(c * (np.cos(t - loc) - 1)) / (2 * np.pi * sp_.i0e(c)),
                       loc - np.pi, x, limit=400, epsabs=1e-14)[0]
        np.testing.assert_allclose(float(d.cdf(f64(x))), want, rtol=1e-9, atol=1e-13)
    assert float(d.cdf(f64(loc + 2 * np.pi))) == pytest.approx(1.5)


def test_von_mises_samples_have_the_implicit_gradient():
    import scipy.special as sp_   # Bessel reference values
    loc, c = 0.3, 2.5
    params = [f64(loc), f64(c)]
    with wb.GradientTape() as tape:
        for p in params:
            tape.watch(p)
        x = tfd.VonMises(*params).sample(9, seed=5)
        total = wb.reduce_sum(x)
    g_loc, g_c = [g.numpy() for g in tape.gradient(total, params)]
    np.testing.assert_allclose(g_loc, 9.0, rtol=1e-9)
    xs = x.numpy()
    dF = (st.vonmises(c + 1e-6, loc=loc).cdf(xs) - st.vonmises(c - 1e-6, loc=loc).cdf(xs)) / 2e-6
    np.testing.assert_allclose(g_c, np.sum(-dF / st.vonmises(c, loc=loc).pdf(xs)), rtol=1e-5)
    # Monte Carlo: d/dc E[cos(x - loc)] = d/dc I1/I0 = 1 - A/c - A**2 with A = I1/I0
    pc = f64(c)
    with wb.GradientTape() as tape:
        tape.watch(pc)
        e = wb.reduce_mean(wb.cos(tfd.VonMises(f64(loc), pc).sample(40000, seed=6) - loc))
    a = sp_.i1e(c) / sp_.i0e(c)
    assert abs(float(tape.gradient(e, pc)) - (1 - a / c - a * a)) < 0.01


def test_low_rank_mvn_kl_and_samples():
    d = tfd.MultivariateNormalDiagPlusLowRank(loc=f64([0.5, -1.0]), scale_diag=f64([1.0, 2.0]),
                                              scale_perturb_factor=f64([[1.0], [0.5]]))
    s = np.diag([1.0, 2.0]) + np.array([[1.0], [0.5]]) @ np.array([[1.0, 0.5]])
    np.testing.assert_allclose(d.scale_operator_matrix().numpy(), s)
    np.testing.assert_allclose(d.covariance().numpy(), s @ s.T, rtol=1e-12)
    other = tfd.MultivariateNormalTriL(loc=f64([0.0, 0.0]), scale_tril=f64([[1.0, 0.0], [0.3, 1.5]]))
    c0, c1 = s @ s.T, np.array([[1.0, 0.3], [0.3, 2.34]])
    mu = np.array([0.5, -1.0])
    want = 0.5 * (np.trace(np.linalg.solve(c1, c0)) + mu @ np.linalg.solve(c1, mu) - 2
                  + np.log(np.linalg.det(c1) / np.linalg.det(c0)))
    np.testing.assert_allclose(float(tfd.kl_divergence(d, other)), want, rtol=1e-9)
    x = d.sample(20000, seed=1).numpy()
    np.testing.assert_allclose(np.cov(x.T), s @ s.T, atol=0.15)


def test_lkj_normalizer_is_the_integral_over_correlation_matrices():
    # dimension 3: integrate det(C)**(eta - 1) over the elliptope by Monte Carlo on [-1, 1]**3
    r = np.random.default_rng(0).uniform(-1, 1, size=(400000, 3))
    a, b, c = r.T
    det = 1 + 2 * a * b * c - a * a - b * b - c * c
    for eta in (1.0, 2.0):
        mc = 8 * np.mean(np.where(det > 0, np.abs(det) ** (eta - 1), 0.0))
        d = tfd.LKJ(3, f64(eta))
        log_z = -float(d.log_prob(f64(np.eye(3))))      # det(I) = 1
        np.testing.assert_allclose(np.exp(log_z), mc, rtol=0.01)
    np.testing.assert_allclose(-float(tfd.LKJ(3, f64(1.0)).log_prob(f64(np.eye(3)))), np.log(np.pi ** 2 / 2),
                               rtol=1e-12)


def test_lkj_samples_have_beta_marginals_and_match_cholesky_lkj():
    d = tfd.LKJ(4, f64([1.0, 3.0]))
    s = d.sample(3000, seed=1).numpy()
    np.testing.assert_allclose(np.diagonal(s, axis1=-2, axis2=-1), 1.0, rtol=1e-12)
    assert np.all(np.linalg.eigvalsh(s) > 0)
    for j, eta in enumerate([1.0, 3.0]):
        a = eta - 1 + 4 / 2
        for (p, q) in ((0, 1), (1, 3), (2, 3)):
            assert st.kstest((s[:, j, p, q] + 1) / 2, st.beta(a, a).cdf).pvalue > 1e-4
    chol = tfd.LKJ(4, f64(2.0), input_output_cholesky=True)
    l = chol.sample(5, seed=3)
    assert np.allclose(l.numpy(), np.tril(l.numpy()))
    c = wb.matmul(l, wb.linalg.matrix_transpose(l))
    np.testing.assert_allclose(chol.log_prob(l).numpy(), tfd.LKJ(4, f64(2.0)).log_prob(c).numpy(), rtol=1e-10)
    jac = np.sum(np.array([3, 2, 1, 0]) * np.log(np.diagonal(l.numpy(), axis1=-2, axis2=-1)), -1)
    np.testing.assert_allclose(tfd.CholeskyLKJ(4, f64(2.0)).log_prob(l).numpy(),
                               tfd.LKJ(4, f64(2.0)).log_prob(c).numpy() + jac, rtol=1e-10)
    with pytest.raises(ValueError, match="`dimension`"):
        tfd.LKJ(0, 1.0)


def test_wishart_cholesky_io_and_df_check():
    l = f64([[1.0, 0.0], [0.5, 2.0]])
    d = tfd.WishartTriL(f64(5.0), l, input_output_cholesky=True)
    c = d.sample(4, seed=2)
    assert np.allclose(c.numpy(), np.tril(c.numpy()))
    x = wb.matmul(c, wb.linalg.matrix_transpose(c))
    np.testing.assert_allclose(d.log_prob(c).numpy(), tfd.WishartTriL(f64(5.0), l).log_prob(x).numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match="`df`"):
        tfd.WishartTriL(f64(0.5), l, validate_args=True)


def test_horseshoe_samples_follow_the_density():
    import scipy.special as sp_   # the exponential integral, for the reference CDF
    s = 0.5
    x = tfd.Horseshoe(f64(s)).sample(4000, seed=4).numpy()
    grid = np.linspace(1e-9, 60.0, 400001)
    u = 0.5 * (grid / s) ** 2
    big = u > 500
    scaled = np.where(big, (1 - 1 / u + 2 / u ** 2) / u, np.exp(np.minimum(u, 500)) * sp_.exp1(np.minimum(u, 500)))
    pdf = scaled / (s * np.sqrt(2 * np.pi ** 3))
    half = np.concatenate([[0.0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]) * np.diff(grid))])
    tail = 2 * s / (np.pi * grid[-1]) * np.sqrt(2 / np.pi)   # mass beyond the grid, ~ sqrt(2/pi) s / x per side
    cdf = lambda v: np.where(v >= 0, 0.5 + np.interp(np.abs(v), grid, half), 0.5 - np.interp(np.abs(v), grid, half))
    inner = np.abs(x) < grid[-1]
    assert abs(np.mean(~inner) - tail) < 0.01
    assert st.kstest(x[inner], lambda v: (cdf(v) - 0.5 * tail) / (1 - tail)).pvalue > 1e-4


def test_exp_gamma_draws_stay_finite_at_tiny_concentration():
    # TFP's 0.12 release notebook: log(Gamma(.02) draws) underflows; ExpGamma draws on the log scale
    d = probability.distributions.ExpGamma(wb.constant(0.02, dtype=np.float64), rate=wb.constant(1.0, dtype=np.float64))
    y = d.sample(4000, seed=5).numpy()
    assert np.all(np.isfinite(y)) and y.min() < -300      # far below where exp(y) underflows
    assert st.kstest(y, st.loggamma(0.02).cdf).pvalue > 1e-3
    y32 = probability.distributions.ExpGamma(0.02, 1.).sample(1000, seed=5).numpy()
    assert y32.dtype == np.float32 and np.all(np.isfinite(y32))


def test_von_mises_fisher_draws_match_scipy_and_kl_to_the_uniform():
    tfd = probability.distributions
    for d, k in [(2, 0.5), (3, 3.0), (5, 20.0), (10, 1e-3)]:
        mu = np.zeros(d)
        mu[1] = 1.0
        x = tfd.VonMisesFisher(mu, np.array(k)).sample(4000, seed=d).numpy()
        np.testing.assert_allclose(np.linalg.norm(x, axis=-1), 1.0, rtol=1e-12)
        ref = st.vonmises_fisher(mu, k).rvs(4000, random_state=d) @ mu
        assert st.ks_2samp(x @ mu, ref).pvalue > 1e-3, (d, k)
    # an off-axis mean direction: the mean is A_d(k) mu
    mu = np.array([0.6, 0.0, 0.8])
    v = tfd.VonMisesFisher(mu, np.array(4.0))
    x = v.sample(20000, seed=1).numpy()
    np.testing.assert_allclose(x.mean(0), v.mean().numpy(), atol=0.01)
    # TFP's 0.12 release notebook: KL to the uniform grows with concentration, 0 at concentration 0
    vmf = tfd.VonMisesFisher(mu, np.array([0., .1, 1., 10.]))
    kl = tfd.kl_divergence(vmf, tfd.SphericalUniform(3, dtype=np.float64)).numpy()
    want = [np.log(4 * np.pi) - st.vonmises_fisher(mu, c).entropy() if c > 0 else 0.0 for c in [0., .1, 1., 10.]]
    np.testing.assert_allclose(kl, want, rtol=1e-10, atol=1e-12)
    assert np.all(np.diff(kl) > 0)
    x = tfd.SphericalUniform(4, batch_shape=[2]).sample(3000, seed=2).numpy()
    assert x.shape == (3000, 2, 4)
    np.testing.assert_allclose(np.linalg.norm(x, axis=-1), 1.0, rtol=1e-5)


def test_exp_gamma_needs_exactly_one_rate_as_tfp():
    # TFP 0.25: ValueError('Exactly one of `rate` and `log_rate` must be specified.') for neither and both
    for kwargs in ({}, {"rate": 1.0, "log_rate": 0.0}):
        with pytest.raises(ValueError, match="Exactly one of `rate` and `log_rate` must be specified"):
            probability.distributions.ExpGamma(1.0, **kwargs)
