"""Recurrent layers: GRU, LSTM, SimpleRNN, the generic ``RNN(cell)`` with its cells
(SimpleRNNCell, GRUCell, LSTMCell, StackedRNNCells and user-written cells) and Bidirectional.

Inputs are either dense batches ``[batch, time, features]`` with an optional
boolean ``mask`` ``[batch, time]`` (a masked step keeps the previous state), or
RaggedTensor batches ``[batch, None, features]``. Every layer here runs the one
time loop of ``_RNN``; a layer only says how to project the inputs and how to take
one step.

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

from ... import backend, core, nest, random as wb_random
from ...errors import argcheck
from ...ops.indexing import take_rows
from .base import InputSpec, Layer, is_ragged
from ..activations import get as get_activation, serialize as serialize_activation
from .core import _weight_args
import ragged

__all__ = ["Bidirectional", "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell",
           "StackedRNNCells"]


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


def _check_rate(layer, what, rate):
    if not 0.0 <= argcheck.number(rate, what, type(layer).__name__) < 1.0:
        raise ValueError(f"{type(layer).__name__}: {what} must be in [0, 1), got {rate!r}")
    return float(rate)


def _draw_masks(layer, batch, features, dtype, training):
    """``(input_mask [batch, features], state_mask [batch, units])``, each None when unused:
    drawn from ``layer``'s generator (kept units scaled by ``1 / (1 - rate)``)."""
    if not training or (layer.dropout == 0.0 and layer.recurrent_dropout == 0.0):
        return None, None
    rng = layer._rng or wb_random.get_global_generator()
    masks = []
    for rate, width in ((layer.dropout, features), (layer.recurrent_dropout, layer.units)):
        if rate == 0.0:
            masks.append(None)
            continue
        seed = rng.make_seeds(1)[:, 0]
        masks.append(wb.nn.experimental.stateless_dropout(wb.ones((batch, width), dtype=dtype), rate, seed))
    return tuple(masks)


# -- one time step of each built-in recurrence (shared by the fused layers and the cells) -------------


def _project(cell, x):
    """The input part of every gate: ``x @ kernel (+ input bias)``, for one step or all steps."""
    y = wb.tensordot(x, cell.kernel, axes=[[x.ndim - 1], [0]]) if x.ndim != 2 else wb.matmul(x, cell.kernel)
    b = cell._input_bias()
    return y if b is None else y + b


def _simple_step(cell, xw, states, state_mask=None):
    """``h = activation(x W + b + h_prev U)``."""
    h = states[0]
    h_in = h if state_mask is None else h * state_mask   # recurrent dropout
    out = cell.activation(xw + wb.matmul(h_in, cell.recurrent_kernel))
    return out, [out]


def _gru_step(cell, xw, states, state_mask=None):
    h = states[0]
    h_in = h if state_mask is None else h * state_mask   # recurrent dropout
    u = cell.units
    x_z, x_r, x_h = wb.split(xw, 3, axis=-1)
    act, rec = cell.activation, cell.recurrent_activation
    if cell.reset_after:
        hu = wb.matmul(h_in, cell.recurrent_kernel)
        if cell.bias is not None:
            hu = hu + cell.bias[1]
        h_z, h_r, h_h = wb.split(hu, 3, axis=-1)
        z = rec(x_z + h_z)
        r = rec(x_r + h_r)
        hh = act(x_h + r * h_h)
    else:
        h_z, h_r = wb.split(wb.matmul(h_in, cell.recurrent_kernel[:, :2 * u]), 2, axis=-1)
        z = rec(x_z + h_z)
        r = rec(x_r + h_r)
        hh = act(x_h + wb.matmul(r * h_in, cell.recurrent_kernel[:, 2 * u:]))
    h_new = z * h + (1 - z) * hh
    return h_new, [h_new]


def _lstm_step(cell, xw, states, state_mask=None):
    h, c = states
    h_in = h if state_mask is None else h * state_mask   # recurrent dropout
    z = xw + wb.matmul(h_in, cell.recurrent_kernel)
    z_i, z_f, z_c, z_o = wb.split(z, 4, axis=-1)
    rec = cell.recurrent_activation
    c_new = rec(z_f) * c + rec(z_i) * cell.activation(z_c)
    h_new = rec(z_o) * cell.activation(c_new)
    return h_new, [h_new, c_new]


