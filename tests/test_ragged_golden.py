"""Ragged tensors against TF 2.21: values, structure, dtypes and error classes that TF 2.21 gave
for the same calls (pinned as literals; each case names what it pins)."""

import numpy as np
import pytest

import ragged
import workbench as wb

RT = wb.RaggedTensor
InvalidArgumentError = wb.errors.InvalidArgumentError


def _same(rt, rows, shape, splits_dtype=np.int64):
    assert rt.to_list() == rows
    assert tuple(rt.shape) == shape
    assert rt.row_splits.dtype == splits_dtype


# ---------------------------------------------------------------------------
# factories


@pytest.mark.parametrize("build", [
    lambda: RT.from_row_splits([1, 2, 3], [0, 2, 1, 3]),
    lambda: RT.from_row_splits([1, 2, 3], [1, 3]),
    lambda: RT.from_row_splits([1, 2, 3], [0, 2]),
    lambda: RT.from_row_lengths([1, 2, 3], [4, -1]),
    lambda: RT.from_row_lengths([1, 2, 3], [1, 1]),
    lambda: RT.from_row_starts([1, 2, 3], [1, 2]),
    lambda: RT.from_row_starts([1, 2, 3], [0, 2, 1]),
    lambda: RT.from_row_limits([1, 2, 3], [1, 2]),
    lambda: RT.from_value_rowids([3, 1, 4, 1], [0, 2, 1, 2]),
    lambda: RT.from_value_rowids([3, 1], [-1, 0]),
])
def test_invalid_partition_values_are_invalid_argument_errors(build):
    # TF 2.21: InvalidArgumentError ("Arguments to from_row_splits do not form a valid RaggedTensor")
    with pytest.raises(InvalidArgumentError):
        build()


def test_list_partition_takes_the_ragged_values_dtype():
    inner = RT.from_row_splits([1, 2, 3], wb.constant([0, 1, 3], wb.int32))
    rt = RT.from_row_splits(inner, [0, 1, 2])
    _same(rt, [[[1]], [[2, 3]]], (2, None, None), np.int32)   # TF 2.21: row_splits int32
    assert RT.from_row_lengths(inner, [2]).row_splits.dtype == np.int32


def test_uniform_row_length_zero_without_nrows():
    rt = RT.from_uniform_row_length(wb.constant([], wb.int32), 0)
    _same(rt, [], (0, 0))   # TF 2.21: <tf.RaggedTensor []>, shape (0, 0)
    with pytest.raises(ValueError):
        RT.from_uniform_row_length(wb.constant([1, 2]), 0)


def test_nested_factories_take_lists():
    assert RT.from_nested_row_splits([1, 2], []) == [1, 2]   # TF 2.21: the flat values back
    with pytest.raises(TypeError, match="must be a list of Tensors"):
        RT.from_nested_row_splits([1, 2], wb.constant([0, 2]))
    with pytest.raises(TypeError, match="must be a list of Tensors"):
        RT.from_nested_row_lengths([1, 2], wb.constant([2]))


def test_from_tensor_lengths_past_the_row_keep_the_row():
    rt = RT.from_tensor([[1, 2, 0], [3, 0, 0]], lengths=[5, 1])
    _same(rt, [[1, 2, 0], [3]], (2, None))   # TF 2.21


def test_from_tensor_checks():
    with pytest.raises(ValueError, match="ragged_rank` must be greater than 0"):   # TF 2.21's text
        RT.from_tensor([[1, 2]], ragged_rank=0)
    dense = [[[1, 0], [0, 0]], [[2, 3], [4, 0]]]
    with pytest.raises(ValueError):   # TF 2.21: "Shapes () and (2,) are incompatible"
        RT.from_tensor(dense, padding=0)
    _same(RT.from_tensor(dense, padding=[0, 0]), [[[1, 0]], [[2, 3], [4, 0]]], (2, None, 2))


# ---------------------------------------------------------------------------
# accessors and Python protocol


def test_row_lengths_axes():
    rt = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [], [7]]])
    n = rt.row_lengths(axis=0)
    assert n.numpy() == 3 and n.dtype == np.int64 and n.shape == ()   # TF 2.21: nrows
    _same(rt.row_lengths(axis=-1), [[2, 1], [], [3, 0, 1]], (3, None))
    uniform = RT.from_tensor(wb.zeros([2, 3, 4]), ragged_rank=1)
    lengths = uniform.row_lengths(axis=2)
    assert isinstance(lengths, RT)   # TF 2.21: <tf.RaggedTensor [[4, 4, 4], [4, 4, 4]]>, shape (2, 3)
    _same(lengths, [[4, 4, 4], [4, 4, 4]], (2, 3))
    assert lengths.dtype == np.int64


def test_bool_is_a_type_error():
    with pytest.raises(TypeError, match="^RaggedTensor may not be used as a boolean.$"):   # TF 2.21
        bool(ragged.constant([[1]]))


# ---------------------------------------------------------------------------
# indexing


def test_index_into_ragged_dimension_is_a_value_error():
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    for key in [(slice(None), 0), (slice(None), -1), (Ellipsis, 0), (slice(1, 3), 0)]:
        with pytest.raises(ValueError, match="^Cannot index into an inner ragged dimension.$"):   # TF 2.21
            rt[key]
    nested = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [], [7]]])
    with pytest.raises(ValueError, match="inner ragged dimension"):
        nested[:, :, 0]
    inner = ragged.constant([[[1, 2], [3, 4]], [[5, 6]], []], ragged_rank=1)
    _same(inner[:, :, 1], [[2, 4], [6], []], (3, None))   # a uniform inner dimension takes one


