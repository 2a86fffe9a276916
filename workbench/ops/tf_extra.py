"""TF API functions the topic modules do not hold: the special functions of ``tf.math.special``
(Bessel, Dawson, exponential integral, Fresnel, Spence), ``erfcinv``, ``conj``, counting and
ordering helpers of ``tf.math`` (``bincount``, ``polyval``, ``in_top_k``, ...) and a few
top-level ones (``ensure_shape``, ``get_static_value``, ``bitcast``, ``histogram_fixed_width``,
``edit_distance``, broadcast shapes, the TF-level initializers and enums).

The special functions are ops with reverse and forward rules (TF's derivatives), so tapes,
``wb.function`` and second derivatives see them.
"""

from __future__ import annotations

import builtins
import logging
import warnings
import math

import numpy as np

from .. import backend, core, dtypes as _dtypes
from ..core import Tensor, apply, convert_to_tensor, defop
from ..errors import InvalidArgumentError
from ..tensor_shape import TensorShape
from ._define import unary
from .elementwise import (
    add_n, cast, cos, divide_no_nan, exp, is_inf, log, maximum, multiply, negative, reciprocal, sign, sin,
    where, zeros_like,
)
from .reduce import reduce_sum
from .indexing import gather
from .shape import reshape, transpose

# ---------------------------------------------------------------------------
# special functions: elementwise ops of one floating tensor


def _sp(xp):
    return backend.scipy_special(xp)


def _scipy_fwd(fname):
    def fwd(xp, x):
        # scipy has no half-precision kernels: compute in float32 and round back
        arg = x.astype(np.float32) if x.dtype == np.float16 else x
        return getattr(_sp(xp), fname)(arg).astype(x.dtype, copy=False)
    fwd.__name__ = fname
    return fwd


def _special(name, fname, deriv, domain="real", fwd=None):
    """An op computing ``scipy.special.<fname>`` (or ``fwd``) whose derivative is ``deriv(x, ans)``
    (Tensors)."""
    return unary(name, fwd or _scipy_fwd(fname),
                 vjp=lambda g, ans, x: (g * deriv(x, ans),),
                 jvp=lambda ts, ans, x: ts[0] * deriv(x, ans), domain=domain)


def _d_i1(x, ans):
    # TF's BesselI1 gradient: 1 (not the limit 0.5) at 0; the unpicked i0(x) - y / x is NaN
    # there, so the second derivative at 0 is NaN as in TF
    return where(x == 0, 1.0, bessel_i0(x) - ans / x)


def _d_i1e(x, ans):
    return where(x == 0, 0.5, bessel_i0e(x) - ans * (sign(x) + reciprocal(x)))


def _d_j1(x, ans):
    return where(x == 0, 0.5, bessel_j0(x) - ans / x)


def _below_zero(value, fname):
    """scipy's ``fname`` with TF's ``value`` for x < 0 (Bessel functions of the second kind)."""
    base = _scipy_fwd(fname)

    def fwd(xp, x):
        return xp.where(x < 0, xp.asarray(value, x.dtype), base(xp, x))
    fwd.__name__ = fname
    return fwd


def _y1_fwd(xp, x):
    out = _below_zero(-np.inf, "y1")(xp, x)
    if x.dtype.itemsize <= 4:   # TF's single-precision kernel gives NaN at 0 (its float64 one -inf)
        out = xp.where(x == 0, xp.asarray(np.nan, out.dtype), out)
    return out


def _expint_fwd(xp, x):
    # TF: Ei is NaN for x < 0 and at +inf
    out = _scipy_fwd("expi")(xp, x)
    return xp.where((x < 0) | (x == np.inf), xp.asarray(np.nan, x.dtype), out)


bessel_i0 = _special("bessel_i0", "i0", lambda x, ans: bessel_i1(x))
bessel_i0e = _special("bessel_i0e", "i0e", lambda x, ans: bessel_i1e(x) - sign(x) * ans)
bessel_i1 = _special("bessel_i1", "i1", _d_i1)
bessel_i1e = _special("bessel_i1e", "i1e", _d_i1e)
bessel_j0 = _special("bessel_j0", "j0", lambda x, ans: -bessel_j1(x))
bessel_j1 = _special("bessel_j1", "j1", _d_j1)
bessel_y0 = _special("bessel_y0", "y0", lambda x, ans: -bessel_y1(x), domain="positive",
                     fwd=_below_zero(-np.inf, "y0"))
bessel_y1 = _special("bessel_y1", "y1", lambda x, ans: bessel_y0(x) - ans / x, domain="positive",
                     fwd=_y1_fwd)
bessel_k0 = _special("bessel_k0", "k0", lambda x, ans: -bessel_k1(x), domain="positive",
                     fwd=_below_zero(np.inf, "k0"))
bessel_k0e = _special("bessel_k0e", "k0e", lambda x, ans: ans - bessel_k1e(x), domain="positive",
                      fwd=_below_zero(np.inf, "k0e"))
bessel_k1 = _special("bessel_k1", "k1", lambda x, ans: -bessel_k0(x) - ans / x, domain="positive",
                     fwd=_below_zero(np.inf, "k1"))
bessel_k1e = _special("bessel_k1e", "k1e", lambda x, ans: ans * (1.0 - reciprocal(x)) - bessel_k0e(x),
                      domain="positive", fwd=_below_zero(np.inf, "k1e"))
dawsn = _special("dawsn", "dawsn", lambda x, ans: 1.0 - 2.0 * x * ans)
expint = _special("expint", "expi", lambda x, ans: exp(x) / x, domain="nonzero", fwd=_expint_fwd)


def _fresnel_part(k):
    def fwd(xp, x):
        arg = x.astype(np.float32) if x.dtype == np.float16 else x
        return _sp(xp).fresnel(arg)[k].astype(x.dtype, copy=False)   # scipy's is (S, C)
    return fwd


fresnel_cos = _special("fresnel_cos", "fresnel", lambda x, ans: cos(0.5 * math.pi * x * x),
                       fwd=_fresnel_part(1))
fresnel_sin = _special("fresnel_sin", "fresnel", lambda x, ans: sin(0.5 * math.pi * x * x),
                       fwd=_fresnel_part(0))


def _d_spence(x, ans):
    # TF's: log(x) / (1 - x), -1 at x == 1 (the unpicked 0 / 0 makes the second derivative NaN)
    return where(x == 1, -1.0, log(x) / (1.0 - x))


spence = _special("spence", "spence", _d_spence, domain="positive")

_SQRT_PI_2 = math.sqrt(math.pi) / 2.0


def _erfcinv_jvp(t, ans):
    # TF's erfcinv is -ndtri(x / 2) * sqrt(1/2): its forward mode gives the constant factor a zero
    # tangent, and 0 times the infinite -ndtri at x = 0 and 2 makes the tangent NaN there
    d = t * (-_SQRT_PI_2) * exp(ans * ans)
    return where(is_inf(ans), zeros_like(d) + math.nan, d)


erfcinv = unary("erfcinv",
                lambda xp, x: (_sp(xp).ndtri(x * 0.5) * (-1.0 / math.sqrt(2.0))).astype(x.dtype, copy=False),
                vjp=lambda g, ans, x: (g * (-_SQRT_PI_2) * exp(ans * ans),),
                jvp=lambda ts, ans, x: _erfcinv_jvp(ts[0], ans))
