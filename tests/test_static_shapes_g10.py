"""Static shapes of traces on stand-in values (an input signature with open sizes or integer
arguments, a dataset map of an integer element) that the stand-ins must not decide: a size 0
against an open size, every reduction, wb.size of open sizes, integer arguments that the body
cannot run on as 0 (reshape(x, [n, -1]), scatter_nd, segment counts, range steps, a traced
perm; inv, cholesky, lstsq of zeros). Every expected shape below is TF 2.21's, pinned."""

import numpy as np
import pytest

import workbench as wb
from workbench import core
from workbench.compiler.signature import _broadcast, _REDUCTIONS
from workbench.data import Dataset

S = wb.TensorSpec
f32, i32 = wb.float32, wb.int32
N3 = [S([None, 3], f32)]
SC = [S([], i32)]


def _shapes(out):
    if isinstance(out, (list, tuple)):
        return [_shapes(o) for o in out]
    s = out.shape
    return None if s.rank is None else tuple(s.as_list())


def _traced(fn, specs):
    return _shapes(wb.function(fn, input_signature=specs).get_concrete_function().structured_outputs)


def _mapped(fn):
    return _shapes(Dataset.range(1, 4).map(fn).element_spec)


# -- a size 0 against an open size --------------------------------------------------------
@pytest.mark.parametrize("name, specs, fn, tf", [
    ("0_none", [S([None, 3], f32), S([0, 3], f32)], lambda x, y: x + y, (None, 3)),
    ("0_1", [S([None, 3], f32), S([0, 1], f32)], lambda x, y: x * y, (None, 3)),
    ("0_0", [S([0, None], f32), S([0, 3], f32)], lambda x, y: x - y, (0, 3)),
    ("none_1", [S([None, 1], f32), S([1, 3], f32)], lambda x, y: x + y, (None, 3)),
])
def test_broadcast_of_a_zero_size_against_an_open_one_is_open(name, specs, fn, tf):
    assert _traced(fn, specs) == tf


def test_broadcast_rule_of_sizes():
    assert _broadcast([(0,), (None,)]) == (None,)
    assert _broadcast([(None,), (0,)]) == (None,)
    assert _broadcast([(0,), (1,)]) == (0,)
    assert _broadcast([(1,), (None,), (4,)]) == (4,)
    assert _broadcast([(1,), (1,)]) == (1,)
    assert _broadcast([(None,), (None,)]) == (None,)


def test_dropout_in_a_map_of_an_integer_element_has_an_open_size():
    assert _mapped(lambda n: wb.nn.dropout(wb.ones([n, 3]), 0.5, seed=1)) == (None, 3)


# -- reductions ---------------------------------------------------------------------------
@pytest.mark.parametrize("name, specs, fn, tf", [
    ("euclid", N3, lambda x: wb.math.reduce_euclidean_norm(x, 1), (None,)),
    ("euclid_keep", N3, lambda x: wb.math.reduce_euclidean_norm(x, 0, keepdims=True), (1, 3)),
    ("euclid_all", N3, lambda x: wb.math.reduce_euclidean_norm(x), ()),
    ("variance", N3, lambda x: wb.math.reduce_variance(x, 1), (None,)),
    ("std_keep", N3, lambda x: wb.math.reduce_std(x, 0, keepdims=True), (1, 3)),
    ("lse", N3, lambda x: wb.math.reduce_logsumexp(x, 1), (None,)),
    ("prod", N3, lambda x: wb.math.reduce_prod(x, 0), (3,)),
    ("all", [S([None, 3], wb.bool)], lambda x: wb.math.reduce_all(x, 1), (None,)),
    ("any_keep", [S([None, 3], wb.bool)], lambda x: wb.math.reduce_any(x, 1, keepdims=True), (None, 1)),
    ("argmin1", N3, lambda x: wb.argmin(x, 1), (None,)),
    ("argmax0", N3, lambda x: wb.argmax(x, 0), (3,)),
])
def test_reductions_keep_open_sizes(name, specs, fn, tf):
    assert _traced(fn, specs) == tf


def test_every_reduction_op_has_a_shape_rule():
    reductions = {n for n in core.OPS if n.startswith("reduce_")}
    assert reductions and reductions <= _REDUCTIONS


