"""wb.keras.callbacks: Keras 3's callbacks, driven the way Model.fit drives them."""

import io
import json
import os
import re
import warnings

import numpy as np
import pytest

import workbench as wb

keras = wb.keras
callbacks = wb.keras.callbacks


class Recorder(callbacks.Callback):
    """Notes every hook called, in order."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        attr = super().__getattribute__(name)
        if name.startswith("on_") and callable(attr):
            def hook(*args, **kwargs):
                self.calls.append((name,) + args[:1] if args and isinstance(args[0], int) else (name,))
                return attr(*args, **kwargs)
            return hook
        return attr


def small_model():
    wb.keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)])
    model(wb.ones([2, 4]))
    model.stop_training = False
    return model


def drive_fit(cbs, model, epoch_logs, steps=2, initial_epoch=0, verbose=0):
    """Call a CallbackList as fit does: epoch logs come from ``epoch_logs(epoch)``."""
    epochs = len(epoch_logs) if isinstance(epoch_logs, list) else epoch_logs
    get = epoch_logs.__getitem__ if isinstance(epoch_logs, list) else (lambda e: {"loss": 1.0 / (e + 1)})
    cl = cbs if isinstance(cbs, callbacks.CallbackList) else callbacks.CallbackList(
        cbs, add_history=True, add_progbar=verbose != 0, model=model, verbose=verbose, epochs=epochs,
        steps=steps)
    model.stop_training = False
    cl.on_train_begin()
    logs = None
    for epoch in range(getattr(model, "_initial_epoch", None) or initial_epoch, epochs):
        cl.on_epoch_begin(epoch)
        for step in range(steps):
            cl.on_train_batch_begin(step)
            cl.on_train_batch_end(step, {"loss": get(epoch)["loss"]})
        logs = dict(get(epoch))
        cl.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cl.on_train_end(logs)
    return cl


# -- Callback, CallbackList, History ---------------------------------------------------------

def test_callback_defaults_and_batch_aliases():
    seen = []

    class Old(callbacks.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs["loss"]))

    cb = Old()
    assert cb.model is None and cb.params is None
    for hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin",
                 "on_predict_end"):
        assert getattr(cb, hook)(logs={}) is None
    cb.on_train_batch_begin(0)
    cb.on_train_batch_end(0, {"loss": 0.5})
    cb.on_test_batch_end(0, {"loss": 9.0})  # the test hooks are not aliases
    assert seen == [("begin", 0), ("end", 0, 0.5)]
    model = object()
    cb.set_model(model)
    cb.set_params({"epochs": 2})
    assert cb.model is model and cb.params == {"epochs": 2}


def test_callback_list_order_model_params_and_history():
    model = small_model()
    first, second = Recorder(), Recorder()
    cl = callbacks.CallbackList([first, [second]], add_history=True, add_progbar=True, model=model,
                                verbose=0, epochs=2, steps=3)
    assert cl.callbacks[:2] == [first, second]
    assert isinstance(cl.callbacks[2], callbacks.History)
    assert isinstance(cl.callbacks[3], callbacks.ProgbarLogger)
    assert model.history is cl.callbacks[2]
    assert all(cb.model is model for cb in cl.callbacks)
    assert first.params == {"verbose": 0, "epochs": 2, "steps": 3}
    drive_fit(cl, model, [{"loss": 0.9, "val_loss": 1.0}, {"loss": 0.5, "val_loss": 0.7}], steps=1)
    assert first.calls == second.calls == [
        ("on_train_begin",), ("on_epoch_begin", 0), ("on_train_batch_begin", 0), ("on_batch_begin", 0),
        ("on_train_batch_end", 0), ("on_batch_end", 0), ("on_epoch_end", 0),
        ("on_epoch_begin", 1), ("on_train_batch_begin", 0), ("on_batch_begin", 0),
        ("on_train_batch_end", 0), ("on_batch_end", 0), ("on_epoch_end", 1), ("on_train_end",)]
    assert model.history.history == {"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]}
    assert model.history.epoch == [0, 1]


def test_callback_list_keeps_given_history_and_progbar():
    history, bar = callbacks.History(), callbacks.ProgbarLogger()
    cl = callbacks.CallbackList([bar, history], add_history=True, add_progbar=True)
    assert cl.callbacks == [bar, history]
    assert callbacks.CallbackList().callbacks == []
    with pytest.raises(TypeError, match="Callback instances, got str"):
        callbacks.CallbackList(["EarlyStopping"])


def test_batch_logs_become_floats():
    got = []

    class Keep(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            got.append(logs)

    cl = callbacks.CallbackList([Keep()])
    cl.on_train_batch_end(0, {"loss": wb.constant(0.25), "acc": np.float32(0.5), "n": np.int64(3)})
    assert got == [{"acc": 0.5, "loss": 0.25, "n": 3.0}]
    assert all(type(v) is float for v in got[0].values())


# -- ProgbarLogger ---------------------------------------------------------------------------

def test_progbar_verbose_2_one_line_per_epoch(capsys):
    model = small_model()
    logs = [{"loss": 0.5, "accuracy": 0.8}, {"loss": 0.25, "accuracy": 0.9}, {"loss": 0.125, "accuracy": 1.0}]
    drive_fit(None, model, logs, steps=32, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/3"
    assert re.fullmatch(r"32/32 - \d+s - \d+(us|ms|s)/step - accuracy: 0\.8000 - loss: 0\.5000", lines[1]), lines[1]
    assert lines[2] == "Epoch 2/3" and lines[4] == "Epoch 3/3" and len(lines) == 6
    assert "accuracy: 1.0000 - loss: 0.1250" in lines[5]


def test_progbar_verbose_1_without_a_terminal(capsys):
    model = small_model()
    drive_fit(None, model, [{"loss": 0.5}], steps=4, verbose=1)
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out  # no colours or redraws in a pipe
    lines = out.splitlines()
    assert len(lines) == 1 and "Epoch" not in out  # one epoch: no "Epoch 1/1"
    assert re.fullmatch(r"4/4 \S{20} \d+s \d+(us|ms|s)/step - loss: 0\.5000", lines[0]), lines[0]


def test_progbar_verbose_1_on_a_terminal_redraws_in_place():
    class Tty(io.StringIO):
        encoding = "utf-8"

        def isatty(self):
            return True

    out = Tty()
    bar = callbacks.Progbar(4, verbose=1, interval=0.0, stream=out)
    for step in range(1, 5):
        bar.update(step, [("loss", 1.0 / step)])
    text = re.sub(r"\x1b\[\d+m", "", out.getvalue())
    frames = text.split("\r")[1:]
    assert len(frames) == 4 and frames[-1].endswith("\n")
    assert frames[0].startswith("1/4 " + "━" * 5 + "━" * 15)
    assert "loss: 1.0000" in frames[0] and "loss: 0.2500" in frames[-1]


def test_progbar_eta_leaves_out_the_first_step(monkeypatch):
    from workbench.keras.callbacks import progbar as progbar_module

    class Tty(io.StringIO):
        encoding = "utf-8"

        def isatty(self):
            return True

    clock = iter([0.0, 1.0, 3.5, 5.0, 9000.0])
    monkeypatch.setattr(progbar_module.time, "time", lambda: next(clock))
    out = Tty()
    bar = callbacks.Progbar(1000, verbose=1, interval=0.0, stream=out)  # starts at t=0
    bar.update(1)  # t=1: the first step (tracing, warm-up)
    bar.update(2)  # t=3.5: 2.5 s a step since, 998 steps to go
    frames = re.sub(r"\x1b\[\d+m", "", out.getvalue()).split("\r")[1:]
    assert " 41:35 2s/step" in frames[1]
    bar.update(1000, finalize=False)  # t=5: 4 s for 998 steps
    assert " 0s 4ms/step" in out.getvalue().split("\r")[-1].replace("\x1b[1m", "").replace("\x1b[0m", "")
    bar.update(1000)  # t=9000: the end shows the time taken
    assert re.sub(r"\x1b\[\d+m", "", out.getvalue()).split("\r")[-1].startswith("1000/1000 " + "━" * 20 + " 9000s")


def test_progbar_averages_all_but_stateful_metrics_and_checks_arguments():
    out = io.StringIO()
    bar = callbacks.Progbar(2, verbose=2, stateful_metrics=["acc"], stream=out)
    bar.update(1, [("loss", 1.0), ("acc", 0.1)])
    bar.update(2, [("loss", 3.0), ("acc", 0.3)], finalize=False)
    bar.update(2, [], finalize=True)
    assert "loss: 2.0000 - acc: 0.3000" in out.getvalue()
    unknown = io.StringIO()
    callbacks.Progbar(None, verbose=2, stream=unknown).update(5)
    assert unknown.getvalue() == ""  # no target, never finished
    with pytest.raises(ValueError, match="target must be a non-negative int"):
        callbacks.Progbar(-1)
    with pytest.raises(ValueError, match="verbose must be 0, 1 or 2, got 3"):
        callbacks.Progbar(3, verbose=3)


def test_progbar_evaluate_and_predict_outside_fit(capsys):
    logger = callbacks.ProgbarLogger()
    cl = callbacks.CallbackList([logger], model=small_model(), verbose=2, epochs=1, steps=3)
    cl.on_test_begin()
    for step in range(3):
        cl.on_test_batch_end(step, {"loss": 0.5})
    cl.on_test_end({"loss": 0.5})
    assert re.fullmatch(r"3/3 - \d+s - \d+(us|ms|s)/step - loss: 0\.5000\n", capsys.readouterr().out)
    cl.on_predict_begin()
    for step in range(3):
        cl.on_predict_batch_end(step, {"outputs": np.zeros((2, 1))})
    cl.on_predict_end()
    assert re.fullmatch(r"3/3 - \d+s - \d+(us|ms|s)/step\n", capsys.readouterr().out)


# -- a training loop that drives callbacks as Model.fit does -----------------------------------

def regression_data(n=32, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], np.float32) + 0.1).astype(np.float32)
    return x, y


def train(model, x, y, epochs, cbs=(), batch_size=8, initial_epoch=0, verbose=0, validation=True):
    """Mini-batch MSE training with model.optimizer, calling the hooks in fit's order."""
    steps = len(x) // batch_size
    cl = callbacks.CallbackList(list(cbs), add_history=True, add_progbar=verbose != 0, model=model,
                                verbose=verbose, epochs=epochs, steps=steps)
    model.stop_training = False
    model._initial_epoch = None
    cl.on_train_begin()
    start = model._initial_epoch if model._initial_epoch is not None else initial_epoch
    logs = None
    for epoch in range(start, epochs):
        cl.on_epoch_begin(epoch)
        total = 0.0
        for step in range(steps):
            cl.on_train_batch_begin(step)
            xb, yb = x[step * batch_size:(step + 1) * batch_size], y[step * batch_size:(step + 1) * batch_size]
            with wb.GradientTape() as tape:
                loss = wb.reduce_mean((model(wb.constant(xb)) - wb.constant(yb)) ** 2)
            variables = model.trainable_variables
            model.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            total += float(loss)
            cl.on_train_batch_end(step, {"loss": total / (step + 1)})
            if model.stop_training:
                break
        logs = {"loss": total / (step + 1)}
        if validation:
            logs["val_loss"] = float(wb.reduce_mean((model(wb.constant(x)) - wb.constant(y)) ** 2))
        cl.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cl.on_train_end(logs)
    return model.history


