"""What TFP's tutorial notebooks Eight_Schools, Bayesian_Switchpoint_Analysis,
Bayesian_Gaussian_Mixture_Model, Gaussian_Copula and Variational_Inference_and_Joint_Distributions
use, with the values TF 2.21 / TFP 0.25 give pinned."""

import numpy as np
import pytest

import probability as tfp
import workbench as wb

tfd, tfb = tfp.distributions, tfp.bijectors


# -- Variational_Inference_and_Joint_Distributions ----------------------------------------------

def test_pack_sequence_as_takes_a_range():
    # the notebook packs ``range(len(flat_event_shape))`` into the event structure
    assert wb.nest.pack_sequence_as({"a": 1, "b": (2, 3)}, range(3)) == {"a": 0, "b": (1, 2)}
    with pytest.raises(TypeError, match="flat_sequence"):
        wb.nest.pack_sequence_as((1, 2), "ab")
    with pytest.raises(TypeError, match="flat_sequence"):
        wb.nest.pack_sequence_as((1, 2), np.array([5, 6]))


def test_nest_treats_a_tensor_shape_as_a_leaf():
    # TF's nest: a TensorShape is a leaf (the notebook maps ``lambda e: tf.zeros([n] + list(e))``
    # over a joint distribution's event_shape)
    s = wb.TensorShape([3, 2])
    assert wb.nest.flatten((s, wb.TensorShape([]))) == [s, wb.TensorShape([])]
    assert not wb.nest.is_nested(s)
    assert wb.nest.map_structure(lambda e: [4] + list(e), {"a": wb.TensorShape([3]), "b": wb.TensorShape([])}) == \
        {"a": [4, 3], "b": [4]}


def _notebook_block_operator(seed=(1, 2)):
    la = wb.linalg
    operators = ((la.LinearOperatorDiag,),
                 (la.LinearOperatorFullMatrix, la.LinearOperatorDiag),
                 (None, None, la.LinearOperatorDiag))
    # block_dims as the notebook gives them: reduce_prod of event shapes (tensors)
    dims = [wb.reduce_prod(wb.constant(s, dtype=wb.int32)) for s in ([], [], [3])]
    return tfp.experimental.vi.util.build_trainable_linear_operator_block(operators, dims, seed=seed)


def test_build_trainable_linear_operator_block_lower_triangular():
    # TFP 0.25: a 5x5 LinearOperatorBlockLowerTriangular; blocks Diag / FullMatrix, Diag /
    # Zeros, Zeros, Diag; 4 trainable variables of shapes [1], [1, 1], [1], [3] drawn from
    # Normal(0, 1e-2); the diagonal is |v| + eps
    op = _notebook_block_operator()
    la = wb.linalg
    assert isinstance(op, la.LinearOperatorBlockLowerTriangular)
    assert list(op.shape) == [5, 5] and op.dtype == wb.float32
    kinds = [[type(b).__name__ for b in row] for row in op.operators]
    assert kinds == [["LinearOperatorDiag"], ["LinearOperatorFullMatrix", "LinearOperatorDiag"],
                     ["LinearOperatorZeros", "LinearOperatorZeros", "LinearOperatorDiag"]]
    assert [list(v.shape) for v in op.trainable_variables] == [[1], [1, 1], [1], [3]]
    d, m, d1, d2 = [v.numpy() for v in op.trainable_variables]
    dense = op.to_dense().numpy()
    eps = np.finfo(np.float32).eps
    np.testing.assert_allclose(np.diag(dense), np.abs(np.concatenate([d, d1, d2])) + eps, rtol=1e-6)
    assert dense[1, 0] == m[0, 0] and np.all(dense[2:, :2] == 0) and np.all(np.triu(dense, 1) == 0)
    assert np.all(np.abs(np.concatenate([d, m.ravel(), d1, d2])) < 0.1)   # Normal(0, 1e-2) draws
    # the same seed gives the same operator; the variables are read at every use
    np.testing.assert_array_equal(_notebook_block_operator().to_dense().numpy(), dense)
    op.trainable_variables[3].assign([-1.0, 2.0, 3.0])
    np.testing.assert_allclose(np.diag(op.to_dense().numpy())[2:], [1.0, 2.0, 3.0], rtol=1e-6)


