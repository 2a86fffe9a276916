"""``save_weights`` / ``load_weights``: a model's variables in Keras 3's ``.weights.h5`` file
(``load_weights`` also takes the weights out of a ``.keras`` file, as Keras does)::

    model = wb.keras.Sequential([wb.keras.Input((3,)), wb.keras.layers.Dense(2)])
    wb.keras.saving.save_weights(model, "model.weights.h5")
    wb.keras.saving.load_weights(model, "model.weights.h5")
"""

from __future__ import annotations

import io
import os

from ..layers import Layer
from .archive import read_weights
from .h5store import H5Store
from .walk import load_state, save_state

__all__ = ["load_weights", "save_weights"]

_SUFFIX = ".weights.h5"


def _check_model(model, who):
    if not isinstance(model, Layer):
        raise TypeError(f"{who}: model must be a wb.keras.Model or Layer, got {type(model).__name__}")
    if not model.built:
        raise ValueError(f"{who}: {type(model).__name__} '{model.name}' has no weights yet: call it on a batch "
                         "(or give it a wb.keras.Input) first")


def _check_path(filepath, who, suffixes=(_SUFFIX,)):
    path = os.fspath(filepath) if isinstance(filepath, (str, os.PathLike)) else None
    if path is None:
        raise TypeError(f"{who}: filepath must be a str or os.PathLike, got {type(filepath).__name__}")
    if not path.endswith(suffixes):
        raise ValueError(f"{who}: filepath must end in {' or '.join(map(repr, suffixes))} (Keras 3's "
                         f"weights file{'' if len(suffixes) == 1 else ' or model file'}), got {path!r}")
    return path


def save_weights(model, filepath, overwrite=True):
    """Write ``model``'s weights (and its optimizer's state, when it has one) to ``filepath``,
    an HDF5 file laid out as Keras 3 writes it, so that Keras' ``load_weights`` reads it."""
    path = _check_path(filepath, "save_weights")
    _check_model(model, "save_weights")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"save_weights: {path!r} exists and overwrite=False")
    with H5Store(path, "w") as store:
        save_state(model, store)


def load_weights(model, filepath, skip_mismatch=False):
    """Assign ``model``'s weights (and its optimizer's state) from a ``.weights.h5`` file, or from
    the weights inside a ``.keras`` file, written here or by Keras 3. ``skip_mismatch=True``
    leaves a layer whose weights differ in number or shape as it is (with a warning) instead
    of raising."""
    path = _check_path(filepath, "load_weights", (_SUFFIX, ".keras"))
    _check_model(model, "load_weights")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_weights: no file {path!r}")
    source = io.BytesIO(read_weights(path)) if path.endswith(".keras") else path
    with H5Store(source, "r") as store:
        load_state(model, store, skip_mismatch=bool(skip_mismatch))
