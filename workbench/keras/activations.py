"""``wb.keras.activations``: Keras' activation functions by name, and how configs name them.

>>> wb.keras.activations.get("relu") is wb.keras.activations.relu
True
>>> wb.keras.activations.serialize(wb.keras.activations.get("swish"))
'swish'
"""

from __future__ import annotations

from .. import nn
from ..ops import elementwise as _ew
from ..ops.elementwise import exp
from .ops import nn as _knn
from .ops._symbolic import wrap_activations as _wrap_activations
from .serialization import deserialize_function, serialize_function

__all__ = ["celu", "deserialize", "elu", "exponential", "gelu", "get", "glu", "hard_shrink", "hard_sigmoid",
           "hard_silu", "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
           "relu", "relu6", "selu", "serialize", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
           "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink", "threshold"]


def linear(x):
    """The identity (no activation)."""
    return x


def softmax(x, axis=-1):
    return nn.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return nn.log_softmax(x, axis=axis)


relu6, elu, selu, gelu = nn.relu6, nn.elu, nn.selu, nn.gelu


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras 3's ``relu``: ``max(x, 0)`` (``wb.nn.relu``); ``negative_slope`` multiplies what lies
    below ``threshold`` (a leaky form), values under ``threshold`` are 0 and ``max_value`` caps."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return nn.relu(x)
    x = _knn._floating(_knn._t(x))
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return nn.leaky_relu(x, alpha=negative_slope)
    below = nn.relu(threshold - x) if negative_slope != 0.0 else None
    if threshold != 0.0:
        y = _ew.where(_ew.greater(x, _ew.cast(threshold, x.dtype)), x, _ew.zeros_like(x))
    else:
        y = nn.relu(x)
    if max_value is not None:
        y = _ew.clip_by_value(y, _ew.cast(0.0, x.dtype), _ew.cast(max_value, x.dtype))
    return y if below is None else y - negative_slope * below
sigmoid, tanh, softplus, softsign, leaky_relu = nn.sigmoid, nn.tanh, nn.softplus, nn.softsign, nn.leaky_relu
silu = swish = nn.silu
exponential = exp
celu, glu, hard_shrink, hard_tanh = _knn.celu, _knn.glu, _knn.hard_shrink, _knn.hard_tanh
soft_shrink, tanh_shrink = _knn.soft_shrink, _knn.tanh_shrink
hard_sigmoid, hard_silu = _knn.hard_sigmoid, _knn.hard_silu
log_sigmoid, sparse_plus, sparse_sigmoid = _knn.log_sigmoid, _knn.sparse_plus, _knn.sparse_sigmoid
sparsemax, squareplus = _knn.sparsemax, _knn.squareplus
threshold = _knn.threshold
hard_swish = hard_silu


def mish(x):
    """``x * tanh(softplus(x))``."""
    x = _knn._floating(_knn._t(x))
    return x * nn.tanh(nn.softplus(x))

_BY_NAME = {
    "linear": linear, "relu": relu, "relu6": relu6, "elu": elu, "selu": selu, "gelu": gelu,
    "sigmoid": sigmoid, "tanh": tanh, "softplus": softplus, "softsign": softsign, "swish": silu,
    "silu": silu, "exponential": exponential, "leaky_relu": leaky_relu, "softmax": softmax,
    "log_softmax": log_softmax, "celu": celu, "glu": glu, "hard_shrink": hard_shrink, "hard_sigmoid": hard_sigmoid,
    "hard_silu": hard_silu, "hard_swish": hard_silu, "hard_tanh": hard_tanh, "log_sigmoid": log_sigmoid,
    "mish": mish, "soft_shrink": soft_shrink, "sparse_plus": sparse_plus, "sparse_sigmoid": sparse_sigmoid,
    "sparsemax": sparsemax, "squareplus": squareplus, "tanh_shrink": tanh_shrink, "threshold": threshold,
}

# the name a config records for each built-in activation (the first listed: TF 2's "swish" for silu)
_NAME_OF = {}
for _name, _fn in _BY_NAME.items():
    _NAME_OF.setdefault(id(_fn), _name)


def get(identifier):
    """An activation function from a Keras name (``"relu"``), a function config (see
    :func:`serialize`), a callable or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier.lower())
        if fn is None:
            raise ValueError(f"unknown activation {identifier!r}; known: {sorted(_BY_NAME)}")
        return fn
    if callable(identifier):
        return identifier
    raise TypeError(f"activation must be a name or a callable, got {identifier!r}")


def serialize(fn):
    """Keras' form: the name of a built-in activation (``"relu"``), else a function reference."""
    if getattr(fn, "_wb_eager", fn) is nn.relu:   # TF's tf.nn.relu as an activation: Keras' "relu"
        return "relu"
    name = _NAME_OF.get(id(fn))
    if name is not None and getattr(_BY_NAME[name], "_wb_eager", _BY_NAME[name]) is getattr(fn, "_wb_eager", fn):
        return name
    return serialize_function(fn)


def deserialize(config, custom_objects=None):
    """The activation a :func:`serialize` result names."""
    if isinstance(config, str):
        return get(config)
    return deserialize_function(config, custom_objects)


# called on symbolic tensors (wb.keras.Input), an activation records a graph node, as Keras 3's do
_wrap_activations(globals(), [n for n in __all__ if n not in ("get", "serialize", "deserialize", "linear")],
                  _BY_NAME, _NAME_OF)
