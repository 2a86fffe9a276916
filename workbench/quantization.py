"""``wb.quantization``: TF's ``tf.quantization`` (fake quantization for quantization-aware
training, quantize-and-dequantize, quantize / dequantize).

The arithmetic is TF's kernels', step by step in the input's precision, so results are TF's
bit for bit: fake quantization nudges ``[min, max]`` so that 0 is exactly representable and
rounds on the nudged grid in float32. Gradients are TF's straight-through ones: the
incoming gradient passes where the input lies in the (nudged) range and is zero outside;
``min`` and ``max`` of the ``*_vars`` forms get the summed gradients of the inputs below and
above the range. Two ops carry this (``fake_quant``, ``quantize_and_dequantize``), so tapes,
forward mode and ``wb.function`` see them.

``quantize`` and ``dequantize`` follow TF's QuantizeV2 / Dequantize kernels (modes
MIN_COMBINED, MIN_FIRST, SCALED); TF's quantized dtypes (``qint8``, ``quint8``, ``qint16``,
``quint16``, ``qint32``) are their plain integer dtypes here, and may be named by those strings.
``quantized_concat`` requantizes its inputs into one range as TF's kernel does.

>>> import workbench as wb
>>> wb.quantization.fake_quant_with_min_max_args([-7.0, 0.5, 3.3], min=-6.0, max=6.0).numpy()
array([-6.0235295,  0.5176471,  3.2941177], dtype=float32)
"""

from __future__ import annotations

import collections

import numpy as np

from . import backend, core, dtypes as _dtypes
from .core import apply, convert_to_tensor, defop
from .errors import InvalidArgumentError
from .ops.elementwise import multiply
from .ops.reduce import reduce_sum

_F32 = np.float32

# ---------------------------------------------------------------------------
# fake quantization (TF's FakeQuantWithMinMax{Args,Vars,VarsPerChannel})


def _round_half_away(xp, z):
    """C's ``round``: halves away from zero (``z - trunc(z)`` is exact)."""
    t = xp.trunc(z)
    return xp.where(xp.abs(z - t) >= 0.5, t + xp.sign(z), t)


def _nudge(xp, lo, hi, num_bits, narrow_range):
    """TF's Nudge, in float32: ``(nudged_min, nudged_max, scale, inv_scale)``, each shaped as
    ``lo`` (a scalar, or one value per channel)."""
    qmin, qmax = _F32(1 if narrow_range else 0), _F32((1 << num_bits) - 1)
    with np.errstate(all="ignore"):
        scale = (hi - lo) / (qmax - qmin)
        inv_scale = (qmax - qmin) / (hi - lo)
        zp_from_min = qmin - lo / scale
        zp = xp.where(zp_from_min < qmin, qmin, xp.where(
            zp_from_min > qmax, qmax, _round_half_away(xp, zp_from_min))).astype(_F32)
        return (qmin - zp) * scale, (qmax - zp) * scale, scale, inv_scale


def _both_zero(xp, lo, hi):
    return (lo == 0) & (hi == 0)


def _fake_quant_fwd(xp, x, lo, hi, num_bits, narrow_range, divide=False):
    nmin, nmax, scale, inv_scale = _nudge(xp, lo, hi, num_bits, narrow_range)
    with np.errstate(all="ignore"):
        quant_zero = xp.floor(-nmin * inv_scale + _F32(0.5))
        shifted = xp.maximum(xp.minimum(x, nmax), nmin) - nmin
        # TF's scalar-range Vars kernel divides by the scale; Args and PerChannel multiply by its
        # inverse (the two differ in the last bit for some inputs)
        level = shifted / scale if divide else shifted * inv_scale
        out = xp.floor(level - quant_zero + _F32(0.5)) * scale
    # TF: min == max == 0 (a channel of) gives zeros
    return xp.where(_both_zero(xp, lo, hi), _F32(0), out).astype(_F32, copy=False)


def _fake_quant_masks_fwd(xp, x, lo, hi, num_bits, narrow_range):
    """Where ``x`` lies inside, below and above the nudged range (float32 0/1), as TF's
    FakeQuant*Gradient kernels select; where min == max == 0 every input is inside and min
    and max get no gradient."""
    nmin, nmax, _, _ = _nudge(xp, lo, hi, num_bits, narrow_range)
    live = ~_both_zero(xp, lo, hi)
    inside = ((x >= nmin) & (x <= nmax)) | ~live
    return (inside.astype(_F32), ((x < nmin) & live).astype(_F32), ((x > nmax) & live).astype(_F32))


