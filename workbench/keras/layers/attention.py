"""Attention layers with Keras' weights, call signatures and masking: MultiHeadAttention, and the
single-head Attention (dot-product, Luong) and AdditiveAttention (Bahdanau).

``mha(query, value, key=None, attention_mask=None)``: query ``[B, T, dim]``,
value (and key, default: value) ``[B, S, dim_v]``; the output is ``[B, T, dim]``
(``output_shape`` overrides the last size). ``attention_mask`` ``[B, T, S]``
(True = may attend) hides the rest.

Padding masks are derived as in Keras: ``query_mask`` ``[B, T]`` and
``value_mask``/``key_mask`` ``[B, S]`` (True = a real position) are combined
with ``attention_mask`` and the causal mask, so no query attends to padded keys.
RaggedTensor queries/values (``[B, None, dim]``) carry their lengths: they are
padded inside the layer and masked automatically, and a ragged query gives a
ragged output with the same row lengths. A functional ``wb.keras.Model`` passes
the masks of its tensors (e.g. from ``Embedding(mask_zero=True)``) as
``query_mask``/``value_mask``/``key_mask``.

>>> mha = wb.keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
>>> x = wb.ones([1, 3, 8])
>>> mha(x, x).shape
(1, 3, 8)
"""

from __future__ import annotations

import math

import numpy as np

import workbench as wb
from workbench.errors import argcheck

from ... import random as wb_random
from .base import Layer, is_ragged
from .core import EinsumDense, _weight_args
import ragged

__all__ = ["AdditiveAttention", "Attention", "MultiHeadAttention"]


class MultiHeadAttention(Layer):
    """Scaled dot-product attention over ``num_heads`` heads.

    Weights (Keras' layout): ``query/key/value`` kernels ``[dim, num_heads, key_dim]``
    (value: ``value_dim``) with biases ``[num_heads, key_dim]``; ``attention_output``
    kernel ``[num_heads, value_dim, dim]`` with bias ``[dim]``.
    ``dropout`` applies to the attention probabilities while training.
    """
    _promote_int_inputs = True   # Keras 3's ops give a floating result for integer inputs here

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = argcheck.integer(num_heads, "num_heads", "MultiHeadAttention", minimum=1)
        self.key_dim = argcheck.integer(key_dim, "key_dim", "MultiHeadAttention", minimum=1)
        self.value_dim = (self.key_dim if value_dim is None
                          else argcheck.integer(value_dim, "value_dim", "MultiHeadAttention", minimum=1))
        self.dropout = argcheck.number(dropout, "dropout", "MultiHeadAttention")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"MultiHeadAttention: dropout must be in [0, 1), got {dropout!r}")
        self.use_bias = bool(use_bias)
        self.output_shape = output_shape
        self._common = dict(kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer)
        self.seed = seed
        self._rng = None if seed is None else wb_random.Generator.from_seed(seed)
        self.supports_masking = True   # the output keeps the query's mask

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

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
        ragged_query = query if is_ragged(query) else None
        query, query_mask = _padded(query, query_mask, "query", self)
        value, value_mask = _padded(value, value_mask, "value", self)
        if key is not None:
            key, key_mask = _padded(key, key_mask, "key", self)
        else:
            key = value
        for what, t in (("query", query), ("value", value), ("key", key)):
            if t.ndim != 3:
                raise ValueError(f"MultiHeadAttention '{self.name}': {what} must be [batch, time, dim], "
                                 f"got shape {t.shape}")
        q = self.query_dense(query) * (1.0 / math.sqrt(self.key_dim))   # [B, T, H, K]
        k = self.key_dense(key)                                         # [B, S, H, K]
        v = self.value_dense(value)                                     # [B, S, H, V]
        scores = wb.einsum("aecd,abcd->acbe", k, q)                     # [B, H, T, S]
        mask = self._mask(attention_mask, query_mask, value_mask, key_mask, use_causal_mask,
                          query.shape[1], key.shape[1])
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
        if ragged_query is not None:
            out = ragged.RaggedTensor.from_tensor(out, lengths=ragged_query.row_lengths())
        return (out, probs) if return_attention_scores else out

    def _mask(self, attention_mask, query_mask, value_mask, key_mask, causal, t, s):
        """Keras' combination: ``attention_mask & query_mask[:, :, None] & value_mask[:, None, :]
        & key_mask[:, None, :] & causal``, each part optional; None when there is none."""
        mask = None
        if attention_mask is not None:
            mask = _bool(attention_mask)
            if mask.ndim == 2:
                mask = mask[:, None, :]
        if query_mask is not None:
            mask = _and(mask, _bool(query_mask)[:, :, None])
        for m in (value_mask, key_mask):
            if m is not None:
                mask = _and(mask, _bool(m)[:, None, :])
        if causal:
            mask = _and(mask, wb.constant(np.tril(np.ones((t, s), dtype=bool)))[None])
        return mask

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": self.output_shape,
                **_weight_args(self, "kernel", "bias", source=self._common), "seed": self.seed}


def _bool(mask):
    mask = wb.convert_to_tensor(mask)
    return mask if mask.dtype.kind == "b" else wb.not_equal(mask, 0)


def _and(a, b):
    return b if a is None else wb.logical_and(a, b)


def _padded(x, mask, what, layer):
    """A dense ``[B, T, dim]`` tensor and its ``[B, T]`` mask: a RaggedTensor is padded and its
    mask comes from the row lengths (combined with an explicit ``mask`` if given)."""
    if not is_ragged(x):
        return x, mask
    if x.ragged_rank != 1:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': a ragged {what} must be [batch, None, dim] "
                         f"(ragged_rank 1), got shape {x.shape}")
    dense = x.to_tensor()
    lengths = x.row_lengths()
    steps = wb.range(dense.shape[1], dtype=lengths.dtype)
    own = wb.less(steps[None, :], lengths[:, None])
    return dense, own if mask is None else wb.logical_and(_bool(mask), own)


