"""TFP's "TensorFlow Distributions: A Gentle Introduction" notebook with only the imports changed:
scalar, batched and multivariate distributions, Independent, and how log_prob broadcasts; the
cells that display a value are kept as checks of the value's shape and density against SciPy."""

import numpy as np
import scipy.stats as st

import workbench as tf
import probability as tfp

tfd = tfp.distributions
try:
    tf.compat.v1.enable_eager_execution()
except ValueError:
    pass

n = tfd.Normal(loc=0., scale=1.)
assert n.sample().shape == () and n.sample(3).shape == (3,)
np.testing.assert_allclose(n.log_prob([0., 2., 4.]).numpy(), st.norm.logpdf([0., 2., 4.]), rtol=1e-6)
b = tfd.Bernoulli(probs=0.7)
assert b.sample(8).shape == (8,) and b.sample().dtype == tf.int32
np.testing.assert_allclose(b.log_prob([1, 0, 1, 0]).numpy(), np.log([.7, .3, .7, .3]), rtol=1e-6)
nd = tfd.MultivariateNormalDiag(loc=[0., 10.], scale_diag=[1., 4.])
assert nd.event_shape == (2,) and nd.sample(5).shape == (5, 2)
np.testing.assert_allclose(nd.log_prob([0., 10]).numpy(), st.multivariate_normal([0, 10], np.diag([1., 16.])).logpdf(
    [0., 10.]), rtol=1e-6)
covariance_matrix = [[1., .7], [.7, 1.]]
nd = tfd.MultivariateNormalTriL(loc=[0., 5], scale_tril=tf.linalg.cholesky(covariance_matrix))
data = nd.sample(200)
assert data.shape == (200, 2)

b3 = tfd.Bernoulli(probs=[.3, .5, .7])
assert b3.batch_shape == (3,) and b3.sample(6).shape == (6, 3)
np.testing.assert_allclose(b3.prob([1, 1, 0]).numpy(), [.3, .5, .3], rtol=1e-6)
b3_joint = tfd.Independent(b3, reinterpreted_batch_ndims=1)
assert b3_joint.batch_shape == () and b3_joint.event_shape == (3,)
np.testing.assert_allclose(b3_joint.prob([1, 1, 0]).numpy(), tf.reduce_prod(b3.prob([1, 1, 0])).numpy(), rtol=1e-6)

covariance_matrix = [[[1., .1], [.1, 1.]], [[1., .3], [.3, 1.]], [[1., .5], [.5, 1.]]]
nd_batch = tfd.MultivariateNormalTriL(loc=[[0., 0.], [1., 1.], [2., 2.]],
                                      scale_tril=tf.linalg.cholesky(covariance_matrix))
assert nd_batch.batch_shape == (3,) and nd_batch.sample(4).shape == (4, 3, 2)
want = [st.multivariate_normal(np.full(2, float(i)), np.array(c)).logpdf([i, i]) for i, c in enumerate(covariance_matrix)]
np.testing.assert_allclose(nd_batch.log_prob([[0., 0.], [1., 1.], [2., 2.]]).numpy(), want, rtol=1e-5)

n = tfd.Normal(loc=0., scale=1.)
assert n.log_prob(0.).shape == () and n.log_prob([0.]).shape == (1,)
assert n.log_prob([[0., 1.], [-1., 2.]]).shape == (2, 2)
nd = tfd.MultivariateNormalDiag(loc=[0., 1.], scale_diag=[1., 1.])
assert nd.log_prob([0., 0.]).shape == ()
assert nd.log_prob([[0., 0.], [1., 1.], [2., 2.]]).shape == (3,)
np.testing.assert_allclose(nd.log_prob([0.]).numpy(), nd.log_prob([0., 0.]).numpy())
assert nd.log_prob([[0.], [1.], [2.]]).shape == (3,)
b3 = tfd.Bernoulli(probs=[.3, .5, .7])
np.testing.assert_allclose(b3.prob([1]).numpy(), [.3, .5, .7], rtol=1e-6)
assert b3.prob([[0], [1]]).shape == (2, 3)
print("TUTORIAL OK")
