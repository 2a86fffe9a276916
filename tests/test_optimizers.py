"""Optimizers against their published update rules (written out in NumPy), schedules against
their formulas, and norm clipping with TF's semantics."""

import math
import warnings

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape, check_gradients
from workbench.optimizers import schedules

# f(w) = sum(0.5 * a * w**2 + b * w): gradient a * w + b, different curvature per coordinate
A = np.array([1.0, 4.0, 0.25, 2.0])
B = np.array([-1.0, 0.5, 2.0, 0.0])
W0 = np.array([1.5, -2.0, 0.5, 3.0])
STEPS = 6


def grad(w):
    return A * w + B


def f32(x):
    """A hyperparameter as the optimizer sees it: the learning rate is a float32 Variable."""
    return float(np.float32(x))


def ref_sgd(learning_rate=0.01, momentum=0.0, nesterov=False):
    w, m = W0.copy(), np.zeros(4)
    lr = f32(learning_rate)
    for _ in range(STEPS):
        g = grad(w)
        if momentum == 0:
            w = w - lr * g
            continue
        m = momentum * m - lr * g
        w = w + (momentum * m - lr * g if nesterov else m)
    return w


def ref_adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, weight_decay=0.0):
    w, m, v, vhat = W0.copy(), np.zeros(4), np.zeros(4), np.zeros(4)
    lr = f32(learning_rate)
    for t in range(1, STEPS + 1):
        g = grad(w)
        w = w - w * weight_decay * lr  # decoupled decay comes first (AdamW)
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g * g
        vhat = np.maximum(vhat, v)
        alpha = lr * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        w = w - alpha * m / (np.sqrt(vhat if amsgrad else v) + epsilon)
    return w


def ref_rmsprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    w, ms, mg, mom = W0.copy(), np.zeros(4), np.zeros(4), np.zeros(4)
    lr = f32(learning_rate)
    for _ in range(STEPS):
        g = grad(w)
        ms = rho * ms + (1 - rho) * g * g
        mg = rho * mg + (1 - rho) * g
        denom = ms - mg * mg + epsilon if centered else ms + epsilon
        step = lr * g / np.sqrt(denom)
        mom = momentum * mom + step
        w = w - (mom if momentum else step)
    return w


def ref_adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7):
    w, acc = W0.copy(), np.full(4, initial_accumulator_value)
    lr = f32(learning_rate)
    for _ in range(STEPS):
        g = grad(w)
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + epsilon)
    return w


