"""``scan_associative``: the inclusive prefix scan of an associative function in ``log2(n)``
vectorized calls (Hillis and Steele's doubling scan), as ``tfp.math.scan_associative``."""

from __future__ import annotations

import workbench as wb

__all__ = ["scan_associative"]


def _slice(t, start, stop, axis):
    return wb.gather(t, list(range(start, stop)), axis=axis)


def scan_associative(fn, elems, max_num_levels=48, axis=0, validate_args=False, name=None):
    """Inclusive scan ``[e0, fn(e0, e1), fn(fn(e0, e1), e2), ...]`` along ``axis`` of ``elems`` (a
    tensor or a nested structure of tensors of one length along ``axis``).

    ``fn(a, b)`` must be associative and act elementwise on batches of elements (the structures it
    receives hold many elements stacked along ``axis``). Values of the result are those of a
    sequential scan up to rounding.

    >>> scan_associative(lambda a, b: a + b, wb.constant([1., 2., 3., 4.])).numpy()
    array([ 1.,  3.,  6., 10.], dtype=float32)
    """
    flat = [wb.convert_to_tensor(t) for t in wb.nest.flatten(elems)]
    if not flat:
        raise ValueError("scan_associative: elems is empty, expected at least one tensor")
    lengths = {int(t.shape[axis]) for t in flat}
    if len(lengths) != 1:
        raise ValueError(f"scan_associative: the elems have lengths {sorted(lengths)} along axis {axis}, "
                         "expected one length")
    n = lengths.pop()
    if n > 2 ** max_num_levels:
        raise ValueError(f"scan_associative: {n} elements need more than max_num_levels={max_num_levels} levels")
    current = flat
    offset = 1
    while offset < n:
        left = wb.nest.pack_sequence_as(elems, [_slice(t, 0, n - offset, axis) for t in current])
        right = wb.nest.pack_sequence_as(elems, [_slice(t, offset, n, axis) for t in current])
        combined = [wb.convert_to_tensor(t) for t in wb.nest.flatten(fn(left, right))]
        current = [wb.concat([_slice(t, 0, offset, axis), c], axis=axis) for t, c in zip(current, combined)]
        offset *= 2
    return wb.nest.pack_sequence_as(elems, current)
