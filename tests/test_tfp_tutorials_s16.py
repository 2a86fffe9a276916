"""What TFP's tutorial notebooks Multiple_changepoint_detection_and_Bayesian_model_selection, ... use,
with the values TF 2.21 / TFP 0.25 give pinned."""

import numpy as np
import pytest

import probability as tfp
import workbench as wb

tfd, tfb = tfp.distributions, tfp.bijectors


# -- Multiple_changepoint_detection_and_Bayesian_model_selection --------------------------------

def _batched_hmm():
    init = np.log(np.random.RandomState(0).dirichlet(np.ones(4), size=4)).astype(np.float32)
    trans = np.random.RandomState(1).dirichlet(np.ones(4), size=(4, 4)).astype(np.float32)
    log_rate = np.random.RandomState(2).normal(1, 1, (4, 4)).astype(np.float32)
    return tfd.HiddenMarkovModel(initial_distribution=tfd.Categorical(logits=init),
                                 transition_distribution=tfd.Categorical(probs=trans),
                                 observation_distribution=tfd.Poisson(log_rate=log_rate), num_steps=7)


def test_hidden_markov_model_scores_one_series_against_a_batch_of_models():
    # the notebook fits 10 candidate models (batch [10]) to one series of counts (shape [T])
    hmm = _batched_hmm()
    x = wb.constant([1., 3, 0, 2, 5, 4, 1])
    assert hmm.batch_shape == [4]
    np.testing.assert_allclose(hmm.log_prob(x).numpy(), [-16.371248, -16.075119, -16.203438, -12.973451],
                               rtol=1e-5)
    np.testing.assert_array_equal(hmm.posterior_mode(x).numpy(), [[0, 1, 2, 0, 1, 0, 1], [3, 1, 1, 1, 2, 1, 1],
                                                                  [0, 2, 0, 0, 2, 2, 0], [1, 2, 3, 3, 2, 0, 3]])
    # a sample dimension in front of the batch still lines up
    assert hmm.log_prob(wb.stack([x, x, x])[:, None, :]).shape == [3, 4]


# -- statistical_rethinking 03_sampling_the_imaginary --------------------------------------------

def test_sample_shape_given_as_a_float_is_truncated_as_tfp():
    # the notebook draws ``tfd.Binomial(total_count=9, probs=0.6).sample(1e4)``; TFP 0.25 casts the
    # shape to int32 (1e4 -> 10000, 2.5 -> 2, [2., 3.] -> [2, 3])
    assert tfd.Binomial(total_count=9, probs=0.6).sample(1e4, seed=1).shape == [10000]
    assert tfd.Normal(0., 1.).sample(2.5, seed=1).shape == [2]
    assert tfd.Normal(0., 1.).sample([2., 3.], seed=1).shape == [2, 3]
    assert tfd.Normal(0., 1.).sample(wb.constant(3.0), seed=1).shape == [3]


# -- TFP_Release_Notebook_0_13_0 -----------------------------------------------------------------

def test_tree_flatten_and_pack_sequence_as_bijectors():
    ex = (wb.constant(1.), dict(b=wb.constant(2.), c=wb.constant(3.)))
    b = tfb.tree_flatten(ex)
    assert isinstance(b, tfb.Invert) and isinstance(b.bijector, tfb.Restructure) and b.name == "invert_restructure"
    flat = b.forward(ex)
    assert isinstance(flat, list) and [float(t) for t in flat] == [1.0, 2.0, 3.0]
    back = b.inverse(list(wb.constant([1., 2, 3])))
    assert isinstance(back, tuple) and float(back[0]) == 1.0 and float(back[1]["b"]) == 2.0 and \
        float(back[1]["c"]) == 3.0
    shapes = (wb.TensorShape([]), dict(b=wb.TensorShape([2]), c=wb.TensorShape([])))
    assert b.forward_event_shape(shapes) == [wb.TensorShape([]), wb.TensorShape([2]), wb.TensorShape([])]
    assert float(b.forward_log_det_jacobian(ex, event_ndims=(0, dict(b=0, c=0)))) == 0.0
    p = tfb.pack_sequence_as(ex)
    assert isinstance(p, tfb.Restructure) and p.name == "restructure"
    packed = p.forward(list(wb.constant([4., 5, 6])))
    assert float(packed[1]["c"]) == 6.0
    assert [float(t) for t in p.inverse(ex)] == [1.0, 2.0, 3.0]
    assert p.inverse_event_shape(shapes) == [wb.TensorShape([]), wb.TensorShape([2]), wb.TensorShape([])]


