"""What TF's distribution guide and tutorials (guide/distributed_training, tutorials/distribute/*)
showed to differ here, pinned against TF 2.21's values and texts (from running their cells there)."""

import numpy as np
import pytest

import workbench as wb


def test_keras_losses_reduction_names_as_tf_keras():
    # distributed_training / custom_training: loss classes made with reduction=Reduction.NONE
    R = wb.keras.losses.Reduction
    assert (R.AUTO, R.NONE, R.SUM, R.SUM_OVER_BATCH_SIZE) == ("auto", "none", "sum", "sum_over_batch_size")
    assert R.all() == ("auto", "none", "sum", "sum_over_batch_size")
    with pytest.raises(ValueError, match=r"Invalid Reduction Key: x\. Expected keys are"):
        R.validate("x")
    loss = wb.keras.losses.BinaryCrossentropy(from_logits=True, reduction=R.NONE)
    assert loss(wb.constant([[1.0], [0.0]]), wb.constant([[0.0], [0.0]])).shape == (2,)


@pytest.mark.parametrize("loss, weight, expected_dtype, expected", [
    ([1.0, 2.0, 3.0], [1.0, 0.0, 2.0], "float32", 2.3333332538604736),
    (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 2.0]), "float64", 2.3333333333333335),
    (np.array([1.1, 2.3, 3.7], np.float32), np.array([0.3, 1.7, 2.1]), "float32", 4.003333568572998),
    ([[1.0, 2.0], [3.0, 4.0]], [1, 2], "float32", 8.5),
    ([1, 2, 3], [1, 0, 2], "float64", 2.3333333333333335),   # integers: TF's true division
    ([1, 2, 3], None, "float64", 2.0),
])
def test_compute_average_loss_dtypes_as_tf(loss, weight, expected_dtype, expected):
    # TF 2.21's tf.nn.compute_average_loss: the loss's dtype (a weight is cast to it)
    out = wb.nn.compute_average_loss(loss, sample_weight=weight)
    assert out.dtype.name == expected_dtype
    assert out.numpy().item() == pytest.approx(expected, rel=1e-7)
    assert wb.nn.compute_average_loss(wb.zeros([0], wb.int32)).dtype.name == "float64"


# -- distributed_training guide: strategies and their options (TF 2.21 on a CPU machine) -----

def test_strategies_of_the_guide_construct_as_tf():
    # TF's default device: the GPU where there is one, else the CPU
    dev = "/job:localhost/replica:0/task:0/device:" + ("GPU:0" if wb.config.list_physical_devices("GPU") else "CPU:0")
    s = wb.distribute.MirroredStrategy(cross_device_ops=wb.distribute.HierarchicalCopyAllReduce())
    assert s.num_replicas_in_sync == 1
    assert s.extended.worker_devices == (dev,) and s.extended.parameter_devices == (dev,)
    assert wb.distribute.OneDeviceStrategy("/cpu:0").extended.worker_devices == (
        "/job:localhost/replica:0/task:0/device:CPU:0",)
    with pytest.raises(TypeError, match=r"cross_device_ops must be a wb.distribute.CrossDeviceOps .* got 3 \(int\)"):
        wb.distribute.MirroredStrategy(cross_device_ops=3)
    c = wb.distribute.experimental.CentralStorageStrategy()
    assert c.num_replicas_in_sync == 1
    assert c.extended.worker_devices == [dev]   # a list, as TF's
    assert c.extended.parameter_devices == (dev,)
    with c.scope():
        v = wb.Variable(1.0)
    assert float(c.run(lambda: v * 2.0)) == 2.0
    impl = wb.distribute.experimental.CommunicationImplementation
    assert [m.name for m in impl] == ["AUTO", "RING", "NCCL"] and impl.NCCL.value == "NCCL"
    options = wb.distribute.experimental.CommunicationOptions(implementation=impl.NCCL)
    assert options.implementation is impl.NCCL
    assert wb.distribute.experimental.CommunicationOptions(implementation="ring").implementation is impl.RING
    with pytest.raises(RuntimeError, match=r"worker_devices\(\) method unsupported by default tf.distribute.Strategy"):
        wb.distribute.get_strategy().extended.worker_devices


@pytest.mark.skipif(bool(wb.config.list_physical_devices("GPU")), reason="TF's soft placement without GPUs")
def test_mirrored_strategy_on_absent_gpus_runs_its_replicas_on_the_cpu():
    # TF 2.21 on a CPU machine: MirroredStrategy(devices=["/gpu:0", "/gpu:1"]) has 2 replicas
    s = wb.distribute.MirroredStrategy(devices=["/gpu:0", "/gpu:1"])
    assert s.num_replicas_in_sync == 2
    assert s.extended.worker_devices == ("/job:localhost/replica:0/task:0/device:GPU:0",
                                         "/job:localhost/replica:0/task:0/device:GPU:1")
    out = s.run(lambda: wb.constant(1.0) + 1.0)
    assert [float(v) for v in s.experimental_local_results(out)] == [2.0, 2.0]
    c = wb.distribute.experimental.CentralStorageStrategy(compute_devices=["/gpu:0", "/gpu:1"])
    assert c.num_replicas_in_sync == 2 and c.extended.parameter_devices == ("/device:CPU:0",)


