"""Normalization layers: LayerNormalization, BatchNormalization, GroupNormalization and
UnitNormalization (Keras' arguments).

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
from .core import _constraint, _constraint_args, _weight_args

__all__ = ["BatchNormalization", "GroupNormalization", "LayerNormalization", "UnitNormalization"]


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
        y = y * _broadcast(layer.gamma, layer._axes, rank, y.dtype)
    if layer.center:
        y = y + _broadcast(layer.beta, layer._axes, rank, y.dtype)
    return y


def _broadcast(param, axes, rank, dtype=None):
    """Reshape a parameter of shape ``[input_shape[a] for a in axes]`` to broadcast against the
    input (cast to ``dtype`` when given)."""
    shape = [1] * rank
    for i, a in enumerate(axes):
        shape[a] = param.shape[i]
    if dtype is not None and param.dtype != dtype:
        param = wb.cast(param, dtype)
    return wb.reshape(param, shape)


# Keras 3 normalizes float16 and bfloat16 inputs in float32 (their statistics overflow or lose
# precision easily) and gives the result in the layer's compute dtype; its weights are made with
# autocast=False.
def _upcast(inputs):
    return wb.cast(inputs, "float32") if inputs.dtype.name in ("float16", "bfloat16") else inputs


def _in_compute_dtype(layer, y):
    return y if y.dtype == layer.compute_dtype else wb.cast(y, layer.compute_dtype)


class LayerNormalization(Layer):
    """Normalize each example over ``axis`` (default the last): ``(x - mean) / sqrt(var + epsilon)``,
    then ``* gamma + beta`` (``scale``/``center``); gamma and beta have the shape of those axes.

    Integer (or bool) inputs are normalized in float32 and the result is cast back to the
    input's dtype before the cast to the compute dtype, as Keras 3.15's
    ``ops.layer_normalization`` does: ``[[1, 2, 3, 4]]`` gives ``[[-1., 0., 0., 1.]]`` (the
    values truncated toward zero), under any dtype policy."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        argcheck.integers(axis, "axis", "LayerNormalization")
        self.axis, self.center, self.scale = axis, bool(center), bool(scale)
        self.epsilon = argcheck.number(epsilon, "epsilon", "LayerNormalization")
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint = _constraint(beta_constraint, "beta_constraint", type(self).__name__)
        self.gamma_constraint = _constraint(gamma_constraint, "gamma_constraint", type(self).__name__)
        self.supports_masking = True

    def _casts(self, dtype):
        # Keras 3 makes this layer with autocast=False: a floating input is normalized in its own
        # precision (float16 and bfloat16 in float32); only the result takes the compute dtype
        return dtype.kind not in "fV" and super()._casts(dtype)

    def build(self, input_shape):
        self._axes = _axes(self.axis, len(input_shape), f"LayerNormalization '{self.name}'")
        shape = _param_shape(input_shape, self._axes, f"LayerNormalization '{self.name}'")
        self.gamma = (self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                      autocast=False)
                      if self.scale else None)
        self.beta = (self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                     autocast=False)
                     if self.center else None)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={a: input_shape[a] for a in self._axes})

    def call(self, inputs):
        rank = inputs.ndim
        original = inputs.dtype
        inputs = _upcast(inputs) if original.is_floating else wb.cast(inputs, "float32")
        mean, var = wb.nn.moments(inputs, axes=self._axes, keepdims=True)
        y = _normalize(self, inputs, mean, var, rank)
        if not original.is_floating:
            y = wb.cast(y, original)
        return _in_compute_dtype(self, y)

    def get_config(self):
        return {**super().get_config(), **_norm_args(self), **_weight_args(self, "beta", "gamma"),
                **_constraint_args(self, "beta", "gamma")}


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
    _promote_int_inputs = True   # Keras 3's ops give a floating result for integer inputs here

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
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
        self.beta_constraint = _constraint(beta_constraint, "beta_constraint", type(self).__name__)
        self.gamma_constraint = _constraint(gamma_constraint, "gamma_constraint", type(self).__name__)
        self.supports_masking = True

    def build(self, input_shape):
        where = f"BatchNormalization '{self.name}'"
        self._axes = _axes(self.axis, len(input_shape), where)
        shape = _param_shape(input_shape, self._axes, where)
        self.gamma = (self.add_weight(name="gamma", shape=shape, initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                      autocast=False)
                      if self.scale else None)
        self.beta = (self.add_weight(name="beta", shape=shape, initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                     autocast=False)
                     if self.center else None)
        self.moving_mean = self.add_weight(name="moving_mean", shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=shape,
                                               initializer=self.moving_variance_initializer, trainable=False,
                                               autocast=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={a: input_shape[a] for a in self._axes})

    def call(self, inputs, training=None):
        rank = inputs.ndim
        inputs = _upcast(inputs)
        reduce_axes = [a for a in range(rank) if a not in self._axes]
        if training and self.trainable:
            mean, var = wb.nn.moments(inputs, axes=reduce_axes, keepdims=True)
            m = self.momentum
            shape, kept = self.moving_mean.shape, self.moving_mean.dtype
            batch_mean, batch_var = (wb.reshape(wb.stop_gradient(t), shape) for t in (mean, var))
            if batch_mean.dtype != kept:
                batch_mean, batch_var = wb.cast(batch_mean, kept), wb.cast(batch_var, kept)
            self.moving_mean.assign(self.moving_mean * m + batch_mean * (1 - m))
            self.moving_variance.assign(self.moving_variance * m + batch_var * (1 - m))
        else:
            mean = _broadcast(self.moving_mean, self._axes, rank, inputs.dtype)
            var = _broadcast(self.moving_variance, self._axes, rank, inputs.dtype)
        return _in_compute_dtype(self, _normalize(self, inputs, mean, var, rank))

    def get_config(self):
        return {**super().get_config(), **_norm_args(self), "momentum": self.momentum,
                **_weight_args(self, "beta", "gamma"), **_constraint_args(self, "beta", "gamma"),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer)}


