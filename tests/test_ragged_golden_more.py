"""Ragged tensors against TF 2.21, a second sweep: values, shapes, dtypes and error classes that
TF 2.21 gave for the same calls, pinned as literals (each case names what it pins)."""

import math

import numpy as np
import pytest

import ragged
import workbench as wb

RT = wb.RaggedTensor
InvalidArgumentError = wb.errors.InvalidArgumentError


def _same(rt, rows, shape, dtype=None, splits_dtype=np.int64):
    assert isinstance(rt, RT)
    assert rt.to_list() == rows
    assert tuple(rt.shape) == shape
    assert rt.row_splits.dtype == splits_dtype
    if dtype is not None:
        assert rt.dtype == dtype


# ---------------------------------------------------------------------------
# factories


def test_constant_with_inner_shape_and_no_ragged_dimension():
    # TF 2.21: tf.constant(pylist, shape=inner_shape), so the element counts must agree
    empty = ragged.constant([], inner_shape=(0,))
    assert not isinstance(empty, RT) and empty.shape == (0,) and empty.dtype == np.float32
    assert ragged.constant([[1, 2], [3, 4]], inner_shape=(4,)).numpy().tolist() == [1, 2, 3, 4]
    for pylist, inner in [([1, 2, 3, 4], (2,)), ([], (2,)), ([[]], (2,))]:
        with pytest.raises(TypeError):   # "... has 4 elements, but got `shape` (2,) with 2 elements)"
            ragged.constant(pylist, inner_shape=inner)
    _same(ragged.constant([[], [[1, 2]]], inner_shape=(2,)), [[], [[1, 2]]], (2, None, 2))


def test_from_row_starts_with_no_starts_has_no_rows():
    rt = RT.from_row_starts([1, 2, 3, 4], [])
    _same(rt, [], (0, None))   # TF 2.21: <tf.RaggedTensor []>
    assert rt.flat_values.numpy().tolist() == [1, 2, 3, 4]
    with pytest.raises(ValueError):   # TF 2.21: "Shape (1, 1) must have rank 1"
        RT.from_row_starts([1, 2, 3, 4], [[0]])
    with pytest.raises(InvalidArgumentError):
        RT.from_row_starts([1, 2, 3, 4], [1])


def test_range_argument_shapes():
    # TF 2.21: its RaggedRange kernel's InvalidArgumentError
    for args in [([1, 2], [3]), ([1, 2], [3, 4], [1, 1, 1]), ([[1]],)]:
        with pytest.raises(InvalidArgumentError):
            ragged.range(*args)
    _same(ragged.range(3, [4, 5]), [[3], [3, 4]], (2, None), np.int32)   # a scalar broadcasts
    for dtype in (wb.string, wb.bool):
        with pytest.raises(TypeError):   # TF 2.21: "Cannot convert 0 to EagerTensor of dtype string"
            ragged.range([1, 2], dtype=dtype)


# ---------------------------------------------------------------------------
# conversions


def test_to_tensor_with_a_nan_default():
    rt = RT.from_row_lengths([3.0, 1.0, 4.0], [2, 0, 1])
    out = rt.to_tensor(default_value=float("nan")).numpy()
    # TF 2.21: [[ 3.  1.] [nan nan] [ 4. nan]]
    assert out[0].tolist() == [3.0, 1.0] and out[2, 0] == 4.0
    assert np.isnan(out[1]).all() and np.isnan(out[2, 1])
    inf = rt.to_tensor(default_value=float("inf")).numpy()
    assert inf.tolist() == [[3.0, 1.0], [math.inf, math.inf], [4.0, math.inf]]


def test_to_tensor_default_value_gradient():
    v, d = wb.constant([1.0, 2.0, 3.0]), wb.constant(5.0)
    with wb.GradientTape() as tape:
        tape.watch([v, d])
        dense = RT.from_row_lengths(v, [2, 0, 1]).to_tensor(default_value=d)
        y = wb.reduce_sum(dense * wb.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    gv, gd = tape.gradient(y, [v, d])
    assert wb.convert_to_tensor(gv).numpy().tolist() == [1.0, 2.0, 5.0]   # TF 2.21 (as IndexedSlices)
    assert gd.numpy() == 13.0


def test_bounding_shape_axis():
    rt = ragged.constant([[1, 2], [3]])
    out = rt.bounding_shape(axis=1)
    assert out.numpy() == 2 and out.dtype == np.int64   # TF 2.21
    with pytest.raises(InvalidArgumentError):   # TF 2.21: GatherV2's "indices = 5 is not in [0, 2)"
        rt.bounding_shape(axis=5)


# ---------------------------------------------------------------------------
# gather


def test_gather_along_a_deeper_axis():
    uniform = ragged.constant([[[1, 2, 3], [4, 5, 6]], [[5, 6, 7]]], ragged_rank=1)
    _same(wb.gather(uniform, [2, 0], axis=2), [[[3, 1], [6, 4]], [[7, 5]]], (2, None, 2))   # TF 2.21
    _same(wb.gather(uniform, [[2], [0]], axis=2, batch_dims=1), [[[3], [6]], [[5]]], (2, None, 1))
    _same(wb.gather(uniform, ragged.constant([[2, 1], [0]]), axis=2, batch_dims=1),
          [[[3, 2], [6, 5]], [[5]]], (2, None, None))
    nested = ragged.constant([[[1, 2], [3]], [[4, 5, 6]]])
    _same(wb.gather(nested, [0], axis=2), [[[1], [3]], [[4]]], (2, None, 1))
    _same(wb.gather(ragged.constant([[[1, 2, 3], [4]], [[5, 6]]]), ragged.constant([[0], []]), axis=2,
                    batch_dims=1), [[[1], [4]], [[]]], (2, None, None))


def test_gather_dense_params_ragged_indices_batch_dims():
    out = wb.gather(wb.constant([[1, 2, 3], [4, 5, 6]]), ragged.constant([[2, 1, 0], []]), batch_dims=1)
    _same(out, [[3, 2, 1], []], (2, None), np.int32)   # TF 2.21
    _same(wb.gather(ragged.constant([[1, 2], [3]]), [0], batch_dims=-1), [[1, 2]], (1, None))


def test_gather_axis_checks():
    rt = ragged.constant([[1, 2], [3]])
    # TF 2.21's ValueErrors and words
    with pytest.raises(ValueError, match=r"^axis=-3 out of bounds: expected -2<=axis<2$"):
        wb.gather(rt, [0], axis=-3)
    with pytest.raises(ValueError, match="batch_dims must be less than rank"):
        wb.gather(rt, [[0], [0]], batch_dims=2, axis=1)
    with pytest.raises(ValueError, match="axis must be greater than or equal to batch_dims"):
        wb.gather(rt, [[0], [0]], batch_dims=1, axis=0)
    with pytest.raises(ValueError, match=r"batch shape from indices \(2,\) does not match params shape"):
        wb.gather(ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []]), ragged.constant([[0, 1], [1]]),
                  batch_dims=1)
    with pytest.raises(ValueError, match=r"batch shape from indices \(1,\)"):
        wb.gather(ragged.constant([[[1, 2, 3], [4]], [[5, 6]]]), [0], batch_dims=1, axis=2)


