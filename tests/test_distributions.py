"""Generic checks run on every distribution case (tests/distribution_cases/*):
densities, CDFs, moments and entropy against SciPy; sample shapes, determinism and
statistics; batch slicing; gradients of log_prob and of reparameterized samples."""

import importlib
import inspect
import pkgutil

import numpy as np
import pytest
import scipy.stats as st

import probability
import workbench as wb
from gradients import check_gradients
from probability.distributions import FULLY_REPARAMETERIZED, Distribution

from tests import distribution_cases

CASES = []
for _m in pkgutil.iter_modules(distribution_cases.__path__):
    CASES += importlib.import_module(f"tests.distribution_cases.{_m.name}").CASES

SCIPY_METHOD = {"log_prob": "logpdf", "cdf": "cdf", "mean": "mean", "variance": "var",
                "stddev": "std", "entropy": "entropy", "quantile": "ppf", "log_cdf": "logcdf",
                "survival_function": "sf", "log_survival_function": "logsf"}
AT_POINTS = {"log_prob", "cdf", "log_cdf", "survival_function", "log_survival_function"}


def _expected(case, method):
    if method in case.ref:
        r = case.ref[method]
        return np.asarray(r(case.params, case.points) if callable(r) else r)
    if case.scipy is None:
        return None
    frozen = case.scipy(**case.params)
    name = SCIPY_METHOD[method]
    if case.discrete and name == "logpdf":
        name = "logpmf"
    if method in AT_POINTS:
        return getattr(frozen, name)(case.points)
    if method == "quantile":
        return frozen.ppf(np.array(0.3))
    return getattr(frozen, name)()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_methods_match_reference(case):
    d = case.make()
    checked = 0
    for method in case.checks:
        want = _expected(case, method)
        if want is None:
            continue
        if method in AT_POINTS:
            got = getattr(d, method)(wb.constant(case.points))
        elif method == "quantile":
            got = d.quantile(wb.constant(0.3, dtype=wb.float64))
        else:
            got = getattr(d, method)()
        want = np.broadcast_to(want, got.shape)
        np.testing.assert_allclose(got.numpy(), want, rtol=case.rtol, atol=1e-10, err_msg=method)
        checked += 1
    assert checked, "the case checks nothing against a reference"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_sample_shapes_and_finite_log_prob(case):
    d = case.make()
    x = d.sample((4, 3), seed=7)
    assert x.shape == (4, 3) + d.batch_shape + d.event_shape
    assert x.dtype == (d.dtype if not case.discrete else x.dtype)
    lp = d.log_prob(x)
    assert lp.shape == (4, 3) + d.batch_shape
    assert np.all(np.isfinite(lp.numpy()))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_sampling_is_deterministic_given_a_seed(case):
    # TFP's rules: a pair is stateless; an int seed draws its pair from TF's stateful
    # sequence, which wb.random.set_seed restarts
    d = case.make()
    a, b, c = d.sample(5, seed=(3, 1)), d.sample(5, seed=(3, 1)), d.sample(5, seed=(4, 1))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    if case.seed_dependent:
        assert not np.array_equal(a.numpy(), c.numpy())
    wb.random.set_seed(11)
    first = [d.sample(5, seed=3).numpy(), d.sample(5, seed=3).numpy()]
    wb.random.set_seed(11)
    again = [d.sample(5, seed=3).numpy(), d.sample(5, seed=3).numpy()]
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    if case.seed_dependent:
        assert not np.array_equal(first[0], first[1])


@pytest.mark.parametrize("case", [c for c in CASES if c.sample_test], ids=str)
def test_sample_statistics(case):
    d = case.make()
    n = 4000
    x = d.sample(n, seed=11).numpy()
    if case.sample_test == "ks":
        # univariate: one KS test per batch member, against SciPy with that member's parameters
        batch = d.batch_shape
        flat_x = x.reshape(n, -1)
        members = {k: np.broadcast_to(v, batch).reshape(-1) for k, v in case.params.items()}
        for j in range(flat_x.shape[1]):
            frozen = case.scipy(**{k: v[j] for k, v in members.items()})
            p = st.kstest(flat_x[:, j], frozen.cdf).pvalue
            assert p > 1e-4, f"KS test rejects batch member {j} (p={p:.2g})"
    else:
        mean, var = d.mean().numpy(), d.variance().numpy()
        se = np.sqrt(var / n)
        assert np.all(np.abs(x.mean(0) - mean) <= 5 * se + 1e-9), (x.mean(0), mean)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_batch_slicing(case):
    d = case.make()
    if not len(d.batch_shape):
        pytest.skip("scalar batch")
    x = d.sample(2, seed=5)
    full = d.log_prob(x).numpy()
    sub = d[1:]
    assert sub.batch_shape == (d.batch_shape[0] - 1,) + d.batch_shape[1:]
    np.testing.assert_allclose(sub.log_prob(x[:, 1:]).numpy(), full[:, 1:], rtol=1e-6)
    assert "batch_shape" in repr(d) and str(list(d.batch_shape)) in repr(d)


