"""wb.function traces as TF 2.21's graphs: the static shapes TF's shape inference gives values
the data decides (tf.where, boolean_mask, unique, a range to a traced bound, shapes built from
an argument's open sizes), and ops whose results nothing uses, which TF prunes (their kernel
errors never raise). The expected shapes were read from TF 2.21 (``x.shape`` printed inside a
tf.function)."""

import numpy as np
import pytest

import workbench as wb

S = wb.TensorSpec
X = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], np.float32)


def _static(fn, spec, *args):
    """The static shapes (tuples with None; None for an unknown rank) of ``fn``'s results as
    the traced function sees them, and its results."""
    seen = []

    @wb.function(input_signature=spec)
    def f(*a):
        r = fn(*a)
        seen.append([None if t.shape.rank is None else tuple(t.shape.as_list())
                     for t in (r if isinstance(r, (list, tuple)) else [r])])
        return r
    out = f(*args)
    return seen[0], out


# (name, function, input signature, arguments, TF 2.21's static shapes)
CASES = [
    ("where", lambda x: wb.where(x > 0), [S([2, 3])], (X,), [(None, 2)]),
    ("where_open", lambda x: wb.where(x > 0), [S([None, 3])], (X,), [(None, 2)]),
    ("where_unknown_rank", lambda x: wb.where(x > 0), [S(None)], (X,), [(None, None)]),
    ("where_3_args", lambda x: wb.where(x > 0, x, 0.0), [S([2, 3])], (X,), [(2, 3)]),
    ("boolean_mask", lambda x: wb.boolean_mask(x, x[:, 0] > 0), [S([2, 3])], (X,), [(None, 3)]),
    ("boolean_mask_2d", lambda x: wb.boolean_mask(x, x > 0), [S([2, 3])], (X,), [(None,)]),
    ("boolean_mask_axis", lambda x: wb.boolean_mask(x, x[0] > 0, axis=1), [S([2, 3])], (X,), [(2, None)]),
    ("boolean_mask_const", lambda x: wb.boolean_mask(x, [True, False]), [S([2, 3])], (X,), [(None, 3)]),
    ("boolean_mask_open", lambda x: wb.boolean_mask(x, x > 0), [S([None, None])], (X,), [(None,)]),
    ("unique", lambda v: wb.unique(v), [S([5], wb.int32)], (np.array([1, 2, 2, 3, 1], np.int32),),
     [(None,), (5,)]),
    ("unique_with_counts", lambda v: wb.unique_with_counts(v), [S([5], wb.int32)],
     (np.array([1, 2, 2, 3, 1], np.int32),), [(None,), (5,), (None,)]),
    ("range_traced", lambda n: wb.range(n), [S([], wb.int32)], (np.int32(4),), [(None,)]),
    ("range_traced_start", lambda n: wb.range(n, 10), [S([], wb.int32)], (np.int32(2),), [(None,)]),
    ("range_traced_float", lambda n: wb.range(n), [S([], wb.float32)], (np.float32(2),), [(None,)]),
    ("range_python", lambda x: wb.range(4), [S([2, 3])], (X,), [(4,)]),
    ("range_open_size", lambda x: wb.range(wb.shape(x)[0]), [S([None, 3])], (X,), [(None,)]),
    ("range_known_size", lambda x: wb.range(wb.shape(x)[0]), [S([2, 3])], (X,), [(2,)]),
    ("zeros_shape_open", lambda x: wb.zeros(wb.shape(x)), [S([None, 3])], (X,), [(None, 3)]),
    ("zeros_shape_known", lambda x: wb.zeros(wb.shape(x)), [S([2, 3])], (X,), [(2, 3)]),
    ("ones_shape_open", lambda x: wb.ones(wb.shape(x)), [S([None, 3])], (X,), [(None, 3)]),
    ("fill_shape_open", lambda x: wb.fill(wb.shape(x), 1.0), [S([None, 3])], (X,), [(None, 3)]),
    ("broadcast_to_open", lambda x: wb.broadcast_to(wb.constant(1.0), wb.shape(x)), [S([None, 3])], (X,),
     [(None, 3)]),
    ("broadcast_to_itself", lambda x: wb.broadcast_to(x, wb.shape(x)), [S([None, 3])], (X,), [(None, 3)]),
    ("reshape_to_open", lambda x: wb.reshape(wb.range(6.0), wb.shape(x)), [S([None, 3])], (X,), [(2, 3)]),
    ("reshape_minus_one", lambda x: wb.reshape(x, [-1, wb.shape(x)[0]]), [S([None, 3])], (X,), [(None, None)]),
    ("zeros_traced_n", lambda n: wb.zeros([n, 3]), [S([], wb.int32)], (np.int32(2),), [(None, 3)]),
    ("zeros_stacked_n", lambda n: wb.zeros(wb.stack([n, 3])), [S([], wb.int32)], (np.int32(2),), [(None, 3)]),
    ("fill_traced_n", lambda n: wb.fill([n, 2], 1.0), [S([], wb.int32)], (np.int32(2),), [(None, 2)]),
    ("shape_item", lambda x: wb.shape(x)[0], [S([None, 3])], (X,), [()]),
    ("shape_slice", lambda x: wb.shape(x)[1:], [S([None, 3])], (X,), [(1,)]),
    ("zeros_known_slice", lambda x: wb.zeros(wb.shape(x)[1:]), [S([None, 3])], (X,), [(3,)]),
    ("zeros_open_slice", lambda x: wb.zeros(wb.shape(x)[:1]), [S([None, 3])], (X,), [(None,)]),
    ("zeros_open_item", lambda x: wb.zeros([wb.shape(x)[0], 4]), [S([None, 3])], (X,), [(None, 4)]),
    ("zeros_items_swapped", lambda x: wb.zeros([wb.shape(x)[1], wb.shape(x)[0] * 2]), [S([None, 3])], (X,),
     [(3, None)]),
    ("zeros_stacked_items", lambda x: wb.zeros(wb.stack([wb.shape(x)[1], wb.shape(x)[0]])), [S([None, 3])],
     (X,), [(3, None)]),
    ("zeros_concat", lambda x: wb.zeros(wb.concat([wb.shape(x), [2]], 0)), [S([None, 3])], (X,),
     [(None, 3, 2)]),
    ("zeros_known_item_scaled", lambda x: wb.zeros([wb.shape(x)[1] * 2]), [S([None, 3])], (X,), [(6,)]),
    # TF evaluates a scalar computed from known sizes, not a vector computed from a partial shape
    ("zeros_shape_plus_0", lambda x: wb.zeros(wb.shape(x) + 0), [S([None, 3])], (X,), [(None, None)]),
    ("zeros_slice_scaled", lambda x: wb.zeros(wb.shape(x)[1:] * 2), [S([None, 3])], (X,), [(None,)]),
    ("ones_cast_shape", lambda x: wb.ones(wb.cast(wb.shape(x), wb.int64)), [S([None, 3])], (X,), [(None, 3)]),
    ("argmax", lambda x: wb.argmax(x, 1), [S([2, 3])], (X,), [(2,)]),
    ("argmax_open", lambda x: wb.argmax(x, 1), [S([None, 3])], (X,), [(None,)]),
    ("argmax_open_axis0", lambda x: wb.argmax(x, 0), [S([None, 3])], (X,), [(3,)]),
    ("argmin_open", lambda x: wb.argmin(x), [S([None, 3])], (X,), [(3,)]),
    ("argmax_unknown_rank", lambda x: wb.argmax(x, 1), [S(None)], (X,), [None]),
    ("gather_traced_indices", lambda x, i: wb.gather(x, i), [S([2, 3]), S([None], wb.int32)],
     (X, np.array([1, 0, 1], np.int32)), [(None, 3)]),
    ("gather_traced_indices_axis1", lambda x, i: wb.gather(x, i, axis=1), [S([2, 3]), S([None], wb.int32)],
     (X, np.array([1, 0, 1], np.int32)), [(2, None)]),
    ("gather_where", lambda x: wb.gather(x, wb.where(x[:, 0] > 0)[:, 0]), [S([2, 3])], (X,), [(None, 3)]),
    ("resize_traced_size", lambda x, s: wb.image.resize(x, s), [S([1, 4, 4, 1]), S([2], wb.int32)],
     (np.ones([1, 4, 4, 1], np.float32), np.array([2, 3], np.int32)), [(1, None, None, 1)]),
    ("resize_open_size", lambda x: wb.image.resize(x, wb.shape(x)[1:3] * 2), [S([1, None, 4, 1])],
     (np.ones([1, 4, 4, 1], np.float32),), [(1, None, None, 1)]),
    ("resize_known_size", lambda x: wb.image.resize(x, wb.shape(x)[1:3] * 2), [S([1, 4, 4, 1])],
     (np.ones([1, 4, 4, 1], np.float32),), [(1, 8, 8, 1)]),
    ("split_open", lambda x: wb.split(x, 2, axis=0), [S([None, 3])], (X,), [(None, 3), (None, 3)]),
    ("split_open_other_axis", lambda x: wb.split(x, 3, axis=1), [S([None, 3])], (X,),
     [(None, 1), (None, 1), (None, 1)]),
    ("split_sizes_other_axis", lambda x: wb.split(x, [1, 2], axis=1), [S([None, 3])], (X,),
     [(None, 1), (None, 2)]),
    ("split_sizes_open_axis", lambda x: wb.split(x, [1, 1], axis=0), [S([None, 3])], (X,), [(1, 3), (1, 3)]),
    ("split_sizes_minus_one", lambda x: wb.split(x, [1, -1], axis=0), [S([None, 3])], (X,),
     [(1, 3), (None, 3)]),
    ("unstack_open", lambda x: wb.unstack(x, axis=1), [S([None, 3])], (X,), [(None,), (None,), (None,)]),
    ("unstack_known", lambda x: wb.unstack(x, num=2), [S([None, 3])], (X,), [(3,), (3,)]),
    ("top_k_open", lambda x: wb.math.top_k(x, 2), [S([None, 3])], (X,), [(None, 2), (None, 2)]),
]