class GroupNormalization(Layer):
    """Split the channels (``axis``) into ``groups`` groups and normalize each example over each
    group (its channels and every other non-batch axis); then ``* gamma + beta`` per channel.

    ``groups=1`` is LayerNormalization over all non-batch axes; ``groups`` equal to the number
    of channels is instance normalization. The channel count must be a multiple of ``groups``.

    >>> gn = wb.keras.layers.GroupNormalization(groups=2)
    >>> gn(wb.ones([3, 5, 4])).shape
    (3, 5, 4)
    """
    # integer inputs: normalized in float32, the result cast back to their dtype (Keras 3.15)

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.groups = argcheck.integer(groups, "groups", "GroupNormalization", minimum=1)
        self.axis = argcheck.integer(axis, "axis", "GroupNormalization")
        self.epsilon = argcheck.number(epsilon, "epsilon", "GroupNormalization")
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint = _constraint(beta_constraint, "beta_constraint", type(self).__name__)
        self.gamma_constraint = _constraint(gamma_constraint, "gamma_constraint", type(self).__name__)
        self.supports_masking = True

    def _casts(self, dtype):
        # Keras 3 makes this layer with autocast=False: a floating input is normalized in its own
        # precision (float16 and bfloat16 in float32); only the result takes the compute dtype
        return dtype.kind not in "fV" and super()._casts(dtype)

    def build(self, input_shape):
        where = f"GroupNormalization '{self.name}'"
        rank = len(input_shape)
        self._axis = _axes(self.axis, rank, where)[0]
        if self._axis == 0:
            raise ValueError(f"{where}: axis must not be the batch axis (0), got {self.axis}")
        dim = _param_shape(input_shape, [self._axis], where)[0]
        if dim < self.groups or dim % self.groups:
            raise ValueError(f"{where}: the number of channels ({dim}, axis {self.axis}) must be a multiple of "
                             f"groups, got groups={self.groups}")
        self._axes = [self._axis]
        self.gamma = (self.add_weight(name="gamma", shape=(dim,), initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                      autocast=False)
                      if self.scale else None)
        self.beta = (self.add_weight(name="beta", shape=(dim,), initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                     autocast=False)
                     if self.center else None)
        self.input_spec = InputSpec(ndim=rank, axes={self._axis: dim})

    def call(self, inputs):
        shape = list(inputs.shape)
        original = inputs.dtype
        inputs = _upcast(inputs) if original.is_floating else wb.cast(inputs, "float32")
        a, dim = self._axis, inputs.shape[self._axis]
        grouped = wb.reshape(inputs, shape[:a] + [self.groups, dim // self.groups] + shape[a + 1:])
        reduce = [i for i in range(1, grouped.ndim) if i != a]
        mean, var = wb.nn.moments(grouped, axes=reduce, keepdims=True)
        y = wb.reshape((grouped - mean) * wb.math.rsqrt(var + self.epsilon), shape)
        if self.scale:
            y = y * _broadcast(self.gamma, self._axes, len(shape), y.dtype)
        if self.center:
            y = y + _broadcast(self.beta, self._axes, len(shape), y.dtype)
        if not original.is_floating:
            y = wb.cast(y, original)
        return _in_compute_dtype(self, y)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, **_weight_args(self, "beta", "gamma"),
                **_constraint_args(self, "beta", "gamma")}


class UnitNormalization(Layer):
    """Scale each example to unit L2 norm over ``axis`` (an int or a list):
    ``x / sqrt(max(sum(x**2), 1e-12))``.

    >>> y = wb.keras.layers.UnitNormalization()(wb.constant([[3.0, 4.0]]))
    >>> [round(float(v), 3) for v in y.numpy()[0]]
    [0.6, 0.8]
    """
    _built_at_init = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        argcheck.integers(axis, "axis", "UnitNormalization")
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs):   # built from __init__ (no weights): the axes are checked per call
        axes = _axes(self.axis, len(inputs.shape), f"UnitNormalization '{self.name}'")
        return wb.nn.l2_normalize(inputs, axis=axes, epsilon=1e-12)

    def get_config(self):
        axis = self.axis if isinstance(self.axis, int) else [int(a) for a in self.axis]
        return {**super().get_config(), "axis": axis}
