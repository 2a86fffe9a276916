"""The KL-divergence registry: ``RegisterKL(A, B)`` and ``kl_divergence(p, q)`` with subclass dispatch."""

from __future__ import annotations

_REGISTRY: dict = {}


class RegisterKL:
    """Decorator registering ``fn(p, q)`` as ``KL(p || q)`` for ``p`` of type ``A`` and ``q`` of type ``B``.

    >>> @RegisterKL(Normal, Normal)
    ... def _kl_normal_normal(a, b, name=None): ...
    """

    def __init__(self, dist_cls_a, dist_cls_b):
        self._key = (dist_cls_a, dist_cls_b)

    def __call__(self, fn):
        if self._key in _REGISTRY:
            a, b = self._key
            raise ValueError(f"KL({a.__name__} || {b.__name__}) is registered twice")
        _REGISTRY[self._key] = fn
        return fn


def _lookup(type_a, type_b):
    """The registered function for the closest pair of ancestors (smallest MRO distance sum)."""
    best, best_dist = None, None
    for i, a in enumerate(type_a.__mro__):
        for j, b in enumerate(type_b.__mro__):
            fn = _REGISTRY.get((a, b))
            if fn is not None and (best_dist is None or i + j < best_dist):
                best, best_dist = fn, i + j
    return best


def kl_divergence(distribution_a, distribution_b, allow_nan_stats=True, name=None):
    """``KL(distribution_a || distribution_b)``, batched; analytic where a rule is registered."""
    fn = _lookup(type(distribution_a), type(distribution_b))
    if fn is None:
        raise NotImplementedError(
            f"no KL(distribution_a || distribution_b) is registered for distribution_a of type "
            f"{type(distribution_a).__name__} and distribution_b of type {type(distribution_b).__name__}")
    return fn(distribution_a, distribution_b)
