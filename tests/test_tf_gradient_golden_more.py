"""More of TF 2.21's gradient semantics where they are not the plain derivative: special
functions at their poles and removable points, forward mode at singular points, the safe
reciprocal of the eigen/singular gaps, losses written as TF writes them, eig's gradient. Every
expected value is TF 2.21's, printed by ``tf.GradientTape`` / ``tf.autodiff.ForwardAccumulator``
(float64)."""

import numpy as np
import pytest

import workbench as wb
from tests.test_tf_gradient_golden import F64, c64, grad_and_second

NAN, INF = np.nan, np.inf


def close(got, want, rtol=1e-13):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want, dtype=np.float64), rtol=rtol, atol=1e-300)


def jvp(f, xs, ts):
    xs = [c64(x) for x in xs]
    with wb.autodiff.ForwardAccumulator(xs, [c64(t) for t in ts]) as acc:
        y = f(*xs)
    return acc.jvp(y).numpy()


# ---------------------------------------------------------------------------
# special functions: TF's gradient formulas at their removable points


@pytest.mark.parametrize("f,x,w2,first,second", [
    # BesselI1's gradient is 1 at 0 (TF's choice, not the limit 1/2); the unpicked i0 - y / x
    # makes the second derivative NaN there
    (wb.math.bessel_i1, [0.0, 1.5, -2.0], [1., 2., 3.], [1.0, 0.9922789040542854, 1.484266875017402],
     [NAN, 1.512886699374909, -3.7384878923638825]),
    (wb.math.bessel_i1e, [0.0, 1.5, -2.0], [1., 2., 3.], [0.5, 0.0023679633526154653, -0.014395611319735546],
     [NAN, -0.10997997673436055, 0.053484882038686676]),
    (wb.math.bessel_i0, [0.0, 1.5], [1., 2.], [0.0, 0.9816664285779079], [1.0, 1.9845578081085709]),
    (wb.math.special.spence, [1.0, 0.5, 2.0], [1., 2., 3.], [-1.0, -1.3862943611198906, -0.6931471805599453],
     [NAN, 2.4548225555204377, 0.5794415416798357]),
    (wb.math.special.bessel_k1e, [0.0, 0.5], [1., 2.], [-INF, -4.255119093985696], [NAN, 32.772116498541436]),
    (wb.math.lgamma, [0.0, -1.0, 2.5], [1., 1., 1.], [NAN, NAN, 0.7031566406452434], [INF, INF, 0.4903577561002349]),
    # TF's Acosh gradient is 1 / sinh(acosh(x)): NaN below 1, not 1 / sqrt(x^2 - 1)
    (wb.math.acosh, [-2.0, 0.5, 1.0, 2.5], [1., 1., 1., 1.], [NAN, NAN, INF, 0.4364357804719848],
     [NAN, NAN, -INF, -0.20782656212951658]),
])
def test_special_function_gradients_at_their_edges(f, x, w2, first, second):
    g, gg = grad_and_second(f, x, np.ones(len(x)), w2)
    close(g, first)
    close(gg, second)


@pytest.mark.parametrize("f,x,want", [
    (wb.math.special.bessel_y0, [-2.0, -0.5, 0.0, 1.0], [-INF, -INF, -INF, 0.08825696421567697]),
    (wb.math.special.bessel_y1, [-2.0, -0.5, 0.0, 1.0], [-INF, -INF, -INF, -0.7812128213002888]),
    (wb.math.special.bessel_k0, [-2.0, -0.5, 0.0, 1.0], [INF, INF, INF, 0.42102443824070823]),
    (wb.math.special.bessel_k1, [-2.0, -0.5, 0.0, 1.0], [INF, INF, INF, 0.6019072301972348]),
    (wb.math.special.bessel_k0e, [-2.0, -0.5, 0.0, 1.0], [INF, INF, INF, 1.1444630798068947]),
    (wb.math.special.bessel_k1e, [-2.0, -0.5, 0.0, 1.0], [INF, INF, INF, 1.6361534862632587]),
    (wb.math.special.expint, [-2.0, -0.5, 0.0, 1.0, INF], [NAN, NAN, -INF, 1.895117816355937, NAN]),
    (wb.math.digamma, [0.0, -0.0, -1.0, -INF, INF, -0.5], [NAN, NAN, NAN, NAN, INF, 0.03648997397857645]),
    (wb.math.lgamma, [-INF, 0.0, -1.0], [INF, INF, INF]),
])
def test_special_function_values_off_their_domain_are_tfs(f, x, want):
    close(f(c64(x)).numpy(), want)


def test_polygamma_and_zeta_at_poles():
    close(wb.math.polygamma(c64([0., 1., 2., 3., 2.]), c64([0., 0., -1., -2., -INF])).numpy(),
          [NAN, INF, NAN, INF, NAN])
    close(wb.math.zeta(c64([1., 1.5, 2., 3., 0.5]), c64([0., -1., -2., 0., 1.])).numpy(), [INF, NAN, INF, NAN, NAN])


# ---------------------------------------------------------------------------
# forward mode: TF transposes the gradient's own gradient


def test_forward_mode_through_sqrt_at_zero():
    close(jvp(wb.sqrt, [[0.0, 0.0, 4.0]], [[0., 1., 1.]]), [NAN, INF, 0.25])
    assert np.isnan(jvp(lambda x: wb.norm(x), [[0.0, 0.0]], [[1., 2.]]))
    close(jvp(lambda x: wb.math.reduce_std(x, axis=1), [[[1.0, 1.0], [1.0, 3.0]]], [[[1., 2.], [3., 4.]]]),
          [NAN, 0.5])
    close(jvp(wb.math.acosh, [[-INF, 2.0]], [[1., 1.]]), [NAN, 0.5773502691896258])


def test_divide_second_derivative_at_zero_denominator():
    # TF's RealDiv gradient in y is g * ((-x / y) / y)
    x, y = c64([1.0, 0.0, 2.0]), c64([0.0, 0.0, 4.0])
    with wb.GradientTape() as outer:
        outer.watch(y)
        with wb.GradientTape() as inner:
            inner.watch(y)
            z = x / y
        g = inner.gradient(z, y)
    close(g.numpy(), [-INF, NAN, -0.125])
    close(outer.gradient(g, y).numpy(), [INF, NAN, 0.0625])


