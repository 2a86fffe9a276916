"""Distributions that stand in for a tensor: what a ``DistributionLambda`` layer returns.

Keras layers and losses after a distribution layer expect a tensor; TFP lets the
distribution itself flow on and become a tensor where one is needed, through its
``convert_to_tensor_fn`` (``sample`` by default, or ``mean``, ``mode``…). The tensor is
made once, at the first conversion, and reused by every later one, so that the layer
after the distribution and a Monte Carlo KL penalty see the same draw. A loss receives
the distribution itself: ``lambda y, rv_y: -rv_y.log_prob(y)``.

>>> d = tensor_coercible(tfd.Normal(wb.zeros([2]), 1.0), "mean")
>>> (d + 1.0).numpy(), tuple(d.log_prob(0.0).shape)
(array([1., 1.], dtype=float32), (2,))
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from ..distributions.distribution import Distribution
from ..internal.composite import plain_class

__all__ = ["TensorCoercible", "get_convert_to_tensor_fn", "serialize_convert_to_tensor_fn",
           "tensor_coercible"]

# the methods a convert_to_tensor_fn may be named by (TFP deserializes these names from tfd.Distribution)
_NAMED = ("sample", "mean", "mode", "stddev", "variance")


def get_convert_to_tensor_fn(identifier, where="DistributionLambda"):
    """A callable ``distribution -> Tensor`` from a callable, a method name (``"sample"``,
    ``"mean"``, ``"mode"``, ``"stddev"``, ``"variance"``) or a property."""
    if isinstance(identifier, dict):
        identifier = identifier.get("config", identifier)
    if isinstance(identifier, str):
        if identifier not in _NAMED:
            raise ValueError(f"{where}: convert_to_tensor_fn must be one of {list(_NAMED)} or a callable, "
                             f"got {identifier!r}")
        return getattr(Distribution, identifier)
    if isinstance(identifier, property):
        identifier = identifier.fget
    if callable(identifier):
        return identifier
    raise ValueError(f"{where}: convert_to_tensor_fn must be a callable taking a distribution or one of "
                     f"{list(_NAMED)}, got {identifier!r}")


def serialize_convert_to_tensor_fn(fn, where="DistributionLambda"):
    """The method name for ``Distribution.sample``/``mean``/…, else a function reference."""
    for name in _NAMED:
        if fn is getattr(Distribution, name):
            return name
    return wb.keras.serialization.serialize_function(fn)


class TensorCoercible:
    """Mixin of the classes :func:`tensor_coercible` makes: tensor behaviour on a distribution."""

    @property
    def convert_to_tensor_fn(self):
        return self.__dict__.get("_convert_to_tensor_fn", Distribution.sample)

    @property
    def tensor_distribution(self):
        """The distribution itself (TFP's name for it on a coerced distribution)."""
        return self

    def __wb_tensor__(self):
        value = self.__dict__.get("_concrete_value")
        if value is None:
            fn = self.convert_to_tensor_fn
            try:
                value = fn(self)
            except AttributeError as exc:
                # not left as an AttributeError: getattr(d, "shape", None) would hide it
                raise TypeError(f"convert_to_tensor_fn {getattr(fn, '__qualname__', fn)!r} does not apply to "
                                f"{type(self).__name__}: {exc}") from exc
            if not isinstance(value, wb.Tensor):
                value = wb.convert_to_tensor(value)
            self._concrete_value = value
        return value

    # -- what a tensor has ---------------------------------------------------------
    @property
    def shape(self):
        return self.__wb_tensor__().shape

    @property
    def ndim(self):
        return self.__wb_tensor__().ndim

    def numpy(self) -> np.ndarray:
        return self.__wb_tensor__().numpy()

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def __float__(self):
        return float(self.__wb_tensor__())

    # operators act on the tensor (indexing stays the distribution's batch slicing, as in TFP)
    def __neg__(self):
        return -self.__wb_tensor__()

    def __abs__(self):
        return abs(self.__wb_tensor__())


def _binary(name):
    def op(self, other):
        return getattr(self.__wb_tensor__(), name)(other)
    op.__name__ = name
    return op


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
              "__rtruediv__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "__lt__", "__le__",
              "__gt__", "__ge__"):
    setattr(TensorCoercible, _name, _binary(_name))
del _name

_classes: dict = {}


def tensor_coercible(distribution, convert_to_tensor_fn=Distribution.sample):
    """Give ``distribution`` tensor behaviour in place (its class becomes a subclass of its own
    class and :class:`TensorCoercible`, so KL dispatch and ``isinstance`` still see the family)
    and return it."""
    if not isinstance(distribution, Distribution):
        raise TypeError(f"DistributionLambda: make_distribution_fn must return a Distribution, got "
                        f"{type(distribution).__name__}")
    fn = get_convert_to_tensor_fn(convert_to_tensor_fn)
    # a layer's distribution stands in for a tensor: not a composite value (Keras would take it
    # for a ragged one)
    cls = plain_class(type(distribution))
    if not issubclass(cls, TensorCoercible):
        coerced = _classes.get(cls)
        if coerced is None:
            coerced = type(cls.__name__, (TensorCoercible, cls), {"__module__": cls.__module__,
                                                                 "__qualname__": cls.__qualname__})
            _classes[cls] = coerced
        distribution.__class__ = coerced
    distribution.__dict__.pop("_concrete_value", None)
    distribution._convert_to_tensor_fn = fn
    return distribution
