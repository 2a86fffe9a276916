"""FTRL-Proximal (McMahan et al., 2013, "Ad Click Prediction: a View from the Trenches")."""

from __future__ import annotations

from ..errors import argcheck
from .optimizer import Optimizer


class Ftrl(Optimizer):
    """Follow-the-regularized-leader with L1/L2 regularization, for wide sparse models (Keras 3's
    update rule, with ``p = -learning_rate_power``)::

        g2 = g + 2 * l2_shrinkage_regularization_strength * w
        new_acc = acc + g**2
        linear += g2 - (new_acc**p - acc**p) / lr * w
        quadratic = new_acc**p / lr + 2 * (l2_regularization_strength + beta / (2 lr))
        w = (clip(linear, -l1, l1) - linear) / quadratic        # l1 = l1_regularization_strength
        acc = new_acc

    Slots: ``accumulator`` (starting at ``initial_accumulator_value``) and ``linear``.

    >>> opt = wb.optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name="Ftrl", **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        if not argcheck.number(learning_rate_power, "learning_rate_power", name) <= 0:
            raise ValueError(f"{name}: learning_rate_power must be <= 0, got {learning_rate_power!r}")
        self.learning_rate_power = float(learning_rate_power)
        for key, val in (("initial_accumulator_value", initial_accumulator_value),
                         ("l1_regularization_strength", l1_regularization_strength),
                         ("l2_regularization_strength", l2_regularization_strength),
                         ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength),
                         ("beta", beta)):
            if not argcheck.number(val, key, name) >= 0:
                raise ValueError(f"{name}: {key} must be >= 0, got {val!r}")
            setattr(self, key, float(val))

    _slot_names = ("accumulator", "linear")

    def _slot_init(self, var, slot_name, xp):
        if slot_name == "accumulator":
            return xp.full_like(var._data, self.initial_accumulator_value)
        return super()._slot_init(var, slot_name, xp)

    def _update_step(self, xp, w, g, slots, hyper):
        lr = hyper["lr"]
        acc, linear = slots["accumulator"], slots["linear"]
        p = w.dtype.type(-self.learning_rate_power)
        new_acc = acc + xp.square(g)
        new_pow = xp.power(new_acc, p)
        linear += g + (2 * self.l2_shrinkage_regularization_strength) * w - (new_pow - xp.power(acc, p)) / lr * w
        quadratic = new_pow / lr + 2 * (self.l2_regularization_strength + self.beta / (2 * lr))
        l1 = self.l1_regularization_strength
        w[...] = (xp.clip(linear, -l1, l1) - linear) / quadratic
        acc[...] = new_acc

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
