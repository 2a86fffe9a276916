"""TF 2.21 ops pinned against TF 2.21's results: dynamic_partition / dynamic_stitch, truncatediv /
truncatemod, Variable.sparse_read, sort / argsort as graph ops, and dispatch of keyword
arguments. Gradients of the partition ops are checked against finite differences in
tests/op_cases/partition.py."""

import warnings

import numpy as np
import pytest

import workbench as wb
from workbench.compiler import UnreplayableWarning

IAE = wb.errors.InvalidArgumentError
D4 = [[1., 2.], [3., 4.], [5., 6.], [7., 8.]]


def _lists(ts):
    return [t.numpy().tolist() for t in ts]


@pytest.fixture
def replay_only():
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        yield


# -- dynamic_partition / dynamic_stitch ------------------------------------------------------

def test_dynamic_partition_values_as_tf():
    d = wb.constant(D4)
    assert _lists(wb.dynamic_partition(d, [0, 1, 0, 2], 3)) == [[[1, 2], [5, 6]], [[3, 4]], [[7, 8]]]
    parts = wb.dynamic_partition(d, [0, 1, 0, 1], 3)   # an empty partition keeps the inner shape
    assert _lists(parts) == [[[1, 2], [5, 6]], [[3, 4], [7, 8]], []] and parts[2].shape == (0, 2)
    assert _lists(wb.dynamic_partition(d, [[0, 1], [0, 1], [1, 1], [0, 0]], 2)) == [[1, 3, 7, 8], [2, 4, 5, 6]]
    parts = wb.dynamic_partition(10., 1, 2)
    assert _lists(parts) == [[], [10.0]] and parts[0].dtype == wb.float32
    assert _lists(wb.dynamic_partition(wb.constant(["a", "b"]), [1, 0], 2)) == [[b"b"], [b"a"]]


def test_dynamic_partition_errors_as_tf():
    d = wb.constant(D4)
    with pytest.raises(IAE, match=r"^partitions\[1\] = 3 is not in \[0, 3\)"):
        wb.dynamic_partition(d, [0, 3, 0, 1], 3)
    with pytest.raises(IAE, match=r"^partitions\[1\] = -1 is not in \[0, 3\)"):
        wb.dynamic_partition(d, [0, -1, 0, 1], 3)
    with pytest.raises(IAE, match=r"^partitions\[2,1\] = 5 is not in \[0, 2\)"):
        wb.dynamic_partition(d, [[0, 1], [0, 1], [1, 5], [0, 0]], 2)
    with pytest.raises(IAE, match=r"^data.shape must start with partitions.shape, got data.shape = \[4,2\], "
                                  r"partitions.shape = \[3\]"):
        wb.dynamic_partition(d, [0, 1, 0], 3)
    with pytest.raises(IAE, match="^Value for attr 'num_partitions' of 0 must be at least minimum 1"):
        wb.dynamic_partition(d, [0, 1, 0, 1], 0)
    with pytest.raises(TypeError, match=r"^Cannot convert \[0.0, 1.0, 0.0, 1.0\] to EagerTensor of dtype int32"):
        wb.dynamic_partition(d, [0., 1., 0., 1.], 2)
    with pytest.raises(IAE, match=r"^cannot compute DynamicPartition as input #1\(zero-based\) was expected to be "
                                  "a int32 tensor but is a int64 tensor"):
        wb.dynamic_partition(d, wb.constant([0, 1, 0, 1], wb.int64), 2)


