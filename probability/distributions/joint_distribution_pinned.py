"""JointDistributionPinned: a joint distribution with some parts fixed to observed values."""

from __future__ import annotations

import collections

import workbench as wb

from .joint_distribution import JointDistribution

__all__ = ["JointDistributionPinned"]


class JointDistributionPinned:
    """``distribution`` with the parts named in ``pins`` fixed: an unnormalized density over the
    free parts (the joint density at the free values and the pins), as TFP's
    ``experimental_pin`` gives for conditioning on data.

    >>> pinned = jd.experimental_pin(y=observed)        # or JointDistributionPinned(jd, y=observed)
    >>> pinned.unnormalized_log_prob(mu=0.1, tau=2.0)   # = jd.log_prob(mu=0.1, tau=2.0, y=observed)
    """

    def __init__(self, distribution, *args, **pins):
        if not isinstance(distribution, JointDistribution):
            raise TypeError(f"JointDistributionPinned: `distribution` must be a joint distribution, got "
                            f"{type(distribution).__name__}")
        names = [name for name, _ in distribution.resolve_graph()]
        if args:
            if len(args) == 1 and isinstance(args[0], dict):
                pins = {**args[0], **pins}
            else:
                raise TypeError("JointDistributionPinned: give the pins by name (y=...) or as one dict")
        unknown = sorted(set(pins) - set(names))
        if unknown:
            raise ValueError(f"JointDistributionPinned: pinned names {unknown} are not parts of the model {names}")
        if not pins:
            raise ValueError("JointDistributionPinned: pin at least one part")
        self._distribution = distribution
        self._pins = dict(pins)
        self._free = [k for k in names if k not in pins]
        self._struct = collections.namedtuple("StructTuple", self._free, rename=True)   # names may not be identifiers

    @property
    def distribution(self):
        return self._distribution

    @property
    def pins(self):
        return dict(self._pins)

    @property
    def name(self):
        return "Pinned" + self._distribution.name

    def _select_free(self, whole):
        """The free parts of one of the model's structures (list, dict or StructTuple), in the same kind
        of structure; an auto-batched model's single batch shape is passed through."""
        if isinstance(whole, (wb.TensorShape, wb.Tensor)):
            return whole
        if isinstance(whole, dict):
            return {k: v for k, v in whole.items() if k in self._free}
        if hasattr(whole, "_fields"):
            return self._struct(*[getattr(whole, k) for k in self._free])
        names = [name for name, _ in self._distribution.resolve_graph()]
        return [v for k, v in zip(names, whole) if k not in self._pins]

    @property
    def dtype(self):
        return self._select_free(self._distribution.dtype)

    @property
    def batch_shape(self):
        return self._select_free(self._distribution.batch_shape)

    @property
    def event_shape(self):
        return self._select_free(self._distribution.event_shape)

    def batch_shape_tensor(self):
        return self._select_free(self._distribution.batch_shape_tensor())

    def event_shape_tensor(self):
        return self._select_free(self._distribution.event_shape_tensor())

    def _free_values(self, args, kwargs, method):
        if kwargs and args:
            raise ValueError(f"JointDistributionPinned.{method}: give the free values by position or by name, not both")
        if kwargs:
            values = kwargs
        elif len(args) == 1 and isinstance(args[0], dict):
            values = args[0]
        else:
            seq = list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else list(args)
            if len(seq) != len(self._free):
                raise ValueError(f"JointDistributionPinned.{method}: expected {len(self._free)} values for the free "
                                 f"parts {self._free}, got {len(seq)}")
            values = dict(zip(self._free, seq))
        missing = [k for k in self._free if k not in values]
        extra = sorted(set(values) - set(self._free))
        if missing or extra:
            raise ValueError(f"JointDistributionPinned.{method}: the free parts are {self._free}; missing {missing}, "
                             f"unexpected {extra}")
        return values

    def unnormalized_log_prob(self, *args, **kwargs):
        """The joint log density at the free values and the pins (one number per draw)."""
        values = self._free_values(args, kwargs, "unnormalized_log_prob")
        return self._distribution.log_prob(**values, **self._pins)

    log_prob = unnormalized_log_prob

    def log_prob_parts(self, *args, **kwargs):
        """The joint's log_prob_parts at the free values and the pins (pinned parts included)."""
        values = self._free_values(args, kwargs, "log_prob_parts")
        return self._distribution.log_prob_parts({**values, **self._pins})

    def experimental_default_event_space_bijector(self):
        """The free parts' default event space bijectors (a ``JointMap``), each made from its
        part's distribution given the pins and the earlier parts' values."""
        from .joint_distribution_bijector import JointDistributionDefaultBijector  # circular: via bijectors
        return JointDistributionDefaultBijector(self._distribution, self._pins)

    def sample_unpinned(self, sample_shape=(), seed=None):
        """Free parts drawn from the model with the pins in place (a dict of them for a named model, a
        StructTuple otherwise)."""
        draw = self._distribution.sample(sample_shape, seed=seed, **self._pins)
        if isinstance(draw, dict):   # a named model's free parts stay a dict (as TFP 0.25)
            return type(draw)((k, draw[k]) for k in self._free)
        draw = dict(zip(
            [n for n, _ in self._distribution.resolve_graph()], draw))
        return self._struct(*[draw[k] for k in self._free])

    sample = sample_unpinned

    def __repr__(self):
        return (f"<probability.distributions.JointDistributionPinned of {type(self._distribution).__name__}: "
                f"pinned {sorted(self._pins)}, free {self._free}>")
