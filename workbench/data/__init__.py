"""``wb.data``: in-memory input pipelines in the style of ``tf.data``.

>>> ds = wb.data.Dataset.from_tensor_slices(np.arange(10)).shuffle(10, seed=0).batch(4).prefetch(2)
>>> [b.shape for b in ds]
[(4,), (4,), (2,)]

The package, by transformation family (as tf.data's own source is laid out):

    dataset      the ``Dataset`` class: its methods (the whole public surface) and the
                 protocol its transformations implement
    sources      from_tensor_slices, range, from_tensors; zip, concatenate
    elementwise  map, filter, enumerate
    batching     batch, ragged_batch, padded_batch
    shuffle      shuffle, and TF's shuffle buffer
    ordering     repeat, take, skip
    prefetch     prefetch, and the background threads of prefetch and parallel map
    indices      index streams: pipelines over array sources run on int64 row indices
    iterator     ``iter(ds)``: the position of each transformation, saved in checkpoints
    structure    elements (nested tuples/dicts of tensors) and how they batch

Each transformation is a ``Dataset`` subclass in its family's module, and a method of
``Dataset`` only constructs it. The family modules import ``dataset`` (to subclass
``Dataset``), and ``dataset`` imports the transformation classes at its end, after the class
they subclass exists. That one import statement is the only thing joining the two sides:
there is no registry to fill and no function-local import in any method, the method surface
stays readable in one file, and each class keeps the name its iterator state carries in a
checkpoint (``Batch``, ``Shuffle``, ...), so states saved before the split still restore.
"""

from .dataset import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from .iterator import Iterator

__all__ = ["Dataset", "Iterator", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY"]
