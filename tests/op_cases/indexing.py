"""Cases for gather/scatter, masks, tile, pad, reverse/roll/repeat, sort and top_k."""

import numpy as np

import workbench as wb

from . import Case, uniform

X = uniform(-1, 1, (2, 3, 4), 21)
M = uniform(-1, 1, (3, 4), 22)
V = uniform(-1, 1, (5,), 23)
# distinct values, spaced out, so that sorting does not flip under finite differences
S = np.random.default_rng(24).permutation(12).reshape(3, 4) * 0.3 - 1.0

CASES = [
    Case("gather axis 0, repeated", lambda x: wb.gather(x, [2, 0, 2]) ** 2, [M]),
    Case("gather axis 2, 2-d indices", lambda x: wb.gather(x, [[3, 0], [1, 1]], axis=2) * 2.0, [X]),
    Case("gather batch_dims", lambda x: wb.gather(x, [[0, 2, 2], [1, 0, 1]], axis=2, batch_dims=1), [X]),
    Case("gather batch_dims=2", lambda x: wb.gather(x, np.array([[[3], [0], [1]], [[2], [2], [0]]]),
                                                    batch_dims=2) * x[:, :, :1], [X]),
    Case("gather_nd", lambda x: wb.gather_nd(x, [[1, 2], [0, 0], [1, 2]]) ** 2, [X]),
    Case("gather_nd batch_dims", lambda x: wb.gather_nd(x, [[[2], [0]], [[1], [1]]], batch_dims=1), [X]),
    Case("scatter_nd, repeated indices", lambda u: wb.scatter_nd([[1], [3], [1]], u, [4, 4]) ** 2,
         [uniform(-1, 1, (3, 4), 25)]),
    Case("scatter_nd 2-d index tuples", lambda u: wb.scatter_nd([[0, 1], [2, 3], [0, 1]], u, [3, 4]) * 3.0,
         [uniform(-1, 1, (3,), 26)]),
    # distinct indices: with repeated ones TF's gradient (every update gets its slot's) is not the
    # derivative (tests/test_indexing.py pins it)
    Case("tensor_scatter_nd_update", lambda t, u: wb.tensor_scatter_nd_update(t, [[2], [0], [1]], u) ** 2,
         [M, uniform(-1, 1, (3, 4), 27)]),
    # repeated indices meet (max) the tensor's entry and each other; no ties at these values
    Case("tensor_scatter_nd_max", lambda t, u: wb.tensor_scatter_nd_max(t, [[2], [0], [2]], u) ** 2,
         [M, uniform(-1, 1, (3, 4), 30)]),
    Case("tensor_scatter_nd_min 2-d index tuples",
         lambda t, u: wb.tensor_scatter_nd_min(t, [[0, 1], [2, 3], [0, 1]], u) * t,
         [M, uniform(-1, 1, (3,), 31)]),
    Case("tensor_scatter_nd_add", lambda t, u: wb.tensor_scatter_nd_add(t, [[2, 1], [2, 1]], u) * t,
         [M, uniform(-1, 1, (2,), 28)]),
    Case("tensor_scatter_nd_sub", lambda t, u: wb.tensor_scatter_nd_sub(t, [[1]], u) ** 2,
         [M, uniform(-1, 1, (1, 4), 29)]),
    Case("boolean_mask", lambda x: wb.boolean_mask(x, np.array([[True, False, True], [False, True, True]]))
         ** 2, [X]),
    Case("boolean_mask axis", lambda x: wb.boolean_mask(x, np.array([True, False, True, True]), axis=-1),
         [X]),
    Case("tile", lambda x: wb.tile(x, [2, 1, 3]) ** 2, [X]),
    Case("pad constant", lambda x: wb.pad(x * x, [[1, 0], [2, 1]], constant_values=0.5), [M]),
    Case("pad reflect", lambda x: wb.pad(x, [[2, 1], [0, 3]], mode="REFLECT") ** 2, [M]),
    Case("pad symmetric", lambda x: wb.pad(x, [[3, 0], [1, 4]], mode="SYMMETRIC") * 2.0, [M]),
    Case("reverse", lambda x: wb.reverse(x, [0, 2]) * x, [X]),
    Case("roll", lambda x: wb.roll(x, [1, -2, 1], [1, 2, 1]) * x, [X]),
    Case("repeat", lambda x: wb.repeat(x, [2, 0, 3], axis=0) ** 2, [M]),
    Case("repeat flat", lambda x: wb.repeat(x, 2) * 3.0, [V]),
    Case("sort", lambda x: wb.sort(x, axis=0) * wb.sort(x, direction="DESCENDING"), [S]),
    Case("top_k", lambda x: wb.math.top_k(x, k=2).values ** 2, [S]),
]
