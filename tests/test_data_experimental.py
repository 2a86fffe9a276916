"""wb.data.experimental (CsvDataset, make_csv_dataset, Counter, rejection_resample) and pandas
columns in from_tensor_slices; values pinned from TF 2.21 running the same calls."""

import collections

import numpy as np
import pytest

import workbench as wb

TITANIC = ("survived,sex,age,n_siblings_spouses,parch,fare,class,deck,embark_town,alone\n"
           "0,male,22.0,1,0,7.25,Third,unknown,Southampton,n\n"
           "1,female,38.0,1,0,71.2833,First,C,Cherbourg,n\n"
           "1,female,26.0,0,0,7.925,Third,unknown,Southampton,y\n"
           "1,female,35.0,1,0,53.1,First,C,Southampton,n\n"
           "0,male,28.0,0,0,8.4583,Third,unknown,Queenstown,y\n")
# the same records with a blank line after the third (a record with no fields, as TF reads it)
WITH_BLANK = TITANIC.replace("y\n1,female,35.0", "y\n\n1,female,35.0")
MISSING = "1,2,3,4\n,2,3,4\n1,,3,4\n1,2,,4\n1,2,3,\n,,,\n"


@pytest.fixture
def files(tmp_path):
    (tmp_path / "train.csv").write_text(TITANIC)
    (tmp_path / "blank.csv").write_text(WITH_BLANK)
    (tmp_path / "missing.csv").write_text(MISSING)
    return tmp_path


def test_csv_dataset_defaults_fill_empty_fields(files):
    ds = wb.data.experimental.CsvDataset(str(files / "missing.csv"), [999, 999, 999, 999])
    rows = [wb.stack(items).numpy().tolist() for items in ds]
    assert rows == [[1, 2, 3, 4], [999, 2, 3, 4], [1, 999, 3, 4], [1, 2, 999, 4], [1, 2, 3, 999],
                    [999, 999, 999, 999]]
    picked = wb.data.experimental.CsvDataset(str(files / "missing.csv"), [999, 999], select_cols=[1, 3])
    assert [wb.stack(items).numpy().tolist() for items in picked] == [
        [2, 4], [2, 4], [999, 4], [2, 4], [2, 999], [999, 999]]


def test_csv_dataset_with_dtypes_and_header(files):
    types = [wb.int32, wb.string, wb.float32, wb.int32, wb.int32, wb.float32, wb.string, wb.string,
             wb.string, wb.string]
    ds = wb.data.experimental.CsvDataset(str(files / "blank.csv"), types, header=True)
    # TF 2.21: the blank line is a record whose required fields are missing (an error there,
    # after the three records before it); ignore_errors skips it
    it = iter(ds)
    assert len([next(it) for _ in range(3)]) == 3
    with pytest.raises(wb.errors.InvalidArgumentError):
        next(it)
    assert len([next(it) for _ in range(2)]) == 2
    rows = [[item.numpy() for item in line] for line in ds.ignore_errors()]
    assert len(rows) == 5   # the header is skipped
    assert rows[1] == [1, b"female", np.float32(38.0), 1, 0, np.float32(71.2833), b"First", b"C",
                       b"Cherbourg", b"n"]
    assert [type(v) for v in rows[1][:3]] == [np.int32, bytes, np.float32]
    with pytest.raises(wb.errors.InvalidArgumentError, match="required"):
        list(wb.data.experimental.CsvDataset(str(files / "missing.csv"), [wb.int32] * 4))


