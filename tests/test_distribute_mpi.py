"""wb.distribute across processes: jobs of ``mpiexec -n 2`` started from the test (each with a
timeout). Skipped, with the reason, where mpi4py or mpiexec is missing."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from workbench.distribute.launch import find_mpiexec, mpiexec_command

try:
    import mpi4py  # noqa: F401
except ImportError:
    mpi4py = None

MPIEXEC = find_mpiexec()
pytestmark = pytest.mark.skipif(mpi4py is None or MPIEXEC is None,
                                reason="needs mpi4py and mpiexec: pip install 'research-workbench[distributed]'")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_job(tmp_path, source, *args, nproc=2, timeout=120, mpiexec=True):
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(source))
    argv = [sys.executable, str(script), str(tmp_path), *args]
    cmd = mpiexec_command(nproc, argv) if mpiexec else argv
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp_path)


CUSTOM_LOOP = """
    import json, os, sys
    import numpy as np
    import workbench as wb

    out = sys.argv[1]
    single = len(sys.argv) > 2 and sys.argv[2] == "single"
    strategy = wb.distribute.get_strategy() if single else wb.distribute.MultiWorkerMirroredStrategy()
    rank = strategy.cluster_resolver.task_id
    tag = "single" if single else f"rank{rank}"
    wb.random.set_seed(0 if single else rank)   # the ranks start apart: rank 0's values are broadcast
    x = np.random.default_rng(0).normal(size=(21, 5)).astype("float32")
    y = np.random.default_rng(1).normal(size=(21, 1)).astype("float32")
    with strategy.scope():
        model = wb.keras.Sequential([wb.keras.Input((5,)), wb.keras.layers.Dense(7, activation="tanh"),
                                     wb.keras.layers.Dense(1)])
        optimizer = wb.optimizers.Adam(0.05)
    dataset = wb.data.Dataset.from_tensor_slices((x, y, np.arange(21))).shuffle(21, seed=3).batch(8)
    dist = strategy.experimental_distribute_dataset(dataset)

    @wb.function
    def train_step(xb, yb):
        def replica_step(xb, yb):
            with wb.GradientTape() as tape:
                per_example = wb.reduce_sum(wb.square(model(xb, training=True) - yb), axis=1)
                loss = wb.nn.compute_average_loss(per_example, global_batch_size=8)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss
        losses = strategy.run(replica_step, args=(xb, yb))
        return strategy.reduce(wb.distribute.ReduceOp.SUM, losses, axis=None)

    seen, epoch_losses = [], []
    for epoch in range(3):
        total, ids = 0.0, []
        for xb, yb, ib in dist:
            total += float(train_step(xb, yb))
            ids += ib.numpy().tolist()
        seen.append(ids)
        epoch_losses.append(total)
    gathered = strategy.gather(wb.constant([[float(rank)] * 2] * (rank + 1)), axis=0)
    np.savez(os.path.join(out, tag + ".npz"), *[v.numpy() for v in model.trainable_variables])
    with open(os.path.join(out, tag + ".json"), "w") as f:
        json.dump({"seen": seen, "losses": epoch_losses, "replicas": strategy.num_replicas_in_sync,
                   "task": [strategy.cluster_resolver.task_type, rank],
                   "chief": strategy.extended.should_checkpoint, "gathered": gathered.numpy().tolist()}, f)
"""


def test_custom_loop_matches_one_process_and_shards_every_example(tmp_path):
    job = run_job(tmp_path, CUSTOM_LOOP)
    assert job.returncode == 0, job.stderr
    single = run_job(tmp_path, CUSTOM_LOOP, "single", mpiexec=False)
    assert single.returncode == 0, single.stderr
    ranks = [np.load(tmp_path / f"rank{r}.npz") for r in (0, 1)]
    one = np.load(tmp_path / "single.npz")
    for key in one:
        np.testing.assert_array_equal(ranks[0][key], ranks[1][key])   # mirrored
        np.testing.assert_allclose(ranks[0][key], one[key], rtol=1e-4, atol=1e-5)  # float-sum order only
    info = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    ref = json.loads((tmp_path / "single.json").read_text())
    assert [i["replicas"] for i in info] == [2, 2] and ref["replicas"] == 1
    assert [i["task"] for i in info] == [["worker", 0], ["worker", 1]]
    assert [i["chief"] for i in info] == [True, False]
    np.testing.assert_allclose(info[0]["losses"], ref["losses"], rtol=1e-5)
    for epoch in range(3):
        both = info[0]["seen"][epoch] + info[1]["seen"][epoch]
        assert sorted(both) == list(range(21))   # every example once per epoch
    assert info[1]["gathered"] == [[0.0, 0.0], [1.0, 1.0], [1.0, 1.0]]
