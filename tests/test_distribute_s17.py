"""Session 17 of wb.distribute: a lone worker's cluster resolver, several logical-CPU replicas
training in one process (TF 2.21's values pinned), dtensor."""

import numpy as np
import pytest

import workbench as wb


def test_lone_worker_cluster_resolver_is_tfs():
    # TF 2.21, no TF_CONFIG: TFConfigClusterResolver with task_type/task_id None, ClusterSpec({})
    resolver = wb.distribute.MultiWorkerMirroredStrategy(
        collectives=wb.distribute.LocalCollectives()).cluster_resolver
    assert resolver.task_type is None and resolver.task_id is None and resolver.rpc_layer is None
    assert resolver.cluster_spec() == wb.train.ClusterSpec({}) and not resolver.cluster_spec()
    # MirroredStrategy, OneDeviceStrategy and the default strategy have none
    assert wb.distribute.MirroredStrategy().cluster_resolver is None
    assert wb.distribute.OneDeviceStrategy("/cpu:0").cluster_resolver is None
    assert wb.distribute.get_strategy().cluster_resolver is None


# -- several logical-CPU replicas training in one process -------------------------------------
# Expected numbers: TF 2.21 + Keras 3 on CPU, MirroredStrategy over logical devices cpu:0, cpu:1
# (/tmp scripts run against TF itself, printed and pinned here).

from workbench import config, keras  # noqa: E402


@pytest.fixture
def logical_cpus(monkeypatch):
    def make(n):
        monkeypatch.setattr(config, "_LOGICAL", {})
        monkeypatch.setitem(config._INITIALIZED, "on", False)
        cpu = wb.config.list_physical_devices("CPU")[0]
        wb.config.set_logical_device_configuration(cpu, [wb.config.LogicalDeviceConfiguration()] * n)
        return wb.distribute.MirroredStrategy([f"cpu:{i}" for i in range(n)])
    return make


X = np.arange(24, dtype=np.float32).reshape(8, 3) / 10.0
Y = np.stack([np.sin(np.arange(8)), np.cos(np.arange(8))], 1).astype(np.float32)
W0 = (np.arange(6, dtype=np.float32).reshape(3, 2) - 2.5) / 5

TF_CUSTOM = {
    "sgd": ([1.0994141101837158, 0.9421901106834412, 0.9318550825119019],
            [-0.45107603, -0.35652667, -0.04289434, 0.03968787, 0.36528736, 0.43590236],
            [0.08181694, -0.03785505]),
    "adam": ([1.0994141101837158, 1.0477014780044556, 1.0059512853622437],
             [-0.47037813, -0.3296015, -0.070365235, 0.07040026, 0.32964545, 0.47040176],
             [0.029754879, -0.029574461]),
}


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "wb.function"])
@pytest.mark.parametrize("which", ["sgd", "adam"])
def test_custom_loop_over_logical_replicas_trains_as_tf(logical_cpus, which, traced):
    strategy = logical_cpus(2)
    with strategy.scope():
        w = wb.Variable(W0)
        b = wb.Variable(np.zeros(2, np.float32))
        opt = keras.optimizers.SGD(0.1) if which == "sgd" else keras.optimizers.Adam(0.01)
    dist = strategy.experimental_distribute_dataset(wb.data.Dataset.from_tensor_slices((X, Y)).batch(8))

    def step(x, y):
        with wb.GradientTape() as tape:
            per = wb.reduce_sum((wb.matmul(x, w) + b - y) ** 2, axis=1)
            loss = wb.nn.compute_average_loss(per, global_batch_size=8)
        grads = tape.gradient(loss, [w, b])
        opt.apply_gradients(zip(grads, [w, b]))
        return loss

    def train(x, y):
        return strategy.reduce("SUM", strategy.run(step, args=(x, y)), axis=None)
    if traced:
        train = wb.function(train)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # traced: replayed, not run eagerly
        losses = [float(train(x, y)) for _ in range(3) for x, y in dist]
    want_losses, want_w, want_b = TF_CUSTOM[which]
    np.testing.assert_allclose(losses, want_losses, rtol=2e-6)
    np.testing.assert_allclose(w.numpy().ravel(), want_w, rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(b.numpy(), want_b, rtol=2e-6, atol=1e-7)
    assert int(opt.iterations.numpy()) == 3   # one update per step, not one per replica
    if traced:   # every step after the first replays one program (Adam's first step makes its slots)
        assert train.experimental_get_tracing_count() == (1 if which == "sgd" else 2)


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_keras_fit_over_logical_replicas_is_tfs(logical_cpus, run_eagerly):
    strategy = logical_cpus(2)
    with strategy.scope():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
            2, kernel_initializer=keras.initializers.Constant(W0), bias_initializer="zeros")])
        model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"], run_eagerly=run_eagerly)
    history = model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], [0.5315964221954346, 0.5053771734237671,
                                                         0.5036557912826538], rtol=2e-6)
    np.testing.assert_allclose(history.history["mae"], [0.6209954023361206, 0.6291096210479736,
                                                        0.6276170015335083], rtol=2e-6)
    np.testing.assert_allclose(model.layers[0].kernel.numpy().ravel(), [
        -0.48180428, -0.3250566, -0.0744776, 0.07203035, 0.33284906, 0.4691173], rtol=2e-6)
    np.testing.assert_allclose(model.layers[0].bias.numpy(), [0.07326658, -0.029130612], rtol=2e-6)
    assert int(model.optimizer.iterations.numpy()) == 6
    np.testing.assert_allclose(model.evaluate(X, Y, batch_size=4, verbose=0),
                               [0.4817025363445282, 0.5900282859802246], rtol=2e-6)


