"""Joint distributions of several random variables, each possibly depending on earlier ones.

``JointDistributionSequential([d0, fn1, fn2, ...])``: each callable receives the values
sampled so far, most recent first (TFP's convention: ``fn2(x1, x0)``), and takes as many as
it has required positional arguments. ``JointDistributionNamed({"a": d, "b": fn})``: a
callable names its dependencies by its argument names.

Parts that depend on nothing are sampled with the whole ``sample_shape``; the others inherit
it through their parameters (so ``sample(5)`` gives 5 joint draws, not 5 x 5).
"""

from __future__ import annotations

import functools

import collections
import inspect

import numpy as np

import workbench as wb

from .. import internal
from .distribution import Distribution
from .kullback_leibler import RegisterKL, kl_divergence
from ..internal import samplers

__all__ = ["JointDistribution", "JointDistributionSequential", "JointDistributionNamed"]


def _required_positional(fn, where):
    """Names of ``fn``'s required positional parameters, and whether it takes ``*args``."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: cannot inspect the arguments of {fn!r}") from None
    names, varargs = [], False
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            varargs = True
        elif p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty:
            names.append(p.name)
    return names, varargs


def _takes_var_keyword(fn):
    try:
        return any(p.kind is p.VAR_KEYWORD for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False


def _shape_tensors(shapes):
    """A TensorShape, or a list / dict / StructTuple of them, as int32 tensors in that structure."""
    if isinstance(shapes, wb.TensorShape):
        return wb.constant(np.asarray(shapes.as_list(), dtype=np.int32).reshape(-1))
    if isinstance(shapes, dict):
        return type(shapes)((k, _shape_tensors(v)) for k, v in shapes.items())
    if hasattr(shapes, "_fields"):
        return type(shapes)(*[_shape_tensors(v) for v in shapes])
    return [_shape_tensors(v) for v in shapes]


def _check_vectorized_map(batch_ndims, use_vectorized_map):
    """TFP's rule: vectorizing the model over draws needs a known number of batch dims."""
    if use_vectorized_map and batch_ndims is None:
        raise ValueError("Autovectorization with `use_vectorized_map=True` is unsupported when `batch_ndims is "
                         "None`. Please specify an integer number of batch dimensions.")


def _explicit_name(d):
    """The name the user gave a distribution, or None for the family's default."""
    name = d.parameters.get("name") if isinstance(d, Distribution) else None
    if not name or type(d).__name__ in name:     # TFP: a name holding the class name is a default
        return None
    try:
        default = inspect.signature(type(d).__init__).parameters["name"].default
    except (KeyError, ValueError):
        default = None
    return None if name == default else name



def _part_seeds(seed, n):
    """TFP's seeds for ``n`` parts: the seed salted with "JointDistribution", then split in two
    once per part (the first half is the part's, the second carries on), pinned parts too."""
    seed = samplers.sanitize_seed(seed, salt="JointDistribution")
    seeds = []
    for _ in range(n):
        part, seed = samplers.split_seed(seed)
        seeds.append(part)
    return seeds

