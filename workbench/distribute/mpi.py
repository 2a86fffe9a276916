"""Collectives over MPI (``mpi4py``) on host arrays, each with a deadline.

Every collective has a deadline, so a rank that died or hangs makes the others fail with a
``DeadlineExceededError`` naming it instead of waiting for ever: with ``MPI_THREAD_MULTIPLE``
(mpi4py's default) a watchdog thread watches the blocking collective and ends the job with
the message; otherwise nonblocking ones (``Iallreduce``, ``Ibcast``, ``Iallgatherv``) are
polled and the error is raised.
Device (CuPy) arrays pass through the host here; ``nccl.NcclCollectives`` keeps them on the GPU.
"""

from __future__ import annotations

import atexit
import os
import queue
import socket
import sys
import threading
import time

import numpy as np

from .. import backend
from ..errors import DeadlineExceededError
from .collectives import DEFAULT_BUCKET_BYTES, Collectives

DEFAULT_TIMEOUT = 300.0
_MAX_NDIM = 8
_FAULT_TAG = 0x7B1D  # the tag of the messages ranks exchange after a timeout
_ABORT_CODE = 75  # the exit code of a job ended after a collective timed out
_GRACE = 10.0  # seconds a rank that timed out listens for the others' reports
_FORWARD_WAIT = 1.0  # seconds between writing the timeout's message and ending the job
TIMEOUT_ENV = "WORKBENCH_COLLECTIVE_TIMEOUT"


def import_mpi():
    """``mpi4py.MPI``, or ImportError saying how to install it."""
    try:
        from mpi4py import MPI  # the optional `distributed` extra
    except ImportError as exc:
        raise ImportError("wb.distribute needs mpi4py and an MPI runtime for several processes: "
                          "pip install 'research-workbench[distributed]' (mpi4py and mpich)") from exc
    return MPI


def default_timeout() -> float:
    value = os.environ.get(TIMEOUT_ENV)
    if not value:
        return DEFAULT_TIMEOUT
    try:
        timeout = float(value)
    except ValueError:
        raise ValueError(f"{TIMEOUT_ENV} must be a number of seconds, got {value!r}") from None
    if not timeout > 0:
        raise ValueError(f"{TIMEOUT_ENV} must be positive, got {value!r}")
    return timeout


