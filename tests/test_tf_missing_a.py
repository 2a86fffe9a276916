"""TF 2.21 names added in one batch: tf.Assert and the one-tensor asserts, control helpers
(case, tuple, identity_n, ...), core ops (realdiv, unravel_index, fingerprint, ...), tf.sets,
make_ndarray / make_tensor_proto. Expected values and messages are TF 2.21's, pinned."""

import inspect
import warnings

import numpy as np
import pytest

import workbench as wb
from workbench.errors import InvalidArgumentError


def _replays_quietly():
    """A context where an UnreplayableWarning (or any warning) fails the test."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error")
    return ctx


# ---------------------------------------------------------------------------
# signatures: parameter names and order as TF 2.21's


SIGNATURES = {
    "Assert": ["condition", "data", "summarize", "name"],
    "assert_rank": ["x", "rank", "message", "name"],
    "debugging.Assert": ["condition", "data", "summarize", "name"],
    "debugging.assert_rank": ["x", "rank", "message", "name"],
    "debugging.assert_rank_at_least": ["x", "rank", "message", "name"],
    "debugging.assert_rank_in": ["x", "ranks", "message", "name"],
    "debugging.assert_scalar": ["tensor", "message", "name"],
    "debugging.assert_integer": ["x", "message", "name"],
    "debugging.assert_positive": ["x", "message", "summarize", "name"],
    "debugging.assert_negative": ["x", "message", "summarize", "name"],
    "debugging.assert_non_negative": ["x", "message", "summarize", "name"],
    "debugging.assert_non_positive": ["x", "message", "summarize", "name"],
    "debugging.assert_same_float_dtype": ["tensors", "dtype"],
    "debugging.assert_proper_iterable": ["values"],
    "debugging.is_numeric_tensor": ["tensor"],
}


def _resolve(path):
    obj = wb
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("path", sorted(SIGNATURES))
def test_signature_is_tfs(path):
    assert list(inspect.signature(_resolve(path)).parameters) == SIGNATURES[path]


# ---------------------------------------------------------------------------
# tf.Assert


def test_assert_eager_message_summarizes_data_as_tf():
    with pytest.raises(InvalidArgumentError) as e:
        wb.Assert(wb.constant(False), [wb.constant([1.0, 2.0, 3.0, 4.0, 5.0]), "hello", 3])
    assert str(e.value) == ("Expected 'wb.Tensor(False, shape=(), dtype=bool)' to be true. "
                            "Summarized data: 1.0, 2.0, 3.0, ...\nb'hello'\n3")
    with pytest.raises(InvalidArgumentError) as e:
        wb.debugging.Assert(wb.constant(False), [wb.constant([1.0, 2.0, 3.0, 4.0, 5.0]), "hello"], summarize=2)
    assert str(e.value).endswith("Summarized data: 1.0, 2.0, ...\nb'hello'")
    with pytest.raises(InvalidArgumentError) as e:
        wb.Assert(False, [wb.constant([[1, 2], [3, 4]]), wb.constant(True), wb.constant(["a", "b"])])
    assert str(e.value) == "Expected 'False' to be true. Summarized data: 1, 2, 3, ...\nTrue\nb'a', b'b'"


def test_assert_passes_return_none():
    assert wb.Assert(wb.constant(True), [wb.constant([1.0])]) is None
    assert wb.Assert(wb.constant([True]), [1]) is None      # one element is enough, as in TF
    assert wb.Assert(1, [1]) is None


def test_assert_bad_arguments():
    with pytest.raises(TypeError, match="data must be a list"):
        wb.Assert(True, wb.constant(1.0))
    with pytest.raises(TypeError, match="condition must be a boolean tensor"):
        wb.Assert(wb.constant(1.0), [1])
    with pytest.raises(InvalidArgumentError, match="condition must be a scalar"):
        wb.Assert(wb.constant([True, False]), [1])


def test_assert_in_function_checks_every_call_with_tfs_graph_message():
    @wb.function
    def f(x):
        wb.Assert(x[0] > 0, [x, "s"])
        wb.debugging.assert_positive(x[1])
        return x * 2

    ctx = _replays_quietly()
    try:
        np.testing.assert_array_equal(f(wb.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
        np.testing.assert_array_equal(f(wb.constant([1.0, 3.0])).numpy(), [2.0, 6.0])
        with pytest.raises(InvalidArgumentError) as e:
            f(wb.constant([-1.0, 2.0]))
        assert str(e.value) == "assertion failed: [-1 2] [s]"   # TF's graph kernel text
        with pytest.raises(InvalidArgumentError, match="Condition x > 0 did not hold"):
            f(wb.constant([1.0, -2.0]))
        np.testing.assert_array_equal(f(wb.constant([4.0, 1.0])).numpy(), [8.0, 2.0])
    finally:
        ctx.__exit__(None, None, None)
    assert f.experimental_get_tracing_count() == 1


# ---------------------------------------------------------------------------
# one-tensor value asserts: TF's eager messages


def test_sign_asserts_messages_as_tf():
    x = wb.constant([1.0, -2.0, 3.0, 0.0, 5.0])
    with pytest.raises(InvalidArgumentError) as e:
        wb.debugging.assert_positive(x)
    assert str(e.value) == ("\nCondition x > 0 did not hold element-wise:\n"
                            "x (shape=(5,) dtype=float32) = \n['1.0', '-2.0', '3.0', '...']")
    with pytest.raises(InvalidArgumentError) as e:
        wb.debugging.assert_positive(x, message="mm", summarize=2)
    assert str(e.value) == ("mm.  \nCondition x > 0 did not hold element-wise:\n"
                            "x (shape=(5,) dtype=float32) = \n['1.0', '-2.0', '...']")
    y = wb.constant([1, -2])
    with pytest.raises(InvalidArgumentError) as e:
        wb.debugging.assert_negative(y)
    assert str(e.value) == ("\nCondition x < 0 did not hold element-wise:\n"
                            "x (shape=(2,) dtype=int32) = \n['1', '-2']")
    with pytest.raises(InvalidArgumentError) as e:
        wb.debugging.assert_non_negative(y)
    assert str(e.value) == ("\nCondition x >= 0 did not hold element-wise:\n"
                            "x (shape=(2,) dtype=int32) = \n['1', '-2']")
    with pytest.raises(InvalidArgumentError) as e:
        wb.debugging.assert_non_positive(y)
    assert str(e.value) == ("\nCondition x <= 0 did not hold element-wise:"
                            "x (shape=(2,) dtype=int32) = \n['1', '-2']")


def test_sign_asserts_pass_and_reject_non_numeric():
    assert wb.debugging.assert_positive(wb.constant([1.0, 2.0])) is None
    assert wb.debugging.assert_positive(wb.constant([], wb.float32)) is None
    assert wb.debugging.assert_positive(wb.constant([1], wb.uint8)) is None
    assert wb.debugging.assert_non_negative(wb.constant([0, 3])) is None
    assert wb.debugging.assert_non_positive(wb.constant([0, -3])) is None
    assert wb.debugging.assert_negative(-1.5) is None
    for bad, name in ((wb.constant(["a"]), "string"), (wb.constant([True]), "bool")):
        with pytest.raises(TypeError, match=f"Cannot convert 0 to EagerTensor of dtype {name}"):
            wb.debugging.assert_positive(bad)


# ---------------------------------------------------------------------------
# static asserts: ranks, scalars, integer and float dtypes, iterables


def test_rank_asserts_as_tf():
    x = wb.zeros([2, 3])
    assert wb.assert_rank(x, 2) is None
    assert wb.debugging.assert_rank(x, wb.constant(2)) is None
    with pytest.raises(ValueError) as e:
        wb.debugging.assert_rank(x, 1)
    assert str(e.value) == "Tensor  must have rank 1.  Received rank 2, shape (2, 3)"
    with pytest.raises(ValueError) as e:
        wb.debugging.assert_rank(x, 1, message="msg")
    assert str(e.value) == "msg.  Tensor  must have rank 1.  Received rank 2, shape (2, 3)"
    with pytest.raises(ValueError, match="^Rank must be a scalar.$"):
        wb.debugging.assert_rank(x, [1])
    with pytest.raises(ValueError, match="^Rank must be a scalar.$"):
        wb.debugging.assert_rank(x, wb.constant([2]))
    with pytest.raises(TypeError, match="^tensor must be of type tf.int32; got tf.float32$"):
        wb.debugging.assert_rank(x, 1.5)
    with pytest.raises(ValueError) as e:
        wb.debugging.assert_rank_at_least(x, 3)
    assert str(e.value) == "Tensor  must have rank at least 3.  Received rank 2, shape (2, 3)"
    assert wb.debugging.assert_rank_at_least(x, 1) is None
    with pytest.raises(ValueError) as e:
        wb.debugging.assert_rank_in(x, [0, 1])
    assert str(e.value) == "Tensor  must have rank in (0, 1).  Received rank 2, shape (2, 3)"
    with pytest.raises(ValueError) as e:
        wb.debugging.assert_rank_in(x, (wb.constant(1), 3))
    assert str(e.value) == "Tensor  must have rank in (1, 3).  Received rank 2, shape (2, 3)"
    assert wb.debugging.assert_rank_in(x, [0, 2]) is None
    with pytest.raises(ValueError, match="^Rank must be a scalar.$"):
        wb.debugging.assert_rank_in(x, [[1]])
    assert wb.debugging.assert_rank(3.0, 0) is None
    with pytest.raises(ValueError, match=r"must have rank 2.  Received rank 1, shape \(2,\)"):
        wb.debugging.assert_rank([1, 2], 2)


def test_scalar_and_integer_asserts_as_tf():
    with pytest.raises(ValueError) as e:
        wb.debugging.assert_scalar(wb.zeros([2, 3]))
    assert str(e.value) == "Expected scalar shape, saw shape: (2, 3)."
    assert wb.debugging.assert_scalar(wb.zeros([])) is None
    assert wb.debugging.assert_scalar(3.0) is None
    with pytest.raises(TypeError) as e:
        wb.debugging.assert_integer(wb.zeros([2, 3]))
    assert str(e.value) == "Expected \"x\" to be integer type.  Found: tensor of dtype <dtype: 'float32'>"
    with pytest.raises(TypeError) as e:
        wb.debugging.assert_integer(wb.zeros([2, 3]), message="m")
    assert str(e.value).startswith("m.  Expected \"x\" to be integer type.")
    assert wb.debugging.assert_integer(wb.zeros([2, 3], wb.int64)) is None
    assert wb.debugging.assert_integer(wb.constant([1], wb.uint8)) is None


def test_assert_same_float_dtype_as_tf():
    f32, f64 = wb.zeros([2]), wb.zeros([2], wb.float64)
    with pytest.raises(ValueError) as e:
        wb.debugging.assert_same_float_dtype([f32, f64])
    assert str(e.value) == (f"{f64!s}, type=<dtype: 'float64'>, must be of the same type "
                            f"(<dtype: 'float32'>) as {f32!s}.")
    assert wb.debugging.assert_same_float_dtype([f32, f32]) == wb.float32
    assert wb.debugging.assert_same_float_dtype(None) == wb.float32
    assert wb.debugging.assert_same_float_dtype(None, wb.float64) == wb.float64
    with pytest.raises(ValueError) as e:
        wb.debugging.assert_same_float_dtype([f32], wb.float64)
    assert str(e.value) == f"{f32!s}, type=<dtype: 'float32'>, must be of the same type (<dtype: 'float64'>)."
    with pytest.raises(ValueError, match="^Expected floating point type, got <dtype: 'int32'>.$"):
        wb.debugging.assert_same_float_dtype([wb.zeros([2], wb.int32)])
    with pytest.raises(ValueError, match="^Expected floating point type, got <dtype: 'int32'>.$"):
        wb.debugging.assert_same_float_dtype([], wb.int32)
    with pytest.raises(AttributeError, match="no dtype"):
        wb.debugging.assert_same_float_dtype([1.0, f32])


def test_assert_proper_iterable_and_is_numeric_tensor_as_tf():
    assert wb.debugging.assert_proper_iterable([1, 2]) is None
    assert wb.debugging.assert_proper_iterable((x for x in [1])) is None
    assert wb.debugging.assert_proper_iterable({1: 2}) is None
    for bad in ("ab", b"ab", wb.zeros([2]), np.zeros([2])):
        with pytest.raises(TypeError, match='to be a "proper" iterable.  Found: '):
            wb.debugging.assert_proper_iterable(bad)
    with pytest.raises(TypeError, match="^Expected argument \"values\" to be iterable.  Found: <class 'int'>$"):
        wb.debugging.assert_proper_iterable(3)
    numeric = wb.debugging.is_numeric_tensor
    assert numeric(wb.zeros([2])) and numeric(wb.constant([1 + 2j])) and numeric(wb.constant([1], wb.uint32))
    assert not numeric(wb.constant(["a"])) and not numeric(wb.constant([True]))
    assert not numeric(np.zeros(2)) and not numeric(3)
    assert not numeric(wb.Variable(1.0))    # TF: a variable is not a tf.Tensor