# ---------------------------------------------------------------------------
# losses and norms as TF writes them


def two_inputs(f, a, b):
    a, b = c64(a), c64(b)
    with wb.GradientTape(persistent=True) as outer:
        outer.watch([a, b])
        with wb.GradientTape() as inner:
            inner.watch([a, b])
            z = f(a, b)
        ga, gb = inner.gradient(z, [a, b])
        s = wb.reduce_sum(ga) + wb.reduce_sum(gb * 2.0)
    return [ga.numpy(), gb.numpy()], [t.numpy() for t in outer.gradient(s, [a, b])]


@pytest.mark.parametrize("f,a,b,first,second", [
    # (1 - z) x + l (log1p(exp(-|x|)) + relu(-x)): abs' and relu's 0 at x == 0
    (lambda z, x: wb.nn.weighted_cross_entropy_with_logits(labels=z, logits=x, pos_weight=2.0),
     [0.0, 1.0, 0.5], [-1.0, 0.0, 2.0],
     [[2.3132616875182226, 0.6931471805599453, -1.8730719889570275], [0.26894142136999516, 0.0, 0.32119561696682364]],
     [[-3.4621171572600096, -2.0, -2.238405844044235], [-1.3378347121470413, -1.0, -0.804222165811598]]),
    # Stirling's terms of the targets themselves, masked: NaN at a zero target
    (lambda t, x: wb.nn.log_poisson_loss(t, x, compute_full_loss=True), [0.0, 1.0, 3.0], [0.5, 0.0, 1.0],
     [[NAN, 0.0, 0.2652789553347764], [1.6487212707001282, 0.0, -0.2817181715409549]],
     [[NAN, -2.0, -1.7222222222222223], [2.2974425414002564, 1.0, 4.43656365691809]]),
    # sqrt(2 * sum of l2_losses): NaN at a zero norm
    (lambda a, b: wb.linalg.global_norm([a, b]), [0.0, 0.0], [0.0], [[NAN, NAN], [NAN]], [[NAN, NAN], [NAN]]),
    (lambda a, b: wb.linalg.global_norm([a, b]), [3.0, 0.0], [4.0], [[0.6000000000000001, 0.0], [0.8]],
     [[-0.064, 0.2], [0.04799999999999999]]),
])
def test_losses_and_norms_differentiate_as_tf_writes_them(f, a, b, first, second):
    got_first, got_second = two_inputs(f, a, b)
    for got, want in zip(got_first + got_second, first + second):
        close(got, want)


def test_clip_by_global_norm_tangent_at_zero_is_nan():
    a, b = c64([0.0, 0.0]), c64([0.0])
    with wb.autodiff.ForwardAccumulator([a, b], [c64([1., 2.]), c64([3.])]) as acc:
        out, norm = wb.clip_by_global_norm([a, b], 1.0)
    assert np.isnan(acc.jvp(out[0]).numpy()).all() and np.isnan(acc.jvp(norm).numpy())


# ---------------------------------------------------------------------------
# linear algebra: eig's gradient, complex solve/inv, the gaps' safe reciprocal


A3 = [[1., 2., 0.], [0.5, -1., 3.], [2., 1., 1.]]


def test_eig_of_a_real_matrix_gradient_and_tangent():
    a = c64(A3)
    with wb.GradientTape() as tape:
        tape.watch(a)
        e = wb.linalg.eigvals(a)
        y = wb.math.real(e) * c64([1., 2., 3.]) + wb.math.imag(e) * c64([0.5, -1., 2.])
    np.testing.assert_allclose(e.numpy(), [3.2241698710885904, -1.1120849355442974 + 0.9666274270277474j,
                                           -1.1120849355442974 - 0.9666274270277474j], rtol=1e-12)   # real Schur order
    close(tape.gradient(y, a).numpy(), [[3.111190786024509, -2.1892756615613678, -0.6271660054102842],
                                        [1.2489732193978382, 0.611458083421257, -1.0431927012416333],
                                        [-2.5015189664108286, 1.8734598290967555, 2.2773511305542335]], rtol=1e-12)
    with wb.autodiff.ForwardAccumulator(a, c64([[1., 0., 0.5], [0., 2., 0.], [1., 0., -1.]])) as acc:
        e = wb.linalg.eigvals(a)
    np.testing.assert_allclose(acc.jvp(e).numpy(), [0.9306172002670088, 0.5346913998664957 + 1.4541401154675566j,
                                                    0.5346913998664957 - 1.4541401154675562j], rtol=1e-12, atol=1e-15)


def test_eig_of_a_complex_matrix_sorts_by_modulus_and_differentiates():
    z = wb.constant([[3 + 4j, 1 - 1j], [0.5j, -2 + 0.5j]], dtype=wb.complex128)
    with wb.GradientTape() as tape:
        tape.watch(z)
        e, v = wb.linalg.eig(z)
        y = wb.math.real(wb.reduce_sum(e * wb.constant([1 + 1j, 2 - 1j], dtype=wb.complex128)))
    np.testing.assert_allclose(e.numpy(), [-2.11203170665301 + 0.47934768049720344j,
                                           3.11203170665301 + 4.020652319502798j], rtol=1e-13)
    np.testing.assert_allclose(np.abs(z.numpy() @ v.numpy() - v.numpy() * e.numpy()), 0, atol=1e-13)
    np.testing.assert_allclose(tape.gradient(y, z).numpy(), [
        [1.9979740209535435 + 0.9596892904740413j, 0.17560685975053986 + 0.02332999763466918j],
        [-0.39787371477041805 + 0.30455372423174126j, 1.0020259790464565 - 0.9596892904740412j]], rtol=1e-12)


