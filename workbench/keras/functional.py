"""Keras' functional API: ``Input``, ``Model`` and ``Sequential``.

``wb.keras.Input(shape)`` is a symbolic placeholder. Calling layers on symbolic
tensors records the calls as a graph (each layer is built and run once on
small stand-in inputs to learn its output shape); ``Model(inputs, outputs)``
replays the graph eagerly on real tensors.

>>> x = wb.keras.Input(shape=(4,))
>>> h = wb.keras.layers.Dense(8, activation="relu")(x)
>>> y = wb.keras.layers.Add()([h, wb.keras.layers.Dense(8)(x)])     # a residual merge
>>> model = wb.keras.Model(x, y)
>>> model(wb.ones([2, 4])).shape
TensorShape([2, 8])

``wb.keras.ops`` functions, ``wb.keras.activations`` and Python operators (``x * 2``, ``x > 0``,
``x[:, :2]``, ``a @ b``) on symbolic tensors record ``SymbolicOp`` nodes, as Keras 3's ops do on a
KerasTensor; their output shapes and dtypes come from running them on stand-in values:

>>> y = wb.keras.ops.mean(wb.keras.ops.square(x), axis=1, keepdims=True)
>>> y.shape
(None, 1)

Subclassing works as in Keras: define ``call`` on a ``wb.keras.Model`` subclass.

``model.get_config()`` records the layer graph (each layer's config and the
tensors each call reads, Keras' ``inbound_nodes``) as plain JSON;
``Model.from_config(config)`` rebuilds the same architecture with new weights. In ``.keras``
files op nodes are written as Keras 3.15 writes them (``keras.src.ops.numpy``'s ``Mean``...).
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from .. import nest
from . import dtype_policies
from ..dtypes import as_dtype, string
from .layers.base import (Layer, _require_own_get_config, _shapes, _stand_in_calls,
                          _training_stack, is_ragged, is_symbolic, shape_of, symbolic_call_error,
                          unique_layer_name)
from ..ops.create import ones, zeros
from ..core import Tensor, convert_to_tensor
from ..ops.elementwise import cast
from ..sparse.sparse_tensor import SparseTensor
import ragged
from .serialization import custom_object_scope
from .ops import _symbolic as _ops_symbolic
from .summary_table import print_summary
from .trainer import TRAINER_ATTRIBUTES, Trainer

__all__ = ["Input", "InputLayer", "Model", "Sequential", "SymbolicTensor"]


class SymbolicTensor:
    """A placeholder in a functional graph: a shape (None for unknown sizes), a dtype and
    the layer call that produces it."""

    _wb_symbolic = True
    __hash__ = object.__hash__
    # {stand-in size: shape} of the mask this tensor carries at run time (None: no mask), so that
    # a layer whose call takes ``mask`` is given one while its output shape is worked out
    mask_shapes = None

    def __init__(self, shape, dtype, node=None, index=0, name=None, ragged=False, sparse=False):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.node = node
        self.index = index
        self.name = name
        self.ragged = bool(ragged)
        self.sparse = bool(sparse)

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        dims = ", ".join("None" if d is None else str(d) for d in self.shape) + ("," if len(self.shape) == 1 else "")
        kind = "RaggedSymbolicTensor" if self.ragged else "SparseSymbolicTensor" if self.sparse else "SymbolicTensor"
        src = f" (created by layer '{self.node.layer.name}')" if self.node is not None else ""
        return f"<{kind} shape=({dims}) dtype={_dtype_name(self.dtype)}{src}>"

    def __bool__(self):
        raise TypeError("a symbolic tensor has no value: it only describes a layer's output. "
                        "Use it as an input of other layers, then build a wb.keras.Model")

    def __wb_tensor__(self):
        # the conversion hook of the library's ops (wb.shape, wb.matmul, ...): as Keras 3's
        # KerasTensor refuses TF's ops, with its ValueError and advice
        raise ValueError(
            "A SymbolicTensor cannot be used as input to a workbench function (wb.shape, wb.matmul, "
            "...). A SymbolicTensor is a symbolic placeholder for a shape and dtype, used when "
            "constructing Keras Functional models. You can only use it as input to a Keras layer "
            "(from wb.keras.layers). You are likely doing something like:\n\n"
            "```\nx = Input(...)\n...\nwb_fn(x)  # Invalid.\n```\n\n"
            "What you should do instead is wrap `wb_fn` in a layer:\n\n"
            "```\nclass MyLayer(Layer):\n    def call(self, x):\n        return wb_fn(x)\n\n"
            "x = MyLayer()(x)\n```\n")


# Python operators on symbolic tensors (Keras 3's KerasTensor has them): each records one
# ``SymbolicOp`` layer call, so ``x = inputs / 255.0`` builds a node of the functional graph
_BINARY = {"add": "add", "subtract": "sub", "multiply": "mul", "divide": "truediv",
           "floor_divide": "floordiv", "power": "pow", "mod": "mod"}
_UNARY = {"negative": "neg", "absolute": "abs"}


def _operator_name(op):
    """Keras 3's name of an operator's node: ``multiply``, ``true_divide``, ``get_item``..."""
    return unique_layer_name({"divide": "true_divide", "getitem": "get_item"}.get(op, op))


def _operator(op, reverse=False):
    def method(self, other):
        if is_symbolic(other):
            return SymbolicOp(op, name=_operator_name(op))([other, self] if reverse else [self, other])
        if not isinstance(other, (int, float, bool, np.number, np.ndarray, list, tuple, Tensor)):
            return NotImplemented
        constant = other.numpy().tolist() if isinstance(other, Tensor) else np.asarray(other).tolist()
        return SymbolicOp(op, constant=constant, constant_first=reverse, name=_operator_name(op))(self)
    method.__name__ = f"__{'r' if reverse else ''}{_BINARY[op]}__"
    return method


def _unary(op):
    def method(self):
        return SymbolicOp(op, name=_operator_name(op))(self)
    method.__name__ = f"__{_UNARY[op]}__"
    return method


class SymbolicOp(Layer):
    """One operation applied in a functional graph: a Python operator (``inputs * 2``, ``1 - x``,
    ``a + b``, ``-x``, ``abs(x)``, ``x[:, :2]``, what ``SymbolicTensor``'s operators record) or a
    ``wb.keras.ops`` function called on symbolic tensors (``ops.mean(x, axis=1)``).

    Operators: ``constant`` is the other operand (a number or nested list) when only one is
    symbolic; ``constant_first`` puts it on the left (``1 - x``); ``key`` is a ``[...]`` index.
    Ops: ``op`` is the ``keras.ops`` name and ``arguments`` its non-tensor arguments
    (``{"axis": 1}``); the tensors come as the call's arguments, as Keras 3 records them.
    """

    _OPS = {"add": lambda a, b: a + b, "subtract": lambda a, b: a - b, "multiply": lambda a, b: a * b,
            "divide": lambda a, b: a / b, "floor_divide": lambda a, b: a // b, "power": lambda a, b: a ** b,
            "mod": lambda a, b: a % b, "negative": lambda a: -a, "absolute": abs,
            "getitem": None}

    def __init__(self, op, constant=None, constant_first=False, key=None, arguments=None, **kwargs):
        if arguments is None and op not in self._OPS:
            raise ValueError(f"SymbolicOp: op must be one of {sorted(self._OPS)} (or a wb.keras.ops name with "
                             f"arguments), got {op!r}")
        self._fn = None
        if arguments is not None:
            if not isinstance(arguments, dict):
                raise TypeError(f"SymbolicOp: arguments must be a dict, got {type(arguments).__name__}")
            self._fn = _operation_function(op)
            _check_arguments(op, self._fn, arguments)
        kwargs.setdefault("name", None)
        super().__init__(**kwargs)
        self.op, self.constant, self.constant_first, self.key = op, constant, bool(constant_first), key
        self.arguments = None if arguments is None else dict(arguments)
        if arguments is not None:
            self._autocast = False   # an op computes in its inputs' dtypes (no layer autocast)
            self.built = True

    def call(self, *inputs, **kwargs):
        if self._fn is not None:
            kwargs.pop("training", None)
            kwargs.pop("mask", None)
            return _call_operation(self._fn, inputs, kwargs, self.arguments)
        inputs = inputs[0]
        if self.op == "getitem":
            return inputs[_decode_key(self.key)]
        fn = self._OPS[self.op]
        if self.op in _UNARY:
            return fn(inputs)
        if self.constant is None:
            a, b = (convert_to_tensor(v) for v in inputs)
        else:
            a = convert_to_tensor(inputs)
            b = convert_to_tensor(self.constant)
            if b.dtype.kind == a.dtype.kind or (b.dtype.kind in "iub" and a.dtype.kind == "f"):
                b = cast(b, a.dtype)          # a Python number takes the tensor's dtype
        a, b = _promoted(a, b, self.op == "divide")
        return fn(b, a) if self.constant_first else fn(a, b)

    @property
    def _summary_class_name(self):
        """The class Keras 3 shows for this node in a summary (``Square``, ``Multiply``)."""
        entry = operation_to_keras({"config": {"name": self.name, "op": self.op, "arguments": self.arguments,
                                               "key": self.key}})
        return entry["class_name"] if entry is not None else type(self).__name__

    def get_config(self):
        if self.arguments is not None:   # Keras 3's op config: the name and the arguments
            _check_json(self.op, self.arguments)
            return {"name": self.name, "op": self.op, "arguments": dict(self.arguments)}
        return {**super().get_config(), "op": self.op, "constant": self.constant,
                "constant_first": self.constant_first, "key": self.key}


# -- wb.keras.ops on symbolic tensors ---------------------------------------------------------

# the parameter names of Keras 3's ops that take tensors (its Operation.call arguments); an op's
# other arguments are its configuration (Operation.__init__), as Keras 3 saves them
_TENSOR_PARAMS = frozenset((
    "x", "x1", "x2", "inputs", "y", "xs", "indices", "a", "b", "q", "data", "segment_ids", "target", "output",
    "kernel", "key", "operands", "fill_value", "updates", "start_indices", "elems", "query", "value", "bias",
    "mask", "scale", "init_val", "targets", "predictions", "constant_values", "array", "init", "values",
    "condlist", "choicelist", "default", "depthwise_kernel", "pointwise_kernel", "variable", "index",
    "elements", "condition", "loop_vars", "pred", "start", "stop", "step", "mean", "variance", "offset",
    "target_length", "output_length", "sequence_lengths", "real", "imag", "abs_", "angle",
    "features", "logits"))   # tf.nn's names (wb.keras.activations.relu is wb.nn.relu)


def _operation_function(op):
    """The ``wb.keras.ops`` (or ``wb.keras.activations``) function named ``op``, unwrapped."""
    from . import activations, ops  # the ops and activations sit above functional's imports
    fn = getattr(ops, op, None) if isinstance(op, str) and not op.startswith("_") else None
    if fn is None and isinstance(op, str) and op.startswith("activations."):
        fn = getattr(activations, op.split(".", 1)[1], None)
    if op == "backend.relu":   # Keras 3's activations.relu with a slope, a cap or a threshold
        from . import backend  # the legacy backend sits above functional's imports
        fn = backend.relu
    if not callable(fn) or isinstance(fn, type):
        raise ValueError(f"SymbolicOp: op {op!r} is not a wb.keras.ops function")
    return getattr(fn, "_wb_eager", fn)


_PLANS: dict = {}


def _plan(fn):
    """``(signature, tensor parameter names in order, var-positional name or None)`` of ``fn``."""
    plan = _PLANS.get(fn)
    if plan is None:
        sig = inspect.signature(fn)
        tensors = [p.name for p in sig.parameters.values()
                   if p.name in _TENSOR_PARAMS and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        var = next((p.name for p in sig.parameters.values() if p.kind == p.VAR_POSITIONAL), None)
        plan = _PLANS[fn] = (sig, tensors, var)
    return plan


def _check_arguments(op, fn, arguments):
    sig, _, _ = _plan(fn)
    params = sig.parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return
    unknown = sorted(set(arguments) - set(params))
    if unknown:
        raise ValueError(f"SymbolicOp: op {op!r} takes no argument(s) {unknown}; it takes {list(params)}")


def _call_operation(fn, args, kwargs, arguments):
    sig, tensors, var = _plan(fn)
    if var is not None:   # einsum(subscripts, *operands): the parameters before *operands first
        named = {**arguments, **kwargs}
        lead = []
        for p in sig.parameters.values():
            if p.kind == p.VAR_POSITIONAL:
                break
            lead.append(named.pop(p.name) if p.name in named else p.default)
        return fn(*lead, *args, **named)
    if len(args) > len(tensors):
        raise TypeError(f"{fn.__name__}: takes {len(tensors)} tensor argument(s) ({tensors}), got {len(args)}")
    return fn(**dict(zip(tensors, args)), **kwargs, **arguments)


def _tensor_like(value):
    if is_symbolic(value) or isinstance(value, (Tensor, np.ndarray)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_tensor_like(v) for v in value)
    return False


def _plain_argument(value):
    """A configuration argument as JSON can hold it (dtypes by name, NumPy scalars as numbers)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.dtype, type)) or type(value).__name__ == "DType":
        try:
            return np.dtype(getattr(value, "name", value)).name
        except TypeError:
            return value
    if isinstance(value, tuple):
        return [_plain_argument(v) for v in value]
    if isinstance(value, list):
        return [_plain_argument(v) for v in value]
    return value


