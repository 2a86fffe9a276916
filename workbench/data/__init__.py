"""``wb.data``: in-memory input pipelines in the style of ``tf.data``.

>>> ds = wb.data.Dataset.from_tensor_slices(np.arange(10)).shuffle(10, seed=0).batch(4).prefetch(2)
>>> [b.shape for b in ds]
[(4,), (4,), (2,)]

The package, by transformation family (as tf.data's own source is laid out):

    dataset      the ``Dataset`` class: its methods (the whole public surface) and the
                 protocol its transformations implement
    sources      from_tensor_slices, range, from_tensors; zip, concatenate
    generator    from_generator
    files        TextLineDataset, TFRecordDataset, FixedLengthRecordDataset, CsvDataset's records
                 (parsed in chunks), list_files (through ``wb.io``)
    experimental tf.data.experimental: CsvDataset, make_csv_dataset, Counter
    resampling   rejection_resample (TF's pipeline of filter and sample_from_datasets)
    directory    keras.utils.text_dataset_from_directory
    storage      Dataset.save / load (a folder of JSON and .npy files)
    caching      cache, in memory or in files
    snapshot     snapshot (the first full pass written, later passes and runs read it)
    fingerprint  Dataset.fingerprint (a hash of how the pipeline was built)
    nesting      flat_map, interleave, unbatch, window (datasets of datasets)
    grouping     scan, group_by_window, bucket_by_sequence_length
    sampling     sample_from_datasets, choose_from_datasets
    options      options / with_options (tf.data.Options)
    elementwise  map, filter, enumerate
    batching     batch, ragged_batch, padded_batch
    shuffle      shuffle, and TF's shuffle buffer
    ordering     repeat, take, skip
    selecting    shard, take_while, unique, ignore_errors, rebatch, Dataset.random
    prefetch     prefetch, and the background threads of prefetch and parallel map
    indices      index streams: pipelines over array sources run on int64 row indices
    iterator     ``iter(ds)``: the position of each transformation, saved in checkpoints;
                 ``NumpyIterator`` (``as_numpy_iterator``)
    structure    elements (nested tuples/dicts of tensors) and how they batch
    seeding      the seeds of random transformations; each iterator's random-op kernels
    specs        DatasetSpec, IteratorSpec, OptionalSpec (the types of datasets, iterators, optionals)

Each transformation is a ``Dataset`` subclass in its family's module, and a method of
``Dataset`` only constructs it. The family modules import ``dataset`` (to subclass
``Dataset``), and ``dataset`` imports the transformation classes at its end, after the class
they subclass exists. That one import statement is the only thing joining the two sides:
there is no registry to fill and no function-local import in any method, the method surface
stays readable in one file, and each class keeps the name its iterator state carries in a
checkpoint (``Batch``, ``Shuffle``, ...), so states saved before the split still restore.
"""

from .dataset import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from .files import FixedLengthRecordDataset, TextLineDataset, TFRecordDataset
from . import experimental, loops  # noqa: F401 -- loops: for loops over datasets in wb.function
from .iterator import Iterator, NumpyIterator
from .options import Options, ThreadingOptions
from .specs import DatasetSpec, IteratorSpec
from ..io.composites import register_ragged
from ragged import RaggedTensor

# parse_example's RaggedFeature results are RaggedTensors (wb.io cannot import ragged)
register_ragged(RaggedTensor)

__all__ = ["Dataset", "Iterator", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Options",
           "FixedLengthRecordDataset", "TextLineDataset", "TFRecordDataset", "experimental", "DatasetSpec",
           "IteratorSpec", "ThreadingOptions", "NumpyIterator"]
