"""``wb.raw_ops``: some of TF's ``tf.raw_ops``, under TF's op names, over the library's ops.

As in TF each takes keyword arguments only. Only the ops listed in ``__all__`` are here (TF
has some 1,400). The ``Segment*V2`` ops, which TF runs only under XLA
(``jit_compile=True``), run everywhere here.

>>> wb.raw_ops.ComplexAbs(x=wb.complex(3.0, 4.0), Tout=wb.float32).numpy()
np.float32(5.0)
"""

from __future__ import annotations

import functools
import inspect

from . import dtypes
from .core import convert_to_tensor
from .errors import InvalidArgumentError
from .ops.elementwise import abs as _abs
from .ops.elementwise import cast, less, ones_like, where
from .ops.segment import unsorted_segment_max, unsorted_segment_min, unsorted_segment_prod, unsorted_segment_sum
from .ops import bitwise as _bitwise, partition as _partition, truncate as _truncate

__all__ = ["BitwiseAnd", "BitwiseOr", "BitwiseXor", "ComplexAbs", "DynamicPartition", "DynamicStitch", "Invert",
           "LeftShift", "ParallelDynamicStitch", "RightShift", "SegmentMaxV2", "SegmentMinV2", "SegmentProdV2",
           "SegmentSumV2", "TruncateDiv", "TruncateMod"]


def _keywords_only(fn):
    keys = list(inspect.signature(fn).parameters)

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if args:
            raise TypeError(f"{fn.__name__} only takes keyword args (possible keys: {keys}). Please pass "
                            "these args as kwargs instead.")
        return fn(**kwargs)
    return op


_ABS_OF = {dtypes.complex64: dtypes.float32, dtypes.complex128: dtypes.float64}


@_keywords_only
def ComplexAbs(x, Tout=dtypes.float32, name=None):  # noqa: N802,N803 (TF's op and attribute names)
    """``sqrt(re**2 + im**2)`` of a complex64 (``Tout`` float32) or complex128 (float64) tensor."""
    x = convert_to_tensor(x)
    if x.dtype not in _ABS_OF:
        raise InvalidArgumentError(f"ComplexAbs: Value for attr 'T' of {x.dtype.name} is not in the list of "
                                   "allowed values: complex64, complex128")
    tout = dtypes.as_dtype(Tout)
    if tout != _ABS_OF[x.dtype]:
        raise InvalidArgumentError(f"ComplexAbs: Signature mismatch, have: {x.dtype.name}->{tout.name} "
                                   f"expected: {x.dtype.name}->{_ABS_OF[x.dtype].name}")
    return _abs(x)


def _segment_v2(reduce, op_name):
    def op(data, segment_ids, num_segments, name=None):
        ids = convert_to_tensor(segment_ids)
        # XLA drops the rows whose id is num_segments or more; the reduction drops negative ids
        ids = where(less(ids, cast(num_segments, ids.dtype)), ids, -ones_like(ids))
        return reduce(data, ids, num_segments)
    op.__name__ = op.__qualname__ = op_name
    op.__doc__ = (f"TF's ``{op_name}``: ``{reduce.__name__}`` over sorted ``segment_ids`` into "
                  "``num_segments`` rows (an empty segment gets that reduction's identity; rows with "
                  "an id past the last segment are dropped, as XLA does).")
    return _keywords_only(op)


SegmentMaxV2 = _segment_v2(unsorted_segment_max, "SegmentMaxV2")
SegmentMinV2 = _segment_v2(unsorted_segment_min, "SegmentMinV2")
SegmentProdV2 = _segment_v2(unsorted_segment_prod, "SegmentProdV2")
SegmentSumV2 = _segment_v2(unsorted_segment_sum, "SegmentSumV2")


# the kernels under wb.bitwise, wb.truncatediv / truncatemod and wb.dynamic_partition / dynamic_stitch
BitwiseAnd = _keywords_only(_bitwise.bitwise_and)
BitwiseOr = _keywords_only(_bitwise.bitwise_or)
BitwiseXor = _keywords_only(_bitwise.bitwise_xor)
Invert = _keywords_only(_bitwise.invert)
LeftShift = _keywords_only(_bitwise.left_shift)
RightShift = _keywords_only(_bitwise.right_shift)
TruncateDiv = _keywords_only(_truncate.truncatediv)
TruncateMod = _keywords_only(_truncate.truncatemod)
DynamicPartition = _keywords_only(_partition.dynamic_partition)
DynamicStitch = _keywords_only(_partition.dynamic_stitch)
ParallelDynamicStitch = _keywords_only(_partition.parallel_dynamic_stitch)
