"""Process-wide switches (TF's ``tf.config`` names where TF has one)."""

import collections

from . import backend, hostcache
from .ops import blas as _blas

_EAGER = {"on": False}


def run_functions_eagerly(run_eagerly: bool):
    """Run every ``wb.function`` as plain Python (for debugging: prints and breakpoints
    run on every call). TF's ``tf.config.run_functions_eagerly``."""
    _EAGER["on"] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    return _EAGER["on"]


def set_host_cache_limit(nbytes):
    """Keep at most ``nbytes`` of large NumPy buffers for reuse by later ops (default 1 GiB);
    0 turns the cache off. See ``workbench.hostcache``: a buffer is reused only when nothing
    else refers to it, so results never change, only the time spent getting fresh memory."""
    hostcache.set_limit(nbytes)


def host_cache_info():
    """What the host buffer cache holds: ``limit``, ``min_bytes``, ``arrays``, ``free_arrays``,
    ``free_bytes``, ``in_use_bytes``, ``hits``, ``misses``."""
    return hostcache.info()


def clear_host_cache():
    """Give every cached buffer nothing else uses back to the allocator."""
    hostcache.clear()


def set_blas(name):
    """Compute matrix products (``matmul`` and its gradients, float32 and float64 NumPy arrays)
    with the BLAS ``name``: ``"numpy"`` (NumPy's own, the default), ``"mkl"`` (the ``mkl``
    wheel), ``"blis"`` (the ``blis`` package) or ``"auto"`` (the fastest installed one, timed
    once per machine on a training step's products and cached). Also set by the environment
    variable ``WORKBENCH_BLAS`` when workbench is imported. ImportError when the backend is not
    installed; see ``workbench.ops.blas``."""
    _blas.set_blas(name)


def get_blas() -> str:
    """The BLAS matrix products use now: ``"numpy"``, ``"mkl"`` or ``"blis"`` (``"auto"``
    resolved)."""
    return _blas.get_blas()


__all__ = ["run_functions_eagerly", "functions_run_eagerly", "set_host_cache_limit",
           "host_cache_info", "clear_host_cache", "set_soft_device_placement", "get_soft_device_placement",
           "set_blas", "get_blas"]

set_soft_device_placement = backend.set_soft_device_placement
get_soft_device_placement = backend.get_soft_device_placement


PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
PhysicalDevice.__doc__ = "A device this process can use (TF's ``tf.config.PhysicalDevice``)."
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])
LogicalDevice.__doc__ = "A device ops can be placed on (TF's ``tf.config.LogicalDevice``)."


def _devices(device_type, where, include_hidden=False):
    if device_type is not None and not isinstance(device_type, str):
        raise TypeError(f"{where}: device_type must be a string such as 'GPU' or 'CPU', got {device_type!r}")
    out = []
    for dev in backend.list_devices(include_hidden):
        if dev.kind == "cpu" and _CPU_HIDDEN["on"] and not include_hidden:
            continue
        kind = dev.kind.upper()
        if device_type is None or device_type.upper() == kind:
            out.append((kind, dev.index or 0))
    return out


def list_physical_devices(device_type=None):
    """The devices of ``device_type`` (``"CPU"``, ``"GPU"``; all when None), as TF lists them:
    ``[PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]``."""
    return [PhysicalDevice(f"/physical_device:{k}:{i}", k)
            for k, i in _devices(device_type, "list_physical_devices", include_hidden=True)]


def list_logical_devices(device_type=None):
    """As :func:`list_physical_devices`, named as ops are placed: ``/device:CPU:0``; the CPU is
    ``CPU:0`` … ``CPU:N-1`` after :func:`set_logical_device_configuration` gave it N logical
    devices. Listing them initializes the devices (the configuration is fixed from then on)."""
    out = []
    for k, i in _devices(device_type, "list_logical_devices"):
        count = len(_LOGICAL.get(f"/physical_device:{k}:{i}") or [None]) if k == "CPU" else 1
        out += [LogicalDevice(f"/device:{k}:{j}", k) for j in range(i, i + count)]
    _INITIALIZED["on"] = True
    return out


class LogicalDeviceConfiguration(collections.namedtuple(
        "LogicalDeviceConfiguration", ["memory_limit", "experimental_priority", "experimental_device_ordinal"])):
    """One logical device to make of a physical device (TF's ``tf.config.LogicalDeviceConfiguration``).
    The CPU may be split into several, for ``wb.distribute.MirroredStrategy(devices=["cpu:0",
    "cpu:1"])``; ``memory_limit`` and the rest are recorded, not enforced (host memory is shared)."""

    def __new__(cls, memory_limit=None, experimental_priority=None, experimental_device_ordinal=None):
        return super().__new__(cls, memory_limit, experimental_priority, experimental_device_ordinal)


