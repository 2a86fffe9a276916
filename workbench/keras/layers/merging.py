"""Merge layers with Keras 3's semantics: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate and Dot, and their functional forms ``add``, ``subtract``, ``multiply``, ``average``,
``maximum``, ``minimum``, ``concatenate`` and ``dot``.

Inputs of different ranks are brought to the highest rank by inserting axes after the batch
axis, then broadcast, as Keras does.

>>> a, b = wb.ones([2, 3]), wb.ones([2, 3]) * 2
>>> wb.keras.layers.average([a, b]).numpy()[0]
array([1.5, 1.5, 1.5], dtype=float32)
"""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.errors import argcheck

from .base import Layer

__all__ = ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract", "add",
           "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract"]


def _fold(fn, xs):
    out = xs[0]
    for x in xs[1:]:
        out = fn(out, x)
    return out


class _Merge(Layer):
    """Base of layers that combine a list of tensors of broadcast-compatible shapes."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_list(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"{type(self).__name__} '{self.name}' takes a list of at least 2 tensors, "
                             f"got {type(inputs).__name__}")

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"{type(self).__name__} '{self.name}' takes a list of at least 2 tensors, "
                             f"got inputs of shape {input_shape}")
        rank = max(len(s) for s in input_shape)
        try:
            np.broadcast_shapes(*[tuple(1 if d is None else d for d in _lifted(s, rank)) for s in input_shape])
        except ValueError:
            raise ValueError(f"{type(self).__name__} '{self.name}': inputs have incompatible shapes "
                             f"{input_shape}") from None

    def _merge_function(self, inputs):
        raise NotImplementedError

    def call(self, inputs):
        self._check_list(inputs)
        rank = max(x.ndim for x in inputs)
        lifted = []
        for x in inputs:
            while x.ndim < rank:
                x = wb.expand_dims(x, 1)
            lifted.append(x)
        return self._merge_function(lifted)

    def compute_mask(self, inputs, mask=None):
        if mask is None or not isinstance(mask, (list, tuple)):
            return mask
        masks = [m for m in mask if m is not None]
        if not masks:
            return None
        return _fold(wb.logical_and, masks)


def _lifted(shape, rank):
    shape = tuple(shape)
    return shape[:1] + (1,) * (rank - len(shape)) + shape[1:]


class Add(_Merge):
    """Sum a list of tensors (broadcasting), e.g. a residual connection."""

    def _merge_function(self, inputs):
        if all(x.shape == inputs[0].shape for x in inputs):
            return wb.add_n(list(inputs))
        return _fold(wb.add, inputs)


class Subtract(_Merge):
    """``inputs[0] - inputs[1]``, for exactly two tensors."""

    def _check_list(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"Subtract '{self.name}' takes a list of exactly 2 tensors, got "
                             f"{len(inputs) if isinstance(inputs, (list, tuple)) else type(inputs).__name__}")

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f"Subtract '{self.name}' takes a list of exactly 2 tensors, got inputs of "
                             f"shape {input_shape}")
        super().build(input_shape)

    def _merge_function(self, inputs):
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """Multiply a list of tensors elementwise."""

    def _merge_function(self, inputs):
        return _fold(wb.multiply, inputs)


class Average(_Merge):
    """The elementwise mean of a list of tensors."""

    def _merge_function(self, inputs):
        return _fold(wb.add, inputs) / len(inputs)


class Maximum(_Merge):
    """The elementwise maximum of a list of tensors."""

    def _merge_function(self, inputs):
        return _fold(wb.maximum, inputs)


class Minimum(_Merge):
    """The elementwise minimum of a list of tensors."""

    def _merge_function(self, inputs):
        return _fold(wb.minimum, inputs)


class Concatenate(_Merge):
    """Concatenate a list of tensors along ``axis`` (default: the last). The output mask is the
    inputs' masks (all True for an input without one) concatenated along ``axis``, then any-reduced
    over the last axis, as Keras does."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = argcheck.integer(axis, "axis", "Concatenate")

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"Concatenate '{self.name}' takes a list of at least 2 tensors, "
                             f"got inputs of shape {input_shape}")
        ranks = {len(s) for s in input_shape}
        if len(ranks) != 1:
            raise ValueError(f"Concatenate '{self.name}': inputs must have the same rank, got shapes "
                             f"{input_shape}")
        rank = ranks.pop()
        axis = self.axis % rank
        for s in input_shape[1:]:
            for i, (a, b) in enumerate(zip(input_shape[0], s)):
                if i != axis and a is not None and b is not None and a != b:
                    raise ValueError(f"Concatenate '{self.name}': inputs must match in every axis but "
                                     f"{self.axis}, got shapes {input_shape}")

    def call(self, inputs):
        self._check_list(inputs)
        inputs = list(inputs)
        if len({x.dtype for x in inputs}) > 1:
            # Keras 3 promotes: integers join the inputs' float dtype, integers the widest one
            floats = [np.dtype(x.dtype.as_numpy_dtype) for x in inputs if x.dtype.is_floating]
            target = np.result_type(*(floats or [np.dtype(x.dtype.as_numpy_dtype) for x in inputs]))
            inputs = [wb.cast(x, target) for x in inputs]
        return wb.concat(inputs, axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None or not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = wb.ones(x.shape, dtype=bool)
            m = wb.cast(m, bool)
            if m.ndim < x.ndim:
                m = wb.broadcast_to(wb.expand_dims(m, -1), x.shape)
            full.append(m)
        return wb.reduce_any(wb.concat(full, axis=self.axis), axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """The dot product of two tensors along ``axes`` (an int, or one per input; the batch axis 0
    is never contracted): ``[b, n] . [b, n] -> [b, 1]``, ``[b, n, d] . [b, m, d]`` with
    ``axes=2`` -> ``[b, n, m]``. ``normalize=True`` L2-normalizes both along ``axes`` first
    (the cosine similarity)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            axes = argcheck.integers(axes, "axes", "Dot", "an integer or a list of 2 integers")
            if len(axes) != 2:
                raise ValueError(f"Dot: axes must be an integer or a list of 2 integers, got {axes!r}")
            self.axes = list(axes)
        else:
            self.axes = argcheck.integer(axes, "axes", "Dot")
        self.normalize = bool(normalize)
        self.supports_masking = False

    def _check_list(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"Dot '{self.name}' takes a list of exactly 2 tensors")

    def _axes_for(self, rx, ry):
        pair = self.axes if isinstance(self.axes, list) else [self.axes, self.axes]
        out = []
        for a, r in zip(pair, (rx, ry)):
            a = a % r if -r <= a < r else None
            if a is None or a == 0:
                raise ValueError(f"Dot '{self.name}': axes {self.axes} must name a non-batch axis of inputs of "
                                 f"ranks {rx} and {ry}")
            out.append(a)
        return out

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f"Dot '{self.name}' takes a list of exactly 2 tensors, got inputs of shape {input_shape}")
        sx, sy = input_shape
        ax, ay = self._axes_for(len(sx), len(sy))
        if sx[ax] is not None and sy[ay] is not None and sx[ax] != sy[ay]:
            raise ValueError(f"Dot '{self.name}': the contracted axes differ in size: {sx} axis {ax} and "
                             f"{sy} axis {ay}")

    def call(self, inputs):
        self._check_list(inputs)
        x, y = inputs
        ax, ay = self._axes_for(x.ndim, y.ndim)
        if self.normalize:
            x = wb.nn.l2_normalize(x, axis=ax)
            y = wb.nn.l2_normalize(y, axis=ay)
        letters = iter("bcdefghijklmnopqrstuvwxyz")
        k = "a"
        xs = ["z"] + [next(letters) for _ in range(x.ndim - 1)]
        ys = ["z"] + [next(letters) for _ in range(y.ndim - 1)]
        xs[ax], ys[ay] = k, k
        out = [c for c in xs if c != k] + [c for c in ys[1:] if c != k]
        res = wb.einsum(f"{''.join(xs)},{''.join(ys)}->{''.join(out)}", x, y)
        return wb.expand_dims(res, 1) if res.ndim == 1 else res

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis=axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """``Dot(axes, normalize, **kwargs)(inputs)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
