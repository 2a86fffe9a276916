"""A real ``mlflow server`` on loopback: runs logged through it; a server killed mid-run and
restarted on the same port and store loses no metric point; a server away when runs start
(offline runs, created when it comes back or by ``workbench sync``)."""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings

import pytest

pytest.importorskip("mlflow")
pytest.importorskip("tensorboard")

import workbench as wb  # noqa: E402
from workbench.tracking import TrackingWarning  # noqa: E402
from workbench.tracking import buffer as buffer_module  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``mlflow server --workers 1`` in its own process group, so stopping it leaves no orphans."""

    def __init__(self, folder):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self, timeout=60):
        mlflow = shutil.which("mlflow") or os.path.join(os.path.dirname(sys.executable), "mlflow")
        cmd = [mlflow, "server", "--backend-store-uri", f"sqlite:///{self.folder}/server.db",
               "--artifacts-destination", f"{self.folder}/artifacts",
               "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"]
        env = dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
        self.log = open(os.path.join(self.folder, "server.log"), "ab")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"mlflow server not healthy after {timeout} s; see {self.log.name}")

    def stop(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)
        self.proc = None
        self.log.close()


@pytest.fixture
def stopped_server(tmp_path, monkeypatch):
    """A server on a port of its own, not started: the test starts it when it wants it up."""
    for name in ("WORKBENCH_TRACKING_URI", "MLFLOW_TRACKING_URI", "WORKBENCH_PARENT_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # a dead server answers at once
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    monkeypatch.chdir(tmp_path)
    srv = Server(str(tmp_path))
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def server(stopped_server):
    return stopped_server.start()


def steps_of(uri, run_id, key):
    return sorted(m.step for m in wb.tracking.client(uri).get_metric_history(run_id, key))


def log_steps(exp, steps):
    start = time.perf_counter()
    for step in steps:
        exp.log_metric("loss", 1.0 / (step + 1), step=step)
    return time.perf_counter() - start


def test_server_killed_mid_run_loses_nothing(server, tmp_path):
    uri, logdir = server.url, str(tmp_path / "runs")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with wb.Experiment("server-test", params={"lr": 0.01}, tracking_uri=uri, logdir=logdir,
                           system_metrics=False) as exp:
            model = {"w": wb.Variable([1.0, 2.0])}
            manager = exp.checkpoint_manager(wb.Checkpoint(**model))
            log_steps(exp, range(0, 300))
            manager.save()
            assert exp.flush(timeout=30)
            assert steps_of(uri, exp.run_id, "loss") == list(range(300))

            server.stop()  # the server dies mid-run
            assert log_steps(exp, range(300, 800)) < 1.0  # the loop goes on, unblocked
            assert not exp.flush(timeout=30)
            spill = os.path.join(exp.logdir, wb.tracking.SPILL_NAME)
            assert os.path.exists(spill)

            server.start()  # back on the same port and store
            assert exp.flush(timeout=60)
            assert steps_of(uri, exp.run_id, "loss") == list(range(800))
            assert not os.path.exists(spill)

            server.stop()  # and away again until after the run has ended
            log_steps(exp, range(800, 1000))
            run_id = exp.run_id
    told = [str(w.message) for w in caught if issubclass(w.category, TrackingWarning)]
    assert sum(uri in m and "not taking data" in m for m in told) == 1  # told once, naming the server
    assert any("could not be sent" in m for m in told)

    server.start()
    [result] = wb.tracking.sync(logdir=logdir)
    assert result["error"] is None and result["run_id"] == run_id
    client = wb.tracking.client(uri)
    assert steps_of(uri, run_id, "loss") == list(range(1000))
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["lr"] == "0.01"
    assert run.data.metrics["best_loss"] == pytest.approx(1.0 / 1000)
    names = {a.path for a in client.list_artifacts(run_id)}
    assert {"checkpoints", "tensorboard", "params.json"} <= names
    assert wb.tracking.spill_files(logdir) == []


def tracking_warnings(caught):
    return [str(w.message) for w in caught if issubclass(w.category, TrackingWarning)]


def runs_tagged(client, provisional_id):
    experiments = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(experiments, f"tags.`workbench.provisional_id` = '{provisional_id}'")


def test_server_down_at_start_runs_offline_then_online(stopped_server, tmp_path, monkeypatch):
    monkeypatch.setattr(buffer_module, "MAX_BACKOFF_SECS", 0.5)  # retry often, so the test is quick
    uri, logdir = stopped_server.url, str(tmp_path / "runs")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with wb.Experiment("offline-test", run_name="late", params={"lr": 0.01}, tags={"team": "vision"},
                           tracking_uri=uri, logdir=logdir, system_metrics=False) as exp:
            provisional = exp.run_id
            assert exp.offline and wb.tracking.is_provisional(provisional)
            journal = os.path.join(exp.logdir, wb.tracking.SPILL_NAME)
            told = tracking_warnings(caught)
            assert len(told) == 1 and uri in told[0] and journal in told[0] and "workbench sync" in told[0]
            manager = exp.checkpoint_manager(wb.Checkpoint(w=wb.Variable([1.0, 2.0])), max_to_keep=1)
            assert log_steps(exp, range(0, 150)) < 1.0  # the loop goes on, unblocked
            manager.save()
            log_steps(exp, range(150, 300))
            manager.save()  # deletes ckpt-1 locally (max_to_keep=1) before it could be uploaded
            assert not exp.flush(timeout=30)
            assert exp.offline and os.path.exists(journal)

            stopped_server.start()
            deadline = time.monotonic() + 60  # no flush: the sender's own retries find the server
            while exp.offline and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not exp.offline and exp.run_id != provisional
            log_steps(exp, range(300, 500))
            manager.save()
            assert exp.flush(timeout=60)
            assert not os.path.exists(journal)
            run_id = exp.run_id
    told = tracking_warnings(caught)
    assert len(told) == 1, told  # told once, at the start
    client = wb.tracking.client(uri)
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED" and run.info.run_name == "late"
    assert client.get_experiment(run.info.experiment_id).name == "offline-test"
    assert run.data.params["lr"] == "0.01"
    assert run.data.tags["team"] == "vision" and run.data.tags["workbench.provisional_id"] == provisional
    assert steps_of(uri, run_id, "loss") == list(range(500))
    assert run.data.metrics["best_loss"] == pytest.approx(1.0 / 500)
    # every checkpoint saved reaches MLflow, those rotated away locally too; the state file is the last save's
    names = {a.path for a in client.list_artifacts(run_id, "checkpoints")}
    assert {f"checkpoints/ckpt-{n}.index.json" for n in (1, 2, 3)} | {"checkpoints/checkpoint.json"} <= names
    assert [os.path.basename(p) for p in glob.glob(os.path.join(exp.logdir, "checkpoints", "*.index.json"))] \
        == ["ckpt-3.index.json"]
    state = client.download_artifacts(run_id, "checkpoints/checkpoint.json", str(tmp_path))
    with open(state) as f:
        assert json.load(f)["latest"] == "ckpt-3"
    assert not os.listdir(os.path.join(exp.logdir, ".mlflow-upload"))  # snapshots removed once sent
    assert len(runs_tagged(client, provisional)) == 1
    assert wb.tracking.sync(logdir=logdir) == []


def test_server_away_for_the_whole_run_then_workbench_sync(stopped_server, tmp_path, monkeypatch, capsys):
    from workbench import cli
    uri, logdir = stopped_server.url, str(tmp_path / "runs")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with wb.Experiment("sweep-test", run_name="the-sweep", tracking_uri=uri, logdir=logdir,
                           system_metrics=False) as parent:
            with wb.Experiment("sweep-test", run_name="a-trial", params={"lr": 0.1}, tracking_uri=uri,
                               logdir=logdir, nested=True, system_metrics=False) as child:
                log_steps(child, range(100))
        monkeypatch.setenv("WORKBENCH_PARENT_RUN_ID", parent.run_id)  # as `workbench sweep` sets it
        with wb.Experiment("sweep-test", run_name="b-trial", params={"lr": 0.2}, tracking_uri=uri,
                           logdir=logdir, system_metrics=False) as child_b:
            log_steps(child_b, range(50))
        monkeypatch.delenv("WORKBENCH_PARENT_RUN_ID")
        # resumed while still offline: the step goes on from the journal
        with wb.Experiment(resume=child.run_id, tracking_uri=uri, logdir=logdir, system_metrics=False) as again:
            assert (again.run_id, again.logdir, again.step) == (child.run_id, child.logdir, 99)
            assert again.params == {"lr": 0.1} and again.name == "sweep-test"
            log_steps(again, range(100, 150))
    told = tracking_warnings(caught)
    assert sum("starts offline" in m for m in told) == 4 and all("not taking data" not in m for m in told)
    assert all(r.offline for r in (parent, child, child_b))
    provisional = {r.run_name: r.run_id for r in (parent, child, child_b)}

    stopped_server.start()
    assert cli.main(["sync", "--logdir", logdir]) == 0
    out = capsys.readouterr().out
    assert out.count("created run") == 3
    assert cli.main(["sync", "--logdir", logdir]) == 0  # a second sync sends nothing again
    assert "nothing to sync" in capsys.readouterr().out

    client = wb.tracking.client(uri)
    ids = {}
    for name, offline_id in provisional.items():
        [run] = runs_tagged(client, offline_id)  # created exactly once
        assert run.info.run_name == name and run.info.status == "FINISHED"
        ids[name] = run.info.run_id
    for name in ("a-trial", "b-trial"):
        run = client.get_run(ids[name])
        assert run.data.tags["mlflow.parentRunId"] == ids["the-sweep"]
        assert run.info.experiment_id == client.get_run(ids["the-sweep"]).info.experiment_id
    assert client.get_run(ids["a-trial"]).data.params["lr"] == "0.1"
    assert steps_of(uri, ids["a-trial"], "loss") == list(range(150))  # no point twice
    assert steps_of(uri, ids["b-trial"], "loss") == list(range(50))
    assert child.run_id == ids["a-trial"] and not child.offline  # learnt from the run folder
    with wb.Experiment(resume=provisional["b-trial"], tracking_uri=uri, logdir=logdir,
                       system_metrics=False) as resumed:
        assert resumed.run_id == ids["b-trial"] and resumed.step == 49 and not resumed.offline


def test_resume_needs_the_server_for_a_run_mlflow_created(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    port = free_port()
    with pytest.raises(wb.tracking.TrackingUnavailableError, match=f"127.0.0.1:{port} is not reachable"):
        wb.Experiment(tracking_uri=f"http://127.0.0.1:{port}", logdir=str(tmp_path), resume="a" * 32).start()
    with pytest.raises(ValueError, match="no offline run"):
        wb.Experiment(tracking_uri=f"http://127.0.0.1:{port}", logdir=str(tmp_path),
                      resume="offline-" + "0" * 32).start()


def test_offline_resume_goes_on_from_the_journaled_step(stopped_server, tmp_path):
    """The step a run reached without logging a metric there (``exp.step = ...``) is kept in
    its ``workbench.step`` tag: resumed offline, the run goes on from it, as online."""
    uri, logdir = stopped_server.url, str(tmp_path / "runs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with wb.Experiment("steps", tracking_uri=uri, logdir=logdir, system_metrics=False) as exp:
            log_steps(exp, range(10))
            exp.step = 500
        with wb.Experiment(resume=exp.run_id, tracking_uri=uri, logdir=logdir, system_metrics=False) as again:
            assert again.offline and again.step == 500
