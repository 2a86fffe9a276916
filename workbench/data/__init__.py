"""``wb.data``: in-memory input pipelines in the style of ``tf.data``.

>>> ds = wb.data.Dataset.from_tensor_slices(np.arange(10)).shuffle(10, seed=0).batch(4).prefetch(2)
>>> [b.shape for b in ds]
[(4,), (4,), (2,)]
"""

from .dataset import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from .iterator import Iterator

__all__ = ["Dataset", "Iterator", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY"]
