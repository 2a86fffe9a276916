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


def test_assert_graph_text_summarizes_as_tfs_kernel():
    @wb.function
    def g(x):
        wb.Assert(False, [x, wb.reshape(x, [2, 3]), x > 2, wb.cast(x, wb.float32) / 3, "txt",
                          wb.constant(["a", "b"])])
        return x

    @wb.function
    def h(x):
        wb.Assert(False, [x, wb.constant(2.5)], summarize=8)
        return x

    with pytest.raises(InvalidArgumentError) as e:   # TF 2.21's texts for these two functions
        g(wb.constant([1, 2, 3, 4, 5, 6]))
    assert str(e.value) == ("assertion failed: [1 2 3...] [[1 2 3]...] [0 0 1...] "
                            "[0.333333343 0.666666687 1...] [txt] [a b]")
    with pytest.raises(InvalidArgumentError) as e:
        h(wb.constant([1, 2, 3, 4, 5, 6]))
    assert str(e.value) == "assertion failed: [1 2 3 4 5 6] [2.5]"


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


# ---------------------------------------------------------------------------
# control helpers and small ops




def test_case_eager_as_tf():
    x = wb.constant(1)
    one, two, three = (lambda: wb.constant(1)), (lambda: wb.constant(2)), (lambda: wb.constant(3))
    assert int(wb.case([(x > 0, one), (x > 5, two)], default=three)) == 1
    assert int(wb.case([(x > 2, one), (x > 5, two)], default=three)) == 3
    assert int(wb.case([(x > 0, one), (x > -5, two)])) == 1          # first true wins
    assert int(wb.case([], default=lambda: wb.constant(9))) == 9
    with pytest.raises(InvalidArgumentError) as e:
        wb.case([(x > 2, one), (x > 5, two)])
    assert str(e.value).endswith("Summarized data: b'Input error: None of conditions evaluated as True:'"
                                 "\nFalse, False")
    with pytest.raises(InvalidArgumentError) as e:
        wb.case([(x > 0, one), (x > -5, two)], exclusive=True)
    assert str(e.value).endswith("Summarized data: b'Input error: exclusive=True: more than 1 conditions "
                                 "(?, ?) evaluated as True:'\nTrue, True")
    # non-strict unpacks a one-element list; strict keeps it
    assert isinstance(wb.case([(x > 0, lambda: [wb.constant(1)])], default=lambda: [wb.constant(3)]), wb.Tensor)
    assert isinstance(wb.case([(x > 0, lambda: [wb.constant(1)])], default=lambda: [wb.constant(3)],
                              strict=True), list)
    pair = wb.case([(x > 0, lambda: (wb.constant(1), wb.constant(2.0)))],
                   default=lambda: (wb.constant(3), wb.constant(4.0)))
    assert [float(v) for v in pair] == [1.0, 2.0]
    assert wb.case([(wb.constant(False), lambda: wb.constant(1))], default=lambda: 2.0) == 2.0


def test_case_bad_arguments():
    x = wb.constant(1)
    with pytest.raises(TypeError, match="must be a list, tuple, or dict"):
        wb.case(3)
    with pytest.raises(TypeError, match="must be a 2-tuple"):
        wb.case([x > 0])
    with pytest.raises(TypeError, match=r"pred_fn_pairs\[0\] has fn of type int"):
        wb.case([(x > 0, 3)])
    with pytest.raises(TypeError, match="expected a scalar bool tensor"):
        wb.case([(wb.constant(1), lambda: 3)])
    with pytest.raises(TypeError, match="default must be callable"):
        wb.case([(x > 0, lambda: 1)], default=3)


def test_case_in_function_chooses_on_every_call():
    @wb.function
    def f(x):
        return wb.case([(x < 0, lambda: x * -1.0), (x > 10, lambda: x - 10.0)],
                       default=lambda: x + 100.0, exclusive=True)

    @wb.function
    def g(x):
        return wb.case([(x < 0, lambda: x * -1.0), (x > 10, lambda: x - 10.0)])

    ctx = _replays_quietly()
    try:
        assert [float(f(wb.constant(v))) for v in (-2.0, 20.0, 5.0)] == [2.0, 10.0, 105.0]
        assert [float(g(wb.constant(v))) for v in (-2.0, 20.0)] == [2.0, 10.0]
        with pytest.raises(InvalidArgumentError) as e:
            g(wb.constant(5.0))
        # TF 2.21's graph text for the same case
        assert str(e.value) == "assertion failed: [Input error: None of conditions evaluated as True:] [0 0]"
    finally:
        ctx.__exit__(None, None, None)
    assert f.experimental_get_tracing_count() == 1