def test_index_uniform_row_length_dimension():
    rt = RT.from_tensor([[1, 2, 3], [4, 5, 6]])
    assert rt[:, 1].numpy().tolist() == [2, 5]   # TF 2.21
    _same(rt[:, 1:], [[2, 3], [5, 6]], (2, 2))   # TF 2.21: the slice keeps shape (2, 2)
    assert rt[::-1].shape == (2, 3) and rt[:1].shape == (1, 3)
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "Index out of bounds when indexing ..."
        rt[:, 5]


def test_list_key_is_a_tuple_of_indices():
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    assert rt[[0, 1]].numpy() == 1   # TF 2.21: rt[[0, 1]] is rt[0, 1]


# ---------------------------------------------------------------------------
# stack, concat, gather, stack_dynamic_partitions, range


def test_stack_shapes():
    a, b = ragged.constant([[1, 2], [3]]), ragged.constant([[4], []])
    _same(wb.stack([a, b], axis=1), [[[1, 2], [4]], [[3], []]], (2, None, None))   # TF 2.21: not (2, 2, None)
    _same(ragged.stack([wb.constant([1, 2]), wb.constant([3])]), [[1, 2], [3]], (2, None), np.int32)   # TF 2.21
    _same(ragged.stack([wb.constant([[1, 2]]), wb.constant([[3, 4], [5, 6]])]), [[[1, 2]], [[3, 4], [5, 6]]],
          (2, None, None))   # TF 2.21: ragged_rank 2
    c = ragged.constant([[4, 5], [6]])
    _same(wb.stack([a, c], axis=2), [[[1, 4], [2, 5]], [[3, 6]]], (2, None, 2))   # TF 2.21
    _same(wb.stack([a, c], axis=-1), [[[1, 4], [2, 5]], [[3, 6]]], (2, None, 2))
    deep = wb.stack([ragged.constant([[[1], [2]], [[3]]]), ragged.constant([[[4], [5]], [[6]]])], axis=2)
    assert deep.to_list() == [[[[1], [4]], [[2], [5]]], [[[3], [6]]]] and deep.ragged_rank == 3   # TF 2.21
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "Condition x == y did not hold."
        wb.stack([a, ragged.constant([[4], [5, 6]])], axis=2)


def test_concat_errors_and_inner_axis():
    rr2 = wb.concat([ragged.constant([[[1, 2]], [[3]]]), ragged.constant([[[4]], [[5]]])], axis=2)
    assert rr2.to_list() == [[[1, 2, 4]], [[3, 5]]]   # TF 2.21
    with pytest.raises(InvalidArgumentError, match="identical ragged splits"):   # TF 2.21's text
        wb.concat([ragged.constant([[[1, 2]], [[3]]]), ragged.constant([[[4]], []])], axis=2)
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "... have incompatible shapes."
        wb.concat([ragged.constant([[1, 2], [3]]), ragged.constant([[4]])], axis=1)


def test_gather_2d_indices_shape():
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    _same(wb.gather(rt, [[2, 0], [1, 3]]), [[[5, 9, 2], [3, 1, 4, 1]], [[], [6]]], (2, None, None))   # TF 2.21


def test_gather_within_rows():
    rt = ragged.constant([[1, 2, 3], [4, 5], [6, 7, 8, 9]])
    out = wb.gather(rt, [0, 1], axis=1)
    assert isinstance(out, wb.Tensor) and out.numpy().tolist() == [[1, 2], [4, 5], [6, 7]]   # TF 2.21
    assert wb.gather(rt, [[0, 1], [1, 1]], axis=1).numpy().tolist() == [[[1, 2], [2, 2]], [[4, 5], [5, 5]],
                                                                       [[6, 7], [7, 7]]]
    assert wb.gather(rt, [[0, 1], [1, 0], [0, 0]], batch_dims=1).numpy().tolist() == [[1, 2], [5, 4], [6, 6]]
    assert wb.gather(rt, [1, 0, 2], batch_dims=1).numpy().tolist() == [2, 4, 8]
    _same(wb.gather(rt, ragged.constant([[0, 2], [1], []]), batch_dims=1), [[1, 3], [5], []], (3, None))
    assert wb.gather(rt, ragged.constant([[[0, 2], [1]], [], [[3]]]), batch_dims=1).to_list() == \
        [[[1, 3], [2]], [], [[9]]]
    nested = ragged.constant([[[1, 2], [3]], [[4]]])
    assert wb.gather(nested, [[0], [0]], batch_dims=1).to_list() == [[[1, 2]], [[4]]]
    assert wb.gather(nested, ragged.constant([[1, 0], []]), batch_dims=1).to_list() == [[[3], [1, 2]], []]