class JointDistribution(Distribution):
    """Shared engine: an ordered list of parts ``(name, maker, parents)``; ``maker`` is a
    Distribution or a callable of the parents' values."""

    def __init__(self, model, validate_args=False, name=None):
        self._model = model
        self._parts = self._build_parts(model)     # list of (name, maker, parent indices, call style)
        self._single = None
        super().__init__(np.float32, None, validate_args, True, {"model": model, "validate_args": validate_args,
                                                                  "name": name}, name or type(self).__name__)

    # subclasses: parts in sampling order, and how values are structured for the user
    def _build_parts(self, model):
        raise NotImplementedError

    def _structure(self, flat):
        raise NotImplementedError

    def _flatten(self, value, method):
        raise NotImplementedError

    @property
    def model(self):
        return self._model

    # -- running the model ------------------------------------------------------
    def _make(self, i, values):
        name, maker, parents, style = self._parts[i]
        if isinstance(maker, Distribution):
            return maker
        if style == "named":
            d = maker(**{self._parts[j][0]: values[j] for j in parents})
        else:
            d = maker(*[values[j] for j in parents])
        if not isinstance(d, Distribution):
            raise TypeError(f"{type(self).__name__}: part '{name}' returned a {type(d).__name__}, "
                            "not a Distribution")
        return d

    def _seeds_for_parts(self, seed, n):
        return _part_seeds(seed, n)

    def _execute(self, sample_shape=(), seed=None, value=None, draw=None):
        """(distributions, values) in part order; ``value[i]`` (if not None) pins part ``i``.
        ``draw(i, distribution, value[i])``, if given, makes each part's value instead."""
        shape = internal.shape_tuple(sample_shape)
        n = len(self._parts)
        # one stream per part, split even for pinned parts, so pinning one part leaves the others' draws
        seeds = self._seeds_for_parts(seed, n)
        dists, values = [], []
        for i in range(n):
            d = self._make(i, values)
            pinned = None if value is None else value[i]
            if draw is not None:
                x = draw(i, d, pinned)
            elif pinned is None:
                root = not self._parts[i][2]
                x = d.sample(shape if root else (), seed=seeds[i])
            else:
                x = pinned if isinstance(pinned, wb.Tensor) else d._value(pinned, "sample")
            dists.append(d)
            values.append(x)
        return dists, values

    def _single_sample_distributions(self):
        if self._single is None:
            self._single = self._execute((), seed=(0, 0))[0]
        return self._single

    # -- the public API ----------------------------------------------------------------
    def sample(self, sample_shape=(), seed=None, value=None, name=None, **kwargs):
        """One value per part (a list or dict, like the model); ``value=`` or keyword arguments pin
        some parts (None: draw it)."""
        pins = self._pins(value, kwargs)
        return self._structure(self._execute(sample_shape, seed, pins)[1])

    def sample_distributions(self, sample_shape=(), seed=None, value=None, name=None, **kwargs):
        """``(distributions, samples)``: the distribution each part had, given the earlier draws."""
        dists, values = self._execute(sample_shape, seed, self._pins(value, kwargs))
        return self._structure(dists), self._structure(values)

    # -- statistics: defined when the parts do not depend on each other (TFP's rule) -------
    def _independent_parts(self, method):
        if not all(isinstance(maker, Distribution) for _, maker, _, _ in self._parts):
            tail = "." if method == "entropy" else f"; {self._model!r}"
            raise ValueError(f"Can only compute {method} when all distributions are independent{tail}")
        return [maker for _, maker, _, _ in self._parts]

    def mean(self, name=None, **kwargs):
        """Each part's mean, in the model's structure (parts that depend on others: ValueError)."""
        return self._structure([d.mean(**kwargs) for d in self._independent_parts("mean")])

    def variance(self, name=None, **kwargs):
        """Each part's variance, in the model's structure."""
        return self._structure([d.variance(**kwargs) for d in self._independent_parts("variance")])

    def stddev(self, name=None, **kwargs):
        """Each part's standard deviation, in the model's structure."""
        return self._structure([d.stddev(**kwargs) for d in self._independent_parts("stddev")])

    def mode(self, name=None, **kwargs):
        """Each part's mode, in the model's structure."""
        return self._structure([d.mode(**kwargs) for d in self._independent_parts("mode")])

    def entropy(self, name=None, **kwargs):
        """The sum of the parts' entropies (independent parts only)."""
        parts = [d.entropy(**kwargs) for d in self._independent_parts("entropy")]
        return functools.reduce(lambda a, b: a + b, parts)

    def log_prob_parts(self, value, name=None):
        flat = self._flatten(value, "log_prob_parts")
        dists, values = self._execute((), (0, 0), flat)
        return self._structure([d.log_prob(x) for d, x in zip(dists, values)])

    def log_prob(self, *args, **kwargs):
        """``sum(log_prob_parts)``: ``log_prob(values)``, ``log_prob(v0, v1, ...)`` or by name."""
        kwargs.pop("name", None)
        flat = self._resolve(args, kwargs, "log_prob")
        dists, values = self._execute((), (0, 0), flat)
        parts = [d.log_prob(x) for d, x in zip(dists, values)]
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        return total

    def prob(self, *args, **kwargs):
        return wb.exp(self.log_prob(*args, **kwargs))

    def prob_parts(self, value, name=None):
        """``exp`` of each of ``log_prob_parts(value)``, in the model's structure."""
        parts = self.log_prob_parts(value)
        return type(parts)({k: wb.exp(v) for k, v in parts.items()}) if isinstance(parts, dict) else \
            self._structure([wb.exp(v) for v in parts])

    def unnormalized_log_prob(self, *args, **kwargs):
        """The log density up to a constant: here (normalized parts) ``log_prob``, as TFP."""
        return self.log_prob(*args, **kwargs)

    def unnormalized_log_prob_parts(self, value, name=None):
        return self.log_prob_parts(value)

    def experimental_pin(self, *args, **kwargs):
        """This model with the named parts fixed (``JointDistributionPinned``): an unnormalized
        density over the other parts, e.g. a posterior given observed data."""
        from .joint_distribution_pinned import JointDistributionPinned  # circular: it imports this module
        return JointDistributionPinned(self, *args, **kwargs)

    def _default_event_space_bijector(self, *args, **kwargs):
        """A ``JointMap`` of the parts' default bijectors, each made from the part's distribution
        at the values at hand (see ``joint_distribution_bijector``); arguments pin parts first."""
        if args or kwargs:
            return self.experimental_pin(*args, **kwargs).experimental_default_event_space_bijector()
        from .joint_distribution_bijector import JointDistributionDefaultBijector  # circular: via bijectors
        return JointDistributionDefaultBijector(self)

    def _part_event_ndims(self):
        """Each part's number of event dimensions, in part order."""
        return [len(d.event_shape) for d in self._single_sample_distributions()]

    def _run_with(self, values, draw, sample_shape=()):
        """Run the model once at ``values`` (None: made by ``draw(i, distribution, value)``); the
        model broadcasts over ``sample_shape`` itself."""
        return self._execute((), (0, 0), values, draw)

    def _vectorizes(self, sample_shape):
        """Whether one run of the model covers ``sample_shape`` draws (an AutoBatched model may not)."""
        return True

    def _draw_shapes(self):
        """The full shape of one draw of each part (batch + event of the part)."""
        return [d.batch_shape + d.event_shape for d in self._single_sample_distributions()]

    def resolve_graph(self):
        """``((name, (parent names...)), ...)`` in sampling order."""
        return tuple((name, self._parent_labels(i)) for i, (name, _, _, _) in enumerate(self._parts))

    def _parent_labels(self, i):
        return tuple(self._parts[j][0] for j in self._parts[i][2])

    def _resolve(self, args, kwargs, method):
        names = [p[0] for p in self._parts]
        if "value" in kwargs:
            return self._flatten(kwargs.pop("value"), method)
        if len(args) == 1 and not kwargs:
            if len(names) == 1 and not isinstance(args[0], (list, tuple, dict)):
                return [args[0]]   # one part: its value alone, as TFP takes it
            return self._flatten(args[0], method)
        if args and kwargs:   # TFP: the first parts by position, the others by name
            twice = sorted(set(names[:len(args)]) & set(kwargs))
            if len(args) > len(names) or twice:
                raise ValueError(f"{type(self).__name__}.{method}: {len(args)} values by position and {sorted(kwargs)} "
                                 f"by name do not match the parts {names} once each")
            kwargs = {**dict(zip(names, args)), **kwargs}
        if kwargs:
            unknown = sorted(set(kwargs) - set(names))
            if unknown:
                raise ValueError(f"{type(self).__name__}.{method}: unknown part names {unknown}; the parts are {names}")
            missing = [k for k in names if k not in kwargs]
            if missing:
                raise ValueError(f"{type(self).__name__}.{method}: no value for parts {missing}")
            return [kwargs[k] for k in names]
        return self._flatten(list(args), method)

    def _pins(self, value, kwargs):
        if value is not None and kwargs:
            raise ValueError(f"{type(self).__name__}.sample: give `value` or keyword arguments, not both")
        if kwargs:
            names = [p[0] for p in self._parts]
            unknown = sorted(set(kwargs) - set(names))
            if unknown:
                raise ValueError(f"{type(self).__name__}.sample: unknown part names {unknown}; the parts are {names}")
            return [kwargs.get(k) for k in names]
        return None if value is None else self._flatten(value, "sample", allow_missing=True)

    # -- shapes and structure ------------------------------------------------------------
    @property
    def dtype(self):
        return self._structure([d.dtype for d in self._single_sample_distributions()])

    @property
    def batch_shape(self):
        return self._structure([d.batch_shape for d in self._single_sample_distributions()])

    @property
    def event_shape(self):
        return self._structure([d.event_shape for d in self._single_sample_distributions()])

    @property
    def reparameterization_type(self):
        return self._structure([d.reparameterization_type for d in self._single_sample_distributions()])

    def batch_shape_tensor(self):
        """``batch_shape`` as int32 tensors, in the same structure."""
        return _shape_tensors(self.batch_shape)

    def event_shape_tensor(self):
        """``event_shape`` as int32 tensors, one per part."""
        return _shape_tensors(self.event_shape)

    def is_scalar_event(self):
        return self._structure([d.event_shape == () for d in self._single_sample_distributions()])

    def is_scalar_batch(self):
        return self._structure([d.batch_shape == () for d in self._single_sample_distributions()])

    def _sample_n(self, n, seed):
        raise NotImplementedError(f"{type(self).__name__}: use sample(), which returns one value per part")

    def __getitem__(self, slices):
        raise NotImplementedError(f"{type(self).__name__} does not support batch slicing")


