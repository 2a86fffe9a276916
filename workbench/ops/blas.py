"""Which BLAS computes matrix products: NumPy's own, MKL or BLIS.

``matmul``'s forward and both products of its gradient rule (on tensors and in first-order
walks) go through the backend chosen here when their operands are NumPy float32 or float64
arrays; everything else (integers, complex numbers, CuPy arrays, empty matrices) stays with
the array module's own ``matmul``. The backends:

- ``"numpy"`` (the default): NumPy's ``matmul``, that is the BLAS NumPy was built with
  (OpenBLAS in NumPy's wheels). Nothing else is loaded.
- ``"mkl"``: Intel's MKL from the ``mkl`` wheel (``pip install mkl``), ``libmkl_rt`` called
  through ``ctypes`` (``cblas_sgemm``/``cblas_dgemm``). A transposed operand (an F-ordered
  array, such as ``x.T``) is passed as BLAS's transpose flag with its leading dimension, so
  C- and F-ordered operands (and row or column slices of them) are never copied.
- ``"blis"``: BLIS through the ``blis`` package (``pip install blis``). Its Python entry
  takes C-ordered matrices: an F-ordered float32 operand is passed transposed, any other
  layout is copied first (float64 operands with a transpose too: the package's float64 entry
  ignores the flags).
- ``"auto"``: times the installed backends once on the products a training step makes (the
  784-512-512-10 MLP's forward and both backward products at batch 128, float32), checks that
  each agrees with NumPy's results within the rounding bound of a dot product
  (``|c - c_numpy| <= 2 k eps (|a| @ |b|)``; a backend that does not is refused), and uses the
  fastest. Another backend must beat NumPy's time by 5% to be chosen, so NumPy's results are
  kept where the difference is noise. The choice is kept in ``blas.json`` in the user's cache
  folder (``$XDG_CACHE_HOME/workbench``, ``~/.cache/workbench``), keyed by the processor
  model, the library versions and the thread settings, so later processes read it instead of
  measuring (the file is JSON, read with ``json`` and checked field by field; an unreadable or
  foreign entry is measured again).

Choose with ``WORKBENCH_BLAS=numpy|mkl|blis|auto`` (read when workbench is imported: ``auto``
then measures during the first import on a machine, about two seconds) or
``wb.config.set_blas(name)``; ``wb.config.get_blas()`` names the backend in use ("auto"
resolved). Naming a backend that is not installed raises ImportError naming the setting.
A backend computes the same products as NumPy up to rounding: results may differ from
NumPy's in the last bits (another order of summation), never beyond the bound above.
Thread counts are each library's own (``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS``,
``BLIS_NUM_THREADS``).
"""

from __future__ import annotations

import ctypes
import glob
import importlib.metadata
import json
import os
import platform
import sys
import tempfile
import time

import numpy as np

from . import rules

__all__ = ["BACKENDS", "SETTINGS", "available", "cache_path", "choice", "fastest", "get_blas", "matmul",
           "matmul_function", "set_blas", "version"]

BACKENDS = ("numpy", "mkl", "blis")
SETTINGS = BACKENDS + ("auto",)
ENV = "WORKBENCH_BLAS"

# The products auto times: W2's MLP at batch 128 (x @ W, g @ W^T, x^T @ g for each layer).
TRAINING_SHAPES = (
    ((128, 784), (784, 512), ""), ((128, 512), (512, 784), "b"), ((784, 128), (128, 512), "a"),
    ((128, 512), (512, 512), ""), ((128, 512), (512, 512), "b"), ((512, 128), (128, 512), "a"),
    ((128, 512), (512, 10), ""), ((128, 10), (10, 512), "b"), ((512, 128), (128, 10), "a"),
)
MARGIN = 0.95          # another backend is chosen over NumPy only below this share of its time
_CACHE_FORMAT = 1

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


# ---------------------------------------------------------------------------
# Layouts BLAS reads in place


