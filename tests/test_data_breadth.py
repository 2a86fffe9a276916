"""tf.data's breadth in wb.data: each transformation against TF's documented semantics (order,
determinism, drop_remainder, cardinality), and its iterator state in checkpoints.

The expected orders of interleave, window, group_by_window, bucket_by_sequence_length,
choose_from_datasets and scan, and the cardinalities, are the ones TF 2.21 gives for the
same pipelines."""

import collections
import os
import threading
import time

import numpy as np
import pytest

import workbench as wb
from workbench.core import wrap
from tests.data_helpers import as_lists, assert_restores_exactly, take

Dataset = wb.data.Dataset
INF, UNK = wb.data.INFINITE_CARDINALITY, wb.data.UNKNOWN_CARDINALITY


def values(ds):
    return [np.asarray(v).tolist() for v in ds.as_numpy_iterator()]




def card(ds):
    return int(ds.cardinality())


# -- semantics -----------------------------------------------------------------------------


def test_interleave_follows_tf_cycle_and_block_order():
    # TF's documented example
    ds = Dataset.range(1, 6).interleave(lambda x: Dataset.from_tensors(x).repeat(6),
                                        cycle_length=2, block_length=4)
    want = [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5]
    assert values(ds) == want
    parallel = Dataset.range(1, 6).interleave(lambda x: Dataset.from_tensors(x).repeat(6), cycle_length=2,
                                              block_length=4, num_parallel_calls=wb.data.AUTOTUNE)
    assert values(parallel) == want
    assert card(ds) == UNK
    # uneven inner lengths: a finished one gives its turn to the next place, and is replaced
    # there when the cycle comes back to it
    ds = Dataset.range(1, 5).interleave(lambda x: Dataset.range(10 * x, 10 * x + x), cycle_length=2)
    assert values(ds) == [10, 20, 21, 30, 31, 40, 32, 41, 42, 43]


def test_flat_map_and_unbatch():
    ds = Dataset.from_tensor_slices([[1, 2, 3], [4, 5, 6]]).flat_map(Dataset.from_tensor_slices)
    assert values(ds) == [1, 2, 3, 4, 5, 6]
    batched = Dataset.from_tensor_slices((np.arange(7), np.arange(7) * 2)).batch(3)
    assert values(batched.unbatch().map(lambda a, b: a + b)) == [0, 3, 6, 9, 12, 15, 18]
    assert card(batched.unbatch()) == UNK and card(Dataset.range(3).repeat().batch(2).unbatch()) == INF
    with pytest.raises(ValueError, match="first dimension"):
        list(Dataset.range(3).unbatch())
    with pytest.raises(TypeError, match="must return a Dataset"):
        list(Dataset.range(3).flat_map(lambda x: x))


@pytest.mark.parametrize("size,shift,stride,drop", [(3, None, 1, False), (3, 2, 1, False), (3, 1, 2, True),
                                                    (2, 5, 1, False), (4, 3, 2, False), (5, 1, 1, True)])
def test_window_matches_tf_definition_and_cardinality(size, shift, stride, drop):
    n = 11
    windows = [values(w) for w in Dataset.range(n).window(size, shift, stride, drop)]
    step = size if shift is None else shift
    want = []
    for start in range(0, n, step):
        w = list(range(start, n, stride))[:size]
        if drop and len(w) < size:
            break
        want.append(w)
    assert windows == want
    assert card(Dataset.range(n).window(size, shift, stride, drop)) == len(want)


def test_window_of_tuples_is_a_tuple_of_datasets():
    ds = Dataset.zip(Dataset.range(5), Dataset.range(5).map(lambda x: x * 10)).window(2)
    first = next(iter(ds))
    assert isinstance(first, tuple) and all(isinstance(d, Dataset) for d in first)
    batched = ds.flat_map(lambda a, b: Dataset.zip(a.batch(2), b.batch(2)))
    assert values(batched)[0] == [[0, 1], [0, 10]]


def test_scan_carries_state():
    ds = Dataset.range(6).scan(np.int64(0), lambda s, x: (s + x, s * 10))
    assert values(ds) == [0, 0, 10, 30, 60, 100]
    with pytest.raises(TypeError, match="pair"):
        list(Dataset.range(2).scan(0, lambda s, x: s))


