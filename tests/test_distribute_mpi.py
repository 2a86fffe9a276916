"""wb.distribute across processes: jobs of ``mpiexec -n 2`` started from the test (each with a
timeout). Skipped, with the reason, where mpi4py or mpiexec is missing."""

import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np

from tests.distribute_helpers import ROOT, needs_mpi, run_script

pytestmark = needs_mpi


def run_job(tmp_path, source, *args, nproc=2, timeout=120, mpiexec=True):
    return run_script(tmp_path, source, *args, mpiexec=mpiexec, nproc=nproc, timeout=timeout)


CUSTOM_LOOP = """
    import json, os, sys
    import numpy as np
    import workbench as wb

    out = sys.argv[1]
    single = len(sys.argv) > 2 and sys.argv[2] == "single"
    strategy = wb.distribute.get_strategy() if single else wb.distribute.MultiWorkerMirroredStrategy()
    rank = getattr(strategy.cluster_resolver, "task_id", None) or 0   # TF's: no resolver / None alone
    tag = "single" if single else f"rank{rank}"
    wb.random.set_seed(0 if single else rank)   # the ranks start apart: rank 0's values are broadcast
    x = np.random.default_rng(0).normal(size=(21, 5)).astype("float32")
    y = np.random.default_rng(1).normal(size=(21, 1)).astype("float32")
    with strategy.scope():
        model = wb.keras.Sequential([wb.keras.Input((5,)), wb.keras.layers.Dense(7, activation="tanh"),
                                     wb.keras.layers.Dense(1)])
        optimizer = wb.optimizers.Adam(0.05)
    wb.random.set_seed(0)   # one shuffle order on every rank: its seeds follow the global seed, as TF's
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
                   "task": [getattr(strategy.cluster_resolver, "task_type", None), rank],
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


TRAIN_SCRIPT = """
    import os, signal
    import numpy as np
    import workbench as wb

    PARAMS = {"epochs": 2}

    def main(exp, params):
        strategy = wb.distribute.MultiWorkerMirroredStrategy()
        rank = getattr(strategy.cluster_resolver, "task_id", None) or 0   # TF's: no resolver / None alone
        x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
        y = x.sum(axis=1, keepdims=True)
        with strategy.scope():
            w = wb.Variable(np.zeros((3, 1), "float32"), name="w")
            opt = wb.optimizers.SGD(0.1)
        checkpoint = wb.Checkpoint(w=w, optimizer=opt)
        manager = exp.checkpoint_manager(checkpoint)
        first = int(checkpoint.save_counter.numpy())   # epochs done before a resume
        writer = wb.summary.create_file_writer(f"tb-rank{rank}")
        data = strategy.experimental_distribute_dataset(wb.data.Dataset.from_tensor_slices((x, y)).batch(8))
        step = 4 * first
        for epoch in range(first, params["epochs"]):
            for xb, yb in data:
                if rank == 1 and epoch == 1 and step == 5:
                    if os.environ.get("TEST_FAULT") == "kill":
                        os.kill(os.getpid(), signal.SIGKILL)
                    if os.environ.get("TEST_FAULT") == "hang":
                        import time; time.sleep(60)
                def replica(xb, yb):
                    with wb.GradientTape() as tape:
                        loss = wb.nn.compute_average_loss(wb.reduce_sum((xb @ w - yb) ** 2, axis=1),
                                                          global_batch_size=8)
                    opt.apply_gradients([(tape.gradient(loss, w), w)])
                    return loss
                loss = strategy.reduce("SUM", strategy.run(replica, args=(xb, yb)), axis=None)
                step += 1
                exp.log_metric("loss", float(loss), step=step)
                with writer.as_default(step=step):
                    wb.summary.scalar("loss", loss)
            manager.save()
        writer.flush()
        np.save(f"w-rank{rank}.npy", w.numpy())