@pytest.mark.parametrize("adjoint,want_x,want_gm,want_gb", [
    (False, [[0.2233502538071066 - 0.8730964467005077j], [-0.3197969543147208 + 0.5228426395939085j]],
     [[0.893246411914762 - 0.29225179726352135j, -0.5221598082918908 + 0.36861295060424126j],
      [-0.3159061042541679 + 0.057203226055811796j, 0.1938983225540467 - 0.10036331778711126j]],
     [[0.06852791878172593 + 1.0406091370558375j], [0.02538071065989847 - 0.3553299492385787j]]),
    (True, [[0.44670050761421315 - 0.25380710659898476j], [0.09137055837563451 + 0.7208121827411168j]],
     [[-0.13960679223891367 + 0.4722615888067201j, -0.13213429874513644 + 0.06307815197505734j],
      [-0.5423999587724497 - 0.4368574299775826j, -0.011337576335386125 - 0.2067561648071324j]],
     [[0.6903553299492386 + 0.6649746192893401j], [0.28426395939086296 - 0.020304568527918773j]]),
])
def test_complex_solve_and_its_gradient(adjoint, want_x, want_gm, want_gb):
    m = wb.constant([[2 + 1j, 1.0], [0.5j, 3 - 1j]], dtype=wb.complex128)
    b = wb.constant([[1 - 1j], [2j]], dtype=wb.complex128)
    with wb.GradientTape() as tape:
        tape.watch([m, b])
        x = wb.linalg.solve(m, b, adjoint=adjoint)   # adjoint: the conjugate transpose, as TF
    gm, gb = tape.gradient(x, [m, b], output_gradients=wb.constant([[1 + 2j], [0.5]], dtype=wb.complex128))
    for got, want in [(x, want_x), (gm, want_gm), (gb, want_gb)]:
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-13)


def test_complex_inverse_gradient():
    m = wb.constant([[2 + 1j, 1.0], [0.5j, 3 - 1j]], dtype=wb.complex128)
    with wb.GradientTape() as tape:
        tape.watch(m)
        y = wb.math.real(wb.reduce_sum(wb.linalg.inv(m) * wb.constant([[1, 2j], [3, 1 - 1j]], dtype=wb.complex128)))
    np.testing.assert_allclose(tape.gradient(y, m).numpy(), [
        [-0.05431729753407713 - 0.3360045350305342j, 0.04362390167229249 + 0.2319049704965343j],
        [-0.32167796129763715 + 0.09740008760854442j, -0.19516091628230564 - 0.1408436187482285j]], rtol=1e-13)


