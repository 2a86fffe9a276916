"""Keras 3's optimizers beyond the basics: ``get`` by name or config, configs that round-trip,
and each optimizer's update against its formula written out in NumPy."""

import numpy as np
import pytest

import workbench as wb
from workbench import optimizers

KERAS_NAMES = {"adam": optimizers.Adam, "sgd": optimizers.SGD, "rmsprop": optimizers.RMSprop,
               "adagrad": optimizers.Adagrad, "adamw": optimizers.AdamW, "Adam": optimizers.Adam,
               "SGD": optimizers.SGD, "RMSprop": optimizers.RMSprop}


@pytest.mark.parametrize("name", sorted(KERAS_NAMES))
def test_get_resolves_every_keras_name(name):
    opt = optimizers.get(name)
    assert type(opt) is KERAS_NAMES[name]
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == opt.get_config()


def test_get_accepts_configs_and_instances_and_refuses_the_rest():
    opt = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.5, "momentum": 0.9}})
    assert isinstance(opt, optimizers.SGD) and opt.momentum == 0.9
    assert float(opt.learning_rate) == 0.5
    assert optimizers.get(opt) is opt and optimizers.get(None) is None
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamm'; known: \[.*'adam'"):
        optimizers.get("adamm")
    with pytest.raises(TypeError, match="as an optimizer"):
        optimizers.get(optimizers.Adam)


def test_a_schedule_round_trips_through_the_config():
    sched = optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    opt = optimizers.Adam(learning_rate=sched, clipnorm=1.0)
    config = optimizers.serialize(opt)
    assert config["config"]["learning_rate"]["class_name"] == "ExponentialDecay"
    back = optimizers.deserialize(config)
    assert back.get_config() == opt.get_config()
    assert float(back.learning_rate) == pytest.approx(0.1)


# ---------------------------------------------------------------------------
# update rules, written out in NumPy from Keras 3's formulas

from gradients import GradientTape  # noqa: E402

A = np.array([1.0, 4.0, 0.25, 2.0])
B = np.array([-1.0, 0.5, 2.0, 0.0])
W0 = np.array([1.5, -2.0, 0.5, 3.0])
STEPS = 6


def grad(w):
    return A * w + B


def f32(x):
    """A constant learning rate as the optimizer keeps it: a float32 Variable."""
    return float(np.float32(x))


def ref_adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **_):
    w, m, u = W0.copy(), np.zeros(4), np.zeros(4)
    lr = f32(learning_rate)
    for t in range(1, STEPS + 1):
        g = grad(w)
        m = m + (g - m) * (1 - beta_1)
        u = np.maximum(beta_2 * u, np.abs(g))
        w = w - lr * m / ((1 - beta_1 ** t) * (u + epsilon))
    return w


def ref_nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **_):
    w, m, v, prod = W0.copy(), np.zeros(4), np.zeros(4), 1.0
    lr = f32(learning_rate)
    for t in range(1, STEPS + 1):
        g = grad(w)
        mu_t = beta_1 * (1 - 0.5 * 0.96 ** t)
        mu_next = beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
        prod = prod * mu_t
        m = m + (g - m) * (1 - beta_1)
        v = v + (g * g - v) * (1 - beta_2)
        m_hat = mu_next * m / (1 - prod * mu_next) + (1 - mu_t) * g / (1 - prod)
        v_hat = v / (1 - beta_2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + epsilon)
    return w


def ref_lion(learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=0.0, **_):
    w, m = W0.copy(), np.zeros(4)
    lr = f32(learning_rate)
    for _ in range(STEPS):
        g = grad(w)
        w = w - w * weight_decay * lr
        w = w - lr * np.sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g
    return w


def ref_adadelta(learning_rate=0.001, rho=0.95, epsilon=1e-7, **_):
    w, acc_g, acc_d = W0.copy(), np.zeros(4), np.zeros(4)
    lr = f32(learning_rate)
    for _ in range(STEPS):
        g = grad(w)
        acc_g = rho * acc_g + (1 - rho) * g * g
        delta = -np.sqrt(acc_d + epsilon) / np.sqrt(acc_g + epsilon) * g
        acc_d = rho * acc_d + (1 - rho) * delta * delta
        w = w + lr * delta
    return w


