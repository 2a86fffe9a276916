"""Small elementary functions of ``tfp.math`` written stably: ``log1psquare``, ``log_cosh``,
``sqrt1pm1``, ``atan_difference``, ``smootherstep``, ``round_exponential_bump_function``,
``clip_by_value_preserve_gradient``.

All are compositions of ``wb`` ops, so their gradients come from the tape."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .special import _float_tensors

__all__ = ["log1psquare", "log_cosh", "sqrt1pm1", "atan_difference", "smootherstep",
           "round_exponential_bump_function", "clip_by_value_preserve_gradient"]


def log1psquare(x, name=None):
    """``log(1 + x**2)``; past ``|x| = 1`` it is ``2 log|x| + log1p(1/x**2)``, so it does not
    overflow for large ``|x|``."""
    (x,) = _float_tensors("log1psquare", x)
    big = wb.abs(x) > 1.0
    safe_big = wb.where(big, x, wb.ones_like(x))       # keeps 1/x**2 finite in the unused branch
    large = 2.0 * wb.math.log(wb.abs(safe_big)) + wb.math.log1p(1.0 / wb.square(safe_big))
    small = wb.math.log1p(wb.square(wb.where(big, wb.zeros_like(x), x)))
    return wb.where(big, large, small)


def log_cosh(x, name=None):
    """``log(cosh(x)) = |x| + log1p(exp(-2|x|)) - log 2``; its gradient is ``tanh(x)``."""
    (x,) = _float_tensors("log_cosh", x)
    ax = wb.abs(x)
    return ax + wb.math.log1p(wb.exp(-2.0 * ax)) - math.log(2.0)


def sqrt1pm1(x, name=None):
    """``sqrt(1 + x) - 1``, as ``x / (sqrt(1 + x) + 1)`` so small ``x`` keeps its digits."""
    (x,) = _float_tensors("sqrt1pm1", x)
    return x / (wb.sqrt(1.0 + x) + 1.0)


def atan_difference(x, y, name=None):
    """``atan(x) - atan(y)`` as ``atan((x - y) / (1 + x y))``, shifted by ``pi`` where ``x y < -1``."""
    x, y = _float_tensors("atan_difference", x, y)
    diff = wb.atan((x - y) / (1.0 + x * y))
    shift = wb.where(x * y < -1.0, wb.sign(x) * math.pi, wb.zeros_like(diff))
    return diff + shift


def smootherstep(x, name=None):
    """Perlin's smootherstep ``6x^5 - 15x^4 + 10x^3`` on ``[0, 1]``, 0 below and 1 above; its first
    and second derivatives vanish at 0 and 1."""
    (x,) = _float_tensors("smootherstep", x)
    x = wb.clip_by_value(x, 0.0, 1.0)
    return x * x * x * (x * (x * 6.0 - 15.0) + 10.0)


def round_exponential_bump_function(x, name=None):
    """``exp(1 - 1 / (1 - x**2))`` for ``|x| < 1`` and 0 elsewhere: smooth, 1 at 0, every derivative 0
    at ``|x| = 1``."""
    (x,) = _float_tensors("round_exponential_bump_function", x)
    inside = wb.abs(x) < 1.0
    safe = wb.where(inside, x, wb.zeros_like(x))
    bump = wb.exp(1.0 - 1.0 / (1.0 - wb.square(safe)))
    return wb.where(inside, bump, wb.zeros_like(x))


def clip_by_value_preserve_gradient(t, clip_value_min, clip_value_max, name=None):
    """``clip_by_value`` in the forward pass, the identity in the backward pass (the gradient passes
    through the clip unchanged)."""
    t = wb.convert_to_tensor(t)
    clipped = wb.clip_by_value(t, clip_value_min, clip_value_max)
    return t + wb.stop_gradient(clipped - t)