"""


def run_cli(tmp_path, *args, timeout=120, env=None):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(TRAIN_SCRIPT))
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), "CI": "1",
           **(env or {})}
    cmd = [sys.executable, "-m", "workbench.cli", "run", str(script), "--nproc", "2",
           "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}", "--logdir", str(tmp_path / "runs"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp_path)


def test_workbench_run_nproc_only_the_chief_writes(tmp_path):
    job = run_cli(tmp_path)
    assert job.returncode == 0, job.stdout + job.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "w-rank0.npy"), np.load(tmp_path / "w-rank1.npy"))
    runs = os.listdir(tmp_path / "runs")
    assert len(runs) == 1                                    # one TensorBoard folder, the chief's
    checkpoints = os.listdir(tmp_path / "runs" / runs[0] / "checkpoints")
    assert "checkpoint.json" in checkpoints and "ckpt-2.index.json" in checkpoints
    assert os.listdir(tmp_path / "tb-rank0") and not (tmp_path / "tb-rank1").exists()
    import mlflow
    client = mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    found = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert len(found) == 1 and len(client.get_metric_history(found[0].info.run_id, "loss")) == 8


def test_a_killed_rank_stops_the_job_with_its_rank_named(tmp_path):
    job = run_cli(tmp_path, timeout=90, env={"TEST_FAULT": "kill"})
    assert job.returncode != 0
    assert "rank 1 (pid" in job.stderr and "was killed by signal 9" in job.stderr, job.stderr
    # --resume: both ranks restore the chief's checkpoint of epoch 1 and finish as if uninterrupted
    run_id = re.search(r"workbench: run \S+ \(([0-9a-f]{32})\)", job.stdout).group(1)
    resumed = run_cli(tmp_path, "--resume", run_id, timeout=90)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    w = [np.load(tmp_path / f"w-rank{r}.npy") for r in (0, 1)]
    straight = tmp_path / "straight"
    straight.mkdir()
    again = run_cli(straight, timeout=90)
    assert again.returncode == 0, again.stderr
    np.testing.assert_array_equal(w[0], w[1])
    np.testing.assert_allclose(w[0], np.load(straight / "w-rank0.npy"), rtol=1e-6)


def test_a_hanging_rank_is_named_after_the_collective_timeout(tmp_path):
    job = run_cli(tmp_path, timeout=90, env={"WORKBENCH_COLLECTIVE_TIMEOUT": "3", "TEST_FAULT": "hang"})
    assert job.returncode != 0
    assert "did not complete on rank 0 of 2 within 3 s: rank 1 (pid" in job.stderr, job.stderr
    assert "DeadlineExceededError" in job.stderr


FIT = """
    import os, sys
    import numpy as np
    import workbench as wb

    out = sys.argv[1]
    single = len(sys.argv) > 2 and sys.argv[2] == "single"
    strategy = wb.distribute.get_strategy() if single else wb.distribute.MultiWorkerMirroredStrategy()
    rank = getattr(strategy.cluster_resolver, "task_id", None) or 0   # TF's: no resolver / None alone
    wb.random.set_seed(10 if single else 10 + rank)
    x = np.random.default_rng(0).normal(size=(48, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], "float32")).astype("float32")
    with strategy.scope():
        model = wb.keras.Sequential([wb.keras.Input((4,)), wb.keras.layers.Dense(8, activation="relu"),
                                     wb.keras.layers.Dense(1)])
        model.compile(optimizer=wb.optimizers.SGD(0.05), loss="mse")
    history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    np.savez(os.path.join(out, ("single" if single else f"fit{rank}") + ".npz"),
             *[v.numpy() for v in model.trainable_variables])
    evaluated = model.evaluate(x, y, batch_size=16, verbose=0)
    predicted = model.predict(x[:5], batch_size=16, verbose=0)
    np.savez(os.path.join(out, ("single" if single else f"fit{rank}") + "-eval.npz"),
             loss=evaluated, pred=predicted)
