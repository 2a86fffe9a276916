"""Nested structures (lists, tuples, namedtuples, dicts) of tensors, as ``tf.nest`` sees them.

Dicts are flattened in sorted key order, like TF.
"""


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def flatten(structure):
    """The leaves of ``structure``, depth first."""
    out = []
    _flatten(structure, out)
    return out


def _flatten(s, out):
    if isinstance(s, dict):
        for k in sorted(s):
            _flatten(s[k], out)
    elif isinstance(s, (list, tuple)):
        for v in s:
            _flatten(v, out)
    else:
        out.append(s)


def pack_sequence_as(structure, flat):
    """Rebuild ``structure`` with the leaves in ``flat``."""
    it = iter(flat)
    result = _pack(structure, it)
    rest = list(it)
    if rest:
        raise ValueError(f"pack_sequence_as: {len(rest)} leaves left over")
    return result


def _pack(s, it):
    if isinstance(s, dict):
        packed = {k: _pack(s[k], it) for k in sorted(s)}
        return type(s)((k, packed[k]) for k in s) if type(s) is not dict else {k: packed[k] for k in s}
    if _is_namedtuple(s):
        return type(s)(*[_pack(v, it) for v in s])
    if isinstance(s, (list, tuple)):
        return type(s)(_pack(v, it) for v in s)
    return next(it)


def map_structure(fn, *structures):
    flats = [flatten(s) for s in structures]
    n = len(flats[0])
    for f in flats[1:]:
        if len(f) != n:
            raise ValueError("map_structure: structures have different numbers of leaves")
    return pack_sequence_as(structures[0], [fn(*xs) for xs in zip(*flats)])


def is_nested(x):
    return isinstance(x, (list, tuple, dict))