def ref_ftrl(learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
             l1_regularization_strength=0.0, l2_regularization_strength=0.0,
             l2_shrinkage_regularization_strength=0.0, beta=0.0, **_):
    w, acc, linear = W0.copy(), np.full(4, initial_accumulator_value), np.zeros(4)
    lr, p = f32(learning_rate), -learning_rate_power
    for _ in range(STEPS):
        g = grad(w)
        new_acc = acc + g * g
        linear = linear + g + 2 * l2_shrinkage_regularization_strength * w - (new_acc ** p - acc ** p) / lr * w
        quadratic = new_acc ** p / lr + 2 * (l2_regularization_strength + beta / (2 * lr))
        l1 = l1_regularization_strength
        w = (np.clip(linear, -l1, l1) - linear) / quadratic
        acc = new_acc
    return w


CASES = [
    ("adamax", optimizers.Adamax, dict(learning_rate=0.3), ref_adamax),
    ("adamax_betas", optimizers.Adamax, dict(learning_rate=0.2, beta_1=0.5, beta_2=0.8, epsilon=1e-3), ref_adamax),
    ("nadam", optimizers.Nadam, dict(learning_rate=0.3), ref_nadam),
    ("nadam_betas", optimizers.Nadam, dict(learning_rate=0.1, beta_1=0.7, beta_2=0.9, epsilon=1e-4), ref_nadam),
    ("lion", optimizers.Lion, dict(learning_rate=0.1), ref_lion),
    ("lion_betas", optimizers.Lion, dict(learning_rate=0.05, beta_1=0.5, beta_2=0.7), ref_lion),
    ("lion_decay", optimizers.Lion, dict(learning_rate=0.05, weight_decay=0.3), ref_lion),
    ("adadelta", optimizers.Adadelta, dict(learning_rate=1.0), ref_adadelta),
    ("adadelta_rho", optimizers.Adadelta, dict(learning_rate=0.5, rho=0.6, epsilon=1e-4), ref_adadelta),
    ("ftrl", optimizers.Ftrl, dict(learning_rate=0.3), ref_ftrl),
    ("ftrl_regularized", optimizers.Ftrl,
     dict(learning_rate=0.3, learning_rate_power=-0.7, initial_accumulator_value=0.5, l1_regularization_strength=0.2,
          l2_regularization_strength=0.1, l2_shrinkage_regularization_strength=0.05, beta=0.3), ref_ftrl),
]


def loss_fn(w):
    a, b = wb.constant(A), wb.constant(B)
    return lambda: wb.reduce_sum(0.5 * a * w * w + b * w)


@pytest.mark.parametrize("name,cls,kwargs,ref", CASES, ids=[c[0] for c in CASES])
def test_update_rule_float64(name, cls, kwargs, ref):
    w = wb.Variable(W0)
    opt = cls(**kwargs)
    for _ in range(STEPS):
        opt.minimize(loss_fn(w), [w])
    np.testing.assert_allclose(w.numpy(), ref(**kwargs), rtol=1e-12, atol=1e-12)
    assert int(opt.iterations.numpy()) == STEPS


@pytest.mark.parametrize("name,cls,kwargs,ref", CASES, ids=[c[0] for c in CASES])
def test_update_rule_float32(name, cls, kwargs, ref):
    w = wb.Variable(W0.astype(np.float32))
    opt = cls(**kwargs)
    a, b = A.astype(np.float32), B.astype(np.float32)
    for _ in range(STEPS):
        opt.apply_gradients([(a * w.numpy() + b, w)])
    assert w.dtype == np.float32
    np.testing.assert_allclose(w.numpy(), ref(**kwargs), rtol=2e-5, atol=2e-5)


def test_references_are_not_vacuous():
    start = W0
    for _, _, kwargs, ref in CASES:
        assert not np.allclose(ref(**kwargs), start), ref.__name__
    assert not np.allclose(ref_ftrl(0.3), ref_ftrl(0.3, l1_regularization_strength=0.2))
    assert not np.allclose(ref_nadam(0.3), ref_adamax(0.3))


