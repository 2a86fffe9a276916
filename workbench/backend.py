"""The one place that knows NumPy from CuPy.

NumPy runs on the CPU; CuPy runs on NVIDIA GPUs and is imported only when a
GPU is asked for (``WORKBENCH_DEVICE=gpu``, ``wb.device("gpu:0")``) or when the
default device is resolved and CuPy finds one. Everything else in the library
receives the array module (``xp``) from here.
"""

from __future__ import annotations

import contextlib
import os
import threading

import numpy as np

__all__ = [
    "Device", "device", "default_device", "get_xp", "xp_of", "gpu_available",
    "cupy_module", "to_numpy", "list_devices",
]

_cupy = None          # the cupy module once a GPU has been asked for
_cupy_probed = False  # whether we already asked CuPy if a GPU is present


def cupy_module():
    """Import and return CuPy, or raise a RuntimeError saying why it is not usable."""
    global _cupy
    if _cupy is None:
        try:
            import cupy  # optional: imported only when this is used
        except ImportError as exc:
            raise RuntimeError(
                "a GPU device was requested but CuPy is not installed; install "
                "'research-workbench[cuda12]' or '[cuda13]'") from exc
        _cupy = cupy
    return _cupy


def gpu_available() -> bool:
    """True when CuPy is installed and sees at least one CUDA device. Cheap after the first call."""
    global _gpu_present, _cupy_probed
    if not _cupy_probed:
        _cupy_probed = True
        _gpu_present = False
        try:
            import cupy  # optional: imported only when this is used
            _gpu_present = bool(cupy.cuda.is_available())
        except Exception:
            _gpu_present = False
    return _gpu_present


_gpu_present = False


class Device:
    """A device: ``Device("cpu")``, ``Device("gpu")`` (= ``gpu:0``), ``Device("gpu:1")``."""

    __slots__ = ("kind", "index")

    def __init__(self, spec="cpu"):
        if isinstance(spec, Device):
            self.kind, self.index = spec.kind, spec.index
            return
        if not isinstance(spec, str):
            raise TypeError(f"device must be a string such as 'cpu' or 'gpu:0', got {type(spec).__name__}")
        text = spec.strip().lower()
        if text.startswith("/"):  # TF style "/GPU:0", "/device:CPU:0"
            text = text.rsplit("/", 1)[-1].replace("device:", "")
        kind, _, idx = text.partition(":")
        if kind == "cuda":
            kind = "gpu"
        if kind not in ("cpu", "gpu"):
            raise ValueError(f"unknown device {spec!r}: expected 'cpu', 'gpu' or 'gpu:N'")
        try:
            index = int(idx) if idx else 0
        except ValueError:
            raise ValueError(f"unknown device {spec!r}: the index after ':' must be an integer") from None
        self.kind, self.index = kind, index

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = Device(other)
            except (ValueError, TypeError):
                return False
        return isinstance(other, Device) and self.kind == other.kind and (
            self.kind == "cpu" or self.index == other.index)

    def __hash__(self):
        return hash((self.kind, self.index if self.kind == "gpu" else 0))

    def __str__(self):
        return "cpu" if self.kind == "cpu" else f"gpu:{self.index}"

    def __repr__(self):
        return f"Device('{self}')"

    @property
    def xp(self):
        return np if self.kind == "cpu" else _checked_cupy(self)


CPU = Device("cpu")


_hidden_gpus: set = set()   # GPU indices wb.config.set_visible_devices hid


def set_hidden_gpus(indices):
    """Hide the GPUs ``indices`` from this process (``wb.config.set_visible_devices``): they are
    no longer listed, chosen by default, or placed on (soft placement puts such work on the CPU)."""
    _hidden_gpus.clear()
    _hidden_gpus.update(int(i) for i in indices)


def _checked_cupy(dev: Device):
    cp = cupy_module()
    if dev.index in _hidden_gpus:
        raise RuntimeError(f"device '{dev}' was requested but wb.config.set_visible_devices hid it")
    if not gpu_available():
        raise RuntimeError(
            f"device '{dev}' was requested but no GPU is available: CuPy "
            f"{getattr(cp, '__version__', '?')} is installed and "
            "cupy.cuda.is_available() is False (no CUDA device or driver found)")
    count = cp.cuda.runtime.getDeviceCount()
    if dev.index >= count:
        raise RuntimeError(f"device '{dev}' was requested but only {count} GPU(s) were found")
    return cp


_state = threading.local()
_process_default: Device | None = None


def _resolve_process_default() -> Device:
    global _process_default
    if _process_default is None:
        env = os.environ.get("WORKBENCH_DEVICE", "").strip()
        if env:
            dev = Device(env)
            if dev.kind == "gpu":
                _checked_cupy(dev)
        else:
            gpus = [d for d in list_devices() if d.kind == "gpu"]
            dev = gpus[0] if gpus else CPU
        _process_default = dev
    return _process_default


def default_device() -> Device:
    """The device new tensors are placed on: the innermost ``wb.device`` scope, else
    ``WORKBENCH_DEVICE``, else the first GPU CuPy sees, else the CPU."""
    stack = getattr(_state, "stack", None)
    if stack:
        return stack[-1]
    return _resolve_process_default()


