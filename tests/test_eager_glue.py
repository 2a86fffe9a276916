"""TF 2's eager glue, pinned against TF's documented behaviour: wb.print's format, executing_eagerly,
name_scope, control_dependencies/group, py_function/numpy_function (eager and replayed by
wb.function), TensorArray, map_fn over ragged rows, meshgrid, sequence_mask and wb.errors."""

import io
import sys
import warnings

import numpy as np
import pytest

import ragged
import workbench as wb
from workbench import errors


def printed(*inputs, **kwargs):
    buf = io.StringIO()
    wb.print(*inputs, output_stream=buf, **kwargs)
    return buf.getvalue()


# -- wb.print -------------------------------------------------------------------------------

def test_print_matches_tf_docs():
    # the examples of tf.print's documentation
    assert printed(wb.range(10)) == "[0 1 2 ... 7 8 9]\n"
    t = wb.range(10)
    assert printed("tensors:", t, {2: t * 2}) == "tensors: [0 1 2 ... 7 8 9] {2: [0 2 4 ... 14 16 18]}\n"
    assert printed(wb.range(2), wb.range(2) * 2, sep=",") == "[0 1],[0 2]\n"


def test_print_matrix_and_elision_per_dimension():
    assert printed(wb.constant([[1, 2, 3], [4, 5, 6]])) == "[[1 2 3]\n [4 5 6]]\n"
    text = printed(wb.reshape(wb.range(100), (10, 10)))
    assert text == ("[[0 1 2 ... 7 8 9]\n [10 11 12 ... 17 18 19]\n [20 21 22 ... 27 28 29]\n ...\n"
                    " [70 71 72 ... 77 78 79]\n [80 81 82 ... 87 88 89]\n [90 91 92 ... 97 98 99]]\n")
    assert printed(wb.zeros((2, 2, 2), dtype=wb.int32)) == "[[[0 0]\n  [0 0]]\n\n [[0 0]\n  [0 0]]]\n"
    assert printed(wb.range(10), summarize=-1) == "[0 1 2 3 4 5 6 7 8 9]\n"
    assert printed(wb.range(10), summarize=1) == "[0 ... 9]\n"


def test_print_elements_and_streams(capsys):
    assert printed(wb.constant(1 / 3)) == "0.333333343\n"          # float32: 9 digits when 6 do not round-trip
    assert printed(wb.constant([0.1, 1.0, 2.5])) == "[0.1 1 2.5]\n"
    assert printed(wb.constant([True, False])) == "[1 0]\n"
    assert printed(wb.constant([1.0, np.inf, np.nan])) == "[1 inf nan]\n"
    assert printed("a", ["b", wb.constant(1)], end="!") == "a ['b', 1]!"
    wb.print(wb.constant(7))
    out = capsys.readouterr()
    assert out.err == "7\n" and out.out == ""                          # TF's default stream is stderr


def test_print_in_function_prints_every_call():
    buf = io.StringIO()

    @wb.function
    def f(x):
        wb.print("x =", x, output_stream=buf)
        return x * 2

    for v in (1.0, 2.0, 3.0):
        f(wb.constant(v))
    assert buf.getvalue() == "x = 1\nx = 2\nx = 3\n"


def test_str_is_tfs():
    # TF: str(t) names the value, shape and dtype; a variable prints as its repr; f"{t}" is NumPy's
    assert str(wb.constant([1, 2])) == "wb.Tensor([1 2], shape=(2,), dtype=int32)"
    assert str(wb.constant(3.0)) == "wb.Tensor(3.0, shape=(), dtype=float32)"
    assert str(wb.constant("hi")) == "wb.Tensor(b'hi', shape=(), dtype=string)"
    v = wb.Variable([1.0], name="w")
    assert str(v) == repr(v)


def test_format_scalars_like_numpy():
    assert f"{wb.constant(3.14159):.3f}" == "3.142"
    assert f"{wb.constant(5):04d}" == "0005"
    assert f"{wb.constant([1, 2])}" == "[1 2]"
    with pytest.raises(TypeError, match="scalar"):
        f"{wb.constant([1.0, 2.0]):.2f}"


# -- execution mode, scopes, dependencies -----------------------------------------------------

def test_executing_eagerly_is_false_only_while_tracing():
    seen = []

    @wb.function
    def f(x):
        seen.append(wb.executing_eagerly())
        return x + 1

    assert wb.executing_eagerly()
    f(wb.constant(1.0))
    assert seen == [False]
    assert wb.executing_eagerly()


