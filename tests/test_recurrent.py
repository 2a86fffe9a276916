"""GRU, LSTM and Bidirectional: Keras' equations, masks, and ragged batches without padding."""

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


def _sig(x):
    return 1 / (1 + np.exp(-x))


def gru_ref(x, k, rk, b, reset_after=True, lengths=None, rec=None):
    """Keras' GRU in NumPy; rows stop updating after their length. ``rec``: a recurrent
    dropout mask ``[n, units]`` on the state entering the recurrent kernel."""
    n, t, _ = x.shape
    u = rk.shape[0]
    h = np.zeros((n, u))
    rec = np.ones((n, u)) if rec is None else rec
    outs = []
    for s in range(t):
        if reset_after:
            xw = x[:, s] @ k + b[0]
            hu = (h * rec) @ rk + b[1]
            z = _sig(xw[:, :u] + hu[:, :u])
            r = _sig(xw[:, u:2 * u] + hu[:, u:2 * u])
            hh = np.tanh(xw[:, 2 * u:] + r * hu[:, 2 * u:])
        else:
            xw = x[:, s] @ k + b
            z = _sig(xw[:, :u] + (h * rec) @ rk[:, :u])
            r = _sig(xw[:, u:2 * u] + (h * rec) @ rk[:, u:2 * u])
            hh = np.tanh(xw[:, 2 * u:] + (r * h * rec) @ rk[:, 2 * u:])
        new = z * h + (1 - z) * hh
        if lengths is not None:
            live = (s < np.asarray(lengths))[:, None]
            new = np.where(live, new, h)
            outs.append(np.where(live, new, 0))
        else:
            outs.append(new)
        h = new
    return np.stack(outs, 1), h


def lstm_ref(x, k, rk, b, rec=None):
    n, t, _ = x.shape
    u = rk.shape[0]
    h, c = np.zeros((n, u)), np.zeros((n, u))
    rec = np.ones((n, u)) if rec is None else rec
    outs = []
    for s in range(t):
        z = x[:, s] @ k + (h * rec) @ rk + b
        i, f, g, o = _sig(z[:, :u]), _sig(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), _sig(z[:, 3 * u:])
        c = f * c + i * g
        h = o * np.tanh(c)
        outs.append(h)
    return np.stack(outs, 1), h, c


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_keras_equations(rng, reset_after):
    x = rng.standard_normal((3, 4, 2))
    gru = L.GRU(5, reset_after=reset_after, return_sequences=True, return_state=True)
    seq, h = gru(f64(x))
    k, rk, b = gru.get_weights()
    assert k.shape == (2, 15) and rk.shape == (5, 15) and b.shape == ((2, 15) if reset_after else (15,))
    want_seq, want_h = gru_ref(x, k, rk, b, reset_after)
    np.testing.assert_allclose(seq.numpy(), want_seq, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h.numpy(), want_h, rtol=1e-10, atol=1e-12)
    # the recurrent kernel starts orthogonal, as Keras'
    np.testing.assert_allclose(rk @ rk.T, np.eye(5), atol=1e-6)


