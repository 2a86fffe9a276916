"""Values from TFP 0.25's own docstring examples that differed here, pinned as TFP gives them."""

import numpy as np
import pytest

import workbench as wb
import probability as tfp

tfd = tfp.distributions


def _as_lists(tensors):
    return [np.asarray(t).tolist() for t in tensors]


def test_joint_distribution_shape_tensors_per_part():
    # tfp.experimental.vi.build_affine_surrogate_posterior's docstring: model.event_shape_tensor()[:-1]
    jd = tfd.JointDistributionSequential([
        tfd.Normal(0.0, 1.0), lambda a: tfd.Normal(a * wb.ones(3), 1.0), lambda b: tfd.Normal(b, 1.0)])
    events, batches = jd.event_shape_tensor(), jd.batch_shape_tensor()
    assert isinstance(events, list) and all(t.dtype == wb.int32 for t in events)
    assert _as_lists(events) == [[], [], []]
    assert _as_lists(batches) == [[], [3], [3]]
    auto = tfd.JointDistributionSequentialAutoBatched([tfd.Normal(0.0, 1.0), lambda a: tfd.Normal(a * wb.ones(3), 1.0)])
    assert _as_lists(auto.event_shape_tensor()) == [[], [3]]
    assert np.asarray(auto.batch_shape_tensor()).tolist() == []        # one tensor: the shared batch shape
    named = tfd.JointDistributionNamed(dict(a=tfd.Normal(0.0, 1.0), b=lambda a: tfd.Normal(a, wb.ones([2]))))
    assert {k: np.asarray(v).tolist() for k, v in named.batch_shape_tensor().items()} == {"a": [], "b": [2]}


def test_pinned_joint_distribution_shapes_and_dtype_of_free_parts():
    # TFP 0.25: experimental_pin(...) keeps the model's structure over the free parts
    jd = tfd.JointDistributionSequential([
        tfd.Normal(0.0, 1.0), lambda a: tfd.Normal(a * wb.ones(3), 1.0), lambda b: tfd.Normal(b, 1.0)])
    pinned = jd.experimental_pin(x=wb.zeros(3))
    assert pinned.event_shape == [wb.TensorShape([]), wb.TensorShape([])]
    assert pinned.batch_shape == [wb.TensorShape([]), wb.TensorShape([3])]
    assert [np.dtype(d) for d in pinned.dtype] == [np.float32, np.float32]
    assert _as_lists(pinned.batch_shape_tensor()) == [[], [3]]
    named = tfd.JointDistributionNamed(dict(
        a=tfd.Normal(0.0, 1.0), b=lambda a: tfd.Normal(a * wb.ones(3), 1.0), c=lambda b: tfd.Normal(b, 1.0)))
    pinned = named.experimental_pin(c=wb.zeros(3))
    assert pinned.batch_shape == {"a": wb.TensorShape([]), "b": wb.TensorShape([3])}
    assert pinned.event_shape == {"a": wb.TensorShape([]), "b": wb.TensorShape([])}
    assert pinned.name == "PinnedJointDistributionNamed"
    auto = tfd.JointDistributionSequentialAutoBatched([tfd.Normal(0.0, 1.0), lambda a: tfd.Normal(a * wb.ones(3), 1.0)])
    pinned = auto.experimental_pin(x=wb.zeros(3))
    assert pinned.batch_shape == wb.TensorShape([])                     # the model's one batch shape
    assert pinned.event_shape == [wb.TensorShape([])]
    assert _as_lists(pinned.event_shape_tensor()) == [[]]


def test_pinned_coroutine_keeps_a_struct_tuple_of_the_free_parts():
    def model():
        loc = yield tfd.JointDistributionCoroutine.Root(tfd.Normal(0.0, 1.0, name="loc"))
        scale = yield tfd.JointDistributionCoroutine.Root(tfd.Gamma(1.0, 1.0, name="scale"))
        yield tfd.Normal(loc * wb.ones(4), scale, name="obs")
    pinned = tfd.JointDistributionCoroutine(model).experimental_pin(obs=wb.zeros(4))
    assert pinned.event_shape._fields == ("loc", "scale")
    assert tuple(pinned.batch_shape) == (wb.TensorShape([]), wb.TensorShape([]))


