"""Initial-value problems with ``tfp.math.ode``'s API: the ``DormandPrince`` solver, ``Results``,
``ChosenBySolver`` and ``Diagnostics``. (TFP's stiff ``BDF`` solver is not provided.)"""

from .base import ChosenBySolver, Diagnostics, Results, Solver
from .dormand_prince import DormandPrince

__all__ = ["DormandPrince", "Solver", "Results", "ChosenBySolver", "Diagnostics"]
