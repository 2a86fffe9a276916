"""Keras 3's neural-network ops (``keras.ops.nn``, also ``keras.ops.*``): activations with Keras'
defaults (``gelu`` approximates, ``leaky_relu``'s slope is 0.2), ``one_hot``, ``moments`` and the
cross-entropies, which return one value per example (no reduction over the batch).

>>> from workbench.keras import ops
>>> ops.softmax(ops.zeros((1, 4))).numpy().tolist()
[[0.25, 0.25, 0.25, 0.25]]
"""

from __future__ import annotations

import numpy as np

from ...errors import argcheck
from ...ops import conv as conv_ops, einsum as einsum_ops, elementwise as ew, indexing, nn as nn_ops, pooling, reduce
from ...ops import shape as sh
from .linalg import norm
from .numpy import _dtype, _floating, _t, moveaxis

__all__ = ["average_pool", "batch_normalization", "binary_crossentropy", "categorical_crossentropy", "conv",
           "conv_transpose", "depthwise_conv", "dot_product_attention", "layer_normalization", "rms_normalization", "elu", "gelu", "hard_sigmoid", "hard_silu", "max_pool", "separable_conv",
           "hard_swish", "leaky_relu", "log_sigmoid", "log_softmax", "moments", "multi_hot", "normalize", "one_hot", "relu",
           "relu6", "selu", "sigmoid", "silu", "softmax", "softplus", "softsign",
           "sparse_categorical_crossentropy", "swish",
           "celu", "glu", "hard_shrink", "hard_tanh", "soft_shrink", "sparse_plus", "sparse_sigmoid", "sparsemax",
           "squareplus", "tanh_shrink", "threshold", "depth_to_space", "space_to_depth", "psnr", "ctc_loss", "ctc_decode",
           "fold", "unfold",
           "adaptive_average_pool", "adaptive_max_pool"]

_EPSILON = 1e-7  # Keras' backend epsilon, which clips probabilities in the cross-entropies


def relu(x):
    return nn_ops.relu(_t(x))


def relu6(x):
    return nn_ops.relu6(_t(x))


def sigmoid(x):
    return ew.sigmoid(_floating(_t(x)))


def softplus(x):
    return ew.softplus(_floating(_t(x)))


def softsign(x):
    return nn_ops.softsign(_floating(_t(x)))


def silu(x):
    return nn_ops.silu(_floating(_t(x)))


swish = silu


def log_sigmoid(x):
    return ew.log_sigmoid(_floating(_t(x)))


def elu(x, alpha=1.0):
    x = _floating(_t(x))
    alpha = argcheck.number(alpha, "alpha", "elu")
    out = nn_ops.elu(x)
    return out if alpha == 1.0 else ew.where(x > 0, out, out * np.asarray(alpha, x.dtype))


def selu(x):
    return nn_ops.selu(_floating(_t(x)))


def gelu(x, approximate=True):
    return nn_ops.gelu(_floating(_t(x)), approximate=bool(approximate))


def leaky_relu(x, negative_slope=0.2):
    return nn_ops.leaky_relu(_floating(_t(x)), alpha=argcheck.number(negative_slope, "negative_slope", "leaky_relu"))


def hard_sigmoid(x):
    """``relu6(x + 3) / 6``, Keras 3's hard sigmoid."""
    x = _floating(_t(x))
    return nn_ops.relu6(x + np.asarray(3.0, x.dtype)) / np.asarray(6.0, x.dtype)


