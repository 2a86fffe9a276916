"""What the layout of ``workbench/data/`` must keep: the public surface of ``wb.data``, and the
transformation kinds that saved iterator states name (a checkpoint written before a class was
renamed or moved must still restore)."""

import numpy as np

import workbench as wb
from workbench.checkpoint import format as ckpt_format
from workbench.data import iterator as iterator_module

Dataset = wb.data.Dataset

# each transformation, by the kind its iterator state carries
KINDS = {"Batch", "Concatenate", "Enumerate", "Filter", "FromTensors", "Map", "PaddedBatch",
         "Prefetch", "Range", "Repeat", "Shuffle", "Skip", "Take", "TensorSlices", "Zip",
         "Cache", "ChooseFromDatasets", "FromGenerator", "GroupByWindow", "Interleave", "ListElements",
         "Load", "SampleFromDatasets", "Scan", "SparseBatch", "TFRecords", "TextLines", "Unbatch", "WithOptions",
         "Window", "Shard", "TakeWhile", "Unique", "Rebatch", "IgnoreErrors", "RandomSource",
         "FixedLengthRecords", "AssertCardinality", "GroupByReducer", "Snapshot", "CsvRecords"}

# kinds of transformations the pipeline above does not use (tests/test_data_breadth.py and
# tests/test_data_experimental_more.py save them; tests/test_data_s16.py: Snapshot; tests/test_data_s17.py:
# CsvRecords)
NEW_KINDS = {"Cache", "ChooseFromDatasets", "FromGenerator", "GroupByWindow", "Interleave", "ListElements",
             "Load", "SampleFromDatasets", "Scan", "SparseBatch", "TFRecords", "TextLines", "Unbatch",
             "WithOptions", "Window", "Shard", "TakeWhile", "Unique", "Rebatch", "IgnoreErrors", "RandomSource",
             "FixedLengthRecords", "AssertCardinality", "GroupByReducer", "Snapshot", "CsvRecords"}


def transformations(cls=Dataset):
    for sub in cls.__subclasses__():
        yield sub
        yield from transformations(sub)


def test_the_public_surface_of_wb_data():
    assert sorted(wb.data.__all__) == ["AUTOTUNE", "Dataset", "DatasetSpec", "FixedLengthRecordDataset",
                                       "INFINITE_CARDINALITY", "Iterator", "IteratorSpec", "NumpyIterator", "Options",
                                       "TFRecordDataset", "TextLineDataset", "ThreadingOptions",
                                       "UNKNOWN_CARDINALITY", "experimental"]
    assert (wb.data.AUTOTUNE, wb.data.INFINITE_CARDINALITY, wb.data.UNKNOWN_CARDINALITY) == (-1, -1, -2)
    methods = sorted(n for n in dir(Dataset) if not n.startswith("_"))
    assert methods == ["apply", "as_numpy_iterator", "batch", "bucket_by_sequence_length", "cache",
                       "cardinality", "choose_from_datasets", "concatenate", "counter", "element_spec", "enumerate",
                       "filter", "fingerprint",
                       "flat_map", "from_generator", "from_tensor_slices", "from_tensors",
                       "get_single_element", "group_by_window", "ignore_errors", "interleave", "list_files", "load", "map",
                       "options", "padded_batch", "prefetch", "ragged_batch", "random", "range", "rebatch", "reduce",
                       "rejection_resample", "repeat",
                       "sample_from_datasets", "save", "scan", "shard", "shuffle", "skip", "snapshot", "sparse_batch", "take",
                       "take_while", "unbatch", "unique", "window", "with_options", "zip"]


def test_each_transformation_has_its_own_state_kind():
    kinds = [c.__name__.lstrip("_") for c in transformations()]
    assert len(kinds) == len(set(kinds)), f"two transformations share a kind: {sorted(kinds)}"
    # Counted: the base of take and skip; FileReader: of the text-line and TFRecord readers
    assert set(kinds) - {"Counted", "FileReader"} == KINDS


def kinds_in(tree):
    if isinstance(tree, dict):
        found = {tree["kind"]} if "kind" in tree else set()
        for value in tree.values():
            found |= kinds_in(value)
        return found
    if isinstance(tree, list):
        return set().union(*(kinds_in(v) for v in tree)) if tree else set()
    return set()


def test_a_saved_state_names_every_transformation_by_its_kind(tmp_path):
    rows = Dataset.from_tensor_slices(np.arange(40)).shuffle(8, seed=0).repeat(2).skip(1)
    ones = Dataset.from_tensors(np.int64(1)).repeat()
    ds = (Dataset.zip(rows, Dataset.range(100), ones).take(30).map(lambda x, y, z: x + y * z)
          .filter(lambda v: v % 5 != 0).concatenate(Dataset.range(3)).enumerate().batch(2)
          .map(lambda i, v: wb.fill([v[0] % 3 + 1], v[0])).padded_batch(2).prefetch(2))
    it = iter(ds)
    next(it)
    prefix = wb.Checkpoint(iterator=it).save(str(tmp_path / "ckpt"))
    _, arrays = ckpt_format.read_checkpoint(prefix)
    state = iterator_module.decode_state({k.split("/", 1)[1]: v for k, v in arrays.items()
                                          if k.startswith("iterator/")})
    assert kinds_in(state) == KINDS - NEW_KINDS