def test_stack_dynamic_partitions_splits_dtype():
    out = ragged.stack_dynamic_partitions(["a", "b", "c", "d", "e"], [3, 0, 2, 2, 3], 5)
    _same(out, [[b"b"], [], [b"c", b"d"], [b"a", b"e"], []], (5, None), np.int32)   # TF 2.21: the partitions' int32
    out = ragged.stack_dynamic_partitions([1, 2, 3], wb.constant([0, 1, 0], wb.int64), 2)
    _same(out, [[1, 3], [2]], (2, None), np.int64)
    out = ragged.stack_dynamic_partitions(ragged.constant([[1], [2, 3], [4]]), [0, 1, 0], 2)
    _same(out, [[[1], [4]], [[2, 3]]], (2, None, None), np.int64)   # TF 2.21: the data's splits dtype


def test_range_zero_delta_is_invalid_argument():
    with pytest.raises(InvalidArgumentError, match="Requires delta != 0"):   # TF 2.21's text
        ragged.range([3], [5], [0])


# ---------------------------------------------------------------------------
# elementwise ops and reductions


def test_elementwise_dtype_mix_is_invalid_argument():
    ri = ragged.constant([[1, 2], [3]])
    # TF 2.21: "cannot compute AddV2 as input #1(zero-based) was expected to be a int32 tensor but is a float
    # tensor" (an InvalidArgumentError) for each of these
    for f in [lambda: ri + 1.5, lambda: ri + 1.0, lambda: 1.5 + ri, lambda: ri + wb.constant(1, wb.int64),
              lambda: ri * [[1.5], [2.0]], lambda: wb.maximum(ri, 1.5), lambda: ri < 1.5,
              lambda: ri + ragged.constant([[1.0, 2.0], [3.0]])]:
        with pytest.raises(InvalidArgumentError):
            f()
    assert (ri + True).to_list() == [[2, 3], [4]]   # TF 2.21: int32
    rf = ragged.constant([[1.0, 2.0], [3.0]])
    assert (rf + 1).to_list() == [[2.0, 3.0], [4.0]] and (rf + 1).dtype == wb.float32


def test_elementwise_rank_mismatch_is_invalid_argument():
    rt = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [], [7]]])
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "Condition x == y did not hold."
        rt + ragged.constant([[1, 2], [], [3, 4, 5]])


@pytest.mark.parametrize("name", ["reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "reduce_mean"])
def test_reductions_refuse_bool_and_string(name):
    for rt in [ragged.constant([[True, False], []]), ragged.constant([["a", "b"], []])]:
        for axis in [1, None]:
            # TF 2.21: "Value for attr 'T' of bool is not in the list of allowed values: ..."
            with pytest.raises(InvalidArgumentError, match="Value for attr 'T' of (bool|string)"):
                getattr(wb, name)(rt, axis=axis)


def test_reduce_all_any_of_bools_and_ints():
    rb = ragged.constant([[True, False], []])
    assert wb.reduce_all(rb, axis=1).numpy().tolist() == [False, True]   # TF 2.21
    assert wb.reduce_any(rb, axis=1).numpy().tolist() == [True, False]
    assert wb.reduce_all(ragged.constant([[1, 2], [3]]), axis=1).numpy().tolist() == [True, True]


def test_reduce_logsumexp_over_every_axis():
    rt = ragged.constant([[1.0, 2.0, 3.0], [], [4.0, 5.0], [6.0]])
    out = wb.reduce_logsumexp(rt, axis=[0, 1])
    assert out.shape == () and abs(float(out) - 6.456193447113037) < 1e-6   # TF 2.21
    keep = wb.reduce_logsumexp(ragged.constant([[1.0, 2.0], [3.0]]), axis=[0, 1], keepdims=True)
    assert keep.shape == (1, 1) and np.allclose(keep.numpy(), [[3.4076059]])   # TF 2.21


def test_dense_operand_of_higher_rank_broadcasts():
    rt = ragged.constant([[1, 2], [3]])
    out = rt + wb.constant([[[1], [2]]])
    _same(out, [[[2, 3], [5]]], (1, 2, None))   # TF 2.21: ragged_rank 2, shape (1, 2, None)
    assert out.ragged_rank == 2
    _same(rt + [[[1], [2]], [[3], [4]]], [[[2, 3], [5]], [[4, 5], [7]]], (2, 2, None))


def test_to_tensor_shape_of_another_rank():
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "rt_input.shape and shape=[3] are incompatible"
        ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []]).to_tensor(shape=[3])


# ---------------------------------------------------------------------------
# RaggedTensorSpec and map_fn


def test_spec_row_splits_dtype_and_flat_values_spec():
    spec = wb.RaggedTensorSpec([2, None, 3], wb.float32, 1)
    assert isinstance(spec.row_splits_dtype, type(wb.int64)) and spec.row_splits_dtype == wb.int64   # a DType
    assert spec.flat_values_spec is None
    flat = wb.TensorSpec([None, 3], wb.float32)
    spec = wb.RaggedTensorSpec([2, None, 3], wb.float32, 1, flat_values_spec=flat)
    assert spec.flat_values_spec is flat
    # TF 2.21: RaggedTensorSpec(TensorShape([2, None, 3]), tf.float32, 1, tf.int64,
    #          TensorSpec(shape=(None, 3), dtype=tf.float32, name=None))
    assert repr(spec) == ("RaggedTensorSpec(TensorShape([2, None, 3]), wb.float32, 1, wb.int64, "
                          "TensorSpec(shape=(None, 3), dtype=wb.float32, name=None))")


