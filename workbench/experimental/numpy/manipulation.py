"""tnp's shape and indexing functions: reshaping, joining, splitting, padding, flipping, taking,
and the shape queries (``shape``, ``size``, ``ndim``, ``isscalar``); NumPy's arguments, wb ops
underneath (so gradients pass through them).

>>> from workbench.experimental import numpy as tnp
>>> tnp.hstack([[1], [2.5]]).numpy()
array([1. , 2.5])
"""

import builtins
import numbers

import numpy as np

from ... import core
from ...core import Tensor
from ...ops import elementwise as ew
from ...ops import indexing as ix
from ...ops import shape as sh
from ...ops.create import size as tf_size
from ...ops.reduce import reduce_sum
from ...linalg import diag_part
from .dtypes import asarray, operands

__all__ = ["reshape", "ravel", "flatten", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze",
           "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to", "broadcast_arrays", "concatenate",
           "append", "stack", "hstack", "vstack", "dstack", "split", "hsplit", "vsplit", "dsplit", "repeat",
           "tile", "pad", "roll", "rot90", "flip", "fliplr", "flipud", "take", "take_along_axis", "compress",
           "nonzero", "where", "select", "diagonal", "trace", "diff", "shape", "size", "ndim", "isscalar"]


def _axis(axis, rank, what):
    a = int(axis)
    if not -rank <= a < builtins.max(rank, 1):
        raise ValueError(f"{what}: axis {axis} is out of bounds for a tensor of rank {rank}")
    return a % builtins.max(rank, 1)


def reshape(a, newshape, order="C"):
    """``a`` with shape ``newshape`` (one size may be -1), read in C or Fortran (``'F'``) order."""
    t = asarray(a)
    if order not in ("C", "F"):
        raise ValueError(f"reshape: order must be 'C' or 'F', got {order!r}")
    dims = [int(newshape)] if isinstance(newshape, numbers.Integral) else [int(d) for d in newshape]
    if order == "C":
        return sh.reshape(t, dims)
    flat = sh.reshape(sh.transpose(t), [-1])
    return sh.transpose(sh.reshape(flat, dims[::-1]))


def ravel(a):
    """``a`` flattened (C order)."""
    return sh.reshape(asarray(a), [-1])


def flatten(a, order="C"):
    """``a`` flattened in C or Fortran (``'F'``) order."""
    return reshape(a, [-1], order)


def transpose(a, axes=None):
    """``a`` with its axes reversed, or permuted by ``axes``."""
    return sh.transpose(asarray(a), None if axes is None else list(axes))


def swapaxes(a, axis1, axis2):
    """``a`` with two axes exchanged."""
    t = asarray(a)
    i, j = _axis(axis1, t.ndim, "swapaxes"), _axis(axis2, t.ndim, "swapaxes")
    perm = list(builtins.range(t.ndim))
    perm[i], perm[j] = perm[j], perm[i]
    return sh.transpose(t, perm)


