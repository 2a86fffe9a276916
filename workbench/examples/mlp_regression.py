"""A custom training loop: a two-layer MLP fits a noisy sine curve with GradientTape.

Run it with ``workbench run mlp_regression`` (or ``python -m workbench.examples.mlp_regression``).
"""

import numpy as np

import workbench as wb


def main(steps=300, lr=0.05, hidden=32, seed=0, log=print):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=(256, 1)).astype(np.float32)
    y = (np.sin(x) + 0.1 * rng.standard_normal(x.shape)).astype(np.float32)
    x, y = wb.constant(x), wb.constant(y)

    w1 = wb.Variable(rng.standard_normal((1, hidden)).astype(np.float32), name="w1")
    b1 = wb.Variable(np.zeros(hidden, np.float32), name="b1")
    w2 = wb.Variable((rng.standard_normal((hidden, 1)) / np.sqrt(hidden)).astype(np.float32), name="w2")
    b2 = wb.Variable(np.zeros(1, np.float32), name="b2")
    params = [w1, b1, w2, b2]

    losses = []
    for step in range(steps + 1):
        with wb.GradientTape() as tape:
            h = wb.tanh(wb.matmul(x, w1) + b1)
            pred = wb.matmul(h, w2) + b2
            loss = wb.reduce_mean(wb.square(pred - y))
        grads = tape.gradient(loss, params)
        for p, g in zip(params, grads):
            p.assign_sub(lr * g)
        losses.append(float(loss))
        if step % 50 == 0:
            log(f"step {step:4d}  loss {float(loss):.4f}")
    return losses


if __name__ == "__main__":
    main()
