"""Keras layers with distributions: TFP's ``tfp.layers`` on ``wb.keras``.

>>> import probability
>>> tfpl, tfd = probability.layers, probability.distributions
>>> model = wb.keras.Sequential([
...     wb.keras.layers.Dense(tfpl.IndependentNormal.params_size(1)),
...     tfpl.IndependentNormal(1),
... ])
>>> model.compile(optimizer="adam", loss=lambda y, rv_y: -rv_y.log_prob(y))

Distribution layers (``DistributionLambda``, ``IndependentNormal``, ``IndependentBernoulli``,
``IndependentLogistic``, ``IndependentPoisson``, ``MultivariateNormalTriL``, ``OneHotCategorical``,
``CategoricalMixtureOfOneHotCategorical``, ``MixtureSameFamily``, ``MixtureNormal``, ``MixtureLogistic``)
return a distribution that acts as a tensor for the layers after it; ``KLDivergenceAddLoss`` and
``KLDivergenceRegularizer`` add a KL penalty; ``DenseVariational`` (user-made posterior and
prior, with ``VariableLayer``), ``DenseReparameterization``, ``DenseLocalReparameterization`` and
``DenseFlipout`` are Bayesian dense layers; ``default_mean_field_normal_fn`` and
``default_multivariate_normal_fn`` build their default posterior and prior;
``BlockwiseInitializer`` initializes blocks of the last dimension differently;
``VariationalGaussianProcess`` outputs a sparse variational GP over its inputs.
"""

from . import util
from .dense_variational import DenseFlipout, DenseLocalReparameterization, DenseReparameterization
from .dense_variational_v2 import DenseVariational
from .distribution_layer import (CategoricalMixtureOfOneHotCategorical, DistributionLambda,
                                 IndependentBernoulli, IndependentNormal, KLDivergenceAddLoss,
                                 KLDivergenceRegularizer, MultivariateNormalTriL, OneHotCategorical)
from .initializers import BlockwiseInitializer
from .mixture_layers import (IndependentLogistic, IndependentPoisson, MixtureLogistic, MixtureNormal,
                             MixtureSameFamily)
from .util import default_loc_scale_fn, default_mean_field_normal_fn, default_multivariate_normal_fn
from .variable_input import VariableLayer
from .variational_gp import VariationalGaussianProcess

__all__ = ["BlockwiseInitializer", "CategoricalMixtureOfOneHotCategorical", "DenseFlipout", "DenseLocalReparameterization",
           "DenseReparameterization", "DenseVariational", "DistributionLambda", "IndependentBernoulli",
           "IndependentLogistic", "IndependentNormal", "IndependentPoisson", "KLDivergenceAddLoss", "KLDivergenceRegularizer", "MixtureLogistic", "MixtureNormal",
           "MixtureSameFamily", "MultivariateNormalTriL", "OneHotCategorical", "VariableLayer", "VariationalGaussianProcess", "default_loc_scale_fn", "default_mean_field_normal_fn",
           "default_multivariate_normal_fn", "util"]
