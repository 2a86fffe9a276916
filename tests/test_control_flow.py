"""Control flow: TF 2 semantics of cond, switch_case, while_loop, map_fn, scan, foldl, foldr,
and gradients through each (reverse and forward mode, second order, vs finite differences)."""

import collections

import numpy as np
import pytest

import workbench as wb
from gradients import ForwardAccumulator, GradientTape, check_gradients

from tests.conftest import assert_close, f64

X = np.array([0.3, -0.7, 1.1, 0.5])
M = np.array([[0.2, -0.4, 0.9], [1.3, 0.1, -0.6]])


# ---------------------------------------------------------------------------
# cond


def test_cond_runs_only_the_chosen_branch():
    ran = []
    x = wb.constant(2.0)
    out = wb.cond(x > 1.0, lambda: ran.append("t") or x * x, lambda: ran.append("f") or -x)
    assert ran == ["t"] and out.numpy() == 4.0
    out = wb.cond(False, lambda: ran.append("t2"), lambda: (x, {"a": x + 1.0}))
    assert ran == ["t"]
    assert isinstance(out, tuple) and out[1]["a"].numpy() == 3.0  # nested result kept as is


def test_cond_requires_a_scalar_bool_pred():
    x = wb.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="scalar"):
        wb.cond(x > 0.0, lambda: x, lambda: -x)
    with pytest.raises(TypeError, match="bool"):
        wb.cond(wb.constant(1), lambda: x, lambda: -x)
    with pytest.raises(TypeError, match="false_fn must be callable"):
        wb.cond(True, lambda: x, None)


def test_cond_gradients():
    def f(x):
        return wb.cond(wb.reduce_sum(x) > 0.0, lambda: wb.sin(x) * x, lambda: wb.exp(x))
    check_gradients(f, [f64(X)], order=2)
    check_gradients(f, [f64(-np.abs(X))], order=2)


# ---------------------------------------------------------------------------
# switch_case


def test_switch_case_list_dict_and_pairs():
    fns = [lambda: wb.constant(17), lambda: wb.constant(31)]
    assert int(wb.switch_case(wb.constant(0), fns)) == 17
    assert int(wb.switch_case(1, fns)) == 31
    assert int(wb.switch_case(wb.constant(1, dtype=wb.int64), {1: fns[1], 0: fns[0]})) == 31
    assert int(wb.switch_case(0, [(1, fns[1]), (0, fns[0])])) == 17


def test_switch_case_out_of_range_runs_default_or_last_branch():
    # TF: falls back to `default`, or to max(keys) when there is none (negative indices too)
    fns = {0: lambda: 17, 1: lambda: 31}
    assert wb.switch_case(wb.constant(5), fns, default=lambda: -1) == -1
    assert wb.switch_case(wb.constant(-1), fns, default=lambda: -1) == -1
    assert wb.switch_case(wb.constant(5), fns) == 31
    assert wb.switch_case(-3, fns) == 31


def test_switch_case_errors():
    with pytest.raises(ValueError, match="contiguous"):
        wb.switch_case(0, {0: lambda: 1, 2: lambda: 2})
    with pytest.raises(TypeError, match="callable"):
        wb.switch_case(0, [lambda: 1, 3])
    with pytest.raises(TypeError, match="default must be callable"):
        wb.switch_case(0, [lambda: 1], default=5)
    with pytest.raises(TypeError, match="integer"):
        wb.switch_case(wb.constant(0.0), [lambda: 1])
    with pytest.raises(ValueError, match="scalar"):
        wb.switch_case(wb.constant([0]), [lambda: 1])
    with pytest.raises(ValueError, match="empty"):
        wb.switch_case(0, [])


def test_switch_case_gradients():
    for k in range(3):
        def f(x, k=k):
            return wb.switch_case(wb.constant(k), [lambda: x * x, lambda: wb.tanh(x), lambda: x ** 3])
        check_gradients(f, [f64(X)], order=2)


