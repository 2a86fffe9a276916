"""Round-robin timing of competitors, result checks, and a description of the machine.

This machine's speed drifts (up to 2x within seconds), so competitors are never
timed one after the other. Each round times every competitor once, on a block
of iterations sized to about ``block_s``; ratios to the limit are taken within
a round, where the drift is shared, and summarised over rounds (median, IQR,
min–max).
"""

from __future__ import annotations

import contextlib
import functools
import datetime
import importlib
import importlib.metadata
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import COMPETITORS, LABELS

OPTIONAL = {"torch": "torch", "jax": "jax", "tensorflow": "tensorflow", "onnxruntime": "onnxruntime"}


def _nothing():
    pass


class Env:
    """Where the competitors run: ``Env("cpu")`` or ``Env("gpu")``.

    ``xp`` is the limit's array module; ``torch_device`` and ``wb_device`` name
    the same device for PyTorch and workbench. ``matmul`` is the limit's matrix product:
    on a CPU the fastest BLAS measured on this machine (``limit_blas``: ``"auto"`` picks it
    with ``workbench.ops.blas``; ``"numpy"``, ``"mkl"``, ``"blis"`` name one), on a GPU
    CuPy's. ``comm`` is the MPI communicator when the workload runs in several processes
    (each competitor's step then runs in all of them at once); None in one process.
    """

    def __init__(self, device: str = "cpu", threads: int = 0, limit_blas: str = "numpy", comm=None):
        self.threads = threads  # 0: each library's default
        self.gpu = device.startswith("gpu")
        self.wb_device = "gpu:0" if self.gpu else "cpu"
        self.torch_device = "cuda" if self.gpu else "cpu"
        self.comm = comm
        self.blas_choice = None   # auto's measurements, when it measured
        if self.gpu:
            import cupy
            self.xp = cupy
            self.limit_blas = "cupy"
            self.matmul = cupy.matmul
        else:
            self.xp = np
            from workbench.ops import blas
            if limit_blas == "auto":
                self.blas_choice = blas.choice()
                limit_blas = self.blas_choice["choice"]
            self.limit_blas = limit_blas
            self.matmul = blas.matmul_function(limit_blas)

    @property
    def rank(self) -> int:
        return 0 if self.comm is None else self.comm.rank

    @property
    def size(self) -> int:
        return 1 if self.comm is None else self.comm.size

    def agree_max(self, value):
        """The largest of the processes' ``value`` (``value`` itself in one process): what the
        processes of one workload decide together (block sizes, checks)."""
        if self.comm is None:
            return value
        from mpi4py import MPI
        return self.comm.allreduce(value, op=MPI.MAX)

    @property
    def limit_label(self) -> str:
        return "cupy" if self.gpu else "numpy"

    def label(self, name: str) -> str:
        return self.limit_label if name == "limit" else LABELS.get(name, name)

    def sync(self, name: str) -> Callable[[], None]:
        """A function that waits for ``name``'s queued device work (nothing to wait for on a CPU)."""
        if not self.gpu:
            return _nothing if self.comm is None else self.comm.Barrier
        if name in ("workbench", "workbench_fn", "limit"):
            return self.xp.cuda.Device().synchronize
        if name == "torch":
            import torch
            return torch.cuda.synchronize
        if name == "tensorflow":
            import tensorflow as tf
            return getattr(tf.test.experimental, "sync_devices", _nothing)
        return _nothing  # jax steps block on their own results

    def to_numpy(self, x) -> np.ndarray:
        """A NumPy copy of a result from any competitor."""
        mod = type(x).__module__
        if mod.startswith("torch"):
            return x.detach().cpu().numpy()
        if mod.startswith("cupy"):
            return x.get()
        if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
            return np.asarray(x.numpy())
        return np.asarray(x)


def importable(name: str) -> bool:
    """Whether the optional competitor ``name`` can be imported (imports it)."""
    if name not in OPTIONAL:
        return True
    try:
        importlib.import_module(OPTIONAL[name])
        return True
    except Exception:
        return False