CASES = [
    ("sgd", wb.optimizers.SGD, dict(learning_rate=0.1), ref_sgd),
    ("sgd_momentum", wb.optimizers.SGD, dict(learning_rate=0.1, momentum=0.9), ref_sgd),
    ("sgd_nesterov", wb.optimizers.SGD, dict(learning_rate=0.1, momentum=0.9, nesterov=True), ref_sgd),
    ("adam", wb.optimizers.Adam, dict(learning_rate=0.3), ref_adam),
    ("adam_amsgrad", wb.optimizers.Adam, dict(learning_rate=0.3, beta_2=0.5, amsgrad=True), ref_adam),
    ("adam_betas", wb.optimizers.Adam, dict(learning_rate=0.2, beta_1=0.5, beta_2=0.8, epsilon=1e-3),
     ref_adam),
    ("adamw", wb.optimizers.AdamW, dict(learning_rate=0.3, weight_decay=0.1), ref_adam),
    ("rmsprop", wb.optimizers.RMSprop, dict(learning_rate=0.05), ref_rmsprop),
    ("rmsprop_centered", wb.optimizers.RMSprop, dict(learning_rate=0.05, centered=True), ref_rmsprop),
    ("rmsprop_momentum", wb.optimizers.RMSprop, dict(learning_rate=0.05, momentum=0.5), ref_rmsprop),
    ("rmsprop_centered_momentum", wb.optimizers.RMSprop,
     dict(learning_rate=0.05, rho=0.8, centered=True, momentum=0.5), ref_rmsprop),
    ("adagrad", wb.optimizers.Adagrad, dict(learning_rate=0.5), ref_adagrad),
    ("adagrad_init", wb.optimizers.Adagrad, dict(learning_rate=0.5, initial_accumulator_value=1.0,
                                                 epsilon=1e-3), ref_adagrad),
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


def test_variants_really_differ():
    # the variant tests above would be vacuous if the variants did the same thing
    assert not np.allclose(ref_adam(0.3, beta_2=0.5, amsgrad=True), ref_adam(0.3, beta_2=0.5))
    assert not np.allclose(ref_sgd(0.1, 0.9, True), ref_sgd(0.1, 0.9, False))
    assert not np.allclose(ref_rmsprop(0.05, centered=True), ref_rmsprop(0.05))


def test_slots_created_lazily_and_listed():
    w = wb.Variable(W0)
    opt = wb.optimizers.Adam(amsgrad=True)
    assert opt.get_slot_names() == ["m", "v", "vhat"]
    with pytest.raises(ValueError, match="no slots"):
        opt.get_slot(w, "m")
    opt.apply_gradients([(wb.constant(grad(W0)), w)])
    m = opt.get_slot(w, "m")
    assert isinstance(m, wb.Variable) and m.shape == w.shape and not m.trainable
    np.testing.assert_allclose(m.numpy(), 0.1 * grad(W0))
    assert len(opt.variables) == 2 + 3  # iterations, learning_rate, three slots
    assert set(opt.variables_by_path()) == {"iterations", "learning_rate"}
    with pytest.raises(ValueError, match="no slot named"):
        opt.get_slot(w, "momentum")


def test_build_creates_slots_eagerly():
    w = wb.Variable(W0)
    opt = wb.optimizers.Adagrad(initial_accumulator_value=0.5)
    opt.build([w])
    np.testing.assert_array_equal(opt.get_slot(w, "accumulator").numpy(), np.full(4, 0.5))


def test_none_gradient_warns_with_variable_name():
    w = wb.Variable(W0, name="used")
    unused = wb.Variable(W0, name="unused_bias")
    opt = wb.optimizers.SGD(0.1)
    with pytest.warns(UserWarning, match="unused_bias"):
        opt.apply_gradients([(wb.constant(grad(W0)), w), (None, unused)])
    np.testing.assert_array_equal(unused.numpy(), W0)
    with pytest.raises(ValueError, match="no gradients provided"):
        opt.apply_gradients([(None, w)])


def test_shape_and_dtype_mismatch_errors():
    w = wb.Variable(np.zeros((2, 3)), name="kernel")
    opt = wb.optimizers.SGD()
    with pytest.raises(ValueError, match=r"kernel.*shape \(3, 2\).*shape \(2, 3\)"):
        opt.apply_gradients([(np.zeros((3, 2)), w)])
    with pytest.raises(TypeError, match="dtype float32"):
        opt.apply_gradients([(np.zeros((2, 3), np.float32), w)])


@pytest.mark.parametrize("clip", ["clipnorm", "clipvalue", "global_clipnorm"])
def test_gradient_clipping(clip):
    g1, g2 = np.array([3.0, 4.0]), np.array([0.0, 12.0])
    w1, w2 = wb.Variable(np.zeros(2)), wb.Variable(np.zeros(2))
    opt = wb.optimizers.SGD(learning_rate=1.0, **{clip: 1.0 if clip != "global_clipnorm" else 6.5})
    opt.apply_gradients([(g1, w1), (g2, w2)])
    if clip == "clipnorm":
        want = [g1 / 5.0, g2 / 12.0]
    elif clip == "clipvalue":
        want = [np.clip(g1, -1, 1), np.clip(g2, -1, 1)]
    else:
        want = [g1 * 6.5 / 13.0, g2 * 6.5 / 13.0]
    np.testing.assert_allclose(-w1.numpy(), want[0], rtol=1e-12)
    np.testing.assert_allclose(-w2.numpy(), want[1], rtol=1e-12)


def test_only_one_clipping_option():
    with pytest.raises(ValueError, match="at most one"):
        wb.optimizers.Adam(clipnorm=1.0, global_clipnorm=1.0)


def test_learning_rate_forms():
    # a float becomes a float32 Variable that can be changed
    opt = wb.optimizers.SGD(learning_rate=0.5)
    assert opt.learning_rate.dtype == np.float32 and float(opt.learning_rate) == 0.5
    opt.learning_rate = 0.25
    w = wb.Variable([1.0])
    opt.apply_gradients([(wb.constant([1.0]), w)])
    assert w.numpy()[0] == np.float32(0.75)
    # a user Variable is used as is
    lr = wb.Variable(0.5, trainable=False)
    opt = wb.optimizers.SGD(learning_rate=lr)
    lr.assign(0.125)
    w = wb.Variable([1.0])
    opt.apply_gradients([(wb.constant([1.0]), w)])
    assert w.numpy()[0] == np.float32(0.875)
    # a schedule is evaluated at the step count before the update
    sched = schedules.PiecewiseConstantDecay([1], [1.0, 0.5])
    opt = wb.optimizers.SGD(learning_rate=sched)
    w = wb.Variable([0.0])
    seen = []
    for _ in range(3):
        seen.append(float(opt.learning_rate))
        opt.apply_gradients([(wb.constant([1.0]), w)])
    assert seen == [1.0, 1.0, 0.5]
    assert w.numpy()[0] == np.float32(-2.5)
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate = 0.1
    # any callable of the step works too
    opt = wb.optimizers.SGD(learning_rate=lambda step: 0.5 / (1.0 + wb.cast(step, wb.float32)))
    w = wb.Variable([0.0])
    opt.apply_gradients([(wb.constant([1.0]), w)])
    opt.apply_gradients([(wb.constant([1.0]), w)])
    np.testing.assert_allclose(w.numpy(), [-0.75])


def test_weight_decay_exclusion():
    w = wb.Variable([1.0, 1.0], name="dense/kernel")
    b = wb.Variable([1.0, 1.0], name="dense/bias")
    opt = wb.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    zero = wb.constant([0.0, 0.0])
    opt.apply_gradients([(zero, w), (zero, b)])  # zero gradient: only the decay moves w
    np.testing.assert_allclose(w.numpy(), [0.95, 0.95], rtol=1e-6)
    np.testing.assert_array_equal(b.numpy(), [1.0, 1.0])


def test_update_inside_tape_keeps_recorded_value():
    # the tape holds a read of w; updating w must not change the gradient it computes
    w = wb.Variable([1.0, 2.0])
    opt = wb.optimizers.Adam(learning_rate=0.5)
    with GradientTape(persistent=True) as tape:
        y = wb.reduce_sum(w * w)
        opt.apply_gradients([(wb.constant([1.0, 1.0]), w)])
    assert not np.allclose(w.numpy(), [1.0, 2.0])
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), [2.0, 4.0])


