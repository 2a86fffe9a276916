"""W2: one training step of an MLP 784-512-512-10, batch 128, float32.

Forward, softmax cross-entropy, backward, and an SGD update of the variables in
place. The matmuls dominate, so a framework should get close to hand-written
NumPy here: what it adds is per-op overhead on about 20 ops and any extra copies.
"""

from __future__ import annotations

import numpy as np

from .harness import workbench_builders

KEY = "W2"
TITLE = "MLP step"
DESCRIPTION = (
    "One SGD training step of a 784-512-512-10 MLP on a batch of 128 (float32): "
    "`relu(x @ W1 + b1)`, `relu(. @ W2 + b2)`, `. @ W3 + b3`, mean sparse softmax "
    "cross-entropy, the gradients of the six variables from one `GradientTape`, and "
    "`v.assign_sub(lr * g)` for each. Workbench uses `wb.matmul`, `wb.nn.relu` and "
    "`wb.nn.sparse_softmax_cross_entropy_with_logits` when the library has them, otherwise "
    "`wb.maximum(x, 0.)` and `reduce_logsumexp(logits) - reduce_sum(logits * one_hot)` "
    "(the JSON records which). The limit writes the backward pass by hand; PyTorch uses "
    "`F.cross_entropy` and `torch.autograd.grad`.")

CONFIGS = {
    "full": {"sizes": (784, 512, 512, 10), "batch": 128, "lr": 0.01},
    "quick": {"sizes": (20, 16, 16, 5), "batch": 8, "lr": 0.01},
}
UNIT = ("ms/step", 1e3)
TARGET = ("limit", 1.15)
RTOL, ATOL = 1e-3, 1e-4


def make_inputs(cfg, rng):
    """Inputs, labels and He-initialised weights; biases keep ReLU inputs away from 0.

    A pre-activation within float32 rounding of 0 makes competitors disagree on
    whether that ReLU is open (each sums the matmul in its own order), which
    changes a whole row of the gradient. So each unit's bias is chosen, among
    small values, to keep every pre-activation of the batch clear of 0.
    """
    sizes, batch = cfg["sizes"], cfg["batch"]
    out = {"x": rng.standard_normal((batch, sizes[0])).astype(np.float32),
           "labels": rng.integers(0, sizes[-1], batch).astype(np.int64)}
    h = out["x"].astype(np.float64)
    for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        W = (rng.standard_normal((m, n)) * np.sqrt(2.0 / m)).astype(np.float32)
        z = h @ W.astype(np.float64)
        last = i == len(sizes) - 1
        b = np.zeros(n, np.float32) if last else _bias_clear_of_zero(z)
        out[f"W{i}"], out[f"b{i}"] = W, b
        h = np.maximum(z + b.astype(np.float64), 0.0)
    return out


def _bias_clear_of_zero(z):
    """Per column of ``z`` (batch x units), the shift in [-0.1, 0.1] farthest from making any entry 0."""
    shifts = np.linspace(-0.1, 0.1, 201).astype(np.float32)
    gap = np.stack([np.abs(z + s).min(axis=0) for s in shifts])  # [shifts, units]
    return shifts[gap.argmax(axis=0)]


PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")


def _workbench_step(inputs, cfg, env, label):
    """One training step as a function of the batch ``x`` (the variables are captured),
    and its arguments."""
    import workbench as wb
    params = [wb.Variable(inputs[k], name=k) for k in PARAMS]
    W1, b1, W2, b2, W3, b3 = params
    lr = cfg["lr"]
    relu = getattr(wb.nn, "relu", None) or (lambda z: wb.maximum(z, 0.0))
    xent = getattr(wb.nn, "sparse_softmax_cross_entropy_with_logits", None)
    if xent is not None:
        labels = wb.constant(inputs["labels"])

        def loss_fn(logits):
            return wb.reduce_mean(xent(labels=labels, logits=logits))
    else:
        one_hot = wb.constant(np.eye(cfg["sizes"][-1], dtype=np.float32)[inputs["labels"]])

        def loss_fn(logits):
            picked = wb.reduce_sum(logits * one_hot, axis=1)
            return wb.reduce_mean(wb.reduce_logsumexp(logits, axis=1) - picked)

    def step(x):
        with wb.GradientTape() as tape:
            h1 = relu(wb.matmul(x, W1) + b1)
            h2 = relu(wb.matmul(h1, W2) + b2)
            loss = loss_fn(wb.matmul(h2, W3) + b3)
        grads = tape.gradient(loss, params)
        for v, g in zip(params, grads):
            v.assign_sub(lr * g)
        return (loss, *grads)
    return step, (wb.constant(inputs["x"]),)


build_workbench, build_workbench_fn = workbench_builders(_workbench_step)


