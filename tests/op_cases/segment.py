"""Cases for the segment reductions (sorted and unsorted, inner dimensions, empty segments)."""

import numpy as np

import workbench as wb

from . import Case, uniform

D = uniform(-1, 1, (6, 3), 31)
P = uniform(0.5, 1.5, (6, 2), 32)
SORTED = [0, 0, 1, 3, 3, 3]          # segment 2 is empty
UNSORTED = [2, 0, -1, 2, 0, 3]       # row 2 is dropped, segment 1 is empty
# a 2-d id tensor (a prefix of data's shape [2, 3, 2])
IDS_2D = np.array([[1, 0, 1], [2, 1, 0]])

CASES = [
    Case("segment_sum", lambda d: wb.math.segment_sum(d, SORTED) ** 2, [D]),
    # TF's tangent of an empty segment's mean, max or min is NaN (it divides by no rows or no
    # ties): non-empty rows only
    Case("segment_mean", lambda d: wb.gather(wb.math.segment_mean(d * d, SORTED), [0, 1, 3]), [D]),
    Case("segment_max", lambda d: wb.gather(wb.math.segment_max(d, SORTED), [0, 1, 3]) * 2.0, [D]),
    Case("segment_min", lambda d: wb.gather(wb.math.segment_min(d, SORTED), [0, 1, 3]) ** 2, [D]),
    Case("segment_prod", lambda d: wb.math.segment_prod(d, SORTED), [P]),
    Case("unsorted_segment_sum", lambda d: wb.math.unsorted_segment_sum(d, UNSORTED, 4) ** 2, [D]),
    Case("unsorted_segment_sum 2-d ids",
         lambda d: wb.math.unsorted_segment_sum(d, IDS_2D, 3) * 3.0, [uniform(-1, 1, (2, 3, 2), 33)]),
    Case("unsorted_segment_mean", lambda d: wb.math.unsorted_segment_mean(d * d, UNSORTED, 5), [D]),
    Case("unsorted_segment_max", lambda d: wb.gather(wb.math.unsorted_segment_max(d, UNSORTED, 4)[:, :2], [0, 2, 3]),
         [D]),
    Case("unsorted_segment_min", lambda d: wb.math.unsorted_segment_min(d, [1, 0, 1, 1, 0, 0], 2), [D]),
    Case("unsorted_segment_prod", lambda d: wb.math.unsorted_segment_prod(d, UNSORTED, 4), [P]),
    # exact first derivatives where a row is zero (one zero in segment 0, two in segment 1)
    Case("segment_prod with zeros",
         lambda d: wb.math.segment_prod(d * wb.constant(np.array([[0., 1.], [1., 1.], [1., 0.],
                                                                   [1., 0.], [1., 1.], [1., 1.]])),
                                        [0, 0, 1, 1, 2, 2]), [P], order=1),
]
