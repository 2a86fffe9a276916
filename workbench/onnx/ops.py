"""How each traced op becomes ONNX operators (opset 17 and later).

A translation takes the graph (``graph.Graph``) and one record (``trace.Record``) and returns
the ONNX names of the record's results. Layouts: the workbench's convolutions and pools are
channels last, ONNX's channels first, so each is wrapped in two ``Transpose`` nodes (which
onnxruntime's optimizer cancels between neighbours); filters held as weights are stored in
ONNX's layout.
"""

from __future__ import annotations

import math

import numpy as np

from .graph import onnx_dtype
from .trace import ExportError

__all__ = ["TRANSLATIONS", "translate"]

TRANSLATIONS: dict = {}

_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min


def translate(g, record) -> list:
    fn = TRANSLATIONS.get(record.name)
    if fn is None:
        raise ExportError(f"ONNX export: op '{record.name}' (from {record.where}) has no ONNX "
                          f"translation; the covered ops are {', '.join(sorted(TRANSLATIONS))}")
    out = fn(g, record)
    return [out] if isinstance(out, str) else list(out)


def _def(*names):
    def register(fn):
        for n in names:
            TRANSLATIONS[n] = fn
        return fn
    return register


def _unsupported(g, why):
    raise ExportError(f"{g.where()}: {why}")


def _res_dtype(r):
    return np.dtype(r.res[0]._data.dtype)


def _as(g, t, dtype):
    """``t``'s ONNX name, cast to ``dtype`` when its dtype differs."""
    dtype = np.dtype(dtype)
    if g.dtype(t) == dtype:
        return g.value(t)
    v = g.static(t)
    if v is not None and v.ndim == 0:
        return g.const(v.astype(dtype), "const")
    return g.one("Cast", g.value(t), to=onnx_dtype(dtype))


# -- elementwise -------------------------------------------------------------------------

_UNARY = {"abs": "Abs", "acos": "Acos", "acosh": "Acosh", "asin": "Asin", "asinh": "Asinh",
          "atan": "Atan", "atanh": "Atanh", "ceil": "Ceil", "cos": "Cos", "cosh": "Cosh",
          "erf": "Erf", "exp": "Exp", "floor": "Floor", "log": "Log", "negative": "Neg",
          "reciprocal": "Reciprocal", "round": "Round", "sigmoid": "Sigmoid", "sign": "Sign",
          "sin": "Sin", "sinh": "Sinh", "sqrt": "Sqrt", "tan": "Tan", "tanh": "Tanh", "relu": "Relu",
          "softplus": "Softplus", "softsign": "Softsign", "is_nan": "IsNaN", "is_inf": "IsInf",
          "logical_not": "Not", "identity": "Identity", "stop_gradient": "Identity",
          "copy_to_device": "Identity"}


def _unary(onnx_op):
    def fn(g, r):
        return g.one(onnx_op, g.value(r.args[0]))
    return fn


for _name, _op in _UNARY.items():
    TRANSLATIONS[_name] = _unary(_op)

_BINARY = {"add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div", "pow": "Pow",
           "maximum": "Max", "minimum": "Min", "equal": "Equal", "greater": "Greater",
           "greater_equal": "GreaterOrEqual", "less": "Less", "less_equal": "LessOrEqual",
           "logical_and": "And", "logical_or": "Or", "logical_xor": "Xor"}


def _operands(g, r):
    """The two operands' names in one dtype (NumPy's promotion of the traced arrays)."""
    dt = np.result_type(g.dtype(r.args[0]), g.dtype(r.args[1]))
    return _as(g, r.args[0], dt), _as(g, r.args[1], dt), dt


def _binary(onnx_op):
    def fn(g, r):
        if onnx_op == "Div" and _res_dtype(r).kind == "f" and not any(g.dtype(a).kind == "f" for a in r.args):
            # true division of integers (uint8 pixels / 255): in the result's float dtype
            dt = _res_dtype(r)
            return g.one(onnx_op, _as(g, r.args[0], dt), _as(g, r.args[1], dt))
        a, b, _ = _operands(g, r)
        return g.one(onnx_op, a, b)
    return fn


for _name, _op in _BINARY.items():
    TRANSLATIONS[_name] = _binary(_op)


def _scalar(g, value, dtype):
    return g.const(np.asarray(value, dtype), "const")


@_def("not_equal")
def _not_equal(g, r):
    a, b, _ = _operands(g, r)
    return g.one("Not", g.one("Equal", a, b))


@_def("squared_difference")
def _squared_difference(g, r):
    a, b, _ = _operands(g, r)
    d = g.one("Sub", a, b)
    return g.one("Mul", d, d)