"""


def test_fit_inside_strategy_scope_trains_data_parallel(tmp_path):
    job = run_job(tmp_path, FIT)
    assert job.returncode == 0, job.stderr
    single = run_job(tmp_path, FIT, "single", mpiexec=False)
    assert single.returncode == 0, single.stderr
    ranks = [np.load(tmp_path / f"fit{r}.npz") for r in (0, 1)]
    one = np.load(tmp_path / "single.npz")
    for key in one:
        np.testing.assert_array_equal(ranks[0][key], ranks[1][key])
        np.testing.assert_allclose(ranks[0][key], one[key], rtol=1e-4, atol=1e-5)
    ev = [np.load(tmp_path / f"fit{r}-eval.npz") for r in (0, 1)]
    ev1 = np.load(tmp_path / "single-eval.npz")
    np.testing.assert_allclose(ev[0]["loss"], ev1["loss"], rtol=1e-4)   # every worker: the whole set
    np.testing.assert_allclose(ev[1]["pred"], ev1["pred"], rtol=1e-4, atol=1e-5)


TF_GUIDE_LOOP = """
    import os, sys, warnings
    import numpy as np
    import workbench as wb

    out = sys.argv[1]
    single = len(sys.argv) > 2 and sys.argv[2] == "single"
    strategy = wb.distribute.get_strategy() if single else wb.distribute.MultiWorkerMirroredStrategy()
    rank = getattr(strategy.cluster_resolver, "task_id", None) or 0   # TF's: no resolver / None alone
    wb.random.set_seed(5)   # one shuffle order on every rank: its seeds follow the global seed, as TF's
    x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
    y = np.random.default_rng(1).integers(0, 3, size=64).astype("int64")
    ds = wb.data.Dataset.from_tensor_slices((x, y)).shuffle(64, seed=1).repeat().batch(16)
    wb.random.set_seed(5 if single else 5 + rank)
    dist = strategy.experimental_distribute_dataset(ds)
    with strategy.scope():
        model = wb.keras.Sequential([wb.keras.Input((8,)), wb.keras.layers.Dense(
            16, activation="relu", kernel_regularizer=wb.keras.regularizers.L2(1e-2)), wb.keras.layers.Dense(3)])
        optimizer = wb.keras.optimizers.Adam(0.01)
    loss_object = wb.keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")

    @wb.function
    def train_step(iterator):
        def step_fn(inputs):
            xb, yb = inputs
            with wb.GradientTape() as tape:
                predictions = model(xb, training=True)
                loss = wb.nn.compute_average_loss(loss_object(yb, predictions))
                loss += wb.nn.scale_regularization_loss(wb.add_n(model.losses))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss
        per_replica_losses = strategy.run(step_fn, args=(next(iterator),))
        return strategy.reduce(wb.distribute.ReduceOp.SUM, per_replica_losses, axis=None)

    iterator = iter(dist)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # a Python iterator argument makes wb.function run eagerly
        losses = [float(train_step(iterator)) for _ in range(12)]
    np.savez(os.path.join(out, ("single" if single else f"guide{rank}") + ".npz"),
             losses=losses, *[v.numpy() for v in model.trainable_variables])
"""


def test_tf_guide_loop_with_iterator_regularization_and_keras_loss(tmp_path):
    job = run_job(tmp_path, TF_GUIDE_LOOP)
    assert job.returncode == 0, job.stderr
    single = run_job(tmp_path, TF_GUIDE_LOOP, "single", mpiexec=False)
    assert single.returncode == 0, single.stderr
    ranks = [np.load(tmp_path / f"guide{r}.npz") for r in (0, 1)]
    one = np.load(tmp_path / "single.npz")
    for key in one:
        np.testing.assert_allclose(ranks[0][key], one[key], rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(ranks[0][key], ranks[1][key])


FIT_LOGS = """
    import json, os, sys
    import numpy as np
    import workbench as wb

    out = sys.argv[1]
    single = len(sys.argv) > 2 and sys.argv[2] == "single"
    strategy = wb.distribute.get_strategy() if single else wb.distribute.MultiWorkerMirroredStrategy()
    rank = getattr(strategy.cluster_resolver, "task_id", None) or 0   # TF's: no resolver / None alone
    tag = "single" if single else f"logs{rank}"
    x = np.random.default_rng(0).normal(size=(48, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], "float32") > 0).astype("float32")
    xv = np.random.default_rng(2).normal(size=(45, 4)).astype("float32")   # the last batch (13) splits 7 + 6
    yv = (xv.sum(axis=1, keepdims=True) > 0).astype("float32")

    class Batches(wb.keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.train, self.test = [], []
        def on_train_batch_end(self, batch, logs=None):
            self.train.append(dict(logs))
        def on_test_batch_end(self, batch, logs=None):
            self.test.append(dict(logs))

    def model():
        wb.random.set_seed(3 if single else 3 + rank)   # the ranks start apart: rank 0's values are broadcast
        with strategy.scope():
            m = wb.keras.Sequential([wb.keras.Input((4,)), wb.keras.layers.Dense(8, activation="tanh"),
                                     wb.keras.layers.Dense(1, activation="sigmoid")])
            m.compile(optimizer=wb.optimizers.SGD(0.1), loss="binary_crossentropy",
                      metrics=["accuracy", wb.keras.metrics.AUC(name="auc"), "mae"])
        return m

    seen = Batches()
    with_batches = model().fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0, callbacks=[seen],
                               validation_data=(xv, yv))
    m = model()
    epochs_only = m.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0, validation_data=(xv, yv))
    evaluated = m.evaluate(xv, yv, batch_size=16, verbose=0, return_dict=True)
    listed = m.evaluate(xv, yv, batch_size=16, verbose=0)
    on_batch = m.test_on_batch(xv[:13], yv[:13], return_dict=True)
    with open(os.path.join(out, tag + ".json"), "w") as f:
        json.dump({"history": with_batches.history, "epochs_only": epochs_only.history, "train": seen.train,
                   "test": seen.test, "evaluate": evaluated, "listed": listed, "test_on_batch": on_batch}, f)
