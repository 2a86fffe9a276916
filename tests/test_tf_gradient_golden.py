"""Gradients that follow TF 2.21's rules where they are not the plain derivative, or where TF's
result has a particular type (IndexedSlices or dense, None or zeros); each value printed by
TF 2.21 (``tf.GradientTape`` / ``tf.autodiff.ForwardAccumulator``, float64 unless said)."""

import numpy as np
import pytest

import workbench as wb

F64 = wb.float64


def c64(v):
    return wb.constant(v, dtype=F64)


def ramp_like(y):
    """Output gradients 1, 2, 3, ... in y's shape (a non-uniform seed)."""
    return wb.reshape(wb.range(1, wb.size(y) + 1, dtype=y.dtype), wb.shape(y))


def grad_and_second(f, x, w1, w2=None):
    """f's gradient seeded with w1, and the gradient of sum(gradient * w2)."""
    x = c64(x)
    with wb.GradientTape() as outer:
        outer.watch(x)
        with wb.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x, output_gradients=c64(w1))
        s = wb.reduce_sum(g * c64(w2 if w2 is not None else np.ones(x.shape)))
    return g, outer.gradient(s, x)


# ---------------------------------------------------------------------------
# IndexedSlices or dense: TF's type for each op

X23 = [[1., 2., 3.], [4., 5., 6.]]


@pytest.mark.parametrize("name,f,want", [
    ("roll", lambda x: wb.roll(x, 1, 0), [[4., 5., 6.], [1., 2., 3.]]),
    ("pad REFLECT", lambda x: wb.pad(x, [[1, 1], [0, 0]], "REFLECT"), [[14., 16., 18.], [8., 10., 12.]]),
    ("repeat", lambda x: wb.repeat(x, [2, 1], axis=0), [[5., 7., 9.], [7., 8., 9.]]),
    ("boolean_mask", lambda x: wb.boolean_mask(x, [True, False]), [[1., 2., 3.], [0., 0., 0.]]),
    ("sort", lambda x: wb.sort(x[0]), [[1., 2., 3.], [0., 0., 0.]]),
    ("unsorted_segment_sum, a dropped id", lambda x: wb.math.unsorted_segment_sum(x, [1, -1], 2),
     [[4., 5., 6.], [0., 0., 0.]]),
])
def test_ops_built_on_row_gathers_give_dense_gradients(name, f, want):
    # TF 2.21: Roll, MirrorPad, ... have dense gradients (rows gathered from x here, but the
    # IndexedSlices of a gather belong to tf.gather alone)
    x = c64(X23)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    g = tape.gradient(y, x, output_gradients=ramp_like(y))
    assert not isinstance(g, wb.IndexedSlices), name
    np.testing.assert_allclose(g.numpy(), want)


def test_gather_nd_of_rows_gives_indexed_slices():
    # TF 2.21's GatherNd gradient: IndexedSlices when indices is [N, 1], indices in their dtype
    x = c64(X23)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.gather_nd(x, [[1], [1]])
    g = tape.gradient(y, x, output_gradients=ramp_like(y))
    assert isinstance(g, wb.IndexedSlices)
    assert g.indices.dtype == wb.int32
    np.testing.assert_allclose(wb.convert_to_tensor(g).numpy(), [[0., 0., 0.], [5., 7., 9.]])
    with wb.GradientTape() as tape:   # tuples of two: dense
        tape.watch(x)
        y = wb.gather_nd(x, [[1, 0], [0, 2]])
    assert not isinstance(tape.gradient(y, x), wb.IndexedSlices)


