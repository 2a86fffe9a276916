"""Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms")."""

from __future__ import annotations

from ..errors import argcheck
from .optimizer import Optimizer


class Lion(Optimizer):
    """Lion: a step of the same size in every coordinate, in the direction of the sign of an
    interpolation between the momentum and the gradient (Keras 3's update rule)::

        w -= lr * sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g

    Slot: ``m`` (Keras' "momentum"). Use a learning rate 3-10x smaller than AdamW's.

    >>> opt = wb.optimizers.Lion(learning_rate=1e-4)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name="Lion", **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        if not 0.0 < argcheck.number(beta_1, "beta_1", name) <= 1.0:
            raise ValueError(f"{name}: beta_1 must be in (0, 1] (0 makes Lion sign SGD), got {beta_1!r}")
        if not 0.0 <= argcheck.number(beta_2, "beta_2", name) <= 1.0:
            raise ValueError(f"{name}: beta_2 must be in [0, 1], got {beta_2!r}")
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)

    _slot_names = ("m",)

    def _update_step(self, xp, w, g, slots, hyper):
        m = slots["m"]
        w -= hyper["lr"] * xp.sign(m * self.beta_1 + g * (1 - self.beta_1))
        m *= self.beta_2
        m += g * (1 - self.beta_2)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
