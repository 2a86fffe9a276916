"""Structured and time-series distributions: HiddenMarkovModel against brute-force enumeration
of the hidden paths and against TFP 0.25's values (pinned below)."""

import itertools

import numpy as np
import pytest
import scipy.stats as st

import probability.distributions as tfd
import workbench as wb


def f64(v):
    return wb.constant(np.asarray(v, dtype=np.float64))


# -- HiddenMarkovModel -------------------------------------------------------------------

P0 = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3]])
P_TV = np.array([[[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]],
                 [[0.5, 0.25, 0.25], [0.2, 0.2, 0.6], [0.1, 0.1, 0.8]],
                 [[0.3, 0.4, 0.3], [0.6, 0.2, 0.2], [0.25, 0.25, 0.5]]])
LOC, SCALE = np.array([-1.0, 0.5, 2.0]), np.array([0.5, 1.0, 0.8])
X = np.array([[0.1, -0.9, 2.2, 1.0], [1.5, 0.3, -0.4, 2.5]])
MASK = np.array([False, True, False, False])


def _tv_hmm(**kw):
    return tfd.HiddenMarkovModel(tfd.Categorical(probs=f64(P0)), tfd.Categorical(probs=f64(P_TV)),
                                 tfd.Normal(f64(LOC), f64(SCALE)), num_steps=4,
                                 time_varying_transition_distribution=True, **kw)


def _brute_force(p0, trans, x, mask=None):
    """log p(x), the Viterbi path and the posterior marginals, by enumerating every path."""
    k, t = len(p0), len(x)
    total, best, marg = -np.inf, None, np.zeros((t, k))
    logs = []
    for z in itertools.product(range(k), repeat=t):
        lp = np.log(p0[z[0]]) + sum(np.log(trans[i - 1][z[i - 1], z[i]]) for i in range(1, t))
        lp += sum(st.norm(LOC[z[i]], SCALE[z[i]]).logpdf(x[i]) for i in range(t) if mask is None or not mask[i])
        logs.append((lp, z))
        total = np.logaddexp(total, lp)
        if best is None or lp > best[0]:
            best = (lp, z)
    for lp, z in logs:
        for i in range(t):
            marg[i, z[i]] += np.exp(lp - total)
    return total, np.array(best[1]), marg


@pytest.mark.parametrize("mask", [None, MASK])
def test_hmm_time_varying_transitions_match_enumeration(mask):
    hmm = _tv_hmm()
    lp = hmm.log_prob(f64(X), mask=mask).numpy()
    mode = hmm.posterior_mode(f64(X), mask=mask).numpy()
    marg = hmm.posterior_marginals(f64(X), mask=mask).probs_parameter().numpy()
    for b in range(2):
        want_lp, want_mode, want_marg = _brute_force(P0[b], P_TV, X[b], mask)
        np.testing.assert_allclose(lp[b], want_lp, rtol=1e-12)
        np.testing.assert_array_equal(mode[b], want_mode)
        np.testing.assert_allclose(marg[b], want_marg, rtol=1e-9, atol=1e-15)


