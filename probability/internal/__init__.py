"""Shared helpers for distributions and bijectors: parameter conversion, dtypes, seeds."""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor


def common_dtype(values, dtype_hint=np.float32):
    """The floating dtype that parameters share: the tensors' dtype (they must agree), else the hint."""
    found = None
    for v in values:
        # NumPy scalars carry a dtype too (TFP's common_dtype: np.float64(1.) makes a float64 family)
        dt = getattr(v, "dtype", None) if isinstance(v, (Tensor, np.ndarray, np.generic)) or is_tensor_like(v) \
            else None
        if dt is None:
            continue
        dt = np.dtype(dt)
        if dt.kind not in "f":
            continue
        if found is not None and dt != found:
            raise TypeError(f"parameters have different floating dtypes: {found} and {dt}; cast them to one")
        found = dt
    return found or np.dtype(dtype_hint)


def is_tensor_like(value):
    """True for objects that convert to a fresh Tensor at each use (``DeferredTensor``)."""
    return not isinstance(value, Tensor) and hasattr(type(value), "__wb_tensor__")


def as_param(value, name, dtype, owner):
    """A parameter as a Tensor of ``dtype``. Variables stay Variables and tensor-likes
    (``DeferredTensor``, ``TransformedVariable``) stay as they are: their current value is
    computed at each use, where tapes see it."""
    if isinstance(value, Tensor) or is_tensor_like(value):
        if value.dtype != dtype:
            raise TypeError(f"{owner}: parameter `{name}` has dtype {value.dtype}, expected {dtype}")
        return value
    try:
        return wb.constant(np.asarray(value) if isinstance(value, (list, tuple)) else value, dtype=dtype)
    except TypeError as exc:
        raise TypeError(f"{owner}: cannot convert parameter `{name}` to {dtype}: {exc}") from None


def shape_tuple(shape, what="sample_shape"):
    if isinstance(shape, Tensor):
        shape = shape.numpy().tolist()
    if isinstance(shape, (int, np.integer, float, np.floating)):
        return (int(shape),)     # TFP casts to int32: sample(1e4) draws 10000, sample(2.5) draws 2
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{what} must be an int or a list of ints, got {shape!r}") from None


def broadcast_shapes(*shapes):
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"parameter shapes {', '.join(str(tuple(s)) for s in shapes)} do not broadcast") from None


# ---------------------------------------------------------------------------
# seeds: TFP's flow (see ``samplers``): stateless int32 pairs, stateful draws for int/None seeds

from .samplers import fold_in, is_stateful_seed, sanitize_seed, split_seed, zeros_seed  # noqa: E402


# ---------------------------------------------------------------------------
# validate_args checks that stay inside a compiled wb.function


def assert_all(condition, message):
    """Raise ``InvalidArgumentError`` (a ``ValueError``) with ``message`` unless ``condition``
    holds everywhere. A tensor condition is checked by an op (``check_numerics`` of a mask that
    is NaN where the condition fails), not by reading its value in Python, so a ``wb.function``
    that validates its arguments still replays, and the check runs on every call."""
    if not isinstance(condition, Tensor):
        if not np.all(condition):
            raise wb.errors.InvalidArgumentError(None, None, message)
        return
    mask = wb.where(condition, wb.zeros(condition.shape, np.float32),
                    wb.fill(condition.shape, np.float32(np.nan)))
    wb.debugging.check_numerics(mask, message)


def above_tiny(p):
    """``tiny + p * (1 - tiny)`` (``tiny`` the dtype's smallest normal number): the quantile of
    TFP's ``Uniform(tiny, 1)``, which Gumbel-type families transform, so ``p = 0`` stays finite."""
    tiny = float(np.finfo(np.dtype(p.dtype.name if hasattr(p.dtype, "name") else p.dtype)).tiny)
    return tiny + p * (1.0 - tiny)


# ---------------------------------------------------------------------------
# x * log(y) forms whose derivative in x stays log(y) at x = 0 (TF's xlogy has 0 there, which
# is wrong for densities like xlogy(concentration - 1, x) at concentration 1)


