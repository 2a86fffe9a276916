"""``experimental_enable_numpy_behavior``: tensors gain NumPy's methods (``x.T``,
``x.reshape(...)``, ``x.astype``, ``x.ravel()``, ``x.clip``, ...), indexing takes NumPy's tuple
index arrays (``x[:, (True, False, True)]``, ``x[1, (0, 0, 1)]``), and Python floats given to tnp
become float32 with ``prefer_float32=True``. ``dtype_conversion_mode`` picks how mixed dtypes
promote: ``'legacy'`` (the default) gives the arithmetic and ordering operators NumPy's rules
(``int32 + float32`` is float64, ``int / int`` a float; ``==`` and ``!=`` keep wb's), ``'off'``
keeps TF's (mixed dtypes raise), ``'all'`` and ``'safe'`` turn on TF's new type promotion with weak
tensors (``wb.constant(5)`` is weak; ``int32 + float32`` is float32; ``'safe'`` refuses lossy
promotions). Nothing is installed until it is called, so tensors cost nothing more before.

>>> from workbench.experimental import numpy as tnp
>>> tnp.experimental_enable_numpy_behavior()
>>> tnp.ones((2, 3)).T.shape
TensorShape([3, 2])
"""

import numbers

import numpy as np

from ...core import Tensor
from ...core import set_promotion_mode
from . import manipulation, math, products, reductions
from .dtypes import asarray, config


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
        shape = shape[0]
    return manipulation.reshape(self, shape, order)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
        axes = axes[0]
    return manipulation.transpose(self, axes or None)


def _clip(self, min=None, max=None):  # noqa: A002  (NumPy's argument names)
    return math.clip(self, min, max)


def _getitem(self, key):
    """NumPy's indexing: a tuple inside the key is an index array (a list already is one)."""
    if isinstance(key, tuple):
        key = tuple(np.asarray(k) if isinstance(k, tuple) else k for k in key)
    return _saved["__getitem__"](self, key)


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
    "data": property(lambda self: self),
}


def _operators():
    """The binary operators with NumPy's promotion: each ``x op y`` and its reflection."""
    table = {"add": math.add, "sub": math.subtract, "mul": math.multiply, "truediv": math.true_divide,
             "floordiv": math.floor_divide, "mod": math.mod, "pow": math.power, "matmul": products.matmul,
             "and": math.bitwise_and, "or": math.bitwise_or, "xor": math.bitwise_xor}
    out = {}
    for name, fn in table.items():
        out[f"__{name}__"] = (lambda f: lambda a, b: f(a, b))(fn)
        out[f"__r{name}__"] = (lambda f: lambda a, b: f(b, a))(fn)
    out.update({"__lt__": math.less, "__le__": math.less_equal, "__gt__": math.greater, "__ge__": math.greater_equal,
                "__getitem__": _getitem})
    return out


_OPERATORS = _operators()
_saved = {}     # wb's own operators, put back by disable_numpy_behavior


def experimental_enable_numpy_behavior(prefer_float32=False, dtype_conversion_mode="legacy"):
    """Give tensors NumPy's methods; with ``prefer_float32``, Python floats given to tnp are
    float32. ``dtype_conversion_mode``: ``'legacy'`` (operators promote by NumPy's rules),
    ``'off'`` (operators keep TF's rules), ``'all'`` / ``'safe'`` (TF's new type promotion with
    weak tensors, ``workbench.core.set_promotion_mode``)."""
    set_promotion_mode(dtype_conversion_mode)   # checks the mode's name first
    config.prefer_float32 = bool(prefer_float32)
    for name, method in _METHODS.items():
        setattr(Tensor, name, method)
    for name, op in _OPERATORS.items():
        # NumPy's indexing in every mode; NumPy's promotion in the operators only in 'legacy'
        if dtype_conversion_mode == "legacy" or name == "__getitem__":
            _saved.setdefault(name, Tensor.__dict__[name])
            setattr(Tensor, name, op)
        elif name in _saved:
            setattr(Tensor, name, _saved.pop(name))


def _restore_operators():
    for name, op in _saved.items():
        setattr(Tensor, name, op)
    _saved.clear()


def disable_numpy_behavior():
    """Undo :func:`experimental_enable_numpy_behavior` (for tests; TF has no such switch)."""
    set_promotion_mode("off")
    config.prefer_float32 = False
    for name in _METHODS:
        if name in Tensor.__dict__:
            delattr(Tensor, name)
    _restore_operators()

