"""wb.tracking: URIs, the background sender (batching, spilling, replay, sync) and system metrics,
checked against MLflow's embedded SQLite store."""

import json
import os
import threading
import time
import warnings

import pytest

pytest.importorskip("mlflow")

import workbench as wb  # noqa: E402
from workbench.tracking import RunBuffer, TrackingWarning, buffer as buffer_module  # noqa: E402


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mlflow")
    old = os.getcwd()
    os.chdir(folder)  # MLflow puts a SQLite store's artifacts under the cwd
    try:
        yield folder
    finally:
        os.chdir(old)


@pytest.fixture
def uri(store_dir):
    return f"sqlite:///{store_dir}/mlflow.db"


@pytest.fixture
def run_id(uri):
    client = wb.tracking.client(uri)
    experiment = wb.tracking.experiment_id(client, "tracking-tests")
    return client.create_run(experiment).info.run_id


def write_spill(folder, run_id, uri, units, name=None):
    """A spill file as a run writes one (signed by the folder's secret)."""
    spillfile, signing = wb.tracking.spillfile, wb.tracking.signing
    folder = str(folder)
    key = signing.run_key(folder, run_id)
    queue = spillfile.SpillQueue(os.path.join(folder, name or wb.tracking.SPILL_NAME),
                                 {"run_id": run_id, "tracking_uri": uri}, key)
    queue.append(units)
    return queue.path


def history(uri, run_id, key):
    return sorted((m.step, m.value) for m in wb.tracking.client(uri).get_metric_history(run_id, key))


class FlakyClient:
    """A real MlflowClient that fails like an unreachable server while ``down`` is set."""

    def __init__(self, client):
        self.client = client
        self.down = False
        self.calls = 0

    def __getattr__(self, name):
        method = getattr(self.client, name)

        def call(*args, **kwargs):
            self.calls += 1
            if self.down:
                raise wb.tracking.store.mlflow().exceptions.MlflowException(
                    "API request failed: connection refused", error_code="INTERNAL_ERROR")
            return method(*args, **kwargs)
        return call


# -- URIs ---------------------------------------------------------------------
def test_tracking_uri_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("WORKBENCH_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    assert wb.tracking.resolve_tracking_uri() == f"sqlite:///{tmp_path}/mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow-host:5000/")
    assert wb.tracking.resolve_tracking_uri() == "http://mlflow-host:5000"
    monkeypatch.setenv("WORKBENCH_TRACKING_URI", "sqlite:///team.db")
    assert wb.tracking.resolve_tracking_uri() == f"sqlite:///{tmp_path}/team.db"
    assert wb.tracking.resolve_tracking_uri("http://127.0.0.1:5001") == "http://127.0.0.1:5001"
    assert wb.tracking.resolve_tracking_uri("postgresql://u@db/mlflow") == "postgresql://u@db/mlflow"
    with pytest.raises(ValueError, match="not a URI"):
        wb.tracking.resolve_tracking_uri("mlflow.db")


def test_unreachable_server_is_a_clear_error():
    with pytest.raises(wb.tracking.TrackingUnavailableError, match="127.0.0.1:9 is not reachable"):
        wb.tracking.check_reachable("http://127.0.0.1:9", timeout=2)
    wb.tracking.check_reachable("sqlite:///anything.db")  # a local store is always there


def test_http_timeouts_are_short(monkeypatch):
    for name in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"):
        monkeypatch.delenv(name, raising=False)
    wb.tracking.store.mlflow.cache_clear()
    wb.tracking.store.mlflow()
    from mlflow.environment_variables import MLFLOW_HTTP_REQUEST_MAX_RETRIES, MLFLOW_HTTP_REQUEST_TIMEOUT
    assert MLFLOW_HTTP_REQUEST_MAX_RETRIES.get() <= 2  # MLflow's own default, 7, blocks for minutes
    assert MLFLOW_HTTP_REQUEST_TIMEOUT.get() <= 30
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "99")  # the user's own setting wins
    wb.tracking.store.mlflow.cache_clear()
    wb.tracking.store.mlflow()
    assert MLFLOW_HTTP_REQUEST_TIMEOUT.get() == 99


