"""``wb.keras.saving``: Keras 3's files and the registry of classes and functions for configs
(Keras' ``keras.saving``).

``save_model``/``load_model`` read and write ``.keras`` files, ``save_weights``/``load_weights``
``.weights.h5`` files, both as Keras 3 writes them. A config names classes and functions;
loading one finds them only in the built-in tables, in ``custom_objects`` and among what was
registered here, never by importing code."""

from ..serialization import custom_object_scope, get_custom_objects, get_registered_object, registered_name
from ..serialization import register_serializable as register_keras_serializable
from .archive import load_model, save_model
from .objects import deserialize_keras_object, serialize_keras_object
from .weights import load_weights, save_weights

__all__ = ["custom_object_scope", "deserialize_keras_object", "get_custom_objects", "get_registered_name",
           "get_registered_object", "load_model", "load_weights", "register_keras_serializable", "save_model",
           "save_weights", "serialize_keras_object"]


def get_registered_name(obj):
    """The name ``obj`` is registered under (``"package>name"``), else its ``__name__``."""
    return registered_name(obj) or getattr(obj, "__name__", None)
