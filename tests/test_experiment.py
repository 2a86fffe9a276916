"""wb.Experiment: runs read back by MlflowClient (embedded SQLite store) and by TensorBoard's EventAccumulator."""

import glob
import json
import os
import shutil
import subprocess
import time

import numpy as np
import pytest

pytest.importorskip("mlflow")
pytest.importorskip("tensorboard")

import workbench as wb  # noqa: E402
from workbench.experiment.facade import _progress_enabled  # noqa: E402
from workbench.tracking import TrackingWarning  # noqa: E402


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    """One SQLite store for the module (creating one takes seconds); MLflow puts artifacts under the cwd."""
    folder = tmp_path_factory.mktemp("mlflow")
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(old)


@pytest.fixture
def uri(store_dir):
    return f"sqlite:///{store_dir}/mlflow.db"


@pytest.fixture(autouse=True)
def no_env_uri(monkeypatch):
    for name in ("WORKBENCH_TRACKING_URI", "MLFLOW_TRACKING_URI", "WORKBENCH_PARENT_RUN_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def logdir(tmp_path):
    return str(tmp_path / "runs")


def client(uri):
    return wb.tracking.client(uri)


def history(uri, run_id, key):
    return sorted((m.step, m.value) for m in client(uri).get_metric_history(run_id, key))


def artifacts(uri, run_id, path=None):
    return sorted(a.path for a in client(uri).list_artifacts(run_id, path))


def accumulator(folder):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(folder, size_guidance={"tensors": 0, "scalars": 0})
    acc.Reload()
    return acc


def tb_scalars(acc, tag):
    return [(e.step, float(np.asarray(e.tensor_proto.float_val)[0])) for e in acc.Tensors(tag)]


class Model:
    def __init__(self):
        self.w = wb.Variable(np.zeros(3, np.float32), name="w")


def train(exp, model, steps, start=0):
    for step in range(start, start + steps):
        model.w.assign_add(np.ones(3, np.float32))
        exp.log_metrics({"loss": 1.0 / (step + 1), "accuracy": step / 100.0}, step=step)


def test_run_in_mlflow_and_tensorboard(uri, logdir):
    model = Model()
    params = {"lr": 0.1, "layers": 2, "optimizer": {"name": "adam", "beta1": 0.9}, "sizes": [4, 8]}
    with wb.Experiment("exp-basic", params=params, tracking_uri=uri, logdir=logdir,
                       tags={"team": "vision"}, system_metrics=0.2) as exp:
        assert exp.params == params
        assert exp.logdir == os.path.join(logdir, exp.run_name)
        assert exp.run_name.startswith("exp-basic-")
        manager = exp.checkpoint_manager(wb.Checkpoint(model=model), max_to_keep=2)
        train(exp, model, 10)
        exp.log_metric("loss", 0.5)  # no step: the current step
        exp.log_params({"batch": 32})
        exp.log_histogram("w", np.arange(100.0), step=9)
        exp.log_image("samples", np.random.default_rng(0).random((2, 8, 8, 1)), step=9, artifact=True)
        exp.log_text("notes", "**hello**", step=9)
        wb.summary.scalar("plain", 3.0, step=9)  # the run's writer is the default inside the block
        for _ in range(3):
            manager.save()
        time.sleep(0.5)  # at least one system-metrics sample
        assert exp.step == 9
        run_id = exp.run_id
    assert exp.status == "FINISHED"

    run = client(uri).get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.info.run_name == exp.run_name
    p = run.data.params
    assert (p["lr"], p["layers"], p["optimizer.name"], p["optimizer.beta1"], p["sizes"], p["batch"]) == \
        ("0.1", "2", "adam", "0.9", "[4, 8]", "32")
    assert run.data.tags["team"] == "vision"
    assert run.data.tags["workbench.logdir"] == os.path.abspath(exp.logdir)
    assert history(uri, run_id, "loss") == [(s, 1.0 / (s + 1)) for s in range(10)] + [(9, 0.5)]
    assert history(uri, run_id, "accuracy") == [(s, s / 100.0) for s in range(10)]
    # best: lowest loss and highest accuracy, at the step where they were reached
    assert history(uri, run_id, "best_loss") == [(9, 0.1)]
    assert history(uri, run_id, "best_accuracy") == [(9, 0.09)]
    assert run.data.metrics["loss"] == 0.5  # the final value
    assert any(k.startswith("system/cpu_utilization") for k in run.data.metrics)
    assert artifacts(uri, run_id) == ["checkpoints", "images", "params.json", "tensorboard"]
    # the newest checkpoint always arrives (older ones may be rotated away before they are sent)
    latest = sorted(os.path.basename(f) for f in glob.glob(os.path.join(exp.logdir, "checkpoints", "ckpt-3.*")))
    assert len(latest) == 2
    assert {f"checkpoints/{n}" for n in latest + ["checkpoint.json"]} <= set(artifacts(uri, run_id, "checkpoints"))
    assert len(artifacts(uri, run_id, "images")) == 2
    assert artifacts(uri, run_id, "tensorboard")[0].startswith("tensorboard/events.out.tfevents.")
    with open(os.path.join(exp.logdir, "params.json")) as f:
        assert json.load(f)["optimizer"] == {"name": "adam", "beta1": 0.9}

    acc = accumulator(exp.logdir)
    assert tb_scalars(acc, "loss") == [(s, pytest.approx(1.0 / (s + 1))) for s in range(10)] + [(9, 0.5)]
    assert tb_scalars(acc, "best_accuracy") == [(9, pytest.approx(0.09))]
    assert tb_scalars(acc, "plain") == [(9, 3.0)]
    tags = acc.Tags()["tensors"]
    assert {"w", "samples", "notes", "system/cpu_utilization_percentage"} <= set(tags)
    assert acc.SummaryMetadata("w").plugin_data.plugin_name == "histograms"
    assert acc.SummaryMetadata("samples").plugin_data.plugin_name == "images"
    from tensorboard.plugins.hparams import plugin_data_pb2
    content = acc.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    info = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info
    assert info.group_name == exp.run_name
    assert info.hparams["lr"].number_value == 0.1
    assert info.hparams["optimizer.name"].string_value == "adam"
    assert info.hparams["sizes"].string_value == "[4, 8]"


def test_logging_10000_points_is_fast_and_complete(uri, logdir):
    with wb.Experiment("exp-fast", tracking_uri=uri, logdir=logdir, system_metrics=False) as exp:
        start = time.perf_counter()
        for step in range(10_000):
            exp.log_metric("loss", step * 0.5, step=step)
        loop = time.perf_counter() - start
        run_id = exp.run_id
    assert loop < 1.0, f"10,000 log_metric calls took {loop:.2f} s on the loop"
    assert history(uri, run_id, "loss") == [(s, s * 0.5) for s in range(10_000)]
    assert len(tb_scalars(accumulator(exp.logdir), "loss")) == 10_000


def test_resume_continues_steps_params_and_checkpoint(uri, logdir):
    model = Model()
    with wb.Experiment("exp-resume", params={"lr": 0.1}, tracking_uri=uri, logdir=logdir,
                       system_metrics=False) as exp:
        manager = exp.checkpoint_manager(wb.Checkpoint(model=model))
        assert exp.restored_checkpoint is None
        train(exp, model, 5)
        manager.save()
        run_id, folder = exp.run_id, exp.logdir

    fresh = Model()
    with wb.Experiment("ignored", tracking_uri=uri, logdir=logdir, resume=run_id, system_metrics=False) as again:
        assert client(uri).get_run(run_id).info.status == "RUNNING"
        assert (again.run_id, again.run_name, again.logdir) == (run_id, exp.run_name, folder)
        assert again.name == "exp-resume"  # the run's own experiment, whatever name was given
        assert again.params == {"lr": 0.1}
        assert again.step == 4
        again.checkpoint_manager(wb.Checkpoint(model=fresh))
        assert again.restored_checkpoint.endswith("ckpt-1")
        np.testing.assert_array_equal(fresh.w.numpy(), np.full(3, 5.0, np.float32))
        train(again, fresh, 3, start=again.step + 1)
        with pytest.raises(ValueError, match="cannot change"):
            again.log_params({"lr": 0.2})
        again.log_params({"lr": 0.1, "epochs": 3})  # the same value again, and a new param
    run = client(uri).get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == {"lr": "0.1", "epochs": "3"}
    assert [s for s, _ in history(uri, run_id, "loss")] == list(range(8))
    assert history(uri, run_id, "best_accuracy")[-1] == (7, 0.07)
    assert [s for s, _ in tb_scalars(accumulator(folder), "loss")] == list(range(8))


def test_resume_downloads_checkpoints_from_mlflow(uri, logdir, tmp_path):
    model = Model()
    with wb.Experiment("exp-resume", tracking_uri=uri, logdir=logdir, system_metrics=False) as exp:
        manager = exp.checkpoint_manager(wb.Checkpoint(model=model))
        train(exp, model, 2)
        manager.save()
        run_id = exp.run_id
    other = str(tmp_path / "elsewhere")  # another machine: no local run folder
    fresh = Model()
    with wb.Experiment(tracking_uri=uri, logdir=other, resume=run_id, system_metrics=False) as again:
        assert (again.name, again.run_name) == ("exp-resume", exp.run_name)  # not "Default"
        again.checkpoint_manager(wb.Checkpoint(model=fresh))
        assert again.restored_checkpoint is not None
    np.testing.assert_array_equal(fresh.w.numpy(), np.full(3, 2.0, np.float32))


def test_nested_runs_and_name_collisions(uri, logdir):
    with wb.Experiment("exp-sweep", run_name="sweep", tracking_uri=uri, logdir=logdir,
                       system_metrics=False) as parent:
        with wb.Experiment("exp-sweep", run_name="trial", tracking_uri=uri, logdir=logdir, nested=True,
                           system_metrics=False) as child:
            child.log_metric("loss", 1.0, step=0)
        with wb.Experiment("exp-sweep", run_name="trial", tracking_uri=uri, logdir=logdir, nested=True,
                           system_metrics=False) as child2:
            pass
    assert (child.run_name, child2.run_name) == ("trial", "trial-2")
    for run in (child, child2):
        info = client(uri).get_run(run.run_id)
        assert info.data.tags["mlflow.parentRunId"] == parent.run_id
        assert info.info.experiment_id == parent.experiment_id
    with pytest.raises(ValueError, match="no open Experiment"):
        wb.Experiment("exp-sweep", tracking_uri=uri, logdir=logdir, nested=True).start()


def test_parent_from_environment(uri, logdir, monkeypatch):
    with wb.Experiment("exp-env", tracking_uri=uri, logdir=logdir, system_metrics=False) as parent:
        pass
    monkeypatch.setenv("WORKBENCH_PARENT_RUN_ID", parent.run_id)
    with wb.Experiment("exp-env", tracking_uri=uri, logdir=logdir, system_metrics=False) as child:
        pass
    assert client(uri).get_run(child.run_id).data.tags["mlflow.parentRunId"] == parent.run_id


def test_failed_run_and_errors(uri, logdir):
    exp = wb.Experiment("exp-errors", tracking_uri=uri, logdir=logdir, system_metrics=False)
    with pytest.raises(RuntimeError, match="not started"):
        exp.log_metric("loss", 1.0)
    with pytest.raises(ZeroDivisionError):
        with exp:
            with pytest.raises(ValueError, match="not a valid metric name"):
                exp.log_metric("bad?name", 1.0)
            with pytest.raises(TypeError):
                exp.log_metric("loss", "not a number")
            1 / 0
    assert client(uri).get_run(exp.run_id).info.status == "FAILED"
    with pytest.raises(RuntimeError, match="has ended"):
        exp.log_metric("loss", 1.0)
    with pytest.raises(ValueError, match="system_metrics"):
        wb.Experiment(system_metrics=-1)
    with pytest.raises(ValueError, match="no such run"):
        wb.Experiment(tracking_uri=uri, logdir=logdir, resume="0" * 32).start()


def test_git_commit_is_logged(uri, tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")
    (repo / "train.py").write_text("PARAMS = {}\n")
    for cmd in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-q", "-m", "init"]):
        subprocess.run(cmd, cwd=repo, check=True, env=env)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    monkeypatch.chdir(repo)
    with wb.Experiment("exp-git", tracking_uri=uri, logdir=str(tmp_path / "runs"), system_metrics=False) as exp:
        assert exp.params["git_commit"] == commit
    run = client(uri).get_run(exp.run_id)
    assert run.data.params["git_commit"] == commit
    assert run.data.tags["mlflow.source.git.commit"] == commit
    assert run.data.tags["workbench.git_dirty"] == "false"


def test_progress_and_display(uri, logdir, monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert not _progress_enabled()
    with wb.Experiment("exp-show", tracking_uri=uri, logdir=logdir, system_metrics=False) as exp:
        items = [1, 2, 3]
        assert exp.progress(items, desc="epoch") is items  # no bar under CI
        assert list(exp.progress(total=2)) == [0, 1]
        exp.log_metric("val/accuracy", 0.75, step=3)
        page = exp._repr_html_()
    assert exp.run_name in page and exp.run_id in page
    assert os.path.abspath(exp.logdir) in page
    assert "mlflow ui --backend-store-uri" in page and "val/accuracy = 0.75" in page
    assert exp.run_id in repr(exp)
    monkeypatch.delenv("CI")
    tqdm = pytest.importorskip("tqdm")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    if _progress_enabled():
        assert isinstance(wb.Experiment().progress([1], desc="x"), tqdm.tqdm)


def test_unsent_items_warn_at_the_end(uri, logdir, monkeypatch):
    """A store that fails at the end: the run's last items stay on disk, with one clear warning."""
    with pytest.warns(TrackingWarning) as caught:
        with wb.Experiment("exp-warn", tracking_uri=uri, logdir=logdir, system_metrics=False) as exp:
            exp.log_metric("loss", 1.0, step=0)
            assert exp.flush(timeout=30)
            broken = type("Broken", (), {"__getattr__": lambda self, name: _raise})()
            exp._buffer.client = broken
            exp.log_metric("loss", 2.0, step=1)
    messages = [str(w.message) for w in caught]
    assert any(uri in m and "workbench sync" in m for m in messages)
    assert any("could not be sent" in m for m in messages)
    spill = os.path.join(exp.logdir, wb.tracking.SPILL_NAME)
    assert os.path.exists(spill)
    [result] = wb.tracking.sync(exp.run_id, logdir=logdir)
    assert result["error"] is None and result["sent"] >= 2
    assert not os.path.exists(spill)
    assert history(uri, exp.run_id, "loss") == [(0, 1.0), (1, 2.0)]
    assert client(uri).get_run(exp.run_id).info.status == "FINISHED"


def _raise(*args, **kwargs):
    raise ConnectionError("store is down")


def test_tensorboard_scalars_waiting_in_memory_are_bounded(tmp_path):
    """A burst of scalars faster than the writer thread: the loop writes the backlog itself."""
    from workbench.experiment.tensorboard import ScalarQueue
    written = []
    scalars = ScalarQueue(lambda items: written.extend(items), interval=3600)
    try:
        for i in range(3 * ScalarQueue.MAX_QUEUED):
            scalars.add("loss", float(i), i)
            assert len(scalars._queue) <= ScalarQueue.MAX_QUEUED
        scalars.flush()
        assert [s for _, _, s in written] == list(range(3 * ScalarQueue.MAX_QUEUED))
    finally:
        scalars.close()
