"""Every differentiable op's rules against central finite differences (float64):
reverse mode, the vectorized jacobian, forward mode; first and second order."""

import importlib
import pkgutil

import pytest

import workbench as wb
from gradients import check_gradients
from workbench import core

from tests import op_cases
from tests.op_cases import Case

ALL_CASES: list[Case] = []
for _mod in pkgutil.iter_modules(op_cases.__path__):
    ALL_CASES += importlib.import_module(f"tests.op_cases.{_mod.name}").CASES


def _tensors(case):
    return [f64 for f64 in (wb.constant(a, dtype=wb.float64) for a in case.args)]


@pytest.mark.parametrize("case", ALL_CASES, ids=str)
def test_gradients_match_finite_differences(case):
    check_gradients(case.fn, _tensors(case), order=case.order, modes=case.modes,
                    atol=case.atol, rtol=case.rtol, eps=case.eps)


class _Seen:
    def __init__(self):
        self.names = set()

    def on_op(self, op, args, params, res):
        self.names.add(op.name)


def test_every_differentiable_op_has_a_gradient_check():
    # ops met in a case's forward pass or in its first backward pass (whose rules the
    # second-order check differentiates) count as checked
    seen = _Seen()
    core.push("obs", seen)
    try:
        for case in ALL_CASES:
            from gradients import GradientTape
            xs = _tensors(case)
            with GradientTape(persistent=True) as tape:
                tape.watch(xs)
                ys = case.fn(*xs)
            tape.gradient(ys, xs, unconnected_gradients="zero")
    finally:
        core.pop("obs", seen)
    missing = sorted(name for name, op in wb.OPS.items()
                     if op.vjp is not None and name not in seen.names and name != "copy_to_device")
    assert not missing, f"differentiable ops with no gradient-check case: {missing}"


def test_every_differentiable_op_has_a_forward_rule():
    missing = sorted(n for n, op in wb.OPS.items() if op.vjp is not None and op.jvp is None)
    assert not missing, f"ops with a reverse rule but no forward rule: {missing}"
