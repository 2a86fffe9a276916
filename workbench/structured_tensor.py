"""``wb.experimental.StructuredTensor``: a tensor of records (TF's ``tf.experimental.StructuredTensor``).

A StructuredTensor of shape ``[d0, ..., d(r-1)]`` maps field names to values (Tensors,
RaggedTensors or StructuredTensors) whose shapes begin with that shape; dimensions after the
first are ragged and share the row partitions (``row_partitions``) of the ragged package.

>>> st = wb.experimental.StructuredTensor.from_pyval([{"a": 1, "b": [1, 2]}, {"a": 2, "b": [3]}])
>>> st.shape, st.field_names()
(TensorShape([2]), ('a', 'b'))
>>> st.to_pyval()
[{'a': 1, 'b': [1, 2]}, {'a': 2, 'b': [3]}]
"""

from __future__ import annotations

import numpy as np

import ragged as wb_ragged
from ragged import RaggedTensor, RowPartition

from . import backend, core, extension_type, nest
from .core import Tensor, convert_to_tensor
from .ops.shape import reshape
from .tensor_shape import TensorShape

__all__ = ["StructuredTensor"]


def _is_field_value(v) -> bool:
    return isinstance(v, (Tensor, RaggedTensor, StructuredTensor))


def _as_field(name, value):
    if _is_field_value(value):
        return value
    try:
        return convert_to_tensor(value)
    except (TypeError, ValueError):
        raise TypeError(f"StructuredTensor: field {name!r} must be a Tensor, RaggedTensor or "
                        f"StructuredTensor (or convert to a Tensor), got {type(value).__name__}") from None


def _shape_of(v) -> TensorShape:
    return v.shape if isinstance(v, (Tensor, StructuredTensor)) else TensorShape(v.shape)


def _partitions_of(v, count):
    """The first ``count`` row partitions of a field value (those a StructuredTensor shares)."""
    if count <= 0:
        return ()
    if isinstance(v, StructuredTensor):
        return tuple(v.row_partitions[:count])
    if isinstance(v, RaggedTensor):
        return tuple(v.partitions[:count])
    return ()