# ---------------------------------------------------------------------------
# ops: error classes and edge cases


def test_mismatched_splits_are_invalid_argument_errors():
    data = ragged.constant([[1, 2, 3], [4]])
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "Inputs must have identical ragged splits"
        ragged.boolean_mask(data, ragged.constant([[True, False], [True]]))
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "partitions have incompatible row_splits"
        ragged.map_flat_values(wb.add, ragged.constant([[1, 2], [3]]), ragged.constant([[10], [20, 30]]))


def test_split_sizes_must_be_non_negative():
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "`num_or_size_splits` must be non-negative"
        wb.split(rt, [2, -1])
    parts = wb.split(rt, [2, 3])
    assert [p.to_list() for p in parts] == [[[3, 1, 4, 1], []], [[5, 9, 2], [6], []]]


def test_concat_of_one_ragged_tensor_is_it():
    rt = ragged.constant([[1]])
    _same(wb.concat([rt], 3), [[1]], (1, None))   # TF 2.21: returned as it is, the axis unchecked


def test_broadcast_lifts_a_lower_rank_ragged_operand():
    a, b = ragged.constant([[1, 2], [3]]), ragged.constant([[[1, 2], [3]]])
    _same(a + b, [[[2, 4], [6]]], (1, None, None))   # TF 2.21
    _same(b + a, [[[2, 4], [6]]], (1, None, None))


def test_where_shapes_that_do_not_broadcast():
    x = ragged.constant([[[1, 2], [3, 4]], [[5, 6]], []], ragged_rank=1)
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "Unable to broadcast: dimension size mismatch"
        wb.where(x > 1, x, ragged.constant([[1, 2], [3], []]))
    with pytest.raises(ValueError, match="row_splits dtypes"):   # TF 2.21's class
        a = ragged.constant([[1, 2], [3]])
        wb.where(a > 1, a.with_row_splits_dtype(wb.int32), a)


# ---------------------------------------------------------------------------
# strings


def test_strings_split_of_a_matrix_keeps_its_outer_dimensions_uniform():
    words = wb.strings.split(wb.constant([["a b", "c"], ["d", ""]]))
    _same(words, [[[b"a", b"b"], [b"c"]], [[b"d"], []]], (2, 2, None))   # TF 2.21
    assert words.row_splits.numpy().tolist() == [0, 2, 4] and int(words.uniform_row_length) == 2
    codes = wb.strings.unicode_decode(wb.constant([[["ab"]], [["c"]]]), "UTF-8")
    _same(codes, [[[[97, 98]]], [[[99]]]], (2, 1, 1, None), np.int32)
    _same(wb.strings.bytes_split(wb.constant([["ab", "c"], ["d", ""]])), [[[b"a", b"b"], [b"c"]], [[b"d"], []]],
          (2, 2, None))


def test_strings_reduce_join_of_ragged_along_every_axis():
    rt = ragged.constant([["a", "b"], ["c"]])
    # TF 2.21's values and shapes
    assert wb.strings.reduce_join(rt, axis=0).numpy().tolist() == [b"ac", b"b"]
    assert wb.strings.reduce_join(rt).numpy() == b"abc"
    keep = wb.strings.reduce_join(rt, keepdims=True)
    assert keep.shape == (1, 1) and keep.numpy().tolist() == [[b"abc"]]
    assert wb.strings.reduce_join(rt, axis=0, keepdims=True).numpy().tolist() == [[b"ac", b"b"]]
    dash = wb.strings.reduce_join(ragged.constant([["a", "b"], []]), axis=1, keepdims=True, separator="-")
    assert dash.shape == (2, 1) and dash.numpy().tolist() == [[b"a-b"], [b""]]
    assert wb.strings.reduce_join(rt, 1, False, "+").numpy().tolist() == [b"a+b", b"c"]
    nested = ragged.constant([[["a", "b"], ["c"]], [["d"]]])
    assert wb.strings.reduce_join(nested, axis=[1, 2]).numpy().tolist() == [b"abc", b"d"]
    _same(wb.strings.reduce_join(nested, axis=0), [[b"ad", b"b"], [b"c"]], (2, None))
    _same(wb.strings.reduce_join(nested, axis=1), [[b"ac", b"b"], [b"d"]], (2, None))
    uniform = ragged.constant([[["a", "b"], ["c", "e"]], [["d", "f"]]], ragged_rank=1)
    _same(wb.strings.reduce_join(uniform, axis=2), [[b"ab", b"ce"], [b"df"]], (2, None))
    with pytest.raises(InvalidArgumentError):   # TF 2.21: "... expected to be a string tensor"
        wb.strings.reduce_join(ragged.constant([[1, 2], [3]]), 1)


