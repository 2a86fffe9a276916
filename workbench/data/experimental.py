"""``wb.data.experimental``: TF's ``tf.data.experimental`` readers and helpers.

    CsvDataset            the records of CSV files as tuples of scalars (``files.CsvRecords``)
    make_csv_dataset      batches of ``{column: values}`` (and labels) read from CSV files, with
                          column types inferred from the first rows, shuffled and repeated
    make_batched_features_dataset  batches of parsed ``tf.train.Example`` records (and labels)
                          read from TFRecord files, shuffled and repeated
    Counter               start, start + step, ... without end
    rejection_resample, dense_to_ragged_batch, unbatch, enumerate_dataset, shuffle_and_repeat,
    map_and_batch         transformations for ``Dataset.apply`` (TF's older spellings of methods)
    cardinality           ``dataset.cardinality()``
    assert_cardinality, group_by_reducer (Reducer), pad_to_cardinality, from_list, at,
    get_structure, get_single_element, get_next_as_optional, copy_to_device,
    prefetch_to_device, parse_example_dataset, TFRecordWriter, SqlDataset, RandomDataset, and
    the experimental spellings of Dataset methods (scan, take_while, unique, group_by_window,
    bucket_by_sequence_length, ignore_errors, parallel_interleave, save, load, snapshot)
    SHARD_HINT            ``shard(SHARD_HINT, SHARD_HINT)``: a shard that auto-sharding fills in
    enable_debug_mode     user functions run as Python per element, parallel work in order
    AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, sample_from_datasets,
    choose_from_datasets  the ``Dataset`` names, under their experimental aliases

>>> ds = wb.data.experimental.make_csv_dataset("train.csv", batch_size=4, label_name="survived")
>>> features, label = next(iter(ds))        # features: {'sex': <4 strings>, 'age': <4 floats>, ...}
"""

from __future__ import annotations

import collections
import csv as _csv
import gzip
import io
import os
import sqlite3
import zlib

import numpy as np

from .. import backend, nest
from ..core import constant, convert_to_tensor
from ..dtypes import DType
from ..errors import NotFoundError, OutOfRangeError, argcheck, eager_op_message
from ..io import FixedLenFeature, TFRecordOptions, VarLenFeature, gfile, parse_example
from ..io import TFRecordWriter as TFRecordWriterIO
from ..io.csv import decode_csv
from ..ops.shape import identity
from ..sparse.sparse_tensor import SparseTensorSpec
from ..tensor_shape import TensorSpec, as_shape
from .dataset import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from .options import (AutoShardPolicy, AutotuneAlgorithm, AutotuneOptions, DistributeOptions, ExternalStatePolicy,
                      OptimizationOptions, ThreadingOptions)
from .files import CsvRecords, TextLines, TFRecordDataset, _names, _text
from .elementwise import Map
from .nesting import Interleave
from .optional import Optional
from .resampling import rejection_resample as _rejection_resample
from .reducing import AssertCardinality, GroupByReducer, Reducer, padded_to_cardinality
from .selecting import SHARD_HINT
from .tracing import enable_debug_mode

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "Counter", "CsvDataset", "DatasetInitializer",
           "cardinality",
           "choose_from_datasets", "dense_to_ragged_batch", "dense_to_sparse_batch", "enumerate_dataset",
           "make_batched_features_dataset", "make_csv_dataset", "map_and_batch", "Optional", "rejection_resample",
           "sample_from_datasets", "shuffle_and_repeat", "snapshot",
           "unbatch", "assert_cardinality", "at", "bucket_by_sequence_length", "copy_to_device", "from_list",
           "get_next_as_optional", "get_single_element", "get_structure", "group_by_reducer", "group_by_window",
           "ignore_errors", "load", "pad_to_cardinality", "parallel_interleave", "parse_example_dataset",
           "prefetch_to_device", "RandomDataset", "Reducer", "save", "scan", "SqlDataset", "take_while",
           "TFRecordWriter", "unique", "AutoShardPolicy", "AutotuneAlgorithm", "AutotuneOptions",
           "DistributeOptions", "ExternalStatePolicy", "OptimizationOptions", "ThreadingOptions", "SHARD_HINT",
           "enable_debug_mode"]