# -- the buffer ---------------------------------------------------------------
def test_buffer_batches_everything(uri, run_id, tmp_path):
    client = wb.tracking.client(uri)
    calls = []
    real = client.log_batch

    class Counting:
        def __getattr__(self, name):
            return getattr(client, name)

        def log_batch(self, run_id, metrics=(), params=(), tags=()):
            calls.append((len(metrics), len(params), len(tags)))
            return real(run_id, metrics=metrics, params=params, tags=tags)

    buf = RunBuffer(Counting(), run_id, str(tmp_path / "spill.jsonl"), uri, flush_secs=60)
    start = time.perf_counter()
    for step in range(2500):
        buf.log_metric("loss", step / 7, step)
    loop = time.perf_counter() - start
    buf.log_params({f"p{i}": i for i in range(150)})
    buf.set_tags({"stage": "test"})
    assert buf.flush(timeout=60)
    assert buf.close() == 0
    assert loop < 0.25, f"queueing 2,500 points took {loop:.3f} s"
    assert all(m <= 1000 and p <= 100 and t <= 100 and m + p + t <= 1000 for m, p, t in calls)
    assert sum(m for m, _, _ in calls) == 2500 and sum(p for _, p, _ in calls) == 150
    assert len(calls) <= 6  # batched, not one call per point
    run = client.get_run(run_id)
    assert history(uri, run_id, "loss") == [(s, s / 7) for s in range(2500)]
    assert run.data.params["p149"] == "149" and run.data.tags["stage"] == "test"
    assert not os.path.exists(tmp_path / "spill.jsonl")


def test_store_away_spills_then_recovers(uri, run_id, tmp_path):
    flaky = FlakyClient(wb.tracking.client(uri))
    spill = tmp_path / "run" / wb.tracking.SPILL_NAME
    buf = RunBuffer(flaky, run_id, str(spill), uri, flush_secs=0.05)
    buf.log_metric("loss", 0.0, 0)
    assert buf.flush(timeout=30)
    flaky.down = True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        for step in range(1, 3001):
            buf.log_metric("loss", float(step), step)
        assert time.perf_counter() - start < 0.5  # the loop does not wait for the store
        assert not buf.flush(timeout=30)  # on disk, not in MLflow
        for step in range(3001, 3101):
            buf.log_metric("loss", float(step), step)
        assert not buf.flush(timeout=30)
    told = [w for w in caught if issubclass(w.category, TrackingWarning)]
    assert len(told) == 1  # told once
    assert uri in str(told[0].message) and str(spill) in str(told[0].message)
    assert buf.unsent == 3100
    assert wb.tracking.journal.read_header(str(spill)) == {"format": 2, "run_id": run_id, "tracking_uri": uri}
    flaky.down = False
    assert buf.flush(timeout=30)  # a flush retries at once
    assert buf.unsent == 0 and not spill.exists()
    assert buf.close("FINISHED") == 0
    assert history(uri, run_id, "loss") == [(s, float(s)) for s in range(3101)]
    assert wb.tracking.client(uri).get_run(run_id).info.status == "FINISHED"


def test_close_while_away_leaves_a_file_for_sync(uri, run_id, tmp_path):
    flaky = FlakyClient(wb.tracking.client(uri))
    folder = tmp_path / "runs" / "r1"
    buf = RunBuffer(flaky, run_id, str(folder / wb.tracking.SPILL_NAME), uri, flush_secs=0.05)
    flaky.down = True
    artifact = folder / "notes.txt"  # inside the run folder: sync uploads it
    artifact.write_text("kept")
    outside = tmp_path / "outside.txt"  # outside: only when its path is given again
    outside.write_text("mine")
    with pytest.warns(TrackingWarning, match="workbench sync"):
        for step in range(500):
            buf.log_metric("acc", step / 500, step)
        buf.log_params({"lr": 0.1})
        buf.log_artifact(str(artifact), "docs")
        buf.log_artifact(str(outside), "docs")
        assert buf.close("FAILED", timeout=30) == 504  # 500 points, a param, two artifacts, the end
    spill = str(folder / wb.tracking.SPILL_NAME)
    assert oct(os.stat(spill).st_mode & 0o777) == "0o600"
    assert wb.tracking.spill_files(str(tmp_path / "runs")) == [spill]
    assert wb.tracking.sync("0" * 32, logdir=str(tmp_path / "runs")) == []  # another run id: nothing
    [result] = wb.tracking.sync(logdir=str(tmp_path / "runs"))
    assert result["sent"] == 503 and "outside the run folder" in result["error"] and "outside.txt" in result["error"]
    assert history(uri, run_id, "acc") == [(s, s / 500) for s in range(500)]
    client = wb.tracking.client(uri)
    run = client.get_run(run_id)
    assert run.data.params == {"lr": "0.1"} and run.info.status == "FAILED"
    assert [a.path for a in client.list_artifacts(run_id, "docs")] == ["docs/notes.txt"]
    [result] = wb.tracking.sync(logdir=str(tmp_path / "runs"), upload=[str(outside)])  # given again
    assert result == {"path": spill, "run_id": run_id, "sent": 1, "error": None, "provisional_id": None}
    assert [a.path for a in client.list_artifacts(run_id, "docs")] == ["docs/notes.txt", "docs/outside.txt"]
    assert history(uri, run_id, "acc") == [(s, s / 500) for s in range(500)]  # nothing sent twice
    assert wb.tracking.sync(logdir=str(tmp_path / "runs")) == []  # nothing left


