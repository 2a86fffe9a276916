"""Layers against NumPy references, gradient checks, initializers and regularizers."""

import numpy as np
import pytest

import gradients
import workbench as wb
from workbench.keras import layers as L


# checked against float64 references and finite differences: layers made without a dtype take
# a float64 global policy (Keras 3's default is float32; see conftest.float64_layers)
pytestmark = pytest.mark.usefixtures("float64_layers")


def f64(a):
    return wb.constant(np.asarray(a, dtype=np.float64))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_dense_matches_numpy_on_2d_3d_and_ragged_inputs(rng):
    d = L.Dense(3, activation="relu")
    x = rng.standard_normal((4, 5)).astype(np.float32)
    y = d(wb.constant(x))
    k, b = d.get_weights()
    np.testing.assert_allclose(y.numpy(), np.maximum(x @ k + b, 0), rtol=1e-5, atol=1e-6)
    x3 = rng.standard_normal((2, 6, 5)).astype(np.float32)
    np.testing.assert_allclose(d(wb.constant(x3)).numpy(), np.maximum(x3 @ k + b, 0), rtol=1e-5, atol=1e-6)
    import ragged
    rt = ragged.RaggedTensor.from_row_lengths(wb.constant(x), np.array([3, 1]))
    out = d(rt)
    assert out.shape == (2, None, 3)
    np.testing.assert_allclose(out.flat_values.numpy(), y.numpy(), rtol=1e-6)


def test_dense_autocasts_floating_inputs_and_rejects_wrong_width():
    d = L.Dense(2, dtype="float32")
    d(wb.ones([1, 3]))
    assert d(f64(np.ones((1, 3)))).dtype == np.float32
    with pytest.raises(ValueError, match="expects size 3 in axis -1"):
        d(wb.ones([1, 4]))


def _conv_ref(x, k, stride, pad):
    kh, kw = k.shape[:2]
    if pad == "same":
        ph, pw = kh - 1, kw - 1
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    n, h, w, _ = x.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, oh, ow, k.shape[-1]))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return out


@pytest.mark.parametrize("padding,stride", [("valid", 1), ("same", 1), ("valid", 2)])
def test_conv2d_matches_numpy(rng, padding, stride):
    conv = L.Conv2D(4, (3, 2), strides=stride, padding=padding)
    x = rng.standard_normal((2, 6, 5, 3))
    y = conv(f64(x))
    k, b = conv.get_weights()
    np.testing.assert_allclose(y.numpy(), _conv_ref(x, k, stride, padding) + b, rtol=1e-10, atol=1e-12)


def test_pooling_flatten_reshape(rng):
    x = rng.standard_normal((2, 4, 4, 3))
    mx = L.MaxPool2D()(f64(x)).numpy()
    av = L.AvgPool2D(pool_size=2)(f64(x)).numpy()
    blocks = x.reshape(2, 2, 2, 2, 2, 3)
    np.testing.assert_allclose(mx, blocks.max(axis=(2, 4)))
    np.testing.assert_allclose(av, blocks.mean(axis=(2, 4)))
    assert L.Flatten()(f64(x)).shape == (2, 48)
    assert L.Reshape((16, 3))(f64(x)).shape == (2, 16, 3)
    assert L.Reshape((-1, 6))(f64(x)).shape == (2, 8, 6)
    with pytest.raises(ValueError, match="cannot reshape"):
        L.Reshape((5, 5))(f64(x))


