"""Static shapes TF 2.21 reports for ops in a ``wb.function`` trace whose input signature leaves
sizes open, and in a dataset map whose element decides sizes; and TF's errors for index keys of no
index kind. Every expected shape and error below is TF 2.21's, pinned."""

import numpy as np
import pytest

import workbench as wb
from workbench.data import Dataset

S = wb.TensorSpec
N3 = [S([None, 3], wb.float32)]
NN = [S([None, None], wb.float32)]
SC = [S([], wb.int32)]


def _traced(fn, specs):
    """The static shapes of ``fn``'s results traced for ``specs`` (nested as they are)."""
    out = wb.function(fn, input_signature=specs).get_concrete_function().structured_outputs
    return _shapes(out)


def _shapes(out):
    if isinstance(out, (list, tuple)):
        return [_shapes(o) for o in out]
    s = out.shape
    return None if s.rank is None else tuple(s.as_list())


def _mapped(fn):
    """The element spec's shape of ``Dataset.range(1, 4).map(fn)``."""
    return _shapes(Dataset.range(1, 4).map(fn).element_spec)


# -- index keys ----------------------------------------------------------------------
_NOT_AN_INDEX = "Only integers, slices \\(`:`\\), ellipsis \\(`...`\\), tf.newaxis \\(`None`\\) and scalar"


@pytest.mark.parametrize("key", [
    (slice(None), (True, False)), (0, (1, 2)), 1.0, "a", {}, slice(0.5, 2), wb.constant(1.0)])
def test_keys_of_no_index_kind_raise_tfs_type_error(key):
    x = wb.reshape(wb.range(24), [2, 3, 4])
    with pytest.raises(TypeError, match=_NOT_AN_INDEX):
        x[key]


def test_index_keys_as_tf():
    x = wb.reshape(wb.range(24), [2, 3, 4])
    for key in (True, np.array(True), wb.constant(True)):
        with pytest.raises(ValueError, match="mask cannot be scalar"):
            x[key]
    with pytest.raises(wb.errors.InvalidArgumentError, match="Multiple ellipses in slice spec not allowed"):
        x[..., ...]
    assert x[..., None, 0].shape == (2, 3, 1)
    assert x[None, :, None].shape == (1, 2, 1, 3, 4)
    assert x[None].shape == (1, 2, 3, 4)
    assert x[np.array([True, False])].shape == (1, 3, 4)
    assert x[wb.constant([True, False])].shape == (1, 3, 4)
    assert x[np.array(1)].shape == (3, 4) and x[np.int64(1)].shape == (3, 4)
    assert x[wb.constant(0):wb.constant(1)].shape == (1, 3, 4)
    assert x[(0, 1)].shape == (4,)


# -- traces with open sizes: each case's static shapes as TF 2.21's structured_outputs ---------
K43 = [S([4, 3], wb.float32)]
I = wb.int32