def _check_json(op, arguments):
    def ok(v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return True
        if isinstance(v, (list, tuple)):
            return all(ok(x) for x in v)
        if isinstance(v, dict):
            return all(isinstance(k, str) and ok(x) for k, x in v.items())
        return False
    for key, value in arguments.items():
        if not ok(value):
            raise ValueError(f"SymbolicOp '{op}': argument {key}={value!r} cannot be saved in a config (only "
                             "numbers, strings, None and lists of them); wrap the call in a layer instead")


# Keras 3's Operation classes are the ops' names in CamelCase, in the keras.src.ops module of
# the same name, but for these
_KERAS_CLASS = {"allclose": "AllClose", "cdist": "CDist", "ctc_decode": "CTCDecode", "ctc_loss": "CTCLoss",
                "fft": "FFT", "fft2": "FFT2", "ifft2": "IFFT2", "irfft": "IRFFT", "isin": "IsIn", "istft": "ISTFT",
                "psnr": "PSNR", "rfft": "RFFT", "searchsorted": "SearchSorted", "stft": "STFT", "svd": "SVD"}
_KERAS_MODULE = {"convert_to_tensor": "core", "cdist": "math", "polar": "nn", "view_as_complex": "math",
                 "view_as_real": "math", "slogdet": "numpy"}
_OPERATION_MODULES = ("keras.src.ops.", "keras.src.activations.activations")
# wb.keras.activations recorded as the keras.ops op Keras 3 writes for them: (op, {our argument:
# the op's}, the op's arguments where its defaults differ)
_ACTIVATION_OPS = {f"activations.{name}": (name, {}, {}) for name in (
    "relu", "relu6", "elu", "selu", "sigmoid", "tanh", "softplus", "softsign", "silu", "hard_silu")}
_ACTIVATION_OPS.update({
    "activations.swish": ("silu", {}, {}), "activations.hard_swish": ("hard_silu", {}, {}),
    "activations.exponential": ("exp", {}, {}), "activations.softmax": ("softmax", {"axis": "axis"}, {}),
    "activations.log_softmax": ("log_softmax", {"axis": "axis"}, {}),
    "activations.gelu": ("gelu", {"approximate": "approximate"}, {"approximate": False}),
    "activations.leaky_relu": ("leaky_relu", {"alpha": "negative_slope"}, {"negative_slope": 0.2})})


def is_keras_operation(node) -> bool:
    """Whether a Keras 3 ``config.json`` object is an op node (a ``keras.ops`` call on a KerasTensor)."""
    module = node.get("module") if isinstance(node, dict) else None
    return isinstance(module, str) and module.startswith(_OPERATION_MODULES)


def operation_from_keras(node):
    """A Keras 3 op node (``{"module": "keras.src.ops.numpy", "class_name": "Mean", "config":
    {"name", "axis", ...}, ...}``) as this library's ``SymbolicOp`` entry."""
    from . import activations, ops  # the ops and activations sit above functional's imports
    name = node["class_name"]
    config = dict(node.get("config") or {})
    layer_name = config.pop("name", None)
    if name == "GetItem" and node["module"] == "keras.src.ops.numpy":   # x[...]: an operator node here
        calls = node.get("inbound_nodes") or []
        keys = [c["args"][1] for c in calls if len(c.get("args", [])) == 2]
        if len(keys) != len(calls) or any(k != keys[0] for k in keys):
            raise ValueError(f"load_model: GetItem node {layer_name!r}: expected (tensor, index) calls with one index")
        out = {"class_name": "SymbolicOp", "config": {
            "name": layer_name, "op": "getitem", "key": _key_from_keras(keys[0], layer_name) if keys else None}}
        if "name" in node:
            out["name"] = node["name"]
        out["inbound_nodes"] = [{"args": c["args"][:1], "kwargs": c.get("kwargs", {})} for c in calls]
        return out
    key = name.replace("_", "").lower()
    table = {n.replace("_", "").lower(): n for n in ops.__all__}
    op = table.get(key)
    if node["module"].startswith("keras.src.activations"):
        if key == "relu" and config.get("max_value") is None and not config.get("negative_slope") \
                and not config.get("threshold"):
            op, config = "activations.relu", {}   # Keras 3's ReLU with its default arguments
        elif key == "relu":   # tf.keras' backend relu has the same arguments (alpha: the slope)
            op = "backend.relu"
            config = {"alpha": config.get("negative_slope", 0.0), "max_value": config.get("max_value"),
                      "threshold": config.get("threshold", 0.0)}
        elif key in {n.replace("_", "").lower() for n in activations.__all__} and key != "relu":
            op = "activations." + next(n for n in activations.__all__ if n.replace("_", "").lower() == key)
        else:
            op = None
    if op is None:
        raise ValueError(f"load_model: the op {name!r} of {node['module']} (node {layer_name!r}) is not supported "
                         "here")
    out = {"class_name": "SymbolicOp", "config": {"name": layer_name, "op": op, "arguments": config}}
    for k in ("name", "inbound_nodes"):
        if k in node:
            out[k] = node[k]
    return out


def operation_to_keras(node):
    """This library's ``SymbolicOp`` entry of a ``keras.ops`` call in Keras 3's form (the
    Operation class, its module and its configuration); None for an operator's entry."""
    config = node.get("config")
    if not isinstance(config, dict) or config.get("op") is None:
        return None
    if config.get("arguments") is None:
        return _operator_to_keras(node)
    op, arguments = config["op"], config["arguments"]
    spec = _ACTIVATION_OPS.get(op)
    if spec is not None and set(arguments) <= set(spec[1]):
        # as the keras.ops op the activation computes (Keras 3's activations call them)
        op, arguments = spec[0], {**spec[2], **{spec[1][k]: v for k, v in arguments.items()}}
    if op == "backend.relu":
        op, arguments = "activations.re_lu", {"negative_slope": arguments.get("alpha", 0.0),
                                              "max_value": arguments.get("max_value"),
                                              "threshold": arguments.get("threshold", 0.0)}
    if op == "activations.re_lu":
        module, class_name = "keras.src.activations.activations", "ReLU"
    elif op.startswith("activations."):
        module, class_name = "keras.src.activations.activations", op.split(".", 1)[1]
        class_name = "".join(p.capitalize() for p in class_name.split("_"))
    else:
        fn = _operation_function(op)
        sub = _KERAS_MODULE.get(op, fn.__module__.rsplit(".", 1)[-1])
        module = f"keras.src.ops.{sub}"
        class_name = _KERAS_CLASS.get(op) or "".join(p.capitalize() for p in op.split("_"))
    out = {"module": module, "class_name": class_name,
           "config": {"name": config.get("name"), **arguments}, "registered_name": class_name}
    for k in ("name", "inbound_nodes"):
        if k in node:
            out[k] = node[k]
    return out


_OPERATOR_CLASS = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply", "divide": "TrueDivide",
                   "floor_divide": "FloorDivide", "power": "Power", "mod": "Mod", "negative": "Negative",
                   "absolute": "Absolute", "getitem": "GetItem"}


