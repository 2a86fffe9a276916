"""Every differentiable op's rules against central finite differences (float64):
reverse mode, the vectorized jacobian, forward mode; first and second order."""

import importlib
import pkgutil

import numpy as np
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


# -- one rule, three interpreters ------------------------------------------------------------

def _records(case):
    """The records a case's forward pass leaves on a tape."""
    from gradients import GradientTape
    xs = _tensors(case)
    with GradientTape(persistent=True) as tape:
        tape.watch(xs)
        case.fn(*xs)
    return [r for r in tape.records if r is not None]


def _run_instructions(instrs):
    """Evaluate fusion's instructions with NumPy (a size-1 operand stands for itself broadcast)."""
    from workbench.compiler import fusion
    values = {}

    def value(a):
        if isinstance(a, (int, float)):
            return a
        return values[id(a)] if id(a) in values else a._data
    for name, operands, result in instrs:
        args = [value(a) for a in operands]
        values[id(result)] = args[0] if name == "alias" else fusion.array_function(name)(*args)
    return values


RULED = [case for case in ALL_CASES if any(r[0].rule is not None for r in _records(case))]


@pytest.mark.parametrize("case", RULED, ids=str)
def test_a_rule_gives_the_same_cotangents_on_every_interpreter(case):
    """Each op with a rule: the cotangents it gives on Tensors (``op.vjp``), on arrays (a
    first-order walk) and as fusion's instructions (where the rule fuses) are equal bit for bit."""
    from workbench.compiler import fusion
    from workbench.ops.rules import ARRAYS, TENSORS
    rng = np.random.default_rng(3)
    for op, args, params, res in _records(case):
        if op.rule is None or type(res) is tuple:
            continue
        needs = tuple(a._data.dtype.kind == "f" for a in args)
        g = rng.standard_normal(res.shape).astype(res.dtype)
        on_tensors = op.rule(TENSORS, needs, wb.constant(g), res, *args, **params)
        on_arrays = op.rule(ARRAYS, needs, g, res._data, *[a._data for a in args], **params)
        got = {k: fusion._Temp() for k, n in enumerate(needs) if n}
        gslot = fusion._Temp()
        gslot._data = g
        instrs = fusion.instructions(("vjp", op, (gslot,), res, args, params, got))
        fused = _run_instructions(instrs) if instrs is not None else None
        for k, need in enumerate(needs):
            if not need or on_arrays[k] is None:
                assert not need or on_tensors[k] is None, (op.name, k)
                continue
            want = np.asarray(on_arrays[k])
            assert np.array_equal(on_tensors[k].numpy(), want, equal_nan=True), (op.name, k, "tensors")
            if fused is not None:
                out = np.broadcast_to(fused[id(got[k])], want.shape)
                assert np.array_equal(out, want, equal_nan=True), (op.name, k, "fusion")


def test_the_elementwise_rules_fuse():
    from workbench.compiler import fusion
    fused = set()
    for case in RULED:
        for op, args, params, res in _records(case):
            if op.rule is not None and type(res) is not tuple:
                got = {k: fusion._Temp() for k in range(len(args))}
                g = fusion._Temp()
                g._data = np.ones(res.shape, res.dtype)
                if fusion.instructions(("vjp", op, (g,), res, args, params, got)) is not None:
                    fused.add(op.name)
    assert {"add", "subtract", "multiply", "divide", "negative", "reciprocal", "square", "sqrt", "exp",
            "expm1", "log", "log1p", "sin", "cos", "tanh", "sigmoid", "reduce_sum"} <= fused