_TRACED = {
    "tile": (N3 + SC, lambda x, n: wb.tile(x, [n, 2]), (None, 6)),
    "tile_tensor": (N3 + [S([2], I)], lambda x, m: wb.tile(x, m), (None, None)),
    "tile_constant_tensor": (N3, lambda x: wb.tile(x, wb.constant([2, 2])), (None, 6)),
    "pad_symmetric": (N3, lambda x: wb.pad(x, [[1, 1], [1, 0]], mode="SYMMETRIC"), (None, 4)),
    "pad_reflect_n": (N3 + SC, lambda x, n: wb.pad(x, [[0, 0], [n, 0]], mode="REFLECT"), (None, None)),
    "pad_reflect_n_known": (K43 + SC, lambda x, n: wb.pad(x, [[n, 1], [0, 0]], mode="REFLECT"), (None, 3)),
    "pad_symmetric_n": (K43 + SC, lambda x, n: wb.pad(x, [[n, 1], [0, 0]], mode="SYMMETRIC"), (None, 3)),
    "pad_constant_n": (N3 + SC, lambda x, n: wb.pad(x, [[n, 1], [1, 0]]), (None, 4)),
    "pad_tensor": (K43 + [S([2, 2], I)], lambda x, p: wb.pad(x, p), (None, None)),
    "pad_reflect_tensor": (K43 + [S([2, 2], I)], lambda x, p: wb.pad(x, p, mode="REFLECT"), (None, None)),
    "pad_constant_tensor": (K43, lambda x: wb.pad(x, wb.constant([[1, 1], [0, 2]])), (6, 5)),
    "one_hot_depth": ([S([None], I)] + SC, lambda x, n: wb.one_hot(x, n), (None, None)),
    "one_hot_axis0": ([S([None, 2], I)], lambda x: wb.one_hot(x, 4, axis=0), (4, None, 2)),
    "top_k_n": (N3 + SC, lambda x, n: wb.math.top_k(x, n), [(None, None), (None, None)]),
    "top_k_2": ([S([None, 5], wb.float32)], lambda x: wb.math.top_k(x, 2), [(None, 2), (None, 2)]),
    "top_k_2_unsorted": ([S([None, 5], wb.float32)], lambda x: wb.math.top_k(x, 2, sorted=False),
                         [(None, 2), (None, 2)]),
    "slice_begin_n": (N3 + SC, lambda x, n: wb.slice(x, [n, 0], [1, 2]), (1, 2)),
    "slice_size_shape": (N3, lambda x: wb.slice(x, [0, 0], wb.shape(x) - 1), (None, None)),
    "slice_begin_n_rest": (K43 + SC, lambda x, n: wb.slice(x, [n, 0], [1, -1]), (1, 3)),
    "slice_size_n_rest": (K43 + SC, lambda x, n: wb.slice(x, [0, 1], [n, -1]), (None, None)),
    "slice_begin_tensor": (K43 + [S([2], I)], lambda x, b: wb.slice(x, b, [1, 2]), (1, 2)),
    "slice_size_tensor": (K43 + [S([2], I)], lambda x, b: wb.slice(x, [0, 0], b), (None, None)),
    "gather_nd": (N3 + [S([None, 2], I)], lambda x, i: wb.gather_nd(x, i), (None,)),
    "gather_nd_where": (N3, lambda x: wb.gather_nd(x, wb.where(x > 0)), (None,)),
    "gather_nd_known": (N3 + [S([5, 2], I)], lambda x, i: wb.gather_nd(x, i), (5,)),
    "gather_nd_batch": ([S([None, 3, 4], wb.float32), S([None, 2, 1], I)],
                        lambda x, i: wb.gather_nd(x, i, batch_dims=1), (None, 2, 4)),
    "scatter_nd": ([S([None, 1], I), S([None], wb.float32)], lambda i, u: wb.scatter_nd(i, u, [5]), (5,)),
    "scatter_nd_2": ([S([None, 2], I), S([None], wb.float32)], lambda i, u: wb.scatter_nd(i, u, [4, 3]), (4, 3)),
    "tensor_scatter_update": (N3 + [S([None, 1], I), S([None, 3], wb.float32)],
                              lambda x, i, u: wb.tensor_scatter_nd_update(x, i, u), (None, 3)),
    "tensor_scatter_update_known": (K43 + [S([None, 1], I), S([None, 3], wb.float32)],
                                    lambda x, i, u: wb.tensor_scatter_nd_update(x, i, u), (4, 3)),
    "tensor_scatter_add_known": (K43 + [S([None, 1], I), S([None, 3], wb.float32)],
                                 lambda x, i, u: wb.tensor_scatter_nd_add(x, i, u), (4, 3)),
    "tensor_scatter_sub": (N3 + [S([None, 1], I), S([None, 3], wb.float32)],
                           lambda x, i, u: wb.tensor_scatter_nd_sub(x, i, u), (None, 3)),
    "tensor_scatter_max": (N3 + [S([None, 1], I), S([None, 3], wb.float32)],
                           lambda x, i, u: wb.tensor_scatter_nd_max(x, i, u), (None, 3)),
    "bincount": ([S([None], I)], lambda x: wb.math.bincount(x), (None,)),
    "bincount_min_max": ([S([None], I)], lambda x: wb.math.bincount(x, minlength=5, maxlength=5), (None,)),
    "bincount_constant": ([S([None], I)], lambda x: wb.math.bincount(wb.constant([1, 2, 3])), (4,)),
    "bincount_weights": ([S([3], I)], lambda x: wb.math.bincount(x, weights=wb.ones([3])), (None,)),
    "bincount_rows": ([S([4, 3], I)], lambda x: wb.math.bincount(x, axis=-1), (None, None)),
    "bincount_rows_constant": ([S([None, 3], I)],
                               lambda x: wb.math.bincount(wb.constant([[1, 2], [0, 0]]), axis=-1), (2, 3)),
    "bincount_minlength_n": ([S([None, 3], I)] + SC,
                             lambda x, n: wb.math.bincount(wb.constant([1, 2]), minlength=n), (None,)),
    "bincount_maxlength": ([S([None, 3], I)], lambda x: wb.math.bincount(wb.constant([1, 7]), maxlength=3), (3,)),
    "in_top_k": (N3 + [S([None], I)], lambda x, y: wb.math.in_top_k(y, x, 1), (None,)),
    "searchsorted": ([S([None, 5], wb.float32), S([None, 2], wb.float32)], lambda a, b: wb.searchsorted(a, b),
                     (None, 2)),
    "count_nonzero": (N3, lambda x: wb.math.count_nonzero(x, 1), (None,)),
    "invert_permutation": ([S([None], I)], lambda a: wb.math.invert_permutation(a), (None,)),
    "cumulative_logsumexp": (N3, lambda x: wb.math.cumulative_logsumexp(x), (None, 3)),
    "sparse_softmax_cross_entropy": (N3 + [S([None], I)], lambda x, y: wb.nn.sparse_softmax_cross_entropy_with_logits(
        labels=y, logits=x), (None,)),
    "sparse_softmax_cross_entropy_open": (NN + [S([None], I)], lambda x, y: (
        wb.nn.sparse_softmax_cross_entropy_with_logits(y, x)), (None,)),
    "softmax_cross_entropy": (N3 + N3, lambda x, y: wb.nn.softmax_cross_entropy_with_logits(labels=y, logits=x),
                              (None,)),
    "conv2d": ([S([None, 8, 8, 3], wb.float32)], lambda x: wb.nn.conv2d(x, wb.ones([3, 3, 3, 4]), 1, "VALID"),
               (None, 6, 6, 4)),
    "conv2d_open": ([S([None, None, None, 3], wb.float32)],
                    lambda x: wb.nn.conv2d(x, wb.ones([3, 3, 3, 4]), 2, "SAME"), (None, None, None, 4)),
    "conv1d_same": ([S([None, None, 3], wb.float32)], lambda x: wb.nn.conv1d(x, wb.ones([2, 3, 4]), 2, "SAME"),
                    (None, None, 4)),
    "conv3d": ([S([None, 4, 4, 4, 3], wb.float32)],
               lambda x: wb.nn.conv3d(x, wb.ones([2, 2, 2, 3, 4]), [1, 1, 1, 1, 1], "VALID"), (None, 3, 3, 3, 4)),
    "convolution": ([S([None, 8, 8, 3], wb.float32)],
                    lambda x: wb.nn.convolution(x, wb.ones([3, 3, 3, 4]), padding="SAME"), (None, 8, 8, 4)),
    "atrous_conv2d": ([S([None, 8, 8, 3], wb.float32)],
                      lambda x: wb.nn.atrous_conv2d(x, wb.ones([3, 3, 3, 4]), 2, "VALID"), (None, 4, 4, 4)),
    "depthwise_conv2d": ([S([None, None, None, 3], wb.float32)], lambda x: wb.nn.depthwise_conv2d(
        x, wb.ones([3, 3, 3, 2]), [1, 1, 1, 1], "SAME"), (None, None, None, 6)),
    "max_pool2d": ([S([None, 8, 8, 3], wb.float32)], lambda x: wb.nn.max_pool2d(x, 2, 2, "VALID"), (None, 4, 4, 3)),
    "avg_pool2d_open": ([S([None, None, None, 3], wb.float32)], lambda x: wb.nn.avg_pool2d(x, 2, 2, "SAME"),
                        (None, None, None, 3)),
    "avg_pool1d": ([S([None, 8, 3], wb.float32)], lambda x: wb.nn.avg_pool1d(x, 2, 2, "SAME"), (None, 4, 3)),
    "pool_max": ([S([None, 8, 8, 3], wb.float32)],
                 lambda x: wb.nn.pool(x, [2, 2], "MAX", strides=[2, 2], padding="VALID"), (None, 4, 4, 3)),
    "einsum_batch": ([S([None, 2, 3], wb.float32), S([None, 3, 4], wb.float32)],
                     lambda a, b: wb.einsum("bij,bjk->bik", a, b), (None, 2, 4)),
    "einsum_sum": (N3, lambda x: wb.einsum("ij->j", x), (3,)),
    "einsum_outer": ([S([None], wb.float32), S([3], wb.float32)], lambda a, b: wb.einsum("i,j->ij", a, b), (None, 3)),
    "tensordot": (N3, lambda x: wb.tensordot(x, wb.ones([3, 4]), 1), (None, 4)),
    "tensordot_outer": (N3, lambda x: wb.tensordot(x, wb.ones([2]), 0), (None, 3, 2)),
    "space_to_depth": ([S([None, 4, 4, 3], wb.float32)], lambda x: wb.nn.space_to_depth(x, 2), (None, 2, 2, 12)),
    "depth_to_space": ([S([None, 4, 4, 8], wb.float32)], lambda x: wb.nn.depth_to_space(x, 2), (None, 8, 8, 2)),
    "isotonic_regression": (N3, lambda x: wb.nn.isotonic_regression(x), [(None, 3), (None, 3)]),
    "isotonic_regression_axis0": (N3, lambda x: wb.nn.isotonic_regression(x, axis=0), [(None, 3), (None, 3)]),
    "segment_sum": (N3 + [S([None], I)], lambda x, i: wb.math.segment_sum(x, i), (None, 3)),
    "segment_max": (N3 + [S([None], I)], lambda x, i: wb.math.segment_max(x, i), (None, 3)),
    "unsorted_segment_sum": (N3 + [S([None], I)], lambda x, i: wb.math.unsorted_segment_sum(x, i, 4), (4, 3)),
    "unsorted_segment_max_rows": ([S([None, None, 2], wb.float32), S([None, None], I)],
                                  lambda x, i: wb.math.unsorted_segment_max(x, i, 3), (3, 2)),
    "diag_part": ([S([None, 3, 3], wb.float32)], lambda x: wb.linalg.diag_part(x), (None, 3)),
    "diag_part_k": ([S([None, 3, 4], wb.float32)], lambda x: wb.linalg.diag_part(x, k=1), (None, 3)),
    "diag": ([S([None, 3], wb.float32)], lambda x: wb.linalg.diag(x), (None, 3, 3)),
    "diag_open": (NN, lambda x: wb.linalg.diag(x), (None, None, None)),
    "trace": ([S([None, 3, 3], wb.float32)], lambda x: wb.linalg.trace(x), (None,)),
    "matvec": (N3 + [S([3], wb.float32)], lambda a, v: wb.linalg.matvec(a, v), (None,)),
    "matvec_batch": ([S([None, 2, 3], wb.float32), S([None, 3], wb.float32)], lambda a, v: wb.linalg.matvec(a, v),
                     (None, 2)),
    "det": ([S([None, 3, 3], wb.float32)], lambda x: wb.linalg.det(x), (None,)),
    "slogdet": ([S([None, 3, 3], wb.float32)], lambda x: wb.linalg.slogdet(x), [(None,), (None,)]),
    "logdet": ([S([None, 3, 3], wb.float32)], lambda x: wb.linalg.logdet(x + 3.0 * wb.eye(3)), (None,)),
    "inv": ([S([None, 3, 3], wb.float32)], lambda x: wb.linalg.inv(x + 3.0 * wb.eye(3)), (None, 3, 3)),
    "cholesky": ([S([None, 3, 3], wb.float32)],
                 lambda x: wb.linalg.cholesky(wb.matmul(x, x, transpose_b=True) + wb.eye(3)), (None, 3, 3)),
    "solve": ([S([None, 3, 3], wb.float32), S([None, 3, 2], wb.float32)],
              lambda a, b: wb.linalg.solve(a + 3.0 * wb.eye(3), b), (None, 3, 2)),
    "triangular_solve": ([S([None, 3, 3], wb.float32), S([None, 3, 2], wb.float32)],
                         lambda a, b: wb.linalg.triangular_solve(a + 3.0 * wb.eye(3), b), (None, 3, 2)),
    "cholesky_solve": ([S([None, 3, 3], wb.float32), S([None, 3, 2], wb.float32)],
                       lambda a, b: wb.linalg.cholesky_solve(a + 3.0 * wb.eye(3), b), (None, 3, 2)),
    "qr": ([S([None, 4, 3], wb.float32)], lambda x: wb.linalg.qr(x), [(None, 4, 3), (None, 3, 3)]),
    "svd": ([S([None, 4, 3], wb.float32)], lambda x: wb.linalg.svd(x), [(None, 3), (None, 4, 3), (None, 3, 3)]),
    "eigh": ([S([None, 3, 3], wb.float32)], lambda x: wb.linalg.eigh(x + wb.linalg.matrix_transpose(x)),
             [(None, 3), (None, 3, 3)]),
    "eigvalsh": ([S([None, 3, 3], wb.float32)], lambda x: wb.linalg.eigvalsh(x + wb.linalg.matrix_transpose(x)),
                 (None, 3)),
    "pinv": ([S([None, 4, 3], wb.float32)], lambda x: wb.linalg.pinv(x), (None, 3, 4)),
    "expm": ([S([None, 3, 3], wb.float32)], lambda x: wb.linalg.expm(x * 0.1), (None, 3, 3)),
    "meshgrid": ([S([None], wb.float32), S([3], wb.float32)], lambda a, b: wb.meshgrid(a, b), [(3, None), (3, None)]),
    "meshgrid_ij": ([S([None], wb.float32), S([3], wb.float32)], lambda a, b: wb.meshgrid(a, b, indexing="ij"),
                    [(None, 3), (None, 3)]),
    "concat_axis_n": (K43 + SC, lambda x, n: wb.concat([x, x], n), (None, None)),
    "gather_axis_n": (K43 + SC, lambda x, n: wb.gather(x, [0], axis=n), (None, None)),
    "expand_dims_axis_n": (K43 + SC, lambda x, n: wb.expand_dims(x, n), None),
    "reduce_sum_axis_n": (N3 + SC, lambda x, n: wb.reduce_sum(x, n), None),
    "reduce_sum_axis_n_keepdims": (K43 + SC, lambda x, n: wb.reduce_sum(x, n, keepdims=True), (None, None)),
    "argmax_axis_n": (K43 + SC, lambda x, n: wb.argmax(x, n), (None,)),
    "cumsum_axis_n": (K43 + SC, lambda x, n: wb.cumsum(x, n), (4, 3)),
    "fill_open_length": ([S([None], I)], lambda s: wb.fill(s, 1.0), None),
    "zeros_open_length": ([S([None], I)], lambda s: wb.zeros(s), None),
    "ones_known_length": ([S([2], I)], lambda s: wb.ones(s), (None, None)),
    "softmax_cross_entropy_axis0": (N3 + N3, lambda x, y: wb.nn.softmax_cross_entropy_with_logits(y, x, axis=0),
                                    (3,)),
}


