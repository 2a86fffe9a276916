"""Dataset iterators in checkpoints: after a restore the iterator yields exactly the elements it
would have yielded next (shuffle buffers, seeds, epochs, repeat, prefetched elements)."""

import collections

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape
from workbench.checkpoint import format as ckpt_format
from tests.data_helpers import take

Dataset = wb.data.Dataset


PIPELINES = {
    # index streams: batches gathered from arrays
    "shuffle-repeat-batch": lambda: Dataset.from_tensor_slices(
        (np.arange(50, dtype=np.float32), np.arange(50))).shuffle(16, seed=3).repeat(3).batch(7),
    "whole-buffer-shuffle-prefetch": lambda: Dataset.range(20).shuffle(100, seed=1).repeat()
        .batch(6).prefetch(2),
    "skip-take": lambda: Dataset.range(30).repeat(2).skip(5).shuffle(9, seed=0).take(40).batch(4),
    # element streams: map and filter, shuffle buffers holding elements
    "map-filter": lambda: Dataset.range(40).shuffle(8, seed=2).map(lambda v: v * 2)
        .filter(lambda v: v % 3 != 0).repeat(2).batch(5).prefetch(3),
    "shuffle-after-map": lambda: Dataset.range(40).map(lambda v: (v, wb.cast(v, np.float32) / 2))
        .shuffle(10, seed=4).repeat().batch(4, drop_remainder=True).prefetch(2),
    "parallel-map": lambda: Dataset.range(30).repeat(3).map(lambda v: v + 1, num_parallel_calls=3)
        .shuffle(5, seed=8).batch(4).prefetch(1),
    "zip-enumerate-concatenate": lambda: Dataset.zip(Dataset.range(10).shuffle(5, seed=1),
                                                     Dataset.range(100, 120)).enumerate()
        .concatenate(Dataset.zip(Dataset.range(3), Dataset.range(3)).enumerate())
        .skip(2).take(12).padded_batch(2),
    "dict-elements": lambda: Dataset.from_tensor_slices({"a": np.arange(12), "b": np.ones((12, 2))})
        .map(lambda d: {"a": d["a"] + 1, "b": d["b"]}).shuffle(6, seed=5).batch(5),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
@pytest.mark.parametrize("k", [0, 1, 4, 9])
def test_restored_iterator_continues_exactly(tmp_path, name, k):
    make = PIPELINES[name]
    uninterrupted = take(iter(make()), k + 12)
    it = iter(make())
    take(it, k)
    ckpt = wb.Checkpoint(iterator=it)
    prefix = ckpt.save(str(tmp_path / "ckpt"))
    assert take(it, 12) == uninterrupted[k:]  # saving consumed nothing
    # into the same iterator, which has moved on (across an epoch boundary for some k)
    ckpt.restore(prefix).assert_consumed()
    assert take(it, 12) == uninterrupted[k:]
    # into a fresh iterator of a freshly built pipeline
    fresh = iter(make())
    wb.Checkpoint(iterator=fresh).restore(prefix).assert_consumed()
    assert take(fresh, 12) == uninterrupted[k:]


def test_unseeded_shuffle_resumes_with_the_saved_seed(tmp_path):
    make = lambda: Dataset.range(40).shuffle(7).repeat(2).batch(3)  # noqa: E731
    it = iter(make())
    take(it, 5)
    prefix = wb.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))
    expected = take(it, 20)
    fresh = iter(make())  # its own random seed until the restore
    wb.Checkpoint(iterator=fresh).restore(prefix)
    assert take(fresh, 20) == expected


def test_prefetch_neither_loses_nor_repeats_elements(tmp_path):
    calls = collections.Counter()

    def record(v):
        calls[int(v)] += 1
        return v
    it = iter(Dataset.range(100).map(record).prefetch(8))
    seen = [int(next(it)) for _ in range(10)]
    prefix = wb.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))
    assert max(calls) > 10  # the producer ran ahead of the consumer
    fresh = iter(Dataset.range(100).map(record).prefetch(8))
    wb.Checkpoint(iterator=fresh).restore(prefix)
    rest = [int(v) for v in fresh]
    assert seen + rest == list(range(100))


