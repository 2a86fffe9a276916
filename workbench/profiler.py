"""``wb.profiler``: TF's ``tf.profiler.experimental`` names around Python's own profiler.

Work here is Python driving NumPy/CuPy, so the profile that explains it is Python's
(``cProfile``): ``experimental.start(logdir)`` starts one for this process, ``stop()`` writes
it to ``logdir/plugins/profile/<time>/<host>.pstats`` (where TF writes its traces). Read it
with ``pstats`` (``python -m pstats FILE``) or snakeviz; TensorBoard's profile dashboard reads
TF's XPlane traces and does not show it.

>>> wb.profiler.experimental.start("logs")          # doctest: +SKIP
>>> model(x)                                         # doctest: +SKIP
>>> wb.profiler.experimental.stop()                  # doctest: +SKIP
"""

from __future__ import annotations

import cProfile
import os
import socket
import threading
import time
import types

from .errors import AlreadyExistsError, UnavailableError

__all__ = ["experimental"]

_lock = threading.Lock()
_session: dict = {"profile": None, "logdir": None}


def start(logdir, options=None):
    """Start profiling this process; its profile goes under ``logdir`` at :func:`stop`.
    ``AlreadyExistsError`` while a profile runs, as in TF."""
    if not isinstance(logdir, (str, os.PathLike)):
        raise TypeError(f"profiler.experimental.start: logdir must be a path, got {type(logdir).__name__}")
    with _lock:
        if _session["profile"] is not None:
            raise AlreadyExistsError(None, None, "Another profiler is running.")
        profile = cProfile.Profile()
        _session["profile"], _session["logdir"] = profile, os.fspath(logdir)
        profile.enable()


def stop(save=True):
    """Stop profiling; with ``save``, write the profile and return its path.
    ``UnavailableError`` when no profile runs, as in TF."""
    with _lock:
        profile, logdir = _session["profile"], _session["logdir"]
        if profile is None:
            raise UnavailableError(None, None, "Cannot export profiling results. No profiler is running.")
        profile.disable()
        _session["profile"] = _session["logdir"] = None
    if not save:
        return None
    run = os.path.join(logdir, "plugins", "profile", time.strftime("%Y_%m_%d_%H_%M_%S"))
    os.makedirs(run, exist_ok=True)
    path = os.path.join(run, f"{socket.gethostname()}.pstats")
    profile.dump_stats(path)
    return path


class Profile:
    """``with wb.profiler.experimental.Profile(logdir):`` profiles the block."""

    def __init__(self, logdir, options=None):
        self.logdir, self.options = logdir, options

    def __enter__(self):
        start(self.logdir, self.options)
        return self

    def __exit__(self, *exc):
        stop()
        return False


experimental = types.SimpleNamespace(start=start, stop=stop, Profile=Profile)
