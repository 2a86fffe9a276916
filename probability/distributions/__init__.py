"""Probability distributions with TFP's API (``tfd = probability.distributions``)."""

from .distribution import (FULLY_REPARAMETERIZED, NOT_REPARAMETERIZED, Distribution,
                           ReparameterizationType)
from .kullback_leibler import RegisterKL, kl_divergence
from .normal import Normal

__all__ = ["Distribution", "ReparameterizationType", "FULLY_REPARAMETERIZED", "NOT_REPARAMETERIZED",
           "RegisterKL", "kl_divergence", "Normal"]
