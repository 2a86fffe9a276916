"""``wb.saved_model``: a module's variables and traced functions in a folder, loaded back
without the Python code that defined them (TF's ``tf.saved_model.save`` / ``load``).

>>> class Scale(wb.Module):
...     def __init__(self):
...         super().__init__()
...         self.w = wb.Variable(3.0)
...     @wb.function(input_signature=[wb.TensorSpec([None], wb.float32)])
...     def __call__(self, x):
...         return x * self.w
>>> wb.saved_model.save(Scale(), "scaled")                                     # doctest: +SKIP
>>> wb.saved_model.load("scaled")(wb.constant([1.0, 2.0]))                     # doctest: +SKIP

The folder holds ``saved_model.json`` (what is there, plain data), ``variables.npz`` (the
variables' values, read without pickle) and one ONNX file per concrete function. What is
saved is what TF saves: every ``wb.function`` of the object and of its sub-modules, once per
concrete signature traced so far (or its ``input_signature``), and the variables they read.
The loaded object has the variables at the same attribute paths and the functions under the
same names; the functions read the loaded variables, so assigning to them changes what the
functions compute, as in TF. ``signatures`` (a function with an ``input_signature``, a
concrete function, or a dict of them) are served by ``loaded.signatures[name](**inputs)``,
which returns a dict of outputs (``output_0``, ... unless the function returns a dict).

A ``RaggedTensor`` argument (a ``RaggedTensorSpec`` traced, of any ragged rank, int64 or
int32 row splits) is saved as its components, as TF flattens it: the flat values (input
``x``) and the row splits outermost first (``x_1``, ``x_2``, ...); a ragged result as its
flat values and the row splits it kept from a ragged argument. The manifest says how to put
them together, and the loaded function takes and returns RaggedTensors.

Differences from TF, by design: the functions are stored as ONNX graphs (the open format
this project exports to), so a function must be one that ``wb.onnx.export`` can write
(tensors and ragged tensors; open sizes the program does not fix, each found by tracing the
function once more with that size changed: a size that is a product of open sizes is refused,
and one the ops fix is saved at that size; an input of unknown rank where the program is the
same at two ranks); a ragged result must keep an argument's row partition (the graph computes
values, not new partitions); ragged arguments that a function combines (``x + y``) must share
their row partition at every call; signatures take tensors only. A function that draws from
a ``wb.random.Generator`` (its ``normal`` or ``uniform``) is saved with the generator's state
as a variable (``<attribute>/state``) and each draw as a node of this project's own ONNX
domain, which the loader runs with ``wb.random`` (onnxruntime cannot run that graph); the
loaded function continues the stream from where it was saved, as TF's does; other draws
(stateless draws with a computed seed, global-seeded ops, other distributions) are refused;
a stateless draw of a fixed seed is saved as its numbers. A function that assigns to variables
(``self.v.assign(x)``, after its last read of them) is saved with the assigned values as graph
outputs, which the loaded function assigns to the loaded variables, as TF's does; other updates
(``assign_add``, ``assign_sub``) are refused by name. A function with custom gradients is
saved with a second graph, its gradient (``functions/<name>_<k>_gradient.onnx``), which the
loaded function's gradient runs. Loading never runs code from the folder and never reads outside it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import weakref

import numpy as np

from . import backend, core, dtypes, errors, nest
from .tensor_shape import TensorSpec
from .compiler import Function
from .module import Module

__all__ = ["save", "load", "SaveOptions", "LoadOptions", "contains_saved_model",
           "DEFAULT_SERVING_SIGNATURE_DEF_KEY", "SERVING", "TRAINING", "GPU", "TPU",
           "PREDICT_METHOD_NAME", "PREDICT_INPUTS", "PREDICT_OUTPUTS", "CLASSIFY_METHOD_NAME", "CLASSIFY_INPUTS",
           "CLASSIFY_OUTPUT_CLASSES", "CLASSIFY_OUTPUT_SCORES", "REGRESS_METHOD_NAME", "REGRESS_INPUTS",
           "REGRESS_OUTPUTS"]

# TF's signature keys, tags and serving method names (tf.saved_model's constants, same values)
DEFAULT_SERVING_SIGNATURE_DEF_KEY = "serving_default"
SERVING, TRAINING, GPU, TPU = "serve", "train", "gpu", "tpu"
PREDICT_METHOD_NAME, PREDICT_INPUTS, PREDICT_OUTPUTS = "tensorflow/serving/predict", "inputs", "outputs"
CLASSIFY_METHOD_NAME, CLASSIFY_INPUTS = "tensorflow/serving/classify", "inputs"
CLASSIFY_OUTPUT_CLASSES, CLASSIFY_OUTPUT_SCORES = "classes", "scores"
REGRESS_METHOD_NAME, REGRESS_INPUTS, REGRESS_OUTPUTS = "tensorflow/serving/regress", "inputs", "outputs"

FORMAT = "workbench.saved_model"
# version 2 adds ragged arguments and results (written only where a function has them, so a
# folder without them stays readable by a version-1 reader); both are read
VERSION = 2
_READS = (1, 2)
_MANIFEST = "saved_model.json"
_VALUES = "variables.npz"
_ML_DTYPES = ("bfloat16", "float8_e4m3fn", "float8_e5m2")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class SaveOptions:
    """TF's save options. ``experimental_custom_gradients`` (True by default, as TF's): a
    function that has custom gradients is saved with its gradient's graph too, and the loaded
    function's gradient runs it; with False the loaded function's gradient raises LookupError,
    as TF's does in a process that did not define the custom gradient. Other options are
    accepted for TF's signature and change nothing here."""

    def __init__(self, **kwargs):
        self.options = dict(kwargs)
        self.experimental_custom_gradients = bool(kwargs.get("experimental_custom_gradients", True))


class LoadOptions(SaveOptions):
    """Accepted for TF's signature; nothing in it changes what is read here."""


# -- saving ------------------------------------------------------------------------
def save(obj, export_dir, signatures=None, options=None):
    """Write ``obj``'s variables and traced functions to the folder ``export_dir`` (made if
    missing; files of an earlier save there are replaced)."""
    if not isinstance(export_dir, (str, os.PathLike)):
        raise TypeError(f"wb.saved_model.save: export_dir must be a path, got {type(export_dir).__name__}")
    from . import onnx as wb_onnx   # an optional extra: ask for it only when saving
    export_dir = os.fspath(export_dir)
    # tracing draws from the generators; saving leaves their streams where they were, as TF's does
    states = [(v, np.array(backend.to_numpy(v._data), copy=True)) for _, v in _generator_states(obj)] \
        if isinstance(obj, Module) else []
    try:
        _save(obj, export_dir, signatures, options, wb_onnx, {id(v): value for v, value in states})
    finally:
        for v, value in states:
            v.assign(value)