erfcinv.__doc__ = ("The inverse of the complementary error function (TF's ``tf.math.erfcinv``): "
                   "``erfc(erfcinv(x)) == x`` for ``x`` in [0, 2].")

for _fn, _what in [
        (bessel_i0, "the modified Bessel function of the first kind of order 0"),
        (bessel_i0e, "the exponentially scaled modified Bessel function of order 0, ``exp(-|x|) i0(x)``"),
        (bessel_i1, "the modified Bessel function of the first kind of order 1"),
        (bessel_i1e, "the exponentially scaled modified Bessel function of order 1, ``exp(-|x|) i1(x)``"),
        (bessel_j0, "the Bessel function of the first kind of order 0"),
        (bessel_j1, "the Bessel function of the first kind of order 1"),
        (bessel_y0, "the Bessel function of the second kind of order 0"),
        (bessel_y1, "the Bessel function of the second kind of order 1"),
        (bessel_k0, "the modified Bessel function of the second kind of order 0"),
        (bessel_k0e, "the exponentially scaled modified Bessel function of the second kind, ``exp(x) k0(x)``"),
        (bessel_k1, "the modified Bessel function of the second kind of order 1"),
        (bessel_k1e, "the exponentially scaled modified Bessel function of the second kind, ``exp(x) k1(x)``"),
        (dawsn, "Dawson's integral ``exp(-x^2) * integral_0^x exp(t^2) dt``"),
        (expint, "the exponential integral ``Ei(x)``"),
        (fresnel_cos, "the Fresnel cosine integral ``integral_0^x cos(pi t^2 / 2) dt``"),
        (fresnel_sin, "the Fresnel sine integral ``integral_0^x sin(pi t^2 / 2) dt``"),
        (spence, "Spence's function (the dilogarithm) ``integral_1^x log(t) / (1 - t) dt``, for x >= 0")]:
    _fn.__doc__ = f"Elementwise {_what} (TF's ``tf.math.special.{_fn.__name__}``)."

SPECIAL_NAMES = ("bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e", "bessel_j0", "bessel_j1",
                 "bessel_k0", "bessel_k0e", "bessel_k1", "bessel_k1e", "bessel_y0", "bessel_y1",
                 "dawsn", "expint", "fresnel_cos", "fresnel_sin", "spence")


# ---------------------------------------------------------------------------
# conj


# complex gradients follow TF's convention (the walk conjugates holomorphic ops' rules; these
# rules are TF's as written: see gradients.walk.COMPLEX_AS_WRITTEN)
_conj_op = defop("conj", lambda xp, x: xp.conj(x),
                 vjp=lambda g, ans, x: (conj(g),), jvp=lambda ts, ans, x: conj(ts[0]), dtypes="float")


def _real_dtype(dtype):
    return np.dtype(dtype).type(0).real.dtype


def _as_complex(g, dtype):
    """Real ``g`` as the complex ``dtype`` (imaginary part 0)."""
    return cast(g, dtype)


_real_op = defop("real", lambda xp, x: xp.real(x).copy(),
                 vjp=lambda g, ans, x: (_as_complex(g, x._data.dtype),),   # TF: complex(g, 0)
                 jvp=lambda ts, ans, x: real(ts[0]), dtypes="float")
_imag_op = defop("imag", lambda xp, x: xp.imag(x).copy(),
                 vjp=lambda g, ans, x: (multiply(_as_complex(g, x._data.dtype), 1j),),   # complex(0, g)
                 jvp=lambda ts, ans, x: imag(ts[0]), dtypes="float")


def _angle_vjp(g, ans, x):
    # TF's _AngleGrad: -complex(g, 0) / complex(imag(x), real(x))
    swapped = _complex_of(imag(x), real(x))
    return (negative(_as_complex(g, x._data.dtype)) * reciprocal(swapped),)


def _angle_jvp(ts, ans, x):
    # d angle = Im(dz / z), as the transpose of TF's rule: -real(dz * conj(1 / complex(imag, real)))
    # (NaN at z = 0, as TF's)
    return negative(real(ts[0] * conj(reciprocal(_complex_of(imag(x), real(x))))))


_angle_op = defop("angle", lambda xp, x: xp.angle(x), vjp=_angle_vjp, jvp=_angle_jvp, dtypes="float")


def _complex_of(re, im):
    return apply(_complex_op, (re, im))


_complex_op = defop("complex", lambda xp, re, im: (re + 1j * im).astype(
                        np.complex128 if re.dtype == np.float64 else np.complex64, copy=False),
                    vjp=lambda g, ans, re, im: (real(g), imag(g)),   # TF's _ComplexGrad
                    jvp=lambda ts, ans, re, im: _complex_of(
                        zeros_like(re) if ts[0] is None else ts[0], zeros_like(im) if ts[1] is None else ts[1]),
                    broadcasts=True, dtypes="real")


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def complex(real, imag, name=None):   # noqa: A001 - TF's name
    """``real + 1j * imag`` (TF's ``tf.complex``): float32 parts give complex64, float64 parts
    complex128; differentiable in both parts."""
    re, im = convert_to_tensor(real), convert_to_tensor(imag)
    if re.dtype != im.dtype:
        raise TypeError(f"complex: real has dtype {re.dtype}, imag has {im.dtype}; they must be the same")
    if re._data.dtype not in (np.float32, np.float64):
        raise TypeError(f"complex: real and imag must be float32 or float64, got {re.dtype}")
    try:
        np.broadcast_shapes(re.shape, im.shape)
    except ValueError:
        raise ValueError(f"complex: shapes real={re.shape} and imag={im.shape} are not broadcast-compatible") from None
    return _complex_of(re, im)


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def conj(x, name=None):
    """The complex conjugate of ``x``; a real tensor comes back unchanged (TF's ``tf.math.conj``).
    Differentiable (TF's gradient: the conjugate of the incoming one).

    >>> wb.math.conj(wb.constant([1 + 2j])).numpy()
    array([1.-2.j])
    """
    x = convert_to_tensor(x)
    if x.dtype.kind == "c":
        return apply(_conj_op, (x,))
    if x.dtype.kind in "fiu":
        return x
    raise TypeError(f"conj: x has dtype {x.dtype}, expected a numeric dtype")


# ---------------------------------------------------------------------------
# tf.math helpers


def _int_dtype(dtype, argname, opname):
    d = _dtypes.as_dtype(dtype)
    if np.dtype(_dtypes.np_dtype(d)).kind not in "iuf":
        raise TypeError(f"{opname}: {argname} must be a numeric dtype, got {d}")
    return d


