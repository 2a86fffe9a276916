"""TFP's ``tfp.experimental``: the parts TFP's notebooks use. ``stats`` holds the streaming
moments (``RunningCovariance``, ``RunningVariance``, ``RunningMean``); ``vi`` the surrogate
posterior builders TFP kept there (``build_factored_surrogate_posterior``,
``build_asvi_surrogate_posterior``, ``build_affine_surrogate_posterior``), which are
``tfp.vi``'s; ``distributions`` the experimental families that live in ``probability.distributions``
(``JointDistributionPinned``); ``util`` ``DeferredModule`` and ``make_trainable``."""

from . import distributions, stats, util, vi

__all__ = ["distributions", "stats", "util", "vi"]
