"""TF's convolution names beyond ``conv.py``'s: ``nn.depthwise_conv2d_backprop_filter`` /
``_input`` (the depthwise convolution's gradients as ops of their own, run on the same
records as its reverse rule, so they differentiate again) and ``tf.conv``, the generic
N-D convolution (2 or 3 spatial dimensions, leading batch dimensions, groups)."""

from __future__ import annotations

import numpy as np

from ..core import convert_to_tensor
from ..errors import argcheck
from .conv import _backprop_filter, _backprop_input, _conv_args, _convolve
from .shape import concat, reshape, split, transpose
from .windows import from_channels_last, to_channels_last

__all__ = ["conv", "depthwise_conv2d_backprop_filter", "depthwise_conv2d_backprop_input"]


def _sizes(value, what, opname):
    vals = [int(v) for v in argcheck.integers(value, what, opname, "a list of 4 ints")]
    if len(vals) != 4 or min(vals) < 1:
        raise ValueError(f"{opname}: {what} must be 4 positive ints, got {vals}")
    return vals


def depthwise_conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding, data_format="NHWC",
                                     dilations=[1, 1, 1, 1], name=None):  # noqa: B006  (TF's default)
    """The gradient of ``nn.depthwise_conv2d`` with respect to its filter ``[KH, KW, C, M]``
    (``filter_sizes``), given ``input`` and the output's cotangent ``out_backprop``."""
    opname = "depthwise_conv2d_backprop_filter"
    x = convert_to_tensor(input)
    shape = _sizes(filter_sizes, "filter_sizes", opname)
    dummy = np.zeros(shape, dtype=x._data.dtype if x.dtype.kind == "f" else np.float32)
    x, w, fmt, geo = _conv_args(opname, 2, x, dummy, strides, padding, data_format, dilations, fname="filter")
    dy = to_channels_last(convert_to_tensor(out_backprop, dtype=x.dtype), fmt, 2)
    return _backprop_filter(x, dy, tuple(shape), depthwise=True, **geo)


def depthwise_conv2d_backprop_input(input_sizes, filter, out_backprop, strides, padding, data_format="NHWC",
                                    dilations=[1, 1, 1, 1], name=None):  # noqa: B006  (TF's default)
    """The gradient of ``nn.depthwise_conv2d`` with respect to its input (of shape
    ``input_sizes``, in ``data_format`` order), given ``filter`` and ``out_backprop``."""
    opname = "depthwise_conv2d_backprop_input"
    w = convert_to_tensor(filter)
    shape = _sizes(input_sizes, "input_sizes", opname)
    dummy = np.zeros(shape, dtype=w._data.dtype if w.dtype.kind == "f" else np.float32)
    x, w, fmt, geo = _conv_args(opname, 2, dummy, w, strides, padding, data_format, dilations, fname="filter")
    dy = to_channels_last(convert_to_tensor(out_backprop, dtype=w.dtype), fmt, 2)
    out = _backprop_input(w, dy, tuple(x.shape), depthwise=True, **geo)
    return from_channels_last(out, fmt, 2)


def conv(input, filter, strides, padding, explicit_paddings=[], data_format="CHANNELS_LAST",  # noqa: B006
         dilations=[], batch_dims=1, groups=1, name=None):  # noqa: B006  (TF's defaults)
    """TF's generic ``tf.conv``: ``input`` ``[*batch (batch_dims), *spatial (2 or 3), C]``
    (``CHANNELS_FIRST``: ``[*batch, C, *spatial]``), ``filter`` ``[*spatial, C / groups, O]``;
    ``strides`` and ``dilations`` have ``spatial + 2`` entries; ``padding`` ``"VALID"``,
    ``"SAME"`` or ``"EXPLICIT"`` (then ``explicit_paddings``: a ``[before, after]`` pair per
    dimension of a one-batch-dimension input, flattened). ``groups`` splits the channels."""
    opname = "conv"
    x = convert_to_tensor(input)
    w = convert_to_tensor(filter)
    nd = w.ndim - 2
    if nd not in (2, 3):
        raise ValueError(f"{opname}: the input must have 2 or 3 spatial dimensions but got {nd} "
                         f"(filter shape {w.shape})")
    batch_dims = int(batch_dims)
    if batch_dims < 1 or x.ndim != batch_dims + nd + 1:
        raise ValueError(f"{opname}: input must have rank batch_dims + {nd + 1} = {batch_dims + nd + 1}, "
                         f"got shape {x.shape}")
    if data_format not in ("CHANNELS_LAST", "CHANNELS_FIRST"):
        raise ValueError(f"{opname}: data_format must be 'CHANNELS_LAST' or 'CHANNELS_FIRST', got {data_format!r}")
    for what, v in (("strides", strides), ("dilations", dilations)):
        if what == "dilations" and not list(v):
            continue
        if len(list(v)) != nd + 2:
            raise ValueError(f"{opname}: {what} must specify {nd + 2} dimensions, got {list(v)}")
    lead = tuple(x.shape[:batch_dims])
    if batch_dims > 1:
        x = reshape(x, (-1,) + tuple(x.shape[batch_dims:]))
    if data_format == "CHANNELS_FIRST":   # the library's convolutions run channels-last
        x = transpose(x, [0] + list(range(2, nd + 2)) + [1])
    st = [list(strides)[i] for i in range(1, nd + 1)] if data_format == "CHANNELS_LAST" else list(strides)[2:]
    dl = (None if not list(dilations) else
          ([list(dilations)[i] for i in range(1, nd + 1)] if data_format == "CHANNELS_LAST" else list(dilations)[2:]))
    if padding == "EXPLICIT":
        pads = [int(v) for v in explicit_paddings]
        if len(pads) != 2 * (nd + 2):
            raise ValueError(f"{opname}: explicit_paddings must have {2 * (nd + 2)} entries, got {pads}")
        pairs = [pads[2 * i:2 * i + 2] for i in range(nd + 2)]
        if data_format == "CHANNELS_FIRST":
            pairs = [pairs[0]] + pairs[2:] + [pairs[1]]
        pad_arg = pairs
    elif padding in ("VALID", "SAME"):
        if list(explicit_paddings):
            raise ValueError(f"{opname}: explicit_paddings must be empty unless padding is 'EXPLICIT'")
        pad_arg = padding
    else:
        raise ValueError(f"{opname}: padding must be 'VALID', 'SAME' or 'EXPLICIT', got {padding!r}")
    groups = int(groups)
    c = x.shape[-1]
    if groups < 1 or c % groups or w.shape[nd] * groups != c or w.shape[-1] % groups:
        raise ValueError(f"{opname}: input channels {c}, filter {w.shape} and groups {groups} disagree "
                         f"(filter in-channels times groups must equal the input's)")
    fmt = "NHWC" if nd == 2 else "NDHWC"
    if groups == 1:
        y = _convolve(opname, nd, x, w, st, pad_arg, fmt, dl)
    else:
        xs = split(x, groups, axis=-1)
        ws = split(w, groups, axis=-1)
        y = concat([_convolve(opname, nd, a, b, st, pad_arg, fmt, dl) for a, b in zip(xs, ws)], axis=-1)
    if data_format == "CHANNELS_FIRST":
        y = transpose(y, [0, nd + 1] + list(range(1, nd + 1)))
    if batch_dims > 1:
        y = reshape(y, lead + tuple(y.shape[1:]))
    return y
