"""Neural-network ops under TF's ``tf.nn`` names: activations, softmax, cross-entropies,
normalization, embedding lookup; convolution and pooling live in ``conv.py``.

Activations and softmax are primitives whose derivatives follow TF's kernels
(``relu'(0) = 0``; ``elu``/``selu`` derivatives read from the output). Losses
and normalizations are composed from primitives, in the numerically stable
forms TF uses (max-shifted softmax, ``softplus`` for the sigmoid
cross-entropy), so their gradients come from the parts.
"""

from __future__ import annotations

import collections
import math

import numpy as np

from .. import backend, core
from ..errors import argcheck
from ..core import Tensor, apply, convert_to_tensor
from ..errors import InvalidArgumentError
from ._define import defop, unary
from .rules import ARRAYS, TENSORS, softmax_arrays
from .conv import avg_pool2d, conv2d, conv2d_transpose, depthwise_conv2d, max_pool2d
from .elementwise import (
    abs as _abs, add, add_n, divide_no_nan, cast, equal, erf, erfc, exp, greater, greater_equal, less, log, log1p, logical_and, maximum, negative,
    ones_like, reciprocal, rsqrt, sigmoid, softplus, sqrt, square, squared_difference, tanh, where, zeros_like,
)
from .reduce import _axes, reduce_max, reduce_mean, reduce_min, reduce_sum
from .indexing import gather, pad
from .linalg import matmul
from .segment import segment_mean, unsorted_segment_mean
from .shape import concat, expand_dims, norm_axis, reshape, stack, stop_gradient, transpose
from .windows import out_size, pads_of

# ---------------------------------------------------------------------------
# activations: elementwise primitives with derivative ``d(ans, x)``


def _activation(name, fwd, d, dtypes="float", domain="real"):
    """An activation with derivative ``d(e, ans, x)`` (see ``rules``)."""
    return unary(name, fwd,
                 rule=lambda e, needs, g, ans, x: (e.multiply(g, d(e, ans, x)),),
                 jvp=lambda ts, ans, x: ts[0] * d(TENSORS, ans, x),
                 dtypes=dtypes, domain=domain)


def _same_dtype(xp_result, x):
    return xp_result.astype(x.dtype, copy=False)


def _slope(e, x, kind, alpha):
    """The derivative of relu, relu6 or leaky_relu at ``x`` (0 at the kinks, as TF)."""
    if kind == "relu":
        return e.mask(e.greater(x, 0), x.dtype)
    if kind == "relu6":
        return e.mask(e.logical_and(e.greater(x, 0), e.less(x, 6)), x.dtype)
    return _leaky_d(e, x, alpha)


def _leaky_d(e, x, alpha):
    """1 where ``x > 0``, else ``alpha``."""
    return e.add(e.multiply(e.cast(e.greater(x, 0), x.dtype), 1 - alpha), alpha)


def _activation_grad_arrays(g, x, kind, alpha=0.0):
    return ARRAYS.multiply(g, _slope(ARRAYS, x, kind, alpha))


# TF's ReluGrad, Relu6Grad and LeakyReluGrad as one op: the gradient of relu, relu6 and leaky_relu,
# so that (as in TF) its own gradient with respect to the features is zeros, not None
_activation_grad_op = defop(
    "activation_grad", lambda xp, g, x, kind, alpha: _activation_grad_arrays(g, x, kind, alpha),
    rule=lambda e, needs, gg, ans, g, x, kind, alpha: (
        e.activation_grad(gg, x, kind=kind, alpha=alpha) if needs[0] else None,
        e.zeros_like(gg) if needs[1] else None),
    jvp=lambda ts, ans, g, x, kind, alpha: None if ts[0] is None else activation_grad(ts[0], x, kind, alpha),
    broadcasts=True, dtypes="numeric", domain="nonzero")
ARRAYS.activation_grad = _activation_grad_arrays   # first-order walks: the arrays, no op record


def activation_grad(g, x, kind, alpha=0.0):
    """``g`` times the derivative of relu (``kind='relu'``), relu6 or leaky_relu at ``x``."""
    return apply(_activation_grad_op, (g, x), {"kind": kind, "alpha": alpha})


def _kinked(name, fwd, kind, dtypes, domain):
    return unary(name, fwd,
                 rule=lambda e, needs, g, ans, x: (e.activation_grad(g, x, kind=kind, alpha=0.0),),
                 jvp=lambda ts, ans, x: ts[0] * _slope(TENSORS, x, kind, 0.0),
                 dtypes=dtypes, domain=domain)


# TF's convention: the derivative of relu at 0 is 0
_relu = _kinked("relu", lambda xp, x: xp.maximum(x, 0).astype(x.dtype, copy=False), "relu",
                dtypes="numeric", domain="nonzero")
_relu6 = _kinked("relu6", lambda xp, x: xp.clip(x, 0, 6).astype(x.dtype, copy=False), "relu6",
                 dtypes="numeric", domain="relu6")
# TF's EluGrad reads the output: g * (ans + 1) where ans < 0
_elu = _activation("elu", lambda xp, x: xp.where(x > 0, x, xp.expm1(xp.minimum(x, 0))),
                   lambda e, ans, x: e.where(e.less(ans, 0), e.add(ans, 1), e.ones_like(ans)))

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_selu = _activation(
    "selu",
    # TF's kernel: scale * alpha * (exp(x) - 1) below 0, scale * x above, each constant in x's dtype
    lambda xp, x: _same_dtype(xp.where(
        x < 0, xp.asarray(_SELU_SCALE * _SELU_ALPHA, x.dtype) * (xp.exp(xp.minimum(x, 0)) - xp.asarray(1, x.dtype)),
        xp.asarray(_SELU_SCALE, x.dtype) * x), x),
    lambda e, ans, x: e.where(e.less(ans, 0), e.add(ans, _SELU_SCALE * _SELU_ALPHA),
                              e.multiply(e.ones_like(ans), _SELU_SCALE)))
_softsign = _activation("softsign", lambda xp, x: x / (1 + xp.abs(x)),
                        lambda e, ans, x: e.reciprocal(e.square(e.add(1, e.abs(x)))))


def relu(features, name=None):
    """``max(features, 0)``. The gradient at 0 is 0 (TF's convention)."""
    return _relu(features)


def relu6(features, name=None):
    """``min(max(features, 0), 6)``; the gradient is 1 strictly inside (0, 6)."""
    return _relu6(features)


def elu(features, name=None):
    """``features`` where positive, ``exp(features) - 1`` elsewhere."""
    return _elu(features)


def selu(features, name=None):
    """Scaled ELU: ``scale * (features if > 0 else alpha * (exp(features) - 1))``,
    with TF's constants ``alpha ≈ 1.6733``, ``scale ≈ 1.0507``."""
    return _selu(features)


def softsign(features, name=None):
    """``features / (1 + |features|)``."""
    return _softsign(features)


def _float_input(x, what, opname):
    x = convert_to_tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{opname}: {what} has dtype {x.dtype}, expected a floating dtype")
    return x


def _leaky_fwd(xp, x, alpha):
    return xp.where(x > 0, x, x * alpha).astype(x.dtype, copy=False)


_leaky_op = defop("leaky_relu", _leaky_fwd,
                  rule=lambda e, needs, g, ans, x, alpha: (e.activation_grad(g, x, kind="leaky", alpha=alpha),),
                  jvp=lambda ts, ans, x, alpha: ts[0] * _leaky_d(TENSORS, x, alpha),
                  dtypes="float", domain="nonzero")


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def leaky_relu(features, alpha=0.2, name=None):
    """``features`` where positive, ``alpha * features`` elsewhere (slope ``alpha`` at 0, as TF)."""
    x = _float_input(features, "features", "leaky_relu")
    # TF's alpha is a float32 attribute: 0.2 is 0.20000000298023224 for float64 features too
    alpha = float(np.float32(argcheck.number(alpha, "alpha", "leaky_relu")))
    return apply(_leaky_op, (x,), {"alpha": alpha})


# TF casts gelu's 0.7071067811865476 and 0.044715 from float32 constants, so float64 features
# see their float32 roundings (TF's values to the last bit)
_SQRT_HALF = float(np.float32(math.sqrt(0.5)))
_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_A = float(np.float32(0.044715))
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)


def _gelu_fwd(xp, x, approximate):
    if approximate:
        # 0.5 (1 + tanh(z)) as sigmoid(2 z): no cancellation where tanh(z) is near -1
        out = x / (1 + xp.exp(-2 * _GELU_C * (x + _GELU_A * x ** 3)))
    else:
        out = 0.5 * x * backend.scipy_special(xp).erfc(-x * _SQRT_HALF)
    return out.astype(x.dtype, copy=False)


