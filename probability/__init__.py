"""Probability with TensorFlow Probability's API, on workbench tensors.

>>> import probability
>>> tfd = probability.distributions
>>> d = tfd.Normal(loc=0.0, scale=1.0)
>>> float(d.log_prob(0.0))
-0.9189385
"""

import importlib

from . import bijectors, distributions, math, mcmc, util, vi
from . import optimizer, stats
from . import glm
from . import random
from . import experimental
from . import sts
from .distributions import RegisterKL, kl_divergence

__version__ = "0.1.0"   # the project's (tfp.__version__ is read by TFP's notebooks)

__all__ = ["bijectors", "distributions", "math", "mcmc", "util", "vi", "stats", "optimizer", "kl_divergence", "RegisterKL", "glm", "random", "experimental",
           "layers"]


def __getattr__(name):
    # probability.layers is built on wb.keras: imported on first use, so that `import probability`
    # does not load Keras
    if name == "layers":
        return importlib.import_module("probability.layers")
    raise AttributeError(f"module 'probability' has no attribute {name!r}")