def test_to_tensor_default_value_checks():
    # TF 2.21: its RaggedTensorToTensor kernel's InvalidArgumentError for a default of the wrong shape
    with pytest.raises(InvalidArgumentError):
        ragged.constant([[1, 2], [3]]).to_tensor(default_value=[[1]])
    uniform = ragged.constant([[[1, 2]], [[3, 4], [5, 6]]], ragged_rank=1)
    for bad in ([[1, 2]], [1, 2, 3]):
        with pytest.raises(InvalidArgumentError):
            uniform.to_tensor(default_value=bad)
    assert uniform.to_tensor(default_value=[1]).numpy().tolist() == [[[1, 2], [1, 1]], [[3, 4], [5, 6]]]
    assert uniform.to_tensor(default_value=[7, 8]).numpy().tolist() == [[[1, 2], [7, 8]], [[3, 4], [5, 6]]]
    # strings and bools: a default of another dtype is TF's TypeError ("Cannot convert 1 to EagerTensor ...")
    with pytest.raises(TypeError):
        ragged.constant([["a"], []]).to_tensor(default_value=1)
    with pytest.raises(TypeError):
        ragged.constant([[True], []]).to_tensor(default_value=1)
    with pytest.raises(InvalidArgumentError):
        ragged.constant([["a"], []]).to_tensor(default_value=["x"])
    assert ragged.constant([[True], []]).to_tensor(default_value=True).numpy().tolist() == [[True], [True]]
    assert ragged.constant([["a"], []]).to_tensor(default_value="z").numpy().tolist() == [[b"a"], [b"z"]]


def test_image_and_codec_ops_map_the_flat_values():
    rt = ragged.constant([[3.0, 1.0], []])
    # TF 2.21's values (its unary elementwise dispatch)
    _same(wb.image.adjust_brightness(rt, 1.0), [[4.0, 2.0], []], (2, None), np.float32)
    _same(wb.image.adjust_gamma(rt, 2.0), [[9.0, 1.0], []], (2, None), np.float32)
    _same(wb.image.convert_image_dtype(rt, wb.float64), [[3.0, 1.0], []], (2, None), np.float64)
    _same(wb.image.convert_image_dtype(ragged.constant([[0.5, 1.0], []]), wb.uint8), [[127, 255], []], (2, None),
          np.uint8)
    words = ragged.constant([["hello", "world"], []])
    coded = wb.io.encode_base64(words)
    _same(coded, [[b"aGVsbG8", b"d29ybGQ"], []], (2, None))
    _same(wb.io.decode_base64(coded), [[b"hello", b"world"], []], (2, None))
    _same(wb.io.encode_base64(ragged.constant([["hello"], []]), pad=True), [[b"aGVsbG8="], []], (2, None))
    _same(wb.io.decode_compressed(ragged.constant([["ab"], []])), [[b"ab"], []], (2, None))


# ---------------------------------------------------------------------------
# ops TF dispatches on ragged tensors whose workbench functions do not hand composite
# arguments to dispatch yet: their ragged handlers, called as dispatch will call them


def _served(fn):
    """The ragged handler registered for ``fn`` (what ``fn`` runs once it dispatches)."""
    return wb.core.DISPATCH[fn]


DIGITS = [[3.0, 1.0, 4.0, 1.0], [], [5.0, 9.0, 2.0], [6.0], []]


def test_dynamic_partition_of_rows_and_of_values():
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    parts = _served(wb.dynamic_partition)(rt, [0, 1, 0, 1, 1], 2)
    _same(parts[0], [[3, 1, 4, 1], [5, 9, 2]], (2, None), np.int32)   # TF 2.21
    _same(parts[1], [[], [6], []], (3, None), np.int32)
    empty = _served(wb.dynamic_partition)(rt, [0, 0, 0, 0, 0], 3)
    assert [p.to_list() for p in empty] == [rt.to_list(), [], []]
    flat = _served(wb.dynamic_partition)(rt, ragged.constant([[0, 1, 0, 1], [], [1, 1, 0], [0], []]), 2)
    assert [p.numpy().tolist() for p in flat] == [[3, 4, 2, 6], [1, 1, 5, 9]]   # dense parts
    nested = _served(wb.dynamic_partition)(ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [], [7]]]), [1, 0, 1], 2)
    assert [p.to_list() for p in nested] == [[[]], [[[1, 2], [3]], [[4, 5, 6], [], [7]]]]
    with pytest.raises(InvalidArgumentError):   # "partitions must be less than num_partitions"
        _served(wb.dynamic_partition)(rt, [0, 1, 0, 1, 5], 2)


