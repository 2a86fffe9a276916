"""The benchmark harness runs every workload at tiny size and the competitors agree.

Uses the ``quick`` configs with one short round: this checks the harness and
each workload's hand-written gradients, not speed. PyTorch is used when it is
importable and never required.
"""

import functools
import json
import types

import numpy as np
import pytest

import workbench as wb
from benchmarks import __main__ as cli
from benchmarks import harness, workload_modules

MODS = workload_modules()
ALL = cli.all_workloads()  # with the variants (W2b)
HAS_TORCH = harness.importable("torch")
# wb.function is benchmarked on these at least (W3, W5 and W6 have it too)
TRACED = {"W1", "W2", "W2b", "W4", "W7"}


def test_every_workload_is_found():
    assert list(MODS) == sorted(MODS, key=lambda k: int(k[1:]))
    assert {"W1", "W2", "W3", "W4", "W7"} <= set(MODS)
    assert list(ALL)[list(ALL).index("W2") + 1] == "W2b"
    # the rows of the other issues: sparse embedding (sparse and dense update), ONNX inference,
    # input pipeline
    assert {"W8", "W9", "W10", "W11"} <= set(MODS)
    assert list(ALL)[list(ALL).index("W9") + 1] == "W9b" and list(ALL)[list(ALL).index("W10") + 1] == "W10b"


@pytest.mark.parametrize("key", list(ALL))
def test_workload_runs_and_competitors_agree(key):
    names = ["workbench", "workbench_fn", "limit"] + (["torch"] if HAS_TORCH else [])
    mod = ALL[key]
    rec = harness.run_workload(mod, names, quick=True, rounds=2, block_s=0.002)
    ran = [n for n in names if n != "workbench_fn" or hasattr(mod, "build_workbench_fn")]
    assert key not in TRACED or "workbench_fn" in ran
    for name in ran:
        comp = rec["competitors"][name]
        assert comp["check"]["ok"], (name, comp["check"])
        assert len(comp["times_s"]) == 2 and all(t > 0 for t in comp["times_s"])
    if "workbench_fn" in ran:
        # the traced step's second call is a replay, and it was checked against the limit too
        assert rec["competitors"]["workbench_fn"]["check"]["replay"]["ok"]
        assert rec["competitors"]["workbench_fn"]["label"] == "workbench.function"
        assert {"workbench_fn/limit", "workbench_fn/workbench"} <= set(rec["ratios"])
    else:
        assert rec["skipped"]["workbench_fn"] == "not written for this workload"
    ratio = rec["ratios"]["workbench/limit"]
    assert ratio["min"] <= ratio["q25"] <= ratio["median"] <= ratio["q75"] <= ratio["max"]
    peer = mod.TARGET[0]
    if peer in names:
        assert rec["target"]["pass"] in (True, False)
    else:  # no verdict against a peer that did not run
        assert rec["target"]["pass"] is None and rec["target"]["median"] is None


@pytest.mark.parametrize("key", sorted(k for k in ALL if hasattr(ALL[k], "build_workbench_fn")))
def test_traced_steps_trace_once_and_replay(key):
    # the first call traces (the harness's first, compared step); later calls replay
    mod = ALL[key]
    cfg = mod.CONFIGS["quick"]
    step = mod.build_workbench_fn(mod.make_inputs(cfg, np.random.default_rng(0)), cfg,
                                  harness.Env("cpu"))
    assert isinstance(step, functools.partial) and isinstance(step.func, wb.Function)
    with harness.strict("workbench_fn"):
        for _ in range(3):
            step()
    assert step.func.experimental_get_tracing_count() == 1


def _fake_workload(read_in_python):
    """A workload whose traced step reads a computed value in Python when asked to."""
    def step(x):
        y = x * 2.0
        if read_in_python:
            float(wb.reduce_sum(y))
        return y

    return types.SimpleNamespace(
        KEY="W0", TITLE="fake", DESCRIPTION="", CONFIGS={"quick": {}}, UNIT=("ms", 1e3),
        TARGET=("limit", 2.0), RTOL=1e-6, ATOL=0.0,
        make_inputs=lambda cfg, rng: {"x": np.arange(4, dtype=np.float32)},
        build_limit=lambda inputs, cfg, env: lambda: inputs["x"] * 2,
        build_workbench=lambda inputs, cfg, env: functools.partial(step, wb.constant(inputs["x"])),
        build_workbench_fn=lambda inputs, cfg, env: functools.partial(wb.function(step),
                                                                      wb.constant(inputs["x"])))


