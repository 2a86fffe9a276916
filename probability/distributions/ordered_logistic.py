"""The ordered logistic distribution over the classes ``{0, ..., K}`` split by ``K`` cutpoints."""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from .. import internal
from ..internal import mul_no_nan
from ..math.special import log_sub_exp
from .categorical import _gather_classes, _sample_indices
from .distribution import NOT_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL

__all__ = ["OrderedLogistic"]


class OrderedCutpoints(Distribution):
    """What OrderedLogistic and StoppingRatioLogistic share: ``cutpoints`` ``[..., K]`` (non-decreasing)
    and ``loc`` ``[...]`` giving ``K + 1`` classes; a subclass defines ``categorical_log_probs`` and
    ``_tail_inside`` (``P(X > k)`` or ``P(X <= k)``, or their logs, at classes ``k`` in ``[0, K - 1]``).

    ``log_prob(x)`` casts ``x`` to ``dtype`` (a float is truncated toward zero, as TFP) and is
    ``-inf`` outside ``[0, K]``; with ``validate_args=True`` such a value raises ``ValueError``.
    """

    _param_event_ndims = {"cutpoints": 1, "loc": 0}
    _support = "nonnegative_integer"

    @classmethod
    def parameter_properties(cls, dtype=np.float32, num_classes=None):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        props = super().parameter_properties(dtype, num_classes)
        if num_classes is not None:
            def shape_fn(sample_shape, _k=int(num_classes) - 1):
                return tuple(sample_shape) + (_k,)
        else:
            shape_fn = props["cutpoints"].shape_fn
        props["cutpoints"] = props["cutpoints"]._replace(shape_fn=shape_fn,
                                                          default_constraining_bijector_fn=tfb.Ascending)
        return props

    def _init_cutpoints(self, cutpoints, loc, dtype, validate_args, allow_nan_stats, parameters, name):
        owner = type(self).__name__
        float_dtype = internal.common_dtype([cutpoints, loc])
        self._cutpoints = internal.as_param(cutpoints, "cutpoints", float_dtype, owner)
        self._loc = internal.as_param(loc, "loc", float_dtype, owner)
        if self._cutpoints.ndim < 1:
            raise ValueError(f"{owner}: `cutpoints` must be [..., K] (a last dimension of cutpoints), got a scalar")
        self._float_dtype = float_dtype
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)
        self._batch_shape()   # cutpoints and loc must broadcast: fail here, naming their shapes

    def _check_parameters(self):
        super()._check_parameters()
        c = self._cutpoints
        if isinstance(c, Tensor) and not wb.executing_eagerly():
            internal.assert_all(c[..., 1:] >= c[..., :-1],
                                f"{type(self).__name__}: argument `cutpoints` must be non-decreasing")
            return
        arr = np.asarray(wb.convert_to_tensor(c).numpy())
        if np.any(np.diff(arr, axis=-1) < 0):
            raise wb.errors.InvalidArgumentError(
                f"{type(self).__name__}: argument `cutpoints` must be non-decreasing, got {arr!r}")

    @property
    def cutpoints(self):
        return self._cutpoints

    @property
    def loc(self):
        return self._loc

    def _num_categories(self):
        return int(self._cutpoints.shape[-1]) + 1

    def categorical_probs(self):
        """The probabilities of the ``K + 1`` classes, ``[..., K + 1]``."""
        return wb.exp(self.categorical_log_probs())

    def _latent(self):
        """``loc - cutpoints``, broadcast to ``batch_shape + [K]``."""
        return wb.expand_dims(self._loc, -1) - self._cutpoints

    def _value(self, x, method):
        if self._validate_args:
            # TFP checks for non-negative integers only: a class above K has log_prob -inf
            message = f"{type(self).__name__}.{method}: the value must hold non-negative integers"
            if isinstance(x, Tensor) and not wb.executing_eagerly():
                # inside a wb.function: checked by an op, so the function still replays
                xf = wb.cast(x, wb.float64)
                internal.assert_all(wb.math.equal(xf, wb.math.floor(xf)) & (xf >= 0), message)
            else:
                arr = np.asarray(x.numpy() if isinstance(x, Tensor) else x)
                if not np.all((arr == np.floor(arr)) & (arr >= 0)):
                    raise wb.errors.InvalidArgumentError(f"{message}, got {arr!r}")
        return super()._value(x, method)

    def _log_prob(self, x):
        return _gather_classes(self.categorical_log_probs(), x, float("-inf"))

    _sample_n_takes_any_seed = True  # categorical draws: an int seed runs the stateful op, as TFP's

    def _sample_n(self, n, seed):
        logits = self.categorical_log_probs()
        logits = wb.broadcast_to(logits, tuple(self.batch_shape) + (self._num_categories(),))
        return _sample_indices(logits, n, seed, self.dtype)

    def _mode(self):
        return wb.cast(wb.argmax(self.categorical_log_probs(), axis=-1), self.dtype)

    def _value_classes(self, x):
        """``x`` as a float class index and its clamp into ``[0, K - 1]`` (for gathering cutpoints)."""
        xf = wb.cast(x, self._float_dtype)
        inside = wb.minimum(wb.maximum(x, wb.zeros_like(x)), wb.zeros_like(x) + (self._num_categories() - 2))
        return xf, inside

    def _tail(self, x, upper, log):
        """``P(X > x)`` (``upper``) or ``P(X <= x)``, or their logs, at integer ``x``: the subclass's
        ``_tail_inside`` at ``x`` clamped into ``[0, K - 1]``, the limits below 0 and from ``K`` on."""
        xf, inside = self._value_classes(x)
        got = self._tail_inside(inside, upper, log)
        below, above = (1.0, 0.0) if upper else (0.0, 1.0)
        if log:
            below, above = np.log(below), np.log(above)
        got = wb.where(xf < 0, wb.zeros_like(got) + below, got)
        return wb.where(xf >= self._num_categories() - 1, wb.zeros_like(got) + above, got)

    def _cdf(self, x):
        return self._tail(x, False, False)

    def _log_cdf(self, x):
        return self._tail(x, False, True)

    def _survival_function(self, x):
        return self._tail(x, True, False)

    def _log_survival_function(self, x):
        return self._tail(x, True, True)


