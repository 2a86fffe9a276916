"""An optimizer's state in a ``wb.train.Checkpoint`` has the keys TF 2.21 + Keras 3 write
(``tf.train.list_variables``), and checkpoints written with this library's earlier keys (the
slots under ``<var>/.OPTIMIZER_SLOT/optimizer/<slot>``) still restore."""

import os

import numpy as np
import pytest

import workbench as wb

from tests.checkpoint_keys_helpers import make_and_train, make_net, train

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "checkpoint_v1", "ckpt-1")
A = "/.ATTRIBUTES/VARIABLE_VALUE"


def _keys(path):
    return [(k, tuple(s)) for k, s in wb.train.list_variables(path)]


def test_keys_of_model_and_adam_are_keras3s(tmp_path):
    net, opt, step = make_and_train(1)
    path = wb.train.Checkpoint(step=step, optimizer=opt, net=net).save(str(tmp_path / "ck"))
    # TF 2.21 + Keras 3.15, the same model and one Adam step
    want = [("_CHECKPOINTABLE_OBJECT_GRAPH", ()),
            ("net/l1/_kernel" + A, (3, 4)), ("net/l1/bias" + A, (4,)),
            ("net/l2/_kernel" + A, (4, 2)), ("net/l2/bias" + A, (2,)),
            ("optimizer/_iterations" + A, ()), ("optimizer/_learning_rate" + A, ()),
            ("optimizer/_variables/2" + A, (3, 4)), ("optimizer/_variables/3" + A, (3, 4)),
            ("optimizer/_variables/4" + A, (4,)), ("optimizer/_variables/5" + A, (4,)),
            ("optimizer/_variables/6" + A, (4, 2)), ("optimizer/_variables/7" + A, (4, 2)),
            ("optimizer/_variables/8" + A, (2,)), ("optimizer/_variables/9" + A, (2,)),
            ("save_counter" + A, ()), ("step" + A, ())]
    assert _keys(path) == want
    m0, v0 = opt.variables[2:4]
    reader = wb.train.load_checkpoint(path)
    np.testing.assert_array_equal(reader.get_tensor("optimizer/_variables/2" + A), m0.numpy())
    np.testing.assert_array_equal(reader.get_tensor("optimizer/_variables/3" + A), v0.numpy())


def test_optimizer_without_its_model_saves_the_variables_it_updates(tmp_path):
    net, opt, _ = make_and_train(1)
    path = wb.train.Checkpoint(optimizer=opt).save(str(tmp_path / "ck"))
    keys = [k for k, _ in _keys(path)]
    assert keys[:3] == ["_CHECKPOINTABLE_OBJECT_GRAPH", "optimizer/_iterations" + A, "optimizer/_learning_rate" + A]
    assert keys[3:7] == [f"optimizer/_trainable_variables/{i}" + A for i in range(4)]
    assert keys[7:15] == [f"optimizer/_variables/{i}" + A for i in range(2, 10)]
    # a sorted name before the model's: the model's variables are saved under the optimizer
    path = wb.train.Checkpoint(a_opt=opt, z_net=net).save(str(tmp_path / "ck2"))
    assert not any(k.startswith("z_net/") for k, _ in _keys(path))


def test_schedule_has_no_learning_rate_key_and_unbuilt_optimizer(tmp_path):
    net = make_net()
    opt = wb.keras.optimizers.Adam(wb.keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9))
    path = wb.train.Checkpoint(optimizer=opt).save(str(tmp_path / "unbuilt"))
    assert [k for k, _ in _keys(path)] == ["_CHECKPOINTABLE_OBJECT_GRAPH", "optimizer/_iterations" + A,
                                           "save_counter" + A]
    train(net, opt, 1)
    keys = [k for k, _ in _keys(wb.train.Checkpoint(optimizer=opt, net=net).save(str(tmp_path / "ck")))]
    assert [k for k in keys if k.startswith("optimizer/")] == (
        ["optimizer/_iterations" + A] + [f"optimizer/_variables/{i}" + A for i in range(1, 9)])


def _slot_order(opt, steps=1):
    k = wb.Variable(np.ones((3, 2), np.float32))
    b = wb.Variable(np.ones((2,), np.float32))
    for _ in range(steps):
        with wb.GradientTape() as tape:
            loss = wb.reduce_sum(wb.matmul(wb.ones((1, 3)), k) + b) ** 2
        opt.apply_gradients(zip(tape.gradient(loss, [k, b]), [k, b]))
    ref = {id(k): "k", id(b): "b"}
    out = []
    for v in opt.variables:
        owner = [name for var, name, slot in opt._slot_items() if slot is v]
        out.append(f"{ref[id(next(var for var, _, s in opt._slot_items() if s is v))]}_{owner[0]}"
                   if owner else v.path.rpartition("/")[2])
    return out