def test_no_op_tuple_identity_n_guarantee_const():
    assert wb.no_op() is None
    a, b = wb.constant(1), wb.constant(2.0)
    out = wb.tuple([a, b])
    assert isinstance(out, list) and out[0] is a and out[1] is b
    assert wb.tuple((a, None)) == (a, None)
    assert wb.tuple([1]) == [1]                       # eager TF hands the values back
    with pytest.raises(TypeError, match="control_inputs must be a list"):
        wb.tuple([a], control_inputs=a)
    ids = wb.identity_n([a, wb.constant([2.0])])
    assert [t.numpy().tolist() for t in ids] == [1, [2.0]]
    assert [int(t) for t in wb.identity_n(wb.constant([1, 2]))] == [1, 2]
    assert [t.dtype for t in wb.identity_n([1, 2.0])] == [wb.int32, wb.float32]
    np.testing.assert_array_equal(wb.guarantee_const(wb.constant([1.0, 2.0])).numpy(), [1.0, 2.0])


def test_identity_n_gradient_as_tf():
    from gradients import GradientTape, check_gradients
    a = [wb.constant(2.0), wb.constant(3.0)]
    with GradientTape() as tape:
        tape.watch(a)
        y = wb.identity_n([a[0] * a[1], a[1]])
    assert [float(g) for g in tape.gradient(y, a)] == [3.0, 3.0]      # TF 2.21: [3.0, 3.0]
    x = wb.constant([0.3, -1.2], dtype=wb.float64)
    check_gradients(lambda t: wb.identity_n([t * t, wb.sin(t)])[0] + wb.identity_n([t])[0], [x])


def test_guarantee_const_stops_gradients():
    from gradients import GradientTape
    v = wb.Variable(2.0)
    with GradientTape() as tape, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = wb.guarantee_const(v * 3.0)
        assert tape.gradient(y, v) is None


