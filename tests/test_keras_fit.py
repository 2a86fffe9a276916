"""``Model.compile/fit/evaluate/predict`` (Keras 3's training API), checked against the same
training written by hand with ``wb.GradientTape``."""

import re
import warnings

import numpy as np
import pytest

import ragged
import workbench as wb

keras = wb.keras
L = keras.layers


def _data(n=40, features=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    y = rng.integers(0, classes, n).astype(np.int64)
    return x, y


def _mlp(classes=3, seed=0, features=5):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((features,)), L.Dense(8, activation="relu"), L.Dense(classes)])
    return model


def _twin(model):
    """A model with the same architecture and the same weights."""
    other = keras.models.clone_model(model)
    other.set_weights(model.get_weights())
    return other


def _hand_fit(model, x, y, epochs, batch_size, lr=0.01, sample_weight=None):
    """The training fit does, written out: Adam, per-batch loss weighted by batch size."""
    opt = wb.optimizers.Adam(learning_rate=lr)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    acc = keras.metrics.SparseCategoricalAccuracy()
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        total, count = 0.0, 0
        acc.reset_state()
        for i in range(0, len(x), batch_size):
            xb, yb = wb.constant(x[i:i + batch_size]), wb.constant(y[i:i + batch_size])
            sw = None if sample_weight is None else wb.constant(sample_weight[i:i + batch_size])
            with wb.GradientTape() as tape:
                logits = model(xb, training=True)
                loss = loss_fn(yb, logits, sample_weight=sw)
            variables = model.trainable_variables
            opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
            acc.update_state(yb, logits)
            total += float(loss) * len(xb)
            count += len(xb)
        history["loss"].append(total / count)
        history["accuracy"].append(float(acc.result()))
    return history


def _compiled(model, lr=0.01, **kwargs):
    model.compile(optimizer=wb.optimizers.Adam(learning_rate=lr),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], **kwargs)
    return model


# ---------------------------------------------------------------------------
# fit, evaluate and predict against the hand-written loop


def test_fit_matches_a_hand_written_loop():
    x, y = _data()
    model = _mlp()
    hand = _twin(model)
    history = _compiled(model).fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    expected = _hand_fit(hand, x, y, epochs=3, batch_size=16)
    assert list(history.history) == ["accuracy", "loss"]
    assert history.epoch == [0, 1, 2]
    np.testing.assert_allclose(history.history["loss"], expected["loss"], rtol=1e-5)
    np.testing.assert_allclose(history.history["accuracy"], expected["accuracy"], rtol=1e-6)
    for a, b in zip(model.get_weights(), hand.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert model.history is history


def test_evaluate_and_predict_match_the_model_called_directly():
    x, y = _data(n=37)
    model = _compiled(_mlp())
    model.fit(x, y, epochs=1, verbose=0)
    logits = model(wb.constant(x), training=False).numpy()
    pred = model.predict(x, batch_size=8, verbose=0)
    assert isinstance(pred, np.ndarray) and pred.shape == (37, 3)
    np.testing.assert_allclose(pred, logits, rtol=1e-5, atol=1e-6)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    # the loss tracker weights each batch's mean loss by its size: the mean over examples
    per_example = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True).numpy()
    loss, acc = model.evaluate(x, y, batch_size=8, verbose=0)
    np.testing.assert_allclose(loss, per_example.mean(), rtol=1e-5)
    np.testing.assert_allclose(acc, np.mean(logits.argmax(1) == y), rtol=1e-6)
    np.testing.assert_allclose(float(loss_fn(y, logits)), loss, rtol=1e-5)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "accuracy"} and isinstance(logs["loss"], float)


def test_run_eagerly_gives_the_same_training():
    x, y = _data()
    traced = _mlp()
    eager = _twin(traced)
    h1 = _compiled(traced).fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h2 = _compiled(eager, run_eagerly=True).fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert eager.run_eagerly and not traced.run_eagerly
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-6)
    for a, b in zip(traced.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    # wb.config's switch runs the traced steps eagerly too
    third = _compiled(_twin(_mlp()))
    wb.config.run_functions_eagerly(True)
    try:
        h3 = third.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    finally:
        wb.config.run_functions_eagerly(False)
    assert third.train_function.step.experimental_get_tracing_count() == 0
    np.testing.assert_allclose(h3.history["loss"], h1.history["loss"], rtol=1e-6)


def test_fit_traces_its_step_once_per_batch_shape():
    x, y = _data(n=40)
    model = _compiled(_mlp())
    model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    # batches of 16 and of 8; the first call of each also creates state (optimizer slots,
    # metrics) and is traced again once
    assert model.train_function.step.experimental_get_tracing_count() <= 4
    # other batch sizes trace again, quietly (Keras' step functions relax shapes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for batch_size in (3, 5, 7, 9):
            model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)


