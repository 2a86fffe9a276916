"""Control flow with TF 2's signatures, run eagerly: ``cond``, ``switch_case``,
``while_loop``, ``map_fn``, ``scan``, ``foldl``, ``foldr``.

Each step runs ordinary ops, so tapes and forward accumulators see every one
of them: gradients (any order, both modes) flow through control flow with no
rules of its own. What this module adds is TF's argument handling and clear
errors when a branch or loop body returns the wrong structure, dtype or shape.

Inside a ``wb.function`` trace, the compiler stages a ``cond`` on a computed predicate and
every ``while_loop`` as one step that chooses on each replay (``STAGING``; see
``workbench.compiler.staged``).

Structures follow ``tf.nest`` (lists, tuples, namedtuples, dicts). As in TF's
eager loops, a list and a tuple count as the same structure, so a body may
return a tuple for list ``loop_vars``.
"""

from __future__ import annotations

import numpy as np

from .. import core, nest
from ..core import Tensor, Variable, convert_to_tensor
from ..dtypes import DType, np_dtype
from .indexing import take_rows
from .shape import concat, identity, stack, stop_gradient, unstack


class _Staging:
    """Where ``wb.function``'s compiler installs the tracing of ``cond`` and ``while_loop``
    (the core cannot import it): each takes the current tracer first and returns
    NotImplemented where the eager run is the program's."""

    cond = None
    while_loop = None


STAGING = _Staging()

# ---------------------------------------------------------------------------
# structure helpers


def _signature(s):
    """The shape of a nested structure, with lists and tuples alike (TF's check_types=False)."""
    if isinstance(s, dict):
        return ("dict", tuple((k, _signature(s[k])) for k in sorted(s)))
    if isinstance(s, (list, tuple)):
        return ("seq", tuple(_signature(v) for v in s))
    return None


def _paths(s, prefix):
    """A readable path for each leaf of ``s``, in flatten order (``loop_vars[1]['a']``)."""
    if isinstance(s, dict):
        return [p for k in sorted(s) for p in _paths(s[k], f"{prefix}[{k!r}]")]
    if isinstance(s, (list, tuple)):
        return [p for i, v in enumerate(s) for p in _paths(v, f"{prefix}[{i}]")]
    return [prefix]


def _describe(s):
    if isinstance(s, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(s[k])}" for k in s) + "}"
    if isinstance(s, (list, tuple)):
        inner = ", ".join(_describe(v) for v in s)
        return f"[{inner}]" if isinstance(s, list) else f"({inner}{',' if len(s) == 1 else ''})"
    return "tensor" if isinstance(s, Tensor) else type(s).__name__


def _to_tensor(value, where, dtype_hint=None):
    if isinstance(value, Variable):  # a loop carries the variable's value, as TF reads it
        return identity(value)
    if isinstance(value, Tensor):
        return value
    if value is None:
        raise TypeError(f"{where} is None; expected a tensor")
    try:
        return convert_to_tensor(value, dtype_hint=dtype_hint)
    except TypeError as exc:
        raise TypeError(f"{where}: {exc}") from None


def _is_composite(value):
    """A loop value that is not one tensor: a CompositeTensor (RaggedTensor, SparseTensor …)
    or a TensorArray (its ``write`` returns the next one)."""
    return isinstance(value, core.CompositeTensor) or (
        type(value).__name__ == "TensorArray" and hasattr(value, "write") and hasattr(value, "stack"))


def _tensors(structure, prefix, composites=False):
    """The leaves of ``structure`` as tensors (composite values kept, with ``composites``),
    with their paths."""
    paths = _paths(structure, prefix)
    return [v if composites and _is_composite(v) else _to_tensor(v, p)
            for v, p in zip(nest.flatten(structure), paths)], paths


