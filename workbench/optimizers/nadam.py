"""Nadam (Dozat, 2016): Adam with Nesterov momentum and a momentum schedule."""

from __future__ import annotations

import numpy as np

from .. import backend
from ..core import Variable, wrap
from ..errors import argcheck
from .optimizer import Optimizer, decay_rates

_DECAY = 0.96   # the momentum schedule's decay (Dozat's, as Keras)


class Nadam(Optimizer):
    """Nadam (Keras 3's update rule). At step ``t`` (1-based), with the momentum schedule
    ``mu_t = beta_1 * (1 - 0.5 * 0.96**t)`` and its running product ``prod_t = mu_1 ... mu_t``
    (the optimizer variable ``u_product``, checkpointed with ``iterations``)::

        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        m_hat = mu_{t+1} * m / (1 - prod_t * mu_{t+1}) + (1 - mu_t) * g / (1 - prod_t)
        v_hat = v / (1 - beta_2**t)
        w -= lr * m_hat / (sqrt(v_hat) + epsilon)

    Slots: ``m``, ``v``.

    >>> opt = wb.optimizers.Nadam(learning_rate=1e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="Nadam", **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1, self.beta_2 = decay_rates(name, beta_1=beta_1, beta_2=beta_2)
        self.epsilon = argcheck.number(epsilon, "epsilon", name)
        # float64 whatever the variables' dtype: a product over many steps keeps its digits
        self._u_product = Variable(np.float64(1.0), trainable=False, name=f"{self.name}/u_product")

    _slot_names = ("m", "v")

    def variables_by_path(self):
        return {**super().variables_by_path(), "u_product": self._u_product}

    def _trailing_variables(self):
        return [self._u_product]   # Keras 3 makes it after the slots

    def _prepare_step(self, step):
        u = self._u_product
        t = backend.move(step, u.device) if backend.device_of(step) != u.device else step
        xp = backend.xp_of(u._data)
        mu_t = self.beta_1 * (1.0 - 0.5 * xp.power(_DECAY, (t + 1).astype(np.float64)))
        u.assign(wrap(u._data * mu_t))

    def _hyper(self, lr, step, var):
        hyper = super()._hyper(lr, step, var)
        xp = backend.xp_of(hyper["t"])
        t, dt = hyper["t"], var.dtype.type
        u = self._u_product._data
        prod_t = (backend.move(u, var.device) if backend.device_of(u) != var.device else u).astype(var.dtype)
        mu_t = dt(self.beta_1) * (1 - dt(0.5) * xp.power(dt(_DECAY), t))
        mu_next = dt(self.beta_1) * (1 - dt(0.5) * xp.power(dt(_DECAY), t + 1))
        hyper.update(mu_t=mu_t, mu_next=mu_next, prod_t=prod_t, prod_next=prod_t * mu_next,
                     v_correction=1 - xp.power(dt(self.beta_2), t))
        return hyper

    def _update_step(self, xp, w, g, slots, hyper):
        m, v = slots["m"], slots["v"]
        m += (g - m) * (1 - self.beta_1)
        v += (xp.square(g) - v) * (1 - self.beta_2)
        m_hat = hyper["mu_next"] * m / (1 - hyper["prod_next"]) + (1 - hyper["mu_t"]) * g / (1 - hyper["prod_t"])
        v_hat = v / hyper["v_correction"]
        w -= hyper["lr"] * m_hat / (xp.sqrt(v_hat) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
