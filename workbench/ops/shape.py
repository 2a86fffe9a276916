"""Shape ops and indexing.

Rules here receive cotangents that may carry extra leading (batch)
dimensions: they read ``lead = g.ndim - ans.ndim`` and keep those dims in
front, so a jacobian is one vectorized backward pass.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend, core
from ..errors import InvalidArgumentError, argcheck, eager_op_message
from ..core import Tensor, apply, convert_to_tensor, defop
from ..tensor_shape import TensorShape
from ._define import defop as defrule


def _lead(g, ans):
    return g.ndim - ans.ndim


def _shape_arg(shape, what="shape", where="op", unknown=False):
    """A shape argument as a tuple of ints (``argcheck.shape``: non-negative sizes; with
    ``unknown``, -1 or None for one size to infer)."""
    return argcheck.shape(shape, what, where, unknown)


def norm_axis(axis, ndim, opname="op", what="axis"):
    """A non-negative axis, with an error that names the op, the argument and the rank."""
    if type(axis) is int and -ndim <= axis < ndim:
        return axis % ndim
    return argcheck.axis(axis, ndim, opname, what)


# ---------------------------------------------------------------------------
# identity, device copies

# ``copy``: a read of a variable copies its buffer (the variable may be assigned later)
_identity_op = defrule("identity", lambda xp, x, copy=False: x.copy() if copy else x,
                       rule=lambda e, needs, g, ans, x, copy=False: (g,),
                       jvp=lambda ts, ans, x, copy=False: ts[0], dtypes="any")
_COPY = {"copy": True}
IDENTITY_OP = _identity_op   # the reverse walk passes IndexedSlices through it, as TF's Identity gradient


@core.dispatchable
def identity(input, name=None):
    """The same value as a new tensor (recorded by tapes; reading a Variable through it
    snapshots nothing, as TF's identity of a variable reads its value)."""
    x = convert_to_tensor(input)
    return apply(_identity_op, (x,), _COPY if isinstance(x, core.Variable) else core._NO_PARAMS)


def _move_fwd(xp, x, device):
    return backend.move(x, device)


_copy_op = defop("copy_to_device", _move_fwd,
                 vjp=lambda g, ans, x, device: (_copy_to_device(g, backend.device_of(x._data)),),
                 jvp=lambda ts, ans, x, device: _copy_to_device(ts[0], device), dtypes="any")


def _copy_to_device(x, device):
    return apply(_copy_op, (x,), {"device": device})


# ---------------------------------------------------------------------------
# reshape family

_reshape_op = defrule(
    "reshape", lambda xp, x, shape: xp.reshape(x, shape),
    rule=lambda e, needs, g, ans, x, shape: (
        e.reshape(g, core.dims(g)[:g.ndim - ans.ndim] + core.dims(x)),),
    jvp=lambda ts, ans, x, shape: reshape(ts[0], ans.shape), dtypes="any")


def reshape(tensor, shape, name=None):
    """``tensor`` with a new shape of the same size (one dimension may be -1)."""
    if (not isinstance(shape, (list, tuple)) and getattr(shape, "__wb_dispatch__", False)) or (
            not isinstance(tensor, Tensor) and getattr(tensor, "__wb_dispatch__", False)):
        return core.dispatch(reshape, (tensor, shape))   # a DynamicRaggedShape or a RaggedTensor
    x = convert_to_tensor(tensor)
    known = core.static_value(shape)   # in a trace: None for a size the arguments decide
    open_length = known is None and isinstance(shape, Tensor) and shape.ndim == 1
    shape = _shape_arg(shape, "shape", "reshape", unknown=True)
    if shape == x._data.shape and not open_length:
        return x
    try:
        out_shape = _resolve_shape(x._data.shape, shape)
    except ValueError as exc:
        raise InvalidArgumentError(eager_op_message("Reshape", str(exc), x.device)) from None
    if open_length:   # a shape tensor of open length: TF's result has an unknown rank
        core.static_shape_hint("reshape", None)
    elif known and None in known:
        core.static_shape_hint("reshape", _reshape_static(x._static_shape(), known))
    elif core.open_shapes_traced():
        _hint_static("reshape", x, lambda s: _reshape_static(s, shape))
    return apply(_reshape_op, (x,), {"shape": out_shape})


def _hint_static(op_name, x, rule):
    """In a trace whose arguments leave sizes open: tell it the static shape ``rule(static)`` of
    the next ``op_name`` result, from ``x``'s static shape (a tuple with None, or None for an
    unknown rank), where that differs from the traced sizes."""
    static = x._static_shape()
    dims = None if static.rank is None else tuple(static.as_list())
    if dims != x._data.shape:
        core.static_shape_hint(op_name, rule(dims))


def _reshape_static(static, shape):
    """TF's static shape of a reshape of a tensor of static shape ``static`` (a TensorShape or
    tuple) to ``shape`` (None for a size a trace's arguments decide): the one open or -1 size
    is known where every input size is, else open."""
    if isinstance(static, TensorShape):
        static = None if static.rank is None else tuple(static.as_list())
    open_ = [i for i, d in enumerate(shape) if d is None or d == -1]
    if static is not None and None not in static and len(open_) <= 1:
        if None not in shape:
            return _resolve_shape(static, shape)
        rest = math.prod(d for d in shape if d is not None)
        if rest and math.prod(static) % rest == 0:
            return tuple(math.prod(static) // rest if d is None else d for d in shape)
    return tuple(None if d is None or d == -1 else d for d in shape)


def _resolve_shape(old, new):
    """``new`` with its -1 size inferred, as TF's Reshape kernel does it, with its messages. A
    zero size in ``new`` leaves the input's zero sizes out of the count the -1 is inferred
    from, so ``[0, -1]`` of a ``[0, 3]`` tensor is ``[0, 3]``."""
    unknown = [i for i, s in enumerate(new) if s == -1]
    if len(unknown) > 1:
        raise ValueError(f"Only one input size may be -1, not both {unknown[0]} and {unknown[1]}")
    size = math.prod(old)
    if unknown:
        known = math.prod([s for s in new if s > 0])
        zero_in_new = 0 in new
        count = math.prod([s for s in old if s > 0 or not zero_in_new])
        if not (zero_in_new and 0 in old) and count % known:
            raise ValueError(f"Input to reshape is a tensor with {count} values, but the requested shape "
                             f"requires a multiple of {known}")
        new = tuple(count // known if s == -1 else s for s in new)
    if math.prod(new) != size:
        raise ValueError(f"Input to reshape is a tensor with {size} values, but the requested shape has "
                         f"{math.prod(new)}")
    return tuple(new)


@core.dispatchable
def expand_dims(input, axis, name=None):
    """Insert a dimension of size 1 at ``axis`` (negative counts from the end of the result)."""
    x = convert_to_tensor(input)
    nd = x.ndim + 1
    a = norm_axis(axis, nd, "expand_dims")
    shape = x._data.shape   # a plain tuple: cheaper to slice than a TensorShape
    if isinstance(axis, Tensor) and core.static_value(axis) is None:   # TF: an unknown rank
        core.static_shape_hint("reshape", None)
        return apply(_reshape_op, (x,), {"shape": shape[:a] + (1,) + shape[a:]})
    if core.open_shapes_traced():
        return _reshape_hinted(x, shape[:a] + (1,) + shape[a:],
                               lambda s: None if s is None else s[:a] + (1,) + s[a:])
    return reshape(x, shape[:a] + (1,) + shape[a:])


def _reshape_hinted(x, shape, rule):
    """``reshape(x, shape)`` (sizes as traced) in a trace with open sizes, whose static shape
    is ``rule(x's static shape)``, as TF's shape inference of the op that asked for it."""
    if shape == x._data.shape:
        return x
    _hint_static("reshape", x, rule)
    return apply(_reshape_op, (x,), {"shape": tuple(shape)})


def squeeze(input, axis=None, name=None):
    """Remove dimensions of size 1 (all of them, or those in ``axis``)."""
    if not isinstance(input, Tensor) and getattr(input, "__wb_dispatch__", False):
        return core.dispatch(squeeze, (input,), {"axis": axis})   # a RaggedTensor
    x = convert_to_tensor(input)
    if axis is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        axes = {norm_axis(a, x.ndim, "squeeze") for a in (axis if isinstance(axis, (list, tuple)) else [axis])}
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(f"squeeze: cannot squeeze axis {a} of shape {x.shape}: its size is not 1")
        shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    if core.open_shapes_traced():
        def rule(static):
            # TF: without axis, an open size may be 1, so the rank is unknown
            if static is None or axis is None:
                return None if static is None or None in static else tuple(d for d in static if d != 1)
            return tuple(d for i, d in enumerate(static) if i not in axes)
        return _reshape_hinted(x, shape, rule)
    return reshape(x, shape)


def _transpose_rule(e, needs, g, ans, x, perm):
    lead = g.ndim - ans.ndim
    inv = np.argsort(perm)
    return (e.transpose(g, tuple(range(lead)) + tuple(lead + int(p) for p in inv)),)


_transpose_op = defrule("transpose", lambda xp, x, perm: xp.transpose(x, perm), rule=_transpose_rule,
                        jvp=lambda ts, ans, x, perm: transpose(ts[0], perm), dtypes="any")


def transpose(a, perm=None, conjugate=False, name=None):
    """Permute dimensions (reverse them when ``perm`` is None); ``conjugate=True`` also
    conjugates a complex tensor (TF's adjoint; a real tensor is only transposed)."""
    x = convert_to_tensor(a)
    if conjugate and x.dtype.kind == "c":
        from .tf_extra import conj  # circular import: tf_extra builds on this module
        return conj(transpose(x, perm))
    known = core.static_value(perm) if isinstance(perm, Tensor) else False
    if perm is None:
        perm = tuple(range(x.ndim - 1, -1, -1))
    else:
        perm = tuple(norm_axis(p, x.ndim, "transpose", "perm")
                     for p in argcheck.integers(perm, "perm", "transpose", "a list of integers"))
        if sorted(perm) != list(range(x.ndim)):
            raise ValueError(f"transpose: perm {perm} is not a permutation of the {x.ndim} dimensions "
                             f"of a tensor of shape {x.shape}")
    if known is not False and (known is None or None in known):   # in a trace: a perm the arguments decide
        core.static_shape_hint("transpose", (None,) * x.ndim)   # TF: every size open
    elif perm == tuple(range(x.ndim)):
        return x
    return apply(_transpose_op, (x,), {"perm": perm})


# the walk sums the cotangent back over the broadcast dimensions (``broadcasts``)
_broadcast_op = defrule(
    "broadcast_to", lambda xp, x, shape: xp.broadcast_to(x, shape),
    rule=lambda e, needs, g, ans, x, shape: (g,),
    jvp=lambda ts, ans, x, shape: broadcast_to(ts[0], shape), dtypes="any", broadcasts=True)


def broadcast_to(input, shape, name=None):
    """``input`` broadcast to ``shape`` (NumPy's rules)."""
    if not isinstance(shape, (list, tuple)) and getattr(shape, "__wb_dispatch__", False):
        return core.dispatch(broadcast_to, (input, shape))   # a DynamicRaggedShape: a ragged result
    x = convert_to_tensor(input)
    static = core.static_value(shape)   # in a trace: the sizes the arguments leave open
    if static and None in static and x._static_shape().rank is not None:
        # TF: an open size of the shape takes the input's where that is known and not 1
        tail = x._static_shape().as_list()[-len(static):] if len(x._static_shape()) else []
        lead = static[:len(static) - len(tail)]
        static = lead + tuple(s if s is not None or d in (None, 1) else d
                              for s, d in zip(static[len(lead):], tail))
    shape = _shape_arg(shape, "shape", "broadcast_to")
    have = x._data.shape
    if shape == have:
        return x
    # NumPy's rule, one way: every size of ``have`` (aligned at the end) is 1 or ``shape``'s
    if len(have) > len(shape) or any(h != 1 and h != s for h, s in zip(have[::-1], shape[::-1])):
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}")
    return core.static_result(apply(_broadcast_op, (x,), {"shape": shape}), static)


# ---------------------------------------------------------------------------
# concat / stack / unstack / split


def _concat_fwd(xp, *xs, axis):
    return xp.concatenate(xs, axis=axis)


def _concat_vjp(g, ans, *xs, axis):
    lead = _lead(g, ans)
    sizes = [x.shape[axis] for x in xs]
    return tuple(split(g, sizes, axis=axis + lead))


def _concat_jvp(ts, ans, *xs, axis):
    return concat([zeros_like_t(x) if t is None else t for t, x in zip(ts, xs)], axis=axis)


_concat_op = defop("concat", _concat_fwd, vjp=_concat_vjp, jvp=_concat_jvp, dtypes="any")


@core.dispatchable
def concat(values, axis, name=None):
    """Join tensors along an existing ``axis``. Values that are not tensors (lists, NumPy
    arrays) take the dtype of the first tensor among ``values``, as TF converts them."""
    values = list(values)
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), None)
    xs = _same_dtype([convert_to_tensor(v) if isinstance(v, Tensor) or dtype is None
                      else convert_to_tensor(v, dtype=dtype) for v in values], "concat")
    if not xs:
        raise ValueError("concat: values must be a non-empty list of tensors")
    nd = xs[0].ndim
    if nd == 0:
        raise ValueError("concat: cannot concatenate scalars; use wb.stack")
    a = norm_axis(axis, nd, "concat")
    for i, x in enumerate(xs):
        if x.ndim != nd or x.shape[:a] + x.shape[a + 1:] != xs[0].shape[:a] + xs[0].shape[a + 1:]:
            raise ValueError(f"concat: values[{i}] has shape {x.shape}, which does not match "
                             f"values[0] shape {xs[0].shape} outside axis {a}")
    if len(xs) == 1:
        return xs[0]
    if isinstance(axis, Tensor) and core.static_value(axis) is None:   # TF: every size open
        core.static_shape_hint("concat", (None,) * nd)
    return apply(_concat_op, tuple(xs), {"axis": a})


