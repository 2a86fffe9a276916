"""W8: one epoch of ``model.fit`` on the bundled digits MLP.

The example's MLP (``workbench/examples/digits_classifier.py``, ``model="mlp"``, dropout 0:
64-128-64-10, ReLU), Adam, sparse cross-entropy from logits and an accuracy metric, batches
of 64 over the training split, not shuffled. ``model.fit(..., epochs=1)`` is timed per epoch
against the same epoch by hand in NumPy (the limit: forward, backward, Adam in place, the
epoch's mean loss and accuracy).

What fit adds on top of the loop a user writes with the library is measured by running this
module: ``python -m benchmarks.w8_keras_fit`` times ``fit`` against the same training step in
a hand-written loop (``wb.function`` step, ``Mean`` loss tracker, ``SparseCategoricalAccuracy``),
epoch by epoch in alternation, and prints the median ratio with its target (1.05).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

KEY = "W8"
TITLE = "Keras fit, digits MLP"
DESCRIPTION = (
    "One epoch of `model.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)` on the "
    "digits example's MLP (64-128-64-10, ReLU; `wb.keras.Sequential` of `Flatten` and `Dense`), "
    "compiled with `Adam(2e-3)`, `SparseCategoricalCrossentropy(from_logits=True)` and "
    "`metrics=['accuracy']`, over the example's training split (1,438 images of 8x8). The limit "
    "writes the epoch by hand: forward, backward and Adam in place per batch, and the epoch's "
    "mean loss and accuracy. The compared results are the epoch's loss and accuracy and the "
    "weights after it. `python -m benchmarks.w8_keras_fit` compares fit with the same step in "
    "a hand-written `wb.function` loop (target 1.05). The `jax` column is Keras 3 itself on its JAX "
    "backend fitting the same model, weights and batches.")

CONFIGS = {
    "full": {"n": None, "batch": 64, "lr": 2e-3},
    "quick": {"n": 200, "batch": 64, "lr": 2e-3},
}
UNIT = ("ms/epoch", 1e3)
TARGET = ("limit", 2.0)
LOOP_TARGET = 1.05
RTOL, ATOL = 1e-3, 1e-4
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7
PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")
SIZES = (64, 128, 64, 10)


def make_inputs(cfg, rng):
    """The digits training split (as the example makes it) and Glorot-uniform weights."""
    from workbench.examples._common import split
    from workbench.examples.data import load_digits
    images, labels = load_digits()
    train, _ = split(len(images), 0.2, 0)
    x, y = images[train], labels[train]
    if cfg["n"]:
        x, y = x[:cfg["n"]], y[:cfg["n"]]
    out = {"x": x, "y": y.astype(np.int64)}
    for i, (m, n) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
        limit = np.sqrt(6.0 / (m + n))
        out[f"W{i}"] = rng.uniform(-limit, limit, (m, n)).astype(np.float32)
        out[f"b{i}"] = np.zeros(n, np.float32)
    return out


def _model(inputs, cfg):
    """The example's MLP (dropout 0) with the shared weights, compiled as fit runs it."""
    import workbench as wb
    from workbench.examples.digits_classifier import build_model
    model = build_model("mlp", 0.0)
    model(wb.constant(inputs["x"][:1]))
    dense = [layer for layer in model.layers if layer.weights]
    for i, layer in enumerate(dense, start=1):
        layer.set_weights([inputs[f"W{i}"], inputs[f"b{i}"]])
    opt = wb.optimizers.Adam(learning_rate=cfg["lr"], beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON)
    opt.build(model.trainable_variables)
    return model, opt


def _results(model, loss, accuracy):
    return (loss, accuracy, *[w for layer in model.layers for w in layer.get_weights()])


