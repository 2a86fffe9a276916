"""TFP's "Factorial Mixture" notebook with only the imports changed: an ``Independent`` over a
``MixtureSameFamily`` of ``MultivariateNormalDiag`` components (2 variables, 3 modes each), its density
on a 250 x 250 grid and 1000 draws. The density is checked against the mixture written out with SciPy,
and the draws against the modes they come from."""

import numpy as np
from scipy import stats

import workbench as tf
import probability as tfp
tfd = tfp.distributions

num_vars = 2        # Number of variables (`n` in formula).
var_dim = 1         # Dimensionality of each variable `x[i]`.
num_components = 3  # Number of components for each mixture (`K` in formula).
sigma = 5e-2        # Fixed standard deviation of each component.

# Choose some random (component) modes.
component_mean = tfd.Uniform().sample([num_vars, num_components, var_dim])

factorial_mog = tfd.Independent(
   tfd.MixtureSameFamily(
       # Assume uniform weight on each component.
       mixture_distribution=tfd.Categorical(
           logits=tf.zeros([num_vars, num_components])),
       components_distribution=tfd.MultivariateNormalDiag(
           loc=component_mean, scale_diag=[sigma])),
   reinterpreted_batch_ndims=1)
assert factorial_mog.batch_shape == [] and factorial_mog.event_shape == [num_vars, var_dim]

# Compute density.
nx = 250 # Number of bins per dimension.
x = np.linspace(-3 * sigma, 1 + 3 * sigma, nx).astype('float32')
vals = tf.reshape(tf.stack(np.meshgrid(x, x), axis=2), (-1, num_vars, var_dim))
probs = factorial_mog.prob(vals).numpy().reshape(nx, nx)

# the density is the product over the variables of an equal-weight mixture of 3 normals
means_np = component_mean.numpy().squeeze()
grid = np.stack(np.meshgrid(x, x), axis=2).reshape(-1, num_vars)
expected = np.prod([np.mean([stats.norm.pdf(grid[:, i], m, sigma) for m in means_np[i]], axis=0)
                    for i in range(num_vars)], axis=0).reshape(nx, nx)
np.testing.assert_allclose(probs, expected, rtol=2e-4, atol=1e-3 * expected.max())
cell = (x[1] - x[0]) ** 2
assert abs(probs.sum() * cell - 1.0) < 0.02, probs.sum() * cell

samples = factorial_mog.sample(1000).numpy()
assert samples.shape == (1000, num_vars, var_dim)
# every draw lies near one of its variable's 3 modes, and every mode is drawn
dist = np.abs(samples[:, :, 0, None] - means_np[None])               # [1000, 2, 3]
assert np.all(dist.min(-1) < 6 * sigma)
counts = np.stack([np.bincount(dist[:, i].argmin(-1), minlength=3) for i in range(num_vars)])
gaps = np.abs(means_np[:, :, None] - means_np[:, None, :]) + np.eye(3) * 10
clear = gaps.min(-1) > 6 * sigma                                      # modes no other mode overlaps
assert np.all(counts[clear] > 240) and counts.sum() == 2000, (counts, means_np)
print("TUTORIAL OK")