def _layout(x):
    """``(transposed, leading dimension)`` under which BLAS reads the 2-D array ``x`` in
    place (row-major: ``x`` itself; transposed: ``x.T`` row-major), or None."""
    it = x.itemsize
    r, c = x.shape
    s0, s1 = x.strides
    if (s1 == it or c == 1) and s0 % it == 0:
        ld = s0 // it if r > 1 else c
        if ld >= c:
            return False, ld
    if (s0 == it or r == 1) and s1 % it == 0:
        ld = s1 // it if c > 1 else r
        if ld >= r:
            return True, ld
    return None


def _as_2d_operands(a, b):
    """NumPy's ``matmul`` shapes: ``(a, b, batch, m, n, squeeze)`` with ``a`` ``[..., m, k]``
    and ``b`` ``[..., k, n]`` broadcast to the batch, or None when the product is not one for
    a BLAS (a mismatch is left to NumPy's own error)."""
    squeeze = []
    if a.ndim == 1:
        a = a[None, :]
        squeeze.append(-2)
    if b.ndim == 1:
        b = b[:, None]
        squeeze.append(-1)
    m, k = a.shape[-2:]
    k2, n = b.shape[-2:]
    if k != k2 or m == 0 or n == 0 or k == 0 or max(m, n, k) >= 2 ** 31:
        return None
    if a.ndim == 2 and b.ndim == 2:
        return a, b, (), m, n, squeeze
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        return None
    return (np.broadcast_to(a, batch + (m, k)), np.broadcast_to(b, batch + (k, n)), batch, m, n,
            squeeze)


def _product(gemm, a, b):
    """``a @ b`` with the 2-D product ``gemm(a2, b2, out2)``; None where NumPy must do it."""
    if a.dtype not in _FLOATS or b.dtype != a.dtype or a.ndim == 0 or b.ndim == 0:
        return None
    got = _as_2d_operands(a, b)
    if got is None:
        return None
    a, b, batch, m, n, squeeze = got
    out = np.empty(batch + (m, n), a.dtype)
    if batch:
        for idx in np.ndindex(*batch):
            gemm(a[idx], b[idx], out[idx])
    else:
        gemm(a, b, out)
    if squeeze:
        out = out.reshape(out.shape[:-2] + tuple(d for ax, d in ((-2, m), (-1, n)) if ax not in squeeze))
    return out


# ---------------------------------------------------------------------------
# Backends


class _Backend:
    name = ""

    def version(self) -> str:
        return ""

    def matmul(self, a, b):
        return np.matmul(a, b)


class _Numpy(_Backend):
    name = "numpy"

    def version(self):
        try:
            blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
            return f"numpy {np.__version__}, {blas.get('name')} {blas.get('version')}"
        except Exception:
            return f"numpy {np.__version__}"


_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


