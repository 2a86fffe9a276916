"""TFP's "Learnable Distributions Zoo" notebook with only the imports changed: distributions whose
parameters are Variables and TransformedVariables (Exp, Softplus, Pad, FillScaleTriL and a
user-written PadEye bijector built with ``prefer_static``), each printed with its
``trainable_variables``; then a check the notebook implies: the variables are the ones passed in
and a gradient step on ``log_prob`` reaches each of them."""

import numpy as np

import workbench as tf
import probability as tfp
from probability.internal import prefer_static

tfb = tfp.bijectors
tfd = tfp.distributions
tf.enable_v2_behavior()

event_size = 4
num_components = 3

learnable_mvn_scaled_identity = tfd.Independent(
    tfd.Normal(
        loc=tf.Variable(tf.zeros(event_size), name='loc'),
        scale=tfp.util.TransformedVariable(tf.ones([1]), bijector=tfb.Exp(), name='scale')),
    reinterpreted_batch_ndims=1,
    name='learnable_mvn_scaled_identity')
print(learnable_mvn_scaled_identity)
print(learnable_mvn_scaled_identity.trainable_variables)
tv = learnable_mvn_scaled_identity.trainable_variables
assert [v.shape for v in tv] == [(4,), (1,)]
np.testing.assert_array_equal(tv[1].numpy(), [0.])            # log(1), as the notebook prints

learnable_mvndiag = tfd.Independent(
    tfd.Normal(
        loc=tf.Variable(tf.zeros(event_size), name='loc'),
        scale=tfp.util.TransformedVariable(tf.ones(event_size), bijector=tfb.Softplus(), name='scale')),
    reinterpreted_batch_ndims=1,
    name='learnable_mvn_diag')
print(learnable_mvndiag)
print(learnable_mvndiag.trainable_variables)
np.testing.assert_allclose(learnable_mvndiag.trainable_variables[1].numpy(), [0.54132485] * 4, rtol=1e-6)

learnable_mix_mvn_scaled_identity = tfd.MixtureSameFamily(
    mixture_distribution=tfd.Categorical(
        logits=tf.Variable(-tf.math.log(1.) * tf.range(num_components, dtype=tf.float32), name='logits')),
    components_distribution=tfd.Independent(
        tfd.Normal(
            loc=tf.Variable(tf.random.normal([num_components, event_size]), name='loc'),
            scale=tfp.util.TransformedVariable(10. * tf.ones([num_components, 1]), bijector=tfb.Softplus(),
                                               name='scale')),
        reinterpreted_batch_ndims=1),
    name='learnable_mix_mvn_scaled_identity')
print(learnable_mix_mvn_scaled_identity)
print(learnable_mix_mvn_scaled_identity.trainable_variables)
assert len(learnable_mix_mvn_scaled_identity.trainable_variables) == 3

learnable_mix_mvndiag_first_fixed = tfd.MixtureSameFamily(
    mixture_distribution=tfd.Categorical(
        logits=tfp.util.TransformedVariable(
            -tf.math.log(1.5) * tf.range(num_components, dtype=tf.float32),
            tfb.Pad(paddings=[[1, 0]], constant_values=0)),
            name='logits'),
    components_distribution=tfd.Independent(
        tfd.Normal(
            loc=tf.Variable(tfp.random.rademacher([num_components, event_size]), name='loc'),
            scale=tfp.util.TransformedVariable(10. * tf.ones([num_components, 1]), bijector=tfb.Softplus(),
                                               name='scale')),
        reinterpreted_batch_ndims=1),
    name='learnable_mix_mvndiag_first_fixed')
print(learnable_mix_mvndiag_first_fixed)
print(learnable_mix_mvndiag_first_fixed.trainable_variables)
tv = {v.shape: v for v in learnable_mix_mvndiag_first_fixed.trainable_variables}
np.testing.assert_allclose(tv[(2,)].numpy(), [-0.4054651, -0.8109302], rtol=1e-6)    # the unpadded logits
assert set(np.unique(tv[(3, 4)].numpy())) <= {-1., 1.}                               # Rademacher draws

learnable_mix_mvntril = tfd.MixtureSameFamily(
    mixture_distribution=tfd.Categorical(
        logits=tf.Variable(-tf.math.log(1.) * tf.range(num_components, dtype=tf.float32), name='logits')),
    components_distribution=tfd.MultivariateNormalTriL(
        loc=tf.Variable(tf.zeros([num_components, event_size]), name='loc'),
        scale_tril=tfp.util.TransformedVariable(10. * tf.eye(event_size, batch_shape=[num_components]),
                                                bijector=tfb.FillScaleTriL(), name='scale_tril')),
    name='learnable_mix_mvntril')
