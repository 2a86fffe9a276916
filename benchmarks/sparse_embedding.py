"""One Adam step on a large embedding looked up by a batch of ids: sparse against dense.

A 100,000 x 256 float32 table, 1,024 ids per step (drawn with repeats), loss
``mean(lookup ** 2)``; one step is the lookup, the gradient and the optimizer update:

- ``dense``: the gradient made dense (``wb.convert_to_tensor``), ``Adam``: what a step costs
  when the gradient is a full table;
- ``Adam(IndexedSlices)``: ``tape.gradient`` hands ``IndexedSlices`` to ``Adam``, which
  applies Keras 3's rule for them (every row's moments decay: a dense update);
- ``LazyAdam(IndexedSlices)``: only the looked-up rows' moments and weights change;
- ``torch SparseAdam``: ``nn.Embedding(sparse=True)`` with ``torch.optim.SparseAdam`` (the
  same lazy rule), when PyTorch is importable; ``torch Adam`` its dense counterpart.

One thread everywhere. Before timing, one step of each is checked: ``dense`` and
``Adam(IndexedSlices)`` give the same table (no id repeats in the check batch), and
``LazyAdam`` agrees with ``torch SparseAdam`` within 1e-6 (their epsilon sits in slightly
different places). The runners take turns: each round times one block of steps per runner
(about ``--block-ms``), starting with a different runner each round; the figures are medians
over rounds of the time per step and of the per-round ratio to ``dense``.

    python -m benchmarks.sparse_embedding             # 100,000 x 256, 1,024 ids, 9 rounds
    python -m benchmarks.sparse_embedding --quick     # a small table: checks the script runs
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads its BLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import workbench as wb  # noqa: E402

EPS = 1e-7


def _wb_runner(table, ids, make_opt, densify):
    v = wb.Variable(table.copy())
    opt = make_opt()
    ids_t = wb.constant(ids)

    def step():
        with wb.GradientTape() as tape:
            loss = wb.reduce_mean(wb.square(wb.nn.embedding_lookup(v, ids_t)))
        g = tape.gradient(loss, v)
        opt.apply_gradients([(wb.convert_to_tensor(g) if densify else g, v)])
        return v
    return step, lambda: v.numpy()


def _torch_runner(table, ids, sparse):
    import torch  # optional: a benchmark peer, never a dependency
    torch.set_num_threads(1)
    emb = torch.nn.Embedding(*table.shape, sparse=sparse)
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(table))
    opt = (torch.optim.SparseAdam if sparse else torch.optim.Adam)(emb.parameters(), lr=1e-3, eps=EPS)
    ids_t = torch.from_numpy(ids.astype(np.int64))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = emb(ids_t).square().mean()
        loss.backward()
        opt.step()
    return step, lambda: emb.weight.detach().numpy().copy()


def runners(rows, dim, batch, seed=0):
    """name -> (one step, the table now as NumPy)."""
    rng = np.random.default_rng(seed)
    table = rng.normal(size=(rows, dim)).astype(np.float32)
    ids = rng.integers(0, rows, size=batch)
    adam = lambda: wb.optimizers.Adam(1e-3, epsilon=EPS)  # noqa: E731
    out = {
        "dense": _wb_runner(table, ids, adam, densify=True),
        "Adam(IndexedSlices)": _wb_runner(table, ids, adam, densify=False),
        "LazyAdam(IndexedSlices)": _wb_runner(table, ids, lambda: wb.optimizers.LazyAdam(1e-3, epsilon=EPS),
                                              densify=False),
    }
    if importlib.util.find_spec("torch") is not None:
        out["torch SparseAdam"] = _torch_runner(table, ids, sparse=True)
        out["torch Adam"] = _torch_runner(table, ids, sparse=False)
    return out


def check(rows, dim, batch):
    """One step of each on a batch without repeated ids: the rules agree where they should."""
    rng = np.random.default_rng(1)
    ids = rng.permutation(rows)[:batch]
    table = rng.normal(size=(rows, dim)).astype(np.float32)
    has_torch = importlib.util.find_spec("torch") is not None
    adam = lambda: wb.optimizers.Adam(1e-3, epsilon=EPS)  # noqa: E731
    results = {}
    for name, (step, value) in {
        "dense": _wb_runner(table, ids, adam, True),
        "Adam(IndexedSlices)": _wb_runner(table, ids, adam, False),
        "LazyAdam(IndexedSlices)": _wb_runner(table, ids, lambda: wb.optimizers.LazyAdam(1e-3, epsilon=EPS),
                                              False),
        **({"torch SparseAdam": _torch_runner(table, ids, True)} if has_torch else {}),
    }.items():
        step()
        results[name] = value()
    if not np.array_equal(results["dense"], results["Adam(IndexedSlices)"]):
        raise SystemExit("Adam(IndexedSlices) differs from the dense step")
    if "torch SparseAdam" in results:
        diff = float(np.abs(results["LazyAdam(IndexedSlices)"] - results["torch SparseAdam"]).max())
        if diff > 1e-6:
            raise SystemExit(f"LazyAdam differs from torch SparseAdam by {diff:.3g}")


def calibrate(call, block_s):
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            call()
        spent = time.perf_counter() - start
        if spent >= block_s / 4 or n >= 1 << 12:
            return max(1, int(n * block_s / max(spent, 1e-9)))
        n *= 2


def measure(rows, dim, batch, rounds, block_ms):
    check(rows, dim, batch)
    calls = {k: step for k, (step, _) in runners(rows, dim, batch).items()}
    for c in calls.values():   # warm up
        c(), c()
    blocks = {k: calibrate(c, block_ms / 1000) for k, c in calls.items()}
    names = list(calls)
    times = {k: [] for k in names}
    for r in range(rounds):
        for k in names[r % len(names):] + names[:r % len(names)]:
            n, call = blocks[k], calls[k]
            start = time.perf_counter()
            for _ in range(n):
                call()
            times[k].append((time.perf_counter() - start) / n)
    med = {k: statistics.median(v) for k, v in times.items()}
    speedup = {k: statistics.median(a / b for a, b in zip(times["dense"], times[k])) for k in names}
    return med, speedup


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--block-ms", type=float, default=300.0)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        rows, dim, batch, rounds, block = 1000, 16, 64, 2, 5.0
    else:
        rows, dim, batch, rounds, block = 100_000, 256, 1024, args.rounds, args.block_ms
    med, speedup = measure(rows, dim, batch, rounds, block)
    print(f"{rows} x {dim} float32 table, {batch} ids, {rounds} rounds, device {wb.default_device()}")
    print("| runner | ms per step | dense / runner |")
    print("|---|---|---|")
    for k in med:
        print(f"| {k} | {med[k] * 1e3:.3f} | {speedup[k]:.1f}x |")


if __name__ == "__main__":
    main()
