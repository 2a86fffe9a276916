"""``wb.onnx.load``: an ONNX graph run by workbench ops, so a model exported elsewhere (or by
``wb.onnx.export``) is differentiable with ``wb.GradientTape``, runs inside ``wb.function``
and can be fine-tuned: its floating weights become ``wb.Variable``s."""

from __future__ import annotations

import inspect
import os

import numpy as np
import onnx
from onnx import helper, numpy_helper

import workbench as wb

from ..core import Tensor, Variable
from ..module import Module
from .export import TensorSpec
from .interpret import OPERATORS, RANDOM_OPERATORS, Context, UnsupportedError
from .trace import RANDOM_DOMAIN
from . import recurrent  # noqa: F401  (registers LSTM, GRU and RNN in the operator table)

__all__ = ["OPSETS", "OnnxModel", "UnsupportedError", "load"]

OPSETS = range(13, 23)  # the default domain's versions the operator table follows

# names Keras gives batch-norm statistics: weights, but not trained by gradients
_STATISTICS = ("moving_mean", "moving_variance")
# inputs of BatchNormalization that are statistics (mean and variance)
_STATISTIC_INPUTS = {"BatchNormalization": (3, 4)}


def load(model, trainable=None, dtype=None, name=None) -> "OnnxModel":
    """Load an ONNX model (a path or an ``onnx.ModelProto``) as an :class:`OnnxModel`.

    Every node is checked against the covered operators when the model is loaded: an
    operator outside them, an operator of another domain, or an attribute value that is not
    covered raises :class:`UnsupportedError` naming the operator and the node.

    ``trainable``: which floating initializers (weights with at least one dimension) are
    trainable ``wb.Variable``s: None (the default) all but batch-norm statistics (the mean
    and variance inputs of ``BatchNormalization``, and initializers named ``*moving_mean``
    or ``*moving_variance``, as Keras names them); True or False for all; or a collection of
    initializer names. The rest are non-trainable variables; integer and scalar initializers
    stay constants. ``dtype``: the floating dtype to run in (e.g. ``"float64"`` for a
    float32 graph; None keeps the stored types).

    >>> m = wb.onnx.load("model.onnx")                                         # doctest: +SKIP
    >>> m(x).shape, m.input_names, len(m.trainable_variables)                  # doctest: +SKIP
    """
    if isinstance(model, (str, os.PathLike)):
        if not os.path.exists(model):
            raise FileNotFoundError(f"wb.onnx.load: no file at {os.fspath(model)!r}")
        proto = onnx.load(os.fspath(model))
        default_name = os.path.splitext(os.path.basename(os.fspath(model)))[0]
    elif isinstance(model, onnx.ModelProto):
        proto = model
        default_name = proto.graph.name or "onnx_model"
    else:
        raise TypeError(f"wb.onnx.load: model must be a path or an onnx.ModelProto, got {type(model).__name__}")
    return OnnxModel(proto, trainable=trainable, dtype=dtype, name=name or _identifier(default_name))


def _identifier(text):
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in text).strip("_")
    return out or "onnx_model"


class _Step:
    """One node, ready to run: its operator, its attributes, and its inputs' and outputs' names."""

    __slots__ = ("node", "op", "attrs", "inputs", "outputs")

    def __init__(self, node, op, attrs):
        self.node, self.op, self.attrs = node, op, attrs
        names = list(node.input)
        while names and names[-1] == "":  # trailing optional inputs left out: their defaults apply
            names.pop()
        self.inputs = names
        self.outputs = list(node.output)