def test_tensor_scatter_nd_update_repeated_indices_jvp():
    # TF 2.21: the forward-mode transpose of the gradient, repeated updates' tangents added
    t, u = c64([1., 2., 3., 4.]), c64([10., 20., 30.])
    with wb.autodiff.ForwardAccumulator([t, u], [c64([1., 1., 1., 1.]), c64([1., 2., 4.])]) as acc:
        y = wb.tensor_scatter_nd_update(t, [[1], [3], [1]], u)
    np.testing.assert_allclose(y.numpy(), [1., 30., 3., 20.])
    np.testing.assert_allclose(acc.jvp(y).numpy(), [1., 5., 1., 2.])


# ---------------------------------------------------------------------------
# rules that are TF's, not the derivative


def test_cumprod_gradient_divides_with_div_no_nan():
    # TF 2.21 _CumprodGrad: div_no_nan(cumsum(prod * g, reverse), x): 0 where x is 0
    g, gg = grad_and_second(wb.math.cumprod, [2., 0., 3., 4.], np.ones(4), [1., 2., 3., 4.])
    np.testing.assert_array_equal(g.numpy(), [1., 0., 0., 0.])
    np.testing.assert_array_equal(gg.numpy(), [0., 0., 0., 0.])
    x = c64([2., 0., 3., 4.])
    with wb.autodiff.ForwardAccumulator(x, c64([1., 1., 1., 1.])) as acc:
        y = wb.math.cumprod(x, exclusive=True)
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [0., 1., 0., 0.])


def test_reduce_prod_with_zeros_second_order():
    g, gg = grad_and_second(lambda x: wb.reduce_prod(x, axis=1), [[0., 2., 3.], [0., 0., 2.]],
                            np.ones(2), [[1., 2., 3.], [4., 5., 6.]])
    np.testing.assert_array_equal(g.numpy(), [[6., 0., 0.], [0., 0., 0.]])
    np.testing.assert_array_equal(gg.numpy(), [[0., 3., 2.], [0., 0., 0.]])   # TF 2.21


def test_moments_variance_gradient_stops_at_the_mean():
    # TF 2.21: variance = mean(squared_difference(x, stop_gradient(mean))): the same gradient,
    # a different second derivative
    g, gg = grad_and_second(lambda x: wb.nn.moments(x, axes=[0])[1], [[1., 2.], [4., 3.], [0., 5.]],
                            np.ones(2), [[1., 2.], [3., 4.], [5., 6.]])
    np.testing.assert_allclose(g.numpy(), [[-0.4444444444444445, -0.888888888888889],
                                           [1.5555555555555554, -0.22222222222222232],
                                           [-1.1111111111111112, 1.111111111111111]], rtol=1e-14)
    np.testing.assert_allclose(gg.numpy(), [[0.6666666666666666, 1.3333333333333333],
                                            [2.0, 2.6666666666666665],
                                            [3.333333333333333, 4.0]], rtol=1e-14)


def test_masked_log_second_derivative_is_finite():
    # TF 2.21 _LogGrad: g * reciprocal(x); reciprocal's guarded gradient makes the masked
    # point's second derivative 0 (its first is NaN, 0 * inf, in TF too)
    g, gg = grad_and_second(lambda x: wb.where(x > 0, wb.math.log(x), x), [-1., 0., 4.], np.ones(3))
    np.testing.assert_array_equal(g.numpy(), [1., np.nan, 0.25])
    np.testing.assert_array_equal(gg.numpy(), [0., 0., -0.0625])


# ---------------------------------------------------------------------------
# complex forwards the gradients build on


