"""``DenseVariational``: a dense layer whose kernel and bias are drawn from a learned posterior
(TFP's ``tfp.layers.DenseVariational``, the layer of the "Probabilistic Layers Regression"
tutorial), with ``kl_weight * KL(posterior || prior)`` added to its losses at each call.

The posterior and the prior are made by the user's functions ``make_fn(kernel_size,
bias_size, dtype)``, each returning a layer (typically a ``Sequential`` of a
:class:`VariableLayer` and a ``DistributionLambda``) whose output, for any input, is a
distribution over the ``kernel_size + bias_size`` weights flattened into one vector::

    def posterior_mean_field(kernel_size, bias_size=0, dtype=None):
        n = kernel_size + bias_size
        c = np.log(np.expm1(1.0))
        return wb.keras.Sequential([
            tfpl.VariableLayer(2 * n, dtype=dtype),
            tfpl.DistributionLambda(lambda t: tfd.Independent(
                tfd.Normal(loc=t[..., :n], scale=1e-5 + wb.nn.softplus(c + t[..., n:])), 1)),
        ])

    layer = tfpl.DenseVariational(1, posterior_mean_field, prior_trainable, kl_weight=1 / n_train)
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from .distribution_layer import kl_penalty

__all__ = ["DenseVariational"]


def make_kl_divergence_penalty(use_exact_kl=False, test_points_reduce_axis=(), test_points_fn=None,
                               weight=None):
    """``(q, p) -> sum(weight * KL(q || p))``: exact, or estimated at ``test_points_fn(q)`` (by
    default q's own tensor: the weights the layer used in this call)."""
    test_points_fn = test_points_fn or wb.convert_to_tensor

    def fn(distribution_a, distribution_b):
        return kl_penalty(distribution_a, distribution_b, use_exact_kl, test_points_reduce_axis,
                          test_points_fn, weight)
    return fn


@wb.keras.serialization.register_serializable(package="probability.layers")
class DenseVariational(wb.keras.layers.Layer):
    """``activation(inputs @ kernel + bias)`` with ``[kernel, bias] ~ posterior``, one draw per call.

    ``make_posterior_fn`` / ``make_prior_fn``: ``fn(kernel_size, bias_size, dtype)`` returning a
    layer whose output is a distribution over vectors of ``kernel_size + bias_size`` weights
    (``kernel_size = input_dim * units``, ``bias_size = units`` when ``use_bias``).
    ``kl_weight``: the factor of the KL term (usually ``1 / number_of_training_examples``, since a
    Keras loss is a mean over examples); ``kl_use_exact``: the analytic KL instead of the one-draw
    estimate ``log q(w) - log p(w)`` at the drawn weights.

    >>> layer = DenseVariational(2, posterior_mean_field, prior_trainable, kl_weight=0.01)
    >>> tuple(layer(wb.ones([4, 3])).shape), len(layer.losses)
    ((4, 2), 1)
    """

    def __init__(self, units, make_posterior_fn, make_prior_fn, kl_weight=None, kl_use_exact=False,
                 activation=None, use_bias=True, activity_regularizer=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"DenseVariational: units must be a positive integer, got {units!r}")
        for what, fn in (("make_posterior_fn", make_posterior_fn), ("make_prior_fn", make_prior_fn)):
            if not callable(fn):
                raise TypeError(f"DenseVariational: {what} must be callable (kernel_size, bias_size, dtype) "
                                f"-> layer, got {fn!r}")
        self.units = int(units)
        self._make_posterior_fn = make_posterior_fn
        self._make_prior_fn = make_prior_fn
        self._kl_weight = kl_weight
        self._kl_use_exact = bool(kl_use_exact)
        self._kl_divergence_fn = make_kl_divergence_penalty(self._kl_use_exact, weight=kl_weight)
        self.activation = wb.keras.activations.get(activation)
        self.use_bias = bool(use_bias)
        self.supports_masking = False

    def build(self, input_shape):
        last_dim = input_shape[-1] if input_shape else None
        if last_dim is None:
            raise ValueError(f"DenseVariational '{self.name}': the last axis of the input must be known, "
                             f"got input shape {input_shape}")
        self.input_spec = wb.keras.layers.InputSpec(min_ndim=2, axes={-1: int(last_dim)})
        self._prev_units = int(last_dim)
        kernel_size, bias_size = self._prev_units * self.units, self.units if self.use_bias else 0
        with wb.name_scope("posterior"):
            self._posterior = self._make_posterior_fn(kernel_size, bias_size, self.dtype)
        with wb.name_scope("prior"):
            self._prior = self._make_prior_fn(kernel_size, bias_size, self.dtype)

    def call(self, inputs):
        inputs = wb.convert_to_tensor(inputs)
        if inputs.dtype != self.dtype:
            inputs = wb.cast(inputs, self.dtype)
        q = self._posterior(inputs)
        r = self._prior(inputs)
        self.add_loss(self._kl_divergence_fn(q, r))
        w = wb.convert_to_tensor(q)
        n = self._prev_units * self.units
        kernel = wb.reshape(w[..., :n], tuple(w.shape[:-1]) + (self._prev_units, self.units))
        outputs = wb.matmul(inputs, kernel)
        if self.use_bias:
            outputs = outputs + w[..., n:]
        return outputs if self.activation is None else self.activation(outputs)

    def get_config(self):
        """The posterior and prior functions are written by name (registered or module-level
        functions only)."""
        ser = wb.keras.serialization.serialize_function
        return {**super().get_config(), "units": self.units,
                "make_posterior_fn": ser(self._make_posterior_fn), "make_prior_fn": ser(self._make_prior_fn),
                "kl_weight": None if self._kl_weight is None else float(self._kl_weight),
                "kl_use_exact": self._kl_use_exact,
                "activation": wb.keras.activations.serialize(self.activation), "use_bias": self.use_bias}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("make_posterior_fn", "make_prior_fn"):
            if isinstance(config.get(key), (dict, str)):
                config[key] = wb.keras.serialization.deserialize_function(config[key])
        return cls(**config)
