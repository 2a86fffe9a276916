"""Probability distributions with TFP's API (``tfd = probability.distributions``).

One family per module; every module's ``__all__`` is exported here, so adding a
family is adding a file.
"""

import importlib as _importlib
import pkgutil as _pkgutil

from .distribution import (FULLY_REPARAMETERIZED, NOT_REPARAMETERIZED, Distribution,
                           ReparameterizationType)
from .kullback_leibler import RegisterKL, kl_divergence

__all__ = ["Distribution", "ReparameterizationType", "FULLY_REPARAMETERIZED", "NOT_REPARAMETERIZED",
           "RegisterKL", "kl_divergence"]


def _load_families():
    for info in sorted(_pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name in ("distribution", "kullback_leibler"):
            continue
        module = _importlib.import_module(f"{__name__}.{info.name}")
        for name in getattr(module, "__all__", ()):
            globals()[name] = getattr(module, name)
            __all__.append(name)


_load_families()

# TFP's base of the families that are CompositeTensors (they pass through tf.function as
# arguments); here every Distribution does, so the name is the base class itself
AutoCompositeTensorDistribution = Distribution
__all__.append("AutoCompositeTensorDistribution")
