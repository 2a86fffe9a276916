"""wb.distribute in one process: the strategies' API, with the collectives replaced at their seam
(``Collectives``) by a stand-in for a two-rank job whose other rank holds the same values."""

import numpy as np
import pytest

import workbench as wb
from workbench.distribute.collectives import Collectives, fuse_buckets
from workbench.distribute.input import shard_bounds


class TwinCollectives(Collectives):
    """Rank ``rank`` of 2, the other rank holding the same values: a sum doubles, a gather
    repeats; every bucket sent is recorded."""

    def __init__(self, rank=0, bucket_bytes=1 << 20):
        self.rank, self.size, self.bucket_bytes = rank, 2, bucket_bytes
        self.buckets, self.broadcasts = [], []

    def _start_all_reduce(self, send, recv):
        self.buckets.append(send.size)
        recv[...] = send * 2
        return recv

    def _finish(self, handles, what):
        pass

    def broadcast(self, array, root=0):
        self.broadcasts.append(array.shape)
        return array

    def all_gather(self, array):
        return np.concatenate([array, array])

    def barrier(self):
        pass


def twin_strategy(rank=0, **kw):
    return wb.distribute.MultiWorkerMirroredStrategy(collectives=TwinCollectives(rank, **kw))


def test_default_strategy_is_one_replica():
    s = wb.distribute.get_strategy()
    assert s.num_replicas_in_sync == 1 and not wb.distribute.has_strategy()
    assert s.cluster_resolver is None   # TF 2.21's: only a MultiWorkerMirroredStrategy has one
    assert s.run(lambda a: a * 2, args=(wb.constant(3.0),)).numpy() == 6.0
    assert s.reduce("SUM", wb.constant([1.0, 2.0]), axis=0).numpy() == 3.0
    assert wb.distribute.get_replica_context().num_replicas_in_sync == 1


def test_one_device_and_mirrored_on_cpu():
    for s in (wb.distribute.OneDeviceStrategy("/cpu:0"), wb.distribute.MirroredStrategy(["cpu"])):
        assert s.num_replicas_in_sync == 1
        with s.scope():
            assert wb.distribute.get_strategy() is s and wb.distribute.in_cross_replica_context()
            v = wb.Variable([1.0, 2.0])
        assert v.device == "cpu" and str(v.device) == "/job:localhost/replica:0/task:0/device:CPU:0"
        assert s.experimental_local_results(wb.constant(1.0))[0].numpy() == 1.0
    assert wb.distribute.get_strategy() is not s
    if wb.config.list_physical_devices("GPU"):
        with pytest.raises(ValueError, match="2 devices in one process"):
            wb.distribute.MirroredStrategy(["gpu:0", "gpu:1"])
    else:   # TF's soft placement: replicas named on absent GPUs run on the CPU
        s = wb.distribute.MirroredStrategy(["gpu:0", "gpu:1"])
        assert s.num_replicas_in_sync == 2
        assert s.extended.worker_devices == ("/job:localhost/replica:0/task:0/device:GPU:0",
                                             "/job:localhost/replica:0/task:0/device:GPU:1")
    with pytest.raises(ValueError, match="OneDeviceStrategy: unknown device 'tpu'"):
        wb.distribute.OneDeviceStrategy("tpu")


def test_scope_mirrors_variables_and_optimizer_sums_gradients():
    s = twin_strategy()
    assert s.num_replicas_in_sync == 2
    with s.scope():
        w = wb.Variable([1.0, 2.0])
        opt = wb.optimizers.SGD(learning_rate=1.0)
    assert (2,) in s._collectives.broadcasts
    # applied outside the scope: the optimizer remembers the strategy it was made in
    opt.apply_gradients([(wb.constant([0.5, 0.25]), w)])
    np.testing.assert_allclose(w.numpy(), [0.0, 1.5])  # the two replicas' gradients summed
    plain = wb.optimizers.SGD(learning_rate=1.0)
    with s.scope():
        plain.apply_gradients([(wb.constant([0.5, 0.5]), w)], skip_gradients_aggregation=True)
    np.testing.assert_allclose(w.numpy(), [-0.5, 1.0])