def test_grad_pass_through_as_tf():
    from gradients import GradientTape
    x = wb.Variable(3.0)
    with GradientTape() as tape:
        y = wb.grad_pass_through(lambda a: a ** 2)(x)
    assert float(y) == 9.0 and float(tape.gradient(y, x)) == 1.0
    w = wb.Variable(2.0)
    x = wb.constant([1.0, 2.0])
    with GradientTape() as tape, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tape.watch(x)
        y = wb.grad_pass_through(lambda a: a * w)(x)
        z = wb.reduce_sum(y * y)
        gx, gw = tape.gradient(z, [x, w])
    np.testing.assert_array_equal(y.numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(gx.numpy(), [4.0, 8.0])     # TF 2.21: [4, 8] and None
    assert gw is None
    v = wb.Variable(1.0)
    src = wb.constant(5.0)
    with GradientTape() as tape:
        tape.watch(src)
        z = wb.grad_pass_through(v.assign)(src)
    assert float(v) == 5.0 and float(tape.gradient(z, src)) == 1.0
    with pytest.raises(TypeError, match="f must be callable"):
        wb.grad_pass_through(3)


def test_no_gradient_registry():
    with pytest.raises(TypeError, match="^op_type must be a string$"):
        wb.no_gradient(3)
    assert wb.no_gradient("H9TestOnlyOp") is None
    with pytest.raises(KeyError, match="Registering two gradient with name 'H9TestOnlyOp'"):
        wb.no_gradient("H9TestOnlyOp")
    with pytest.raises(KeyError, match="Registering two gradient with name 'add'"):
        wb.no_gradient("add")                      # an op with a gradient rule, as TF's 'Add'


def test_realdiv_as_tf():
    np.testing.assert_array_equal(wb.realdiv(wb.constant([7.0, 1.0]), 2.0).numpy(), [3.5, 0.5])
    r = wb.realdiv(wb.constant([7 + 1j]), wb.constant([2j]))
    assert r.dtype == wb.complex128 and r.numpy().tolist() == [0.5 - 3.5j]
    np.testing.assert_array_equal(wb.realdiv(wb.constant([1.0, -1.0, 0.0]), 0.0).numpy(),
                                  [np.inf, -np.inf, np.nan])
    for dt in (wb.int32, wb.int64, wb.uint8, wb.int8):   # TF has no CPU kernel for these
        with pytest.raises(wb.errors.NotFoundError, match=f"x has dtype {dt.name}"):
            wb.realdiv(wb.constant([7], dt), wb.constant([2], dt))
    with pytest.raises(TypeError, match="same dtype"):
        wb.realdiv(wb.constant([7.0]), wb.constant([2.0], wb.float64))
    with pytest.raises(TypeError, match="x has dtype bool"):
        wb.realdiv(wb.constant([True]), wb.constant([True]))


def test_realdiv_gradient():
    from gradients import check_gradients
    x = wb.constant([0.3, -1.2, 2.0], dtype=wb.float64)
    y = wb.constant([1.5, 0.7, -2.5], dtype=wb.float64)
    check_gradients(wb.realdiv, [x, y], order=2)


def test_timestamp_reads_the_clock_on_every_call():
    import time
    t0 = time.time()
    ts = wb.timestamp()
    assert ts.dtype == wb.float64 and ts.shape == () and abs(float(ts) - t0) < 5

    @wb.function
    def f():
        return wb.timestamp()

    ctx = _replays_quietly()
    try:
        a = float(f())
        time.sleep(0.01)
        b = float(f())
    finally:
        ctx.__exit__(None, None, None)
    assert b > a


def test_parallel_stack_only_in_function():
    with pytest.raises(RuntimeError, match=r"^tf.parallel_stack\(\) is not compatible with eager execution.$"):
        wb.parallel_stack([wb.constant([1, 2]), wb.constant([3, 4])])

    @wb.function
    def f(x):
        return wb.parallel_stack([x, x * 2])

    np.testing.assert_array_equal(f(wb.constant([1, 2])).numpy(), [[1, 2], [2, 4]])


def test_unravel_index_as_tf():
    r = wb.unravel_index([22, 41, 37], (7, 6))
    assert r.dtype == wb.int32 and r.numpy().tolist() == [[3, 6, 6], [4, 5, 1]]
    assert wb.unravel_index(22, (7, 6)).numpy().tolist() == [3, 4]
    r = wb.unravel_index(wb.constant([1], wb.int64), [7, 6])
    assert r.dtype == wb.int64 and r.numpy().tolist() == [[0], [1]]
    assert wb.unravel_index([-1], (7, 6)).numpy().tolist() == [[0], [-1]]    # TF's C remainder
    assert wb.unravel_index([0], []).shape == (0, 1)
    with pytest.raises(InvalidArgumentError, match='The indices can only be scalar or vector, got "\\[1, 2\\]"'):
        wb.unravel_index(wb.constant([[22, 41]], wb.int64), wb.constant([7, 6], wb.int64))
    with pytest.raises(InvalidArgumentError, match="index is out of bound as with dims"):
        wb.unravel_index([42], (7, 6))
    with pytest.raises(InvalidArgumentError, match="dims contains zero at index 1"):
        wb.unravel_index([1], [7, 0])
    with pytest.raises(InvalidArgumentError, match="Input dims cannot be negative. Got dim = -1 at index 1"):
        wb.unravel_index([1], [7, -1])
    with pytest.raises(InvalidArgumentError, match="1-D"):
        wb.unravel_index([1], [[7, 6]])
    with pytest.raises(TypeError, match="indices has dtype float32"):
        wb.unravel_index([1.0], [7, 6])


def test_name_scope_and_symbolic_tensors():
    assert wb.get_current_name_scope() == ""
    with wb.name_scope("a"):
        with wb.name_scope("b"):
            assert wb.get_current_name_scope() == "a/b"
    with wb.name_scope("a/"):
        assert wb.get_current_name_scope() == "a"
    assert not wb.is_symbolic_tensor(wb.constant(1)) and not wb.is_symbolic_tensor(3)
    seen = []

    @wb.function
    def f(x):
        seen.append((wb.is_symbolic_tensor(x), wb.is_symbolic_tensor(x * 2)))
        return x

    f(wb.constant(1.0))
    assert seen == [(True, True)]


# FarmHash Fingerprint64 rows, pinned from TF 2.21's tf.fingerprint
FINGERPRINTS = [
    (lambda: wb.constant([[1, 2], [3, 4]], wb.int32),
     [[76, 18, 253, 133, 168, 204, 240, 10], [254, 162, 60, 240, 103, 244, 53, 255]]),
    (lambda: wb.constant([1.5, -2.0], wb.float64),
     [[179, 164, 179, 195, 72, 236, 82, 76], [123, 229, 213, 38, 167, 83, 16, 134]]),
    (lambda: wb.constant(["hello", "", "a longer string of more than sixty four bytes, to cover "
                          "farmhash's long path......"]),
     [[232, 12, 56, 49, 169, 229, 139, 180], [79, 64, 144, 47, 59, 106, 225, 154],
      [236, 140, 203, 39, 117, 71, 213, 164]]),
    (lambda: wb.constant([["ab", "cd"], ["ef", "gh"]]),
     [[219, 37, 118, 251, 208, 176, 236, 56], [57, 74, 77, 184, 92, 254, 214, 37]]),
    (lambda: wb.constant([True, False]),
     [[62, 88, 126, 177, 19, 76, 162, 71], [84, 75, 233, 245, 237, 86, 96, 190]]),
    (lambda: wb.zeros([2, 0]),
     [[79, 64, 144, 47, 59, 106, 225, 154], [79, 64, 144, 47, 59, 106, 225, 154]]),
    (lambda: wb.constant([[1 + 2j]]), [[144, 92, 210, 104, 153, 29, 123, 16]]),
    (lambda: [1, 2], [[84, 24, 96, 84, 195, 82, 124, 105], [15, 219, 106, 105, 88, 163, 17, 93]]),
    (lambda: wb.constant([[[1, 2], [3, 4]]], wb.uint8), [[236, 55, 110, 67, 79, 163, 214, 248]]),
]


@pytest.mark.parametrize("k", range(len(FINGERPRINTS)))
def test_fingerprint_bytes_as_tf(k):
    make, expected = FINGERPRINTS[k]
    out = wb.fingerprint(make())
    assert out.dtype == wb.uint8 and out.numpy().tolist() == expected


def test_fingerprint_edges_and_function():
    assert wb.fingerprint(wb.zeros([0, 3])).shape == (0, 8)
    assert wb.fingerprint(wb.constant([1]), method=wb.constant("farmhash64")).numpy().tolist() == \
        [[84, 24, 96, 84, 195, 82, 124, 105]]
    with pytest.raises(InvalidArgumentError, match="`data` should have at least one dimension"):
        wb.fingerprint(wb.constant(1))
    with pytest.raises(InvalidArgumentError, match="^Unsupported fingerprint method: md5$"):
        wb.fingerprint(wb.constant([1]), method="md5")

    @wb.function
    def f(x):
        return wb.fingerprint(x * 1)

    ctx = _replays_quietly()
    try:
        assert f(wb.constant([[1, 2], [3, 4]])).numpy().tolist() == FINGERPRINTS[0][1]
        # TF 2.21: tf.fingerprint([[5, 6], [7, 8]])
        assert f(wb.constant([[5, 6], [7, 8]])).numpy().tolist() == \
            [[193, 47, 23, 92, 55, 204, 151, 82], [208, 225, 42, 41, 5, 206, 60, 30]]
    finally:
        ctx.__exit__(None, None, None)


# ---------------------------------------------------------------------------
# tf.sets: results pinned from TF 2.21


def _sp(st):
    assert isinstance(st, wb.SparseTensor)
    return (st.indices.numpy().tolist(), st.values.numpy().tolist(), list(st.dense_shape.numpy().tolist()),
            st.values.dtype.name)


SET_A = [[1, 2, 3, 3], [4, 4, 5, 1]]
SET_B = [[3, 1, 9, 9], [6, 5, 1, 7]]


def test_sets_signatures_are_tfs():
    assert list(inspect.signature(wb.sets.difference).parameters) == ["a", "b", "aminusb", "validate_indices"]
    assert list(inspect.signature(wb.sets.intersection).parameters) == ["a", "b", "validate_indices"]
    assert list(inspect.signature(wb.sets.union).parameters) == ["a", "b", "validate_indices"]
    assert list(inspect.signature(wb.sets.size).parameters) == ["a", "validate_indices"]


def test_sets_dense_as_tf():
    a, b = wb.constant(SET_A), wb.constant(SET_B)
    assert _sp(wb.sets.difference(a, b)) == ([[0, 0], [1, 0]], [2, 4], [2, 1], "int32")
    assert _sp(wb.sets.difference(a, b, aminusb=False)) == ([[0, 0], [1, 0], [1, 1]], [9, 6, 7], [2, 2], "int32")
    assert _sp(wb.sets.intersection(a, b)) == ([[0, 0], [0, 1], [1, 0], [1, 1]], [1, 3, 1, 5], [2, 2], "int32")
    assert _sp(wb.sets.union(a, b)) == (
        [[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [1, 2], [1, 3], [1, 4]],
        [1, 2, 3, 9, 1, 4, 5, 6, 7], [2, 5], "int32")
    a3 = wb.constant([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], wb.int64)
    b3 = wb.constant([[[1, 9], [3, 3]], [[5, 5], [0, 0]]], wb.int64)
    assert _sp(wb.sets.union(a3, b3)) == (
        [[0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 1, 0], [0, 1, 1], [1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 1, 1],
         [1, 1, 2]], [1, 2, 9, 3, 4, 5, 6, 0, 7, 8], [2, 2, 3], "int64")
    assert _sp(wb.sets.intersection(a3, b3)) == ([[0, 0, 0], [0, 1, 0], [1, 0, 0]], [1, 3, 5], [2, 2, 1], "int64")
    s = wb.sets.union(wb.constant([["a", "b"], ["c", "a"]]), wb.constant([["b", "z"], ["", ""]]))
    assert _sp(s) == ([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]], [b"a", b"b", b"z", b"", b"a", b"c"],
                      [2, 3], "string")
    assert _sp(wb.sets.union([[1, 2]], [[1, 3, 4]])) == ([[0, 0], [0, 1], [0, 2], [0, 3]], [1, 2, 3, 4],
                                                          [1, 4], "int32")
    assert _sp(wb.sets.intersection([[1, 2]], [[3, 4]])) == ([], [], [1, 0], "int32")
    assert _sp(wb.sets.union(wb.zeros([2, 0], wb.int32), wb.zeros([2, 0], wb.int32))) == ([], [], [2, 0], "int32")
    assert _sp(wb.sets.union([[-1, 5, -3]], [[2, -3, 0]])) == (
        [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4]], [-3, -1, 0, 2, 5], [1, 5], "int32")
    for dt in (wb.uint8, wb.int8, wb.int16, wb.uint16):
        r = wb.sets.union(wb.constant([[1, 2]], dt), wb.constant([[1, 3]], dt))
        assert _sp(r) == ([[0, 0], [0, 1], [0, 2]], [1, 2, 3], [1, 3], dt.name)