def build_workbench(inputs, cfg, env):
    """``model.fit`` for one epoch; returns the epoch's loss and accuracy and the weights."""
    import workbench as wb
    model, opt = _model(inputs, cfg)
    model.compile(optimizer=opt, loss=wb.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    x, y, batch = inputs["x"], inputs["y"], cfg["batch"]

    def step():
        history = model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        return _results(model, history.history["loss"][0], history.history["accuracy"][0])
    return step


def build_jax(inputs, cfg, env):
    """The peer: Keras 3 itself (on its JAX backend) fitting the same model, data and weights for
    one epoch. Skipped where ``keras`` cannot be imported with ``KERAS_BACKEND=jax``."""
    import os
    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras
    if keras.backend.backend() != "jax":
        raise ImportError(f"W8's peer is Keras on JAX; keras is already on {keras.backend.backend()}")
    model = keras.Sequential([keras.Input((8, 8)), keras.layers.Flatten()]
                             + [keras.layers.Dense(n, activation="relu" if i < len(SIZES) - 2 else None)
                                for i, n in enumerate(SIZES[1:])])
    dense = [layer for layer in model.layers if layer.weights]
    for i, layer in enumerate(dense, start=1):
        layer.set_weights([inputs[f"W{i}"], inputs[f"b{i}"]])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=cfg["lr"], beta_1=BETA_1, beta_2=BETA_2,
                                                  epsilon=EPSILON),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    x, y, batch = inputs["x"], inputs["y"], cfg["batch"]

    def step():
        history = model.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
        return (history.history["loss"][0], history.history["accuracy"][0],
                *[np.asarray(w) for layer in dense for w in layer.get_weights()])
    return step


def build_loop(inputs, cfg, env):
    """The same epoch as a hand-written loop: a ``wb.function`` training step per batch, a
    ``Mean`` loss tracker weighted by batch size and a ``SparseCategoricalAccuracy``."""
    import workbench as wb
    model, opt = _model(inputs, cfg)
    loss_fn = wb.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    tracker = wb.keras.metrics.Mean(name="loss")
    accuracy = wb.keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    variables = model.trainable_variables

    @wb.function
    def train_step(x, y):
        with wb.GradientTape() as tape:
            logits = model(x, training=True)
            loss = loss_fn(y, logits)
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        tracker.update_state(loss, sample_weight=x.shape[0])
        accuracy.update_state(y, logits)
        return {"accuracy": accuracy.result(), "loss": tracker.result()}

    x, y, batch = inputs["x"], inputs["y"], cfg["batch"]

    def step():
        tracker.reset_state()
        accuracy.reset_state()
        for i in range(0, len(x), batch):
            logs = train_step(wb.constant(x[i:i + batch]), wb.constant(y[i:i + batch]))
        return _results(model, float(logs["loss"]), float(logs["accuracy"]))
    return step


def build_limit(inputs, cfg, env):
    """The epoch by hand: forward, backward and Adam in place, batch by batch."""
    xp, mm = env.xp, env.matmul
    params = [xp.array(inputs[k]) for k in PARAMS]
    m_slots = [xp.zeros_like(p) for p in params]
    v_slots = [xp.zeros_like(p) for p in params]
    scratch = [xp.empty_like(p) for p in params]
    x = xp.asarray(inputs["x"].reshape(len(inputs["x"]), -1))
    labels = xp.asarray(inputs["y"])
    batch, lr, n = cfg["batch"], cfg["lr"], len(inputs["x"])
    t = [0]

    def step():
        total, correct = 0.0, 0
        for i in range(0, n, batch):
            xb, yb = x[i:i + batch], labels[i:i + batch]
            rows = xp.arange(len(xb))
            W1, b1, W2, b2, W3, b3 = params
            z1 = mm(xb, W1) + b1
            h1 = xp.maximum(z1, 0)
            z2 = mm(h1, W2) + b2
            h2 = xp.maximum(z2, 0)
            logits = mm(h2, W3) + b3
            m = logits.max(axis=1, keepdims=True)
            e = xp.exp(logits - m)
            s = e.sum(axis=1, keepdims=True)
            loss = xp.mean(m[:, 0] + xp.log(s[:, 0]) - logits[rows, yb])
            total += float(loss) * len(xb)
            correct += int((logits.argmax(axis=1) == yb).sum())
            d3 = e / s
            d3[rows, yb] -= 1
            d3 *= np.float32(1.0 / len(xb))
            d2 = mm(d3, W3.T) * (z2 > 0)
            d1 = mm(d2, W2.T) * (z1 > 0)
            grads = (mm(xb.T, d1), d1.sum(axis=0), mm(h1.T, d2), d2.sum(axis=0), mm(h2.T, d3), d3.sum(axis=0))
            t[0] += 1
            alpha = np.float32(lr * np.sqrt(1 - BETA_2 ** t[0]) / (1 - BETA_1 ** t[0]))
            for p, g, mo, ve, tmp in zip(params, grads, m_slots, v_slots, scratch):
                xp.subtract(g, mo, out=tmp)
                tmp *= np.float32(1 - BETA_1)
                mo += tmp
                xp.square(g, out=tmp)
                tmp -= ve
                tmp *= np.float32(1 - BETA_2)
                ve += tmp
                xp.sqrt(ve, out=tmp)
                tmp += np.float32(EPSILON)
                xp.divide(mo, tmp, out=tmp)
                tmp *= alpha
                p -= tmp
        return (np.float32(total / n), np.float32(correct / n), *params)
    return step


