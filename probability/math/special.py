"""TFP's special functions (``tfp.math``): log-space sums, Bessel functions, Owen's T,
``erfcinv``, ``lambertw``; the rest reuse ``wb.math``.

Values come from ``scipy.special`` (``cupyx.scipy.special`` on GPU); the gradients in ``x``
are written in closed form with ``wb.custom_gradient`` so they run on the tape.
"""

from __future__ import annotations

import math

import numpy as np

import workbench as wb

__all__ = ["log_add_exp", "log_sub_exp", "softplus_inverse", "lbeta", "bessel_ive", "bessel_kve",
           "owens_t", "erfcinv", "ndtri", "log_ndtr", "lambertw", "log1mexp"]

ndtri = wb.math.ndtri
log_ndtr = wb.math.log_ndtr
softplus_inverse = wb.math.softplus_inverse
log1mexp = wb.math.log1mexp

_SQRT2 = math.sqrt(2.0)


def _float_tensors(opname, *values):
    """Tensors of one floating dtype: that of the first tensor or array given, Python numbers follow it."""
    dtype = None
    for v in values:
        if isinstance(v, (wb.Tensor, np.ndarray, wb.Variable)):
            dtype = wb.convert_to_tensor(v).dtype
            break
    out = [wb.convert_to_tensor(v, dtype=dtype) if isinstance(v, (int, float)) and dtype is not None
           else wb.convert_to_tensor(v) for v in values]
    for t in out:
        if t.dtype not in (wb.float16, wb.float32, wb.float64):
            raise TypeError(f"{opname}: an argument has dtype {t.dtype}, expected a floating dtype")
    if len({t.dtype for t in out}) > 1:
        raise TypeError(f"{opname}: arguments have dtypes {[str(t.dtype) for t in out]}, expected one dtype")
    return out


def _scipy_call(fname, *ts):
    """Run ``scipy.special.<fname>`` on the tensors' arrays (on their device), in the first's dtype."""
    xp = ts[0].xp
    sp = wb.backend.scipy_special(xp)
    arrays = [t._data for t in ts]
    if hasattr(sp, fname):
        res = getattr(sp, fname)(*arrays)
    else:   # cupyx.scipy.special lacks this function: compute on the host, move the result back
        res = getattr(wb.backend.scipy_special(np), fname)(*[wb.backend.to_numpy(a) for a in arrays])
    if fname == "lambertw":
        res = res.real
    return wb.convert_to_tensor(xp.asarray(res).astype(arrays[-1].dtype, copy=False))


def log_add_exp(x, y, name=None):
    """``log(exp(x) + exp(y))``, computed as ``max + log1p(exp(-|x - y|))``."""
    x, y = _float_tensors("log_add_exp", x, y)
    larger = wb.maximum(x, y)
    return larger + wb.math.log1p(wb.exp(-wb.abs(x - y)))


def log_sub_exp(x, y, return_sign=False, name=None):
    """``log(|exp(x) - exp(y)|)``; with ``return_sign=True`` also ``sign(x - y)`` (1 where equal),
    as TFP does."""
    x, y = _float_tensors("log_sub_exp", x, y)
    larger = wb.maximum(x, y)
    smaller = wb.minimum(x, y)
    result = larger + log1mexp(wb.maximum(larger - smaller, wb.zeros_like(larger)))
    if return_sign:
        sign = wb.where(x >= y, wb.ones_like(x), -wb.ones_like(x))
        return result, sign
    return result


def _ive_fwd(v, z):
    return _scipy_call("ive", v, z)


@wb.custom_gradient
def _ive(v, z):
    ans = _ive_fwd(v, z)

    def grad(dy):
        # I_v'(z) = (I_{v-1} + I_{v+1}) / 2; the exp(-|z|) factor adds -sign(z) * ive
        dz = 0.5 * (_ive_fwd(v - 1.0, z) + _ive_fwd(v + 1.0, z)) - wb.sign(z) * ans
        return None, dy * dz
    return ans, grad


def bessel_ive(v, z, name=None):
    """The exponentially scaled modified Bessel function of the first kind, ``I_v(z) exp(-|z|)``.

    Differentiable in ``z`` (not in the order ``v``, as in TFP's default)."""
    v, z = _float_tensors("bessel_ive", v, z)
    both = v + z
    return _ive(v + wb.zeros_like(both), z + wb.zeros_like(both))


