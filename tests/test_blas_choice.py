"""The BLAS choice for matrix products (workbench.ops.blas, wb.config.set_blas/get_blas).

Each installed backend is checked against NumPy's matmul on products with transposed
operands, slices, batches, vectors and float64, within the rounding bound of a dot product;
then matmul and its gradients under each backend, the setting (the environment variable and
the setter), the errors, and the per-machine cache of ``auto``. Backends that are not
installed (``pip install mkl blis``) are skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import workbench as wb
from workbench.ops import blas, rules

INSTALLED = blas.available()
OPTIONAL = [pytest.param(name, marks=pytest.mark.skipif(name not in INSTALLED, reason=f"{name} is not installed"))
            for name in ("mkl", "blis")]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(autouse=True)
def restore_blas():
    before = blas.get_blas()
    loaded = dict(blas._LOADED)
    loaders = dict(blas._LOADERS)
    yield
    blas._LOADERS.clear()
    blas._LOADERS.update(loaders)
    blas._LOADED.clear()
    blas._LOADED.update(loaded)
    blas.set_blas(before)


def _operand(rng, shape, layout, dtype):
    """An array of ``shape`` laid out as ``layout``: "c" (C-ordered), "f" (a transpose's
    view), "rows" (every other row of a larger array), "neg" (reversed rows), "bcast"."""
    if layout == "f":
        return rng.standard_normal(shape[::-1]).astype(dtype).T
    if layout == "rows":
        big = rng.standard_normal(shape[:-2] + (2 * shape[-2], shape[-1] + 3)).astype(dtype)
        return big[..., ::2, 1:shape[-1] + 1]
    if layout == "neg":
        return rng.standard_normal(shape).astype(dtype)[..., ::-1, :]
    if layout == "bcast":
        return np.broadcast_to(rng.standard_normal(shape[-1:]).astype(dtype), shape)
    return rng.standard_normal(shape).astype(dtype)


CASES = [((128, 784), (784, 512), "c", "c"), ((37, 19), (19, 23), "f", "c"), ((37, 19), (19, 23), "c", "f"),
         ((16, 30), (30, 8), "f", "f"), ((9, 14), (14, 11), "rows", "f"), ((9, 14), (14, 11), "neg", "rows"),
         ((6, 5), (5, 7), "bcast", "c"), ((1, 9), (9, 1), "c", "c"), ((9, 1), (1, 9), "f", "c"),
         ((3, 12, 7), (3, 7, 5), "c", "f"), ((2, 1, 4, 6), (3, 6, 5), "f", "c"), ((4, 6), (2, 6, 3), "c", "rows")]


@pytest.mark.parametrize("name", OPTIONAL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape_a,shape_b,la,lb", CASES)
def test_backend_agrees_with_numpy(name, dtype, shape_a, shape_b, la, lb):
    rng = np.random.default_rng(len(shape_a) * 100 + shape_b[-1])
    a, b = _operand(rng, shape_a, la, dtype), _operand(rng, shape_b, lb, dtype)
    a0, b0 = a.copy(), b.copy()
    got = blas.matmul(a, b, backend=name)
    want = np.matmul(a, b)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert blas.agrees(got, a, b)
    np.testing.assert_allclose(got, want, rtol=1e-4 if dtype == np.float32 else 1e-12,
                               atol=1e-4 if dtype == np.float32 else 1e-12)
    assert np.array_equal(a, a0) and np.array_equal(b, b0)   # operands untouched


@pytest.mark.parametrize("name", OPTIONAL)
def test_backend_vectors_and_other_dtypes_follow_numpy(name):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((5, 6)).astype(np.float32)
    v = rng.standard_normal(6).astype(np.float32)
    w = rng.standard_normal(5).astype(np.float32)
    np.testing.assert_allclose(blas.matmul(a, v, name), a @ v, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(blas.matmul(w, a, name), w @ a, rtol=1e-5, atol=1e-5)
    assert blas.matmul(a, v, name).shape == (5,) and blas.matmul(w, a, name).shape == (6,)
    assert blas.matmul(v, v, name).shape == () and np.isclose(blas.matmul(v, v, name), v @ v, rtol=1e-5)
    ints = np.arange(12).reshape(3, 4)
    assert np.array_equal(blas.matmul(ints, ints.T, name), ints @ ints.T)   # not a float: NumPy's
    c = (a + 1j * a).astype(np.complex64)
    np.testing.assert_allclose(blas.matmul(c, c.T, name), c @ c.T, rtol=1e-5)
    assert blas.matmul(a[:, :0], a[:0, :], name).shape == (5, 6)            # k = 0: zeros
    assert not blas.matmul(a[:, :0], a[:0, :], name).any()
    with pytest.raises(ValueError):
        blas.matmul(a, a, name)                                              # NumPy's own error


def test_numpy_backend_is_numpy_matmul():
    assert blas.matmul_function("numpy") is np.matmul
    assert "numpy" in INSTALLED and INSTALLED[0] == "numpy"


def _mlp_grads(dtype):
    rng = np.random.default_rng(5)
    x = wb.constant(rng.standard_normal((16, 12)).astype(dtype))
    w1 = wb.Variable(rng.standard_normal((12, 8)).astype(dtype))
    w2 = wb.Variable(rng.standard_normal((3, 8, 4)).astype(dtype))

    def loss():
        h = wb.tanh(wb.matmul(x, w1))
        return wb.reduce_sum(wb.matmul(h, w2, transpose_b=False) ** 2) + wb.reduce_sum(
            wb.matmul(w1, x, transpose_a=True, transpose_b=True))

    with wb.GradientTape() as tape:
        y = loss()
    first = [y.numpy()] + [g.numpy() for g in tape.gradient(y, [w1, w2])]
    with wb.GradientTape() as outer:               # on tensors: a second-order walk
        with wb.GradientTape() as inner:
            y = loss()
        g1 = inner.gradient(y, w1)
        s = wb.reduce_sum(g1 * g1)
    second = outer.gradient(s, w2).numpy()

    @wb.function
    def step(x):
        with wb.GradientTape() as tape:
            h = wb.tanh(wb.matmul(x, w1))
            y = wb.reduce_sum(wb.matmul(h, w2) ** 2)
        return [y] + tape.gradient(y, [w1, w2])
    traced = [t.numpy() for t in step(x)] + [t.numpy() for t in step(x)]
    return first, second, traced


@pytest.mark.parametrize("name", OPTIONAL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_and_gradients_under_backend(name, dtype):
    blas.set_blas("numpy")
    want = _mlp_grads(dtype)
    wb.config.set_blas(name)
    assert wb.config.get_blas() == name
    assert blas.ACTIVE[0] is not None and rules.ARRAYS.matmul is not blas._ARRAYS_MATMUL
    got = _mlp_grads(dtype)
    tol = 2e-4 if dtype == np.float32 else 1e-11
    for g, w in zip([*got[0], got[1], *got[2]], [*want[0], want[1], *want[2]]):
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol * max(1.0, float(np.abs(w).max())))
    wb.config.set_blas("numpy")
    assert blas.ACTIVE[0] is None and rules.ARRAYS.matmul is blas._ARRAYS_MATMUL
    again = _mlp_grads(dtype)
    for g, w in zip([*again[0], again[1], *again[2]], [*want[0], want[1], *want[2]]):
        assert np.array_equal(g, w)    # back on NumPy: NumPy's bits


@pytest.mark.parametrize("name", OPTIONAL)
def test_backend_used_by_forward_and_first_order_walk(name, monkeypatch):
    """The forward and both products of the first-order rule go through the backend."""
    wb.config.set_blas(name)
    calls = []
    backend = blas._LOADED[name]
    real = type(backend).matmul

    def counting(self, a, b):
        calls.append((a.shape, b.shape))
        return real(self, a, b)
    monkeypatch.setattr(type(backend), "matmul", counting)
    wb.config.set_blas(name)   # re-installs the (now counting) bound method
    del calls[:]               # the setter's own check of the backend
    x = wb.Variable(np.ones((4, 3), np.float32))
    w = wb.Variable(np.ones((3, 2), np.float32))
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(wb.matmul(x, w))
    tape.gradient(y, [x, w])
    assert calls == [((4, 3), (3, 2)), ((4, 2), (2, 3)), ((3, 4), (4, 2))]


def test_default_is_numpy_and_errors():
    assert wb.config.get_blas() == "numpy" or os.environ.get("WORKBENCH_BLAS")
    with pytest.raises(ValueError, match=r"set_blas: the BLAS must be one of 'numpy', 'mkl', 'blis', 'auto', got 'openblas'"):
        wb.config.set_blas("openblas")
    with pytest.raises(ValueError, match="got 3"):
        wb.config.set_blas(3)
    with pytest.raises(ValueError, match="matmul_function"):
        blas.matmul_function("auto")


def test_backend_not_installed_is_a_clear_error(monkeypatch):
    def missing():
        raise ImportError("libmkl_rt was not found: install the mkl wheel (pip install mkl)")
    monkeypatch.setitem(blas._LOADERS, "mkl", missing)
    monkeypatch.delitem(blas._LOADED, "mkl", raising=False)
    with pytest.raises(ImportError, match=r"set_blas\('mkl'\): the BLAS backend 'mkl' is not installed "
                                          r"here: libmkl_rt was not found"):
        wb.config.set_blas("mkl")
    assert wb.config.get_blas() == "numpy"          # unchanged
    assert "mkl" not in blas.available()             # skipped, not an error
    times = blas.measure(rounds=1)["times"]
    assert "mkl" not in times and "numpy" in times


def _run(code, **env):
    full = dict(os.environ, OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=full,
                          timeout=120)


def test_environment_variable_errors(tmp_path):
    r = _run("import workbench", WORKBENCH_BLAS="fast")
    assert r.returncode != 0
    assert "WORKBENCH_BLAS='fast': the BLAS must be one of 'numpy', 'mkl', 'blis', 'auto', got 'fast'" in r.stderr
    # a backend that is not installed: blis made unimportable in the child
    r = _run("import sys; sys.modules['blis'] = None; import workbench", WORKBENCH_BLAS="blis")
    assert r.returncode != 0
    assert "ImportError: WORKBENCH_BLAS='blis'('blis'): the BLAS backend 'blis' is not installed here" in r.stderr
    r = _run("import workbench as wb; print(wb.config.get_blas())", WORKBENCH_BLAS="numpy")
    assert r.returncode == 0 and r.stdout.strip() == "numpy"


@pytest.mark.parametrize("name", OPTIONAL)
def test_environment_variable_selects(name):
    r = _run("import numpy as np, workbench as wb; a = np.ones((3, 4), np.float32);"
             "print(wb.config.get_blas(), float(wb.reduce_sum(wb.matmul(a, a.T))))", WORKBENCH_BLAS=name.upper())
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [name, "36.0"]


def test_refuses_a_backend_that_disagrees(monkeypatch):
    class Off(blas._Backend):
        name = "blis"

        def version(self):
            return "off 0"

        def matmul(self, a, b):
            out = np.matmul(a, b)
            return out + np.asarray(1e-3, out.dtype) * np.abs(out).max()
    monkeypatch.setitem(blas._LOADERS, "blis", Off)
    monkeypatch.delitem(blas._LOADED, "blis", raising=False)
    got = blas.measure(["numpy", "blis"], rounds=1)
    assert "blis" in got["refused"] and "differs from NumPy's" in got["refused"]["blis"]
    assert list(got["times"]) == ["numpy"]
    with pytest.raises(ValueError, match=r"set_blas\('blis'\): the BLAS backend 'blis' is refused: float32"):
        blas.set_blas("blis")
    assert blas.get_blas() == "numpy"


def test_agrees_bound():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20, 300)).astype(np.float32)
    b = rng.standard_normal((300, 10)).astype(np.float32)
    exact = (a.astype(np.float64) @ b.astype(np.float64)).astype(np.float32)
    assert blas.agrees(np.matmul(a, b), a, b) and blas.agrees(exact, a, b)
    off = np.matmul(a, b)
    off[3, 4] += 300 * 2 * np.finfo(np.float32).eps * (np.abs(a) @ np.abs(b))[3, 4] * 3
    assert not blas.agrees(off, a, b)
    assert not blas.agrees(np.matmul(a, b).astype(np.float64), a, b)


def test_pick_keeps_numpy_unless_clearly_faster():
    assert blas.pick({"numpy": 1.0, "mkl": 0.97}) == "numpy"
    assert blas.pick({"numpy": 1.0, "mkl": 0.90, "blis": 0.93}) == "mkl"
    assert blas.pick({"numpy": 1.0, "mkl": 1.5}) == "numpy"
    assert blas.pick({"mkl": 2.0, "blis": 1.0}) == "blis"
    assert blas.pick({}) == "numpy"


def test_auto_measures_once_and_caches_json(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = tmp_path / "workbench" / "blas.json"
    assert blas.cache_path() == str(path)
    runs = []
    fake = {"times": {n: (0.5 if n == INSTALLED[-1] else 1.0) for n in INSTALLED}, "refused": {}}
    monkeypatch.setattr(blas, "measure", lambda names=None, **kw: runs.append(names) or fake)
    wb.config.set_blas("auto")
    assert runs == [INSTALLED]
    assert wb.config.get_blas() == INSTALLED[-1]
    data = json.loads(path.read_text())
    assert data["format"] == 1 and len(data["entries"]) == 1
    (key, entry), = data["entries"].items()
    assert json.loads(key)["cpu"] and entry["choice"] == INSTALLED[-1] and entry["times_s"] == fake["times"]
    wb.config.set_blas("numpy")
    wb.config.set_blas("auto")      # from the cache: not measured again
    assert runs == [INSTALLED] and wb.config.get_blas() == INSTALLED[-1]
    got = blas.choice()
    assert got["cached"] and got["choice"] == INSTALLED[-1] and got["times_s"] == fake["times"]
    # another thread setting is another machine
    monkeypatch.setenv("MKL_NUM_THREADS", "7")
    assert blas.fastest() == INSTALLED[-1] and len(runs) == 2
    assert len(json.loads(path.read_text())["entries"]) == 2


@pytest.mark.parametrize("content", [
    b"not json {",
    b"cos\nsystem\n(S'echo pwned > PWNED'\ntR.",                   # a pickle: never unpickled
    b'["format", 1]',
    b'{"format": 2, "entries": {}}',
    b'{"format": 1, "entries": []}',
    b'{"format": 1, "entries": {"KEY": {"choice": "__import__(\'os\').system(\'true\')"}}}',
    b'{"format": 1, "entries": {"KEY": "numpy"}}',
])
def test_cache_read_safely(tmp_path, monkeypatch, content):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "workbench" / "blas.json"
    path.parent.mkdir()
    key = blas.machine_key(INSTALLED)
    path.write_bytes(content.replace(b"KEY", json.dumps(key)[1:-1].encode()))
    runs = []
    monkeypatch.setattr(blas, "measure", lambda names=None, **kw: runs.append(1) or
                        {"times": {"numpy": 1.0}, "refused": {}})
    assert blas.fastest() == "numpy"
    assert runs == [1]                     # measured again, nothing run from the file
    assert not (tmp_path / "PWNED").exists()
    assert json.loads(path.read_text())["entries"][key]["choice"] == "numpy"   # rewritten as JSON


def test_cache_entry_for_uninstalled_backend_is_measured_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    key = blas.machine_key(INSTALLED)
    path = tmp_path / "workbench" / "blas.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"format": 1, "entries": {key: {"choice": "nothing-here"}}}))
    runs = []
    monkeypatch.setattr(blas, "measure", lambda names=None, **kw: runs.append(1) or
                        {"times": {"numpy": 1.0}, "refused": {}})
    assert blas.fastest() == "numpy" and runs == [1]


def test_auto_for_real(tmp_path, monkeypatch):
    """``auto`` measures the installed backends, picks one that agrees with NumPy, and caches it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    wb.config.set_blas("auto")
    chosen = wb.config.get_blas()
    assert chosen in INSTALLED
    entry, = json.loads((tmp_path / "workbench" / "blas.json").read_text())["entries"].values()
    assert entry["choice"] == chosen and set(entry["times_s"]) == set(INSTALLED) and entry["refused"] == {}
    a = np.random.default_rng(0).standard_normal((64, 32)).astype(np.float32)
    assert blas.agrees(wb.matmul(a, a.T).numpy(), a, a.T)