@pytest.mark.parametrize("fn, spec, args, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_static_shape_in_a_trace_is_tf_s(fn, spec, args, expected):
    shapes, out = _static(fn, spec, *args)
    assert shapes == expected
    eager = fn(*[wb.constant(a) for a in args])   # the values are the eager ones
    for o, e in zip(out if isinstance(out, (list, tuple)) else [out],
                    eager if isinstance(eager, (list, tuple)) else [eager]):
        np.testing.assert_array_equal(np.asarray(o), np.asarray(e))


def test_a_shape_built_from_open_sizes_replays_at_new_sizes():
    @wb.function(input_signature=[S([None, 3])])
    def f(x):
        z = wb.zeros(wb.shape(x)) + x
        assert z.shape.as_list() == [None, 3]
        return z
    np.testing.assert_array_equal(f(X).numpy(), X)
    y = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_array_equal(f(y).numpy(), y)


def test_an_op_on_a_value_the_data_sizes_keeps_the_open_size():
    # TF: tf.where's count is open, and so is what it reaches
    @wb.function(input_signature=[S([2, 3])])
    def f(x):
        idx = wb.where(x > 0)
        y = wb.cast(idx, wb.float32) * 2.0
        assert y.shape.as_list() == [None, 2]
        assert wb.reduce_sum(y, axis=1).shape.as_list() == [None]
        return y
    np.testing.assert_array_equal(f(X).numpy(), 2.0 * np.argwhere(X > 0))


# -- ops whose results nothing uses (TF prunes them from the graph) -------------------------
def test_an_unused_op_s_kernel_error_does_not_raise_and_replays_skip_it():
    # TF's "Introduction to graphs" guide: eager raises, the tf.function returns x
    calls = []

    @wb.function
    def f(x):
        calls.append(1)
        wb.gather(x, [1])   # unused
        return x * 2.0
    with pytest.raises(wb.errors.InvalidArgumentError):
        wb.gather(wb.constant([0.0]), [1])
    np.testing.assert_array_equal(f(wb.constant([0.0])).numpy(), [0.0])
    np.testing.assert_array_equal(f(wb.constant([3.0])).numpy(), [6.0])   # TF: [6.]
    assert len(calls) == 1 and f.get_concrete_function(wb.constant([0.0])).ops == ("multiply",)
    np.testing.assert_array_equal(f(wb.constant([3.0, 4.0])).numpy(), [6.0, 8.0])


@pytest.mark.parametrize("body", [
    lambda x: wb.gather_nd(x, [[3]]),
    lambda x: wb.tensor_scatter_nd_update(x, [[3]], [1.0]),
    lambda x: wb.scatter_nd([[3]], [1.0], [1]),
    lambda x: wb.math.unsorted_segment_sum(x, [3], 2),
    lambda x: wb.math.bincount([-1]),
    lambda x: wb.linalg.cholesky(wb.constant([[-1.0]])),
    lambda x: wb.linalg.inv(wb.zeros([2, 2])),
    lambda x: wb.gather(x[None], [4], axis=1),
    lambda x: wb.gather(wb.ones([2, 2]), [[5], [0]], batch_dims=1),
], ids=["gather_nd", "tensor_scatter_nd_update", "scatter_nd", "unsorted_segment_sum", "bincount",
        "cholesky", "inv", "gather_axis1", "gather_batch_dims"])
def test_unused_ops_kernel_errors_do_not_raise(body):
    # TF 2.21 runs each of these functions without error; eagerly each raises
    @wb.function
    def f(x):
        body(x)
        return x
    with pytest.raises(wb.errors.InvalidArgumentError):
        body(wb.constant([0.0]))
    np.testing.assert_array_equal(f(wb.constant([0.0])).numpy(), [0.0])


def _gather_then(use):
    @wb.function
    def f(x):
        y = wb.gather(x, [1])
        return use(x, y)
    return f


@pytest.mark.parametrize("use", [
    lambda x, y: y,                              # a result of the function
    lambda x, y: y + x,                          # a later op
    lambda x, y: wb.concat([x, y], 0),           # a later op (one that could defer its own errors)
    lambda x, y: (y.numpy(), x)[1],              # its value read
    lambda x, y: (wb.print(y), x)[1],            # printed
], ids=["returned", "added", "concat", "numpy", "printed"])
def test_a_used_result_raises_the_kernel_error(use):
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"indices\[0\] = 1 is not in \[0, 1\)"):
        _gather_then(use)(wb.constant([0.0]))


