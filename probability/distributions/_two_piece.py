"""The shared shell of the two-piece families (TwoPieceNormal, TwoPieceStudentT): a symmetric
standard density stretched by ``scale * skewness`` right of ``loc`` and by ``scale / skewness``
left of it (Fernandez and Steel's construction)."""

from __future__ import annotations

import math

import workbench as wb

from .. import internal
from .distribution import FULLY_REPARAMETERIZED, Distribution


class TwoPieceDistribution(Distribution):
    """Parameters ``loc``, ``scale > 0``, ``skewness > 0`` (and the standard family's own);
    subclasses give the standard symmetric piece: ``_std_log_prob(t)``, ``_std_cdf(t)`` and
    ``_std_log_cdf(t)`` (used for ``t <= 0``), ``_std_quantile(p)`` (used for ``p <= 1/2``),
    ``_std_abs_mean()`` (``E|T|``) and ``_std_second_moment()`` (``E T**2``).

    Left of ``loc`` the mass is ``1 / (1 + skewness**2)``, right of it ``skewness**2 / (1 + skewness**2)``.
    """

    _two_piece_params = ("loc", "scale", "skewness")

    def _init_two_piece(self, values, validate_args, allow_nan_stats, parameters, name):
        dtype = internal.common_dtype(list(values.values()))
        owner = type(self).__name__
        for k, v in values.items():
            setattr(self, "_" + k, internal.as_param(v, k, dtype, owner))
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    @property
    def skewness(self):
        return self._skewness

    def _pieces(self, x):
        # t <= 0 on both sides: the left piece's y * skewness and the mirrored right piece's -y / skewness
        y = (x - self._loc) / self._scale
        s = self._skewness
        return x < self._loc, wb.minimum(y, 0.0) * s, -wb.maximum(y, 0.0) / s

    def _log_prob(self, x):
        s = self._skewness
        y = (x - self._loc) / self._scale
        t = wb.where(x < self._loc, y * s, y / s)
        return (math.log(2.0) + wb.log(s) - wb.log1p(wb.square(s)) - wb.log(self._scale)
                + self._std_log_prob(t))

    def _cdf(self, x):
        below, t_lo, t_hi = self._pieces(x)
        s2 = wb.square(self._skewness)
        left_mass = 2.0 / (1.0 + s2) * self._std_cdf(t_lo)
        right_tail = 2.0 * s2 / (1.0 + s2) * self._std_cdf(t_hi)
        return wb.where(below, left_mass, 1.0 - right_tail)

    def _survival_function(self, x):
        below, t_lo, t_hi = self._pieces(x)
        s2 = wb.square(self._skewness)
        left_mass = 2.0 / (1.0 + s2) * self._std_cdf(t_lo)
        right_tail = 2.0 * s2 / (1.0 + s2) * self._std_cdf(t_hi)
        return wb.where(below, 1.0 - left_mass, right_tail)

    def _log_cdf(self, x):
        below, t_lo, t_hi = self._pieces(x)
        s2 = wb.square(self._skewness)
        log_left = math.log(2.0) - wb.log1p(s2) + self._std_log_cdf(t_lo)
        right_tail = 2.0 * s2 / (1.0 + s2) * self._std_cdf(t_hi)
        return wb.where(below, log_left, wb.log1p(-right_tail))

    def _log_survival_function(self, x):
        below, t_lo, t_hi = self._pieces(x)
        s2 = wb.square(self._skewness)
        left_mass = 2.0 / (1.0 + s2) * self._std_cdf(t_lo)
        log_right = math.log(2.0) + wb.log(s2) - wb.log1p(s2) + self._std_log_cdf(t_hi)
        return wb.where(below, wb.log1p(-left_mass), log_right)

    def _quantile(self, p):
        s = self._skewness
        s2 = wb.square(s)
        lower = p <= 1.0 / (1.0 + s2)
        # both pieces invert a standard CDF at a probability <= 1/2; the branch not taken gets 1/4
        p_lo = wb.where(lower, p * (1.0 + s2) / 2.0, 0.25)
        p_hi = wb.where(lower, 0.25, (1.0 - p) * (1.0 + s2) / (2.0 * s2))
        t = wb.where(lower, self._std_quantile(p_lo) / s, -s * self._std_quantile(p_hi))
        return self._loc + self._scale * t

    def _mean(self):
        s = self._skewness
        return self._loc + self._scale * (s - 1.0 / s) * self._std_abs_mean()

    def _variance(self):
        s = self._skewness
        s2 = wb.square(s)
        second = (s2 - 1.0 + 1.0 / s2) * self._std_second_moment()
        return wb.square(self._scale) * (second - wb.square((s - 1.0 / s) * self._std_abs_mean())) \
            * wb.ones_like(self._loc)

    def _mode(self):
        return self._loc * wb.ones_like(self._scale) * wb.ones_like(self._skewness)
