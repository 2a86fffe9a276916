"""TF's ``tf.compat``: the migration helpers that TF 2 code still calls.

The workbench has one behaviour, TF 2's (eager execution, ``wb.function`` for graphs), so
the switches that turn it on are answered as TF 2 answers them: already on, nothing to do.
The switches that would turn it off raise, naming what to use instead.

>>> import workbench as wb
>>> wb.compat.v1.enable_eager_execution()   # TF 2 code written for both versions
>>> wb.compat.v2 is wb
True
>>> wb.compat.dimension_value(wb.TensorShape([3, None])[0])
3
"""

from __future__ import annotations

import sys

from .compat_v1 import build as build_v1
from .core import VariableAggregation, convert_to_tensor
from .dtypes import bool as bool_
from .eager import executing_eagerly, numpy_function
from .errors import InvalidArgumentError, eager_op_message
from .ops.elementwise import where
from .ops.shape import reshape
from .tensor_shape import Dimension, TensorShape, dimension_value

__all__ = ["v1", "v2", "dimension_value", "dimension_at_index", "as_bytes", "as_str", "as_text",
           "enable_v2_behavior", "forward_compatible"]


def enable_v2_behavior():
    """TF 2 behaviour is the only behaviour here: returns None and changes nothing
    (``tf.compat.v1.enable_v2_behavior`` is likewise a no-op in TF 2)."""
    return None


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):
    """Eager execution is always on (as in TF 2, where this call does nothing)."""
    return None


def _refuse(what):
    def refuse(*args, **kwargs):
        raise NotImplementedError(
            f"tf.compat.v1.{what}: the workbench runs TF 2 semantics only (eager tensors, wb.function "
            f"for compiled graphs); there is no TF 1 graph mode to switch to")
    refuse.__name__ = what
    refuse.__doc__ = f"Not available: ``{what}`` would switch to TF 1 behaviour, which the workbench lacks."
    return refuse


def dimension_at_index(shape, index):
    """The ``index``-th dimension of ``shape`` as a ``Dimension`` (unknown for an unknown rank),
    as TF's; ``dimension_value`` turns it into an int or None."""
    shape = TensorShape(shape)
    if shape.rank is None:
        return Dimension(None)
    return Dimension(shape[index])


def as_bytes(bytes_or_text, encoding="utf-8"):
    """``bytes_or_text`` as bytes (str is encoded with ``encoding``)."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"as_bytes: expected bytes or str, got {bytes_or_text!r} of type "
                    f"{type(bytes_or_text).__name__}")


def as_text(bytes_or_text, encoding="utf-8"):
    """``bytes_or_text`` as str (bytes are decoded with ``encoding``)."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, (bytes, bytearray)):
        return bytes(bytes_or_text).decode(encoding)
    raise TypeError(f"as_text: expected bytes or str, got {bytes_or_text!r} of type "
                    f"{type(bytes_or_text).__name__}")


as_str = as_text


def forward_compatible(year, month, day):
    """True: the workbench has no graph producers whose versions could lag behind."""
    return True


def _py_func(func, inp, Tout, stateful=True, name=None):
    """TF 1's ``tf.compat.v1.py_func``: ``func`` on NumPy arrays (see ``wb.numpy_function``)."""
    return numpy_function(func, inp, Tout, stateful=stateful, name=name)


def _where_v1(condition, x=None, y=None, name=None):
    """TF 1's ``tf.compat.v1.where``: with ``x`` and ``y`` (the same shape, no broadcasting),
    ``x`` where ``condition`` holds, else ``y``; ``condition`` has their shape, is a scalar, or is
    a vector picking whole rows (``x.shape[0]`` entries). Without them, the coordinates of the
    true entries (``wb.where``).

    >>> wb.compat.v1.where([True, False], [[1, 2], [3, 4]], [[5, 6], [7, 8]]).numpy()
    array([[1, 2],
           [7, 8]], dtype=int32)
    """
    if (x is None) != (y is None):
        raise ValueError("x and y must both be non-None or both be None.")
    if x is None:
        return where(condition)
    c = convert_to_tensor(condition)
    if c.dtype != bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {c.dtype} "
                        f"(TF: Cannot convert it to EagerTensor of dtype bool)")
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype_hint=x.dtype)
    if y.dtype != x.dtype:
        raise TypeError(f"where: x has dtype {x.dtype} but y has dtype {y.dtype}; they must match")

    def dims(shape):
        return "[" + ",".join(str(int(d)) for d in shape) + "]"
    def error(message):
        return InvalidArgumentError(None, None, eager_op_message("Select", message, x.device))
    if x.shape != y.shape:
        raise error(f"'then' and 'else' must have the same size.  but received: {dims(x.shape)} vs. "
                    f"{dims(y.shape)}")
    if c.ndim == 0 or c.shape == x.shape:
        return where(c, x, y)
    if c.ndim == 1 and x.ndim > 1:
        if c.shape[0] != x.shape[0]:
            raise error(f"Number of batches of 'then' must match size of 'cond', but saw: {x.shape[0]} vs. "
                        f"{c.shape[0]}")
        return where(reshape(c, (c.shape[0],) + (1,) * (x.ndim - 1)), x, y)
    raise error(f"Inputs to operation Select of type Select must have the same size and shape.  Input 0: "
                f"{dims(c.shape)} != input 1: {dims(x.shape)}")


v1 = build_v1({
    "enable_eager_execution": enable_eager_execution,
    "enable_v2_behavior": enable_v2_behavior,
    "executing_eagerly": executing_eagerly,
    "py_func": _py_func,
    "where": _where_v1,
    "disable_eager_execution": _refuse("disable_eager_execution"),
    "disable_v2_behavior": _refuse("disable_v2_behavior"),
    "dimension_value": dimension_value,
    "dimension_at_index": dimension_at_index,
    "Dimension": Dimension,
    "VariableAggregation": VariableAggregation,  # TF 1's enum (with ONLY_FIRST_TOWER), not wb.VariableAggregation
})


def __getattr__(name):
    # tf.compat.v2 is the TF 2 namespace itself: the workbench
    if name == "v2":
        return sys.modules[__name__.rpartition(".")[0]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
