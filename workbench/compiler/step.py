"""A step of a ``wb.function`` program: what it computes, what it reads and writes, and
whether it is an effect.

Values pass between steps in holders (traced tensors, variables, the planned walk's slots):
a step reads and writes their ``_data``. A step that is not an effect does nothing but
compute ``writes`` from ``reads``, so fusion may regroup it among other such steps, a CUDA
graph may capture it, and a holder it reads may be let go after its last reader. Every
other step (a variable update, a random draw, a summary write, a step whose reads are not
known) is an effect and keeps its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

__all__ = ["Step"]


@dataclass(eq=False)
class Step:
    compute: Callable[[], None]  # runs the step on the holders' current values
    name: str                    # what ``Program.ops`` shows
    reads: tuple | None          # holders whose values it reads; None: not known (an effect)
    writes: tuple = ()           # holders it gives new values
    effect: bool = True          # it does more than compute ``writes`` from ``reads``
    what: tuple | None = None    # what it computes, for fusion: ("op", op, args, params, res),
    #                              ("vjp", op, cotangents, res, args, params, slots) or
    #                              ("sum", prev, addend, total, shape)

    @classmethod
    def of(cls, compute, name, reads=None, writes=(), pure=False, what=None):
        """A step; ``pure`` means it only computes (an effect otherwise, and whenever its
        reads are not known)."""
        reads = None if reads is None else tuple(reads)
        return cls(compute, name, reads, tuple(writes), not (pure and reads is not None), what)