def _keras_key(parts):
    out = []
    for k in parts:
        if isinstance(k, dict) and "slice" in k:
            start, stop, step = k["slice"]
            out.append({"class_name": "__slice__", "config": {"start": start, "stop": stop, "step": step}})
        elif isinstance(k, dict) and "ellipsis" in k:
            out.append({"class_name": "__ellipsis__", "config": {}})
        elif isinstance(k, dict):
            out.append(None)
        else:
            out.append(k)
    return out[0] if len(out) == 1 else out


def _key_from_keras(key, where):
    parts = key if isinstance(key, list) else [key]
    out = []
    for k in parts:
        name = k.get("class_name") if isinstance(k, dict) else None
        if name == "__slice__":
            c = k["config"]
            out.append({"slice": [c.get("start"), c.get("stop"), c.get("step")]})
        elif name == "__ellipsis__":
            out.append({"ellipsis": True})
        elif k is None:
            out.append({"newaxis": True})
        elif isinstance(k, int) and not isinstance(k, bool):
            out.append(k)
        else:
            raise ValueError(f"load_model: {where}: the index {k!r} is not supported (ints, slices, ... and None)")
    return out


def _operator_to_keras(node):
    """A Python operator's entry (``x * 2``, ``x[:, :2]``) as Keras 3.15 writes its op: the
    operands (or the index) are the call's arguments."""
    config = node["config"]
    op = config["op"]
    out = {"module": "keras.src.ops.numpy", "class_name": _OPERATOR_CLASS[op], "config": {"name": config.get("name")},
           "registered_name": _OPERATOR_CLASS[op]}
    if "name" in node:
        out["name"] = node["name"]
    calls = []
    for call in node.get("inbound_nodes", []):
        args = list(call.get("args", []))
        if op == "getitem":
            args = [args[0], _keras_key(config["key"])]
        elif op in _BINARY and config.get("constant") is None:
            args = list(args[0])
        elif op in _BINARY:
            args = [config["constant"], args[0]] if config.get("constant_first") else [args[0], config["constant"]]
        calls.append({"args": args, "kwargs": call.get("kwargs", {})})
    if "inbound_nodes" in node:
        out["inbound_nodes"] = calls
    return out


def _describe(name, args, kwargs):
    """What Keras 3 returns for ``shape``, ``ndim``, ``dtype``, ``is_tensor`` and ``size`` of a
    symbolic tensor (no node); ``_NOTHING`` for the other ops."""
    x = args[0] if args else next(iter(kwargs.values()), None)
    if not is_symbolic(x):
        return _NOTHING
    if name == "shape":
        return tuple(x.shape)
    if name == "ndim":
        return len(x.shape)
    if name == "dtype":
        return _dtype_name(x.dtype)
    if name == "is_tensor":
        return False
    if name == "size":
        return None if None in x.shape else int(np.prod(x.shape, dtype=np.int64))
    if name == "convert_to_numpy":
        raise ValueError("convert_to_numpy: a symbolic tensor has no value; build a wb.keras.Model and call it")
    return _NOTHING


_NOTHING = object()
_DESCRIBED = frozenset({"shape", "ndim", "dtype", "is_tensor", "size", "convert_to_numpy"})


def record_operation(fn, op, args, kwargs):
    """``fn(*args, **kwargs)`` (the ``keras.ops`` function ``op``) with symbolic tensors among its
    arguments, recorded as a ``SymbolicOp`` node: its output spec (shape with None for unknown
    sizes, dtype) is worked out by running the op on stand-in inputs, as Keras 3's
    ``compute_output_spec`` does."""
    if op in _DESCRIBED:
        out = _describe(op, args, kwargs)
        if out is not _NOTHING:
            return out
    sig, tensors, var = _plan(fn)
    try:
        bound = sig.bind(*args, **kwargs).arguments
    except TypeError as exc:
        raise TypeError(f"{op}: {exc}") from None
    call_args, call_kwargs, config = [], {}, {}
    if var is not None:
        call_args = list(bound.pop(var, ()))
        for name, value in bound.items():
            if _tensor_like(value):
                call_kwargs[name] = value
            else:
                config[name] = _plain_argument(value)
    else:
        given = [i for i, name in enumerate(tensors) if name in bound]
        last = given[-1] if given else -1
        for name in tensors[:last + 1]:
            call_args.append(bound[name] if name in bound else sig.parameters[name].default)
        for name, value in bound.items():
            if name in tensors:
                continue
            extra = value if sig.parameters[name].kind == inspect.Parameter.VAR_KEYWORD else {name: value}
            for key, v in extra.items():
                if _tensor_like(v):
                    call_kwargs[key] = v
                else:
                    config[key] = _plain_argument(v)
    layer = SymbolicOp(op, arguments={}, name=unique_layer_name(op.rsplit(".", 1)[-1]))
    layer.arguments = config     # already checked against the signature by bind
    return layer(*call_args, **call_kwargs)


def _promoted(a, b, true_divide):
    """Keras 3's operand dtypes: an integer meeting a float takes the float's dtype (float32 for a
    Python float); true division of integers is float32."""
    if a.dtype != b.dtype:
        kinds = (a.dtype.kind, b.dtype.kind)
        if "f" in kinds:
            target = a.dtype if a.dtype.kind == "f" and (b.dtype.kind != "f" or a.dtype.itemsize >= b.dtype.itemsize) \
                else b.dtype
            if target.kind == "f" and a.dtype.kind != "f" and b.dtype.kind == "f" and b.dtype.itemsize > 4:
                target = np.dtype("float32")    # a Python float meeting an integer tensor: floatx
            a, b = cast(a, target), cast(b, target)
    if true_divide and a.dtype.kind in "iub":
        a, b = cast(a, "float32"), cast(b, "float32")
    return a, b


def _encode_key(key):
    parts = key if isinstance(key, tuple) else (key,)
    out = []
    for k in parts:
        if isinstance(k, slice):
            out.append({"slice": [k.start, k.stop, k.step]})
        elif k is Ellipsis:
            out.append({"ellipsis": True})
        elif k is None:
            out.append({"newaxis": True})
        elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            out.append(int(k))
        else:
            raise TypeError(f"indexing a symbolic tensor takes ints, slices, ... and None, got {k!r}")
    return out


def _decode_key(parts):
    out = []
    for k in parts:
        if isinstance(k, dict):
            out.append(slice(*k["slice"]) if "slice" in k else Ellipsis if "ellipsis" in k else None)
        else:
            out.append(k)
    return tuple(out)


def _getitem(self, key):
    return SymbolicOp("getitem", key=_encode_key(key), name=_operator_name("getitem"))(self)