def test_bincount_of_flat_values_and_rows():
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    bincount = _served(wb.math.bincount)
    # TF 2.21's values
    assert bincount(rt).numpy().tolist() == [0, 2, 1, 1, 1, 1, 1, 0, 0, 1]
    assert bincount(rt, axis=0).numpy().tolist() == [0, 2, 1, 1, 1, 1, 1, 0, 0, 1]
    assert bincount(rt, minlength=12).numpy().tolist() == [0, 2, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0]
    assert bincount(rt, maxlength=5).numpy().tolist() == [0, 2, 1, 1, 1]
    assert bincount(rt, binary_output=True).numpy().tolist() == [0, 1, 1, 1, 1, 1, 1, 0, 0, 1]
    weighted = bincount(rt, weights=wb.cast(rt, wb.float32))
    assert weighted.dtype == np.float32 and weighted.numpy().tolist() == [0, 2, 2, 3, 4, 5, 6, 0, 0, 9]
    rows = bincount(rt, axis=-1)
    assert rows.dtype == np.int32 and rows.numpy().tolist() == [
        [0, 2, 0, 1, 1, 0, 0, 0, 0, 0], [0] * 10, [0, 0, 1, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
        [0] * 10]
    assert bincount(rt, axis=-1, maxlength=4).numpy().tolist() == [
        [0, 2, 0, 1], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    assert bincount(rt, axis=-1, binary_output=True, minlength=10).numpy()[0].tolist() == [0, 1, 0, 1, 1, 0, 0, 0,
                                                                                           0, 0]
    assert bincount(rt, axis=-1, weights=wb.cast(rt, wb.float32)).numpy()[2].tolist() == [0, 0, 2, 0, 0, 5, 0, 0,
                                                                                          0, 9]
    assert bincount(rt, axis=-1, dtype=wb.float32).dtype == np.float32
    assert bincount(ragged.constant([[], []], dtype=wb.int32), axis=-1).shape == (2, 0)
    with pytest.raises(InvalidArgumentError):   # "Input must be non-negative"
        bincount(ragged.constant([[-1]]), axis=-1)
    with pytest.raises(ValueError):   # TF 2.21: a rank-3 RaggedTensor with axis=-1
        bincount(ragged.constant([[[1, 2], [3]], []]), axis=-1)


def test_repeat_takes_axis_none_only():
    rt = ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []])
    repeat = _served(wb.repeat)
    assert repeat(rt, 2).numpy().tolist() == [3, 3, 1, 1, 4, 4, 1, 1, 5, 5, 9, 9, 2, 2, 6, 6]   # TF 2.21
    assert repeat(rt, [2, 1, 1, 1, 1, 1, 1, 1]).numpy().tolist() == [3, 3, 1, 4, 1, 5, 9, 2, 6]
    with pytest.raises(ValueError):   # TF 2.21: "TypeError: object of type 'RaggedTensor' has no len()"
        repeat(rt, 2, axis=1)


@pytest.mark.parametrize("kind, rows", [
    ("sum", [[6.0], [8.0, 10.0, 6.0, 1.0]]), ("max", [[6.0], [5.0, 9.0, 4.0, 1.0]]),
    ("prod", [[6.0], [15.0, 9.0, 8.0, 1.0]]), ("mean", [[6.0], [4.0, 5.0, 3.0, 1.0]]),
    ("sqrt_n", [[6.0], [5.656854152679443, 7.071067810058594, 4.242640972137451, 1.0]]),
])
def test_unsorted_segment_ops_combine_rows(kind, rows):
    out = _served(getattr(wb.math, f"unsorted_segment_{kind}"))(ragged.constant(DIGITS), [1, 0, 1, 0, 0], 2)
    assert out.shape == (2, None) and out.row_splits.dtype == np.int64   # TF 2.21
    np.testing.assert_allclose(out.flat_values.numpy(), [v for r in rows for v in r], rtol=1e-6)
    assert out.row_lengths().numpy().tolist() == [len(r) for r in rows]


def test_unsorted_segment_ops_edge_cases():
    rt = ragged.constant(DIGITS)
    seg_min = _served(wb.math.unsorted_segment_min)
    _same(seg_min(rt, [1, 0, 1, 0, 0], 3), [[6.0], [3.0, 1.0, 2.0, 1.0], []], (3, None))   # TF 2.21
    nested = ragged.constant([[[3.0, 1.0], [4.0]], [[1.0, 5.0]]])
    _same(_served(wb.math.unsorted_segment_sum)(nested, [0, 0], 1), [[[4.0, 6.0], [4.0]]], (1, None, None))
    ids = ragged.constant([[0, 1, 0, 1], [], [1, 0, 0], [2], []])
    assert _served(wb.math.unsorted_segment_sum)(rt, ids, 3).numpy().tolist() == [18.0, 7.0, 6.0]
    for bad in ([1, 0, 1, 0, 5], [-1, 0, 1, 0, 0]):
        with pytest.raises(InvalidArgumentError):
            _served(wb.math.unsorted_segment_max)(rt, bad, 2)


def test_moments_as_tf_computes_them():
    rt = ragged.constant(DIGITS)
    moments = _served(wb.nn.moments)
    mean, var = moments(rt, axes=[0, 1])
    assert mean.shape == () and np.isclose(mean.numpy(), 3.875) and np.isclose(var.numpy(), 6.609399795532227)
    mean, var = moments(rt, axes=[1])   # TF 2.21: NaN for the empty rows
    np.testing.assert_allclose(mean.numpy(), [2.25, np.nan, 5.333333, 6.0, np.nan], rtol=1e-5)
    np.testing.assert_allclose(var.numpy(), [1.6875, np.nan, 8.222222, 0.0, np.nan], rtol=1e-5)
    kept, _ = moments(rt, axes=[1], keepdims=True)
    assert kept.shape == (5, 1)
    with pytest.raises(InvalidArgumentError):   # TF 2.21: rows of different lengths against their means
        moments(rt, axes=[0])
    nested = ragged.constant([[[3.0, 1.0], [4.0]], [[1.0, 5.0]]])
    mean, var = moments(nested, axes=[2])
    _same(mean, [[2.0, 4.0], [3.0]], (2, None))
    _same(var, [[1.0, 0.0], [4.0]], (2, None))


def test_sigmoid_cross_entropy_with_logits_elementwise():
    rt = ragged.constant(DIGITS)
    loss = _served(wb.nn.sigmoid_cross_entropy_with_logits)(labels=wb.ones_like(rt), logits=rt)
    assert loss.shape == (5, None)
    np.testing.assert_allclose(loss.flat_values.numpy(), [0.04858735576272011, 0.3132616877555847,
                                                          0.018149929121136665, 0.3132616877555847,
                                                          0.006715348921716213, 0.00012340217654127628,
                                                          0.12692800164222717, 0.002475685440003872], rtol=1e-5)