def moveaxis(a, source, destination):
    """``a`` with the axes ``source`` moved to positions ``destination`` (the others keep their order)."""
    t = asarray(a)
    src = [source] if isinstance(source, numbers.Integral) else list(source)
    dst = [destination] if isinstance(destination, numbers.Integral) else list(destination)
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source} and destination {destination} must have the same number of elements")
    src = [_axis(s, t.ndim, "moveaxis") for s in src]
    dst = [_axis(d, t.ndim, "moveaxis") for d in dst]
    perm = [i for i in builtins.range(t.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return sh.transpose(t, perm)


def expand_dims(a, axis):
    """``a`` with a size-1 axis inserted at ``axis`` (each of them, for a tuple)."""
    t = asarray(a)
    axes = [axis] if isinstance(axis, numbers.Integral) else list(axis)
    rank = t.ndim + len(axes)
    axes = sorted(_axis(x, rank, "expand_dims") for x in axes)
    for x in axes:
        t = sh.expand_dims(t, x)
    return t


def squeeze(a, axis=None):
    """``a`` without its size-1 axes (or just ``axis``, which must have size 1)."""
    t = asarray(a)
    if axis is None:
        return sh.squeeze(t)
    axes = [axis] if isinstance(axis, numbers.Integral) else list(axis)
    axes = [_axis(x, t.ndim, "squeeze") for x in axes]
    for x in axes:
        if t.shape[x] != 1:
            raise ValueError(f"squeeze: cannot select an axis to squeeze out which has size not equal to one "
                             f"(axis {x} has size {t.shape[x]})")
    return sh.squeeze(t, axes)


def _at_least(n, arys):
    out = []
    for a in arys:
        t = asarray(a)
        if t.ndim < n:
            dims = list(t.shape)
            if n == 3 and t.ndim == 2:
                dims = dims + [1]
            elif n == 3 and t.ndim == 1:
                dims = [1] + dims + [1]
            else:
                dims = [1] * (n - t.ndim) + dims
            t = sh.reshape(t, dims)
        out.append(t)
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys):
    """Each argument with at least one dimension (a list for several)."""
    return _at_least(1, arys)


def atleast_2d(*arys):
    """Each argument with at least two dimensions (new ones in front)."""
    return _at_least(2, arys)


def atleast_3d(*arys):
    """Each argument with at least three dimensions (a vector becomes ``(1, n, 1)``)."""
    return _at_least(3, arys)


def broadcast_to(array, shape):
    """``array`` broadcast to ``shape``."""
    dims = [int(shape)] if isinstance(shape, numbers.Integral) else [int(d) for d in shape]
    return sh.broadcast_to(asarray(array), dims)


def broadcast_arrays(*args, **kwargs):
    """The arguments broadcast against each other (each keeps its dtype)."""
    if kwargs.pop("subok", False):
        raise ValueError("broadcast_arrays: subok=True is not supported")
    if kwargs:
        raise TypeError(f"broadcast_arrays: unexpected keyword arguments {sorted(kwargs)}")
    ts = [asarray(a) for a in args]
    shape = np.broadcast_shapes(*[tuple(t.shape) for t in ts])
    return [sh.broadcast_to(t, list(shape)) for t in ts]


def _joined(arys, what):
    arys = list(arys)
    if not arys:
        raise ValueError(f"{what}: need at least one array, got an empty sequence")
    return operands(*arys)


def concatenate(arys, axis=0):
    """The arrays joined along an existing ``axis`` (flattened first for None)."""
    ts = _joined(arys, "concatenate")
    if axis is None:
        ts, axis = [sh.reshape(t, [-1]) for t in ts], 0
    return sh.concat(ts, _axis(axis, ts[0].ndim, "concatenate"))


def append(arr, values, axis=None):
    """``values`` appended to ``arr`` (both flattened for axis None)."""
    return concatenate([arr, values], axis)


def stack(arrays, axis=0):
    """The arrays joined along a new ``axis``."""
    ts = _joined(arrays, "stack")
    return sh.stack(ts, _axis(axis, ts[0].ndim + 1, "stack"))


def hstack(tup):
    """The arrays joined along axis 1 (axis 0 for vectors)."""
    ts = _joined(tup, "hstack")
    ts = [_at_least(1, [t]) for t in ts]
    return sh.concat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tup):
    """The arrays (as at least 2-d) joined along axis 0."""
    return sh.concat([_at_least(2, [t]) for t in _joined(tup, "vstack")], 0)


def dstack(tup):
    """The arrays (as at least 3-d) joined along axis 2."""
    return sh.concat([_at_least(3, [t]) for t in _joined(tup, "dstack")], 2)


def split(ary, indices_or_sections, axis=0):
    """``ary`` cut along ``axis`` into equal sections, or at the given indices."""
    t = asarray(ary)
    ax = _axis(axis, t.ndim, "split")
    n = t.shape[ax]
    if isinstance(indices_or_sections, numbers.Integral):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(f"split: array split does not result in an equal division ({n} into {k} sections)")
        return sh.split(t, k, ax)
    cuts = [builtins.min(builtins.max(int(i) if i >= 0 else int(i) + n, 0), n) for i in indices_or_sections]
    bounds = [0] + cuts + [n]
    sizes = [builtins.max(hi - lo, 0) for lo, hi in zip(bounds[:-1], bounds[1:])]
    starts = [builtins.min(lo, n) for lo in bounds[:-1]]
    index = [slice(None)] * t.ndim
    out = []
    for start, size in zip(starts, sizes):
        index[ax] = slice(start, start + size)
        out.append(t[tuple(index)])
    return out