def test_cross_device_ops_as_tf():
    s = wb.distribute.MirroredStrategy(devices=["/gpu:0", "/gpu:1"]) if not wb.config.list_physical_devices(
        "GPU") else None
    with pytest.raises(ValueError, match=r"^NCCL all-reduce requires num_packs >= 0, but -1 is specified$"):
        wb.distribute.NcclAllReduce(num_packs=-1)
    with pytest.raises(ValueError, match=r"^HierarchicalCopy requires num_packs >= 0, but -1 is specified$"):
        wb.distribute.HierarchicalCopyAllReduce(num_packs=-1)
    one = wb.distribute.ReductionToOneDevice()
    assert one.reduce_to_device is None and one.accumulation_fn is wb.math.add_n
    for ops in (wb.distribute.HierarchicalCopyAllReduce(), wb.distribute.NcclAllReduce(num_packs=2), one):
        assert isinstance(ops, wb.distribute.CrossDeviceOps)
        with pytest.raises(ValueError, match=r"^`reduce_op` must be Reduce.SUM or Reduce.MEAN.$"):
            ops.reduce("SUM", wb.constant([1.0]), destinations="/cpu:0")
        assert float(ops.broadcast(wb.constant(1.0), "/cpu:0")) == 1.0
        if s is not None:
            pr = s.run(lambda: wb.cast(wb.distribute.get_replica_context().replica_id_in_sync_group, wb.float32)
                       + wb.constant([1.0, 2.0]))
            np.testing.assert_array_equal(ops.reduce(wb.distribute.ReduceOp.SUM, pr, "/cpu:0").numpy(), [3.0, 5.0])
            (mean,) = ops.batch_reduce(wb.distribute.ReduceOp.MEAN, [(pr, "/cpu:0")])
            np.testing.assert_array_equal(mean.numpy(), [1.5, 2.5])


def test_default_strategy_reduce_returns_the_value_as_tf():
    # distributed_training: tf.distribute.get_strategy().reduce("SUM", 1., axis=None) is 1.0 (a float)
    default = wb.distribute.get_strategy()
    assert default.reduce("SUM", 1.0, axis=None) == 1.0 and isinstance(default.reduce("SUM", 1.0, axis=None), float)
    assert default.reduce("SUM", [1.0, 2.0], axis=None) == [1.0, 2.0]
    assert float(default.reduce("MEAN", wb.constant([1.0, 2.0]), axis=0)) == 1.5
    with pytest.raises(ValueError, match="reduce_op must be"):
        default.reduce("PROD", 1.0, axis=None)
    assert float(wb.distribute.MirroredStrategy().reduce("SUM", 1.0, axis=None)) == 1.0   # a tensor there


# -- input tutorial: two logical CPU devices (TF 2.21's values) -------------------------------

@pytest.fixture
def two_cpus(monkeypatch):
    from workbench import config
    monkeypatch.setattr(config, "_LOGICAL", {})
    monkeypatch.setitem(config._INITIALIZED, "on", False)
    cpu = wb.config.list_physical_devices("CPU")[0]
    wb.config.set_logical_device_configuration(cpu, [wb.config.LogicalDeviceConfiguration()] * 2)


@pytest.mark.skipif(bool(wb.config.list_physical_devices("GPU")), reason="with GPUs TF's default devices are they")
def test_mirrored_strategy_takes_every_logical_cpu(two_cpus):
    s = wb.distribute.MirroredStrategy()
    assert s.num_replicas_in_sync == 2
    assert s.extended.worker_devices == ("/job:localhost/replica:0/task:0/device:CPU:0",
                                         "/job:localhost/replica:0/task:0/device:CPU:1")


