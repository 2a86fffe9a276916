"""Cases for shape, indexing, reduction, scan and matmul ops."""

import numpy as np

import workbench as wb

from . import Case, uniform

X = uniform(-1, 1, (2, 3, 4), 11)
M = uniform(0.5, 1.5, (3, 4), 12)

CASES = [
    Case("identity", lambda x: wb.identity(x) * x, [M]),
    Case("reshape", lambda x: wb.reshape(x, (4, -1)) * 2.0, [M]),
    Case("expand_dims+squeeze", lambda x: wb.squeeze(wb.expand_dims(x, 1) * x[:, None]), [M]),
    Case("transpose", lambda x: wb.transpose(x, (2, 0, 1)) * wb.transpose(x, (2, 0, 1)), [X]),
    Case("broadcast_to", lambda x: wb.broadcast_to(x, (2, 3, 4)) ** 2, [M]),
    Case("concat", lambda x: wb.concat([x, x * x], axis=-1), [M]),
    Case("stack", lambda x: wb.stack([x, 2 * x], axis=1), [M]),
    Case("unstack", lambda x: wb.unstack(x, axis=1)[2] * wb.unstack(x, axis=1)[0], [M]),
    Case("split", lambda x: wb.split(x, [1, 3], axis=1)[1] ** 2, [M]),
    Case("getitem basic", lambda x: x[1, ::2, 1:] * x[0, 1:, :3], [X]),
    Case("getitem advanced, repeated indices", lambda x: x[[0, 2, 2], 1:], [M]),
    Case("getitem mixed", lambda x: x[:, [0, 2], 1] * x[[1, 1], [0, 2], 3], [X]),
    Case("getitem separated advanced", lambda x: x[[0, 1], :, [3, 2]], [X]),
    Case("getitem bool mask", lambda x: x[np.array([True, False, True])] * 3.0, [M]),
    Case("reduce_sum", lambda x: wb.reduce_sum(x, axis=[0, 2]) * wb.reduce_sum(x), [X]),
    Case("reduce_sum keepdims", lambda x: wb.reduce_sum(x * x, axis=1, keepdims=True), [X]),
    Case("reduce_mean", lambda x: wb.reduce_mean(x * x, axis=-1), [X]),
    Case("reduce_max", lambda x: wb.reduce_max(x, axis=1), [X]),
    Case("reduce_min", lambda x: wb.reduce_min(x, axis=(0, 2), keepdims=True), [X]),
    Case("reduce_euclidean_norm", lambda x: wb.math.reduce_euclidean_norm(x, axis=[0, 2]), [X]),
    Case("reduce_prod", lambda x: wb.reduce_prod(x, axis=1), [X]),
    Case("reduce_logsumexp", lambda x: wb.reduce_logsumexp(x, axis=2), [X]),
    Case("reduce_std", lambda x: wb.reduce_std(x, axis=0), [X]),
    Case("cumsum", lambda x: wb.cumsum(x * x, axis=1, exclusive=True, reverse=True), [M]),
    Case("cumprod", lambda x: wb.cumprod(x, axis=1) + wb.cumprod(x, axis=0, exclusive=True, reverse=True), [M]),
    Case("norm", lambda x: wb.norm(x, axis=1) + wb.norm(x, ord=3, axis=1), [M]),
    Case("matmul", lambda a, b: wb.matmul(a, b, transpose_b=True), [M, uniform(-1, 1, (2, 5, 4), 13)]),
    Case("matvec", lambda a, v: wb.linalg.matvec(a, v), [M, uniform(-1, 1, (4,), 14)]),
]
