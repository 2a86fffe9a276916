"""``keras.utils.PyDataset`` (also ``keras.utils.Sequence``): a Python object that gives a whole
batch for each index, for ``fit``/``evaluate``/``predict``.

A subclass implements ``__len__`` (the number of batches) and ``__getitem__(index)`` (batch
``index``: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``); ``on_epoch_begin``/``on_epoch_end`` run
around each pass. ``fit(shuffle=True)`` visits the batches in a new order each epoch. With
``workers > 1`` that many threads read batches ahead (at most ``max_queue_size`` waiting), which
helps when ``__getitem__`` waits on files or the network; batches still arrive in order.

>>> class Squares(wb.keras.utils.PyDataset):
...     def __len__(self):
...         return 2
...     def __getitem__(self, i):
...         x = np.full((4, 1), float(i), np.float32)
...         return x, x ** 2
>>> model = wb.keras.Sequential([wb.keras.Input((1,)), wb.keras.layers.Dense(1)])
>>> model.compile(loss="mse")
>>> len(model.fit(Squares(), epochs=2, verbose=0).history["loss"])
2
"""

from __future__ import annotations

import collections
import concurrent.futures

from ..errors import argcheck

__all__ = ["PyDataset", "Sequence"]


class PyDataset:
    """Base class of batch-indexed datasets (see the module's docstring)."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = argcheck.integer(workers, "workers", "PyDataset", minimum=1)
        self._max_queue_size = argcheck.integer(max_queue_size, "max_queue_size", "PyDataset", minimum=1)
        if use_multiprocessing:
            raise ValueError("PyDataset: use_multiprocessing=True is not supported here; batches are read "
                             "by threads (workers=N), which suits datasets that wait on I/O")
        self._use_multiprocessing = False

    @property
    def workers(self):
        return self._workers

    @property
    def use_multiprocessing(self):
        return self._use_multiprocessing

    @property
    def max_queue_size(self):
        return self._max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index), returning a batch")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__(), the number of batches")

    @property
    def num_batches(self):
        """The number of batches (``len(self)``), as Keras gives it."""
        return len(self)

    def on_epoch_begin(self):
        """Called before each pass over the batches."""

    def on_epoch_end(self):
        """Called after each pass over the batches (a place to reshuffle the samples)."""

    def batches(self, order):
        """The batches at the indices of ``order``, read by ``workers`` threads when more than one."""
        if self._workers == 1:
            for i in order:
                yield self[int(i)]
            return
        with concurrent.futures.ThreadPoolExecutor(self._workers) as pool:
            pending = collections.deque()
            for i in order:
                pending.append(pool.submit(self.__getitem__, int(i)))
                if len(pending) >= self._max_queue_size:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()


Sequence = PyDataset