"""


def test_fit_and_evaluate_log_the_global_batch_on_every_worker(tmp_path):
    job = run_job(tmp_path, FIT_LOGS)
    assert job.returncode == 0, job.stderr
    single = run_job(tmp_path, FIT_LOGS, "single", mpiexec=False)
    assert single.returncode == 0, single.stderr
    ranks = [json.loads((tmp_path / f"logs{r}.json").read_text()) for r in (0, 1)]
    one = json.loads((tmp_path / "single.json").read_text())
    assert ranks[0] == ranks[1]   # the same numbers on every worker (its own shard's would differ)
    assert sorted(one["history"]) == ["accuracy", "auc", "loss", "mae", "val_accuracy", "val_auc", "val_loss",
                                      "val_mae"]
    assert len(ranks[0]["train"]) == len(one["train"]) == 9 and len(ranks[0]["test"]) == len(one["test"]) == 9

    def close(a, b):
        if isinstance(a, dict):
            assert sorted(a) == sorted(b)
            for k in a:
                close(a[k], b[k])
        elif isinstance(a, list):
            assert len(a) == len(b)
            for u, v in zip(a, b):
                close(u, v)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    for key in one:
        close(ranks[0][key], one[key])
    assert one["history"] == one["epochs_only"]


SUMMED_STATE = """
    import json, os, sys
    import numpy as np
    import workbench as wb

    strategy = wb.distribute.MultiWorkerMirroredStrategy()
    rank = getattr(strategy.cluster_resolver, "task_id", None) or 0   # TF's: no resolver / None alone

    class Custom(wb.keras.metrics.Metric):
        def __init__(self):
            super().__init__(name="custom")
            self.total = self.add_variable((), aggregation="sum", name="total")
            self.avg = self.add_variable((2,), aggregation="mean", name="avg")
            self.chief = self.add_variable((), aggregation="only_first_replica", name="chief")
            self.own = self.add_variable((), dtype="int64", aggregation="none", name="own")

    m = Custom()
    for v in m.variables:
        v.assign(np.full(v.shape, rank + 1).astype(v.dtype))
    from workbench.keras.trainer import _metric_state
    variables, aggregations = _metric_state([m])
    with strategy.summed_state(variables, aggregations):
        inside = {v.path: v.numpy().tolist() for v in variables}
    after = {v.path: v.numpy().tolist() for v in variables}
    with open(os.path.join(sys.argv[1], f"state{rank}.json"), "w") as f:
        json.dump({"inside": inside, "after": after, "aggregations": aggregations}, f)
"""


def test_metric_state_combines_across_workers_by_its_aggregation(tmp_path):
    job = run_job(tmp_path, SUMMED_STATE)
    assert job.returncode == 0, job.stderr
    ranks = [json.loads((tmp_path / f"state{r}.json").read_text()) for r in (0, 1)]
    for rank, got in enumerate(ranks):
        assert got["inside"] == {"custom/total": 3.0, "custom/avg": [1.5, 1.5], "custom/chief": 1.0,
                                 "custom/own": rank + 1}
        assert got["after"] == {"custom/total": rank + 1.0, "custom/avg": [rank + 1.0] * 2,
                                "custom/chief": rank + 1.0, "custom/own": rank + 1}
