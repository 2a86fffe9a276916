"""tf.data against TF 2.21 (session 16): random ops in dataset functions, rejection_resample,
snapshot, and the load_data tutorials' pieces; the values are TF's, computed with TF on the
same small cases."""

import os
import subprocess
import sys

import numpy as np
import pytest

import workbench as wb

Dataset = wb.data.Dataset


def values(ds):
    return [np.asarray(x).tolist() for x in ds.as_numpy_iterator()]


# -- random ops in dataset functions: each iterator instantiates the kernels anew ----------

UNIFORM_SEED5 = [0.3883112668991089, 0.31686925888061523, 0.42907261848449707,
                 0.05274152755737305, 0.7074710130691528, 0.49199604988098145]
UNIFORM_GLOBAL3 = [0.12736403942108154, 0.858015775680542, 0.8898706436157227,
                   0.5135660171508789, 0.565608024597168, 0.7503809928894043]


def test_each_iterator_of_a_map_with_an_op_seed_repeats_tfs_draws():
    ds = Dataset.range(3).map(lambda x: wb.random.uniform([], seed=5))
    for _ in range(2):   # iter(ds) twice, as_numpy_iterator: the same three numbers
        np.testing.assert_allclose([float(x) for x in ds], UNIFORM_SEED5[:3], rtol=1e-6)
    np.testing.assert_allclose(values(ds), UNIFORM_SEED5[:3], rtol=1e-6)
    # a repeat inside one iterator goes on drawing from the same kernel
    np.testing.assert_allclose(values(ds.repeat(2)), UNIFORM_SEED5, rtol=1e-6)
    # so does a parallel map and a prefetch (in order: one draw per element)
    par = Dataset.range(6).map(lambda x: wb.random.uniform([], seed=5), num_parallel_calls=1).prefetch(2)
    np.testing.assert_allclose(values(par), UNIFORM_SEED5, rtol=1e-6)
    np.testing.assert_allclose(float(par.reduce(0.0, lambda s, x: s + x)), sum(UNIFORM_SEED5), rtol=1e-6)


def test_each_iterator_of_a_map_with_the_global_seed_repeats_tfs_draws():
    wb.random.set_seed(3)
    ds = Dataset.range(3).map(lambda x: wb.random.uniform([]))
    np.testing.assert_allclose(values(ds), UNIFORM_GLOBAL3[:3], rtol=1e-6)
    np.testing.assert_allclose(values(ds), UNIFORM_GLOBAL3[:3], rtol=1e-6)
    np.testing.assert_allclose(values(ds.repeat(2)), UNIFORM_GLOBAL3, rtol=1e-6)
    wb.random.set_seed(3)   # a second dataset built under the same seed: the same numbers
    other = Dataset.range(2).map(lambda x: wb.random.uniform([]))
    np.testing.assert_allclose(values(other), UNIFORM_GLOBAL3[:2], rtol=1e-6)


def test_two_random_ops_in_a_map_and_iterators_side_by_side_are_tfs():
    wb.random.set_seed(1)
    ds = Dataset.range(3).map(lambda x: (wb.random.normal([], seed=2),
                                         wb.random.uniform([], 0, 10, wb.int32, seed=2)))
    want = [(-1.0467792749404907, 9), (0.38869091868400574, 2), (-0.164025217294693, 4)]
    for _ in range(2):
        got = [(float(a), int(b)) for a, b in ds]
        np.testing.assert_allclose([g[0] for g in got], [w[0] for w in want], rtol=1e-6)
        assert [g[1] for g in got] == [w[1] for w in want]
    np.testing.assert_allclose(float(ds.reduce(0.0, lambda s, x: s + x[0])), -0.8221135139465332, rtol=1e-6)
    wb.random.set_seed(11)
    batches = Dataset.range(3).map(lambda x: wb.random.uniform([], 0, 100, wb.int64, seed=1)).batch(3).repeat(2)
    assert values(batches) == [[96, 81, 81], [15, 79, 73]]
    it1, it2 = iter(batches), iter(batches)
    assert [next(it1).numpy().tolist(), next(it2).numpy().tolist(), next(it1).numpy().tolist()] == \
        [[96, 81, 81], [96, 81, 81], [15, 79, 73]]


