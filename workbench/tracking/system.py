"""System metrics (CPU, memory, GPU) sampled every few seconds by a background thread.

Names follow MLflow's own system metrics (``system/cpu_utilization_percentage``,
``system/gpu_0_memory_usage_megabytes``...), so MLflow's UI groups them.
CPU and memory come from ``psutil``; GPU memory from CuPy, and GPU
utilization from NVML when ``pynvml`` (nvidia-ml-py) is installed.
"""

from __future__ import annotations

import threading
import warnings

from .. import backend

__all__ = ["sample", "SystemMonitor"]

_MB = 1024.0 * 1024.0


def _psutil():
    try:
        import psutil  # optional: imported only when this is used
    except ImportError:
        return None
    return psutil


def _cpu_memory(psutil, process):
    memory = psutil.virtual_memory()
    return {
        "system/cpu_utilization_percentage": psutil.cpu_percent(interval=None),
        "system/system_memory_usage_megabytes": (memory.total - memory.available) / _MB,
        "system/system_memory_usage_percentage": memory.percent,
        "system/process_memory_rss_megabytes": process.memory_info().rss / _MB,
    }


def _gpu(index):
    """Memory of GPU ``index`` (the device the run computes on) from CuPy, utilization from NVML."""
    import cupy  # optional: imported only when this is used
    with cupy.cuda.Device(index):
        free, total = cupy.cuda.runtime.memGetInfo()
    out = {
        f"system/gpu_{index}_memory_usage_megabytes": (total - free) / _MB,
        f"system/gpu_{index}_memory_usage_percentage": 100.0 * (total - free) / total,
        f"system/gpu_{index}_pool_used_megabytes": cupy.get_default_memory_pool().used_bytes() / _MB,
    }
    try:
        import pynvml  # optional: imported only when this is used
        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(index)
        out[f"system/gpu_{index}_utilization_percentage"] = float(pynvml.nvmlDeviceGetUtilizationRates(handle).gpu)
    except Exception:  # NVML is optional: no pynvml, or no driver library
        pass
    return out


def _gpu_index():
    """The GPU the process computes on, or None on a CPU run (asking costs no CUDA context)."""
    if not backend.gpu_available():
        return None
    device = backend.default_device()
    return device.index if device.kind == "gpu" else None


def sample(process=None, gpu_index=None):
    """One reading of every system metric available here: ``{name: float}``.

    >>> sorted(sample())[:2]                                # doctest: +SKIP
    ['system/cpu_utilization_percentage', 'system/process_memory_rss_megabytes']
    """
    out = {}
    psutil = _psutil()
    if psutil is not None:
        out.update(_cpu_memory(psutil, process or psutil.Process()))
    if gpu_index is not None:
        out.update(_gpu(gpu_index))
    return out


class SystemMonitor:
    """Calls ``callback(metrics)`` with a :func:`sample` every ``interval`` seconds until :meth:`stop`.

    The first reading is taken one interval after :meth:`start` (``cpu_percent``
    measures the time since its previous call).
    """

    def __init__(self, callback, interval=10.0):
        if not interval > 0:
            raise ValueError(f"system metrics interval must be positive seconds, got {interval!r}")
        self.callback = callback
        self.interval = float(interval)
        self._stopped = threading.Event()
        self._thread = None
        self._process = None
        self._gpu_index = None

    def start(self):
        psutil = _psutil()
        if psutil is None:
            warnings.warn("system metrics: CPU and memory need psutil (pip install psutil)", stacklevel=2)
        else:
            self._process = psutil.Process()
            psutil.cpu_percent(interval=None)  # starts the CPU measurement window
        self._gpu_index = _gpu_index()  # read on this thread: the device scope is per thread
        if psutil is None and self._gpu_index is None:
            return self
        self._thread = threading.Thread(target=self._run, name="workbench-system-metrics", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stopped.wait(self.interval):
            try:
                metrics = sample(self._process, self._gpu_index)
            except Exception as exc:  # a failing probe must not end the run
                warnings.warn(f"system metrics stopped: {exc}", stacklevel=2)
                return
            self.callback(metrics)

    def stop(self):
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
