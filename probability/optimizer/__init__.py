"""Optimizers with TFP's API (``tfp.optimizer``): BFGS, L-BFGS and Nelder-Mead, batched over
independent problems (the quasi-Newton ones), with TFP's result fields."""

from . import convergence_criteria
from .bfgs import BfgsOptimizerResults, bfgs_minimize
from .lbfgs import LBfgsOptimizerResults, lbfgs_minimize
from .nelder_mead import NelderMeadOptimizerResults, nelder_mead_minimize
from .proximal_hessian_sparse import minimize as proximal_hessian_sparse_minimize
from .proximal_hessian_sparse import minimize_one_step as proximal_hessian_sparse_one_step
from .quasi_newton import converged_all, converged_any

__all__ = ["convergence_criteria", "bfgs_minimize", "lbfgs_minimize", "nelder_mead_minimize", "BfgsOptimizerResults",
           "LBfgsOptimizerResults", "NelderMeadOptimizerResults", "converged_all", "converged_any",
           "proximal_hessian_sparse_minimize", "proximal_hessian_sparse_one_step"]