def test_replica_context_merge_call_and_synchronized_variables_are_tfs(logical_cpus):
    strategy = logical_cpus(3)

    def reduce_both():
        ctx = wb.distribute.get_replica_context()
        x = wb.cast(ctx.replica_id_in_sync_group, wb.float32) + 1.0
        return ctx.all_reduce("SUM", x), ctx.all_reduce("MEAN", x * 2)
    for fn in (reduce_both, wb.function(lambda: strategy.run(reduce_both))):
        total, mean = strategy.run(fn) if fn is reduce_both else fn()
        assert isinstance(total, wb.distribute.PerReplica)   # one tensor per replica, as TF's
        assert [float(v) for v in total.values] == [6.0] * 3 and [float(v) for v in mean.values] == [4.0] * 3
    seen = []

    def merged():
        ctx = wb.distribute.get_replica_context()
        x = wb.cast(ctx.replica_id_in_sync_group, wb.float32)

        def merge(strategy_, v, c):
            seen.append((type(v).__name__, c, wb.distribute.in_cross_replica_context()))
            return strategy_.reduce("SUM", v, axis=None) + c
        return ctx.merge_call(merge, args=(x, 10.0))
    assert float(strategy.run(merged)) == 13.0 and seen == [("PerReplica", 10.0, True)]
    with strategy.scope():
        metric = keras.metrics.Mean()
        total = wb.Variable(0.0, aggregation=wb.VariableAggregation.SUM)
        last = wb.Variable(1.0, aggregation=wb.VariableAggregation.MEAN)

    def update(x):
        metric.update_state(x)
        total.assign_add(x)
        last.assign(x)
        return metric.result()   # in a replica: its own copy (ON_READ), as TF's
    xs = strategy.experimental_distribute_values_from_function(
        lambda c: wb.constant(float(c.replica_id_in_sync_group + 1)))
    for want_total in (6.0, 12.0):
        results = strategy.run(update, args=(xs,))
        assert [float(v) for v in results.values] == [1.0, 2.0, 3.0]
        assert (float(metric.result()), float(total.numpy()), float(last.numpy())) == (2.0, want_total, 2.0)
    metric.reset_state()
    assert [float(v) for v in strategy.run(update, args=(xs,)).values] == [1.0, 2.0, 3.0]


