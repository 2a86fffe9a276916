"""``workbench sweep --backend ray``: Ray Tune trials, each a child run of the sweep in MLflow.

One local Ray instance serves the module (started here with 2 CPUs); each sweep is the real
command in a subprocess that joins it with ``--address``. The option checks run without Ray;
the sweeps are skipped when the sweep extra (ray[tune], optuna) or the tracking extra is missing.
"""

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench import cli
from workbench.cli import sweep_ray

ROOT = Path(__file__).resolve().parent.parent
HAVE = {m: importlib.util.find_spec(m) is not None for m in ("ray", "optuna", "mlflow", "tensorboard")}
needs_ray = pytest.mark.skipif(not all(HAVE.values()),
                               reason="needs the sweep extra (ray[tune], optuna) and the tracking extra")

STEPS = 40
# the loss curve x/step: the smaller x, the better the trial at every step
SCRIPT = textwrap.dedent(f"""\
    import time

    PARAMS = {{"x": 1.0, "steps": {STEPS}, "sleep": 0.2, "sizes": [8]}}


    def main(exp, params):
        for step in range(1, params["steps"] + 1):
            exp.log_metric("loss", params["x"] / step, step=step)
            time.sleep(params["sleep"])
    """)


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "curve.py"
    path.write_text(SCRIPT)
    return path


def _error(capsys, *args):
    """``workbench sweep ARGS`` in this process: its exit status and its one-line error."""
    code = cli.main(["sweep", *args])
    return code, capsys.readouterr().err.strip()


# -- options, checked before anything starts ----------------------------------------------------
def test_bad_flags_are_refused_with_what_is_missing(script, capsys):
    s = str(script)
    code, err = _error(capsys, s, "-p", "x=1.0,2.0", "--backend", "ray", "--scheduler", "asha")
    assert code == 2 and err == ("workbench sweep: --scheduler asha needs --metric NAME: the logged metric whose "
                                 "values decide which trials stop")
    code, err = _error(capsys, s, "-p", "x=1.0,2.0", "--backend", "ray", "--search", "optuna")
    assert code == 2 and "--search optuna needs --metric NAME" in err
    code, err = _error(capsys, s, "-p", "x=1.0,2.0", "--scheduler", "asha", "--metric", "loss")
    assert code == 2 and "--scheduler is an option of --backend ray (Ray Tune); add --backend ray" in err
    code, err = _error(capsys, s, "-p", "x=1.0,2.0", "--backend", "ray", "--num-samples", "4")
    assert code == 2 and "--num-samples 4 is for --search optuna" in err
    code, err = _error(capsys, s, "-p", "x=1.0,2.0", "--backend", "ray", "--search", "optuna", "--metric", "loss",
                       "--random", "2")
    assert code == 2 and "--random 2 and --search optuna: the search picks the trials" in err
    code, err = _error(capsys, s, "-p", "x=1.0,2.0", "--backend", "ray", "--max-t", "10")
    assert code == 2 and "--max-t is an option of --scheduler asha" in err
    code, err = _error(capsys, s, "-p", "x=1.0,2.0", "--backend", "ray", "--scheduler", "asha", "--metric", "loss",
                       "--grace-period", "8", "--max-t", "4")
    assert code == 2 and "--max-t 4: expected at least the grace period (8 steps)" in err
    code, err = _error(capsys, s, "-p", "x=1.0,2.0", "--backend", "ray", "--cpus-per-trial", "0")
    assert code == 2 and "--cpus-per-trial 0.0: expected a number of CPUs above 0" in err


def test_ranges_need_a_search_and_a_float_parameter(script, capsys):
    s = str(script)
    code, err = _error(capsys, s, "-p", "x=loguniform(1e-4,1e-1)")
    assert code == 2 and "a range is drawn by a search: add --backend ray --search optuna" in err
    target = cli.resolve_target(s)
    space, ranges = sweep_ray.split_space(["x=loguniform(1e-4,1e-1)", "steps=2,3"], target)
    assert space == {"steps": [2, 3]} and ranges == {"x": ("loguniform", 1e-4, 1e-1)}
    with pytest.raises(cli.CLIError, match=r"-p steps=uniform\(1,5\): a range draws floats, and 'steps' is not "
                                           r"a float \(the default is 40\)"):
        sweep_ray.split_space(["steps=uniform(1,5)"], target)
    with pytest.raises(cli.CLIError, match=r"loguniform needs bounds above 0"):
        sweep_ray.split_space(["x=loguniform(0,1)"], target)
    with pytest.raises(cli.CLIError, match=r"expected finite bounds with low < high"):
        sweep_ray.split_space(["x=uniform(2,1)"], target)
    with pytest.raises(cli.CLIError, match=r"expected uniform\(low,high\) with two numbers"):
        sweep_ray.split_space(["x=uniform(1)"], target)
    with pytest.raises(cli.CLIError, match=r"has no parameter 'y'"):
        sweep_ray.split_space(["y=uniform(1,2)"], target)


def test_a_missing_ray_names_the_extra(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    with pytest.raises(cli.CLIError, match=re.escape("--backend ray needs the 'ray' package, which is not "
                                                     "installed: pip install 'research-workbench[sweep]'")):
        sweep_ray._require_ray(None)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "optuna" else real(name, *a))
    with pytest.raises(cli.CLIError, match=re.escape("--backend ray --search optuna needs the 'optuna' package")):
        sweep_ray._require_ray("optuna")


def test_search_values_reach_the_command_line_as_python_values():
    import numpy as np
    choices = {"sizes": [[8], [16, 16]]}
    assert sweep_ray._decode({"x": np.float64(0.5), "sizes": 1, "steps": np.int64(3)}, choices) == \
        {"x": 0.5, "sizes": [16, 16], "steps": 3}


