"""TF 2.21's gradient semantics pinned case by case: forward mode's ``IndexedSlices`` tangents
(the transpose of a gather), TF's rules at singular points, complex reductions, top_k's
unsorted order. Every expected value is TF 2.21's, printed by ``tf.GradientTape`` /
``tf.autodiff.ForwardAccumulator``."""

import numpy as np
import pytest

import workbench as wb

NAN = np.nan
X = np.arange(1.0, 13.0).reshape(4, 3)
T = np.arange(12.0).reshape(4, 3) / 4 + 0.5


def _jvp(f, x=X, t=T):
    x = wb.constant(x, dtype=wb.float64)
    with wb.autodiff.ForwardAccumulator(x, wb.constant(t, dtype=wb.float64)) as acc:
        y = f(x)
    return acc.jvp(y)


def _rows(v):
    """A list of ints: those rows of T (the tangent); else the values as written."""
    if isinstance(v, list) and all(isinstance(i, int) for i in v):
        return T[v]
    return np.asarray(v, dtype=np.float64)


# ---------------------------------------------------------------------------
# IndexedSlices tangents: (indices, their dtype, values, dense_shape, its dtype)


@pytest.mark.parametrize("f,indices,idtype,values,dense_shape,sdtype", [
    (lambda x: wb.math.segment_sum(x[:3], [0, 0, 2]), [0, 0, 2], "int32", [0, 1, 2], [3, 3], "int32"),
    (lambda x: wb.math.segment_sum(x[:3], wb.constant([0, 0, 2], wb.int64)), [0, 0, 2], "int64", [0, 1, 2],
     [3, 3], "int32"),
    (lambda x: wb.math.segment_sum(x[0], [0, 2, 2]), [0, 2, 2], "int32", T[0], [3], "int32"),
    (lambda x: wb.math.unsorted_segment_sum(x[:3], [0, 2, 0], 3), [0, 2, 0], "int32", [0, 1, 2], [3, 3],
     "int32"),
    # a negative id: TF's index 0 with a zero row
    (lambda x: wb.math.unsorted_segment_sum(x[0], [1, -1, 1], 3), [1, 0, 1], "int32", [0.5, 0.0, 1.0], [3],
     "int32"),
    (lambda x: wb.math.unsorted_segment_sum(x, wb.constant([1, -1, 0, 1], wb.int64), 2), [1, 0, 0, 1], "int64",
     [T[0], np.zeros(3), T[2], T[3]], [2, 3], "int32"),
    # 2-d ids: flattened indices, values one row per id
    (lambda x: wb.math.unsorted_segment_sum(x[:3], [[0, 1, 0], [1, 1, 2], [0, 0, 0]], 4),
     [0, 1, 0, 1, 1, 2, 0, 0, 0], "int32", T[:3].ravel(), [4], "int32"),
    # dynamic_stitch: the later inputs' rows first; a constant input's rows are zeros
    (lambda x: wb.dynamic_stitch([[0], [3, 1], [2]], [x[:1], x[1:3], x[3:]]), [2, 3, 1, 0], "int32",
     [3, 1, 2, 0], [4, 3], "int32"),
    (lambda x: wb.dynamic_stitch([[0], [3, 1], [2]], [x[:1], x[1:3], wb.ones([1, 3], wb.float64)]),
     [2, 3, 1, 0], "int32", [np.zeros(3), T[1], T[2], T[0]], [4, 3], "int32"),
    (lambda x: wb.dynamic_stitch([1, [0]], [x[0], x[1:2]]), [0, 1], "int32", [1, 0], [2, 3], "int32"),
    # repeated indices: every entry's row (TF's transpose of its gradient), not the winner's only
    (lambda x: wb.dynamic_stitch([[0, 2], [1, 0]], [x[:2], x[1:3]]), [1, 0, 0, 2], "int32", [1, 2, 0, 1],
     [3, 3], "int32"),
    # scatter_nd by rows; dense_shape takes the indices' dtype
    (lambda x: wb.scatter_nd([[0], [2], [0]], x[:3], [4, 3]), [0, 2, 0], "int32", [0, 1, 2], [4, 3], "int32"),
    (lambda x: wb.scatter_nd(wb.constant([[0], [2], [0], [1]], wb.int64), x, wb.constant([4, 3], wb.int64)),
     [0, 2, 0, 1], "int64", [0, 1, 2, 3], [4, 3], "int64"),
    (lambda x: wb.scatter_nd([[0], [2]], x[0, :2], [4]), [0, 2], "int32", [0.5, 0.75], [4], "int32"),
])
def test_forward_mode_gives_indexed_slices_where_tf_does(f, indices, idtype, values, dense_shape, sdtype):
    j = _jvp(f)
    assert isinstance(j, wb.IndexedSlices)
    np.testing.assert_array_equal(j.indices.numpy(), indices)
    assert j.indices.dtype.name == idtype
    np.testing.assert_allclose(j.values.numpy(), _rows(values), rtol=1e-15)
    np.testing.assert_array_equal(j.dense_shape.numpy(), dense_shape)
    assert j.dense_shape.dtype.name == sdtype


