"""``keras.backend``: the global settings Keras 3 code reads (``floatx``, ``set_floatx``,
``epsilon``, ``image_data_format``, ``backend``), ``clear_session``, Keras 3's dtype helpers, and the
tf.keras legacy backend functions TF 2.21's ``tf.keras.backend`` still has (thin TF ops: ``argmax``
gives int64, ``ones``/``zeros``/``eye``/``variable`` give variables, floats default to ``floatx()``)."""

from __future__ import annotations

import builtins

from . import dtype_policies as _dtype_policies
from .dtype_policies import floatx, set_floatx
from .layers import base as _base

__all__ = ["backend", "clear_session", "ctc_decode", "ctc_label_dense_to_sparse", "epsilon", "floatx",
           "image_data_format", "result_type", "rnn", "set_floatx"]

_CONFIG = {"epsilon": 1e-7, "image_data_format": "channels_last"}


def epsilon() -> float:
    """The fuzz factor Keras' losses and metrics use: ``1e-7`` unless :func:`set_epsilon` changed it."""
    return _CONFIG["epsilon"]


def set_epsilon(value):
    """Sets the value :func:`epsilon` returns."""
    _CONFIG["epsilon"] = float(value)


def image_data_format() -> str:
    """Where image layers expect channels by default: ``"channels_last"`` unless set."""
    return _CONFIG["image_data_format"]


def set_image_data_format(data_format):
    """Sets :func:`image_data_format`: ``"channels_last"`` or ``"channels_first"``."""
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError(f"set_image_data_format: data_format must be 'channels_first' or 'channels_last', got "
                         f"{data_format!r}")
    _CONFIG["image_data_format"] = value


def backend() -> str:
    """The engine under ``keras``: ``"workbench"`` (NumPy on the CPU, CuPy on a GPU)."""
    return "workbench"


def clear_session(free_memory=True):
    """Start layer names afresh (``dense``, ``dense_1``... again) and let the global dtype policy
    follow ``floatx()`` again, as Keras 3's ``clear_session`` resets its global state."""
    _base._name_counts.clear()
    _dtype_policies.reset()



def result_type(*dtypes):
    """The dtype Keras 3 computes in for operands of ``dtypes`` (dtype names, NumPy or workbench
    dtypes, or Python's ``int``/``float``/``bool`` for Python numbers, which take the other
    operand's kind): JAX's promotion lattice, with ``floatx()`` where it has a weak float
    (``result_type("uint64", "int64")`` is ``"float32"``) and ``floatx()`` for no dtypes."""
    from .. import dtypes as _dtypes  # noqa: PLC0415  (the promotion lattice, used only here)
    if not dtypes:
        return floatx()
    weak_names = {int: "int32", float: "float32", bool: "bool", complex: "complex64"}
    items = []
    for d in dtypes:
        if d in weak_names:
            items.append((weak_names[d], d is not bool))
            continue
        try:
            items.append((_dtypes.as_dtype(getattr(d, "name", d)).name, False))
        except TypeError:
            raise TypeError(f"result_type: {d!r} is not a dtype") from None
    out = items[0]
    for item in items[1:]:
        out = _dtypes.promoted_type(out, item)
    name, weak = out
    if weak and name.startswith("float"):
        return floatx()
    if weak and name.startswith("int"):
        return "int32" if builtins.all(w or n[0] not in "iu" or n == "int32" for n, w in items) else name
    return _CAPPED.get(name, name)


# Keras 3's lattice has no uint64 or complex128 result: they narrow
_CAPPED = {"uint64": "uint32", "complex128": "complex64"}


def ctc_label_dense_to_sparse(labels, label_lengths):
    """tf.keras' dense CTC labels ``(batch, max_label)`` as a SparseTensor that keeps the first
    ``label_lengths[b]`` labels of each row (int64 indices, the labels' dtype)."""
    from .. import convert_to_tensor, sparse  # noqa: PLC0415  (the package face, complete only once keras has loaded)
    import numpy as np  # noqa: PLC0415  (only this helper builds index arrays)
    labels = convert_to_tensor(labels)
    lengths = np.asarray(convert_to_tensor(label_lengths).numpy()).reshape(-1)
    if labels.ndim != 2 or lengths.shape[0] != labels.shape[0]:
        raise ValueError(f"ctc_label_dense_to_sparse: labels must be (batch, max_label) and label_lengths (batch,), "
                         f"got shapes {tuple(labels.shape)} and {lengths.shape}")
    keep = np.arange(labels.shape[1])[None, :] < lengths[:, None]
    indices = np.argwhere(keep).astype(np.int64)
    values = labels.numpy()[keep]
    return sparse.SparseTensor(indices, convert_to_tensor(values), np.asarray(labels.shape, np.int64))


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """tf.keras' CTC decoding of softmax outputs ``y_pred`` ``(batch, time, classes)`` (the last
    class is the blank): ``(decoded, log_prob)``, ``decoded`` a list of int64 ``(batch, time)``
    paths padded with -1 (one when ``greedy``, else ``top_paths`` from a beam search of
    ``beam_width``), ``log_prob`` ``(batch, paths)``."""
    from .. import cast, convert_to_tensor, int32, int64, math, nn, sparse, transpose  # noqa: PLC0415  (the package face, complete only once keras has loaded)
    y_pred = convert_to_tensor(y_pred)
    batch, steps = y_pred.shape[0], y_pred.shape[1]
    logits = math.log(transpose(y_pred, [1, 0, 2]) + epsilon())
    lengths = cast(convert_to_tensor(input_length), int32)
    if greedy:
        decoded, log_prob = nn.ctc_greedy_decoder(logits, lengths)
    else:
        decoded, log_prob = nn.ctc_beam_search_decoder(logits, lengths, beam_width=beam_width, top_paths=top_paths)
        decoded = [_merge_repeats(st) for st in decoded]   # TF 1's decoder merges repeated labels
    dense = [cast(sparse.to_dense(sparse.SparseTensor(st.indices, st.values, [batch, steps]), default_value=-1),
                  int64) for st in decoded]
    return dense, log_prob


