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
  functions whose operands are ready, and so on (``stages``). But a group of at
  most ``LOOP_ELEMENTS`` elements with at least ``AUTO_FUNCTIONS`` functions is one
  loop, functions included, as under ``numba`` (and to its tolerance): staged, each
  of its functions would cost a ufunc call and a loop call (W1's 200-op chain on
  16 values: 161 calls a step instead of one).
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

A ``reduce_sum``, ``reduce_mean`` or ``reduce_max`` over all axes or the last one, of a value
the group computes, ends the group when the group is one loop (one per group; ``fusion.Tail``):
the loop accumulates it leaf by leaf instead of writing the value out (the value is not stored
at all when only the reduction reads it). With ``STAGED_REDUCTIONS`` a staged group's last
stage sums over each block (blocks end where leaves end, partial sums carried between them). Sums add
in NumPy's pairwise order (``reduction_program``: leaves of at most 128 values with 8
accumulators, halved at multiples of 8), so they are eager's bits in ``auto`` too; a mean
divides that sum by the count in float64 as ``np.mean`` does; a maximum keeps NaN. Under
``numba`` a whole loop's functions make its summands differ by a few ulp, and the reduction is
compared with the NumPy kernel's to ``TOLERANCE`` eps times the sum of the magnitudes. The
NumPy kernel runs the op's own forward on the value, as the step did.

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