def test_complex_forwards_match_tf():
    z = wb.constant([1 + 2j, -0.5 + 0.25j], dtype=wb.complex128)
    w = wb.constant([0.5 - 1j, 2 + 1j], dtype=wb.complex128)
    np.testing.assert_allclose(wb.sigmoid(z).numpy(), [1.0214153641721806 + 0.40343870608154253j,
                                                      0.3757248355800388 + 0.05900296431450803j])
    sq = wb.math.squared_difference(z, w)   # TF: (x - y) * conj(x - y)
    np.testing.assert_allclose(sq.numpy(), [9.25, 6.8125])
    assert sq.dtype == wb.complex128
    np.testing.assert_allclose(wb.norm(z).numpy(), 2.3048861143232218)
    np.testing.assert_allclose(wb.norm(wb.reshape(wb.concat([z, w], 0), [2, 2]), axis=[0, 1]).numpy(),
                               3.400367627183861)
    a = wb.constant([[1 + 1j, 2 - 1j], [0.5j, 3]], dtype=wb.complex128)
    b = wb.constant([[2 - 1j, 1], [1j, -1 + 1j]], dtype=wb.complex128)
    np.testing.assert_allclose(wb.matmul(a, b, adjoint_a=True).numpy(), [[1.5 - 3j, 1.5 - 0.5j], [5 + 3j, -1 + 4j]])
    np.testing.assert_allclose(wb.matmul(a, b, adjoint_b=True).numpy(),
                               [[3 + 2j, -2 - 2j], [2.5 + 1j, -2.5 - 3j]])
    np.testing.assert_allclose(wb.linalg.adjoint(a).numpy(), [[1 - 1j, -0.5j], [2 + 1j, 3]])


# ---------------------------------------------------------------------------
# second derivatives through kinks: TF's ReluGrad, Relu6Grad, LeakyReluGrad and MaxPoolGrad give
# their features zeros (not None)


@pytest.mark.parametrize("f,first", [
    (wb.nn.relu, [0., 0., 1., 1.]),
    (wb.nn.relu6, [0., 0., 1., 0.]),
    (lambda v: wb.nn.leaky_relu(v, 0.3), [0.30000001192092896, 0.30000001192092896, 1., 1.]),
])
def test_kinked_activations_second_derivative_is_zeros(f, first):
    g, gg = grad_and_second(f, [-1., 0., 2., 6.5], np.ones(4))
    np.testing.assert_array_equal(g.numpy(), first)   # TF 2.21 (leaky's alpha a float32 attribute)
    assert gg is not None
    np.testing.assert_array_equal(gg.numpy(), np.zeros(4))


def test_leaky_relu_alpha_is_float32_as_tf():
    y = wb.nn.leaky_relu(c64([-1.0]), 0.2)
    np.testing.assert_array_equal(y.numpy(), [-0.20000000298023224])   # TF 2.21


def test_max_pool_second_derivative_is_zeros():
    x = np.arange(16.).reshape(1, 4, 4, 1) % 5
    g, gg = grad_and_second(lambda v: wb.nn.max_pool2d(v, 2, 2, "VALID"), x, np.ones((1, 2, 2, 1)))
    np.testing.assert_array_equal(g.numpy().ravel(), [0., 0., 0., 1., 1., 0., 0., 0.,
                                                      0., 1., 0., 0., 0., 0., 1., 0.])
    assert gg is not None
    np.testing.assert_array_equal(gg.numpy(), np.zeros_like(x))


# ---------------------------------------------------------------------------
# the tape


def test_rows_of_several_gathers_come_in_the_order_the_gathers_were_made():
    v = wb.Variable([[1., 2.], [3., 4.], [5., 6.]], dtype=F64)
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(wb.gather(v, [2, 0])) + wb.reduce_sum(wb.gather(v, [1]) * 2.0)
    g = tape.gradient(y, v)
    assert isinstance(g, wb.IndexedSlices)   # TF 2.21: indices [2, 0, 1]
    np.testing.assert_array_equal(g.indices.numpy(), [2, 0, 1])
    np.testing.assert_array_equal(g.values.numpy(), [[1., 1.], [1., 1.], [2., 2.]])
    x = c64([[1., 2.], [3., 4.]])
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.add_n([wb.gather(x, [1]), wb.gather(x, [0])])
    np.testing.assert_array_equal(tape.gradient(y, x).indices.numpy(), [1, 0])   # TF 2.21


