"""Benchmarks: workbench against hand-written NumPy/CuPy (the limit) and its peers.

Run ``python -m benchmarks`` (see ``benchmarks/README.md``). Each workload is
one module named ``w<N>_<what>.py`` in this package; it is found by its file
name, so adding W5 means adding one file. A workload module defines:

- ``KEY`` (``"W1"``), ``TITLE`` and ``DESCRIPTION`` (one paragraph for the README);
- ``CONFIGS = {"full": {...}, "quick": {...}}``: sizes, the quick one for smoke tests;
- ``UNIT = (label, scale)``, or a function of the config giving that pair: how a
  time per iteration in seconds is shown, e.g. ``("ms", 1e3)``;
- ``TARGET = (peer, max_ratio)``: workbench's median time over ``peer``'s
  (``"limit"`` or ``"torch"``) must be at most ``max_ratio``;
- ``RTOL``, ``ATOL``: how closely competitors' results must agree with the limit's;
- ``PROCESSES`` (optional, default 1): a workload of several processes (data-parallel) runs
  in an ``mpiexec -n PROCESSES`` job of its own, every competitor's step in all of them at
  once (``env.comm`` is the communicator; ``env.rank``/``env.size``);
- ``make_inputs(cfg, rng)``: a dict of NumPy arrays that every competitor starts from;
- ``build_<competitor>(inputs, cfg, env)`` for ``workbench``, ``limit`` and any of
  ``workbench_fn``, ``torch``, ``jax``, ``tensorflow``, ``onnxruntime``: returns ``step()``, which runs one
  iteration and returns its results (a tuple of arrays or tensors). ``workbench_fn``
  is workbench's step under ``wb.function``: its ``step()`` calls a traced function
  (the first calls trace it; the harness's warm-up absorbs them, and a trace that
  falls back to eager is an error).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import sys

# Competitors in the order they are shown. "limit" is hand-written NumPy (CuPy on a GPU);
# "workbench_fn" is workbench's step traced and replayed by ``wb.function``.
COMPETITORS = ("workbench", "workbench_fn", "limit", "torch", "jax", "tensorflow", "onnxruntime")

# How tables show a competitor (the limit is shown as its array module).
LABELS = {"workbench_fn": "workbench.function"}

_MODULE_NAME = re.compile(r"^w(\d+)_\w+$")


def workload_modules() -> dict:
    """The workload modules of this package by key (``"W1"`` …), in numeric order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        m = _MODULE_NAME.match(info.name)
        if m:
            found.append((int(m.group(1)), info.name))
    mods = {}
    for _, name in sorted(found):
        mod = importlib.import_module(f"{__name__}.{name}")
        mods[mod.KEY] = mod
    return mods


_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS", "TF_NUM_INTRAOP_THREADS")


def limit_threads(n: int) -> bool:
    """Give NumPy's BLAS, PyTorch, JAX and TensorFlow ``n`` threads each.

    Thread pools are sized when a library is first imported, so this must run
    before NumPy is; returns False (and changes nothing) when it is too late.
    PyTorch is also set at run time by the harness.
    """
    if "numpy" in sys.modules:
        return False
    for var in _THREAD_VARS:
        os.environ[var] = str(n)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    xla = ("--xla_cpu_multi_thread_eigen=false" if n == 1
           else f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={n}")
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + xla).strip()
    return True
