"""Gradients summed across processes while the backward pass runs: the reverse walk's
"gradient final" listener (``gradients.walk.listening``), the strategy's bucket reducer with the
collectives replaced at their seam, and jobs of ``mpiexec -n 2`` (skipped without mpi4py or
mpiexec) that give the one-process weights with buckets started before the walk ended."""

import json

import numpy as np
import pytest

import workbench as wb
from gradients.walk import listening
from tests.distribute_helpers import TwinCollectives, marked, needs_mpi, run_script


class Recorder:
    """A listener noting every walk it is told of and every final gradient."""

    def __init__(self, events):
        self.events = events
        self.walks = []

    def __call__(self, sources, order):
        self.walks.append(([s.path if hasattr(s, "path") else s for s in sources], list(order)))

        def final(k, value):
            self.events.append(("final", k, value))
        return final


def three_layers():
    wb.random.set_seed(1)
    w1 = wb.Variable(np.random.default_rng(0).normal(size=(4, 3)).astype("float32"), name="w1")
    w2 = wb.Variable(np.random.default_rng(1).normal(size=(3, 2)).astype("float32"), name="w2")
    b2 = wb.Variable(np.zeros(2, "float32"), name="b2")
    unused = wb.Variable(np.ones(5, "float32"), name="unused")
    x = wb.constant(np.random.default_rng(2).normal(size=(6, 4)).astype("float32"))
    return w1, w2, b2, unused, x


def test_walk_tells_each_source_when_final_last_first_use_first():
    w1, w2, b2, unused, x = three_layers()
    events = []
    mark = marked(events, "first layer")
    with wb.GradientTape() as tape:
        h = mark(wb.tanh(wb.matmul(x, w1)))
        loss = wb.reduce_sum(wb.square(wb.matmul(h, w2) + b2))
    listener = Recorder(events)
    with listening(listener), pytest.warns(Warning, match="not connected"):
        grads = tape.gradient(loss, [w1, w2, b2, unused])
    assert listener.walks == [(["w1", "w2", "b2", "unused"], [3, 2, 1, 0])]
    # the unused source first (with None), then b2 and w2, and only then the first layer's rules
    assert [e[:2] for e in events] == [("final", 3), ("final", 2), ("final", 1), ("rule", "first layer"),
                                       ("final", 0)]
    told = {e[1]: e[2] for e in events if e[0] == "final"}
    assert told[3] is None and grads[3] is None
    for k in range(3):
        assert told[k] is grads[k]._data   # the very array the tape hands out
    with wb.GradientTape() as tape:
        h = wb.tanh(wb.matmul(x, w1))
        loss = wb.reduce_sum(wb.square(wb.matmul(h, w2) + b2))
    plain = tape.gradient(loss, [w1, w2, b2])
    for g, p in zip(grads[:3], plain[:3]):
        np.testing.assert_array_equal(g.numpy(), p.numpy())


