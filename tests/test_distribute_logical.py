"""MirroredStrategy over logical CPU devices of one process (TF's random_numbers guide): the
devices in ``wb.config``, one replica per device in ``strategy.run``, and ``wb.random.Generator``
under a strategy. Expected numbers are TF 2.21's (Philox draws), printed by TF itself."""

import numpy as np
import pytest

import workbench as wb
from workbench import config


@pytest.fixture
def three_cpus(monkeypatch):
    """Three logical CPU devices, configured before initialization; the process-wide settings
    are put back afterwards."""
    monkeypatch.setattr(config, "_LOGICAL", {})
    monkeypatch.setitem(config._INITIALIZED, "on", False)
    cpu = wb.config.list_physical_devices("CPU")[0]
    wb.config.set_logical_device_configuration(cpu, [wb.config.LogicalDeviceConfiguration()] * 3)
    return cpu


def replica_id():
    return wb.distribute.get_replica_context().replica_id_in_sync_group


def values(per_replica):
    return [float(v.numpy()) if np.ndim(v.numpy()) == 0 else v.numpy().tolist() for v in per_replica.values]


# -- wb.config -----------------------------------------------------------------------------

def test_logical_cpu_devices_as_tf(three_cpus):
    assert wb.config.get_logical_device_configuration(three_cpus) == [wb.config.LogicalDeviceConfiguration()] * 3
    assert wb.config.experimental.VirtualDeviceConfiguration is wb.config.LogicalDeviceConfiguration
    assert [d.name for d in wb.config.list_logical_devices("CPU")] == ["/device:CPU:0", "/device:CPU:1",
                                                                       "/device:CPU:2"]
    # initialized by the listing: the same configuration again is accepted, another is not (TF's error)
    wb.config.experimental.set_virtual_device_configuration(three_cpus, [wb.config.LogicalDeviceConfiguration()] * 3)
    with pytest.raises(RuntimeError, match="Virtual devices cannot be modified after being initialized"):
        wb.config.set_logical_device_configuration(three_cpus, [wb.config.LogicalDeviceConfiguration()] * 2)
    assert len(wb.config.list_logical_devices("CPU")) == 3


def test_logical_device_configuration_bad_input(monkeypatch):
    monkeypatch.setattr(config, "_LOGICAL", {})
    monkeypatch.setitem(config._INITIALIZED, "on", False)
    cpu = wb.config.list_physical_devices("CPU")[0]
    assert wb.config.get_logical_device_configuration(cpu) is None
    with pytest.raises(TypeError, match="logical_devices must be a list of tf.config.LogicalDeviceConfiguration"):
        wb.config.set_logical_device_configuration(cpu, "x")
    with pytest.raises(TypeError, match="device must be a PhysicalDevice"):
        wb.config.set_logical_device_configuration("CPU:0", [wb.config.LogicalDeviceConfiguration()])
    with pytest.raises(ValueError, match="at least one device"):
        wb.config.set_logical_device_configuration(cpu, [])
    assert wb.config.LogicalDeviceConfiguration(memory_limit=64).memory_limit == 64


# -- MirroredStrategy over the logical devices --------------------------------------------------

