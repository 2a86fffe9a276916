"""``Dataset.from_generator``: elements from a Python generator, checked against a signature.

``output_signature`` is a structure of specs (``wb.TensorSpec``, or any object with
``.shape`` and ``.dtype``; ``wb.RaggedTensorSpec`` for RaggedTensors, made from nested lists;
``wb.SparseTensorSpec``; an ExtensionType's ``Spec``); the older ``output_types`` (a
structure of dtypes) with optional ``output_shapes`` is accepted too. Each yielded value is
converted to its spec's dtype and its shape checked (``None`` dimensions match any size).

A generator cannot report its position, so the iterator state is the number of elements
yielded: a restore calls ``generator`` again and skips that many (the generator must yield
the same sequence each time it is called, as a seeded one does).
"""

from __future__ import annotations

import numpy as np

import ragged

from .. import dtypes, nest
from ..core import Tensor, convert_to_tensor, wrap
from ..errors import argcheck
from ..extension_type import ExtensionTypeSpec
from ..sparse.sparse_tensor import SparseTensor, SparseTensorSpec
from ..tensor_shape import TensorSpec
from . import structure as st
from .dataset import UNKNOWN, Dataset
from .iterator import Step, expect_kind


class _RaggedSpec:
    """A ``wb.RaggedTensorSpec``: nested lists (or a RaggedTensor) become a RaggedTensor."""

    def __init__(self, spec, where):
        self.spec = spec
        self.dtype = _dtype(spec.dtype, where)

    def check(self, value, where, path):
        if not st.is_ragged(value):
            try:
                value = ragged.constant(value.tolist() if isinstance(value, np.ndarray) else value,
                                        dtype=self.dtype, ragged_rank=self.spec.ragged_rank)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"{where}: the generator yielded {argcheck.describe(value)}{path}, which "
                                f"is not a ragged value of {self.dtype}: {exc}") from None
        if not self.spec.is_compatible_with(value):
            raise ValueError(f"{where}: the generator yielded a RaggedTensor of shape {value.shape}{path} "
                             f"that does not match {self.spec}")
        return value


class _SparseSpec:
    """A ``wb.SparseTensorSpec``: the generator yields SparseTensors of its dtype and shape."""

    def __init__(self, spec, where):
        self.spec = spec

    def check(self, value, where, path):
        if not isinstance(value, SparseTensor):
            raise TypeError(f"{where}: the generator yielded {argcheck.describe(value)}{path}, expected a "
                            f"SparseTensor of {self.spec}")
        if not self.spec.is_compatible_with(value):
            raise ValueError(f"{where}: the generator yielded a SparseTensor of dense shape {value.shape} "
                             f"and dtype {value.dtype}{path} that does not match {self.spec}")
        return value


class _ExtensionSpec:
    """An ExtensionType's ``Spec``: the generator yields values of that type that fit it."""

    def __init__(self, spec, where):
        self.spec = spec

    def check(self, value, where, path):
        if not isinstance(value, self.spec.value_type):
            got = getattr(value, "_type_spec", None) or argcheck.describe(value)
            raise TypeError(f"{where}: `generator` yielded an element of {got}{path} where an element "
                            f"of {self.spec} was expected")
        if not self.spec.is_compatible_with(value):
            raise ValueError(f"{where}: `generator` yielded an element of {value._type_spec}{path} that "
                             f"does not match {self.spec}")
        return value


class _Spec:
    def __init__(self, shape, dtype, where):
        if shape is not None and getattr(shape, "rank", 0) is None:
            shape = None   # a TensorShape of unknown rank
        self.shape = None if shape is None else tuple(
            None if d is None or d == -1 else int(d) for d in
            (shape.as_list() if hasattr(shape, "as_list") else shape))
        self.dtype = _dtype(dtype, where)

    def check(self, value, where, path):
        if self.dtype == object:
            arr = np.asarray(value, dtype=object)
            arr = np.vectorize(_as_bytes, otypes=[object])(arr) if arr.size else arr
            t = wrap(arr)
        else:
            t = value if isinstance(value, Tensor) and value.dtype == self.dtype else None
            if t is None:
                try:
                    t = convert_to_tensor(np.asarray(value.numpy() if isinstance(value, Tensor) else value,
                                                     dtype=self.dtype))
                except (TypeError, ValueError) as exc:
                    raise TypeError(f"{where}: the generator yielded {argcheck.describe(value)}{path}, "
                                    f"which does not convert to {self.dtype}: {exc}") from None
        if self.shape is not None and (len(t.shape) != len(self.shape) or any(
                s is not None and s != d for s, d in zip(self.shape, t.shape))):
            raise ValueError(f"{where}: the generator yielded an element of shape {tuple(t.shape)}{path}, "
                             f"expected shape {self.shape} (None: any size)")
        return t


def _as_bytes(v):
    return v.encode("utf-8") if isinstance(v, str) else bytes(v)


def _dtype(dtype, where):
    if dtype in (str, bytes, object, "string") or getattr(dtype, "name", None) == "string":
        return np.dtype(object)
    try:
        return np.dtype(getattr(dtype, "as_numpy_dtype", dtype))
    except TypeError:
        raise TypeError(f"{where}: {dtype!r} is not a dtype") from None


