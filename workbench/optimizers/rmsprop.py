"""RMSprop (Hinton's lecture notes), plain or centered, with optional momentum."""

from __future__ import annotations

from ..errors import argcheck
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (Keras 3's update rule)::

        rms = rho * rms + (1 - rho) * g**2
        mg = rho * mg + (1 - rho) * g                # centered=True
        denom = rms - mg**2 + epsilon   (centered)   or   rms + epsilon
        step = lr * g / sqrt(denom)
        mom = momentum * mom + step; w -= mom        # momentum > 0
        w -= step                                    # momentum == 0

    Slots: ``rms`` (plus ``mg`` when centered, ``momentum`` when momentum > 0).

    >>> opt = wb.optimizers.RMSprop(learning_rate=1e-3, centered=True)
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="RMSprop", **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        if not 0.0 <= argcheck.number(rho, "rho", "RMSprop") <= 1.0:
            raise ValueError(f"RMSprop: rho must be in [0, 1], got {rho!r}")
        if not 0.0 <= argcheck.number(momentum, "momentum", "RMSprop") <= 1.0:
            raise ValueError(f"RMSprop: momentum must be in [0, 1], got {momentum!r}")
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = argcheck.number(epsilon, "epsilon", "RMSprop")
        self.centered = bool(centered)

    def _update_slot_names(self):
        names = ("rms",)
        if self.centered:
            names += ("mg",)
        if self.momentum:
            names += ("momentum",)
        return names

    def _slot_groups(self):
        # Keras 3's order: velocities (rms), momentums, then average gradients (mg)
        names = self._update_slot_names()
        return tuple((n,) for n in ("rms", "momentum", "mg") if n in names)

    def _update_step(self, xp, w, g, slots, hyper):
        rho = self.rho
        rms = slots["rms"]
        rms *= rho
        rms += (1 - rho) * xp.square(g)
        if self.centered:
            mg = slots["mg"]
            mg *= rho
            mg += (1 - rho) * g
            denom = rms - xp.square(mg) + self.epsilon
        else:
            denom = rms + self.epsilon
        step = hyper["lr"] * g / xp.sqrt(denom)
        if self.momentum:
            mom = slots["momentum"]
            mom *= self.momentum
            mom += step
            w -= mom
        else:
            w -= step

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
