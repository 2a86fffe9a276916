"""``wb.keras.saving``: registering classes and functions for configs (Keras' ``keras.saving``).

A config names classes and functions; loading one finds them only in the built-in tables,
in ``custom_objects`` and among what was registered here, never by importing code."""

from .serialization import custom_object_scope, get_registered_object, registered_name
from .serialization import register_serializable as register_keras_serializable

__all__ = ["custom_object_scope", "get_registered_name", "get_registered_object",
           "register_keras_serializable"]


def get_registered_name(obj):
    """The name ``obj`` is registered under (``"package>name"``), else its ``__name__``."""
    return registered_name(obj) or getattr(obj, "__name__", None)