def test_build_trainable_linear_operator_block_trains_through_a_bijector():
    op = _notebook_block_operator()
    b = tfb.ScaleMatvecLinearOperatorBlock(op)
    x = [wb.ones([1]), wb.ones([1]), wb.ones([3])]
    v = op.trainable_variables[1]          # the off-diagonal full-matrix block
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(b.forward(x)[1])
    assert tape.gradient(y, v).numpy().tolist() == [[1.0]]


def test_build_trainable_linear_operator_block_diag_and_batch():
    la = wb.linalg
    op = tfp.experimental.vi.util.build_trainable_linear_operator_block(
        (la.LinearOperatorDiag, la.LinearOperatorLowerTriangular), block_dims=[2, 3], batch_shape=[2], seed=3)
    assert isinstance(op, la.LinearOperatorBlockDiag) and list(op.shape) == [2, 5, 5]
    assert [list(v.shape) for v in op.trainable_variables] == [[2, 2], [2, 6]]
    dense = op.to_dense().numpy()
    assert np.all(np.triu(dense, 1) == 0) and np.all(np.diagonal(dense, axis1=-2, axis2=-1) > 0)
    # instances need no block_dims; anything else does (TFP's message)
    fixed = tfp.experimental.vi.util.build_trainable_linear_operator_block(
        (la.LinearOperatorDiag(wb.ones([2, 3])), la.LinearOperatorIdentity(2)))
    assert list(fixed.shape) == [2, 5, 5] and fixed.trainable_variables == ()
    with pytest.raises(ValueError, match="block_dims"):
        tfp.experimental.vi.util.build_trainable_linear_operator_block((la.LinearOperatorDiag,))
    with pytest.raises(ValueError, match="row 1"):
        tfp.experimental.vi.util.build_trainable_linear_operator_block(((la.LinearOperatorDiag,), (None,)), [1, 1])


def test_build_trainable_linear_operator_block_custom_constructor():
    # TFP's docstring example, its first row a 1-tuple (bare, as printed there, TFP 0.25 fails too):
    # a callable (shape, dtype) -> (init_fn, apply_fn); TFP's variables: [4], [4, 4], [10]
    def uniform_diag(shape, dtype):
        init = lambda seed: wb.random.stateless_uniform(shape, seed=tfp.random.sanitize_seed(seed), maxval=2.,
                                                        dtype=dtype)
        return init, lambda scale_diag: wb.linalg.LinearOperatorDiag(scale_diag, is_non_singular=True)
    la = wb.linalg
    op = tfp.experimental.vi.util.build_trainable_linear_operator_block(
        ((uniform_diag,), (la.LinearOperatorFullMatrix, la.LinearOperatorLowerTriangular)), block_dims=[4, 4],
        dtype=wb.float64, seed=5)
    assert list(op.shape) == [8, 8] and op.dtype == wb.float64
    assert [list(v.shape) for v in op.trainable_variables] == [[4], [4, 4], [10]]
    diag = np.diag(op.to_dense().numpy())[:4]
    assert np.all((diag >= 0) & (diag < 2))
    with pytest.raises(ValueError, match="flat or singly-nested"):
        tfp.experimental.vi.util.build_trainable_linear_operator_block(
            (uniform_diag, (la.LinearOperatorFullMatrix, la.LinearOperatorLowerTriangular)), block_dims=[4, 4])


def test_trainable_linear_operator_builders():
    u = tfp.experimental.vi.util
    assert list(u.build_trainable_linear_operator_diag([2, 3], seed=1).shape) == [2, 3, 3]
    tril = u.build_trainable_linear_operator_tril([3], seed=1)
    assert list(tril.shape) == [3, 3] and [list(v.shape) for v in tril.trainable_variables] == [[6]]
    full = u.build_trainable_linear_operator_full_matrix([2, 3], scale_initializer=1.0, seed=1)
    assert list(full.shape) == [2, 3] and full.to_dense().numpy().std() > 0.1
    z = u.build_linear_operator_zeros([2, 3])
    assert np.all(z.to_dense().numpy() == 0) and list(z.shape) == [2, 3]
    with pytest.raises(ValueError, match="shape"):
        u.build_trainable_linear_operator_full_matrix([3])


