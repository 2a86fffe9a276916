"""TF's space/batch reshuffles: ``space_to_batch_nd``, ``batch_to_space``, the paddings they
need, ``nn.with_space_to_batch`` (an op run at a dilation rate through them) and
``extract_volume_patches``. All are compositions of pad, reshape, transpose and slicing, so
gradients of any order follow from those ops.

>>> wb.space_to_batch_nd(wb.ones([1, 4, 4, 1]), [2, 2], [[0, 0], [0, 0]]).shape
TensorShape([4, 2, 2, 1])
"""

from __future__ import annotations

import numpy as np

from ..core import convert_to_tensor
from ..errors import InvalidArgumentError, argcheck
from .indexing import pad
from .shape import reshape, stack, transpose

__all__ = ["batch_to_space", "extract_volume_patches", "required_space_to_batch_paddings",
           "space_to_batch", "space_to_batch_nd", "with_space_to_batch"]


def _block(block_shape, opname, m=None):
    vals = [int(v) for v in np.asarray(getattr(block_shape, "numpy", lambda: block_shape)()).reshape(-1)]
    if m is not None and np.ndim(getattr(block_shape, "numpy", lambda: block_shape)()) == 0:
        vals = vals * m   # TF 2's batch_to_space takes one int for every spatial dimension
    for i, v in enumerate(vals):
        if v < 1:
            raise InvalidArgumentError(f"{opname}: all values in block_shape must be positive, got "
                                       f"{v} at index {i}")
    return vals


def _pairs(value, m, what, opname):
    arr = np.asarray(getattr(value, "numpy", lambda: value)())
    if arr.shape != (m, 2) or arr.dtype.kind not in "iu":
        raise ValueError(f"{opname}: {what} must be an integer [{m}, 2] array (one [start, end] per "
                         f"block dimension), got {value!r}")
    if (arr < 0).any():
        raise InvalidArgumentError(f"{opname}: {what} must be non-negative, got {arr.tolist()}")
    return arr.astype(int).tolist()


