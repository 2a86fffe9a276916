"""Adam (Kingma & Ba, 2015), with the AMSGrad variant."""

from __future__ import annotations

from ..errors import argcheck
from .optimizer import Optimizer, decay_rates


class Adam(Optimizer):
    """Adam with Keras' "epsilon hat" form of the update. At step ``t`` (1-based)::

        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        vhat = max(vhat, v)                          # amsgrad=True: use vhat below
        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w -= alpha * m / (sqrt(v) + epsilon)

    Slots: ``m``, ``v`` (and ``vhat`` with AMSGrad). An ``IndexedSlices`` gradient gets the
    dense update, as in Keras 3 (every row's moments decay), computed without a dense
    gradient; ``LazyAdam`` updates only the gradient's rows.

    >>> opt = wb.optimizers.Adam(learning_rate=1e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, name="Adam", **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **kwargs)
        self.beta_1, self.beta_2 = decay_rates(name, beta_1=beta_1, beta_2=beta_2)
        self.epsilon = argcheck.number(epsilon, "epsilon", name)
        self.amsgrad = bool(amsgrad)

    def _update_slot_names(self):
        return ("m", "v", "vhat") if self.amsgrad else ("m", "v")

    def _slot_groups(self):
        # Keras 3 makes the momentums and velocities of all variables, then the velocity_hats
        return (("m", "v"), ("vhat",)) if self.amsgrad else (("m", "v"),)

    def _alpha(self, xp, w, hyper):
        """``lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``, once per step and dtype (``hyper``
        is shared by the variables)."""
        alpha = hyper.get("alpha")
        if alpha is None:
            dt = w.dtype.type
            t = hyper["t"]
            alpha = hyper["alpha"] = (hyper["lr"] * xp.sqrt(1 - xp.power(dt(self.beta_2), t))
                                      / (1 - xp.power(dt(self.beta_1), t)))
        return alpha

    def _sparse_update_step(self, xp, w, grad, slots, hyper):
        values, indices = grad.summed()
        self._update_step(xp, w, None, slots, hyper, rows=(values, xp.square(values), indices))
        return True

    def _update_step(self, xp, w, g, slots, hyper, rows=None):
        """``rows``: ``(values, squares, indices)`` of a sparse gradient instead of ``g``
        (``g - m`` is then ``-m`` with the values added at their rows: the same numbers)."""
        alpha = hyper.get("alpha")
        if alpha is None:
            alpha = self._alpha(xp, w, hyper)
        m, v = slots["m"], slots["v"]
        # in place through one scratch buffer: a temporary the size of a weight matrix per
        # arithmetic step costs more (allocation, page faults) than the arithmetic itself
        tmp = self._scratch(w)
        if rows is None:
            xp.subtract(g, m, out=tmp)
        else:
            xp.negative(m, out=tmp)
            tmp[rows[2]] += rows[0]
        tmp *= 1 - self.beta_1
        m += tmp                                  # m += (g - m) * (1 - beta_1)
        if rows is None:
            xp.square(g, out=tmp)
            tmp -= v
        else:
            xp.negative(v, out=tmp)
            tmp[rows[2]] += rows[1]
        tmp *= 1 - self.beta_2
        v += tmp                                  # v += (g**2 - v) * (1 - beta_2)
        if self.amsgrad:
            vhat = slots["vhat"]
            xp.maximum(vhat, v, out=vhat)
            v = vhat
        xp.sqrt(v, out=tmp)
        tmp += self.epsilon
        xp.divide(m, tmp, out=tmp)
        tmp *= alpha
        w -= tmp                                  # w -= alpha * m / (sqrt(v) + epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}