def _float_only(g, r, dt):
    if dt.kind != "f":
        _unsupported(g, f"only floating inputs are covered, got {dt}")


@_def("floordiv")
def _floordiv(g, r):
    a, b, dt = _operands(g, r)
    _float_only(g, r, dt)
    return g.one("Floor", g.one("Div", a, b))


@_def("mod")
def _mod(g, r):  # floor modulo (the result has the divisor's sign), as TF's floormod
    a, b, dt = _operands(g, r)
    _float_only(g, r, dt)
    return g.one("Sub", a, g.one("Mul", g.one("Floor", g.one("Div", a, b)), b))


@_def("divide_no_nan")
def _divide_no_nan(g, r):
    a, b, dt = _operands(g, r)
    zero = _scalar(g, 0, dt)
    return g.one("Where", g.one("Equal", b, zero), zero, g.one("Div", a, b))


@_def("where")
def _where(g, r):
    c, x, y = r.args
    dt = np.result_type(g.dtype(x), g.dtype(y))
    return g.one("Where", _as(g, c, np.bool_), _as(g, x, dt), _as(g, y, dt))


@_def("rsqrt")
def _rsqrt(g, r):
    return g.one("Reciprocal", g.one("Sqrt", g.value(r.args[0])))


@_def("square")
def _square(g, r):
    x = g.value(r.args[0])
    return g.one("Mul", x, x)


@_def("expm1")
def _expm1(g, r):
    return g.one("Sub", g.one("Exp", g.value(r.args[0])), _scalar(g, 1, _res_dtype(r)))


@_def("log1p")
def _log1p(g, r):
    return g.one("Log", g.one("Add", g.value(r.args[0]), _scalar(g, 1, _res_dtype(r))))


@_def("relu6")
def _relu6(g, r):
    dt = _res_dtype(r)
    return g.one("Clip", g.value(r.args[0]), _scalar(g, 0, dt), _scalar(g, 6, dt))


@_def("leaky_relu")
def _leaky_relu(g, r):
    return g.one("LeakyRelu", g.value(r.args[0]), alpha=float(r.params["alpha"]))


@_def("elu")
def _elu(g, r):
    return g.one("Elu", g.value(r.args[0]), alpha=1.0)


@_def("selu")
def _selu(g, r):
    return g.one("Selu", g.value(r.args[0]), alpha=1.6732632423543772, gamma=1.0507009873554805)


@_def("log_sigmoid")
def _log_sigmoid(g, r):
    return g.one("Neg", g.one("Softplus", g.one("Neg", g.value(r.args[0]))))


@_def("gelu")
def _gelu(g, r):
    x, dt = g.value(r.args[0]), _res_dtype(r)
    half = g.one("Mul", x, _scalar(g, 0.5, dt))
    if r.params.get("approximate"):
        cube = g.one("Mul", g.one("Mul", x, x), x)
        inner = g.one("Mul", g.one("Add", x, g.one("Mul", cube, _scalar(g, 0.044715, dt))),
                      _scalar(g, math.sqrt(2 / math.pi), dt))
        return g.one("Mul", half, g.one("Add", g.one("Tanh", inner), _scalar(g, 1, dt)))
    erf = g.one("Erf", g.one("Mul", x, _scalar(g, 1 / math.sqrt(2), dt)))
    return g.one("Mul", half, g.one("Add", erf, _scalar(g, 1, dt)))


@_def("is_finite")
def _is_finite(g, r):
    x = g.value(r.args[0])
    return g.one("Not", g.one("Or", g.one("IsNaN", x), g.one("IsInf", x)))


@_def("cast")
def _cast(g, r):
    return g.one("Cast", g.value(r.args[0]), to=onnx_dtype(r.params["dtype"]))


@_def("softmax", "log_softmax")
def _softmax(g, r):
    op = "Softmax" if r.name == "softmax" else "LogSoftmax"
    return g.one(op, g.value(r.args[0]), axis=int(r.params["axis"]))


# -- reductions --------------------------------------------------------------------------

_REDUCE = {"reduce_sum": "ReduceSum", "reduce_mean": "ReduceMean", "reduce_max": "ReduceMax",
           "reduce_min": "ReduceMin", "reduce_prod": "ReduceProd",
           "reduce_logsumexp": "ReduceLogSumExp", "reduce_any": "ReduceMax", "reduce_all": "ReduceMin"}


def _axes(axis, ndim):
    if axis is None:
        return None
    axis = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return [int(a) % ndim if ndim else int(a) for a in axis]