def test_mirrored_strategy_runs_one_replica_per_device(three_cpus):
    s = wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:1", "cpu:2"])
    assert s.num_replicas_in_sync == 3
    assert s.extended.worker_devices == tuple(f"/job:localhost/replica:0/task:0/device:CPU:{i}" for i in range(3))
    ids = s.run(replica_id)
    assert isinstance(ids, wb.distribute.PerReplica) and values(ids) == [0, 1, 2]
    assert str(ids).startswith("PerReplica:{\n  0: wb.Tensor(0, shape=(), dtype=int32),")
    assert [int(v) for v in s.experimental_local_results(ids)] == [0, 1, 2]
    assert int(s.reduce("SUM", ids, axis=None)) == 3
    as_float = s.run(lambda: wb.cast(replica_id(), wb.float32))
    assert float(s.reduce(wb.distribute.ReduceOp.MEAN, as_float, axis=None)) == 1.0
    rows = s.run(lambda: wb.fill([2 + replica_id().numpy(), 2], wb.cast(replica_id(), wb.float32)))
    gathered = s.gather(rows, axis=0).numpy()
    np.testing.assert_array_equal(gathered[:, 0], [0, 0, 1, 1, 1, 2, 2, 2, 2])
    assert float(s.reduce("MEAN", rows, axis=0).numpy()[0]) == pytest.approx(11 / 9)
    # a structure of results: one PerReplica per leaf; the same object in every replica stays itself
    out = s.run(lambda x: {"twice": x * 2.0, "none": None}, args=(wb.constant(3.0),))
    assert out["none"] is None and values(out["twice"]) == [6.0, 6.0, 6.0]
    per = s.experimental_distribute_values_from_function(
        lambda ctx: wb.constant(float(ctx.replica_id_in_sync_group * 10 + ctx.num_replicas_in_sync)))
    assert values(per) == [3.0, 13.0, 23.0] and values(s.run(lambda v: v + 1.0, args=(per,))) == [4.0, 14.0, 24.0]
    # without devices: every GPU, else every logical CPU (TF)
    assert wb.distribute.MirroredStrategy().num_replicas_in_sync == (1 if wb.config.list_physical_devices("GPU") else 3)


def test_per_replica_batches_and_mirrored_variables(three_cpus):
    s = wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:1", "cpu:2"])
    data = wb.data.Dataset.from_tensor_slices(np.arange(14.0, dtype="float32")).batch(7)
    first = next(iter(s.experimental_distribute_dataset(data)))
    assert [v.numpy().tolist() for v in first.values] == [[0, 1, 2], [3, 4], [5, 6]]
    sums = s.run(lambda b: wb.reduce_sum(b), args=(first,))
    assert values(sums) == [3.0, 7.0, 11.0] and float(s.reduce("SUM", sums, axis=None)) == 21.0
    with s.scope():
        v = wb.Variable(1.0)
    def add():
        v.assign_add(wb.cast(replica_id(), wb.float32) + 1.0)
        return wb.identity(v)
    seen = s.run(add)
    assert values(seen) == [2.0, 3.0, 4.0]   # every replica starts from the value run began with
    assert float(v.numpy()) == 2.0            # afterwards, replica 0's (the primary copy)
    unmirrored = wb.Variable(0.0)             # made outside the scope: one variable every replica updates
    s.run(lambda: unmirrored.assign_add(1.0))
    assert float(unmirrored.numpy()) == 3.0


def test_collectives_inside_run_go_through_merge_call(three_cpus):
    # each replica's gradient summed once every replica called apply_gradients; one update
    s = wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:1"])
    with s.scope():
        w = wb.Variable([1.0, 2.0])
        opt = wb.optimizers.SGD(0.1)

    def train():
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(w * w) * (wb.cast(replica_id(), wb.float32) + 1.0)
        opt.apply_gradients([(tape.gradient(loss, w), w)])
    s.run(train)
    np.testing.assert_allclose(w.numpy(), [1.0 - 0.1 * 6.0, 2.0 - 0.1 * 12.0], rtol=1e-6)
    assert int(opt.iterations.numpy()) == 1
    summed = s.run(lambda: wb.distribute.get_replica_context().all_reduce("SUM", wb.constant(1.0)))
    assert values(summed) == [2.0, 2.0]
    assert s.run(lambda: wb.distribute.get_replica_context().merge_call(lambda strategy: None)) is None


def test_mirrored_strategy_bad_devices(three_cpus):
    with pytest.raises(ValueError, match="No duplicates allowed in `devices` argument"):
        wb.distribute.MirroredStrategy(devices=["cpu:0", "/device:CPU:0"])
    with pytest.raises(ValueError, match=r"\['CPU:3'\] are not logical devices of this process \(it has 3"):
        wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:3"])
    with pytest.raises(TypeError, match=r"devices must be a list of device names, got 3 \(int\)"):
        wb.distribute.MirroredStrategy(devices=3)
    s = wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="a per-replica argument has 3 components; the strategy has 2"):
        s.run(lambda x: x, args=(wb.distribute.PerReplica([1, 2, 3]),))


# -- Generator under a strategy (TF's numbers) ------------------------------------------------

