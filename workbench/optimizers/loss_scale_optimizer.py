"""``LossScaleOptimizer``: Keras 3's dynamic loss scaling around another optimizer.

Float16 gradients of small losses underflow to zero; scaling the loss up before the backward
pass and the gradients down afterwards keeps them representable. The scale starts at
``initial_scale`` (``2**15``); a step whose gradients hold an inf or NaN is skipped (the inner
optimizer's ``iterations`` do not advance) and halves the scale; after ``dynamic_growth_steps``
finite steps in a row the scale doubles.

>>> opt = wb.optimizers.LossScaleOptimizer(wb.optimizers.SGD(0.1), initial_scale=4.0)
>>> w = wb.keras.Variable(np.ones(2, np.float32))
>>> _ = opt.apply([wb.constant([np.inf, 1.0])], [w])      # skipped: the scale halves
>>> float(opt.dynamic_scale.numpy()), int(opt.iterations.numpy())
(2.0, 0)
>>> _ = opt.apply([wb.constant([2.0, 2.0])], [w])         # unscaled: 2 / 2 = 1
>>> w.numpy()
array([0.9, 0.9], dtype=float32)
"""

from __future__ import annotations

import numpy as np

from .. import backend, core
from ..core import Tensor, Variable
from ..errors import argcheck
from ..ops.elementwise import cast
from ..sparse import IndexedSlices
from .optimizer import Optimizer

__all__ = ["LossScaleOptimizer"]

