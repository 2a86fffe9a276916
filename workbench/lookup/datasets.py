"""Tables filled from a dataset: ``tf.data.experimental.table_from_dataset`` and
``index_table_from_dataset`` (exported by ``wb.data.experimental``)."""

from __future__ import annotations

import numpy as np

from .. import core, dtypes, errors
from .tables import StaticHashTable, StaticVocabularyTable

__all__ = ["DatasetInitializer", "index_table_from_dataset", "table_from_dataset"]


class _DatasetInitializer:
    """Keys and values from a dataset of scalar ``(key, value)`` pairs (TF's
    ``DatasetInitializer``), read when a table is built from it."""

    def __init__(self, dataset, vocab_size=None, where="table_from_dataset"):
        spec = dataset.element_spec
        if not isinstance(spec, tuple) or len(spec) != 2:
            raise TypeError(f"{where}: the dataset must give (key, value) pairs, got elements of {spec!r}")
        for what, s in zip(("key", "value"), spec):
            if s.shape.rank not in (None, 0):
                raise ValueError(f"Datasets used to initialize lookup tables must produce elements in the form "
                                 f"(key, value), where the keys and values are scalar tensors. However, the given "
                                 f"dataset produces non-scalar {what} Tensors of rank {s.shape.rank}.")
        self._dataset, self._vocab_size = dataset, vocab_size
        self.key_dtype, self.value_dtype = spec[0].dtype, spec[1].dtype

    def _pairs(self, where):
        keys, values = [], []
        for k, v in self._dataset:
            if self._vocab_size is not None and len(keys) == self._vocab_size:
                break
            keys.append(k.numpy())
            values.append(v.numpy())
        if self._vocab_size is not None and len(keys) < self._vocab_size:
            raise errors.FailedPreconditionError(
                f"Input dataset was expected to contain {self._vocab_size} elements but contained only "
                f"{len(keys)} elements.")

        def array(items, dtype):
            return np.array(items, dtype=object if dtype == dtypes.string else dtype.as_numpy_dtype).reshape(-1)
        return array(keys, self.key_dtype), array(values, self.value_dtype)


class DatasetInitializer(_DatasetInitializer):
    """A table initializer from a dataset of scalar ``(key, value)`` pairs (TF's
    ``tf.data.experimental.DatasetInitializer``).

    >>> pairs = wb.data.Dataset.zip((wb.data.Dataset.range(3), wb.data.Dataset.range(3).map(lambda x: x * 2)))
    >>> wb.lookup.StaticHashTable(wb.data.experimental.DatasetInitializer(pairs), -1).lookup(
    ...     wb.constant([2, 5], wb.int64)).numpy()
    array([ 4, -1])
    """

    def __init__(self, dataset):
        super().__init__(dataset, where="DatasetInitializer")


def table_from_dataset(dataset=None, num_oov_buckets=0, vocab_size=None, default_value=None, hasher_spec=None,
                       key_dtype=dtypes.string, name=None):
    """A static table of the ``(key, value)`` pairs of ``dataset`` (the first ``vocab_size``
    of them, when given): a ``StaticHashTable`` with ``default_value``, or with
    ``num_oov_buckets`` a ``StaticVocabularyTable`` (TF's bucket numbers; TF returns its
    equivalent ``IdTableWithHashBuckets``).

    >>> ds = wb.data.Dataset.from_tensor_slices((["a", "b"], wb.constant([10, 20], wb.int64)))
    >>> wb.data.experimental.table_from_dataset(ds, default_value=-1).lookup(wb.constant(["b", "z"])).numpy()
    array([20, -1])
    """
    if hasher_spec is not None and getattr(hasher_spec, "hasher", "fasthash") != "fasthash":
        raise ValueError(f"table_from_dataset: only the default hasher (fasthash, TF's Fingerprint64) is "
                         f"supported, got {hasher_spec!r}")
    if not isinstance(num_oov_buckets, (int, np.integer)) or num_oov_buckets < 0:
        raise ValueError(f"num_oov_buckets must be >= 0, got {num_oov_buckets}.")
    if vocab_size is not None and vocab_size < 1:
        raise ValueError(f"vocab_size must be greater than 0, got {vocab_size}.")
    initializer = _DatasetInitializer(dataset, vocab_size)
    if num_oov_buckets:
        return StaticVocabularyTable(initializer, int(num_oov_buckets), name=name)
    return StaticHashTable(initializer, default_value, name=name)


def index_table_from_dataset(dataset=None, num_oov_buckets=0, vocab_size=None, default_value=-1,
                             hasher_spec=None, key_dtype=dtypes.string, name=None):
    """A table from each key of ``dataset`` to its position (int64), as ``table_from_dataset``
    with the elements enumerated."""
    spec = dataset.element_spec
    if isinstance(spec, tuple):
        raise TypeError(f"index_table_from_dataset: the dataset must give single keys, got elements of {spec!r}")
    pairs = dataset.enumerate().map(lambda i, k: (k, core.convert_to_tensor(i, dtype=dtypes.int64)))
    return table_from_dataset(pairs, num_oov_buckets, vocab_size, default_value, hasher_spec, key_dtype, name)
