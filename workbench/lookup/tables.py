"""Lookup tables: ``StaticHashTable``, ``StaticVocabularyTable`` and the mutable
``MutableHashTable`` / ``DenseHashTable`` of ``tf.lookup.experimental``.

A table keeps its entries on the host (a dict from key to value). A lookup is one stateful
call (``core.effect``): inside a ``wb.function`` each replay reads the table as it is then,
so entries inserted after tracing are seen, as TF's resource ops see them.

>>> init = wb.lookup.KeyValueTensorInitializer(["a", "b"], [0, 1])
>>> table = wb.lookup.StaticHashTable(init, default_value=-1)
>>> table.lookup(wb.constant(["b", "z"])).numpy()
array([ 1, -1], dtype=int32)
"""

from __future__ import annotations

import numpy as np

from .. import core, dtypes, errors
from ..checkpoint.graph import Trackable
from ..core import Tensor
from ..strings.hashes import fingerprint64

__all__ = ["DenseHashTable", "MutableHashTable", "StaticHashTable", "StaticVocabularyTable"]

_KEY_DTYPES = (dtypes.string, dtypes.int32, dtypes.int64)


def _shown(dtype) -> str:
    return f"<dtype: '{dtype.name}'>"   # TF's repr of a dtype, in its messages


def _dims(shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"   # TF's TensorShape::DebugString


def _host_key(k):
    return k if isinstance(k, bytes) else int(k)


def _np_dtype(dtype):
    return object if dtype == dtypes.string else dtype.as_numpy_dtype


def _convert(value, dtype):
    """``value`` as a tensor of ``dtype``; TF's words when it cannot be."""
    if isinstance(value, Tensor):
        return value
    try:
        return core.convert_to_tensor(value, dtype=dtype)
    except (TypeError, ValueError):
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}") from None


def _checked_keys(keys, key_dtype):
    """The keys of a lookup as a tensor of ``key_dtype`` (a tensor of another dtype is TF's
    TypeError)."""
    keys = _convert(keys, key_dtype)
    if keys.dtype != key_dtype:
        raise TypeError(f"Dtype of argument `keys` must be {_shown(key_dtype)}, received: {_shown(keys.dtype)}")
    return keys


def _converted(value, dtype, arg):
    """``convert_to_tensor(value, dtype, name=arg)`` as TF's mutable tables do it."""
    if isinstance(value, Tensor) and value.dtype != dtype:
        raise ValueError(f"{arg}: Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
                         f"{value.dtype.name}: {value!r}")
    return _convert(value, dtype)


def _composite(keys, fn):
    """Apply ``fn`` to the values of a RaggedTensor or SparseTensor (same structure back)."""
    if hasattr(keys, "with_flat_values") and hasattr(keys, "flat_values"):
        return keys.with_flat_values(fn(keys.flat_values))
    if hasattr(keys, "with_values") and hasattr(keys, "indices") and hasattr(keys, "dense_shape"):
        return keys.with_values(fn(keys.values))
    return None


class _Table:
    """What every table has: dtypes, ``size``, ``lookup`` (and ``table[keys]``), ``export``."""

    _value_shape: tuple = ()

    def __init__(self, key_dtype, value_dtype, default_value, name):
        self._key_dtype, self._value_dtype, self._name = key_dtype, value_dtype, name
        default = _convert(default_value, value_dtype)
        if default.dtype != value_dtype:
            raise TypeError(f"Cannot convert {default_value!r} to EagerTensor of dtype {value_dtype.name}")
        self._default = default
        self._entries: dict = {}

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return self._value_dtype

    @property
    def name(self):
        return self._name

    @property
    def default_value(self):
        return self._default

    def __getitem__(self, keys):
        return self.lookup(keys)

    def _find(self, keys: np.ndarray, miss=None) -> np.ndarray:
        """The values of ``keys`` (an array) from the entries; ``miss(key)`` (or the default) for
        the others."""
        out = np.empty(keys.shape + self._value_shape, dtype=_np_dtype(self._value_dtype))
        default = self._default.numpy()   # bytes for a string scalar: an element of ``out``
        get = self._entries.get
        flat_out = out.reshape((-1,) + self._value_shape)
        for i, k in enumerate(keys.reshape(-1)):
            v = get(_host_key(k))
            flat_out[i] = (default if miss is None else miss(k)) if v is None else v
        return out

    @core.effect
    def _lookup_tensor(self, keys):
        return core.wrap_constant(self._lookup_array(np.asarray(keys.numpy())))

    def _lookup_array(self, keys):
        return self._find(keys)

    @core.effect
    def size(self, name=None):
        """The number of entries (int64 scalar)."""
        return core.wrap_constant(np.int64(self._size()))

    def _size(self):
        return len(self._entries)

    @core.effect
    def _export(self):
        keys = np.empty(len(self._entries), dtype=_np_dtype(self._key_dtype))
        values = np.empty((len(self._entries),) + self._value_shape, dtype=_np_dtype(self._value_dtype))
        for i, (k, v) in enumerate(self._entries.items()):
            keys[i], values[i] = k, v
        return core.wrap_constant(keys), core.wrap_constant(values)

    def export(self, name=None):
        """``(keys, values)``: every entry (in the order they were added; TF's order is its hash's)."""
        return self._export()

    def __repr__(self):
        return (f"<{type(self).__name__} key_dtype={self._key_dtype.name} value_dtype={self._value_dtype.name} "
                f"size={self._size()}>")