def test_dynamic_stitch_values_as_tf():
    out = wb.dynamic_stitch([[0, 2], [1, 3]], [[1., 2.], [3., 4.]])
    np.testing.assert_array_equal(out.numpy(), np.float32([1, 3, 2, 4]))
    # TF's docstring example: indices of any rank, each a prefix of its data's shape
    out = wb.dynamic_stitch([6, [4, 1], [[5, 2], [0, 3]]],
                            [[61., 62.], [[41., 42.], [11., 12.]], [[[51., 52.], [21., 22.]], [[1., 2.], [31., 32.]]]])
    np.testing.assert_array_equal(out.numpy(), [[1, 2], [11, 12], [21, 22], [31, 32], [41, 42], [51, 52], [61, 62]])
    # rows no index names are zeros; where indices repeat, the later value wins
    np.testing.assert_array_equal(wb.dynamic_stitch([[0, 1], [1, 3]], [[1., 2.], [3., 4.]]).numpy(), [1, 3, 0, 4])
    np.testing.assert_array_equal(wb.dynamic_stitch([[0, 2], [1, 0]], [[1., 2.], [3., 4.]]).numpy(), [4, 3, 2])
    np.testing.assert_array_equal(wb.dynamic_stitch([[0, 3]], [[1., 2.]]).numpy(), [1, 0, 0, 2])
    out = wb.dynamic_stitch([[]], [wb.zeros([0, 2])])
    assert out.shape == (0, 2) and out.dtype == wb.float32
    out = wb.dynamic_stitch([[0, 1]], [[1, 2]])
    assert out.dtype == wb.int32 and out.numpy().tolist() == [1, 2]
    from workbench.ops.partition import parallel_dynamic_stitch
    np.testing.assert_array_equal(parallel_dynamic_stitch([[0, 2], [1, 0]], [[1., 2.], [3., 4.]]).numpy(), [4, 3, 2])


def test_dynamic_stitch_errors_as_tf():
    with pytest.raises(IAE, match=r"^indices\[1\] is out of range"):
        wb.dynamic_stitch([[0, -1]], [[1., 2.]])
    with pytest.raises(IAE, match=r"^data\[0\].shape = \[3\] does not start with indices\[0\].shape = \[2\]"):
        wb.dynamic_stitch([[0, 1]], [[1., 2., 3.]])
    with pytest.raises(ValueError, match=r"^List argument 'data' to 'dynamic_stitch' Op with length 1 must match "
                                         "length 2 of argument 'indices'."):
        wb.dynamic_stitch([[0, 1], [2]], [[1., 2.]])
    with pytest.raises(ValueError, match="int32"):   # TF: a ValueError (int64 indices are refused)
        wb.dynamic_stitch([wb.constant([0, 1], wb.int64)], [[1., 2.]])
    with pytest.raises(IAE, match=r"^Need data\[0\].shape\[2:\] = data\[1\].shape\[1:\], got data\[0\].shape = "
                                  r"\[1,2,2\], data\[1\].shape = \[1,3\], indices\[0\].shape = \[1,2\], "
                                  r"indices\[1\].shape = \[1\]"):
        wb.dynamic_stitch([[[0, 1]], [2]], [[[[1, 2], [3, 4]]], [[3, 4, 5]]])


def test_partition_and_stitch_gradients_as_tf():
    x = wb.constant([[1., 2.], [3., 4.], [5., 6.]], wb.float64)
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(x)
        p = wb.dynamic_partition(x, [1, 0, 1], 3)
        loss = wb.reduce_sum(p[0] * 2.) + wb.reduce_sum(p[1] * 3.)
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), [[3, 3], [2, 2], [3, 3]])
    np.testing.assert_array_equal(tape.gradient(p[2], x).numpy(), np.zeros((3, 2)))   # TF: zeros, not None
    # stitch: each entry gets the merged cotangent at its index, even where a later entry won (TF)
    a, b = wb.constant([1., 2.], wb.float64), wb.constant([3., 4.], wb.float64)
    with wb.GradientTape() as tape:
        tape.watch([a, b])
        m = wb.dynamic_stitch([[0, 2], [1, 0]], [a, b])
        loss = wb.reduce_sum(m * wb.constant([1., 10., 100.], wb.float64))
    ga, gb = tape.gradient(loss, [a, b])
    np.testing.assert_array_equal(ga.numpy(), [1, 100])
    np.testing.assert_array_equal(gb.numpy(), [10, 1])


def test_partition_and_stitch_replay_in_a_function(replay_only):
    @wb.function
    def f(x, p):
        parts = wb.dynamic_partition(x, p, 2)
        where = wb.dynamic_partition(wb.range(4), p, 2)
        return wb.dynamic_stitch(where, [parts[0] * 10., parts[1]])

    for p in ([0, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 1]):
        x = wb.constant([1., 2., 3., 4.])
        want = np.where(np.array(p) == 0, 10., 1.) * x.numpy()
        np.testing.assert_array_equal(f(x, wb.constant(p)).numpy(), want)
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(IAE, match=r"partitions\[3\] = 2 is not in \[0, 2\)"):
        f(wb.constant([1., 2., 3., 4.]), wb.constant([1, 1, 1, 2]))


