"""A distribution over a finite, ordered set of outcomes (``outcomes[k]`` with probability ``probs[..., k]``)."""

from __future__ import annotations

import numpy as np

import workbench as wb
from workbench.core import Tensor

from ._logits_probs import LogitsProbs
from .categorical import _sample_indices
from .distribution import NOT_REPARAMETERIZED, Distribution

__all__ = ["FiniteDiscrete"]


def _as_outcomes(outcomes):
    if isinstance(outcomes, Tensor):
        return outcomes
    arr = np.asarray(outcomes)
    if not isinstance(outcomes, (np.ndarray, np.generic)):   # Python numbers: TF's defaults
        arr = arr.astype(np.float32 if arr.dtype.kind == "f" else np.int32)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"FiniteDiscrete: argument `outcomes` must hold floating or integer numbers, got {arr!r}")
    return wb.constant(arr)


class FiniteDiscrete(LogitsProbs, Distribution):
    """``FiniteDiscrete(outcomes, logits=None, probs=None, rtol=None, atol=None)``: ``outcomes[k]``
    with probability ``probs[..., k]`` (or ``softmax(logits)[..., k]``).

    ``outcomes``: a 1-D float or integer tensor in strictly ascending order; the distribution's
    ``dtype`` is its dtype. ``log_prob(x)`` matches ``x`` to an outcome (floats within
    ``atol + rtol * |outcome|``, both ``10 * eps`` by default) and is ``-inf`` elsewhere;
    ``cdf(x)`` sums the probabilities of the outcomes ``<= x``. The moments are in the
    probabilities' float dtype; the mode is the most probable outcome. As in TFP there is no
    ``quantile``.

    >>> d = FiniteDiscrete([1.0, 2.5, 4.0], probs=[0.2, 0.5, 0.3])
    >>> round(float(d.mean()), 4)
    2.65
    """

    _param_event_ndims = {"logits": 1, "probs": 1}
    _param_constraints = {"probs": "simplex"}
    _multiclass = True

    def __init__(self, outcomes, logits=None, probs=None, rtol=None, atol=None, validate_args=False,
                 allow_nan_stats=True, name="FiniteDiscrete"):
        parameters = dict(locals())
        self._outcomes = _as_outcomes(outcomes)
        if self._outcomes.ndim != 1:
            raise ValueError(f"FiniteDiscrete: argument `outcomes` must be a 1-D tensor, got shape "
                             f"{tuple(self._outcomes.shape)}")
        is_float = self._outcomes.dtype.kind == "f"
        self._float_dtype = self._init_logits_probs(logits, probs, [self._outcomes] if is_float else [],
                                                    "FiniteDiscrete")
        k = self._param_tensor().shape[-1]
        if k != self._outcomes.shape[0]:
            raise ValueError(f"FiniteDiscrete: `{'logits' if probs is None else 'probs'}` has {k} classes in its "
                             f"last dimension, `outcomes` has {self._outcomes.shape[0]}")
        eps = 10.0 * float(np.finfo(self._outcomes.dtype).eps) if is_float else 0.0
        self._rtol = None if not is_float else wb.constant(eps if rtol is None else rtol, dtype=self._outcomes.dtype)
        self._atol = None if not is_float else wb.constant(eps if atol is None else atol, dtype=self._outcomes.dtype)
        super().__init__(self._outcomes.dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         name)

    def _check_parameters(self):
        super()._check_parameters()
        o = self._outcomes.numpy()
        if not np.all(np.diff(o) > 0):
            raise wb.errors.InvalidArgumentError(
                f"FiniteDiscrete: argument `outcomes` must be in strictly ascending order, got {o!r}")

    @property
    def outcomes(self):
        return self._outcomes

    def _default_event_space_bijector(self):
        return None   # discrete, whatever the outcomes' dtype

    _sample_n_takes_any_seed = True  # categorical draws: an int seed runs the stateful op, as TFP's

    def _sample_n(self, n, seed):
        idx = _sample_indices(self.logits_parameter(), n, seed, np.int32)
        return wb.gather(self._outcomes, idx)

    def _matches(self, x):
        o = self._outcomes
        x = x[..., None]
        if o.dtype.kind == "f":
            return wb.math.abs(x - o) <= self._atol + self._rtol * wb.math.abs(o)
        return wb.math.equal(x, o)

    def _log_prob(self, x):
        match = self._matches(x)
        logp = self._log_probs()
        picked = wb.reduce_sum(wb.where(match, logp, wb.zeros_like(logp)), axis=-1)
        return wb.where(wb.reduce_any(match, axis=-1), picked, float("-inf"))

    def _tail(self, x, upper):
        p = self.probs_parameter()
        below = self._outcomes <= x[..., None]
        keep = ~below if upper else below
        return wb.reduce_sum(wb.where(keep, p, wb.zeros_like(p)), axis=-1)

    def _cdf(self, x):
        return self._tail(x, upper=False)

    def _survival_function(self, x):
        # the probabilities above x summed directly, not 1 - cdf
        return self._tail(x, upper=True)

    def _float_outcomes(self):
        o = self._outcomes
        return o if o.dtype == self._float_dtype else wb.cast(o, self._float_dtype)

    def _mean(self):
        return wb.reduce_sum(self.probs_parameter() * self._float_outcomes(), axis=-1)

    def _variance(self):
        p = self.probs_parameter()
        centered = self._float_outcomes() - self._mean()[..., None]
        return wb.reduce_sum(p * wb.square(centered), axis=-1)

    def _mode(self):
        return wb.gather(self._outcomes, wb.argmax(self.logits_parameter(), axis=-1))

    def _entropy(self):
        return self._class_entropy()

    def _full(self, t):
        # the moments keep the probabilities' float dtype (integer outcomes give float means)
        shape = self.batch_shape
        return t if t.shape == shape else wb.broadcast_to(t, shape)