def test_steps_per_execution_runs_several_batches_per_call():
    x, y = _data()
    one = _mlp()
    four = _twin(one)
    h1 = _compiled(one).fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    calls = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            calls.append(batch)
    h4 = _compiled(four, steps_per_execution=4).fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                                                    callbacks=[Count()])
    assert calls == [3, 7, 9] * 2   # on_train_batch_end gets the last step of each call
    np.testing.assert_allclose(h1.history["loss"], h4.history["loss"], rtol=1e-6)


def test_shuffle_permutes_the_rows_every_epoch():
    x, y = _data()
    a = _mlp()
    b = _twin(a)
    np.random.seed(1)
    ha = _compiled(a).fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=True)
    np.random.seed(1)
    order = np.random.permutation(len(x))
    hb = _compiled(b).fit(x[order], y[order], batch_size=8, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    for wa, wb_ in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb_, rtol=1e-6, atol=1e-7)


def test_shuffle_batch_permutes_whole_batches():
    x, y = _data()
    a = _mlp()
    b = _twin(a)
    np.random.seed(3)
    _compiled(a).fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle="batch")
    np.random.seed(3)
    starts = np.random.permutation(5) * 8
    order = np.concatenate([np.arange(s, s + 8) for s in starts])
    _compiled(b).fit(x[order], y[order], batch_size=8, epochs=1, verbose=0, shuffle=False)
    for wa, wb_ in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb_, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------
# Validation, weights


def test_validation_split_takes_the_last_fraction_before_shuffling():
    x, y = _data(n=50)
    model = _compiled(_mlp())
    seen = {}

    class Spy(keras.callbacks.Callback):
        def on_test_begin(self, logs=None):
            seen["val_params"] = dict(self.params)
    history = model.fit(x, y, batch_size=10, epochs=2, validation_split=0.2, verbose=0, callbacks=[Spy()])
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    # the validation numbers are evaluate() on the last 10 samples after the epoch
    val = model.evaluate(x[40:], y[40:], verbose=0, return_dict=True)
    np.testing.assert_allclose(history.history["val_loss"][-1], val["loss"], rtol=1e-6)
    np.testing.assert_allclose(history.history["val_accuracy"][-1], val["accuracy"], rtol=1e-6)
    assert seen["val_params"]["steps"] == 4   # 40 training samples in batches of 10


def test_validation_split_needs_enough_data():
    x, y = _data(n=1)
    with pytest.raises(ValueError, match="not sufficient to split"):
        _compiled(_mlp()).fit(x, y, validation_split=0.1, verbose=0)


def test_validation_data_and_validation_freq():
    x, y = _data()
    xv, yv = _data(n=12, seed=1)
    model = _compiled(_mlp())
    history = model.fit(x, y, epochs=4, validation_data=(xv, yv), validation_freq=2, verbose=0)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    val = model.evaluate(xv, yv, verbose=0, return_dict=True)
    np.testing.assert_allclose(history.history["val_loss"][-1], val["loss"], rtol=1e-6)


def test_sample_weight_weights_the_loss_as_by_hand():
    x, y = _data()
    w = np.linspace(0.1, 2.0, len(x)).astype(np.float32)
    model = _mlp()
    hand = _twin(model)
    history = _compiled(model).fit(x, y, sample_weight=w, batch_size=10, epochs=2, shuffle=False, verbose=0)
    expected = _hand_fit(hand, x, y, epochs=2, batch_size=10, sample_weight=w)
    np.testing.assert_allclose(history.history["loss"], expected["loss"], rtol=1e-5)
    for a, b in zip(model.get_weights(), hand.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_class_weight_is_a_sample_weight_per_class():
    x, y = _data()
    class_weight = {0: 0.5, 1: 2.0, 2: 1.0}
    a = _mlp()
    b = _twin(a)
    ha = _compiled(a).fit(x, y, class_weight=class_weight, batch_size=10, epochs=2, shuffle=False, verbose=0)
    w = np.array([class_weight[c] for c in y], np.float32)
    hb = _compiled(b).fit(x, y, sample_weight=w, batch_size=10, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    with pytest.raises(ValueError, match="class_weight.*sample_weight"):
        a.fit(x, y, class_weight=class_weight, sample_weight=w, verbose=0)


def test_weighted_metrics_use_the_sample_weights():
    x, y = _data()
    w = (y == 0).astype(np.float32)
    model = _mlp()
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0).argmax(1)
    np.testing.assert_allclose(logs["accuracy"], np.mean(pred == y), rtol=1e-6)
    np.testing.assert_allclose(logs["weighted_accuracy"], np.mean(pred[y == 0] == 0), rtol=1e-6)


# ---------------------------------------------------------------------------
# Compile arguments


@pytest.mark.parametrize("labels, units, expected", [
    ("sparse", 3, keras.metrics.SparseCategoricalAccuracy),
    ("onehot", 3, keras.metrics.CategoricalAccuracy),
    ("binary", 1, keras.metrics.BinaryAccuracy),
])
def test_accuracy_is_resolved_from_the_targets(labels, units, expected):
    x, y = _data()
    if labels == "onehot":
        y = keras.utils.to_categorical(y, 3)
        loss = "categorical_crossentropy"
    elif labels == "binary":
        y = (y == 0).astype(np.float32)[:, None]
        loss = "binary_crossentropy"
    else:
        loss = "sparse_categorical_crossentropy"
    model = keras.Sequential([keras.Input((5,)), L.Dense(units, activation="sigmoid" if units == 1 else "softmax")])
    model.compile("adam", loss, metrics=["acc"])
    history = model.fit(x, y, epochs=1, verbose=0)
    assert sorted(history.history) == ["acc", "loss"]
    tracked = model.metrics[1].metrics
    assert len(tracked) == 1 and type(tracked[0]) is expected and tracked[0].name == "acc"


def test_binary_accuracy_with_rank_one_labels_matches_the_predictions_row_by_row():
    # labels (n,) against a (n, 1) sigmoid output: Keras squeezes or expands to one rank first,
    # so the metric is the plain fraction of rows predicted right (not a (n, n) broadcast)
    x, y = _data()
    y = (y == 0).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), L.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy", keras.metrics.AUC(name="auc")])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)
    assert pred.shape == (40, 1)
    np.testing.assert_allclose(logs["accuracy"], np.mean((pred[:, 0] > 0.5) == y), rtol=1e-6)
    reference = keras.metrics.AUC()
    reference.update_state(y[:, None], pred)
    np.testing.assert_allclose(logs["auc"], float(reference.result()), rtol=1e-6)