def _gelu_d(x, approximate):
    if approximate:
        s = sigmoid(2 * _GELU_C * (x + _GELU_A * x * x * x))      # 0.5 (1 + tanh(z))
        return s + 2 * x * s * (1 - s) * (_GELU_C * (1 + 3 * _GELU_A * x * x))
    # Phi(x) + x * phi(x)
    z = x * _SQRT_HALF
    return 0.5 * erfc(-z) + z * exp(-z * z) * _INV_SQRT_PI


_gelu_op = defop("gelu", _gelu_fwd,
                 vjp=lambda g, ans, x, approximate: (g * _gelu_d(x, approximate),),
                 jvp=lambda ts, ans, x, approximate: ts[0] * _gelu_d(x, approximate),
                 dtypes="float", domain="real")


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit: ``x * Phi(x)`` with the normal CDF ``Phi`` (exact, via erf),
    or with ``approximate=True`` the tanh form ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    x = _float_input(features, "features", "gelu")
    return apply(_gelu_op, (x,), {"approximate": argcheck.flag(approximate, "approximate", "gelu")})


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def silu(features, beta=1.0, name=None):
    """``features * sigmoid(beta * features)`` (also called swish)."""
    x = _float_input(features, "features", "silu")
    if isinstance(beta, (int, float)) and beta == 1.0:
        return x * sigmoid(x)
    # TF converts beta on its own (a Python float becomes float32) and casts it to x's dtype
    return x * sigmoid(x * cast(convert_to_tensor(beta), x.dtype))


swish = silu


def bias_add(value, bias, data_format=None, name=None):
    """``value + bias`` with the 1-D ``bias`` added along the channel dimension: the last one
    (``data_format`` None or ``"N...C"``) or dimension 1 (``"NC..."``, e.g. ``"NCHW"``)."""
    v = convert_to_tensor(value)
    b = convert_to_tensor(bias, dtype_hint=v.dtype)
    if b.ndim != 1:
        raise ValueError(f"bias_add: bias must be 1-D, got shape {b.shape}")
    if v.ndim < 2:
        raise ValueError(f"bias_add: value must have rank >= 2, got shape {v.shape}")
    fmt = data_format or "NHWC"
    if not (isinstance(fmt, str) and fmt.startswith("N") and (fmt.endswith("C") or fmt.startswith("NC"))):
        raise ValueError(f"bias_add: data_format must be None, 'N...C' or 'NC...', got {data_format!r}")
    axis = v.ndim - 1 if fmt.endswith("C") else 1
    if v.shape[axis] != b.shape[0]:
        raise ValueError(f"bias_add: bias has {b.shape[0]} elements but value {v.shape} has "
                         f"{v.shape[axis]} channels on axis {axis} (data_format={fmt!r})")
    if axis != v.ndim - 1:
        b = reshape(b, (b.shape[0],) + (1,) * (v.ndim - 2))
    return add(v, b)


# ---------------------------------------------------------------------------
# softmax and log-softmax (max-shifted, so large logits stay finite)


def _softmax_fwd(xp, x, axis):
    # bfloat16 and half: computed in float32 and rounded once, as TF's kernel (for half: all 480
    # entries of a sweep over [-6, 6] agree with TF 2.21; step-by-step half arithmetic missed 113)
    if x.dtype.kind == "V" or x.dtype == np.float16:
        return softmax_arrays(x.astype(np.float32), axis).astype(x.dtype)
    return softmax_arrays(x, axis)


def _log_softmax_fwd(xp, x, axis):
    if x.dtype.kind == "V":   # bfloat16, as softmax
        return _log_softmax_fwd(xp, x.astype(np.float32), axis).astype(x.dtype)
    if not x.size:   # empty in, empty out (TF's)
        return x.copy()
    s = x - xp.max(x, axis=axis, keepdims=True)
    return s - xp.log(xp.sum(xp.exp(s), axis=axis, keepdims=True))


# ``axis`` is stored negative, so the rules read the same with leading batch dims on g
_softmax_op = defop(
    "softmax", _softmax_fwd,
    vjp=lambda g, ans, x, axis: (ans * (g - reduce_sum(g * ans, axis=axis, keepdims=True)),),
    jvp=lambda ts, ans, x, axis: ans * (ts[0] - reduce_sum(ts[0] * ans, axis=axis, keepdims=True)),
    dtypes="float", domain="real")

_log_softmax_op = defop(
    "log_softmax", _log_softmax_fwd,
    vjp=lambda g, ans, x, axis: (g - exp(ans) * reduce_sum(g, axis=axis, keepdims=True),),
    jvp=lambda ts, ans, x, axis: ts[0] - reduce_sum(exp(ans) * ts[0], axis=axis, keepdims=True),
    dtypes="float", domain="real")


def _softmax_args(logits, axis, opname):
    x = _float_input(logits, "logits", opname)
    if x.ndim == 0:
        raise ValueError(f"{opname}: logits must have rank >= 1, got a scalar")
    return x, {"axis": norm_axis(-1 if axis is None else axis, x.ndim, opname) - x.ndim}


@core.dispatchable
def softmax(logits, axis=None, name=None):
    """``exp(logits) / reduce_sum(exp(logits), axis)`` along ``axis`` (default: the last).

    >>> wb.nn.softmax([1000.0, 1000.0]).numpy()
    array([0.5, 0.5], dtype=float32)
    """
    x, params = _softmax_args(logits, axis, "softmax")
    return apply(_softmax_op, (x,), params)


@core.dispatchable
def log_softmax(logits, axis=None, name=None):
    """``logits - log(reduce_sum(exp(logits), axis))``, computed max-shifted."""
    x, params = _softmax_args(logits, axis, "log_softmax")
    return apply(_log_softmax_op, (x,), params)


# ---------------------------------------------------------------------------
# cross-entropies


def _labels_logits(labels, logits, opname, same_shape=True):
    z = _float_input(logits, "logits", opname)
    y = convert_to_tensor(labels, dtype_hint=z.dtype)
    if y.dtype != z.dtype:
        raise TypeError(f"{opname}: labels have dtype {y.dtype} and logits {z.dtype}; they must match "
                        "(use wb.cast)")
    if same_shape and y.shape != z.shape:
        raise ValueError(f"{opname}: labels and logits must have the same shape, got labels {y.shape} "
                         f"and logits {z.shape}")
    return y, z


@core.dispatchable
def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise ``-z log(sigmoid(x)) - (1 - z) log(1 - sigmoid(x))`` for labels ``z`` and
    logits ``x``, computed as TF does, ``max(x, 0) - x z + log(1 + exp(-|x|))``: finite for any
    logits. Differentiable in both ``labels`` and ``logits``."""
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits: both labels and logits must be given")
    z, x = _labels_logits(labels, logits, "sigmoid_cross_entropy_with_logits")
    # TF's ops in TF's order, so that values and gradients round as TF's
    positive = greater_equal(x, 0)
    relu_logits = where(positive, x, zeros_like(x))
    neg_abs_logits = where(positive, negative(x), x)
    return add(relu_logits - x * z, log1p(exp(neg_abs_logits)))


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """The sigmoid cross-entropy with the positive term weighted by ``pos_weight``:
    ``(1 - z) x + (1 + (pos_weight - 1) z) log(1 + exp(-x))``, in TF's stable form."""
    z, x = _labels_logits(labels, logits, "weighted_cross_entropy_with_logits")
    q = pos_weight if isinstance(pos_weight, Tensor) else convert_to_tensor(pos_weight, dtype=x.dtype)
    # TF's form, (1 - z) x + l (log1p(exp(-|x|)) + relu(-x)): its gradient at x == 0 takes
    # abs's and relu's (0 there)
    log_weight = 1 + (q - 1) * z
    return add((1 - z) * x, log_weight * (log1p(exp(-_abs(x))) + relu(-x)))


def _xent_fwd(xp, x, y, axis):
    if x.dtype.kind == "V":   # bfloat16, as softmax
        return _xent_fwd(xp, x.astype(np.float32), y.astype(np.float32), axis).astype(x.dtype)
    return -xp.sum(y * _log_softmax_fwd(xp, x, axis), axis=axis)


def _xent_vjp(g, ans, x, y, axis):
    # TF's SoftmaxCrossEntropyWithLogits gradient: g * (softmax - labels) for the logits (not the
    # derivative where the labels do not sum to 1) and -g * log_softmax for the labels; the
    # logits' part differentiates again through the softmax only, giving the labels TF's zero
    # (dense) second derivative
    ge = expand_dims(g, axis)
    held = stop_gradient(y) + 0 * y
    return ge * (softmax(x, axis) - held), -ge * log_softmax(x, axis)


