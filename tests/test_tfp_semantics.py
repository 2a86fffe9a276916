"""TFP 0.25 semantics found by running TFP's docstring examples: shapes as TensorShape, Python
inputs converted by TF's rules, broadcasting ``loc``, ``batch_ndims`` on the joint
distributions and the ``experimental_from_*`` constructors. Expected values were computed with
TFP 0.25 on TF 2.21."""

import numpy as np
import pytest

import probability as tfp
import workbench as wb

tfd = tfp.distributions
tfb = tfp.bijectors
psd = tfp.math.psd_kernels


# -- 1. shapes are TensorShapes ----------------------------------------------------------------
def test_batch_and_event_shape_are_tensor_shapes():
    d = tfd.Normal(0.0, [1.0, 2.0])
    assert isinstance(d.batch_shape, wb.TensorShape) and isinstance(d.event_shape, wb.TensorShape)
    assert d.batch_shape.as_list() == [2] and d.event_shape.as_list() == []
    assert d.batch_shape == (2,) and d.event_shape == ()          # still equal to tuples
    m = tfd.MultivariateNormalDiag(loc=[[0.0, 1.0]], scale_diag=[1.0, 2.0])
    assert m.batch_shape.as_list() == [1] and m.event_shape.as_list() == [2]
    assert tfd.Independent(tfd.Normal(wb.zeros([2, 3]), 1.0), 1).batch_shape.as_list() == [2]
    # an empty TensorShape is truthy (TF's rule); the library tests len() instead
    assert bool(tfd.Normal(0.0, 1.0).batch_shape)
    assert tfd.Normal(0.0, 1.0).entropy().shape == ()
    assert tfd.MixtureSameFamily(tfd.Categorical(logits=[0.0, 1.0]),
                                 tfd.Normal([0.0, 1.0], 1.0)).cdf(0.5).shape == ()


def test_bijector_and_kernel_shapes_are_tensor_shapes():
    fes = tfb.Exp().forward_event_shape([2])
    assert isinstance(fes, wb.TensorShape) and fes.as_list() == [2]
    assert tfb.Reshape([2, 1]).forward_event_shape([2]).as_list() == [2, 1]
    assert isinstance(tfb.Invert(tfb.Exp()).inverse_event_shape([3]), wb.TensorShape)
    assert tfb.Chain([tfb.Exp(), tfb.Reshape([2, 1])]).forward_event_shape([2]).as_list() == [2, 1]
    ebs = tfb.Scale([1.0, 2.0]).experimental_batch_shape()
    assert isinstance(ebs, wb.TensorShape) and ebs.as_list() == [2]
    k = psd.ExponentiatedQuadratic(amplitude=[1.0, 2.0])
    assert isinstance(k.batch_shape, wb.TensorShape) and k.batch_shape.as_list() == [2]
    assert (k + k).batch_shape.as_list() == [2]


def test_joint_distribution_shapes_are_structures_of_tensor_shapes():
    jd = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0), lambda x: tfd.Normal(x, [1.0, 2.0])])
    assert all(isinstance(s, wb.TensorShape) for s in jd.batch_shape + jd.event_shape)
    assert [s.as_list() for s in jd.batch_shape] == [[], [2]]
    jn = tfd.JointDistributionNamed(dict(a=tfd.Normal(0.0, 1.0), b=lambda a: tfd.Normal(a, [1.0, 2.0])))
    assert {k: v.as_list() for k, v in jn.batch_shape.items()} == {"a": [], "b": [2]}
    ab = tfd.JointDistributionSequentialAutoBatched([tfd.Normal(0.0, wb.ones([3]))])
    assert isinstance(ab.batch_shape, wb.TensorShape) and ab.batch_shape.as_list() == []
    assert ab.event_shape[0].as_list() == [3]


# -- 2. Python inputs take TF's dtypes ----------------------------------------------------------
def test_bijector_python_inputs_convert_by_tf_rules():
    assert tfb.Permute([2, 1, 0]).forward([-1.0, 0.0, 1.0]).dtype == np.float32   # TFP: float32
    assert tfb.Reshape([2, 1]).forward([3.0, 4.0]).dtype == np.float32
    assert tfb.FillTriangular().forward([1, 2, 3]).dtype == np.int32               # TFP: int32
    assert tfb.Exp().forward(np.array([1.0])).dtype == np.float64                  # arrays keep theirs
    assert tfb.Scale(np.float64(2.0)).forward([1.0]).dtype == np.float64          # the bijector's wins