class OnnxModel(Module):
    """An ONNX graph as a ``wb.Module``: ``model(x)``, ``model(x1, x2)`` or
    ``model(name=x, ...)`` runs it with workbench ops and returns the output tensor (a list
    in :attr:`output_names` order when the graph has several).

    Attributes: ``input_names``, ``output_names``, ``opset``, ``weights`` (initializer name
    -> ``wb.Variable``), ``trainable_variables`` (the Module's), ``input_signature``. Being a
    Module, it is saved by ``wb.Checkpoint``; ``wb.onnx.export(model, model.input_signature,
    path)`` writes it (fine-tuned) as ONNX again.
    """

    _MODULE_IGNORED = frozenset({"_steps", "_constants", "_inputs", "_context", "proto"})

    def __init__(self, proto, trainable=None, dtype=None, name=None):
        super().__init__(name=name)
        if dtype is not None:
            dtype = np.dtype(getattr(dtype, "name", dtype))
            if dtype.kind != "f":
                raise ValueError(f"wb.onnx.load: dtype must be a floating dtype (or None), got {dtype}")
        self.proto = proto
        self.opset = _opset(proto)
        self._context = Context(dtype)
        graph = proto.graph
        inits = {t.name: t for t in graph.initializer}
        self._inputs = [v for v in graph.input if v.name not in inits]
        self.input_names = [v.name for v in self._inputs]
        self.output_names = [v.name for v in graph.output]
        self._steps = [_prepare(node) for node in graph.node]
        self._check_names(graph, inits)
        stats = {n.input[i] for n in graph.node for i in _STATISTIC_INPUTS.get(n.op_type, ()) if i < len(n.input)}
        self.weights = {}
        self._constants = {}
        # initializer names, or the variables' TF names ("dense/kernel:0")
        names = None if trainable is None or isinstance(trainable, bool) else {
            n[:-2] if isinstance(n, str) and n.endswith(":0") and n[:-2] in inits else n for n in trainable}
        if names is not None and not names <= set(inits):
            raise ValueError(f"wb.onnx.load: trainable names {sorted(names - set(inits))} are not initializers "
                             f"of the graph (it has {sorted(inits)[:20]})")
        # a generator's state: a variable its draws advance
        states = {n.input[0] for n in graph.node if n.domain == RANDOM_DOMAIN and n.input}
        for key, t in inits.items():
            value = self._context.array(numpy_helper.to_array(t))
            if key in states:
                self.weights[key] = Variable(value, trainable=False, name=key)
                continue
            if value.dtype.kind != "f" or value.ndim == 0:
                self._constants[key] = value
                continue
            if names is not None:
                train = key in names
            elif trainable is None:
                train = key not in stats and not key.endswith(_STATISTICS)
            else:
                train = trainable
            self.weights[key] = Variable(value, trainable=train, name=key)

    # -- checks at load time -----------------------------------------------------------
    def _check_names(self, graph, inits):
        known = set(inits) | set(self.input_names) | {""}
        for step in self._steps:
            for name in step.inputs:
                if name not in known:
                    raise UnsupportedError(f"wb.onnx.load: {_where(step.node)} reads {name!r}, which no earlier "
                                           "node, input or initializer gives (nodes must be in topological order)")
            known.update(step.outputs)
        missing = [n for n in self.output_names if n not in known]
        if missing:
            raise UnsupportedError(f"wb.onnx.load: the graph's outputs {missing} are computed by no node")

    # -- running --------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        env = dict(self._constants)
        env.update(self.weights)
        env[""] = None
        for (name, value) in self._bind(args, kwargs):
            env[name] = value
        ctx = self._context
        with self.name_scope:
            for step in self._steps:
                ctx.node = step.node
                ins = [env[n] for n in step.inputs]
                outs = _run(step, ins, ctx)
                for name, value in zip(step.outputs, outs):
                    if name:
                        env[name] = value
        ctx.node = None
        results = [_tensor(env[n]) for n in self.output_names]
        return results[0] if len(results) == 1 else results

    def _bind(self, args, kwargs):
        n = len(self._inputs)
        if "training" in kwargs:
            raise TypeError(f"{self.name}: an ONNX graph has no training argument: it computes what it was "
                            "exported to compute (for a Keras model, inference: no dropout, batch norm on its "
                            "stored statistics); its weights still train through wb.GradientTape")
        if args and kwargs:
            raise TypeError(f"{self.name}: pass the inputs by position or by name, not both")
        if kwargs:
            unknown = sorted(set(kwargs) - set(self.input_names))
            missing = [k for k in self.input_names if k not in kwargs]
            if unknown or missing:
                raise TypeError(f"{self.name}: inputs by name must be exactly {self.input_names}; got "
                                f"{sorted(kwargs)}" + (f" (unknown: {unknown})" if unknown else "")
                                + (f" (missing: {missing})" if missing else ""))
            values = [kwargs[k] for k in self.input_names]
        else:
            values = list(args[0]) if len(args) == 1 and n > 1 and isinstance(args[0], (list, tuple)) else list(args)
            if len(args) == 1 and isinstance(args[0], dict):
                return self._bind((), args[0])
            if len(values) != n:
                raise TypeError(f"{self.name}: the graph takes {n} input(s) {self.input_names}, got {len(values)}")
        return [(v.name, self._convert(v, x)) for v, x in zip(self._inputs, values)]

    def _convert(self, spec, x):
        tt = spec.type.tensor_type
        want = self._context.dtype(tt.elem_type)
        t = x if isinstance(x, Tensor) else wb.convert_to_tensor(np.asarray(x))
        have = np.dtype(t.dtype)
        if have != want:
            if have.kind == want.kind or (have.kind in "iu" and want.kind in "iu") or (
                    have.kind in "iu" and want.kind == "f"):
                t = wb.cast(t, want)
            else:
                raise TypeError(f"{self.name}: input '{spec.name}' must have dtype {want}, got {have}")
        if tt.HasField("shape"):
            dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
            shape = tuple(t.shape)
            if len(dims) != len(shape) or any(d is not None and d != s for d, s in zip(dims, shape)):
                shown = ["?" if d is None else d for d in dims]
                raise ValueError(f"{self.name}: input '{spec.name}' must have shape {shown}, got {list(shape)}")
        return t

    @property
    def input_signature(self) -> list:
        """One ``wb.onnx.TensorSpec`` per input (None for a dimension the graph leaves open, a
        shape of None for an input of any rank)."""
        out = []
        for v in self._inputs:
            tt = v.type.tensor_type
            dims = tuple(d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim) \
                if tt.HasField("shape") else None
            out.append(TensorSpec(dims, self._context.dtype(tt.elem_type), v.name))
        return out

    def __repr__(self):
        return (f"<wb.onnx.OnnxModel {self.name!r}: opset {self.opset}, {len(self._steps)} nodes, inputs "
                f"{self.input_names}, outputs {self.output_names}, {len(self.weights)} weights>")


