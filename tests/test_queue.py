"""wb.queue against TF 2.21's tf.queue (orders, shapes, and error texts pinned from TF)."""

import threading
import time

import numpy as np
import pytest

import workbench as wb
from workbench import queue
from workbench.errors import CancelledError, InvalidArgumentError, OutOfRangeError


def test_fifo_queue_with_names():
    q = queue.FIFOQueue(3, [wb.int32, wb.string], shapes=[[], []], names=["a", "b"])
    assert q.names == ["a", "b"] and q.dtypes == [wb.int32, wb.string]
    assert [s.as_list() for s in q.shapes] == [[], []]
    assert q.enqueue({"a": 1, "b": "x"}) is None
    q.enqueue_many({"a": [2, 3], "b": ["y", "z"]})
    assert int(q.size()) == 3 and q.size().dtype == wb.int32
    one = q.dequeue()
    assert int(one["a"]) == 1 and one["b"].numpy() == b"x" and one["b"].dtype == wb.string
    two = q.dequeue_many(2)
    assert two["a"].numpy().tolist() == [2, 3] and two["b"].numpy().tolist() == [b"y", b"z"]
    with pytest.raises(ValueError, match="You must enqueue a dictionary in a Queue with names"):
        q.enqueue((1, "x"))
    with pytest.raises(ValueError, match=r"Keys in dictionary to enqueue do not match names of Queue.  "
                                         r"Dictionary: \['a'\],Queue: \['a', 'b'\]"):
        q.enqueue({"a": 1})


def test_fifo_queue_without_shapes():
    q = queue.FIFOQueue(10, wb.float32)
    assert q.names is None and q.dtypes == [wb.float32] and q.shapes[0].rank is None
    q.enqueue(1.0)
    q.enqueue([2.0])   # a list is the element's components (one here)
    q.enqueue_many([[3.0, 4.0]])
    assert int(q.size()) == 4
    out = q.dequeue()
    assert out.dtype == wb.float32 and float(out) == 1.0
    for take in (q.dequeue_up_to, q.dequeue_many):
        with pytest.raises(InvalidArgumentError, match="FIFOQueue's DequeueMany and DequeueUpTo require the "
                                                       "components to have specified shapes."):
            take(1)
    assert float(q.dequeue()) == 2.0


def test_close_drains_then_out_of_range():
    q = queue.FIFOQueue(10, wb.float32, shapes=[[]], name="q")
    q.enqueue_many([[1.0, 2.0, 3.0]])
    q.enqueue(5.0)
    q.close()
    assert bool(q.is_closed())
    with pytest.raises(CancelledError, match="FIFOQueue 'q' is closed."):
        q.enqueue(1.0)
    assert q.dequeue_up_to(3).numpy().tolist() == [1.0, 2.0, 3.0]
    assert q.dequeue_up_to(2).numpy().tolist() == [5.0]   # what is left
    with pytest.raises(OutOfRangeError, match=r"FIFOQueue 'q' is closed and has insufficient elements "
                                              r"\(requested 2, current size 0\)"):
        q.dequeue_many(2)
    with pytest.raises(OutOfRangeError, match=r"\(requested 1, current size 0\)"):
        q.dequeue()


def test_vector_components_and_shape_checks():
    q = queue.FIFOQueue(10, wb.int32, shapes=[2], name="v")
    with pytest.raises(ValueError, match=r"Shapes \(3,\) and \(2,\) are incompatible"):
        q.enqueue(wb.constant([1, 2, 3]))
    q.enqueue_many(wb.constant([[1, 2], [3, 4], [5, 6]]))
    assert q.dequeue_many(2).numpy().tolist() == [[1, 2], [3, 4]]
    q.close()
    with pytest.raises(OutOfRangeError, match=r"\(requested 2, current size 1\)"):
        q.dequeue_many(2)
    assert q.dequeue_many(1).numpy().tolist() == [[5, 6]]
    empty = queue.FIFOQueue(10, wb.int32, shapes=[[]])
    assert tuple(empty.dequeue_many(0).shape) == (0,)
    with pytest.raises(InvalidArgumentError, match="DequeueManyOp requested -1 < 0 elements"):
        empty.dequeue_many(-1)
    with pytest.raises(TypeError, match="Cannot convert 'a' to EagerTensor of dtype int32"):
        empty.enqueue("a")
    with pytest.raises(TypeError, match="Cannot convert 1.5 to EagerTensor of dtype int32"):
        empty.enqueue(1.5)