def test_invert_of_a_structured_bijector():
    j = tfb.JointMap([tfb.Exp(), tfb.Scale(2.)])
    inv = tfb.Invert(j)
    y = inv.forward([wb.constant(1.0), wb.constant(4.0)])
    np.testing.assert_allclose([float(y[0]), float(y[1])], [0.0, 2.0], rtol=1e-6)
    x = inv.inverse([wb.constant(0.0), wb.constant(1.0)])
    np.testing.assert_allclose([float(x[0]), float(x[1])], [1.0, 2.0], rtol=1e-6)
    # -log|d exp^-1(y)/dy| ... ildj of JointMap: log(1) + log(1/2) at y = [1, 4]
    np.testing.assert_allclose(float(inv.forward_log_det_jacobian([wb.constant(1.0), wb.constant(4.0)],
                                                                  event_ndims=[0, 0])), -np.log(2.0), rtol=1e-6)


# -- statistical_rethinking 02_small_worlds_and_large_worlds -------------------------------------

def test_clip_by_value_gradient_is_zero_outside_even_where_the_next_op_is_infinite():
    # the notebook's bfgs_minimize steps p to 6.5 and back; the objective clips p into [0, 1] before a
    # Binomial log-prob, whose gradient at p = 1 is -inf: TF's select gives 0 there (not 0 * inf = NaN)
    x = wb.constant([1.5, 0.5, -2.0])
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(wb.math.log(1. - wb.clip_by_value(x, 0., 1.)))
    assert tape.gradient(y, x).numpy().tolist() == [0.0, -2.0, 0.0]
    a, b = wb.constant([1.5, 0.5, -1.0, 1.0]), wb.constant([1.0, 1.0, -1.0, 2.0])
    w = wb.constant([1., 2., 3., 4.])
    with wb.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        hi, lo = wb.reduce_sum(wb.maximum(a, b) * w), wb.reduce_sum(wb.minimum(a, b) * w)
    # TF 2.21: ties go to the first argument
    assert tape.gradient(hi, a).numpy().tolist() == [1., 0., 3., 0.]
    assert tape.gradient(hi, b).numpy().tolist() == [0., 2., 0., 4.]
    assert tape.gradient(lo, a).numpy().tolist() == [0., 2., 3., 4.]
    assert tape.gradient(lo, b).numpy().tolist() == [1., 0., 0., 0.]
    inf = wb.constant([np.inf, np.inf])
    with wb.GradientTape() as tape:
        tape.watch(inf)
        z = wb.reduce_sum(wb.maximum(inf, wb.constant([1., np.inf])) * wb.constant([1., 1.]))
    assert tape.gradient(z, inf).numpy().tolist() == [1.0, 1.0]


# -- TFP_Release_Notebook_0_11_0 -----------------------------------------------------------------

def test_as_composite_passes_a_distribution_into_a_function():
    @wb.function
    def get_mean(d):
        return d.mean()
    d = tfp.experimental.as_composite(tfd.BetaBinomial(100., 2., 7.))
    assert isinstance(d, tfd.BetaBinomial)
    np.testing.assert_allclose(float(get_mean(d)), 22.222221, rtol=1e-6)   # TFP 0.25
    assert tfp.experimental.as_composite(tfb.Exp()).name == "exp"
    with pytest.raises(TypeError, match="obj"):
        tfp.experimental.as_composite(3.0)


# -- TensorFlow_Probability_Case_Study_Covariance_Estimation -------------------------------------

def test_eye_with_a_traced_batch_size_inside_sample_chain():
    # the notebook's log-likelihood builds ``tf.linalg.eye(2, batch_shape=[n])`` with
    # ``n = tf.shape(x)[0]`` inside an HMC chain traced by ``tf.function(autograph=False)``
    def lp(x):
        n = wb.shape(x)[0]
        return -wb.reduce_sum(x ** 2) + 0. * wb.reduce_sum(wb.linalg.eye(2, batch_shape=[n]))

    @wb.function(autograph=False)
    def sample():
        return tfp.mcmc.sample_chain(num_results=2, num_burnin_steps=1, current_state=wb.zeros([1, 2]),
                                     kernel=tfp.mcmc.HamiltonianMonteCarlo(lp, step_size=0.1, num_leapfrog_steps=2),
                                     trace_fn=None, seed=1)
    assert sample().shape == [2, 1, 2]
