"""tfp.glm: the families' mean, variance and d mean/d r against their distributions, finite
differences and SciPy; Fisher scoring and L1-regularized coordinate descent against the optima
found by scipy.optimize in float64."""

import numpy as np
import pytest
import scipy.optimize as so
import scipy.stats as st
from scipy.special import expit

import probability as tfp
import workbench as wb

glm = tfp.glm

FAMILIES = [
    (glm.Bernoulli(), lambda m: st.bernoulli(m), [0., 1.]),
    (glm.BernoulliNormalCDF(), lambda m: st.bernoulli(m), [0., 1.]),
    (glm.Binomial(total_count=5.), lambda m: st.binom(5, m / 5.), [0., 2., 5.]),
    (glm.Poisson(), lambda m: st.poisson(m), [0., 3.]),
    (glm.PoissonSoftplus(), lambda m: st.poisson(m), [0., 3.]),
    (glm.Normal(), lambda m: st.norm(m, 1.), [-0.5, 2.]),
    (glm.Normal(scale=2.), lambda m: st.norm(m, 2.), [-0.5, 2.]),
    (glm.NormalReciprocal(), lambda m: st.norm(m, 1.), [-0.5, 2.]),
    (glm.GammaExp(), lambda m: st.gamma(1., scale=m), [0.5, 2.]),
    (glm.GammaExp(concentration=3.), lambda m: st.gamma(3., scale=m / 3.), [0.5, 2.]),
    (glm.GammaSoftplus(), lambda m: st.gamma(1., scale=m), [0.5, 2.]),
    (glm.LogNormal(), lambda m: st.lognorm(np.sqrt(np.log(2.)), scale=m / np.sqrt(2.)), [0.5, 2.]),
    (glm.LogNormal(scale=0.5), lambda m: st.lognorm(0.5, scale=m * np.exp(-0.125)), [0.5, 2.]),
    (glm.LogNormalSoftplus(), lambda m: st.lognorm(np.sqrt(np.log(2.)), scale=m / np.sqrt(2.)), [0.5, 2.]),
    (glm.NegativeBinomial(total_count=3.), lambda m: st.nbinom(3., 3. / (3. + m)), [0., 4.]),
    (glm.NegativeBinomialSoftplus(total_count=3.), lambda m: st.nbinom(3., 3. / (3. + m)), [0., 4.]),
]
R = np.array([-1.3, 0.4, 1.7])


@pytest.mark.parametrize("family,ref,ys", FAMILIES, ids=[f"{type(f[0]).__name__}-{i}" for i, f in enumerate(FAMILIES)])
def test_family_moments_gradient_and_log_prob(family, ref, ys):
    r = wb.constant(R)
    mean, variance, grad_mean = family(r)
    assert mean.dtype == np.float64 and mean.shape == (3,)
    m = mean.numpy()
    np.testing.assert_allclose(m, [ref(mi).mean() for mi in m], rtol=1e-10)
    np.testing.assert_allclose(variance.numpy(), [ref(mi).var() for mi in m], rtol=1e-8)
    eps = 1e-6
    fd = (family(wb.constant(R + eps))[0].numpy() - family(wb.constant(R - eps))[0].numpy()) / (2 * eps)
    np.testing.assert_allclose(grad_mean.numpy(), fd, rtol=1e-6)
    for y in ys:
        lp = family.log_prob(np.full(3, y), r).numpy()
        d = [ref(mi) for mi in m]
        want = [di.logpmf(y) if hasattr(di.dist, "pmf") else di.logpdf(y) for di in d]
        np.testing.assert_allclose(lp, want, rtol=1e-8, atol=1e-10)
    # the default _call (moments of as_distribution, the gradient on a tape) agrees
    base = glm.ExponentialFamily._call(family, r)
    for got, want in zip(base, (mean, variance, grad_mean)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-7)


