"""Recurrent layers: GRU, LSTM (Keras' gate equations and weight layout) and Bidirectional.

Inputs are either dense batches ``[batch, time, features]`` with an optional
boolean ``mask`` ``[batch, time]`` (a masked step keeps the previous state and
outputs zeros), or RaggedTensor batches ``[batch, None, features]``.

Ragged batches are not padded: the rows are sorted by length once, and time
step ``t`` runs only on the prefix of rows longer than ``t``, so the work is
proportional to the number of values. The results equal the padded and
masked computation.

``dropout`` and ``recurrent_dropout`` follow Keras (variational dropout, Gal &
Ghahramani): with ``training=True`` one mask over the input features
``[batch, features]`` and one over the state ``[batch, units]`` are drawn per
call and reused at every time step, for every gate; the state mask applies to
the state where it enters the recurrent kernel (the state carried on, and the
LSTM cell, are not masked). Masks are drawn per row in batch order, so a
ragged batch and its padded, masked form drop the same units.

>>> gru = wb.keras.layers.GRU(4)
>>> x = ragged.constant([[[1.0], [2.0], [3.0]], [[1.0]]], ragged_rank=1)
>>> gru(x).shape
(2, 4)
"""

from __future__ import annotations

import numpy as np

import workbench as wb

from ... import backend, core, random as wb_random
from ...errors import argcheck
from ...ops.indexing import take_rows
from .base import InputSpec, Layer, is_ragged
from ..activations import get as get_activation, serialize as serialize_activation
from .core import _weight_args
import ragged

__all__ = ["Bidirectional", "GRU", "LSTM"]


def _index(arr, like):
    """An int64 index Tensor from a host array, on ``like``'s device."""
    xp = backend.xp_of(like._data)
    # (from the row partition, which a wb.function signature fixes: a constant there)
    return core.wrap_constant(xp.asarray(np.ascontiguousarray(arr, dtype=np.int64)))


class _RaggedPlan:
    """Where each (row, step) of a ragged batch sits, for a loop over time steps.

    Rows are sorted by decreasing length (``order``); step ``t`` covers the
    first ``counts[t]`` sorted rows, whose inputs are rows ``offsets[t]:offsets[t+1]``
    of the time-major value order ``in_pos`` (positions into ``flat_values``).
    """

    def __init__(self, row_splits, go_backwards):
        splits = backend.to_numpy(row_splits._data).astype(np.int64)
        lengths = np.diff(splits)
        self.nrows, self.nvals = lengths.size, int(splits[-1]) if splits.size else 0
        self.order = np.argsort(-lengths, kind="stable")
        sorted_lengths = lengths[self.order]
        maxlen = int(sorted_lengths[0]) if self.nrows else 0
        # rows longer than t, for every t (sorted_lengths is decreasing)
        self.counts = np.searchsorted(-sorted_lengths, -np.arange(maxlen), side="left").astype(np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)
        steps = np.repeat(np.arange(maxlen, dtype=np.int64), self.counts)
        rows = self.order[np.arange(self.nvals, dtype=np.int64) - np.repeat(self.offsets[:-1], self.counts)]
        self.out_pos = splits[:-1][rows] + steps
        self.in_pos = splits[1:][rows] - 1 - steps if go_backwards else self.out_pos
        self.inverse_order = np.argsort(self.order, kind="stable")


