"""The Power Spherical distribution on the unit sphere (De Cao and Aziz, 2020)."""

from __future__ import annotations

import math


import workbench as wb

from .. import internal
from .. import random as tfp_random
from .beta import Beta
from .distribution import FULLY_REPARAMETERIZED
from .kullback_leibler import RegisterKL
from .spherical_uniform import SphericalUniform, log_sphere_area
from .von_mises_fisher import VonMisesFisher, _OnSphere

__all__ = ["PowerSpherical"]


class PowerSpherical(_OnSphere):
    """``PowerSpherical(mean_direction, concentration)`` on the unit sphere in ``d`` dims
    (``mean_direction`` ``[..., d]``, a unit vector, ``d >= 2``; ``concentration`` ``k >= 0``):

    ``pdf(x) = (1 + mu^T x)^k / N``, ``log N = (a + b) log 2 + b log pi + lgamma(a) - lgamma(a + b)``
    with ``b = (d - 1) / 2``, ``a = b + k``; ``k = 0`` is the uniform distribution on the sphere.

    ``t = mu^T x`` is ``2 Beta(a, b) - 1``: draws take ``t`` from Beta draws made of Gamma draws (so
    samples are reparameterized in both parameters), a uniform direction orthogonal to the first axis,
    and a Householder reflection of the first axis onto ``mean_direction``. The mean is
    ``E[t] mu``; the covariance ``Var(t) mu mu^T + (1 - E[t^2]) / (d - 1) (I - mu mu^T)``.
    As TFP, no mode or variance.

    >>> d = PowerSpherical([0., 1., 0.], concentration=1.5)
    >>> [round(float(v), 4) for v in d.mean().numpy()]
    [0.0, 0.4286, 0.0]
    """

    def __init__(self, mean_direction, concentration, validate_args=False, allow_nan_stats=True,
                 name="PowerSpherical"):
        parameters = dict(locals())
        self._init_direction(mean_direction, concentration, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats,
                             parameters, name)

    def _value(self, x, method):
        x = super()._value(x, method)
        if self._validate_args:
            internal.assert_all(wb.math.abs(wb.linalg.norm(x, axis=-1) - 1.0) < 1e-5,
                                f"PowerSpherical.{method}: the value must be unit-length (a point on the sphere)")
        return x

    def _beta_params(self):
        """``(a, b)`` of ``(1 + t) / 2 ~ Beta(a, b)``: ``b = (d - 1) / 2``, ``a = b + k``."""
        b = 0.5 * (self._dim() - 1)
        return wb.convert_to_tensor(self._concentration) + b, b

    def _log_normalization(self):
        a, b = self._beta_params()
        return (a + b) * math.log(2.0) + b * math.log(math.pi) + wb.lgamma(a) - wb.lgamma(a + b)

    def _log_prob(self, x):
        dot = wb.reduce_sum(x * self._mean_direction, axis=-1)
        # k log(1 + mu^T x), 0 at k = 0 even at x = -mu
        return internal.xlog1py(wb.convert_to_tensor(self._concentration), dot) - self._log_normalization()

    def _t_moments(self):
        """``E[t]`` and ``Var(t)`` of ``t = mu^T x``."""
        a, b = self._beta_params()
        s = a + b
        return (a - b) / s, 4.0 * a * b / (s * s * (s + 1.0))

    def _mean(self):
        mean_t, _ = self._t_moments()
        return wb.expand_dims(mean_t, -1) * self._mean_direction

    def _covariance(self):
        mean_t, var_t = self._t_moments()
        d = self._dim()
        mu = self._mean_direction
        outer = wb.expand_dims(mu, -1) * wb.expand_dims(mu, -2)
        across = (1.0 - var_t - mean_t * mean_t) / (d - 1.0)   # E[1 - t^2] / (d - 1)
        cov = (wb.expand_dims(wb.expand_dims(var_t, -1), -1) * outer
               + wb.expand_dims(wb.expand_dims(across, -1), -1) * (wb.eye(d, dtype=self.dtype) - outer))
        return wb.broadcast_to(cov, tuple(self.batch_shape) + (d, d))

    def _entropy(self):
        a, b = self._beta_params()
        k = wb.convert_to_tensor(self._concentration)
        # E[log(1 + t)] = log 2 + E[log Beta(a, b)] = log 2 + digamma(a) - digamma(a + b)
        h = self._log_normalization() - k * (math.log(2.0) + wb.digamma(a) - wb.digamma(a + b))
        return h * wb.ones(self.batch_shape, dtype=self.dtype)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's draw: t = 2 Beta - 1 and a uniform direction on the (d - 2)-sphere, seeds split
        # with the "power_spherical" salt, then the Householder reflection onto mean_direction
        d = self._dim()
        batch = list(self.batch_shape)
        beta_seed, uniform_seed = internal.split_seed(seed, salt="power_spherical")
        half = (d - 1.0) / 2.0
        k = wb.broadcast_to(wb.convert_to_tensor(self._concentration), batch)
        z = Beta(half + k, half).sample(n, seed=beta_seed)
        v = tfp_random.spherical_uniform([n] + batch, d - 1, dtype=self.dtype, seed=uniform_seed)
        t = 2.0 * z - 1.0
        y = wb.concat([t[..., None], wb.sqrt(1.0 - wb.square(t))[..., None] * v], axis=-1)
        mu = wb.convert_to_tensor(self._mean_direction)
        u = wb.math.l2_normalize(wb.concat([(1.0 - mu[..., 0])[..., None], -mu[..., 1:]], axis=-1), axis=-1)
        return wb.math.l2_normalize(y - 2.0 * wb.reduce_sum(y * u, axis=-1, keepdims=True) * u, axis=-1)


def _check_dims(a, b, what):
    if a.event_shape != b.event_shape:
        raise ValueError(f"kl_divergence(PowerSpherical, {what}): event shapes {list(a.event_shape)} and "
                         f"{list(b.event_shape)} differ")


@RegisterKL(PowerSpherical, SphericalUniform)
def _kl_power_spherical_spherical_uniform(a, b, name=None):
    _check_dims(a, b, "SphericalUniform")
    # E_a[log a] - log(1 / area)
    return log_sphere_area(a.event_shape[0]) - a.entropy()


@RegisterKL(PowerSpherical, VonMisesFisher)
def _kl_power_spherical_von_mises_fisher(a, b, name=None):
    _check_dims(a, b, "VonMisesFisher")
    # -H(a) - E_a[log b(x)], with log b(x) = k_b mu_b^T x - log N_b linear in x
    cross = wb.convert_to_tensor(b.concentration) * wb.reduce_sum(b.mean_direction * a.mean(), axis=-1)
    return b._log_normalization() - cross - a.entropy()
