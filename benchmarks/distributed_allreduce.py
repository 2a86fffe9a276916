"""Data-parallel training over MPI: the all-reduce against raw mpi4py, and an MLP step on 2
processes against 1.

- **All-reduce bandwidth.** ``MPICollectives.all_reduce`` (what ``apply_gradients`` calls
  under a strategy: fused buckets, nonblocking ``Iallreduce`` polled against a deadline) on
  one float32 array, and on the MLP's gradient list (6 arrays fused into one bucket), against
  a raw ``comm.Allreduce(MPI.IN_PLACE, buf)`` of the same bytes (the limit), and a raw
  out-of-place ``comm.Allreduce(buf, out)`` (which, like the fusion buffer, touches a second
  buffer of the same size). They take turns
  within each round; the figures are medians over rounds of the time per call, the
  algorithm bandwidth (bytes / time) and the per-round ratios raw / workbench (1.0 = as fast).
- **Data-parallel MLP step.** 784-512-512-10, global batch 256, SGD, the custom loop of TF's
  guide (``strategy.run`` + ``strategy.reduce`` inside ``wb.function``): one process holding
  the whole batch, against 2 processes of 128 each under ``MultiWorkerMirroredStrategy``.
  Scaling efficiency = t(1 process) / (2 * t(2 processes)); the time spent waiting in
  collectives is measured inside the step (the gradient all-reduce and the loss reduce). The
  2-process step runs several ways (``MODES``), taking turns within each round: gradients
  summed in ``apply_gradients`` after the backward pass, or bucket by bucket as the reverse
  walk finishes each bucket (on a communication thread, or as nonblocking ``Iallreduce``), in
  16 MiB buckets (the default: the MLP's 2.6 MB are one bucket, which only the walk's end
  completes) and in 1 MiB buckets (four, three of them before the first layer's gradients).

The data-parallel step also has its row in the main table (W12, ``benchmarks/w12_data_parallel.py``:
the same MLP under ``python -m benchmarks``, against a hand-written step with one raw
``Allreduce`` and PyTorch DDP); this module keeps the all-reduce alone, the 1-process baseline
and the overlap modes.

One BLAS thread per process. Run from a checkout (it starts its own ``mpiexec -n 2``):

    python -m benchmarks.distributed_allreduce            # 9 rounds
    python -m benchmarks.distributed_allreduce --quick    # small sizes: checks the script runs
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads its BLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.distribute.launch import mpiexec_command  # noqa: E402

SIZES = (784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10,)  # the MLP's parameters


def _timed(fn, reps):
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - start) / reps


def bandwidth(rounds, quick):
    """In each rank of a 2-process job: per size, (time raw, time workbench) per round."""
    from mpi4py import MPI
    from workbench.distribute.mpi import MPICollectives
    comm = MPI.COMM_WORLD
    coll = MPICollectives()
    shapes = [(784, 512), (512,), (512, 512), (512,), (512, 10), (10,)]
    cases = {"1 MiB array": [np.ones(1 << 18, np.float32)],
             "16 MiB array": [np.ones(1 << 22, np.float32)],
             "MLP gradients (6 arrays, 2.6 MB)": [np.ones(s, np.float32) for s in shapes]}
    if quick:
        cases = {"4 KiB array": [np.ones(1024, np.float32)]}
    out = {}
    for name, arrays in cases.items():
        nbytes = sum(a.nbytes for a in arrays)
        raw_buf = np.ones(nbytes // 4, np.float32)
        raw_out = np.empty_like(raw_buf)
        reps = max(3, int(2e8 // max(nbytes, 1))) if not quick else 5
        reps = min(reps, 200)

        def raw():
            comm.Allreduce(MPI.IN_PLACE, raw_buf, op=MPI.SUM)

        def raw_oop():
            comm.Allreduce(raw_buf, raw_out, op=MPI.SUM)

        def ours():
            coll.all_reduce(arrays, reuse=True)   # as apply_gradients calls it

        raw(), raw_oop(), ours()
        got = coll.all_reduce(arrays)
        assert all(np.array_equal(g, a * 2) for g, a in zip(got, arrays)), "all_reduce disagrees"
        times = {"raw": [], "raw_oop": [], "workbench": []}
        for r in range(rounds):
            order = [("raw", raw), ("raw_oop", raw_oop), ("workbench", ours)][:: 1 if r % 2 == 0 else -1]
            for key, fn in order:
                comm.Barrier()
                times[key].append(_timed(fn, reps))
        out[name] = {"bytes": nbytes, **times}
    return out


MIB = 1 << 20
# how the 2-process step sums its gradients: (name, during the walk?, MPI overlap mode, bucket bytes)
MODES = (("after the walk, 16 MiB buckets", False, "thread", 16 * MIB),
         ("overlapped, 16 MiB buckets", True, "thread", 16 * MIB),
         ("after the walk, 1 MiB buckets", False, "thread", MIB),
         ("overlapped, 1 MiB buckets", True, "thread", MIB),
         ("overlapped, 1 MiB, Iallreduce", True, "nonblocking", MIB))


def mlp_step(strategy, batch, steps_per_round, rounds, modes=MODES[:1]):
    """Per mode: seconds per step (median over rounds) and seconds per step waiting in
    collectives. The modes take turns within each round: gradients summed in
    ``apply_gradients`` after the backward pass (no reducer), or bucket by bucket during it on
    a communication thread or with ``Iallreduce``."""
    rank = strategy.cluster_resolver.task_id or 0   # None for a worker alone, as TF's
    n = strategy.num_replicas_in_sync
    wb.random.set_seed(0)
    rng = np.random.default_rng(rank)
    x = rng.normal(size=(batch // n, 784)).astype(np.float32)
    y = rng.integers(0, 10, size=batch // n).astype(np.int32)
    with strategy.scope():
        model = wb.keras.Sequential([wb.keras.Input((784,)), wb.keras.layers.Dense(512, activation="relu"),
                                     wb.keras.layers.Dense(512, activation="relu"), wb.keras.layers.Dense(10)])
        opt = wb.optimizers.SGD(0.01)
    waited = [0.0]
    coll = strategy._collectives
    reducer = strategy._reducer
    multi = hasattr(coll, "comm")
    if multi:
        for name in ("_finish", "wait_buckets"):
            def timed(*args, _fn=getattr(coll, name)):
                t0 = time.perf_counter()
                try:
                    return _fn(*args)
                finally:
                    waited[0] += time.perf_counter() - t0
            setattr(coll, name, timed)

    def make_step():
        @wb.function
        def step(xb, yb):
            def replica(xb, yb):
                with wb.GradientTape() as tape:
                    per = wb.nn.sparse_softmax_cross_entropy_with_logits(yb, model(xb, training=True))
                    loss = wb.nn.compute_average_loss(per, global_batch_size=batch)
                grads = tape.gradient(loss, model.trainable_variables)
                opt.apply_gradients(zip(grads, model.trainable_variables))
                return loss
            return strategy.reduce("SUM", strategy.run(replica, args=(xb, yb)), axis=None)
        return step

    def use(mode):
        _, during, overlap, bucket = mode
        strategy._reducer = reducer if during else None
        if multi:
            coll.overlap, coll.bucket_bytes = overlap, bucket

    xb, yb = wb.constant(x), wb.constant(y)
    steps = {}
    for mode in modes:   # each traced in its mode (the trace keeps the reducer's steps or not)
        use(mode)
        steps[mode] = make_step()
        for _ in range(3):
            steps[mode](xb, yb)
    times = {m: [] for m in modes}
    waits = {m: [] for m in modes}
    sent = {m: [] for m in modes}
    for r in range(rounds):
        for mode in modes[::1 if r % 2 == 0 else -1]:
            use(mode)
            if multi:
                coll.barrier()
                before = coll.thread_seconds
            waited[0] = 0.0
            times[mode].append(_timed(lambda: steps[mode](xb, yb), steps_per_round))
            waits[mode].append(waited[0] / steps_per_round)
            sent[mode].append((coll.thread_seconds - before) / steps_per_round if multi else 0.0)
    use(MODES[0])
    return {m[0]: (statistics.median(times[m]), statistics.median(waits[m]), statistics.median(sent[m]))
            for m in modes}


def worker(args):
    strategy = wb.distribute.MultiWorkerMirroredStrategy()
    result = {"bandwidth": bandwidth(args.rounds, args.quick)}
    result["mlp"] = mlp_step(strategy, args.batch, args.steps, args.rounds, MODES)
    if strategy.extended.should_checkpoint:   # the chief (a worker alone too)
        print("RESULT " + json.dumps(result), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--steps", type=int, default=10, help="MLP steps per round")
    p.add_argument("--batch", type=int, default=256, help="the global batch")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.quick:
        args.rounds, args.steps, args.batch = 2, 2, 16
    if args.worker:
        return worker(args)
    one = [mlp_step(wb.distribute.get_strategy(), args.batch, args.steps, 1)[MODES[0][0]][0]
           for _ in range(args.rounds)]
    argv = [sys.executable, "-m", "benchmarks.distributed_allreduce", "--worker", "--rounds", str(args.rounds),
            "--steps", str(args.steps), "--batch", str(args.batch)] + (["--quick"] if args.quick else [])
    job = subprocess.run(mpiexec_command(2, argv), capture_output=True, text=True, timeout=1800,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if job.returncode != 0:
        sys.exit(f"the 2-process job failed:\n{job.stdout}\n{job.stderr}")
    result = json.loads(job.stdout.split("RESULT ", 1)[1].splitlines()[0])
    print(f"all-reduce on 2 processes ({args.rounds} rounds, medians; ratio = raw time / workbench time):")
    for name, r in result["bandwidth"].items():
        raw, oop, ours = (statistics.median(r[k]) for k in ("raw", "raw_oop", "workbench"))
        ratio = statistics.median(a / b for a, b in zip(r["raw"], r["workbench"]))
        ratio_oop = statistics.median(a / b for a, b in zip(r["raw_oop"], r["workbench"]))
        print(f"  {name:34s} raw in place {raw * 1e3:7.2f} ms ({r['bytes'] / raw / 1e9:4.2f} GB/s), "
              f"out of place {oop * 1e3:7.2f} ms; workbench {ours * 1e3:7.2f} ms "
              f"({r['bytes'] / ours / 1e9:4.2f} GB/s): {ratio:.2f}x in place, {ratio_oop:.2f}x out of place")
    t1 = statistics.median(one)
    print(f"MLP step, global batch {args.batch}: 1 process {t1 * 1e3:.2f} ms; 2 processes, gradients summed")
    for mode, *_ in MODES:
        t2, wait, sent = result["mlp"][mode]
        print(f"  {mode:31s} {t2 * 1e3:6.2f} ms (speed-up {t1 / t2:.2f}x, scaling efficiency "
              f"{t1 / (2 * t2):.0%}); waiting in collectives {wait * 1e3:.2f} ms per step ({wait / t2:.0%})"
              + (f"; communication thread summing {sent * 1e3:.2f} ms per step" if sent else ""))


if __name__ == "__main__":
    main()
