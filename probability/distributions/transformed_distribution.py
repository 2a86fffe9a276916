"""TransformedDistribution: the distribution of ``bijector.forward(X)`` for ``X ~ distribution``."""

from __future__ import annotations

import numpy as np

import workbench as wb

from .. import internal
from .distribution import Distribution
from .kullback_leibler import RegisterKL, kl_divergence
from ..bijectors.bijector import Bijector

__all__ = ["TransformedDistribution"]


class TransformedDistribution(Distribution):
    """``Y = bijector.forward(X)``, ``X ~ distribution``; ``log p(y) = log p_X(f^{-1}(y)) + log|det J_{f^{-1}}(y)|``.

    The event shape is ``bijector.forward_event_shape(distribution.event_shape)``; the batch
    shape broadcasts the distribution's with the bijector's parameters' (``Shift([1., 2.])`` on a
    scalar Normal is a batch of two). ``cdf``/``quantile`` need a monotone scalar bijector;
    ``mean`` and ``entropy`` need an affine one (constant Jacobian).

    >>> log_normal = TransformedDistribution(Normal(0.0, 1.0), probability.bijectors.Exp())
    >>> y = log_normal.sample(3, seed=1)
    >>> log_normal.log_prob(y).shape
    (3,)
    """

    def __init__(self, distribution, bijector, kwargs_split_fn=None, validate_args=False, parameters=None,
                 name=None):
        parameters = dict(locals()) if parameters is None else parameters
        if not isinstance(distribution, Distribution):
            raise TypeError(f"TransformedDistribution: `distribution` must be a Distribution, got "
                            f"{type(distribution).__name__}")
        if not isinstance(bijector, Bijector):
            raise TypeError(f"TransformedDistribution: `bijector` must be a Bijector, got {type(bijector).__name__}")
        self._distribution = distribution
        self._bijector = bijector
        # a base of structured values (a joint distribution), or a bijector that makes them (Split):
        # values, dtypes and event shapes are structures
        self._structured_base = isinstance(distribution.dtype, (list, tuple, dict))
        dtype = bijector._move_parts(distribution.dtype)
        self._structured = isinstance(dtype, (list, tuple, dict)) or self._structured_base
        super().__init__(dtype, distribution.reparameterization_type, validate_args,
                         distribution.allow_nan_stats, parameters, name or bijector.name + distribution.name)

    @property
    def distribution(self):
        return self._distribution

    @property
    def bijector(self):
        return self._bijector

    # -- shapes --------------------------------------------------------------
    def _base_event_ndims(self):
        return len(self._distribution.event_shape)

    def _check_event_ndims(self, method):
        """A bijector acting on more event dims than the base distribution has can be attached (TFP
        builds it) but gives no density or draws: raised here, when one is asked for."""
        base_ndims, need = self._base_event_ndims(), self._bijector.forward_min_event_ndims
        if base_ndims < need:
            raise ValueError(
                f"TransformedDistribution.{method}: bijector {self._bijector.name} acts on events of at least "
                f"{need} dims, but `distribution` has event_shape {list(self._distribution.event_shape)}; "
                f"wrap it in Independent(distribution, reinterpreted_batch_ndims={need - base_ndims}) first")

    def _event_shape(self):
        return self._bijector.forward_event_shape(self._distribution.event_shape)

    @property
    def event_shape(self):
        if self._structured:
            return self._bijector.forward_event_shape(self._distribution.event_shape)
        return super().event_shape

    @property
    def batch_shape(self):
        if self._structured_base:   # the parts' batch shapes, where the bijector puts the parts
            return self._bijector._move_parts(self._distribution.batch_shape)
        if self._structured:   # one tensor split into parts: the base's batch shape, as TFP
            return self._distribution.batch_shape
        return super().batch_shape

    def event_shape_tensor(self):
        if self._structured:
            return _map_leaves(_shape_tensor, self.event_shape)
        return super().event_shape_tensor()

    def batch_shape_tensor(self):
        if self._structured_base:
            return _map_leaves(_shape_tensor, self.batch_shape)
        if self._structured:
            return self._distribution.batch_shape_tensor()
        return super().batch_shape_tensor()

    def _batch_shape(self):
        ev = max(self._base_event_ndims(), self._bijector.forward_min_event_ndims)
        return internal.broadcast_shapes(self._distribution.batch_shape, self._bijector.experimental_batch_shape(ev))

    def _value_dtype(self):
        return self._distribution._value_dtype()

    # -- sampling: keep the bijector's output object, so log_prob(sample) finds its base draw ----
    def sample(self, sample_shape=(), seed=None, name=None):
        if self._structured:
            return self._bijector.forward(self._distribution.sample(sample_shape, seed=seed))
        self._check_event_ndims("sample")
        shape = internal.shape_tuple(sample_shape)
        batch, base_batch = self.batch_shape, self._distribution.batch_shape
        lead = len(batch) - len(base_batch)
        if batch[lead:] != base_batch:
            raise NotImplementedError(
                f"TransformedDistribution.sample: the bijector's batch shape broadcasts the base batch "
                f"{list(base_batch)} to {list(batch)} inside its dims; give the base distribution the full "
                "batch shape")
        # the dims the bijector adds get independent base draws, not one draw broadcast
        x = self._distribution.sample(shape + batch[:lead], seed=seed)
        return self._bijector.forward(x)

    def _sample_n(self, n, seed):
        return self.sample((n,), seed=seed)

    # -- densities -----------------------------------------------------------
    def _default_event_space_bijector(self):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        inner = self._distribution.experimental_default_event_space_bijector()
        return None if inner is None else tfb.Chain([self._bijector, inner], validate_args=self._validate_args)

    def log_prob(self, value, name=None):
        if not self._structured:
            return super().log_prob(value, name)
        # each part is converted by the bijector's part; the event ndims are the parts' own
        value = _convert_parts(value, self.dtype)
        x = self._bijector.inverse(value)
        ev = _map_leaves(len, self.event_shape)
        return self._distribution.log_prob(x) + self._bijector.inverse_log_det_jacobian(value, event_ndims=ev)

    def prob(self, value, name=None):
        if not self._structured:
            return super().prob(value, name)
        return wb.exp(self.log_prob(value))

    def _log_prob(self, y):
        self._check_event_ndims("log_prob")
        x = self._bijector.inverse(y)
        ildj = self._bijector.inverse_log_det_jacobian(y, event_ndims=len(self.event_shape))
        if not getattr(self._bijector, "_is_injective", True):
            # a many-to-one bijector (AbsoluteValue) gives every preimage: their densities add up
            return wb.reduce_logsumexp(wb.stack([self._distribution.log_prob(xk) + lk for xk, lk in zip(x, ildj)]),
                                       axis=0)
        return self._distribution.log_prob(x) + ildj

    def _direction(self, method):
        if self.event_shape != () or self._base_event_ndims() != 0:
            raise NotImplementedError(f"TransformedDistribution.{method} needs scalar events "
                                      f"(event_shape is {list(self.event_shape)})")
        try:
            return self._bijector._is_increasing()
        except NotImplementedError:
            raise NotImplementedError(f"TransformedDistribution.{method}: bijector {self._bijector.name} is not "
                                      "a monotone scalar map") from None

    def _pick(self, increasing, if_increasing, if_decreasing):
        """``if_increasing()`` where the bijector increases, ``if_decreasing()`` elsewhere."""
        if isinstance(increasing, bool):
            return if_increasing() if increasing else if_decreasing()
        return wb.where(increasing, if_increasing(), if_decreasing())

    def _cdf(self, y):
        inc = self._direction("cdf")
        x = self._bijector.inverse(y)
        return self._pick(inc, lambda: self._distribution.cdf(x), lambda: self._distribution.survival_function(x))

    def _log_cdf(self, y):
        inc = self._direction("log_cdf")
        x = self._bijector.inverse(y)
        return self._pick(inc, lambda: self._distribution.log_cdf(x),
                          lambda: self._distribution.log_survival_function(x))

    def _survival_function(self, y):
        inc = self._direction("survival_function")
        x = self._bijector.inverse(y)
        return self._pick(inc, lambda: self._distribution.survival_function(x), lambda: self._distribution.cdf(x))

    def _log_survival_function(self, y):
        inc = self._direction("log_survival_function")
        x = self._bijector.inverse(y)
        return self._pick(inc, lambda: self._distribution.log_survival_function(x),
                          lambda: self._distribution.log_cdf(x))

    def _quantile(self, p):
        inc = self._direction("quantile")
        return self._pick(inc, lambda: self._bijector.forward(self._distribution.quantile(p)),
                          lambda: self._bijector.forward(self._distribution.quantile(1.0 - p)))

    # -- statistics (affine bijectors only) ----------------------------------------
    def _require_affine(self, method):
        if not self._bijector.is_constant_jacobian:
            raise NotImplementedError(
                f"{type(self).__name__}.{method} is implemented only for affine bijectors (a constant "
                f"Jacobian); bijector {self._bijector.name} ({type(self._bijector).__name__}) is not affine")

    def _mean(self):
        self._check_event_ndims("mean")
        self._require_affine("mean")
        return self._bijector.forward(self._distribution.mean())

    def _mode(self):
        self._check_event_ndims("mode")
        self._require_affine("mode")
        return self._bijector.forward(self._distribution.mode())

    def _stddev(self):
        # a scalar affine f(x) = scale x + shift: |f(sd) - f(0)|, as TFP (variance is its square)
        self._check_event_ndims("stddev")
        self._require_affine("stddev")
        if self._bijector.forward_min_event_ndims != 0:
            raise NotImplementedError(
                f"{type(self).__name__}.stddev is implemented only for scalar bijectors; bijector "
                f"{self._bijector.name} acts on events of rank {self._bijector.forward_min_event_ndims}")
        sd = self._distribution.stddev()
        return wb.abs(self._bijector.forward(sd) - self._bijector.forward(wb.zeros_like(sd)))

    def _entropy(self):
        # H[f(X)] = H[X] + log|det J_f|, and the log-det is the same everywhere
        self._check_event_ndims("entropy")
        self._require_affine("entropy")
        base = self._distribution
        x = wb.zeros(base.batch_shape + base.event_shape, dtype=base.dtype)
        return base.entropy() + self._bijector.forward_log_det_jacobian(x, event_ndims=self._base_event_ndims())

    # -- structure -------------------------------------------------------------------
    def __getitem__(self, slices):
        if self._structured:
            _not_for_structured(self, "batch slicing")
        if self._bijector.experimental_batch_shape(self._base_event_ndims()) != ():
            raise NotImplementedError("TransformedDistribution: batch slicing with a bijector that has a batch "
                                      "shape is not supported; slice the base distribution and the bijector's "
                                      "parameters")
        return TransformedDistribution(self._distribution[slices], self._bijector,
                                       validate_args=self._validate_args, name=self._name)