# -- wb.size and wb.shape of open sizes ---------------------------------------------------
@pytest.mark.parametrize("name, specs, fn, tf", [
    ("range_size", N3, lambda x: wb.range(wb.size(x)), (None,)),
    ("range_shape0", N3, lambda x: wb.range(wb.shape(x)[0]), (None,)),
    ("range_shape1", N3, lambda x: wb.range(wb.shape(x)[1]), (3,)),
    ("zeros_size", N3, lambda x: wb.zeros([wb.size(x), 2]), (None, 2)),
    ("range_size_known", [S([2, 3], f32)], lambda x: wb.range(wb.size(x)), (6,)),
    ("ones_shape0x2", N3, lambda x: wb.ones([wb.shape(x)[0] * 2]), (None,)),
])
def test_size_and_shape_of_open_sizes_are_decided_by_the_data(name, specs, fn, tf):
    assert _traced(fn, specs) == tf


def test_range_of_a_size_in_a_map():
    assert _mapped(lambda n: wb.range(wb.size(wb.range(n)))) == (None,)


def test_size_in_a_replay_is_the_calls():
    f = wb.function(lambda x: wb.range(wb.size(x)), input_signature=N3)
    assert f.get_concrete_function().structured_outputs.shape.as_list() == [None]
    np.testing.assert_array_equal(f(wb.zeros([2, 3])).numpy(), np.arange(6))
    np.testing.assert_array_equal(f(wb.zeros([1, 3])).numpy(), np.arange(3))


# -- integer arguments the body cannot run on as 0 ----------------------------------------
@pytest.mark.parametrize("name, specs, fn, tf", [
    ("reshape_sc", N3 + SC, lambda x, n: wb.reshape(x, [n, -1]), (None, None)),
    ("reshape_n2", [S([6], f32)] + SC, lambda x, n: wb.reshape(x, [n, 2]), (3, 2)),
    ("reshape_m1n", [S([6], f32)] + SC, lambda x, n: wb.reshape(x, [-1, n]), (None, None)),
    ("reshape_3m1", [S([None], f32)], lambda x: wb.reshape(x, [3, -1]), (3, None)),
    ("scatter_nd", [S([None, 1], i32), S([None], f32)] + SC, lambda i, u, n: wb.scatter_nd(i, u, [n]), (None,)),
    ("scatter_nd_rows", [S([None, 1], i32), S([None, 3], f32)] + SC,
     lambda i, u, n: wb.scatter_nd(i, u, [n, 3]), (None, 3)),
    ("useg_sum", N3 + [S([None], i32)] + SC, lambda x, i, n: wb.math.unsorted_segment_sum(x, i, n), (None, 3)),
    ("useg_mean", N3 + [S([None], i32)] + SC, lambda x, i, n: wb.math.unsorted_segment_mean(x, i, n), (None, 3)),
    ("range_step", SC, lambda n: wb.range(0, 10, n), (None,)),
    ("transpose_perm", [S([4, 3], f32), S([2], i32)], lambda x, p: wb.transpose(x, p), (None, None)),
    ("transpose_perm3", [S([2, 3, 4], f32), S([3], i32)], lambda x, p: wb.transpose(x, p), (None, None, None)),
    ("one_hot_n", [S([None], i32)] + SC, lambda x, n: wb.one_hot(x, n), (None, None)),
    ("fill_n", SC, lambda n: wb.fill([n, 2], 1.0), (None, 2)),
])
def test_integer_arguments_do_not_decide_the_trace(name, specs, fn, tf):
    assert _traced(fn, specs) == tf


@pytest.mark.parametrize("name, specs, fn, tf", [
    ("inv", [S([None, 3, 3], f32)], lambda x: wb.linalg.inv(x), (None, 3, 3)),
    ("cholesky", [S([None, None], f32)], lambda x: wb.linalg.cholesky(x), (None, None)),
    ("lstsq", [S([None, 4, 3], f32), S([None, 4, 2], f32)], lambda a, b: wb.linalg.lstsq(a, b), (None, 3, 2)),
])
def test_matrices_the_body_cannot_run_on_as_zeros(name, specs, fn, tf):
    assert _traced(fn, specs) == tf


