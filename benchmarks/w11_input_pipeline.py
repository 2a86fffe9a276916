"""W11: one pass of the image input pipeline over PNG files (decoding, batching, prefetch).

The digits (1,797 images, 8x8) written as grey PNG files, one folder per label, read by the
pipeline of ``workbench/examples/image_pipeline.py`` without augmentation: ``list_files`` (sorted)
-> ``read_file`` + ``decode_png`` + the label from the folder name -> ``batch(64)`` -> to float32
in [0, 1] -> ``prefetch(AUTOTUNE)``; the time is one pass, the batches turned into NumPy. The
limit is a hand-written loop: read each file, decode it with Pillow, stack batches in NumPy
(``decode_png`` decodes such small plain PNGs itself, with zlib and NumPy). The peer is
``tf.data`` (the same files, ``tf.io.decode_png``, parallel map, prefetch) when TensorFlow can be
imported; it cannot be installed beside PyTorch and JAX here, so its figure comes from a
separate process (``python -m benchmarks --only W11`` in TensorFlow's environment).
``python -m benchmarks.input_pipeline`` measures the pipeline's variants while training.
"""

from __future__ import annotations

import atexit
import glob
import io
import os
import shutil
import tempfile

import numpy as np

KEY = "W11"
TITLE = "input pipeline, PNG files"
DESCRIPTION = (
    "One pass over the 1,797 digits written as 8x8 grey PNG files (one folder per label) by the "
    "pipeline of `workbench/examples/image_pipeline.py` without augmentation: `list_files` "
    "(sorted) → `read_file` + `decode_png` + label from the folder name → `batch(64)` → float32 "
    "in [0, 1] per batch → `prefetch(AUTOTUNE)`, each batch turned into NumPy. The limit is a "
    "hand-written loop (read the bytes, decode with Pillow, stack each batch in NumPy; "
    "`decode_png` decodes these small PNGs itself, with zlib and NumPy); the `tensorflow` peer "
    "is `tf.data` (`decode_png` in a parallel map, prefetch), run in its own process where "
    "TensorFlow cannot be loaded beside the other peers. The compared results are the pass's "
    "images and labels.")

CONFIGS = {"full": {"count": None, "batch": 64}, "quick": {"count": 128, "batch": 64}}
UNIT = ("ms/pass", 1e3)
TARGET = ("limit", 1.5)
RTOL, ATOL = 0.0, 0.0
_FOLDERS: dict = {}


def make_inputs(cfg, rng):
    from workbench.examples.data import load_digits
    images, labels = load_digits()
    n = cfg["count"] or len(images)
    return {"images": images[:n], "labels": labels[:n]}


def _pattern(inputs):
    """The files' glob pattern (written once per process, removed at exit)."""
    key = len(inputs["images"])
    folder = _FOLDERS.get(key)
    if folder is None:
        from workbench.examples import image_pipeline
        folder = _FOLDERS[key] = tempfile.mkdtemp(prefix="w11_png_")
        atexit.register(shutil.rmtree, folder, True)
        image_pipeline.write_png_files(folder, inputs["images"], inputs["labels"])
    return os.path.join(folder, "*", "*.png")


def _collect(batches):
    xs, ys = zip(*batches)
    return np.concatenate(xs), np.concatenate(ys)


def build_workbench(inputs, cfg, env):
    from workbench.examples import image_pipeline
    ds = image_pipeline.make_dataset(_pattern(inputs), cfg["batch"], prefetch=True)
    return lambda: _collect((x.numpy(), y.numpy()) for x, y in ds)


def build_limit(inputs, cfg, env):
    from PIL import Image  # the io extra: the usual decoder of a hand-written loop
    files = sorted(glob.glob(_pattern(inputs)))
    batch = cfg["batch"]

    def step():
        xs, ys = [], []
        for lo in range(0, len(files), batch):
            chunk = files[lo:lo + batch]
            images = np.empty((len(chunk), 8, 8, 1), np.float32)
            labels = np.empty(len(chunk), np.int64)
            for k, path in enumerate(chunk):
                with open(path, "rb") as f:
                    data = f.read()
                images[k, :, :, 0] = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
                labels[k] = int(os.path.basename(os.path.dirname(path)))
            images /= np.float32(255.0)
            xs.append(images)
            ys.append(labels)
        return np.concatenate(xs), np.concatenate(ys)
    return step


def build_tensorflow(inputs, cfg, env):
    import tensorflow as tf
    from .input_pipeline import tf_dataset
    ds = tf_dataset(tf, _pattern(inputs), shuffle=False, augment=False)
    return lambda: _collect(ds.as_numpy_iterator())
