"""CPU fusion compiled with numba (workbench.compiler.fusion_numba).

Under the default setting (``auto``) a compiled group must give the eager results bit for
bit: groups of exact arithmetic become one loop, and the functions of other groups stay
NumPy ufuncs between compiled loops, except in a small group of many functions (W1's chain).
There, and under ``numba`` in any small group with transcendental functions, the group is one
loop calling the C library's functions, which may round differently in the last place or two:
those results are checked to a tolerance. Without numba the
NumPy kernel runs (the tests that need numba are skipped).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import workbench as wb
from workbench.compiler import fusion, fusion_numba

needs_numba = pytest.mark.skipif(not fusion_numba.available(), reason="numba is not installed")


@pytest.fixture
def backend():
    """Set the CPU backend for the programs a test traces; restored afterwards."""
    before = fusion.cpu_backend()
    yield fusion.set_cpu_backend
    fusion.set_cpu_backend(before)


def _kernels(fn, *args):
    program = fn.get_concrete_function(*args)
    return [] if program.fusion is None else program.fusion.kernels


def _arrays(result):
    return [np.asarray(t.numpy() if hasattr(t, "numpy") else t) for t in wb.nest.flatten(result)]


def _same(a, b):
    a, b = _arrays(a), _arrays(b)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.shape == y.shape and x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)


def _settle(traced, *args):
    """Trace, replay once (which starts the compilation), wait for it, and replay again
    (which checks the compiled kernel and adopts it). Returns the program's kernels."""
    traced(*args)
    kernels = _kernels(traced, *args)
    assert all(k.source is None for k in kernels if isinstance(k, fusion_numba.NumbaKernel))
    traced(*args)
    fusion_numba.wait()
    traced(*args)
    return _kernels(traced, *args)


def _w3(x):
    with wb.GradientTape() as tape:
        tape.watch(x)
        loss = wb.reduce_sum(wb.tanh(x) * x + wb.exp(-x * x))
    return loss, tape.gradient(loss, x)


