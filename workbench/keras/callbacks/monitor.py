"""Which way a monitored metric improves, and reading it from the logs: shared by
``EarlyStopping``, ``ModelCheckpoint`` and ``ReduceLROnPlateau``."""

import math
import warnings

from ...tracking import best

__all__ = ["check_mode", "improves", "monitored_value"]


def check_mode(mode, monitor, where) -> str:
    """``"min"`` or ``"max"`` for ``mode`` (``"auto"``: a loss is minimized; otherwise the name
    decides, by the rule ``wb.Experiment``'s ``best_<metric>`` uses: accuracies, AUCs,
    precision, recall, scores... are maximized, everything else minimized)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{where}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if not isinstance(monitor, str) or not monitor:
        raise ValueError(f"{where}: monitor must be a metric name such as 'val_loss', got {monitor!r}")
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    return "min" if name == "loss" or name.endswith("_loss") else best.mode(name)


def improves(value, reference, mode, min_delta=0.0) -> bool:
    """Whether ``value`` beats ``reference`` by more than ``min_delta`` (None is beaten by any
    number; NaN beats nothing)."""
    if math.isnan(value):
        return False
    if reference is None:
        return True
    if mode == "min":
        return value + min_delta < reference
    return value - min_delta > reference


def monitored_value(logs, monitor, where):
    """The float under ``monitor`` in ``logs``; None (with a warning naming the available keys)
    when it is missing."""
    logs = logs or {}
    value = logs.get(monitor)
    if value is None:
        warnings.warn(f"{where} is conditioned on metric `{monitor}`, which is not available. Available "
                      f"metrics are: {', '.join(logs) or '(none)'}", stacklevel=3)
        return None
    return float(value)