def test_binary_assertions_broadcast_ragged_operands():
    rt = ragged.constant([[1, 2], [3]])
    # TF 2.21: None where the assertion holds, InvalidArgumentError where it fails or shapes differ
    assert wb.debugging.assert_equal(rt, ragged.constant([[1, 2], [3]]), message="m") is None
    assert wb.debugging.assert_less(rt, wb.constant([[5], [6]])) is None
    assert wb.debugging.assert_none_equal(rt, 7) is None
    assert wb.debugging.assert_equal(ragged.constant([["a"], []]), "a") is None
    assert wb.debugging.assert_near(ragged.constant([[1.0, 2.0], [3.0]]), ragged.constant([[1.0, 2.0], [3.0]]),
                                    rtol=0.1) is None
    for call in (lambda: wb.debugging.assert_equal(rt, ragged.constant([[1, 2], [4]])),
                 lambda: wb.debugging.assert_equal(rt, 1),
                 lambda: wb.debugging.assert_less(rt, ragged.constant([[1], [4, 5]])),
                 lambda: wb.debugging.assert_greater(rt, 2),
                 lambda: wb.debugging.assert_near(ragged.constant([[1.0, 2.0], [3.0]]),
                                                  ragged.constant([[1.0, 2.0], [3.1]]))):
        with pytest.raises(InvalidArgumentError):
            call()


def test_an_op_without_a_ragged_handler_is_a_value_error():
    # TF 2.21 converts the RaggedTensor to a tensor there: "TypeError: object of type 'RaggedTensor' has no len()",
    # raised as a ValueError
    rt = ragged.constant([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match="does not support RaggedTensor"):
        wb.math.cumprod(rt)
    with pytest.raises(ValueError, match="does not support RaggedTensor"):
        wb.math.reduce_euclidean_norm(rt, axis=1)


def test_where_broadcasts_by_tf_older_ragged_shape_rules():
    # TF 2.21's ragged where broadcasts as its older RaggedTensorDynamicShape: stricter than add
    a, b = ragged.constant([[1, 2], [3]]), ragged.constant([[[1, 2], [3]]])
    _same(a + b, [[[2, 4], [6]]], (1, None, None))
    for cond, x, y in [
            (a > 1, b, 0),   # a uniform dimension of size 2 against a partitioned one
            (wb.RaggedTensor.from_tensor([[1], [3]]) > 1, wb.RaggedTensor.from_tensor([[1], [3]]),
             ragged.constant([[1], [2, 3]])),   # a uniform row length of 1 does not stretch here
            (a > 1, a, ragged.constant([[7, 8]])),   # one row of length 2 against rows [2, 1]
    ]:
        with pytest.raises(InvalidArgumentError):
            wb.where(cond, x, y)
    square = ragged.constant([[1, 2], [3, 5]])
    _same(wb.where(square > 1, square, ragged.constant([[7, 8]])), [[7, 2], [3, 5]], (2, None))   # TF 2.21
    _same(wb.where(a > 1, a, wb.constant([[7], [8]])), [[7, 2], [3]], (2, None))
    dense_like = wb.RaggedTensor.from_tensor([[1, 2], [3, 4]])
    with pytest.raises(InvalidArgumentError):   # fully known equal shapes: the dense operand meets the flat values
        wb.where(dense_like > 1, dense_like, wb.constant([[1, 2], [3, 4]]))
    uniform = ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1)
    with pytest.raises(InvalidArgumentError):   # TF 2.21: a scalar into inner dimensions, its Reshape error
        wb.where(uniform > 1, uniform, 5)
    _same(wb.where(uniform > 1, uniform, wb.constant([1, 2])), [[[1, 2], [3, 4]], [[5, 6]]], (2, None, 2))
    _same(wb.where(uniform > 1, uniform, wb.constant([[7, 8]])), [[[7, 2], [3, 4]], [[5, 6]]], (2, None, 2))
    ones = ragged.constant([[[1], [3]], [[5]]], ragged_rank=1)
    _same(wb.where(ones > 1, 0, 5), [[[5], [0]], [[0]]], (2, None, 1))


# ---------------------------------------------------------------------------
# RowPartition: TF's public methods return tensors of the partition's dtype


def _t(x, values, dtype=np.int64):
    assert isinstance(x, wb.Tensor)
    assert x.dtype == dtype
    assert np.asarray(x.numpy()).tolist() == values


def test_row_partition_encodings_are_tensors_as_tf():
    RP = wb.experimental.RowPartition
    p = RP.from_row_lengths([2, 0, 3])   # TF 2.21's values for each method
    _t(p.row_splits(), [0, 2, 2, 5])
    _t(p.row_lengths(), [2, 0, 3])
    _t(p.row_starts(), [0, 2, 2])
    _t(p.row_limits(), [2, 2, 5])
    _t(p.value_rowids(), [0, 0, 2, 2, 2])
    _t(p.offsets_in_rows(), [0, 1, 0, 1, 2])
    _t(p.nrows(), 3)
    _t(p.nvals(), 5)
    assert p.uniform_row_length() is None and p.is_uniform() is False
    assert (p.static_nrows, p.static_nvals, p.static_uniform_row_length) == (3, None, None)
    assert p.dtype == np.int64
    q = p.with_dtype(wb.int32)
    _t(q.row_splits(), [0, 2, 2, 5], np.int32)
    _t(q.nrows(), 3, np.int32)
    _t(q.nvals(), 5, np.int32)
    _t(RP.from_row_splits([0, 2, 2, 5]).row_lengths(), [2, 0, 3])
    _t(RP.from_value_rowids([0, 0, 2], nrows=4).row_splits(), [0, 2, 2, 3, 3])
    u = RP.from_uniform_row_length(2, nvals=6)
    _t(u.row_splits(), [0, 2, 4, 6])
    _t(u.uniform_row_length(), 2)
    assert u.is_uniform() is True
    assert (u.static_nrows, u.static_nvals, u.static_uniform_row_length) == (3, 6, 2)
    # TF knows nvals statically from value row ids, but not from row splits or lengths
    assert RP.from_value_rowids([0, 0, 2], nrows=4).static_nvals == 3
    assert RP.from_value_rowids([0, 0, 2, 2, 2]).static_nrows == 3
    assert RP.from_row_splits([0, 2, 2, 5]).static_nvals is None