@core.dispatchable
def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=_dtypes.int32, name=None,
             axis=None, binary_output=False):
    """Counts of each value in the non-negative integer tensor ``arr`` (TF's ``tf.math.bincount``).

    The output has ``max(max(arr) + 1, minlength)`` bins (at most ``maxlength``; larger values are
    dropped). ``weights`` (same shape as ``arr``) sum instead of counting ones, and then give the
    output dtype. ``axis=None`` counts over all of ``arr``; ``axis=-1`` counts each row of a
    2-D ``arr`` separately. ``binary_output`` marks presence with 1.

    >>> wb.math.bincount(wb.constant([1, 1, 2, 3, 2, 4, 4, 5])).numpy()
    array([0, 2, 2, 1, 2, 1], dtype=int32)
    """
    a = convert_to_tensor(arr)
    if a.dtype.kind not in "iu":
        raise TypeError(f"bincount: arr has dtype {a.dtype}, expected an integer dtype")
    # in a trace, TF knows the number of bins only from known values (a constant arr)
    sized = not core.tracing() or _known_values(a, minlength, maxlength)
    values = np.asarray(a.numpy())
    if values.size and values.min() < 0:
        raise InvalidArgumentError(f"bincount: arr holds a negative value ({int(values.min())}); "
                                   "values must be non-negative")
    if axis not in (None, 0, -1):
        raise ValueError(f"bincount: axis must be None, 0 or -1, got {axis!r}")
    if axis in (None, 0) and values.ndim > 1:
        values = values.reshape(-1)
    w = None
    if weights is not None:
        if binary_output:
            raise ValueError("bincount: arguments binary_output and weights are mutually exclusive")
        wt = convert_to_tensor(weights)
        w = np.asarray(wt.numpy())
        if w.shape != a.shape:
            raise ValueError(f"bincount: weights has shape {wt.shape}, expected arr's shape {a.shape}")
        w = w.reshape(values.shape)
        out_dtype = wt.dtype
    else:
        out_dtype = _int_dtype(dtype, "dtype", "bincount")
    size = int(values.max()) + 1 if values.size else 0
    if minlength is not None:
        size = max(size, int(minlength))
    if maxlength is not None:
        size = min(size, int(maxlength))
    np_out = np.dtype(_dtypes.np_dtype(out_dtype))
    rows = values if values.ndim == 2 else values[None]
    wrows = None if w is None else (w if w.ndim == 2 else w[None])
    out = np.zeros((rows.shape[0], size), dtype=np_out)
    for r in range(rows.shape[0]):
        keep = rows[r] < size
        idx = rows[r][keep]
        if binary_output:
            out[r, idx] = 1
        else:
            np.add.at(out[r], idx, 1 if wrows is None else wrows[r][keep].astype(np_out))
    if values.ndim != 2:
        out = out[0]
    out = convert_to_tensor(out)
    return out if sized else core.static_result(out, (None,) * out.ndim)


def _known_values(*values):
    """Whether TF's shape inference knows every entry of each of ``values`` (None: nothing to
    know), in a trace."""
    for v in values:
        if isinstance(v, Tensor):
            if not v._static_shape().is_fully_defined():
                return False
            known = core.static_value(v if v.ndim < 2 else reshape(v, [-1]))
            if known is None or (isinstance(known, tuple) and None in known):
                return False
    return True


def polyval(coeffs, x, name=None):
    """``coeffs[0] * x**(n-1) + ... + coeffs[n-1]`` by Horner's rule (TF's ``tf.math.polyval``);
    ``coeffs`` is a list of tensors, each broadcasting with ``x``. Differentiable in both.

    >>> wb.math.polyval([2, 1, 0], 3).numpy()
    np.int32(21)
    """
    if isinstance(coeffs, Tensor) or not isinstance(coeffs, (list, tuple)):
        raise ValueError(f"polyval: coeffs must be a list of tensors, got {type(coeffs).__name__}")
    x = convert_to_tensor(x)
    if not coeffs:
        return core.convert_to_tensor(np.zeros(x.shape, dtype=_dtypes.np_dtype(x.dtype)))
    p = convert_to_tensor(coeffs[0], dtype=x.dtype)
    for c in coeffs[1:]:
        p = p * x + convert_to_tensor(c, dtype=x.dtype)
    return p