sample_from_datasets = Dataset.sample_from_datasets
choose_from_datasets = Dataset.choose_from_datasets


def _lines(filenames, header, where, compression_type=None, cycle=1):
    """The lines of the files, each file's first line dropped with ``header``: one file after
    another, or ``cycle`` files at a time, line by line."""
    from ..io.tfrecord import check_compression  # noqa: PLC0415  (only the readers need it)
    compression = check_compression(compression_type, where)
    skip = 1 if header else 0
    return Interleave(_names(filenames, where), lambda f: TextLines(f, compression).skip(skip), cycle, 1,
                      None, None, where)


def CsvDataset(filenames, record_defaults, compression_type=None, buffer_size=None, header=False,  # noqa: N802
               field_delim=",", use_quote_delim=True, na_value="", select_cols=None, exclude_cols=None,
               name=None):
    """``tf.data.experimental.CsvDataset``: each record of the CSV files as a tuple of scalars.

    ``record_defaults[i]`` is a value (its type gives the column's dtype: int32, float32 or a
    string; it fills an empty field) or a dtype (the field is required). ``select_cols`` or
    ``exclude_cols`` pick the columns by index; ``header`` skips each file's first line."""
    if select_cols is not None and exclude_cols is not None:
        raise ValueError("CsvDataset: give select_cols or exclude_cols, not both")
    defaults = list(record_defaults)
    defaults = [constant([], dtype=d) if _is_dtype(d) else d for d in defaults]
    if exclude_cols is not None:
        excluded = {int(c) for c in exclude_cols}
        select_cols = [c for c in range(len(defaults) + len(excluded)) if c not in excluded]
    if select_cols is not None:
        select_cols = [int(c) for c in select_cols]
        if sorted(select_cols) != select_cols or len(set(select_cols)) != len(select_cols):
            raise ValueError(f"CsvDataset: select_cols must be strictly increasing column indices, got "
                             f"{select_cols}")
        if len(select_cols) != len(defaults):
            raise ValueError(f"CsvDataset: select_cols has {len(select_cols)} columns, record_defaults "
                             f"{len(defaults)}; give one default per selected column")

    return CsvRecords(filenames, defaults, compression_type, header,
                      (field_delim, use_quote_delim, na_value, select_cols))


def _is_dtype(d):
    if isinstance(d, (type, np.dtype, DType)):
        return True
    return isinstance(d, str) and d in ("int32", "int64", "float32", "float64", "string")


def _files(file_pattern, where):
    patterns = file_pattern if isinstance(file_pattern, (list, tuple)) else [file_pattern]
    found = []
    for p in patterns:
        p = _text(p) if hasattr(p, "numpy") else str(p)
        found += sorted(gfile.glob(p))
    if not found:
        raise ValueError(f"{where}: No files match `file_pattern` {file_pattern}.")
    return found


def _text_file(filename, compression):
    """``filename`` opened as text, decompressed (``compression``: None, "GZIP" or "ZLIB")."""
    if compression == "GZIP":
        return io.TextIOWrapper(gzip.GzipFile(fileobj=gfile.GFile(filename, "rb")), encoding="utf-8", newline="")
    if compression == "ZLIB":
        with gfile.GFile(filename, "rb") as f:
            return io.StringIO(zlib.decompress(f.read()).decode("utf-8"), newline="")
    return gfile.GFile(filename, "r")


def _header(filename, field_delim, use_quote_delim, compression=None):
    with _text_file(filename, compression) as f:
        first = f.readline()
    return next(_csv.reader([first.rstrip("\r\n")], delimiter=field_delim,
                            quotechar='"' if use_quote_delim else None,
                            quoting=_csv.QUOTE_MINIMAL if use_quote_delim else _csv.QUOTE_NONE), [])


def _csv_rows(filenames, n_cols, header, field_delim, use_quote_delim, compression):
    """The records of the files in order, each checked to have ``n_cols`` fields (TF's
    ValueError, naming the row, where one does not: a blank line has none)."""
    for filename in filenames:
        with _text_file(filename, compression) as f:
            reader = _csv.reader(f, delimiter=field_delim, quotechar='"' if use_quote_delim else None,
                                 quoting=_csv.QUOTE_MINIMAL if use_quote_delim else _csv.QUOTE_NONE)
            row = 1
            if header:
                next(reader, None)
                row += 1
            for fields in reader:
                if len(fields) != n_cols:
                    raise ValueError(f"Problem inferring types: CSV row {row} has {len(fields)} number of fields. "
                                     f"Expected: {n_cols}.")
                row += 1
                yield fields


