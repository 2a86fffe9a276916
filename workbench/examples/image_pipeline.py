"""Train the digits conv net from PNG files read through a ``wb.data`` input pipeline.

Run it with ``workbench run image_pipeline``. The run first writes the shipped digits as 8-bit
grey PNG files, one folder per label (``<data_dir>/train/3/0042.png``, the layout Keras'
``image_dataset_from_directory`` reads), then trains the conv net of ``digits_classifier`` with
``fit`` on the pipeline

    list_files -> read_file, decode_png, label from the folder name (map)
               -> batch -> to float32 in [0, 1] (map over batches)
               -> augment each batch (random shift and contrast per image) -> prefetch

and validates each epoch on the validation files (no augmentation); about 96-98% validation
accuracy after the 15 epochs. The files are read and decoded again every epoch, as a pipeline
over a data set larger than memory would. The run logs training and validation loss and
accuracy, the images per second the training loop consumed, the share of its time spent
waiting for the next batch (``data/input_wait_fraction``), and a picture of one augmented batch.

The augmentation works on whole batches: one ``wb.image.transform`` call shifts every image by
its own draw (``wb.image.stateless_random_*`` draw one value for a whole batch, as TF's do, so
per-image draws with them would need a map over single images, about 30 times slower here).

Where the time goes, on a small CPU machine: the input is the slow half. Each file costs
over 100 us of Python: reading it, decoding the PNG (``wb.io`` decodes small plain PNGs
itself, at about a third of Pillow's cost for an 8x8 file) and the string ops that parse the
label (about as much again as the decoding). Python holds the interpreter lock, so neither the
prefetch thread nor ``-p parallel_decode=True`` (``num_parallel_calls=AUTOTUNE``: threads that
take turns with the lock) can run the decoding fully beside the training step; the parallel
map overlaps the reads and gains a little. ``-p cache=True`` decodes once and keeps the uint8
images in memory (``Dataset.cache()``), and the wait for input falls to a few percent.
Figures: ``python -m benchmarks.input_pipeline`` and benchmarks/README.md.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time

import numpy as np

import workbench as wb
from workbench.examples._common import (epochs_for, image_grid, one_blas_thread, progress_line,
                                        report, run_as_script, split)
from workbench.examples.data import load_digits
from workbench.examples.digits_classifier import build_model

PARAMS = {
    "epochs": 15,
    "batch_size": 64,
    "learning_rate": 4e-3,
    "dropout": 0.2,
    "validation_fraction": 0.2,
    "max_shift": 0.75,            # pixels: each training image moves by up to this much in x and in y
    "contrast": 0.2,              # each training image's contrast is scaled by 1 +- up to this much
    "parallel_decode": False,     # decode with num_parallel_calls=AUTOTUNE (see below)
    "cache": False,               # keep the decoded images in memory after the first epoch
    "prefetch": True,             # prepare the next batches on a background thread
    "seed": 0,
    "data_dir": "",               # where the PNG files go; "" writes them to a temporary folder removed at the end
}
FAST_EPOCHS = 3


def write_png_files(folder, images, labels):
    """Write images ``[n, 8, 8]`` (values in [0, 1]) as 8-bit grey PNGs ``folder/<label>/<i>.png``
    (``i`` the image's index in ``images``, zero-padded); returns the number of files written."""
    pixels = np.round(np.asarray(images, np.float32) * 255.0).astype(np.uint8)[..., None]
    width = len(str(len(pixels)))
    for i, (image, label) in enumerate(zip(pixels, labels)):
        wb.io.write_file(os.path.join(folder, str(int(label)), f"{i:0{width}d}.png"), wb.io.encode_png(image))
    return len(pixels)


def load_example(path):
    """``(image, label)`` from one file name (a string scalar): the PNG decoded to ``uint8
    [8, 8, 1]``, and the label as int64, read from the name of the file's folder."""
    label = wb.strings.to_number(wb.strings.split(path, os.sep)[-2], out_type=wb.int64)
    return wb.io.decode_png(wb.io.read_file(path), channels=1), label


def to_unit_range(images, labels):
    """A batch of ``uint8`` images as float32 in [0, 1]: one conversion per batch rather than
    one per image."""
    return wb.cast(images, wb.float32) / 255.0, labels


def augment_batch(images, seed, max_shift, contrast):
    """A random shift of each image by up to ``max_shift`` pixels in x and y (bilinear, zeros
    shifted in, as ``keras.layers.RandomTranslation`` with ``fill_mode="constant"``) and a
    random contrast factor in ``[1 - contrast, 1 + contrast]`` per image, clipped to [0, 1].

    ``images`` is a batch ``[n, height, width, channels]``; the draws are stateless: the same
    ``seed`` (a pair of integers) gives the same augmentation.
    """
    draws = wb.random.stateless_uniform([int(images.shape[0]), 3], seed=seed, minval=-1.0, maxval=1.0)
    return shift_and_contrast(images, draws.numpy(), max_shift, contrast)


def shift_and_contrast(images, draws, max_shift, contrast):
    """:func:`augment_batch` for given draws ``[n, 3]`` in [-1, 1]: image ``k`` moves by
    ``max_shift * draws[k, :2]`` pixels (x, y) and its contrast is scaled by
    ``1 + contrast * draws[k, 2]``."""
    draws = np.asarray(draws, np.float32)
    n = len(draws)
    transforms = np.zeros((n, 8), np.float32)
    transforms[:, 0] = transforms[:, 4] = 1.0
    # the output pixel (x, y) takes the input at (x - dx, y - dy): the image moves by (dx, dy)
    transforms[:, 2], transforms[:, 5] = -max_shift * draws[:, 0], -max_shift * draws[:, 1]
    moved = wb.image.transform(images, transforms, interpolation="bilinear", fill_mode="constant")
    factors = (1.0 + contrast * draws[:, 2]).reshape(n, 1, 1, 1)
    return wb.clip_by_value(wb.image.adjust_contrast(moved, factors), 0.0, 1.0)


def make_dataset(pattern, batch_size, shuffle_seed=None, augment=None, parallel=False, prefetch=True,
                 cache=False):
    """The pipeline over the PNG files matching ``pattern``: batches ``(images [b, 8, 8, 1],
    labels [b])``.

    ``shuffle_seed``: None keeps the files in sorted order; an integer shuffles them, again each
    pass. ``augment``: None, or ``(max_shift, contrast, seed)`` for :func:`augment_batch` (the
    ``i``-th batch of a pass gets the seed ``[seed, i]``). ``parallel``: decode with
    ``num_parallel_calls=AUTOTUNE`` (else one file after another). ``cache``: keep the decoded
    images in memory after the first pass (``Dataset.cache()``; the shuffle then comes after
    it). ``prefetch``: prepare batches ahead on a background thread (``prefetch(AUTOTUNE)``).
    """
    shuffle = shuffle_seed is not None
    files = wb.data.Dataset.list_files(pattern, shuffle=shuffle and not cache, seed=shuffle_seed)
    ds = files.map(load_example, num_parallel_calls=wb.data.AUTOTUNE if parallel else None)
    if cache:
        ds = ds.cache()
        if shuffle:
            ds = ds.shuffle(int(files.cardinality()), seed=shuffle_seed)
    ds = ds.batch(batch_size).map(to_unit_range)
    if augment is not None:
        max_shift, contrast, seed = augment
        ds = ds.enumerate().map(
            lambda i, batch: (augment_batch(batch[0], [seed, i], max_shift, contrast), batch[1]))
    return ds.prefetch(wb.data.AUTOTUNE) if prefetch else ds


class EpochLogger(wb.keras.callbacks.ExperimentLogger):
    """Logs each epoch of ``fit`` to the experiment under the examples' names (``train/loss``,
    ``val/accuracy``, ... at the global step) and prints a progress line. Being an
    ``ExperimentLogger``, it stands in for the one ``fit`` adds inside a ``wb.Experiment``.

    It also times the input: in ``fit`` the time from the end of one training batch to the
    start of the next (and from the start of the epoch to its first batch) is spent getting
    the next batch from the pipeline; over the epoch's training time (validation excluded)
    that is ``data/input_wait_fraction``.
    """

    # history key -> the metric logged
    NAMES = {"train_loss": "train/loss", "train_accuracy": "train/accuracy", "val_loss": "val/loss",
             "val_accuracy": "val/accuracy", "input_wait_fraction": "data/input_wait_fraction",
             "images_per_second": "data/images_per_second"}

    def __init__(self, exp, epochs, images_per_epoch):
        super().__init__(exp, log_model=False)
        self.exp, self.epochs, self.images_per_epoch = exp, epochs, images_per_epoch
        self.history = {key: [] for key in self.NAMES}
        self.step = 0
        self._began = self._last = time.perf_counter()
        self._waited = 0.0

    def on_train_begin(self, logs=None):
        pass  # the run's params are the example's PARAMS, logged when the run started

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        self._began = self._last = time.perf_counter()
        self._waited = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        self._waited += time.perf_counter() - self._last

    def on_train_batch_end(self, batch, logs=None):
        self._last = time.perf_counter()
        self.step += 1

    def on_epoch_end(self, epoch, logs=None):
        training = self._last - self._began
        values = {"train_loss": logs["loss"], "train_accuracy": logs["accuracy"],
                  "val_loss": logs["val_loss"], "val_accuracy": logs["val_accuracy"],
                  "input_wait_fraction": self._waited / training,
                  "images_per_second": self.images_per_epoch / training}
        self.exp.log_metrics({self.NAMES[k]: float(v) for k, v in values.items()}, step=self.step)
        for key, value in values.items():
            self.history[key].append(float(value))
        shown = {"loss": values["train_loss"], "accuracy": values["train_accuracy"],
                 "val/accuracy": values["val_accuracy"], "input_wait": values["input_wait_fraction"]}
        report(None, progress_line("epoch", epoch, self.epochs, shown, time.perf_counter() - self._began))


@one_blas_thread
def main(exp, params):
    """Write the PNG files, train with ``fit`` on the file pipeline; returns the per-epoch
    history (lists, keys as :attr:`EpochLogger.NAMES`)."""
    wb.random.set_seed(params["seed"])
    images, labels = load_digits()
    train, val = split(len(images), params["validation_fraction"], params["seed"])
    batch_size = int(params["batch_size"])
    epochs = epochs_for(params, FAST_EPOCHS)
    augment = (float(params["max_shift"]), float(params["contrast"]), int(params["seed"]))
    with _data_folder(params["data_dir"]) as folder:
        began = time.perf_counter()
        for name, rows in (("train", train), ("validation", val)):
            write_png_files(os.path.join(folder, name), images[rows], labels[rows])
        report(None, f"wrote {len(images)} PNG files under {folder} ({time.perf_counter() - began:.1f} s)")
        pattern = os.path.join(folder, "{}", "*", "*.png")
        switches = {key: bool(params[key]) for key in ("cache", "prefetch")}
        switches["parallel"] = bool(params["parallel_decode"])
        train_ds = make_dataset(pattern.format("train"), batch_size, shuffle_seed=int(params["seed"]),
                                augment=augment, **switches)
        val_ds = make_dataset(pattern.format("validation"), 512, **switches)

        # what the model sees: the first 32 training images of a pass, augmented
        sample = make_dataset(pattern.format("train"), 32, shuffle_seed=int(params["seed"]),
                              augment=augment, prefetch=False)
        shown, shown_labels = next(iter(sample))
        exp.log_image("data/augmented_batch", image_grid(shown.numpy()[:, :, :, 0], columns=8), step=0)
        exp.log_text("data/augmented_batch_labels", "in reading order: " + ", ".join(
            str(int(v)) for v in shown_labels.numpy()), step=0)

        model = build_model("conv", params["dropout"])
        model.compile(optimizer=wb.optimizers.Adam(learning_rate=params["learning_rate"]),
                      loss=wb.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        logger = EpochLogger(exp, epochs, len(train))
        model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=0, callbacks=[logger])
    return logger.history


def _data_folder(data_dir):
    """A context giving the folder for the PNG files: ``data_dir`` (which must hold no PNG files
    yet: files of another split would mix into this one), or a temporary folder removed at the
    end."""
    if not data_dir:
        return tempfile.TemporaryDirectory(prefix="digits_png_")
    found = wb.io.gfile.glob(os.path.join(str(data_dir), "*", "*", "*.png"))
    if found:
        raise ValueError(f"image_pipeline: params['data_dir'] must be a new or empty folder, got "
                         f"{data_dir!r}, which already holds PNG files ({found[0]}, ...)")
    return contextlib.nullcontext(str(data_dir))


if __name__ == "__main__":
    run_as_script("image_pipeline")