def _grad_names(case):
    return case.grad_params if case.grad_params is not None else tuple(case.params)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_log_prob_gradients(case):
    names = _grad_names(case)
    if not names:
        pytest.skip("no differentiable parameters")
    others = {k: v for k, v in case.params.items() if k not in names}

    def f(*ps):
        d = case.make(**dict(zip(names, ps)), **{k: wb.constant(v) for k, v in others.items()})
        return d.log_prob(wb.constant(case.points))
    check_gradients(f, [case.params[k] for k in names], order=case.grad_order, modes=("rev",),
                    jacobian=False, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_reparameterized_samples_are_differentiable(case):
    d = case.make()
    if d.reparameterization_type is not FULLY_REPARAMETERIZED:
        pytest.skip("not reparameterized")
    names = _grad_names(case)
    if not names:
        pytest.skip("no differentiable parameters")
    others = {k: v for k, v in case.params.items() if k not in names}
    if _draws_by_rejection(d) or type(d).__name__ in _IMPLICIT_DRAWS:
        _check_implicit_gradient(case, names, others)
        return

    def f(*ps):
        dist = case.make(**dict(zip(names, ps)), **{k: wb.constant(v) for k, v in others.items()})
        return wb.reduce_mean(wb.square(dist.sample(16, seed=(2, 0))), axis=0)
    check_gradients(f, [case.params[k] for k in names], order=1, modes=("rev",), jacobian=False,
                    atol=1e-5, rtol=1e-4)


# one rejection draw (TF's kernel), so the implicit gradient can be checked draw by draw
_ONE_GAMMA_DRAW = {"Gamma", "Chi2", "InverseGamma", "TruncatedNormal"}
# draws whose piece is picked by a uniform (TFP's sampler), given the implicit gradient: finite
# differences of a draw miss the moving branch point, so the check is draw by draw as above
_IMPLICIT_DRAWS = {"TwoPieceNormal"}


def _draws_by_rejection(d):
    """Whether ``d``'s draws come from TF's Gamma kernel (Marsaglia-Tsang rejection, TFP's
    numbers, through ``samplers.gamma`` or ``wb.random.stateless_gamma``) or its parameterized
    truncated normal kernel (``samplers.parameterized_truncated_normal``): for a fixed seed
    such a draw is not a smooth function of the parameters, so finite differences of draws do not give its implicit-reparameterization gradient."""
    from probability.internal import samplers
    calls, real, real_stateless = [], samplers.gamma, wb.random.stateless_gamma
    real_tn = samplers.parameterized_truncated_normal

    def counting(real):
        def count(*args, **kwargs):
            calls.append(1)
            return real(*args, **kwargs)
        return count
    samplers.gamma, wb.random.stateless_gamma = counting(real), counting(real_stateless)
    samplers.parameterized_truncated_normal = counting(real_tn)
    try:
        d.sample(1, seed=(2, 0))
    finally:
        samplers.gamma, wb.random.stateless_gamma = real, real_stateless
        samplers.parameterized_truncated_normal = real_tn
    return bool(calls)


def _check_implicit_gradient(case, names, others):
    """``d x / d theta = -(d F(x; theta) / d theta) / f(x; theta)`` at each draw ``x`` (implicit
    reparameterization), with the CDF's derivative by central differences, for families whose
    draw is one Gamma draw transformed; for the others, that the gradients are finite."""
    params = [wb.Variable(np.asarray(case.params[k], np.float64)) for k in names]
    fixed = {k: wb.constant(v) for k, v in others.items()}
    with wb.GradientTape() as tape:
        d = case.make(**dict(zip(names, params)), **fixed)
        x = d.sample(8, seed=(2, 0))
        total = wb.reduce_sum(x)
    grads = tape.gradient(total, params)
    for g in grads:
        assert g is not None and np.all(np.isfinite(g.numpy()))
    if type(d).__name__ not in _ONE_GAMMA_DRAW | _IMPLICIT_DRAWS:
        return  # a function of several draws: its gradient is the pathwise one through them
    xs = x.numpy()
    weight = 1.0 / d.prob(xs).numpy()
    eps = 1e-6
    for name, g in zip(names, grads):
        base = np.asarray(case.params[name], np.float64)
        want = np.zeros_like(base)
        for j in np.ndindex(base.shape):
            def h(step):
                moved = base.copy()
                moved[j] += step
                kw = {k: wb.constant(case.params[k]) for k in names if k != name}
                dd = case.make(**{name: wb.constant(moved)}, **kw, **fixed)
                return np.sum(dd.cdf(xs).numpy() * weight)
            want[j] = -(h(eps) - h(-eps)) / (2 * eps)
        np.testing.assert_allclose(g.numpy(), want, rtol=2e-4, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("case", [c for c in CASES if c.invalid], ids=str)
def test_validate_args_names_the_parameter(case):
    bad = {k: wb.constant(np.asarray(v, dtype=np.float64)) for k, v in case.invalid.items()}
    with pytest.raises(ValueError, match="`"):
        case.cls(**bad, **case.fixed, validate_args=True)


def test_every_family_has_a_case():
    families = {obj for name, obj in vars(probability.distributions).items()
                if inspect.isclass(obj) and issubclass(obj, Distribution) and obj is not Distribution
                and not name.startswith("_")}
    covered = {c.cls for c in CASES}
    missing = sorted(f.__name__ for f in families - covered - _META_FAMILIES())
    assert not missing, f"families with no generic test case: {missing}"


def _META_FAMILIES():
    # meta distributions are tested in their own files (they wrap other distributions)
    names = {"Independent", "TransformedDistribution", "MixtureSameFamily", "Mixture",
             "JointDistributionSequential", "JointDistributionNamed", "JointDistribution",
             "JointDistributionCoroutine", "JointDistributionSequentialAutoBatched",
             "JointDistributionNamedAutoBatched", "JointDistributionCoroutineAutoBatched"}
    return {getattr(probability.distributions, n) for n in names if hasattr(probability.distributions, n)}


def test_kl_registry_dispatch_and_error():
    tfd = probability.distributions
    a, b = tfd.Normal(0.0, 1.0), tfd.Normal(1.0, 2.0)
    expected = np.log(2.0) + (1.0 + 1.0) / (2 * 4.0) - 0.5
    np.testing.assert_allclose(float(probability.kl_divergence(a, b)), expected, rtol=1e-6)

    class MyNormal(tfd.Normal):
        pass
    np.testing.assert_allclose(float(probability.kl_divergence(MyNormal(0.0, 1.0), b)), expected, rtol=1e-6)

    class Other(tfd.Distribution):
        def __init__(self):
            super().__init__(np.float32, FULLY_REPARAMETERIZED)
    with pytest.raises(NotImplementedError, match="Normal.*Other"):
        probability.kl_divergence(a, Other())


def test_kl_normal_matches_monte_carlo():
    tfd = probability.distributions
    a, b = tfd.Normal(0.3, 0.7), tfd.Normal(-0.2, 1.3)
    x = a.sample(200_000, seed=1)
    mc = float(wb.reduce_mean(a.log_prob(x) - b.log_prob(x)))
    assert abs(mc - float(a.kl_divergence(b))) < 5e-3
    np.testing.assert_allclose(float(a.cross_entropy(b)), float(a.entropy() + a.kl_divergence(b)))


def test_normal_log_prob_stable_in_the_tails():
    d = probability.distributions.Normal(wb.constant(0.0, dtype=wb.float64), wb.constant(1.0, dtype=wb.float64))
    x = wb.constant(np.array([-40.0, 40.0]))
    assert np.all(np.isfinite(d.log_cdf(x).numpy())) and d.log_cdf(x).numpy()[0] < -800
    assert np.all(np.isfinite(d.log_survival_function(x).numpy()))


def test_numpy_scalar_parameters_decide_the_dtype_as_in_tfp():
    # TFP's common_dtype reads np.float64(1.) as float64: LogNormal(0., np.float64(1.)) is a
    # float64 family (the GP regression tutorial's hyperpriors), a Python float defers to it
    tfd_ = probability.distributions
    assert tfd_.LogNormal(loc=0., scale=np.float64(1.)).dtype == np.float64
    assert tfd_.Normal(0., np.float32(1.)).dtype == np.float32
    assert tfd_.Normal(0., 1.).dtype == np.float32
    with pytest.raises(TypeError, match="different floating dtypes"):
        tfd_.Normal(np.float64(0.), np.float32(1.))


def test_log_prob_of_a_transformed_variable_reaches_the_tape():
    tfd_, tfb_ = probability.distributions, probability.bijectors
    v = probability.util.TransformedVariable(np.float64(1.0), tfb_.Exp())
    d = tfd_.LogNormal(np.float64(0.0), np.float64(1.0))
    with wb.GradientTape() as tape:
        lp = d.log_prob(v)
    (g,) = tape.gradient(lp, v.trainable_variables)
    # log p(exp(u)) = -u - u**2 / 2 + const at u = 0
    np.testing.assert_allclose(g.numpy(), -1.0)
    np.testing.assert_allclose(lp.numpy(), st.lognorm(1.0).logpdf(1.0))
    with pytest.raises(TypeError, match="value has dtype float64, the distribution has dtype float32"):
        tfd_.LogNormal(0.0, 1.0).log_prob(v)


def test_transformed_variable_value_method_as_tfp():
    # the GP regression tutorial prints amplitude_var._value().numpy()
    v = probability.util.TransformedVariable(np.float64(2.0), probability.bijectors.Exp())
    np.testing.assert_allclose(v._value().numpy(), 2.0)
    with wb.GradientTape() as tape:
        y = v._value() * 3.0
    (g,) = tape.gradient(y, v.trainable_variables)
    np.testing.assert_allclose(g.numpy(), 6.0)
