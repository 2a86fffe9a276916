"""Ragged results' static specs inside a ``wb.function`` trace and a ``Dataset.map`` as TF 2.21's
shape inference gives them (its values pinned): a row count or a length that the data decides
is None there, not the size of the value the trace ran on. Also TF 2.21's values for ragged
atan2/complex dispatch and boolean_mask shapes."""

import numpy as np
import pytest

import ragged  # noqa: F401  (registers the ragged handlers)
import workbench as wb

S = wb.TensorSpec
RT = wb.RaggedTensor


def _describe(x):
    """(shape, dtype, ragged_rank, row_splits dtype) of a ragged spec, (shape, dtype) of a dense one."""
    if isinstance(x, (list, tuple)):
        return [_describe(v) for v in x]
    shape = None if x.shape.rank is None else list(x.shape)
    name = "string" if x.dtype == wb.string else x.dtype.name
    if isinstance(x, wb.RaggedTensorSpec):
        return (shape, name, x.ragged_rank, x.row_splits_dtype.name)
    return (shape, name)


# name, input specs, function, map input, TF 2.21's trace spec (None: not pinned here), its map spec
CASES = [
    ("split_vec", [S([None], wb.string)], lambda s: wb.strings.split(s), [wb.constant(["a b", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("split_vec2", [S([2], wb.string)], lambda s: wb.strings.split(s), [wb.constant(["a b", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("split_mat", [S([None, 2], wb.string)], lambda s: wb.strings.split(s), [wb.constant([["a b", "c"]])],
     ([None, 2, None], 'string', 2, 'int64'), ([1, 2, None], 'string', 2, 'int64')),
    ("split_mat_nn", [S([None, None], wb.string)],
     lambda s: wb.strings.split(s),
     [wb.constant([["a b", "c"]])],
     ([None, None, None], 'string', 2, 'int64'), ([1, 2, None], 'string', 2, 'int64')),
    ("split_scalar", [S([], wb.string)], lambda s: wb.strings.split(s), [wb.constant("a b")],
     ([None], 'string'), ([None], 'string')),
    ("split_sep", [S([None], wb.string)], lambda s: wb.strings.split(s, sep=","), [wb.constant(["a,b", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("bytes_split", [S([None], wb.string)], lambda s: wb.strings.bytes_split(s), [wb.constant(["ab", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("bytes_split_s", [S([], wb.string)], lambda s: wb.strings.bytes_split(s), [wb.constant("ab")],
     ([None], 'string'), ([None], 'string')),
    ("unicode_split", [S([None], wb.string)],
     lambda s: wb.strings.unicode_split(s, "UTF-8"),
     [wb.constant(["ab", "c"])],
     ([None, None], 'string', 1, 'int64'), ([2, None], 'string', 1, 'int64')),
    ("unicode_decode", [S([None], wb.string)],
     lambda s: wb.strings.unicode_decode(s, "UTF-8"),
     [wb.constant(["ab", "c"])],
     ([None, None], 'int32', 1, 'int64'), ([2, None], 'int32', 1, 'int64')),
    ("unicode_decode_off", [S([None], wb.string)],
     lambda s: wb.strings.unicode_decode_with_offsets(s, "UTF-8"),
     [wb.constant(["ab", "c"])],
     [([None, None], 'int32', 1, 'int64'), ([None, None], 'int64', 1, 'int64')],
     [([2, None], 'int32', 1, 'int64'), ([2, None], 'int64', 1, 'int64')]),
    ("unicode_split_off", [S([None], wb.string)],
     lambda s: wb.strings.unicode_split_with_offsets(s, "UTF-8"),
     [wb.constant(["ab", "c"])],
     [([None, None], 'string', 1, 'int64'), ([None, None], 'int64', 1, 'int64')],
     [([2, None], 'string', 1, 'int64'), ([2, None], 'int64', 1, 'int64')]),
    ("ngrams_rt", [S([None], wb.string)],
     lambda s: wb.strings.ngrams(wb.strings.split(s), 2),
     [wb.constant(["a b c", "d"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("ngrams_dense", [S([None, 3], wb.string)],
     lambda s: wb.strings.ngrams(s, 2),
     [wb.constant([["a", "b", "c"]])],
     ([None, None], 'string'), ([1, None], 'string')),
    ("ngrams_vec", [S([None], wb.string)], lambda s: wb.strings.ngrams(s, 2), [wb.constant(["a", "b", "c"])],
     ([None], 'string'), ([None], 'string')),
    ("range", [S([None], wb.int32)], lambda n: wb.ragged.range(n), [wb.constant([2, 3])],
     ([None, None], 'int32', 1, 'int64'), ([2, None], 'int32', 1, 'int64')),
    ("range_sc", [S([], wb.int32)], lambda n: wb.ragged.range(n), [wb.constant(3)],
     ([1, None], 'int32', 1, 'int64'), ([1, None], 'int32', 1, 'int64')),
    ("range64", [S([None], wb.int64)], lambda n: wb.ragged.range(n), [wb.constant([2, 3], wb.int64)],
     ([None, None], 'int64', 1, 'int64'), ([2, None], 'int64', 1, 'int64')),
    ("range_f", [S([None], wb.float32)],
     lambda n: wb.ragged.range(n, row_splits_dtype=wb.int32),
     [wb.constant([2., 3.])],
     ([None, None], 'float32', 1, 'int32'), ([2, None], 'float32', 1, 'int32')),
    ("bmask", [S([None, None], wb.int32), S([None, None], wb.bool)],
     lambda x, m: wb.ragged.boolean_mask(x, m), [wb.constant([[1, 2], [3, 4]]), wb.constant([[True, False],
     [True, True]])],
     ([None, None], 'int32', 1, 'int64'), ([2, None], 'int32', 1, 'int64')),
    ("bmask3", [S([None, 2, 3], wb.int32), S([None, 2, 3], wb.bool)],
     lambda x, m: wb.ragged.boolean_mask(x, m),
     [wb.zeros([1, 2, 3], wb.int32), wb.ones([1, 2, 3], wb.bool)],
     ([None, None, None], 'int32', 2, 'int64'), ([1, None, None], 'int32', 2, 'int64')),
    ("bmask_k", [S([None, 4], wb.int32), S([None, 4], wb.bool)],
     lambda x, m: wb.ragged.boolean_mask(x, m),
     [wb.zeros([1, 4], wb.int32), wb.ones([1, 4], wb.bool)],
     ([None, None], 'int32', 1, 'int64'), ([1, None], 'int32', 1, 'int64')),
    ("vrid", [S([None], wb.int32), S([None], wb.int64)],
     lambda v, i: wb.RaggedTensor.from_value_rowids(v, i),
     [wb.constant([1, 2, 3]), wb.constant([0, 0, 2], wb.int64)],
     ([None, None], 'int32', 1, 'int64'), ([None, None], 'int32', 1, 'int64')),
    ("vrid_n", [S([None], wb.int32), S([None], wb.int64)],
     lambda v, i: wb.RaggedTensor.from_value_rowids(v, i, nrows=4),
     [wb.constant([1, 2, 3]), wb.constant([0, 0, 2], wb.int64)],
     ([4, None], 'int32', 1, 'int64'), ([4, None], 'int32', 1, 'int64')),
    ("vrid_3", [S([3], wb.int32), S([3], wb.int64)],
     lambda v, i: wb.RaggedTensor.from_value_rowids(v, i),
     [wb.constant([1, 2, 3]), wb.constant([0, 0, 2], wb.int64)],
     ([None, None], 'int32', 1, 'int64'), ([None, None], 'int32', 1, 'int64')),
    ("rsplits", [S([None], wb.int32), S([None], wb.int64)],
     lambda v, i: wb.RaggedTensor.from_row_splits(v, i),
     [wb.constant([1, 2, 3]), wb.constant([0, 2, 3], wb.int64)],
     ([None, None], 'int32', 1, 'int64'), ([2, None], 'int32', 1, 'int64')),
    ("rsplits3", [S([3], wb.int32), S([3], wb.int64)],
     lambda v, i: wb.RaggedTensor.from_row_splits(v, i),
     [wb.constant([1, 2, 3]), wb.constant([0, 2, 3], wb.int64)],
     ([2, None], 'int32', 1, 'int64'), ([2, None], 'int32', 1, 'int64')),
    ("rlens", [S([None], wb.int32), S([None], wb.int64)],
     lambda v, i: wb.RaggedTensor.from_row_lengths(v, i),
     [wb.constant([1, 2, 3]), wb.constant([2, 1], wb.int64)],
     ([None, None], 'int32', 1, 'int64'), ([2, None], 'int32', 1, 'int64')),
    ("rlens2", [S([3], wb.int32), S([2], wb.int64)],
     lambda v, i: wb.RaggedTensor.from_row_lengths(v, i),
     [wb.constant([1, 2, 3]), wb.constant([2, 1], wb.int64)],
     ([2, None], 'int32', 1, 'int64'), ([2, None], 'int32', 1, 'int64')),
    ("rstarts", [S([3], wb.int32), S([2], wb.int64)],
     lambda v, i: wb.RaggedTensor.from_row_starts(v, i),
     [wb.constant([1, 2, 3]), wb.constant([0, 2], wb.int64)],
     ([2, None], 'int32', 1, 'int64'), ([2, None], 'int32', 1, 'int64')),
    ("rlimits", [S([3], wb.int32), S([2], wb.int64)],
     lambda v, i: wb.RaggedTensor.from_row_limits(v, i),
     [wb.constant([1, 2, 3]), wb.constant([2, 3], wb.int64)],
     ([2, None], 'int32', 1, 'int64'), ([2, None], 'int32', 1, 'int64')),
    ("uniform", [S([None], wb.int32)],
     lambda v: wb.RaggedTensor.from_uniform_row_length(v, 2),
     [wb.constant([1, 2, 3, 4])],
     ([None, 2], 'int32', 1, 'int64'), ([2, 2], 'int32', 1, 'int64')),
    ("uniform6", [S([6], wb.int32)],
     lambda v: wb.RaggedTensor.from_uniform_row_length(v, 2),
     [wb.constant([1, 2, 3, 4, 5, 6])],
     ([3, 2], 'int32', 1, 'int64'), ([3, 2], 'int32', 1, 'int64')),
    ("from_tensor", [S([None, None], wb.int32)],
     lambda v: wb.RaggedTensor.from_tensor(v), [wb.constant([[1, 2],
     [3, 4]])],
     ([None, None], 'int32', 1, 'int64'), ([2, 2], 'int32', 1, 'int64')),
    ("from_tensor_pad", [S([None, 3], wb.int32)],
     lambda v: wb.RaggedTensor.from_tensor(v, padding=0),
     [wb.constant([[1, 2, 0]])],
     ([None, None], 'int32', 1, 'int64'), ([1, None], 'int32', 1, 'int64')),
    ("from_tensor_len", [S([2, 3], wb.int32), S([2], wb.int64)],
     lambda v, l: wb.RaggedTensor.from_tensor(v, lengths=l), [wb.constant([[1, 2, 0],
     [1, 1, 1]]), wb.constant([1, 2], wb.int64)],
     ([2, None], 'int32', 1, 'int64'), ([2, None], 'int32', 1, 'int64')),
    ("from_tensor_rr2", [S([None, 2, 3], wb.int32)],
     lambda v: wb.RaggedTensor.from_tensor(v, ragged_rank=2),
     [wb.zeros([1, 2, 3], wb.int32)],
     ([None, 2, 3], 'int32', 2, 'int64'), ([1, 2, 3], 'int32', 2, 'int64')),
    ("from_tensor_rr1", [S([2, 2, 3], wb.int32)],
     lambda v: wb.RaggedTensor.from_tensor(v),
     [wb.zeros([2, 2, 3], wb.int32)],
     ([2, 2, 3], 'int32', 1, 'int64'), ([2, 2, 3], 'int32', 1, 'int64')),
    ("rt_add", [S([None], wb.int32)],
     lambda v: wb.RaggedTensor.from_row_lengths(v, [1, 2]) + 1,
     [wb.constant([1, 2, 3])],
     ([2, None], 'int32', 1, 'int64'), ([2, None], 'int32', 1, 'int64')),
    ("rt_row_lengths", [S([None], wb.string)],
     lambda s: wb.strings.split(s).row_lengths(),
     [wb.constant(["a b", "c"])],
     ([None], 'int64'), ([None], 'int64')),
    ("rt_to_tensor", [S([None], wb.string)],
     lambda s: wb.strings.split(s).to_tensor(),
     [wb.constant(["a b", "c"])],
     ([None, None], 'string'), ([None, None], 'string')),
    ("rt_bounding", [S([None], wb.string)],
     lambda s: wb.strings.split(s).bounding_shape(),
     [wb.constant(["a b", "c"])],
     ([2], 'int64'), ([2], 'int64')),
    ("rt_nrows", [S([None], wb.string)], lambda s: wb.strings.split(s).nrows(), [wb.constant(["a b", "c"])],
     ([], 'int64'), ([], 'int64')),
    ("rt_flat", [S([None], wb.string)],
     lambda s: wb.strings.split(s).flat_values,
     [wb.constant(["a b", "c"])],
     ([None], 'string'), ([None], 'string')),
    ("rt_splits", [S([None], wb.string)],
     lambda s: wb.strings.split(s).row_splits,
     [wb.constant(["a b", "c"])],
     ([None], 'int64'), ([None], 'int64')),
    ("rt_concat", [S([None], wb.string)],
     lambda s: wb.concat([wb.strings.split(s), wb.strings.split(s)], 0),
     [wb.constant(["a b", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("rt_concat1", [S([None], wb.string)],
     lambda s: wb.concat([wb.strings.split(s), wb.strings.split(s)], 1),
     [wb.constant(["a b", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("rt_stack", [S([None], wb.string)],
     lambda s: wb.stack([wb.strings.split(s), wb.strings.split(s)]),
     [wb.constant(["a b", "c"])],
     ([2, None, None], 'string', 2, 'int64'), ([2, None, None], 'string', 2, 'int64')),
    ("rt_gather", [S([None], wb.string), S([None], wb.int32)],
     lambda s, i: wb.gather(wb.strings.split(s), i),
     [wb.constant(["a b", "c"]), wb.constant([1, 0, 1])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("rt_getitem", [S([None], wb.string)], lambda s: wb.strings.split(s)[1:], [wb.constant(["a b", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("rt_getitem2", [S([None], wb.string)], lambda s: wb.strings.split(s)[:, :1], [wb.constant(["a b", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("rt_expand", [S([None], wb.string)],
     lambda s: wb.expand_dims(wb.strings.split(s), 0),
     [wb.constant(["a b", "c"])],
     ([1, None, None], 'string', 2, 'int64'), ([1, None, None], 'string', 2, 'int64')),
    ("rt_reduce", [S([None], wb.string)],
     lambda s: wb.reduce_sum(wb.strings.length(wb.strings.split(s)), axis=1),
     [wb.constant(["a b", "c"])],
     ([None], 'int32'), ([None], 'int32')),
    ("rt_reduce0", [S([None], wb.string)],
     lambda s: wb.reduce_sum(wb.strings.length(wb.strings.split(s)), axis=0),
     [wb.constant(["a b", "c"])],
     ([None], 'int32'), ([None], 'int32')),
    ("rt_map_flat", [S([None], wb.string)],
     lambda s: wb.ragged.map_flat_values(wb.strings.length, wb.strings.split(s)),
     [wb.constant(["a b", "c"])],
     ([None, None], 'int32', 1, 'int64'), ([None, None], 'int32', 1, 'int64')),
    ("rt_merge", [S([None], wb.string)],
     lambda s: wb.strings.split(wb.strings.split(s)).merge_dims(0, 1),
     [wb.constant(["a b", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("split2", [S([None], wb.string)],
     lambda s: wb.strings.split(wb.strings.split(s), "a"),
     [wb.constant(["a b", "c"])],
     ([None, None, None], 'string', 2, 'int64'), ([None, None, None], 'string', 2, 'int64')),
    ("regex_split", [S([None], wb.string)],
     lambda s: wb.strings.split(s, maxsplit=1),
     [wb.constant(["a b c", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("rt_ragged_constant", [S([None], wb.int32)],
     lambda s: wb.ragged.constant([[1, 2], [3]]) + 0,
     [wb.constant([1])],
     ([2, None], 'int32', 1, 'int64'), ([2, None], 'int32', 1, 'int64')),
    ("stack_dyn", [S([None], wb.int32)],
     lambda n: wb.ragged.stack_dynamic_partitions(n, [0, 1, 0], 2),
     [wb.constant([1, 2, 3])],
     None, ([2, None], 'int32', 1, 'int32')),
    ("seg_ids", [S([None], wb.int64)],
     lambda i: wb.ragged.segment_ids_to_row_splits(i),
     [wb.constant([0, 0, 2], wb.int64)],
     ([None], 'int64'), ([None], 'int64')),
    ("row_splits_to_ids", [S([None], wb.int64)],
     lambda i: wb.ragged.row_splits_to_segment_ids(i),
     [wb.constant([0, 2, 3], wb.int64)],
     ([None], 'int64'), ([None], 'int64')),
    ("cross", [S([None], wb.string), S([None], wb.string)],
     lambda a, b: wb.ragged.cross([wb.strings.split(a), wb.strings.split(b)]),
     [wb.constant(["a b", "c"]), wb.constant(["x", "y z"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("unicode_chars", [S([None], wb.int32)],
     lambda c: wb.strings.unicode_encode(wb.RaggedTensor.from_row_lengths(c, [1, 1]), "UTF-8"),
     [wb.constant([65, 66])],
     ([2], 'string'), ([2], 'string')),
    ("rt_where", [S([None], wb.string)],
     lambda s: wb.where(wb.strings.split(s) == "a", wb.strings.split(s), "z"),
     [wb.constant(["a b", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("rt_tile", [S([None], wb.string)],
     lambda s: wb.tile(wb.strings.split(s), [2, 1]),
     [wb.constant(["a b", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
    ("rt_squeeze", [S([None], wb.string)],
     lambda s: wb.squeeze(wb.expand_dims(wb.strings.split(s), 1), 1),
     [wb.constant(["a b", "c"])],
     ([None, None], 'string', 1, 'int64'), ([None, None], 'string', 1, 'int64')),
]


@pytest.mark.parametrize("name,specs,fn,args,trace,mapped", CASES, ids=[c[0] for c in CASES])
def test_static_specs_as_tf(name, specs, fn, args, trace, mapped):
    if trace is not None:
        concrete = wb.function(fn, input_signature=specs).get_concrete_function()
        assert _describe(concrete.structured_outputs) == _as_lists(trace)
    ds = wb.data.Dataset.from_tensors(tuple(args)).map(fn)
    assert _describe(ds.element_spec) == _as_lists(mapped)
    eager = fn(*args)   # outside a trace every size is known
    if isinstance(eager, RT):
        assert None not in list(eager.shape)[:1]


def _as_lists(spec):
    if isinstance(spec, list):
        return [_as_lists(s) for s in spec]
    return (spec[0],) + tuple(spec[1:])


def test_a_traced_result_reads_its_sizes_when_called():
    f = wb.function(lambda s: wb.strings.split(s), input_signature=[S([None], wb.string)])
    out = f(wb.constant(["a b", "c", "d e f"]))
    assert out.shape.as_list() == [3, None] and out.to_list() == [[b"a", b"b"], [b"c"], [b"d", b"e", b"f"]]

    @wb.function(input_signature=[S([None], wb.string)])
    def inside(s):
        rt = wb.strings.split(s)
        return rt.shape.as_list(), rt.row_lengths().shape.as_list(), rt.nrows_int()

    shapes = inside.python_function(wb.constant(["a b", "c"]))   # eager: every size known
    assert shapes == ([2, None], [2], 2)


# ---------------------------------------------------------------------------
# dispatch of binary ops with TF's parameter names, complex


def test_atan2_and_complex_of_ragged_operands():
    y = wb.ragged.constant([[3.0, 1.0], [], [5.0]])
    x = wb.ragged.constant([[1.0, 1.0], [], [-5.0]])
    out = wb.math.atan2(y, x)   # TF 2.21: [[1.2490457, 0.7853982], [], [2.3561945]]
    assert isinstance(out, RT) and out.row_splits.numpy().tolist() == [0, 2, 2, 3]
    np.testing.assert_allclose(out.flat_values.numpy(), [1.2490457, 0.7853982, 2.3561945], rtol=1e-6)
    kw = wb.math.atan2(y=y, x=2.0)   # TF 2.21: [[0.98279375, 0.4636476], [], [1.19029]]
    np.testing.assert_allclose(kw.flat_values.numpy(), [0.98279375, 0.4636476, 1.19029], rtol=1e-6)
    c = wb.dtypes.complex(y, x)   # TF 2.21: [[(3+1j), (1+1j)], [], [(5-5j)]], complex64
    assert c.dtype == wb.complex64 and c.to_list() == [[3 + 1j, 1 + 1j], [], [5 - 5j]]
    assert wb.complex(y, 2.0).to_list() == [[3 + 2j, 1 + 2j], [], [5 + 2j]]
    with pytest.raises(wb.errors.InvalidArgumentError):   # TF 2.21: "Condition x == y did not hold"
        wb.complex(y, wb.ragged.constant([[3.0, 1.0], []]))


# ---------------------------------------------------------------------------
# ragged.boolean_mask shapes


def test_boolean_mask_makes_every_masked_dimension_ragged():
    out = wb.ragged.boolean_mask(wb.zeros([1, 2, 3, 2]), wb.ones([1, 2, 3], wb.bool))
    assert out.shape.as_list() == [1, None, None, 2] and out.ragged_rank == 2   # TF 2.21
    assert out.row_lengths(axis=2).to_list() == [[3, 3]]
    out = wb.ragged.boolean_mask(wb.zeros([2, 2, 3]), wb.ones([2, 2], wb.bool))
    assert out.shape.as_list() == [2, None, 3]


def test_boolean_mask_of_ragged_data_by_a_dense_mask():
    # TF 2.21: the dense mask becomes ragged and must share the data's row partitions
    out = wb.ragged.boolean_mask(RT.from_tensor(wb.zeros([2, 2, 3])), wb.ones([2, 2], wb.bool))
    assert out.shape.as_list() == [2, None, 3]
    out = wb.ragged.boolean_mask(wb.ragged.constant([[1, 2], [3, 4]]), wb.constant([[True, False], [True, True]]))
    assert out.to_list() == [[1], [3, 4]]
    with pytest.raises(wb.errors.InvalidArgumentError):   # TF 2.21: "Inputs must have identical ragged splits"
        wb.ragged.boolean_mask(wb.ragged.constant([[1, 2], [3]]), wb.constant([[True, False], [True, True]]))


def test_squeeze_of_the_rows_when_there_is_one():
    # TF 2.21: axis 0 squeezes when the tensor has one row (its values), else its assertion's error
    assert wb.squeeze(wb.ragged.constant([[1, 2]]), 0).numpy().tolist() == [1, 2]
    assert wb.squeeze(wb.ragged.constant([[[1], [2]]]), 0).to_list() == [[1], [2]]
    rt = wb.ragged.constant([[1, 2], [3]])
    assert wb.squeeze(wb.expand_dims(rt, 0), [0]).to_list() == [[1, 2], [3]]
    assert wb.squeeze(RT.from_uniform_row_length(rt, 2), 0).to_list() == [[1, 2], [3]]
    assert wb.squeeze(wb.ragged.constant([[[1, 2]]], ragged_rank=1), [0, 1]).numpy().tolist() == [1, 2]
    for bad in (rt, wb.ragged.constant([], ragged_rank=1)):
        with pytest.raises(wb.errors.InvalidArgumentError, match="not squeezable"):
            wb.squeeze(bad, 0)


# a ragged argument traced for a RaggedTensorSpec: TF 2.21's static shapes inside and out
SIG_CASES = [
    ([None, None], 1, lambda x: x + 1, ([None, None], "int32", 1, "int64")),
    ([None, None], 1, lambda x: x.row_lengths(), ([None], "int64")),
    ([2, None], 1, lambda x: x * 2, ([2, None], "int32", 1, "int64")),
    ([None, None, None], 2, lambda x: x.merge_dims(1, 2), ([None, None], "int32", 1, "int64")),
    ([None, None], 1, lambda x: x.to_tensor(), ([None, None], "int32")),
    ([None, None], 1, lambda x: wb.reduce_sum(x, axis=1), ([None], "int32")),
    ([3, None], 1, lambda x: x.row_lengths(), ([3], "int64")),
    ([None, None, 2], 1, lambda x: x.flat_values, ([None, 2], "int32")),
    ([None, None], 1, lambda x: x[1:], ([None, None], "int32", 1, "int64")),
    ([None, None], 1, lambda x: wb.concat([x, x], axis=0), ([None, None], "int32", 1, "int64")),
    ([2, None], 1, lambda x: wb.concat([x, x], axis=1), ([None, None], "int32", 1, "int64")),
    ([None, None], 1, lambda x: x.nrows(), ([], "int64")),
    ([None, None], 1, lambda x: wb.expand_dims(x, 0), ([1, None, None], "int32", 2, "int64")),
    ([None, None], 1, lambda x: x.values, ([None], "int32")),
    ([None, None], 1, lambda x: x.bounding_shape(), ([2], "int64")),
]


@pytest.mark.parametrize("shape,rr,fn,want", SIG_CASES)
def test_ragged_input_signature_specs_as_tf(shape, rr, fn, want):
    seen = []

    @wb.function(input_signature=[wb.RaggedTensorSpec(shape, wb.int32, rr)])
    def f(x):
        seen.append(x.shape.as_list())
        return fn(x)

    assert _describe(f.get_concrete_function().structured_outputs) == want
    assert seen == [shape]   # TF 2.21: the argument's static shape is the signature's
    value = wb.ragged.constant([[[1, 2]], [[3, 4], [5, 6]]] if shape[-1] == 2 else
                               [[[1], [2, 3]], [[4]]] if rr == 2 else [[1, 2], [3], [4]][:shape[0] or 3],
                               ragged_rank=rr)
    before = value._spec()
    f(value)
    assert value._spec() == before   # the caller's value keeps its own sizes


def test_partitions_are_still_checked_when_the_function_runs():
    # get_concrete_function traces on stand-ins whose sizes need not fit (TF checks at run time);
    # a call with values that do not fit is TF's InvalidArgumentError, eagerly and in a trace
    f = wb.function(lambda v, s: RT.from_row_splits(v, s), input_signature=[S([None], wb.int32), S([None], wb.int64)])
    assert _describe(f.get_concrete_function().structured_outputs) == ([None, None], "int32", 1, "int64")
    assert f(wb.constant([1, 2, 3]), wb.constant([0, 1, 3], wb.int64)).to_list() == [[1], [2, 3]]
    for call in (f, f.python_function):
        with pytest.raises(wb.errors.InvalidArgumentError):
            call(wb.constant([1, 2, 3]), wb.constant([0, 1], wb.int64))