def test_a_watched_intermediate_keeps_its_own_gradient():
    # identity hands its cotangent array on to x, which then gets 3 more: summed in place,
    # that array was also the gradient of s (the tape returned 5 for s, and told 5)
    x = wb.constant(np.ones(3, "float32"))
    events = []
    with wb.GradientTape() as tape:
        tape.watch(x)
        a = x * 3.0
        s = wb.identity(x)
        tape.watch(s)
        y = wb.reduce_sum(s * s) + wb.reduce_sum(a)
    with listening(Recorder(events)):
        gx, gs = tape.gradient(y, [x, s])
    np.testing.assert_array_equal(gs.numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(gx.numpy(), [5.0, 5.0, 5.0])
    np.testing.assert_array_equal(events[0][2], [2.0, 2.0, 2.0])


def test_listener_not_interested_leaves_the_walk_as_it_was():
    w1, w2, b2, unused, x = three_layers()
    with wb.GradientTape(persistent=True) as tape:
        z = wb.matmul(x, w1)
        loss = wb.reduce_sum(wb.square(wb.matmul(wb.tanh(z), w2) + b2))
    calls = []
    with listening(lambda sources, order: calls.append(order)):
        told = tape.gradient(loss, [w1, w2, b2])
        jac = tape.jacobian(z, w1)    # a jacobian's walk is not told
    plain = tape.gradient(loss, [w1, w2, b2])
    assert calls == [[2, 1, 0]]
    for g, p in zip(told, plain):
        np.testing.assert_array_equal(g.numpy(), p.numpy())
    assert jac.shape == (6, 3, 4, 3)


def test_higher_order_walk_hands_tensors():
    w1, w2, b2, unused, x = three_layers()
    events = []
    with wb.GradientTape() as outer:
        with wb.GradientTape() as inner:
            loss = wb.reduce_sum(wb.square(wb.matmul(wb.tanh(wb.matmul(x, w1)), w2)))
        with listening(Recorder(events)):
            g1, g2 = inner.gradient(loss, [w1, w2])
        total = wb.reduce_sum(wb.square(g1)) + wb.reduce_sum(wb.square(g2))
    assert [e[1] for e in events] == [1, 0]
    assert events[0][2] is g2 and events[1][2] is g1   # Tensors, which the outer tape recorded
    assert outer.gradient(total, w1) is not None


def test_planned_walk_tells_the_listener_at_every_replay():
    w1, w2, b2, unused, x = three_layers()
    events = []
    listener = Recorder(events)
    mark = marked(events, "first layer")

    @wb.function
    def grads(x):
        with wb.GradientTape() as tape:
            h = mark(wb.tanh(wb.matmul(x, w1)))
            loss = wb.reduce_sum(wb.square(wb.matmul(h, w2) + b2))
        with listening(listener):
            return tape.gradient(loss, [w1, w2, b2])

    traced = grads(x)
    n_trace = len(events)
    for _ in range(2):
        del events[:]
        got = grads(x)
        # replays do not run the Python function: the planned walk's steps tell the listener
        assert [e[:2] for e in events] == [("final", 2), ("final", 1), ("rule", "first layer"), ("final", 0)]
        for k in range(3):
            assert events[[e[:2] for e in events].index(("final", k))][2] is got[k]._data
            np.testing.assert_array_equal(got[k].numpy(), traced[k].numpy())
    assert n_trace >= 4


def train(overlap, compiled, clip=False, steps=3):
    events = []
    strategy = wb.distribute.MultiWorkerMirroredStrategy(collectives=TwinCollectives(events))
    if overlap:
        strategy._reducer.events = events
    else:
        strategy._reducer = None
    wb.random.set_seed(0)
    with strategy.scope():
        model = wb.keras.Sequential([wb.keras.Input((5,)), wb.keras.layers.Dense(6, activation="tanh"),
                                     wb.keras.layers.Dense(4, activation="tanh"), wb.keras.layers.Dense(1)])
        opt = wb.optimizers.Adam(0.05)
    mark = marked(events, "first layer")
    x = wb.constant(np.random.default_rng(0).normal(size=(8, 5)).astype("float32"))
    y = wb.constant(np.random.default_rng(1).normal(size=(8, 1)).astype("float32"))

    def step(x, y):
        def replica(x, y):
            with wb.GradientTape() as tape:
                h = model.layers[0](x)
                out = model.layers[2](model.layers[1](mark(h)))
                loss = wb.nn.compute_average_loss(wb.reduce_sum(wb.square(out - y), axis=1), global_batch_size=16)
            grads = tape.gradient(loss, model.trainable_variables)
            if clip:
                grads, _ = wb.clip_by_global_norm(grads, 1.0)
            opt.apply_gradients(zip(grads, model.trainable_variables))
            return loss
        return strategy.run(replica, args=(x, y))

    if compiled:
        step = wb.function(step)
    per_step = []
    for _ in range(steps):
        start = len(events)
        step(x, y)
        per_step.append(events[start:])
    train.out_of_place = strategy._collectives.out_of_place
    train.ops = step.get_concrete_function(x, y).ops if compiled else ()
    return [v.numpy() for v in model.trainable_variables], per_step


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "wb.function"])
def test_buckets_start_during_the_walk_and_give_the_same_weights(compiled):
    weights, per_step = train(True, compiled)
    # a bucket of several gradients is copied into its fusion buffer; one of a single gradient
    # is summed out of place from the gradient itself
    assert train.out_of_place == [False, True, True, True] * 3
    if compiled:   # the hand-overs are steps of the program, among the walk's, before the update
        ops = list(train.ops)
        finals = [i for i, name in enumerate(ops) if name == "gradient/final"]
        assert len(finals) == 6 and ops.index("gradient/listen") < finals[0]
        assert any(name.startswith("gradient/") and name != "gradient/final" for name in ops[finals[0]:finals[-1]])
        assert finals[-1] < [i for i, name in enumerate(ops) if "apply_gradients" in name][0]
    reference, plain = train(False, compiled)
    for w, r in zip(weights, reference):
        np.testing.assert_array_equal(w, r)
    assert all(not any(e[0] in ("sent", "final") for e in s) for s in plain)
    for events in per_step:
        kinds = [e[0] for e in events]
        # the last layer (1 + 4 values) and the middle layer's bias (4) are the first bucket ...
        first_sent = kinds.index("sent")
        assert first_sent < kinds.index("rule"), events
        assert events[first_sent] == ("sent", 1 + 4 + 4)
        # ... every bucket started once, all awaited in apply_gradients; nothing summed after
        assert kinds.count("sent") == kinds.count("start") and "all_reduce" not in kinds
        assert events.index(("waited", kinds.count("sent"))) > kinds.index("rule")
        finals = [e[1].split("/")[-1] for e in events if e[0] == "final"]
        assert finals == ["bias", "kernel"] * 3   # last layer first


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "wb.function"])
def test_changed_gradients_are_summed_in_apply_gradients_and_not_launched_again(compiled):
    weights, per_step = train(True, compiled, clip=True)
    reference, _ = train(False, compiled, clip=True)
    for w, r in zip(weights, reference):
        np.testing.assert_allclose(w, r, rtol=1e-6, atol=1e-7)
    first, second, third = ([e[0] for e in s] for s in per_step)
    assert "sent" in first and "all_reduce" in first    # launched, then the clipped ones summed
    assert "waited" in second                           # the unused sums retired ...
    assert "sent" not in third and "all_reduce" in third   # ... and not launched again