def test_zero_unconnected_gradient_of_an_integer_source_is_integer_zeros():
    x = wb.constant([1, 2], dtype=wb.int32)
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.cast(x, F64) * 2.0
    g = tape.gradient(y, x, unconnected_gradients=wb.UnconnectedGradients.ZERO)
    assert g.dtype == wb.int32   # TF 2.21: zeros_like(source)
    np.testing.assert_array_equal(g.numpy(), [0, 0])


def test_sign_has_no_tangent():
    x = c64([1.5, -2.])
    with wb.autodiff.ForwardAccumulator(x, c64([1., 1.])) as acc:
        y = wb.sign(x)
    assert acc.jvp(y) is None   # TF 2.21
    np.testing.assert_array_equal(acc.jvp(y, unconnected_gradients=wb.UnconnectedGradients.ZERO).numpy(),
                                  [0., 0.])


@pytest.mark.parametrize("method,what", [
    ("jacobian", "jacobian with eager execution enabled and with  experimental_use_pfor"),
    ("batch_jacobian", "batch_jacobian with eager execution enabled and  with experimental_use_pfor"),
])
def test_jacobian_loop_needs_a_persistent_tape(method, what):
    x = c64([[1., 2.], [3., 4.]])
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    with pytest.raises(RuntimeError, match="GradientTape must be created with persistent=True to compute "
                                           f"the {what}"):
        getattr(tape, method)(y, x, experimental_use_pfor=False)
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    np.testing.assert_array_equal(tape.batch_jacobian(y, x, experimental_use_pfor=False).numpy(),
                                  [[[2., 0.], [0., 4.]], [[6., 0.], [0., 8.]]])


def test_tensor_scatter_nd_max_shares_the_gradient_among_ties():
    x, u = c64([3., 1.]), c64([3., 0.5])
    with wb.GradientTape() as tape:
        tape.watch([x, u])
        y = wb.tensor_scatter_nd_max(x, [[0], [1]], u)
    gx, gu = tape.gradient(y, [x, u])
    np.testing.assert_array_equal(gx.numpy(), [0.5, 1.])   # TF 2.21
    np.testing.assert_array_equal(gu.numpy(), [0.5, 0.])


def test_max_pool_with_argmax_result_is_named():
    r = wb.nn.max_pool_with_argmax(wb.reshape(wb.range(4.0), (1, 2, 2, 1)), 2, 2, "VALID")
    assert r.output.numpy().ravel().tolist() == [3.0] and r.argmax.numpy().ravel().tolist() == [3]


# ---------------------------------------------------------------------------
# complex gradients: TF's convention (conj(f'(z)) times the incoming gradient for holomorphic f;
# abs, real, imag, angle, complex and cast by TF's own rules)

Z = [3 + 4j, 1 - 1j, 0j]
W = [0.5 - 1j, 2 + 1j, 1 + 1j]


def cgrad(f, *xs, dtype=wb.complex128):
    xs = [wb.constant(x, dtype=dtype) for x in xs]
    with wb.GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
    return [None if g is None else g.numpy() for g in tape.gradient(y, xs)]


