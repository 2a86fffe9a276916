"""The Plackett-Luce distribution over permutations of ``{0, ..., K - 1}``."""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from .. import internal
from .distribution import NOT_REPARAMETERIZED, Distribution

__all__ = ["PlackettLuce"]


class PlackettLuce(Distribution):
    """``PlackettLuce(scores, dtype=int32)``: a ranking of ``K`` items drawn by picking, again and again,
    one of the items left with probability proportional to its score:

    ``pmf(p) = prod_i s[p_i] / (s[p_i] + s[p_{i+1}] + ... + s[p_{K-1}])``.

    ``scores``: ``[..., K]``, non-negative; the event is a permutation ``[K]`` of ``dtype``. Samples sort
    ``log(scores)`` plus Gumbel noise (descending); the mode is the scores' descending order. TFP defines
    no mean, variance or entropy for it.

    >>> d = PlackettLuce([0.1, 2.0, 5.0])
    >>> d.mode().numpy()
    array([2, 1, 0], dtype=int32)
    """

    _param_event_ndims = {"scores": 1}
    _param_constraints = {"scores": "nonnegative"}
    _support = "permutation"

    @classmethod
    def parameter_properties(cls, dtype=np.float32, num_classes=None):
        from .. import bijectors as tfb  # circular import: bijectors builds distributions in __call__
        props = super().parameter_properties(dtype, num_classes)
        eps = float(np.finfo(np.dtype(dtype)).eps)
        return {"scores": props["scores"]._replace(default_constraining_bijector_fn=lambda: tfb.Softplus(low=eps))}

    def __init__(self, scores, dtype=np.int32, validate_args=False, allow_nan_stats=True, name="PlackettLuce"):
        parameters = dict(locals())
        float_dtype = internal.common_dtype([scores])
        self._scores = internal.as_param(scores, "scores", float_dtype, "PlackettLuce")
        if self._scores.ndim < 1:
            raise ValueError("PlackettLuce: argument `scores` must have rank at least 1 (the items), got a scalar")
        if self._scores.shape[-1] < 1:
            raise ValueError("PlackettLuce: argument `scores` must have final dimension >= 1")
        self._float_dtype = float_dtype
        super().__init__(dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters, name)

    @property
    def scores(self):
        return self._scores

    def scores_parameter(self, name=None):
        """The scores (TFP's accessor)."""
        return wb.identity(self._scores)

    def _size(self):
        return int(self._scores.shape[-1])

    def _event_shape(self):
        return (self._size(),)

    def _value(self, x, method):
        if self._validate_args:
            k = self._size()
            message = (f"PlackettLuce.{method}: the value must be a permutation of {{0, ..., {k - 1}}} along its last "
                       f"dimension (k = {k}, the size of the last dimension of `scores`)")
            if isinstance(x, Tensor) and not wb.executing_eagerly() and x.ndim >= 1 and x.shape[-1] == k:
                # inside a wb.function: checked by an op, so the function still replays
                # every item exactly once: the one-hot rows sum to ones (an index outside [0, k) adds nothing)
                xf = wb.cast(x, wb.float64)
                counts = wb.reduce_sum(wb.one_hot(wb.cast(x, np.int32), k, dtype=np.float64), axis=-2)
                internal.assert_all(wb.reduce_all(wb.math.equal(xf, wb.math.floor(xf)))
                                    & wb.reduce_all(wb.math.equal(counts, 1.0)), message)
            else:
                arr = np.asarray(x.numpy() if isinstance(x, Tensor) else x)
                if arr.ndim < 1 or arr.shape[-1] != k or not np.all(np.sort(arr, axis=-1) == np.arange(k)):
                    raise ValueError(f"{message}, got {arr!r}")
        return super()._value(x, method)

    def _log_prob(self, x):
        k = self._size()
        # the scores in the order of the permutation: one_hot(x) [..., K, K] against scores [..., 1, K]
        picked = wb.one_hot(wb.cast(x, np.int32), k, dtype=self._float_dtype)
        ordered = wb.reduce_sum(picked * wb.expand_dims(self._scores, -2), axis=-1)
        remaining = wb.cumsum(ordered, axis=-1, reverse=True)
        return wb.reduce_sum(wb.log(ordered) - wb.log(remaining), axis=-1)

    def _sample_n(self, n, seed):
        shape = (n,) + tuple(self.batch_shape) + (self._size(),)
        u = wb.random.stateless_uniform(shape, seed=seed, minval=float(np.finfo(self._float_dtype).tiny),
                                        maxval=1.0, dtype=self._float_dtype)
        noisy = wb.log(self._scores) - wb.log(-wb.log(u))   # log-scores plus Gumbel(0, 1) noise
        return wb.cast(wb.argsort(noisy, axis=-1, direction="DESCENDING"), self.dtype)

    def _default_event_space_bijector(self, *args, **kwargs):
        return None   # a discrete family, whatever its dtype (as TFP)

    def _mode(self):
        return wb.cast(wb.argsort(self._scores, axis=-1, direction="DESCENDING"), self.dtype)