# ---------------------------------------------------------------------------
# while_loop


def test_while_loop_returns_loop_vars_structure():
    i, s = wb.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s * 2.0),
                         [wb.constant(0), wb.constant(1.0)])
    assert int(i) == 4 and float(s) == 16.0
    Pair = collections.namedtuple("Pair", "a b")
    out = wb.while_loop(lambda p, d: p.a < 3, lambda p, d: (Pair(p.a + 1, p.b * 2.0), {"k": d["k"] + 1.0}),
                        (Pair(wb.constant(0), wb.constant([1.0, 2.0])), {"k": wb.constant(0.0)}))
    assert isinstance(out, tuple) and isinstance(out[0], Pair) and isinstance(out[1], dict)
    assert_close(out[0].b, [8.0, 16.0])
    assert float(out[1]["k"]) == 3.0


def test_while_loop_single_tensor_and_python_values():
    # one tensor in, one tensor out; a one-element list stays a list (TF 2 returns the same structure)
    out = wb.while_loop(lambda x: x < 10.0, lambda x: x * 2.0, wb.constant(1.0))
    assert isinstance(out, wb.Tensor) and float(out) == 16.0
    out = wb.while_loop(lambda i: i < 10, lambda i: i + 1, [0])
    assert isinstance(out, list) and int(out[0]) == 10 and out[0].dtype == np.int32


def test_while_loop_zero_iterations_and_maximum_iterations():
    x = wb.constant(5.0)
    assert float(wb.while_loop(lambda x: x < 0.0, lambda x: x + 1.0, x)) == 5.0
    calls = []

    def cond(x):
        calls.append(1)
        return x > -1.0
    out = wb.while_loop(cond, lambda x: x + 1.0, x, maximum_iterations=3)
    assert float(out) == 8.0 and len(calls) == 3
    assert float(wb.while_loop(lambda x: True, lambda x: x + 1.0, x, maximum_iterations=0)) == 5.0
    with pytest.raises(ValueError, match="maximum_iterations"):
        wb.while_loop(lambda x: True, lambda x: x, x, maximum_iterations=-1)


def test_while_loop_body_must_keep_structure_dtype_and_shape():
    lv = [wb.constant(0), wb.constant(1.0)]
    with pytest.raises(ValueError, match="structure"):
        wb.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1,), lv)
    with pytest.raises(TypeError, match=r"dtype float64 for loop_vars\[1\]"):
        wb.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, wb.cast(s, wb.float64)), lv)
    with pytest.raises(ValueError, match=r"shape \(2,\) for loop_vars\[1\]"):
        wb.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, wb.stack([s, s])), lv)
    with pytest.raises(TypeError, match="cond must be callable"):
        wb.while_loop(None, lambda i: i, lv)


def test_while_loop_shape_invariants():
    x = wb.constant([1.0])
    out = wb.while_loop(lambda x: wb.size(x) < 8, lambda x: wb.concat([x, x], 0), [x],
                        shape_invariants=[(None,)])
    assert out[0].shape == (8,)
    with pytest.raises(ValueError, match="shape invariant"):
        wb.while_loop(lambda x: False, lambda x: x, [x], shape_invariants=[(2,)])
    with pytest.raises(ValueError, match="structure of loop_vars"):
        wb.while_loop(lambda x: False, lambda x: x, [x, x], shape_invariants=[(None,)])


def test_while_loop_cond_must_return_scalar_bool():
    with pytest.raises(ValueError, match="scalar"):
        wb.while_loop(lambda x: x > 0.0, lambda x: x - 1.0, wb.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match="bool"):
        wb.while_loop(lambda x: x, lambda x: x - 1.0, wb.constant(1.0))


def test_while_loop_gradients():
    def f(x, y):
        def body(i, a, b):
            return i + 1, wb.sin(a) * b + a, b * 0.9 + a * a * 0.1
        _, a, b = wb.while_loop(lambda i, a, b: i < 3, body, (wb.constant(0), x, y))
        return a * b
    check_gradients(f, [f64(X), f64(X[::-1].copy())], order=2)