class MPICollectives(Collectives):
    """Collectives over an MPI communicator (default ``MPI.COMM_WORLD``, duplicated so user
    traffic on the world communicator cannot mix with ours).

    Args:
        comm: an ``mpi4py`` communicator.
        timeout: seconds a collective may take before the ranks that did not arrive are named
            in a :class:`DeadlineExceededError` (default ``WORKBENCH_COLLECTIVE_TIMEOUT`` or 300).
        bucket_bytes: the size of a fused all-reduce bucket.
    """

    def __init__(self, comm=None, timeout=None, bucket_bytes=DEFAULT_BUCKET_BYTES):
        MPI = import_mpi()
        self._MPI = MPI
        self.comm = (comm if comm is not None else MPI.COMM_WORLD).Dup()
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.timeout = default_timeout() if timeout is None else float(timeout)
        if not self.timeout > 0:
            raise ValueError(f"MPICollectives: timeout must be a positive number of seconds, got {timeout!r}")
        self.bucket_bytes = int(bucket_bytes)
        self._count = 0
        self._failed = False
        # where every rank runs, so a timeout can tell a rank that exited from one that hangs
        self.peers = self.comm.allgather((socket.gethostname(), os.getpid()))
        self._armed = None   # (deadline, what) while a blocking collective runs
        self._bucket_armed = None   # the same for the communication thread's bucket sums
        self._watchdog = None
        # the buckets summed during the backward pass travel on a communicator of their own, so
        # they may be in flight while this thread runs other collectives
        self._bucket_comm = self.comm.Dup()
        self._sender = None   # the communication thread, started by the first bucket
        self._last_queued = None   # the last bucket handed to it
        self._deferred = []   # last buckets of walks, summed by the thread that waits for them
        self.thread_seconds = 0.0   # time the communication thread has spent in its sums
        if MPI.Query_thread() == MPI.THREAD_MULTIPLE:
            self._fault_comm = self.comm.Dup()   # the timeout reports travel apart from the work
            self._watchdog = threading.Thread(target=self._watch, name="wb.distribute watchdog", daemon=True)
            self._watchdog.start()
            self.overlap = "thread"
        else:
            self._fault_comm = self.comm
            self.overlap = "nonblocking"

    # -- the deadline -----------------------------------------------------------------
    def _run(self, what, blocking, nonblocking):
        """Run one collective under the deadline. With ``MPI_THREAD_MULTIPLE`` this thread calls
        ``blocking()`` (MPI's blocking collectives are its fastest: a nonblocking one polled
        from Python ran at a third of the speed) while a watchdog thread checks the deadline:
        past it, the watchdog prints which rank did not arrive and ends the job. Otherwise this
        thread polls the requests ``nonblocking()`` starts and raises the error itself."""
        self._count += 1
        start = time.monotonic()
        if self._watchdog is not None:
            self._armed = (start + self.timeout, what)
            try:
                blocking()
            finally:
                self._armed = None
            return
        self._poll(nonblocking(), what, start)

    def _poll(self, requests, what, start):
        """Test ``requests`` until all complete; past the deadline, raise the timeout's error."""
        Testall = self._MPI.Request.Testall
        deadline = start + self.timeout
        spins, pause = 0, 0.0
        while not Testall(requests):
            spins += 1
            if spins & 63:
                continue
            now = time.monotonic()
            if now > deadline:
                self._timed_out(what)
            if now - start > 1.0:   # a long wait: stop spinning
                pause = min(1e-3, pause * 2 or 1e-5)
                time.sleep(pause)

    def _watch(self):
        tick = min(1.0, self.timeout / 10)
        while True:
            time.sleep(tick)
            for slot in ("_armed", "_bucket_armed"):
                armed = getattr(self, slot)
                if armed is not None and time.monotonic() > armed[0] and getattr(self, slot) is armed:
                    message = self._diagnose(armed[1])
                    print(f"DeadlineExceededError: {message}", file=sys.stderr, flush=True)
                    self._abort()

    def _timed_out(self, what):
        message = self._diagnose(what)
        print(message, file=sys.stderr, flush=True)
        # MPI_Finalize at exit would wait for the missing ranks: end the job instead (atexit
        # runs this before mpi4py's own finalize, registered earlier)
        atexit.register(self._abort)
        raise DeadlineExceededError(message)

    def _diagnose(self, what) -> str:
        """Why collective ``what`` timed out, naming the ranks that did not arrive. Every rank
        that times out tells the others so; a rank that exited (on this host) or stays silent
        for a grace period is named."""
        self._failed = True
        comm = self._fault_comm
        host = socket.gethostname()
        others = [r for r in range(self.size) if r != self.rank]
        for r in others:
            comm.isend(self._count, dest=r, tag=_FAULT_TAG)
        heard, until = set(), time.monotonic() + min(self.timeout, _GRACE)
        while len(heard) < len(others) and time.monotonic() < until:
            for r in others:
                if r not in heard and comm.iprobe(source=r, tag=_FAULT_TAG):
                    comm.recv(source=r, tag=_FAULT_TAG)
                    heard.add(r)
            time.sleep(0.01)
        causes = []
        for r in others:
            h, pid = self.peers[r]
            if h == host and not _alive(pid):
                causes.append(f"rank {r} (pid {pid} on {h}) has exited")
            elif r not in heard:
                causes.append(f"rank {r} (pid {pid} on {h}) did not reach it: it hangs, was stopped or died")
        if not causes:
            causes.append("every rank was waiting in a collective: they called different collectives")
        return (f"wb.distribute: {what} (collective #{self._count}) did not complete on rank "
                f"{self.rank} of {self.size} within {self.timeout:g} s: " + "; ".join(causes))

    def _abort(self):
        sys.stderr.flush()
        # mpiexec forwards a rank's output through a pipe it reads on its own schedule; Abort
        # kills the job at once, so give it a moment to pass on the message just written
        time.sleep(_FORWARD_WAIT)
        self._MPI.COMM_WORLD.Abort(_ABORT_CODE)

    # -- the collectives ------------------------------------------------------------------
    def _start_all_reduce(self, send, recv):
        # the reduction runs in _finish, all buckets in one call
        return recv, _host(recv), _source(send, recv)

    def _finish(self, handles, what):
        MPI, comm = self._MPI, self.comm
        pairs = [(MPI.IN_PLACE if send is None else send, host) for _, host, send in handles]
        self._run(what, lambda: [comm.Allreduce(s, h, op=MPI.SUM) for s, h in pairs],
                  lambda: [comm.Iallreduce(s, h, op=MPI.SUM) for s, h in pairs])
        for recv, host, _ in handles:
            if host is not recv:
                recv[...] = backend.move(host, backend.device_of(recv))

    # -- buckets summed while the backward pass runs ------------------------------------------
    def start_bucket(self, flat, last=False, send=None):
        """Start the bucket's in-place sum: with ``overlap == "thread"`` (under
        ``MPI_THREAD_MULTIPLE``) a communication thread runs MPI's blocking ``Allreduce`` on it
        (MPI releases the GIL, so the backward pass goes on) under the watchdog's deadline,
        except the ``last`` bucket, which this thread sums in :meth:`wait_buckets` after the
        others (no hand-over between threads when nothing is left to overlap); with
        ``"nonblocking"`` an ``Iallreduce`` starts, which MPI advances whenever this process
        enters it (each later bucket's start tests the earlier ones)."""
        host = _host(flat)
        if not host.flags.c_contiguous:
            raise ValueError(f"MPICollectives.start_bucket: expected a contiguous 1-D buffer, got strides {host.strides}")
        self._count += 1
        source = self._MPI.IN_PLACE if send is None else _source(send, flat)
        if self.overlap == "thread":
            job = _Bucket(flat, host, self._count, source)
            if last:
                self._deferred.append(job)
            else:
                self._flush()
                self._queue(job)
            return job
        MPI = self._MPI
        job = _Bucket(flat, host, self._count, source)
        job.request = self._bucket_comm.Iallreduce(source, host, op=MPI.SUM)
        pending = self.__dict__.setdefault("_pending", [])
        pending.append(job.request)
        MPI.Request.Testall(pending)   # progress for the buckets in flight
        return job

    def _queue(self, job):
        if self._sender is None:
            self._jobs = queue.SimpleQueue()
            self._sender = threading.Thread(target=self._send, name="wb.distribute buckets", daemon=True)
            self._sender.start()
        self._jobs.put(job)
        self._last_queued = job

    def _flush(self):
        """Deferred buckets go to the thread before any later one: one order on every rank, and
        never two threads in the bucket communicator at once."""
        for job in self._deferred:
            self._queue(job)
        self._deferred.clear()

    def _send(self):
        MPI, comm = self._MPI, self._bucket_comm
        while True:
            job = self._jobs.get()
            start = time.monotonic()
            self._bucket_armed = (start + self.timeout, f"gradient bucket #{job.number}")
            try:
                comm.Allreduce(job.send, job.host, op=MPI.SUM)
            except BaseException as exc:  # noqa: BLE001 - handed to the thread that waits
                job.error = exc
            finally:
                self._bucket_armed = None
                self.thread_seconds += time.monotonic() - start
                job.done.set()

    def wait_buckets(self, handles, what="all_reduce"):
        if not handles:
            return
        if self.overlap == "thread":
            for job in handles:
                if job in self._deferred:
                    self._run_deferred(job, what)
                job.done.wait()   # the watchdog ends the job past the deadline
                if job.error is not None:
                    raise job.error
        else:
            requests = [job.request for job in handles]
            self._poll(requests, what, time.monotonic())
            self._pending = [r for r in self._pending if all(r is not q for q in requests)]
        for job in handles:
            if job.host is not job.flat:
                job.flat[...] = backend.move(job.host, backend.device_of(job.flat))

    def _run_deferred(self, job, what):
        """Sum the deferred buckets up to ``job`` here, once the thread has sent its own."""
        if self._last_queued is not None:
            self._last_queued.done.wait()
        MPI, comm = self._MPI, self._bucket_comm
        upto = self._deferred.index(job) + 1
        for j in self._deferred[:upto]:
            try:
                self._run(what, lambda j=j: comm.Allreduce(j.send, j.host, op=MPI.SUM),
                          lambda j=j: [comm.Iallreduce(j.send, j.host, op=MPI.SUM)])
            except BaseException as exc:  # noqa: BLE001 - raised by whoever waits for it
                j.error = exc
            j.done.set()
        del self._deferred[:upto]

    def broadcast(self, array, root=0):
        host = _host(array)
        if not host.flags.c_contiguous:
            host = np.ascontiguousarray(host)
        comm = self.comm
        self._run("broadcast", lambda: comm.Bcast(host, root=root), lambda: [comm.Ibcast(host, root=root)])
        if host is not array:
            array[...] = backend.move(host, backend.device_of(array))
        return array

    def all_gather(self, array):
        host = np.ascontiguousarray(_host(array))
        if host.ndim == 0 or host.ndim > _MAX_NDIM:
            raise ValueError(f"wb.distribute: gather needs a value of rank 1 to {_MAX_NDIM}, got shape {host.shape}")
        meta = np.zeros(_MAX_NDIM + 1, np.int64)
        meta[0] = host.ndim
        meta[1:host.ndim + 1] = host.shape
        metas = np.empty((self.size, _MAX_NDIM + 1), np.int64)
        comm = self.comm
        self._run("all_gather (shapes)", lambda: comm.Allgather(meta, metas), lambda: [comm.Iallgather(meta, metas)])
        inner = host.shape[1:]
        others = {r: tuple(int(d) for d in m[2:m[0] + 1]) for r, m in enumerate(metas)}
        if any(m[0] != host.ndim for m in metas) or any(s != inner for s in others.values()):
            raise ValueError(f"wb.distribute: gather needs one rank and equal dimensions past the "
                             f"gathered axis on every replica, got shapes "
                             f"{ {r: tuple(int(d) for d in m[1:m[0] + 1]) for r, m in enumerate(metas)} }")
        sizes = metas[:, 1]
        per = int(np.prod(inner, dtype=np.int64))
        out = np.empty((int(sizes.sum()),) + tuple(inner), host.dtype)
        counts = [int(s) * per for s in sizes]
        send, recv = host.reshape(-1), [out.reshape(-1), counts]
        self._run("all_gather", lambda: comm.Allgatherv(send, recv), lambda: [comm.Iallgatherv(send, recv)])
        return out if isinstance(array, np.ndarray) else backend.move(out, backend.device_of(array))

    def barrier(self):
        comm = self.comm
        self._run("barrier", comm.Barrier, lambda: [comm.Ibarrier()])


class _Bucket:
    """A bucket in flight: its buffer, the host array MPI sums into, what it sums (the buffer
    itself: ``MPI.IN_PLACE``) and how it ends."""

    __slots__ = ("flat", "host", "send", "number", "done", "error", "request")

    def __init__(self, flat, host, number, send):
        self.flat = flat
        self.host = host
        self.send = send
        self.number = number
        self.done = threading.Event()
        self.error = None
        self.request = None


def _source(send, recv):
    """What MPI sums into ``recv``'s host array: None (in place) when ``send`` is ``recv``,
    else a contiguous host array of ``send``."""
    if send is recv:
        return None
    host = _host(send)
    return host if host.flags.c_contiguous else np.ascontiguousarray(host)


def _host(array):
    """``array`` itself when it is a NumPy array, else a host copy."""
    return array if isinstance(array, np.ndarray) else backend.to_numpy(array)


def _alive(pid) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has exited even though kill(0) reaches it
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True
