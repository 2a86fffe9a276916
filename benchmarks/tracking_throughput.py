"""Tracking throughput: a million metric points through ``wb.Experiment`` against raw ``MlflowClient.log_batch``.

One run, one fresh SQLite store (MLflow's default), in a temporary folder:

1. the limit: ``MlflowClient.log_batch`` with 1,000 metrics a call (MLflow's
   largest batch), the points built in the loop, one call after another; run
   first and again last (the store slows as it fills), the mean of both is the limit;
2. the sender alone: :class:`~workbench.tracking.RunBuffer` (``log_metric`` on the
   loop, the batches sent by its threads), then ``close()``;
3. the whole kit: ``wb.Experiment.log_metric`` (MLflow and TensorBoard), then ``end()``.

For 2 and 3: the loop's time, the time until everything is in MLflow, points
per second over both, the process's memory (RSS) before, at its peak (sampled
every 50 ms) and after, and the points found in MLflow afterwards plus those
that ``end()`` reported waiting on disk (they must add up to all of them).

    python -m benchmarks.tracking_throughput                # 1,000,000 points
    python -m benchmarks.tracking_throughput --points 100000
    python -m benchmarks.tracking_throughput --quick        # 20,000 points, checks the script runs
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import warnings


def _rss_mb():
    import psutil
    return psutil.Process().memory_info().rss / 2**20


class _Peak:
    """The largest RSS seen by a thread sampling every 50 ms."""

    def __init__(self):
        self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _rss_mb())

    def stop(self):
        self._stop.set()
        self._thread.join()
        return max(self.peak, _rss_mb())


def raw_log_batch(client, experiment, points):
    from mlflow.entities import Metric
    run_id = client.create_run(experiment, run_name="raw-log-batch").info.run_id
    start = time.perf_counter()
    now = int(time.time() * 1000)
    for first in range(0, points, 1000):
        client.log_batch(run_id, metrics=[Metric("loss", 1.0 / (i + 1), now + i, i)
                                          for i in range(first, min(points, first + 1000))])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rate": points / seconds}


def _count(client, run_id, key):
    return len(client.get_metric_history(run_id, key))


def sender(client, experiment, uri, folder, points):
    import workbench as wb
    run_id = client.create_run(experiment, run_name="run-buffer").info.run_id
    before, peak = _rss_mb(), _Peak()
    buf = wb.tracking.RunBuffer(client, run_id, os.path.join(folder, "sender", wb.tracking.SPILL_NAME), uri)
    start = time.perf_counter()
    for i in range(points):
        buf.log_metric("loss", 1.0 / (i + 1), i)
    loop = time.perf_counter() - start
    waiting = buf.close("FINISHED", timeout=60)
    total = time.perf_counter() - start
    return {"loop": loop, "end": total - loop, "rate": points / total, "rss": (before, peak.stop(), _rss_mb()),
            "in_mlflow": _count(client, run_id, "loss"), "waiting": waiting}


def experiment_kit(uri, folder, points):
    import workbench as wb
    before, peak = _rss_mb(), _Peak()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exp = wb.Experiment("tracking-throughput", run_name="experiment", tracking_uri=uri,
                            logdir=os.path.join(folder, "runs"), system_metrics=False).start()
        start = time.perf_counter()
        for i in range(points):
            exp.log_metric("loss", 1.0 / (i + 1), step=i)
        loop = time.perf_counter() - start
        exp.end()
        total = time.perf_counter() - start
    told = [str(w.message) for w in caught]
    waiting = wb.tracking.buffer.pending(exp.logdir)[1]
    return {"loop": loop, "end": total - loop, "rate": points / total, "rss": (before, peak.stop(), _rss_mb()),
            "in_mlflow": _count(wb.tracking.client(uri), exp.run_id, "loss"), "waiting": waiting, "told": told}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 points: checks that the script runs")
    parser.add_argument("--skip-kit", action="store_true", help="measure the raw API and the sender only")
    args = parser.parse_args(argv)
    points = 20_000 if args.quick else args.points
    folder = tempfile.mkdtemp(prefix="wb-tracking-")
    os.chdir(folder)  # MLflow puts a SQLite store's artifacts under the working folder
    import workbench as wb
    uri = f"sqlite:///{folder}/mlflow.db"
    client = wb.tracking.client(uri)
    experiment = wb.tracking.experiment_id(client, "tracking-throughput")
    print(f"{points:,} metric points into {uri}")
    first = raw_log_batch(client, experiment, points)
    rows = [("RunBuffer", sender(client, experiment, uri, folder, points))]
    if not args.skip_kit:
        rows.append(("wb.Experiment", experiment_kit(uri, folder, points)))
    last = raw_log_batch(client, experiment, points)
    raw = {"rate": (first["rate"] + last["rate"]) / 2}
    print(f"raw MlflowClient.log_batch (1,000 a call): {first['rate']:,.0f} points/s first, {last['rate']:,.0f} "
          f"last, mean {raw['rate']:,.0f} points/s")
    ok = True
    for name, r in rows:
        before, peak, after = r["rss"]
        print(f"{name}: loop {r['loop']:.2f} s, then {r['end']:.1f} s to deliver; {r['rate']:,.0f} points/s "
              f"({r['rate'] / raw['rate']:.2f}x raw log_batch); RSS {before:.0f} -> peak {peak:.0f} -> "
              f"{after:.0f} MB; in MLflow {r['in_mlflow']:,}, waiting on disk {r['waiting']:,}")
        ok = ok and r["in_mlflow"] + r["waiting"] == points
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
