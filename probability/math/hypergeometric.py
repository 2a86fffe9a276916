"""``tfp.math.hypergeometric``: the Gauss hypergeometric function ``2F1`` for ``|z| < 1``."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .special import _float_tensors

__all__ = ["hyp2f1_small_argument"]


def _hyp2f1(a, b, c, z):
    host = [np.asarray(wb.backend.to_numpy(t._data), np.float64) for t in (a, b, c, z)]
    values = wb.backend.scipy_special(np).hyp2f1(*host)
    return wb.convert_to_tensor(z.xp.asarray(values.astype(z._data.dtype)))


@wb.custom_gradient
def _hyp2f1_z(a, b, c, z):
    ans = _hyp2f1(a, b, c, z)

    def grad(dy):
        # d/dz 2F1(a, b; c; z) = (a b / c) 2F1(a + 1, b + 1; c + 1; z), differentiable again in z
        return None, None, None, dy * (a * b / c) * _hyp2f1_z(a + 1.0, b + 1.0, c + 1.0, z)
    return ans, grad


def hyp2f1_small_argument(a, b, c, z, name=None):
    """``2F1(a, b; c; z) = sum_n (a)_n (b)_n / ((c)_n n!) z**n`` for ``|z| < 1`` (values from
    ``scipy.special.hyp2f1``). Differentiable in ``z``; not in ``a``, ``b``, ``c``.

    >>> float(hyp2f1_small_argument(1., 1., 2., -0.5))      # log(1 + z) / z
    0.81093...
    """
    a, b, c, z = _float_tensors("hyp2f1_small_argument", a, b, c, z)
    total = a + b + c + z
    zero = wb.zeros_like(total)
    return _hyp2f1_z(a + zero, b + zero, c + zero, z + zero)