def _arith(x, y):
    with wb.GradientTape() as tape:
        tape.watch([x, y])
        z = (x * y + 1.5) / y - x * x * 0.25
        loss = wb.reduce_sum(z * z)
    return z, tape.gradient(loss, [x, y])


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [7, 70_001])
def test_exact_arithmetic_is_one_loop_bit_for_bit(backend, dtype, n):
    backend("auto")
    rng = np.random.default_rng(0)

    def draw():
        return (wb.constant(rng.uniform(-2, 2, n).astype(dtype)),
                wb.constant(rng.uniform(0.5, 2, n).astype(dtype)))

    traced = wb.function(_arith)
    (kern,) = _settle(traced, *draw())
    assert isinstance(kern, fusion_numba.NumbaKernel)
    assert (kern.backend, kern.whole, kern.bitwise, kern.why) == ("numba", True, True, None)
    assert "np." not in kern.source.split("def kernel")[1]  # arithmetic only
    for _ in range(3):
        x, y = draw()
        _same(_arith(x, y), traced(x, y))


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functions_stay_ufuncs_between_loops_bit_for_bit(backend, dtype):
    """W3's group across several blocks (and a short last one): tanh and exp run as NumPy
    ufuncs, the arithmetic around them in two compiled loops."""
    backend("auto")
    block = max(1024, fusion.CHUNK_BYTES // np.dtype(dtype).itemsize)
    rng = np.random.default_rng(1)
    traced = wb.function(_w3)
    (kern,) = _settle(traced, wb.constant(rng.standard_normal(3 * block + 17).astype(dtype)))
    assert (kern.backend, kern.whole, kern.bitwise, kern.why) == ("numba", False, True, None)
    assert kern.nstages == 4 and kern.source.count("stage ==") == 2
    assert "np.tanh" not in kern.source and "np.exp" not in kern.source
    for _ in range(3):
        x = wb.constant(rng.standard_normal(3 * block + 17).astype(dtype))
        _same(_w3(x), traced(x))


UNARY = {
    "negative": (wb.negative, (-2, 2)), "reciprocal": (wb.math.reciprocal, (0.5, 2)),
    "square": (wb.square, (-2, 2)), "sqrt": (wb.sqrt, (0.1, 3)), "exp": (wb.exp, (-2, 2)),
    "expm1": (wb.math.expm1, (-2, 2)), "log": (wb.math.log, (0.1, 3)),
    "log1p": (wb.math.log1p, (-0.5, 2)), "sin": (wb.sin, (-3, 3)), "cos": (wb.cos, (-3, 3)),
    "tanh": (wb.tanh, (-3, 3)), "sigmoid": (wb.sigmoid, (-4, 4)),
}


def _unary(name):
    fn, (lo, hi) = UNARY[name]

    def step(x, w):
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = fn(x) * w
            loss = wb.reduce_sum(y)
        return y, tape.gradient(loss, x)
    return step, lo, hi


@needs_numba
@pytest.mark.parametrize("name", sorted(UNARY))
def test_each_unary_rule_compiles_bit_for_bit(backend, name):
    backend("auto")
    step, lo, hi = _unary(name)
    rng = np.random.default_rng(2)

    def draw():
        return (wb.constant(rng.uniform(lo, hi, (64, 33)).astype(np.float32)),
                wb.constant(rng.uniform(0.5, 1.5, (64, 33)).astype(np.float32)))

    traced = wb.function(step)
    kernels = _settle(traced, *draw())
    assert kernels and all(k.backend == "numba" and k.bitwise for k in kernels), kernels
    for _ in range(2):
        x, w = draw()
        _same(step(x, w), traced(x, w))


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numba_setting_compiles_functions_into_the_loop(backend, dtype):
    """``WORKBENCH_FUSION=numba``: a small group with functions is one loop calling the C
    library's tanh, exp, sin and cos; their results agree with eager to a few ulp."""
    backend("numba")
    rng = np.random.default_rng(3)

    def step(x, w):
        with wb.GradientTape() as tape:
            tape.watch([x, w])
            y = wb.sin(wb.tanh(x * w) + wb.exp(-x * x)) * w - wb.cos(x)
            loss = wb.reduce_sum(y)
        return y, tape.gradient(loss, [x, w])

    def draw():
        return (wb.constant(rng.uniform(-3, 3, 2000).astype(dtype)),
                wb.constant(rng.uniform(0.5, 1.5, 2000).astype(dtype)))

    traced = wb.function(step)
    (kern,) = _settle(traced, *draw())
    assert (kern.backend, kern.whole, kern.bitwise, kern.why) == ("numba", True, False, None)
    assert "np.tanh" in kern.source and "np.sin" in kern.source
    eps = np.finfo(dtype).eps
    for _ in range(3):
        x, w = draw()
        for got, want in zip(_arrays(traced(x, w)), _arrays(step(x, w))):
            assert got.dtype == want.dtype
            np.testing.assert_allclose(got, want, rtol=16 * eps, atol=16 * eps * np.abs(want).max())


@needs_numba
def test_numba_setting_keeps_large_groups_with_functions_staged(backend):
    backend("numba")
    traced = wb.function(_w3)
    x = wb.constant(np.linspace(-3, 3, fusion_numba.LOOP_ELEMENTS + 1, dtype=np.float32))
    (kern,) = _settle(traced, x)
    assert (kern.backend, kern.whole, kern.bitwise) == ("numba", False, True)
    _same(_w3(x), traced(x))


def _long_chain(x, w):
    """W1's cycle five times: 15 functions forward and 5 cosines backward."""
    with wb.GradientTape() as tape:
        tape.watch([x, w])
        y = x
        for _ in range(5):
            y = wb.tanh(wb.sin(wb.exp(wb.tanh(y * w + 0.02)) - 1.0) * 1.05 - 0.02) * w
        loss = wb.reduce_sum(y)
    return loss, tape.gradient(loss, [x, w])


@needs_numba
def test_auto_compiles_a_small_group_of_many_functions_into_one_loop(backend, dtype=np.float32):
    """Under ``auto`` a group of at most ``LOOP_ELEMENTS`` values with at least
    ``AUTO_FUNCTIONS`` functions is one loop (its reduction too): the C library's functions
    round differently from NumPy's, so its results agree with eager to a tolerance, not bit for bit."""
    backend("auto")
    rng = np.random.default_rng(17)

    def draw(n=16):
        return (wb.constant(rng.uniform(-0.5, 0.5, n).astype(dtype)),
                wb.constant(rng.uniform(0.9, 1.1, n).astype(dtype)))

    traced = wb.function(_long_chain)
    (kern,) = _settle(traced, *draw())
    assert sum(name not in fusion_numba.EXACT for name, _, _ in kern.compute) >= fusion_numba.AUTO_FUNCTIONS
    assert (kern.backend, kern.whole, kern.bitwise, kern.why, kern.nstages) == ("numba", True, False, None, 1)
    assert kern.tail is not None and "np.tanh" in kern.source and "np.cos" in kern.source
    eps = np.finfo(dtype).eps
    for _ in range(3):
        x, w = draw()
        for got, want in zip(_arrays(traced(x, w)), _arrays(_long_chain(x, w))):
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=0,
                                       atol=fusion_numba.TOLERANCE * eps * np.abs(want).max())
    # larger groups, and groups of fewer functions, keep NumPy's functions: eager's bits
    traced = wb.function(_long_chain)
    (kern,) = _settle(traced, *draw(fusion_numba.LOOP_ELEMENTS + 1))
    assert (kern.backend, kern.whole, kern.bitwise) == ("numba", False, True)
    x, w = draw(fusion_numba.LOOP_ELEMENTS + 1)
    _same(_long_chain(x, w), traced(x, w))
    assert not fusion_numba.whole_loop([("tanh", (), None)] * (fusion_numba.AUTO_FUNCTIONS - 1), 16, "auto")
    assert fusion_numba.whole_loop([("tanh", (), None)] * (fusion_numba.AUTO_FUNCTIONS - 1), 16, "numba")