@pytest.mark.parametrize("f,want", [
    # TF's tangent is dense here: scatter_nd by index tuples or rank-3 indices, gather, and any
    # op that reads an IndexedSlices tangent
    (lambda x: wb.scatter_nd([[0, 1], [2, 2], [0, 1]], x[0], [4, 3]),
     [[0.0, 1.5, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.75], [0.0, 0.0, 0.0]]),
    (lambda x: wb.scatter_nd([[[0], [2]]], x[:2][None], [4, 3]),
     [[0.5, 0.75, 1.0], [0.0, 0.0, 0.0], [1.25, 1.5, 1.75], [0.0, 0.0, 0.0]]),
    (lambda x: wb.math.segment_sum(x[:3], [0, 0, 2]) * 2.0, [[3.5, 4.5, 5.5], [0.0, 0.0, 0.0], [4.0, 4.5, 5.0]]),
    (lambda x: wb.gather(x, [2, 0]), [[2.0, 2.25, 2.5], [0.5, 0.75, 1.0]]),
    # the sorted mean divides by the raw counts: an empty segment's tangent is NaN; the unsorted
    # mean's counts are clipped at 1
    (lambda x: wb.math.segment_mean(x[:3], [0, 0, 2]), [[0.875, 1.125, 1.375], [NAN] * 3, [2.0, 2.25, 2.5]]),
    (lambda x: wb.math.segment_mean(x[:3], [0, 0, 3]),
     [[0.875, 1.125, 1.375], [NAN] * 3, [NAN] * 3, [2.0, 2.25, 2.5]]),
    (lambda x: wb.math.unsorted_segment_mean(x[:3], [0, 0, 3], 5),
     [[0.875, 1.125, 1.375], [0.0] * 3, [0.0] * 3, [2.0, 2.25, 2.5], [0.0] * 3]),
])
def test_forward_mode_dense_tangents(f, want):
    j = _jvp(f)
    assert not isinstance(j, wb.IndexedSlices)
    np.testing.assert_allclose(j.numpy(), want, rtol=1e-15)


def test_gather_nd_rows_forward_mode():
    # TF 2.21's own ForwardAccumulator fails here (AttributeError on IndexedSlices._id in its
    # transpose); the tangent is the gathered rows of the tangent
    j = _jvp(lambda x: wb.gather_nd(x[:3], [[2], [0]]))
    np.testing.assert_allclose(j.numpy(), T[[2, 0]], rtol=1e-15)


def test_indexed_slices_tangent_flows_into_later_ops_and_reverse_mode():
    x = wb.constant(X[:3])
    t = wb.constant(T[:3])
    with wb.GradientTape() as tape:
        tape.watch(t)
        with wb.autodiff.ForwardAccumulator(x, t) as acc:
            y = wb.math.unsorted_segment_sum(x, [0, 2, 0], 3)
            z = wb.reduce_sum(y * y)
        j = acc.jvp(z)
    # d/dt of 2 * sum(y * ydot)
    g = tape.gradient(j, t)
    yv = np.array([X[0] + X[2], np.zeros(3), X[1]])
    np.testing.assert_allclose(j.numpy(), 2 * np.sum(yv * np.array([T[0] + T[2], np.zeros(3), T[1]])),
                               rtol=1e-6)
    np.testing.assert_allclose(g.numpy(), 2 * yv[[0, 2, 0]], rtol=1e-6)


# ---------------------------------------------------------------------------
# complex reductions: TF's tangent is the transpose of its reverse rule as written

Z = np.array([[3 + 4j, 1 - 1j], [0j, -2 + 0.5j]])
TZ = np.array([[0.5 - 0.5j, 0.75], [1 + 0.5j, 1.25 - 0.5j]])