# -- Gaussian_Copula ------------------------------------------------------------------------------

def _warped_copula(corr):
    gauss = tfd.TransformedDistribution(
        tfd.MultivariateNormalTriL(loc=[0., 0.], scale_tril=[[1., 0.], [corr, wb.sqrt(1. - corr ** 2)]]),
        tfb.NormalCDF())
    return tfd.TransformedDistribution(gauss, tfb.Blockwise([tfb.Invert(tfb.KumaraswamyCDF(2., 2.)),
                                                             tfb.Invert(tfb.GumbelCDF(loc=0., scale=1.))]))


def test_gaussian_copula_densities_as_tfp():
    pts = np.float32([[0.2, -1.5], [0.5, 0.3], [0.9, 2.5]])
    tfp_values = {0.: [-3.2456546, -0.6353531, -2.961882], -0.8: [-16.30913, -0.16996157, -12.745134],
                  0.8: [-1.9633956, -0.12914598, -1.4534435]}       # TFP 0.25
    for corr, want in tfp_values.items():
        np.testing.assert_allclose(_warped_copula(corr).log_prob(pts).numpy(), want, rtol=2e-6, atol=1e-6)
    gauss = tfd.TransformedDistribution(
        tfd.MultivariateNormalTriL(loc=[0., 0.], scale_tril=[[1., 0.8], [0., 0.6]]), tfb.NormalCDF())
    np.testing.assert_allclose(gauss.prob(np.float32([[0.1, 0.2], [0.5, 0.5], [0.9, 0.3]])).numpy(),
                               [0.8879874, 1.6666666, 1.3052375], rtol=2e-6)


def test_gaussian_copula_seeded_samples_as_tfp():
    # an int seed gives TF's numbers for small draws (TFP 0.25's, through Kumaraswamy/Gumbel quantiles)
    # (the first draw with seed=7 in a fresh process: TF's op-seed draws go on, call after call)
    want = [[0.5289391, -0.40388927], [0.80699, 2.9511504], [0.45726094, -0.03340749],
            [0.19840762, -0.22417443], [0.48122194, -0.25332484]]
    np.testing.assert_allclose(_warped_copula(0.8).sample(5, seed=7).numpy(), want, rtol=1e-5, atol=1e-6)


# -- Bayesian_Switchpoint_Analysis ----------------------------------------------------------------

def test_switchpoint_log_probs_as_tfp():
    data = np.array([4, 5, 4, 0, 1, 4, 3, 4, 0, 6, 3, 3, 4, 0, 2, 6, 3, 3, 5, 4, 5, 3, 1, 4, 4, 1, 5, 5, 3, 4, 2, 5, 2, 2, 3, 4, 2,
                     1, 3, 2, 2, 1, 1, 1, 1, 3, 0, 0, 1, 0, 1, 1, 0, 0, 3, 1, 0, 3, 2, 2, 0, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 2, 1, 0,
                     0, 0, 1, 1, 0, 2, 3, 3, 1, 1, 2, 1, 1, 1, 1, 2, 4, 2, 0, 0, 1, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1], np.float32)
    n = len(data)

    def model(rate_fn):
        return tfd.JointDistributionNamed(dict(
            e=tfd.Exponential(rate=1.), l=tfd.Exponential(rate=1.), s=tfd.Uniform(0., high=n),
            d_t=lambda s, l, e: tfd.Independent(tfd.Poisson(rate=rate_fn(np.arange(n), s, l, e)),
                                                reinterpreted_batch_ndims=1)))
    switch = model(lambda ys, s, l, e: wb.where(ys < s, e, l))
    sigmoid = model(lambda ys, s, l, e: e + wb.sigmoid(ys - s) * (l - e))
    got = [[float(m.log_prob(s=s, e=e, l=l, d_t=data)) for m in (switch, sigmoid)]
           for s, e, l in [(40., 3., .9), (60., 1., 5.), (-10., 1., 1.)]]
    np.testing.assert_allclose(got[:2], [[-176.94559, -176.28717], [-371.3125, -366.88162]], rtol=1e-6)
    assert got[2] == [-np.inf, -np.inf]