def test_custom_family_and_names():
    fam = glm.CustomExponentialFamily(lambda mean: tfp.distributions.Poisson(rate=mean), tfp.bijectors.Exp())
    mean, variance, grad_mean = fam(wb.constant([0.5, 1.0]))
    np.testing.assert_allclose(mean.numpy(), np.exp([0.5, 1.0]), rtol=1e-6)
    np.testing.assert_allclose(variance.numpy(), np.exp([0.5, 1.0]), rtol=1e-6)
    np.testing.assert_allclose(grad_mean.numpy(), np.exp([0.5, 1.0]), rtol=1e-6)
    assert repr(glm.BernoulliNormalCDF()) == "<tfp.glm.family.BernoulliNormalCDF 'bernoulli_normal_cdf'>"
    assert glm.Poisson().name == "poisson"
    with pytest.raises(TypeError, match="distribution_fn"):
        glm.CustomExponentialFamily(None, wb.math.exp)


def _data(link, n=400, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = np.concatenate([np.ones((n, 1)), rng.normal(size=(n, d - 1))], axis=1)
    w = np.array([0.3, -0.8, 0.5])[:d]
    eta = x @ w
    if link == "logit":
        y = rng.binomial(1, expit(eta)).astype(float)
    elif link == "log":
        y = rng.poisson(np.exp(eta)).astype(float)
    else:
        y = eta + rng.normal(size=n)
    return x, y


def _argmin(nll, d, l1=0., l2=0.):
    """The penalized optimum in float64; L1 through w = p - q with p, q >= 0."""
    def f(pq):
        w = pq[:d] - pq[d:]
        return nll(w) + l1 * np.sum(pq) + l2 * np.sum(w ** 2)
    res = so.minimize(f, np.zeros(2 * d), method="L-BFGS-B", bounds=[(0, None)] * (2 * d),
                      options=dict(ftol=1e-15, gtol=1e-12, maxiter=5000))
    return res.x[:d] - res.x[d:]


def _nll_logit(x, y):
    return lambda w: -np.sum(y * (x @ w) - np.logaddexp(0., x @ w))


def _nll_poisson(x, y):
    return lambda w: -np.sum(y * (x @ w) - np.exp(x @ w))


@pytest.mark.parametrize("fast", [True, False])
def test_fit_logistic_and_poisson_regression_reach_the_maximum_likelihood(fast):
    x, y = _data("logit")
    w, r, converged, num_iter = glm.fit(x, y, glm.Bernoulli(), fast_unsafe_numerics=fast)
    assert bool(converged) and 2 <= int(num_iter) < 20
    np.testing.assert_allclose(w.numpy(), _argmin(_nll_logit(x, y), 3), atol=1e-6)
    np.testing.assert_allclose(r.numpy(), x @ w.numpy(), atol=1e-10)
    x, y = _data("log")
    w, _, converged, _ = glm.fit(x, y, glm.Poisson(), l2_regularizer=3., fast_unsafe_numerics=fast)
    assert bool(converged)
    # the step solves (X^T W X + l2 I) w = X^T W z (TFP's lstsq): the optimum of NLL + l2/2 ||w||^2
    np.testing.assert_allclose(w.numpy(), _argmin(_nll_poisson(x, y), 3, l2=1.5), atol=1e-6)


def test_fit_ridge_penalty_factor_offset_and_batch():
    x, y = _data("identity", n=50)
    w, _, converged, num_iter = glm.fit(x, y, glm.Normal(), l2_regularizer=2.,
                                        l2_regularization_penalty_factor=[0., 1., 1.])
    want = np.linalg.solve(x.T @ x + 2. * np.diag([0., 1., 1.]), x.T @ y)
    np.testing.assert_allclose(w.numpy(), want, rtol=1e-8)
    assert int(num_iter) == 2          # converged when the second step does not move
    off = np.linspace(-1., 1., 50)
    w, r, _, _ = glm.fit(x, y, glm.Normal(), offset=off)
    np.testing.assert_allclose(w.numpy(), np.linalg.lstsq(x, y - off, rcond=None)[0], rtol=1e-8)
    np.testing.assert_allclose(r.numpy(), x @ w.numpy() + off, rtol=1e-8)
    xb = np.stack([x, x[::-1]])
    yb = np.stack([y, 2. * y])
    wb_, _, _, _ = glm.fit(xb, yb, glm.Normal())
    assert wb_.shape == (2, 3)
    for i in range(2):
        np.testing.assert_allclose(wb_.numpy()[i], np.linalg.lstsq(xb[i], yb[i], rcond=None)[0], rtol=1e-8)


def test_fit_maximum_iterations_and_learning_rate():
    x, y = _data("logit")
    w1, _, converged, num_iter = glm.fit(x, y, glm.Bernoulli(), maximum_iterations=1)
    assert not bool(converged) and int(num_iter) == 1
    w_step, _ = glm.fit_one_step(x, y, glm.Bernoulli())
    np.testing.assert_allclose(w1.numpy(), w_step.numpy())
    w_half, _ = glm.fit_one_step(x, y, glm.Bernoulli(), learning_rate=np.array(0.5))
    np.testing.assert_allclose(w_half.numpy(), 0.5 * w_step.numpy(), rtol=1e-8)


def test_fit_float32_probit():
    x, y = _data("logit", n=2000, seed=3)
    w, _, converged, _ = glm.fit(x.astype(np.float32), y.astype(np.float32), glm.BernoulliNormalCDF())
    assert w.dtype == np.float32 and bool(converged)
    nll = lambda w: -np.sum(st.norm.logcdf((2 * y - 1) * (x @ w)))
    np.testing.assert_allclose(w.numpy(), _argmin(nll, 3), atol=2e-4)


def test_fit_sparse_matches_the_l1_optimum():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 6))
    y = rng.binomial(1, expit(x @ np.array([1.5, 0., 0., -1., 0., 0.5]))).astype(float)
    for l1, l2 in [(20., None), (5., 3.)]:
        # one sweep per step: a step converges only when its whole sweep barely moves, i.e. at the
        # optimum (with more sweeps a step converges on its quadratic model, as in TFP)
        w, converged, num_iter = glm.fit_sparse(x, y, glm.Bernoulli(), np.zeros(6), tolerance=1e-14,
                                                l1_regularizer=l1, l2_regularizer=l2, maximum_iterations=200)
        assert bool(converged) and 2 <= int(num_iter) < 200
        want = _argmin(_nll_logit(x, y), 6, l1=l1, l2=l2 or 0.)
        np.testing.assert_allclose(w.numpy(), want, atol=1e-5)
        assert np.all(w.numpy()[np.abs(want) < 1e-6] == 0.)      # exact zeros where the optimum is 0
    # many sweeps: the first step's sweeps converge on its quadratic model and the fit stops there
    _, converged, num_iter = glm.fit_sparse(x, y, glm.Bernoulli(), np.zeros(6), tolerance=1e-6,
                                            l1_regularizer=20., maximum_iterations=10,
                                            maximum_full_sweeps_per_iteration=10)
    assert bool(converged) and int(num_iter) == 1


