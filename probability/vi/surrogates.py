"""Trainable surrogate posteriors (TFP's ``tfp.experimental.vi`` builders, also exported as ``tfp.vi``).

Each builder returns a distribution whose parameters are ``wb.Variable``s (constrained ones
as ``probability.util.TransformedVariable``, recomputed at every use), so
``fit_surrogate_posterior(target_log_prob_fn, surrogate, optimizer, num_steps)`` finds and
trains them:

- ``build_factored_surrogate_posterior``: an independent (optionally constrained) Normal
  per variable (mean field).
- ``build_affine_surrogate_posterior``: a standard Normal pushed through a trainable affine
  map, diagonal or lower-triangular (full covariance), then reshaped and constrained.
- ``build_asvi_surrogate_posterior``: Automatic Structured VI (Ambrogioni et al., 2021) for a
  joint-distribution prior: each part keeps the prior's family and dependencies, with
  parameters ``w * prior_parameter + (1 - w) * free_parameter``.

Event shapes may be nested (a list gives a ``JointDistributionSequential``-like list of
draws, a dict a dict of draws); a shape is a list or tuple of ints.

>>> q = vi.build_factored_surrogate_posterior(event_shape={"mu": [], "sigma": []},
...                                           bijector={"mu": None, "sigma": tfb.Softplus()}, seed=1)
>>> sorted(q.sample(seed=2))
['mu', 'sigma']
"""

from __future__ import annotations

import inspect

import numpy as np

import workbench as wb

from .. import internal
from ..bijectors.bijector import Bijector
from ..bijectors.blockwise import Blockwise
from ..bijectors.chain import Chain
from ..bijectors.fill_scale_tril import FillScaleTriL
from ..bijectors.identity import Identity
from ..bijectors.reshape import Reshape
from ..bijectors.scale_matvec_diag import ScaleMatvecDiag
from ..bijectors.scale_matvec_linear_operator import ScaleMatvecLinearOperator
from ..bijectors.scale_matvec_tril import ScaleMatvecTriL
from ..bijectors.shift import Shift
from ..bijectors.sigmoid import Sigmoid
from ..bijectors.softplus import Softplus
from ..distributions.distribution import Distribution
from ..distributions.independent import Independent
from ..distributions.joint_distribution import JointDistributionNamed, JointDistributionSequential, _explicit_name
from ..distributions.joint_distribution_coroutine import JointDistributionCoroutine, Root
from ..distributions.normal import Normal
from ..distributions.sample import Sample
from ..distributions.transformed_distribution import TransformedDistribution
from ..util.deferred_tensor import TransformedVariable

__all__ = ["build_factored_surrogate_posterior", "build_affine_surrogate_posterior",
           "build_asvi_surrogate_posterior"]


# -- nested event shapes -------------------------------------------------------------------------

def _is_shape(s):
    if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
        return True
    if isinstance(s, wb.Tensor):
        return s.ndim <= 1
    return isinstance(s, (list, tuple)) and all(isinstance(d, (int, np.integer)) and not isinstance(d, bool)
                                                for d in s)


def _flatten_shapes(event_shape, where):
    """``(kind, keys, shapes)``: kind 'single', 'list' or 'dict'."""
    if event_shape is None:
        raise ValueError(f"{where}: `event_shape` is required (a shape, or a list or dict of shapes)")
    if _is_shape(event_shape):
        return "single", None, [_shape(event_shape, "event_shape", where)]
    if isinstance(event_shape, dict):
        keys = list(event_shape)
        return "dict", keys, [_leaf_shape(event_shape[k], f"event_shape[{k!r}]", where) for k in keys]
    if isinstance(event_shape, (list, tuple)):
        return "list", None, [_leaf_shape(s, f"event_shape[{i}]", where) for i, s in enumerate(event_shape)]
    raise TypeError(f"{where}: `event_shape` must be a shape or a list/dict of shapes, got "
                    f"{type(event_shape).__name__}")


def _leaf_shape(s, what, where):
    if not _is_shape(s):
        raise ValueError(f"{where}: `{what}` must be a shape (a list of ints), got {s!r}; nesting deeper than one "
                         "level is not supported")
    return _shape(s, what, where)


def _shape(s, what, where):
    if isinstance(s, wb.Tensor):
        s = s.numpy().tolist()
    shape = (int(s),) if isinstance(s, (int, np.integer)) else tuple(int(d) for d in s)
    if any(d < 0 for d in shape):
        raise ValueError(f"{where}: `{what}` has a negative dimension: {list(shape)}")
    return shape