def _save(obj, export_dir, signatures, options, wb_onnx, kept):
    variables = _variables(obj)
    index = {id(v): i for i, (_, v) in enumerate(variables)}
    functions = {}
    keep_custom = True if options is None else getattr(options, "experimental_custom_gradients", True)
    for attr, fn in _functions(obj):
        call = _python_callable(fn)
        entries = [_export_concrete(wb_onnx, export_dir, attr, k, call, _arg_names(fn, len(specs)), specs,
                                    index, values, keep_custom)
                   for k, (specs, values) in enumerate(_concrete_specs(fn))]
        functions[attr] = entries   # none for a function never traced: TF saves it all the same
    served = _keras_inputs(obj)
    if served is not None:
        # a Keras model: its inference call as __call__ and, unless given, the serving signature
        call, names, specs = served
        functions.setdefault("__call__", []).append(
            _export_concrete(wb_onnx, export_dir, "__call__", len(functions.get("__call__", [])), call, names,
                             specs, index))
        if signatures is None:
            signatures = {"serving_default": served}
    sigs = {}
    for k, (name, call, names, specs) in enumerate(_signatures(signatures)):
        sigs[name] = _export_concrete(wb_onnx, export_dir, f"signature_{name}", k, call, names, specs, index,
                                      keep_custom=keep_custom)
    values = {f"v{i}": kept[id(v)] if id(v) in kept else _host(v) for i, (_, v) in enumerate(variables)}
    for i, (path, v) in enumerate(variables):
        if values[f"v{i}"].dtype.kind == "O":
            raise TypeError(f"wb.saved_model.save: variable '{path}' holds strings, which are not saved here")
    os.makedirs(export_dir, exist_ok=True)
    # npz has no bfloat16/float8 (ml_dtypes' types): their bits go in as unsigned integers, and the
    # manifest names the dtype
    np.savez(os.path.join(export_dir, _VALUES), **{k: v.view(f"u{v.dtype.itemsize}") if v.dtype.name in _ML_DTYPES
                                                   else v for k, v in values.items()})
    ragged = any(_has_ragged(e) for entries in functions.values() for e in entries) or any(
        _has_ragged(e) for e in sigs.values())
    manifest = {
        "format": FORMAT, "version": VERSION if ragged else 1,
        "variables": [{"path": path, "name": v.path, "trainable": bool(v.trainable),
                       **({"dtype": v.dtype.name} if v.dtype.name in _ML_DTYPES else {})} for path, v in variables],
        "functions": functions, "signatures": sigs,
    }
    with open(os.path.join(export_dir, _MANIFEST), "w") as f:
        json.dump(manifest, f, indent=1)


def _has_ragged(entry):
    def result(structure):
        if not isinstance(structure, dict):
            return False
        (kind, inner), = structure.items()
        return kind == "ragged" or any(result(v) for v in (inner.values() if kind == "dict" else inner))
    return any("ragged_rank" in spec for spec in entry["inputs"]) or result(entry["structure"])


def _host(v):
    return np.array(backend.to_numpy(v._data), copy=True)


def _variables(obj):
    """(attribute path, variable) for every variable reachable from ``obj``, each once."""
    if isinstance(obj, Module):
        found = list(obj.variables_by_path().items())
        held = {id(v) for _, v in found}
        # a wb.random.Generator's state, as TF tracks it: its draws in saved functions advance it
        return found + [(path, v) for path, v in _generator_states(obj) if id(v) not in held]
    found = getattr(obj, "variables", None)
    if found is None:
        return []
    return [(v.path, v) for v in found]


def _generator_states(obj, prefix="", seen=None):
    """(``<attribute path>/state``, state variable) of the generators held by ``obj`` and its
    sub-modules (TF tracks a generator's state variable as it tracks variables)."""
    from .random import Generator   # random sits beside this module; imported when saving
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    out = []
    for name, value in list(vars(obj).items()):
        children = value if isinstance(value, (list, tuple)) else [value]
        for j, child in enumerate(children):
            where = f"{prefix}{name}/{j}" if isinstance(value, (list, tuple)) else f"{prefix}{name}"
            if isinstance(child, Generator):
                out.append((f"{where}/state", child.state))
            elif isinstance(child, Module):
                out += _generator_states(child, f"{where}/", seen)
    return out


