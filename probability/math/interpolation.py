"""Linear interpolation on grids (``tfp.math``): ``interp_regular_1d_grid``,
``batch_interp_regular_1d_grid``, ``batch_interp_regular_nd_grid``,
``batch_interp_rectilinear_nd_grid``.

Written with ``wb`` ops, so the result differentiates in ``x`` and ``y_ref``."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["interp_regular_1d_grid", "batch_interp_regular_1d_grid", "batch_interp_regular_nd_grid",
           "batch_interp_rectilinear_nd_grid"]

_FILLS = ("constant_extension", "extrapolate")


def _check_fill(opname, fill_value, allowed=_FILLS):
    if isinstance(fill_value, str) and fill_value not in allowed:
        raise ValueError(f"{opname}: fill_value must be one of {list(allowed)} or a number, got {fill_value!r}")


def _expand_to(t, before, after):
    """Reshape ``t`` to ``[1] * before + t.shape + [1] * after``."""
    return wb.reshape(t, [1] * before + list(t.shape) + [1] * after)


def _interp_1d(opname, x, x_ref_min, x_ref_max, y_ref, axis, fill_value, fill_value_below, fill_value_above,
               grid_regularizing_transform, batch):
    y_ref = wb.convert_to_tensor(y_ref)
    if not y_ref.dtype.is_floating:
        raise TypeError(f"{opname}: y_ref has dtype {y_ref.dtype}, expected a floating dtype")
    dtype = y_ref.dtype
    x = wb.convert_to_tensor(x, dtype=dtype)
    x_ref_min = wb.convert_to_tensor(x_ref_min, dtype=dtype)
    x_ref_max = wb.convert_to_tensor(x_ref_max, dtype=dtype)
    _check_fill(opname, fill_value)
    axis = axis % y_ref.ndim
    n = int(y_ref.shape[axis])
    if n < 1:
        raise ValueError(f"{opname}: y_ref must hold at least one point along axis {axis}, got shape {y_ref.shape}")
    if grid_regularizing_transform is not None:
        x = grid_regularizing_transform(x)
        x_ref_min = grid_regularizing_transform(x_ref_min)
        x_ref_max = grid_regularizing_transform(x_ref_max)
    trailing = y_ref.ndim - axis - 1
    if batch:
        # x: [A..., D]; x_ref_min/max: [A...]; y_ref: [A..., C, B...]
        x_ref_min = wb.expand_dims(x_ref_min, -1)
        x_ref_max = wb.expand_dims(x_ref_max, -1)
    idx = (x - x_ref_min) / (x_ref_max - x_ref_min) * float(max(n - 1, 1))
    if n == 1:
        idx = wb.zeros_like(idx)
    low = wb.cast(wb.clip_by_value(wb.floor(idx), 0.0, float(max(n - 2, 0))), wb.int32)
    low = wb.where(wb.math.is_nan(idx), wb.zeros_like(low), low)
    high = wb.minimum(low + 1, n - 1)
    frac = idx - wb.cast(low, dtype)
    if fill_value == "constant_extension":
        frac = wb.clip_by_value(frac, 0.0, 1.0)
    if batch:
        y_low = wb.gather(y_ref, low, axis=axis, batch_dims=axis)
        y_high = wb.gather(y_ref, high, axis=axis, batch_dims=axis)
        shape_frac = lambda t: _expand_to(t, 0, trailing)
    else:
        y_low = wb.gather(y_ref, low, axis=axis)
        y_high = wb.gather(y_ref, high, axis=axis)
        shape_frac = lambda t: _expand_to(t, axis, trailing)
    f = shape_frac(frac)
    out = y_low + f * (y_high - y_low)
    below = fill_value if fill_value_below is None else fill_value_below
    above = fill_value if fill_value_above is None else fill_value_above
    idx_b = shape_frac(idx)
    for value, mask in ((below, idx_b < 0.0), (above, idx_b > float(n - 1))):
        if isinstance(value, str):
            if value not in _FILLS:
                raise ValueError(f"{opname}: fill values must be one of {list(_FILLS)} or numbers, got {value!r}")
            if value == fill_value:
                continue
            # a one-sided string fill differing from fill_value
            ext = y_low + shape_frac(idx - wb.cast(low, dtype)) * (y_high - y_low)
            con = y_low + shape_frac(wb.clip_by_value(idx - wb.cast(low, dtype), 0.0, 1.0)) * (y_high - y_low)
            out = wb.where(mask, ext if value == "extrapolate" else con, out)
        else:
            out = wb.where(mask, wb.zeros_like(out) + wb.convert_to_tensor(value, dtype=dtype), out)
    nan = wb.math.is_nan(idx_b)
    return wb.where(nan, wb.zeros_like(out) + np.nan, out)


def interp_regular_1d_grid(x, x_ref_min, x_ref_max, y_ref, axis=-1, fill_value="constant_extension",
                           fill_value_below=None, fill_value_above=None, grid_regularizing_transform=None,
                           name=None):
    """Linear interpolation of ``y_ref`` (values on ``C`` evenly spaced points from ``x_ref_min`` to
    ``x_ref_max`` along ``axis``) at the points ``x`` (any shape). The result has shape
    ``y_ref.shape[:axis] + x.shape + y_ref.shape[axis + 1:]``.

    Outside the grid: ``'constant_extension'`` (the end values), ``'extrapolate'`` (the end segments
    continued) or a number; ``fill_value_below``/``_above`` override one side. NaN in ``x`` gives NaN.
    ``grid_regularizing_transform`` (e.g. ``wb.math.log``) makes a grid even in the transformed space.

    >>> interp_regular_1d_grid([0.5, 2.2], 0., 3., [0., 1., 4., 9.]).numpy()
    array([0.5, 5. ], dtype=float32)
    """
    return _interp_1d("interp_regular_1d_grid", x, x_ref_min, x_ref_max, y_ref, axis, fill_value,
                      fill_value_below, fill_value_above, grid_regularizing_transform, batch=False)


def batch_interp_regular_1d_grid(x, x_ref_min, x_ref_max, y_ref, axis=-1, fill_value="constant_extension",
                                 fill_value_below=None, fill_value_above=None, grid_regularizing_transform=None,
                                 name=None):
    """``interp_regular_1d_grid`` per batch member: ``x`` is ``[A..., D]``, ``x_ref_min``/``max``
    ``[A...]``, ``y_ref`` ``[A..., C, B...]`` with ``axis`` the position of ``C``; the result is
    ``[A..., D, B...]``."""
    y_ref = wb.convert_to_tensor(y_ref)
    x = wb.convert_to_tensor(x, dtype=y_ref.dtype)
    ax = axis % y_ref.ndim
    if x.ndim != ax + 1:
        raise ValueError(f"batch_interp_regular_1d_grid: x has shape {x.shape}; with y_ref of shape "
                         f"{y_ref.shape} and axis {axis} it must have rank {ax + 1} ([A..., D])")
    return _interp_1d("batch_interp_regular_1d_grid", x, x_ref_min, x_ref_max, y_ref, ax, fill_value,
                      fill_value_below, fill_value_above, grid_regularizing_transform, batch=True)


def _nd_interp(opname, x, y_ref, axis, fill_value, locate):
    """Multilinear interpolation: ``locate(k, xk)`` gives the lower cell index (int32) and the
    fraction along dimension ``k`` (both ``[A..., D]``); ``x`` is ``[A..., D, nd]``."""
    y_ref = wb.convert_to_tensor(y_ref)
    dtype = y_ref.dtype
    x = wb.convert_to_tensor(x, dtype=dtype)
    _check_fill(opname, fill_value, ("constant_extension",))
    nd = int(x.shape[-1])
    axis = axis % y_ref.ndim
    if axis + nd > y_ref.ndim:
        raise ValueError(f"{opname}: y_ref of shape {y_ref.shape} has no {nd} grid dimensions from axis {axis}")
    lows, fracs, outside = [], [], None
    for k in range(nd):
        low, frac, out_k = locate(k, x[..., k])
        lows.append(low)
        fracs.append(wb.clip_by_value(frac, 0.0, 1.0))
        outside = out_k if outside is None else wb.logical_or(outside, out_k)
    trailing = y_ref.ndim - axis - nd
    result = None
    for corner in range(2 ** nd):
        weight = None
        index = []
        for k in range(nd):
            up = (corner >> k) & 1
            index.append(lows[k] + up)
            w = fracs[k] if up else 1.0 - fracs[k]
            weight = w if weight is None else weight * w
        values = wb.gather_nd(y_ref, wb.stack(index, axis=-1), batch_dims=axis)
        term = _expand_to(weight, 0, trailing) * values
        result = term if result is None else result + term
    if not isinstance(fill_value, str):
        mask = _expand_to(outside, 0, trailing)
        result = wb.where(mask, wb.zeros_like(result) + wb.convert_to_tensor(fill_value, dtype=dtype), result)
    return result


def batch_interp_regular_nd_grid(x, x_ref_min, x_ref_max, y_ref, axis, fill_value="constant_extension",
                                 name=None):
    """Multilinear interpolation on a regular ``nd``-dimensional grid: ``x`` is ``[A..., D, nd]``,
    ``x_ref_min``/``max`` ``[A..., nd]``, ``y_ref`` ``[A..., C1, ..., Cnd, B...]`` with ``axis`` the
    position of ``C1``; the result is ``[A..., D, B...]``. Outside the grid the nearest face's
    values (``'constant_extension'``) or the number ``fill_value``."""
    y_ref = wb.convert_to_tensor(y_ref)
    x = wb.convert_to_tensor(x, dtype=y_ref.dtype)
    lo = wb.expand_dims(wb.convert_to_tensor(x_ref_min, dtype=y_ref.dtype), -2)
    hi = wb.expand_dims(wb.convert_to_tensor(x_ref_max, dtype=y_ref.dtype), -2)
    ax = axis % y_ref.ndim

    def locate(k, xk):
        n = int(y_ref.shape[ax + k])
        idx = (xk - lo[..., k]) / (hi[..., k] - lo[..., k]) * float(n - 1)
        low = wb.cast(wb.clip_by_value(wb.floor(idx), 0.0, float(max(n - 2, 0))), wb.int32)
        outside = wb.logical_or(idx < 0.0, idx > float(n - 1))
        return low, idx - wb.cast(low, y_ref.dtype), outside
    return _nd_interp("batch_interp_regular_nd_grid", x, y_ref, ax, fill_value, locate)


def batch_interp_rectilinear_nd_grid(x, x_grid_points, y_ref, axis, fill_value="constant_extension", name=None):
    """Multilinear interpolation on a rectilinear grid: ``x_grid_points`` is a tuple of ``nd``
    increasing grids (``[A..., Ck]`` each), otherwise as ``batch_interp_regular_nd_grid``."""
    y_ref = wb.convert_to_tensor(y_ref)
    x = wb.convert_to_tensor(x, dtype=y_ref.dtype)
    grids = [wb.convert_to_tensor(g, dtype=y_ref.dtype) for g in x_grid_points]
    ax = axis % y_ref.ndim
    if len(grids) != int(x.shape[-1]):
        raise ValueError(f"batch_interp_rectilinear_nd_grid: {len(grids)} grids for points of dimension "
                         f"{x.shape[-1]}, expected as many")

    def locate(k, xk):
        grid = grids[k]
        n = int(grid.shape[-1])
        pos = wb.searchsorted(grid, xk, side="right") - 1 if grid.ndim > 1 else \
            wb.searchsorted(grid, wb.reshape(xk, [-1]), side="right") - 1
        pos = wb.reshape(wb.cast(pos, wb.int32), list(xk.shape))
        low = wb.clip_by_value(pos, 0, max(n - 2, 0))
        g_low = wb.gather(grid, low, axis=-1, batch_dims=grid.ndim - 1)
        g_high = wb.gather(grid, low + 1, axis=-1, batch_dims=grid.ndim - 1)
        frac = (xk - g_low) / (g_high - g_low)
        outside = wb.logical_or(xk < grid[..., :1], xk > grid[..., -1:]) if grid.ndim > 1 else \
            wb.logical_or(xk < grid[0], xk > grid[-1])
        return low, frac, outside
    return _nd_interp("batch_interp_rectilinear_nd_grid", x, y_ref, ax, fill_value, locate)