def _flatten_like(value, kind, keys, n, what, where):
    """Per-leaf values of ``value`` (None, a single item for all, or the event shape's structure)."""
    if value is None:
        return [None] * n
    if kind == "single":
        return [value]
    if kind == "dict":
        if not isinstance(value, dict) or set(value) != set(keys):
            raise ValueError(f"{where}: `{what}` must be a dict with the keys of `event_shape` {keys}, got {value!r}")
        return [value[k] for k in keys]
    if not isinstance(value, (list, tuple)) or len(value) != n:
        raise ValueError(f"{where}: `{what}` must be a list of {n} entries like `event_shape`, got {value!r}")
    return list(value)


def _pack(parts, kind, keys):
    if kind == "single":
        return parts[0]
    if kind == "dict":
        return dict(zip(keys, parts))
    return list(parts)


def _whole_structure(bijector, kind):
    """One bijector given for a structure of variables (TFP applies it to the whole structure)."""
    return isinstance(bijector, Bijector) and kind != "single"


def _check_bijector(b, what, where):
    if b is not None and not isinstance(b, Bijector):
        raise TypeError(f"{where}: `{what}` must be a Bijector or None, got {type(b).__name__}")
    return b


def _uniform(shape, seed, dtype):
    """TFP's default initial unconstrained value: uniform in (-2, 2)."""
    return wb.random.stateless_uniform(shape, seed=seed, minval=-2.0, maxval=2.0, dtype=dtype)


# -- build_factored_surrogate_posterior ------------------------------------------------------------

# constraint name (the families' ``_param_constraints``) -> the bijector from the real line onto it
_CONSTRAINING = {"positive": Softplus, "finite": Identity, "open_unit_interval": Sigmoid,
                 "unit_interval": Sigmoid, "nonzero": Identity}


def _constraining_bijector(cls, pname, where):
    constraint = getattr(cls, "_param_constraints", {}).get(pname)
    if constraint is None:
        return Identity()
    make = _CONSTRAINING.get(constraint)
    if make is None:
        raise ValueError(f"{where}: no constraining bijector for parameter {pname!r} of {cls.__name__} "
                         f"(constraint {constraint!r})")
    return make()


def build_factored_surrogate_posterior(event_shape=None, bijector=None, batch_shape=(), base_distribution_cls=Normal,
                                       initial_parameters=None, dtype=np.float32, validate_args=False, name=None,
                                       seed=None):
    """A posterior that factors over the variables: one independent ``base_distribution_cls``
    (default Normal) per variable, with trainable parameters, pushed through ``bijector``.

    ``event_shape``: a shape or a list/dict of shapes. ``bijector``: None, a bijector, or the
    same structure of bijectors/None mapping the real line onto each variable's support (the
    factor is built on ``bijector.inverse_event_shape(event_shape)``). ``batch_shape``: parallel
    surrogates (e.g. several initializations). ``initial_parameters``: constrained initial values
    by parameter name (default ``{'scale': 1e-2}``); a parameter not named starts uniform in
    (-2, 2) in its unconstrained space. Each parameter is a ``wb.Variable`` (unconstrained) or a
    ``TransformedVariable`` (e.g. ``scale`` through Softplus).

    Returns a distribution for a single shape, else a ``JointDistributionSequential`` (list) or
    ``JointDistributionNamed`` (dict).
    """
    where = "build_factored_surrogate_posterior"
    kind, keys, shapes = _flatten_shapes(event_shape, where)
    if _whole_structure(bijector, kind):
        # TFP: one bijector over the whole structure (a JointMap, Restructure, a joint distribution's
        # default bijector): the factors live on its inverse event shape, the bijector maps them all
        inner = build_factored_surrogate_posterior(bijector.inverse_event_shape(event_shape), None, batch_shape,
                                                   base_distribution_cls, initial_parameters, dtype, validate_args,
                                                   name, seed)
        return TransformedDistribution(inner, bijector, validate_args=validate_args)
    bijectors = [_check_bijector(b, "bijector", where) for b in _flatten_like(bijector, kind, keys, len(shapes),
                                                                              "bijector", where)]
    classes = _flatten_like(base_distribution_cls, kind, keys, len(shapes), "base_distribution_cls", where) \
        if isinstance(base_distribution_cls, (list, tuple, dict)) else [base_distribution_cls] * len(shapes)
    initial = {"scale": 1e-2} if initial_parameters is None else dict(initial_parameters)
    batch = internal.shape_tuple(batch_shape, "batch_shape")
    dtype = np.dtype(dtype)
    seeds = internal.split_seed(internal.sanitize_seed(seed), len(shapes), salt="build_factored_surrogate_posterior")
    label = name or "build_factored_surrogate_posterior"
    parts = []
    for i, (shape, b, cls, s) in enumerate(zip(shapes, bijectors, classes, seeds)):
        base_shape = tuple(b.inverse_event_shape(shape)) if b is not None else tuple(shape)
        pnames = [p for p in getattr(cls, "_param_event_ndims", {}) if p in ("loc", "scale", "df", "concentration",
                                                                             "rate", "concentration0",
                                                                             "concentration1")]
        if not pnames:
            raise ValueError(f"{where}: base_distribution_cls {cls.__name__} declares no parameters to train")
        pseeds = internal.split_seed(s, len(pnames), salt="parameters")
        params = {}
        for pname, ps in zip(pnames, pseeds):
            con = _constraining_bijector(cls, pname, where)
            full = batch + base_shape
            if pname in initial:
                value = wb.cast(wb.convert_to_tensor(initial[pname]), dtype) * wb.ones(full, dtype=dtype)
            else:
                value = con.forward(_uniform(full, ps, dtype))
            vname = f"{label}/{i}/{pname}"
            params[pname] = (wb.Variable(value, name=vname) if isinstance(con, Identity)
                             else TransformedVariable(value, con, name=vname))
        d = cls(**params, validate_args=validate_args)
        if base_shape:
            d = Independent(d, reinterpreted_batch_ndims=len(base_shape), validate_args=validate_args)
        if b is not None:
            d = TransformedDistribution(d, b)
        parts.append(d)
    if kind == "single":
        return parts[0]
    if kind == "dict":
        return JointDistributionNamed(dict(zip(keys, parts)), validate_args=validate_args, name=name)
    return JointDistributionSequential(parts, validate_args=validate_args, name=name)