def test_experimental_distributions_holds_joint_distribution_pinned():
    # tfp.experimental.distributions.JointDistributionPinned's docstring: tfde.JointDistributionPinned(jd, obs=data)
    tfde = tfp.experimental.distributions
    jd = tfd.JointDistributionNamed(dict(loc=tfd.Normal(0.0, 1.0), scale=tfd.Gamma(1.0, 1.0),
                                         obs=lambda loc, scale: tfd.Normal(loc, scale)))
    partial = tfde.JointDistributionPinned(jd, obs=2.0)
    np.testing.assert_allclose(partial.log_prob(loc=0.5, scale=1.5).numpy(),
                               jd.log_prob(loc=0.5, scale=1.5, obs=2.0).numpy())


def test_deferred_module_gradients_reach_the_arguments():
    # tfp.experimental.util.DeferredModule's docstring; TFP 0.25: lp -2.6725411, grads [0.47203606, -0.048216946]
    def gamma_from_mean_and_variance(mean, variance, **kwargs):
        rate = mean / variance
        return tfd.Gamma(concentration=mean * rate, rate=rate, **kwargs)

    mean, variance = wb.Variable(3.2), wb.Variable(9.1)
    deferred = tfp.experimental.util.DeferredModule(build_fn=gamma_from_mean_and_variance, mean=mean,
                                                    variance=variance)
    with wb.GradientTape() as tape:
        lp = deferred.log_prob(5.0)
    grads = tape.gradient(lp, [mean, variance])
    np.testing.assert_allclose(lp.numpy(), -2.6725411, rtol=1e-6)
    np.testing.assert_allclose([g.numpy() for g in grads], [0.47203606, -0.048216946], rtol=1e-5)
    assert deferred.batch_shape == () and len(deferred.trainable_variables) == 2
    assert deferred.name == "deferred_module"                       # the module's own name, as in TFP
    mean.assign(6.4)                                                 # rebuilt at every use
    np.testing.assert_allclose(deferred.mean().numpy(), 6.4, rtol=1e-6)


def test_make_trainable_variables_per_preferred_parameter():
    # TFP 0.25: Normal -> loc, scale; Gamma -> concentration, log_rate (rate is not preferred)
    model = tfp.experimental.util.make_trainable(tfd.Normal, name="q_z", seed=(1, 2))
    assert [v.name for v in model.trainable_variables] == ["loc:0", "scale:0"]
    assert model.name == "deferred_module" and model.batch_shape == ()
    raw = np.array([v.numpy() for v in model.trainable_variables])
    assert np.all((raw > -2) & (raw < 2))                            # uniform(-2, 2), unconstrained
    np.testing.assert_allclose(model.stddev().numpy(), np.log1p(np.exp(raw[1])), rtol=1e-6)
    gamma = tfp.experimental.util.make_trainable(tfd.Gamma, initial_parameters={"concentration": 2.0},
                                                 batch_and_event_shape=[3])
    assert [v.name for v in gamma.trainable_variables] == ["concentration:0", "log_rate:0"]
    np.testing.assert_allclose(gamma.concentration.numpy(), [2.0] * 3, rtol=1e-6)
    assert gamma.rate is None and gamma.log_rate.shape == (3,)
    mvn = tfp.experimental.util.make_trainable(tfd.MultivariateNormalDiag, batch_and_event_shape=[2])
    assert mvn.event_shape == (2,) and [tuple(v.shape) for v in mvn.trainable_variables] == [(2,), (2,)]
    # fitting, as the docstring does: the maximum-likelihood Normal
    samples = [4.57, 6.37, 5.93, 7.98, 2.03, 3.59, 8.55, 3.45, 5.06, 6.44]
    tfp.math.minimize(lambda: -model.log_prob(samples), optimizer=wb.keras.optimizers.Adam(0.1), num_steps=600)
    np.testing.assert_allclose(model.mean().numpy(), np.mean(samples), atol=0.05)
    np.testing.assert_allclose(model.stddev().numpy(), np.std(samples), atol=0.05)


def test_make_trainable_stateless_init_and_apply():
    init_fn, apply_fn = tfp.experimental.util.make_trainable_stateless(tfd.Normal)
    raw = init_fn(seed=(1, 2))
    assert raw._fields == ("loc", "scale")
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(raw, init_fn(seed=(1, 2))))
    d = apply_fn(raw)
    np.testing.assert_allclose(d.loc.numpy(), raw.loc.numpy())
    np.testing.assert_allclose(d.scale.numpy(), np.log1p(np.exp(raw.scale.numpy())), rtol=1e-6)
    with pytest.raises(ValueError, match="initial_parameters"):
        tfp.experimental.util.make_trainable(tfd.Normal, initial_parameters={"rate": 1.0})