def _infer_types(filenames, n_cols, header, field_delim, use_quote_delim, na_value, rows, compression=None):
    """The dtype of each column from the first ``rows`` records of the files, as TF infers them:
    int32 when every value is an integer that fits (int64 when one does not), else float32, else
    string."""
    kinds = ["int32"] * n_cols
    for k, fields in enumerate(_csv_rows(filenames, n_cols, header, field_delim, use_quote_delim, compression)):
        if rows is not None and k >= rows:
            break
        for c, field in enumerate(fields[:n_cols]):
            if field == "" or field == na_value or kinds[c] == "string":
                continue
            try:
                value = int(field)
                if kinds[c] == "int32" and not -2**31 <= value < 2**31:
                    kinds[c] = "int64"
            except ValueError:
                try:
                    float(field)
                    kinds[c] = "float32"
                except ValueError:
                    kinds[c] = "string"
    return [np.dtype(object) if k == "string" else np.dtype(k) for k in kinds]


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None, label_name=None,
                     select_columns=None, field_delim=",", use_quote_delim=True, na_value="", header=True,
                     num_epochs=None, shuffle=True, shuffle_buffer_size=10000, shuffle_seed=None,
                     prefetch_buffer_size=None, num_parallel_reads=None, sloppy=False,
                     num_rows_for_inference=100, compression_type=None, ignore_errors=False,
                     encoding="utf-8"):
    """``tf.data.experimental.make_csv_dataset``: batches of ``(features, label)`` from CSV files.

    ``features`` is an ordered dict ``{column name: tensor of batch_size values}`` in the files'
    column order (``label_name``'s column taken out as ``label``; without ``label_name`` the
    elements are the dicts alone). Names come from the first file's header unless
    ``column_names`` gives them; types from ``column_defaults`` (values, or dtypes for required
    columns) or, by default, inferred from the first ``num_rows_for_inference`` rows. The records
    are shuffled (``shuffle_buffer_size``, ``shuffle_seed``) and repeated ``num_epochs`` times
    (None: forever, with the last partial batch dropped). ``num_parallel_reads`` files are read
    at a time, record by record; with ``ignore_errors`` records that do not parse are dropped."""
    where = "make_csv_dataset"
    batch_size = argcheck.integer(batch_size, "batch_size", where)
    files = _files(file_pattern, where)
    if column_names is None:
        if not header:
            raise ValueError(f"{where}: column_names is required when the files have no header")
        column_names = _header(files[0], field_delim, use_quote_delim, compression_type or None)
    column_names = list(column_names)
    if len(set(column_names)) != len(column_names):
        raise ValueError(f"{where}: column names must be unique, got {column_names}")
    if select_columns is not None:
        picked = [column_names.index(c) if isinstance(c, str) and c in column_names else c for c in select_columns]
        bad = [c for c in picked if not isinstance(c, (int, np.integer)) or not 0 <= c < len(column_names)]
        if bad:
            raise ValueError(f"{where}: select_columns {list(select_columns)} name columns that are not "
                             f"among {column_names}")
        select_cols = sorted(int(c) for c in picked)
    else:
        select_cols = list(range(len(column_names)))
    names = [column_names[c] for c in select_cols]
    if label_name is not None and label_name not in names:
        raise ValueError(f"{where}: label_name {label_name!r} is not a column: {names}")
    if column_defaults is None:
        types = _infer_types(files, len(column_names), header, field_delim, use_quote_delim, na_value,
                             num_rows_for_inference, compression_type or None)
        defaults = [constant([], dtype="string" if types[c] == object else types[c]) for c in select_cols]
    else:
        column_defaults = list(column_defaults)
        if len(column_defaults) == len(column_names) and len(select_cols) != len(column_names):
            column_defaults = [column_defaults[c] for c in select_cols]
        if len(column_defaults) != len(select_cols):
            raise ValueError(f"{where}: column_defaults has {len(column_defaults)} entries for "
                             f"{len(select_cols)} columns")
        defaults = [constant([], dtype=d) if _is_dtype(d) else d for d in column_defaults]

    ds = Dataset.from_tensor_slices(np.array([f.encode("utf-8") for f in files], dtype=object))
    if shuffle and len(files) > 1:
        ds = ds.shuffle(len(files), seed=shuffle_seed)
    select = None if len(select_cols) == len(column_names) else select_cols
    # num_parallel_reads files are read at a time, their records interleaved one by one (TF's)
    cycle = 1 if num_parallel_reads is None else argcheck.integer(num_parallel_reads, "num_parallel_reads", where)
    if cycle == AUTOTUNE:
        cycle = os.cpu_count() or 1
    if cycle < 1:
        raise ValueError(f"{where}: num_parallel_reads must be positive or AUTOTUNE (-1), got {num_parallel_reads}")
    if ignore_errors:
        # TF's: a record that does not parse is dropped before the batches are made
        ds = Interleave(ds, lambda f: CsvRecords(f, defaults, compression_type, header,
                                                 (field_delim, use_quote_delim, na_value, select)).ignore_errors(),
                        cycle, 1, None, None, where)
    else:   # the lines are batched, and each batch parsed by one decode_csv
        ds = _lines(ds, header, where, compression_type, cycle)
    if num_epochs != 1:
        if shuffle:
            ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)
        ds = ds.repeat(num_epochs)
    elif shuffle:
        ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    ds = ds.batch(batch_size, drop_remainder=num_epochs is None)

    def parse(*lines):
        values = lines if ignore_errors else decode_csv(lines[0], defaults, field_delim, use_quote_delim, na_value,
                                                        select)
        features = collections.OrderedDict(zip(names, values))
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label
    ds = ds.map(parse)
    # the batches' spec, as TF's traced parser gives it (the columns' dtypes from a parse of no records)
    columns = decode_csv(np.zeros(0, dtype=object), defaults, field_delim, use_quote_delim, na_value, select)
    size = batch_size if num_epochs is None else None
    specs = collections.OrderedDict((n, TensorSpec([size], c.dtype)) for n, c in zip(names, columns))
    label_spec = None if label_name is None else specs.pop(label_name)
    ds._declared_spec = specs if label_name is None else (specs, label_spec)
    return ds.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)