_masks_op = defop("fake_quant_masks", _fake_quant_masks_fwd, nout=3, dtypes="real")


def _param_grad(g, mask, x, per_channel):
    """The gradient of ``min`` or ``max``: ``g * mask`` summed over the input's axes (all but
    the channel axis per channel); leading batch axes of ``g`` stay."""
    part = multiply(g, mask)
    b = part.ndim - x.ndim
    axes = list(range(b, part.ndim - (1 if per_channel else 0)))
    return reduce_sum(part, axis=axes) if axes else part


def _fake_quant_vjp(g, ans, x, lo, hi, num_bits, narrow_range, divide=False):
    inside, below, above = apply(_masks_op, (x, lo, hi), {"num_bits": num_bits, "narrow_range": narrow_range})
    per_channel = lo.ndim == 1
    return (multiply(g, inside), _param_grad(g, below, x, per_channel), _param_grad(g, above, x, per_channel))


def _fake_quant_jvp(ts, ans, x, lo, hi, num_bits, narrow_range, divide=False):
    masks = apply(_masks_op, (x, lo, hi), {"num_bits": num_bits, "narrow_range": narrow_range})
    out = None
    for t, m in zip(ts, masks):
        if t is not None:
            part = multiply(t, m)
            out = part if out is None else out + part
    return out


_fake_quant_op = defop("fake_quant", _fake_quant_fwd, vjp=_fake_quant_vjp, jvp=_fake_quant_jvp, dtypes="real")


def _check_bits(num_bits, opname):
    if not isinstance(num_bits, (int, np.integer)) or isinstance(num_bits, bool):
        raise TypeError(f"{opname}: num_bits must be an int, got {num_bits!r}")
    if not 2 <= num_bits <= 16:
        raise InvalidArgumentError(None, None, f"{opname}: num_bits must be between 2 and 16, inclusive, "
                                   f"got {num_bits}")
    return int(num_bits)


def _f32_input(inputs, what, opname):
    t = convert_to_tensor(inputs, dtype_hint=_dtypes.float32)
    if t._data.dtype != np.float32:
        raise InvalidArgumentError(None, None, f"{opname}: {what} must be a float32 tensor, got dtype {t.dtype}")
    return t


def _min_max(min, max, inputs, per_channel, opname):   # noqa: A002 - TF's names
    lo, hi = _f32_input(min, "min", opname), _f32_input(max, "max", opname)
    for name, t in (("min", lo), ("max", hi)):
        if per_channel:
            if t.ndim != 1:
                raise InvalidArgumentError(None, None, f"{opname}: `{name}` must be rank 1 but is rank {t.ndim}")
            depth = inputs.shape[-1] if inputs.ndim else None
            if inputs.ndim == 0 or t.shape[0] != depth:
                raise InvalidArgumentError(None, None, f"{opname}: {name} has incorrect size, expected "
                                           f"{depth} (the last dimension of inputs) was {t.shape[0]}")
        elif t.ndim != 0:
            raise InvalidArgumentError(None, None, f"{opname}: `{name}` must be rank 0 but is rank {t.ndim}")
    return lo, hi


def _args_range(min, max, opname):   # noqa: A002
    lo, hi = _F32(min), _F32(max)
    if not lo < hi:
        raise InvalidArgumentError(None, None, f"{opname}: min has to be smaller than max, was: {min} >= {max}")
    return core.constant(lo), core.constant(hi)


def fake_quant_with_min_max_args(inputs, min=-6, max=6, num_bits=8, narrow_range=False, name=None):   # noqa: A002
    """Fake-quantize float32 ``inputs`` to ``num_bits`` (2..16) on ``[min, max]`` nudged to hold 0
    exactly; ``narrow_range`` uses the levels ``1 .. 2**num_bits - 1``. The gradient passes
    inside the nudged range and is zero outside (TF's ``FakeQuantWithMinMaxArgsGradient``)."""
    opname = "fake_quant_with_min_max_args"
    bits = _check_bits(num_bits, opname)
    x = _f32_input(inputs, "inputs", opname)
    lo, hi = _args_range(min, max, opname)
    return apply(_fake_quant_op, (x, lo, hi), {"num_bits": bits, "narrow_range": bool(narrow_range)})


def fake_quant_with_min_max_vars(inputs, min, max, num_bits=8, narrow_range=False, name=None):   # noqa: A002
    """As ``fake_quant_with_min_max_args`` with the range given by scalar float32 tensors ``min``
    and ``max``, which get gradients (the summed gradients of the inputs below / above the
    range). ``min == max == 0`` gives zeros."""
    opname = "fake_quant_with_min_max_vars"
    bits = _check_bits(num_bits, opname)
    x = _f32_input(inputs, "inputs", opname)
    lo, hi = _min_max(min, max, x, False, opname)
    return apply(_fake_quant_op, (x, lo, hi), {"num_bits": bits, "narrow_range": bool(narrow_range), "divide": True})