def test_replicas_that_fail_or_merge_differently_raise_tfs_errors(logical_cpus):
    strategy = logical_cpus(2)

    def uneven():
        ctx = wb.distribute.get_replica_context()
        if ctx._replica_id == 0:
            return ctx.merge_call(lambda s: 1.0)
        return 2.0
    with pytest.raises(RuntimeError, match=r"Some replicas made a different number of replica_context\(\)"
                                           r"\.merge_call\(\) calls"):
        strategy.run(uneven)

    def boom():
        ctx = wb.distribute.get_replica_context()
        if ctx._replica_id == 1:
            raise ValueError("replica 1 fails")
        return ctx.all_reduce("SUM", 1.0)
    with pytest.raises(ValueError, match="replica 1 fails"):
        strategy.run(boom)
    import threading
    assert not [t for t in threading.enumerate() if t.name.startswith("wb.distribute replica")]
    assert strategy.run(lambda: wb.constant(1.0)) is not None   # the strategy still runs


def test_autograph_break_before_a_name_bound_and_used_within_each_pass():
    # TF 2.21: `y` is bound and used within each pass, so it is no loop state and the branch
    # that breaks need not define it (was "'y' must also be initialized in the else branch")
    @wb.function
    def f(n):
        total = wb.constant(0)
        for i in wb.range(10):
            if i >= n:
                break
            y = i * 2
            total += y
        return total
    assert int(f(wb.constant(4))) == 12 and int(f(wb.constant(20))) == 90
    assert f.experimental_get_tracing_count() == 1

    @wb.function
    def carried(n):   # read before it is bound in the pass: loop state, defined before the loop
        y = wb.constant(0)
        for i in wb.range(5):
            if i >= n:
                break
            z = y + i
            y = z
        return y
    assert int(carried(wb.constant(3))) == 3


def test_distributed_iterator_get_next_as_optional_ends_a_traced_loop(logical_cpus, capsys):
    # TF's input tutorial (distribute/input.ipynb, its get_next_as_optional cell): TF 2.21 prints
    # ([0 1], [2 3]) / ([4 5], [6 7]) / ([8], [])
    strategy = logical_cpus(2)
    dataset = wb.data.Dataset.range(9).batch(4)

    @wb.function
    def train_fn(distributed_iterator):
        for _ in wb.range(5):
            optional_data = distributed_iterator.get_next_as_optional()
            if not optional_data.has_value():
                break
            per_replica_results = strategy.run(lambda x: x, args=(optional_data.get_value(),))
            wb.print(strategy.experimental_local_results(per_replica_results))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):
            train_fn(iter(strategy.experimental_distribute_dataset(dataset)))
    out = capsys.readouterr()
    printed = (out.out + out.err).splitlines()
    assert printed == ["([0 1], [2 3])", "([4 5], [6 7])", "([8], [])"] * 2


def test_input_signature_takes_a_distributed_datasets_per_replica_spec(logical_cpus):
    # TF's input tutorial: tf.function(input_signature=[dist_dataset.element_spec]) over two
    # logical CPUs; one trace serves every batch size the spec's open dimension admits
    strategy = logical_cpus(2)
    dataset = wb.data.Dataset.from_tensors(([1.0], [1.0])).repeat(100).batch(16)
    dist_dataset = strategy.experimental_distribute_dataset(dataset)
    spec = dist_dataset.element_spec
    assert isinstance(spec[0], wb.distribute.PerReplicaSpec)

    @wb.function(input_signature=[spec])
    def train_step(per_replica_inputs):
        return strategy.run(lambda inputs: 2 * inputs, args=(per_replica_inputs,))
    output = train_step(next(iter(dist_dataset)))
    assert len(output) == 4   # 2 * a tuple (features, labels) repeats it, as in TF
    assert [v.shape for v in output[0].values] == [(8, 1), (8, 1)]
    small = strategy.experimental_distribute_dataset(wb.data.Dataset.from_tensors(([1.0], [1.0])).repeat(6).batch(6))
    assert [v.shape for v in train_step(next(iter(small)))[1].values] == [(3, 1), (3, 1)]
    assert train_step.experimental_get_tracing_count() == 1
    train_step.get_concrete_function()   # from the signature alone: PerReplica examples of its specs
    with pytest.raises(TypeError, match="Can not cast TensorSpec.* to PerReplicaSpec"):
        train_step((wb.constant([[1.0]]), wb.constant([[1.0]])))