def _conform(result, like, dtypes, paths, what, shapes=None, hint="", shape_hint=""):
    """Check that ``result`` has ``like``'s structure and, leaf by leaf, the given dtypes
    (and shapes compatible with ``shapes`` when given); return its leaves as tensors."""
    if _signature(result) != _signature(like):
        raise ValueError(f"{what} returned the structure {_describe(result)}, but it must match "
                         f"{_describe(like)}{hint}")
    flat = nest.flatten(result)
    out = []
    for i, (v, dtype, path) in enumerate(zip(flat, dtypes, paths)):
        if isinstance(dtype, _Kind):   # a composite value: the same kind and dtype
            if type(v) is not dtype.cls or getattr(v, "dtype", None) != dtype.dtype:
                raise TypeError(f"{what} returned {_kind_text(v)} for {path}, expected "
                                f"{dtype.cls.__name__} of dtype {dtype.dtype}")
            out.append(v)
            continue
        t = _to_tensor(v, f"{what}: {path}", dtype_hint=dtype)
        if t.dtype != dtype:
            raise TypeError(f"{what} returned dtype {t.dtype} for {path}, expected dtype {dtype}"
                            f"{hint or ' (use wb.cast)'}")
        if shapes is not None and not _compatible(t.shape, shapes[i]):
            raise ValueError(f"{what} returned shape {t.shape} for {path}, which must keep shape "
                             f"{_shape_str(shapes[i])}{shape_hint}")
        out.append(t)
    return out


class _Kind:
    """What a composite loop value must stay: its class and dtype."""

    def __init__(self, value):
        self.cls, self.dtype = type(value), getattr(value, "dtype", None)


def _kind_text(v):
    return f"{type(v).__name__} of dtype {getattr(v, 'dtype', None)}"


def _kinds(flat):
    """Per leaf: its dtype (a tensor) or its _Kind (a composite value)."""
    return [_Kind(t) if _is_composite(t) else t.dtype for t in flat]


def _compatible(shape, invariant):
    if invariant is None:
        return True
    return len(shape) == len(invariant) and all(b is None or a == b for a, b in zip(shape, invariant))


def _shape_str(shape):
    return "unknown" if shape is None else str(tuple(shape))


def _is_shape(s):
    """A shape in ``shape_invariants``: None (any), a tuple/list of ints and Nones, or an
    object with ``as_list()`` (a TensorShape)."""
    if s is None or hasattr(s, "as_list"):
        return True
    return isinstance(s, (list, tuple)) and all(d is None or isinstance(d, (int, np.integer)) for d in s)


def _flatten_shapes(invariants, structure, prefix):
    """``shape_invariants`` flattened up to ``structure`` (its leaves are shapes, which are lists)."""
    if isinstance(structure, dict):
        if not isinstance(invariants, dict) or sorted(invariants) != sorted(structure):
            raise ValueError(f"shape_invariants must have the structure of loop_vars: expected a "
                             f"dict with keys {sorted(structure)} at {prefix}, got {invariants!r}")
        return [s for k in sorted(structure)
                for s in _flatten_shapes(invariants[k], structure[k], f"{prefix}[{k!r}]")]
    if isinstance(structure, (list, tuple)):
        if not isinstance(invariants, (list, tuple)) or len(invariants) != len(structure):
            raise ValueError(f"shape_invariants must have the structure of loop_vars: expected "
                             f"{len(structure)} entries at {prefix}, got {invariants!r}")
        return [s for i, (inv, v) in enumerate(zip(invariants, structure))
                for s in _flatten_shapes(inv, v, f"{prefix}[{i}]")]
    if not _is_shape(invariants):
        raise ValueError(f"shape_invariants for {prefix} must be a shape (a list of ints and Nones), "
                         f"got {invariants!r}")
    if invariants is None:
        return [None]
    dims = invariants.as_list() if hasattr(invariants, "as_list") else invariants
    return [None if dims is None else tuple(None if d is None else int(d) for d in dims)]