def _functions(obj, prefix="", seen=None):
    """(attribute path, bound wb.function) for the object's functions and its sub-modules'."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    out = []
    names = {}
    for klass in reversed(type(obj).__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Function):
                names[name] = True
    for name, value in list(getattr(obj, "__dict__", {}).items()):
        if isinstance(value, Function):
            names[name] = True
    for name in names:
        out.append((prefix + name, getattr(obj, name)))
    if isinstance(obj, Module):
        for name, value in list(vars(obj).items()):
            children = value if isinstance(value, (list, tuple)) else [value]
            for j, child in enumerate(children):
                if isinstance(child, Module):
                    where = f"{name}/{j}" if isinstance(value, (list, tuple)) else name
                    out += _functions(child, f"{prefix}{where}/", seen)
    return out


def _trace_nested_calls(fn):
    """Trace the signatures ``fn`` was called with inside other functions' traces (TF traced a
    concrete function for each then; here they were inlined into the caller). One that cannot
    be traced on its own is left out: calling it on the loaded object raises, naming it."""
    obj = getattr(fn, "_obj", None)
    for recorded in list(getattr(fn, "_nested", {}).values()):
        leaves = [v() if isinstance(v, weakref.ref) else v for v in nest.flatten(recorded)]
        if any(isinstance(v, weakref.ref) and leaf is None for v, leaf in zip(nest.flatten(recorded), leaves)):
            continue   # an object it was called with is gone
        args, kwargs = nest.pack_sequence_as(recorded, leaves)
        if obj is not None and args and args[0] is obj:
            args = args[1:]
        try:
            fn.get_concrete_function(*args, **kwargs)
        except Exception:  # noqa: BLE001 -- saved as TF saves the rest; the loaded call says what is missing
            continue


def _concrete_specs(fn):
    """(specs, Python values) of each concrete function traced so far (or of the
    input_signature): a nested list of numbers the function was traced for is saved as a
    tensor input of its shape that matches calls with that same value, as TF matches it."""
    signature = fn.input_signature
    if signature is not None and all(isinstance(s, TensorSpec) or _is_ragged_spec(s) for s in signature):
        # the signature's specs as they are (the export traces them at sizes of its own: a
        # trace here would put stand-in sizes where they are open, which a program may not run at)
        return [(list(signature), [None] * len(signature))]
    if signature is not None and not getattr(fn, "_concrete", None):
        fn.get_concrete_function()
    _trace_nested_calls(fn)
    out = []
    params = list(getattr(fn, "_params", None) or getattr(getattr(fn, "_function", None), "_params", []))
    for concrete in list(getattr(fn, "_concrete", {}).values()):
        pos, kw = _without_defaults(concrete.structured_input_signature, params)
        obj = getattr(fn, "_obj", None)
        leaves = list(pos[1:] if obj is not None and pos and pos[0] is obj else pos)
        if kw:
            continue
        specs, values = [], []
        for leaf in leaves:
            if isinstance(leaf, TensorSpec) or _is_ragged_spec(leaf):
                specs.append(leaf)
                values.append(None)
                continue
            spec = _python_spec(leaf)
            if spec is None:
                break   # another Python value (a flag, a string): that trace is not saved
            specs.append(spec)
            values.append(leaf)
        else:
            out.append((specs, values))
    return out


def _without_defaults(structured, params):
    """A concrete function's (positional, keyword) inputs without the Python values a trace
    bound from the parameters' defaults (a call leaves them out, and the saved function, called
    with its tensors, takes them from the defaults again)."""
    pos, kw = structured
    defaults = {p.name: p.default for p in params if p.default is not p.empty}

    def is_default(name, value):
        if name not in defaults or hasattr(value, "is_compatible_with"):
            return False
        d = defaults[name]
        try:
            return value is d or (type(value) is type(d) and bool(value == d))
        except Exception:  # noqa: BLE001 - values that cannot be compared are not the default
            return False
    kw = {k: v for k, v in kw.items() if not is_default(k, v)}
    pos = list(pos)
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    while pos and len(pos) <= len(names) and is_default(names[len(pos) - 1], pos[-1]):
        pos.pop()
    return tuple(pos), kw


def _is_ragged_spec(spec):
    from ragged import RaggedTensorSpec   # ragged sits below this module; imported when used
    return isinstance(spec, RaggedTensorSpec)


def _python_spec(value):
    """The spec of a number or nested list of numbers as a tensor (float32 / int32 / bool), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, list, tuple)):
        return None
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        return None
    kinds = {"f": np.float32, "i": np.int32, "b": np.bool_}
    if arr.dtype.kind not in kinds or arr.dtype == object:
        return None
    return TensorSpec(arr.shape, kinds[arr.dtype.kind])


def _keras_inputs(obj):
    """(inference call, input names, specs) of a built Keras model with known inputs, else None."""
    inputs = getattr(obj, "inputs", None)
    if hasattr(inputs, "shape") and hasattr(inputs, "dtype"):
        inputs = [inputs]   # a model of one input may hold it alone
    if not (isinstance(obj, Module) and callable(getattr(obj, "call", None)) and isinstance(inputs, list)
            and inputs and all(hasattr(t, "shape") and hasattr(t, "dtype") for t in inputs)):
        return None
    names = [str(getattr(t, "name", None) or f"input_{i}") for i, t in enumerate(inputs)]
    specs = [TensorSpec(tuple(t.shape), np.dtype(t.dtype)) for t in inputs]

    def call(*xs):
        return obj(xs[0] if len(xs) == 1 else list(xs), training=False)
    return call, names, specs


def _python_callable(fn):
    """The Python function behind a (bound) wb.function, taking the tensor arguments alone."""
    call = fn.python_function
    obj = getattr(fn, "_obj", None)
    if obj is None:
        return call
    return lambda *xs: call(obj, *xs)


def _signatures(signatures):
    if signatures is None:
        return []
    if not isinstance(signatures, dict):
        signatures = {"serving_default": signatures}
    out = []
    for name, fn in signatures.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"wb.saved_model.save: signature names must be strings, got {name!r}")
        if isinstance(fn, tuple):   # (call, names, specs) made here for a Keras model
            out.append((name,) + fn)
            continue
        if hasattr(fn, "structured_input_signature"):   # a concrete function
            pos, kw = _without_defaults(fn.structured_input_signature, fn._function._params)
            if any(_is_ragged_spec(s) for s in list(pos) + list(kw.values())):
                raise ValueError(f"wb.saved_model.save: signature {name!r} takes a RaggedTensor; signatures "
                                 "take tensors only here (the function itself is saved with its ragged "
                                 "concrete functions: call it on the loaded object)")
            values = [s for s in pos if not isinstance(s, TensorSpec)]
            # a method's instance: held by the concrete function (input_signature) or among its values
            head = list(getattr(fn, "_head", ())) + values
            specs = [s for s in pos if isinstance(s, TensorSpec)]
            if kw or any(not isinstance(s, TensorSpec) for s in pos[len(values):]):
                raise ValueError(f"wb.saved_model.save: signature {name!r} takes keyword or Python arguments")
            inner = fn._function.python_function
            out.append((name, lambda *xs, _f=inner, _h=tuple(head): _f(*_h, *xs),
                        _arg_names(fn._function, len(specs)), specs))
            continue
        if isinstance(getattr(fn, "input_signature", None), (list, tuple)):
            if any(_is_ragged_spec(s) for s in fn.input_signature):
                raise ValueError(f"wb.saved_model.save: signature {name!r} takes a RaggedTensor; signatures "
                                 "take tensors only here (the function itself is saved with its ragged "
                                 "concrete functions: call it on the loaded object)")
            out.append((name, _python_callable(fn), _arg_names(fn, len(fn.input_signature)),
                        list(fn.input_signature)))
            continue
        else:
            raise ValueError(f"wb.saved_model.save: signature {name!r} must be a wb.function with an "
                             "input_signature or a concrete function (f.get_concrete_function(spec...))")
    return out