def Counter(start=0, step=1, dtype=np.int64, name=None):  # noqa: N802  (TF's name)
    """``tf.data.experimental.Counter``: ``start, start + step, ...`` as scalars of ``dtype``,
    without end."""
    start = int(argcheck.integer(start, "start", "Counter"))
    step = int(argcheck.integer(step, "step", "Counter"))
    out = np.dtype(dtype)
    return Map(Dataset.from_tensors(np.int64(0)).repeat().enumerate(),
               lambda i, _: convert_to_tensor(np.asarray(start + int(i) * step, dtype=out)), None, None,
               trace=False)


def rejection_resample(class_func, target_dist, initial_dist=None, seed=None):
    """TF's ``tf.data.experimental.rejection_resample``: the transformation, for ``Dataset.apply``,
    that ``Dataset.rejection_resample`` makes (see :func:`resample`)."""
    return lambda dataset: resample(dataset, class_func, target_dist, initial_dist, seed)


def snapshot(path, compression="AUTO", reader_func=None, shard_func=None):
    """The transformation ``ds.snapshot(path, ...)``, for ``Dataset.apply``."""
    return lambda dataset: dataset.snapshot(path, compression, reader_func, shard_func)


def dense_to_ragged_batch(batch_size, drop_remainder=False, row_splits_dtype=np.int64):
    """The transformation ``ds.ragged_batch(batch_size, ...)``, for ``Dataset.apply``."""
    return lambda dataset: dataset.ragged_batch(batch_size, drop_remainder, row_splits_dtype)


def dense_to_sparse_batch(batch_size, row_shape):
    """The transformation ``ds.sparse_batch(batch_size, row_shape)``, for ``Dataset.apply``."""
    return lambda dataset: dataset.sparse_batch(batch_size, row_shape)


def unbatch():
    """The transformation ``ds.unbatch()``, for ``Dataset.apply``."""
    return lambda dataset: dataset.unbatch()


