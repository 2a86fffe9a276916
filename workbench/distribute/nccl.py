"""Collectives over NCCL (CuPy's ``cupy.cuda.nccl``) on device arrays, one GPU per rank.

The communicator is bootstrapped through MPI (rank 0 makes the unique id and broadcasts it),
or made for one rank alone. Every bucket's ``allReduce`` is issued on one stream inside an
NCCL group, and the stream is synchronized against the deadline.
"""

from __future__ import annotations

import time

import numpy as np

from ..errors import DeadlineExceededError
from .collectives import DEFAULT_BUCKET_BYTES, Collectives

_DTYPES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64",
           "int32": "NCCL_INT32", "int64": "NCCL_INT64", "uint8": "NCCL_UINT8", "int8": "NCCL_INT8"}


def import_nccl():
    """``(cupy, cupy.cuda.nccl)``, or ImportError saying what is missing."""
    try:
        # CuPy is optional (the cuda extras): imported only when a GPU replica needs NCCL
        import cupy
        from cupy.cuda import nccl  # with CuPy, only for a GPU replica
    except ImportError as exc:
        raise ImportError("NCCL collectives need CuPy with NCCL (pip install "
                          "'research-workbench[cuda12]')") from exc
    return cupy, nccl


class NcclCollectives(Collectives):
    """Collectives over one NCCL communicator, this process holding ``rank`` of ``size``.

    Args:
        rank, size: this process's place in the communicator.
        bootstrap: a :class:`Collectives` (``MPICollectives``) that carries the unique id from
            rank 0 to the others; None for a one-rank communicator.
        timeout: seconds a collective may take before :class:`DeadlineExceededError`.
        nccl, cupy: the modules (tests hand in stand-ins; default: CuPy's).
    """

    def __init__(self, rank=0, size=1, bootstrap=None, timeout=300.0, bucket_bytes=DEFAULT_BUCKET_BYTES,
                 nccl=None, cupy=None):
        if nccl is None or cupy is None:
            cupy, nccl = import_nccl()
        self._nccl, self._cupy = nccl, cupy
        self.rank, self.size = int(rank), int(size)
        self.timeout = float(timeout)
        self.bucket_bytes = int(bucket_bytes)
        uid = nccl.get_unique_id() if self.rank == 0 else None
        if self.size > 1:
            if bootstrap is None:
                raise ValueError("NcclCollectives: several ranks need a bootstrap (MPICollectives) to share "
                                 "the NCCL unique id")
            uid = bytes(bootstrap.broadcast(np.frombuffer(bytes(uid) if uid is not None else bytes(128),
                                                          np.uint8).copy(), root=0).tobytes())
            uid = tuple(int(b) - 256 if b > 127 else int(b) for b in uid)  # CuPy's id: signed chars
        self.comm = nccl.NcclCommunicator(self.size, uid, self.rank)
        self.stream = cupy.cuda.Stream(non_blocking=True)

    def _code(self, dtype):
        name = _DTYPES.get(np.dtype(dtype).name)
        if name is None:
            raise TypeError(f"NCCL collectives take {sorted(_DTYPES)}, got dtype {np.dtype(dtype).name}")
        return getattr(self._nccl, name)

    def _sync(self, what):
        deadline = time.monotonic() + self.timeout
        while not self.stream.done:
            if time.monotonic() > deadline:
                raise DeadlineExceededError(f"wb.distribute: NCCL {what} did not complete on rank "
                                            f"{self.rank} of {self.size} within {self.timeout:g} s")
            time.sleep(1e-5)

    def all_reduce(self, arrays, what="all_reduce", reuse=False) -> list:
        if self.size == 1:
            return list(arrays)
        # the current stream must have written the gradients before NCCL's stream reads them
        self.stream.wait_event(self._cupy.cuda.get_current_stream().record())
        return super().all_reduce(arrays, what, reuse)

    def start_bucket(self, flat, last=False, send=None):
        """Issue the bucket's ``allReduce`` on NCCL's stream now (after the current stream's
        work, which wrote it): it runs while the backward pass goes on."""
        self.stream.wait_event(self._cupy.cuda.get_current_stream().record())
        source = flat if send is None else self._cupy.ascontiguousarray(send)
        self.comm.allReduce(_ptr(source), _ptr(flat), flat.size, self._code(flat.dtype),
                            self._nccl.NCCL_SUM, self.stream.ptr)
        return flat, source   # source is held until the stream has read it

    def wait_buckets(self, handles, what="all_reduce"):
        if handles:
            self._sync(what)

    def _begin(self):
        self._nccl.groupStart()

    def _start_all_reduce(self, send, recv):
        self.comm.allReduce(_ptr(send), _ptr(recv), send.size, self._code(send.dtype),
                            self._nccl.NCCL_SUM, self.stream.ptr)
        return recv

    def _finish(self, handles, what):
        self._nccl.groupEnd()
        self._sync(what)

    def broadcast(self, array, root=0):
        if self.size > 1:
            self.stream.wait_event(self._cupy.cuda.get_current_stream().record())
            self.comm.bcast(_ptr(array), array.size, self._code(array.dtype), root, self.stream.ptr)
            self._sync("broadcast")
        return array

    def all_gather(self, array):
        if self.size == 1:
            return array
        cp = self._cupy
        sizes = cp.zeros(self.size, cp.int64)
        mine = cp.asarray([array.shape[0]], cp.int64)
        self.comm.allGather(_ptr(mine), _ptr(sizes), 1, self._code(np.int64), self.stream.ptr)
        self._sync("all_gather (sizes)")
        sizes = [int(s) for s in cp.asnumpy(sizes)]
        top, inner = max(sizes), array.shape[1:]
        padded = cp.zeros((top,) + inner, array.dtype)
        padded[:array.shape[0]] = array
        out = cp.empty((self.size, top) + inner, array.dtype)
        self.stream.wait_event(cp.cuda.get_current_stream().record())
        self.comm.allGather(_ptr(padded), _ptr(out), padded.size, self._code(array.dtype), self.stream.ptr)
        self._sync("all_gather")
        return cp.concatenate([out[r, :n] for r, n in enumerate(sizes)])

    def barrier(self):
        if self.size > 1:
            self.all_reduce([self._cupy.zeros(1, self._cupy.float32)], "barrier")


def _ptr(array) -> int:
    """The address of ``array``'s first element: a CuPy array's device pointer (the host
    address of a NumPy array, which the unit tests' stand-in communicator reads)."""
    data = array.data
    return data.ptr if hasattr(data, "ptr") else array.ctypes.data