def test_run_compute_average_loss_and_reduce():
    s = twin_strategy()
    with s.scope():
        with pytest.raises(RuntimeError, match="cross replica context"):
            wb.nn.compute_average_loss([1.0, 2.0])

    def step(x):
        ctx = wb.distribute.get_replica_context()
        assert ctx.num_replicas_in_sync == 2 and int(ctx.replica_id_in_sync_group) == 0
        return wb.nn.compute_average_loss(x), wb.nn.scale_regularization_loss(wb.constant([4.0]))

    loss, reg = s.run(step, args=(wb.constant([1.0, 2.0, 3.0]),))
    assert loss.numpy() == pytest.approx(6.0 / 6) and reg.numpy() == pytest.approx(2.0)
    assert s.reduce(wb.distribute.ReduceOp.SUM, loss, axis=None).numpy() == pytest.approx(2.0)
    assert s.reduce("MEAN", loss, axis=None).numpy() == pytest.approx(1.0)
    v = wb.constant([[1.0, 2.0], [3.0, 5.0], [6.0, 7.0]])
    np.testing.assert_allclose(s.reduce("MEAN", v, axis=0).numpy(), [10 / 3, 14 / 3], rtol=1e-6)
    np.testing.assert_allclose(s.reduce("SUM", v, axis=1).numpy(), [6.0, 16.0, 26.0])
    np.testing.assert_allclose(s.gather(v, axis=1).numpy(), np.concatenate([v.numpy()] * 2, axis=1))
    with pytest.raises(ValueError, match="reduce_op must be"):
        s.reduce("MAX", v)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        s.reduce("SUM", v, axis=2)


def test_compute_average_loss_as_tf():
    assert wb.nn.compute_average_loss([1.0, 2.0, 3.0]).numpy() == pytest.approx(2.0)
    assert wb.nn.compute_average_loss([1.0, 2.0], global_batch_size=4).numpy() == pytest.approx(0.75)
    got = wb.nn.compute_average_loss(wb.constant([[1.0, 2.0], [3.0, 4.0]]), sample_weight=[2.0, 0.0])
    assert got.numpy() == pytest.approx((2 + 4) / 2)
    assert wb.nn.compute_average_loss(wb.zeros([0])).numpy() == 0.0
    with pytest.raises(ValueError, match="at least rank 1"):
        wb.nn.compute_average_loss(1.0)
    with pytest.raises(ValueError, match="global_batch_size must be a positive integer, got 0"):
        wb.nn.compute_average_loss([1.0], global_batch_size=0)
    with pytest.raises(ValueError, match="does not broadcast"):
        wb.nn.compute_average_loss([1.0, 2.0], sample_weight=[1.0, 2.0, 3.0])


def test_compute_average_loss_gradient_matches_finite_differences():
    from gradients import check_gradients
    check_gradients(lambda x: wb.nn.compute_average_loss(x, sample_weight=[1.0, 3.0]),
                    [np.array([[0.5, -1.0], [2.0, 0.25]])])


def test_fused_buckets():
    arrays = [np.ones(10, np.float32) for _ in range(5)] + [np.ones(3, np.float64), np.ones(400, np.float32)]
    assert fuse_buckets(arrays, 1 << 20) == [[0, 1, 2, 3, 4], [5], [6]]
    assert fuse_buckets(arrays, 80) == [[0, 1], [2, 3], [4], [5], [6]]
    c = TwinCollectives(bucket_bytes=1 << 20)
    out = c.all_reduce(arrays)
    assert c.buckets == [50, 3, 400]  # one message per bucket, not per array
    for a, o in zip(arrays, out):
        assert o.shape == a.shape and o.dtype == a.dtype and (o == 2).all()
    assert (arrays[0] == 1).all()  # the inputs are left alone


