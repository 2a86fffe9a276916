"""The walk that places a model's objects in a weights file the way Keras 3 does.

Keras names each object by how it is reached, not by its (auto-generated) name:

- a Sequential or functional model's layers sit under ``layers/<class>``, the class name
  in snake case numbered within the list (``layers/dense``, ``layers/dense_1``); a
  functional model lists its ``InputLayer``s too, a Sequential does not;
- other sublayers sit under the attribute that holds them (``forward_layer``), lists of
  them under the attribute and then the class (``blocks/dense_1``); attributes are taken
  in sorted order, private ones last, and an object reached twice is saved once;
- a recurrent layer keeps its weights in its cell: ``layers/lstm/cell/vars``;
- the model's optimizer sits under ``optimizer``: ``iterations``, the learning rate, then
  the slots (Adam: each variable's ``m`` and ``v`` in turn, then AMSGrad's ``vhat``) in the
  order of Keras' ``model.trainable_variables``.

Keras orders a functional model's layers by their depth from the outputs (inputs first),
ties by the order a depth-first walk from the outputs meets them; the numbering of
``layers/dense``, ``layers/dense_1``… and the order of the optimizer's slots follow it,
so both are computed here as Keras computes them.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from ... import nest
from ...optimizers import Optimizer
from ..functional import InputLayer, Model, Sequential
from ..layers import GRU, LSTM, Layer
from ..layers.saving import class_name_of

__all__ = ["KERAS_CLASS_NAMES", "entries", "keras_layers", "keras_trainable_variables", "load_state", "save_state", "snake_case"]

_RECURRENT = (LSTM, GRU)

# Keras' order of optimizer slots, as groups whose members alternate per variable; our slot
# names: Adam/AdamW m, v (vhat); RMSprop rms, momentum, mg; SGD momentum; Adagrad accumulator.
_SLOT_GROUPS = (("m", "v"), ("rms",), ("momentum",), ("mg",), ("vhat",), ("accumulator",))


def snake_case(name: str) -> str:
    """Keras' ``to_snake_case``: ``BatchNormalization`` -> ``batch_normalization``, ``Conv2D`` -> ``conv2d``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


# Classes whose name in Keras is another one (Keras' MaxPool2D is its MaxPooling2D class).
KERAS_CLASS_NAMES = {"MaxPool2D": "MaxPooling2D", "AvgPool2D": "AveragePooling2D"}


def _keras_class(obj) -> str:
    """The class name Keras would see: ``Functional`` for a functional ``Model``."""
    if class_name_of(obj) == "Functional":
        return "Functional"
    return KERAS_CLASS_NAMES.get(type(obj).__name__, type(obj).__name__)


def _join(*parts):
    return "/".join(p for p in parts if p)


def _is_graph_model(layer) -> bool:
    return isinstance(layer, Sequential) or (isinstance(layer, Model) and layer.inputs is not None)


def _functional_layers(model):
    """A functional model's layers (InputLayers included) in Keras' order (its ``map_graph``)."""
    inputs, outputs = nest.flatten(model.inputs), nest.flatten(model.outputs)
    input_ids = {id(x) for x in inputs}
    nodes, finished, first_seen, by_id = [], set(), {}, {}

    def visit(tensor):      # depth-first from the outputs; nodes end up in decreasing depth
        node = tensor.node
        if id(node) in finished:
            return
        first_seen.setdefault(id(node.layer), len(first_seen))
        by_id[id(node.layer)] = node.layer
        if not isinstance(node.layer, InputLayer) and id(tensor) not in input_ids:
            for parent in node.inputs:
                visit(parent)
        finished.add(id(node))
        nodes.append(node)

    for y in outputs:
        visit(y)
    node_depth, layer_depth = {}, {}
    for node in reversed(nodes):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for parent in node.inputs:
            node_depth[id(parent.node)] = max(depth + 1, node_depth.get(id(parent.node), 0))
    for x in inputs:        # an input the outputs do not use
        if id(x.node.layer) not in layer_depth:
            layer_depth[id(x.node.layer)], first_seen[id(x.node.layer)] = 0, -1
            by_id[id(x.node.layer)] = x.node.layer
    return [by_id[k] for k in sorted(layer_depth, key=lambda k: (-layer_depth[k], first_seen[k]))]


def keras_layers(model):
    """A Sequential's or functional model's layers as Keras lists them (a functional model's
    InputLayers too, a Sequential's not)."""
    return model.layers if isinstance(model, Sequential) else _functional_layers(model)


def _sublayers(layer):
    """The layers Keras tracks below ``layer``, in the order they were assigned."""
    if _is_graph_model(layer):
        return keras_layers(layer)
    out = []
    for value in vars(layer).values():
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
        out.extend(item for item in items if isinstance(item, Layer))
    return out


def keras_trainable_variables(model):
    """``model``'s trainable variables in the order of Keras' ``model.trainable_variables``: each
    layer's own, then its sublayers' in the order they were tracked; a frozen layer has none."""
    out, seen = [], set()

    def visit(layer):
        if id(layer) in seen or not layer.trainable:
            return
        seen.add(id(layer))
        out.extend(v for v in layer._own_file_weights() if v.trainable)
        for child in _sublayers(layer):
            visit(child)

    visit(model)
    return out