@pytest.mark.parametrize("cls,bad,match", [
    (optimizers.Adamax, dict(beta_1=1.0), "beta_1 must be in"),
    (optimizers.Nadam, dict(beta_2=-0.1), "beta_2 must be in"),
    (optimizers.Lion, dict(beta_1=0.0), "beta_1 must be in"),
    (optimizers.Adadelta, dict(rho=1.5), "rho must be in"),
    (optimizers.Ftrl, dict(learning_rate_power=0.5), "learning_rate_power must be <= 0"),
    (optimizers.Ftrl, dict(l1_regularization_strength=-1.0), "l1_regularization_strength must be >= 0"),
    (optimizers.Adam, dict(ema_momentum=1.5), "ema_momentum must be in"),
    (optimizers.SGD, dict(gradient_accumulation_steps=1), "gradient_accumulation_steps must be an integer >= 2"),
    (optimizers.SGD, dict(ema_overwrite_frequency=0), "ema_overwrite_frequency must be an integer >= 1"),
    (optimizers.SGD, dict(loss_scale_factor=0.0), "loss_scale_factor must be a positive"),
    (optimizers.Lion, dict(use_emma=True), "use_emma"),
])
def test_bad_hyperparameters_are_named(cls, bad, match):
    with pytest.raises((ValueError, TypeError), match=match):
        cls(**bad)


# ---------------------------------------------------------------------------
# the base: weight decay, clipping, loss scaling, gradient accumulation, moving averages


def run(opt, grads, w0=W0):
    w = wb.Variable(np.array(w0))
    for g in grads:
        opt.apply_gradients([(wb.constant(np.asarray(g, np.float64)), w)])
    return w


GRADS = [np.array([0.5, -1.0, 2.0, 0.1]) * (i + 1) * (-1) ** i for i in range(6)]


def test_weight_decay_is_decoupled_and_comes_before_the_update_for_any_optimizer():
    w = run(optimizers.SGD(learning_rate=0.1, momentum=0.5, weight_decay=0.2), GRADS)
    ref, m = W0.copy(), np.zeros(4)
    lr = f32(0.1)
    for g in GRADS:
        ref = ref - ref * 0.2 * lr
        m = 0.5 * m - lr * g
        ref = ref + m
    np.testing.assert_allclose(w.numpy(), ref, rtol=1e-12)


@pytest.mark.parametrize("clip", ["clipvalue", "clipnorm", "global_clipnorm"])
def test_clipping_applies_before_a_new_optimizers_update(clip):
    w = run(optimizers.Adamax(learning_rate=0.1, **{clip: 0.7}), GRADS)
    ref, m, u = W0.copy(), np.zeros(4), np.zeros(4)
    lr = f32(0.1)
    for t, g in enumerate(GRADS, 1):
        if clip == "clipvalue":
            g = np.clip(g, -0.7, 0.7)
        else:   # one variable: its norm is the global norm
            g = g * min(1.0, 0.7 / np.linalg.norm(g))
        m = m + (g - m) * 0.1
        u = np.maximum(0.999 * u, np.abs(g))
        ref = ref - lr * m / ((1 - 0.9 ** t) * (u + 1e-7))
    np.testing.assert_allclose(w.numpy(), ref, rtol=1e-12)


def test_loss_scale_factor_divides_gradients_and_scales_the_loss():
    scaled = run(optimizers.Adam(learning_rate=0.1, loss_scale_factor=128.0), [g * 128.0 for g in GRADS])
    plain = run(optimizers.Adam(learning_rate=0.1), GRADS)
    np.testing.assert_allclose(scaled.numpy(), plain.numpy(), rtol=1e-12)
    opt = optimizers.SGD(learning_rate=0.1, loss_scale_factor=64.0)
    assert float(opt.scale_loss(wb.constant(2.0))) == 128.0
    w1, w2 = wb.Variable(W0), wb.Variable(W0)
    opt.minimize(loss_fn(w1), [w1])
    optimizers.SGD(learning_rate=0.1).minimize(loss_fn(w2), [w2])
    np.testing.assert_allclose(w1.numpy(), w2.numpy(), rtol=1e-12)
    w3 = wb.Variable(W0)
    with GradientTape() as tape:
        value = loss_fn(w3)()
    optimizers.SGD(learning_rate=0.1, loss_scale_factor=64.0).minimize(value, [w3], tape=tape)
    np.testing.assert_allclose(w3.numpy(), w2.numpy(), rtol=1e-12)


