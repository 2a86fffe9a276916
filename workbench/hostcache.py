"""Reuse of large host (NumPy) buffers from one op to the next.

A fresh large array is expensive on the CPU before any arithmetic happens: the
C allocator hands big blocks back to the operating system when they are freed
and maps new, zero-filled pages for the next one, so every page of every new
result takes a page fault. On the 2-core machine the benchmarks run on, a
40 MB ``x * x`` costs 2.2 ms into an existing buffer and 5.7 ms into a new one;
with a few 4 MB arrays alive at once the new-buffer cost is ten times the
arithmetic. A training step allocates the same shapes step after step, so the
workbench keeps the large arrays its ops produce and hands one out again once
nothing but this cache refers to it (its reference count says so). That is
exact: an array some tensor, view, user variable or container still holds is
never handed out.

The cache tracks at most ``limit`` bytes of arrays, in use or free (1 GiB by
default; ``wb.config.set_host_cache_limit``): when a new array would pass the
limit, free ones are forgotten, oldest first, and if that is not enough the new
array is simply not tracked. So at most ``limit`` bytes are ever held for reuse.
Arrays smaller than ``min_bytes`` (256 KiB) are left to the C allocator, which
recycles them cheaply. CuPy arrays never come here: CuPy has its own pool.
``WORKBENCH_HOST_CACHE`` in the environment sets the limit at start (in bytes;
0 turns the cache off, 1 keeps the default);
``WORKBENCH_HOST_CACHE_MIN_BYTES`` sets ``min_bytes`` (0 sends every float
result through the cache, which the test suite uses to exercise it).
"""

from __future__ import annotations

import os
import sys
import threading

import numpy as np

__all__ = ["pooled", "empty", "new", "like", "like2", "set_limit", "limit", "clear", "info"]

_lock = threading.Lock()
_pools: dict = {}        # (shape, dtype) -> arrays this cache handed out, oldest first
_tracked = 0              # bytes of the arrays in _pools (in use or free)
_MAX_PER_KEY = 64         # arrays tracked per (shape, dtype); more are left to the allocator
_getrefcount = sys.getrefcount
_stats = {"hits": 0, "misses": 0}


def _env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r}: expected a whole number of bytes") from None


_limit = _env_int("WORKBENCH_HOST_CACHE", 1 << 30)
_limit = (1 << 30) if _limit == 1 else _limit  # WORKBENCH_HOST_CACHE=1 means "on, default size"
min_bytes = _env_int("WORKBENCH_HOST_CACHE_MIN_BYTES", 1 << 18)
_active_min = min_bytes if _limit > 0 else 1 << 62  # what like()/like2() compare against


def _first_free(arrays, free):
    """The first of ``arrays`` that nothing outside this loop refers to (refcount <= free)."""
    for a in arrays:
        if _getrefcount(a) <= free:
            return a
    return None


def _calibrate():
    """The reference count ``_first_free`` sees for an array only a pool list holds.

    Measured, not assumed, so it stays right across interpreter versions."""
    probe = [np.empty(1)]
    for count in range(1, 16):
        if _first_free(probe, count) is not None:
            return count
    raise RuntimeError("hostcache: could not measure the reference count of a free array")


_FREE = _calibrate()


def empty(shape, dtype):
    """An uninitialised NumPy array of ``shape`` and ``dtype``: a free cached one when there is one."""
    global _tracked
    key = (shape, dtype)
    with _lock:
        arrays = _pools.get(key)
        if arrays is not None:
            a = _first_free(arrays, _FREE)
            if a is not None:
                _stats["hits"] += 1
                return a
        _stats["misses"] += 1
        a = np.empty(shape, dtype)
        if _limit > 0:
            if _tracked + a.nbytes > _limit:
                _trim(_limit - a.nbytes)
            if _tracked + a.nbytes <= _limit and (arrays is None or len(arrays) < _MAX_PER_KEY):
                _pools.setdefault(key, []).append(a)
                _tracked += a.nbytes
        return a


