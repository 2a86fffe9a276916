"""Dense layers with a distribution over the kernel and the bias (TFP's ``tfp.layers``
``DenseReparameterization``, ``DenseLocalReparameterization`` and ``DenseFlipout``).

Each layer builds, in ``build``, a posterior and (optionally) a prior for the kernel
``[input_dim, units]`` and for the bias ``[units]`` from the builder functions of
``probability.layers.util`` (or the user's own ``fn(dtype, shape, name, trainable,
add_variable_fn)``). Each call draws the weights from the posterior (reparameterized, so
gradients reach the posterior's variables) and adds ``kernel_divergence_fn(q, p, w)`` and
``bias_divergence_fn(q, p, w)`` (by default the exact KL) to the layer's losses.

The three differ in how the draw is made: one kernel for the whole batch
(reparameterization), an independent pre-activation per example from the Normal it
implies (local reparameterization), or one kernel perturbed by random signs per example
(Flipout, Wen et al. 2018), which decorrelates the examples' gradients.
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import distributions as tfd
from .util import default_mean_field_normal_fn, default_multivariate_normal_fn

__all__ = ["DenseFlipout", "DenseLocalReparameterization", "DenseReparameterization"]

_register = wb.keras.serialization.register_serializable(package="probability.layers")


@wb.keras.serialization.register_serializable(package="probability.layers", name="sample")
def _sample(d):
    return d.sample()


@wb.keras.serialization.register_serializable(package="probability.layers", name="exact_kl_divergence")
def _exact_kl(q, p, ignored):
    return tfd.kl_divergence(q, p)


# TFP's defaults: one builder each, shared by every layer (builders hold no state)
_KERNEL_POSTERIOR = default_mean_field_normal_fn()
_BIAS_POSTERIOR = default_mean_field_normal_fn(is_singular=True)
_DEFAULTS = {"kernel_posterior_fn": _KERNEL_POSTERIOR, "bias_posterior_fn": _BIAS_POSTERIOR}


class _DenseVariational(wb.keras.layers.Layer):
    """The shared part: arguments, ``build`` and the divergence losses."""

    def __init__(self, units, activation=None, activity_regularizer=None, trainable=True,
                 kernel_posterior_fn=_KERNEL_POSTERIOR, kernel_posterior_tensor_fn=_sample,
                 kernel_prior_fn=default_multivariate_normal_fn, kernel_divergence_fn=_exact_kl,
                 bias_posterior_fn=_BIAS_POSTERIOR, bias_posterior_tensor_fn=_sample, bias_prior_fn=None,
                 bias_divergence_fn=_exact_kl, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, trainable=trainable, **kwargs)
        where = type(self).__name__
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"{where}: units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = wb.keras.activations.get(activation)
        self.kernel_posterior_fn = kernel_posterior_fn
        self.kernel_posterior_tensor_fn = kernel_posterior_tensor_fn
        self.kernel_prior_fn = kernel_prior_fn
        self.kernel_divergence_fn = kernel_divergence_fn
        self.bias_posterior_fn = bias_posterior_fn
        self.bias_posterior_tensor_fn = bias_posterior_tensor_fn
        self.bias_prior_fn = bias_prior_fn
        self.bias_divergence_fn = bias_divergence_fn
        for what in ("kernel_posterior_fn", "kernel_posterior_tensor_fn", "kernel_prior_fn",
                     "kernel_divergence_fn", "bias_posterior_fn", "bias_posterior_tensor_fn",
                     "bias_prior_fn", "bias_divergence_fn"):
            fn = getattr(self, what)
            if fn is not None and not callable(fn):
                raise TypeError(f"{where}: {what} must be callable or None, got {fn!r}")
        self.kernel_posterior = self.kernel_prior = self.bias_posterior = self.bias_prior = None

    def _add_variable(self, name, shape, dtype=None, initializer=None, regularizer=None, trainable=True,
                      constraint=None):
        # TF's add_variable signature, which the posterior builders call
        if constraint is not None:
            raise NotImplementedError(f"{type(self).__name__} '{self.name}': variable constraints are not "
                                      f"supported by wb.keras layers; got {constraint!r} for {name!r}")
        return self.add_weight(name=name, shape=shape, dtype=dtype, initializer=initializer,
                               regularizer=regularizer, trainable=trainable)

    def build(self, input_shape):
        in_size = input_shape[-1] if input_shape else None
        if in_size is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the last axis of the input must be "
                             f"known, got input shape {input_shape}")
        in_size = int(in_size)
        self.input_spec = wb.keras.layers.InputSpec(min_ndim=2, axes={-1: in_size})
        dtype, add = self.dtype, self._add_variable
        kernel_shape = (in_size, self.units)
        self.kernel_posterior = self.kernel_posterior_fn(dtype, kernel_shape, "kernel_posterior",
                                                         self.trainable, add)
        self.kernel_prior = (None if self.kernel_prior_fn is None else
                             self.kernel_prior_fn(dtype, kernel_shape, "kernel_prior", self.trainable, add))
        self.bias_posterior = (None if self.bias_posterior_fn is None else
                               self.bias_posterior_fn(dtype, (self.units,), "bias_posterior", self.trainable, add))
        self.bias_prior = (None if self.bias_prior_fn is None else
                           self.bias_prior_fn(dtype, (self.units,), "bias_prior", self.trainable, add))

    def call(self, inputs):
        inputs = wb.convert_to_tensor(inputs)
        if inputs.dtype != self.dtype:
            inputs = wb.cast(inputs, self.dtype)
        outputs = self._apply_variational_kernel(inputs)
        outputs = self._apply_variational_bias(outputs)
        if self.activation is not None:
            outputs = self.activation(outputs)
        self._apply_divergence(self.kernel_divergence_fn, self.kernel_posterior, self.kernel_prior,
                               self.kernel_posterior_tensor)
        self._apply_divergence(self.bias_divergence_fn, self.bias_posterior, self.bias_prior,
                               self.bias_posterior_tensor)
        return outputs

    def _apply_variational_bias(self, inputs):
        if self.bias_posterior is None:
            self.bias_posterior_tensor = None
            return inputs
        self.bias_posterior_tensor = self.bias_posterior_tensor_fn(self.bias_posterior)
        return inputs + self.bias_posterior_tensor

    def _apply_divergence(self, divergence_fn, posterior, prior, posterior_tensor):
        if divergence_fn is None or posterior is None or prior is None:
            return
        self.add_loss(divergence_fn(posterior, prior, posterior_tensor))

    def get_config(self):
        """The builder functions are written by name (registered or module-level functions; the
        defaults' closures cannot be written, as in TFP, whose configs pickle them)."""
        ser = wb.keras.serialization.serialize_function
        config = {**super().get_config(), "units": self.units,
                  "activation": wb.keras.activations.serialize(self.activation)}
        for key in ("kernel_posterior_fn", "kernel_posterior_tensor_fn", "kernel_prior_fn",
                    "kernel_divergence_fn", "bias_posterior_fn", "bias_posterior_tensor_fn",
                    "bias_prior_fn", "bias_divergence_fn"):
            fn = getattr(self, key)
            # "default" names TFP's default builder (a closure, which a config cannot name)
            config[key] = None if fn is None else "default" if fn is _DEFAULTS.get(key) else ser(fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, value in list(config.items()):
            if value == "default" and key in _DEFAULTS:
                config[key] = _DEFAULTS[key]
            elif key.endswith("_fn") and isinstance(value, (dict, str)):
                config[key] = wb.keras.serialization.deserialize_function(value)
        return cls(**config)


@_register
class DenseReparameterization(_DenseVariational):
    """``activation(inputs @ W + b)`` with ``W = kernel_posterior_tensor_fn(q(W))``: one draw of
    the kernel per call, shared by the batch (Kingma & Welling's reparameterization).

    >>> layer = DenseReparameterization(4)
    >>> tuple(layer(wb.ones([8, 3])).shape), len(layer.losses)     # the kernel's KL (the bias is a point)
    ((8, 4), 1)
    """

    def _apply_variational_kernel(self, inputs):
        self.kernel_posterior_tensor = self.kernel_posterior_tensor_fn(self.kernel_posterior)
        return wb.matmul(inputs, self.kernel_posterior_tensor)


def _normal_posterior(layer):
    q = layer.kernel_posterior
    if not (isinstance(q, tfd.Independent) and isinstance(q.distribution, tfd.Normal)):
        raise TypeError(f"{type(layer).__name__} '{layer.name}': kernel_posterior_fn must produce an "
                        f"Independent(Normal), got {type(q).__name__}")
    return q.distribution


@_register
class DenseLocalReparameterization(_DenseVariational):
    """``activation(inputs @ W + b)`` drawn per example from the Normal that ``W ~
    Independent(Normal(loc, scale))`` gives the pre-activation: mean ``inputs @ loc``, variance
    ``inputs**2 @ scale**2`` (Kingma, Salimans & Welling 2015)."""

    def _apply_variational_kernel(self, inputs):
        q = _normal_posterior(self)
        loc, scale = wb.convert_to_tensor(q.loc), wb.convert_to_tensor(q.scale)
        affine = tfd.Normal(loc=wb.matmul(inputs, loc),
                            scale=wb.sqrt(wb.matmul(wb.square(inputs), wb.square(scale))))
        self.kernel_posterior_tensor = None
        return self.kernel_posterior_tensor_fn(affine)


@_register
class DenseFlipout(_DenseVariational):
    """``activation(inputs @ loc + ((inputs * s_in) @ dW) * s_out + b)``: one draw
    ``dW ~ Normal(0, scale)`` per call, decorrelated across examples by random signs ``s_in``
    ``[batch, input_dim]`` and ``s_out`` ``[batch, units]`` (Flipout, Wen et al. 2018). The
    kernel posterior must be ``Independent(Normal)``; ``seed`` fixes the signs' stream.
    """

    def __init__(self, units, activation=None, activity_regularizer=None, trainable=True,
                 kernel_posterior_fn=_KERNEL_POSTERIOR, kernel_posterior_tensor_fn=_sample,
                 kernel_prior_fn=default_multivariate_normal_fn, kernel_divergence_fn=_exact_kl,
                 bias_posterior_fn=_BIAS_POSTERIOR, bias_posterior_tensor_fn=_sample, bias_prior_fn=None,
                 bias_divergence_fn=_exact_kl, seed=None, **kwargs):
        super().__init__(units, activation, activity_regularizer, trainable, kernel_posterior_fn,
                         kernel_posterior_tensor_fn, kernel_prior_fn, kernel_divergence_fn, bias_posterior_fn,
                         bias_posterior_tensor_fn, bias_prior_fn, bias_divergence_fn, **kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"DenseFlipout: seed must be an int or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)
        self._signs = None if seed is None else wb.random.Generator.from_seed(self.seed)

    def _rademacher(self, shape, dtype):
        if self._signs is None:
            bits = wb.random.uniform(shape, 0, 2, dtype=wb.int32)
        else:
            bits = self._signs.uniform(shape, 0, 2, dtype=wb.int32)
        return wb.cast(bits, dtype) * 2.0 - 1.0

    def _apply_variational_kernel(self, inputs):
        q = _normal_posterior(self)
        affine = tfd.Normal(loc=wb.zeros_like(wb.convert_to_tensor(q.loc)), scale=q.scale)
        self.kernel_posterior_affine_tensor = self.kernel_posterior_tensor_fn(affine)
        self.kernel_posterior_tensor = None
        batch = tuple(inputs.shape[:-1])
        sign_input = self._rademacher(batch + (inputs.shape[-1],), inputs.dtype)
        sign_output = self._rademacher(batch + (self.units,), inputs.dtype)
        perturbed = wb.matmul(inputs * sign_input, self.kernel_posterior_affine_tensor) * sign_output
        return wb.matmul(inputs, q.loc) + perturbed

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
