"""Fusion of elementwise steps in ``wb.function`` programs (workbench.fusion).

A fused program must give the eager results bit for bit; these tests check that,
that fusion happens where it should (forward and backward in one group), that it
stays away from what it cannot do, and that the generated CUDA source says what
the NumPy kernel does (compiled on the host with g++, and by nvcc where present).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess

import numpy as np
import pytest

import workbench as wb
from workbench.compiler import fusion


def _kernels(fn, *args):
    program = fn.get_concrete_function(*args)
    return [] if program.fusion is None else program.fusion.kernels


def _same(a, b):
    a, b = wb.nest.flatten(a), wb.nest.flatten(b)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        x = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
        y = np.asarray(y.numpy() if hasattr(y, "numpy") else y)
        assert x.shape == y.shape and x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)


def _w3(x):
    with wb.GradientTape() as tape:
        tape.watch(x)
        loss = wb.reduce_sum(wb.tanh(x) * x + wb.exp(-x * x))
    return loss, tape.gradient(loss, x)


@pytest.mark.parametrize("shape", [(7,), (300, 1000), (1_000_003,)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_and_backward_fuse_into_one_kernel(shape, dtype):
    rng = np.random.default_rng(0)
    traced = wb.function(_w3)
    for _ in range(3):
        x = wb.constant(rng.standard_normal(shape).astype(dtype))
        _same(_w3(x), traced(x))
    (kern,) = _kernels(traced, x)
    program = traced.get_concrete_function(x)
    # the forward chain and every rule and sum of the reverse walk are in it; only the
    # reduction and the walk's start and end are left
    assert [n for n in program.ops if not n.startswith("fused")] == [
        "gradient", "reduce_sum", "gradient/end"]
    assert len(kern.out_refs) == 2 and len(kern.compute) > 10


def test_blocks_cover_the_array_exactly():
    """The CPU kernel's blocks: sizes around and across the block boundary."""
    block = max(1024, fusion.CHUNK_BYTES // 4)
    rng = np.random.default_rng(1)
    for n in (block - 1, block, block + 1, 3 * block + 17):
        x = wb.constant(rng.standard_normal(n).astype(np.float32))
        _same(_w3(x), wb.function(_w3)(x))


UNARY = {
    "negative": (wb.negative, (-2, 2)), "reciprocal": (wb.math.reciprocal, (0.5, 2)),
    "square": (wb.square, (-2, 2)), "sqrt": (wb.sqrt, (0.1, 3)), "exp": (wb.exp, (-2, 2)),
    "expm1": (wb.math.expm1, (-2, 2)), "log": (wb.math.log, (0.1, 3)),
    "log1p": (wb.math.log1p, (-0.5, 2)), "sin": (wb.sin, (-3, 3)), "cos": (wb.cos, (-3, 3)),
    "tanh": (wb.tanh, (-3, 3)), "sigmoid": (wb.sigmoid, (-4, 4)),
}


def _unary_case(name, device=np.asarray):
    fn, (lo, hi) = UNARY[name]
    rng = np.random.default_rng(2)

    def step(x, w):
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = fn(x) * w
            loss = wb.reduce_sum(y)
        return y, tape.gradient(loss, x)

    traced = wb.function(step)
    for _ in range(2):
        x = wb.constant(device(rng.uniform(lo, hi, (64, 33)).astype(np.float32)))
        w = wb.constant(device(rng.uniform(0.5, 1.5, (64, 33)).astype(np.float32)))
        _same(step(x, w), traced(x, w))
    program = traced.get_concrete_function(x, w)
    assert program.fusion.rejected == []
    assert any(f"d{name}" in k.name for k in program.fusion.kernels), program.ops
    return program


@pytest.mark.parametrize("name", sorted(UNARY))
def test_each_unary_rule_fuses_exactly(name):
    _unary_case(name)


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide"])
@pytest.mark.parametrize("watched", ["both", "x", "y"])
def test_each_binary_rule_fuses_exactly(op, watched):
    f = {"add": wb.add, "subtract": wb.subtract, "multiply": wb.multiply, "divide": wb.divide}[op]
    rng = np.random.default_rng(3)

    def step(x, y):
        sources = [x] if watched == "x" else [y] if watched == "y" else [x, y]
        with wb.GradientTape() as tape:
            tape.watch(sources)
            z = wb.tanh(f(x, y)) * 1.5
            loss = wb.reduce_sum(z)
        return z, tape.gradient(loss, sources)

    traced = wb.function(step)
    for _ in range(2):
        x = wb.constant(rng.uniform(0.5, 2, 500).astype(np.float64))
        y = wb.constant(rng.uniform(0.5, 2, 500).astype(np.float64))
        _same(step(x, y), traced(x, y))
    assert _kernels(traced, x, y) and traced.get_concrete_function(x, y).fusion.rejected == []


def test_python_scalars_and_zero_d_tensors_are_kernel_inputs():
    rng = np.random.default_rng(4)

    def step(x, s):
        with wb.GradientTape() as tape:
            tape.watch([x, s])
            y = wb.sin(x * s + 0.25) - 1.0
            loss = wb.reduce_sum(y * y)
        return y, tape.gradient(loss, [x, s])

    traced = wb.function(step)
    for _ in range(3):
        x = wb.constant(rng.standard_normal(1000).astype(np.float32))
        s = wb.constant(np.float32(rng.uniform(0.5, 2)))
        _same(step(x, s), traced(x, s))
    assert _kernels(traced, x, s)


def test_no_cycle_through_a_reduction():
    """``b`` depends on the group computing ``a`` through a reduction: the ops after it
    form a second group, run after the reduction."""
    rng = np.random.default_rng(5)

    def step(x):
        a = wb.tanh(x) * x
        b = wb.reduce_sum(a)
        return wb.exp(a * b) + a

    traced = wb.function(step)
    for _ in range(2):
        x = wb.constant(rng.uniform(-0.1, 0.1, 4000).astype(np.float32))
        _same(step(x), traced(x))
    assert len(_kernels(traced, x)) == 2


def test_intermediates_returned_are_materialized():
    rng = np.random.default_rng(6)

    def step(x):
        t = wb.tanh(x)
        u = t * t
        return t, wb.exp(u) - u

    traced = wb.function(step)
    for _ in range(2):
        x = wb.constant(rng.standard_normal((50, 40)).astype(np.float32))
        _same(step(x), traced(x))
    (kern,) = _kernels(traced, x)
    assert len(kern.out_refs) == 2


def test_broadcasting_operands_are_left_to_the_ops():
    rng = np.random.default_rng(7)
    b = wb.Variable(rng.standard_normal(8).astype(np.float32))

    def step(x):
        with wb.GradientTape() as tape:
            y = wb.tanh(x + b) * x  # (16, 8) + (8,): not fused; tanh(.) * x is
            loss = wb.reduce_sum(y)
        return y, tape.gradient(loss, b)

    traced = wb.function(step)
    for _ in range(2):
        x = wb.constant(rng.standard_normal((16, 8)).astype(np.float32))
        _same(step(x), traced(x))
    assert "add" in traced.get_concrete_function(x).ops


def test_training_step_with_variable_updates():
    """Fusion stays within runs of pure steps: the optimizer's updates keep their place."""
    rng = np.random.default_rng(8)

    def make():
        return wb.Variable(rng.standard_normal(256).astype(np.float32) * 0)

    w1, w2 = make(), make()
    w1.assign(rng.standard_normal(256).astype(np.float32))
    w2.assign(w1)
    opt1, opt2 = wb.optimizers.Adam(0.01), wb.optimizers.Adam(0.01)

    def step(w, opt, x):
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(wb.tanh(w * x) * wb.exp(-w * w))
        g = tape.gradient(loss, w)
        opt.apply_gradients([(g, w)])
        return loss

    traced = wb.function(step)
    for _ in range(4):
        x = wb.constant(rng.standard_normal(256).astype(np.float32))
        _same(step(w1, opt1, x), traced(w2, opt2, x))
        _same(w1, w2)
    assert _kernels(traced, w2, opt2, x)


def test_a_kernel_that_disagrees_is_not_used(monkeypatch):
    """Every group is checked against the trace's values when the program is built."""
    # a lowering that computes something else (1 + ans² in tanh's rule instead of 1 - ans²)
    monkeypatch.setattr(fusion._Emitter, "subtract", fusion._lowered("add"))
    rng = np.random.default_rng(9)
    traced = wb.function(_w3)
    x = wb.constant(rng.standard_normal(3000).astype(np.float32))
    traced(x)
    program = traced.get_concrete_function(x)
    assert program.fusion.kernels == []
    assert program.fusion.rejected and "differs" in program.fusion.rejected[0][1]
    _same(_w3(x), traced(x))


def test_fusion_can_be_turned_off():
    x = wb.constant(np.ones(100, np.float32))
    fusion.set_enabled(False)
    try:
        traced = wb.function(_w3)
        traced(x)
        assert traced.get_concrete_function(x).fusion is None
    finally:
        fusion.set_enabled(True)
    traced = wb.function(_w3)
    traced(x)
    assert _kernels(traced, x)


def test_large_intermediates_are_let_go_after_their_last_use():
    """During a replay an intermediate is dropped after its last reader, not at the end."""
    rng = np.random.default_rng(10)
    seen = []

    def step(x):
        with wb.GradientTape() as tape:
            tape.watch(x)
            a = wb.reduce_sum(x)        # reductions are not fused: the steps stay
            y = wb.math.cumsum(x) * a
            loss = wb.reduce_sum(y)
        return tape.gradient(loss, x)

    traced = wb.function(step)
    x = wb.constant(rng.standard_normal(100_000).astype(np.float32))
    traced(x)
    program = traced.get_concrete_function(x)
    wrapped = [s for s in program._steps if getattr(s, "__name__", "") == "run"
               and s.__qualname__.startswith("_then_release")]
    assert wrapped, program.ops
    seen.append(traced(x))
    _same(step(x), seen[0])


# ---------------------------------------------------------------------------
# The CUDA source of a group


def _group(shape=(1000,), dtype=np.float32):
    traced = wb.function(_w3)
    x = wb.constant(np.random.default_rng(11).standard_normal(shape).astype(dtype))
    traced(x)
    (kern,) = _kernels(traced, x)
    return kern, x


def test_cuda_source_uses_exact_rounding_intrinsics():
    kern, _ = _group()
    ins, outs, body = fusion.cuda_source(kern.compute, kern.inputs, kern.out_refs, kern.dtype)
    assert ins == "float32 x0, float32 x1" or ins.count("float32") == len(kern.inputs)
    assert outs == "float32 y0, float32 y1"
    assert "__fmul_rn(" in body and "tanh(" in body
    assert "*" not in body.replace("__fmul_rn", "")  # no bare arithmetic the compiler could fuse
    ins, outs, body = fusion.cuda_source(kern.compute, kern.inputs, kern.out_refs, np.float64)
    assert "__dmul_rn(" in body and "double" in body


_HOST_SHIMS = """
#include <cmath>
using std::exp; using std::expm1; using std::log; using std::log1p; using std::sin;
using std::cos; using std::tanh;
#define SHIM(p, T) \\
  static inline T __##p##add_rn(T a, T b) { return a + b; } \\
  static inline T __##p##sub_rn(T a, T b) { return a - b; } \\
  static inline T __##p##mul_rn(T a, T b) { return a * b; } \\
  static inline T __##p##div_rn(T a, T b) { return a / b; } \\
  static inline T __##p##sqrt_rn(T a) { return std::sqrt(a); }
SHIM(f, float)
SHIM(d, double)
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cuda_source_computes_what_the_numpy_kernel_does(tmp_path, dtype):
    """The generated body, compiled for the host (the CUDA intrinsics as plain IEEE
    operations, no contraction), run element by element: it must agree with the NumPy
    kernel to the last few ulps (the host's libm is not NumPy's)."""
    kern, x = _group((5000,), dtype)
    ins, outs, body = fusion.cuda_source(kern.compute, kern.inputs, kern.out_refs, dtype)
    ctype = "float" if dtype == np.float32 else "double"
    nin, nout = len(kern.inputs), len(kern.out_refs)
    params = [f"const {ctype}* px{k}, long sx{k}" for k in range(nin)] + [
        f"{ctype}* py{k}" for k in range(nout)]
    src = _HOST_SHIMS + f'extern "C" void run({", ".join(params)}, long n) {{\n' + \
        "for (long i = 0; i < n; ++i) {\n" + \
        "".join(f"const {ctype} x{k} = px{k}[i * sx{k}];\n" for k in range(nin)) + \
        "".join(f"{ctype}& y{k} = py{k}[i];\n" for k in range(nout)) + body + "\n}\n}\n"
    (tmp_path / "k.cpp").write_text(src)
    lib = tmp_path / "k.so"
    subprocess.run(["g++", "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-o", str(lib),
                    str(tmp_path / "k.cpp")], check=True, capture_output=True)
    run = ctypes.CDLL(str(lib)).run
    rng = np.random.default_rng(14)
    arrays = []
    for h, scalar in zip(kern.inputs, kern.scalar):
        h._data = rng.uniform(-2, 2, () if scalar else kern.shape).astype(dtype)
        arrays.append(np.ascontiguousarray(h._data).reshape(-1))
    outs_host = [np.empty(kern.shape, dtype) for _ in range(nout)]
    args = []
    for a in arrays:
        args += [a.ctypes.data_as(ctypes.c_void_p), ctypes.c_long(0 if a.size == 1 else 1)]
    args += [o.ctypes.data_as(ctypes.c_void_p) for o in outs_host] + [ctypes.c_long(kern.size)]
    run(*args)
    kern.run()  # the NumPy kernel on the same inputs: its outputs are bound to the holders
    for k, r in enumerate(kern.out_refs):
        holder = next(h for h, rr in kern.binds if rr is r)
        np.testing.assert_allclose(outs_host[k], holder._data, rtol=8 * np.finfo(dtype).eps,
                                   atol=8 * np.finfo(dtype).eps)


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="needs nvcc")
def test_cuda_source_compiles_with_nvcc(tmp_path):
    kern, _ = _group()
    ins, outs, body = fusion.cuda_source(kern.compute, kern.inputs, kern.out_refs, kern.dtype)
    nin, nout = len(kern.inputs), len(kern.out_refs)
    params = [f"const float* px{k}" for k in range(nin)] + [f"float* py{k}" for k in range(nout)]
    src = (f'extern "C" __global__ void k({", ".join(params)}, int n) {{\n'
           "int i = blockIdx.x * blockDim.x + threadIdx.x; if (i >= n) return;\n"
           + "".join(f"const float x{k} = px{k}[i];\n" for k in range(nin))
           + "".join(f"float& y{k} = py{k}[i];\n" for k in range(nout)) + body + "\n}\n")
    (tmp_path / "k.cu").write_text(src)
    res = subprocess.run(["nvcc", "-c", "-o", str(tmp_path / "k.o"), str(tmp_path / "k.cu")],
                         capture_output=True, text=True, env={**os.environ})
    assert res.returncode == 0, res.stderr


# ---------------------------------------------------------------------------
# On a GPU


gpu = pytest.mark.skipif(os.environ.get("WORKBENCH_DEVICE", "").lower() != "gpu",
                         reason="GPU test: run with WORKBENCH_DEVICE=gpu")


@gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_kernel_matches_eager_cupy_bit_for_bit(dtype):
    import cupy

    rng = np.random.default_rng(12)
    traced = wb.function(_w3)
    for _ in range(3):
        x = wb.constant(cupy.asarray(rng.standard_normal((512, 300)).astype(dtype)))
        _same(_w3(x), traced(x))
    (kern,) = _kernels(traced, x)
    assert type(kern).__name__ == "_GpuKernel"


@gpu
@pytest.mark.parametrize("name", sorted(UNARY))
def test_gpu_each_unary_rule_fuses_exactly(name):
    import cupy

    program = _unary_case(name, cupy.asarray)
    assert all(type(k).__name__ == "_GpuKernel" for k in program.fusion.kernels)