def in_top_k(targets, predictions, k, name=None):
    """Whether ``targets[i]`` is among the ``k`` largest of ``predictions[i]`` (TF's
    ``tf.math.in_top_k``): ties at the k-th value count as in; a row holding a non-finite
    prediction, or a target out of range, gives False.

    >>> wb.math.in_top_k([0, 1], [[1.0, 3.0, 2.0], [0.0, 5.0, 1.0]], 2).numpy()
    array([False,  True])
    """
    t = convert_to_tensor(targets)
    p = convert_to_tensor(predictions)
    if t.dtype.kind not in "iu":
        raise TypeError(f"in_top_k: targets has dtype {t.dtype}, expected int32 or int64")
    if p.ndim != 2:
        raise ValueError(f"in_top_k: predictions must be a matrix, got shape {p.shape}")
    if t.shape != (p.shape[0],):
        raise ValueError(f"in_top_k: targets has shape {t.shape}, expected ({p.shape[0]},) to match "
                         f"predictions of shape {p.shape}")
    tv, pv, k = np.asarray(t.numpy()), np.asarray(p.numpy()), int(k)
    out = np.zeros(tv.shape, dtype=bool)
    for i, target in enumerate(tv):
        row = pv[i]
        if not (0 <= target < row.shape[0]) or not np.all(np.isfinite(row)):
            continue
        out[i] = int(np.sum(row > row[target])) < k
    out = convert_to_tensor(out)
    if core.tracing():   # TF's static shape: the rows either argument knows
        ts, ps = t._static_shape(), p._static_shape()
        rows = (ts[0] if ts.rank else None) or (ps[0] if ps.rank else None)
        core.static_result(out, (rows,))
    return out


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def scalar_mul(scalar, x, name=None):
    """``scalar * x`` for a scalar ``scalar`` (TF's ``tf.math.scalar_mul``); an ``IndexedSlices``
    ``x`` stays one, its values scaled."""
    s = convert_to_tensor(scalar)
    if s.ndim != 0:
        raise ValueError(f"scalar_mul: scalar must be a 0-D tensor, got shape {s.shape}")
    from ..sparse import IndexedSlices   # the sparse package imports the ops: import late
    if isinstance(x, IndexedSlices):
        return IndexedSlices(scalar_mul(s, x.values), x.indices, x.dense_shape)
    x = convert_to_tensor(x)
    return convert_to_tensor(scalar, dtype=x.dtype) * x


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """The elementwise sum of the tensors in ``inputs`` (TF's ``tf.math.accumulate_n``), which must
    share one shape and dtype; ``shape`` and ``tensor_dtype`` are checked when given."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError(f"accumulate_n: inputs must be a non-empty list of tensors, got {inputs!r}")
    ts = [convert_to_tensor(v) for v in inputs]
    for t in ts[1:]:
        if t.shape != ts[0].shape:
            raise ValueError(f"accumulate_n: inputs must have one shape, got {ts[0].shape} and {t.shape}")
        if t.dtype != ts[0].dtype:
            raise TypeError(f"accumulate_n: inputs must have one dtype, got {ts[0].dtype} and {t.dtype}")
    if shape is not None and not TensorShape(shape).is_compatible_with(ts[0].shape):
        raise ValueError(f"accumulate_n: shape {TensorShape(shape)} does not match the inputs' "
                         f"shape {ts[0].shape}")
    if tensor_dtype is not None and _dtypes.as_dtype(tensor_dtype) != ts[0].dtype:
        raise TypeError(f"accumulate_n: tensor_dtype {_dtypes.as_dtype(tensor_dtype)} does not match "
                        f"the inputs' dtype {ts[0].dtype}")
    return add_n(ts)


def _monotone(x, opname, strict):
    x = convert_to_tensor(x)
    if x.dtype.kind not in "iuf":
        raise TypeError(f"{opname}: x has dtype {x.dtype}, expected a real numeric dtype")
    v = np.asarray(x.numpy()).reshape(-1)
    d = np.diff(v)
    return convert_to_tensor(np.bool_(np.all(d > 0) if strict else np.all(d >= 0)))


def is_non_decreasing(x, name=None):
    """Whether ``x``, flattened, never decreases (True for fewer than two entries)."""
    return _monotone(x, "is_non_decreasing", False)


def is_strictly_increasing(x, name=None):
    """Whether ``x``, flattened, always increases (True for fewer than two entries)."""
    return _monotone(x, "is_strictly_increasing", True)


# ---------------------------------------------------------------------------
# top-level helpers


def _shape_text(dims):
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def _ensure_fwd(xp, x, shape):
    have = x.shape
    if core.tracing() and len(have) == len(shape):
        # a trace from a TensorSpec runs on stand-ins of size 1 where the spec leaves a size
        # open: such a size is checked by the replays, which run this forward on real values
        have = tuple(None if h == 1 else h for h in have)
    if not TensorShape(shape).is_compatible_with(TensorShape(have)):
        raise InvalidArgumentError(None, None, f"Shape of tensor input {_shape_text(x.shape)} is not "
                                   f"compatible with expected shape {_shape_text(shape)}.")
    return x


_ensure_op = defop("ensure_shape", _ensure_fwd,
                   vjp=lambda g, ans, x, shape: (g,),
                   jvp=lambda ts, ans, x, shape: ts[0], dtypes="any")


def ensure_shape(x, shape, name=None):
    """``x``, after checking its shape is compatible with ``shape`` (``None`` for an unknown
    dimension; TF's ``InvalidArgumentError`` otherwise). Inside ``wb.function`` the check runs
    on every call. The gradient passes through.

    >>> wb.ensure_shape(wb.zeros([2, 3]), [None, 3]).shape
    TensorShape([2, 3])
    """
    want = shape if isinstance(shape, TensorShape) else TensorShape(shape)
    if want.rank is None:
        return convert_to_tensor(x)
    t = convert_to_tensor(x)
    shown = getattr(t, "_shown", {}).get(id(t)) if core.tracing() else None
    if shown is not None and shown[1] is not None and not want.is_compatible_with(TensorShape(shown[1])):
        raise ValueError(f"ensure_shape: x has shape {TensorShape(shown[1])}, which is not "
                         f"compatible with {want}")
    return apply(_ensure_op, (t,), {"shape": tuple(want.as_list())})


def is_tensor(x):
    """TF's ``tf.is_tensor``: True for a Tensor or Variable and for the tensor-like composites
    (RaggedTensor, SparseTensor, IndexedSlices); False for NumPy arrays, Python values, datasets,
    ExtensionType values and StructuredTensors (as in TF 2.21)."""
    return isinstance(x, Tensor) or bool(getattr(type(x), "_is_tensor_like", False))


def get_static_value(tensor, partial=False):
    """``tensor``'s value as a NumPy array when it is a constant (an eager tensor); None for a
    variable, whose value can change."""
    if isinstance(tensor, core.Variable):
        return None
    if isinstance(tensor, Tensor):
        return tensor.numpy()
    if isinstance(tensor, (np.ndarray, np.generic, int, float, bool, builtins.complex, list, tuple)):
        return np.asarray(tensor)
    raise TypeError(f"get_static_value: tensor must be a Tensor, got {type(tensor).__name__}")


def _shape_values(s, argname, opname):
    if isinstance(s, TensorShape):
        return s
    t = convert_to_tensor(s)
    if t.ndim != 1 or t.dtype.kind not in "iu":
        raise ValueError(f"{opname}: {argname} must be a 1-D integer shape, got {s!r}")
    return [int(v) for v in t.numpy()]


def _broadcast_dims(xs, ys, opname):
    a, b = list(xs), list(ys)
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    out = []
    for da, db in zip(a, b):
        if da == 1:
            out.append(db)
        elif db == 1 or da == db:
            out.append(da)
        elif da is None or db is None:
            out.append(da if db is None else db)
        else:
            if opname == "broadcast_dynamic_shape":
                raise InvalidArgumentError(None, None, f"Incompatible shapes: {_shape_text(xs)} vs. "
                                           f"{_shape_text(ys)}")
            raise ValueError("Incompatible shapes for broadcasting. Two shapes are compatible if for "
                             "each dimension pair they are either equal or one of them is 1. Received: "
                             f"{tuple(xs)} and {tuple(ys)}.")
    return out


def broadcast_dynamic_shape(shape_x, shape_y):
    """The shape two shapes (1-D integer tensors or lists) broadcast to, as an int32 tensor
    (int64 when an input is int64).

    >>> wb.broadcast_dynamic_shape((1, 2, 3), (5, 1, 3)).numpy()
    array([5, 2, 3], dtype=int32)
    """
    xs = _shape_values(shape_x, "shape_x", "broadcast_dynamic_shape")
    ys = _shape_values(shape_y, "shape_y", "broadcast_dynamic_shape")
    wide = any(isinstance(s, Tensor) and s.dtype == np.int64 for s in (shape_x, shape_y))
    dims = _broadcast_dims(xs, ys, "broadcast_dynamic_shape")
    return convert_to_tensor(np.array(dims, dtype=np.int64 if wide else np.int32))


def broadcast_static_shape(shape_x, shape_y):
    """The ``TensorShape`` two ``TensorShape``s broadcast to (``None`` for an unknown dimension);
    ``ValueError`` when they cannot broadcast."""
    for arg, v in (("shape_x", shape_x), ("shape_y", shape_y)):
        if not isinstance(v, TensorShape):
            raise TypeError(f"broadcast_static_shape: {arg} must be a TensorShape, got {type(v).__name__}")
    if shape_x.rank is None or shape_y.rank is None:
        return TensorShape(None)
    return TensorShape(_broadcast_dims(shape_x.as_list(), shape_y.as_list(), "broadcast_static_shape"))


_BITCAST_KINDS = "fiuc"


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def bitcast(input, type, name=None):
    """The bytes of ``input`` read as dtype ``type`` without conversion (TF's ``tf.bitcast``):
    a narrower ``type`` adds a last dimension of ``itemsize ratio``, a wider one consumes a last
    dimension of that size. Little-endian byte order, as TF on every common machine.

    >>> wb.bitcast(wb.constant(0xffffffff, dtype=wb.uint32), wb.uint8).numpy()
    array([255, 255, 255, 255], dtype=uint8)
    """
    x = convert_to_tensor(input)
    target = _dtypes.as_dtype(type)
    src, dst = np.dtype(_dtypes.np_dtype(x.dtype)), np.dtype(_dtypes.np_dtype(target))
    # x.dtype and target are DTypes: bfloat16's kind is "f" there (NumPy's is "V")
    if x.dtype.kind not in _BITCAST_KINDS or target.kind not in _BITCAST_KINDS:
        raise TypeError(f"bitcast: cannot bitcast from {x.dtype} to {target}; both must be numeric "
                        "(not bool or string)")
    a = np.array(x.numpy(), order="C")
    if src.itemsize == dst.itemsize:
        out = a.view(dst)
    elif src.itemsize > dst.itemsize:
        out = a.reshape(a.shape + (1,)).view(dst)
    else:
        ratio = dst.itemsize // src.itemsize
        if a.ndim == 0 or a.shape[-1] != ratio:
            raise InvalidArgumentError(None, None, f"Cannot bitcast from {_dtypes.as_dtype(x.dtype).as_datatype_enum} "
                                       f"to {target.as_datatype_enum}")
        out = a.view(dst).reshape(a.shape[:-1])
    return convert_to_tensor(np.array(out))


def _hist_setup(values, value_range, nbins, opname):
    v = convert_to_tensor(values)
    if v.dtype.kind not in "iuf":
        raise TypeError(f"{opname}: values has dtype {v.dtype}, expected a real numeric dtype")
    r = convert_to_tensor(value_range, dtype=v.dtype)
    if r.shape != (2,):
        raise ValueError(f"{opname}: value_range must have shape (2,), got {r.shape}")
    n = int(convert_to_tensor(nbins).numpy())
    if n <= 0:
        raise InvalidArgumentError(None, None, f"{opname}: nbins should be a positive number, but got '{n}'")
    lo, hi = (float(u) for u in np.asarray(r.numpy()))
    if not lo < hi:
        raise InvalidArgumentError(None, None, f"{opname}: value_range should satisfy "
                                   f"value_range[0] < value_range[1], but got '[{lo}, {hi}]'")
    x = np.asarray(v.numpy()).astype(np.float64)
    # TF: floor((x - lo) / (hi - lo) * nbins), clipped to the first and last bins
    idx = np.floor((x - lo) / (hi - lo) * n)
    idx = np.clip(np.nan_to_num(idx, nan=0.0), 0, n - 1).astype(np.int64)
    return idx, n


def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=_dtypes.int32, name=None):
    """The bin of each of ``values`` among ``nbins`` equal bins over ``value_range`` (values
    below go to bin 0, above to the last), shaped as ``values``."""
    idx, _ = _hist_setup(values, value_range, nbins, "histogram_fixed_width_bins")
    d = _int_dtype(dtype, "dtype", "histogram_fixed_width_bins")
    return convert_to_tensor(idx.astype(_dtypes.np_dtype(d)))


def histogram_fixed_width(values, value_range, nbins=100, dtype=_dtypes.int32, name=None):
    """Counts of ``values`` in ``nbins`` equal bins over ``value_range`` (values outside go to the
    first or last bin).

    >>> wb.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15], [0.0, 5.0], nbins=5).numpy()
    array([2, 1, 1, 0, 2], dtype=int32)
    """
    idx, n = _hist_setup(values, value_range, nbins, "histogram_fixed_width")
    d = _int_dtype(dtype, "dtype", "histogram_fixed_width")
    return convert_to_tensor(np.bincount(idx.reshape(-1), minlength=n).astype(_dtypes.np_dtype(d)))


def _levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ai in enumerate(a, 1):
        cur = [i]
        for j, bj in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai != bj)))
        prev = cur
    return prev[-1]


def edit_distance(hypothesis, truth, normalize=True, name="edit_distance"):
    """The Levenshtein distance between the sequences of two ``SparseTensor``s of rank R (each
    sequence runs along the last dimension), as a float32 tensor of rank R - 1 whose shape is the
    larger of the two leading shapes. ``normalize`` divides by the truth's length (an empty truth
    gives inf, or 0 when the hypothesis is empty too).

    >>> h = wb.SparseTensor([[0, 0]], ["a"], [1, 1])
    >>> t = wb.SparseTensor([[0, 0], [0, 1]], ["a", "b"], [1, 2])
    >>> wb.edit_distance(h, t).numpy()
    array([0.5], dtype=float32)
    """
    from ..sparse import SparseTensor   # the sparse package imports the ops: import late
    for arg, v in (("hypothesis", hypothesis), ("truth", truth)):
        if not isinstance(v, SparseTensor):
            raise TypeError(f"edit_distance: {arg} must be a SparseTensor, got {type(v).__name__}")

    def groups(st):
        idx = np.asarray(st.indices.numpy())
        vals = np.asarray(st.values.numpy())
        out = {}
        order = np.lexsort(idx.T[::-1]) if idx.size else np.arange(0)
        for i in order:
            out.setdefault(tuple(int(u) for u in idx[i, :-1]), []).append(vals[i])
        return out, [int(u) for u in np.asarray(st.dense_shape.numpy())]

    hg, hs = groups(hypothesis)
    tg, ts = groups(truth)
    if len(hs) != len(ts):
        raise ValueError(f"edit_distance: hypothesis has rank {len(hs)} and truth rank {len(ts)}; "
                         "they must match")
    shape = [max(a, b) for a, b in zip(hs[:-1], ts[:-1])]
    out = np.zeros(shape, dtype=np.float32)
    for pos in np.ndindex(*shape):
        h, t = hg.get(pos, []), tg.get(pos, [])
        d = float(_levenshtein(h, t))
        if normalize:
            d = d / len(t) if t else (np.inf if h else 0.0)
        out[pos] = d
    return convert_to_tensor(out)


def shape_n(input, out_type=_dtypes.int32, name=None):
    """The shapes of the tensors in the list ``input``, each a 1-D ``out_type`` tensor."""
    if not isinstance(input, (list, tuple)):
        raise TypeError(f"shape_n: input must be a list of tensors, got {type(input).__name__}")
    d = _dtypes.as_dtype(out_type)
    if d not in (_dtypes.int32, _dtypes.int64):
        raise TypeError(f"shape_n: out_type must be int32 or int64, got {d}")
    from .create import shape   # circular import with create (a shape's static value in a trace)
    return [shape(t, d) for t in input]


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None):
    """Reverse the first ``seq_lengths[b]`` entries along ``seq_axis`` of each slice ``b`` along
    ``batch_axis`` (default 0); the rest stay in place. Differentiable (a gather).

    >>> wb.reverse_sequence([[1, 2, 3], [4, 5, 6]], [2, 3], seq_axis=1).numpy()
    array([[2, 1, 3],
           [6, 5, 4]], dtype=int32)
    """
    x = convert_to_tensor(input)
    lengths = convert_to_tensor(seq_lengths)
    if lengths.dtype.kind not in "iu" or lengths.ndim != 1:
        raise ValueError(f"reverse_sequence: seq_lengths must be a 1-D integer tensor, got "
                         f"{lengths.dtype} of shape {lengths.shape}")
    if seq_axis is None:
        raise ValueError("reverse_sequence: seq_axis is required")
    batch_axis = 0 if batch_axis is None else int(batch_axis)
    sa, ba = int(seq_axis) % max(x.ndim, 1), batch_axis % max(x.ndim, 1)
    if x.ndim < 2 or sa == ba:
        raise ValueError(f"reverse_sequence: seq_axis ({seq_axis}) and batch_axis ({batch_axis}) must "
                         f"be different axes of input of shape {x.shape}")
    n_batch, n_seq = x.shape[ba], x.shape[sa]
    lv = np.asarray(lengths.numpy()).astype(np.int64)
    if lv.shape[0] != n_batch:
        raise InvalidArgumentError(None, None, f"Length of seq_lengths != input.dims({ba}), "
                                   f"({lv.shape[0]} vs. {n_batch})")
    if lv.size and (lv.max() > n_seq or lv.min() < 0):
        bad = int(np.argmax((lv > n_seq) | (lv < 0)))
        raise InvalidArgumentError(None, None, f"seq_lens({bad}) > input.dims({sa}) "
                                   f"({int(lv[bad])} vs. {n_seq})")
    j = np.arange(n_seq)[None, :]
    idx = np.where(j < lv[:, None], lv[:, None] - 1 - j, j)
    rest = [a for a in range(x.ndim) if a not in (ba, sa)]
    perm = [ba, sa] + rest
    moved = transpose(x, perm) if perm != list(range(x.ndim)) else x
    out = gather(moved, idx, axis=1, batch_dims=1)
    inverse = list(np.argsort(perm))
    out = transpose(out, inverse) if perm != list(range(x.ndim)) else out
    if core.tracing():   # TF's static shape: the input's
        s = x._static_shape()
        core.static_result(out, None if s.rank is None else tuple(s.as_list()))
    return out


def inside_function():
    """Whether this runs while a ``wb.function`` traces (TF's ``tf.inside_function``)."""
    return core.tracing()


def get_logger():
    """The library's Python logger (``logging.getLogger('workbench')``; TF's ``tf.get_logger``)."""
    return logging.getLogger("workbench")


# ---------------------------------------------------------------------------
# TF-level initializers: called with (shape, dtype), as TF 2's tf.*_initializer


class _Initializer:
    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _dtype(self, dtype, kinds, what):
        d = _dtypes.as_dtype(dtype)
        if np.dtype(_dtypes.np_dtype(d)).kind not in kinds:
            raise ValueError(f"{type(self).__name__}: expected {what} dtype, got {d}")
        return d

    @staticmethod
    def _shape(shape):
        return tuple(int(s) for s in TensorShape(shape).as_list())


class zeros_initializer(_Initializer):
    """Makes tensors of zeros: ``wb.zeros_initializer()(shape=[2], dtype=wb.float32)``."""

    def __call__(self, shape, dtype=_dtypes.float32, **kwargs):
        d = self._dtype(dtype, "fciub", "a numeric or bool")
        return convert_to_tensor(np.zeros(self._shape(shape), dtype=_dtypes.np_dtype(d)))


class ones_initializer(_Initializer):
    """Makes tensors of ones: ``wb.ones_initializer()(shape=[2], dtype=wb.float32)``."""

    def __call__(self, shape, dtype=_dtypes.float32, **kwargs):
        d = self._dtype(dtype, "fciub", "a numeric or bool")
        return convert_to_tensor(np.ones(self._shape(shape), dtype=_dtypes.np_dtype(d)))


class constant_initializer(_Initializer):
    """Makes tensors holding ``value``: a scalar fills any shape, a list or array must have as
    many elements as the shape (TF's ``TypeError`` otherwise) and is reshaped to it."""

    def __init__(self, value=0, support_partition=False):
        if isinstance(value, Tensor):
            value = value.numpy()
        if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray))):
            raise TypeError(f"constant_initializer: invalid type for value: {type(value).__name__} "
                            "(expected a Python scalar, list or tuple of values, or a NumPy array)")
        self.value = value
        self.support_partition = support_partition

    def __call__(self, shape, dtype=None, **kwargs):
        shape = self._shape(shape)
        v = np.asarray(self.value)
        d = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.as_dtype(convert_to_tensor(self.value).dtype)
        npd = _dtypes.np_dtype(d)
        if v.ndim == 0:
            return convert_to_tensor(np.full(shape, v, dtype=npd))
        n = int(np.prod(shape))
        if v.size != n:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor of shape "
                            f"{v.shape} (value has {v.size} elements, shape is {shape} with {n} "
                            "elements)")
        return convert_to_tensor(v.astype(npd).reshape(shape))

    def get_config(self):
        return {"value": self.value}