def test_minimize_forms():
    w = wb.Variable([2.0])
    opt = wb.optimizers.SGD(learning_rate=0.25)
    opt.minimize(lambda: wb.reduce_sum(w * w), var_list=lambda: [w])
    np.testing.assert_allclose(w.numpy(), [1.0])
    with GradientTape() as tape:
        loss = wb.reduce_sum(w * w)
    opt.minimize(loss, [w], tape=tape)
    np.testing.assert_allclose(w.numpy(), [0.5])
    with pytest.raises(TypeError, match="callable"):
        opt.minimize(wb.reduce_sum(w * w), [w])


def test_invalid_hyperparameters():
    with pytest.raises(ValueError, match="momentum"):
        wb.optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="beta_1"):
        wb.optimizers.Adam(beta_1=1.0)
    with pytest.raises(TypeError, match="only floating"):
        wb.optimizers.SGD().apply_gradients([(np.ones(2, np.int32), wb.Variable(np.ones(2, np.int32)))])


# -- schedules -----------------------------------------------------------------------


def _values(sched, steps):
    out = [sched(s) for s in steps]
    assert all(v.dtype == np.float32 and v.shape == () for v in out)
    return np.array([float(v) for v in out])


def test_exponential_decay():
    steps = [0, 5, 10, 15, 30]
    smooth = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    stair = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    s = np.array(steps, float)
    np.testing.assert_allclose(_values(smooth, steps), 0.1 * 0.5 ** (s / 10), rtol=1e-6)
    np.testing.assert_allclose(_values(stair, steps), 0.1 * 0.5 ** np.floor(s / 10), rtol=1e-6)


