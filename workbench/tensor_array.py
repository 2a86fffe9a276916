"""``wb.TensorArray``: TF's list of tensors with one dtype, as TF 2 runs it eagerly.

The elements live in a Python list; ``stack``, ``gather`` and ``concat`` are the library's
ops on them, so gradients flow from a stacked result back to the written values, and a
``wb.function`` replays the writes and the stack as it replays any op. An index given as a
computed tensor is read in Python (as TF's eager TensorArray reads it), which makes a
``wb.function`` that writes at it run eagerly; Python ints (a Python loop) replay.

>>> ta = wb.TensorArray(wb.float32, size=2)
>>> ta = ta.write(0, [1.0, 2.0]).write(1, [3.0, 4.0])
>>> ta.stack().numpy()
array([[1., 2.],
       [3., 4.]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from . import core
from .core import Tensor, Variable, convert_to_tensor
from .dtypes import as_dtype
from .errors import InvalidArgumentError, OutOfRangeError
from .ops.create import zeros
from .ops.shape import concat as _concat
from .ops.shape import stack as _stack
from .ops.shape import unstack as _unstack

__all__ = ["TensorArray"]


def _shape_of(element_shape):
    if element_shape is None:
        return None
    dims = element_shape.as_list() if hasattr(element_shape, "as_list") else element_shape
    if isinstance(dims, (int, np.integer)):
        dims = [dims]
    return tuple(None if d is None or (not isinstance(d, bool) and d == -1) else int(d) for d in dims)


def _compatible(known, shape):
    return known is None or (len(known) == len(shape)
                             and all(k is None or k == s for k, s in zip(known, shape)))


def _merge(known, shape):
    return tuple(shape) if known is None else tuple(s if k is None else k for k, s in zip(known, shape))


def _index(value, what):
    if isinstance(value, Tensor):
        if value.ndim != 0 or value.dtype.kind not in "iu":
            raise TypeError(f"TensorArray.{what}: index must be an integer scalar, got dtype "
                            f"{value.dtype} and shape {value.shape}")
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"TensorArray.{what}: index must be an integer, got {value!r}")
    return int(value)


def _indices(value, what):
    if isinstance(value, Tensor):
        if value.ndim != 1 or value.dtype.kind not in "iu":
            raise TypeError(f"TensorArray.{what}: indices must be a 1-D integer tensor, got dtype "
                            f"{value.dtype} and shape {value.shape}")
        return [int(i) for i in value.numpy()]
    return [_index(i, what) for i in value]


class TensorArray:
    """A list of tensors of one ``dtype`` (TF's ``tf.TensorArray``, eager semantics).

    ``size`` elements to start with (default 0); ``dynamic_size=True`` lets writes past the
    end grow it (otherwise they raise ``OutOfRangeError``). With ``clear_after_read=True`` (the
    default) an element can be read once. ``element_shape`` (dims may be None) checks every
    write; with ``infer_shape=True`` the first write fixes the shape of the others. Elements
    never written read as zeros once their shape is known.

    ``write``, ``unstack`` and ``scatter`` return the TensorArray (use the result, as in TF).
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        if handle is not None or flow is not None:
            raise ValueError("TensorArray: handle and flow belong to TF graphs; give dtype and size")
        self._dtype = as_dtype(dtype)
        if size is None:
            size = 0
        n = _index(size, "__init__")
        if n < 0:
            raise ValueError(f"TensorArray: size must be non-negative, got {n}")
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = bool(infer_shape)
        self._element_shape = _shape_of(element_shape)
        self._items: list = [None] * n
        self._read: set = set()

    # -- properties -----------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    @property
    def element_shape(self):
        """The known element shape (a tuple, None where a dim is not known), or None."""
        return self._element_shape

    def size(self, name=None) -> Tensor:
        """The number of elements, an int32 scalar."""
        return convert_to_tensor(np.int32(len(self._items)))

    def __repr__(self):
        return (f"<wb.TensorArray dtype={self._dtype} size={len(self._items)} "
                f"element_shape={self._element_shape}>")

    # -- elements -------------------------------------------------------------------
    def _zero(self, i):
        item = self._items[i]
        if item is None:
            shape = self._element_shape
            if shape is None or any(d is None for d in shape):
                raise InvalidArgumentError(f"TensorArray: element {i} was never written and the "
                                           "element shape is not known, so it cannot be read as zeros")
            item = self._items[i] = zeros(shape, self._dtype)
        return item

    def read(self, index, name=None) -> Tensor:
        """Element ``index``; with ``clear_after_read`` it can not be read again (outside
        ``wb.function``, as in TF)."""
        i = _index(index, "read")
        if not 0 <= i < len(self._items):
            raise OutOfRangeError(f"TensorArray.read: index {i} is out of range for size {len(self._items)}")
        if self._items[i] is None and i in self._read:
            raise InvalidArgumentError(f"TensorArray.read: element {i} was already read and cleared "
                                       "(clear_after_read=True); create the TensorArray with "
                                       "clear_after_read=False to read it again")
        item = self._zero(i)
        # as TF: eager reads clear the element; inside wb.function (TF's graph TensorArray, a
        # TensorList) clear_after_read is not enforced, so the docstring's fibonacci reads twice
        if self._clear_after_read and not core.tracing():
            self._items[i] = None
            self._read.add(i)
        return item

    def write(self, index, value, name=None) -> "TensorArray":
        """Set element ``index`` to ``value``; returns the TensorArray."""
        i = _index(index, "write")
        if i < 0:
            raise OutOfRangeError(f"TensorArray.write: index {i} is negative")
        if i >= len(self._items):
            if not self._dynamic_size:
                raise OutOfRangeError(f"TensorArray.write: index {i} is past the end of a TensorArray "
                                      f"of size {len(self._items)} (dynamic_size=False)")
            self._items.extend([None] * (i + 1 - len(self._items)))
        if isinstance(value, Variable):
            # the element is the variable's value now (a read the tapes and wb.function see),
            # not the variable, whose later assignments would show through
            value = value.read_value()
        t = value if isinstance(value, Tensor) else convert_to_tensor(value, dtype_hint=self._dtype)
        if t.dtype != self._dtype:
            raise InvalidArgumentError(f"TensorArray.write: the TensorArray has dtype {self._dtype}, "
                                       f"but the value has dtype {t.dtype}")
        if not _compatible(self._element_shape, t.shape):
            raise ValueError(f"TensorArray.write: value has shape {t.shape}, expected element shape "
                             f"{self._element_shape}")
        if self._infer_shape:
            self._element_shape = _merge(self._element_shape, t.shape)
        self._items[i] = t
        self._read.discard(i)
        return self

    def stack(self, name=None) -> Tensor:
        """The elements stacked along a new first axis: ``[size, *element_shape]``."""
        if not self._items:
            return self._empty()
        return _stack([self._zero(i) for i in range(len(self._items))])

    def _empty(self):
        shape = self._element_shape
        if shape is None or any(d is None for d in shape):
            raise ValueError("TensorArray: stacking an empty TensorArray needs a known element_shape")
        return zeros((0,) + shape, self._dtype)

    def gather(self, indices, name=None) -> Tensor:
        """The elements at ``indices``, stacked."""
        idx = _indices(indices, "gather")
        n = len(self._items)
        for i in idx:
            if not 0 <= i < n:
                raise OutOfRangeError(f"TensorArray.gather: index {i} is out of range for size {n}")
        if not idx:
            return self._empty()
        return _stack([self._zero(i) for i in idx])

    def concat(self, name=None) -> Tensor:
        """The elements joined along their first axis."""
        if not self._items:
            return self._empty()
        return _concat([self._zero(i) for i in range(len(self._items))], axis=0)

    def unstack(self, value, name=None) -> "TensorArray":
        """Make the rows of ``value`` (along its first axis) the elements."""
        t = value if isinstance(value, Tensor) else convert_to_tensor(value, dtype_hint=self._dtype)
        if t.ndim == 0:
            raise ValueError("TensorArray.unstack: value must have a first axis, got a scalar")
        if t.shape[0] > len(self._items) and not self._dynamic_size:
            raise ValueError(f"TensorArray.unstack: cannot unstack {t.shape[0]} rows into a "
                             f"TensorArray of size {len(self._items)} (dynamic_size=False)")
        rows = _unstack(t)
        self._items = [None] * len(rows)
        self._read = set()
        for i, row in enumerate(rows):
            self.write(i, row)
        return self

    def scatter(self, indices, value, name=None) -> "TensorArray":
        """Write the rows of ``value`` at ``indices``."""
        idx = _indices(indices, "scatter")
        t = value if isinstance(value, Tensor) else convert_to_tensor(value, dtype_hint=self._dtype)
        if t.ndim == 0 or t.shape[0] != len(idx):
            raise ValueError(f"TensorArray.scatter: value must have {len(idx)} rows (one per index), "
                             f"got shape {t.shape}")
        for i, row in zip(idx, _unstack(t)):
            self.write(i, row)
        return self

    def split(self, value, lengths, name=None) -> "TensorArray":
        """Split ``value`` along its first axis into pieces of ``lengths`` (the elements)."""
        t = value if isinstance(value, Tensor) else convert_to_tensor(value, dtype_hint=self._dtype)
        sizes = _indices(lengths, "split")
        if t.ndim == 0 or sum(sizes) != t.shape[0] or any(s < 0 for s in sizes):
            raise InvalidArgumentError(f"TensorArray.split: lengths {sizes} must be non-negative and "
                                       f"sum to the first dimension of value (shape {t.shape})")
        if len(sizes) > len(self._items) and not self._dynamic_size:
            raise ValueError(f"TensorArray.split: {len(sizes)} pieces do not fit a TensorArray of "
                             f"size {len(self._items)} (dynamic_size=False)")
        self._items = [None] * max(len(sizes), len(self._items))
        self._read = set()
        self._element_shape = None   # the pieces differ in their first dimension
        start = 0
        for i, s in enumerate(sizes):
            self._items[i] = t[start:start + s]
            start += s
        return self

    def close(self, name=None):
        """Forget every element (TF's ``close``)."""
        self._items = []
        self._read = set()
