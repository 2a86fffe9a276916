"""W9b: W9's embedding step with ``wb.optimizers.Adam``, whose update is dense.

Keras 3's Adam on an ``IndexedSlices`` gradient decays every row's moments and moves every
row that has one, so the step costs the whole table: the limit writes that dense Adam by hand
(in place, through one scratch buffer), PyTorch uses ``nn.Embedding(sparse=False)`` with
``torch.optim.Adam``.
"""

from __future__ import annotations

import numpy as np

from .w9_sparse_embedding import (BETA_1, BETA_2, CONFIGS, EPSILON, limit_gradient,  # noqa: F401
                                  make_inputs, torch_step, workbench_step)

KEY = "W9b"
TITLE = "embedding Adam step, dense update"
DESCRIPTION = (
    "W9's step (same table, ids and loss) with `wb.optimizers.Adam(1e-3)` on the `IndexedSlices` "
    "gradient: Keras 3's rule decays every row's moments, so the update is dense. The limit "
    "writes dense Adam by hand in NumPy, in place; PyTorch uses `nn.Embedding(sparse=False)` "
    "and `torch.optim.Adam`.")
UNIT = ("ms/step", 1e3)
TARGET = ("limit", 1.3)
RTOL, ATOL = 1e-5, 1e-6


def build_workbench(inputs, cfg, env):
    import workbench as wb
    return workbench_step(inputs, cfg, lambda lr: wb.optimizers.Adam(lr, BETA_1, BETA_2, EPSILON))


def build_limit(inputs, cfg, env):
    xp = env.xp
    table = xp.array(inputs["table"])
    ids = xp.asarray(inputs["ids"])
    m, v, tmp = xp.zeros_like(table), xp.zeros_like(table), xp.empty_like(table)
    g = xp.zeros_like(table)
    t = [0]

    def step():
        t[0] += 1
        uniq, rows = limit_gradient(table, ids, xp)
        g[...] = 0
        g[uniq] = rows
        alpha = np.float32(cfg["lr"] * np.sqrt(1 - BETA_2 ** t[0]) / (1 - BETA_1 ** t[0]))
        xp.subtract(g, m, out=tmp)
        xp.multiply(tmp, np.float32(1 - BETA_1), out=tmp)
        xp.add(m, tmp, out=m)
        xp.square(g, out=tmp)
        xp.subtract(tmp, v, out=tmp)
        xp.multiply(tmp, np.float32(1 - BETA_2), out=tmp)
        xp.add(v, tmp, out=v)
        xp.sqrt(v, out=tmp)
        xp.add(tmp, np.float32(EPSILON), out=tmp)
        xp.divide(m, tmp, out=tmp)
        xp.multiply(tmp, alpha, out=tmp)
        xp.subtract(table, tmp, out=table)
        return (table,)
    return step


def build_torch(inputs, cfg, env):
    return torch_step(inputs, cfg, env, sparse=False)
