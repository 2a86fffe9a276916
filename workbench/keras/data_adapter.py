"""What ``Model.fit``/``evaluate``/``predict`` accept as data, turned into batches (Keras 3's
data adapters and epoch iterator).

Inputs: NumPy arrays, Tensors and RaggedTensors (or lists/dicts of them for several model
inputs or outputs), a ``wb.data.Dataset`` of batches, a ``keras.utils.PyDataset``, or a Python
generator/iterator of batches. A batch is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.

>>> it = EpochIterator(np.zeros((10, 3)), np.arange(10), batch_size=4)
>>> it.num_batches
3
>>> [len(batches) for _, _, batches in it.enumerate_epoch()]
[1, 1, 1]

Floating NumPy arrays are cast to float32 (Keras' floatx), as Keras' array adapter does;
Tensors keep their dtype.
"""

from __future__ import annotations

import collections.abc
import math
import warnings

import numpy as np

import ragged

from .. import nest
from ..core import CompositeTensor, Tensor, convert_to_tensor
from ..data import INFINITE_CARDINALITY, Dataset
from ..sparse import rows as sparse_rows
from ..sparse.sparse_tensor import SparseTensor
from ..ops.indexing import gather
from .py_dataset import PyDataset

__all__ = ["EpochIterator", "batch_tensors", "is_batched_source", "pack_x_y_sample_weight",
           "train_validation_split", "unpack_x_y_sample_weight"]

_RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or "
            "generator can generate at least `steps_per_epoch * epochs` batches. You may need to "
            "use the `.repeat()` function when building your dataset.")


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a batch: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sw)``
    (a list is one ``x``: several model inputs)."""
    if isinstance(data, tuple) and not hasattr(data, "_fields"):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data[0], data[1], data[2]
        raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                         f"`(x, y, sample_weight)`, found a tuple of {len(data)} elements")
    return data, None, None


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The inverse of :func:`unpack_x_y_sample_weight`."""
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


# ---------------------------------------------------------------------------
# Arrays


def _is_pandas(x):
    # a pandas DataFrame or Series (Keras 3 takes them as arrays: their values, row by row)
    return type(x).__module__.split(".")[0] == "pandas" and type(x).__name__ in ("DataFrame", "Series")


def _pandas_values(x):
    # Keras 3's conversion: a Series is a column, (n,) -> (n, 1); a DataFrame its (n, k) values
    values = x.to_numpy()
    return values[:, None] if type(x).__name__ == "Series" else values


def _is_array_leaf(x):
    return (isinstance(x, (np.ndarray, Tensor, CompositeTensor)) or type(x).__module__.startswith("cupy")
            or _is_pandas(x))


def _as_array(x, where, name):
    """One leaf as something indexable by rows: a float32 cast of floating NumPy input (Keras'
    floatx); Tensors and RaggedTensors as they are."""
    if x is None:
        return None
    if isinstance(x, (Tensor, CompositeTensor)) or type(x).__module__.startswith("cupy"):
        return x
    if _is_pandas(x):
        x = _pandas_values(x)
    if isinstance(x, (list, tuple, int, float, bool, np.number)) or isinstance(x, np.ndarray):
        try:
            arr = np.asarray(x)
        except ValueError:
            raise ValueError(f"{where}: {name} holds sequences of different lengths; give a "
                             "RaggedTensor (ragged.constant) for ragged data") from None
        if arr.dtype == object:
            raise TypeError(f"{where}: {name} holds Python objects (dtype object); expected numbers. "
                            "Ragged rows go in a RaggedTensor (ragged.constant)")
        if arr.ndim == 0:
            raise ValueError(f"{where}: {name} is a scalar; expected an array with one row per sample")
        if arr.dtype.kind == "f" and arr.dtype != np.float32:
            arr = arr.astype(np.float32)
        return arr
    raise TypeError(f"{where}: unrecognized data type for {name}: {type(x).__name__}. Expected NumPy "
                    "arrays, wb Tensors or RaggedTensors (or lists/dicts of them), a wb.data.Dataset "
                    "or a Python generator")


def _num_rows(x):
    if isinstance(x, SparseTensor):
        return int(x.shape[0])
    if isinstance(x, CompositeTensor):
        return int(x.nrows())
    return int(x.shape[0])


