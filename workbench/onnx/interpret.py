"""How each ONNX operator runs as workbench ops (the table ``wb.onnx.load`` reads).

An entry names the operator, the attributes it takes (with their defaults) and, where some
values of them are not covered, a check that runs when the model is loaded; its function
gets the node's inputs (``None`` for an omitted optional one) and attributes and returns
its outputs. Values are workbench tensors, or NumPy arrays where they are fixed when the
graph runs (initializers that are not weights, ``Constant``, and what ``Shape`` gives):
an operator whose inputs are all such arrays runs in NumPy when it has a NumPy form
(``folds``), so shape arithmetic never becomes tensors and a ``Reshape`` knows its shape.
Layouts are ONNX's (channels first); the convolutions and pools call the workbench's ops
with ``data_format="NCHW"`` (``NCW``, ``NCDHW``) and explicit paddings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from onnx import TensorProto, helper

import workbench as wb

from ..core import Tensor

__all__ = ["OPERATORS", "Operator", "UnsupportedError"]


class UnsupportedError(ValueError):
    """An ONNX graph (or one of its nodes) that ``wb.onnx.load`` does not cover."""


@dataclass
class Operator:
    name: str
    fn: object                      # fn(ctx, *inputs, **attrs) -> output or list of outputs
    attrs: dict                     # attribute name -> default
    outputs: int = 1                # how many outputs it gives
    check: object = None            # check(attrs) -> why an attribute value is not covered, or None
    fold: object = None             # fold(*arrays, **attrs): the NumPy form, or None
    optional: set = field(default_factory=set)  # attributes with no default (None when absent)


OPERATORS: dict = {}


def _op(name, outputs=1, check=None, fold=None, **attrs):
    def register(fn):
        OPERATORS[name] = Operator(name, fn, attrs, outputs, check, fold)
        return fn
    return register


class Context:
    """What an operator may need besides its inputs: the floating dtype the graph runs in
    (None: as stored) and the node, for error messages."""

    def __init__(self, float_dtype=None):
        self.float_dtype = None if float_dtype is None else np.dtype(float_dtype)
        self.node = None

    def where(self) -> str:
        n = self.node
        return "wb.onnx.load" if n is None else f"ONNX node '{n.name or n.output[0]}' ({n.op_type})"

    def dtype(self, onnx_type: int):
        """The NumPy dtype of an ONNX element type (floats in the graph's floating dtype)."""
        dt = np.dtype(bool) if onnx_type == TensorProto.BOOL else helper.tensor_dtype_to_np_dtype(onnx_type)
        if dt.kind == "f" and self.float_dtype is not None:
            return self.float_dtype
        return dt

    def array(self, value):
        """A constant as NumPy, floats in the graph's floating dtype."""
        a = np.asarray(value)
        if a.dtype.kind == "f" and self.float_dtype is not None:
            a = a.astype(self.float_dtype)
        return a


def static(value):
    """A value that must be known when the node runs (a shape, axes, pads) as a NumPy array."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        # computed by a node: read now (inside wb.function, only while it does not follow the inputs)
        return value.numpy()
    return np.asarray(value)


def _ints(value):
    v = static(value)
    return None if v is None else [int(i) for i in np.asarray(v).reshape(-1)]


def _shape(x):
    return tuple(x.shape)


def _rank(x):
    return len(x.shape)


def _dtype(x):
    return np.dtype(x.dtype)


# -- elementwise -------------------------------------------------------------------------

_UNARY = {
    "Abs": (wb.abs, np.abs), "Acos": (wb.math.acos, None), "Acosh": (wb.math.acosh, None),
    "Asin": (wb.math.asin, None), "Asinh": (wb.math.asinh, None), "Atan": (wb.math.atan, None),
    "Atanh": (wb.math.atanh, None), "Ceil": (wb.ceil, np.ceil), "Cos": (wb.cos, None),
    "Cosh": (wb.math.cosh, None), "Erf": (wb.math.erf, None), "Exp": (wb.exp, None),
    "Floor": (wb.floor, np.floor), "Log": (wb.math.log, None), "Neg": (wb.negative, np.negative),
    "Reciprocal": (wb.math.reciprocal, None), "Round": (wb.round, None), "Sigmoid": (wb.sigmoid, None),
    "Sign": (wb.sign, np.sign), "Sin": (wb.sin, None), "Sinh": (wb.math.sinh, None),
    "Sqrt": (wb.sqrt, None), "Tan": (wb.tan, None), "Tanh": (wb.tanh, None), "Relu": (wb.nn.relu, None),
    "Softplus": (wb.nn.softplus, None), "Softsign": (wb.nn.softsign, None),
    "IsNaN": (wb.math.is_nan, None), "Not": (wb.logical_not, np.logical_not),
}


def _unary(fn):
    def run(ctx, x):
        return fn(x)
    return run


def _fold_unary(fn):
    def run(x):
        return fn(x)
    return run


for _name, (_fn, _np) in _UNARY.items():
    _op(_name, fold=None if _np is None else _fold_unary(_np))(_unary(_fn))


@_op("Identity", fold=lambda x: x)
def _identity(ctx, x):
    return wb.identity(x)


@_op("IsInf", detect_negative=1, detect_positive=1)
def _is_inf(ctx, x, detect_negative, detect_positive):
    if detect_negative and detect_positive:
        return wb.math.is_inf(x)
    if not detect_negative and not detect_positive:
        return wb.zeros(_shape(x), dtype=bool)
    return wb.logical_and(wb.math.is_inf(x), x > 0 if detect_positive else x < 0)


def _int_div(a, b):
    """ONNX's integer division truncates toward zero."""
    q = np.abs(a) // np.abs(b)
    return (q * np.sign(a) * np.sign(b)).astype(np.result_type(a, b))


def _fold_div(a, b):
    if np.result_type(a, b).kind in "iu":
        return _int_div(a, b)
    return np.divide(a, b)


_BINARY = {
    "Add": (wb.add, np.add), "Sub": (wb.subtract, np.subtract), "Mul": (wb.multiply, np.multiply),
    "Equal": (wb.equal, np.equal), "Greater": (wb.greater, np.greater),
    "GreaterOrEqual": (wb.greater_equal, np.greater_equal), "Less": (wb.less, np.less),
    "LessOrEqual": (wb.less_equal, np.less_equal), "And": (wb.logical_and, np.logical_and),
    "Or": (wb.logical_or, np.logical_or), "Xor": (wb.logical_xor, np.logical_xor),
}


def _binary(fn):
    def run(ctx, a, b):
        return fn(a, b)
    return run


for _name, (_fn, _np) in _BINARY.items():
    _op(_name, fold=_np)(_binary(_fn))


@_op("Div", fold=_fold_div)
def _div(ctx, a, b):
    if np.result_type(_dtype(a), _dtype(b)).kind in "iu":
        q = wb.math.floordiv(wb.abs(a), wb.abs(b))
        return q * wb.sign(a) * wb.sign(b)
    return wb.divide(a, b)


@_op("Pow")
def _pow(ctx, a, b):
    if _dtype(a) != _dtype(b):  # ONNX lets the exponent have another type
        b = wb.cast(b, _dtype(a)) if isinstance(b, Tensor) else np.asarray(b, _dtype(a))
    return wb.pow(a, b)


@_op("Mod", fmod=0)
def _mod(ctx, a, b, fmod):
    if not fmod:
        return wb.math.floormod(a, b)
    # C's fmod: the remainder has the dividend's sign
    return wb.sign(a) * wb.math.floormod(wb.abs(a), wb.abs(b))


def _variadic(fn, np_fn):
    def run(ctx, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = fn(out, x)
        return out if len(xs) > 1 else wb.identity(out)

    def fold(*xs):
        out = xs[0]
        for x in xs[1:]:
            out = np_fn(out, x)
        return out
    return run, fold


for _name, _fns in {"Max": (wb.maximum, np.maximum), "Min": (wb.minimum, np.minimum),
                    "Sum": (wb.add, np.add)}.items():
    _run, _fold = _variadic(*_fns)
    _op(_name, fold=_fold)(_run)


@_op("Mean")
def _mean(ctx, *xs):
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out / np.asarray(len(xs), _dtype(out))


@_op("Where", fold=lambda c, x, y: np.where(c, x, y))
def _where(ctx, c, x, y):
    return wb.where(c, x, y)


@_op("Cast", to=None, saturate=1)
def _cast(ctx, x, to, saturate):
    return wb.cast(x, ctx.dtype(to))


def _check_cast(a):
    if a["to"] is None:
        return "the attribute 'to' is required"
    if a["to"] in (TensorProto.STRING, TensorProto.COMPLEX64, TensorProto.COMPLEX128) \
            or a["to"] > TensorProto.BFLOAT16:
        return f"'to' = {TensorProto.DataType.Name(a['to'])} (numeric and bool types are covered)"
    return None


OPERATORS["Cast"].check = _check_cast


def _fold_cast(x, *, to, saturate=1):
    dt = np.dtype(bool) if to == TensorProto.BOOL else helper.tensor_dtype_to_np_dtype(to)
    return np.asarray(x).astype(dt)


OPERATORS["Cast"].fold = _fold_cast


@_op("CastLike", saturate=1)
def _cast_like(ctx, x, like, saturate):
    return wb.cast(x, _dtype(like))


@_op("Clip")
def _clip(ctx, x, lo=None, hi=None):
    if lo is not None:
        x = wb.maximum(x, lo)
    if hi is not None:
        x = wb.minimum(x, hi)
    return x


def _scalar(value, like):
    return np.asarray(value, _dtype(like))


@_op("LeakyRelu", alpha=0.01)
def _leaky_relu(ctx, x, alpha):
    return wb.nn.leaky_relu(x, alpha=float(alpha))


@_op("Elu", alpha=1.0)
def _elu(ctx, x, alpha):
    return wb.where(x > _scalar(0, x), x, _scalar(alpha, x) * wb.math.expm1(wb.minimum(x, _scalar(0, x))))


@_op("Selu", alpha=1.67326319217681884765625, gamma=1.05070102214813232421875)
def _selu(ctx, x, alpha, gamma):
    return _scalar(gamma, x) * _elu(ctx, x, alpha)


@_op("Celu", alpha=1.0)
def _celu(ctx, x, alpha):
    a = _scalar(alpha, x)
    return wb.maximum(x, _scalar(0, x)) + wb.minimum(_scalar(0, x), a * wb.math.expm1(x / a))


@_op("HardSigmoid", alpha=0.2, beta=0.5)
def _hard_sigmoid(ctx, x, alpha, beta):
    return wb.clip_by_value(_scalar(alpha, x) * x + _scalar(beta, x), _scalar(0, x), _scalar(1, x))


@_op("HardSwish")
def _hard_swish(ctx, x):
    return x * _hard_sigmoid(ctx, x, 1 / 6, 0.5)


@_op("PRelu")
def _prelu(ctx, x, slope):
    return wb.where(x < _scalar(0, x), x * slope, x)


@_op("Gelu", approximate="none")
def _gelu(ctx, x, approximate):
    return wb.nn.gelu(x, approximate=approximate == "tanh")


OPERATORS["Gelu"].check = lambda a: None if a["approximate"] in ("none", "tanh") else \
    f"approximate = {a['approximate']!r} (ONNX defines 'none' and 'tanh')"


@_op("Softmax", axis=-1)
def _softmax(ctx, x, axis):
    return wb.nn.softmax(x, axis=int(axis))


@_op("LogSoftmax", axis=-1)
def _log_softmax(ctx, x, axis):
    return wb.nn.log_softmax(x, axis=int(axis))


# -- reductions --------------------------------------------------------------------------

def _reduce_axes(x, axes, noop, ndim):
    """The axes of a reduction from its ``axes`` input (or attribute, before opset 18), None
    for all of them, or "noop" (no axes with ``noop_with_empty_axes``)."""
    axes = None if axes is None else [int(a) for a in np.asarray(axes).reshape(-1)]
    if not axes:
        return "noop" if noop else None
    return [a % max(ndim, 1) for a in axes]


def _reduction(fn, np_fn=None):
    # ``axes`` is an input from opset 18 (13 for ReduceSum), an attribute before: either
    # reaches the same parameter
    def run(ctx, x, axes=None, keepdims=1, noop_with_empty_axes=0):
        ax = _reduce_axes(x, static(axes), noop_with_empty_axes, _rank(x))
        return wb.identity(x) if ax == "noop" else fn(x, ax, bool(keepdims))

    def fold(x, axes=None, keepdims=1, noop_with_empty_axes=0):
        ax = _reduce_axes(x, axes, noop_with_empty_axes, np.ndim(x))
        return x if ax == "noop" else np_fn(x, axis=None if ax is None else tuple(ax), keepdims=bool(keepdims))
    return run, (fold if np_fn is not None else None)


_REDUCTIONS = {
    "ReduceSum": (lambda x, a, k: wb.reduce_sum(x, axis=a, keepdims=k), np.sum),
    "ReduceMean": (lambda x, a, k: wb.reduce_mean(x, axis=a, keepdims=k), None),
    "ReduceMax": (lambda x, a, k: wb.reduce_max(x, axis=a, keepdims=k), np.max),
    "ReduceMin": (lambda x, a, k: wb.reduce_min(x, axis=a, keepdims=k), np.min),
    "ReduceProd": (lambda x, a, k: wb.reduce_prod(x, axis=a, keepdims=k), np.prod),
    "ReduceLogSumExp": (lambda x, a, k: wb.math.reduce_logsumexp(x, axis=a, keepdims=k), None),
    "ReduceLogSum": (lambda x, a, k: wb.math.log(wb.reduce_sum(x, axis=a, keepdims=k)), None),
    "ReduceSumSquare": (lambda x, a, k: wb.reduce_sum(x * x, axis=a, keepdims=k), None),
    "ReduceL1": (lambda x, a, k: wb.reduce_sum(wb.abs(x), axis=a, keepdims=k), None),
    "ReduceL2": (lambda x, a, k: wb.sqrt(wb.reduce_sum(x * x, axis=a, keepdims=k)), None),
}

for _name, (_fn, _np) in _REDUCTIONS.items():
    _run, _fold = _reduction(_fn, _np)
    OPERATORS[_name] = Operator(_name, _run, {"keepdims": 1, "noop_with_empty_axes": 0}, fold=_fold,
                                optional={"axes"})


def _arg(fn):
    def run(ctx, x, axis, keepdims, select_last_index):
        out = fn(x, axis=int(axis), output_type=wb.int64)
        return wb.expand_dims(out, int(axis) % _rank(x)) if keepdims else out
    return run


for _name, _fn in {"ArgMax": wb.argmax, "ArgMin": wb.argmin}.items():
    _op(_name, axis=0, keepdims=1, select_last_index=0,
        check=lambda a: "select_last_index = 1 (the first index of a tie is covered)"
        if a["select_last_index"] else None)(_arg(_fn))


@_op("CumSum", exclusive=0, reverse=0)
def _cumsum(ctx, x, axis, exclusive, reverse):
    (ax,) = _ints(axis)
    return wb.math.cumsum(x, axis=ax, exclusive=bool(exclusive), reverse=bool(reverse))


# -- linear algebra ----------------------------------------------------------------------

@_op("MatMul")
def _matmul(ctx, a, b):
    if _rank(a) == 1 and _rank(b) == 1:
        return wb.reduce_sum(a * b)
    if _rank(a) == 1:
        return wb.squeeze(wb.matmul(a[None, :], b), axis=-2)
    if _rank(b) == 1:
        return wb.squeeze(wb.matmul(a, b[:, None]), axis=-1)
    return wb.matmul(a, b)


@_op("Gemm", alpha=1.0, beta=1.0, transA=0, transB=0)
def _gemm(ctx, a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    y = wb.matmul(a, b, transpose_a=bool(transA), transpose_b=bool(transB))
    if alpha != 1.0:
        y = y * _scalar(alpha, y)
    if c is not None:
        y = y + (c if beta == 1.0 else _scalar(beta, y) * c)
    return y


@_op("Einsum", equation=None)
def _einsum(ctx, *xs, equation):
    return wb.einsum(equation.replace(" ", ""), *xs)


# -- shapes ---------------------------------------------------------------------------------

def _fold_shape(x, start=0, end=None):
    return np.asarray(np.shape(x)[start:end], np.int64)


@_op("Shape", start=0, end=None, fold=_fold_shape)
def _shape_op(ctx, x, start, end):
    return np.asarray(_shape(x)[start:end], np.int64)


@_op("Size", fold=lambda x: np.asarray(np.size(x), np.int64))
def _size(ctx, x):
    return np.asarray(math.prod(_shape(x)), np.int64)


def _reshape_dims(shape, target, allowzero):
    target = list(target)
    if not allowzero:
        target = [shape[i] if d == 0 else d for i, d in enumerate(target)]
    if target.count(-1) > 1:
        raise UnsupportedError(f"Reshape: more than one -1 in the shape {target}")
    return target


def _fold_reshape(x, shape, allowzero=0):
    return np.reshape(x, _reshape_dims(np.shape(x), [int(d) for d in shape], allowzero))


@_op("Reshape", allowzero=0, fold=_fold_reshape)
def _reshape(ctx, x, shape, allowzero):
    return wb.reshape(x, _reshape_dims(_shape(x), _ints(shape), allowzero))


@_op("Flatten", axis=1)
def _flatten(ctx, x, axis):
    shape = _shape(x)
    axis = int(axis) % (len(shape) + 1) if axis < 0 else int(axis)
    return wb.reshape(x, (math.prod(shape[:axis]), math.prod(shape[axis:])))


def _expand_shape(shape, target):
    return tuple(int(d) for d in np.broadcast_shapes(tuple(shape), tuple(int(t) for t in target)))


@_op("Expand", fold=lambda x, s: np.broadcast_to(x, _expand_shape(np.shape(x), s)).copy())
def _expand(ctx, x, shape):
    return wb.broadcast_to(x, _expand_shape(_shape(x), _ints(shape)))


@_op("Transpose", perm=None, fold=lambda x, perm=None: np.transpose(x, perm))
def _transpose(ctx, x, perm):
    return wb.transpose(x, list(reversed(range(_rank(x)))) if perm is None else [int(p) for p in perm])


@_op("Concat", axis=None, fold=lambda *xs, axis: np.concatenate(xs, axis=axis))
def _concat(ctx, *xs, axis):
    return wb.concat(list(xs), axis=int(axis))


def _split_sizes(ctx, x, split, axis, num_outputs, n):
    dim = _shape(x)[axis]
    sizes = _ints(split) if split is not None else None
    if sizes is None:
        k = num_outputs if num_outputs is not None else n
        step = -(-dim // k)
        sizes = [step] * (k - 1) + [dim - step * (k - 1)]
    if sum(sizes) != dim:
        raise ValueError(f"{ctx.where()}: split sizes {sizes} do not add up to the dimension {dim} of axis {axis}")
    return sizes


@_op("Split", axis=0, outputs=-1)
def _split(ctx, x, split=None, axis=0, num_outputs=None):
    # ``split`` is an input from opset 13, an attribute before: either reaches this parameter
    axis = int(axis) % _rank(x)
    return wb.split(x, _split_sizes(ctx, x, split, axis, num_outputs, len(ctx.node.output)), axis=axis)


OPERATORS["Split"].optional = {"num_outputs", "split"}


@_op("Tile", fold=lambda x, r: np.tile(x, [int(i) for i in r]))
def _tile(ctx, x, repeats):
    return wb.tile(x, _ints(repeats))


@_op("Pad", mode="constant")
def _pad(ctx, x, pads, value=None, axes=None, mode="constant"):
    pads = _ints(pads)
    nd = _rank(x)
    axes = list(range(nd)) if axes is None else [a % nd for a in _ints(axes)]
    if len(pads) != 2 * len(axes):
        raise ValueError(f"{ctx.where()}: pads has {len(pads)} values for {len(axes)} axes (expected "
                         f"{2 * len(axes)})")
    paddings = [[0, 0] for _ in range(nd)]
    for i, a in enumerate(axes):
        paddings[a] = [pads[i], pads[i + len(axes)]]
    if any(p < 0 for pair in paddings for p in pair):
        begin = [max(-p[0], 0) for p in paddings]
        end = [d - max(-p[1], 0) for d, p in zip(_shape(x), paddings)]
        x = x[tuple(slice(b, e) for b, e in zip(begin, end))]
        paddings = [[max(p[0], 0), max(p[1], 0)] for p in paddings]
    if mode == "constant":
        fill = 0 if value is None else static(value).reshape(-1)[0]
        return wb.pad(x, paddings, constant_values=np.asarray(fill, _dtype(x)))
    return wb.pad(x, paddings, mode="REFLECT")


OPERATORS["Pad"].check = lambda a: None if a["mode"] in ("constant", "reflect") else \
    f"mode = {a['mode']!r} (the modes 'constant' and 'reflect' are covered)"


def _slices(shape, starts, ends, axes, steps):
    nd = len(shape)
    axes = list(range(len(starts))) if axes is None else [a % nd for a in axes]
    steps = [1] * len(starts) if steps is None else steps
    key = [slice(None)] * nd
    for s, e, a, st in zip(starts, ends, axes, steps):
        if st == 0:
            raise ValueError("Slice: a step of 0")
        key[a] = slice(s, None if (st > 0 and e >= shape[a]) or (st < 0 and e < -shape[a]) else e, st)
    return tuple(key)


def _fold_slice(x, starts, ends, axes=None, steps=None):
    ints = [None if v is None else [int(i) for i in np.asarray(v).reshape(-1)] for v in (starts, ends, axes, steps)]
    return np.asarray(x)[_slices(np.shape(x), *ints)]


@_op("Slice", fold=_fold_slice)
def _slice(ctx, x, starts, ends, axes=None, steps=None):
    key = _slices(_shape(x), _ints(starts), _ints(ends), _ints(axes), _ints(steps))
    return x[key]


def _norm_indices(idx, dim):
    idx = np.asarray(idx).astype(np.int64)
    return np.where(idx < 0, idx + dim, idx)


def _fold_gather(x, idx, axis=0):
    x = np.asarray(x)
    return np.take(x, _norm_indices(idx, x.shape[axis]), axis=axis)


@_op("Gather", axis=0, fold=_fold_gather)
def _gather(ctx, x, idx, axis):
    axis = int(axis) % _rank(x)
    if not isinstance(idx, Tensor):
        idx = _norm_indices(idx, _shape(x)[axis])
    return wb.gather(x, idx, axis=axis)


def _squeeze_axes(shape, axes):
    nd = len(shape)
    return [i for i, d in enumerate(shape) if d == 1] if axes is None else sorted(a % nd for a in axes)


def _fold_squeeze(x, axes=None):
    axes = None if axes is None else [int(a) for a in np.asarray(axes).reshape(-1)]
    return np.squeeze(x, axis=tuple(_squeeze_axes(np.shape(x), axes)))


@_op("Squeeze", fold=_fold_squeeze)
def _squeeze(ctx, x, axes=None):
    axes = _ints(axes)
    keep = _squeeze_axes(_shape(x), axes)
    return wb.reshape(x, [d for i, d in enumerate(_shape(x)) if i not in keep])


def _unsqueezed(shape, axes):
    n = len(shape) + len(axes)
    axes = sorted(a % n for a in axes)
    out, it = [], iter(shape)
    for i in range(n):
        out.append(1 if i in axes else next(it))
    return out


def _fold_unsqueeze(x, axes):
    axes = [int(a) for a in np.asarray(axes).reshape(-1)]
    return np.reshape(x, _unsqueezed(np.shape(x), axes))


@_op("Unsqueeze", fold=_fold_unsqueeze)
def _unsqueeze(ctx, x, axes):
    axes = _ints(axes)
    return wb.reshape(x, _unsqueezed(_shape(x), axes))


for _name in ("Squeeze", "Unsqueeze"):  # ``axes``: an attribute before opset 13
    OPERATORS[_name].optional = {"axes"}


def _fold_constant_of_shape(shape, value=None):
    v = np.zeros(1, np.float32) if value is None else np.asarray(value).reshape(-1)
    return np.full([int(d) for d in np.asarray(shape).reshape(-1)], v[0], v.dtype)


@_op("ConstantOfShape", value=None, fold=_fold_constant_of_shape)
def _constant_of_shape(ctx, shape, value):
    return ctx.array(_fold_constant_of_shape(static(shape), value))


@_op("Range", fold=lambda a, b, d: np.arange(a, b, d, dtype=np.result_type(a, b, d)))
def _range(ctx, start, limit, delta):
    lo, hi, step = static(start), static(limit), static(delta)
    return np.arange(lo, hi, step, dtype=np.result_type(lo, hi, step))


@_op("Constant", value=None)
def _constant(ctx, **attrs):
    (key, value), = ((k, v) for k, v in attrs.items() if v is not None)
    return ctx.array(value)


def _check_constant(a):
    given = [k for k, v in a.items() if v is not None]
    if len(given) != 1:
        return f"exactly one value attribute is expected, got {given or 'none'}"
    if given[0] in ("sparse_value", "value_string", "value_strings"):
        return f"the attribute '{given[0]}' (numeric dense values are covered)"
    return None


OPERATORS["Constant"].optional = {"value_float", "value_floats", "value_int", "value_ints", "sparse_value",
                                  "value_string", "value_strings"}
OPERATORS["Constant"].check = _check_constant


@_op("Dropout", outputs=2, seed=None)
def _dropout(ctx, x, ratio=None, training_mode=None, seed=None):
    if training_mode is not None and bool(static(training_mode)):
        raise UnsupportedError(f"{ctx.where()}: training_mode = True (the graph runs for inference; dropout "
                               "is the identity)")
    return [wb.identity(x), np.ones(_shape(x), bool)]


# -- normalization --------------------------------------------------------------------------

def _channel(v, nd):
    """A per-channel vector ``[C]`` shaped to broadcast over ``[N, C, *spatial]``."""
    return wb.reshape(v, (-1,) + (1,) * (nd - 2)) if isinstance(v, Tensor) else np.reshape(v, (-1,) + (1,) * (nd - 2))


@_op("BatchNormalization", epsilon=1e-5, momentum=0.9, training_mode=0,
     check=lambda a: "training_mode = 1 (inference with the stored statistics is covered)"
     if a["training_mode"] else None)
def _batch_norm(ctx, x, scale, bias, mean, var, epsilon, momentum, training_mode):
    nd = _rank(x)
    inv = wb.math.rsqrt(_channel(var, nd) + _scalar(epsilon, x))
    return (x - _channel(mean, nd)) * inv * _channel(scale, nd) + _channel(bias, nd)


@_op("LayerNormalization", axis=-1, epsilon=1e-5, stash_type=1)
def _layer_norm(ctx, x, scale, bias=None, axis=-1, epsilon=1e-5, stash_type=1):
    axes = list(range(int(axis) % _rank(x), _rank(x)))
    mean = wb.reduce_mean(x, axis=axes, keepdims=True)
    d = x - mean
    var = wb.reduce_mean(d * d, axis=axes, keepdims=True)
    y = d * wb.math.rsqrt(var + _scalar(epsilon, x)) * scale
    return y if bias is None else y + bias


@_op("InstanceNormalization", epsilon=1e-5)
def _instance_norm(ctx, x, scale, bias, epsilon):
    nd = _rank(x)
    axes = list(range(2, nd))
    mean = wb.reduce_mean(x, axis=axes, keepdims=True)
    d = x - mean
    var = wb.reduce_mean(d * d, axis=axes, keepdims=True)
    return d * wb.math.rsqrt(var + _scalar(epsilon, x)) * _channel(scale, nd) + _channel(bias, nd)


@_op("GlobalAveragePool")
def _global_avg_pool(ctx, x):
    return wb.reduce_mean(x, axis=list(range(2, _rank(x))), keepdims=True)


@_op("GlobalMaxPool")
def _global_max_pool(ctx, x):
    return wb.reduce_max(x, axis=list(range(2, _rank(x))), keepdims=True)


# -- convolutions and pooling -------------------------------------------------------------------

_FORMATS = {1: "NCW", 2: "NCHW", 3: "NCDHW"}
_WINDOW_ATTRS = dict(auto_pad="NOTSET", kernel_shape=None, pads=None, strides=None, dilations=None)


def _check_window(a):
    if a["auto_pad"] not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
        return f"auto_pad = {a['auto_pad']!r}"
    return None


def _geometry(ctx, sizes, kernel, a):
    """Strides, dilations and ``(before, after)`` pads per spatial dimension."""
    nd = len(sizes)
    strides = list(a["strides"] or [1] * nd)
    dilations = list(a.get("dilations") or [1] * nd)
    mode = a["auto_pad"]
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        pads = []
        for n, k, s, d in zip(sizes, kernel, strides, dilations):
            total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
            small, big = total // 2, total - total // 2
            pads.append((small, big) if mode == "SAME_UPPER" else (big, small))
    elif mode == "VALID":
        pads = [(0, 0)] * nd
    else:
        flat = list(a["pads"] or [0] * (2 * nd))
        pads = list(zip(flat[:nd], flat[nd:]))
    return strides, dilations, pads


def _explicit(pads):
    return [[0, 0], [0, 0]] + [list(p) for p in pads]


def _conv_filter(w, nd):
    """ONNX's ``[O, C, *k]`` filter as the workbench's ``[*k, C, O]``."""
    return wb.transpose(w, list(range(2, nd + 2)) + [1, 0])


@_op("Conv", group=1, **_WINDOW_ATTRS, check=_check_window)
def _conv(ctx, x, w, b=None, group=1, **a):
    nd = _rank(x) - 2
    if nd not in _FORMATS:
        raise UnsupportedError(f"{ctx.where()}: an input of rank {_rank(x)} (1 to 3 spatial dimensions are covered)")
    kernel = _shape(w)[2:]
    strides, dilations, pads = _geometry(ctx, _shape(x)[2:], kernel, a)
    fmt = _FORMATS[nd]
    c, o = _shape(x)[1], _shape(w)[0]
    if group == 1:
        y = wb.nn.convolution(x, _conv_filter(w, nd), strides=strides, padding=_explicit(pads), data_format=fmt,
                              dilations=dilations)
    elif group == c and nd == 2 and _shape(w)[1] == 1:
        # depthwise: output channel c * M + m from input channel c
        f = wb.transpose(wb.reshape(w, (c, o // c) + tuple(kernel)), [2, 3, 0, 1])
        y = wb.nn.depthwise_conv2d(x, f, strides=[1, 1] + strides, padding=_explicit(pads), data_format=fmt,
                                   dilations=dilations)
    else:
        xs = wb.split(x, group, axis=1)
        ws = wb.split(w, group, axis=0)
        y = wb.concat([wb.nn.convolution(xi, _conv_filter(wi, nd), strides=strides, padding=_explicit(pads),
                                         data_format=fmt, dilations=dilations) for xi, wi in zip(xs, ws)], axis=1)
    return y if b is None else y + _channel(b, nd + 2)


@_op("ConvTranspose", group=1, output_padding=None, **_WINDOW_ATTRS)
def _conv_transpose(ctx, x, w, b=None, group=1, output_padding=None, **a):
    nd = _rank(x) - 2
    if nd not in _FORMATS:
        raise UnsupportedError(f"{ctx.where()}: an input of rank {_rank(x)} (1 to 3 spatial dimensions are covered)")
    kernel = _shape(w)[2:]
    strides, dilations, pads = _geometry(ctx, _shape(x)[2:], kernel, a)
    extra = list(output_padding or [0] * nd)
    sizes = [s * (n - 1) + e + (k - 1) * d + 1 - p[0] - p[1]
             for n, s, e, k, d, p in zip(_shape(x)[2:], strides, extra, kernel, dilations, pads)]
    xs = wb.split(x, group, axis=1) if group > 1 else [x]
    ws = wb.split(w, group, axis=0) if group > 1 else [w]
    outs = []
    for xi, wi in zip(xs, ws):
        # ONNX's [C_in, C_out, *k] as the workbench's [*k, C_out, C_in]
        f = wb.transpose(wi, list(range(2, nd + 2)) + [1, 0])
        shape = [_shape(x)[0], _shape(wi)[1]] + sizes
        outs.append(wb.nn.conv_transpose(xi, f, shape, strides=strides, padding=_explicit(pads),
                                         data_format=_FORMATS[nd], dilations=dilations))
    y = outs[0] if len(outs) == 1 else wb.concat(outs, axis=1)
    return y if b is None else y + _channel(b, nd + 2)


def _check_conv_transpose(a):
    if a["auto_pad"] != "NOTSET":
        return f"auto_pad = {a['auto_pad']!r} (explicit pads are covered)"
    if a["output_shape"] is not None:
        return "output_shape (pads and output_padding are covered)"
    return None


OPERATORS["ConvTranspose"].attrs["output_shape"] = None
OPERATORS["ConvTranspose"].check = _check_conv_transpose


def _pool_geometry(ctx, x, a, ceil_mode):
    nd = _rank(x) - 2
    if nd not in _FORMATS:
        raise UnsupportedError(f"{ctx.where()}: an input of rank {_rank(x)} (1 to 3 spatial dimensions are covered)")
    kernel = list(a["kernel_shape"])
    strides, _, pads = _geometry(ctx, _shape(x)[2:], kernel, a)
    if ceil_mode:  # the last window may start in the input and run past its end: pad the end
        grown = []
        for n, k, s, p in zip(_shape(x)[2:], kernel, strides, pads):
            out = -(-(n + p[0] + p[1] - k) // s) + 1
            if (out - 1) * s >= n + p[0]:
                out -= 1
            grown.append((p[0], max(p[1], (out - 1) * s + k - n - p[0])))
        pads = grown
    return nd, kernel, strides, pads


def _pad_spatial(x, pads, value):
    if not any(p for pair in pads for p in pair):
        return x
    return wb.pad(x, _explicit(pads), constant_values=value)


@_op("MaxPool", ceil_mode=0, storage_order=0, outputs=1, **_WINDOW_ATTRS)
def _max_pool(ctx, x, ceil_mode=0, storage_order=0, **a):
    nd, kernel, strides, pads = _pool_geometry(ctx, x, a, ceil_mode)
    lowest = -np.inf if _dtype(x).kind == "f" else np.iinfo(_dtype(x)).min
    xp = _pad_spatial(x, pads, np.asarray(lowest, _dtype(x)))
    return wb.nn.max_pool(xp, kernel, strides, "VALID", data_format=_FORMATS[nd])


def _check_pool(a):
    why = _check_window(a)
    if why:
        return why
    if a["kernel_shape"] is None:
        return "the attribute 'kernel_shape' is required"
    if a.get("dilations") and any(d != 1 for d in a["dilations"]):
        return f"dilations = {list(a['dilations'])} (pooling windows without dilation are covered)"
    if a.get("storage_order"):
        return "storage_order = 1"
    return None


OPERATORS["MaxPool"].check = _check_pool


@_op("AveragePool", ceil_mode=0, count_include_pad=0, **_WINDOW_ATTRS)
def _avg_pool(ctx, x, ceil_mode=0, count_include_pad=0, **a):
    nd, kernel, strides, pads = _pool_geometry(ctx, x, a, ceil_mode)
    fmt = _FORMATS[nd]
    xp = _pad_spatial(x, pads, np.asarray(0, _dtype(x)))
    mean = wb.nn.avg_pool(xp, kernel, strides, "VALID", data_format=fmt)
    if count_include_pad or not any(p for pair in pads for p in pair):
        return mean
    # a mean over the values inside the input: rescale by the window's share of real values
    inside = np.pad(np.ones(_shape(x)[2:]), pads)
    view = np.lib.stride_tricks.sliding_window_view(inside, kernel)[tuple(slice(None, None, s) for s in strides)]
    share = view.mean(axis=tuple(range(-nd, 0)))
    return mean / share.astype(_dtype(x))


def _check_avg_pool(a):
    why = _check_pool(a)
    if why is None and a["ceil_mode"]:
        return "ceil_mode = 1 (an average pool with ceil_mode = 0 is covered)"
    return why


OPERATORS["AveragePool"].check = _check_avg_pool


# -- our own domain: draws from a wb.random.Generator's state (see trace.RANDOM_DOMAIN) --------
RANDOM_OPERATORS: dict = {}


def _generator_draw(ctx, state, shape, kind="normal", dtype="float32", alg=1):
    """A ``wb.random.Generator`` at ``state`` (a variable) draws ``kind`` of ``shape``; the
    state then holds the generator's next state, as a saved TF generator's variable does."""
    if not isinstance(state, wb.Variable):
        raise ValueError(f"{ctx.where()}: the generator's state must be a weight (a variable)")
    generator = wb.random.Generator(state=state.numpy(), alg=int(alg))
    dims = [int(d) for d in np.asarray(shape.numpy() if isinstance(shape, Tensor) else shape).reshape(-1)]
    value = getattr(generator, kind)(dims, dtype=np.dtype(dtype))
    state.assign(generator.state.numpy())
    return value


def _check_draw(attrs):
    if attrs["kind"] not in ("normal", "uniform"):
        return f"kind={attrs['kind']!r}"
    if attrs["dtype"] not in ("float16", "float32", "float64"):
        return f"dtype={attrs['dtype']!r}"
    return None


RANDOM_OPERATORS["GeneratorDraw"] = Operator("GeneratorDraw", _generator_draw,
                                             {"kind": "normal", "dtype": "float32", "alg": 1}, 1, _check_draw)
