"""Fused CPU groups compiled to machine code with numba (optional).

``workbench.compiler.fusion`` runs a fused group on the CPU as NumPy ufuncs over
cache-sized blocks: one ufunc call per operation per block. When numba is
installed, a group can instead become one generated loop over its (flattened)
elements, compiled once to machine code: every element is read once, carried
through the group's operations in registers, and written once, with no call
per operation. That removes the per-operation cost that dominates small arrays
(a 200-op chain on 16 values) and the passes over memory that dominate large
ones.

Which backend runs the CPU groups is the ``WORKBENCH_FUSION`` setting (read at
import, or ``fusion.set_cpu_backend``):

- ``auto`` (the default): compiled loops that give the NumPy kernel's results
  bit for bit. A compiled loop performs ``+ - * /``, negation, reciprocal,
  square and square root (``EXACT``) as single IEEE operations in the same order
  as the ufuncs (``fastmath=False``: nothing reassociated, no multiply and add
  contracted into one rounding), so a group made only of those is one loop with
  the same bits. ``exp``, ``log``, ``tanh``, ``sin``... stay NumPy ufuncs: NumPy's
  vectorized versions and the C library's (which a compiled loop would call)
  round differently in the last place or two, and NumPy's are also faster on
  large arrays. A group with them runs in stages over cache-sized blocks: a
  compiled loop for every exact operation whose operands are ready, then the
  functions whose operands are ready, and so on (``stages``).
- ``numba``: as ``auto``, but a group of at most ``LOOP_ELEMENTS`` elements is
  one loop with its functions too, where the cost of a call per function and
  stage dominates. Its results then agree with eager to a few units in the last
  place per function (on this project's machine, against NumPy 2.4 on AVX2:
  float32 ``tanh`` and ``log`` within 3 ulp, ``exp`` within 2, ``sin`` and
  ``cos`` within 1; ``expm1``, ``log1p`` and every float64 function but ``tanh``
  identical); a loop whose results differ from the NumPy kernel's by more than
  ``TOLERANCE`` eps times the largest magnitude of an output is not used.
- ``numpy``: the NumPy kernel always. ``0``/``off`` turns fusion off.

float16 groups always stay on the NumPy kernel.

Compilation never holds up a call: a program's groups run on the NumPy kernel
while their loops compile in the background, started by the first replay (the
second call of a trace: a function called once compiles nothing). A child process
compiles into numba's disk cache, so that compiling holds neither this
interpreter's lock nor its exit; a background thread then loads the machine code
from the cache (at exit, a load in flight is waited for, a child is not); the first
call after the loops are ready runs both kernels, compares their results and, if
they agree as above, uses the loops from then on (``kernel.backend``,
``kernel.why``). A compiled kernel that fails to run (arguments of a layout it was
not built for) gives way to the NumPy kernel for good. ``wait()`` waits for compilations
in flight. Compiled loops are kept on disk (numba's ``cache=True``) with their
generated source, keyed by the group's structure and dtype, under
``$NUMBA_CACHE_DIR/workbench_fusion`` when ``NUMBA_CACHE_DIR`` is set, else
``$XDG_CACHE_HOME/workbench/fusion`` (``~/.cache/workbench/fusion``); a later
process loads them instead of compiling.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import operator
import os
import subprocess
import sys
import tempfile
import threading

import numpy as np

from .. import hostcache
from .fusion import _CpuKernel, array_function

__all__ = ["available", "wanted", "EXACT", "TOLERANCE", "LOOP_ELEMENTS", "cache_dir", "stages", "Layout",
           "module_source", "NumbaKernel", "wait"]

# operations a compiled loop performs exactly as the NumPy ufuncs do (same bits)
EXACT = frozenset({"add", "subtract", "multiply", "true_divide", "negative", "reciprocal",
                   "square", "sqrt", "multiply_no_nan"})

# a group with other functions may still use the loop under WORKBENCH_FUSION=numba when every
# output is within TOLERANCE * eps * max|output| of the NumPy kernel's
TOLERANCE = 256

_EXPR = {
    "add": "{0} + {1}", "subtract": "{0} - {1}", "multiply": "{0} * {1}",
    "true_divide": "{0} / {1}", "negative": "-{0}", "reciprocal": "ONE / {0}",
    "square": "{0} * {0}", "sqrt": "np.sqrt({0})", "exp": "np.exp({0})",
    "expm1": "np.expm1({0})", "log": "np.log({0})", "log1p": "np.log1p({0})",
    "sin": "np.sin({0})", "cos": "np.cos({0})", "tanh": "np.tanh({0})",
    "multiply_no_nan": "ZERO if {1} == ZERO else {0} * {1}",
}

_DTYPES = ("float32", "float64")
_FORMAT = 2  # of the generated sources (part of their digest: a new format never meets old caches)

_state = {"available": None}
_pending: list = []          # compilations in flight (threads)
_pending_lock = threading.Lock()
_compile_lock = threading.Lock()  # one compilation at a time (they share the CPU with the program)
_loaded: dict = {}           # source digest -> its imported module, in this process
_loading: set = set()        # threads running numba in this process (loading from the cache)


def available() -> bool:
    """Whether numba can be imported (looked up once, without importing it)."""
    if _state["available"] is None:
        try:
            _state["available"] = importlib.util.find_spec("numba") is not None
        except (ImportError, ValueError):
            _state["available"] = False
    return _state["available"]


LOOP_ELEMENTS = 4096  # under WORKBENCH_FUSION=numba, groups up to this size: one loop, functions included


def wanted(compute, dtype, setting) -> bool:
    """Whether a CPU group of ``compute`` in ``dtype`` gets compiled loops under ``setting``
    (``"auto"``, ``"numba"`` or ``"numpy"``)."""
    return setting in ("auto", "numba") and np.dtype(dtype).name in _DTYPES and available()


def cache_dir() -> str:
    """Where generated sources and their compiled code are kept."""
    base = os.environ.get("NUMBA_CACHE_DIR")
    if base:
        return os.path.join(base, "workbench_fusion")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "workbench", "fusion")


def _literal(value, dtype) -> str:
    """``value`` rounded to ``dtype``, exactly, as Python source."""
    return f"T(float.fromhex({float(np.dtype(dtype).type(value)).hex()!r}))"


def stages(compute, whole):
    """The group's operations in stages, in an order their dependences allow: ``("loop",
    [j...])``, operations compiled into one loop, and ``("ufunc", j)``, one operation left
    to its NumPy ufunc. ``whole``: everything in one loop. Otherwise the operations in
    ``EXACT`` are compiled and the others are ufuncs: each loop takes every exact operation
    whose operands are ready, then each function whose operand is ready runs."""
    if whole:
        return [("loop", list(range(len(compute))))]
    ready = set()
    for _, operands, _ in compute:
        ready.update(id(a) for a in operands if not isinstance(a, (int, float)))
    ready -= {id(r) for _, _, r in compute}
    done = [False] * len(compute)
    out = []

    def can(operands):
        return all(isinstance(a, (int, float)) or id(a) in ready for a in operands)

    while not all(done):
        run = []
        for j, (name, operands, result) in enumerate(compute):
            if not done[j] and name in EXACT and can(operands):
                run.append(j)
                done[j] = True
                ready.add(id(result))
        if run:
            out.append(("loop", run))
        for j, (name, operands, result) in enumerate(compute):
            if not done[j] and name not in EXACT and can(operands):
                out.append(("ufunc", j))
                done[j] = True
                ready.add(id(result))
    return out


class Layout:
    """Where each value of a staged group lives: ``slot[id]`` indexes the arrays of a block
    (inputs, outputs, then registers: scratch blocks reused once their value is dead);
    values made and used inside one loop live in machine registers and have no slot."""

    def __init__(self, compute, inputs, out_refs, plan):
        ni, no = len(inputs), len(out_refs)
        self.slot = {id(h): k for k, h in enumerate(inputs)}
        self.slot.update({id(r): ni + k for k, r in enumerate(out_refs)})
        stage_of, last = {}, {}
        for s, (kind, what) in enumerate(plan):
            for j in (what if kind == "loop" else [what]):
                name, operands, result = compute[j]
                stage_of[id(result)] = s
                for a in operands:
                    if not isinstance(a, (int, float)):
                        last[id(a)] = max(last.get(id(a), -1), s)
        crossing = {v for v, s in last.items() if v in stage_of and s != stage_of[v]}
        for kind, what in plan:
            if kind == "ufunc":
                crossing.add(id(compute[what][2]))
        free, nregs, held = [], 0, []  # held: (last stage, register)
        for s, (kind, what) in enumerate(plan):
            for item in [x for x in held if x[0] < s]:  # dead before this stage: reusable
                held.remove(item)
                free.append(item[1])
            for j in (what if kind == "loop" else [what]):
                v = id(compute[j][2])
                if v in crossing and v not in self.slot:
                    r = free.pop() if free else nregs
                    nregs = max(nregs, r + 1)
                    self.slot[v] = ni + no + r
                    held.append((last.get(v, s), r))
        self.nregs = nregs


def module_source(compute, inputs, out_refs, scalar, fixed, dtype, plan, layout):
    """The Python source of a group's compiled loops: one function,
    ``kernel(stage, n, <scalars>, <array inputs>, <outputs>[, R])``, whose loop stage ``stage``
    runs over ``n`` elements (one function keeps compiling and loading from the cache to one
    unit however many stages there are). ``scalar[k]`` says that input ``k`` holds one value
    (passed as a Python float ``s<k>``); ``fixed[k]``, when not None, is the value of an input
    that never changes (written into the source); other inputs are arrays ``x<k>``; outputs are
    ``y<k>``, registers the rows of ``R``. Returns the source, the inputs passed as scalars and
    those passed as arrays."""
    dt = np.dtype(dtype).name
    ni, no = len(inputs), len(out_refs)
    head = [f"# a fused group of a wb.function program (workbench.compiler.fusion_numba, format {_FORMAT})",
            "import numpy as np", "import numba", "", f"T = np.{dt}", "ZERO = T(0)", "ONE = T(1)"]
    consts: dict = {}
    fixed_of = {id(h): fixed[k] for k, h in enumerate(inputs) if fixed[k] is not None}
    scal_ks = [k for k in range(ni) if scalar[k] and fixed[k] is None]
    arr_ks = [k for k in range(ni) if not scalar[k]]
    scalar_of = {id(inputs[k]): k for k in scal_ks}

    def const(value):
        text = _literal(value, dtype)
        if text not in consts:
            consts[text] = f"c{len(consts)}"
            head.append(f"{consts[text]} = {text}")
        return consts[text]

    def element(slot):
        if slot < ni:
            return f"x{slot}[i]"
        if slot < ni + no:
            return f"y{slot - ni}[i]"
        return f"R[{slot - ni - no}, i]"

    body = []
    first = True
    for s, (kind, what) in enumerate(plan):
        if kind != "loop":
            continue
        local, loads, ops, stores = {}, [], [], []

        def use(a):
            if isinstance(a, (int, float)):
                return const(a)
            v = id(a)
            if v not in local:
                if v in fixed_of:
                    local[v] = const(fixed_of[v])
                elif v in scalar_of:
                    local[v] = f"s{scalar_of[v]}"
                else:
                    local[v] = f"u{len(loads)}"
                    loads.append(f"            {local[v]} = {element(layout.slot[v])}")
            return local[v]

        for j in what:
            name, operands, result = compute[j]
            args = [use(a) for a in operands]
            local[id(result)] = f"v{j}"
            ops.append(f"            v{j} = {_EXPR[name].format(*args)}")
            if id(result) in layout.slot:
                stores.append(f"            {element(layout.slot[id(result)])} = v{j}")
        body += [f"    {'if' if first else 'elif'} stage == {s}:", "        for i in range(n):",
                 *loads, *ops, *stores]
        first = False
    params = (["stage", "n"] + [f"s{k}" for k in scal_ks] + [f"x{k}" for k in arr_ks]
              + [f"y{k}" for k in range(no)] + (["R"] if layout.nregs else []))
    lines = head + [
        "", "",
        '@numba.njit(cache=True, fastmath=False, error_model="numpy", nogil=True, boundscheck=False)',
        f"def kernel({', '.join(params)}):",
        *[f"    s{k} = T(s{k})" for k in scal_ks],
        *body,
        "",
    ]
    return "\n".join(lines), scal_ks, arr_ks


# compiles a generated module's kernel for one signature in a child process, leaving the
# machine code in numba's disk cache: argv = path, module name, signature
_CHILD = """
import importlib.util, sys
path, name, sig = sys.argv[1:4]
spec = importlib.util.spec_from_file_location(name, path)
module = sys.modules[name] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.kernel.compile(sig)
"""


def _load(source, signature):
    """The compiled ``kernel`` of a generated source. The source is written once under
    ``cache_dir()`` (named by its digest); a child process compiles it into numba's disk
    cache (so that compiling holds neither this process's interpreter lock nor its exit);
    this process then imports it and loads the machine code from the cache."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
    module = _loaded.get(digest)
    if module is None:
        folder = cache_dir()
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError:
            folder = os.path.join(tempfile.gettempdir(), f"workbench-fusion-{os.getuid()}")
            os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"fused_{digest}.py")
        try:
            with open(path) as f:
                same = f.read() == source
        except OSError:
            same = False
        if not same:
            tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
            with open(tmp, "w") as f:
                f.write(source)
            os.replace(tmp, path)
        name = f"workbench_fused_{digest}"
        if sys.executable:
            env = dict(os.environ)
            env.setdefault("OPENBLAS_NUM_THREADS", "1")
            child = subprocess.run([sys.executable, "-c", _CHILD, path, name, signature], env=env,
                                   capture_output=True, text=True)
            if child.returncode != 0:
                lines = (child.stderr or "").strip().splitlines()
                raise RuntimeError(lines[-1] if lines else f"exit status {child.returncode}")
        if _state.get("stopping"):
            raise RuntimeError("the process is exiting")
        with _pending_lock:
            _loading.add(threading.get_ident())
        spec = importlib.util.spec_from_file_location(name, path)
        module = sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _loaded[digest] = module
    else:
        with _pending_lock:
            _loading.add(threading.get_ident())
    fn = module.kernel
    if not fn.signatures:  # loaded from the cache the child filled (compiled here if it cannot be)
        fn.compile(signature)
        fn.disable_compile()  # other argument types: an error, not a compilation
    return fn