def test_hmm_matches_tfp_values():
    # TFP 0.25, the same model (float64)
    hmm = _tv_hmm()
    np.testing.assert_allclose(hmm.log_prob(f64(X)).numpy(), [-6.331939900758371, -6.949842742387089], rtol=1e-12)
    np.testing.assert_allclose(hmm.log_prob(f64(X), mask=MASK).numpy(), [-4.780593933287721, -5.401468343738417],
                               rtol=1e-12)
    mode = hmm.posterior_mode(f64(X))
    assert mode.dtype == wb.int64
    np.testing.assert_array_equal(mode.numpy(), [[1, 1, 2, 2], [1, 1, 0, 2]])
    np.testing.assert_allclose(hmm.posterior_marginals(f64(X), mask=MASK).probs_parameter().numpy()[1],
                               [[3.7560051394190291e-06, 4.7979493056641359e-01, 5.2020131342844711e-01],
                                [3.7571588200575107e-01, 5.0113220224746358e-01, 1.2315191574678525e-01],
                                [7.1481084802305650e-01, 2.4718441520278334e-01, 3.8004736774160171e-02],
                                [5.7062877931686994e-11, 1.3781408102243592e-01, 8.6218591892050134e-01]],
                               rtol=1e-9)
    np.testing.assert_allclose(hmm.mean().numpy(), [[-0.25, -0.025, 0.6905, 0.54515], [0.65, 0.365, 0.9125, 0.5855]],
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(hmm.variance().numpy(), [[1.5265, 1.690075, 2.32582975, 2.2088064775],
                                                        [1.8445, 1.760875, 2.24794375, 2.22420475]], rtol=1e-12)
    prior = hmm.prior_marginals()
    assert prior.batch_shape == (2, 4)
    np.testing.assert_allclose(prior.probs_parameter().numpy()[0],
                               [[0.6, 0.3, 0.1], [0.48, 0.39, 0.13], [0.331, 0.211, 0.458],
                                [0.3404, 0.2891, 0.3705]], rtol=1e-12)


def test_hmm_time_varying_poisson_observations_match_tfp():
    rates = f64([[1.0, 5.0], [2.0, 8.0], [0.5, 3.0]])
    hmm = tfd.HiddenMarkovModel(tfd.Categorical(probs=f64([0.5, 0.5])),
                                tfd.Categorical(probs=f64([[0.9, 0.1], [0.2, 0.8]])), tfd.Poisson(rate=rates),
                                num_steps=3, time_varying_observation_distribution=True)
    y = f64([0.0, 6.0, 3.0])
    np.testing.assert_allclose(hmm.log_prob(y).numpy(), -7.531904768060155, rtol=1e-12)
    np.testing.assert_array_equal(hmm.posterior_mode(y).numpy(), [0, 1, 1])
    np.testing.assert_allclose(hmm.mean().numpy(), [3.0, 4.7, 1.5375], rtol=1e-12)
    np.testing.assert_allclose(hmm.variance().numpy(), [7.0, 13.61, 3.05484375], rtol=1e-12)
    np.testing.assert_allclose(hmm.posterior_marginals(y).probs_parameter().numpy(),
                               [[0.8878016653558615, 0.11219833464413853], [0.12607285909038524, 0.8739271409096149],
                                [0.05459933828013918, 0.9454006617198609]], rtol=1e-10)
    assert hmm.experimental_default_event_space_bijector() is None


def test_hmm_mask_in_the_constructor_and_sample_shapes():
    hmm = _tv_hmm(mask=MASK)
    np.testing.assert_allclose(hmm.log_prob(f64(X)).numpy(), [-4.780593933287721, -5.401468343738417], rtol=1e-12)
    x = hmm.sample((5, 3), seed=2)
    assert x.shape == (5, 3, 2, 4) and hmm.log_prob(x).shape == (5, 3, 2)
    assert hmm.posterior_marginals(x).batch_shape == (5, 3, 2, 4)
    np.testing.assert_allclose(hmm[1:].log_prob(f64(X[1:])).numpy(), [-5.401468343738417], rtol=1e-12)


def test_hmm_draws_follow_the_chain():
    # two sticky states with far-apart observations: the draws' state switches match the transition matrix
    hmm = tfd.HiddenMarkovModel(tfd.Categorical(probs=f64([1.0, 0.0])),
                                tfd.Categorical(probs=f64([[0.9, 0.1], [0.3, 0.7]])),
                                tfd.Normal(f64([0.0, 100.0]), f64(1.0)), num_steps=6)
    z = (hmm.sample(4000, seed=3).numpy() > 50).astype(int)
    assert np.all(z[:, 0] == 0)
    prev, nxt = z[:, :-1].ravel(), z[:, 1:].ravel()
    assert abs(np.mean(nxt[prev == 0]) - 0.1) < 0.015
    assert abs(np.mean(nxt[prev == 1]) - 0.7) < 0.03


def test_hmm_bad_arguments_name_the_argument():
    init, obs = tfd.Categorical(probs=f64([0.5, 0.5])), tfd.Normal(f64([0.0, 1.0]), f64(1.0))
    trans = tfd.Categorical(probs=f64([[0.9, 0.1], [0.3, 0.7]]))
    with pytest.raises(ValueError, match="num_steps"):
        tfd.HiddenMarkovModel(init, trans, obs, num_steps=0)
    with pytest.raises(ValueError, match="transition_distribution"):
        tfd.HiddenMarkovModel(init, tfd.Categorical(probs=f64([0.5, 0.5])), obs, num_steps=3)
    with pytest.raises(ValueError, match="observation_distribution"):
        tfd.HiddenMarkovModel(init, trans, tfd.Normal(f64([0.0, 1.0, 2.0]), f64(1.0)), num_steps=3)
    with pytest.raises(TypeError, match="initial_distribution"):
        tfd.HiddenMarkovModel(obs, trans, obs, num_steps=3)
    hmm = tfd.HiddenMarkovModel(init, trans, obs, num_steps=3)
    with pytest.raises(ValueError, match=r"\[\.\.\., 3\]"):
        hmm.log_prob(f64([0.0, 1.0]))
    with pytest.raises(ValueError, match="mask"):
        hmm.log_prob(f64([0.0, 1.0, 2.0]), mask=[True, False])


# -- MarkovChain -------------------------------------------------------------------------


def test_markov_chain_time_varying_transition_matches_tfp():
    # TFP's docstring example: the step index gathers a scale; log_prob passes all steps at once
    scales = f64([0.5, 0.3, 0.2])

    def transition_fn(t, x):
        return tfd.Normal(x, wb.reshape(wb.gather(scales, t), [-1] + [1] * (x.ndim - 1)))
    walk = tfd.MarkovChain(tfd.Normal(f64([-10.0, 0.0, 10.0]), f64(1.0)), transition_fn, num_steps=4)
    x = f64([[-9.5, -9.0, -9.2, -9.1], [0.2, 0.0, 0.3, 0.1], [10.0, 10.5, 10.2, 10.4]])
    np.testing.assert_allclose(walk.log_prob(x).numpy(), [-1.14141846, -1.26919624, -1.66919624], rtol=1e-8)
    assert walk.sample(5, seed=(1, 2)).shape == (5, 3, 4)
    kahan = tfd.MarkovChain(walk.initial_state_prior, transition_fn, num_steps=4, experimental_use_kahan_sum=True)
    np.testing.assert_allclose(kahan.log_prob(x).numpy(), walk.log_prob(x).numpy(), rtol=1e-14)


def test_markov_chain_draws_have_the_walk_statistics():
    walk = tfd.MarkovChain(tfd.Normal(f64(1.0), f64(0.5)), lambda _, x: tfd.Normal(x + 1.0, f64(0.7)), num_steps=5)
    x = walk.sample(20000, seed=4).numpy()
    t = np.arange(5)
    np.testing.assert_allclose(x.mean(0), 1.0 + t, atol=0.05)
    np.testing.assert_allclose(x.var(0), 0.25 + 0.49 * t, rtol=0.05)
    np.testing.assert_allclose(np.corrcoef(np.diff(x, axis=1).T), np.eye(4), atol=0.03)


def test_markov_chain_event_space_bijectors_match_tfp():
    # the prior's and the transitions' Softplus is shared (TFP gives Softplus too)
    chain = tfd.MarkovChain(tfd.Gamma(f64(3.0), f64(1.5)), lambda _, x: tfd.Gamma(f64(3.0), 2.0 / x), num_steps=3)
    b = chain.experimental_default_event_space_bijector()
    np.testing.assert_allclose(b.forward(f64([[0.3, -1.2, 2.0], [-0.5, 0.1, 0.7]])).numpy(),
                               [[0.85435524, 0.26328247, 2.12692801], [0.47407698, 0.74439666, 1.10318605]],
                               rtol=1e-7)
    # a support that depends on the previous state: step by step, Uniform(0, x[t-1])
    chain = tfd.MarkovChain(tfd.Uniform(f64(0.0), f64(1.0)), lambda _, x: tfd.Uniform(f64(0.0), x), num_steps=3)
    b = chain.experimental_default_event_space_bijector()
    u = np.array([[0.3, -1.2, 2.0], [1.0, 0.5, -0.4]])
    y = b.forward(f64(u))
    np.testing.assert_allclose(y.numpy()[0], [0.57444252, 0.13296921, 0.11711889], rtol=1e-7)
    assert np.all(np.isfinite(chain.log_prob(y).numpy()))
    np.testing.assert_allclose(b.inverse(f64(y.numpy())).numpy(), u, rtol=1e-10)
    # the log-determinant against the Jacobian by central differences
    h = 1e-6
    for row in range(2):
        jac = np.stack([(b.forward(f64(u[row] + h * e)).numpy() - b.forward(f64(u[row] - h * e)).numpy()) / (2 * h)
                        for e in np.eye(3)], axis=1)
        np.testing.assert_allclose(b.forward_log_det_jacobian(f64(u[row]), event_ndims=1).numpy(),
                                   np.linalg.slogdet(jac)[1], rtol=1e-6)


def test_markov_chain_bad_arguments_name_the_argument():
    prior = tfd.Normal(f64(0.0), f64(1.0))
    with pytest.raises(ValueError, match="num_steps"):
        tfd.MarkovChain(prior, lambda _, x: tfd.Normal(x, 1.0), num_steps=-1)
    with pytest.raises(TypeError, match="transition_fn"):
        tfd.MarkovChain(prior, None, num_steps=3)
    with pytest.raises(TypeError, match="initial_state_prior"):
        tfd.MarkovChain(0.0, lambda _, x: x, num_steps=3)
    walk = tfd.MarkovChain(prior, lambda _, x: tfd.Normal(x, f64(1.0)), num_steps=3)
    with pytest.raises(ValueError, match=r"\[\.\.\., 3\]"):
        walk.log_prob(f64([0.0, 1.0]))


# -- LinearGaussianStateSpaceModel ---------------------------------------------------------

def _time_varying_ssm(**kw):
    # TFP 0.25 gave the values pinned below for this model (the transition matrix a callable of t)
    def transition_matrix(t):
        t = float(t.numpy())
        return wb.linalg.LinearOperatorFullMatrix(f64([[1.0, 0.1 * (t + 1)], [0.0, 0.9]]))
    return tfd.LinearGaussianStateSpaceModel(
        num_timesteps=4, transition_matrix=transition_matrix,
        transition_noise=tfd.MultivariateNormalDiag(loc=f64([0.05, 0.0]), scale_diag=f64([0.3, 0.1])),
        observation_matrix=wb.linalg.LinearOperatorFullMatrix(f64([[1.0, 0.5]])),
        observation_noise=tfd.MultivariateNormalDiag(loc=f64([0.2]), scale_diag=f64([0.5])),
        initial_state_prior=tfd.MultivariateNormalDiag(loc=f64([[0.0, 1.0], [1.0, -1.0]]), scale_diag=f64([1.0, 2.0])),
        initial_step=3, **kw)


SSM_X = np.array([[[0.5], [1.1], [2.0], [2.2]], [[1.0], [0.4], [-0.3], [0.1]]])
SSM_MASK = np.array([False, True, False, False])


def test_ssm_filter_and_smoother_match_tfp():
    m = _time_varying_ssm()
    assert m.batch_shape == (2,) and m.event_shape == (4, 1)
    np.testing.assert_allclose(m.log_prob(f64(SSM_X)).numpy(), [-4.192123838751329, -4.5808112028277925], rtol=1e-12)
    np.testing.assert_allclose(m.log_prob(f64(SSM_X), mask=SSM_MASK).numpy(), [-3.741129786994669, -4.126588730506079],
                               rtol=1e-12)
    r = m.forward_filter(f64(SSM_X), mask=SSM_MASK)
    np.testing.assert_allclose(r.log_likelihoods.numpy()[1], [-1.344403641312837, 0.0, -1.4737954026140458,
                                                              -1.3083896865791953], rtol=1e-12)
    np.testing.assert_allclose(r.filtered_means.numpy()[1],
                               [[1.1333333333333333, -0.7333333333333333], [0.89, -0.66],
                                [0.1652049293366136, -1.1510208404585123], [-0.0211991991778385, -0.6663072829413204]],
                               rtol=1e-12)
    np.testing.assert_allclose(r.filtered_covs.numpy()[1, 2], [[1.5422854999393210e-01, -3.4905396012841886e-02],
                                                               [-3.4905396012841858e-02, 4.1238203462009471e-01]],
                               rtol=1e-12)
    np.testing.assert_allclose(r.predicted_means.numpy()[1, 3], [-0.4376142972367628, -0.5996765546471884], rtol=1e-12)
    np.testing.assert_allclose(r.predicted_covs.numpy()[1, 1], [[0.8325, 0.8145], [0.8145, 1.4761]], rtol=1e-12)
    np.testing.assert_allclose(r.observation_means.numpy()[1, :, 0], [0.7, 0.76, 0.513, -0.7933669531448244],
                               rtol=1e-12)
    np.testing.assert_allclose(r.observation_covs.numpy()[1, :, 0, 0], [2.25, 0.9925, 2.266025, 0.8780784115356186],
                               rtol=1e-12)
    means, covs = m.posterior_marginals(f64(SSM_X), mask=SSM_MASK)
    np.testing.assert_allclose(means.numpy()[1], [[1.0831943250639013, -0.9229464299077802],
                                                  [0.7073228419961444, -0.8315998523998744],
                                                  [0.2848300046915623, -0.7459937108381004],
                                                  [-0.0211991991778385, -0.6663072829413204]], rtol=1e-12)
    np.testing.assert_allclose(covs.numpy()[1, 0], [[0.3478192159069645, -0.2834300958627838],
                                                    [-0.2834300958627838, 0.3627336420793836]], rtol=1e-12)
    obs_means, obs_covs = m.latents_to_observations(means, covs)
    assert obs_covs.shape == (2, 4, 1, 1)
    np.testing.assert_allclose(obs_means.numpy()[1, :, 0], [0.8217211101100113, 0.4915229157962072,
                                                            0.1118331492725121, -0.1543528406484987], rtol=1e-12)
    np.testing.assert_allclose(m.mean().numpy()[:, :, 0], [[0.7, 1.1, 1.555, 2.0505], [0.7, 0.4, 0.045, -0.3505]],
                               rtol=1e-12)
    np.testing.assert_allclose(m.variance().numpy()[0, :, 0], [2.25, 4.2325, 7.741625, 13.12120625], rtol=1e-12)
    # the model's own mask is the default
    np.testing.assert_allclose(_time_varying_ssm(mask=SSM_MASK).log_prob(f64(SSM_X)).numpy(),
                               [-3.741129786994669, -4.126588730506079], rtol=1e-12)


def test_ssm_result_shapes_follow_tfp():
    m = _time_varying_ssm()
    last = m.forward_filter(f64(SSM_X), final_step_only=True)
    assert [tuple(v.shape) for v in last] == [(2,), (2, 2), (2, 2, 2), (2, 2), (2, 2, 2), (2, 1), (2, 1, 1)]
    np.testing.assert_allclose(last.log_likelihoods.numpy(), [-4.192123838751329, -4.5808112028277925], rtol=1e-12)
    r = m.forward_filter(wb.stack([f64(SSM_X)] * 5))
    assert [tuple(v.shape) for v in r] == [(5, 2, 4), (5, 2, 4, 2), (2, 4, 2, 2), (5, 2, 4, 2), (2, 4, 2, 2),
                                           (5, 2, 4, 1), (2, 4, 1, 1)]
    assert m.posterior_sample(f64(SSM_X), sample_shape=[3], seed=(1, 2)).shape == (3, 2, 4, 2)
    assert m.sample(3, seed=1).shape == (3, 2, 4, 1)
    with pytest.raises(NotImplementedError, match="covariance"):
        m.covariance()
    with pytest.raises(NotImplementedError, match="entropy"):
        m.entropy()


def _dense_posterior(m, x):
    """The posterior of the latents from the joint Gaussian of (z, x): means ``[T, l]`` and the
    block-diagonal covariances ``[T, l, l]``, for the time-invariant model of _small_ssm."""
    a, q, c, r = _SMALL
    t_steps, l = 3, 2
    covs = [np.diag([1.0, 0.49])]
    for _ in range(t_steps - 1):
        covs.append(a @ covs[-1] @ a.T + q)
    zz = np.zeros((t_steps * l, t_steps * l))
    for t in range(t_steps):
        for s in range(t + 1):
            block = np.linalg.matrix_power(a, t - s) @ covs[s]
            zz[t * l:(t + 1) * l, s * l:(s + 1) * l] = block
            zz[s * l:(s + 1) * l, t * l:(t + 1) * l] = block.T
    big_c = np.kron(np.eye(t_steps), c)
    xx = big_c @ zz @ big_c.T + np.kron(np.eye(t_steps), r)
    zx = zz @ big_c.T
    mean = zx @ np.linalg.solve(xx, x.ravel())
    cov = zz - zx @ np.linalg.solve(xx, zx.T)
    return mean.reshape(t_steps, l), np.stack([cov[t * l:(t + 1) * l, t * l:(t + 1) * l] for t in range(t_steps)])


_SMALL = (np.array([[0.9, 0.2], [-0.1, 0.8]]), np.diag([0.09, 0.04]), np.array([[1.0, 0.5]]), np.array([[0.25]]))


def _small_ssm():
    a, q, c, r = _SMALL
    return tfd.LinearGaussianStateSpaceModel(
        num_timesteps=3, transition_matrix=f64(a), transition_noise=tfd.MultivariateNormalTriL(
            scale_tril=f64(np.linalg.cholesky(q))),
        observation_matrix=f64(c), observation_noise=tfd.MultivariateNormalDiag(scale_diag=f64([0.5])),
        initial_state_prior=tfd.MultivariateNormalDiag(scale_diag=f64([1.0, 0.7])))


def test_ssm_posterior_matches_dense_gaussian_conditioning():
    m, x = _small_ssm(), np.array([[0.4], [-0.8], [1.3]])
    want_mean, want_cov = _dense_posterior(m, x)
    means, covs = m.posterior_marginals(f64(x))
    np.testing.assert_allclose(means.numpy(), want_mean, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(covs.numpy(), want_cov, rtol=1e-10, atol=1e-13)
    draws = m.posterior_sample(f64(x), sample_shape=20000, seed=5).numpy()
    assert draws.shape == (20000, 3, 2)
    np.testing.assert_allclose(draws.mean(0), want_mean, atol=0.02)
    for t in range(3):
        np.testing.assert_allclose(np.cov(draws[:, t].T), want_cov[t], atol=0.02)


def test_ssm_masked_log_prob_is_the_marginal_of_the_kept_steps():
    m, x = _small_ssm(), np.array([[0.4], [-0.8], [1.3]])
    a, q, c, r = _SMALL
    from tests.distribution_cases.structured import ssm_dense_moments
    mean, cov = ssm_dense_moments(a, np.zeros(2), q, c, np.zeros(1), r, np.zeros(2), np.diag([1.0, 0.49]), 3)
    keep = [0, 2]
    want = st.multivariate_normal(mean[keep], cov[np.ix_(keep, keep)]).logpdf(x.ravel()[keep])
    np.testing.assert_allclose(m.log_prob(f64(x), mask=[False, True, False]).numpy(), want, rtol=1e-12)


def test_ssm_bad_arguments_name_the_argument():
    prior = tfd.MultivariateNormalDiag(scale_diag=f64([1.0, 1.0]))
    noise2, noise1 = tfd.MultivariateNormalDiag(scale_diag=f64([1.0, 1.0])), tfd.MultivariateNormalDiag(
        scale_diag=f64([1.0]))
    args = dict(num_timesteps=3, transition_matrix=f64(np.eye(2)), transition_noise=noise2,
                observation_matrix=f64([[1.0, 0.0]]), observation_noise=noise1, initial_state_prior=prior)
    with pytest.raises(ValueError, match="transition_matrix"):
        tfd.LinearGaussianStateSpaceModel(**{**args, "transition_matrix": f64(np.eye(3))})
    with pytest.raises(ValueError, match="observation_noise"):
        tfd.LinearGaussianStateSpaceModel(**{**args, "observation_noise": noise2})
    with pytest.raises(ValueError, match="num_timesteps"):
        tfd.LinearGaussianStateSpaceModel(**{**args, "num_timesteps": 0})
    m = tfd.LinearGaussianStateSpaceModel(**args)
    with pytest.raises(ValueError, match=r"\[\.\.\., 3, 1\]"):
        m.log_prob(f64(np.zeros((3, 2))))
    with pytest.raises(NotImplementedError, match="slicing"):
        _time_varying_ssm()[0]


def test_ssm_batch_slicing():
    a = np.array([[[0.9, 0.2], [-0.1, 0.8]], [[1.0, 0.0], [0.5, 0.5]], [[0.7, 0.1], [0.0, 1.1]]])
    m = tfd.LinearGaussianStateSpaceModel(
        num_timesteps=3, transition_matrix=f64(a),
        transition_noise=tfd.MultivariateNormalDiag(scale_diag=f64([0.3, 0.2])),
        observation_matrix=wb.linalg.LinearOperatorFullMatrix(f64([[1.0, 0.5]])),
        observation_noise=tfd.MultivariateNormalDiag(loc=f64([[0.0], [0.2], [-0.1]]), scale_diag=f64([0.5])),
        initial_state_prior=tfd.MultivariateNormalDiag(scale_diag=f64([1.0, 0.7])), mask=[False, False, True])
    assert m.batch_shape == (3,)
    x = m.sample(2, seed=1)
    full = m.log_prob(x).numpy()
    for key in [slice(1, None), 2, slice(None, None, -1)]:
        sub = m[key]
        np.testing.assert_allclose(sub.log_prob(x[:, key]).numpy(), full[:, key], rtol=1e-12)
    assert m[1:].mask.shape == (2, 3)


# -- Blockwise and BatchConcat -------------------------------------------------------------------

def test_blockwise_matches_tfp():
    d = tfd.Blockwise([tfd.Independent(tfd.Gamma(f64([2.0, 3.0]), f64(1.0)), 1), tfd.Normal(f64(0.5), f64(2.0)),
                       tfd.MultivariateNormalDiag(f64([1.0, 2.0]), f64([0.5, 0.3]))])
    assert d.event_shape == (5,) and d.batch_shape == () and d.dtype == np.float64
    np.testing.assert_allclose(d.log_prob(f64([1.0, 2.0, 0.3, 1.1, 2.2])).numpy(), -4.106917836950359, rtol=1e-12)
    np.testing.assert_allclose(d.entropy().numpy(), 6.477636970552624, rtol=1e-12)
    np.testing.assert_allclose(d.mean().numpy(), [2.0, 3.0, 0.5, 1.0, 2.0])
    with pytest.raises(NotImplementedError, match="Blockwise"):
        d.variance()
    # a joint distribution's parts in tf.nest order (sorted keys: a, b, c), TFP 0.25's value
    joint = tfd.JointDistributionNamed(dict(b=tfd.Normal(f64(0.0), f64(1.0)), a=tfd.Exponential(f64(2.0)),
                                            c=lambda a: tfd.Independent(tfd.Normal(f64([0.0, 1.0]) * a[..., None], f64(1.0)), 1)))
    d = tfd.Blockwise(joint)
    assert d.event_shape == (4,)
    np.testing.assert_allclose(d.log_prob(f64([0.7, -0.3, 0.4, 1.5])).numpy(), -3.908668419054073, rtol=1e-12)
    x = d.sample([3, 2], seed=4)
    assert x.shape == (3, 2, 4) and np.all(x.numpy()[..., 0] > 0)


def test_blockwise_draws_dtype_override_kl_and_slicing():
    parts = [tfd.Normal(f64([0.0, 5.0]), f64(1.0)), tfd.Independent(tfd.Exponential(f64([[1.0, 4.0], [2.0, 0.5]])), 1)]
    d = tfd.Blockwise(parts)
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    x = d.sample(20000, seed=6).numpy()
    np.testing.assert_allclose(x.mean(0), [[0.0, 1.0, 0.25], [5.0, 0.5, 2.0]], atol=0.05)
    np.testing.assert_allclose(d[1:].log_prob(f64(x[:5, 1:])).numpy(), d.log_prob(f64(x[:5])).numpy()[:, 1:],
                               rtol=1e-12)
    other = tfd.Blockwise([tfd.Normal(f64([1.0, 5.0]), f64(2.0)), parts[1]])
    import probability
    want = probability.kl_divergence(parts[0], tfd.Normal(f64([1.0, 5.0]), f64(2.0))).numpy()
    np.testing.assert_allclose(probability.kl_divergence(d, other).numpy(), want, rtol=1e-12)
    cast = tfd.Blockwise([tfd.Normal(f64(0.0), f64(1.0)), tfd.Poisson(rate=f64(3.0))], dtype_override=np.float32)
    y = cast.sample(4, seed=1)
    assert y.dtype == wb.float32 and np.all(y.numpy()[:, 1] == np.round(y.numpy()[:, 1]))
    np.testing.assert_allclose(cast.log_prob(wb.constant([[0.5, 2.0]], dtype=wb.float32)).numpy(),
                               st.norm.logpdf(0.5) + st.poisson(3.0).logpmf(2), rtol=1e-6)
    with pytest.raises(ValueError, match="batch_shape"):
        tfd.Blockwise([tfd.Normal(f64([0.0, 1.0]), f64(1.0)), tfd.Normal(f64(0.0), f64(1.0))])
    with pytest.raises(TypeError, match="dtype"):
        tfd.Blockwise([tfd.Normal(f64(0.0), f64(1.0)), tfd.Normal(0.0, 1.0)])
    with pytest.raises(ValueError, match="last dimension must be 3"):
        d.log_prob(f64([0.0, 1.0]))


def test_batch_concat_matches_tfp_and_slices_across_parts():
    c = tfd.BatchConcat([tfd.Normal(f64(np.zeros([1, 3])), f64(1.0)), tfd.Normal(f64(np.ones([2, 1])), f64(2.0))],
                        axis=1)
    assert c.batch_shape == (2, 4) and c.event_shape == ()
    x = np.arange(8.0).reshape(2, 4)
    full = c.log_prob(f64(x)).numpy()
    np.testing.assert_allclose(full, [[-0.91893853, -1.41893853, -2.91893853, -2.11208571],
                                      [-8.91893853, -13.41893853, -18.91893853, -6.11208571]], rtol=1e-8)
    np.testing.assert_allclose(c.mean().numpy(), [[0.0, 0.0, 0.0, 1.0]] * 2)
    for key in [(slice(None), slice(2, None)), (0,), (slice(None), 3), (slice(None), slice(None, None, -1)),
                (Ellipsis, slice(2, 4)), (1, slice(0, 4, 2))]:
        np.testing.assert_allclose(c[key].log_prob(f64(x[key])).numpy(), full[key], rtol=1e-12, err_msg=str(key))
    assert c.sample(3, seed=1).shape == (3, 2, 4)
    assert c.experimental_default_event_space_bijector() is not None
    # vector events: MVN parts concatenated along the batch, covariances too
    mvn = tfd.BatchConcat([tfd.MultivariateNormalDiag(f64([[0.0, 1.0]]), f64([1.0, 2.0])),
                           tfd.MultivariateNormalDiag(f64([[2.0, 3.0], [4.0, 5.0]]), f64([0.5, 0.5]))], axis=0)
    assert mvn.batch_shape == (3,) and mvn.event_shape == (2,)
    np.testing.assert_allclose(mvn.covariance().numpy()[:, [0, 1], [0, 1]], [[1.0, 4.0], [0.25, 0.25], [0.25, 0.25]])
    np.testing.assert_allclose(mvn.log_prob(f64([0.0, 1.0])).numpy(),
                               [st.multivariate_normal([0.0, 1.0], np.diag([1.0, 4.0])).logpdf([0.0, 1.0]),
                                st.multivariate_normal([2.0, 3.0], 0.25 * np.eye(2)).logpdf([0.0, 1.0]),
                                st.multivariate_normal([4.0, 5.0], 0.25 * np.eye(2)).logpdf([0.0, 1.0])], rtol=1e-12)


def test_batch_concat_bad_arguments_name_the_argument():
    a, b = tfd.Normal(f64(np.zeros([2, 3])), f64(1.0)), tfd.Normal(f64(np.zeros([3, 1])), f64(1.0))
    with pytest.raises(ValueError, match="do not broadcast"):
        tfd.BatchConcat([a, b], axis=1)
    with pytest.raises(ValueError, match="`axis`"):
        tfd.BatchConcat([a, a], axis=-1)
    with pytest.raises(ValueError, match="event_shape"):
        tfd.BatchConcat([a, tfd.MultivariateNormalDiag(f64(np.zeros([2, 1, 2])), f64([1.0, 1.0]))], axis=1)
    with pytest.raises(ValueError, match="rank"):
        tfd.BatchConcat([a, tfd.Normal(f64(np.zeros([3])), f64(1.0))], axis=0)
    mixed = tfd.BatchConcat([tfd.Gamma(f64([1.0]), f64(1.0)), tfd.Normal(f64([0.0]), f64(1.0))], axis=0)
    with pytest.raises(NotImplementedError, match="BatchConcat"):
        mixed.experimental_default_event_space_bijector()


# -- StudentTProcessRegressionModel -------------------------------------------------------------

from probability.math import psd_kernels as tfpk  # noqa: E402

STP_X = np.array([[0.0], [0.3], [0.5], [1.1], [1.6]])
STP_Y = np.array([0.2, -0.4, 0.1, 1.0, 0.7])
STP_OX, STP_OY = np.array([[0.1], [0.4], [0.9], [1.3]]), np.array([0.5, -0.2, 0.8, 1.1])


def _stprm(amplitude=1.3, **kw):
    kw.setdefault("observation_index_points", f64(STP_OX))
    kw.setdefault("observations", f64(STP_OY))
    return tfd.StudentTProcessRegressionModel(f64(5.0), tfpk.ExponentiatedQuadratic(f64(amplitude), f64(0.6)),
                                              index_points=f64(STP_X), observation_noise_variance=f64(0.2), **kw)


def test_stprm_matches_tfp():
    # TFP 0.25's values for the same models
    m = _stprm()
    assert float(m.df) == 9.0
    np.testing.assert_allclose(m.log_prob(f64(STP_Y)).numpy(), -1.9380320487728326, rtol=1e-12)
    np.testing.assert_allclose(m.mean().numpy(), [0.31145257, 0.14589667, 0.18175697, 0.89860889, 0.91981375],
                               rtol=1e-7)
    np.testing.assert_allclose(m.variance().numpy(), [0.34913713, 0.27207694, 0.2865418, 0.28066946, 0.53127282],
                               rtol=1e-7)
    np.testing.assert_allclose(m.covariance().numpy()[0], [3.49137130e-01, 4.88206744e-02, 1.91728270e-04,
                                                           -5.41436873e-03, 7.45716009e-03], rtol=1e-7)
    # a mean function and its own predictive noise
    m = _stprm(predictive_noise_variance=f64(0.05), mean_fn=lambda x: 0.3 * x[..., 0])
    np.testing.assert_allclose(m.log_prob(f64(STP_Y)).numpy(), -1.8499083909438987, rtol=1e-12)
    np.testing.assert_allclose(m.mean().numpy(), [0.28981968, 0.15390904, 0.19071529, 0.90213447, 1.09155466],
                               rtol=1e-7)
    np.testing.assert_allclose(m.variance().numpy(), [0.19913713, 0.12207694, 0.1365418, 0.13066946, 0.38127282],
                               rtol=1e-7)
    # no observations: the prior process
    m = _stprm(observation_index_points=None, observations=None)
    assert float(m.df) == 5.0
    np.testing.assert_allclose(m.log_prob(f64(STP_Y)).numpy(), -4.835747911872435, rtol=1e-12)
    # a batch of kernels
    m = _stprm(amplitude=[1.3, 0.8])
    assert m.batch_shape == (2,) and m.reparameterization_type is tfd.FULLY_REPARAMETERIZED
    np.testing.assert_allclose(m.log_prob(f64(STP_Y)).numpy(), [-1.93803205, -2.00754934], rtol=1e-8)
    np.testing.assert_allclose(m.variance().numpy()[1], [0.32781196, 0.27614169, 0.28233188, 0.28412797, 0.42493763],
                               rtol=1e-7)
    # TFP gives 4.18800715; ours is SciPy's multivariate t entropy with the same jittered scale (4.18800484)
    np.testing.assert_allclose(m.entropy().numpy()[0], 4.18800715, rtol=1e-6)


def test_stprm_marginal_draws_and_other_index_points():
    m = _stprm()
    marginal = m.get_marginal_distribution()
    # the marginal puts the jitter on the scaled covariance (TFP 0.25), log_prob on the covariance
    np.testing.assert_allclose(marginal.log_prob(f64(STP_Y)).numpy(), m.log_prob(f64(STP_Y)).numpy(), rtol=1e-5)
    np.testing.assert_allclose(m.mean(index_points=f64(STP_X[:2])).numpy(), m.mean().numpy()[:2], rtol=1e-12)
    x = m.sample(20000, seed=8).numpy()
    np.testing.assert_allclose(x.mean(0), m.mean().numpy(), atol=0.03)
    np.testing.assert_allclose(x.var(0), m.variance().numpy(), rtol=0.08)
    with pytest.raises(ValueError, match="`df`"):
        tfd.StudentTProcessRegressionModel(f64(1.5), tfpk.ExponentiatedQuadratic(f64(1.0), f64(1.0)),
                                           index_points=f64(STP_X), validate_args=True)
    with pytest.raises(ValueError, match="observation_index_points"):
        _stprm(observation_index_points=None)


# -- conjugate normal updates -----------------------------------------------------------------

CONJ_L0 = np.array([[1.0, 0.0], [0.3, 0.8]])
CONJ_X = np.array([[1.0, 0.5], [0.2, 1.0], [1.0, -1.0]])
CONJ_LY = np.array([[0.5, 0.0, 0.0], [0.1, 0.4, 0.0], [0.0, 0.2, 0.6]])
CONJ_Y, CONJ_M0 = np.array([0.3, 1.2, -0.5]), np.array([0.1, -0.2])


def test_mvn_conjugate_linear_update_matches_tfp_and_gaussian_conditioning():
    mean, prec = tfd.mvn_conjugate_linear_update(f64(CONJ_L0), f64(CONJ_X), f64(CONJ_LY), f64(CONJ_Y),
                                                 prior_mean=f64(CONJ_M0))
    assert isinstance(prec, wb.linalg.LinearOperator)
    # TFP 0.25
    np.testing.assert_allclose(mean.numpy(), [0.06279299, 0.82579891], rtol=1e-7)
    np.testing.assert_allclose(prec.to_dense().numpy(), [[7.91840278, -2.49652778], [-2.49652778, 13.46527778]],
                               rtol=1e-8)
    # the joint Gaussian of (latent, observation), conditioned on the observation
    p0, r = CONJ_L0 @ CONJ_L0.T, CONJ_LY @ CONJ_LY.T
    gain = p0 @ CONJ_X.T @ np.linalg.inv(CONJ_X @ p0 @ CONJ_X.T + r)
    np.testing.assert_allclose(mean.numpy(), CONJ_M0 + gain @ (CONJ_Y - CONJ_X @ CONJ_M0), rtol=1e-12)
    np.testing.assert_allclose(np.linalg.inv(prec.to_dense().numpy()), p0 - gain @ CONJ_X @ p0, rtol=1e-12)
    # LinearOperator scales and a batch of observations (TFP 0.25's values)
    mean, prec = tfd.mvn_conjugate_linear_update(wb.linalg.LinearOperatorDiag(f64([1.0, 2.0])), f64(CONJ_X),
                                                 wb.linalg.LinearOperatorScaledIdentity(3, f64(0.5)),
                                                 f64(np.stack([CONJ_Y, 2 * CONJ_Y])))
    np.testing.assert_allclose(mean.numpy(), [[0.12438468, 0.81613639], [0.24876936, 1.63227278]], rtol=1e-7)
    np.testing.assert_allclose(prec.to_dense().numpy(), [[9.16, -1.2], [-1.2, 9.25]], rtol=1e-12)
    with pytest.raises(ValueError, match="do not line up"):
        tfd.mvn_conjugate_linear_update(f64(CONJ_L0), f64(CONJ_X.T), f64(CONJ_LY), f64(CONJ_Y))


def test_normal_conjugates_known_scale_match_tfp_and_the_mvn_update():
    prior = tfd.Normal(f64([0.0, 1.0]), f64(2.0))
    post = tfd.normal_conjugates_known_scale_posterior(prior, f64(0.5), f64([3.0, 4.0]), 5)
    pred = tfd.normal_conjugates_known_scale_predictive(prior, f64(0.5), f64([3.0, 4.0]), 5)
    assert isinstance(post, tfd.Normal) and isinstance(pred, tfd.Normal)
    np.testing.assert_allclose(post.loc.numpy(), [0.59259259, 0.80246914], rtol=1e-7)
    np.testing.assert_allclose(post.scale.numpy(), 0.2222222222222222, rtol=1e-12)
    np.testing.assert_allclose(pred.loc.numpy(), [0.59259259, 0.80246914], rtol=1e-7)
    np.testing.assert_allclose(pred.scale.numpy(), 0.5471587667664503, rtol=1e-12)
    # n observations of loc: the linear update with a column of ones gives the same posterior
    obs = np.array([0.2, 1.1, 0.4, 0.9, 0.4])     # sum 3.0
    mean, prec = tfd.mvn_conjugate_linear_update(f64([[2.0]]), f64(np.ones((5, 1))), f64(0.5 * np.eye(5)), f64(obs),
                                                 prior_mean=f64([0.0]))
    np.testing.assert_allclose(mean.numpy()[0], post.loc.numpy()[0], rtol=1e-12)
    np.testing.assert_allclose(1 / prec.to_dense().numpy()[0, 0], post.scale.numpy() ** 2, rtol=1e-12)
    with pytest.raises(TypeError, match="`prior` must be a Normal"):
        tfd.normal_conjugates_known_scale_posterior(tfd.Laplace(f64(0.0), f64(1.0)), f64(0.5), f64(1.0), 2)
    with pytest.raises(TypeError, match="`s`"):
        tfd.normal_conjugates_known_scale_predictive(prior, f64(0.5), wb.constant([1.0, 2.0]), 2)


def _ar2_transition(_, previous_state):
    # TFP's docstring example: a second-order autoregression with drifting coefficients and scale
    return tfd.JointDistributionNamedAutoBatched(
        batch_ndims=previous_state["log_scale"].ndim,
        model={
            "coefs": tfd.Normal(loc=previous_state["coefs"], scale=f64(0.01)),
            "log_scale": tfd.Normal(loc=previous_state["log_scale"], scale=f64(0.01)),
            "level": lambda coefs, log_scale: tfd.Normal(
                loc=coefs[..., 0] * previous_state["level"] + coefs[..., 1] * previous_state["previous_level"],
                scale=wb.exp(log_scale)),
            "previous_level": tfd.Deterministic(previous_state["level"])})


def test_markov_chain_with_a_joint_state_matches_tfp():
    process = tfd.MarkovChain(
        initial_state_prior=_ar2_transition(0, {"coefs": f64([0.7, -0.2]), "log_scale": f64(-1.0), "level": f64(0.0),
                                                "previous_level": f64(0.0)}),
        transition_fn=_ar2_transition, num_steps=6)
    assert {k: tuple(v) for k, v in process.event_shape.items()} == {
        "coefs": (6, 2), "log_scale": (6,), "level": (6,), "previous_level": (6,)}
    x = process.sample(5, seed=1)
    assert {k: tuple(v.shape) for k, v in x.items()} == {
        "coefs": (5, 6, 2), "log_scale": (5, 6), "level": (5, 6), "previous_level": (5, 6)}
    np.testing.assert_array_equal(x["previous_level"].numpy()[:, 1:], x["level"].numpy()[:, :-1])
    assert process.log_prob(x).shape == (5,)
    assert "coefs" in repr(process)
    # two paths drawn by the same model, and TFP 0.25's log_prob of them
    level = np.array([[-0.15760135, -0.17645545, 0.20752021, 0.71819609, 1.1769477, 1.42168422],
                      [0.05646149, -0.05220418, 0.13117315, 0.55037494, 0.90158793, 1.42373841]])
    coefs = np.array([[[0.70002614, -0.18979954], [0.71748162, -0.18705381], [0.71688297, -0.18233871],
                       [0.71258053, -0.18119495], [0.72037794, -0.18157857], [0.71889025, -0.18234075]],
                      [[0.70335389, -0.17651413], [0.70551665, -0.17041436], [0.72423261, -0.15700579],
                       [0.73266602, -0.15159542], [0.74814232, -0.13363439], [0.74240001, -0.13278578]]])
    log_scale = np.array([[-0.97915239, -0.96005361, -0.96187979, -0.94937663, -0.94602757, -0.95718636],
                          [-1.01462324, -1.01365619, -1.02044208, -1.0033969, -1.00038551, -1.00975104]])
    value = {"coefs": f64(coefs), "log_scale": f64(log_scale), "level": f64(level),
             "previous_level": f64(np.concatenate([np.zeros((2, 1)), level[:, :-1]], axis=1))}
    np.testing.assert_allclose(process.log_prob(value).numpy(), [53.81237643, 50.0666644], rtol=1e-9)