def test_assigning_the_result_to_a_variable_raises_the_kernel_error():
    v = wb.Variable([5.0])

    @wb.function
    def f(x):
        v.assign(wb.gather(x, [1]))
        return x
    with pytest.raises(wb.errors.InvalidArgumentError):
        f(wb.constant([0.0]))
    np.testing.assert_array_equal(v.numpy(), [5.0])


def test_a_control_dependency_on_the_result_does_not_raise_as_in_tf():
    # TF 2.21 returns [0.] here (the dependency does not make the pruned gather run)
    @wb.function
    def f(x):
        y = wb.gather(x, [1])
        with wb.control_dependencies([y]):
            return wb.identity(x)
    np.testing.assert_array_equal(f(wb.constant([0.0])).numpy(), [0.0])


@pytest.mark.parametrize("check", [
    lambda x: wb.debugging.check_numerics(x / 0.0, "boom"),
    lambda x: wb.debugging.assert_equal(x, x + 1.0, message="boom"),
    lambda x: wb.debugging.assert_less(x, x, message="boom"),
], ids=["check_numerics", "assert_equal", "assert_less"])
def test_a_check_runs_though_nothing_uses_it_as_in_tf(check):
    # TF runs checks (stateful: its automatic control dependencies) and raises
    @wb.function
    def f(x):
        check(x)
        return x
    with pytest.raises(wb.errors.InvalidArgumentError, match="boom"):
        f(wb.constant([0.0]))


