"""W1: per-op overhead. A chain of 200 small elementwise ops on 16 values, forward and backward.

At 16 float32 values the arithmetic is free, so this measures what a framework
adds to every op: dispatch, dtype rules, wrapping, and the tape's record and
reverse step. Time per iteration is divided by the number of chain ops.
"""

from __future__ import annotations

import numpy as np

from .harness import workbench_builders

KEY = "W1"
TITLE = "op chain"
DESCRIPTION = (
    "A chain of 200 elementwise ops on two float32 vectors of 16 values, `x` and `w`: "
    "the cycle `*w, +0.02, tanh, exp, -1, sin, *1.05, -0.02, tanh, *w` repeated 20 times "
    "(tensor–tensor and tensor–scalar multiplies and adds, tanh, exp, sin), then `reduce_sum`, "
    "and the gradient with respect to `x` and `w` from one `GradientTape`. Written with "
    "Python operators and `wb.tanh`/`wb.exp`/`wb.sin`, as user code would be. The figure is "
    "the time of forward plus backward divided by 200: the cost of one op, recorded and "
    "differentiated. The cycle keeps values and gradients in a moderate range, so the "
    "results can be compared.")

# (op, operand): the operand is "w" (the second input) or a Python float.
CYCLE = (("mul", "w"), ("add", 0.02), ("tanh", None), ("exp", None), ("sub", 1.0),
         ("sin", None), ("mul", 1.05), ("sub", 0.02), ("tanh", None), ("mul", "w"))

CONFIGS = {
    "full": {"n": 16, "repeats": 20},
    "quick": {"n": 16, "repeats": 2},
}


def UNIT(cfg):
    """Microseconds per chain op."""
    return "µs/op", 1e6 / (len(CYCLE) * cfg["repeats"])


TARGET = ("torch", 1.5)
RTOL, ATOL = 1e-3, 1e-4


def make_inputs(cfg, rng):
    n = cfg["n"]
    return {"x": rng.uniform(-0.5, 0.5, n).astype(np.float32),
            "w": rng.uniform(0.9, 1.1, n).astype(np.float32)}


def chain(x, w, unary, repeats):
    """Apply the cycle ``repeats`` times; ``unary[name]`` gives each library's tanh/exp/sin."""
    for _ in range(repeats):
        for op, arg in CYCLE:
            b = w if arg == "w" else arg
            if op == "mul":
                x = x * b
            elif op == "add":
                x = x + b
            elif op == "sub":
                x = x - b
            else:
                x = unary[op](x)
    return x


def _workbench_step(inputs, cfg, env, label):
    """One forward and backward as a function of ``x`` and ``w``, and those arguments
    (arguments, not captured constants: a ``wb.function`` computes ops on constants once)."""
    import workbench as wb
    unary = {"tanh": wb.tanh, "exp": wb.exp, "sin": wb.sin}
    repeats = cfg["repeats"]

    def step(x, w):
        with wb.GradientTape() as tape:
            tape.watch([x, w])
            loss = wb.reduce_sum(chain(x, w, unary, repeats))
        gx, gw = tape.gradient(loss, [x, w])
        return loss, gx, gw
    return step, (wb.constant(inputs["x"]), wb.constant(inputs["w"]))


build_workbench, build_workbench_fn = workbench_builders(_workbench_step)


def build_limit(inputs, cfg, env):
    """Forward keeping each op's input, then the derivatives by hand in reverse."""
    xp = env.xp
    x = xp.asarray(inputs["x"])
    w = xp.asarray(inputs["w"])
    repeats = cfg["repeats"]
    f32 = np.float32
    consts = {arg: f32(arg) for _, arg in CYCLE if arg not in (None, "w")}
    fwd = {"tanh": xp.tanh, "exp": xp.exp, "sin": xp.sin}

    def step():
        kept = []
        y = x
        for _ in range(repeats):
            for op, arg in CYCLE:
                kept.append(y)
                b = w if arg == "w" else consts.get(arg)
                if op == "mul":
                    y = y * b
                elif op == "add":
                    y = y + b
                elif op == "sub":
                    y = y - b
                else:
                    y = fwd[op](y)
        kept.append(y)  # kept[i + 1] is op i's output
        loss = y.sum()
        g = xp.ones_like(y)
        gw = xp.zeros_like(w)
        i = len(kept) - 1
        for _ in range(repeats):
            for op, arg in reversed(CYCLE):
                i -= 1
                xin = kept[i]
                if op == "mul":
                    if arg == "w":
                        gw += g * xin
                        g = g * w
                    else:
                        g = g * consts[arg]
                elif op in ("add", "sub"):
                    if arg == "w":
                        gw = gw + g if op == "add" else gw - g
                elif op == "tanh":
                    t = kept[i + 1]
                    g = g * (1 - t * t)
                elif op == "exp":
                    g = g * kept[i + 1]
                else:  # sin
                    g = g * xp.cos(xin)
        return loss, g, gw
    return step


def build_torch(inputs, cfg, env):
    import torch
    x = torch.tensor(inputs["x"], device=env.torch_device, requires_grad=True)
    w = torch.tensor(inputs["w"], device=env.torch_device, requires_grad=True)
    unary = {"tanh": torch.tanh, "exp": torch.exp, "sin": torch.sin}
    repeats = cfg["repeats"]

    def step():
        loss = chain(x, w, unary, repeats).sum()
        gx, gw = torch.autograd.grad(loss, [x, w])
        return loss, gx, gw
    return step


def build_jax(inputs, cfg, env):
    """JAX as its users run it: ``jit`` of ``value_and_grad`` (compiled, not eager)."""
    import jax
    import jax.numpy as jnp
    unary = {"tanh": jnp.tanh, "exp": jnp.exp, "sin": jnp.sin}
    repeats = cfg["repeats"]
    f = jax.jit(jax.value_and_grad(lambda x, w: jnp.sum(chain(x, w, unary, repeats)),
                                   argnums=(0, 1)))
    x = jnp.asarray(inputs["x"])
    w = jnp.asarray(inputs["w"])

    def step():
        loss, (gx, gw) = jax.block_until_ready(f(x, w))
        return loss, gx, gw
    return step


def build_tensorflow(inputs, cfg, env):
    import tensorflow as tf
    x = tf.constant(inputs["x"])
    w = tf.constant(inputs["w"])
    unary = {"tanh": tf.tanh, "exp": tf.exp, "sin": tf.sin}
    repeats = cfg["repeats"]

    def step():
        with tf.GradientTape() as tape:
            tape.watch([x, w])
            loss = tf.reduce_sum(chain(x, w, unary, repeats))
        gx, gw = tape.gradient(loss, [x, w])
        return loss, gx, gw
    return step
