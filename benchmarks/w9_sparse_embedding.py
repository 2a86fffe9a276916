"""W9: one Adam step on a large embedding looked up by a batch of ids, updated sparsely.

A 100,000 x 256 float32 table, 1,024 ids per step (drawn with repeats), loss
``mean(lookup ** 2)``. Workbench records ``wb.nn.embedding_lookup`` on a tape, whose gradient
is ``IndexedSlices``, and ``wb.optimizers.LazyAdam`` updates only the looked-up rows' moments
and weights. The limit does the same by hand in NumPy (duplicate ids summed, the rows' moments
and weights updated in place); PyTorch uses ``nn.Embedding(sparse=True)`` with
``torch.optim.SparseAdam`` (the same lazy rule, with epsilon after the bias correction). W9b is
the dense update of the same step. ``python -m benchmarks.sparse_embedding`` compares the
sparse and dense steps with each other.
"""

from __future__ import annotations

import numpy as np

KEY = "W9"
TITLE = "sparse embedding Adam step"
DESCRIPTION = (
    "One step on a 100,000 x 256 float32 embedding looked up by 1,024 ids (with repeats), loss "
    "`mean(lookup ** 2)`: `wb.nn.embedding_lookup` on a `GradientTape` gives an `IndexedSlices` "
    "gradient and `wb.optimizers.LazyAdam(1e-3)` updates only the looked-up rows. The limit "
    "sums duplicate ids' gradients and updates those rows' moments and weights in place in "
    "NumPy; PyTorch uses `nn.Embedding(sparse=True)` with `torch.optim.SparseAdam`. The "
    "compared result is the table after the step.")

CONFIGS = {
    "full": {"rows": 100_000, "dim": 256, "batch": 1024, "lr": 1e-3},
    "quick": {"rows": 1000, "dim": 16, "batch": 64, "lr": 1e-3},
}
UNIT = ("ms/step", 1e3)
TARGET = ("torch", 1.0)
RTOL, ATOL = 1e-5, 1e-6
# Keras adds epsilon before the bias correction, PyTorch after: with gradients of a mean over
# 262,144 values (about 1e-6) the two rules part where epsilon is not far below sqrt(v), so
# epsilon is small and the table's values are kept away from 0 (|value| in [0.5, 2])
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-10


def make_inputs(cfg, rng):
    shape = (cfg["rows"], cfg["dim"])
    table = rng.uniform(0.5, 2.0, shape) * rng.choice(np.array([-1.0, 1.0]), shape)
    return {"table": table.astype(np.float32), "ids": rng.integers(0, cfg["rows"], size=cfg["batch"])}


def workbench_step(inputs, cfg, optimizer, densify=False):
    """One step of the table as a ``wb.Variable`` (the optimizer made by ``optimizer(lr)``)."""
    import workbench as wb
    v = wb.Variable(inputs["table"].copy())
    opt = optimizer(cfg["lr"])
    opt.build([v])
    ids = wb.constant(inputs["ids"])

    def step():
        with wb.GradientTape() as tape:
            loss = wb.reduce_mean(wb.square(wb.nn.embedding_lookup(v, ids)))
        g = tape.gradient(loss, v)
        opt.apply_gradients([(wb.convert_to_tensor(g) if densify else g, v)])
        return (v,)
    return step


def build_workbench(inputs, cfg, env):
    import workbench as wb
    return workbench_step(inputs, cfg, lambda lr: wb.optimizers.LazyAdam(lr, BETA_1, BETA_2, EPSILON))


def limit_gradient(table, ids, xp):
    """The looked-up rows' gradient of ``mean(lookup ** 2)``, duplicates summed: (rows, grads)."""
    rows = table[ids]
    g = rows * np.float32(2.0 / rows.size)
    uniq, inverse = xp.unique(ids, return_inverse=True)
    summed = xp.zeros((len(uniq), table.shape[1]), table.dtype)
    xp.add.at(summed, inverse, g)
    return uniq, summed


def build_limit(inputs, cfg, env):
    xp = env.xp
    table = xp.array(inputs["table"])
    ids = xp.asarray(inputs["ids"])
    m, v = xp.zeros_like(table), xp.zeros_like(table)
    t = [0]

    def step():
        t[0] += 1
        uniq, g = limit_gradient(table, ids, xp)
        alpha = np.float32(cfg["lr"] * np.sqrt(1 - BETA_2 ** t[0]) / (1 - BETA_1 ** t[0]))
        mu = m[uniq] * np.float32(BETA_1) + g * np.float32(1 - BETA_1)
        nu = v[uniq] * np.float32(BETA_2) + g * g * np.float32(1 - BETA_2)
        m[uniq], v[uniq] = mu, nu
        table[uniq] -= alpha * mu / (xp.sqrt(nu) + np.float32(EPSILON))
        return (table,)
    return step


def torch_step(inputs, cfg, env, sparse):
    import torch
    emb = torch.nn.Embedding(cfg["rows"], cfg["dim"], sparse=sparse, device=env.torch_device)
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(inputs["table"]))
    opt = (torch.optim.SparseAdam if sparse else torch.optim.Adam)(
        emb.parameters(), lr=cfg["lr"], betas=(BETA_1, BETA_2), eps=EPSILON)
    ids = torch.from_numpy(inputs["ids"].astype(np.int64)).to(env.torch_device)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = emb(ids).square().mean()
        loss.backward()
        opt.step()
        return (emb.weight.detach(),)
    return step


def build_torch(inputs, cfg, env):
    return torch_step(inputs, cfg, env, sparse=True)