def test_kernel_without_parameters_takes_its_inputs_dtype():
    assert psd.ExponentiatedQuadratic().dtype is None                              # TFP: None
    assert psd.ExponentiatedQuadratic(1.0).dtype == np.float32
    x = np.ones((2, 1))
    assert psd.ExponentiatedQuadratic().apply(x, x).dtype == np.float64
    assert psd.ExponentiatedQuadratic().apply([[1.0]], [[2.0]]).dtype == np.float32
    ip = np.linspace(-1.0, 1.0, 4)[:, None]
    gp = tfd.GaussianProcess(psd.ExponentiatedQuadratic(), ip)
    assert gp.dtype == np.float64 and gp.sample(3, seed=1).dtype == np.float64    # TFP: float64
    assert tfd.GaussianProcess(psd.ExponentiatedQuadratic(), [[1.0], [2.0]]).dtype == np.float32
    tp = tfd.StudentTProcess(3.0, psd.ExponentiatedQuadratic(), ip.astype(np.float32))
    assert tp.sample(2, seed=1).dtype == np.float32
    assert tfd.GaussianProcess(psd.ExponentiatedQuadratic(np.float32(1.0)), ip).dtype == np.float32


# -- 3. loc broadcasting, batch_ndims, experimental_from_* ---------------------------------------
def test_mvn_diag_scalar_loc_broadcasts():
    d = tfd.MultivariateNormalDiag(loc=0.0, scale_diag=[1.0, 2.0, 3.0])
    assert d.batch_shape == () and d.event_shape == (3,)
    np.testing.assert_allclose(d.mean().numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(d.log_prob([0.0, 1.0, 2.0]).numpy(), -4.8957973, rtol=1e-6)   # TFP's
    assert d.sample(2, seed=1).shape == (2, 3)
    d = tfd.MultivariateNormalDiag(loc=[[1.0], [2.0]], scale_diag=[1.0, 2.0, 3.0])
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    np.testing.assert_allclose(d.mean().numpy(), [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    with pytest.raises(ValueError, match="`loc` needs a last dimension"):
        tfd.MultivariateNormalDiag(loc=0.0)
    with pytest.raises(ValueError, match="event sizes differ"):
        tfd.MultivariateNormalDiag(loc=[0.0, 1.0], scale_diag=[1.0, 2.0, 3.0])


def test_joint_distribution_batch_ndims_makes_the_auto_batched_one():
    model = [tfd.Normal(0.0, wb.ones([3])), lambda x: tfd.Normal(x[..., None], wb.ones([3, 2]))]
    jd = tfd.JointDistributionSequential(model, batch_ndims=0)
    assert isinstance(jd, tfd.JointDistributionSequential)
    assert jd.batch_shape == () and [s.as_list() for s in jd.event_shape] == [[3], [3, 2]]
    assert jd.log_prob(jd.sample(seed=1)).shape == ()
    jd1 = tfd.JointDistributionSequential(model, batch_ndims=1)
    assert jd1.batch_shape == (3,) and [s.as_list() for s in jd1.event_shape] == [[], [2]]
    assert jd1.log_prob(jd1.sample(2, seed=1)).shape == (2, 3)
    plain = tfd.JointDistributionSequential(model, batch_ndims=None)
    assert not getattr(plain, "_autobatched", False)
    assert [s.as_list() for s in plain.batch_shape] == [[3], [3, 2]]
    jn = tfd.JointDistributionNamed(dict(a=tfd.Normal(0.0, [1.0, 2.0]), b=lambda a: tfd.Normal(a, 1.0)),
                                    batch_ndims=0, use_vectorized_map=True)
    assert isinstance(jn, tfd.JointDistributionNamed) and jn.batch_shape == ()
    assert {k: v.as_list() for k, v in jn.event_shape.items()} == {"a": [2], "b": [2]}

    def gen():
        yield tfd.Normal(0.0, [1.0, 2.0])
    jc = tfd.JointDistributionCoroutine(gen, batch_ndims=0)
    assert isinstance(jc, tfd.JointDistributionCoroutine) and jc.batch_shape == ()
    with pytest.raises(ValueError, match="batch_ndims"):
        tfd.JointDistributionSequential(model, batch_ndims=-1)


def test_experimental_from_constructors_match_tfp():
    b = tfd.Beta.experimental_from_mean_concentration(mean=0.3, total_concentration=10.0)
    np.testing.assert_allclose([wb.convert_to_tensor(b.concentration1).numpy(),
                                wb.convert_to_tensor(b.concentration0).numpy()], [3.0, 7.0], rtol=1e-6)
    b = tfd.Beta.experimental_from_mean_variance(mean=0.3, variance=0.01)
    np.testing.assert_allclose([wb.convert_to_tensor(b.concentration1).numpy(),
                                wb.convert_to_tensor(b.concentration0).numpy()], [6.0, 14.0], rtol=1e-5)
    np.testing.assert_allclose([b.mean().numpy(), b.variance().numpy()], [0.3, 0.01], rtol=1e-5)
    g = tfd.Gamma.experimental_from_mean_variance(mean=1.5, variance=0.75)
    np.testing.assert_allclose([wb.convert_to_tensor(g.concentration).numpy(),
                                wb.convert_to_tensor(g.rate).numpy()], [3.0, 2.0], rtol=1e-6)
    ln = tfd.LogNormal.experimental_from_mean_variance(mean=1.5, variance=0.75)
    np.testing.assert_allclose([wb.convert_to_tensor(ln.loc).numpy(), wb.convert_to_tensor(ln.scale).numpy()],
                               [0.26162404, 0.53636], rtol=1e-5)
    np.testing.assert_allclose([ln.mean().numpy(), ln.variance().numpy()], [1.5, 0.75], rtol=1e-5)


def test_experimental_from_mean_variance_keeps_a_variable_mean_trainable():
    mean = wb.Variable(np.float64(1.5))
    g = tfd.Gamma.experimental_from_mean_variance(mean=mean, variance=np.float64(0.75))

    def lp(m):   # concentration = m**2 / v, rate = m / v
        c, r = m * m / 0.75, m / 0.75
        from scipy import special
        return c * np.log(r) - special.gammaln(c) + (c - 1) * np.log(2.0) - r * 2.0

    with wb.GradientTape() as tape:
        value = g.log_prob(np.float64(2.0))
    np.testing.assert_allclose(value.numpy(), lp(1.5), rtol=1e-10)
    eps = 1e-6
    fd = (lp(1.5 + eps) - lp(1.5 - eps)) / (2 * eps)
    np.testing.assert_allclose(tape.gradient(value, mean).numpy(), fd, rtol=1e-6)
    mean.assign(2.0)   # read again at each use
    np.testing.assert_allclose(g.mean().numpy(), 2.0)
    assert len(g.trainable_variables) == 1


def test_value_and_gradient_argless_f():
    x = wb.constant(2.0)
    y, g = tfp.math.value_and_gradient(lambda: wb.math.log(x), x)      # TFP's "Case 1"
    np.testing.assert_allclose([y.numpy(), g.numpy()], [np.log(2.0), 0.5], rtol=1e-6)
    y, g = tfp.math.value_and_gradient(lambda x, y: x * wb.math.log(y), [2.0, 3.0])
    assert isinstance(g, list)
    np.testing.assert_allclose([y.numpy(), g[0].numpy(), g[1].numpy()], [2 * np.log(3.0), np.log(3.0), 2 / 3],
                               rtol=1e-6)
    y, g = tfp.math.value_and_gradient(wb.math.log, [1.0, 2.0, 3.0], auto_unpack_single_arg=False)
    assert y.shape == (3,) and isinstance(g, list) and len(g) == 3        # TFP: one gradient per entry
    np.testing.assert_allclose([v.numpy() for v in g], [1.0, 0.5, 1 / 3], rtol=1e-6)


def test_batch_normalization_over_a_scalar_event_distribution_builds():
    # TFP builds it (batch [1], event []) and raises only where a density or draw is asked for
    d = tfd.TransformedDistribution(distribution=tfd.Normal(loc=[0.0], scale=[1.0]),
                                    bijector=tfb.BatchNormalization())
    assert d.batch_shape == (1,) and d.event_shape == ()
    x = d.bijector.inverse(wb.constant([[1.0], [3.0]]))
    np.testing.assert_allclose(x.numpy(), [[-0.9995004], [0.9995005]], rtol=1e-5)   # TFP's values
    with pytest.raises(ValueError, match="log_prob: bijector .* acts on events of at least 1 dims"):
        d.log_prob([0.5])
    with pytest.raises(ValueError, match="Independent"):
        d.sample(3, seed=1)


def test_joint_distribution_named_key_order_is_tfps():
    # TFP orders a plain dict's parts by depth then name, each after its dependencies
    m = tfd.JointDistributionNamed({"x": tfd.Normal(0.0, wb.ones([3])), "y": tfd.Normal(0.0, 1.0),
                                    "z": lambda x, y: tfd.Normal(x[..., :2] + y[..., None], 1.0)})
    assert list(m.batch_shape) == ["y", "x", "z"] and list(m.sample(seed=1)) == ["y", "x", "z"]
    j = tfd.JointDistributionNamed(dict(b=tfd.Normal(0.0, 1.0), a=tfd.Normal(0.0, 1.0),
                                        c=lambda a: tfd.Normal(a, 1.0), d=lambda c, b: tfd.Normal(c, 1.0)))
    assert list(j.event_shape) == ["a", "c", "b", "d"]
    import collections
    o = tfd.JointDistributionNamed(collections.OrderedDict(x=tfd.Normal(0.0, 1.0), y=tfd.Normal(0.0, 1.0)))
    assert list(o.batch_shape) == ["x", "y"]        # an OrderedDict keeps its order


# -- 4. bijectors TFP has and we lacked -------------------------------------------------------------
_X = np.array([-15.0, -1.0, 0.0, 2.0, 15.0], np.float32)
_SOFT_CLIP_TFP = [   # (kwargs, forward(_X), forward_log_det_jacobian(_X)) from TFP 0.25
    (dict(low=-10.0, high=10.0), [-9.993284, -0.99989414, 0.0, 1.99967, 9.993284],
     [-5.0067153, -1.4010581e-04, -9.0799876e-05, -3.4155248e-04, -5.0067153]),
    (dict(low=-10.0, high=10.0, hinge_softness=0.5), [-9.999977, -1.0, 0.0, 2.0, 9.999977],
     [-10.000046, -1.5508926e-08, -4.1223074e-09, -1.1257293e-07, -10.000046]),
    (dict(low=1.0), [1.0000001, 1.126928, 1.3132617, 2.3132615, 15.0],
     [-16.0, -2.1269281, -1.3132616, -0.31326169, -8.3152872e-07]),
    (dict(high=2.0, hinge_softness=2.0), [-15.000406, -1.4028265, -0.62652326, 0.61370564, 1.9969953],
     [-2.0344768e-04, -0.20141329, -0.31326169, -0.69314718, -6.5015025]),
    (dict(), list(_X), [0.0] * 5),
]


@pytest.mark.parametrize("kwargs,fwd,fldj", _SOFT_CLIP_TFP, ids=lambda v: str(v) if isinstance(v, dict) else "")
def test_soft_clip_matches_tfp(kwargs, fwd, fldj):
    b = tfb.SoftClip(**kwargs)
    np.testing.assert_allclose(b.forward(_X).numpy(), fwd, rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(wb.broadcast_to(b.forward_log_det_jacobian(_X), [5]).numpy(), fldj,
                               rtol=1e-5, atol=1e-9)
    inner = _X[1:4]                       # away from the flat tails the inverse is exact to float32
    np.testing.assert_allclose(b.inverse(wb.constant(b.forward(inner).numpy())).numpy(), inner, atol=2e-6)


@pytest.mark.parametrize("kwargs", [k for k, _, _ in _SOFT_CLIP_TFP[:4]], ids=str)
def test_soft_clip_log_det_jacobians_against_finite_differences(kwargs):
    b = tfb.SoftClip(**{k: np.float64(v) for k, v in kwargs.items()})
    x = np.array([-12.0, -3.0, 0.5, 1.5, 2.5, 12.0])
    eps = 1e-6
    fd = (b.forward(x + eps).numpy() - b.forward(x - eps).numpy()) / (2 * eps)
    np.testing.assert_allclose(b.forward_log_det_jacobian(x).numpy(), np.log(fd), rtol=1e-6, atol=1e-8)
    y = b.forward(x).numpy()
    xi = b.inverse(wb.constant(y)).numpy()
    np.testing.assert_allclose(xi, x, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(b.inverse_log_det_jacobian(wb.constant(y)).numpy(),
                               -b.forward_log_det_jacobian(x).numpy(), rtol=1e-8, atol=1e-12)
    xt = wb.constant(x)
    with wb.GradientTape() as tape:      # the forward map's derivative by autodiff
        tape.watch(xt)
        yt = b.forward(xt)
    np.testing.assert_allclose(tape.gradient(yt, xt).numpy(), np.exp(b.forward_log_det_jacobian(x).numpy()),
                               rtol=1e-10)


def test_soft_clip_in_a_transformed_distribution():
    d = tfd.TransformedDistribution(tfd.Normal(np.float64(0.0), 1.0), tfb.SoftClip(low=np.float64(-1.0),
                                                                                   high=np.float64(1.0)))
    y = d.sample(200, seed=3).numpy()
    assert np.all((y > -1) & (y < 1))
    from scipy import integrate
    total, _ = integrate.quad(lambda v: float(d.prob(np.float64(v)).numpy()), -1 + 1e-12, 1 - 1e-12, limit=200)
    np.testing.assert_allclose(total, 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="greater than `low`"):
        tfb.SoftClip(low=0.0, validate_args=True).inverse([-1.0])


def test_transpose_matches_tfp():
    t = tfb.Transpose(perm=[1, 0])
    y = t.forward([[1, 2], [3, 4], [5, 6]])
    assert y.dtype == np.int32 and y.numpy().tolist() == [[1, 3, 5], [2, 4, 6]]
    t = tfb.Transpose(perm=[2, 0, 1])
    x = np.arange(120.0).reshape(5, 2, 3, 4)
    np.testing.assert_array_equal(t.forward(x).numpy(), np.transpose(x, (0, 3, 1, 2)))
    np.testing.assert_array_equal(t.inverse(t.forward(x)).numpy(), x)
    np.testing.assert_array_equal(t.inverse(wb.constant(np.transpose(x, (0, 3, 1, 2)))).numpy(), x)
    assert t.forward_event_shape([2, 3, 4]).as_list() == [4, 2, 3]       # TFP's
    assert t.inverse_event_shape([2, 3, 4]).as_list() == [3, 4, 2]
    assert t.forward_min_event_ndims == 3
    assert float(t.forward_log_det_jacobian(x[0], event_ndims=3).numpy()) == 0.0
    r = tfb.Transpose(rightmost_transposed_ndims=3)
    assert r.forward(np.zeros((2, 3, 4))).shape == (4, 3, 2)
    with pytest.raises(ValueError, match="exactly one"):
        tfb.Transpose()
    with pytest.raises(ValueError, match="permutation"):
        tfb.Transpose(perm=[0, 0])
    with pytest.raises(ValueError, match="fewer than"):
        t.forward_event_shape([2, 3])
    d = tfd.TransformedDistribution(tfd.Sample(tfd.Normal(0.0, 1.0), [2, 3]), tfb.Transpose(perm=[1, 0]))
    assert d.event_shape == (3, 2)
    xs = d.sample(4, seed=1)
    base = tfd.Sample(tfd.Normal(0.0, 1.0), [2, 3])
    np.testing.assert_allclose(d.log_prob(xs).numpy(), base.log_prob(np.swapaxes(xs.numpy(), -1, -2)).numpy(),
                               rtol=1e-6)


def test_joint_distribution_sequential_names_unnamed_parts_as_tfp():
    n = lambda: tfd.Normal(0.0, 1.0)  # noqa: E731
    assert tfd.JointDistributionSequential([n(), n(), n()]).resolve_graph() == (("x2", ()), ("x1", ()), ("x", ()))
    jd = tfd.JointDistributionSequential([n(), lambda a: n(), n(), lambda b, c: n()])
    assert jd.resolve_graph() == (("a", ()), ("c", ("a",)), ("b", ()), ("x", ("b", "c")))
    named = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0, name="x"), n(), n()])
    assert [k for k, _ in named.resolve_graph()] == ["x", "x2", "x1"]
    jd = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0), lambda z: tfd.Normal(z, 1.0)])
    z, x = sample = jd.sample(seed=2)
    lp = jd.log_prob(sample)
    for other in (jd.log_prob(value=sample), jd.log_prob(z, x), jd.log_prob(z=z, x=x)):
        np.testing.assert_allclose(other.numpy(), lp.numpy())


