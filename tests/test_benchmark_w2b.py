"""W2b (W2 written with wb.nn layers, a loss object and Adam) runs, agrees with the limit and
is selectable from the command line (``python -m benchmarks --only W2b``)."""

import numpy as np

from benchmarks import __main__ as cli
from benchmarks import harness
from benchmarks import w2b_mlp_layers as w2b


def test_w2b_is_registered_after_w2():
    keys = list(cli.all_workloads())
    assert keys.index("W2b") == keys.index("W2") + 1
    assert [m.KEY for m in cli._select(cli.all_workloads(), "w2b")] == ["W2b"]


def test_w2b_runs_and_agrees_with_the_limit():
    names = ("workbench", "limit", "torch") if harness.importable("torch") else ("workbench", "limit")
    rec = harness.run_workload(w2b, names, quick=True, rounds=2, block_s=0.002)
    for name in names:
        assert rec["competitors"][name]["check"]["ok"], (name, rec["competitors"][name]["check"])


def test_the_limits_adam_matches_wb_optimizers_adam():
    # several steps from the same start: the hand-written update is Adam's published rule
    env = harness.Env("cpu")
    cfg = w2b.CONFIGS["quick"]
    inputs = w2b.make_inputs(cfg, np.random.default_rng(1))
    ours, limit = w2b.build_workbench(inputs, cfg, env), w2b.build_limit(inputs, cfg, env)
    for _ in range(4):
        a, b = ours(), limit()
    for x, y in zip(a, b):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=2e-4, atol=2e-5)
