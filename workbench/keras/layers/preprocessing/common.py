"""What the preprocessing layers share: reading ``adapt`` data (arrays, tensors or a
``wb.data.Dataset`` of batches), the categorical output modes, and the layers' random draws."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .... import backend, core, random as wb_random
from ....data import Dataset

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def host(x) -> np.ndarray:
    """A NumPy copy of an array-like or a Tensor (a read the tracer sees: a ``wb.function``
    calling a host-side layer runs it eagerly rather than replaying a stale constant)."""
    if isinstance(x, core.Tensor):
        return x.numpy()
    return np.asarray(x)


def batches(data, where):
    """The batches of ``data`` as NumPy arrays: an array-like is one batch; a ``wb.data.Dataset``
    yields its elements (each a batch, as Keras' ``adapt`` assumes)."""
    if isinstance(data, Dataset):
        for element in data:
            if isinstance(element, (tuple, list, dict)):
                raise ValueError(f"{where}.adapt: the Dataset's elements must be single tensors (the features "
                                 f"only), got a {type(element).__name__}")
            yield host(element)
        return
    if data is None:
        raise ValueError(f"{where}.adapt: data must be an array, a tensor or a wb.data.Dataset, got None")
    yield host(data)


def check_output_mode(output_mode, where, allowed=OUTPUT_MODES):
    if output_mode not in allowed:
        raise ValueError(f"{where}: output_mode must be one of {', '.join(repr(m) for m in allowed)}, "
                         f"got {output_mode!r}")
    return output_mode


def encode(indices, depth, output_mode, dtype, where, count_weights=None):
    """Keras' categorical encodings of integer ``indices`` (a NumPy array) in ``[0, depth)``.

    ``one_hot``: a new last axis of size ``depth`` (an existing last axis of size 1 is encoded
    in place); ``multi_hot``/``count``: the last axis is the sample (a 0-d or 1-d input is one
    sample), replaced by ``depth`` entries holding presence or counts (``count_weights`` sums
    weights instead of ones).
    """
    indices = np.asarray(indices)
    if output_mode == "int":
        return indices
    if indices.size and (indices.min() < 0 or indices.max() >= depth):
        bad = indices[(indices < 0) | (indices >= depth)].ravel()[0]
        raise ValueError(f"{where}: every value must be in [0, {depth}) (the number of tokens), got {bad}")
    if output_mode == "one_hot":
        if indices.ndim and indices.shape[-1] == 1 and indices.ndim > 1:
            indices = indices[..., 0]
        out = np.zeros(indices.shape + (depth,), dtype=dtype)
        np.put_along_axis(out, indices[..., None].astype(np.int64), 1, axis=-1)
        return out
    sample = indices.reshape(1) if indices.ndim == 0 else indices
    lead = sample.shape[:-1]
    flat = sample.reshape(-1, sample.shape[-1]).astype(np.int64)
    out = np.zeros((flat.shape[0], depth), dtype=np.float64)
    rows = np.repeat(np.arange(flat.shape[0]), flat.shape[1])
    if output_mode == "multi_hot":
        out[rows, flat.ravel()] = 1
    else:
        weights = 1.0 if count_weights is None else np.broadcast_to(host(count_weights), sample.shape).ravel()
        np.add.at(out, (rows, flat.ravel()), weights)
    return out.reshape(lead + (depth,)).astype(dtype)


def to_tensor(array, like=None):
    """``array`` as a Tensor on ``like``'s device (the default device without one)."""
    if like is not None and isinstance(like, core.Tensor):
        return core.wrap_constant(backend.xp_of(like._data).asarray(array))
    return wb.constant(array)


def generator(layer):
    """The layer's own seeded generator, or the global one."""
    return layer._rng or wb_random.get_global_generator()


def seeded(seed):
    return None if seed is None else wb_random.Generator.from_seed(seed)


def factor_range(factor, name, where, symmetric=True):
    """Keras' ``factor`` arguments: a number ``f`` means ``(-f, f)`` (``symmetric``) and a pair is
    ``(lower, upper)``."""
    if isinstance(factor, (list, tuple)):
        if len(factor) != 2:
            raise ValueError(f"{where}: {name} must be a number or a pair (lower, upper), got {factor!r}")
        lower, upper = (float(f) for f in factor)
    else:
        f = float(factor)
        lower, upper = (-f, f) if symmetric else (f, f)
    if lower > upper:
        raise ValueError(f"{where}: {name} must have lower <= upper, got {factor!r}")
    return lower, upper