def test_name_scope_prefixes_variable_names():
    with wb.name_scope("outer") as a:
        with wb.name_scope("inner") as b:
            v = wb.Variable(1.0, name="w")
        u = wb.Variable(1.0, name="u")
    w = wb.Variable(1.0, name="plain")
    assert (a, b) == ("outer/", "outer/inner/")
    assert v.name.split(":")[0] == "outer/inner/w"
    assert u.name.split(":")[0] == "outer/u"
    assert w.name.split(":")[0] == "plain"
    with wb.name_scope("x"):
        with wb.name_scope("abs/") as s:
            assert s == "abs/"
    with pytest.raises(TypeError, match="name_scope"):
        wb.name_scope(3)


def test_control_dependencies_and_group():
    calls = []
    x = wb.constant(1.0)
    with wb.control_dependencies([x, lambda: calls.append(1)]):
        y = x + 1
    assert calls == [1] and float(y) == 2.0
    with wb.control_dependencies(None):
        pass
    assert wb.group(x, [y]) is None
    with pytest.raises(TypeError, match="control_inputs"):
        with wb.control_dependencies(x):
            pass


# -- py_function / numpy_function -----------------------------------------------------------

def test_py_function_eager_and_differentiable():
    x = wb.constant(2.0)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.py_function(lambda a: a * a * a, [x], Tout=wb.float32)
    assert float(y) == 8.0
    assert float(tape.gradient(y, x)) == 12.0
    a, b = wb.py_function(lambda a: (a, a + 1), [x], Tout=[wb.float32, wb.float32])
    assert float(b) == 3.0
    with pytest.raises(errors.InvalidArgumentError, match="dtype"):
        wb.py_function(lambda a: wb.cast(a, wb.float64), [x], Tout=wb.float32)


def test_numpy_function_gets_arrays_and_is_not_differentiable():
    x = wb.constant([3, 1, 2])
    assert wb.numpy_function(np.sort, [x], Tout=wb.int32).numpy().tolist() == [1, 2, 3]
    v = wb.Variable(2.0)
    with wb.GradientTape() as tape:
        y = wb.numpy_function(lambda a: a * a, [v], Tout=wb.float32)
    with pytest.warns(errors.UnconnectedGradientWarning):
        assert tape.gradient(y, v) is None
    # TF 2.21's eager numpy_function does not check Tout: the float64 result comes back
    assert wb.numpy_function(lambda a: a.astype(np.float64), [v], Tout=wb.float32).dtype == wb.float64


def test_python_functions_run_on_every_call_of_a_function():
    calls = []

    @wb.function
    def f(x):
        y = wb.py_function(lambda a: (calls.append("py"), a * 3)[1], [x], Tout=wb.float32)
        z = wb.numpy_function(lambda a: (calls.append("np"), a + 1)[1], [x], Tout=wb.float32)
        return y + z

    outs = [float(f(wb.constant(float(i)))) for i in range(3)]
    assert outs == [1.0, 5.0, 9.0]
    assert calls == ["py", "np"] * 3


def test_py_function_gradient_inside_function_follows_each_call():
    v = wb.Variable(2.0)

    @wb.function
    def grad():
        with wb.GradientTape() as tape:
            y = wb.py_function(lambda a: a * a * a, [v], Tout=wb.float32)
        return tape.gradient(y, v)

    got = []
    for value in (2.0, 3.0, 4.0):
        v.assign(value)
        got.append(float(grad()))
    assert got == [12.0, 27.0, 48.0]


# -- TensorArray ------------------------------------------------------------------------------

def test_tensor_array_write_read_stack():
    ta = wb.TensorArray(wb.float32, size=2)
    ta2 = ta.write(0, [1.0, 2.0])
    assert ta2 is ta
    ta = ta.write(1, wb.constant([3.0, 4.0]))
    np.testing.assert_array_equal(ta.stack().numpy(), [[1, 2], [3, 4]])
    assert int(ta.size()) == 2 and ta.size().dtype == np.int32
    np.testing.assert_array_equal(ta.read(1).numpy(), [3, 4])
    with pytest.raises(errors.InvalidArgumentError, match="already read"):
        ta.read(1)
    with pytest.raises(errors.OutOfRangeError):
        ta.write(2, [0.0, 0.0])
    with pytest.raises(errors.InvalidArgumentError, match="dtype"):
        ta.write(0, wb.constant([1, 2]))
    with pytest.raises(ValueError, match="shape"):
        ta.write(0, [1.0, 2.0, 3.0])


