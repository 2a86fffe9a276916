"""TFP's "Multiple changepoint detection and Bayesian model selection" notebook with only the imports
changed (plots left out; ``tf.random.set_seed(1)`` added so the counts are TF's): a 4-state Poisson
``HiddenMarkovModel`` fit by ``tfp.math.minimize``, its posterior marginals and Viterbi path, then a batch of
10 models (1 to 10 states) scored against the same series. TF 2.21 / TFP 0.25 give the same counts, and the
fitted rates and marginal likelihoods pinned below."""

import numpy as np

import workbench as tf
from workbench import keras as tf_keras
import probability as tfp
from probability import distributions as tfd

tf.random.set_seed(1)  # not in the notebook: TF's counts for this seed
true_rates = [40, 3, 20, 50]
true_durations = [10, 20, 5, 35]

observed_counts = tf.concat(
    [tfd.Poisson(rate).sample(num_steps)
     for (rate, num_steps) in zip(true_rates, true_durations)], axis=0)
assert float(tf.reduce_sum(observed_counts)) == 2170.0, float(tf.reduce_sum(observed_counts))

num_states = 4
initial_state_logits = tf.zeros([num_states]) # uniform distribution

daily_change_prob = 0.05
transition_probs = tf.fill([num_states, num_states],
                           daily_change_prob / (num_states - 1))
transition_probs = tf.linalg.set_diag(transition_probs,
                                      tf.fill([num_states],
                                              1 - daily_change_prob))

# Define variable to represent the unknown log rates.
trainable_log_rates = tf.Variable(
  tf.math.log(tf.reduce_mean(observed_counts)) +
  tf.random.stateless_normal([num_states], seed=(42, 42)),
  name='log_rates')

hmm = tfd.HiddenMarkovModel(
  initial_distribution=tfd.Categorical(
      logits=initial_state_logits),
  transition_distribution=tfd.Categorical(probs=transition_probs),
  observation_distribution=tfd.Poisson(log_rate=trainable_log_rates),
  num_steps=len(observed_counts))

rate_prior = tfd.LogNormal(5, 5)

def log_prob():
 return (tf.reduce_sum(rate_prior.log_prob(tf.math.exp(trainable_log_rates))) +
         hmm.log_prob(observed_counts))

losses = tfp.math.minimize(
    lambda: -log_prob(),
    optimizer=tf_keras.optimizers.Adam(learning_rate=0.1),
    num_steps=100)

rates = tf.exp(trainable_log_rates)
print("Inferred rates: {}".format(rates))
np.testing.assert_allclose(rates.numpy(), [2.970982, 46.729954, 38.639053, 16.341017], rtol=1e-3)

# Runs forward-backward algorithm to compute marginal posteriors.
posterior_dists = hmm.posterior_marginals(observed_counts)
posterior_probs = posterior_dists.probs_parameter().numpy()
assert posterior_probs.shape == (70, 4)
np.testing.assert_allclose(posterior_probs.sum(-1), 1.0, rtol=1e-5)

most_probable_states = hmm.posterior_mode(observed_counts)
most_probable_rates = tf.gather(rates, most_probable_states)
# the path stays in the state of each true segment's rate (3 -> state 0, 20 -> 3, 50 -> 1)
assert most_probable_states.numpy()[12:28].tolist() == [0] * 16
assert most_probable_states.numpy()[40:].tolist() == [1] * 30

max_num_states = 10

def build_latent_state(num_states, max_num_states, daily_change_prob=0.05):

  # Give probability exp(-100) ~= 0 to states outside of the current model.
  active_states_mask = tf.concat([tf.ones([num_states]),
                                  tf.zeros([max_num_states - num_states])],
                                 axis=0)
  initial_state_logits = -100. * (1 - active_states_mask)

  # Build a transition matrix that transitions only within the current
  # `num_states` states.
  transition_probs = tf.fill([num_states, num_states],
                             0. if num_states == 1
                             else daily_change_prob / (num_states - 1))  
  padded_transition_probs = tf.eye(max_num_states) + tf.pad(
      tf.linalg.set_diag(transition_probs,
                         tf.fill([num_states], - daily_change_prob)),
      paddings=[(0, max_num_states - num_states),
                (0, max_num_states - num_states)])

  return initial_state_logits, padded_transition_probs

# For each candidate model, build the initial state prior and transition matrix.
batch_initial_state_logits = []
batch_transition_probs = []
for num_states in range(1, max_num_states+1):
  initial_state_logits, transition_probs = build_latent_state(
      num_states=num_states,
      max_num_states=max_num_states)
  batch_initial_state_logits.append(initial_state_logits)
  batch_transition_probs.append(transition_probs)

batch_initial_state_logits = tf.stack(batch_initial_state_logits)
batch_transition_probs = tf.stack(batch_transition_probs)
assert batch_initial_state_logits.shape == (10, 10) and batch_transition_probs.shape == (10, 10, 10)

trainable_log_rates = tf.Variable(
    tf.fill([batch_initial_state_logits.shape[0], max_num_states],
            tf.math.log(tf.reduce_mean(observed_counts))) + 
     tf.random.stateless_normal([1, max_num_states], seed=(42, 42)),
     name='log_rates')
    
hmm = tfd.HiddenMarkovModel(
  initial_distribution=tfd.Categorical(
      logits=batch_initial_state_logits),
  transition_distribution=tfd.Categorical(probs=batch_transition_probs),
  observation_distribution=tfd.Poisson(log_rate=trainable_log_rates),
  num_steps=len(observed_counts))
print("Defined HMM with batch shape: {}".format(hmm.batch_shape))
assert hmm.batch_shape == [10]

rate_prior = tfd.LogNormal(5, 5)

def log_prob():
  prior_lps = rate_prior.log_prob(tf.math.exp(trainable_log_rates))
  prior_lp = tf.stack(
      [tf.reduce_sum(prior_lps[i, :i+1]) for i in range(max_num_states)])
  return prior_lp + hmm.log_prob(observed_counts)

losses = tfp.math.minimize(
    lambda: -log_prob(),
    optimizer=tf_keras.optimizers.Adam(0.1),
    num_steps=100)
assert losses.shape == (100, 10)
print("marginal likelihoods:", (-losses[-1]).numpy())
np.testing.assert_allclose(-losses[-1].numpy()[:5], [-786.4663, -266.01053, -250.09839, -251.3637, -259.13614], rtol=1e-4)

rates = tf.exp(trainable_log_rates)
for i, learned_model_rates in enumerate(rates):
  print("rates for {}-state model: {}".format(i+1, learned_model_rates[:i+1]))
np.testing.assert_allclose(rates.numpy()[3, :4], [2.9709818, 46.729977, 38.639088, 16.34102], rtol=1e-3)
np.testing.assert_allclose(rates.numpy()[1, :2], [4.2653623, 44.02272], rtol=1e-3)

most_probable_states = hmm.posterior_mode(observed_counts)
assert most_probable_states.shape == (10, 70)
np.testing.assert_array_equal(most_probable_states.numpy()[3], [2] * 10 + [0] * 20 + [3] * 5 + [1] * 35)
print("TUTORIAL OK")
