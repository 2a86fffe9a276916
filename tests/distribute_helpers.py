"""What the wb.distribute tests share: a two-rank stand-in for the collectives that records what
is sent, a gradient marker that notes when the reverse walk passes it, and the launching of
jobs under ``mpiexec -n 2`` (skipped, with the reason, where mpi4py or mpiexec is missing)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import workbench as wb
from gradients import custom_gradient
from workbench.distribute.collectives import Collectives
from workbench.distribute.launch import find_mpiexec, mpiexec_command

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MPIEXEC = find_mpiexec()
try:
    import mpi4py  # noqa: F401
except ImportError:
    mpi4py = None
needs_mpi = pytest.mark.skipif(mpi4py is None or MPIEXEC is None,
                               reason="needs mpi4py and mpiexec: pip install 'research-workbench[distributed]'")

# the all-reduces Model.fit makes for its logs (metric state, the callbacks' vote), not gradients
FIT_LOG_REDUCTIONS = ("metric state all_reduce", "callbacks' batch logs", "custom train_step logs")


class TwinCollectives(Collectives):
    """Rank 0 of 2 whose other rank holds the same values (a sum doubles). Records in ``events``
    when buckets start (``("sent", size)``) and are waited for (``("waited", count)``), every
    all_reduce summed after the walk (``("all_reduce", size)``) and every one made for fit's logs
    (``("logs", what)``); ``out_of_place`` notes, per bucket, whether it was summed from a
    separate send buffer."""

    def __init__(self, events, bucket_bytes=64):
        self.rank, self.size, self.bucket_bytes = 0, 2, bucket_bytes
        self.events = events
        self.out_of_place = []

    def all_reduce(self, arrays, what="all_reduce", reuse=False):
        if what in FIT_LOG_REDUCTIONS:
            self.events.append(("logs", what))
            return [a * 2 for a in arrays]
        return super().all_reduce(arrays, what, reuse)

    def start_bucket(self, flat, last=False, send=None):
        self.events.append(("sent", flat.size))
        self.out_of_place.append(send is not None)
        flat[...] = (flat if send is None else send) * 2
        return flat

    def wait_buckets(self, handles, what="all_reduce"):
        self.events.append(("waited", len(handles)))

    def _start_all_reduce(self, send, recv):
        self.events.append(("all_reduce", send.size))
        recv[...] = send * 2
        return recv

    def _finish(self, handles, what):
        pass

    def broadcast(self, array, root=0):
        return array

    def all_gather(self, array):
        return np.concatenate([array, array])

    def barrier(self):
        pass


def marked(events, label):
    """The identity, whose gradient notes ``label`` in ``events`` when the walk reaches it."""
    @custom_gradient
    def mark(x):
        def grad(dy):
            events.append(("rule", label))
            return dy
        return wb.identity(x), grad
    return mark


def run_script(tmp_path, source, *args, mpiexec=True, nproc=2, env=None, timeout=180):
    """``source`` (dedented) written to ``tmp_path/job.py`` and run as ``job.py tmp_path *args``,
    under ``mpiexec -n nproc`` or alone, from ``tmp_path`` with this checkout importable;
    ``WORKBENCH_COLLECTIVE_TIMEOUT`` is 60 s unless ``env`` says otherwise."""
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(source))
    argv = [sys.executable, str(script), str(tmp_path), *args]
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "WORKBENCH_COLLECTIVE_TIMEOUT": "60", **(env or {})}
    return subprocess.run(mpiexec_command(nproc, argv) if mpiexec else argv, capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=tmp_path)
