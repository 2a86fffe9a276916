"""Core layers: Dense, EinsumDense, Activation, Flatten, Reshape, Dropout, Lambda, Identity and
Masking, with Keras' arguments and weight layouts (the merge layers live in ``merging``).

>>> dense = wb.keras.layers.Dense(3, activation="relu")
>>> dense(wb.ones([2, 5])).shape, [v.shape for v in dense.variables]
((2, 3), [(5, 3), (3,)])
"""

from __future__ import annotations

import math
import re
import types

import numpy as np

import workbench as wb

from ... import dtypes
from ...errors import argcheck
from ... import random as wb_random
from .. import constraints, initializers, regularizers
from ..activations import get as get_activation, serialize as serialize_activation
from .base import InputSpec, Layer, is_ragged
from ..serialization import deserialize_function, dump_lambda, registered_name, serialize_function

__all__ = ["Activation", "Dense", "Dropout", "EinsumDense", "Flatten", "Identity", "Lambda", "Masking",
           "Reshape"]


def _built_weight(layer, attr, name):
    """The weight ``layer`` keeps in ``attr``; before ``build`` Keras 3's AttributeError."""
    try:
        return layer.__dict__[attr]
    except KeyError:
        raise AttributeError(f"You must build the layer before accessing `{name}`.") from None


