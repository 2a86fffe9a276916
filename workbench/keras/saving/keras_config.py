"""Keras 3's ``config.json`` and this library's configs, each read as the other.

Keras 3 wraps every object as ``{"module", "class_name", "config", "registered_name"}``,
writes dtypes as ``DTypePolicy`` objects, a functional graph's tensors as
``__keras_tensor__`` (with their shape and dtype) and its inputs and outputs as
``[layer, node, index]`` triples. :func:`from_keras` turns such a config into the form
``wb.keras.layers.deserialize`` takes: arguments Keras has and this library lacks are
dropped when they hold Keras' neutral default (``kernel_constraint: null``) and otherwise
left for the constructor to refuse by name. :func:`to_keras` goes the other way for a model.

:func:`check_safe` runs before anything is built: a ``Lambda`` layer is refused unless the
caller passes ``safe_mode=False``, Python bytecode (Keras' ``__lambda__``) is never
loaded, and every class and function must already be known (built in, registered or in
``custom_objects``), so loading a file never imports or runs code.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from ... import nest, optimizers
from ...optimizers import Optimizer, schedules
from .. import constraints, initializers, layers, losses, regularizers
from ..dtype_policies import DTypePolicy
from ..functional import Model, Sequential, is_keras_operation, operation_from_keras, operation_to_keras
from ..layers import Layer
from ..layers.saving import check_known, class_name_of
from ..serialization import custom_object_scope, get_registered_object, registered_name
from .walk import KERAS_CLASS_NAMES

__all__ = ["check_safe", "compile_arguments", "compile_config", "from_keras", "loss_from_keras",
           "optimizer_from_keras", "to_keras"]

_ANY = object()

# Keras arguments this library has no counterpart for, with the values that mean "off" here
# (``_ANY``: the argument changes nothing this library computes).
_NEUTRAL = {
    "kernel_constraint": (None,), "bias_constraint": (None,), "beta_constraint": (None,),
    "gamma_constraint": (None,), "embeddings_constraint": (None,), "recurrent_constraint": (None,),
    "quantization_config": (None,), "lora_rank": (None,), "lora_alpha": (None,), "sparse": (False,),
    "optional": (False,), "synchronized": (False,), "renorm": (False,), "renorm_clipping": (None,),
    "renorm_momentum": _ANY, "groups": (1,), "unroll": (False,), "stateful": (False,), "use_cudnn": ("auto",),
    "zero_output_for_mask": _ANY, "rms_scaling": (False,), "input_axes": (None,), "output_axes": (None,),
    "arguments": ({},), "mask": (None,), "use_ema": (False,), "ema_momentum": _ANY,
    "ema_overwrite_frequency": (None,), "loss_scale_factor": (None,), "gradient_accumulation_steps": (None,),
    "input_length": (None,), "data_format": ("channels_last",), "use_gate": (False,), "sliding_window": (None,),
    "attention_axes": (None, [1]),
}
_DTYPE_POLICIES = ("DTypePolicy", "FloatDTypePolicy")
_TENSOR, _KERAS_TENSOR = "__tensor__", "__keras_tensor__"
_WRAPPER_KEYS = ("module", "registered_name", "build_config", "compile_config", "shared_object_id")


def _is_object(node):
    return isinstance(node, dict) and isinstance(node.get("class_name"), str) and "config" in node


def _is_triple(node):
    return (isinstance(node, list) and len(node) == 3 and isinstance(node[0], str)
            and all(isinstance(i, int) and not isinstance(i, bool) for i in node[1:]))


# -- safety -------------------------------------------------------------------------------


def _layer_entries(config, where="the model"):
    """``(where, layer config)`` for every layer config in a (Keras) model config, nested ones too."""
    yield where, config
    inner = config.get("config") if isinstance(config, dict) else None
    for entry in (inner or {}).get("layers", []) if isinstance(inner, dict) else []:
        if _is_object(entry):
            name = entry["config"].get("name") if isinstance(entry["config"], dict) else None
            yield from _layer_entries(entry, f"layer '{name}' ({entry['class_name']})")


def _find(node, class_name):
    if isinstance(node, dict):
        return node.get("class_name") == class_name or any(_find(v, class_name) for v in node.values())
    if isinstance(node, list):
        return any(_find(v, class_name) for v in node)
    return False


def check_safe(config, safe_mode, custom_objects=None):
    """Refuse, before anything is built, a Keras model config that would run code: bytecode
    anywhere, a Lambda layer under ``safe_mode``, or a class or function that is not known."""
    for where, entry in _layer_entries(config):
        own = dict(entry)       # the entry without its nested layers (each is checked on its own)
        if isinstance(own["config"], dict):
            own["config"] = {k: v for k, v in own["config"].items() if k != "layers"}
        if _find(own, "__lambda__"):
            raise ValueError(f"load_model: {where} holds Python bytecode (a lambda), which is never run "
                             "here; rebuild the layer with a named function and pass that function in "
                             "custom_objects (or register it with wb.keras.saving.register_keras_serializable)")
        if entry.get("class_name") == "Lambda" and safe_mode:
            raise ValueError(f"load_model: {where} is a Lambda layer, which calls a function named in the file; "
                             "it is refused under safe_mode=True. If you trust the file, pass safe_mode=False "
                             "and give the function in custom_objects or register it with "
                             "wb.keras.saving.register_keras_serializable (no code is ever imported)")
        with custom_object_scope(custom_objects):
            check_known(from_keras(own), f"load_model: {where}")


# -- Keras -> this library ------------------------------------------------------------


def _policy_dtype(node, where):
    name = node["config"].get("name") if isinstance(node["config"], dict) else None
    if name is None:
        return None
    try:
        return DTypePolicy(name).name
    except (TypeError, ValueError):
        raise ValueError(f"load_model: {where}: the dtype policy {name!r} is not supported "
                         "(a dtype such as 'float32', 'mixed_float16' or 'mixed_bfloat16')") from None


def _init_arguments(cls):
    """The keyword arguments ``cls(...)`` takes by name (following ``**kwargs`` up the bases)."""
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        params = inspect.signature(init).parameters.values()
        names.update(p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return names


def _known_class(name):
    for lookup in (_layer_class, initializers.builtin_class, regularizers.builtin_class, constraints.builtin_class,
                   _builtin_optimizers, _builtin_schedules, _builtin_losses):
        cls = get_registered_object(name, builtins=lookup)
        if isinstance(cls, type):
            return cls
    return None


def _clean(config, class_name):
    """A Keras object's ``config`` dict without the Keras arguments that the class here does not
    take and that hold a value meaning "off" (``kernel_constraint: null``)."""
    cls = _known_class(class_name)
    taken = _init_arguments(cls) if cls is not None else set()
    return {k: v for k, v in config.items()
            if k in taken or not (k in _NEUTRAL and (_NEUTRAL[k] is _ANY or v in _NEUTRAL[k]))}


def _refs(node):
    """Keras' ``input_layers``/``output_layers`` (triples) as tensor references."""
    if _is_triple(node):
        return {"class_name": _TENSOR, "config": {"history": list(node)}}
    if isinstance(node, list):
        return [_refs(v) for v in node]
    if isinstance(node, dict):
        return {k: _refs(v) for k, v in node.items()}
    return node