@dataclass
class Competitor:
    name: str                 # "workbench", "limit", "torch", ...
    label: str                # how tables show it ("numpy" for the limit on a CPU)
    step: Callable[[], object]
    sync: Callable[[], None]
    iterations: int = 1       # per timed block, set by calibrate
    times: list = field(default_factory=list)  # seconds per iteration, one per round
    check: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# checking that competitors compute the same thing


def compare(results, reference, env, rtol, atol) -> dict:
    """Compare a competitor's results with the limit's, output by output.

    An output agrees when ``|a - b| <= atol * max|b| + rtol * |b|`` everywhere;
    ``max_error`` is the largest ``|a - b| / max|b|`` over the outputs.
    """
    results = _as_tuple(results)
    reference = _as_tuple(reference)
    if len(results) != len(reference):
        return {"ok": False, "why": f"{len(results)} outputs, the limit gives {len(reference)}"}
    worst = 0.0
    for i, (a, b) in enumerate(zip(results, reference)):
        a = env.to_numpy(a).astype(np.float64)
        b = env.to_numpy(b).astype(np.float64)
        if a.shape != b.shape:
            return {"ok": False, "why": f"output {i} has shape {a.shape}, the limit's {b.shape}"}
        scale = float(np.max(np.abs(b))) if b.size else 0.0
        scale = scale if scale > 0 else 1.0
        diff = np.abs(a - b)
        if not np.all(np.isfinite(a)):
            return {"ok": False, "why": f"output {i} is not finite"}
        worst = max(worst, float(np.max(diff)) / scale if diff.size else 0.0)
        if not np.all(diff <= atol * scale + rtol * np.abs(b)):
            return {"ok": False, "max_error": worst,
                    "why": f"output {i} differs from the limit's by up to {float(np.max(diff)):.3g} "
                           f"(largest |value| {scale:.3g})"}
    return {"ok": True, "max_error": worst}


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


# ---------------------------------------------------------------------------
# timing


def _time_block(comp: Competitor, n: int) -> float:
    """Seconds for ``n`` iterations, device work included."""
    step, sync = comp.step, comp.sync
    sync()
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    sync()
    return time.perf_counter() - t0


def calibrate(comp: Competitor, block_s: float, agree=None) -> int:
    """The number of iterations that takes about ``block_s`` seconds (at least 1); with
    ``agree`` (``Env.agree_max``), the slowest process's time decides, so that all processes
    of a workload run the same number."""
    n = 1
    while True:
        dt = _time_block(comp, n)
        if agree is not None:
            dt = agree(dt)
        if dt >= 0.5 * block_s or n >= 1 << 22:
            return max(1, round(n * block_s / dt)) if dt > 0 else n
        n = n * 2 if dt <= 0 else max(n * 2, int(n * 0.6 * block_s / dt))


def round_robin(comps: list, rounds: int) -> None:
    """Time each competitor once per round; the starting competitor rotates between rounds."""
    k = len(comps)
    for r in range(rounds):
        for j in range(k):
            comp = comps[(r + j) % k]
            comp.times.append(_time_block(comp, comp.iterations) / comp.iterations)


def spread(values) -> dict:
    """Median, quartiles and range of ``values``."""
    v = np.asarray(values, dtype=np.float64)
    q25, med, q75 = np.percentile(v, [25, 50, 75])
    return {"median": float(med), "q25": float(q25), "q75": float(q75),
            "min": float(v.min()), "max": float(v.max())}


# ---------------------------------------------------------------------------
# one workload


@contextlib.contextmanager
def strict(name: str):
    """For ``workbench_fn``: a ``wb.function`` that falls back to eager raises instead of
    warning (a benchmark of the traced path must run the traced path)."""
    if name != "workbench_fn":
        yield
        return
    from workbench.compiler import UnreplayableWarning
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        yield


def _warm_step(comp: Competitor, results: dict) -> bool:
    """Run one step of ``comp`` into ``results``; False (and a failed check) when its
    ``wb.function`` would run eagerly."""
    from workbench.compiler import UnreplayableWarning
    try:
        with strict(comp.name):
            results[comp.name] = comp.step()
        return True
    except UnreplayableWarning as e:
        comp.check = {"ok": False, "why": f"wb.function falls back to eager: {e}"}
        return False