def test_sets_sparse_as_tf():
    a = wb.constant(SET_A)
    sa = wb.sparse.from_dense(a)
    sb = wb.SparseTensor([[0, 0], [0, 1], [1, 0]], [3, 2, 4], [2, 4])
    assert _sp(wb.sets.difference(sa, sb)) == ([[0, 0], [1, 0], [1, 1]], [1, 1, 5], [2, 2], "int32")
    assert _sp(wb.sets.difference(a, sb)) == ([[0, 0], [1, 0], [1, 1]], [1, 1, 5], [2, 2], "int32")
    assert _sp(wb.sets.difference(a, sb, aminusb=False)) == ([], [], [2, 0], "int32")
    assert _sp(wb.sets.intersection(a, sb)) == ([[0, 0], [0, 1], [1, 0]], [2, 3, 4], [2, 2], "int32")
    assert _sp(wb.sets.union(sb, a)) == ([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]], [1, 2, 3, 1, 4, 5],
                                         [2, 3], "int32")
    assert wb.sets.size(sa).numpy().tolist() == [3, 3]
    assert wb.sets.size(sb).numpy().tolist() == [2, 1]
    s3 = wb.sets.size(wb.sparse.from_dense(wb.constant([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], wb.int64)))
    assert s3.dtype == wb.int32 and s3.numpy().tolist() == [[2, 2], [2, 2]]
    empty = wb.SparseTensor(np.zeros((0, 2), np.int64), wb.constant([], wb.int32), [2, 4])
    assert wb.sets.size(empty).numpy().tolist() == [0, 0]


