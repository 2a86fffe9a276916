"""Classify the 8x8 handwritten digits with a small conv net (about 98% validation accuracy).

Run it with ``workbench run digits_classifier`` (``-p model=mlp -p epochs=10`` changes the
defaults in ``PARAMS``). The run logs training and validation loss and accuracy, a histogram
of the first layer's kernel each epoch, checkpoints (model, optimizer and step: ``workbench run
digits_classifier --resume RUN_ID`` continues), and at the end a picture of the validation
digits the model gets wrong with a confusion matrix as text.
"""

from __future__ import annotations

import time

import numpy as np

import workbench as wb
from workbench.examples._common import (epochs_for, image_grid, one_blas_thread, progress_line,
                                        report, run_as_script, split)
from workbench.examples.data import load_digits

PARAMS = {
    "model": "conv",              # "conv" (two 3x3 conv layers) or "mlp" (two dense layers)
    "epochs": 30,
    "batch_size": 64,
    "learning_rate": 2e-3,
    "dropout": 0.2,
    "validation_fraction": 0.2,
    "seed": 0,
    "log_every": 10,              # training steps between train/loss points
    "checkpoint_every": 5,        # epochs between checkpoints (the last epoch is always saved)
}
FAST_EPOCHS = 3


def build_model(kind, dropout):
    """Logits ``[batch, 10]`` from images ``[batch, 8, 8]``."""
    L = wb.keras.layers
    if kind == "conv":
        body = [L.Reshape((8, 8, 1)),
                L.Conv2D(16, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
                L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
                L.Flatten(), L.Dense(64, activation="relu")]
    elif kind == "mlp":
        body = [L.Flatten(), L.Dense(128, activation="relu"), L.Dense(64, activation="relu")]
    else:
        raise ValueError(f"digits_classifier: params['model'] must be 'conv' or 'mlp', got {kind!r}")
    return wb.keras.Sequential(body + [L.Dropout(dropout), L.Dense(10)], name=f"digits_{kind}")


def evaluate(model, images, labels, loss_fn, batch_size=512):
    """Mean loss, accuracy and the predicted classes over a whole split."""
    logits = np.concatenate([model(wb.constant(images[i:i + batch_size]), training=False).numpy()
                             for i in range(0, len(images), batch_size)])
    loss = float(loss_fn(wb.constant(labels), wb.constant(logits)))
    predicted = logits.argmax(axis=1)
    return loss, float(np.mean(predicted == labels)), predicted


def confusion_markdown(labels, predicted):
    """A markdown table: rows are true digits, columns predicted ones."""
    counts = np.zeros((10, 10), np.int64)
    np.add.at(counts, (labels, predicted), 1)
    lines = ["| true \\ predicted | " + " | ".join(str(d) for d in range(10)) + " |",
             "|---" * 11 + "|"]
    lines += [f"| **{d}** | " + " | ".join(str(c) for c in counts[d]) + " |" for d in range(10)]
    return "\n".join(lines)


@one_blas_thread
def main(exp, params):
    """Train, validate every epoch, checkpoint; returns the per-epoch history (lists)."""
    wb.random.set_seed(params["seed"])
    images, labels = load_digits()
    train, val = split(len(images), params["validation_fraction"], params["seed"])
    batch_size = int(params["batch_size"])
    data = (wb.data.Dataset.from_tensor_slices((images[train], labels[train]))
            .shuffle(len(train), seed=params["seed"]).batch(batch_size))
    steps_per_epoch = -(-len(train) // batch_size)

    model = build_model(params["model"], params["dropout"])
    model(wb.constant(images[:1]))  # create the variables, so a resumed run can restore into them
    optimizer = wb.optimizers.Adam(learning_rate=params["learning_rate"])
    loss_fn = wb.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_accuracy = wb.keras.metrics.SparseCategoricalAccuracy()
    step = wb.Variable(0, trainable=False, dtype=wb.int64, name="step")
    manager = exp.checkpoint_manager(wb.Checkpoint(model=model, optimizer=optimizer, step=step),
                                     max_to_keep=3)

    epochs = epochs_for(params, FAST_EPOCHS)
    start = int(step.numpy()) // steps_per_epoch
    history = {"train_loss": [], "train_accuracy": [], "val_loss": [], "val_accuracy": []}
    predicted = None
    bar = exp.progress(range(start, epochs), desc="epoch", total=epochs - start)
    for epoch in bar:
        began = time.perf_counter()
        train_accuracy.reset_state()
        losses = []
        for x, y in data:
            with wb.GradientTape() as tape:
                logits = model(x, training=True)
                loss = loss_fn(y, logits)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            train_accuracy.update_state(y, logits)
            step.assign_add(1)
            losses.append(float(loss))
            if int(step.numpy()) % params["log_every"] == 0:
                exp.log_metric("train/loss", losses[-1], step=int(step.numpy()))

        now = int(step.numpy())
        val_loss, val_accuracy, predicted = evaluate(model, images[val], labels[val], loss_fn)
        metrics = {"train/epoch_loss": float(np.mean(losses)),
                   "train/accuracy": float(train_accuracy.result()),
                   "val/loss": val_loss, "val/accuracy": val_accuracy}
        exp.log_metrics(metrics, step=now)
        exp.log_histogram("weights/first_kernel", model.trainable_variables[0], step=now)
        for key, name in (("train_loss", "train/epoch_loss"), ("train_accuracy", "train/accuracy"),
                          ("val_loss", "val/loss"), ("val_accuracy", "val/accuracy")):
            history[key].append(metrics[name])
        if (epoch + 1) % params["checkpoint_every"] == 0 or epoch + 1 == epochs:
            manager.save()
        shown = {"loss": metrics["train/epoch_loss"], "accuracy": metrics["train/accuracy"],
                 "val/loss": val_loss, "val/accuracy": val_accuracy}
        report(bar, progress_line("epoch", epoch, epochs, shown, time.perf_counter() - began))

    if predicted is not None:
        log_mistakes(exp, images[val], labels[val], predicted, int(step.numpy()))
    return history


def log_mistakes(exp, images, labels, predicted, step, limit=32):
    """The misclassified validation digits as one picture (``val/misclassified``), their labels
    (``val/misclassified_labels``) and a confusion matrix (``val/confusion``) as text.

    Each tag holds one kind of summary: TensorBoard files a tag under one plugin, so a picture
    and a text under the same tag would not both show."""
    wrong = np.flatnonzero(predicted != labels)[:limit]
    exp.log_text("val/confusion", confusion_markdown(labels, predicted), step=step)
    if len(wrong) == 0:
        exp.log_text("val/misclassified_labels", "every validation digit is classified correctly",
                     step=step)
        return
    exp.log_image("val/misclassified", image_grid(images[wrong], columns=8), step=step)
    exp.log_text("val/misclassified_labels", "in reading order, true -> predicted: " + ", ".join(
        f"{labels[i]}->{predicted[i]}" for i in wrong), step=step)


if __name__ == "__main__":
    run_as_script("digits_classifier")
