"""Keras 3's ``serialize_keras_object`` / ``deserialize_keras_object``: any Keras object (a layer
or model, an initializer, a regularizer, an optimizer, a loss, a metric, a function, a
SeedGenerator) as Keras' JSON form ``{"module", "class_name", "config", "registered_name"}``, and
back. Python tuples and NumPy arrays are wrapped as Keras wraps them (``__tuple__``,
``__numpy__``); numbers, strings, lists and dicts stay themselves.

Reading a config never runs code: classes and functions are found only among the library's
own, the registered ones and ``custom_objects`` (as ``load_model`` does).

>>> cfg = wb.keras.saving.serialize_keras_object(wb.keras.regularizers.L1(0.5))
>>> cfg["module"], cfg["class_name"], cfg["config"]
('keras.regularizers', 'L1', {'l1': 0.5})
>>> wb.keras.saving.deserialize_keras_object(cfg)
L1(l1=0.5)
"""

from __future__ import annotations

import types

import numpy as np

from ... import optimizers
from ...optimizers import Optimizer
from .. import activations, initializers, losses, metrics, regularizers
from ..layers import Layer
from ..layers import deserialize as deserialize_layer
from ..random import SeedGenerator
from ..serialization import (Configurable, custom_object_scope, deserialize_function, get_registered_object,
                             registered_name, serialize_function)
from .keras_config import check_safe, from_keras, loss_from_keras, optimizer_from_keras, to_keras

__all__ = ["deserialize_keras_object", "serialize_keras_object"]

_ACTIVATIONS = {name for name in activations.__all__ if name not in ("get", "serialize", "deserialize")}


def _wrapped(obj, module, config):
    key = registered_name(type(obj))
    if key is not None:
        return {"module": type(obj).__module__, "class_name": type(obj).__name__,
                "config": serialize_keras_object(config), "registered_name": key}
    return {"module": module, "class_name": type(obj).__name__, "config": serialize_keras_object(config),
            "registered_name": None}


def serialize_keras_object(obj):
    """Keras' JSON form of ``obj`` (see the module's docstring); raises TypeError for an object
    Keras could not write either."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, tuple):
        return {"class_name": "__tuple__", "config": {"value": [serialize_keras_object(v) for v in obj]}}
    if isinstance(obj, list):
        return [serialize_keras_object(v) for v in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, Layer):
        out = _keras_form(to_keras(obj))
        if out.get("registered_name"):  # Keras records the Python class name beside the registered one
            out["class_name"] = type(obj).__name__
        return out
    if isinstance(obj, Configurable):
        module = "keras.initializers" if isinstance(obj, initializers.Initializer) else "keras.regularizers"
        return _wrapped(obj, module, obj.get_config())
    if isinstance(obj, Optimizer):
        return _wrapped(obj, "keras.optimizers", obj.get_config())
    if isinstance(obj, optimizers.schedules.LearningRateSchedule):
        return _wrapped(obj, "keras.optimizers.schedules", obj.get_config())
    if isinstance(obj, losses.Loss):
        return _wrapped(obj, "keras.losses", obj.get_config())
    if isinstance(obj, metrics.Metric):
        return _wrapped(obj, "keras.metrics", obj.get_config())
    if isinstance(obj, SeedGenerator):
        return _wrapped(obj, "keras.random", obj.get_config())
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        if getattr(activations, getattr(obj, "__name__", ""), None) is obj and obj.__name__ in _ACTIVATIONS:
            return {"module": "keras.activations", "class_name": "function", "config": obj.__name__,
                    "registered_name": obj.__name__}
        ref = serialize_function(obj)
        return {"module": ref.get("module"), "class_name": "function", "config": ref["config"],
                "registered_name": "function"}
    raise TypeError(f"serialize_keras_object: cannot serialize {obj!r} ({type(obj).__name__}): it is not a "
                    "Keras object, a registered function or a plain value")


def _keras_form(node):
    """A Keras config with the nested objects a custom ``get_config`` returned written out."""
    if isinstance(node, dict):
        return {k: _keras_form(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_keras_form(v) for v in node]
    if isinstance(node, (bool, int, float, str, type(None))):
        return node
    return serialize_keras_object(node)


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a :func:`serialize_keras_object` config describes (a new one: layers get fresh
    weights). ``custom_objects`` ``{name: class_or_function}``; ``safe_mode`` refuses Lambda
    layers, as ``load_model`` does."""
    if kwargs:
        raise TypeError(f"deserialize_keras_object: unexpected arguments {sorted(kwargs)}")
    with custom_object_scope(custom_objects):
        return _deserialize(config, safe_mode)


def _deserialize(config, safe_mode):
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, list):
        return [_deserialize(v, safe_mode) for v in config]
    if not isinstance(config, dict):
        raise TypeError(f"deserialize_keras_object: cannot read {config!r} ({type(config).__name__})")
    name = config.get("class_name")
    if not isinstance(name, str):
        return {k: _deserialize(v, safe_mode) for k, v in config.items()}
    inner = config.get("config")
    if name == "__tuple__":
        return tuple(_deserialize(v, safe_mode) for v in inner["value"])
    if name == "__numpy__":
        return np.asarray(inner["value"], dtype=inner["dtype"])
    module = config.get("module") or ""
    if name == "function":
        if module == "keras.activations":
            return activations.get(inner)
        return deserialize_function(from_keras(config))
    if module.startswith("keras.initializers"):
        return initializers.deserialize(from_keras(config))
    if module.startswith("keras.regularizers"):
        return regularizers.deserialize(from_keras(config))
    if module == "keras.optimizers":
        return optimizer_from_keras(config)
    if module.startswith("keras.losses"):
        return loss_from_keras(config)
    if module.startswith("keras.metrics"):
        return metrics.deserialize(from_keras(config))
    if module == "keras.random" and name == "SeedGenerator":
        return SeedGenerator.from_config(inner)
    key = config.get("registered_name") if isinstance(config.get("registered_name"), str) else None
    cls = get_registered_object(key or name) or (get_registered_object(name) if key else None)
    if module.startswith("keras") or (isinstance(cls, type) and issubclass(cls, Layer)):
        check_safe({"class_name": name, "config": inner, "module": module, "registered_name": key},
                   safe_mode)
        return deserialize_layer(from_keras(config))
    if cls is None:
        raise ValueError(f"deserialize_keras_object: unknown class {key or name!r}; pass it in custom_objects="
                         f"{{{name!r}: cls}} or register it with wb.keras.saving.register_keras_serializable "
                         "(configs never import code)")
    return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)
