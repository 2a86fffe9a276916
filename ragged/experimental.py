"""``wb.experimental``: TF's ``tf.experimental`` names, so far the ragged ones.

>>> wb.experimental.DynamicRaggedShape.from_lengths([2, (1, 2)])
<DynamicRaggedShape lengths=[2, (1, 2)] num_row_partitions=1>
"""

from .ragged_shape import DynamicRaggedShape
from .row_partition import RowPartition

__all__ = ["DynamicRaggedShape", "RowPartition"]