# the base arguments Keras 3 accepts only at their defaults (configs of older versions hold them)
_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                  "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                  "loss_scale_factor": None, "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling around ``inner_optimizer`` (Keras 3's
    ``keras.optimizers.LossScaleOptimizer``).

    Args:
        inner_optimizer: the ``wb.optimizers.Optimizer`` that applies the unscaled gradients
            (its own ``loss_scale_factor`` is switched off, as in Keras 3).
        initial_scale: the first loss scale (default ``2**15``).
        dynamic_growth_steps: finite steps in a row after which the scale doubles (default 2000).

    :meth:`scale_loss` multiplies a loss by the current scale (``Model.fit`` and
    :meth:`minimize` do it); :meth:`apply_gradients` divides the gradients by it, or skips the
    step when any is not finite. ``iterations`` and ``learning_rate`` are the inner optimizer's.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000, name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                             "`loss_scale_factor` directly on the `inner_optimizer`.")
        for key, default in _BASE_DEFAULTS.items():
            if key in kwargs and kwargs.pop(key) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{key}`. Instead, set `{key}` on the "
                                 "`inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f"LossScaleOptimizer: inner_optimizer must be a wb.optimizers.Optimizer, got "
                            f"{type(inner_optimizer).__name__}")
        scale = argcheck.number(initial_scale, "initial_scale", "LossScaleOptimizer")
        if not (scale > 0 and np.isfinite(scale)):
            raise ValueError(f"LossScaleOptimizer: initial_scale must be a positive finite number, "
                             f"got {initial_scale!r}")
        if isinstance(dynamic_growth_steps, bool) or not isinstance(dynamic_growth_steps, (int, np.integer)) \
                or dynamic_growth_steps < 1:
            raise ValueError(f"LossScaleOptimizer: dynamic_growth_steps must be a positive integer, "
                             f"got {dynamic_growth_steps!r}")
        name = name or "loss_scale_optimizer"
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = float(scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self.inner_optimizer.loss_scale_factor = None   # else the gradients would be unscaled twice
        self.step_counter = Variable(np.int64(0), trainable=False, name=f"{name}/step_counter")
        self.dynamic_scale = Variable(np.float32(scale), trainable=False, name=f"{name}/dynamic_scale")

    # -- the inner optimizer's state ------------------------------------------------------
    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def variables(self) -> list:
        """``step_counter`` and ``dynamic_scale``, then the inner optimizer's variables."""
        return [self.step_counter, self.dynamic_scale] + self.inner_optimizer.variables

    def _trackable_children(self):
        return [("inner_optimizer", self.inner_optimizer), ("step_counter", self.step_counter),
                ("dynamic_scale", self.dynamic_scale)]

    def variables_by_path(self) -> dict:
        return {"step_counter": self.step_counter, "dynamic_scale": self.dynamic_scale}

    def build(self, var_list):
        self.inner_optimizer.build(var_list)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    # -- scaling ----------------------------------------------------------------------------
    def scale_loss(self, loss):
        """``loss`` times the current scale, in the loss's dtype."""
        loss = core.convert_to_tensor(loss)
        scale = self.dynamic_scale if loss.dtype == np.float32 else cast(self.dynamic_scale, loss.dtype)
        return loss * scale

    def check_finite(self, grads) -> bool:
        """Whether every gradient (None ones aside) holds only finite values."""
        for g in grads:
            if g is None:
                continue
            if isinstance(g, IndexedSlices):
                g = g.values
            arr = g._data if isinstance(g, Tensor) else np.asarray(g)
            if not bool(backend.xp_of(arr).isfinite(arr).all()):
                return False
        return True

    @core.effect
    def apply_gradients(self, grads_and_vars, name=None, skip_gradients_aggregation=False):
        """Apply the unscaled gradients with the inner optimizer when all are finite, then count
        the step (doubling the scale after ``dynamic_growth_steps`` of them); otherwise skip the
        step, halve the scale and start counting again. Returns ``iterations``."""
        pairs = list(grads_and_vars)
        grads = [g for g, _ in pairs]
        if not self.check_finite(grads):
            self.step_counter.assign(np.int64(0))
            self.dynamic_scale.assign(self.dynamic_scale.numpy() * np.float32(0.5))
            return self.iterations
        scale = self.dynamic_scale.numpy()
        unscaled = [(None if g is None else _divide(g, scale), v) for g, v in pairs]
        self.inner_optimizer.apply_gradients(unscaled, skip_gradients_aggregation=skip_gradients_aggregation)
        if int(self.step_counter.numpy()) >= self.dynamic_growth_steps - 1:
            self.step_counter.assign(np.int64(0))
            self.dynamic_scale.assign(scale * np.float32(2.0))
        else:
            self.step_counter.assign_add(np.int64(1))
        return self.iterations

    def minimize(self, loss, var_list, tape=None):
        """As ``Optimizer.minimize``; with ``tape`` (which recorded the unscaled loss) the
        gradients are scaled as :meth:`scale_loss` would have scaled them."""
        if tape is None:
            return super().minimize(loss, var_list)
        value = loss() if callable(loss) else loss
        var_list = list(var_list() if callable(var_list) else var_list)
        scale = self.dynamic_scale.numpy()
        grads = [None if g is None else _multiply(g, scale) for g in tape.gradient(value, var_list)]
        self.apply_gradients(zip(grads, var_list))
        return self.iterations

    # -- configuration ------------------------------------------------------------------------
    def get_config(self) -> dict:
        from . import serialize   # circular: the package imports this module
        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize   # circular: the package imports this module
        config = dict(config)
        inner = config.pop("inner_optimizer")
        if isinstance(inner, dict):
            inner = deserialize(inner, custom_objects)
        return cls(inner, **config)

    def __repr__(self):
        return (f"<wb.optimizers.LossScaleOptimizer name={self.name!r} inner={self.inner_optimizer!r} "
                f"scale={float(self.dynamic_scale.numpy())}>")


def _divide(g, scale):
    if isinstance(g, IndexedSlices):
        return IndexedSlices(_divide(g.values, scale), g.indices, g.dense_shape)
    g = core.convert_to_tensor(g)
    return g / core.constant(scale, dtype=g.dtype)


def _multiply(g, scale):
    if isinstance(g, IndexedSlices):
        return IndexedSlices(_multiply(g.values, scale), g.indices, g.dense_shape)
    g = core.convert_to_tensor(g)
    return g * core.constant(scale, dtype=g.dtype)
