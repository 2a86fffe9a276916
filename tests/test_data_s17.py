"""tf.data against TF 2.21 (session 17): random ops in the datasets an interleave function
makes, decode_csv in traced maps, CSV batch/unbatch pipelines, and the images tutorial's
pieces; the values are TF's, computed with TF on the same small cases."""

import warnings

import numpy as np
import pytest

import workbench as wb

Dataset = wb.data.Dataset


def floats(ds):
    return [float(x) for x in ds]


# -- the maps that one interleave function makes share one kernel per random op (TF's one
# function in the interleave function's graph), within one iterator -------------------------

SEED5 = [0.3883112668991089, 0.31686925888061523, 0.42907261848449707,
         0.05274152755737305, 0.7074710130691528, 0.49199604988098145]
SEED3 = [0.38692939281463623, 0.6633445024490356, 0.19575107097625732, 0.9421699047088623,
         0.9180824756622314, 0.4796433448791504, 0.27953827381134033, 0.08177745342254639]


def test_interleave_inner_maps_share_the_op_seeded_kernel():
    ds = Dataset.range(3).interleave(
        lambda i: Dataset.range(2).map(lambda x: wb.random.uniform([], seed=5)), cycle_length=2)
    np.testing.assert_allclose(floats(ds), SEED5, rtol=1e-6)
    np.testing.assert_allclose(floats(ds), SEED5, rtol=1e-6)   # a new iterator: fresh kernels


def test_interleave_inner_maps_share_the_kernel_of_an_op_without_seed_under_a_global_seed():
    wb.random.set_seed(7)
    ds = Dataset.range(3).interleave(
        lambda i: Dataset.range(2).map(lambda x: wb.random.uniform([])), cycle_length=2)
    want = [0.7537285089492798, 0.5876015424728394, 0.39710164070129395,
            0.7915035486221313, 0.17815923690795898, 0.8680136203765869]
    np.testing.assert_allclose(floats(ds), want, rtol=1e-6)
    np.testing.assert_allclose(floats(ds), want, rtol=1e-6)


def test_interleave_inner_maps_without_any_seed_differ_from_each_other():
    ds = Dataset.range(3).interleave(
        lambda i: Dataset.range(2).map(lambda x: wb.random.uniform([])), cycle_length=2)
    got = floats(ds)
    assert len(set(got)) == 6


def test_flat_map_inner_maps_share_the_kernel_and_repeat_goes_on_drawing():
    ds = Dataset.range(3).flat_map(lambda i: Dataset.range(2).map(lambda x: wb.random.uniform([], seed=3)))
    np.testing.assert_allclose(floats(ds), SEED3[:6], rtol=1e-6)
    ds = Dataset.range(2).flat_map(
        lambda i: Dataset.range(2).map(lambda x: wb.random.uniform([], seed=3))).repeat(2)
    np.testing.assert_allclose(floats(ds), SEED3, rtol=1e-6)


def test_two_maps_in_the_inner_dataset_keep_a_kernel_each():
    ds = Dataset.range(2).flat_map(
        lambda i: Dataset.range(3).map(lambda x: wb.random.uniform([], seed=3))
        .map(lambda y: y + wb.random.uniform([], seed=3)))
    want = [0.7738587856292725, 1.3266890048980713, 0.39150214195251465, 1.8843398094177246,
            1.836164951324463, 0.9592866897583008]
    np.testing.assert_allclose(floats(ds), want, rtol=1e-6)


def test_interleave_blocks_with_the_input_value_and_a_shared_kernel():
    ds = Dataset.range(3).interleave(
        lambda i: Dataset.range(2).map(lambda x: wb.cast(i, wb.float32) + wb.random.uniform([], seed=5)),
        cycle_length=3, block_length=2)
    want = [0.3883112668991089, 0.31686925888061523, 1.429072618484497, 1.052741527557373,
            2.7074708938598633, 2.4919960498809814]
    np.testing.assert_allclose(floats(ds), want, rtol=1e-6)