# -- build_affine_surrogate_posterior ---------------------------------------------------------------

_FULL, _SCALED_IDENTITY = object(), object()    # from the classes only: not strings users can pass


def _operator_kind(op, where):
    """'diag', 'tril' (also for their LinearOperator classes), ``_FULL`` or ``_SCALED_IDENTITY``
    for TFP's ``operators`` entries; a LinearOperator instance stays (a fixed scale)."""
    if isinstance(op, str):
        return op    # 'diag' and 'tril' are TFP's strings; anything else is refused below
    classes = {wb.linalg.LinearOperatorDiag: "diag", wb.linalg.LinearOperatorLowerTriangular: "tril",
               wb.linalg.LinearOperatorFullMatrix: _FULL, wb.linalg.LinearOperatorScaledIdentity: _SCALED_IDENTITY}
    if inspect.isclass(op) and op in classes:
        return classes[op]
    if isinstance(op, wb.linalg.LinearOperator):
        return op
    raise ValueError(f"{where}: an operator must be 'diag', 'tril', a LinearOperator instance or one of the classes "
                     f"LinearOperatorDiag, LinearOperatorLowerTriangular, LinearOperatorFullMatrix, "
                     f"LinearOperatorScaledIdentity; got {op!r}")


def _scale_operator(kind, size, batch, dtype, label, where):
    """A trainable scale bijector on vectors of ``size`` (initial scale 1e-2 on the diagonal)."""
    kind = _operator_kind(kind, where)
    if isinstance(kind, wb.linalg.LinearOperator):
        if kind.domain_dimension != size or kind.range_dimension != size:
            raise ValueError(f"{where}: a LinearOperator for a block of {size} entries must be [{size}, {size}], "
                             f"got shape {list(kind.shape)}")
        return ScaleMatvecLinearOperator(kind)
    if kind == "diag":
        diag = TransformedVariable(wb.fill(batch + (size,), np.asarray(1e-2, dtype=dtype)), Softplus(),
                                   name=f"{label}/scale_diag")
        return _RebuiltBijector(lambda: ScaleMatvecDiag(wb.convert_to_tensor(diag)), diag, "scale_matvec_diag")
    if kind is _SCALED_IDENTITY:
        scalar = TransformedVariable(wb.fill(batch + (1,), np.asarray(1e-2, dtype=dtype)), Softplus(),
                                     name=f"{label}/scale_multiplier")
        return _RebuiltBijector(lambda: ScaleMatvecDiag(wb.convert_to_tensor(scalar) * wb.ones([size], dtype=dtype)),
                                scalar, "scale_matvec_scaled_identity")
    eye = wb.constant(np.broadcast_to(np.eye(size, dtype=dtype) * 1e-2, batch + (size, size)).copy())
    if kind == "tril":
        tril = TransformedVariable(eye, FillScaleTriL(diag_bijector=Softplus(), diag_shift=None),
                                   name=f"{label}/scale_tril")
        return _RebuiltBijector(lambda: ScaleMatvecTriL(wb.convert_to_tensor(tril)), tril, "scale_matvec_tril")
    if kind is _FULL:
        full = wb.Variable(eye, name=f"{label}/scale_matrix")
        return _RebuiltBijector(lambda: ScaleMatvecLinearOperator(wb.linalg.LinearOperatorFullMatrix(full)), full,
                                "scale_matvec_full_matrix")
    raise ValueError(f"{where}: an operator must be 'diag' or 'tril' (or a LinearOperator class), got {kind!r}")


