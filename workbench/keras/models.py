"""``wb.keras.models``: Keras' ``keras.models``."""

import json

from .functional import Model, Sequential
from .layers.saving import deserialize, serialize
from .saving import deserialize_keras_object, load_model, save_model

__all__ = ["Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with ``model``'s architecture and new weights (Keras' ``clone_model``):
    built again from its config. ``input_tensors`` and ``clone_function`` are Keras'
    arguments for rewiring a clone; only their defaults are supported."""
    if input_tensors is not None or clone_function is not None:
        raise NotImplementedError("clone_model: input_tensors and clone_function are not supported; "
                                  "rebuild the model from model.get_config() to change it")
    if not isinstance(model, Model):
        raise TypeError(f"clone_model: model must be a wb.keras.Model, got {type(model).__name__}")
    return deserialize(serialize(model))


def model_from_json(json_string, custom_objects=None):
    """The model (new weights) that ``model.to_json()`` wrote; classes and functions are found only
    among the library's, the registered ones and ``custom_objects``."""
    if not isinstance(json_string, (str, bytes)):
        raise TypeError(f"model_from_json: json_string must be a string, got {type(json_string).__name__}")
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as exc:
        raise ValueError(f"model_from_json: json_string is not JSON ({exc})") from None
    return deserialize_keras_object(config, custom_objects=custom_objects)
