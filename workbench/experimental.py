"""``wb.experimental``: TF's ``tf.experimental`` names: the ragged shapes and partitions, and
``Optional`` (a value that may be absent, what ``Iterator.get_next_as_optional`` returns).

>>> wb.experimental.Optional.from_value(wb.constant(3)).has_value().numpy()
True
"""

from ragged.experimental import DynamicRaggedShape, RowPartition

from .data.optional import Optional

__all__ = ["DynamicRaggedShape", "RowPartition", "Optional"]