@pytest.mark.parametrize("name", sorted(_TRACED))
def test_static_shapes_in_a_trace_with_open_sizes(name):
    specs, fn, want = _TRACED[name]
    assert _traced(fn, specs) == want


# -- dataset maps whose element decides sizes: element_spec shapes as TF 2.21's ----------------
_MAPPED = {
    "tile_n": (lambda n: wb.tile([1, 2], [n]), (None,)),
    "tile_rows_n": (lambda n: wb.tile(wb.ones([2, 3]), [n, 1]), (None, 3)),
    "pad_n": (lambda n: wb.pad(wb.ones([2, 2]), [[n, 0], [0, 1]]), (None, 3)),
    "pad_reflect": (lambda n: wb.pad(wb.range(n + 2), [[1, 1]], mode="REFLECT"), (None,)),
    "tile_then_reflect": (lambda n: wb.pad(wb.tile([[1, 2]], [n, 1]), [[0, 0], [1, 1]], mode="REFLECT"),
                          (None, 4)),
    "one_hot_depth": (lambda n: wb.one_hot([0, 1], wb.cast(n, wb.int32)), (2, None)),
    "one_hot_depth_axis0": (lambda n: wb.one_hot([0, 1], wb.cast(n, wb.int32), axis=0), (None, 2)),
    "top_k_of_open": (lambda n: wb.math.top_k(wb.range(n + 3), 2).values, (2,)),
    "top_k_n": (lambda n: wb.math.top_k(wb.range(5), wb.cast(n, wb.int32)).values, (None,)),
    "slice_size_n": (lambda n: wb.slice(wb.range(6), [1], [n]), (None,)),
    "slice_begin_n_rest": (lambda n: wb.slice(wb.reshape(wb.range(12), [3, 4]), [0, n], [2, -1]), (2, None)),
    "slice_begin_n": (lambda n: wb.slice(wb.ones([4, 3]), [n, 0], [1, -1]), (1, 3)),
    "gather_nd_where": (lambda n: wb.gather_nd(wb.ones([3, 4]), wb.where(wb.range(n) > 0)), (None, 4)),
    "bincount": (lambda n: wb.math.bincount(wb.cast(wb.range(n), wb.int32)), (None,)),
    "bincount_minlength_n": (lambda n: wb.math.bincount([1, 2], minlength=wb.cast(n, wb.int32)), (None,)),
    "in_top_k": (lambda n: wb.math.in_top_k(wb.zeros([n], wb.int64), wb.ones([wb.cast(n, wb.int32), 3]), 1),
                 (None,)),
    "cumulative_logsumexp": (lambda n: wb.math.cumulative_logsumexp(wb.cast(wb.range(n), wb.float32)), (None,)),
    "sparse_softmax_cross_entropy": (lambda n: wb.nn.sparse_softmax_cross_entropy_with_logits(
        labels=wb.zeros([n], wb.int64), logits=wb.ones([n, 3])), (None,)),
    "conv1d": (lambda n: wb.nn.conv1d(wb.ones([1, wb.cast(n, wb.int32) + 2, 3]), wb.ones([2, 3, 4]), 1, "VALID"),
               (1, None, 4)),
    "max_pool1d": (lambda n: wb.nn.max_pool1d(wb.ones([1, wb.cast(n, wb.int32) + 2, 3]), 2, 1, "VALID"), (1, None, 3)),
    "einsum": (lambda n: wb.einsum("ij,jk->ik", wb.ones([wb.cast(n, wb.int32), 3]), wb.ones([3, 2])), (None, 2)),
    "segment_sum_of_constants": (lambda n: wb.math.segment_sum(wb.ones([3]), [0, 1, 1]), (None,)),
    "diag": (lambda n: wb.linalg.diag(wb.range(n)), (None, None)),
    "softmax": (lambda n: wb.nn.softmax(wb.cast(wb.range(n), wb.float32)), (None,)),
    "stack_int": (lambda n: wb.stack([n, 2]), (2,)),
    "stack_int_first": (lambda n: wb.stack([2, n]), (2,)),
    "ones_of_stack": (lambda n: wb.ones(wb.stack([n, 2])), (None, 2)),
}