def _reduce_node(g, op, x, axes, keepdims):
    if axes is not None and not axes:
        return g.one("Identity", x)
    if op == "ReduceSum" or g.opset >= 18:
        inputs = [x] + ([] if axes is None else [g.ints(axes, "axes")])
        return g.one(op, *inputs, keepdims=int(keepdims))
    extra = {} if axes is None else {"axes": axes}
    return g.one(op, x, keepdims=int(keepdims), **extra)


@_def(*_REDUCE)
def _reduce(g, r):
    x = r.args[0]
    axes = _axes(r.params.get("axis"), len(g.shape(x)))
    keep = bool(r.params.get("keepdims", False))
    if r.name in ("reduce_any", "reduce_all"):
        as_int = g.one("Cast", g.value(x), to=onnx_dtype(np.int32))
        return g.one("Cast", _reduce_node(g, _REDUCE[r.name], as_int, axes, keep),
                     to=onnx_dtype(np.bool_))
    return _reduce_node(g, _REDUCE[r.name], g.value(x), axes, keep)


@_def("argmax", "argmin")
def _argmax(g, r):
    op = "ArgMax" if r.name == "argmax" else "ArgMin"
    out = g.one(op, g.value(r.args[0]), axis=int(r.params["axis"]), keepdims=0,
                select_last_index=0)
    dt = _res_dtype(r)
    return out if dt == np.int64 else g.one("Cast", out, to=onnx_dtype(dt))


@_def("cumsum")
def _cumsum(g, r):
    p = r.params
    if p.get("kind", "sum") != "sum":
        _unsupported(g, "a cumulative product has no ONNX operator")
    return g.one("CumSum", g.value(r.args[0]), g.const(np.asarray(int(p["axis"]), np.int64), "axis"),
                 exclusive=int(bool(p["exclusive"])), reverse=int(bool(p["reverse"])))


# -- linear algebra ----------------------------------------------------------------------

@_def("matmul")
def _matmul(g, r):
    a, b, _ = _operands(g, r)
    return g.one("MatMul", a, b)


@_def("matvec")
def _matvec(g, r):
    a, b, _ = _operands(g, r)
    col = g.one("Unsqueeze", b, g.ints([-1]))
    return g.one("Squeeze", g.one("MatMul", a, col), g.ints([-1]))


@_def("einsum")
def _einsum(g, r):
    dt = np.result_type(*[g.dtype(a) for a in r.args])
    return g.one("Einsum", *[_as(g, a, dt) for a in r.args], equation=r.params["equation"])


# -- shapes --------------------------------------------------------------------------------

@_def("reshape")
def _reshape(g, r):
    other = g.other_param("shape")
    return g.one("Reshape", g.value(r.args[0]), g.dims(r.params["shape"], other, infer=True))


@_def("broadcast_to")
def _broadcast_to(g, r):
    return g.one("Expand", g.value(r.args[0]), g.dims(r.params["shape"], g.other_param("shape")))


@_def("transpose")
def _transpose(g, r):
    return g.one("Transpose", g.value(r.args[0]), perm=[int(p) for p in r.params["perm"]])


@_def("concat")
def _concat(g, r):
    dt = _res_dtype(r)
    return g.one("Concat", *[_as(g, a, dt) for a in r.args], axis=int(r.params["axis"]))


@_def("split")
def _split(g, r):
    sizes = [int(s) for s in r.params["sizes"]]
    return g.node("Split", [g.value(r.args[0]), g.ints(sizes, "split")], len(sizes),
                  axis=int(r.params["axis"]))


@_def("tile")
def _tile(g, r):
    return g.one("Tile", g.value(r.args[0]), g.ints(r.params["multiples"], "repeats"))


@_def("pad")
def _pad(g, r):
    pads = np.asarray(r.params["paddings"], np.int64).reshape(-1, 2)
    fill = np.asarray(r.params["constant_values"], _res_dtype(r))
    return g.one("Pad", g.value(r.args[0]), g.ints(list(pads[:, 0]) + list(pads[:, 1]), "pads"),
                 g.const(fill.reshape(()), "fill"), mode="constant")


