"""W3: memory-bound elementwise math on 10M float32 values, forward and backward.

Per-op overhead is negligible at this size; what counts is how many passes
over memory the forward and the gradient rules make and how many temporaries
they allocate.
"""

from __future__ import annotations

import numpy as np

from .harness import workbench_builders

KEY = "W3"
TITLE = "large elementwise"
DESCRIPTION = (
    "`reduce_sum(tanh(x) * x + exp(-x * x))` over 10,000,000 float32 values and its "
    "gradient with respect to `x` from one `GradientTape`. The limit computes the value "
    "and `(1 - t²)·x + t - 2x·exp(-x²)` (with `t = tanh(x)` and `exp(-x²)` kept from "
    "the forward pass) in plain NumPy expressions, without `out=` tricks.")

CONFIGS = {
    "full": {"n": 10_000_000},
    "quick": {"n": 1000},
}
UNIT = ("ms", 1e3)
TARGET = ("limit", 1.3)
RTOL, ATOL = 1e-3, 1e-5


def make_inputs(cfg, rng):
    return {"x": rng.standard_normal(cfg["n"], dtype=np.float32)}


def _step(x):
    import workbench as wb
    with wb.GradientTape() as tape:
        tape.watch(x)
        loss = wb.reduce_sum(wb.tanh(x) * x + wb.exp(-x * x))
    return loss, tape.gradient(loss, x)


def _workbench_step(inputs, cfg, env, label):
    import workbench as wb
    return _step, (wb.constant(inputs["x"]),)


build_workbench, build_workbench_fn = workbench_builders(_workbench_step)


def build_limit(inputs, cfg, env):
    xp = env.xp
    x = xp.asarray(inputs["x"])

    def step():
        t = xp.tanh(x)
        e = xp.exp(-x * x)
        loss = xp.sum(t * x + e)
        grad = (1 - t * t) * x + t - 2 * x * e
        return loss, grad
    return step


def build_torch(inputs, cfg, env):
    import torch
    x = torch.tensor(inputs["x"], device=env.torch_device, requires_grad=True)

    def step():
        loss = torch.sum(torch.tanh(x) * x + torch.exp(-x * x))
        (grad,) = torch.autograd.grad(loss, [x])
        return loss, grad
    return step


def build_jax(inputs, cfg, env):
    """JAX as its users run it: ``jit`` of ``value_and_grad`` (fused by XLA)."""
    import jax
    import jax.numpy as jnp
    f = jax.jit(jax.value_and_grad(lambda x: jnp.sum(jnp.tanh(x) * x + jnp.exp(-x * x))))
    x = jnp.asarray(inputs["x"])

    def step():
        return jax.block_until_ready(f(x))
    return step


def build_tensorflow(inputs, cfg, env):
    import tensorflow as tf
    x = tf.constant(inputs["x"])

    def step():
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.tanh(x) * x + tf.exp(-x * x))
        return loss, tape.gradient(loss, x)
    return step