def test_tensor_array_dynamic_unstack_scatter_gather_concat():
    ta = wb.TensorArray(wb.float32, size=0, dynamic_size=True, clear_after_read=False)
    for i in range(3):
        ta = ta.write(i, wb.fill([2], float(i)))
    np.testing.assert_array_equal(ta.gather([2, 0]).numpy(), [[2, 2], [0, 0]])
    np.testing.assert_array_equal(ta.concat().numpy(), [0, 0, 1, 1, 2, 2])
    ta = ta.scatter([0, 2], wb.constant([[5.0, 5.0], [7.0, 7.0]]))
    np.testing.assert_array_equal(ta.stack().numpy(), [[5, 5], [1, 1], [7, 7]])
    tb = wb.TensorArray(wb.int32, size=3).unstack(wb.constant([[1, 2], [3, 4], [5, 6]]))
    np.testing.assert_array_equal(tb.read(2).numpy(), [5, 6])
    tc = wb.TensorArray(wb.float32, size=3, element_shape=[2]).write(1, [1.0, 1.0])
    np.testing.assert_array_equal(tc.stack().numpy(), [[0, 0], [1, 1], [0, 0]])   # unwritten: zeros


def test_tensor_array_gradient_through_stack_eager_and_in_function():
    x = wb.Variable([1.0, 2.0])

    def loss():
        ta = wb.TensorArray(wb.float32, size=3)
        for i in range(3):
            ta = ta.write(i, x * float(i + 1))
        return wb.reduce_sum(ta.stack() ** 2)

    with wb.GradientTape() as tape:
        y = loss()
    expected = 2 * (1 + 4 + 9) * np.array([1.0, 2.0])
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), expected)

    @wb.function
    def step():
        with wb.GradientTape() as tape:
            y = loss()
        return y, tape.gradient(y, x)

    for value in ([1.0, 2.0], [3.0, -1.0]):
        x.assign(value)
        y, g = step()
        np.testing.assert_allclose(g.numpy(), 2 * 14 * np.array(value))
        assert float(y) == pytest.approx(14 * sum(v * v for v in value))


# -- map_fn, vectorized_map, meshgrid, sequence_mask ----------------------------------------

def test_map_fn_over_ragged_rows():
    rt = ragged.constant([[1.0, 2.0], [3.0], [4.0, 5.0, 6.0]])
    sums = wb.map_fn(wb.reduce_sum, rt, fn_output_signature=wb.float32)
    np.testing.assert_array_equal(sums.numpy(), [3, 3, 15])
    doubled = wb.map_fn(lambda r: r * 2, rt)
    assert isinstance(doubled, ragged.RaggedTensor)
    assert doubled.to_list() == [[2.0, 4.0], [6.0], [8.0, 10.0, 12.0]]
    with wb.GradientTape() as tape:
        tape.watch(rt.flat_values)
        y = wb.reduce_sum(wb.map_fn(lambda r: r * r, rt).flat_values)
    np.testing.assert_array_equal(tape.gradient(y, rt.flat_values).numpy(), [2, 4, 6, 8, 10, 12])


def test_map_fn_dense_to_ragged_with_signature():
    out = wb.map_fn(lambda n: wb.range(n), wb.constant([1, 3, 0]),
                    fn_output_signature=ragged.RaggedTensor)
    assert out.to_list() == [[0], [0, 1, 2], []]
    nested = wb.map_fn(lambda p: p[0] * p[1], (wb.constant([1.0, 2.0]), wb.constant([3.0, 4.0])),
                       fn_output_signature=wb.float32)
    np.testing.assert_array_equal(nested.numpy(), [3, 8])


def test_vectorized_map_stacks_like_map_fn():
    x = wb.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(wb.vectorized_map(lambda r: wb.reduce_sum(r * r), x).numpy(), [5, 25])


def test_meshgrid_xy_and_ij():
    X, Y = wb.meshgrid([1, 2, 3], [4, 5, 6, 7])
    assert X.shape == (4, 3) and Y.shape == (4, 3)
    ex, ey = np.meshgrid([1, 2, 3], [4, 5, 6, 7])
    np.testing.assert_array_equal(X.numpy(), ex)
    np.testing.assert_array_equal(Y.numpy(), ey)
    X, Y, Z = wb.meshgrid([1.0, 2.0], [3.0], [4.0, 5.0, 6.0], indexing="ij")
    assert X.shape == (2, 1, 3)
    with pytest.raises(ValueError, match="indexing"):
        wb.meshgrid([1], [2], indexing="yx")


def test_sequence_mask_matches_tf_docs():
    # tf.sequence_mask([1, 3, 2], 5) from TF's documentation
    np.testing.assert_array_equal(wb.sequence_mask([1, 3, 2], 5).numpy(),
                                  [[True, False, False, False, False],
                                   [True, True, True, False, False],
                                   [True, True, False, False, False]])
    m = wb.sequence_mask([[1, 3], [2, 0]])
    assert m.shape == (2, 2, 3) and m.dtype == np.bool_
    assert wb.sequence_mask([2], 3, dtype=wb.float32).numpy().tolist() == [[1.0, 1.0, 0.0]]
    with pytest.raises(errors.InvalidArgumentError, match="maxlen"):
        wb.sequence_mask([1], -1)


