"""Elements drawn from several datasets: ``sample_from_datasets`` (at random, by weight) and
``choose_from_datasets`` (by a dataset of indices).

Random draws come from NumPy's PCG64 seeded with ``(seed, epoch)``; the generator's state
is part of the iterator state, so a restored iterator draws the same sequence. The draws
are reproducible here but are not TF's own random sequence.
"""

from __future__ import annotations

import threading

import numpy as np

from ..core import convert_to_tensor
from ..errors import argcheck
from .dataset import INFINITE, UNKNOWN, Dataset
from .iterator import Step, expect_kind


def _datasets(datasets, where):
    datasets = list(datasets)
    if not datasets:
        raise ValueError(f"{where}: datasets must not be empty")
    for i, d in enumerate(datasets):
        if not isinstance(d, Dataset):
            raise TypeError(f"{where}: datasets[{i}] must be a Dataset, got {argcheck.describe(d)}")
    return datasets


def _cardinality(datasets, stop_on_empty):
    ns = [d._cardinality() for d in datasets]
    if all(n == INFINITE for n in ns) or (INFINITE in ns and not stop_on_empty):
        return INFINITE
    return UNKNOWN


def _weights(value, n, where):
    w = np.asarray(convert_to_tensor(value).numpy(), np.float64).reshape(-1)
    if w.shape != (n,):
        raise ValueError(f"{where}: weights must have one entry per dataset ({n}), got shape {w.shape}")
    if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError(f"{where}: weights must be finite, non-negative and not all zero, got {w.tolist()}")
    return w


class SampleFromDatasets(Dataset):
    """``Dataset.sample_from_datasets``."""

    def __init__(self, datasets, weights, seed, stop_on_empty, rerandomize):
        where = "sample_from_datasets"
        self._inputs = _datasets(datasets, where)
        n = len(self._inputs)
        self._weights_ds = weights if isinstance(weights, Dataset) else None
        self._weights = (np.full(n, 1.0 / n) if weights is None else
                         None if self._weights_ds is not None else _weights(weights, n, where))
        self._seed = (argcheck.integer(seed, "seed", where) if seed is not None
                      else int(np.random.SeedSequence().entropy % (1 << 63)))
        self._stop = bool(stop_on_empty)
        self._rerandomize = bool(rerandomize)
        self._next_epoch = 0
        self._lock = threading.Lock()

    def _new_rng(self):
        epoch = 0
        if self._rerandomize:
            with self._lock:
                epoch, self._next_epoch = self._next_epoch, self._next_epoch + 1
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self._seed, epoch])))

    def _elem_iter(self, state=None):
        return _SampleIter(self, state)

    def _cardinality(self):
        return _cardinality(self._inputs, self._stop)


class _SampleIter(Step):
    def __init__(self, node, state):
        self._node = node
        self._rng = node._new_rng()
        if state is None:
            self._inners = [d._iter(None) for d in node._inputs]
            self._live = [True] * len(node._inputs)
            self._wit = node._weights_ds._iter(None) if node._weights_ds is not None else None
        else:
            expect_kind(state, node)
            if len(state["inputs"]) != len(node._inputs):
                raise ValueError(f"the iterator state samples {len(state['inputs'])} datasets, this "
                                 f"dataset samples {len(node._inputs)}")
            self._inners = [d._iter(s) for d, s in zip(node._inputs, state["inputs"])]
            self._live = [bool(v) for v in state["live"]]
            self._rng.bit_generator.state = state["rng"]
            self._wit = node._weights_ds._iter(state["weights"]) if node._weights_ds is not None else None

    def __next__(self):
        while any(self._live):
            if self._wit is not None:
                w = _weights(next(self._wit), len(self._live), "sample_from_datasets")
            else:
                w = self._node._weights
            w = np.where(self._live, w, 0.0)
            if w.sum() <= 0:
                break
            i = int(self._rng.choice(len(w), p=w / w.sum()))
            try:
                return next(self._inners[i])
            except StopIteration:
                if self._node._stop:
                    break
                self._live[i] = False
        self._live = [False] * len(self._live)
        raise StopIteration

    def state(self):
        return self._tag(self._node, inputs=[it.state() for it in self._inners], live=self._live,
                         rng=self._rng.bit_generator.state,
                         weights=None if self._wit is None else self._wit.state())

    def close(self):
        for it in self._inners:
            it.close()
        if self._wit is not None:
            self._wit.close()


class ChooseFromDatasets(Dataset):
    """``Dataset.choose_from_datasets``: element ``i`` comes from ``datasets[choice[i]]``."""

    def __init__(self, datasets, choice_dataset, stop_on_empty):
        where = "choose_from_datasets"
        self._inputs = _datasets(datasets, where)
        if not isinstance(choice_dataset, Dataset):
            raise TypeError(f"{where}: choice_dataset must be a Dataset of int64 scalars, got "
                            f"{argcheck.describe(choice_dataset)}")
        self._choice = choice_dataset
        self._stop = bool(stop_on_empty)

    def _elem_iter(self, state=None):
        return _ChooseIter(self, state)

    def _cardinality(self):
        c = self._choice._cardinality()
        if c == 0:
            return 0
        if c == INFINITE and all(d._cardinality() == INFINITE for d in self._inputs):
            return INFINITE
        return UNKNOWN


class _ChooseIter(Step):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._choice = node._choice._iter(None)
            self._inners = [d._iter(None) for d in node._inputs]
            self._live = [True] * len(node._inputs)
        else:
            expect_kind(state, node)
            self._choice = node._choice._iter(state["choice"])
            self._inners = [d._iter(s) for d, s in zip(node._inputs, state["inputs"])]
            self._live = [bool(v) for v in state["live"]]

    def __next__(self):
        n = len(self._inners)
        for c in self._choice:
            t = convert_to_tensor(c)
            if t.shape != () or t.dtype != np.int64:
                raise TypeError(f"choose_from_datasets: choice_dataset must hold int64 scalars, got "
                                f"dtype {t.dtype} shape {t.shape}")
            i = int(t)
            if not 0 <= i < n:
                raise ValueError(f"choose_from_datasets: choice_dataset selected index {i}, there are "
                                 f"{n} datasets")
            if not self._live[i]:
                if self._node._stop:
                    break
                continue
            try:
                return next(self._inners[i])
            except StopIteration:
                self._live[i] = False
                if self._node._stop:
                    break
        raise StopIteration

    def state(self):
        return self._tag(self._node, choice=self._choice.state(), live=self._live,
                         inputs=[it.state() for it in self._inners])

    def close(self):
        self._choice.close()
        for it in self._inners:
            it.close()