def _xent_jvp(ts, ans, x, y, axis):
    out = None
    if ts[0] is not None:
        out = reduce_sum(ts[0] * (softmax(x, axis) - y), axis=axis)
    if ts[1] is not None:
        part = -reduce_sum(ts[1] * log_softmax(x, axis), axis=axis)
        out = part if out is None else out + part
    return out


_xent_op = defop("softmax_cross_entropy", _xent_fwd, vjp=_xent_vjp, jvp=_xent_jvp, dtypes="float", domain="real")


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """``-reduce_sum(labels * log_softmax(logits), axis)``: shape of ``logits`` without ``axis``.

    As in TF 2 the gradient also flows into ``labels`` (wrap them in ``wb.stop_gradient`` if
    they are targets that depend on trainable variables). The logits' gradient is TF's,
    ``softmax(logits) - labels``: the derivative when each row of labels sums to 1.
    """
    y, x = _labels_logits(labels, logits, "softmax_cross_entropy_with_logits")
    if x.ndim == 0:
        raise ValueError("softmax_cross_entropy_with_logits: logits must have rank >= 1")
    ax = norm_axis(axis, x.ndim, "softmax_cross_entropy_with_logits") - x.ndim
    if core.open_shapes_traced():   # TF's static shape: the logits' (or labels') sizes but the axis
        xs, ys = _static_dims(x), _static_dims(y)
        both = xs if ys is None else ys if xs is None else tuple(b if a is None else a for a, b in zip(xs, ys))
        core.static_shape_hint(_xent_op.name, None if both is None else both[:x.ndim + ax] + both[x.ndim + ax + 1:])
    return apply(_xent_op, (x, y), {"axis": ax})


def _static_dims(t):
    """``t``'s static shape in a trace as a tuple (None for open sizes), or None for an unknown rank."""
    s = t._static_shape()
    return None if s.rank is None else tuple(s.as_list())


def _labels_in_range(xp, ids, n):
    """The labels as indices into ``n`` classes. On the CPU an out-of-range label raises (TF's
    CPU kernel); on a GPU it is clipped here and its loss made NaN by the caller (checking
    would cost a device sync)."""
    if xp is not np:
        return xp.clip(ids, 0, n - 1)
    # one reduction: as unsigned integers the negative labels are the largest
    if ids.size and ids.view(_UNSIGNED[ids.dtype.itemsize]).max() >= n:
        bad = ids[(ids < 0) | (ids >= n)].flat[0]
        raise InvalidArgumentError(f"sparse_softmax_cross_entropy_with_logits: received a label value "
                                   f"of {bad} which is outside the valid range of [0, {n})")
    return ids


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _sparse_xent_fwd(xp, x, ids):
    """``logsumexp(x) - x[label]`` per row, both max-shifted (the negated log-softmax at the
    label, to the bit: ``lse - s`` is ``-(s - lse)`` in IEEE arithmetic), the label's entry
    picked by a flat index rather than a whole log-softmax and ``take_along_axis``."""
    if x.dtype.kind == "V":   # bfloat16, as softmax
        return _sparse_xent_fwd(xp, x.astype(np.float32), ids).astype(x.dtype)
    n = x.shape[-1]
    safe = _labels_in_range(xp, ids, n)
    if xp is np:
        s = x - np.maximum.reduce(x, axis=-1, keepdims=True)
        lse = np.log(np.add.reduce(np.exp(s), axis=-1))
    else:
        s = x - xp.max(x, axis=-1, keepdims=True)
        lse = xp.log(xp.sum(xp.exp(s), axis=-1))
    k = safe.size
    picked = s.reshape(k, n)[xp.arange(k), safe.reshape(k)]
    return lse - picked.reshape(safe.shape)


def _onehot(labels, x):
    """The one-hot rows of ``labels`` in ``x``'s dtype (built with ops: a ``wb.function`` replay
    recomputes them from each call's labels)."""
    classes = core.wrap_constant(labels.xp.arange(x.shape[-1], dtype=labels.dtype))
    return cast(equal(expand_dims(labels, -1), classes), x.dtype)


# TF's fused SparseSoftmaxCrossEntropyWithLogits: one op, its gradient ``softmax - onehot``
# (written with ops, so unlike TF's kernel it differentiates again)
_sparse_xent_op = defop(
    "sparse_softmax_cross_entropy", _sparse_xent_fwd,
    rule=lambda e, needs, g, ans, x, labels: (e.multiply(e.expand_dims(g, -1), e.subtract(
        e.softmax(x), e.one_hot(labels, core.dims(x)[-1], dtype=x.dtype))), None),
    jvp=lambda ts, ans, x, labels: reduce_sum(ts[0] * (softmax(x) - _onehot(labels, x)), axis=-1),
    dtypes="float", domain="real")


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """Cross-entropy against integer class ``labels`` (shape ``logits.shape[:-1]``, values in
    ``[0, num_classes)``). An out-of-range label raises ``InvalidArgumentError`` on the CPU; on a
    GPU its loss is NaN (checking would cost a device sync), as in TF."""
    opname = "sparse_softmax_cross_entropy_with_logits"
    x = _float_input(logits, "logits", opname)
    lab = convert_to_tensor(labels)
    if lab.dtype.kind not in "iu":
        raise TypeError(f"{opname}: labels must be integers (class indices), got dtype {lab.dtype}; "
                        "use softmax_cross_entropy_with_logits for probability labels")
    if x.ndim == 0 or lab.shape != x.shape[:-1]:
        raise ValueError(f"{opname}: labels must have the shape of logits without the last (class) "
                         f"dimension: labels {lab.shape}, logits {x.shape}")
    if core.open_shapes_traced():   # TF's static shape: the labels' sizes, or the logits' rows
        xs, ls = _static_dims(x), _static_dims(lab)
        core.static_shape_hint(_sparse_xent_op.name, ls if xs is None else xs[:-1] if ls is None else tuple(
            b if a is None else a for a, b in zip(ls, xs[:-1])))
    loss = apply(_sparse_xent_op, (x, lab))  # raises for an out-of-range label on the CPU
    ids = lab._data
    xp = backend.xp_of(ids)
    if xp is not np:
        n = x.shape[-1]
        valid = logical_and(greater_equal(lab, np.asarray(0, ids.dtype)), less(lab, np.asarray(n, ids.dtype)))
        loss = where(valid, loss, core.wrap_constant(xp.full(loss.shape, np.nan, x.dtype)))
    return loss


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """``exp(log_input) - log_input * targets``; with ``compute_full_loss`` adds Stirling's
    approximation of ``log(targets!)`` where ``targets > 1`` (as TF)."""
    t, c = _labels_logits(targets, log_input, "log_poisson_loss")
    loss = exp(c) - c * t
    if compute_full_loss:
        # TF's: Stirling's terms of the targets themselves, masked where 0 <= t <= 1 (its
        # gradient at t == 0 is NaN, 0 * log(0), as TF's)
        stirling = t * log(t) - t + 0.5 * log(2 * math.pi * t)
        loss = loss + where(logical_and(t >= 0, t <= 1), zeros_like(t), stirling)
    return loss


# ---------------------------------------------------------------------------
# moments and normalization


@core.dispatchable
def moments(x, axes, shift=None, keepdims=False, name=None):
    """Mean and (population) variance of ``x`` over ``axes``; ``shift`` is unused, as in TF 2.

    >>> m, v = wb.nn.moments(wb.constant([[1.0, 2.0], [3.0, 6.0]]), axes=[0])
    >>> m.numpy(), v.numpy()
    (array([2., 4.], dtype=float32), array([1., 4.], dtype=float32))
    """
    x = _float_input(x, "x", "moments")
    ax = _axes(axes, x.ndim, "moments", "axes")
    y = cast(x, np.float32) if x.dtype == np.float16 else x  # TF: float16 moments in float32
    mean = reduce_mean(y, axis=ax, keepdims=True)
    # TF: the variance's gradient does not flow through the mean (the same first derivative,
    # not the same second)
    variance = reduce_mean(squared_difference(y, stop_gradient(mean)), axis=ax, keepdims=keepdims)
    if not keepdims:
        mean = reshape(mean, variance.shape)
    return cast(mean, x.dtype), cast(variance, x.dtype)


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """Mean and variance from sufficient statistics: ``counts``, the (shifted) sum and sum of
    squares, and the ``shift`` they were taken about (None for no shift)."""
    mean_ss = _float_input(mean_ss, "mean_ss", "normalize_moments")
    divisor = reciprocal(convert_to_tensor(counts, dtype=mean_ss.dtype)
                         if not isinstance(counts, Tensor) else counts)
    shifted_mean = mean_ss * divisor
    mean = shifted_mean if shift is None else shifted_mean + shift
    variance = variance_ss * divisor - square(shifted_mean)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``scale * (x - mean) / sqrt(variance + variance_epsilon) + offset`` (``offset``/``scale``
    may be None), broadcasting the statistics against ``x``."""
    x = _float_input(x, "x", "batch_normalization")
    inv = rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    shift = -mean * inv if offset is None else offset - mean * inv
    return x * inv + shift


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(reduce_sum(x**2, axis), epsilon))`` (``axis`` None: all of ``x``); complex
    ``x`` normalizes by ``sum(|x|^2)``, its real and imaginary parts scaled as TF does."""
    x = convert_to_tensor(x)
    axis = dim if axis is None else axis
    if x.dtype.kind == "c":
        from .tf_extra import complex as _complex, imag, real  # circular import with tf_extra
        re, im = real(x), imag(x)
        inv_norm = rsqrt(maximum(reduce_sum(square(re) + square(im), axis=axis, keepdims=True), epsilon))
        return _complex(re * inv_norm, im * inv_norm)
    x = _float_input(x, "x", "l2_normalize")
    sq = reduce_sum(square(x), axis=axis, keepdims=True)
    return x * rsqrt(maximum(sq, epsilon))


