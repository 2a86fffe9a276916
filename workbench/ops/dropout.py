"""Dropout, TF's ``tf.nn.dropout`` and ``tf.nn.experimental.stateless_dropout``.

Written as a composition, ``x * (keep_mask / keep_prob)``, so the gradient
(``keep_mask / keep_prob``) and both autodiff modes come from ``multiply``.
"""

from __future__ import annotations

import numpy as np

from .. import core, dtypes
from ..errors import argcheck
from .. import random as wb_random
from ..core import Tensor, convert_to_tensor
from .elementwise import cast, greater_equal, multiply

__all__ = ["dropout", "stateless_dropout"]


def _rate_value(rate, opname):
    if isinstance(rate, Tensor):
        if rate.ndim != 0:
            raise ValueError(f"{opname}: rate must be a scalar, got shape {rate.shape}")
        rate = rate.numpy()
    r = argcheck.as_float(rate)
    if r is None:
        raise TypeError(f"{opname}: rate must be a number in [0, 1), got {argcheck.describe(rate)}")
    if not 0.0 <= r < 1.0:
        raise ValueError(f"{opname}: rate must be a number in the range [0, 1), got {r}")
    return r


def _noise_shape(x, noise_shape, opname):
    """TF's rule: None entries take ``x``'s size; the result must broadcast to ``x``."""
    if noise_shape is None:
        return x.shape
    if isinstance(noise_shape, Tensor):
        noise_shape = noise_shape.numpy().tolist()
    dims = list(noise_shape)
    if len(dims) != x.ndim:
        raise ValueError(f"{opname}: noise_shape {dims} must have one entry per dimension of x "
                         f"(shape {list(x.shape)})")
    dims = tuple(x.shape[i] if d is None else int(d) for i, d in enumerate(dims))
    if any(d not in (1, s) for d, s in zip(dims, x.shape)):
        raise ValueError(f"{opname}: noise_shape {list(dims)} does not broadcast to x's shape "
                         f"{list(x.shape)}: each entry must be 1 or the matching size of x")
    return dims


def _apply_mask(x, rate, uniform):
    """``x * (uniform >= rate) / (1 - rate)``; ``uniform`` holds [0, 1) draws of the noise shape."""
    # with ops, so a wb.function replay recomputes the mask from each call's draw
    keep = cast(greater_equal(uniform, np.asarray(rate, uniform.dtype)), x.dtype)
    return multiply(x, multiply(keep, np.asarray(1.0 / (1.0 - rate), dtype=x.dtype)))


def _checked_x(x, opname):
    x = convert_to_tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{opname}: x must be a floating tensor, got dtype {x.dtype}")
    return x


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zero each element of ``x`` with probability ``rate`` and scale the rest by ``1 / (1 - rate)``.

    ``noise_shape`` (broadcastable to ``x``'s shape; None entries copy ``x``'s
    size) shares one keep/drop decision across the dimensions of size 1, e.g.
    ``[batch, 1, features]`` drops the same features at every time step.
    ``seed`` follows TF's op-seed rule (see ``wb.random.set_seed``).

    >>> y = wb.nn.dropout(wb.ones([2, 4]), rate=0.5, seed=1)
    >>> sorted(set(y.numpy().ravel().tolist())) in ([0.0, 2.0], [0.0], [2.0])
    True
    """
    x = _checked_x(x, "dropout")
    r = _rate_value(rate, "dropout")
    if r == 0.0:
        return x
    dims = _noise_shape(x, noise_shape, "dropout")
    u = wb_random.op_generator(seed).uniform(dims, dtype=dtypes.np_dtype(x.dtype))   # in x.dtype, as TF
    return _apply_mask(x, r, u)


def stateless_dropout(x, rate, seed, rng_alg=None, noise_shape=None, name=None):
    """``dropout`` whose mask is a function of ``seed`` (shape [2]): the same seed drops the
    same elements (TF's ``tf.nn.experimental.stateless_dropout``).

    >>> a = wb.nn.stateless_dropout(wb.ones([4]), 0.5, seed=[1, 2])
    >>> bool((a.numpy() == wb.nn.stateless_dropout(wb.ones([4]), 0.5, seed=[1, 2]).numpy()).all())
    True
    """
    x = _checked_x(x, "stateless_dropout")
    r = _rate_value(rate, "stateless_dropout")
    if r == 0.0:
        return x
    dims = _noise_shape(x, noise_shape, "stateless_dropout")
    u = wb_random.stateless_uniform(dims, seed, dtype=dtypes.np_dtype(x.dtype), alg=rng_alg or "auto_select")
    return _apply_mask(x, r, u)
