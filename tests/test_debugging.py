"""wb.debugging: check-numerics mode (forward and backward), check_numerics and assertions."""

import inspect
import os

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape
from workbench import core
from workbench.errors import InvalidArgumentError

from tests.conftest import assert_close

HERE = os.path.basename(__file__)


def _line_of(marker):
    """The line number of the source line that holds ``marker`` in this file."""
    lines = inspect.getsource(inspect.getmodule(_line_of)).splitlines()
    return next(i + 1 for i, text in enumerate(lines) if marker in text and "_line_of" not in text)


@pytest.fixture
def check_numerics():
    wb.debugging.enable_check_numerics()
    try:
        yield
    finally:
        wb.debugging.disable_check_numerics()


def test_forward_nan_names_the_op_and_the_users_line(check_numerics):
    with pytest.raises(InvalidArgumentError) as info:
        wb.math.log(wb.constant([1.0, -1.0]))  # forward-nan-here
    msg = str(info.value)
    assert "op 'log'" in msg and "NaN" in msg
    assert f"{HERE}:{_line_of('# forward-nan-here')}" in msg


def test_forward_inf_is_reported(check_numerics):
    with pytest.raises(InvalidArgumentError, match="op 'divide' produced Inf"):
        wb.constant([1.0]) / wb.constant([0.0])


def test_finite_values_and_integers_pass(check_numerics):
    y = wb.exp(wb.constant([0.0, 1.0])) + 1.0
    assert_close(y, np.exp([0.0, 1.0]) + 1.0, rtol=1e-6)
    assert (wb.constant([1, 2]) // wb.constant([1, 1])).numpy().tolist() == [1, 2]


def test_backward_inf_names_the_forward_op_and_where_it_was_recorded(check_numerics):
    x = wb.constant([0.0, 4.0])
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.sqrt(x)  # recorded-sqrt-here
    with pytest.raises(InvalidArgumentError) as info:
        tape.gradient(y, x)
    msg = str(info.value)
    # the forward value sqrt(0) = 0 is fine; its gradient 1/(2 sqrt(0)) is not
    assert "Inf in the gradient of op 'sqrt'" in msg
    assert f"(recorded at {__file__}:{_line_of('# recorded-sqrt-here')})" in msg
    assert not any(hasattr(o, "frame") for o in core.observers())  # the backward context was popped


def test_disabled_costs_nothing_and_does_not_raise():
    wb.debugging.enable_check_numerics()
    wb.debugging.enable_check_numerics()  # idempotent: one observer
    assert core.observers().count(wb.debugging._checker) == 1
    wb.debugging.disable_check_numerics()
    wb.debugging.disable_check_numerics()  # a no-op when not enabled
    assert wb.debugging._checker not in core.observers()
    assert not core._slow  # ops are back on the fast path
    with np.errstate(invalid="ignore"):
        assert np.isnan(wb.math.log(wb.constant(-1.0)).numpy())


def test_check_numerics_returns_its_input_and_raises_with_message():
    x = wb.constant([1.0, 2.0])
    assert_close(wb.debugging.check_numerics(x, "weights"), [1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="weights : Tensor had NaN values"):
        wb.debugging.check_numerics(wb.constant([np.nan, 1.0]), "weights")
    with pytest.raises(InvalidArgumentError, match="Inf"):
        wb.debugging.assert_all_finite(wb.constant([np.inf]), "w")
    with pytest.raises(TypeError, match="floating"):
        wb.debugging.check_numerics(wb.constant([1, 2]), "ints")


def test_check_numerics_checks_the_gradient_too():
    # TF: the gradient of CheckNumerics checks the incoming gradient
    x = wb.constant([1.0, 2.0])
    with GradientTape() as tape:
        tape.watch(x)
        y = wb.debugging.check_numerics(x, "activations")
    with pytest.raises(InvalidArgumentError, match="detected in gradient. activations"):
        tape.gradient(y, x, output_gradients=wb.constant([np.nan, 0.0]))


def test_assert_equal():
    assert wb.debugging.assert_equal(wb.constant([1, 2]), [1, 2]) is None
    assert wb.debugging.assert_equal(wb.constant([[1, 1]]), 1) is None  # broadcasting
    with pytest.raises(InvalidArgumentError, match=r"1 position\(s\), first at index \(1,\)"):
        wb.debugging.assert_equal(wb.constant([1, 2]), wb.constant([1, 3]), message="labels")
    with pytest.raises(ValueError, match="broadcast"):
        wb.debugging.assert_equal(wb.constant([1, 2]), wb.constant([1, 2, 3]))
    with pytest.raises(TypeError, match="dtype"):
        wb.debugging.assert_equal(wb.constant([1, 2]), wb.constant([1.0, 2.0]))


def test_assert_near_uses_tf_default_tolerances():
    assert wb.debugging.assert_near(wb.constant([1.0]), wb.constant([1.0 + 5e-7])) is None
    # default rtol = atol = 10 * eps(float32), about 1.2e-6
    with pytest.raises(InvalidArgumentError, match="differ"):
        wb.debugging.assert_near(wb.constant([1.0]), wb.constant([1.0 + 1e-5]))
    assert wb.debugging.assert_near(wb.constant([1.0]), wb.constant([1.1]), atol=0.2) is None
    with pytest.raises(InvalidArgumentError, match="differ"):
        wb.debugging.assert_near(wb.constant(np.array([1.0])), np.array([1.0 + 1e-12]))