@pytest.mark.parametrize("name", sorted(_MAPPED))
def test_static_shapes_in_a_dataset_map(name):
    fn, want = _MAPPED[name]
    assert _mapped(fn) == want


def test_mapped_values_are_the_eager_ones():
    def values(fn):
        return [v.numpy().tolist() for v in Dataset.range(1, 4).map(fn)]
    assert values(lambda n: wb.tile([1, 2], [n])) == [[1, 2], [1, 2, 1, 2], [1, 2, 1, 2, 1, 2]]
    assert values(lambda n: wb.pad(wb.range(n + 2, dtype=wb.int64), [[1, 1]], mode="REFLECT")) == [
        [1, 0, 1, 2, 1], [1, 0, 1, 2, 3, 2], [1, 0, 1, 2, 3, 4, 3]]
    assert values(lambda n: wb.math.top_k(wb.range(5), wb.cast(n, wb.int32)).values) == [[4], [4, 3], [4, 3, 2]]
    assert values(lambda n: wb.math.bincount(wb.cast(wb.range(n), wb.int32))) == [[1], [1, 1], [1, 1, 1]]
    assert values(lambda n: wb.stack([n, 2])) == [[1, 2], [2, 2], [3, 2]]
    assert values(lambda n: wb.slice(wb.range(6), [1], [n])) == [[1], [1, 2], [1, 2, 3]]