def from_keras(node, where="config"):
    """This library's form of a Keras 3 config (any object, nested)."""
    if isinstance(node, list):
        return [from_keras(v, where) for v in node]
    if not isinstance(node, dict):
        return node
    name = node.get("class_name")
    if name == _KERAS_TENSOR:
        return {"class_name": _TENSOR, "config": {"history": list(node["config"]["keras_history"])}}
    if name in _DTYPE_POLICIES and _is_object(node):
        return _policy_dtype(node, where)
    if name == "function" and _is_object(node):
        out = {"class_name": "function", "config": node["config"]}
        if node.get("module") not in (None, "builtins"):
            out["module"] = node["module"]
        return out
    if _is_object(node) and is_keras_operation(node):   # a keras.ops call in a graph
        node = operation_from_keras(node)
        name = node["class_name"]
    if _is_object(node):
        registered = node.get("registered_name")
        out = {"class_name": registered if isinstance(registered, str) and ">" in registered else name}
        config = node["config"]
        if isinstance(config, dict):
            config = _clean(config, out["class_name"])
            here = f"{where}.{config.get('name', name)}"
            config = {k: (_refs(v) if k in ("input_layers", "output_layers") else from_keras(v, here))
                      for k, v in config.items()}
        out["config"] = config
        for key in ("name", "inbound_nodes"):
            if key in node:
                out[key] = from_keras(node[key], where)
        return out
    return {k: from_keras(v, where) for k, v in node.items() if k not in _WRAPPER_KEYS}


