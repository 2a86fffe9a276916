"""Utilities with TFP's names: ``DeferredTensor`` and ``TransformedVariable`` (``tfp.util``)."""

from .deferred_tensor import DeferredTensor, TransformedVariable

__all__ = ["DeferredTensor", "TransformedVariable"]