def test_gradient_accumulation_applies_the_mean_every_n_calls():
    sched = optimizers.schedules.ExponentialDecay(0.2, decay_steps=1, decay_rate=0.5)
    opt = optimizers.Adam(learning_rate=sched, gradient_accumulation_steps=3)
    w = run(opt, GRADS)
    # two updates, with the means of calls 1-3 and 4-6; Adam's t and the schedule count updates
    ref, m, v = W0.copy(), np.zeros(4), np.zeros(4)
    for t, group in enumerate((GRADS[:3], GRADS[3:]), 1):
        g = np.mean(group, axis=0)
        lr = float(np.float32(0.2 * 0.5 ** (t - 1)))
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        alpha = lr * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        ref = ref - alpha * m / (np.sqrt(v) + 1e-7)
    np.testing.assert_allclose(w.numpy(), ref, rtol=1e-6)
    assert int(opt.iterations.numpy()) == 2 and int(opt.variables_by_path()["iterations"].numpy()) == 6
    np.testing.assert_array_equal(opt.get_slot(w, "gradient_accumulator").numpy(), np.zeros(4))
    # mid-group the weights wait and the accumulator holds the sum
    w2 = run(optimizers.Adam(learning_rate=0.2, gradient_accumulation_steps=3), GRADS[:2])
    np.testing.assert_array_equal(w2.numpy(), W0)


def ref_ema(grads, lr, momentum, overwrite=None):
    w, avg = W0.copy(), W0.copy()
    for i, g in enumerate(grads):
        w = w - lr * g
        m = 0.0 if i == 0 else momentum
        avg = m * avg + (1 - m) * w
        if overwrite and (i + 1) % overwrite == 0:
            w = avg.copy()
    return w, avg


def test_moving_average_finalize_and_overwrite():
    opt = optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.8)
    w = run(opt, GRADS)
    want_w, want_avg = ref_ema(GRADS, f32(0.1), 0.8)
    np.testing.assert_allclose(w.numpy(), want_w, rtol=1e-12)
    np.testing.assert_allclose(opt.get_slot(w, "average").numpy(), want_avg, rtol=1e-12)
    assert not np.allclose(want_w, want_avg)
    untouched = wb.Variable([5.0])
    opt.finalize_variable_values([w, untouched])
    np.testing.assert_allclose(w.numpy(), want_avg, rtol=1e-12)
    assert untouched.numpy().tolist() == [5.0]

    opt = optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.8, ema_overwrite_frequency=4)
    w = run(opt, GRADS)
    want_w, want_avg = ref_ema(GRADS, f32(0.1), 0.8, overwrite=4)
    np.testing.assert_allclose(w.numpy(), want_w, rtol=1e-12)
    np.testing.assert_allclose(opt.get_slot(w, "average").numpy(), want_avg, rtol=1e-12)
    plain = optimizers.SGD(learning_rate=0.1)
    w = run(plain, GRADS)
    before = w.numpy().copy()
    plain.finalize_variable_values([w])
    np.testing.assert_array_equal(w.numpy(), before)


def test_new_options_are_in_the_config():
    opt = optimizers.Lion(learning_rate=0.01, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=5,
                          loss_scale_factor=8.0, gradient_accumulation_steps=4, weight_decay=0.1)
    config = opt.get_config()
    assert config["use_ema"] and config["ema_momentum"] == 0.9 and config["ema_overwrite_frequency"] == 5
    assert config["loss_scale_factor"] == 8.0 and config["gradient_accumulation_steps"] == 4
    back = optimizers.deserialize(optimizers.serialize(opt))
    assert type(back) is optimizers.Lion and back.get_config() == config
    assert opt.get_slot_names() == ["m", "gradient_accumulator", "average"]