@pytest.mark.parametrize("f,jvp_want,grad_want", [
    # sum(conj(x) * t) / norm: complex-valued, as TF's
    (lambda z: wb.math.reduce_euclidean_norm(z, axis=1),
     [0.048112522432 - 0.529237746757j, -1.3339459377 + 0.181901718777j],
     [[0.096225044865 + 0.529237746757j, 0.144337567297 - 0.048112522432j], [0j, -0.545705156332 - 0.121267812518j]]),
    (lambda z: wb.math.reduce_euclidean_norm(z), -0.4472135955 - 0.424852915725j,
     [[0.0894427191 + 0.49193495505j, 0.13416407865 - 0.04472135955j], [0j, -0.201246117975 - 0.04472135955j]]),
    # complex variance and std are real: mean(real(conj(d) * d))
    (lambda z: wb.math.reduce_std(z, axis=0), [-0.55, -0.335410196625],
     [[0.15 + 0.2j, 0.22360679775 - 0.111803398875j], [-0.15 - 0.2j, -0.22360679775 + 0.111803398875j]]),
    (lambda z: wb.math.reduce_variance(z), -1.90625,
     [[0.625 + 0.78125j, 0.125 - 0.46875j], [-0.125 - 0.21875j, -0.625 - 0.09375j]]),
])
def test_complex_reductions(f, jvp_want, grad_want):
    z, t = wb.constant(Z), wb.constant(TZ)
    with wb.GradientTape() as tape:
        tape.watch(z)
        with wb.autodiff.ForwardAccumulator(z, t) as acc:
            y = f(z)
        j = acc.jvp(y)
    seed = wb.ones_like(y) * (0.5 + 0.25j if y.dtype.is_complex else 0.5)
    g = tape.gradient(y, z, output_gradients=seed)
    assert j.dtype == y.dtype
    np.testing.assert_allclose(j.numpy(), jvp_want, rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(g.numpy(), grad_want, rtol=1e-10, atol=1e-11)


def test_complex_variance_is_real():
    v = wb.math.reduce_variance(wb.constant(Z))
    assert v.dtype == wb.float64
    np.testing.assert_allclose(v.numpy(), 6.796875, rtol=1e-15)
    np.testing.assert_allclose(wb.math.reduce_std(wb.constant(Z), axis=0).numpy(), [2.5, 1.6770509831248424],
                               rtol=1e-15)


# ---------------------------------------------------------------------------
# is_finite / is_nan / is_inf take real floats only (TF's kernels)


@pytest.mark.parametrize("f,tf_name", [(wb.math.is_finite, "IsFinite"), (wb.math.is_nan, "IsNan"),
                                       (wb.math.is_inf, "IsInf")])
@pytest.mark.parametrize("value,dtype", [([1 + 1j], "complex128"), ([1 + 1j], "complex64"), ([1], "int32")])
def test_float_predicates_refuse_complex_and_int(f, tf_name, value, dtype):
    x = wb.constant(value, dtype=getattr(wb, dtype))
    with pytest.raises(wb.errors.InvalidArgumentError,
                       match=rf"Value for attr 'T' of {dtype} is not in the list of allowed values: bfloat16, "
                             rf"half, float, double\n\t; NodeDef: {{{{node {tf_name}}}}}"):
        f(x)


def test_float_predicates_on_real_floats():
    x = [1.0, np.nan, np.inf, -np.inf]
    for dt in (wb.float16, wb.float32, wb.float64):
        np.testing.assert_array_equal(wb.math.is_finite(wb.constant(x, dt)).numpy(), [True, False, False, False])
        np.testing.assert_array_equal(wb.math.is_nan(wb.constant(x, dt)).numpy(), [False, True, False, False])
        np.testing.assert_array_equal(wb.math.is_inf(wb.constant(x, dt)).numpy(), [False, False, True, True])


# ---------------------------------------------------------------------------
# TF 1's where (Select): same-shaped x and y, a condition of their shape, a scalar, or a vector of rows


def test_compat_v1_where_values():
    where = wb.compat.v1.where
    x, y = wb.constant([[1., 2], [3, 4]]), wb.constant([[5., 6], [7, 8]])
    np.testing.assert_array_equal(where([True, False], x, y).numpy(), [[1, 2], [7, 8]])
    np.testing.assert_array_equal(where([[True, False], [False, True]], x, y).numpy(), [[1, 6], [7, 4]])
    np.testing.assert_array_equal(where(wb.constant(False), x, y).numpy(), [[5, 6], [7, 8]])
    np.testing.assert_array_equal(where([True, False], wb.ones([2, 2, 2]), wb.zeros([2, 2, 2])).numpy(),
                                  [[[1, 1], [1, 1]], [[0, 0], [0, 0]]])
    idx = where([True, False, True])
    assert idx.dtype == wb.int64
    np.testing.assert_array_equal(idx.numpy(), [[0], [2]])


@pytest.mark.parametrize("args,error,match", [
    (([[True], [False]], [[1., 2], [3, 4]], [[5., 6], [7, 8]]), wb.errors.InvalidArgumentError,
     r"Inputs to operation Select of type Select must have the same size and shape.  Input 0: \[2,1\] != "
     r"input 1: \[2,2\] \[Op:Select\]"),
    (([True, False], [[1., 2], [3, 4]], [5., 6]), wb.errors.InvalidArgumentError,
     r"'then' and 'else' must have the same size.  but received: \[2,2\] vs. \[2\] \[Op:Select\]"),
    (([True, False, True], [[1., 2], [3, 4]], [[5., 6], [7, 8]]), wb.errors.InvalidArgumentError,
     r"Number of batches of 'then' must match size of 'cond', but saw: 2 vs. 3 \[Op:Select\]"),
    (([True, False], [[1., 2], [3, 4]], None), ValueError, "x and y must both be non-None or both be None"),
    (([1, 0], [1, 2], [3, 4]), TypeError, "condition must be a bool tensor"),
])
def test_compat_v1_where_errors(args, error, match):
    with pytest.raises(error, match=match):
        wb.compat.v1.where(*args)


def test_compat_v1_where_gradient():
    x = wb.constant([[1., -2, 3], [4, 5, -6]], wb.float64)
    y = wb.constant([[0.5, 0.5, 0.5], [1, 1, 1]], wb.float64)
    with wb.GradientTape() as tape:
        tape.watch([x, y])
        r = wb.compat.v1.where(x[:, 0] > 2.0, x * x, y * 3.0)
    gx, gy = tape.gradient(r, [x, y])
    np.testing.assert_array_equal(r.numpy(), [[1.5, 1.5, 1.5], [16.0, 25.0, 36.0]])
    np.testing.assert_array_equal(gx.numpy(), [[0.0, 0.0, 0.0], [8.0, 10.0, -12.0]])
    np.testing.assert_array_equal(gy.numpy(), [[3.0, 3.0, 3.0], [0.0, 0.0, 0.0]])


# ---------------------------------------------------------------------------
# singular points


def test_bessel_y1_single_precision_is_nan_at_zero():
    # TF's float kernel: y1(0) is NaN (its double kernel: -inf), so y0's gradient -y1 is NaN there
    for dt in (wb.float16, wb.float32):
        x = wb.constant([-2.0, -0.5, 0.0, 1.0], dt)
        np.testing.assert_array_equal(np.isnan(wb.math.special.bessel_y1(x).numpy()), [False, False, True, False])
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = wb.math.special.bessel_y0(x)
        g = tape.gradient(y, x).numpy()
        assert g[0] == np.inf and g[1] == np.inf and np.isnan(g[2])
        np.testing.assert_allclose(g[3], 0.7812128, rtol=1e-3)
    x = wb.constant([0.0, 1.0], wb.float64)
    np.testing.assert_allclose(wb.math.special.bessel_y1(x).numpy(), [-np.inf, -0.7812128213002887], rtol=1e-15)


def test_erfcinv_forward_mode_is_nan_where_the_value_is_infinite():
    # TF's erfcinv is -ndtri(x / 2) * sqrt(1/2): forward mode gives the constant factor a zero
    # tangent, 0 * inf at x = 0 and 2; reverse mode gives -inf there
    x = wb.constant([0.0, 1e-300, 0.5, 1.0, 2.0], wb.float64)
    with wb.GradientTape() as tape:
        tape.watch(x)
        with wb.autodiff.ForwardAccumulator(x, wb.ones_like(x)) as acc:
            y = wb.math.erfcinv(x)
    j = acc.jvp(y).numpy()
    g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(j, [NAN, -1.906321866908228e+298, -1.1125848189719498, -0.8862269254527579, NAN],
                               rtol=1e-12)
    np.testing.assert_allclose(g, [-np.inf, -1.906321866908228e+298, -1.1125848189719498, -0.8862269254527579,
                                   -np.inf], rtol=1e-12)


# ---------------------------------------------------------------------------
# top_k(sorted=False): TF's CPU kernel's heap order (its TopN heap, replayed)

TOPK_UNSORTED = [   # (k, row, TF's indices)
    (2, [2, 4, 3, 0, 1], [2, 1]),
    (2, [1, 1, 0, 0, 0], [1, 0]),
    (3, [4, 3, 2, 1, 0], [2, 1, 0]),
    (3, [1, 2, 1, 1, 2], [0, 1, 4]),
    (4, [1, 0, 4, 2, 3], [0, 3, 2, 4]),
    (4, [2, 2, 1, 2, 0], [2, 3, 1, 0]),
    (2, [2, 6, 5, 0, 1, 4, 7, 3], [1, 6]),
    (2, [0, 2, 2, 0, 0, 2, 1, 1], [2, 1]),
    (3, [4, 2, 5, 0, 1, 7, 6, 3], [2, 5, 6]),
    (3, [0, 1, 1, 2, 0, 2, 0, 1], [1, 3, 5]),
    (4, [5, 0, 6, 3, 4, 1, 7, 2], [4, 0, 2, 6]),
    (4, [2, 2, 0, 1, 1, 0, 1, 1], [4, 3, 0, 1]),
    (7, [2, 1, 5, 6, 0, 4, 3, 7], [1, 0, 6, 3, 7, 5, 2]),
    (7, [2, 1, 1, 2, 1, 2, 0, 1], [7, 4, 2, 1, 3, 5, 0]),
    (2, [8, 6, 2, 1, 4, 5, 11, 3, 7, 9, 0, 10], [11, 6]),
    (2, [1, 1, 0, 2, 2, 0, 0, 0, 2, 0, 1, 2], [4, 3]),
    (3, [4, 0, 5, 8, 9, 3, 6, 10, 7, 11, 1, 2], [4, 7, 9]),
    (3, [2, 0, 1, 2, 0, 0, 0, 0, 2, 0, 0, 0], [8, 0, 3]),
    (6, [9, 7, 0, 6, 8, 5, 1, 2, 10, 3, 11, 4], [3, 1, 0, 8, 4, 10]),
    (6, [1, 2, 2, 1, 2, 2, 1, 1, 0, 1, 0, 1], [3, 4, 0, 1, 2, 5]),
    (11, [0, 3, 11, 7, 2, 6, 1, 9, 8, 10, 5, 4], [6, 4, 11, 3, 1, 5, 2, 7, 8, 9, 10]),
    (11, [2, 2, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0], [8, 7, 6, 3, 4, 2, 0, 1, 5, 9, 10]),
    (2, [12, 4, 15, 18, 16, 6, 3, 2, 19, 0, 14, 17, 13, 5, 9, 11, 10, 1, 8, 7], [3, 8]),
    (2, [2, 1, 1, 1, 2, 0, 0, 2, 0, 0, 2, 0, 2, 2, 0, 1, 0, 1, 1, 2], [4, 0]),
    (3, [8, 16, 18, 19, 1, 15, 0, 2, 7, 6, 12, 14, 17, 11, 13, 4, 5, 3, 9, 10], [12, 3, 2]),
    (3, [1, 2, 0, 2, 1, 1, 0, 0, 2, 1, 2, 2, 1, 2, 1, 0, 0, 1, 0, 0], [8, 1, 3]),
    (10, [17, 8, 5, 6, 2, 19, 14, 12, 9, 1, 15, 16, 13, 11, 10, 7, 3, 18, 4, 0], [14, 13, 6, 7, 12, 5, 0, 11, 10, 17]),
    (10, [0, 1, 2, 1, 2, 0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 2, 2, 0, 2, 1], [12, 8, 11, 3, 18, 1, 2, 15, 4, 16]),
    (19, [17, 15, 10, 18, 13, 3, 4, 6, 16, 11, 8, 2, 5, 0, 7, 19, 12, 14, 9, 1], [19, 7, 11, 18, 10, 5, 6, 16, 4, 9, 1, 0, 12, 2, 14, 15, 3, 17, 8]),
    (19, [1, 2, 0, 2, 2, 1, 0, 1, 2, 2, 0, 2, 1, 2, 2, 2, 2, 2, 1, 2], [6, 18, 2, 7, 19, 12, 14, 0, 17, 9, 4, 11, 5, 13, 1, 15, 16, 3, 8]),
]


@pytest.mark.parametrize("k,row,want", TOPK_UNSORTED)
def test_top_k_unsorted_order(k, row, want):
    r = wb.math.top_k(wb.constant(np.array(row, np.float64)), k=k, sorted=False)
    np.testing.assert_array_equal(r.indices.numpy(), want)
    np.testing.assert_array_equal(r.values.numpy(), np.array(row, np.float64)[want])


def test_top_k_unsorted_gradient_follows_the_order():
    x = wb.constant([[4., 2, 5, 0, 1, 7, 6, 3], [0, 1, 1, 2, 0, 2, 0, 1]], wb.float64)
    with wb.GradientTape() as tape:
        tape.watch(x)
        v, i = wb.math.top_k(x, 3, sorted=False)
        y = v * wb.constant([[1., 2, 3]], wb.float64)
    np.testing.assert_array_equal(v.numpy(), [[5.0, 7.0, 6.0], [1.0, 2.0, 2.0]])
    np.testing.assert_array_equal(i.numpy(), [[2, 5, 6], [1, 3, 5]])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[0, 0, 1, 0, 0, 2, 3, 0], [0, 1, 0, 2, 0, 3, 0, 0]])