def _opset(proto) -> int:
    version = None
    for imp in proto.opset_import:
        if imp.domain in ("", "ai.onnx"):
            version = imp.version
    if version is None:
        raise UnsupportedError("wb.onnx.load: the model imports no version of the default ONNX domain")
    if version not in OPSETS:
        raise UnsupportedError(f"wb.onnx.load: opset {version} is not covered (opsets {OPSETS[0]} to "
                               f"{OPSETS[-1]} are); convert the model first, e.g. with "
                               f"onnx.version_converter.convert_version(model, {OPSETS[0]})")
    return version


def _where(node) -> str:
    return f"node '{node.name or (node.output[0] if node.output else '?')}' ({node.op_type})"


def _prepare(node) -> _Step:
    """The node checked against the operator table: its operator, domain, attributes and
    outputs must all be covered."""
    if node.domain not in ("", "ai.onnx", RANDOM_DOMAIN):
        raise UnsupportedError(f"wb.onnx.load: operator '{node.op_type}' of domain '{node.domain}' in "
                               f"{_where(node)} is not covered (only the default ONNX domain and "
                               f"'{RANDOM_DOMAIN}' are)")
    op = (RANDOM_OPERATORS if node.domain == RANDOM_DOMAIN else OPERATORS).get(node.op_type)
    if op is None:
        raise UnsupportedError(f"wb.onnx.load: operator '{node.op_type}' in {_where(node)} is not covered; "
                               f"the covered operators are {', '.join(sorted(OPERATORS))}")
    given = {}
    for a in node.attribute:
        if a.name not in op.attrs and a.name not in op.optional:
            known = sorted(set(op.attrs) | op.optional)
            raise UnsupportedError(f"wb.onnx.load: attribute '{a.name}' of operator '{node.op_type}' in "
                                   f"{_where(node)} is not covered (covered: {known or 'none'})")
        value = helper.get_attribute_value(a)
        if isinstance(value, bytes):
            value = value.decode()
        elif isinstance(value, onnx.TensorProto):
            value = numpy_helper.to_array(value)
        elif isinstance(value, (onnx.GraphProto, onnx.SparseTensorProto)) or (
                isinstance(value, list) and value and not isinstance(value[0], (int, float, bytes))):
            raise UnsupportedError(f"wb.onnx.load: attribute '{a.name}' of operator '{node.op_type}' in "
                                   f"{_where(node)} holds a graph or tensors, which is not covered")
        elif isinstance(value, list) and value and isinstance(value[0], bytes):
            value = [v.decode() for v in value]
        given[a.name] = value
    attrs = dict(op.attrs)
    attrs.update(given)
    if op.check is not None:
        why = op.check(attrs)
        if why:
            raise UnsupportedError(f"wb.onnx.load: operator '{node.op_type}' in {_where(node)}: {why} is not covered")
    wanted = sum(1 for o in node.output if o)
    last = max((i for i, o in enumerate(node.output) if o), default=-1) + 1
    if op.outputs != -1 and last > op.outputs:
        raise UnsupportedError(f"wb.onnx.load: operator '{node.op_type}' in {_where(node)} asks for {wanted} "
                               f"outputs; only the first {op.outputs} are covered")
    return _Step(node, op, attrs)


