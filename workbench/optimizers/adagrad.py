"""Adagrad (Duchi et al., 2011)."""

from __future__ import annotations

from ..errors import argcheck
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad (Keras 3's update rule)::

        acc += g**2                                  # acc starts at initial_accumulator_value
        w -= lr * g / sqrt(acc + epsilon)

    Slot: ``accumulator``.

    >>> opt = wb.optimizers.Adagrad(learning_rate=0.1)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="Adagrad", **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        if not argcheck.number(initial_accumulator_value, "initial_accumulator_value", "Adagrad") >= 0:
            raise ValueError(f"Adagrad: initial_accumulator_value must be >= 0, got "
                             f"{initial_accumulator_value!r}")
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = argcheck.number(epsilon, "epsilon", "Adagrad")

    _slot_names = ("accumulator",)

    def _slot_init(self, var, slot_name, xp):
        if slot_name == "accumulator":
            return xp.full_like(var._data, self.initial_accumulator_value)
        return super()._slot_init(var, slot_name, xp)

    def _update_step(self, xp, w, g, slots, hyper):
        acc = slots["accumulator"]
        acc += xp.square(g)
        w -= hyper["lr"] * g / xp.sqrt(acc + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
