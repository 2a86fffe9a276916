"""``Model.fit`` and ``train_on_batch`` under a strategy of several replicas sum the gradients
across processes while the backward pass runs, as ``strategy.run`` does: the strategy's
reducer listens to the train step's reverse walk (eager and traced by ``wb.function``). Checked
in one process with the collectives replaced at their seam (the same weights as summing after
the walk, buckets started before the walk reached the first layer), and under ``mpiexec -n 2``
(skipped without mpi4py or mpiexec) against one process training on the global batch."""

import json

import numpy as np
import pytest

import workbench as wb
from tests.distribute_helpers import TwinCollectives, marked, needs_mpi, run_script

L = wb.keras.layers


class Net(wb.keras.Model):
    """Three dense layers; the walk notes when it passes the first one's output."""

    def __init__(self, mark, **kwargs):
        super().__init__(**kwargs)
        self.mark = mark
        self.d1 = L.Dense(6, activation="tanh")
        self.d2 = L.Dense(4, activation="tanh")
        self.d3 = L.Dense(1)

    def call(self, x, training=False):
        return self.d3(self.d2(self.mark(self.d1(x))))


class Clipping(Net):
    """A train step of its own that clips the gradients before applying them."""

    def train_step(self, data):
        x, y = data
        x, y = x[:4], y[:4]   # rank 0's half of the batch
        with wb.GradientTape() as tape:
            loss = wb.reduce_mean(wb.square(self(x, training=True) - y)) / 2.0
        grads, _ = wb.clip_by_global_norm(tape.gradient(loss, self.trainable_variables), 0.1)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return {"loss": loss}


def data():
    x = np.random.default_rng(0).normal(size=(24, 5)).astype("float32")
    y = np.random.default_rng(1).normal(size=(24, 1)).astype("float32")
    return x, y


def train(overlap, run_eagerly, how="fit", cls=Net):
    """The weights after 2 epochs of 3 batches of 8 (rank 0 of a twin pair), and the events
    of each step."""
    events = []
    strategy = wb.distribute.MultiWorkerMirroredStrategy(collectives=TwinCollectives(events))
    if overlap:
        strategy.gradient_reducer.events = events
    else:
        strategy._reducer = None   # the sums after the walk, in apply_gradients
    x, y = data()
    wb.random.set_seed(0)
    with strategy.scope():
        model = cls(marked(events, "first layer"))
        model(x[:1])
        model.compile(optimizer=wb.optimizers.Adam(0.05), loss="mse", run_eagerly=run_eagerly)
    starts = []
    if how == "fit":
        note = wb.keras.callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: starts.append(len(events)))
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[note])
    else:
        for _ in range(2):
            for i in range(0, 24, 8):
                starts.append(len(events))
                model.train_on_batch(x[i:i + 8], y[i:i + 8])
    bounds = starts + [len(events)]
    return [v.numpy() for v in model.trainable_variables], [events[a:b] for a, b in zip(bounds, bounds[1:])]


@pytest.mark.parametrize("how", ["fit", "train_on_batch"])
@pytest.mark.parametrize("run_eagerly", [True, False], ids=["eager", "wb.function"])
def test_fit_starts_buckets_during_the_walk_and_gives_the_same_weights(run_eagerly, how):
    weights, per_step = train(True, run_eagerly, how)
    reference, plain = train(False, run_eagerly, how)
    for w, r in zip(weights, reference):
        np.testing.assert_array_equal(w, r)
    assert len(per_step) == len(plain) == 6
    for events in plain:   # today's path: every gradient summed in apply_gradients, after the walk
        kinds = [e[0] for e in events]
        assert "sent" not in kinds and "final" not in kinds and "all_reduce" in kinds, events
    for events in per_step:
        kinds = [e[0] for e in events]
        assert "rule" in kinds, events   # (a traced step's first runs may pass it twice)
        # the last layer (1 + 4 values) and the middle layer's bias (4) are the first bucket,
        # summing before the walk has reached the first layer ...
        first_sent = kinds.index("sent")
        assert first_sent < kinds.index("rule"), events
        assert events[first_sent] == ("sent", 1 + 4 + 4)
        # ... every bucket started once and awaited in apply_gradients; nothing summed after
        assert kinds.count("sent") == kinds.count("start") >= 3 and "all_reduce" not in kinds, events
        assert events.index(("waited", kinds.count("sent"))) > kinds.index("rule"), events
        finals = [e[1].split("/")[-1] for e in events if e[0] == "final"]
        assert finals == ["bias", "kernel"] * 3, events   # the last layer first


@pytest.mark.parametrize("run_eagerly", [True, False], ids=["eager", "wb.function"])
def test_a_train_step_that_changes_the_gradients_sums_them_in_apply_gradients(run_eagerly):
    weights, per_step = train(True, run_eagerly, cls=Clipping)
    reference, _ = train(False, run_eagerly, cls=Clipping)
    for w, r in zip(weights, reference):
        np.testing.assert_allclose(w, r, rtol=1e-6, atol=1e-7)
    kinds = [[e[0] for e in events] for events in per_step]
    assert "sent" in kinds[0] and "all_reduce" in kinds[0]   # launched, then the clipped ones summed
    # the unused sums are awaited once, and the variables' buckets are not launched again
    assert "waited" in kinds[1]
    for k in kinds[1:]:
        assert "sent" not in k and "all_reduce" in k


