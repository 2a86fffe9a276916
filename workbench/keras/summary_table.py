"""``Model.summary()``: Keras 3's table of layers, output shapes and parameter counts.

>>> model = wb.keras.Sequential([wb.keras.Input((3,)), wb.keras.layers.Dense(4)], name="tiny")
>>> model.summary()                                                  # doctest: +NORMALIZE_WHITESPACE
Model: "tiny"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 4)              │            16 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 16 (64.00 B)
 Trainable params: 16 (64.00 B)
 Non-trainable params: 0 (0.00 B)

A functional model lists its inputs too, and when its graph is not a plain chain a fourth
column says which layer outputs each layer reads (``dense[0][0]``: layer, call, output).
Once the optimizer has made its variables, their count is added to the total as Keras 3
does.
"""

from __future__ import annotations

import numpy as np

from .. import nest
from .layers.base import is_symbolic

__all__ = ["print_summary", "readable_memory_size"]

# content widths of the columns (Keras' default table, 76 characters wide)
_CHAIN_WIDTHS = (31, 22, 13)
_GRAPH_WIDTHS = (19, 17, 10, 17)


def readable_memory_size(size):
    """Bytes as Keras writes them: ``3.79 KB`` (powers of 1024, two decimals)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _count(variables):
    return int(sum(int(np.prod(v.shape)) for v in variables))


def _bytes(variables):
    return int(sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in variables))


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return str(tuple(shape))


def _wrap(text, width):
    """Lines of at most ``width`` characters, broken after spaces where possible."""
    lines = []
    for para in str(text).split("\n"):
        while len(para) > width:
            cut = para.rfind(" ", 0, width + 1)
            if cut <= 0:
                cut = width
            lines.append(para[:cut].rstrip())
            para = para[cut:].lstrip()
        lines.append(para)
    return lines


def _rule(widths, left, mid, right, fill):
    return left + mid.join(fill * (w + 2) for w in widths) + right


def _row(cells, widths, aligns, bar="│"):
    wrapped = [_wrap(c, w) for c, w in zip(cells, widths)]
    height = max(len(w) for w in wrapped)
    out = []
    for i in range(height):
        parts = []
        for lines, w, a in zip(wrapped, widths, aligns):
            text = lines[i] if i < len(lines) else ""
            parts.append(" " + (text.rjust(w) if a == "right" else text.ljust(w)) + " ")
        out.append(bar + bar.join(parts) + bar)
    return out


def _graph_rows(model):
    """Rows of a functional model (inputs first) and whether the graph is a plain chain."""
    inputs = nest.flatten(model.inputs)
    node_index, rows = {}, []
    for x in inputs:
        node_index[id(x.node)] = 0
        rows.append((x.node.layer, x.shape, []))
    calls = {}
    chain = len(inputs) == 1 and len(nest.flatten(model.outputs)) == 1
    for node in model._nodes:
        layer = node.layer
        node_index[id(node)] = calls.get(id(layer), 0)
        calls[id(layer)] = node_index[id(node)] + 1
        reads = [f"{x.node.layer.name}[{node_index.get(id(x.node), 0)}][{x.index}]"
                 for x in node.inputs if is_symbolic(x)]
        if len(reads) != 1 or calls[id(layer)] > 1:
            chain = False
        outs = [o.shape for o in nest.flatten(node.outputs) if o is not None]
        rows.append((layer, outs[0] if len(outs) == 1 else outs, reads))
    return rows, chain


def print_summary(model, line_length=None, positions=None, print_fn=None, show_trainable=False,
                  layer_range=None):
    """Render ``model``'s summary table; print it with ``print_fn`` (default ``print``) and
    return the text."""
    if getattr(model, "_nodes", None) is not None:
        entries, chain = _graph_rows(model)
    else:
        entries = [(layer, layer._summary_output_shape(), []) for layer in model.layers]
        chain = True
    if layer_range is not None:
        names = [layer.name for layer, _, _ in entries]
        if len(layer_range) != 2 or any(n not in names for n in layer_range):
            raise ValueError(f"summary: layer_range must be two layer names among {names}, got {layer_range!r}")
        lo, hi = names.index(layer_range[0]), names.index(layer_range[1])
        entries = entries[lo:hi + 1]
    header = ["Layer (type)", "Output Shape", "Param #"]
    aligns = ["left", "left", "right"]
    widths = list(_CHAIN_WIDTHS if chain else _GRAPH_WIDTHS)
    if not chain:
        header.append("Connected to")
        aligns.append("left")
    if show_trainable:
        header.append("Trainable")
        aligns.append("left")
        widths.append(9)
    if positions is not None or line_length is not None:
        widths = _scaled(chain, show_trainable, line_length, positions)
    body = []
    for layer, shape, reads in entries:
        kind = getattr(layer, "_summary_class_name", None) or type(layer).__name__   # an op node: Keras 3's class
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        cells = [f"{layer.name} ({kind})", _shape_text(shape), params]
        if not chain:
            cells.append(", ".join(reads) if reads else "-")
        if show_trainable:
            cells.append("Y" if layer.trainable else "N")
        body.append(_row(cells, widths, aligns))
    lines = [f'Model: "{model.name}"', _rule(widths, "┏", "┳", "┓", "━")]
    lines += _row(header, widths, ["right" if a == "right" else "left" for a in aligns], bar="┃")
    lines.append(_rule(widths, "┡", "╇", "┩", "━"))
    for i, rows in enumerate(body):
        if i:
            lines.append(_rule(widths, "├", "┼", "┤", "─"))
        lines += rows
    lines.append(_rule(widths, "└", "┴", "┘", "─"))
    trainable = model.trainable_weights
    ids = {id(v) for v in trainable}
    frozen = [v for v in model.weights if id(v) not in ids]
    total_vars = list(trainable) + frozen
    opt = getattr(model, "optimizer", None)
    opt_vars = list(getattr(opt, "variables", []) or []) if getattr(model, "compiled", False) and opt else []
    # Keras counts the optimizer's variables once it is built (has applied a step or made slots)
    has_slots = bool(opt_vars) and (len(opt_vars) > 2 or int(opt.iterations.numpy()) > 0)
    if has_slots:
        total_vars = total_vars + opt_vars
    lines.append(f" Total params: {_count(total_vars):,} ({readable_memory_size(_bytes(total_vars))})")
    lines.append(f" Trainable params: {_count(trainable):,} ({readable_memory_size(_bytes(trainable))})")
    lines.append(f" Non-trainable params: {_count(frozen):,} ({readable_memory_size(_bytes(frozen))})")
    if has_slots:
        lines.append(f" Optimizer params: {_count(opt_vars):,} ({readable_memory_size(_bytes(opt_vars))})")
    text = "\n".join(lines)
    (print_fn or print)(text)
    return text


def _scaled(chain, show_trainable, line_length, positions):
    """Column widths (of the cells' text) as Keras 3 gets them from its table renderer: the
    columns split ``line_length`` at ``positions`` (fractions; Keras' defaults ``[0.45, 0.8, 1]``
    or ``[0.3, 0.56, 0.74, 1]``, times 0.9 with a Trainable column added at 1), then, with a
    space each side and the borders, the excess is taken off the columns in equal shares."""
    if positions is None:
        positions = [0.45, 0.80, 1.0] if chain else [0.3, 0.56, 0.74, 1.0]
        if show_trainable:
            positions = [p * 0.90 for p in positions] + [1.0]
    n = 3 + (not chain) + bool(show_trainable)
    if len(positions) != n:
        raise ValueError(f"summary: positions must have {n} entries (one per column), got {list(positions)}")
    line_length = int(line_length or 76)
    widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width + 2)
        current += width
    excess = sum(widths) - (line_length - (n + 1))
    if excess > 0:   # equal shares, rounded half to even, as rich's ratio_reduce
        left, share_count = excess, n
        for k in range(n):
            cut = min(widths[k], round(left / share_count))
            widths[k] -= cut
            left -= cut
            share_count -= 1
    return [max(1, w - 2) for w in widths]