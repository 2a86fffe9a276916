"""TFP's ``tfp.experimental``: the parts TFP's notebooks use. ``stats`` holds the streaming
moments (``RunningCovariance``, ``RunningVariance``, ``RunningMean``); ``vi`` the surrogate
posterior builders TFP kept there (``build_factored_surrogate_posterior``,
``build_asvi_surrogate_posterior``, ``build_affine_surrogate_posterior``), which are
``tfp.vi``'s; ``distributions`` the experimental families that live in ``probability.distributions``
(``JointDistributionPinned``); ``util`` ``DeferredModule`` and ``make_trainable``."""

import importlib as _importlib

from . import distributions, stats, vi

__all__ = ["distributions", "stats", "util", "vi"]


def __getattr__(name):
    # ``util`` builds on wb.Module (the Keras-facing module layer), which ``import probability``
    # does not load until it is used
    if name == "util":
        module = _importlib.import_module(f"{__name__}.util")
        globals()["util"] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