def test_piecewise_constant_decay():
    sched = schedules.PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])
    np.testing.assert_allclose(_values(sched, [0, 100, 101, 110, 111, 1000]),
                               [1.0, 1.0, 0.5, 0.5, 0.1, 0.1], rtol=1e-7)
    with pytest.raises(ValueError, match="one more"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0, 0.5])


def test_cosine_decay():
    steps = np.array([0, 25, 50, 100, 200], float)
    sched = schedules.CosineDecay(0.2, decay_steps=100, alpha=0.1)
    frac = np.minimum(steps, 100) / 100
    want = 0.2 * ((1 - 0.1) * 0.5 * (1 + np.cos(np.pi * frac)) + 0.1)
    np.testing.assert_allclose(_values(sched, steps.astype(int)), want, rtol=1e-6)


def test_cosine_decay_with_warmup():
    sched = schedules.CosineDecay(0.0, decay_steps=100, alpha=0.0, warmup_target=1.0, warmup_steps=10)
    steps = np.array([0, 5, 10, 60, 110, 500])
    warm = 0.0 + (1.0 - 0.0) * np.minimum(steps, 10) / 10
    decay_s = np.clip(steps - 10, 0, 100) / 100
    decayed = 1.0 * 0.5 * (1 + np.cos(np.pi * decay_s))
    want = np.where(steps < 10, warm, decayed)
    np.testing.assert_allclose(_values(sched, steps), want, rtol=1e-6, atol=1e-7)
    assert want[1] == 0.5 and want[2] == 1.0  # linear warmup reaches the target


def test_polynomial_decay():
    steps = np.array([0, 3, 10, 15])
    sched = schedules.PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.1, power=2.0)
    s = np.minimum(steps, 10)
    np.testing.assert_allclose(_values(sched, steps), 0.9 * (1 - s / 10) ** 2 + 0.1, rtol=1e-6)
    cyc = schedules.PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.1, power=1.0, cycle=True)
    span = 10 * np.maximum(1, np.ceil(steps / 10))
    np.testing.assert_allclose(_values(cyc, steps), 0.9 * (1 - steps / span) + 0.1, rtol=1e-6)


def test_inverse_time_decay():
    steps = np.array([0, 1, 5, 12])
    sched = schedules.InverseTimeDecay(0.5, decay_steps=2, decay_rate=0.5)
    stair = schedules.InverseTimeDecay(0.5, decay_steps=2, decay_rate=0.5, staircase=True)
    np.testing.assert_allclose(_values(sched, steps), 0.5 / (1 + 0.5 * steps / 2), rtol=1e-6)
    np.testing.assert_allclose(_values(stair, steps), 0.5 / (1 + 0.5 * np.floor(steps / 2)), rtol=1e-6)


def test_schedule_takes_tensor_step():
    sched = schedules.ExponentialDecay(1.0, 1, 0.5)
    assert float(sched(wb.constant(np.int64(3)))) == 0.125


# -- clipping ------------------------------------------------------------------------


