"""TFP's "Eight Schools" notebook with only the imports changed: the non-centered hierarchical model as a
``JointDistributionSequential``, HMC through ``sample_chain`` in a ``tf.function(autograph=False,
jit_compile=True)`` (3000 results after 1000 burn-in steps instead of 5000 after 3000), the posterior
summaries and the posterior predictive. The posterior is checked against a grid integration of the
same model (the school effects marginalize in closed form: ``y_i ~ N(mu, sqrt(sigma_i^2 + tau^2))``)."""

import time

import numpy as np
from scipy import stats

import workbench as tf
import probability as tfp
from probability import distributions as tfd

tf.random.set_seed(1)  # not in the notebook: a fixed chain for the checks below

num_schools = 8  # number of schools
treatment_effects = np.array([28, 8, -3, 7, -1, 1, 18, 12], dtype=np.float32)  # treatment effects
treatment_stddevs = np.array([15, 10, 16, 11, 9, 11, 10, 18], dtype=np.float32)  # treatment SE

model = tfd.JointDistributionSequential([
    tfd.Normal(loc=0., scale=10., name="avg_effect"),  # `mu` above
    tfd.Normal(loc=5., scale=1., name="avg_stddev"),  # `log(tau)` above
    tfd.Independent(tfd.Normal(loc=tf.zeros(num_schools), scale=tf.ones(num_schools),
                               name="school_effects_standard"),  # `theta_prime`
                    reinterpreted_batch_ndims=1),
    lambda school_effects_standard, avg_stddev, avg_effect: (
        tfd.Independent(tfd.Normal(loc=(avg_effect[..., tf.newaxis] +
                                        tf.exp(avg_stddev[..., tf.newaxis]) *
                                        school_effects_standard),  # `theta` above
                                   scale=treatment_stddevs),
                        name="treatment_effects",  # `y` above
                        reinterpreted_batch_ndims=1))
])


def target_log_prob_fn(avg_effect, avg_stddev, school_effects_standard):
    """Unnormalized target density as a function of states."""
    return model.log_prob((avg_effect, avg_stddev, school_effects_standard, treatment_effects))


num_results = 3000
num_burnin_steps = 1000


# Improve performance by tracing the sampler using `tf.function`
# and compiling it using XLA.
@tf.function(autograph=False, jit_compile=True)
def do_sampling():
    return tfp.mcmc.sample_chain(
        num_results=num_results,
        num_burnin_steps=num_burnin_steps,
        current_state=[
            tf.zeros([], name='init_avg_effect'),
            tf.zeros([], name='init_avg_stddev'),
            tf.ones([num_schools], name='init_school_effects_standard'),
        ],
        kernel=tfp.mcmc.HamiltonianMonteCarlo(
            target_log_prob_fn=target_log_prob_fn,
            step_size=0.4,
            num_leapfrog_steps=3))


t0, c0 = time.time(), time.process_time()
states, kernel_results = do_sampling()
print("sampling: {:.1f} s ({:.1f} s CPU) for {} steps".format(time.time() - t0, time.process_time() - c0,
                                                             num_results + num_burnin_steps))
# the whole chain is one step of the traced program, not 4000 traced HMC steps
assert len(do_sampling.get_concrete_function().ops) < 10, do_sampling.get_concrete_function().ops

avg_effect, avg_stddev, school_effects_standard = states

school_effects_samples = (
    avg_effect[:, np.newaxis] +
    np.exp(avg_stddev)[:, np.newaxis] * school_effects_standard)

num_accepted = np.sum(kernel_results.is_accepted)
print('Acceptance rate: {}'.format(num_accepted / num_results))
assert avg_effect.shape == (num_results,) and school_effects_standard.shape == (num_results, num_schools)
assert 0.45 < num_accepted / num_results < 0.8   # the notebook shows 0.597

print("E[avg_effect] = {}".format(np.mean(avg_effect)))
print("E[avg_stddev] = {}".format(np.mean(avg_stddev)))
print("E[school_effects_standard] =")
print(np.mean(school_effects_standard[:, ]))
print("E[school_effects] =")
print(np.mean(school_effects_samples[:, ], axis=0))