def test_proximal_hessian_sparse_minimize_batched():
    # Loss = sum_j (x_j - c_j)^2 for two problems; the L1 optimum soft-thresholds c by l1 / 2
    c = wb.constant([[3., 0.5, -2.], [-0.2, 1.5, 4.]])
    grad_hess = lambda x: (2. * (x - c), wb.eye(3, batch_shape=[2]), 2. * wb.ones([2, 3]))
    x, converged, it = tfp.optimizer.proximal_hessian_sparse_minimize(
        grad_hess, wb.zeros([2, 3]), 1e-10, l1_regularizer=1., maximum_iterations=5)
    want = np.sign(c.numpy()) * np.maximum(np.abs(c.numpy()) - 0.5, 0.)
    np.testing.assert_allclose(x.numpy(), want, rtol=1e-6)
    assert bool(converged)


def test_bad_arguments_name_themselves():
    x, y = _data("logit", n=20)
    with pytest.raises(ValueError, match="`response` has shape"):
        glm.fit(x, y[:5], glm.Bernoulli())
    with pytest.raises(ValueError, match="model_coefficients_start"):
        glm.fit(x, y, glm.Bernoulli(), model_coefficients_start=np.zeros(2))
    with pytest.raises(ValueError, match="must be a matrix"):
        glm.fit(y, y, glm.Bernoulli())
    with pytest.raises(ValueError, match="l1_regularizer"):
        glm.fit_sparse(x, y, glm.Bernoulli(), np.zeros(3), tolerance=1e-6, l1_regularizer=None)
    with pytest.raises(TypeError, match="dtype float32, expected float64"):
        glm.fit(x, wb.constant(y.astype(np.float32)), glm.Bernoulli())