def _trainable_block(kind, rows, cols, batch, dtype, label, where, seed):
    """One block of a block lower-triangular scale as a LinearOperator whose variables are read at
    each use: diagonal blocks (``rows is None``) start at ``1e-2 I``, as the block-diagonal scale's;
    blocks below the diagonal are ``LinearOperatorFullMatrix`` (TFP's: started from
    ``Normal(0, 1e-2)``) or None (a zero block, not trained)."""
    la = wb.linalg
    if rows is not None:
        if kind is None:
            return la.LinearOperatorFullMatrix(wb.zeros(batch + (rows, cols), dtype=dtype))
        kind = _operator_kind(kind, where)
        if isinstance(kind, la.LinearOperator):
            if (kind.range_dimension, kind.domain_dimension) != (rows, cols):
                raise ValueError(f"{where}: the LinearOperator for an off-diagonal block must be [{rows}, {cols}], "
                                 f"got shape {list(kind.shape)}")
            return kind
        if kind is not _FULL:
            raise ValueError(f"{where}: a block below the diagonal must be LinearOperatorFullMatrix, a LinearOperator "
                             f"instance or None (zeros), got {kind!r}")
        start = wb.random.stateless_normal(batch + (rows, cols), seed=seed, stddev=1e-2, dtype=dtype)
        return la.LinearOperatorFullMatrix(wb.Variable(start, name=f"{label}/full_matrix"))
    size = cols
    kind = _operator_kind(kind, where)
    if isinstance(kind, la.LinearOperator):
        if kind.domain_dimension != size or kind.range_dimension != size:
            raise ValueError(f"{where}: a LinearOperator for a block of {size} entries must be [{size}, {size}], "
                             f"got shape {list(kind.shape)}")
        return kind
    if kind == "diag":
        diag = TransformedVariable(wb.fill(batch + (size,), np.asarray(1e-2, dtype=dtype)), Softplus(),
                                   name=f"{label}/scale_diag")
        return la.LinearOperatorDiag(diag, is_non_singular=True)
    if kind is _SCALED_IDENTITY:
        scalar = TransformedVariable(wb.fill(batch, np.asarray(1e-2, dtype=dtype)), Softplus(),
                                     name=f"{label}/scale_multiplier")
        return la.LinearOperatorScaledIdentity(size, scalar, is_non_singular=True)
    eye = wb.constant(np.broadcast_to(np.eye(size, dtype=dtype) * 1e-2, batch + (size, size)).copy())
    if kind == "tril":
        tril = TransformedVariable(eye, FillScaleTriL(diag_bijector=Softplus(), diag_shift=None),
                                   name=f"{label}/scale_tril")
        return la.LinearOperatorLowerTriangular(tril, is_non_singular=True)
    if kind is _FULL:
        return la.LinearOperatorFullMatrix(wb.Variable(eye, name=f"{label}/scale_matrix"))
    raise ValueError(f"{where}: an operator must be 'diag' or 'tril' (or a LinearOperator class), got {kind!r}")


def _block_lower_triangular(operators, sizes, batch, dtype, label, where, seed):
    """TFP's nested ``operators``: row ``i`` holds ``i + 1`` entries, ``operators[i][i]`` the
    diagonal block of variable ``i`` and ``operators[i][j]`` (``j < i``) its coupling to variable
    ``j``; a ``LinearOperatorBlockLowerTriangular`` scale."""
    if len(operators) != len(sizes):
        raise ValueError(f"{where}: nested `operators` need one row per variable ({len(sizes)}), got {len(operators)}")
    seeds = internal.split_seed(internal.sanitize_seed(seed), max(sum(range(len(sizes))), 1), salt="blocks")
    rows, k = [], 0
    for i, row in enumerate(operators):
        if not isinstance(row, (list, tuple)) or len(row) != i + 1:
            got = len(row) if isinstance(row, (list, tuple)) else type(row).__name__
            raise ValueError(f"{where}: nested `operators[{i}]` must hold {i + 1} entries (the blocks on and left of "
                             f"the diagonal), got {got}")
        blocks = []
        for j, op in enumerate(row):
            if j == i:
                blocks.append(_trainable_block(op, None, sizes[i], batch, dtype, f"{label}/{i}", where, None))
            else:
                blocks.append(_trainable_block(op, sizes[i], sizes[j], batch, dtype, f"{label}/{i}_{j}", where,
                                               seeds[k]))
                k += 1
        rows.append(blocks)
    return wb.linalg.LinearOperatorBlockLowerTriangular(rows, is_non_singular=True)