school_effects_low = np.array([np.percentile(school_effects_samples[:, i], 2.5) for i in range(num_schools)])
school_effects_med = np.array([np.percentile(school_effects_samples[:, i], 50) for i in range(num_schools)])
school_effects_hi = np.array([np.percentile(school_effects_samples[:, i], 97.5) for i in range(num_schools)])
assert np.all(school_effects_low < school_effects_med) and np.all(school_effects_med < school_effects_hi)

print("Inferred posterior mean: {0:.2f}".format(np.mean(school_effects_samples[:, ])))
print("Inferred posterior mean se: {0:.2f}".format(np.std(school_effects_samples[:, ])))

# --- the posterior against a grid integration of the same model --------------------------------
mu_grid = np.linspace(-40.0, 50.0, 901)[:, None]
log_tau_grid = np.linspace(-3.0, 9.0, 601)[None, :]
tau_grid = np.exp(log_tau_grid)
log_post = stats.norm.logpdf(mu_grid, 0, 10) + stats.norm.logpdf(log_tau_grid, 5, 1)
for y_i, s_i in zip(treatment_effects.astype(np.float64), treatment_stddevs.astype(np.float64)):
    log_post = log_post + stats.norm.logpdf(y_i, mu_grid, np.sqrt(s_i ** 2 + tau_grid ** 2))
w = np.exp(log_post - log_post.max())
w /= w.sum()
exact = {"avg_effect": (w * mu_grid).sum(), "avg_stddev": (w * log_tau_grid).sum()}
exact_sd = {k: np.sqrt((w * (g - exact[k]) ** 2).sum()) for k, g in
            [("avg_effect", mu_grid), ("avg_stddev", log_tau_grid)]}
# E[theta_i | mu, tau, y] is the precision-weighted mean of y_i and mu
exact_theta = np.array([(w * ((y_i / s_i ** 2 + mu_grid / tau_grid ** 2) / (1 / s_i ** 2 + 1 / tau_grid ** 2))).sum()
                        for y_i, s_i in zip(treatment_effects, treatment_stddevs)])
# the notebook's single fixed-step HMC chain mixes slowly in avg_effect (an ESS of a few dozen in
# 3000 draws): the tolerances follow the ESS
for name, draws in [("avg_effect", avg_effect), ("avg_stddev", avg_stddev)]:
    ess = float(tfp.mcmc.effective_sample_size(draws, filter_beyond_positive_pairs=True))
    # one chain split in halves (TFP's split R-hat)
    rhat = float(tfp.mcmc.potential_scale_reduction(draws[:, tf.newaxis], split_chains=True))
    print(f"{name}: mean {np.mean(draws):.3f} (exact {exact[name]:.3f}), ESS {ess:.0f}, split R-hat {rhat:.4f}")
    assert ess > 8, (name, ess)
    assert abs(np.mean(draws) - exact[name]) < 4 * exact_sd[name] / np.sqrt(ess), (name, np.mean(draws), exact[name])
    assert abs(np.std(draws) - exact_sd[name]) < 0.35 * exact_sd[name], (name, np.std(draws), exact_sd[name])
np.testing.assert_allclose(np.mean(school_effects_samples, axis=0), exact_theta, atol=4.0)

sample_shape = [5000]

_, _, _, predictive_treatment_effects = model.sample(
    value=(tf.broadcast_to(np.mean(avg_effect, 0), sample_shape),
           tf.broadcast_to(np.mean(avg_stddev, 0), sample_shape),
           tf.broadcast_to(np.mean(school_effects_standard, 0),
                           sample_shape + [num_schools]),
           None))
assert predictive_treatment_effects.shape == (5000, num_schools)

# The mean predicted treatment effects for each of the eight schools.
prediction = np.mean(predictive_treatment_effects, axis=0)
print(treatment_effects - prediction)
residuals = treatment_effects - predictive_treatment_effects
assert residuals.shape == (5000, num_schools)
# the predictive at the posterior means: centered on those means, spread by the standard errors
center = np.mean(avg_effect) + np.exp(np.mean(avg_stddev)) * np.mean(school_effects_standard, 0)
assert np.all(np.abs(prediction - center) < 4 * treatment_stddevs / np.sqrt(5000))
np.testing.assert_allclose(np.std(predictive_treatment_effects, axis=0), treatment_stddevs, rtol=0.06)
print("TUTORIAL OK")