def wait(timeout=None):
    """Wait for the compilations in flight (for tests and measurements)."""
    with _pending_lock:
        threads = list(_pending)
    for t in threads:
        t.join(timeout)


class NumbaKernel(_CpuKernel):
    """A CPU group that runs the NumPy kernel until its compiled loops are ready and agree
    with it, and the loops from then on. ``backend`` says which runs (``"numpy"`` or
    ``"numba"``); ``whole`` whether the group is one loop (else its functions outside
    ``EXACT`` stay NumPy ufuncs between loops); ``bitwise`` whether the compiled kernel's
    results are the NumPy kernel's bit for bit; ``why`` why it is not used, when it is not."""

    def __init__(self, *args, fixed=(), setting="auto"):
        super().__init__(*args)
        exact = all(name in EXACT for name, _, _ in self.compute)
        self.whole = exact or (setting == "numba" and self.size <= LOOP_ELEMENTS)
        self.bitwise = exact or not self.whole
        self.backend = "numpy"
        self.why = "not compiled yet"
        self.source = None
        self._fixed_ids = frozenset(fixed)
        self._runs = 0
        self._ready = None   # the compiled stages, once loaded, until they are checked
        self._stages = None  # the compiled stages in use
        self._failed = None
        self._blocks = {}
        first = {}
        for h, r in self.binds:
            k = self._slot.get(id(r))
            if k is not None:
                first.setdefault(k, h)
        self._holder_of = [first[k] for k in range(len(self.out_refs))]

    def __repr__(self):
        return super().__repr__()[:-1] + f", {self.backend}>"

    def run(self):
        st = self._stages
        if st is not None:
            if tuple(map(_DATA, self._baked)) != self._baked_values:
                # a value written into the source as a constant changed (an argument returned
                # as an output looks like a constant to the plan): the NumPy kernel from now on
                self._stages, self.backend = None, "numpy"
                self.why = "a value taken for a constant changed between calls"
                _CpuKernel.run(self)
                return
            try:
                outs = self._run_compiled(st)
            except Exception as exc:  # noqa: BLE001 - e.g. arguments of a layout it was not built for
                _CpuKernel.run(self)  # when this fails too, the error is not the loops': it propagates
                self._stages, self.backend = None, "numpy"
                self.why = f"the compiled kernel failed: {type(exc).__name__}: {exc}"
                return
            self._bind(outs)
            return
        self._runs += 1
        if self._ready is not None:
            self._adopt()
            return
        if self._runs == 2 and self.source is None:
            self._start()
        elif self._failed is not None:
            self.why, self._failed = self._failed, None
        _CpuKernel.run(self)

    # -- compiling

    def _start(self):
        """Generate the loops and compile them in the background."""
        fixed = []
        for h, sc in zip(self.inputs, self.scalar):
            fixed.append(h._data.reshape(-1)[0] if sc and id(h) in self._fixed_ids else None)
        self._baked = tuple(h for h, f in zip(self.inputs, fixed) if f is not None)
        self._baked_values = tuple(map(_DATA, self._baked))
        plan = stages(self.compute, self.whole)
        layout = Layout(self.compute, self.inputs, self.out_refs, plan)
        self.source, scal_ks, arr_ks = module_source(self.compute, self.inputs, self.out_refs,
                                                     self.scalar, fixed, self.dtype, plan, layout)
        self.nstages = len(plan)
        self._nregs = layout.nregs
        self._scal_ks, self._arr_ks = scal_ks, arr_ks
        # the inputs a call reads (those written into the source are not, unless a ufunc does)
        ni = len(self.inputs)
        self._live = sorted(set(scal_ks) | set(arr_ks) | {
            layout.slot[id(self.compute[what][1][0])] for kind, what in plan if kind == "ufunc"
            if layout.slot[id(self.compute[what][1][0])] < ni})
        self.why = "compiling"
        source, dtype, nregs = self.source, self.dtype, layout.nregs
        nargs = len(arr_ks) + len(self.out_refs)

        def compile_():
            try:
                with _compile_lock:
                    if _state.get("stopping"):
                        raise RuntimeError("the process is exiting")
                    fn = _load(source, _signature(dtype, len(scal_ks), nargs, nregs))
                compiled = []
                for s, (kind, what) in enumerate(plan):
                    if kind == "ufunc":
                        name, (a,), result = self.compute[what]
                        compiled.append((array_function(name), layout.slot[id(a)],
                                         layout.slot[id(result)]))
                    else:
                        compiled.append((None, s, None))
                self._ready = (fn, compiled)
            except ImportError as exc:  # installed but not importable (a NumPy it does not support)
                _state["available"] = False
                self._failed = f"numba could not be imported: {exc}"
            except Exception as exc:  # noqa: BLE001 - loops that cannot be built are not used
                self._failed = f"numba could not compile the loops: {type(exc).__name__}: {exc}"
            finally:
                with _pending_lock:
                    _loading.discard(threading.get_ident())
                    if thread in _pending:
                        _pending.remove(thread)

        thread = threading.Thread(target=compile_, name="workbench-fusion-numba", daemon=True)
        with _pending_lock:
            _pending.append(thread)
        thread.start()

    # -- running

    def _run_compiled(self, compiled):
        fn, plan = compiled
        shape, dtype, n = self.shape, self.dtype, self.size
        outs = [hostcache.new(shape, dtype) for _ in self.out_refs]
        inputs = self.inputs
        flat_in = [None] * len(inputs)
        for k in self._live:
            flat_in[k] = _contiguous(self._operand(inputs[k]), shape)
        scal = tuple(float(flat_in[k]) for k in self._scal_ks)
        flat_out = [o.reshape(-1) for o in outs]
        arr_ks = self._arr_ks
        nregs = self._nregs
        block = n if len(plan) == 1 else self.block  # one loop: no blocks to keep in cache
        R, rows = self._scratch(min(block, n)) if nregs else (None, [])
        for lo in range(0, n, block):
            hi = min(lo + block, n)
            m = hi - lo
            if m == n:
                xs, ys = [flat_in[k] for k in arr_ks], flat_out
            else:
                xs, ys = [flat_in[k][lo:hi] for k in arr_ks], [o[lo:hi] for o in flat_out]
            args = (m, *scal, *xs, *ys, R) if nregs else (m, *scal, *xs, *ys)
            cur = None
            for f, a, d in plan:
                if f is None:
                    fn(a, *args)
                    continue
                if cur is None:  # the arrays of this block, for the functions left to NumPy
                    cur = ([x if x is None or x.ndim == 0 or m == n else x[lo:hi] for x in flat_in]
                           + list(ys) + (rows if not rows or m == len(rows[0]) else [r[:m] for r in rows]))
                f(cur[a], cur[d])
        return outs

    def _scratch(self, size):
        """The registers of the staged kernel: a ``(registers, size)`` block kept between
        calls, and its rows."""
        got = self._blocks.get(size)
        if got is None:
            R = np.empty((self._nregs, size), self.dtype)
            got = self._blocks[size] = (R, list(R))
        return got

    def _adopt(self):
        """The first run with the loops ready: run both kernels; keep the loops if they agree."""
        compiled, self._ready = self._ready, None
        _CpuKernel.run(self)
        want = [h._data for h in self._holder_of]
        try:
            got = self._run_compiled(compiled)
        except Exception as exc:  # noqa: BLE001
            self.why = f"the compiled kernel failed: {type(exc).__name__}: {exc}"
            return
        why = _disagreement(got, want, self.dtype, self.bitwise)
        if why is None:
            self._stages, self.backend, self.why = compiled, "numba", None
            self._regs = {}  # the NumPy kernel's scratch blocks
        else:
            self.why = why


