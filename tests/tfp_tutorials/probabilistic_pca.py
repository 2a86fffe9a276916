"""TFP's "Probabilistic PCA" notebook with only the imports changed (``tf_keras`` is
``workbench.keras``): a coroutine model sampled for data, MAP by ``tfp.math.minimize``, a
factored surrogate by ``tfp.vi.fit_surrogate_posterior`` and the posterior predictive drawn with
``model.sample(value=...)``. 500 points instead of 5000 to stay fast; the steps are the notebook's."""

import functools

import numpy as np

import workbench as tf
from workbench import keras as tf_keras
import probability as tfp
from probability import bijectors as tfb
from probability import distributions as tfd


def probabilistic_pca(data_dim, latent_dim, num_datapoints, stddv_datapoints):
    w = yield tfd.Normal(loc=tf.zeros([data_dim, latent_dim]), scale=2.0 * tf.ones([data_dim, latent_dim]), name="w")
    z = yield tfd.Normal(loc=tf.zeros([latent_dim, num_datapoints]), scale=tf.ones([latent_dim, num_datapoints]),
                         name="z")
    x = yield tfd.Normal(loc=tf.matmul(w, z), scale=stddv_datapoints, name="x")


num_datapoints = 500
data_dim = 2
latent_dim = 1
stddv_datapoints = 0.5
concrete_ppca_model = functools.partial(probabilistic_pca, data_dim=data_dim, latent_dim=latent_dim,
                                        num_datapoints=num_datapoints, stddv_datapoints=stddv_datapoints)
model = tfd.JointDistributionCoroutineAutoBatched(concrete_ppca_model)
actual_w, actual_z, x_train = model.sample(seed=2)   # a draw whose w stands out of the noise (|w| 2.6)
assert x_train.shape == (2, num_datapoints)

w = tf.Variable(tf.random.normal([data_dim, latent_dim]))
z = tf.Variable(tf.random.normal([latent_dim, num_datapoints]))
target_log_prob_fn = lambda w, z: model.log_prob((w, z, x_train))
losses = tfp.math.minimize(lambda: -target_log_prob_fn(w, z),
                           optimizer=tf_keras.optimizers.Adam(learning_rate=0.05), num_steps=200)
assert losses.shape == (200,) and float(losses[-1]) < float(losses[0])
# MAP finds the data's principal axis, up to sign and a scale shared with z (the sampled w can
# be small next to the noise, so the axis is compared with the data's, not with that draw)
centred = x_train.numpy() - x_train.numpy().mean(axis=1, keepdims=True)
axis = np.linalg.svd(centred)[0][:, 0]
cos = abs(np.dot(w.numpy()[:, 0], axis)) / np.linalg.norm(w.numpy())
assert cos > 0.95, cos
_, _, x_generated = model.sample(value=(w, z, None))
assert x_generated.shape == (2, num_datapoints)

qw_mean = tf.Variable(tf.random.normal([data_dim, latent_dim]))
qz_mean = tf.Variable(tf.random.normal([latent_dim, num_datapoints]))
qw_stddv = tfp.util.TransformedVariable(1e-4 * tf.ones([data_dim, latent_dim]), bijector=tfb.Softplus())
qz_stddv = tfp.util.TransformedVariable(1e-4 * tf.ones([latent_dim, num_datapoints]), bijector=tfb.Softplus())


def factored_normal_variational_model():
    qw = yield tfd.Normal(loc=qw_mean, scale=qw_stddv, name="qw")
    qz = yield tfd.Normal(loc=qz_mean, scale=qz_stddv, name="qz")


surrogate_posterior = tfd.JointDistributionCoroutineAutoBatched(factored_normal_variational_model)
losses = tfp.vi.fit_surrogate_posterior(target_log_prob_fn, surrogate_posterior=surrogate_posterior,
                                        optimizer=tf_keras.optimizers.Adam(learning_rate=0.05), num_steps=200)
assert losses.shape == (200,) and float(np.mean(losses[-20:])) < float(np.mean(losses[:20]))

posterior_samples = surrogate_posterior.sample(50)
_, _, x_generated = model.sample(value=(posterior_samples))
assert x_generated.shape == (50, 2, num_datapoints)
x_generated = tf.reshape(tf.transpose(x_generated, [1, 0, 2]), (2, -1))[:, ::47]
assert x_generated.shape[0] == 2
print("TUTORIAL OK")