def test_mixture_and_independent_layers_match_tfp():
    # tfp.layers.MixtureNormal / MixtureLogistic / MixtureSameFamily's docstrings: params_size(5, [1]) == 15;
    # the distributions for fixed params, TFP 0.25's log_prob and mean
    tfpl = tfp.layers
    assert tfpl.MixtureNormal.params_size(5, [1]) == 15 and tfpl.MixtureLogistic.params_size(5, [1]) == 15
    assert tfpl.MixtureSameFamily.params_size(5, tfpl.IndependentNormal.params_size([1])) == 15
    assert tfpl.IndependentPoisson.params_size([2, 3]) == 6 and tfpl.IndependentLogistic.params_size([2, 3]) == 12
    p = np.linspace(-1.0, 1.2, 30).reshape(2, 15).astype(np.float32)
    x = np.array([[0.3], [-0.5]], np.float32)
    want = {"normal": [-1.015692949295044, -1.69241201877594], "logistic": [-1.1812679767608643, -1.8691409826278687]}
    for layer, key in [(tfpl.MixtureNormal(5, [1]), "normal"), (tfpl.MixtureLogistic(5, [1]), "logistic"),
                       (tfpl.MixtureSameFamily(5, tfpl.IndependentNormal([1])), "normal")]:
        d = layer(p)
        assert d.batch_shape == (2,) and d.event_shape == (1,)
        np.testing.assert_allclose(d.log_prob(x).numpy(), want[key], rtol=2e-6)
        np.testing.assert_allclose(d.mean().numpy().ravel(), [-0.294278, 0.843653], rtol=2e-6)
    q = np.linspace(-1, 1, 12).reshape(2, 6).astype(np.float32)
    d = tfpl.IndependentPoisson([2, 3])(q)
    assert d.event_shape == (2, 3)
    counts = np.arange(12).reshape(2, 2, 3).astype(np.float32) % 4
    np.testing.assert_allclose(d.log_prob(counts).numpy(), [-9.677820205688477, -9.555509567260742], rtol=1e-6)
    d = tfpl.IndependentLogistic([3])(q)
    np.testing.assert_allclose(d.log_prob(np.ones((2, 3), np.float32)).numpy(),
                               [-8.358920097351074, -4.973239898681641], rtol=1e-6)
    with pytest.raises(ValueError, match="num_components"):
        tfpl.MixtureNormal(5, [1])(np.zeros((2, 14), np.float32))
    # as IndependentPoisson's docstring builds it: a Dense layer then the distribution layer
    model = wb.keras.Sequential([wb.keras.layers.Dense(tfpl.IndependentPoisson.params_size(1)),
                                 tfpl.IndependentPoisson(1)])
    out = model(np.ones((4, 3), np.float32))
    assert out.batch_shape == (4,) and out.event_shape == (1,)
    config = tfpl.MixtureNormal(5, [2]).get_config()
    assert config["num_components"] == 5 and config["event_shape"] == [2]


def test_vectorized_map_needs_batch_ndims():
    # tfp.distributions.JointDistributionNamed's docstring builds this model; TFP 0.25 refuses it
    message = "use_vectorized_map=True` is unsupported when `batch_ndims is None"
    with pytest.raises(ValueError, match=message):
        tfd.JointDistributionSequential([tfd.Normal(0.0, wb.ones([3])), tfd.Normal(0.0, 1.0),
                                         lambda y, x: tfd.Normal(x[:2] + y, 1.0)], use_vectorized_map=True)
    with pytest.raises(ValueError, match=message):
        tfd.JointDistributionNamed(dict(a=tfd.Normal(0.0, 1.0)), use_vectorized_map=True)
    with pytest.raises(ValueError, match=message):
        tfd.JointDistributionCoroutine(lambda: (yield tfd.JointDistributionCoroutine.Root(tfd.Normal(0.0, 1.0))),
                                       use_vectorized_map=True)
    with pytest.raises(ValueError, match=message):
        tfd.JointDistributionSequentialAutoBatched([tfd.Normal(0.0, 1.0)], batch_ndims=None)
    # with a batch_ndims it is the auto-batched model, as in TFP
    jd = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0)], use_vectorized_map=True, batch_ndims=0)
    assert jd.batch_shape == ()
    def model():
        yield tfd.Normal(0.0, wb.ones([2]))
    assert tuple(tfd.JointDistributionCoroutineAutoBatched(model).event_shape) == (wb.TensorShape([2]),)


