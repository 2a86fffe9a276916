"""Normalization layers: LayerNormalization and BatchNormalization (Keras' arguments).

>>> ln = wb.keras.layers.LayerNormalization()
>>> y = ln(wb.constant([[1.0, 2.0, 3.0]]))
>>> [round(float(v), 3) for v in y.numpy()[0]]
[-1.224, 0.0, 1.224]
"""

from __future__ import annotations

import workbench as wb
from workbench.errors import argcheck

from .. import initializers
from .base import InputSpec, Layer
from .core import _weight_args

__all__ = ["BatchNormalization", "LayerNormalization"]


def _axes(axis, rank, layer):
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"{layer}: axis {a} is out of range for inputs of rank {rank}")
        out.append(a % rank)
    return sorted(set(out))


def _param_shape(input_shape, axes, layer):
    for a in axes:
        if input_shape[a] is None:
            raise ValueError(f"{layer}: the size of axis {a} must be known, got input shape {input_shape}")
    return tuple(input_shape[a] for a in axes)


def _normalize(layer, inputs, mean, var, rank):
    """``(inputs - mean) / sqrt(var + epsilon)``, scaled by ``gamma`` and shifted by ``beta``
    where the layer has them."""
    y = (inputs - mean) * wb.math.rsqrt(var + layer.epsilon)
    if layer.scale:
        y = y * _broadcast(layer.gamma, layer._axes, rank)
    if layer.center:
        y = y + _broadcast(layer.beta, layer._axes, rank)
    return y


def _broadcast(param, axes, rank):
    """Reshape a parameter of shape ``[input_shape[a] for a in axes]`` to broadcast against the input."""
    shape = [1] * rank
    for i, a in enumerate(axes):
        shape[a] = param.shape[i]
    return wb.reshape(param, shape)


class LayerNormalization(Layer):
    """Normalize each example over ``axis`` (default the last): ``(x - mean) / sqrt(var + epsilon)``,
    then ``* gamma + beta`` (``scale``/``center``); gamma and beta have the shape of those axes."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        argcheck.integers(axis, "axis", "LayerNormalization")
        self.axis, self.center, self.scale = axis, bool(center), bool(scale)
        self.epsilon = argcheck.number(epsilon, "epsilon", "LayerNormalization")
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.supports_masking = True

    def build(self, input_shape):
        self._axes = _axes(self.axis, len(input_shape), f"LayerNormalization '{self.name}'")
        shape = _param_shape(input_shape, self._axes, f"LayerNormalization '{self.name}'")
        self.gamma = (self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer) if self.scale else None)
        self.beta = (self.add_weight("beta", shape, initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer) if self.center else None)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={a: input_shape[a] for a in self._axes})

    def call(self, inputs):
        rank = inputs.ndim
        mean, var = wb.nn.moments(inputs, axes=self._axes, keepdims=True)
        return _normalize(self, inputs, mean, var, rank)

    def get_config(self):
        return {**super().get_config(), **_norm_args(self), **_weight_args(self, "beta", "gamma")}


def _norm_args(layer):
    axis = layer.axis if isinstance(layer.axis, int) else [int(a) for a in layer.axis]
    return {"axis": axis, "epsilon": layer.epsilon, "center": layer.center, "scale": layer.scale}


class BatchNormalization(Layer):
    """Normalize over the batch (every axis but ``axis``) while training, with the moving
    statistics at inference.

    ``training=True``: uses the batch mean and (biased) variance and updates
    ``moving_mean``/``moving_variance`` (non-trainable variables) as
    ``moving = moving * momentum + batch * (1 - momentum)``. Otherwise (or when the
    layer is frozen, ``trainable=False``, as in Keras) it uses the moving statistics
    and updates nothing.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 **kwargs):
        super().__init__(**kwargs)
        argcheck.integers(axis, "axis", "BatchNormalization")
        self.axis = axis
        self.momentum = argcheck.number(momentum, "momentum", "BatchNormalization")
        self.epsilon = argcheck.number(epsilon, "epsilon", "BatchNormalization")
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.supports_masking = True

    def build(self, input_shape):
        where = f"BatchNormalization '{self.name}'"
        self._axes = _axes(self.axis, len(input_shape), where)
        shape = _param_shape(input_shape, self._axes, where)
        self.gamma = (self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer) if self.scale else None)
        self.beta = (self.add_weight("beta", shape, initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer) if self.center else None)
        self.moving_mean = self.add_weight("moving_mean", shape, initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={a: input_shape[a] for a in self._axes})

    def call(self, inputs, training=None):
        rank = inputs.ndim
        reduce_axes = [a for a in range(rank) if a not in self._axes]
        if training and self.trainable:
            mean, var = wb.nn.moments(inputs, axes=reduce_axes, keepdims=True)
            m = self.momentum
            shape = self.moving_mean.shape
            self.moving_mean.assign(self.moving_mean * m + wb.reshape(wb.stop_gradient(mean), shape) * (1 - m))
            self.moving_variance.assign(self.moving_variance * m
                                        + wb.reshape(wb.stop_gradient(var), shape) * (1 - m))
        else:
            mean = _broadcast(self.moving_mean, self._axes, rank)
            var = _broadcast(self.moving_variance, self._axes, rank)
        return _normalize(self, inputs, mean, var, rank)

    def get_config(self):
        return {**super().get_config(), **_norm_args(self), "momentum": self.momentum,
                **_weight_args(self, "beta", "gamma"),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer)}