def test_clip_by_norm():
    t = wb.constant([[3.0, 4.0], [0.3, 0.4]])
    np.testing.assert_allclose(wb.clip_by_norm(t, 1.0).numpy(), t.numpy() / np.sqrt(25.25), rtol=1e-6)
    np.testing.assert_allclose(wb.clip_by_norm(t, 100.0).numpy(), t.numpy())
    by_row = wb.clip_by_norm(t, 1.0, axes=[1]).numpy()
    np.testing.assert_allclose(by_row, [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)


def test_global_norm_and_clip_by_global_norm():
    ts = [wb.constant([3.0]), None, wb.constant([[4.0, 0.0]])]
    assert float(wb.linalg.global_norm(ts)) == 5.0
    clipped, norm = wb.clip_by_global_norm(ts, 2.5)
    assert clipped[1] is None and float(norm) == 5.0
    np.testing.assert_allclose(clipped[0].numpy(), [1.5])
    np.testing.assert_allclose(clipped[2].numpy(), [[2.0, 0.0]])
    same, _ = wb.clip_by_global_norm(ts, 10.0)
    np.testing.assert_allclose(same[2].numpy(), ts[2].numpy())
    # a precomputed norm is used as given
    half, norm = wb.clip_by_global_norm(ts, 1.0, use_norm=2.0)
    assert float(norm) == 2.0
    np.testing.assert_allclose(half[0].numpy(), [1.5])
    # an infinite global norm makes every value NaN (TF's rule)
    with np.errstate(invalid="ignore"):
        bad, norm = wb.clip_by_global_norm([wb.constant([np.inf]), wb.constant([1.0])], 1.0)
    assert np.isinf(float(norm)) and np.isnan(bad[1].numpy()).all()
    with pytest.raises(TypeError, match="list or tuple"):
        wb.clip_by_global_norm(wb.constant([1.0]), 1.0)
    with pytest.raises(TypeError, match="same dtype"):
        wb.linalg.global_norm([wb.constant([1.0]), wb.constant(np.array([1.0]))])


def test_clipping_is_differentiable():
    rng = np.random.default_rng(0)
    x = wb.constant(rng.standard_normal((2, 3)))
    y = wb.constant(rng.standard_normal(4))
    check_gradients(lambda a: wb.clip_by_norm(a, 1.0), [x])
    check_gradients(lambda a: wb.clip_by_norm(a, 1.0, axes=[1]), [x])
    check_gradients(lambda a, b: wb.clip_by_global_norm([a, b], 1.5)[0], [x, y])
    check_gradients(lambda a, b: wb.linalg.global_norm([a, b]), [x, y])


def test_clip_gradient_at_zero_is_finite_and_global_norm_is_tf_nan():
    z = wb.Variable(np.zeros(3))
    with GradientTape() as tape:
        out = wb.reduce_sum(wb.clip_by_norm(z, 1.0))
    g = tape.gradient(out, z).numpy()
    assert np.all(np.isfinite(g))
    with GradientTape() as tape:   # TF 2.21: sqrt(2 * sum(l2_loss)) at 0 has a NaN gradient
        out = wb.linalg.global_norm([z])
    assert np.all(np.isnan(tape.gradient(out, z).numpy()))


def test_no_recording_of_optimizer_math():
    # the update must not be recorded on an active tape (it is raw array math)
    w = wb.Variable([1.0, 2.0])
    opt = wb.optimizers.SGD(0.1, momentum=0.9)
    with GradientTape() as tape:
        opt.apply_gradients([(wb.constant([1.0, 1.0]), w)])
        y = wb.reduce_sum(w * 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = tape.gradient(y, opt.get_slot(w, "momentum"))
    assert g is None


def test_copy_on_write_keeps_the_buffer_layout():
    """A variable a tape still holds is copied before an in-place update; the copy keeps the
    buffer's memory order (BLAS sums in another order on another layout, so results would
    differ in the last bits from a run without the hold)."""
    w = wb.Variable(np.asfortranarray(np.arange(12.0, dtype=np.float32).reshape(3, 4)))
    opt = wb.optimizers.SGD(0.1)
    with wb.GradientTape(persistent=True) as tape:
        loss = wb.reduce_sum(w * w)
    opt.apply_gradients([(tape.gradient(loss, w), w)])  # the persistent tape still holds w
    assert w._data.flags.f_contiguous and not w._data.flags.c_contiguous
    np.testing.assert_allclose(w.numpy(), np.arange(12.0, dtype=np.float32).reshape(3, 4) * 0.8, rtol=1e-6)
    del tape