def _gru_bias(cell):
    return (2, 3 * cell.units) if cell.reset_after else (3 * cell.units,)


def _gru_input_bias(cell):
    if cell.bias is None:
        return None
    return cell.bias[0] if cell.reset_after else cell.bias


def _lstm_bias_initializer(cell):
    init = wb.keras.initializers.get(cell._config["bias_initializer"])
    if not cell.unit_forget_bias:
        return init
    u = cell.units

    def forget_one(shape, dtype=None):
        rest = init((u,), dtype=dtype)
        return wb.concat([rest, wb.ones((u,), dtype=dtype), init((2 * u,), dtype=dtype)], axis=0)
    return forget_one


class _Gated:
    """The weights of a built-in recurrence: ``kernel`` ``[features, gates * units]``,
    ``recurrent_kernel`` ``[units, gates * units]`` and ``bias``; the arguments that make them."""

    _gates = 1
    _num_states = 1

    def _init_gated(self, units, activation, recurrent_activation, use_bias, kernel_initializer,
                    recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                    bias_regularizer, dropout, recurrent_dropout, seed):
        where = type(self).__name__
        self.units = argcheck.integer(units, "units", where, minimum=1)
        self._config.update(units=self.units, activation=activation, use_bias=use_bias,
                            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                            seed=seed)
        if recurrent_activation is not None:
            self._config["recurrent_activation"] = recurrent_activation
        self.dropout = _check_rate(self, "dropout", dropout)
        self.recurrent_dropout = _check_rate(self, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        self._rng = None if seed is None else wb_random.Generator.from_seed(seed)
        self.activation = get_activation(activation)
        self.recurrent_activation = get_activation(recurrent_activation)
        self.use_bias = bool(use_bias)

    def _gated_config(self):
        out = {**self._config, "activation": serialize_activation(self.activation),
               "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
               **_weight_args(self, "kernel", "recurrent", "bias", source=self._config)}
        if "recurrent_activation" in self._config:
            out["recurrent_activation"] = serialize_activation(self.recurrent_activation)
        return out

    def _build_gated(self, features):
        n = self._gates * self.units
        cfg = self._config
        self.kernel = self.add_weight(name="kernel", shape=(features, n), initializer=cfg["kernel_initializer"],
                                      regularizer=cfg["kernel_regularizer"])
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=(self.units, n),
                                                initializer=cfg["recurrent_initializer"],
                                                regularizer=cfg["recurrent_regularizer"])
        self.bias = (self.add_weight(name="bias", shape=self._bias_shape(), initializer=self._bias_initializer(),
                                     regularizer=cfg["bias_regularizer"]) if self.use_bias else None)

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self._config["bias_initializer"]

    def _input_bias(self):
        return self.bias

    def _dropout_masks(self, batch, features, dtype, training):
        """``(input_mask [batch, features], state_mask [batch, units])``, each None when unused:
        drawn once per call (kept units scaled by ``1 / (1 - rate)``), reused at every step."""
        return _draw_masks(self, batch, features, dtype, training)


# -- the loop ---------------------------------------------------------------------------------------