def _on_values(fn, x):
    """Apply ``fn`` to a dense tensor, or to the flat values of a RaggedTensor."""
    if is_ragged(x):
        return x.with_flat_values(fn(x.flat_values))
    return fn(x)


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` on the last axis; kernel ``[in, units]``.

    RaggedTensor inputs are transformed row-value by row-value (their flat values). A SparseTensor
    input (``wb.keras.Input(..., sparse=True)``) is multiplied sparse-dense
    (``wb.sparse.sparse_dense_matmul``, its leading dimensions flattened for rank > 2); the
    output is dense, as in Keras.
    """
    _promote_int_inputs = True   # Keras 3's ops give a floating result for integer inputs here

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.units = argcheck.integer(units, "units", "Dense", minimum=1)
        self.activation = get_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint = _constraint(kernel_constraint, "kernel_constraint", "Dense")
        self.bias_constraint = _constraint(bias_constraint, "bias_constraint", "Dense")
        self.supports_masking = True

    def build(self, input_shape):
        last = input_shape[-1] if input_shape else None
        if last is None:
            raise ValueError(f"Dense '{self.name}': the last dimension of the inputs must be known, "
                             f"got input shape {input_shape}")
        self._kernel = self.add_weight(name="kernel", shape=(last, self.units), initializer=self.kernel_initializer,
                                       regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = (self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer, constraint=self.bias_constraint)
                     if self.use_bias else None)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last})

    # Keras 3 keeps the kernel in `_kernel` (so TF checkpoints key it '.../_kernel/...')
    @property
    def kernel(self):
        return _built_weight(self, "_kernel", "kernel")

    def _dense(self, x):
        if x.ndim == 2:
            y = wb.matmul(x, self.kernel)
        else:
            y = wb.tensordot(x, self.kernel, axes=[[x.ndim - 1], [0]])
        if self.use_bias:
            y = y + self.bias
        return self.activation(y)

    def call(self, inputs):
        if isinstance(inputs, wb.SparseTensor):
            return self._sparse_dense(inputs)
        return _on_values(self._dense, inputs)

    def _sparse_dense(self, x):
        if x.dtype != self.kernel.dtype:
            x = x.with_values(wb.cast(x.values, self.kernel.dtype))
        lead = tuple(x.shape[:-1])
        flat = x if len(lead) == 1 else wb.sparse.reshape(x, (int(np.prod(lead)), x.shape[-1]))
        y = wb.sparse.sparse_dense_matmul(flat, self.kernel)
        if len(lead) != 1:
            y = wb.reshape(y, lead + (self.units,))
        if self.use_bias:
            y = y + self.bias
        return self.activation(y)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": serialize_activation(self.activation), "use_bias": self.use_bias,
                **_weight_args(self, "kernel", "bias"),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class EinsumDense(Layer):
    """A dense layer written as an einsum, Keras' ``EinsumDense``.

    ``equation`` is ``"<input>,<kernel>-><output>"`` (e.g. ``"abc,cde->abde"``);
    ``output_shape`` gives the output's sizes without the batch dimension (None
    entries copy the input); ``bias_axes`` names the output letters that get a bias.
    """
    _promote_int_inputs = True   # Keras 3's ops give a floating result for integer inputs here

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        m = re.fullmatch(r"\s*([a-zA-Z.]+)\s*,\s*([a-zA-Z]+)\s*->\s*([a-zA-Z.]+)\s*", equation)
        if m is None:
            raise ValueError(f"EinsumDense: equation must look like 'abc,cd->abd', got {equation!r}")
        self.equation = equation.replace(" ", "")
        self._terms = m.groups()
        self.partial_output_shape = argcheck.shape(output_shape, "output_shape", "EinsumDense", unknown=True)
        self.partial_output_shape = tuple(None if d == -1 else d for d in self.partial_output_shape)
        self.activation = get_activation(activation)
        self.bias_axes = bias_axes
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer

    def build(self, input_shape):
        inp, ker, out = self._terms
        if len(inp) != len(input_shape):
            raise ValueError(f"EinsumDense '{self.name}': the equation's input '{inp}' has {len(inp)} "
                             f"axes, the inputs have shape {input_shape}")
        sizes = dict(zip(inp, input_shape))
        tail = out[len(out) - len(self.partial_output_shape):]
        for letter, size in zip(tail, self.partial_output_shape):
            if size is not None:
                sizes[letter] = int(size)
        missing = [c for c in ker if sizes.get(c) is None]
        if missing:
            raise ValueError(f"EinsumDense '{self.name}': the size of kernel axes {missing} is unknown "
                             f"(input shape {input_shape}, output_shape {self.partial_output_shape})")
        self._kernel = self.add_weight(name="kernel", shape=[sizes[c] for c in ker],
                                       initializer=self.kernel_initializer,
                                       regularizer=self.kernel_regularizer)
        self.bias = None
        if self.bias_axes:
            first = min(out.index(c) for c in self.bias_axes)
            shape = [sizes[c] if c in self.bias_axes else 1 for c in out[first:]]
            self.bias = self.add_weight(name="bias", shape=shape, initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer)
        self.input_spec = InputSpec(ndim=len(inp), axes={i: input_shape[i] for i, c in enumerate(inp)
                                                         if c in ker and input_shape[i] is not None})

    # Keras 3 keeps the kernel in `_kernel` (so TF checkpoints key it '.../_kernel/...')
    @property
    def kernel(self):
        return _built_weight(self, "_kernel", "kernel")

    def call(self, inputs):
        y = wb.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y)

    def get_config(self):
        return {**super().get_config(), "equation": self.equation,
                "output_shape": list(self.partial_output_shape),
                "activation": serialize_activation(self.activation), "bias_axes": self.bias_axes,
                **_weight_args(self, "kernel", "bias")}


class Activation(Layer):
    """Apply an activation function (a Keras name or a callable)."""
    _built_at_init = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = get_activation(activation)
        self.supports_masking = True

    def call(self, inputs):
        return _on_values(self.activation, inputs)

    def get_config(self):
        return {**super().get_config(), "activation": serialize_activation(self.activation)}


class Flatten(Layer):
    """Reshape ``[batch, ...]`` to ``[batch, prod(...)]``."""

    def call(self, inputs):
        return wb.reshape(inputs, (inputs.shape[0], -1) if inputs.ndim > 1 else (inputs.shape[0], 1))


class Reshape(Layer):
    """Reshape to ``(batch,) + target_shape`` (one entry may be -1)."""
    _built_at_init = True

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = argcheck.shape(target_shape, "target_shape", "Reshape", unknown=True)

    def call(self, inputs):
        shape = tuple(inputs.shape)
        size = math.prod(shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        if (-1 not in self.target_shape and known != size) or (known == 0 or size % known):
            raise ValueError(f"Reshape '{self.name}': cannot reshape inputs of shape {inputs.shape} "
                             f"to (batch,) + {self.target_shape}")
        return wb.reshape(inputs, shape[:1] + self.target_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Dropout(Layer):
    """Zero inputs with probability ``rate`` while training (scaling the rest by
    ``1 / (1 - rate)``); the identity when ``training`` is falsy.

    With ``seed`` the layer owns a ``wb.random.Generator`` seeded by it, so a
    new layer with the same seed drops the same elements call after call;
    without one it draws from the global generator (``wb.random.set_seed``).
    """
    _built_at_init = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = argcheck.number(rate, "rate", "Dropout")
        if not 0.0 <= self.rate < 1.0:
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate}")
        self.noise_shape = noise_shape
        self.seed = seed
        self._rng = None if seed is None else wb_random.Generator.from_seed(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        rng = self._rng or wb_random.get_global_generator()

        def drop(x):
            seed = rng.make_seeds(1)[:, 0]
            return wb.nn.experimental.stateless_dropout(x, self.rate, seed, noise_shape=self.noise_shape)
        return _on_values(drop, inputs)

    def get_config(self):
        noise = None if self.noise_shape is None else [None if d is None else int(d) for d in self.noise_shape]
        return {**super().get_config(), "rate": self.rate, "noise_shape": noise, "seed": self.seed}


class Lambda(Layer):
    """Wrap a function of the inputs (no weights) as a layer, e.g. ``Lambda(lambda x: x * 2)``."""

    def __init__(self, function, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable, got {function!r}")
        self.function = function

    def call(self, inputs):
        return self.function(inputs)

    def get_config(self):
        """The function is recorded by name (module-level or registered functions); a Python lambda
        as Keras 3 writes it (its bytecode), which loading refuses to run."""
        fn = self.function
        if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>" and registered_name(fn) is None:
            return {**super().get_config(), "function": dump_lambda(fn)}
        return {**super().get_config(), "function": serialize_function(fn)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("function"), dict):
            config["function"] = deserialize_function(config["function"])
        return cls(**config)


class Identity(Layer):
    """Return the inputs unchanged (masks pass through)."""
    _built_at_init = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs


class Masking(Layer):
    """Mask the timesteps whose features all equal ``mask_value``: such steps are zeroed, and the
    mask ``[batch, steps]`` (True where any feature differs from ``mask_value``) goes to the layers
    after it (e.g. an LSTM skips those steps), as Keras' ``Masking``."""
    _built_at_init = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = argcheck.number(mask_value, "mask_value", "Masking")
        self.supports_masking = True

    def _differs(self, inputs):
        """Where ``inputs`` differ from ``mask_value``; integer inputs are compared with it as
        Keras 3 compares them (a fractional ``mask_value`` equals no integer)."""
        inputs = wb.convert_to_tensor(inputs)
        if inputs.dtype.kind in "iu":
            value = float(self.mask_value)
            limits = np.iinfo(dtypes.np_dtype(inputs.dtype))
            if not value.is_integer() or not limits.min <= value <= limits.max:
                return wb.ones_like(inputs, dtype=wb.bool)
            return wb.not_equal(inputs, int(value))
        return wb.not_equal(inputs, self.mask_value)

    def compute_mask(self, inputs, mask=None):
        return wb.reduce_any(self._differs(inputs), axis=-1)

    def call(self, inputs):
        keep = wb.reduce_any(self._differs(inputs), axis=-1, keepdims=True)
        return inputs * wb.cast(keep, inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


def _constraint(value, what, layer):
    """``value`` as a constraint (``wb.keras.constraints``: a name, a config, a callable), or None."""
    try:
        return constraints.get(value)
    except ValueError as exc:
        raise ValueError(f"{layer}: {what} must be a constraint, its name or a callable, got {value!r}") from exc


def _constraint_args(layer, *weights):
    """The serialized ``<w>_constraint`` arguments of ``layer``."""
    return {f"{w}_constraint": constraints.serialize(getattr(layer, f"{w}_constraint")) for w in weights}


def _weight_args(layer, *weights, source=None):
    """The serialized ``<w>_initializer``/``<w>_regularizer`` arguments of ``layer``, read from
    the mapping ``source`` when given, else from the layer's attributes."""
    get = source.__getitem__ if source is not None else lambda key: getattr(layer, key)
    out = {}
    for w in weights:
        out[f"{w}_initializer"] = initializers.serialize(get(f"{w}_initializer"))
        out[f"{w}_regularizer"] = regularizers.serialize(get(f"{w}_regularizer"))
    return out