_SOFT_PLACEMENT = {"on": True}


def set_soft_device_placement(enabled):
    """TF's soft placement (on by default): ``wb.device`` asking for a GPU this process does
    not have places on the CPU instead of raising."""
    if not isinstance(enabled, (bool, np.bool_)):
        raise TypeError(f"set_soft_device_placement: enabled must be a bool, got {enabled!r}")
    _SOFT_PLACEMENT["on"] = bool(enabled)


def get_soft_device_placement() -> bool:
    return _SOFT_PLACEMENT["on"]


@contextlib.contextmanager
def device(spec):
    """Place new tensors on ``spec`` within the block: ``with wb.device("gpu:0"): ...``.

    A GPU that is not there (no CuPy, no CUDA device, an index past the last) places on the
    CPU, as TF's soft placement does; with ``wb.config.set_soft_device_placement(False)`` it
    is an error naming what is missing."""
    dev = Device(spec)
    ctx = contextlib.nullcontext()
    if dev.kind == "gpu":
        try:
            cp = _checked_cupy(dev)
        except RuntimeError:
            if not _SOFT_PLACEMENT["on"]:
                raise
            dev = CPU
        else:
            ctx = cp.cuda.Device(dev.index)
    stack = getattr(_state, "stack", None)
    if stack is None:
        stack = _state.stack = []
    stack.append(dev)
    try:
        with ctx:
            yield dev
    finally:
        stack.pop()


def get_xp(dev: Device | None = None):
    """The array module for a device (the default device when None)."""
    dev = default_device() if dev is None else dev
    return np if dev.kind == "cpu" else _checked_cupy(dev)


def xp_of(array):
    """The array module an array belongs to."""
    if _cupy is None or isinstance(array, (np.ndarray, np.generic)):
        return np
    return _cupy


def xp_for(*arrays):
    """The array module for an op's inputs: NumPy scalars go along with either module."""
    if _cupy is None:
        return np
    for a in arrays:
        if not isinstance(a, np.generic):
            return np if isinstance(a, np.ndarray) else _cupy
    return np


def repeat(a, counts, axis=0):
    """``numpy.repeat(a, counts, axis)`` with an array of counts, on either module (CuPy's
    ``repeat`` takes no array of counts: there, gather by the slot each output comes from)."""
    if _cupy is None or isinstance(a, (np.ndarray, np.generic)):
        return np.repeat(a, counts, axis=axis)
    xp = _cupy
    ends = xp.cumsum(xp.asarray(counts, dtype=np.int64))
    total = int(ends[-1]) if ends.size else 0
    idx = xp.searchsorted(ends, xp.arange(total, dtype=np.int64), side="right")
    return xp.take(a, idx, axis=axis)


def is_array(value) -> bool:
    """Whether ``value`` is a NumPy or CuPy array."""
    return isinstance(value, np.ndarray) or (_cupy is not None and isinstance(value, _cupy.ndarray))


def device_of(array) -> Device:
    if _cupy is None or isinstance(array, (np.ndarray, np.generic)):
        return CPU
    return Device(f"gpu:{array.device.id}")


def to_numpy(array) -> np.ndarray:
    if isinstance(array, np.ndarray):
        return array
    if isinstance(array, np.generic) or _cupy is None or not isinstance(array, _cupy.ndarray):
        return np.asarray(array)
    return _cupy.asnumpy(array)


def move(array, dev: Device):
    """Copy an array to a device (no copy when it is already there)."""
    if dev.kind == "cpu":
        return to_numpy(array)
    name = array.dtype.name if isinstance(array, (np.ndarray, np.generic)) and array.dtype.kind in "Vf" else None
    if name in ("bfloat16", "float8_e4m3fn", "float8_e5m2"):   # ml_dtypes' NumPy types (host arrays)
        raise TypeError(f"dtype {name} cannot be placed on {dev}: CuPy has no {name} arrays. Keep {name} "
                        "tensors on the CPU (with wb.device('cpu'):) or cast them to float16 or float32 first")
    cp = _checked_cupy(dev)
    if isinstance(array, cp.ndarray) and array.device.id == dev.index:
        return array
    with cp.cuda.Device(dev.index):
        return cp.asarray(array)


def list_devices(include_hidden=False):
    """Devices this process can use (with ``include_hidden``, also the GPUs
    ``wb.config.set_visible_devices`` hid)."""
    devices = [CPU]
    if gpu_available():
        cp = cupy_module()
        devices += [Device(f"gpu:{i}") for i in range(cp.cuda.runtime.getDeviceCount())
                    if include_hidden or i not in _hidden_gpus]
    return devices


def default_resolved() -> bool:
    """Whether the process's default device was already chosen (a tensor was made)."""
    return _process_default is not None


def scipy_special(xp):
    """``scipy.special`` or ``cupyx.scipy.special``, imported when first needed."""
    if xp is np:
        import scipy.special as sp  # optional: imported only when this is used
        return sp
    import cupyx.scipy.special as csp  # optional: imported only when this is used
    return csp
