"""Process-wide switches (TF's ``tf.config`` names where TF has one)."""

from . import hostcache

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


__all__ = ["run_functions_eagerly", "functions_run_eagerly", "set_host_cache_limit",
           "host_cache_info", "clear_host_cache"]