class JointDistributionSequential(JointDistribution):
    """A joint distribution from a list: each entry is a Distribution or a callable of the
    earlier parts' values, most recent first.

    >>> jd = JointDistributionSequential([
    ...     Normal(0.0, 1.0),                        # x0
    ...     lambda x0: Normal(x0, 1.0),              # x1 | x0
    ...     lambda x1, x0: Normal(x0 + x1, 1.0),     # x2 | x1, x0
    ... ])
    >>> xs = jd.sample(4, seed=1)                    # [x0, x1, x2], each of shape (4,)
    >>> jd.log_prob(xs).shape
    (4,)
    """

    def __new__(cls, model=None, batch_ndims=None, *args, **kwargs):
        # TFP's rule: a batch_ndims makes the auto-batched joint distribution with that many batch dims
        if cls is JointDistributionSequential and batch_ndims is not None:
            from .joint_distribution_auto_batched import JointDistributionSequentialAutoBatched  # it subclasses this
            return object.__new__(JointDistributionSequentialAutoBatched)
        return object.__new__(cls)

    def __init__(self, model, batch_ndims=None, use_vectorized_map=False, validate_args=False,
                 experimental_use_kahan_sum=False, name=None):
        _check_vectorized_map(batch_ndims, use_vectorized_map)
        super().__init__(list(model), validate_args, name)

    def _build_parts(self, model):
        parts = []
        for i, maker in enumerate(model):
            if isinstance(maker, Distribution):
                parents = []
            elif callable(maker):
                names, varargs = _required_positional(maker, f"JointDistributionSequential: model[{i}]")
                k = i if varargs else len(names)
                if k > i:
                    raise ValueError(f"JointDistributionSequential: model[{i}] takes {k} arguments but only "
                                     f"{i} parts come before it")
                parents = [i - 1 - j for j in range(k)]   # most recent first
            else:
                raise TypeError(f"JointDistributionSequential: model[{i}] is a {type(maker).__name__}, "
                                "not a Distribution or a callable")
            parts.append([None, maker, parents, "positional"])
        # names: TFP's, resolved when first asked for (they may need one run of the model)
        return [tuple(p) for p in parts]

    def _parent_labels(self, i):
        # TFP lists a callable's own argument names (``_`` too); a ``*args`` part, its parents' names
        _, maker, parents, _ = self._parts[i]
        if isinstance(maker, Distribution):
            return ()
        arg_names, _ = _required_positional(maker, "")
        return tuple(arg_names) + tuple(self._parts[j][0] for j in parents[len(arg_names):])

    @property
    def _parts(self):
        parts = self._named_parts
        if parts is None:
            self._named_parts = self._unnamed_parts      # the run below needs no names
            try:
                parts = self._name_parts(self._unnamed_parts)
            finally:
                self._named_parts = None
            self._named_parts = parts
        return parts

    @_parts.setter
    def _parts(self, parts):
        self._unnamed_parts, self._named_parts = parts, None

    def _name_parts(self, parts):
        """TFP's names: the argument names later parts call a part by (the last part first; two
        different names for one part are an error), then the ``name=`` a part's distribution was
        given (from one run of the model with the zeros seed where a part is a callable; it must
        agree with an argument name), then ``x``, ``x1``, ... for the rest, the last part first."""
        names = [None] * len(parts)
        nontrivial = lambda n: bool(n) and n != "_"
        for i in reversed(range(len(parts))):
            maker, parents = parts[i][1], parts[i][2]
            if isinstance(maker, Distribution) or not parents:
                continue
            arg_names, _ = _required_positional(maker, "")
            for j, arg in zip(parents, arg_names):
                if nontrivial(arg):
                    if nontrivial(names[j]) and names[j] != arg:
                        raise ValueError(f'Inconsistent names: component with name "{arg}" was referred to by a '
                                         f'different name "{names[j]}".')
                    names[j] = arg
        makers = [p[1] for p in parts]
        if all(isinstance(m, Distribution) for m in makers):
            dists = makers
        else:
            dists = self._execute((), seed=(0, 0))[0]
        for i, d in enumerate(dists):
            own = _explicit_name(d)
            if own is None:
                continue
            if own in ("value", "name"):
                raise ValueError(f'Distribution name "{own}" is not allowed as a JointDistribution component; '
                                 "please choose a different name.")
            if nontrivial(names[i]) and names[i] != own:
                raise ValueError(f'Inconsistent names: component with name "{own}" was referred to by a '
                                 f'different name "{names[i]}".')
            names[i] = own
        taken, k = set(names), 0
        for i in reversed(range(len(parts))):
            if not nontrivial(names[i]):
                candidate = "x" if k == 0 else f"x{k}"
                while candidate in taken:
                    k += 1
                    candidate = f"x{k}"
                names[i] = candidate
                taken.add(candidate)
        if len(set(names)) != len(names):
            raise ValueError(f"Distribution names must be unique: {tuple(names)}")
        return [(n,) + tuple(p[1:]) for n, p in zip(names, parts)]

    def _structure(self, flat):
        return list(flat)

    def _flatten(self, value, method, allow_missing=False):
        if isinstance(value, dict):
            names = [p[0] for p in self._parts]
            return [value.get(k) for k in names]
        if allow_missing and isinstance(value, (list, tuple)) and len(value) < len(self._parts):
            # TFP's sample(value=...): values for the first parts, the rest are drawn
            value = list(value) + [None] * (len(self._parts) - len(value))
        if not isinstance(value, (list, tuple)) or len(value) != len(self._parts):
            got = len(value) if isinstance(value, (list, tuple)) else type(value).__name__
            raise ValueError(f"JointDistributionSequential.{method}: expected a list of {len(self._parts)} "
                             f"values (one per part), got {got}")
        if not allow_missing and any(v is None for v in value):
            raise ValueError(f"JointDistributionSequential.{method}: no value part can be None")
        return list(value)


