"""TF's ``tf.compat.v1`` namespace: the TF 1 names that TF 2 programs still call, eagerly.

Three kinds of name live here:

* names TF 1 and TF 2 share (``tf.compat.v1.matmul is tf.matmul``): the workbench's own;
* names whose TF 1 signature differs (``keep_dims``, ``reduction_indices``, ``dim``, ``filter``,
  ``keep_prob``, swapped positions): TF 1's signature in front of the TF 2 function, so that
  positional calls written for TF 1 mean what they meant there;
* names only TF 1 has: those that work eagerly in TF 2 (``to_float``, ``random_normal``,
  ``nn.fused_batch_norm``, ``logging``, ...) are here; those that need a TF 1 graph and session
  (``placeholder``, ``Session``, ``get_variable``, collections) raise, naming the TF 2 way.

>>> import workbench as wb
>>> wb.compat.v1.reduce_sum([[1, 2], [3, 4]], reduction_indices=1, keep_dims=True).numpy()
array([[3],
       [7]], dtype=int32)
"""

from __future__ import annotations

import collections
import inspect
import logging as _logging
import sys
import types

__all__ = ["build"]


def _wb():
    return sys.modules["workbench"]


def _resolve(path):
    obj = _wb()
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


_UNSET = object()


def _tf1(v1_name, target, params, renames=(), ignored=(), convert=None, doc=None):
    """A TF 1 signature (``params``: names in TF 1's positional order, with their defaults) in
    front of TF 2's ``target`` (a dotted path in the workbench namespace).

    ``renames`` maps TF 1 names onto TF 2's (several TF 1 spellings of one argument may map onto
    it; giving two of them is TF's "Cannot specify both" error); ``ignored`` names are accepted
    and dropped (knobs that have no effect eagerly); ``convert`` may rewrite the keyword dict.
    """
    renames = dict(renames)
    names = [p if isinstance(p, str) else p[0] for p in params]
    defaults = {p[0]: p[1] for p in params if not isinstance(p, str)}
    signature = inspect.Signature([
        inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=defaults.get(n, inspect.Parameter.empty)) for n in names])

    def call(*args, **kwargs):
        if len(args) > len(names):
            raise TypeError(f"{v1_name}() takes at most {len(names)} positional arguments "
                            f"({len(args)} given)")
        given = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names:
                raise TypeError(f"{v1_name}() got an unexpected keyword argument {key!r} "
                                f"(TF 1's arguments: {', '.join(names)})")
            if key in given:
                raise TypeError(f"{v1_name}() got multiple values for argument {key!r}")
            given[key] = value
        for key in names:
            if key not in given and key in defaults:
                given[key] = defaults[key]
        missing = [n for n in names if n not in given]
        if missing:
            raise TypeError(f"{v1_name}() missing required argument(s): {', '.join(missing)}")
        out = {}
        spelled = {}
        for key, value in given.items():
            if key in ignored:
                continue
            new = renames.get(key, key)
            if new in out and value is not None and out[new] is not None:
                old, current = (key, spelled[new]) if key in renames else (spelled[new], key)
                raise ValueError(f"Cannot specify both '{old}' and '{current}'.")
            if new not in out or value is not None:
                out[new] = value
                spelled[new] = key
        if convert is not None:
            out = convert(out)
        return _resolve(target)(**{k: v for k, v in out.items() if v is not _UNSET})

    call.__name__ = v1_name.rpartition(".")[2]
    call.__qualname__ = call.__name__
    call.__signature__ = signature
    call.__doc__ = doc or (f"TF 1's ``tf.compat.v1.{v1_name}``: ``wb.{target}`` with TF 1's argument "
                           f"names and order.")
    return call


def _drop_none(*keys):
    def convert(kw):
        for k in keys:
            if kw.get(k) is None:
                kw[k] = _UNSET
        return kw
    return convert


def _refused(v1_name, instead):
    def refuse(*args, **kwargs):
        raise RuntimeError(
            f"tf.compat.v1.{v1_name} needs TF 1's graph and session, which the workbench does not "
            f"have (it runs TF 2's eager semantics); {instead}")
    refuse.__name__ = v1_name.rpartition(".")[2]
    refuse.__doc__ = f"Not available: TF 1 graph-mode API ({instead})."
    return refuse


class _Namespace(types.ModuleType):
    """A ``tf.compat.v1`` module: its own names first, then ``fallback``'s (the TF 2 module of
    the same name), except names whose TF 1 meaning differs and that are not provided."""

    def __init__(self, name, doc, fallback, differs=(), instead=None):
        super().__init__(name, doc)
        self._fallback = fallback
        self._differs = frozenset(differs)
        self._instead = instead

    def __getattr__(self, name):
        if name.startswith("__") or name in ("_fallback", "_differs", "_instead"):
            raise AttributeError(name)
        short = self.__name__.replace("workbench.compat.v1", "tf.compat.v1")
        if self._fallback is None:     # a TF 1 module with no TF 2 counterpart of the same meaning
            raise AttributeError(f"{short}.{name} is not provided: {self._instead}")
        if name in self._differs:
            raise AttributeError(
                f"{short}.{name}: TF 1's version differs from TF 2's and is not provided here; "
                f"use the TF 2 function (wb.{self._fallback + '.' if self._fallback else ''}{name}), "
                f"whose arguments are TF 2's")
        try:
            return _resolve(self._fallback + "." + name) if self._fallback else getattr(_wb(), name)
        except AttributeError:
            hint = f" ({self._instead})" if self._instead else ""
            raise AttributeError(f"module {short!r} has no attribute {name!r}{hint}") from None

    def __dir__(self):
        try:
            base = [] if self._fallback is None else dir(_resolve(self._fallback) if self._fallback else _wb())
        except AttributeError:
            base = []
        return sorted((set(base) - self._differs) | set(self.__dict__))


# --- reductions: keep_dims / reduction_indices ---------------------------------------------

_REDUCE = ("input_tensor", ("axis", None), ("keepdims", None), ("name", None),
           ("reduction_indices", None), ("keep_dims", None))
_REDUCE_RENAMES = (("reduction_indices", "axis"), ("keep_dims", "keepdims"))


def _square_block(kw):
    # TF 1's 4-D space_to_batch / batch_to_space take one block size for both spatial dimensions
    if isinstance(kw.get("block_shape"), int):
        kw["block_shape"] = [kw["block_shape"]] * 2
    return kw


def _keepdims_false(kw):
    if kw.get("keepdims") is None:
        kw["keepdims"] = False
    return kw


def _reductions(prefix):
    return {name: _tf1(name, prefix + name, _REDUCE, _REDUCE_RENAMES, convert=_keepdims_false)
            for name in ("reduce_all", "reduce_any", "reduce_logsumexp", "reduce_max", "reduce_mean",
                         "reduce_min", "reduce_prod", "reduce_sum")}