def test_string_identifiers_for_optimizer_loss_and_metrics():
    x, y = _data()
    yf = y.astype(np.float32)[:, None]
    model = keras.Sequential([keras.Input((5,)), L.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae", "mse"])
    assert isinstance(model.optimizer, wb.optimizers.Adam)
    assert model.loss == "mse"
    history = model.fit(x, yf, epochs=2, verbose=0)
    assert sorted(history.history) == ["loss", "mae", "mse"]
    np.testing.assert_allclose(history.history["loss"], history.history["mse"], rtol=1e-6)
    default = keras.Sequential([keras.Input((5,)), L.Dense(1)])
    default.compile(loss="mae")
    assert isinstance(default.optimizer, wb.optimizers.RMSprop)


def test_a_loss_function_and_regularization_losses():
    x, y = _data()
    yf = y.astype(np.float32)[:, None]

    def my_loss(y_true, y_pred):
        return wb.reduce_mean(wb.square(y_true - y_pred), axis=-1)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), L.Dense(1, kernel_regularizer=keras.regularizers.L2(0.1))])
    model.compile("sgd", my_loss)
    got = model.evaluate(x, yf, batch_size=len(x), verbose=0)
    pred = model.predict(x, verbose=0)
    kernel = model.layers[0].kernel.numpy()
    np.testing.assert_allclose(got, np.mean((yf - pred) ** 2) + 0.1 * np.sum(kernel ** 2), rtol=1e-5)


# ---------------------------------------------------------------------------
# Several inputs and outputs


def _two_in_two_out():
    keras.utils.set_random_seed(0)
    image = keras.Input((4,), name="image")
    meta = keras.Input((2,), name="meta")
    h = L.Concatenate()([L.Dense(6, activation="relu")(image), meta])
    digit = L.Dense(3, name="digit")(h)
    score = L.Dense(1, name="score")(h)
    return keras.Model([image, meta], [digit, score])


def _multi_data(n=30):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((n, 4)).astype(np.float32), rng.standard_normal((n, 2)).astype(np.float32),
            rng.integers(0, 3, n), rng.standard_normal((n, 1)).astype(np.float32))


def test_multi_output_with_dict_losses_metrics_and_weights():
    image, meta, digit, score = _multi_data()
    model = _two_in_two_out()
    model.compile("adam",
                  loss={"digit": keras.losses.SparseCategoricalCrossentropy(from_logits=True), "score": "mse"},
                  loss_weights={"digit": 1.0, "score": 0.5},
                  metrics={"digit": ["accuracy"], "score": ["mae"]})
    history = model.fit({"image": image, "meta": meta}, {"digit": digit, "score": score},
                        batch_size=10, epochs=2, verbose=0, validation_split=0.2)
    assert list(history.history) == ["digit_accuracy", "digit_loss", "loss", "score_loss", "score_mae",
                                     "val_digit_accuracy", "val_digit_loss", "val_loss", "val_score_loss",
                                     "val_score_mae"]
    # the total is the weighted sum of the outputs' losses
    logs = model.evaluate([image, meta], [digit, score], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], logs["digit_loss"] + 0.5 * logs["score_loss"], rtol=1e-5)
    pd, ps = model.predict([image, meta], verbose=0)
    np.testing.assert_allclose(logs["score_mae"], np.mean(np.abs(ps - score)), rtol=1e-5)
    np.testing.assert_allclose(logs["digit_accuracy"], np.mean(pd.argmax(1) == digit), rtol=1e-6)
    assert model.metrics_names == ["loss", "compile_metrics", "digit_loss", "score_loss"]
    # Keras' list order: metrics_names order where a name is a key (compiled metrics are
    # prefixed by their output, so they are not), then the other keys sorted
    values = model.evaluate([image, meta], [digit, score], verbose=0)
    assert values == pytest.approx([logs["loss"], logs["digit_loss"], logs["score_loss"],
                                    logs["digit_accuracy"], logs["score_mae"]], rel=1e-6)