def test_inner_filters_share_the_kernel():
    ds = Dataset.range(2).flat_map(
        lambda i: Dataset.range(4).filter(lambda x: wb.random.uniform([], seed=11) > 0.5))
    assert [int(x) for x in ds] == [2, 1, 2]


# -- decode_csv is an op: Dataset.map traces it (dtypes from record_defaults, shapes the records') --

LINES = ["1,2.5,a", "3,,b", "5,6.5,"]


def test_decode_csv_in_a_map_is_traced_with_tfs_specs():
    lines = Dataset.from_tensor_slices(LINES)
    ds = lines.map(lambda l: wb.io.decode_csv(l, [wb.constant(0), 0.0, "zz"]))
    assert ds.element_spec == (wb.TensorSpec([], wb.int32), wb.TensorSpec([], wb.float32),
                               wb.TensorSpec([], wb.string))
    assert [tuple(np.asarray(v).tolist() for v in e) for e in ds.as_numpy_iterator()] == [
        (1, 2.5, b"a"), (3, 0.0, b"b"), (5, 6.5, b"zz")]
    # TF 2.21: batches of records give columns of unknown size
    batched = lines.batch(2).map(lambda l: wb.io.decode_csv(l, [0, 0.0, "zz"]))
    assert batched.element_spec == (wb.TensorSpec([None], wb.int32), wb.TensorSpec([None], wb.float32),
                                    wb.TensorSpec([None], wb.string))
    got = [[np.asarray(v).tolist() for v in e] for e in batched.as_numpy_iterator()]
    assert got == [[[1, 3], [2.5, 0.0], [b"a", b"b"]], [[5], [6.5], [b"zz"]]]
    required = lines.map(lambda l: wb.io.decode_csv(l, [wb.constant([], wb.int64), [1.0], ["q"]]))
    assert required.element_spec[0] == wb.TensorSpec([], wb.int64)
    picked = lines.map(lambda l: wb.io.decode_csv(l, [0.0, "x"], select_cols=[1, 2]))
    assert [tuple(np.asarray(v).tolist() for v in e) for e in picked.as_numpy_iterator()] == [
        (2.5, b"a"), (0.0, b"b"), (6.5, b"x")]
    fixed = Dataset.from_tensor_slices([["1,2", "3,4"]]).map(lambda l: wb.io.decode_csv(l, [wb.float64.min, 0]))
    assert fixed.element_spec == (wb.TensorSpec([2], wb.float64), wb.TensorSpec([2], wb.int32))


def test_decode_csv_in_a_traced_map_raises_on_a_bad_record():
    ds = Dataset.from_tensor_slices(["1,2.5", "x,3"]).map(lambda l: wb.io.decode_csv(l, [0, 0.0]))
    it = iter(ds)
    assert int(next(it)[0]) == 1
    with pytest.raises(wb.errors.InvalidArgumentError, match="field 0 in record 0 is not a valid int32"):
        next(it)


def test_decode_csv_in_a_function_replays_and_checks_each_call():
    @wb.function
    def parse(x):
        return wb.io.decode_csv(x, [wb.constant([], wb.int64), ""])

    first = parse(wb.constant(["1,a", "2,"]))
    assert first[0].numpy().tolist() == [1, 2] and first[1].numpy().tolist() == [b"a", b""]
    with pytest.raises(wb.errors.InvalidArgumentError, match="required but missing"):
        parse(wb.constant([",a"]))
    again = parse(wb.constant(["5,b", "6,c"]))
    assert again[0].numpy().tolist() == [5, 6] and again[1].numpy().tolist() == [b"b", b"c"]


# -- CsvDataset: lines parsed many at a time; batch takes whole parsed chunks ----------------

@pytest.fixture
def higgs(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(700, 5)).round(4)
    path = tmp_path / "h.csv"
    path.write_text("".join(",".join(f"{v}" for v in row) + "\n" for row in x))
    return str(path), x.astype(np.float32)


