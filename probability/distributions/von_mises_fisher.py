"""The von Mises-Fisher distribution on the unit sphere."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from ..internal import samplers
from ..math.special import bessel_ive
from .beta import Beta
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

    def _mode(self):
        return self._mean_direction * wb.ones(self.batch_shape + (1,), dtype=self.dtype)

    def _covariance(self):
        # E[x x^T] = (A / k) I + (1 - d A / k) mu mu^T (A / k -> 1 / d as k -> 0), less mean mean^T
        d = self._dim()
        k = wb.convert_to_tensor(self._concentration)
        a = self._mean_resultant_length()
        pos = k > 0
        a_over_k = wb.where(pos, a / wb.where(pos, k, wb.ones_like(k)), wb.zeros_like(k) + 1.0 / d)
        mu = self._mean_direction * wb.ones(self.batch_shape + (1,), dtype=self.dtype)
        outer = mu[..., :, None] * mu[..., None, :]
        eye = wb.eye(d, dtype=self.dtype)
        return (a_over_k[..., None, None] * eye
                + (1.0 - d * a_over_k - wb.square(a))[..., None, None] * outer)

    def _entropy(self):
        k = wb.convert_to_tensor(self._concentration)
        h = self._log_normalization() - k * self._mean_resultant_length()
        return h * wb.ones(self.batch_shape, dtype=self.dtype)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's draw: "von_mises_fisher" splits the seed into w = mu^T x (inversion in 3 dims,
        # Wood's rejection on Beta draws otherwise) and the tangent direction (normals)
        d = self._dim()
        shape = [n] + list(self.batch_shape)
        dim0_seed, other_seed = internal.split_seed(seed, salt="von_mises_fisher")
        k = wb.convert_to_tensor(self._concentration)
        if d == 3:
            w = self._sample_w_3d(k, shape, dim0_seed)
        else:
            w = self._sample_w_wood(k, d - 1.0, shape, dim0_seed)
        v = wb.math.l2_normalize(samplers.normal(shape + [d - 1], seed=other_seed, dtype=self.dtype), axis=-1)
        w = w[..., None]
        x = wb.math.l2_normalize(wb.concat([w, wb.sqrt(wb.maximum(1.0 - w ** 2, 0.0)) * v], axis=-1), axis=-1)
        # the Householder reflection taking the first axis to mean_direction
        mu = wb.convert_to_tensor(self._mean_direction)
        u = wb.math.l2_normalize(wb.one_hot(0, d, dtype=self.dtype) - mu, axis=-1)
        return wb.math.l2_normalize(x - 2.0 * wb.reduce_sum(x * u, axis=-1, keepdims=True) * u, axis=-1)

    def _sample_w_3d(self, k, shape, seed):
        """``w`` by inversion, ``1 + log(z + (1 - z) exp(-2k)) / k``, guarded at ``k = 0``, ``z = 0``."""
        z = samplers.uniform(shape, seed=seed, dtype=self.dtype)
        safe_k = wb.where(k > 0, k, wb.ones_like(k))
        safe_z = wb.where(z > 0, z, wb.ones_like(z))
        safe_w = 1.0 + wb.reduce_logsumexp(wb.stack([wb.math.log(safe_z), wb.math.log1p(-safe_z) - 2.0 * safe_k]),
                                           axis=0) / safe_k
        w = wb.where(k > 0.0, safe_w, 2.0 * z - 1.0)
        return wb.where(wb.equal(z, 0.0), -wb.ones_like(w), w)

    def _sample_w_wood(self, k, m, shape, seed):
        """``w`` by Wood's rejection sampler: rounds until every draw is accepted, each splitting
        its seed in three (Beta draw, uniform, next round), as TFP's loop."""
        b = m / (2.0 * k + wb.sqrt(4.0 * k ** 2 + m ** 2))
        x = (1.0 - b) / (1.0 + b)
        c = k * x + m * wb.math.log1p(-x ** 2)
        beta = Beta(wb.constant(m / 2.0, dtype=self.dtype), wb.constant(m / 2.0, dtype=self.dtype))
        w = wb.zeros(shape, dtype=self.dtype)
        todo = wb.ones(shape, dtype=wb.bool)
        for _ in range(_MAX_WOOD_ROUNDS):
            if not bool(wb.reduce_any(todo).numpy()):
                break
            beta_seed, unif_seed, seed = internal.split_seed(seed, 3)
            z = beta.sample(shape, seed=beta_seed)
            w = wb.where(todo, (1.0 - (1.0 + b) * z) / (1.0 - (1.0 - b) * z), w)
            unif = samplers.uniform(shape, seed=unif_seed, dtype=self.dtype)
            todo = todo & (k * w + m * wb.math.log1p(-x * w) - c < wb.math.log1p(-unif))
        return w


_MAX_WOOD_ROUNDS = 1000   # a bound on the rejection rounds (about 1.1 expected at any concentration)


@RegisterKL(VonMisesFisher, SphericalUniform)
def _kl_vmf_spherical_uniform(a, b, name=None):
    if a.event_shape != b.event_shape:
        raise ValueError(f"kl_divergence(VonMisesFisher, SphericalUniform): event shapes {a.event_shape} and "
                         f"{b.event_shape} differ")
    # E_a[log a(x)] - log(1 / area) = area's log minus a's entropy
    return log_sphere_area(a.event_shape[0]) - a.entropy()