@pytest.mark.parametrize("name", ["adamax", "nadam", "lion", "adadelta", "ftrl", "Nadam", "FTRL"])
def test_get_resolves_the_new_optimizers(name):
    opt = optimizers.get(name)
    assert type(opt).__name__.lower() == name.lower()
    assert optimizers.deserialize(optimizers.serialize(opt)).get_config() == opt.get_config()


# ---------------------------------------------------------------------------
# checkpoints: training resumed from a checkpoint continues exactly

RESUMABLE = [
    lambda: optimizers.Nadam(learning_rate=0.05),
    lambda: optimizers.Adamax(learning_rate=0.05, use_ema=True, ema_momentum=0.7),
    lambda: optimizers.Lion(learning_rate=0.01, weight_decay=0.1),
    lambda: optimizers.Adadelta(learning_rate=1.0, global_clipnorm=1.0),
    lambda: optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=0.01),
    lambda: optimizers.Adam(learning_rate=0.05, gradient_accumulation_steps=3, use_ema=True,
                            ema_overwrite_frequency=4),
]


def train(variables, opt, data):
    for x, y in data:
        with GradientTape() as tape:
            loss = wb.reduce_mean(wb.square(wb.matmul(wb.constant(x), variables[0]) + variables[1] - wb.constant(y)))
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))


def fresh_variables():
    return [wb.Variable(np.full((3, 2), 0.3, np.float32), name="kernel"),
            wb.Variable(np.zeros(2, np.float32), name="bias")]


@pytest.mark.parametrize("make_opt", RESUMABLE, ids=["nadam", "adamax_ema", "lion", "adadelta", "ftrl",
                                                     "adam_accumulating_ema"])
def test_resumed_training_matches_uninterrupted(tmp_path, make_opt):
    data_rng = np.random.default_rng(3)
    data = [(data_rng.standard_normal((4, 3)).astype(np.float32),
             data_rng.standard_normal((4, 2)).astype(np.float32)) for _ in range(10)]
    ref_vars, ref_opt = fresh_variables(), make_opt()
    train(ref_vars, ref_opt, data)

    variables, opt = fresh_variables(), make_opt()
    train(variables, opt, data[:5])
    prefix = wb.Checkpoint(kernel=variables[0], bias=variables[1], optimizer=opt).save(str(tmp_path / "ckpt"))

    restored, opt2 = fresh_variables(), make_opt()
    status = wb.Checkpoint(kernel=restored[0], bias=restored[1], optimizer=opt2).restore(prefix)
    status.assert_existing_objects_matched()   # the slots wait for the first step, as in TF
    train(restored, opt2, data[5:])
    status.assert_consumed()
    for got, want in zip(restored, ref_vars):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    for name in opt2.get_slot_names():
        for got, want in zip(restored, ref_vars):
            np.testing.assert_array_equal(opt2.get_slot(got, name).numpy(), ref_opt.get_slot(want, name).numpy())
    assert int(opt2.variables_by_path()["iterations"].numpy()) == 10


def test_weight_decay_exclusion_takes_patterns_and_each_call_replaces_the_last():
    kernel = wb.Variable([1.0, 1.0], name="dense/kernel")
    bias = wb.Variable([1.0, 1.0], name="dense/bias")
    gamma = wb.Variable([1.0, 1.0], name="norm/gamma")
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias$", "^norm/"])
    zero = wb.constant([0.0, 0.0])
    opt.apply_gradients([(zero, kernel), (zero, bias), (zero, gamma)])  # only the decay moves a weight
    np.testing.assert_allclose(kernel.numpy(), [0.95, 0.95], rtol=1e-6)
    np.testing.assert_array_equal(bias.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(gamma.numpy(), [1.0, 1.0])
    opt.exclude_from_weight_decay(var_list=[kernel])
    opt.apply_gradients([(zero, kernel), (zero, bias), (zero, gamma)])
    np.testing.assert_allclose(kernel.numpy(), [0.95, 0.95], rtol=1e-6)
    np.testing.assert_allclose(bias.numpy(), [0.95, 0.95], rtol=1e-6)
    with pytest.raises(TypeError, match="var_names must be strings"):
        opt.exclude_from_weight_decay(var_names=[3])
