"""The normal-inverse Gaussian distribution (``loc``, ``scale``, ``tailweight``, ``skewness``)."""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

from .. import internal
from ..internal import samplers
from .distribution import FULLY_REPARAMETERIZED, Distribution

__all__ = ["NormalInverseGaussian"]


@wb.custom_gradient
def _log_bessel_k1(z):
    """``log K_1(z)`` for ``z > 0``; its derivative ``-K_0(z) / K_1(z) - 1 / z`` is written with ops
    that differentiate again."""
    k0e, k1e = wb.math.special.bessel_k0e, wb.math.special.bessel_k1e

    def grad(dy):
        return dy * (-k0e(z) / k1e(z) - 1.0 / z)
    return wb.log(k1e(z)) - z, grad


def _implicit_inverse_gaussian(shape, seed, uniform_seed, mu, lam):
    """InverseGaussian(mu, lam) draws (Michael, Schucany and Haas, 1976) whose gradient in ``mu`` and
    ``lam`` is the implicit one, ``-dF/dtheta / f`` at the draw (``F`` the CDF, ``f`` the density)."""
    m, l = wb.stop_gradient(mu), wb.stop_gradient(lam)
    w = m * wb.square(wb.random.stateless_normal(shape, seed=seed, dtype=mu.dtype))
    y = m * 2.0 * l / (2.0 * l + w + wb.sqrt(w * (4.0 * l + w)))
    u = wb.random.stateless_uniform(shape, seed=uniform_seed, dtype=mu.dtype)
    v = wb.stop_gradient(wb.where(u <= m / (m + y), y, wb.square(m) / y))
    root = wb.sqrt(lam / v)
    cdf = wb.math.ndtr(root * (v / mu - 1.0)) + wb.exp(2.0 * lam / mu + wb.math.log_ndtr(-root * (v / mu + 1.0)))
    log_density = 0.5 * (wb.log(l) - math.log(2.0 * math.pi) - 3.0 * wb.log(v)) - l * wb.square(v - m) / (
        2.0 * wb.square(m) * v)
    # the value stays v; the tape sees v - (F(v; theta) - F) / f
    return v - (cdf - wb.stop_gradient(cdf)) / wb.exp(log_density)


class NormalInverseGaussian(Distribution):
    """``NormalInverseGaussian(loc, scale, tailweight, skewness)``: ``X = loc + skewness V + sqrt(V) Z``
    with ``V ~ InverseGaussian(scale / gamma, scale**2)``, ``gamma = sqrt(tailweight**2 - skewness**2)``.
    The density is ``tailweight scale K_1(tailweight r) exp(scale gamma + skewness (x - loc)) / (pi r)``,
    ``r = sqrt(scale**2 + (x - loc)**2)`` (SciPy's ``norminvgauss(tailweight * scale, skewness * scale,
    loc, scale)``). Needs ``|skewness| < tailweight``.

    As TFP, only ``log_prob``, the mean and the variance are implemented. Samples are reparameterized
    (the inverse Gaussian mixing draw through its implicit gradient).

    >>> d = NormalInverseGaussian(loc=0.0, scale=1.0, tailweight=[1.0, 2.0], skewness=0.5)
    >>> d.batch_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"loc": 0, "scale": 0, "tailweight": 0, "skewness": 0}
    _param_constraints = {"scale": "positive", "tailweight": "positive"}

    def __init__(self, loc, scale, tailweight, skewness, validate_args=False, allow_nan_stats=True,
                 name="NormalInverseGaussian"):
        parameters = dict(locals())
        owner = "NormalInverseGaussian"
        dtype = internal.common_dtype([loc, scale, tailweight, skewness])
        self._loc = internal.as_param(loc, "loc", dtype, owner)
        self._scale = internal.as_param(scale, "scale", dtype, owner)
        self._tailweight = internal.as_param(tailweight, "tailweight", dtype, owner)
        self._skewness = internal.as_param(skewness, "skewness", dtype, owner)
        super().__init__(dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    def _check_parameters(self):
        super()._check_parameters()
        a, b = np.asarray(self._tailweight.numpy()), np.asarray(self._skewness.numpy())
        if not np.all(np.abs(b) < a):
            raise ValueError(f"NormalInverseGaussian: argument `skewness` must be smaller than `tailweight` in "
                             f"absolute value, got skewness={b!r}, tailweight={a!r}")

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    @property
    def tailweight(self):
        return self._tailweight

    @property
    def skewness(self):
        return self._skewness

    def _gamma(self):
        return wb.sqrt(wb.square(self._tailweight) - wb.square(self._skewness))

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        # TFP's flow: an InverseGaussian(scale / w, scale**2) draw (its own "inverse_gaussian"
        # salts) and a normal, split with "normal_inverse_gaussian"
        ig_seed, normal_seed = internal.split_seed(seed, 2, salt="normal_inverse_gaussian")
        shape = (n,) + tuple(self.batch_shape)
        w = self._tailweight * wb.exp(0.5 * wb.log1p(-wb.square(self._skewness / self._tailweight)))
        w = wb.broadcast_to(w, self.batch_shape)
        mu = self._scale / w
        lam = wb.square(self._scale) + wb.zeros(self.batch_shape, dtype=self.dtype)
        ig_seed = internal.sanitize_seed(ig_seed, salt="inverse_gaussian")
        ig_normal_seed, ig_uniform_seed = internal.split_seed(ig_seed, 2, salt="inverse_gaussian")
        v = _implicit_inverse_gaussian(shape, ig_normal_seed, ig_uniform_seed, mu, lam)
        z = samplers.normal(shape, dtype=self.dtype, seed=normal_seed)
        return self._loc + wb.sqrt(v) * (self._skewness * wb.sqrt(v) + z)

    def _log_prob(self, x):
        a, b, d = self._tailweight, self._skewness, self._scale
        y = x - self._loc
        r = wb.sqrt(wb.square(d) + wb.square(y))
        return (wb.log(a) + wb.log(d) + _log_bessel_k1(a * r) - math.log(math.pi) - wb.log(r)
                + d * self._gamma() + b * y)

    def _mean(self):
        return self._loc + self._scale * self._skewness / self._gamma()

    def _variance(self):
        g = self._gamma()
        return self._scale * wb.square(self._tailweight) / (g * wb.square(g)) + wb.zeros_like(self._loc)
