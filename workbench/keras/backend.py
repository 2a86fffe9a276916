"""``keras.backend``: the global settings Keras 3 code reads (``floatx``, ``set_floatx``,
``epsilon``, ``image_data_format``, ``backend``), ``clear_session``, Keras 3's dtype helpers, and the
tf.keras legacy backend functions TF 2.21's ``tf.keras.backend`` still has (thin TF ops: ``argmax``
gives int64, ``ones``/``zeros``/``eye``/``variable`` give variables, floats default to ``floatx()``)."""

from __future__ import annotations

from . import dtype_policies as _dtype_policies
from .dtype_policies import floatx, set_floatx
from .layers import base as _base

__all__ = ["backend", "clear_session", "epsilon", "floatx", "image_data_format", "set_floatx"]

_CONFIG = {"epsilon": 1e-7, "image_data_format": "channels_last"}


def epsilon() -> float:
    """The fuzz factor Keras' losses and metrics use: ``1e-7`` unless :func:`set_epsilon` changed it."""
    return _CONFIG["epsilon"]


def set_epsilon(value):
    """Sets the value :func:`epsilon` returns."""
    _CONFIG["epsilon"] = float(value)


def image_data_format() -> str:
    """Where image layers expect channels by default: ``"channels_last"`` unless set."""
    return _CONFIG["image_data_format"]


def set_image_data_format(data_format):
    """Sets :func:`image_data_format`: ``"channels_last"`` or ``"channels_first"``."""
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError(f"set_image_data_format: data_format must be 'channels_first' or 'channels_last', got "
                         f"{data_format!r}")
    _CONFIG["image_data_format"] = value


def backend() -> str:
    """The engine under ``keras``: ``"workbench"`` (NumPy on the CPU, CuPy on a GPU)."""
    return "workbench"


def clear_session(free_memory=True):
    """Start layer names afresh (``dense``, ``dense_1``... again) and let the global dtype policy
    follow ``floatx()`` again, as Keras 3's ``clear_session`` resets its global state."""
    _base._name_counts.clear()
    _dtype_policies.reset()



_backend_all = __all__
from ._legacy_backend import *  # noqa: E402,F401,F403
from ._legacy_backend import __all__ as _legacy_all  # noqa: E402

__all__ = sorted(set(_backend_all + _legacy_all + ["set_epsilon", "set_image_data_format"]))