def test_one_replica_fits_as_before():
    # nothing to sum: no reducer, and the train step is not listened to
    strategy = wb.distribute.MirroredStrategy(["cpu"])
    assert strategy.gradient_reducer is None
    x, y = data()
    wb.random.set_seed(0)
    with strategy.scope():
        model = wb.keras.Sequential([wb.keras.Input((5,)), L.Dense(3, activation="tanh"), L.Dense(1)])
        model.compile(optimizer=wb.optimizers.SGD(0.1), loss="mse")
    before = model.get_weights()
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 2
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


FIT = """
    import json, os, sys
    import numpy as np
    import workbench as wb

    out, mode = sys.argv[1], sys.argv[2]
    single = mode == "single"
    if single:
        strategy = wb.distribute.get_strategy()
    else:
        options = wb.distribute.experimental.CommunicationOptions(bytes_per_pack=1024)
        strategy = wb.distribute.MultiWorkerMirroredStrategy(communication_options=options)
        strategy._collectives.overlap = mode
    rank = getattr(strategy.cluster_resolver, "task_id", None) or 0   # TF's: no resolver / None alone
    x = np.random.default_rng(0).normal(size=(48, 20)).astype("float32")
    y = np.random.default_rng(1).normal(size=(48, 1)).astype("float32")
    results = {}
    # eagerly, traced by wb.function, and (several replicas) summed after the walk as before
    for run in (["eager", "traced"] if single else ["eager", "traced", "after"]):
        reducer = None if single else strategy._reducer
        if run == "after":
            strategy._reducer = None
        events = []
        if reducer is not None:
            reducer.events = events
        wb.random.set_seed(0 if single else rank)   # the ranks start apart: rank 0's values are broadcast
        with strategy.scope():
            model = wb.keras.Sequential([wb.keras.Input((20,)), wb.keras.layers.Dense(24, activation="tanh"),
                                         wb.keras.layers.Dense(16, activation="tanh"), wb.keras.layers.Dense(1)])
            model.compile(optimizer=wb.optimizers.Adam(0.02), loss="mse", run_eagerly=run == "eager")
        history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        strategy._reducer = reducer
        results[run] = {"weights": [v.numpy().tolist() for v in model.trainable_variables],
                        "loss": history.history["loss"], "events": [list(e) for e in events],
                        "first": model.layers[0].kernel.path, "last": model.layers[-1].bias.path}
    with open(os.path.join(out, ("single" if single else f"{mode}{rank}") + ".json"), "w") as f:
        json.dump(results, f)
"""


def run_job(tmp_path, mode, mpiexec=True):
    job = run_script(tmp_path, FIT, mode, mpiexec=mpiexec)
    assert job.returncode == 0, job.stdout + job.stderr
    return json.loads((tmp_path / (mode + ".json" if not mpiexec else f"{mode}0.json")).read_text())


@needs_mpi
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["thread", "nonblocking"])
def test_fit_under_mpiexec_overlaps_and_gives_the_one_process_weights(tmp_path, mode):
    single = run_job(tmp_path, "single", mpiexec=False)
    run_job(tmp_path, mode)
    ranks = [json.loads((tmp_path / f"{mode}{rank}.json").read_text()) for rank in (0, 1)]
    for run in ("eager", "traced", "after"):
        # each worker logs the loss of its own half of every batch: their mean is the whole batch's
        ref = single["traced" if run == "after" else run]
        np.testing.assert_allclose(np.mean([got[run]["loss"] for got in ranks], axis=0), ref["loss"], rtol=2e-5)
    for got in ranks:
        for run in ("eager", "traced", "after"):
            ref = single["traced" if run == "after" else run]
            for w, r in zip(got[run]["weights"], ref["weights"]):
                np.testing.assert_allclose(w, r, rtol=2e-5, atol=2e-6)
            for w, r in zip(got[run]["weights"], got["after"]["weights"]):   # as summed after the walk
                np.testing.assert_allclose(w, r, rtol=1e-6, atol=1e-7)
        assert got["after"]["events"] == []
        for run in ("eager", "traced"):
            events = [tuple(e) for e in got[run]["events"]]
            # each of the 6 steps (2 epochs of 3 batches): the 4 buckets started in order, the
            # first while the first layer's gradients were not final yet
            steps = [i for i, e in enumerate(events) if e == ("final", got[run]["last"])] + [len(events)]
            assert len(steps) == 7, events
            for a, b in zip(steps, steps[1:]):
                step = events[a:b]
                assert step.index(("start", 0)) < step.index(("final", got[run]["first"])), step
                assert [e for e in step if e[0] == "start"] == [("start", i) for i in range(4)], step
                assert [e for e in step if e[0] == "wait"] == [("wait", i) for i in range(4)], step
