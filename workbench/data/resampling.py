"""``Dataset.rejection_resample``: ``(class, element)`` pairs whose classes follow a target
distribution, as TF 2.21 builds them from other transformations (so its seeds give TF's
elements).

With ``p`` the classes' frequencies in the input (``initial_dist``, or a running estimate:
counts that start at 10 per class and grow by batches of 32 classes) and ``t`` the target,
the ratios ``r = t / p`` give the mixing weight ``m = min(r)`` and the acceptance
probabilities ``a = (r - m) / (max(r) - m)``. An element comes from the input as it is with
probability ``m`` and from a filtered copy of it otherwise, where an element of class ``c``
is kept when a uniform draw (op seed ``seed``) falls below ``a[c]``:
``sample_from_datasets([labelled, filtered], weights=(m, 1 - m), seed=seed,
stop_on_empty_dataset=True)``. A known ``initial_dist`` whose smallest ratio is 1 (the
target is the input's distribution) gives the labelled input; one whose smallest ratio is 0
(a class the target leaves out) gives the filtered copy alone.

>>> ds = wb.data.Dataset.from_tensor_slices([0, 0, 0, 1] * 8)
>>> balanced = ds.rejection_resample(lambda x: x, target_dist=[0.5, 0.5], seed=1)
>>> balanced.element_spec
(TensorSpec(shape=(), dtype=wb.int32, name=None), TensorSpec(shape=(), dtype=wb.int32, name=None))
"""

from __future__ import annotations

import numpy as np

from .. import random as wb_random
from ..core import convert_to_tensor
from ..ops.create import fill
from ..ops.elementwise import cast
from ..ops.indexing import gather, one_hot, tile
from ..ops.reduce import reduce_max, reduce_min, reduce_sum
from ..ops.shape import expand_dims, stack
from .dataset import Dataset

ESTIMATION_BATCH = 32   # classes counted at a time by the running estimate
SMOOTHING = 10          # the count each class starts with


def _distribution(value, name):
    t = cast(convert_to_tensor(value), np.float32)
    if t.shape.rank != 1:
        raise ValueError(f"rejection_resample: {name} must be a vector of class probabilities "
                         f"(shape [num_classes]), got shape {t.shape}")
    return t


def acceptance_and_mixing(initial, target):
    """The per-class acceptance probabilities and the probability of taking an element from the
    input unfiltered, for class frequencies ``initial`` and target ``target`` (float32)."""
    ratio = target / (initial + np.finfo(np.float32).tiny)
    top, m = reduce_max(ratio), reduce_min(ratio)
    return (ratio - m) / (top - m), m


def running_class_frequencies(target, classes):
    """A dataset of the class frequencies estimated as the input's classes are seen: one vector
    per element, updated every ``ESTIMATION_BATCH`` classes."""
    num_classes = int(target.shape[0])

    def update(counts, batch):
        counts = counts + reduce_sum(one_hot(batch, num_classes, dtype=np.int64), 0)
        frequencies = cast(counts / reduce_sum(counts), np.float32)
        return counts, tile(expand_dims(frequencies, 0), [ESTIMATION_BATCH, 1])

    start = fill([num_classes], np.int64(SMOOTHING))
    return classes.batch(ESTIMATION_BATCH).scan(start, update).unbatch()


def rejection_resample(dataset, class_func, target_dist, initial_dist=None, seed=None):
    """``dataset``'s elements as ``(class_func(element), element)`` pairs whose classes follow
    ``target_dist`` (see the module docstring)."""
    if not callable(class_func):
        raise TypeError(f"rejection_resample: class_func must be callable, got {type(class_func).__name__}")
    target = _distribution(target_dist, "target_dist")

    def class_of(element):
        return class_func(*element) if isinstance(element, tuple) else class_func(element)

    static_mixing = None
    if initial_dist is not None:
        initial = _distribution(initial_dist, "initial_dist")
        if initial.shape != target.shape:
            raise ValueError(f"rejection_resample: initial_dist (shape {initial.shape}) and target_dist "
                             f"(shape {target.shape}) must have one entry per class")
        accept, mixing = acceptance_and_mixing(initial, target)
        accept_ds = Dataset.from_tensors(accept).repeat()
        mixing_ds = Dataset.from_tensors(mixing).repeat()
        with np.errstate(divide="ignore", invalid="ignore"):
            static_mixing = np.min(target.numpy() / initial.numpy())
    else:
        frequencies = running_class_frequencies(target, dataset.map(class_func))
        both = frequencies.map(lambda p: acceptance_and_mixing(p, target))
        accept_ds = both.map(lambda a, _: a)
        mixing_ds = both.map(lambda _, m: m)

    def with_acceptance(accept, element):
        c = class_of(element)
        return c, gather(accept, c), element

    def kept(c, p, element):
        return wb_random.uniform([], seed=seed, dtype=p.dtype) < p

    filtered = (Dataset.zip((accept_ds, dataset)).map(with_acceptance).filter(kept)
                .map(lambda c, p, element: (c, element)).prefetch(3))

    def labelled(*element):
        element = element[0] if len(element) == 1 else element
        return class_of(element), element

    if static_mixing == 1:
        return dataset.map(labelled)
    if static_mixing == 0:
        return filtered
    return Dataset.sample_from_datasets(
        [dataset.map(labelled), filtered], weights=mixing_ds.map(lambda m: stack([m, 1.0 - m])),
        seed=seed, stop_on_empty_dataset=True)