@pytest.mark.parametrize("read_in_python", [False, True])
def test_a_traced_step_that_falls_back_to_eager_is_refused(read_in_python):
    rec = harness.run_workload(_fake_workload(read_in_python), ["workbench", "workbench_fn", "limit"],
                               quick=True, rounds=1, block_s=0.001)
    fn = rec["competitors"]["workbench_fn"]
    assert rec["competitors"]["workbench"]["check"]["ok"]
    if read_in_python:
        assert not fn["check"]["ok"] and "falls back to eager" in fn["check"]["why"]
        assert "median_s" not in fn
    else:
        assert fn["check"]["ok"] and "median_s" in fn


def test_a_wrong_gradient_is_caught():
    # The check must fail when a competitor computes something else.
    mod = MODS["W3"]
    env = harness.Env("cpu")
    cfg = mod.CONFIGS["quick"]
    inputs = mod.make_inputs(cfg, np.random.default_rng(0))
    loss, grad = mod.build_limit(inputs, cfg, env)()
    assert harness.compare((loss, grad), (loss, grad), env, mod.RTOL, mod.ATOL)["ok"]
    bad = harness.compare((loss, grad * 1.01), (loss, grad), env, mod.RTOL, mod.ATOL)
    assert not bad["ok"] and "output 1" in bad["why"]


def test_spread_of_ratios():
    s = harness.spread([1.0, 2.0, 3.0, 4.0, 100.0])
    assert s["median"] == 3.0 and s["min"] == 1.0 and s["max"] == 100.0
    assert s["q25"] == 2.0 and s["q75"] == 4.0


def test_command_line_writes_json_and_readme_table(tmp_path, capsys):
    out = tmp_path / "results.json"
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{cli.START}\nold\n{cli.END}\nafter\n")
    rc = cli.main(["--quick", "--only", "W1,w3", "--rounds", "1", "--block-ms", "1",
                   "--competitors", "workbench,numpy", "--device", "cpu", "--threads", "0",
                   "--json", str(out)])
    assert rc == 0
    data = json.loads(out.read_text())
    assert set(data["workloads"]) == {"W1", "W3"}
    assert data["machine"]["numpy"] == np.__version__
    printed = capsys.readouterr().out
    assert "| W1 op chain | µs/op |" in printed
    assert "workbench.function" not in printed  # not asked for
    cli.update_readme("| table |", "a machine", "settings", path=str(readme))
    text = readme.read_text()
    assert "old" not in text and "| table |" in text and text.endswith("after\n")


def test_table_shows_workbench_function_against_the_limit_and_torch(tmp_path, capsys):
    rc = cli.main(["--quick", "--only", "W7", "--rounds", "1", "--block-ms", "1",
                   "--competitors", "workbench,wb.function,numpy" + (",torch" if HAS_TORCH else ""),
                   "--device", "cpu", "--threads", "0", "--json", str(tmp_path / "r.json")])
    assert rc == 0
    header = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| workload"))
    cols = [c.strip() for c in header.strip("|").split("|")]
    assert cols.index("workbench.function") == cols.index("workbench") + 1
    assert "workbench.function / limit" in cols and cols[-2:] == ["target", "met"]
    assert ("workbench.function / torch" in cols) == HAS_TORCH


def test_unknown_workload_is_refused():
    with pytest.raises(SystemExit, match="unknown workload"):
        cli.main(["--quick", "--only", "W99", "--threads", "0"])


def test_input_pipeline_benchmark_runs(capsys):
    # benchmarks/input_pipeline.py at its quick size (256 PNG files, two rounds): every variant
    # runs, and the tf.data rows read n/a where TensorFlow is not importable
    from benchmarks import input_pipeline
    rows = input_pipeline.main(["--quick"])
    names = [name for name, *_ in rows]
    assert names == ["in memory", *input_pipeline.WB_VARIANTS, *input_pipeline.TF_VARIANTS]
    for name, alone, train, wait in rows:
        if name.startswith("tf.data") and input_pipeline.tensorflow() is None:
            assert alone is train is wait is None
            continue
        assert train > 0 and 0.0 <= wait < 1.0
        assert (alone is None) == (name == "in memory")
    printed = capsys.readouterr().out
    assert "| input | pipeline alone, images/s |" in printed and "256 PNG files" in printed
