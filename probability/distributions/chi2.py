"""The chi-squared distribution: ``Gamma(df / 2, rate=1/2)``."""

from __future__ import annotations

import workbench as wb

from .. import internal
from .gamma import Gamma, random_gamma

__all__ = ["Chi2"]


class Chi2(Gamma):
    """``Chi2(df)``: density ``x**(df/2 - 1) exp(-x/2) / (2**(df/2) Gamma(df/2))`` on ``x > 0``.

    A subclass of :class:`Gamma` (``concentration = df / 2``, ``rate = 1/2``), so Gamma's
    sampler (reparameterized in ``df``) and KL rule apply.

    >>> d = Chi2(df=[1.0, 4.0])
    >>> d.mean().numpy()
    array([1., 4.], dtype=float32)
    """

    _param_event_ndims = {"df": 0}
    _param_constraints = {"df": "positive"}

    def _sample_n(self, n, seed):
        # TFP's Chi2 draws without Gamma's salt
        return random_gamma((n,), self._concentration, rate=self._rate, seed=seed)

    def __init__(self, df, validate_args=False, allow_nan_stats=True, name="Chi2"):
        parameters = dict(locals())
        dtype = internal.common_dtype([df])
        self._df = internal.as_param(df, "df", dtype, "Chi2")
        super().__init__(concentration=0.5 * self._df, rate=wb.constant(0.5, dtype=dtype),
                         validate_args=validate_args, allow_nan_stats=allow_nan_stats, name=name)
        parameters.pop("self", None)
        parameters.pop("__class__", None)
        self._parameters = parameters

    @property
    def df(self):
        return self._df

    def _nan_region(self, x, method):
        # TFP's igamma(df / 2, x / 2) and xlogy(df / 2 - 1, x) below 0 (finite only for df = 2)
        if method in ("log_prob", "prob"):
            return (x < 0.0) & wb.math.not_equal(self._df, 2.0)
        return x < 0.0

    def _mean(self):
        return self._df

    def _variance(self):
        return 2.0 * self._df

    def _mode(self):
        df = self._df
        return self._undefined(wb.maximum(df - 2.0, 0.0), df <= 2.0, "mode (df <= 2)")
