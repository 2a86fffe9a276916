"""wb.keras.callbacks: Keras 3's callbacks, driven the way Model.fit drives them."""

import io
import re

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