def compiled_model(optimizer=None):
    model = small_model()
    model.optimizer = optimizer if optimizer is not None else wb.optimizers.SGD(learning_rate=0.01)
    return model


class SetWeights(callbacks.Callback):
    """At each epoch's end, fills every weight with the epoch number (so restores are visible)."""

    def on_epoch_end(self, epoch, logs=None):
        self.model.set_weights([np.full(w.shape, epoch, w.dtype) for w in self.model.get_weights()])


# -- EarlyStopping ---------------------------------------------------------------------------

def losses(*values, key="val_loss"):
    return [{"loss": 1.0, key: v} for v in values]


def test_early_stopping_stops_after_patience_and_restores_best_weights(capsys):
    model = small_model()
    stop = callbacks.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    drive_fit([SetWeights(), stop], model, losses(1.0, 0.5, 0.6, 0.7, 0.1, 0.1))
    assert stop.stopped_epoch == 3 and len(model.history.epoch) == 4
    assert stop.best == 0.5 and stop.best_epoch == 1
    assert all((w == 1).all() for w in model.get_weights())  # epoch 1's weights, not epoch 3's
    out = capsys.readouterr().out
    assert "Epoch 4: early stopping" in out and "best epoch: 2." in out


def test_early_stopping_runs_to_the_end_while_improving_and_keeps_weights_without_restore():
    model = small_model()
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=1)
    drive_fit([SetWeights(), stop], model, losses(5, 4, 3, 2, 1))
    assert stop.stopped_epoch == 0 and model.history.epoch == [0, 1, 2, 3, 4]
    model = small_model()
    drive_fit([SetWeights(), callbacks.EarlyStopping(patience=0)], model, losses(1.0, 2.0, 0.5))
    assert model.history.epoch == [0, 1] and all((w == 1).all() for w in model.get_weights())