def fake_quant_with_min_max_vars_per_channel(inputs, min, max, num_bits=8, narrow_range=False,   # noqa: A002
                                             name=None):
    """As ``fake_quant_with_min_max_vars`` with one range per channel: ``min`` and ``max`` have
    shape ``[d]``, the last dimension of ``inputs``."""
    opname = "fake_quant_with_min_max_vars_per_channel"
    bits = _check_bits(num_bits, opname)
    x = _f32_input(inputs, "inputs", opname)
    lo, hi = _min_max(min, max, x, True, opname)
    return apply(_fake_quant_op, (x, lo, hi), {"num_bits": bits, "narrow_range": bool(narrow_range)})


FakeQuantWithMinMaxVarsGradient = collections.namedtuple(
    "FakeQuantWithMinMaxVarsGradient", ["backprops_wrt_input", "backprop_wrt_min", "backprop_wrt_max"])
FakeQuantWithMinMaxVarsPerChannelGradient = collections.namedtuple(
    "FakeQuantWithMinMaxVarsPerChannelGradient", ["backprops_wrt_input", "backprop_wrt_min", "backprop_wrt_max"])


def _gradients(gradients, x, lo, hi, bits, narrow_range, opname):
    g = _f32_input(gradients, "gradients", opname)
    if g.shape != x.shape:
        raise InvalidArgumentError(None, None, f"{opname}: gradients and inputs must have the same shape, "
                                   f"got {tuple(g.shape)} and {tuple(x.shape)}")
    return _fake_quant_vjp(g, None, x, lo, hi, bits, bool(narrow_range))


def fake_quant_with_min_max_args_gradient(gradients, inputs, min=-6, max=6, num_bits=8,   # noqa: A002
                                          narrow_range=False, name=None):
    """TF's ``FakeQuantWithMinMaxArgsGradient``: ``gradients`` where ``inputs`` lie in the nudged
    range, else 0."""
    opname = "fake_quant_with_min_max_args_gradient"
    bits = _check_bits(num_bits, opname)
    x = _f32_input(inputs, "inputs", opname)
    lo, hi = _args_range(min, max, opname)
    return _gradients(gradients, x, lo, hi, bits, narrow_range, opname)[0]


def fake_quant_with_min_max_vars_gradient(gradients, inputs, min, max, num_bits=8,   # noqa: A002
                                          narrow_range=False, name=None):
    """TF's ``FakeQuantWithMinMaxVarsGradient``: the gradients wrt inputs, min and max."""
    opname = "fake_quant_with_min_max_vars_gradient"
    bits = _check_bits(num_bits, opname)
    x = _f32_input(inputs, "inputs", opname)
    lo, hi = _min_max(min, max, x, False, opname)
    return FakeQuantWithMinMaxVarsGradient(*_gradients(gradients, x, lo, hi, bits, narrow_range, opname))


def fake_quant_with_min_max_vars_per_channel_gradient(gradients, inputs, min, max, num_bits=8,   # noqa: A002
                                                      narrow_range=False, name=None):
    """TF's ``FakeQuantWithMinMaxVarsPerChannelGradient``: per-channel gradients wrt min and max."""
    opname = "fake_quant_with_min_max_vars_per_channel_gradient"
    bits = _check_bits(num_bits, opname)
    x = _f32_input(inputs, "inputs", opname)
    lo, hi = _min_max(min, max, x, True, opname)
    return FakeQuantWithMinMaxVarsPerChannelGradient(*_gradients(gradients, x, lo, hi, bits, narrow_range, opname))


# ---------------------------------------------------------------------------
# quantize and dequantize (TF's QuantizeAndDequantizeV2 / V4)

_QDQ_DTYPES = (np.float32, np.float64)   # TF's CPU kernels


