"""AutoGraph converts the lambdas and nested functions a converted function calls, as TF 2.21
converts them recursively (values and ``to_code`` text pinned from TF 2.21)."""

import warnings

import pytest

import workbench as wb
from workbench.compiler import UnreplayableWarning


def _staged(fn, *calls):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        return [float(fn(*args)) for args in calls]


SIGNED = lambda v: v * 2 if v > 0 else -v   # noqa: E731


def _closure():
    def inner(v):
        if v > 0:
            return v * 2
        return -v
    return inner


def test_a_lambda_called_inside_is_converted():
    @wb.function
    def f(x):
        return SIGNED(x)
    assert _staged(f, (wb.constant(3.),), (wb.constant(-3.),)) == [6.0, 3.0]   # TF 2.21
    assert f.experimental_get_tracing_count() == 1


def test_a_lambda_defined_inside_and_in_a_list():
    @wb.function
    def f(x):
        k = lambda v: v * 2 if v > 0 else -v   # noqa: E731
        fs = [lambda v: v + 1 if v > 0 else v - 1]
        return k(x) + fs[0](x)
    assert _staged(f, (wb.constant(3.),), (wb.constant(-3.),)) == [10.0, -1.0]


def test_a_nested_function_from_another_function_is_converted():
    inner = _closure()

    @wb.function
    def f(x):
        return inner(x)
    assert _staged(f, (wb.constant(3.),), (wb.constant(-3.),)) == [6.0, 3.0]   # TF 2.21


def test_to_code_of_a_lambda_is_a_lambda():
    # TF 2.21: "tf__lam = lambda x: ag__.with_function_scope(lambda lscope: ag__.if_exp(x > 0,
    # lambda: x * 2, lambda: -x, 'x > 0'), ...)"
    assert wb.autograph.to_code(SIGNED) == "lam = lambda v: ag__.if_exp(v > 0, lambda: v * 2, lambda: -v)\n"
    g = lambda x, y: wb.reduce_sum(x) > 0 and y > 0   # noqa: E731
    assert wb.autograph.to_code(g) == ("lam = lambda x, y: ag__.and_(lambda: ag__.converted_call(wb.reduce_sum)(x) "
                                      "> 0, lambda: y > 0)\n")


def test_two_lambdas_of_one_signature_on_a_line():
    a, b = (lambda x: x + 1 if x > 0 else x), (lambda x: x - 1)   # noqa: E731
    # TF 2.21's to_code error; a call runs the lambda as it is
    with pytest.raises(OSError, match="found multiple definitions with identical signatures"):
        wb.autograph.to_code(a)

    @wb.function
    def f(x):
        return b(x)
    assert _staged(f, (wb.constant(3.),)) == [2.0]


def test_a_lambda_with_defaults_and_a_closure():
    scale = wb.constant(10.)
    k = lambda v, shift=1.0: (v + shift) * scale if v > 0 else v   # noqa: E731

    @wb.function
    def f(x):
        return k(x) + k(x, shift=2.0)
    assert _staged(f, (wb.constant(1.),), (wb.constant(-1.),)) == [50.0, -2.0]
