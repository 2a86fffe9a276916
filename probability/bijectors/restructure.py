"""Restructure: rearranges the parts of a structure (list <-> dict, reordering); ``tree_flatten`` and
``pack_sequence_as``, its flat-list forms."""

import workbench as wb

from ._structured import StructuredBijector, as_part, flatten, map_parts, zeros_ldj
from .invert import Invert

__all__ = ["Restructure", "pack_sequence_as", "tree_flatten"]


def _tokens(structure):
    return flatten(structure)


def _pack(template, by_token):
    return map_parts(lambda token: by_token[token], template)


def _unpack(template, value, what):
    """``token -> part`` by walking ``template`` (a structure of tokens) alongside ``value``."""
    out = {}

    def walk(t, v):
        if isinstance(t, dict):
            if not isinstance(v, dict) or set(v) != set(t):
                raise ValueError(f"Restructure: `{what}` must be a dict with keys {sorted(t)}, got "
                                 f"{sorted(v) if isinstance(v, dict) else type(v).__name__}")
            for k in t:
                walk(t[k], v[k])
        elif isinstance(t, (list, tuple)):
            if not isinstance(v, (list, tuple)) or len(v) != len(t):
                raise ValueError(f"Restructure: `{what}` must be a list of {len(t)} parts, got "
                                 f"{len(v) if isinstance(v, (list, tuple)) else type(v).__name__}")
            for ti, vi in zip(t, v):
                walk(ti, vi)
        else:
            out[t] = v
    walk(template, value)
    return out


class Restructure(StructuredBijector):
    """Moves parts between structures: ``output_structure`` and ``input_structure`` hold the same
    tokens; the part found at a token's place in the input goes to its place in the output.
    ``input_structure`` defaults to the list of the tokens in sorted order. Volume preserving.

    >>> Restructure({"a": 1, "b": 0}).forward([wb.constant(1.0), wb.constant(2.0)])["a"].numpy()
    2.0
    """

    _structure_to_structure = True

    def __init__(self, output_structure, input_structure=None, validate_args=False, name="restructure"):
        parameters = dict(locals())
        out_tokens = _tokens(output_structure)
        if input_structure is None:
            input_structure = sorted(out_tokens, key=lambda t: (str(type(t)), t))
        in_tokens = _tokens(input_structure)
        if len(set(out_tokens)) != len(out_tokens) or sorted(map(repr, out_tokens)) != sorted(map(repr, in_tokens)):
            raise ValueError(f"Restructure: `output_structure` and `input_structure` must hold the same distinct "
                             f"tokens, got {out_tokens} and {in_tokens}")
        self._output_structure = output_structure
        self._input_structure = input_structure
        super().__init__(forward_min_event_ndims=0, is_constant_jacobian=True, validate_args=validate_args,
                         parameters=parameters, name=name)

    @property
    def output_structure(self):
        return self._output_structure

    @property
    def input_structure(self):
        return self._input_structure

    def _forward(self, x):
        return _pack(self._output_structure, _unpack(self._input_structure, x, "x"))

    def _inverse(self, y):
        return _pack(self._input_structure, _unpack(self._output_structure, y, "y"))

    def _fldj(self, x, event_ndims):
        parts = _unpack(self._input_structure, x, "x")
        return self._zero_for(parts, event_ndims, self._input_structure)

    def _ildj(self, y, event_ndims):
        parts = _unpack(self._output_structure, y, "y")
        return self._zero_for(parts, event_ndims, self._output_structure)

    def _zero_for(self, parts, event_ndims, template):
        token = _tokens(template)[0]
        ev = 0
        if isinstance(event_ndims, int):
            ev = event_ndims
        elif event_ndims is not None:
            ev = int(_unpack(template, event_ndims, "event_ndims")[token])
        return zeros_ldj(as_part(parts[token]), ev)

    def _forward_event_shape(self, shapes):
        return _pack(self._output_structure, _unpack(self._input_structure, shapes, "input_shape"))

    def _inverse_event_shape(self, shapes):
        return _pack(self._input_structure, _unpack(self._output_structure, shapes, "output_shape"))

    def forward_event_ndims(self, event_ndims):
        if isinstance(event_ndims, (list, tuple, dict)):
            return self._move_parts(event_ndims)
        return super().forward_event_ndims(event_ndims)

    def inverse_event_ndims(self, event_ndims):
        if isinstance(event_ndims, (list, tuple, dict)):
            return self._move_parts(event_ndims, inverse=True)
        return super().inverse_event_ndims(event_ndims)

    def _move_parts(self, value, inverse=False):
        if inverse:
            return _pack(self._input_structure, _unpack(self._output_structure, value, "value"))
        return _pack(self._output_structure, _unpack(self._input_structure, value, "value"))


def pack_sequence_as(example, name="restructure"):
    """A ``Restructure`` whose ``forward`` packs a flat list of parts into the structure of ``example``
    (as ``tf.nest.pack_sequence_as``) and whose ``inverse`` flattens such a structure."""
    n = len(wb.nest.flatten(example))
    return Restructure(output_structure=wb.nest.pack_sequence_as(example, list(range(n))),
                       input_structure=list(range(n)), name=name)


def tree_flatten(example, name="restructure"):
    """A bijector whose ``forward`` flattens structures like ``example`` into a list of parts (as
    ``tf.nest.flatten``) and whose ``inverse`` packs such a list back: ``Invert(pack_sequence_as)``."""
    return Invert(pack_sequence_as(example, name=name))