def test_a_gradient_kept_as_rows_is_summed_in_apply_gradients():
    results = []
    for overlap in (True, False):
        events = []
        strategy = wb.distribute.MultiWorkerMirroredStrategy(collectives=TwinCollectives(events))
        if overlap:
            strategy._reducer.events = events
        else:
            strategy._reducer = None
        wb.random.set_seed(0)
        with strategy.scope():
            table = wb.Variable(np.random.default_rng(0).normal(size=(10, 4)).astype("float32"), name="table")
            w = wb.Variable(np.ones((4, 1), "float32"), name="w")
            opt = wb.optimizers.SGD(0.1)
        ids = wb.constant([1, 3, 3, 7])

        def replica():
            with wb.GradientTape() as tape:
                loss = wb.reduce_sum(wb.matmul(wb.gather(table, ids), w) ** 2)
            grads = tape.gradient(loss, [table, w])
            assert isinstance(grads[0], wb.IndexedSlices)
            opt.apply_gradients(zip(grads, [table, w]))
        for _ in range(2):
            strategy.run(replica)
        results.append([table.numpy(), w.numpy()])
        if overlap:   # w's bucket starts during the walk, the table's never: summed in apply_gradients
            assert ("final", "w") in events and ("final", "table") not in events
            assert ("sent", 4) in events and ("all_reduce", 40) in events
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_non_variable_sources_are_not_reduced_during_the_walk():
    events = []
    strategy = wb.distribute.MultiWorkerMirroredStrategy(collectives=TwinCollectives(events))
    x = wb.constant([1.0, 2.0])

    def replica():
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = wb.reduce_sum(x * x)
        return tape.gradient(y, x)
    np.testing.assert_array_equal(strategy.run(replica).numpy(), [2.0, 4.0])
    assert events == []