class _RNN(Layer):
    """Shared loop for GRU and LSTM: subclasses define the weights and one time step."""

    _gates = 1
    _num_states = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False, **kwargs):
        self._config = dict(units=units, activation=activation, recurrent_activation=recurrent_activation,
                            use_bias=use_bias, kernel_initializer=kernel_initializer,
                            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                            bias_regularizer=bias_regularizer, dropout=dropout,
                            recurrent_dropout=recurrent_dropout, seed=seed, return_sequences=return_sequences,
                            return_state=return_state, go_backwards=go_backwards)
        super().__init__(**kwargs)
        units = argcheck.integer(units, "units", type(self).__name__, minimum=1)
        for what, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0.0 <= argcheck.number(rate, what, type(self).__name__) < 1.0:
                raise ValueError(f"{type(self).__name__}: {what} must be in [0, 1), got {rate!r}")
        self.dropout, self.recurrent_dropout = float(dropout), float(recurrent_dropout)
        self.seed = seed
        self._rng = None if seed is None else wb_random.Generator.from_seed(seed)
        self.units = int(units)
        self.activation = get_activation(activation)
        self.recurrent_activation = get_activation(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.supports_masking = True

    def get_config(self):
        return {**super().get_config(), **self._config,
                "activation": serialize_activation(self.activation),
                "recurrent_activation": serialize_activation(self.recurrent_activation),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                **_weight_args(self, "kernel", "recurrent", "bias", source=self._config)}

    def _dropout_masks(self, batch, features, dtype, training):
        """``(input_mask [batch, features], state_mask [batch, units])``, each None when unused:
        drawn once per call (kept units scaled by ``1 / (1 - rate)``), reused at every step."""
        if not training or (self.dropout == 0.0 and self.recurrent_dropout == 0.0):
            return None, None
        rng = self._rng or wb_random.get_global_generator()
        masks = []
        for rate, width in ((self.dropout, features), (self.recurrent_dropout, self.units)):
            if rate == 0.0:
                masks.append(None)
                continue
            seed = rng.make_seeds(1)[:, 0]
            masks.append(wb.nn.experimental.stateless_dropout(wb.ones((batch, width), dtype=dtype), rate, seed))
        return tuple(masks)

    def build(self, input_shape):
        features = input_shape[-1]
        if len(input_shape) != 3 or features is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': inputs must be [batch, time, features] "
                             f"with known features, got shape {input_shape}")
        n = self._gates * self.units
        cfg = self._config
        self.kernel = self.add_weight("kernel", (features, n), initializer=cfg["kernel_initializer"],
                                      regularizer=cfg["kernel_regularizer"])
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, n),
                                                initializer=cfg["recurrent_initializer"],
                                                regularizer=cfg["recurrent_regularizer"])
        self.bias = (self.add_weight("bias", self._bias_shape(), initializer=self._bias_initializer(),
                                     regularizer=cfg["bias_regularizer"]) if self.use_bias else None)
        self.input_spec = InputSpec(ndim=3, axes={-1: features})

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self._config["bias_initializer"]

    def _input_bias(self):
        return self.bias

    def _project(self, x):
        """The input part of every gate for all steps at once: ``x @ kernel (+ input bias)``."""
        y = wb.tensordot(x, self.kernel, axes=[[x.ndim - 1], [0]]) if x.ndim != 2 else wb.matmul(x, self.kernel)
        b = self._input_bias()
        return y if b is None else y + b

    def _step(self, xw, states, state_mask=None):
        """One time step from the projected input ``xw`` ``[n, gates * units]``: ``(output, states)``.
        ``state_mask`` ``[n, units]`` (recurrent dropout) scales the state fed to the recurrent kernel."""
        raise NotImplementedError

    def _initial_states(self, initial_state, batch, dtype):
        if initial_state is None:
            return [wb.zeros((batch, self.units), dtype=dtype) for _ in range(self._num_states)]
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if len(states) != self._num_states:
            raise ValueError(f"{type(self).__name__} '{self.name}': initial_state must hold {self._num_states} "
                             f"tensor(s) of shape [batch, {self.units}], got {len(states)}")
        out = []
        for s in states:
            s = wb.convert_to_tensor(s, dtype=dtype)
            if s.shape != (batch, self.units):
                raise ValueError(f"{type(self).__name__} '{self.name}': initial state of shape {s.shape}, "
                                 f"expected {(batch, self.units)}")
            out.append(s)
        return out

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if is_ragged(inputs):
            if mask is not None:
                raise ValueError(f"{type(self).__name__} '{self.name}': a RaggedTensor input carries its "
                                 "own lengths; do not pass a mask")
            return self._call_ragged(inputs, initial_state, training)
        return self._call_dense(wb.convert_to_tensor(inputs), mask, initial_state, training)

    def _result(self, outputs, states):
        out = outputs if self.return_sequences else states[0]
        return [out] + list(states) if self.return_state else out

    def _call_dense(self, x, mask, initial_state, training=None):
        batch, steps = x.shape[0], x.shape[1]
        input_mask, state_mask = self._dropout_masks(batch, x.shape[2], x.dtype, training)
        xw = self._project(x if input_mask is None else x * input_mask[:, None, :])
        states = self._initial_states(initial_state, batch, x.dtype)
        if mask is not None:
            mask = wb.convert_to_tensor(mask)
            if mask.shape != (batch, steps):
                raise ValueError(f"{type(self).__name__} '{self.name}': mask must have shape {(batch, steps)} "
                                 f"([batch, time]), got {mask.shape}")
            if mask.dtype.kind != "b":
                mask = wb.not_equal(mask, 0)
        outputs = []
        for t in (range(steps - 1, -1, -1) if self.go_backwards else range(steps)):
            out, new = self._step(xw[:, t], states, state_mask)
            if mask is not None:
                keep = mask[:, t:t + 1]
                new = [wb.where(keep, n, s) for n, s in zip(new, states)]
                out = wb.where(keep, out, wb.zeros_like(out))
            states = new
            if self.return_sequences:
                outputs.append(out)
        seq = None
        if self.return_sequences:
            seq = (wb.stack(outputs, axis=1) if outputs
                   else wb.zeros((batch, 0, self.units), dtype=x.dtype))
        return self._result(seq, states)

    def _call_ragged(self, rt, initial_state, training=None):
        if rt.ragged_rank != 1 or rt.flat_values.ndim != 2:
            raise ValueError(f"{type(self).__name__} '{self.name}': ragged inputs must be [batch, None, "
                             f"features] (ragged_rank 1), got shape {rt.shape}")
        values = rt.flat_values
        plan = _RaggedPlan(rt.row_splits, self.go_backwards)
        input_mask, state_mask = self._dropout_masks(plan.nrows, values.shape[1], values.dtype, training)
        if input_mask is not None:   # each value takes its row's mask
            values = values * take_rows(input_mask, rt.value_rowids())
        states = self._initial_states(initial_state, plan.nrows, values.dtype)
        order = _index(plan.order, values)
        states = [take_rows(s, order) for s in states]
        if state_mask is not None:
            state_mask = take_rows(state_mask, order)
        xw = take_rows(self._project(values), _index(plan.in_pos, values))   # time-major
        finished, outputs, active = [], [], plan.nrows
        for t, n in enumerate(plan.counts.tolist()):
            if n < active:  # rows of length t are done: keep their states aside
                finished.append([s[n:] for s in states])
                states = [s[:n] for s in states]
                state_mask = None if state_mask is None else state_mask[:n]
                active = n
            out, states = self._step(xw[int(plan.offsets[t]):int(plan.offsets[t + 1])], states, state_mask)
            if self.return_sequences:
                outputs.append(out)
        finished.append(states)
        pieces = finished[::-1]   # sorted order: longest rows first
        sorted_states = [wb.concat([p[i] for p in pieces], axis=0) if len(pieces) > 1 else pieces[0][i]
                         for i in range(self._num_states)]
        final = [take_rows(s, _index(plan.inverse_order, values)) for s in sorted_states]
        seq = None
        if self.return_sequences:
            inverse_out = np.empty(plan.nvals, np.int64)
            inverse_out[plan.out_pos] = np.arange(plan.nvals)
            flat = (wb.concat(outputs, axis=0) if len(outputs) > 1 else outputs[0]) if outputs \
                else wb.zeros((0, self.units), dtype=values.dtype)
            seq = ragged.RaggedTensor.from_row_splits(take_rows(flat, _index(inverse_out, values)),
                                                      rt.row_splits, validate=False)
        return self._result(seq, final)

    def compute_mask(self, inputs, mask=None):
        if not self.return_sequences or is_ragged(inputs):
            return None
        if mask is not None and self.go_backwards:
            return wb.reverse(wb.convert_to_tensor(mask), axis=[1])
        return mask