class _RandomInitializer(_Initializer):
    # TF's: without a seed each call is a new draw of the global-seed stream (tf.random.*);
    # with a seed every call is the same stateless draw under the seed ``[seed, 0]``.
    def __init__(self, seed):
        self.seed = seed

    def _draw(self, kind, shape, a, b, dtype):
        from .. import random as wb_random   # wb.random imports the ops: import late
        if self.seed is None:
            return getattr(wb_random, kind)(shape, a, b, dtype=dtype)
        return getattr(wb_random, "stateless_" + kind)(shape, [int(self.seed), 0], a, b, dtype=dtype)


class random_uniform_initializer(_RandomInitializer):
    """Makes tensors of uniform samples in ``[minval, maxval)``; with a ``seed`` every call
    gives the same tensor (TF's)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=_dtypes.float32, **kwargs):
        d = self._dtype(dtype, "fiu", "a floating or integer")
        return self._draw("uniform", self._shape(shape), self.minval, self.maxval, d)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class random_normal_initializer(_RandomInitializer):
    """Makes tensors of normal samples with ``mean`` and ``stddev``; with a ``seed`` every call
    gives the same tensor (TF's)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=_dtypes.float32, **kwargs):
        d = self._dtype(dtype, "f", "a floating")
        return self._draw("normal", self._shape(shape), self.mean, self.stddev, d)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


# ---------------------------------------------------------------------------
# enums


class AggregationMethod:
    """How gradient terms are combined (TF's ``tf.AggregationMethod``); every method gives the
    same sums here, so the choice only names TF's."""

    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


# the variable enums live in the core (wb.Variable takes them); kept importable from here
VariableSynchronization = core.VariableSynchronization
VariableAggregation = core.VariableAggregationV2


# ---------------------------------------------------------------------------
# tf.math breadth: counting, complex parts, cumulative log-sum-exp, permutations, zeta


def count_nonzero(input, axis=None, keepdims=None, dtype=np.int64, name=None):
    """The number of entries of ``input`` that are not zero (for strings: not empty) over
    ``axis`` (all by default), as ``dtype`` (TF's ``tf.math.count_nonzero``).

    >>> wb.math.count_nonzero([[1.5, 0.0], [0.0, 3.0]]).numpy()
    np.int64(2)
    """
    x = convert_to_tensor(input)
    if x.dtype.kind == "O":
        nonzero = convert_to_tensor(np.vectorize(lambda s: len(s) > 0, otypes=[bool])(x.numpy()))
    else:
        nonzero = convert_to_tensor(x.xp.not_equal(x._data, 0))
    if core.tracing():   # the mask has the input's static shape (computed beside the op graph)
        core.static_result(nonzero, _static_dims(x))
    return cast(reduce_sum(cast(nonzero, np.int64), axis=axis, keepdims=bool(keepdims)), dtype)


def _complex_part(x, opname):
    x = convert_to_tensor(x)
    if x.dtype.kind not in "fciu":
        raise TypeError(f"{opname}: input has dtype {x.dtype}, expected a numeric dtype")
    return x


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def real(input, name=None):
    """The real part of ``input``; a real tensor comes back unchanged (TF's ``tf.math.real``).
    Differentiable (TF's gradient: ``complex(g, 0)``).

    >>> wb.math.real(wb.constant([1 + 2j, -3 - 1j], wb.complex64)).numpy()
    array([ 1., -3.], dtype=float32)
    """
    x = _complex_part(input, "real")
    return apply(_real_op, (x,)) if x.dtype.kind == "c" else x


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def imag(input, name=None):
    """The imaginary part of ``input``; zeros of its dtype for a real tensor (TF's
    ``tf.math.imag``). Differentiable (TF's gradient: ``complex(0, g)``).

    >>> wb.math.imag(wb.constant([1 + 2j, -3 - 1j], wb.complex64)).numpy()
    array([ 2., -1.], dtype=float32)
    """
    x = _complex_part(input, "imag")
    return apply(_imag_op, (x,)) if x.dtype.kind == "c" else zeros_like(x)


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def angle(input, name=None):
    """The argument ``atan2(imag, real)`` of each entry (TF's ``tf.math.angle``): for a real
    tensor ``pi`` where it is negative and 0 elsewhere. Differentiable for complex ``input``
    (TF's gradient).

    >>> wb.math.angle([-2.0, 0.0, 3.0]).numpy()
    array([3.1415927, 0.       , 0.       ], dtype=float32)
    """
    x = _complex_part(input, "angle")
    if x.dtype.kind == "c":
        return apply(_angle_op, (x,))
    data = x.xp.angle(x._data)
    return core.wrap(data.astype(_dtypes.np_dtype(x.dtype).type(0).real.dtype, copy=False))


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def reciprocal_no_nan(x, name=None):
    """``1 / x``, with 0 where ``x`` is 0 (TF's ``tf.math.reciprocal_no_nan``). Differentiable.

    >>> wb.math.reciprocal_no_nan([2.0, 0.0]).numpy()
    array([0.5, 0. ], dtype=float32)
    """
    t = convert_to_tensor(x)
    if t.dtype.kind not in "fc":
        raise TypeError(f"reciprocal_no_nan: x has dtype {t.dtype}, expected a floating or complex "
                        "dtype")
    return divide_no_nan(convert_to_tensor(np.ones((), _dtypes.np_dtype(t.dtype))), t)


def _clse_fwd(xp, x, axis, exclusive, reverse):
    moved = xp.moveaxis(x, axis, 0)
    if reverse:
        moved = moved[::-1]
    if xp is np:
        acc = np.logaddexp.accumulate(moved, axis=0)
    else:   # CuPy has no ufunc.accumulate: one logaddexp a step
        acc = xp.empty_like(moved)
        run = xp.full(moved.shape[1:], -np.inf, moved.dtype)
        for i in range(moved.shape[0]):
            run = xp.logaddexp(run, moved[i])
            acc[i] = run
    if exclusive:
        acc = xp.concatenate([xp.full((1,) + acc.shape[1:], -np.inf, acc.dtype), acc[:-1]], axis=0)
    if reverse:
        acc = acc[::-1]
    return xp.ascontiguousarray(xp.moveaxis(acc, 0, axis)).astype(x.dtype, copy=False)


def _signed_logs(v):
    """``log(max(v, 0))`` and ``log(max(-v, 0))``: the dtype's lowest finite value where that
    part is 0 (TF's ``grad.dtype.min``, so the scans of the rules stay finite), through
    ``where`` on both sides so that no derivative of log at 0 reaches a second derivative."""
    lowest = float(np.finfo(v.dtype.as_numpy_dtype if hasattr(v.dtype, "as_numpy_dtype") else v.dtype).min)
    out = []
    for part in (v, -v):
        positive = part > 0
        out.append(where(positive, log(where(positive, part, 1.0)), lowest))
    return out


def _clse_vjp(g, ans, x, axis, exclusive, reverse):
    # d out_j / d x_i = exp(x_i - out_j) over the i that out_j gathers: the gradient is the
    # same scan run the other way over log(g) - out, split by sign so the logs exist (TF's
    # CumulativeLogsumexp gradient: NaN where x is -inf or an output is inf, as TF)
    parts = []
    for lg in _signed_logs(g):
        parts.append(exp(apply(_clse_op, (lg - ans,), {"axis": axis, "exclusive": exclusive,
                                                       "reverse": not reverse}) + x))
    return (parts[0] - parts[1],)


def _clse_jvp(ts, ans, x, axis, exclusive, reverse):
    # exp(scan(log t + x) - out): NaN where the output is not finite, as TF's forward mode
    t = ts[0]
    if t is None:
        return None
    parts = []
    for lt in _signed_logs(t):
        scan = apply(_clse_op, (lt + x,), {"axis": axis, "exclusive": exclusive, "reverse": reverse})
        parts.append(exp(scan - ans))
    return parts[0] - parts[1]


_clse_op = defop("cumulative_logsumexp", _clse_fwd, vjp=_clse_vjp, jvp=_clse_jvp, dtypes="real")


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """``log(cumsum(exp(x)))`` along ``axis`` without overflow or underflow (TF's
    ``tf.math.cumulative_logsumexp``; ``exclusive`` leaves each entry out of its own sum,
    ``reverse`` sums from the end). Differentiable.

    >>> wb.math.cumulative_logsumexp([-1000.0, 0.0, 1000.0]).numpy()
    array([-1000.,     0.,  1000.], dtype=float32)
    """
    t = convert_to_tensor(x)
    if t.dtype.kind != "f":
        raise TypeError(f"cumulative_logsumexp: x has dtype {t.dtype}, expected a floating dtype")
    if t.ndim == 0:
        raise ValueError("cumulative_logsumexp: x must have rank >= 1, got a scalar")
    axis = int(axis)
    if not -t.ndim <= axis < t.ndim:
        raise InvalidArgumentError(f"cumulative_logsumexp: axis {axis} is out of range for x of "
                                   f"rank {t.ndim}")
    if core.open_shapes_traced():   # TF's static shape: the input's
        s = t._static_shape()
        core.static_shape_hint(_clse_op.name, None if s.rank is None else tuple(s.as_list()))
    # a negative axis stays right when cotangents carry leading batch dimensions
    return apply(_clse_op, (t,), {"axis": axis % t.ndim - t.ndim, "exclusive": bool(exclusive),
                                  "reverse": bool(reverse)})


def invert_permutation(x, name=None):
    """The inverse of the permutation ``x`` (a vector holding each of ``0..n-1`` once):
    ``y[x[i]] = i`` (TF's ``tf.math.invert_permutation``).

    >>> wb.math.invert_permutation([3, 4, 0, 2, 1]).numpy()
    array([2, 4, 3, 0, 1], dtype=int32)
    """
    t = convert_to_tensor(x)
    p = np.asarray(t.numpy())
    if p.dtype.kind not in "iu" or p.ndim != 1:
        raise ValueError(f"invert_permutation: x must be an integer vector, got {p.dtype} of shape "
                         f"{p.shape}")
    if not np.array_equal(np.sort(p), np.arange(p.size)):
        raise InvalidArgumentError(f"invert_permutation: x must hold each of 0..{p.size - 1} once, "
                                   f"got {p.tolist()}")
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=p.dtype)
    out = convert_to_tensor(out)
    return core.static_result(out, _static_dims(t)) if core.tracing() else out


