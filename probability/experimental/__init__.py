"""TFP's ``tfp.experimental``: the parts TFP's notebooks use. ``stats`` holds the streaming
moments (``RunningCovariance``, ``RunningVariance``, ``RunningMean``); ``vi`` the surrogate
posterior builders TFP kept there (``build_factored_surrogate_posterior``,
``build_asvi_surrogate_posterior``, ``build_affine_surrogate_posterior``), which are
``tfp.vi``'s; ``distributions`` the experimental families that live in ``probability.distributions``
(``JointDistributionPinned``); ``mcmc`` the windowed adaptive samplers and Stan's initialization; ``util`` ``DeferredModule`` and ``make_trainable``; ``as_composite``."""

import importlib as _importlib

from . import distributions, mcmc, stats, vi

__all__ = ["as_composite", "distributions", "mcmc", "stats", "util", "vi"]


def as_composite(obj):
    """TFP's conversion of a distribution or bijector to a CompositeTensor (so that it can cross a
    ``tf.function`` boundary): ``obj`` itself, its class made a composite one in place (its
    components are the tensors among its parameters). One built inside a ``wb.function`` is
    composite already."""
    from ..bijectors import Bijector  # noqa: PLC0415  (lazy: not imported when probability.experimental loads)
    from ..distributions import Distribution  # noqa: PLC0415  (lazy, as above)
    if not isinstance(obj, (Distribution, Bijector)):
        raise TypeError(f"as_composite: `obj` must be a Distribution or a Bijector, got {type(obj).__name__}")
    from ..internal.composite import as_composite_instance  # noqa: PLC0415  (lazy, as above)
    return as_composite_instance(obj)


def __getattr__(name):
    # ``util`` builds on wb.Module (the Keras-facing module layer), which ``import probability``
    # does not load until it is used
    if name == "util":
        module = _importlib.import_module(f"{__name__}.util")
        globals()["util"] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