def test_row_partition_from_row_starts_and_limits_as_tf():
    RP = wb.experimental.RowPartition
    p = RP.from_row_starts([0, 2, 2], nvals=5)
    _t(p.row_lengths(), [2, 0, 3])
    assert (p.static_nrows, p.static_nvals) == (3, 5)
    q = RP.from_row_limits([2, 2, 5])
    _t(q.row_lengths(), [2, 0, 3])
    assert (q.static_nrows, q.static_nvals) == (3, None)
    _t(RP.from_row_starts([], 0).row_splits(), [0])
    _t(RP.from_row_limits([]).row_splits(), [0])
    # the dtype: an int32 argument's, else dtype=
    assert RP.from_row_starts(wb.constant([0, 1], wb.int32), 3).dtype == np.int32
    assert RP.from_row_limits(wb.constant([1, 3], wb.int32)).dtype == np.int32
    assert RP.from_row_starts([0, 1], 3, dtype=wb.int32).dtype == np.int32
    assert RP.from_row_splits(wb.constant([0, 1], wb.int32)).dtype == np.int32
    # TF 2.21: InvalidArgumentError "Arguments to from_row_starts do not form a valid RaggedTensor"
    for starts, nvals in [([0, 3, 2], 5), ([1, 3], 5), ([0, 3], 2)]:
        with pytest.raises(InvalidArgumentError):
            RP.from_row_starts(starts, nvals)
    with pytest.raises(InvalidArgumentError):
        RP.from_row_limits([3, 2])
    with pytest.raises(ValueError, match="row_starts"):   # "row_starts must have dtype int32 or int64"
        RP.from_row_starts([0., 1.], 3)


def test_row_partitions_of_shapes_and_tensors_are_tf_row_partitions():
    rt = ragged.constant([[1, 2], [], [3, 4, 5]])
    (part,) = wb.shape(rt).row_partitions   # tf.shape's default out_type is int32
    _t(part.row_splits(), [0, 2, 2, 5], np.int32)
    _t(wb.shape(rt, out_type=wb.int64).row_partitions[0].nvals(), 5)
    _t(wb.experimental.DynamicRaggedShape.from_tensor(rt).row_partitions[0].row_splits(), [0, 2, 2, 5])


# ---------------------------------------------------------------------------
# NumPy conversion, Ellipsis keys, realdiv, strings.format


def test_numpy_holds_a_ragged_tensor_as_one_object():
    rt = ragged.constant([[3., 1, 4, 1], [], [5, 9, 2], [6], []])
    for held in (np.array(rt), np.asarray(rt)):   # TF 2.21: array(<tf.RaggedTensor ...>, dtype=object)
        assert held.shape == () and held.dtype == object and held[()] is rt
    pair = np.array([rt, rt])
    assert pair.shape == (2,) and pair.dtype == object
    with pytest.raises(ValueError):   # "setting an array element with a sequence."
        np.array(rt, dtype=np.float64)
    with pytest.raises(ValueError, match="has no len"):   # a dense tensor still is TF's ValueError
        wb.convert_to_tensor(rt)


def test_several_ellipses_as_tf():
    rt = ragged.constant([[3., 1, 4, 1], [], [5, 9, 2], [6], []])
    r3 = ragged.constant([[[1, 2], [3]], [[4, 5, 6]]])
    r2u = ragged.constant([[[1, 2], [3, 4]], [[5, 6]]], ragged_rank=1)
    rows = [[3.0, 1.0, 4.0, 1.0], [], [5.0, 9.0, 2.0], [6.0], []]
    assert rt[..., ...].to_list() == rows   # TF 2.21's values
    assert rt[..., ..., :1].to_list() == [[3.0], [], [5.0], [6.0], []]
    assert rt[..., 1:, ...].to_list() == rows[1:]
    assert r3[..., ..., 0:1].to_list() == [[[1], [3]], [[4]]]
    assert r3[..., 0:1, ...].to_list() == [[[1, 2]], [[4, 5, 6]]]
    assert r3[..., ..., ...].to_list() == [[[1, 2], [3]], [[4, 5, 6]]]
    assert r3[:1, ..., ..., :1].to_list() == [[[1], [3]]]
    assert r3[0, ..., ...].to_list() == [[1, 2], [3]]
    assert r2u[..., ..., 0].to_list() == [[1, 3], [5]]
    for key in [(0, Ellipsis, Ellipsis)]:   # two Ellipses reaching a dense row: StridedSlice's error
        with pytest.raises(InvalidArgumentError, match="Multiple ellipses"):
            rt[key]
        with pytest.raises(InvalidArgumentError, match="Multiple ellipses"):
            r2u[key]


def test_realdiv_handler_as_tf():
    # the ragged handler (wb.realdiv reaches it once the op is dispatchable)
    from workbench import core
    rt = ragged.constant([[3., 1, 4, 1], [], [5, 9, 2], [6], []])
    out = core.dispatch(wb.realdiv, (rt, 2.))
    _same(out, [[1.5, 0.5, 2.0, 0.5], [], [2.5, 4.5, 1.0], [3.0], []], (5, None), np.float32)
    _same(core.dispatch(wb.realdiv, (rt, rt)), [[1.0] * 4, [], [1.0] * 3, [1.0], []], (5, None))
    col = wb.constant([[1.], [2], [3], [4], [5]])
    assert np.allclose(core.dispatch(wb.realdiv, (rt, col)).flat_values.numpy(),
                       [3.0, 1.0, 4.0, 1.0, 1.6666666, 3.0, 0.6666667, 1.5])
    with pytest.raises(wb.errors.NotFoundError):   # TF: no RealDiv kernel for int32
        core.dispatch(wb.realdiv, (ragged.constant([[1, 2]]), 2))


