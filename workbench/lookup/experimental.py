"""``wb.lookup.experimental``: the mutable tables (``tf.lookup.experimental``)."""

from .tables import DenseHashTable, MutableHashTable

__all__ = ["DenseHashTable", "MutableHashTable"]