def test_csv_dataset_batches_equal_stacked_elements(higgs):
    path, x = higgs
    ds = wb.data.experimental.CsvDataset(path, [float()] * 5)
    fast = [np.stack([c.numpy() for c in b], 1) for b in ds.batch(300)]
    slow = [np.stack([c.numpy() for c in b], 1) for b in ds.map(lambda *r: r).batch(300)]
    assert [b.shape for b in fast] == [(300, 5), (300, 5), (100, 5)]
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.concatenate(fast), x)
    assert [len(b[0]) for b in ds.batch(300, drop_remainder=True)] == [300, 300]


def test_csv_batch_map_unbatch_batch_is_the_rows_in_order(higgs):
    path, x = higgs
    ds = wb.data.experimental.CsvDataset(path, [float()] * 5)
    packed = ds.batch(256).map(lambda *row: (wb.stack(row[1:], 1), row[0])).unbatch()
    assert packed.element_spec == (wb.TensorSpec([4], wb.float32), wb.TensorSpec([], wb.float32))
    got = [(f.numpy(), l.numpy()) for f, l in packed.batch(100)]
    assert [f.shape for f, _ in got] == [(100, 4)] * 7
    np.testing.assert_array_equal(np.concatenate([f for f, _ in got]), x[:, 1:])
    np.testing.assert_array_equal(np.concatenate([l for _, l in got]), x[:, 0])
    one = [f.numpy() for f, _ in packed.take(3)]
    np.testing.assert_array_equal(np.stack(one), x[:3, 1:])


def test_csv_iterator_restores_in_the_middle_of_a_parsed_chunk(higgs, tmp_path):
    path, x = higgs
    ds = wb.data.experimental.CsvDataset(path, [float()] * 5)
    it = iter(ds)
    for _ in range(3):
        next(it)
    ckpt = wb.train.Checkpoint(iterator=it)
    saved = ckpt.save(str(tmp_path / "ckpt"))
    after = [float(next(it)[0]) for _ in range(2)]
    ckpt.restore(saved)
    assert [float(next(it)[0]) for _ in range(2)] == after == x[3:5, 0].tolist()
    batches = iter(ds.batch(300))
    next(batches)
    ckpt = wb.train.Checkpoint(iterator=batches)
    saved = ckpt.save(str(tmp_path / "ckpt_b"))
    second = next(batches)[0].numpy()
    ckpt.restore(saved)
    np.testing.assert_array_equal(next(batches)[0].numpy(), second)
    np.testing.assert_array_equal(second, x[300:600, 0])


