"""Index grids built from the library's ops: ``meshgrid`` (coordinate grids) and
``sequence_mask`` (the grid ``position < length``). Both differentiate through their ops."""

from __future__ import annotations

import numpy as np

from .. import core
from ..core import Tensor, convert_to_tensor
from ..dtypes import np_dtype
from ..errors import InvalidArgumentError
from .create import range as _range
from .elementwise import cast, less
from .reduce import reduce_max
from .shape import broadcast_to, expand_dims, reshape

__all__ = ["meshgrid", "sequence_mask"]


def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D tensors (TF's ``tf.meshgrid``).

    With ``indexing="xy"`` (the default, Cartesian) and ``N >= 2`` inputs of lengths
    ``n0, n1, n2, ...``, each output has shape ``[n1, n0, n2, ...]``; with ``indexing="ij"``
    (matrix) ``[n0, n1, n2, ...]``.

    >>> X, Y = wb.meshgrid([1, 2, 3], [4, 5])
    >>> X.numpy()
    array([[1, 2, 3],
           [1, 2, 3]], dtype=int32)
    """
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword arguments {sorted(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    xs = [convert_to_tensor(a) for a in args]
    if not xs:
        return []
    for i, x in enumerate(xs):
        if x.ndim != 1:
            raise ValueError(f"meshgrid: args[{i}] must be 1-D, got shape {x.shape}")
        if x.dtype != xs[0].dtype:
            raise TypeError(f"meshgrid: every input must have one dtype; args[0] has {xs[0].dtype}, "
                            f"args[{i}] has {x.dtype}")
    n = len(xs)
    sizes = [x.shape[0] for x in xs]
    if indexing == "xy" and n >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, x in enumerate(xs):
        axis = i
        if indexing == "xy" and n >= 2 and i < 2:
            axis = 1 - i
        shape = [1] * n
        shape[axis] = x.shape[0]
        out.append(broadcast_to(reshape(x, shape), sizes))
    if core.tracing():   # TF's static shapes: the inputs' static lengths
        known = [x._static_shape()[0] for x in xs]
        if indexing == "xy" and n >= 2:
            known[0], known[1] = known[1], known[0]
        out = [core.static_result(o, tuple(known)) for o in out]
    return out


def sequence_mask(lengths, maxlen=None, dtype=np.bool_, name=None):
    """``mask[i..., j] = j < lengths[i...]`` for ``j`` in ``[0, maxlen)`` (TF's
    ``tf.sequence_mask``); ``maxlen`` defaults to the largest length (read from the data).

    >>> wb.sequence_mask([1, 3, 2], 5).numpy().astype(int)
    array([[1, 0, 0, 0, 0],
           [1, 1, 1, 0, 0],
           [1, 1, 0, 0, 0]])
    """
    lengths = convert_to_tensor(lengths)
    if lengths.dtype.kind not in "iu":
        raise TypeError(f"sequence_mask: lengths must be an integer tensor, got dtype {lengths.dtype}")
    known = maxlen   # in a trace: what TF's shape inference knows of maxlen (None: the data's)
    if maxlen is None:
        longest = reduce_max(lengths) if lengths.size else None
        known = 0 if longest is None else core.static_value(longest)
        maxlen = 0 if longest is None else int(longest)
    elif isinstance(maxlen, Tensor):
        if maxlen.ndim != 0 or maxlen.dtype.kind not in "iu":
            raise InvalidArgumentError(f"sequence_mask: maxlen must be an integer scalar, got dtype "
                                       f"{maxlen.dtype} and shape {maxlen.shape}")
        known = core.static_value(maxlen)
        maxlen = int(maxlen)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)):
        raise TypeError(f"sequence_mask: maxlen must be an integer or None, got {maxlen!r}")
    if maxlen < 0:
        raise InvalidArgumentError(f"sequence_mask: maxlen must be non-negative, got {maxlen}")
    dtype = np_dtype(dtype)
    positions = _range(int(maxlen), dtype=lengths.dtype)
    mask = less(positions, expand_dims(lengths, -1))
    mask = mask if dtype == np.bool_ else cast(mask, dtype)
    if core.tracing():
        outer = lengths._static_shape()
        core.static_result(mask, None if outer.rank is None else tuple(outer.as_list()) + (known,))
    return mask