@needs_numba
def test_scalars_constants_and_variables(backend):
    """A 0-d argument and a variable are read at every call; a Python number and a
    captured constant tensor are written into the generated source."""
    backend("auto")
    rng = np.random.default_rng(4)
    c = wb.constant(np.float32(0.3))
    v = wb.Variable(np.float32(1.25))

    def step(x, s):
        with wb.GradientTape() as tape:
            tape.watch([x, s])
            y = (x * s + 0.25) * c - x * v
            loss = wb.reduce_sum(y * y)
        return y, tape.gradient(loss, [x, s])

    def draw():
        return (wb.constant(rng.standard_normal(500).astype(np.float32)),
                wb.constant(np.float32(rng.uniform(0.5, 2))))

    traced = wb.function(step)
    kernels = _settle(traced, *draw())
    assert kernels and all(k.backend == "numba" for k in kernels)
    source = "".join(k.source for k in kernels)
    assert float(np.float32(0.3)).hex() in source and float(np.float32(0.25)).hex() in source
    assert float(np.float32(1.25)).hex() not in source
    for value in (1.25, -0.5, 3.0):
        v.assign(np.float32(value))
        x, s = draw()
        _same(step(x, s), traced(x, s))


@needs_numba
def test_strided_and_broadcast_inputs(backend):
    backend("auto")
    rng = np.random.default_rng(5)

    def step(x, y):
        return x * y - y / x

    traced = wb.function(step)
    x = wb.constant(rng.uniform(1, 2, (40, 30)).astype(np.float64))
    y = wb.constant(rng.uniform(1, 2, (40, 30)).astype(np.float64))
    (kern,) = _settle(traced, x, y)
    assert kern.backend == "numba"
    xt = wb.constant(np.asarray(rng.uniform(1, 2, (30, 40)), np.float64).T)  # a transposed layout
    yb = wb.constant(np.broadcast_to(np.float64(1.5), (40, 30)))             # a broadcast one
    _same(step(xt, yb), traced(xt, yb))
    assert kern.backend == "numba"


def test_without_numba_the_numpy_kernel_runs(backend, monkeypatch):
    monkeypatch.setitem(fusion_numba._state, "available", False)
    backend("auto")
    x = wb.constant(np.linspace(-1, 1, 100, dtype=np.float32))
    traced = wb.function(_arith)
    traced(x, x + 2)
    (kern,) = _kernels(traced, x, x + 2)
    assert type(kern) is fusion._CpuKernel
    _same(_arith(x, x + 2), traced(x, x + 2))


def test_numpy_setting_and_float16_keep_the_numpy_kernel(backend):
    backend("numpy")
    x = wb.constant(np.linspace(-1, 1, 100, dtype=np.float32))
    traced = wb.function(_arith)
    traced(x, x + 2)
    assert type(_kernels(traced, x, x + 2)[0]) is fusion._CpuKernel
    backend("auto")
    h = wb.constant(np.linspace(-1, 1, 100, dtype=np.float16))
    traced = wb.function(_arith)
    traced(h, h + 2)
    assert type(_kernels(traced, h, h + 2)[0]) is fusion._CpuKernel


def test_the_setting_is_checked(backend):
    with pytest.raises(ValueError, match=r"name must be 'auto', 'numba' or 'numpy', got 'fast'"):
        backend("fast")