class StaticHashTable(_Table):
    """A table filled once from an initializer (:class:`KeyValueTensorInitializer`,
    :class:`TextFileInitializer`); keys missing from it give ``default_value``.

    ``lookup(keys)`` takes keys of any shape (a Tensor, RaggedTensor or SparseTensor of
    ``key_dtype``) and returns values of the same shape.
    """

    def __init__(self, initializer, default_value, name=None, experimental_is_anonymous=False):
        key_dtype, value_dtype = initializer.key_dtype, initializer.value_dtype
        if key_dtype not in _KEY_DTYPES:
            raise errors.NotFoundError(
                f"StaticHashTable: key_dtype must be one of string, int32, int64 (TF's HashTable kernels), "
                f"got {key_dtype.name}")
        super().__init__(key_dtype, value_dtype, default_value, name)
        self._initializer = initializer
        self._fill(initializer)

    def _fill(self, initializer):
        keys, values = initializer._pairs(type(self).__name__)
        entries = self._entries
        for k, v in zip(keys, values):
            k = _host_key(k)
            old = entries.get(k)
            if old is not None and old != v:
                shown = k.decode("utf-8", "replace") if isinstance(k, bytes) else k
                raise errors.FailedPreconditionError(
                    f"HashTable has different value for same key. Key {shown} has "
                    f"{old.decode('utf-8', 'replace') if isinstance(old, bytes) else old} and trying to add value "
                    f"{v.decode('utf-8', 'replace') if isinstance(v, bytes) else v}")
            entries[k] = v

    @property
    def initializer(self):
        return self._initializer

    def lookup(self, keys, name=None):
        """The value of each key (``default_value`` for a missing one), in the keys' shape."""
        out = _composite(keys, lambda v: self.lookup(v))
        if out is not None:
            return out
        return self._lookup_tensor(_checked_keys(keys, self._key_dtype))


class StaticVocabularyTable(_Table):
    """A static table of int64 ids whose missing keys go to ``num_oov_buckets`` extra ids:
    key ``k`` not in the table gets ``size + Fingerprint64(k) % num_oov_buckets`` (an integer
    key hashes its decimal text), TF's bucket numbers. ``size()`` counts the buckets too.

    >>> init = wb.lookup.KeyValueTensorInitializer(["emerson", "lake"], wb.constant([0, 1], wb.int64))
    >>> wb.lookup.StaticVocabularyTable(init, num_oov_buckets=5).lookup(wb.constant(["lake", "king"])).numpy()
    array([1, 5])
    """

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None, name=None,
                 experimental_is_anonymous=False):
        if not isinstance(num_oov_buckets, (int, np.integer)) or isinstance(num_oov_buckets, bool) \
                or num_oov_buckets <= 0:
            raise ValueError("`num_oov_buckets` must be > 0; use StaticHashTable.")
        if initializer is not None and initializer.value_dtype != dtypes.int64:
            raise TypeError(f"Invalid `value_dtype`, expected {_shown(dtypes.int64)} but got "
                            f"{_shown(initializer.value_dtype)}.")
        if initializer is None and lookup_key_dtype is None:
            raise ValueError("StaticVocabularyTable: without an initializer, lookup_key_dtype is required")
        if initializer is not None and initializer.key_dtype not in (dtypes.int64, dtypes.string):
            raise TypeError(f"Invalid `key_dtype`, expected one of (tf.int64, tf.string), but got "
                            f"{_shown(initializer.key_dtype)}.")
        # lookup_key_dtype int32 looks int32 keys up in an int64 table (TF's)
        key_dtype = dtypes.as_dtype(lookup_key_dtype) if lookup_key_dtype is not None else initializer.key_dtype
        super().__init__(key_dtype, dtypes.int64, -1, name)
        self._num_oov_buckets = int(num_oov_buckets)
        self._table = None if initializer is None else StaticHashTable(initializer, -1)
        self._initializer = initializer
        if self._table is not None:
            self._entries = self._table._entries

    @property
    def initializer(self):
        return self._initializer

    def _size(self):
        return len(self._entries) + self._num_oov_buckets

    def _lookup_array(self, keys):
        base, n = len(self._entries), self._num_oov_buckets

        def bucket(k):
            text = k if isinstance(k, bytes) else str(int(k)).encode("ascii")
            return base + fingerprint64(text) % n
        return self._find(keys, miss=bucket)

    def lookup(self, keys, name=None):
        """The id of each key: its table value, or its out-of-vocabulary bucket."""
        out = _composite(keys, lambda v: self.lookup(v))
        if out is not None:
            return out
        return self._lookup_tensor(_checked_keys(keys, self._key_dtype))


