"""An image input pipeline feeding the digits conv model: images per second of the pipeline
alone and of training with it, and the share of the training loop spent waiting for input.

The shipped digits (1,797 images, 8x8) are written as grey PNG files, one folder per label,
and read by the pipeline of ``workbench/examples/image_pipeline.py``:

    list_files -> read_file, decode_png, label from the folder name (map)
               -> batch(64) -> to float32 in [0, 1] (map over batches)
               -> random shift and contrast per image (map over batches) -> prefetch(AUTOTUNE)

in five variants: without prefetch; with prefetch; with ``num_parallel_calls=AUTOTUNE`` for the
decoding map and prefetch (tf.data's usual form); and with the decoded images cached in memory
(``cache()`` after decoding, then shuffle; batches are still augmented each pass), without and
with prefetch.
The training step is the conv model's forward, backward and Adam update under ``wb.function``
(a hand-written loop, one BLAS thread); "in memory" trains on batches made beforehand, so it is
the step alone. In the training loop the time blocked in ``next(iterator)`` is the input wait.

When TensorFlow is importable (a peer, never a dependency), ``tf.data`` runs the same pipeline
on the same files (``tf.io.decode_png``; the shift is TF's ``ImageProjectiveTransformV3``, the
kernel behind ``tf.keras.layers.RandomTranslation``) and feeds the same workbench step;
otherwise its rows read n/a. Before timing, the workbench and tf.data pipelines must give the
same batches without augmentation, and the same augmented batch for the same random draws.

Each round runs every variant once, one full pass for the pipeline alone and one for
training, starting with a different variant each round; figures are medians over rounds.

    python -m benchmarks.input_pipeline              # 7 rounds over the 1,797 files
    python -m benchmarks.input_pipeline --quick      # 256 files, 2 rounds: checks the script runs
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads its BLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.examples import image_pipeline as pipeline  # noqa: E402
from workbench.examples.data import load_digits  # noqa: E402
from workbench.examples.digits_classifier import build_model  # noqa: E402

BATCH = 64
MAX_SHIFT, CONTRAST, SEED = 1.0, 0.3, 0
WB_VARIANTS = {  # name -> make_dataset's switches
    "workbench, no prefetch": dict(parallel=False, prefetch=False),
    "workbench, prefetch": dict(parallel=False, prefetch=True),
    "workbench, parallel map + prefetch": dict(parallel=True, prefetch=True),
    "workbench, cache, no prefetch": dict(parallel=False, prefetch=False, cache=True),
    "workbench, cache + prefetch": dict(parallel=False, prefetch=True, cache=True),
}
TF_VARIANTS = {  # name -> cache
    "tf.data, parallel map + prefetch": False,
    "tf.data, cache + prefetch": True,
}


def tensorflow():
    """TensorFlow, or None when it cannot be imported."""
    try:
        import tensorflow as tf  # noqa: PLC0415  (optional peer)
    except Exception:  # noqa: BLE001  (missing, or broken in this environment)
        return None
    return tf


# -- the tf.data pipeline -------------------------------------------------------------------------


def tf_shift_and_contrast(tf, images, draws):
    """``image_pipeline.shift_and_contrast`` in TensorFlow."""
    n = tf.shape(images)[0]
    ones, zeros = tf.ones([n]), tf.zeros([n])
    transforms = tf.stack([ones, zeros, -MAX_SHIFT * draws[:, 0], zeros, ones, -MAX_SHIFT * draws[:, 1],
                           zeros, zeros], axis=1)
    moved = tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.shape(images)[1:3], fill_value=0.0,
        interpolation="BILINEAR", fill_mode="CONSTANT")
    mean = tf.reduce_mean(moved, axis=[1, 2], keepdims=True)
    factors = tf.reshape(1.0 + CONTRAST * draws[:, 2], [-1, 1, 1, 1])
    return tf.clip_by_value((moved - mean) * factors + mean, 0.0, 1.0)


def tf_dataset(tf, pattern, shuffle=True, augment=True, cache=False):
    """The tf.data pipeline: the same files, decoding, batching and augmentation (TF's own
    stateless random stream, so other draws than workbench's)."""
    def load(path):
        label = tf.strings.to_number(tf.strings.split(path, os.sep)[-2], out_type=tf.int64)
        return tf.io.decode_png(tf.io.read_file(path), channels=1), label

    def to_unit_range(images, labels):
        return tf.cast(images, tf.float32) / 255.0, labels

    def augment_batch(i, batch):
        images, labels = batch
        seed = tf.stack([tf.constant(SEED, tf.int64), i])
        draws = tf.random.stateless_uniform([tf.shape(images)[0], 3], seed=seed, minval=-1.0, maxval=1.0)
        return tf_shift_and_contrast(tf, images, draws), labels

    files = tf.data.Dataset.list_files(pattern, shuffle=shuffle and not cache, seed=SEED)
    ds = files.map(load, num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        ds = ds.cache()
        if shuffle:
            ds = ds.shuffle(int(files.cardinality()), seed=SEED)
    ds = ds.batch(BATCH).map(to_unit_range)
    if augment:
        ds = ds.enumerate().map(augment_batch, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def check_against_tf(tf, pattern):
    """The tf.data pipeline computes what workbench's does: the same batches in file order
    without augmentation, and the same augmented batch for the same draws."""
    ours = pipeline.make_dataset(pattern, BATCH, prefetch=False)
    theirs = tf_dataset(tf, pattern, shuffle=False, augment=False).as_numpy_iterator()
    for (x, y), (tx, ty) in zip(ours, theirs):
        if not (np.array_equal(x.numpy(), tx) and np.array_equal(y.numpy(), ty)):
            raise SystemExit("tf.data and workbench decode the files differently")
    draws = np.random.default_rng(0).uniform(-1.0, 1.0, (len(tx), 3)).astype(np.float32)
    a = pipeline.shift_and_contrast(wb.constant(tx), draws, MAX_SHIFT, CONTRAST).numpy()
    b = tf_shift_and_contrast(tf, tf.constant(tx), tf.constant(draws)).numpy()
    if float(np.max(np.abs(a - b))) > 1e-5:
        raise SystemExit(f"the augmentation differs from TF's by {float(np.max(np.abs(a - b))):.3g}")


# -- timing ---------------------------------------------------------------------------------------


def train_step():
    """The conv model's training step (forward, backward, Adam) under ``wb.function``."""
    wb.random.set_seed(SEED)
    model = build_model("conv", 0.2)
    optimizer = wb.optimizers.Adam(learning_rate=2e-3)
    loss_fn = wb.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @wb.function
    def step(x, y):
        with wb.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    return step


def pipeline_pass(batches):
    """(images, seconds) for one pass over ``batches`` (an iterable)."""
    start = time.perf_counter()
    images = sum(int(x.shape[0]) for x, _ in batches)
    return images, time.perf_counter() - start


def training_pass(batches, step, as_tensors):
    """(images, seconds, seconds blocked in next()) for one pass of training on ``batches``."""
    waited, images = 0.0, 0
    start = time.perf_counter()
    it = iter(batches)
    while True:
        before = time.perf_counter()
        try:
            x, y = next(it)
        except StopIteration:
            break
        if as_tensors:  # tf.data's NumPy arrays become workbench tensors: part of the input
            x, y = wb.constant(x), wb.constant(y)
        waited += time.perf_counter() - before
        step(x, y)
        images += int(x.shape[0])
    return images, time.perf_counter() - start, waited


def measure(folder, rounds, tf):
    pattern = os.path.join(folder, "*", "*.png")
    augment = (MAX_SHIFT, CONTRAST, SEED)
    variants = {}  # name -> (a call that starts a pass, whether its batches are NumPy arrays)
    for name, switches in WB_VARIANTS.items():
        ds = pipeline.make_dataset(pattern, BATCH, SEED, augment, **switches)  # its cache lives across passes
        variants[name] = (lambda ds=ds: iter(ds), False)
    if tf is not None:
        check_against_tf(tf, pattern)
        for name, cache in TF_VARIANTS.items():
            ds = tf_dataset(tf, pattern, cache=cache)
            variants[name] = (lambda ds=ds: ds.as_numpy_iterator(), True)
    step = train_step()
    in_memory = [(x, y) for x, y in pipeline.make_dataset(pattern, BATCH, SEED, augment, prefetch=False)]
    for x, y in in_memory:  # traces the step, warms the files' pages
        step(x, y)

    def iterate(name):
        return variants[name][0]()

    for name in variants:  # warm up: fills the caches
        pipeline_pass(iterate(name))
    names = ["in memory"] + list(variants)
    alone = {n: [] for n in variants}
    train = {n: [] for n in names}
    wait = {n: [] for n in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            if name != "in memory":
                n, seconds = pipeline_pass(iterate(name))
                alone[name].append(n / seconds)
            batches = in_memory if name == "in memory" else iterate(name)
            n, seconds, waited = training_pass(batches, step, variants.get(name, (None, False))[1])
            train[name].append(n / seconds)
            wait[name].append(waited / seconds)
    med = statistics.median
    rows = [(name, med(alone[name]) if name in alone else None, med(train[name]), med(wait[name]))
            for name in names]
    if tf is None:
        rows += [(name, None, None, None) for name in TF_VARIANTS]
    return rows


def format_table(rows):
    def number(v, fmt):
        return "n/a" if v is None else format(v, fmt)
    lines = ["| input | pipeline alone, images/s | training with it, images/s | waiting for input |",
             "|---|---|---|---|"]
    for name, alone, train, wait in rows:
        alone_text = "—" if name == "in memory" else number(alone, ",.0f")
        wait_text = "n/a" if wait is None else f"{100 * wait:.1f}%"
        lines.append(f"| {name} | {alone_text} | {number(train, ',.0f')} | {wait_text} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="256 files, 2 rounds: checks the script runs")
    args = ap.parse_args(argv)
    rounds, count = (2, 256) if args.quick else (args.rounds, None)
    from . import harness  # noqa: PLC0415  (the machine line)
    tf = tensorflow()
    machine = harness.machine_info(harness.Env("cpu", threads=1), ["tensorflow"] if tf else [])
    images, labels = load_digits()
    with tempfile.TemporaryDirectory(prefix="input_pipeline_") as folder:
        written = pipeline.write_png_files(folder, images[:count], labels[:count])
        rows = measure(folder, rounds, tf)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"Machine: {harness.format_machine(machine)}; load average {load}")
    print(f"{written} PNG files, batches of {BATCH}, {rounds} rounds, medians"
          + (" (quick: not a measurement)" if args.quick else ""))
    print()
    print(format_table(rows))
    return rows


if __name__ == "__main__":
    main()