for _op in _BINARY:
    setattr(SymbolicTensor, f"__{_BINARY[_op]}__", _operator(_op))
    setattr(SymbolicTensor, f"__r{_BINARY[_op]}__", _operator(_op, reverse=True))
for _op in _UNARY:
    setattr(SymbolicTensor, f"__{_UNARY[_op]}__", _unary(_op))
SymbolicTensor.__getitem__ = _getitem


def _via_op(op, reverse=False, unary=False):
    """A Python operator of ``SymbolicTensor`` that records the ``keras.ops`` function ``op``
    (comparisons, ``& | ^ ~``, ``@``, ``round``), as Keras 3's KerasTensor does."""
    def method(self, *other):
        from . import ops  # the ops sit above functional's imports
        fn = getattr(ops, op)
        if unary:
            return fn(self)
        if op == "round":
            return fn(self, decimals=other[0] or 0 if other else 0)
        return fn(other[0], self) if reverse else fn(self, other[0])
    return method


for _name, _op in (("lt", "less"), ("le", "less_equal"), ("gt", "greater"), ("ge", "greater_equal"),
                   ("ne", "not_equal"), ("and", "logical_and"), ("or", "logical_or"), ("xor", "logical_xor"),
                   ("matmul", "matmul")):
    setattr(SymbolicTensor, f"__{_name}__", _via_op(_op))
    if _name in ("and", "or", "xor", "matmul"):
        setattr(SymbolicTensor, f"__r{_name}__", _via_op(_op, reverse=True))
SymbolicTensor.__invert__ = _via_op("logical_not", unary=True)
SymbolicTensor.__round__ = _via_op("round")


class Node:
    """One recorded layer call: the arguments (with symbolic leaves) and the outputs."""

    __slots__ = ("layer", "args", "kwargs", "outputs", "inputs", "_mask_args", "single")

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs
        leaves = nest.flatten(list(args)) + nest.flatten(dict(kwargs))
        self.inputs = [x for x in leaves if is_symbolic(x)]
        self._mask_args = None
        # the symbolic argument of a call on it alone (no other arguments), the common call,
        # which Model.call makes without walking argument structures (None for other calls)
        self.single = args[0] if len(args) == 1 and not kwargs and is_symbolic(args[0]) else None

    @property
    def mask_args(self):
        """``(parameter, argument)`` pairs, found once: each ``x_mask`` parameter of the layer's
        call and the symbolic argument ``x`` whose mask it receives (see ``_named_masks``)."""
        if self._mask_args is None:
            try:
                signature = inspect.signature(self.layer.call)
                bound = signature.bind_partial(*self.args, **self.kwargs).arguments
            except TypeError:
                self._mask_args = ()
            else:
                self._mask_args = tuple((f"{arg}_mask", value) for arg, value in bound.items()
                                        if f"{arg}_mask" in signature.parameters and is_symbolic(value))
        return self._mask_args


class InputLayer(Layer):
    """The layer behind ``wb.keras.Input`` (Keras 3's arguments): it has no weights and is not
    listed in ``Model.layers``. As the first layer of a ``Sequential`` it fixes the input shape.

    ``shape`` excludes the batch axis (``batch_size`` gives it); ``batch_shape`` includes it.
    ``dtype``: any dtype ``wb.as_dtype`` reads, Keras' ``"string"`` (``wb.string``) included.
    ``ragged=True`` describes a RaggedTensor batch, ``sparse=True`` a SparseTensor one (a model
    casts a SparseTensor's values to the input's dtype, as Keras does). ``input_tensor`` and
    ``optional`` are Keras' and only their defaults are supported.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=False, **kwargs):
        # Keras 3 still reads Keras 2's spellings (with a deprecation warning)
        if "input_shape" in kwargs:
            warnings.warn("InputLayer: input_shape is deprecated; use shape", DeprecationWarning, stacklevel=2)
            shape = kwargs.pop("input_shape") if shape is None else shape
        if "batch_input_shape" in kwargs:
            warnings.warn("InputLayer: batch_input_shape is deprecated; use batch_shape", DeprecationWarning,
                          stacklevel=2)
            batch_shape = kwargs.pop("batch_input_shape") if batch_shape is None else batch_shape
        if kwargs:
            raise TypeError(f"InputLayer: unexpected argument(s) {', '.join(sorted(kwargs))}")
        for arg, value, default in (("input_tensor", input_tensor, None), ("optional", optional, False)):
            if value is not default:
                raise ValueError(f"InputLayer: {arg}={value!r} is not supported; leave it {default!r}")
        if sparse not in (None, False, True):
            raise TypeError(f"InputLayer: sparse must be a bool or None, got {sparse!r}")
        if sparse and ragged:
            raise ValueError("InputLayer: an input cannot be both sparse and ragged (sparse=True, ragged=True)")
        if batch_shape is not None:
            if shape is not None or batch_size is not None:
                raise ValueError("InputLayer: give shape (and batch_size) or batch_shape, not both")
            full = tuple(batch_shape)
        else:
            if shape is None:
                raise ValueError("InputLayer: give shape (without the batch dimension) or batch_shape")
            if isinstance(shape, (int, np.integer)):
                shape = (shape,)
            full = (batch_size,) + tuple(shape)
        dtype = np.dtype(dtype_policies.floatx()) if dtype is None else _input_dtype(dtype)
        super().__init__(name=name or unique_layer_name("input_layer"), dtype=dtype)
        self.built = True
        output = SymbolicTensor(full, dtype, name=self.name, ragged=ragged, sparse=bool(sparse))
        output.node = self._first_call = Node(self, (), {}, output)

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"name": self.name, "batch_shape": list(self.output.shape), "dtype": _dtype_name(self.output.dtype),
                "sparse": self.output.sparse, "ragged": self.output.ragged}

    @classmethod
    def from_config(cls, config):
        return cls(batch_shape=config["batch_shape"], dtype=config.get("dtype") or "float32",
                   name=config.get("name"), ragged=config.get("ragged", False), sparse=config.get("sparse", False))


def _input_dtype(dtype):
    try:
        return as_dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"InputLayer: {exc}") from None


def _dtype_name(dtype):
    """Keras' name of ``dtype``: ``"string"`` for the byte-string (object) dtype."""
    return "string" if dtype == string else dtype.name


def Input(shape=None, batch_size=None, name=None, dtype=None, ragged=False, batch_shape=None,  # noqa: N802
          sparse=None):
    """A symbolic input of shape ``(batch_size,) + shape`` (None entries: any size).

    ``ragged=True`` describes a RaggedTensor batch (e.g. ``shape=(None, 8)``), ``sparse=True`` a
    SparseTensor batch (a ``Dense`` layer multiplies it sparse-dense).
    ``dtype`` defaults to float32; ``"string"`` takes text, as Keras' does:

    >>> wb.keras.Input(shape=(1,), dtype="string").dtype == wb.string
    True
    """
    if batch_shape is None and shape is None:
        raise ValueError("Input: give shape (without the batch dimension) or batch_shape")
    if batch_shape is not None:
        shape = batch_size = None
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name,
                      ragged=ragged, sparse=sparse).output


# ---------------------------------------------------------------------------
# Recording a call on symbolic inputs


# stand-in sizes for unknown dimensions after the batch's: large enough for a convolution or pooling
# window over a sequence of unknown length (Keras' Input(shape=(None, 10)) before a Conv1D)
_INNER_STAND_IN = {1: 17, 2: 23}


def _stand_in(spec, k, eye=False):
    """A concrete zero input for ``spec``: an unknown batch size set to ``k`` (1 or 2), other
    unknown sizes to ``_INNER_STAND_IN[k]``; a string input stands in as empty strings.
    ``eye``: identity matrices in the last two axes instead (what ``inv`` or ``cholesky`` can take;
    a vector alternates 0 and 1)."""
    inner_k = _INNER_STAND_IN[k]

    def filled(shape):
        if spec.dtype == string:
            return convert_to_tensor(np.full(shape, b"", dtype=object))
        if eye and len(shape) >= 2 and not spec.sparse and not spec.ragged:
            value = np.broadcast_to(np.eye(shape[-2], shape[-1]), shape).astype(spec.dtype)
            return convert_to_tensor(value)
        if eye and len(shape) == 1 and not spec.sparse and not spec.ragged:
            return convert_to_tensor((np.arange(shape[0]) % 2).astype(spec.dtype))
        return zeros(shape, dtype=spec.dtype)
    if spec.sparse:     # a SparseTensor with no entries
        shape = tuple((k if i == 0 else inner_k) if d is None else d for i, d in enumerate(spec.shape))
        return SparseTensor(np.zeros((0, len(shape)), np.int64), zeros((0,), dtype=spec.dtype), shape)
    if spec.ragged:
        nrows = k if spec.shape[0] is None else spec.shape[0]
        inner = tuple(inner_k if d is None else d for d in spec.shape[2:])
        lengths = np.full(nrows, inner_k if spec.shape[1] is None else spec.shape[1], np.int64)
        return ragged.RaggedTensor.from_row_lengths(filled((int(lengths.sum()),) + inner), lengths)
    return filled(tuple((k if i == 0 else inner_k) if d is None else d for i, d in enumerate(spec.shape)))


