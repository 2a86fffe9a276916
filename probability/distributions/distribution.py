"""The Distribution base class, TFP's model of a distribution.

A distribution has a ``batch_shape`` (independent distributions side by side)
and an ``event_shape`` (the shape of one draw). ``sample(sample_shape)`` has
shape ``sample_shape + batch_shape + event_shape``; ``log_prob(x)`` reduces the
event dimensions and broadcasts ``x`` against the batch.

Subclasses implement ``_log_prob``, ``_sample_n(n, seed)`` and whichever of
``_cdf``, ``_log_cdf``, ``_survival_function``, ``_log_survival_function``,
``_quantile``, ``_mean``, ``_variance``, ``_stddev``, ``_mode``, ``_entropy``
they have; the base class derives the rest (``prob`` from ``log_prob``,
``stddev`` from ``variance``, …) and raises ``NotImplementedError`` naming the
family otherwise. Each parameter's number of event dimensions is declared in
``_param_event_ndims`` (for shapes and batch slicing) and its domain in
``_param_constraints`` (checked when ``validate_args=True``).
"""

from __future__ import annotations

import collections
import html

import numpy as np

import workbench as wb
from workbench.core import Tensor

from .. import _printing, internal
from ..internal.composite import make_composite_if_traced
from .kullback_leibler import kl_divergence


class ReparameterizationType:
    """Whether samples are differentiable functions of the parameters."""

    def __init__(self, rep_type):
        self._rep_type = rep_type

    def __repr__(self):
        return f"<Reparameterization Type: {self._rep_type}>"

    def __eq__(self, other):
        return self is other


FULLY_REPARAMETERIZED = ReparameterizationType("FULLY_REPARAMETERIZED")
NOT_REPARAMETERIZED = ReparameterizationType("NOT_REPARAMETERIZED")

# parameter domains checked with validate_args=True: name -> (test on a NumPy array, phrase)
CONSTRAINTS = {
    "positive": (lambda a: np.all(a > 0), "positive"),
    "nonnegative": (lambda a: np.all(a >= 0), "non-negative"),
    "unit_interval": (lambda a: np.all((a >= 0) & (a <= 1)), "in [0, 1]"),
    "open_unit_interval": (lambda a: np.all((a > 0) & (a < 1)), "in (0, 1)"),
    "half_open_unit_interval": (lambda a: np.all((a > 0) & (a <= 1)), "in (0, 1]"),
    "nonzero": (lambda a: np.all(a != 0), "non-zero"),
    "finite": (lambda a: np.all(np.isfinite(a)), "finite"),
    "simplex": (lambda a: np.all(a >= 0) and np.allclose(a.sum(-1), 1, atol=1e-5), "a probability vector (non-negative, summing to 1)"),
    "lower_triangular_positive_diag": (
        lambda a: np.all(np.diagonal(a, axis1=-2, axis2=-1) > 0) and np.allclose(a, np.tril(a)),
        "lower triangular with a positive diagonal"),
    "nonnegative_integer": (lambda a: np.all((a >= 0) & (a == np.round(a))), "a non-negative integer"),
    "positive_definite": (lambda a: _is_positive_definite(a), "a symmetric positive definite matrix"),
}


def _is_positive_definite(a):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2] or not np.allclose(a, np.swapaxes(a, -1, -2)):
        return False
    return bool(np.all(np.linalg.eigvalsh(a) > 0))


def _symmetric_positive_definite(a):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        return wb.constant(False)
    at = wb.linalg.matrix_transpose(a)
    symmetric = wb.math.abs(a - at) <= 1e-8 + 1e-5 * wb.math.abs(at)
    return wb.reduce_all(symmetric) & wb.reduce_all(wb.linalg.eigvalsh(a) > 0)


