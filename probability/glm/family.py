"""Mean-value parameterized exponential families for GLMs (``tfp.glm``'s families).

A family maps the predicted linear response ``r = X @ w`` through an inverse link to the mean of
a distribution over the response. ``family(r)`` returns ``(mean, variance, grad_mean)``: the mean,
the variance of the response at that mean and ``d mean / d r``, which is what Fisher scoring
needs. ``family.log_prob(y, r)`` is the log-likelihood of the responses and
``family.as_distribution(r)`` the distribution itself.

>>> m = Bernoulli()
>>> mean, variance, grad_mean = m(wb.constant([0., 2.]))
>>> mean.numpy().round(4)
array([0.5   , 0.8808], dtype=float32)
"""

from __future__ import annotations

import re

import numpy as np

import workbench as wb
from workbench.core import Tensor

from .. import distributions as tfd
from .. import internal
from ..bijectors.bijector import Bijector

__all__ = [
    "Bernoulli", "BernoulliNormalCDF", "Binomial", "CustomExponentialFamily", "ExponentialFamily", "GammaExp",
    "GammaSoftplus", "LogNormal", "LogNormalSoftplus", "NegativeBinomial", "NegativeBinomialSoftplus", "Normal",
    "NormalReciprocal", "Poisson", "PoissonSoftplus",
]

_LOG_NORMAL_SCALE = float(np.sqrt(np.log(2.)))   # the scale whose variance is mean**2


def _as_float_tensor(value, name, owner, dtype=None):
    if dtype is None:
        dtype = internal.common_dtype([value])
    if isinstance(value, Tensor):
        if value.dtype.kind != "f":
            raise TypeError(f"{owner}: `{name}` must be a floating tensor, got dtype {value.dtype}")
        return value if dtype is None or value.dtype == dtype else wb.cast(value, dtype)
    try:
        return wb.constant(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{owner}: cannot convert `{name}` ({value!r}) to a {np.dtype(dtype).name} tensor: "
                        f"{exc}") from None


def _cast(value, dtype):
    """A family parameter (Python number, array or tensor) in the response's dtype."""
    if isinstance(value, Tensor) or internal.is_tensor_like(value):
        value = wb.convert_to_tensor(value)
        return value if value.dtype == dtype else wb.cast(value, dtype)
    return wb.constant(np.asarray(value, dtype=dtype))


class ExponentialFamily:
    """Base class of the GLM families (TFP's ``tfp.glm.ExponentialFamily``).

    Subclasses implement ``_as_distribution(r)``; ``_call(r)`` (mean, variance, d mean/d r) and
    ``_log_prob(y, r)`` default to the distribution's ``mean()``/``variance()`` (the gradient taken
    on a tape) and ``log_prob``."""

    def __init__(self, name=None):
        if not name:
            name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()
            name = name.replace("_c_d_f", "_cdf")
        self._name = name

    @property
    def name(self):
        return self._name

    def __call__(self, predicted_linear_response, name=None):
        """``(mean, variance, grad_mean)`` at the linear response ``r``, each shaped like ``r``."""
        r = _as_float_tensor(predicted_linear_response, "predicted_linear_response", self._owner())
        return self._call(r)

    def log_prob(self, response, predicted_linear_response, name=None):
        """The log-likelihood of each ``response`` under the distribution with mean ``mean(r)``."""
        dtype = internal.common_dtype([response, predicted_linear_response])
        y = _as_float_tensor(response, "response", self._owner(), dtype)
        r = _as_float_tensor(predicted_linear_response, "predicted_linear_response", self._owner(), dtype)
        return self._log_prob(y, r)

    def as_distribution(self, predicted_linear_response, name=None):
        """The distribution of the response, its mean given by the linear response ``r``."""
        r = _as_float_tensor(predicted_linear_response, "predicted_linear_response", self._owner())
        return self._as_distribution(r)

    def _call(self, r):
        with wb.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(r)
            likelihood = self._as_distribution(r)
            mean = likelihood.mean()
        variance = likelihood.variance()
        grad_mean = tape.gradient(mean, r)
        if grad_mean is None:
            grad_mean = wb.zeros_like(r)
        return mean, variance, grad_mean

    def _log_prob(self, y, r):
        return self._as_distribution(r).log_prob(y)

    def _as_distribution(self, r):
        raise NotImplementedError(f"{type(self).__name__}: `_as_distribution` is not implemented")

    def _owner(self):
        return f"tfp.glm.{type(self).__name__}"

    def __str__(self):
        return f"tfp.glm.family.{type(self).__name__}('{self._name}')"

    def __repr__(self):
        return f"<tfp.glm.family.{type(self).__name__} '{self._name}'>"