def _structure_of_arrays(x, where, name):
    """Convert a nested structure (dict/list/tuple of leaves) leaf by leaf. A list of numbers
    is one array, not a structure."""
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: _structure_of_arrays(v, where, f"{name}[{k!r}]") for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and all(_is_array_leaf(v) or isinstance(v, (dict, list, tuple))
                                                 and not _numbers(v) for v in x):
        return type(x)(_structure_of_arrays(v, where, f"{name}[{i}]") for i, v in enumerate(x))
    return _as_array(x, where, name)


def _numbers(v):
    """A plain (possibly nested) list of numbers, which is one array."""
    try:
        return np.asarray(v).dtype.kind in "biuf"
    except ValueError:
        return False


def _take(x, index):
    """Rows of one leaf: ``index`` is a slice or an int64 index array."""
    if isinstance(x, SparseTensor):    # rows of a sparse input (Keras' sparse=True inputs)
        rows = np.arange(x.shape[0])[index] if isinstance(index, slice) else index
        return sparse_rows.gather_rows(x, rows)
    if isinstance(index, slice):
        return x[index]
    if isinstance(x, CompositeTensor):
        return ragged.gather(x, index)
    if isinstance(x, Tensor):
        return gather(x, index)
    return x[index]


def _to_tensor(x):
    if x is None or isinstance(x, (Tensor, CompositeTensor)):
        return x
    return convert_to_tensor(x)


def _tensors(structure):
    return nest.map_structure(_to_tensor, structure) if structure is not None else None


def _check_cardinality(x, y, sample_weight, where):
    sizes = {}
    for name, part in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        if part is not None:
            sizes[name] = [_num_rows(leaf) for leaf in nest.flatten(part)]
    distinct = {n for lst in sizes.values() for n in lst}
    if len(distinct) > 1:
        detail = "\n".join(f"'{name}' sizes: {', '.join(str(n) for n in lst)}" for name, lst in sizes.items())
        raise ValueError(f"{where}: Data cardinality is ambiguous. Make sure all arrays contain the same "
                         f"number of samples.\n{detail}")
    return distinct.pop() if distinct else 0


def train_validation_split(arrays, validation_split, where="fit"):
    """Split ``arrays`` (a structure of arrays) at ``floor(n * (1 - validation_split))``: the
    last fraction is the validation data, taken before any shuffling (Keras' rule)."""
    arrays = nest.map_structure(lambda a: _pandas_values(a) if _is_pandas(a) else a, arrays)
    leaves = [a for a in nest.flatten(arrays) if a is not None]
    bad = [type(a).__name__ for a in leaves if not _is_array_leaf(a)]
    if bad:
        raise ValueError(f"{where}: `validation_split` is only supported for NumPy arrays and tensors, "
                         f"got {bad[0]}; pass validation_data instead")
    n = {_num_rows(a) for a in leaves}
    if len(n) != 1:
        raise ValueError(f"{where}: Data cardinality is ambiguous: the arrays have {sorted(n)} samples")
    n = n.pop()
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"{where}: Training data contains {n} samples, which is not sufficient to split it "
                         "into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, or a different "
                         "value for the `validation_split` argument.")
    cut = lambda lo, hi: nest.map_structure(  # noqa: E731
        lambda a: None if a is None else _take(a, slice(lo, hi)), arrays)
    return cut(0, split_at), cut(split_at, n)