def space_to_batch_nd(input, block_shape, paddings, name=None):
    """Blocks of the ``M`` spatial dimensions after the batch moved into the batch: ``input``
    ``[batch, *spatial, *rest]`` padded by ``paddings`` ``[M, 2]``, each padded size divided by
    ``block_shape[i]``; the result is ``[batch * prod(block_shape), *(padded / block), *rest]``,
    the block offset the outer part of the new batch index."""
    x = convert_to_tensor(input)
    opname = "space_to_batch_nd"
    block = _block(block_shape, opname)
    m = len(block)
    if x.ndim < m + 1:
        raise ValueError(f"{opname}: input must have rank >= {m + 1} for block_shape {block}, got "
                         f"shape {x.shape}")
    pads = _pairs(paddings, m, "paddings", opname)
    padded = [x.shape[1 + i] + pads[i][0] + pads[i][1] for i in range(m)]
    for i in range(m):
        if padded[i] % block[i]:
            raise InvalidArgumentError(f"{opname}: padded_shape[{i}]={padded[i]} is not divisible by "
                                       f"block_shape[{i}]={block[i]}")
    if any(p for pair in pads for p in pair):
        x = pad(x, [[0, 0]] + pads + [[0, 0]] * (x.ndim - m - 1))
    batch, rest = x.shape[0], tuple(x.shape[m + 1:])
    split = [batch]
    for i in range(m):
        split += [padded[i] // block[i], block[i]]
    x = reshape(x, split + list(rest))
    perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + \
        list(range(1 + 2 * m, 1 + 2 * m + len(rest)))
    x = transpose(x, perm)
    return reshape(x, [batch * int(np.prod(block))] + [padded[i] // block[i] for i in range(m)] + list(rest))


def space_to_batch(input, block_shape, paddings, name=None):
    """TF 2's ``tf.space_to_batch``: :func:`space_to_batch_nd`."""
    return space_to_batch_nd(input, block_shape, paddings)


def batch_to_space(input, block_shape, crops, name=None):
    """The inverse of :func:`space_to_batch_nd` (TF 2's ``tf.batch_to_space``): the batch of
    ``input`` ``[batch, *spatial, *rest]`` split into ``prod(block_shape)`` blocks interleaved
    back into the spatial dimensions, then ``crops`` ``[M, 2]`` cut off. ``block_shape`` may be
    one int ``b``, meaning ``[b, b]``."""
    x = convert_to_tensor(input)
    opname = "batch_to_space"
    block = _block(block_shape, opname, m=2)   # one int stands for [b, b], as TF 2
    m = len(block)
    if x.ndim < m + 1:
        raise ValueError(f"{opname}: input must have rank >= {m + 1} for block_shape {block}, got "
                         f"shape {x.shape}")
    crop = _pairs(crops, m, "crops", opname)
    prod = int(np.prod(block))
    if x.shape[0] % prod:
        raise InvalidArgumentError(f"{opname}: input batch dimension ({x.shape[0]}) is not divisible "
                                   f"by product of block sizes ({prod})")
    batch, spatial, rest = x.shape[0] // prod, list(x.shape[1:m + 1]), list(x.shape[m + 1:])
    for i in range(m):
        if crop[i][0] + crop[i][1] > spatial[i] * block[i]:
            raise InvalidArgumentError(f"{opname}: crops[{i}]={crop[i]} are larger than the spatial "
                                       f"size {spatial[i] * block[i]}")
    x = reshape(x, block + [batch] + spatial + rest)
    perm = [m]
    for i in range(m):
        perm += [m + 1 + i, i]
    perm += list(range(2 * m + 1, 2 * m + 1 + len(rest)))
    x = reshape(transpose(x, perm), [batch] + [spatial[i] * block[i] for i in range(m)] + rest)
    if any(c for pair in crop for c in pair):
        x = x[(slice(None),) + tuple(slice(c0, spatial[i] * block[i] - c1) for i, (c0, c1) in enumerate(crop))]
    return x


def required_space_to_batch_paddings(input_shape, block_shape, base_paddings=None, name=None):
    """``(paddings, crops)``, int32 ``[M, 2]`` each: ``paddings`` extends ``base_paddings``
    (default zeros) at the end so each padded size ``input_shape[i]`` is divisible by
    ``block_shape[i]``; ``crops`` holds those extra amounts at the end."""
    opname = "required_space_to_batch_paddings"
    shape = [int(v) for v in argcheck.integers(input_shape, "input_shape", opname, "a list of ints")]
    block = _block(block_shape, opname)
    if len(block) != len(shape):
        raise ValueError(f"{opname}: input_shape {shape} and block_shape {block} must have the same length")
    base = np.zeros((len(shape), 2), int) if base_paddings is None else \
        np.asarray(_pairs(base_paddings, len(shape), "base_paddings", opname))
    full = np.asarray(shape) + base[:, 0] + base[:, 1]
    extra = (np.asarray(block) - full % np.asarray(block)) % np.asarray(block)
    paddings = np.stack([base[:, 0], base[:, 1] + extra], axis=1).astype(np.int32)
    crops = np.stack([np.zeros_like(extra), extra], axis=1).astype(np.int32)
    return convert_to_tensor(paddings), convert_to_tensor(crops)


def with_space_to_batch(input, dilation_rate, padding, op, filter_shape=None, spatial_dims=None,
                        data_format=None):
    """``op(converted, num_spatial_dims, "VALID")`` run on ``input`` moved to batch at
    ``dilation_rate`` (TF's ``tf.nn.with_space_to_batch``), so that ``op`` sees the input as if
    dilated: ``padding`` ``"SAME"`` (then ``filter_shape`` is required) pads as a dilated filter
    of that shape needs. With every rate 1, ``op(input, num_spatial_dims, padding)``."""
    opname = "with_space_to_batch"
    x = convert_to_tensor(input)
    rate = _block(dilation_rate, opname)
    n = len(rate)
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"{opname}: padding must be 'SAME' or 'VALID', got {padding!r}")
    if spatial_dims is None:
        first = 2 if data_format is not None and str(data_format).startswith("NC") else 1
        spatial_dims = list(range(first, first + n))
    spatial_dims = [int(d) for d in spatial_dims]
    if len(spatial_dims) != n or sorted(set(spatial_dims)) != spatial_dims or spatial_dims[0] < 1:
        raise ValueError(f"{opname}: spatial_dims must be {n} increasing dimensions after the batch, "
                         f"got {spatial_dims}")
    if all(r == 1 for r in rate):
        return op(x, n, padding)
    if padding == "SAME":
        if filter_shape is None:
            raise ValueError(f"{opname}: filter_shape must be given for padding 'SAME'")
        fs = [int(v) for v in argcheck.integers(filter_shape, "filter_shape", opname, "a list of ints")]
        total = [(f - 1) * r for f, r in zip(fs, rate)]
        base = [[t // 2, t - t // 2] for t in total]
    else:
        base = [[0, 0]] * n
    # the block covers dimensions 1..last spatial one, rate 1 on the others
    lo, hi = 1, spatial_dims[-1]
    block, base_all, sizes = [], [], []
    for d in range(lo, hi + 1):
        if d in spatial_dims:
            k = spatial_dims.index(d)
            block.append(rate[k])
            base_all.append(base[k])
        else:
            block.append(1)
            base_all.append([0, 0])
        sizes.append(x.shape[d])
    paddings, crops = required_space_to_batch_paddings(sizes, block, base_all)
    converted = space_to_batch_nd(x, block, paddings.numpy())
    result = op(converted, n, "VALID")
    return batch_to_space(result, block, crops.numpy())


def extract_volume_patches(input, ksizes, strides, padding, name=None):
    """3-D patches of ``input`` ``[batch, planes, rows, cols, depth]`` as its last dimension:
    ``ksizes`` and ``strides`` are ``[1, p, r, c, 1]``; ``padding`` ``"VALID"`` or ``"SAME"``.
    The result is ``[batch, out_p, out_r, out_c, p * r * c * depth]``, each patch flattened in
    (plane, row, col, depth) order."""
    opname = "extract_volume_patches"
    x = convert_to_tensor(input)
    if x.ndim != 5:
        raise ValueError(f"{opname}: input must be 5-D [batch, planes, rows, cols, depth], got shape {x.shape}")
    ks = [int(v) for v in argcheck.integers(ksizes, "ksizes", opname, "a list of 5 ints")]
    st = [int(v) for v in argcheck.integers(strides, "strides", opname, "a list of 5 ints")]
    for what, v in (("ksizes", ks), ("strides", st)):
        if len(v) != 5 or v[0] != 1 or v[4] != 1 or min(v) < 1:
            raise ValueError(f"{opname}: {what} must be [1, p, r, c, 1] with positive p, r, c, got {v}")
    if padding not in ("VALID", "SAME"):
        raise ValueError(f"{opname}: padding must be 'VALID' or 'SAME', got {padding!r}")
    outs, pads = [], [[0, 0]]
    for d in range(1, 4):
        n, k, s = x.shape[d], ks[d], st[d]
        if padding == "VALID":
            out = max((n - k) // s + 1, 0) if n >= k else 0
            pads.append([0, 0])
        else:
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            pads.append([total // 2, total - total // 2])
        outs.append(out)
    pads.append([0, 0])
    if any(p for pair in pads for p in pair):
        x = pad(x, pads)
    b, depth = x.shape[0], x.shape[4]
    if min(outs) == 0:
        return reshape(x[:, :0, :0, :0], [b] + outs + [ks[1] * ks[2] * ks[3] * depth])
    taps = []
    for i in range(ks[1]):
        for j in range(ks[2]):
            for k in range(ks[3]):
                taps.append(x[:, i:i + (outs[0] - 1) * st[1] + 1:st[1],
                              j:j + (outs[1] - 1) * st[2] + 1:st[2],
                              k:k + (outs[2] - 1) * st[3] + 1:st[3]])
    return reshape(stack(taps, axis=4), [b] + outs + [len(taps) * depth])