def test_sets_validate_indices_and_errors_as_tf():
    unsorted = wb.SparseTensor([[0, 1], [0, 0]], [3, 2], [1, 4])
    with pytest.raises(InvalidArgumentError, match=r"^indices\[1\] = \[0,0\] is out of order. Many sparse ops"):
        wb.sets.size(unsorted)
    assert wb.sets.size(unsorted, validate_indices=False).numpy().tolist() == [2]
    with pytest.raises(InvalidArgumentError, match="is out of order"):
        wb.sets.union(unsorted, [[1, 2, 3, 3]])
    assert _sp(wb.sets.union(unsorted, [[1, 2, 3, 3]], validate_indices=False)) == (
        [[0, 0], [0, 1], [0, 2]], [1, 2, 3], [1, 3], "int32")
    with pytest.raises(InvalidArgumentError, match=r"^indices\[1\] = \[0,1\] is repeated$"):
        wb.sets.size(wb.SparseTensor([[0, 1], [0, 1]], [3, 2], [1, 4]))
    with pytest.raises(InvalidArgumentError, match="^Invalid rank 1.$"):
        wb.sets.size(wb.SparseTensor([[0]], [3], [4]))
    with pytest.raises(TypeError, match="^Expected `SparseTensor`, got "):
        wb.sets.size(wb.constant(SET_A))
    with pytest.raises(TypeError, match="^Invalid dtype `<dtype: 'float32'>` not in supported dtypes"):
        wb.sets.size(wb.SparseTensor([[0, 0]], [3.0], [1, 4]))
    with pytest.raises(InvalidArgumentError, match=r"^Shape \[2\] has rank 1 < 2"):
        wb.sets.union(wb.constant([1, 2]), wb.constant([1, 3]))
    with pytest.raises(TypeError, match="^'a' has invalid dtype `<dtype: 'float32'>` not in supported"):
        wb.sets.union(wb.constant([[1.0, 2.0]]), wb.constant([[1.0, 3.0]]))
    with pytest.raises(TypeError, match=r"^Types don't match, <dtype: 'int32'> vs <dtype: 'int64'>.$"):
        wb.sets.union(wb.constant([[1, 2]]), wb.constant([[1, 3]], wb.int64))
    with pytest.raises(InvalidArgumentError, match=r"^Mismatched shapes \[1\] vs \[2\]"):
        wb.sets.union(wb.constant([[1, 2]]), wb.constant([[1, 3], [4, 5]]))