def variant() -> dict:
    """Which workbench ops W2 uses (they depend on what the library has)."""
    import workbench as wb
    return {"relu": "wb.nn.relu" if hasattr(wb.nn, "relu") else "wb.maximum(x, 0.)",
            "cross_entropy": ("wb.nn.sparse_softmax_cross_entropy_with_logits"
                              if hasattr(wb.nn, "sparse_softmax_cross_entropy_with_logits")
                              else "reduce_logsumexp - reduce_sum(logits * one_hot)")}


def limit_loss_and_grads(xp, params, x, labels, rows, inv_batch, mm=None):
    """The MLP's loss and its gradients by hand (W2's and W2b's limit); ``mm`` is the matrix
    product (the harness's ``env.matmul``: the fastest BLAS here; ``xp.matmul`` by default)."""
    mm = mm or xp.matmul
    W1, b1, W2, b2, W3, b3 = params
    z1 = mm(x, W1) + b1
    h1 = xp.maximum(z1, 0)
    z2 = mm(h1, W2) + b2
    h2 = xp.maximum(z2, 0)
    logits = mm(h2, W3) + b3
    m = logits.max(axis=1, keepdims=True)
    e = xp.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    loss = xp.mean(m[:, 0] + xp.log(s[:, 0]) - logits[rows, labels])
    d3 = e / s
    d3[rows, labels] -= 1
    d3 *= inv_batch
    d2 = mm(d3, W3.T) * (z2 > 0)
    d1 = mm(d2, W2.T) * (z1 > 0)
    return loss, (mm(x.T, d1), d1.sum(axis=0), mm(h1.T, d2), d2.sum(axis=0), mm(h2.T, d3), d3.sum(axis=0))


def build_limit(inputs, cfg, env):
    """The forward pass, the backward pass by hand, and in-place updates."""
    xp = env.xp
    params = [xp.array(inputs[k]) for k in PARAMS]
    x = xp.asarray(inputs["x"])
    labels = xp.asarray(inputs["labels"])
    rows = xp.arange(cfg["batch"])
    lr = np.float32(cfg["lr"])
    inv_batch = np.float32(1.0 / cfg["batch"])

    def step():
        loss, grads = limit_loss_and_grads(xp, params, x, labels, rows, inv_batch, env.matmul)
        for p, g in zip(params, grads):
            p -= lr * g
        return (loss, *grads)
    return step


def build_torch(inputs, cfg, env):
    import torch
    import torch.nn.functional as F
    dev = env.torch_device
    params = [torch.tensor(inputs[k], device=dev, requires_grad=True) for k in PARAMS]
    W1, b1, W2, b2, W3, b3 = params
    x = torch.tensor(inputs["x"], device=dev)
    labels = torch.tensor(inputs["labels"], device=dev)
    lr = cfg["lr"]

    def step():
        h1 = torch.relu(x @ W1 + b1)
        h2 = torch.relu(h1 @ W2 + b2)
        loss = F.cross_entropy(h2 @ W3 + b3, labels)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p.sub_(lr * g)
        return (loss, *grads)
    return step


def build_jax(inputs, cfg, env):
    """JAX as its users run it: one ``jit``-compiled step returning new parameters."""
    import jax
    import jax.numpy as jnp
    lr = cfg["lr"]
    x = jnp.asarray(inputs["x"])
    labels = jnp.asarray(inputs["labels"].astype(np.int32))

    def loss_fn(p):
        W1, b1, W2, b2, W3, b3 = p
        h1 = jax.nn.relu(x @ W1 + b1)
        h2 = jax.nn.relu(h1 @ W2 + b2)
        logits = h2 @ W3 + b3
        picked = jnp.take_along_axis(logits, labels[:, None], axis=1)[:, 0]
        return jnp.mean(jax.nn.logsumexp(logits, axis=1) - picked)

    @jax.jit
    def update(p):
        loss, grads = jax.value_and_grad(loss_fn)(p)
        return loss, grads, [v - lr * g for v, g in zip(p, grads)]

    state = [[jnp.asarray(inputs[k]) for k in PARAMS]]

    def step():
        loss, grads, state[0] = jax.block_until_ready(update(state[0]))
        return (loss, *grads)
    return step


def build_tensorflow(inputs, cfg, env):
    import tensorflow as tf
    params = [tf.Variable(inputs[k], name=k) for k in PARAMS]
    W1, b1, W2, b2, W3, b3 = params
    x = tf.constant(inputs["x"])
    labels = tf.constant(inputs["labels"])
    lr = cfg["lr"]

    def step():
        with tf.GradientTape() as tape:
            h1 = tf.nn.relu(tf.matmul(x, W1) + b1)
            h2 = tf.nn.relu(tf.matmul(h1, W2) + b2)
            logits = tf.matmul(h2, W3) + b3
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        grads = tape.gradient(loss, params)
        for v, g in zip(params, grads):
            v.assign_sub(lr * g)
        return (loss, *grads)
    return step