class CustomExponentialFamily(ExponentialFamily):
    """A family from ``distribution_fn(mean)`` and ``linear_model_to_mean_fn(r)`` (a callable or a
    bijector, whose ``forward`` is used)."""

    def __init__(self, distribution_fn, linear_model_to_mean_fn, name=None):
        if not callable(distribution_fn):
            raise TypeError(f"CustomExponentialFamily: `distribution_fn` must be callable, got {distribution_fn!r}")
        if isinstance(linear_model_to_mean_fn, Bijector):
            linear_model_to_mean_fn = linear_model_to_mean_fn.forward
        if not callable(linear_model_to_mean_fn):
            raise TypeError("CustomExponentialFamily: `linear_model_to_mean_fn` must be callable or a bijector, "
                            f"got {linear_model_to_mean_fn!r}")
        super().__init__(name)
        self._distribution_fn = distribution_fn
        self._inverse_link_fn = linear_model_to_mean_fn

    @property
    def distribution_fn(self):
        return self._distribution_fn

    @property
    def linear_model_to_mean_fn(self):
        return self._inverse_link_fn

    def _as_distribution(self, r):
        return self._distribution_fn(self._inverse_link_fn(r))


class Bernoulli(ExponentialFamily):
    """``Bernoulli(probs=mean)`` with ``mean = sigmoid(r)`` (the canonical link)."""

    def _call(self, r):
        mean = wb.math.sigmoid(r)
        variance = mean * wb.math.sigmoid(-r)
        return mean, variance, variance

    def _as_distribution(self, r):
        return tfd.Bernoulli(logits=r)


class BernoulliNormalCDF(ExponentialFamily):
    """``Bernoulli(probs=mean)`` with ``mean = Phi(r)``, the standard normal CDF (probit link)."""

    def _std_normal(self, r):
        return tfd.Normal(loc=wb.zeros([], r.dtype), scale=wb.ones([], r.dtype))

    def _call(self, r):
        d = self._std_normal(r)
        mean = d.cdf(r)
        variance = mean * d.survival_function(r)
        return mean, variance, d.prob(r)

    def _as_distribution(self, r):
        d = self._std_normal(r)
        # logit(Phi(r)) = log Phi(r) - log Phi(-r), accurate in both tails
        return tfd.Bernoulli(logits=d.log_cdf(r) - d.log_survival_function(r))


class Binomial(ExponentialFamily):
    """``Binomial(total_count, probs=sigmoid(r))``: ``mean = total_count * sigmoid(r)``."""

    def __init__(self, total_count=1., name=None):
        self._total_count = total_count
        super().__init__(name)

    def _call(self, r):
        mean = _cast(self._total_count, r.dtype) * wb.math.sigmoid(r)
        variance = mean * wb.math.sigmoid(-r)
        return mean, variance, variance

    def _as_distribution(self, r):
        return tfd.Binomial(total_count=_cast(self._total_count, r.dtype), logits=r)


class GammaExp(ExponentialFamily):
    """``Gamma(concentration, rate=exp(-r))``: ``mean = concentration * exp(r)``."""

    def __init__(self, concentration=1., name=None):
        self._concentration = concentration
        super().__init__(name)

    def _call(self, r):
        er = wb.math.exp(r)
        mean = er * _cast(self._concentration, r.dtype)
        return mean, er * mean, mean

    def _as_distribution(self, r):
        return tfd.Gamma(concentration=_cast(self._concentration, r.dtype), rate=wb.math.exp(-r))


class GammaSoftplus(ExponentialFamily):
    """``Gamma(concentration, rate=1 / softplus(r))``: ``mean = concentration * softplus(r)``."""

    def __init__(self, concentration=1., name=None):
        self._concentration = concentration
        super().__init__(name)

    def _call(self, r):
        c = _cast(self._concentration, r.dtype)
        spr = wb.math.softplus(r)
        mean = spr * c
        return mean, spr * mean, wb.math.sigmoid(r) * c

    def _as_distribution(self, r):
        return tfd.Gamma(concentration=_cast(self._concentration, r.dtype), rate=1. / wb.math.softplus(r))


class Poisson(ExponentialFamily):
    """``Poisson(rate=exp(r))`` (the canonical link)."""

    def _call(self, r):
        mean = wb.math.exp(r)
        return mean, mean, mean

    def _as_distribution(self, r):
        return tfd.Poisson(log_rate=r)