@pytest.mark.parametrize("name", OPTIONAL)
def test_benchmark_limit_on_another_blas(name):
    """The benchmarks' limit computes its products with the BLAS the harness names (the
    fastest measured, by default): W2's hand-written step agrees with itself on NumPy's."""
    from benchmarks import harness, w2_mlp_step as w2
    cfg = w2.CONFIGS["quick"]
    inputs = w2.make_inputs(cfg, np.random.default_rng(0))
    env = harness.Env("cpu", limit_blas=name)
    assert env.limit_blas == name and env.matmul == blas.matmul_function(name)
    got = w2.build_limit(inputs, cfg, env)()
    want = w2.build_limit(inputs, cfg, harness.Env("cpu"))()
    assert harness.compare(got, want, env, 1e-5, 1e-6)["ok"]


def test_benchmark_env_auto_names_its_measurements(tmp_path, monkeypatch):
    from benchmarks import harness
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(blas, "measure", lambda names=None, **kw: {"times": {"numpy": 0.01}, "refused": {}})
    env = harness.Env("cpu", limit_blas="auto")
    assert env.limit_blas == "numpy" and env.matmul is np.matmul
    info = harness.machine_info(env, ["limit"])
    assert info["limit_blas"] == "numpy" and info["limit_blas_times_s"] == {"numpy": 0.01}
    assert "the limit's matmul: numpy (fastest of numpy " in harness.format_machine(info)


@pytest.mark.slow
def test_data_parallel_row_runs_in_two_processes(tmp_path):
    """W12 (``PROCESSES = 2``) runs in an mpiexec job started by ``python -m benchmarks``; its
    competitors agree across the two processes and its record comes back into the table."""
    pytest.importorskip("mpi4py")
    from workbench.distribute.launch import find_mpiexec
    if find_mpiexec() is None:
        pytest.skip("no mpiexec")
    out = tmp_path / "r.json"
    r = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", "W12", "--rounds", "2",
                        "--block-ms", "1", "--competitors", "workbench,workbench_fn,limit", "--json", str(out)],
                       capture_output=True, text=True, cwd=REPO, timeout=300)
    assert r.returncode == 0, r.stderr
    rec = json.loads(out.read_text())["workloads"]["W12"]
    assert set(rec["competitors"]) == {"limit", "workbench", "workbench_fn"}
    for c in rec["competitors"].values():
        assert c["check"]["ok"] and len(c["times_s"]) == 2
    assert "| W12 data-parallel MLP step, 2 processes | ms/step |" in r.stdout