def _qdq_fwd(xp, x, lo, hi, signed_input, num_bits, range_given, round_mode, narrow_range, axis):
    t = x.dtype.type
    if not range_given:   # the input's own range, per slice along axis
        if x.size == 0:
            return x.copy()
        axes = tuple(k for k in range(x.ndim) if k != axis)
        lo, hi = x.min(axis=axes, keepdims=True), x.max(axis=axes, keepdims=True)
    elif bool(lo > hi):   # checked here, so a wb.function's replay checks each call's range too
        raise InvalidArgumentError(None, None, f"quantize_and_dequantize: Invalid range: input_min {lo} > "
                                   f"input_max {hi}")
    if signed_input:
        min_q, max_q = t(-(1 << (num_bits - 1)) + (1 if narrow_range else 0)), t((1 << (num_bits - 1)) - 1)
    else:
        min_q, max_q = t(0), t((1 << num_bits) - 1)
    big = t(np.finfo(x.dtype).max)
    with np.errstate(all="ignore"):
        from_min = xp.where(min_q * lo > 0, min_q / lo, big)
        from_max = xp.where(max_q * hi > 0, max_q / hi, big)
        use_min = from_min < from_max
        scale = xp.where(use_min, from_min, from_max)
        inv = xp.where(use_min, lo / min_q, hi / max_q)
        lo = xp.where(use_min, lo, min_q * inv)
        hi = xp.where(use_min, max_q * inv, hi)
        # TF clamps to the (widened) range only when it was given
        y = (xp.maximum(xp.minimum(x, hi), lo) if range_given else x) * scale
        y = xp.rint(y) if round_mode == "HALF_TO_EVEN" else xp.floor(y + t(0.5))
        return (y * inv).astype(x.dtype, copy=False)


def _qdq_mask(x, lo, hi, axis):
    """1 where ``lo <= x <= hi`` (the given range, per slice along ``axis``), else 0: TF's
    QuantizeAndDequantizeV4Grad."""
    if axis is not None:
        shape = [1] * x.ndim
        shape[axis] = -1
        lo, hi = lo.reshape(shape), hi.reshape(shape)
    return ((x >= lo) & (x <= hi)).astype(x.dtype)


_qdq_mask_op = defop("quantize_and_dequantize_mask", lambda xp, x, lo, hi, axis: _qdq_mask(x, lo, hi, axis),
                     dtypes="real")


def _qdq_vjp(g, ans, x, lo, hi, axis, **params):
    mask = apply(_qdq_mask_op, (x, lo, hi), {"axis": axis})
    # TF's V4 gradient: zeros (not None) for input_min and input_max
    return (multiply(g, mask), multiply(lo, 0), multiply(hi, 0))


def _qdq_jvp(ts, ans, x, lo, hi, axis, **params):
    if ts[0] is None:
        return None
    return multiply(ts[0], apply(_qdq_mask_op, (x, lo, hi), {"axis": axis}))


_qdq_op = defop("quantize_and_dequantize", lambda xp, x, lo, hi, axis, **p: _qdq_fwd(xp, x, lo, hi, axis=axis, **p),
                vjp=_qdq_vjp, jvp=_qdq_jvp, dtypes="real")


# the deprecated form (TF's QuantizeAndDequantizeV2 op): the gradient passes everywhere
_qdq_pass_op = defop("quantize_and_dequantize_pass_through",
                     lambda xp, x, lo, hi, axis, **p: _qdq_fwd(xp, x, lo, hi, axis=axis, **p),
                     vjp=lambda g, ans, x, lo, hi, **p: (g, None, None),
                     jvp=lambda ts, ans, x, lo, hi, **p: ts[0], dtypes="real")


def _qdq_args(input, input_min, input_max, signed_input, num_bits, range_given, round_mode,   # noqa: A002
              narrow_range, axis, opname):
    x = convert_to_tensor(input, dtype_hint=_dtypes.float32)
    if x._data.dtype not in _QDQ_DTYPES:
        raise TypeError(f"{opname}: input has dtype {x.dtype}, expected float32 or float64")
    lo, hi = convert_to_tensor(input_min, dtype=x.dtype), convert_to_tensor(input_max, dtype=x.dtype)
    if not isinstance(num_bits, (int, np.integer)) or isinstance(num_bits, bool):
        raise TypeError(f"{opname}: num_bits must be an int, got {num_bits!r}")
    top = 62 if signed_input else 63
    if not 0 < num_bits < top:
        raise InvalidArgumentError(None, None, f"{opname}: num_bits is out of range: {num_bits} with "
                                   f"signed_input {bool(signed_input)} (expected 1 to {top - 1})")
    if round_mode not in ("HALF_TO_EVEN", "HALF_UP"):
        raise ValueError(f"{opname}: round_mode must be 'HALF_TO_EVEN' or 'HALF_UP', got {round_mode!r}")
    if axis is not None:
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
            raise TypeError(f"{opname}: axis must be an int or None, got {axis!r}")
        if not -x.ndim <= axis < x.ndim:
            raise InvalidArgumentError(None, None, f"{opname}: axis {axis} is out of range for an input of "
                                       f"rank {x.ndim}")
        axis = int(axis) % x.ndim
    if range_given:
        # TF 2.21 refuses a given range per axis (a vector: "must be a scalar", a scalar: "must be rank 1")
        for what, t in (("input_min", lo), ("input_max", hi)):
            if t.ndim != 0:
                raise InvalidArgumentError(None, None, f"{opname}: {what} must be a scalar when range_given, "
                                           f"got shape {tuple(t.shape)}")
        if axis is not None:
            raise InvalidArgumentError(None, None, f"{opname}: input_min must be a scalar. (TF 2.21 refuses a "
                                       f"given range per axis)")
    elif axis is not None:
        for what, t in (("input_min", lo), ("input_max", hi)):
            if t.shape != (x.shape[axis],):
                raise InvalidArgumentError(None, None, f"{opname}: {what} must have shape [{x.shape[axis]}] "
                                           f"(the size of axis {axis}), got {tuple(t.shape)}")
    params = {"signed_input": bool(signed_input), "num_bits": int(num_bits), "range_given": bool(range_given),
              "round_mode": round_mode, "narrow_range": bool(narrow_range), "axis": axis}
    return x, lo, hi, params