class _RebuiltBijector(Bijector):
    """A vector bijector rebuilt at every use from a ``TransformedVariable`` (the ScaleMatvec
    bijectors take Tensors, which would freeze the variable's value at construction)."""

    def __init__(self, make, variable, name):
        self._make = make
        self._variable = variable       # what trainable_variables finds
        super().__init__(forward_min_event_ndims=1, is_constant_jacobian=True, name=name)

    def _forward(self, x):
        return self._make().forward(x)

    def _inverse(self, y):
        return self._make().inverse(y)

    def _forward_log_det_jacobian(self, x):
        return self._make().forward_log_det_jacobian(x, event_ndims=1)

    def _inverse_log_det_jacobian(self, y):
        return self._make().inverse_log_det_jacobian(y, event_ndims=1)


def build_affine_surrogate_posterior(event_shape, operators="diag", bijector=None, base_distribution=Normal,
                                     dtype=np.float32, batch_shape=(), validate_args=False, name=None, seed=None):
    """A standard ``base_distribution`` (default Normal) on the flattened unconstrained variables,
    pushed through a trainable affine map ``loc + scale @ z``, split back into the variables,
    reshaped and constrained by ``bijector``.

    ``operators``: 'diag' (mean field), 'tril' (full covariance: every variable correlated
    with every other) or a flat list with one entry per variable (a block-diagonal scale), each
    'diag', 'tril', a LinearOperator class as in TFP (``LinearOperatorDiag``,
    ``LinearOperatorLowerTriangular``, ``LinearOperatorFullMatrix``,
    ``LinearOperatorScaledIdentity``: trainable) or a LinearOperator instance (fixed). A list of
    rows (row ``i`` with ``i + 1`` entries) gives TFP's block lower-triangular scale
    (``LinearOperatorBlockLowerTriangular``): the diagonal entries as above, the entries below it
    ``LinearOperatorFullMatrix`` (trainable, started from ``Normal(0, 1e-2)``), None (zeros)
    or an instance. ``loc``
    is a ``wb.Variable`` started uniform in (-2, 2); the scale a ``TransformedVariable``
    (Softplus on the diagonal) started at ``1e-2 I``.
    """
    where = "build_affine_surrogate_posterior"
    kind, keys, shapes = _flatten_shapes(event_shape, where)
    if _whole_structure(bijector, kind):   # as in build_factored_surrogate_posterior
        inner = build_affine_surrogate_posterior(bijector.inverse_event_shape(event_shape), operators, None,
                                                 base_distribution, dtype, batch_shape, validate_args, name, seed)
        return TransformedDistribution(inner, bijector, validate_args=validate_args)
    bijectors = [_check_bijector(b, "bijector", where) for b in _flatten_like(bijector, kind, keys, len(shapes),
                                                                              "bijector", where)]
    base_shapes = [b.inverse_event_shape(s) if b is not None else s for s, b in zip(shapes, bijectors)]
    sizes = [int(np.prod(s, dtype=np.int64)) for s in base_shapes]
    n = sum(sizes)
    batch = internal.shape_tuple(batch_shape, "batch_shape")
    dtype = np.dtype(dtype)
    label = name or "build_affine_surrogate_posterior"
    if isinstance(operators, str):
        scale = _scale_operator(operators, n, batch, dtype, label, where)
    elif isinstance(operators, (list, tuple)) and any(isinstance(op, (list, tuple)) for op in operators):
        scale = ScaleMatvecLinearOperator(_block_lower_triangular(operators, sizes, batch, dtype, label, where, seed))
    elif isinstance(operators, (list, tuple)):
        if len(operators) != len(sizes):
            raise ValueError(f"{where}: a list of `operators` needs one entry per variable ({len(sizes)}), "
                             f"got {len(operators)}")
        blocks = [_scale_operator(op, size, batch, dtype, f"{label}/{i}", where)
                  for i, (op, size) in enumerate(zip(operators, sizes))]
        scale = Blockwise(blocks, block_sizes=sizes)
    else:
        raise TypeError(f"{where}: `operators` must be 'diag', 'tril' or a list of operators, got "
                        f"{type(operators).__name__}")
    (loc_seed,) = internal.split_seed(internal.sanitize_seed(seed), 1, salt="build_affine_surrogate_posterior")
    loc = wb.Variable(_uniform(batch + (n,), loc_seed, dtype), name=f"{label}/loc")
    zero = wb.zeros(batch, dtype=dtype)
    flat = TransformedDistribution(Sample(base_distribution(zero, zero + 1.0), sample_shape=[n]),
                                   Chain([Shift(loc), scale]))
    if kind == "single":
        parts = [b for b in (bijectors[0], Reshape(base_shapes[0], (n,))) if b is not None]
        return TransformedDistribution(flat, Chain(parts))
    return _SplitSurrogate(flat, sizes, base_shapes, shapes, bijectors, kind, keys, validate_args, name)