def test_sets_in_function_give_each_calls_values():
    from workbench.compiler import UnreplayableWarning

    @wb.function
    def f(a, b):
        return wb.sets.size(wb.sets.union(a, b))

    # the result's dense_shape depends on the data, which a wb.SparseTensor holds as a Python
    # shape: the function runs eagerly (with a warning) and is right on every call
    with pytest.warns(UnreplayableWarning):
        assert f(wb.constant([[1, 2]]), wb.constant([[2, 3]])).numpy().tolist() == [3]
    assert f(wb.constant([[1, 2]]), wb.constant([[1, 2]])).numpy().tolist() == [2]


# ---------------------------------------------------------------------------
# make_tensor_proto / make_ndarray: serialized bytes pinned from TF 2.21


PROTOS = [
    (lambda: wb.make_tensor_proto(1.0), "080112002a040000803f"),
    (lambda: wb.make_tensor_proto(1), "080312003a0101"),
    (lambda: wb.make_tensor_proto([1, 2, 3]), "0803120412020803220c010000000200000003000000"),
    (lambda: wb.make_tensor_proto(np.array([[1.0, 2.0], [3.0, 4.0]])),
     "0802120812020802120208022220000000000000f03f000000000000004000000000000008400000000000001040"),
    (lambda: wb.make_tensor_proto(wb.constant([1, 2])), "080312041202080222080100000002000000"),
    (lambda: wb.make_tensor_proto([1, 2], dtype=wb.float32), "080112041202080222080000803f00000040"),
    (lambda: wb.make_tensor_proto(0.5, shape=[2, 3]), "0801120812020802120208032a040000003f"),
    (lambda: wb.make_tensor_proto([1, 2, 3], shape=[2, 2]), "0803120812020802120208023a03010203"),
    (lambda: wb.make_tensor_proto(1, shape=[2, 2], allow_broadcast=True), "0803120812020802120208023a0101"),
    (lambda: wb.make_tensor_proto([[1, 2], [3, 4]], shape=[2, 2], verify_shape=True),
     "080312081202080212020802221001000000020000000300000004000000"),
    (lambda: wb.make_tensor_proto(["a", b"bc"]), "080712041202080242016142026263"),
    (lambda: wb.make_tensor_proto("abc"), "080712004203616263"),
    (lambda: wb.make_tensor_proto([True, False]), "080a1204120208025a020100"),
    (lambda: wb.make_tensor_proto(np.array([1 + 2j], np.complex64)), "08081204120208014a080000803f00000040"),
    (lambda: wb.make_tensor_proto(np.array([1, 2], np.uint8)), "080412041202080222020102"),
    (lambda: wb.make_tensor_proto(np.array([1.5], np.float16)), "08131204120208016a02807c"),
    (lambda: wb.make_tensor_proto(np.array([1, 0], np.float16)), "08131204120208022204003c0000"),
    (lambda: wb.make_tensor_proto(np.array([1, 0], np.uint16)), "08111204120208023a020100"),
    (lambda: wb.make_tensor_proto(np.array([1, 0], np.uint64)), "0817120412020802221001000000000000000000000000000000"),
    (lambda: wb.make_tensor_proto(np.array([1, 0], np.complex128)),
     "08121204120208026220000000000000f03f000000000000000000000000000000000000000000000000"),
    (lambda: wb.make_tensor_proto([]), "080112021200"),
    (lambda: wb.make_tensor_proto(np.zeros([0, 3], np.float32)), "08011206120012020803"),
    (lambda: wb.make_tensor_proto(2 ** 40), "080912005206808080808020"),
    (lambda: wb.make_tensor_proto([True], dtype=wb.int32), "08031204120208013a0101"),
    (lambda: wb.make_tensor_proto(np.array([1.5]), dtype=wb.float32), "08011204120208012a040000c03f"),
    (lambda: wb.make_tensor_proto([], shape=[2]), "0801120412020802"),
]