def test_a_random_filter_keeps_tfs_elements_in_each_iterator():
    wb.random.set_seed(11)
    ds = Dataset.range(8).filter(lambda x: wb.random.uniform([]) < 0.5)
    assert values(ds) == [2, 3, 4]
    assert values(ds) == [2, 3, 4]
    assert values(ds.repeat(2)) == [2, 3, 4, 0, 1, 2, 5, 7]


def test_a_generator_in_a_map_goes_on_across_iterators_as_tfs():
    g = wb.random.Generator.from_seed(4)
    ds = Dataset.range(3).map(lambda x: g.uniform([]))
    np.testing.assert_allclose(values(ds), [0.48252, 0.64512, 0.30829], atol=1e-5)
    np.testing.assert_allclose(values(ds), [0.75786, 0.97926, 0.37012], atol=1e-5)


# -- rejection_resample: TF's pipeline (mixing with the input, filtered copy, running estimate) --

CLASSES = np.array([0, 0, 0, 1, 0, 2, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 1] * 3, np.int64)


def _as_class(v):
    return wb.cast(v, wb.int32)


def _pairs(ds):
    return [tuple(np.asarray(v).tolist() for v in x) for x in ds.as_numpy_iterator()]


def test_rejection_resample_with_an_estimated_distribution_is_tfs():
    ds = Dataset.from_tensor_slices(CLASSES)
    out = ds.rejection_resample(_as_class, target_dist=[1 / 3, 1 / 3, 1 / 3], seed=4)
    assert out.element_spec == (wb.TensorSpec([], wb.int32), wb.TensorSpec([], wb.int64))
    want = [0, 2, 0, 0, 1, 1, 0, 2, 0, 2, 0, 1, 0, 1, 0, 0, 1, 2, 2, 1, 2, 0, 1, 0, 0, 0, 1, 0, 1, 0,
            0, 0, 1, 0, 2, 1, 2, 0, 2, 1, 1, 0, 1, 0]
    assert _pairs(out) == [(c, c) for c in want]
    assert _pairs(out) == [(c, c) for c in want]      # a new iterator: the same draws
    wb.random.set_seed(5)                              # no op seed: the global seed's rule
    out = ds.rejection_resample(_as_class, target_dist=[0.2, 0.4, 0.4])
    want = [1, 0, 0, 0, 2, 1, 2, 1, 1, 0, 1, 1, 2, 2, 0, 1, 2, 1, 0, 1, 1, 1, 2, 2, 1, 1, 0]
    assert _pairs(out) == [(c, c) for c in want]


def test_rejection_resample_with_a_known_distribution_is_tfs():
    ds = Dataset.from_tensor_slices(CLASSES)
    out = ds.rejection_resample(_as_class, target_dist=[0.5, 0.25, 0.25], initial_dist=[0.7, 0.2, 0.1], seed=4)
    want = [0, 2, 0, 0, 1, 2, 0, 2, 0, 1, 0, 1, 0, 2, 0, 0, 2, 2, 0, 2, 2, 1, 0, 0, 0, 0, 1, 1, 0, 0,
            0, 1, 0, 2, 0]
    assert _pairs(out) == [(c, c) for c in want]
    # the target is the input's distribution: the input itself, labelled
    same = ds.rejection_resample(_as_class, target_dist=[0.7, 0.2, 0.1], initial_dist=[0.7, 0.2, 0.1], seed=4)
    assert _pairs(same) == [(c, c) for c in CLASSES.tolist()]
    # a class the target leaves out: the filtered input alone
    zero = ds.rejection_resample(_as_class, target_dist=[1.0, 0.0, 0.0], initial_dist=[0.7, 0.2, 0.1], seed=4)
    assert _pairs(zero) == [(0, 0)] * int((CLASSES == 0).sum())


