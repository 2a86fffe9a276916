"""The NCCL collectives with CuPy and NCCL replaced at their seam (no GPU here): a stand-in
communicator of rank 0 in a job of 2 whose other rank holds the same values, reading and
writing the buffers at the addresses NcclCollectives hands it, as NCCL would."""

import ctypes
import types

import numpy as np
import pytest

from workbench.distribute.collectives import LocalCollectives
from workbench.distribute.nccl import NcclCollectives

CODES = {1: np.int32, 2: np.int64, 3: np.float16, 4: np.float32, 5: np.float64}


def _view(ptr, count, code):
    dtype = np.dtype(CODES[code])
    buf = (ctypes.c_char * (count * dtype.itemsize)).from_address(ptr)
    return np.frombuffer(buf, dtype=dtype, count=count)


class TwinComm:
    def __init__(self, size, uid, rank, log):
        self.size, self.rank, self.log = size, rank, log
        log.append(("init", size, rank, uid))

    def allReduce(self, send, recv, count, dtype, op, stream):
        assert op == 0 and stream == 77
        self.log.append(("allReduce", count, dtype))
        _view(recv, count, dtype)[:] = _view(send, count, dtype) * self.size

    def bcast(self, buf, count, dtype, root, stream):
        self.log.append(("bcast", count, dtype, root))

    def allGather(self, send, recv, count, dtype, stream):
        self.log.append(("allGather", count, dtype))
        out = _view(recv, count * self.size, dtype)
        for r in range(self.size):
            out[r * count:(r + 1) * count] = _view(send, count, dtype)


def fakes(log):
    nccl = types.SimpleNamespace(
        NCCL_INT32=1, NCCL_INT64=2, NCCL_FLOAT16=3, NCCL_FLOAT32=4, NCCL_FLOAT64=5, NCCL_UINT8=6, NCCL_INT8=7,
        NCCL_SUM=0, get_unique_id=lambda: tuple(range(128)),
        NcclCommunicator=lambda size, uid, rank: TwinComm(size, uid, rank, log),
        groupStart=lambda: log.append(("groupStart",)), groupEnd=lambda: log.append(("groupEnd",)))
    stream = types.SimpleNamespace(ptr=77, done=True, wait_event=lambda event: log.append(("wait",)))
    cuda = types.SimpleNamespace(Stream=lambda non_blocking: stream,
                                 get_current_stream=lambda: types.SimpleNamespace(record=lambda: "event"))
    cupy = types.SimpleNamespace(cuda=cuda, zeros=np.zeros, asarray=np.asarray, asnumpy=np.asarray, empty=np.empty,
                                 concatenate=np.concatenate, int64=np.int64, float32=np.float32)
    return nccl, cupy


class Bootstrap(LocalCollectives):
    """The MPI side: carries rank 0's unique id (as uint8 bytes) to the others."""
    size = 2

    def __init__(self):
        self.sent = []

    def broadcast(self, array, root=0):
        self.sent.append(array.copy())
        return array


def test_nccl_all_reduce_fuses_buckets_in_one_group():
    log = []
    nccl, cupy = fakes(log)
    boot = Bootstrap()
    c = NcclCollectives(rank=0, size=2, bootstrap=boot, nccl=nccl, cupy=cupy, bucket_bytes=1 << 20)
    assert log[0][:3] == ("init", 2, 0) and len(log[0][3]) == 128   # the id went through MPI
    assert list(boot.sent[0][:3]) == [0, 1, 2]
    grads = [np.full((3, 4), 1.5, np.float32), np.ones(5, np.float32), np.ones(2, np.float64)]
    out = c.all_reduce(grads)
    calls = [entry for entry in log if entry[0] in ("groupStart", "allReduce", "groupEnd")]
    assert calls == [("groupStart",), ("allReduce", 17, 4), ("allReduce", 2, 5), ("groupEnd",)]
    np.testing.assert_array_equal(out[0], np.full((3, 4), 3.0))
    assert out[2].dtype == np.float64 and (out[2] == 2).all()


def test_nccl_gather_broadcast_and_errors():
    log = []
    nccl, cupy = fakes(log)
    c = NcclCollectives(rank=0, size=2, bootstrap=Bootstrap(), nccl=nccl, cupy=cupy)
    got = c.all_gather(np.arange(6, dtype=np.float32).reshape(3, 2))
    np.testing.assert_array_equal(got, np.concatenate([np.arange(6).reshape(3, 2)] * 2))
    c.broadcast(np.zeros(4, np.float32), root=0)
    assert ("bcast", 4, 4, 0) in log
    with pytest.raises(TypeError, match="complex64"):
        c.all_reduce([np.ones(2, np.complex64)])
    with pytest.raises(ValueError, match="bootstrap"):
        NcclCollectives(rank=0, size=2, nccl=nccl, cupy=cupy)


def test_one_rank_nccl_is_the_identity():
    log = []
    nccl, cupy = fakes(log)
    c = NcclCollectives(nccl=nccl, cupy=cupy)
    a = np.ones(3, np.float32)
    assert c.all_reduce([a])[0] is a and c.all_gather(a) is a
    assert [e[0] for e in log] == ["init"]