def test_group_by_window_emits_full_windows_then_flushes_by_key():
    ds = Dataset.range(11).group_by_window(lambda x: x % 3, lambda k, w: w.batch(10), window_size=2)
    assert values(ds) == [[0, 3], [1, 4], [2, 5], [6, 9], [7, 10], [8]]
    by_size = Dataset.range(8).group_by_window(lambda x: x % 2, lambda k, w: w.batch(10),
                                               window_size_func=lambda k: k + 2)
    assert values(by_size) == [[0, 2], [1, 3, 5], [4, 6], [7]]
    with pytest.raises(ValueError, match="exactly one"):
        Dataset.range(2).group_by_window(lambda x: x, lambda k, w: w)
    with pytest.raises(TypeError, match="int64"):
        list(Dataset.range(2).group_by_window(lambda x: 1.0, lambda k, w: w, window_size=1))


def test_bucket_by_sequence_length_pads_per_bucket():
    lengths = [1, 5, 2, 6, 3, 7, 8, 4]
    ds = Dataset.from_generator(lambda: (np.arange(n) + 1 for n in lengths),
                                output_signature=wb.TensorSpec(shape=(None,), dtype=np.int64))
    out = ds.bucket_by_sequence_length(lambda x: wb.shape(x)[0], [4], [2, 2])
    shapes = [v.shape for v in out.as_numpy_iterator()]
    assert shapes == [(2, 2), (2, 6), (2, 8), (1, 3), (1, 4)]   # the rest flushed by key at the end
    boundary = ds.bucket_by_sequence_length(lambda x: wb.shape(x)[0], [4, 9], [2, 2, 1],
                                            pad_to_bucket_boundary=True)
    assert [v.shape for v in boundary.as_numpy_iterator()] == [(2, 3), (2, 8), (2, 8), (1, 3), (1, 8)]
    dropped = ds.bucket_by_sequence_length(lambda x: wb.shape(x)[0], [4], [3, 3], drop_remainder=True)
    assert [v.shape[0] for v in dropped.as_numpy_iterator()] == [3, 3]
    with pytest.raises(ValueError, match="bucket_batch_sizes"):
        ds.bucket_by_sequence_length(lambda x: 1, [4], [2])


def test_from_generator_checks_the_signature():
    def gen(n):
        for i in range(int(n)):
            yield i, np.full([i], 0.5)
    spec = (wb.TensorSpec(shape=(), dtype=np.int64), wb.TensorSpec(shape=(None,), dtype=np.float32))
    ds = Dataset.from_generator(gen, args=(3,), output_signature=spec)
    got = list(ds.as_numpy_iterator())
    assert [g[0] for g in got] == [0, 1, 2] and got[2][1].dtype == np.float32 and got[2][1].shape == (2,)
    assert card(ds) == UNK
    old = Dataset.from_generator(lambda: iter([[1, 2], [3, 4]]), output_types=np.int32, output_shapes=[2])
    assert values(old) == [[1, 2], [3, 4]]
    bad = Dataset.from_generator(lambda: iter([[1, 2, 3]]), output_types=np.int32, output_shapes=[2])
    with pytest.raises(ValueError, match=r"shape \(3,\).*expected shape \(2,\)"):
        list(bad)
    named = Dataset.from_generator(lambda name, n: ((name + b"!") * int(n) for _ in range(2)),
                                   output_types="string", args=("hi", 2))
    assert values(named) == [b"hi!hi!", b"hi!hi!"]
    unknown_rank = Dataset.from_generator(lambda: iter([np.zeros((2, 2)), np.zeros(3)]),
                                          output_signature=wb.TensorSpec(None, np.float64))
    assert [v.shape for v in unknown_rank.as_numpy_iterator()] == [(2, 2), (3,)]
    rows = Dataset.from_generator(lambda: iter([[[1, 2], [3]], [[4]]]),
                                  output_signature=wb.RaggedTensorSpec([None, None], np.int64, 1))
    assert [r.to_list() for r in rows] == [[[1, 2], [3]], [[4]]]
    assert [r.to_list() for r in rows.batch(2)] == [[[[1, 2], [3]], [[4]]]]
    # wb.TensorSpec has no string dtype (string tensors are object tensors of bytes here)
    strings = Dataset.from_generator(lambda: iter(["a", "bc"]), output_types="string", output_shapes=())
    assert values(strings) == [b"a", b"bc"]
    with pytest.raises(TypeError, match="output_signature is required"):
        Dataset.from_generator(lambda: iter([]))


def test_cache_in_memory_reads_the_input_once():
    calls = []

    def record(x):
        calls.append(int(x))
        return x
    ds = Dataset.range(5).map(record).cache()
    calls.clear()   # the trace when the map was built ran record once (on a stand-in)
    assert values(ds) == list(range(5)) and values(ds) == list(range(5))
    assert calls == list(range(5))
    partial = Dataset.range(5).map(record).cache()
    calls.clear()
    assert take(iter(partial), 2) == [[0], [1]]
    assert values(partial) == list(range(5)) and values(partial) == list(range(5))
    assert calls == [0, 1] + list(range(5))   # a pass that stopped early left no cache


