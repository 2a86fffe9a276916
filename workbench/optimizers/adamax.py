"""Adamax (Kingma & Ba, 2015, section 7.1): Adam with the infinity norm."""

from __future__ import annotations

from ..errors import argcheck
from .optimizer import Optimizer, decay_rates


class Adamax(Optimizer):
    """Adamax (Keras 3's update rule). At step ``t`` (1-based)::

        m = m + (g - m) * (1 - beta_1)
        u = max(beta_2 * u, |g|)
        w -= lr * m / ((1 - beta_1**t) * (u + epsilon))

    Slots: ``m`` (Keras' "momentum") and ``u`` ("norm").

    >>> opt = wb.optimizers.Adamax(learning_rate=1e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="Adamax", **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1, self.beta_2 = decay_rates(name, beta_1=beta_1, beta_2=beta_2)
        self.epsilon = argcheck.number(epsilon, "epsilon", name)

    _slot_names = ("m", "u")

    def _update_step(self, xp, w, g, slots, hyper):
        m, u = slots["m"], slots["u"]
        m += (g - m) * (1 - self.beta_1)
        xp.maximum(u * self.beta_2, xp.abs(g), out=u)
        correction = 1 - xp.power(w.dtype.type(self.beta_1), hyper["t"])
        w -= hyper["lr"] * m / (correction * (u + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
