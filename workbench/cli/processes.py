"""Child processes in process groups of their own (a sweep's trials, the ``ui`` servers): stopping a
group and everything in it, and SIGTERM turned into an exception so cleanup runs."""

import ctypes
import os
import signal
import subprocess
import sys
import time


class _Stop(KeyboardInterrupt):
    """SIGTERM, turned into an exception so cleanup runs in the main thread."""


def _raise_stop(signum, frame):
    raise _Stop()


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _reap_orphans():
    """Collect exited descendants handed to us as their subreaper (see :func:`_become_subreaper`)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _become_subreaper():
    """On Linux, adopt the orphans of our children (a server's helper processes whose parent
    died first), so that stopping a process group can also reap them instead of leaving
    zombies for an init that may never collect them. Elsewhere a no-op."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _stop_process_group(proc, first=None, grace=10.0):
    """Signal ``proc``'s process group (``first``, default SIGTERM), then SIGKILL what is left
    after ``grace`` seconds, and wait until the group is empty."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, first or signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # any helper that outlived the leader
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait()
    deadline = time.time() + 5.0
    while _group_alive(proc.pid) and time.time() < deadline:
        _reap_orphans()
        time.sleep(0.05)