def test_top_k_unsorted_matches_tf_on_random_rows():
    # 60 draws (n up to 300, 1-3 rows, ties, NaN, float32): indices from TF 2.21's CPU kernel
    import os
    want = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "top_k_unsorted_tf.npz"))
    rng = np.random.default_rng(5)
    for trial in range(60):
        n = int(rng.integers(3, 300))
        k = int(rng.integers(2, n))
        rows = int(rng.integers(1, 4))
        kind = trial % 4
        if kind == 0:
            x = rng.standard_normal((rows, n))
        elif kind == 1:
            x = rng.integers(0, 4, (rows, n)).astype(float)
        elif kind == 2:
            x = rng.standard_normal((rows, n)).astype(np.float32)
        else:
            x = rng.standard_normal((rows, n))
            x[rng.random((rows, n)) < 0.1] = np.nan
        got = wb.math.top_k(wb.constant(x), k=k, sorted=False).indices.numpy()
        np.testing.assert_array_equal(got, want[f"arr_{trial}"], err_msg=f"draw {trial}")


# ---------------------------------------------------------------------------
# svd(full_matrices=True) with sides differing by 1: TF's gradient through the extra column


@pytest.mark.parametrize("shape", ["tall", "wide"])
def test_svd_full_matrices_one_extra_vector(shape):
    # TF 2.21's gradient and tangents (float64) for cotangents gs, gu, gv and tangent ta; the
    # columns' signs are matched to TF's vectors first (the decomposition fixes them only up to sign)
    import os
    ref = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "svd_full_matrices_tf221.npz"))
    r = {k[len(shape) + 1:]: ref[k] for k in ref.files if k.startswith(shape + "_")}
    x = wb.constant(r["a"])
    with wb.GradientTape() as tape:
        tape.watch(x)
        s, u, v = wb.linalg.svd(x, full_matrices=True)
    su = np.sign(np.sum(u.numpy() * r["u"], axis=0))
    sv = np.sign(np.sum(v.numpy() * r["v"], axis=0))
    g = tape.gradient([s, u, v], x, output_gradients=[wb.constant(r["gs"]), wb.constant(r["gu"] * su),
                                                      wb.constant(r["gv"] * sv)])
    np.testing.assert_allclose(g.numpy(), r["g"], rtol=1e-10, atol=1e-13)
    with wb.autodiff.ForwardAccumulator(x, wb.constant(r["ta"])) as acc:
        s, u, v = wb.linalg.svd(x, full_matrices=True)
    np.testing.assert_allclose(acc.jvp(s).numpy(), r["jvp_s"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(acc.jvp(u).numpy() * su, r["jvp_u"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(acc.jvp(v).numpy() * sv, r["jvp_v"], rtol=1e-10, atol=1e-13)


def test_svd_full_matrices_sides_differing_by_more_than_one_raise():
    x = wb.constant(np.arange(1.0, 9.0).reshape(4, 2) % 3.7 + np.eye(4, 2))
    with wb.GradientTape() as tape:
        tape.watch(x)
        s, u, v = wb.linalg.svd(x, full_matrices=True)
    with pytest.raises(NotImplementedError, match="differ by more than 1"):
        tape.gradient(u, x)


def test_half_sigmoid_second_derivative_rounds_as_tf():
    # TF's SigmoidGrad multiplies (g * y) * (1 - y), each product rounded to half
    x = wb.constant([1.0, -2.0], wb.float16)
    with wb.GradientTape() as outer:
        outer.watch(x)
        with wb.GradientTape() as inner:
            inner.watch(x)
            y = wb.sigmoid(x)
        g = inner.gradient(y, x, output_gradients=wb.constant([0.25, 0.5], wb.float16))
        s = wb.reduce_sum(g * wb.constant([0.75, 1.0], wb.float16))
    gg = outer.gradient(s, x)
    np.testing.assert_array_equal(g.numpy(), np.array([0.049163818359375, 0.052490234375], np.float16))
    np.testing.assert_array_equal(gg.numpy(), np.array([-0.0170440673828125, 0.040008544921875], np.float16))
    with wb.autodiff.ForwardAccumulator(x, wb.constant([0.5, 0.75], wb.float16)) as acc:
        y = wb.sigmoid(x)
    np.testing.assert_array_equal(acc.jvp(y).numpy(), np.array([0.09832763671875, 0.0787353515625], np.float16))


def test_betainc_second_derivatives():
    # d/da, d/db, d/dx of sum(w * dI/dx): TF 2.21's values (TF differentiates its x-gradient formula;
    # it gives a and b no first derivative, which here is a finite difference in float64)
    a = wb.constant([0.5, 1.0, 2.0], wb.float64)
    b = wb.constant([1.0, 2.0, 3.0], wb.float64)
    x = wb.constant([0.3, 0.5, 0.9], wb.float64)
    with wb.GradientTape(persistent=True) as outer:
        outer.watch([a, b, x])
        with wb.GradientTape() as inner:
            inner.watch([a, b, x])
            y = wb.math.betainc(a, b, x)
        ga, gb, gx = inner.gradient(y, [a, b, x])
        s = wb.reduce_sum(gx * wb.constant([0.75, 1.0, 1.25], wb.float64))
    want = [[0.5450025643228289, 1.4999999999999998, 0.13202633038619346],
            [0.4201755276034439, -0.19314718055994518, -0.2320989875541962],
            [-1.141088661469096, -2.0, -2.5500000000000007]]
    for got, w in zip(outer.gradient(s, [a, b, x]), want):
        np.testing.assert_allclose(got.numpy(), w, rtol=1e-12)
    # the shape-shape second derivatives exist (no NotImplementedError): d/da (dI/da) against a
    # central difference of the first derivative
    d2 = outer.gradient(ga, a).numpy()
    h = 1e-4
    fd = [(wb.math.betainc(wb.constant([v + h], wb.float64), b[i:i + 1], x[i:i + 1]).numpy()
           - 2 * wb.math.betainc(wb.constant([v], wb.float64), b[i:i + 1], x[i:i + 1]).numpy()
           + wb.math.betainc(wb.constant([v - h], wb.float64), b[i:i + 1], x[i:i + 1]).numpy())[0] / h ** 2
          for i, v in enumerate([0.5, 1.0, 2.0])]
    np.testing.assert_allclose(d2, fd, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------
# constants rounded once in float64 (signal), selu as TF's kernel computes it


def test_float64_signal_constants_are_not_rounded_to_float32():
    x = wb.constant(np.array([1., 2., 4., 3.5]))
    np.testing.assert_allclose(wb.signal.mfccs_from_log_mel_spectrograms(x).numpy(),
                               [7.424621202458749, -2.1743998062416674, -0.7500000000000002, 0.6300678396936308],
                               rtol=1e-14)
    # the reverse rule of ifft scales by 1/n: exactly, not through float32
    z = wb.constant(np.array([1.0, 2.0, 0.5]) + 0j)
    with wb.GradientTape() as tape:
        tape.watch(z)
        y = wb.signal.ifft(z)
    g = tape.gradient(y, z, output_gradients=wb.constant(np.array([1.0, 0.0, 0.0]) + 0j))
    np.testing.assert_allclose(g.numpy(), np.full(3, 1 / 3), rtol=1e-15)


def test_selu_as_tf_kernel():
    # scale * alpha * (exp(x) - 1) below 0 (not expm1), each constant in x's dtype
    np.testing.assert_allclose(wb.nn.selu(wb.constant([-2., -1e-10, -0.5, 3.], wb.float64)).numpy(),
                               [-1.5201664685956950, -1.7580994863131687e-10, -0.69175818780287135,
                                3.1521029620664414], rtol=1e-15)
    np.testing.assert_array_equal(wb.nn.selu(wb.constant([-2., -0.5, 3.], wb.float16)).numpy(),
                                  np.array([-1.5205, -0.692, 3.152], np.float16))


def test_silu_beta_is_converted_as_tf():
    # TF converts beta on its own (a Python float becomes float32) and casts it to the features' dtype
    x = wb.constant([1.3, -0.7], wb.float64)
    beta32 = float(np.float32(1.7))
    np.testing.assert_allclose(wb.nn.silu(x, beta=1.7).numpy(), x.numpy() / (1 + np.exp(-beta32 * x.numpy())),
                               rtol=1e-15)


@pytest.mark.parametrize("f,grad_want", [
    # TF's SegmentProd / UnsortedSegmentProd gradients for complex data are as written, g * prod / z
    # (not conjugated, unlike reduce_prod's)
    (lambda z: wb.math.unsorted_segment_prod(z, [0, 1, 0, 1], 2), [0.5 + 0.2j, -2 + 0.5j, 3 + 4j, 1 - 1j]),
    (lambda z: wb.math.segment_prod(z, [0, 0, 1, 1]), [1 - 1j, 3 + 4j, -2 + 0.5j, 0.5 + 0.2j]),
    (lambda z: wb.reduce_prod(wb.reshape(z, [2, 2]), 0), [0.5 - 0.2j, -2 - 0.5j, 3 - 4j, 1 + 1j]),
])
def test_complex_segment_prod_gradient_as_tf(f, grad_want):
    z = wb.constant(np.array([3 + 4j, 1 - 1j, 0.5 + 0.2j, -2 + 0.5j]))
    with wb.GradientTape() as tape:
        tape.watch(z)
        y = f(z)
    np.testing.assert_allclose(tape.gradient(y, z, output_gradients=wb.ones_like(y)).numpy(), grad_want,
                               rtol=1e-14)


def test_complex_segment_prod_tangent_is_the_transpose():
    # forward mode transposes the unconjugated rule: sum of conj(prod / z) * t by segment
    z = np.array([3 + 4j, 1 - 1j, 0.5 + 0.2j, -2 + 0.5j])
    t = np.array([0.3 - 0.7j, -1.1 + 0.2j, 0.4 + 0.9j, 0.6 - 0.1j])
    zv = wb.constant(z)
    with wb.autodiff.ForwardAccumulator(zv, wb.constant(t)) as acc:
        y = wb.math.unsorted_segment_prod(zv, [0, 1, 0, 1], 2)
    partial = np.conj(np.array([z[2], z[3], z[0], z[1]]))
    want = [partial[0] * t[0] + partial[2] * t[2], partial[1] * t[1] + partial[3] * t[3]]
    np.testing.assert_allclose(acc.jvp(y).numpy(), want, rtol=1e-14)


def test_indexed_slices_tangents_replay_in_a_function():
    # the tangent's dense_shape is a graph constant: the function replays (no eager fallback)
    import warnings

    @wb.function
    def f(x, t):
        with wb.autodiff.ForwardAccumulator(x, t) as acc:
            y = wb.math.segment_sum(x, [0, 0, 1])
            z = wb.dynamic_stitch([[0, 2], [1]], [x[:2], x[2:]])
        return acc.jvp(y), acc.jvp(z)
    x = wb.constant([[1., 2], [3, 4], [5, 6]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f(x, wb.ones_like(x))
        jy, jz = f(x, 2 * wb.ones_like(x))
    assert isinstance(jy, wb.IndexedSlices) and isinstance(jz, wb.IndexedSlices)
    np.testing.assert_array_equal(wb.convert_to_tensor(jy).numpy(), [[4, 4], [2, 2]])
    np.testing.assert_array_equal(wb.convert_to_tensor(jz).numpy(), [[2, 2], [2, 2], [2, 2]])


def test_half_softmax_rounds_once_as_tf():
    x = wb.constant([[0.5, -1.5, 2.0], [-6.0, 0.25, 5.5]], wb.float16)
    np.testing.assert_array_equal(wb.nn.softmax(x).numpy()[0], np.array([0.177979, 0.024094, 0.797852], np.float16))
    want = (np.exp(x.numpy().astype(np.float32) - 5.5) / np.exp(x.numpy().astype(np.float32) - 5.5).sum(-1, keepdims=True))
    np.testing.assert_array_equal(wb.nn.softmax(x).numpy()[1], want[1].astype(np.float16))