def _export_concrete(wb_onnx, export_dir, attr, k, call, names, specs, index, values=None, keep_custom=True):
    """One concrete function as an ONNX file, and its manifest entry. A ragged argument is its
    components (flat values, then the row splits from the outermost dimension in) as graph
    inputs; a ragged result is its flat values, and row splits that are one of the ragged
    arguments' (the function keeps that partition), as graph outputs; the entry says how to
    take arguments apart and put results together."""
    for i, s in enumerate(specs):
        if s.shape.rank is None and _is_ragged_spec(s):
            raise ValueError(f"wb.saved_model.save: function '{attr}': argument '{names[i]}' is a ragged tensor "
                             "of unknown rank; give its spec a rank")
    args, onnx_specs = [], []
    for i, s in enumerate(specs):
        shape = None if s.shape.rank is None else list(s.shape.as_list())   # None: any rank
        if _is_ragged_spec(s):
            parts = _ragged_parts(attr, names[i], s)
            args.append({"name": names[i], "shape": shape, "dtype": np.dtype(s.dtype).name,
                         "ragged_rank": s.ragged_rank, "row_splits_dtype": np.dtype(s.row_splits_dtype).name,
                         "components": [p.name for p in parts]})
            onnx_specs += parts
        else:
            args.append({"name": names[i], "shape": shape, "dtype": np.dtype(s.dtype).name})
            onnx_specs.append(wb_onnx.TensorSpec(None if shape is None else tuple(shape), np.dtype(s.dtype), names[i]))
    structure = {}

    def flat(*xs):
        arguments, splits = _assemble(args, xs)
        leaves, structure["value"] = _flatten_result(attr, call(*arguments), splits)
        return leaves

    relative = os.path.join("functions", f"{_SAFE.sub('_', attr)}_{k}.onnx")
    path = os.path.join(export_dir, relative)
    ragged = [a["name"] for a in args if "ragged_rank" in a]
    shared = None
    # the export runs the Python function on stand-in values (traces, then a check): what it
    # prints there is not the user's call, and TF's save shows no such values
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            # each ragged argument its own row partitions; a function that combines them (x + y)
            # needs them equal: traced again with one partition per shape, which calls must then share
            result = wb_onnx.export(flat, onnx_specs, path,
                                    sample_inputs=(lambda batch, rng: _sample_args(args, onnx_specs, batch, rng,
                                                                                   False)) if ragged else None)
        except ValueError:   # the export's error, or the function's own at the check's batch size
            if len(ragged) < 2:
                raise
            result = wb_onnx.export(flat, onnx_specs, path, sample_inputs=lambda batch, rng: _sample_args(
                args, onnx_specs, batch, rng, True))
            shared = _same_shape_groups(args)
    updates = {}
    for name, v in (result.updates or {}).items():
        if id(v) not in index:
            raise ValueError(f"wb.saved_model.save: function '{attr}' assigns to the variable '{v.path}', which "
                             "is not reachable from the object being saved (make it an attribute)")
        updates[name] = index[id(v)]
    bind = {}
    for init, v in result.variables.items():
        if id(v) not in index:
            raise ValueError(f"wb.saved_model.save: function '{attr}' reads the variable '{v.path}', which "
                             "is not reachable from the object being saved (make it an attribute)")
        bind[init] = index[id(v)]
    for spec, value in zip(args, values or [None] * len(args)):
        if value is not None:
            spec["value"] = np.asarray(value).tolist()
        fixed = {str(axis): size for (name, axis), size in (result.fixed or {}).items() if name == spec["name"]}
        if fixed and "ragged_rank" not in spec:
            spec["fixed"] = fixed   # open in the signature, but the function's ops run at this size alone
    entry = {"file": relative.replace(os.sep, "/"), "inputs": args,
             "outputs": [n for n in result.outputs if n not in updates], "structure": structure.get("value"),
             "variables": bind}
    if updates:
        entry["updates"] = updates   # output name -> the variable the function assigns it to
    if shared:
        entry["same_row_splits"] = shared
    names = sorted({n.split(":", 1)[-1] for n in result.custom_gradients or ()})
    if names and keep_custom:
        entry["gradient"] = _export_gradient(wb_onnx, export_dir, attr, k, flat, onnx_specs, args, result, index,
                                             names)
    elif names:
        entry["custom_gradients_unsaved"] = names
    return entry


def _export_gradient(wb_onnx, export_dir, attr, k, flat, onnx_specs, args, result, index, names):
    """The gradient of a function that has custom gradients (TF's
    ``SaveOptions(experimental_custom_gradients=True)``): an ONNX graph taking the function's
    inputs and one upstream gradient per floating output, and giving the gradients of its
    floating inputs and trainable variables (the custom gradients' own ops, traced by a tape
    that another tape watches, so its walk is made of ops)."""
    if any("ragged_rank" in a for a in args):
        raise ValueError(f"wb.saved_model.save: function '{attr}' has custom gradients ({', '.join(names)}) and "
                         "ragged arguments; its gradient is not saved for ragged arguments here. Pass options="
                         "wb.saved_model.SaveOptions(experimental_custom_gradients=False) to save it without")
    graph = result.model.graph
    ranks = [s.name for s in onnx_specs if s.shape is None]
    float_in = [i for i, s in enumerate(onnx_specs) if np.dtype(s.dtype).kind == "f"]
    float_out, dy_specs = [], []
    for j, out in enumerate(graph.output):
        tt = out.type.tensor_type
        dtype = _onnx_np_dtype(tt.elem_type)
        if dtype.kind != "f":
            continue
        if not tt.HasField("shape"):
            if len(ranks) != 1:
                raise ValueError(f"wb.saved_model.save: function '{attr}': its custom gradients are saved as a "
                                 f"graph whose upstream gradient for output '{out.name}' has a rank set by one "
                                 "input; save it with SaveOptions(experimental_custom_gradients=False)")
            shape = f"{ranks[0]}_rank"
        else:
            shape = []
            for d in tt.shape.dim:
                if d.HasField("dim_value"):
                    shape.append(int(d.dim_value))
                elif d.dim_param:
                    shape.append(d.dim_param)
                else:
                    raise ValueError(f"wb.saved_model.save: function '{attr}': output '{out.name}' has a size "
                                     "computed from several open sizes; its custom gradients cannot be saved "
                                     "here: save it with SaveOptions(experimental_custom_gradients=False)")
            shape = tuple(shape)
        float_out.append(j)
        dy_specs.append(wb_onnx.TensorSpec(shape, dtype, f"grad_{out.name}"))
    watched = [v for v in result.variables.values() if v.trainable]
    n = len(onnx_specs)
    kept = {}

    def backward(*xs):
        from gradients.tape import GradientTape   # the tapes sit below this module
        inputs, dys = xs[:n], xs[n:]
        sources = [inputs[i] for i in float_in] + watched
        with GradientTape() as outer:   # watching the inner walk: its gradient is recorded as ops
            for i in float_in:
                outer.watch(inputs[i])
            with GradientTape() as tape:
                for i in float_in:
                    tape.watch(inputs[i])
                leaves = flat(*inputs)
            grads = tape.gradient([leaves[j] for j in float_out], sources, output_gradients=list(dys))
        del outer
        where = [["input", i] for i in float_in] + [["variable", index[id(v)]] for v in watched]
        kept["wrt"] = [w for w, g in zip(where, grads) if g is not None]
        return [g for g in grads if g is not None]

    relative = os.path.join("functions", f"{_SAFE.sub('_', attr)}_{k}_gradient.onnx")
    grad = wb_onnx.export(backward, list(onnx_specs) + dy_specs, os.path.join(export_dir, relative))
    bind = {init: index[id(v)] for init, v in grad.variables.items()}
    return {"file": relative.replace(os.sep, "/"), "variables": bind, "outputs": float_out,
            "wrt": kept["wrt"], "custom_gradients": names}