def workbench_builders(make_step):
    """A workload's ``build_workbench`` and ``build_workbench_fn`` from ``make_step(inputs,
    cfg, env, label) -> (step, args)``: the step run eagerly, and the same step under
    ``wb.function``, both on the workload's arguments."""
    def build_workbench(inputs, cfg, env):
        step, args = make_step(inputs, cfg, env, "workbench")
        return functools.partial(step, *args)

    def build_workbench_fn(inputs, cfg, env):
        import workbench as wb
        step, args = make_step(inputs, cfg, env, "workbench.function")
        return functools.partial(wb.function(step), *args)
    return build_workbench, build_workbench_fn


def build(mod, names, quick: bool, env: Env, seed: int = 0):
    """Build the competitors ``names`` that ``mod`` supports; returns (competitors, skipped)."""
    cfg = mod.CONFIGS["quick" if quick else "full"]
    inputs = mod.make_inputs(cfg, np.random.default_rng(seed))
    comps, skipped = [], {}
    for name in names:
        builder = getattr(mod, f"build_{name}", None)
        if builder is None:
            skipped[name] = "not written for this workload"
            continue
        if not importable(name):
            skipped[name] = "not importable"
            continue
        if name == "torch" and env.threads:
            import torch
            torch.set_num_threads(env.threads)
        if name in ("workbench", "workbench_fn"):
            import workbench as wb
            with wb.device(env.wb_device), strict(name):
                step = builder(inputs, cfg, env)
        else:
            try:
                step = builder(inputs, cfg, env)
            except ImportError as exc:   # a peer's own dependency (e.g. keras for W8's) is missing
                skipped[name] = f"not importable ({exc})"
                continue
        comps.append(Competitor(name, env.label(name), step, env.sync(name)))
    return cfg, comps, skipped


def run_workload(mod, names=COMPETITORS, quick=False, rounds=15, block_s=0.1,
                 env: Env | None = None, log=print) -> dict:
    """Check and time one workload; returns its JSON record."""
    env = env or Env("cpu")
    names = ["limit"] + [n for n in names if n != "limit"]  # the limit is always there
    cfg, comps, skipped = build(mod, names, quick, env)
    # The first step of every competitor starts from the same inputs: compare those.
    first = {}
    ran = [c for c in comps if _warm_step(c, first)]
    for c in ran:
        c.sync()
    reference = first["limit"]
    for c in ran:
        c.check = (compare(first[c.name], reference, env, mod.RTOL, mod.ATOL)
                   if c.name != "limit" else {"ok": True, "max_error": 0.0})
        if env.comm is not None and env.agree_max(not c.check["ok"]) and c.check["ok"]:
            c.check = {"ok": False, "why": "another process's results disagree with the limit's"}
    # A second warm-up (caches, allocator pools, lazy compilation). A wb.function traced on
    # its first call replays on this one: compare the replay with the limit's second step.
    second = {}
    for c in [c for c in ran if c.check["ok"]]:
        if _warm_step(c, second) and c.name == "workbench_fn" and "limit" in second:
            replay = compare(second[c.name], second["limit"], env, mod.RTOL, mod.ATOL)
            if env.comm is not None and env.agree_max(not replay["ok"]) and replay["ok"]:
                replay = {"ok": False, "why": "another process's replay disagrees with the limit's"}
            c.check["replay"] = replay
            if not replay["ok"]:
                c.check.update(ok=False, why=f"second call (replay): {replay['why']}")
    for c in comps:
        if not c.check["ok"]:
            log(f"  {mod.KEY}: {c.label} does not agree with the limit: {c.check['why']}")
    # a wb.function's fused groups compile in the background from its first replay (when
    # numba is installed): time the kernels it settles on, not the compilation
    compiling = sys.modules.get("workbench.compiler.fusion_numba")
    if compiling is not None:
        compiling.wait()
    timed = [c for c in comps if c.check["ok"]]
    for c in timed:
        with strict(c.name):
            c.iterations = calibrate(c, block_s, env.agree_max if env.comm is not None else None)
    round_robin(timed, rounds)
    return _record(mod, cfg, comps, timed, skipped, quick)


