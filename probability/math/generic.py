"""Small generic helpers of ``tfp.math``."""

from __future__ import annotations

import workbench as wb

__all__ = ["soft_threshold"]


def soft_threshold(x, threshold, name=None):
    """``sign(x) * max(|x| - threshold, 0)``: the proximity operator of ``threshold * |x|`` (it
    shrinks toward 0 and sets ``|x| <= threshold`` exactly to 0).

    >>> soft_threshold(wb.constant([-3., 0.5, 2.]), 1.).numpy()
    array([-2.,  0.,  1.], dtype=float32)
    """
    x = wb.convert_to_tensor(x)
    return wb.math.sign(x) * wb.math.maximum(wb.math.abs(x) - threshold, 0.)
