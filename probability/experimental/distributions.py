"""``tfp.experimental.distributions``: the families TFP publishes there that this library has
(in ``probability.distributions``)."""

from ..distributions.joint_distribution_pinned import JointDistributionPinned

__all__ = ["JointDistributionPinned"]
