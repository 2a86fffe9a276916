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
