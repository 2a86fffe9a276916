"""Hyperparameters for TensorBoard's HParams dashboard (the ``tensorboard.plugins.hparams.api`` names).

``hparams_config`` describes the experiment once (usually in the root log
directory); ``hparams`` records one trial's values in that trial's run directory,
beside the scalars named by the config's metrics.

>>> from workbench.summary import hparams as hp                        # doctest: +SKIP
>>> HP_LR = hp.HParam("lr", hp.RealInterval(1e-4, 1e-1))              # doctest: +SKIP
>>> with wb.summary.create_file_writer("logs").as_default():          # doctest: +SKIP
...     hp.hparams_config([HP_LR], [hp.Metric("val/loss", display_name="validation loss")])
>>> with wb.summary.create_file_writer("logs/trial-0").as_default():  # doctest: +SKIP
...     hp.hparams({HP_LR: 0.01}, trial_id="trial-0")

``HParam``, ``Metric``, ``Discrete``, ``RealInterval`` and ``IntInterval`` are
tensorboard's own classes (from ``tensorboard.plugins.hparams.summary_v2``,
which works without TensorFlow), loaded on first use.
"""

from __future__ import annotations

import time

import numpy as np

from ..core import Tensor
from ._tb import tb
from .writer import write_raw_pb

__all__ = ["hparams", "hparams_config", "hparams_pb", "hparams_config_pb",
           "HParam", "Metric", "Domain", "Discrete", "RealInterval", "IntInterval"]

_TENSORBOARD_NAMES = ("HParam", "Metric", "Domain", "Discrete", "RealInterval", "IntInterval")


def __getattr__(name):
    if name in _TENSORBOARD_NAMES:
        value = getattr(tb().hparams_summary_v2, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workbench.summary.hparams' has no attribute {name!r}")


def _plain(value):
    """A Python bool/int/float/str from a Tensor, NumPy scalar or Python value."""
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, (np.ndarray, np.generic)):
        if np.ndim(value) != 0:
            raise ValueError(f"hparams: values must be scalars, got shape {np.shape(value)}")
        return value.item()
    return value


def hparams_pb(hparams, trial_id=None, start_time_secs=None):
    """The ``Summary`` proto recording one trial's hyperparameter values."""
    values = {key: _plain(value) for key, value in dict(hparams).items()}
    return tb().hparams_summary_v2.hparams_pb(values, trial_id=trial_id, start_time_secs=start_time_secs)


def hparams_config_pb(hparams, metrics, time_created_secs=None):
    """The ``Summary`` proto describing the experiment's hyperparameters and metrics.

    ``time_created_secs`` defaults to now (tensorboard's helper leaves it 0).
    """
    if time_created_secs is None:
        time_created_secs = time.time()
    return tb().hparams_summary_v2.hparams_config_pb(list(hparams), list(metrics),
                                                     time_created_secs=time_created_secs)


def hparams(hparams, trial_id=None, start_time_secs=None):
    """Record this trial's hyperparameter values to the default writer.

    Args:
      hparams: dict from ``HParam`` objects or names to bool, int, float or str
        values (NumPy scalars and scalar Tensors are accepted).
      trial_id: name of the trial (default: a hash of the values).
      start_time_secs: when the trial started (default: now).

    Returns True when written, False when no writer is set or recording is off.
    """
    return write_raw_pb(hparams_pb(hparams, trial_id, start_time_secs).SerializeToString(), step=0)


def hparams_config(hparams, metrics, time_created_secs=None):
    """Describe the experiment (a list of ``HParam`` and a list of ``Metric``) to the default writer."""
    return write_raw_pb(hparams_config_pb(hparams, metrics, time_created_secs).SerializeToString(), step=0)
