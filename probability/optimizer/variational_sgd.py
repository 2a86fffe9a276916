"""``VariationalSGD`` (``tfp.optimizer``): constant-rate SGD tuned to sample the posterior
(Mandt et al. 2017), as a ``wb.optimizers.Optimizer``."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .sgld import _check

__all__ = ["VariationalSGD"]


class VariationalSGD(wb.optimizers.Optimizer):
    """SGD whose per-coordinate learning rate ``2 * batch_size / (total_num_examples * batch_size *
    C)`` makes its stationary distribution approximate the posterior, ``C`` being a moving estimate
    of the gradient noise variance (clipped to ``[1e-12, 1e12]``; its mean over coordinates with
    ``use_single_learning_rate``). The rate is capped at ``burnin_max_learning_rate`` for the first
    ``burnin`` steps and at ``max_learning_rate`` after.

    The noise estimate: the first step sets the gradient mean ``m = g``; each later step takes
    ``d = g - m``, ``m += (1 - decay) d`` and ``C += (1 - decay)(decay d**2 - C)``. (TFP 0.25
    updates ``C`` on the first step only, an inverted condition; this follows the paper.)
    No noise is injected: the gradient's own noise does the sampling.

    >>> opt = VariationalSGD(batch_size=32, total_num_examples=10000)
    """

    def __init__(self, batch_size, total_num_examples, max_learning_rate=1.0, preconditioner_decay_rate=0.95,
                 burnin=25, burnin_max_learning_rate=1e-6, use_single_learning_rate=False, name=None):
        where = "VariationalSGD"
        super().__init__(1.0, name=name or where)
        self.batch_size = _check(where, "batch_size", batch_size, 1)
        self.total_num_examples = _check(where, "total_num_examples", total_num_examples, 1)
        self.max_learning_rate = _check(where, "max_learning_rate", max_learning_rate, 0.0)
        self.preconditioner_decay_rate = _check(where, "preconditioner_decay_rate", preconditioner_decay_rate, 0.0, 1.0)
        self.burnin = _check(where, "burnin", burnin, 0, integer=True)
        self.burnin_max_learning_rate = _check(where, "burnin_max_learning_rate", burnin_max_learning_rate, 0.0)
        self.use_single_learning_rate = bool(use_single_learning_rate)

    def _update_slot_names(self):
        return ("first_moment", "second_moment")

    def _update_step(self, xp, w, g, slots, hyper):
        step = float(hyper["t"]) - 1                     # steps taken before this one
        decay = w.dtype.type(self.preconditioner_decay_rate)
        first, second = slots["first_moment"], slots["second_moment"]
        if step < 1:
            first[...] = g
        else:
            delta = g - first
            first += (1 - decay) * delta
            second += (1 - decay) * (decay * delta * delta - second)
        precond = xp.clip(second, 1e-12, 1e12) * w.dtype.type(self.batch_size)
        if self.use_single_learning_rate:
            precond = xp.mean(precond)
        rate = 2 * w.dtype.type(self.batch_size) / (w.dtype.type(self.total_num_examples) * precond)
        cap = self.burnin_max_learning_rate if step < self.burnin else self.max_learning_rate
        w -= g * xp.clip(rate, 0, w.dtype.type(cap))

    def get_config(self):
        return {**super().get_config(), "batch_size": self.batch_size, "total_num_examples": self.total_num_examples,
                "max_learning_rate": self.max_learning_rate,
                "preconditioner_decay_rate": self.preconditioner_decay_rate, "burnin": self.burnin,
                "burnin_max_learning_rate": self.burnin_max_learning_rate,
                "use_single_learning_rate": self.use_single_learning_rate}