# -- dtensor: the layouts of op results, DVariable (TF's guide dtensor_overview, TF 2.21) ----------

@pytest.fixture
def six_cpus(logical_cpus):
    from workbench.experimental import dtensor
    logical_cpus(6)
    yield dtensor
    dtensor._stop_observing()


def _from_array(dtensor, arr, layout):
    a = dtensor.copy_to_mesh(wb.constant(arr), layout=dtensor.Layout.replicated(layout.mesh, rank=layout.rank))
    return dtensor.relayout(a, layout=layout)


def test_dtensor_matmul_results_have_tfs_layouts(six_cpus):
    dtensor = six_cpus
    devices = [f"CPU:{i}" for i in range(6)]
    mesh = dtensor.create_mesh([("x", 3), ("y", 2)], devices=devices)
    cases = [([dtensor.UNSHARDED, dtensor.UNSHARDED], [dtensor.UNSHARDED, dtensor.UNSHARDED],
              ["unsharded", "unsharded"]),
             ([dtensor.UNSHARDED, "x"], ["x", dtensor.UNSHARDED], ["unsharded", "unsharded"]),
             (["y", "x"], ["x", dtensor.UNSHARDED], ["y", "unsharded"])]
    for a_specs, b_specs, want in cases:
        a = _from_array(dtensor, [[1, 2, 3], [4, 5, 6]], dtensor.Layout(a_specs, mesh))
        b = _from_array(dtensor, [[6, 5], [4, 3], [2, 1]], dtensor.Layout(b_specs, mesh))
        c = wb.matmul(a, b)
        assert dtensor.fetch_layout(c).sharding_specs == want
    # TF 2.21's components of the last: rows by the 'y' coordinate of each device
    assert [v.numpy().tolist() for v in dtensor.unpack(c)] == [[[20, 14]], [[56, 41]]] * 3
    t = wb.transpose(a)
    assert dtensor.fetch_layout(t).sharding_specs == ["x", "y"]
    assert dtensor.fetch_layout(a + 1).sharding_specs == ["y", "x"]
    assert dtensor.fetch_layout(wb.reduce_sum(a)).sharding_specs == []
    assert dtensor.fetch_layout(wb.constant(1.0) + 1.0) is None


def test_dvariable_layout_handle_and_assign(six_cpus):
    dtensor = six_cpus
    mesh = dtensor.create_mesh([("x", 6)], devices=[f"CPU:{i}" for i in range(6)])
    layout = dtensor.Layout([dtensor.UNSHARDED, dtensor.UNSHARDED], mesh)
    v = dtensor.DVariable(dtensor.call_with_layout(wb.ones, layout, shape=(4, 3)))
    assert dtensor.fetch_layout(v) == layout and v.handle.layout == layout
    assert "shape=(), dtype=resource" in repr(v.handle)
    b = v + dtensor.call_with_layout(wb.ones, layout=layout, shape=(4, 3))
    assert dtensor.fetch_layout(b) == layout and float(b.numpy().sum()) == 24.0
    other = dtensor.create_mesh([("x", 3), ("y", 2)], devices=[f"CPU:{i}" for i in range(6)])
    elsewhere = dtensor.call_with_layout(wb.ones, dtensor.Layout([dtensor.UNSHARDED] * 2, other), shape=(4, 3))
    with pytest.raises(ValueError, match="DVariable.assign: the variable's layout is .* the value's is"):
        v.assign(elsewhere)   # TF 2.21 raises too (its layout is immutable)
    v.assign(b)
    assert float(v.numpy().sum()) == 24.0


