"""A real ``mlflow server`` on loopback: runs logged through it, and a server killed mid-run and
restarted on the same port and store loses no metric point."""

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
def server(tmp_path, monkeypatch):
    for name in ("WORKBENCH_TRACKING_URI", "MLFLOW_TRACKING_URI", "WORKBENCH_PARENT_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # a dead server answers at once
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    monkeypatch.chdir(tmp_path)
    srv = Server(str(tmp_path))
    try:
        yield srv.start()
    finally:
        srv.stop()


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


def test_unreachable_server_at_start_is_a_clear_error(tmp_path):
    port = free_port()
    with pytest.raises(wb.tracking.TrackingUnavailableError, match=f"127.0.0.1:{port} is not reachable"):
        wb.Experiment("x", tracking_uri=f"http://127.0.0.1:{port}", logdir=str(tmp_path)).start()
