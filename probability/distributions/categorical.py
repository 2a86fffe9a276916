"""The Categorical distribution: one class index out of ``K``."""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from ..internal import mul_no_nan
from ._logits_probs import LogitsProbs
from .distribution import NOT_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL
from ..internal import samplers

__all__ = ["Categorical"]


class Categorical(LogitsProbs, Distribution):
    """``Categorical(logits=None, probs=None, dtype=int32)``: class ``k`` with probability
    ``softmax(logits)[..., k]`` (or ``probs[..., k]``).

    ``logits``/``probs``: ``[..., K]``; ``batch_shape`` is their shape without the last
    dimension, the event is a scalar class index of ``dtype`` (int32 by default, as TFP).
    ``log_prob(k)`` casts ``k`` to ``dtype`` as TFP does (a float is truncated toward zero);
    an index outside ``[0, K)`` gives NaN, or ``-inf`` with
    ``force_probs_to_zero_outside_support=True``, and with ``validate_args=True`` a
    non-integer or out-of-range value raises ``ValueError``.

    >>> d = Categorical(logits=[[0.0, 1.0, 2.0]])
    >>> d.batch_shape, d.sample(4, seed=1).shape
    ((1,), (4, 1))
    """

    _param_event_ndims = {"logits": 1, "probs": 1}
    _param_constraints = {"probs": "simplex"}
    _support = "nonnegative_integer"
    _multiclass = True

    def __init__(self, logits=None, probs=None, dtype=np.int32, force_probs_to_zero_outside_support=False,
                 validate_args=False, allow_nan_stats=True, name="Categorical"):
        parameters = dict(locals())
        self._float_dtype = self._init_logits_probs(logits, probs, (), "Categorical")
        self._force_zero = bool(force_probs_to_zero_outside_support)
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def force_probs_to_zero_outside_support(self):
        return self._force_zero

    def num_categories(self):
        """``K``, the number of classes."""
        return self._num_categories()

    def _value(self, x, method):
        if self._validate_args:
            arr = np.asarray(x.numpy() if isinstance(x, Tensor) else x)
            k = self._num_categories()
            if not np.all((arr == np.floor(arr)) & (arr >= 0) & (arr < k)):
                raise wb.errors.InvalidArgumentError(f"Categorical.{method}: the value must hold class indices in "
                                                     f"[0, {k}), got {arr!r}")
        return super()._value(x, method)

    _sample_n_takes_any_seed = True

    def _sample_n(self, n, seed):
        return _sample_indices(self.logits_parameter(), n, seed, self.dtype)

    def _log_prob(self, k):
        if not self._force_zero:
            _check_labels(k, self._num_categories(), type(self).__name__)
        return _gather_classes(self._log_probs(), k, float("-inf") if self._force_zero else float("nan"))

    def _cdf(self, k):
        # P(X <= k) = cumulative probability at k: 0 below class 0, 1 from the last class on
        cum = wb.cumsum(self.probs_parameter(), axis=-1)
        kmax = self._num_categories() - 1
        inside = _gather_classes(cum, wb.minimum(wb.maximum(k, 0), kmax), 0.0)
        return wb.where(k < 0, wb.zeros_like(inside), wb.where(k >= kmax, wb.ones_like(inside), inside))

    def _survival_function(self, k):
        # P(X > k) = the sum of the probabilities above class k (a reverse exclusive cumsum),
        # not 1 - cdf, which loses the small masses of the last classes
        above = wb.cumsum(self.probs_parameter(), axis=-1, exclusive=True, reverse=True)
        kmax = self._num_categories() - 1
        inside = _gather_classes(above, wb.minimum(wb.maximum(k, 0), kmax), 0.0)
        return wb.where(k < 0, wb.ones_like(inside), wb.where(k >= kmax, wb.zeros_like(inside), inside))

    def _mode(self):
        return wb.cast(wb.argmax(self.logits_parameter(), axis=-1), self.dtype)

    def _stat_log_probs(self):
        # TFP's: log(probs) as given, or log_softmax(logits)
        if self._probs is not None:
            return wb.log(self._probs)
        return wb.nn.log_softmax(self._logits, axis=-1)

    def _mean(self):
        # sum_k k p_k, in the parameters' float dtype (as TFP)
        logp = self._stat_log_probs()
        labels = wb.range(self._num_categories(), dtype=logp.dtype)
        return wb.reduce_sum(mul_no_nan(labels, wb.exp(logp)), axis=-1)

    def _variance(self):
        logp = self._stat_log_probs()
        labels = wb.range(self._num_categories(), dtype=logp.dtype)
        mean = wb.reduce_sum(mul_no_nan(labels, wb.exp(logp)), axis=-1, keepdims=True)
        return wb.reduce_sum(mul_no_nan(wb.square(labels - mean), wb.exp(logp)), axis=-1)

    def _entropy(self):
        return self._class_entropy()


def _sample_indices(logits, n, seed, dtype):
    """``n`` class indices per batch member: ``[n] + logits.shape[:-1]``."""
    batch, k = tuple(logits.shape[:-1]), logits.shape[-1]
    flat = wb.reshape(logits, (-1, k))
    # an int or None seed draws from the stateful op itself, as TFP's Categorical
    if samplers.is_stateful_seed(seed):
        draws = wb.random.categorical(flat, n, dtype=np.int64, seed=seed)   # [B, n]
    else:
        draws = samplers.categorical(flat, n, dtype=np.int64, seed=seed)
    return wb.cast(wb.reshape(wb.transpose(draws), (n,) + batch), dtype)


def _check_labels(k, depth, owner):
    """TF's sparse softmax cross-entropy on a CPU, which TFP's ``log_prob`` runs: a class index
    outside ``[0, K)`` (after the cast to an int) is an ``InvalidArgumentError``."""
    if not wb.executing_eagerly():
        return
    labels = np.trunc(np.asarray(k.numpy(), dtype=np.float64))
    bad = (labels < 0) | (labels >= depth)
    if bad.any():
        raise wb.errors.InvalidArgumentError(
            f"{owner}.log_prob: received a label value of {labels[bad].flat[0]:g} which is outside the "
            f"valid range of [0, {depth})")


def _gather_classes(table, k, outside):
    """``table[..., k]`` with ``k`` broadcasting against ``table.shape[:-1]``; ``outside`` where
    ``k`` is not in ``[0, K)``."""
    depth = table.shape[-1]
    hot = wb.one_hot(wb.cast(k, np.int32), depth, on_value=True, off_value=False, dtype=wb.bool)
    picked = wb.reduce_sum(wb.where(hot, table, wb.zeros_like(table)), axis=-1)
    valid = wb.logical_and(k >= 0, k < depth)
    return wb.where(valid, picked, wb.zeros_like(picked) + outside)


@RegisterKL(Categorical, Categorical)
def _kl_categorical_categorical(a, b, name=None):
    return _kl_classes(a, b)


def _kl_classes(a, b):
    """``sum_k p_a (log p_a - log p_b)`` over the last axis (classes with ``p_a = 0`` add 0)."""
    la, lb = a._log_probs(), b._log_probs()
    return wb.reduce_sum(mul_no_nan(la - lb, wb.exp(la)), axis=-1)
