"""Utilities with TFP's names (``tfp.util``): ``DeferredTensor``, ``TransformedVariable``,
``SeedStream``, ``ParameterProperties`` (the distributions' parameter descriptions) and
``BatchedComponentProperties`` (the same for a parameter that is itself a batched object)."""

from .deferred_tensor import DeferredTensor, TransformedVariable
from .seed_stream import SeedStream

__all__ = ["DeferredTensor", "TransformedVariable", "SeedStream", "ParameterProperties", "BatchedComponentProperties"]


def __getattr__(name):
    if name == "ParameterProperties":
        # imported on first use: distributions imports bijectors, which import this package
        from ..distributions.distribution import ParameterProperties
        return ParameterProperties
    raise AttributeError(f"module 'probability.util' has no attribute {name!r}")


def _shape_fn_not_implemented(sample_shape):
    raise NotImplementedError("BatchedComponentProperties: a batched component (a distribution or bijector "
                              "parameter) has no shape_fn; its shape is its own batch shape")


def BatchedComponentProperties(event_ndims=0, event_ndims_tensor=None, default_constraining_bijector_fn=None,
                               is_preferred=True):
    """``ParameterProperties`` of a parameter that is a batched object (a distribution or bijector),
    not a tensor: ``is_tensor=False``, no ``shape_fn``, no default constraining bijector (TFP's
    alias). ``event_ndims_tensor`` is accepted for TFP's signature; the event dims are static here."""
    from ..distributions.distribution import ParameterProperties  # imported on use: see __getattr__
    return ParameterProperties(event_ndims=event_ndims, shape_fn=_shape_fn_not_implemented,
                               default_constraining_bijector_fn=default_constraining_bijector_fn,
                               is_preferred=is_preferred, is_tensor=False, specifies_shape=False)