def offline_buffer(client, folder, uri, name, **create):
    """A RunBuffer for a run that starts offline, as Experiment makes one."""
    record = {"experiment": "tracking-offline", "run_name": name, "tags": {"team": "a"},
              "start_time": 1_700_000_000_000, "parent": None, **create}
    return RunBuffer(client, wb.tracking.journal.new_provisional_id(), str(folder / name / wb.tracking.SPILL_NAME),
                     uri, flush_secs=0.05, create=record, offline_reason=ConnectionError("connection refused"))


def test_offline_run_is_created_once_when_the_store_answers(uri, tmp_path):
    journal = wb.tracking.journal
    client = wb.tracking.client(uri)
    flaky = FlakyClient(client)
    flaky.down = True
    runs = tmp_path / "runs"
    with pytest.warns(TrackingWarning, match="starts offline") as caught:
        parent = offline_buffer(flaky, runs, uri, "parent")
    assert len(caught) == 1 and uri in str(caught[0].message)
    provisional = parent.run_id
    assert parent.offline and journal.is_provisional(provisional)
    for step in range(20):
        parent.log_metric("loss", float(step), step)
    assert not parent.flush(timeout=30)
    header = wb.tracking.journal.read_header(str(runs / "parent" / wb.tracking.SPILL_NAME))
    assert header["run_id"] == provisional and header["create"]["run_name"] == "parent"

    # a child starting while the store answers creates its offline parent first, from the parent's journal
    child_id, experiment = journal.create_run(client, {"experiment": "x", "run_name": "child", "parent": provisional},
                                              root=str(runs))
    record = journal.read_map(str(runs / "parent"))
    assert record["provisional_id"] == provisional
    assert client.get_run(child_id).data.tags["mlflow.parentRunId"] == record["run_id"]

    flaky.down = False
    assert parent.flush(timeout=30)  # the parent's sender learns the id instead of creating the run again
    assert parent.run_id == record["run_id"] and not parent.offline
    assert parent.close("FINISHED") == 0
    run = client.get_run(parent.run_id)
    assert run.info.experiment_id == experiment and run.info.run_name == "parent"
    assert run.info.status == "FINISHED" and run.info.start_time == 1_700_000_000_000
    assert run.data.tags["team"] == "a" and run.data.tags[journal.PROVISIONAL_TAG] == provisional
    assert history(uri, parent.run_id, "loss") == [(s, float(s)) for s in range(20)]


def test_a_run_created_but_not_recorded_is_not_created_twice(uri, tmp_path):
    """A process that died between creating the offline run and writing mlflow-run.json."""
    journal = wb.tracking.journal
    client = wb.tracking.client(uri)
    flaky = FlakyClient(client)
    flaky.down = True
    with pytest.warns(TrackingWarning):
        buf = offline_buffer(flaky, tmp_path, uri, "crashed")
    buf.log_metric("acc", 0.5, 1)
    assert buf.close("FINISHED", timeout=30) > 0
    header = wb.tracking.journal.read_header(str(tmp_path / "crashed" / wb.tracking.SPILL_NAME))
    first, _ = journal.create_run(client, header["create"], header["run_id"])
    [result] = wb.tracking.sync(str(tmp_path))
    assert result["run_id"] == first and result["provisional_id"] == header["run_id"] and result["error"] is None
    assert history(uri, first, "acc") == [(1, 0.5)]
    assert client.get_run(first).info.status == "FINISHED"
    assert wb.tracking.sync(str(tmp_path)) == []


