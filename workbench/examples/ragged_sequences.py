"""A GRU classifies the digits read as variable-length sequences of ink pixels (ragged batches).

Run it with ``workbench run ragged_sequences``. Each 8x8 digit becomes the sequence of its
pixels at least ``ink_threshold`` dark, in reading order (16 to 34 steps with the defaults).
A step is 16 numbers: the one-hot row of the pixel, and the one-hot column times the pixel's
intensity. Sequences of different lengths are kept as a ``RaggedTensor`` ``[n, None, 16]``
and batched ragged by ``wb.data.Dataset`` (no padding), and ``wb.keras.layers.GRU`` runs on the
ragged batch directly: step ``t`` only touches the rows longer than ``t``. The run logs loss
and accuracy, and a histogram of the sequence lengths.
"""

from __future__ import annotations

import time

import numpy as np

import ragged
import workbench as wb
from workbench.examples._common import (epochs_for, one_blas_thread, progress_line, report,
                                        run_as_script, split)
from workbench.examples.data import load_digits

PARAMS = {
    # 32 units keep each time step's matmuls small enough for one BLAS thread: on a busy
    # 2-core machine threaded BLAS makes these tiny products many times slower
    "units": 32,
    "epochs": 50,
    "batch_size": 64,
    "learning_rate": 6e-3,
    "ink_threshold": 0.3,         # pixels darker than this (0..1) become steps
    "validation_fraction": 0.2,
    "seed": 0,
    "checkpoint_every": 10,
}
FAST_EPOCHS = 3


def ink_sequences(images, threshold):
    """A RaggedTensor ``[n, None, 16]``: for each image the steps of its ink pixels in reading
    order, each ``concat(one_hot(row), one_hot(column) * intensity)``."""
    n, h, w = images.shape
    ink = images >= threshold
    lengths = ink.reshape(n, -1).sum(axis=1)
    if lengths.min() == 0:
        raise ValueError(f"ragged_sequences: ink_threshold={threshold} leaves an image with no pixels; "
                         f"use a value below {images.reshape(n, -1).max(axis=1).min():.3f}")
    image_index, rows, cols = np.nonzero(ink)  # row-major order: image by image, in reading order
    intensity = images[image_index, rows, cols]
    steps = np.concatenate([np.eye(h, dtype=np.float32)[rows],
                            np.eye(w, dtype=np.float32)[cols] * intensity[:, None]], axis=1)
    return ragged.RaggedTensor.from_row_lengths(steps, lengths)


class SequenceClassifier(wb.Module):
    """GRU over a ragged batch ``[batch, None, features]``, then a dense layer: logits ``[batch, 10]``."""

    def __init__(self, units):
        super().__init__(name="sequence_classifier")
        self.gru = wb.keras.layers.GRU(units)
        self.head = wb.keras.layers.Dense(10)

    def __call__(self, sequences):
        return self.head(self.gru(sequences))


@one_blas_thread
def main(exp, params):
    """Train the GRU on ragged batches; returns the per-epoch history (lists)."""
    seed = int(params["seed"])
    wb.random.set_seed(seed)
    images, labels = load_digits()
    sequences = ink_sequences(images, float(params["ink_threshold"]))
    train, val = split(len(images), params["validation_fraction"], seed)
    train_x, val_x = wb.gather(sequences, train), wb.gather(sequences, val)
    data = (wb.data.Dataset.from_tensor_slices((train_x, labels[train]))
            .shuffle(len(train), seed=seed).batch(int(params["batch_size"])))
    steps_per_epoch = -(-len(train) // int(params["batch_size"]))

    model = SequenceClassifier(params["units"])
    model(val_x[:1])  # create the variables before a restore
    optimizer = wb.optimizers.Adam(learning_rate=params["learning_rate"])
    loss_fn = wb.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    step = wb.Variable(0, trainable=False, dtype=wb.int64, name="step")
    manager = exp.checkpoint_manager(wb.Checkpoint(model=model, optimizer=optimizer, step=step), max_to_keep=3)
    exp.log_histogram("data/sequence_length", sequences.row_lengths(), step=0)

    epochs = epochs_for(params, FAST_EPOCHS)
    start = int(step.numpy()) // steps_per_epoch
    history = {"train_loss": [], "val_loss": [], "val_accuracy": []}
    bar = exp.progress(range(start, epochs), desc="epoch", total=epochs - start)
    for epoch in bar:
        began = time.perf_counter()
        losses = []
        for x, y in data:
            with wb.GradientTape() as tape:
                loss = loss_fn(y, model(x))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            step.assign_add(1)
            losses.append(float(loss))
        logits = model(val_x)
        val_loss = float(loss_fn(wb.constant(labels[val]), logits))
        val_accuracy = float(np.mean(logits.numpy().argmax(axis=1) == labels[val]))
        exp.log_metrics({"train/loss": float(np.mean(losses)), "val/loss": val_loss,
                         "val/accuracy": val_accuracy}, step=int(step.numpy()))
        history["train_loss"].append(float(np.mean(losses)))
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(val_accuracy)
        if (epoch + 1) % params["checkpoint_every"] == 0 or epoch + 1 == epochs:
            manager.save()
        report(bar, progress_line("epoch", epoch, epochs, {"loss": history["train_loss"][-1],
                                                           "val/loss": val_loss,
                                                           "val/accuracy": val_accuracy},
                                  time.perf_counter() - began))
    return history


if __name__ == "__main__":
    run_as_script("ragged_sequences")