def quantize_and_dequantize_v2(input, input_min, input_max, signed_input=True, num_bits=8,   # noqa: A002
                               range_given=False, round_mode="HALF_TO_EVEN", name=None, narrow_range=False,
                               axis=None):
    """Quantize ``input`` to ``num_bits`` signed or unsigned levels and back (TF's
    ``QuantizeAndDequantizeV4``): the range is ``[input_min, input_max]`` when ``range_given``,
    else the input's own (per slice along ``axis``), widened on one side so that the scale is
    the same from both ends. The gradient passes where ``input_min <= input <= input_max``
    and is zero elsewhere; ``input_min`` and ``input_max`` get zero gradients."""
    x, lo, hi, params = _qdq_args(input, input_min, input_max, signed_input, num_bits, range_given, round_mode,
                                  narrow_range, axis, "quantize_and_dequantize_v2")
    return apply(_qdq_op, (x, lo, hi), params)


def quantize_and_dequantize(input, input_min, input_max, signed_input=True, num_bits=8,   # noqa: A002
                            range_given=False, round_mode="HALF_TO_EVEN", name=None, narrow_range=False,
                            axis=None):
    """The deprecated form of ``quantize_and_dequantize_v2``: the same values, with the
    gradient passing everywhere (``input_min`` and ``input_max`` get none)."""
    x, lo, hi, params = _qdq_args(input, input_min, input_max, signed_input, num_bits, range_given, round_mode,
                                  narrow_range, axis, "quantize_and_dequantize")
    return apply(_qdq_pass_op, (x, lo, hi), params)


# ---------------------------------------------------------------------------
# quantize / dequantize (TF's QuantizeV2 and Dequantize kernels)

# TF's quantized dtypes, held here as their plain integer dtypes
_QTYPES = {"qint8": np.int8, "quint8": np.uint8, "qint16": np.int16, "quint16": np.uint16, "qint32": np.int32}
_MODES = ("MIN_COMBINED", "MIN_FIRST", "SCALED")

QuantizeV2 = collections.namedtuple("QuantizeV2", ["output", "output_min", "output_max"])


def _qtype(T, opname, what="T"):
    name = T if isinstance(T, str) else getattr(T, "name", None)
    if name in _QTYPES:
        return np.dtype(_QTYPES[name])
    try:
        d = np.dtype(_dtypes.as_dtype(T).as_numpy_dtype)
    except (TypeError, ValueError, AttributeError):
        d = None
    if d is None or d.type not in _QTYPES.values():
        raise TypeError(f"{opname}: {what} must be one of qint8, quint8, qint16, quint16, qint32 (here int8, "
                        f"uint8, int16, uint16, int32), got {T!r}")
    return d


