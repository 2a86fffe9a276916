"""Layer configs in Keras' form: ``serialize(layer)`` gives ``{"class_name": ..., "config": ...}``
(plain JSON) and ``deserialize(config)`` builds a new layer (fresh weights) from it.

Classes are found by name in ``custom_objects``, then among the classes registered with
``wb.keras.saving.register_keras_serializable`` (by their ``"package>name"``), then among the library's layers
and models; a config never imports or runs code, and every name in it is resolved before
any layer is built.

>>> cfg = wb.keras.layers.serialize(wb.keras.layers.Dense(3, activation="relu", name="d"))
>>> cfg["class_name"], cfg["config"]["units"], cfg["config"]["activation"]
('Dense', 3, 'relu')
>>> wb.keras.layers.deserialize(cfg).units
3
"""

from __future__ import annotations

from .. import constraints, initializers, regularizers
import numpy as np

from ..serialization import Configurable, check_config, custom_object_scope, get_registered_object, registered_name
from .base import Layer

__all__ = ["deserialize", "plain_config", "serialize"]


def _builtin_classes() -> dict:
    """Every public Layer subclass of the library, by class name (plus Keras' ``Functional``)."""
    from .. import functional, layers  # circular import with functional
    table = {name: obj for name, obj in vars(layers).items()
             if isinstance(obj, type) and issubclass(obj, Layer)}
    table.update(InputLayer=functional.InputLayer, Model=functional.Model, Functional=functional.Model,
                 Sequential=functional.Sequential)
    return table


def check_known(config, where):
    """Every class and function a layer or model config names is known (see
    ``serialization.check_config``); raises ValueError before anything is built."""
    check_config(config, (_builtin_classes().get, initializers.builtin_class, regularizers.builtin_class,
                          constraints.builtin_class), where=where)


def class_name_of(layer) -> str:
    """The ``class_name`` a config records: a registered name, ``Functional`` for a functional
    ``wb.keras.Model``, else the class name."""
    from ..functional import Model  # circular import with functional
    key = registered_name(type(layer))
    if key is not None:
        return key
    if type(layer) is Model and getattr(layer, "_nodes", None) is not None:
        return "Functional"
    return type(layer).__name__


def serialize(layer) -> dict:
    """``{"class_name": ..., "config": layer.get_config()}``, with the layers, initializers and
    regularizers a custom ``get_config`` returns written as their own configs."""
    if not isinstance(layer, Layer):
        raise TypeError(f"serialize: expected a wb.keras.Layer, got {type(layer).__name__}")
    return {"class_name": class_name_of(layer), "config": plain_config(layer.get_config())}


def plain_config(value):
    """``value`` (a config, or a value in one) with every layer, initializer and regularizer in it
    replaced by its ``{"class_name", "config"}`` and NumPy values by Python ones, as Keras writes
    the objects a custom ``get_config`` returns."""
    if isinstance(value, Layer):
        return serialize(value)
    if isinstance(value, Configurable):
        return {"class_name": registered_name(type(value)) or type(value).__name__,
                "config": plain_config(value.get_config())}
    if isinstance(value, dict):
        return {k: plain_config(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_config(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def deserialize(config, custom_objects=None):
    """A new layer (or model) from a :func:`serialize` config.

    ``custom_objects``: ``{name: class_or_function}`` for user-defined layers,
    activations, initializers and regularizers named in the config (nested
    configs see them too).
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize: expected a dict with 'class_name' and 'config', got {config!r}")
    name = config["class_name"]
    with custom_object_scope(custom_objects):
        check_known(config, "deserialize")
        cls = get_registered_object(name, builtins=_builtin_classes().get)
        if cls is None:
            raise ValueError(f"deserialize: unknown layer class {name!r}; pass it in custom_objects="
                             f"{{{name!r}: cls}} or register it with wb.keras.saving.register_keras_serializable")
        if not (isinstance(cls, type) and issubclass(cls, Layer)):
            raise TypeError(f"deserialize: {name!r} names {cls!r}, which is not a wb.keras.Layer class")
        return cls.from_config(dict(config.get("config", {})))