VirtualDeviceConfiguration = LogicalDeviceConfiguration

_LOGICAL: dict = {}                 # physical device name -> its list of LogicalDeviceConfiguration
_INITIALIZED = {"on": False}        # set once the logical devices were listed or a strategy used them


def set_logical_device_configuration(device, logical_devices):
    """Split the physical ``device`` into the logical devices ``logical_devices`` (a list of
    :class:`LogicalDeviceConfiguration`), as TF's ``tf.config.set_logical_device_configuration``:
    three on the CPU give ``/device:CPU:0`` … ``/device:CPU:2``, each one replica of a
    ``MirroredStrategy``. Only the CPU can be split here. Once the devices are initialized (listed
    by :func:`list_logical_devices`, or used by a strategy) a different configuration raises
    RuntimeError, as in TF."""
    where = "set_logical_device_configuration"
    device = _physical(device, where)
    if logical_devices is not None:
        if not isinstance(logical_devices, (list, tuple)) or not all(
                isinstance(c, LogicalDeviceConfiguration) for c in logical_devices):
            raise TypeError(f"{where}: logical_devices must be a list of tf.config.LogicalDeviceConfiguration, "
                            f"got {logical_devices!r}")
        logical_devices = list(logical_devices)
    if device.device_type != "CPU":
        raise ValueError(f"{where}: only the CPU can be split into logical devices here, got {device.name}")
    if logical_devices == []:
        raise ValueError(f"{where}: logical_devices must name at least one device, got []")
    if _INITIALIZED["on"]:
        if _LOGICAL.get(device.name) != logical_devices:
            raise RuntimeError("Virtual devices cannot be modified after being initialized")
        return
    if logical_devices is None:
        _LOGICAL.pop(device.name, None)
    else:
        _LOGICAL[device.name] = logical_devices


def get_logical_device_configuration(device):
    """The list of :class:`LogicalDeviceConfiguration` given to ``device``, or None."""
    found = _LOGICAL.get(_physical(device, "get_logical_device_configuration").name)
    return list(found) if found is not None else None


def logical_cpu_count() -> int:
    """How many logical CPU devices there are (1 unless the CPU was split); marks them initialized."""
    _INITIALIZED["on"] = True
    return len(_LOGICAL.get("/physical_device:CPU:0") or [None])


_CPU_HIDDEN = {"on": False}   # set_visible_devices([]) hides the CPU from the lists (work still runs there)


def get_visible_devices(device_type=None):
    """TF's ``tf.config.get_visible_devices``: the physical devices of ``device_type`` (all when
    None) that :func:`set_visible_devices` left visible (every one unless it was called)."""
    return [PhysicalDevice(f"/physical_device:{k}:{i}", k) for k, i in _devices(device_type, "get_visible_devices")]


def set_visible_devices(devices, device_type=None):
    """TF's ``tf.config.set_visible_devices``: make only ``devices`` (a PhysicalDevice or a list
    of them, from :func:`list_physical_devices`) visible; with ``device_type``, only the devices
    of that type change (``set_visible_devices([], "GPU")`` hides every GPU, so work runs on the
    CPU). Hidden GPUs keep their physical numbers here (TF renumbers the visible ones). Once a
    tensor was made, a different set raises RuntimeError, as in TF; an unknown device, or one not
    of ``device_type``, raises ValueError ``Unrecognized device``."""
    if isinstance(devices, PhysicalDevice):
        devices = [devices]
    devices = list(devices)
    every = list_physical_devices()
    for d in devices:
        if not isinstance(d, PhysicalDevice) or d not in every or (
                device_type is not None and d.device_type != device_type.upper()):
            raise ValueError(f"Unrecognized device: {d!r}")
    keep = [d for d in get_visible_devices()
            if device_type is not None and d.device_type != device_type.upper()]
    wanted = keep + [d for d in devices if d not in keep]
    if set(wanted) == set(get_visible_devices()):
        return
    if backend.default_resolved() or _INITIALIZED["on"]:
        raise RuntimeError("Visible devices cannot be modified after being initialized")
    backend.set_hidden_gpus(int(d.name.rsplit(":", 1)[1]) for d in every
                            if d.device_type == "GPU" and d not in wanted)
    _CPU_HIDDEN["on"] = not any(d.device_type == "CPU" for d in wanted)


_MEMORY_GROWTH: dict = {}


def _physical(device, where):
    if not isinstance(device, PhysicalDevice):
        raise TypeError(f"{where}: device must be a PhysicalDevice from list_physical_devices(), got {device!r}")
    if device not in list_physical_devices():
        raise ValueError(f"{where}: {device.name} is not a device of this process "
                         f"({[d.name for d in list_physical_devices()]})")
    return device