def test_early_stopping_mode_min_delta_baseline_and_start_from_epoch():
    model = small_model()
    stop = callbacks.EarlyStopping(monitor="val_accuracy", patience=1)  # auto: accuracy is maximized
    drive_fit([stop], model, losses(0.5, 0.6, 0.55, 0.9, key="val_accuracy"))
    assert stop.stopped_epoch == 2 and stop.best == 0.6
    stop = callbacks.EarlyStopping(patience=1, min_delta=0.1)  # 0.95 is not 0.1 better than 1.0
    drive_fit([stop], model, losses(1.0, 0.95, 0.5))
    assert stop.stopped_epoch == 1
    stop = callbacks.EarlyStopping(patience=2, baseline=0.5)  # improves, but never beats the baseline
    drive_fit([stop], model, losses(0.9, 0.8, 0.7, 0.6, 0.55))
    assert stop.stopped_epoch == 1 and stop.best == 0.8
    stop = callbacks.EarlyStopping(patience=2, baseline=0.5)  # beats it in time
    drive_fit([stop], model, losses(0.9, 0.4, 0.45, 0.3, 0.35))
    assert stop.stopped_epoch == 0 and stop.best == 0.3
    stop = callbacks.EarlyStopping(patience=0, start_from_epoch=3)  # epochs 0-2 are not watched
    drive_fit([stop], model, losses(1, 2, 3, 4, 5, 6))
    assert stop.stopped_epoch == 4
    stop = callbacks.EarlyStopping(monitor="loss", mode="max", patience=0)
    drive_fit([stop], model, [{"loss": 1.0}, {"loss": 2.0}, {"loss": 1.5}])
    assert stop.stopped_epoch == 2


def test_early_stopping_missing_metric_and_bad_arguments():
    model = small_model()
    stop = callbacks.EarlyStopping(monitor="val_auc")
    with pytest.warns(UserWarning, match="`val_auc`, which is not available. Available metrics are: loss"):
        drive_fit([stop], model, [{"loss": 1.0}, {"loss": 2.0}])
    assert model.history.epoch == [0, 1]
    with pytest.raises(ValueError, match="EarlyStopping: mode must be 'auto', 'min' or 'max', got 'best'"):
        callbacks.EarlyStopping(mode="best")
    with pytest.raises(ValueError, match="EarlyStopping: patience must be a non-negative integer, got -1"):
        callbacks.EarlyStopping(patience=-1)
    with pytest.raises(TypeError, match="EarlyStopping: min_delta must be a number"):
        callbacks.EarlyStopping(min_delta="0.1")


# -- ReduceLROnPlateau, LearningRateScheduler --------------------------------------------------

def lr_of(model):
    return float(np.asarray(model.optimizer.learning_rate))


