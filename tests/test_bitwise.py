"""wb.bitwise against TF 2.21's tf.bitwise (values, dtypes, shift clamping, errors), in and out
of wb.function."""

import warnings

import numpy as np
import pytest

import workbench as wb
from workbench.compiler import UnreplayableWarning

B = wb.bitwise
INT_DTYPES = [wb.int8, wb.int16, wb.int32, wb.int64, wb.uint8, wb.uint16, wb.uint32, wb.uint64]


def test_namespace_is_tfs():
    assert sorted(B.__all__) == ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift",
                                 "right_shift"]


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=str)
def test_and_or_xor_invert_match_numpy_for_every_integer_dtype(dtype):
    info = np.iinfo(dtype.as_numpy_dtype)
    rng = np.random.default_rng(3)
    a = rng.integers(info.min, info.max, size=(3, 4), dtype=dtype.as_numpy_dtype, endpoint=True)
    b = rng.integers(info.min, info.max, size=(4,), dtype=dtype.as_numpy_dtype, endpoint=True)
    x, y = wb.constant(a), wb.constant(b)
    for fn, ref in ((B.bitwise_and, np.bitwise_and), (B.bitwise_or, np.bitwise_or),
                    (B.bitwise_xor, np.bitwise_xor)):
        out = fn(x, y)
        assert out.dtype == dtype and out.shape == (3, 4)
        np.testing.assert_array_equal(out.numpy(), ref(a, b))
    np.testing.assert_array_equal(B.invert(x).numpy(), np.invert(a))


def test_values_pinned_from_tf():
    # TF 2.21
    np.testing.assert_array_equal(B.bitwise_xor(wb.constant([12, -3], wb.int16), wb.constant([10, 7], wb.int16)),
                                  np.int16([6, -6]))
    np.testing.assert_array_equal(B.bitwise_or(wb.constant([12, 3], wb.uint32), wb.constant([10, 7], wb.uint32)),
                                  np.uint32([14, 7]))
    np.testing.assert_array_equal(B.invert(wb.constant([0, 5, -1])), np.int32([-1, -6, 0]))
    np.testing.assert_array_equal(B.invert(wb.constant([0, 5, 255], wb.uint8)), np.uint8([255, 250, 0]))
    np.testing.assert_array_equal(B.invert(wb.constant([0, 5, 65535], wb.uint16)), np.uint16([65535, 65530, 0]))


def test_shifts_clamp_the_amount_as_tf():
    # TF 2.21: the amount is clamped to [0, bits - 1]: negative is no shift, the width or more is bits - 1
    x, y = wb.constant([1, -8, 127, 5], wb.int8), wb.constant([-1, 0, 7, 8], wb.int8)
    np.testing.assert_array_equal(B.left_shift(x, y), np.int8([1, -8, -128, -128]))
    np.testing.assert_array_equal(B.right_shift(x, y), np.int8([1, -8, 0, 0]))
    x, y = wb.constant([1, -8, 127, 5]), wb.constant([-1, 32, 31, 33])
    np.testing.assert_array_equal(B.left_shift(x, y), np.int32([1, 0, -2147483648, -2147483648]))
    np.testing.assert_array_equal(B.right_shift(x, y), np.int32([1, -1, 0, 0]))   # arithmetic
    # an unsigned -1 is the type's maximum: a shift by bits - 1
    x, y = wb.constant([1, 200, 255, 5], wb.uint8), wb.constant([255, 8, 7, 9], wb.uint8)
    np.testing.assert_array_equal(B.left_shift(x, y), np.uint8([128, 0, 128, 128]))
    np.testing.assert_array_equal(B.right_shift(x, y), np.uint8([0, 1, 1, 0]))
    x, y = wb.constant([1, 2 ** 62, -5], wb.int64), wb.constant([64, -3, 1], wb.int64)
    np.testing.assert_array_equal(B.left_shift(x, y), np.int64([-9223372036854775808, 2 ** 62, -10]))
    np.testing.assert_array_equal(B.right_shift(x, y), np.int64([0, 2 ** 62, -3]))


def test_python_operands_and_broadcasting():
    out = B.bitwise_and(wb.constant([1, 2], wb.int8), 3)   # the number takes the tensor's dtype
    assert out.dtype == wb.int8
    np.testing.assert_array_equal(out, [1, 2])
    out = B.bitwise_and(3, 5)
    assert out.dtype == wb.int32 and out.shape == () and int(out) == 1
    np.testing.assert_array_equal(B.bitwise_and([[1, 2]], [3, 1]), [[1, 0]])


