"""W4: a Hessian-vector product by nested tapes (reverse over reverse), n = 1000.

Second-order autodiff: the inner tape's gradient is itself recorded by the
outer tape, so the gradient rules run as recorded ops and are differentiated
again. Matrix-vector products with a 1000x1000 matrix set the floor.
"""

from __future__ import annotations

import numpy as np

from .harness import workbench_builders

KEY = "W4"
TITLE = "Hessian-vector product"
DESCRIPTION = (
    "`f(x) = reduce_sum(tanh(A x)²)` with `A` a 1000×1000 float32 matrix (entries "
    "N(0, 1/n)) and `x`, `v` float32 vectors of 1000. Workbench computes `f(x)`, the "
    "gradient `g` with an inner `GradientTape` and `H v` as the outer tape's gradient of "
    "`reduce_sum(g * v)` (reverse over reverse; `wb.linalg.matvec`, `wb.tanh`, `wb.square`). "
    "PyTorch does the same with `torch.autograd.grad(..., create_graph=True)` twice. The limit "
    "computes `t = tanh(Ax)`, `g = Aᵀ(2t(1-t²))` and `Hv = Aᵀ(2(1-t²)(1-3t²) ⊙ Av)`: four "
    "matrix-vector products.")

CONFIGS = {
    "full": {"n": 1000},
    "quick": {"n": 20},
}
UNIT = ("ms", 1e3)
TARGET = ("torch", 1.0)
RTOL, ATOL = 1e-3, 1e-4


def make_inputs(cfg, rng):
    n = cfg["n"]
    return {"A": (rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32),
            "x": rng.standard_normal(n).astype(np.float32),
            "v": rng.standard_normal(n).astype(np.float32)}


def _workbench_step(inputs, cfg, env, label):
    """``f``, its gradient and ``H v`` as a function of ``x`` and ``v`` (``A`` is captured),
    and those arguments."""
    import workbench as wb
    A = wb.constant(inputs["A"])

    def step(x, v):
        with wb.GradientTape() as outer:
            outer.watch(x)
            with wb.GradientTape() as inner:
                inner.watch(x)
                y = wb.reduce_sum(wb.square(wb.tanh(wb.linalg.matvec(A, x))))
            g = inner.gradient(y, x)
            gv = wb.reduce_sum(g * v)
        return y, g, outer.gradient(gv, x)
    return step, (wb.constant(inputs["x"]), wb.constant(inputs["v"]))


build_workbench, build_workbench_fn = workbench_builders(_workbench_step)


def build_limit(inputs, cfg, env):
    xp, mm = env.xp, env.matmul
    A = xp.asarray(inputs["A"])
    x = xp.asarray(inputs["x"])
    v = xp.asarray(inputs["v"])

    def step():
        t = xp.tanh(mm(A, x))
        y = xp.sum(t * t)
        s = 1 - t * t
        g = mm(A.T, 2 * t * s)
        hv = mm(A.T, 2 * s * (1 - 3 * t * t) * mm(A, v))
        return y, g, hv
    return step


def build_torch(inputs, cfg, env):
    import torch
    dev = env.torch_device
    A = torch.tensor(inputs["A"], device=dev)
    x = torch.tensor(inputs["x"], device=dev, requires_grad=True)
    v = torch.tensor(inputs["v"], device=dev)

    def step():
        y = torch.sum(torch.square(torch.tanh(A @ x)))
        (g,) = torch.autograd.grad(y, [x], create_graph=True)
        (hv,) = torch.autograd.grad(torch.sum(g * v), [x])
        return y, g, hv
    return step


def build_jax(inputs, cfg, env):
    """JAX as its users run it: ``jit`` of forward-over-reverse (``jvp`` of ``grad``)."""
    import jax
    import jax.numpy as jnp
    A = jnp.asarray(inputs["A"])

    def f(x):
        return jnp.sum(jnp.square(jnp.tanh(A @ x)))

    @jax.jit
    def hvp(x, v):
        (y, g), (_, hv) = jax.jvp(jax.value_and_grad(f), (x,), (v,))
        return y, g, hv

    x = jnp.asarray(inputs["x"])
    v = jnp.asarray(inputs["v"])

    def step():
        return jax.block_until_ready(hvp(x, v))
    return step


def build_tensorflow(inputs, cfg, env):
    import tensorflow as tf
    A = tf.constant(inputs["A"])
    x = tf.constant(inputs["x"])
    v = tf.constant(inputs["v"])

    def step():
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(tf.square(tf.tanh(tf.linalg.matvec(A, x))))
            g = inner.gradient(y, x)
            gv = tf.reduce_sum(g * v)
        return y, g, outer.gradient(gv, x)
    return step
