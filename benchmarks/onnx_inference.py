"""Inference latency of the digits conv model (``workbench.examples.digits_classifier``):
workbench eager (``model(x, training=False)``), the same call under ``wb.function``, and
onnxruntime on the model exported by ``model.export(path, format="onnx")``, at batch 1 and 256.

One thread everywhere (OpenBLAS and onnxruntime's intra-op pool), as the other benchmarks
here. Before timing, the three results are compared (within 1e-5). The three run round robin:
each round times one block of calls per runner (calibrated to about ``--block-ms``), starting
with a different runner each round; the figures are medians over rounds of the time per call,
and of the per-round ratios.

    python -m benchmarks.onnx_inference             # 15 rounds
    python -m benchmarks.onnx_inference --quick     # 3 short rounds: checks the script runs
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads its BLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.examples.digits_classifier import build_model  # noqa: E402


def runners(batch, folder):
    """name -> a no-argument call that computes the logits of one batch (as NumPy)."""
    import onnxruntime as ort  # optional: the export extra
    wb.random.set_seed(0)
    model = build_model("conv", 0.2)
    x = np.random.default_rng(0).random((batch, 8, 8)).astype(np.float32)
    model(wb.constant(x[:1]))
    path = os.path.join(folder, "digits.onnx")
    model.export(path, format="onnx")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    fn = wb.function(lambda t: model(t, training=False))
    xt = wb.constant(x)
    return {
        "eager": lambda: model(xt, training=False).numpy(),
        "wb.function": lambda: fn(xt).numpy(),
        "onnxruntime": lambda: session.run(None, {"input_0": x})[0],
    }


def calibrate(call, block_s):
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            call()
        spent = time.perf_counter() - start
        if spent >= block_s / 4 or n >= 1 << 16:
            return max(1, int(n * block_s / max(spent, 1e-9)))
        n *= 4


def measure(batch, rounds, block_ms, folder):
    calls = runners(batch, folder)
    results = {k: c() for k, c in calls.items()}
    ref = results["eager"]
    for k, r in results.items():
        diff = float(np.max(np.abs(r - ref)))
        if diff > 1e-5:
            raise SystemExit(f"{k} differs from eager by {diff:.3g} at batch {batch}")
    for c in calls.values():  # warm up (wb.function traces here)
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
    ratio = {k: statistics.median(a / b for a, b in zip(times[k], times["onnxruntime"])) for k in names}
    return med, ratio


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--block-ms", type=float, default=100.0)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    rounds, block = (3, 10.0) if args.quick else (args.rounds, args.block_ms)
    print("| batch | runner | µs per call | / onnxruntime |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for batch in (1, 256):
            med, ratio = measure(batch, rounds, block, folder)
            for k in med:
                print(f"| {batch} | {k} | {med[k] * 1e6:.1f} | {ratio[k]:.2f} |")


if __name__ == "__main__":
    main()