def _savable(arr):
    return arr.astype(np.bytes_) if arr.dtype.kind == "O" else arr


def _loaded(arr):
    arr = np.asarray(arr)
    if arr.dtype.kind != "S":
        return arr
    out = np.empty(arr.shape, dtype=object)
    out.reshape(-1)[:] = [bytes(b) for b in arr.reshape(-1)]
    return out


class _Mutable(_Table, Trackable):
    """``insert``/``remove`` and a checkpoint under TF's keys ``table-keys`` and ``table-values``."""

    _tracked_by_modules = False

    def __init__(self, key_dtype, value_dtype, default_value, name):
        key_dtype, value_dtype = dtypes.as_dtype(key_dtype), dtypes.as_dtype(value_dtype)
        super().__init__(key_dtype, value_dtype, default_value, name)
        self._value_shape = tuple(self._default.shape)

    def _trackable_children(self):
        return {}

    def _check_key(self, keys):
        """Raise for keys a table cannot hold (the dense table's empty and deleted keys)."""

    def _insert_arrays(self, keys, values):
        for k, v in zip(keys.reshape(-1), values.reshape((-1,) + self._value_shape)):
            self._entries[_host_key(k)] = np.array(v) if self._value_shape else v

    @core.effect
    def _insert(self, keys, values):
        k, v = np.asarray(keys.numpy()), np.asarray(values.numpy())
        if v.shape != k.shape + self._value_shape:
            raise errors.InvalidArgumentError(
                f"Expected shape {_dims(k.shape + self._value_shape)} for value, got {_dims(v.shape)}")
        self._check_key(k)
        self._insert_arrays(k, v)

    # a trace TF would not run (get_concrete_function, a cond branch not taken) records the
    # write without making it (core.effect hands the tracer the unwrapped call)
    _insert.__wrapped__.dry_stand_in = lambda *args, **kwargs: None

    def insert(self, keys, values, name=None):
        """Add or overwrite entries: ``values`` has the keys' shape plus the value shape."""
        keys = _converted(keys, self._key_dtype, "keys")
        values = _converted(values, self._value_dtype, "values")
        self._insert(keys, values)

    @core.effect
    def _remove(self, keys):
        k = np.asarray(keys.numpy())
        self._check_key(k)
        for key in k.reshape(-1):
            self._entries.pop(_host_key(key), None)

    _remove.__wrapped__.dry_stand_in = _insert.__wrapped__.dry_stand_in

    def remove(self, keys, name=None):
        """Drop the entries of ``keys`` (keys that are absent are ignored)."""
        self._remove(_checked_keys(keys, self._key_dtype))

    def lookup(self, keys, dynamic_default_values=None, name=None):
        """The value of each key (``default_value``, or ``dynamic_default_values`` of the keys'
        shape plus the value shape, for missing ones)."""
        keys = _converted(keys, self._key_dtype, "keys")
        if dynamic_default_values is None:
            return self._lookup_tensor(keys)
        return self._lookup_dynamic(keys, _converted(dynamic_default_values, self._value_dtype, "default_value"))

    def _lookup_array(self, keys):
        self._check_key(keys)
        return self._find(keys)

    @core.effect
    def _lookup_dynamic(self, keys, defaults):
        k, d = np.asarray(keys.numpy()), np.asarray(defaults.numpy())
        self._check_key(k)
        d = np.broadcast_to(d, k.shape + self._value_shape).reshape((-1,) + self._value_shape)
        out = self._find(k)
        flat = out.reshape((-1,) + self._value_shape)
        for i, key in enumerate(k.reshape(-1)):
            if _host_key(key) not in self._entries:
                flat[i] = d[i]
        return core.wrap_constant(out)

    # -- the checkpoint protocol: TF's "<path>/.ATTRIBUTES/table-keys" and "table-values"
    def _checkpoint_arrays(self):
        keys, values = self._export_arrays()
        # string tensors are saved as fixed-width byte arrays (checkpoint files hold no objects)
        return {".ATTRIBUTES/table-keys": _savable(keys), ".ATTRIBUTES/table-values": _savable(values)}

    def _export_arrays(self):
        keys, values = self._export()
        return np.asarray(keys.numpy()), np.asarray(values.numpy())

    def _prepare_restore(self, arrays):
        keys, values = arrays.get(".ATTRIBUTES/table-keys"), arrays.get(".ATTRIBUTES/table-values")
        if keys is None or values is None:
            raise ValueError(f"{type(self).__name__}: the checkpoint lacks table-keys or table-values")
        keys, values = _loaded(keys), _loaded(values)
        if values.shape[1:] != self._stored_value_shape():
            raise ValueError(f"{type(self).__name__}: saved values have shape {list(values.shape[1:])} per key, "
                             f"the table holds {list(self._stored_value_shape())}")

        def install():
            self._entries.clear()
            self._restore_arrays(keys, values)
        install.cancel = lambda: None
        return install

    def _stored_value_shape(self):
        return self._value_shape

    def _restore_arrays(self, keys, values):
        self._insert_arrays(keys, values)


