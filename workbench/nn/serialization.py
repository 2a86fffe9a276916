"""Keras-style serialization of functions and classes by name: ``register_serializable``,
``custom_objects`` and the lookup that ``deserialize`` functions share.

A config never holds code: a function is written as its module and name
(``{"class_name": "function", "config": "my_act", "module": "my_pkg.acts"}``)
and found again through ``custom_objects``, a registration, or, for the
library's own functions only, by importing the ``workbench`` module named.
Anything else must be handed over explicitly, so loading a config from someone
else cannot import or run their code.

>>> @wb.nn.register_serializable(package="demo")
... def scaled_relu(x):
...     return wb.nn.relu(x) * 2.0
>>> wb.nn.serialization.serialize_function(scaled_relu)["config"]
'demo>scaled_relu'
"""

from __future__ import annotations

import contextlib
import importlib

__all__ = ["custom_object_scope", "deserialize_function", "get_registered_object", "register_serializable",
           "serialize_function"]

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


def serialize_function(fn) -> dict:
    """``{"class_name": "function", "config": name, "module": module}`` for a registered or
    module-level function; lambdas and closures cannot be written as names."""
    key = registered_name(fn)
    if key is not None:
        return {"class_name": "function", "config": key}
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        raise ValueError(f"cannot serialize {fn!r}: only registered (wb.nn.register_serializable) or "
                         "module-level functions can be written into a config, not lambdas or closures")
    return {"class_name": "function", "config": qualname, "module": module}


def deserialize_function(config, custom_objects=None):
    """The function a :func:`serialize_function` config names."""
    name = config["config"] if isinstance(config, dict) else str(config)
    module = config.get("module") if isinstance(config, dict) else None
    found = get_registered_object(name, custom_objects, lambda _: _library_function(name, module))
    if found is not None:
        return found
    where = f" from module {module!r}" if module else ""
    raise ValueError(f"unknown function {name!r}{where}: pass it in custom_objects={{{name!r}: fn}} or "
                     "register it with wb.nn.register_serializable (configs never import code)")


def _library_function(name, module):
    """The function ``name`` of a ``workbench`` module (the only modules a config may import)."""
    if module != "workbench" and not (module or "").startswith("workbench."):
        return None
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part, None)
    return obj if callable(obj) else None


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