def test_map_fn_ragged_result_takes_the_spec_splits_dtype():
    out = wb.map_fn(lambda x: wb.range(x), wb.constant([3, 0, 2]),
                    fn_output_signature=wb.RaggedTensorSpec(shape=[None], dtype=wb.int32, row_splits_dtype=wb.int32))
    _same(out, [[0, 1, 2], [], [0, 1]], (3, None), np.int32)   # TF 2.21


# ---------------------------------------------------------------------------
# ops TF dispatches to the flat values


DIGITS = [[3, 1, 4, 1], [], [5, 9, 2], [6], []]
VALS = [[0.5, 1.5, -2.0], [], [4.0, 0.25], [6.0]]


def test_one_hot_of_ragged_indices():
    rt = ragged.constant(DIGITS)
    out = wb.one_hot(rt, 3, axis=-1, on_value=5, off_value=0)
    # TF 2.21: shape (5, None, 3), int32
    _same(out, [[[0, 0, 0], [0, 5, 0], [0, 0, 0], [0, 5, 0]], [], [[0, 0, 0], [0, 0, 0], [0, 0, 5]], [[0, 0, 0]], []],
          (5, None, 3))
    assert out.dtype == wb.int32
    assert wb.one_hot(rt, 10).shape == (5, None, 10) and wb.one_hot(rt, 10).dtype == wb.float32


def test_value_wise_ops_keep_the_partition():
    rt = ragged.constant(DIGITS)
    sat = wb.saturate_cast(rt * 100, wb.int8)
    assert sat.to_list() == [[127, 100, 127, 100], [], [127, 127, 127], [127], []] and sat.dtype == wb.int8   # TF 2.21
    bits = wb.bitcast(rt, wb.float32)
    assert np.allclose(bits.flat_values.numpy(), np.array([3, 1, 4, 1, 5, 9, 2, 6], np.int32).view(np.float32))
    rf = ragged.constant(VALS)
    assert np.allclose(wb.math.reciprocal_no_nan(rf).flat_values.numpy(),
                       [2.0, 0.6666666865348816, -0.5, 0.25, 4.0, 0.1666666716337204])   # TF 2.21
    assert np.allclose(wb.math.angle(rf).flat_values.numpy(), [0, 0, 3.1415927410125732, 0, 0, 0])
    assert wb.math.scalar_mul(2.0, rf).to_list() == [[1.0, 3.0, -4.0], [], [8.0, 0.5], [12.0]]
    after = wb.math.nextafter(wb.abs(rf) + 0.5, 2.0)
    assert after.flat_values.numpy().tolist() == np.float32(
        [1.0000001192092896, 2.0, 2.499999761581421, 4.499999523162842, 0.7500000596046448,
         6.499999523162842]).tolist()   # TF 2.21
    assert wb.nn.dropout(rf, 0.0).to_list() == VALS
    assert wb.debugging.check_numerics(rf, "msg").to_list() == VALS


def test_reshape_and_broadcast_to():
    rt = ragged.constant(DIGITS)
    out = wb.reshape(rt, [2, 4])
    assert isinstance(out, wb.Tensor) and out.numpy().tolist() == [[3, 1, 4, 1], [5, 9, 2, 6]]   # TF 2.21
    assert wb.reshape(rt, [-1]).numpy().tolist() == [3, 1, 4, 1, 5, 9, 2, 6]
    ones = wb.broadcast_to(wb.constant(1), wb.shape(rt))
    _same(ones, [[1, 1, 1, 1], [], [1, 1, 1], [1], []], (5, None), np.int32)   # TF 2.21: int32 splits of tf.shape
    with pytest.raises(ValueError, match="Cannot coerce row_splits.dtype"):   # TF 2.21's text
        wb.broadcast_to(rt, wb.shape(rt))


# ---------------------------------------------------------------------------
# uniform row lengths, cumsum, segment ids, constant


def _uniform_rr2():
    return RT.from_tensor(wb.reshape(wb.range(24), [2, 3, 4]), ragged_rank=2)


def test_uniform_rows_through_index_concat_squeeze():
    rt = _uniform_rr2()
    _same(rt[:, 1], [[4, 5, 6, 7], [16, 17, 18, 19]], (2, 4))   # TF 2.21: shape (2, 4)
    assert wb.concat([rt, rt], axis=2).shape == (2, None, None)   # TF 2.21: the 3 is not kept
    assert wb.concat([rt, rt], axis=1).shape == (2, None, None)   # TF 2.21
    sq = wb.squeeze(RT.from_tensor(wb.reshape(wb.range(6), [2, 1, 3]), ragged_rank=2), axis=1)
    _same(sq, [[0, 1, 2], [3, 4, 5]], (2, None))   # TF 2.21: shape (2, None)


def test_cumsum_along_outer_axes():
    rt = ragged.constant(DIGITS)
    assert wb.math.cumsum(rt, axis=0).to_list() == [[3, 1, 4, 1], [], [8, 10, 6], [14], []]   # TF 2.21
    assert wb.math.cumsum(rt, axis=0, exclusive=True).to_list() == [[0, 0, 0, 0], [], [3, 1, 4], [8], []]
    assert wb.math.cumsum(rt, axis=0, reverse=True).to_list() == [[14, 10, 6, 1], [], [11, 9, 2], [6], []]
    nested = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [], [7]]])
    assert wb.math.cumsum(nested, axis=0).to_list() == [[[1, 2], [3]], [], [[5, 7, 6], [], [7]]]
    assert wb.math.cumsum(nested, axis=1).to_list() == [[[1, 2], [4]], [], [[4, 5, 6], [], [11]]]
    inner = ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1)
    assert wb.math.cumsum(inner, axis=0).to_list() == [[[1, 2], [3, 4]], [[6, 8]]]