def test_distributed_dataset_components_are_per_replica(two_cpus):
    s = wb.distribute.MirroredStrategy(["cpu:0", "cpu:1"])
    data = wb.data.Dataset.from_tensors(([1.0], [1.0])).repeat(100).batch(16)
    dist = s.experimental_distribute_dataset(data)
    spec = wb.TensorSpec(shape=(None, 1), dtype=wb.float32)
    assert dist.element_spec == (wb.distribute.PerReplicaSpec(spec, spec), wb.distribute.PerReplicaSpec(spec, spec))
    assert repr(dist.element_spec[0]) == ("PerReplicaSpec(TensorSpec(shape=(None, 1), dtype=wb.float32, name=None), "
                                          "TensorSpec(shape=(None, 1), dtype=wb.float32, name=None))")
    assert dist.cardinality == 7
    features, labels = next(iter(dist))   # a tuple of PerReplica, as TF regroups it
    assert isinstance(features, wb.distribute.PerReplica) and [v.shape for v in features.values] == [(8, 1), (8, 1)]
    # enumerate().batch(6): index and values both split, the order kept (TF's {0: 0, 1: 2, ...})
    enumerated = wb.data.Dataset.range(24).enumerate().batch(6)
    result = {}
    for index, inputs in s.experimental_distribute_dataset(enumerated):
        i, o = s.run(lambda i, x: (i, 2 * x), args=(index, inputs))
        for a, b in zip(s.experimental_local_results(i), s.experimental_local_results(o)):
            result.update(zip(a.numpy().tolist(), b.numpy().tolist()))
    assert result == {i: 2 * i for i in range(24)}
    # drop_remainder: each replica's piece has a known size
    fixed = s.experimental_distribute_dataset(wb.data.Dataset.range(10).batch(4, drop_remainder=True))
    assert fixed.element_spec == wb.distribute.PerReplicaSpec(*[wb.TensorSpec((2,), wb.int64)] * 2)


def test_distributed_iterator_get_next_as_optional(two_cpus):
    s = wb.distribute.MirroredStrategy(["cpu:0", "cpu:1"])
    it = iter(s.experimental_distribute_dataset(wb.data.Dataset.range(9).batch(4)))
    seen = []
    for _ in range(4):
        opt = it.get_next_as_optional()
        if not bool(opt.has_value()):
            break
        seen.append([v.numpy().tolist() for v in s.experimental_local_results(opt.get_value())])
    assert seen == [[[0, 1], [2, 3]], [[4, 5], [6, 7]], [[8], []]]   # TF 2.21's
    assert not bool(opt.has_value())
    with pytest.raises(wb.errors.OutOfRangeError):
        it.get_next()


def test_datasets_from_function_regroups_consecutive_elements(two_cpus):
    s = wb.distribute.MirroredStrategy(["cpu:0", "cpu:1"])
    layer = wb.keras.layers.StringLookup(vocabulary=["a", "b", "c", "d", "f"])

    def dataset_fn(ctx):
        batch = ctx.get_per_replica_batch_size(4)
        ds = wb.data.Dataset.from_tensor_slices(["a", "c", "e"]).repeat().batch(batch)
        return ds.shard(ctx.num_input_pipelines, ctx.input_pipeline_id).map(layer)
    it = iter(s.distribute_datasets_from_function(dataset_fn))
    got = [[v.numpy().tolist() for v in next(it).values] for _ in range(3)]
    assert got == [[[1, 3], [0, 1]], [[3, 0], [1, 3]], [[0, 1], [3, 0]]]   # TF 2.21's


# -- multi_worker_with_keras: TF_CONFIG's cluster as the processes of an MPI job ----------------

MNIST_SETUP = '''
import os
import tensorflow as tf
import numpy as np

def mnist_dataset(batch_size):
  # the tutorial's tf.keras.datasets.mnist.load_data() (a download): synthetic data of its layout
  rng = np.random.default_rng(0)
  x_train, y_train = rng.integers(0, 256, (256, 28, 28), dtype=np.uint8), rng.integers(0, 10, 256)
  x_train = x_train / np.float32(255)
  y_train = y_train.astype(np.int64)
  train_dataset = tf.data.Dataset.from_tensor_slices(
      (x_train, y_train)).shuffle(60000, seed=1).repeat().batch(batch_size)
  return train_dataset

def build_and_compile_cnn_model():
  model = tf.keras.Sequential([
      tf.keras.layers.InputLayer(input_shape=(28, 28)),
      tf.keras.layers.Reshape(target_shape=(28, 28, 1)),
      tf.keras.layers.Conv2D(4, 3, activation='relu'),
      tf.keras.layers.Flatten(),
      tf.keras.layers.Dense(16, activation='relu'),
      tf.keras.layers.Dense(10)
  ])
  model.compile(
      loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
      optimizer=tf.keras.optimizers.SGD(learning_rate=0.001),
      metrics=['accuracy'])
  return model
'''

