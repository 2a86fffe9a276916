"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

from ..errors import argcheck
from .optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent with momentum (Keras 3's update rule).

    Without momentum: ``w -= lr * g``. With momentum ``mu``::

        m = mu * m - lr * g
        w += m                        # plain momentum
        w += mu * m - lr * g          # nesterov=True

    An ``IndexedSlices`` gradient without momentum updates only its rows (Keras 3's scatter
    update); with momentum it is applied as the dense gradient, as in Keras 3.

    >>> opt = wb.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="SGD", **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        momentum = argcheck.number(momentum, "momentum", "SGD")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"SGD: momentum must be a number in [0, 1], got {momentum!r}")
        self.momentum = momentum
        self.nesterov = bool(nesterov)

    def _update_slot_names(self):
        return ("momentum",) if self.momentum else ()

    def _update_step(self, xp, w, g, slots, hyper):
        lr = hyper["lr"]
        if not self.momentum:
            w -= lr * g
            return
        m = slots["momentum"]
        m *= self.momentum
        m -= lr * g
        if self.nesterov:
            w += m * self.momentum - lr * g
        else:
            w += m

    def _sparse_update_step(self, xp, w, grad, slots, hyper):
        """Without momentum, as Keras 3's scatter update: only the gradient's rows change
        (with momentum every row's velocity decays, so the update is dense)."""
        if self.momentum:
            return False
        values, indices = grad.summed()
        w[indices] -= hyper["lr"] * values
        return True

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