__all__ = ["available", "wanted", "EXACT", "TOLERANCE", "LOOP_ELEMENTS", "AUTO_FUNCTIONS", "whole_loop", "cache_dir", "stages", "Layout",
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

# under WORKBENCH_FUSION=auto, a group of at most LOOP_ELEMENTS elements with at least this many
# functions outside EXACT is one loop too (to TOLERANCE): staged, it would cost a ufunc call and
# a loop call per function (W1's 200-op chain on 16 values: 61 loop calls and 100 ufunc calls
# per step, against one call)
AUTO_FUNCTIONS = 16


def whole_loop(compute, size, setting) -> bool:
    """Whether a CPU group of ``compute`` over ``size`` elements is one compiled loop, its
    functions included, under ``setting`` (else its functions stay NumPy ufuncs between loops)."""
    functions = sum(name not in EXACT for name, _, _ in compute)
    if functions == 0:
        return True
    if size > LOOP_ELEMENTS:
        return False
    return setting == "numba" or (setting == "auto" and functions >= AUTO_FUNCTIONS)


# a staged group (functions left to NumPy between loops) may end with a reduction too, summed in
# a last stage over each block; off: on this project's machine it gained nothing on W3 (10M
# values: 1.01x and 1.04x of the time without it under auto and numba, 21 alternating blocks)
# and cost W1's 61-stage group 8% (every stage call passes the reduction's arguments)
STAGED_REDUCTIONS = False


def takes_reduction(compute, size, setting) -> bool:
    """Whether a CPU group of ``compute`` over ``size`` elements ends with the reduction that
    follows it (``fusion.Tail``): when it is one compiled loop (``NumbaKernel.whole``), or
    staged with ``STAGED_REDUCTIONS``."""
    return whole_loop(compute, size, setting) or STAGED_REDUCTIONS


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

    def __init__(self, compute, inputs, out_refs, plan, reduced=None):
        ni, no = len(inputs), len(out_refs)
        self.slot = {id(h): k for k, h in enumerate(inputs)}
        self.slot.update({id(r): ni + k for k, r in enumerate(out_refs)})
        stage_of, last = {}, {}
        for s, (kind, what) in enumerate(plan):
            if kind == "reduce":  # reads ``reduced``, computed in an earlier stage
                last[id(reduced)] = s
                continue
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
            for j in (what if kind == "loop" else [what] if kind == "ufunc" else []):
                v = id(compute[j][2])
                if v in crossing and v not in self.slot:
                    r = free.pop() if free else nregs
                    nregs = max(nregs, r + 1)
                    self.slot[v] = ni + no + r
                    held.append((last.get(v, s), r))
        self.nregs = nregs


def module_source(compute, inputs, out_refs, scalar, fixed, dtype, plan, layout, tail=None):
    """The Python source of a group's compiled loops: one function,
    ``kernel(stage, n, <scalars>, <array inputs>, <outputs>[, R])``, whose loop stage ``stage``
    runs over ``n`` elements (one function keeps compiling and loading from the cache to one
    unit however many stages there are). ``scalar[k]`` says that input ``k`` holds one value
    (passed as a Python float ``s<k>``); ``fixed[k]``, when not None, is the value of an input
    that never changes (written into the source); other inputs are arrays ``x<k>``; outputs are
    ``y<k>``, registers the rows of ``R``. Returns the source, the inputs passed as scalars and
    those passed as arrays.

    With ``tail`` (a ``fusion.Tail``), the kernel also reduces the group's value ``tail.src``
    and takes ``base, p0, p1, P, S, SP, Z`` after ``n``: the stage that reduces (the one loop
    of a whole group, else a last ``("reduce", None)`` stage reading the value's slot) runs the
    entries ``p0:p1`` of the reduction program ``P`` (``reduction_program``) over the block
    starting at element ``base``; ``S`` holds a leaf's values (a whole group's loop) and the
    stack of partial results (from ``STACK``, its top in ``SP[0]``) between calls; ``Z`` the
    reduced rows. Sums add as NumPy's pairwise summation does, so that they are its bits."""
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

    def element(slot, i="i"):
        if slot < ni:
            return f"x{slot}[{i}]"
        if slot < ni + no:
            return f"y{slot - ni}[{i}]"
        return f"R[{slot - ni - no}, {i}]"

    body = []
    first = True
    for s, (kind, what) in enumerate(plan):
        if kind == "reduce":
            slot = layout.slot[id(tail.src)]
            body += [f"    {'if' if first else 'elif'} stage == {s}:",
                     *_reduction_loop(tail, dtype, lambda i: element(slot, i), [])]
            first = False
            continue
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
        if tail is not None and plan[-1][0] != "reduce":  # a whole group: its one loop reduces too
            each = ["        " + line for line in loads + ops + stores] + [
                f"                    S[i - a] = {local[id(tail.src)]}"]
            body += [f"    {'if' if first else 'elif'} stage == {s}:",
                     *_reduction_loop(tail, dtype, lambda i: f"S[{i} - a]", each)]
        else:
            body += [f"    {'if' if first else 'elif'} stage == {s}:", "        for i in range(n):",
                     *loads, *ops, *stores]
        first = False
    params = (["stage", "n"] + (["base", "p0", "p1", "P", "S", "SP", "Z"] if tail is not None else [])
              + [f"s{k}" for k in scal_ks] + [f"x{k}" for k in arr_ks]
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


STACK = 128  # where the stack of partial results starts in a reducing kernel's ``S`` (a leaf's values before)
_LEAF = 128   # NumPy's pairwise summation adds blocks of at most this many values with 8 accumulators


def _reduction_loop(tail, dtype, elem, each):
    """The lines of a reducing stage (see ``module_source``): ``elem(i)`` is element ``i``'s
    value as source; ``each`` the lines that compute elements ``a..a+m`` of a leaf into
    ``S`` first (a whole group's loop), when not empty."""
    kind = tail.kind
    lines = ["        sp = SP[0]", "        for p in range(p0, p1):", "            if P[p, 0] == 1:",
             "                sp -= 1"]
    if kind == "max":  # NumPy's maximum: the first operand unless the second is larger or NaN
        lines += ["                u = S[sp]", "                if not (S[sp - 1] >= u or S[sp - 1] != S[sp - 1]):",
                  "                    S[sp - 1] = u"]
    else:
        lines += ["                S[sp - 1] = S[sp - 1] + S[sp]"]
    if kind == "sum":
        final = "ZERO + S[sp]"  # NumPy starts the reduction from the identity
    elif kind == "mean":  # NumPy's mean: the sum over the count, in float64
        final = "T(np.float64(ZERO + S[sp]) / np.float64(P[p, 2]))"
    else:
        final = "S[sp]"
    lines += ["            elif P[p, 0] == 2:", "                sp -= 1", f"                Z[P[p, 1]] = {final}",
              "            else:", "                a = P[p, 1] - base", "                m = P[p, 2]"]
    if each:
        lines += ["                for i in range(a, a + m):", *each]
    if kind == "max":
        lines += [f"                acc = {elem('a')}", "                for i in range(a + 1, a + m):",
                  f"                    u = {elem('i')}", "                    if not (acc >= u or acc != acc):",
                  "                        acc = u"]
    else:
        adds = [f"r{j} = r{j} + {elem(f'i + {j}')}" for j in range(8)]
        lines += ["                if m < 8:", "                    acc = ZERO",
                  "                    for i in range(a, a + m):", f"                        acc = acc + {elem('i')}",
                  "                else:",
                  *[f"                    r{j} = {elem(f'a + {j}')}" for j in range(8)],
                  "                    b = a + m - m % 8",
                  "                    for i in range(a + 8, b, 8):",
                  *[f"                        {line}" for line in adds],
                  "                    acc = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))",
                  "                    for i in range(b, a + m):", f"                        acc = acc + {elem('i')}"]
    lines += ["                S[sp] = acc", "                sp += 1", "        SP[0] = sp"]
    return lines


def _pairwise(n):
    """NumPy's pairwise summation of ``n`` values as a program (rows ``(1, 0, 0)``: add the two
    partial results on top of the stack; ``(0, start, m)``: the leaf of ``m`` values from
    ``start``, pushed), built once per length."""
    got = _PAIRWISE.get(n)
    if got is None:
        if n <= _LEAF:
            got = np.array([[0, 0, n]], dtype=np.intp)
        else:
            n2 = n // 2
            n2 -= n2 % 8
            right = _pairwise(n - n2).copy()
            right[right[:, 0] == 0, 1] += n2
            got = np.concatenate([_pairwise(n2), right, np.array([[1, 0, 0]], dtype=np.intp)])
        _PAIRWISE[n] = got
    return got


_PAIRWISE: dict = {}


def reduction_program(rows, cols):
    """The program of a reduction of ``rows`` rows of ``cols`` values each (all the values: one
    row): each row's pairwise summation, then ``(2, row, cols)``: pop its result into ``Z[row]``
    (a mean divides by ``cols``)."""
    one = _pairwise(cols)
    parts = []
    for row in range(rows):
        part = one.copy()
        part[part[:, 0] == 0, 1] += row * cols
        parts += [part, np.array([[2, row, cols]], dtype=np.intp)]
    return np.ascontiguousarray(np.concatenate(parts))


def reduction_blocks(program, n, block):
    """``[(lo, hi, p0, p1)]``: blocks of about ``block`` elements that end where a leaf ends, and
    the program entries each runs (the last block runs those after the last leaf too)."""
    leaf = np.flatnonzero(program[:, 0] == 0)
    ends = program[leaf, 1] + program[leaf, 2]
    out, lo, p0 = [], 0, 0
    while lo < n:
        k = int(np.searchsorted(ends, lo + block, side="left"))
        if k >= len(leaf) - 1:
            out.append((lo, n, p0, len(program)))
            break
        hi, p1 = int(ends[k]), int(leaf[k]) + 1
        out.append((lo, hi, p0, p1))
        lo, p0 = hi, p1
    return out


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

    def __init__(self, *args, fixed=(), setting="auto", tail=None):
        out_refs = args[3]
        # a value only the reduction reads is one more array of the NumPy kernel (which reduces
        # it with the op's forward), and none of a compiled loop's (which accumulates it)
        tail_only = tail is not None and not any(r is tail.src for r in out_refs)
        if tail_only:
            args = args[:3] + (list(out_refs) + [tail.src],) + args[4:]
        super().__init__(*args)
        self._all_refs, self.out_refs = self.out_refs, out_refs
        self.tail = tail  # a reduction that ends the group (fusion.Tail), or None
        self._tail_only = tail_only
        self._tail_slot = (None if tail is None else
                           next(k for k, r in enumerate(self._all_refs) if r is tail.src))
        exact = all(name in EXACT for name, _, _ in self.compute)
        self.whole = whole_loop(self.compute, self.size, setting)
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
        self._holder_of = [first.get(k) for k in range(len(self._all_refs))]
        self._numpy_outs = None

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
                outs, reduced = self._run_compiled(st)
            except Exception as exc:  # noqa: BLE001 - e.g. arguments of a layout it was not built for
                _CpuKernel.run(self)  # when this fails too, the error is not the loops': it propagates
                self._stages, self.backend = None, "numpy"
                self.why = f"the compiled kernel failed: {type(exc).__name__}: {exc}"
                return
            self._bind(outs, reduced)
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
        tail = self.tail
        # the outputs a compiled loop writes (not a value only the reduction reads)
        kept = [k for k in range(len(self._all_refs)) if not (self._tail_only and k == self._tail_slot)]
        self._kept = kept
        out_refs = [self._all_refs[k] for k in kept]
        if tail is not None:
            if not self.whole:
                plan.append(("reduce", None))
            self._program = reduction_program(tail.rows, tail.cols)
            self._tail_blocks = (reduction_blocks(self._program, self.size, self.block) if not self.whole
                                 else [(0, self.size, 0, len(self._program))])
        layout = Layout(self.compute, self.inputs, out_refs, plan, tail.src if tail is not None else None)
        self.source, scal_ks, arr_ks = module_source(self.compute, self.inputs, out_refs,
                                                     self.scalar, fixed, self.dtype, plan, layout, tail)
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
        nargs = len(arr_ks) + len(out_refs)

        def compile_():
            try:
                with _compile_lock:
                    if _state.get("stopping"):
                        raise RuntimeError("the process is exiting")
                    fn = _load(source, _signature(dtype, len(scal_ks), nargs, nregs, tail is not None))
                compiled = []
                for s, (kind, what) in enumerate(plan):
                    if kind == "ufunc":  # a reduce stage is a compiled one
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
        """The compiled kernel's outputs (None for a value only the reduction reads) and the
        reduction's result (None without one)."""
        fn, plan = compiled
        shape, dtype, n = self.shape, self.dtype, self.size
        outs = [None] * len(self._all_refs)
        for k in self._kept:
            outs[k] = hostcache.new(shape, dtype)
        inputs = self.inputs
        flat_in = [None] * len(inputs)
        for k in self._live:
            flat_in[k] = _contiguous(self._operand(inputs[k]), shape)
        scal = tuple(float(flat_in[k]) for k in self._scal_ks)
        flat_out = [outs[k].reshape(-1) for k in self._kept]
        arr_ks = self._arr_ks
        nregs = self._nregs
        tail = self.tail
        if tail is not None:
            blocks = self._tail_blocks
            Z = np.empty(tail.rows, dtype)
            S, SP = self._tail_scratch()
            SP[0] = STACK
            P = self._program
            longest = max(hi - lo for lo, hi, _, _ in blocks)
        else:
            block = n if len(plan) == 1 else self.block  # one loop: no blocks to keep in cache
            blocks = [(lo, min(lo + block, n), 0, 0) for lo in range(0, n, block)]
            longest = min(block, n)
        R, rows = self._scratch(longest) if nregs else (None, [])
        for lo, hi, p0, p1 in blocks:
            m = hi - lo
            if m == n:
                xs, ys = [flat_in[k] for k in arr_ks], flat_out
            else:
                xs, ys = [flat_in[k][lo:hi] for k in arr_ks], [o[lo:hi] for o in flat_out]
            head = (m, lo, p0, p1, P, S, SP, Z) if tail is not None else (m,)
            args = (*head, *scal, *xs, *ys, R) if nregs else (*head, *scal, *xs, *ys)
            cur = None
            for f, a, d in plan:
                if f is None:
                    fn(a, *args)
                    continue
                if cur is None:  # the arrays of this block, for the functions left to NumPy
                    cur = ([x if x is None or x.ndim == 0 or m == n else x[lo:hi] for x in flat_in]
                           + list(ys) + (rows if not rows or m == len(rows[0]) else [r[:m] for r in rows]))
                f(cur[a], cur[d])
        if tail is None:
            return outs, None
        return outs, (Z[0] if tail.scalar else Z.reshape(tail.shape))

    def _tail_scratch(self):
        """The reduction's leaf values and stack (``S``) and its stack pointer (``SP``), kept
        between calls."""
        got = self._blocks.get("tail")
        if got is None:
            got = self._blocks["tail"] = (np.empty(STACK + 128, self.dtype), np.zeros(1, np.intp))
        return got

    def _bind(self, outs, reduced=None):
        """Give the holders their values; with a reduction, also its result (the eager forward
        on the NumPy kernel's array when the compiled kernel did not compute it)."""
        _CpuKernel._bind(self, outs)
        tail = self.tail
        if tail is not None:
            if reduced is None:
                self._numpy_outs = outs
                reduced = tail.reduce(outs[self._tail_slot])
            tail.res._data = reduced

    def check(self):
        """As the NumPy kernel's check, and the reduction's result must be the trace's too."""
        tail = self.tail
        if tail is None:
            return _CpuKernel.check(self)
        from .fusion import _Reject  # circular import
        old = tail.res._data
        try:
            _CpuKernel.check(self)
            new = tail.res._data
            if (type(new) is not type(old) or np.shape(new) != np.shape(old)
                    or not np.array_equal(new, old, equal_nan=True)):
                raise _Reject(f"the fused reduction differs from the step's ({tail.res!r:.40})")
        except Exception:
            tail.res._data = old
            raise
        finally:
            self._numpy_outs = None

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
        want = [h._data if h is not None else None for h in self._holder_of]
        tail, numpy_outs, self._numpy_outs = self.tail, self._numpy_outs, None
        try:
            got, reduced = self._run_compiled(compiled)
        except Exception as exc:  # noqa: BLE001
            self.why = f"the compiled kernel failed: {type(exc).__name__}: {exc}"
            return
        keep = [k for k in range(len(got)) if got[k] is not None and want[k] is not None]
        why = _disagreement([got[k] for k in keep], [want[k] for k in keep], self.dtype, self.bitwise)
        if why is None and tail is not None:
            # a sum's rounding error scales with the sum of magnitudes, not with the result
            src = numpy_outs[self._tail_slot]
            scale = (None if tail.kind == "max" else
                     float(np.sum(np.abs(src, dtype=np.float64))) / (tail.cols if tail.kind == "mean" else 1))
            why = _disagreement([np.asarray(reduced)], [np.asarray(tail.res._data)], self.dtype,
                                self.bitwise, scale, "the reduction")
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


def _signature(dtype, nscalars, narrays, nregs, tail=False):
    """numba's signature of a group's ``kernel``, as text."""
    t = np.dtype(dtype).name
    args = (["intp", "intp"] + (["intp", "intp", "intp", "intp[:, ::1]", f"{t}[::1]", "intp[::1]", f"{t}[::1]"]
                                if tail else [])
            + ["float64"] * nscalars + [f"{t}[::1]"] * narrays)
    return f"({', '.join(args + ([f'{t}[:, ::1]'] if nregs else []))})"


def _disagreement(got, want, dtype, bitwise, scale=None, what=None):
    """Why the loop's results ``got`` cannot stand for the NumPy kernel's ``want``, or None
    (``scale``: the magnitude errors are measured against, else the largest of each output)."""
    tol = TOLERANCE * float(np.finfo(dtype).eps)
    for k, (a, b) in enumerate(zip(got, want)):
        if np.array_equal(a, b, equal_nan=True):
            continue
        name = what or f"output {k}"
        if bitwise:
            return f"{name} of the compiled loop differs from the NumPy kernel's"
        finite = np.isfinite(b)
        if not np.array_equal(finite, np.isfinite(a)) or not np.array_equal(a[~finite], b[~finite],
                                                                            equal_nan=True):
            return f"{name} of the compiled loop differs from the NumPy kernel's where it is not finite"
        size = float(np.max(np.abs(b[finite]), initial=0.0)) if scale is None else scale
        err = float(np.max(np.abs(a[finite].astype(np.float64) - b[finite]), initial=0.0))
        if err > tol * size:
            return (f"{name} of the compiled loop differs from the NumPy kernel's by {err:.3g} "
                    f"(more than {TOLERANCE} eps times {'its largest magnitude' if scale is None else 'the sum of the magnitudes'} "
                    f"{size:.3g})")
    return None