MULTI_WORKER_MAIN = '''
import os
import json
import sys

import numpy as np
import workbench as tf
sys.modules["tensorflow"] = tf   # mnist_setup.py imports tensorflow, as in the tutorial
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist_setup

per_worker_batch_size = 16
tf_config = json.loads(os.environ['TF_CONFIG'])
num_workers = len(tf_config['cluster']['worker'])

strategy = tf.distribute.MultiWorkerMirroredStrategy()

global_batch_size = per_worker_batch_size * num_workers
multi_worker_dataset = mnist_setup.mnist_dataset(global_batch_size)

with strategy.scope():
  # Model building/compiling need to be within `strategy.scope()`.
  multi_worker_model = mnist_setup.build_and_compile_cnn_model()


multi_worker_model.fit(multi_worker_dataset, epochs=2, steps_per_epoch=3, verbose=0)
rank = getattr(strategy.cluster_resolver, "task_id", None) or 0   # TF's: no resolver / None alone
np.save(os.path.join(sys.argv[1], f"kernel{rank}.npy"), multi_worker_model.layers[-1].kernel.numpy())
with open(os.path.join(sys.argv[1], f"rank{rank}.txt"), "w") as f:
  f.write(f"workers {strategy.num_replicas_in_sync} rank {rank}")
'''


def _tf_config(workers, index=0):
    import json
    return json.dumps({"cluster": {"worker": [f"localhost:{12345 + i}" for i in range(workers)]},
                       "task": {"type": "worker", "index": index}})


def test_multi_worker_tutorial_main_runs_as_an_mpi_job(tmp_path):
    from tests.distribute_helpers import MPIEXEC, mpi4py, run_script
    if mpi4py is None or MPIEXEC is None:
        pytest.skip("needs mpi4py and mpiexec")
    (tmp_path / "mnist_setup.py").write_text(MNIST_SETUP)
    job = run_script(tmp_path, MULTI_WORKER_MAIN, env={"TF_CONFIG": _tf_config(2)}, nproc=2, timeout=300)
    assert job.returncode == 0, job.stderr[-3000:]
    assert [(tmp_path / f"rank{r}.txt").read_text() for r in (0, 1)] == ["workers 2 rank 0", "workers 2 rank 1"]
    np.testing.assert_array_equal(np.load(tmp_path / "kernel0.npy"), np.load(tmp_path / "kernel1.npy"))
    # a cluster of another size than the job's is refused, naming both
    job = run_script(tmp_path, MULTI_WORKER_MAIN, env={"TF_CONFIG": _tf_config(3)}, nproc=2, timeout=300)
    assert job.returncode != 0 and "TF_CONFIG names a cluster of 3 workers, but the MPI job has 2" in job.stderr


def test_multi_worker_strategy_alone_under_a_cluster_tf_config_is_refused(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", _tf_config(2, index=1))
    with pytest.raises(ValueError, match=r"TF_CONFIG names a cluster of 2 workers, but this process was started "
                                         r"alone.*`mpiexec -n 2 python SCRIPT`"):
        wb.distribute.MultiWorkerMirroredStrategy()
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG is not JSON"):
        wb.distribute.MultiWorkerMirroredStrategy()


def test_cluster_spec_as_tf():
    # multi_worker_with_ctl: tf.train.ClusterSpec(tf_config['cluster']) and cluster_spec().as_dict()
    spec = wb.train.ClusterSpec({"worker": ["localhost:12345", "localhost:23456"]})
    assert repr(spec) == "ClusterSpec({'worker': ['localhost:12345', 'localhost:23456']})"
    assert spec.as_dict() == {"worker": ["localhost:12345", "localhost:23456"]} and spec.jobs == ["worker"]
    assert spec.num_tasks("worker") == 2 and spec.task_address("worker", 1) == "localhost:23456"
    mixed = wb.train.ClusterSpec({"worker": {1: "b:2", 0: "a:1"}, "ps": ["p:0"]})
    assert repr(mixed) == "ClusterSpec({'ps': ['p:0'], 'worker': ['a:1', 'b:2']})"   # TF 2.21's
    assert mixed.jobs == ["worker", "ps"] and mixed.task_indices("worker") == [0, 1] and bool(mixed)
    gappy = wb.train.ClusterSpec({"worker": {2: "b:2", 0: "a:1"}})
    assert repr(gappy) == "ClusterSpec({'worker': {0: 'a:1', 2: 'b:2'}})" and gappy.job_tasks("worker") == [
        "a:1", None, "b:2"]
    assert not wb.train.ClusterSpec({}) and wb.train.ClusterSpec(spec) == spec
    with pytest.raises(ValueError, match="^No such job in cluster: 'x'$"):
        gappy.num_tasks("x")
    with pytest.raises(ValueError, match="^No task with index 1 in job 'worker'$"):
        gappy.task_address("worker", 1)
    with pytest.raises(TypeError, match="`cluster` must be a dictionary mapping one or more job names"):
        wb.train.ClusterSpec(3)
    resolver = wb.distribute.MultiWorkerMirroredStrategy(
        collectives=wb.distribute.LocalCollectives()).cluster_resolver
    assert "chief" not in resolver.cluster_spec().as_dict()