@pytest.mark.parametrize("name,f,args,want", [
    ("abs", lambda z: wb.reduce_sum(wb.abs(z)), [Z], [[0.6 + 0.8j, 0.707106781187 - 0.707106781187j, 0]]),
    ("multiply", lambda z, w: z * w, [Z, W], [[0.5 + 1j, 2 - 1j, 1 - 1j], [3 - 4j, 1 + 1j, 0]]),
    ("exp", wb.exp, [Z], [[-13.128783081462 + 15.200784463068j, 1.468693939916 + 2.287355287179j, 1]]),
    ("real of a square", lambda z: wb.math.real(z * z), [Z], [[6 - 8j, 2 + 2j, 0]]),
    ("imag", wb.math.imag, [Z], [[1j, 1j, 1j]]),
    ("angle", wb.math.angle, [Z[:2]], [[-0.16 + 0.12j, 0.5 + 0.5j]]),
    ("conj", lambda z: wb.math.conj(z) * wb.constant(W, dtype=wb.complex128), [Z], [[0.5 - 1j, 2 + 1j, 1 + 1j]]),
    ("sqrt", wb.sqrt, [Z[:2]], [[0.2 + 0.1j, 0.388443493508 - 0.160898563226j]]),
    ("pow in the exponent", lambda y: wb.pow(wb.constant(Z[:2], dtype=wb.complex128), y), [W[:2]],
     [[8.525590920858 + 6.126277441363j, -2.723952584865 + 2.60012843031j]]),
    ("xlogy (TF does not conjugate)", wb.math.xlogy, [Z[:2], W[:2]],
     [[0.111571775657 - 1.107148717794j, 0.804718956217 + 0.463647609001j], [-2 + 4j, 0.2 - 0.6j]]),
    ("cumprod (TF does not conjugate)", wb.math.cumprod, [Z[:2]], [[2 - 1j, 3 + 4j]]),
])
def test_complex_gradients_match_tf(name, f, args, want):
    for got, w in zip(cgrad(f, *args), want):   # TF 2.21
        np.testing.assert_allclose(got, w, rtol=1e-11, atol=1e-12)


def test_complex_and_cast_connect_real_tensors():
    a, b = [1., 2.], [3., -4.]
    ga, gb = cgrad(lambda a, b: wb.abs(wb.complex(a, b)) ** 2 + wb.math.real(wb.complex(a, b) * wb.complex(b, a)),
                   a, b, dtype=F64)
    np.testing.assert_allclose(ga, [2., 4.])   # TF 2.21
    np.testing.assert_allclose(gb, [6., -8.])
    (g,) = cgrad(lambda a: wb.math.imag(wb.cast(a, wb.complex128) * wb.constant(W[:2], dtype=wb.complex128)),
                 a, dtype=F64)
    np.testing.assert_allclose(g, [-1., 1.])
    m = wb.constant([[1 + 1j, 2 - 1j], [0.5j, 3]], dtype=wb.complex128)
    (g,) = cgrad(lambda m: wb.matmul(m, m, adjoint_a=True), m.numpy())
    np.testing.assert_allclose(g, [[6, 6], [6 + 1j, 6 + 1j]])


def test_complex_variable_and_forward_mode():
    v = wb.Variable([1 + 1j, 2 - 1j], dtype=wb.complex128)
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(wb.math.real(v * wb.math.conj(v)))
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), [2 + 2j, 4 - 2j])   # TF 2.21
    x = wb.constant([1 + 0.5j, -1j], dtype=wb.complex128)
    with wb.autodiff.ForwardAccumulator(x, wb.constant([1 + 0.5j, -1j], dtype=wb.complex128)) as acc:
        y = wb.exp(x) * x
        r = wb.abs(x)
    np.testing.assert_allclose(acc.jvp(y).numpy(), [2.219833684648 + 5.858899123391j,
                                                    -1.381773290676 + 0.30116867894j], rtol=1e-11)
    np.testing.assert_allclose(acc.jvp(r).numpy(), [1.11803398875, 1.0], rtol=1e-11)


# TF 2.21
FFT_ABS_WANT = [1.316227766016838, 1.9486832980505138, 0.683772233983162, 0.05131670194948623]
FFT_REAL_WANT = [4.0, -4.0, 4.0, 0.0]


def test_fft_gradients_match_tf():
    x = c64([1., 2., 0., -1.])
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.reduce_sum(wb.abs(wb.signal.rfft(x)))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), FFT_ABS_WANT, rtol=1e-12)
    with wb.GradientTape() as tape:
        tape.watch(x)
        z = wb.signal.fft(wb.cast(x, wb.complex128)) * wb.constant([1, 2j, 3, 4j], dtype=wb.complex128)
        y = wb.reduce_sum(wb.math.real(z))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), FFT_REAL_WANT, rtol=1e-12)