def test_shuffle_buffer_state_is_saved_not_replayed(tmp_path):
    calls = []
    # the map is traced once when built; the py_function in it runs for each element
    counted = lambda v: wb.py_function(lambda u: calls.append(1) or u, [v], wb.int64)  # noqa: E731
    make = lambda: Dataset.range(1000).map(counted).shuffle(50, seed=0)  # noqa: E731
    it = iter(make())
    take(it, 500)
    prefix = wb.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))
    expected = take(it, 10)
    again = make()
    calls.clear()
    fresh = iter(again)
    wb.Checkpoint(iterator=fresh).restore(prefix)
    assert calls == []  # the map function is not called again for the consumed elements
    assert take(fresh, 10) == expected
    assert len(calls) == 10


def test_training_loop_resumes_from_checkpoint_manager(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)

    def setup():
        ds = Dataset.from_tensor_slices((x, y)).shuffle(32, seed=7).repeat().batch(8).prefetch(2)
        model = wb.keras.Sequential([wb.keras.layers.Dense(1, kernel_initializer="ones")])
        opt = wb.optimizers.Adam(0.05)
        it = iter(ds)
        step = wb.Variable(np.int64(0), trainable=False)
        ckpt = wb.Checkpoint(model=model, optimizer=opt, iterator=it, step=step)
        return model, opt, it, step, ckpt

    def run(model, opt, it, step, until, manager=None, save_every=None):
        losses = []
        while int(step.numpy()) < until:
            bx, by = next(it)
            with GradientTape() as tape:
                loss = wb.reduce_mean(wb.square(model(bx) - by))
            variables = model.trainable_variables
            opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
            step.assign_add(np.int64(1))
            losses.append(float(loss.numpy()))
            if manager is not None and int(step.numpy()) % save_every == 0:
                manager.save()
        return losses

    model, opt, it, step, _ = setup()
    reference = run(model, opt, it, step, 20)

    model, opt, it, step, ckpt = setup()
    manager = wb.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    first = run(model, opt, it, step, 13, manager, save_every=5)  # the last save is at step 10
    # a new process: everything built afresh, the model unbuilt, the iterator at its start
    model, opt, it, step, ckpt = setup()
    manager = wb.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert manager.restore_or_initialize().endswith("ckpt-2")
    assert int(step.numpy()) == 10
    resumed = run(model, opt, it, step, 20)
    assert first[:10] + resumed == reference


def test_a_different_pipeline_is_refused_before_anything_is_assigned(tmp_path):
    it = iter(Dataset.range(10).shuffle(4, seed=0).batch(2))
    next(it)
    v = wb.Variable([1.0, 2.0])
    prefix = wb.Checkpoint(iterator=it, v=v).save(str(tmp_path / "ckpt"))
    v.assign([5.0, 6.0])
    other = iter(Dataset.range(10).map(lambda x: x).batch(2))
    with pytest.raises(ValueError, match="iterator.*Map transformation was expected.*has Shuffle"):
        wb.Checkpoint(iterator=other, v=v).restore(prefix)
    np.testing.assert_array_equal(v.numpy(), [5.0, 6.0])
    reseeded = iter(Dataset.range(10).shuffle(4, seed=1).batch(2))
    with pytest.raises(ValueError, match="seed 0.*seed 1"):
        wb.Checkpoint(iterator=reseeded, v=v).restore(prefix)


def test_a_state_of_another_shape_is_refused_and_every_iterator_keeps_its_position(tmp_path):
    a = iter(Dataset.range(10).prefetch(2))
    b = iter(Dataset.range(10).shuffle(4, seed=0))
    take(a, 1)
    prefix = wb.Checkpoint(a=a, b=b).save(str(tmp_path / "ckpt"))
    take(a, 2)
    # the buffer now holds the whole input: the saved buffer state does not fit this shuffle
    other = iter(Dataset.range(10).shuffle(10, seed=0))
    expected = take(iter(Dataset.range(10).shuffle(10, seed=0)), 5)
    take(other, 2)
    with pytest.raises(ValueError, match="'b': the iterator state does not match the dataset"):
        wb.Checkpoint(a=a, b=other).restore(prefix)
    assert take(a, 10) == [[i] for i in range(3, 10)]  # 'a' was prepared first, then put back
    assert take(other, 3) == expected[2:]


def test_a_variable_mismatch_is_refused_before_iterators_are_rebuilt(tmp_path):
    it = iter(Dataset.range(10).prefetch(2))
    prefix = wb.Checkpoint(iterator=it, v=wb.Variable([1.0, 2.0])).save(str(tmp_path / "ckpt"))
    position = it._it
    with pytest.raises(ValueError, match="'v': checkpoint has shape"):
        wb.Checkpoint(iterator=it, v=wb.Variable([1.0, 2.0, 3.0])).restore(prefix)
    assert it._it is position
    assert take(it, 3) == [[0], [1], [2]]