def _truth(value, what):
    """A scalar bool predicate as a Python bool."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if not isinstance(value, Tensor):
        raise TypeError(f"{what} must be a bool or a scalar bool tensor, got {type(value).__name__}")
    if value.dtype != np.bool_:
        raise TypeError(f"{what} must be a scalar bool tensor, got dtype {value.dtype}")
    if value.ndim != 0:
        raise ValueError(f"{what} must be a scalar bool tensor, got shape {value.shape}")
    return bool(value._data)


def _truth_checked(value, what):
    """``value`` (a tensor) checked as ``_truth`` checks it, without reading it."""
    if value.dtype != np.bool_:
        raise TypeError(f"{what} must be a scalar bool tensor, got dtype {value.dtype}")
    if value.ndim != 0:
        raise ValueError(f"{what} must be a scalar bool tensor, got shape {value.shape}")


def _require_callable(fn, what):
    if not callable(fn):
        raise TypeError(f"{what} must be callable, got {type(fn).__name__}")


def _block(flat, back_prop):
    """``back_prop=False`` (deprecated in TF in favour of stop_gradient): cut the gradient."""
    if back_prop or not core._slow:
        return flat
    return [t if _is_composite(t) else stop_gradient(t) for t in flat]


# ---------------------------------------------------------------------------
# cond, switch_case


def cond(pred, true_fn=None, false_fn=None, name=None):
    """Run ``true_fn()`` if ``pred`` is true, else ``false_fn()``, and return its result.

    ``pred`` is a Python bool or a scalar bool tensor. Only the chosen branch
    runs (eagerly), so only it is recorded by tapes.

    >>> x = wb.constant(2.0)
    >>> float(wb.cond(x > 1.0, lambda: x * x, lambda: -x))
    4.0
    """
    _require_callable(true_fn, "cond: true_fn")
    _require_callable(false_fn, "cond: false_fn")
    tracer = core._state.tracer
    if tracer is not None and STAGING.cond is not None and isinstance(pred, Tensor):
        _truth_checked(pred, "cond: pred")
        out = STAGING.cond(tracer, pred, true_fn, false_fn)
        if out is not NotImplemented:
            return out
    return true_fn() if _truth(pred, "cond: pred") else false_fn()


def _branches(branch_fns):
    """``branch_fns`` (a dict of int -> fn, a list of fns, or of (int, fn) pairs) as a list."""
    if isinstance(branch_fns, dict):
        items = list(branch_fns.items())
    elif isinstance(branch_fns, (list, tuple)):
        if all(isinstance(b, tuple) and len(b) == 2 for b in branch_fns) and branch_fns:
            items = list(branch_fns)
        elif all(not isinstance(b, tuple) for b in branch_fns):
            items = list(enumerate(branch_fns))
        else:
            raise TypeError("switch_case: branch_fns must be a list of callables or a list of "
                            "(int, callable) pairs, not a mix")
    else:
        raise TypeError(f"switch_case: branch_fns must be a dict or a list, got {type(branch_fns).__name__}")
    if not items:
        raise ValueError("switch_case: branch_fns must not be empty")
    for key, fn in items:
        if not isinstance(key, (int, np.integer)) or isinstance(key, bool):
            raise TypeError(f"switch_case: branch keys must be ints, got {key!r}")
        _require_callable(fn, f"switch_case: branch_fns[{key}]")
    items.sort(key=lambda kv: int(kv[0]))
    keys = [int(k) for k, _ in items]
    if keys != list(range(len(keys))):
        raise ValueError(f"switch_case: branch keys must form the contiguous range 0..{len(keys) - 1}, "
                         f"got {keys}")
    return [fn for _, fn in items]


def switch_case(branch_index, branch_fns, default=None, name=None):
    """Run the branch numbered ``branch_index`` (an int scalar) and return its result.

    An index outside ``range(len(branch_fns))`` runs ``default``, or the last
    branch when there is no default (TF's rule).

    >>> wb.switch_case(wb.constant(1), [lambda: 17, lambda: 31], default=lambda: -1)
    31
    """
    fns = _branches(branch_fns)
    if default is not None:
        _require_callable(default, "switch_case: default")
    if isinstance(branch_index, Tensor):
        if branch_index.dtype.kind not in "iu":
            raise TypeError(f"switch_case: branch_index must be an integer tensor, got dtype {branch_index.dtype}")
        if branch_index.ndim != 0:
            raise ValueError(f"switch_case: branch_index must be a scalar, got shape {branch_index.shape}")
        index = int(branch_index._data)
    elif isinstance(branch_index, (int, np.integer)) and not isinstance(branch_index, bool):
        index = int(branch_index)
    else:
        raise TypeError(f"switch_case: branch_index must be an int or an integer scalar tensor, "
                        f"got {type(branch_index).__name__}")
    if 0 <= index < len(fns):
        return fns[index]()
    return (default or fns[-1])()


# ---------------------------------------------------------------------------
# while_loop


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, maximum_iterations=None, name=None):
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` is true.

    ``loop_vars`` is a (nested) list/tuple/dict of tensors, or one tensor; the
    result has its structure. Each iteration must return the same structure,
    dtypes and shapes (``shape_invariants`` may relax a shape with None
    dimensions). ``maximum_iterations`` bounds the number of iterations.

    >>> i, s = wb.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s * 2.0),
    ...                      [wb.constant(0), wb.constant(1.0)])
    >>> int(i), float(s)
    (4, 16.0)
    """
    _require_callable(cond, "while_loop: cond")
    _require_callable(body, "while_loop: body")
    if parallel_iterations is not None and int(parallel_iterations) < 1:
        raise ValueError(f"while_loop: parallel_iterations must be a positive integer, got {parallel_iterations}")
    single = not isinstance(loop_vars, (list, tuple, dict))
    structure = [loop_vars] if single else loop_vars
    if isinstance(structure, (list, tuple)) and not structure:
        raise ValueError("while_loop: loop_vars must not be empty")
    flat, paths = _tensors(structure, "loop_vars", composites=True)
    if single:
        paths = ["loop_vars"]
    if shape_invariants is None:
        shapes = [None if _is_composite(t) else t.shape for t in flat]
    else:
        shapes = _flatten_shapes([shape_invariants] if single else shape_invariants, structure, "loop_vars")
        shapes = [None if _is_composite(t) else s for t, s in zip(flat, shapes)]
        for t, s, p in zip(flat, shapes, paths):
            if not _compatible(t.shape, s):
                raise ValueError(f"while_loop: {p} has shape {t.shape}, which does not match its "
                                 f"shape invariant {_shape_str(s)}")
    if maximum_iterations is not None:
        maximum_iterations = int(maximum_iterations)
        if maximum_iterations < 0:
            raise ValueError(f"while_loop: maximum_iterations must be >= 0, got {maximum_iterations}")
    kinds = _kinds(flat)
    tracer = core._state.tracer
    if tracer is not None and STAGING.while_loop is not None:
        def conform(out):
            if len(flat) == 1 and not isinstance(out, (list, tuple, dict)) and not isinstance(structure, dict):
                out = [out]
            return _conform(out, structure, kinds, paths, "while_loop: body", shapes,
                            shape_hint="; pass shape_invariants (None for a dimension that may "
                                       "change) to allow other shapes")
        staged = STAGING.while_loop(tracer, cond, body, structure, flat, conform, maximum_iterations)
        if staged is not NotImplemented:
            flat = _block(staged, back_prop)
            return flat[0] if single else nest.pack_sequence_as(structure, flat)
    current = nest.pack_sequence_as(structure, flat)
    step = 0
    while maximum_iterations is None or step < maximum_iterations:
        if not _truth(cond(*current), "while_loop: the value returned by cond"):
            break
        out = body(*current)
        if len(flat) == 1 and not isinstance(out, (list, tuple, dict)) and not isinstance(structure, dict):
            out = [out]  # a lone tensor for a one-element loop_vars, as TF accepts
        flat = _conform(out, structure, kinds, paths, "while_loop: body", shapes,
                        shape_hint="; pass shape_invariants (None for a dimension that may change) "
                                   "to allow other shapes")
        current = nest.pack_sequence_as(structure, flat)
        step += 1
    flat = _block(flat, back_prop)
    return flat[0] if single else nest.pack_sequence_as(structure, flat)


# ---------------------------------------------------------------------------
# map_fn, scan, foldl, foldr: iterate over the first dimension of ``elems``


def _unstacked(elems, opname):
    """Slices of every tensor in ``elems`` along the first dimension: (flat tensors, rows, n)."""
    flat, paths = _tensors(elems, "elems")
    if not flat:
        raise ValueError(f"{opname}: elems must contain at least one tensor")
    for t, p in zip(flat, paths):
        if t.ndim == 0:
            raise ValueError(f"{opname}: {p} is a scalar; elems must have a first dimension to iterate over")
    n = flat[0].shape[0]
    for t, p in zip(flat, paths):
        if t.shape[0] != n:
            raise ValueError(f"{opname}: all elems must have the same first dimension; "
                             f"{paths[0]} has {n}, {p} has {t.shape[0]}")
    columns = [unstack(t, num=n) for t in flat]   # (n known here, where a trace's size is open)
    rows = [nest.pack_sequence_as(elems, [c[i] for c in columns]) for i in range(n)]
    return flat, rows, n


def _stack_rows(rows, opname, paths):
    """Stack per-step leaf lists into one tensor per leaf, with a clear error for ragged steps."""
    out = []
    for k, path in enumerate(paths):
        first = rows[0][k]
        for i, r in enumerate(rows):
            if r[k].shape != first.shape:
                raise ValueError(f"{opname}: fn returned shape {r[k].shape} for {path} at element {i}, "
                                 f"but {first.shape} at element 0; results are stacked, so every "
                                 "element must give the same shape")
        out.append(stack([r[k] for r in rows]))
    return out


def _spec_dtype(spec, where):
    dtype = getattr(spec, "dtype", spec)
    try:
        return np_dtype(dtype)
    except TypeError:
        raise TypeError(f"{where} must be a dtype or a spec with a dtype, got {spec!r}") from None


def _spec_shape(spec):
    shape = getattr(spec, "shape", None)
    if shape is None or isinstance(spec, (np.dtype, DType)):
        return None
    dims = shape.as_list() if hasattr(shape, "as_list") else list(shape)
    return None if any(d is None for d in dims) else tuple(int(d) for d in dims)


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """Apply ``fn`` to each slice of ``elems`` along its first dimension and stack the results.

    ``elems`` is a tensor or a nested structure of tensors with one first
    dimension ``n``; ``fn`` receives the same structure of slices. Results
    are stacked to shape ``[n, *result.shape]``. When ``fn``'s output differs
    from ``elems`` in structure or dtype, give ``fn_output_signature`` (dtypes,
    or specs with ``dtype``/``shape``, in the output's structure).

    >>> wb.map_fn(lambda x: x * x, wb.constant([1.0, 2.0, 3.0])).numpy()
    array([1., 4., 9.], dtype=float32)
    >>> wb.map_fn(lambda p: p[0] * p[1], (wb.constant([1, 2]), wb.constant([3, 4])),
    ...           fn_output_signature=wb.int32).numpy()
    array([3, 8], dtype=int32)
    """
    _require_callable(fn, "map_fn: fn")
    if dtype is not None and fn_output_signature is not None:
        raise ValueError("map_fn: give fn_output_signature or its deprecated alias dtype, not both")
    signature = fn_output_signature if fn_output_signature is not None else dtype
    from ..sparse.sparse_tensor import SparseTensor, SparseTensorSpec  # circular: sparse uses these ops
    if (any(isinstance(leaf, SparseTensor) for leaf in nest.flatten(elems))
            or any(isinstance(s, SparseTensorSpec) for s in nest.flatten(signature))):
        return _map_sparse(fn, elems, signature, back_prop)
    flat_in, rows, n = _unstacked(elems, "map_fn")
    if signature is None:
        like, dtypes = elems, [t.dtype for t in flat_in]
        empty_shapes = [t.shape[1:] for t in flat_in]
        hint = ("; pass fn_output_signature when fn's output differs from elems in structure "
                "or dtype")
    else:
        like = signature
        specs = nest.flatten(signature)
        dtypes = [_spec_dtype(s, "map_fn: fn_output_signature") for s in specs]
        empty_shapes = [_spec_shape(s) or () for s in specs]
        hint = ""
    paths = _paths(like, "output")
    results = [_conform(fn(row), like, dtypes, paths, f"map_fn: fn (element {i})", hint=hint)
               for i, row in enumerate(rows)]
    if n == 0:
        xp = flat_in[0].xp
        flat_out = [core.wrap_constant(xp.zeros((0,) + tuple(s), d)) for s, d in zip(empty_shapes, dtypes)]
    else:
        flat_out = _stack_rows(results, "map_fn", paths)
        _open_rows(flat_out, flat_in, results[0])
    return nest.pack_sequence_as(like, _block(flat_out, back_prop))


def _sparse_rows(st, path):
    """The rows of SparseTensor ``st`` along its first dimension, each a SparseTensor of one
    rank less (its values gathered, so gradients reach ``st``'s)."""
    from ..sparse.sparse_tensor import SparseTensor  # circular: sparse uses these ops
    if len(st._shape) < 2:
        raise ValueError(f"map_fn: {path} is a SparseTensor of rank {len(st._shape)}; map_fn over a "
                         "SparseTensor needs rank >= 2 (each row is a SparseTensor)")
    idx = np.asarray(st._indices.numpy())
    rows = []
    for i in range(st._shape[0]):
        at = np.flatnonzero(idx[:, 0] == i)
        values = take_rows(st._values, convert_to_tensor(at.astype(np.int64)))
        rows.append(SparseTensor(idx[at, 1:], values, list(st._shape[1:])))
    return rows


def _stack_sparse(column, spec, path):
    """SparseTensor results of each row stacked into one of one rank more, whose dense shape is
    the largest of the rows' in each dimension (as TF's map_fn batches them)."""
    from ..sparse.sparse_tensor import SparseTensor  # circular: sparse uses these ops
    for i, st in enumerate(column):
        if not isinstance(st, SparseTensor):
            raise ValueError(f"map_fn: fn returned {type(st).__name__} for {path} at element {i}, but "
                             f"fn_output_signature expects a SparseTensor ({spec!r})")
        if st.dtype != spec.dtype:
            raise TypeError(f"map_fn: fn returned dtype {st.dtype} for {path} at element {i}, expected "
                            f"dtype {spec.dtype}")
        if len(st._shape) != len(column[0]._shape):
            raise ValueError(f"map_fn: fn returned SparseTensors of ranks {len(column[0]._shape)} and "
                             f"{len(st._shape)} for {path}; their ranks must agree")
    shape = [len(column)] + [max(st._shape[d] for st in column) for d in range(len(column[0]._shape))]
    indices = [np.concatenate([np.full((st._values.shape[0], 1), i, np.int64),
                               np.asarray(st._indices.numpy()).reshape(-1, len(st._shape))], axis=1)
               for i, st in enumerate(column)]
    return SparseTensor(np.concatenate(indices, axis=0), concat([st._values for st in column], 0), shape)


def _map_sparse(fn, elems, signature, back_prop):
    """map_fn where ``elems`` hold SparseTensors (fn gets each row as a SparseTensor) or
    ``fn_output_signature`` asks for SparseTensors (``wb.SparseTensorSpec``)."""
    from ..sparse.sparse_tensor import SparseTensor, SparseTensorSpec  # circular: sparse uses these ops
    leaves, paths = nest.flatten(elems), _paths(elems, "elems")
    if not leaves:
        raise ValueError("map_fn: elems must contain at least one tensor")
    columns = []
    for leaf, path in zip(leaves, paths):
        if isinstance(leaf, SparseTensor):
            columns.append(_sparse_rows(leaf, path))
            continue
        t = _to_tensor(leaf, path)
        if t.ndim == 0:
            raise ValueError(f"map_fn: {path} is a scalar; elems must have a first dimension to iterate over")
        columns.append(unstack(t, num=t.shape[0]))
    n = len(columns[0])
    for col, path in zip(columns, paths):
        if len(col) != n:
            raise ValueError(f"map_fn: all elems must have the same first dimension; {paths[0]} has {n}, "
                             f"{path} has {len(col)}")
    if n == 0:
        raise ValueError("map_fn: elems has no rows; a map over SparseTensors needs at least one")
    results = [fn(nest.pack_sequence_as(elems, [c[i] for c in columns])) for i in range(n)]
    like = signature if signature is not None else elems
    specs = nest.flatten(like)
    out_paths = _paths(like, "output")
    flat_results = []
    for i, res in enumerate(results):
        flat = nest.flatten(res)
        if len(flat) != len(specs):
            raise ValueError(f"map_fn: fn (element {i}) returned {len(flat)} values, but the output "
                             f"structure {_describe(like)} has {len(specs)}; pass fn_output_signature "
                             "when fn's output differs from elems in structure")
        flat_results.append(flat)
    out = []
    for k, (spec, path) in enumerate(zip(specs, out_paths)):
        column = [r[k] for r in flat_results]
        if signature is None and isinstance(spec, SparseTensor):
            spec = SparseTensorSpec(None, spec.dtype)
        if isinstance(spec, SparseTensorSpec):
            out.append(_stack_sparse(column, spec, path))
            continue
        want = spec.dtype if isinstance(spec, Tensor) else _spec_dtype(spec, "map_fn: fn_output_signature")
        tensors = []
        for i, v in enumerate(column):
            t = _to_tensor(v, f"map_fn: fn (element {i}): {path}", dtype_hint=want)
            if t.dtype != want:
                raise TypeError(f"map_fn: fn (element {i}) returned dtype {t.dtype} for {path}, expected "
                                f"dtype {want}")
            tensors.append([t])
        out.extend(_block(_stack_rows(tensors, "map_fn", [path]), back_prop))
    return nest.pack_sequence_as(like, out)


def _fold(fn, elems, initializer, reverse, keep_all, opname):
    """Run ``acc = fn(acc, row)`` over the rows of ``elems``; the final accumulator, or
    (with ``keep_all``) each step's accumulator stacked in the rows' order."""
    _require_callable(fn, f"{opname}: fn")
    flat_in, rows, n = _unstacked(elems, opname)
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    if initializer is None:
        if n == 0:
            raise ValueError(f"{opname}: elems is empty and there is no initializer")
        like = elems
        acc_flat = nest.flatten(rows[order[0]])
        first, order = order[0], order[1:]
    else:
        like = initializer
        acc_flat, _ = _tensors(initializer, "initializer")
        first = None
    paths = _paths(like, "initializer" if initializer is not None else "elems")
    shapes = [t.shape for t in acc_flat] if keep_all else None
    steps = {first: acc_flat} if first is not None else {}
    what = f"{opname}: fn"
    for i in order:
        acc = nest.pack_sequence_as(like, acc_flat)
        acc_flat = _conform(fn(acc, rows[i]), like, [t.dtype for t in acc_flat], paths, what, shapes)
        steps[i] = acc_flat
    if not keep_all:
        return acc_flat, like
    if n == 0:
        xp = flat_in[0].xp
        return [core.wrap_constant(xp.zeros((0,) + t.shape, t.dtype)) for t in acc_flat], like
    out = _stack_rows([steps[i] for i in range(n)], opname, paths)
    _open_rows(out, flat_in, steps[order[-1] if order else first])
    return out, like


def _open_rows(stacked, flat_in, last):
    """In a trace where ``elems``' first size is open: the stacked results have as many rows
    (TF's static shape), each row the static shape of the results ``last``."""
    if not core.open_shapes_traced():
        return
    lead = flat_in[0]._static_shape()
    if lead.rank and lead[0] is None:
        for o, r in zip(stacked, last):
            s = r._static_shape()
            core.static_result(o, None if s.rank is None else (None,) + tuple(s.as_list()))


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, reverse=False, name=None):
    """The accumulators of ``acc = fn(acc, x)`` over the first dimension of ``elems``, stacked.

    Without ``initializer`` the first element starts the accumulator (and is the
    first output); the accumulator then has ``elems``' structure. With
    ``reverse=True`` the scan runs from the last element, and output ``i``
    still belongs to element ``i``.

    >>> wb.scan(lambda a, x: a + x, wb.constant([1.0, 2.0, 3.0])).numpy()
    array([1., 3., 6.], dtype=float32)
    """
    flat, like = _fold(fn, elems, initializer, reverse, True, "scan")
    return nest.pack_sequence_as(like, _block(flat, back_prop))


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
          name=None):
    """The final accumulator of ``acc = fn(acc, x)`` over ``elems`` from first to last.

    >>> float(wb.foldl(lambda a, x: a * x, wb.constant([1.0, 2.0, 3.0, 4.0])))
    24.0
    """
    flat, like = _fold(fn, elems, initializer, False, False, "foldl")
    return nest.pack_sequence_as(like, _block(flat, back_prop))


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
          name=None):
    """The final accumulator of ``acc = fn(acc, x)`` over ``elems`` from last to first.

    >>> float(wb.foldr(lambda a, x: a - x, wb.constant([1.0, 2.0, 10.0])))
    7.0
    """
    flat, like = _fold(fn, elems, initializer, True, False, "foldr")
    return nest.pack_sequence_as(like, _block(flat, back_prop))


__all__ = [
    "cond",
    "foldl",
    "foldr",
    "map_fn",
    "scan",
    "switch_case",
    "while_loop",
]