class StructuredTensor(core.CompositeTensor):
    """A tensor of records with named fields; see the module's docstring."""

    __slots__ = ("_fields", "_shape", "_row_partitions", "_nrows")
    _bound = False   # whether wb.function binds StructuredTensors field by field yet

    def __init__(self, fields, shape, row_partitions=(), nrows=None):
        # internal: use from_fields / from_pyval
        self._fields = dict(fields)
        self._shape = TensorShape(shape)
        self._row_partitions = tuple(row_partitions)
        self._nrows = nrows
        if not StructuredTensor._bound:
            StructuredTensor._bound = True
            extension_type.bind_by_parts(StructuredTensor)

    # -- composite protocol: tapes, nest and wb.function see the fields' tensors --------
    def components(self) -> list:
        return [t for k in sorted(self._fields) for t in _components(self._fields[k])]

    def from_components(self, parts):
        it = iter(parts)
        fields = {}
        for k in sorted(self._fields):
            v = self._fields[k]
            fields[k] = _with_components(v, it)
        return self._wb_with_tensor_fields([fields[k] for k in self._fields])

    def structure_key(self):
        return self._wb_static_key()

    def _wb_static_key(self):
        splits = None if self._fields else tuple(backend.to_numpy(p._row_splits_arr()).tobytes()
                                                 for p in self._row_partitions)
        return (StructuredTensor, tuple(self._fields), tuple(self._shape.as_list()), splits)

    def _wb_tensor_fields(self):
        return tuple(self._fields.values())

    def _wb_with_tensor_fields(self, parts):
        fields = dict(zip(self._fields, parts))
        return StructuredTensor.from_fields(fields, self._shape, row_partitions=None if fields else self._row_partitions)

    def _wb_nest_components(self):
        """TF's expanded view: each field's tensors (fields by name), the flat size, then the
        row splits of each row partition."""
        out = [t for k in sorted(self._fields) for t in nest.flatten(self._fields[k], expand_composites=True)]
        inner = self._shape[0] if not self._row_partitions else int(self._row_partitions[-1]._nvals_int())
        out.append(convert_to_tensor(np.asarray([0 if inner is None else inner], np.int64)))
        out.extend(convert_to_tensor(np.asarray(p._row_splits_arr(), np.int64)) for p in self._row_partitions)
        return out

    def _wb_rebuild(self, parts):
        it = iter(parts)
        fields = {}
        for k in sorted(self._fields):
            n = len(nest.flatten(self._fields[k], expand_composites=True))
            fields[k] = nest.pack_sequence_as(self._fields[k], [next(it) for _ in range(n)], expand_composites=True)
        return self._wb_with_tensor_fields([fields[k] for k in self._fields])

    # -- factories -----------------------------------------------------------------------
    @classmethod
    def from_fields(cls, fields, shape=(), nrows=None, row_partitions=None, validate=False):
        """A StructuredTensor of ``shape`` with these fields (each value's shape begins with
        ``shape``). ``nrows`` sets the outer size of a rank-1 one without fields.

        >>> wb.experimental.StructuredTensor.from_fields({"x": [1, 2]}, shape=[2]).shape
        TensorShape([2])
        """
        if not isinstance(fields, dict):
            raise TypeError(f"fields must be a dictionary, got {type(fields).__name__}")
        fields = {k: _as_field(k, v) for k, v in fields.items()}
        shape = TensorShape(shape)
        if shape.rank is None:
            raise ValueError("StructuredTensor's shape must have known rank.")
        rank = shape.rank
        for name, value in fields.items():
            prefix = TensorShape(list(_shape_of(value))[:rank]) if _shape_of(value).rank is not None else None
            if prefix is None or prefix.rank < rank or not prefix.is_compatible_with(shape):
                raise ValueError(f"Shapes {shape} and {prefix} are not compatible")
            shape = shape.merge_with(prefix)
        if nrows is not None and rank >= 1:
            n = int(core.to_array(nrows)) if not isinstance(nrows, int) else nrows
            if shape[0] is not None and shape[0] != n:
                raise ValueError(f"nrows ({n}) does not match the StructuredTensor's shape {shape}")
            shape = TensorShape([n, *list(shape)[1:]])
        parts = tuple(row_partitions) if row_partitions is not None else ()
        if not parts and rank > 1:
            parts = next((_partitions_of(v, rank - 1) for v in fields.values()
                          if len(_partitions_of(v, rank - 1)) == rank - 1), ())
        return cls(fields, shape, parts)

    @classmethod
    def from_fields_and_rank(cls, fields, rank, validate=False, dtype=None):
        """A StructuredTensor of rank ``rank`` whose shape is read from its fields (at least one).

        >>> st = wb.experimental.StructuredTensor.from_fields_and_rank(
        ...     {"x": wb.ragged.constant([[1, 2], [3]])}, rank=2)
        >>> st.shape
        TensorShape([2, None])
        """
        if not isinstance(rank, int) or rank < 0:
            raise ValueError(f"rank must be a non-negative integer, got {rank!r}")
        if not fields:
            raise ValueError("Must provide at least one field")
        fields = {k: _as_field(k, v) for k, v in fields.items()}
        first = next(iter(fields.values()))
        shape = TensorShape(list(_shape_of(first))[:rank])
        return cls.from_fields(fields, shape)

    @classmethod
    def from_pyval(cls, pyval, typespec=None):
        """A StructuredTensor from nested Python dicts and lists: a dict is a record (rank 0),
        a list of records has rank 1, a list of lists of records rank 2 (ragged), and so on.
        A list of values becomes a Tensor, nested lists a RaggedTensor, as TF builds them.

        >>> wb.experimental.StructuredTensor.from_pyval({"a": 1}).field_value("a").numpy()
        np.int32(1)
        """
        if typespec is not None:
            raise NotImplementedError("from_pyval: typespec is not supported here; build the "
                                      "value without it")
        return _from_pyval(pyval)

    # -- properties --------------------------------------------------------------------
    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def rank(self) -> int:
        return self._shape.rank

    @property
    def row_partitions(self) -> tuple:
        """The partitions of dimensions 1 .. rank-1 (a tuple of RowPartitions, ``rank - 1`` long)."""
        return self._row_partitions

    def nrows(self):
        """The size of the outer dimension (an int64 scalar); None for a scalar record."""
        if self.rank == 0:
            return None
        return convert_to_tensor(np.int64(self._shape[0]))

    def field_names(self) -> tuple:
        return tuple(self._fields)

    def field_value(self, field_name):
        """A field's value; ``field_name`` may be a path (a list or tuple of names) through
        nested StructuredTensors. KeyError when there is no such field."""
        if isinstance(field_name, (list, tuple)):
            value = self
            for name in field_name:
                if not isinstance(value, StructuredTensor):
                    raise KeyError(name)
                value = value.field_value(name)
            return value
        try:
            return self._fields[field_name]
        except KeyError:
            raise KeyError(field_name) from None

    # -- new values --------------------------------------------------------------------
    def with_updates(self, updates, validate=False):
        """A copy with fields added, replaced (a value, or a function of the old value) or
        removed (``None``); a key may be a path (tuple of names) into nested StructuredTensors."""
        fields = dict(self._fields)
        for key, value in updates.items():
            path = tuple(key) if isinstance(key, (list, tuple)) else (key,)
            if len(path) > 1:
                inner = fields.get(path[0])
                if not isinstance(inner, StructuredTensor):
                    raise ValueError(f"with_updates: {path[0]!r} is not a StructuredTensor field")
                fields[path[0]] = inner.with_updates({path[1:]: value})
                continue
            name = path[0]
            if callable(value) and not _is_field_value(value):
                if name not in fields:
                    raise ValueError(f"with_updates: no field {name!r} for a function to update")
                value = value(fields[name])
            if value is None:
                if name not in fields:
                    raise ValueError(f"`StructuredTensor.with_updates` cannot delete field {path} because it "
                                     "is not present.")
                del fields[name]
            else:
                fields[name] = value
        return StructuredTensor.from_fields(fields, self._shape if fields else self._shape,
                                            row_partitions=self._row_partitions)

    def promote(self, source_path, new_name):
        """A copy with the field at ``source_path`` (a path of at least two names through nested
        StructuredTensors) also held as the field ``new_name`` of its grandparent, the
        dimensions between the grandparent's and the parent's merged (TF's).

        >>> st = wb.experimental.StructuredTensor.from_pyval(
        ...     [{"docs": [{"tokens": [1, 2]}, {"tokens": [3]}]}, {"docs": [{"tokens": [7]}]}])
        >>> st.promote(("docs", "tokens"), "docs_tokens").field_value("docs_tokens")
        <wb.RaggedTensor [[1, 2, 3], [7]]>
        """
        if not isinstance(new_name, str):
            raise ValueError("new_name is not a string")
        if not isinstance(source_path, (list, tuple)):
            raise ValueError("source_path must be a list or tuple")
        if len(source_path) < 2:
            raise ValueError("source_path must have length at least two")
        source_path = tuple(source_path)
        grandparent = source_path[:-2]
        value = self.field_value(source_path)
        outer = self.field_value(grandparent).rank if grandparent else self.rank
        inner = min(self.field_value(source_path[:-1]).rank, _shape_of(value).rank - 1)
        if inner > outer:
            value = _merge(value, outer, inner)
        return self.with_updates({grandparent + (new_name,): value})

    def partition_outer_dimension(self, row_partition):
        """A StructuredTensor of rank ``rank + 1`` whose outer rows are ``row_partition``'s
        rows of this one's."""
        if not isinstance(row_partition, RowPartition):
            raise TypeError(f"row_partition must be a RowPartition, got {type(row_partition).__name__}")
        if self.rank == 0:
            raise ValueError("Shape [] must have rank at least 1")
        if int(row_partition._nvals_int()) != self._shape[0]:
            raise ValueError(f"row_partition's {int(row_partition._nvals_int())} values do not match the "
                             f"StructuredTensor's {self._shape[0]} rows")
        fields = {k: _partition(v, row_partition) for k, v in self._fields.items()}
        shape = TensorShape([int(row_partition._nrows_int()), None, *list(self._shape)[1:]])
        return StructuredTensor(fields, shape, (row_partition, *self._row_partitions))

    def merge_dims(self, outer_axis, inner_axis):
        """A StructuredTensor with dimensions ``outer_axis`` .. ``inner_axis`` merged into one."""
        rank = self.rank
        outer = outer_axis + rank if outer_axis < 0 else outer_axis
        inner = inner_axis + rank if inner_axis < 0 else inner_axis
        if not 0 <= outer <= inner < rank:
            raise ValueError(f"Expected outer_axis ({outer_axis}) to be less than or equal to inner_axis "
                             f"({inner_axis}), both within rank {rank}")
        if outer == inner:
            return self
        fields = {k: _merge(v, outer, inner) for k, v in self._fields.items()}
        dims = list(self._shape)
        size = None if any(d is None for d in dims[outer:inner + 1]) else int(np.prod(dims[outer:inner + 1]))
        if outer == 0:
            size = int(self._row_partitions[inner - 1]._nvals_int()) if inner >= 1 else size
        shape = TensorShape(dims[:outer] + [size] + dims[inner + 1:])
        parts = self._row_partitions[:max(outer - 1, 0)] + self._row_partitions[inner:]
        if outer >= 1:
            parts = self._row_partitions[:outer - 1] + (_merged_partition(self._row_partitions[outer - 1:inner]),) \
                + self._row_partitions[inner:]
        return StructuredTensor(fields, shape, parts)

    # -- indexing and text -------------------------------------------------------------
    def __getitem__(self, key):
        """TF's indexing: a scalar record takes a field name (or ``:``), then indexes that
        field with the rest of the key; a tensor of records takes one index or slice per
        dimension, and a field name after them (``people[3, "names", 0]``)."""
        key = tuple(key) if isinstance(key, list) else key if isinstance(key, tuple) else (key,)
        if not key:
            return self
        if self.rank == 0:
            first, rest = key[0], key[1:]
            if isinstance(first, slice) and (first.start, first.stop, first.step) == (None, None, None):
                return StructuredTensor.from_fields({k: _index(v, rest) for k, v in self._fields.items()},
                                                    self._shape)
            if not isinstance(first, (str, bytes)):
                raise ValueError("Key for indexing a StructuredTensor must be a string or a full slice (':')")
            return _index(self._fields[first], rest)
        if len(key) > self.rank:
            name = key[self.rank]
            if not isinstance(name, (str, bytes)):
                raise ValueError("Key for indexing a StructuredTensor must be a string")
            return _index(self._fields[name], key[:self.rank] + key[self.rank + 1:])
        if len(key) > 1:
            return self._index_dims(key)
        key = key[0]
        if isinstance(key, Tensor) and key.shape.rank == 0 and key.dtype.kind in "iu":
            key = int(key.numpy())
        if isinstance(key, (int, np.integer)):
            fields = {k: v[int(key)] for k, v in self._fields.items()}
            return StructuredTensor.from_fields(fields, _item_shape(self, int(key)))
        if isinstance(key, slice):
            fields = {k: v[key] for k, v in self._fields.items()}
            n = len(range(*key.indices(self._shape[0])))
            return StructuredTensor.from_fields(fields, [n, *list(self._shape)[1:]], nrows=n)
        raise TypeError("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                        f"tf.int32/tf.int64 tensors are valid indices, got {key!r}")

    def _index_dims(self, key):
        """Several dimensions indexed at once: each field indexed with ``key``; an integer drops
        its dimension, a partial slice makes it unknown (TF's)."""
        fields = {k: v[key] for k, v in self._fields.items()}
        dims = list(self._shape)
        for d, k in enumerate(key):
            if isinstance(k, slice):
                if (k.start, k.stop, k.step) != (None, None, None):
                    dims[d] = None
            elif isinstance(k, (int, np.integer, Tensor)):
                dims[d] = -1
            else:
                raise ValueError(f"Slicing not supported for {k!r}")
        return StructuredTensor.from_fields(fields, [d for d in dims if d != -1])

    def to_pyval(self):
        """The value as nested Python dicts and lists (a scalar record's scalars as NumPy scalars)."""
        if self.rank == 0:
            return {k: _pyval(v, scalar=True) for k, v in self._fields.items()}
        columns = {k: _pyval(v, scalar=False) for k, v in self._fields.items()}
        return _zip_rows(columns, self.rank, self._outer_sizes())

    def _outer_sizes(self):
        """Nested lists of row counts for a StructuredTensor without fields (the records' layout)."""
        return [self._shape[0], *[p._row_lengths_arr() for p in self._row_partitions]]

    def __repr__(self):
        fields = ((k, str(v).replace("\n", "\n            ")) for k, v in sorted(self._fields.items()))
        body = ",\n        ".join(f'"{k}": {v}' for k, v in fields)
        return ("<StructuredTensor(\n"
                "    fields={\n"
                f"        {body}}},\n"
                f"    shape={self._shape})>")

    __str__ = __repr__


# -- helpers -------------------------------------------------------------------------------

def _from_pyval(pyval):
    if isinstance(pyval, dict):
        return StructuredTensor.from_fields({k: _from_pyval(v) for k, v in pyval.items()}, shape=())
    if isinstance(pyval, (list, tuple)):
        if pyval and all(isinstance(v, dict) for v in pyval):
            keys = list(pyval[0])
            for row in pyval:
                for k in row:
                    if k not in pyval[0]:
                        raise KeyError(k)
                for k in keys:
                    if k not in row:
                        raise KeyError(k)
            fields = {k: _column([row[k] for row in pyval]) for k in keys}
            return StructuredTensor.from_fields(fields, shape=[len(pyval)], nrows=len(pyval))
        if pyval and all(isinstance(v, (list, tuple)) for v in pyval) and _holds_dicts(pyval):
            inner = _from_pyval([x for row in pyval for x in row])
            lengths = np.asarray([len(row) for row in pyval], np.int64)
            return inner.partition_outer_dimension(RowPartition.from_row_lengths(lengths))
    return _column(pyval)


def _holds_dicts(v) -> bool:
    if isinstance(v, dict):
        return True
    return isinstance(v, (list, tuple)) and any(_holds_dicts(x) for x in v)


def _column(values):
    """A field from Python values: records give a StructuredTensor, nested lists a RaggedTensor."""
    if isinstance(values, (list, tuple)) and values and _holds_dicts(values):
        return _from_pyval(values)
    if isinstance(values, (list, tuple)) and any(isinstance(v, (list, tuple)) for v in values):
        return wb_ragged.constant(values)
    if isinstance(values, (list, tuple)) and not values:
        return convert_to_tensor(np.zeros((0,), np.float32))
    return convert_to_tensor(values)


def _components(v):
    return [v] if isinstance(v, Tensor) else v.components()


def _with_components(v, it):
    if isinstance(v, Tensor):
        return next(it)
    return v.from_components([next(it) for _ in v.components()])


def _partition(value, row_partition):
    if isinstance(value, StructuredTensor):
        return value.partition_outer_dimension(row_partition)
    return RaggedTensor.from_row_splits(value, row_partition._row_splits_arr(), validate=False)


def _merge(value, outer, inner):
    if isinstance(value, StructuredTensor):
        return value.merge_dims(outer, inner)
    if isinstance(value, RaggedTensor):
        return value.merge_dims(outer, inner)
    dims = list(value.shape)
    return reshape(value, dims[:outer] + [-1] + dims[inner + 1:])


def _merged_partition(parts):
    """The row partition of dimensions merged across ``parts`` (outer first)."""
    splits = np.asarray(parts[0]._row_splits_arr())
    for p in parts[1:]:
        splits = np.asarray(p._row_splits_arr())[splits]
    return RowPartition.from_row_splits(splits)


def _index(value, key):
    """``value[key]``, where an empty key is the value itself."""
    return value[key] if key else value


def _item_shape(st, index):
    dims = list(st.shape)[1:]
    if dims and dims[0] is None and st.row_partitions:
        dims[0] = int(np.asarray(st.row_partitions[0]._row_lengths_arr())[index])
    return dims


def _pyval(v, scalar):
    if isinstance(v, StructuredTensor):
        return v.to_pyval()
    if isinstance(v, RaggedTensor):
        return v.to_list()
    a = v.numpy()
    if not isinstance(a, np.ndarray):   # a string scalar
        return a
    return a[()] if scalar and a.ndim == 0 else a.tolist()


def _zip_rows(columns, rank, sizes):
    """Records from per-field nested lists (``rank`` levels of rows)."""
    n = sizes[0] if not columns else len(next(iter(columns.values())))
    if rank == 1:
        return [{k: col[i] for k, col in columns.items()} for i in range(n)]
    out = []
    for i in range(n):
        inner_n = int(np.asarray(sizes[1])[i]) if not columns else None
        out.append(_zip_rows({k: col[i] for k, col in columns.items()}, rank - 1,
                             [inner_n, *sizes[2:]] if not columns else sizes[1:]))
    return out
