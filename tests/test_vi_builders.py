"""tfp.vi breadth: the surrogate-posterior builders (factored, affine, ASVI) and the Csiszar functions."""

import numpy as np
import pytest
from scipy import stats

import probability
import workbench as wb
from probability import distributions as tfd
from probability import vi

tfb = probability.bijectors


# -- Csiszar functions against their closed forms ----------------------------------------------------

_LOGU = np.linspace(-4.0, 4.0, 17)
_U = np.exp(_LOGU)
_LOG2 = np.log(2.0)

CLOSED_FORMS = [
    ("kl_reverse", lambda l: vi.kl_reverse(l), -_LOGU),
    ("kl_reverse self-normalized", lambda l: vi.kl_reverse(l, self_normalized=True), -_LOGU + _U - 1),
    ("kl_forward", lambda l: vi.kl_forward(l), _U * _LOGU),
    ("kl_forward self-normalized", lambda l: vi.kl_forward(l, self_normalized=True), _U * _LOGU - (_U - 1)),
    ("amari_alpha 0", lambda l: vi.amari_alpha(l, alpha=0.0), -_LOGU),
    ("amari_alpha 0 self-normalized", lambda l: vi.amari_alpha(l, alpha=0.0, self_normalized=True),
     -_LOGU + (_U - 1)),
    ("amari_alpha 1", lambda l: vi.amari_alpha(l, alpha=1.0), _U * _LOGU),
    ("amari_alpha 1 self-normalized", lambda l: vi.amari_alpha(l, alpha=1.0, self_normalized=True),
     _U * _LOGU - (_U - 1)),
    ("amari_alpha 0.5", lambda l: vi.amari_alpha(l, alpha=0.5), (_U ** 0.5 - 1) / (0.5 * -0.5)),
    ("amari_alpha 2 self-normalized", lambda l: vi.amari_alpha(l, alpha=2.0, self_normalized=True),
     ((_U ** 2 - 1) - 2 * (_U - 1)) / 2.0),
    ("arithmetic_geometric", lambda l: vi.arithmetic_geometric(l), (1 + _U) * np.log((1 + _U) / np.sqrt(_U))),
    ("arithmetic_geometric self-normalized", lambda l: vi.arithmetic_geometric(l, self_normalized=True),
     (1 + _U) * np.log((1 + _U) / np.sqrt(_U)) - (1 + _U) * _LOG2),
    ("chi_square", lambda l: vi.chi_square(l), _U ** 2 - 1),
    ("jeffreys", lambda l: vi.jeffreys(l), 0.5 * (_U * _LOGU - _LOGU)),
    ("jensen_shannon", lambda l: vi.jensen_shannon(l), _U * _LOGU - (1 + _U) * np.log1p(_U)),
    ("jensen_shannon self-normalized", lambda l: vi.jensen_shannon(l, self_normalized=True),
     _U * _LOGU - (1 + _U) * np.log1p(_U) + (_U + 1) * _LOG2),
    ("log1p_abs", lambda l: vi.log1p_abs(l), _U ** np.sign(_U - 1) - 1),
    ("modified_gan", lambda l: vi.modified_gan(l), np.log1p(_U) - _LOGU),
    ("modified_gan self-normalized", lambda l: vi.modified_gan(l, self_normalized=True),
     np.log1p(_U) - _LOGU + 0.5 * (_U - 1)),
    ("pearson", lambda l: vi.pearson(l), (_U - 1) ** 2),
    ("squared_hellinger", lambda l: vi.squared_hellinger(l), (np.sqrt(_U) - 1) ** 2),
    ("t_power 0.5", lambda l: vi.t_power(l, 0.5), -(_U ** 0.5 - 1)),
    ("t_power 0.5 self-normalized", lambda l: vi.t_power(l, 0.5, self_normalized=True),
     -(_U ** 0.5 - 1 - 0.5 * (_U - 1))),
    ("t_power 2", lambda l: vi.t_power(l, 2.0), _U ** 2 - 1),
    ("t_power -1 self-normalized", lambda l: vi.t_power(l, -1.0, self_normalized=True),
     _U ** -1 - 1 + (_U - 1)),
    ("total_variation", lambda l: vi.total_variation(l), 0.5 * np.abs(_U - 1)),
    ("triangular", lambda l: vi.triangular(l), (_U - 1) ** 2 / (1 + _U)),
    ("dual of kl_forward is kl_reverse", lambda l: vi.dual_csiszar_function(l, vi.kl_forward), -_LOGU),
    ("dual of pearson", lambda l: vi.dual_csiszar_function(l, vi.pearson), _U * (1 / _U - 1) ** 2),
    ("symmetrized kl_reverse is jeffreys", lambda l: vi.symmetrized_csiszar_function(l, vi.kl_reverse),
     0.5 * (_U * _LOGU - _LOGU)),
    ("symmetrized triangular", lambda l: vi.symmetrized_csiszar_function(l, vi.triangular),
     0.5 * ((_U - 1) ** 2 / (1 + _U) + _U * (1 / _U - 1) ** 2 / (1 + 1 / _U))),
]