def test_cumsum_along_rows_gradient():
    from gradients import check_gradients

    def f(v):
        return wb.math.cumsum(RT.from_row_lengths(v, [2, 0, 3, 1]), axis=0).flat_values * np.arange(1.0, 7.0)
    check_gradients(f, [np.linspace(0.5, 1.5, 6)], order=1)


def test_segment_id_conversions_keep_int32():
    out = ragged.segment_ids_to_row_splits(wb.constant([0, 0, 1], wb.int32))
    assert out.numpy().tolist() == [0, 2, 3] and out.dtype == wb.int32   # TF 2.21
    assert ragged.segment_ids_to_row_splits([0, 0, 1]).dtype == wb.int64
    ids = ragged.row_splits_to_segment_ids(wb.constant([0, 2, 3], wb.int32))
    assert ids.numpy().tolist() == [0, 0, 1] and ids.dtype == wb.int32   # TF 2.21
    assert ragged.row_splits_to_segment_ids([0, 2, 3]).dtype == wb.int64


def test_constant_strings_with_a_numeric_dtype():
    with pytest.raises(TypeError):   # TF 2.21: "Cannot convert ['a', 'b'] to EagerTensor of dtype int32"
        ragged.constant([["a"], ["b"]], dtype=wb.int32)


def test_index_errors_are_invalid_argument():
    rt = ragged.constant(DIGITS)
    for f in [lambda: rt[::0], lambda: rt[:, ::0], lambda: rt[1:, 0:1, 0]]:
        with pytest.raises(InvalidArgumentError):   # TF 2.21: its StridedSlice kernel's errors
            f()


def test_error_classes_of_array_ops():
    rt = ragged.constant(DIGITS)
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "Input tensors at index 0 (=x) and 1 (=y) have ..."
        wb.stack([rt, ragged.constant([[1]])], axis=1)
    with pytest.raises(InvalidArgumentError, match="'repeats' must be non-negative"):   # TF 2.21's words
        wb.tile(rt, [1, -1])
    with pytest.raises(InvalidArgumentError, match="not squeezable"):   # TF 2.21's words
        wb.squeeze(rt, axis=0)
    with pytest.raises(InvalidArgumentError, match="Tindices"):   # TF 2.21's words
        wb.gather(rt, [0.5])
    with pytest.raises(ValueError, match="Tensor conversion requested dtype bool"):   # TF 2.21's words
        ragged.boolean_mask(rt, wb.ones_like(rt))
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "Incompatible shapes: [2] vs. [6]"
        wb.boolean_mask(rt, [[True]])
    with pytest.raises(ValueError):   # TF 2.21: "Shape () must have rank at least 1"
        rt.with_values(5)


def test_constructor_is_private():
    with pytest.raises(ValueError, match="^RaggedTensor constructor is private"):   # TF 2.21's text
        RT(values=[1], row_partition=None)


def test_activations_of_ragged_values():
    rf = ragged.constant(VALS)
    cases = [(wb.nn.gelu, [0.3457312285900116, 1.3997892141342163, -0.0455002635717392, 3.999873399734497,
                           0.14967657625675201, 6.0]),
             (wb.nn.silu, [0.3112296760082245, 1.2263617515563965, -0.23840583860874176, 3.9280550479888916,
                           0.140544131398201, 5.985164165496826]),
             (wb.nn.leaky_relu, [0.5, 1.5, -0.4000000059604645, 4.0, 0.25, 6.0])]
    for fn, want in cases:   # TF 2.21's values
        out = fn(rf)
        assert isinstance(out, RT) and out.row_splits.numpy().tolist() == [0, 3, 3, 5, 6]
        assert np.allclose(out.flat_values.numpy(), want, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------
# int32 row partitions


def test_int32_partitions_through_reductions_and_map_fn():
    rt = ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [], [7]]], row_splits_dtype=wb.int32)
    for axis, rows in [(2, [[3, 3], [], [15, 0, 7]]), (1, [[4, 2], [], [11, 5, 6]]), (0, [[5, 7, 6], [3], [7]])]:
        _same(wb.reduce_sum(rt, axis=axis), rows, (3, None), np.int32)   # TF 2.21: int32 row splits kept
    rf = ragged.constant([[1.0, 2.0, 3.0], [], [4.0, 5.0], [6.0]], row_splits_dtype=wb.int32)
    _same(wb.map_fn(lambda r: r * 2.0, rf), [[2.0, 4.0, 6.0], [], [8.0, 10.0], [12.0]], (4, None), np.int32)
    with pytest.raises(ValueError, match="mismatched row partition dtypes"):   # TF 2.21's text
        ragged.map_flat_values(wb.add, rf, ragged.constant([[1.0, 2.0, 3.0], [], [4.0, 5.0], [6.0]]))


