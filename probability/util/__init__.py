"""Utilities with TFP's names (``tfp.util``): ``DeferredTensor``, ``TransformedVariable``,
``SeedStream`` and ``ParameterProperties`` (the distributions' parameter descriptions)."""

from .deferred_tensor import DeferredTensor, TransformedVariable
from .seed_stream import SeedStream

__all__ = ["DeferredTensor", "TransformedVariable", "SeedStream", "ParameterProperties"]


def __getattr__(name):
    if name == "ParameterProperties":
        # imported on first use: distributions imports bijectors, which import this package
        from ..distributions.distribution import ParameterProperties
        return ParameterProperties
    raise AttributeError(f"module 'probability.util' has no attribute {name!r}")
