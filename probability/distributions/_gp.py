"""Shared linear algebra of the Gaussian-process families: kernel matrices, Cholesky factors with
jitter, multivariate normal densities from a Cholesky factor."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from ..internal import samplers


def process_dtype(kernel, *values):
    """The dtype of a process: the kernel's, or for a kernel without parameters (dtype None) the
    floating dtype of the index points and other arguments (TFP's common dtype), else float32."""
    if kernel.dtype is not None:
        return np.dtype(kernel.dtype)
    return internal.common_dtype([v for v in values if v is not None], np.float32)


def as_index_points(x, kernel, owner, what="index_points", dtype=None):
    """Index points as a Tensor of the process's ``dtype`` (default the kernel's), with at least
    one example dimension."""
    if x is None:
        return None
    dtype = np.dtype(dtype or kernel.dtype or np.float32)
    t = x if isinstance(x, wb.Tensor) else wb.constant(np.asarray(x) if isinstance(x, (list, tuple)) else x,
                                                       dtype=dtype)
    if t.dtype != dtype:
        raise TypeError(f"{owner}: `{what}` has dtype {t.dtype}, the kernel has dtype {dtype}")
    if t.ndim < kernel.feature_ndims + 1:
        raise ValueError(f"{owner}: `{what}` has shape {t.shape}; expected [..., num_points] + a feature shape "
                         f"of {kernel.feature_ndims} dims")
    return t


def points_batch(x, kernel):
    return tuple(x.shape[:x.ndim - kernel.feature_ndims - 1])


def num_points(x, kernel):
    return int(x.shape[x.ndim - kernel.feature_ndims - 1])


def add_diagonal(matrix, value):
    """``matrix + value * I`` (``value`` a scalar or batch-shaped Tensor)."""
    n = matrix.shape[-1]
    eye = wb.eye(n, dtype=matrix.dtype)
    if isinstance(value, wb.Tensor) and value.ndim:
        value = wb.reshape(value, tuple(value.shape) + (1, 1))
    return matrix + value * eye


def mean_at(mean_fn, x, kernel, dtype):
    """``mean_fn(x)`` (zeros for None), shape ``batch + [num_points]``."""
    if mean_fn is None:
        return wb.zeros(points_batch(x, kernel) + (num_points(x, kernel),), dtype=dtype)
    m = mean_fn(x)
    return m if isinstance(m, wb.Tensor) else wb.constant(m, dtype=dtype)


def broadcast_batch(t, batch, core_ndims):
    shape = tuple(batch) + tuple(t.shape[t.ndim - core_ndims:])
    return t if tuple(t.shape) == shape else wb.broadcast_to(t, shape)


def mvn_log_prob(x, loc, chol):
    """``log N(x; loc, L L^T)`` over the last dimension."""
    diff = x - loc
    batch = internal.broadcast_shapes(tuple(diff.shape[:-1]), tuple(chol.shape[:-2]))
    diff, chol = broadcast_batch(diff, batch, 1), broadcast_batch(chol, batch, 2)
    z = wb.linalg.triangular_solve(chol, diff[..., None], lower=True)[..., 0]
    n = x.shape[-1]
    half_logdet = wb.reduce_sum(wb.log(wb.linalg.diag_part(chol)), axis=-1)
    return -0.5 * wb.reduce_sum(wb.square(z), axis=-1) - half_logdet - 0.5 * n * math.log(2 * math.pi)


def mvn_entropy(chol):
    n = chol.shape[-1]
    return wb.reduce_sum(wb.log(wb.linalg.diag_part(chol)), axis=-1) + 0.5 * n * (1.0 + math.log(2 * math.pi))


def mvn_sample(n, loc, chol, batch, seed, dtype):
    """``n`` draws ``loc + L z`` of shape ``[n] + batch + [num_points]``, as TFP's marginal
    ``MultivariateNormalLinearOperator`` draws them: ``z`` comes as ``[n, num_points] + batch``
    (an int seed through the stateful normal op)."""
    size, b = chol.shape[-1], len(batch)
    z = samplers.normal((n, size) + tuple(batch), seed=seed, dtype=dtype)
    if b:
        z = wb.transpose(z, [0] + list(range(2, 2 + b)) + [1])
    return loc + wb.linalg.matvec(chol, z)


def per_point(value):
    """A batch-shaped Tensor with a trailing 1, to broadcast against ``batch + [num_points]``."""
    return wb.expand_dims(value, -1) if value.ndim else value