def test_generator_made_outside_is_drawn_in_turn(three_cpus):
    g = wb.random.Generator.from_seed(1)
    s = wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:1"])
    draws = s.run(lambda: g.normal([]))
    np.testing.assert_allclose(values(draws), [0.43842274, 1.6272374], rtol=1e-6)


def test_generator_made_in_scope_gives_each_replica_its_stream(three_cpus):
    s = wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:1"])
    with s.scope():
        g = wb.random.Generator.from_seed(1)
        np.testing.assert_allclose(values(s.run(lambda: g.normal([]))), [-0.87930447, 0.020661574], rtol=1e-6)
        np.testing.assert_allclose(values(s.run(lambda: g.normal([]))), [-1.5822568, 0.77539235], rtol=1e-6)
    assert g.state.numpy().tolist() == [513, 0, 0]   # mirrored: advanced once per run, not per replica

    def made_in_replica():
        h = wb.random.Generator.from_seed(1)
        return wb.stack([h.normal([]), h.normal([])])
    np.testing.assert_allclose(values(s.run(made_in_replica)), [[-0.87930447, -1.5822568], [0.02066157, 0.77539235]],
                               rtol=1e-6)


def test_generator_split_and_traced_run_in_replicas(three_cpus):
    s = wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:1", "cpu:2"])
    with s.scope():
        g = wb.random.Generator.from_seed(7)

    def split_and_draw():
        a, b = g.split(2)   # made inside run: each replica's split keeps replica 0's keys, hashed apart
        return wb.stack([a.normal([]), b.normal([]), g.uniform([])])
    np.testing.assert_allclose(values(s.run(split_and_draw)), [[-1.2734896, -0.9790915, 0.98289084],
                                                               [0.16898304, -0.326449, 0.6309056],
                                                               [0.42005917, 0.30767107, 0.5407007]], rtol=1e-6)
    assert g.state.numpy().tolist() == [775, 0, 0]

    @wb.function
    def step():
        return s.run(lambda: g.normal([2]))
    first, second = step(), step()   # a trace, then a replay: TF's numbers both times
    np.testing.assert_allclose(values(first), [[1.0609072, -0.8920875], [-0.64576244, -0.6193817],
                                               [-1.0215565, -0.37715012]], rtol=1e-6)
    np.testing.assert_allclose(values(second), [[-1.0225425, -0.47687984], [-1.2820443, 0.0222423],
                                                [-0.912736, -0.6391116]], rtol=1e-6)
    assert g.state.numpy().tolist() == [1799, 0, 0]


def test_generator_of_one_strategy_under_another_raises_as_tf(three_cpus):
    s3 = wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:1", "cpu:2"])
    s2 = wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:1"])
    with s2.scope():
        g = wb.random.Generator.from_seed(7)
    with pytest.raises(RuntimeError, match="Mixing different tf.distribute.Strategy objects"):
        s3.run(lambda: g.normal([]))
    np.testing.assert_allclose(float(g.normal([])), -1.3240396, rtol=1e-6)   # outside any: its own stream


def test_apply_gradients_outside_run_is_refused_with_the_reason(three_cpus):
    s = wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:1"])
    w = wb.Variable([1.0])
    with s.scope():
        opt = wb.optimizers.SGD(0.1)
    with pytest.raises(NotImplementedError, match="apply_gradients .* outside strategy.run is not supported over "
                                                  "2 logical devices"):
        opt.apply_gradients([(wb.constant([1.0]), w)])


def test_module_generators_belong_to_no_strategy(three_cpus, monkeypatch):
    import workbench.random as wr
    monkeypatch.setattr(wr, "_global_generator", None)
    monkeypatch.setattr(wr, "_own_generator", None)
    s2 = wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:1"])
    s3 = wb.distribute.MirroredStrategy(devices=["cpu:0", "cpu:1", "cpu:2"])
    with s2.scope():
        wb.random.normal([])            # the global generator is made here, first
    with s3.scope():
        wb.random.normal([])            # ... and serves every strategy
        draws = values(s3.run(lambda: wb.random.normal([])))
    assert len(set(draws)) == 3         # one stream, drawn in turn (not mirrored)