@pytest.mark.parametrize("k", range(len(PROTOS)))
def test_make_tensor_proto_bytes_as_tf(k):
    make, expected = PROTOS[k]
    assert make().SerializeToString().hex() == expected


def test_make_tensor_proto_errors_as_tf():
    with pytest.raises(TypeError, match="^Expected int32, but got 1.5 of type 'float'.$"):
        wb.make_tensor_proto([1.5, 2], dtype=wb.int32)
    with pytest.raises(TypeError, match="^Expected string, but got 1 of type 'int'.$"):
        wb.make_tensor_proto([1, 2], dtype=wb.string)
    with pytest.raises(TypeError, match="^Expected bool, but got 1 of type 'int'.$"):
        wb.make_tensor_proto([1], dtype=wb.bool)
    with pytest.raises(ValueError, match="^Too many elements provided. Takes at most 4, but got 5.$"):
        wb.make_tensor_proto([1, 2, 3, 4, 5], shape=[2, 2])
    with pytest.raises(TypeError, match=r"^Expected Tensor's shape: \(2, 2\), but got \(4,\).$"):
        wb.make_tensor_proto([1, 2, 3, 4], shape=[2, 2], verify_shape=True)
    with pytest.raises(TypeError, match=r"^Expected Tensor's shape: \(2, 2\), but got \(2,\).$"):
        wb.make_tensor_proto([1, 2], shape=[2, 2], allow_broadcast=True)
    with pytest.raises(ValueError, match="^None values not supported.$"):
        wb.make_tensor_proto(None)