def _builtin_optimizers(name):
    cls = getattr(optimizers, name, None) if isinstance(name, str) and not name.startswith("_") else None
    return cls if isinstance(cls, type) and issubclass(cls, Optimizer) else None


def _builtin_schedules(name):
    cls = getattr(schedules, name, None) if isinstance(name, str) and not name.startswith("_") else None
    return cls if isinstance(cls, type) and issubclass(cls, schedules.LearningRateSchedule) else None


def _builtin_losses(name):
    cls = getattr(losses, name, None) if isinstance(name, str) and not name.startswith("_") else None
    return cls if isinstance(cls, type) and issubclass(cls, losses.Loss) else None


def _build(config, lookup, what, custom_objects):
    cls = get_registered_object(config["class_name"], custom_objects, lookup)
    if cls is None:
        raise ValueError(f"load_model: unknown {what} {config['class_name']!r}; pass it in custom_objects or "
                         "register it with wb.keras.saving.register_keras_serializable")
    return cls.from_config(config["config"]) if hasattr(cls, "from_config") else cls(**config["config"])


def optimizer_from_keras(config, custom_objects=None):
    """The optimizer a Keras ``compile_config["optimizer"]`` describes (a constant learning rate
    or a schedule of ``wb.optimizers.schedules``); a name stays a name."""
    if isinstance(config, str):
        return config
    if not _is_object(config):
        raise ValueError(f"load_model: the compile_config's optimizer must be a name or a serialized "
                         f"optimizer, got {config!r}")
    config = from_keras(config)
    inner = dict(config["config"])
    if isinstance(inner.get("learning_rate"), dict):
        inner["learning_rate"] = _build(inner["learning_rate"], _builtin_schedules, "learning-rate schedule",
                                        custom_objects)
    return _build({"class_name": config["class_name"], "config": inner}, _builtin_optimizers, "optimizer",
                  custom_objects)


def loss_from_keras(config, custom_objects=None):
    """The loss (or per-output list or dict of losses) of a Keras ``compile_config``: names stay
    names, serialized losses become ``wb.keras.losses`` objects."""
    if config is None or isinstance(config, str):
        return config
    if _is_object(config):
        return _build(from_keras(config), _builtin_losses, "loss", custom_objects)
    if isinstance(config, list):
        return [loss_from_keras(v, custom_objects) for v in config]
    if isinstance(config, dict):
        return {k: loss_from_keras(v, custom_objects) for k, v in config.items()}
    raise ValueError(f"load_model: the compile_config's loss must be names or serialized losses, got {config!r}")


# -- this library -> Keras ------------------------------------------------------------


def _module_of(obj_or_cls, kind):
    if kind == "layer":
        return {"Sequential": "keras", "Functional": "keras.src.models.functional"}.get(obj_or_cls, "keras.layers")
    return {"initializer": "keras.initializers", "regularizer": "keras.regularizers",
            "constraint": "keras.constraints",
            "optimizer": "keras.optimizers", "schedule": "keras.optimizers.schedules",
            "loss": "keras.losses"}[kind]


def _layer_class(name):
    if name in ("Sequential", "Functional", "Model"):
        return Sequential if name == "Sequential" else Model
    cls = getattr(layers, name, None) if isinstance(name, str) and not name.startswith("_") else None
    return cls if isinstance(cls, type) and issubclass(cls, Layer) else None


def _kind(class_name):
    """Which table a class name of ours belongs to (None: not an object of ours)."""
    if class_name in ("Sequential", "Functional", "InputLayer"):
        return "layer"
    cls = getattr(layers, class_name, None) if not class_name.startswith("_") else None
    if isinstance(cls, type) and issubclass(cls, Layer):
        return "layer"
    if initializers.builtin_class(class_name) is not None:
        return "initializer"
    if regularizers.builtin_class(class_name) is not None:
        return "regularizer"
    if constraints.builtin_class(class_name) is not None:
        return "constraint"
    return None