def _record(mod, cfg, comps, timed, skipped, quick) -> dict:
    label, scale = mod.UNIT(cfg) if callable(mod.UNIT) else mod.UNIT
    peer, max_ratio = mod.TARGET
    rec = {
        "key": mod.KEY, "title": mod.TITLE, "description": mod.DESCRIPTION,
        "config": cfg, "quick": quick,
        "unit": label, "unit_scale": scale,
        "competitors": {}, "skipped": skipped, "ratios": {},
    }
    if hasattr(mod, "variant"):
        rec["workbench_ops"] = mod.variant()
    by_name = {c.name: c for c in timed}
    for c in comps:
        entry = {"label": c.label, "check": c.check}
        if c in timed:
            med = float(np.median(c.times))
            entry.update(iterations_per_round=c.iterations, times_s=c.times, median_s=med,
                         median_display=med * scale)
        rec["competitors"][c.name] = entry
    limit = by_name.get("limit")
    for c in timed:
        if c is not limit and limit is not None:
            rec["ratios"][f"{c.name}/limit"] = spread(np.divide(c.times, limit.times))
    for ours in ("workbench", "workbench_fn"):
        wb_c = by_name.get(ours)
        for c in timed:
            if wb_c is not None and c.name not in ("workbench", "workbench_fn", "limit"):
                rec["ratios"][f"{ours}/{c.name}"] = spread(np.divide(wb_c.times, c.times))
    if "workbench_fn" in by_name and "workbench" in by_name:
        rec["ratios"]["workbench_fn/workbench"] = spread(
            np.divide(by_name["workbench_fn"].times, by_name["workbench"].times))
    ratio_name = f"workbench/{peer}"
    got = rec["ratios"].get(ratio_name)
    rec["target"] = {"ratio": ratio_name, "max_ratio": max_ratio,
                     "median": got["median"] if got else None,
                     "pass": (got["median"] <= max_ratio) if got else None}
    return rec


# ---------------------------------------------------------------------------
# the machine


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> str:
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:
        return "unknown"