def _count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype="int64", name=None,
                   reduction_indices=None, keep_dims=None, input=None):
    """TF 1's ``count_nonzero`` (``input_tensor`` or ``input``, ``keep_dims``,
    ``reduction_indices``)."""
    def pick(a, b, na, nb):
        if a is not None and b is not None:
            raise ValueError(f"Cannot specify both '{na}' and '{nb}'.")
        return a if a is not None else b
    x = pick(input_tensor, input, "input_tensor", "input")
    axis = pick(axis, reduction_indices, "axis", "reduction_indices")
    keepdims = pick(keepdims, keep_dims, "keepdims", "keep_dims")
    return _wb().math.count_nonzero(x, axis=axis, keepdims=bool(keepdims), dtype=dtype)


def _argmax(kind):
    def convert(kw):
        if kw.get("axis") is None:
            kw["axis"] = 0
        return kw
    return _tf1(kind, kind, ("input", ("axis", None), ("name", None), ("dimension", None),
                             ("output_type", "int64")), (("dimension", "axis"),), convert=convert)


# --- casts, random draws, arithmetic only TF 1 has -------------------------------------------

def _cast_to(dtype_name):
    def to(x, name=None):
        wb = _wb()
        return wb.cast(x, getattr(wb, dtype_name))
    to.__name__ = "to_" + {"float32": "float", "float64": "double"}.get(dtype_name, dtype_name)
    to.__doc__ = f"TF 1's ``{to.__name__}``: ``wb.cast(x, wb.{dtype_name})``."
    return to


def _div(x, y, name=None):
    """TF 1's ``div``: Python 2 division (floor for integers, true division for floats)."""
    wb = _wb()
    x = wb.convert_to_tensor(x)
    y = wb.convert_to_tensor(y, dtype_hint=x.dtype)
    if x.dtype.is_integer:
        return wb.math.floordiv(x, y)
    return wb.math.divide(x, y)


def _set_random_seed(seed):
    """TF 1's ``set_random_seed``: the global seed (``wb.random.set_seed``)."""
    return _wb().random.set_seed(seed)


def _multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """TF 1's ``multinomial``: ``wb.random.categorical`` (``output_dtype`` is its ``dtype``)."""
    return _wb().random.categorical(logits, num_samples, dtype=output_dtype, seed=seed)


def _stateless_multinomial(logits, num_samples, seed, output_dtype="int64", name=None):
    """TF 1's ``stateless_multinomial``: ``wb.random.stateless_categorical``."""
    return _wb().random.stateless_categorical(logits, num_samples, seed, dtype=output_dtype)


def _random_uniform_v1(shape, minval=0, maxval=None, dtype="float32", seed=None, name=None):
    return _wb().random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype, seed=seed)


# --- control flow with TF 1's extras -------------------------------------------------------------

def _cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """TF 1's ``cond``: ``fn1``/``fn2`` spell ``true_fn``/``false_fn``; without ``strict`` a
    branch's one-element list or tuple comes back unpacked."""
    if fn1 is not None:
        if true_fn is not None:
            raise TypeError("cond(): true_fn and fn1 may not be set simultaneously.")
        true_fn = fn1
    if fn2 is not None:
        if false_fn is not None:
            raise TypeError("cond(): false_fn and fn2 may not be set simultaneously.")
        false_fn = fn2
    if not callable(true_fn):
        raise TypeError("true_fn must be callable.")
    if not callable(false_fn):
        raise TypeError("false_fn must be callable.")
    out = _wb().cond(pred, true_fn, false_fn)
    if not strict and isinstance(out, (list, tuple)) and len(out) == 1:
        return out[0]
    return out


def _while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
                swap_memory=False, name=None, maximum_iterations=None, return_same_structure=False):
    """TF 1's ``while_loop`` (run eagerly, where TF treats ``return_same_structure`` as True)."""
    return _wb().while_loop(cond, body, loop_vars, shape_invariants=shape_invariants,
                           parallel_iterations=parallel_iterations, back_prop=back_prop,
                           swap_memory=swap_memory, maximum_iterations=maximum_iterations)


def _constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """TF 1's ``constant``: with ``verify_shape`` the value's shape must be ``shape``."""
    wb = _wb()
    if verify_shape and shape is not None:
        tensor = wb.convert_to_tensor(value, dtype=dtype)
        if tuple(tensor.shape) != tuple(shape):
            raise TypeError(f"Expected Tensor {tensor.numpy()} (converted from {value!r}) with shape "
                            f"{tuple(shape)}, but got shape {tuple(tensor.shape)}.")
    return wb.constant(value, dtype=dtype, shape=shape)


def _name_scope_v1(name, default_name=None, values=None):
    """TF 1's ``name_scope``: ``name`` or, when it is None, ``default_name``."""
    if name is None and default_name is None:
        raise ValueError("At least one of name (None) and default_name (None) must be provided.")
    return _wb().name_scope(name if name is not None else default_name)


def _assign(op):
    def assign(ref, value, validate_shape=None, use_locking=None, name=None):
        return getattr(ref, op)(value)
    assign.__name__ = op
    assign.__doc__ = f"TF 1's ``{op}(ref, value)``: ``ref.{op}(value)``."
    return assign


def _assert_v1(kind):
    def check(x, y, data=None, summarize=None, message=None, name=None):
        if data is not None:
            parts = [message] if message else []
            parts += [str(d.numpy() if hasattr(d, "numpy") else d) for d in data]
            message = " ".join(parts)
        return getattr(_wb().debugging, kind)(x, y, message=message, summarize=summarize)
    check.__name__ = kind
    check.__doc__ = f"TF 1's ``{kind}``: ``data`` (tensors) printed after ``message`` on failure."
    return check


def _assert_rank_v1(x, rank, data=None, summarize=None, message=None, name=None):
    """TF 1's ``assert_rank``: ``data`` printed after ``message`` on failure."""
    if data is not None:
        message = " ".join(([message] if message else []) + [str(getattr(d, "numpy", lambda: d)())
                                                             for d in data])
    return _wb().debugging.assert_rank(x, rank, message=message)


def _initializer(v1_name, factory):
    class Initializer:
        __doc__ = (f"TF 1's ``{v1_name}``: called as ``init(shape, dtype=None, partition_info=None)``, "
                   f"the dtype given at construction when the call gives none.")

        def __init__(self, *args, dtype="float32", **kwargs):
            self.dtype = dtype
            self._init = factory(*args, **kwargs)

        def __call__(self, shape, dtype=None, partition_info=None):
            return self._init(shape, dtype=dtype or self.dtype)

        def get_config(self):
            config = dict(self._init.get_config()) if hasattr(self._init, "get_config") else {}
            config["dtype"] = str(self.dtype)
            return config

    Initializer.__name__ = Initializer.__qualname__ = v1_name
    return Initializer


def _v2_initializer(name, **tf1_defaults):
    def make(*args, **kwargs):
        for k, v in tf1_defaults.items():
            kwargs.setdefault(k, v)
        if name == "random_uniform_initializer" and kwargs.get("maxval") is None:
            kwargs["maxval"] = 1.0
        return getattr(_wb(), name)(*args, **kwargs)
    return make


# --- nn ------------------------------------------------------------------------------------------

