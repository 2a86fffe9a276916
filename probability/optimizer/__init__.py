"""Optimizers with TFP's API (``tfp.optimizer``): BFGS, L-BFGS and Nelder-Mead, batched over
independent problems (the quasi-Newton ones), with TFP's result fields; differential evolution;
and the sampling optimizers SGLD and variational SGD (``wb.optimizers.Optimizer`` subclasses)."""

from . import convergence_criteria, linesearch
from .bfgs import BfgsOptimizerResults, bfgs_minimize
from .differential_evolution import (DifferentialEvolutionOptimizerResults, differential_evolution_minimize,
                                     differential_evolution_one_step)
from .lbfgs import LBfgsOptimizerResults, lbfgs_minimize
from .nelder_mead import NelderMeadOptimizerResults, nelder_mead_minimize
from .nelder_mead_one_step import nelder_mead_one_step
from .proximal_hessian_sparse import minimize as proximal_hessian_sparse_minimize
from .proximal_hessian_sparse import minimize_one_step as proximal_hessian_sparse_one_step
from .quasi_newton import converged_all, converged_any
from .sgld import StochasticGradientLangevinDynamics
from .variational_sgd import VariationalSGD

__all__ = ["convergence_criteria", "linesearch", "bfgs_minimize", "lbfgs_minimize", "nelder_mead_minimize",
           "BfgsOptimizerResults",
           "LBfgsOptimizerResults", "NelderMeadOptimizerResults", "converged_all", "converged_any",
           "proximal_hessian_sparse_minimize", "proximal_hessian_sparse_one_step", "nelder_mead_one_step",
           "differential_evolution_minimize", "differential_evolution_one_step",
           "DifferentialEvolutionOptimizerResults", "StochasticGradientLangevinDynamics", "VariationalSGD"]