def _output_specs(model):
    """Shape (None: unknown rank; None sizes open) and dtype of each output of an ONNX graph."""
    out = []
    for v in model.graph.output:
        tt = v.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim] \
            if tt.HasField("shape") else None
        out.append({"shape": shape, "dtype": _onnx_np_dtype(tt.elem_type).name})
    return out


def _onnx_np_dtype(elem_type):
    from onnx import helper   # an optional extra: asked for only when saving
    return np.dtype(helper.tensor_dtype_to_np_dtype(elem_type))


def _same_shape_groups(args):
    """Positions (among ``args``) of the ragged arguments of one spec shape and ragged rank,
    in groups of two or more: the arguments a function traced with shared partitions."""
    groups = {}
    for i, a in enumerate(args):
        if "ragged_rank" in a:
            groups.setdefault(json.dumps([a["shape"], a["ragged_rank"]]), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def _ragged_parts(attr, name, spec):
    """The graph inputs of a ragged argument: ``name`` (its flat values) and ``name_1``, ... (its
    row splits, outermost first), as TF names a ragged argument's components."""
    from . import onnx as wb_onnx   # an optional extra: asked for only when saving
    shape, k = spec.shape.as_list(), spec.ragged_rank
    if k == 0:
        raise ValueError(f"wb.saved_model.save: function '{attr}': argument '{name}' is a RaggedTensorSpec of "
                         "ragged_rank 0; give it a TensorSpec")
    if any(d is not None for d in shape[1:k + 1]):
        raise ValueError(f"wb.saved_model.save: function '{attr}': argument '{name}' has spec {spec}; its "
                         f"dimensions 1 to {k} must be ragged (None) to be saved")
    if any(d is None for d in shape[k + 1:]):
        raise ValueError(f"wb.saved_model.save: function '{attr}': argument '{name}' has spec {spec}; the "
                         "dimensions inside its ragged ones must have known sizes to be saved")
    splits = np.dtype(spec.row_splits_dtype)
    parts = [wb_onnx.TensorSpec(tuple([None] + shape[k + 1:]), np.dtype(spec.dtype), name)]
    for level in range(k):
        rows = shape[0] if level == 0 else None
        parts.append(wb_onnx.TensorSpec((None if rows is None else rows + 1,), splits, f"{name}_{level + 1}"))
    return parts


def _assemble(args, xs):
    """The function's arguments from the graph inputs ``xs`` (ragged ones rebuilt from their
    components), and the ragged ones' (row-splits input, row partition) pairs."""
    out, splits, at = [], [], 0
    for a in args:
        if "ragged_rank" in a:
            n = a["ragged_rank"]
            rt = _ragged_from(xs[at], list(xs[at + 1:at + 1 + n]))
            out.append(rt)
            splits += list(zip(xs[at + 1:at + 1 + n], rt.partitions))
            at += 1 + n
        else:
            out.append(xs[at])
            at += 1
    return out, splits


def _ragged_from(flat_values, nested_row_splits):
    from ragged import RaggedTensor   # ragged sits below this module; imported when used
    return RaggedTensor.from_nested_row_splits(flat_values, nested_row_splits, validate=False)


def _flatten_result(attr, out, splits_inputs):
    """The result's tensors in order, and its nesting as plain data: leaf indices in lists,
    tuples and dicts; a RaggedTensor as ``{"ragged": {"flat_values": i, "nested_row_splits":
    [j, ...]}}``, each row splits being the input of the ragged argument whose partition the
    result kept (the graph passes that input on): the same partition, else the same values."""
    from ragged import RaggedTensor   # ragged imports workbench: imported when used
    leaves = []

    def leaf(t):
        leaves.append(t)
        return len(leaves) - 1

    def same_splits(t, part):
        for x, p in splits_inputs:
            if p._row_splits_arr() is part._row_splits_arr() and np.dtype(x.dtype) == np.dtype(t.dtype):
                return x
        a = backend.to_numpy(t._data)
        for x, _ in splits_inputs:
            if np.dtype(x.dtype) == np.dtype(t.dtype) and np.array_equal(backend.to_numpy(x._data), a):
                return x
        raise ValueError(f"wb.saved_model.save: function '{attr}' returns a RaggedTensor whose row "
                         "partition is none of its ragged arguments' partitions; a saved function returns "
                         "ragged tensors that keep an argument's row partitions (computing on the values), "
                         "as the graph cannot compute row partitions")

    def go(x):
        if isinstance(x, RaggedTensor):
            fv = leaf(x.flat_values)
            return {"ragged": {"flat_values": fv,
                               "nested_row_splits": [leaf(same_splits(t, p))
                                                     for t, p in zip(x.nested_row_splits, x.partitions)]}}
        if isinstance(x, dict):
            return {"dict": {str(k): go(x[k]) for k in sorted(x)}}
        if isinstance(x, (list, tuple)):
            return {"list" if isinstance(x, list) else "tuple": [go(e) for e in x]}
        return leaf(x)
    structure = {"none": []} if out is None else go(out)   # None: the function's effects alone
    return leaves, structure


def _sample_args(args, onnx_specs, batch, rng, shared):
    """Arrays for the graph inputs at ``batch``: random values, and for each ragged argument row
    splits that partition them (with ``shared``, the same splits for arguments of one shape)."""
    from .onnx.export import _sample   # the export's own draws for dense inputs
    arrays, at, drawn = [], 0, {}
    for a in args:
        if "ragged_rank" not in a:
            arrays += _sample([onnx_specs[at]], batch, rng)
            at += 1
            continue
        k = a["ragged_rank"]
        values = _sample([onnx_specs[at]], batch, rng)[0]
        splits_dtype = np.dtype(a["row_splits_dtype"])
        splits = []
        total = values.shape[0]
        for level in reversed(range(k)):
            fixed = onnx_specs[at + 1 + level].shape[0]
            n = (fixed if fixed is not None else batch) - 1
            splits.insert(0, _random_splits(n, total, None if shared else drawn).astype(splits_dtype))
            total = n
        arrays += [values] + splits
        at += 1 + k
    return arrays


def _random_splits(nrows, total, drawn=None):
    """Non-decreasing row splits from 0 to ``total`` for ``nrows`` rows, drawn from a generator
    seeded by the two sizes: the same splits for the same sizes, or with ``drawn`` (the splits
    drawn so far, by sizes) splits unlike those where there are others."""
    rng = np.random.default_rng([nrows, total, 17])
    seen = None if drawn is None else drawn.setdefault((nrows, total), [])
    for _ in range(64):
        inner = np.sort(rng.integers(0, total + 1, max(nrows - 1, 0)))
        splits = np.concatenate([[0], inner, [total]]) if nrows else np.zeros(1, np.int64)
        if seen is None or not any(np.array_equal(splits, other) for other in seen):
            break
    if seen is not None:
        seen.append(splits)
    return splits


def _arg_names(fn, n):
    params = getattr(fn, "_params", None) or getattr(getattr(fn, "_function", None), "_params", None) or []
    names = [p.name for p in params if p.name not in ("self", "cls")]
    out = []
    for i in range(n):
        name = names[i] if i < len(names) else f"args_{i}"
        out.append(name if name not in out else f"{name}_{i}")
    return out


# -- loading -----------------------------------------------------------------------
class _Loaded(Module):
    """What ``wb.saved_model.load`` returns: the saved variables at their attribute paths,
    the saved functions under their names, ``signatures`` by name."""

    def __call__(self, *args, **kwargs):
        call = self.__dict__.get("_call")
        if call is None:
            raise TypeError(f"the loaded object '{self.name}' is not callable: no __call__ function was saved")
        return call(*args, **kwargs)


class _LoadedFunction:
    """A saved ``wb.function``: its concrete functions as ONNX graphs reading the loaded
    variables; a call runs the one whose input signature fits the arguments."""

    def __init__(self, name, concretes):
        self.__name__ = name
        self._concretes = concretes

    def __call__(self, *args, **kwargs):
        if not self._concretes:
            raise ValueError(f"{self.__name__}: Found zero restored functions for caller function (it was "
                             "never traced before saving: call it once, or give it an input_signature)")
        if kwargs:
            raise TypeError(f"{self.__name__}: a loaded function takes its tensor inputs by position")
        for c in self._concretes:
            tensors = c.fit(args)
            if tensors is not None:
                c.check(args)
                return c(*tensors)
        shown = ", ".join(_shown(t) for t in args)
        offered = "; ".join(c.describe() for c in self._concretes)
        raise ValueError(f"{self.__name__}: no saved concrete function takes ({shown}); saved: {offered}")

    def __repr__(self):
        return f"<loaded function {self.__name__}: {len(self._concretes)} concrete function(s)>"


def _shown(t):
    if isinstance(t, core.Tensor):
        return f"{list(t.shape)} {np.dtype(t.dtype).name}"
    if _is_ragged(t):
        return (f"RaggedTensor {t.shape.as_list()} {np.dtype(t.dtype).name} ragged_rank={t.ragged_rank} "
                f"row_splits {np.dtype(t.row_splits_dtype).name}")
    return repr(t)


def _is_ragged(value):
    from ragged import RaggedTensor   # ragged sits below this module; imported when used
    return isinstance(value, RaggedTensor)


class _LoadedConcrete:
    def __init__(self, model, entry):
        self._model = model
        self._inputs = entry["inputs"]
        self._structure = entry["structure"]
        self._outputs = entry["outputs"]
        self._same = entry.get("same_row_splits", [])
        if not isinstance(self._same, list) or not all(
                isinstance(g, list) and all(isinstance(i, int) and 0 <= i < len(self._inputs)
                                            and "ragged_rank" in self._inputs[i] for i in g) for g in self._same):
            raise ValueError(f"wb.saved_model.load: {entry['file']}: same_row_splits must list groups of "
                             "ragged inputs' positions")
        for spec in self._inputs:
            if "ragged_rank" in spec and (not isinstance(spec["ragged_rank"], int) or spec["ragged_rank"] < 1
                                          or len(spec.get("components", ())) != spec["ragged_rank"] + 1):
                raise ValueError(f"wb.saved_model.load: {entry['file']}: ragged input {spec.get('name')!r} "
                                 "is not described as this loader reads it")

    def fit(self, args):
        """The arguments as the graph's input tensors, or None where they do not fit."""
        if len(args) != len(self._inputs):
            return None
        out = []
        for a, spec in zip(args, self._inputs):
            if "ragged_rank" in spec:
                parts = _ragged_fit(a, spec)
                if parts is None:
                    return None
                out += parts
                continue
            if _is_ragged(a):
                return None
            if "value" in spec:   # traced for this Python value: only that value fits
                if isinstance(a, core.Tensor) or not _python_equal(a, spec["value"]):
                    return None
                a = np.asarray(a, dtype=spec["dtype"])
            if not isinstance(a, core.Tensor):
                try:
                    a = core.convert_to_tensor(a, dtype=spec["dtype"])
                except (TypeError, ValueError):
                    return None
            shape = spec["shape"]
            if shape is not None and (len(a.shape) != len(shape) or
                                      any(d is not None and d != s for d, s in zip(shape, a.shape))):
                return None
            if np.dtype(a.dtype) != np.dtype(spec["dtype"]):
                return None
            for axis, size in spec.get("fixed", {}).items():
                if a.shape[int(axis)] != size:
                    # TF's graph fails in the op that needs that size; this graph was written for it
                    raise errors.InvalidArgumentError(
                        f"argument '{spec['name']}' has shape {list(a.shape)}: its dimension {axis} is open in "
                        f"the signature, but the saved function's ops run at size {size} alone")
            out.append(a)
        return out

    def check(self, args):
        """Ragged arguments the function combines must share their row partitions (TF's
        kernels check that their splits are identical)."""
        for group in self._same:
            first = args[group[0]]
            for i in group[1:]:
                for a, b in zip(first.nested_row_splits, args[i].nested_row_splits):
                    if a.shape != b.shape or not np.array_equal(a.numpy(), b.numpy()):
                        raise errors.InvalidArgumentError(
                            f"arguments '{self._inputs[group[0]]['name']}' and '{self._inputs[i]['name']}' "
                            "must have identical ragged splits: the saved function combines them")

    def describe(self):
        return "(" + ", ".join(f"{s['name']}: {s['shape']} {s['dtype']}"
                               + (f" ragged_rank={s['ragged_rank']} row_splits {s['row_splits_dtype']}"
                                  if "ragged_rank" in s else "")
                               + (f" = {s['value']}" if "value" in s else "") for s in self._inputs) + ")"

    _gradient = None   # (graph, the outputs it takes gradients for, what it differentiates)
    _unsaved = None    # names of custom gradients saved without their gradient

    def __call__(self, *tensors):
        return _rebuild(self._structure, self._run(tensors))

    _updates = ()   # (output name, variable): the values the function assigns to variables

    def _run(self, tensors):
        """The function's result tensors (a list); the values it assigns to variables are
        assigned (the graph gives them as outputs after the result's)."""
        out = self._run_graph(tensors)
        if not self._updates:
            return out
        names = self._model.output_names
        for name, var in self._updates:
            var.assign(out[names.index(name)])
        return [out[names.index(name)] for name in self._outputs]

    def _run_graph(self, tensors):
        """The graph's outputs (a list); with a saved gradient graph, or custom gradients that
        were not saved, as one custom-gradient op whose reverse rule runs that graph (TF's
        loaded function uses the saved gradient function) or fails as TF's does."""
        if self._gradient is None and self._unsaved is None:
            out = self._model(*tensors)
            return out if isinstance(out, list) else [out]
        from gradients.custom import custom_gradient   # the tapes sit below this module
        model, outs, wrt = self._gradient or (None, None, None)
        unsaved = self._unsaved

        @custom_gradient
        def run(*xs):
            out = self._model(*xs)
            flat = out if isinstance(out, list) else [out]

            def grad(*dys, variables=None):
                if model is None:
                    raise LookupError(f"No gradient defined for the loaded function: its custom gradients "
                                      f"({', '.join(unsaved)}) were saved with SaveOptions("
                                      "experimental_custom_gradients=False)")
                from .ops.elementwise import zeros_like   # ops sit below this module
                ups = [zeros_like(flat[j]) if dys[j] is None else dys[j] for j in outs]
                got = model(*xs, *ups)
                got = got if isinstance(got, list) else [got]
                by_input, by_variable = {}, {}
                for (kind, what), g in zip(wrt, got):
                    if kind == "input":
                        by_input[what] = g
                    else:
                        by_variable[id(what)] = g
                in_grads = [by_input.get(i) for i in range(len(xs))]
                if variables is None:
                    return in_grads
                return in_grads, [by_variable.get(id(v)) for v in variables]
            return (flat if len(flat) > 1 else flat[0]), grad
        out = run(*tensors)
        return list(out) if isinstance(out, (list, tuple)) else [out]

    def structured_outputs(self):
        """The signature's outputs as TF names them: a TensorSpec per output name (the
        function's dict keys, else ``output_0``, ...)."""
        specs = dict(zip(self._model.output_names, _output_specs(self._model.proto)))
        flat = [TensorSpec(specs[n]["shape"], specs[n]["dtype"]) for n in self._outputs]
        value = _rebuild(self._structure, flat)
        named = value.items() if isinstance(value, dict) else ((f"output_{i}", t) for i, t in enumerate(flat))
        return {k: TensorSpec(t.shape, t.dtype, name=k) for k, t in named}

    def signature_call(self, kwargs):
        missing = [s["name"] for s in self._inputs if s["name"] not in kwargs]
        extra = sorted(set(kwargs) - {s["name"] for s in self._inputs})
        if missing or extra:
            raise TypeError(f"signature: inputs by name must be {[s['name'] for s in self._inputs]}; got "
                            f"{sorted(kwargs)}")
        flat = self._run([kwargs[s["name"]] for s in self._inputs])
        value = _rebuild(self._structure, flat)
        if isinstance(value, dict):
            return value
        return {f"output_{i}": t for i, t in enumerate(flat)}


def _ragged_fit(value, spec):
    """A RaggedTensor's components (flat values, row splits outermost first) for a saved ragged
    input, or None where it does not fit the spec (its ragged rank, dtypes and known sizes)."""
    if not _is_ragged(value) or value.ragged_rank != spec["ragged_rank"]:
        return None
    if np.dtype(value.dtype) != np.dtype(spec["dtype"]) or \
            np.dtype(value.row_splits_dtype) != np.dtype(spec["row_splits_dtype"]):
        return None
    shape = value.shape.as_list()
    want = spec["shape"]
    if len(shape) != len(want) or any(d is not None and d != s for d, s in zip(want, shape)):
        return None
    return [value.flat_values] + list(value.nested_row_splits)


def _python_equal(value, saved):
    try:
        return _python_spec(value) is not None and np.array_equal(np.asarray(value), np.asarray(saved))
    except (TypeError, ValueError):
        return False


def _rebuild(structure, flat):
    if isinstance(structure, int):
        return flat[structure]
    (kind, inner), = structure.items()
    if kind == "ragged":
        return _ragged_from(flat[inner["flat_values"]], [flat[j] for j in inner["nested_row_splits"]])
    if kind == "dict":
        return {k: _rebuild(v, flat) for k, v in inner.items()}
    if kind == "none":
        return None
    values = [_rebuild(v, flat) for v in inner]
    return values if kind == "list" else tuple(values)


class _Signatures(dict):
    pass


def load(export_dir, tags=None, options=None):
    """The object saved in ``export_dir`` by :func:`save`: variables at their attribute paths,
    functions by name, ``.signatures``. Nothing from the folder runs as code."""
    if not isinstance(export_dir, (str, os.PathLike)):
        raise TypeError(f"wb.saved_model.load: export_dir must be a path, got {type(export_dir).__name__}")
    export_dir = os.fspath(export_dir)
    manifest_path = os.path.join(export_dir, _MANIFEST)
    if not os.path.isfile(manifest_path):
        raise FileNotFoundError(f"wb.saved_model.load: no {_MANIFEST} in {export_dir!r} (not a folder "
                                "written by wb.saved_model.save)")
    with open(manifest_path) as f:
        manifest = json.load(f)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"wb.saved_model.load: {manifest_path} is not a {FORMAT} manifest")
    if manifest.get("version") not in _READS:
        raise ValueError(f"wb.saved_model.load: {manifest_path} has version {manifest.get('version')!r}; "
                         f"this workbench reads versions {', '.join(str(v) for v in _READS)}")
    from . import onnx as wb_onnx   # an optional extra: ask for it only when loading
    with np.load(os.path.join(export_dir, _VALUES), allow_pickle=False) as data:
        values = {k: data[k] for k in data.files}
    root = _Loaded(name="loaded")
    variables = []
    for i, spec in enumerate(manifest["variables"]):
        value = values.get(f"v{i}")
        if value is None:
            raise ValueError(f"wb.saved_model.load: {_VALUES} lacks the value of variable '{spec['path']}'")
        if spec.get("dtype") in _ML_DTYPES and value.dtype.kind == "u":
            value = value.view(dtypes.np_dtype(spec["dtype"]))
        v = core.Variable(value, trainable=bool(spec["trainable"]), name=str(spec["name"]))
        variables.append(v)
        _set_path(root, str(spec["path"]), v)
    for attr, entries in manifest["functions"].items():
        concretes = [_loaded_concrete(wb_onnx, export_dir, e, variables) for e in entries]
        _set_path(root, attr, _LoadedFunction(attr.rsplit("/", 1)[-1], concretes))
    sigs = _Signatures()
    for name, entry in manifest["signatures"].items():
        concrete = _loaded_concrete(wb_onnx, export_dir, entry, variables)
        sigs[name] = _signature_fn(name, concrete)
    object.__setattr__(root, "signatures", sigs)
    return root