class GRU(_RNN):
    """Keras' GRU: gates z (update), r (reset), h (candidate), in that order in
    ``kernel`` ``[features, 3 units]`` and ``recurrent_kernel`` ``[units, 3 units]``.

    ``reset_after=True`` (the default, cuDNN-compatible): ``bias`` is ``[2, 3 units]``
    (input and recurrent biases) and ``hh = tanh(x_h + r * (h @ U_h + b_h))``;
    with ``reset_after=False``, ``bias`` is ``[3 units]`` and
    ``hh = tanh(x_h + (r * h) @ U_h)``. Then ``h = z * h_prev + (1 - z) * hh``.
    """

    _gates = 3

    def __init__(self, units, reset_after=True, **kwargs):
        self.reset_after = bool(reset_after)
        super().__init__(units, **kwargs)
        self._config["reset_after"] = self.reset_after

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        if self.bias is None:
            return None
        return self.bias[0] if self.reset_after else self.bias

    def _step(self, xw, states, state_mask=None):
        h = states[0]
        h_in = h if state_mask is None else h * state_mask   # recurrent dropout
        u = self.units
        x_z, x_r, x_h = wb.split(xw, 3, axis=-1)
        act, rec = self.activation, self.recurrent_activation
        if self.reset_after:
            hu = wb.matmul(h_in, self.recurrent_kernel)
            if self.bias is not None:
                hu = hu + self.bias[1]
            h_z, h_r, h_h = wb.split(hu, 3, axis=-1)
            z = rec(x_z + h_z)
            r = rec(x_r + h_r)
            hh = act(x_h + r * h_h)
        else:
            h_z, h_r = wb.split(wb.matmul(h_in, self.recurrent_kernel[:, :2 * u]), 2, axis=-1)
            z = rec(x_z + h_z)
            r = rec(x_r + h_r)
            hh = act(x_h + wb.matmul(r * h_in, self.recurrent_kernel[:, 2 * u:]))
        h_new = z * h + (1 - z) * hh
        return h_new, [h_new]


