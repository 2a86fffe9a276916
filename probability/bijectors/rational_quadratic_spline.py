"""RationalQuadraticSpline: a monotone piecewise rational-quadratic map (neural spline flows)."""

import numpy as np

import workbench as wb

from .. import internal
from .bijector import Bijector

__all__ = ["RationalQuadraticSpline"]


class RationalQuadraticSpline(Bijector):
    """A monotone spline through ``K + 1`` knots on ``[range_min, range_max]``, the identity outside.

    ``bin_widths`` and ``bin_heights`` (shape ``batch + [K]``, positive, each summing to the same
    ``range_max - range_min``) place the knots ``range_min + [0, cumsum(...)]``; ``knot_slopes``
    (``batch + [K - 1]``, or a scalar or ``[1]`` to broadcast; positive) are the derivatives at the interior
    knots, and the two end knots have slope 1. In a bin of width ``w``, height ``h``, slope
    ``s = h / w``, end slopes ``d0, d1`` and ``t = (x - x_k) / w``:
    ``y = y_k + h (s t**2 + d0 t (1 - t)) / (s + (d0 + d1 - 2 s) t (1 - t))`` (Durkan et al. 2019);
    the inverse solves the quadratic in ``t``. The batch dims of the parameters broadcast with ``x``.

    >>> RationalQuadraticSpline([1.0, 1.0], [0.5, 1.5], [1.0]).forward(wb.constant(0.0)).numpy()
    -0.5
    """

    _param_event_ndims = {"bin_widths": 1, "bin_heights": 1, "knot_slopes": 1}

    def __init__(self, bin_widths, bin_heights, knot_slopes, range_min=-1, validate_args=False, name=None):
        parameters = dict(locals())
        dtype = internal.common_dtype([bin_widths, bin_heights, knot_slopes, range_min], np.float32)
        owner = "RationalQuadraticSpline"
        self._bin_widths = internal.as_param(bin_widths, "bin_widths", dtype, owner)
        self._bin_heights = internal.as_param(bin_heights, "bin_heights", dtype, owner)
        self._knot_slopes = internal.as_param(knot_slopes, "knot_slopes", dtype, owner)
        self._range_min = internal.as_param(range_min, "range_min", dtype, owner)
        for pname in ("bin_widths", "bin_heights"):
            if getattr(self, "_" + pname).ndim < 1:
                raise ValueError(f"{owner}: argument `{pname}` must have at least one dim (the bins), got a scalar")
        k = self._bin_widths.shape[-1]
        if self._bin_heights.shape[-1] not in (k, 1) and k != 1:
            raise ValueError(f"{owner}: `bin_heights` has {self._bin_heights.shape[-1]} bins, `bin_widths` has {k}")
        k = max(k, self._bin_heights.shape[-1])
        if self._knot_slopes.ndim and self._knot_slopes.shape[-1] not in (k - 1, 1):
            raise ValueError(f"{owner}: `knot_slopes` must have {k - 1} entries (one per interior knot) or 1, "
                             f"got {self._knot_slopes.shape[-1]}")
        if self._range_min.ndim != 0:
            raise ValueError(f"{owner}: argument `range_min` must be a scalar, got shape {tuple(self._range_min.shape)}")
        super().__init__(forward_min_event_ndims=0, validate_args=validate_args, dtype=dtype, parameters=parameters,
                         name=name or "RationalQuadraticSpline")
        if validate_args:
            for pname in ("bin_widths", "bin_heights", "knot_slopes"):
                v = wb.convert_to_tensor(getattr(self, "_" + pname)).numpy()
                if not np.all(v > 0):
                    raise ValueError(f"{owner}: argument `{pname}` must be positive, got {v!r}")
            w = wb.convert_to_tensor(self._bin_widths).numpy().sum(-1)
            h = wb.convert_to_tensor(self._bin_heights).numpy().sum(-1)
            if not np.allclose(w, h, rtol=1e-5):
                raise ValueError(f"{owner}: `bin_widths` and `bin_heights` must sum to the same total, got {w!r} "
                                 f"and {h!r}")

    @property
    def bin_widths(self):
        return self._bin_widths

    @property
    def bin_heights(self):
        return self._bin_heights

    @property
    def knot_slopes(self):
        return self._knot_slopes

    @property
    def range_min(self):
        return self._range_min

    def _knots(self, sizes):
        """Knot positions ``range_min + [0, cumsum(sizes)]`` along the last axis."""
        lo = wb.convert_to_tensor(self._range_min)
        edges = lo + wb.math.cumsum(sizes, axis=-1)
        return wb.concat([lo * wb.ones_like(edges[..., :1]), edges], axis=-1)

    def _bins(self, v, along_y):
        """For each element of ``v``: (inside the range, its bin's left x, left y, width, height,
        left slope, right slope), each shaped like ``v`` broadcast with the batch."""
        w = wb.convert_to_tensor(self._bin_widths)
        h = wb.convert_to_tensor(self._bin_heights)
        n = max(w.shape[-1], h.shape[-1])
        w, h = w * wb.ones([n], dtype=w.dtype), h * wb.ones([n], dtype=h.dtype)
        xk, yk = self._knots(w), self._knots(h)
        s = wb.convert_to_tensor(self._knot_slopes)
        s = s * wb.ones([n - 1], dtype=s.dtype)
        one = wb.ones_like(s[..., :1])
        d = wb.concat([one, s, one], axis=-1)
        knots = yk if along_y else xk
        ve = v[..., None]
        inside = wb.logical_and(v >= knots[..., 0], v <= knots[..., -1])
        # the bin: how many interior knots lie at or left of v (0 .. n - 1), picked by a one-hot mask
        idx = wb.reduce_sum(wb.cast(ve >= knots[..., 1:-1], np.int32), axis=-1)
        pick = wb.one_hot(idx, n, dtype=v.dtype)
        pick_d1 = wb.one_hot(idx + 1, n + 1, dtype=v.dtype)
        pick_d0 = wb.one_hot(idx, n + 1, dtype=v.dtype)

        def sel(a, m):
            return wb.reduce_sum(a * m, axis=-1)
        return (inside, sel(xk[..., :-1], pick), sel(yk[..., :-1], pick), sel(w, pick), sel(h, pick),
                sel(d, pick_d0), sel(d, pick_d1))

    def _forward(self, x):
        inside, x0, y0, w, h, d0, d1 = self._bins(x, along_y=False)
        t = wb.where(inside, (x - x0) / w, wb.zeros_like(x0))
        s = h / w
        tt = t * (1.0 - t)
        y = y0 + h * (s * t * t + d0 * tt) / (s + (d0 + d1 - 2.0 * s) * tt)
        return wb.where(inside, y, x * wb.ones_like(y))

    def _inverse(self, y):
        inside, x0, y0, w, h, d0, d1 = self._bins(y, along_y=True)
        s = h / w
        dy = wb.where(inside, y - y0, wb.zeros_like(y0))
        c2 = d0 + d1 - 2.0 * s
        a = h * (s - d0) + dy * c2
        b = h * d0 - dy * c2
        c = -s * dy
        disc = wb.maximum(b * b - 4.0 * a * c, wb.zeros_like(b))
        # the root in [0, 1], in the form without cancellation (b > 0 for monotone splines)
        t = 2.0 * c / (-b - wb.sqrt(disc))
        return wb.where(inside, x0 + t * w, y * wb.ones_like(x0))

    def _forward_log_det_jacobian(self, x):
        inside, x0, y0, w, h, d0, d1 = self._bins(x, along_y=False)
        t = wb.where(inside, (x - x0) / w, wb.zeros_like(x0))
        s = h / w
        tt = t * (1.0 - t)
        num = wb.square(s) * (d1 * t * t + 2.0 * s * tt + d0 * wb.square(1.0 - t))
        den = wb.square(s + (d0 + d1 - 2.0 * s) * tt)
        ldj = wb.log(num) - wb.log(den)
        return wb.where(inside, ldj, wb.zeros_like(ldj))

    def _is_increasing(self):
        return True