def _loaded_concrete(wb_onnx, export_dir, entry, variables):
    concrete = _LoadedConcrete(_onnx_model(wb_onnx, export_dir, entry, variables), entry)
    grad = entry.get("gradient")
    if grad is not None:
        wrt = grad.get("wrt")
        outs = grad.get("outputs")
        if not (isinstance(wrt, list) and all(
                isinstance(w, list) and len(w) == 2 and w[0] in ("input", "variable") and isinstance(w[1], int)
                and 0 <= w[1] < (len(concrete._inputs) if w[0] == "input" else len(variables)) for w in wrt)
                and isinstance(outs, list)
                and all(isinstance(j, int) and 0 <= j < len(entry["outputs"]) for j in outs)):
            raise ValueError(f"wb.saved_model.load: {entry['file']}: its gradient is not described as this "
                             "loader reads it")
        concrete._gradient = (_onnx_model(wb_onnx, export_dir, grad, variables), outs,
                              [(kind, i if kind == "input" else variables[i]) for kind, i in wrt])
    updates = entry.get("updates", {})
    if not (isinstance(updates, dict) and all(
            n in concrete._model.output_names and isinstance(i, int) and 0 <= i < len(variables)
            for n, i in updates.items())):
        raise ValueError(f"wb.saved_model.load: {entry['file']}: its variable updates are not described as "
                         "this loader reads them")
    concrete._updates = [(n, variables[i]) for n, i in updates.items()]
    unsaved = entry.get("custom_gradients_unsaved")
    if unsaved is not None:
        concrete._unsaved = [str(n) for n in unsaved]
    return concrete