class LSTM(_RNN):
    """Keras' LSTM: gates i, f, c, o in that order in ``kernel`` ``[features, 4 units]``,
    ``recurrent_kernel`` ``[units, 4 units]`` and ``bias`` ``[4 units]``
    (``unit_forget_bias=True`` starts the forget bias at 1).
    ``c = f * c_prev + i * tanh(z_c)``, ``h = o * tanh(c)``; states are ``[h, c]``.
    """

    _gates = 4
    _num_states = 2

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        self.unit_forget_bias = bool(unit_forget_bias)
        super().__init__(units, **kwargs)
        self._config["unit_forget_bias"] = self.unit_forget_bias

    def _bias_initializer(self):
        init = wb.keras.initializers.get(self._config["bias_initializer"])
        if not self.unit_forget_bias:
            return init
        u = self.units

        def forget_one(shape, dtype=None):
            rest = init((u,), dtype=dtype)
            return wb.concat([rest, wb.ones((u,), dtype=dtype), init((2 * u,), dtype=dtype)], axis=0)
        return forget_one

    def _step(self, xw, states, state_mask=None):
        h, c = states
        h_in = h if state_mask is None else h * state_mask   # recurrent dropout
        z = xw + wb.matmul(h_in, self.recurrent_kernel)
        z_i, z_f, z_c, z_o = wb.split(z, 4, axis=-1)
        rec = self.recurrent_activation
        c_new = rec(z_f) * c + rec(z_i) * self.activation(z_c)
        h_new = rec(z_o) * self.activation(c_new)
        return h_new, [h_new, c_new]


