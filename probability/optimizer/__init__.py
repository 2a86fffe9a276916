"""Optimizers with TFP's API (``tfp.optimizer``): BFGS, L-BFGS and Nelder-Mead, batched over
independent problems (the quasi-Newton ones), with TFP's result fields."""

from . import convergence_criteria
from .bfgs import BfgsOptimizerResults, bfgs_minimize
from .lbfgs import LBfgsOptimizerResults, lbfgs_minimize
from .nelder_mead import NelderMeadOptimizerResults, nelder_mead_minimize
from .quasi_newton import converged_all, converged_any

__all__ = ["convergence_criteria", "bfgs_minimize", "lbfgs_minimize", "nelder_mead_minimize", "BfgsOptimizerResults",
           "LBfgsOptimizerResults", "NelderMeadOptimizerResults", "converged_all", "converged_any"]