class MutableHashTable(_Mutable):
    """A table that grows and shrinks (``insert``, ``remove``); values may be vectors (the
    shape of ``default_value``). A ``wb.train.Checkpoint`` saves it under TF's keys.

    >>> table = wb.lookup.experimental.MutableHashTable(wb.string, wb.int64, default_value=-1)
    >>> table.insert(wb.constant(["a"]), wb.constant([7], wb.int64))
    >>> table.lookup(wb.constant(["a", "b"])).numpy()
    array([ 7, -1])
    """

    def __init__(self, key_dtype, value_dtype, default_value, name="MutableHashTable",
                 checkpoint=True, experimental_is_anonymous=False):
        super().__init__(key_dtype, value_dtype, default_value, name)


class DenseHashTable(_Mutable):
    """A mutable table that TF backs with open addressing: two reserved keys, ``empty_key``
    and ``deleted_key``, which can never be stored or looked up. ``export()`` gives TF's
    bucket arrays (``num_buckets`` rows of ``[1]`` keys for scalar keys; unused buckets hold
    ``empty_key``); which bucket an entry sits in is not TF's (its hash placement). The bucket
    count starts at ``initial_num_buckets`` (TF's 2**17 by default) and doubles when the
    table is more than 80% full.
    """

    def __init__(self, key_dtype, value_dtype, default_value, empty_key, deleted_key,
                 initial_num_buckets=None, name="MutableDenseHashTable", checkpoint=True,
                 experimental_is_anonymous=False):
        super().__init__(key_dtype, value_dtype, default_value, name)
        self._empty = _host_key(np.asarray(_converted(empty_key, self._key_dtype, "empty_key").numpy()).item())
        self._deleted = _host_key(np.asarray(_converted(deleted_key, self._key_dtype, "deleted_key").numpy()).item())
        if self._empty == self._deleted:
            raise errors.InvalidArgumentError("Empty and deleted keys cannot be equal")
        buckets = 2 ** 17 if initial_num_buckets is None else int(initial_num_buckets)
        if buckets <= 0 or buckets & (buckets - 1):
            raise errors.InvalidArgumentError(
                f"Number of buckets must be at least 4 and a power of 2, got {initial_num_buckets}")
        self._num_buckets = buckets

    def _check_key(self, keys):
        flat = [_host_key(k) for k in keys.reshape(-1)]
        if self._empty in flat:
            raise errors.InvalidArgumentError("Using the empty_key as a table key is not allowed")
        if self._deleted in flat:
            raise errors.InvalidArgumentError("Using the deleted_key as a table key is not allowed")

    def _insert_arrays(self, keys, values):
        super()._insert_arrays(keys, values)
        while len(self._entries) > 0.8 * self._num_buckets:
            self._num_buckets *= 2

    def erase(self, keys, name=None):
        """``remove`` (TF's other name)."""
        self.remove(keys, name)

    def _stored_value_shape(self):
        return self._value_shape or (1,)

    @core.effect
    def _export(self):
        n = self._num_buckets
        keys = np.empty((n, 1), dtype=_np_dtype(self._key_dtype))
        keys[:] = self._empty
        values = np.zeros((n,) + (self._value_shape or (1,)), dtype=_np_dtype(self._value_dtype))
        if self._value_dtype == dtypes.string:
            values[:] = b""
        for i, (k, v) in enumerate(self._entries.items()):
            keys[i, 0], values[i] = k, v
        return core.wrap_constant(keys), core.wrap_constant(values)

    def _restore_arrays(self, keys, values):
        keep = [i for i, k in enumerate(keys[:, 0]) if _host_key(k) not in (self._empty, self._deleted)]
        self._num_buckets = max(self._num_buckets, len(keys))
        vals = values[keep].reshape((len(keep),) + self._value_shape)
        super()._insert_arrays(keys[keep, 0], vals)
