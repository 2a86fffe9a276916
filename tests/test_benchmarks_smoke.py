"""The benchmark harness runs every workload at tiny size and the competitors agree.

Uses the ``quick`` configs with one short round: this checks the harness and
each workload's hand-written gradients, not speed. PyTorch is used when it is
importable and never required.
"""

import json

import numpy as np
import pytest

from benchmarks import __main__ as cli
from benchmarks import harness, workload_modules

MODS = workload_modules()
HAS_TORCH = harness.importable("torch")


def test_every_workload_is_found():
    assert list(MODS) == sorted(MODS, key=lambda k: int(k[1:]))
    assert {"W1", "W2", "W3", "W4"} <= set(MODS)


@pytest.mark.parametrize("key", sorted(MODS))
def test_workload_runs_and_competitors_agree(key):
    names = ("workbench", "limit", "torch") if HAS_TORCH else ("workbench", "limit")
    rec = harness.run_workload(MODS[key], names, quick=True, rounds=2, block_s=0.002)
    for name in names:
        comp = rec["competitors"][name]
        assert comp["check"]["ok"], (name, comp["check"])
        assert len(comp["times_s"]) == 2 and all(t > 0 for t in comp["times_s"])
    ratio = rec["ratios"]["workbench/limit"]
    assert ratio["min"] <= ratio["q25"] <= ratio["median"] <= ratio["q75"] <= ratio["max"]
    peer = MODS[key].TARGET[0]
    if peer in names:
        assert rec["target"]["pass"] in (True, False)
    else:  # no verdict against a peer that did not run
        assert rec["target"]["pass"] is None and rec["target"]["median"] is None


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
    cli.update_readme("| table |", "a machine", "settings", path=str(readme))
    text = readme.read_text()
    assert "old" not in text and "| table |" in text and text.endswith("after\n")


def test_unknown_workload_is_refused():
    with pytest.raises(SystemExit, match="unknown workload"):
        cli.main(["--quick", "--only", "W99", "--threads", "0"])
