"""A whole model in Keras' legacy HDF5 file (``model.save('my_model.h5')``), as Keras 3.15
writes and reads it: the root's attributes ``model_config`` and ``training_config`` (JSON),
``keras_version`` and ``backend``; a group ``model_weights`` with one group per top-level layer
(attribute ``weight_names``, the weights' paths, each array stored under its path). The
optimizer's state is not written (a loaded model's optimizer starts afresh)."""

from __future__ import annotations

import json
import logging
import os

import numpy as np

from ..functional import Model
from ..layers import deserialize
from ..serialization import custom_object_scope
from .h5store import require_h5py
from .keras_config import (check_safe, compile_arguments, compile_config, from_keras, loss_from_keras,
                           optimizer_from_keras, to_keras)

__all__ = ["is_legacy_h5_path", "load_legacy_h5", "save_legacy_h5"]

KERAS_VERSION = "3.15.1"
_LEGACY_WARNING = ("You are saving your model as an HDF5 file via `model.save()` or `keras.saving.save_model(model)`. "
                   "This file format is considered legacy. We recommend using instead the native Keras format, "
                   "e.g. `model.save('my_model.keras')` or `keras.saving.save_model(model, 'my_model.keras')`. ")


def is_legacy_h5_path(path) -> bool:
    path = os.fspath(path)
    return (path.endswith(".h5") or path.endswith(".hdf5")) and not path.endswith(".weights.h5")


def _layer_weights(layer):
    # Keras' legacy order: the trainable weights, then the others
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _bytes_array(names):
    # fixed-length byte strings, as Keras writes these attributes (an empty float array for none)
    return np.array([n.encode("utf8") for n in names], dtype="S") if names else np.array([])


def _training_config(model):
    compiled = compile_config(model)
    if compiled is None:
        return None
    out = {k: v for k, v in compiled.items() if k != "optimizer"}
    opt = compiled["optimizer"]
    out["optimizer_config"] = {"class_name": opt["class_name"], "config": opt["config"]}
    return out


def save_legacy_h5(model, path, overwrite=True):
    """Write ``model`` to the legacy HDF5 file ``path`` (Keras 3 logs that the format is legacy)."""
    h5py = require_h5py()
    if not model.built:
        raise ValueError(f"save_model: model '{model.name}' has no weights yet: call it on a batch "
                         "(or give it a wb.keras.Input) first")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"save_model: {path!r} exists and overwrite=False")
    logging.getLogger("absl").warning(_LEGACY_WARNING)
    config = to_keras(model)
    model_config = {"class_name": config["class_name"], "config": config["config"]}
    training = _training_config(model)
    with h5py.File(path, "w") as f:
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["model_config"] = json.dumps(model_config)
        if training is not None:
            f.attrs["training_config"] = json.dumps(training)
        group = f.create_group("model_weights")
        layers = list(model.layers)
        group.attrs["layer_names"] = _bytes_array([l.name for l in layers])
        group.attrs["backend"] = "tensorflow"
        group.attrs["keras_version"] = KERAS_VERSION
        for layer in layers:
            sub = group.create_group(layer.name)
            weights = _layer_weights(layer)
            sub.attrs["weight_names"] = _bytes_array([w.path for w in weights])
            for w in weights:
                sub.create_dataset(w.path, data=np.asarray(w.numpy()))
        own = {id(w) for l in layers for w in l.weights}
        top = [w for w in _layer_weights(model) if id(w) not in own]
        sub = group.create_group("top_level_model_weights")
        sub.attrs["weight_names"] = _bytes_array([w.path for w in top])
        for w in top:
            sub.create_dataset(w.path, data=np.asarray(w.numpy()))


def model_from_saved_config(config, path, safe_mode, custom_objects):
    """The model a saved file's Keras config describes (refused by ``check_safe`` when it would
    run code), with the file named in every error."""
    try:
        check_safe(config, safe_mode, custom_objects)
        with custom_object_scope(custom_objects):
            model = deserialize(from_keras(config))
    except (TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ValueError(f"load_model: {path!r}: the file's config does not fit this library's layers "
                         f"({type(exc).__name__}: {exc})") from None
    if not isinstance(model, Model):
        raise ValueError(f"load_model: {path!r} holds a {type(model).__name__} layer, not a model")
    return model


def _names(attr):
    return [n.decode("utf8") if isinstance(n, bytes) else str(n) for n in np.asarray(attr).reshape(-1)]


def load_legacy_h5(path, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """The model a legacy HDF5 file holds (written here or by Keras), with its weights and, when
    ``compile`` and the file has a ``training_config``, compiled with its optimizer, loss and
    metrics."""
    h5py = require_h5py()
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_model: no file {path!r}")
    with h5py.File(path, "r") as f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise ValueError(f"load_model: {path!r} holds no model_config; it is not a whole-model HDF5 file "
                             "(weights alone load with load_weights)")
        config = json.loads(raw.decode("utf8") if isinstance(raw, bytes) else raw)
        model = model_from_saved_config(config, path, safe_mode, custom_objects)
        group = f["model_weights"] if "model_weights" in f else f
        names = _names(group.attrs.get("layer_names", []))
        stored = [n for n in names if len(_names(group[n].attrs.get("weight_names", [])))]
        layers = [l for l in model.layers if _layer_weights(l)]
        if len(stored) != len(layers):
            raise ValueError(f"load_model: {path!r} holds weights for {len(stored)} layers, the model has "
                             f"{len(layers)} layers with weights")
        for layer, name in zip(layers, stored):
            sub = group[name]
            arrays = [np.asarray(sub[w]) for w in _names(sub.attrs["weight_names"])]
            weights = _layer_weights(layer)
            if len(arrays) != len(weights):
                raise ValueError(f"load_model: layer '{layer.name}' has {len(weights)} weights, the file holds "
                                 f"{len(arrays)} for '{name}'")
            for w, a in zip(weights, arrays):
                if tuple(a.shape) != tuple(w.shape):
                    raise ValueError(f"load_model: weight '{w.path}' has shape {tuple(w.shape)}, the file holds "
                                     f"{tuple(a.shape)}")
                w.assign(a.astype(np.dtype(w.dtype.as_numpy_dtype)))
        training = f.attrs.get("training_config") if compile else None
    if training is not None:
        training = json.loads(training.decode("utf8") if isinstance(training, bytes) else training)
        if isinstance(training, dict) and training.get("optimizer_config") is not None:
            optimizer = optimizer_from_keras(training["optimizer_config"], custom_objects)
            loss = loss_from_keras(training.get("loss"), custom_objects)
            model.compile(optimizer=optimizer, loss=loss, **compile_arguments(training))
    return model
