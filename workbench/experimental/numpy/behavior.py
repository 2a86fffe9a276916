"""``experimental_enable_numpy_behavior``: tensors gain NumPy's methods (``x.T``,
``x.reshape(...)``, ``x.astype``, ``x.ravel()``, ``x.clip``, ...), and Python floats given to tnp
become float32 with ``prefer_float32=True``. Operators keep TF's dtype rules (TF's also switches
them to NumPy promotion; here that would cost every Tensor operator a check).

>>> from workbench.experimental import numpy as tnp
>>> tnp.experimental_enable_numpy_behavior()
>>> tnp.ones((2, 3)).T.shape
TensorShape([3, 2])
"""

import numbers

from ...core import Tensor
from . import manipulation, reductions
from .dtypes import asarray, config
from .math import clip


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
        shape = shape[0]
    return manipulation.reshape(self, shape, order)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
        axes = axes[0]
    return manipulation.transpose(self, axes or None)


def _clip(self, min=None, max=None):  # noqa: A002  (NumPy's argument names)
    return clip(self, min, max)


_METHODS = {
    "T": property(lambda self: manipulation.transpose(self)),
    "astype": lambda self, dtype: asarray(self, dtype),
    "clip": _clip,
    "flatten": lambda self, order="C": manipulation.flatten(self, order),
    "ravel": lambda self: manipulation.ravel(self),
    "reshape": _reshape,
    "transpose": _transpose,
    "max": lambda self, axis=None, keepdims=None: reductions.max(self, axis, keepdims),
    "min": lambda self, axis=None, keepdims=None: reductions.min(self, axis, keepdims),
    "mean": lambda self, axis=None, dtype=None, keepdims=None: reductions.mean(self, axis, dtype, keepdims=keepdims),
    "tolist": lambda self: self.numpy().tolist(),
}


def experimental_enable_numpy_behavior(prefer_float32=False, dtype_conversion_mode="legacy"):
    """Give tensors NumPy's methods; with ``prefer_float32``, Python floats given to tnp are
    float32. Only ``dtype_conversion_mode='legacy'`` (NumPy's promotion in tnp) is supported."""
    if dtype_conversion_mode != "legacy":
        raise ValueError(f"experimental_enable_numpy_behavior: dtype_conversion_mode must be 'legacy', "
                         f"got {dtype_conversion_mode!r}")
    config.prefer_float32 = bool(prefer_float32)
    for name, method in _METHODS.items():
        setattr(Tensor, name, method)


def disable_numpy_behavior():
    """Undo :func:`experimental_enable_numpy_behavior` (for tests; TF has no such switch)."""
    config.prefer_float32 = False
    for name in _METHODS:
        if name in Tensor.__dict__:
            delattr(Tensor, name)