def _same_dtype(xs, opname):
    for i, x in enumerate(xs[1:], 1):
        if x.dtype != xs[0].dtype:
            raise TypeError(f"{opname}: values[{i}] has dtype {x.dtype}, values[0] has {xs[0].dtype}")
    return xs


@core.dispatchable
def stack(values, axis=0, name=None):
    """Join tensors of one shape along a new ``axis``. Values that are not tensors take the
    dtype of the first tensor among ``values``, as TF converts them (``stack([n, 2])``)."""
    values = list(values)
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), None)
    xs = _same_dtype([convert_to_tensor(v) if isinstance(v, Tensor) or dtype is None
                      else convert_to_tensor(v, dtype=dtype) for v in values], "stack")
    if not xs:
        raise ValueError("stack: values must be a non-empty list of tensors")
    for i, x in enumerate(xs):
        if x.shape != xs[0].shape:
            raise ValueError(f"stack: values[{i}] has shape {x.shape}, values[0] has {xs[0].shape}")
    a = norm_axis(axis, xs[0].ndim + 1, "stack")
    if len(xs) == 1:
        return expand_dims(xs[0], a)
    out = concat([expand_dims(x, a) for x in xs], axis=a)
    if core.open_shapes_traced():   # TF: the values' static shapes merged (an unknown rank takes the others')
        known = [s.as_list() for s in (x._static_shape() for x in xs) if s.rank is not None]
        if known and len(known) < len(xs):
            dims = [next((d for d in column if d is not None), None) for column in zip(*known)]
            core.static_result(out, tuple(dims[:a]) + (len(xs),) + tuple(dims[a:]))
    return out


