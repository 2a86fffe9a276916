"""W7: a full jacobian, R^100 -> R^100, by one vectorized backward pass.

``tape.jacobian`` seeds the backward pass with the identity (one cotangent row
per output) and runs every rule once on the whole batch of rows. At n = 100 the
arithmetic is a few microseconds, so this measures what each framework's
jacobian machinery costs: seeding, batched rules, reshapes.
"""

from __future__ import annotations

import numpy as np

from .harness import workbench_builders

KEY = "W7"
TITLE = "jacobian"
DESCRIPTION = (
    "The jacobian of `y = tanh(W x)` for `R^100 -> R^100` (float32; `W` 100×100 with entries "
    "N(0, 1/n), `x` N(0, 1)): a 100×100 matrix. Workbench records `wb.tanh(wb.linalg.matvec(W, x))` "
    "on a `GradientTape` and calls `tape.jacobian(y, x)`, one backward pass on a batch of 100 "
    "cotangents. The limit is the closed form `(1 - tanh(Wx)²)[:, None] * W`. PyTorch uses "
    "`torch.func.jacrev` (vmap over the reverse pass: PyTorch's vectorized jacobian, and its faster "
    "one here; `torch.autograd.functional.jacobian(..., vectorize=True)` took about 5x longer on "
    "this machine), JAX `jax.jit(jax.jacrev(f))`, TensorFlow `tf.GradientTape.jacobian` (eager, "
    "its default pfor vectorization).")

CONFIGS = {
    "full": {"n": 100},
    "quick": {"n": 8},
}
UNIT = ("µs", 1e6)
TARGET = ("torch", 1.0)
RTOL, ATOL = 1e-3, 1e-5


def make_inputs(cfg, rng):
    n = cfg["n"]
    return {"W": (rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32),
            "x": rng.standard_normal(n).astype(np.float32)}


def _workbench_step(inputs, cfg, env, label):
    """The jacobian as a function of ``x`` (``W`` is captured), and its arguments."""
    import workbench as wb
    W = wb.constant(inputs["W"])

    def jacobian(x):
        with wb.GradientTape() as tape:
            tape.watch(x)
            y = wb.tanh(wb.linalg.matvec(W, x))
        return tape.jacobian(y, x)
    return jacobian, (wb.constant(inputs["x"]),)


build_workbench, build_workbench_fn = workbench_builders(_workbench_step)


def build_limit(inputs, cfg, env):
    xp = env.xp
    W = xp.asarray(inputs["W"])
    x = xp.asarray(inputs["x"])

    def step():
        t = xp.tanh(W @ x)
        return (1 - t * t)[:, None] * W
    return step


def build_torch(inputs, cfg, env):
    import torch
    dev = env.torch_device
    W = torch.tensor(inputs["W"], device=dev)
    x = torch.tensor(inputs["x"], device=dev)
    jacobian = torch.func.jacrev(lambda x: torch.tanh(W @ x))

    def step():
        return jacobian(x)
    return step


def build_jax(inputs, cfg, env):
    """JAX as its users run it: ``jit`` of ``jacrev`` (compiled, not eager)."""
    import jax
    import jax.numpy as jnp
    W = jnp.asarray(inputs["W"])
    jacobian = jax.jit(jax.jacrev(lambda x: jnp.tanh(W @ x)))
    x = jnp.asarray(inputs["x"])

    def step():
        return jax.block_until_ready(jacobian(x))
    return step


def build_tensorflow(inputs, cfg, env):
    import tensorflow as tf
    W = tf.constant(inputs["W"])
    x = tf.constant(inputs["x"])

    def step():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.tanh(tf.linalg.matvec(W, x))
        return tape.jacobian(y, x)
    return step