def _replace(structure, mapping):
    return nest.map_structure(lambda x: mapping(x) if is_symbolic(x) else x, structure)


def symbolic_call(layer, args, kwargs):
    """Record ``layer(*args, **kwargs)`` on symbolic inputs; returns symbolic outputs."""
    if getattr(layer, "_fn", None) is not None:   # a keras.ops node: zeros, else identity matrices
        try:
            outputs = _symbolic_call(layer, args, kwargs, False)
        except Exception:  # noqa: BLE001 -- tried again on stand-ins an op such as inv accepts
            try:
                return _symbolic_call(layer, args, kwargs, True)
            except Exception:  # noqa: BLE001 -- the first error says what went wrong
                pass
            raise
        _open_value_dependent_sizes(layer, args, kwargs, outputs)
        return outputs
    return _symbolic_call(layer, args, kwargs, False)


def _open_value_dependent_sizes(layer, args, kwargs, outputs):
    """Sizes an op's output takes from its inputs' values (``nonzero``, ``unique``) are unknown
    (None), as in Keras 3: the op runs once more on other stand-in values (identity matrices) and
    the sizes that change are opened."""
    r_args = _replace(list(args), lambda t: _stand_in(t, 2, True))
    r_kwargs = _replace({k: v for k, v in kwargs.items() if k != "training"}, lambda t: _stand_in(t, 2, True))
    _training_stack.append(False)
    _stand_in_calls.append(layer)
    try:
        probe = nest.flatten(layer(*r_args, **r_kwargs))
    except Exception:  # noqa: BLE001 -- an op that cannot take these values keeps the sizes found
        return
    finally:
        _stand_in_calls.pop()
        _training_stack.pop()
    for out, other in zip(nest.flatten(outputs), probe):
        if out is None or other is None or not hasattr(other, "shape"):
            continue
        shape = tuple(shape_of(other))
        if len(shape) == len(out.shape):
            out.shape = tuple(None if a is None or a != b else a for a, b in zip(out.shape, shape))


def _symbolic_call(layer, args, kwargs, eye):
    kwargs = dict(kwargs)
    run_kwargs = {k: v for k, v in kwargs.items() if k != "training"}
    first = args[0] if args and is_symbolic(args[0]) else None
    # the input's mask (an all-True stand-in of its shape) reaches a call that takes one, as the
    # mask itself will at run time
    masked = first is not None and first.mask_shapes is not None and "mask" not in run_kwargs
    give_mask = masked and layer._call_accepts("mask")
    results, mask_shapes = [], {}
    for k in (1, 2):  # two stand-in sizes tell fixed output sizes from input-dependent ones
        r_args = _replace(list(args), lambda s: _stand_in(s, k, eye))
        r_kwargs = _replace(run_kwargs, lambda s: _stand_in(s, k, eye))
        in_mask = cast(ones(first.mask_shapes[k]), bool) if masked else None
        if give_mask:
            r_kwargs["mask"] = in_mask
        _training_stack.append(False)
        _stand_in_calls.append(layer)
        try:
            results.append(layer(*r_args, **r_kwargs))
            if first is not None:
                out_mask = layer.compute_mask(r_args[0], in_mask)
                if out_mask is not None and not isinstance(out_mask, (list, tuple)):
                    mask_shapes[k] = tuple(shape_of(out_mask))
        except Exception as exc:
            wrapped = symbolic_call_error(layer, exc, args, kwargs)
            if wrapped is exc:
                raise
            raise wrapped.with_traceback(exc.__traceback__) from None
        finally:
            _stand_in_calls.pop()
            _training_stack.pop()
    flat1, flat2 = nest.flatten(results[0]), nest.flatten(results[1])
    node = Node(layer, tuple(args), kwargs, None)
    outs = []
    for i, (a, b) in enumerate(zip(flat1, flat2)):
        if a is None:
            outs.append(None)
            continue
        sa, sb = shape_of(a), shape_of(b)
        shape = tuple(x if x == y else None for x, y in zip(sa, sb))
        sparse = isinstance(a, SparseTensor)
        outs.append(SymbolicTensor(shape, a.dtype, node, i, ragged=is_ragged(a) and not sparse, sparse=sparse))
    node.outputs = nest.pack_sequence_as(results[0], outs)
    if len(mask_shapes) == 2 and len(outs) == 1 and outs[0] is not None:
        outs[0].mask_shapes = mask_shapes
    if "_first_call" not in layer.__dict__:  # Keras' layer.input / layer.output follow the first call
        layer._first_call = node
    shapes = [o.shape for o in outs if o is not None]
    layer._symbolic_output_shape = shapes[0] if len(shapes) == 1 else shapes
    return node.outputs


def _batch_shape(shape):
    """``shape`` (a tuple or list of ints and Nones, or a TensorShape) as a tuple; ``TypeError``
    or ``ValueError`` for anything else (several shapes, a string, None)."""
    if shape is None or isinstance(shape, (str, bytes, dict)):
        raise TypeError(f"not a shape: {shape!r}")
    dims = tuple(shape)
    out = []
    for d in dims:
        if d is None:
            out.append(None)
        elif isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0:
            out.append(int(d))
        else:
            raise ValueError(f"not a shape: {shape!r}")
    return tuple(out)


def _inputs_for_shape(where, input_shape):
    """Symbolic inputs for ``Model.build``: one ``Input`` for a shape, a list or a dict of them."""
    try:
        return Input(batch_shape=_batch_shape(input_shape))
    except (TypeError, ValueError):
        pass
    try:
        if isinstance(input_shape, dict):
            return {k: Input(batch_shape=_batch_shape(v), name=str(k)) for k, v in input_shape.items()}
        if isinstance(input_shape, (list, tuple)) and input_shape:
            return [Input(batch_shape=_batch_shape(v)) for v in input_shape]
    except (TypeError, ValueError):
        pass
    raise ValueError(f"Model '{where}'.build: input_shape must be a shape with its batch axis such as "
                     f"(None, 3), a list of them or a dict of them, got {input_shape!r}")


def _has_unbuilt_layers(model):
    return any(isinstance(m, Layer) and not m.built for m in model.submodules)


def _conform(spec, value):
    """A SparseTensor, or any value given for a sparse Input, cast to the Input's dtype, as Keras
    converts a model's inputs (the sparse_tensor guide feeds int32 values to a float32 input).
    A dense value one rank short of an Input whose last axis is 1 gets that axis, and one with an
    extra last axis of 1 loses it (Keras 3's ``_adjust_input_rank``: ``predict`` of a 1-D array
    on a model built for ``(None, 1)``)."""
    if not is_symbolic(spec):
        return value
    value = _adjust_rank(spec, value)
    if spec.dtype.kind not in "biuf":
        return value
    if isinstance(value, SparseTensor):
        if value.dtype != spec.dtype and value.dtype.kind in "biuf":
            return value.with_values(cast(value.values, spec.dtype))
        return value
    if spec.sparse and not is_ragged(value):
        value = convert_to_tensor(value)
        return cast(value, spec.dtype) if value.dtype != spec.dtype and value.dtype.kind in "biuf" else value
    return value


def _adjust_rank(spec, value):
    if spec.sparse or isinstance(value, SparseTensor) or is_ragged(value):
        return value
    ref = getattr(spec, "shape", None)
    shape = getattr(value, "shape", None)
    if ref is None or shape is None or getattr(ref, "rank", 0) is None or getattr(shape, "rank", 0) is None:
        return value
    ref, shape = tuple(ref), tuple(shape)
    if not ref:
        return value
    if len(shape) == len(ref) - 1 and ref[-1] == 1:
        return convert_to_tensor(value)[..., None]
    if len(shape) == len(ref) + 1 and shape[-1] == 1:
        return convert_to_tensor(value)[..., 0]
    return value


def _topological_nodes(outputs):
    """Nodes that ``outputs`` depend on, each after the nodes it reads."""
    order, state = [], {}
    stack = [(o.node, False) for o in reversed(outputs)]
    while stack:
        node, done = stack.pop()
        if done:
            state[id(node)] = 2
            order.append(node)
            continue
        if state.get(id(node)):
            continue
        state[id(node)] = 1
        stack.append((node, True))
        for x in reversed(node.inputs):
            if not state.get(id(x.node)):
                stack.append((x.node, False))
    return order


# ---------------------------------------------------------------------------
# Model


