"""The von Mises-Fisher distribution on the unit sphere."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from ..math.special import bessel_ive
from .distribution import NOT_REPARAMETERIZED, Distribution, no_event_space_bijector
from .kullback_leibler import RegisterKL
from .spherical_uniform import SphericalUniform, log_sphere_area

__all__ = ["VonMisesFisher"]


class _OnSphere(Distribution):
    """What VonMisesFisher and PowerSpherical share: ``mean_direction`` ``[..., d]`` (a unit vector,
    ``d >= 2``) and a non-negative ``concentration``, event shape ``[d]``, and the Householder
    reflection that carries the first axis onto ``mean_direction``."""

    _param_event_ndims = {"mean_direction": 1, "concentration": 0}
    _param_constraints = {"concentration": "nonnegative"}

    _default_event_space_bijector = no_event_space_bijector

    def _init_direction(self, mean_direction, concentration, reparameterization_type, validate_args,
                        allow_nan_stats, parameters, name):
        owner = type(self).__name__
        dtype = internal.common_dtype([mean_direction, concentration])
        self._mean_direction = internal.as_param(mean_direction, "mean_direction", dtype, owner)
        self._concentration = internal.as_param(concentration, "concentration", dtype, owner)
        mu = self._mean_direction
        if mu.ndim < 1 or mu.shape[-1] < 2:
            raise ValueError(f"{owner}: argument `mean_direction` must be [..., d] with d >= 2, got shape "
                             f"{list(mu.shape)}")
        super().__init__(dtype, reparameterization_type, validate_args, allow_nan_stats, parameters, name)
        self._batch_shape()   # the parameters must broadcast: fail here, naming their shapes
        if validate_args:
            norm = wb.linalg.norm(wb.convert_to_tensor(mu), axis=-1)
            internal.assert_all(wb.math.abs(norm - 1.0) < 1e-5,
                                f"{owner}: argument `mean_direction` must be unit-length")

    @property
    def mean_direction(self):
        return self._mean_direction

    @property
    def concentration(self):
        return self._concentration

    def _dim(self):
        return int(self._mean_direction.shape[-1])

    def _event_shape(self):
        return (self._dim(),)

    def _reflect(self, y):
        """The Householder reflection taking the first axis to ``mean_direction``."""
        mu = wb.convert_to_tensor(self._mean_direction)
        u = wb.one_hot(0, self._dim(), dtype=self.dtype) - mu
        norm = wb.linalg.norm(u, axis=-1, keepdims=True)
        safe = wb.where(norm > 1e-12, norm, wb.ones_like(norm))
        u = wb.where(norm > 1e-12, u / safe, wb.zeros_like(u))
        return y - 2.0 * wb.reduce_sum(y * u, axis=-1, keepdims=True) * u


class VonMisesFisher(_OnSphere):
    """``VonMisesFisher(mean_direction, concentration)`` on the unit sphere in ``d`` dims
    (``mean_direction`` is ``[..., d]``, a unit vector): density ``C_d(k) exp(k mu^T x)`` with
    ``log C_d(k) = (d/2 - 1) log k - (d/2) log(2 pi) - log I_{d/2-1}(k)``; at ``k = 0`` the uniform
    density on the sphere. Draws use Wood's (1994) rejection sampler for ``w = mu^T x`` and a
    Householder reflection taking the first axis to ``mean_direction``.

    >>> VonMisesFisher([0., 0., 1.], concentration=2.).sample(3, seed=1).shape
    (3, 3)
    """

    def __init__(self, mean_direction, concentration, validate_args=False, allow_nan_stats=True,
                 name="VonMisesFisher"):
        parameters = dict(locals())
        self._init_direction(mean_direction, concentration, NOT_REPARAMETERIZED, validate_args, allow_nan_stats,
                             parameters, name)

    def _log_normalization(self):
        """``-log C_d(k)``: the log of the normalizing integral, finite at ``k = 0``."""
        d = self._dim()
        k = wb.convert_to_tensor(self._concentration)
        pos = k > 0
        safe = wb.where(pos, k, wb.ones_like(k))
        v = 0.5 * d - 1.0
        log_c = (v * wb.log(safe) - 0.5 * d * math.log(2.0 * math.pi)
                 - (wb.log(bessel_ive(wb.fill(safe.shape, np.asarray(v, dtype=self.dtype)), safe)) + safe))
        return wb.where(pos, -log_c, wb.zeros_like(k) + log_sphere_area(d))

    def _mean_resultant_length(self):
        """``A_d(k) = I_{d/2}(k) / I_{d/2-1}(k)``, the length of the mean; 0 at ``k = 0``."""
        d = self._dim()
        k = wb.convert_to_tensor(self._concentration)
        pos = k > 0
        safe = wb.where(pos, k, wb.ones_like(k))
        ratio = (bessel_ive(wb.fill(safe.shape, np.asarray(0.5 * d, dtype=self.dtype)), safe)
                 / bessel_ive(wb.fill(safe.shape, np.asarray(0.5 * d - 1.0, dtype=self.dtype)), safe))
        return wb.where(pos, ratio, wb.zeros_like(k))

    def _log_prob(self, x):
        k = wb.convert_to_tensor(self._concentration)
        dot = wb.reduce_sum(x * self._mean_direction, axis=-1)
        return k * dot - self._log_normalization()

    def _mean(self):
        return self._mean_resultant_length()[..., None] * self._mean_direction

    def _entropy(self):
        k = wb.convert_to_tensor(self._concentration)
        h = self._log_normalization() - k * self._mean_resultant_length()
        return h * wb.ones(self.batch_shape, dtype=self.dtype)

    def _sample_n(self, n, seed):
        d = self._dim()
        shape = (n,) + tuple(self.batch_shape)
        k = np.broadcast_to(np.asarray(wb.convert_to_tensor(self._concentration).numpy(), np.float64), shape)
        w = self._sample_w(k, d, seed, shape)
        w_t = wb.constant(w.astype(self.dtype))
        v_seed = internal.split_seed(seed, 2, salt="von_mises_fisher")[1]
        v = wb.random.stateless_normal(shape + (d - 1,), seed=v_seed, dtype=self.dtype)
        v = v / wb.linalg.norm(v, axis=-1, keepdims=True)
        x = wb.concat([w_t[..., None], wb.math.sqrt(wb.math.maximum(1.0 - w_t ** 2, 0.0))[..., None] * v], axis=-1)
        return self._reflect(x)

    def _sample_w(self, k, d, seed, shape):
        """``w = mu^T x`` by Wood's rejection sampler, in float64, rounds until every draw is accepted."""
        w = np.empty(shape)
        todo = np.ones(shape, bool)
        round_seed = internal.split_seed(seed, 2, salt="von_mises_fisher")[0]
        m = d - 1.0
        kk = np.maximum(k, 1e-300)
        b = m / (2.0 * kk + np.sqrt(4.0 * kk ** 2 + m ** 2))       # (-2k + sqrt(4k^2 + m^2)) / m, stably
        x0 = (1.0 - b) / (1.0 + b)
        c = kk * x0 + m * np.log(1.0 - x0 ** 2)
        for _ in range(1000):
            round_seed, z_seed, u_seed = internal.split_seed(round_seed, 3, salt="wood")
            z = wb.random.stateless_gamma(shape, seed=z_seed, alpha=wb.constant(np.full(shape, 0.5 * m)),
                                          dtype=np.float64).numpy()
            z2 = wb.random.stateless_gamma(shape, seed=internal.split_seed(z_seed, 1, salt="beta")[0],
                                           alpha=wb.constant(np.full(shape, 0.5 * m)), dtype=np.float64).numpy()
            z = z / (z + z2)                                                # Beta(m/2, m/2)
            u = wb.random.stateless_uniform(shape, seed=u_seed, dtype=np.float64).numpy()
            cand = (1.0 - (1.0 + b) * z) / (1.0 - (1.0 - b) * z)
            accept = kk * cand + m * np.log(1.0 - x0 * cand) - c >= np.log(u)
            take = todo & accept
            w[take] = cand[take]
            todo &= ~accept
            if not todo.any():
                break
        # k = 0: w is the first coordinate of a uniform point, which Wood's sampler gives as b -> 1
        return np.clip(w, -1.0, 1.0)


@RegisterKL(VonMisesFisher, SphericalUniform)
def _kl_vmf_spherical_uniform(a, b, name=None):
    if a.event_shape != b.event_shape:
        raise ValueError(f"kl_divergence(VonMisesFisher, SphericalUniform): event shapes {a.event_shape} and "
                         f"{b.event_shape} differ")
    # E_a[log a(x)] - log(1 / area) = area's log minus a's entropy
    return log_sphere_area(a.event_shape[0]) - a.entropy()