# the same constraints as ops on a tensor (a boolean tensor, all True when satisfied): inside a
# wb.function, validate_args checks a computed parameter without reading it in Python
TENSOR_CONSTRAINTS = {
    "positive": lambda a: a > 0,
    "nonnegative": lambda a: a >= 0,
    "unit_interval": lambda a: (a >= 0) & (a <= 1),
    "open_unit_interval": lambda a: (a > 0) & (a < 1),
    "half_open_unit_interval": lambda a: (a > 0) & (a <= 1),
    "nonzero": lambda a: wb.math.not_equal(a, 0),
    "finite": lambda a: wb.math.is_finite(a),
    "simplex": lambda a: wb.reduce_all(a >= 0) & wb.reduce_all(wb.math.abs(wb.reduce_sum(a, axis=-1) - 1) <= 1e-5),
    "lower_triangular_positive_diag": lambda a: (wb.reduce_all(wb.linalg.diag_part(a) > 0)
                                                 & wb.reduce_all(wb.math.equal(a, wb.linalg.band_part(a, -1, 0)))),
    "nonnegative_integer": lambda a: (a >= 0) & wb.math.equal(a, wb.math.round(a)),
    "positive_definite": _symmetric_positive_definite,
    "binary": lambda a: wb.math.equal(a, 0) | wb.math.equal(a, 1),
    "integer": lambda a: wb.math.equal(a, wb.math.round(a)),
}


# supports checked on log_prob's argument with validate_args=True
SUPPORTS = {
    "real": None,
    "positive": CONSTRAINTS["positive"],
    "nonnegative": CONSTRAINTS["nonnegative"],
    "unit_interval": CONSTRAINTS["unit_interval"],
    "nonnegative_integer": CONSTRAINTS["nonnegative_integer"],
    "simplex": CONSTRAINTS["simplex"],
    "binary": (lambda a: np.all((a == 0) | (a == 1)), "0 or 1"),
    "integer": (lambda a: np.all(a == np.round(a)), "an integer"),
}


class ParameterProperties(collections.namedtuple(
        "ParameterProperties", ["event_ndims", "shape_fn", "default_constraining_bijector_fn", "is_preferred",
                                "is_tensor", "specifies_shape"])):
    """TFP's description of one parameter: its number of event dims, the shape of the parameter
    for a given sample shape (``shape_fn``), a function making the bijector from unconstrained
    reals onto its domain, and whether it is the preferred one of equivalent parameterizations."""

    def __repr__(self):
        return (f"ParameterProperties(event_ndims={self.event_ndims}, shape_fn={self.shape_fn!r}, "
                f"default_constraining_bijector_fn={self.default_constraining_bijector_fn!r}, "
                f"is_preferred={self.is_preferred})")


def _identity_shape(sample_shape):
    return sample_shape


def _constraining_bijector_fn(constraint):
    """A function making the bijector from the reals onto ``constraint``'s domain (TFP's defaults)."""
    from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
    return {
        "positive": tfb.Softplus, "nonnegative": tfb.Softplus, "unit_interval": tfb.Sigmoid,
        "open_unit_interval": tfb.Sigmoid, "half_open_unit_interval": tfb.Sigmoid, "simplex": tfb.SoftmaxCentered,
        "lower_triangular_positive_diag": tfb.FillScaleTriL,
        "positive_definite": lambda: tfb.Chain([tfb.CholeskyOuterProduct(), tfb.FillScaleTriL()]),
    }.get(constraint, tfb.Identity)