def test_multi_output_with_list_losses_matches_a_hand_step():
    image, meta, digit, score = _multi_data()
    model = _two_in_two_out()
    hand = _twin(model)
    model.compile(wb.optimizers.SGD(0.1), loss=[keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                                               "mse"], loss_weights=[2.0, 1.0])
    logs = model.train_on_batch([image, meta], [digit, score], return_dict=True)
    assert sorted(logs) == ["digit_loss", "loss", "score_loss"]
    opt = wb.optimizers.SGD(0.1)
    with wb.GradientTape() as tape:
        d, s = hand([wb.constant(image), wb.constant(meta)], training=True)
        l1 = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(digit, d)
        l2 = keras.losses.MeanSquaredError()(score, s)
        total = 2.0 * l1 + l2
    opt.apply_gradients(zip(tape.gradient(total, hand.trainable_variables), hand.trainable_variables))
    np.testing.assert_allclose(logs["loss"], float(total), rtol=1e-5)
    np.testing.assert_allclose(logs["digit_loss"], float(l1), rtol=1e-5)
    for a, b in zip(model.get_weights(), hand.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_dict_output_model_names_outputs_by_key():
    keras.utils.set_random_seed(0)
    inp = keras.Input((3,))
    model = keras.Model(inp, {"a": L.Dense(1)(inp), "b": L.Dense(2)(inp)})
    model.compile("sgd", loss={"a": "mse", "b": "mae"}, metrics={"a": "mse"})
    x = np.ones((6, 3), np.float32)
    history = model.fit(x, {"a": np.zeros((6, 1)), "b": np.ones((6, 2))}, epochs=1, verbose=0)
    assert sorted(history.history) == ["a_loss", "a_mse", "b_loss", "loss"]
    out = model.predict(x, verbose=0)
    assert set(out) == {"a", "b"} and out["b"].shape == (6, 2)


# ---------------------------------------------------------------------------
# Datasets, generators, ragged inputs


def test_dataset_input_gives_the_same_training_as_arrays():
    x, y = _data()
    a = _mlp()
    b = _twin(a)
    ha = _compiled(a).fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    ds = wb.data.Dataset.from_tensor_slices((x, y)).batch(8)
    hb = _compiled(b).fit(ds, epochs=2, verbose=0, validation_data=ds)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    assert "val_loss" in hb.history
    np.testing.assert_allclose(b.evaluate(ds, verbose=0), a.evaluate(x, y, batch_size=8, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(b.predict(ds, verbose=0), a.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_dataset_with_sample_weights_and_steps_per_epoch():
    x, y = _data()
    w = np.linspace(0.5, 1.5, len(x)).astype(np.float32)
    a = _mlp()
    b = _twin(a)
    ha = _compiled(a).fit(x, y, sample_weight=w, batch_size=8, epochs=1, shuffle=False, verbose=0)
    ds = wb.data.Dataset.from_tensor_slices((x, y, w)).batch(8).repeat()
    hb = _compiled(b).fit(ds, epochs=1, steps_per_epoch=5, verbose=0)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)


def test_generator_input():
    x, y = _data()
    a = _mlp()
    b = _twin(a)
    ha = _compiled(a).fit(x, y, batch_size=10, epochs=1, shuffle=False, verbose=0)

    def batches():
        for i in range(0, len(x), 10):
            yield x[i:i + 10], y[i:i + 10]
    hb = _compiled(b).fit(batches(), epochs=1, verbose=0)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    # a finite generator runs out in the second epoch: a warning, and training stops
    with pytest.warns(UserWarning, match="ran out of data"):
        hc = b.fit(batches(), epochs=3, verbose=0)
    assert len(hc.history["loss"]) == 1
    np.testing.assert_allclose(b.predict((xb for xb, _ in batches()), verbose=0), b.predict(x, verbose=0),
                               rtol=1e-6)


def test_ragged_inputs():
    keras.utils.set_random_seed(0)
    inp = keras.Input(shape=(None,), ragged=True, dtype="int64")
    h = L.Embedding(10, 4)(inp)
    out = L.Dense(1)(wb.keras.layers.Lambda(lambda t: wb.reduce_mean(t, axis=1))(h))
    model = keras.Model(inp, out)
    tokens = ragged.constant([[1, 2, 3], [4], [5, 6], [7, 8, 9, 1], [2], [3, 3]], dtype=np.int64)
    y = np.arange(6, dtype=np.float32)[:, None]
    model.compile("sgd", "mse")
    history = model.fit(tokens, y, batch_size=4, epochs=2, verbose=0, shuffle=True)
    assert len(history.history["loss"]) == 2
    pred = model.predict(tokens, batch_size=4, verbose=0)
    np.testing.assert_allclose(pred, model(tokens).numpy(), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------
# Single batches


def test_on_batch_methods():
    x, y = _data(n=16)
    model = _mlp()
    hand = _twin(model)
    _compiled(model, lr=0.05)
    loss, acc = model.train_on_batch(x, y)
    expected = _hand_fit(hand, x, y, epochs=1, batch_size=16, lr=0.05)
    np.testing.assert_allclose(loss, expected["loss"][0], rtol=1e-5)
    for a, b in zip(model.get_weights(), hand.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    model.reset_metrics()
    logs = model.test_on_batch(x, y, return_dict=True)
    logits = hand(wb.constant(x)).numpy()
    np.testing.assert_allclose(logs["accuracy"], np.mean(logits.argmax(1) == y), rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), logits, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------
# Customizing what happens in fit (Keras 3's guide, TensorFlow backend)


class CustomModel(keras.Model):
    def train_step(self, data):
        x, y = data
        with wb.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply_gradients(zip(gradients, trainable_vars))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_a_custom_train_step_as_in_the_guide():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((5,))
    model = CustomModel(inputs, L.Dense(1)(inputs))
    with keras.saving.custom_object_scope({"CustomModel": CustomModel}):
        hand = _twin(model)
    model.compile(optimizer=wb.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    x, y = _data()
    yf = y.astype(np.float32)[:, None]
    history = model.fit(x, yf, batch_size=40, epochs=3, verbose=0)
    assert sorted(history.history) == ["loss", "mae"]
    opt = wb.optimizers.SGD(0.05)
    for _ in range(3):
        with wb.GradientTape() as tape:
            pred = hand(wb.constant(x))
            loss = wb.reduce_mean(wb.square(pred - yf))
        opt.apply_gradients(zip(tape.gradient(loss, hand.trainable_variables), hand.trainable_variables))
    np.testing.assert_allclose(history.history["loss"][-1], float(loss), rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], hand.get_weights()[0], rtol=1e-5)


class TrackerModel(keras.Model):
    """The guide's lower-level example: its own loss and metric trackers, no compiled loss."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mse_metric = keras.metrics.MeanSquaredError(name="mse")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data
        with wb.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
        self.optimizer.apply_gradients(zip(tape.gradient(loss, self.trainable_variables),
                                           self.trainable_variables))
        self.loss_tracker.update_state(loss)
        self.mse_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mse": self.mse_metric.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mse_metric]


def test_own_metric_trackers_are_reset_each_epoch():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((5,))
    model = TrackerModel(inputs, L.Dense(1)(inputs))
    model.compile(optimizer="sgd")
    x, y = _data()
    yf = y.astype(np.float32)[:, None]
    history = model.fit(x, yf, batch_size=10, epochs=2, verbose=0)
    assert sorted(history.history) == ["loss", "mse"]
    # the epoch's value is the mean of its four batch losses, not of all batches so far
    assert float(model.loss_tracker.count.numpy()) == 4.0
    np.testing.assert_allclose(history.history["loss"], history.history["mse"], rtol=1e-6)


def test_compute_loss_override():
    class Halved(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return super().compute_loss(x, y, y_pred, sample_weight, training) * 0.5
    keras.utils.set_random_seed(0)
    inputs = keras.Input((5,))
    model = Halved(inputs, L.Dense(1)(inputs))
    model.compile("sgd", "mse")
    x, y = _data()
    yf = y.astype(np.float32)[:, None]
    pred = model.predict(x, verbose=0)
    np.testing.assert_allclose(model.evaluate(x, yf, verbose=0), 0.5 * np.mean((pred - yf) ** 2), rtol=1e-5)


# ---------------------------------------------------------------------------
# Callbacks


def test_callbacks_are_driven_in_keras_order():
    events = []

    class Record(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            events.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            events.append(f"epoch_begin {epoch}")

        def on_train_batch_begin(self, batch, logs=None):
            events.append(f"batch_begin {batch}")

        def on_train_batch_end(self, batch, logs=None):
            events.append(f"batch_end {batch} {sorted(logs)}")

        def on_test_begin(self, logs=None):
            events.append("test_begin")

        def on_test_end(self, logs=None):
            events.append(f"test_end {sorted(logs)}")

        def on_epoch_end(self, epoch, logs=None):
            events.append(f"epoch_end {epoch} {sorted(logs)}")

        def on_train_end(self, logs=None):
            events.append(f"train_end {sorted(logs)}")
    x, y = _data(n=20)
    _compiled(_mlp()).fit(x, y, batch_size=10, epochs=1, validation_data=(x, y), verbose=0, callbacks=[Record()])
    keys = "['accuracy', 'loss']"
    assert events == ["train_begin", "epoch_begin 0", "batch_begin 0", f"batch_end 0 {keys}", "batch_begin 1",
                      f"batch_end 1 {keys}", "test_begin", f"test_end {keys}",
                      "epoch_end 0 ['accuracy', 'loss', 'val_accuracy', 'val_loss']",
                      "train_end ['accuracy', 'loss', 'val_accuracy', 'val_loss']"]


def test_stop_training_and_initial_epoch_from_a_callback():
    class Resume(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.model._initial_epoch = 2   # what BackupAndRestore does after restoring

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 3:
                self.model.stop_training = True
    x, y = _data()
    history = _compiled(_mlp()).fit(x, y, epochs=10, verbose=0, callbacks=[Resume()])
    assert history.epoch == [2, 3]


def test_verbose_2_prints_one_line_per_epoch(capsys):
    x, y = _data()
    _compiled(_mlp()).fit(x, y, batch_size=10, epochs=2, verbose=2, validation_split=0.25)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    number = r"\d+\.\d{4}(e[+-]\d\d)?"   # Keras writes values under 1e-3 as 0.0000e+00
    pattern = (rf"^3/3 - \d+s - \d+(ms|us|s)/step - accuracy: {number} - loss: {number} "
               rf"- val_accuracy: {number} - val_loss: {number}$")
    assert re.match(pattern, lines[1]), lines[1]


def test_verbose_0_is_silent_and_verbose_1_draws_a_bar(capsys):
    x, y = _data()
    model = _compiled(_mlp())
    model.fit(x, y, epochs=1, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    model.fit(x, y, epochs=1, verbose=False)   # Keras reads a bool as 0 or 1
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert "2/2" in out and "loss:" in out


# ---------------------------------------------------------------------------
# Building and summary


def test_input_shape_on_the_first_layer_builds_a_sequential():
    with pytest.warns(UserWarning, match="Do not pass an `input_shape`"):
        model = keras.Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2)])
    assert model.built and model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    assert model.layers[0].built
    batch = keras.Sequential([L.Dense(4, batch_input_shape=(8, 3))])
    assert batch.built and batch.get_config()["layers"][0]["config"]["batch_shape"] == [8, 3]
    with pytest.warns(UserWarning):
        by_dim = keras.Sequential([L.Dense(2, input_dim=5)])
    assert by_dim.built and by_dim.layers[0].kernel.shape == (5, 2)
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert config["layers"][0]["config"]["batch_shape"] == [None, 3]
    with pytest.raises(ValueError, match="input_dim"):
        L.Dense(2, input_dim=0)
    with_layer = keras.Sequential([keras.InputLayer(shape=(3,)), L.Dense(2)])
    assert with_layer.built and len(with_layer.layers) == 1 and with_layer.count_params() == 8
    assert keras.InputLayer(batch_shape=(4, 3)).output.shape == (4, 3)
    assert keras.InputLayer(shape=(3,), sparse=True).output.sparse   # tests/test_keras_sparse_input.py


def test_summary_is_keras_table():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), L.Dense(64, name="dense"), L.Dense(10, name="dense_1")],
                             name="mnist")
    lines = []
    assert model.summary(print_fn=lines.append) is None   # Keras 3 prints and returns None
    text = lines[0]
    expected = "\n".join([
        'Model: "mnist"',
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓",
        "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃",
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩",
        "│ dense (Dense)                   │ (None, 64)             │        50,240 │",
        "├─────────────────────────────────┼────────────────────────┼───────────────┤",
        "│ dense_1 (Dense)                 │ (None, 10)             │           650 │",
        "└─────────────────────────────────┴────────────────────────┴───────────────┘",
        " Total params: 50,890 (198.79 KB)",
        " Trainable params: 50,890 (198.79 KB)",
        " Non-trainable params: 0 (0.00 B)"])
    assert text == expected


def test_summary_of_a_graph_shows_connections_and_optimizer_params(capsys):
    model = _two_in_two_out()
    model.summary()
    out = capsys.readouterr().out
    assert "│ image (InputLayer)  │ (None, 4)" in out
    assert "Connected to" in out and "image[0][0]" in out
    model.compile("adam", ["mse", "mse"])
    image, meta, digit, score = _multi_data()
    model.fit([image, meta], [keras.utils.to_categorical(digit, 3), score], epochs=1, verbose=0)
    lines = []
    assert model.summary(print_fn=lines.append) is None   # Keras 3 prints and returns None
    text = lines[0]
    n = model.count_params()
    assert f" Optimizer params: {2 * n + 2:,}" in text
    assert f" Total params: {3 * n + 2:,}" in text


# ---------------------------------------------------------------------------
# Errors


def test_fit_before_compile_says_what_to_do():
    x, y = _data()
    with pytest.raises(ValueError, match=r"must call `compile\(\)` before calling `fit\(\)`"):
        _mlp().fit(x, y)
    with pytest.raises(ValueError, match="before calling `evaluate"):
        _mlp().evaluate(x, y)


def test_missing_targets_and_mismatched_lengths():
    x, y = _data()
    model = _compiled(_mlp())
    with pytest.raises(ValueError, match="no targets"):
        model.fit(x, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"cardinality is ambiguous.*\n'x' sizes: 40\n'y' sizes: 39"):
        model.fit(x, y[:-1], verbose=0)


def test_bad_arguments_are_named():
    x, y = _data()
    model = _compiled(_mlp())
    with pytest.raises(ValueError, match="epochs"):
        model.fit(x, y, epochs=-1)
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(x, y, batch_size=0)
    with pytest.raises(ValueError, match="verbose"):
        model.fit(x, y, verbose=3)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x, y, validation_split=1.5)
    with pytest.raises(ValueError, match="y must not be given"):
        model.fit(wb.data.Dataset.from_tensor_slices((x, y)).batch(4), y)
    with pytest.warns(UserWarning, match="batch_size=8 is ignored"):
        model.fit(wb.data.Dataset.from_tensor_slices((x, y)).batch(4), batch_size=8, verbose=0)
    with pytest.raises(TypeError, match="unrecognized data type for x"):
        model.fit("data.csv", y)
    with pytest.raises(ValueError, match="Arguments not recognized"):
        model.evaluate(x, y, bogus=1)
    with pytest.raises(ValueError, match="steps_per_execution"):
        model.compile("sgd", "mse", steps_per_execution=0)
    with pytest.raises(ValueError, match="unknown optimizer|optimizer"):
        model.compile("adamm", "mse")
    with pytest.raises(ValueError, match="metrics"):
        model.compile("sgd", "mse", metrics="mae")
        model.fit(x, y, verbose=0)


def test_no_loss_to_compute():
    x, y = _data()
    model = _mlp()
    model.compile("sgd")
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(x, y, verbose=0)


def test_unknown_output_names_in_a_loss_dict():
    model = _two_in_two_out()
    model.compile("sgd", loss={"digits": "mse", "score": "mse"})
    image, meta, digit, score = _multi_data()
    with pytest.raises(ValueError, match="'digits'.*outputs are"):
        model.fit([image, meta], [digit, score], verbose=0)


def test_model_variables_do_not_include_compile_state():
    x, y = _data()
    model = _compiled(_mlp())
    before = [v.name for v in model.variables]
    model.fit(x, y, epochs=1, verbose=0)
    assert [v.name for v in model.variables] == before
    assert len(model.optimizer.variables) > len(before)   # the optimizer's state is its own


# ---------------------------------------------------------------------------
# Files, experiments and resuming


def test_save_and_load_weights_through_the_model(tmp_path):
    x, y = _data()
    model = _compiled(_mlp())
    model.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    other = _compiled(_mlp(seed=1))
    other.fit(x, y, epochs=1, verbose=0)   # an optimizer with state to overwrite
    other.load_weights(path)
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match="max_shard_size"):
        model.save_weights(path, max_shard_size=1)
    with pytest.raises(TypeError, match="unexpected keyword"):
        model.load_weights(path, by_name=True)


def test_save_writes_a_keras_file_that_loads_and_keeps_training(tmp_path):
    x, y = _data()
    model = _compiled(_mlp())
    model.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert loaded.compiled and type(loaded.optimizer) is type(model.optimizer)
    loaded.fit(x, y, epochs=1, verbose=0)


def test_backup_and_restore_resumes_an_interrupted_fit(tmp_path):
    x, y = _data()
    first = _mlp()
    whole = _twin(first)

    class Crash(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 3:
                raise RuntimeError("interrupted")
    backup = str(tmp_path / "backup")
    _compiled(first)
    with pytest.raises(RuntimeError, match="interrupted"):
        first.fit(x, y, epochs=5, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup), Crash()])
    resumed = _compiled(_twin(first))   # a fresh process: new model and optimizer
    history = resumed.fit(x, y, epochs=5, shuffle=False, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert history.epoch == [3, 4]
    _compiled(whole).fit(x, y, epochs=5, shuffle=False, verbose=0)
    for a, b in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.fixture
def mlflow_uri(tmp_path, monkeypatch):
    pytest.importorskip("mlflow")
    pytest.importorskip("tensorboard")
    for name in ("WORKBENCH_TRACKING_URI", "MLFLOW_TRACKING_URI", "WORKBENCH_PARENT_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return f"sqlite:///{tmp_path}/mlflow.db"


def test_fit_inside_an_experiment_logs_to_it(mlflow_uri, tmp_path):
    x, y = _data()
    model = _compiled(_mlp())
    with wb.Experiment("fit", tracking_uri=mlflow_uri, logdir=str(tmp_path / "runs"),
                       system_metrics=False) as exp:
        history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
        run_id = exp.run_id
    client = wb.tracking.client(mlflow_uri)
    run = client.get_run(run_id)
    assert run.data.params["optimizer"] == "Adam" and run.data.params["epochs"] == "2"
    for key in ("loss", "accuracy", "val_loss"):
        got = sorted((m.step, m.value) for m in client.get_metric_history(run_id, key))
        assert got == [(e, pytest.approx(v)) for e, v in enumerate(history.history[key])]
    # outside an experiment nothing is added
    cbs = keras.callbacks.CallbackList([], add_history=True, model=model)
    model._add_experiment_logger(cbs)
    assert not any(isinstance(c, keras.callbacks.ExperimentLogger) for c in cbs.callbacks)


def test_a_subclassed_model_inside_an_experiment_logs_metrics_without_saving(mlflow_uri, tmp_path):
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(1)

        def call(self, x):
            return self.dense(x)
    model = Sub()
    model.compile("sgd", "mse")
    with wb.Experiment("sub", tracking_uri=mlflow_uri, logdir=str(tmp_path / "runs"),
                       system_metrics=False) as exp:
        model.fit(np.ones((8, 3), np.float32), np.ones((8, 1), np.float32), epochs=2, verbose=0)
        run_id = exp.run_id
    history = wb.tracking.client(mlflow_uri).get_metric_history(run_id, "loss")
    assert len(history) == 2


# ---------------------------------------------------------------------------
# Steps


def test_steps_per_epoch_reads_on_across_epochs_as_keras():
    x, y = _data(n=40)
    seen = []

    class Batches(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(int(self.model.optimizer.iterations.numpy()))
    model = _compiled(_mlp())
    with pytest.warns(UserWarning, match="ran out of data"):
        model.fit(x, y, batch_size=10, steps_per_epoch=3, epochs=3, verbose=0, callbacks=[Batches()])
    # 4 batches in the data: epoch 1 reads 3, epoch 2 the last one (and is cut short), epoch 3
    # starts the data again
    assert seen == [3, 4, 7]


def test_validation_steps_and_predict_steps():
    x, y = _data(n=40)
    model = _compiled(_mlp())
    history = model.fit(x, y, batch_size=10, epochs=1, verbose=0, validation_data=(x, y), validation_steps=2)
    val = model.evaluate(x[:20], y[:20], batch_size=10, verbose=0, return_dict=True)
    np.testing.assert_allclose(history.history["val_loss"][0], val["loss"], rtol=1e-6)
    assert model.predict(x, batch_size=10, steps=3, verbose=0).shape == (30, 3)
    ds = wb.data.Dataset.from_tensor_slices(x).batch(8).repeat()
    assert model.predict(ds, steps=2, verbose=0).shape == (16, 3)


def test_summary_of_an_unbuilt_model():
    model = keras.Sequential([L.Dense(4, name="first")], name="lazy")
    lines = []
    assert model.summary(print_fn=lines.append) is None   # Keras 3 prints and returns None
    text = lines[0]
    assert "│ first (Dense)                   │ ?                      │   0 (unbuilt) │" in text
    assert " Total params: 0 (0.00 B)" in text


# ---------------------------------------------------------------------------
# the optimizer's part in fit: scale_loss, use_ema, Keras 3's optimizer.apply

def test_optimizer_apply_is_apply_gradients_in_keras_3s_form():
    x, y = _data()
    a, b = _mlp(), _mlp()
    opt_a, opt_b = wb.optimizers.Adam(0.01), wb.optimizers.Adam(0.01)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    opt_b.build(b.trainable_variables)
    for _ in range(3):
        for model, apply in ((a, lambda g: opt_a.apply_gradients(zip(g, a.trainable_variables))),
                             (b, lambda g: opt_b.apply(g))):      # variables from build()
            with wb.GradientTape() as tape:
                loss = loss_fn(wb.constant(y), model(wb.constant(x), training=True))
            apply(tape.gradient(loss, model.trainable_variables))
    for wa, wb_ in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb_)
    with pytest.raises(ValueError, match="give trainable_variables"):
        wb.optimizers.SGD(0.1).apply([wb.ones([2])])
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        wb.optimizers.SGD(0.1).apply([wb.ones([2]), wb.ones([2])], [wb.Variable(wb.zeros([2]))])


def test_fit_ends_with_the_moving_averages_under_use_ema():
    x, y = _data()
    model = _mlp()
    model.compile(optimizer=wb.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    opt = model.optimizer
    for var in model.trainable_weights:   # after fit, each weight is its average (Keras' finalize)
        np.testing.assert_array_equal(var.numpy(), opt.get_slot(var, "average").numpy())


def test_fit_scales_the_loss_by_loss_scale_factor_and_the_update_is_unchanged():
    x, y = _data()
    plain, scaled = _mlp(), _mlp()
    for model, factor in ((plain, None), (scaled, 128.0)):
        model.compile(optimizer=wb.optimizers.SGD(0.1, loss_scale_factor=factor),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        history = model.fit(x, y, batch_size=10, epochs=2, verbose=0, shuffle=False)
        assert history.history["loss"][0] < 5   # the reported loss is the unscaled one
    for a, b in zip(plain.get_weights(), scaled.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_input_layer_reads_keras_2_spellings():
    with pytest.warns(DeprecationWarning, match="input_shape is deprecated"):
        layer = wb.keras.layers.InputLayer(input_shape=(3,))
    model = wb.keras.Sequential([layer, wb.keras.layers.Dense(2)])
    assert model.output_shape == (None, 2)
    with pytest.warns(DeprecationWarning, match="batch_input_shape"):
        assert wb.keras.layers.InputLayer(batch_input_shape=(4, 3)).output.shape == (4, 3)
    with pytest.raises(TypeError, match="InputLayer: unexpected argument.*input_dim"):
        wb.keras.layers.InputLayer(input_dim=3)