def test_the_stages_follow_dependences():
    """Each loop takes every exact operation that is ready; each function then runs."""
    a, b = fusion._Temp(), fusion._Temp()
    t = [fusion._Temp() for _ in range(5)]
    compute = [("tanh", (a,), t[0]), ("multiply", (a, b), t[1]), ("add", (t[0], t[1]), t[2]),
               ("exp", (t[1],), t[3]), ("multiply", (t[2], 2.0), t[4])]
    assert fusion_numba.stages(compute, whole=False) == [
        ("loop", [1]), ("ufunc", 0), ("ufunc", 3), ("loop", [2, 4])]
    assert fusion_numba.stages(compute, whole=True) == [("loop", [0, 1, 2, 3, 4])]


def test_cache_dir_respects_numba_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert fusion_numba.cache_dir() == os.path.join(str(tmp_path), "workbench_fusion")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fusion_numba.cache_dir() == os.path.join(str(tmp_path / "xdg"), "workbench", "fusion")


_CACHED = textwrap.dedent("""
    import time
    import numpy as np
    import workbench as wb
    from workbench.compiler import fusion_numba

    def step(x, y):
        return (x * y + 0.75) / y - x

    f = wb.function(step)
    x = wb.constant(np.linspace(1, 2, 1000, dtype=np.float32))
    f(x, x); f(x, x)
    t = time.perf_counter()
    fusion_numba.wait()
    f(x, x)
    (k,) = f.get_concrete_function(x, x).fusion.kernels
    print(k.backend, time.perf_counter() - t)
""")


@needs_numba
@pytest.mark.slow
def test_compiled_loops_are_kept_on_disk(tmp_path):
    """A second process loads the loops the first one compiled, from ``NUMBA_CACHE_DIR``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", _CACHED], env=env, capture_output=True, text=True,
                           timeout=300) for _ in range(2)]
    for r in runs:
        assert r.returncode == 0, r.stderr
        assert r.stdout.split()[0] == "numba"
    sources = list((tmp_path / "workbench_fusion").glob("fused_*.py"))
    assert len(sources) == 1
    assert list(tmp_path.rglob("*.nbi")) and list(tmp_path.rglob("*.nbc"))


@needs_numba
def test_a_failing_compiled_kernel_falls_back_to_numpy(backend, monkeypatch):
    backend("auto")
    rng = np.random.default_rng(6)
    x, y = wb.constant(rng.uniform(1, 2, 300)), wb.constant(rng.uniform(1, 2, 300))
    traced = wb.function(_arith)
    (kern,) = _settle(traced, x, y)
    assert kern.backend == "numba"

    def broken(compiled):
        raise TypeError("no matching definition")

    monkeypatch.setattr(kern, "_run_compiled", broken)
    _same(_arith(x, y), traced(x, y))
    assert kern.backend == "numpy" and "no matching definition" in kern.why


@needs_numba
def test_a_zero_d_argument_returned_as_an_output_is_not_a_constant(backend):
    """An argument that is also an output looks like a constant to the plan: the compiled
    kernel written with its first value gives way to the NumPy kernel when it changes."""
    backend("auto")

    def step(x, s):
        return s, x * s + 1.0

    traced = wb.function(step)
    x = wb.constant(np.linspace(-1, 1, 50, dtype=np.float32))
    kernels = _settle(traced, x, wb.constant(np.float32(2.0)))
    for value in (3.0, -1.5):
        s = wb.constant(np.float32(value))
        _same(step(x, s), traced(x, s))
    assert all(k.backend == "numpy" or float(np.float32(2.0)).hex() not in k.source for k in kernels)


@needs_numba
def test_numba_that_cannot_be_imported_leaves_the_numpy_kernel(backend, monkeypatch):
    backend("auto")

    def unimportable(source, signature):
        raise ImportError("Numba needs NumPy 2.3 or less")

    monkeypatch.setattr(fusion_numba, "_load", unimportable)
    monkeypatch.setitem(fusion_numba._state, "available", True)
    x = wb.constant(np.linspace(1, 2, 100))
    traced = wb.function(_arith)
    (kern,) = _settle(traced, x, x + 1)
    assert kern.backend == "numpy" and "NumPy 2.3" in kern.why
    assert not fusion_numba.available()  # later programs do not try again
    _same(_arith(x, x + 1), traced(x, x + 1))


@needs_numba
@pytest.mark.parametrize("n", [100, 200_003])
def test_staged_groups_without_registers(backend, n):
    """A function that reads an input and writes an output directly needs no scratch block."""
    backend("auto")

    def step(x):
        return wb.exp(x), x * 3.0 + 1.0

    rng = np.random.default_rng(7)
    traced = wb.function(step)
    (kern,) = _settle(traced, wb.constant(rng.standard_normal(n).astype(np.float32)))
    assert (kern.backend, kern.whole, kern._nregs) == ("numba", False, 0)
    x = wb.constant(rng.standard_normal(n).astype(np.float32))
    _same(step(x), traced(x))


_EXITS = textwrap.dedent("""
    import time
    import numpy as np
    import workbench as wb
    from workbench.compiler import fusion_numba

    def slow_child(*args, **kwargs):  # a compilation that takes long
        time.sleep(60)

    fusion_numba.subprocess.run = slow_child
    f = wb.function(lambda x: x * 3.0 + x * x)
    x = wb.constant(np.ones(10, np.float32))
    f(x); f(x)  # the second call starts the compilation
    print(time.time())