# -- sweeps on one local Ray instance ------------------------------------------------------------
def test_a_trial_that_finished_before_asha_s_stop_reached_it_counts_as_finished(capsys):
    """Tune reads a trial's results behind its script: a stop decided at an early step can arrive
    after the script has logged its last point and ended its run FINISHED. Only runs that ended
    otherwise are tagged as stopped early."""
    from types import SimpleNamespace

    class Client:
        tags = {}

        def get_run(self, run_id):
            return SimpleNamespace(info=SimpleNamespace(status={"a": "FINISHED", "b": "KILLED"}[run_id]))

        def set_tag(self, run_id, key, value):
            self.tags[run_id, key] = value

    records = {i: sweep_ray._Trial(i, {"x": float(i)}, "", run_id=run, stopped=f"ASHA at step {i}",
                                   stop={"loss": float(i), "step": 2 * i})
               for i, run in ((1, "a"), (2, "b"))}
    sweep = sweep_ray._Sweep(2, records, "", {}, "loss", "min", None, Client())
    sweep_ray._settle_stopped(sweep)
    assert (records[1].stopped, records[1].returncode) == ("", 0)
    assert records[2].stopped == "ASHA at step 2" and records[2].returncode is None
    assert Client.tags == {("b", sweep_ray.STOPPED_TAG): "by ASHA at step 4: loss=2.0 was below the rung's "
                                                          "cutoff (min is best)"}
    assert "trial 1/2 had finished before ASHA's stop reached it: counted as finished" in capsys.readouterr().out


@pytest.fixture(scope="module")
def ray_address():
    if not all(HAVE.values()):
        pytest.skip("needs the sweep extra (ray[tune], optuna) and the tracking extra")
    import logging

    import ray
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def _sweep(folder, address, *args):
    env = {k: v for k, v in os.environ.items()
           if k not in ("WORKBENCH_TRACKING_URI", "MLFLOW_TRACKING_URI", "WORKBENCH_PARENT_RUN_ID")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-m", "workbench.cli", "sweep", "curve.py", *args,
                             "--backend", "ray", "--address", address],
                            cwd=folder, env=env, capture_output=True, text=True, timeout=400)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr[-4000:]}"
    return result.stdout


def _children(folder, stdout):
    import workbench as wb
    parent_id = re.search(r"workbench: sweep \S+ \(([0-9a-f]{32})\)", stdout).group(1)
    client = wb.tracking.client(f"sqlite:///{folder / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("curve")
    runs = client.search_runs([experiment.experiment_id])
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent_id]
    return client, client.get_run(parent_id), children


@needs_ray
@pytest.mark.slow
def test_asha_stops_the_worst_trials_and_each_trial_is_a_child_run(ray_address, script):
    folder = script.parent
    out = _sweep(folder, ray_address, "-p", "x=1.0,2.0,3.0,4.0", "--scheduler", "asha", "--metric", "loss",
                 "--grace-period", "2", "--reduction-factor", "2", "--parallel", "2")
    assert "4 grid trials on the Ray cluster at" in out and "ASHA on loss (min)" in out
    client, parent, children = _children(folder, out)
    assert len(children) == 4 and parent.info.status == "FINISHED"
    by_x = {float(r.data.params["x"]): r for r in children}
    assert sorted(by_x) == [1.0, 2.0, 3.0, 4.0]
    steps = {x: len(client.get_metric_history(r.info.run_id, "loss")) for x, r in by_x.items()}
    stopped = [x for x, r in by_x.items() if r.data.tags.get(sweep_ray.STOPPED_TAG)]
    # the worst trial reaches the first rung after a better one, and goes no further
    assert 4.0 in stopped and 1.0 not in stopped
    for x in stopped:
        run = by_x[x]
        assert run.info.status == "KILLED" and steps[x] < STEPS, (x, run.info.status, steps[x])
        assert run.data.tags[sweep_ray.STOPPED_TAG].startswith("by ASHA at step ")
        assert f"trial {int(x)}/4 stopped early by ASHA at step" in out
    best = by_x[1.0]   # the best at every step: never stopped, it ran every step
    assert best.info.status == "FINISHED" and steps[1.0] == STEPS
    assert best.data.metrics["loss"] == pytest.approx(1.0 / STEPS)
    assert parent.data.metrics["trials_stopped"] == len(stopped)
    assert parent.data.metrics["trials_finished"] == 4 - len(stopped)
    assert parent.data.tags["workbench.sweep.best_run"] == best.info.run_id
    assert f"best loss={1.0 / STEPS:.6g} in trial 1 (x=1.0)" in out


@needs_ray
@pytest.mark.slow
def test_optuna_runs_the_samples_asked_for(ray_address, script):
    folder = script.parent
    out = _sweep(folder, ray_address, "-p", "x=uniform(1.0,4.0)", "-p", "steps=2,3", "-p", "sizes=[8],[16,16]",
                 "-p", "sleep=0.0", "--search", "optuna", "--num-samples", "3", "--metric", "loss", "--seed", "3")
    assert "3 optuna(3, seed=3) trials" in out and "optimizing loss (min)" in out
    assert "3 of 3 trials finished" in out
    client, parent, children = _children(folder, out)
    assert len(children) == 3 and all(r.info.status == "FINISHED" for r in children)
    for run in children:
        x, steps = float(run.data.params["x"]), int(run.data.params["steps"])
        assert 1.0 <= x <= 4.0 and steps in (2, 3) and run.data.params["sizes"] in ("[8]", "[16, 16]")
        assert run.data.metrics["loss"] == pytest.approx(x / steps)
    assert parent.data.tags["workbench.sweep.x"] == "uniform(1.0,4.0)"
    assert parent.data.metrics["trials_finished"] == 3
