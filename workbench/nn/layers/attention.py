"""MultiHeadAttention with Keras' weights, call signature and masking.

``mha(query, value, key=None, attention_mask=None)``: query ``[B, T, dim]``,
value (and key, default: value) ``[B, S, dim_v]``; the output is ``[B, T, dim]``
(``output_shape`` overrides the last size). ``attention_mask`` ``[B, T, S]``
(True = may attend) hides the rest.

>>> mha = wb.nn.layers.MultiHeadAttention(num_heads=2, key_dim=4)
>>> x = wb.ones([1, 3, 8])
>>> mha(x, x).shape
(1, 3, 8)
"""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from ... import random as wb_random
from .base import Layer
from .core import EinsumDense

__all__ = ["MultiHeadAttention"]


class MultiHeadAttention(Layer):
    """Scaled dot-product attention over ``num_heads`` heads.

    Weights (Keras' layout): ``query/key/value`` kernels ``[dim, num_heads, key_dim]``
    (value: ``value_dim``) with biases ``[num_heads, key_dim]``; ``attention_output``
    kernel ``[num_heads, value_dim, dim]`` with bias ``[dim]``.
    ``dropout`` applies to the attention probabilities while training.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim is not None else self.key_dim
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.output_shape = output_shape
        self._common = dict(kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer)
        self._rng = None if seed is None else wb_random.Generator.from_seed(seed)

    def build(self, input_shape):
        dim = input_shape[-1]
        out = self.output_shape if self.output_shape is not None else dim
        bias = "de" if self.use_bias else None
        h = self.num_heads
        self.query_dense = EinsumDense("abc,cde->abde", (None, h, self.key_dim), bias_axes=bias,
                                       name="query", **self._common)
        self.key_dense = EinsumDense("abc,cde->abde", (None, h, self.key_dim), bias_axes=bias,
                                     name="key", **self._common)
        self.value_dense = EinsumDense("abc,cde->abde", (None, h, self.value_dim), bias_axes=bias,
                                       name="value", **self._common)
        self.output_dense = EinsumDense("abcd,cde->abe", (None, out), bias_axes="e" if self.use_bias else None,
                                        name="attention_output", **self._common)

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False,
             training=None, use_causal_mask=False):
        if key is None:
            key = value
        for what, t in (("query", query), ("value", value), ("key", key)):
            if t.ndim != 3:
                raise ValueError(f"MultiHeadAttention '{self.name}': {what} must be [batch, time, dim], "
                                 f"got shape {t.shape}")
        q = self.query_dense(query) * (1.0 / math.sqrt(self.key_dim))   # [B, T, H, K]
        k = self.key_dense(key)                                         # [B, S, H, K]
        v = self.value_dense(value)                                     # [B, S, H, V]
        scores = wb.einsum("aecd,abcd->acbe", k, q)                     # [B, H, T, S]
        mask = self._mask(attention_mask, use_causal_mask, query.shape[1], key.shape[1])
        if mask is not None:
            # Keras' masked softmax: a large negative number added where attending is not allowed
            big = -65500.0 if scores.dtype == np.float16 else -1e9
            scores = scores + (1.0 - wb.cast(mask[:, None], scores.dtype)) * big
        probs = wb.nn.softmax(scores, axis=-1)
        dropped = probs
        if training and self.dropout > 0:
            rng = self._rng or wb_random.get_global_generator()
            dropped = wb.nn.experimental.stateless_dropout(probs, self.dropout, rng.make_seeds(1)[:, 0])
        context = wb.einsum("acbe,aecd->abcd", dropped, v)              # [B, T, H, V]
        out = self.output_dense(context)
        return (out, probs) if return_attention_scores else out

    def _mask(self, attention_mask, causal, t, s):
        mask = None
        if attention_mask is not None:
            mask = wb.convert_to_tensor(attention_mask)
            if mask.dtype.kind != "b":
                mask = wb.not_equal(mask, 0)
            if mask.ndim == 2:
                mask = mask[:, None, :]
        if causal:
            tri = wb.constant(np.tril(np.ones((t, s), dtype=bool)))[None]
            mask = tri if mask is None else wb.logical_and(mask, tri)
        return mask