class _Mkl(_Backend):
    """``libmkl_rt`` of the ``mkl`` wheel through ctypes."""
    name = "mkl"

    def __init__(self):
        path = _find_mkl()
        if path is None:
            raise ImportError("libmkl_rt was not found: install the mkl wheel (pip install mkl)")
        lib = ctypes.CDLL(path)
        try:
            lib.MKL_Set_Interface_Layer(0)   # LP64: 32-bit integers, as the signatures below
        except AttributeError:
            pass
        self._lib, self.path = lib, path
        self._gemm = {}
        for dt, name, real in ((_FLOATS[0], "cblas_sgemm", ctypes.c_float),
                               (_FLOATS[1], "cblas_dgemm", ctypes.c_double)):
            fn = getattr(lib, name)
            i, p = ctypes.c_int, ctypes.c_void_p
            fn.argtypes = [i, i, i, i, i, i, real, p, i, p, i, real, p, i]
            fn.restype = None
            self._gemm[dt] = fn

    def version(self):
        return f"mkl {importlib.metadata.version('mkl')}"

    def _gemm2d(self, a, b, out):
        la, lb = _layout(a), _layout(b)
        if la is None:
            a = np.ascontiguousarray(a)
            la = (False, a.shape[1])
        if lb is None:
            b = np.ascontiguousarray(b)
            lb = (False, b.shape[1])
        m, k = a.shape
        n = b.shape[1]
        self._gemm[a.dtype](_ROW_MAJOR, _TRANS if la[0] else _NO_TRANS, _TRANS if lb[0] else _NO_TRANS,
                            m, n, k, 1.0, a.ctypes.data, la[1], b.ctypes.data, lb[1], 0.0,
                            out.ctypes.data, out.strides[0] // out.itemsize)

    def matmul(self, a, b):
        out = _product(self._gemm2d, a, b)
        return np.matmul(a, b) if out is None else out


def _find_mkl():
    """The path of ``libmkl_rt`` installed by the ``mkl`` wheel, or None."""
    try:
        dist = importlib.metadata.distribution("mkl")
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if os.path.basename(str(f)).startswith("libmkl_rt.so") or os.path.basename(str(f)) in (
                "mkl_rt.2.dll", "libmkl_rt.2.dylib"):
            path = str(dist.locate_file(f))
            if os.path.exists(path):
                return path
    found = sorted(glob.glob(os.path.join(sys.prefix, "lib", "libmkl_rt.so*")))
    return found[0] if found else None


class _Blis(_Backend):
    """The ``blis`` package's ``blis.py.gemm`` (C-ordered operands)."""
    name = "blis"

    def __init__(self):
        try:
            # optional: imported only when the backend is asked for
            from blis import py as blis_py
        except ImportError as e:
            raise ImportError(f"the blis package could not be imported ({e}): pip install blis") from None
        self._gemm_py = blis_py.gemm

    def version(self):
        return f"blis {importlib.metadata.version('blis')}"

    def _gemm2d(self, a, b, out):
        ta = tb = False
        if not a.flags.c_contiguous:
            if a.dtype == _FLOATS[0] and a.T.flags.c_contiguous:
                a, ta = a.T, True
            else:
                a = np.ascontiguousarray(a)
        if not b.flags.c_contiguous:
            if b.dtype == _FLOATS[0] and b.T.flags.c_contiguous:
                b, tb = b.T, True
            else:
                b = np.ascontiguousarray(b)
        if out.flags.c_contiguous:
            self._gemm_py(a, b, out=out, trans1=ta, trans2=tb, alpha=1.0, beta=0.0)
        else:
            out[...] = self._gemm_py(a, b, trans1=ta, trans2=tb, alpha=1.0, beta=0.0)

    def matmul(self, a, b):
        out = _product(self._gemm2d, a, b)
        return np.matmul(a, b) if out is None else out


_LOADERS = {"numpy": _Numpy, "mkl": _Mkl, "blis": _Blis}
_LOADED: dict = {}


def _backend(name, where):
    """The loaded backend ``name``; ImportError naming ``where`` when it is not installed."""
    got = _LOADED.get(name)
    if got is None:
        try:
            got = _LOADERS[name]()
        except ImportError as e:
            raise ImportError(f"{where}: the BLAS backend {name!r} is not installed here: {e}") from None
        except OSError as e:
            raise ImportError(f"{where}: the BLAS backend {name!r} could not be loaded: {e}") from None
        _LOADED[name] = got
    return got


def available() -> tuple:
    """The backends installed here (loads them), ``"numpy"`` first."""
    out = []
    for name in BACKENDS:
        try:
            _backend(name, "available")
            out.append(name)
        except ImportError:
            pass
    return tuple(out)


def version(name) -> str:
    """The backend ``name``'s library and version, e.g. ``"mkl 2026.2.1"``."""
    _check_name(name, "version", BACKENDS)
    return _backend(name, f"version({name!r})").version()


def matmul_function(name):
    """A function ``(a, b) -> a @ b`` on NumPy arrays through the backend ``name``
    (``np.matmul`` itself for ``"numpy"``)."""
    _check_name(name, "matmul_function", BACKENDS)
    if name == "numpy":
        return np.matmul
    return _backend(name, f"matmul_function({name!r})").matmul


def matmul(a, b, backend="numpy"):
    """``a @ b`` on NumPy arrays through the backend ``backend``."""
    return matmul_function(backend)(a, b)


# ---------------------------------------------------------------------------
# Agreement with NumPy and timing


def _case(rng, shape_a, shape_b, transposed, dtype):
    """Operands of the given shapes; ``transposed`` ("a", "b") names those made as views
    of a transpose (F-ordered), as a backward pass's ``x^T`` and ``W^T``."""
    def make(shape, t):
        if t:
            return rng.standard_normal(shape[::-1]).astype(dtype).T
        return rng.standard_normal(shape).astype(dtype)
    return make(shape_a, "a" in transposed), make(shape_b, "b" in transposed)


def agrees(c, a, b, reference=None) -> bool:
    """Whether ``c`` is ``a @ b`` to within the rounding bound of a dot product of length k
    (``2 k eps (|a| @ |b|)``: the bound for NumPy's result and ``c`` together)."""
    ref = np.matmul(a, b) if reference is None else reference
    if c.shape != ref.shape or c.dtype != ref.dtype:
        return False
    k = a.shape[-1]
    eps = np.finfo(ref.dtype).eps
    bound = 2 * k * eps * np.matmul(np.abs(a), np.abs(b)) + np.finfo(ref.dtype).tiny
    return bool(np.all(np.abs(c.astype(np.float64) - ref) <= bound))


_CHECK_CASES = (((7, 5), (5, 3), ""), ((33, 20), (20, 17), "a"), ((16, 9), (9, 12), "b"),
                ((3, 8, 6), (6, 5), "ab"), ((4, 1, 5, 3), (2, 3, 7), ""), ((6,), (6, 4), ""),
                ((5, 6), (6,), "a"))


def check(name) -> str | None:
    """None when the backend ``name`` agrees with NumPy on a few products (transposes,
    batches, vectors, float32 and float64), else what differed."""
    fn = matmul_function(name)
    rng = np.random.default_rng(0)
    for dtype in _FLOATS:
        for sa, sb, t in _CHECK_CASES:
            a, b = _case(rng, sa, sb, t, dtype)
            c = fn(a, b)
            if not agrees(c, a, b):
                return f"{dtype.name} {sa} @ {sb} (transposed: {t or 'none'}) differs from NumPy's"
    return None


def _time_set(fn, cases, rounds):
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for a, b in cases:
            fn(a, b)
        best = min(best, time.perf_counter() - t0)
    return best


def measure(names=None, shapes=TRAINING_SHAPES, rounds=7, dtype=np.float32) -> dict:
    """Time the backends ``names`` (default: the installed ones) on ``shapes`` (``(shape_a,
    shape_b, transposed)`` triples): ``{"times": {name: seconds for the whole set, the best
    of ``rounds``, taken in turns}, "refused": {name: why}}``."""
    names = available() if names is None else tuple(names)
    rng = np.random.default_rng(1)
    cases = [_case(rng, sa, sb, t, dtype) for sa, sb, t in shapes]
    refs = [np.matmul(a, b) for a, b in cases]
    fns, refused = {}, {}
    for name in names:
        fn = matmul_function(name)
        bad = check(name)
        if bad is None:
            for (a, b), ref in zip(cases, refs):
                if not agrees(fn(a, b), a, b, ref):
                    bad = f"{a.shape} @ {b.shape} differs from NumPy's beyond rounding"
                    break
        if bad is None:
            fns[name] = fn
        else:
            refused[name] = bad
    times = {name: float("inf") for name in fns}
    for r in range(rounds):   # in turns: this machine's speed drifts within seconds
        order = list(fns)
        order = order[r % len(order):] + order[:r % len(order)] if order else order
        for name in order:
            times[name] = min(times[name], _time_set(fns[name], cases, 1))
    return {"times": times, "refused": refused}


def pick(times) -> str:
    """The fastest backend of ``times``; one other than NumPy must beat NumPy's time by the
    margin."""
    if not times:
        return "numpy"
    best = min(times, key=times.get)
    if "numpy" in times and best != "numpy" and times[best] > MARGIN * times["numpy"]:
        return "numpy"
    return best


# ---------------------------------------------------------------------------
# The per-machine choice, cached


def cache_path() -> str:
    """The file ``auto`` keeps its choices in."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "workbench", "blas.json")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_key(names) -> str:
    """What a cached choice depends on: processor, cores, library versions, thread settings."""
    threads = {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                             "MKL_NUM_THREADS", "BLIS_NUM_THREADS")}
    parts = {"cpu": _cpu_model(), "machine": platform.machine(), "cores": os.cpu_count(),
             "libraries": [_LOADED[n].version() if n in _LOADED else _backend(n, "auto").version()
                           for n in names],
             "threads": {k: v for k, v in threads.items() if v is not None}}
    return json.dumps(parts, sort_keys=True)


def _read_cache(path):
    """The cache's entries (a dict), or {} when the file is missing or not the expected JSON.
    Only ``json`` reads it: nothing in it is run."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def _write_cache(path, entries):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".blas.", suffix=".json", dir=os.path.dirname(path))
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"format": _CACHE_FORMAT, "entries": entries}, f, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass   # a read-only home: measured again next time