class Distribution:
    """Base class of every distribution (see the module docstring)."""

    @classmethod
    def parameter_properties(cls, dtype=np.float32, num_classes=None):
        """``{name: ParameterProperties}`` for the family's parameters, from their declared event
        dims and domains. Of equivalent parameterizations the log or logits form is preferred
        (``rate``/``log_rate``, ``probs``/``logits``), as in TFP. ``num_classes`` gives the size of
        a vector parameter's last dim in ``shape_fn``."""
        names = set(cls._param_event_ndims)
        out = {}
        for name, ev in cls._param_event_ndims.items():
            preferred = not (f"log_{name}" in names or (name == "probs" and "logits" in names))
            if ev and num_classes is not None:
                def shape_fn(sample_shape, _k=int(num_classes)):
                    return tuple(sample_shape) + (_k,)
            else:
                shape_fn = _identity_shape
            out[name] = ParameterProperties(
                event_ndims=ev, shape_fn=shape_fn,
                default_constraining_bijector_fn=_constraining_bijector_fn(cls._param_constraints.get(name)),
                is_preferred=preferred, is_tensor=True, specifies_shape=False)
        return out

    _param_event_ndims: dict = {}
    _param_constraints: dict = {}
    _support = "real"

    def __init__(self, dtype, reparameterization_type, validate_args=False, allow_nan_stats=True,
                 parameters=None, name=None):
        # a structure of dtypes (a distribution of structured values) is kept as given
        self._dtype = dtype if isinstance(dtype, (list, tuple, dict)) else np.dtype(dtype)
        self._reparameterization_type = reparameterization_type
        self._validate_args = bool(validate_args)
        self._allow_nan_stats = bool(allow_nan_stats)
        params = dict(parameters or {})
        params.pop("self", None)
        params.pop("__class__", None)
        self._parameters = params
        self._name = _printing.instance_name(name, type(self).__name__)
        if self._validate_args:
            self._check_parameters()
        make_composite_if_traced(self)     # one made in a wb.function can be returned from it

    # -- properties ------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def name(self):
        return self._name

    @property
    def parameters(self) -> dict:
        """The arguments the distribution was built with (a copy)."""
        return dict(self._parameters)

    @property
    def reparameterization_type(self):
        return self._reparameterization_type

    @property
    def variables(self) -> tuple:
        """The Variables among the parameters, nested distributions and bijectors (a TFP
        distribution is a ``tf.Module``)."""
        from ..bijectors.bijector import _variables  # bijector.py imports this module in its __call__
        return tuple(_variables(vars(self), set()))

    @property
    def trainable_variables(self) -> tuple:
        return tuple(v for v in self.variables if v.trainable)

    @property
    def validate_args(self):
        return self._validate_args

    @property
    def allow_nan_stats(self):
        return self._allow_nan_stats

    @property
    def batch_shape(self):
        """The shape of the batch of independent distributions, a ``wb.TensorShape`` as in TFP
        (it compares equal to tuples; an empty shape is still truthy, so test ``len``)."""
        return wb.TensorShape(self._batch_shape())

    @property
    def event_shape(self):
        """The shape of one draw, a ``wb.TensorShape``."""
        return wb.TensorShape(self._event_shape())

    def batch_shape_tensor(self):
        return wb.constant(np.asarray(self.batch_shape, dtype=np.int32))

    def event_shape_tensor(self):
        return wb.constant(np.asarray(self.event_shape, dtype=np.int32))

    def is_scalar_event(self):
        return self.event_shape == ()

    def is_scalar_batch(self):
        return self.batch_shape == ()

    def _params_tensors(self):
        """Parameter name -> Tensor, for the parameters declared in ``_param_event_ndims``."""
        return {k: getattr(self, k) for k in self._param_event_ndims if getattr(self, k, None) is not None}

    def _batch_shape(self):
        shapes = []
        for k, t in self._params_tensors().items():
            nd = self._param_event_ndims[k]
            shapes.append(t.shape[:t.ndim - nd] if nd else t.shape)
        return internal.broadcast_shapes(*shapes) if shapes else ()

    def _event_shape(self):
        return ()

    # -- validation -------------------------------------------------------
    def _check_parameters(self):
        for pname, constraint in self._param_constraints.items():
            value = getattr(self, pname, None)
            if value is None:
                continue
            test, phrase = CONSTRAINTS[constraint]
            if isinstance(value, Tensor) and not wb.executing_eagerly():
                # inside a wb.function: checked by an op, so the function still replays
                internal.assert_all(TENSOR_CONSTRAINTS[constraint](value),
                                    f"{type(self).__name__}: argument `{pname}` must be {phrase}")
                continue
            arr = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
            if not test(arr):
                raise wb.errors.InvalidArgumentError(
                    f"{type(self).__name__}: argument `{pname}` must be {phrase}, got {arr!r}")

    def _check_support(self, x, method):
        rule = SUPPORTS.get(self._support)
        if rule is None:
            return
        test, phrase = rule
        if not wb.executing_eagerly():
            internal.assert_all(TENSOR_CONSTRAINTS[self._support](x),
                                f"{type(self).__name__}.{method}: the value must be {phrase} (the distribution's "
                                "support)")
            return
        if not test(x.numpy()):
            raise wb.errors.InvalidArgumentError(
                f"{type(self).__name__}.{method}: the value must be {phrase} "
                f"(the distribution's support), got {x.numpy()!r}")

    def _assert_in_support(self, x, method, ok, phrase):
        """validate_args: ``InvalidArgumentError`` unless the bool Tensor ``ok`` holds everywhere
        (for families whose support depends on their parameters)."""
        message = f"{type(self).__name__}.{method}: the value must be {phrase} (the distribution's support)"
        if not wb.executing_eagerly():
            internal.assert_all(ok, message)
        elif not bool(wb.reduce_all(ok)):
            raise wb.errors.InvalidArgumentError(f"{message}, got {x.numpy()!r}")

    def _value(self, x, method):
        if internal.is_tensor_like(x):  # a TransformedVariable as the value: computed here, where tapes see it
            x = wb.convert_to_tensor(x)
        x = x if isinstance(x, Tensor) else wb.constant(np.asarray(x) if isinstance(x, (list, tuple)) else x,
                                                       dtype=self._value_dtype())
        if x.dtype != self._value_dtype():
            if x.dtype.kind in "iub" or self._value_dtype().kind in "iu":
                x = wb.cast(x, self._value_dtype())
            else:
                raise TypeError(f"{type(self).__name__}.{method}: value has dtype {x.dtype}, the "
                                f"distribution has dtype {self._value_dtype()}")
        if self._validate_args:
            self._check_support(x, method)
        return x

    def _value_dtype(self):
        return self._dtype

    # -- sampling -----------------------------------------------------------
    def sample(self, sample_shape=(), seed=None, name=None):
        """Draws of shape ``sample_shape + batch_shape + event_shape``.

        ``seed`` (TFP's rules): a stateless pair gives the same draws every time; None or an
        int draws a pair from TF's stateful sequence (reproducible after
        ``wb.random.set_seed``); a ``wb.random.Generator`` gives its next pair.
        """
        shape = internal.shape_tuple(sample_shape)
        n = int(np.prod(shape)) if shape else 1
        draws = self._sample_n(n, seed if self._sample_n_takes_any_seed else internal.sanitize_seed(seed))
        return wb.reshape(draws, shape + tuple(draws.shape[1:]))

    # True where ``_sample_n`` follows TFP's seed flow itself (``internal.samplers``: an int
    # seed salted before its stateful draw, Normal's stateful op); the others get the seed
    # sanitized to a stateless pair first
    _sample_n_takes_any_seed = False

    def _sample_n(self, n, seed):
        raise NotImplementedError(f"{type(self).__name__} does not implement sample")

    # -- densities --------------------------------------------------------
    # Where TFP evaluates a family's formulas off its domain (a LogNormal takes log(x) at
    # x < 0), its density and tails are NaN there. Such a family gives that region:
    # ``_nan_region(x, method)`` is a bool Tensor, or None where the method is finite.
    _nan_region = None

    def _tfp_nan(self, x, out, method):
        region = None if self._nan_region is None else self._nan_region(x, method)
        if region is None:
            return out
        return wb.where(region, wb.zeros_like(out) + float("nan"), out)

    def log_prob(self, value, name=None):
        """The log density (or log mass) of ``value``, reduced over the event dimensions."""
        x = self._value(value, "log_prob")
        return self._tfp_nan(x, self._log_prob(x), "log_prob")

    def prob(self, value, name=None):
        x = self._value(value, "prob")
        if hasattr(self, "_prob"):
            return self._tfp_nan(x, self._prob(x), "prob")
        return self._tfp_nan(x, wb.exp(self._log_prob(x)), "prob")

    def cdf(self, value, name=None):
        x = self._value(value, "cdf")
        if hasattr(self, "_cdf"):
            return self._tfp_nan(x, self._cdf(x), "cdf")
        if hasattr(self, "_log_cdf"):
            return self._tfp_nan(x, wb.exp(self._log_cdf(x)), "cdf")
        raise self._missing("cdf")

    def log_cdf(self, value, name=None):
        x = self._value(value, "log_cdf")
        if hasattr(self, "_log_cdf"):
            return self._tfp_nan(x, self._log_cdf(x), "log_cdf")
        if hasattr(self, "_cdf"):
            return self._tfp_nan(x, wb.log(self._cdf(x)), "log_cdf")
        raise self._missing("log_cdf")

    def survival_function(self, value, name=None):
        """``P[X > x]``; without a family's own, ``-expm1(log_cdf)`` (which keeps the upper tail),
        else ``1 - cdf``, as TFP."""
        x = self._value(value, "survival_function")
        if hasattr(self, "_survival_function"):
            return self._tfp_nan(x, self._survival_function(x), "survival_function")
        if hasattr(self, "_log_cdf"):
            return self._tfp_nan(x, -wb.math.expm1(self._log_cdf(x)), "survival_function")
        if hasattr(self, "_cdf"):
            return self._tfp_nan(x, 1.0 - self._cdf(x), "survival_function")
        raise self._missing("survival_function")

    def log_survival_function(self, value, name=None):
        """``log P[X > x]``; without a family's own, the log of its own survival function (which
        keeps the upper tail where TFP's ``log1p(-cdf)`` loses it), else ``log1mexp(log_cdf)``,
        else ``log1p(-cdf)``, as TFP."""
        x = self._value(value, "log_survival_function")
        if hasattr(self, "_log_survival_function"):
            out = self._log_survival_function(x)
        elif hasattr(self, "_survival_function"):
            out = wb.math.log(self._survival_function(x))
        elif hasattr(self, "_log_cdf"):
            out = _log1mexp(self._log_cdf(x))
        elif hasattr(self, "_cdf"):
            out = wb.math.log1p(-self._cdf(x))
        else:
            raise self._missing("log_survival_function")
        return self._tfp_nan(x, out, "log_survival_function")

    def quantile(self, value, name=None):
        p = value if isinstance(value, Tensor) else wb.constant(value, dtype=self._dtype)
        if not hasattr(self, "_quantile"):
            raise self._missing("quantile")
        return self._quantile(p)

    # -- statistics -------------------------------------------------------
    def _full(self, t):
        """``t`` broadcast to ``batch_shape + event_shape`` (statistics have that shape)."""
        shape = self.batch_shape + self.event_shape
        t = t if isinstance(t, Tensor) else wb.constant(t, dtype=self._dtype)
        return t if t.shape == shape else wb.broadcast_to(t, shape)

    def mean(self, name=None):
        if not hasattr(self, "_mean"):
            raise self._missing("mean")
        return self._full(self._mean())

    def mode(self, name=None):
        if not hasattr(self, "_mode"):
            raise self._missing("mode")
        return self._full(self._mode())

    def variance(self, name=None):
        # one from the other where a family gives (or can compute) only one of them; failing both,
        # the variance's own error, as TFP
        primary = self._missing("variance")
        if hasattr(self, "_variance"):
            try:
                return self._full(self._variance())
            except NotImplementedError as e:
                primary = e
        if hasattr(self, "_stddev"):
            try:
                return self._full(wb.square(self._stddev()))
            except NotImplementedError:
                pass
        raise primary

    def stddev(self, name=None):
        primary = self._missing("stddev")
        if hasattr(self, "_stddev"):
            try:
                return self._full(self._stddev())
            except NotImplementedError as e:
                primary = e
        if hasattr(self, "_variance"):
            try:
                return self._full(wb.sqrt(self._variance()))
            except NotImplementedError:
                pass
        raise primary

    def covariance(self, name=None):
        """The covariance matrix of an event, ``batch_shape + event_shape * 2``. Defined for vector
        events; a scalar distribution refuses it as TFP does (its spread is ``variance()``)."""
        if self.event_shape == ():
            raise NotImplementedError(f"covariance is not implemented: {type(self).__name__}")
        if hasattr(self, "_covariance"):
            return self._covariance()
        raise self._missing("covariance")

    def entropy(self, name=None):
        if not hasattr(self, "_entropy"):
            raise self._missing("entropy")
        batch = tuple(self._batch_shape())
        return wb.broadcast_to(self._entropy(), batch) if batch else self._entropy()

    def kl_divergence(self, other, name=None):
        """``KL(self || other)``, from the registry (``probability.kl_divergence``)."""
        return kl_divergence(self, other)

    def cross_entropy(self, other, name=None):
        """``H[self, other] = entropy(self) + KL(self || other)``."""
        return self.entropy() + self.kl_divergence(other)

    def _undefined(self, value, mask, what):
        """NaN where ``mask`` holds (a statistic that does not exist), or an error when
        ``allow_nan_stats=False``."""
        m = mask if isinstance(mask, Tensor) else wb.constant(bool(mask))
        if not self._allow_nan_stats:
            if not isinstance(mask, Tensor) and bool(mask):
                # never defined for this family: TFP's static ValueError, not a runtime check
                raise ValueError(f"{type(self).__name__}: the {what} is undefined (allow_nan_stats=False)")
            if bool(wb.reduce_any(m)):
                raise wb.errors.InvalidArgumentError(
                    f"{type(self).__name__}: the {what} is undefined for some batch members "
                    "(allow_nan_stats=False)")
            return value
        return wb.where(m, wb.zeros_like(value) + float("nan"), value)

    def _missing(self, method):
        return NotImplementedError(f"{type(self).__name__} does not implement {method}")

    # -- the unconstrained space ---------------------------------------------------
    def experimental_default_event_space_bijector(self, *args, **kwargs):
        """A bijector from unconstrained reals onto the support of one event (TFP's name), for
        samplers and surrogate posteriors that work in an unconstrained space; ``None`` for a
        discrete family, which has no such space. ``Softplus`` for positive families,
        ``Sigmoid`` for the unit interval, ``SoftmaxCentered`` for the simplex, ``Identity``
        on the real line; families with a shifted or bounded support give their own.

        >>> b = Gamma(2.0, 1.0).experimental_default_event_space_bijector()   # Softplus
        >>> float(b.forward(-3.0)) > 0
        True
        """
        return self._default_event_space_bijector(*args, **kwargs)

    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        if np.dtype(self._dtype).kind != "f" or self._support in ("nonnegative_integer", "integer", "binary"):
            return None
        table = {"real": tfb.Identity, "positive": tfb.Softplus, "nonnegative": tfb.Softplus,
                 "unit_interval": tfb.Sigmoid, "simplex": tfb.SoftmaxCentered}
        if self._support not in table:
            raise NotImplementedError(f"{type(self).__name__} has no default event space bijector for its support "
                                      f"{self._support!r}")
        return table[self._support](validate_args=self._validate_args)

    # -- structure ----------------------------------------------------------
    def copy(self, **override):
        """A new distribution of this family with some parameters replaced."""
        params = {**self._parameters, **override}
        return type(self)(**params)

    def __getitem__(self, slices):
        """Slice the batch dimensions: ``d[1:]``, ``d[..., 0]``."""
        if not isinstance(slices, tuple):
            slices = (slices,)
        batch = tuple(self.batch_shape)
        new = {}
        for k, t in self._params_tensors().items():
            nd = self._param_event_ndims[k]
            full = wb.broadcast_to(t, batch + tuple(t.shape[t.ndim - nd:] if nd else ()))
            key = _batch_key(slices, len(batch), nd)
            new[k] = full[key]
        return self.copy(**new)

    def __repr__(self):
        return _printing.distribution_repr(self)

    def __str__(self):
        return _printing.distribution_str(self)

    def _repr_html_(self):
        rows = []
        for k, t in self._params_tensors().items():
            arr = t.numpy()
            with np.printoptions(threshold=20, precision=4):
                rows.append(f"<tr><td>{html.escape(k)}</td><td>{t.shape}</td>"
                            f"<td><code>{html.escape(str(arr))}</code></td></tr>")
        return (f"<div><b>{type(self).__name__}</b> batch_shape={list(self.batch_shape)} "
                f"event_shape={list(self.event_shape)} dtype={self._dtype}"
                f"<table><tr><th>parameter</th><th>shape</th><th>value</th></tr>{''.join(rows)}</table></div>")


def no_event_space_bijector(self, *args, **kwargs):
    """``_default_event_space_bijector`` of a family whose support has no default bijector here."""
    raise NotImplementedError(f"{type(self).__name__} has no default event space bijector")


def _batch_key(slices, batch_ndims, event_ndims):
    """Index only the batch dimensions: expand an Ellipsis to the batch rank, keep event dims whole."""
    if any(s is Ellipsis for s in slices):
        i = next(i for i, s in enumerate(slices) if s is Ellipsis)
        used = sum(1 for s in slices if s is not Ellipsis and s is not None)
        slices = slices[:i] + (slice(None),) * (batch_ndims - used) + slices[i + 1:]
    used = sum(1 for s in slices if s is not None)
    if used > batch_ndims:
        raise IndexError(f"too many indices for a batch of rank {batch_ndims}")
    return tuple(slices) + (slice(None),) * (batch_ndims - used + event_ndims)


def _log1mexp(x):
    """``log(1 - exp(-|x|))`` in TFP's two branches (expm1 below log 2, log1p above)."""
    x = wb.abs(x)
    with np.errstate(divide="ignore"):
        return wb.where(x < np.log(2.0), wb.math.log(-wb.math.expm1(-x)), wb.math.log1p(-wb.exp(-x)))