def enumerate_dataset(start=0):
    """The transformation ``ds.enumerate(start)``, for ``Dataset.apply``."""
    return lambda dataset: dataset.enumerate(start)


def shuffle_and_repeat(buffer_size, count=None, seed=None):
    """The transformation ``ds.shuffle(buffer_size, seed).repeat(count)``, for ``Dataset.apply``."""
    return lambda dataset: dataset.shuffle(buffer_size, seed=seed).repeat(count)


def map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False,
                  num_parallel_calls=None):
    """The transformation ``ds.map(map_func).batch(batch_size, drop_remainder)``, for ``Dataset.apply``."""
    return lambda dataset: dataset.map(map_func, num_parallel_calls).batch(batch_size, drop_remainder)


def cardinality(dataset):
    """``dataset.cardinality()``: an int64 scalar, ``INFINITE_CARDINALITY`` or ``UNKNOWN_CARDINALITY``."""
    return dataset.cardinality()


def resample(dataset, class_func, target_dist, initial_dist=None, seed=None):
    """``Dataset.rejection_resample`` (see ``wb.data.resampling``)."""
    return _rejection_resample(dataset, class_func, target_dist, initial_dist, seed)


def assert_cardinality(expected_cardinality):
    """The transformation, for ``Dataset.apply``, whose dataset reports ``expected_cardinality``
    and raises ``FailedPreconditionError`` while iterating once the input has more elements, or
    ends with fewer (TF's words)."""
    return lambda dataset: AssertCardinality(dataset, expected_cardinality)


def group_by_reducer(key_func, reducer):
    """The transformation, for ``Dataset.apply``, that reduces the elements of each key of
    ``key_func`` (an int64 scalar) with ``reducer`` (a :class:`Reducer`) and emits each key's
    finalized state once the input ends, in ascending key order."""
    return lambda dataset: GroupByReducer(dataset, key_func, reducer)


def pad_to_cardinality(cardinality, mask_key="valid"):
    """The transformation, for ``Dataset.apply``, that adds ``mask_key: True`` to each element
    (a dict) and then elements of zeros with ``mask_key: False`` up to ``cardinality`` elements."""
    return lambda dataset: padded_to_cardinality(dataset, cardinality, mask_key)


def at(dataset, index):
    """The element of ``dataset`` at ``index``; ``OutOfRangeError`` (TF's words) past its end."""
    i = argcheck.integer(index.numpy() if hasattr(index, "numpy") else index, "index", "at", 0)
    for k, element in enumerate(dataset):
        if k == i:
            return element
    n = int(dataset.cardinality())
    raise OutOfRangeError(eager_op_message("GetElementAtIndex", f"Index out of range [0, {max(n, 0)}):{i}",
                                           name="", kernel="GetElementAtIndex_output_types_1"))


def from_list(elements, name=None):
    """A dataset of the items of the list ``elements`` in order, each converted as
    ``from_tensors`` converts its value; items must share one structure and dtypes (sizes that
    differ between items are None in ``element_spec``, as TF's)."""
    if not isinstance(elements, (list, tuple)) or len(elements) == 0:
        raise ValueError(f"from_list: elements must be a non-empty list, got {elements!r}")
    parts = [Dataset.from_tensors(e) for e in elements]
    out = parts[0]
    for p in parts[1:]:
        out = out.concatenate(p)
    return out


def get_structure(dataset_or_iterator):
    """The element structure (``element_spec``) of a dataset or of an iterator over one."""
    spec = getattr(dataset_or_iterator, "element_spec", None)
    if spec is None:
        raise TypeError(f"get_structure: expected a Dataset or an Iterator, got "
                        f"{type(dataset_or_iterator).__name__}")
    return spec


def get_single_element(dataset):
    """``dataset.get_single_element()``."""
    return dataset.get_single_element()


def get_next_as_optional(iterator):
    """``iterator.get_next_as_optional()``."""
    return iterator.get_next_as_optional()


def _on_device(device):

    def place(*element):
        with backend.device(device):
            out = tuple(nest.map_structure(identity, part) for part in element)
        return out[0] if len(out) == 1 else out
    return place


def copy_to_device(target_device, source_device="/cpu:0"):
    """The transformation, for ``Dataset.apply``, that places each element on ``target_device``."""
    return lambda dataset: dataset.map(_on_device(target_device))