# ---------------------------------------------------------------------------
# embedding lookup


def _clip_by_norm(t, clip_norm, axes):
    """``t`` rescaled where its L2 norm over ``axes`` exceeds ``clip_norm``; finite gradient at 0."""
    sq = reduce_sum(t * t, axis=axes, keepdims=True)
    positive = greater(sq, 0)
    norm = where(positive, sqrt(where(positive, sq, ones_like(sq))), sq)
    return t * clip_norm / maximum(norm, clip_norm)


def embedding_lookup(params, ids, max_norm=None, name=None):
    """Rows of ``params`` picked by integer ``ids``: shape ``ids.shape + params.shape[1:]``.

    ``params``: one tensor, or a list of shards split along the first dimension in order
    (TF's "div" partitioning). With ``max_norm``, each looked-up embedding whose L2 norm
    exceeds it is scaled down to norm ``max_norm``. The gradient with respect to ``params``
    adds up over repeated ids. Out-of-range ids raise ``InvalidArgumentError`` (TF's CPU
    behaviour, on every device).

    >>> table = wb.constant([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> wb.nn.embedding_lookup(table, [[2, 0]]).shape
    TensorShape([1, 2, 2])
    """
    if not isinstance(ids, Tensor) and getattr(ids, "__wb_dispatch__", False):
        return core.dispatch(embedding_lookup, (ids,), {"params": params, "max_norm": max_norm})   # ragged ids
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("embedding_lookup: params must be a tensor or a non-empty list of shards")
        params = concat(list(params), axis=0) if len(params) > 1 else params[0]
    p = convert_to_tensor(params)
    if p.ndim == 0:
        raise ValueError("embedding_lookup: params must have rank >= 1, got a scalar")
    idx = convert_to_tensor(ids)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding_lookup: ids must be integers, got dtype {idx.dtype}")
    data = idx._data
    n = p.shape[0]
    if data.size and (int(data.min()) < 0 or int(data.max()) >= n):
        bad = backend.to_numpy(data[(data < 0) | (data >= n)])[0]
        raise InvalidArgumentError(f"embedding_lookup: id {bad} is not in [0, {n}) "
                                   f"(params has {n} rows)")
    out = gather(p, idx)
    if max_norm is not None:
        out = _clip_by_norm(out, max_norm, list(range(idx.ndim, out.ndim)))
    return out


# ---------------------------------------------------------------------------
# approximate top-k and isotonic regression


ApproxTopK = collections.namedtuple("ApproxTopK", ["values", "indices"])
IsotonicRegression = collections.namedtuple("IsotonicRegression", ["output", "segments"])


def _approx_k(operand, k, reduction_dimension, recall_target, aggregate_to_topk, largest, opname=None,
              kinds="f"):
    opname = opname or ("approx_max_k" if largest else "approx_min_k")
    x = convert_to_tensor(operand)
    if x.dtype.kind not in kinds:
        raise TypeError(f"{opname}: operand must be {'floating' if kinds == 'f' else 'a real number'}, "
                        f"got dtype {x.dtype}")
    if x.ndim == 0:
        raise ValueError(f"{opname}: operand must have rank >= 1, got a scalar")
    if not -x.ndim <= reduction_dimension < x.ndim:
        raise ValueError(f"{opname}: reduction_dimension must be in [{-x.ndim}, {x.ndim - 1}] "
                         f"for operand of shape {x.shape}, got {reduction_dimension}")
    if not 0.0 < recall_target <= 1.0:
        raise ValueError(f"{opname}: recall_target must be in (0, 1], got {recall_target}")
    axis = reduction_dimension % x.ndim
    n = x.shape[axis]
    k = argcheck.integer(k, "k", opname)
    if not 0 <= k <= n:
        raise InvalidArgumentError(f"{opname}: k={k} must be in [0, {n}] (dimension "
                                   f"{reduction_dimension} of operand {x.shape})")
    perm = [d for d in range(x.ndim) if d != axis] + [axis]
    back = list(np.argsort(perm))
    moved = transpose(x, perm) if axis != x.ndim - 1 else x
    data = moved._data
    xp = moved.xp
    # exact, stable selection: ties go to the lower index, as TF's CPU and XLA kernels do
    order = xp.argsort(-data if largest else data, axis=-1, kind="stable")
    if aggregate_to_topk:
        order = order[..., :k]
    idx = core.wrap(order.astype(np.int32))
    values = gather(moved, idx, axis=-1, batch_dims=moved.ndim - 1)
    if axis != x.ndim - 1:
        values, idx = transpose(values, back), transpose(idx, back)
    return ApproxTopK(values, idx)


def approx_max_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """The ``k`` largest entries of ``operand`` along ``reduction_dimension``, largest first,
    and their int32 indices (TF's ``tf.math.approx_max_k``, also ``tf.nn``'s).

    TF approximates only on TPUs; on CPUs and GPUs it returns the exact top k, as this does
    (ties: the lower index first). ``recall_target`` must be in (0, 1];
    ``reduction_input_size_override`` only tunes TF's approximation. With
    ``aggregate_to_topk=False`` the whole dimension comes back, sorted (TF's XLA CPU result).
    The gradient flows to the selected entries.

    >>> top = wb.math.approx_max_k([[3.0, 1.0, 4.0, 1.0, 5.0]], 2)
    >>> top.values.numpy(), top.indices.numpy()
    (array([[5., 4.]], dtype=float32), array([[4, 2]], dtype=int32))
    """
    return _approx_k(operand, k, reduction_dimension, recall_target, aggregate_to_topk, True)