@_def("getitem")
def _getitem(g, r):
    key, lead = r.params["key"], r.params.get("lead", 0)
    if lead:
        _unsupported(g, "indexing with leading batch dimensions is not covered")
    key = key if isinstance(key, tuple) else (key,)
    x = r.args[0]
    ndim = len(g.shape(x))
    if any(not (k is None or k is Ellipsis or isinstance(k, (slice, int, np.integer))) for k in key):
        return _advanced_index(g, r, key, ndim)
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if key.count(Ellipsis) > 1:
        _unsupported(g, "an index with more than one Ellipsis")
    full = []
    for k in key:
        if k is Ellipsis:
            full.extend([slice(None)] * (ndim - used))
        else:
            full.append(k)
    full.extend([slice(None)] * (ndim - sum(1 for k in full if k is not None)))
    starts, ends, axes, steps, squeeze, new = [], [], [], [], [], []
    axis = 0   # axis of x
    out_pos = 0  # position in the result before squeezing
    for k in full:
        if k is None:
            new.append(out_pos)
            out_pos += 1
            continue
        if isinstance(k, slice):
            if k != slice(None):
                step = 1 if k.step is None else int(k.step)
                start = k.start if k.start is not None else (0 if step > 0 else _INT64_MAX)
                stop = k.stop if k.stop is not None else (_INT64_MAX if step > 0 else _INT64_MIN)
                starts.append(int(start)), ends.append(int(stop)), axes.append(axis)
                steps.append(step)
            out_pos += 1
        else:
            i = int(k)
            starts.append(i), ends.append(i + 1 if i != -1 else _INT64_MAX), axes.append(axis)
            steps.append(1)
            squeeze.append(out_pos)
            out_pos += 1
        axis += 1
    out = g.value(x)
    if axes:
        out = g.one("Slice", out, g.ints(starts, "starts"), g.ints(ends, "ends"), g.ints(axes, "axes"),
                    g.ints(steps, "steps"))
    # squeeze the integer-indexed axes, then insert the new ones (positions in the final result)
    if squeeze:
        out = g.one("Squeeze", out, g.ints(squeeze, "axes"))
    if new:
        final = [p - sum(1 for s in squeeze if s < p) for p in new]
        out = g.one("Unsqueeze", out, g.ints(final, "axes"))
    if not axes and not squeeze and not new:
        out = g.one("Identity", out)
    return out


def _advanced_index(g, r, key, ndim):
    """``x[..., idx, ...]`` with one integer array ``idx`` among full slices: a ``Gather``."""
    arrays = [i for i, k in enumerate(key) if not (k is None or k is Ellipsis or isinstance(k, (slice, int)))]
    if len(arrays) != 1 or any(k is None or k is Ellipsis or (isinstance(k, slice) and k != slice(None))
                               or isinstance(k, int) for i, k in enumerate(key) if i != arrays[0]):
        _unsupported(g, "only one integer array among full slices is covered in an index")
    idx = np.asarray(key[arrays[0]])
    if idx.dtype.kind not in "iu":
        _unsupported(g, f"an index array of dtype {idx.dtype} (only integer arrays are covered)")
    return g.one("Gather", g.value(r.args[0]), g.const(idx.astype(np.int64), "indices"), axis=arrays[0])


@_def("gather")
def _gather(g, r):
    params, indices = r.args
    if g.shape(indices)[0] != 1:
        _unsupported(g, "a gather with batch_dims is not covered")
    idx = g.one("Squeeze", _as(g, indices, np.int64), g.ints([0]))
    return g.one("Gather", g.value(params), idx, axis=len(g.shape(params)) - 2)


@_def("gather_rows")
def _gather_rows(g, r):
    params, indices = r.args
    return g.one("Gather", g.value(params), _as(g, indices, np.int64), axis=0)


@_def("one_hot")
def _one_hot(g, r):
    idx, on, off = r.args
    depth, axis = int(r.params["depth"]), int(r.params["axis"])
    dt = _res_dtype(r)
    hits = g.one("Equal", g.one("Unsqueeze", _as(g, idx, np.int64), g.ints([-1])),
                 g.const(np.arange(depth, dtype=np.int64), "depth"))
    out = g.one("Where", hits, _as(g, on, dt), _as(g, off, dt))
    nd = len(g.shape(r.res[0]))
    if axis in (-1, nd - 1):
        return out
    perm = list(range(nd - 1))
    perm.insert(axis % nd, nd - 1)
    return g.one("Transpose", out, perm=perm)


# -- convolutions and pooling ---------------------------------------------------------------

def _to_first(nd):
    return [0, nd + 1] + list(range(1, nd + 1))


def _to_last(nd):
    return [0] + list(range(2, nd + 2)) + [1]


def _check_rank(g, x, nd):
    if len(g.shape(x)) != nd + 2:
        _unsupported(g, f"an input of shape {g.shape(x)} (only [batch, *spatial, channels] is covered)")


def _pads(pads):
    return [int(p[0]) for p in pads] + [int(p[1]) for p in pads]