def test_boolean_mask_vector_of_another_length():
    with pytest.raises(ValueError) as info:   # TF 2.21: "Shapes (5,) and (2,) are incompatible", a ValueError
        ragged.boolean_mask(ragged.constant(DIGITS), [True, False])
    assert not isinstance(info.value, InvalidArgumentError)


def test_ragged_rank_0_spec_takes_dense_values():
    spec = wb.RaggedTensorSpec([None, 2], wb.int32, ragged_rank=0)
    # TF 2.21: True, False, False, False, True
    assert spec.is_compatible_with(wb.constant([[1, 2]]))
    assert not spec.is_compatible_with(wb.constant([[1.0, 2.0]]))
    assert not spec.is_compatible_with(wb.constant([[1, 2, 3]]))
    assert not spec.is_compatible_with(ragged.constant([[1, 2]]))
    assert spec.is_compatible_with(wb.TensorSpec([None, 2], wb.int32))


def _ri():
    return ragged.constant([[[1.0, 2.0], [3.0, 4.0]], [], [[5.0, 6.0]]], ragged_rank=1)


def test_mean_drops_uniform_row_lengths():
    ru = RT.from_tensor(wb.reshape(wb.range(12.0), [2, 3, 2]), ragged_rank=2)
    _same(wb.reduce_mean(ru, axis=2), [[0.5, 2.5, 4.5], [6.5, 8.5, 10.5]], (2, None))   # TF 2.21: (2, None)
    assert wb.reduce_sum(ru, axis=2).shape == (2, 3)   # TF 2.21: a sum keeps it
    r2 = ragged.constant([[[1.0, 2.0], [3.0]], [], [[4.0], [5.0, 6.0], []]])
    _same(wb.reduce_mean(r2, axis=0, keepdims=True), [[[2.5, 2.0], [4.0, 6.0], []]], (1, None, None))


def test_keepdims_over_every_axis():
    out = wb.reduce_sum(_ri(), keepdims=True)
    assert out.shape == (1, 1, 1, 1) and float(out.numpy().ravel()[0]) == 21.0   # TF 2.21: rank 4 for axis=None
    assert wb.reduce_sum(_ri(), axis=[0, 1, 2], keepdims=True).shape == (1, 1, 1)   # TF 2.21: rank 3
    lse = wb.reduce_logsumexp(_ri(), keepdims=True)
    assert lse.shape == (1, 1, 1, 1, 1) and np.isclose(float(lse.numpy().ravel()[0]), 6.456193447113037)   # TF 2.21
    assert wb.reduce_logsumexp(_ri(), axis=[0, 1, 2], keepdims=True).shape == (1, 1, 1)


def test_logsumexp_as_tf_computes_it():
    r2 = ragged.constant([[[1.0, 2.0], [3.0]], [], [[4.0], [5.0, 6.0], []]])
    out = wb.reduce_logsumexp(r2, axis=[1, 2])   # TF 2.21: a dense maximum, so a value
    assert np.allclose(out.numpy(), [3.4076058864593506, -np.inf, 6.40760612487793], rtol=1e-6)
    assert np.allclose(wb.reduce_logsumexp(_ri(), axis=[0, 1]).numpy(), [5.1429314613342285, 6.1429314613342285])
    with pytest.raises(ValueError):   # TF 2.21: "TypeError: object of type 'RaggedTensor' has no len()"
        wb.reduce_logsumexp(r2, axis=1)
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "Condition x == y did not hold."
        wb.reduce_logsumexp(r2, axis=[0, 2])


def test_results_built_from_splits_have_no_uniform_lengths():
    ru = RT.from_tensor(wb.reshape(wb.range(12), [2, 3, 2]), ragged_rank=2)
    ru1 = RT.from_tensor(wb.reshape(wb.range(12), [2, 3, 2]), ragged_rank=1)
    # TF 2.21's shapes
    assert wb.stack([ru, ru], axis=-1).shape == (2, None, None, 2)
    assert wb.tile(ru, [1, 1, 2]).shape == (2, None, None)
    assert wb.tile(ru1, [1, 1, 2]).shape == (2, None, 4)
    assert ragged.boolean_mask(ru, ru > 2).shape == (2, None, None)
    assert ragged.boolean_mask(ru1, ru1 > 2).shape == (2, None, None)
    assert wb.concat([ru1, ru1], axis=2).shape == (2, None, 4)
    assert wb.stack([ru1, ru1], axis=2).shape == (2, None, 2, 2)
    assert wb.reverse(ru, [0]).shape == (2, 3, None) and wb.expand_dims(ru, 1).shape == (2, 1, 3, 2)


def test_factory_argument_checks():
    with pytest.raises(ValueError, match="must have dtype int32 or int64"):   # TF 2.21's words
        RT.from_row_splits([1, 2, 3, 4, 5, 6], wb.constant([0, 6], wb.uint8))
    with pytest.raises(ValueError):   # TF 2.21: "Shape (1, 2) must have rank 1", validate=False too
        RT.from_row_splits([1, 2, 3, 4, 5, 6], [[0, 6]], validate=False)
    with pytest.raises(ValueError, match="`nested_nrows` must have the same length"):   # TF 2.21's text
        RT.from_nested_value_rowids([1, 2, 3, 4], [[0, 2], [0, 0, 1, 1]], [4])
    t = wb.reshape(wb.range(24.0), (2, 3, 4))
    with pytest.raises(ValueError, match=r"Shapes \(2, 3, 4\) and \(2, 2, 3\) are incompatible"):   # TF 2.21
        RT.from_tensor(t, lengths=([2, 1], [1, 0, 3]))
    assert RT.from_tensor(t, lengths=([1, 3], [1, 2, 3, 4])).to_list() == [
        [[0.0]], [[12.0, 13.0], [16.0, 17.0, 18.0], [20.0, 21.0, 22.0, 23.0]]]   # TF 2.21


