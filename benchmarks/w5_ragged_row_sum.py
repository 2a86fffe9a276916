"""W5: per-row sums of a ragged tensor (5M values in 100k rows) and their gradient.

The row partition is built once (construction is timed separately, see the README);
each iteration sums every row and back-propagates a per-row weight to the values.
"""

from __future__ import annotations

import numpy as np

from .harness import workbench_builders

KEY = "W5"
TITLE = "ragged row sums"
DESCRIPTION = (
    "5,000,000 float32 values in 100,000 rows of random lengths (seed 0, lengths uniform "
    "in [0, 100]): `s = reduce_sum(rt, axis=1)` and the gradient of `sum(s * w)` with "
    "respect to the values (each value gets its row's weight). The limit is "
    "`np.add.reduceat` over the non-empty rows' starts and `np.repeat(w, lengths)`; "
    "PyTorch uses `torch.segment_reduce(values, 'sum', lengths=...)` with autograd; "
    "TensorFlow `tf.reduce_sum(tf.RaggedTensor.from_row_lengths(...), axis=1)`.")

CONFIGS = {
    "full": {"rows": 100_000, "values": 5_000_000},
    "quick": {"rows": 50, "values": 1000},
}
UNIT = ("ms", 1e3)
TARGET = ("limit", 1.3)
RTOL, ATOL = 1e-3, 1e-4


def make_inputs(cfg, rng):
    rows, n = cfg["rows"], cfg["values"]
    # random lengths that add up to exactly n values
    cuts = np.sort(rng.integers(0, n + 1, size=rows - 1))
    lengths = np.diff(np.concatenate([[0], cuts, [n]])).astype(np.int64)
    values = rng.standard_normal(n, dtype=np.float32)
    weights = rng.standard_normal(rows, dtype=np.float32)
    return {"values": values, "lengths": lengths, "weights": weights}


def _workbench_step(inputs, cfg, env, label):
    """``_step`` and its arguments: the ragged values and the row weights."""
    import ragged
    import workbench as wb
    values = wb.constant(inputs["values"])
    rt = ragged.RaggedTensor.from_row_lengths(values, inputs["lengths"])
    rt.value_rowids()  # the partition's encodings are cached once, like the limit's starts
    return _step, (rt, wb.constant(inputs["weights"]))


def _step(rt, w):
    import workbench as wb
    with wb.GradientTape() as tape:
        tape.watch(rt)
        sums = wb.reduce_sum(rt, axis=1)
        loss = wb.reduce_sum(sums * w)
    return sums, tape.gradient(loss, rt).flat_values


build_workbench, build_workbench_fn = workbench_builders(_workbench_step)


def build_limit(inputs, cfg, env):
    xp = env.xp
    values = xp.asarray(inputs["values"])
    lengths = xp.asarray(inputs["lengths"])
    w = xp.asarray(inputs["weights"])
    starts = xp.concatenate([xp.zeros(1, np.int64), xp.cumsum(lengths)[:-1]])
    nonempty = lengths > 0

    def step():
        sums = xp.zeros(lengths.shape[0], values.dtype)
        sums[nonempty] = np.add.reduceat(values, starts[nonempty]) if xp is np else \
            _cupy_row_sums(xp, values, lengths)[nonempty]
        grad = xp.repeat(w, lengths)
        return sums, grad
    return step


def _cupy_row_sums(xp, values, lengths):
    import cupyx
    ids = xp.repeat(xp.arange(lengths.shape[0]), lengths)
    out = xp.zeros(lengths.shape[0], values.dtype)
    cupyx.scatter_add(out, ids, values)
    return out


def build_torch(inputs, cfg, env):
    import torch
    values = torch.tensor(inputs["values"], device=env.torch_device, requires_grad=True)
    lengths = torch.tensor(inputs["lengths"], device=env.torch_device)
    w = torch.tensor(inputs["weights"], device=env.torch_device)

    def step():
        sums = torch.segment_reduce(values, "sum", lengths=lengths, unsafe=True)
        (grad,) = torch.autograd.grad((sums * w).sum(), [values])
        return sums, grad
    return step


def build_tensorflow(inputs, cfg, env):
    import tensorflow as tf
    values = tf.constant(inputs["values"])
    lengths = tf.constant(inputs["lengths"])
    w = tf.constant(inputs["weights"])

    def step():
        with tf.GradientTape() as tape:
            tape.watch(values)
            rt = tf.RaggedTensor.from_row_lengths(values, lengths, validate=False)
            sums = tf.reduce_sum(rt, axis=1)
            loss = tf.reduce_sum(sums * w)
        return sums, tape.gradient(loss, values)
    return step
