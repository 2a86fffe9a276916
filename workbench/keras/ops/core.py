"""Keras 3's core ops (``keras.ops.core``, also ``keras.ops.*``): conversions, ``cond``,
``while_loop``, ``fori_loop``, scatters and slices.

>>> from workbench.keras import ops
>>> ops.fori_loop(0, 4, lambda i, total: total + i, 0)
6
"""

from __future__ import annotations

import builtins

import numpy as np

from ... import nest
from ...core import Tensor
from ...errors import argcheck
from ...ops import control_flow, elementwise as ew, indexing, shape as sh
from .numpy import _dtype, _t, convert_to_tensor

__all__ = ["cast", "cond", "convert_to_numpy", "convert_to_tensor", "dtype", "fori_loop", "is_tensor", "map",
           "saturate_cast", "scan", "scatter", "scatter_update", "slice", "slice_update", "stop_gradient", "switch",
           "unstack", "while_loop", "custom_gradient", "vectorized_map", "associative_scan"]


def cast(x, dtype):
    return ew.cast(_t(x), _dtype(dtype))


def convert_to_numpy(x):
    return _t(x).numpy() if not isinstance(x, np.ndarray) else x


def is_tensor(x):
    return isinstance(x, Tensor)


def dtype(x):
    """The dtype's name, as Keras gives it (``"float32"``)."""
    return _t(x).dtype.name


def stop_gradient(variable):
    return sh.stop_gradient(_t(variable))


def cond(pred, true_fn, false_fn):
    return control_flow.cond(pred, true_fn, false_fn)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Keras' while loop: ``cond(*loop_vars)`` and ``body(*loop_vars)`` on a tuple or list (a lone
    value is passed as one argument and returned alone)."""
    single = not isinstance(loop_vars, (list, tuple))
    values = (loop_vars,) if single else tuple(loop_vars)

    def call(fn, vs):
        return fn(*vs)

    def step(*vs):
        out = call(body, vs)
        return (out,) if single or not isinstance(out, (list, tuple)) else tuple(out)

    out = control_flow.while_loop(lambda *vs: call(cond, vs), step, values,
                                  maximum_iterations=maximum_iterations)
    out = tuple(out) if isinstance(out, (list, tuple)) else (out,)
    return out[0] if single else type(loop_vars)(out) if isinstance(loop_vars, list) else out


def fori_loop(lower, upper, body_fun, init_val):
    """``body_fun(i, val)`` for ``i`` in ``[lower, upper)``, threading ``val``."""
    lo, hi = argcheck.as_int(lower), argcheck.as_int(upper)
    if lo is not None and hi is not None:  # known bounds: a plain loop, which traces unrolled
        val = init_val
        for i in range(lo, hi):
            val = body_fun(i, val)
        return val
    _, val = while_loop(lambda i, v: i < upper, lambda i, v: (i + 1, body_fun(i, v)), (lower, init_val))
    return val


def scatter(indices, values, shape):
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (``[n, rank]``)."""
    return indexing.scatter_nd(_t(indices), _t(values), list(shape))


def scatter_update(inputs, indices, updates):
    return indexing.tensor_scatter_nd_update(_t(inputs), _t(indices), _t(updates))


def _starts(start_indices, x, where):
    starts = [argcheck.integer(s, "start_indices", where, minimum=0) for s in start_indices]
    if len(starts) != x.ndim:
        raise ValueError(f"{where}: start_indices must have one entry per dimension ({x.ndim}), got {starts}")
    return starts


def slice(inputs, start_indices, shape):  # noqa: A001 (Keras' name)
    x = _t(inputs)
    starts = _starts(start_indices, x, "slice")
    sizes = [argcheck.integer(s, "shape", "slice") for s in shape]
    return x[tuple(builtins.slice(s, x.shape[d] if n == -1 else s + n) for d, (s, n) in enumerate(zip(starts, sizes)))]