class _SplitSurrogate(Distribution):
    """A distribution on flat vectors seen as a structure: the vector is split into
    ``sizes``, each piece reshaped to its unconstrained shape and pushed through its bijector.
    ``log_prob`` inverts each piece and adds the pieces' inverse log-det-Jacobians."""

    def __init__(self, flat, sizes, base_shapes, shapes, bijectors, kind, keys, validate_args, name):
        self._flat = flat
        self._sizes = list(sizes)
        self._base_shapes = list(base_shapes)
        self._shapes = list(shapes)
        self._bijectors = [Identity() if b is None else b for b in bijectors]
        self._kind, self._keys = kind, keys
        # one dtype per variable, in their structure (what a bijector over the structure maps)
        super().__init__(_pack([flat.dtype] * len(self._sizes), kind, keys), flat.reparameterization_type,
                         validate_args, True, {"distribution": flat, "bijector": bijectors},
                         name or "AffineSurrogatePosterior")

    @property
    def trainable_variables(self):
        return self._flat.trainable_variables

    def _batch_shape(self):
        return self._flat.batch_shape

    def _event_shape(self):
        return _pack(self._shapes, self._kind, self._keys)

    @property
    def event_shape(self):
        return self._event_shape()

    def __repr__(self):
        return (f"<probability.vi.AffineSurrogatePosterior '{self.name}' batch_shape={list(self.batch_shape)} "
                f"event_shape={self.event_shape} dtype={self.dtype}>")

    def sample(self, sample_shape=(), seed=None, name=None):
        z = self._flat.sample(sample_shape, seed=seed)
        lead = tuple(z.shape[:-1])
        parts, start = [], 0
        for size, shape, b in zip(self._sizes, self._base_shapes, self._bijectors):
            piece = wb.reshape(z[..., start:start + size], lead + tuple(shape))
            parts.append(b.forward(piece))
            start += size
        return _pack(parts, self._kind, self._keys)

    def log_prob(self, value, name=None):
        values = _flatten_like(value, self._kind, self._keys, len(self._sizes), "value", "log_prob")
        pieces, ildj = [], 0.0
        for v, shape, base_shape, b in zip(values, self._shapes, self._base_shapes, self._bijectors):
            v = wb.convert_to_tensor(v)
            if v.dtype != self._flat.dtype:
                v = wb.cast(v, self._flat.dtype)
            x = b.inverse(v)
            ildj = ildj + b.inverse_log_det_jacobian(v, event_ndims=len(shape))
            lead = tuple(x.shape[:x.ndim - len(base_shape)])
            pieces.append(wb.reshape(x, lead + (-1,)))
        lead = internal.broadcast_shapes(*[p.shape[:-1] for p in pieces])
        pieces = [wb.broadcast_to(p, lead + (p.shape[-1],)) for p in pieces]
        return self._flat.log_prob(wb.concat(pieces, axis=-1)) + ildj


# -- build_asvi_surrogate_posterior -----------------------------------------------------------------

def _asvi_parameters(d, where):
    """The trainable parameters of a prior part: name -> (tensor value, constraining bijector)."""
    cls = type(d)
    out = {}
    for pname in getattr(cls, "_param_event_ndims", {}):
        value = getattr(d, pname, None)
        if value is None or isinstance(value, bool):
            continue
        value = wb.convert_to_tensor(value)
        if value.dtype.kind != "f":
            continue
        constraint = getattr(cls, "_param_constraints", {}).get(pname)
        if constraint is not None and constraint not in _CONSTRAINING:
            raise ValueError(f"{where}: {cls.__name__}'s parameter {pname!r} has constraint {constraint!r}, which "
                             "ASVI does not support")
        out[pname] = (value, _CONSTRAINING[constraint]() if constraint else Identity())
    if not out:
        raise ValueError(f"{where}: the prior part {cls.__name__} has no floating parameters to train")
    return out