def test_rejection_resample_of_tuples_and_through_apply_is_tfs():
    pairs = Dataset.from_tensor_slices((CLASSES, wb.range(60)))
    out = pairs.rejection_resample(lambda v, i: _as_class(v), target_dist=[0.4, 0.3, 0.3], seed=2)
    assert out.element_spec == (wb.TensorSpec([], wb.int32),
                                (wb.TensorSpec([], wb.int64), wb.TensorSpec([], wb.int32)))
    got = _pairs(out.map(lambda c, e: (c, e[1])))
    assert got == [(2, 5), (0, 0), (0, 1), (0, 2), (1, 3), (0, 4), (2, 5), (2, 12), (0, 6), (0, 7), (1, 8),
                   (1, 14), (0, 9), (0, 10), (0, 11), (2, 12), (1, 23), (0, 13), (2, 25), (1, 14), (0, 15),
                   (0, 16), (0, 17), (1, 28), (2, 32), (0, 18), (1, 19), (1, 34), (0, 20), (0, 21), (0, 22),
                   (1, 23), (0, 24), (1, 39), (2, 25), (0, 26), (0, 27), (1, 43), (1, 28), (2, 45), (0, 29),
                   (2, 52), (0, 30), (0, 31), (2, 32), (1, 59)]
    ds = Dataset.from_tensor_slices(CLASSES)
    out = ds.apply(wb.data.experimental.rejection_resample(_as_class, target_dist=[0.4, 0.3, 0.3], seed=3))
    want = [0, 0, 0, 1, 0, 2, 0, 2, 0, 1, 1, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 1, 2, 0, 0, 0, 1, 0, 2, 0, 0, 1,
            0, 0, 0, 1, 2, 2, 0, 1, 1, 0, 0, 0, 0, 2, 1, 0, 0, 0, 1, 1, 0, 2, 0, 0, 1, 0, 0, 0, 2, 2, 0, 1]
    assert _pairs(out) == [(c, c) for c in want]


# -- snapshot and fingerprint ---------------------------------------------------------------

def _files(path):
    return sorted(os.path.relpath(os.path.join(r, f), path) for r, _, fs in os.walk(path) for f in fs)


def test_snapshot_writes_the_first_full_pass_and_reads_it_after(tmp_path):
    calls = []

    def note(x):
        calls.append(int(x))
        return x

    ds = Dataset.range(10).map(lambda x: wb.py_function(note, [x], wb.int64))
    snap = ds.snapshot(str(tmp_path / "snap"))
    assert int(snap.cardinality()) == 10 and snap.element_spec == ds.element_spec
    it = iter(snap)
    assert [int(next(it)) for _ in range(3)] == [0, 1, 2]
    assert not any(f.endswith("snapshot.json") for f in _files(tmp_path))   # a pass stopped early
    assert values(snap) == list(range(10))          # a full pass: the input, written as it goes
    assert calls == [0, 1, 2] + list(range(10))
    calls.clear()
    assert values(snap) == list(range(10)) and calls == []   # read from the files
    assert values(snap.repeat(2)) == list(range(10)) * 2 and calls == []
    # another pipeline under the same path: a folder of its own
    other = Dataset.range(10).map(lambda x: x * 2).snapshot(str(tmp_path / "snap"))
    assert values(other) == [2 * i for i in range(10)]
    assert len([f for f in _files(tmp_path) if f.endswith("snapshot.json")]) == 2
    assert not any(f.endswith(".pkl") or f.endswith(".pickle") for f in _files(tmp_path))