def test_real_nvp_with_no_masked_units():
    # tfp.bijectors.RationalQuadraticSpline's docstring stacks RealNVP(5 * i, ...) from i = 0; TFP 0.25 values
    def fn(x0, n):
        s = wb.reduce_sum(x0, axis=-1, keepdims=True)
        return s + 0.5 * wb.ones([n]), 0.1 * s + 0.2 * wb.ones([n])
    x = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
    for b in (tfp.bijectors.RealNVP(num_masked=0, shift_and_log_scale_fn=fn),
              tfp.bijectors.RealNVP(fraction_masked=0.0, shift_and_log_scale_fn=fn)):
        np.testing.assert_allclose(b.forward(x).numpy(), [[0.5, 0.805350661277771, 1.110701322555542],
                                                          [1.4160521030426025, 1.7214027643203735, 2.0267534255981445]],
                                   rtol=1e-6)
        np.testing.assert_allclose(b.forward_log_det_jacobian(x, event_ndims=1).numpy(), [0.6, 0.6], rtol=1e-6)
        np.testing.assert_allclose(b.inverse(b.forward(x)).numpy(), x, atol=1e-6)
    with pytest.raises(ValueError, match="num_masked"):        # all masked: TFP refuses it too
        tfp.bijectors.RealNVP(num_masked=3, shift_and_log_scale_fn=fn).forward(x)


def test_blockwise_initializer_fills_blocks_of_the_last_dimension():
    # tfp.layers.VariableLayer's docstring: loc block zeros, scale block softplus^-1(1) = 0.541325
    init = tfp.layers.BlockwiseInitializer(["zeros", wb.keras.initializers.Constant(np.log(np.expm1(1.0)))],
                                           sizes=[1, 1])
    value = init([3, 4, 2], dtype=np.float64).numpy()
    assert value.shape == (3, 4, 2) and value.dtype == np.float64
    np.testing.assert_array_equal(value[..., 0], 0.0)
    np.testing.assert_allclose(value[..., 1], 0.541324854612918, rtol=1e-12)
    layer = tfp.layers.VariableLayer(shape=[3, 4, 2], dtype=np.float64, initializer=init)
    d = tfp.layers.DistributionLambda(lambda t: tfd.Independent(
        tfd.Normal(loc=t[..., 0], scale=wb.math.softplus(t[..., 1])), reinterpreted_batch_ndims=1))(layer(0.0))
    assert d.batch_shape == (3,) and d.event_shape == (4,)
    np.testing.assert_allclose(d.mean().numpy(), np.zeros((3, 4)))
    np.testing.assert_allclose(d.variance().numpy(), np.ones((3, 4)), rtol=1e-12)
    config = init.get_config()
    again = tfp.layers.BlockwiseInitializer.from_config(config)
    np.testing.assert_array_equal(again([2, 2]).numpy(), init([2, 2]).numpy())
    with pytest.raises(ValueError, match="sum\\(sizes\\)"):
        init([3, 3])


def test_pinned_default_bijector_keeps_the_model_structure():
    # tfp.experimental.distributions.JointDistributionPinned's docstring: bij.inverse_event_shape(pinned.event_shape)
    jd = tfd.JointDistributionSequential([tfd.Gamma(1.0, 1.0), tfd.Normal(0.0, 1.0),
                                          lambda b, a: tfd.Normal(a + b, 1.0)])
    pinned = jd.experimental_pin(x=1.0)
    bij = pinned.experimental_default_event_space_bijector()
    y = bij.forward([0.5, 0.2])
    assert isinstance(y, list) and all(t.dtype == wb.float32 for t in y)     # Python numbers: the part's dtype
    np.testing.assert_allclose([t.numpy() for t in y], [0.9740769863128662, 0.2], rtol=1e-6)
    assert bij.inverse_event_shape(pinned.event_shape) == [wb.TensorShape([]), wb.TensorShape([])]
    named = tfd.JointDistributionNamed(dict(a=tfd.Gamma(1.0, 1.0), c=tfd.Normal(0.0, 1.0),
                                            b=lambda a, c: tfd.Normal(a + c, 1.0)))
    pinned = named.experimental_pin(b=1.0)
    bij = pinned.experimental_default_event_space_bijector()
    assert bij.inverse_event_shape(pinned.event_shape) == {"c": wb.TensorShape([]), "a": wb.TensorShape([])}
    np.testing.assert_allclose(bij.forward(dict(a=0.5, c=0.2))["a"].numpy(), 0.9740769863128662, rtol=1e-6)

    def model():
        a = yield tfd.JointDistributionCoroutine.Root(tfd.Gamma(1.0, 1.0, name="a"))
        yield tfd.Normal(a, 1.0, name="z")
    pinned = tfd.JointDistributionCoroutine(model).experimental_pin(z=1.0)
    assert pinned.experimental_default_event_space_bijector().forward([0.5])._fields == ("a",)