def _signature_fn(name, concrete):
    def call(*args, **kwargs):
        # positional inputs in the signature's order, as TF's signature functions take them
        if len(args) > len(concrete._inputs):
            raise TypeError(f"signature {name!r} takes {len(concrete._inputs)} inputs, got {len(args)} "
                            "positional arguments")
        for spec, value in zip(concrete._inputs, args):
            if spec["name"] in kwargs:
                raise TypeError(f"signature {name!r}: input {spec['name']!r} given by position and by name")
            kwargs[spec["name"]] = value
        return concrete.signature_call(kwargs)
    call.__name__ = name
    call.inputs = concrete._inputs
    call.structured_outputs = concrete.structured_outputs()
    return call


def _onnx_model(wb_onnx, export_dir, entry, variables):
    relative = str(entry["file"])
    path = os.path.realpath(os.path.join(export_dir, relative))
    if os.path.commonpath([path, os.path.realpath(export_dir)]) != os.path.realpath(export_dir):
        raise ValueError(f"wb.saved_model.load: the manifest names {relative!r}, outside {export_dir!r}")
    model = wb_onnx.load(path, trainable=False)
    for init, i in entry["variables"].items():
        if not isinstance(i, int) or not 0 <= i < len(variables):
            raise ValueError(f"wb.saved_model.load: {relative} binds {init!r} to variable {i!r}, which does "
                             f"not exist ({len(variables)} variables)")
        model._constants.pop(init, None)
        model.weights[init] = variables[i]
    return model