def _split_along(name, axis, min_rank):
    def fn(ary, indices_or_sections):
        t = asarray(ary)
        if t.ndim < min_rank:
            raise ValueError(f"{name}: only works on arrays of {min_rank} or more dimensions, got shape {tuple(t.shape)}")
        return split(t, indices_or_sections, 0 if name == "hsplit" and t.ndim == 1 else axis)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"As :func:`split` along axis {axis}."
    return fn


hsplit = _split_along("hsplit", 1, 1)
vsplit = _split_along("vsplit", 0, 2)
dsplit = _split_along("dsplit", 2, 3)


def repeat(a, repeats, axis=None):
    """Each element repeated ``repeats`` times (flattened for axis None)."""
    t = asarray(a)
    if axis is None:
        t, axis = sh.reshape(t, [-1]), 0
    return ix.repeat(t, asarray(repeats, np.int64), _axis(axis, t.ndim, "repeat"))


def tile(a, reps):
    """``a`` repeated ``reps`` times along each axis."""
    t = asarray(a)
    reps = [int(reps)] if isinstance(reps, numbers.Integral) else [int(r) for r in reps]
    if len(reps) > t.ndim:
        t = sh.reshape(t, [1] * (len(reps) - t.ndim) + list(t.shape))
    reps = [1] * (t.ndim - len(reps)) + reps
    return ix.tile(t, reps)


_PAD_MODES = {"constant": "CONSTANT", "reflect": "REFLECT", "symmetric": "SYMMETRIC"}