def test_constructor_errors_as_tf():
    with pytest.raises(InvalidArgumentError, match=r"Different number of component types.  Types: int32, int32, "
                                                   r"Shapes: \[\[1\]\]"):
        queue.FIFOQueue(10, [wb.int32, wb.int32], shapes=[[1]])
    with pytest.raises(ValueError, match=r"List of names must have the same length as the list of dtypes, "
                                         r"received len\(names\)=2,len\(dtypes\)=1"):
        queue.FIFOQueue(10, [wb.int32], names=["a", "b"])


def test_padding_fifo_queue():
    q = queue.PaddingFIFOQueue(10, [wb.int32], shapes=[[None]])
    q.enqueue([[1, 2, 3]])
    q.enqueue([[4]])
    q.enqueue([[5, 6]])
    assert q.dequeue_many(2).numpy().tolist() == [[1, 2, 3], [4, 0, 0]]
    assert q.dequeue_many(1).numpy().tolist() == [[5, 6]]
    q2 = queue.PaddingFIFOQueue(10, [wb.string, wb.float32], shapes=[[None], [None, 2]])
    q2.enqueue((["a"], [[1.0, 2.0]]))
    q2.enqueue((["b", "c"], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    s, f = q2.dequeue_many(2)
    assert s.numpy().tolist() == [[b"a", b""], [b"b", b"c"]]
    assert f.numpy().tolist() == [[[1, 2], [0, 0], [0, 0]], [[1, 2], [3, 4], [5, 6]]]
    with pytest.raises(ValueError, match=r"Shapes \(1, 3\) and \(None, 2\) are incompatible"):
        q2.enqueue((["a"], [[1.0, 2.0, 3.0]]))


def test_random_shuffle_queue():
    q = queue.RandomShuffleQueue(10, 2, wb.int32, shapes=[[]], seed=3)
    q.enqueue_many([list(range(6))])
    first = q.dequeue_many(3).numpy().tolist()
    assert int(q.size()) == 3
    q.close()
    rest = q.dequeue_up_to(10).numpy().tolist()
    assert sorted(first + rest) == list(range(6))
    with pytest.raises(OutOfRangeError, match="RandomShuffleQueue"):
        q.dequeue()
    unshaped = queue.RandomShuffleQueue(10, 0, wb.int32)
    with pytest.raises(InvalidArgumentError, match="RandomShuffleQueue's DequeueMany and DequeueUpTo require"):
        unshaped.dequeue_many(1)


def test_random_shuffle_queue_keeps_min_after_dequeue():
    q = queue.RandomShuffleQueue(10, 2, wb.int32, shapes=[[]], seed=0)
    q.enqueue_many([[1, 2]])
    got = []
    t = threading.Thread(target=lambda: got.append(int(q.dequeue())))
    t.start()
    time.sleep(0.2)
    assert not got   # two elements left would be fewer than min_after_dequeue
    q.enqueue(3)
    t.join(5)
    assert len(got) == 1 and got[0] in (1, 2, 3)


def test_priority_queue():
    q = queue.PriorityQueue(10, [wb.string], shapes=[[]])
    assert q.dtypes == [wb.int64, wb.string] and [s.as_list() for s in q.shapes] == [[], []] and q.names is None
    q.enqueue((wb.constant(5, wb.int64), "five"))
    q.enqueue_many(([3, 9, 1], ["three", "nine", "one"]))
    p, v = q.dequeue()
    assert int(p) == 1 and v.numpy() == b"one"
    p, v = q.dequeue_many(3)
    assert p.numpy().tolist() == [3, 5, 9] and v.numpy().tolist() == [b"three", b"five", b"nine"]
    with pytest.raises(TypeError, match="Cannot convert 'x' to EagerTensor of dtype int64"):
        q.enqueue(("x", "y"))


def test_blocking_enqueue_and_dequeue_across_threads():
    q = queue.FIFOQueue(1, wb.int32)
    q.enqueue(1)
    got = []
    t = threading.Timer(0.2, lambda: got.append(int(q.dequeue())))
    t.start()
    q.enqueue(2)   # blocks until the timer's dequeue makes room
    t.join()
    assert got == [1] and int(q.size()) == 1


def test_close_cancels_pending_enqueues_and_wakes_dequeues():
    q = queue.FIFOQueue(1, wb.int32)
    q.enqueue(1)
    t = threading.Timer(0.2, lambda: q.close(cancel_pending_enqueues=True))
    t.start()
    with pytest.raises(CancelledError, match="Enqueue operation was cancelled"):
        q.enqueue(2)
    t.join()
    assert int(q.dequeue()) == 1
    empty = queue.FIFOQueue(1, wb.int32, name="e")
    t = threading.Timer(0.2, empty.close)
    t.start()
    with pytest.raises(OutOfRangeError, match=r"FIFOQueue 'e' is closed and has insufficient elements"):
        empty.dequeue()
    t.join()


def test_wb_queue_is_exported():
    assert wb.queue is queue