class PoissonSoftplus(ExponentialFamily):
    """``Poisson(rate=softplus(r))``."""

    def _call(self, r):
        mean = wb.math.softplus(r)
        return mean, mean, wb.math.sigmoid(r)

    def _as_distribution(self, r):
        return tfd.Poisson(rate=wb.math.softplus(r))


class LogNormal(ExponentialFamily):
    """``LogNormal(loc=r - scale**2 / 2, scale)``: ``mean = exp(r)``; the default scale
    ``sqrt(log 2)`` makes the variance ``mean**2``."""

    def __init__(self, scale=_LOG_NORMAL_SCALE, name=None):
        self._scale = scale
        super().__init__(name)

    def _call(self, r):
        mean = wb.math.exp(r)
        variance = mean ** 2
        if isinstance(self._scale, Tensor) or not np.all(np.asarray(self._scale) == _LOG_NORMAL_SCALE):
            variance = variance * wb.math.expm1(_cast(self._scale, r.dtype) ** 2)
        return mean, variance, mean

    def _as_distribution(self, r):
        s = _cast(self._scale, r.dtype)
        return tfd.LogNormal(loc=r - 0.5 * s ** 2, scale=s)


class LogNormalSoftplus(ExponentialFamily):
    """``LogNormal(loc=log(softplus(r)) - scale**2 / 2, scale)``: ``mean = softplus(r)``."""

    def __init__(self, scale=_LOG_NORMAL_SCALE, name=None):
        self._scale = scale
        super().__init__(name)

    def _call(self, r):
        mean = wb.math.softplus(r)
        variance = mean ** 2
        if isinstance(self._scale, Tensor) or not np.all(np.asarray(self._scale) == _LOG_NORMAL_SCALE):
            variance = variance * wb.math.expm1(_cast(self._scale, r.dtype) ** 2)
        return mean, variance, wb.math.sigmoid(r)

    def _as_distribution(self, r):
        s = _cast(self._scale, r.dtype)
        return tfd.LogNormal(loc=wb.math.log(wb.math.softplus(r)) - 0.5 * s ** 2, scale=s)


class Normal(ExponentialFamily):
    """``Normal(loc=r, scale)`` (the identity link, canonical)."""

    def __init__(self, scale=1., name=None):
        self._scale = scale
        super().__init__(name)

    def _call(self, r):
        s = _cast(self._scale, r.dtype)
        return wb.identity(r), wb.ones_like(r) * s ** 2, wb.ones_like(r)

    def _as_distribution(self, r):
        return tfd.Normal(loc=r, scale=_cast(self._scale, r.dtype))


class NormalReciprocal(ExponentialFamily):
    """``Normal(loc=1 / r, scale)``."""

    def __init__(self, scale=1., name=None):
        self._scale = scale
        super().__init__(name)

    def _call(self, r):
        s = _cast(self._scale, r.dtype)
        return wb.math.reciprocal(r), wb.ones_like(r) * s ** 2, -wb.math.reciprocal(r ** 2)

    def _as_distribution(self, r):
        return tfd.Normal(loc=wb.math.reciprocal(r), scale=_cast(self._scale, r.dtype))


class NegativeBinomial(ExponentialFamily):
    """``NegativeBinomial(total_count, logits=r - log(total_count))``: ``mean = exp(r)``."""

    def __init__(self, total_count=1., name=None):
        self._total_count = total_count
        super().__init__(name)

    def _call(self, r):
        mean = wb.math.exp(r)
        return mean, mean + mean ** 2 / _cast(self._total_count, r.dtype), mean

    def _as_distribution(self, r):
        n = _cast(self._total_count, r.dtype)
        return tfd.NegativeBinomial(total_count=n, logits=r - wb.math.log(n), require_integer_total_count=False)


class NegativeBinomialSoftplus(ExponentialFamily):
    """``NegativeBinomial(total_count, logits=log(softplus(r)) - log(total_count))``:
    ``mean = softplus(r)``."""

    def __init__(self, total_count=1., name=None):
        self._total_count = total_count
        super().__init__(name)

    def _call(self, r):
        mean = wb.math.softplus(r)
        return mean, mean + mean ** 2 / _cast(self._total_count, r.dtype), wb.math.sigmoid(r)

    def _as_distribution(self, r):
        n = _cast(self._total_count, r.dtype)
        return tfd.NegativeBinomial(total_count=n, logits=wb.math.log(wb.math.softplus(r)) - wb.math.log(n),
                                    require_integer_total_count=False)