def _static_dims(t):
    """``t``'s static shape as a tuple (None for open sizes), or None for an unknown rank."""
    s = t._static_shape()
    return None if s.rank is None else tuple(s.as_list())


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=np.int32, name=None):
    """``[num_classes, num_classes]`` counts (or summed ``weights``) of each (label, prediction)
    pair, labels along the rows (TF's ``tf.math.confusion_matrix``; ``num_classes`` defaults to
    one more than the largest label or prediction).

    >>> wb.math.confusion_matrix([1, 2, 4], [2, 2, 4]).numpy()[1:3]
    array([[0, 0, 1, 0, 0],
           [0, 0, 1, 0, 0]], dtype=int32)
    """
    lab = np.asarray(convert_to_tensor(labels).numpy()).reshape(-1)
    pred = np.asarray(convert_to_tensor(predictions).numpy()).reshape(-1)
    if lab.dtype.kind not in "iu" or pred.dtype.kind not in "iu":
        raise TypeError(f"confusion_matrix: labels and predictions must be integers, got "
                        f"{lab.dtype} and {pred.dtype}")
    if lab.shape != pred.shape:
        raise ValueError(f"confusion_matrix: labels and predictions must have the same number of "
                         f"entries, got {lab.size} and {pred.size}")
    if (lab < 0).any() or (pred < 0).any():
        raise InvalidArgumentError("confusion_matrix: labels and predictions must be non-negative")
    n = int(max(lab.max(initial=-1), pred.max(initial=-1)) + 1) if num_classes is None else int(num_classes)
    if (lab >= n).any() or (pred >= n).any():
        raise InvalidArgumentError(f"confusion_matrix: labels and predictions must be below "
                                   f"num_classes={n}")
    w = np.ones(lab.shape) if weights is None else np.asarray(convert_to_tensor(weights).numpy()).reshape(-1)
    out = np.zeros((n, n), _dtypes.np_dtype(dtype))
    np.add.at(out, (lab, pred), w.astype(out.dtype))
    return convert_to_tensor(out)