def test_strings_format_of_ragged_tensors_as_tf():
    rt = ragged.constant([[3., 1, 4, 1], [], [5, 9, 2], [6], []])
    r3 = ragged.constant([[[1, 2], [3]], [[4, 5, 6]]])
    fmt = lambda *a, **k: wb.strings.format(*a, **k).numpy()   # noqa: E731
    full = b"[[3.000000, 1.000000, 4.000000, 1.000000], [], [5.000000, 9.000000, 2.000000], [6.000000], []]"
    assert fmt("{}", rt) == full   # TF 2.21's text for each
    assert fmt("{}", rt, summarize=-1) == full
    assert fmt("{}", rt, summarize=1) == b"[[3.000000, ..., 1.000000], ..., []]"
    assert fmt("{}", rt, summarize=2) == b"[[3.000000, 1.000000, 4.000000, 1.000000], [], ..., [6.000000], []]"
    assert fmt("x={} y={}", (rt, wb.constant(1))) == b"x=" + full + b" y=1"
    assert fmt("a{}b{}", [rt, r3]) == b"a" + full + b"b[[[1, 2], [3]], [[4, 5, 6]]]"
    assert fmt("{}", r3, summarize=1) == b"[[[1, 2], [3]], [[4, ..., 6]]]"
    assert fmt("{}", ragged.constant([[True], [False, True]])) == b"[[true], [false, true]]"
    assert fmt("{}", ragged.constant([[1e10, -2.5, float("nan")]])) == b"[[10000000000.000000, -2.500000, nan]]"
    assert fmt("{}", ragged.constant([[1 + 2j]])) == b"[[(1.000000,2.000000)]]"
    assert fmt("{}", ragged.constant([[1, 2], [3]], dtype=wb.float16)) == b"[[1.000000, 2.000000], [3.000000]]"
    assert fmt("{}", ragged.constant([[[1, 2], [3, 4]]], ragged_rank=1)) == b"[[[1, 2], [3, 4]]]"
    assert fmt("{}", ragged.constant([["a", "b"], []])) == b"[['a', 'b'], []]"
    assert fmt("{}", ragged.constant([["a'b", "c\\d"]])) == b"[['a\\'b', 'c\\\\d']]"
    assert fmt("{}", ragged.constant([["\u00e9"]])) == b"[['\xc3\xa9']]"
    assert fmt("{}", ragged.constant([], ragged_rank=1)) == b"[]"
    with pytest.raises(ValueError, match="Expected summarize to be -1 or a positive int, got 0"):
        fmt("{}", rt, summarize=0)


# ---------------------------------------------------------------------------
# matmul with ragged operands (the handler wb.matmul reaches once the op is dispatchable)


def _mm(a, b, **kwargs):
    from workbench import core
    return core.dispatch(wb.matmul, (a, b), kwargs)


def test_matmul_rank_2_ragged_is_dense_as_tf():
    a = ragged.constant([[1., 2], [3, 4], [5, 6]])
    d = wb.constant([[1., 0], [0, 1]])
    out = _mm(a, d)   # TF 2.21: a dense Tensor
    assert not isinstance(out, RT) and out.numpy().tolist() == [[1., 2.], [3., 4.], [5., 6.]]
    assert _mm(a, a, transpose_b=True).numpy().tolist() == [[5., 11., 17.], [11., 25., 39.], [17., 39., 61.]]
    assert _mm(ragged.constant([[1, 2]]), wb.constant([[1], [2]])).numpy().tolist() == [[5]]
    with pytest.raises(InvalidArgumentError, match="may not be ragged in their innermost dimension"):
        _mm(ragged.constant([[1., 2], [3]]), d)
    with pytest.raises(InvalidArgumentError):   # Matrix size-incompatible
        _mm(d, a)


def test_matmul_batched_ragged_as_tf():
    b3 = ragged.constant([[[1., 2], [3, 4]], [[5, 6]]], ragged_rank=1)
    d3 = wb.constant([[[1., 0], [0, 1]], [[2., 0], [0, 2]]])
    e3 = ragged.constant([[[1., 2]], [[3, 4], [5, 6], [7, 8]]], ragged_rank=1)
    f3 = ragged.constant([[[1.], [2]], [[3.], [4]]], ragged_rank=1)

    def splits(rt):
        return [s.numpy().tolist() for s in rt.nested_row_splits]

    out = _mm(b3, d3)   # TF 2.21's values, shapes and row splits for each
    _same(out, [[[1.0, 2.0], [3.0, 4.0]], [[10.0, 12.0]]], (2, None, 2))
    assert splits(out) == [[0, 2, 3]]
    out = _mm(d3, e3, transpose_b=True)
    _same(out, [[[1.0], [2.0]], [[6.0, 10.0, 14.0], [8.0, 12.0, 16.0]]], (2, 2, None))
    assert splits(out) == [[0, 2, 4], [0, 1, 2, 5, 8]]
    out = _mm(e3, e3, transpose_b=True)
    _same(out, [[[5.0]], [[25.0, 39.0, 53.0], [39.0, 61.0, 83.0], [53.0, 83.0, 113.0]]], (2, None, None))
    assert splits(out) == [[0, 1, 4], [0, 1, 4, 7, 10]]
    out = _mm(e3, e3, transpose_a=True)
    _same(out, [[[1.0, 2.0], [2.0, 4.0]], [[83.0, 98.0], [98.0, 116.0]]], (2, 2, 2))
    assert splits(out) == [[0, 2, 4]] and int(out.uniform_row_length) == 2
    _same(_mm(e3, f3), [[[5.0]], [[25.0], [39.0], [53.0]]], (2, None, 1))
    _same(_mm(b3, f3), [[[5.0], [11.0]], [[39.0]]], (2, None, 1))
    _same(_mm(b3, b3, transpose_b=True), [[[5.0, 11.0], [11.0, 25.0]], [[61.0]]], (2, None, None))
    _same(_mm(f3, f3, transpose_a=True), [[[5.0]], [[25.0]]], (2, 1, 1))
    # ragged rank 2 with rows of one length in the innermost dimension counts as uniform
    _same(_mm(ragged.constant([[[1., 2], [3, 4]], [[5, 6]]]), d3), [[[1.0, 2.0], [3.0, 4.0]], [[10.0, 12.0]]],
          (2, None, 2))
    i32 = ragged.constant([[[1., 2]]], ragged_rank=1, row_splits_dtype=wb.int32)
    _same(_mm(i32, d3[:1]), [[[1.0, 2.0]]], (1, None, 2), splits_dtype=np.int32)
    with pytest.raises(InvalidArgumentError, match="may not be ragged in their innermost dimension"):
        _mm(ragged.constant([[[1., 2], [3]], [[5, 6]]]), d3)
    for a, b, kw in [(e3, b3, {"transpose_a": True}), (d3, b3, {}), (b3, b3, {}),
                     (b3, wb.constant([[[1.], [0], [1]], [[1.], [0], [1]]]), {})]:
        with pytest.raises(InvalidArgumentError, match="Matrix size-incompatible"):
            _mm(a, b, **kw)
    with pytest.raises(ValueError, match="must have the same rank"):
        _mm(b3, wb.constant([[1., 0], [0, 1]]))
    with pytest.raises(ValueError, match="must have the same dtype"):
        _mm(b3, wb.cast(d3, wb.float64))
    with pytest.raises(ValueError, match="not compatible"):   # TF: "Dimensions 1 and 2 are not compatible"
        _mm(b3, wb.constant([[[1., 0], [0, 1]]]))