def _run(step, ins, ctx):
    op = step.op
    if op.fold is not None and all(not isinstance(v, Tensor) for v in ins if v is not None) and ins:
        try:
            out = op.fold(*[None if v is None else np.asarray(v) for v in ins],
                          **{k: v for k, v in step.attrs.items() if k in _fold_params(op)})
        except UnsupportedError:
            raise
        except Exception as exc:
            raise ValueError(f"{ctx.where()}: {type(exc).__name__}: {exc}") from exc
        outs = out if isinstance(out, list) else [out]
        return [ctx.array(o) for o in outs]
    try:
        out = op.fn(ctx, *ins, **step.attrs)
    except UnsupportedError:
        raise
    except Exception as exc:
        shapes = ", ".join("None" if v is None else f"{list(np.shape(v))} {np.dtype(v.dtype)}" for v in ins)
        kind = type(exc) if type(exc) in (ValueError, TypeError, IndexError) else ValueError
        raise kind(f"{ctx.where()} with inputs [{shapes}]: {type(exc).__name__}: {exc}") from exc
    return out if isinstance(out, (list, tuple)) else [out]


_FOLD_PARAMS: dict = {}


def _fold_params(op):
    """The attributes a NumPy form takes (it may take fewer than the operator)."""
    params = _FOLD_PARAMS.get(op.name)
    if params is None:
        try:
            sig = inspect.signature(op.fold)
        except ValueError:  # a NumPy ufunc: no attributes
            _FOLD_PARAMS[op.name] = params = set()
            return params
        if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
            params = set(op.attrs) | op.optional
        else:
            params = {n for n, p in sig.parameters.items() if p.kind is p.KEYWORD_ONLY or p.default is not p.empty}
        _FOLD_PARAMS[op.name] = params
    return params


def _tensor(value):
    return value if isinstance(value, Tensor) else wb.constant(value)