def test_while_loop_back_prop_false_blocks_gradients():
    x = wb.constant(2.0)
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.while_loop(lambda v: v < 10.0, lambda v: v * v, x, back_prop=False)
    assert float(y) == 16.0
    assert tape.gradient(y, x, unconnected_gradients="zero").numpy() == 0.0


# ---------------------------------------------------------------------------
# map_fn


def test_map_fn_values_and_nesting():
    assert_close(wb.map_fn(lambda x: x * x, wb.constant([1.0, 2.0, 3.0])), [1.0, 4.0, 9.0])
    a = wb.constant(np.arange(6.0).reshape(3, 2))
    b = wb.constant(np.array([1.0, 10.0, 100.0]))
    out = wb.map_fn(lambda e: {"a": e["a"] * e["b"], "b": -e["b"]}, {"a": a, "b": b})
    assert_close(out["a"], np.arange(6.0).reshape(3, 2) * np.array([[1.0], [10.0], [100.0]]))
    assert_close(out["b"], [-1.0, -10.0, -100.0])
    # another structure out: say so with fn_output_signature (a structure of dtypes)
    out = wb.map_fn(lambda e: [e["b"], (e["a"],)], {"a": a, "b": b},
                    fn_output_signature=[wb.float64, (wb.float64,)])
    assert isinstance(out, list) and out[1][0].shape == (3, 2)


def test_map_fn_output_signature():
    x, y = wb.constant([1, 2, 3]), wb.constant([4, 5, 6])
    # fn's output differs from elems in structure: fn_output_signature is required (TF)
    with pytest.raises(ValueError, match="fn_output_signature"):
        wb.map_fn(lambda p: p[0] * p[1], (x, y))
    assert_close(wb.map_fn(lambda p: p[0] * p[1], (x, y), fn_output_signature=wb.int32), [4, 10, 18])
    assert_close(wb.map_fn(lambda p: p[0] * p[1], (x, y), dtype=wb.int32), [4, 10, 18])
    out = wb.map_fn(lambda v: (wb.cast(v, wb.float32) / 2.0, v), x, fn_output_signature=(wb.float32, wb.int32))
    assert out[0].dtype == np.float32 and out[1].dtype == np.int32
    with pytest.raises(TypeError, match="fn_output_signature"):
        wb.map_fn(lambda v: wb.cast(v, wb.float32), x)
    with pytest.raises(ValueError, match="not both"):
        wb.map_fn(lambda v: v, x, dtype=wb.int32, fn_output_signature=wb.int32)


def test_map_fn_errors_and_empty():
    with pytest.raises(ValueError, match="same first dimension"):
        wb.map_fn(lambda p: p, (wb.constant([1.0, 2.0]), wb.constant([1.0])))
    with pytest.raises(ValueError, match="scalar"):
        wb.map_fn(lambda p: p, wb.constant(1.0))
    with pytest.raises(ValueError, match="same shape"):
        wb.map_fn(lambda v: wb.fill([int(v)], 1.0), wb.constant([1.0, 2.0]), fn_output_signature=wb.float32)
    empty = wb.map_fn(lambda v: v * 2.0, wb.constant(np.zeros((0, 3), np.float32)))
    assert empty.shape == (0, 3) and empty.dtype == np.float32


def test_map_fn_gradients():
    def f(m, v):
        return wb.map_fn(lambda row: wb.reduce_sum(wb.tanh(row[0]) * row[1]), (m, v),
                         fn_output_signature=wb.float64)
    check_gradients(f, [f64(M), f64(M * 0.5 + 0.1)], order=2)


def test_map_fn_back_prop_false():
    x = wb.constant([1.0, 2.0])
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.map_fn(lambda v: v * v, x, back_prop=False)
    assert_close(y, [1.0, 4.0])
    assert tape.gradient(y, x, unconnected_gradients="zero").numpy().tolist() == [0.0, 0.0]