def _split_fwd(xp, x, sizes, axis):
    cuts = np.cumsum(sizes)[:-1].tolist()
    return tuple(xp.split(x, cuts, axis=axis))


def _split_vjp(gs, ans, x, sizes, axis):
    lead = _lead(_first_not_none(gs), ans[0])
    parts = [zeros_like_t(a, lead_shape=_first_not_none(gs).shape[:lead]) if g is None else g
             for g, a in zip(gs, ans)]
    return (concat(parts, axis=axis + lead),)


def _first_not_none(xs):
    for x in xs:
        if x is not None:
            return x
    raise ValueError("no gradient")


def _split_op_jvp(ts, ans, x, sizes, axis):
    return split(ts[0], list(sizes), axis=axis)


_split_op = defop("split", _split_fwd, vjp=_split_vjp, jvp=_split_op_jvp, nout=-1, dtypes="any")


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """Split ``value`` along ``axis`` into equal parts (an int) or parts of the given sizes."""
    if not isinstance(value, Tensor) and getattr(value, "__wb_dispatch__", False):   # a RaggedTensor
        return core.dispatch(split, (value, num_or_size_splits), {"axis": axis, "num": num})
    x = convert_to_tensor(value)
    a = norm_axis(axis, x.ndim, "split")
    n = x.shape[a]
    open_ = ()   # the parts whose size along the axis an open size decides (in a trace)
    data_sized = False   # whether the data decides a size (in a trace): TF knows no part's size
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if k <= 0 or n % k:
            raise ValueError(f"split: num_or_size_splits={k}: dimension {a} of size {n} cannot be split "
                             f"into {k} equal parts")
        sizes = (n // k,) * k
        open_ = range(k)
    else:
        if core.tracing():   # the sizes TF's shape inference knows (None: the data decides)
            known = core.static_value(num_or_size_splits)
            data_sized = isinstance(known, tuple) and None in known
        sizes = list(argcheck.integers(num_or_size_splits, "num_or_size_splits", "split"))
        if sizes.count(-1) == 1:
            open_ = (sizes.index(-1),)
            sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ValueError(f"split: sizes {tuple(sizes)} do not add up to dimension {a} of size {n}")
        sizes = tuple(sizes)
    if len(sizes) == 1:
        return [x]
    if core.open_shapes_traced() or data_sized:   # TF's static shapes of the parts
        static = x._static_shape()
        dims = None if static.rank is None else static.as_list()
        core.static_shape_hint("split", [None if dims is None else tuple(
            dims[:a] + [None if (dims[a] is None and i in open_) or data_sized else s] + dims[a + 1:])
            for i, s in enumerate(sizes)])
    return list(_apply_multi(_split_op, (x,), {"sizes": sizes, "axis": a}))


def _apply_multi(op, args, params):
    """``apply`` for an op whose number of outputs depends on its parameters."""
    data = [a._data for a in args]
    out = op.fwd(backend.xp_of(data[0]), *data, **params)
    res = tuple(core.wrap(o) for o in out)
    if core._slow:
        core.after_op(op, args, params, res)
    return res


def unstack(value, num=None, axis=0, name=None):
    """Split along ``axis`` into tensors of one rank less."""
    x = convert_to_tensor(value)
    a = norm_axis(axis, x.ndim, "unstack")
    n = x.shape[a]
    if num is None:
        static = x._static_shape()   # a traced argument's size may be open (None): TF's error
        if static.rank is None or static[a] is None:
            raise ValueError(f"Cannot infer argument `num` from shape {static}")
    if num is not None and num != n:
        raise ValueError(f"unstack: num={num} but dimension {a} has size {n}")
    parts = split(x, n, axis=a) if n > 1 else [x]
    if n == 0:
        return []
    if core.open_shapes_traced():
        static = x._static_shape()
        dims = None if static.rank is None else tuple(d for i, d in enumerate(static.as_list()) if i != a)
        if dims is not None and dims != x._data.shape[:a] + x._data.shape[a + 1:]:
            out = []
            for p in parts:   # each part: x's static shape without the axis
                core.static_shape_hint("reshape", dims)
                out.append(apply(_reshape_op, (p,), {"shape": p._data.shape[:a] + p._data.shape[a + 1:]}))
            return out
    return [squeeze(p, axis=a) for p in parts]


def zeros_like_t(x, lead_shape=()):
    xp = backend.xp_of(x._data)
    return core.wrap_constant(xp.zeros(tuple(lead_shape) + x._data.shape, x._data.dtype))


# ---------------------------------------------------------------------------
# indexing: x[key] and its transpose, a scatter-add into zeros


def _index_parts(key):
    """Which entries of a normalized key are advanced indices, and whether they are adjacent."""
    has_array = any(not isinstance(k, (slice, type(None), type(Ellipsis), int)) for k in key)
    if not has_array:
        return False, 0
    pos = [i for i, k in enumerate(key)
           if not isinstance(k, (slice, type(None), type(Ellipsis)))]
    adjacent = pos == list(range(pos[0], pos[-1] + 1))
    arrays = []
    for k in key:
        if isinstance(k, (slice, type(None), type(Ellipsis))):
            continue
        if isinstance(k, int):
            arrays.append(np.empty(()))
        elif getattr(k, "dtype", None) is not None and k.dtype == bool:
            arrays.append(np.empty((1,)))
        else:
            arrays.append(np.empty(k.shape))
    adv_ndim = np.broadcast(*arrays).ndim if len(arrays) > 1 else arrays[0].ndim
    return (not adjacent), adv_ndim


def _getitem_fwd(xp, x, key, lead=0):
    if not lead:
        out = x[key]
        if out.__class__ is bytes:      # one element of a string tensor: keep it a 0-d array
            out = x[key + (Ellipsis,) if isinstance(key, tuple) else (key, Ellipsis)]
        return out
    out = x[(slice(None),) * lead + key]
    moved, nadv = _index_parts(key)
    if moved:  # NumPy put the advanced dims in front of the batch dims: restore the order
        out = xp.moveaxis(out, list(range(nadv)), list(range(lead, lead + nadv)))
    return out


def _scatter_fwd(xp, g, key, shape, lead=0):
    out_shape = g.shape[:lead] + shape
    z = xp.zeros(out_shape, g.dtype)
    full = (slice(None),) * lead + key
    moved, nadv = _index_parts(key)
    if lead and moved:
        g = xp.moveaxis(g, list(range(lead, lead + nadv)), list(range(nadv)))
    if _is_basic(key):
        z[full] = g
    elif xp is np:
        np.add.at(z, full, g)
    else:
        import cupyx  # optional: imported only when this is used
        cupyx.scatter_add(z, full, g)
    return z


def _is_basic(key):
    return all(isinstance(k, (slice, type(None), type(Ellipsis), int)) for k in key)


def _getitem_vjp(g, ans, x, key, lead=0):
    glead = _lead(g, ans)
    return (apply(_scatter_op, (g,), {"key": key, "shape": x.shape, "lead": glead + lead}),)


_getitem_op = defop(
    "getitem", _getitem_fwd, vjp=_getitem_vjp,
    jvp=lambda ts, ans, x, key, lead=0: apply(_getitem_op, (ts[0],), {"key": key, "lead": lead}),
    dtypes="any")

_scatter_op = defop(
    "index_scatter", _scatter_fwd,
    vjp=lambda g, ans, gin, key, shape, lead=0: (
        apply(_getitem_op, (g,), {"key": key, "lead": lead + _lead(g, ans)}),),
    jvp=lambda ts, ans, gin, key, shape, lead=0: apply(_scatter_op, (ts[0],),
                                                        {"key": key, "shape": shape, "lead": lead}),
    dtypes="any")


def _bad_index(k):
    """TF's error for an entry of an index key that is none of the kinds it takes."""
    return TypeError("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                     f"tf.int32/tf.int64 tensors are valid indices, got {k!r}")


def _slice_bound(v):
    """A slice's start, stop or step as an int (or None); TF's TypeError for anything else."""
    if v is None or type(v) is int:
        return v
    if isinstance(v, (np.integer, int)) and not isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, Tensor) and v.ndim == 0 and v.dtype.kind in "iu":
        return int(v)
    raise _bad_index(v)


def _normalize_key(key, x):
    """The entries of ``x[key]`` as ints, slices of ints, None, Ellipsis and index arrays
    (NumPy's integer and boolean indexing, which TF's StridedSlice does not take); TF's
    errors for the rest: a TypeError for an entry of no index kind (a float, a string, a
    nested tuple), a ValueError for a scalar boolean mask."""
    if not isinstance(key, tuple):
        if isinstance(key, (bool, np.bool_)) or (getattr(key, "ndim", None) == 0 and key.dtype == bool):
            raise ValueError("mask cannot be scalar.")   # TF's boolean_mask of a scalar mask
        key = (key,)
    xp = backend.xp_of(x._data)
    out = []
    for given in key:
        k = given
        if k is None or k is Ellipsis or type(k) is int:
            out.append(k)
            continue
        if isinstance(k, Tensor):
            k = k._data
        elif isinstance(k, list):
            k = np.asarray(k)
        if isinstance(k, (np.integer, int)):   # a bool among other entries: TF packs it as 0 or 1
            k = int(k)
        elif isinstance(k, slice):
            k = slice(_slice_bound(k.start), _slice_bound(k.stop), _slice_bound(k.step))
        elif backend.is_array(k):
            if k.dtype.kind not in "iub":
                raise _bad_index(given)
            if k.ndim == 0:
                if k.dtype.kind == "b":
                    raise ValueError("mask cannot be scalar.")
                k = int(k)
            elif xp is not np:
                k = xp.asarray(k)
        else:
            raise _bad_index(given)
        out.append(k)
    return tuple(out)


def _slice_error(x, message):
    """TF's eager error for a bad ``x[...]``: its StridedSlice kernel's InvalidArgumentError, named
    ``strided_slice/`` (the name scope ``Tensor.__getitem__`` opens)."""
    return InvalidArgumentError(eager_op_message("StridedSlice", message, x.device, "strided_slice/"))


def _index_dims(k):
    """How many dimensions of the indexed tensor an index array takes."""
    return k.ndim if k.dtype == bool else 1


def _check_key(x, key):
    """The checks TF's StridedSlice makes of a normalized key, with its texts: no slicing of a
    scalar, no more indexed dimensions than ``x`` has, and each integer index inside its
    dimension (a negative one counts from the end; TF reports it after adding the size). An index
    array takes one dimension (a boolean mask as many as it has); its entries are NumPy's to check."""
    shape = x._data.shape
    ndim = len(shape)
    if sum(1 for k in key if k is Ellipsis) > 1:
        raise _slice_error(x, "Multiple ellipses in slice spec not allowed")
    used = 0
    simple = True
    for k in key:
        if k is None or k is Ellipsis:
            simple = False
        elif type(k) is int or type(k) is slice:
            used += 1
        else:
            simple = False
            used += _index_dims(k)
    if used > ndim:
        raise _slice_error(x, "Attempting to slice scalar input." if not ndim else
                           f"Index out of range using input dim {ndim}; input has only {ndim} dims")
    if simple:   # ints and slices only: the i-th entry indexes dimension i
        for dim, k in enumerate(key):
            if type(k) is int and not -shape[dim] <= k < shape[dim]:
                raise _slice_error(x, f"slice index {k + shape[dim] if k < 0 else k} of dimension {dim} out of bounds.")
        return
    dim = 0
    for k in key:
        if k is None:
            continue
        if k is Ellipsis:
            dim = ndim - used
            continue
        if type(k) is int:
            n = shape[dim]
            if not -n <= k < n:
                raise _slice_error(x, f"slice index {k + n if k < 0 else k} of dimension {dim} out of bounds.")
            step = 1
        elif type(k) is slice:
            step = 1
        else:
            step = _index_dims(k)
        used -= step
        dim += step


def getitem(x, key):
    """NumPy-style indexing (basic and advanced); differentiable.

    An index out of range raises TF's ``InvalidArgumentError`` with TF's text:

    >>> try:
    ...     wb.constant([1., 2.])[5]
    ... except wb.errors.InvalidArgumentError as e:
    ...     print(e.message[e.message.index("}") + 3:])
    slice index 5 of dimension 0 out of bounds. [Op:StridedSlice] name: strided_slice/
    """
    x = convert_to_tensor(x)
    given = key
    key = _normalize_key(key, x)
    _check_key(x, key)
    try:
        out = apply(_getitem_op, (x,), {"key": key})
    except IndexError as exc:   # an index array out of range (TF takes none)
        raise InvalidArgumentError(f"index {key!r} is invalid for a tensor of shape {x.shape}: {exc}") from None
    if core.tracing():
        _open_slices(out, given, x.ndim)
    return out


def _open_slices(out, key, ndim):
    """In a trace, TF's StridedSlice shape: where an index or a slice bound is a tensor whose
    value the data decides (TF's shape inference does not know it), the dimension of each slice
    with an explicit start or stop is None; a step the data decides leaves the rank unknown."""
    items = key if isinstance(key, tuple) else (key,)

    def unknown(v):
        return isinstance(v, Tensor) and core.static_value(v) is None
    for k in items:   # basic indexing only (an index array's dims are placed otherwise)
        if not (k is None or k is Ellipsis or isinstance(k, slice)
                or (isinstance(k, (int, np.integer)) and not isinstance(k, bool))
                or (isinstance(k, Tensor) and k.ndim == 0 and k.dtype.kind in "iu")):
            return
    if any(isinstance(k, slice) and unknown(k.step) for k in items):
        core.static_result(out, None)
        return
    if not any(unknown(k) or (isinstance(k, slice) and (unknown(k.start) or unknown(k.stop))) for k in items):
        return
    static = out._static_shape()
    if static.rank is None:
        return
    dims = list(static.as_list())
    consumed = sum(1 for k in items if k is not None and k is not Ellipsis)
    pos = 0
    for k in items:
        if k is Ellipsis:
            pos += ndim - consumed
        elif k is None or isinstance(k, slice):
            if isinstance(k, slice) and (k.start is not None or k.stop is not None):
                dims[pos] = None
            pos += 1
    core.static_result(out, tuple(dims))


# ---------------------------------------------------------------------------
# stop_gradient: no rules, so tapes and accumulators pass it by

_stop_op = defop("stop_gradient", lambda xp, x: x, dtypes="any")


@core.dispatchable
def stop_gradient(input, name=None):
    """The same value, with no gradient flowing through it (forward or reverse)."""
    return apply(_stop_op, (convert_to_tensor(input),))

__all__ = [
    "broadcast_to",
    "concat",
    "expand_dims",
    "getitem",
    "identity",
    "reshape",
    "split",
    "squeeze",
    "stack",
    "stop_gradient",
    "transpose",
    "unstack",
]