def approx_top_k(input, k, reduction_dimension=-1, recall_target=0.95, is_max_k=True,  # noqa: A002
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """TF's ``tf.approx_top_k`` (the op under :func:`approx_max_k` / :func:`approx_min_k`):
    the ``k`` largest (``is_max_k``) or smallest entries and their int32 indices, exact as on
    TF's CPUs and GPUs; integer input too. TF's CPU kernel takes only the last dimension and
    ``is_max_k=True``; here every dimension and both directions work.

    >>> wb.approx_top_k([[1., 5., 3., 2.], [4., 4., 0., 9.]], 2).indices.numpy()
    array([[1, 2],
           [3, 0]], dtype=int32)
    """
    return _approx_k(input, k, reduction_dimension, recall_target, aggregate_to_topk, bool(is_max_k),
                     "approx_top_k", "fiu")


def approx_min_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """The ``k`` smallest entries of ``operand`` along ``reduction_dimension``, smallest first,
    and their int32 indices (TF's ``tf.math.approx_min_k``; exact, as TF on CPUs and GPUs; see
    :func:`approx_max_k`).

    >>> wb.math.approx_min_k([[3.0, 1.0, 4.0, 1.0, 5.0]], 3)[1].numpy()
    array([[1, 3, 0]], dtype=int32)
    """
    return _approx_k(operand, k, reduction_dimension, recall_target, aggregate_to_topk, False)


def _pav_segments(rows, decreasing):
    """Segment ids ``[R, N]`` of the pool-adjacent-violators solution of each row: adjacent
    blocks are pooled while their means break the order (strictly: equal neighbours stay
    apart, as in TF)."""
    out = np.zeros(rows.shape, np.int32)
    sign = 1.0 if decreasing else -1.0
    for r, row in enumerate(rows * sign):
        sums, counts = [], []
        for v in row:
            s, c = float(v), 1
            while sums and s / c > sums[-1] / counts[-1]:
                s += sums.pop()
                c += counts.pop()
            sums.append(s)
            counts.append(c)
        out[r] = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    return out


def isotonic_regression(inputs, decreasing=True, axis=-1):
    """The least-squares fit of ``inputs`` that is non-increasing (``decreasing=True``) or
    non-decreasing along ``axis`` (TF's ``tf.nn.isotonic_regression``).

    Returns ``(output, segments)``: ``output`` the fit (floating: int8/int16 inputs give
    float32, wider integers float64), ``segments`` int32 ids numbering the blocks of equal
    output from 0 along ``axis``. Each output is the mean of its block, so the gradient is
    the mean of the incoming gradient over each block (TF's definition).

    >>> y, segments = wb.nn.isotonic_regression([[3.0, 1.0, 2.0], [1.0, 3.0, 4.0]], axis=1)
    >>> y.numpy()
    array([[3.       , 1.5      , 1.5      ],
           [2.6666667, 2.6666667, 2.6666667]], dtype=float32)
    >>> segments.numpy()
    array([[0, 1, 1],
           [0, 0, 0]], dtype=int32)
    """
    x = convert_to_tensor(inputs)
    if x.dtype.kind in "iu":
        x = cast(x, "float32" if x.dtype.itemsize <= 2 else "float64")
    elif x.dtype.kind != "f":
        raise TypeError(f"isotonic_regression: inputs must be real numbers, got dtype {x.dtype}")
    if x.ndim == 0:
        return IsotonicRegression(x, core.wrap(np.zeros((), np.int32)))
    if not -x.ndim <= axis < x.ndim:
        raise InvalidArgumentError(f"isotonic_regression: axis must be in [{-x.ndim}, {x.ndim}) "
                                   f"for inputs of rank {x.ndim}, got {axis}")
    axis = axis % x.ndim
    perm = [d for d in range(x.ndim) if d != axis] + [axis]
    moved = transpose(x, perm) if axis != x.ndim - 1 else x
    n = moved.shape[-1]
    if moved.size == 0:
        return IsotonicRegression(x, core.wrap(np.zeros(x.shape, np.int32)))
    rows = np.asarray(moved.numpy(), np.float64).reshape(-1, n)
    seg = _pav_segments(rows, decreasing)
    # one id per (row, block) for the pooled means
    flat_ids = (seg + (np.arange(rows.shape[0], dtype=np.int32) * n)[:, None]).reshape(-1)
    ids = core.wrap(flat_ids)
    flat = reshape(moved, (-1,))
    y = gather(unsorted_segment_mean(flat, ids, rows.shape[0] * n), ids)
    y = reshape(y, moved.shape)
    segments = core.wrap(seg.reshape(moved.shape))
    if axis != x.ndim - 1:
        back = list(np.argsort(perm))
        y, segments = transpose(y, back), transpose(segments, back)
    if core.tracing():   # TF's static shapes: the input's
        y, segments = (core.static_result(t, _static_dims(x)) for t in (y, segments))
    return IsotonicRegression(y, segments)


# ---------------------------------------------------------------------------
# embedding lookup of sparse ids

_COMBINERS = ("mean", "sqrtn", "sum")


def _sparse_arg(x, what, opname):
    from ..sparse.sparse_tensor import SparseTensor  # sparse imports the ops
    if not isinstance(x, SparseTensor):
        raise TypeError(f"{opname}: {what} must be a SparseTensor, got {type(x).__name__}")
    return x


def embedding_lookup_sparse(params, sp_ids, sp_weights, combiner=None, max_norm=None, name=None,
                            allow_fast_lookup=False):
    """Embeddings of the ids in each row of a SparseTensor, combined per row (TF 2's
    ``tf.nn.embedding_lookup_sparse``).

    ``sp_ids``: SparseTensor of int ids ``[N, ...]`` in canonical order; row ``i`` is every
    entry whose first index is ``i``. ``sp_weights``: SparseTensor of float weights with the
    same indices, or None (all weights 1). ``combiner``: "sum" (weighted sum), "mean" (the
    weighted sum over the sum of weights; the default) or "sqrtn" (over the square root of
    the sum of squared weights). ``max_norm``: each embedding is first clipped to this L2
    norm. As in TF the result has ``max(row) + 1`` rows (a row without ids in the middle is
    zeros); ``allow_fast_lookup`` gives the same values. Differentiable in ``params`` and in
    the weights.

    >>> params = wb.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    >>> ids = wb.SparseTensor([[0, 0], [0, 1], [1, 0], [2, 0]], [0, 1, 3, 2], [3, 2])
    >>> wb.nn.embedding_lookup_sparse(params, ids, None, combiner="sum").numpy()
    array([[4., 6.],
           [7., 8.],
           [5., 6.]], dtype=float32)
    """
    opname = "embedding_lookup_sparse"
    if combiner is None:
        combiner = "mean"
    if combiner not in _COMBINERS:
        raise ValueError(f"{opname}: combiner must be one of 'mean', 'sqrtn' or 'sum', got "
                         f"{combiner!r}")
    from .segment import segment_sum  # segment's users import nn
    sp_ids = _sparse_arg(sp_ids, "sp_ids", opname)
    segments = sp_ids.indices[:, 0]
    emb = embedding_lookup(params, sp_ids.values, max_norm=max_norm)
    lead = (-1,) + (1,) * (emb.ndim - 1)
    if sp_weights is None:
        if combiner == "sum":
            return segment_sum(emb, segments)
        if combiner == "mean":
            return segment_mean(emb, segments)
        ones = ones_like(cast(sp_ids.values, emb.dtype))
        return divide_no_nan(segment_sum(emb, segments), reshape(sqrt(segment_sum(ones, segments)), lead))
    sp_weights = _sparse_arg(sp_weights, "sp_weights", opname)
    w = sp_weights.values
    if w.shape != sp_ids.values.shape:
        raise ValueError(f"{opname}: sp_weights must have the indices of sp_ids, got "
                         f"{w.shape[0]} weights for {sp_ids.values.shape[0]} ids")
    if w.dtype != emb.dtype:
        raise TypeError(f"{opname}: sp_weights has dtype {w.dtype}, expected params' {emb.dtype}")
    total = segment_sum(emb * reshape(w, lead), segments)
    if combiner == "sum":
        return total
    norm = segment_sum(w, segments) if combiner == "mean" else sqrt(segment_sum(w * w, segments))
    return divide_no_nan(total, reshape(norm, lead))


def safe_embedding_lookup_sparse(embedding_weights, sparse_ids, sparse_weights=None,
                                 combiner="mean", default_id=None, max_norm=None, name=None,
                                 allow_fast_lookup=False):
    """:func:`embedding_lookup_sparse` that tolerates bad entries (TF 2's
    ``tf.nn.safe_embedding_lookup_sparse``): ids below 0 and entries with a weight of 0 or
    less are dropped; a row left without ids gets the embedding of ``default_id`` (zeros
    when None). ``sparse_ids`` ``[d0, ..., dn-1, m]`` gives ``[d0, ..., dn-1, embedding]``:
    every row is present.

    >>> params = wb.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> ids = wb.SparseTensor([[0, 0], [0, 1], [2, 0]], [0, -1, 1], [3, 2])
    >>> wb.nn.safe_embedding_lookup_sparse(params, ids).numpy()
    array([[1., 2.],
           [0., 0.],
           [3., 4.]], dtype=float32)
    """
    from ..sparse.sparse_tensor import SparseTensor  # sparse imports the ops
    opname = "safe_embedding_lookup_sparse"
    sparse_ids = _sparse_arg(sparse_ids, "sparse_ids", opname)
    shape = [int(d) for d in np.asarray(sparse_ids.dense_shape.numpy())]
    if len(shape) < 2:
        raise ValueError(f"{opname}: sparse_ids must have rank >= 2, got dense shape {shape}")
    rows = int(np.prod(shape[:-1]))
    idx = np.asarray(sparse_ids.indices.numpy())
    row = np.ravel_multi_index(tuple(idx[:, :-1].T), shape[:-1]) if idx.size else \
        np.zeros(0, np.int64)
    ids = np.asarray(sparse_ids.values.numpy())
    keep = ids >= 0
    weights = None
    if sparse_weights is not None:
        sparse_weights = _sparse_arg(sparse_weights, "sparse_weights", opname)
        weights = sparse_weights.values
        keep &= np.asarray(weights.numpy()) > 0
    empty = np.ones(rows, bool)
    empty[row[keep]] = False
    fill = np.flatnonzero(empty)
    # the kept entries, then one entry (id default_id or 0, weight 1) per empty row, in order
    new_row = np.concatenate([row[keep], fill]).astype(np.int64)
    new_col = np.concatenate([idx[keep, -1] if idx.size else np.zeros(0, np.int64),
                              np.zeros(fill.size, np.int64)]).astype(np.int64)
    order = np.lexsort((new_col, new_row))
    new_ids = np.concatenate([ids[keep], np.full(fill.size, 0 if default_id is None else default_id,
                                                 ids.dtype)])[order]
    new_idx = np.stack([new_row[order], new_col[order]], axis=1)
    flat_shape = [rows, shape[-1]]
    ids_2d = SparseTensor(new_idx, new_ids, flat_shape)
    w_2d = None
    if weights is not None:
        w_all = concat([gather(weights, np.flatnonzero(keep)),
                        convert_to_tensor(np.ones(fill.size, np.dtype(weights.dtype)))], 0)
        w_2d = SparseTensor(new_idx, gather(w_all, order), flat_shape)
    out = embedding_lookup_sparse(embedding_weights, ids_2d, w_2d, combiner=combiner,
                                  max_norm=max_norm)
    if default_id is None and fill.size:
        mask = np.ones((rows,) + (1,) * (out.ndim - 1), bool)
        mask[fill] = False
        out = where(mask, out, zeros_like(out))
    return reshape(out, tuple(shape[:-1]) + tuple(out.shape[1:]))


# ---------------------------------------------------------------------------
# more of tf.nn: losses, activations, statistics and rearrangements composed from ops


def l2_loss(t, name=None):
    """``sum(t ** 2) / 2`` (TF's ``tf.nn.l2_loss``).

    >>> float(wb.nn.l2_loss([1.0, 2.0]))
    2.5
    """
    x = _float_input(t, "t", "l2_loss")
    return reduce_sum(square(x)) * 0.5


def crelu(features, axis=-1, name=None):
    """``concat([relu(x), relu(-x)], axis)`` (TF's ``tf.nn.crelu``): twice the size along ``axis``.

    >>> wb.nn.crelu([[1.0, -2.0]]).numpy()
    array([[1., 0., 0., 2.]], dtype=float32)
    """
    x = _float_input(features, "features", "crelu")
    return concat([relu(x), relu(-x)], axis=axis)


def _nhwc_image(input, opname):
    x = convert_to_tensor(input)
    if x.ndim != 4:
        raise ValueError(f"{opname}: input must have rank 4 ([batch, height, width, depth]), got "
                         f"shape {x.shape}")
    return x


def _block_size(block_size, opname):
    b = argcheck.integer(block_size, "block_size", opname)
    if b < 2:
        raise ValueError(f"{opname}: block_size must be at least 2, got {b}")
    return b


def space_to_depth(input, block_size, data_format="NHWC", name=None):
    """Move each ``block_size x block_size`` spatial block into the depth (TF's
    ``tf.nn.space_to_depth``, NHWC): ``[b, h, w, c]`` gives ``[b, h/bs, w/bs, bs*bs*c]``.

    >>> wb.nn.space_to_depth(wb.reshape(wb.range(4), [1, 2, 2, 1]), 2).numpy()
    array([[[[0, 1, 2, 3]]]], dtype=int32)
    """
    if data_format != "NHWC":
        raise ValueError(f"space_to_depth: only data_format='NHWC' is supported, got {data_format!r}")
    x = _nhwc_image(input, "space_to_depth")
    bs = _block_size(block_size, "space_to_depth")
    b, h, w, c = x.shape
    if h % bs or w % bs:
        raise InvalidArgumentError(f"space_to_depth: height {h} and width {w} must be multiples of "
                                   f"block_size {bs}")
    y = reshape(x, (b, h // bs, bs, w // bs, bs, c))
    out = reshape(transpose(y, [0, 1, 3, 2, 4, 5]), (b, h // bs, w // bs, bs * bs * c))
    return _blocks_static(out, x, (1, 1 / bs, 1 / bs, bs * bs))


def depth_to_space(input, block_size, data_format="NHWC", name=None):
    """The inverse of :func:`space_to_depth` (TF's ``tf.nn.depth_to_space``, NHWC):
    ``[b, h, w, bs*bs*c]`` gives ``[b, h*bs, w*bs, c]``.

    >>> wb.nn.depth_to_space(wb.reshape(wb.range(4), [1, 1, 1, 4]), 2)[0, :, :, 0].numpy()
    array([[0, 1],
           [2, 3]], dtype=int32)
    """
    if data_format != "NHWC":
        raise ValueError(f"depth_to_space: only data_format='NHWC' is supported, got {data_format!r}")
    x = _nhwc_image(input, "depth_to_space")
    bs = _block_size(block_size, "depth_to_space")
    b, h, w, c = x.shape
    if c % (bs * bs):
        raise InvalidArgumentError(f"depth_to_space: depth {c} must be a multiple of block_size^2 = "
                                   f"{bs * bs}")
    y = reshape(x, (b, h, w, bs, bs, c // (bs * bs)))
    out = reshape(transpose(y, [0, 1, 3, 2, 4, 5]), (b, h * bs, w * bs, c // (bs * bs)))
    return _blocks_static(out, x, (1, bs, bs, 1 / (bs * bs)))


def _blocks_static(out, x, scales):
    """``out`` with TF's static shape in a trace: ``x``'s static sizes times ``scales`` (open
    where they are open)."""
    if not core.tracing():
        return out
    s = x._static_shape()
    return core.static_result(out, None if s.rank is None else tuple(
        None if d is None else round(d * f) for d, f in zip(s.as_list(), scales)))


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5, name=None):
    """``x / (bias + alpha * s) ** beta`` with ``s`` the sum of squares over the
    ``2 depth_radius + 1`` nearest channels (TF's ``tf.nn.local_response_normalization``,
    also ``lrn``; ``[batch, height, width, depth]``). Differentiable.

    >>> wb.nn.lrn(wb.ones([1, 1, 1, 3]), depth_radius=1, alpha=1.0, beta=1.0).numpy()
    array([[[[0.33333334, 0.25      , 0.33333334]]]], dtype=float32)
    """
    x = _nhwc_image(input, "local_response_normalization")
    if x.dtype.kind != "f":
        raise TypeError(f"local_response_normalization: input has dtype {x.dtype}, expected floating")
    r = argcheck.integer(depth_radius, "depth_radius", "local_response_normalization")
    if r < 0:
        raise ValueError(f"local_response_normalization: depth_radius must be >= 0, got {r}")
    c = x.shape[-1]
    sq = pad(square(x), [[0, 0], [0, 0], [0, 0], [r, r]])
    total = add_n([sq[..., i:i + c] for i in range(2 * r + 1)]) if r else sq
    return x * exp(-beta * log(bias + alpha * total))


lrn = local_response_normalization


def sufficient_statistics(x, axes, shift=None, keepdims=False, name=None):
    """``(count, sum(x - shift), sum((x - shift) ** 2), shift)`` over ``axes`` (TF's
    ``tf.nn.sufficient_statistics``; without ``shift`` the plain sums and ``None``). ``count``
    is a scalar of ``x``'s dtype.

    >>> c, m, v, _ = wb.nn.sufficient_statistics([[1.0, 2.0], [3.0, 6.0]], [0])
    >>> float(c), m.numpy(), v.numpy()
    (2.0, array([4., 8.], dtype=float32), array([10., 40.], dtype=float32))
    """
    x = _float_input(x, "x", "sufficient_statistics")
    ax = _axes(axes, x.ndim, "sufficient_statistics", "axes")
    count = convert_to_tensor(np.asarray(np.prod([x.shape[a] for a in ax]), np.dtype(x.dtype)))
    if shift is not None:
        shift = convert_to_tensor(shift, dtype=x.dtype)
        x = x - shift
    return (count, reduce_sum(x, axis=ax, keepdims=bool(keepdims)),
            reduce_sum(square(x), axis=ax, keepdims=bool(keepdims)), shift)


def weighted_moments(x, axes, frequency_weights, keepdims=False, name=None):
    """The mean and variance of ``x`` over ``axes`` with each entry counted
    ``frequency_weights`` times (broadcast against ``x``; TF's ``tf.nn.weighted_moments``).

    >>> m, v = wb.nn.weighted_moments([1.0, 3.0], [0], [3.0, 1.0])
    >>> float(m), float(v)
    (1.5, 0.75)
    """
    x = _float_input(x, "x", "weighted_moments")
    ax = _axes(axes, x.ndim, "weighted_moments", "axes")
    w = convert_to_tensor(frequency_weights, dtype=x.dtype)
    weight_sum = reduce_sum(w * ones_like(x), axis=ax, keepdims=True)
    mean = divide_no_nan(reduce_sum(w * x, axis=ax, keepdims=True), weight_sum)
    variance = divide_no_nan(reduce_sum(w * squared_difference(x, mean), axis=ax, keepdims=True),
                             weight_sum)
    if not keepdims:
        mean, variance = reduce_sum(mean, axis=ax), reduce_sum(variance, axis=ax)
    return mean, variance


def atrous_conv2d(value, filters, rate, padding, name=None):
    """2-D convolution with holes: ``conv2d`` with stride 1 and dilation ``rate`` (TF's
    ``tf.nn.atrous_conv2d``).

    >>> wb.nn.atrous_conv2d(wb.ones([1, 5, 5, 1]), wb.ones([2, 2, 1, 1]), 2, "VALID").shape
    TensorShape([1, 3, 3, 1])
    """
    rate = argcheck.integer(rate, "rate", "atrous_conv2d")
    if rate < 1:
        raise ValueError(f"atrous_conv2d: rate must be >= 1, got {rate}")
    return conv2d(value, filters, strides=1, padding=padding, dilations=rate)


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    """The transpose of :func:`atrous_conv2d`: ``conv2d_transpose`` with stride 1 and dilation
    ``rate`` (TF's ``tf.nn.atrous_conv2d_transpose``; ``filters`` ``[h, w, out, in]``)."""
    rate = argcheck.integer(rate, "rate", "atrous_conv2d_transpose")
    if rate < 1:
        raise ValueError(f"atrous_conv2d_transpose: rate must be >= 1, got {rate}")
    return conv2d_transpose(value, filters, output_shape, strides=1, padding=padding, dilations=rate)


def batch_norm_with_global_normalization(input, mean, variance, beta, gamma, variance_epsilon,
                                         scale_after_normalization, name=None):
    """:func:`batch_normalization` with offset ``beta`` and, if ``scale_after_normalization``,
    scale ``gamma`` (TF's ``tf.nn.batch_norm_with_global_normalization``)."""
    return batch_normalization(input, mean, variance, beta,
                               gamma if scale_after_normalization else None, variance_epsilon)


# ---------------------------------------------------------------------------
# sampled losses: NCE and sampled softmax

_FLOAT_MAX = float(np.finfo(np.float32).max)


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None, name=None):
    """Where a sampled candidate is one of its row's true classes (TF's
    ``tf.nn.compute_accidental_hits``): ``(indices, ids, weights)``, one entry per hit in row
    order: the row (int32), the position among ``sampled_candidates`` (int64) and
    ``-FLOAT_MAX`` (float32), to be added to those sampled logits.

    >>> i, ids, w = wb.nn.compute_accidental_hits([[1, 2]], [2, 5], num_true=2)
    >>> i.numpy(), ids.numpy()
    (array([0], dtype=int32), array([0]))
    """
    true = np.asarray(convert_to_tensor(true_classes).numpy())
    sampled = np.asarray(convert_to_tensor(sampled_candidates).numpy()).reshape(-1)
    if true.ndim != 2 or true.shape[1] != num_true:
        raise ValueError(f"compute_accidental_hits: true_classes must have shape [batch, {num_true}], "
                         f"got {true.shape}")
    hits = (sampled[None, :, None] == true[:, None, :]).any(axis=2)      # [batch, num_sampled]
    rows, cols = np.nonzero(hits)
    return (convert_to_tensor(rows.astype(np.int32)), convert_to_tensor(cols.astype(np.int64)),
            convert_to_tensor(np.full(rows.shape, -_FLOAT_MAX, np.float32)))


def _log_uniform_sample(true_classes, num_true, num_sampled, range_max, seed):
    """TF's log-uniform (Zipfian) candidate sampler with ``unique=True``: ``num_sampled``
    distinct classes, P(k) = log((k + 2) / (k + 1)) / log(range_max + 1), and the expected
    counts of the true and sampled classes under the same number of tries."""
    from .. import random as wb_random   # random builds on the ops
    gen = wb_random.op_generator(seed)
    if num_sampled > range_max:
        raise ValueError(f"num_sampled={num_sampled} is more than num_classes={range_max} (the "
                         "classes are sampled without repeats)")
    log_range = math.log(range_max + 1)
    seen, order, tries = set(), [], 0
    while len(order) < num_sampled:
        u = np.asarray(gen.uniform((2 * num_sampled,), dtype=np.float64).numpy())
        for v in u:
            k = min(int(math.exp(v * log_range)) - 1, range_max - 1)
            tries += 1
            if k not in seen:
                seen.add(k)
                order.append(k)
                if len(order) == num_sampled:
                    break

    def expected(k):
        p = (np.log(k + 2.0) - np.log(k + 1.0)) / log_range
        return -np.expm1(tries * np.log1p(-p))
    true = np.asarray(convert_to_tensor(true_classes).numpy())
    sampled = np.asarray(order, np.int64)
    return sampled, expected(true.astype(np.float64)), expected(sampled.astype(np.float64))


def _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                    sampled_values, subtract_log_q, remove_accidental_hits, seed, opname):
    x = _float_input(inputs, "inputs", opname)
    lab = np.asarray(convert_to_tensor(labels).numpy())
    if lab.dtype.kind not in "iu":
        raise TypeError(f"{opname}: labels must be integers, got dtype {lab.dtype}")
    lab = lab.reshape(-1, num_true).astype(np.int64)
    if lab.shape[0] != x.shape[0]:
        raise ValueError(f"{opname}: labels must have shape [{x.shape[0]}, {num_true}] for inputs of "
                         f"shape {x.shape}, got {convert_to_tensor(labels).shape}")
    if sampled_values is None:
        sampled, true_expected, sampled_expected = _log_uniform_sample(
            lab, num_true, num_sampled, num_classes, seed)
    else:
        sampled, true_expected, sampled_expected = sampled_values
        sampled = np.asarray(convert_to_tensor(sampled).numpy()).astype(np.int64)
    true_expected = cast(convert_to_tensor(true_expected), x.dtype)
    sampled_expected = cast(convert_to_tensor(sampled_expected), x.dtype)
    n_true = lab.size
    ids = np.concatenate([lab.reshape(-1), sampled])
    w = embedding_lookup(weights, ids)                                     # [n_true + S, dim]
    b = embedding_lookup(biases, ids)
    true_w = reshape(w[:n_true], (x.shape[0], num_true, x.shape[1]))
    true_logits = reduce_sum(expand_dims(x, 1) * true_w, axis=-1) + reshape(b[:n_true], lab.shape)
    sampled_logits = matmul(x, w[n_true:], transpose_b=True) + b[n_true:]
    if remove_accidental_hits:
        hits = (sampled[None, :, None] == lab[:, None, :]).any(axis=2)
        sampled_logits = sampled_logits + convert_to_tensor(
            np.where(hits, -_FLOAT_MAX, 0.0).astype(np.dtype(x.dtype)))
    if subtract_log_q:
        true_logits = true_logits - log(true_expected)
        sampled_logits = sampled_logits - log(sampled_expected)
    logits = concat([true_logits, sampled_logits], axis=1)
    targets = concat([ones_like(true_logits) / float(num_true), zeros_like(sampled_logits)], axis=1)
    return logits, targets


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
             sampled_values=None, remove_accidental_hits=False, name="nce_loss"):
    """Noise-contrastive estimation loss (TF 2's ``tf.nn.nce_loss``), ``[batch]``: the sigmoid
    cross-entropy of the true classes' logits against 1 / ``num_true`` and of
    ``num_sampled`` sampled classes' logits against 0, each logit less the log of its
    expected count. ``weights`` ``[num_classes, dim]`` (or a list of shards), ``biases``
    ``[num_classes]``, ``labels`` ``[batch, num_true]``, ``inputs`` ``[batch, dim]``.
    ``sampled_values`` = ``(sampled_candidates, true_expected_count, sampled_expected_count)``
    (default: TF's log-uniform sampler without repeats). Differentiable in ``weights``,
    ``biases`` and ``inputs``.
    """
    logits, targets = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                                      num_true, sampled_values, True, remove_accidental_hits, None,
                                      "nce_loss")
    return reduce_sum(sigmoid_cross_entropy_with_logits(labels=targets, logits=logits), axis=1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
                         sampled_values=None, remove_accidental_hits=True, seed=None,
                         name="sampled_softmax_loss"):
    """The softmax cross-entropy over the true classes and ``num_sampled`` sampled ones (TF 2's
    ``tf.nn.sampled_softmax_loss``), ``[batch]``; arguments as :func:`nce_loss`. Sampled
    classes that are true for a row are left out of its softmax (``remove_accidental_hits``).
    """
    logits, targets = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                                      num_true, sampled_values, True, remove_accidental_hits, seed,
                                      "sampled_softmax_loss")
    return softmax_cross_entropy_with_logits(labels=targets, logits=logits)


# ---------------------------------------------------------------------------
# grayscale morphology


def _four(value, what, opname):
    vals = argcheck.integers(value, what, opname)
    if len(vals) != 4 or vals[0] != 1 or vals[3] != 1 or min(vals) < 1:
        raise ValueError(f"{opname}: {what} must be 4 positive ints [1, h, w, 1], got {value!r}")
    return int(vals[1]), int(vals[2])


def _dilate(x, filters, strides, padding, dilations, opname, erode=False):
    """``max over (dy, dx) of x[b, y s + dy r, x s + dx r, c] + filters[dy, dx, c]`` (with
    ``erode``: the min of ``x[...] - filters[dy, dx, c]``), the input padded by -inf (+inf):
    composed from slices, so differentiable like ``reduce_max``."""
    f = convert_to_tensor(filters, dtype=x.dtype)
    if x.ndim != 4 or f.ndim != 3 or f.shape[-1] != x.shape[-1]:
        raise ValueError(f"{opname}: input must be [batch, height, width, depth] and filters "
                         f"[height, width, depth] with the same depth, got {x.shape} and {f.shape}")
    st = _four(strides, "strides", opname)
    rt = _four(dilations if dilations is not None else [1, 1, 1, 1], "dilations", opname)
    ks = tuple(f.shape[:2])
    (top, bottom), (left, right) = pads_of(padding, tuple(x.shape[1:3]), ks, st, rt, "NHWC", opname,
                                           explicit=False)
    oh = out_size(x.shape[1], (top, bottom), ks[0], st[0], rt[0])
    ow = out_size(x.shape[2], (left, right), ks[1], st[1], rt[1])
    if oh < 1 or ow < 1:
        raise ValueError(f"{opname}: the filter {ks} (dilated by {rt}) is larger than the input "
                         f"{tuple(x.shape[1:3])} with padding {padding!r}")
    xp_ = pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]],
              constant_values=np.inf if erode else -np.inf)
    parts = []
    for dy in range(ks[0]):
        for dx in range(ks[1]):
            y0, x0 = dy * rt[0], dx * rt[1]
            window = xp_[:, y0:y0 + (oh - 1) * st[0] + 1:st[0], x0:x0 + (ow - 1) * st[1] + 1:st[1], :]
            parts.append(window - f[dy, dx] if erode else window + f[dy, dx])
    return (reduce_min if erode else reduce_max)(stack(parts, axis=0), axis=0)