def _check_acyclic(deps):
    """A ValueError naming the parts of a cycle among the dependencies, if there is one."""
    state = {}

    def visit(k, path):
        if state.get(k) == "done":
            return
        if state.get(k) == "open":
            raise ValueError(f"JointDistributionNamed: the dependencies of {path[path.index(k):]} form a cycle")
        state[k] = "open"
        for d in deps[k]:
            visit(d, path + [k])
        state[k] = "done"

    for k in deps:
        visit(k, [])


def _tfp_key_order(deps):
    """The order of the keys in the dicts a JointDistributionNamed returns, as TFP's: parts by
    decreasing depth (the longest chain of dependencies below them), then decreasing name, each
    after its own dependencies (visited the same way)."""
    depth = {}

    def find_depth(k):
        if k not in depth:
            depth[k] = 1 + max([find_depth(d) for d in deps[k]], default=-1)
        return depth[k]

    for k in deps:
        find_depth(k)
    out, seen = [], set()

    def visit(k):
        if k in seen:
            return
        seen.add(k)
        for d in sorted(deps[k], key=lambda d: (depth[d], d), reverse=True):
            visit(d)
        out.append(k)

    for k in sorted(deps, key=lambda k: (depth[k], k), reverse=True):
        visit(k)
    return out


@RegisterKL(JointDistributionSequential, JointDistributionSequential)
def _kl_joint_joint(a, b, name=None):
    """The sum of the parts' KLs, for models of independent parts (as TFP)."""
    if len(a._parts) != len(b._parts):
        raise ValueError("kl_divergence: the joint distributions must have the same number of parts")
    if any(part[2] for part in a._parts + b._parts):
        raise ValueError("kl_divergence: every part of both joint distributions must be independent "
                         "(no part may take earlier parts as arguments)")
    return sum(kl_divergence(a._make(i, []), b._make(i, [])) for i in range(len(a._parts)))


