"""Cases for TF's tf.nn / tf.math breadth: the CTC loss (first order only: TF's loss has no
second derivative), the approximate top-k, isotonic regression, the
sparse embedding lookup, the MDCT, bands of diagonals
and more of tf.math / tf.nn / tf.linalg."""

import numpy as np

import workbench as wb

from . import Case, uniform

_CTC_LABELS = np.array([[1, 2, 2], [2, 0, 0]])


def _ctc(x):
    return wb.nn.ctc_loss(_CTC_LABELS, x, [3, 1], [5, 3], blank_index=3)


def _distinct(shape, seed):
    # well-separated values: no selection or pooling changes within the finite differences
    return np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) * 0.3


_EMB_IDS = wb.SparseTensor([[0, 0], [0, 1], [1, 0], [2, 0]], [0, 2, 1, 2], [3, 2])


def _emb_sparse(params, weights):
    sp_w = wb.SparseTensor(_EMB_IDS.indices, weights, _EMB_IDS.dense_shape)
    return wb.nn.embedding_lookup_sparse(params, _EMB_IDS, sp_w, combiner="sqrtn", max_norm=1.5)


_LU_PERM = np.array([2, 0, 1], np.int32)


CASES = [
    Case("ctc_loss", _ctc, [uniform(-1, 1, (5, 2, 4), 1101)], order=1),
    Case("approx_max_k", lambda x: wb.math.approx_max_k(x, 2, reduction_dimension=0).values,
         [_distinct((3, 4), 1102)]),
    Case("approx_min_k", lambda x: wb.math.approx_min_k(x, 3).values * x[:, :3],
         [_distinct((2, 5), 1103)]),
    Case("isotonic_regression", lambda x: wb.nn.isotonic_regression(x, axis=0).output ** 2,
         [_distinct((5, 2), 1104)]),
    Case("embedding_lookup_sparse", _emb_sparse,
         [uniform(-1, 1, (3, 2), 1105), uniform(0.5, 2, (4,), 1106)]),
    Case("mdct", lambda x: wb.signal.inverse_mdct(wb.signal.mdct(x, 8, pad_end=True) ** 2),
         [uniform(-1, 1, (2, 14), 1107)]),
    Case("diag_band", lambda x, d: wb.linalg.diag(wb.linalg.diag_part(x, k=(-1, 2)) * d, k=(-1, 2),
                                        num_cols=4)
         + wb.linalg.set_diag(x, d, k=(-1, 2), align="LEFT_RIGHT"),
         [uniform(-1, 1, (2, 3, 4), 1108), uniform(-1, 1, (2, 4, 3), 1109)]),
    Case("cumulative_logsumexp", lambda x: wb.math.cumulative_logsumexp(x, axis=1) * x,
         [uniform(-2, 2, (2, 4), 1110)]),
    # first order: the exclusive scan's -inf row makes TF's second derivatives NaN there
    Case("cumulative_logsumexp exclusive reverse",
         lambda x: wb.math.cumulative_logsumexp(x, axis=0, exclusive=True, reverse=True)[:-1] ** 2,
         [uniform(-2, 2, (3, 2), 1111)], order=1),
    Case("zeta in q", lambda q: wb.math.zeta(wb.constant([2.5, 3.0, 4.0], wb.float64), q),
         [uniform(0.5, 2, (3,), 1112)]),
    Case("lrn", lambda x: wb.nn.lrn(x, depth_radius=1, bias=1.0, alpha=0.5, beta=0.75),
         [uniform(-1, 1, (1, 2, 2, 4), 1113)]),
    Case("crelu and space_to_depth", lambda x: wb.nn.depth_to_space(
        wb.nn.space_to_depth(wb.nn.crelu(x), 2) * 1.5, 2), [uniform(-1, 1, (1, 2, 2, 2), 1114)]),
    Case("weighted_moments", lambda x, w: wb.nn.weighted_moments(x, [1], w)[1],
         [uniform(-1, 1, (2, 3), 1115), uniform(0.5, 2, (2, 3), 1116)]),
    Case("cross and normalize", lambda a, b: wb.linalg.normalize(wb.linalg.cross(a, b), axis=-1)[0],
         [uniform(-1, 1, (2, 3), 1117), uniform(-1, 1, (2, 3), 1118)]),
    Case("lu_solve and lu_reconstruct", lambda lu, b: wb.linalg.lu_solve(lu, _LU_PERM, b)
         + wb.linalg.lu_reconstruct(lu, _LU_PERM)[..., :2],
         [uniform(-1, 1, (3, 3), 1119) + 3 * np.eye(3), uniform(-1, 1, (3, 2), 1120)]),
    Case("sqrtm", wb.linalg.sqrtm, [uniform(-0.3, 0.3, (2, 2, 2), 1121) + 2 * np.eye(2)]),
    Case("dilation2d and erosion2d", lambda x, f: wb.nn.dilation2d(x, f, [1, 1, 1, 1], "SAME", "NHWC",
                                                                   [1, 1, 1, 1])
         + wb.nn.erosion2d(x, f, [1, 2, 2, 1], "SAME", "NHWC", [1, 1, 1, 1])[:, :1, :1],
         [_distinct((1, 3, 3, 1), 1122), _distinct((2, 2, 1), 1123) * 0.1]),
]