# -- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name,code", [
    ("CancelledError", 1), ("UnknownError", 2), ("InvalidArgumentError", 3),
    ("DeadlineExceededError", 4), ("NotFoundError", 5), ("AlreadyExistsError", 6),
    ("PermissionDeniedError", 7), ("ResourceExhaustedError", 8), ("FailedPreconditionError", 9),
    ("AbortedError", 10), ("OutOfRangeError", 11), ("UnimplementedError", 12),
    ("InternalError", 13), ("UnavailableError", 14), ("DataLossError", 15),
    ("UnauthenticatedError", 16)])
def test_error_classes_have_tf_codes(name, code):
    cls = getattr(wb.errors, name)
    assert issubclass(cls, wb.errors.OpError)
    e = cls(None, "op", "went wrong")
    assert (e.message, e.op, e.error_code, str(e)) == ("went wrong", "op", code, "went wrong")
    assert cls("short form").message == "short form"
    assert wb.errors.exception_type_from_error_code(code) is cls


def test_ops_raise_invalid_argument_as_op_error():
    with pytest.raises(wb.errors.OpError) as info:
        wb.math.unsorted_segment_sum(wb.ones([3]), wb.constant([0, 1]), 2)
    assert info.value.error_code == wb.errors.INVALID_ARGUMENT
    assert isinstance(info.value, ValueError)


# -- NumPy's floating-point warnings ----------------------------------------------------------

def test_numpy_floating_point_warnings_do_not_reach_the_user():
    x = wb.constant([0.0, -1.0, 1e30])
    with warnings.catch_warnings(record=True) as caught:
        out = [wb.math.log(x), 1.0 / x, wb.sqrt(x), x * x, wb.exp(x), wb.sin(x * np.inf)]
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = wb.reduce_sum(wb.sqrt(x) / x)
        tape.gradient(y, x)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]
    assert np.isneginf(out[0].numpy()[0]) and np.isnan(out[0].numpy()[1])     # TF's values, silently
    with warnings.catch_warnings(record=True) as caught:
        np.log(np.zeros(1))                                                  # the user's own NumPy still warns
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)


