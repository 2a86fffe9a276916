"""The tf.keras legacy backend functions of TF 2.21's ``tf.keras.backend`` (re-exported by
``wb.keras.backend``): thin wrappers of TF ops with the legacy defaults (float arguments default to
``floatx()``, ``argmax`` gives int64, ``ones``/``zeros``/``eye`` of a known shape give variables)."""

from __future__ import annotations

import builtins

import numpy as np

from .. import nn as _nn
from ..core import Tensor
from ..ops import elementwise as ew

__all__ = [
    "abs", "all", "any", "arange", "argmax", "argmin", "batch_dot", "batch_flatten", "batch_get_value",
    "batch_normalization", "batch_set_value", "bias_add", "binary_crossentropy", "binary_focal_crossentropy",
    "cast", "cast_to_floatx", "categorical_crossentropy", "categorical_focal_crossentropy", "clip", "concatenate",
    "constant", "conv1d", "conv2d", "conv2d_transpose", "conv3d", "cos", "count_params", "ctc_batch_cost",
    "cumprod", "cumsum", "depthwise_conv2d", "dot", "dropout", "dtype", "elu", "equal", "eval", "exp",
    "expand_dims", "eye", "flatten", "foldl", "foldr", "gather", "get_uid", "get_value", "greater",
    "greater_equal", "hard_sigmoid", "in_top_k", "int_shape", "is_float_dtype", "is_int_dtype", "is_keras_tensor",
    "is_sparse", "l2_normalize", "less", "less_equal", "log", "map_fn", "max", "maximum", "mean", "min",
    "minimum", "moving_average_update", "name_scope", "ndim", "not_equal", "one_hot", "ones", "ones_like",
    "permute_dimensions", "pool2d", "pool3d", "pow", "prod", "random_bernoulli", "random_normal",
    "random_normal_variable", "random_uniform", "random_uniform_variable", "relu", "repeat", "repeat_elements",
    "reshape", "resize_images", "resize_volumes", "reverse", "round", "separable_conv2d", "set_value", "shape",
    "sigmoid", "sign", "sin", "softmax", "softplus", "softsign", "sparse_categorical_crossentropy",
    "spatial_2d_padding", "spatial_3d_padding", "sqrt", "square", "squeeze", "stack", "standardize_dtype", "std",
    "stop_gradient", "sum", "switch", "tanh", "temporal_padding", "tile", "to_dense", "transpose",
    "truncated_normal", "update", "update_add", "update_sub", "var", "variable", "zeros", "zeros_like",
]


def _wb():
    import workbench  # noqa: PLC0415  (the package face, complete only once keras has loaded)
    return workbench


def _floatx():
    from .dtype_policies import floatx  # noqa: PLC0415  (lazy: read at call time, after keras has loaded)
    return floatx()


def _eps():
    from .backend import epsilon  # noqa: PLC0415  (lazy: read at call time, after keras has loaded)
    return epsilon()


def _t(x):
    return x if isinstance(x, Tensor) else _wb().convert_to_tensor(x)


# -- dtypes (Keras 3's helpers) -----------------------------------------------------------------

_DTYPE_ALIASES = {"int": "int64"}   # Keras 3.15 refuses "float"
_ALLOWED = {"bool", "string", "bfloat16", "float16", "float32", "float64", "complex64", "complex128", "int8", "int16",
            "int32", "int64", "uint8", "uint16", "uint32", "uint64"}