def _ranges(min_range, max_range, axis, x, opname):
    """The range tensors (float32) checked against ``x`` and ``axis``; and ``axis`` made positive."""
    lo = convert_to_tensor(min_range, dtype=_dtypes.float32)
    hi = convert_to_tensor(max_range, dtype=_dtypes.float32)
    if axis is None:
        if lo.ndim or hi.ndim:
            raise InvalidArgumentError(None, None, f"{opname}: min_range and max_range must be scalars without "
                                       f"an axis, got shapes {tuple(lo.shape)} and {tuple(hi.shape)}")
        return lo, hi, None
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{opname}: axis must be an int or None, got {axis!r}")
    if not -x.ndim <= axis < x.ndim:
        raise InvalidArgumentError(None, None, f"{opname}: axis {axis} is out of range for an input of rank {x.ndim}")
    axis = int(axis) % x.ndim
    depth = x.shape[axis]
    for what, r in (("min_range", lo), ("max_range", hi)):
        if tuple(r.shape) != (depth,):
            raise InvalidArgumentError(None, None, f"{opname}: {what} must have shape [{depth}] (the size of "
                                       f"axis {axis}), got {tuple(r.shape)}")
    return lo, hi, axis


def _on_host(a, lo, hi, axis):
    """``a``, ``lo`` and ``hi`` as host arrays, the ranges shaped to broadcast along ``axis``;
    the kernels' arithmetic runs on the host and the results go back to ``a``'s device."""
    a, lo, hi = backend.to_numpy(a), backend.to_numpy(lo), backend.to_numpy(hi)
    if axis is not None:
        shape = [1] * a.ndim
        shape[axis] = -1
        lo, hi = lo.reshape(shape), hi.reshape(shape)
    return a, lo, hi


def _quantize_fwd(xp, a, lo_in, hi_in, T, mode, round_mode, narrow_range, axis, ensure_minimum_range):
    dev = backend.device_of(a)
    a, lo_in, hi_in = _on_host(a, lo_in, hi_in, axis)
    if np.any(lo_in > hi_in):   # checked here, so a wb.function's replay checks each call's range too
        raise InvalidArgumentError(None, None, f"quantize: input_max_range must be larger than input_min_range, "
                                   f"got min_range {lo_in.ravel().tolist()} and max_range {hi_in.ravel().tolist()}")
    qd = np.dtype(T)
    f32 = _F32
    info = np.iinfo(qd)
    with np.errstate(all="ignore"):
        lo = np.minimum(f32(0), lo_in)
        eps = np.maximum(f32(1), np.maximum(np.abs(lo_in), np.abs(hi_in))) * f32(ensure_minimum_range)
        hi = np.maximum(f32(0), np.maximum(hi_in, lo + eps))
        if mode == "MIN_COMBINED":
            scale = ((float(info.max) - float(info.min)) / (hi - lo).astype(np.float64)).astype(f32)
            shifted = (np.maximum(np.minimum(a, hi), lo) - lo) * scale
            if info.min < 0:
                half = f32((float(info.max) - float(info.min) + 1) / 2)
                out = _round_half_away(np, shifted - half)
            else:
                out = np.trunc(shifted + f32(0.5))
        elif mode == "MIN_FIRST":
            out = _float_to_quantized(a, lo, hi, qd)
        else:
            qmin, qmax = info.min + (1 if narrow_range else 0), info.max
            from_min = np.where(qmin * lo > 0, f32(qmin) / lo, f32(np.finfo(f32).max))
            from_max = np.where(qmax * hi > 0, f32(qmax) / hi, f32(np.finfo(f32).max))
            scale = np.minimum(from_min, from_max)
            lo, hi = _flush(f32(qmin) / scale), _flush(f32(qmax) / scale)   # TF flushes subnormals
            y = np.maximum(np.minimum(a, hi), lo) * scale
            out = np.rint(y) if round_mode == "HALF_TO_EVEN" else _round_half_away(np, y)
        out = out.astype(np.int64).astype(qd)
    shape = () if axis is None else (a.shape[axis],)
    return tuple(backend.move(v, dev) for v in (
        out, np.asarray(lo, f32).reshape(shape), np.asarray(hi, f32).reshape(shape)))


_quantize_op = defop("quantize_v2", _quantize_fwd, nout=3, dtypes="real")