def set_memory_growth(device, enable):
    """TF's ``tf.config.experimental.set_memory_growth``. Memory here always grows as it is
    needed (NumPy allocates per array; CuPy's memory pool grows by block and never reserves
    the whole GPU), so this records the setting, which :func:`get_memory_growth` reports."""
    _physical(device, "set_memory_growth")
    if not isinstance(enable, bool):
        raise TypeError(f"set_memory_growth: enable must be a bool, got {enable!r}")
    _MEMORY_GROWTH[device.name] = enable


def get_memory_growth(device):
    """What :func:`set_memory_growth` recorded for ``device`` (False when never set, as TF)."""
    return _MEMORY_GROWTH.get(_physical(device, "get_memory_growth").name, False)


class experimental:
    """TF's ``tf.config.experimental`` names that apply here."""

    list_physical_devices = staticmethod(list_physical_devices)
    list_logical_devices = staticmethod(list_logical_devices)
    get_visible_devices = staticmethod(get_visible_devices)
    set_visible_devices = staticmethod(set_visible_devices)
    set_memory_growth = staticmethod(set_memory_growth)
    get_memory_growth = staticmethod(get_memory_growth)
    set_virtual_device_configuration = staticmethod(set_logical_device_configuration)
    get_virtual_device_configuration = staticmethod(get_logical_device_configuration)
    VirtualDeviceConfiguration = LogicalDeviceConfiguration


__all__ += ["set_memory_growth", "get_memory_growth", "experimental", "list_physical_devices",
            "list_logical_devices", "get_visible_devices", "set_visible_devices", "LogicalDeviceConfiguration",
            "set_logical_device_configuration", "get_logical_device_configuration"]


def experimental_run_functions_eagerly(run_eagerly):
    """TF's deprecated spelling of :func:`run_functions_eagerly`."""
    run_functions_eagerly(run_eagerly)


def experimental_functions_run_eagerly():
    """TF's deprecated spelling of :func:`functions_run_eagerly`."""
    return functions_run_eagerly()


_THREADS = {"intra": 0, "inter": 0}


def _set_threads(kind, num_threads, label):
    if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 0:
        raise ValueError(f"set_{kind}_op_parallelism_threads: num_threads must be an int >= 0 "
                         f"(0: the system picks), got {num_threads!r}")
    if num_threads == _THREADS[kind]:
        return
    if backend.default_resolved():
        raise RuntimeError(f"{label} op parallelism cannot be modified after initialization.")
    _THREADS[kind] = num_threads
    if kind == "intra" and num_threads:
        try:    # NumPy's BLAS / OpenMP pools do the intra-op work here
            import threadpoolctl  # noqa: PLC0415
        except ImportError:
            return
        threadpoolctl.threadpool_limits(num_threads)


class threading:  # noqa: N801  (TF's name)
    """TF's ``tf.config.threading``: thread counts, set before the first tensor is made (TF's
    RuntimeError after). The intra-op count limits NumPy's BLAS/OpenMP thread pools (through
    ``threadpoolctl`` when it is installed); ops here run one at a time, so the inter-op count
    is recorded and reported only. 0 means the system's choice, as in TF."""

    @staticmethod
    def set_intra_op_parallelism_threads(num_threads):
        _set_threads("intra", num_threads, "Intra")

    @staticmethod
    def get_intra_op_parallelism_threads():
        return _THREADS["intra"]

    @staticmethod
    def set_inter_op_parallelism_threads(num_threads):
        _set_threads("inter", num_threads, "Inter")

    @staticmethod
    def get_inter_op_parallelism_threads():
        return _THREADS["inter"]


_OPTIMIZER = {"jit": "", "options": {"disable_model_pruning": False, "disable_meta_optimizer": False}}


class optimizer:  # noqa: N801  (TF's name)
    """TF's ``tf.config.optimizer``: Grappler's and XLA's switches. The workbench has neither
    (``wb.function`` compiles with its own fusion), so the settings are recorded and reported
    back as TF reports them, and change nothing."""

    @staticmethod
    def set_jit(enabled):
        _OPTIMIZER["jit"] = "autoclustering" if enabled is True else "" if enabled is False else str(enabled)

    @staticmethod
    def get_jit():
        return _OPTIMIZER["jit"]

    @staticmethod
    def set_experimental_options(options):
        if not isinstance(options, dict):
            raise TypeError(f"set_experimental_options: options must be a dict, got {type(options).__name__}")
        _OPTIMIZER["options"] = {**options, **{k: v for k, v in _OPTIMIZER["options"].items() if k not in options}}

    @staticmethod
    def get_experimental_options():
        return dict(_OPTIMIZER["options"])


__all__ += ["set_visible_devices", "experimental_run_functions_eagerly", "experimental_functions_run_eagerly",
            "threading", "optimizer"]