LOOP = """
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
        events = strategy._reducer.events = []
    rank = getattr(strategy.cluster_resolver, "task_id", None) or 0   # TF's: no resolver / None alone
    wb.random.set_seed(0 if single else rank)
    x = np.random.default_rng(0).normal(size=(32, 20)).astype("float32")
    y = np.random.default_rng(1).normal(size=(32, 1)).astype("float32")
    with strategy.scope():
        model = wb.keras.Sequential([wb.keras.Input((20,)), wb.keras.layers.Dense(24, activation="tanh"),
                                     wb.keras.layers.Dense(16, activation="tanh"), wb.keras.layers.Dense(1)])
        optimizer = wb.optimizers.Adam(0.02)
    dist = strategy.experimental_distribute_dataset(wb.data.Dataset.from_tensor_slices((x, y)).batch(16))

    @wb.function
    def train_step(xb, yb):
        def replica_step(xb, yb):
            with wb.GradientTape() as tape:
                per_example = wb.reduce_sum(wb.square(model(xb, training=True) - yb), axis=1)
                loss = wb.nn.compute_average_loss(per_example, global_batch_size=16)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss
        return strategy.reduce("SUM", strategy.run(replica_step, args=(xb, yb)), axis=None)

    losses = []
    for epoch in range(3):
        for xb, yb in dist:
            if rank == 1 and len(losses) == 2 and os.environ.get("TEST_HANG"):
                import time; time.sleep(60)
            losses.append(float(train_step(xb, yb)))
    tag = "single" if single else f"{mode}{rank}"
    np.savez(os.path.join(out, tag + ".npz"), *[v.numpy() for v in model.trainable_variables])
    with open(os.path.join(out, tag + ".json"), "w") as f:
        json.dump({"losses": losses, "events": [] if single else [list(e) for e in events]}, f)
"""


def run_job(tmp_path, mode, mpiexec=True, source=LOOP, env=None, ok=True):
    job = run_script(tmp_path, source, mode, mpiexec=mpiexec, env=env)
    assert (job.returncode == 0) == ok, job.stdout + job.stderr
    return job


@needs_mpi
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["thread", "nonblocking"])
def test_overlapped_all_reduce_under_mpiexec_gives_the_one_process_weights(tmp_path, mode):
    run_job(tmp_path, "single", mpiexec=False)
    run_job(tmp_path, mode)
    single = np.load(tmp_path / "single.npz")
    ref = json.loads((tmp_path / "single.json").read_text())
    for rank in (0, 1):
        got = np.load(tmp_path / f"{mode}{rank}.npz")
        for key in single.files:
            np.testing.assert_allclose(got[key], single[key], rtol=2e-5, atol=2e-6)
        log = json.loads((tmp_path / f"{mode}{rank}.json").read_text())
        np.testing.assert_allclose(log["losses"], ref["losses"], rtol=2e-5)
        events = [tuple(e) for e in log["events"]]
        # every one of the 6 steps: buckets in flight before the first layer's gradients are final
        # variables are named by path: Keras 3 builds a Sequential's layers in its scope
        steps = [i for i, e in enumerate(events) if e == ("final", "sequential/dense_2/bias")] + [len(events)]
        assert len(steps) == 7
        for a, b in zip(steps, steps[1:]):
            step = events[a:b]
            assert step.index(("start", 0)) < step.index(("final", "sequential/dense/kernel")), step
            assert [e for e in step if e[0] == "start"] == [("start", i) for i in range(4)], step