def test_csv_bad_line_raises_where_it_is_reached_and_ignore_errors_skips_it(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("h1,h2\n1,2\n\n3,x\n  \n5,6\n")
    ds = wb.data.experimental.CsvDataset(str(path), [0, 0], header=True)
    it = iter(ds)
    assert [int(v) for v in next(it)] == [1, 2]
    for _ in range(3):   # TF 2.21: the empty line, "3,x" and "  " each raise
        with pytest.raises(wb.errors.InvalidArgumentError):
            next(it)
    assert [int(v) for v in next(it)] == [5, 6]
    with pytest.raises(StopIteration):
        next(it)
    assert [[int(v) for v in e] for e in ds.ignore_errors()] == [[1, 2], [5, 6]]
    assert ds.element_spec == (wb.TensorSpec([], wb.int32), wb.TensorSpec([], wb.int32))
    assert int(ds.cardinality()) == -2


def test_csv_header_per_file_and_gzip(tmp_path):
    import gzip
    with gzip.open(tmp_path / "a.csv.gz", "wt") as f:
        f.write("x,y\n1,2\n3,4\n")
    with gzip.open(tmp_path / "b.csv.gz", "wt") as f:
        f.write("x,y\n5,6\n")
    names = [str(tmp_path / "a.csv.gz"), str(tmp_path / "b.csv.gz")]
    ds = wb.data.experimental.CsvDataset(names, [0, 0], header=True, compression_type="GZIP")
    assert [[int(v) for v in e] for e in ds] == [[1, 2], [3, 4], [5, 6]]
    assert [b[0].numpy().tolist() for b in ds.batch(2)] == [[1, 3], [5]]


def test_unbatch_then_batch_takes_slices_equal_to_stacked_rows(tmp_path):
    data = {"a": np.arange(20).reshape(10, 2), "b": np.arange(10.0)}
    base = Dataset.from_tensor_slices(data).batch(4).unbatch()
    fast = [{k: v.numpy().tolist() for k, v in b.items()} for b in base.batch(3)]
    slow = [{k: v.numpy().tolist() for k, v in b.items()} for b in base.map(lambda e: e).batch(3)]
    assert fast == slow and [len(b["b"]) for b in fast] == [3, 3, 3, 1]
    assert [len(b["b"]) for b in base.batch(3, drop_remainder=True)] == [3, 3, 3]
    it = iter(base.batch(3))
    next(it)
    ckpt = wb.train.Checkpoint(iterator=it)
    saved = ckpt.save(str(tmp_path / "ckpt"))
    want = next(it)["b"].numpy().tolist()
    ckpt.restore(saved)
    assert next(it)["b"].numpy().tolist() == want == [3.0, 4.0, 5.0]
    ragged = Dataset.from_tensor_slices(wb.ragged.constant([[1], [2, 3], [4, 5, 6]])).batch(2).unbatch().batch(2)
    assert [b.to_list() for b in ragged] == [[[1], [2, 3]], [[4, 5, 6]]]
    with pytest.raises(ValueError, match="different shapes"):
        list(Dataset.from_generator(lambda: iter([np.zeros((2, 3)), np.ones((3, 4))]),
                                    output_signature=wb.TensorSpec([None, None], wb.float64)).unbatch().batch(4))


# -- decode_jpeg: TF's pixels (libjpeg's fast IDCT and fancy upscaling by default) -------------

def test_decode_jpeg_gives_tfs_pixels():
    import pathlib
    fx = np.load(pathlib.Path(__file__).parent / "fixtures" / "data_s17_jpeg.npz")
    data = fx["jpeg"].tobytes()
    for got, want in [
            (wb.io.decode_jpeg(data, channels=3), "default"),
            (wb.io.decode_jpeg(data, channels=1), "default_ch1"),
            (wb.io.decode_jpeg(data), "default_ch0"),
            (wb.io.decode_jpeg(data, channels=3, dct_method="INTEGER_ACCURATE"), "accurate"),
            (wb.io.decode_jpeg(data, channels=3, fancy_upscaling=False), "fast_plain"),
            (wb.io.decode_jpeg(fx["jpeg422"].tobytes()), "default422"),     # chroma halved across only
            (wb.io.decode_jpeg(fx["jpeg_gray"].tobytes()), "gray_ch0"),
            (wb.io.decode_jpeg(fx["jpeg_gray"].tobytes(), channels=3), "gray_ch3"),
            (wb.io.decode_image(data, channels=3), "image_default")]:
        assert got.shape == fx[want].shape, want
        np.testing.assert_array_equal(got.numpy(), fx[want], err_msg=want)
    with pytest.raises(wb.errors.InvalidArgumentError, match="dct_method must be one of"):
        wb.io.decode_jpeg(data, dct_method="FOO")
    with pytest.raises(wb.errors.InvalidArgumentError, match="not a decodable"):
        wb.io.decode_jpeg(data[:40])


# -- tf.data names TF 2.21 has: make_batched_features_dataset, NumpyIterator, Options' older
# names, SHARD_HINT, enable_debug_mode ----------------------------------------------------------

def _write_examples(folder):
    for k in range(2):
        with wb.io.TFRecordWriter(str(folder / f"f{k}.tfrecord")) as w:
            for i in range(5):
                ex = wb.train.Example(features=wb.train.Features(feature={
                    "x": wb.train.Feature(float_list=wb.train.FloatList(value=[10 * k + i, 0.5])),
                    "y": wb.train.Feature(int64_list=wb.train.Int64List(value=[k * 100 + i])),
                    "w": wb.train.Feature(bytes_list=wb.train.BytesList(value=[b"a" * (i + 1)]))}))
                w.write(ex.SerializeToString())
    return str(folder / "*.tfrecord")


FEATURES = {"x": wb.io.FixedLenFeature([2], wb.float32), "y": wb.io.FixedLenFeature([], wb.int64),
            "w": wb.io.VarLenFeature(wb.string)}


def test_make_batched_features_dataset_as_tf(tmp_path):
    pattern = _write_examples(tmp_path)
    make = wb.data.experimental.make_batched_features_dataset
    ds = make(pattern, 4, FEATURES, label_key="y", shuffle=False, num_epochs=1)
    assert ds.element_spec == ({"w": wb.SparseTensorSpec([None, None], wb.string),
                                "x": wb.TensorSpec([None, 2], wb.float32)}, wb.TensorSpec([None], wb.int64))
    got = [(y.numpy().tolist(), f["x"].numpy()[:, 0].tolist(), wb.sparse.to_dense(f["w"]).numpy()[:, 0].tolist())
           for f, y in ds]
    assert got == [([0, 1, 2, 3], [0.0, 1.0, 2.0, 3.0], [b"a", b"aa", b"aaa", b"aaaa"]),
                   ([4, 100, 101, 102], [4.0, 10.0, 11.0, 12.0], [b"aaaaa", b"a", b"aa", b"aaa"]),
                   ([103, 104], [13.0, 14.0], [b"aaaa", b"aaaaa"])]
    forever = make(pattern, 4, FEATURES, shuffle=False)
    assert forever.element_spec["x"] == wb.TensorSpec([4, 2], wb.float32)
    assert [b["y"].numpy().tolist() for b in forever.take(4)] == [
        [0, 1, 2, 3], [4, 100, 101, 102], [103, 104, 0, 1], [2, 3, 4, 100]]
    dropped = make(pattern, 3, FEATURES, shuffle=False, num_epochs=1, drop_final_batch=True)
    assert [b["y"].numpy().tolist() for b in dropped] == [[0, 1, 2], [3, 4, 100], [101, 102, 103]]
    shuffled = make(pattern, 4, {"y": wb.io.FixedLenFeature([], wb.int64)}, shuffle_seed=3, num_epochs=2)
    ys = sum([b["y"].numpy().tolist() for b in shuffled], [])
    assert sorted(ys) == sorted([0, 1, 2, 3, 4, 100, 101, 102, 103, 104] * 2)
    with pytest.raises(ValueError, match=r"The `label_key` provided \(zz\) must be one of the `features` keys"):
        make(pattern, 3, FEATURES, label_key="zz")


def test_numpy_iterator_is_tfs_and_checkpoints(tmp_path):
    it = Dataset.range(3).as_numpy_iterator()
    assert isinstance(it, wb.data.NumpyIterator) and iter(it) is it
    assert repr(it).startswith("NumpyIterator(iterator=")
    ckpt = wb.train.Checkpoint(it=it)
    assert next(it) == 0
    saved = ckpt.save(str(tmp_path / "c"))
    assert it.next() == 1
    ckpt.restore(saved)
    assert next(it) == 1 and list(it) == [2]
    with pytest.raises(StopIteration):
        next(it)


def test_options_older_names_and_plain_fields():
    o = wb.data.Options()
    assert (o.experimental_deterministic, o.dataset_name, o.framework_type,
            o.experimental_symbolic_checkpoint) == (None, None, None, None)
    o.experimental_deterministic = False
    assert o.deterministic is False and o.experimental_threading is o.threading
    o.dataset_name = "train"
    assert Dataset.range(2).with_options(o).options().dataset_name == "train"
    with pytest.raises(AttributeError, match="no option 'nope'"):
        o.nope = 1


def test_shard_hint_is_refused_outside_auto_sharding():
    assert wb.data.experimental.SHARD_HINT == -1
    hint = wb.data.experimental.SHARD_HINT
    ds = Dataset.range(4).shard(hint, hint)
    with pytest.raises(wb.errors.FailedPreconditionError, match=r"shard\(SHARD_HINT, \.\.\.\)` can only be used"):
        iter(ds)


def test_enable_debug_mode_runs_functions_as_python_per_element():
    import subprocess
    import sys
    code = (
        "import workbench as tf\n"
        "tf.data.experimental.enable_debug_mode()\n"
        "ds = tf.data.Dataset.range(3).map(lambda x: (print('py', type(x).__name__), x * 2)[1], num_parallel_calls=2)\n"
        "print('built')\n"
        "print([int(v) for v in ds.prefetch(2)])\n"
        "ds = tf.data.Dataset.range(3).filter(lambda x: (print('f', type(x).__name__), x > 0)[1])\n"
        "print([int(v) for v in ds])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    # TF 2.21: one trace (a symbolic tensor), then the Python body on each element, in order
    assert out.split("\n") == ["py Placeholder", "built", "py Tensor", "py Tensor", "py Tensor", "[0, 2, 4]",
                               "f Placeholder", "f Tensor", "f Tensor", "f Tensor", "[1, 2]", ""]


def test_make_csv_dataset_bad_records_as_tf(tmp_path):
    path = tmp_path / "mk.csv"
    path.write_text("a,b\n1,x\n2,y\n\n4,z\nq,w\n6,v\n")
    make = wb.data.experimental.make_csv_dataset
    # TF 2.21: ignore_errors drops the records that do not parse before batching
    ds = make(str(path), batch_size=2, num_epochs=1, shuffle=False, column_defaults=[wb.int32, wb.string],
              ignore_errors=True)
    assert [(b["a"].numpy().tolist(), b["b"].numpy().tolist()) for b in ds] == [
        ([1, 2], [b"x", b"y"]), ([4, 6], [b"z", b"v"])]
    assert list(ds.element_spec.items()) == [("a", wb.TensorSpec([None], wb.int32)),
                                             ("b", wb.TensorSpec([None], wb.string))]
    with pytest.raises(ValueError, match="Problem inferring types: CSV row 4 has 0 number of fields. Expected: 2."):
        make(str(path), batch_size=2)
    it = iter(make(str(path), batch_size=2, num_epochs=1, shuffle=False, column_defaults=[wb.int32, wb.string]))
    assert [v.numpy().tolist() for v in next(it).values()] == [[1, 2], [b"x", b"y"]]
    with pytest.raises(wb.errors.InvalidArgumentError):
        next(it)


def test_make_csv_dataset_num_parallel_reads_interleaves_records(tmp_path):
    (tmp_path / "p1.csv").write_text("a,b\n1,x\n2,y\n3,z\n")
    (tmp_path / "p2.csv").write_text("a,b\n10,u\n20,v\n")
    files = [str(tmp_path / "p1.csv"), str(tmp_path / "p2.csv")]
    make = wb.data.experimental.make_csv_dataset
    for errors in (False, True):   # TF 2.21's orders
        got = [b["a"].numpy().tolist() for b in make(files, 10, num_epochs=1, shuffle=False, ignore_errors=errors)]
        assert got == [[1, 2, 3, 10, 20]]
        got = [b["a"].numpy().tolist() for b in make(files, 10, num_epochs=1, shuffle=False, num_parallel_reads=2,
                                                     ignore_errors=errors)]
        assert got == [[1, 10, 2, 20, 3]]


def test_get_next_as_optional_in_a_traced_loop_reads_each_pass():
    """TF's distribute input tutorial's loop (cell 9) over a plain iterator: every pass of the
    traced loop reads the next batch, and has_value() ends it (TF 2.21 prints [0 2 4 6],
    [8 10 12 14], [16])."""
    it = iter(wb.data.Dataset.range(9).batch(4))
    seen = []

    @wb.function
    def train_fn(it):
        for _ in wb.range(5):
            optional_data = it.get_next_as_optional()
            if not optional_data.has_value():
                break
            r = optional_data.get_value() * 2
            wb.py_function(lambda v: seen.append(v.numpy().tolist()) or 0, [r], wb.int32)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train_fn(it)
    assert seen == [[0, 2, 4, 6], [8, 10, 12, 14], [16]]
    assert not it.get_next_as_optional().has_value()