def test_dropout_is_reproducible_and_inactive_at_inference():
    x = wb.ones([8, 50])
    a = L.Dropout(0.5, seed=7)
    b = L.Dropout(0.5, seed=7)
    ya, yb = a(x, training=True), b(x, training=True)
    np.testing.assert_array_equal(ya.numpy(), yb.numpy())
    assert set(np.unique(ya.numpy())) <= {0.0, 2.0} and 0.3 < (ya.numpy() == 0).mean() < 0.7
    assert not np.array_equal(a(x, training=True).numpy(), ya.numpy())   # fresh mask each call
    np.testing.assert_array_equal(a(x).numpy(), x.numpy())
    np.testing.assert_array_equal(a(x, training=False).numpy(), x.numpy())
    # a training flag given to the model reaches the dropout layer
    model = wb.keras.Sequential([L.Dropout(0.5, seed=1)])
    assert (model(x, training=True).numpy() == 0).any()


def test_layer_normalization_matches_numpy(rng):
    x = rng.standard_normal((3, 4, 5))
    ln = L.LayerNormalization(epsilon=1e-3, gamma_initializer=wb.keras.initializers.Constant(2.0),
                              beta_initializer=wb.keras.initializers.Constant(0.5))
    y = ln(f64(x)).numpy()
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(y, 2 * (x - mu) / np.sqrt(var + 1e-3) + 0.5, rtol=1e-10)
    ln2 = L.LayerNormalization(axis=[1, 2])
    y2 = ln2(f64(x)).numpy()
    mu2, var2 = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(y2, (x - mu2) / np.sqrt(var2 + 1e-3), rtol=1e-10)
    assert ln2.gamma.shape == (4, 5)


def test_batch_normalization_training_and_inference(rng):
    x = rng.standard_normal((6, 3)) * 2 + 1
    bn = L.BatchNormalization(momentum=0.9, epsilon=1e-3)
    y = bn(f64(x), training=True).numpy()
    mu, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(y, (x - mu) / np.sqrt(var + 1e-3), rtol=1e-10)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * mu, rtol=1e-10)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-10)
    mm, mv = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    y_inf = bn(f64(x)).numpy()
    np.testing.assert_allclose(y_inf, (x - mm) / np.sqrt(mv + 1e-3), rtol=1e-10)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mm)          # no update at inference
    assert [v.path.split("/")[-1] for v in bn.non_trainable_variables] == ["moving_mean", "moving_variance"]
    bn.trainable = False                                              # frozen: inference mode
    np.testing.assert_allclose(bn(f64(x), training=True).numpy(), y_inf, rtol=1e-10)


def test_embedding_lookup_mask_and_ragged_ids():
    emb = L.Embedding(6, 2, mask_zero=True)
    ids = wb.constant([[1, 5, 0]])
    table = emb(ids)
    np.testing.assert_array_equal(table.numpy()[0], emb.embeddings.numpy()[[1, 5, 0]])
    assert emb.compute_mask(ids).numpy().tolist() == [[True, True, False]]
    import ragged
    out = emb(ragged.constant([[1, 2], [3]]))
    assert out.shape == (2, None, 2)
    with pytest.raises(wb.errors.InvalidArgumentError):
        emb(wb.constant([[7]]))


def test_merge_layers():
    a, b = f64([[1.0, 2.0]]), f64([[3.0, 4.0]])
    np.testing.assert_array_equal(L.Add()([a, b]).numpy(), [[4.0, 6.0]])
    np.testing.assert_array_equal(L.Multiply()([a, b]).numpy(), [[3.0, 8.0]])
    np.testing.assert_array_equal(L.Concatenate()([a, b]).numpy(), [[1.0, 2.0, 3.0, 4.0]])
    with pytest.raises(ValueError, match="list of at least 2"):
        L.Add()(a)
    with pytest.raises(ValueError, match="must match in every axis"):
        L.Concatenate(axis=0)([a, f64([[1.0, 2.0, 3.0]])])


