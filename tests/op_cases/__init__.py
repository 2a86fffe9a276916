"""Gradient-check cases, one module per op topic.

Each module defines ``CASES``: a list of :class:`Case`. ``tests/test_op_gradients.py``
runs every case through ``gradients.check_gradients`` (reverse, vectorized
jacobian, forward; first and second order; float64) and asserts that together
they exercise every differentiable op in ``wb.OPS``.
"""

import dataclasses
from typing import Callable

import numpy as np


@dataclasses.dataclass
class Case:
    name: str
    fn: Callable
    args: list
    order: int = 2
    modes: tuple = ("rev", "fwd")
    atol: float = 1e-5
    rtol: float = 1e-4
    eps: float = 1e-6

    def __str__(self):
        return self.name


def uniform(lo, hi, shape, seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, size=shape)


DOMAINS = {
    "real": lambda shape, s: uniform(-2, 2, shape, s),
    "positive": lambda shape, s: uniform(0.5, 2.0, shape, s),
    "nonzero": lambda shape, s: uniform(0.5, 2.0, shape, s) * np.where(uniform(-1, 1, shape, s + 7) > 0, 1, -1),
    "open_unit": lambda shape, s: uniform(-0.8, 0.8, shape, s),
    "greater_than_one": lambda shape, s: uniform(1.3, 3.0, shape, s),
    "greater_than_minus_one": lambda shape, s: uniform(-0.5, 2.0, shape, s),
    "tan": lambda shape, s: uniform(-1.2, 1.2, shape, s),
}