def pad(array, pad_width, mode="constant", **kwargs):
    """``array`` padded by ``pad_width`` (an int, a pair, or a pair per axis) with
    ``constant_values`` (mode ``'constant'``) or its mirror (``'reflect'``, ``'symmetric'``)."""
    t = asarray(array)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: unsupported padding mode {mode!r}; expected one of {sorted(_PAD_MODES)}")
    constant = kwargs.pop("constant_values", 0)
    if kwargs:
        raise TypeError(f"pad: unexpected keyword arguments {sorted(kwargs)}")
    widths = np.asarray(pad_width.numpy() if isinstance(pad_width, Tensor) else pad_width, dtype=np.int64)
    try:
        widths = np.broadcast_to(widths, (t.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor of rank {t.ndim} "
                         "(an int, a pair, or one pair per axis)") from None
    if mode == "constant":
        return ix.pad(t, widths.tolist(), "CONSTANT", asarray(constant, t.dtype))
    return ix.pad(t, widths.tolist(), _PAD_MODES[mode])


def roll(a, shift, axis=None):
    """``a`` shifted cyclically by ``shift`` along ``axis`` (flattened for None)."""
    t = asarray(a)
    if axis is None:
        return sh.reshape(ix.roll(sh.reshape(t, [-1]), shift, 0), list(t.shape))
    axes = [axis] if isinstance(axis, numbers.Integral) else list(axis)
    shifts = [shift] * len(axes) if isinstance(shift, numbers.Integral) else list(shift)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: shift {shift} and axis {axis} must have the same number of elements")
    return ix.roll(t, shifts, [_axis(x, t.ndim, "roll") for x in axes])


def flip(m, axis=None):
    """``m`` reversed along ``axis`` (all axes for None)."""
    t = asarray(m)
    axes = list(builtins.range(t.ndim)) if axis is None else (
        [axis] if isinstance(axis, numbers.Integral) else list(axis))
    return ix.reverse(t, [_axis(x, t.ndim, "flip") for x in axes])


def fliplr(m):
    """``m`` reversed along axis 1."""
    t = asarray(m)
    if t.ndim < 2:
        raise ValueError(f"fliplr: the input must have at least 2 dimensions, got shape {tuple(t.shape)}")
    return ix.reverse(t, [1])


def flipud(m):
    """``m`` reversed along axis 0."""
    t = asarray(m)
    if t.ndim < 1:
        raise ValueError("flipud: the input must have at least 1 dimension, got a scalar")
    return ix.reverse(t, [0])


def rot90(m, k=1, axes=(0, 1)):
    """``m`` rotated by 90 degrees ``k`` times, from the first of ``axes`` towards the second."""
    t = asarray(m)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must have 2 elements, got {axes}")
    a0, a1 = _axis(axes[0], t.ndim, "rot90"), _axis(axes[1], t.ndim, "rot90")
    if a0 == a1:
        raise ValueError(f"rot90: the two axes must differ, got {axes}")
    k %= 4
    if k == 0:
        return t
    if k == 2:
        return ix.reverse(t, [a0, a1])
    perm = list(builtins.range(t.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return sh.transpose(ix.reverse(t, [a1]), perm)
    return ix.reverse(sh.transpose(t, perm), [a1])


_TAKE_MODES = ("clip", "wrap")


def take(a, indices, axis=None, out=None, mode="clip"):
    """The elements of ``a`` at ``indices`` along ``axis`` (of the flattened ``a`` for None);
    out-of-range indices are clipped (``'clip'``) or wrapped (``'wrap'``)."""
    if out is not None:
        raise ValueError("take: the out argument is not supported")
    if mode == "raise":
        raise ValueError("take: the 'raise' mode is not supported (use 'clip' or 'wrap')")
    if mode not in _TAKE_MODES:
        raise ValueError(f"take: invalid mode {mode!r}; expected 'clip' or 'wrap'")
    t = asarray(a)
    if axis is None:
        t, axis = sh.reshape(t, [-1]), 0
    ax = _axis(axis, t.ndim, "take")
    idx = asarray(indices, np.int64)
    n = core.constant(np.asarray(t.shape[ax], np.int64))
    if mode == "clip":
        idx = ew.clip_by_value(idx, core.constant(np.asarray(0, np.int64)), n - core.constant(np.asarray(1, np.int64)))
    else:
        idx = ew.floormod(idx, n)
    return ix.gather(t, idx, axis=ax)


def take_along_axis(arr, indices, axis):
    """``arr``'s elements picked along ``axis`` by ``indices`` of the same rank (flattened for None)."""
    t = asarray(arr)
    idx = asarray(indices, np.int64)
    if axis is None:
        t, axis = sh.reshape(t, [-1]), 0
    ax = _axis(axis, t.ndim, "take_along_axis")
    if idx.ndim != t.ndim:
        raise ValueError(f"take_along_axis: indices of rank {idx.ndim} must have arr's rank {t.ndim}")
    n = t.shape[ax]
    idx = ew.where(idx < core.constant(np.asarray(0, np.int64)), idx + core.constant(np.asarray(n, np.int64)), idx)
    # move the axis last, broadcast the other axes of both, and gather with the rest as batch
    perm = [i for i in builtins.range(t.ndim) if i != ax] + [ax]
    tt, ii = sh.transpose(t, perm), sh.transpose(idx, perm)
    batch = np.broadcast_shapes(tuple(tt.shape[:-1]), tuple(ii.shape[:-1]))
    tt = sh.broadcast_to(tt, list(batch) + [tt.shape[-1]])
    ii = sh.broadcast_to(ii, list(batch) + [ii.shape[-1]])
    out = ix.gather(tt, ii, axis=t.ndim - 1, batch_dims=t.ndim - 1)
    inverse = list(np.argsort(perm))
    return sh.transpose(out, inverse)


def compress(condition, a, axis=None):
    """The slices of ``a`` along ``axis`` (of the flattened ``a`` for None) where ``condition``
    holds; a shorter ``condition`` counts as False beyond its end."""
    cond = asarray(condition)
    if cond.ndim != 1:
        raise ValueError(f"compress: condition must be a vector, got shape {tuple(cond.shape)}")
    if cond.dtype.kind != "b":
        cond = ew.not_equal(cond, ew.zeros_like(cond))
    t = asarray(a)
    if axis is None:
        t, axis = sh.reshape(t, [-1]), 0
    ax = _axis(axis, t.ndim, "compress")
    n = t.shape[ax]
    if cond.shape[0] > n:
        raise ValueError(f"compress: condition has {cond.shape[0]} entries, more than axis {ax}'s size {n}")
    if cond.shape[0] < n:
        cond = sh.concat([cond, core.constant(np.zeros(n - cond.shape[0], bool))], 0)
    return ix.boolean_mask(t, cond, axis=ax)


def nonzero(a):
    """The indices of the non-zero elements, one int64 vector per axis (a list)."""
    t = asarray(a)
    if t.ndim == 0:
        raise ValueError("nonzero: a scalar has no axes to index; use atleast_1d first")
    mask = t if t.dtype.kind == "b" else ew.not_equal(t, ew.zeros_like(t))
    coords = ew.where(mask)
    return [coords[:, i] for i in builtins.range(t.ndim)]


def where(condition, x=None, y=None):
    """``x`` where ``condition`` holds, else ``y`` (promoted together); with neither, :func:`nonzero`."""
    if x is None and y is None:
        return nonzero(condition)
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither")
    cond = asarray(condition)
    if cond.dtype.kind != "b":
        cond = ew.not_equal(cond, ew.zeros_like(cond))
    a, b = operands(x, y)
    return ew.where(cond, a, b)


def select(condlist, choicelist, default=0):
    """From the first condition that holds, the matching choice; ``default`` where none holds."""
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist ({len(condlist)}) and choicelist ({len(choicelist)}) must have the same length")
    choices = operands(*choicelist, default)
    out = choices[-1]
    for cond, choice in zip(reversed(condlist), reversed(choices[:-1])):
        c = asarray(cond)
        if c.dtype.kind != "b":
            raise TypeError(f"select: condlist entries must be bool, got dtype {c.dtype}")
        out = ew.where(c, choice, out)
    return out


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` of the matrices over ``axis1`` and ``axis2``, as a last axis."""
    t = asarray(a)
    if t.ndim < 2:
        raise ValueError(f"diagonal: the input must have at least 2 dimensions, got shape {tuple(t.shape)}")
    i, j = _axis(axis1, t.ndim, "diagonal"), _axis(axis2, t.ndim, "diagonal")
    if i == j:
        raise ValueError("diagonal: axis1 and axis2 cannot be the same")
    perm = [x for x in builtins.range(t.ndim) if x not in (i, j)] + [i, j]
    t = sh.transpose(t, perm)
    rows, cols = t.shape[-2], t.shape[-1]
    if (offset >= 0 and offset >= cols) or (offset < 0 and -offset >= rows):
        return sh.reshape(t, list(t.shape[:-2]) + [0]) if rows * cols == 0 else t[..., :0, 0]
    return diag_part(t, k=offset)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    """The sum of :func:`diagonal` (in ``a``'s dtype unless ``dtype`` is given)."""
    d = diagonal(a, offset, axis1, axis2)
    if dtype is not None:
        d = asarray(d, dtype)
    return reduce_sum(d, -1)


def diff(a, n=1, axis=-1):
    """The ``n``-th difference along ``axis`` (``!=`` for bools)."""
    t = asarray(a)
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    if t.ndim == 0:
        raise ValueError("diff: the input must have at least 1 dimension, got a scalar")
    ax = _axis(axis, t.ndim, "diff")
    hi = [slice(None)] * t.ndim
    lo = [slice(None)] * t.ndim
    hi[ax], lo[ax] = slice(1, None), slice(None, -1)
    for _ in builtins.range(n):
        upper, lower = t[tuple(hi)], t[tuple(lo)]
        t = ew.not_equal(upper, lower) if t.dtype.kind == "b" else ew.subtract(upper, lower)
    return t


def shape(a):
    """``a``'s shape (a TensorShape)."""
    return asarray(a).shape


def size(x, axis=None):
    """The number of elements of ``x``: a NumPy int64 when the shape is known (as TF's), else
    an int64 scalar tensor."""
    if axis is not None:
        raise NotImplementedError("size: the axis argument is not supported")
    t = asarray(x)
    n = t.shape.num_elements()
    return np.int64(n) if n is not None else tf_size(t, out_type=np.int64)


def ndim(a):
    """The number of dimensions of ``a`` (a Python int)."""
    return asarray(a).ndim


def isscalar(num):
    """Whether ``num`` is a scalar: a number, a string, or a tensor of rank 0."""
    if isinstance(num, Tensor):
        return num.ndim == 0
    return bool(np.isscalar(num)) or (isinstance(num, np.ndarray) and num.ndim == 0)

