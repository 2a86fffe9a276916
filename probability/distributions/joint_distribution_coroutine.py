"""JointDistributionCoroutine: a joint distribution written as a generator that yields its parts.

>>> Root = JointDistributionCoroutine.Root
>>> def model():
...     scale = yield Root(Exponential(1.0, name="scale"))
...     yield Normal(0.0, scale, name="y")
>>> jd = JointDistributionCoroutine(model)
>>> draw = jd.sample(4, seed=1)        # StructTuple(scale=..., y=...), each of shape (4,)
>>> jd.log_prob(draw).shape
(4,)

Each ``yield`` hands a distribution to the joint distribution and receives its value. A
distribution wrapped in ``Root`` depends on nothing and is drawn with the whole
``sample_shape``; the others inherit it through their parameters.
"""

from __future__ import annotations

import collections
import keyword

import workbench as wb

from .. import internal
from .distribution import Distribution
from .joint_distribution import JointDistribution, _check_vectorized_map, _explicit_name

__all__ = ["JointDistributionCoroutine", "Root"]


class Root(collections.namedtuple("Root", ["distribution"])):
    """Marks a yielded distribution that depends on no earlier part (drawn with ``sample_shape``)."""

    __slots__ = ()


def _unwrap(yielded, where):
    root = isinstance(yielded, Root)
    d = yielded.distribution if root else yielded
    if not isinstance(d, Distribution):
        raise TypeError(f"{where}: the model yielded a {type(d).__name__}; it must yield Distributions "
                        "(or Root(distribution))")
    return d, root


class JointDistributionCoroutine(JointDistribution):
    """A joint distribution from a generator function ``model()`` (see the module docstring).

    ``sample``, ``log_prob`` and ``log_prob_parts`` use a ``StructTuple`` (a namedtuple whose
    fields are the parts' names: the distributions' ``name`` if given, else ``var<i>``);
    ``log_prob`` also takes a list or tuple in yield order, or the values by name.
    """

    Root = Root

    def _independent_parts(self, method):
        # TFP gives a coroutine model no statistics, independent parts or not
        raise NotImplementedError(f"{method} is not implemented: {type(self).__name__}")

    def __new__(cls, model=None, sample_dtype=None, batch_ndims=None, *args, **kwargs):
        # TFP's rule: a batch_ndims makes the auto-batched joint distribution with that many batch dims
        if cls is JointDistributionCoroutine and batch_ndims is not None:
            from .joint_distribution_auto_batched import JointDistributionCoroutineAutoBatched  # it subclasses this
            return object.__new__(JointDistributionCoroutineAutoBatched)
        return object.__new__(cls)

    def __init__(self, model, sample_dtype=None, batch_ndims=None, use_vectorized_map=False,
                 validate_args=False, experimental_use_kahan_sum=False, name=None):
        _check_vectorized_map(batch_ndims, use_vectorized_map)
        if not callable(model):
            raise TypeError(f"JointDistributionCoroutine: `model` must be a generator function, got "
                            f"{type(model).__name__}")
        super().__init__(model, validate_args, name)
        self._struct = collections.namedtuple("StructTuple", [p[0] for p in self._parts])

    def _run(self, sample_shape, seed, value, num_parts, draw=None):
        """Run the generator: ``(distributions, values)`` in yield order."""
        shape = internal.shape_tuple(sample_shape)
        seeds = self._seeds_for_parts(seed, num_parts)
        gen = self._model()
        where = f"{type(self).__name__}"
        dists, values = [], []
        try:
            yielded = next(gen)
            while True:
                i = len(dists)
                if i >= num_parts:
                    raise ValueError(f"{where}: the model yielded more than the {num_parts} distributions it "
                                     "yielded when first run; the number of parts must not change")
                d, root = _unwrap(yielded, where)
                pinned = None if value is None else value[i]
                if draw is not None:
                    x = draw(i, d, pinned)
                elif pinned is None:
                    x = d.sample(shape if root else (), seed=seeds[i])
                else:
                    x = pinned if isinstance(pinned, wb.Tensor) else d._value(pinned, "sample")
                dists.append(d)
                values.append(x)
                yielded = gen.send(x)
        except StopIteration:
            pass
        if len(dists) != num_parts:
            raise ValueError(f"{where}: the model yielded {len(dists)} distributions, not the {num_parts} it "
                             "yielded when first run")
        return dists, values

    def _build_parts(self, model):
        if not callable(model):
            raise TypeError(f"JointDistributionCoroutine: `model` must be a generator function, got "
                            f"{type(model).__name__}")
        gen = model()
        if not hasattr(gen, "send"):
            raise TypeError("JointDistributionCoroutine: `model()` must return a generator (a function that "
                            f"yields distributions), got {type(gen).__name__}")
        parts = []
        try:
            yielded = next(gen)
            while True:
                d, root = _unwrap(yielded, "JointDistributionCoroutine")
                parents = [] if root else list(range(len(parts)))
                parts.append([_explicit_name(d), d, parents, "coroutine"])
                yielded = gen.send(d.sample(seed=(len(parts), 0)))
        except StopIteration:
            pass
        seen = set()
        for i, p in enumerate(parts):
            if p[0] is None or p[0] in seen or not p[0].isidentifier() or keyword.iskeyword(p[0]) \
                    or p[0].startswith("_"):
                p[0] = f"var{i}"
            seen.add(p[0])
        return [tuple(p) for p in parts]

    def _execute(self, sample_shape=(), seed=None, value=None, draw=None):
        return self._run(sample_shape, seed, value, len(self._parts), draw)

    def _structure(self, flat):
        return self._struct(*flat)

    def _flatten(self, value, method, allow_missing=False):
        names = [p[0] for p in self._parts]
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(names))
            if unknown:
                raise ValueError(f"{type(self).__name__}.{method}: unknown part names {unknown}; the parts are "
                                 f"{names}")
            flat = [value.get(k) for k in names]
        elif isinstance(value, (list, tuple)) and len(value) == len(names):
            flat = list(value)
        elif allow_missing and isinstance(value, (list, tuple)) and len(value) < len(names):
            # TFP's sample(value=...): values for the first parts, the rest are drawn
            flat = list(value) + [None] * (len(names) - len(value))
        else:
            got = len(value) if isinstance(value, (list, tuple)) else type(value).__name__
            raise ValueError(f"{type(self).__name__}.{method}: expected {len(names)} values (one per yielded "
                             f"distribution: {names}), got {got}")
        if not allow_missing and any(v is None for v in flat):
            missing = [k for k, v in zip(names, flat) if v is None]
            raise ValueError(f"{type(self).__name__}.{method}: no value for parts {missing}")
        return flat
