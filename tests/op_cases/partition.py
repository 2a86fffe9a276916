"""Cases for dynamic_partition and dynamic_stitch (each one's gradient is written with the other)."""

import workbench as wb

from . import Case, uniform

D = uniform(-1, 1, (5, 2), 41)
D3 = uniform(-1, 1, (2, 3, 2), 42)


def _partition_weighted(d):
    parts = wb.dynamic_partition(d, [2, 0, 2, 1, 0], 4)   # partition 3 is empty
    return [p * float(i + 1) for i, p in enumerate(parts)]


def _round_trip(d):
    p = [[1, 0, 1], [0, 0, 1]]
    parts = wb.dynamic_partition(d, p, 2)
    where = wb.dynamic_partition(wb.reshape(wb.range(6), [2, 3]), p, 2)
    return wb.dynamic_stitch(where, [parts[0] ** 2, parts[1] * 3.0])


CASES = [
    Case("dynamic_partition", _partition_weighted, [D]),
    Case("dynamic_partition 2-d partitions, stitched back", _round_trip, [D3]),
    Case("dynamic_stitch", lambda a, b: wb.dynamic_stitch([[0, 3], [[2], [1]]], [a * a, b]) * 2.0,
         [uniform(-1, 1, (2, 3), 43), uniform(-1, 1, (2, 1, 3), 44)]),
]
