"""Keras' ``timeseries_dataset_from_array``: sliding windows over an array as a ``wb.data.Dataset``
of batches (windows are gathered batch by batch, so the data is never copied once per window).

>>> ds = wb.keras.utils.timeseries_dataset_from_array(np.arange(10), None, sequence_length=3, batch_size=4)
>>> [batch.shape for batch in ds]
[(4, 3), (4, 3)]
"""

from __future__ import annotations

import numpy as np

from .. import data as wb_data
from ..core import convert_to_tensor
from ..errors import argcheck
from ..ops.indexing import gather

__all__ = ["timeseries_dataset_from_array"]


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None):
    """Windows ``data[start + p + i * sampling_rate]`` (``i < sequence_length``) for start positions
    ``p`` every ``sequence_stride`` steps, each with target ``targets[start + p]`` when targets are
    given; in batches of ``batch_size`` (None: single windows), shuffled by ``seed`` when asked."""
    where = "timeseries_dataset_from_array"
    values = np.asarray(data.numpy() if hasattr(data, "numpy") else data)
    n = len(values)
    sequence_length = argcheck.integer(sequence_length, "sequence_length", where, minimum=1)
    sequence_stride = argcheck.integer(sequence_stride, "sequence_stride", where, minimum=1)
    sampling_rate = argcheck.integer(sampling_rate, "sampling_rate", where, minimum=1)
    start = 0 if start_index is None else argcheck.integer(start_index, "start_index", where, minimum=0)
    if start >= n:
        raise ValueError(f"{where}: start_index must be lower than the number of data points ({n}), got {start}")
    end = n if end_index is None else argcheck.integer(end_index, "end_index", where, minimum=0)
    if not start < end <= n:
        raise ValueError(f"{where}: end_index must be in ({start}, {n}], got {end_index}")
    if batch_size is not None:
        batch_size = argcheck.integer(batch_size, "batch_size", where, minimum=1)
    num_seqs = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets.numpy() if hasattr(targets, "numpy") else targets)
        num_seqs = min(num_seqs, len(targets))
    positions = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        rng = np.random.RandomState(np.random.randint(1_000_000) if seed is None else seed)
        rng.shuffle(positions)
    windows = start + positions[:, None] + np.arange(sequence_length, dtype=np.int64)[None] * sampling_rate
    source = convert_to_tensor(values)
    ds = wb_data.Dataset.from_tensor_slices(windows if targets is None else (windows, start + positions))
    if batch_size is not None:
        ds = ds.batch(batch_size)
    if targets is None:
        return ds.map(lambda idx: gather(source, idx))
    labels = convert_to_tensor(targets)
    return ds.map(lambda idx, at: (gather(source, idx), gather(labels, at)))
