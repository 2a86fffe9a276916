"""TF's ``tf.nn.experimental.general_dropout``: dropout with a caller-supplied uniform sampler."""

from __future__ import annotations

import numbers

import numpy as np

from .. import dtypes
from ..core import Tensor, convert_to_tensor
from ..ops.dropout import _noise_shape
from ..ops.elementwise import cast, divide, greater_equal, multiply, subtract, where

__all__ = ["general_dropout"]


def general_dropout(x, rate, uniform_sampler, noise_shape=None, name=None):
    """Zero each element of ``x`` where ``uniform_sampler(shape=noise_shape, dtype=x.dtype)``
    (draws in ``[0, 1)``, e.g. a ``wb.random.Generator``'s ``uniform``) is below ``rate``, and
    scale the rest by ``1 / (1 - rate)``, as TF: ``where(u >= rate, x * scale, 0)``. A number
    ``rate`` must lie in ``[0, 1)`` (0 returns ``x`` without sampling); a scalar tensor ``rate``
    is not checked.

    >>> g = wb.random.Generator.from_seed(7)
    >>> wb.nn.experimental.general_dropout(wb.constant([1.1, 2.2, 3.3, 4.4, 5.5]), 0.5, g.uniform).numpy()
    array([ 0. ,  4.4,  6.6,  8.8, 11. ], dtype=float32)
    """
    opname = "general_dropout"
    number = isinstance(rate, numbers.Real) and not isinstance(rate, bool)
    if number and not 0 <= rate < 1:
        raise ValueError(f"{opname}: rate must be a scalar tensor or a float in the range [0, 1), got {rate}")
    x = convert_to_tensor(x)
    if x.dtype.kind != "f":
        raise ValueError(f"{opname}: x must be a floating point tensor (it is scaled), got dtype {x.dtype}")
    if not callable(uniform_sampler):
        raise TypeError(f"{opname}: uniform_sampler must be a callable (shape, dtype) -> Tensor, "
                        f"got {uniform_sampler!r}")
    if number and rate == 0:
        return x
    if number:
        scaled = multiply(x, np.asarray(1 / (1 - rate), dtype=dtypes.np_dtype(x.dtype)))
    else:
        rate = convert_to_tensor(rate) if not isinstance(rate, Tensor) else rate
        if rate.ndim != 0:
            raise ValueError(f"{opname}: rate must be a scalar, got shape {tuple(rate.shape)}")
        if rate.dtype.kind != "f":
            raise ValueError(f"{opname}: rate must have a floating dtype compatible with x's {x.dtype}, "
                             f"got {rate.dtype}")
        rate = cast(rate, x.dtype)
        scaled = divide(x, subtract(np.asarray(1, dtype=dtypes.np_dtype(x.dtype)), rate))
    dims = _noise_shape(x, noise_shape, opname)
    u = convert_to_tensor(uniform_sampler(shape=list(dims), dtype=x.dtype))
    if tuple(u.shape) != tuple(dims):
        raise ValueError(f"{opname}: uniform_sampler returned shape {tuple(u.shape)}, expected {tuple(dims)}")
    keep = greater_equal(u, cast(rate, u.dtype) if isinstance(rate, Tensor) else np.asarray(rate, u._data.dtype))
    return where(keep, scaled, np.zeros((), dtype=dtypes.np_dtype(x.dtype)))