def standardize_dtype(dtype):
    """Keras' dtype name of ``dtype`` (a string, NumPy/TF dtype or Python type); None gives ``floatx()``."""
    if dtype is None:
        return _floatx()
    if dtype in (int, float, bool, complex, str):
        return {int: "int64", float: "float32", bool: "bool", complex: "complex128", str: "string"}[dtype]
    name = getattr(dtype, "name", None)
    if not isinstance(dtype, str):
        try:
            name = np.dtype(name if isinstance(name, str) else dtype).name
        except TypeError:
            raise ValueError(f"Invalid dtype: {dtype!r}") from None
    else:
        name = _DTYPE_ALIASES.get(dtype, dtype)
        if name not in _ALLOWED:
            raise ValueError(f"Invalid dtype: {dtype!r}")
    if name == "bfloat16":
        return name
    try:
        np.dtype(name)
    except TypeError:
        raise ValueError(f"Invalid dtype: {dtype!r}") from None
    if name in ("object", "str", "bytes") or np.dtype(name).kind in "OSUV":
        return "string" if np.dtype(name).kind in "SU" else name
    return name


def is_float_dtype(dtype):
    name = standardize_dtype(dtype)
    return name.startswith("float") or name.startswith("bfloat")


def is_int_dtype(dtype):
    name = standardize_dtype(dtype)
    return name.startswith("int") or name.startswith("uint")


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic Keras tensor (a functional model's input or layer output)."""
    from .functional import SymbolicTensor  # noqa: PLC0415  (lazy: functional imports most of keras)
    return isinstance(x, SymbolicTensor)


_UIDS: dict = {}


def get_uid(prefix=""):
    """1 on the first call for ``prefix``, then 2, 3, ...."""
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


# -- elementwise and reductions -----------------------------------------------------------------

def abs(x):  # noqa: A001 (Keras' name)
    return ew.abs(_t(x))


def sign(x):
    return ew.sign(_t(x))


def square(x):
    return ew.square(_t(x))


def sqrt(x):
    """``sqrt`` of ``x`` clipped at 0 first (no NaN for small negative values)."""
    x = _t(x)
    return ew.sqrt(ew.maximum(x, np.asarray(0, x.dtype)))


def exp(x):
    return ew.exp(_t(x))


def log(x):
    return ew.log(_t(x))


def round(x):  # noqa: A001 (Keras' name)
    return ew.round(_t(x))


def cos(x):
    return ew.cos(_t(x))


def sin(x):
    return ew.sin(_t(x))


def tanh(x):
    return ew.tanh(_t(x))


def sigmoid(x):
    return ew.sigmoid(_t(x))


def softplus(x):
    return _nn.softplus(_t(x))


def softsign(x):
    return _nn.softsign(_t(x))


def softmax(x, axis=-1):
    return _nn.softmax(_t(x), axis=axis)


def hard_sigmoid(x):
    """``clip(0.2 x + 0.5, 0, 1)``, the legacy hard sigmoid."""
    x = _t(x)
    return ew.minimum(ew.maximum(x * np.asarray(0.2, x.dtype) + np.asarray(0.5, x.dtype),
                                 np.asarray(0, x.dtype)), np.asarray(1, x.dtype))


def elu(x, alpha=1.0):
    x = _t(x)
    res = _nn.elu(x)
    return res if alpha == 1 else ew.where(ew.greater(x, np.asarray(0, x.dtype)), res, res * np.asarray(alpha, x.dtype))


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """``max(x, 0)`` with a slope ``alpha`` below ``threshold``, capped at ``max_value``."""
    x = _t(x)
    dt = x.dtype
    if alpha != 0:
        if max_value is None and threshold == 0:
            return _nn.leaky_relu(x, alpha=alpha)
        negative = _nn.relu(np.asarray(threshold, dt) - x) if threshold != 0 else _nn.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * ew.cast(ew.greater(x, np.asarray(threshold, dt)), dt)
    elif max_value == 6:
        x, clip_max = _nn.relu6(x), False
    else:
        x = _nn.relu(x)
    if clip_max:
        x = ew.minimum(ew.maximum(x, np.asarray(0, dt)), np.asarray(max_value, dt))
    if alpha != 0:
        x = x - np.asarray(alpha, dt) * negative
    return x


def pow(x, a):  # noqa: A001 (Keras' name)
    return _wb().pow(_t(x), a)


def _compare(fn):
    def op(x, y):
        return fn(_t(x), y)
    op.__name__ = fn.__name__
    return op


equal, not_equal = _compare(ew.equal), _compare(ew.not_equal)
greater, greater_equal = _compare(ew.greater), _compare(ew.greater_equal)
less, less_equal = _compare(ew.less), _compare(ew.less_equal)
maximum, minimum = _compare(ew.maximum), _compare(ew.minimum)


def clip(x, min_value, max_value):
    """``x`` clipped to ``[min_value, max_value]`` (a ``max_value`` below ``min_value`` is raised to it)."""
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)) and max_value < min_value:
        max_value = min_value
    if min_value is None:
        min_value = -np.inf
    if max_value is None:
        max_value = np.inf
    return _wb().clip_by_value(_t(x), min_value, max_value)