def hard_silu(x):
    x = _floating(_t(x))
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def softmax(x, axis=-1):
    x = _floating(_t(x))
    if axis is None:  # over every entry
        return ew.exp(x - reduce.reduce_logsumexp(x, keepdims=True))
    return nn_ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    x = _floating(_t(x))
    if axis is None:
        return x - reduce.reduce_logsumexp(x, keepdims=True)
    return nn_ops.log_softmax(x, axis=axis)


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """``x``'s integer classes as one-hot vectors (float32 unless ``dtype``), along ``axis``."""
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported (sparse tensors are not Keras tensors here)")
    num_classes = argcheck.integer(num_classes, "num_classes", "one_hot", minimum=1)
    x = _t(x)
    if x.dtype.kind not in "iu":  # Keras casts float labels (``y.astype("float32")``) to integers
        x = ew.cast(x, np.int64)
    return indexing.one_hot(x, num_classes, axis=axis, dtype=_dtype(dtype) or np.float32)


def multi_hot(inputs, num_classes, axis=-1, dtype=None, sparse=False):
    """One row per example, 1 at every class it lists (``inputs`` ``[batch, n]`` of integers)."""
    hot = one_hot(inputs, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    x = _t(inputs)
    reduce_axis = -2 if axis == -1 else axis
    return reduce.reduce_max(hot, axis=reduce_axis) if x.ndim > 1 else hot


def moments(x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` of ``x`` over ``axes``."""
    if synchronized:
        raise ValueError("moments: synchronized=True needs a distribution strategy with replicas; use False")
    x = _floating(_t(x))
    axes = [axes] if isinstance(axes, int) else list(axes)
    return nn_ops.moments(x, axes, keepdims=bool(keepdims))


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis``, the norm held at least ``epsilon``
    (``1e-7``), so zero rows stay zero."""
    x = _floating(_t(x))
    eps = np.asarray(_EPSILON if epsilon is None else argcheck.number(epsilon, "epsilon", "normalize"), x.dtype)
    if order == 2:
        inv = ew.minimum(ew.rsqrt(reduce.reduce_sum(ew.square(x), axis=axis, keepdims=True)), 1.0 / eps)
        return x * inv
    return x / ew.maximum(norm(x, ord=order, axis=axis, keepdims=True), eps)


def _check_shapes(target, output, where):
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(f"{where}: target and output must have the same shape, got {tuple(target.shape)} "
                         f"and {tuple(output.shape)}")


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy of probabilities (or logits) ``output``."""
    output = _floating(_t(output))
    target = ew.cast(_t(target), output.dtype)
    _check_shapes(target, output, "binary_crossentropy")
    if from_logits:
        return nn_ops.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    p = ew.clip_by_value(output, np.asarray(_EPSILON, output.dtype), np.asarray(1.0 - _EPSILON, output.dtype))
    return -(target * ew.log(p) + (1.0 - target) * ew.log(1.0 - p))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy over ``axis`` between one-hot (or soft) ``target`` and ``output``."""
    output = _floating(_t(output))
    target = ew.cast(_t(target), output.dtype)
    _check_shapes(target, output, "categorical_crossentropy")
    if from_logits:
        logp = nn_ops.log_softmax(output, axis=axis)
    else:
        p = output / reduce.reduce_sum(output, axis=axis, keepdims=True)
        logp = ew.log(ew.clip_by_value(p, np.asarray(_EPSILON, p.dtype), np.asarray(1.0 - _EPSILON, p.dtype)))
    return -reduce.reduce_sum(target * logp, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy over ``axis`` between integer classes ``target`` and ``output``."""
    output = _floating(_t(output))
    target = _t(target)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = target[..., 0]
    if target.dtype.kind not in "iu":
        target = ew.cast(target, np.int64)
    hot = indexing.one_hot(target, output.shape[axis], axis=axis, dtype=output.dtype)
    return categorical_crossentropy(hot, output, from_logits=from_logits, axis=axis)


# -- convolution and pooling (Keras' kernel layouts, padding and data_format names) ---------------

_TF_FORMATS = {(1, "channels_last"): "NWC", (1, "channels_first"): "NCW", (2, "channels_last"): "NHWC",
               (2, "channels_first"): "NCHW", (3, "channels_last"): "NDHWC", (3, "channels_first"): "NCDHW"}


def _conv_setup(inputs, where, data_format, padding):
    x = _floating(_t(inputs))
    rank = x.ndim - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"{where}: inputs must be 3-D, 4-D or 5-D (batch, spatial dims, channels), got shape "
                         f"{tuple(x.shape)}")
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{where}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    if str(padding).lower() not in ("valid", "same"):
        raise ValueError(f"{where}: padding must be 'valid' or 'same', got {padding!r}")
    return x, rank, data_format, str(padding).upper()


def _per_dim(value, rank, what, where):
    values = [value] * rank if isinstance(value, int) else list(value)
    if len(values) != rank:
        raise ValueError(f"{where}: {what} must be an int or {rank} ints, got {value!r}")
    return [argcheck.integer(v, what, where, minimum=1) for v in values]


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1 to 3 spatial dims); ``kernel`` is ``(spatial..., in_channels, out_channels)``."""
    x, rank, data_format, pad = _conv_setup(inputs, "conv", data_format, padding)
    kernel = ew.cast(_t(kernel), x.dtype)
    return conv_ops.convolution(x, kernel, strides=_per_dim(strides, rank, "strides", "conv"), padding=pad,
                                data_format=_TF_FORMATS[(rank, data_format)],
                                dilations=_per_dim(dilation_rate, rank, "dilation_rate", "conv"))


def _deconv_length(size, kernel, padding, output_padding, stride, dilation):
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        return size * stride + max(kernel - stride, 0) if padding == "VALID" else size * stride
    pad = kernel // 2 if padding == "SAME" else 0
    return (size - 1) * stride + kernel - 2 * pad + output_padding


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Transposed convolution; ``kernel`` is ``(spatial..., out_channels, in_channels)``; the output
    size follows Keras (``output_padding`` fixes it when strides leave a choice)."""
    x, rank, data_format, pad = _conv_setup(inputs, "conv_transpose", data_format, padding)
    kernel = ew.cast(_t(kernel), x.dtype)
    strides = _per_dim(strides, rank, "strides", "conv_transpose")
    dilations = _per_dim(dilation_rate, rank, "dilation_rate", "conv_transpose")
    extra = [None] * rank if output_padding is None else (
        [output_padding] * rank if isinstance(output_padding, int) else list(output_padding))
    spatial = x.shape[1:-1] if data_format == "channels_last" else x.shape[2:]
    sizes = [_deconv_length(n, k, pad, e, s, d)
             for n, k, e, s, d in zip(spatial, kernel.shape[:rank], extra, strides, dilations)]
    channels = kernel.shape[rank]
    out_shape = ([x.shape[0]] + sizes + [channels] if data_format == "channels_last"
                 else [x.shape[0], channels] + sizes)
    return conv_ops.conv_transpose(x, kernel, out_shape, strides, padding=pad,
                                   data_format=_TF_FORMATS[(rank, data_format)], dilations=dilations)


def _as_2d(x, rank, data_format):
    """A 1-D convolution's input with a unit height, so that the 2-D kernels serve it."""
    return sh.expand_dims(x, 1 if data_format == "channels_last" else 2) if rank == 1 else x


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution (1 or 2 spatial dims); ``kernel`` is ``(spatial..., in_channels,
    channel_multiplier)``."""
    x, rank, data_format, pad = _conv_setup(inputs, "depthwise_conv", data_format, padding)
    if rank == 3:
        raise ValueError("depthwise_conv: 3-D inputs are not supported (1 or 2 spatial dims)")
    kernel = ew.cast(_t(kernel), x.dtype)
    strides = _per_dim(strides, rank, "strides", "depthwise_conv")
    dilations = _per_dim(dilation_rate, rank, "dilation_rate", "depthwise_conv")
    if rank == 1:
        kernel, strides, dilations = sh.expand_dims(kernel, 0), [1] + strides, [1] + dilations
    fmt = "NHWC" if data_format == "channels_last" else "NCHW"
    full_strides = [1] + strides + [1] if fmt == "NHWC" else [1, 1] + strides
    out = conv_ops.depthwise_conv2d(_as_2d(x, rank, data_format), kernel, full_strides, pad, data_format=fmt,
                                    dilations=dilations)
    return sh.squeeze(out, [1 if data_format == "channels_last" else 2]) if rank == 1 else out


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """A depthwise convolution followed by a pointwise (1x1) one (1 or 2 spatial dims)."""
    x = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    pointwise = ew.cast(_t(pointwise_kernel), x.dtype)
    return conv(x, pointwise, 1, "valid", data_format)


def _pool(inputs, pool_size, strides, padding, data_format, kind, where):
    x, rank, data_format, pad = _conv_setup(inputs, where, data_format, padding)
    window = _per_dim(pool_size, rank, "pool_size", where)
    steps = window if strides is None else _per_dim(strides, rank, "strides", where)
    return pooling.pool(x, window, kind, strides=steps, padding=pad, data_format=_TF_FORMATS[(rank, data_format)])


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over 1 to 3 spatial dims (``strides`` defaults to ``pool_size``)."""
    return _pool(inputs, pool_size, strides, padding, data_format, "MAX", "max_pool")


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over 1 to 3 spatial dims; with ``"same"`` padding the edges average only
    the entries inside the input, as TF does."""
    return _pool(inputs, pool_size, strides, padding, data_format, "AVG", "average_pool")


# -- normalization and attention -------------------------------------------------------------------

def _along(v, x, axis):
    """A 1-D ``v`` shaped to broadcast along ``axis`` of ``x``."""
    v = ew.cast(_t(v), x.dtype)
    if v.ndim != 1:
        return v
    return sh.reshape(v, [-1 if d == axis else 1 for d in range(x.ndim)])


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, the 1-D statistics laid along ``axis``."""
    x = _floating(_t(x))
    axis = argcheck.axis(axis, x.ndim, "batch_normalization")
    out = (x - _along(mean, x, axis)) * ew.rsqrt(_along(variance, x, axis) + np.asarray(epsilon, x.dtype))
    if scale is not None:
        out = out * _along(scale, x, axis)
    if offset is not None:
        out = out + _along(offset, x, axis)
    return out


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None):
    """``x`` normalized to zero mean and unit variance over ``axis``, then ``* gamma + beta``."""
    x = _floating(_t(x))
    eps = np.asarray(_EPSILON if epsilon is None else epsilon, x.dtype)
    mean, var = nn_ops.moments(x, [axis] if isinstance(axis, int) else list(axis), keepdims=True)
    out = (x - mean) * ew.rsqrt(var + eps)
    if gamma is not None:
        out = out * ew.cast(_t(gamma), x.dtype)
    if beta is not None:
        out = out + ew.cast(_t(beta), x.dtype)
    return out


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x / sqrt(mean(x**2, axis) + epsilon) * scale``."""
    x = _floating(_t(x))
    eps = np.asarray(_EPSILON if epsilon is None else epsilon, x.dtype)
    out = x * ew.rsqrt(reduce.reduce_mean(ew.square(x), axis=axis, keepdims=True) + eps)
    return out if scale is None else out * ew.cast(_t(scale), x.dtype)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention: ``query`` ``(batch, T, heads, dim)``, ``key``/``value``
    ``(batch, S, kv_heads, dim)`` (``kv_heads`` dividing ``heads``: grouped-query attention; the
    batch axis may be left out). ``mask`` (broadcast to ``(batch, heads, T, S)``) keeps the
    True positions, ``is_causal`` lets position ``t`` see ``s <= t``."""
    if flash_attention:
        raise ValueError("dot_product_attention: flash_attention=True is not available here; leave it None")
    q, k, v = _floating(_t(query)), _floating(_t(key)), _floating(_t(value))
    single = q.ndim == 3
    if single:
        q, k, v = (sh.expand_dims(t, 0) for t in (q, k, v))
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(f"dot_product_attention: query, key and value must be 3-D or 4-D, got shapes "
                         f"{tuple(_t(query).shape)}, {tuple(_t(key).shape)}, {tuple(_t(value).shape)}")
    heads, kv_heads = q.shape[2], k.shape[2]
    if heads % kv_heads:
        raise ValueError(f"dot_product_attention: the query's {heads} heads must be a multiple of the key's "
                         f"{kv_heads}")
    if kv_heads != heads:
        k, v = indexing.repeat(k, heads // kv_heads, axis=2), indexing.repeat(v, heads // kv_heads, axis=2)
    factor = 1.0 / np.sqrt(q.shape[-1]) if scale is None else argcheck.number(scale, "scale", "dot_product_attention")
    logits = einsum_ops.einsum("btnh,bsnh->bnts", q, k) * np.asarray(factor, q.dtype)
    if attn_logits_soft_cap is not None:
        cap = np.asarray(attn_logits_soft_cap, q.dtype)
        logits = ew.tanh(logits / cap) * cap
    if bias is not None:
        logits = logits + ew.cast(_t(bias), q.dtype)
    keep = None if mask is None else ew.cast(_t(mask), bool)
    if is_causal:
        t, s_len = logits.shape[-2:]
        causal = _t(np.tril(np.ones((t, s_len), bool)))
        keep = causal if keep is None else ew.logical_and(keep, causal)
    if keep is not None:
        logits = ew.where(keep, logits, ew.cast(_t(np.finfo(np.float32).min / 2), q.dtype))
    weights = nn_ops.softmax(logits, axis=-1)
    out = einsum_ops.einsum("bnts,bsnh->btnh", weights, v)
    return out[0] if single else out


# -- Keras 3.15's further activations ----------------------------------------------------------

def _c(value, x):
    return np.asarray(value, x.dtype)


def celu(x, alpha=1.0):
    """``max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0)``."""
    x = _floating(_t(x))
    alpha = argcheck.number(alpha, "alpha", "celu")
    a = _c(alpha, x)
    return nn_ops.relu(x) + ew.minimum(a * ew.expm1(x / a), _c(0, x))


def glu(x, axis=-1):
    """Gated linear unit: ``x`` halved along ``axis`` into ``a, b``, then ``a * sigmoid(b)``."""
    x = _floating(_t(x))
    axis = argcheck.axis(axis, x.ndim, "glu")
    n = x.shape[axis]
    if n is not None and n % 2:
        raise ValueError(f"glu: axis {axis} of x must have an even size, got shape {tuple(x.shape)}")
    a, b = sh.split(x, 2, axis=axis)
    return a * ew.sigmoid(b)


def hard_tanh(x):
    """``x`` clipped to [-1, 1]."""
    x = _floating(_t(x))
    return ew.minimum(ew.maximum(x, _c(-1, x)), _c(1, x))


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    x = _floating(_t(x))
    threshold = argcheck.number(threshold, "threshold", "hard_shrink")
    return ew.where(ew.greater(ew.abs(x), _c(threshold, x)), x, ew.zeros_like(x))


def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    x = _floating(_t(x))
    threshold = argcheck.number(threshold, "threshold", "soft_shrink")
    t = _c(threshold, x)
    return ew.where(ew.greater(x, t), x - t, ew.where(ew.less(x, -t), x + t, ew.zeros_like(x)))


def tanh_shrink(x):
    """``x - tanh(x)``."""
    x = _floating(_t(x))
    return x - ew.tanh(x)


def sparse_plus(x):
    """0 for ``x <= -1``, ``x`` for ``x >= 1``, ``(x + 1)**2 / 4`` between."""
    x = _floating(_t(x))
    mid = ew.square(x + _c(1, x)) / _c(4, x)
    return ew.where(ew.less_equal(x, _c(-1, x)), ew.zeros_like(x), ew.where(ew.less(x, _c(1, x)), mid, x))


def sparse_sigmoid(x):
    """0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` between."""
    x = _floating(_t(x))
    mid = (x + _c(1, x)) / _c(2, x)
    return ew.where(ew.less_equal(x, _c(-1, x)), ew.zeros_like(x),
                    ew.where(ew.greater_equal(x, _c(1, x)), ew.ones_like(x), mid))


def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``."""
    x = _floating(_t(x))
    b = argcheck.number(b, "b", "squareplus")
    return (x + ew.sqrt(ew.square(x) + _c(b, x))) / _c(2, x)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    x = _t(x)
    return ew.where(ew.greater(x, _c(threshold, x)), x, ew.zeros_like(x) + _c(default_value, x))


def sparsemax(x, axis=-1):
    """Sparsemax (Martins & Astudillo 2016): the Euclidean projection of ``x`` onto the simplex
    along ``axis``; entries below a data-dependent threshold become exactly 0."""
    x = _floating(_t(x))
    axis = argcheck.axis(axis, x.ndim, "sparsemax")
    z = moveaxis(x, axis, -1) if axis != x.ndim - 1 else x
    zs = ew.negative(indexing.sort(ew.negative(z), axis=-1))  # descending
    cs = reduce.cumsum(zs, axis=-1)
    n = z.shape[-1]
    k = np.arange(1, n + 1, dtype=x.dtype)
    support = ew.cast(ew.greater(_c(1, x) + k * zs, cs), x.dtype)
    count = reduce.reduce_sum(support, axis=-1, keepdims=True)
    tau = (reduce.reduce_sum(support * zs, axis=-1, keepdims=True) - _c(1, x)) / count
    out = nn_ops.relu(z - tau)
    return moveaxis(out, -1, axis) if axis != x.ndim - 1 else out



def _block_format(data_format, name):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{name}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    return "NHWC" if data_format == "channels_last" else "NCHW"


def _nchw_via_nhwc(fn, x, block_size, fmt):
    if fmt == "NHWC":
        return fn(x, block_size)
    return sh.transpose(fn(sh.transpose(x, [0, 2, 3, 1]), block_size), [0, 3, 1, 2])


def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves blocks of channels of the 4-D ``x`` into ``block_size x block_size`` spatial blocks."""
    x = _t(x)
    fmt = _block_format(data_format, "depth_to_space")
    block_size = argcheck.integer(block_size, "block_size", "depth_to_space", minimum=2)
    return _nchw_via_nhwc(lambda v, b: nn_ops.depth_to_space(v, b), x, block_size, fmt)


def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves ``block_size x block_size`` spatial blocks of the 4-D ``x`` into channels."""
    x = _t(x)
    fmt = _block_format(data_format, "space_to_depth")
    block_size = argcheck.integer(block_size, "block_size", "space_to_depth", minimum=2)
    return _nchw_via_nhwc(lambda v, b: nn_ops.space_to_depth(v, b), x, block_size, fmt)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio over all entries: ``20 log10(max_val) - 10 log10(mean((x1 - x2)**2))``."""
    a, b = _t(x1), _t(x2)
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"psnr: x1 and x2 must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    a, b = _floating(a), _floating(b)
    mse = reduce.reduce_mean(ew.square(a - b))
    ln10 = np.asarray(np.log(10.0), b.dtype)
    m = ew.cast(_t(max_val), b.dtype)
    return np.asarray(20, b.dtype) * ew.log(m) / ln10 - np.asarray(10, b.dtype) * ew.log(mse) / ln10


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC loss per example of the dense int ``target`` ``(batch, max_label)`` against the logits
    ``output`` ``(batch, time, classes)`` (blank class ``mask_index``)."""
    target = ew.cast(_t(target), np.int32)
    output = _floating(_t(output))
    from ...nn.ctc import ctc_loss as _ctc_loss  # noqa: PLC0415  (lazy: the CTC kernels load only when used)
    return _ctc_loss(labels=target, logits=output, label_length=_t(target_length),
                           logit_length=_t(output_length), blank_index=mask_index, logits_time_major=False)


def _adaptive_pool(inputs, output_size, data_format, kind, name):
    x = _t(inputs)
    fmt = "channels_last" if data_format is None else data_format
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"{name}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    nd = x.ndim - 2
    if nd not in (1, 2, 3):
        raise ValueError(f"{name}: inputs must be 3-D, 4-D or 5-D (batch, spatial..., channels), got shape "
                         f"{tuple(x.shape)}")
    sizes = (output_size,) * nd if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != nd:
        raise ValueError(f"{name}: output_size must have {nd} entries, got {output_size!r}")
    first = 2 if fmt == "channels_first" else 1
    fn = reduce.reduce_mean if kind == "avg" else reduce.reduce_max
    if kind == "avg":
        x = _floating(x)
    for k, out in enumerate(sizes):
        axis = first + k
        n = x.shape[axis]
        parts = []
        for i in range(out):   # bins [floor(i n / out), ceil((i + 1) n / out))
            lo, hi = (i * n) // out, -((-(i + 1) * n) // out)
            piece = sh.split(x, [lo, hi - lo, n - hi], axis=axis)[1]
            parts.append(fn(piece, axis=axis, keepdims=True))
        x = sh.concat(parts, axis=axis)
    return x


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed ``output_size``: bin ``i`` of ``n`` entries covers
    ``[floor(i n / out), ceil((i + 1) n / out))``."""
    return _adaptive_pool(inputs, output_size, data_format, "avg", "adaptive_average_pool")


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed ``output_size`` (the bins of :func:`adaptive_average_pool`)."""
    return _adaptive_pool(inputs, output_size, data_format, "max", "adaptive_max_pool")


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """Decode CTC logits ``inputs`` ``(batch, time, classes)`` (blank class ``mask_index``):
    ``(decoded, scores)``, ``decoded`` int32 ``(paths, batch, time)`` padded with -1 (one path
    for ``"greedy"``, ``top_paths`` for ``"beam_search"``); ``scores`` is ``(batch, 1)``, the
    negated sum of each step's largest logit (greedy), or ``(batch, top_paths)`` log-probabilities."""
    from ... import nn as tfnn, sparse  # noqa: PLC0415  (lazy: the CTC decoders load only when used)
    x = _t(inputs)
    if x.ndim != 3:
        raise ValueError(f"ctc_decode: inputs must be (batch, time, classes), got shape {tuple(x.shape)}")
    if x.dtype.kind != "f" or x.dtype.itemsize < 4:
        x = ew.cast(x, np.float32)
    batch, steps, classes = x.shape
    x = sh.transpose(x, [1, 0, 2])
    lengths = ew.cast(_t(sequence_lengths), np.int32)
    if strategy == "greedy":
        decoded, scores = tfnn.ctc_greedy_decoder(x, lengths, merge_repeated=bool(merge_repeated),
                                                  blank_index=mask_index)
    elif strategy == "beam_search":
        mask = None if mask_index is None else mask_index % classes
        if mask is not None:   # TF's beam search takes the last class as the blank
            order = [c for c in range(classes) if c != mask] + [mask]
            x = indexing.gather(x, order, axis=2)
        decoded, scores = tfnn.ctc_beam_search_decoder(x, lengths, beam_width=beam_width, top_paths=top_paths)
    else:
        raise ValueError(f"ctc_decode: strategy must be 'greedy' or 'beam_search', got {strategy!r}")
    dense = []
    for st in decoded:
        st = sparse.SparseTensor(st.indices, st.values, [batch, steps])
        dense.append(ew.cast(sparse.to_dense(st, default_value=-1), np.int32))
    out = sh.stack(dense, axis=0)
    if strategy == "beam_search" and mask is not None:   # the labels past the blank move back up
        out = ew.add(out, ew.cast(ew.greater_equal(out, mask), np.int32))
    return out, scores


def _pair(value, name, where, minimum):
    values = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != 2:
        raise ValueError(f"{where}: {name} must be an int or a pair of ints, got {value!r}")
    return tuple(argcheck.integer(v, name, where, minimum=minimum) for v in values)


def _blocks(height, width, kernel_size, dilation, padding, stride, where):
    kh, kw = _pair(kernel_size, "kernel_size", where, 1)
    dh, dw = _pair(dilation, "dilation", where, 1)
    ph, pw = _pair(padding, "padding", where, 0)
    sh_, sw = _pair(stride, "stride", where, 1)
    oh = (height + 2 * ph - dh * (kh - 1) - 1) // sh_ + 1
    ow = (width + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if oh < 1 or ow < 1:
        raise ValueError(f"{where}: the kernel ({kh}, {kw}) with dilation ({dh}, {dw}) does not fit the padded "
                         f"input ({height + 2 * ph}, {width + 2 * pw})")
    return (kh, kw), (dh, dw), (ph, pw), (sh_, sw), (oh, ow)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """The sliding ``kernel_size`` blocks of a channels-first image batch ``(N, C, H, W)``
    (im2col): ``(N, C * kH * kW, L)``, each column one block, channel-major."""
    x = _t(x)
    if x.ndim != 4:
        raise ValueError(f"unfold: x must be 4-D (N, C, H, W), got shape {tuple(x.shape)}")
    n, c, h, w = x.shape
    (kh, kw), (dh, dw), (ph, pw), (sh_, sw), (oh, ow) = _blocks(h, w, kernel_size, dilation, padding, stride,
                                                               "unfold")
    if ph or pw:
        x = indexing.pad(x, [[0, 0], [0, 0], [ph, ph], [pw, pw]])
    parts = [x[:, :, i * dh:i * dh + sh_ * (oh - 1) + 1:sh_, j * dw:j * dw + sw * (ow - 1) + 1:sw]
             for i in range(kh) for j in range(kw)]
    return sh.reshape(sh.stack(parts, axis=2), [n, c * kh * kw, oh * ow])


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The image ``(N, C, oH, oW)`` whose :func:`unfold` blocks are ``x`` ``(N, C * kH * kW, L)``,
    overlapping entries summed (col2im)."""
    x = _t(x)
    if x.ndim != 3:
        raise ValueError(f"fold: x must be 3-D (N, C * kH * kW, L), got shape {tuple(x.shape)}")
    height, width = _pair(output_size, "output_size", "fold", 1)
    (kh, kw), (dh, dw), (ph, pw), (sh_, sw), (oh, ow) = _blocks(height, width, kernel_size, dilation, padding,
                                                               stride, "fold")
    n, ckk, blocks = x.shape
    if ckk % (kh * kw) or blocks != oh * ow:
        raise ValueError(f"fold: x of shape {tuple(x.shape)} does not hold C * {kh * kw} rows and {oh * ow} blocks "
                         f"for output_size {(height, width)}")
    c = ckk // (kh * kw)
    rows = (np.arange(kh)[:, None, None, None] * dh + np.arange(oh)[None, None, :, None] * sh_)
    cols = (np.arange(kw)[None, :, None, None] * dw + np.arange(ow)[None, None, None, :] * sw)
    rows, cols = np.broadcast_arrays(rows, cols)
    idx = np.stack([rows.reshape(-1), cols.reshape(-1)], axis=1).astype(np.int64)
    updates = sh.transpose(sh.reshape(x, [n, c, kh * kw * oh * ow]), [2, 0, 1])
    out = indexing.scatter_nd(_t(idx), updates, [height + 2 * ph, width + 2 * pw, n, c])
    out = sh.transpose(out, [2, 3, 0, 1])
    return out[:, :, ph:ph + height, pw:pw + width]