def _set_path(root, path, value):
    parts = [p for p in path.split("/") if p]
    if not parts or any(p.startswith("__") and p != "__call__" for p in parts) or "__call__" in parts[:-1]:
        raise ValueError(f"wb.saved_model.load: attribute path {path!r} is not one this loader sets")
    node = root
    for part in parts[:-1]:
        child = node.__dict__.get(part)
        if child is None:
            child = _Loaded(name=part)
            setattr(node, part, child)
        node = child
    if parts[-1] == "__call__":
        object.__setattr__(node, "_call", value)
    else:
        setattr(node, parts[-1], value)


from . import saved_model_experimental as experimental  # noqa: E402,F401  (tf.saved_model.experimental)


def contains_saved_model(export_dir):
    """Whether ``export_dir`` holds a saved model: this library's (``saved_model.json``) or
    TF's (``saved_model.pb`` / ``saved_model.pbtxt``)."""
    if not isinstance(export_dir, (str, bytes, os.PathLike)):
        raise TypeError(f"contains_saved_model: export_dir must be a path, got {type(export_dir).__name__}")
    path = os.fsdecode(export_dir)
    return os.path.isdir(path) and any(
        os.path.isfile(os.path.join(path, f)) for f in (_MANIFEST, "saved_model.pb", "saved_model.pbtxt"))