def _map_leaves(fn, structure):
    """``fn`` of each shape / leaf of a list, tuple, namedtuple or dict structure."""
    from ..bijectors._structured import map_parts  # the bijectors package imports distributions
    return map_parts(fn, structure) if isinstance(structure, (list, tuple, dict)) \
        and not isinstance(structure, wb.TensorShape) else fn(structure)


def _convert_parts(value, dtype):
    """Each part of ``value`` as a Tensor of its part's dtype in the structure ``dtype``."""
    if isinstance(dtype, dict):
        if not isinstance(value, dict) or set(value) != set(dtype):
            raise ValueError(f"TransformedDistribution: value must be a dict with keys {sorted(dtype)}, got "
                             f"{sorted(value) if isinstance(value, dict) else type(value).__name__}")
        return type(value)({k: _convert_parts(value[k], dtype[k]) for k in dtype})
    if isinstance(dtype, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(dtype):
            raise ValueError(f"TransformedDistribution: value must be a structure of {len(dtype)} parts, got "
                             f"{len(value) if isinstance(value, (list, tuple)) else type(value).__name__}")
        from ..bijectors._structured import rebuild  # the bijectors package imports distributions
        return rebuild(value, (_convert_parts(v, d) for v, d in zip(value, dtype)))
    if internal.is_tensor_like(value) or isinstance(value, wb.Tensor):
        return wb.convert_to_tensor(value)
    return wb.constant(np.asarray(value), dtype=dtype)


def _shape_tensor(shape):
    return wb.constant(np.asarray(list(shape), dtype=np.int32))


def _same_bijector(a, b):
    """TFP's ``a == b`` for bijectors: one type and equal parameters."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    pa, pb = a.parameters, b.parameters
    if set(pa) != set(pb):
        return False
    for key in pa:
        u, v = pa[key], pb[key]
        if isinstance(u, Bijector) or isinstance(v, Bijector):
            if not (isinstance(u, Bijector) and isinstance(v, Bijector) and _same_bijector(u, v)):
                return False
        elif isinstance(u, (list, tuple)) and u and isinstance(u[0], Bijector):
            if not (isinstance(v, (list, tuple)) and len(u) == len(v) and all(map(_same_bijector, u, v))):
                return False
        elif u is not v:
            try:
                uu = np.asarray(u.numpy() if hasattr(u, "numpy") else u)
                vv = np.asarray(v.numpy() if hasattr(v, "numpy") else v)
            except Exception:  # callables and other objects: equal only when identical
                return False
            if uu.shape != vv.shape or not np.array_equal(uu, vv):
                return False
    return True


@RegisterKL(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(a, b, name=None):
    # a bijection leaves the KL unchanged, so the same bijector on both gives the bases' KL
    if _same_bijector(a.bijector, b.bijector):
        return kl_divergence(a.distribution, b.distribution)
    raise NotImplementedError(f"kl_divergence: the bijectors of {a.name} and {b.name} differ "
                              f"({a.bijector.name} vs {b.bijector.name})")


def _not_for_structured(d, method):
    if method in ("mean", "mode", "variance", "stddev", "covariance", "entropy"):
        d._require_affine(method)   # TFP's first complaint about a non-affine map
    raise NotImplementedError(f"TransformedDistribution: {method} is not implemented for structured values "
                              f"(dtype {d.dtype}), as in TFP 0.25")


def _scalar_only(method, takes_value):
    """The Distribution method, refused for structured values (TFP 0.25 has none of these there:
    no monotone direction for a JointMap, no entropy, no moments of a non-affine map)."""
    base = getattr(Distribution, method)
    if takes_value:
        def fn(self, value, name=None):
            if self._structured:
                _not_for_structured(self, method)
            return base(self, value, name)
    else:
        def fn(self, name=None):
            if self._structured:
                _not_for_structured(self, method)
            return base(self, name)
    fn.__name__ = method
    fn.__doc__ = base.__doc__
    return fn


for _method, _takes_value in [("cdf", True), ("log_cdf", True), ("survival_function", True),
                              ("log_survival_function", True), ("quantile", True), ("mean", False), ("mode", False),
                              ("variance", False), ("stddev", False), ("covariance", False), ("entropy", False)]:
    setattr(TransformedDistribution, _method, _scalar_only(_method, _takes_value))