class _ArrayAdapter:
    """Batches of rows of in-memory arrays; shuffled (``True``: all rows, ``"batch"``: batch
    order) at every new pass."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle, where):
        self.x = _structure_of_arrays(x, where, "x")
        self.y = _structure_of_arrays(y, where, "y")
        self.sample_weight = _structure_of_arrays(sample_weight, where, "sample_weight")
        self.num_samples = _check_cardinality(self.x, self.y, self.sample_weight, where)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.num_batches = -(-self.num_samples // batch_size) if self.num_samples else 0

    def __iter__(self):
        n, size = self.num_samples, self.batch_size
        order = None
        if self.shuffle == "batch":
            starts = np.random.permutation(self.num_batches) * size
        else:
            starts = np.arange(self.num_batches) * size
            if self.shuffle:
                order = np.random.permutation(n).astype(np.int64)
        parts = tuple(self._parts())
        leaves = nest.flatten(list(parts))   # None leaves (no y) stay None
        plain = all(not isinstance(p, (list, tuple, dict)) for p in parts)
        for start in starts:
            stop = min(start + size, n)
            index = slice(int(start), int(stop)) if order is None else order[start:stop]
            rows = [None if a is None else _to_tensor(_take(a, index)) for a in leaves]
            yield tuple(rows) if plain else tuple(nest.pack_sequence_as(list(parts), rows))

    def _parts(self):
        parts = [self.x]
        if self.y is not None or self.sample_weight is not None:
            parts.append(self.y)
        if self.sample_weight is not None:
            parts.append(self.sample_weight)
        return parts


class _DatasetAdapter:
    """A ``wb.data.Dataset`` whose elements are batches; a new pass starts it again."""

    def __init__(self, dataset):
        self.dataset = dataset
        n = int(dataset.cardinality().numpy())
        self.num_batches = n if n >= 0 else None
        self.infinite = n == INFINITE_CARDINALITY

    def __iter__(self):
        for element in self.dataset:
            yield element


class _GeneratorAdapter:
    """A Python generator or iterator of batches: one pass in total, shared by the epochs."""

    num_batches = None
    infinite = False

    def __init__(self, generator):
        self.generator = generator

    def __iter__(self):
        return self.generator


class _PyDatasetAdapter:
    """A ``keras.utils.PyDataset``: ``len(ds)`` batches a pass, in a new order each pass when
    shuffled; its ``on_epoch_begin``/``on_epoch_end`` run around each pass."""

    infinite = False

    def __init__(self, dataset, shuffle):
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.num_batches = len(dataset)

    def __iter__(self):
        self.dataset.on_epoch_begin()
        n = len(self.dataset)
        order = np.random.permutation(n) if self.shuffle else range(n)
        for batch in self.dataset.batches(order):
            yield nest.map_structure(_to_tensor, batch)
        self.dataset.on_epoch_end()


def _is_generator(x):
    return isinstance(x, collections.abc.Iterator)


def is_batched_source(x):
    """True for data that yields its own batches: a ``wb.data.Dataset``, a ``PyDataset`` or a
    generator."""
    return isinstance(x, (Dataset, PyDataset)) or _is_generator(x)


def batch_tensors(x, y=None, sample_weight=None, class_weight=None, where="train_on_batch"):
    """One batch from arrays, as ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` of tensors
    (``class_weight`` becomes the sample weights)."""
    x = _structure_of_arrays(x, where, "x")
    y = _structure_of_arrays(y, where, "y")
    sample_weight = _structure_of_arrays(sample_weight, where, "sample_weight")
    _check_cardinality(x, y, sample_weight, where)
    class_weight = _check_class_weight(class_weight, where)
    if class_weight is not None:
        if y is None:
            raise ValueError(f"{where}: class_weight needs targets, but y is None")
        sample_weight = _sample_weight_from_classes(y, class_weight, where)
    return pack_x_y_sample_weight(_tensors(x), _tensors(y), _tensors(sample_weight))


def _sample_weight_from_classes(y, class_weight, where):
    """Per-sample weights ``class_weight[label]`` (1 for classes not listed); one-hot ``y`` is
    read by argmax, as Keras does."""
    if isinstance(y, (list, tuple, dict)):
        raise ValueError(f"{where}: `class_weight` is only supported for Models with a single output.")
    labels = y.numpy() if isinstance(y, Tensor) else np.asarray(y)
    if labels.ndim > 1:
        labels = labels.argmax(axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    labels = np.round(labels).astype(np.int64)
    weights = np.array([class_weight.get(int(c), 1.0) for c in labels.reshape(-1)], np.float32)
    return convert_to_tensor(weights.reshape(labels.shape))


def _check_class_weight(class_weight, where):
    if class_weight is None:
        return None
    if not isinstance(class_weight, dict):
        raise TypeError(f"{where}: class_weight must be a dict mapping class indices to weights, "
                        f"got {type(class_weight).__name__}")
    out = {}
    for k, v in class_weight.items():
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise TypeError(f"{where}: class_weight keys must be integer class indices, got {k!r}")
        try:
            out[int(k)] = float(v)
        except (TypeError, ValueError):
            raise TypeError(f"{where}: class_weight[{k}] must be a number, got {v!r}") from None
    return out


def _positive_int(value, name, where, allow_none=True):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer{' or None' if allow_none else ''}, "
                         f"got {value!r}")
    return int(value)


class EpochIterator:
    """Batches for one epoch at a time, grouped by ``steps_per_execution``.

    ``enumerate_epoch()`` yields ``(begin_step, end_step, batches)``; ``num_batches`` is the
    number of steps in an epoch (None when unknown: a generator, or a dataset of unknown
    size, until one pass has been seen). With ``steps_per_epoch`` the data is read on from
    where the previous epoch stopped and started again when it runs out, as Keras does.
    """

    def __init__(self, x=None, y=None, sample_weight=None, batch_size=None, steps_per_epoch=None,
                 shuffle=False, class_weight=None, steps_per_execution=1, where="fit"):
        self.where = where
        self.steps_per_epoch = _positive_int(steps_per_epoch, "steps_per_epoch", where)
        self.steps_per_execution = _positive_int(steps_per_execution, "steps_per_execution", where,
                                                 allow_none=False)
        self.class_weight = _check_class_weight(class_weight, where)
        if x is None:
            raise ValueError(f"{where}: no input data: pass x (arrays, a wb.data.Dataset or a generator)")
        if is_batched_source(x):
            kind = ("a wb.data.Dataset" if isinstance(x, Dataset) else "a PyDataset" if isinstance(x, PyDataset)
                    else "a generator")
            if y is not None:
                raise ValueError(f"{where}: when x is {kind}, y must not be given: the targets come from "
                                 "x, which yields (inputs, targets) or (inputs, targets, sample_weights)")
            if sample_weight is not None:
                raise ValueError(f"{where}: when x is {kind}, sample_weight must not be given: give it "
                                 "as the third element of x's batches (inputs, targets, sample_weights)")
            if batch_size is not None:   # Keras ignores it too; say so
                warnings.warn(f"{where}: batch_size={batch_size!r} is ignored: x is {kind}, which yields "
                              "its own batches", UserWarning, stacklevel=3)
            if isinstance(x, PyDataset):
                self.adapter = _PyDatasetAdapter(x, shuffle is True)
            else:
                self.adapter = _DatasetAdapter(x) if isinstance(x, Dataset) else _GeneratorAdapter(x)
        else:
            if self.class_weight is not None and sample_weight is not None:
                raise ValueError(f"{where}: You cannot use `class_weight` and `sample_weight` at the "
                                 "same time.")
            batch_size = 32 if batch_size is None else _positive_int(batch_size, "batch_size", where)
            if shuffle not in (True, False, "batch"):
                raise ValueError(f"{where}: shuffle must be True, False or 'batch', got {shuffle!r}")
            self.adapter = _ArrayAdapter(x, y, sample_weight, batch_size, shuffle, where)
        self._num_batches = self.adapter.num_batches
        self._iterator = None
        self._seen = 0       # batches read from the current pass over the data
        self._total = 0      # batches read in all

    @property
    def num_batches(self):
        """Steps per epoch: ``steps_per_epoch`` if given, else the batches in the data."""
        return self.steps_per_epoch or self._num_batches

    def _next(self):
        try:
            batch = next(self._iterator)
        except StopIteration:
            return None
        if self.class_weight is not None:
            x, y, sw = unpack_x_y_sample_weight(batch)
            if y is None:
                raise ValueError(f"{self.where}: class_weight needs targets, but the data has no y")
            if sw is not None:
                raise ValueError(f"{self.where}: You cannot use `class_weight` and `sample_weight` at the "
                                 "same time.")
            batch = (x, y, _sample_weight_from_classes(y, self.class_weight, self.where))
        return batch

    def enumerate_epoch(self):
        per_epoch = self.steps_per_epoch
        if self._iterator is None or per_epoch is None:
            self._iterator = iter(self.adapter)
            self._seen = 0
        step = 0
        group = self.steps_per_execution
        while per_epoch is None or step < per_epoch:
            size = group if per_epoch is None else min(group, per_epoch - step)
            batches = []
            while len(batches) < size:
                batch = self._next()
                if batch is None:
                    break
                batches.append(batch)
            if not batches:
                self._iterator = None
                # data seen before has run out before the epoch's steps (a pass that simply
                # ends closes an epoch without steps_per_epoch; empty data is the trainer's error)
                if self._total and (step == 0 or per_epoch is not None):
                    warnings.warn(_RAN_OUT, stacklevel=3)
                    self.ran_out = True
                break
            self._seen += len(batches)
            self._total += len(batches)
            yield step, step + len(batches) - 1, batches
            step += len(batches)
            if len(batches) < size:
                if per_epoch is not None:
                    self._iterator = None
                    warnings.warn(_RAN_OUT, stacklevel=3)
                    self.ran_out = True
                break
        if per_epoch is None and self._num_batches is None:
            self._num_batches = step
        if per_epoch is not None and self._num_batches is not None and self._seen >= self._num_batches:
            self._iterator = None  # the data is used up: the next epoch starts it again

    ran_out = False
