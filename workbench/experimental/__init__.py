"""``wb.experimental``: TF's ``tf.experimental`` names: the ragged shapes and partitions,
``Optional`` (a value that may be absent, what ``Iterator.get_next_as_optional`` returns), user
types made of tensors (``ExtensionType``), the dispatch of public ops to them, tensors of
records (``StructuredTensor``), DTensor's meshes and layouts in one process (``dtensor``), and
NumPy's API on tensors (``numpy``: TF's ``tf.experimental.numpy``).

>>> wb.experimental.Optional.from_value(wb.constant(3)).has_value().numpy()
True
"""

from ragged.experimental import DynamicRaggedShape, RowPartition

from ..data.optional import Optional
from ..dispatch import (dispatch_for_api, dispatch_for_binary_elementwise_apis,
                        dispatch_for_binary_elementwise_assert_apis, dispatch_for_unary_elementwise_apis,
                        unregister_dispatch_for)
from ..extension_type import BatchableExtensionType, ExtensionType, ExtensionTypeSpec
from ..structured_tensor import StructuredTensor
from . import dtensor, numpy

__all__ = ["DynamicRaggedShape", "RowPartition", "Optional", "BatchableExtensionType", "ExtensionType",
           "ExtensionTypeSpec", "dispatch_for_api", "dispatch_for_binary_elementwise_apis",
           "dispatch_for_binary_elementwise_assert_apis", "dispatch_for_unary_elementwise_apis",
           "unregister_dispatch_for", "StructuredTensor", "dtensor", "numpy"]