def quantize(input, min_range, max_range, T, mode="MIN_COMBINED", round_mode="HALF_AWAY_FROM_ZERO",   # noqa: A002
             name=None, narrow_range=False, axis=None, ensure_minimum_range=0.01):
    """Quantize float32 ``input`` on ``[min_range, max_range]`` (per slice along ``axis``) to the
    integer dtype ``T`` (TF's ``QuantizeV2``): ``MIN_COMBINED`` maps the range onto all of
    ``T``'s values, ``MIN_FIRST`` rounds the offset from the rounded minimum, ``SCALED`` scales
    symmetrically around 0. The range is widened to hold 0 and to at least
    ``ensure_minimum_range * max(1, |min|, |max|)``. Returns ``(output, output_min,
    output_max)``, the range the output stands for. Not differentiable (as TF)."""
    opname = "quantize"
    x = convert_to_tensor(input, dtype_hint=_dtypes.float32)
    if x._data.dtype != np.float32:
        raise TypeError(f"{opname}: input must be float32, got {x.dtype}")
    qd = _qtype(T, opname)
    if mode not in _MODES:
        raise ValueError(f"{opname}: mode must be one of {', '.join(_MODES)}, got {mode!r}")
    if round_mode not in ("HALF_AWAY_FROM_ZERO", "HALF_TO_EVEN"):
        raise ValueError(f"{opname}: round_mode must be 'HALF_AWAY_FROM_ZERO' or 'HALF_TO_EVEN', got {round_mode!r}")
    if round_mode == "HALF_TO_EVEN" and mode != "SCALED":
        raise InvalidArgumentError(None, None, f"{opname}: Round mode 'HALF_TO_EVEN' only supported for mode "
                                   f"'SCALED', but mode is '{mode}'.")
    lo, hi, axis = _ranges(min_range, max_range, axis, x, opname)
    params = {"T": qd.name, "mode": mode, "round_mode": round_mode, "narrow_range": bool(narrow_range),
              "axis": axis, "ensure_minimum_range": float(ensure_minimum_range)}
    return QuantizeV2(*apply(_quantize_op, (x, lo, hi), params))


def _dequantize_fwd(xp, a, lo, hi, mode, narrow_range, axis):
    dev = backend.device_of(a)
    a, lo, hi = _on_host(a, lo, hi, axis)
    f32 = _F32
    info = np.iinfo(a.dtype)
    with np.errstate(all="ignore"):
        if mode == "MIN_COMBINED":
            scale = (hi - lo) / (f32(info.max) - f32(info.min))
            half = f32((float(info.max) - float(info.min) + 1) / 2) if info.min < 0 else f32(0)
            out = (a.astype(f32) + half) * scale + lo
        elif mode == "MIN_FIRST":
            out = _quantized_to_float(a, lo, hi)
        else:
            qmin, qmax = info.min + (1 if narrow_range else 0), info.max
            if info.min == 0:
                scale = _flush(hi / f32(qmax))
            else:
                scale = _flush(np.maximum(lo / f32(qmin), hi / f32(qmax)))
            out = a.astype(f32) * scale
    return backend.move(_flush(np.asarray(out, f32)), dev)


_dequantize_op = defop("dequantize", _dequantize_fwd, dtypes="int")


def dequantize(input, min_range, max_range, mode="MIN_COMBINED", name=None, axis=None,   # noqa: A002
               narrow_range=False, dtype=_dtypes.float32):
    """The float values (``dtype``: float32) that the quantized ``input`` stands for on
    ``[min_range, max_range]`` (TF's ``Dequantize``; ``mode`` and ``narrow_range`` as in
    ``quantize``)."""
    opname = "dequantize"
    x = convert_to_tensor(input)
    qd = x._data.dtype
    if qd.type not in _QTYPES.values():
        raise TypeError(f"{opname}: input must be a quantized (int8, uint8, int16, uint16, int32) tensor, "
                        f"got {x.dtype}")
    if mode not in _MODES:
        raise ValueError(f"{opname}: mode must be one of {', '.join(_MODES)}, got {mode!r}")
    out_dtype = _dtypes.as_dtype(dtype)
    if out_dtype not in (_dtypes.float32,):
        raise TypeError(f"{opname}: dtype must be float32, got {out_dtype}")
    lo, hi, axis = _ranges(min_range, max_range, axis, x, opname)
    return apply(_dequantize_op, (x, lo, hi), {"mode": mode, "narrow_range": bool(narrow_range), "axis": axis})


def _flush(v):
    """Subnormal float32 values as 0: TF's CPU kernels run with denormals flushed."""
    return np.where(np.abs(v) < np.finfo(_F32).tiny, _F32(0), v).astype(_F32, copy=False)


# ---------------------------------------------------------------------------
# quantized_concat (TF's QuantizedConcat: quint8 and qint32, as TF's CPU kernels)

QuantizedConcat = collections.namedtuple("QuantizedConcat", ["output", "output_min", "output_max"])


def _steps(dtype):
    return float(1 << (8 * np.dtype(dtype).itemsize))