def _wrap(node):
    """Keras' wrapper around one of our ``{"class_name", "config"}`` objects (and its insides)."""
    name = node["class_name"]
    keras_op = operation_to_keras(node) if name == "SymbolicOp" else None
    if keras_op is not None:
        return keras_op
    if name == "function":
        return {"module": node.get("module", "builtins"), "class_name": "function", "config": node["config"],
                "registered_name": "function"}
    custom = get_registered_object(name)
    if ">" in name and custom is not None:
        out = {"module": custom.__module__, "class_name": name.split(">", 1)[1], "registered_name": name}
    else:
        kind = _kind(name)
        if kind is None:
            raise ValueError(f"save_model: {name!r} is not a class Keras knows and is not registered; register "
                             "it with wb.keras.saving.register_keras_serializable")
        out = {"module": _module_of(name, kind), "class_name": KERAS_CLASS_NAMES.get(name, name),
               "registered_name": None}
    config = node["config"]
    out["config"] = {k: _to_keras_value(v) for k, v in config.items()
                     if not (k == "input_length" and v is None)} if isinstance(config, dict) else config
    for key in ("name", "inbound_nodes"):
        if key in node:
            out[key] = node[key]
    return out


def _to_keras_value(value):
    if (isinstance(value, dict) and "class_name" in value and "config" in value
            and value["class_name"] not in (_TENSOR, "__lambda__")):   # Keras writes a lambda bare
        return _wrap(value)
    if isinstance(value, list):
        return [_to_keras_value(v) for v in value]
    return value


def _tensor_table(model):
    """``{(layer, node, index): SymbolicTensor}`` of a functional model's graph, numbered as its
    config numbers them."""
    table, counts = {}, {}
    for x in nest.flatten(model.inputs):
        table[(x.node.layer.name, 0, 0)] = x
    for node in getattr(model, "_nodes", None) or []:
        k = counts.get(node.layer.name, 0)
        counts[node.layer.name] = k + 1
        for i, out in enumerate(nest.flatten(node.outputs)):
            table[(node.layer.name, k, i)] = out
    return table


def _keras_tensors(value, table):
    if isinstance(value, dict) and value.get("class_name") == _TENSOR:
        key = tuple(value["config"]["history"])
        x = table[key]
        return {"class_name": _KERAS_TENSOR, "config": {"shape": list(x.shape), "dtype": np.dtype(x.dtype).name,
                                                        "keras_history": list(key)}}
    if isinstance(value, list):
        return [_keras_tensors(v, table) for v in value]
    if isinstance(value, dict):
        return {k: _keras_tensors(v, table) for k, v in value.items()}
    return value


def _triples(value):
    if isinstance(value, dict) and value.get("class_name") == _TENSOR:
        return list(value["config"]["history"])
    if isinstance(value, list):
        return [_triples(v) for v in value]
    if isinstance(value, dict):
        return {k: _triples(v) for k, v in value.items()}
    return value


def _input_shape(layer):
    shape = getattr(layer, "_build_input_shape", None)
    if isinstance(shape, tuple):
        return [None] + list(shape[1:])
    return None


def to_keras(layer):
    """Keras 3's config of ``layer`` (a model or a layer), as ``config.json`` holds it."""
    out = _wrap({"class_name": class_name_of(layer), "config": layer.get_config()})
    config = out["config"]
    if isinstance(layer, Sequential):
        config["layers"] = [_child(entry, layer) for entry in config["layers"]]
        shape = _input_shape(layer)
        if shape is not None and not any(e["class_name"] == "InputLayer" for e in config["layers"]):
            config["build_input_shape"] = shape
            out["build_config"] = {"input_shape": shape}
    elif isinstance(layer, Model) and layer.inputs is not None:
        table = _tensor_table(layer)
        layers = {l.name: l for l in layer.layers}
        entries = []
        for entry in config["layers"]:
            child = layers.get(entry["name"])
            wrapped = to_keras(child) if child is not None else (
                dict(entry) if is_keras_operation(entry) else _wrap(_unwrap(entry)))
            wrapped["name"] = entry["name"]
            wrapped["inbound_nodes"] = _keras_tensors(entry["inbound_nodes"], table)
            entries.append(wrapped)
        config["layers"] = entries
        config["input_layers"] = _triples(config["input_layers"])
        config["output_layers"] = _triples(config["output_layers"])
    elif isinstance(layer, Model) and _input_shape(layer) is not None:
        # a subclassed model: Keras builds it from this shape before loading its weights (a layer
        # inside a graph is built by the graph; MultiHeadAttention could not be built from one shape)
        out["build_config"] = {"input_shape": _input_shape(layer)}
    return out


def _unwrap(entry):
    return {"class_name": entry["class_name"], "config": entry["config"]}


def _child(entry, model):
    """A Sequential's layer entry in Keras' form (a nested model keeps its own structure)."""
    if entry["class_name"] == "InputLayer":
        return _wrap(entry)
    name = entry["config"].get("name")
    for child in model.layers:
        if child.name == name:
            return to_keras(child)
    return _wrap(entry)


