"""Adadelta (Zeiler, 2012)."""

from __future__ import annotations

from ..errors import argcheck
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta: a per-coordinate step scaled by the ratio of running RMS values of past steps
    and of gradients (Keras 3's update rule, which keeps a learning rate)::

        acc_g = rho * acc_g + (1 - rho) * g**2
        delta = -sqrt(acc_d + epsilon) / sqrt(acc_g + epsilon) * g
        acc_d = rho * acc_d + (1 - rho) * delta**2
        w += lr * delta

    Slots: ``accumulated_grad`` and ``accumulated_delta_var``.

    >>> opt = wb.optimizers.Adadelta(learning_rate=1.0)
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name="Adadelta", **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        if not 0.0 <= argcheck.number(rho, "rho", name) <= 1.0:
            raise ValueError(f"{name}: rho must be in [0, 1], got {rho!r}")
        self.rho = float(rho)
        self.epsilon = argcheck.number(epsilon, "epsilon", name)

    _slot_names = ("accumulated_grad", "accumulated_delta_var")

    def _update_step(self, xp, w, g, slots, hyper):
        rho, eps = self.rho, self.epsilon
        acc_g, acc_d = slots["accumulated_grad"], slots["accumulated_delta_var"]
        acc_g *= rho
        acc_g += (1 - rho) * xp.square(g)
        delta = -xp.sqrt(acc_d + eps) / xp.sqrt(acc_g + eps) * g
        acc_d *= rho
        acc_d += (1 - rho) * xp.square(delta)
        w += hyper["lr"] * delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
