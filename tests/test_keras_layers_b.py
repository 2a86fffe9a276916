"""Keras layers, part B: recurrent cells and RNN, wrappers, normalization, attention and
preprocessing. A table drives the config round trip, the symbolic (functional) output shapes and
the float64 gradient checks; behaviour tests follow, one family at a time."""

import json

import numpy as np
import pytest

import gradients
import ragged
import workbench as wb
from workbench.keras import layers as L


# checked against float64 references and finite differences: layers made without a dtype take
# a float64 global policy (Keras 3's default is float32; see conftest.float64_layers)
pytestmark = pytest.mark.usefixtures("float64_layers")


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


def through_json(config):
    return json.loads(json.dumps(config))


_rng = np.random.default_rng(0)
X3 = _rng.standard_normal((2, 4, 3))
X4 = _rng.standard_normal((2, 3, 5, 4))
Q, V, K = _rng.standard_normal((2, 3, 4)), _rng.standard_normal((2, 5, 6)), _rng.standard_normal((2, 5, 4))
IMG = _rng.uniform(0, 255, (2, 6, 8, 3))
IDS = np.array([[1, 4, 0], [2, 2, 3]])


class MinimalRNNCell(L.Layer):
    """The cell of Keras' RNN guide: ``h = x W + h_prev U``."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units))
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=(self.units, self.units))

    def call(self, inputs, states):
        h = wb.matmul(inputs, self.kernel) + wb.nn.tanh(wb.matmul(states[0], self.recurrent_kernel))
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class TwoStateCell(L.Layer):
    """A user cell whose output is not its first state (sum of the two states)."""

    state_size = [2, 3]
    output_size = 4

    def build(self, input_shape):
        self.a = self.add_weight(name="a", shape=(input_shape[-1], 2))
        self.b = self.add_weight(name="b", shape=(input_shape[-1], 3))
        self.o = self.add_weight(name="o", shape=(5, 4))

    def call(self, inputs, states):
        s1 = wb.nn.tanh(wb.matmul(inputs, self.a) + states[0])
        s2 = wb.nn.tanh(wb.matmul(inputs, self.b) + states[1])
        return wb.matmul(wb.concat([s1, s2], axis=-1), self.o), [s1, s2]


CUSTOM = {"MinimalRNNCell": MinimalRNNCell, "TwoStateCell": TwoStateCell}

# name -> (a layer with non-default arguments, its input (array or list of arrays), differentiable)
CASES = {
    "SimpleRNN": (lambda: L.SimpleRNN(3, activation="relu", return_sequences=True, go_backwards=True,
                                      recurrent_initializer="glorot_normal", seed=2), X3, True),
    "RNN-SimpleRNNCell": (lambda: L.RNN(L.SimpleRNNCell(3, use_bias=False), return_state=True), X3, True),
    "RNN-GRUCell": (lambda: L.RNN(L.GRUCell(2, reset_after=False), return_sequences=True), X3, True),
    "RNN-LSTMCell": (lambda: L.RNN(L.LSTMCell(2, unit_forget_bias=False), return_state=True,
                                   go_backwards=True), X3, True),
    "RNN-stacked": (lambda: L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True, return_state=True),
                    X3, True),
    "RNN-StackedRNNCells": (lambda: L.RNN(L.StackedRNNCells([L.SimpleRNNCell(2), L.SimpleRNNCell(2)]),
                                          unroll=True), X3, True),
    "RNN-user-cell": (lambda: L.RNN(MinimalRNNCell(3), return_sequences=True), X3, True),
    "RNN-user-two-states": (lambda: L.RNN(TwoStateCell(), return_state=True, zero_output_for_mask=True),
                            X3, True),
    "RNN-mixed-stack": (lambda: L.RNN([MinimalRNNCell(2), L.GRUCell(3)], go_backwards=True), X3, True),
    "TimeDistributed": (lambda: L.TimeDistributed(L.Dense(2, activation="tanh")), X4, True),
    "TimeDistributed-RNN": (lambda: L.TimeDistributed(L.SimpleRNN(2)), X4, True),
    "GroupNormalization": (lambda: L.GroupNormalization(groups=2, epsilon=1e-4,
                                                        gamma_initializer="random_normal"), X4, True),
    "GroupNormalization-axis1": (lambda: L.GroupNormalization(groups=3, axis=1, center=False), X4, True),
    "UnitNormalization": (lambda: L.UnitNormalization(axis=[1, 2]), X3, True),
    "Attention": (lambda: L.Attention(use_scale=True), [Q, K], True),
    "Attention-concat-key": (lambda: L.Attention(use_scale=True, score_mode="concat", dropout=0.2, seed=1),
                             [Q, V, K], True),
    "AdditiveAttention": (lambda: L.AdditiveAttention(), [Q, V, K], True),
    "AdditiveAttention-no-scale": (lambda: L.AdditiveAttention(use_scale=False), [Q, K], True),
    "Normalization": (lambda: L.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 0.25]), X3, True),
    "Normalization-invert": (lambda: L.Normalization(axis=None, mean=1.0, variance=4.0, invert=True), X3, True),
    "Normalization-axes": (lambda: L.Normalization(axis=(1, 2), mean=np.ones((4, 3)), variance=np.full((4, 3), 2.0)),
                           X3, True),
    "Rescaling": (lambda: L.Rescaling([0.5, 2.0, -1.0], offset=0.25), X3, True),
    "Discretization": (lambda: L.Discretization(bin_boundaries=[-1.0, 0.0, 0.5], output_mode="one_hot"), X3, False),
    "CategoryEncoding": (lambda: L.CategoryEncoding(num_tokens=5, output_mode="count"), IDS, False),
    "Hashing": (lambda: L.Hashing(num_bins=4, salt=[1, 2], output_mode="multi_hot"), IDS, False),
    "IntegerLookup": (lambda: L.IntegerLookup(vocabulary=[4, 2, 3], mask_token=0, num_oov_indices=2), IDS, False),
    "Resizing": (lambda: L.Resizing(3, 5), IMG, True),
    "Resizing-crop-nearest": (lambda: L.Resizing(4, 4, crop_to_aspect_ratio=True, interpolation="nearest"),
                              IMG, True),
    "Resizing-pad": (lambda: L.Resizing(5, 5, pad_to_aspect_ratio=True, fill_value=1.0), IMG, True),
    "CenterCrop": (lambda: L.CenterCrop(4, 5), IMG, True),
    "CenterCrop-channels-first": (lambda: L.CenterCrop(2, 3, data_format="channels_first"), IMG, True),
    "RandomFlip": (lambda: L.RandomFlip("horizontal", seed=1), IMG, True),
    "RandomRotation": (lambda: L.RandomRotation((-0.2, 0.3), fill_mode="constant", fill_value=2.0, seed=2),
                       IMG, True),
    "RandomZoom": (lambda: L.RandomZoom(0.2, (-0.1, 0.3), interpolation="nearest", seed=3), IMG, True),
    "RandomTranslation": (lambda: L.RandomTranslation(0.1, (0.0, 0.2), fill_mode="wrap", seed=4), IMG, True),
    "RandomCrop": (lambda: L.RandomCrop(4, 6, seed=5), IMG, True),
    "RandomContrast": (lambda: L.RandomContrast((0.2, 0.5), value_range=(0, 1), seed=6), IMG, True),
}


def _call(layer, x, **kwargs):
    if isinstance(x, list):
        return layer([f64(a) for a in x], **kwargs)
    return layer(f64(x) if x.dtype.kind == "f" else wb.constant(x), **kwargs)


def _leaves(out):
    return [t for t in wb.nest.flatten(out) if t is not None]


@pytest.mark.parametrize("name", list(CASES))
def test_config_round_trip_gives_the_same_layer(name):
    make, x, _ = CASES[name]
    layer = make()
    config = through_json(L.serialize(layer))
    clone = L.deserialize(config, custom_objects=CUSTOM)
    assert type(clone) is type(layer) and clone is not layer
    assert through_json(L.serialize(clone)) == config
    want = _call(layer, x)
    _call(clone, x)
    clone.set_weights(layer.get_weights())
    for a, b in zip(_leaves(want), _leaves(_call(clone, x))):
        np.testing.assert_array_equal(b.numpy(), a.numpy())


@pytest.mark.parametrize("name", list(CASES))
def test_symbolic_call_gives_the_output_shapes(name):
    make, x, _ = CASES[name]
    xs = x if isinstance(x, list) else [x]
    inputs = [wb.keras.Input(a.shape[1:], dtype=str(a.dtype)) for a in xs]
    layer = make()
    sym = layer(inputs if isinstance(x, list) else inputs[0])
    real = _call(layer, x)
    sym_leaves, real_leaves = _leaves(sym), _leaves(real)
    assert len(sym_leaves) == len(real_leaves)
    for s, r in zip(sym_leaves, real_leaves):
        assert s.shape[0] is None and tuple(s.shape[1:]) == tuple(r.shape[1:]), (s.shape, r.shape)
    model = wb.keras.Model(inputs if isinstance(x, list) else inputs[0], sym)
    for a, b in zip(_leaves(model(_as_tensors(x))), real_leaves):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def _as_tensors(x):
    one = lambda a: f64(a) if a.dtype.kind == "f" else wb.constant(a)   # noqa: E731
    return [one(a) for a in x] if isinstance(x, list) else one(x)


def _check_weight_gradients(layer, run, eps=1e-6):
    """Tape gradients of ``sum(u * run())`` for every trainable weight against central differences."""
    vs = layer.trainable_variables
    if not vs:
        return
    out0 = _leaves(run())
    us = [np.random.default_rng(1).standard_normal(o.shape) for o in out0]

    def loss():
        return sum(wb.reduce_sum(o * f64(u)) for o, u in zip(_leaves(run()), us))
    with wb.GradientTape() as tape:
        value = loss()
    grads = tape.gradient(value, vs)
    for v, g in zip(vs, grads):
        assert g is not None, f"no gradient for {v.name}"
        g = wb.convert_to_tensor(g).numpy()
        base = np.array(v.numpy())
        for idx in list(np.ndindex(base.shape))[:6]:
            for sign in (1, -1):
                w = base.copy()
                w[idx] += sign * eps
                v.assign(w)
                if sign == 1:
                    up = float(loss().numpy())
                else:
                    down = float(loss().numpy())
            v.assign(base)
            np.testing.assert_allclose(g[idx], (up - down) / (2 * eps), rtol=1e-4, atol=1e-6,
                                       err_msg=f"{v.name}{idx}")


@pytest.mark.parametrize("name", [n for n, case in CASES.items() if case[2]])
def test_gradients_match_finite_differences(name):
    make, x, _ = CASES[name]
    layer = make()
    _call(layer, x)
    args = [f64(a) for a in x] if isinstance(x, list) else [f64(x)]

    def run(*ts):
        out = layer(list(ts)) if isinstance(x, list) else layer(ts[0])
        return wb.nest.flatten(out)
    # resizes (linear maps) compute in float32, as TF's: a wider step and tolerance
    step = dict(eps=1e-2, atol=2e-3, rtol=2e-3) if name.startswith(("Resizing", "RandomCrop")) else {}
    gradients.check_gradients(run, args, order=1, modes=("rev",), **step)
    _check_weight_gradients(layer, lambda: _call(layer, x))


# -- recurrent ------------------------------------------------------------------------------------


def _copy_weights(src, dst, x):
    dst(x)
    dst.set_weights(src.get_weights())


@pytest.mark.parametrize("cls, cell", [(L.GRU, L.GRUCell), (L.LSTM, L.LSTMCell)])
@pytest.mark.parametrize("kwargs", [{}, {"reset_after": False}, {"go_backwards": True}])
def test_cells_in_rnn_equal_the_fused_layers(cls, cell, kwargs):
    if "reset_after" in kwargs and cls is L.LSTM:
        return
    x = f64(_rng.standard_normal((3, 6, 4)))
    cell_args = {k: v for k, v in kwargs.items() if k != "go_backwards"}
    fused = cls(3, return_sequences=True, return_state=True, go_backwards=kwargs.get("go_backwards", False),
                **cell_args)
    generic = L.RNN(cell(3, **cell_args), return_sequences=True, return_state=True,
                    go_backwards=kwargs.get("go_backwards", False))
    want = fused(x)
    _copy_weights(fused, generic, x)
    assert [w.shape for w in generic.weights] == [w.shape for w in fused.weights]
    for a, b in zip(want, generic(x)):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-12, atol=1e-14)


def test_simple_rnn_matches_its_equation():
    x = _rng.standard_normal((2, 5, 3))
    layer = L.SimpleRNN(4, return_sequences=True, name="srnn")
    out = layer(f64(x)).numpy()
    k, rk, b = layer.get_weights()
    h = np.zeros((2, 4))
    for t in range(5):
        h = np.tanh(x[:, t] @ k + b + h @ rk)
        np.testing.assert_allclose(out[:, t], h, rtol=1e-12)
    assert [v.path for v in layer.weights] == ["srnn/simple_rnn_cell/kernel",
                                               "srnn/simple_rnn_cell/recurrent_kernel",
                                               "srnn/simple_rnn_cell/bias"]
    config = layer.get_config()
    assert config["units"] == 4 and "cell" not in config and config["stateful"] is False


def test_a_cell_called_on_its_own_is_one_step():
    x = f64(_rng.standard_normal((2, 3)))
    cell = L.LSTMCell(4)
    h0, c0 = f64(np.zeros((2, 4))), f64(np.ones((2, 4)))
    out, (h, c) = cell(x, [h0, c0])
    assert out.shape == (2, 4) and c.shape == (2, 4) and out is h
    rnn = L.RNN(cell, return_state=True)
    _, h1, c1 = rnn(wb.reshape(x, (2, 1, 3)), initial_state=[h0, c0])
    np.testing.assert_allclose(h1.numpy(), h.numpy(), rtol=1e-12)
    np.testing.assert_allclose(c1.numpy(), c.numpy(), rtol=1e-12)
    simple = L.SimpleRNNCell(2)
    out, state = simple(x, f64(np.zeros((2, 2))))      # one tensor in, one tensor out (as Keras)
    assert not isinstance(state, list) and state is out
    assert simple.state_size == 2 and L.LSTMCell(3).state_size == [3, 3]


def test_stacked_cells_equal_layers_in_sequence():
    x = f64(_rng.standard_normal((2, 5, 3)))
    first, second = L.GRU(4, return_sequences=True), L.LSTM(2, return_state=True)
    out, h, c = second(first(x))
    stacked = L.RNN([L.GRUCell(4), L.LSTMCell(2)], return_state=True)
    _copy_weights(wb.keras.Sequential([first, second]), stacked, x)
    got, s1, s2 = stacked(x)
    np.testing.assert_allclose(got.numpy(), out.numpy(), rtol=1e-12)
    assert s1.shape == (2, 4) and [t.shape for t in s2] == [(2, 2), (2, 2)]    # Keras' nesting
    np.testing.assert_allclose(s2[1].numpy(), c.numpy(), rtol=1e-12)


def _padded(lengths, features=3):
    values = _rng.standard_normal((sum(lengths), features))
    rt = ragged.RaggedTensor.from_row_lengths(f64(values), wb.constant(np.array(lengths, dtype=np.int64)))
    t = max(lengths)
    dense = np.zeros((len(lengths), t, features))
    mask = np.zeros((len(lengths), t), bool)
    pos = 0
    for i, n in enumerate(lengths):
        dense[i, :n] = values[pos:pos + n]
        mask[i, :n] = True
        pos += n
    return rt, dense, mask


@pytest.mark.parametrize("make", [lambda: L.RNN(MinimalRNNCell(3), return_sequences=True, return_state=True),
                                  lambda: L.RNN(TwoStateCell(), return_sequences=True, return_state=True),
                                  lambda: L.RNN([L.SimpleRNNCell(2), MinimalRNNCell(3)], return_sequences=True,
                                                return_state=True, go_backwards=True),
                                  lambda: L.SimpleRNN(3, return_sequences=True, return_state=True)])
def test_masks_and_ragged_rows_through_generic_rnns(make):
    lengths = [3, 1, 4, 2]
    rt, dense, mask = _padded(lengths)
    layer = make()
    out_r = layer(rt)
    out_d = layer(f64(dense), mask=wb.constant(mask))
    for a, b in zip(_leaves(out_r[1:]), _leaves(out_d[1:])):        # final states per row
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)
    if not layer.go_backwards:
        seq_r = out_r[0].to_tensor().numpy()
        seq_d = out_d[0].numpy()
        np.testing.assert_allclose(seq_r[mask], seq_d[mask], rtol=1e-12, atol=1e-14)
    # a masked step keeps the state: the same as running each row alone on its real steps
    row = layer(f64(dense[1:2, :1]))
    for a, b in zip(_leaves(row[1:]), _leaves(out_d[1:])):
        np.testing.assert_allclose(a.numpy()[0], b.numpy()[1], rtol=1e-12, atol=1e-14)


def test_masked_outputs_repeat_the_last_output_unless_zero_output_for_mask():
    _, dense, mask = _padded([3, 1])
    x, m = f64(dense), wb.constant(mask)
    carry = L.RNN(MinimalRNNCell(2), return_sequences=True)
    zeros = L.RNN(MinimalRNNCell(2), return_sequences=True, zero_output_for_mask=True)
    a = carry(x, mask=m).numpy()
    _copy_weights(carry, zeros, x)
    b = zeros(x, mask=m).numpy()
    np.testing.assert_array_equal(a[1, 1:], np.broadcast_to(a[1, 0], (2, 2)))
    np.testing.assert_array_equal(b[1, 1:], 0.0)
    np.testing.assert_array_equal(a[0], b[0])
    assert L.RNN(MinimalRNNCell(2), return_sequences=True).compute_mask(x, m) is m


@pytest.mark.parametrize("make", [lambda: L.SimpleRNN(2, return_state=True),
                                  lambda: L.RNN(MinimalRNNCell(2), return_state=True)])
def test_a_row_masked_at_every_step_outputs_zeros_and_keeps_its_state(make):
    x = f64(_rng.standard_normal((2, 3, 3)))
    mask = wb.constant(np.array([[True, True, False], [False, False, False]]))
    h0 = f64(np.full((2, 2), 0.5))
    layer = make()
    out, state = layer(x, mask=mask, initial_state=[h0])
    np.testing.assert_array_equal(out.numpy()[1], 0.0)
    np.testing.assert_array_equal(state.numpy()[1], 0.5)
    np.testing.assert_allclose(out.numpy()[0], state.numpy()[0], rtol=1e-12)
    rt = ragged.RaggedTensor.from_row_lengths(x.numpy().reshape(6, 3)[[0, 1]], np.array([2, 0]))
    r_out, r_state = layer(rt, initial_state=[h0])
    np.testing.assert_allclose(r_out.numpy(), out.numpy(), rtol=1e-12)
    np.testing.assert_allclose(r_state.numpy(), state.numpy(), rtol=1e-12)


def test_a_user_cell_whose_output_is_not_a_state():
    x = f64(_rng.standard_normal((2, 3, 3)))
    layer = L.RNN(TwoStateCell(), return_state=True)
    out, s1, s2 = layer(x)
    assert out.shape == (2, 4) and s1.shape == (2, 2) and s2.shape == (2, 3)
    np.testing.assert_allclose(out.numpy(), (wb.concat([s1, s2], axis=-1) @ layer.cell.o).numpy(), rtol=1e-12)


def test_a_user_cells_get_initial_state_starts_the_loop():
    class FromOnes(MinimalRNNCell):
        def get_initial_state(self, batch_size=None):
            return [wb.ones((batch_size, self.units), dtype="float64")]
    x = f64(np.zeros((2, 1, 3)))
    layer = L.RNN(FromOnes(2))
    h = layer(x).numpy()
    np.testing.assert_allclose(h, np.tanh(np.ones((2, 2)) @ layer.cell.recurrent_kernel.numpy()), rtol=1e-12)
    np.testing.assert_array_equal(layer(x, initial_state=[f64(np.zeros((2, 2)))]).numpy(), 0.0)


def test_stateful_rnn_carries_states_between_calls():
    x = f64(_rng.standard_normal((2, 6, 3)))
    whole = L.SimpleRNN(3, return_sequences=True)
    want = whole(x).numpy()
    layer = L.SimpleRNN(3, stateful=True, return_sequences=True)
    _copy_weights(whole, layer, x[:, :3])
    layer.reset_state()
    first, second = layer(x[:, :3]).numpy(), layer(x[:, 3:]).numpy()
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), want, rtol=1e-12)
    np.testing.assert_allclose(layer.states[0].numpy(), want[:, -1], rtol=1e-12)
    layer.reset_state()
    np.testing.assert_allclose(layer(x[:, :3]).numpy(), want[:, :3], rtol=1e-12)
    plain = L.SimpleRNN(3, return_sequences=True)
    _copy_weights(whole, plain, x)
    np.testing.assert_allclose(plain(x[:, 3:]).numpy(), whole(x[:, 3:]).numpy())


def test_rnn_dropout_in_cells_is_one_mask_per_sequence():
    x = f64(_rng.standard_normal((300, 5, 6)))
    layer = L.RNN(L.SimpleRNNCell(3, dropout=0.3, seed=5), return_sequences=True)
    layer(x)
    with wb.GradientTape() as tape:
        tape.watch(x)
        loss = wb.reduce_sum(layer(x, training=True))
    g = np.abs(tape.gradient(loss, x).numpy())
    dropped = g == 0
    assert np.all(dropped == dropped[:, :1, :])
    assert 0.25 < dropped[:, 0, :].mean() < 0.35
    np.testing.assert_array_equal(layer(x).numpy(), layer(x, training=False).numpy())
    stacked = L.RNN([L.GRUCell(3, recurrent_dropout=0.5, seed=1), L.LSTMCell(2, dropout=0.5, seed=2)])
    stacked(x)
    assert not np.allclose(stacked(x, training=True).numpy(), stacked(x).numpy())


def test_bidirectional_takes_any_recurrent_layer():
    x = f64(_rng.standard_normal((2, 4, 3)))
    bi = L.Bidirectional(L.RNN(L.LSTMCell(2, seed=3), return_sequences=True))
    assert bi(x).shape == (2, 4, 4)
    assert bi.backward_layer.cell.seed == 4 and bi.backward_layer.go_backwards
    bi2 = L.Bidirectional(L.SimpleRNN(2, seed=7))
    assert bi2(x).shape == (2, 4) and bi2.backward_layer.seed == 8
    with pytest.raises(ValueError, match="pass backward_layer"):
        L.Bidirectional(L.RNN(MinimalRNNCell(2)))
    clone = L.deserialize(through_json(L.serialize(bi)))
    clone(x)
    clone.set_weights(bi.get_weights())
    np.testing.assert_array_equal(clone(x).numpy(), bi(x).numpy())


def test_rnn_bad_arguments_say_what_was_expected():
    class NoState(L.Layer):
        def call(self, inputs, states):
            return inputs, states
    with pytest.raises(ValueError, match="state_size must be an integer"):
        L.RNN(NoState())
    with pytest.raises(ValueError, match="non-empty list of cells"):
        L.StackedRNNCells([])
    with pytest.raises(ValueError, match=r"inputs must be \[batch, time"):
        L.SimpleRNN(2)(f64(np.ones((2, 3))))
    with pytest.raises(ValueError, match="initial_state must hold 2"):
        L.RNN(L.LSTMCell(2))(f64(np.ones((2, 3, 1))), initial_state=[f64(np.zeros((2, 2)))])
    with pytest.raises(ValueError, match="dropout must be in"):
        L.SimpleRNNCell(2, dropout=1.5)

    class Liar(MinimalRNNCell):
        def __init__(self, units):
            super().__init__(units)
            self.state_size = [units, units]
    with pytest.raises(ValueError, match="returned 1 state"):
        L.RNN(Liar(2))(f64(np.ones((1, 2, 2))))


# -- wrappers, normalization, attention -----------------------------------------------------------


def test_time_distributed_applies_one_layer_to_every_step():
    x = _rng.standard_normal((2, 3, 5, 4))
    dense = L.Dense(2)
    td = L.TimeDistributed(dense)
    out = td(f64(x)).numpy()
    assert out.shape == (2, 3, 5, 2) and len(td.weights) == 2
    for t in range(3):
        np.testing.assert_allclose(out[:, t], dense(f64(x[:, t])).numpy(), rtol=1e-12)
    rt = ragged.constant([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]], ragged_rank=1)
    td2 = L.TimeDistributed(L.Dense(3))
    r = td2(rt)
    assert r.shape == (2, None, 3)
    np.testing.assert_allclose(r.flat_values.numpy(), td2.layer(rt.flat_values).numpy())
    mask = wb.constant(np.array([[True, False, True], [True, True, False]]))
    assert td.compute_mask(f64(x), mask) is mask
    with pytest.raises(ValueError, match="rank >= 3"):
        L.TimeDistributed(L.Dense(2))(f64(np.ones((2, 3))))
    with pytest.raises(TypeError, match="must be a wb.keras.Layer"):
        L.TimeDistributed(wb.nn.relu)


def _group_norm_ref(x, groups, axis, eps):
    x = np.moveaxis(x, axis, -1)
    n, c = x.shape[0], x.shape[-1]
    g = x.reshape(n, -1, groups, c // groups)
    mean = g.mean(axis=(1, 3), keepdims=True)
    var = g.var(axis=(1, 3), keepdims=True)
    return np.moveaxis(((g - mean) / np.sqrt(var + eps)).reshape(x.shape), -1, axis)


@pytest.mark.parametrize("groups, axis", [(2, -1), (4, 3), (1, -1), (3, 1)])
def test_group_normalization_normalizes_each_group(groups, axis):
    x = _rng.standard_normal((2, 3, 5, 4)) * 3 + 1
    layer = L.GroupNormalization(groups=groups, axis=axis)
    np.testing.assert_allclose(layer(f64(x)).numpy(), _group_norm_ref(x, groups, axis, 1e-3), rtol=1e-10)
    assert [w.shape for w in layer.weights] == [(x.shape[axis],)] * 2
    with pytest.raises(ValueError, match="multiple of groups, got groups=3"):
        L.GroupNormalization(groups=3)(f64(x))


def test_group_normalization_with_one_group_is_layer_normalization():
    x = f64(_rng.standard_normal((2, 3, 4)))
    np.testing.assert_allclose(L.GroupNormalization(groups=1)(x).numpy(),
                               L.LayerNormalization(axis=[1, 2])(x).numpy(), rtol=1e-10)


def test_unit_normalization():
    x = _rng.standard_normal((3, 4))
    y = L.UnitNormalization()(f64(x)).numpy()
    np.testing.assert_allclose(y, x / np.linalg.norm(x, axis=-1, keepdims=True), rtol=1e-12)
    np.testing.assert_array_equal(L.UnitNormalization()(f64(np.zeros((1, 3)))).numpy(), 0.0)
    with pytest.raises(ValueError, match="out of range"):
        L.UnitNormalization(axis=3)(f64(x))


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_attention_matches_the_equations():
    q, v, k = Q, V, K
    out, w = L.Attention()([f64(q), f64(v), f64(k)], return_attention_scores=True)
    want_w = _softmax(q @ k.transpose(0, 2, 1))
    np.testing.assert_allclose(w.numpy(), want_w, rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), want_w @ v, rtol=1e-12)
    layer = L.Attention(use_scale=True, score_mode="concat")
    layer([f64(q), f64(v), f64(k)])
    layer.set_weights([np.array(0.5), np.array(2.0)])
    scores = 2.0 * np.tanh(0.5 * (q[:, :, None] + k[:, None])).sum(-1)
    np.testing.assert_allclose(layer([f64(q), f64(v), f64(k)]).numpy(), _softmax(scores) @ v, rtol=1e-12)
    add = L.AdditiveAttention()
    add([f64(q), f64(v), f64(k)])
    scale = add.get_weights()[0]
    scores = (scale * np.tanh(q[:, :, None] + k[:, None])).sum(-1)
    np.testing.assert_allclose(add([f64(q), f64(v), f64(k)]).numpy(), _softmax(scores) @ v, rtol=1e-12)
    assert "score_mode" not in add.get_config() and add.get_config()["use_scale"] is True


def test_attention_masks_and_causality():
    q = f64(_rng.standard_normal((2, 4, 3)))
    v = f64(_rng.standard_normal((2, 4, 3)))
    q_mask = wb.constant(np.array([[True, True, True, False], [True, True, True, True]]))
    v_mask = wb.constant(np.array([[True, True, False, False], [True, True, True, True]]))
    layer = L.Attention()
    out, w = layer([q, v], mask=[q_mask, v_mask], return_attention_scores=True)
    assert np.all(w.numpy()[0, :, 2:] < 1e-300) and np.all(out.numpy()[0, 3] == 0)
    np.testing.assert_allclose(w.numpy().sum(-1), 1.0, rtol=1e-12)
    assert layer.compute_mask([q, v], [q_mask, v_mask]) is q_mask
    _, w = layer([q, v], use_causal_mask=True, return_attention_scores=True)
    assert np.all(np.triu(w.numpy()[1], 1) < 1e-300)
    x = wb.keras.Input((4, 3), dtype="float64")
    y = L.Attention()([x, x], use_causal_mask=True)
    model = wb.keras.Model(x, y)
    np.testing.assert_allclose(model(q).numpy(), L.Attention()([q, q], use_causal_mask=True).numpy())


@pytest.mark.parametrize("cls", [L.Attention, L.AdditiveAttention])
def test_ragged_attention_equals_padded_and_masked(cls):
    q_rt, q_dense, q_mask = _padded([3, 1, 2], features=4)
    v_rt, v_dense, v_mask = _padded([2, 4, 1], features=4)
    layer = cls()
    out = layer([q_rt, v_rt])
    assert out.shape == (3, None, 4)
    want = layer([f64(q_dense), f64(v_dense)], mask=[wb.constant(q_mask), wb.constant(v_mask)]).numpy()
    np.testing.assert_allclose(out.to_tensor().numpy(), want, rtol=1e-12, atol=1e-14)


def test_attention_dropout_only_while_training_and_seeded():
    q = f64(_rng.standard_normal((2, 3, 4)))
    a, b = L.Attention(dropout=0.5, seed=3), L.Attention(dropout=0.5, seed=3)
    plain = L.Attention()([q, q]).numpy()
    np.testing.assert_array_equal(a([q, q]).numpy(), plain)
    dropped = a([q, q], training=True).numpy()
    assert not np.allclose(dropped, plain)
    np.testing.assert_array_equal(b([q, q], training=True).numpy(), dropped)
    with pytest.raises(ValueError, match="score_mode must be 'dot' or 'concat'"):
        L.Attention(score_mode="add")
    with pytest.raises(ValueError, match=r"list \[query, value\]"):
        L.Attention()(q)


# -- wb.image -------------------------------------------------------------------------------------


def test_resize_uses_tf2_half_pixel_centres():
    x = f64(np.array([[1.0, 2.0], [3.0, 4.0]])[None, :, :, None])
    np.testing.assert_allclose(wb.image.resize(x, [4, 4]).numpy()[0, :, :, 0],
                               [[1.0, 1.25, 1.75, 2.0], [1.5, 1.75, 2.25, 2.5],
                                [2.5, 2.75, 3.25, 3.5], [3.0, 3.25, 3.75, 4.0]])
    np.testing.assert_array_equal(wb.image.resize(x, [4, 4], method="nearest").numpy()[0, :, :, 0],
                                  [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    np.testing.assert_allclose(wb.image.resize(x, [1, 1]).numpy().ravel(), [2.5])
    ints = wb.constant(np.arange(12, dtype=np.int32).reshape(3, 4, 1))
    assert wb.image.resize(ints, [2, 2]).dtype == np.float32
    assert wb.image.resize(ints, [2, 2], method="nearest").dtype == np.int32
    assert wb.image.resize(wb.ones([2, 10, 4, 1]), [6, 6], preserve_aspect_ratio=True).shape == (2, 6, 2, 1)
    with pytest.raises(ValueError, match="method must be 'bilinear' or 'nearest'"):
        wb.image.resize(x, [2, 2], method="trilinear")
    with pytest.raises(ValueError, match="size must be two positive integers"):
        wb.image.resize(x, [2, 0])
    with pytest.raises(ValueError, match=r"images must be \[batch, height, width, channels\]"):
        wb.image.resize(wb.ones([3, 3]), [2, 2])


@pytest.mark.parametrize("fill_mode, scipy_mode", [("constant", "grid-constant"), ("reflect", "reflect"),
                                                   ("nearest", "nearest")])
def test_transform_follows_scipy_as_tf_does(fill_mode, scipy_mode):
    ndimage = pytest.importorskip("scipy.ndimage")
    img = _rng.standard_normal((2, 5, 6, 3))
    t = np.array([[0.9, 0.2, -1.3, -0.1, 1.1, 0.7, 0, 0], [1.2, -0.3, 2.0, 0.4, 0.8, -2.2, 0, 0]])
    out = wb.image.transform(f64(img), wb.constant(t), "bilinear", fill_mode, fill_value=0.0).numpy()
    ys, xs = np.meshgrid(np.arange(5.0), np.arange(6.0), indexing="ij")
    for b in range(2):
        a = t[b]
        src = [a[3] * xs + a[4] * ys + a[5], a[0] * xs + a[1] * ys + a[2]]
        for c in range(3):
            want = ndimage.map_coordinates(img[b, :, :, c], src, order=1, mode=scipy_mode, cval=0.0)
            np.testing.assert_allclose(out[b, :, :, c], want, atol=1e-12)


def test_transform_shifts_wraps_and_fills():
    img = np.arange(12.0).reshape(1, 3, 4, 1)
    shift = [1, 0, 1, 0, 1, 0, 0, 0]                # output (x, y) reads input (x + 1, y)
    out = wb.image.transform(f64(img), shift, fill_mode="constant", fill_value=-1.0).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(out, [[1, 2, 3, -1], [5, 6, 7, -1], [9, 10, 11, -1]])
    wrapped = wb.image.transform(f64(img), shift, fill_mode="wrap").numpy()[0, :, :, 0]
    np.testing.assert_array_equal(wrapped[:, :3], img[0, :, 1:, 0])
    reflected = wb.image.transform(f64(img), [1, 0, -1, 0, 1, 0, 0, 0], fill_mode="reflect").numpy()[0, :, :, 0]
    np.testing.assert_array_equal(reflected, [[0, 0, 1, 2], [4, 4, 5, 6], [8, 8, 9, 10]])
    identity = wb.image.transform(f64(img), [1, 0, 0, 0, 1, 0, 0, 0], interpolation="bilinear")
    np.testing.assert_array_equal(identity.numpy(), img)
    with pytest.raises(ValueError, match=r"transforms must be \[8\] or \[batch, 8\]"):
        wb.image.transform(f64(img), [1, 0, 0])
    with pytest.raises(ValueError, match="fill_mode must be"):
        wb.image.transform(f64(img), shift, fill_mode="mirror")


def test_crops_flips_and_contrast():
    img = _rng.standard_normal((2, 4, 5, 3))
    np.testing.assert_array_equal(wb.image.crop_to_bounding_box(f64(img), 1, 2, 2, 3).numpy(), img[:, 1:3, 2:5])
    np.testing.assert_array_equal(wb.image.flip_left_right(f64(img)).numpy(), img[:, :, ::-1])
    np.testing.assert_array_equal(wb.image.flip_up_down(f64(img[0])).numpy(), img[0, ::-1])
    mean = img.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(wb.image.adjust_contrast(f64(img), 2.0).numpy(), (img - mean) * 2 + mean,
                               rtol=1e-5, atol=1e-6)           # float64 computed in float32, as TF
    with pytest.raises(ValueError, match="does not fit"):
        wb.image.crop_to_bounding_box(f64(img), 3, 0, 2, 2)


# -- preprocessing: numbers ------------------------------------------------------------------------


def test_normalization_adapts_to_arrays_and_datasets():
    data = _rng.standard_normal((50, 3)) * [1.0, 5.0, 0.1] + [0.0, 10.0, -2.0]
    layer = L.Normalization()
    layer.adapt(data)
    # Keras 3: mean/variance broadcast against the input, (1, 3); the weights hold (3,)
    np.testing.assert_allclose(layer.mean.numpy(), data.mean(0, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(layer.variance.numpy(), data.var(0, keepdims=True), rtol=1e-6)
    assert [tuple(w.shape) for w in layer.weights] == [(3,), (3,), ()]
    out = layer(f64(data)).numpy()
    np.testing.assert_allclose(out.mean(0), 0.0, atol=1e-6)
    np.testing.assert_allclose(out.std(0), 1.0, rtol=1e-5)
    streamed = L.Normalization()
    streamed.adapt(wb.data.Dataset.from_tensor_slices(data).batch(7))       # 8 batches, the last short
    np.testing.assert_allclose(streamed.mean.numpy(), data.mean(0, keepdims=True), rtol=1e-10)
    np.testing.assert_allclose(streamed.variance.numpy(), data.var(0, keepdims=True), rtol=1e-10)
    assert int(streamed.count.numpy()) == 50
    whole = L.Normalization(axis=None)
    whole.adapt(data)
    np.testing.assert_allclose(whole.mean.numpy(), np.full((1, 1), data.mean()), rtol=1e-10)   # (1, 1) as Keras 3
    images = _rng.standard_normal((4, 5, 5, 3))
    per_channel = L.Normalization(axis=-1)
    per_channel.adapt(images)
    np.testing.assert_allclose(per_channel.mean.numpy(), images.mean(axis=(0, 1, 2), keepdims=True), rtol=1e-10)
    back = L.Normalization(invert=True, mean=layer.mean.numpy(), variance=layer.variance.numpy())
    np.testing.assert_allclose(back(f64(out)).numpy(), data, rtol=1e-10)


def test_normalization_bad_arguments():
    with pytest.raises(ValueError, match="give both mean and variance"):
        L.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="batch axis"):
        L.Normalization(axis=0)(f64(np.ones((2, 3))))
    with pytest.raises(ValueError, match="holds no values"):
        L.Normalization().adapt(np.zeros((0, 3)))


def test_rescaling_and_discretization():
    pixels = wb.constant(np.array([[0, 128, 255]], dtype=np.uint8))
    np.testing.assert_allclose(L.Rescaling(1 / 127.5, offset=-1)(pixels).numpy(), [[-1.0, 128 / 127.5 - 1, 1.0]],
                               atol=1e-6)
    d = L.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    np.testing.assert_array_equal(d(f64([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])).numpy(),
                                  [[0, 2, 3, 1], [1, 3, 2, 1]])
    # Keras' documented adapt example: its approximate quantiles, reproduced
    data = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])
    adapted = L.Discretization(num_bins=4, epsilon=0.01)
    adapted.adapt(data)
    np.testing.assert_array_equal(adapted(f64(data)).numpy(), [[0, 2, 3, 2], [1, 3, 3, 1]])
    big = np.arange(1000.0)
    quartiles = L.Discretization(num_bins=4)
    quartiles.adapt(wb.data.Dataset.from_tensor_slices(big).batch(100))
    np.testing.assert_allclose(quartiles.bin_boundaries, [250, 500, 750], atol=15)
    with pytest.raises(ValueError, match="call adapt"):
        L.Discretization(num_bins=3)(f64([1.0]))
    with pytest.raises(ValueError, match="must be sorted"):
        L.Discretization(bin_boundaries=[1.0, 0.0])


def test_category_encoding_modes():
    ce = L.CategoryEncoding
    np.testing.assert_array_equal(ce(num_tokens=4, output_mode="one_hot")(wb.constant([3, 2, 0, 1])).numpy(),
                                  np.eye(4)[[3, 2, 0, 1]])
    ids = wb.constant(np.array([[0, 1], [0, 0], [1, 2], [3, 1]]))
    np.testing.assert_array_equal(ce(num_tokens=4)(ids).numpy(),
                                  [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]])
    weights = f64([[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]])
    np.testing.assert_allclose(ce(num_tokens=4, output_mode="count")(ids, count_weights=weights).numpy(),
                               [[0.1, 0.2, 0, 0], [0.2, 0, 0, 0], [0, 0.2, 0.3, 0], [0, 0.2, 0, 0.4]])
    assert ce(num_tokens=3, output_mode="one_hot")(wb.constant([[1], [2]])).shape == (2, 3)
    with pytest.raises(ValueError, match=r"must be in \[0, 4\)"):
        ce(num_tokens=4)(wb.constant([4]))
    with pytest.raises(ValueError, match="output_mode must be one of"):
        ce(num_tokens=4, output_mode="int")


def test_hashing_gives_keras_documented_bins():
    letters = np.array([["A"], ["B"], ["C"], ["D"], ["E"]])
    assert L.Hashing(num_bins=3)(letters).numpy().ravel().tolist() == [1, 0, 1, 1, 2]          # FarmHash64
    masked = np.array([["A"], ["B"], [""], ["C"], ["D"]])
    assert L.Hashing(num_bins=3, mask_value="")(masked).numpy().ravel().tolist() == [1, 1, 0, 2, 2]
    assert L.Hashing(num_bins=3, salt=[133, 137])(letters).numpy().ravel().tolist() == [1, 2, 1, 0, 2]  # SipHash
    assert L.Hashing(num_bins=3, salt=133)(letters).numpy().ravel().tolist() == [0, 0, 2, 1, 0]
    ints = wb.constant(np.array([[1, 2, 3], [4, 5, 6], [1, 2, 3]]))
    out = L.Hashing(num_bins=7)(ints).numpy()
    assert out.dtype == np.int64 and out.min() >= 0 and out.max() < 7
    np.testing.assert_array_equal(out[0], out[2])                                             # deterministic
    strings = L.Hashing(num_bins=7)(np.array([["1", "2", "3"]])).numpy()
    np.testing.assert_array_equal(strings[0], out[0])              # integers hash as their decimal text
    mask0 = L.Hashing(num_bins=4, mask_value=0)(wb.constant([0, 5, 0])).numpy()
    assert mask0[0] == 0 and mask0[2] == 0 and mask0[1] >= 1
    one_hot = L.Hashing(num_bins=3, output_mode="one_hot")(letters).numpy()
    np.testing.assert_array_equal(one_hot, np.eye(3)[[1, 0, 1, 1, 2]])
    with pytest.raises(ValueError, match="salt must be an integer or a pair"):
        L.Hashing(num_bins=3, salt="x")


def test_integer_lookup_follows_keras_examples():
    vocab = [12, 36, 1138, 42]
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    np.testing.assert_array_equal(L.IntegerLookup(vocabulary=vocab)(data).numpy(), [[1, 3, 4], [4, 0, 2]])
    adapted = L.IntegerLookup()
    adapted.adapt(data)
    assert adapted.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    np.testing.assert_array_equal(adapted(data).numpy(), [[5, 2, 1], [1, 3, 4]])
    two_oov = L.IntegerLookup(vocabulary=vocab, num_oov_indices=2)
    np.testing.assert_array_equal(two_oov(np.array([[12, 1138, 42], [37, 1000, 36]])).numpy(), [[2, 4, 5], [1, 0, 3]])
    counts = L.IntegerLookup(vocabulary=vocab, output_mode="count")(np.array([[12, 1138, 42, 42], [42, 7, 36, 7]]))
    np.testing.assert_array_equal(counts.numpy(), [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    one_hot = L.IntegerLookup(vocabulary=vocab, output_mode="one_hot")(np.array([12, 36, 1138, 42, 7]))
    np.testing.assert_array_equal(one_hot.numpy(), np.eye(5)[[1, 2, 3, 4, 0]])
    forward = L.IntegerLookup(vocabulary=vocab)
    inverse = L.IntegerLookup(vocabulary=forward.get_vocabulary(), invert=True)
    np.testing.assert_array_equal(inverse(forward(data)).numpy(), [[12, 1138, 42], [42, -1, 36]])


def test_integer_lookup_masks_caps_and_errors():
    layer = L.IntegerLookup(vocabulary=[5, 6], mask_token=0)
    np.testing.assert_array_equal(layer(np.array([0, 5, 6, 9])).numpy(), [0, 2, 3, 1])
    assert layer.vocabulary_size() == 4 and layer.get_vocabulary() == [0, -1, 5, 6]
    # outside "int" mode the mask token has no index and adds nothing (as Keras)
    hot = L.IntegerLookup(vocabulary=[5, 6], mask_token=0, output_mode="multi_hot")
    np.testing.assert_array_equal(hot(np.array([[0, 5, 9], [0, 0, 0]])).numpy(), [[1, 1, 0], [0, 0, 0]])
    assert hot.get_vocabulary() == [-1, 5, 6]
    counts = L.IntegerLookup(vocabulary=[5, 6], mask_token=0, output_mode="count")(np.array([[0, 6, 6, 0]]))
    np.testing.assert_array_equal(counts.numpy(), [[0, 0, 2]])
    one_hot = L.IntegerLookup(vocabulary=[5, 6], mask_token=0, output_mode="one_hot")(np.array([0, 6]))
    np.testing.assert_array_equal(one_hot.numpy(), [[0, 0, 0], [0, 0, 1]])
    capped = L.IntegerLookup(max_tokens=3)
    capped.adapt(wb.data.Dataset.from_tensor_slices(np.array([7, 7, 7, 8, 8, 9])).batch(4))
    assert capped.get_vocabulary() == [-1, 7, 8]
    padded = L.IntegerLookup(vocabulary=[1, 2], max_tokens=5, pad_to_max_tokens=True, output_mode="multi_hot")
    assert padded(np.array([[1, 2]])).shape == (1, 5)
    strict = L.IntegerLookup(vocabulary=[1, 2], num_oov_indices=0)
    with pytest.raises(ValueError, match="not in the vocabulary and num_oov_indices=0"):
        strict(np.array([3]))
    with pytest.raises(ValueError, match="must not repeat a token"):
        L.IntegerLookup(vocabulary=[1, 1])
    with pytest.raises(ValueError, match="tf_idf"):
        L.IntegerLookup(output_mode="tf_idf")


# -- preprocessing: images -------------------------------------------------------------------------


def test_resizing_and_center_crop():
    x = f64(IMG)
    np.testing.assert_array_equal(L.CenterCrop(4, 4)(x).numpy(), IMG[:, 1:5, 2:6])
    np.testing.assert_allclose(L.Resizing(3, 4)(x).numpy(), wb.image.resize(x, [3, 4]).numpy())
    cropped = L.Resizing(3, 3, crop_to_aspect_ratio=True)(x).numpy()
    np.testing.assert_allclose(cropped, wb.image.resize(f64(IMG[:, :, 1:7]), [3, 3]).numpy())
    padded = L.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=-1.0)(x).numpy()
    np.testing.assert_array_equal(padded[:, 0], -1.0)
    np.testing.assert_allclose(padded[:, 1:7], IMG)
    up = L.CenterCrop(8, 8)(x)                      # smaller than the window: smart resize
    assert up.shape == (2, 8, 8, 3)
    first = L.CenterCrop(2, 3, data_format="channels_first")(f64(IMG.transpose(0, 3, 1, 2))).numpy()
    np.testing.assert_array_equal(first.transpose(0, 2, 3, 1), L.CenterCrop(2, 3)(wb.constant(
        IMG.transpose(0, 3, 1, 2).transpose(0, 2, 3, 1))).numpy())
    assert L.CenterCrop(2, 2)(f64(IMG[0])).shape == (2, 2, 3)
    for method in ("bicubic", "lanczos3", "area"):   # Keras 3's other interpolations, as wb.image.resize
        np.testing.assert_allclose(L.Resizing(3, 4, interpolation=method)(x).numpy(),
                                   wb.image.resize(x, [3, 4], method=method).numpy())
    with pytest.raises(ValueError, match="Resizing: interpolation must be one of .* got 'cubic'"):
        L.Resizing(3, 4, interpolation="cubic")


@pytest.mark.parametrize("make", [lambda s: L.RandomFlip(seed=s), lambda s: L.RandomRotation(0.3, seed=s),
                                  lambda s: L.RandomZoom(0.3, seed=s), lambda s: L.RandomTranslation(0.2, 0.2, seed=s),
                                  lambda s: L.RandomContrast(0.5, seed=s)])
def test_random_layers_act_only_while_training_and_follow_their_seed(make):
    x = f64(IMG)
    a, b = make(7), make(7)
    np.testing.assert_array_equal(a(x).numpy(), IMG)
    np.testing.assert_array_equal(a(x, training=False).numpy(), IMG)
    out = [a(x, training=True).numpy() for _ in range(3)]
    assert any(not np.allclose(o, IMG) for o in out)
    np.testing.assert_array_equal(b(x, training=True).numpy(), out[0])
    model = wb.keras.Sequential([wb.keras.Input((6, 8, 3), dtype="float64"), make(1)])
    np.testing.assert_array_equal(model(x).numpy(), IMG)


def test_random_flip_flips_whole_images():
    out = L.RandomFlip(seed=3)(f64(IMG), training=True).numpy()
    for o, img in zip(out, IMG):
        assert any(np.array_equal(o, f) for f in (img, img[:, ::-1], img[::-1], img[::-1, ::-1]))
    horizontal = L.RandomFlip("horizontal", seed=0)
    outs = np.concatenate([horizontal(f64(IMG), training=True).numpy() for _ in range(10)])
    flipped = [np.array_equal(o, IMG[i % 2][:, ::-1]) for i, o in enumerate(outs)]
    kept = [np.array_equal(o, IMG[i % 2]) for i, o in enumerate(outs)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)


def test_rotation_zoom_translation_geometry():
    square = _rng.standard_normal((1, 5, 5, 2))
    quarter = L.RandomRotation((0.25, 0.25))(f64(square), training=True).numpy()
    np.testing.assert_allclose(quarter[0], np.rot90(square[0]), atol=1e-12)        # counter-clockwise
    shift = L.RandomTranslation((0.2, 0.2), (0.0, 0.0), fill_mode="constant", fill_value=9.0)
    moved = shift(f64(square), training=True).numpy()
    np.testing.assert_allclose(moved[0, 1:], square[0, :-1], atol=1e-12)            # down by one row
    np.testing.assert_array_equal(moved[0, 0], 9.0)
    same = L.RandomZoom((0.0, 0.0))(f64(square), training=True).numpy()
    np.testing.assert_allclose(same, square, atol=1e-12)
    zoom_in = L.RandomZoom((-0.5, -0.5), interpolation="nearest")(f64(square), training=True).numpy()
    assert np.allclose(zoom_in[0, 2, 2], square[0, 2, 2])                            # the centre stays
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        L.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match=r"lie in \[-1.0, 1.0\]"):
        L.RandomTranslation(1.5, 0.1)


def test_random_crop_and_contrast():
    x = f64(IMG)
    crop = L.RandomCrop(4, 6, seed=2)
    out = crop(x, training=True).numpy()
    hits = [(t, l) for t in range(3) for l in range(3) if np.array_equal(out, IMG[:, t:t + 4, l:l + 6])]
    assert len(hits) == 1
    np.testing.assert_allclose(crop(x).numpy(), L.Resizing(4, 6, crop_to_aspect_ratio=True)(x).numpy())
    contrast = L.RandomContrast((0.3, 0.6), value_range=(-1e9, 1e9), seed=4)
    y = contrast(x, training=True).numpy()
    mean = IMG.mean(axis=(1, 2), keepdims=True)
    factors = ((y - mean) / (IMG - mean)).reshape(2, -1)
    assert np.allclose(factors, factors[:, :1]) and np.all((factors > 0.7 - 1e-9) & (factors < 1.6 + 1e-9))
    clipped = L.RandomContrast(0.9, seed=4)(x * 2.0, training=True).numpy()
    assert clipped.min() >= 0.0 and clipped.max() <= 255.0


@pytest.mark.parametrize("make", [lambda: L.RandomRotation(0.2, seed=1), lambda: L.RandomZoom(0.3, seed=2),
                                  lambda: L.RandomTranslation(0.2, 0.3, fill_mode="nearest", seed=3),
                                  lambda: L.RandomContrast(0.4, value_range=(-10, 10), seed=4),
                                  lambda: L.RandomCrop(3, 4, seed=5), lambda: L.RandomFlip(seed=6)])
def test_augmentation_gradients_with_the_draws_held_fixed(make):
    layer = make()
    x = f64(_rng.uniform(-1, 1, (2, 5, 6, 2)))
    seed = layer.seed

    def run(t):
        layer._rng.reset_from_seed(seed)
        return layer(t, training=True)
    gradients.check_gradients(run, [x], order=1)


def test_host_side_preprocessing_under_wb_function_is_never_a_stale_constant():
    """CategoryEncoding computes on the host: a wb.function calling it runs eagerly (with the
    project's warning) instead of replaying the first call's output."""
    import warnings
    layer = wb.keras.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    f = wb.function(lambda x: layer(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f(wb.constant([0, 1, 2]))
        second = f(wb.constant([3, 3, 0]))
    assert second.numpy().argmax(axis=1).tolist() == [3, 3, 0]