@pytest.mark.parametrize("build", [
    lambda: RT.from_row_splits([1.0, 2.0, 3.0], [0.0, 1.0, 3.0]),
    lambda: RT.from_row_splits([1.0, 2.0, 3.0], ["0", "1", "3"]),
    lambda: RT.from_row_splits([1.0, 2.0, 3.0], wb.constant([0.0, 1.0, 3.0])),
    lambda: RT.from_row_lengths([1.0, 2.0, 3.0], [1.5, 1.5]),
    lambda: RT.from_value_rowids([1.0, 2.0, 3.0], [0.0, 1, 1]),
    lambda: RT.from_uniform_row_length([1.0, 2.0, 3.0], 1.5),
])
def test_partitions_of_other_dtypes_are_value_errors(build):
    with pytest.raises(ValueError):   # TF 2.21: "row_splits must have dtype int32 or int64" (a ValueError)
        build()


def test_from_tensor_float_lengths_is_a_type_error():
    with pytest.raises(TypeError):   # TF 2.21: "Argument `tensor` (name: lengths) must be of type integer."
        RT.from_tensor([[1.0, 2.0], [3.0, 4.0]], lengths=[1.5, 2])


def test_counts_of_the_other_index_dtype():
    ids32 = wb.constant([0, 0, 0, 1, 1, 1], wb.int32)
    with pytest.raises(ValueError, match="requested dtype int32"):   # TF 2.21's words
        RT.from_value_rowids([1, 2, 3, 4, 5, 6], ids32, nrows=wb.constant(4, wb.int64))
    _same(RT.from_value_rowids([1, 2, 3, 4, 5, 6], ids32, nrows=wb.constant(4, wb.int32)),
          [[1, 2, 3], [4, 5, 6], [], []], (4, None), np.int32)
    inner = ragged.constant([[1], [2], [3], [4]], row_splits_dtype=wb.int32)
    with pytest.raises(ValueError, match="requested dtype int32"):
        RT.from_uniform_row_length(inner, wb.constant(2, wb.int64))
    with pytest.raises(InvalidArgumentError):   # TF 2.21: its StridedSlice error for scalar values
        RT.from_row_splits(5, [0, 1])


def test_constant_mixed_bools_and_numbers():
    # TF 2.21 reads the dtype off the first value: numbers after a bool are refused, a bool after a number is one
    for rows in [[[True, 1.5]], [[True, False], [1]], [[True], [2.5]]]:
        with pytest.raises(ValueError, match="^Can't convert Python sequence with mixed types to Tensor.$"):
            ragged.constant(rows)
    assert ragged.constant([[1, True]]).to_list() == [[1, 1]]
    out = ragged.constant([[1, 2.5], [True]])
    assert out.to_list() == [[1.0, 2.5], [1.0]] and out.dtype == wb.float32
    with pytest.raises(TypeError, match="dtype bool"):   # TF 2.21: "Cannot convert [1, 0, 1] to EagerTensor of dtype bool"
        ragged.constant([[1, 0], [1]], dtype=wb.bool)


def test_row_splits_dtype_of_kernels_is_invalid_argument():
    for f in [lambda: RT.from_tensor([[1, 2], [3, 0]], padding=0, row_splits_dtype="float32"),
              lambda: ragged.range([2, 1], row_splits_dtype=wb.uint8)]:
        with pytest.raises(InvalidArgumentError):   # TF 2.21: "Value for attr 'Tsplits' of float is not in ..."
            f()
    with pytest.raises(ValueError):
        ragged.constant([[1, 2], [3]], row_splits_dtype="float32")


def test_bool_index_is_a_scalar_mask():
    rt = ragged.constant([[1, 2, 3], [], [4, 5], [6]])
    for key in [True, wb.constant(True), [True, False]]:
        with pytest.raises(ValueError, match="^mask cannot be scalar.$"):   # TF 2.21's text
            rt[key]


def test_no_len_and_no_dense_conversion():
    rt = ragged.constant([[1, 2], [3]])
    with pytest.raises(TypeError):   # TF 2.21: "object of type 'RaggedTensor' has no len()"
        len(rt)
    with pytest.raises(ValueError, match="has no len"):   # TF 2.21: "TypeError: object of type 'RaggedTensor' has no len()"
        wb.convert_to_tensor(rt)
    held = np.asarray(rt)   # TF 2.21: a 0-d object array holding the RaggedTensor
    assert held.shape == () and held.dtype == object and held[()] is rt
    assert [r.numpy().tolist() for r in rt] == [[1, 2], [3]] and int(rt.nrows()) == 2