def _plain(value):
    """A structure of names and numbers (what a compile argument must be to go into JSON)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _keras_loss(loss):
    if _plain(loss):
        return loss
    if _named(loss):
        return loss.__name__   # a library loss function (wb.keras.losses.MSE) by its name, which compile takes
    if isinstance(loss, losses.Loss):
        return {"module": "keras.losses", "class_name": type(loss).__name__, "config": loss.get_config(),
                "registered_name": None}
    if isinstance(loss, (list, tuple)) and all(_plain(v) or isinstance(v, losses.Loss) or _named(v) for v in loss):
        return [_keras_loss(v) for v in loss]
    if isinstance(loss, dict) and all(_plain(v) or isinstance(v, losses.Loss) or _named(v) for v in loss.values()):
        return {k: _keras_loss(v) for k, v in loss.items()}
    warnings.warn(f"save_model: the loss {loss!r} is not written into the file (only names and "
                  "wb.keras.losses.Loss objects are); compile the loaded model again", stacklevel=4)
    return None


def _named(loss):
    name = getattr(loss, "__name__", None)
    return bool(name) and getattr(losses, name, None) is loss


def compile_config(model):
    """Keras' ``compile_config`` for a model that has an optimizer (None when it has none): the
    optimizer, the loss, and the compile arguments that are names and numbers (``metrics``…)."""
    optimizer = getattr(model, "optimizer", None)
    if not isinstance(optimizer, Optimizer):
        return None
    config = optimizer.get_config()
    if isinstance(config.get("learning_rate"), dict):
        warnings.warn("save_model: the optimizer's learning-rate schedule cannot be named in the file, so no "
                      "compile_config is written (the weights and the optimizer's variables are); compile the "
                      "loaded model again and load_weights to resume", stacklevel=3)
        return None
    given = getattr(model, "_compile_config", None) or {}
    out = {"optimizer": {"module": "keras.optimizers", "class_name": type(optimizer).__name__, "config": config,
                         "registered_name": registered_name(type(optimizer))},
           "loss": _keras_loss(getattr(model, "loss", None))}
    for key in COMPILE_ARGUMENTS:
        value = given.get(key)
        if key != "loss_weights" and not _plain(value):
            value = _serialized_metrics(value)
        out[key] = value if _plain(value) else None
    out.update(run_eagerly=bool(given.get("run_eagerly", False)), steps_per_execution=1, jit_compile=False)
    return out


COMPILE_ARGUMENTS = ("loss_weights", "metrics", "weighted_metrics")


def _serialized_metrics(value):
    """Metric objects in a (nested) list or dict of metrics as Keras 3 writes them
    (``{"module": "keras.metrics", "class_name": ..., "config": ...}``); names stay names."""
    from ..metrics import Metric  # noqa: PLC0415  (lazy: metrics load only when compiled metrics are saved)
    from ..saving import serialize_keras_object  # noqa: PLC0415  (circular: the saving package imports this module)
    if isinstance(value, (list, tuple)):
        return [_serialized_metrics(v) for v in value]
    if isinstance(value, dict):
        return {k: _serialized_metrics(v) for k, v in value.items()}
    if isinstance(value, Metric):
        try:
            return serialize_keras_object(value)
        except Exception:   # noqa: BLE001 -- a metric without a config is left out
            return None
    return value


def _is_serialized(value):
    return isinstance(value, dict) and "class_name" in value and "config" in value


def _deserialized_metrics(value):
    from ..saving import deserialize_keras_object  # noqa: PLC0415  (circular: the saving package imports this module)
    if _is_serialized(value):
        if "module" not in value:   # the legacy HDF5 file's training_config names the class only
            value = {"module": "keras.metrics", "registered_name": None, **value}
        return deserialize_keras_object(value)
    if isinstance(value, list):
        return [_deserialized_metrics(v) for v in value]
    if isinstance(value, dict):
        return {k: _deserialized_metrics(v) for k, v in value.items()}
    return value


def compile_arguments(config):
    """The keyword arguments of ``compile`` (besides optimizer and loss) a Keras ``compile_config``
    gives: those that are names and numbers, and metrics serialized as Keras writes them."""
    return {key: (config[key] if key == "loss_weights" else _deserialized_metrics(config[key]))
            for key in COMPILE_ARGUMENTS if config.get(key) is not None and _plain(config[key])}