@needs_mpi
@pytest.mark.slow
def test_a_rank_that_hangs_while_buckets_are_in_flight_is_named(tmp_path):
    job = run_job(tmp_path, "thread", env={"WORKBENCH_COLLECTIVE_TIMEOUT": "3", "TEST_HANG": "1"}, ok=False)
    # rank 0's communication thread waits in a bucket's sum: the watchdog names rank 1 and ends the job
    assert "DeadlineExceededError" in job.stderr and "gradient bucket #" in job.stderr, job.stderr
    assert "did not complete on rank 0 of 2 within 3 s: rank 1 (pid" in job.stderr, job.stderr


TWO_MODELS = """
    import os, sys
    import numpy as np
    import workbench as wb

    out, mode = sys.argv[1], sys.argv[2]
    single = mode == "single"
    if single:
        strategy = wb.distribute.get_strategy()
    else:
        options = wb.distribute.experimental.CommunicationOptions(bytes_per_pack=512)
        strategy = wb.distribute.MultiWorkerMirroredStrategy(communication_options=options)
        strategy._collectives.overlap = mode
    rank = getattr(strategy.cluster_resolver, "task_id", None) or 0   # TF's: no resolver / None alone
    wb.random.set_seed(0 if single else rank)
    x = np.random.default_rng(0).normal(size=(16, 6)).astype("float32")
    with strategy.scope():
        gen = wb.keras.Sequential([wb.keras.Input((6,)), wb.keras.layers.Dense(12, activation="tanh"),
                                   wb.keras.layers.Dense(6)])
        disc = wb.keras.Sequential([wb.keras.Input((6,)), wb.keras.layers.Dense(10, activation="tanh"),
                                    wb.keras.layers.Dense(1)])
        gen_opt, disc_opt = wb.optimizers.Adam(0.01), wb.optimizers.SGD(0.05)
    dist = strategy.experimental_distribute_dataset(wb.data.Dataset.from_tensor_slices(x).batch(8))

    @wb.function
    def train_step(xb):
        def replica_step(xb):
            with wb.GradientTape() as gen_tape, wb.GradientTape() as disc_tape:
                fake = gen(xb, training=True)
                real_score, fake_score = disc(xb, training=True), disc(fake, training=True)
                disc_loss = wb.nn.compute_average_loss(wb.reduce_sum(wb.square(real_score - 1) + wb.square(fake_score), axis=1),
                                                       global_batch_size=8)
                gen_loss = wb.nn.compute_average_loss(wb.reduce_sum(wb.square(fake_score - 1), axis=1),
                                                      global_batch_size=8)
            gen_grads = gen_tape.gradient(gen_loss, gen.trainable_variables)
            disc_grads = disc_tape.gradient(disc_loss, disc.trainable_variables)
            # applied in the other order: the generator's buckets wait while the discriminator's run
            disc_opt.apply_gradients(zip(disc_grads, disc.trainable_variables))
            gen_opt.apply_gradients(zip(gen_grads, gen.trainable_variables))
            return gen_loss
        return strategy.reduce("SUM", strategy.run(replica_step, args=(xb,)), axis=None)

    for epoch in range(3):
        for xb in dist:
            train_step(xb)
    tag = "single" if single else f"{mode}{rank}"
    np.savez(os.path.join(out, tag + ".npz"), *[v.numpy() for v in gen.trainable_variables + disc.trainable_variables])
"""


@needs_mpi
@pytest.mark.slow
def test_two_models_reduced_in_interleaved_walks_under_mpiexec(tmp_path):
    run_job(tmp_path, "single", mpiexec=False, source=TWO_MODELS)
    run_job(tmp_path, "thread", source=TWO_MODELS)
    single = np.load(tmp_path / "single.npz")
    for rank in (0, 1):
        got = np.load(tmp_path / f"thread{rank}.npz")
        for key in single.files:
            np.testing.assert_allclose(got[key], single[key], rtol=2e-5, atol=2e-6)