""")


@needs_numba
def test_a_compilation_in_flight_does_not_hold_up_exit():
    import time
    r = subprocess.run([sys.executable, "-c", _EXITS], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert time.time() - float(r.stdout.split()[-1]) < 10  # an exit that waited would take 20 s


# -- reductions that end a group ------------------------------------------------------------------


REDUCTIONS = {  # each reduction kind, over all axes and over the last, ending a group
    "sum": lambda x, w: (wb.reduce_sum(x * w + 0.5), x * w),
    "mean": lambda x, w: (wb.reduce_mean(x * x - w, axis=-1, keepdims=True),),
    "max": lambda x, w: (wb.reduce_max(x * w - x, axis=-1),),
    "sum, last axis": lambda x, w: (wb.reduce_sum(w / (x * x + 1.0), axis=-1), x + w),
}


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions_end_a_group_bit_for_bit(backend, dtype, name):
    """A reduction over all axes or the last one accumulates in the group's loop, adding as
    NumPy's pairwise summation does: the eager results bit for bit under ``auto``. (The
    generated source does not depend on the shape: one compilation serves them all.)"""
    backend("auto")
    fn = REDUCTIONS[name]
    rng = np.random.default_rng(11)
    for shape in [(7,), (1000,), (3, 129), (2, 100_003)]:
        def draw():
            return (wb.constant((rng.standard_normal(shape) * 100).astype(dtype)),
                    wb.constant(rng.uniform(0.5, 2, shape).astype(dtype)))

        traced = wb.function(fn)
        (kern,) = _settle(traced, *draw())
        assert (kern.backend, kern.why, kern.bitwise, kern.tail.kind) == ("numba", None, True, name.split(",")[0])
        assert not any(op.startswith("reduce_") for op in traced.get_concrete_function(*draw()).ops)
        for _ in range(2):
            x, w = draw()
            got, want = traced(x, w), fn(x, w)
            _same(want, got)
            for a, b in zip(got, want):
                assert type(a.numpy()) is type(b.numpy())  # a NumPy scalar where eager gives one


@needs_numba
def test_a_staged_group_leaves_its_reduction_a_step(backend):
    """By default only a group that is one loop takes its reduction: W3's staged group (tanh and
    exp left to NumPy) runs, and ``reduce_sum`` stays a step after it."""
    backend("auto")
    rng = np.random.default_rng(16)
    traced = wb.function(_w3)
    (kern,) = _settle(traced, wb.constant(rng.standard_normal(5000).astype(np.float32)))
    assert (kern.backend, kern.whole, kern.tail) == ("numba", False, None)
    assert "reduce_sum" in traced.get_concrete_function(wb.constant(np.zeros(5000, np.float32))).ops
    x = wb.constant(rng.standard_normal(5000).astype(np.float32))
    _same(_w3(x), traced(x))


@needs_numba
def test_w3_sums_in_a_last_stage_over_blocks_bit_for_bit(backend, monkeypatch):
    """With ``STAGED_REDUCTIONS``, W3's ``reduce_sum`` of its forward value is the group's last
    stage: over blocks that end where NumPy's pairwise leaves end, with the partial sums
    carried between blocks."""
    monkeypatch.setattr(fusion_numba, "STAGED_REDUCTIONS", True)
    backend("auto")
    block = fusion.CHUNK_BYTES // 4
    rng = np.random.default_rng(12)
    traced = wb.function(_w3)
    (kern,) = _settle(traced, wb.constant(rng.standard_normal(5 * block + 3).astype(np.float32)))
    assert (kern.backend, kern.tail.kind, kern.nstages, kern.why) == ("numba", "sum", 5, None)
    sizes = [hi - lo for lo, hi, _, _ in kern._tail_blocks]  # blocks end where leaves end
    assert kern._tail_only and len(sizes) == 5 and all(block <= m <= block + 128 for m in sizes[:-1])
    assert traced.get_concrete_function(wb.constant(np.zeros(5 * block + 3, np.float32))).ops[1].startswith("fused")
    for _ in range(2):
        x = wb.constant(rng.standard_normal(5 * block + 3).astype(np.float32))
        _same(_w3(x), traced(x))


@needs_numba
def test_numba_setting_sums_a_whole_loop_within_tolerance(backend):
    """Under ``numba`` a small group with functions is one loop that also sums: the sum adds the
    same values in NumPy's order, which differ from eager's by a few ulp each."""
    backend("numba")
    rng = np.random.default_rng(13)
    traced = wb.function(_w3)
    (kern,) = _settle(traced, wb.constant(rng.standard_normal(300).astype(np.float32)))
    assert (kern.backend, kern.whole, kern.bitwise, kern.tail.kind) == ("numba", True, False, "sum")
    assert "np.tanh" in kern.source and "S[i - a]" in kern.source
    for _ in range(3):
        x = wb.constant(rng.standard_normal(300).astype(np.float32))
        (loss, grad), (want_loss, want_grad) = traced(x), _w3(x)
        scale = float(np.sum(np.abs(np.tanh(x.numpy()) * x.numpy() + np.exp(-x.numpy() ** 2))))
        assert abs(float(loss) - float(want_loss)) <= 16 * np.finfo(np.float32).eps * scale
        np.testing.assert_allclose(grad.numpy(), want_grad.numpy(), rtol=1e-6, atol=1e-6)


def test_the_pairwise_program_is_numpys_order():
    """The program's leaves cover every value once, in order, in blocks of at most 128 (or a
    block under 8); evaluated in Python it gives np.sum's bits."""
    rng = np.random.default_rng(14)
    for n in (1, 7, 8, 9, 128, 129, 1000, 8193, 100_003):
        x = (rng.standard_normal(n) * 10).astype(np.float32)
        prog = fusion_numba.reduction_program(1, n)
        leaves = prog[prog[:, 0] == 0]
        assert leaves[0, 1] == 0 and np.all(leaves[1:, 1] == leaves[:-1, 1] + leaves[:-1, 2])
        assert leaves[-1, 1] + leaves[-1, 2] == n and leaves[:, 2].max() <= 128
        stack = []
        for kind, a, m in prog:
            if kind == 1:
                b = stack.pop()
                stack[-1] = np.float32(stack[-1] + b)
            elif kind == 2:
                got = np.float32(0) + stack.pop()
            elif m < 8:
                acc = np.float32(0)
                for v in x[a:a + m]:
                    acc = np.float32(acc + v)
                stack.append(acc)
            else:
                r = list(x[a:a + 8])
                b = a + m - m % 8
                for i in range(a + 8, b):
                    r[(i - a) % 8] = np.float32(r[(i - a) % 8] + x[i])
                acc = np.float32(np.float32(np.float32(r[0] + r[1]) + np.float32(r[2] + r[3]))
                                 + np.float32(np.float32(r[4] + r[5]) + np.float32(r[6] + r[7])))
                for v in x[b:a + m]:
                    acc = np.float32(acc + v)
                stack.append(acc)
        assert not stack and got.tobytes() == np.sum(x).tobytes(), n
    blocks = fusion_numba.reduction_blocks(fusion_numba.reduction_program(1, 100_003), 100_003, 4096)
    assert blocks[0][0] == 0 and blocks[-1][1] == 100_003 and blocks[-1][3] == len(
        fusion_numba.reduction_program(1, 100_003))
    assert all(a[1] == b[0] and a[3] == b[2] for a, b in zip(blocks, blocks[1:]))


def test_reductions_stay_steps_under_the_numpy_setting(backend):
    backend("numpy")
    rng = np.random.default_rng(15)
    x, w = (wb.constant(rng.standard_normal((3, 40)).astype(np.float32)) for _ in range(2))
    for fn in REDUCTIONS.values():
        traced = wb.function(fn)
        traced(x, w)
        assert sum(op.startswith("reduce_") for op in traced.get_concrete_function(x, w).ops) == 1
        _same(fn(x, w), traced(x, w))
