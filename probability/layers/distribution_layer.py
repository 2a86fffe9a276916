"""Keras layers whose output is a distribution (TFP's ``tfp.layers`` distribution layers).

``DistributionLambda(make_distribution_fn)`` turns its input into a distribution; the
parametric layers (``IndependentNormal``, ``IndependentBernoulli``, ``MultivariateNormalTriL``,
``OneHotCategorical``, ``CategoricalMixtureOfOneHotCategorical``) read a flat vector of
``params_size(...)`` numbers per example, so a ``Dense(Layer.params_size(...))`` before them
gives the parameters. Their output acts as a tensor for the layers after it (see
``tensor_coercible``) and is the distribution itself for a loss::

    model = wb.keras.Sequential([
        wb.keras.layers.Dense(tfpl.IndependentNormal.params_size(1)),
        tfpl.IndependentNormal(1),
    ])
    model.compile(optimizer="adam", loss=lambda y, rv_y: -rv_y.log_prob(y))

``KLDivergenceAddLoss`` and ``KLDivergenceRegularizer`` add ``KL(q || p)`` against a prior
to the model's losses.
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import bijectors as tfb
from .. import distributions as tfd
from ..distributions.distribution import Distribution
from .tensor_coercible import get_convert_to_tensor_fn, serialize_convert_to_tensor_fn, tensor_coercible

__all__ = ["CategoricalMixtureOfOneHotCategorical", "DistributionLambda", "IndependentBernoulli",
           "IndependentNormal", "KLDivergenceAddLoss", "KLDivergenceRegularizer",
           "MultivariateNormalTriL", "OneHotCategorical"]

_register = wb.keras.serialization.register_serializable(package="probability.layers")


def _event_shape_tuple(event_shape, where):
    """``event_shape`` (an int or a sequence of ints) as a tuple of positive ints."""
    if isinstance(event_shape, (int, np.integer)) and not isinstance(event_shape, bool):
        event_shape = (event_shape,)
    try:
        shape = tuple(int(s) for s in event_shape)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: event_shape must be an int or a sequence of ints, got {event_shape!r}") from None
    if any(s < 1 for s in shape) or any(isinstance(s, bool) for s in event_shape):
        raise ValueError(f"{where}: event_shape must hold positive sizes, got {event_shape!r}")
    return shape


def _positive_int(value, what, where):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {what} must be a positive integer, got {value!r}")
    return int(value)


def _params(params, size, where):
    """``params`` as a floating tensor whose last axis holds ``size`` numbers."""
    params = wb.convert_to_tensor(params)
    if params.dtype.kind != "f":
        params = wb.cast(params, np.float32)
    if params.ndim < 1 or params.shape[-1] != size:
        raise ValueError(f"{where}: params must have a last axis of {size} (params_size), got shape "
                         f"{tuple(params.shape)}")
    return params


@_register
class DistributionLambda(wb.keras.layers.Layer):
    """A layer whose output is ``make_distribution_fn(inputs)``, a distribution that acts as the
    tensor ``convert_to_tensor_fn(distribution)`` for the layers after it.

    ``convert_to_tensor_fn``: a callable taking the distribution, or ``"sample"`` (the default,
    TFP's ``tfd.Distribution.sample``), ``"mean"``, ``"mode"``, ``"stddev"``, ``"variance"``.
    A layer given several inputs passes them all to ``make_distribution_fn``. An
    ``activity_regularizer`` (e.g. :class:`KLDivergenceRegularizer`) receives the
    distribution; its value divided by the batch size joins the layer's losses, as Keras does
    for tensor outputs.

    >>> layer = DistributionLambda(lambda t: tfd.Normal(t, 1.0), convert_to_tensor_fn="mean")
    >>> d = layer(wb.zeros([2, 3]))
    >>> d.batch_shape, tuple((d * 2.0).shape)
    ((2, 3), (2, 3))
    """

    def __init__(self, make_distribution_fn, convert_to_tensor_fn=Distribution.sample, **kwargs):
        super().__init__(**kwargs)
        where = type(self).__name__
        if not callable(make_distribution_fn):
            raise TypeError(f"{where}: make_distribution_fn must be callable, got {make_distribution_fn!r}")
        self._make_distribution_fn = make_distribution_fn
        self._convert_to_tensor_fn = get_convert_to_tensor_fn(convert_to_tensor_fn, where)

    @property
    def make_distribution_fn(self):
        return self._make_distribution_fn

    @property
    def convert_to_tensor_fn(self):
        return self._convert_to_tensor_fn

    def __call__(self, *args, **kwargs):
        outputs = super().__call__(*args, **kwargs)
        if self.activity_regularizer is not None and isinstance(outputs, Distribution):
            # the base class regularizes tensor outputs only; a distribution output is regularized
            # here, divided by the batch size as Keras divides an activity penalty
            value = self.activity_regularizer(outputs)
            batch = outputs.shape[0] if outputs.ndim else 1
            self._call_losses.append(value / wb.cast(wb.convert_to_tensor(batch), value.dtype))
        return outputs

    def call(self, inputs, *args, **kwargs):
        # Keras' own call arguments are not the function's
        kwargs.pop("training", None)
        kwargs.pop("mask", None)
        distribution = self._make_distribution_fn(inputs, *args, **kwargs)
        return tensor_coercible(distribution, self._convert_to_tensor_fn)

    def get_config(self):
        """``make_distribution_fn`` is written by name (a registered or module-level function);
        a lambda cannot be saved in a config."""
        return {**self._base_config(),
                "make_distribution_fn": wb.keras.serialization.serialize_function(self._make_distribution_fn)}

    def _base_config(self):
        config = wb.keras.layers.Layer.get_config(self)
        config["convert_to_tensor_fn"] = serialize_convert_to_tensor_fn(self._convert_to_tensor_fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("make_distribution_fn"), dict):
            config["make_distribution_fn"] = wb.keras.serialization.deserialize_function(
                config["make_distribution_fn"])
        if isinstance(config.get("convert_to_tensor_fn"), dict):
            config["convert_to_tensor_fn"] = wb.keras.serialization.deserialize_function(
                config["convert_to_tensor_fn"])
        return cls(**config)


class _ParametricLayer(DistributionLambda):
    """A DistributionLambda whose distribution is ``cls.new(params, *spec)`` for a fixed spec."""

    def __init__(self, spec, convert_to_tensor_fn=Distribution.sample, validate_args=False, **kwargs):
        self._spec = spec
        self._validate_args = bool(validate_args)
        super().__init__(lambda t: type(self).new(t, *spec, validate_args=self._validate_args),
                         convert_to_tensor_fn, **kwargs)

    def _spec_config(self):
        raise NotImplementedError

    def get_config(self):
        return {**self._base_config(), **self._spec_config(), "validate_args": self._validate_args}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("convert_to_tensor_fn"), dict):
            config["convert_to_tensor_fn"] = wb.keras.serialization.deserialize_function(
                config["convert_to_tensor_fn"])
        return cls(**config)


@_register
class IndependentNormal(_ParametricLayer):
    """``Independent(Normal(loc, softplus(raw_scale)))`` with event shape ``event_shape``, from
    ``params`` ``[..., 2 * prod(event_shape)]``: the first half are the locations, the second the
    scales before the softplus.

    >>> IndependentNormal.params_size([2, 3])
    12
    >>> IndependentNormal([2, 3])(wb.zeros([5, 12])).event_shape
    (2, 3)
    """

    def __init__(self, event_shape=(), convert_to_tensor_fn=Distribution.sample, validate_args=False, **kwargs):
        shape = _event_shape_tuple(event_shape, "IndependentNormal")
        super().__init__((shape,), convert_to_tensor_fn, validate_args, **kwargs)

    @staticmethod
    def new(params, event_shape=(), validate_args=False, name=None):
        """The distribution for ``params`` (what the layer computes)."""
        shape = _event_shape_tuple(event_shape, "IndependentNormal")
        size = int(np.prod(shape))
        params = _params(params, 2 * size, "IndependentNormal")
        batch = tuple(params.shape[:-1])
        loc = wb.reshape(params[..., :size], batch + shape)
        scale = wb.nn.softplus(wb.reshape(params[..., size:], batch + shape))
        return tfd.Independent(tfd.Normal(loc=loc, scale=scale, validate_args=validate_args),
                               reinterpreted_batch_ndims=len(shape), validate_args=validate_args)

    @staticmethod
    def params_size(event_shape=(), name=None):
        """The number of parameters per example: ``2 * prod(event_shape)``."""
        return 2 * int(np.prod(_event_shape_tuple(event_shape, "IndependentNormal")))

    def _spec_config(self):
        return {"event_shape": list(self._spec[0])}


@_register
class IndependentBernoulli(_ParametricLayer):
    """``Independent(Bernoulli(logits))`` with event shape ``event_shape``, from ``params``
    ``[..., prod(event_shape)]`` logits. Samples have ``sample_dtype`` (default: the params'
    floating dtype, so that they flow into the next layer).

    >>> tuple(IndependentBernoulli([8, 8])(wb.zeros([2, 64])).sample().shape)
    (2, 8, 8)
    """

    def __init__(self, event_shape=(), convert_to_tensor_fn=Distribution.sample, sample_dtype=None,
                 validate_args=False, **kwargs):
        shape = _event_shape_tuple(event_shape, "IndependentBernoulli")
        self._sample_dtype = None if sample_dtype is None else np.dtype(sample_dtype)
        super().__init__((shape, self._sample_dtype), convert_to_tensor_fn, validate_args, **kwargs)

    @staticmethod
    def new(params, event_shape=(), dtype=None, validate_args=False, name=None):
        shape = _event_shape_tuple(event_shape, "IndependentBernoulli")
        size = int(np.prod(shape))
        params = _params(params, size, "IndependentBernoulli")
        logits = wb.reshape(params, tuple(params.shape[:-1]) + shape)
        dist = tfd.Independent(tfd.Bernoulli(logits=logits, dtype=dtype or params.dtype,
                                             validate_args=validate_args),
                               reinterpreted_batch_ndims=len(shape), validate_args=validate_args)
        # as TFP: convert_to_tensor_fn=tfd.Bernoulli.logits (or .probs) reads these
        dist._logits = dist.distribution._logits
        dist._probs = dist.distribution._probs
        return dist

    @staticmethod
    def params_size(event_shape=(), name=None):
        """The number of parameters per example: ``prod(event_shape)``."""
        return int(np.prod(_event_shape_tuple(event_shape, "IndependentBernoulli")))

    def _spec_config(self):
        return {"event_shape": list(self._spec[0]),
                "sample_dtype": None if self._sample_dtype is None else self._sample_dtype.name}


@_register
class MultivariateNormalTriL(_ParametricLayer):
    """``MultivariateNormalTriL(loc, scale_tril)`` over ``event_size`` dimensions, from ``params``
    ``[..., event_size + event_size * (event_size + 1) / 2]``: the locations, then the lower
    triangle filled by ``FillScaleTriL`` (softplus of the diagonal plus 1e-5).

    >>> MultivariateNormalTriL.params_size(3)
    9
    """

    def __init__(self, event_size, convert_to_tensor_fn=Distribution.sample, validate_args=False, **kwargs):
        size = _positive_int(event_size, "event_size", "MultivariateNormalTriL")
        super().__init__((size,), convert_to_tensor_fn, validate_args, **kwargs)

    @staticmethod
    def new(params, event_size, validate_args=False, name=None):
        size = _positive_int(event_size, "event_size", "MultivariateNormalTriL")
        params = _params(params, MultivariateNormalTriL.params_size(size), "MultivariateNormalTriL")
        fill = tfb.FillScaleTriL(diag_shift=1e-5, validate_args=validate_args)
        return tfd.MultivariateNormalTriL(loc=params[..., :size], scale_tril=fill.forward(params[..., size:]),
                                          validate_args=validate_args)

    @staticmethod
    def params_size(event_size, name=None):
        """``event_size + event_size * (event_size + 1) // 2``."""
        n = _positive_int(event_size, "event_size", "MultivariateNormalTriL")
        return n + n * (n + 1) // 2

    def _spec_config(self):
        return {"event_size": self._spec[0]}


@_register
class OneHotCategorical(_ParametricLayer):
    """``OneHotCategorical(logits=params)`` over ``event_size`` classes; samples have
    ``sample_dtype`` (default: the params' floating dtype)."""

    def __init__(self, event_size, convert_to_tensor_fn=Distribution.sample, sample_dtype=None,
                 validate_args=False, **kwargs):
        size = _positive_int(event_size, "event_size", "OneHotCategorical")
        self._sample_dtype = None if sample_dtype is None else np.dtype(sample_dtype)
        super().__init__((size, self._sample_dtype), convert_to_tensor_fn, validate_args, **kwargs)

    @staticmethod
    def new(params, event_size, dtype=None, validate_args=False, name=None):
        size = _positive_int(event_size, "event_size", "OneHotCategorical")
        params = _params(params, size, "OneHotCategorical")
        return tfd.OneHotCategorical(logits=params, dtype=dtype or params.dtype, validate_args=validate_args)

    @staticmethod
    def params_size(event_size, name=None):
        """``event_size`` logits."""
        return _positive_int(event_size, "event_size", "OneHotCategorical")

    def _spec_config(self):
        return {"event_size": self._spec[0],
                "sample_dtype": None if self._sample_dtype is None else self._sample_dtype.name}


@_register
class CategoricalMixtureOfOneHotCategorical(_ParametricLayer):
    """A mixture of ``num_components`` one-hot categoricals over ``event_size`` classes, from
    ``params`` ``[..., num_components * (1 + event_size)]``: the mixture logits, then each
    component's logits."""

    def __init__(self, event_size, num_components, convert_to_tensor_fn=Distribution.sample,
                 sample_dtype=None, validate_args=False, **kwargs):
        where = "CategoricalMixtureOfOneHotCategorical"
        size = _positive_int(event_size, "event_size", where)
        k = _positive_int(num_components, "num_components", where)
        self._sample_dtype = None if sample_dtype is None else np.dtype(sample_dtype)
        super().__init__((size, k, self._sample_dtype), convert_to_tensor_fn, validate_args, **kwargs)

    @staticmethod
    def new(params, event_size, num_components, dtype=None, validate_args=False, name=None):
        where = "CategoricalMixtureOfOneHotCategorical"
        size = _positive_int(event_size, "event_size", where)
        k = _positive_int(num_components, "num_components", where)
        params = _params(params, k * (1 + size), where)
        batch = tuple(params.shape[:-1])
        components = tfd.OneHotCategorical(logits=wb.reshape(params[..., k:], batch + (k, size)),
                                           dtype=dtype or params.dtype, validate_args=validate_args)
        return tfd.MixtureSameFamily(tfd.Categorical(logits=params[..., :k], validate_args=validate_args),
                                     components, validate_args=validate_args)

    @staticmethod
    def params_size(event_size, num_components, name=None):
        """``num_components * (1 + event_size)``."""
        where = "CategoricalMixtureOfOneHotCategorical"
        return (_positive_int(num_components, "num_components", where)
                * (1 + _positive_int(event_size, "event_size", where)))

    def _spec_config(self):
        return {"event_size": self._spec[0], "num_components": self._spec[1],
                "sample_dtype": None if self._sample_dtype is None else self._sample_dtype.name}


# ---------------------------------------------------------------------------
# KL penalties


def kl_penalty(distribution_a, distribution_b, use_exact_kl, test_points_reduce_axis, test_points_fn,
               weight):
    """``sum(weight * KL(a || b))``: exact (the KL registry) or the Monte Carlo estimate
    ``mean(log a(z) - log b(z))`` over ``test_points_reduce_axis`` (``()``: no mean, None: every
    axis) at the points ``z = test_points_fn(a)``. Summed to a scalar: an added loss is the
    batch's total."""
    if use_exact_kl:
        kl = tfd.kl_divergence(distribution_a, distribution_b)
    else:
        z = test_points_fn(distribution_a)
        kl = distribution_a.log_prob(z) - distribution_b.log_prob(z)
        if test_points_reduce_axis != ():
            kl = wb.reduce_mean(kl, axis=test_points_reduce_axis)
    if weight is not None:
        kl = wb.cast(wb.convert_to_tensor(weight), kl.dtype) * kl
    return wb.reduce_sum(kl)


def _kl_divergence_fn(distribution_b, use_exact_kl, test_points_reduce_axis, test_points_fn, weight, where):
    """``distribution_a -> kl_penalty(a, b, ...)`` with ``b = distribution_b`` (or
    ``distribution_b()`` for a callable), ``test_points_fn(a)`` by default a's own tensor (the
    draw the next layer sees)."""
    if not (isinstance(distribution_b, Distribution) or callable(distribution_b)):
        raise TypeError(f"{where}: distribution_b must be a Distribution or a callable returning one, "
                        f"got {type(distribution_b).__name__}")
    if not callable(test_points_fn):
        raise TypeError(f"{where}: test_points_fn must be callable, got {test_points_fn!r}")

    def fn(distribution_a):
        if not isinstance(distribution_a, Distribution):
            raise TypeError(f"{where}: the input must be a distribution (the output of a distribution "
                            f"layer), got {type(distribution_a).__name__}")
        b = distribution_b if isinstance(distribution_b, Distribution) else distribution_b()
        return kl_penalty(distribution_a, b, use_exact_kl, test_points_reduce_axis, test_points_fn, weight)
    return fn


def _reduce_axis(axis):
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return int(axis)


@_register
class KLDivergenceRegularizer(wb.keras.regularizers.Regularizer):
    """An activity regularizer for a distribution layer: ``weight * KL(output || distribution_b)``
    summed over the batch (the layer divides it by the batch size, as Keras does).

    ``use_exact_kl=False`` estimates the KL at ``test_points_fn(output)`` (the layer's own draw),
    averaged over ``test_points_reduce_axis`` (default ``()``: no averaging).
    """

    def __init__(self, distribution_b, use_exact_kl=False, test_points_reduce_axis=(),
                 test_points_fn=wb.convert_to_tensor, weight=None):
        self._kl_divergence_fn = _kl_divergence_fn(distribution_b, use_exact_kl,
                                                   _reduce_axis(test_points_reduce_axis),
                                                   test_points_fn, weight, "KLDivergenceRegularizer")

    def __call__(self, distribution_a):
        return self._kl_divergence_fn(distribution_a)

    def get_config(self):
        raise NotImplementedError("KLDivergenceRegularizer holds a distribution, which a config cannot "
                                  "hold (as in TFP)")


@_register
class KLDivergenceAddLoss(wb.keras.layers.Layer):
    """Pass a distribution through unchanged and add ``weight * KL(input || distribution_b)``,
    summed over the batch, to the layer's losses.

    ``use_exact_kl=False`` estimates the KL at ``test_points_fn(input)`` (the input's own draw),
    averaged over ``test_points_reduce_axis`` (default None: every axis).
    """

    def __init__(self, distribution_b, use_exact_kl=False, test_points_reduce_axis=None,
                 test_points_fn=wb.convert_to_tensor, weight=None, **kwargs):
        super().__init__(**kwargs)
        self._kl_divergence_fn = _kl_divergence_fn(distribution_b, use_exact_kl,
                                                   _reduce_axis(test_points_reduce_axis),
                                                   test_points_fn, weight, "KLDivergenceAddLoss")

    def __call__(self, *args, **kwargs):
        # Recording a functional model runs the layer on stand-in tensors of the distribution's
        # shape (a symbolic input holds no distribution): those pass through with no loss.
        if not any(getattr(x, "_wb_symbolic", False) for x in args):
            return super().__call__(*args, **kwargs)
        self._recording = True
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self._recording = False

    def call(self, distribution_a):
        if self.__dict__.get("_recording") and not isinstance(distribution_a, Distribution):
            return distribution_a
        self.add_loss(self._kl_divergence_fn(distribution_a))
        return distribution_a

    def get_config(self):
        raise NotImplementedError("KLDivergenceAddLoss holds a distribution, which a config cannot hold "
                                  "(as in TFP)")