def test_bad_arguments_still_raise_while_tracing():
    @wb.function
    def f(x):
        wb.gather(x, [[0.5]])   # not integer indices: TF's TypeError when the graph is built
        return x
    with pytest.raises(TypeError):
        f(wb.constant([0.0]))


def test_replays_skip_ops_whose_results_nothing_uses():
    @wb.function
    def f(x, v):
        wb.gather(x, [1])          # unused: TF prunes it
        _ = wb.exp(x) + 1.0        # unused
        v.assign_add(x)            # an effect: runs
        return x * 2.0
    v = wb.Variable([0.0, 0.0])
    np.testing.assert_array_equal(f(wb.constant([1.0, 2.0]), v).numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(f(wb.constant([3.0, 4.0]), v).numpy(), [6.0, 8.0])
    np.testing.assert_array_equal(v.numpy(), [4.0, 6.0])   # the trace's run and one replay
    ops = f.get_concrete_function(wb.constant([1.0, 2.0]), v).ops
    assert "gather_rows" not in ops and "exp" not in ops and "multiply" in ops


def test_concrete_function_output_specs_have_the_static_shapes():
    # TF 2.21's structured_outputs shapes
    def body(x):
        return wb.where(x > 0), wb.zeros(wb.shape(x)), wb.argmax(x, 1), wb.boolean_mask(x, x > 0)
    known = wb.function(body, input_signature=[S([2, 3])]).get_concrete_function()
    assert [tuple(s.shape.as_list()) for s in known.structured_outputs] == [(None, 2), (2, 3), (2,), (None,)]
    open_ = wb.function(body, input_signature=[S([None, 3])]).get_concrete_function()
    assert [tuple(s.shape.as_list()) for s in open_.structured_outputs] == [(None, 2), (None, 3), (None,), (None,)]


def test_a_function_that_runs_eagerly_drops_unused_kernel_errors_on_every_call():
    from workbench.compiler import UnreplayableWarning

    def body(x):
        wb.gather(x, [1])             # unused
        n = wb.where(x > -1.0)        # computed outside the op table: the function runs eagerly
        return x + wb.cast(wb.reduce_sum(n), wb.float32)
    f = wb.function(body)
    with pytest.warns(UnreplayableWarning):
        np.testing.assert_array_equal(f(wb.constant([0.0])).numpy(), [0.0])
    np.testing.assert_array_equal(f(wb.constant([1.0])).numpy(), [1.0])   # an eager run, as TF's graph

    @wb.function
    def g(x):
        y = wb.gather(x, [1])
        wb.where(x > -1.0)
        return y
    for value in ([0.0], [1.0]):
        with pytest.raises(wb.errors.InvalidArgumentError):
            g(wb.constant(value))


def test_an_unused_check_numerics_still_checks_on_every_replay():
    # TF 2.21 keeps CheckNumerics in the graph though nothing reads it: the second call raises
    @wb.function
    def f(x):
        wb.debugging.check_numerics(x, "bad")
        return x * 2

    assert f(wb.constant([1.0])).numpy().tolist() == [2.0]
    with pytest.raises(wb.errors.InvalidArgumentError, match="bad"):
        f(wb.constant([np.nan]))