def _filter(g, w, perm, reshape=None):
    """A filter in ONNX's layout: folded into the initializer when it is a weight."""
    value = g.static(w)
    if value is not None:
        if reshape is not None:
            value = value.reshape(reshape)
        return g.const(np.ascontiguousarray(value.transpose(perm)), getattr(w, "name", None) or "filter")
    name = g.value(w)
    if reshape is not None:
        name = g.one("Reshape", name, g.ints(reshape))
    return g.one("Transpose", name, perm=perm)


@_def("conv1d", "conv2d", "conv3d")
def _conv(g, r):
    x, w = r.args
    p = r.params
    nd = len(p["strides"])
    _check_rank(g, x, nd)
    ws = g.shape(w)
    if len(ws) != nd + 2:
        _unsupported(g, f"filters of shape {ws} (leading batch dimensions are not covered)")
    k, c, m = ws[:nd], ws[nd], ws[nd + 1]
    attrs = dict(strides=list(p["strides"]), dilations=list(p["dilations"]), pads=_pads(p["pads"]),
                 kernel_shape=list(k))
    if p["depthwise"]:
        # output channel c * M + m comes from input channel c: a grouped convolution
        wf = _filter(g, w, [nd] + list(range(nd)), reshape=tuple(k) + (c * m,))
        wf = g.one("Unsqueeze", wf, g.ints([1]))
        attrs["group"] = c
    else:
        wf = _filter(g, w, [nd + 1, nd] + list(range(nd)))
    xt = g.one("Transpose", g.value(x), perm=_to_first(nd))
    return g.one("Transpose", g.one("Conv", xt, wf, **attrs), perm=_to_last(nd))


@_def("conv1d_backprop_input", "conv2d_backprop_input", "conv3d_backprop_input")
def _conv_transpose(g, r):
    w, dy = r.args
    p = r.params
    nd = len(p["strides"])
    if p["depthwise"]:
        _unsupported(g, "the transpose of a depthwise convolution is not covered")
    _check_rank(g, dy, nd)
    ws = g.shape(w)
    if len(ws) != nd + 2:
        _unsupported(g, f"filters of shape {ws} (leading batch dimensions are not covered)")
    k = ws[:nd]
    sizes = tuple(p["input_sizes"])[1:1 + nd]
    ins = g.shape(dy)[1:1 + nd]
    extra = []
    for i in range(nd):
        span = p["strides"][i] * (ins[i] - 1) + (k[i] - 1) * p["dilations"][i] + 1
        extra.append(sizes[i] - (span - p["pads"][i][0] - p["pads"][i][1]))
    if any(e < 0 or e >= max(p["strides"][i], p["dilations"][i]) for i, e in enumerate(extra)):
        _unsupported(g, f"output sizes {sizes} that a transposed convolution cannot give")
    wf = _filter(g, w, [nd + 1, nd] + list(range(nd)))  # [*k, C, O] -> ONNX's [O (in), C (out), *k]
    dyt = g.one("Transpose", g.value(dy), perm=_to_first(nd))
    out = g.one("ConvTranspose", dyt, wf, strides=list(p["strides"]), dilations=list(p["dilations"]),
                pads=_pads(p["pads"]), kernel_shape=list(k), output_padding=extra)
    return g.one("Transpose", out, perm=_to_last(nd))


@_def("max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d")
def _pool(g, r):
    x = r.args[0]
    p = r.params
    nd = len(p["ksize"])
    _check_rank(g, x, nd)
    op = "MaxPool" if r.name.startswith("max") else "AveragePool"
    attrs = dict(kernel_shape=list(p["ksize"]), strides=list(p["strides"]), pads=_pads(p["pads"]))
    if op == "AveragePool":
        attrs["count_include_pad"] = 0  # the mean over the window's values inside the input
    xt = g.one("Transpose", g.value(x), perm=_to_first(nd))
    return g.one("Transpose", g.one(op, xt, **attrs), perm=_to_last(nd))


@_def("generator_draw")
def _generator_draw(g, r):
    # a node of our own domain (onnxruntime has no kernel for it; wb.onnx.load runs it): the
    # state variable in, the draw out, the state advanced as the Generator advances it
    from .trace import RANDOM_DOMAIN
    p = r.params
    return g.one("GeneratorDraw", g.value(r.args[0]), g.dims(p["shape"], g.other_param("shape")),
                 domain=RANDOM_DOMAIN, kind=p["kind"], dtype=p["dtype"], alg=p["alg"])


@_def("stateless_draw")
def _stateless_draw(g, r):
    return g.const(r.params["value"], "stateless_draw")