def test_make_csv_dataset_infers_types_and_splits_the_label(files):
    ds = wb.data.experimental.make_csv_dataset(str(files / "train.csv"), batch_size=2, label_name="survived",
                                               shuffle=False, num_epochs=1)
    batches = list(ds)
    assert len(batches) == 3   # 5 records, the last batch partial with num_epochs=1
    features, label = batches[0]
    assert isinstance(features, collections.OrderedDict)
    assert list(features) == ["sex", "age", "n_siblings_spouses", "parch", "fare", "class", "deck",
                              "embark_town", "alone"]
    assert label.dtype == wb.int32 and label.numpy().tolist() == [0, 1]
    assert features["age"].dtype == wb.float32 and features["parch"].dtype == wb.int32
    assert features["sex"].numpy().tolist() == [b"male", b"female"]
    # num_epochs=None repeats without end and drops partial batches
    forever = wb.data.experimental.make_csv_dataset(str(files / "train.csv"), batch_size=4, shuffle=False,
                                                    label_name="survived")
    assert [lab.numpy().tolist() for _, lab in forever.take(2)] == [[0, 1, 1, 1], [0, 0, 1, 1]]


def test_make_csv_dataset_select_columns_and_defaults(files):
    ds = wb.data.experimental.make_csv_dataset(
        str(files / "train.csv"), batch_size=5, label_name="survived",
        select_columns=["class", "fare", "survived"], shuffle=False, num_epochs=1)
    features, label = next(iter(ds))
    assert list(features) == ["fare", "class"]   # the files' column order
    np.testing.assert_allclose(features["fare"].numpy(), [7.25, 71.2833, 7.925, 53.1, 8.4583], rtol=1e-6)
    typed = wb.data.experimental.make_csv_dataset(
        str(files / "missing.csv"), batch_size=6, column_names=list("abcd"), header=False,
        column_defaults=[float()] * 3 + [int()], shuffle=False, num_epochs=1)
    batch = next(iter(typed))
    assert batch["a"].dtype == wb.float32 and batch["d"].dtype == wb.int32
    assert batch["a"].numpy().tolist() == [1.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="No files match"):
        wb.data.experimental.make_csv_dataset(str(files / "nothing*.csv"), batch_size=2)
    with pytest.raises(ValueError, match="label_name 'nope'"):
        wb.data.experimental.make_csv_dataset(str(files / "train.csv"), batch_size=2, label_name="nope")


def test_counter_counts_without_end():
    c = wb.data.experimental.Counter()
    assert c.element_spec.dtype == wb.int64 and c.element_spec.shape == ()
    assert [int(x) for x in c.take(4)] == [0, 1, 2, 3]
    assert [int(x) for x in wb.data.Dataset.counter(start=10, step=-3).take(3)] == [10, 7, 4]
    assert int(c.cardinality()) == wb.data.INFINITE_CARDINALITY
    pairs = wb.data.Dataset.zip((c, wb.data.Dataset.range(5, 8)))
    assert [(int(a), int(b)) for a, b in pairs] == [(0, 5), (1, 6), (2, 7)]


# TF 2.21 on the same 4000 elements: (pairs, pairs of class 1, sum of the indices kept)
RESAMPLED = {(0.9, 0.1): (928, 464, 961044), None: (965, 465, 980691)}


@pytest.mark.parametrize("initial", [(0.9, 0.1), None])
def test_rejection_resample_reaches_the_target_distribution(initial):
    rng = np.random.default_rng(0)
    labels = (rng.uniform(size=4000) < 0.1).astype(np.int32)
    ds = wb.data.Dataset.from_tensor_slices((np.arange(4000), labels))
    out = ds.rejection_resample(lambda i, label: label, target_dist=[0.5, 0.5],
                                initial_dist=None if initial is None else list(initial), seed=1)
    pairs = [(int(c), (int(i), int(label))) for c, (i, label) in out]
    classes = np.array([c for c, _ in pairs])
    assert all(c == label for c, (_, label) in pairs)   # the pair carries the element unchanged
    assert (len(pairs), int(classes.sum()), sum(i for _, (i, _) in pairs)) == RESAMPLED[initial]
    # binomial(n, 0.5): the share of class 1 is within 4 standard deviations of 0.5
    assert abs(classes.mean() - 0.5) < 4 * 0.5 / np.sqrt(len(pairs))