def test_reduce_lr_on_plateau_after_patience_with_cooldown_and_floor(capsys):
    model = compiled_model(wb.optimizers.SGD(learning_rate=0.1))
    reduce = callbacks.ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_lr=0.03, verbose=1)
    rates = []
    track = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: rates.append(lr_of(model)))
    drive_fit([reduce, track], model, losses(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0))
    history = model.history
    # epochs 1, 2 do not improve -> 0.05 after epoch 2; epoch 3 ends the cooldown (its wait
    # restarts) and counts; 3, 4 -> 0.03 (the floor: not 0.025) after epoch 4; never lower
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03, 0.03])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03])
    assert "Epoch 3: ReduceLROnPlateau reducing learning rate to 0.05" in capsys.readouterr().out


def test_reduce_lr_on_plateau_resets_on_improvement_and_checks_arguments():
    model = compiled_model(wb.optimizers.SGD(learning_rate=0.1))
    drive_fit([callbacks.ReduceLROnPlateau(patience=2)], model, losses(1.0, 1.0, 0.5, 0.5, 0.4, 0.4))
    assert lr_of(model) == pytest.approx(0.1)
    drive_fit([callbacks.ReduceLROnPlateau(monitor="val_accuracy", patience=1)], model,
              losses(0.5, 0.4, key="val_accuracy"))  # accuracy is maximized: 0.4 is worse
    assert lr_of(model) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="does not support a factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.5)
    with pytest.raises(ValueError, match="has no optimizer with a learning_rate"):
        drive_fit([callbacks.ReduceLROnPlateau()], small_model(), losses(1.0))


def test_learning_rate_scheduler_both_signatures_and_bad_output(capsys):
    model = compiled_model(wb.optimizers.SGD(learning_rate=0.1))
    seen = []
    scheduler = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch > 0 else lr, verbose=1)
    drive_fit([scheduler, callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(lr_of(model)))], model, 3)
    history = model.history
    assert seen == pytest.approx([0.1, 0.05, 0.025])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.05" in capsys.readouterr().out
    drive_fit([callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))], model, 2)
    assert lr_of(model) == pytest.approx(0.02)
    with pytest.raises(ValueError, match="should be a float. Got: 'fast'"):
        drive_fit([callbacks.LearningRateScheduler(lambda epoch, lr: "fast")], model, 1)
    with pytest.raises(TypeError, match="schedule must be a function"):
        callbacks.LearningRateScheduler(0.1)


# -- TerminateOnNaN, LambdaCallback ------------------------------------------------------------

def test_terminate_on_nan_stops_at_the_bad_batch(capsys):
    model = small_model()
    steps = []
    cl = callbacks.CallbackList([callbacks.TerminateOnNaN()], add_history=True, model=model, verbose=0, epochs=3,
                                steps=5)
    model.stop_training = False
    cl.on_train_begin()
    for epoch in range(3):
        cl.on_epoch_begin(epoch)
        for step in range(5):
            steps.append((epoch, step))
            cl.on_train_batch_end(step, {"loss": float("nan") if (epoch, step) == (1, 2) else 1.0})
            if model.stop_training:
                break
        if model.stop_training:
            break
    assert steps[-1] == (1, 2) and len(steps) == 8
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out
    model.stop_training = False
    cl.on_train_batch_end(0, {"loss": float("inf")})
    assert model.stop_training


def test_lambda_callback_hooks_and_errors():
    calls = []
    cb = callbacks.LambdaCallback(on_train_begin=lambda logs: calls.append("begin"),
                                  on_epoch_end=lambda epoch, logs: calls.append(("epoch", epoch, logs["loss"])),
                                  on_train_batch_end=lambda batch, logs: calls.append(("batch", batch)),
                                  on_test_end=lambda logs: calls.append("test"))
    drive_fit([cb], small_model(), [{"loss": 0.5}], steps=2)
    cb.on_test_end({})
    assert calls == ["begin", ("batch", 0), ("batch", 1), ("epoch", 0, 0.5), "test"]
    with pytest.raises(TypeError, match="'on_epoch_finish' is not a callback hook"):
        callbacks.LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="on_epoch_end must be a function, got int"):
        callbacks.LambdaCallback(on_epoch_end=3)


# -- CSVLogger -------------------------------------------------------------------------------

def test_csv_logger_rows_append_and_separator(tmp_path):
    path = tmp_path / "logs" / "training.csv"
    model = small_model()
    drive_fit([callbacks.CSVLogger(path)], model, [{"loss": 0.5, "val_loss": 0.6, "accuracy": 0.7},
                                                   {"loss": 0.25, "val_loss": 0.3, "accuracy": 0.8}])
    assert path.read_text().splitlines() == ["epoch,accuracy,loss,val_loss", "0,0.7,0.5,0.6", "1,0.8,0.25,0.3"]
    drive_fit([callbacks.CSVLogger(path, append=True)], model, [{"loss": 0.125, "val_loss": 0.2, "accuracy": 0.9}])
    assert path.read_text().splitlines()[-2:] == ["1,0.8,0.25,0.3", "0,0.9,0.125,0.2"]
    drive_fit([callbacks.CSVLogger(path, separator=";")], model, [{"loss": 1.0}, {"loss": 0.5, "val_loss": 0.4}])
    assert path.read_text().splitlines() == ["epoch;loss;val_loss", "0;1.0;NA", "1;0.5;0.4"]
    with pytest.raises(ValueError, match="separator must be one character"):
        callbacks.CSVLogger(path, separator="::")


# -- TensorBoard -----------------------------------------------------------------------------

def tb_accumulator(folder):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(folder), size_guidance={"tensors": 0, "scalars": 0, "histograms": 0, "images": 0})
    acc.Reload()
    return acc


