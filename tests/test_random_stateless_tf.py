"""stateless_gamma, stateless_poisson and stateless_binomial give TF 2.21's numbers;
the gamma's gradients are TF's (values printed by TF 2.21, pinned here)."""

import numpy as np

import workbench as wb
from gradients import GradientTape
from workbench import random as R


def test_stateless_gamma_is_tfs_with_tfs_gradients():
    a = wb.constant([0.3, 1.7, 4.0], wb.float64)
    b = wb.constant([[2.0], [0.5]], wb.float64)
    with GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        x = R.stateless_gamma([2, 2, 3], seed=[3, 4], alpha=a, beta=b, dtype=wb.float64)
        loss = wb.reduce_sum(x * x)
    np.testing.assert_array_equal(x.numpy(), [
        [[1.9901727689966178e-03, 1.1373051029732306e+00, 6.2374552780566912e+00],
         [2.0856297348269735e-02, 2.6959751442955704e+00, 9.8562580158828386e+00]],
        [[4.9150960885584620e-02, 1.5621800454481644e-01, 2.5027235591393344e+00],
         [8.7684361271047606e-01, 3.2506462119438826e+00, 3.3206492023504763e+00]]])
    # TF's RandomGammaGrad and ours differ in how dF/dalpha is computed: a few ulps apart
    np.testing.assert_allclose(tape.gradient(loss, a).numpy(),
                               [6.592369276182716, 26.060119513405873, 67.95688472833436], rtol=1e-11)
    np.testing.assert_allclose(tape.gradient(loss, b).numpy(),
                               [[-46.48976029916488], [-507.10722272360175]], rtol=1e-14)


def test_stateless_gamma_float32_is_tfs_and_clips_at_the_smallest_normal():
    a = wb.constant([0.05, 0.9], wb.float32)
    with GradientTape() as tape:
        tape.watch(a)
        y = R.stateless_gamma([3, 2], seed=[7, 8], alpha=a)
    np.testing.assert_array_equal(y.numpy(), np.array(
        [[1.3130771e-01, 4.9975920e-01], [1.1754944e-38, 1.0511503e+00], [1.1504172e-02, 9.4655317e-01]],
        np.float32))
    np.testing.assert_allclose(tape.gradient(y, a).numpy(), [5.831147, 3.3823254], rtol=1e-5)
    np.testing.assert_array_equal(R.stateless_gamma([3, 2], seed=[12, 34], alpha=[0.5, 1.5]).numpy(), np.array(
        [[0.19419666, 3.570364], [0.10419229, 1.3254616], [0.27088356, 1.8016207]], np.float32))


def test_stateless_poisson_is_tfs():
    np.testing.assert_array_equal(
        R.stateless_poisson([3, 4], seed=[9, 10], lam=[0.5, 4.0, 30.0, 200.0], dtype=wb.int64).numpy(),
        [[1, 8, 37, 196], [0, 4, 28, 211], [1, 8, 29, 174]])
    p = R.stateless_poisson([6], seed=[11, 12], lam=wb.constant(2.5, wb.float64), dtype=wb.float32)
    assert p.dtype == np.float32
    np.testing.assert_array_equal(p.numpy(), [3., 4., 1., 1., 4., 2.])
    np.testing.assert_array_equal(R.stateless_poisson([4, 3], seed=[5, 6], lam=[0.5, 12.0, 150.0]).numpy(),
                                  [[0, 13, 151], [1, 9, 157], [0, 18, 143], [0, 11, 161]])


def test_parameters_not_ending_the_shape_broadcast_to_its_trailing_dimensions():
    # TF refuses alpha/lam whose shape is not the trailing dimensions of `shape`; here they are
    # broadcast to them first, giving TF's numbers for the broadcast parameters
    np.testing.assert_array_equal(
        R.stateless_gamma([1, 3, 2], seed=[1, 2], alpha=[[0.5], [1.75], [2.5]]).numpy().ravel(),
        np.array([0.0669536143541336, 0.6282354593276978, 2.986933946609497, 1.9294021129608154,
                  2.836852788925171, 1.9701486825942993], np.float32))
    np.testing.assert_array_equal(R.stateless_poisson([3, 2], seed=[1, 2], lam=[2.0]).numpy(),
                                  R.stateless_poisson([3, 2], seed=[1, 2], lam=[2.0, 2.0]).numpy())