def test_pandas_columns_slice_as_tf(tmp_path):
    pd = pytest.importorskip("pandas")
    (tmp_path / "t.csv").write_text(TITANIC)
    df = pd.read_csv(tmp_path / "t.csv")
    first = next(iter(wb.data.Dataset.from_tensor_slices(dict(df))))
    assert first["survived"].dtype == wb.int64 and int(first["survived"]) == 0
    assert first["sex"].dtype == wb.string and first["sex"].numpy() == b"male"
    assert first["fare"].dtype == wb.float64 and float(first["fare"]) == 7.25


def test_dataset_repr_is_tfs():
    # TF 2.21: <_TensorSliceDataset element_spec=TensorSpec(shape=(), dtype=tf.int32, name=None)>
    assert repr(wb.data.Dataset.from_tensor_slices([8, 3, 0])) == \
        f"<_TensorSliceDataset element_spec={wb.TensorSpec((), wb.int32)!r}>"
    ds = wb.data.Dataset.range(100)
    assert repr(wb.data.Dataset.zip((ds, ds)).batch(4)).startswith(
        f"<_BatchDataset element_spec=({wb.TensorSpec((None,), wb.int64)!r}, ")
    assert repr(ds.batch(7, drop_remainder=True)) == f"<_BatchDataset element_spec={wb.TensorSpec((7,), wb.int64)!r}>"
    assert repr(next(iter(ds.window(5)))).startswith("<_VariantDataset element_spec=")
    # a filter has its input's element_spec, as in TF (no element needs to be read)
    assert repr(ds.filter(lambda x: x < 0)) == f"<_FilterDataset element_spec={wb.TensorSpec((), wb.int64)!r}>"


def test_experimental_transformations_for_apply():
    ds = wb.data.Dataset.range(6)
    E = wb.data.experimental
    assert [b.numpy().tolist() for b in ds.batch(4).apply(E.unbatch())] == [0, 1, 2, 3, 4, 5]
    assert [(int(i), int(x)) for i, x in ds.take(2).apply(E.enumerate_dataset(start=3))] == [(3, 0), (4, 1)]
    assert sorted(int(x) for x in ds.apply(E.shuffle_and_repeat(6, count=2, seed=1))) == sorted(list(range(6)) * 2)
    assert [b.numpy().tolist() for b in ds.apply(E.map_and_batch(lambda x: x * 2, 4))] == [[0, 2, 4, 6], [8, 10]]
    rows = wb.data.Dataset.from_tensor_slices(np.arange(6).reshape(3, 2)).apply(E.dense_to_ragged_batch(2))
    assert [r.numpy().tolist() for r in rows] == [[[0, 1], [2, 3]], [[4, 5]]]   # uniform rows stay dense, as TF
    assert int(E.cardinality(ds)) == 6
    labels = wb.data.Dataset.from_tensor_slices(np.array([0, 0, 0, 1] * 50, np.int32))
    pairs = list(labels.apply(E.rejection_resample(lambda x: x, [0.5, 0.5], [0.75, 0.25], seed=0)))
    assert all(int(c) == int(x) for c, x in pairs)
    assert (len(pairs), sum(int(c) for c, _ in pairs)) == (147, 74)   # TF 2.21's


def test_make_csv_dataset_iterators_checkpoint_with_their_ordered_features(files, tmp_path):
    ds = wb.data.experimental.make_csv_dataset(str(files / "train.csv"), batch_size=2, label_name="survived",
                                               shuffle=True, shuffle_seed=3, num_epochs=2)
    it = iter(ds)
    next(it)
    ckpt = wb.Checkpoint(it=it)
    path = ckpt.save(str(tmp_path / "ckpt"))
    rest = [(list(f), f["age"].numpy().tolist(), lab.numpy().tolist()) for f, lab in it]
    ckpt.restore(path)
    again = [(list(f), f["age"].numpy().tolist(), lab.numpy().tolist()) for f, lab in it]
    assert again == rest and rest[0][0][:2] == ["sex", "age"]