def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``."""
    x, updates = _t(inputs), _t(updates)
    starts = _starts(start_indices, x, "slice_update")
    grids = np.meshgrid(*[np.arange(s, s + n) for s, n in zip(starts, updates.shape)], indexing="ij")
    idx = np.stack(grids, axis=-1).astype(np.int64)
    return indexing.tensor_scatter_nd_update(x, convert_to_tensor(idx), ew.cast(updates, x.dtype))


def unstack(x, num=None, axis=0):
    return sh.unstack(_t(x), num=num, axis=axis)


def switch(index, branches, *operands):
    """``branches[index](*operands)``, the index clipped into range (Keras' ``switch``)."""
    if not branches:
        raise ValueError("switch: branches must not be empty")
    i = argcheck.as_int(index)
    if i is not None:  # a known index: call the branch directly
        return branches[builtins.min(builtins.max(i, 0), len(branches) - 1)](*operands)
    clipped = ew.clip_by_value(ew.cast(_t(index), np.int32), 0, len(branches) - 1)
    return control_flow.switch_case(clipped, [lambda fn=fn: fn(*operands) for fn in branches])


def _leading(xs, where):
    leaves = [_t(v) for v in nest.flatten(xs)]
    sizes = {v.shape[0] if v.ndim else None for v in leaves}
    if len(sizes) != 1 or None in sizes:
        raise ValueError(f"{where}: every input needs the same leading dimension, got shapes "
                         f"{[tuple(v.shape) for v in leaves]}")
    return leaves, sizes.pop()


def map(f, xs):  # noqa: A001 (Keras' name)
    """``f`` applied to each slice of ``xs`` along its first axis, the results stacked."""
    leaves, n = _leading(xs, "map")
    outs = [f(nest.pack_sequence_as(xs, [v[i] for v in leaves])) for i in range(n)]
    if not outs:
        raise ValueError("map: xs has no slices (leading dimension 0)")
    return nest.map_structure(lambda *ys: sh.stack([_t(y) for y in ys], axis=0), *outs)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """JAX's scan: ``carry, y = f(carry, x)`` over the slices of ``xs`` (or ``length`` steps with
    ``x=None``); returns the last carry and the stacked ``y``."""
    if xs is None:
        if length is None:
            raise ValueError("scan: give xs or length")
        n, leaves = argcheck.integer(length, "length", "scan", minimum=0), None
    else:
        leaves, n = _leading(xs, "scan")
        if length is not None and length != n:
            raise ValueError(f"scan: length={length} does not match the leading dimension of xs ({n})")
    carry, ys = init, []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = None if leaves is None else nest.pack_sequence_as(xs, [v[i] for v in leaves])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or all(y is None for y in nest.flatten(ys[0])):
        return carry, None
    return carry, nest.map_structure(lambda *vs: sh.stack([_t(v) for v in vs], axis=0), *ys)



def saturate_cast(x, dtype):
    """Casts to ``dtype`` clipping to its range first (no wrap-around: 300.0 to uint8 is 255)."""
    return ew.saturate_cast(_t(x), _dtype(dtype))


def custom_gradient(f):
    """Decorates ``f`` returning ``(y, grad_fn)`` so its gradient is ``grad_fn(upstream)`` (TF's rule)."""
    from ... import custom_gradient as _cg  # noqa: PLC0415  (wb's top-level lazy name)
    return _cg(f)


def vectorized_map(function, elements):
    """``function`` over the leading axis of ``elements`` (a tensor or nest), stacked."""
    from ...functional import vectorized_map as _vm  # noqa: PLC0415  (lazy: loads only when used)
    return _vm(function, elements)



def associative_scan(f, elems, reverse=False, axis=0):
    """The inclusive scan of the associative ``f`` over ``axis`` of ``elems`` (a tensor or nest of
    tensors of equal length there): ``out[i] = f(out[i - 1], elems[i])`` (from the end if ``reverse``)."""
    leaves = [_t(v) for v in nest.flatten(elems)]
    if not leaves:
        raise ValueError("associative_scan: elems must hold at least one tensor")
    axes = [argcheck.axis(axis, v.ndim, "associative_scan") for v in leaves]
    lengths = {v.shape[a] for v, a in zip(leaves, axes)}
    if len(lengths) != 1:
        raise ValueError(f"associative_scan: every tensor of elems must have the same length along axis {axis}, "
                         f"got {sorted(lengths)}")
    n = lengths.pop()
    order = range(n - 1, -1, -1) if reverse else range(n)

    def at(i):
        return nest.pack_sequence_as(elems, [indexing.gather(v, i, axis=a) for v, a in zip(leaves, axes)])

    outs, acc = {}, None
    for i in order:
        acc = at(i) if acc is None else f(acc, at(i))
        outs[i] = nest.flatten(acc)
    stacked = [sh.stack([outs[i][k] for i in range(n)], axis=a) for k, a in enumerate(axes)]
    return nest.pack_sequence_as(elems, stacked)