def _attributes(obj, root):
    """``(attribute, value)`` pairs to walk below ``obj`` in Keras' order."""
    items = {k: v for k, v in vars(obj).items() if not k.startswith("__")}
    if isinstance(obj, Model) and not _is_graph_model(obj):
        items["layers"] = obj.layers
    if root:
        optimizer = getattr(obj, "optimizer", None)
        items = {k: v for k, v in items.items() if not isinstance(v, Optimizer)}
        if isinstance(optimizer, Optimizer):
            items["optimizer"] = optimizer
    ordered = sorted(items, key=lambda k: "~" + k if k.startswith("_") else k)
    head = [("layers", keras_layers(obj))] if _is_graph_model(obj) else []
    return head + [(k, items[k]) for k in ordered]


def entries(model):
    """``[(path, name, obj)]``: every group of the file in order. ``obj`` is the Layer whose own
    weights the group holds, the Optimizer, or None for a group that holds nothing (an
    InputLayer, a recurrent layer whose weights sit in its ``cell``)."""
    out, seen = [], set()

    def visit(obj, path, root=False):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, Optimizer):
            out.append((path, obj.name, obj))
            return
        if isinstance(obj, _RECURRENT):
            out.append((path, obj.name, None))
            out.append((_join(path, "cell"), f"{snake_case(type(obj).__name__)}_cell", obj))
            return
        out.append((path, obj.name, None if isinstance(obj, InputLayer) else obj))
        for attr, value in _attributes(obj, root):
            if isinstance(value, (Layer, Optimizer)):
                visit(value, _join(path, attr))
            elif isinstance(value, (list, tuple, dict)):
                used = {}
                for item in (value.values() if isinstance(value, dict) else value):
                    if not isinstance(item, Layer):
                        continue
                    name = snake_case(_keras_class(item))
                    used[name] = used.get(name, -1) + 1
                    visit(item, _join(path, attr, name if used[name] == 0 else f"{name}_{used[name]}"))

    visit(model, "", root=True)
    return out


def _slot_order(optimizer):
    """The optimizer's slot names as groups in Keras' order (unknown names last, one group each)."""
    names = list(optimizer.get_slot_names())
    groups = [tuple(n for n in g if n in names) for g in _SLOT_GROUPS]
    groups = [g for g in groups if g]
    listed = {n for g in groups for n in g}
    return groups + [(n,) for n in names if n not in listed]


def _optimizer_variables(optimizer, var_list, with_slots):
    """``iterations``, the learning rate (a Variable unless a schedule), then the slots of
    ``var_list`` in Keras' order when ``with_slots``."""
    out = list(optimizer.variables_by_path().values())
    if with_slots:
        optimizer.build(var_list)
        for group in _slot_order(optimizer):
            out.extend(optimizer.get_slot(v, name) for v in var_list for name in group)
    return out


def _has_slots(optimizer):
    return len(optimizer.variables) > len(optimizer.variables_by_path())


def save_state(model, store):
    """Write every object's own variables into ``store`` (an :class:`~.h5store.H5Store`)."""
    for path, name, obj in entries(model):
        entry = store.make(path, name)
        if isinstance(obj, Optimizer):
            for i, var in enumerate(_optimizer_variables(obj, keras_trainable_variables(model), _has_slots(obj))):
                entry[str(i)] = var.numpy()
        elif obj is not None:
            obj.save_own_variables(entry)


def load_state(model, store, skip_mismatch=False):
    """Assign every object's variables from ``store``. A layer whose weights differ in number
    or shape raises ``ValueError`` (``skip_mismatch=True``: warns and leaves it as it is); an
    optimizer whose saved state does not fit warns and is left as it is, as in Keras."""
    for path, _, obj in entries(model):
        if obj is None:
            continue
        entry = store.get(path)
        if isinstance(obj, Optimizer):
            _load_optimizer(obj, keras_trainable_variables(model), entry, path)
            continue
        try:
            obj.load_own_variables(entry)
        except ValueError as exc:
            if not skip_mismatch:
                raise ValueError(f"load_weights: {path}: {exc}") from None
            warnings.warn(f"load_weights: skipping {path}: {exc}", stacklevel=3)


def _load_optimizer(optimizer, var_list, entry, path):
    head = len(optimizer.variables_by_path())
    n_slots = len(var_list) * len(optimizer.get_slot_names())
    if len(entry) not in (head, head + n_slots):
        warnings.warn(f"load_weights: skipping the state of optimizer '{optimizer.name}' ({path}): the file "
                      f"holds {len(entry)} variables, this optimizer has {head} plus {n_slots} slots for "
                      f"{len(var_list)} trainable variables", stacklevel=3)
        return
    variables = _optimizer_variables(optimizer, var_list, len(entry) > head)
    values = [np.asarray(entry[str(i)]) for i in range(len(variables))]
    for var, value in zip(variables, values):
        if tuple(value.shape) != tuple(var.shape):
            raise ValueError(f"load_weights: {path}: optimizer variable '{var.name}' has shape "
                             f"{tuple(var.shape)}, the file holds shape {tuple(value.shape)}")
    for var, value in zip(variables, values):
        var.assign(value.astype(var.dtype))