def _specs(output_signature, output_types, output_shapes, where):
    if output_signature is not None:
        if output_types is not None or output_shapes is not None:
            raise TypeError(f"{where}: give output_signature or output_types/output_shapes, not both")

        def spec(s):
            if isinstance(s, ExtensionTypeSpec):
                return _ExtensionSpec(s, where)
            if not hasattr(s, "dtype") or not hasattr(s, "shape"):
                raise TypeError(f"{where}: output_signature must be a structure of specs with a shape "
                                f"and a dtype, got {argcheck.describe(s)}")
            if hasattr(s, "ragged_rank"):
                return _RaggedSpec(s, where)
            if isinstance(s, SparseTensorSpec):
                return _SparseSpec(s, where)
            return _Spec(s.shape, s.dtype, where)
        return nest.map_structure(spec, output_signature)
    if output_types is None:
        raise TypeError(f"{where}: output_signature is required (a structure of specs with a shape "
                        "and a dtype)")
    types = nest.flatten(output_types)
    shapes = [None] * len(types) if output_shapes is None else _flat_shapes(output_shapes, output_types)
    if len(shapes) != len(types):
        raise ValueError(f"{where}: output_shapes has {len(shapes)} entries, output_types has {len(types)}")
    return nest.pack_sequence_as(output_types, [_Spec(s, t, where) for s, t in zip(shapes, types)])


def _flat_shapes(shapes, types):
    if isinstance(types, dict):
        return [x for k in sorted(types) for x in _flat_shapes(shapes[k], types[k])]
    if isinstance(types, tuple):
        return [x for s, t in zip(shapes, types) for x in _flat_shapes(s, t)]
    return [shapes]


def _match(specs, value, where, path=""):
    """``value`` in the structure of ``specs`` (lists count as tuples there), checked."""
    if isinstance(specs, (_Spec, _RaggedSpec, _SparseSpec, _ExtensionSpec)):
        return specs.check(value, where, f" at {path}" if path else "")
    if isinstance(specs, dict):
        if not isinstance(value, dict) or set(value) != set(specs):
            raise TypeError(f"{where}: the generator yielded {argcheck.describe(value)}{path and ' at ' + path}, "
                            f"expected a dict with keys {sorted(specs)}")
        return {k: _match(specs[k], value[k], where, f"{path}[{k!r}]") for k in specs}
    if not isinstance(value, (tuple, list)) or len(value) != len(specs):
        raise TypeError(f"{where}: the generator yielded {argcheck.describe(value)}{path and ' at ' + path}, "
                        f"expected a tuple of {len(specs)}")
    return tuple(_match(s, v, where, f"{path}[{i}]") for i, (s, v) in enumerate(zip(specs, value)))


def _argument(value, i, where):
    """A generator argument as TF passes it: a NumPy value (a string as bytes)."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    return st.to_numpy(st.normalize(value, what=f"args[{i}]", where=where))


class FromGenerator(Dataset):
    """``Dataset.from_generator``."""

    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        where = "from_generator"
        if not callable(generator):
            raise TypeError(f"{where}: generator must be a callable that returns an iterator, got "
                            f"{argcheck.describe(generator)}")
        self._generator = generator
        self._specs = _specs(output_signature, output_types, output_shapes, where)
        # arguments reach the generator as NumPy values, as TF passes them
        self._args = tuple(_argument(a, i, where) for i, a in enumerate(args or ()))

    def _start(self):
        it = self._generator(*self._args)
        try:
            return iter(it)
        except TypeError:
            raise TypeError(f"from_generator: generator() must return an iterable, got "
                            f"{argcheck.describe(it)}") from None

    def _element(self, value):
        return _match(self._specs, value, "from_generator")

    @property
    def element_spec(self):
        """The declared signature, as TF reports it (``None`` for sizes, or ranks, left open),
        read without calling the generator."""
        def spec(s):
            if isinstance(s, (_RaggedSpec, _SparseSpec, _ExtensionSpec)):
                return s.spec
            return TensorSpec(s.shape, dtypes.string if s.dtype == object else s.dtype)
        return nest.map_structure(spec, self._specs)

    def _known_spec(self):
        return self.element_spec

    def _elem_iter(self, state=None):
        return _GeneratorIter(self, state)

    def _cardinality(self):
        return UNKNOWN


class _GeneratorIter(Step):
    _children = ()

    def __init__(self, node, state):
        self._node = node
        self._it = node._start()
        self._count = 0
        if state is not None:
            want = int(expect_kind(state, node)["yielded"])
            for _ in range(want):
                try:
                    next(self._it)
                except StopIteration:
                    raise ValueError(f"from_generator: the iterator state is {want} elements in, the "
                                     f"generator now yields only {self._count}") from None
                self._count += 1

    def __next__(self):
        value = next(self._it)
        self._count += 1
        return self._node._element(value)

    def state(self):
        return self._tag(self._node, yielded=self._count)