def test_traced_functions_with_open_sizes_compute_the_eager_values():
    x = wb.reshape(wb.range(15, dtype=wb.float32), [5, 3]) - 7.0
    i = wb.constant([[0, 1], [2, 0], [2, 2]])
    for fn, args in [
            (lambda x: wb.pad(x, [[1, 1], [1, 0]], mode="SYMMETRIC"), (x,)),
            (lambda x, n: wb.tile(x, [n, 2]), (x, wb.constant(2))),
            (lambda x, n: wb.math.top_k(x, n).values, (x, wb.constant(2))),
            (lambda x, n: wb.slice(x, [n, 0], [2, -1]), (x, wb.constant(1))),
            (lambda x, i: wb.gather_nd(x, i), (x, i)),
            (lambda x: wb.gather_nd(x, wb.where(x > 0)), (x,)),
            (lambda x: wb.math.cumulative_logsumexp(x), (x,))]:
        specs = [S([None] * a.ndim, a.dtype) for a in args]
        f = wb.function(fn, input_signature=specs)
        for cut in (5, 3):
            part = (args[0][:cut],) + args[1:]
            np.testing.assert_array_equal(f(*part).numpy(), fn(*part).numpy())


def test_clip_by_value_bounds_must_not_grow_the_tensor():
    # TF 2.21: ValueError "Shapes (3,) and (2, 3) are incompatible"; bounds that broadcast into t are fine
    with pytest.raises(ValueError, match=r"Shapes \(3,\) and \(2, 3\) are incompatible"):
        wb.clip_by_value(wb.range(3), wb.zeros([2, 1], wb.int32), 1)
    with pytest.raises(ValueError, match=r"Shapes \(2, 1\) and \(2, 3\) are incompatible"):
        wb.clip_by_value(wb.zeros([2, 1]), wb.zeros([3]), 1.0)
    assert wb.clip_by_value(wb.zeros([2, 3]), wb.zeros([3]), 1.0).shape == (2, 3)
    assert _traced(lambda x: wb.clip_by_value(x, wb.zeros([5, 3]), 1.0), N3) == (5, 3)