@pytest.mark.parametrize("name, fn, tf", [
    ("reshape", lambda n: wb.reshape(wb.range(6), [n, -1]), (None, None)),
    ("range_step", lambda n: wb.range(0, 10, n), (None,)),
    ("segment_sum", lambda n: wb.math.unsorted_segment_sum(wb.ones([3]), [0, 1, 1], n), (None,)),
    ("segment_rows", lambda n: wb.math.unsorted_segment_sum(wb.ones([3, 2]), [0, 0, 0], n), (None, 2)),
    ("scatter_nd", lambda n: wb.scatter_nd([[0]], [1.0], wb.reshape(wb.cast(n, wb.int32), [1])), (None,)),
])
def test_integer_elements_do_not_decide_a_maps_spec(name, fn, tf):
    assert _mapped(fn) == tf


def test_a_trace_on_other_stand_ins_replays_each_call():
    f = wb.function(lambda x, n: wb.reshape(x, [n, -1]), input_signature=[S([None, 3], f32)] + SC)
    assert f.get_concrete_function().structured_outputs.shape.as_list() == [None, None]
    x = wb.reshape(wb.range(12, dtype=wb.float32), [4, 3])
    np.testing.assert_array_equal(f(x, wb.constant(2)).numpy(), np.arange(12.0).reshape(2, 6))
    np.testing.assert_array_equal(f(x, wb.constant(6)).numpy(), np.arange(12.0).reshape(6, 2))
    ds = Dataset.range(1, 4).map(lambda n: wb.reshape(wb.range(6), [n, -1]))
    assert [e.shape for e in ds] == [(1, 6), (2, 3), (3, 2)]


def test_a_body_run_again_on_other_stand_ins_prints_once(capsys):
    def body(x, n):
        print("tracing")
        y = wb.reshape(x, [n, -1])
        print("traced")
        return y
    wb.function(body, input_signature=[S([6], f32)] + SC).get_concrete_function()
    assert capsys.readouterr().out == "tracing\ntraced\n"


def test_other_threads_print_while_a_body_runs_again(capsys):
    import threading

    def body(x, n):
        print("tracing")
        t = threading.Thread(target=print, args=("other thread",))
        t.start()
        t.join()
        return wb.reshape(x, [n, -1])
    wb.function(body, input_signature=[S([6], f32)] + SC).get_concrete_function()
    out = capsys.readouterr().out.splitlines()
    # the tracing thread's print shows once; the other thread's every time it ran (never held back)
    assert out.count("tracing") == 1 and out.count("other thread") >= 2


def test_a_body_no_stand_in_runs_raises_the_first_error():
    f = wb.function(lambda x, n: wb.reshape(x, [n, 7]), input_signature=[S([6], f32)] + SC)
    with pytest.raises(wb.errors.InvalidArgumentError, match="requested shape has 0"):
        f.get_concrete_function()


@pytest.mark.parametrize("name, specs, fn, tf", [
    ("prod_shape", N3, lambda x: wb.range(wb.reduce_prod(wb.shape(x))), (None,)),
    ("prod_shape_known", [S([2, 3], f32)], lambda x: wb.range(wb.reduce_prod(wb.shape(x))), (6,)),
    ("rank_unknown", [S(None, f32)], lambda x: wb.range(wb.rank(x)), (None,)),
    ("rank_known", N3, lambda x: wb.range(wb.rank(x)), (2,)),
    ("ones_size", N3, lambda x: wb.ones([wb.size(x)]), (None,)),
    ("reshape_size", N3, lambda x: wb.reshape(x, [wb.size(x)]), (None,)),
    ("size_div3", N3, lambda x: wb.zeros([wb.size(x) // 3, 3]), (None, 3)),
    ("size_unknown_rank", [S(None, f32)], lambda x: wb.range(wb.size(x)), (None,)),
])
def test_values_computed_from_open_shapes_are_open(name, specs, fn, tf):
    assert _traced(fn, specs) == tf


def test_shapes_of_values_made_from_an_element_are_open():
    assert _mapped(lambda n: wb.zeros(wb.shape(wb.ones([n, 2])))) == (None, 2)
    assert _mapped(lambda n: wb.range(wb.size(wb.ones([n, 2])))) == (None,)
