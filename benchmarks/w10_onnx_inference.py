"""W10: inference of the digits conv model, against onnxruntime on the model it exports.

The conv model of ``workbench/examples/digits_classifier.py`` (8x8x1 -> Conv2D 16 + ReLU ->
MaxPool 2 -> Conv2D 32 + ReLU -> MaxPool 2 -> Dense 64 + ReLU -> Dense 10) on a batch of 256
images: ``model(x, training=False)`` eagerly and under ``wb.function``; the limit is the same
forward pass by hand in NumPy (im2col through a strided view, one ``tensordot`` per layer);
the peer is onnxruntime (one intra-op thread) on ``model.export(path, format="onnx")``.
W10b is batch 1. ``python -m benchmarks.onnx_inference`` measures both batches alone.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import numpy as np

from .harness import workbench_builders

KEY = "W10"
TITLE = "ONNX inference, digits conv, batch 256"
DESCRIPTION = (
    "Logits of the digits example's conv model (two 3x3 `Conv2D` with ReLU and 2x2 max "
    "pooling, `Dense` 64 and 10; dropout inactive) for a batch of 256 8x8 images: "
    "`model(x, training=False)` eagerly and under `wb.function`. The limit writes the forward "
    "pass in NumPy (im2col through `sliding_window_view`, `tensordot`); the peer is onnxruntime "
    "(CPU provider, one thread) running the model as `model.export(path, format=\"onnx\")` "
    "writes it (opset 17). W10b is the same at batch 1.")

CONFIGS = {"full": {"batch": 256}, "quick": {"batch": 8}}
UNIT = ("ms/batch", 1e3)
TARGET = ("onnxruntime", 5.0)
RTOL, ATOL = 1e-4, 1e-5
SHAPES = {"k1": (3, 3, 1, 16), "c1": (16,), "k2": (3, 3, 16, 32), "c2": (32,),
          "w3": (128, 64), "b3": (64,), "w4": (64, 10), "b4": (10,)}


def make_inputs(cfg, rng):
    out = {"x": rng.random((cfg["batch"], 8, 8)).astype(np.float32)}
    for name, shape in SHAPES.items():
        fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        scale = np.sqrt(2.0 / fan_in) if len(shape) > 1 else 0.05
        out[name] = (rng.standard_normal(shape) * scale).astype(np.float32)
    return out


def _model(inputs):
    """The example's conv model with the shared weights."""
    import workbench as wb
    from workbench.examples.digits_classifier import build_model
    model = build_model("conv", 0.2)
    model(wb.constant(inputs["x"][:1]))
    weighted = [layer for layer in model.layers if layer.weights]
    names = list(SHAPES)
    for i, layer in enumerate(weighted):
        layer.set_weights([inputs[names[2 * i]], inputs[names[2 * i + 1]]])
    return model


def _workbench_step(inputs, cfg, env, label):
    """The forward pass as a function of the batch, and the batch."""
    import workbench as wb
    model = _model(inputs)

    def step(x):
        return (model(x, training=False),)
    return step, (wb.constant(inputs["x"]),)


build_workbench, build_workbench_fn = workbench_builders(_workbench_step)


def build_onnxruntime(inputs, cfg, env):
    import onnxruntime as ort  # a peer (the export extra), never required here
    model = _model(inputs)
    folder = tempfile.mkdtemp(prefix="w10_onnx_")
    atexit.register(shutil.rmtree, folder, True)
    path = os.path.join(folder, "digits.onnx")
    model.export(path, format="onnx")
    options = ort.SessionOptions()
    options.intra_op_num_threads = env.threads or 0
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: inputs["x"]}
    return lambda: (session.run(None, feed)[0],)


def _conv_relu_pool(xp, x, k, c):
    """3x3 'same' convolution (NHWC), bias, ReLU, then 2x2 max pooling."""
    n, h, w, _ = x.shape
    padded = xp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))  # n h w c 3 3
    y = xp.tensordot(windows, k, axes=([4, 5, 3], [0, 1, 2])) + c
    xp.maximum(y, 0, out=y)
    return y.reshape(n, h // 2, 2, w // 2, 2, -1).max(axis=(2, 4))


def build_limit(inputs, cfg, env):
    xp = env.xp
    p = {k: xp.asarray(v) for k, v in inputs.items()}
    x = p["x"].reshape(-1, 8, 8, 1)

    def step():
        h = _conv_relu_pool(xp, x, p["k1"], p["c1"])
        h = _conv_relu_pool(xp, h, p["k2"], p["c2"])
        h = xp.maximum(h.reshape(len(h), -1) @ p["w3"] + p["b3"], 0)
        return (h @ p["w4"] + p["b4"],)
    return step
