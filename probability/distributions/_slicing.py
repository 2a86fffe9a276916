"""Slicing a wrapper distribution: its base distribution, broadcast to the wrapper's batch shape first
(the wrapper's own parameters may widen it), cut by the same slices."""

from __future__ import annotations


def as_slices(slices):
    """``slices`` as a tuple, as ``__getitem__`` receives one index or several."""
    return slices if isinstance(slices, tuple) else (slices,)


def sliced_base(distribution, batch_shape, slices):
    """``distribution[slices]`` after broadcasting its batch shape to ``batch_shape``."""
    from .batch_broadcast import BatchBroadcast  # a module of this package that imports the base class
    batch = tuple(batch_shape)
    if tuple(distribution.batch_shape) != batch:
        distribution = BatchBroadcast(distribution, to_shape=batch)
    return distribution[slices]
