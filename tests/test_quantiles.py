"""Quantiles of the continuous families: values across the whole range against SciPy's ``ppf``,
round trips through the CDF, float32, and gradients in the probability and the parameters.

Driven by the generic distribution cases: every univariate case that checks ``quantile``."""

import importlib
import pkgutil

import numpy as np
import pytest

import workbench as wb
from gradients import check_gradients
from probability.distributions import Beta, Distribution, Gamma, InverseGamma, StudentT

from tests import distribution_cases

CASES = []
for _m in pkgutil.iter_modules(distribution_cases.__path__):
    CASES += importlib.import_module(f"tests.distribution_cases.{_m.name}").CASES
QUANTILE_CASES = [c for c in CASES if "quantile" in c.checks and c.scipy is not None]
# the families whose quantiles invert the incomplete gamma and beta functions
INVERSE_CASES = [c for c in QUANTILE_CASES if c.cls in (Gamma, InverseGamma, Beta, StudentT)]

# probabilities from deep in the left tail to deep in the right one
PROBS = np.array([1e-10, 0.02, 0.3, 0.5, 0.81, 0.999])


def _column(p, d):
    """``p`` as a column against ``d``'s batch: shape ``p.shape + (1,) * len(batch_shape)``."""
    return p.reshape(p.shape + (1,) * len(d.batch_shape))


def test_the_families_of_this_issue_have_quantile_cases():
    assert {c.cls for c in INVERSE_CASES} == {Gamma, InverseGamma, Beta, StudentT}


@pytest.mark.parametrize("case", INVERSE_CASES, ids=str)
def test_quantile_matches_scipy_across_the_range(case):
    d = case.make()
    p = _column(PROBS, d)
    got = d.quantile(wb.constant(p)).numpy()
    want = case.scipy(**case.params).ppf(p)
    np.testing.assert_allclose(got, np.broadcast_to(want, got.shape), rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("case", QUANTILE_CASES, ids=str)
def test_quantile_inverts_the_cdf(case):
    d = case.make()
    p = wb.constant(_column(np.array([0.05, 0.4, 0.9]), d))
    np.testing.assert_allclose(d.cdf(d.quantile(p)).numpy(), np.broadcast_to(p.numpy(), (3,) + d.batch_shape),
                               rtol=1e-9)


@pytest.mark.parametrize("case", QUANTILE_CASES, ids=str)
def test_quantile_in_float32(case):
    if any(isinstance(v, Distribution) and v.dtype != np.float32 for v in case.fixed.values()):
        pytest.skip("the case's fixed arguments (a base distribution) are float64")
    params = {k: wb.constant(np.asarray(v, np.float32)) for k, v in case.params.items()}
    d = case.cls(**params, **case.fixed)
    got = d.quantile(0.3)
    assert got.dtype == np.float32
    want = case.scipy(**{k: np.asarray(v, np.float32).astype(np.float64) for k, v in case.params.items()}).ppf(0.3)
    np.testing.assert_allclose(got.numpy(), np.broadcast_to(want, got.shape), rtol=2e-5)


@pytest.mark.parametrize("case", QUANTILE_CASES, ids=str)
def test_quantile_gradient_in_the_probability(case):
    # dx/dp = 1 / density at the quantile, and its derivative again
    params = {k: wb.constant(v) for k, v in case.params.items()}
    shape = case.make().batch_shape
    n = int(np.prod(shape))
    # spread over (0.1, 0.9), away from the median (where Laplace's quantile has a kink)
    p = (0.1 + 0.8 * (np.arange(n) + 0.3) / n).reshape(shape)
    check_gradients(lambda p: case.cls(**params, **case.fixed).quantile(p), [p], order=2,
                    atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("case", QUANTILE_CASES, ids=str)
def test_quantile_gradient_in_the_parameters(case):
    names = tuple(case.params)

    def f(*ps):
        return case.cls(**dict(zip(names, ps)), **case.fixed).quantile(wb.constant(np.float64(0.3)))
    check_gradients(f, [case.params[k] for k in names], order=1, atol=1e-6, rtol=1e-5)


def test_quantile_ends_of_the_range():
    c64 = lambda v: wb.constant(np.asarray(v, np.float64))  # noqa: E731
    p = c64([0.0, 1.0])
    np.testing.assert_array_equal(Gamma(c64(2.0), c64(3.0)).quantile(p).numpy(), [0.0, np.inf])
    np.testing.assert_array_equal(InverseGamma(c64(2.0), c64(3.0)).quantile(p).numpy(), [0.0, np.inf])
    np.testing.assert_array_equal(Beta(c64(2.0), c64(3.0)).quantile(p).numpy(), [0.0, 1.0])
    # TFP 0.25: StudentT's quantile (its betaincinv form) is NaN at 0 and 1
    np.testing.assert_array_equal(StudentT(c64(3.0), c64(1.0), c64(2.0)).quantile(p).numpy(), [np.nan, np.nan])


def test_student_t_median_has_finite_gradients():
    # t = 0 at the median, where sqrt(t^2) would have an infinite slope
    import scipy.stats as st
    c64 = lambda v: wb.constant(np.asarray(v, np.float64))  # noqa: E731
    df, loc, scale, p = c64(3.0), c64(0.5), c64(2.0), c64(0.5)
    with wb.GradientTape() as tape:
        tape.watch([df, loc, scale, p])
        q = StudentT(df, loc, scale).quantile(p)
    g = [t.numpy() for t in tape.gradient(q, [df, loc, scale, p])]
    np.testing.assert_allclose(q.numpy(), 0.5)
    np.testing.assert_allclose(g, [0.0, 1.0, 0.0, 2.0 / st.t(3.0).pdf(0.0)], atol=1e-12)


def test_student_t_quantile_for_huge_df_matches_the_normal():
    import scipy.stats as st
    c64 = lambda v: wb.constant(np.asarray(v, np.float64))  # noqa: E731
    p = np.array([1e-6, 0.3, 0.5 - 1e-9, 0.75])
    got = StudentT(c64(1e9), c64(0.0), c64(1.0)).quantile(c64(p)).numpy()
    np.testing.assert_allclose(got, st.norm.ppf(p), rtol=1e-7)


def test_student_t_cdf_and_quantile_gradients_in_df():
    # both go through the incomplete beta function's shape derivatives (TF would give None there)
    import scipy.stats as st
    c64 = lambda v: wb.constant(np.asarray(v, np.float64))  # noqa: E731
    df = np.array([0.9, 4.0, 60.0])
    x, p, h = np.array([-2.0, 0.7, 3.0]), np.array([0.05, 0.6, 0.99]), 1e-5
    dfs = c64(df)
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(dfs)
        d = StudentT(dfs, c64(0.0), c64(1.0))
        cdf, q = d.cdf(c64(x)), d.quantile(c64(p))
    np.testing.assert_allclose(tape.gradient(cdf, dfs).numpy(),
                               (st.t(df + h).cdf(x) - st.t(df - h).cdf(x)) / (2 * h), rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(q, dfs).numpy(),
                               (st.t(df + h).ppf(p) - st.t(df - h).ppf(p)) / (2 * h), rtol=1e-5)
