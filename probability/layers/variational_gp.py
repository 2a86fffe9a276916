"""``VariationalGaussianProcess``: a layer whose output is a sparse variational GP over its inputs
(TFP's ``tfp.layers.VariationalGaussianProcess``).

The layer's inputs ``[n, *feature_shape]`` are the GP's index points; ``event_shape=[k]`` makes a
batch of ``k`` GPs, and the output distribution has event shape ``[n, k]`` (the GP batch moved
last, as a Dense layer's output would be). Its weights, made in ``build``: ``mean`` (the constant
mean function, when ``mean_fn`` is not given), ``observation_noise_variance`` (unconstrained;
softplus gives the variance), ``inducing_index_points`` ``[k, m, *feature_shape]``,
``variational_inducing_observations_loc`` ``[k, m]`` and
``variational_inducing_observations_scale`` ``[k, m, m]``. The kernel comes from
``kernel_provider.kernel``, a layer property read at each call, so its variables train too.

The output has ``variational_loss(y, kl_weight=1.)`` (``y`` ``[n, k]``), the negative ELBO of
each of the ``k`` GPs, and ``surrogate_posterior_kl_divergence_prior()``::

    model = wb.keras.Sequential([
        wb.keras.layers.InputLayer(shape=[1]),
        tfpl.VariationalGaussianProcess(num_inducing_points=20, kernel_provider=KernelFn()),
    ])
    model.compile(optimizer="adam", loss=lambda y, rv_y: rv_y.variational_loss(y, kl_weight=b / n))
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import bijectors as tfb
from .. import distributions as tfd
from ..distributions.distribution import Distribution
from ..util import DeferredTensor
from .distribution_layer import DistributionLambda, _event_shape_tuple, _positive_int

__all__ = ["VariationalGaussianProcess"]


class _TransposedGPs(tfd.TransformedDistribution):
    """The GP batch moved to the last event axis by a ``Transpose``: a permutation, so the
    marginal statistics move with it (TFP gives these for permutation bijectors)."""

    def _stddev(self):
        return self.bijector.forward(self.distribution.stddev())

    def _variance(self):
        return self.bijector.forward(self.distribution.variance())

    def _mode(self):
        return self.bijector.forward(self.distribution.mode())


class VariationalGaussianProcess(DistributionLambda):
    """A ``tfd.VariationalGaussianProcess`` whose index points are the layer's inputs.

    ``num_inducing_points``: ``m``. ``kernel_provider``: a layer with a ``kernel`` property giving
    a PSD kernel (its ``dtype`` is the layer's). ``event_shape``: ``[k]``, the number of GPs.
    ``inducing_index_points_initializer``: initializer of ``inducing_index_points`` (default
    glorot uniform, as Keras' ``add_weight``). ``unconstrained_observation_noise_variance_initializer``
    (default ``constant(-10.)``; ``None`` leaves no noise weight and a zero noise).
    ``variational_inducing_observations_scale_initializer`` (default ``1e-5`` times the identity).
    ``mean_fn``: the GP mean function (default a trainable constant, the weight ``mean``).
    ``jitter``: added to the diagonal of the kernel matrices.
    """

    def __init__(self, num_inducing_points, kernel_provider, event_shape=(1,),
                 inducing_index_points_initializer=None,
                 unconstrained_observation_noise_variance_initializer=wb.keras.initializers.Constant(-10.0),
                 variational_inducing_observations_scale_initializer=None, mean_fn=None, jitter=1e-6,
                 convert_to_tensor_fn=Distribution.sample, name=None):
        where = "VariationalGaussianProcess"
        kernel = getattr(kernel_provider, "kernel", None)
        if kernel is None or not hasattr(kernel, "feature_ndims"):
            raise TypeError(f"{where}: kernel_provider must be a layer with a `kernel` property giving a PSD "
                            f"kernel, got {type(kernel_provider).__name__}")
        if mean_fn is not None and not callable(mean_fn):
            raise TypeError(f"{where}: mean_fn must be callable or None, got {mean_fn!r}")
        self._num_inducing_points = _positive_int(num_inducing_points, "num_inducing_points", where)
        self._kernel_provider = kernel_provider
        self._event_shape = _event_shape_tuple(event_shape, where)
        self._mean_fn = mean_fn
        self._jitter = jitter
        self._inducing_index_points_initializer = inducing_index_points_initializer
        self._unconstrained_observation_noise_variance_initializer = \
            unconstrained_observation_noise_variance_initializer
        self._variational_inducing_observations_scale_initializer = \
            variational_inducing_observations_scale_initializer
        self._feature_ndims = int(kernel.feature_ndims)
        dtype = getattr(kernel_provider, "dtype", None)
        super().__init__(self._make_distribution, convert_to_tensor_fn, dtype=dtype, name=name)
        self._kernel_provider = kernel_provider   # tracked as a sublayer: its weights are the model's

    def build(self, input_shape):
        feature_shape = [int(s) for s in tuple(input_shape)[-self._feature_ndims:]]
        k, m = list(self._event_shape), self._num_inducing_points
        dtype = self.dtype
        if self._mean_fn is None:
            self.mean = self.add_weight(name="mean", shape=(), initializer=wb.keras.initializers.Constant(0.0),
                                        dtype=dtype)
            self._mean_fn = lambda x: self.mean
        # with no initializer the noise is 0, the distribution's own default
        self._observation_noise_variance = 0.0
        if self._unconstrained_observation_noise_variance_initializer is not None:
            raw = self.add_weight(name="observation_noise_variance", shape=(),
                                  initializer=self._unconstrained_observation_noise_variance_initializer,
                                  dtype=dtype)
            self._observation_noise_variance = DeferredTensor(raw, wb.nn.softplus)
        self._inducing_index_points = self.add_weight(
            name="inducing_index_points", shape=tuple(k + [m] + feature_shape),
            initializer=self._inducing_index_points_initializer, dtype=dtype)
        self._variational_inducing_observations_loc = self.add_weight(
            name="variational_inducing_observations_loc", shape=tuple(k + [m]),
            initializer=wb.keras.initializers.Zeros(), dtype=dtype)
        scale_init = self._variational_inducing_observations_scale_initializer
        if scale_init is None:
            scale_init = wb.keras.initializers.Constant(1e-5 * np.ones(k + [1, 1]) * np.eye(m))
        self._variational_inducing_observations_scale = self.add_weight(
            name="variational_inducing_observations_scale", shape=tuple(k + [m, m]), initializer=scale_init,
            dtype=dtype)
        self.built = True

    def _make_distribution(self, inputs):
        if inputs.dtype != self.dtype:
            inputs = wb.cast(inputs, self.dtype)
        return VariationalGaussianProcess.new(
            inputs, kernel_provider=self._kernel_provider, event_shape=self._event_shape,
            inducing_index_points=self._inducing_index_points, mean_fn=self._mean_fn,
            variational_inducing_observations_loc=self._variational_inducing_observations_loc,
            variational_inducing_observations_scale=self._variational_inducing_observations_scale,
            observation_noise_variance=self._observation_noise_variance, jitter=self._jitter)

    @staticmethod
    def new(x, kernel_provider, event_shape, inducing_index_points, mean_fn, variational_inducing_observations_loc,
            variational_inducing_observations_scale, observation_noise_variance, jitter=1e-6, name=None):
        """The output distribution for inputs ``x``: the ``[k]`` batch of GPs over ``x``'s ``n``
        points, as one distribution with event shape ``[n, k]``."""
        vgp = tfd.VariationalGaussianProcess(
            kernel=kernel_provider.kernel, index_points=x, inducing_index_points=inducing_index_points,
            variational_inducing_observations_loc=variational_inducing_observations_loc,
            variational_inducing_observations_scale=variational_inducing_observations_scale,
            mean_fn=mean_fn, observation_noise_variance=observation_noise_variance, jitter=jitter)
        transpose = tfb.Transpose(rightmost_transposed_ndims=2)
        d = _TransposedGPs(tfd.Independent(vgp, reinterpreted_batch_ndims=1), bijector=transpose)

        def variational_loss(y, kl_weight=1.0):
            """The negative ELBO of each GP for observations ``y`` ``[n, k]`` (shape ``[k]``):
            ``-sum_i (log N(y_i | mean_i, s2) - var_i / (2 s2)) + kl_weight * KL(q(u) || p(u))``
            with ``mean_i``, ``var_i`` the output's marginals. As TFP 0.25, ``var_i`` includes the
            noise ``s2`` itself, so the loss is ``n / 2`` above the textbook ELBO's."""
            y = transpose.forward(wb.cast(wb.convert_to_tensor(y), vgp.dtype))
            s2 = wb.convert_to_tensor(vgp.observation_noise_variance)[..., None]
            mean, var = vgp.mean(), vgp.variance()
            expected = -0.5 * np.log(2 * np.pi) - 0.5 * wb.log(s2) - 0.5 * (wb.square(y - mean) + var) / s2
            kl = vgp.surrogate_posterior_kl_divergence_prior()
            return -wb.reduce_sum(expected, axis=-1) + wb.cast(kl_weight, vgp.dtype) * kl

        d.variational_loss = variational_loss
        d.surrogate_posterior_kl_divergence_prior = vgp.surrogate_posterior_kl_divergence_prior
        return d

    def get_config(self):
        raise NotImplementedError("VariationalGaussianProcess: its kernel_provider layer and initializers are "
                                  "not saved in a config")