def _dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """TF 1's ``nn.dropout``: ``keep_prob`` (the fraction kept) or ``rate`` (1 - ``keep_prob``)."""
    if keep_prob is not None and rate is not None:
        raise ValueError("Cannot specify both 'keep_prob' and 'rate'.")
    if keep_prob is not None:
        rate = 1 - (keep_prob if isinstance(keep_prob, (int, float)) else _wb().convert_to_tensor(keep_prob))
    if rate is None:
        raise ValueError("You must provide a rate to dropout.")
    return _wb().nn.dropout(x, rate, noise_shape=noise_shape, seed=seed)


def _softmax_xent_v1(labels=None, logits=None, dim=-1, name=None, axis=None):
    """TF 1's ``nn.softmax_cross_entropy_with_logits``: no gradient flows into ``labels``."""
    if axis is not None and dim != -1:
        raise ValueError("Cannot specify both 'axis' and 'dim'.")
    wb = _wb()
    return wb.nn.softmax_cross_entropy_with_logits(wb.stop_gradient(labels), logits,
                                                   axis=dim if axis is None else axis)


def _softmax_xent_v1_v2(labels, logits, axis=None, name=None, dim=None):
    """TF 1's ``nn.softmax_cross_entropy_with_logits_v2``: TF 2's function (``dim`` is ``axis``)."""
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'.")
    axis = dim if axis is None else axis
    return _wb().nn.softmax_cross_entropy_with_logits(labels, logits, axis=-1 if axis is None else axis)


def _sparse_xent_v1(labels=None, logits=None, name=None):
    """TF 1's ``nn.sparse_softmax_cross_entropy_with_logits``."""
    return _wb().nn.sparse_softmax_cross_entropy_with_logits(labels, logits)


def _sigmoid_xent_v1(labels=None, logits=None, name=None):
    """TF 1's ``nn.sigmoid_cross_entropy_with_logits``."""
    return _wb().nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)


def _xw_plus_b(x, weights, biases, name=None):
    """TF 1's ``nn.xw_plus_b``: ``matmul(x, weights) + biases``."""
    wb = _wb()
    return wb.nn.bias_add(wb.linalg.matmul(x, weights), biases)


def _relu_layer(x, weights, biases, name=None):
    """TF 1's ``nn.relu_layer``: ``relu(matmul(x, weights) + biases)``."""
    return _wb().nn.relu(_xw_plus_b(x, weights, biases))


def _fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001, data_format="NHWC",
                      is_training=True, name=None, exponential_avg_factor=1.0):
    """TF 1's ``nn.fused_batch_norm`` on 4-D (NHWC/NCHW) or 5-D (NDHWC/NCDHW) ``x``.

    Returns ``(y, batch_mean, batch_variance)``. Training normalizes with the batch's statistics
    (the biased variance) and returns the unbiased variance; with ``exponential_avg_factor`` f
    below 1 the returned statistics are ``(1 - f) * given + f * batch``. Inference normalizes
    with ``mean`` and ``variance`` and returns them.
    """
    wb = _wb()
    if data_format not in ("NHWC", "NCHW", "NDHWC", "NCDHW"):
        raise ValueError(f"fused_batch_norm: data_format must be one of NHWC, NCHW, NDHWC, NCDHW, "
                         f"got {data_format!r}")
    x = wb.convert_to_tensor(x)
    rank = 5 if "D" in data_format else 4
    if x.shape.rank != rank:
        raise ValueError(f"fused_batch_norm: x must be {rank}-D for data_format {data_format!r}, "
                         f"got shape {x.shape}")
    channels_first = data_format[1] == "C"
    axes = [0] + list(range(2, rank)) if channels_first else list(range(rank - 1))
    compute = wb.float32 if x.dtype in (wb.float16, wb.bfloat16) else x.dtype
    xc = wb.cast(x, compute)

    def bcast(v):
        v = wb.cast(v, compute)
        return wb.reshape(v, [1, -1] + [1] * (rank - 2)) if channels_first else v

    if is_training:
        batch_mean, batch_var = wb.nn.moments(xc, axes)
        n = 1
        for a in axes:
            n *= x.shape[a]
        y = (xc - bcast(batch_mean)) * wb.math.rsqrt(bcast(batch_var) + epsilon) * bcast(scale) + bcast(offset)
        unbiased = batch_var * (n / max(n - 1, 1))
        if exponential_avg_factor != 1.0:
            f = exponential_avg_factor
            if mean is None or variance is None:
                raise ValueError("fused_batch_norm: exponential_avg_factor != 1 needs the running "
                                 "mean and variance")
            batch_mean = (1 - f) * wb.cast(mean, compute) + f * batch_mean
            unbiased = (1 - f) * wb.cast(variance, compute) + f * unbiased
        return wb.cast(y, x.dtype), batch_mean, unbiased
    if mean is None or variance is None:
        raise ValueError("fused_batch_norm: inference (is_training=False) needs mean and variance")
    y = (xc - bcast(mean)) * wb.math.rsqrt(bcast(variance) + epsilon) * bcast(scale) + bcast(offset)
    return wb.cast(y, x.dtype), wb.convert_to_tensor(mean), wb.convert_to_tensor(variance)


