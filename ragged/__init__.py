"""Ragged (variable-length) tensors, TF's ``tf.RaggedTensor`` model, on NumPy and CuPy.

>>> import ragged
>>> rt = ragged.constant([[1.0, 2.0, 3.0], [], [4.0]])
>>> wb.reduce_sum(rt, axis=1).numpy()
array([6., 0., 4.], dtype=float32)
"""

from .array_ops import (concat, gather, log_softmax, ragged_boolean_mask as boolean_mask, reverse,
                        row_splits_to_segment_ids, segment_ids_to_row_splits, softmax, stack, stack_dynamic_partitions,
                        where)
from .cross import cross, cross_hashed
from .factory import constant, range  # noqa: A004
from .indexing import gather_rows
from .ops import map_flat_values, register_image_io as _register_image_io
from . import reduce as _reduce  # noqa: F401  (registers wb.reduce_* for ragged tensors)
from . import matmul as _matmul  # noqa: F401  (registers wb.matmul for ragged tensors)
from .ragged_shape import DynamicRaggedShape
from .ragged_tensor import RaggedTensor
from .ragged_tensor_spec import RaggedTensorSpec
from .row_partition import RowPartition
from workbench import strings as _strings

_strings.register_ragged(RaggedTensor.from_nested_row_splits)   # wb.strings.split returns ragged rows
_register_image_io()   # after RaggedTensor is bound: wb.io's first access imports this package

__all__ = ["RaggedTensor", "RaggedTensorSpec", "RowPartition", "DynamicRaggedShape", "reverse", "constant", "range", "map_flat_values", "gather_rows",
           "concat", "stack", "gather", "boolean_mask", "where", "softmax", "log_softmax",
           "segment_ids_to_row_splits", "row_splits_to_segment_ids", "stack_dynamic_partitions", "cross", "cross_hashed"]