def _softmax(z):
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def test_multi_head_attention_matches_numpy(rng):
    q = rng.standard_normal((2, 3, 6))
    v = rng.standard_normal((2, 4, 5))
    mask = rng.uniform(size=(2, 3, 4)) > 0.3
    mask[:, :, 0] = True
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4)
    out, scores = mha(f64(q), f64(v), attention_mask=wb.constant(mask), return_attention_scores=True)
    w = {l.name: l.get_weights() for l in (mha.query_dense, mha.key_dense, mha.value_dense, mha.output_dense)}
    Q = np.einsum("btd,dhk->bthk", q, w["query"][0]) + w["query"][1]
    K = np.einsum("bsd,dhk->bshk", v, w["key"][0]) + w["key"][1]
    V = np.einsum("bsd,dhk->bshk", v, w["value"][0]) + w["value"][1]
    logits = np.einsum("bthk,bshk->bhts", Q, K) / np.sqrt(3)
    logits = np.where(mask[:, None], logits, -np.inf)
    probs = _softmax(logits)
    ctx = np.einsum("bhts,bshk->bthk", probs, V)
    want = np.einsum("bthk,hko->bto", ctx, w["attention_output"][0]) + w["attention_output"][1]
    assert out.shape == (2, 3, 6) and w["attention_output"][0].shape == (2, 4, 6)
    np.testing.assert_allclose(scores.numpy(), probs, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-9, atol=1e-12)
    # key defaults to value; causal mask hides the future
    causal = mha(f64(q), f64(q[:, :, :5]), use_causal_mask=True, return_attention_scores=True)[1].numpy()
    assert np.all(causal[:, :, 0, 1:] == 0)


# ---------------------------------------------------------------------------
# gradient checks (layer weights are fixed; gradients with respect to the input)


def _built(layer, x):
    layer(x)
    return layer


def test_gradients_dense_layernorm_batchnorm(rng):
    x = f64(rng.standard_normal((3, 4)))
    dense = _built(L.Dense(2, activation="tanh"), x)
    gradients.check_gradients(lambda t: dense(t), [x])
    ln = _built(L.LayerNormalization(), x)
    # first order: its moments' variance stops at the mean for the second (TF's tf.nn.moments)
    gradients.check_gradients(lambda t: ln(t), [x], order=1)
    bn = _built(L.BatchNormalization(momentum=1.0), x)   # momentum 1: statistics stay put
    gradients.check_gradients(lambda t: bn(t, training=True), [x], order=1)


def test_gradients_conv_pool_attention_embedding(rng):
    x = f64(rng.standard_normal((1, 4, 4, 2)))
    conv = _built(L.Conv2D(2, 2, padding="same", activation="tanh"), x)
    gradients.check_gradients(lambda t: L.AvgPool2D()(conv(t)), [x], order=1)
    q = f64(rng.standard_normal((1, 2, 3)))
    mha = L.MultiHeadAttention(2, 2)
    mha(q, q)
    gradients.check_gradients(lambda t: mha(t, t), [q], order=1)
    emb = L.Embedding(4, 3, dtype="float64")
    ids = wb.constant([[0, 3, 3]])
    emb(ids)
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(emb(ids))
    g = tape.gradient(y, emb.embeddings)
    np.testing.assert_array_equal(wb.convert_to_tensor(g).numpy(), [[1] * 3, [0] * 3, [0] * 3, [2] * 3])


# ---------------------------------------------------------------------------
# initializers and regularizers