# -- truncatediv / truncatemod --------------------------------------------------------------

@pytest.mark.parametrize("dtype", [wb.int32, wb.int64, wb.float32, wb.float64], ids=str)
def test_truncate_div_and_mod_round_toward_zero(dtype):
    x, y = wb.constant([7, -7, 7, -7, 5], dtype), wb.constant([2, 2, -2, -2, 3], dtype)
    q, r = wb.truncatediv(x, y), wb.truncatemod(x, y)
    assert q.dtype == dtype and r.dtype == dtype
    np.testing.assert_array_equal(q.numpy(), [3, -3, -3, 3, 1])   # TF 2.21
    np.testing.assert_array_equal(r.numpy(), [1, -1, 1, -1, 2])


def test_truncate_div_and_mod_values_as_tf():
    for dt in (wb.int8, wb.int16, wb.float16):
        np.testing.assert_array_equal(wb.truncatediv(wb.constant([7, -7, 7, -7, 5], dt),
                                                     wb.constant([2, 2, -2, -2, 3], dt)).numpy(), [3, -3, -3, 3, 1])
    for dt in (wb.uint8, wb.uint32):
        np.testing.assert_array_equal(wb.truncatediv(wb.constant([7, 9, 200], dt), wb.constant([2, 4, 7], dt)).numpy(),
                                      [3, 2, 28])
    # the most negative int32 over -1 wraps (TF); floats: inf and nan, no error
    assert wb.truncatediv(wb.constant([-2 ** 31]), wb.constant([-1])).numpy().tolist() == [-2 ** 31]
    assert wb.truncatemod(wb.constant([-2 ** 31]), wb.constant([-1])).numpy().tolist() == [0]
    np.testing.assert_array_equal(wb.truncatediv(wb.constant([1., -2., 0.]), wb.constant([0., 0., 0.])).numpy(),
                                  [np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(wb.truncatemod(wb.constant([1., -2., 0.]), wb.constant([0., 0., 0.])).numpy(),
                                  [np.nan] * 3)
    np.testing.assert_array_equal(wb.truncatemod(wb.constant([5.5, -5.5, np.inf, 3.]),
                                                 wb.constant([2., 2., 2., np.inf])).numpy(), [1.5, -1.5, np.nan, 3.])
    np.testing.assert_array_equal(wb.truncatediv(wb.constant([5.5, -5.5]), 2.).numpy(), [2., -2.])
    np.testing.assert_array_equal(wb.truncatediv(wb.constant([[7], [8]]), wb.constant([2, 3])).numpy(),
                                  [[3, 2], [4, 2]])
    out = wb.truncatediv(7, 2)
    assert out.dtype == wb.int32 and int(out) == 3


def test_truncate_div_and_mod_errors_as_tf():
    msg = r"integer division by zero \(TF: Unexpected error in binary operator"
    for fn in (wb.truncatediv, wb.truncatemod):
        for dt in (wb.int32, wb.int64):
            with pytest.raises(wb.errors.InternalError, match=msg):
                fn(wb.constant([1, 2], dt), wb.constant([1, 0], dt))
    with pytest.raises(wb.errors.InternalError, match=msg):
        wb.truncatediv(wb.constant([1, 2], wb.uint8), wb.constant([1, 0], wb.uint8))
    with pytest.raises(IAE, match="^Value for attr 'T' of int8 is not in the list of allowed values: int32, int64, "
                                  r"bfloat16, half, float, double \[Op:TruncateMod\]"):
        wb.truncatemod(wb.constant([1], wb.int8), wb.constant([1], wb.int8))
    with pytest.raises(IAE, match="^Value for attr 'T' of bool is not in the list of allowed values: bfloat16, half"):
        wb.truncatediv(wb.constant([True]), wb.constant([True]))
    with pytest.raises(wb.errors.NotFoundError, match=r"TruncateMod\[T=DT_HALF\]"):
        wb.truncatemod(wb.constant([1.], wb.float16), wb.constant([1.], wb.float16))
    with pytest.raises(wb.errors.NotFoundError, match=r"TruncateDiv\[T=DT_COMPLEX128\]"):
        wb.truncatediv(wb.constant([1 + 2j]), wb.constant([1 + 1j]))
    with pytest.raises(TypeError, match="cannot convert 2.5"):   # TF: TypeError too
        wb.truncatediv(wb.constant([7, 8]), 2.5)
    with pytest.raises(TypeError, match="same dtype"):   # TF: InvalidArgumentError (int32 vs int64)
        wb.truncatediv(wb.constant([7, 8]), wb.constant([2, 3], wb.int64))
    for fn, op in ((wb.truncatediv, "TruncateDiv"), (wb.truncatemod, "TruncateMod")):
        with pytest.raises(IAE, match=rf"^\{{\{{function_node __wrapped__{op}_device_.*\}}\}} Incompatible shapes: "
                                      rf"\[1,2\] vs. \[3\] \[Op:{op}\]$"):
            fn([[1, 2]], [3, 1, 2])


def test_truncate_gradients_as_tf():
    x, y = wb.constant([7.5, -7.5], wb.float64), wb.constant([2., 2.], wb.float64)
    with wb.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        q = wb.truncatediv(x, y)
        r = wb.truncatemod(x, y)
    with pytest.warns(wb.errors.UnconnectedGradientWarning):
        assert tape.gradient(q, [x, y]) == [None, None]   # TF: NotDifferentiable
    with pytest.raises(LookupError, match="^gradient registry has no entry for: TruncateMod$"):
        tape.gradient(r, x)


def test_truncate_ops_replay_in_a_function(replay_only):
    @wb.function
    def f(x, y):
        return wb.truncatediv(x, y), wb.truncatemod(x, y)

    for a, b in (([7, -7], [2, 2]), ([9, -9], [-4, 4])):
        q, r = f(wb.constant(a), wb.constant(b))
        np.testing.assert_array_equal(q.numpy(), np.trunc(np.divide(a, b)))
        np.testing.assert_array_equal(r.numpy(), np.fmod(a, b))
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(wb.errors.InternalError, match="division by zero"):
        f(wb.constant([1, 2]), wb.constant([0, 1]))


# -- sort / argsort: ops of the graph ---------------------------------------------------------

def test_sort_and_argsort_values_as_tf():
    # TF 2.21 (ties keep their index order in both directions, whatever `stable` says)
    cases = [(wb.constant([3, 1, 255, 0], wb.uint8), [0, 1, 3, 255], [255, 3, 1, 0], [3, 1, 0, 2], [2, 0, 1, 3]),
             (wb.constant([3, -2 ** 31, 2 ** 31 - 1, 0]), [-2 ** 31, 0, 3, 2 ** 31 - 1], [2 ** 31 - 1, 3, 0, -2 ** 31],
              [1, 3, 0, 2], [2, 0, 3, 1]),
             (wb.constant([2., 1., 2., 1., 2.]), [1, 1, 2, 2, 2], [2, 2, 2, 1, 1], [1, 3, 0, 2, 4], [0, 2, 4, 1, 3])]
    for x, up, down, arg_up, arg_down in cases:
        assert wb.sort(x).dtype == x.dtype
        assert wb.sort(x).numpy().tolist() == up
        assert wb.sort(x, direction="DESCENDING").numpy().tolist() == down
        for stable in (False, True):
            out = wb.argsort(x, stable=stable)
            assert out.dtype == wb.int32 and out.numpy().tolist() == arg_up
            assert wb.argsort(x, direction="DESCENDING", stable=stable).numpy().tolist() == arg_down
    m = wb.constant([[3., 1.], [2., 5.]])
    for axis in (0, -2, wb.constant(0)):
        assert wb.sort(m, axis=axis).numpy().tolist() == [[2, 1], [3, 5]]
        assert wb.argsort(m, axis=axis).numpy().tolist() == [[1, 0], [0, 1]]
    assert wb.sort(wb.zeros([2, 0])).shape == (2, 0) and wb.argsort(wb.zeros([2, 0])).dtype == wb.int32
    assert wb.argsort([3, 1, 2]).numpy().tolist() == [1, 2, 0]


def test_sort_and_argsort_errors_as_tf():
    for fn in (wb.sort, wb.argsort):
        with pytest.raises(ValueError, match=r"^Argument `direction` should be one of ASCENDING, DESCENDING. "
                                             "Received: direction=descending$"):
            fn(wb.constant([3., 1.]), direction="descending")
        for bad, name in (([True, False], "bool"), (["b", "a"], "string"), ([1 + 1j], "complex128")):
            with pytest.raises(IAE, match=f"^Value for attr 'T' of {name} is not in the list of allowed values: "
                                          "float, double, int32"):
                fn(wb.constant(bad))
        with pytest.raises(IAE, match="rank >= 1"):   # TF: InvalidArgumentError (a strided slice's)
            fn(wb.constant(3.))
        for axis in (2, -3):
            with pytest.raises(IAE, match=f"axis {axis} is out of range for values of rank 2"):
                fn(wb.constant([[3., 1.], [2., 5.]]), axis=axis)
        with pytest.raises(TypeError, match="axis must be an integer, got 0.5"):
            fn(wb.constant([[3., 1.], [2., 5.]]), axis=0.5)


def test_sort_gradient_as_tf():
    x = wb.constant([[3., 1., 2.], [2., 5., 2.]], wb.float64)
    w = wb.constant([[1., 2., 3.], [4., 5., 6.]], wb.float64)
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(x)
        up0 = wb.sort(x, axis=0) * w
        down = wb.sort(x, direction="DESCENDING") * w   # the tie (2., 2.) keeps index order
        order = wb.cast(wb.argsort(x), wb.float64)
    np.testing.assert_array_equal(tape.gradient(up0, x).numpy(), [[4, 2, 3], [1, 5, 6]])   # TF 2.21
    np.testing.assert_array_equal(tape.gradient(down, x).numpy(), [[1, 3, 2], [5, 4, 6]])
    with pytest.warns(wb.errors.UnconnectedGradientWarning):
        assert tape.gradient(order, x) is None


def test_sort_argsort_and_top_k_replay_in_a_function(replay_only):
    @wb.function
    def f(x):
        return (wb.sort(x), wb.argsort(x, axis=0, direction="DESCENDING"), wb.math.top_k(x, 2).indices,
                wb.math.top_k(x, 1, index_type=wb.int64).values)

    for v in ([[3., 1., 2.], [0., 5., 2.]], [[9., 1., 2.], [0., -5., 2.]]):
        got = f(wb.constant(v))
        a = np.array(v, np.float32)
        np.testing.assert_array_equal(got[0].numpy(), np.sort(a))
        np.testing.assert_array_equal(got[1].numpy(), np.argsort(-a, axis=0, kind="stable"))
        np.testing.assert_array_equal(got[2].numpy(), np.argsort(-a, kind="stable")[:, :2])
        np.testing.assert_array_equal(got[3].numpy(), a.max(axis=1, keepdims=True))
    assert f.experimental_get_tracing_count() == 1

    @wb.function
    def g(x):
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = wb.reduce_sum(wb.sort(x) * wb.constant([1., 2., 3.]))
        return tape.gradient(y, x)

    np.testing.assert_array_equal(g(wb.constant([3., 1., 2.])).numpy(), [3, 1, 2])
    np.testing.assert_array_equal(g(wb.constant([1., 3., 2.])).numpy(), [1, 3, 2])
    assert g.experimental_get_tracing_count() == 1


# -- Variable.sparse_read ---------------------------------------------------------------------

def test_sparse_read_values_gradient_and_errors_as_tf():
    v = wb.Variable([[1., 2.], [3., 4.], [5., 6.]])
    np.testing.assert_array_equal(v.sparse_read([2, 0, 2]).numpy(), [[5, 6], [1, 2], [5, 6]])
    np.testing.assert_array_equal(v.sparse_read([[2], [0]]).numpy(), [[[5, 6]], [[1, 2]]])
    np.testing.assert_array_equal(v.sparse_read(1).numpy(), [3, 4])
    np.testing.assert_array_equal(v.sparse_read(wb.constant([1], wb.int64)).numpy(), [[3, 4]])
    assert wb.Variable([1, 2, 3]).sparse_read([2]).numpy().tolist() == [3]
    # TF 2.21: the gradient is an IndexedSlices of the rows read, int32 indices
    with wb.GradientTape() as tape:
        y = v.sparse_read([2, 0, 2]) * wb.constant([[1.], [2.], [3.]])
    g = tape.gradient(y, v)
    assert isinstance(g, wb.IndexedSlices) and g.indices.dtype == wb.int32
    assert g.values.numpy().tolist() == [[1, 1], [2, 2], [3, 3]] and g.indices.numpy().tolist() == [2, 0, 2]
    assert g.dense_shape.numpy().tolist() == [3, 2]
    with wb.GradientTape() as tape:
        y = v.sparse_read([[2], [0]])
    g = tape.gradient(y, v)
    assert g.values.numpy().tolist() == [[1, 1], [1, 1]] and g.indices.numpy().tolist() == [2, 0]
    for bad in ([3], [-1]):
        with pytest.raises(IAE, match=rf"indices\[0\] = {bad[0]} is not in \[0, 3\) \[Op:ResourceGather\]"):
            v.sparse_read(bad)
    with pytest.raises(IAE, match="rank >= 1"):   # TF: "params must be at least 1 dimensional"
        wb.Variable(3.).sparse_read([0])


def test_sparse_read_in_a_function(replay_only):
    v = wb.Variable([[1., 2.], [3., 4.], [5., 6.]])

    @wb.function
    def f(i):
        with wb.GradientTape() as tape:
            y = wb.reduce_sum(v.sparse_read(i))
        return y, wb.convert_to_tensor(tape.gradient(y, v))

    y, g = f(wb.constant([2, 0]))
    assert float(y) == 14.0 and g.numpy().tolist() == [[1, 1], [0, 0], [1, 1]]
    v.assign([[0., 0.], [1., 1.], [2., 2.]])
    y, g = f(wb.constant([1, 1]))
    assert float(y) == 4.0 and g.numpy().tolist() == [[0, 0], [2, 2], [0, 0]]
    assert f.experimental_get_tracing_count() == 1


# -- dispatch sees keyword arguments -----------------------------------------------------------

def test_keyword_arguments_dispatch_to_user_targets_as_tf():
    import typing

    class Masked(wb.experimental.ExtensionType):
        values: wb.Tensor
        mask: wb.Tensor

    @wb.experimental.dispatch_for_api(wb.math.reduce_sum, {"input_tensor": Masked})
    def masked_sum(input_tensor, axis=None, keepdims=False, name=None):
        return wb.reduce_sum(wb.where(input_tensor.mask, input_tensor.values, 0.), axis=axis, keepdims=keepdims)

    @wb.experimental.dispatch_for_api(wb.concat, {"values": typing.List[Masked]})
    def masked_concat(values, axis, name=None):
        return Masked(wb.concat([v.values for v in values], axis), wb.concat([v.mask for v in values], axis))

    @wb.experimental.dispatch_for_unary_elementwise_apis(Masked)
    def masked_unary(api_func, x):
        return Masked(api_func(x.values), x.mask)

    try:
        mt = Masked(wb.constant([1., -2., 3.]), wb.constant([True, False, True]))
        # TF 2.21: 4.0 for both calls, the concatenation, and abs through x=
        assert float(wb.reduce_sum(input_tensor=mt, axis=0)) == 4.0 and float(wb.reduce_sum(mt)) == 4.0
        assert wb.concat(values=[mt, mt], axis=0).values.numpy().tolist() == [1., -2., 3., 1., -2., 3.]
        assert wb.math.abs(x=mt).values.numpy().tolist() == [1., 2., 3.]
        # a keyword composite no target serves: TF's conversion error, not an IndexError
        with pytest.raises(ValueError, match="^Attempt to convert a value"):
            wb.concat(values=[mt, wb.constant([1.])], axis=0)
    finally:
        for t in (masked_sum, masked_concat, masked_unary):
            wb.experimental.unregister_dispatch_for(t)


def test_keyword_arguments_dispatch_to_ragged_handlers():
    import ragged
    rt = ragged.constant([[1., 2.], [3.]])
    assert wb.reduce_sum(input_tensor=rt, axis=1).numpy().tolist() == [3., 3.]
    assert wb.concat(values=[rt, rt], axis=0).to_list() == [[1., 2.], [3.], [1., 2.], [3.]]
    assert wb.gather(params=rt, indices=[1]).to_list() == [[3.]]
    assert wb.gather(rt, indices=[1]).to_list() == [[3.]]
    assert wb.tile(input=rt, multiples=[2, 1]).to_list() == [[1., 2.], [3.], [1., 2.], [3.]]
    assert wb.where(condition=rt > 1.5, x=rt, y=rt * 0).to_list() == [[0., 2.], [3.]]
    assert wb.identity(input=rt).to_list() == wb.stop_gradient(input=rt).to_list() == [[1., 2.], [3.]]
    assert wb.add(x=rt, y=rt).to_list() == [[2., 4.], [6.]]


def test_raw_ops_entries_as_tf():
    R = wb.raw_ops
    # TF 2.21: keyword arguments only, with TF's text
    with pytest.raises(TypeError, match=r"^bitwise_and only takes keyword args \(possible keys: \['x', 'y', 'name'\]\)"
                                        r". Please pass these args as kwargs instead.$"):
        R.BitwiseAnd(wb.constant([1]), wb.constant([1]))
    assert R.TruncateMod(x=wb.constant([7, -7]), y=2).numpy().tolist() == [1, -1]
    assert R.TruncateDiv(x=wb.constant([7, -7]), y=2).numpy().tolist() == [3, -3]
    assert _lists(R.DynamicPartition(data=[1., 2., 3.], partitions=[0, 1, 0], num_partitions=2)) == [[1, 3], [2]]
    assert R.ParallelDynamicStitch(indices=[[0, 2], [1]], data=[[1., 3.], [2.]]).numpy().tolist() == [1, 2, 3]
    assert R.DynamicStitch(indices=[[0, 2], [1]], data=[[1., 3.], [2.]]).numpy().tolist() == [1, 2, 3]
    x, y = wb.constant([12, 5], wb.int8), wb.constant([10, 1], wb.int8)
    for name, want in (("BitwiseAnd", [8, 1]), ("BitwiseOr", [14, 5]), ("BitwiseXor", [6, 4]),
                       ("LeftShift", [0, 10]), ("RightShift", [0, 2])):
        assert getattr(R, name)(x=x, y=y).numpy().tolist() == want
    assert R.Invert(x=x).numpy().tolist() == [-13, -6]


def test_static_shapes_under_an_input_signature_as_tf():
    @wb.function(input_signature=[wb.TensorSpec([None, 3], wb.int32), wb.TensorSpec([None, 3], wb.float32),
                                  wb.TensorSpec([3], wb.int32), wb.TensorSpec(None, wb.int32)])
    def f(x, v, r, u):
        return (wb.bitwise.left_shift(x, 1), wb.truncatediv(x, r + 1), wb.sort(v), wb.argsort(v),
                wb.argsort(v, axis=0), ~x, wb.bitwise.bitwise_and(u, x), wb.math.top_k(v, 2).indices,
                wb.truncatemod(wb.expand_dims(r, 1), x[:, 0] + 1), wb.dynamic_partition(v, x[:, 0], 2)[1],
                wb.dynamic_stitch([x[:, 0]], [v]))

    # TF 2.21's static shapes of the same function
    assert [str(o.shape) for o in f.get_concrete_function().structured_outputs] == [
        "(None, 3)", "(None, 3)", "(None, 3)", "(None, 3)", "(None, 3)", "(None, 3)", "<unknown>", "(None, 2)",
        "(3, None)", "(None, 3)", "(None, 3)"]


def test_new_elementwise_ops_take_ragged_tensors_as_tf():
    import ragged
    rt = ragged.constant([[1, 2], [3]])
    # TF 2.21
    assert wb.bitwise.bitwise_and(rt, rt).to_list() == [[1, 2], [3]]
    assert wb.bitwise.invert(rt).to_list() == [[-2, -3], [-4]]
    assert wb.truncatediv(rt, 2).to_list() == [[0, 1], [1]]
    assert wb.truncatemod(x=rt, y=2).to_list() == [[1, 0], [1]]