def test_zeta_tangent_in_x_counts_as_zero():
    x, q = c64([1., 2.]), c64([2., 3.])
    with wb.autodiff.ForwardAccumulator([x, q], [c64([1., 1.]), c64([3., 4.])]) as acc:
        y = wb.math.zeta(x + 1, q)
    np.testing.assert_allclose(acc.jvp(y).numpy(), [-1.21234142, -0.2378788], rtol=5e-8)   # TF 2.21 (as printed)
    with wb.autodiff.ForwardAccumulator(x, c64([1., 1.])) as acc:
        y = wb.math.zeta(x + 1, q)
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [0., 0.])   # TF 2.21: zeros, not None


@pytest.mark.parametrize("read", [wb.identity, lambda v: v.read_value()])
def test_rows_gathered_from_an_identity_of_a_variable_stay_indexed_slices(read):
    v = wb.Variable([[1., 2.], [3., 4.], [5., 6.]])
    with wb.GradientTape() as tape:
        y = wb.gather(read(v), [1]) * 3.0
    g = tape.gradient(y, v)
    assert isinstance(g, wb.IndexedSlices)   # TF 2.21: IndexedSlices through Identity/ReadVariableOp
    np.testing.assert_array_equal(g.indices.numpy(), [1])
    np.testing.assert_array_equal(g.values.numpy(), [[3., 3.]])
    with wb.GradientTape() as tape:
        r = read(v)
        y = wb.reduce_sum(wb.gather(r, [1])) + wb.reduce_sum(r)
    g = tape.gradient(y, v)   # a dense use as well: dense
    assert not isinstance(g, wb.IndexedSlices)
    np.testing.assert_array_equal(g.numpy(), [[1., 1.], [2., 2.], [1., 1.]])


def test_matrix_two_norm_is_the_largest_singular_value():
    x = c64([[1., 2., 0.], [0.5, -1., 3.], [2., 1., 1.]])
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.norm(x, ord=2, axis=[0, 1])
    np.testing.assert_allclose(y.numpy(), 3.4436770939388737, rtol=1e-14)   # TF 2.21
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [
        [0.0513307807065892, -0.0036782503151695125, 0.1006041385581373],
        [0.38655547921012356, -0.027699711433623684, 0.7576171734685956],
        [0.23297663071055513, -0.0166945905272044, 0.4566151715242457]], rtol=1e-10, atol=1e-14)
    x3 = wb.reshape(wb.range(12, dtype=F64), [2, 3, 2])
    np.testing.assert_allclose(wb.norm(x3, ord=2, axis=[1, 2]).numpy(), [7.386482129909312, 21.235507496687678])
    np.testing.assert_allclose(wb.norm(x3, ord=2, axis=[0, 2], keepdims=True).numpy(),
                               [[[9.250910101827149], [12.560725391999933], [16.18216682904437]]])


def test_fill_and_linspace_carry_gradients():
    a, b = c64([0., 1.]), c64([1., 3.])
    with wb.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        y = wb.linspace(a, b, 4, axis=1)
        w = wb.fill([2, 3], a[1])
    np.testing.assert_array_equal(y.numpy(), [[0.0, 0.3333333333333333, 0.6666666666666666, 1.0],
                                              [1.0, 1.6666666666666665, 2.333333333333333, 3.0]])
    ga, gb = tape.gradient(y, [a, b], output_gradients=c64([[1., 2., 3., 4.], [5., 6., 7., 8.]]))
    np.testing.assert_array_equal(ga.numpy(), [3.3333333333333335, 11.333333333333332])   # TF 2.21
    np.testing.assert_array_equal(gb.numpy(), [6.666666666666666, 14.666666666666668])
    np.testing.assert_array_equal(tape.gradient(w, a).numpy(), [0., 6.])
