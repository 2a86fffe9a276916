"""What every ``wb.image`` op shares: the image argument, dtype rules and host-made constants."""

from __future__ import annotations

import numpy as np

from .. import backend, core
from ..core import convert_to_tensor
from ..errors import InvalidArgumentError, argcheck
from ..ops.elementwise import cast

__all__: list = []


def images_arg(images, opname):
    """``(4-D tensor, was_3d)``; raises naming ``opname`` for another rank."""
    x = convert_to_tensor(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"{opname}: images must be [batch, height, width, channels] or [height, width, "
                         f"channels], got shape {x.shape}")
    return (x[None], True) if x.ndim == 3 else (x, False)


def batch4d_arg(images, opname):
    """A ``[batch, height, width, channels]`` tensor (ops that TF defines on 4-D input only)."""
    x = convert_to_tensor(images)
    if x.ndim != 4:
        raise ValueError(f"{opname}: images must be 4-D [batch, height, width, channels], got shape {x.shape}")
    return x


def restore(y, was_3d):
    return y[0] if was_3d else y


def floating(x):
    """Floating images keep their dtype; integer images become float32 (as TF's resize)."""
    return x if x.dtype.kind == "f" else cast(x, np.float32)


def index(arr, like):
    """An int64 index tensor on ``like``'s device (positions computed on the host)."""
    xp = backend.xp_of(like._data)
    return core.wrap_constant(xp.asarray(np.ascontiguousarray(arr, dtype=np.int64)))


def weights(arr, like, dtype=None):
    """A constant of ``like``'s dtype (or ``dtype``) on ``like``'s device."""
    xp = backend.xp_of(like._data)
    return core.wrap_constant(xp.asarray(np.ascontiguousarray(arr, dtype=like.dtype if dtype is None else dtype)))


def size_arg(size, opname, what="size"):
    size = argcheck.integers(size, what, opname, expected="[new_height, new_width]")
    if len(size) != 2:
        raise ValueError(f"{opname}: {what} must be two positive integers [height, width], got {list(size)}")
    if min(size) < 1:      # TF's kernels refuse these at run time
        raise InvalidArgumentError(f"{opname}: {what} must be two positive integers [height, width], got "
                                   f"{list(size)}")
    return int(size[0]), int(size[1])


def last_dim(x, n, opname, what="images"):
    """Checks that ``x`` has at least one dimension, the last of size ``n`` (channels)."""
    if x.ndim < 1 or x.shape[-1] != n:
        raise InvalidArgumentError(f"{opname}: the last dimension of {what} must have size {n}, got shape {x.shape}")


def float_dtype_arg(x, opname, what="images"):
    """``x`` must be floating (TF's colour-space kernels take half, bfloat16, float32, float64)."""
    if x.dtype.kind != "f":
        raise TypeError(f"{opname}: {what} must be a floating tensor (float16, float32 or float64), got "
                        f"dtype {x.dtype}; convert integer images with wb.image.convert_image_dtype first")


def scalar_factor(value, like):
    """A scalar or broadcastable factor as a tensor of ``like``'s dtype (a Python number is taken
    at that precision, not through float32)."""
    if not isinstance(value, core.Tensor) and argcheck.as_float(value) is not None:
        return convert_to_tensor(np.asarray(value, dtype=like.dtype))
    t = convert_to_tensor(value)
    if t.dtype.kind not in "iuf":
        raise TypeError(f"expected a real number or tensor, got {argcheck.describe(value)}")
    return cast(t, like.dtype) if t.dtype != like.dtype else t


def static_dims(x):
    """``x``'s static dims in a trace (a list, None for each open size), or None for an
    unknown rank or a value that is no tensor."""
    s = x._static_shape() if isinstance(x, core.Tensor) else None
    return None if s is None or s.rank is None else s.as_list()


def with_static(out, dims):
    """``out`` with TF's static shape ``dims`` (a sequence; None: unknown rank) in a trace."""
    if core.tracing():
        core.static_result(out, None if dims is None else tuple(dims))
    return out