class _AsviPart:
    """The trainable state of one prior part: per parameter a mean-field value and (unless
    mean_field) a prior weight in (0, 1), both TransformedVariables."""

    def __init__(self, d, index, mean_field, initial_prior_weight, where):
        self._wrappers = []
        inner = d
        while isinstance(inner, (Independent, Sample)):
            self._wrappers.append(inner)
            inner = inner.distribution
        if isinstance(inner, (TransformedDistribution, Distribution)) and \
                not getattr(type(inner), "_param_event_ndims", None):
            raise ValueError(f"{where}: prior part {index} is a {type(inner).__name__}; ASVI supports families with "
                             "declared parameters (Normal, HalfNormal, Gamma, ...) inside Independent/Sample")
        self._cls = type(inner)
        params = _asvi_parameters(inner, where)
        batch = self._broadcast_shape(inner)
        self._names = list(params)
        self._mean_field_values, self._prior_weights, self._event_ndims = {}, {}, {}
        for pname, (value, con) in params.items():
            nd = self._cls._param_event_ndims.get(pname, 0)
            full = batch + self._sample_dims() + tuple(value.shape[value.ndim - nd:] if nd else ())
            init = wb.broadcast_to(self._expand(value, nd), full)
            self._mean_field_values[pname] = TransformedVariable(init, con, name=f"asvi/{index}/{pname}/mean_field")
            if not mean_field:
                self._prior_weights[pname] = TransformedVariable(
                    wb.fill(full, np.asarray(initial_prior_weight, dtype=init.dtype)), Sigmoid(),
                    name=f"asvi/{index}/{pname}/prior_weight")
            self._event_ndims[pname] = nd
        self._kwargs = {k: v for k, v in inner.parameters.items()
                        if k in ("validate_args", "allow_nan_stats") and v is not None}

    @staticmethod
    def _broadcast_shape(inner):
        return tuple(inner.batch_shape)

    def _sample_dims(self):
        # Sample(d, s) puts its sample dims between d's batch and event dims; for a scalar-event
        # family those become trailing batch dims of the surrogate's parameters
        dims = ()
        for w in self._wrappers:
            if isinstance(w, Sample):
                dims = dims + tuple(internal.shape_tuple(w.sample_shape, "sample_shape"))
        return dims

    def _expand(self, value, nd):
        extra = len(self._sample_dims())
        if not extra:
            return value
        if nd:
            raise ValueError("build_asvi_surrogate_posterior: Sample over a family with vector parameters is "
                             "not supported")
        return wb.reshape(value, tuple(value.shape) + (1,) * extra)

    def surrogate(self, prior_part):
        """The surrogate of this part, given the prior's part (evaluated at the upstream draws)."""
        inner = prior_part
        while isinstance(inner, (Independent, Sample)):
            inner = inner.distribution
        kwargs = dict(self._kwargs)
        for pname in self._names:
            free = self._mean_field_values[pname]
            if pname in self._prior_weights:
                w = wb.convert_to_tensor(self._prior_weights[pname])
                prior_value = self._expand(wb.convert_to_tensor(getattr(inner, pname)), self._event_ndims[pname])
                kwargs[pname] = w * prior_value + (1.0 - w) * wb.convert_to_tensor(free)
            else:
                kwargs[pname] = free
        # the prior part's own name (a coroutine's parts are named by their distributions)
        label = _explicit_name(prior_part)
        if label and not self._wrappers:
            kwargs["name"] = label
        q = self._cls(**kwargs)
        for depth, w in enumerate(reversed(self._wrappers)):
            ndims = (len(internal.shape_tuple(w.sample_shape)) if isinstance(w, Sample)
                     else w.reinterpreted_batch_ndims)
            outer = label if depth == len(self._wrappers) - 1 else None
            q = Independent(q, reinterpreted_batch_ndims=ndims, **({"name": outer} if outer else {}))
        return q

    @property
    def variables(self):
        out = []
        for tv in list(self._mean_field_values.values()) + list(self._prior_weights.values()):
            out.extend(tv.trainable_variables)
        return out


