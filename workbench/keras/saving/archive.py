"""``save_model`` / ``load_model``: Keras 3's ``.keras`` file.

The file is a zip archive of three members, read only by these fixed names (nothing is
ever extracted to a path taken from the archive):

- ``metadata.json``: ``keras_version`` (the Keras 3 release whose format is written),
  ``date_saved`` and ``saved_by``;
- ``config.json``: the model's config in Keras' form (see :mod:`.keras_config`), with a
  ``compile_config`` naming the optimizer and loss when the model has an optimizer;
- ``model.weights.h5``: the weights and the optimizer's state (see :mod:`.weights`).
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile

import numpy as np

from ...core import convert_to_tensor
from ...dtypes import as_dtype, float32, string
from ..functional import Sequential
from ..layers import Layer
from .h5store import H5Store
from .keras_config import (compile_arguments, compile_config, loss_from_keras,
                           optimizer_from_keras, to_keras)
from .legacy_h5 import is_legacy_h5_path, load_legacy_h5, model_from_saved_config, save_legacy_h5
from .walk import load_state, save_state

__all__ = ["load_model", "read_weights", "save_model"]

KERAS_FORMAT_VERSION = "3.15.1"   # the Keras release whose .keras layout this follows
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
_MAX_JSON = 64 << 20


def _path(filepath, who):
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"{who}: filepath must be a str or os.PathLike, got {type(filepath).__name__}")
    path = os.fspath(filepath)
    if not path.endswith(".keras"):
        raise ValueError(f"{who}: filepath must end in '.keras' (Keras 3's model file) or '.h5' (the legacy "
                         f"HDF5 file), got {path!r}; weights alone go to a '.weights.h5' file (save_weights)")
    return path


def save_model(model, filepath, overwrite=True):
    """Write ``model`` (architecture, weights and, when it has an optimizer, the optimizer and its
    state) to a ``.keras`` file that Keras 3's ``keras.saving.load_model`` reads."""
    if isinstance(filepath, (str, os.PathLike)) and is_legacy_h5_path(filepath):
        if not isinstance(model, Layer):
            raise TypeError(f"save_model: model must be a wb.keras.Model, got {type(model).__name__}")
        return save_legacy_h5(model, os.fspath(filepath), overwrite=overwrite)
    path = _path(filepath, "save_model")
    if not isinstance(model, Layer):
        raise TypeError(f"save_model: model must be a wb.keras.Model, got {type(model).__name__}")
    if not model.built:
        raise ValueError(f"save_model: model '{model.name}' has no weights yet: call it on a batch "
                         "(or give it a wb.keras.Input) first")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"save_model: {path!r} exists and overwrite=False")
    config = to_keras(model)
    compiled = compile_config(model)
    if compiled is not None:
        config["compile_config"] = compiled
    metadata = {"keras_version": KERAS_FORMAT_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "saved_by": "research-workbench"}
    weights = io.BytesIO()
    with H5Store(weights, "w") as store:
        save_state(model, store)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(_METADATA, json.dumps(metadata))
        zf.writestr(_CONFIG, json.dumps(config))
        zf.writestr(_WEIGHTS, weights.getvalue())


def _member(zf, name, path, limit=None):
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ValueError(f"load_model: {path!r} has no {name!r}; it is not a Keras 3 .keras file") from None
    if limit is not None and info.file_size > limit:
        raise ValueError(f"load_model: {path!r}: {name} is {info.file_size} bytes, more than a config holds")
    return zf.read(info)


def _open(path):
    if not zipfile.is_zipfile(path):
        raise ValueError(f"load_model: {path!r} is not a zip archive, so not a Keras 3 .keras file")
    return zipfile.ZipFile(path, "r")


def read_weights(path):
    """The bytes of the weights file inside the ``.keras`` file ``path``."""
    with _open(path) as zf:
        return _member(zf, _WEIGHTS, path)


def _built_by_shape(model, config):
    """Build a model that its config does not build (a Sequential without an InputLayer, a
    subclassed model) from the input shape Keras records, called once on zeros of the input
    dtype Keras would give it: a Sequential's first layer's ``compute_dtype`` (``"string"`` for
    TextVectorization: empty strings), float32 otherwise."""
    inner = config.get("config") if isinstance(config.get("config"), dict) else {}
    build = config.get("build_config") if isinstance(config.get("build_config"), dict) else {}
    shape = inner.get("build_input_shape", build.get("input_shape"))
    if model.built or not isinstance(shape, list) or not all(d is None or isinstance(d, int) for d in shape):
        return
    dtype = float32
    if isinstance(model, Sequential) and model.layers:
        dtype = as_dtype(getattr(model.layers[0], "compute_dtype", None) or float32)
    shape = [1 if d is None else d for d in shape]
    model(convert_to_tensor(np.full(shape, b"", dtype=object) if dtype == string else np.zeros(shape, dtype)))


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002  (Keras' name)
    """The model a ``.keras`` file holds (written here or by Keras 3), with its weights and, when
    ``compile`` and the file has a ``compile_config``, its optimizer and that optimizer's state.

    Nothing in the file is run: classes and functions are found only among the library's own,
    in ``custom_objects`` and among those registered with ``register_keras_serializable``;
    ``safe_mode=False`` is needed to load a ``Lambda`` layer (its function must be known the
    same way; bytecode in a file is never loaded).
    """
    if isinstance(filepath, (str, os.PathLike)) and is_legacy_h5_path(filepath):
        return load_legacy_h5(os.fspath(filepath), custom_objects, compile, safe_mode)
    path = _path(filepath, "load_model")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_model: no file {path!r}")
    with _open(path) as zf:
        try:
            config = json.loads(_member(zf, _CONFIG, path, _MAX_JSON))
        except json.JSONDecodeError as exc:
            raise ValueError(f"load_model: {path!r}: config.json is not JSON ({exc})") from None
        if not isinstance(config, dict) or "class_name" not in config:
            raise ValueError(f"load_model: {path!r}: config.json does not describe a model")
        model = model_from_saved_config(config, path, safe_mode, custom_objects)
        _built_by_shape(model, config)
        compiled = config.get("compile_config") if compile else None
        if isinstance(compiled, dict) and compiled.get("optimizer") is not None:
            optimizer = optimizer_from_keras(compiled["optimizer"], custom_objects)
            loss = loss_from_keras(compiled.get("loss"), custom_objects)
            model.compile(optimizer=optimizer, loss=loss, **compile_arguments(compiled))
        with H5Store(io.BytesIO(_member(zf, _WEIGHTS, path)), "r") as store:
            load_state(model, store)
    return model