def _git_commit(path):
    """The checkout's commit (with '+changes' when the tree differs), or None outside git."""
    import subprocess
    try:
        head = subprocess.run(["git", "-C", path, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10)
        if head.returncode:
            return None
        dirty = subprocess.run(["git", "-C", path, "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head.stdout.strip() + ("+changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def machine_info(env: Env, names=COMPETITORS) -> dict:
    """CPU, cores, Python and library versions (and the GPU on one)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    info = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "blas": _blas(),
        "device": "gpu" if env.gpu else "cpu",
        "threads": env.threads or "library defaults",
        "blas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS"),
        "limit_blas": env.limit_blas,
    }
    if env.blas_choice is not None:
        info["limit_blas_times_s"] = env.blas_choice["times_s"]
        info["limit_blas_refused"] = env.blas_choice["refused"]
        from workbench.ops import blas
        info["blas_libraries"] = {n: blas.version(n) for n in env.blas_choice["times_s"]}
    import workbench
    info["workbench"] = workbench.__version__
    info["workbench_commit"] = _git_commit(os.path.dirname(workbench.__file__))
    info["fusion"] = _fusion_setting()
    if "torch" in names and importable("torch"):
        import torch
        if env.threads:
            torch.set_num_threads(env.threads)
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    if "jax" in names and importable("jax"):
        import jax
        info["jax"] = jax.__version__
    if "tensorflow" in names and importable("tensorflow"):
        import tensorflow as tf
        info["tensorflow"] = tf.__version__
    if "onnxruntime" in names and importable("onnxruntime"):
        import onnxruntime
        info["onnxruntime"] = onnxruntime.__version__
    for lib in ("keras", "numba"):  # the W8 peer's Keras (on JAX) and the fusion's compiler
        try:
            info[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            pass
    if env.gpu:
        cp = env.xp
        info["cupy"] = cp.__version__
        name = cp.cuda.runtime.getDeviceProperties(0)["name"]
        info["gpu"] = name.decode() if isinstance(name, bytes) else str(name)
    return info


# ---------------------------------------------------------------------------
# the table


def _fmt_time(rec, name):
    c = rec["competitors"].get(name)
    if c is None:
        return "–"
    if "median_s" not in c:
        return "mismatch" if not c["check"]["ok"] else "–"
    v = c["median_display"]
    return f"{v:.3g}" if v < 1000 else f"{v:.0f}"


def _fmt_ratio(rec, key):
    s = rec["ratios"].get(key)
    if s is None:
        return "–"
    return f"{s['median']:.2f} ({s['q25']:.2f}–{s['q75']:.2f})"


def format_table(records: list, machine: dict) -> str:
    """A Markdown table: median times, ratios with their IQR, and each target's verdict."""
    present = [n for n in COMPETITORS
               if any("median_s" in r["competitors"].get(n, {}) for r in records)]
    limit_label = "cupy" if machine.get("device") == "gpu" else "numpy"
    peers = [n for n in present if n not in ("workbench", "workbench_fn", "limit")]
    # workbench.function against the limit, PyTorch and jax.jit only (the speed issue's
    # check): the table stays readable
    fn_ratios = (["workbench_fn/limit"] + [f"workbench_fn/{p}" for p in peers if p in ("torch", "jax")]
                 if "workbench_fn" in present else [])
    fn_label = LABELS["workbench_fn"]
    head = (["workload", "unit"]
            + [limit_label + " (limit)" if n == "limit" else LABELS.get(n, n) for n in present]
            + ["workbench / limit"] + [f"workbench / {p}" for p in peers]
            + [f"{fn_label} / {r.split('/')[1]}" for r in fn_ratios] + ["target", "met"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rec in records:
        target = rec["target"]
        verdict = {True: "yes", False: "**no**", None: "n/a"}[target["pass"]]
        peer = target["ratio"].split("/", 1)[1]
        cells = ([f"{rec['key']} {rec['title']}", rec["unit"]]
                 + [_fmt_time(rec, n) for n in present]
                 + [_fmt_ratio(rec, "workbench/limit")]
                 + [_fmt_ratio(rec, f"workbench/{p}") for p in peers]
                 + [_fmt_ratio(rec, r) for r in fn_ratios]
                 + [f"workbench / {limit_label if peer == 'limit' else peer} ≤ {target['max_ratio']}",
                    verdict])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fusion_setting() -> str:
    """How wb.function runs its fused CPU groups here: ``off``, ``numpy`` or the setting with
    numba's version."""
    from workbench.compiler import fusion, fusion_numba
    if not fusion.enabled():
        return "off"
    if fusion.cpu_backend() == "numpy" or not fusion_numba.available():
        return "numpy"
    return f"{fusion.cpu_backend()}, numba {importlib.metadata.version('numba')}"


def format_machine(machine: dict) -> str:
    parts = [f"{machine['cpu']} ({machine['usable_cores']} of {machine['cores']} cores usable)",
             f"Python {machine['python']}", f"NumPy {machine['numpy']} ({machine['blas']})"]
    for lib in ("torch", "jax", "keras", "tensorflow", "onnxruntime", "cupy"):
        if lib in machine:
            parts.append(f"{lib} {machine[lib]}")
    if "gpu" in machine:
        parts.append(f"GPU {machine['gpu']}")
    threads = machine.get("threads")
    parts.append(f"{threads} thread per library" if threads == 1 else
                 f"threads: {threads}" if isinstance(threads, str) else f"{threads} threads per library")
    if machine.get("workbench_commit"):
        parts.append(f"workbench at {machine['workbench_commit']}")
    if machine.get("fusion"):
        parts.append(f"CPU fusion {machine['fusion']}")
    if machine.get("limit_blas"):
        times = machine.get("limit_blas_times_s") or {}
        libs = machine.get("blas_libraries") or {}
        measured = ", ".join(f"{libs.get(n, n)} {t * 1e3:.1f} ms" for n, t in times.items())
        parts.append(f"the limit's matmul: {machine['limit_blas']}"
                     + (f" (fastest of {measured} for a training step's products)" if measured else ""))
    return "; ".join(parts) + f"; {machine['date']}"
