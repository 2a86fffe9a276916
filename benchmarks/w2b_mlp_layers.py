"""W2b: W2's MLP step written the way users write it: layers, a loss object and Adam.

The same network, batch and inputs as W2, but built from ``wb.keras.Sequential``
of ``Dense`` layers, ``wb.keras.losses.SparseCategoricalCrossentropy`` and
``wb.optimizers.Adam``. Against W2 it measures what the layer and optimizer
machinery adds on top of the raw ops; against the limit it is held to the same
standard (the limit's Adam is written by hand, in place).
"""

from __future__ import annotations

import numpy as np

from .harness import workbench_builders
from .w2_mlp_step import PARAMS, limit_loss_and_grads, make_inputs  # noqa: F401  (make_inputs too)

KEY = "W2b"
TITLE = "MLP step, layers + Adam"
DESCRIPTION = (
    "W2's training step (784-512-512-10 MLP, batch 128, float32, same inputs) written with "
    "the user-level API: `wb.keras.Sequential` of three `wb.keras.layers.Dense` (ReLU, ReLU, "
    "linear), `wb.keras.losses.SparseCategoricalCrossentropy(from_logits=True)`, one "
    "`GradientTape` over `model.trainable_variables`, and "
    "`wb.optimizers.Adam(1e-3).apply_gradients`. The limit writes the forward pass, the "
    "backward pass and Adam by hand with in-place NumPy/CuPy updates; PyTorch uses "
    "`nn.Sequential` of `nn.Linear`, `nn.CrossEntropyLoss` and `torch.optim.Adam` "
    "(which adds epsilon after the bias correction rather than before: the updates differ "
    "by less than 1e-6 relative; the compared results are the first step's loss and gradients).")

CONFIGS = {
    "full": {"sizes": (784, 512, 512, 10), "batch": 128, "lr": 1e-3},
    "quick": {"sizes": (20, 16, 16, 5), "batch": 8, "lr": 1e-3},
}
UNIT = ("ms/step", 1e3)
TARGET = ("limit", 1.1)
RTOL, ATOL = 1e-3, 1e-4
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7


def _workbench_step(inputs, cfg, env, label):
    """One training step as a function of the batch ``x`` and its ``labels`` (the model and
    the optimizer are captured), and those arguments."""
    import workbench as wb
    from workbench.keras.layers import Dense
    sizes = cfg["sizes"]
    model = wb.keras.Sequential([Dense(sizes[1], activation="relu"), Dense(sizes[2], activation="relu"),
                              Dense(sizes[3])])
    x = wb.constant(inputs["x"])
    labels = wb.constant(inputs["labels"])
    model(x)  # builds the layers; then start from the shared weights
    for i, layer in enumerate(model.layers, start=1):
        layer.set_weights([inputs[f"W{i}"], inputs[f"b{i}"]])
    loss_fn = wb.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    opt = wb.optimizers.Adam(learning_rate=cfg["lr"], beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON)
    variables = model.trainable_variables
    # Adam's slots now rather than on the first step: a wb.function call that creates
    # variables is not kept, so the traced step would otherwise trace on its second call
    opt.build(variables)

    def step(x, labels):
        with wb.GradientTape() as tape:
            loss = loss_fn(labels, model(x, training=True))
        grads = tape.gradient(loss, variables)
        opt.apply_gradients(zip(grads, variables))
        return (loss, *grads)
    return step, (x, labels)


build_workbench, build_workbench_fn = workbench_builders(_workbench_step)


def build_limit(inputs, cfg, env):
    """The forward pass, the backward pass and Adam by hand, updating in place."""
    xp = env.xp
    params = [xp.array(inputs[k]) for k in PARAMS]
    m_slots = [xp.zeros_like(p) for p in params]
    v_slots = [xp.zeros_like(p) for p in params]
    scratch = [xp.empty_like(p) for p in params]
    x = xp.asarray(inputs["x"])
    labels = xp.asarray(inputs["labels"])
    rows = xp.arange(cfg["batch"])
    lr = cfg["lr"]
    inv_batch = np.float32(1.0 / cfg["batch"])
    t = [0]

    def step():
        loss, grads = limit_loss_and_grads(xp, params, x, labels, rows, inv_batch, env.matmul)
        t[0] += 1
        alpha = np.float32(lr * np.sqrt(1 - BETA_2 ** t[0]) / (1 - BETA_1 ** t[0]))
        for p, g, mo, ve, tmp in zip(params, grads, m_slots, v_slots, scratch):
            xp.subtract(g, mo, out=tmp)
            tmp *= np.float32(1 - BETA_1)
            mo += tmp                                   # m += (g - m) * (1 - beta_1)
            xp.square(g, out=tmp)
            tmp -= ve
            tmp *= np.float32(1 - BETA_2)
            ve += tmp                                   # v += (g^2 - v) * (1 - beta_2)
            xp.sqrt(ve, out=tmp)
            tmp += np.float32(EPSILON)
            xp.divide(mo, tmp, out=tmp)
            tmp *= alpha
            p -= tmp                                    # p -= alpha * m / (sqrt(v) + eps)
        return (loss, *grads)
    return step


def build_torch(inputs, cfg, env):
    import torch
    from torch import nn
    dev = env.torch_device
    sizes = cfg["sizes"]
    model = nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.ReLU(), nn.Linear(sizes[1], sizes[2]),
                          nn.ReLU(), nn.Linear(sizes[2], sizes[3])).to(dev)
    with torch.no_grad():
        for i, layer in enumerate((model[0], model[2], model[4]), start=1):
            layer.weight.copy_(torch.tensor(inputs[f"W{i}"].T.copy()))
            layer.bias.copy_(torch.tensor(inputs[f"b{i}"]))
    x = torch.tensor(inputs["x"], device=dev)
    labels = torch.tensor(inputs["labels"], device=dev)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"], betas=(BETA_1, BETA_2), eps=EPSILON)
    linears = (model[0], model[2], model[4])

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), labels)
        loss.backward()
        opt.step()
        # the gradients in the workbench layout: kernels are [in, out]
        grads = []
        for layer in linears:
            grads += [layer.weight.grad.T, layer.bias.grad]
        return (loss, *grads)
    return step
