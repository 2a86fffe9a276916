"""Shared shell of bijectors whose input or output is a structure (list, tuple or dict) of tensors:
Split, Blockwise's parts, JointMap, Restructure. These convert each part, skip the pair cache
(structures cannot be weakly referenced) and return one log-det summed over the parts."""

import numpy as np

import workbench as wb

from .bijector import Bijector


def as_part(value, dtype=None):
    if isinstance(value, wb.Tensor):
        return value
    if hasattr(type(value), "__wb_tensor__"):
        return wb.convert_to_tensor(value)
    arr = np.asarray(value)
    return wb.constant(arr, dtype=dtype) if dtype is not None else wb.constant(arr)


def rebuild(like, items):
    """A list / tuple / namedtuple of the type of ``like`` holding ``items`` (a namedtuple takes its
    fields as separate arguments)."""
    items = list(items)
    if isinstance(like, tuple) and hasattr(type(like), "_fields"):
        return type(like)(*items)
    return type(like)(items)


def map_parts(fn, structure):
    """``fn`` applied to each leaf of a list / tuple / namedtuple / dict structure (one level or nested)."""
    if isinstance(structure, dict):
        return {k: map_parts(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)) and not isinstance(structure, wb.TensorShape):   # a shape is a leaf
        return rebuild(structure, (map_parts(fn, v) for v in structure))
    return fn(structure)


def is_structured(bijector):
    """True for a bijector whose values are structures: a ``StructuredBijector`` (other than a
    Split / Blockwise, which take a plain tensor on one side), or a composition holding one."""
    from .composition import Composition  # composition imports this module
    if isinstance(bijector, Composition):
        return any(is_structured(b) for b in bijector.bijectors)
    return isinstance(bijector, StructuredBijector) and getattr(bijector, "_structure_to_structure", False)


def flatten(structure):
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [leaf for v in structure for leaf in flatten(v)]
    return [structure]


def zeros_ldj(t, event_ndims):
    """A zero log-det with the batch shape of ``t`` (its dims left of ``event_ndims``)."""
    return wb.zeros(tuple(t.shape[:t.ndim - int(event_ndims)]), dtype=t.dtype)


class StructuredBijector(Bijector):
    """A bijector over structures: subclasses give ``_forward``, ``_inverse`` and
    ``_fldj(x, event_ndims)`` / ``_ildj(y, event_ndims)`` on structures."""

    def forward(self, x, name=None):
        return self._forward(x)

    def inverse(self, y, name=None):
        return self._inverse(y)

    def forward_log_det_jacobian(self, x, event_ndims=None, name=None):
        return self._fldj(x, event_ndims)

    def inverse_log_det_jacobian(self, y, event_ndims=None, name=None):
        return self._ildj(y, event_ndims)

    def forward_event_shape(self, input_shape):
        return self._forward_event_shape(input_shape)

    def inverse_event_shape(self, output_shape):
        return self._inverse_event_shape(output_shape)

    def forward_event_ndims(self, event_ndims):
        """A structure of event ndims maps part for part (this base: each part keeps its rank)."""
        if isinstance(event_ndims, (list, tuple, dict)):
            return event_ndims
        return super().forward_event_ndims(event_ndims)

    def inverse_event_ndims(self, event_ndims):
        if isinstance(event_ndims, (list, tuple, dict)):
            return event_ndims
        return super().inverse_event_ndims(event_ndims)