def test_initializer_formulas_and_seeds():
    I = wb.keras.initializers
    shape = (200, 300)
    gu = I.get("glorot_uniform")(shape).numpy()
    limit = np.sqrt(6 / 500)
    assert np.abs(gu).max() <= limit and np.abs(gu).max() > 0.95 * limit
    hu = I.HeUniform()(shape).numpy()
    assert np.abs(hu).max() <= np.sqrt(6 / 200)
    for cls, std in ((I.GlorotNormal, np.sqrt(2 / 500)), (I.HeNormal, np.sqrt(2 / 200))):
        w = cls()(shape).numpy()
        assert abs(w.std() - std) < 0.03 * std
        assert np.abs(w).max() <= 2 * std / 0.87962566103423978 + 1e-6
    conv = I.GlorotUniform()((3, 3, 16, 32)).numpy()                    # fans count the window
    assert np.abs(conv).max() <= np.sqrt(6 / (9 * 16 + 9 * 32))
    np.testing.assert_array_equal(I.RandomNormal(seed=4)((5,)).numpy(), I.RandomNormal(seed=4)((5,)).numpy())
    tn = I.TruncatedNormal(stddev=1.0)((10000,)).numpy()
    assert np.abs(tn).max() <= 2.0
    ru = I.RandomUniform(-1, 3)((1000,)).numpy()
    assert ru.min() >= -1 and ru.max() < 3
    np.testing.assert_array_equal(I.get("zeros")((2,)).numpy(), [0, 0])
    np.testing.assert_array_equal(I.Constant(3.0)((2,), dtype="float64").numpy(), [3.0, 3.0])
    assert I.get({"class_name": "RandomNormal", "config": {"stddev": 2.0}}).stddev == 2.0
    with pytest.raises(ValueError, match="unknown initializer"):
        I.get("glorot")


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 2, 4)])
def test_orthogonal_initializer(shape):
    w = wb.keras.initializers.Orthogonal(gain=2.0, seed=1)(shape).numpy().reshape(-1, shape[-1])
    small = min(w.shape)
    gram = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
    np.testing.assert_allclose(gram, 4 * np.eye(small), atol=1e-5)


def test_global_seed_makes_model_creation_repeatable():
    def make():
        wb.random.set_seed(11)
        d = L.Dense(3)
        d(wb.ones([1, 2]))
        return d.kernel.numpy()
    np.testing.assert_array_equal(make(), make())


def test_regularizers_follow_keras():
    R = wb.keras.regularizers
    x = wb.constant([1.0, -2.0])
    assert float(R.l1(0.1)(x)) == pytest.approx(0.3)
    assert float(R.l2(0.1)(x)) == pytest.approx(0.5)
    assert float(R.l1_l2()(x)) == pytest.approx(0.01 * 3 + 0.01 * 5)
    assert float(R.L1L2()(x)) == 0.0
    assert isinstance(R.get("l2"), R.L2)
    with pytest.raises(ValueError, match=">= 0"):
        R.L2(-1.0)


# ---------------------------------------------------------------------------
# MultiHeadAttention: padding masks derived from masks and ragged batches


def _mha(rng, q, v):
    mha = L.MultiHeadAttention(num_heads=2, key_dim=3)
    mha(f64(q), f64(v))
    return mha


def test_attention_padding_masks_equal_the_explicit_attention_mask(rng):
    q, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    mha = _mha(rng, q, v)
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    out, scores = mha(f64(q), f64(v), query_mask=wb.constant(q_mask), value_mask=wb.constant(v_mask),
                      return_attention_scores=True)
    explicit = q_mask[:, :, None] & v_mask[:, None, :]
    want, want_scores = mha(f64(q), f64(v), attention_mask=wb.constant(explicit), return_attention_scores=True)
    np.testing.assert_array_equal(out.numpy(), want.numpy())
    np.testing.assert_array_equal(scores.numpy(), want_scores.numpy())
    assert np.all(scores.numpy()[0, :, :2, 3:] == 0)            # padded keys get no attention
    # key_mask joins value_mask; masks combine with a given attention_mask and the causal mask
    k_mask = np.array([[1, 0, 1, 1, 1], [1, 1, 1, 1, 0]], bool)
    extra = rng.uniform(size=(2, 3, 5)) > 0.2
    extra[:, :, 0] = True
    got = mha(f64(q), f64(v), key=f64(v), value_mask=wb.constant(v_mask), key_mask=wb.constant(k_mask),
              attention_mask=wb.constant(extra), use_causal_mask=True, return_attention_scores=True)[1]
    combined = extra & v_mask[:, None, :] & k_mask[:, None, :] & np.tril(np.ones((3, 5), bool))[None]
    ref = mha(f64(q), f64(v), key=f64(v), attention_mask=wb.constant(combined), return_attention_scores=True)[1]
    np.testing.assert_array_equal(got.numpy(), ref.numpy())