def prefetch_to_device(device, buffer_size=None):
    """The transformation, for ``Dataset.apply``, that places each element on ``device`` and
    prefetches ``buffer_size`` of them (AUTOTUNE when None)."""
    return lambda dataset: dataset.map(_on_device(device)).prefetch(AUTOTUNE if buffer_size is None else buffer_size)


def scan(initial_state, scan_func):
    """The transformation ``ds.scan(initial_state, scan_func)``, for ``Dataset.apply``."""
    return lambda dataset: dataset.scan(initial_state, scan_func)


def take_while(predicate):
    """The transformation ``ds.take_while(predicate)``, for ``Dataset.apply``."""
    return lambda dataset: dataset.take_while(predicate)


def unique():
    """The transformation ``ds.unique()``, for ``Dataset.apply``."""
    return lambda dataset: dataset.unique()


def ignore_errors(log_warning=False):
    """The transformation ``ds.ignore_errors(log_warning)``, for ``Dataset.apply``."""
    return lambda dataset: dataset.ignore_errors(log_warning)


def group_by_window(key_func, reduce_func, window_size=None, window_size_func=None):
    """The transformation ``ds.group_by_window(...)``, for ``Dataset.apply``."""
    return lambda dataset: dataset.group_by_window(key_func, reduce_func, window_size, window_size_func)


def bucket_by_sequence_length(element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes=None,
                              padding_values=None, pad_to_bucket_boundary=False, no_padding=False,
                              drop_remainder=False):
    """The transformation ``ds.bucket_by_sequence_length(...)``, for ``Dataset.apply``."""
    return lambda dataset: dataset.bucket_by_sequence_length(
        element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes, padding_values,
        pad_to_bucket_boundary, no_padding, drop_remainder)


def parallel_interleave(map_func, cycle_length, block_length=1, sloppy=False, buffer_output_elements=None,
                        prefetch_input_elements=None):
    """The transformation ``ds.interleave(map_func, cycle_length, block_length)``, for
    ``Dataset.apply`` (``sloppy`` order is TF's permission to reorder; the order here is the
    deterministic one)."""
    return lambda dataset: dataset.interleave(map_func, cycle_length, block_length)


def parse_example_dataset(features, num_parallel_calls=1, deterministic=None):
    """The transformation, for ``Dataset.apply``, that parses batches (vectors) of serialized
    ``tf.train.Example`` protos with ``wb.io.parse_example(serialized, features)``."""
    return lambda dataset: dataset.map(lambda serialized: parse_example(serialized, features))


def make_batched_features_dataset(file_pattern, batch_size, features, reader=None, label_key=None,
                                  reader_args=None, num_epochs=None, shuffle=True, shuffle_buffer_size=10000,
                                  shuffle_seed=None, prefetch_buffer_size=None, reader_num_threads=None,
                                  parser_num_threads=None, sloppy_ordering=False, drop_final_batch=False):
    """``tf.data.experimental.make_batched_features_dataset``: batches of ``tf.train.Example``
    records read from the files matching ``file_pattern`` (``reader``: TFRecordDataset, called
    as ``reader(filename, *reader_args)``), parsed with ``wb.io.parse_example(batch, features)``
    into a dict (with ``label_key``: ``(features, label)``). The files are listed (shuffled
    with ``shuffle``), read one after another, the records shuffled (``shuffle_buffer_size``,
    ``shuffle_seed``) and repeated ``num_epochs`` times (None: forever, and then every batch
    holds ``batch_size`` records, as with ``drop_final_batch``)."""
    where = "make_batched_features_dataset"
    batch_size = argcheck.integer(batch_size, "batch_size", where)
    if not isinstance(features, dict):
        raise TypeError(f"{where}: features must be a dict of feature configurations, got "
                        f"{argcheck.describe(features)}")
    if label_key is not None and label_key not in features:
        raise ValueError(f"The `label_key` provided ({label_key}) must be one of the `features` keys: "
                         f"dict_keys({list(features)}).")
    reader = TFRecordDataset if reader is None else reader
    args = list(reader_args or [])
    ds = Dataset.list_files(file_pattern, shuffle=shuffle, seed=shuffle_seed)
    ds = ds.interleave(lambda filename: reader(filename, *args), cycle_length=reader_num_threads or 1,
                       block_length=1)
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    if num_epochs != 1:
        ds = ds.repeat(num_epochs)
    drop = drop_final_batch or num_epochs is None
    ds = ds.batch(batch_size, drop_remainder=drop)

    def parse(serialized):
        parsed = parse_example(serialized, features)
        return parsed if label_key is None else (parsed, parsed.pop(label_key))
    ds = ds.map(parse)
    # TF's spec, from the traced parser, where the features say it (fixed and variable lengths)
    specs = {key: _batched_feature_spec(f, batch_size if drop else None) for key, f in sorted(features.items())}
    if all(v is not None for v in specs.values()):
        ds._declared_spec = specs if label_key is None else (specs, specs.pop(label_key))
    return ds.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)