def test_joint_distribution_calling_styles_and_parts_methods():
    jd = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0), lambda z: tfd.Normal(z, 1.0)], validate_args=True)
    z, x = sample = jd.sample(seed=2)
    lp = jd.log_prob(sample).numpy()
    for other in (jd.log_prob(z, x=x), jd.log_prob(*sample), jd.unnormalized_log_prob(sample)):
        np.testing.assert_allclose(other.numpy(), lp, rtol=1e-6)
    np.testing.assert_allclose(jd.prob(z, x=x).numpy(), np.exp(lp), rtol=1e-6)
    np.testing.assert_allclose([p.numpy() for p in jd.prob_parts(sample)],
                               np.exp([p.numpy() for p in jd.log_prob_parts(sample)]), rtol=1e-6)
    assert [p.numpy() for p in jd.unnormalized_log_prob_parts(sample)] == \
        [p.numpy() for p in jd.log_prob_parts(sample)]
    with pytest.raises(ValueError, match="once each"):
        jd.log_prob(z, z=z)
    trivial = tfd.JointDistributionSequential([tfd.Exponential(1.0)])
    np.testing.assert_allclose(trivial.log_prob(4.0).numpy(), -4.0)         # TFP: one part takes its value alone
    np.testing.assert_allclose(trivial.log_prob([4.0]).numpy(), -4.0)