def _floatx_if_bool(x):
    x = _t(x)
    return ew.cast(x, _floatx()) if x.dtype == bool else x


def max(x, axis=None, keepdims=False):  # noqa: A001 (Keras' name)
    return _wb().reduce_max(_t(x), axis, keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001 (Keras' name)
    return _wb().reduce_min(_t(x), axis, keepdims)


def sum(x, axis=None, keepdims=False):  # noqa: A001 (Keras' name)
    return _wb().reduce_sum(_t(x), axis, keepdims)


def prod(x, axis=None, keepdims=False):
    return _wb().reduce_prod(_t(x), axis, keepdims)


def mean(x, axis=None, keepdims=False):
    """The mean along ``axis`` (booleans counted as ``floatx()`` numbers)."""
    return _wb().reduce_mean(_floatx_if_bool(x), axis, keepdims)


def var(x, axis=None, keepdims=False):
    return _wb().math.reduce_variance(_floatx_if_bool(x), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return _wb().math.reduce_std(_floatx_if_bool(x), axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001 (Keras' name)
    return _wb().reduce_all(ew.cast(_t(x), bool), axis, keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001 (Keras' name)
    return _wb().reduce_any(ew.cast(_t(x), bool), axis, keepdims)


def argmax(x, axis=-1):
    return _wb().argmax(_t(x), axis)


def argmin(x, axis=-1):
    return _wb().argmin(_t(x), axis)


def cumsum(x, axis=0):
    return _wb().cumsum(_t(x), axis=axis)


def cumprod(x, axis=0):
    return _wb().math.cumprod(_t(x), axis=axis)


def l2_normalize(x, axis=None):
    return _wb().math.l2_normalize(_t(x), axis=axis)


def in_top_k(predictions, targets, k):
    return _wb().math.in_top_k(targets, predictions, k)


# -- shapes -------------------------------------------------------------------------------------

def cast(x, dtype):
    return ew.cast(_t(x), np.dtype(standardize_dtype(dtype)))


def cast_to_floatx(x):
    """``x`` in ``floatx()``: a tensor for a tensor, else a NumPy array."""
    if isinstance(x, Tensor):
        return ew.cast(x, _floatx())
    return np.asarray(x, dtype=_floatx())


def dtype(x):
    """The dtype name of ``x`` (``"float32"``)."""
    return np.dtype(_t(x).dtype).name


def shape(x):
    return _wb().shape(_t(x))


def int_shape(x):
    """The shape as a tuple of ints (None where unknown)."""
    try:
        return tuple(x.shape)
    except (AttributeError, TypeError):
        return None


def ndim(x):
    return len(x.shape)


def count_params(x):
    return int(np.prod(tuple(x.shape)))


def reshape(x, shape):
    return _wb().reshape(_t(x), shape)


def flatten(x):
    return _wb().reshape(_t(x), [-1])


def batch_flatten(x):
    """``x`` as ``(batch, everything else)``."""
    x = _t(x)
    return _wb().reshape(x, [-1, int(np.prod(tuple(x.shape[1:])))])


def expand_dims(x, axis=-1):
    return _wb().expand_dims(_t(x), axis)


def squeeze(x, axis):
    return _wb().squeeze(_t(x), [axis])


def permute_dimensions(x, pattern):
    return _wb().transpose(_t(x), perm=pattern)


def transpose(x):
    return _wb().transpose(_t(x))


def concatenate(tensors, axis=-1):
    tensors = [_t(v) for v in tensors]
    if axis < 0:
        rank = len(tensors[0].shape)
        axis = axis % rank if rank else 0
    return _wb().concat(tensors, axis)


def stack(x, axis=0):
    return _wb().stack(x, axis=axis)


def tile(x, n):
    return _wb().tile(_t(x), [n] if isinstance(n, int) else n)


def repeat(x, n):
    """The 2-D ``x`` ``(batch, dim)`` repeated to ``(batch, n, dim)``."""
    x = _t(x)
    if len(x.shape) != 2:
        raise ValueError(f"repeat: x must be 2-D, got shape {tuple(x.shape)}")
    return _wb().tile(_wb().expand_dims(x, 1), [1, n, 1])


def repeat_elements(x, rep, axis):
    return _wb().repeat(_t(x), rep, axis=axis)


def reverse(x, axes):
    return _wb().reverse(_t(x), [axes] if isinstance(axes, int) else list(axes))


def gather(reference, indices):
    return _wb().gather(reference, indices)


def one_hot(indices, num_classes):
    return _wb().one_hot(indices, depth=num_classes, axis=-1)


def _pad(x, pattern):
    return _wb().pad(_t(x), pattern)


def temporal_padding(x, padding=(1, 1)):
    """Zero padding of the middle axis of a 3-D ``x``."""
    if len(padding) != 2:
        raise ValueError(f"temporal_padding: padding must be a pair, got {padding!r}")
    return _pad(x, [[0, 0], list(padding), [0, 0]])


def _data_format(data_format, name):
    from .backend import image_data_format  # noqa: PLC0415  (lazy: read at call time)
    data_format = image_data_format() if data_format is None else data_format
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"{name}: data_format must be 'channels_first' or 'channels_last', got {data_format!r}")
    return data_format


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zero padding of the two spatial axes of a 4-D ``x``."""
    fmt = _data_format(data_format, "spatial_2d_padding")
    spatial = [list(p) for p in padding]
    pattern = [[0, 0], [0, 0]] + spatial if fmt == "channels_first" else [[0, 0]] + spatial + [[0, 0]]
    return _pad(x, pattern)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zero padding of the three spatial axes of a 5-D ``x``."""
    fmt = _data_format(data_format, "spatial_3d_padding")
    spatial = [list(p) for p in padding]
    pattern = [[0, 0], [0, 0]] + spatial if fmt == "channels_first" else [[0, 0]] + spatial + [[0, 0]]
    return _pad(x, pattern)


def bias_add(x, bias, data_format=None):
    """``x + bias`` along the channels axis."""
    fmt = _data_format(data_format, "bias_add")
    x, bias = _t(x), _t(bias)
    if len(bias.shape) != 1 and len(bias.shape) != len(x.shape) - 1:
        raise ValueError(f"bias_add: bias must be 1-D or have ndim(x) - 1 dimensions, got shape {tuple(bias.shape)}")
    if len(bias.shape) == 1:
        if fmt == "channels_first" and len(x.shape) > 2:
            bias = _wb().reshape(bias, [1, -1] + [1] * (len(x.shape) - 2))
        return x + bias
    if fmt == "channels_first":
        bias = _wb().transpose(bias, [len(bias.shape) - 1] + list(range(len(bias.shape) - 1)))
    return x + _wb().expand_dims(bias, 0)


def dot(x, y):
    """Matrix product; for more dimensions the last axis of ``x`` against the second-to-last of ``y``."""
    x, y = _t(x), _t(y)
    if len(x.shape) > 2 or len(y.shape) > 2:
        return _wb().tensordot(x, y, [[len(x.shape) - 1], [builtins.max(len(y.shape) - 2, 0)]])
    return _wb().matmul(x, y)


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    return _nn.batch_normalization(_t(x), mean, var, beta, gamma, epsilon)


def switch(condition, then_expression, else_expression):
    """``then_expression`` where ``condition`` holds, else ``else_expression`` (callables are called)."""
    then_v = then_expression() if callable(then_expression) else then_expression
    else_v = else_expression() if callable(else_expression) else else_expression
    cond = ew.cast(_t(condition), bool)
    then_v, else_v = _t(then_v), _t(else_v)
    if len(cond.shape) == 0:
        return then_v if bool(cond.numpy()) else else_v
    extra = len(then_v.shape) - len(cond.shape)
    if extra < 0:
        raise ValueError(f"switch: condition has rank {len(cond.shape)}, more than the expressions' "
                         f"{len(then_v.shape)}")
    cond = _wb().reshape(cond, list(cond.shape) + [1] * extra)
    cond = _wb().broadcast_to(cond, then_v.shape)
    return _wb().where(cond, then_v, else_v)


# -- creation and variables ---------------------------------------------------------------------

def _dt(dtype):
    return np.dtype(standardize_dtype(dtype))


def constant(value, dtype=None, shape=None, name=None):
    return _wb().constant(value, dtype=_dt(dtype), shape=shape)


def variable(value, dtype=None, name=None, constraint=None):
    """A variable of ``value`` (in ``floatx()`` unless ``dtype``); ``constraint`` is kept on it as
    ``.constraint`` (optimizers that honour constraints apply it after each update)."""
    v = _wb().Variable(ew.cast(_t(value), _dt(dtype)), name=name)
    if constraint is not None:
        v.constraint = constraint
    return v


def _known(shape):
    return builtins.all(d is not None for d in (shape if isinstance(shape, (list, tuple)) else [shape]))


def zeros(shape, dtype=None, name=None):
    """Zeros of ``shape``: a variable (the legacy backend's behaviour for a known shape)."""
    v = _wb().zeros(shape, dtype=_dt(dtype))
    return variable(v, dtype=dtype, name=name) if _known(shape) else v


def ones(shape, dtype=None, name=None):
    v = _wb().ones(shape, dtype=_dt(dtype))
    return variable(v, dtype=dtype, name=name) if _known(shape) else v


def eye(size, dtype=None, name=None):
    """The ``size x size`` identity matrix as a variable."""
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
        raise TypeError(f"eye: size must be a positive int, got {size!r}")
    return variable(_wb().eye(int(size), dtype=_dt(dtype)), dtype=dtype, name=name)


def zeros_like(x, dtype=None, name=None):
    return _wb().zeros_like(x, dtype=None if dtype is None else _dt(dtype))


def ones_like(x, dtype=None, name=None):
    return _wb().ones_like(x, dtype=None if dtype is None else _dt(dtype))


def arange(start, stop=None, step=1, dtype="int32"):
    if stop is None and start < 0:
        start = 0
    return _wb().range(start, stop, step, dtype=_dt(dtype))


def get_value(x):
    """The value of a tensor or variable as a NumPy array."""
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def batch_get_value(tensors):
    return [get_value(x) for x in tensors]


def eval(x):  # noqa: A001 (Keras' name)
    return get_value(to_dense(x))


def set_value(x, value):
    x.assign(np.asarray(value, dtype=np.dtype(x.dtype)))


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


def update(x, new_x):
    return x.assign(new_x)


def update_add(x, increment):
    return x.assign_add(increment)


def update_sub(x, decrement):
    return x.assign_sub(decrement)


def moving_average_update(x, value, momentum):
    """``x = x * momentum + value * (1 - momentum)``."""
    value = ew.cast(_t(value), x.dtype)
    return x.assign_sub((x - value) * np.asarray(1 - momentum, x.dtype))


def is_sparse(tensor):
    return isinstance(tensor, _wb().SparseTensor)


def to_dense(tensor):
    return _wb().sparse.to_dense(tensor) if is_sparse(tensor) else tensor


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return [_wb().stop_gradient(v) for v in variables]
    return _wb().stop_gradient(variables)


def name_scope(name):
    return _wb().name_scope(name)


def map_fn(fn, elems, name=None, dtype=None):
    return _wb().map_fn(fn, elems, dtype=dtype)


def foldl(fn, elems, initializer=None, name=None):
    return _wb().foldl(fn, elems, initializer=initializer)


def foldr(fn, elems, initializer=None, name=None):
    return _wb().foldr(fn, elems, initializer=initializer)


# -- random (seeded by ``seed``; a fresh seed from NumPy's global generator otherwise) ---------

def _seed(seed):
    return int(np.random.randint(10_000_000)) if seed is None else seed


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _wb().random.normal(shape, mean=mean, stddev=stddev, dtype=_dt(dtype), seed=_seed(seed))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return _wb().random.uniform(shape, minval=minval, maxval=maxval, dtype=_dt(dtype), seed=_seed(seed))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _wb().random.truncated_normal(shape, mean=mean, stddev=stddev, dtype=_dt(dtype), seed=_seed(seed))


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """1 with probability ``p``, else 0."""
    dt = _dt(dtype)
    u = _wb().random.uniform(shape, dtype=dt, seed=_seed(seed))
    return _wb().where(u <= p, _wb().ones(shape, dtype=dt), _wb().zeros(shape, dtype=dt))


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    return variable(random_normal(shape, mean, scale, dtype, seed), dtype=dtype, name=name)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    return variable(random_uniform(shape, low, high, dtype, seed), dtype=dtype, name=name)


def dropout(x, level, noise_shape=None, seed=None):
    return _nn.dropout(_t(x), rate=level, noise_shape=noise_shape, seed=_seed(seed))


# -- losses -------------------------------------------------------------------------------------

def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (probabilities clipped to ``[eps, 1 - eps]``)."""
    target, output = _t(target), _t(output)
    target = ew.cast(target, output.dtype)
    if from_logits:
        return _nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = np.asarray(_eps(), output.dtype)
    output = ew.minimum(ew.maximum(output, eps), 1 - eps)
    return -(target * ew.log(output + eps) + (1 - target) * ew.log(1 - output + eps))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _t(target), _t(output)
    target = ew.cast(target, output.dtype)
    if from_logits:
        return _nn.softmax_cross_entropy_with_logits(labels=target, logits=output, axis=axis)
    output = output / _wb().reduce_sum(output, axis, True)
    eps = np.asarray(_eps(), output.dtype)
    output = ew.minimum(ew.maximum(output, eps), 1 - eps)
    return -_wb().reduce_sum(target * ew.log(output), axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1, ignore_class=None):
    """Cross-entropy of integer labels; entries labelled ``ignore_class`` give 0."""
    target, output = _t(target), _t(output)
    rank = len(output.shape)
    axis = axis % rank
    if axis != rank - 1:
        output = _wb().transpose(output, [a for a in range(rank) if a != axis] + [axis])
    if not from_logits:
        eps = np.asarray(_eps(), output.dtype)
        output = ew.log(ew.minimum(ew.maximum(output, eps), 1 - eps))
    target = ew.cast(target, np.int64)
    if len(target.shape) == rank:
        target = _wb().squeeze(target, [-1])
    if ignore_class is not None:
        valid = ew.not_equal(target, np.int64(ignore_class))
        safe = _wb().where(valid, target, _wb().zeros_like(target))
        res = _nn.sparse_softmax_cross_entropy_with_logits(labels=safe, logits=output)
        return _wb().where(valid, res, _wb().zeros_like(res))
    return _nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)



def binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False):
    """:func:`binary_crossentropy` scaled by ``(1 - p_t)**gamma`` (and by ``alpha`` per class if balancing)."""
    target, output = _t(target), _t(output)
    target = ew.cast(target, output.dtype)
    p = ew.sigmoid(output) if from_logits else output
    p_t = target * p + (1 - target) * (1 - p)
    focal = ew.pow(1 - p_t, np.asarray(gamma, output.dtype)) * binary_crossentropy(target, output, from_logits)
    if apply_class_balancing:
        focal = (target * alpha + (1 - target) * (1 - alpha)) * focal
    return focal


def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0, from_logits=False, axis=-1):
    """Categorical cross-entropy with each class term scaled by ``alpha * (1 - p)**gamma``."""
    target, output = _t(target), _t(output)
    target = ew.cast(target, output.dtype)
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(f"categorical_focal_crossentropy: target and output must have the same shape, got "
                         f"{tuple(target.shape)} and {tuple(output.shape)}")
    if from_logits:
        output = _nn.softmax(output, axis=axis)
    output = output / _wb().reduce_sum(output, axis, True)
    eps = np.asarray(_eps(), output.dtype)
    output = ew.minimum(ew.maximum(output, eps), 1 - eps)
    weight = ew.pow(1 - output, np.asarray(gamma, output.dtype)) * np.asarray(alpha, output.dtype)
    return _wb().reduce_sum(weight * (-target * ew.log(output)), axis)


# -- convolutions and pooling (through keras.ops, which take Keras' data_format) -----------------

def _kops():
    from . import ops  # noqa: PLC0415  (lazy: keras.ops loads only when a legacy conv or pool runs)
    return ops


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D convolution; ``padding="causal"`` pads only the start."""
    fmt = _data_format(data_format, "conv1d")
    x, kernel = _t(x), _t(kernel)
    if padding == "causal":
        left = dilation_rate * (kernel.shape[0] - 1)
        pattern = [[0, 0], [left, 0], [0, 0]] if fmt == "channels_last" else [[0, 0], [0, 0], [left, 0]]
        x, padding = _pad(x, pattern), "valid"
    return _kops().conv(x, kernel, strides, padding, fmt, dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    return _kops().conv(_t(x), _t(kernel), strides, padding, _data_format(data_format, "conv2d"), dilation_rate)


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None, dilation_rate=(1, 1, 1)):
    return _kops().conv(_t(x), _t(kernel), strides, padding, _data_format(data_format, "conv3d"), dilation_rate)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    return _kops().depthwise_conv(_t(x), _t(depthwise_kernel), strides, padding,
                                  _data_format(data_format, "depthwise_conv2d"), dilation_rate)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    return _kops().separable_conv(_t(x), _t(depthwise_kernel), _t(pointwise_kernel), strides, padding,
                                  _data_format(data_format, "separable_conv2d"), dilation_rate)


def _pool(x, pool_size, strides, padding, data_format, pool_mode, name, nd):
    fmt = _data_format(data_format, name)
    if len(pool_size) != nd or len(strides) != nd:
        raise ValueError(f"{name}: pool_size and strides must have {nd} entries, got {pool_size!r} and {strides!r}")
    if pool_mode == "max":
        return _kops().max_pool(_t(x), pool_size, strides, padding, fmt)
    if pool_mode == "avg":
        return _kops().average_pool(_t(x), pool_size, strides, padding, fmt)
    raise ValueError(f"{name}: pool_mode must be 'max' or 'avg', got {pool_mode!r}")


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    return _pool(x, pool_size, strides, padding, data_format, pool_mode, "pool2d", 2)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None, pool_mode="max"):
    return _pool(x, pool_size, strides, padding, data_format, pool_mode, "pool3d", 3)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """The transpose of :func:`conv2d` (kernel ``(h, w, out, in)``) with the given ``output_shape``."""
    fmt = _data_format(data_format, "conv2d_transpose")
    x = _t(x)
    output_shape = list(output_shape)
    if fmt == "channels_first":
        x = _wb().transpose(x, [0, 2, 3, 1])
        output_shape = [output_shape[0], output_shape[2], output_shape[3], output_shape[1]]
    if output_shape[0] is None:
        output_shape[0] = x.shape[0]
    out = _nn.conv2d_transpose(x, _t(kernel), output_shape, strides=(1,) + tuple(strides) + (1,),
                               padding=padding.upper(), dilations=tuple(dilation_rate))
    return _wb().transpose(out, [0, 3, 1, 2]) if fmt == "channels_first" else out


_RESIZE_METHODS = ("area", "bicubic", "bilinear", "gaussian", "lanczos3", "lanczos5", "mitchellcubic", "nearest")


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """The 4-D ``x`` resized by integer factors along its rows and columns."""
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"resize_images: data_format must be 'channels_first' or 'channels_last', got "
                         f"{data_format!r}")
    if interpolation not in _RESIZE_METHODS:
        raise ValueError(f"resize_images: interpolation must be one of {_RESIZE_METHODS}, got {interpolation!r}")
    x = _t(x)
    if data_format == "channels_first":
        x = _wb().transpose(x, [0, 2, 3, 1])
    size = [x.shape[1] * height_factor, x.shape[2] * width_factor]
    out = _wb().image.resize(x, size, method=interpolation)
    return _wb().transpose(out, [0, 3, 1, 2]) if data_format == "channels_first" else out


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """The 5-D ``x`` with each voxel repeated by the factors along its three spatial axes."""
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"resize_volumes: data_format must be 'channels_first' or 'channels_last', got "
                         f"{data_format!r}")
    first = 2 if data_format == "channels_first" else 1
    for k, factor in enumerate((depth_factor, height_factor, width_factor)):
        x = repeat_elements(x, factor, first + k)
    return x


def batch_dot(x, y, axes=None):
    """Per-example dot product: ``x[i]`` and ``y[i]`` contracted over ``axes`` (by default the last of
    ``x`` and the second-to-last of ``y``, the last for a 2-D ``y``); a 1-D result becomes ``(batch, 1)``."""
    x, y = _t(x), _t(y)
    xn, yn = len(x.shape), len(y.shape)
    if xn < 2 or yn < 2:
        raise ValueError(f"batch_dot: x and y must have at least 2 dimensions, got shapes {tuple(x.shape)} and "
                         f"{tuple(y.shape)}")
    if axes is None:
        axes = (xn - 1, yn - 1 if yn == 2 else yn - 2)
    elif isinstance(axes, int):
        axes = (axes, axes)
    ax, ay = (a % n for a, n in zip(axes, (xn, yn)))
    if ax == 0 or ay == 0:
        raise ValueError(f"batch_dot: cannot contract over the batch axis, got axes={axes!r}")
    if x.shape[ax] != y.shape[ay]:
        raise ValueError(f"batch_dot: x's axis {ax} ({x.shape[ax]}) and y's axis {ay} ({y.shape[ay]}) must match")
    letters = iter("bcdefghijklmnopqrstuvwxyz")
    sx = ["a"] + [next(letters) for _ in range(xn - 1)]
    contract = sx[ax]
    sy = ["a"] + [contract if d == ay else next(letters) for d in range(1, yn)]
    out = ["a"] + [c for c in sx[1:] if c != contract] + [c for d, c in enumerate(sy) if d and d != ay]
    res = _wb().einsum(f"{''.join(sx)},{''.join(sy)}->{''.join(out)}", x, y)
    return _wb().expand_dims(res, 1) if len(out) == 1 else res


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """CTC loss per example, ``(batch, 1)``, of the dense labels ``y_true`` against the softmax
    outputs ``y_pred`` ``(batch, time, classes)`` (blank: the last class); lengths are ``(batch, 1)``."""
    y_pred = _t(y_pred)
    label_length = ew.cast(_wb().squeeze(_t(label_length), [-1]), np.int32)
    input_length = ew.cast(_wb().squeeze(_t(input_length), [-1]), np.int32)
    logits = ew.log(y_pred + np.asarray(_eps(), y_pred.dtype))
    loss = _kops().ctc_loss(y_true, logits, label_length, input_length, mask_index=y_pred.shape[-1] - 1)
    return _wb().expand_dims(loss, 1)