class Attention(Layer):
    """Keras' ``Attention``: ``layer([query, value])`` or ``layer([query, value, key])``.

    query ``[B, Tq, dim]``, value ``[B, Tv, dim_v]``, key (default: value) ``[B, Tv, dim]``;
    the output is ``softmax(scores) @ value`` ``[B, Tq, dim_v]``. ``score_mode="dot"``:
    ``scores = query @ key^T`` (times a learned scalar ``scale``, initially 1, with
    ``use_scale``); ``"concat"``: ``scores = concat_score_weight * sum(tanh(scale * (q_i + k_j)))``.
    ``mask=[query_mask, value_mask]`` (``[B, Tq]``, ``[B, Tv]``, True = a real position):
    padded values get no weight and padded queries output zeros; ``use_causal_mask=True``
    lets query ``i`` see values ``j <= i`` only. ``dropout`` applies to the attention
    weights while training; ``return_attention_scores=True`` also returns those weights
    ``[B, Tq, Tv]``. The output's mask is the query mask. RaggedTensor queries, values and keys
    (``[B, None, dim]``) are padded inside and masked by their row lengths; a ragged query gives a
    ragged output.

    >>> q, v = wb.ones([2, 3, 4]), wb.ones([2, 5, 4])
    >>> wb.keras.layers.Attention()([q, v]).shape
    (2, 3, 4)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{type(self).__name__}: score_mode must be 'dot' or 'concat', got {score_mode!r}")
        self.use_scale, self.score_mode = bool(use_scale), score_mode
        self.dropout = argcheck.number(dropout, "dropout", type(self).__name__)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1), got {dropout!r}")
        self.seed = seed
        self._rng = None if seed is None else wb_random.Generator.from_seed(seed)
        self.supports_masking = True

    def build(self, input_shape):
        _check_attention_inputs(self, input_shape)
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones") if self.use_scale else None
        self.concat_score_weight = (self.add_weight(name="concat_score_weight", shape=(), initializer="ones")
                                    if self.score_mode == "concat" else None)

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = wb.matmul(query, key, transpose_b=True)
            return scores if self.scale is None else scores * self.scale
        pair = query[:, :, None, :] + key[:, None, :, :]                 # [B, Tq, Tv, dim]
        if self.scale is not None:
            pair = self.scale * pair
        return self.concat_score_weight * wb.reduce_sum(wb.nn.tanh(pair), axis=-1)

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        _check_attention_inputs(self, inputs, mask)
        query_mask, value_mask = (mask[0], mask[1]) if mask else (None, None)
        ragged_query = inputs[0] if is_ragged(inputs[0]) else None
        query, query_mask = _padded(inputs[0], query_mask, "query", self)
        value, value_mask = _padded(inputs[1], value_mask, "value", self)
        key = value
        if len(inputs) > 2:
            key, key_mask = _padded(inputs[2], None, "key", self)
            if key_mask is not None:
                value_mask = _and(value_mask, key_mask)
        scores = self._scores(query, key)
        allowed = None if value_mask is None else _bool(value_mask)[:, None, :]
        if use_causal_mask:
            causal = wb.constant(np.tril(np.ones((scores.shape[-2], scores.shape[-1]), dtype=bool)))[None]
            allowed = causal if allowed is None else wb.logical_and(allowed, causal)
        if allowed is not None:
            big = 65504.0 if scores.dtype == np.float16 else 1e9
            scores = scores - big * wb.cast(wb.logical_not(allowed), scores.dtype)
        weights = wb.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            rng = self._rng or wb_random.get_global_generator()
            weights = wb.nn.experimental.stateless_dropout(weights, self.dropout, rng.make_seeds(1)[:, 0])
        out = wb.matmul(weights, value)
        if query_mask is not None:
            out = out * wb.cast(_bool(query_mask), out.dtype)[:, :, None]
        if ragged_query is not None:
            out = ragged.RaggedTensor.from_tensor(out, lengths=ragged_query.row_lengths())
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        if not mask or mask[0] is None or is_ragged(inputs[0]):
            return None
        return wb.convert_to_tensor(mask[0])

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode,
                "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Keras' ``AdditiveAttention`` (Bahdanau): ``scores[i, j] = sum(scale * tanh(q_i + k_j))`` with a
    learned ``scale`` ``[dim]`` (glorot_uniform) when ``use_scale=True`` (the default), else the
    plain sum; masks, dropout and the call are those of :class:`Attention`.

    >>> q, v = wb.ones([2, 3, 4]), wb.ones([2, 5, 4])
    >>> wb.keras.layers.AdditiveAttention()([q, v]).shape
    (2, 3, 4)
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        _check_attention_inputs(self, input_shape)
        dim = input_shape[2][-1] if len(input_shape) > 2 else input_shape[1][-1]
        self.scale = (self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform")
                      if self.use_scale else None)
        self.concat_score_weight = None

    def _scores(self, query, key):
        pair = wb.nn.tanh(query[:, :, None, :] + key[:, None, :, :])     # [B, Tq, Tv, dim]
        return wb.reduce_sum(pair if self.scale is None else self.scale * pair, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config


def _check_attention_inputs(layer, inputs, mask=None):
    where = f"{type(layer).__name__} '{layer.name}'"
    if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
        raise ValueError(f"{where} must be called on a list [query, value] or [query, value, key], got "
                         f"{type(inputs).__name__}" + (f" of length {len(inputs)}"
                                                       if isinstance(inputs, (list, tuple)) else ""))
    if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
        raise ValueError(f"{where}: mask must be a list [query_mask, value_mask], got {mask!r}")