def test_softmax_over_other_axes_as_tf():
    ri = _ri()
    out = wb.nn.softmax(ri, axis=1)   # TF 2.21: exp over the kept sum of exps, broadcast back
    assert out.shape == (3, None, 2)
    assert np.allclose(out.flat_values.numpy(), [[0.11920291930437088] * 2, [0.8807970285415649] * 2, [1.0, 1.0]])
    r2b = ragged.constant([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]])
    assert np.allclose(wb.nn.softmax(r2b, axis=1).flat_values.numpy(),
                       [0.11920291930437088, 0.11920291930437088, 0.8807970285415649, 0.8807970285415649, 1.0, 1.0])
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "Condition x == y did not hold."
        wb.nn.softmax(ragged.constant([[1.0, 2.0, 3.0], [], [4.0, 5.0]]), axis=0)
    with pytest.raises(ValueError, match=r"axis=2 out of bounds: expected -2<=axis<2"):   # TF 2.21's text
        wb.nn.softmax(ragged.constant([[1.0, 2.0, 3.0], [], [4.0, 5.0]]), axis=2)


def test_reduce_all_of_strings_is_unimplemented():
    with pytest.raises(wb.errors.UnimplementedError):   # TF 2.21: "Cast string to bool is not supported"
        wb.reduce_all(ragged.constant([["a", "b"], []]), axis=1)


def test_to_tensor_shape_checks():
    rt = ragged.constant([[1, 2, 3], [], [4, 5]])
    with pytest.raises(ValueError, match="Dimension -1 must be >= 0"):   # TF 2.21's words
        rt.to_tensor(shape=[-1, 5])
    assert rt.to_tensor(shape=[None, 5]).shape == (3, 5)
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "rt_input.shape and shape=[3,2,3] are incompatible"
        _ri().to_tensor(shape=[3, 2, 3])


def test_where_checks_and_shapes():
    cond = ragged.constant([[True, False, True], [], [False, True]])
    x = ragged.constant([[1, 2, 3], [], [4, 5]])
    out = wb.where(cond, x, wb.constant([[[10]]]))
    _same(out, [[[1, 10, 3], [], [10, 5]]], (1, None, None))   # TF 2.21: (1, None, None)
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "cannot compute SelectV2 ... expected to be a bool tensor"
        wb.where(x, x, x)


def test_concat_and_stack_of_mixed_ragged_ranks_and_dtypes():
    r2 = ragged.constant([[[1], [2, 3]], [[4]]])
    ri = ragged.constant([[[1, 2]], [[3, 4], [5, 6]]], ragged_rank=1)
    _same(wb.concat([r2, ri], axis=0), [[[1], [2, 3]], [[4]], [[1, 2]], [[3, 4], [5, 6]]], (4, None, None))   # TF 2.21
    _same(wb.concat([r2, ri], axis=1), [[[1], [2, 3], [1, 2]], [[4], [3, 4], [5, 6]]], (2, None, None))
    assert wb.stack([r2, ri], axis=1).to_list() == [[[[1], [2, 3]], [[1, 2]]], [[[4]], [[3, 4], [5, 6]]]]
    for f in (wb.concat, wb.stack):
        with pytest.raises(InvalidArgumentError, match="cannot compute ConcatV2"):   # TF 2.21's words
            f([ragged.constant([[1]]), ragged.constant([[1.0]])], axis=0)


def test_ragged_stack_of_dense_inputs():
    c = wb.constant
    out = ragged.stack([c([1, 2]), c([3, 4])], axis=1)   # TF 2.21: a dense stack off axis 0
    assert isinstance(out, wb.Tensor) and out.numpy().tolist() == [[1, 3], [2, 4]]
    assert ragged.stack([c(1), c(2)]).numpy().tolist() == [1, 2]
    _same(ragged.stack([c([1, 2]), c([3, 4])]), [[1, 2], [3, 4]], (2, None), np.int32)
    _same(ragged.stack([c([[1, 2]]), c([[3, 4]])]), [[[1, 2]], [[3, 4]]], (2, None, None))


def test_gather_nd_argument_errors():
    rt = ragged.constant([[1, 2, 3], [], [4, 5], [6]])
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "index innermost dimension length must be <= params rank"
        wb.gather_nd(rt, [[0, 0, 0]])
    with pytest.raises(ValueError, match="The innermost dimension of indices may not be ragged"):   # TF 2.21's text
        wb.gather_nd(rt, ragged.constant([[[0], [1]], [[2]]]))


def test_tile_reverse_squeeze_argument_errors():
    r1, r2 = ragged.constant([[1, 2, 3], [], [4, 5]]), ragged.constant([[[1], [2, 3]], [], [[4]]])
    ri = ragged.constant([[[1, 2]], [], [[3, 4], [5, 6]]], ragged_rank=1)
    with pytest.raises(IndexError):   # TF 2.21: "index 2 is out of bounds for axis 0 with size 2"
        wb.tile(r2, [1, 1])
    for rt, m in [(ri, [1, 1]), (r1, [1, 1, 2])]:
        with pytest.raises(InvalidArgumentError):   # TF 2.21: "Expected multiples argument to be a vector of length"
            wb.tile(rt, m)
    assert wb.reverse(r1, [0, 0]).to_list() == [[4, 5], [], [1, 2, 3]]   # TF 2.21: a repeated axis reverses once
    with pytest.raises(InvalidArgumentError, match="Can not squeeze dim"):   # TF 2.21's words
        wb.squeeze(wb.expand_dims(ri, -1), axis=2)
