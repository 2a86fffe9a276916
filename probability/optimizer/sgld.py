"""``StochasticGradientLangevinDynamics`` (``tfp.optimizer``): preconditioned SGLD (Li et al. 2016)
as a ``wb.optimizers.Optimizer``."""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["StochasticGradientLangevinDynamics"]


def _check(where, name, value, low, high=None, integer=False):
    v = float(value)
    if not np.isfinite(v) or v < low or (high is not None and v > high) or (integer and v != int(v)):
        bounds = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{where}: {name} must be {'an integer ' if integer else ''}{bounds}, got {value!r}")
    return int(v) if integer else v


class StochasticGradientLangevinDynamics(wb.optimizers.Optimizer):
    """Preconditioned stochastic gradient Langevin dynamics: the variables become samples of the
    posterior whose negative log-density per data point is the loss.

    With ``rms = decay * rms + (1 - decay) g**2`` (``rms`` starts at 1) and
    ``G = 1 / sqrt(rms + diagonal_bias)``, each step is
    ``w -= lr * (0.5 * G * g * data_size + noise)``, ``noise ~ Normal(0, G / lr)`` once more than
    ``burnin`` steps have been taken (no noise before). As in TFP, a prior in the loss should be
    divided by ``data_size``. The small correction term ``Gamma`` of Li et al. (the derivative of
    ``G``) is left out: in eager execution the preconditioner's dependence on ``w`` is not
    available to the optimizer. Noise comes from ``wb.random`` (seed it with
    ``wb.random.set_seed``).

    >>> opt = StochasticGradientLangevinDynamics(learning_rate=0.01, data_size=100, burnin=10)
    """

    def __init__(self, learning_rate, preconditioner_decay_rate=0.95, data_size=1, burnin=25,
                 diagonal_bias=1e-8, name=None, parallel_iterations=10):
        where = "StochasticGradientLangevinDynamics"
        super().__init__(learning_rate, name=name or where)
        self.preconditioner_decay_rate = _check(where, "preconditioner_decay_rate", preconditioner_decay_rate, 0.0, 1.0)
        self.data_size = _check(where, "data_size", data_size, np.finfo(np.float64).tiny)
        self.burnin = _check(where, "burnin", burnin, 0, integer=True)
        self.diagonal_bias = _check(where, "diagonal_bias", diagonal_bias, 0.0)
        self.parallel_iterations = parallel_iterations

    def _update_slot_names(self):
        return ("rms",)

    def _slot_init(self, var, slot_name, xp):
        if slot_name == "rms":
            return xp.ones_like(var._data)
        return super()._slot_init(var, slot_name, xp)

    def _update_step(self, xp, w, g, slots, hyper):
        lr, t = hyper["lr"], hyper["t"]
        decay = w.dtype.type(self.preconditioner_decay_rate)
        rms = slots["rms"]
        rms *= decay
        rms += (1 - decay) * g * g
        precond = 1 / xp.sqrt(rms + w.dtype.type(self.diagonal_bias))
        mean = 0.5 * precond * g * w.dtype.type(self.data_size)
        if float(t) - 1 > self.burnin:          # t is the 1-based step: noise after `burnin` steps
            z = wb.random.normal(list(w.shape), dtype=wb.as_dtype(w.dtype))._data
            mean = mean + xp.sqrt(precond / lr) * z
        w -= lr * mean

    def get_config(self):
        return {**super().get_config(), "preconditioner_decay_rate": self.preconditioner_decay_rate,
                "data_size": self.data_size, "burnin": self.burnin, "diagonal_bias": self.diagonal_bias}
