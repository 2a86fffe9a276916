"""probability.util: DeferredTensor and TransformedVariable (TFP's tfp.util semantics)."""

import numpy as np
import pytest

import workbench as wb
from probability import bijectors as tfb
from probability import distributions as tfd
from probability import vi
from probability.util import DeferredTensor, TransformedVariable
from workbench.optimizers import Adam


def softplus(x):
    return np.log1p(np.exp(x))


def test_value_is_the_bijector_forward_of_the_variable_at_every_use():
    tv = TransformedVariable(1.5, tfb.Softplus())
    (v,) = tv.trainable_variables
    assert isinstance(v, wb.Variable) and v.trainable
    np.testing.assert_allclose(v.numpy(), np.log(np.expm1(1.5)), rtol=1e-6)
    np.testing.assert_allclose(tv.numpy(), 1.5, rtol=1e-6)
    v.assign(0.0)
    np.testing.assert_allclose(tv.numpy(), np.log(2.0), rtol=1e-6)
    assert tv.dtype == np.float32 and tv.shape == () and tv.bijector.name == "softplus"
    assert "TransformedVariable" in repr(tv) and "softplus" in repr(tv)


def test_ops_and_operators_read_the_current_value():
    tv = TransformedVariable(np.array([1.0, 4.0]), tfb.Exp())
    x = wb.constant(np.array([2.0, 3.0]))
    np.testing.assert_allclose((tv * x).numpy(), [2.0, 12.0])
    np.testing.assert_allclose((x - tv).numpy(), [1.0, -1.0])
    np.testing.assert_allclose((2.0 * tv).numpy(), [2.0, 8.0])
    np.testing.assert_allclose(wb.sqrt(tv).numpy(), [1.0, 2.0])
    np.testing.assert_allclose(wb.reduce_sum(tv).numpy(), 5.0)
    np.testing.assert_allclose(tv[1].numpy(), 4.0)
    np.testing.assert_allclose(np.asarray(tv), [1.0, 4.0])
    assert wb.convert_to_tensor(tv).dtype == np.float64
    tv.assign(np.array([9.0, 16.0]))
    np.testing.assert_allclose(wb.sqrt(tv).numpy(), [3.0, 4.0])


def test_as_a_distribution_parameter_it_is_read_at_each_call():
    scale = TransformedVariable(1.0, tfb.Softplus())
    d = tfd.Normal(0.0, scale)
    assert d.batch_shape == () and d.dtype == np.float32
    np.testing.assert_allclose(float(d.stddev()), 1.0, rtol=1e-6)
    scale.assign(3.0)   # after the distribution was built
    np.testing.assert_allclose(float(d.stddev()), 3.0, rtol=1e-6)
    np.testing.assert_allclose(float(d.log_prob(0.0)), -np.log(3.0) - 0.5 * np.log(2 * np.pi), rtol=1e-6)


def test_gradients_reach_the_underlying_variable():
    scale = TransformedVariable(wb.constant(2.0, dtype=wb.float64), tfb.Softplus())
    (raw,) = scale.trainable_variables
    d = tfd.Normal(wb.constant(0.0, dtype=wb.float64), scale)
    x = 3.0
    for _ in range(2):  # twice: the second step sees the assigned value, not a frozen one
        with wb.GradientTape() as tape:
            loss = -d.log_prob(x)
        g = tape.gradient(loss, raw)
        s = softplus(raw.numpy())
        # d/draw [log s + x^2 / (2 s^2)] = (1/s - x^2/s^3) * sigmoid(raw)
        want = (1 / s - x ** 2 / s ** 3) / (1 + np.exp(-raw.numpy()))
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-10)
        raw.assign_sub(0.5 * g)


def test_assign_inverts_through_the_bijector():
    tv = TransformedVariable(np.array([0.2, 0.7]), tfb.Sigmoid())
    tv.assign(np.array([0.5, 0.9]))
    np.testing.assert_allclose(tv.pretransformed_input.numpy(), [0.0, np.log(9.0)], atol=1e-12)
    tv.assign_add(np.array([0.1, 0.05]))
    np.testing.assert_allclose(tv.numpy(), [0.6, 0.95], rtol=1e-12)
    tv.assign_sub(np.array([0.5, 0.5]))
    np.testing.assert_allclose(tv.numpy(), [0.1, 0.45], rtol=1e-12)
    with pytest.raises(TypeError, match="dtype"):
        tv.assign(wb.constant(np.array([0.5, 0.5], np.float32)))


def test_constructor_arguments():
    tv = TransformedVariable(lambda: np.array([1.0, 2.0], np.float32), tfb.Exp(), name="rates", trainable=False)
    assert tv.dtype == np.float32 and tv.name == "rates"
    assert tv.trainable_variables == () and len(tv.variables) == 1 and not tv.trainable
    assert tv.pretransformed_input.name == "rates:0"   # TFP names the variable as it is asked
    assert TransformedVariable(1.0, tfb.Exp()).pretransformed_input.name == "Variable:0"
    tv64 = TransformedVariable(1.0, tfb.Exp(), dtype=np.float64)
    assert tv64.dtype == np.float64 and tv64.pretransformed_input.dtype == np.float64
    # a Python list converts as wb.convert_to_tensor does: float32, like the other parameters
    scale = TransformedVariable([1.0, 2.0], tfb.Softplus())
    assert scale.dtype == np.float32 and scale.pretransformed_input.dtype == np.float32
    d = tfd.Normal(wb.constant([0.0, 0.0]), scale)
    np.testing.assert_allclose(d.stddev().numpy(), [1.0, 2.0], rtol=1e-6)
    assert TransformedVariable([1.0, 2.0], tfb.Exp(), dtype=np.float64).dtype == np.float64
    with pytest.raises(TypeError, match="bijector"):
        TransformedVariable(1.0, wb.exp)


