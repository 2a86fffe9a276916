"""``tnp.random``: NumPy's ``random`` functions on wb's global random state (``seed`` is
``wb.random.set_seed``); floats are float64 and integers int64, as TF's.

>>> from workbench.experimental import numpy as tnp
>>> tnp.random.seed(1)
>>> tnp.random.randn(2).dtype
wb.float64
"""

import numbers

import numpy as np

from ... import random as wb_random
from ...ops.elementwise import cast
from .dtypes import np_dtype, numpy_result_type as result_type

__all__ = ["seed", "rand", "randn", "random", "standard_normal", "uniform", "randint", "poisson"]


def _size(size, what):
    if size is None:
        return []
    if isinstance(size, numbers.Integral):
        return [int(size)]
    try:
        return [int(d) for d in size]
    except (TypeError, ValueError):
        raise TypeError(f"{what}: size must be None, an int or a sequence of ints, got {size!r}") from None


def seed(s):
    """Reseed the global random state (an integer)."""
    try:
        s = int(s)
    except (TypeError, ValueError):
        raise ValueError(f"seed: s must be an integer, got {s!r}") from None
    wb_random.set_seed(s)


def standard_normal(size=None):
    """Standard normal draws of shape ``size`` (float64)."""
    return wb_random.normal(_size(size, "standard_normal"), dtype=np.float64)


def randn(*args):
    """Standard normal draws of shape ``args`` (float64)."""
    return standard_normal(args)


def uniform(low=0.0, high=1.0, size=None):
    """Uniform draws from ``[low, high)`` of shape ``size`` (the bounds' float dtype)."""
    dtype = result_type(low, high)
    if dtype.kind not in "fc":
        dtype = np.float64
    return wb_random.uniform(_size(size, "uniform"), minval=low, maxval=high, dtype=dtype)


def random(size=None):
    """Uniform draws from ``[0, 1)`` of shape ``size`` (float64)."""
    return uniform(size=size)


def rand(*size):
    """Uniform draws from ``[0, 1)`` of shape ``size`` (float64)."""
    return uniform(size=size)


def randint(low, high=None, size=None, dtype=np.int64):
    """Integers drawn uniformly from ``[low, high)`` (``[0, low)`` without ``high``)."""
    if high is None:
        low, high = 0, low
    want = np_dtype(dtype, "randint")
    if want.kind not in "iu":
        raise TypeError(f"randint: dtype must be an integer type, got {want}")
    if high <= low:
        raise ValueError(f"randint: low ({low}) must be below high ({high})")
    return cast(wb_random.uniform(_size(size, "randint"), minval=low, maxval=high, dtype=np.int64), want)


def poisson(lam=1.0, size=None):
    """Poisson draws with rate ``lam`` of shape ``size`` (int64)."""
    return wb_random.poisson(_size(size, "poisson"), lam, dtype=np.int64)