def test_distribute_dataset_shards_every_global_batch():
    assert [shard_bounds(10, 4, r) for r in range(4)] == [(0, 3), (3, 6), (6, 8), (8, 10)]
    ds = wb.data.Dataset.range(11).shuffle(11, seed=5, reshuffle_each_iteration=False).batch(4)
    order = [b.numpy().tolist() for b in ds]
    assert [len(b) for b in order] == [4, 4, 3]
    for rank in (0, 1):
        got = [b.numpy().tolist() for b in twin_strategy(rank).experimental_distribute_dataset(ds)]
        assert got == [b[:2] if rank == 0 else b[2:] for b in order[:2]] + \
            [order[2][:2] if rank == 0 else order[2][2:]]
    seen = []
    for rank in (0, 1):
        for b in twin_strategy(rank).experimental_distribute_dataset(ds):
            seen += b.numpy().tolist()
    assert sorted(seen) == list(range(11))
    with pytest.raises(ValueError, match="batch"):
        list(twin_strategy().experimental_distribute_dataset(wb.data.Dataset.range(3)))
    it = iter(twin_strategy(1).experimental_distribute_dataset(ds))
    assert it.get_next().numpy().tolist() == order[0][2:] and next(it).numpy().tolist() == order[1][2:]
    it.get_next()
    with pytest.raises(wb.errors.OutOfRangeError):
        it.get_next()


def test_distribute_datasets_from_function_gets_input_context():
    contexts = []

    def dataset_fn(ctx):
        contexts.append(ctx)
        batch = ctx.get_per_replica_batch_size(8)
        return wb.data.Dataset.range(16).filter(
            lambda i: i % ctx.num_input_pipelines == ctx.input_pipeline_id).batch(batch)

    s = twin_strategy(rank=1)
    got = [b.numpy().tolist() for b in s.distribute_datasets_from_function(dataset_fn)]
    ctx = contexts[0]
    assert (ctx.num_input_pipelines, ctx.input_pipeline_id, ctx.num_replicas_in_sync) == (2, 1, 2)
    assert got == [[1, 3, 5, 7], [9, 11, 13, 15]]
    with pytest.raises(ValueError, match="not divisible"):
        ctx.get_per_replica_batch_size(7)


def test_custom_loop_in_function_under_twin_strategy():
    """The replica's step traced by wb.function: the all-reduce in apply_gradients and the
    reduce are replayed on every call."""
    s = twin_strategy()
    with s.scope():
        w = wb.Variable([1.0])
        opt = wb.optimizers.SGD(learning_rate=0.5)

    @wb.function
    def step(x):
        def replica(x):
            with wb.GradientTape() as tape:
                loss = wb.nn.compute_average_loss(w * x)
            opt.apply_gradients([(tape.gradient(loss, w), w)])
            return loss
        return s.reduce("SUM", s.run(replica, args=(x,)), axis=None)

    x = wb.constant([1.0, 3.0])
    for i in range(3):
        before = w.numpy()[0]
        total = step(x).numpy()
        assert total == pytest.approx(2 * before * 4 / 4)    # each replica's loss is sum / 4
        assert w.numpy()[0] == pytest.approx(before - 0.5 * 2 * (4 / 4))  # gradient summed twice
    assert s._collectives.buckets  # the collectives ran on every call


def test_metric_state_aggregation_is_checked_and_one_worker_reads_its_own():
    class Bad(wb.keras.metrics.Metric):
        def __init__(self):
            super().__init__()
            self.add_variable((), aggregation="max")
    with pytest.raises(ValueError, match=r"Bad.add_weight: aggregation must be one of \['sum', 'mean', "
                                         r"'only_first_replica', 'none'\], got 'max'"):
        Bad()
    m = wb.keras.metrics.Mean()
    m.update_state([1.0, 3.0])
    assert [a for _, a in m.state_aggregations()] == ["sum", "sum"]
    with wb.distribute.get_strategy().summed_state(m.variables):
        assert float(m.result()) == 2.0


def test_fit_logs_under_workers_keep_a_custom_train_steps_own_numbers():
    class Custom(wb.keras.Sequential):
        def train_step(self, data):
            x, y = data
            with wb.GradientTape() as tape:
                loss = wb.reduce_mean(wb.square(self(x, training=True) - y))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            return {"loss": wb.constant(7.0), "extra": 5.0}   # its own numbers, under a metric's name too

    seen = []
    strategy = twin_strategy()
    with strategy.scope():
        model = Custom([wb.keras.Input((2,)), wb.keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 2), "float32"), np.ones((8, 1), "float32")
    log = wb.keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(dict(logs)))
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[log])
    # averaged over the two workers (the twin holds the same): kept, not replaced by the unused tracker's 0
    assert seen == [{"loss": 7.0, "extra": 5.0}] * 2
