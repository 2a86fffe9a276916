"""``keras.backend``: the global settings Keras 3 code reads (``floatx``, ``set_floatx``,
``epsilon``, ``image_data_format``, ``backend``) and ``clear_session``."""

from __future__ import annotations

from . import dtype_policies as _dtype_policies
from .dtype_policies import floatx, set_floatx
from .layers import base as _base

__all__ = ["backend", "clear_session", "epsilon", "floatx", "image_data_format", "set_floatx"]


def epsilon() -> float:
    """The fuzz factor Keras' losses and metrics use: ``1e-7``."""
    return 1e-7


def image_data_format() -> str:
    """Where image layers expect channels by default: ``"channels_last"``."""
    return "channels_last"


def backend() -> str:
    """The engine under ``keras``: ``"workbench"`` (NumPy on the CPU, CuPy on a GPU)."""
    return "workbench"


def clear_session(free_memory=True):
    """Start layer names afresh (``dense``, ``dense_1``... again) and let the global dtype policy
    follow ``floatx()`` again, as Keras 3's ``clear_session`` resets its global state."""
    _base._name_counts.clear()
    _dtype_policies.reset()