def test_functional_models_route_masks_to_named_mask_parameters(rng, monkeypatch):
    import inspect
    ids_q, ids_v = np.array([[1, 2, 0], [3, 0, 0]]), np.array([[4, 0, 1, 2], [1, 1, 1, 0]])
    q_in, v_in = wb.keras.Input((3,), dtype="int32"), wb.keras.Input((4,), dtype="int32")
    emb, mha = L.Embedding(5, 4, mask_zero=True), L.MultiHeadAttention(num_heads=2, key_dim=3)
    model = wb.keras.Model([q_in, v_in], mha(emb(q_in), emb(v_in)))
    q, v = wb.constant(ids_q), wb.constant(ids_v)
    want = mha(emb(q), emb(v), query_mask=wb.constant(ids_q != 0), value_mask=wb.constant(ids_v != 0))
    np.testing.assert_array_equal(model([q, v]).numpy(), want.numpy())
    assert not np.array_equal(want.numpy(), mha(emb(q), emb(v)).numpy())
    # which argument's mask goes to which parameter is worked out once, not at every call
    calls = []
    signature = inspect.signature
    monkeypatch.setattr(inspect, "signature", lambda *a, **k: calls.append(a) or signature(*a, **k))
    np.testing.assert_array_equal(model([q, v]).numpy(), want.numpy())
    assert calls == []


def test_attention_on_ragged_batches_masks_the_padding(rng):
    import ragged
    lengths = [3, 1, 2]
    q = rng.standard_normal((3, 3, 4))
    mask = np.arange(3)[None] < np.array(lengths)[:, None]
    mha = _mha(rng, q, q)
    rq = ragged.RaggedTensor.from_tensor(f64(q), lengths=lengths)
    out = mha(rq, rq)
    assert out.shape == (3, None, 4)
    explicit = mask[:, :, None] & mask[:, None, :]
    want = mha(f64(q * mask[..., None]), f64(q * mask[..., None]), attention_mask=wb.constant(explicit))
    np.testing.assert_allclose(out.flat_values.numpy(), want.numpy()[mask], rtol=1e-12, atol=1e-14)
    # each row alone (no padding at all) gives the same outputs: padding changes nothing
    for i, n in enumerate(lengths):
        alone = mha(f64(q[i:i + 1, :n]), f64(q[i:i + 1, :n]), use_causal_mask=True).numpy()[0]
        causal = mha(rq, rq, use_causal_mask=True).to_list()[i]
        np.testing.assert_allclose(np.asarray(causal), alone, rtol=1e-12, atol=1e-14)
    # a ragged value with a dense query: the output stays dense, keys past each row's end are hidden
    dense_q = f64(rng.standard_normal((3, 2, 4)))
    scores = mha(dense_q, rq, return_attention_scores=True)[1].numpy()
    np.testing.assert_array_equal(scores[1, :, :, 1:], 0)


def test_attention_masks_flow_through_a_functional_model(rng):
    ids = np.array([[3, 1, 0, 0], [2, 4, 5, 0]])
    x = wb.keras.Input((None,), dtype="int64")
    emb = L.Embedding(6, 4, mask_zero=True)
    h = emb(x)
    mha = L.MultiHeadAttention(2, 2)
    y = mha(h, h)
    model = wb.keras.Model(x, y)
    out = model(wb.constant(ids))
    e = emb(wb.constant(ids))
    m = ids != 0
    want = mha(e, e, attention_mask=wb.constant(m[:, :, None] & m[:, None, :]))
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-6, atol=1e-7)
    assert not np.allclose(mha(e, e).numpy(), want.numpy())     # the mask matters here