def _quantized_to_float(q, lo, hi):
    """TF's Eigen dequantization (QuantizedToFloatStruct), in float32 as TF: level ``q`` of the
    range ``[lo, hi]`` (scalars or arrays broadcasting against ``q``), the minimum rounded to a
    whole number of steps."""
    info = np.iinfo(q.dtype)
    lo, hi = np.asarray(lo, _F32), np.asarray(hi, _F32)
    with np.errstate(all="ignore"):
        scale = ((hi - lo).astype(np.float64) / (_steps(q.dtype) - 1.0)).astype(_F32)
        lo_rounded = np.where(hi == lo, lo, _round_half_away(np, lo / scale) * scale)
        return (lo_rounded - _F32(info.min) * scale) + q.astype(_F32) * scale


def _float_to_quantized(v, lo, hi, dtype):
    """TF's Eigen quantization (FloatToQuantizedStruct), in float32 as TF, clamped to the
    levels of ``dtype`` (int32's highest float32 is the one below 2**31)."""
    info = np.iinfo(dtype)
    lo, hi = np.asarray(lo, _F32), np.asarray(hi, _F32)
    with np.errstate(all="ignore"):
        scale = np.where(hi == lo, _F32(0),
                         ((_steps(dtype) - 1.0) / (hi - lo).astype(np.float64)).astype(_F32)).astype(_F32)
        lo_scaled = _round_half_away(np, lo * scale)
        out = _round_half_away(np, v * scale) - (lo_scaled - _F32(info.min))
    low = max(_F32(info.min), _F32(-2.147483648e9))
    high = min(_F32(info.max), _F32(2.147483520e9))
    return np.minimum(np.maximum(out, low), high)


def quantized_concat(concat_dim, values, input_mins, input_maxes, name=None):
    """Concatenate quantized tensors (``quint8`` or ``qint32``, as TF's CPU kernels) along
    ``concat_dim`` (TF's ``QuantizedConcat``): the output range spans every input's (widened
    to hold 0; symmetric for signed types) and each input whose range differs is requantized
    into it. Returns ``(output, output_min, output_max)``."""
    opname = "quantized_concat"
    tensors = [convert_to_tensor(v) for v in values]
    if not tensors:
        raise ValueError(f"{opname}: values must hold at least one tensor")
    qd = tensors[0]._data.dtype
    if qd not in (np.dtype(np.uint8), np.dtype(np.int32)):
        raise TypeError(f"{opname}: values must be quint8 (uint8) or qint32 (int32) tensors, got {qd}")
    if any(t._data.dtype != qd for t in tensors):
        raise TypeError(f"{opname}: values must share one dtype, got {[str(t.dtype) for t in tensors]}")
    mins = [convert_to_tensor(m, dtype=_dtypes.float32).numpy() for m in input_mins]
    maxes = [convert_to_tensor(m, dtype=_dtypes.float32).numpy() for m in input_maxes]
    if len(mins) != len(tensors) or len(maxes) != len(tensors):
        raise InvalidArgumentError(None, None, f"{opname}: {len(tensors)} values need as many input_mins and "
                                   f"input_maxes, got {len(mins)} and {len(maxes)}")
    if any(m.ndim for m in mins + maxes):
        raise InvalidArgumentError(None, None, f"{opname}: input_mins and input_maxes must hold scalars")
    dim = convert_to_tensor(concat_dim).numpy()
    if dim.ndim or dim.dtype.kind not in "iu":
        raise InvalidArgumentError(None, None, f"{opname}: concat_dim must be a scalar integer, got {concat_dim!r}")
    rank = tensors[0].ndim
    axis = int(dim)
    if not -rank <= axis < rank:
        raise InvalidArgumentError(None, None, f"{opname}: concat_dim {axis} is out of range for values of rank {rank}")
    out_min = min(_F32(0), min(_F32(m) for m in mins))
    out_max = max(_F32(m) for m in maxes)
    if qd.kind == "i":   # symmetric around 0
        largest = max(abs(out_min), abs(out_max))
        out_min, out_max = -largest, largest
    parts = []
    for t, lo, hi in zip(tensors, mins, maxes):
        a = t.numpy()
        if _F32(lo) == out_min and _F32(hi) == out_max:
            parts.append(a)
        else:
            parts.append(_float_to_quantized(_quantized_to_float(a, lo, hi), out_min, out_max, qd).astype(qd))
    try:
        out = np.concatenate(parts, axis=axis)
    except ValueError as exc:
        raise InvalidArgumentError(None, None, f"{opname}: the values' shapes {[tuple(t.shape) for t in tensors]} "
                                   f"differ outside concat_dim {axis}") from exc
    dev = backend.device_of(tensors[0]._data)   # computed on the host, placed where the values are
    return QuantizedConcat(*[core.wrap(backend.move(v, dev)) for v in (
        out, np.asarray(out_min, _F32), np.asarray(out_max, _F32))])