class Bidirectional(Layer):
    """Run ``layer`` forwards and a copy of it backwards, and merge the outputs.

    ``merge_mode``: 'concat' (default), 'sum', 'mul', 'ave' or None (a list of
    both). With ``return_sequences`` the backward outputs are put back in time
    order (per row, for ragged inputs). With ``return_state`` the result is
    ``[output] + forward states + backward states``.
    """

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        if not isinstance(layer, _RNN):
            raise TypeError(f"Bidirectional: layer must be a GRU or LSTM, got {type(layer).__name__}")
        kwargs.setdefault("name", f"bidirectional_{layer.name}")
        super().__init__(**kwargs)
        if merge_mode not in ("concat", "sum", "mul", "ave", None):
            raise ValueError(f"Bidirectional: merge_mode must be 'concat', 'sum', 'mul', 'ave' or None, "
                             f"got {merge_mode!r}")
        self.merge_mode = merge_mode
        self.forward_layer = layer
        if backward_layer is None:
            # a copy running the other way; a seeded layer's copy gets the next seed, so the two
            # directions drop different units (and the pair is still reproducible)
            cfg = dict(layer._config, go_backwards=not layer.go_backwards)
            if cfg.get("seed") is not None:
                cfg["seed"] = int(cfg["seed"]) + 1
            backward_layer = type(layer)(name=f"backward_{layer.name}", dtype=layer._dtype, **cfg)
        elif not isinstance(backward_layer, _RNN) or backward_layer.go_backwards == layer.go_backwards:
            raise ValueError("Bidirectional: backward_layer must be a GRU/LSTM with the opposite go_backwards")
        self.backward_layer = backward_layer
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        self.supports_masking = True

    def call(self, inputs, mask=None, training=None, initial_state=None):
        init_f = init_b = None
        if initial_state is not None:
            half = len(initial_state) // 2
            init_f, init_b = initial_state[:half], initial_state[half:]
        f = self.forward_layer(inputs, mask=mask, initial_state=init_f)
        b = self.backward_layer(inputs, mask=mask, initial_state=init_b)
        states_f, states_b = [], []
        if self.return_state:
            f, states_f = f[0], f[1:]
            b, states_b = b[0], b[1:]
        if self.return_sequences:
            b = _reverse_time(b)
        out = self._merge(f, b)
        return [out] + list(states_f) + list(states_b) if self.return_state else out

    def _merge(self, f, b):
        if self.merge_mode is None:
            return [f, b]
        fn = {"concat": lambda x, y: wb.concat([x, y], axis=-1), "sum": wb.add, "mul": wb.multiply,
              "ave": lambda x, y: (x + y) * 0.5}[self.merge_mode]
        if is_ragged(f):
            return f.with_flat_values(fn(f.flat_values, b.flat_values))
        return fn(f, b)

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences and not is_ragged(inputs) else None

    def get_config(self):
        from .saving import serialize  # circular import with saving
        return {**super().get_config(), "layer": serialize(self.forward_layer), "merge_mode": self.merge_mode,
                "backward_layer": serialize(self.backward_layer)}

    @classmethod
    def from_config(cls, config):
        from .saving import deserialize  # circular import with saving
        config = dict(config)
        for key in ("layer", "backward_layer"):
            if isinstance(config.get(key), dict):
                config[key] = deserialize(config[key])
        return cls(**config)


def _reverse_time(x):
    """Reverse the time axis (axis 1); for a RaggedTensor, reverse each row."""
    if not is_ragged(x):
        return wb.reverse(x, axis=[1])
    splits = backend.to_numpy(x.row_splits._data).astype(np.int64)
    lengths = np.diff(splits)
    rowids = np.repeat(np.arange(lengths.size), lengths)
    pos = np.arange(int(splits[-1])) - splits[:-1][rowids]
    src = splits[:-1][rowids] + lengths[rowids] - 1 - pos
    return x.with_flat_values(take_rows(x.flat_values, _index(src, x.flat_values)))