def test_sync_is_idempotent_and_survives_a_cut_line(uri, run_id, tmp_path):
    units = [("m", [["x", float(i), 1_700_000_000_000 + i, i]]) for i in range(10)]
    path = write_spill(tmp_path, run_id, uri, units)
    text = open(path).read()
    with open(path, "a") as f:
        f.write('0123 ["m", 11, [["x", 99.0, 17')  # the process died mid-line
    with pytest.warns(TrackingWarning, match="cut short"):
        [first] = wb.tracking.sync(str(path))
    assert first["sent"] == 10 and first["error"] is None
    with open(path, "w") as f:  # the same points again: MLflow keeps one copy
        f.write(text)
    wb.tracking.sync(str(tmp_path))
    assert history(uri, run_id, "x") == [(i, float(i)) for i in range(10)]


def test_sync_keeps_what_a_failing_store_did_not_take(uri, run_id, tmp_path):
    path = write_spill(tmp_path, run_id, "http://127.0.0.1:9", [("m", [["y", 1.0, 1, 0]])])
    [result] = wb.tracking.sync(str(path))
    assert result["sent"] == 0 and "127.0.0.1:9" in result["error"]
    assert os.path.exists(path)
    with pytest.raises(FileNotFoundError):
        wb.tracking.sync(str(tmp_path / "missing" / "folder"))


def test_invalid_items_are_dropped_not_the_batch(uri, run_id, tmp_path):
    client = wb.tracking.client(uri)
    client.log_param(run_id, "lr", "0.1")
    buf = RunBuffer(client, run_id, str(tmp_path / "s.jsonl"), uri, flush_secs=60)
    for step in range(100):
        buf.log_metric("loss", float(step), step)
    buf.log_params({"lr": 0.5})  # MLflow params cannot change: refused
    buf.log_metric("loss", 100.0, 100)
    with pytest.warns(TrackingWarning, match="refused param 'lr'"):
        assert buf.flush(timeout=60)
    buf.close()
    assert history(uri, run_id, "loss") == [(s, float(s)) for s in range(101)]
    assert client.get_run(run_id).data.params["lr"] == "0.1"


def test_buffer_from_several_threads(uri, run_id, tmp_path):
    buf = RunBuffer(wb.tracking.client(uri), run_id, str(tmp_path / "s.jsonl"), uri, flush_secs=0.01)

    def produce(name):
        for step in range(1000):
            buf.log_metric(name, float(step), step)
    threads = [threading.Thread(target=produce, args=(f"t{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert buf.close() == 0
    for i in range(3):
        assert len(history(uri, run_id, f"t{i}")) == 1000


def test_batches_respect_mlflow_limits():
    units = [("m", [["a", 1.0, 0, i]] * 300) for i in range(5)] + [("p", [["k", "v"]] * 100)] \
        + [("m", [["a", 1.0, 0, 0]] * 10)] * 2
    merged = buffer_module._merged(units)
    assert [(u[0], len(u[1])) for u in merged] == [("m", 900), ("m", 600), ("p", 100), ("m", 20)]


# -- system metrics -------------------------------------------------------------
def test_system_metrics_sample_and_monitor():
    pytest.importorskip("psutil")
    sample = wb.tracking.sample_system_metrics()
    assert 0.0 <= sample["system/system_memory_usage_percentage"] <= 100.0
    assert sample["system/process_memory_rss_megabytes"] > 1.0
    got = []
    monitor = wb.tracking.SystemMonitor(got.append, interval=0.05).start()
    time.sleep(0.3)
    monitor.stop()
    assert got and "system/cpu_utilization_percentage" in got[0]
    if wb.default_device().kind == "gpu":
        assert any(k.startswith("system/gpu_") for k in got[0])
    with pytest.raises(ValueError, match="interval"):
        wb.tracking.SystemMonitor(got.append, interval=0)


def test_one_rule_says_which_value_of_a_metric_is_best():
    """best_<metric> (wb.Experiment) and `workbench runs --sort` (the CLI) use the same rule."""
    from workbench.tracking import best
    assert [best.mode(m) for m in ("val/accuracy", "train/loss", "auc", "mse", "reward", "val/error")] == \
        ["max", "min", "max", "min", "max", "min"]
