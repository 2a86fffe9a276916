"""TFP's "Understanding TensorFlow Distributions Shapes" notebook: its code with only the
imports changed (``import tensorflow as tf`` -> ``import workbench as tf``,
``import tensorflow_probability as tfp`` -> ``import probability as tfp``), printing cells kept
as checks of the batch, event and sample shapes the notebook shows."""

import numpy as np
import scipy.stats as st

import workbench as tf
tf.compat.v2.enable_v2_behavior()
import probability as tfp

tfd = tfp.distributions
tfb = tfp.bijectors

poisson_distributions = [
    tfd.Poisson(rate=1., name='One Poisson Scalar Batch'),
    tfd.Poisson(rate=[1., 10., 100.], name='Three Poissons'),
    tfd.Poisson(rate=[[1., 10., 100.], [2., 20., 200.]], name='Two-by-Three Poissons'),
    tfd.Poisson(rate=[1.], name='One Poisson Vector Batch'),
    tfd.Poisson(rate=[[1.]], name='One Poisson Expanded Batch'),
]
assert [tuple(d.batch_shape) for d in poisson_distributions] == [(), (3,), (2, 3), (1,), (1, 1)]
normal_distributions = [
    tfd.Normal(loc=0., scale=1., name='Standard'),
    tfd.Normal(loc=[0.], scale=1., name='Standard Vector Batch'),
    tfd.Normal(loc=[0., 1., 2., 3.], scale=1., name='Different Locs'),
    tfd.Normal(loc=[0., 1., 2., 3.], scale=[[1.], [5.]], name='Broadcasting Scale'),
]
assert [tuple(d.batch_shape) for d in normal_distributions] == [(), (1,), (4,), (2, 4)]

sample_shapes = [1, 2, [1, 5], [3, 4, 5]]
for d in poisson_distributions + normal_distributions:
    for s in sample_shapes:
        want = tuple(np.atleast_1d(s)) + tuple(d.batch_shape)
        assert tuple(d.sample(s).shape) == want, (d, s)

three_poissons = tfd.Poisson(rate=[1., 10., 100.], name='Three Poissons')
assert three_poissons.log_prob([[1., 10., 100.], [100., 10., 1]]).shape == (2, 3)
assert three_poissons.log_prob([[[[1., 10., 100.], [100., 10., 1.]]]]).shape == (1, 1, 2, 3)
np.testing.assert_allclose(three_poissons.log_prob([10.]).numpy(),
                           st.poisson([1., 10., 100.]).logpmf(10.), rtol=1e-5)
assert three_poissons.log_prob([[[1.], [10.]], [[100.], [1000.]]]).shape == (2, 2, 3)

poisson_2_by_3 = tfd.Poisson(rate=[[1., 10., 100.], [2., 20., 200.]], name='Two-by-Three Poissons')
for value, shape in [(1., (2, 3)), ([1.], (2, 3)), ([[1., 10., 100.]], (2, 3)), ([[1.], [2.]], (2, 3)),
                     ([[[1.], [1.]], [[2.], [2.]]], (2, 2, 3)), ([[[1.]], [[2.]]], (2, 2, 3))]:
    assert poisson_2_by_3.log_prob(value).shape == shape, value
assert poisson_2_by_3.log_prob(tf.constant([1., 2.])[..., tf.newaxis, tf.newaxis]).shape == (2, 2, 3)
np.testing.assert_allclose(three_poissons.log_prob(tf.constant([1., 10., 50., 100.])[..., tf.newaxis]).numpy(),
                           three_poissons.log_prob([[1.], [10.], [50.], [100.]]).numpy())

multinomial_distributions = [
    tfd.Multinomial(total_count=100., probs=[.5, .4, .1], name='One Multinomial'),
    tfd.Multinomial(total_count=[100., 1000.], probs=[.5, .4, .1], name='Two Multinomials Same Probs'),
    tfd.Multinomial(total_count=100., probs=[[.5, .4, .1], [.1, .2, .7]], name='Two Multinomials Same Counts'),
    tfd.Multinomial(total_count=[100., 1000.], probs=[[.5, .4, .1], [.1, .2, .7]],
                    name='Two Multinomials Different Everything'),
]
assert [tuple(d.batch_shape) for d in multinomial_distributions] == [(), (2,), (2,), (2,)]
assert all(tuple(d.event_shape) == (3,) for d in multinomial_distributions)
for d in multinomial_distributions:
    assert tuple(d.sample([3, 4, 5]).shape) == (3, 4, 5) + tuple(d.batch_shape) + (3,)

two_multivariate_normals = tfd.MultivariateNormalDiag(loc=[1., 2., 3.], scale_diag=tf.ones([2, 3]) * [[1.], [2.]])
assert two_multivariate_normals.batch_shape == (2,) and two_multivariate_normals.event_shape == (3,)
assert two_multivariate_normals.log_prob([[[1., 2., 3.]], [[3., 4., 5.]]]).shape == (2, 2)
assert two_multivariate_normals.log_prob(tf.constant([[1., 2., 3.], [3., 4., 5.]])).shape == (2,)

six_way_multinomial = tfd.Multinomial(total_count=1000., probs=[.3, .25, .2, .15, .08, .02])
transformed_multinomial = tfd.TransformedDistribution(
    distribution=six_way_multinomial, bijector=tfb.Reshape(event_shape_out=[2, 3]))
assert tuple(transformed_multinomial.event_shape) == (2, 3)
np.testing.assert_allclose(transformed_multinomial.log_prob([[500., 100., 100.], [150., 100., 50.]]).numpy(),
                           six_way_multinomial.log_prob([500., 100., 100., 150., 100., 50.]).numpy(), rtol=1e-6)

two_by_five_bernoulli = tfd.Bernoulli(probs=[[.05, .1, .15, .2, .25], [.3, .35, .4, .45, .5]],
                                      name="Two By Five Bernoulli")
pattern = [[1., 0., 0., 1., 0.], [0., 0., 1., 1., 1.]]
per_cell = two_by_five_bernoulli.log_prob(pattern)
assert per_cell.shape == (2, 5)
two_sets_of_five = tfd.Independent(distribution=two_by_five_bernoulli, reinterpreted_batch_ndims=1,
                                   name="Two Sets Of Five")
np.testing.assert_allclose(two_sets_of_five.log_prob(pattern).numpy(), per_cell.numpy().sum(-1), rtol=1e-6)
one_set_of_two_by_five = tfd.Independent(distribution=two_by_five_bernoulli, reinterpreted_batch_ndims=2,
                                         name="One Set Of Two By Five")
np.testing.assert_allclose(one_set_of_two_by_five.log_prob(pattern).numpy(), per_cell.numpy().sum(), rtol=1e-6)
for d in (two_by_five_bernoulli, two_sets_of_five, one_set_of_two_by_five):
    assert tuple(d.sample([3, 5]).shape) == (3, 5, 2, 5)
print("TUTORIAL OK")
