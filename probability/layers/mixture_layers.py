"""More parametric distribution layers of TFP's ``tfp.layers``: ``IndependentLogistic``,
``IndependentPoisson``, and the mixtures ``MixtureSameFamily``, ``MixtureNormal`` and
``MixtureLogistic``, which read the mixture logits first and then each component's parameters.

>>> MixtureNormal.params_size(num_components=5, event_shape=[1])    # 5 logits + 5 * (loc, scale)
15
>>> MixtureNormal(5, [1])(wb.zeros([4, 15])).batch_shape
(4,)
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import distributions as tfd
from ..distributions.distribution import Distribution
from .distribution_layer import (IndependentNormal, _event_shape_tuple, _ParametricLayer, _params, _positive_int,
                                 _register)

__all__ = ["IndependentLogistic", "IndependentPoisson", "MixtureLogistic", "MixtureNormal", "MixtureSameFamily"]


@_register
class IndependentLogistic(_ParametricLayer):
    """``Independent(Logistic(loc, softplus(raw_scale)))`` with event shape ``event_shape``, from
    ``params`` ``[..., 2 * prod(event_shape)]``: the locations, then the scales before the softplus.

    >>> IndependentLogistic.params_size([2, 3])
    12
    """

    def __init__(self, event_shape=(), convert_to_tensor_fn=Distribution.sample, validate_args=False, **kwargs):
        shape = _event_shape_tuple(event_shape, "IndependentLogistic")
        super().__init__((shape,), convert_to_tensor_fn, validate_args, **kwargs)

    @staticmethod
    def new(params, event_shape=(), validate_args=False, name=None):
        shape = _event_shape_tuple(event_shape, "IndependentLogistic")
        size = int(np.prod(shape))
        params = _params(params, 2 * size, "IndependentLogistic")
        batch = tuple(params.shape[:-1])
        loc = wb.reshape(params[..., :size], batch + shape)
        scale = wb.nn.softplus(wb.reshape(params[..., size:], batch + shape))
        return tfd.Independent(tfd.Logistic(loc=loc, scale=scale, validate_args=validate_args),
                               reinterpreted_batch_ndims=len(shape), validate_args=validate_args)

    @staticmethod
    def params_size(event_shape=(), name=None):
        """``2 * prod(event_shape)``."""
        return 2 * int(np.prod(_event_shape_tuple(event_shape, "IndependentLogistic")))

    def _spec_config(self):
        return {"event_shape": list(self._spec[0])}


@_register
class IndependentPoisson(_ParametricLayer):
    """``Independent(Poisson(log_rate=params))`` with event shape ``event_shape``, from ``params``
    ``[..., prod(event_shape)]`` log rates.

    >>> IndependentPoisson.params_size(1)
    1
    """

    def __init__(self, event_shape=(), convert_to_tensor_fn=Distribution.sample, validate_args=False, **kwargs):
        shape = _event_shape_tuple(event_shape, "IndependentPoisson")
        super().__init__((shape,), convert_to_tensor_fn, validate_args, **kwargs)

    @staticmethod
    def new(params, event_shape=(), validate_args=False, name=None):
        shape = _event_shape_tuple(event_shape, "IndependentPoisson")
        params = _params(params, int(np.prod(shape)), "IndependentPoisson")
        log_rate = wb.reshape(params, tuple(params.shape[:-1]) + shape)
        return tfd.Independent(tfd.Poisson(log_rate=log_rate, validate_args=validate_args),
                               reinterpreted_batch_ndims=len(shape), validate_args=validate_args)

    @staticmethod
    def params_size(event_shape=(), name=None):
        """``prod(event_shape)``."""
        return int(np.prod(_event_shape_tuple(event_shape, "IndependentPoisson")))

    def _spec_config(self):
        return {"event_shape": list(self._spec[0])}


def _component_distribution(component_layer, params):
    """The components' distribution: a parametric layer's ``new`` (no Keras call, no coercion), else
    the layer or function applied to ``params``."""
    if isinstance(component_layer, _ParametricLayer):
        return type(component_layer).new(params, *component_layer._spec,
                                         validate_args=component_layer._validate_args)
    d = component_layer(params)
    if not isinstance(d, Distribution):
        raise TypeError(f"MixtureSameFamily: component_layer must make a distribution, got {type(d).__name__}")
    return d


def _mixture(params, num_components, component_layer, validate_args):
    k = _positive_int(num_components, "num_components", "MixtureSameFamily")
    params = wb.convert_to_tensor(params)
    if params.ndim < 1 or params.shape[-1] <= k or (params.shape[-1] - k) % k:
        raise ValueError(f"MixtureSameFamily: params must have a last axis of num_components * (1 + the component's "
                         f"params_size) with num_components={k}, got shape {tuple(params.shape)}")
    batch = tuple(params.shape[:-1])
    components = wb.reshape(params[..., k:], batch + (k, (params.shape[-1] - k) // k))
    return tfd.MixtureSameFamily(tfd.Categorical(logits=params[..., :k], validate_args=validate_args),
                                 _component_distribution(component_layer, components), validate_args=validate_args)


@_register
class MixtureSameFamily(_ParametricLayer):
    """``MixtureSameFamily(Categorical(logits), component_layer(component_params))`` from ``params``
    ``[..., num_components + num_components * component_params_size]``: the mixture logits, then
    the components' parameters (reshaped to ``[..., num_components, component_params_size]``).

    >>> MixtureSameFamily.params_size(5, IndependentNormal.params_size([1]))
    15
    """

    def __init__(self, num_components, component_layer, convert_to_tensor_fn=Distribution.sample,
                 validate_args=False, **kwargs):
        k = _positive_int(num_components, "num_components", "MixtureSameFamily")
        if not callable(component_layer):
            raise TypeError(f"MixtureSameFamily: component_layer must be a layer or a callable, got "
                            f"{component_layer!r}")
        super().__init__((k, component_layer), convert_to_tensor_fn, validate_args, **kwargs)

    @staticmethod
    def new(params, num_components, component_layer, validate_args=False, name=None):
        return _mixture(params, num_components, component_layer, validate_args)

    @staticmethod
    def params_size(num_components, component_params_size, name=None):
        """``num_components * (1 + component_params_size)``."""
        k = _positive_int(num_components, "num_components", "MixtureSameFamily")
        return k + k * _positive_int(component_params_size, "component_params_size", "MixtureSameFamily")

    def _spec_config(self):
        raise NotImplementedError("MixtureSameFamily: a component layer is not saved in a config; "
                                  "MixtureNormal and MixtureLogistic are")


def _mixture_of(component_cls, name):
    class _Mixture(_ParametricLayer):
        def __init__(self, num_components, event_shape=(), convert_to_tensor_fn=Distribution.sample,
                     validate_args=False, **kwargs):
            k = _positive_int(num_components, "num_components", name)
            shape = _event_shape_tuple(event_shape, name)
            super().__init__((k, shape), convert_to_tensor_fn, validate_args, **kwargs)

        @staticmethod
        def new(params, num_components, event_shape=(), validate_args=False, name=None):
            return _mixture(params, num_components, component_cls(event_shape, validate_args=validate_args),
                            validate_args)

        @staticmethod
        def params_size(num_components, event_shape=(), name=None):
            return MixtureSameFamily.params_size(num_components, component_cls.params_size(event_shape))

        def _spec_config(self):
            return {"num_components": self._spec[0], "event_shape": list(self._spec[1])}

    _Mixture.__name__ = _Mixture.__qualname__ = name
    return _register(_Mixture)


MixtureNormal = _mixture_of(IndependentNormal, "MixtureNormal")
MixtureNormal.__doc__ = """A mixture of ``num_components`` ``IndependentNormal(event_shape)`` components, from ``params``
    ``[..., num_components * (1 + 2 * prod(event_shape))]``: the mixture logits, then each
    component's locations and raw scales."""
MixtureLogistic = _mixture_of(IndependentLogistic, "MixtureLogistic")
MixtureLogistic.__doc__ = """A mixture of ``num_components`` ``IndependentLogistic(event_shape)`` components, laid out as
    ``MixtureNormal``'s."""
