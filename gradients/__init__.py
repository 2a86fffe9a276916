"""Automatic differentiation for workbench tensors, with TF 2's API.

``GradientTape`` (reverse mode), ``ForwardAccumulator`` (forward mode),
``custom_gradient``, ``stop_gradient``, ``recompute_grad``, and
``check_gradients`` (finite-difference checks).
"""

from .check import check_gradients, numerical_jacobian
from .custom import custom_gradient, recompute_grad, stop_gradient
from .forward import ForwardAccumulator
from .tape import GradientTape, UnconnectedGradients

__all__ = ["GradientTape", "UnconnectedGradients", "ForwardAccumulator", "custom_gradient",
           "recompute_grad", "stop_gradient", "check_gradients", "numerical_jacobian"]