def test_dtensor_prints_and_refuses_numpy_when_sharded_as_tf(six_cpus):
    dtensor = six_cpus
    mesh = dtensor.create_mesh([("x", 3), ("y", 2)], devices=[f"CPU:{i}" for i in range(6)])
    value = wb.reshape(wb.range(6), (3, 2))
    replicated = _from_array(dtensor, value, dtensor.Layout([dtensor.UNSHARDED, dtensor.UNSHARDED], mesh))
    sharded = _from_array(dtensor, value, dtensor.Layout(["x", "y"], mesh))
    assert replicated.numpy().tolist() == [[0, 1], [2, 3], [4, 5]]
    with pytest.raises(wb.errors.UnimplementedError):   # TF 2.21's error for a sharded DTensor
        sharded.numpy()
    assert [c.numpy().tolist() for c in dtensor.unpack(sharded)] == [[[0]], [[1]], [[2]], [[3]], [[4]], [[5]]]
    layout_text = 'layout="sharding_specs:unsharded,unsharded, mesh:|x=3,y=2|0,1,2,3,4,5|0,1,2,3,4,5|'
    assert str(replicated).startswith("wb.Tensor(\n[[0 1]\n [2 3]\n [4 5]], " + layout_text)
    assert str(sharded).startswith('wb.Tensor({"CPU:0": [[0]], "CPU:1": [[1]], "CPU:2": [[2]], "CPU:3": [[3]], '
                                   '"CPU:4": [[4]], "CPU:5": [[5]]}, layout="sharding_specs:x,y, mesh:')
    assert str(sharded).endswith(", shape=(3, 2), dtype=int32)")
    assert isinstance(sharded + 1, dtensor.DTensor)   # an op's result is a DTensor too


def test_a_function_traced_on_one_replica_reads_each_replicas_id(logical_cpus):
    # TF 2.21: strategy.run(tf.function(f)) over two logical CPUs gives PerReplica(0, 2)
    strategy = logical_cpus(2)
    f = wb.function(lambda: wb.distribute.get_replica_context().replica_id_in_sync_group * 2)
    assert [int(v) for v in strategy.run(f).values] == [0, 2]
    g = wb.function(lambda: strategy.run(lambda: wb.distribute.get_replica_context().replica_id_in_sync_group * 2))
    assert [int(v) for v in g().values] == [0, 2] and [int(v) for v in g().values] == [0, 2]


def test_replica_context_all_gather_is_tfs(logical_cpus):
    strategy = logical_cpus(2)

    def gather():
        ctx = wb.distribute.get_replica_context()
        r = wb.cast(ctx.replica_id_in_sync_group, wb.float32)
        return ctx.all_gather(wb.fill([2, 2], r), axis=0), ctx.all_gather({"a": wb.reshape(r, [1])}, axis=0)
    blocks, named = strategy.run(gather)
    # TF 2.21: every replica gets [[0, 0], [0, 0], [1, 1], [1, 1]] and {'a': [0, 1]}
    assert [v.numpy().tolist() for v in blocks.values] == [[[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]]] * 2
    assert [v.numpy().tolist() for v in named["a"].values] == [[0.0, 1.0]] * 2
    scalars = strategy.run(lambda: wb.distribute.get_replica_context().all_gather(1.0, axis=0))
    assert [float(v) for v in scalars.values] == [1.0, 1.0]   # TF's: a scalar as it is
    assert wb.distribute.get_replica_context().all_gather(wb.constant([1, 2]), axis=0).numpy().tolist() == [1, 2]


def test_mirrored_strategy_of_an_empty_device_list_is_the_default():
    """TF's GPU guide builds MirroredStrategy(list_logical_devices('GPU')): [] on a machine without
    GPUs, which TF 2.21 takes as its default devices (the CPU)."""
    s = wb.distribute.MirroredStrategy([])
    assert s.num_replicas_in_sync == wb.distribute.MirroredStrategy().num_replicas_in_sync
    assert s.extended.worker_devices == wb.distribute.MirroredStrategy().extended.worker_devices