class _RNN(Layer):
    """The time loop shared by every recurrent layer. A subclass defines:

    - ``_state_sizes()``: the width of each state (a flat list);
    - ``_output_size()``: the width of the output at each step;
    - ``_loop_masks(batch, features, dtype, training)``: ``(input_mask, step_masks)``, the
      input dropout mask ``[batch, features]`` (or None) applied before ``_project``, and a list
      of per-row tensors (or Nones) handed to every step;
    - ``_project(x)``: the part of each step computed for all steps at once;
    - ``_step(xw, states, step_masks, training)``: ``(output, new_states)`` for one step.

    ``zero_output_for_mask``: a masked step outputs zeros (else the previous output).
    """
    _promote_int_inputs = True   # Keras 3's ops give a floating result for integer inputs here

    zero_output_for_mask = True
    _output_is_state0 = True     # the step's output is its first state (h): nothing else to carry

    def _init_loop(self, return_sequences, return_state, go_backwards):
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.supports_masking = True

    def _initial_states(self, initial_state, batch, dtype):
        sizes = self._state_sizes()
        if initial_state is None:
            return [wb.zeros((batch, s), dtype=dtype) for s in sizes]
        states = nest.flatten(list(initial_state) if isinstance(initial_state, (list, tuple))
                              else [initial_state])
        if len(states) != len(sizes):
            raise ValueError(f"{type(self).__name__} '{self.name}': initial_state must hold {len(sizes)} "
                             f"tensor(s) of widths {sizes}, got {len(states)}")
        out = []
        for s, size in zip(states, sizes):
            s = wb.convert_to_tensor(s, dtype=dtype)
            if s.shape != (batch, size):
                raise ValueError(f"{type(self).__name__} '{self.name}': initial state of shape {s.shape}, "
                                 f"expected {(batch, size)}")
            out.append(s)
        return out

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if is_ragged(inputs):
            if mask is not None:
                raise ValueError(f"{type(self).__name__} '{self.name}': a RaggedTensor input carries its "
                                 "own lengths; do not pass a mask")
            return self._call_ragged(inputs, initial_state, training)
        return self._call_dense(wb.convert_to_tensor(inputs), mask, initial_state, training)

    def _pack_states(self, states):
        """The states as the layer returns them (a flat list here)."""
        return list(states)

    def _result(self, outputs, last, states):
        out = outputs if self.return_sequences else last
        return [out] + self._pack_states(states) if self.return_state else out

    def _call_dense(self, x, mask, initial_state, training=None):
        if x.ndim < 3:
            raise ValueError(f"{type(self).__name__} '{self.name}': inputs must be [batch, time, features], "
                             f"got shape {x.shape}")
        batch, steps = x.shape[0], x.shape[1]
        input_mask, step_masks = self._loop_masks(batch, x.shape[2], x.dtype, training)
        xw = self._project(x if input_mask is None else x * input_mask[:, None, :])
        states = self._initial_states(initial_state, batch, x.dtype)
        if mask is not None:
            mask = wb.convert_to_tensor(mask)
            if mask.shape != (batch, steps):
                raise ValueError(f"{type(self).__name__} '{self.name}': mask must have shape {(batch, steps)} "
                                 f"([batch, time]), got {mask.shape}")
            if mask.dtype.kind != "b":
                mask = wb.not_equal(mask, 0)
        last = states[0] if self._output_is_state0 else wb.zeros((batch, self._output_size()), dtype=x.dtype)
        outputs = []
        for t in (range(steps - 1, -1, -1) if self.go_backwards else range(steps)):
            out, new = self._step(xw[:, t], states, step_masks, training)
            if mask is not None:
                keep = mask[:, t:t + 1]
                new = [wb.where(keep, n, s) for n, s in zip(new, states)]
                last_kept = wb.where(keep, out, last)
                out = wb.where(keep, out, wb.zeros_like(out)) if self.zero_output_for_mask else last_kept
                last = last_kept
            else:
                last = out
            states = new
            if self.return_sequences:
                outputs.append(out)
        seq = None
        if self.return_sequences:
            seq = (wb.stack(outputs, axis=1) if outputs
                   else wb.zeros((batch, 0, self._output_size()), dtype=x.dtype))
        return self._result(seq, last, states)

    def _call_ragged(self, rt, initial_state, training=None):
        if rt.ragged_rank != 1 or rt.flat_values.ndim != 2:
            raise ValueError(f"{type(self).__name__} '{self.name}': ragged inputs must be [batch, None, "
                             f"features] (ragged_rank 1), got shape {rt.shape}")
        values = rt.flat_values
        plan = _RaggedPlan(rt.row_splits, self.go_backwards)
        input_mask, step_masks = self._loop_masks(plan.nrows, values.shape[1], values.dtype, training)
        if input_mask is not None:   # each value takes its row's mask
            values = values * take_rows(input_mask, rt.value_rowids())
        states = self._initial_states(initial_state, plan.nrows, values.dtype)
        num_states = len(states)
        if not self._output_is_state0:   # carry each row's latest output like a state
            states.append(wb.zeros((plan.nrows, self._output_size()), dtype=values.dtype))
        order = _index(plan.order, values)
        states = [take_rows(s, order) for s in states]
        step_masks = [None if m is None else take_rows(m, order) for m in step_masks]
        xw = take_rows(self._project(values), _index(plan.in_pos, values))   # time-major
        finished, outputs, active = [], [], plan.nrows
        for t, n in enumerate(plan.counts.tolist()):
            if n < active:  # rows of length t are done: keep their states aside
                finished.append([s[n:] for s in states])
                states = [s[:n] for s in states]
                step_masks = [None if m is None else m[:n] for m in step_masks]
                active = n
            out, new = self._step(xw[int(plan.offsets[t]):int(plan.offsets[t + 1])], states[:num_states],
                                  step_masks, training)
            states = list(new) + ([] if self._output_is_state0 else [out])
            if self.return_sequences:
                outputs.append(out)
        finished.append(states)
        pieces = finished[::-1]   # sorted order: longest rows first
        sorted_states = [wb.concat([p[i] for p in pieces], axis=0) if len(pieces) > 1 else pieces[0][i]
                         for i in range(len(states))]
        final = [take_rows(s, _index(plan.inverse_order, values)) for s in sorted_states]
        last = final[0] if self._output_is_state0 else final.pop()
        seq = None
        if self.return_sequences:
            inverse_out = np.empty(plan.nvals, np.int64)
            inverse_out[plan.out_pos] = np.arange(plan.nvals)
            flat = (wb.concat(outputs, axis=0) if len(outputs) > 1 else outputs[0]) if outputs \
                else wb.zeros((0, self._output_size()), dtype=values.dtype)
            seq = ragged.RaggedTensor.from_row_splits(take_rows(flat, _index(inverse_out, values)),
                                                      rt.row_splits, validate=False)
        return self._result(seq, last, final)

    def compute_mask(self, inputs, mask=None):
        if not self.return_sequences or is_ragged(inputs):
            return None
        if mask is not None and self.go_backwards:
            return wb.reverse(wb.convert_to_tensor(mask), axis=[1])
        return mask


