"""The ``logits=`` / ``probs=`` parameterization shared by the discrete families.

Exactly one of the two is stored; the other is derived on demand
(``logits_parameter()`` / ``probs_parameter()``), as in TFP. Log-masses are
formed from whichever was given without ever computing ``0 * log(0)``:
``x * log_sigmoid(logits)`` for logits, ``xlogy(x, probs)`` for probs.
"""

from __future__ import annotations

import workbench as wb

from .. import internal
from ..internal import mul_no_nan, xlog1py, xlogy


class LogitsProbs:
    """Mixin: ``_init_logits_probs`` stores the parameter; ``_multiclass`` picks softmax over the
    last axis (categorical families) or the sigmoid (binary families)."""

    _multiclass = False

    def _init_logits_probs(self, logits, probs, extra, owner):
        if (logits is None) == (probs is None):
            raise ValueError(f"{owner}: give exactly one of `logits` and `probs`")
        dtype = internal.common_dtype([logits, probs] + list(extra))
        self._logits = None if logits is None else internal.as_param(logits, "logits", dtype, owner)
        self._probs = None if probs is None else internal.as_param(probs, "probs", dtype, owner)
        if self._multiclass and (self._logits if probs is None else self._probs).ndim < 1:
            raise ValueError(f"{owner}: `{'logits' if probs is None else 'probs'}` needs a last "
                             "dimension indexing the classes, got a scalar")
        return dtype

    @property
    def logits(self):
        """The ``logits`` the distribution was built with (None if it was built with ``probs``)."""
        return self._logits

    @property
    def probs(self):
        """The ``probs`` the distribution was built with (None if it was built with ``logits``)."""
        return self._probs

    def logits_parameter(self, name=None):
        """Logits, derived from ``probs`` when needed (log-odds, or log-probabilities for classes)."""
        if self._logits is not None:
            return self._logits
        if self._multiclass:
            return wb.log(self._probs)
        return wb.log(self._probs) - wb.log1p(-self._probs)

    def probs_parameter(self, name=None):
        """Probabilities, derived from ``logits`` when needed (sigmoid, or softmax over classes)."""
        if self._probs is not None:
            return self._probs
        if self._multiclass:
            return wb.nn.softmax(self._logits, axis=-1)
        return wb.sigmoid(self._logits)

    def _param_tensor(self):
        return self._logits if self._logits is not None else self._probs

    def _num_categories(self):
        return self._param_tensor().shape[-1]

    def _class_entropy(self):
        """``-sum p log p`` over the classes (multiclass families); a class with ``p = 0`` adds 0."""
        logp = self._log_probs()
        return -wb.reduce_sum(mul_no_nan(logp, wb.exp(logp)), axis=-1)

    # -- safe products with log-probabilities ---------------------------
    def _log_probs(self):
        """Log-probabilities: ``log p`` (binary) or the normalized class log-probabilities."""
        if self._multiclass:
            return wb.nn.log_softmax(self.logits_parameter(), axis=-1)
        if self._logits is not None:
            return wb.math.log_sigmoid(self._logits)
        return wb.log(self._probs)

    def _x_log_p(self, x):
        """``x * log p``, 0 where ``x`` is 0 (even for ``p = 0``)."""
        if self._multiclass:
            # normalized, as TFP (log_softmax of log(probs) when built with probs)
            return wb.math.multiply_no_nan(self._log_probs(), x)
        if self._probs is not None:
            return xlogy(x, self._probs)
        # 0 at x = 0 even for logits = -inf; d/dx is log p there too (TF's multiply_no_nan)
        return wb.math.multiply_no_nan(wb.math.log_sigmoid(self._logits), x)

    def _x_log1m_p(self, x):
        """``x * log(1 - p)`` for binary families, 0 where ``x`` is 0 (even for ``p = 1``)."""
        if self._probs is not None:
            return xlog1py(x, -self._probs)
        return wb.math.multiply_no_nan(wb.math.log_sigmoid(-self._logits), x)

    def _log1m_p(self):
        if self._probs is not None:
            return wb.log1p(-self._probs)
        return wb.math.log_sigmoid(-self._logits)

    def _p_q_float64(self):
        """``(p, 1 - p)`` of a binary family in float64, each formed without cancellation where
        the parameterization allows: ``sigmoid(logits)`` and ``sigmoid(-logits)`` from logits;
        from ``probs``, ``1 - p`` is exact for ``p >= 1/2`` and as good as float64 allows below."""
        if self._probs is not None:
            p = internal.as_float64(self._probs)
            return p, 1.0 - p
        logits = internal.as_float64(self._logits)
        return wb.sigmoid(logits), wb.sigmoid(-logits)

    def _log1m_p_float64(self):
        """``log(1 - p)`` of a binary family in float64."""
        if self._probs is not None:
            return wb.log1p(-internal.as_float64(self._probs))
        return wb.math.log_sigmoid(-internal.as_float64(self._logits))