class JointDistributionNamed(JointDistribution):
    """A joint distribution from a dict: each value is a Distribution or a callable whose argument
    names are the names of the parts it depends on.

    >>> jd = JointDistributionNamed(dict(
    ...     scale=Exponential(1.0),
    ...     y=lambda scale: Normal(0.0, scale),
    ... ))
    >>> draw = jd.sample(seed=1)                      # {"scale": ..., "y": ...}
    >>> jd.log_prob(draw)                             # or jd.log_prob(scale=..., y=...)
    """

    def __new__(cls, model=None, batch_ndims=None, *args, **kwargs):
        if cls is JointDistributionNamed and batch_ndims is not None:   # as JointDistributionSequential
            from .joint_distribution_auto_batched import JointDistributionNamedAutoBatched  # it subclasses this
            return object.__new__(JointDistributionNamedAutoBatched)
        return object.__new__(cls)

    def __init__(self, model, batch_ndims=None, use_vectorized_map=False, validate_args=False,
                 experimental_use_kahan_sum=False, name=None):
        _check_vectorized_map(batch_ndims, use_vectorized_map)
        if not isinstance(model, dict):
            raise TypeError(f"JointDistributionNamed: `model` must be a dict, got {type(model).__name__}")
        super().__init__(collections.OrderedDict(model) if isinstance(model, collections.OrderedDict) else dict(model),
                         validate_args, name)

    def _build_parts(self, model):
        deps = {}
        for key, maker in model.items():
            if isinstance(maker, Distribution):
                deps[key] = []
            elif callable(maker):
                names, varargs = _required_positional(maker, f"JointDistributionNamed: model['{key}']")
                if varargs:
                    raise ValueError(f"JointDistributionNamed: model['{key}'] takes *args; name its dependencies")
                unknown = [n for n in names if n not in model]
                if unknown:
                    raise ValueError(f"JointDistributionNamed: model['{key}'] depends on {unknown}, which are not "
                                     f"parts of the model {list(model)}")
                if not names and _takes_var_keyword(maker):   # `lambda **kw`: every part before it (as TFP)
                    names = list(model)[:list(model).index(key)]
                deps[key] = names
            else:
                raise TypeError(f"JointDistributionNamed: model['{key}'] is a {type(maker).__name__}, "
                                "not a Distribution or a callable")
        _check_acyclic(deps)
        # TFP's order (an OrderedDict's own): the parts draw their seeds, and the dicts list their keys, in it
        order = list(model) if isinstance(model, collections.OrderedDict) else _tfp_key_order(deps)
        index = {k: i for i, k in enumerate(order)}
        self._key_order = order
        return [(k, model[k], [index[d] for d in deps[k]], "named") for k in order]

    def _structure(self, flat):
        by_name = {p[0]: v for p, v in zip(self._parts, flat)}
        return {k: by_name[k] for k in self._key_order}

    def _flatten(self, value, method, allow_missing=False):
        if not isinstance(value, dict):
            raise ValueError(f"JointDistributionNamed.{method}: expected a dict of values keyed by part name, "
                             f"got {type(value).__name__}")
        names = [p[0] for p in self._parts]
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"JointDistributionNamed.{method}: unknown part names {unknown}; the parts are {names}")
        if not allow_missing:
            missing = [k for k in names if value.get(k) is None]
            if missing:
                raise ValueError(f"JointDistributionNamed.{method}: no value for parts {missing}")
        return [value.get(k) for k in names]