@pytest.mark.parametrize("make, steps, want", [
    # Keras 3.15's `optimizer.variables` (its names: momentum=m, velocity=v / rms,
    # average_gradient=mg, velocity_hat=vhat, variable=u_product)
    (lambda O: O.Adam(0.1, amsgrad=True), 1,
     ["iterations", "learning_rate", "k_m", "k_v", "b_m", "b_v", "k_vhat", "b_vhat"]),
    (lambda O: O.RMSprop(0.1, momentum=0.9, centered=True), 1,
     ["iterations", "learning_rate", "k_rms", "b_rms", "k_momentum", "b_momentum", "k_mg", "b_mg"]),
    (lambda O: O.Adam(0.1, use_ema=True, gradient_accumulation_steps=2), 2,
     ["iterations", "learning_rate", "k_average", "b_average", "k_gradient_accumulator",
      "b_gradient_accumulator", "k_m", "k_v", "b_m", "b_v"]),
    (lambda O: O.Nadam(0.1), 1, ["iterations", "learning_rate", "k_m", "k_v", "b_m", "b_v", "u_product"]),
    (lambda O: O.Ftrl(0.1), 1, ["iterations", "learning_rate", "k_accumulator", "k_linear", "b_accumulator",
                                "b_linear"]),
])
def test_variables_are_in_keras3s_order(make, steps, want):
    assert _slot_order(make(wb.keras.optimizers), steps) == want


def test_restore_before_the_first_step_continues_exactly(tmp_path):
    net, opt, step = make_and_train(3)
    path = wb.train.Checkpoint(step=step, optimizer=opt, net=net).save(str(tmp_path / "ck"))
    train(net, opt, 2, start=3)
    net2, opt2 = make_net(), wb.keras.optimizers.Adam(0.05)
    status = wb.train.Checkpoint(step=wb.Variable(0, dtype=wb.int64), optimizer=opt2, net=net2).restore(path)
    assert int(opt2.iterations.numpy()) == 3
    assert len(opt2.variables) == 2   # the slots wait for the first step
    train(net2, opt2, 2, start=3)
    status.assert_consumed()
    for a, b in zip(net.weights + opt.variables, net2.weights + opt2.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_restore_into_an_optimizer_that_has_its_slots(tmp_path):
    net, opt, step = make_and_train(3)
    path = wb.train.Checkpoint(optimizer=opt, net=net).save(str(tmp_path / "ck"))
    net2, opt2, _ = make_and_train(1)
    wb.train.Checkpoint(optimizer=opt2, net=net2).restore(path).assert_consumed()
    for a, b in zip(net.weights + opt.variables, net2.weights + opt2.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_optimizer_alone_restores_its_variables_at_the_first_step(tmp_path):
    net, opt, _ = make_and_train(2)
    path = wb.train.Checkpoint(optimizer=opt).save(str(tmp_path / "ck"))
    net2, opt2 = make_net(), wb.keras.optimizers.Adam(0.05)
    status = wb.train.Checkpoint(optimizer=opt2).restore(path)
    assert len(status.pending) == 12   # 4 trainable variables and 8 slots
    opt2.build(net2.trainable_variables)
    assert status.pending == []
    status.assert_consumed()
    for a, b in zip(net.trainable_variables + opt.variables, net2.trainable_variables + opt2.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("slots_first", [False, True])
def test_checkpoint_with_the_earlier_keys_restores(slots_first):
    keys = [k for k, _ in wb.train.list_variables(FIXTURE)]
    assert "net/l1/_kernel/.OPTIMIZER_SLOT/optimizer/m" + A in keys
    assert "optimizer/iterations" + A in keys
    if slots_first:   # an optimizer that already has its slots: they are assigned now
        net2, opt2, _ = make_and_train(1)
    else:             # a new one: the slots take the saved values when the first step makes them
        net2, opt2 = make_net(), wb.keras.optimizers.Adam(0.05)
    step = wb.Variable(0, dtype=wb.int64)
    status = wb.train.Checkpoint(step=step, optimizer=opt2, net=net2).restore(FIXTURE)
    assert int(step.numpy()) == 3 and int(opt2.iterations.numpy()) == 3
    train(net2, opt2, 2, start=3)
    status.assert_consumed()
    net, opt, _ = make_and_train(3)
    train(net, opt, 2, start=3)
    for a, b in zip(net.weights + opt.variables, net2.weights + opt2.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("slots_first", [False, True])
def test_nadam_ema_checkpoint_with_the_earlier_keys_restores(slots_first):
    # u_product (Keras 3 makes it at the first step: a value for it waits until then) and the
    # moving averages, saved with the earlier keys
    fixture = os.path.join(os.path.dirname(FIXTURE), "nadam-1")
    assert "optimizer/u_product" + A in [k for k, _ in wb.train.list_variables(fixture)]
    net2 = make_net()
    opt2 = wb.keras.optimizers.Nadam(0.05, use_ema=True)
    if slots_first:
        train(net2, opt2, 1)
    status = wb.train.Checkpoint(optimizer=opt2, net=net2).restore(fixture)
    if not slots_first:
        assert status.pending == ["optimizer/u_product"]
    train(net2, opt2, 2, start=3)
    status.assert_consumed()
    net, opt = make_net(), wb.keras.optimizers.Nadam(0.05, use_ema=True)
    train(net, opt, 5)
    assert [v.path.rpartition("/")[2] for v in opt2.variables][-1] == "u_product"
    for a, b in zip(net.weights + opt.variables, net2.weights + opt2.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
