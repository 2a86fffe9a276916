"""``wb.sparse``: TF's sparse values. ``SparseTensor`` (coordinates and values of a
mostly-zero tensor) with its ops, and ``IndexedSlices`` (rows of a dense tensor, a gather's
gradient)."""

from .cross import cross, cross_hashed  # noqa: F401
from .indexed_slices import IndexedSlices, convert_to_dense, mask  # noqa: F401
from .ops import (  # noqa: F401,A004
    add, concat, expand_dims, from_dense, map_values, reduce_max, reduce_sum, reduce_sum_sparse, reorder, reshape,
    retain, slice, sparse_dense_matmul, to_dense, transpose,
)
from .more_ops import (  # noqa: F401
    bincount, eye, fill_empty_rows, maximum, minimum, reset_shape, segment_mean, segment_sqrt_n, segment_sum, softmax, split,
    to_indicator,
)
from .sampled import sampled_addmm  # noqa: F401
from .sparse_tensor import SparseTensor, SparseTensorSpec  # noqa: F401

__all__ = ["IndexedSlices", "SparseTensor", "SparseTensorSpec", "add", "bincount", "concat", "convert_to_dense", "cross", "cross_hashed", "expand_dims", "eye",
           "fill_empty_rows", "from_dense", "map_values", "mask", "maximum", "minimum", "reduce_max", "reduce_sum",
           "reduce_sum_sparse", "reorder", "reset_shape", "reshape", "retain", "sampled_addmm", "segment_mean",
           "segment_sqrt_n", "segment_sum", "slice", "softmax", "sparse_dense_matmul", "split", "to_dense", "to_indicator", "transpose"]