def tb_scalars(acc, tag):
    from tensorboard.util import tensor_util
    return [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]


def test_tensorboard_epoch_scalars_train_and_validation(tmp_path):
    pytest.importorskip("tensorboard")
    model = compiled_model(wb.optimizers.SGD(learning_rate=0.05))
    x, y = regression_data()
    history = train(model, x, y, epochs=3, cbs=[callbacks.TensorBoard(tmp_path / "logs")])
    assert sorted(os.listdir(tmp_path / "logs")) == ["train", "validation"]
    train_acc = tb_accumulator(tmp_path / "logs" / "train")
    assert tb_scalars(train_acc, "epoch_loss") == [(e, pytest.approx(v)) for e, v in enumerate(history.history["loss"])]
    assert tb_scalars(train_acc, "epoch_learning_rate") == [(e, pytest.approx(0.05)) for e in range(3)]
    assert not any(tag.startswith("batch_") for tag in train_acc.Tags()["tensors"])  # update_freq="epoch"
    assert "keras" in train_acc.Tags()["tensors"]  # write_graph
    val_acc = tb_accumulator(tmp_path / "logs" / "validation")
    assert tb_scalars(val_acc, "epoch_loss") == [(e, pytest.approx(v))
                                                 for e, v in enumerate(history.history["val_loss"])]


def test_tensorboard_batch_scalars_histograms_images_and_speed(tmp_path):
    pytest.importorskip("tensorboard")
    model = compiled_model()
    x, y = regression_data()
    board = callbacks.TensorBoard(str(tmp_path), histogram_freq=2, write_images=True, update_freq=3,
                                  write_steps_per_second=True, write_graph=False)
    train(model, x, y, epochs=3, cbs=[board], validation=False)  # 4 batches an epoch: 12 in all
    assert os.listdir(tmp_path) == ["train"]  # no validation, no empty folder
    acc = tb_accumulator(tmp_path / "train")
    assert [step for step, _ in tb_scalars(acc, "batch_loss")] == [3, 6, 9, 12]
    assert [step for step, _ in tb_scalars(acc, "batch_steps_per_second")] == [3, 6, 9, 12]
    assert all(v > 0 for _, v in tb_scalars(acc, "epoch_steps_per_second"))
    tags = acc.Tags()["tensors"]
    assert "keras" not in tags
    first, second = (layer.name for layer in model.layers)
    assert {f"{first}/kernel/histogram", f"{first}/bias/histogram", f"{second}/kernel/histogram",
            f"{first}/kernel/image"} <= set(tags)
    from tensorboard.util import tensor_util
    events = acc.Tensors(f"{first}/kernel/histogram")
    assert [e.step for e in events] == [0, 2]
    buckets = tensor_util.make_ndarray(events[-1].tensor_proto)
    assert buckets[:, 2].sum() == 4 * 3  # every kernel element counted
    assert [e.step for e in acc.Tensors(f"{first}/kernel/image")] == [0, 2]


def test_tensorboard_graph_is_read_by_the_graphs_dashboard(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.plugins.graph import keras_util
    from tensorboard.util import tensor_util
    model = compiled_model()
    drive_fit([callbacks.TensorBoard(tmp_path)], model, [{"loss": 1.0}])
    event, = tb_accumulator(tmp_path / "train").Tensors("keras")
    text = tensor_util.make_ndarray(event.tensor_proto).item().decode()
    graph = keras_util.keras_model_to_graph_def(json.loads(text))
    assert [node.name for node in graph.node] == [f"{model.name}/{layer.name}" for layer in model.layers]


def test_tensorboard_evaluation_vs_iterations_and_arguments(tmp_path):
    pytest.importorskip("tensorboard")
    model = compiled_model()
    board = callbacks.TensorBoard(tmp_path, write_graph=False)
    cl = callbacks.CallbackList([board], model=model, verbose=0, epochs=1, steps=1)
    model.optimizer.iterations.assign(np.int64(7))
    cl.on_test_begin()
    cl.on_test_end({"loss": 0.25})
    cl.on_train_end()
    acc = tb_accumulator(tmp_path / "validation")
    assert tb_scalars(acc, "evaluation_loss_vs_iterations") == [(7, 0.25)]
    with pytest.raises(ValueError, match="update_freq must be 'epoch', 'batch' or a positive integer, got 0"):
        callbacks.TensorBoard(update_freq=0)
    with pytest.raises(ValueError, match="TensorFlow's profiler"):
        callbacks.TensorBoard(profile_batch=(2, 4))
    with pytest.raises(ValueError, match="profile_batch must be a non-negative integer or a pair"):
        callbacks.TensorBoard(profile_batch="a,b")
    with pytest.raises(TypeError, match="embeddings_metadata must be a file path or a dict"):
        callbacks.TensorBoard(embeddings_metadata=3)
    assert callbacks.TensorBoard(update_freq="batch").update_freq == 1


def test_tensorboard_embeddings_for_the_projector(tmp_path):
    pytest.importorskip("tensorboard")
    from google.protobuf import text_format
    from tensorboard.plugins.projector import projector_config_pb2
    wb.keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Embedding(5, 3, name="words"), keras.layers.Dense(1)])
    model(wb.constant(np.array([[0, 1]], np.int32)))
    model.stop_training = False
    drive_fit([SetWeights(), callbacks.TensorBoard(tmp_path, embeddings_freq=2, write_graph=False,
                                                   embeddings_metadata={"words": "labels.tsv"})], model, 4)
    config = text_format.Parse((tmp_path / "train" / "projector_config.pbtxt").read_text(),
                               projector_config_pb2.ProjectorConfig())
    embedding, = config.embeddings
    assert (embedding.tensor_name, embedding.tensor_path, embedding.metadata_path) == (
        "words/embeddings", "words.embeddings.tsv", "labels.tsv")
    matrix = np.loadtxt(tmp_path / "train" / "words.embeddings.tsv", delimiter="\t")
    np.testing.assert_array_equal(matrix, np.full((5, 3), 2.0))  # written after epochs 0 and 2: the latest
    with pytest.raises(ValueError, match=r"not Embedding layers of the model: \['dense'\]"):
        drive_fit([callbacks.TensorBoard(tmp_path, embeddings_freq=1, embeddings_metadata={"dense": "x.tsv"})],
                  model, 1)