def _kve_fwd(v, z):
    return _scipy_call("kve", v, z)


@wb.custom_gradient
def _kve(v, z):
    ans = _kve_fwd(v, z)

    def grad(dy):
        # K_v'(z) = -(K_{v-1} + K_{v+1}) / 2; the exp(z) factor adds + kve
        dz = -0.5 * (_kve_fwd(v - 1.0, z) + _kve_fwd(v + 1.0, z)) + ans
        return None, dy * dz
    return ans, grad


def bessel_kve(v, z, name=None):
    """The exponentially scaled modified Bessel function of the second kind, ``K_v(z) exp(z)``.

    Differentiable in ``z`` (not in the order ``v``)."""
    v, z = _float_tensors("bessel_kve", v, z)
    both = v + z
    return _kve(v + wb.zeros_like(both), z + wb.zeros_like(both))


@wb.custom_gradient
def _owens_t(h, a):
    ans = _scipy_call("owens_t", h, a)

    def grad(dy):
        dh = -wb.exp(-0.5 * h * h) / math.sqrt(2.0 * math.pi) * 0.5 * wb.erf(a * h / _SQRT2)
        one_a2 = 1.0 + a * a
        da = wb.exp(-0.5 * h * h * one_a2) / (2.0 * math.pi * one_a2)
        return dy * dh, dy * da
    return ans, grad


def owens_t(h, a, name=None):
    """Owen's T function ``T(h, a) = 1/(2 pi) int_0^a exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx``."""
    h, a = _float_tensors("owens_t", h, a)
    both = h + a
    return _owens_t(h + wb.zeros_like(both), a + wb.zeros_like(both))


def erfcinv(z, name=None):
    """The inverse of ``erfc``: ``erfcinv(erfc(x)) = x``, computed as ``-ndtri(z / 2) / sqrt(2)``."""
    (z,) = _float_tensors("erfcinv", z)
    return -ndtri(0.5 * z) / _SQRT2


@wb.custom_gradient
def _lambertw(z):
    w = _scipy_call("lambertw", z)

    def grad(dy):
        # W'(z) = 1 / (exp(W) (1 + W)), finite at z = 0; W taken again through _lambertw so that a
        # tape around this backward pass sees it (second derivatives: W'' = -W'^2 (2 + W) / (1 + W))
        w_again = _lambertw(z)
        return dy / (wb.exp(w_again) * (1.0 + w_again))
    return w, grad


def lambertw(z, name=None):
    """The principal branch of the Lambert W function (``W(z) exp(W(z)) = z``), for ``z >= -1/e``."""
    (z,) = _float_tensors("lambertw", z)
    return _lambertw(z)



def lbeta(x, y=None, name=None):
    """``log(B(x, y)) = lgamma(x) + lgamma(y) - lgamma(x + y)`` as TFP's: with the smaller argument
    ``a`` and the larger ``b``, ``lgamma(a) + log_gamma_difference(a, b)``, and Stirling's form with
    the large terms cancelled by hand when both are 8 or more, so large arguments do not cancel
    two large lgammas. With one argument, TF's multivariate form over the last axis."""
    if y is None:
        return wb.math.lbeta(x)
    from .special_scaled import log_gamma_correction, log_gamma_difference  # it imports this module
    x, y = _float_tensors("lbeta", x, y)
    x_first = x <= y  # ties keep both arguments on the tape
    a, b = wb.where(x_first, x, y), wb.where(x_first, y, x)
    both_large = a >= 8.0
    eight = 8.0 * wb.ones_like(a)
    al, bl = wb.where(both_large, a, eight), wb.where(both_large, b, eight)
    # (a - 1/2) log(a / (a + b)) - b log1p(a / b) - log(b) / 2 + log(2 pi) / 2 + the corrections
    large = ((al - 0.5) * wb.log(al / (al + bl)) - bl * wb.math.log1p(al / bl) - 0.5 * wb.log(bl)
             + 0.5 * math.log(2.0 * math.pi) + log_gamma_correction(al) + log_gamma_correction(bl)
             - log_gamma_correction(al + bl))
    as_ = wb.where(both_large, wb.ones_like(a), a)
    small = wb.lgamma(as_) + log_gamma_difference(as_, wb.where(both_large, eight, b))
    return wb.where(both_large, large, small)