def _batched_feature_spec(feature, batch):
    """The spec of a batch of ``feature`` parsed (None for the kinds not written out here)."""
    if isinstance(feature, FixedLenFeature):
        return TensorSpec([batch, *as_shape(feature.shape).as_list()], feature.dtype)
    if isinstance(feature, VarLenFeature):
        return SparseTensorSpec([batch, None], feature.dtype)
    return None


def save(dataset, path, compression=None, shard_func=None, checkpoint_args=None):
    """``dataset.save(path, ...)``."""
    return dataset.save(path, compression, shard_func, checkpoint_args)


def load(path, element_spec=None, compression=None, reader_func=None):
    """``Dataset.load(path, ...)``."""
    return Dataset.load(path, element_spec, compression, reader_func)


def RandomDataset(seed=None, name=None):  # noqa: N802  (TF's name)
    """``Dataset.random(seed)``."""
    return Dataset.random(seed)


class TFRecordWriter:
    """TF's ``tf.data.experimental.TFRecordWriter``: ``write(dataset)`` writes a dataset of
    scalar strings to the TFRecord file ``filename`` (``compression_type``: None, "" or "GZIP")."""

    def __init__(self, filename, compression_type=None, name=None):
        self._filename = str(filename)
        self._compression = compression_type

    def write(self, dataset):
        spec = dataset.element_spec
        if getattr(spec, "dtype", None) is None or spec.dtype.name != "string" or spec.shape.rank != 0:
            raise TypeError(f"TFRecordWriter.write: the dataset's elements must be scalar strings, got {spec}")
        with TFRecordWriterIO(self._filename, TFRecordOptions(compression_type=self._compression or "")) as writer:
            for record in dataset:
                writer.write(record.numpy())


def SqlDataset(driver_name, data_source_name, query, output_types):  # noqa: N802  (TF's name)
    """TF's ``SqlDataset``: the rows ``query`` selects from the SQLite database file
    ``data_source_name`` (``driver_name`` "sqlite", TF's only driver), as tuples of scalars of
    ``output_types`` (one per column). The query is read-only (``mode=ro``)."""
    if driver_name != "sqlite":
        raise ValueError(f"SqlDataset: driver_name must be 'sqlite', got {driver_name!r}")
    types = output_types if isinstance(output_types, (list, tuple)) else (output_types,)
    dtypes = [DType(t) if not isinstance(t, DType) else t for t in types]
    path = os.fspath(data_source_name)
    if not os.path.isfile(path):
        raise NotFoundError(f"SqlDataset: no SQLite database at {path!r}")

    def rows():
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            for row in con.execute(query):
                if len(row) != len(dtypes):
                    raise ValueError(f"SqlDataset: the query gives {len(row)} columns, output_types has "
                                     f"{len(dtypes)}")
                yield tuple(np.asarray(v.encode() if isinstance(v, str) and d.name == "string" else v,
                                       dtype=object if d.name == "string" else d.as_numpy_dtype)
                            for v, d in zip(row, dtypes))
        finally:
            con.close()
    signature = tuple(TensorSpec((), d) for d in dtypes)
    return Dataset.from_generator(rows, output_signature=signature if len(signature) > 1 else signature[0])


# tables filled from datasets: wb.lookup's tables (TF exports these here)
from ..lookup.datasets import DatasetInitializer, index_table_from_dataset, table_from_dataset  # noqa: E402,F401