def test_cache_to_files_is_reused_by_a_new_pipeline(tmp_path):
    calls = []

    def record(x):
        calls.append(int(x))
        return x, wb.fill([x], x)
    path = str(tmp_path / "cache")
    ds = Dataset.range(4).map(record).cache(path)
    again = Dataset.range(4).map(record).cache(path)
    calls.clear()   # the traces when the maps were built ran record (on a stand-in)
    first = [as_lists(e) for e in ds]
    assert os.path.exists(os.path.join(path, "dataset_spec.json"))
    assert [as_lists(e) for e in again] == first
    assert calls == [0, 1, 2, 3]


def test_save_and_load_round_trip_with_shards_and_strings(tmp_path):
    names = np.array([b"a", b"", b"\x00z\x00", b"dd", b"e"], dtype=object)
    ds = Dataset.from_tensor_slices({"x": np.arange(5.0), "s": wrap(names), "v": np.arange(10).reshape(5, 2)})
    path = str(tmp_path / "saved")
    ds.save(path, shard_func=lambda d: d["x"].numpy().astype(np.int64) % 2)
    assert sorted(os.listdir(path)) == ["dataset_spec.json", "shard_00000", "shard_00001"]
    loaded = Dataset.load(path)
    got = sorted((float(e["x"]), bytes(e["s"].numpy()), e["v"].numpy().tolist()) for e in loaded)
    assert got == [(float(i), names[i], [2 * i, 2 * i + 1]) for i in range(5)]
    assert card(loaded) == 5
    for f in os.listdir(os.path.join(path, "shard_00000")):
        with open(os.path.join(path, "shard_00000", f), "rb") as fh:
            assert fh.read(6) == b"\x93NUMPY"   # plain .npy files, no pickle
    gz = str(tmp_path / "gz")
    Dataset.range(3).map(lambda x: wb.fill([x], 1.5)).save(gz, compression="GZIP")
    assert [v.tolist() for v in Dataset.load(gz).as_numpy_iterator()] == [[], [1.5], [1.5, 1.5]]
    order = Dataset.load(path, reader_func=lambda shards: shards.interleave(lambda s: s, cycle_length=2))
    assert [float(e["x"]) for e in order] == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_sample_from_datasets_is_seeded_and_weighted():
    a, b = Dataset.range(0, 1000), Dataset.range(1000, 2000)
    s1 = values(Dataset.sample_from_datasets([a, b], weights=[0.8, 0.2], seed=7).take(500))
    s2 = values(Dataset.sample_from_datasets([a, b], weights=[0.8, 0.2], seed=7).take(500))
    assert s1 == s2
    share = np.mean(np.asarray(s1) < 1000)
    assert 0.72 < share < 0.88
    # each input keeps its own order
    assert [v for v in s1 if v < 1000] == sorted(v for v in s1 if v < 1000)
    # an exhausted input drops out, unless stop_on_empty_dataset
    mixed = values(Dataset.sample_from_datasets([Dataset.range(3), Dataset.range(10, 20)], seed=1))
    assert sorted(mixed) == [0, 1, 2] + list(range(10, 20))
    stop = values(Dataset.sample_from_datasets([Dataset.range(3), Dataset.range(10, 20)], seed=1,
                                               stop_on_empty_dataset=True))
    assert len(stop) < 13
    assert card(Dataset.sample_from_datasets([a.repeat(), b.repeat()])) == INF
    with pytest.raises(ValueError, match="one entry per dataset"):
        Dataset.sample_from_datasets([a, b], weights=[1.0])
    # weights from a dataset: one weight vector per draw
    switching = Dataset.from_tensor_slices(np.array([[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 3))
    assert values(Dataset.sample_from_datasets([a, b], weights=switching, seed=0)) == [0, 1, 2, 1000, 1001, 1002]
    # the draws repeat each pass, unless rerandomize_each_iteration
    same = Dataset.sample_from_datasets([a, b], seed=3).take(50)
    assert values(same) == values(same)
    fresh = Dataset.sample_from_datasets([a, b], seed=3, rerandomize_each_iteration=True).take(50)
    assert values(fresh) != values(fresh)


def test_choose_from_datasets_follows_the_choices():
    ds = [Dataset.range(0, 10), Dataset.range(100, 110), Dataset.range(200, 210)]
    choice = Dataset.range(3).repeat(3)
    assert values(Dataset.choose_from_datasets(ds, choice)) == [0, 100, 200, 1, 101, 201, 2, 102, 202]
    short = [Dataset.range(1), Dataset.range(10, 13)]
    picks = Dataset.from_tensor_slices(np.array([0, 1, 0, 1, 1], np.int64))
    assert values(Dataset.choose_from_datasets(short, picks)) == [0, 10]
    assert values(Dataset.choose_from_datasets(short, picks, stop_on_empty_dataset=False)) == [0, 10, 11, 12]
    with pytest.raises(ValueError, match="index 5"):
        list(Dataset.choose_from_datasets(short, Dataset.from_tensors(np.int64(5))))


def test_list_files_sorted_shuffled_and_seeded(tmp_path):
    for name in ["b.txt", "a.txt", "c.txt", "d.csv"]:
        (tmp_path / name).write_text(name)
    pattern = str(tmp_path / "*.txt")
    plain = [v.decode() for v in Dataset.list_files(pattern, shuffle=False).as_numpy_iterator()]
    assert plain == [str(tmp_path / n) for n in ["a.txt", "b.txt", "c.txt"]]
    s1 = values(Dataset.list_files(pattern, seed=3))
    assert sorted(v.decode() for v in s1) == plain and s1 == values(Dataset.list_files(pattern, seed=3))
    both = Dataset.list_files([pattern, str(tmp_path / "*.csv")], shuffle=False)
    assert card(both) == 4
    with pytest.raises(wb.errors.InvalidArgumentError, match="no files matched"):
        Dataset.list_files(str(tmp_path / "*.none"))


def test_get_single_element_options_and_cardinality():
    assert int(Dataset.from_tensors(np.int64(4)).get_single_element()) == 4
    with pytest.raises(wb.errors.InvalidArgumentError, match="more than one"):
        Dataset.range(2).get_single_element()
    with pytest.raises(wb.errors.InvalidArgumentError, match="empty"):
        Dataset.range(0).get_single_element()
    opts = wb.data.Options()
    opts.deterministic = False
    opts.threading.private_threadpool_size = 4
    ds = Dataset.range(3).with_options(opts).map(lambda x: x)
    later = wb.data.Options()
    later.threading.private_threadpool_size = 2
    ds = ds.with_options(later)
    assert ds.options().deterministic is False and ds.options().threading.private_threadpool_size == 2
    assert values(ds) == [0, 1, 2] and card(ds) == 3
    with pytest.raises(AttributeError, match="no option"):
        opts.nonsense = 1
    # the options reach a parallel map upstream: its order and its thread count
    seen = set()

    def slow_first(x):
        seen.add(threading.current_thread().name)
        if int(x) == 0:
            time.sleep(0.2)
        return x
    loose = Dataset.range(8).map(slow_first, num_parallel_calls=4).with_options(opts)
    assert sorted(values(loose)) == list(range(8)) and values(loose)[0] != 0
    strict = wb.data.Options()
    strict.deterministic = True
    strict.threading.private_threadpool_size = 1
    one_thread = Dataset.range(8).map(slow_first, num_parallel_calls=4).with_options(strict)
    seen.clear()   # (building the map traced slow_first on this thread)
    assert values(one_thread) == list(range(8))
    assert len(seen) == 1
    assert card(Dataset.range(5).window(2)) == 3 and card(Dataset.range(5).repeat().window(2)) == INF
    assert card(Dataset.range(5).scan(0, lambda s, x: (s, x))) == 5
    assert card(Dataset.range(5).cache()) == 5
    assert card(Dataset.range(3).group_by_window(lambda x: x, lambda k, w: w, 2)) == UNK
    assert card(Dataset.choose_from_datasets([Dataset.range(3)], Dataset.range(0))) == UNK   # TF 2.21


# -- iterator state in checkpoints --------------------------------------------------------


def _pipelines(tmp):
    return {
        "interleave": lambda: Dataset.range(1, 7).interleave(
            lambda x: Dataset.range(x * 10, x * 10 + x).shuffle(4, seed=1), cycle_length=3, block_length=2),
        "parallel-interleave": lambda: Dataset.range(1, 7).interleave(
            lambda x: Dataset.range(x * 10, x * 10 + x), cycle_length=2, num_parallel_calls=2),
        "flat_map-unbatch": lambda: Dataset.range(8).batch(3).unbatch().flat_map(
            lambda x: Dataset.range(x)).batch(2),
        "window": lambda: Dataset.range(20).window(4, 3, 2).flat_map(lambda w: w.batch(4)),
        "scan": lambda: Dataset.range(20).shuffle(5, seed=2).scan(np.int64(1), lambda s, x: (s + x, s * x)),
        "group_by_window": lambda: Dataset.range(30).group_by_window(
            lambda x: x % 4, lambda k, w: w.batch(5).map(lambda b: b + k), window_size=3),
        "bucket": lambda: Dataset.range(1, 25).map(lambda n: wb.fill([n % 7 + 1], n))
            .bucket_by_sequence_length(lambda x: wb.shape(x)[0], [3, 5], [2, 3, 2]),
        "sample": lambda: Dataset.sample_from_datasets(
            [Dataset.range(10), Dataset.range(100, 130), Dataset.range(500, 505)], [0.3, 0.5, 0.2], seed=5),
        "choose": lambda: Dataset.choose_from_datasets(
            [Dataset.range(10), Dataset.range(50, 60)], Dataset.range(20).map(lambda x: x % 3 % 2)),
        "generator": lambda: Dataset.from_generator(lambda: (np.arange(i) for i in range(12)),
                                                    output_types=np.int64).map(wb.reduce_sum),
        "cache-memory": lambda: Dataset.range(6).cache().repeat(3),
        "cache-file": lambda: Dataset.range(6).map(lambda x: x * 2).cache(str(tmp / "c")).repeat(3),
        "load": lambda: _saved(tmp).repeat(2),
        "text-lines": lambda: _lines(tmp).repeat(2),
    }


def _saved(tmp):
    path = tmp / "saved"
    if not path.exists():
        Dataset.range(9).map(lambda x: (x, wb.fill([x % 3], 1.0))).save(str(path), shard_func=lambda a, b: a % 2)
    return Dataset.load(str(path))


def _lines(tmp):
    for i in range(3):
        (tmp / f"f{i}.txt").write_bytes(b"".join(b"line %d-%d\n" % (i, j) for j in range(i + 2)))
    return wb.data.TextLineDataset([str(tmp / f"f{i}.txt") for i in range(3)], num_parallel_reads=2)


@pytest.mark.parametrize("name", ["interleave", "parallel-interleave", "flat_map-unbatch", "window", "scan",
                                  "group_by_window", "bucket", "sample", "choose", "generator",
                                  "cache-memory", "cache-file", "load", "text-lines"])
@pytest.mark.parametrize("k", [0, 3, 8])
def test_restored_iterator_continues_exactly(tmp_path, name, k):
    assert_restores_exactly(_pipelines(tmp_path)[name], k, tmp_path)


def test_unbatch_cuts_rows_as_asked_and_saves_the_rest(tmp_path):
    ordered = collections.OrderedDict(a=np.arange(12).reshape(6, 2), b=np.arange(6.0))
    row = next(iter(Dataset.from_tensors((ordered, np.arange(6))).unbatch()))
    assert isinstance(row[0], collections.OrderedDict) and list(row[0]) == ["a", "b"]
    ds = Dataset.from_tensors(({"a": np.arange(12).reshape(6, 2), "b": np.arange(6.0)}, np.arange(6)))
    it = iter(ds.repeat(2).unbatch())
    first = next(it)
    assert first[0]["a"].numpy().tolist() == [0, 1] and int(first[1]) == 0
    next(it)
    ckpt = wb.Checkpoint(it=it)
    path = ckpt.save(str(tmp_path / "ckpt"))
    rest = [int(label) for _, label in it]
    assert rest == [2, 3, 4, 5, 0, 1, 2, 3, 4, 5]
    ckpt.restore(path)
    assert [int(label) for _, label in it] == rest
    with pytest.raises(ValueError, match="different sizes"):
        next(iter(Dataset.from_tensors((np.arange(3), np.arange(4))).unbatch()))


def test_from_generator_reports_its_declared_signature():
    # TF 2.21: the declared shapes, None where open; the generator is not called
    calls = []

    def gen():
        calls.append(1)
        yield 0, np.zeros(3)
    ds = Dataset.from_generator(gen, output_types=(wb.int32, wb.float32), output_shapes=((), (None,)))
    assert ds.element_spec == (wb.TensorSpec((), wb.int32), wb.TensorSpec((None,), wb.float32))
    assert Dataset.from_generator(gen, output_types=wb.int64).element_spec == wb.TensorSpec(None, wb.int64)
    sig = {"a": wb.TensorSpec((), wb.string)}
    assert Dataset.from_generator(gen, output_signature=sig).element_spec == sig
    assert calls == []
