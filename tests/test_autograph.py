"""wb.cond / wb.while_loop traced inside wb.function, and AutoGraph's conversion of Python
control flow on tensors (TF 2.21's values pinned)."""

import warnings

import numpy as np
import pytest

import workbench as wb
from workbench.compiler import UnreplayableWarning


def _replays(fn, *calls):
    """The results of ``fn`` on each argument tuple, checking that no call runs eagerly."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        return [fn(*args) for args in calls]


# -- wb.cond and wb.while_loop inside a trace ----------------------------------------------

def test_cond_on_a_computed_predicate_replays_the_other_branch():
    @wb.function
    def f(x):
        return wb.cond(x > 0, lambda: x * 2.0, lambda: -x)
    out = _replays(f, (wb.constant(3.0),), (wb.constant(-3.0),), (wb.constant(5.0),))
    assert [float(o) for o in out] == [6.0, 3.0, 10.0]
    assert f.experimental_get_tracing_count() == 1


def test_while_loop_count_follows_the_argument_on_replays():
    @wb.function
    def f(n):
        _, s = wb.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s * 2.0),
                             [wb.constant(0), wb.constant(1.0)])
        return s
    out = _replays(f, (wb.constant(3),), (wb.constant(5),), (wb.constant(0),))
    assert [float(o) for o in out] == [8.0, 32.0, 1.0]


def test_while_loop_maximum_iterations_and_structures():
    @wb.function
    def f(x, n):
        out = wb.while_loop(lambda s: s["i"] < n, lambda s: [{"i": s["i"] + 1, "v": s["v"] + x}],
                            [{"i": wb.constant(0), "v": wb.zeros_like(x)}], maximum_iterations=4)
        return out[0]["v"]
    x = wb.constant([1.0, 2.0])
    got = _replays(f, (x, wb.constant(2)), (x, wb.constant(9)))
    np.testing.assert_allclose(got[0].numpy(), [2.0, 4.0])
    np.testing.assert_allclose(got[1].numpy(), [4.0, 8.0])


def test_nested_cond_in_while_and_variable_updates_run_per_iteration():
    v = wb.Variable(0.0)

    @wb.function
    def f(x, n):
        def body(i, acc):
            v.assign_add(1.0)
            acc = wb.cond(i % 2 == 0, lambda: acc + x, lambda: acc * 2.0)
            return i + 1, acc
        return wb.while_loop(lambda i, a: i < n, body, (0, wb.zeros_like(x)))[1]
    x = wb.constant([1.0, 2.0])
    got = _replays(f, (x, wb.constant(4)), (x, wb.constant(5)), (x, wb.constant(0)))
    np.testing.assert_allclose(got[0].numpy(), [6.0, 12.0])
    np.testing.assert_allclose(got[1].numpy(), [7.0, 14.0])
    np.testing.assert_allclose(got[2].numpy(), [0.0, 0.0])
    assert float(v) == 9.0   # the untaken branch and the dry trace of the body leave v alone


def test_untaken_branch_updates_no_variable_and_prints_only_when_taken(capsys):
    v = wb.Variable(1.0)

    @wb.function
    def f(x):
        def yes():
            v.assign(10.0)
            wb.print("yes", output_stream=sys.stdout)
            return x
        return wb.cond(x > 0, yes, lambda: x * 0.0)
    import sys
    _replays(f, (wb.constant(-1.0),))
    assert float(v) == 1.0 and capsys.readouterr().out == ""
    _replays(f, (wb.constant(2.0),))
    assert float(v) == 10.0 and capsys.readouterr().out == "yes\n"


def test_gradient_through_traced_cond_and_while_loop():
    @wb.function
    def f(x):
        y = wb.cond(wb.reduce_sum(x) > 0, lambda: x * x, lambda: x * 3.0)
        return wb.while_loop(lambda i, y: i < 2, lambda i, y: (i + 1, y * x), [0, y])[1]
    for value, want in ((2.0, 4 * 2.0 ** 3), (-1.0, 3 * 3.0 * 1.0)):   # d(x^4)=4x^3, d(3x^3)=9x^2
        x = wb.constant(value)
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        assert float(tape.gradient(y, x)) == pytest.approx(want)


def test_tape_inside_the_function_through_a_cond_runs_eagerly_and_is_right():
    @wb.function
    def f(x):
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = wb.cond(x > 0, lambda: x * x, lambda: -x)
        return tape.gradient(y, x)
    with pytest.warns(UnreplayableWarning, match="tape records through wb.cond"):
        assert float(f(wb.constant(3.0))) == 6.0
    assert float(f(wb.constant(-3.0))) == -1.0


# -- AutoGraph: Python control flow on tensors ---------------------------------------------
# (values: TF 2.21, the same functions under tf.function)

def test_if_on_a_tensor_is_converted_and_replays():
    @wb.function
    def f(x):
        if x > 0:
            y = x * 2.0
        else:
            y = -x
        return y
    assert [float(v) for v in _replays(f, (wb.constant(3.0),), (wb.constant(-4.0),))] == [6.0, 4.0]
    assert f.experimental_get_tracing_count() == 1


def test_early_returns():
    @wb.function
    def early(x):
        if x > 0:
            return x * 2
        y = -x
        if y > 5:
            return y
        return y + 100
    out = _replays(early, (wb.constant(3.0),), (wb.constant(-2.0),), (wb.constant(-7.0),))
    assert [float(v) for v in out] == [6.0, 102.0, 7.0]


def test_while_with_break_and_continue():
    @wb.function
    def brk(x, n):
        s = wb.constant(0.0)
        i = wb.constant(0)
        while i < n:
            i += 1
            if i % 2 == 0:
                continue
            if s > 10.0:
                break
            s += x
        return s, i
    out = _replays(brk, (wb.constant(3.0), wb.constant(20)), (wb.constant(1.5), wb.constant(6)))
    assert [(float(a), int(b)) for a, b in out] == [(12.0, 9), (4.5, 6)]


def test_for_over_the_rows_of_a_tensor_with_break():
    @wb.function
    def rows(m):
        total = wb.zeros([2])
        for row in m:
            if wb.reduce_sum(row) < 0:
                break
            total += row
        return total
    out = _replays(rows, (wb.constant([[1., 2.], [3., 4.], [-9., 0.], [5., 5.]]),),
                   (wb.constant([[1., 2.], [3., 4.], [9., 0.], [5., 5.]]),))
    assert out[0].numpy().tolist() == [4.0, 6.0]
    assert out[1].numpy().tolist() == [18.0, 11.0]


def test_for_over_wb_range_of_a_tensor_counts_without_making_the_range():
    @wb.function
    def fr(n):
        s = 0
        for i in wb.range(n):
            s += i * i
        return s
    out = _replays(fr, (wb.constant(5),), (wb.constant(0),), (wb.constant(3),))
    assert [int(v) for v in out] == [30, 0, 5] and out[0].dtype == wb.int32
    assert fr.experimental_get_tracing_count() == 1

    @wb.function
    def down(a, b):
        out = wb.constant(0.0)
        for x in range(a, b, -2):    # Python's range of tensors: wb.range, as TF converts it
            out = out * 10.0 + wb.cast(x, wb.float32)
        return out
    assert float(_replays(down, (wb.constant(7), wb.constant(1)))[0]) == 753.0


def test_for_over_a_dataset_and_a_python_list():
    @wb.function
    def ds(d):
        total = wb.constant(0)
        for x, y in d:
            total += x * y
        return total
    assert int(ds(wb.data.Dataset.from_tensor_slices(([1, 2, 3], [4, 5, 6])))) == 32
    assert int(ds([(1, 4), (2, 5), (3, 6)])) == 32      # a Python list: unrolled while tracing


def test_nested_and_called_functions_are_converted():
    def halve_big(v):            # a user function the traced one calls: converted too (TF's recursive)
        if v > 1.0:
            v = v / 2.0
        return v

    @wb.function
    def outer(x):
        def inner(v):
            while v > 10.0:
                v = v - 10.0
            return v
        return halve_big(x) + halve_big(x * 4.0) + inner(x * 10.0)
    out = _replays(outer, (wb.constant(3.0),), (wb.constant(0.2),))
    assert [float(v) for v in out] == pytest.approx([7.5 + 10.0, 1.0 + 2.0])


def test_and_or_not_on_tensors():
    @wb.function
    def logic(x, y):
        if x > 0 and not y < 0 or x > 10:
            return 1
        return 0
    cases = [(1., 1.), (1., -1.), (11., -1.), (-1., 1.)]
    out = _replays(logic, *[(wb.constant(a), wb.constant(b)) for a, b in cases])
    assert [int(v) for v in out] == [1, 0, 1, 0]


def test_python_conditions_keep_python_semantics():
    @wb.function
    def py(x, flag):
        if flag:
            return x + 1
        return x - 1
    assert float(py(wb.constant(1.0), True)) == 2.0 and float(py(wb.constant(1.0), False)) == 0.0
    assert py.experimental_get_tracing_count() == 2   # one trace per Python value, as TF


def test_variable_defined_in_the_loop_is_carried_from_its_first_iteration():
    @wb.function
    def last(x):
        while x > 0:
            w = x * 2
            x = x - 1
        return w
    assert float(last(wb.constant(3.0))) == 2.0 and float(last(wb.constant(5.0))) == 2.0
    with pytest.raises(wb.errors.InvalidArgumentError,
                       match=r"assertion failed: \[loop must iterate at least once to initialize w\]"):
        last(wb.constant(-1.0))


def test_tf_errors_for_branches_and_loops():
    @wb.function
    def main_missing(x):
        if x > 0:
            pass
        else:
            y = 2.0
        return y
    with pytest.raises(ValueError, match="^'y' must also be initialized in the main branch$"):
        main_missing(wb.constant(1.0))

    @wb.function
    def else_missing(x):
        if x > 0:
            y = x * 2
        return y
    with pytest.raises(ValueError, match="^'y' must also be initialized in the else branch$"):
        else_missing(wb.constant(1.0))

    @wb.function
    def branch_dtypes(x):
        if x > 0:
            y = 1.0
        else:
            y = wb.constant(2)
        return y
    with pytest.raises(TypeError, match="^'y' has dtype float32 in the main branch, but dtype int32 "
                                        "in the else branch$"):
        branch_dtypes(wb.constant(2.0))

    @wb.function
    def loop_dtype(x):
        s = 0
        while x > 0:
            s = 1.5
            x -= 1
        return s
    with pytest.raises(TypeError, match="^'s' has dtype int32 before the loop, but dtype float32 after "
                                        "one iteration$"):
        loop_dtype(wb.constant(2))

    @wb.function
    def loop_shape(x):
        s = wb.constant([1.0])
        while x > 0:
            s = wb.concat([s, s], 0)
            x -= 1
        return s
    with pytest.raises(ValueError, match=r"^'s' has shape \(1,\) before the loop, but shape \(2,\) after "
                                         r"one iteration\. Use wb.autograph.experimental.set_loop_options"):
        loop_shape(wb.constant(2))


def test_error_points_at_the_users_line():
    @wb.function
    def bad(x):
        if x > 0:
            y = x * 2
        return y
    with pytest.raises(ValueError) as info:
        bad(wb.constant(1.0))
    import traceback
    frames = traceback.extract_tb(info.tb)
    line = bad.python_function.__code__.co_firstlineno + 2
    assert any(f.filename == __file__ and f.lineno == line for f in frames)


def test_guide_fizzbuzz_prints_as_tf(capsys):
    # TF's guide (function.ipynb, "Loops"); tf.print to stdout here so that capsys sees it
    import sys

    @wb.function
    def fizzbuzz(n):
        for i in wb.range(1, n + 1):
            print('Tracing for loop')
            if i % 15 == 0:
                print('Tracing fizzbuzz branch')
                wb.print('fizzbuzz', output_stream=sys.stdout)
            elif i % 3 == 0:
                print('Tracing fizz branch')
                wb.print('fizz', output_stream=sys.stdout)
            elif i % 5 == 0:
                print('Tracing buzz branch')
                wb.print('buzz', output_stream=sys.stdout)
            else:
                print('Tracing default branch')
                wb.print(i, output_stream=sys.stdout)
    _replays(fizzbuzz, (wb.constant(5),))
    assert capsys.readouterr().out.split("\n") == [
        "Tracing for loop", "Tracing fizzbuzz branch", "Tracing fizz branch", "Tracing buzz branch",
        "Tracing default branch", "1", "2", "fizz", "4", "buzz", ""]
    _replays(fizzbuzz, (wb.constant(16),))
    assert capsys.readouterr().out.split() == ["1", "2", "fizz", "4", "buzz", "fizz", "7", "8", "fizz", "buzz",
                                               "11", "fizz", "13", "14", "fizzbuzz", "16"]


def test_guide_tanh_loop():
    @wb.function
    def f(x):
        while wb.reduce_sum(x) > 1:
            x = wb.tanh(x)
        return x
    got = _replays(f, (wb.constant([1.0, 2.0]),), (wb.constant([0.2, 0.3]),))
    np.testing.assert_allclose(got[0].numpy(), [0.47197998, 0.5079592], rtol=1e-6)   # tanh applied 5 times
    np.testing.assert_allclose(got[1].numpy(), [0.2, 0.3])


def test_gradients_flow_through_converted_control_flow():
    x = wb.Variable(2.0)

    @wb.function
    def grad_f(v):          # TF 2.21: 448.0 (y = v**8 at exit: d/dv = 8 v**7)
        with wb.GradientTape() as t:
            y = v
            while y < 100.0:
                y = y * v
        return t.gradient(y, v)
    assert float(grad_f(x)) == 448.0

    @wb.function
    def f(v):
        if v > 0:
            y = v * v
        else:
            y = -3.0 * v
        return y
    for value, want in ((3.0, 6.0), (-1.0, -3.0)):
        v = wb.constant(value)
        with wb.GradientTape() as tape:
            tape.watch(v)
            y = f(v)
        assert float(tape.gradient(y, v)) == want


def test_a_loop_carrying_a_tensor_array_runs_in_python_with_a_warning():
    @wb.function
    def cumulative(x):
        states = wb.TensorArray(wb.float32, size=x.shape[0])
        state = wb.constant(0.0)
        for i in wb.range(x.shape[0]):
            state = state + x[i]
            states = states.write(i, state)
        return states.stack()
    with pytest.warns(UnreplayableWarning, match="changes 'states', a TensorArray"):
        out = cumulative(wb.constant([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(out.numpy(), [1.0, 3.0, 6.0])


def test_autograph_false_and_do_not_convert_run_python_as_it_is():
    def f(x):
        if x > 0:
            return x
        return -x
    for fn in (wb.function(f, autograph=False), wb.function(wb.autograph.experimental.do_not_convert(f))):
        with pytest.warns(UnreplayableWarning, match="reads a computed tensor's value"):
            assert float(fn(wb.constant(-2.0))) == 2.0


def test_to_code_and_to_graph():
    def f(x):
        while x > 1.0:
            x = x / 2.0
        return x
    code = wb.autograph.to_code(f)
    assert code.startswith("def f(x):") and "ag__.while_stmt(" in code
    g = wb.autograph.to_graph(f)
    assert g is not f and float(g(wb.constant(5.0))) == 0.625 and g(5.0) == 0.625
    assert wb.autograph.to_code(wb.function(f)) == code
    with pytest.raises(TypeError, match="entity must be a function"):
        wb.autograph.to_code(3)


def test_set_loop_options_shape_invariants_and_maximum_iterations():
    @wb.function
    def grow(x):
        s = wb.constant([1.0])
        while x > 0:
            wb.autograph.experimental.set_loop_options(shape_invariants=[(s, wb.TensorShape([None]))])
            s = wb.concat([s, s], 0)
            x -= 1
        return s
    out = _replays(grow, (wb.constant(2),), (wb.constant(3),))
    assert out[0].numpy().tolist() == [1.0] * 4 and out[1].shape == (8,)

    @wb.function
    def capped(n):
        s = 0
        for i in wb.range(n):
            wb.autograph.experimental.set_loop_options(maximum_iterations=3)
            s += i
        return s
    assert [int(v) for v in _replays(capped, (wb.constant(10),), (wb.constant(2),))] == [3, 1]

    @wb.function
    def bad(x):
        s = wb.constant([[1.0]])
        while x > 0:
            wb.autograph.experimental.set_loop_options(shape_invariants=[(s, wb.TensorShape([None, 1]))])
            s = wb.concat([s, s], 1)
            x -= 1
        return s
    with pytest.raises(ValueError, match=r"^'s' has shape \(1, 2\) after one iteration, which does not "
                                         r"conform with the shape invariant \(None, 1\)\.$"):
        bad(wb.constant(2))


def test_conditional_expression_on_a_tensor():
    @wb.function
    def ie(x):
        return x * 2 if x > 0 else -x
    assert [float(v) for v in _replays(ie, (wb.constant(3.0),), (wb.constant(-5.0),))] == [6.0, 5.0]


# -- composite values in wb.while_loop / wb.cond -------------------------------------------

def test_while_loop_carries_ragged_sparse_and_tensor_arrays_eagerly():
    import ragged
    rt = ragged.constant([[1., 2.], [3.]])
    out = wb.while_loop(lambda i, r: i < 3, lambda i, r: (i + 1, r * 2.0), [0, rt])
    assert out[1].to_list() == [[8.0, 16.0], [24.0]]
    st = wb.sparse.SparseTensor([[0, 0]], [1.0], [2, 2])
    out = wb.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2.0), [0, st])
    assert out[1].values.numpy().tolist() == [8.0]
    ta = wb.TensorArray(wb.float32, size=3)
    out = wb.while_loop(lambda i, t: i < 3, lambda i, t: (i + 1, t.write(i, wb.cast(i, wb.float32))), [0, ta])
    assert out[1].stack().numpy().tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(TypeError, match=r"returned Tensor .* expected RaggedTensor of dtype float32"):
        wb.while_loop(lambda i, r: i < 3, lambda i, r: (i + 1, r.flat_values), [0, rt])


def test_traced_loops_and_conds_carry_ragged_values():
    import ragged
    rt = ragged.constant([[1., 2.], [3.]])

    @wb.function
    def loop(r, n):
        return wb.while_loop(lambda i, r: i < n, lambda i, r: (i + 1, r * 2.0), [0, r])[1]
    got = _replays(loop, (rt, wb.constant(2)), (rt, wb.constant(3)))
    assert [g.to_list() for g in got] == [[[4.0, 8.0], [12.0]], [[8.0, 16.0], [24.0]]]

    @wb.function
    def choose(r, x):
        return wb.cond(x > 0, lambda: r * 2.0, lambda: r - 1.0)
    got = _replays(choose, (rt, wb.constant(1.0)), (rt, wb.constant(-1.0)))
    assert [g.to_list() for g in got] == [[[2.0, 4.0], [6.0]], [[0.0, 1.0], [2.0]]]

    @wb.function
    def converted(r, n):
        i = 0
        while i < n:
            r = r * 2.0
            i += 1
        return r
    assert _replays(converted, (rt, wb.constant(3)))[0].to_list() == [[8.0, 16.0], [24.0]]


def test_traced_loops_that_cannot_be_staged_run_eagerly_and_say_why():
    import ragged
    rt = ragged.constant([[1., 2.], [3.]])

    @wb.function
    def grow(r, n):      # the row partition changes in the loop
        return wb.while_loop(lambda i, r: i < n, lambda i, r: (i + 1, ragged.concat([r, r], axis=0)),
                             [0, r])[1]
    with pytest.warns(UnreplayableWarning, match="RaggedTensor that wb.while_loop carries changes its structure"):
        assert int(grow(rt, wb.constant(2)).nrows()) == 8

    @wb.function
    def fill(n):
        ta = wb.TensorArray(wb.float32, size=0, dynamic_size=True)
        body = lambda i, t: (i + 1, t.write(i, wb.cast(i, wb.float32)))  # noqa: E731
        return wb.while_loop(lambda i, t: i < n, body, [0, ta])[1].stack()
    with pytest.warns(UnreplayableWarning, match="wb.while_loop carries a TensorArray"):
        assert fill(wb.constant(3)).numpy().tolist() == [0.0, 1.0, 2.0]
    assert fill(wb.constant(4)).numpy().tolist() == [0.0, 1.0, 2.0, 3.0]


_CACHED = None


def test_global_and_nonlocal_names_assigned_in_converted_branches():
    # TF's guide (random_numbers.ipynb): a global created on the first call inside an `if`
    @wb.function
    def make():
        global _CACHED
        if _CACHED is None:
            _CACHED = wb.Variable(5.0)
        return _CACHED * 2.0
    assert float(make()) == 10.0 and float(make()) == 10.0 and isinstance(_CACHED, wb.Variable)

    def counter():
        calls = 0

        def bump(x):
            nonlocal calls
            if x > 0:
                calls += 1
            return x
        return bump, lambda: calls
    bump, seen = counter()
    wb.autograph.to_graph(bump)(1.0)
    wb.autograph.to_graph(bump)(-1.0)
    assert seen() == 1


def test_a_name_a_python_branch_leaves_unassigned_raises_when_returned():
    @wb.function
    def f(x, flag):
        if flag:
            y = x
        return y
    assert float(f(wb.constant(1.0), True)) == 1.0
    with pytest.raises(UnboundLocalError, match="'y' referenced before assignment"):
        f(wb.constant(1.0), False)


def test_a_long_loop_with_a_branch_traces_and_replays():
    # regression: the trace's own iterations once left freed arrays whose ids the tracer
    # still knew (a later lookup went round in circles)
    def f(x, n):
        s = wb.zeros_like(x)
        i = wb.constant(0)
        while i < n:
            if wb.reduce_sum(s) > 1e6:
                s = s * 0.5
            s = s + x * wb.cast(i, wb.float32)
            i += 1
        return s
    x = wb.ones([64])
    got = _replays(wb.function(f), (x, wb.constant(200)), (x, wb.constant(50)))
    assert [float(wb.reduce_sum(g)) for g in got] == [float(wb.reduce_sum(f(x, wb.constant(k)))) for k in (200, 50)]


def test_try_except_inside_a_converted_branch():
    @wb.function
    def f(x):
        if x > 0:
            try:
                y = x * 2.0
                raise KeyError("k")
            except KeyError as e:
                y = y + float(len(str(e)))
        else:
            y = x
        return y
    assert [float(v) for v in _replays(f, (wb.constant(1.0),), (wb.constant(-1.0),))] == [5.0, -1.0]


def test_zero_argument_super_in_a_converted_method_branch():
    class Base(wb.Module):
        def g(self, x):
            return x + 1.0

    class Child(Base):
        @wb.function
        def g(self, x):
            if x > 0:
                x = super().g(x)
            return x
    c = Child()
    assert [float(v) for v in _replays(c.g, (wb.constant(1.0),), (wb.constant(-1.0),))] == [2.0, -1.0]


def test_guide_simple_relu_one_trace_serves_both_branches():
    # TF's guide (intro_to_graphs.ipynb); TF 2.21 prints 1, 0, one trace, int32 in and out
    def simple_relu(x):
        if wb.greater(x, 0):
            return x
        else:
            return 0
    relu = wb.function(simple_relu)
    out = _replays(relu, (wb.constant(1),), (wb.constant(-1),))
    assert [o.numpy() for o in out] == [1, 0] and out[1].dtype == wb.int32
    assert relu.experimental_get_tracing_count() == 1
    assert relu.pretty_printed_concrete_signatures() == (
        "Input Parameters:\n  x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(), dtype=wb.int32, name=None)\n"
        "Output Type:\n  TensorSpec(shape=(), dtype=wb.int32, name=None)\nCaptures:\n  None")


def test_loops_of_variable_updates_only():
    v = wb.Variable(0)

    @wb.function
    def up_to(limit):
        while v < limit:
            v.assign_add(1)
        return v.read_value()
    assert [int(r) for r in _replays(up_to, (wb.constant(5),), (wb.constant(8),), (wb.constant(3),))] == [5, 8, 8]

    acc = wb.Variable(0.0)

    @wb.function
    def add_all(xs):
        for x in xs:
            acc.assign_add(x)
    _replays(add_all, (wb.constant([1.0, 2.0]),))
    assert float(acc) == 3.0
    _replays(add_all, (wb.constant([3.0, 4.0]),))
    assert float(acc) == 10.0