def test_more_traced_functions_with_open_sizes_compute_the_eager_values():
    rng = np.random.default_rng(5)

    def arr(*shape):
        return wb.constant(rng.normal(size=shape).astype(np.float32))
    cases = [
        (lambda x: wb.nn.conv2d(x, wb.ones([3, 3, 2, 4]), 1, "SAME"), lambda n: (arr(n, 5, 5, 2),)),
        (lambda x: wb.nn.max_pool2d(x, 2, 2, "VALID"), lambda n: (arr(n, 4, 4, 2),)),
        (lambda x, i: wb.math.segment_sum(x, i), lambda n: (arr(n, 3), wb.constant(np.arange(n) // 2, wb.int32))),
        (lambda x, i: wb.math.unsorted_segment_sum(x, i, 4), lambda n: (arr(n, 3), wb.constant(np.arange(n) % 4))),
        (lambda a, b: wb.linalg.solve(a, b), lambda n: (arr(n, 3, 3) + 4.0 * wb.eye(3), arr(n, 3, 2))),
        (lambda a: wb.linalg.slogdet(a)[1], lambda n: (arr(n, 3, 3) + 4.0 * wb.eye(3),)),
        (lambda a, b: wb.einsum("bij,bjk->bik", a, b), lambda n: (arr(n, 2, 3), arr(n, 3, 4))),
        (lambda i, u: wb.scatter_nd(i, u, [5]), lambda n: (wb.constant(np.arange(n)[:, None] % 5), arr(n))),
        (lambda x, i, u: wb.tensor_scatter_nd_add(x, i, u),
         lambda n: (arr(n, 3), wb.constant(np.arange(n)[:, None] % n), arr(n, 3))),
        (lambda x, y: wb.nn.sparse_softmax_cross_entropy_with_logits(y, x),
         lambda n: (arr(n, 3), wb.constant(np.arange(n) % 3))),
        (lambda x: wb.nn.space_to_depth(x, 2), lambda n: (arr(n, 4, 4, 2),)),
    ]
    for fn, make in cases:
        first = make(2)
        specs = [S([None] + list(a.shape[1:]), a.dtype) for a in first]
        f = wb.function(fn, input_signature=specs)
        for n in (2, 5):
            args = first if n == 2 else make(n)
            np.testing.assert_allclose(f(*args).numpy(), fn(*args).numpy(), rtol=1e-6, atol=1e-6)


def test_softmax_of_an_empty_tensor_is_empty():
    # TF 2.21: tf.nn.softmax / log_softmax of tf.zeros([0]) are empty tensors (were a NumPy reduction error)
    assert wb.nn.softmax(wb.zeros([0])).shape == (0,)
    assert wb.nn.softmax(wb.zeros([2, 0])).shape == (2, 0)
    assert wb.nn.log_softmax(wb.zeros([0])).shape == (0,) and wb.nn.log_softmax(wb.zeros([2, 0])).shape == (2, 0)