class OrderedLogistic(OrderedCutpoints):
    """``OrderedLogistic(cutpoints, loc, dtype=int32)``: the class ``k`` in ``{0, ..., K}`` into which a
    latent ``Logistic(loc, 1)`` draw falls, between ``cutpoints[k - 1]`` and ``cutpoints[k]``.

    ``P(X > k) = sigmoid(loc - cutpoints[k])``, so ``P(X = k) = P(X > k - 1) - P(X > k)``, formed as a
    difference of log-sigmoids (``log_sub_exp``) so that classes far in either tail keep their
    log-probability. ``cutpoints``: ``[..., K]``, non-decreasing (checked with ``validate_args``);
    ``loc``: ``[...]``. TFP defines no mean or variance for it.

    >>> d = OrderedLogistic(cutpoints=[-2., 0., 2.], loc=0.)
    >>> [round(float(p), 4) for p in d.categorical_probs().numpy()]
    [0.1192, 0.3808, 0.3808, 0.1192]
    """

    def __init__(self, cutpoints, loc, dtype=np.int32, validate_args=False, allow_nan_stats=True,
                 name="OrderedLogistic"):
        parameters = dict(locals())
        self._init_cutpoints(cutpoints, loc, dtype, validate_args, allow_nan_stats, parameters, name)

    def categorical_log_probs(self):
        """The log-probabilities of the ``K + 1`` classes, ``[..., K + 1]``."""
        z = self._latent()
        upper = wb.math.log_sigmoid(z)            # log P(X > k), k = 0..K-1
        first = wb.math.log_sigmoid(-z[..., :1])  # log P(X = 0) = log P(X <= 0)
        last = upper[..., -1:]                    # log P(X = K) = log P(X > K - 1)
        middle = log_sub_exp(upper[..., :-1], upper[..., 1:])
        return wb.concat([first, middle, last], axis=-1)

    def _tail_inside(self, inside, upper, log):
        z = self._latent()
        table = wb.math.log_sigmoid(z if upper else -z) if log else wb.sigmoid(z if upper else -z)
        return _gather_classes(table, inside, 0.0)

    def _entropy(self):
        logp = self.categorical_log_probs()
        return -wb.reduce_sum(mul_no_nan(logp, wb.exp(logp)), axis=-1)


@RegisterKL(OrderedLogistic, OrderedLogistic)
def _kl_ordered_logistic_ordered_logistic(a, b, name=None):
    return kl_classes(a.categorical_log_probs(), b.categorical_log_probs())


def kl_classes(log_p, log_q):
    """``sum_k p_k (log p_k - log q_k)`` over the last axis (classes with ``p_k = 0`` add 0)."""
    return wb.reduce_sum(mul_no_nan(log_p - log_q, wb.exp(log_p)), axis=-1)