# -- BackupAndRestore ------------------------------------------------------------------------

class Crash(callbacks.Callback):
    """Raises at the start of one epoch, as a killed process would stop there."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt(f"killed at epoch {epoch}")


def test_backup_and_restore_resumes_at_the_epoch_with_the_same_weights(tmp_path):
    x, y = regression_data()
    reference = compiled_model(wb.optimizers.Adam(learning_rate=0.01))
    train(reference, x, y, epochs=5)
    expected = reference.get_weights()

    backup_dir = tmp_path / "backup"
    model = compiled_model(wb.optimizers.Adam(learning_rate=0.01))
    with pytest.raises(KeyboardInterrupt):
        train(model, x, y, epochs=5, cbs=[callbacks.BackupAndRestore(backup_dir), Crash(3)])
    with open(backup_dir / "training_metadata.json") as f:
        assert json.load(f)["epoch"] == 3
    # a new process: a fresh model and optimizer, the same backup folder
    model = compiled_model(wb.optimizers.Adam(learning_rate=0.01))
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    epochs_run = []
    history = train(model, x, y, epochs=5, cbs=[callbacks.BackupAndRestore(backup_dir), callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: epochs_run.append(epoch))])
    assert epochs_run == [3, 4] and history.epoch == [3, 4]
    assert int(model.optimizer.iterations) == 5 * 4
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_array_equal(got, want)
    assert not backup_dir.exists()  # delete_checkpoint=True after a fit that ended


def test_backup_and_restore_every_n_batches_keeps_and_checks(tmp_path):
    x, y = regression_data()
    backup_dir = tmp_path / "backup"
    model = compiled_model()
    saved = []
    backup = callbacks.BackupAndRestore(backup_dir, save_freq=3, delete_checkpoint=False)
    spy = callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: saved.append(
        json.load(open(backup_dir / "training_metadata.json")) if (backup_dir / "training_metadata.json").exists()
        else None))
    train(model, x, y, epochs=2, cbs=[backup, spy])  # 8 batches: saves after batches 3 and 6
    assert [s and (s["epoch"], s["batch"]) for s in saved] == [None, None, (0, 3), (0, 3), (0, 3), (1, 2),
                                                               (1, 2), (1, 2)]
    assert sorted(f for f in os.listdir(backup_dir) if f.endswith(".index.json")) == [
        "backup-1.index.json", "backup-2.index.json"]  # no save at the epochs' ends
    train(model, x, y, epochs=3, cbs=[backup, spy])  # one more save, in epoch 2; two kept
    assert sorted(f for f in os.listdir(backup_dir) if f.endswith(".index.json")) == [
        "backup-3.index.json", "backup-4.index.json"]
    again = compiled_model()
    train(again, x, y, epochs=3, cbs=[callbacks.BackupAndRestore(backup_dir)])
    assert again.history.epoch == [2]  # the last backup was made within epoch 2: it runs again
    with pytest.raises(ValueError, match="Expected either 'epoch' or a positive integer"):
        callbacks.BackupAndRestore(tmp_path, save_freq="batch")
    with pytest.raises(ValueError, match="empty `backup_dir`"):
        callbacks.BackupAndRestore("")


# -- ModelCheckpoint -------------------------------------------------------------------------

def weights_saving_model():
    pytest.importorskip("h5py")  # .weights.h5 files
    return compiled_model()


def h5_files(folder):
    return sorted(p for p in os.listdir(folder) if p.endswith(".weights.h5"))


def test_model_checkpoint_formats_paths_with_epoch_and_metrics(tmp_path):
    model = weights_saving_model()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "ckpt" / "w-{epoch:02d}-{val_loss:.2f}.weights.h5"),
                                           save_weights_only=True)
    drive_fit([SetWeights(), checkpoint], model, losses(0.5, 0.25, 0.75))
    assert h5_files(tmp_path / "ckpt") == ["w-01-0.50.weights.h5", "w-02-0.25.weights.h5", "w-03-0.75.weights.h5"]
    fresh = small_model()
    keras.saving.load_weights(fresh, str(tmp_path / "ckpt" / "w-02-0.25.weights.h5"))
    assert all((w == 1).all() for w in fresh.get_weights())  # epoch index 1's weights


def test_model_checkpoint_save_best_only(tmp_path, capsys):
    model = weights_saving_model()
    path = str(tmp_path / "best.weights.h5")
    checkpoint = callbacks.ModelCheckpoint(path, save_best_only=True, save_weights_only=True, verbose=1)
    drive_fit([SetWeights(), checkpoint], model, losses(0.5, 0.25, 0.75, 0.3))
    assert checkpoint.best == 0.25
    fresh = small_model()
    keras.saving.load_weights(fresh, path)
    assert all((w == 1).all() for w in fresh.get_weights())  # the best epoch's, not the last
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from None to 0.50000, saving model to" in out
    assert "Epoch 3: val_loss did not improve from 0.25000" in out
    # mode="max" and initial_value_threshold: nothing beats 0.9
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "acc-{epoch}.weights.h5"), monitor="val_accuracy",
                                           mode="max", save_best_only=True, save_weights_only=True,
                                           initial_value_threshold=0.6)
    drive_fit([checkpoint], model, losses(0.5, 0.7, 0.65, 0.8, key="val_accuracy"))
    assert h5_files(tmp_path) == ["acc-2.weights.h5", "acc-4.weights.h5", "best.weights.h5"]
    with pytest.warns(UserWarning, match="Can save best model only with val_auc available, skipping"):
        drive_fit([callbacks.ModelCheckpoint(str(tmp_path / "x.keras"), monitor="val_auc", save_best_only=True)],
                  model, losses(0.5))


def test_model_checkpoint_every_n_batches_and_errors(tmp_path):
    model = weights_saving_model()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.weights.h5"), save_weights_only=True,
                                           save_freq=3)
    drive_fit([checkpoint], model, 2, steps=4)  # batches 3 and 6 of 8: epoch 1 batch 3, epoch 2 batch 2
    assert h5_files(tmp_path) == ["e1-b3.weights.h5", "e2-b2.weights.h5"]
    with pytest.raises(ValueError, match=r"must end in `\.keras` \(Keras model format\). Received: filepath=m\.h5"):
        callbacks.ModelCheckpoint("m.h5")
    with pytest.raises(ValueError, match=r"save_weights_only=True.*must end in `\.weights\.h5`"):
        callbacks.ModelCheckpoint("m.keras", save_weights_only=True)
    with pytest.raises(ValueError, match="unrecognized save_freq 'batch'"):
        callbacks.ModelCheckpoint("m.keras", save_freq="batch")
    with pytest.raises(KeyError, match=r"names 'val_acc', which is not among the logs \(loss, val_loss\)"):
        drive_fit([callbacks.ModelCheckpoint(str(tmp_path / "{val_acc:.2f}.weights.h5"), save_weights_only=True)],
                  model, losses(0.5))


# -- ExperimentLogger ------------------------------------------------------------------------

@pytest.fixture
def mlflow_uri(tmp_path, monkeypatch):
    """A local SQLite MLflow store in a fresh folder (MLflow puts artifacts under the cwd)."""
    pytest.importorskip("mlflow")
    pytest.importorskip("tensorboard")
    for name in ("WORKBENCH_TRACKING_URI", "MLFLOW_TRACKING_URI", "WORKBENCH_PARENT_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return f"sqlite:///{tmp_path}/mlflow.db"


def metric_history(uri, run_id, key):
    return sorted((m.step, m.value) for m in wb.tracking.client(uri).get_metric_history(run_id, key))


def test_experiment_logger_logs_params_and_epoch_metrics_to_the_open_run(mlflow_uri, tmp_path):
    x, y = regression_data()
    model = compiled_model(wb.optimizers.Adam(learning_rate=0.01))
    model.loss = "mean_squared_error"

    def cannot_save(path, overwrite=True):
        raise NotImplementedError("this model has no get_config")

    model.save = cannot_save
    with wb.Experiment("callbacks", tracking_uri=mlflow_uri, logdir=str(tmp_path / "runs"),
                       system_metrics=False) as exp:
        with pytest.warns(UserWarning, match=r"model was not logged \(NotImplementedError: this model has no"):
            history = train(model, x, y, epochs=3, cbs=[callbacks.ExperimentLogger()])
        run_id = exp.run_id
    run = wb.tracking.client(mlflow_uri).get_run(run_id)
    assert {k: run.data.params[k] for k in ("optimizer", "learning_rate", "epochs", "steps_per_epoch", "loss")} == {
        "optimizer": "Adam", "learning_rate": "0.01", "epochs": "3", "steps_per_epoch": "4",
        "loss": "mean_squared_error"}
    for key in ("loss", "val_loss"):
        assert metric_history(mlflow_uri, run_id, key) == [(e, pytest.approx(v))
                                                           for e, v in enumerate(history.history[key])]


def test_experiment_logger_matches_the_runs_own_float32_learning_rate(mlflow_uri, tmp_path):
    # the optimizer stores 0.004 in float32; the run's param "0.004" is the same value, no warning
    x, y = regression_data()
    with wb.Experiment("callbacks", tracking_uri=mlflow_uri, logdir=str(tmp_path / "runs"),
                       params={"learning_rate": 0.004}, system_metrics=False) as exp:
        model = compiled_model(wb.optimizers.Adam(learning_rate=exp.params["learning_rate"]))
        model.loss = "mean_squared_error"
        model.save = lambda path, overwrite=True: (_ for _ in ()).throw(NotImplementedError("no config"))
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*already has params")
            warnings.filterwarnings("ignore", message=".*model was not logged")
            train(model, x, y, epochs=1, cbs=[callbacks.ExperimentLogger()])
        run_id = exp.run_id
    assert wb.tracking.client(mlflow_uri).get_run(run_id).data.params["learning_rate"] == "0.004"


def test_experiment_logger_needs_a_run_and_checks_its_argument():
    with pytest.raises(RuntimeError, match="no wb.Experiment is open"):
        drive_fit([callbacks.ExperimentLogger()], small_model(), 1)
    with pytest.raises(TypeError, match="experiment must be a wb.Experiment"):
        callbacks.ExperimentLogger("my-run")


# -- through Model.fit -----------------------------------------------------------------------

def fit_model(learning_rate=0.01, optimizer="sgd"):
    wb.keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Dense(1)])
    opt = (keras.optimizers.Adam(learning_rate=learning_rate) if optimizer == "adam"
           else keras.optimizers.SGD(learning_rate=learning_rate))
    model.compile(optimizer=opt, loss="mse", metrics=["mae"])
    return model


def test_fit_prints_keras_lines_and_returns_the_history(capsys):
    x, y = regression_data()
    history = fit_model().fit(x, y, epochs=2, batch_size=8, validation_split=0.25, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert re.fullmatch(r"3/3 - \d+s - \d+(us|ms|s)/step - loss: [\d.]+ - mae: [\d.]+ - val_loss: [\d.]+ - "
                        r"val_mae: [\d.]+", lines[1]), lines[1]
    assert history.epoch == [0, 1] and sorted(history.history) == ["loss", "mae", "val_loss", "val_mae"]


def test_fit_early_stopping_on_a_plateau():
    x, y = regression_data()
    model = fit_model(learning_rate=0.0)  # nothing changes: every epoch after the first is no better
    stop = callbacks.EarlyStopping(monitor="loss", patience=2)
    history = model.fit(x, y, epochs=20, batch_size=8, verbose=0, callbacks=[stop])
    assert stop.stopped_epoch == 2 and history.epoch == [0, 1, 2]


def test_fit_reduce_lr_on_plateau_and_terminate_on_nan():
    x, y = regression_data()
    model = fit_model(learning_rate=1e-12)
    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0,
                        callbacks=[callbacks.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5)])
    assert history.history["learning_rate"][0] == pytest.approx(1e-12)
    assert lr_of(model) < 1e-12
    y_bad = y.copy()
    y_bad[20] = np.nan  # the third batch of 8
    model = fit_model()
    history = model.fit(x, y_bad, epochs=3, batch_size=8, verbose=0, shuffle=False,
                        callbacks=[callbacks.TerminateOnNaN()])
    assert history.epoch == [0] and model.stop_training


def test_fit_backup_and_restore_resumes_after_a_crash(tmp_path):
    x, y = regression_data()
    reference = fit_model(optimizer="adam")
    reference.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0)
    backup_dir = tmp_path / "backup"
    model = fit_model(optimizer="adam")
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup_dir), Crash(3)])
    model = fit_model(optimizer="adam")
    history = model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                        callbacks=[callbacks.BackupAndRestore(backup_dir)])
    assert history.epoch == [3, 4]
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_fit_tensorboard_and_csv_logger(tmp_path):
    pytest.importorskip("tensorboard")
    x, y = regression_data()
    model = fit_model()
    history = model.fit(x, y, epochs=2, batch_size=8, validation_data=(x[:8], y[:8]), verbose=0,
                        callbacks=[callbacks.TensorBoard(tmp_path / "tb", update_freq="batch"),
                                   callbacks.CSVLogger(tmp_path / "log.csv")])
    train_acc, val_acc = tb_accumulator(tmp_path / "tb" / "train"), tb_accumulator(tmp_path / "tb" / "validation")
    assert [v for _, v in tb_scalars(train_acc, "epoch_mae")] == pytest.approx(history.history["mae"])
    assert [v for _, v in tb_scalars(val_acc, "epoch_loss")] == pytest.approx(history.history["val_loss"])
    assert [s for s, _ in tb_scalars(train_acc, "batch_loss")] == list(range(1, 9))
    assert [s for s, _ in tb_scalars(val_acc, "evaluation_loss_vs_iterations")] == [4, 8]
    rows = (tmp_path / "log.csv").read_text().splitlines()
    assert rows[0] == "epoch,loss,mae,val_loss,val_mae" and len(rows) == 3


def test_fit_model_checkpoint_saves_keras_files_that_load(tmp_path):
    pytest.importorskip("h5py")
    x, y = regression_data()
    model = fit_model()
    model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0,
              callbacks=[callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch:02d}.keras")),
                         callbacks.ModelCheckpoint(str(tmp_path / "best.weights.h5"), save_best_only=True,
                                                   save_weights_only=True)])
    assert sorted(os.listdir(tmp_path)) == ["best.weights.h5", "m-01.keras", "m-02.keras", "m-03.keras"]
    loaded = keras.saving.load_model(str(tmp_path / "m-03.keras"))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_fit_logs_to_the_open_experiment_by_itself(mlflow_uri, tmp_path):
    x, y = regression_data()
    model = fit_model()
    with wb.Experiment("fit", tracking_uri=mlflow_uri, logdir=str(tmp_path / "runs"), system_metrics=False) as exp:
        history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        run_id = exp.run_id
    client = wb.tracking.client(mlflow_uri)
    params = client.get_run(run_id).data.params
    assert {k: params[k] for k in ("optimizer", "learning_rate", "epochs", "steps_per_epoch", "loss")} == {
        "optimizer": "SGD", "learning_rate": "0.01", "epochs": "2", "steps_per_epoch": "4",
        "loss": "mse"}
    assert metric_history(mlflow_uri, run_id, "mae") == [(e, pytest.approx(v))
                                                         for e, v in enumerate(history.history["mae"])]
    assert "model.keras" in [a.path for a in client.list_artifacts(run_id)]