def test_reverse_walks_and_replays_stay_silent_under_an_error_filter():
    x = wb.constant([0.0, 4.0])
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(wb.math.log(x) * wb.sqrt(x))

    @wb.function
    def f(t):
        return wb.math.log(t) / t

    f(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = tape.gradient(y, x)
        r = f(wb.constant([0.0, 1.0]))
    assert np.isnan(g.numpy()[0]) and np.isneginf(r.numpy()[0])


def test_eager_ops_stay_silent_under_an_error_filter():
    # pytest -W error, or simplefilter("error") in a test: an op's inf/nan is TF's value, not an
    # exception; the user's own NumPy still raises
    x = wb.constant([0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isneginf(wb.math.log(x).numpy()[0]) and np.isinf((1.0 / x).numpy()[0])
        with pytest.raises(RuntimeWarning):
            np.log(np.zeros(1))


def test_iterator_get_next_raises_out_of_range_at_the_end():
    it = iter(wb.data.Dataset.from_tensor_slices([1, 2]))
    assert [int(it.get_next()), int(it.get_next())] == [1, 2]
    with pytest.raises(wb.errors.OutOfRangeError, match="End of sequence"):
        it.get_next()


def test_config_lists_devices_as_tf():
    cpus = wb.config.list_physical_devices("CPU")
    assert cpus[0].name == "/physical_device:CPU:0" and cpus[0].device_type == "CPU"
    assert wb.config.list_logical_devices("cpu")[0].name == "/device:CPU:0"
    assert len(wb.config.list_physical_devices()) == 1 + len(wb.config.list_physical_devices("GPU"))
    with pytest.raises(TypeError, match="device_type must be a string"):
        wb.config.list_physical_devices(0)


def test_numpy_of_a_scalar_is_a_numpy_scalar():
    # TF: tf.constant(6.0).numpy() is np.float32(6.0), a variable's too; arrays stay arrays
    assert type(wb.constant(6.0).numpy()) is np.float32
    assert type(wb.Variable(2, dtype=wb.int64).numpy()) is np.int64
    assert wb.constant("a").numpy() == b"a"
    assert isinstance(wb.constant([1.0]).numpy(), np.ndarray)
    assert np.asarray(wb.Variable(2.0)).shape == ()


def test_init_scope_runs_once_at_trace_time_and_outside_tapes():
    v = wb.Variable(0)

    @wb.function
    def f():
        with wb.init_scope():
            v.assign_add(1)        # lifted out of the traced program: runs while tracing only
        return v + 0
    assert [int(f()) for _ in range(3)] == [1, 1, 1] and int(v) == 1

    x = wb.Variable(2.0)
    with wb.GradientTape(persistent=True) as tape:
        with wb.init_scope():
            y = x * x              # the tape does not record it
        z = x * 3.0
    with pytest.warns(errors.UnconnectedGradientWarning):
        assert tape.gradient(y, x) is None
    assert float(tape.gradient(z, x)) == 3.0
    assert wb.executing_eagerly()


def test_py_function_and_numpy_function_as_decorators(capsys):
    @wb.py_function(Tout=wb.float32)
    def plus(x, y):
        print("Executing eagerly.")
        return x + y

    @wb.function
    def wrapper(x, y):
        return plus(x, y)
    assert [float(wrapper(wb.constant(1.0), wb.constant(2.0))) for _ in range(2)] == [3.0, 3.0]
    assert capsys.readouterr().out.count("Executing eagerly.") == 2   # every call, as in TF

    @wb.numpy_function(Tout=wb.int32)
    def sort(a):
        return np.sort(a)
    np.testing.assert_array_equal(sort(wb.constant([3, 1, 2])).numpy(), [1, 2, 3])
    with pytest.raises(TypeError, match="must be callable"):
        wb.py_function(Tout=wb.float32)(3)


def test_numpy_function_hands_values_over_as_tf_2_21():
    # TF 2.21: eager calls get arrays (strings as object arrays of bytes); where TF runs a graph
    # (a tf.function, a tf.data function) a 0-d value is a NumPy scalar, a string one bytes
    seen = []

    def keep(v):
        seen.append(v)
        return v

    assert wb.numpy_function(keep, [wb.constant("ab")], wb.string).numpy() == b"ab"
    assert isinstance(seen[-1], np.ndarray) and seen[-1].dtype == object and seen[-1][()] == b"ab"
    wb.numpy_function(keep, [wb.constant(["ab", "c"])], wb.string)
    assert seen[-1].dtype == object and seen[-1].tolist() == [b"ab", b"c"]
    wb.numpy_function(keep, [wb.constant(3)], wb.int32)
    assert isinstance(seen[-1], np.ndarray) and seen[-1].ndim == 0

    ds = wb.data.Dataset.from_tensor_slices(["a", "bb"]).map(lambda s: wb.numpy_function(keep, [s], wb.string))
    assert list(ds.as_numpy_iterator()) == [b"a", b"bb"]
    assert seen[-2:] == [b"a", b"bb"] and type(seen[-1]) is bytes
    ds = wb.data.Dataset.from_tensor_slices([1, 2]).map(lambda s: wb.numpy_function(keep, [s], wb.int32))
    assert list(ds.as_numpy_iterator()) == [1, 2] and type(seen[-1]) is np.int32

    f = wb.function(lambda x: wb.numpy_function(keep, [x], wb.int32))
    for k in (3, 4):   # the trace and a replay
        assert int(f(wb.constant(k))) == k and type(seen[-1]) is np.int32 and seen[-1] == k


def test_numpy_function_takes_bytes_str_and_their_arrays_for_a_string_result():
    one = wb.constant(1)
    assert wb.numpy_function(lambda v: np.array([b"x", b"yy"]), [one], wb.string).numpy().tolist() == [b"x", b"yy"]
    assert wb.numpy_function(lambda v: "str", [one], wb.string).numpy() == b"str"
    assert wb.numpy_function(lambda v: b"x", [one], wb.string).numpy() == b"x"
    with pytest.raises(errors.InvalidArgumentError, match="Tout"):   # checked in a graph (TF's)
        wb.function(lambda x: wb.numpy_function(lambda v: np.array([b"x"]), [x], wb.int32))(one)


def test_executing_eagerly_is_false_inside_dataset_functions():
    # TF traces tf.data functions: tf.executing_eagerly() is False inside them
    ds = wb.data.Dataset.range(2).map(lambda x: (x, wb.executing_eagerly()))
    assert [bool(e) for _, e in ds.as_numpy_iterator()] == [False, False]
    kept = wb.data.Dataset.range(4).filter(lambda x: not wb.executing_eagerly())
    assert list(kept.as_numpy_iterator()) == [0, 1, 2, 3]
    assert wb.executing_eagerly()
