"""Keras-style serialization of functions and classes by name: ``register_serializable``,
``custom_objects`` and the lookup that ``deserialize`` functions share.

A config never holds code: a function is written as its module and name
(``{"class_name": "function", "config": "my_act", "module": "my_pkg.acts"}``)
and found again only in explicit tables: ``custom_objects``, a registration,
or the table of the library's own tensor ops (``wb.exp``, ``wb.nn.gelu``, …).
No name from a config is ever imported or followed through module attributes,
so loading a config from someone else cannot import or run their code; a
config naming anything else fails before any object is built
(:func:`check_config`).

>>> @wb.keras.saving.register_keras_serializable(package="demo")
... def scaled_relu(x):
...     return wb.nn.relu(x) * 2.0
>>> wb.keras.serialization.serialize_function(scaled_relu)["config"]
'demo>scaled_relu'
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import importlib
import marshal
import types

__all__ = ["check_config", "custom_object_scope", "deserialize_function", "get_custom_objects",
           "get_registered_object", "register_serializable", "serialize_function"]

_REGISTRY: dict = {}          # "package>name" -> class or function
_scopes: list = []            # custom_objects dicts of the enclosing deserialize calls (innermost last)


def register_serializable(package="Custom", name=None):
    """Decorator: make a class or function known to ``deserialize`` as ``"package>name"``
    (Keras' ``register_keras_serializable``)."""
    def register(obj):
        key = f"{package}>{name or obj.__name__}"
        if key in _REGISTRY and _REGISTRY[key] is not obj:
            raise ValueError(f"register_serializable: {key!r} is already registered to {_REGISTRY[key]!r}")
        _REGISTRY[key] = obj
        return obj
    return register


def get_custom_objects() -> dict:
    """The registry itself, ``{"package>name": class_or_function}`` (Keras' ``get_custom_objects``):
    clearing it forgets every registration; entries added to it are found by their key."""
    return _REGISTRY


def registered_name(obj):
    """``"package>name"`` when ``obj`` was registered, else None."""
    for key, value in _REGISTRY.items():
        if value is obj:
            return key
    return None


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    """Make ``{name: class_or_function}`` visible to every ``deserialize`` inside the block."""
    _scopes.append(dict(custom_objects or {}))
    try:
        yield
    finally:
        _scopes.pop()


def get_registered_object(name, custom_objects=None, builtins=None):
    """The object named ``name``, None if unknown. Looked up, in order: ``custom_objects`` and the
    enclosing scopes, the registry by its full ``"package>name"`` key, ``builtins(name)`` (the
    library's own objects), and last a registration whose bare ``name`` is unique, so that a
    registered class never shadows a built-in of the same name."""
    for table in ([custom_objects] if custom_objects else []) + _scopes[::-1]:
        if name in table:
            return table[name]
    if name in _REGISTRY:
        return _REGISTRY[name]
    found = builtins(name) if builtins is not None else None
    if found is not None:
        return found
    bare = [v for k, v in _REGISTRY.items() if k.split(">", 1)[-1] == name]
    return bare[0] if len(bare) == 1 else None


# The public namespaces whose tensor ops a config may name. Only functions defined in
# ``workbench.ops`` qualify: pure tensor ops, none of which touches files, processes or state.
_BUILTIN_NAMESPACES = ("workbench", "workbench.math", "workbench.nn", "workbench.linalg")


@functools.cache
def _builtin_functions() -> dict:
    """``{(module, name): function}`` for the library's own tensor ops, under their public name
    (``("workbench.nn", "gelu")``) and their defining one (``("workbench.ops.nn", "gelu")``, the
    form older configs recorded). Built from the fixed namespaces above, never from a config."""
    table = {}
    for namespace in _BUILTIN_NAMESPACES:
        for name, obj in vars(importlib.import_module(namespace)).items():
            if (name.startswith("_") or not isinstance(obj, types.FunctionType)
                    or not obj.__module__.startswith("workbench.ops.")):
                continue
            table.setdefault((namespace, name), obj)
            table.setdefault((obj.__module__, obj.__qualname__), obj)
    return table


@functools.cache
def _builtin_names() -> dict:
    """``{id(function): (public module, name)}``: the name a config records for a library op: the
    first namespace that has it, or the one named like its defining module when it is in several
    (``softmax``, defined in ``workbench.ops.nn``, is ``workbench.nn.softmax`` and also
    ``workbench.math.softmax``)."""
    names = {}
    for (module, name), fn in _builtin_functions().items():
        if module not in _BUILTIN_NAMESPACES:
            continue
        own = module.rpartition(".")[2] == fn.__module__.rpartition(".")[2]
        if own and names.get(id(fn), ("",))[0].rpartition(".")[2] != module.rpartition(".")[2]:
            names[id(fn)] = (module, name)
        else:
            names.setdefault(id(fn), (module, name))
    return names


def serialize_function(fn) -> dict:
    """``{"class_name": "function", "config": name, "module": module}`` for a registered function,
    a library op (under its public module, ``"workbench.nn"``) or a module-level function;
    lambdas and closures cannot be written as names."""
    key = registered_name(fn)
    if key is not None:
        return {"class_name": "function", "config": key}
    builtin = _builtin_names().get(id(fn))
    if builtin is not None and _builtin_functions()[builtin] is fn:
        return {"class_name": "function", "config": builtin[1], "module": builtin[0]}
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        raise ValueError(f"cannot serialize {fn!r}: only registered (wb.keras.saving.register_keras_serializable) or "
                         "module-level functions can be written into a config, not lambdas or closures")
    return {"class_name": "function", "config": qualname, "module": module}


LAMBDA_REFUSED = ("the config holds Python bytecode (a lambda), which is never run here; rebuild the layer "
                  "with a named function and pass that function in custom_objects (or register it with "
                  "wb.keras.saving.register_keras_serializable)")


def dump_lambda(fn) -> dict:
    """Keras 3's ``{"class_name": "__lambda__", ...}`` for a Python lambda: its bytecode (base64 of
    ``marshal``), defaults and closure values, so the file is what Keras writes. Loading never
    runs it (see :func:`deserialize_function`). Raises ValueError when the defaults or closure
    hold values a config cannot (tensors, objects)."""
    def plain(v):
        return v is None or isinstance(v, (bool, int, float, str)) or (
            isinstance(v, (list, tuple)) and all(plain(x) for x in v))
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    if not plain(fn.__defaults__) or not plain(closure):
        raise ValueError(f"cannot serialize {fn!r}: the lambda's defaults or closure hold values a config "
                         "cannot (use a module-level or registered function)")
    code = codecs.encode(marshal.dumps(fn.__code__), "base64").decode("ascii")
    return {"class_name": "__lambda__", "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}


def _function_parts(config):
    """(name, module) of a function reference, checked to be strings."""
    if isinstance(config, str):
        return config, None
    if not isinstance(config, dict) or not isinstance(config.get("config"), str):
        raise ValueError(f"a function reference must be a name or a dict with a string 'config', "
                         f"got {config!r}")
    module = config.get("module")
    if module is not None and not isinstance(module, str):
        raise ValueError(f"a function reference's 'module' must be a string, got {module!r}")
    return config["config"], module


def deserialize_function(config, custom_objects=None):
    """The function a :func:`serialize_function` config names: from ``custom_objects`` (and the
    enclosing :func:`custom_object_scope`), the registry, or the library's own tensor ops."""
    if isinstance(config, dict) and config.get("class_name") == "__lambda__":
        raise ValueError(LAMBDA_REFUSED)
    name, module = _function_parts(config)
    found = get_registered_object(name, custom_objects, lambda _: _builtin_functions().get((module, name)))
    if found is not None:
        return found
    where = f" from module {module!r}" if module else ""
    raise ValueError(f"unknown function {name!r}{where}: pass it in custom_objects={{{name!r}: fn}} or "
                     "register it with wb.keras.saving.register_keras_serializable (configs never import code)")


def check_config(config, lookups, custom_objects=None, where="config"):
    """Resolve every name a (nested) config refers to before anything is built: each
    ``{"class_name": "function"}`` must be a known function, each other ``class_name`` a class
    that one of ``lookups`` (``name -> class or None``) or the registry knows. Raises
    ``ValueError`` naming the first unknown one and where it sits."""
    def visit(node, path):
        if isinstance(node, dict):
            name = node.get("class_name")
            if name == "__lambda__":
                raise ValueError(f"{where}: {path}: {LAMBDA_REFUSED}")
            if name == "function":
                try:
                    deserialize_function(node, custom_objects)
                except ValueError as exc:
                    raise ValueError(f"{where}: {path}: {exc}") from None
                return
            if name is not None and name not in ("__tensor__", "__numpy__"):   # graph tensors, constants
                if not isinstance(name, str):
                    raise ValueError(f"{where}: {path}: class_name must be a string, got {name!r}")
                if not any(get_registered_object(name, custom_objects, lookup) is not None for lookup in lookups):
                    raise ValueError(f"{where}: {path}: unknown class {name!r}; pass it in custom_objects="
                                     f"{{{name!r}: cls}} or register it with wb.keras.saving.register_keras_serializable "
                                     "(configs never import code)")
            for key, value in node.items():
                visit(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                visit(value, f"{path}[{i}]")
    visit(config, "config")


class Configurable:
    """Base of initializers and regularizers: constructor arguments as the config."""

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def serialize_object(obj, base, get):
    """``{"class_name", "config"}`` for an instance of ``base`` (after ``get(obj)``), a function
    reference for a plain callable; None stays None (initializers, regularizers)."""
    if obj is None:
        return None
    obj = get(obj)
    if isinstance(obj, base):
        name = registered_name(type(obj)) or type(obj).__name__
        return {"class_name": name, "config": obj.get_config()}
    return serialize_function(obj)


def deserialize_object(config, what, get, lookup, known, custom_objects=None):
    """The object a :func:`serialize_object` config describes: ``lookup(class_name)`` finds a
    built-in class (see :func:`get_registered_object` for the order); a string goes through ``get``."""
    if config is None:
        return None
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{what} config must be a name or a dict with a 'class_name', got {config!r}")
    if config["class_name"] == "function":
        return deserialize_function(config, custom_objects)
    cls = get_registered_object(config["class_name"], custom_objects, lookup)
    if cls is None:
        raise ValueError(f"unknown {what} {config['class_name']!r}; known: {known}")
    return cls.from_config(config.get("config", {}))