def choice(use_cache=True) -> dict:
    """``auto``'s choice on this machine with what it rests on: ``{"choice": name, "times_s":
    {name: seconds for the training products}, "refused": {name: why}, "measured": when,
    "cached": whether it came from the cache}``; measured (and cached) when the cache holds no
    entry for this machine."""
    names = available()
    key = machine_key(names)
    path = cache_path()
    if use_cache:
        entry = _read_cache(path).get(key)
        if isinstance(entry, dict) and entry.get("choice") in names:
            return {"choice": entry["choice"], "times_s": _times(entry.get("times_s")),
                    "refused": _strings(entry.get("refused")), "measured": str(entry.get("measured", "")),
                    "cached": True}
    got = measure(names)
    entry = {"choice": pick(got["times"]), "times_s": got["times"], "refused": got["refused"],
             "measured": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if use_cache:
        entries = _read_cache(path)
        entries[key] = entry
        _write_cache(path, entries)
    return dict(entry, cached=False)


def _times(value):
    if not isinstance(value, dict):
        return {}
    return {str(k): float(v) for k, v in value.items() if isinstance(v, (int, float))}


def _strings(value):
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def fastest(use_cache=True) -> str:
    """The fastest installed backend on this machine for training's products (see the module's
    ``auto`` and :func:`choice`)."""
    return choice(use_cache)["choice"]


# ---------------------------------------------------------------------------
# The setting

# What matmul's forward calls: None for the array module's own matmul (the default path
# costs one list read), else a function (a, b) of NumPy arrays.
ACTIVE: list = [None]
_STATE = {"name": "numpy", "setting": "numpy"}
_ARRAYS_MATMUL = rules.ARRAYS.matmul


def _check_name(name, where, allowed=SETTINGS):
    if not isinstance(name, str) or name.lower() not in allowed:
        raise ValueError(f"{where}: the BLAS must be one of {', '.join(map(repr, allowed))}, got {name!r}")


def _arrays_matmul(fn):
    def matmul(a, b):
        if type(a) is np.ndarray and type(b) is np.ndarray:
            return fn(a, b)
        return _ARRAYS_MATMUL(a, b)
    return matmul


def set_blas(name, where="set_blas"):
    """Compute ``matmul`` with the BLAS ``name`` (see the module): ``"numpy"``, ``"mkl"``,
    ``"blis"`` or ``"auto"``. ImportError when the backend is not installed, ValueError for
    another name or a backend whose products disagree with NumPy's."""
    _check_name(name, where)
    name = name.lower()
    chosen = fastest() if name == "auto" else name
    if chosen == "numpy":
        ACTIVE[0] = None
        rules.ARRAYS.matmul = _ARRAYS_MATMUL
    else:
        fn = _backend(chosen, f"{where}({name!r})").matmul
        bad = check(chosen)
        if bad is not None:
            raise ValueError(f"{where}({name!r}): the BLAS backend {chosen!r} is refused: {bad}")
        ACTIVE[0] = fn
        rules.ARRAYS.matmul = _arrays_matmul(fn)
    _STATE["name"], _STATE["setting"] = chosen, name


def get_blas() -> str:
    """The backend ``matmul`` uses now (``"auto"`` resolved to the one it picked)."""
    return _STATE["name"]


def _from_environment():
    value = os.environ.get(ENV)
    if value is None or value.strip().lower() in ("", "numpy"):
        return
    set_blas(value.strip(), where=f"{ENV}={value.strip()!r}")


_from_environment()