_DATA = operator.attrgetter("_data")


def _contiguous(x, shape):
    """A 0-d operand as it is; any other as a C-contiguous 1-D array (copied only when its
    layout needs it: a broadcast or strided one)."""
    if x.ndim == 0:
        return x
    if x.flags.c_contiguous:
        return x.reshape(-1)
    return np.ascontiguousarray(np.broadcast_to(x, shape)).reshape(-1)


def _stop():
    """At exit: start no more compilations, and let the loads in flight finish (numba's code
    must not run while the interpreter and LLVM shut down); a child process still compiling
    is left to finish and fill the cache."""
    _state["stopping"] = True
    with _pending_lock:
        threads = [t for t in _pending if t.ident in _loading]
    for t in threads:
        t.join(20)


atexit.register(_stop)


def _after_fork():
    """In a forked child no compilation is in flight (its thread stayed in the parent)."""
    global _pending_lock, _compile_lock
    _pending_lock, _compile_lock = threading.Lock(), threading.Lock()
    _pending.clear()
    _loading.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _signature(dtype, nscalars, narrays, nregs):
    """numba's signature of a group's ``kernel``, as text."""
    t = np.dtype(dtype).name
    args = ["intp", "intp"] + ["float64"] * nscalars + [f"{t}[::1]"] * narrays
    return f"({', '.join(args + ([f'{t}[:, ::1]'] if nregs else []))})"


def _disagreement(got, want, dtype, bitwise):
    """Why the loop's results ``got`` cannot stand for the NumPy kernel's ``want``, or None."""
    tol = TOLERANCE * float(np.finfo(dtype).eps)
    for k, (a, b) in enumerate(zip(got, want)):
        if np.array_equal(a, b, equal_nan=True):
            continue
        if bitwise:
            return f"output {k} of the compiled loop differs from the NumPy kernel's"
        finite = np.isfinite(b)
        if not np.array_equal(finite, np.isfinite(a)) or not np.array_equal(a[~finite], b[~finite],
                                                                            equal_nan=True):
            return f"output {k} of the compiled loop differs from the NumPy kernel's where it is not finite"
        scale = float(np.max(np.abs(b[finite]), initial=0.0))
        err = float(np.max(np.abs(a[finite].astype(np.float64) - b[finite]), initial=0.0))
        if err > tol * scale:
            return (f"output {k} of the compiled loop differs from the NumPy kernel's by {err:.3g} "
                    f"(more than {TOLERANCE} eps times its largest magnitude {scale:.3g})")
    return None