def test_missing_iterator_state_is_left_alone_and_named(tmp_path):
    # TF 2.21: the iterator keeps its place; the assertion names it
    prefix = wb.Checkpoint(v=wb.Variable(1.0)).save(str(tmp_path / "ckpt"))
    it = iter(Dataset.range(3))
    next(it)
    status = wb.Checkpoint(v=wb.Variable(0.0), iterator=it).restore(prefix)
    assert int(next(it)) == 1
    with pytest.raises(AssertionError, match="'iterator'"):
        status.assert_existing_objects_matched()


def test_elements_that_cannot_be_stored_are_refused_by_name(tmp_path):
    Pair = collections.namedtuple("Pair", "a b")
    it = iter(Dataset.range(10).map(lambda v: Pair(v, v)).shuffle(4, seed=0))
    next(it)
    with pytest.raises(TypeError, match="namedtuple elements \\(Pair\\)"):
        wb.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))


def test_ragged_elements_in_a_buffer_round_trip(tmp_path):
    import ragged
    rt = ragged.constant([[1, 2], [3], [], [4, 5, 6], [7]])
    make = lambda: Dataset.from_tensor_slices(rt).map(lambda r: r * 2).shuffle(3, seed=2)  # noqa: E731
    expected = take(iter(make()), 5)
    it = iter(make())
    take(it, 2)
    prefix = wb.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))
    fresh = iter(make())
    wb.Checkpoint(iterator=fresh).restore(prefix)
    assert take(fresh, 3) == expected[2:]


# -- a Dataset in a checkpoint: a Trackable with no children --------------------------


def saved_paths(prefix):
    _, arrays = ckpt_format.read_checkpoint(prefix)
    return sorted(arrays)


DATASETS = {**PIPELINES,
            # a dataset holding a Variable as its element: the Variable is not the dataset's to save
            "from-tensors-variable": lambda: Dataset.from_tensors(wb.Variable(np.arange(3.0))).repeat(2)}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_a_dataset_saves_nothing_and_restores_without_error(tmp_path, name):
    ds = DATASETS[name]()
    prefix = wb.Checkpoint(data=ds).save(str(tmp_path / "ckpt"))
    assert saved_paths(prefix) == ["save_counter"]
    fresh = DATASETS[name]()
    status = wb.Checkpoint(data=fresh).restore(prefix)
    status.assert_consumed()
    status.assert_existing_objects_matched()
    assert take(iter(fresh), 5) == take(iter(DATASETS[name]()), 5)


def test_a_module_mapped_over_a_dataset_is_saved_where_it_is_tracked(tmp_path):
    layer = wb.keras.layers.Dense(3)
    layer.build((None, 2))
    ds = Dataset.from_tensor_slices(np.ones((4, 2), np.float32)).map(layer).batch(2)
    prefix = wb.Checkpoint(data=ds, model=layer).save(str(tmp_path / "ckpt"))
    assert saved_paths(prefix) == ["model/_kernel", "model/bias", "save_counter"]   # Keras 3 keeps the kernel in _kernel

    other = wb.keras.layers.Dense(3)
    other.build((None, 2))
    wb.Checkpoint(data=Dataset.range(2).map(other), model=other).restore(prefix).assert_consumed()
    np.testing.assert_array_equal(other.kernel.numpy(), layer.kernel.numpy())


def test_a_module_holding_a_dataset_owns_nothing_in_it():
    inner = wb.keras.layers.Dense(2)
    inner.build((None, 2))

    class Holder(wb.Module):
        def __init__(self):
            super().__init__()
            self.data = Dataset.from_tensor_slices(np.ones((3, 2), np.float32)).map(inner)
            self.scale = wb.Variable(1.0)

    holder = Holder()
    assert [v.name for v in holder.variables] == [holder.scale.name]
    assert holder.submodules == ()


def test_a_dataset_beside_its_iterator(tmp_path):
    make = PIPELINES["shuffle-after-map"]
    expected = take(iter(make()), 8)
    ds = make()
    it = iter(ds)
    take(it, 3)
    prefix = wb.Checkpoint(data=ds, iterator=it).save(str(tmp_path / "ckpt"))
    assert all(p == "save_counter" or p.startswith("iterator/") for p in saved_paths(prefix))
    ds = make()
    it = iter(ds)
    wb.Checkpoint(data=ds, iterator=it).restore(prefix).assert_consumed()
    assert take(it, 5) == expected[3:]