def mul_no_nan(a, b):
    """``a * b``, but 0 where ``b`` is 0 even if ``a`` is infinite (TF's ``multiply_no_nan``)."""
    zero = wb.zeros_like(b)
    is_zero = wb.equal(b, zero)
    # a is replaced where b is 0 inside the product too, so that an infinite a there gives
    # gradients of 0, not 0 * inf = NaN
    return wb.where(is_zero, zero, wb.where(is_zero, zero, a) * b)


def xlogy(x, y):
    """``x * log(y)``, 0 where both are 0. Unlike ``wb.math.xlogy`` (whose derivative in ``x``
    is 0 at ``x = 0``, as TF's), the derivative in ``x`` is ``log(y)`` wherever ``y > 0``,
    which gradients with respect to counts and concentrations need."""
    pos = y > 0
    safe = wb.where(pos, y, wb.ones_like(y))
    return wb.where(pos, x * wb.log(safe), wb.math.xlogy(x, y))


def xlog1py(x, y):
    """``x * log1p(y)``, 0 where ``x`` is 0 and ``y`` is -1 (derivatives as :func:`xlogy`)."""
    pos = y > -1
    safe = wb.where(pos, y, wb.zeros_like(y))
    return wb.where(pos, x * wb.log1p(safe), wb.math.xlog1py(x, y))


def as_float64(t):
    """``t`` cast to float64. Discrete CDFs evaluate there whatever the parameters' dtype: in
    float32, ``k + 1`` is not exact past ``2**24`` and ``1 - p`` loses ``p`` below ``1e-7``."""
    return wb.cast(t, wb.float64)


def log_tail(t, other):
    """``log(t)`` for a float64 tail probability ``t`` given the opposite tail ``other = 1 - t``,
    both computed directly: ``log1p(-other)`` where ``t`` is close to 1 (``log(t)`` there would
    keep only the digits of ``t``), ``log(t)`` elsewhere. Each branch sees a safe value, so
    gradients through the branch not taken stay finite."""
    near_one = other < 0.5
    zero, one = wb.zeros_like(t), wb.ones_like(t)
    return wb.where(near_one, wb.log1p(-wb.where(near_one, other, zero)), wb.log(wb.where(near_one, one, t)))


def discrete_tails(cls):
    """Class decorator for a discrete family whose ``_tail(x, upper)`` gives ``P(X <= x)``
    (``upper=False``) or ``P(X > x)`` (``upper=True``) in float64: defines ``cdf``,
    ``survival_function`` and their logs from it, each tail computed directly (never as one
    minus the other) and its log through :func:`log_tail`, then cast to the family's dtype."""
    def cdf(self, x):
        return wb.cast(self._tail(x, False), self.dtype)

    def survival_function(self, x):
        return wb.cast(self._tail(x, True), self.dtype)

    def log_cdf(self, x):
        return wb.cast(log_tail(self._tail(x, False), self._tail(x, True)), self.dtype)

    def log_survival_function(self, x):
        return wb.cast(log_tail(self._tail(x, True), self._tail(x, False)), self.dtype)

    cls._cdf, cls._survival_function = cdf, survival_function
    cls._log_cdf, cls._log_survival_function = log_cdf, log_survival_function
    return cls


class RateParameterized:
    """Accessors for families built from ``rate=`` or ``log_rate=`` (Gamma, Exponential, Poisson).
    The family stores ``_rate`` and ``_log_rate`` (one of them None) and
    ``_force_probs_to_zero_outside_support``."""

    @property
    def rate(self):
        """The rate as given (None when the distribution was built from ``log_rate``)."""
        return self._rate

    @property
    def log_rate(self):
        """The log rate as given (None when the distribution was built from ``rate``)."""
        return self._log_rate

    @property
    def force_probs_to_zero_outside_support(self):
        return self._force_probs_to_zero_outside_support

    def rate_parameter(self, name=None):
        """The rate, whichever parameterization was given."""
        return self._rate if self._rate is not None else wb.exp(self._log_rate)

    def log_rate_parameter(self, name=None):
        """The log rate, whichever parameterization was given."""
        return self._log_rate if self._log_rate is not None else wb.log(self._rate)