def test_matmul_ragged_gradients_match_finite_differences():
    fv0 = np.arange(8.).reshape(4, 2) / 3
    d0 = np.array([[[1., 2], [0.5, 1]], [[2., 0], [1, 2]]])

    def f(fv, d):
        e = RT.from_row_splits(fv, [0, 1, 4])
        return (wb.reduce_sum(_mm(e, e, transpose_b=True).flat_values ** 2)
                + wb.reduce_sum(wb.sin(_mm(e, d).flat_values)))

    fv, d = wb.constant(fv0), wb.constant(d0)
    with wb.GradientTape() as tape:
        tape.watch([fv, d])
        y = f(fv, d)
    grads = tape.gradient(y, [fv, d])
    for k, x0 in enumerate([fv0, d0]):
        num = np.zeros(x0.shape)
        for idx in np.ndindex(*x0.shape):
            hi, lo = x0.copy(), x0.copy()
            hi[idx] += 1e-6
            lo[idx] -= 1e-6
            args_hi, args_lo = [fv0, d0], [fv0, d0]
            args_hi[k], args_lo[k] = hi, lo
            num[idx] = (f(*map(wb.constant, args_hi)).numpy() - f(*map(wb.constant, args_lo)).numpy()) / 2e-6
        assert np.allclose(grads[k].numpy(), num, atol=1e-6)


def test_matmul_ragged_with_empty_batch_items_as_tf():
    # an item with no rows may have the most columns: the result pads to the longest row only
    a = ragged.constant([[], [], [[1.0, 3.0], [-2.0, 1.0], [2.0, 0.0]]], ragged_rank=1, inner_shape=(2,))
    b = ragged.constant([[[-2.0, 3.0], [-2.0, 1.0]], [], []], ragged_rank=1, inner_shape=(2,))
    _same(_mm(a, b, transpose_b=True), [[], [], [[], [], []]], (3, None, None))   # TF 2.21's values
    a = ragged.constant([[[2.0, -2.0, -3.0], [4.0, 2.0, 3.0]], []], ragged_rank=1, inner_shape=(3,))
    b = ragged.constant([[[-3.0, 0.0, -2.0], [3.0, -3.0, -1.0]], [[2.0, -1.0, 4.0], [-1.0, 4.0, 4.0], [-2.0, 0.0, 4.0]]],
                        ragged_rank=1, inner_shape=(3,))
    _same(_mm(a, b, transpose_b=True), [[[0.0, 15.0], [-18.0, 3.0]], []], (2, None, None))


def test_matmul_rank_4_ragged_as_tf():
    a = RT.from_row_lengths(wb.reshape(wb.range(12.), [3, 2, 2]), [1, 2])   # [2, None, 2, 2]
    b = RT.from_row_lengths(wb.reshape(wb.range(12.), [3, 2, 2]), [1, 2])
    _same(_mm(a, b), [[[[2.0, 3.0], [6.0, 11.0]]], [[[46.0, 55.0], [66.0, 79.0]], [[154.0, 171.0], [190.0, 211.0]]]],
          (2, None, 2, 2))   # TF 2.21's values
    _same(_mm(a, b, transpose_b=True),
          [[[[1.0, 3.0], [3.0, 13.0]]], [[[41.0, 59.0], [59.0, 85.0]], [[145.0, 179.0], [179.0, 221.0]]]], (2, None, 2, 2))
    _same(_mm(ragged.constant([[[[1.]]]], ragged_rank=1), wb.constant([[[[1.]]]])), [[[[1.0]]]], (1, None, 1, 1))
    out = _mm(ragged.constant([[[[1., 2]], [[3, 4]]]]), wb.constant([[[[1.], [1]], [[1.], [1]]]]))
    _same(out, [[[[3.0]], [[7.0]]]], (1, None, None, 1))
    assert out.ragged_rank == 2
    out = _mm(ragged.constant([[[[1., 2], [3, 4]], [[5, 6]]]]), wb.constant([[[[1., 0], [0, 1]], [[2., 0], [0, 2]]]]))
    _same(out, [[[[1.0, 2.0], [3.0, 4.0]], [[10.0, 12.0]]]], (1, None, None, 2))
    other = RT.from_row_lengths(wb.reshape(wb.range(12.), [3, 2, 2]), [2, 1])
    for x, y in [(a, other), (a, wb.reshape(wb.range(16.), [2, 2, 2, 2])), (a, wb.reshape(wb.range(4.), [1, 1, 2, 2]))]:
        with pytest.raises(InvalidArgumentError, match="Batch dimensions of `a` and `b` do not have the same size"):
            _mm(x, y)
    with pytest.raises(InvalidArgumentError):   # TF: Matrix size-incompatible
        _mm(ragged.constant([[[[1., 2]], [[3]]]]), wb.constant([[[[1.], [1]], [[1.], [1]]]]))