def _merge_repeats(st):
    """A decoded path's SparseTensor with runs of one label merged into one (TF 1's beam search
    decoder with ``merge_repeated=True``)."""
    from .. import sparse  # noqa: PLC0415  (the package face, complete only once keras has loaded)
    import numpy as np  # noqa: PLC0415  (only this helper builds index arrays)
    idx, vals = np.asarray(st.indices.numpy()), np.asarray(st.values.numpy())
    rows, out_idx, out_vals = {}, [], []
    for (b, _), v in zip(idx, vals):
        prev = rows.get(b)
        if prev is not None and prev == v:
            continue
        rows[b] = v
        out_idx.append([b, builtins.sum(1 for r, _ in out_idx if r == b)])
        out_vals.append(v)
    shape = np.asarray(st.dense_shape.numpy())
    return sparse.SparseTensor(np.asarray(out_idx, np.int64).reshape(-1, 2), np.asarray(out_vals, vals.dtype),
                               shape)


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None, unroll=False,
        input_length=None, time_major=False, zero_output_for_mask=False, return_all_outputs=True):
    """tf.keras' loop over the time axis of ``inputs`` (``(batch, time, ...)``, or time first when
    ``time_major``): ``output, states = step_function(inputs[:, t], states + constants)``.
    Returns ``(last_output, outputs, new_states)``; ``outputs`` stacks each step's output along the
    time axis (only the last one when not ``return_all_outputs``). Where ``mask`` ``(batch, time)``
    is False a step keeps the previous states and output (zeros with ``zero_output_for_mask``).
    ``go_backwards`` runs from the last step (outputs stay in that order). ``unroll`` and
    ``input_length`` change nothing here (the loop always runs eagerly)."""
    from .. import cast, convert_to_tensor, reverse, stack, where, zeros_like  # noqa: PLC0415  (the package face, complete only once keras has loaded)
    del unroll, input_length
    x = convert_to_tensor(inputs)
    if x.ndim < 3:
        raise ValueError(f"rnn: inputs must have at least 3 axes (batch, time, ...), got shape {tuple(x.shape)}")
    axis = 0 if time_major else 1
    steps = x.shape[axis]
    if mask is not None:
        mask = cast(convert_to_tensor(mask), "bool")
        if mask.ndim != 2:
            raise ValueError(f"rnn: mask must be (batch, time), got shape {tuple(mask.shape)}")
    if go_backwards:
        x = reverse(x, [axis])
        if mask is not None:
            mask = reverse(mask, [1])
    states = list(initial_states)
    extra = list(constants or [])
    outputs, prev = [], None
    for t in builtins.range(steps):
        x_t = x[t] if time_major else x[:, t]
        out, new_states = step_function(x_t, states + extra)
        new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
        if mask is not None:
            m = mask[:, t]

            def keep(new, old):
                shaped = m
                for _ in builtins.range(new.ndim - 1):
                    shaped = shaped[..., None]
                return where(shaped, new, old)
            if prev is None:
                prev = zeros_like(out)
            out = keep(out, zeros_like(out) if zero_output_for_mask else prev)
            new_states = [keep(n, o) for n, o in zip(new_states, states)]
        prev = out
        states = new_states
        outputs.append(out)
    if not outputs:
        raise ValueError("rnn: inputs have no time steps")
    stacked = stack(outputs if return_all_outputs else outputs[-1:], axis=axis)
    return outputs[-1], stacked, states


_backend_all = __all__
from ._legacy_backend import *  # noqa: E402,F401,F403
from ._legacy_backend import __all__ as _legacy_all  # noqa: E402

__all__ = sorted(set(_backend_all + _legacy_all + ["set_epsilon", "set_image_data_format"]))
