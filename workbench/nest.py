"""Nested structures (lists, tuples, namedtuples, dicts) of tensors, as ``tf.nest`` sees them.

Dicts are flattened in sorted key order, like TF. Strings and arrays are leaves. With
``expand_composites=True`` a composite tensor is a structure too: a ``RaggedTensor`` expands
to its flat values and row splits, a ``SparseTensor`` to its indices, values and dense shape.
"""

import collections.abc

from .tensor_shape import TensorShape


_SEQ = (list, tuple)


def _is_seq(x):
    """A list or tuple, not a ``TensorShape`` (a leaf for TF's nest, though a tuple here). The
    hot walks below test this inline."""
    return isinstance(x, _SEQ) and not isinstance(x, TensorShape)


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _is_sparse(x):
    return type(x).__name__ == "SparseTensor" and hasattr(x, "dense_shape")


def _is_ragged(x):
    return hasattr(x, "nested_row_splits") and hasattr(x, "flat_values")


def _components(x):
    """A composite tensor's component tensors, in TF's order; None for anything else."""
    if _is_ragged(x):
        return [x.flat_values, *x.nested_row_splits]
    if _is_sparse(x):
        return [x.indices, x.values, x.dense_shape]
    if hasattr(type(x), "_wb_nest_components"):   # an ExtensionType, a StructuredTensor
        return x._wb_nest_components()
    return None


def _from_components(like, parts):
    if hasattr(type(like), "_wb_nest_components"):
        return like._wb_rebuild(parts)
    if _is_ragged(like):
        return type(like).from_nested_row_splits(parts[0], parts[1:], validate=False)
    return type(like)(parts[0], parts[1], parts[2])


def flatten(structure, expand_composites=False):
    """The leaves of ``structure``, depth first (a leaf alone gives a list of one).

    >>> wb.nest.flatten({"b": 1, "a": (2, 3)})
    [2, 3, 1]
    """
    out = []
    _flatten(structure, out, expand_composites)
    return out


def _flatten(s, out, expand):
    if isinstance(s, dict):
        for k in sorted(s):
            _flatten(s[k], out, expand)
    elif isinstance(s, _SEQ) and not isinstance(s, TensorShape):
        for v in s:
            _flatten(v, out, expand)
    elif expand and _components(s) is not None:
        out.extend(_components(s))
    else:
        out.append(s)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """Rebuild ``structure`` with the leaves in ``flat_sequence`` (as many as ``structure`` has).

    >>> wb.nest.pack_sequence_as(("a", ("b", "c")), [1, 2, 3])
    (1, (2, 3))
    """
    # any sequence but a string (a ``range`` too), as TF's nest
    seq = isinstance(flat_sequence, collections.abc.Sequence) and not isinstance(flat_sequence, (str, bytes))
    flat = list(flat_sequence) if seq else None
    if flat is None:
        raise TypeError(f"pack_sequence_as: flat_sequence must be a sequence (list, tuple, range), got "
                        f"{type(flat_sequence).__name__}")
    it = iter(flat)
    try:
        result = _pack(structure, it, expand_composites)
        short = False
    except StopIteration:
        result, short = None, True
    if short or next(it, _END) is not _END:
        need = len(flatten(structure, expand_composites))
        raise ValueError(f"Could not pack sequence. Structure had {need} atoms, but flat_sequence "
                         f"had {len(flat)} items. Structure: {structure!r}, flat_sequence: "
                         f"{flat_sequence!r}.")
    return result


_END = object()


def _pack(s, it, expand=False):
    if isinstance(s, dict):
        packed = {k: _pack(s[k], it, expand) for k in sorted(s)}
        return type(s)((k, packed[k]) for k in s) if type(s) is not dict else {k: packed[k] for k in s}
    if _is_namedtuple(s):
        return type(s)(*[_pack(v, it, expand) for v in s])
    if isinstance(s, _SEQ) and not isinstance(s, TensorShape):
        return type(s)([_pack(v, it, expand) for v in s])
    if expand:
        parts = _components(s)
        if parts is not None:
            return _from_components(s, [next(it) for _ in parts])
    return next(it)