def dilation2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """Grayscale dilation (TF's ``tf.nn.dilation2d``): ``out[b, y, x, c] = max over (dy, dx) of
    input[b, y s + dy r, x s + dx r, c] + filters[dy, dx, c]``, with ``strides`` and
    ``dilations`` as ``[1, s, s, 1]`` lists and ``"SAME"``/``"VALID"`` padding (padding never
    wins). Differentiable (where a window ties, the gradient is shared, as ``reduce_max``'s;
    TF gives it to the first maximum).

    >>> wb.nn.dilation2d(wb.reshape(wb.range(4.0), (1, 2, 2, 1)), wb.zeros([2, 2, 1]),
    ...                  [1, 1, 1, 1], "VALID", dilations=[1, 1, 1, 1])[0, :, :, 0].numpy()
    array([[3.]], dtype=float32)
    """
    if data_format != "NHWC":
        raise ValueError(f"dilation2d: only data_format='NHWC' is supported, got {data_format!r}")
    x = _float_input(input, "input", "dilation2d")
    return _dilate(x, filters, strides, padding, dilations, "dilation2d")


def erosion2d(value, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """Grayscale erosion (TF's ``tf.nn.erosion2d``): ``min over (dy, dx) of value[b, y s - dy r,
    x s - dx r, c] - filters[dy, dx, c]`` (indices counted as TF does), which is
    ``-dilation2d(-value, filters reflected)``.

    >>> wb.nn.erosion2d(wb.reshape(wb.range(4.0), (1, 2, 2, 1)), wb.zeros([2, 2, 1]),
    ...                 [1, 1, 1, 1], "VALID", dilations=[1, 1, 1, 1])[0, :, :, 0].numpy()
    array([[0.]], dtype=float32)
    """
    if data_format != "NHWC":
        raise ValueError(f"erosion2d: only data_format='NHWC' is supported, got {data_format!r}")
    x = _float_input(value, "value", "erosion2d")
    f = convert_to_tensor(filters, dtype=x.dtype)
    if f.ndim != 3:
        raise ValueError(f"erosion2d: filters must be [height, width, depth], got {f.shape}")
    return _dilate(x, f[::-1, ::-1], strides, padding, dilations, "erosion2d", erode=True)


def space_to_batch(input, block_shape, paddings, name=None):
    """Move blocks of the spatial dimensions into the batch (TF 2's ``tf.nn.space_to_batch``,
    its ``space_to_batch_nd``): ``input`` ``[batch] + spatial (M dims) + rest`` is padded by
    ``paddings`` ``[M, 2]``, each spatial dimension split into ``size / block`` and ``block``,
    and the block offsets moved in front of the batch: ``[batch * prod(block_shape)] +
    [padded / block] + rest``. Differentiable.

    >>> wb.nn.space_to_batch(wb.reshape(wb.range(4), (1, 4, 1)), [2], [[0, 0]])[..., 0].numpy()
    array([[0, 2],
           [1, 3]], dtype=int32)
    """
    x = convert_to_tensor(input)
    block = [int(b) for b in np.asarray(convert_to_tensor(block_shape).numpy()).reshape(-1)]
    pads = np.asarray(convert_to_tensor(paddings).numpy()).reshape(-1, 2).astype(int)
    m = len(block)
    if m < 1 or min(block) < 1 or pads.shape[0] != m or (pads < 0).any() or x.ndim < m + 1:
        raise ValueError(f"space_to_batch: block_shape must be M >= 1 positive ints and paddings "
                         f"[M, 2] non-negative pairs for input of rank > M, got {block}, "
                         f"{pads.tolist()} and input shape {x.shape}")
    padded = [x.shape[1 + i] + pads[i, 0] + pads[i, 1] for i in range(m)]
    for i, (n, b) in enumerate(zip(padded, block)):
        if n % b:
            raise InvalidArgumentError(f"space_to_batch: padded size {n} of spatial dimension {i} "
                                       f"is not a multiple of its block size {b}")
    y = pad(x, [[0, 0]] + pads.tolist() + [[0, 0]] * (x.ndim - 1 - m))
    rest = tuple(x.shape[1 + m:])
    split = (x.shape[0],) + tuple(v for n, b in zip(padded, block) for v in (n // b, b)) + rest
    y = reshape(y, split)
    # [batch, n1, b1, n2, b2, ..., rest] -> [b1, b2, ..., batch, n1, n2, ..., rest]
    perm = ([2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)]
            + list(range(1 + 2 * m, 1 + 2 * m + len(rest))))
    y = transpose(y, perm)
    return reshape(y, (x.shape[0] * int(np.prod(block)),) + tuple(n // b for n, b in zip(padded, block)) + rest)


__all__ = [
    "space_to_batch",
    "erosion2d",
    "dilation2d",
    "atrous_conv2d_transpose",
    "sampled_softmax_loss",
    "nce_loss",
    "compute_accidental_hits",
    "weighted_moments",
    "sufficient_statistics",
    "space_to_depth",
    "lrn",
    "local_response_normalization",
    "l2_loss",
    "depth_to_space",
    "crelu",
    "batch_norm_with_global_normalization",
    "atrous_conv2d",
    "approx_max_k",
    "approx_min_k",
    "isotonic_regression",
    "avg_pool2d",
    "batch_normalization",
    "bias_add",
    "conv2d",
    "conv2d_transpose",
    "depthwise_conv2d",
    "elu",
    "embedding_lookup",
    "embedding_lookup_sparse",
    "gelu",
    "l2_normalize",
    "leaky_relu",
    "log_poisson_loss",
    "log_softmax",
    "max_pool2d",
    "moments",
    "normalize_moments",
    "relu",
    "relu6",
    "safe_embedding_lookup_sparse",
    "selu",
    "sigmoid_cross_entropy_with_logits",
    "silu",
    "softmax",
    "softmax_cross_entropy_with_logits",
    "softsign",
    "sparse_softmax_cross_entropy_with_logits",
    "swish",
    "weighted_cross_entropy_with_logits",
]