def test_shape_follows_the_bijector():
    # a vector of 3 unconstrained numbers fills a 2x2 lower-triangular scale
    tril = TransformedVariable(np.array([[2.0, 0.0], [0.5, 1.0]]), tfb.FillScaleTriL())
    assert tril.pretransformed_input.shape == (3,)
    assert tril.shape == (2, 2)
    d = tfd.MultivariateNormalTriL(loc=np.zeros(2), scale_tril=tril)
    assert d.batch_shape == () and d.event_shape == (2,)
    np.testing.assert_allclose(d.covariance().numpy(), [[4.0, 1.0], [1.0, 1.25]], rtol=1e-10)


def test_deferred_tensor_with_a_callable_and_its_errors():
    raw = wb.Variable(np.array([0.0, 1.0]))
    dt = DeferredTensor(raw, wb.exp)
    assert dt.shape == (2,) and dt.dtype == np.float64 and dt.trainable_variables == (raw,)
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(dt * dt)
    np.testing.assert_allclose(tape.gradient(y, raw).numpy(), 2 * np.exp(2 * raw.numpy()))
    with pytest.raises(TypeError, match="transform_fn"):
        DeferredTensor(raw, "exp")
    declared = DeferredTensor(raw, wb.exp, dtype=np.float32)
    with pytest.raises(TypeError, match="declared with dtype float32"):
        wb.exp(declared)


def test_as_a_bijector_parameter():
    s = TransformedVariable(wb.constant(2.0, dtype=wb.float64), tfb.Exp())
    b = tfb.Scale(s)
    x = wb.constant(np.array([1.0, 3.0]))
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(b.forward(x))
    (raw,) = s.trainable_variables
    np.testing.assert_allclose(y.numpy(), 8.0)
    np.testing.assert_allclose(tape.gradient(y, raw).numpy(), 8.0)   # d/draw of exp(raw) * 4
    s.assign(3.0)
    np.testing.assert_allclose(b.forward(x).numpy(), [3.0, 9.0])


def test_modules_find_the_underlying_variable():
    class Model(wb.Module):
        def __init__(self):
            super().__init__(name="model")
            self.loc = wb.Variable(0.0, name="loc")
            self.scale = TransformedVariable(1.0, tfb.Softplus(), name="scale")

    m = Model()
    names = sorted(v.path for v in m.trainable_variables)
    assert names == ["loc", "scale"]   # each variable's own path: its name, as TFP names it
    # the module's paths are attribute paths (checkpoint keys): through the TransformedVariable
    assert set(m.variables_by_path()) == {"loc", "scale/pretransformed_input"}


def test_optimizer_steps_through_a_transformed_variable_keep_the_constraint():
    scale = TransformedVariable(1.0, tfb.Softplus())
    opt = Adam(0.5)
    for _ in range(30):   # push the scale towards zero: it approaches but never crosses it
        with wb.GradientTape() as tape:
            loss = wb.square(scale + 1.0)
        opt.apply_gradients(zip(tape.gradient(loss, scale.trainable_variables), scale.trainable_variables))
    assert 0.0 < float(scale.numpy()) < 0.2


# Normal-Normal: theta ~ N(0, 10^2), y_i ~ N(theta, 1), 20 observations
_Y = np.random.default_rng(0).normal(1.5, 1.0, 20)
_POST_VAR = 1.0 / (1.0 / 100.0 + len(_Y))
_POST_MEAN = _POST_VAR * _Y.sum()


def _log_joint(theta):
    y = wb.constant(_Y.astype(np.float32))
    return -0.5 * theta ** 2 / 100.0 - 0.5 * wb.reduce_sum((y - theta[..., None]) ** 2, axis=-1)


def test_fit_surrogate_posterior_with_a_transformed_variable_scale():
    # the surrogate is built once, not by a lambda at every step: the TransformedVariable is what
    # lets each step read the updated scale and send its gradient to the raw variable
    loc = wb.Variable(0.0, name="loc")
    scale = TransformedVariable(1.0, tfb.Softplus(), name="scale")
    surrogate = tfd.Normal(loc, scale)
    vi.fit_surrogate_posterior(_log_joint, surrogate, Adam(0.05), num_steps=300, sample_size=16, seed=(1, 2))
    vi.fit_surrogate_posterior(_log_joint, surrogate, Adam(0.005), num_steps=300, sample_size=16, seed=(1, 3))
    np.testing.assert_allclose(loc.numpy(), _POST_MEAN, atol=0.03)
    np.testing.assert_allclose(float(scale.numpy()), np.sqrt(_POST_VAR), rtol=0.1)
    np.testing.assert_allclose(float(surrogate.stddev()), float(scale.numpy()))