@pytest.mark.parametrize("name,fn,expected", CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_csiszar_function_closed_form(name, fn, expected):
    got = fn(wb.constant(_LOGU))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)
    if "self-normalized" in name:
        # f'(1) = 0: d f / d logu = u f'(u) vanishes at logu = 0
        x = wb.constant([0.0], dtype="float64")
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = wb.reduce_sum(fn(x))
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.0], atol=1e-12)


@pytest.mark.parametrize("name,fn,expected", CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_csiszar_function_gradient_matches_finite_differences(name, fn, expected):
    x = wb.constant(_LOGU[1:-1:3] + 0.05)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(fn(x))
    grad = tape.gradient(y, x).numpy()
    eps = 1e-6
    num = (fn(wb.constant(x.numpy() + eps)).numpy() - fn(wb.constant(x.numpy() - eps)).numpy()) / (2 * eps)
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-6)


def test_csiszar_functions_take_python_floats_and_keep_float32():
    assert vi.jensen_shannon(0.0).dtype == np.float32
    assert vi.pearson(wb.constant([0.5], dtype="float32")).dtype == np.float32
    with pytest.raises(TypeError, match="alpha"):
        vi.amari_alpha(wb.constant([0.0]), alpha=wb.constant(0.5))
    with pytest.raises(TypeError, match="csiszar_function"):
        vi.dual_csiszar_function(wb.constant([0.0]), "kl")


def test_csiszar_vimco_helper_against_brute_force():
    logu = np.random.default_rng(0).normal(size=(5, 3)) * 2
    log_avg, log_soo = vi.csiszar_vimco_helper(wb.constant(logu))
    np.testing.assert_allclose(log_avg.numpy(), np.log(np.exp(logu).mean(0)), rtol=1e-12)
    expect = np.empty_like(logu)
    for i in range(5):
        others = np.delete(logu, i, axis=0)
        expect[i] = np.log((np.exp(others).sum(0) + np.exp(others.mean(0))) / 5)
    np.testing.assert_allclose(log_soo.numpy(), expect, rtol=1e-12)
    with pytest.raises(ValueError, match="2 draws"):
        vi.csiszar_vimco_helper(wb.constant(logu[:1]))


def test_csiszar_vimco_value_and_gradient():
    loc = wb.Variable(wb.constant(0.3, dtype="float64"))
    p = tfd.Normal(wb.constant(1.0, dtype="float64"), 1.5)
    with wb.GradientTape() as tape:
        q = tfd.Normal(loc, wb.constant(1.0, dtype="float64"))
        value = vi.csiszar_vimco(vi.kl_reverse, p.log_prob, q, num_draws=6, num_batch_draws=4, seed=3)
    grad = tape.gradient(value, loc).numpy()
    # the same draws, by hand: the loss is the mean over groups of f(log mean u); its gradient is
    # d f(log_avg)/d loc + sum_i d log q(x_i)/d loc * (f(log_avg) - f(log_sooavg_i))
    x = tfd.Normal(wb.constant(0.3, dtype="float64"), wb.constant(1.0, dtype="float64")).sample((6, 4), seed=3).numpy()
    logu = stats.norm(1.0, 1.5).logpdf(x) - stats.norm(0.3, 1.0).logpdf(x)
    log_avg = np.log(np.exp(logu).mean(0))
    soo = np.stack([np.log((np.exp(np.delete(logu, i, 0)).sum(0) + np.exp(np.delete(logu, i, 0).mean(0))) / 6)
                    for i in range(6)])
    np.testing.assert_allclose(value.numpy(), np.mean(-log_avg), rtol=1e-10)
    w = np.exp(logu) / np.exp(logu).sum(0)            # d log_avg / d logu_i
    dlogq = x - 0.3                                    # d log q(x) / d loc; d logu = -d log q
    direct = np.mean(np.sum(w * dlogq, axis=0))        # d(-log_avg)/d loc
    score = np.mean(np.sum(dlogq * (-log_avg[None] + soo), axis=0))
    np.testing.assert_allclose(grad, direct + score, rtol=1e-8)