def test_make_ndarray_as_tf():
    from tensorboard.compat.proto import tensor_pb2
    for make, _ in PROTOS:
        proto = make()
        back = tensor_pb2.TensorProto.FromString(proto.SerializeToString())
        assert wb.make_ndarray(back).shape == tuple(d.size for d in proto.tensor_shape.dim)
    r = wb.make_ndarray(wb.make_tensor_proto([[1, 2], [3, 4]]))
    assert r.dtype == np.int32 and r.tolist() == [[1, 2], [3, 4]]
    r = wb.make_ndarray(wb.make_tensor_proto(0.5, shape=[2, 3]))
    assert r.dtype == np.float32 and r.tolist() == [[0.5] * 3] * 2
    r = wb.make_ndarray(wb.make_tensor_proto(["a", b"bc"]))
    assert r.dtype == object and r.tolist() == [b"a", b"bc"]
    assert wb.make_ndarray(wb.make_tensor_proto("abc")).shape == ()
    assert wb.make_ndarray(wb.make_tensor_proto([True, False])).tolist() == [True, False]
    r = wb.make_ndarray(wb.make_tensor_proto(np.array([1 + 1j, 2j], np.complex128)))
    assert r.dtype == np.complex128 and r.tolist() == [1 + 1j, 2j]
    r = wb.make_ndarray(wb.make_tensor_proto(np.array([1.5], np.float16)))
    assert r.dtype == np.float16 and r.tolist() == [1.5]
    assert wb.make_ndarray(wb.make_tensor_proto([1, 2], shape=[2, 2])).tolist() == [[1, 2], [2, 2]]  # TF pads
    # as TF 2.21 reads them: float_val [1, 2] for shape [4] pads; no values for int32 [3] is zeros
    padded = tensor_pb2.TensorProto(dtype=1, tensor_shape={"dim": [{"size": 4}]}, float_val=[1.0, 2.0])
    assert wb.make_ndarray(padded).tolist() == [1.0, 2.0, 2.0, 2.0]
    empty = tensor_pb2.TensorProto(dtype=3, tensor_shape={"dim": [{"size": 3}]})
    assert wb.make_ndarray(empty).tolist() == [0, 0, 0]
    with pytest.raises(TypeError, match="must be a TensorProto, got int"):
        wb.make_ndarray(3)


def test_binary_asserts_replay_and_check_every_call():
    @wb.function
    def f(x, y):
        wb.debugging.assert_less(x, y, message="boom")
        wb.debugging.assert_equal(x, x)
        wb.debugging.assert_near(x, x)
        return x * 2

    ctx = _replays_quietly()
    try:
        np.testing.assert_array_equal(f(wb.constant([1.0, 2.0]), wb.constant([3.0, 3.0])).numpy(), [2.0, 4.0])
        np.testing.assert_array_equal(f(wb.constant([1.0, 2.5]), wb.constant([3.0, 3.0])).numpy(), [2.0, 5.0])
        with pytest.raises(InvalidArgumentError) as e:
            f(wb.constant([1.0, 4.0]), wb.constant([3.0, 3.0]))
    finally:
        ctx.__exit__(None, None, None)
    assert str(e.value).startswith("boom\nassert_less: x < y fails at 1 position(s), first at index (1,) (at ")
    assert "test_tf_missing_a.py:" in str(e.value)     # the line of the check, also on a replay
    assert f.experimental_get_tracing_count() == 1


def test_grad_pass_through_and_helpers_replay_in_function():
    w = wb.Variable(3.0)

    @wb.function
    def f(x):
        with wb.GradientTape() as tape:
            y = wb.grad_pass_through(wb.round)(x * w)
            z = y * y
        return z, tape.gradient(z, w)

    @wb.function
    def g(x):
        return wb.realdiv(x, 2.0), wb.identity_n([x, x])[0], wb.guarantee_const(x), wb.tuple([x])[0]

    ctx = _replays_quietly()
    try:
        for x, z, dw in ((1.2, 16.0, 2 * 4 * 1.2), (2.6, 64.0, 2 * 8 * 2.6)):
            got_z, got_dw = f(wb.constant(x))
            assert float(got_z) == z and float(got_dw) == pytest.approx(dw, rel=1e-6)
        for x in (1.0, 3.0):
            assert [float(t) for t in g(wb.constant(x))] == [x / 2, x, x, x]
    finally:
        ctx.__exit__(None, None, None)
    assert f.experimental_get_tracing_count() == 1 and g.experimental_get_tracing_count() == 1


def test_unravel_index_replays_and_checks_bounds_per_call():
    @wb.function
    def f(i):
        return wb.unravel_index(i, [3, 4])

    ctx = _replays_quietly()
    try:
        assert f(wb.constant([5, 11])).numpy().tolist() == [[1, 2], [1, 3]]
        assert f(wb.constant([0, 7])).numpy().tolist() == [[0, 1], [0, 3]]
        with pytest.raises(InvalidArgumentError, match="index is out of bound as with dims"):
            f(wb.constant([12, 1]))
    finally:
        ctx.__exit__(None, None, None)
    assert f.experimental_get_tracing_count() == 1
