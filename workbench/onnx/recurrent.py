"""ONNX's recurrent operators, ``LSTM``, ``GRU`` and ``RNN``, as a loop over time steps of
workbench ops (what PyTorch's ``nn.LSTM``/``nn.GRU``/``nn.RNN`` export to).

Covered: the three directions, both layouts, ``sequence_lens`` (steps past a sequence's
length keep its state and give zeros), initial states, LSTM peepholes, GRU's
``linear_before_reset``, and the activations Sigmoid, Tanh and Relu. Not covered (an error
when the model is loaded): ``clip``, LSTM's ``input_forget``, other activations.
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from ..core import Tensor
from .interpret import OPERATORS, Operator, static

__all__ = []

_ACTIVATIONS = {"Sigmoid": wb.sigmoid, "Tanh": wb.tanh, "Relu": wb.nn.relu}
_DEFAULTS = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}
_GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
_ATTRS = dict(activation_alpha=None, activation_beta=None, activations=None, clip=None, direction="forward",
              hidden_size=None, layout=0)


def _check(kind):
    def check(a):
        if a["hidden_size"] is None:
            return "the attribute 'hidden_size' is required"
        if a["direction"] not in ("forward", "reverse", "bidirectional"):
            return f"direction = {a['direction']!r}"
        if a["clip"] is not None:
            return f"clip = {a['clip']} (cell clipping)"
        if a.get("input_forget"):
            return "input_forget = 1 (coupled input and forget gates)"
        if a["activation_alpha"] or a["activation_beta"]:
            return "activation_alpha/activation_beta (activations with parameters)"
        acts = a["activations"]
        n = len(_DEFAULTS[kind]) * (2 if a["direction"] == "bidirectional" else 1)
        if acts is not None:
            if len(acts) != n:
                return f"activations = {acts} ({n} names expected for direction {a['direction']!r})"
            unknown = [x for x in acts if x not in _ACTIVATIONS]
            if unknown:
                return f"activations {unknown} (covered: {', '.join(_ACTIVATIONS)})"
        if a["layout"] not in (0, 1):
            return f"layout = {a['layout']}"
        return None
    return check


def _activations(kind, acts, direction):
    per = len(_DEFAULTS[kind])
    names = acts or _DEFAULTS[kind] * (2 if direction == "bidirectional" else 1)
    return [[_ACTIVATIONS[n] for n in names[d * per:(d + 1) * per]] for d in range(len(names) // per)]


def _lengths_mask(lens, steps, batch, dtype):
    """``[steps, batch, 1]`` of 1 where a step is inside its sequence (None: all are)."""
    if lens is None:
        return None
    lens = static(lens).astype(np.int64)
    return (np.arange(steps)[:, None] < lens[None, :]).astype(dtype)[..., None]


def _reverse_within(xs, lens):
    """The steps of each sequence reversed within its length (the reverse direction's order)."""
    if lens is None:
        return xs[::-1]
    lens = static(lens).astype(np.int64)
    steps = len(xs)
    out = []
    for t in range(steps):
        src = np.where(t < lens, lens - 1 - t, t)  # steps past the length stay (they are masked)
        rows = [xs[int(s)][b:b + 1] for b, s in enumerate(src)]
        out.append(wb.concat(rows, axis=0) if len(rows) > 1 else rows[0])
    return out


def _split_gates(v, n):
    return wb.split(v, n, axis=-1) if n > 1 else [v]


def _run(kind, ctx, x, w, r, b, lens, h0, c0, p, attrs, linear_before_reset=0):
    hidden = int(attrs["hidden_size"])
    if attrs["layout"] == 1:
        x = wb.transpose(x, [1, 0, 2])
        h0 = None if h0 is None else wb.transpose(h0, [1, 0, 2])
        c0 = None if c0 is None else wb.transpose(c0, [1, 0, 2])
    steps, batch = x.shape[0], x.shape[1]
    dtype = np.dtype(x.dtype)
    dirs = 2 if attrs["direction"] == "bidirectional" else 1
    if w.shape[0] != dirs:
        raise ValueError(f"{ctx.where()}: W has {w.shape[0]} directions, direction {attrs['direction']!r} "
                         f"needs {dirs}")
    mask = _lengths_mask(lens, steps, batch, dtype)
    acts = _activations(kind, attrs["activations"], attrs["direction"])
    gates = _GATES[kind]
    xs = [x[t] for t in range(steps)]
    ys, hs, cs = [], [], []
    for d in range(dirs):
        reverse = attrs["direction"] == "reverse" or d == 1
        wd, rd = w[d], r[d]
        wb_ = rb_ = None
        if b is not None:
            wb_, rb_ = b[d][:gates * hidden], b[d][gates * hidden:]
        zeros = np.zeros((batch, hidden), dtype)
        h = zeros if h0 is None else h0[d]
        c = zeros if c0 is None else c0[d]
        order = _reverse_within(xs, lens) if reverse else xs
        # the input projections of every step at once: one matmul
        proj = wb.matmul(wb.stack(order, axis=0), wd, transpose_b=True)
        if wb_ is not None:
            proj = proj + wb_
        out = []
        for t in range(steps):
            if kind == "LSTM":
                h_new, c_new = _lstm_step(proj[t], h, c, rd, rb_, None if p is None else p[d], acts[d], hidden)
            elif kind == "GRU":
                h_new, c_new = _gru_step(proj[t], h, rd, rb_, acts[d], hidden, linear_before_reset), None
            else:
                pre = proj[t] + wb.matmul(h, rd, transpose_b=True)
                h_new, c_new = acts[d][0](pre if rb_ is None else pre + rb_), None
            if mask is not None:
                m = mask[t]
                h = h_new * m + h * (1 - m)
                if c_new is not None:
                    c = c_new * m + c * (1 - m)
                out.append(h_new * m)
            else:
                h = h_new
                if c_new is not None:
                    c = c_new
                out.append(h_new)
        if reverse:
            out = _reverse_within(out, lens)
        ys.append(wb.stack(out, axis=0))
        hs.append(h if isinstance(h, Tensor) else wb.constant(h))
        cs.append(c if isinstance(c, Tensor) else wb.constant(c))
    y = wb.stack(ys, axis=1)                      # [steps, dirs, batch, hidden]
    y_h, y_c = wb.stack(hs, axis=0), wb.stack(cs, axis=0)  # [dirs, batch, hidden]
    if attrs["layout"] == 1:
        y = wb.transpose(y, [2, 0, 1, 3])
        y_h, y_c = wb.transpose(y_h, [1, 0, 2]), wb.transpose(y_c, [1, 0, 2])
    return [y, y_h, y_c] if kind == "LSTM" else [y, y_h]


def _lstm_step(px, h, c, r, rb, p, acts, hidden):
    f, g, hact = acts
    z = px + wb.matmul(h, r, transpose_b=True)
    if rb is not None:
        z = z + rb
    zi, zo, zf, zc = _split_gates(z, 4)  # ONNX's gate order: input, output, forget, cell
    if p is not None:
        pi, po, pf = p[:hidden], p[hidden:2 * hidden], p[2 * hidden:]
        zi, zf = zi + pi * c, zf + pf * c
    i, fg = f(zi), f(zf)
    c_new = fg * c + i * g(zc)
    o = f(zo + po * c_new) if p is not None else f(zo)
    return o * hact(c_new), c_new


def _gru_step(px, h, r, rb, acts, hidden, linear_before_reset):
    f, g = acts
    xz, xr, xh = _split_gates(px, 3)  # ONNX's gate order: update, reset, hidden
    rz, rr, rh = r[:hidden], r[hidden:2 * hidden], r[2 * hidden:]
    bz = br = bh = None
    if rb is not None:
        bz, br, bh = rb[:hidden], rb[hidden:2 * hidden], rb[2 * hidden:]

    def lin(v, m, bias):
        out = wb.matmul(v, m, transpose_b=True)
        return out if bias is None else out + bias
    z = f(xz + lin(h, rz, bz))
    rg = f(xr + lin(h, rr, br))
    if linear_before_reset:
        hh = g(xh + rg * lin(h, rh, bh))
    else:
        hh = g(xh + lin(rg * h, rh, bh))
    return (1 - z) * hh + z * h


def _lstm(ctx, x, w, r, b=None, lens=None, h0=None, c0=None, p=None, input_forget=0, **attrs):
    return _run("LSTM", ctx, x, w, r, b, lens, h0, c0, p, attrs)


def _gru(ctx, x, w, r, b=None, lens=None, h0=None, linear_before_reset=0, **attrs):
    return _run("GRU", ctx, x, w, r, b, lens, h0, None, None, attrs, linear_before_reset)


def _rnn(ctx, x, w, r, b=None, lens=None, h0=None, **attrs):
    return _run("RNN", ctx, x, w, r, b, lens, h0, None, None, attrs)


OPERATORS["LSTM"] = Operator("LSTM", _lstm, dict(_ATTRS, input_forget=0), outputs=3, check=_check("LSTM"))
OPERATORS["GRU"] = Operator("GRU", _gru, dict(_ATTRS, linear_before_reset=0), outputs=2, check=_check("GRU"))
OPERATORS["RNN"] = Operator("RNN", _rnn, dict(_ATTRS), outputs=2, check=_check("RNN"))
