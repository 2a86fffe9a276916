"""The order of ``top_k(..., sorted=False)``: TF's CPU kernel's.

TF leaves the order unspecified, but its CPU kernel is deterministic: for ``1 < k < n`` it
pushes the column indices ``0 .. n-1`` through a bounded heap (``gtl::TopN`` over the C++
standard library's heap algorithms, "greater" meaning a larger value, or an equal value at a
lower index) and hands out the heap's array as it stands (``k == 1`` and ``k == n`` give the
sorted order). This module replays that heap, so values and gradient positions come out in TF's
order.
"""

from __future__ import annotations

import numpy as np

from ..core import apply, defop


def _better(row, a, b):
    """TF's comparator: entry ``a`` ranks above entry ``b``."""
    if row[b] < row[a]:
        return True
    if row[b] > row[a]:
        return False
    return a < b


def _sift_up(heap, hole, top, value, less):
    parent = (hole - 1) // 2
    while hole > top and less(heap[parent], value):
        heap[hole] = heap[parent]
        hole = parent
        parent = (hole - 1) // 2
    heap[hole] = value


def _adjust(heap, hole, length, value, less):
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if less(heap[child], heap[child - 1]):
            child -= 1
        heap[hole] = heap[child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        heap[hole] = heap[child - 1]
        hole = child - 1
    _sift_up(heap, hole, top, value, less)


def _make_heap(heap, less):
    length = len(heap)
    for parent in range((length - 2) // 2, -1, -1):
        _adjust(heap, parent, length, heap[parent], less)


def _pop_heap(heap, less):
    """Move the heap's first entry to the end and restore the heap on the rest."""
    last = len(heap) - 1
    value = heap[last]
    heap[last] = heap[0]
    _adjust(heap, 0, last, value, less)


def _push_heap(heap, less):
    _sift_up(heap, len(heap) - 1, 0, heap[-1], less)


def unsorted_top_k_row(row, k):
    """Column indices of the ``k`` largest entries of the 1-D NumPy ``row`` (``1 < k < n``), in
    TF's unsorted order: ``gtl::TopN``'s pushes replayed."""
    vals = row.tolist()

    def less(a, b):   # the heap's "less": a ranks above b, so the first entry is the worst kept
        return _better(vals, a, b)
    # entries 0 .. k are appended unordered; the (k + 1)-th turns the vector into a heap of k
    heap = list(range(k + 1))
    _make_heap(heap, less)
    _pop_heap(heap, less)
    heap.pop()
    for c in range(k + 1, len(vals)):
        if less(c, heap[0]):
            _pop_heap(heap, less)
            heap[-1] = c
            _push_heap(heap, less)
    return heap


def _unsorted_fwd(xp, x, k):
    rows = np.asarray(x if xp is np else x.get()).reshape(-1, x.shape[-1])   # a host loop, also on a GPU
    out = np.array([unsorted_top_k_row(r, k) for r in rows], dtype=np.int32).reshape(x.shape[:-1] + (k,))
    return xp.asarray(out)


_unsorted_op = defop("top_k_unsorted_order", _unsorted_fwd, dtypes="real")


def unsorted_order(x, k):
    """``[..., k]`` int32 column indices of ``x``'s ``k`` largest entries along the last axis
    (``1 < k < n``), in TF's CPU order for ``sorted=False``."""
    return apply(_unsorted_op, (x,), {"k": int(k)})
