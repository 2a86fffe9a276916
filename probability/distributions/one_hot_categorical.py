"""The OneHotCategorical distribution: a Categorical draw written as a one-hot vector."""

from __future__ import annotations

import numpy as np

import workbench as wb

from ._logits_probs import LogitsProbs
from .categorical import _kl_classes, _sample_indices
from .distribution import NOT_REPARAMETERIZED, Distribution
from .kullback_leibler import RegisterKL

__all__ = ["OneHotCategorical"]


class OneHotCategorical(LogitsProbs, Distribution):
    """``OneHotCategorical(logits=None, probs=None, dtype=int32)``: ``one_hot(k, K)`` for ``k``
    drawn from ``Categorical(logits, probs)``.

    ``logits``/``probs``: ``[..., K]``; ``batch_shape`` is their shape without the last
    dimension and ``event_shape`` is ``[K]``. Samples have ``dtype`` (int32 by default, as TFP);
    ``log_prob(x)`` is ``sum(x * log_softmax(logits))`` in the parameters' float dtype (a class
    with probability 0 and ``x = 0`` adds 0).

    >>> d = OneHotCategorical(probs=[0.2, 0.8])
    >>> d.event_shape, d.sample(3, seed=1).shape
    ((2,), (3, 2))
    """

    _param_event_ndims = {"logits": 1, "probs": 1}
    _param_constraints = {"probs": "simplex"}
    _support = "binary"
    _multiclass = True

    def __init__(self, logits=None, probs=None, dtype=np.int32, validate_args=False, allow_nan_stats=True,
                 name="OneHotCategorical"):
        parameters = dict(locals())
        self._float_dtype = self._init_logits_probs(logits, probs, (), "OneHotCategorical")
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    def _value_dtype(self):
        return self._float_dtype

    def _check_support(self, x, method):
        super()._check_support(x, method)
        if not np.all(x.numpy().sum(-1) == 1):
            raise wb.errors.InvalidArgumentError(
                f"OneHotCategorical.{method}: the value must be one-hot along its last "
                f"axis, got {x.numpy()!r}")

    def _event_shape(self):
        return (self._num_categories(),)

    def _sample_n(self, n, seed):
        k = _sample_indices(self.logits_parameter(), n, seed, np.int32)
        return wb.one_hot(k, self._num_categories(), dtype=self.dtype)

    def _log_prob(self, x):
        return wb.reduce_sum(self._x_log_p(x), axis=-1)

    def _mean(self):
        return self.probs_parameter()

    def _variance(self):
        p = self.probs_parameter()
        return p * (1.0 - p)

    def _covariance(self):
        p = self._full(self.probs_parameter())
        outer = wb.expand_dims(p, -1) * wb.expand_dims(p, -2)
        return wb.linalg.diag(p) - outer

    def _mode(self):
        k = wb.argmax(self.logits_parameter(), axis=-1)
        return wb.one_hot(k, self._num_categories(), dtype=self.dtype)

    def _entropy(self):
        return self._class_entropy()


@RegisterKL(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(a, b, name=None):
    return _kl_classes(a, b)