def zero_fraction(value, name=None):
    """The fraction of the entries of ``value`` that are zero, float32 (TF's
    ``tf.math.zero_fraction``, also ``tf.nn``'s).

    >>> float(wb.math.zero_fraction([0, 1, 0, 0]))
    0.75
    """
    x = convert_to_tensor(value)
    zeros = int(np.count_nonzero(np.asarray(x.numpy()) == 0))
    return convert_to_tensor(np.float32(zeros / x.size if x.size else np.nan))


def _nextafter_jvp(ts, ans, x1, x2):
    out = zeros_like(ans)   # the transpose of the gradient: t1 (broadcast), plus 0 * t2
    if ts[0] is not None:
        out = out + ts[0]
    if ts[1] is not None:
        out = out + 0 * ts[1]
    return out


# TF's NextAfter gradient: ones for x1, zeros for x2 (broadcasting undone by the walk)
_nextafter_op = defop("nextafter", lambda xp, x1, x2: xp.nextafter(x1, x2),
                      vjp=lambda g, ans, x1, x2: (g, zeros_like(g)), jvp=_nextafter_jvp,
                      broadcasts=True, dtypes="real")


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def nextafter(x1, x2, name=None):
    """The next representable value after ``x1`` towards ``x2`` (TF's ``tf.math.nextafter``;
    float32 or float64 of the same dtype). TF's gradient: ones for ``x1``, zeros for ``x2``.

    >>> wb.math.nextafter(wb.constant([1.0]), wb.constant([2.0])).numpy()
    array([1.0000001], dtype=float32)
    """
    a, b = convert_to_tensor(x1), convert_to_tensor(x2)
    if a.dtype != b.dtype or a.dtype not in (np.float32, np.float64):
        raise TypeError(f"nextafter: x1 and x2 must both be float32 or both float64, got {a.dtype} "
                        f"and {b.dtype}")
    return apply(_nextafter_op, (a, b))