def _moments_v1(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """TF 1's ``nn.moments`` (``keep_dims``)."""
    if keep_dims is not None and keepdims is not None:
        raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'.")
    keep = keepdims if keepdims is not None else keep_dims
    return _wb().nn.moments(x, axes, shift=shift, keepdims=bool(keep))


def _clip_by_average_norm(t, clip_norm, name=None):
    """TF 1's ``clip_by_average_norm``: ``t * clip_norm / max(l2norm(t) / size(t), clip_norm)``."""
    wb = _wb()
    t = wb.convert_to_tensor(t)
    clip_norm = wb.cast(clip_norm, t.dtype)
    n = wb.cast(wb.size(t), t.dtype)
    inv = wb.math.rsqrt(wb.reduce_sum(t * t))
    return t * clip_norm * wb.minimum(inv * n, 1.0 / clip_norm)


# --- logging ---------------------------------------------------------------------------------

def _build_logging():
    log = _logging.getLogger("workbench")
    mod = types.ModuleType("workbench.compat.v1.logging",
                           "TF 1's ``tf.compat.v1.logging``: Python logging under the 'workbench' logger.")
    mod.DEBUG, mod.INFO, mod.WARN, mod.ERROR, mod.FATAL = (_logging.DEBUG, _logging.INFO, _logging.WARNING,
                                                            _logging.ERROR, _logging.FATAL)
    counts = {}

    def emit(level):
        def f(msg, *args, **kwargs):
            log.log(level, msg, *args, **kwargs)
        return f
    mod.debug, mod.info, mod.warn, mod.warning, mod.error = (emit(_logging.DEBUG), emit(_logging.INFO),
                                                             emit(_logging.WARNING), emit(_logging.WARNING),
                                                             emit(_logging.ERROR))
    mod.fatal = emit(_logging.FATAL)
    mod.log = lambda level, msg, *args, **kwargs: log.log(level, msg, *args, **kwargs)
    mod.vlog = lambda level, msg, *args, **kwargs: log.log(level, msg, *args, **kwargs)
    mod.log_if = lambda level, msg, condition, *args: log.log(level, msg, *args) if condition else None

    def log_every_n(level, msg, n, *args):
        """Logs ``msg`` on the 1st, (n+1)th, (2n+1)th... call from this place."""
        key = (sys._getframe(1).f_code, sys._getframe(1).f_lineno)
        count = counts.get(key, 0)
        counts[key] = count + 1
        if count % n == 0:
            log.log(level, msg, *args)

    def log_first_n(level, msg, n, *args):
        """Logs ``msg`` on the first ``n`` calls from this place."""
        key = (sys._getframe(1).f_code, sys._getframe(1).f_lineno)
        count = counts.get(key, 0)
        counts[key] = count + 1
        if count < n:
            log.log(level, msg, *args)

    mod.log_every_n, mod.log_first_n = log_every_n, log_first_n
    mod.set_verbosity = lambda v: log.setLevel(v)
    mod.get_verbosity = lambda: log.getEffectiveLevel()
    mod.flush = lambda: [h.flush() for h in log.handlers]
    return mod


# --- TF 1's losses --------------------------------------------------------------------------------

class Reduction:
    """TF 1's loss reductions (``tf.compat.v1.losses.Reduction``)."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_OVER_NONZERO_WEIGHTS,
                cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}. Key should be one of {cls.all()}.")


def _compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=None,
                           reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """TF 1's ``losses.compute_weighted_loss``: ``losses * weights`` reduced by ``reduction``
    (``SUM_BY_NONZERO_WEIGHTS``: the sum over the number of non-zero weights, broadcast to the
    losses' shape; 0 when there is none). Computed in float32, as TF 1 does, and returned in the
    losses' dtype."""
    Reduction.validate(reduction)
    wb = _wb()
    losses = wb.convert_to_tensor(losses)
    dtype = losses.dtype
    compute = wb.float32
    losses = wb.cast(losses, compute)
    weights = wb.cast(weights, compute)
    weighted = losses * weights
    if reduction == Reduction.NONE:
        out = weighted
    else:
        total = wb.reduce_sum(weighted)
        if reduction == Reduction.MEAN:
            out = wb.math.divide_no_nan(total, wb.reduce_sum(wb.ones_like(losses) * weights))
        elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
            out = wb.math.divide_no_nan(total, wb.cast(wb.size(losses), compute))
        elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
            present = wb.cast(wb.math.not_equal(wb.ones_like(losses) * weights, 0), compute)
            out = wb.math.divide_no_nan(total, wb.reduce_sum(present))
        else:
            out = total
    return wb.cast(out, dtype)


def _tf1_loss(name, params, body):
    names = [p if isinstance(p, str) else p[0] for p in params]
    defaults = {p[0]: p[1] for p in params if not isinstance(p, str)}

    def loss(*args, **kwargs):
        given = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names:
                raise TypeError(f"losses.{name}() got an unexpected keyword argument {key!r}")
            given[key] = value
        for key in names:
            given.setdefault(key, defaults.get(key))
        wb = _wb()
        first, second = names[0], names[1]
        if given[first] is None:
            raise ValueError(f"Argument `{first}` must not be None.")
        if given[second] is None:
            raise ValueError(f"Argument `{second}` must not be None.")
        per_element = body(wb, given)
        return _compute_weighted_loss(per_element, given["weights"], reduction=given["reduction"])

    loss.__name__ = name
    loss.__doc__ = f"TF 1's ``losses.{name}``: per-element losses weighted and reduced (default " \
                   f"``SUM_BY_NONZERO_WEIGHTS``)."
    return loss


_LOSS_TAIL = (("weights", 1.0), ("scope", None), ("loss_collection", None),
              ("reduction", Reduction.SUM_BY_NONZERO_WEIGHTS))


def _float_pair(wb, a, b):
    # TF 1's losses compute in float32 whatever the inputs' dtype
    return wb.cast(a, wb.float32), wb.cast(b, wb.float32)


def _absolute_difference(wb, g):
    labels, predictions = _float_pair(wb, g["labels"], g["predictions"])
    return wb.abs(predictions - labels)


def _mean_squared_error(wb, g):
    labels, predictions = _float_pair(wb, g["labels"], g["predictions"])
    return wb.math.squared_difference(predictions, labels)


def _huber(wb, g):
    labels, predictions = _float_pair(wb, g["labels"], g["predictions"])
    error = wb.abs(predictions - labels)
    quadratic = wb.minimum(error, g["delta"])
    return 0.5 * quadratic * quadratic + g["delta"] * (error - quadratic)


def _log_loss(wb, g):
    labels, predictions = _float_pair(wb, g["labels"], g["predictions"])
    eps = g["epsilon"]
    return -labels * wb.math.log(predictions + eps) - (1 - labels) * wb.math.log(1 - predictions + eps)


def _hinge(wb, g):
    labels, logits = _float_pair(wb, g["labels"], g["logits"])
    return wb.nn.relu(1 - (2 * labels - 1) * logits)


def _sigmoid_xent(wb, g):
    labels, logits = _float_pair(wb, g["multi_class_labels"], g["logits"])
    if g["label_smoothing"]:
        labels = labels * (1 - g["label_smoothing"]) + 0.5 * g["label_smoothing"]
    return wb.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)


def _softmax_xent(wb, g):
    labels, logits = _float_pair(wb, g["onehot_labels"], g["logits"])
    if g["label_smoothing"]:
        classes = wb.cast(wb.shape(labels)[-1], labels.dtype)
        labels = labels * (1 - g["label_smoothing"]) + g["label_smoothing"] / classes
    return wb.nn.softmax_cross_entropy_with_logits(wb.stop_gradient(labels), logits)


def _sparse_softmax_xent(wb, g):
    return wb.nn.sparse_softmax_cross_entropy_with_logits(labels=g["labels"], logits=g["logits"])


def _cosine_distance(wb, g):
    labels, predictions = _float_pair(wb, g["labels"], g["predictions"])
    axis = g["axis"] if g["axis"] is not None else g["dim"]
    if axis is None:
        raise ValueError("You must specify argument `axis`.")
    return 1 - wb.reduce_sum(labels * predictions, axis=axis, keepdims=True)


def _tf1_losses():
    out = {
        "Reduction": Reduction,
        "compute_weighted_loss": _compute_weighted_loss,
        "absolute_difference": _tf1_loss("absolute_difference", ("labels", "predictions") + _LOSS_TAIL,
                                         _absolute_difference),
        "mean_squared_error": _tf1_loss("mean_squared_error", ("labels", "predictions") + _LOSS_TAIL,
                                        _mean_squared_error),
        "huber_loss": _tf1_loss("huber_loss", ("labels", "predictions", ("weights", 1.0), ("delta", 1.0))
                                + _LOSS_TAIL[1:], _huber),
        "log_loss": _tf1_loss("log_loss", ("labels", "predictions", ("weights", 1.0), ("epsilon", 1e-7))
                              + _LOSS_TAIL[1:], _log_loss),
        "hinge_loss": _tf1_loss("hinge_loss", ("labels", "logits") + _LOSS_TAIL, _hinge),
        "sigmoid_cross_entropy": _tf1_loss("sigmoid_cross_entropy", ("multi_class_labels", "logits", ("weights", 1.0),
                                                                     ("label_smoothing", 0)) + _LOSS_TAIL[1:],
                                           _sigmoid_xent),
        "softmax_cross_entropy": _tf1_loss("softmax_cross_entropy", ("onehot_labels", "logits", ("weights", 1.0),
                                                                     ("label_smoothing", 0)) + _LOSS_TAIL[1:],
                                           _softmax_xent),
        "sparse_softmax_cross_entropy": _tf1_loss("sparse_softmax_cross_entropy", ("labels", "logits")
                                                  + _LOSS_TAIL, _sparse_softmax_xent),
        "cosine_distance": _tf1_loss("cosine_distance", ("labels", "predictions", ("axis", None))
                                     + _LOSS_TAIL + (("dim", None),), _cosine_distance),
    }
    for name in ("add_loss", "get_losses", "get_regularization_loss", "get_regularization_losses",
                 "get_total_loss"):
        out[name] = _refused("losses." + name, "keep the losses in Python and add them up")
    return out


# --- tf.data's TF 1 helpers ----------------------------------------------------------------------

def _make_one_shot_iterator(dataset):
    """TF 1's ``data.make_one_shot_iterator``: ``iter(dataset)`` (it has ``get_next()``)."""
    return iter(dataset)


def _make_initializable_iterator(dataset, shared_name=None):
    raise RuntimeError("`make_initializable_iterator()` is not supported in eager mode. Use Python-style "
                       "iteration instead.")


def _spec_of(dataset_or_iterator):
    spec = getattr(dataset_or_iterator, "element_spec", None)
    if spec is None:
        raise TypeError(f"expected a dataset or an iterator, got {type(dataset_or_iterator).__name__}")
    return spec


def _legacy(dataset_or_iterator, pick):
    wb = _wb()
    return wb.nest.map_structure(pick, _spec_of(dataset_or_iterator))


def _get_output_types(dataset_or_iterator):
    """TF 1's ``data.get_output_types``: the dtypes of the element's components."""
    return _legacy(dataset_or_iterator, lambda spec: spec.dtype)


def _get_output_shapes(dataset_or_iterator):
    """TF 1's ``data.get_output_shapes``: the shapes of the element's components."""
    return _legacy(dataset_or_iterator, lambda spec: spec.shape)


def _get_output_classes(dataset_or_iterator):
    """TF 1's ``data.get_output_classes``: ``wb.Tensor`` for tensors, ``wb.SparseTensor`` for
    sparse ones, the spec itself for other composites (as TF's legacy rule gives)."""
    wb = _wb()

    def pick(spec):
        if isinstance(spec, wb.TensorSpec):
            return wb.Tensor
        if isinstance(spec, wb.SparseTensorSpec):
            return wb.SparseTensor
        return spec
    return _legacy(dataset_or_iterator, pick)


# --- sessions: only for the process settings their config carries ----------------------------------

def _config_pb2():
    try:
        from tensorboard.compat.proto import config_pb2  # noqa: PLC0415  (optional: the tracking extra)
    except ImportError as e:
        raise ImportError("tf.compat.v1.ConfigProto / GPUOptions are protocol buffers; install tensorboard "
                          "(pip install 'research-workbench[tracking]') to build them") from e
    return config_pb2


def _ConfigProto(**kwargs):
    """TF 1's ``ConfigProto`` (the protocol buffer TF defines, from tensorboard's copy)."""
    return _config_pb2().ConfigProto(**kwargs)


def _GPUOptions(**kwargs):
    """TF 1's ``GPUOptions`` (the protocol buffer TF defines, from tensorboard's copy)."""
    return _config_pb2().GPUOptions(**kwargs)


class Session:
    """TF 1's ``Session`` / ``InteractiveSession`` as TF 2 scripts still make them: to carry a
    ``ConfigProto`` into the process. The settings that exist here are applied: ``gpu_options.
    allow_growth`` (``wb.config.experimental.set_memory_growth`` on every GPU),
    ``allow_soft_placement``, ``log_device_placement``. There is no graph to run: ``run`` raises
    (TF 2's session of an empty graph does too); ops run eagerly where they are written."""

    def __init__(self, target="", graph=None, config=None):
        wb = _wb()
        if config is not None:
            if config.gpu_options.allow_growth:
                for gpu in wb.config.list_physical_devices("GPU"):
                    wb.config.experimental.set_memory_growth(gpu, True)
            if config.allow_soft_placement:
                wb.config.set_soft_device_placement(True)
            if config.log_device_placement:
                wb.debugging.set_log_device_placement(True)
        self.config = config
        self._closed = False

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        raise RuntimeError("The Session graph is empty. The workbench has no TF 1 graph: ops run eagerly "
                           "where they are written (read a tensor's value with .numpy()); for a compiled "
                           "step use wb.function")

    def close(self):
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class InteractiveSession(Session):
    __doc__ = Session.__doc__


# --- the namespaces ------------------------------------------------------------------------------

def _module(name, doc, fallback, members, differs=(), instead=None):
    mod = _Namespace("workbench.compat.v1" + ("." + name if name else ""), doc, fallback, differs, instead)
    for key, value in members.items():
        setattr(mod, key, value)
    sys.modules[mod.__name__] = mod
    return mod


_GRAPH_ONLY = {
    "placeholder": "trace with wb.function(input_signature=[wb.TensorSpec(shape, dtype)]) instead",
    "placeholder_with_default": "pass the value to a wb.function instead",
    "get_variable": "create wb.Variable objects (tracked by wb.Module or Keras layers)",
    "variable_scope": "use wb.Module / Keras layers to own variables, wb.name_scope for names",
    "global_variables_initializer": "variables are initialized when created",
    "local_variables_initializer": "variables are initialized when created",
    "variables_initializer": "variables are initialized when created",
    "global_variables": "use module.variables or model.variables",
    "trainable_variables": "use module.trainable_variables or model.trainable_variables",
    "get_collection": "graph collections do not exist; keep the objects in Python",
    "add_to_collection": "graph collections do not exist; keep the objects in Python",
    "reset_default_graph": "there is no default graph to reset",
    "get_default_graph": "there is no default graph; use wb.function for graphs",
    "disable_eager_execution": "eager execution is the workbench's only mode",
    "disable_v2_behavior": "TF 2 behaviour is the workbench's only behaviour",
}


class SessionRunHook:
    """TF 1's ``train.SessionRunHook`` interface: every method does nothing until a subclass
    overrides it. (Only TF 1's monitored sessions call hooks; Keras callbacks are TF 2's way.)"""

    def begin(self):
        pass

    def after_create_session(self, session, coord):
        pass

    def before_run(self, run_context):
        return None

    def after_run(self, run_context, run_values):
        pass

    def end(self, session):
        pass


class SessionRunArgs(collections.namedtuple("SessionRunArgs", ["fetches", "feed_dict", "options"])):
    """TF 1's ``train.SessionRunArgs``: what a hook's ``before_run`` asks to add to a run."""

    def __new__(cls, fetches, feed_dict=None, options=None):
        return super().__new__(cls, fetches, feed_dict, options)


SessionRunValues = collections.namedtuple("SessionRunValues", ["results", "options", "run_metadata"])
SessionRunValues.__doc__ = "TF 1's ``train.SessionRunValues``: a run's results handed to ``after_run``."


def _tensor_equality(enabled):
    def toggle():
        from .ops.operators import use_tensor_equality  # compat_v1 is built while workbench imports
        use_tensor_equality(enabled)
    toggle.__name__ = "enable_tensor_equality" if enabled else "disable_tensor_equality"
    toggle.__doc__ = ("TF 1's ``{}``: {}.".format(
        toggle.__name__, "``==`` of tensors is elementwise and variables are unhashable (TF 2's rule)" if enabled
        else "``==`` of tensors and variables compares identity and variables hash by identity (TF 1's rule)"))
    return toggle


def build(existing):
    """The ``tf.compat.v1`` module, holding ``existing`` (names the caller already defines)."""
    top = {
        **_reductions(""),
        "argmax": _argmax("argmax"), "argmin": _argmax("argmin"),
        "arg_max": _argmax("argmax"), "arg_min": _argmax("argmin"),
        "count_nonzero": _count_nonzero,
        "expand_dims": _tf1("expand_dims", "expand_dims", ("input", ("axis", None), ("name", None),
                                                           ("dim", None)), (("dim", "axis"),)),
        "squeeze": _tf1("squeeze", "squeeze", ("input", ("axis", None), ("name", None),
                                               ("squeeze_dims", None)), (("squeeze_dims", "axis"),)),
        "norm": _tf1("norm", "norm", ("tensor", ("ord", "euclidean"), ("axis", None), ("keepdims", None),
                                      ("name", None), ("keep_dims", None)), (("keep_dims", "keepdims"),)),
        "convert_to_tensor": _tf1("convert_to_tensor", "convert_to_tensor",
                                  ("value", ("dtype", None), ("name", None), ("preferred_dtype", None),
                                   ("dtype_hint", None)), (("preferred_dtype", "dtype_hint"),)),
        "gather": _tf1("gather", "gather", ("params", "indices", ("validate_indices", None), ("name", None),
                                            ("axis", None), ("batch_dims", 0))),
        "gather_nd": _tf1("gather_nd", "gather_nd", ("params", "indices", ("name", None), ("batch_dims", 0))),
        "boolean_mask": _tf1("boolean_mask", "boolean_mask", ("tensor", "mask", ("name", "boolean_mask"),
                                                              ("axis", None))),
        "pad": _tf1("pad", "pad", ("tensor", "paddings", ("mode", "CONSTANT"), ("name", None),
                                   ("constant_values", 0))),
        "transpose": _tf1("transpose", "transpose", ("a", ("perm", None), ("name", "transpose"),
                                                     ("conjugate", False))),
        "shape": _tf1("shape", "shape", ("input", ("name", None), ("out_type", None)),
                      convert=_drop_none("out_type")),
        "size": _tf1("size", "size", ("input", ("name", None), ("out_type", None)),
                     convert=_drop_none("out_type")),
        "batch_to_space": _tf1("batch_to_space", "batch_to_space",
                               ("input", "crops", ("block_size", None), ("name", None), ("block_shape", None)),
                               (("block_size", "block_shape"),), convert=_square_block),
        "space_to_batch": _tf1("space_to_batch", "space_to_batch",
                               ("input", "paddings", ("block_size", None), ("name", None), ("block_shape", None)),
                               (("block_size", "block_shape"),), convert=_square_block),
        "reverse_sequence": _tf1("reverse_sequence", "reverse_sequence",
                                 ("input", "seq_lengths", ("seq_axis", None), ("batch_axis", None), ("name", None),
                                  ("seq_dim", None), ("batch_dim", None)),
                                 (("seq_dim", "seq_axis"), ("batch_dim", "batch_axis"))),
        "ones_like": _tf1("ones_like", "ones_like", ("tensor", ("dtype", None), ("name", None), ("optimize", True)),
                          (("tensor", "input"),), ignored=("optimize",)),
        "zeros_like": _tf1("zeros_like", "zeros_like", ("tensor", ("dtype", None), ("name", None),
                                                        ("optimize", True)),
                           (("tensor", "input"),), ignored=("optimize",)),
        "tuple": _tf1("tuple", "tuple", ("tensors", ("name", None), ("control_inputs", None))),
        "device": _tf1("device", "device", ("device_name_or_function",), (("device_name_or_function", "spec"),)),
        "name_scope": _name_scope_v1,
        "cond": _cond,
        "while_loop": _while_loop,
        "constant": _constant,
        "assert_equal": _assert_v1("assert_equal"), "assert_greater": _assert_v1("assert_greater"),
        "assert_less": _assert_v1("assert_less"), "assert_rank": _assert_rank_v1,
        "to_float": _cast_to("float32"), "to_double": _cast_to("float64"), "to_int32": _cast_to("int32"),
        "to_int64": _cast_to("int64"), "to_bfloat16": _cast_to("bfloat16"),
        "to_complex64": _cast_to("complex64"), "to_complex128": _cast_to("complex128"),
        "div": _div,
        "log": lambda x, name=None: _wb().math.log(x),
        "floor_div": lambda x, y, name=None: _wb().math.floordiv(x, y),
        "where_v2": lambda condition, x=None, y=None, name=None: _wb().where(condition, x, y),
        "set_random_seed": _set_random_seed,
        "random_normal": _tf1("random_normal", "random.normal",
                              ("shape", ("mean", 0.0), ("stddev", 1.0), ("dtype", "float32"), ("seed", None),
                               ("name", None))),
        "random_uniform": _random_uniform_v1,
        "truncated_normal": _tf1("truncated_normal", "random.truncated_normal",
                                 ("shape", ("mean", 0.0), ("stddev", 1.0), ("dtype", "float32"), ("seed", None),
                                  ("name", None))),
        "random_shuffle": _tf1("random_shuffle", "random.shuffle", ("value", ("seed", None), ("name", None))),
        "random_gamma": _tf1("random_gamma", "random.gamma", ("shape", "alpha", ("beta", None),
                                                              ("dtype", "float32"), ("seed", None),
                                                              ("name", None)),
                             convert=_drop_none("beta")),
        "random_poisson": _tf1("random_poisson", "random.poisson", ("lam", "shape", ("dtype", "float32"),
                                                                   ("seed", None), ("name", None))),
        "random_crop": _tf1("random_crop", "image.random_crop", ("value", "size", ("seed", None), ("name", None))),
        "multinomial": _multinomial,
        "clip_by_average_norm": _clip_by_average_norm,
        "ConfigProto": _ConfigProto, "GPUOptions": _GPUOptions,
        "enable_tensor_equality": _tensor_equality(True), "disable_tensor_equality": _tensor_equality(False),
        "Session": Session, "InteractiveSession": InteractiveSession,
        "assign": _assign("assign"), "assign_add": _assign("assign_add"), "assign_sub": _assign("assign_sub"),
        "random_normal_initializer": _initializer("random_normal_initializer",
                                                  _v2_initializer("random_normal_initializer", stddev=1.0)),
        "random_uniform_initializer": _initializer("random_uniform_initializer",
                                                   _v2_initializer("random_uniform_initializer", minval=0.0,
                                                                   maxval=None)),
        "truncated_normal_initializer": _initializer("truncated_normal_initializer",
                                                     _v2_initializer("truncated_normal_initializer", stddev=1.0)),
        "zeros_initializer": _initializer("zeros_initializer", _v2_initializer("zeros_initializer")),
        "ones_initializer": _initializer("ones_initializer", _v2_initializer("ones_initializer")),
        "constant_initializer": _initializer("constant_initializer", _v2_initializer("constant_initializer")),
        **{name: _refused(name, instead) for name, instead in _GRAPH_ONLY.items()},
        **existing,
    }
    top_differs = ("gradients", "hessians", "assert_greater_equal", "assert_less_equal", "assert_near",
                   "assert_none_equal", "assert_negative", "assert_non_negative", "assert_non_positive",
                   "assert_positive", "assert_rank_at_least", "assert_rank_in", "assert_scalar",
                   "glorot_normal_initializer", "glorot_uniform_initializer", "variance_scaling_initializer",
                   "orthogonal_initializer", "identity_initializer")
    v1 = _module("", "TF 1's names that TF 2 programs still call (``tf.compat.v1``).", "", top, top_differs)

    nn_differs = ("avg_pool2d", "conv3d_transpose", "ctc_beam_search_decoder", "ctc_loss", "dilation2d",
                  "embedding_lookup_sparse", "erosion2d", "fractional_avg_pool", "fractional_max_pool",
                  "max_pool_with_argmax", "nce_loss", "pool", "safe_embedding_lookup_sparse",
                  "sampled_softmax_loss", "space_to_batch", "sufficient_statistics", "weighted_moments",
                  "batch_norm_with_global_normalization")
    v1.nn = _module("nn", "TF 1's ``tf.compat.v1.nn``.", "nn", {
        "dropout": _dropout,
        "softmax_cross_entropy_with_logits": _softmax_xent_v1,
        "softmax_cross_entropy_with_logits_v2": _softmax_xent_v1_v2,
        "sparse_softmax_cross_entropy_with_logits": _sparse_xent_v1,
        "sigmoid_cross_entropy_with_logits": _sigmoid_xent_v1,
        "softmax": _tf1("nn.softmax", "nn.softmax", ("logits", ("axis", None), ("name", None), ("dim", None)),
                        (("dim", "axis"),)),
        "log_softmax": _tf1("nn.log_softmax", "nn.log_softmax",
                            ("logits", ("axis", None), ("name", None), ("dim", None)), (("dim", "axis"),)),
        "moments": _moments_v1,
        "fused_batch_norm": _fused_batch_norm,
        "xw_plus_b": _xw_plus_b,
        "relu_layer": _relu_layer,
        "in_top_k": _tf1("nn.in_top_k", "nn.in_top_k", ("predictions", "targets", "k", ("name", None))),
        "conv1d": _tf1("nn.conv1d", "nn.conv1d",
                       (("value", None), ("filters", None), ("stride", None), ("padding", None),
                        ("use_cudnn_on_gpu", None), ("data_format", None), ("name", None), ("input", None),
                        ("dilations", None)),
                       (("value", "input"),), ignored=("use_cudnn_on_gpu",),
                       convert=_drop_none("data_format")),
        "conv2d": _tf1("nn.conv2d", "nn.conv2d",
                       ("input", ("filter", None), ("strides", None), ("padding", None),
                        ("use_cudnn_on_gpu", True), ("data_format", "NHWC"), ("dilations", None), ("name", None),
                        ("filters", None)),
                       (("filter", "filters"),), ignored=("use_cudnn_on_gpu",)),
        "conv2d_transpose": _tf1("nn.conv2d_transpose", "nn.conv2d_transpose",
                                 (("value", None), ("filter", None), ("output_shape", None), ("strides", None),
                                  ("padding", "SAME"), ("data_format", "NHWC"), ("name", None), ("input", None),
                                  ("filters", None), ("dilations", None)),
                                 (("value", "input"), ("filter", "filters"))),
        "conv3d": _tf1("nn.conv3d", "nn.conv3d",
                       ("input", ("filter", None), ("strides", None), ("padding", None), ("data_format", "NDHWC"),
                        ("dilations", None), ("name", None), ("filters", None)),
                       (("filter", "filters"),)),
        "convolution": _tf1("nn.convolution", "nn.convolution",
                            ("input", ("filter", None), ("padding", None), ("strides", None),
                             ("dilation_rate", None), ("name", None), ("data_format", None), ("filters", None),
                             ("dilations", None)),
                            (("filter", "filters"), ("dilation_rate", "dilations")),
                            convert=_drop_none("padding")),
        "depthwise_conv2d": _tf1("nn.depthwise_conv2d", "nn.depthwise_conv2d",
                                 ("input", "filter", "strides", "padding", ("rate", None), ("name", None),
                                  ("data_format", None), ("dilations", None)),
                                 (("rate", "dilations"),)),
        "separable_conv2d": _tf1("nn.separable_conv2d", "nn.separable_conv2d",
                                 ("input", "depthwise_filter", "pointwise_filter", "strides", "padding",
                                  ("rate", None), ("name", None), ("data_format", None), ("dilations", None)),
                                 (("rate", "dilations"),)),
        "max_pool": _tf1("nn.max_pool", "nn.max_pool",
                         (("value", None), ("ksize", None), ("strides", None), ("padding", None),
                          ("data_format", "NHWC"), ("name", None), ("input", None)), (("value", "input"),)),
        "avg_pool": _tf1("nn.avg_pool", "nn.avg_pool",
                         (("value", None), ("ksize", None), ("strides", None), ("padding", None),
                          ("data_format", "NHWC"), ("name", None), ("input", None)), (("value", "input"),)),
        "embedding_lookup": _tf1("nn.embedding_lookup", "nn.embedding_lookup",
                                 ("params", "ids", ("partition_strategy", "mod"), ("name", None),
                                  ("validate_indices", True), ("max_norm", None)),
                                 ignored=("partition_strategy", "validate_indices")),
        "depth_to_space": _tf1("nn.depth_to_space", "nn.depth_to_space",
                               ("input", "block_size", ("name", None), ("data_format", "NHWC"))),
        "space_to_depth": _tf1("nn.space_to_depth", "nn.space_to_depth",
                               ("input", "block_size", ("name", None), ("data_format", "NHWC"))),
        "crelu": _tf1("nn.crelu", "nn.crelu", ("features", ("name", None), ("axis", -1))),
        "weighted_cross_entropy_with_logits": _tf1(
            "nn.weighted_cross_entropy_with_logits", "nn.weighted_cross_entropy_with_logits",
            (("labels", None), ("logits", None), ("pos_weight", None), ("name", None), ("targets", None)),
            (("targets", "labels"),)),
    }, nn_differs)

    math_members = {
        **_reductions("math."),
        "argmax": _argmax("argmax"), "argmin": _argmax("argmin"),
        "count_nonzero": _count_nonzero,
        "softmax": v1.nn.softmax, "log_softmax": v1.nn.log_softmax, "in_top_k": v1.nn.in_top_k,
        "bincount": _tf1("math.bincount", "math.bincount",
                         ("arr", ("weights", None), ("minlength", None), ("maxlength", None), ("dtype", "int32"))),
        "confusion_matrix": _tf1("math.confusion_matrix", "math.confusion_matrix",
                                 ("labels", "predictions", ("num_classes", None), ("dtype", "int32"),
                                  ("name", None), ("weights", None))),
    }
    v1.math = _module("math", "TF 1's ``tf.compat.v1.math``.", "math", math_members)

    v1.random = _module("random", "TF 1's ``tf.compat.v1.random``.", "random", {
        "set_random_seed": _set_random_seed,
        "get_seed": lambda op_seed: _wb().random.get_seed(op_seed),
        "multinomial": _multinomial,
        "stateless_multinomial": _stateless_multinomial,
        "poisson": top["random_poisson"],
    })
    v1.linalg = _module("linalg", "TF 1's ``tf.compat.v1.linalg``.", "linalg", {
        "norm": top["norm"],
        "transpose": lambda a, name="transpose", conjugate=False: _wb().linalg.matrix_transpose(
            a, conjugate=conjugate),
    })
    v1.debugging = _module("debugging", "TF 1's ``tf.compat.v1.debugging``.", "debugging", {
        "assert_equal": top["assert_equal"], "assert_greater": top["assert_greater"],
        "assert_less": top["assert_less"], "assert_rank": top["assert_rank"],
        "is_finite": lambda x, name=None: _wb().math.is_finite(x),
        "is_inf": lambda x, name=None: _wb().math.is_inf(x),
        "is_nan": lambda x, name=None: _wb().math.is_nan(x),
        "is_non_decreasing": lambda x, name=None: _wb().math.is_non_decreasing(x),
        "is_strictly_increasing": lambda x, name=None: _wb().math.is_strictly_increasing(x),
    }, ("assert_greater_equal", "assert_less_equal", "assert_near", "assert_none_equal", "assert_negative",
        "assert_non_negative", "assert_non_positive", "assert_positive", "assert_rank_at_least",
        "assert_rank_in", "assert_scalar", "assert_all_finite"))
    v1.sets = _module("sets", "TF 1's ``tf.compat.v1.sets``.", "sets", {
        "set_difference": lambda a, b, aminusb=True, validate_indices=True: _wb().sets.difference(
            a, b, aminusb=aminusb, validate_indices=validate_indices),
        "set_intersection": lambda a, b, validate_indices=True: _wb().sets.intersection(
            a, b, validate_indices=validate_indices),
        "set_union": lambda a, b, validate_indices=True: _wb().sets.union(a, b, validate_indices=validate_indices),
        "set_size": lambda a, validate_indices=True: _wb().sets.size(a, validate_indices=validate_indices),
    })
    v1.image = _module("image", "TF 1's ``tf.compat.v1.image``.", "image", {
        "resize_image_with_crop_or_pad": lambda image, target_height, target_width: _wb().image.resize_with_crop_or_pad(
            image, target_height, target_width),
        "transpose_image": lambda image: _wb().image.transpose(image),
        "extract_image_patches": _tf1("image.extract_image_patches", "image.extract_patches",
                                      ("images", ("ksizes", None), ("strides", None), ("rates", None),
                                       ("padding", None), ("name", None), ("sizes", None)),
                                      (("ksizes", "sizes"),)),
    }, ("crop_and_resize", "draw_bounding_boxes", "extract_glimpse", "resize", "sample_distorted_bounding_box",
        "resize_area", "resize_bicubic", "resize_bilinear", "resize_images", "resize_nearest_neighbor",
        "resize_image_with_pad"))
    v1.strings = _module("strings", "TF 1's ``tf.compat.v1.strings``.", "strings", {},
                         ("length", "reduce_join", "split", "substr", "to_hash_bucket", "to_number"))
    v1.sparse = _module("sparse", "TF 1's ``tf.compat.v1.sparse``.", "sparse", {
        "matmul": lambda *a, **k: _wb().sparse.sparse_dense_matmul(*a, **k),
    }, ("add", "concat", "reduce_max", "reduce_sum", "segment_mean", "segment_sqrt_n", "segment_sum", "split",
        "merge", "reduce_max_sparse", "reduce_sum_sparse", "placeholder"))
    v1.io = _module("io", "TF 1's ``tf.compat.v1.io``.", "io", {}, (
        "decode_csv", "decode_raw", "parse_example", "parse_single_example", "serialize_many_sparse",
        "serialize_sparse"))
    v1.losses = _module("losses", "TF 1's ``tf.compat.v1.losses``: weighted losses reduced by TF 1's rules.",
                        None, _tf1_losses(), instead="TF 1's loss collections need a graph; keep losses in Python")
    for name, instead in (("metrics", "TF 1's streaming metrics update graph variables; use wb.keras.metrics"),
                          ("layers", "TF 1's layers build graph variables; use wb.keras.layers"),
                          ("summary", "TF 1's summary ops need a graph and FileWriter; use wb.summary"),
                          ("initializers", "use wb.keras.initializers or the TF 1 *_initializer names here"),
                          ("estimator", "Estimators are not part of the workbench; use wb.keras Model.fit"),
                          ("distributions", "use the probability package (TFP's distributions)")):
        setattr(v1, name, _module(name, f"TF 1's ``tf.compat.v1.{name}`` (not provided).", None, {}, instead=instead))
    v1.data = _module("data", "TF 1's ``tf.compat.v1.data``.", "data", {
        "make_one_shot_iterator": _make_one_shot_iterator,
        "make_initializable_iterator": _make_initializable_iterator,
        "get_output_types": _get_output_types, "get_output_shapes": _get_output_shapes,
        "get_output_classes": _get_output_classes,
    })
    v1.train = _module("train", "TF 1's ``tf.compat.v1.train``: the names TF 2's ``tf.train`` shares.", "train", {
        "SessionRunHook": SessionRunHook, "SessionRunArgs": SessionRunArgs, "SessionRunValues": SessionRunValues,
    }, ("Checkpoint",), instead="TF 1's optimizers, savers and hooks need a graph and session; "
                                                "use wb.keras.optimizers, wb.train.Checkpoint and wb.function")
    v1.logging = _build_logging()
    sys.modules[v1.logging.__name__] = v1.logging
    return v1