def _kind(x, expand):
    if isinstance(x, dict):
        return "dict"
    if isinstance(x, _SEQ) and not isinstance(x, TensorShape):
        return "seq"
    if expand and _components(x) is not None:
        return "composite"
    return "leaf"


def _type_name(x):
    return type(x).__name__


def _compare(a, b, check_types, expand, path):
    """Raise TF's ValueError (different nesting or lengths) or TypeError (different sequence
    types, with ``check_types``) where ``a`` and ``b`` differ."""
    ka, kb = _kind(a, expand), _kind(b, expand)
    if ka == "leaf" and kb == "leaf":
        return
    def differ():   # the message only when raised: a repr can read a tensor's value (or cost a walk)
        return f"The two structures don't have the same nested structure.\n\nFirst structure: {a!r}\n\nSecond structure: {b!r}"
    if (ka == "leaf") != (kb == "leaf"):
        raise ValueError(differ())
    if ka == "composite" and getattr(a, "__wb_extension__", False) and type(a) is not type(b):
        raise ValueError(differ())   # two ExtensionTypes: TF's ValueError, not its TypeError
    if check_types and type(a) is not type(b):
        if not (isinstance(a, dict) and isinstance(b, dict)):
            raise TypeError(f"The two structures don't have the same sequence type. Input structure "
                            f"has type {_type_name(a)}, while shallow structure has type "
                            f"{_type_name(b)}.")
    if ka == "composite" or kb == "composite":
        if ka != kb or type(a) is not type(b) or len(_components(a)) != len(_components(b)):
            raise ValueError(differ())
        return
    if ka == "dict" and kb == "dict":
        if set(a) != set(b):
            raise ValueError(f"The two dictionaries don't have the same set of keys. First "
                             f"structure has keys {sorted(a)}, while second structure has keys "
                             f"{sorted(b)}.")
        for k in sorted(a):
            _compare(a[k], b[k], check_types, expand, path + (k,))
        return
    va = [a[k] for k in sorted(a)] if ka == "dict" else list(a)
    vb = [b[k] for k in sorted(b)] if kb == "dict" else list(b)
    if len(va) != len(vb):
        raise ValueError(f"The two structures don't have the same number of elements.\n\nFirst "
                         f"structure ({len(va)} elements): {a!r}\n\nSecond structure ({len(vb)} "
                         f"elements): {b!r}")
    for i, (x, y) in enumerate(zip(va, vb)):
        _compare(x, y, check_types, expand, path + (i,))


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """Raise unless ``nest1`` and ``nest2`` nest the same way with as many leaves: ``ValueError``
    for different nesting, lengths or dict keys; with ``check_types``, ``TypeError`` for
    different sequence types (a list against a tuple, two namedtuple classes).

    >>> wb.nest.assert_same_structure((1, [2]), ("a", ["b"]))
    """
    _compare(nest1, nest2, bool(check_types), bool(expand_composites), ())


def map_structure(func, *structure, check_types=True, expand_composites=False):
    """``func`` applied to the leaves of the structures (which must match, see
    ``assert_same_structure``), packed as the first one.

    >>> wb.nest.map_structure(lambda a, b: a + b, {"x": 1}, {"x": 2})
    {'x': 3}
    """
    if not callable(func):
        raise TypeError(f"map_structure: func must be callable, got {func!r}")
    if not structure:
        raise ValueError("map_structure: must receive at least one structure")
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types,
                              expand_composites=expand_composites)
    flats = [flatten(s, expand_composites) for s in structure]
    return pack_sequence_as(structure[0], [func(*xs) for xs in zip(*flats)],
                            expand_composites=expand_composites)


def is_nested(seq):
    """Whether ``seq`` is a structure (a list, tuple or dict) rather than a leaf."""
    return _is_seq(seq) or isinstance(seq, dict)