def fit_against_loop(quick=False, pairs=200, device="cpu", log=print):
    """Time ``fit`` and the hand-written ``wb.function`` loop (after checking that they agree)
    epoch by epoch, alternating (which goes first alternates too), so that this machine's
    drift hits both alike; the ratio is the median over pairs of fit's epoch over the loop's.
    Returns ``{"fit_s", "loop_s", "ratio": spread of fit/loop, "target", "pass"}``."""
    import time

    import workbench as wb
    from . import harness
    env = harness.Env(device)
    cfg = CONFIGS["quick" if quick else "full"]
    inputs = make_inputs(cfg, np.random.default_rng(0))
    sync = env.sync("workbench")
    with wb.device(env.wb_device):
        fit, loop = build_workbench(inputs, cfg, env), build_loop(inputs, cfg, env)
        check = harness.compare(fit(), loop(), env, RTOL, ATOL)
        if not check["ok"]:
            raise SystemExit(f"W8: fit and the hand-written loop disagree: {check['why']}")
        for _ in range(3):   # warm-up: traces for every batch shape, caches
            fit(), loop()
        times = {"fit": [], "loop": []}
        for i in range(pairs):
            for name in (("fit", "loop") if i % 2 == 0 else ("loop", "fit")):
                step = fit if name == "fit" else loop
                sync()
                t0 = time.perf_counter()
                step()
                sync()
                times[name].append(time.perf_counter() - t0)
    ratio = harness.spread(np.divide(times["fit"], times["loop"]))
    out = {"fit_s": float(np.median(times["fit"])), "loop_s": float(np.median(times["loop"])),
           "ratio": ratio, "target": LOOP_TARGET, "pass": ratio["median"] <= LOOP_TARGET,
           "device": device, "config": cfg, "pairs": pairs}
    log(f"W8 fit vs hand-written wb.function loop ({device}, {pairs} pairs of epochs): "
        f"fit {out['fit_s'] * 1e3:.2f} ms/epoch, loop {out['loop_s'] * 1e3:.2f} ms/epoch, "
        f"fit/loop {ratio['median']:.3f} (IQR {ratio['q25']:.3f}-{ratio['q75']:.3f}); "
        f"target <= {LOOP_TARGET}: {'met' if out['pass'] else 'NOT met'}")
    return out


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.w8_keras_fit",
                                description="model.fit against the same hand-written wb.function loop")
    p.add_argument("--quick", action="store_true", help="a small training set: checks the script runs")
    p.add_argument("--pairs", type=int, default=200, help="pairs of epochs timed (default 200)")
    p.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    args = p.parse_args(argv)
    out = fit_against_loop(args.quick, args.pairs, args.device)
    return 0 if out["pass"] or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