def test_snapshot_shards_and_readers_are_tfs(tmp_path):
    path = str(tmp_path / "s")
    ds = Dataset.range(10).snapshot(path, shard_func=lambda x: x % 3, compression=None)
    assert values(ds) == list(range(10))
    # TF 2.21 (on 2 CPUs): the shards interleaved with a cycle of the number of CPUs
    cpus = os.cpu_count() or 1
    shards = [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    want = [x for x in Dataset.from_tensor_slices(wb.ragged.constant(shards))
            .interleave(lambda r: Dataset.from_tensor_slices(r), cycle_length=cpus).as_numpy_iterator()]
    assert values(ds) == [int(x) for x in want]
    if cpus == 2:
        assert values(ds) == [0, 1, 3, 4, 6, 7, 9, 2, 5, 8]
    flat = Dataset.range(10).snapshot(path, shard_func=lambda x: x % 3, compression=None,
                                      reader_func=lambda datasets: datasets.flat_map(lambda d: d))
    assert values(flat) == [0, 3, 6, 9, 1, 4, 7, 2, 5, 8]
    # elements of several parts, gzipped
    pairs = Dataset.from_tensor_slices(({"a": np.arange(6.0).reshape(3, 2)}, ["x", "yy", "zzz"]))
    snap = pairs.snapshot(str(tmp_path / "p"), compression="GZIP")
    first = [(e[0]["a"].tolist(), e[1]) for e in snap.as_numpy_iterator()]
    again = [(e[0]["a"].tolist(), e[1]) for e in snap.as_numpy_iterator()]
    assert first == again == [([0.0, 1.0], b"x"), ([2.0, 3.0], b"yy"), ([4.0, 5.0], b"zzz")]
    assert any(f.endswith(".npy.gz") for f in _files(tmp_path / "p"))
    with pytest.raises(ValueError, match="compression"):
        Dataset.range(3).snapshot(path, compression="LZ4")
    with pytest.raises(TypeError, match="shard_func"):
        Dataset.range(3).snapshot(path, shard_func=3)


def test_snapshot_iterators_restore(tmp_path):
    snap = Dataset.range(8).snapshot(str(tmp_path / "s"))
    for _ in range(2):   # the writing pass, then a reading one
        it = iter(snap)
        next(it), next(it)
        ckpt = wb.train.Checkpoint(it=it)
        saved = ckpt.save(str(tmp_path / "ckpt"))
        rest = [int(x) for x in it]
        ckpt.restore(saved)
        assert [int(x) for x in it] == rest == list(range(2, 8))


def test_fingerprint_is_the_same_for_datasets_built_the_same_way():
    def make(n, k):
        return Dataset.from_tensor_slices(np.arange(n)).map(lambda x: x * k).batch(2)

    fp = make(6, 2).fingerprint()
    assert fp.dtype == wb.uint64 and fp.shape == ()
    assert int(fp) == int(make(6, 2).fingerprint())
    assert len({int(make(6, 2).fingerprint()), int(make(7, 2).fingerprint()), int(make(6, 3).fingerprint()),
                int(Dataset.from_tensor_slices(np.arange(6)).batch(2).fingerprint())}) == 4
    ds = make(6, 2)
    before = int(ds.fingerprint())
    values(ds)
    assert int(ds.fingerprint()) == before   # iterating changes nothing
    code = ("import numpy as np, workbench as wb\n"
            "ds = wb.data.Dataset.from_tensor_slices(np.arange(6)).map(lambda x: x * 2).batch(2)\n"
            "print(int(ds.fingerprint()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    mine = Dataset.from_tensor_slices(np.arange(6)).map(lambda x: x * 2).batch(2)
    assert int(out.stdout.split()[-1]) == int(mine.fingerprint())   # another process: the same


# -- the load_data tutorials' pieces ----------------------------------------------------------

def test_readers_know_their_element_spec_and_the_writer_makes_its_file(tmp_path):
    path = str(tmp_path / "empty.tfrecord")
    with wb.io.TFRecordWriter(path):
        pass
    assert os.path.exists(path) and os.path.getsize(path) == 0    # TF makes the file when it opens
    string = wb.TensorSpec([], wb.string)
    # TF 2.21's reprs, with nothing read
    assert repr(wb.data.TFRecordDataset([path])) == f"<TFRecordDatasetV2 element_spec={string!r}>"
    assert repr(wb.data.TextLineDataset(path)) == f"<TextLineDatasetV2 element_spec={string!r}>"
    assert repr(wb.data.FixedLengthRecordDataset(path, 2)) == f"<FixedLengthRecordDatasetV2 element_spec={string!r}>"
    parsed = wb.data.TFRecordDataset([path]).map(
        lambda r: wb.io.parse_single_example(r, {"a": wb.io.FixedLenFeature([], wb.int64, default_value=0)}))
    assert parsed.element_spec == {"a": wb.TensorSpec([], wb.int64)} and values(parsed) == []


def test_pandas_frames_convert_and_slice_with_their_dtypes():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5], "s": ["x", "y"]})
    t = wb.convert_to_tensor(df[["a", "b"]])                       # TF: float64, as np.asarray
    assert t.dtype == wb.float64 and t.numpy().tolist() == [[1.0, 0.5], [2.0, 1.5]]
    assert wb.convert_to_tensor(df["s"]).numpy().tolist() == [b"x", b"y"]
    assert Dataset.from_tensor_slices(df[["a", "b"]]).element_spec == wb.TensorSpec([2], wb.float64)
    assert Dataset.from_tensor_slices(dict(df)).element_spec == {
        "a": wb.TensorSpec([], wb.int64), "b": wb.TensorSpec([], wb.float64), "s": wb.TensorSpec([], wb.string)}


