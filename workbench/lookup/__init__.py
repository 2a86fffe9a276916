"""``wb.lookup``: key-to-value tables, as ``tf.lookup``.

    KeyValueTensorInitializer, TextFileInitializer, TextFileIndex   what fills a static table
    StaticHashTable, StaticVocabularyTable                          tables filled once
    experimental.MutableHashTable, experimental.DenseHashTable      tables that change
    datasets.table_from_dataset, index_table_from_dataset          tables from datasets (exported by
                                                                    wb.data.experimental, as TF)

>>> table = wb.lookup.StaticHashTable(
...     wb.lookup.KeyValueTensorInitializer(["a", "b"], wb.constant([0, 1], wb.int64)), -1)
>>> table.lookup(wb.constant([["a", "q"]])).numpy()
array([[ 0, -1]])
"""

from . import experimental
from .initializers import KeyValueTensorInitializer, TextFileIndex, TextFileInitializer
from .tables import StaticHashTable, StaticVocabularyTable

__all__ = ["KeyValueTensorInitializer", "StaticHashTable", "StaticVocabularyTable", "TextFileIndex",
           "TextFileInitializer", "experimental"]
