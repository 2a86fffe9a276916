"""Inflated: a point mass at ``inflated_loc`` mixed with another distribution."""

from __future__ import annotations

import workbench as wb

from .. import internal
from ._slicing import as_slices, sliced_base
from .categorical import Categorical
from .deterministic import Deterministic
from .distribution import Distribution
from .finite_discrete import FiniteDiscrete
from .mixture import Mixture
from .quantized_distribution import QuantizedDistribution

__all__ = ["Inflated"]

_DISCRETE_SUPPORTS = {"nonnegative_integer", "integer", "binary", "permutation"}


def _is_discrete(distribution):
    return (distribution.dtype.kind in "iub" or getattr(distribution, "_support", None) in _DISCRETE_SUPPORTS
            or isinstance(distribution, (FiniteDiscrete, QuantizedDistribution)))


class Inflated(Mixture):
    """``Inflated(distribution, inflated_loc_logits=None, inflated_loc_probs=None, inflated_loc=0.,
    inflated_loc_atol=None, inflated_loc_rtol=None)``: ``inflated_loc`` with probability ``pi``
    (``inflated_loc_probs``, or ``sigmoid(2 * inflated_loc_logits)``: TFP 0.25's categorical logits
    ``[l, -l]``, not the ``sigmoid(l)`` its docstring's "log-odds" suggests), else a draw of ``distribution``.

    A ``Mixture`` of ``Deterministic(inflated_loc, atol, rtol)`` and ``distribution`` (``cat``,
    ``components``, ``cdf``, ``mean`` and ``variance`` are the mixture's). For a discrete
    ``distribution`` the mass at ``inflated_loc`` is ``pi + (1 - pi) P(inflated_loc)``; for a
    continuous one ``log_prob`` is TFP's censored form: ``log pi`` within the tolerance of
    ``inflated_loc`` and ``log(1 - pi) + log p(x)`` elsewhere (the base density is evaluated at a
    draw of it there, so its gradient stays finite). As in TFP there is no ``quantile``, ``mode``
    or ``entropy``, and no event-space bijector.

    >>> d = Inflated(Poisson(rate=2.0), inflated_loc_probs=0.3)
    >>> round(float(d.mean()), 4)
    1.4
    """

    _param_event_ndims = {"inflated_loc_logits": 0, "inflated_loc_probs": 0, "inflated_loc": 0}
    _param_constraints = {"inflated_loc_probs": "unit_interval"}

    def __init__(self, distribution, inflated_loc_logits=None, inflated_loc_probs=None, inflated_loc=0.0,
                 inflated_loc_atol=None, inflated_loc_rtol=None, validate_args=False, allow_nan_stats=True,
                 name="Inflated"):
        parameters = dict(locals())
        owner = "Inflated"
        if not isinstance(distribution, Distribution):
            raise TypeError(f"{owner}: argument `distribution` must be a Distribution, got {type(distribution).__name__}")
        if (inflated_loc_logits is None) == (inflated_loc_probs is None):
            raise ValueError(f"{owner}: give exactly one of `inflated_loc_logits` and `inflated_loc_probs`")
        dtype = distribution.dtype
        if dtype.kind != "f":
            raise TypeError(f"{owner}: argument `distribution` must have a floating dtype, got {dtype}")
        self._distribution = distribution
        self._inflated_loc_logits = (None if inflated_loc_logits is None
                                     else internal.as_param(inflated_loc_logits, "inflated_loc_logits", dtype, owner))
        self._inflated_loc_probs = (None if inflated_loc_probs is None
                                    else internal.as_param(inflated_loc_probs, "inflated_loc_probs", dtype, owner))
        self._inflated_loc = internal.as_param(inflated_loc, "inflated_loc", dtype, owner)
        self._deterministic = Deterministic(self._inflated_loc, atol=inflated_loc_atol, rtol=inflated_loc_rtol)
        if self._inflated_loc_probs is not None:
            p = self._inflated_loc_probs
            cat = Categorical(probs=wb.stack([p, 1.0 - p], axis=-1))
        else:
            logits = self._inflated_loc_logits
            # TFP's categorical logits [l, -l]: the inflated point's probability is sigmoid(2 l)
            cat = Categorical(logits=wb.stack([logits, -logits], axis=-1))
        super().__init__(cat, [self._deterministic, distribution], validate_args, allow_nan_stats, name=name)
        self._parameters = {k: v for k, v in parameters.items() if k not in ("self", "__class__")}

    @property
    def distribution(self):
        return self._distribution

    @property
    def inflated_loc_logits(self):
        return self._inflated_loc_logits

    @property
    def inflated_loc_probs(self):
        return self._inflated_loc_probs

    @property
    def inflated_loc(self):
        return self._inflated_loc

    def _default_event_space_bijector(self):
        return None   # TFP's: a point mass has no unconstrained space

    def _log_pi(self):
        """``(log pi, log(1 - pi))``."""
        if self._inflated_loc_logits is not None:
            l2 = 2.0 * self._inflated_loc_logits
            return wb.math.log_sigmoid(l2), wb.math.log_sigmoid(-l2)
        p = self._inflated_loc_probs
        return wb.log(p), wb.log1p(-p)

    def _log_prob(self, x):
        if _is_discrete(self._distribution):
            return super()._log_prob(x)
        at_loc = wb.math.abs(x - self._inflated_loc) <= self._deterministic._slack()
        safe_x = wb.where(at_loc, self._distribution.sample(seed=(0, 0)) + wb.zeros_like(x), x)
        log_pi, log_1m_pi = self._log_pi()
        return wb.where(at_loc, log_pi + wb.zeros_like(x), log_1m_pi + self._distribution.log_prob(safe_x))

    def _cdf(self, x):
        return wb.exp(self._log_cdf(x))

    def __getitem__(self, slices):
        slices = as_slices(slices)
        batch = tuple(self.batch_shape)

        def cut(t):
            return None if t is None else wb.broadcast_to(t, batch)[slices]
        return Inflated(sliced_base(self._distribution, batch, slices), cut(self._inflated_loc_logits), cut(self._inflated_loc_probs),
                        cut(self._inflated_loc), self._parameters.get("inflated_loc_atol"),
                        self._parameters.get("inflated_loc_rtol"), self._validate_args, self._allow_nan_stats,
                        self._name)