@pytest.mark.parametrize("compression", ["GZIP", "ZLIB"])
def test_make_csv_dataset_reads_compressed_files_as_tf(tmp_path, compression):
    import gzip
    import zlib
    text = b"a,b,c\n1,x,2.5\n3,y,4.5\n5,z,6.0\n"
    path = tmp_path / "t.csv.z"
    path.write_bytes(gzip.compress(text) if compression == "GZIP" else zlib.compress(text))
    ds = wb.data.experimental.make_csv_dataset(str(path), batch_size=2, label_name="c", num_epochs=1,
                                               compression_type=compression, shuffle=False)
    got = [({k: v.numpy().tolist() for k, v in b.items()}, {k: v.dtype.name for k, v in b.items()},
            label.numpy().tolist(), label.dtype.name) for b, label in ds]
    assert got == [({"a": [1, 3], "b": [b"x", b"y"]}, {"a": "int32", "b": "string"}, [2.5, 4.5], "float32"),
                   ({"a": [5], "b": [b"z"]}, {"a": "int32", "b": "string"}, [6.0], "float32")]


def _class_folders(root):
    import random
    rng = random.Random(0)
    for lang in ("b_java", "a_cs", "c_py"):
        folder = root / lang
        folder.mkdir(parents=True)
        for k in range(7):
            (folder / f"{k}.txt").write_text(f"{lang} question {k} " + "x" * rng.randint(1, 9))
    (root / "notes.md").write_text("skip")