class Model(Trainer, Layer):
    """A model: functional (``Model(inputs, outputs)``) or subclassed (override ``call``).

    ``inputs``/``outputs`` may be one symbolic tensor, a list, or a dict. A
    functional model is called with the same structure of real tensors (a dict
    keyed like ``inputs``, or by the Inputs' names) and returns the outputs'
    structure. ``compile``/``fit``/``evaluate``/``predict`` train it as Keras 3 does
    (see ``workbench/keras/trainer.py``).
    """

    _MODULE_IGNORED = Layer._MODULE_IGNORED | TRAINER_ATTRIBUTES | {
        "_nodes", "_inputs", "_outputs", "_layer_list", "_input_tensor", "_symbolic_output"}
    _autocast = False

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", None)
        outputs = kwargs.pop("outputs", None)
        if args:
            inputs, args = args[0], args[1:]
        if args:
            outputs, args = args[0], args[1:]
        if args:
            raise TypeError(f"Model: unexpected positional arguments {args!r}")
        if (type(self) is Model and kwargs.get("name") is None
                and (inputs is not None or outputs is not None)):
            # Keras 3 builds a ``Functional`` here, named after that class
            kwargs["name"] = unique_layer_name("functional")
        super().__init__(**kwargs)
        self._nodes = None
        self._layer_list = None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("Model: a functional model needs both inputs and outputs")
            self._init_graph(inputs, outputs)

    # -- functional graphs ----------------------------------------------------
    def _init_graph(self, inputs, outputs):
        flat_in = nest.flatten(inputs)
        flat_out = nest.flatten(outputs)
        for x in flat_in:
            if not (is_symbolic(x) and isinstance(x.node.layer, InputLayer)):
                raise TypeError(f"Model: inputs must be tensors made by wb.keras.Input, got {x!r}")
        for y in flat_out:
            if not is_symbolic(y):
                raise TypeError(f"Model: outputs must be symbolic tensors (layer outputs), got {type(y).__name__}")
        nodes = _topological_nodes(flat_out)
        known = {id(x) for x in flat_in}
        for node in nodes:
            if isinstance(node.layer, InputLayer) and id(node.outputs) not in known:
                raise ValueError(f"Model: the outputs depend on Input '{node.layer.name}', which is not "
                                 "among the model's inputs")
        self._inputs, self._outputs = inputs, outputs
        self._nodes = [n for n in nodes if not isinstance(n.layer, InputLayer)]
        layers = []
        for n in self._nodes:   # Keras 3 lists layers, not operations (ops and operators)
            if not isinstance(n.layer, SymbolicOp) and all(n.layer is not seen for seen in layers):
                layers.append(n.layer)
        self._layer_list = layers
        self.built = True
        self._symbolic_output_shape = (
            [y.shape for y in flat_out] if len(flat_out) > 1 else flat_out[0].shape)

    @property
    def inputs(self):
        """A functional model's input tensors as a flat list (one input too; a dict's values in
        key order), as Keras 3 gives them; None for a subclassed model."""
        spec = getattr(self, "_inputs", None)
        return None if spec is None else nest.flatten(spec)

    @property
    def outputs(self):
        """A functional model's output tensors as a flat list, as Keras 3 gives them."""
        spec = getattr(self, "_outputs", None)
        return None if spec is None else nest.flatten(spec)

    @property
    def input(self):
        """A functional model's inputs as it was given them (one tensor, a list or a dict; a list
        of one is its tensor, as in Keras 3); else the inputs of the model's first call in a graph."""
        spec = getattr(self, "_inputs", None)
        return _unwrap_one(spec) if spec is not None else Layer.input.fget(self)

    @property
    def output(self):
        """A functional model's outputs as it was given them (a list of one is its tensor); else
        its first call's outputs."""
        spec = getattr(self, "_outputs", None)
        return _unwrap_one(spec) if spec is not None else Layer.output.fget(self)

    @property
    def input_shape(self):
        """A functional model's input shapes as Keras 3 gives them: one input's shape tuple, or
        a list of them."""
        return self._graph_shapes("_inputs", "input_shape")

    @property
    def output_shape(self):
        """A functional model's output shapes as Keras 3 gives them: one output's shape tuple,
        or a list of them."""
        return self._graph_shapes("_outputs", "output_shape")

    def _graph_shapes(self, attr, what):
        spec = getattr(self, attr, None)
        if spec is None:
            raise AttributeError(f"{what}: model '{self.name}' is not a functional model (a subclassed model "
                                 "has no symbolic inputs and outputs); call it on data and read the result's shape")
        shapes = [tuple(t.shape) for t in nest.flatten(spec)]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def layers(self) -> list:
        """The model's layers: in call order for functional and Sequential models, the layers
        held in attributes for subclassed ones."""
        if getattr(self, "_layer_list", None) is not None:
            return list(self._layer_list)
        return [m for _, m in self._children() if isinstance(m, Layer)]

    def build(self, input_shape=None):
        """Create the model's weights for inputs of ``input_shape`` without a call of your own.

        ``input_shape``: one input's shape with its batch axis (``(None, 3)``), a list of them
        for a call on a list of inputs, or a dict of them for a call on a dict. A subclassed
        model is called once on symbolic inputs of that shape (its ``call`` runs on stand-in
        zeros, with ``training=False``), which builds every layer it calls, so
        :attr:`weights` and :meth:`summary` are complete afterwards. A functional model is built
        already. Without a shape, or when ``call`` cannot run on such inputs (it takes other
        arguments, say), the model is only marked built, with Keras 3's warning, and its layers
        are built by the first real call.

        (Keras 3.15 only marks a subclassed model built here, whatever the shape; tf.keras 2
        built it by calling it on placeholders, as this does.)
        """
        self.built = True
        if self._build_input_shape is None:
            self._build_input_shape = input_shape
        if self._nodes is not None or input_shape is None:
            if self._nodes is None and _has_unbuilt_layers(self):
                warnings.warn(f"`build()` was called on layer '{self.name}', however the layer does not have a "
                              "`build()` method implemented and it looks like it has unbuilt state. This will "
                              "cause the layer to be marked as built, despite not being actually built, which "
                              "may cause failures down the line. Make sure to implement a proper `build()` "
                              "method.", UserWarning, stacklevel=3)
            return
        inputs = _inputs_for_shape(self.name, input_shape)
        had_first_call = "_first_call" in self.__dict__
        try:
            self(inputs)
        except Exception as exc:  # noqa: BLE001 -- Keras 3 warns and leaves the building to the first call
            warnings.warn(f"Layer '{self.name}' looks like it has unbuilt state, but Keras is not able to trace "
                          "the layer `call()` in order to build it. You can implement a `def build(self, "
                          "input_shape)` method on your layer. It should create all variables used by the "
                          "layer (e.g. by calling `layer.build()` on all its children layers).\nException "
                          f"encountered: ''{exc}''", UserWarning, stacklevel=3)
        finally:
            if not had_first_call:   # the stand-in call is no call in a graph (model.input stays unset)
                self.__dict__.pop("_first_call", None)

    # runs as it is (the call enters the model's name scope itself: 'm/dense/kernel')
    build._marks_built = True

    def _maybe_build(self, inputs):
        if type(self).build in _BUILT_BY_THEIR_CALL:
            # a model whose build is the library's is built by its first call (its layers build
            # themselves); running `build` here would call it twice more on stand-ins
            self._build_input_shape = _shapes(inputs)
            self.built = True
            self.__dict__["_state_locked"] = True
            return
        super()._maybe_build(inputs)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras 3's table of the layers: name (type), output shape, parameter count
        (and, for a functional graph that is not a plain chain, what each layer reads),
        then the totals in parameters and bytes. ``print_fn`` receives the text (default:
        ``print``). Returns None, as Keras 3 does (pass ``print_fn`` to keep the text)."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                             show_trainable=show_trainable, layer_range=layer_range)

    # -- files (Keras 3's Model methods; the formats are wb.keras.saving's) ----------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Write the model (architecture, weights, optimizer state) to a ``.keras`` file:
        ``wb.keras.saving.save_model``."""
        from .saving import save_model  # circular import: saving imports this module
        if kwargs:
            raise TypeError(f"Model.save: unexpected keyword argument(s) {sorted(kwargs)}")
        if zipped is False:
            raise ValueError("Model.save: zipped=False (an unzipped folder) is not supported; save to a "
                             ".keras file")
        return save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Write the weights (and the optimizer's state) to a ``.weights.h5`` file:
        ``wb.keras.saving.save_weights``."""
        from .saving import save_weights  # circular import: saving imports this module
        if max_shard_size is not None:
            raise ValueError(f"Model.save_weights: max_shard_size={max_shard_size!r} (sharded weight files) "
                             "is not supported; leave it None")
        return save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Assign the weights (and the optimizer's state) from a ``.weights.h5`` file written
        here or by Keras 3: ``wb.keras.saving.load_weights``."""
        from .saving import load_weights  # circular import: saving imports this module
        if kwargs:
            raise TypeError(f"Model.load_weights: unexpected keyword argument(s) {sorted(kwargs)}")
        return load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def export(self, filepath, format="onnx", verbose=None, input_signature=None, **kwargs):  # noqa: A002
        """Write the model for inference (Keras 3's ``Model.export``); ``format="onnx"`` is the
        one format here: ``wb.onnx.export`` with the batch dimension dynamic. ``input_signature``
        defaults to the model's ``inputs`` (functional) or the shape it was built for;
        ``opset_version`` picks the ONNX opset (17 by default), ``verify=False`` skips the
        onnxruntime check. Returns ``wb.onnx.ExportResult``."""
        if format != "onnx":
            raise ValueError(f"Model.export: format={format!r} is not supported; the workbench exports "
                             "format='onnx' (run it with onnxruntime or serve it with MLflow)")
        # optional dependency (the export extra), and the onnx package sits above keras
        from ..onnx import DEFAULT_OPSET, TensorSpec, export
        unknown = set(kwargs) - {"opset_version", "verify", "output_names"}
        if unknown:
            raise TypeError(f"Model.export: unexpected keyword argument(s) {sorted(unknown)}")
        if input_signature is None:
            if self.inputs is not None:
                input_signature = [TensorSpec((None,) + tuple(x.shape[1:]), x.dtype, x.name)
                                   for x in nest.flatten(self.inputs)]
            elif self.built and getattr(self, "_build_input_shape", None) is not None:
                shape = tuple(self._build_input_shape)
                if shape and isinstance(shape[0], (tuple, list)):
                    raise ValueError("Model.export: a model built for several inputs needs input_signature")
                input_signature = [TensorSpec((None,) + shape[1:])]
            else:
                raise ValueError(f"Model.export: model '{self.name}' is not built; call it once or pass "
                                 "input_signature")
        structure = getattr(self, "_inputs", None)
        if structure is not None and len(nest.flatten(structure)) == 1:
            structure = None  # one input: the model takes it as it is
        target = self if structure is None else _StructuredCall(self, structure)
        return export(target, input_signature, filepath, opset=kwargs.get("opset_version", DEFAULT_OPSET),
                      verify=kwargs.get("verify", True), output_names=kwargs.get("output_names"),
                      verbose=bool(verbose))

    def get_layer(self, name=None, index=None):
        layers = self.layers
        if index is not None:
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"no layer named {name!r}; layers: {[l.name for l in layers]}")

    def __repr__(self):
        # Keras 3 makes a Model built from inputs and outputs a `Functional`
        if type(self) is Model and self._nodes is not None:
            return f"<Functional name={self.name}, built={bool(self.built)}>"
        return super().__repr__()

    def _own_entries(self):
        rest = super()._own_entries()
        if getattr(self, "_layer_list", None) is not None:
            return [("layers", self._layer_list)] + rest
        return rest

    def _bind_inputs(self, inputs):
        """``{id(Input): value}`` for the call's inputs, matched to the model's input structure."""
        spec = self._inputs
        if isinstance(spec, dict):
            if not isinstance(inputs, dict):
                raise TypeError(f"Model '{self.name}' takes a dict of inputs with keys {sorted(spec)}, "
                                f"got {type(inputs).__name__}")
            missing = sorted(set(spec) - set(inputs))
            if missing:
                raise ValueError(f"Model '{self.name}': missing inputs {missing}")
            return {id(spec[k]): _conform(spec[k], inputs[k]) for k in spec}
        flat_spec = nest.flatten(spec)
        if isinstance(inputs, dict):
            names = {x.node.layer.name: x for x in flat_spec}
            missing = sorted(set(names) - set(inputs))
            if missing:
                raise ValueError(f"Model '{self.name}': missing inputs {missing} (inputs are matched "
                                 "by the names of their wb.keras.Input)")
            return {id(x): _conform(x, inputs[n]) for n, x in names.items()}
        flat = nest.flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(flat_spec):
            raise ValueError(f"Model '{self.name}' expects {len(flat_spec)} input(s), got {len(flat)}")
        return {id(x): _conform(x, v) for x, v in zip(flat_spec, flat)}

    def call(self, inputs, training=None, mask=None):
        if self._nodes is None:
            raise NotImplementedError(f"{type(self).__name__}: a subclassed Model must define call(); "
                                      "a functional one is made with Model(inputs, outputs)")
        values = self._bind_inputs(inputs)
        masks = {}
        if mask is not None:
            flat_masks = nest.flatten(mask) if isinstance(mask, (list, tuple)) else [mask]
            for x, m in zip(nest.flatten(self._inputs), flat_masks):
                masks[id(x)] = m
        for node in self._nodes:
            if node.single is not None and not masks:   # layer(x), and no masks so far
                args, in_mask = [values[id(node.single)]], None
                out = node.layer(args[0])
                if type(out) is Tensor and is_symbolic(node.outputs):
                    values[id(node.outputs)] = out
                    out_mask = node.layer.compute_mask(args[0], None)
                    if out_mask is not None:
                        masks[id(node.outputs)] = out_mask
                    continue
            else:
                args, out, in_mask = self._call_node(node, values, masks)
            flat_sym = nest.flatten(node.outputs)
            flat_out = nest.flatten(out)
            out_mask = node.layer.compute_mask(args[0] if args else None, in_mask)
            for s, v in zip(flat_sym, flat_out):
                if s is not None:
                    values[id(s)] = v
                    if out_mask is not None and len(flat_sym) == 1:
                        masks[id(s)] = out_mask
        return nest.map_structure(lambda s: values[id(s)], self._outputs)

    @staticmethod
    def _call_node(node, values, masks):
        """Call ``node``'s layer on the values of its symbolic arguments, giving it the masks
        they carry; returns the arguments, the outputs and the first argument's mask."""
        args = _replace(list(node.args), lambda s: values[id(s)])
        kwargs = _replace(dict(node.kwargs), lambda s: values[id(s)])
        first = nest.flatten(list(node.args))[0] if node.args else None
        in_mask = masks.get(id(first)) if is_symbolic(first) else None
        if in_mask is not None and "mask" not in kwargs and node.layer._call_accepts("mask"):
            kwargs["mask"] = in_mask
        if masks:
            kwargs.update(_named_masks(node, masks, kwargs))
        return args, node.layer(*args, **kwargs), in_mask

    # -- configuration --------------------------------------------------------
    def get_config(self):
        """A functional model's graph, Keras-style: ``{"name", "trainable", "layers",
        "input_layers", "output_layers"}``; each layer entry holds its class, config and
        ``inbound_nodes`` (the arguments of each call, with tensors written as
        ``{"class_name": "__tensor__", "config": {"history": [layer, node, index]}}``).
        A subclassed model returns its constructor arguments (see ``Layer.get_config``)."""
        if self._nodes is None:
            _require_own_get_config(self, Model)
            return Layer.get_config(self)
        from .layers.saving import class_name_of, plain_config  # circular import with saving
        entries, node_ids = {}, {}
        for x in nest.flatten(self._inputs):
            layer = x.node.layer
            entries.setdefault(layer.name, (layer, {"class_name": "InputLayer", "config": layer.get_config(),
                                                    "name": layer.name, "inbound_nodes": []}))
            node_ids[id(x.node)] = (layer.name, 0)
        for node in self._nodes:
            layer = node.layer
            known = entries.get(layer.name)
            if known is not None and known[0] is not layer:
                raise ValueError(f"Model '{self.name}'.get_config: two different layers are named "
                                 f"{layer.name!r}; layer names must be unique within a model")
            if known is None:
                entries[layer.name] = (layer, {"class_name": class_name_of(layer),
                                               "config": plain_config(layer.get_config()),
                                               "name": layer.name, "inbound_nodes": []})
            nodes = entries[layer.name][1]["inbound_nodes"]
            node_ids[id(node)] = (layer.name, len(nodes))
            where = f"layer '{layer.name}'"
            arrays = isinstance(layer, SymbolicOp)   # an op's constant operands are written as arrays
            nodes.append({"args": _encode(list(node.args), node_ids, where, arrays),
                          "kwargs": _encode(dict(node.kwargs), node_ids, where, arrays)})
        return {**Layer.get_config(self), "layers": [e for _, e in entries.values()],
                "input_layers": _encode(self._inputs, node_ids, "the inputs"),
                "output_layers": _encode(self._outputs, node_ids, "the outputs")}

    def to_json(self, **kwargs):
        """The model's config in Keras 3's JSON form (``keras.models.model_from_json`` reads it);
        ``kwargs`` go to ``json.dumps``."""
        import json  # local: only this method writes JSON
        from .saving import serialize_keras_object  # circular import with saving
        return json.dumps(serialize_keras_object(self), **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new model with the architecture ``config`` describes (new weights).

        ``custom_objects``: ``{name: class_or_function}`` for user-defined pieces.
        """
        from .layers.saving import check_known, deserialize  # circular import with saving
        with custom_object_scope(custom_objects):
            check_known(config, "Model.from_config")
        if "layers" not in config:   # a subclassed model: its constructor arguments
            return cls(**config)
        tensors, pending = {}, []
        with custom_object_scope(custom_objects):
            for entry in config["layers"]:
                layer = deserialize({"class_name": entry["class_name"], "config": entry["config"]})
                # the graph refers to the entry's name (a custom get_config may leave the name out)
                key = entry.get("name", layer.name)
                if isinstance(layer, InputLayer):
                    tensors[(key, 0, 0)] = layer.output
                else:
                    pending.append([layer, list(entry.get("inbound_nodes", [])), 0, key])
            # replay the calls in an order where each one's inputs exist (a shared layer's later
            # call may read tensors made after its first)
            progress = True
            while progress and any(p[1] for p in pending):
                progress = False
                for item in pending:
                    layer, nodes, done, key = item
                    while nodes and _decodable(nodes[0], tensors):
                        call = nodes.pop(0)
                        out = layer(*_decode(call.get("args", []), tensors), **_decode(call.get("kwargs", {}), tensors))
                        for i, t in enumerate(nest.flatten(out)):
                            tensors[(key, done, i)] = t
                        item[2] = done = done + 1
                        progress = True
            stuck = [p[0].name for p in pending if p[1]]
            if stuck:
                raise ValueError(f"Model.from_config: the inputs of layer(s) {stuck} are never produced; "
                                 "the config's graph is incomplete")
            inputs = _decode(config["input_layers"], tensors)
            outputs = _decode(config["output_layers"], tensors)
        return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))


def _unwrap_one(structure):
    return structure[0] if isinstance(structure, (list, tuple)) and len(structure) == 1 else structure


_TENSOR = "__tensor__"
_NUMPY = "__numpy__"


class _StructuredCall:
    """A model called in inference mode on flat positional inputs packed as its ``inputs``
    (a list or dict of several): what ``Model.export`` traces."""

    def __init__(self, model, structure):
        self.model, self.structure = model, structure

    def __call__(self, *xs):
        return self.model(nest.pack_sequence_as(self.structure, list(xs)), training=False)


def _encode(value, node_ids, where, arrays=False):
    """JSON for a structure of call arguments: symbolic tensors become references."""
    if is_symbolic(value):
        layer, node = node_ids[id(value.node)]
        return {"class_name": _TENSOR, "config": {"history": [layer, node, value.index]}}
    if isinstance(value, (list, tuple)):
        return [_encode(v, node_ids, where, arrays) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v, node_ids, where, arrays) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if arrays and isinstance(value, (Tensor, np.ndarray)) and value.dtype.kind in "biufc":
        # a constant operand of an op (ops.matmul(x, w)), as Keras 3 writes a NumPy array
        array = value.numpy() if isinstance(value, Tensor) else value
        return {"class_name": _NUMPY, "config": {"value": array.tolist(), "dtype": array.dtype.name}}
    raise ValueError(f"Model.get_config: {where} was called with a {type(value).__name__} argument, which a "
                     "config cannot hold; pass tensors through wb.keras.Input or make them layer weights")


def _is_ref(value):
    return isinstance(value, dict) and value.get("class_name") == _TENSOR


def _decode(value, tensors):
    if _is_ref(value):
        return tensors[tuple(value["config"]["history"])]
    if isinstance(value, dict) and value.get("class_name") == _NUMPY:
        return np.asarray(value["config"]["value"], dtype=value["config"]["dtype"])
    if isinstance(value, list):
        return [_decode(v, tensors) for v in value]
    if isinstance(value, dict):
        return {k: _decode(v, tensors) for k, v in value.items()}
    return value


def _decodable(value, tensors):
    if _is_ref(value):
        return tuple(value["config"]["history"]) in tensors
    if isinstance(value, list):
        return all(_decodable(v, tensors) for v in value)
    if isinstance(value, dict):
        return all(_decodable(v, tensors) for v in value.values())
    return True


def _named_masks(node, masks, kwargs):
    """Keras' rule for layers with several tensor arguments: the mask of argument ``x`` goes to
    the call's ``x_mask`` parameter (MultiHeadAttention's ``query_mask``/``value_mask``/``key_mask``)."""
    return {key: masks[id(value)] for key, value in node.mask_args
            if kwargs.get(key) is None and id(value) in masks}


class Sequential(Model):
    """A stack of layers, each fed the previous one's output (masks are passed along).

    >>> model = wb.keras.Sequential([wb.keras.layers.Dense(4, activation="relu"), wb.keras.layers.Dense(1)])
    >>> model(wb.ones([3, 2])).shape
    TensorShape([3, 1])
    """

    def __init__(self, layers=None, name=None, trainable=True):
        super().__init__(name=name, trainable=trainable)
        self._layer_list = []
        self._input_tensor = None
        self._symbolic_output = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        """Append a layer (or, first, a ``wb.keras.Input`` or ``InputLayer`` to fix the input
        shape)."""
        if isinstance(layer, InputLayer):
            layer = layer.output
        if is_symbolic(layer):
            if self._layer_list or self._input_tensor is not None:
                raise ValueError("Sequential.add: an Input can only come first")
            self._input_tensor = self._symbolic_output = layer
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a layer, got {type(layer).__name__}")
        shape = getattr(layer, "_input_shape_arg", None)
        if shape is not None and not self._layer_list and self._input_tensor is None:
            # Keras: a first layer given input_shape builds the model, as an Input would
            self._input_tensor = self._symbolic_output = Input(batch_shape=shape)
        self._layer_list.append(layer)
        if self._symbolic_output is not None:
            with self.name_scope:   # Keras 3 builds the layers in the model's scope: 'sequential/dense/kernel'
                self._symbolic_output = layer(self._symbolic_output)
            self._symbolic_output_shape = self._symbolic_output.shape
            self.built = True

    def build(self, input_shape=None):
        """Build every layer for inputs of ``input_shape`` (one input's shape with its batch axis,
        ``(None, 3)``): the model becomes a graph from a ``wb.keras.Input`` of that shape, as if
        it had been given one (``input_shape``, ``output_shape`` and :meth:`summary` then know
        their shapes). Keras 3's rules: anything but one shape builds nothing; a model without
        layers, or one configured for another input shape, raises ``ValueError``."""
        try:
            shape = _batch_shape(input_shape)
        except (TypeError, ValueError):
            return   # Keras 3 builds a Sequential model only from the shape of one input
        if not self._layer_list and self._input_tensor is None:
            raise ValueError(f"Sequential model {self.name} cannot be built because it has no layers. Call "
                             "`model.add(layer)`.")
        if self._input_tensor is not None:
            have = tuple(self._input_tensor.shape)
            if have != shape:
                raise ValueError(f"Sequential model '{self.name}' has already been configured to use input shape "
                                 f"{have}. You cannot build it with input_shape {shape}")
            return
        inputs = x = Input(batch_shape=shape, dtype=self._layer_list[0].compute_dtype)
        for layer in self._layer_list:
            x = layer(x)
        self._input_tensor, self._symbolic_output = inputs, x
        self._symbolic_output_shape = x.shape

    # Keras: a Sequential model given its input shape is a graph, with inputs and outputs
    @property
    def inputs(self):
        return None if self._input_tensor is None else [self._input_tensor]

    @property
    def outputs(self):
        return None if self._input_tensor is None else [self._symbolic_output]

    def _graph_end(self, which):
        if self._input_tensor is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined {which} yet: start it with "
                                 "wb.keras.Input(shape=...) to give it one")
        return self._input_tensor if which in ("input", "input_shape") else self._symbolic_output

    @property
    def input(self):
        return self._graph_end("input")

    @property
    def output(self):
        return self._graph_end("output")

    @property
    def input_shape(self):
        return tuple(self._graph_end("input_shape").shape)

    @property
    def output_shape(self):
        return tuple(self._graph_end("output_shape").shape)

    def get_config(self):
        """``{"name", "trainable", "layers": [layer configs]}`` (an ``InputLayer`` first when
        the model was given a ``wb.keras.Input``)."""
        from .layers.saving import serialize  # circular import with saving
        layers = [serialize(layer) for layer in self._layer_list]
        if self._input_tensor is not None:
            first = self._input_tensor.node.layer
            layers.insert(0, {"class_name": "InputLayer", "config": first.get_config()})
        return {"name": self.name, "trainable": self.trainable, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .layers.saving import check_known, deserialize  # circular import with saving
        with custom_object_scope(custom_objects):
            check_known(config, "Sequential.from_config")
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        with custom_object_scope(custom_objects):
            for entry in config.get("layers", []):
                layer = deserialize(entry)
                model.add(layer.output if isinstance(layer, InputLayer) else layer)
        return model

    def pop(self):
        """Remove and return the last layer."""
        if not self._layer_list:
            raise TypeError("Sequential.pop: there are no layers")
        layer = self._layer_list.pop()
        if self._input_tensor is not None:  # the graph now ends at the new last layer
            x = self._input_tensor
            for kept in self._layer_list:
                x = kept(x)
            self._symbolic_output = x
            self._symbolic_output_shape = x.shape
        return layer

    def call(self, inputs, training=None, mask=None):
        x = inputs
        if getattr(self, "_input_tensor", None) is not None and is_symbolic(self._input_tensor):
            x = _adjust_rank(self._input_tensor, x)
        for layer in self._layer_list:
            kwargs = {}
            if mask is not None and layer._call_accepts("mask"):
                kwargs["mask"] = mask
            y = layer(x, **kwargs)
            mask = layer.compute_mask(x, mask)
            x = y
        return x


# models whose `build` is the library's: their first call builds them (Layer._maybe_build)
_BUILT_BY_THEIR_CALL = (Model.build, Sequential.build)


# wb.keras.ops called on symbolic tensors record SymbolicOp nodes (see ops/_symbolic.py)
_ops_symbolic.register(SymbolicTensor, record_operation)
