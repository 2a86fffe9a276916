"""Elements drawn from several datasets: ``sample_from_datasets`` (at random, by weight) and
``choose_from_datasets`` (by a dataset of indices).

``sample_from_datasets`` draws as TF 2.21 does: each draw takes the next two words of
``Dataset.random(seed)`` as the seed of ``stateless_categorical(log(weights))``, a draw of an
exhausted input is skipped (the weights are not renormalized), and datasets given a weight of
zero or less in a list are left out. The words' position is part of the iterator state, so a
restored iterator draws the same sequence.
"""

from __future__ import annotations

import threading

import numpy as np

from ..core import Tensor, convert_to_tensor
from ..errors import argcheck
from .dataset import INFINITE, UNKNOWN, Dataset
from .iterator import Step, expect_kind
from .seeding import PhiloxWords, dataset_seeds, next_pass, pass_seeds


def _datasets(datasets, where):
    datasets = list(datasets)
    if not datasets:
        raise ValueError(f"Invalid `datasets`. `datasets` should not be empty (in {where}).")
    for i, d in enumerate(datasets):
        if not isinstance(d, Dataset):
            raise TypeError(f"{where}: datasets[{i}] must be a Dataset, got {argcheck.describe(d)}")
    return datasets


def _cardinality(datasets):
    """TF's (its directed interleave's): infinite when an input is, else unknown, whatever
    the selector and ``stop_on_empty_dataset``."""
    return INFINITE if any(d._cardinality() == INFINITE for d in datasets) else UNKNOWN


def _weights(value, n, where, negative_ok=False):
    t = convert_to_tensor(value)
    if t.dtype not in (np.float32, np.float64):
        raise TypeError(f"Invalid `weights`. `weights` type must be either `float32` or `float64` but "
                        f"is {t.dtype} (in {where}).")
    w = np.asarray(t.numpy()).reshape(-1)
    if w.shape != (n,):
        raise ValueError(f"Invalid `weights`. `weights` should have the same length as `datasets` but got "
                         f"`len(weights)={w.size}` vs. `len(datasets)={n}` (in {where}: one entry per dataset).")
    if (not negative_ok and (w < 0).any()) or not np.isfinite(w).all():
        raise ValueError(f"{where}: weights must be finite and non-negative, got {w.tolist()}")
    return w


class SampleFromDatasets(Dataset):
    """``Dataset.sample_from_datasets``: TF's selector (``Dataset.random(seed).batch(2)`` as
    stateless seeds of a categorical draw) over the inputs."""

    def __init__(self, datasets, weights, seed, stop_on_empty, rerandomize):
        where = "sample_from_datasets"
        self._inputs = _datasets(datasets, where)
        n = len(self._inputs)
        self._weights_ds = weights if isinstance(weights, Dataset) else None
        self._logits = None
        if weights is None:
            self._logits = np.ones((1, n), np.float32)
        elif self._weights_ds is None:
            if not isinstance(weights, Tensor):   # TF leaves out the inputs weighted <= 0
                listed = _weights(weights, n, where, negative_ok=True)
                kept = [(d, w) for d, w in zip(self._inputs, listed.tolist()) if w > 0]
                self._inputs = [d for d, _ in kept] or [self._inputs[0].take(0)]
                weights = [w for _, w in kept] or [1.0]
            w = _weights(weights, len(self._inputs), where)
            with np.errstate(divide="ignore"):
                self._logits = np.log(w)[None, :]
        # one input left (weights not a Dataset): TF returns it, and takes no op seed
        self._single = self._weights_ds is None and len(self._inputs) == 1
        self._seeds = None if self._single else dataset_seeds(seed, where)
        self._stop = bool(stop_on_empty)
        self._rerandomize = bool(rerandomize)
        self._next_pass = 0
        self._lock = threading.Lock()

    _draws_passes = property(lambda self: self._rerandomize)

    def _take_pass(self):
        return next_pass(self) if self._rerandomize else 0

    def _words(self, number, used=0):
        return PhiloxWords(pass_seeds(self._seeds, self._rerandomize, number), used)

    def _elem_iter(self, state=None):
        return _SampleIter(self, state)

    def _cardinality(self):
        return _cardinality(self._inputs)


def _choose(logits, words):
    # imported here: wb.random imports the package that holds this module's users
    from ..random import stateless_categorical  # noqa: PLC0415
    seed = [words(), words()]
    return int(stateless_categorical(logits, 1, seed=np.asarray(seed, np.int64)).numpy()[0, 0])


class _SampleIter(Step):
    def __init__(self, node, state):
        self._node = node
        if state is None:
            self._pass = node._take_pass()
            self._words = node._words(self._pass)
            self._inners = [d._iter(None) for d in node._inputs]
            self._live = [True] * len(node._inputs)
            self._wit = node._weights_ds._iter(None) if node._weights_ds is not None else None
        else:
            expect_kind(state, node)
            if len(state["inputs"]) != len(node._inputs):
                raise ValueError(f"the iterator state samples {len(state['inputs'])} datasets, this "
                                 f"dataset samples {len(node._inputs)}")
            self._pass = int(state["pass"])
            with node._lock:
                node._next_pass = max(node._next_pass, self._pass + 1)
            self._words = node._words(self._pass, int(state["used"]))
            self._inners = [d._iter(s) for d, s in zip(node._inputs, state["inputs"])]
            self._live = [bool(v) for v in state["live"]]
            self._wit = node._weights_ds._iter(state["weights"]) if node._weights_ds is not None else None

    def __next__(self):
        n = len(self._live)
        while any(self._live):
            if self._wit is not None:
                with np.errstate(divide="ignore"):
                    logits = np.log(_weights(next(self._wit), n, "sample_from_datasets"))[None, :]
            else:
                logits = self._node._logits
            i = _choose(logits, self._words)
            if not self._live[i]:
                continue
            try:
                return next(self._inners[i])
            except StopIteration:
                if self._node._stop:
                    break
                self._live[i] = False
        self._live = [False] * n
        raise StopIteration

    def state(self):
        return self._tag(self._node, inputs=[it.state() for it in self._inners], live=self._live,
                         used=self._words.used, weights=None if self._wit is None else self._wit.state(),
                         **{"pass": self._pass})

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
        return _cardinality(self._inputs)


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