class _FusedRNN(_Gated, _RNN):
    """GRU and LSTM: the layer holds its weights itself and runs its recurrence directly."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False, **kwargs):
        self._config = {}
        super().__init__(**kwargs)
        self._init_gated(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, dropout, recurrent_dropout, seed)
        self._config.update(return_sequences=return_sequences, return_state=return_state,
                            go_backwards=go_backwards)
        self._init_loop(return_sequences, return_state, go_backwards)

    def get_config(self):
        return {**super().get_config(), **self._gated_config()}

    def build(self, input_shape):
        features = input_shape[-1]
        if len(input_shape) != 3 or features is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': inputs must be [batch, time, features] "
                             f"with known features, got shape {input_shape}")
        self._build_gated(features)
        self.input_spec = InputSpec(ndim=3, axes={-1: features})

    def _state_sizes(self):
        return [self.units] * self._num_states

    def _output_size(self):
        return self.units

    def _loop_masks(self, batch, features, dtype, training):
        input_mask, state_mask = self._dropout_masks(batch, features, dtype, training)
        return input_mask, [state_mask]

    def _project(self, x):
        return _project(self, x)

    def _step(self, xw, states, step_masks, training=None):
        return self._recurrence(xw, states, step_masks[0])


class GRU(_FusedRNN):
    """Keras' GRU: gates z (update), r (reset), h (candidate), in that order in
    ``kernel`` ``[features, 3 units]`` and ``recurrent_kernel`` ``[units, 3 units]``.

    ``reset_after=True`` (the default, cuDNN-compatible): ``bias`` is ``[2, 3 units]``
    (input and recurrent biases) and ``hh = tanh(x_h + r * (h @ U_h + b_h))``;
    with ``reset_after=False``, ``bias`` is ``[3 units]`` and
    ``hh = tanh(x_h + (r * h) @ U_h)``. Then ``h = z * h_prev + (1 - z) * hh``.
    """

    _gates = 3
    _recurrence = _gru_step
    _bias_shape = _gru_bias
    _input_bias = _gru_input_bias

    def __init__(self, units, reset_after=True, **kwargs):
        self.reset_after = bool(reset_after)
        super().__init__(units, **kwargs)
        self._config["reset_after"] = self.reset_after


class LSTM(_FusedRNN):
    """Keras' LSTM: gates i, f, c, o in that order in ``kernel`` ``[features, 4 units]``,
    ``recurrent_kernel`` ``[units, 4 units]`` and ``bias`` ``[4 units]``
    (``unit_forget_bias=True`` starts the forget bias at 1).
    ``c = f * c_prev + i * tanh(z_c)``, ``h = o * tanh(c)``; states are ``[h, c]``.
    """

    _gates = 4
    _num_states = 2
    _recurrence = _lstm_step
    _bias_initializer = _lstm_bias_initializer

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        self.unit_forget_bias = bool(unit_forget_bias)
        super().__init__(units, **kwargs)
        self._config["unit_forget_bias"] = self.unit_forget_bias


# -- cells and the generic RNN ----------------------------------------------------------------------


class _Cell(_Gated, Layer):
    """A built-in cell (Keras' ``call(inputs, states, training)`` -> ``(output, new_states)``).

    Called on its own, a cell draws fresh dropout masks at every call; inside ``RNN`` the
    masks are drawn once per sequence and reused at every step, as in Keras.
    """
    _promote_int_inputs = True   # Keras 3's ops give a floating result for integer inputs here

    def __init__(self, units, activation, recurrent_activation, use_bias, kernel_initializer,
                 recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                 bias_regularizer, dropout, recurrent_dropout, seed, **kwargs):
        self._config = {}
        super().__init__(**kwargs)
        self._init_gated(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, dropout, recurrent_dropout, seed)

    @property
    def state_size(self):
        return self.units if self._num_states == 1 else [self.units] * self._num_states

    @property
    def output_size(self):
        return self.units

    def get_initial_state(self, batch_size=None):
        return [wb.zeros((batch_size, self.units), dtype=self.compute_dtype) for _ in range(self._num_states)]

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': inputs must be [batch, features] with "
                             f"known features, got shape {input_shape}")
        self._build_gated(input_shape[-1])
        self.input_spec = InputSpec(ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs, states, training=None):
        single = not isinstance(states, (list, tuple))
        states = [states] if single else list(states)
        if len(states) != self._num_states:
            raise ValueError(f"{type(self).__name__} '{self.name}': states must hold {self._num_states} "
                             f"tensor(s) of shape [batch, {self.units}], got {len(states)}")
        input_mask, state_mask = self._dropout_masks(inputs.shape[0], inputs.shape[-1], inputs.dtype, training)
        x = inputs if input_mask is None else inputs * input_mask
        out, new = self._recurrence(_project(self, x), states, state_mask)
        return out, (new[0] if single else new)

    def get_config(self):
        return {**super().get_config(), **self._gated_config()}


class SimpleRNNCell(_Cell):
    """``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``; ``kernel``
    ``[features, units]``, ``recurrent_kernel`` ``[units, units]``, ``bias`` ``[units]``."""

    _recurrence = _simple_step

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(units, activation, None, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         dropout, recurrent_dropout, seed, **kwargs)


class GRUCell(_Cell):
    """One step of :class:`GRU`, with the same weights (so ``RNN(GRUCell(u))`` and ``GRU(u)``
    given the same weights compute the same thing)."""

    _gates = 3
    _recurrence = _gru_step
    _bias_shape = _gru_bias
    _input_bias = _gru_input_bias

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True, seed=None,
                 **kwargs):
        self.reset_after = bool(reset_after)
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, dropout, recurrent_dropout, seed, **kwargs)
        self._config["reset_after"] = self.reset_after


class LSTMCell(_Cell):
    """One step of :class:`LSTM`, with the same weights; states ``[h, c]``."""

    _gates = 4
    _num_states = 2
    _recurrence = _lstm_step
    _bias_initializer = _lstm_bias_initializer

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        self.unit_forget_bias = bool(unit_forget_bias)
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, dropout, recurrent_dropout, seed, **kwargs)
        self._config["unit_forget_bias"] = self.unit_forget_bias


def _check_cell(cell, where):
    if not callable(getattr(cell, "call", None)):
        raise ValueError(f"{where}: every cell needs a call(inputs, states) method, got {cell!r}")
    size = getattr(cell, "state_size", None)
    if isinstance(cell, StackedRNNCells):   # its cells were checked
        return
    if not (isinstance(size, int) or (isinstance(size, (list, tuple)) and size
                                      and all(isinstance(s, int) for s in size))):
        raise ValueError(f"{where}: a cell's state_size must be an integer or a list of integers (one per "
                         f"state), got {size!r} from {cell!r}")


def _state_widths(cell):
    size = cell.state_size
    return [size] if isinstance(size, int) else list(size)


def _cell_output_size(cell):
    size = getattr(cell, "output_size", None)
    return size if size is not None else _state_widths(cell)[0]


def _build_cell(cell, step_shape, dtype):
    """Build ``cell`` for one step's input shape, inside the calling layer's name scope (the
    cell keeps its own dtype policy, as in Keras 3; ``dtype`` is unused)."""
    if not isinstance(cell, Layer) or cell.built:
        return
    cell._build_input_shape = step_shape
    with cell.name_scope:
        cell.build(step_shape)
    cell.built = True


class StackedRNNCells(Layer):
    """Several cells acting as one: each cell's output is the next cell's input; the states
    are the cells' states, in order (Keras' nesting: one entry per cell)."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells) if isinstance(cells, (list, tuple)) else None
        if not cells:
            raise ValueError(f"StackedRNNCells: cells must be a non-empty list of cells, got {cells!r}")
        for cell in cells:
            _check_cell(cell, "StackedRNNCells")
        self.cells = cells

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return _cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        return [[wb.zeros((batch_size, w), dtype=self.compute_dtype) for w in _state_widths(c)]
                if not isinstance(c.state_size, int) else wb.zeros((batch_size, c.state_size),
                                                                   dtype=self.compute_dtype)
                for c in self.cells]

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            _build_cell(cell, shape, self.dtype)
            shape = (shape[0], _cell_output_size(cell))

    def call(self, inputs, states, training=None):
        new_states = []
        for cell, st in zip(self.cells, states):
            single = not isinstance(st, (list, tuple))
            inputs, new = _call_cell(cell, inputs, [st] if single else list(st), training)
            new_states.append(new[0] if single and len(new) == 1 else new)
        return inputs, new_states

    def get_config(self):
        from .saving import serialize  # circular import with saving
        return {**super().get_config(), "cells": [serialize(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config):
        from .saving import deserialize  # circular import with saving
        config = dict(config)
        cells = [deserialize(c) if isinstance(c, dict) else c for c in config.pop("cells")]
        return cls(cells, **config)


def _call_cell(cell, x, states, training):
    """A cell's step ``(output, new_states as a list)``; a Layer cell is called as a layer."""
    out, new = cell(x, states, training=training) if isinstance(cell, Layer) else cell.call(x, states)
    return out, list(new) if isinstance(new, (list, tuple)) else [new]


class RNN(_RNN):
    """Keras' ``RNN(cell)``: run ``cell`` over the time axis of ``[batch, time, ...]`` inputs.

    ``cell``: a built-in cell (SimpleRNNCell, GRUCell, LSTMCell), a StackedRNNCells, a list
    of cells (stacked), or any object with ``state_size`` (an int, or a list of ints: one per
    state), an optional ``output_size``, and ``call(inputs, states)`` returning
    ``(output, new_states)``, as in Keras' guide. ``states`` reaches the cell as a list.

    With a ``mask``, a masked step keeps the states; its output is the previous output (zeros
    before the first unmasked step), or zeros with ``zero_output_for_mask=True``. ``stateful=True`` starts each call from the
    states the previous call ended with (``reset_state()`` sets them to zeros; a call with
    another batch size starts from zeros); no gradient flows from one call into the next.
    ``unroll`` is accepted and recorded: the loop is a Python loop over the steps either way.
    RaggedTensor inputs run as in GRU/LSTM (rows sorted by length, no padding).

    >>> class MinimalRNNCell(wb.keras.layers.Layer):
    ...     def __init__(self, units, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.units = self.state_size = units
    ...     def build(self, input_shape):
    ...         self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units))
    ...     def call(self, inputs, states):
    ...         h = wb.matmul(inputs, self.kernel) + states[0]
    ...         return h, [h]
    ...     def get_config(self):
    ...         return {**super().get_config(), "units": self.units}
    >>> wb.keras.layers.RNN(MinimalRNNCell(3), return_sequences=True)(wb.ones([2, 5, 4])).shape
    (2, 5, 3)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        _check_cell(cell, f"{type(self).__name__}")
        self.cell = cell
        self.stateful, self.unroll = bool(stateful), bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self._init_loop(return_sequences, return_state, go_backwards)
        self._states = None

    @property
    def _cells(self):
        return self.cell.cells if isinstance(self.cell, StackedRNNCells) else [self.cell]

    # the output is carried on its own (starting at zeros), so a row masked at every step
    # outputs zeros while its state stays the initial state, as in Keras
    _output_is_state0 = False

    @property
    def states(self):
        """The states a stateful layer starts its next call from (None before the first call)."""
        return None if self._states is None else self._pack_states(self._states)

    def reset_state(self):
        """Set a stateful layer's states to zeros."""
        if self._states is not None:
            self._states = [wb.zeros_like(s) for s in self._states]

    reset_states = reset_state

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError(f"{type(self).__name__} '{self.name}': inputs must be [batch, time, ...], got "
                             f"shape {input_shape}")
        shape = (input_shape[0],) + tuple(input_shape[2:])
        for cell in self._cells:
            _build_cell(cell, shape, self.dtype)
            shape = (shape[0], _cell_output_size(cell))
        if isinstance(self.cell, StackedRNNCells):
            self.cell.built = True

    def _state_sizes(self):
        return [w for c in self._cells for w in _state_widths(c)]

    def _initial_states(self, initial_state, batch, dtype):
        if initial_state is None and not all(isinstance(c, _Cell) for c in self._cells):
            # a user cell's get_initial_state(batch_size) gives its starting states (else zeros)
            initial_state = []
            for cell in self._cells:
                make = getattr(cell, "get_initial_state", None)
                if make is None:
                    initial_state.extend(wb.zeros((batch, w), dtype=dtype) for w in _state_widths(cell))
                else:
                    initial_state.extend(nest.flatten(make(batch_size=batch)))
        return super()._initial_states(initial_state, batch, dtype)

    def _output_size(self):
        return _cell_output_size(self.cell)

    def _loop_masks(self, batch, features, dtype, training):
        masks, width = [], features
        for cell in self._cells:
            if isinstance(cell, _Cell):
                masks.extend(cell._dropout_masks(batch, width, dtype, training))
            else:
                masks.extend((None, None))
            width = _cell_output_size(cell)
        input_mask = None
        if isinstance(self._cells[0], _Cell):   # the first cell's inputs are projected for all steps
            input_mask, masks[0] = masks[0], None
        return input_mask, masks

    def _project(self, x):
        first = self._cells[0]
        return _project(first, x) if isinstance(first, _Cell) else x

    def _step(self, xw, states, step_masks, training=None):
        out, new_states, pos = xw, [], 0
        for i, cell in enumerate(self._cells):
            n = len(_state_widths(cell))
            st, pos = states[pos:pos + n], pos + n
            input_mask, state_mask = step_masks[2 * i], step_masks[2 * i + 1]
            if isinstance(cell, _Cell):
                if i:
                    out = _project(cell, out if input_mask is None else out * input_mask)
                out, new = cell._recurrence(out, st, state_mask)
            else:
                out, new = _call_cell(cell, out, st, training)
                if len(new) != n:
                    raise ValueError(f"{type(self).__name__} '{self.name}': cell {cell!r} returned {len(new)} "
                                     f"state(s), but its state_size {cell.state_size!r} says {n}")
            new_states.extend(new)
        return out, new_states

    def _pack_states(self, states):
        if not isinstance(self.cell, StackedRNNCells):
            return list(states)
        out, pos = [], 0
        for cell in self._cells:
            n = len(_state_widths(cell))
            out.append(states[pos] if isinstance(cell.state_size, int) else list(states[pos:pos + n]))
            pos += n
        return out

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if self.stateful and initial_state is None and self._states is not None:
            batch = inputs.nrows() if is_ragged(inputs) else wb.convert_to_tensor(inputs).shape[0]
            if int(batch) == self._states[0].shape[0]:
                initial_state = self._states
        return super().call(inputs, mask=mask, training=training, initial_state=initial_state)

    def _result(self, outputs, last, states):
        if self.stateful:
            self._states = [wb.stop_gradient(s) for s in states]
        return super()._result(outputs, last, states)

    def get_config(self):
        from .saving import serialize  # circular import with saving
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask, "cell": serialize(self.cell)}

    @classmethod
    def from_config(cls, config):
        from .saving import deserialize  # circular import with saving
        config = dict(config)
        cell = config.pop("cell")
        return cls(deserialize(cell) if isinstance(cell, dict) else cell, **config)


class SimpleRNN(RNN):
    """Keras' SimpleRNN: ``RNN(SimpleRNNCell(units, ...))``, with the cell's arguments given to the
    layer (its weights are ``cell.kernel``, ``cell.recurrent_kernel``, ``cell.bias``)."""

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, seed=None, **kwargs):
        cell = SimpleRNNCell(units, activation=activation, use_bias=use_bias,
                             kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                             bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                             recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                             dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                             dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                             name="simple_rnn_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)

    units = property(lambda self: self.cell.units)
    activation = property(lambda self: self.cell.activation)
    dropout = property(lambda self: self.cell.dropout)
    recurrent_dropout = property(lambda self: self.cell.recurrent_dropout)
    seed = property(lambda self: self.cell.seed)

    def get_config(self):
        config = super().get_config()
        cell = {k: v for k, v in config.pop("cell")["config"].items() if k not in ("name", "trainable", "dtype")}
        return {**config, **cell}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Bidirectional(Layer):
    """Run ``layer`` forwards and a copy of it backwards, and merge the outputs.

    ``merge_mode``: 'concat' (default), 'sum', 'mul', 'ave' or None (a list of
    both). With ``return_sequences`` the backward outputs are put back in time
    order (per row, for ragged inputs). With ``return_state`` the result is
    ``[output] + forward states + backward states``.
    """

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        if not isinstance(layer, _RNN):
            raise TypeError(f"Bidirectional: layer must be a recurrent layer (RNN, SimpleRNN, GRU, LSTM), "
                            f"got {type(layer).__name__}")
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
            cfg = _next_seed(dict(layer.get_config(), name=f"backward_{layer.name}",
                                  go_backwards=not layer.go_backwards))
            try:
                backward_layer = type(layer).from_config(cfg)
            except ValueError as exc:
                raise ValueError(f"Bidirectional: cannot copy {type(layer).__name__} '{layer.name}' from its "
                                 f"config ({exc}); pass backward_layer=") from None
        elif not isinstance(backward_layer, _RNN) or backward_layer.go_backwards == layer.go_backwards:
            raise ValueError("Bidirectional: backward_layer must be a recurrent layer with the opposite "
                             "go_backwards")
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


def _next_seed(config):
    """``config`` with every integer ``seed`` in it (the layer's, its cells') one higher."""
    out = {}
    for key, value in config.items():
        if key == "seed" and isinstance(value, int):
            value += 1
        elif isinstance(value, dict):
            value = _next_seed(value)
        elif isinstance(value, list):
            value = [_next_seed(v) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out