@pytest.mark.parametrize("f", [wb.linalg.eigvalsh, lambda m: wb.linalg.svd(m, compute_uv=False)])
def test_repeated_eigen_and_singular_values_second_derivative_is_zero(f):
    # TF's _SafeReciprocal(e_j - e_i) is 0 where the values repeat
    g, gg = grad_and_second(f, [[2.0, 0.0], [0.0, 2.0]], [1., 3.], [[1., 2.], [3., 4.]])
    np.testing.assert_array_equal(g, [[1.0, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(gg, np.zeros((2, 2)))


# ---------------------------------------------------------------------------
# reductions: TF's tangents over empty axes, the Euclidean norm's own gradient, complex sign


def test_tangents_of_reductions_over_an_empty_axis():
    x = wb.zeros([0, 3], dtype=F64)
    with wb.autodiff.ForwardAccumulator(x, wb.zeros([0, 3], dtype=F64)) as acc:
        ys = [wb.reduce_mean(x, 0), wb.reduce_max(x, 0), wb.reduce_min(x, 0), wb.reduce_logsumexp(x, 0),
              wb.math.reduce_variance(x, 0), wb.math.reduce_euclidean_norm(x, 0)]
    for y, want in zip(ys, [0.0, 0.0, 0.0, NAN, 0.0, 0.0]):
        close(acc.jvp(y).numpy(), [want] * 3)


def test_euclidean_norm_gradient_is_x_over_norm():
    # TF's EuclideanNorm gradient x / (norm / g): NaN at a zero norm, as written for complex input
    x = c64([[3., -4.], [0., 0.]])
    with wb.GradientTape() as tape:
        tape.watch(x)
        n = wb.math.reduce_euclidean_norm(x, axis=1)
    close(tape.gradient(n, x, output_gradients=c64([2., 1.])).numpy(), [[1.2, -1.6], [NAN, NAN]])
    with wb.autodiff.ForwardAccumulator(x, c64([[1., 2.], [3., 4.]])) as acc:
        n = wb.math.reduce_euclidean_norm(x, axis=1)
    close(acc.jvp(n).numpy(), [-1.0, NAN])
    assert wb.math.reduce_euclidean_norm(wb.constant([3, 4])).numpy() == 5   # ints stay ints
    z = wb.constant([3 + 4j, 1 - 1j, 0j, -2 + 0.5j], dtype=wb.complex128)
    with wb.GradientTape() as tape:
        tape.watch(z)
        n = wb.math.reduce_euclidean_norm(z)
    assert n.dtype == wb.complex128
    np.testing.assert_allclose(n.numpy(), 5.5901699437494745)
    np.testing.assert_allclose(tape.gradient(n, z, output_gradients=wb.constant(0.5 - 1j, dtype=wb.complex128)).numpy(),
                               [0.9838699100999075 - 0.17888543819998318j, -0.08944271909999159 - 0.2683281572999747j,
                                0, -0.08944271909999159 + 0.40249223594996214j], rtol=1e-14)


def test_complex_sign_is_x_over_abs_and_differentiates():
    z = wb.constant([3 + 4j, 1 - 1j, 0j, -2 + 0.5j], dtype=wb.complex128)
    with wb.GradientTape() as tape:
        tape.watch(z)
        s = wb.math.sign(z)
    g = tape.gradient(s, z, output_gradients=wb.constant([0.25 - 0.5j, 0.5, 0.75 + 0.5j, 1.0], dtype=wb.complex128))
    np.testing.assert_allclose(g.numpy(), [0.08 - 0.06j, 0.1767766952966369 + 0.17677669529663684j, 0,
                                           0.02853360294545093 + 0.11413441178180375j], rtol=1e-14, atol=1e-17)


def test_empty_segments_max_and_min_tangents_are_nan():
    d = c64([[1., 2.], [3., 0.5], [2., 2.]])
    with wb.autodiff.ForwardAccumulator(d, c64([[1., 1.], [2., 3.], [1., 1.]])) as acc:
        y1 = wb.math.segment_min(d, [0, 0, 2])
        y2 = wb.math.unsorted_segment_max(d, [0, 2, 0], 4)
    close(acc.jvp(y1).numpy(), [[1.0, 3.0], [NAN, NAN], [1.0, 1.0]])
    close(acc.jvp(y2).numpy(), [[1.0, 1.0], [NAN, NAN], [2.0, 3.0], [NAN, NAN]])


def test_gelu_uses_tfs_float32_constants():
    # TF casts 0.7071067811865476 (exact) and 0.044715 (approximate) from float32 constants
    x = c64([-2.0, -0.5, 0.3, 2.5])
    g, gg = grad_and_second(wb.nn.gelu, x.numpy(), np.ones(4), np.ones(4))
    close(wb.nn.gelu(x).numpy(), [-0.04550026759242268, -0.1542687708693288, 0.18537342606924007, 2.484475834810659])
    close(g, [-0.08523180477426104, 0.1325048806160109, 0.7323277630870388, 1.0376110890954762])
    close(gg, [-0.10798193117834375, 0.6161143169419341, 0.7284507173596105, -0.07449528004126002])
    close(wb.nn.gelu(x, approximate=True).numpy(),
          [-0.04540230678804602, -0.15428599020775666, 0.1853709235380408, 2.4849157333319907], rtol=1e-12)


def test_complex_det_slogdet_and_l2_normalize_as_tf():
    z = wb.constant([[3 + 4j, 1 - 1j], [0.5j, -2 + 0.5j]], dtype=wb.complex128)
    g = wb.constant(1 - 0.5j, dtype=wb.complex128)
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(z)
        d = wb.linalg.det(z)
        sign, logabs = wb.linalg.slogdet(z)
        n = wb.math.l2_normalize(z, axis=1)
    np.testing.assert_allclose(d.numpy(), -8.5 - 7j)
    assert logabs.dtype == wb.complex128   # TF: complex, with a zero imaginary part
    np.testing.assert_allclose(sign.numpy(), -0.7719302356170497 - 0.6357072528610997j)
    np.testing.assert_allclose(logabs.numpy(), 2.3989272649087963)
    # TF's rules: g * det * inv(z, adjoint=True) (det not conjugated) and g * inv(z, adjoint=True)
    np.testing.assert_allclose(tape.gradient(d, z, output_gradients=g).numpy(), [
        [-0.9221649484536084 - 2.112371134020618j, -0.44278350515463916 + 0.3412371134020618j],
        [0.20309278350515464 - 1.5680412371134018j, 5.589690721649483 - 0.07319587628865976j]], rtol=1e-13)
    np.testing.assert_allclose(tape.gradient(logabs, z, output_gradients=g).numpy(), [
        [0.1865979381443299 + 0.09484536082474226j, 0.011340206185567015 - 0.04948453608247422j],
        [0.07628865979381443 + 0.12164948453608246j, -0.3876288659793814 + 0.3278350515463917j]], rtol=1e-13)
    np.testing.assert_array_equal(tape.gradient(sign, z).numpy(), np.zeros((2, 2)))   # TF: zeros, not None
    np.testing.assert_allclose(n.numpy(), [[0.5773502691896257 + 0.769800358919501j, 0.19245008972987526 - 0.19245008972987526j],
                                           [0.23570226039551587j, -0.9428090415820635 + 0.23570226039551587j]], rtol=1e-14)
    np.testing.assert_allclose(tape.gradient(n, z, output_gradients=wb.constant([[1 + 1j, 0.5], [2, -1j]],
                                                                                 dtype=wb.complex128)).numpy(), [
        [0.03207501495497919 - 0.021383343303319508j, 0.04276668660663894 + 0.05345835825829869j],
        [0.9428090415820635 + 0.02618914004394621j, -0.10475656017578484 - 0.4452153807470855j]], rtol=1e-12)
    with wb.autodiff.ForwardAccumulator(z, wb.constant([[1 + 0.5j, 0.25], [-1j, 2.0]], dtype=wb.complex128)) as acc:
        d = wb.linalg.det(z)
        _, logabs = wb.linalg.slogdet(z)
    np.testing.assert_allclose(acc.jvp(d).numpy(), 9.13041237113402 - 3.055927835051546j, rtol=1e-13)
    np.testing.assert_allclose(acc.jvp(logabs).numpy(), -0.8164948453608246 - 0.3128865979381443j, rtol=1e-13)


@pytest.mark.parametrize("use_pfor", [True, False])
def test_batch_jacobian_of_an_unconnected_target_is_zeros(use_pfor):
    # TF 2.21's batch_jacobian ignores unconnected_gradients there (jacobian gives None)
    x = c64([[1., 2.], [3., 4.]])
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = wb.stop_gradient(x) * 2.0
        k = wb.cast(x, wb.int32)
    assert tape.jacobian(y, x, experimental_use_pfor=use_pfor) is None
    j = tape.batch_jacobian(y, x, experimental_use_pfor=use_pfor)
    assert j.dtype == F64 and j.shape == (2, 2, 2)
    np.testing.assert_array_equal(j.numpy(), np.zeros((2, 2, 2)))
    j = tape.batch_jacobian(k, x, experimental_use_pfor=use_pfor)
    assert j.dtype == wb.int32 and j.shape == (2, 2, 2)


@pytest.mark.parametrize("sparse_gradient", [False, True])
def test_sparse_segment_gradients_are_dense_unless_asked(sparse_gradient):
    x = c64([[1., 2.], [3., 4.], [5., 6.]])
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(x)
        ys = [wb.sparse.segment_sum(x, [0, 2, 2], [0, 0, 1], sparse_gradient=sparse_gradient),
              wb.sparse.segment_mean(x, [0, 2, 2], [0, 0, 1], sparse_gradient=sparse_gradient),
              wb.sparse.segment_sqrt_n(x, [0, 2, 2], [0, 0, 2], sparse_gradient=sparse_gradient)]
    wants = [[[1.0, 2.0], [0.0, 0.0], [4.0, 6.0]], [[0.5, 1.0], [0.0, 0.0], [3.5, 5.0]],
             [[0.7071067811865475, 1.414213562373095], [0.0, 0.0], [5.707106781186548, 7.414213562373095]]]
    for y, want in zip(ys, wants):   # TF 2.21
        g = tape.gradient(y, x, output_gradients=wb.reshape(wb.range(1, wb.size(y) + 1, dtype=F64), y.shape))
        assert isinstance(g, wb.IndexedSlices) == sparse_gradient
        close(wb.convert_to_tensor(g).numpy(), want)


@pytest.mark.parametrize("f,first,second,tangent", [
    # SegmentProd divides the product by the row with its zeros set to 1 ...
    (lambda x: wb.math.segment_prod(x, [0, 0, 1]), [[0.5, 0.0, 2.25], [0.0, 0.5, 0.0], [1.0, 1.25, 1.5]],
     [[0.25, 0.625, 1.125], [0.0625, 0.25, 0.5625], [0.0, 0.0, 0.0]], [[2.0, 1.0, 3.0], [1.0, 1.0, 1.0]]),
    # ... UnsortedSegmentProd by the row itself (0 / 0 in the unpicked branch: NaN second derivatives)
    (lambda x: wb.math.unsorted_segment_prod(x, [0, 1, 0], 3), [[0.0, 0.0, 0.0], [1.0, 1.25, 1.5], [0.0, 0.5, 0.0]],
     [[NAN, NAN, NAN], [0.0, NAN, 0.0], [NAN, NAN, NAN]], [[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]),
])
def test_segment_products_with_zeros_differentiate_as_tf(f, first, second, tangent):
    x = [[0., 1., 0.], [2., 0., 3.], [0., 0., 0.]]
    y = f(c64(x))
    g, gg = grad_and_second(f, x, np.arange(1, y.numpy().size + 1).reshape(y.shape) / 4.0,
                            np.arange(1, 10).reshape(3, 3) / 4.0)
    close(g, first)
    close(gg, second)
    close(jvp(f, [x], [np.ones((3, 3))]), tangent)


def test_complex_tangents_of_rules_tf_writes_unconjugated():
    # TF's forward mode transposes xlogy/xdivy/xlog1py/squared_difference/cumprod's rules as TF
    # writes them (not conjugated): the tangents meet the conjugate partials
    c = wb.complex128
    z, w = wb.constant([3 + 4j, 1 - 1j, -2 + 0.5j], dtype=c), wb.constant([0.5 - 1j, 2 + 1j, 1 + 1j], dtype=c)
    tz, tw = wb.constant([1 + 0.5j, -1j, 0.25], dtype=c), wb.constant([0.5, 1 + 1j, -2j], dtype=c)
    with wb.autodiff.ForwardAccumulator([z, w], [tz, tw]) as acc:
        ys = [wb.math.xlogy(z, w), wb.math.xdivy(z, w), wb.math.xlog1py(z, w), wb.math.squared_difference(z, w),
              wb.math.cumprod(z)]
    wants = [[-1.4420025832399403 - 0.8370653943773572j, -0.8636476090008061 - 0.0047189562170502075j,
              -2.4133566024300066 + 1.303650459150638j],
             [2.8 - 0.6j, 0.52 - 0.64j, 2.125 + 0.625j],
             [0.37224927332011615 - 0.5019490319824058j, -0.5217505543966421 - 0.551292546497023j,
              -0.9988202609457374 + 1.2840880977497984j],
             [7.5 - 2.5j, 10, -3.5 - 11.75j],
             [1 + 0.5j, -3.5 - 1.5j, 8 + 4.5j]]
    for y, want in zip(ys, wants):   # TF 2.21
        np.testing.assert_allclose(acc.jvp(y).numpy(), want, rtol=1e-13)


def test_complex_expm_gradient_and_tangent():
    c = wb.complex128
    z = wb.constant([[0.3 + 0.4j, 0.1 - 0.1j], [0.05j, -0.2 + 0.05j]], dtype=c)
    with wb.GradientTape() as tape:
        tape.watch(z)
        y = wb.linalg.expm(z)
    np.testing.assert_allclose(y.numpy(), [[1.2452191901500038 + 0.5292343814777003j, 0.12792094868207912 - 0.07755507007405285j],
                                           [-0.01259146965200656 + 0.05136900468903299j,
                                            0.8196694308237197 + 0.04373665213440371j]], rtol=1e-13)
    np.testing.assert_allclose(tape.gradient(y, z, output_gradients=wb.constant([[1 + 1j, 0.5], [2, -1j]], dtype=c)).numpy(),
                               [[1.790846459384535 + 0.6799734928294804j, 0.508419778212122 - 0.15771984303259326j],
                                [2.1289110179427904 - 0.4505890304116227j, -0.021352004854208382 - 0.8476185893219359j]],
                               rtol=1e-13)
    with wb.autodiff.ForwardAccumulator(z, wb.constant([[1 + 0.5j, 0.25], [-1j, 2.0]], dtype=c)) as acc:
        y = wb.linalg.expm(z)
    np.testing.assert_allclose(acc.jvp(y).numpy(), [[0.9413815055285686 + 1.0879075618852023j, 0.4570548181525982 - 0.018610306270731722j],
                                                    [0.22216885799596398 - 0.9569357314711101j,
                                                     1.5978564180429702 + 0.03633102142648632j]], rtol=1e-13)


def test_complex_cholesky_and_triangular_solve_as_tf():
    c = wb.complex128
    m = wb.constant([[2 + 0j, 0.5 - 1j], [0.5 + 1j, 3 + 0j]], dtype=c)
    l0 = wb.constant([[2 + 0.5j, 0], [1 - 1j, 3 + 0j]], dtype=c)
    b = wb.constant([[1 + 1j], [0.5 - 2j]], dtype=c)
    with wb.GradientTape(persistent=True) as tape:
        tape.watch([m, l0, b])
        low = wb.linalg.cholesky(m)
        x = wb.linalg.triangular_solve(l0, b, lower=True, adjoint=True)   # the conjugate transpose, as TF
    np.testing.assert_allclose(low.numpy(), [[1.4142135623730951, 0], [0.35355339059327373 + 0.7071067811865475j,
                                                                       1.541103500742244]], rtol=1e-14)
    np.testing.assert_allclose(tape.gradient(low, m, output_gradients=wb.constant([[1 + 1j, 0], [2 - 0.5j, -1j]], dtype=c)).numpy(),
                               [[0.26516504294495535, 0.7071067811865475 + 0.17677669529663687j],
                                [0.7071067811865475 - 0.17677669529663687j, 0]], rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(x.numpy(), [[-0.09803921568627445 + 0.7254901960784313j],
                                           [0.16666666666666666 - 0.6666666666666666j]], rtol=1e-13)
    gl, gb = tape.gradient(x, [l0, b], output_gradients=wb.constant([[0.5j], [1 + 0j]], dtype=c))
    np.testing.assert_allclose(gl.numpy(), [[-0.16493656286043828 - 0.06574394463667818j, 0],
                                            [0.14705882352941177 + 0.0784313725490196j,
                                             -0.07843137254901959 + 0.14705882352941174j]], rtol=1e-13)
    np.testing.assert_allclose(gb.numpy(), [[0.058823529411764705 + 0.23529411764705882j],
                                            [0.2352941176470588 - 0.0588235294117647j]], rtol=1e-13)
    with wb.autodiff.ForwardAccumulator(m, wb.constant([[1 + 0j, 0.5 + 0.5j], [0.5 - 0.5j, 2 + 0j]], dtype=c)) as acc:
        low = wb.linalg.cholesky(m)
    np.testing.assert_allclose(acc.jvp(low).numpy(), [[0.35355339059327373, 0],
                                                      [0.2651650429449553 - 0.5303300858899106j, 0.831384783295158]],
                               rtol=1e-13, atol=1e-15)


def test_hermitian_eigh_as_tf():
    c = wb.complex128
    m = wb.constant([[2 + 0j, 0.5 - 1j, 0.2j], [0.5 + 1j, 3 + 0j, 1 + 0j], [-0.2j, 1 + 0j, -1 + 0j]], dtype=c)
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(m)
        e, v = wb.linalg.eigh(m)
        y1 = wb.math.real(e) * c64([1., 2., 3.])
        y2 = wb.abs(v) ** 2 * c64([[1., 2., 3.], [0.5, -1., 2.], [1., 0., -2.]])   # free of the vectors' phases
    assert e.dtype == c   # TF: complex eigenvalues (with zero imaginary parts) for complex input
    np.testing.assert_allclose(e.numpy(), [-1.2992945041134008, 1.4557936867235255, 3.8435008173898755], rtol=1e-13)
    np.testing.assert_allclose(tape.gradient(y1, m).numpy(), [
        [2.2310339982665273, 0, 0], [0.41556171067550396 + 0.8267797100511982j, 2.657020616061573, 0],
        [0.010859278249522195 - 0.1271312825719222j, 0.761624040554067 - 0.0021718556499040753j, 1.1119453856718997]],
        rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tape.gradient(y2, m).numpy(), [
        [-0.23805281141222323, 0, 0], [-0.14891982885894733 - 0.27158557554878665j, 0.28608564588064517, 0],
        [-0.06563520542277025 + 0.00026988524494853117j, -0.08408468225865981 + 0.013127041084553967j,
         -0.048032834468421715]], rtol=1e-12, atol=1e-14)
    with wb.autodiff.ForwardAccumulator(m, wb.constant([[1 + 0j, 0.5 + 0.5j, 0], [0.5 - 0.5j, 2 + 0j, 1j],
                                                        [0, -1j, 0.5 + 0j]], dtype=c)) as acc:
        e, v = wb.linalg.eigh(m)
    np.testing.assert_allclose(acc.jvp(e).numpy(), [0.6492157256310357, 1.3039577695502502, 1.5468265048187149],
                               rtol=1e-12, atol=1e-15)


def test_nextafter_gradient_is_ones_for_x1_and_zeros_for_x2():
    x1, x2 = c64([[1.5, 0.0, -2.0]]), c64([0.5, 0.0, 3.0])
    with wb.GradientTape() as tape:
        tape.watch([x1, x2])
        y = wb.math.nextafter(x1, x2)
    g1, g2 = tape.gradient(y, [x1, x2], output_gradients=c64([[1., 2., 3.]]))
    np.testing.assert_array_equal(g1.numpy(), [[1., 2., 3.]])   # TF 2.21: dense zeros for x2, not None
    np.testing.assert_array_equal(g2.numpy(), [0., 0., 0.])
    with wb.autodiff.ForwardAccumulator([x1, x2], [c64([[1., 2., 3.]]), c64([4., 5., 6.])]) as acc:
        y = wb.math.nextafter(x1, x2)
    np.testing.assert_array_equal(acc.jvp(y).numpy(), [[1., 2., 3.]])


def test_softmax_cross_entropy_gradients_are_tfs_rule():
    # labels whose rows do not sum to 1: TF's logits gradient g * (softmax - labels) is not the
    # derivative; the labels get no second derivative (dense zeros)
    labels, logits = c64([[0.5, 0.2, 0.0], [0.3, 0.3, 0.9]]), c64([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
    with wb.GradientTape(persistent=True) as outer:
        outer.watch([labels, logits])
        with wb.GradientTape() as tape:
            tape.watch([labels, logits])
            y = wb.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        gl, gz = tape.gradient(y, [labels, logits], output_gradients=c64([1.0, 2.0]))
        s = wb.reduce_sum(gz * c64([[1., 2., 3.], [4., 5., 6.]])) + wb.reduce_sum(gl * c64([[0.5, 1., 0.], [1., 0., 2.]]))
    close(y.numpy(), [1.4853241751110664, 1.8061959080050924])
    close(gl.numpy(), [[2.4076059644443806, 1.4076059644443804, 0.4076059644443804],
                       [1.2082612106734567, 4.208261210673457, 2.2082612106734567]])
    close(gz.numpy(), [[-0.40996942682961957, 0.0447284710547976, 0.6652409557748218],
                       [0.4930987745323593, -0.3560966953805423, -1.137002079151817]], rtol=1e-12)
    ggl, ggz = outer.gradient(s, [labels, logits])
    np.testing.assert_array_equal(ggl.numpy(), np.zeros((2, 3)))
    close(ggz.numpy(), [[-0.5067712338542415, -0.7736776508874337, 1.2804488847416748],
                        [0.4212689071084661, 0.7841614236249834, -1.2054303307334489]], rtol=1e-12)
    with wb.autodiff.ForwardAccumulator([labels, logits], [wb.ones_like(labels), c64([[1., 0., 0.], [0., 1., 0.]])]) as acc:
        y = wb.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    close(acc.jvp(y).numpy(), [3.8128484665035223, 3.634343468319914])
    close(wb.nn.softmax_cross_entropy_with_logits(labels=wb.transpose(labels), logits=wb.transpose(logits), axis=0).numpy(),
          [1.4853241751110664, 1.8061959080050924])


@pytest.mark.parametrize("use_pfor", [True, False])
def test_batch_jacobian_wants_rank_two(use_pfor):
    x = c64([[1., 2.], [3., 4.]])
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = wb.reduce_sum(x * x, axis=1)
    with pytest.raises(ValueError, match=r"Shape \(2,\) must have rank at least 2"):   # TF 2.21's words
        tape.batch_jacobian(y, x, experimental_use_pfor=use_pfor)
    with pytest.raises(ValueError, match=r"Shape \(2,\) must have rank at least 2"):
        tape.batch_jacobian(x * 2.0, x[:, 0], experimental_use_pfor=use_pfor)


def test_pow_tangents_count_the_unwatched_operand_with_a_zero_tangent():
    # TF's forward mode gives the unwatched operand a zero tangent: 0 * (x^y log x) is NaN at
    # x = 0 for y < 0 (and 0 * (y x^(y-1)) likewise)
    x, y = [0.0, 2.0, -1.0, 0.0], [-1.0, 0.5, 2.0, 0.5]
    close(jvp(lambda a: wb.pow(a, -1.0), [x], [np.ones(4)]), [NAN, -0.25, -1.0, NAN])
    close(jvp(lambda a: wb.pow(a, c64(y)), [x], [np.ones(4)]), [NAN, 0.3535533905932738, -2.0, INF])
    close(jvp(lambda a: a ** 2.0, [x], [np.ones(4)]), [0.0, 4.0, -2.0, 0.0])
    close(jvp(lambda b: wb.pow(c64(x), b), [y], [np.ones(4)]), [NAN, 0.9802581434685472, 0.0, NAN])


def test_reduce_prod_over_no_axes_and_empty_axes():
    g, gg = grad_and_second(lambda x: wb.reduce_prod(x, axis=[]), [[1., 3., 3.], [2., 2., -1.]], np.ones((2, 3)),
                            np.ones((2, 3)))
    np.testing.assert_array_equal(g, np.ones((2, 3)))
    np.testing.assert_array_equal(gg, np.zeros((2, 3)))   # TF 2.21: dense zeros, not None
    e = wb.zeros([0, 3], dtype=F64)
    with wb.GradientTape() as tape:
        tape.watch(e)
        y = wb.reduce_prod(e, axis=0)
    np.testing.assert_array_equal(y.numpy(), [1., 1., 1.])
    assert tape.gradient(y, e).shape == (0, 3)


def test_matrix_two_norm_of_zeros_has_zero_gradient():
    z = wb.zeros([2, 3], dtype=F64)
    with wb.GradientTape() as tape:
        tape.watch(z)
        y = wb.norm(z, ord=2, axis=[0, 1])   # TF: max(|singular values|), abs's 0 gradient at 0
    np.testing.assert_array_equal(tape.gradient(y, z).numpy(), np.zeros((2, 3)))


def test_forward_mode_gives_an_unwatched_operand_a_zero_tangent():
    # TF 2.21 transposes Mul/RealDiv/Xlogy's gradients with a zero tangent for the constant
    # operand: 0 * inf and 0 * nan are NaN
    x = c64([INF, 1.0, NAN])
    with wb.autodiff.ForwardAccumulator(x, c64([1., 1., 1.])) as acc:
        ys = [x * 2.0, 2.0 * x, x / 2.0, x * c64([2., 3., 4.]), wb.math.xlogy(x, c64(2.0)), x + 1.0, -x,
              wb.math.squared_difference(x, 1.0)]
    wants = [[NAN, 2.0, NAN], [NAN, 2.0, NAN], [NAN, 0.5, NAN], [NAN, 3.0, NAN], [NAN, 0.6931471805599453, NAN],
             [1.0, 1.0, 1.0], [-1.0, -1.0, -1.0], [INF, 0.0, NAN]]
    for y, want in zip(ys, wants):
        close(acc.jvp(y).numpy(), want)


def test_complex_singular_values_gradient_and_tangent():
    c = wb.complex128
    z = wb.constant([[3 + 4j, 1 - 1j, 0.5], [0.5j, -2 + 0.5j, 1 + 1j]], dtype=c)
    with wb.GradientTape() as tape:
        tape.watch(z)
        s = wb.linalg.svd(z, compute_uv=False)
    assert s.dtype == F64   # TF: real singular values
    np.testing.assert_allclose(s.numpy(), [5.221306465365839, 2.547147187488168], rtol=1e-14)
    np.testing.assert_allclose(tape.gradient(s, z, output_gradients=c64([1.0, 2.0])).numpy(), [
        [0.5684568097095174 + 0.7674682121408235j, 0.18472270363910548 - 0.2204444506196076j,
         0.08164482772540212 + 0.014288698792200833j],
        [0.05715479516880337 + 0.3495579300791679j, -1.5839848046152825 + 0.3781353276635695j,
         0.7848480529115408 + 0.7777037035154402j]], rtol=1e-12)
    with wb.autodiff.ForwardAccumulator(z, wb.constant([[1 + 0.5j, 0.25, 0], [-1j, 2.0, 1]], dtype=c)) as acc:
        s = wb.linalg.svd(z, compute_uv=False)
    close(acc.jvp(s).numpy(), [1.0027954947459086, -1.3685516947271972], rtol=1e-12)
    with wb.GradientTape() as tape:
        tape.watch(z)
        s, u, v = wb.linalg.svd(z)
        y = wb.math.real(u)
    np.testing.assert_allclose((u.numpy() * s.numpy()) @ v.numpy().conj().T, z.numpy(), atol=1e-13)
    with pytest.raises(NotImplementedError, match="singular vectors of a complex matrix"):
        tape.gradient(y, z)


def test_complex_qr_gradient_and_tangent_as_tf():
    c = wb.complex128
    z = wb.constant([[3 + 4j, 1 - 1j], [0.5j, -2 + 0.5j], [1.0, 0.5 + 0.5j]], dtype=c)
    with wb.GradientTape(persistent=True) as tape:
        tape.watch(z)
        q, r = wb.linalg.qr(z)
        y = wb.math.real(r) * c64([[1., 2.], [0., 3.]]) + wb.math.imag(r)
        w = wb.abs(q) ** 2 * c64([[1., 2.], [0.5, -1.], [1., 0.]])
    np.testing.assert_allclose(r.numpy(), [[-5.123475382979799, 0.04879500364742673 + 1.0734900802433867j],
                                           [0, 2.3654255632418653]], rtol=1e-14, atol=1e-15)
    # TF's QR gradient with its correction for complex input (R's real diagonal)
    np.testing.assert_allclose(tape.gradient(y, z).numpy(), [
        [-1.0008347028887359 - 0.42827236312837524j, -0.14878465250790338 - 2.569737069661915j],
        [0.7918389705661524 - 0.14003492114066837j, -2.5718179049253274 + 0.4449947335897938j],
        [-0.33786436122975666 - 0.2244170800473959j, 0.255854103416875 + 0.7046882635116667j]], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tape.gradient(w, z).numpy(), [
        [-0.02503007178425922 - 0.021639612839250675j, 0.012892711634223607 - 0.04809416025350834j],
        [-0.02381530104119512 + 0.09681743516781988j, 0.13089723856948862 - 0.026770484382073405j],
        [0.11323994912587032 - 0.04710909913988229j, 0.16708374830239922 + 0.2613019465821637j]], rtol=1e-12, atol=1e-14)
    with wb.autodiff.ForwardAccumulator(z, wb.constant([[1 + 0.5j, 0.25], [-1j, 2.0], [0.5, 1j]], dtype=c)) as acc:
        q, r = wb.linalg.qr(z)
    np.testing.assert_allclose(acc.jvp(r).numpy(), [[-0.9759000729485332, -0.20447430099874028 + 0.6250407610075128j],
                                                    [0, -1.6534013131515322]], rtol=1e-12, atol=1e-14)


def test_complex_zero_to_the_zero_is_nan_as_tf():
    z = wb.constant([0j, 2 + 1j, 0j], dtype=wb.complex128)
    w = wb.constant([0j, 0.5 - 1j, 2 + 0j], dtype=wb.complex128)
    np.testing.assert_allclose(wb.pow(z, w).numpy(), [complex(NAN, NAN), 1.9978120114897202 - 1.2887101242399013j, 0])   # TF 2.21


def test_angle_tangent_is_nan_at_zero():
    z = wb.constant([3 + 4j, 1 - 1j, 0j, -2 + 0.5j], dtype=wb.complex128)
    with wb.autodiff.ForwardAccumulator(z, wb.constant([1 + 0.5j, -1j, 0.25, 2.0], dtype=wb.complex128)) as acc:
        a = wb.math.angle(z)
    close(acc.jvp(a).numpy(), [-0.1, -0.5, NAN, -0.23529411764705882])   # TF 2.21


@pytest.mark.parametrize("x,exclusive,reverse,tangent,gradient", [
    ([-INF, 1.0, 2.0], False, False, [NAN, 2.0, 2.731058578630005], [NAN, 2.8068242641099848, 2.1931757358900144]),
    ([1.0, 0.0, 2.0], True, False, [NAN, 1.0, 1.2689414213699952], [4.193175735890015, 0.8068242641099854, 0.0]),
    ([1.0, 0.0, 2.0], True, True, [2.880797077977881, 2.9999999999999996, NAN], [0.0, 0.11920292202211753, 2.880797077977882]),
    ([INF, 1.0, 2.0], False, False, [NAN, NAN, NAN], [NAN, 0.0, 0.0]),
])
def test_cumulative_logsumexp_at_infinite_outputs(x, exclusive, reverse, tangent, gradient):
    # TF's rule scans log(g) - out with grad.dtype.min for log(0): NaN where out or x is infinite
    f = lambda v: wb.math.cumulative_logsumexp(v, exclusive=exclusive, reverse=reverse)
    close(jvp(f, [x], [[1.0, 2.0, 3.0]]), tangent, rtol=1e-12)
    g, _ = grad_and_second(f, x, [1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
    close(g, gradient, rtol=1e-12)


def test_cumulative_logsumexp_second_derivative_is_tfs():
    g, gg = grad_and_second(wb.math.cumulative_logsumexp, [1.0, -INF, 2.0, 2.0], [0.25, 0.5, 0.75, 1.0],
                            [0.75, 1.0, 1.25, 1.5])
    close(gg, [-0.1557450543884369, 0.0, 0.06194741489555655, 0.09379763949288056], rtol=1e-12)   # TF 2.21


@pytest.mark.parametrize("x,first,second", [
    ([[0., 0., 0.], [0., 0., 0.]], np.zeros((2, 3)), np.zeros((2, 3))),
    # rank one: a zero singular value, TF's safe reciprocal of it in the second derivative
    ([[1., 2., 0.5], [0., 0., 0.]], [[0.4364357804719847, 0.8728715609439694, 0.21821789023599236], [0.0, 0.0, 0.0]],
     [[-0.10391328106475817, -0.20782656212951647, 1.0391328106475826],
      [1.4132206224807125, 2.826441244961425, 0.7066103112403562]]),
])
def test_matrix_two_norm_second_derivative_at_zero_singular_values(x, first, second):
    g, gg = grad_and_second(lambda v: wb.norm(v, ord=2, axis=[0, 1]), x, 1.0, [[1., 2., 3.], [4., 5., 6.]])
    close(g, first, rtol=1e-12)
    close(gg, second, rtol=1e-12)