def pooled(a) -> bool:
    """Whether ``a`` is one of the cache's arrays."""
    arrays = _pools.get((a.shape, a.dtype))
    return arrays is not None and any(x is a for x in arrays)


def new(shape, dtype):
    """An uninitialised NumPy array: from the cache when it is large enough to be worth it."""
    size = 1
    for n in shape:
        size *= n
    if size * dtype.itemsize < _active_min:
        return np.empty(shape, dtype)
    return empty(shape, dtype)


def like(a):
    """A buffer for an elementwise result with ``a``'s shape and dtype, or None (leave it to NumPy).

    Only large, floating-point NumPy arrays are cached."""
    if a.nbytes < _active_min or type(a) is not np.ndarray or a.dtype.kind != "f":
        return None
    return empty(a.shape, a.dtype)


def like2(a, b):
    """A buffer for the broadcast elementwise result of ``a`` and ``b``, or None.

    Cached when both are NumPy arrays (or NumPy scalars) of one floating dtype and the
    smaller one's shape is a trailing part of the larger one's (scalars, biases)."""
    try:
        big, small = (a, b) if a.ndim >= b.ndim else (b, a)
    except AttributeError:  # a Python number
        return None
    if big.nbytes < _active_min or type(big) is not np.ndarray or big.dtype.kind != "f":
        return None
    if getattr(small, "dtype", None) != big.dtype or not isinstance(small, (np.ndarray, np.generic)):
        return None
    shape = big.shape
    if small.shape != shape[len(shape) - small.ndim:]:
        return None
    return empty(shape, big.dtype)


def _free_entries():
    """``(pool list, array)`` for every cached array nothing else refers to, oldest first per list.

    The loop has ``_first_free``'s shape (a list and a loop variable hold the array), so
    the calibrated count applies."""
    out = []
    for arrays in _pools.values():
        for a in arrays:
            if _getrefcount(a) <= _FREE:
                out.append((arrays, a))
    return out


def _trim(keep):
    """Forget free arrays, oldest first, until the arrays tracked take at most ``keep`` bytes."""
    global _tracked
    for arrays, a in _free_entries():
        if _tracked <= keep:
            break
        _tracked -= a.nbytes
        # by identity: list.remove would compare the arrays with == (elementwise)
        del arrays[next(i for i, b in enumerate(arrays) if b is a)]
    for key in [k for k, arrays in _pools.items() if not arrays]:
        del _pools[key]


def set_limit(nbytes):
    """Keep at most ``nbytes`` of free cached arrays; 0 turns the cache off (and empties it)."""
    global _limit, _active_min, _tracked
    if isinstance(nbytes, bool) or not isinstance(nbytes, (int, np.integer)) or nbytes < 0:
        raise ValueError(f"set_host_cache_limit: nbytes must be a non-negative int, got {nbytes!r}")
    with _lock:
        _limit = int(nbytes)
        _active_min = min_bytes if _limit > 0 else 1 << 62
        _trim(_limit)
        if _limit == 0:
            _pools.clear()
            _tracked = 0


def limit():
    """The current limit in bytes (0: off)."""
    return _limit


def clear():
    """Forget every cached array (the ones still in use stay with their users)."""
    global _tracked
    with _lock:
        _pools.clear()
        _tracked = 0


def info():
    """``{"limit", "min_bytes", "arrays", "free_arrays", "free_bytes", "in_use_bytes", "hits", "misses"}``."""
    with _lock:
        free = _free_entries()
        free_bytes = sum(a.nbytes for _, a in free)
        arrays = [a for lst in _pools.values() for a in lst]
        return {"limit": _limit, "min_bytes": min_bytes, "arrays": len(arrays),
                "free_arrays": len(free), "free_bytes": free_bytes,
                "in_use_bytes": sum(a.nbytes for a in arrays) - free_bytes,
                "hits": _stats["hits"], "misses": _stats["misses"]}