def build_asvi_surrogate_posterior(prior, mean_field=False, initial_prior_weight=0.5, seed=None, name=None):
    """Automatic Structured Variational Inference: a surrogate with the prior's structure.

    ``prior``: a ``JointDistributionSequential``, ``JointDistributionNamed`` or
    ``JointDistributionCoroutine`` whose parts are families with declared parameters (Normal,
    HalfNormal, Gamma, LogNormal, StudentT, Exponential, Beta, ...), possibly inside
    ``Independent`` or ``Sample``. Each surrogate part has the prior part's family and
    parameters ``w * prior_param + (1 - w) * free_param``, where ``prior_param`` is the prior's
    parameter given the surrogate's own upstream draws, ``w`` a prior weight in (0, 1) started
    at ``initial_prior_weight`` and ``free_param`` started at the prior's value (both
    ``TransformedVariable``s onto the parameter's domain). ``mean_field=True`` drops the prior
    term: independent parts with free parameters.

    The surrogate is a joint distribution of the prior's kind (same part names, same draws'
    structure). TFP also substitutes some families (HalfNormal by a TruncatedNormal, Uniform by
    a transformed Beta) before building; here a part keeps its family, and Uniform is refused.
    ``seed`` is accepted for TFP's signature (the initial values are the prior's parameters,
    taken at a prior draw with this seed).
    """
    where = "build_asvi_surrogate_posterior"
    w0 = float(initial_prior_weight)
    if not 0.0 < w0 < 1.0 and not mean_field:
        raise ValueError(f"{where}: `initial_prior_weight` must be in (0, 1), got {initial_prior_weight!r}")
    if not isinstance(prior, (JointDistributionSequential, JointDistributionNamed, JointDistributionCoroutine)):
        raise TypeError(f"{where}: `prior` must be a JointDistributionSequential, JointDistributionNamed or "
                        f"JointDistributionCoroutine, got {type(prior).__name__}")
    dists, _ = prior.sample_distributions(seed=internal.sanitize_seed(0 if seed is None else seed))
    flat = [dists[p[0]] for p in prior._parts] if isinstance(dists, dict) else list(dists)
    for i, d in enumerate(flat):
        inner = d
        while isinstance(inner, (Independent, Sample)):
            inner = inner.distribution
        if type(inner).__name__ == "Uniform":
            raise ValueError(f"{where}: prior part {i} is Uniform, which ASVI here does not support (its surrogate "
                             "would need low < high kept through training)")
    parts = [_AsviPart(d, i, mean_field, w0, where) for i, d in enumerate(flat)]
    roots = [not prior._parts[i][2] for i in range(len(parts))] if not mean_field else [True] * len(parts)

    if isinstance(prior, JointDistributionCoroutine):
        def model():
            gen = prior.model()
            try:
                yielded = next(gen)
                i = 0
                while True:
                    d = yielded.distribution if isinstance(yielded, Root) else yielded
                    q = parts[i].surrogate(d)
                    x = yield (Root(q) if (isinstance(yielded, Root) or mean_field) else q)
                    yielded = gen.send(x)
                    i += 1
            except StopIteration:
                return
        surrogate = JointDistributionCoroutine(model, name=name or "asvi_surrogate_posterior")
    elif isinstance(prior, JointDistributionSequential):
        makers = []
        for i, part in enumerate(parts):
            maker, nparents = prior.model[i], len(prior._parts[i][2])
            if mean_field or roots[i]:
                fixed = maker if isinstance(maker, Distribution) else None
                makers.append(_root_maker(part, fixed, prior, i))
            else:
                makers.append(_sequential_maker(part, maker, nparents))
        surrogate = JointDistributionSequential(makers, name=name or "asvi_surrogate_posterior")
    else:
        model = {}
        for i, part in enumerate(parts):
            key = prior._parts[i][0]
            maker = prior.model[key]
            if mean_field or roots[i]:
                fixed = maker if isinstance(maker, Distribution) else None
                model[key] = _root_maker(part, fixed, prior, i)
            else:
                model[key] = _named_maker(part, maker)
        surrogate = JointDistributionNamed(model, name=name or "asvi_surrogate_posterior")
    return surrogate


def _root_maker(part, fixed, prior, index):
    """A part without parents (or mean field): built anew at each use, so the variables are read
    under the caller's tape."""
    if fixed is not None:
        return lambda: part.surrogate(fixed)
    # a mean-field part whose prior depends on parents: its free parameters alone define it
    template = prior.sample_distributions(seed=(0, 0))[0]
    d = template[prior._parts[index][0]] if isinstance(template, dict) else template[index]
    return lambda: part.surrogate(d)


def _sequential_maker(part, maker, nparents):
    def make(*args):
        return part.surrogate(maker(*args[:nparents]))
    # the prior's argument names: the same parents, and the same part names
    make.__signature__ = inspect.signature(maker)
    return make


def _named_maker(part, maker):
    # JointDistributionNamed finds a part's parents by its argument names: keep the prior's
    def make(**kwargs):
        return part.surrogate(maker(**kwargs))
    make.__signature__ = inspect.signature(maker)
    return make
