"""W6: a Normal distribution on 1,000,000 values: sampling, log_prob and its gradient.

What the probability package adds on top of the raw math: parameter handling,
the seed machinery, and the log density written with library ops that the tape
differentiates.
"""

from __future__ import annotations

import math

import numpy as np

from .harness import workbench_builders

KEY = "W6"
TITLE = "Normal sample + log_prob"
DESCRIPTION = (
    "A float32 `Normal(loc, scale)` with scalar trainable parameters (`wb.Variable`s): draw "
    "1,000,000 samples, then the mean `log_prob` of 1,000,000 fixed observations and its "
    "gradient with respect to `loc` and `scale` from one `GradientTape` "
    "(`probability.distributions.Normal`). Draws come from each library's own generator, so "
    "they are checked once against the distribution's mean and standard deviation when the "
    "step is built, and the timed results compared with the limit are the loss and the two "
    "gradients. The limit draws with a NumPy `Generator` and writes "
    "`z = (x - loc) / scale`, `mean(-z²/2) - log(scale) - log(2π)/2`, "
    "`dloc = mean(z) / scale`, `dscale = (mean(z²) - 1) / scale` by hand; PyTorch runs "
    "`torch.distributions.Normal` with its defaults (`sample`, `log_prob`, `torch.autograd.grad`).")

CONFIGS = {
    "full": {"n": 1_000_000, "loc": 0.3, "scale": 1.7},
    "quick": {"n": 1000, "loc": 0.3, "scale": 1.7},
}
UNIT = ("ms", 1e3)
TARGET = ("torch", 1.0)
RTOL, ATOL = 1e-4, 1e-6
_HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def make_inputs(cfg, rng):
    # observations from a slightly different Normal, so the gradients are not ~0
    x = (cfg["loc"] + 0.5 + 1.2 * cfg["scale"] * rng.standard_normal(cfg["n"])).astype(np.float32)
    return {"x": x}


def _check_draws(draws, cfg, env, who):
    """The draws have the distribution's mean and standard deviation (within 6 standard errors)."""
    x = env.to_numpy(draws).astype(np.float64)
    n, loc, scale = cfg["n"], cfg["loc"], cfg["scale"]
    if x.shape != (n,):
        raise AssertionError(f"W6: {who} drew shape {x.shape}, expected {(n,)}")
    if abs(x.mean() - loc) > 6 * scale / math.sqrt(n) or abs(x.std() / scale - 1) > 6 / math.sqrt(2 * n):
        raise AssertionError(f"W6: {who}'s draws have mean {x.mean():.4g} and std {x.std():.4g}, "
                             f"expected {loc} and {scale}")


def _workbench_step(inputs, cfg, env, label):
    """One step as a function of the data (the variables and the generator are captured),
    and its arguments. ``label`` names the competitor in the check of the draws."""
    import probability
    import workbench as wb
    tfd = probability.distributions
    loc = wb.Variable(np.float32(cfg["loc"]), name="loc")
    scale = wb.Variable(np.float32(cfg["scale"]), name="scale")
    n = cfg["n"]
    gen = wb.random.Generator.from_seed(0)
    _check_draws(tfd.Normal(loc, scale).sample(n, seed=gen), cfg, env, label)

    def step(data):
        dist = tfd.Normal(loc, scale)
        draws = dist.sample(n, seed=gen)
        with wb.GradientTape() as tape:
            loss = wb.reduce_mean(dist.log_prob(data))
        dloc, dscale = tape.gradient(loss, [loc, scale])
        del draws
        return loss, dloc, dscale
    return step, (wb.constant(inputs["x"]),)


build_workbench, build_workbench_fn = workbench_builders(_workbench_step)


def build_limit(inputs, cfg, env):
    xp = env.xp
    data = xp.asarray(inputs["x"])
    loc, scale, n = np.float32(cfg["loc"]), np.float32(cfg["scale"]), cfg["n"]
    rng = xp.random.default_rng(0)

    def sample():
        return loc + scale * rng.standard_normal(n, dtype=np.float32)
    _check_draws(sample(), cfg, env, "the limit")

    def step():
        draws = sample()
        z = (data - loc) / scale
        z2 = z * z
        loss = -0.5 * xp.mean(z2) - xp.log(scale) - np.float32(_HALF_LOG_TWO_PI)
        dloc = xp.mean(z) / scale
        dscale = (xp.mean(z2) - 1) / scale
        del draws
        return loss, dloc, dscale
    return step


def build_torch(inputs, cfg, env):
    import torch
    dev = env.torch_device
    loc = torch.tensor(cfg["loc"], dtype=torch.float32, device=dev, requires_grad=True)
    scale = torch.tensor(cfg["scale"], dtype=torch.float32, device=dev, requires_grad=True)
    data = torch.tensor(inputs["x"], device=dev)
    n = cfg["n"]
    torch.manual_seed(0)
    _check_draws(torch.distributions.Normal(loc, scale).sample((n,)), cfg, env, "torch")

    def step():
        dist = torch.distributions.Normal(loc, scale)
        draws = dist.sample((n,))
        loss = dist.log_prob(data).mean()
        dloc, dscale = torch.autograd.grad(loss, [loc, scale])
        del draws
        return loss, dloc, dscale
    return step