print(learnable_mix_mvntril)
print(learnable_mix_mvntril.trainable_variables)
assert sorted(v.shape for v in learnable_mix_mvntril.trainable_variables) == [(3,), (3, 4), (3, 10)]

num_tril_nonzero = lambda num_rows: num_rows * (num_rows + 1) // 2

num_tril_rows = lambda nnz: prefer_static.cast(
    prefer_static.sqrt(0.25 + 2. * prefer_static.cast(nnz, tf.float32)) - 0.5,
    tf.int32)


class PadEye(tfb.Bijector):

    def __init__(self, tril_fn=None):
        if tril_fn is None:
            tril_fn = tfb.FillScaleTriL()
        self._tril_fn = getattr(tril_fn, 'inverse', tril_fn)
        super(PadEye, self).__init__(
            forward_min_event_ndims=2,
            inverse_min_event_ndims=2,
            is_constant_jacobian=True,
            name='PadEye')

    def _forward(self, x):
        num_rows = int(num_tril_rows(tf.compat.dimension_value(x.shape[-1])))
        eye = tf.eye(num_rows, batch_shape=prefer_static.shape(x)[:-2])
        return tf.concat([self._tril_fn(eye)[..., tf.newaxis, :], x],
                         axis=prefer_static.rank(x) - 2)

    def _inverse(self, y):
        return y[..., 1:, :]

    def _forward_log_det_jacobian(self, x):
        return tf.zeros([], dtype=x.dtype)

    def _inverse_log_det_jacobian(self, y):
        return tf.zeros([], dtype=y.dtype)

    def _forward_event_shape(self, in_shape):
        n = prefer_static.size(in_shape)
        return in_shape + prefer_static.one_hot(n - 2, depth=n, dtype=tf.int32)

    def _inverse_event_shape(self, out_shape):
        n = prefer_static.size(out_shape)
        return out_shape - prefer_static.one_hot(n - 2, depth=n, dtype=tf.int32)


tril_bijector = tfb.FillScaleTriL(diag_bijector=tfb.Softplus())
learnable_mix_mvntril_fixed_first = tfd.MixtureSameFamily(
    mixture_distribution=tfd.Categorical(
        logits=tfp.util.TransformedVariable(
            -tf.math.log(1.) * tf.range(num_components, dtype=tf.float32),
            bijector=tfb.Pad(paddings=[(1, 0)]),
            name='logits')),
    components_distribution=tfd.MultivariateNormalTriL(
        loc=tfp.util.TransformedVariable(
            tf.zeros([num_components, event_size]),
            bijector=tfb.Pad(paddings=[(1, 0)], axis=-2),
            name='loc'),
        scale_tril=tfp.util.TransformedVariable(
            10. * tf.eye(event_size, batch_shape=[num_components]),
            bijector=tfb.Chain([tril_bijector, PadEye(tril_bijector)]),
            name='scale_tril')),
    name='learnable_mix_mvntril_fixed_first')
print(learnable_mix_mvntril_fixed_first)
print(learnable_mix_mvntril_fixed_first.trainable_variables)
# the first component is fixed: each variable holds the other two (TFP prints (2, 4), (2, 10), (2,))
assert sorted(v.shape for v in learnable_mix_mvntril_fixed_first.trainable_variables) == [(2,), (2, 4), (2, 10)]
assert learnable_mix_mvntril_fixed_first.event_shape == (4,)

# a gradient of log_prob reaches every trainable variable, and the fixed first component stays
x = tf.random.normal([16, event_size], seed=1)
with tf.GradientTape() as tape:
    nll = -tf.reduce_mean(learnable_mix_mvntril_fixed_first.log_prob(x))
grads = tape.gradient(nll, learnable_mix_mvntril_fixed_first.trainable_variables)
assert all(g is not None and np.all(np.isfinite(g.numpy())) for g in grads)
scale_tril = tf.convert_to_tensor(learnable_mix_mvntril_fixed_first.components_distribution.scale_tril)
np.testing.assert_allclose(scale_tril.numpy()[0], np.eye(4), atol=1e-6)
print('TUTORIAL OK')