def test_lstm_matches_keras_equations_and_forget_bias(rng):
    x = rng.standard_normal((2, 3, 4))
    lstm = L.LSTM(3, return_sequences=True, return_state=True)
    seq, h, c = lstm(f64(x))
    k, rk, b = lstm.get_weights()
    np.testing.assert_array_equal(b, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    want_seq, want_h, want_c = lstm_ref(x, k, rk, b)
    np.testing.assert_allclose(seq.numpy(), want_seq, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h.numpy(), want_h, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c.numpy(), want_c, rtol=1e-10, atol=1e-12)
    assert L.LSTM(3)(f64(x)).shape == (2, 3)


def test_mask_keeps_state_and_zeroes_outputs(rng):
    x = rng.standard_normal((3, 5, 2))
    lengths = [5, 2, 0]
    mask = np.arange(5)[None] < np.array(lengths)[:, None]
    gru = L.GRU(4, return_sequences=True, return_state=True)
    seq, h = gru(f64(x), mask=wb.constant(mask))
    k, rk, b = gru.get_weights()
    want_seq, want_h = gru_ref(x, k, rk, b, lengths=lengths)
    np.testing.assert_allclose(seq.numpy(), want_seq, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h.numpy(), want_h, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(h.numpy()[2], 0)
    with pytest.raises(ValueError, match="mask must have shape"):
        gru(f64(x), mask=wb.constant(mask[:, :3]))


def test_initial_state_and_go_backwards(rng):
    x = rng.standard_normal((2, 3, 2))
    fwd = L.GRU(3, return_sequences=True)
    fwd(f64(x))
    back = L.GRU(3, return_sequences=True, go_backwards=True)
    back(f64(x))
    back.set_weights(fwd.get_weights())
    # going backwards is the forward pass over the reversed sequence (outputs in processing order)
    np.testing.assert_allclose(back(f64(x)).numpy(), fwd(f64(x[:, ::-1])).numpy(), rtol=1e-12)
    h0 = f64(rng.standard_normal((2, 3)))
    k, rk, b = fwd.get_weights()
    one = L.GRU(3)
    one(f64(x[:, 1:]))
    one.set_weights([k, rk, b])
    np.testing.assert_allclose(one(f64(x[:, 1:]), initial_state=[fwd(f64(x[:, :1]))[:, 0]]).numpy(),
                               fwd(f64(x)).numpy()[:, -1], rtol=1e-12)
    with pytest.raises(ValueError, match="initial_state must hold 1"):
        one(f64(x), initial_state=[h0, h0])


def _ragged_batch(rng, lengths, features=3):
    values = rng.standard_normal((sum(lengths), features))
    return values, ragged.RaggedTensor.from_row_lengths(f64(values), np.array(lengths, np.int64))


def _padded(values, lengths):
    t = max(lengths)
    dense = np.zeros((len(lengths), t, values.shape[1]))
    mask = np.zeros((len(lengths), t), bool)
    start = 0
    for i, n in enumerate(lengths):
        dense[i, :n] = values[start:start + n]
        mask[i, :n] = True
        start += n
    return dense, mask


@pytest.mark.parametrize("cls", [L.GRU, L.LSTM])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_ragged_equals_padded_and_masked(rng, cls, go_backwards):
    lengths = [4, 0, 6, 1, 6, 3]
    values, rt = _ragged_batch(rng, lengths)
    dense, mask = _padded(values, lengths)
    layer = cls(4, return_sequences=True, return_state=True, go_backwards=go_backwards)
    r_out = layer(rt)
    d_out = layer(f64(dense), mask=wb.constant(mask))
    assert r_out[0].shape == (6, None, 4)
    for r, d in zip(r_out[1:], d_out[1:]):                     # final states
        np.testing.assert_allclose(r.numpy(), d.numpy(), rtol=1e-12, atol=1e-14)
    if not go_backwards:
        np.testing.assert_allclose(r_out[0].to_tensor().numpy(), d_out[0].numpy(), rtol=1e-12, atol=1e-14)
    else:  # each row's outputs in processing order: last value first
        rows = r_out[0].to_list()
        for i, n in enumerate(lengths):
            if n:
                np.testing.assert_allclose(np.asarray(rows[i]), _reverse_rows_ref(layer, values, lengths, i),
                                           rtol=1e-12, atol=1e-14)


def _reverse_rows_ref(layer, values, lengths, i):
    start = sum(lengths[:i])
    row = values[start:start + lengths[i]][::-1]
    fwd = type(layer)(layer.units, return_sequences=True)
    fwd(f64(row[None]))
    fwd.set_weights(layer.get_weights())
    return fwd(f64(row[None])).numpy()[0]


@pytest.mark.parametrize("cls", [L.GRU, L.LSTM])
def test_ragged_gradients_equal_padded_gradients(rng, cls):
    lengths = [3, 1, 0, 4]
    values, _ = _ragged_batch(rng, lengths, features=2)
    dense, mask = _padded(values, lengths)
    layer = cls(3, return_sequences=True)
    layer(f64(dense))
    weights = rng.standard_normal((sum(lengths), 3))

    def grads(ragged_input):
        v = f64(values)
        d = f64(dense)
        with wb.GradientTape() as tape:
            tape.watch([v, d])
            if ragged_input:
                out = layer(ragged.RaggedTensor.from_row_lengths(v, np.array(lengths))).flat_values
            else:
                out = wb.boolean_mask(layer(d, mask=wb.constant(mask)), wb.constant(mask))
            loss = wb.reduce_sum(out * f64(weights))
        g = tape.gradient(loss, [v if ragged_input else d] + layer.trainable_variables)
        return [x.numpy() for x in g]

    gr, gd = grads(True), grads(False)
    np.testing.assert_allclose(gr[0], gd[0][mask], rtol=1e-10, atol=1e-12)
    for a, b in zip(gr[1:], gd[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_ragged_work_is_proportional_to_the_number_of_values(rng):
    """Step t only touches the rows longer than t: count the rows the step function sees."""
    lengths = [50, 1, 1, 1, 1, 1, 1, 1]
    _, rt = _ragged_batch(rng, lengths)
    gru = L.GRU(2)
    seen = []
    step = gru._step
    gru._step = lambda xw, states, *rest: (seen.append(xw.shape[0]), step(xw, states, *rest))[1]
    gru(rt)
    assert sum(seen) == sum(lengths) and len(seen) == 50


def test_rnn_gradient_check(rng):
    x = f64(rng.standard_normal((2, 3, 2)))
    gru = L.GRU(2)
    gru(x)
    gradients.check_gradients(lambda t: gru(t), [x], order=1)
    lstm = L.LSTM(2, return_sequences=True)
    lstm(x)
    gradients.check_gradients(lambda t: lstm(t), [x], order=1)
    values, _ = _ragged_batch(rng, [2, 0, 3], features=2)
    rgru = L.GRU(2, return_sequences=True)
    rgru(ragged.RaggedTensor.from_row_lengths(f64(values), np.array([2, 0, 3])))
    gradients.check_gradients(
        lambda v: rgru(ragged.RaggedTensor.from_row_lengths(v, np.array([2, 0, 3]))).flat_values,
        [f64(values)], order=1)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", None])
def test_bidirectional_dense_and_ragged(rng, merge_mode):
    lengths = [3, 1, 4]
    values, rt = _ragged_batch(rng, lengths, features=2)
    dense, mask = _padded(values, lengths)
    bi = L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode=merge_mode)
    d_out = bi(f64(dense), mask=wb.constant(mask))
    r_out = bi(rt)
    if merge_mode is None:
        d_out, r_out = d_out[1], r_out[1]
    np.testing.assert_allclose(r_out.to_tensor().numpy(), d_out.numpy() * mask[..., None], rtol=1e-12, atol=1e-14)
    # the backward half at position t has read the row from its end back to t
    if merge_mode == "concat":
        row = values[3:4]                                    # row 1 has one value
        single = bi.backward_layer(f64(row[None]))
        np.testing.assert_allclose(d_out.numpy()[1, 0, 3:], single.numpy()[0, 0], rtol=1e-12)
    assert len(bi.trainable_variables) == 6


def test_bidirectional_return_state():
    bi = L.Bidirectional(L.LSTM(2, return_state=True))
    out = bi(wb.ones([1, 3, 2]))
    assert len(out) == 5 and out[0].shape == (1, 4) and all(s.shape == (1, 2) for s in out[1:])


def test_ragged_pipeline_in_a_functional_model(rng):
    ids = ragged.constant([[1, 2, 3], [4], [5, 6]])
    x = wb.keras.Input(shape=(None,), dtype="int64", ragged=True)
    h = L.Embedding(8, 4)(x)
    y = L.Dense(1)(L.GRU(3)(h))
    model = wb.keras.Model(x, y)
    out = model(ids)
    assert out.shape == (3, 1)
    # the same as the padded + masked computation
    emb, gru, dense = model.layers
    padded = wb.constant(np.array([[1, 2, 3], [4, 0, 0], [5, 6, 0]]))
    want = dense(gru(emb(padded), mask=wb.constant(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], bool))))
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------
# dropout and recurrent_dropout (Keras: one mask per call, reused at every step)


def _twins(cls, x, **kwargs):
    """Two layers with the same weights and the same dropout seed."""
    a = cls(4, seed=5, return_sequences=True, **kwargs)
    b = cls(4, seed=5, return_sequences=True, **kwargs)
    a(x)
    b(x)
    b.set_weights(a.get_weights())
    return a, b


@pytest.mark.parametrize("cls", [L.GRU, L.LSTM])
def test_dropout_is_inactive_unless_training(rng, cls):
    x = f64(rng.standard_normal((3, 5, 2)))
    plain = cls(4, return_sequences=True)
    plain(x)
    drop = cls(4, dropout=0.5, recurrent_dropout=0.5, seed=1, return_sequences=True)
    drop(x)
    drop.set_weights(plain.get_weights())
    want = plain(x).numpy()
    np.testing.assert_array_equal(drop(x).numpy(), want)
    np.testing.assert_array_equal(drop(x, training=False).numpy(), want)
    assert not np.allclose(drop(x, training=True).numpy(), want)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_dropout_matches_the_equations_with_fixed_masks(rng, reset_after):
    x = rng.standard_normal((3, 5, 2))
    a, b = _twins(L.GRU, f64(x), dropout=0.4, recurrent_dropout=0.3, reset_after=reset_after)
    dp, rec = (m.numpy() for m in b._dropout_masks(3, 2, np.float64, True))   # the draws a will make
    out = a(f64(x), training=True).numpy()
    assert set(np.unique(dp)) <= {0.0, 1 / 0.6} and set(np.unique(rec)) <= {0.0, 1 / 0.7}
    k, rk, bias = a.get_weights()
    want, _ = gru_ref(x * dp[:, None, :], k, rk, bias, reset_after, rec=rec)
    np.testing.assert_allclose(out, want, rtol=1e-10, atol=1e-12)


def test_lstm_dropout_matches_the_equations_with_fixed_masks(rng):
    x = rng.standard_normal((3, 5, 2))
    a, b = _twins(L.LSTM, f64(x), dropout=0.4, recurrent_dropout=0.3)
    dp, rec = (m.numpy() for m in b._dropout_masks(3, 2, np.float64, True))
    out = a(f64(x), training=True).numpy()
    k, rk, bias = a.get_weights()
    want, _, _ = lstm_ref(x * dp[:, None, :], k, rk, bias, rec=rec)
    np.testing.assert_allclose(out, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls", [L.GRU, L.LSTM])
def test_input_mask_is_the_same_at_every_step_and_drops_the_rate(rng, cls):
    """An input feature dropped for a row has no effect on the outputs at any time step, a kept
    one has an effect at every step: read off the gradient with respect to the inputs."""
    x = f64(rng.standard_normal((300, 6, 8)))
    layer = cls(3, dropout=0.3, seed=11, return_sequences=True)
    layer(x)
    with wb.GradientTape() as tape:
        tape.watch(x)
        loss = wb.reduce_sum(layer(x, training=True))
    g = np.abs(tape.gradient(loss, x).numpy())            # [batch, time, features]
    dropped = g == 0
    assert np.all(dropped == dropped[:, :1, :])            # the same pattern at every step
    frac = dropped[:, 0, :].mean()
    assert 0.26 < frac < 0.34                              # 2,400 draws: rate 0.3 within ~4 sigma


@pytest.mark.parametrize("cls", [L.GRU, L.LSTM])
def test_recurrent_mask_is_the_same_at_every_step(rng, cls):
    """A layer whose state unit j feeds only gate unit j (one gate, through the recurrent
    kernel): a unit whose state is dropped behaves, at every step, as if it had no recurrent
    kernel; a kept one does not."""
    x = f64(rng.standard_normal((200, 5, 1)))
    layer = cls(6, recurrent_dropout=0.5, seed=3, return_sequences=True, use_bias=False)
    layer(x)
    gates = 3 if cls is L.GRU else 4
    k = np.ones((1, 6 * gates))
    rk = np.zeros((6, 6 * gates))
    if cls is L.LSTM:
        rk[:, -6:] = np.eye(6) * 5.0                               # the output gate reads h
    else:
        rk[:, :6] = np.eye(6) * 5.0                                # the update gate reads h
    layer.set_weights([k, rk])
    twin = cls(6, recurrent_dropout=0.5, seed=3, return_sequences=True, use_bias=False)
    twin(x)
    twin.set_weights([k, rk])
    rec = twin._dropout_masks(200, 1, np.float64, True)[1].numpy()     # the draw ``layer`` will make
    out = layer(x, training=True).numpy()
    zero_rk = cls(6, return_sequences=True, use_bias=False)
    zero_rk(x)
    zero_rk.set_weights([k, np.zeros_like(rk)])
    cut = zero_rk(x).numpy()
    dropped = rec == 0
    np.testing.assert_allclose(out[:, 1:][np.broadcast_to(dropped[:, None], out[:, 1:].shape)],
                               cut[:, 1:][np.broadcast_to(dropped[:, None], cut[:, 1:].shape)], rtol=1e-12)
    kept = ~dropped
    assert not np.allclose(out[:, 1:][np.broadcast_to(kept[:, None], out[:, 1:].shape)],
                           cut[:, 1:][np.broadcast_to(kept[:, None], cut[:, 1:].shape)])
    assert 0.4 < dropped.mean() < 0.6


@pytest.mark.parametrize("cls", [L.GRU, L.LSTM])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_ragged_dropout_equals_padded_and_masked(rng, cls, go_backwards):
    lengths = [4, 0, 6, 1, 3]
    values, rt = _ragged_batch(rng, lengths)
    dense, mask = _padded(values, lengths)
    a, b = _twins(cls, f64(dense), dropout=0.3, recurrent_dropout=0.4, go_backwards=go_backwards,
                  return_state=True)
    r_out = a(rt, training=True)
    d_out = b(f64(dense), mask=wb.constant(mask), training=True)
    for r, d in zip(r_out[1:], d_out[1:]):
        np.testing.assert_allclose(r.numpy(), d.numpy(), rtol=1e-12, atol=1e-14)
    if not go_backwards:
        np.testing.assert_allclose(r_out[0].to_tensor().numpy(), d_out[0].numpy(), rtol=1e-12, atol=1e-14)


def test_dropout_is_seeded_and_fresh_per_call(rng):
    x = f64(rng.standard_normal((4, 3, 2)))
    a, b = _twins(L.GRU, x, dropout=0.5, recurrent_dropout=0.5)
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(b(x, training=True).numpy(), first)        # same seed, same masks
    assert not np.allclose(a(x, training=True).numpy(), first)               # new masks each call
    with pytest.raises(ValueError, match="recurrent_dropout must be in"):
        L.LSTM(2, recurrent_dropout=1.0)


@pytest.mark.parametrize("cls", [L.GRU, L.LSTM])
def test_dropout_gradients(rng, cls):
    """With the masks held fixed (the generator reset before each call) the gradients match
    finite differences, for the inputs and through both masks."""
    x = f64(rng.standard_normal((2, 3, 2)))
    layer = cls(2, dropout=0.3, recurrent_dropout=0.3, seed=4)
    layer(x)

    def run(t):
        layer._rng.reset_from_seed(4)
        return layer(t, training=True)
    gradients.check_gradients(run, [x], order=1)
    with wb.GradientTape() as tape:
        loss = wb.reduce_sum(run(x))
    grads = tape.gradient(loss, layer.trainable_variables)
    assert all(g is not None and np.isfinite(wb.convert_to_tensor(g).numpy()).all() for g in grads)


def test_bidirectional_directions_draw_different_masks(rng):
    x = f64(rng.standard_normal((50, 3, 4)))
    bi = L.Bidirectional(L.GRU(3, dropout=0.5, seed=2))
    assert bi.backward_layer.seed == 3
    bi(x)
    f = bi.forward_layer._dropout_masks(50, 4, np.float64, True)[0].numpy()
    b = bi.backward_layer._dropout_masks(50, 4, np.float64, True)[0].numpy()
    assert not np.array_equal(f, b)
