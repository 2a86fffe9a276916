"""Initial-value problems with ``tfp.math.ode``'s API: the ``DormandPrince`` and (stiff) ``BDF``
solvers, ``Results``, ``ChosenBySolver`` and ``Diagnostics``."""

from .bdf import BDF
from .base import ChosenBySolver, Diagnostics, Results, Solver
from .dormand_prince import DormandPrince

__all__ = ["BDF", "DormandPrince", "Solver", "Results", "ChosenBySolver", "Diagnostics"]