def test_stateless_binomial_is_tfs():
    # inversion where count * p < 10, BTRS otherwise; p > 0.5 draws count - X(1 - p)
    np.testing.assert_array_equal(
        R.stateless_binomial([4, 3], [7, 8], [10.0, 40.0, 1000.0], [0.5, 0.3, 0.7]).numpy(),
        [[4, 12, 689], [4, 10, 667], [5, 9, 702], [7, 11, 700]])
    np.testing.assert_array_equal(
        R.stateless_binomial([3, 2, 2], [9, 9], [[3.0], [200.0]], [0.1, 0.8]).numpy(),
        [[[0, 3], [25, 154]], [[0, 2], [14, 162]], [[0, 3], [34, 162]]])
    np.testing.assert_array_equal(R.stateless_binomial([8], [5, 6], 5.0, 0.95).numpy(), [5, 4, 5, 5, 5, 5, 5, 5])
    np.testing.assert_array_equal(R.stateless_binomial([8], [5, 6], 50.0, 0.9).numpy(),
                                  [47, 41, 48, 45, 45, 47, 50, 45])
    d = R.stateless_binomial([6], [1, 2], wb.constant(25.0, wb.float64), wb.constant(0.4, wb.float64),
                             output_dtype=wb.float64)
    assert d.dtype == np.float64
    np.testing.assert_array_equal(d.numpy(), [13.0, 12.0, 14.0, 16.0, 8.0, 12.0])
    h = R.stateless_binomial([5], [3, 3], wb.constant(40.0, wb.float16), wb.constant(0.25, wb.float16),
                             output_dtype=wb.int64)
    np.testing.assert_array_equal(h.numpy(), [7, 9, 17, 12, 17])
    np.testing.assert_array_equal(R.stateless_binomial([4], [1, 1], [0.0, 7.0, 7.0, 9.0], [0.5, 1.0, 0.0, 0.5]).numpy(),
                                  [0, 7, 0, 6])


def test_stateless_binomial_is_tfs_in_large_draws():
    np.testing.assert_array_equal(R.stateless_binomial([2000], [4, 5], 300.0, 0.55).numpy()[-6:],
                                  [156, 187, 167, 159, 155, 166])
    assert int(R.stateless_binomial([2000], [4, 5], 8.0, 0.3).numpy().sum()) == 4724


def test_generator_binomial_is_tfs_and_moves_the_state_as_tfs():
    g = R.Generator.from_seed(7)
    np.testing.assert_array_equal(g.binomial([6], 30.0, 0.2).numpy(), [6, 5, 10, 4, 3, 5])
    np.testing.assert_array_equal(g.state.numpy(), [115207, 0, 0])
    np.testing.assert_array_equal(g.binomial([2, 2], [3.0, 60.0], 0.6).numpy(), [[3, 33], [1, 41]])
    np.testing.assert_array_equal(g.state.numpy(), [243207, 0, 0])


def test_binomial_in_a_function_reads_its_tensor_parameters_at_each_call():
    f = wb.function(lambda c, p: R.stateless_binomial([8], [5, 6], c, p))
    np.testing.assert_array_equal(f(wb.constant(5.0), wb.constant(0.95)).numpy(), [5, 4, 5, 5, 5, 5, 5, 5])
    np.testing.assert_array_equal(f(wb.constant(50.0), wb.constant(0.9)).numpy(), [47, 41, 48, 45, 45, 47, 50, 45])


def test_half_precision_gamma_and_poisson_are_tfs():
    g = R.stateless_gamma([3, 2], seed=[4, 5], alpha=wb.constant([0.7, 3.0], wb.float16), dtype=wb.float16)
    np.testing.assert_array_equal(g.numpy(), np.array(
        [[0.830078125, 4.80078125], [0.0343017578125, 1.7265625], [0.201904296875, 7.09765625]], np.float16))
    p = R.stateless_poisson([3, 2], seed=[4, 5], lam=wb.constant([0.7, 30.0], wb.float16), dtype=wb.float16)
    np.testing.assert_array_equal(p.numpy(), [[0.0, 27.0], [1.0, 33.0], [1.0, 32.0]])
