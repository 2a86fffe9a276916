"""Learning-rate schedules (Keras' ``keras.optimizers.schedules``): callables of the step.

Each schedule computes with the array module of the step it is given, so an
optimizer whose step counter lives on the GPU gets its learning rate there
without a round trip to the host. Called directly, a schedule returns a
float32 scalar tensor.

>>> sched = wb.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> float(sched(20))
0.025
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..errors import argcheck
from ..core import Tensor, wrap

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "CosineDecay",
           "PolynomialDecay", "InverseTimeDecay"]


class LearningRateSchedule:
    """Base class: subclasses implement ``_compute(step)`` with ``xp`` math on a 0-d array."""

    dtype = np.dtype("float32")

    def __call__(self, step):
        if isinstance(step, Tensor):
            arr = step._data
        else:
            arr = backend.get_xp().asarray(np.asarray(step))
        out = self._compute(arr)
        return wrap(backend.xp_of(arr).asarray(out, dtype=self.dtype))

    def _compute(self, step):
        raise NotImplementedError

    def _step(self, step):
        """The step as a 0-d float array (float32) and its array module."""
        xp = backend.xp_of(step)
        return xp, xp.asarray(step).astype(self.dtype)

    def _f(self, value):
        return self.dtype.type(value)

    def get_config(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        """The schedule a :meth:`get_config` dict describes."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; with ``staircase``
    the exponent is floored, so the rate drops every ``decay_steps`` steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        if argcheck.number(decay_steps, "decay_steps", "ExponentialDecay") <= 0:
            raise ValueError(f"ExponentialDecay: decay_steps must be positive, got {decay_steps!r}")
        self.initial_learning_rate = argcheck.number(
            initial_learning_rate, "initial_learning_rate", "ExponentialDecay")
        self.decay_steps = decay_steps
        self.decay_rate = argcheck.number(decay_rate, "decay_rate", "ExponentialDecay")
        self.staircase = bool(staircase)
        self.name = name

    def _compute(self, step):
        xp, s = self._step(step)
        p = s / self._f(self.decay_steps)
        if self.staircase:
            p = xp.floor(p)
        return self._f(self.initial_learning_rate) * xp.power(self._f(self.decay_rate), p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` for ``step <= boundaries[0]``, ``values[1]`` for
    ``boundaries[0] < step <= boundaries[1]``, ..., ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries, values, name=None):
        boundaries, values = list(boundaries), list(values)
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"PiecewiseConstantDecay: values must have one more entry than "
                             f"boundaries, got {len(values)} values and {len(boundaries)} boundaries")
        if any(b > a for a, b in zip(boundaries[1:], boundaries[:-1])):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must be increasing, got {boundaries}")
        self.boundaries = boundaries
        self.values = [argcheck.number(v, "values", "PiecewiseConstantDecay") for v in values]
        self.name = name

    def _compute(self, step):
        xp = backend.xp_of(step)
        # number of boundaries strictly below the step picks the value
        bounds = xp.asarray(np.asarray(self.boundaries, dtype=np.float64))
        index = xp.sum(xp.asarray(step).astype(np.float64) > bounds)
        return xp.asarray(np.asarray(self.values, dtype=self.dtype))[index]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay with optional linear warmup (Keras 3).

    Without warmup: ``lr(step) = initial * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)``
    with ``s = min(step, decay_steps)``. With ``warmup_target``: the rate rises linearly from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps``, then decays from
    ``warmup_target`` to ``warmup_target * alpha`` over ``decay_steps``.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        if argcheck.number(decay_steps, "decay_steps", "CosineDecay") <= 0:
            raise ValueError(f"CosineDecay: decay_steps must be positive, got {decay_steps!r}")
        self.initial_learning_rate = argcheck.number(
            initial_learning_rate, "initial_learning_rate", "CosineDecay")
        self.decay_steps = decay_steps
        self.alpha = argcheck.number(alpha, "alpha", "CosineDecay")
        self.name = name
        self.warmup_target = None if warmup_target is None else argcheck.number(
            warmup_target, "warmup_target", "CosineDecay")
        self.warmup_steps = warmup_steps

    def _decay(self, xp, s, start):
        fraction = s / self._f(self.decay_steps)
        cosine = self._f(0.5) * (1 + xp.cos(self._f(math.pi) * fraction))
        return self._f(start) * ((1 - self._f(self.alpha)) * cosine + self._f(self.alpha))

    def _compute(self, step):
        xp, s = self._step(step)
        if self.warmup_target is None:
            return self._decay(xp, xp.minimum(s, self._f(self.decay_steps)), self.initial_learning_rate)
        s = xp.minimum(s, self._f(self.decay_steps + self.warmup_steps))
        if self.warmup_steps:
            fraction = s / self._f(self.warmup_steps)
            warm = (self._f(self.warmup_target - self.initial_learning_rate) * fraction
                    + self._f(self.initial_learning_rate))
        else:
            warm = self._f(self.warmup_target)
        decayed = self._decay(xp, s - self._f(self.warmup_steps), self.warmup_target)
        return xp.where(s < self._f(self.warmup_steps), warm, decayed).astype(self.dtype)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - s / decay_steps) ** power + end`` with ``s = min(step, decay_steps)``.

    With ``cycle=True`` the decay restarts: ``decay_steps`` is stretched to the first
    multiple of itself that is at least ``step``.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name=None):
        if argcheck.number(decay_steps, "decay_steps", "PolynomialDecay") <= 0:
            raise ValueError(f"PolynomialDecay: decay_steps must be positive, got {decay_steps!r}")
        self.initial_learning_rate = argcheck.number(
            initial_learning_rate, "initial_learning_rate", "PolynomialDecay")
        self.decay_steps = decay_steps
        self.end_learning_rate = argcheck.number(
            end_learning_rate, "end_learning_rate", "PolynomialDecay")
        self.power = argcheck.number(power, "power", "PolynomialDecay")
        self.cycle = bool(cycle)
        self.name = name

    def _compute(self, step):
        xp, s = self._step(step)
        steps = self._f(self.decay_steps)
        if self.cycle:
            # at step 0 the multiplier is 1, not 0
            mult = xp.where(s == 0, self._f(1), xp.ceil(s / steps))
            steps = steps * mult
        else:
            s = xp.minimum(s, steps)
        frac = s / steps
        span = self._f(self.initial_learning_rate - self.end_learning_rate)
        out = span * xp.power(1 - frac, self._f(self.power)) + self._f(self.end_learning_rate)
        return xp.asarray(out).astype(self.dtype)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power,
                "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``; with ``staircase``
    the ratio ``step / decay_steps`` is floored."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        if argcheck.number(decay_steps, "decay_steps", "InverseTimeDecay") <= 0:
            raise ValueError(f"InverseTimeDecay: decay_steps must be positive, got {decay_steps!r}")
        self.initial_learning_rate = argcheck.number(
            initial_learning_rate, "initial_learning_rate", "InverseTimeDecay")
        self.decay_steps = decay_steps
        self.decay_rate = argcheck.number(decay_rate, "decay_rate", "InverseTimeDecay")
        self.staircase = bool(staircase)
        self.name = name

    def _compute(self, step):
        xp, s = self._step(step)
        p = s / self._f(self.decay_steps)
        if self.staircase:
            p = xp.floor(p)
        return self._f(self.initial_learning_rate) / (1 + self._f(self.decay_rate) * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


_SCHEDULES = {c.__name__: c for c in (ExponentialDecay, PiecewiseConstantDecay, CosineDecay, PolynomialDecay,
                                      InverseTimeDecay)}


def serialize(schedule) -> dict:
    """Keras' form of a schedule: ``{"class_name": "CosineDecay", "config": {...}}``."""
    if not isinstance(schedule, LearningRateSchedule):
        raise TypeError(f"serialize: expected a LearningRateSchedule, got {type(schedule).__name__}")
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config):
    """The schedule a :func:`serialize` dict describes."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"a schedule config must be a dict with a 'class_name', got {config!r}")
    cls = _SCHEDULES.get(config["class_name"])
    if cls is None:
        raise ValueError(f"unknown learning-rate schedule {config['class_name']!r}; known: {sorted(_SCHEDULES)}")
    return cls.from_config(config.get("config", {}))
