"""Positive-semidefinite kernels with TFP's API (``tfp.math.psd_kernels``).

A kernel has a ``batch_shape`` (from its parameters) and ``feature_ndims`` (the rightmost
dimensions of an input that form one point). ``apply(x1, x2)`` evaluates it on pairs of points,
``matrix(x1, x2)`` on every pair (shape ``batch + [n, m]``); ``k1 + k2`` and ``k1 * k2`` are
kernels too.

>>> from probability.math import psd_kernels as tfpk
>>> k = tfpk.ExponentiatedQuadratic(amplitude=2.0, length_scale=0.5)
>>> k.matrix(wb.zeros([3, 1]), wb.ones([4, 1])).shape
(3, 4)
"""

from .change_point import ChangePoint
from .constant import Constant
from .exp_sin_squared import ExpSinSquared
from .exponential_curve import ExponentialCurve
from .exponentiated_quadratic import ExponentiatedQuadratic
from .feature_scaled import FeatureScaled
from .feature_transformed import FeatureTransformed
from .gamma_exponential import GammaExponential
from .generalized_matern import GeneralizedMatern
from .kumaraswamy_transformed import KumaraswamyTransformed
from .matern import MaternFiveHalves, MaternOneHalf, MaternThreeHalves
from .parabolic import Parabolic
from .pointwise_exponential import PointwiseExponential
from .polynomial import Linear, Polynomial
from .positive_semidefinite_kernel import PositiveSemidefiniteKernel
from .rational_quadratic import RationalQuadratic
from .schur_complement import SchurComplement
from .spectral_mixture import SpectralMixture

__all__ = ["PositiveSemidefiniteKernel", "ExponentiatedQuadratic", "MaternOneHalf", "MaternThreeHalves",
           "MaternFiveHalves", "RationalQuadratic", "ExpSinSquared", "Linear", "Polynomial", "FeatureScaled",
           "GeneralizedMatern", "Parabolic", "Constant", "ChangePoint", "ExponentialCurve", "FeatureTransformed",
           "GammaExponential", "KumaraswamyTransformed", "PointwiseExponential", "SchurComplement", "SpectralMixture"]

# TFP's base of the kernels that are CompositeTensors; here every kernel passes through
# wb.function as an argument, so the name is the base class itself
AutoCompositeTensorPsdKernel = PositiveSemidefiniteKernel
__all__.append("AutoCompositeTensorPsdKernel")
