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

Differences from TF, by design: the functions are stored as ONNX graphs (the open format
this project exports to), so a function must be one that ``wb.onnx.export`` can write
(tensor arguments only, a dynamic leading dimension at most); loading never runs code from
the folder and never reads outside it.
"""

from __future__ import annotations

import json
import os
import re
import warnings

import numpy as np

from . import backend, core, nest
from .tensor_shape import TensorSpec
from .compiler import Function
from .module import Module

__all__ = ["save", "load", "SaveOptions", "LoadOptions"]

FORMAT = "workbench.saved_model"
VERSION = 1
_MANIFEST = "saved_model.json"
_VALUES = "variables.npz"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


class SaveOptions:
    """Accepted for TF's signature; nothing in it changes what is written here. With
    ``experimental_custom_gradients`` True (TF's default), saving a function that has a
    custom gradient warns: the loaded function's gradient is its ops' gradient (TF keeps the
    custom one); False says that is what is wanted."""

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
    variables = _variables(obj)
    index = {id(v): i for i, (_, v) in enumerate(variables)}
    functions = {}
    keep_custom = True if options is None else getattr(options, "experimental_custom_gradients", True)
    for attr, fn in _functions(obj):
        call = _python_callable(fn)
        entries = [_export_concrete(wb_onnx, export_dir, attr, k, call, _arg_names(fn, len(specs)), specs,
                                    index, values) for k, (specs, values) in enumerate(_concrete_specs(fn))]
        if entries:
            functions[attr] = entries
            if keep_custom:
                _warn_custom_gradients(attr, fn)
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
        sigs[name] = _export_concrete(wb_onnx, export_dir, f"signature_{name}", k, call, names, specs, index)
    if not functions and not sigs and not variables:
        raise ValueError(f"wb.saved_model.save: {type(obj).__name__} has no variables and no traced "
                         "wb.function: nothing to save (call its functions once, or give them an "
                         "input_signature)")
    values = {f"v{i}": _host(v) for i, (_, v) in enumerate(variables)}
    for i, (path, v) in enumerate(variables):
        if values[f"v{i}"].dtype.kind == "O":
            raise TypeError(f"wb.saved_model.save: variable '{path}' holds strings, which are not saved here")
    os.makedirs(export_dir, exist_ok=True)
    np.savez(os.path.join(export_dir, _VALUES), **values)
    manifest = {
        "format": FORMAT, "version": VERSION,
        "variables": [{"path": path, "name": v.path, "trainable": bool(v.trainable)} for path, v in variables],
        "functions": functions, "signatures": sigs,
    }
    with open(os.path.join(export_dir, _MANIFEST), "w") as f:
        json.dump(manifest, f, indent=1)


def _warn_custom_gradients(attr, fn):
    names = {name.split(":", 1)[-1] for concrete in getattr(fn, "_concrete", {}).values()
             for program in concrete._programs for name in getattr(program, "custom_gradients", ())}
    if names:
        warnings.warn(f"wb.saved_model.save: function '{attr}' has custom gradients ({', '.join(sorted(names))}), "
                      "which are not saved: the functions are ONNX graphs, and the loaded function's gradient "
                      "is the gradient of its ops (TF keeps the custom gradient). Pass "
                      "options=wb.saved_model.SaveOptions(experimental_custom_gradients=False) to save it so "
                      "knowingly", UserWarning, stacklevel=3)


def _host(v):
    return np.array(backend.to_numpy(v._data), copy=True)


def _variables(obj):
    """(attribute path, variable) for every variable reachable from ``obj``, each once."""
    if isinstance(obj, Module):
        return list(obj.variables_by_path().items())
    found = getattr(obj, "variables", None)
    if found is None:
        return []
    return [(v.path, v) for v in found]


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


def _concrete_specs(fn):
    """(specs, Python values) of each concrete function traced so far (or of the
    input_signature): a nested list of numbers the function was traced for is saved as a
    tensor input of its shape that matches calls with that same value, as TF matches it."""
    if fn.input_signature is not None and not getattr(fn, "_concrete", None):
        fn.get_concrete_function()
    out = []
    for concrete in list(getattr(fn, "_concrete", {}).values()):
        pos, kw = concrete.structured_input_signature
        obj = getattr(fn, "_obj", None)
        leaves = list(pos[1:] if obj is not None and pos and pos[0] is obj else pos)
        if kw:
            continue
        specs, values = [], []
        for leaf in leaves:
            if isinstance(leaf, TensorSpec):
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
            pos, kw = fn.structured_input_signature
            head = [s for s in pos if not isinstance(s, TensorSpec)]
            specs = [s for s in pos if isinstance(s, TensorSpec)]
            if kw or any(not isinstance(s, TensorSpec) for s in pos[len(head):]):
                raise ValueError(f"wb.saved_model.save: signature {name!r} takes keyword or Python arguments")
            inner = fn._function.python_function
            out.append((name, lambda *xs, _f=inner, _h=tuple(head): _f(*_h, *xs),
                        _arg_names(fn._function, len(specs)), specs))
            continue
        if isinstance(getattr(fn, "input_signature", None), (list, tuple)):
            out.append((name, _python_callable(fn), _arg_names(fn, len(fn.input_signature)),
                        list(fn.input_signature)))
            continue
        else:
            raise ValueError(f"wb.saved_model.save: signature {name!r} must be a wb.function with an "
                             "input_signature or a concrete function (f.get_concrete_function(spec...))")
    return out


def _export_concrete(wb_onnx, export_dir, attr, k, call, names, specs, index, values=None):
    onnx_specs = [wb_onnx.TensorSpec(tuple(s.shape.as_list()) if s.shape.rank is not None else (),
                                     np.dtype(s.dtype).name, names[i]) for i, s in enumerate(specs)]
    if any(s.shape.rank is None for s in specs):
        raise ValueError(f"wb.saved_model.save: function '{attr}' has an input of unknown rank; give it an "
                         "input_signature with a rank")

    structure = {}

    def flat(*xs):
        out = call(*xs)
        structure["value"] = _describe(out)
        return nest.flatten(out)

    relative = os.path.join("functions", f"{_SAFE.sub('_', attr)}_{k}.onnx")
    path = os.path.join(export_dir, relative)
    result = wb_onnx.export(flat, onnx_specs, path)
    bind = {}
    for init, v in result.variables.items():
        if id(v) not in index:
            raise ValueError(f"wb.saved_model.save: function '{attr}' reads the variable '{v.path}', which "
                             "is not reachable from the object being saved (make it an attribute)")
        bind[init] = index[id(v)]
    inputs = [{"name": s.name, "shape": list(s.shape), "dtype": s.dtype} for s in onnx_specs]
    for spec, value in zip(inputs, values or [None] * len(inputs)):
        if value is not None:
            spec["value"] = np.asarray(value).tolist()
    return {"file": relative.replace(os.sep, "/"), "inputs": inputs,
        "outputs": result.outputs, "structure": structure.get("value"), "variables": bind}


def _arg_names(fn, n):
    params = getattr(fn, "_params", None) or getattr(getattr(fn, "_function", None), "_params", None) or []
    names = [p.name for p in params if p.name not in ("self", "cls")]
    out = []
    for i in range(n):
        name = names[i] if i < len(names) else f"args_{i}"
        out.append(name if name not in out else f"{name}_{i}")
    return out


def _describe(out):
    """The output's nesting as plain data: leaf indices in lists, tuples and dicts."""
    counter = iter(range(1 << 30))

    def go(x):
        if isinstance(x, dict):
            return {"dict": {str(k): go(x[k]) for k in sorted(x)}}
        if isinstance(x, (list, tuple)):
            return {"list" if isinstance(x, list) else "tuple": [go(e) for e in x]}
        return next(counter)
    return go(out)


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
        if kwargs:
            raise TypeError(f"{self.__name__}: a loaded function takes its tensor inputs by position")
        for c in self._concretes:
            tensors = c.fit(args)
            if tensors is not None:
                return c(*tensors)
        shown = ", ".join(f"{list(t.shape)} {np.dtype(t.dtype).name}" if isinstance(t, core.Tensor)
                          else repr(t) for t in args)
        offered = "; ".join(c.describe() for c in self._concretes)
        raise ValueError(f"{self.__name__}: no saved concrete function takes ({shown}); saved: {offered}")

    def __repr__(self):
        return f"<loaded function {self.__name__}: {len(self._concretes)} concrete function(s)>"


class _LoadedConcrete:
    def __init__(self, model, entry):
        self._model = model
        self._inputs = entry["inputs"]
        self._structure = entry["structure"]
        self._outputs = entry["outputs"]

    def fit(self, args):
        """The arguments as the graph's input tensors, or None where they do not fit."""
        if len(args) != len(self._inputs):
            return None
        out = []
        for a, spec in zip(args, self._inputs):
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
            if len(a.shape) != len(shape) or any(d is not None and d != s for d, s in zip(shape, a.shape)):
                return None
            if np.dtype(a.dtype) != np.dtype(spec["dtype"]):
                return None
            out.append(a)
        return out

    def describe(self):
        return "(" + ", ".join(f"{s['name']}: {s['shape']} {s['dtype']}"
                               + (f" = {s['value']}" if "value" in s else "") for s in self._inputs) + ")"

    def __call__(self, *tensors):
        out = self._model(*tensors)
        flat = out if isinstance(out, list) else [out]
        return _rebuild(self._structure, flat)

    def signature_call(self, kwargs):
        missing = [s["name"] for s in self._inputs if s["name"] not in kwargs]
        extra = sorted(set(kwargs) - {s["name"] for s in self._inputs})
        if missing or extra:
            raise TypeError(f"signature: inputs by name must be {[s['name'] for s in self._inputs]}; got "
                            f"{sorted(kwargs)}")
        out = self._model(*[kwargs[s["name"]] for s in self._inputs])
        flat = out if isinstance(out, list) else [out]
        value = _rebuild(self._structure, flat)
        if isinstance(value, dict):
            return value
        return {f"output_{i}": t for i, t in enumerate(flat)}


def _python_equal(value, saved):
    try:
        return _python_spec(value) is not None and np.array_equal(np.asarray(value), np.asarray(saved))
    except (TypeError, ValueError):
        return False


def _rebuild(structure, flat):
    if isinstance(structure, int):
        return flat[structure]
    (kind, inner), = structure.items()
    if kind == "dict":
        return {k: _rebuild(v, flat) for k, v in inner.items()}
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
    if manifest.get("version") != VERSION:
        raise ValueError(f"wb.saved_model.load: {manifest_path} has version {manifest.get('version')!r}; "
                         f"this workbench reads version {VERSION}")
    from . import onnx as wb_onnx   # an optional extra: ask for it only when loading
    with np.load(os.path.join(export_dir, _VALUES), allow_pickle=False) as data:
        values = {k: data[k] for k in data.files}
    root = _Loaded(name="loaded")
    variables = []
    for i, spec in enumerate(manifest["variables"]):
        value = values.get(f"v{i}")
        if value is None:
            raise ValueError(f"wb.saved_model.load: {_VALUES} lacks the value of variable '{spec['path']}'")
        v = core.Variable(value, trainable=bool(spec["trainable"]), name=str(spec["name"]))
        variables.append(v)
        _set_path(root, str(spec["path"]), v)
    for attr, entries in manifest["functions"].items():
        concretes = [_LoadedConcrete(_onnx_model(wb_onnx, export_dir, e, variables), e) for e in entries]
        _set_path(root, attr, _LoadedFunction(attr.rsplit("/", 1)[-1], concretes))
    sigs = _Signatures()
    for name, entry in manifest["signatures"].items():
        concrete = _LoadedConcrete(_onnx_model(wb_onnx, export_dir, entry, variables), entry)
        sigs[name] = _signature_fn(name, concrete)
    object.__setattr__(root, "signatures", sigs)
    return root


def _signature_fn(name, concrete):
    def call(**kwargs):
        return concrete.signature_call(kwargs)
    call.__name__ = name
    call.inputs = concrete._inputs
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