def test_errors_as_tf():
    # TF 2.21: InvalidArgumentError "Value for attr 'T' of float is not in the list of allowed values: ..."
    allowed = "int8, int16, int32, int64, uint8, uint16, uint32, uint64"
    for fn, op in ((B.bitwise_and, "BitwiseAnd"), (B.bitwise_or, "BitwiseOr"), (B.bitwise_xor, "BitwiseXor"),
                   (B.left_shift, "LeftShift"), (B.right_shift, "RightShift")):
        with pytest.raises(wb.errors.InvalidArgumentError) as info:
            fn(wb.constant([1.0, 2.0]), wb.constant([1.0, 2.0]))
        want = f"Value for attr 'T' of float is not in the list of allowed values: {allowed} [Op:{op}]"
        assert str(info.value) == want
    with pytest.raises(wb.errors.InvalidArgumentError, match="of double is not in the list"):
        B.invert(wb.constant([1.0], wb.float64))
    with pytest.raises(wb.errors.InvalidArgumentError, match="of bool is not in the list"):
        B.bitwise_and(wb.constant([True]), wb.constant([True]))
    with pytest.raises(TypeError, match="same dtype"):   # TF: InvalidArgumentError (int32 vs int64)
        B.bitwise_and(wb.constant([1, 2]), wb.constant([1, 2], wb.int64))
    with pytest.raises(wb.errors.InvalidArgumentError,
                       match=r"^\{\{function_node __wrapped__LeftShift_device_/job:localhost/replica:0/task:0/device:"
                             r"CPU:0\}\} Incompatible shapes: \[1,2\] vs. \[3\] \[Op:LeftShift\]$"):
        B.left_shift([[1, 2]], [3, 1, 2])


def test_replayed_in_a_function():
    @wb.function
    def f(x, y):
        return (B.bitwise_and(x, y), B.bitwise_or(x, y), B.bitwise_xor(x, y), B.invert(x),
                B.left_shift(x, y), B.right_shift(x, y))

    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        for a, b in (([5, -3, 9], [1, 40, -2]), ([7, 8, 1], [2, 3, 31])):
            got = f(wb.constant(a), wb.constant(b))
            want = [B.bitwise_and(a, b), B.bitwise_or(a, b), B.bitwise_xor(a, b), B.invert(a),
                    B.left_shift(a, b), B.right_shift(a, b)]
            for g, w in zip(got, want):
                np.testing.assert_array_equal(g.numpy(), w.numpy())
    assert f.experimental_get_tracing_count() == 1


def test_dispatch_lists_reach_the_bitwise_ops():
    from workbench import dispatch
    assert dispatch.supports_dispatch(B.bitwise_and) and dispatch.supports_dispatch(B.invert)
    assert B.left_shift in dispatch._apis(dispatch.BINARY_ELEMENTWISE_APIS)
    assert B.invert in dispatch._apis(dispatch.UNARY_ELEMENTWISE_APIS)


def test_python_operators_on_integer_tensors_as_tf():
    # TF 2.21: ^ and ~ on integer tensors are BitwiseXor and Invert; on bool tensors logical ops
    a, b = wb.constant([1, 2]), wb.constant([3, 1])
    assert (a ^ b).numpy().tolist() == [2, 3] and (3 ^ a).numpy().tolist() == [2, 1]
    assert (~a).numpy().tolist() == [-2, -3]
    assert (wb.constant([True, True]) ^ wb.constant([False, True])).numpy().tolist() == [True, False]
    assert (~wb.constant([True])).numpy().tolist() == [False]
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"of float is not in the list .*\[Op:BitwiseXor\]"):
        wb.constant([1.]) ^ wb.constant([1.])
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"of float is not in the list .*\[Op:Invert\]"):
        ~wb.constant([1.])

    @wb.function
    def f(x):
        return ~x, x ^ 5

    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        for v in ([1, 2], [7, -8]):
            inv, xor = f(wb.constant(v))
            assert inv.numpy().tolist() == [~i for i in v] and xor.numpy().tolist() == [i ^ 5 for i in v]
    assert f.experimental_get_tracing_count() == 1