def test_text_dataset_from_directory_is_keras_3s(tmp_path, capsys):
    _class_folders(tmp_path / "train")
    utils = wb.keras.utils
    train = utils.text_dataset_from_directory(str(tmp_path / "train"), batch_size=4, validation_split=0.3,
                                              subset="training", seed=42)
    assert train.class_names == ["a_cs", "b_java", "c_py"]
    assert train.element_spec == (wb.TensorSpec([None], wb.string), wb.TensorSpec([None], wb.int32))
    got = [(x.numpy().tolist(), y.numpy().tolist()) for x, y in train]
    # TF 2.21 / Keras 3 on the same folders
    assert got == [([b"a_cs question 0 xxxxx", b"b_java question 1 xxxxxxx", b"b_java question 2 x",
                     b"a_cs question 3 xxxx"], [0, 1, 1, 0]),
                   ([b"a_cs question 2 xxxxxx", b"c_py question 2 xxxxx", b"a_cs question 4 xxxxxxxxx",
                     b"a_cs question 5 xxx"], [0, 2, 0, 0]),
                   ([b"c_py question 3 xxxxxxxxx", b"c_py question 1 xx", b"c_py question 4 xxx",
                     b"c_py question 6 xx"], [2, 2, 2, 2]),
                   ([b"b_java question 6 xxxxxxx", b"b_java question 4 xxxxxxxxx", b"a_cs question 1 xxxxxxxx"],
                    [1, 1, 0])]
    val = utils.text_dataset_from_directory(str(tmp_path / "train"), batch_size=4, validation_split=0.3,
                                            subset="validation", seed=42)
    assert [y.numpy().tolist() for _, y in val] == [[2, 1, 1, 2], [0, 1]]
    assert capsys.readouterr().out == ("Found 21 files belonging to 3 classes.\nUsing 15 files for training.\n"
                                       "Found 21 files belonging to 3 classes.\nUsing 6 files for validation.\n")
    flat = utils.text_dataset_from_directory(str(tmp_path / "train"), batch_size=None, shuffle=False,
                                             label_mode="categorical", max_length=5)
    assert flat.element_spec == (wb.TensorSpec([], wb.string), wb.TensorSpec([3], wb.float32))
    assert [(x.numpy(), y.numpy().tolist()) for x, y in flat][:2] == [(b"a_cs ", [1.0, 0.0, 0.0])] * 2
    tr, va = utils.text_dataset_from_directory(str(tmp_path / "train"), batch_size=2, validation_split=0.25,
                                               subset="both", seed=1, label_mode="binary",
                                               class_names=["c_py", "a_cs"])
    assert tr.element_spec[1] == wb.TensorSpec([None, 1], wb.float32)
    assert [y.numpy().tolist() for _, y in tr] == [[[0.0], [1.0]], [[1.0], [0.0]], [[0.0], [0.0]], [[0.0], [0.0]],
                                                   [[1.0], [1.0]], [[1.0]]]
    assert [y.numpy().tolist() for _, y in va] == [[[1.0], [1.0]], [[0.0]]]
    with pytest.raises(ValueError, match="seed"):
        utils.text_dataset_from_directory(str(tmp_path / "train"), validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="class_names"):
        utils.text_dataset_from_directory(str(tmp_path / "train"), labels=None, class_names=["a_cs"])


def test_csv_dataset_repr_is_tfs(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\n")
    ds = wb.data.experimental.CsvDataset(str(path), record_defaults=[int(), str()], header=True)
    # TF 2.21: <CsvDatasetV2 element_spec=(TensorSpec(shape=(), dtype=tf.int32, ...), ...)>
    assert repr(ds) == ("<CsvDatasetV2 element_spec=(TensorSpec(shape=(), dtype=wb.int32, name=None), "
                        "TensorSpec(shape=(), dtype=wb.string, name=None))>")
    assert [tuple(x.numpy() for x in e) for e in ds] == [(1, b"x")]


def test_make_csv_dataset_element_spec_is_tfs(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("a,b,c\n1,x,2.5\n3,y,4.5\n")
    make = wb.data.experimental.make_csv_dataset
    # TF 2.21: the batch size where the last short batch is dropped (num_epochs=None), else None
    spec = make(str(path), batch_size=2, select_columns=["c", "a"], num_epochs=None).element_spec
    assert list(spec.items()) == [("a", wb.TensorSpec([2], wb.int32)), ("c", wb.TensorSpec([2], wb.float32))]
    features, label = make(str(path), batch_size=2, column_defaults=[wb.int64, "z", 0.0], label_name="a",
                           num_epochs=1).element_spec
    assert list(features.items()) == [("b", wb.TensorSpec([None], wb.string)), ("c", wb.TensorSpec([None], wb.float32))]
    assert label == wb.TensorSpec([None], wb.int64)