# ---------------------------------------------------------------------------
# scan, foldl, foldr


def test_scan_values():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert_close(wb.scan(lambda a, v: a + v, wb.constant(x)), np.cumsum(x))
    assert_close(wb.scan(lambda a, v: a + v, wb.constant(x), reverse=True), np.cumsum(x[::-1])[::-1])
    assert_close(wb.scan(lambda a, v: a * v, wb.constant(x), initializer=f64(2.0)), 2 * np.cumprod(x))
    # the accumulator's structure comes from the initializer (Fibonacci, TF's example)
    fib = wb.scan(lambda a, _: (a[1], a[0] + a[1]), wb.constant(np.arange(6)),
                  initializer=(wb.constant(0, dtype=wb.int64), wb.constant(1, dtype=wb.int64)))
    assert fib[0].numpy().tolist() == [1, 1, 2, 3, 5, 8]
    empty = wb.scan(lambda a, v: a + v, wb.constant(np.zeros((0,), np.float32)), initializer=wb.constant(0.0))
    assert empty.shape == (0,)


def test_scan_errors():
    x = wb.constant([1.0, 2.0])
    with pytest.raises(TypeError, match="dtype"):
        wb.scan(lambda a, v: wb.cast(a, wb.float64), x)
    with pytest.raises(ValueError, match="structure"):
        wb.scan(lambda a, v: (a, v), x)
    with pytest.raises(ValueError, match="empty"):
        wb.scan(lambda a, v: a, wb.constant(np.zeros((0,), np.float32)))


def test_foldl_foldr_values():
    x = wb.constant([1.0, 2.0, 10.0])
    assert float(wb.foldl(lambda a, v: a - v, x)) == 1.0 - 2.0 - 10.0
    assert float(wb.foldr(lambda a, v: a - v, x)) == 10.0 - 2.0 - 1.0
    assert float(wb.foldl(lambda a, v: a * 10.0 + v, x, initializer=wb.constant(0.0))) == 130.0
    assert float(wb.foldr(lambda a, v: a * 10.0 + v, x, initializer=wb.constant(0.0))) == 10.0 * 10 * 10 + 21.0
    pair = wb.foldl(lambda a, v: {"n": a["n"] + 1, "s": a["s"] + v}, x,
                    initializer={"n": wb.constant(0), "s": wb.constant(0.0)})
    assert int(pair["n"]) == 3 and float(pair["s"]) == 13.0
    assert float(wb.foldl(lambda a, v: a + v, wb.constant(np.zeros((0,), np.float32)),
                          initializer=wb.constant(7.0))) == 7.0


def test_scan_and_fold_gradients():
    def scan_f(x, y):
        return wb.scan(lambda a, v: wb.sin(a) * v[0] + v[1], (x, y), initializer=wb.constant(np.float64(0.5)))

    def scan_rev(x):
        return wb.scan(lambda a, v: a * v + v * v, x, reverse=True)

    def fold_f(x):
        return wb.foldl(lambda a, v: a * wb.cos(v) + v, x) + wb.foldr(lambda a, v: a * v - v, x)
    check_gradients(scan_f, [f64(X), f64(X[::-1].copy())], order=2)
    check_gradients(scan_rev, [f64(M)], order=2)
    check_gradients(fold_f, [f64(M)], order=2)


def test_forward_mode_through_while_loop():
    x = wb.constant(np.array([0.5, 1.5]))
    v = wb.constant(np.array([1.0, -2.0]))
    with ForwardAccumulator(x, v) as acc:
        y = wb.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * a), (wb.constant(0), x))[1]
    # y = x**8, dy = 8 x**7 v
    assert_close(acc.jvp(y), 8 * np.array([0.5, 1.5]) ** 7 * np.array([1.0, -2.0]))