def _zeta_vjp(g, ans, x, q):
    # TF defines the derivative in q only: d/dq zeta(x, q) = -x zeta(x + 1, q)
    return None, g * (-x) * zeta(x + 1.0, q)


def _zeta_jvp(ts, ans, x, q):
    # TF's forward mode (the transpose of the gradient): x's tangent counts as 0, and the
    # result is connected (zeros) even with x's alone
    if ts[1] is None:
        return zeros_like(ans)
    return ts[1] * (-x) * zeta(x + 1.0, q)


def _zeta_fwd(xp, x, q):
    out = _sp(xp).zeta(x, q).astype(x.dtype, copy=False)
    # TF: at q a non-positive integer (or -inf) inf only for x = 1 or an even integer x, else NaN
    pole = (q <= 0) & (q == xp.floor(q)) & (x != 1) & ~((x == xp.floor(x)) & (x % 2 == 0))
    return xp.where(pole, xp.asarray(np.nan, out.dtype), out)


_zeta_op = defop("zeta", _zeta_fwd,
                 vjp=_zeta_vjp, jvp=_zeta_jvp, broadcasts=True, dtypes="real")


@core.dispatchable   # a RaggedTensor takes it over (ragged registers the handler)
def zeta(x, q, name=None):
    """The Hurwitz zeta function ``sum_n (n + q)^(-x)`` (TF's ``tf.math.zeta``); differentiable
    in ``q`` only, as in TF.

    >>> wb.math.zeta([2.0], [1.0]).numpy()   # pi^2 / 6
    array([1.644934], dtype=float32)
    """
    a = convert_to_tensor(x)
    b = convert_to_tensor(q, dtype_hint=a.dtype)
    if a.dtype.kind != "f" or b.dtype != a.dtype:
        raise TypeError(f"zeta: x and q must be floating of one dtype, got {a.dtype} and {b.dtype}")
    return apply(_zeta_op, (a, b))


def sobol_sample(dim, num_results, skip=0, dtype=np.float32, name=None):
    """``[num_results, dim]`` points of the (unscrambled) Sobol sequence in ``[0, 1)^dim``,
    starting after its first ``skip + 1`` points (TF's ``tf.math.sobol_sample``, which leaves
    out the all-zero first point; Joe and Kuo's direction numbers, through SciPy's
    ``scipy.stats.qmc.Sobol``).

    >>> wb.math.sobol_sample(2, 3).numpy()
    array([[0.5 , 0.5 ],
           [0.75, 0.25],
           [0.25, 0.75]], dtype=float32)
    """
    from scipy.stats import qmc   # scipy.stats loads on first use only
    dim = int(dim)
    num_results, skip = int(num_results), int(skip)
    if dim < 1:
        raise InvalidArgumentError(f"sobol_sample: dim must be at least 1, got {dim}")
    if num_results < 0 or skip < 0:
        raise InvalidArgumentError(f"sobol_sample: num_results and skip must be non-negative, got "
                                   f"{num_results} and {skip}")
    dt = _dtypes.np_dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise TypeError(f"sobol_sample: dtype must be float32 or float64, got {dtype}")
    engine = qmc.Sobol(dim, scramble=False)
    engine.fast_forward(skip + 1)
    with warnings.catch_warnings():   # SciPy's note on sample sizes that are not powers of 2
        warnings.simplefilter("ignore")
        points = engine.random(num_results) if num_results else np.zeros((0, dim))
    return convert_to_tensor(points.astype(dt))
