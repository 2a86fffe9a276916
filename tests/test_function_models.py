"""wb.function over the training steps researchers write: each replays (no eager fallback)
and equals the eager run bit for bit, variables included."""

import numpy as np
import pytest

import probability as tfp
import ragged
import workbench as wb

pytestmark = pytest.mark.filterwarnings("error::workbench.compiler.UnreplayableWarning")

tfd = tfp.distributions


def _assert_same(a, b):
    fa, fb = wb.nest.flatten(a), wb.nest.flatten(b)
    assert len(fa) == len(fb)
    for x, y in zip(fa, fb):
        x = x.flat_values if hasattr(x, "flat_values") else x
        y = y.flat_values if hasattr(y, "flat_values") else y
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def _run_twins(make, step, batches):
    """Build two identical worlds, run ``step`` eagerly on one and traced on the other."""
    wb.random.set_seed(11)
    world_a = make()
    wb.random.set_seed(11)
    world_b = make()
    traced = wb.function(step)
    wb.random.set_seed(12)
    # random ops without a seed take the op seeds of a function graph (TF's rule): the eager
    # reference runs each step with the seeds and kernels of one
    seeds = wb.random.FunctionSeeds()
    eager = []
    for batch in batches:
        with wb.random.function_graph(lambda: seeds):
            eager.append(step(*world_a, *batch))
    wb.random.set_seed(12)
    replayed = [traced(*world_b, *batch) for batch in batches]
    for e, r in zip(eager, replayed):
        _assert_same(e, r)
    for va, vb in zip(wb.nest.flatten(world_a), wb.nest.flatten(world_b)):
        if hasattr(va, "variables"):
            _assert_same(va.variables, vb.variables)
    assert traced.experimental_get_tracing_count() <= 2
    return traced


def _classifier_step(model, opt, x, y):
    with wb.GradientTape() as tape:
        logits = model(x, training=True)
        loss = wb.keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits)
        if model.losses:
            loss += wb.add_n(model.losses)
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    return loss


def _images(n, seed=0):
    rng = np.random.default_rng(seed)
    return [(wb.constant(rng.standard_normal((4, 8, 8, 1)).astype(np.float32)),
             wb.constant(rng.integers(0, 3, 4))) for _ in range(n)]


def test_conv_pool_batchnorm_dropout_classifier():
    def make():
        model = wb.keras.Sequential([
            wb.keras.layers.Conv2D(4, 3, padding="same", activation="relu",
                                kernel_regularizer=wb.keras.regularizers.l2(1e-3)),
            wb.keras.layers.BatchNormalization(),
            wb.keras.layers.MaxPool2D(2),
            wb.keras.layers.Flatten(),
            wb.keras.layers.Dropout(0.3),
            wb.keras.layers.Dense(3),
        ])
        model(wb.zeros([1, 8, 8, 1]))
        return model, wb.optimizers.AdamW(1e-2, weight_decay=1e-3, global_clipnorm=1.0)

    _run_twins(make, _classifier_step, _images(4))


def test_embedding_lstm_on_ragged_batches_and_metrics():
    def make():
        model = wb.keras.Sequential([wb.keras.layers.Embedding(20, 6), wb.keras.layers.LSTM(5),
                                  wb.keras.layers.Dense(3)])
        model(ragged.constant([[1, 2]]))
        return model, wb.optimizers.RMSprop(1e-2), wb.keras.metrics.SparseCategoricalAccuracy()

    def step(model, opt, metric, tokens, y):
        with wb.GradientTape() as tape:
            logits = model(tokens, training=True)
            loss = wb.reduce_mean(wb.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        metric.update_state(y, logits)
        return loss, metric.result()

    tokens = ragged.constant([[1, 4, 7], [2], [5, 5, 9, 3]])
    rng = np.random.default_rng(4)
    batches = [(tokens, wb.constant(rng.integers(0, 3, 3))) for _ in range(3)]
    _run_twins(make, step, batches)


def test_vae_step_with_reparameterized_normal_and_kl():
    def make():
        enc = wb.keras.layers.Dense(4)
        dec = wb.keras.layers.Dense(6)
        enc(wb.zeros([1, 6]))
        dec(wb.zeros([1, 2]))
        return enc, dec, wb.optimizers.Adam(1e-2)

    def step(enc, dec, opt, x):
        variables = enc.trainable_variables + dec.trainable_variables
        with wb.GradientTape() as tape:
            h = enc(x)
            q = tfd.Normal(loc=h[:, :2], scale=wb.nn.softplus(h[:, 2:]) + 1e-3)
            z = q.sample()
            recon = tfd.Independent(tfd.Bernoulli(logits=dec(z)), 1)
            kl = wb.reduce_sum(tfd.kl_divergence(q, tfd.Normal(0.0, 1.0)), axis=-1)
            loss = -wb.reduce_mean(recon.log_prob(x) - kl)
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    rng = np.random.default_rng(5)
    batches = [(wb.constant((rng.random((5, 6)) > 0.5).astype(np.float32)),) for _ in range(3)]
    _run_twins(make, step, batches)


def test_attention_block_with_layer_norm():
    def make():
        mha = wb.keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)
        norm = wb.keras.layers.LayerNormalization()
        x = wb.zeros([2, 4, 6])
        norm(x + mha(x, x))
        return mha, norm, wb.optimizers.SGD(0.05, momentum=0.9, nesterov=True)

    def step(mha, norm, opt, x):
        variables = mha.trainable_variables + norm.trainable_variables
        with wb.GradientTape() as tape:
            y = norm(x + mha(x, x, use_causal_mask=True))
            loss = wb.reduce_mean(wb.square(y - 0.5))
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    rng = np.random.default_rng(6)
    _run_twins(make, step, [(wb.constant(rng.standard_normal((2, 4, 6)).astype(np.float32)),)
                            for _ in range(3)])


def test_gamma_and_dirichlet_implicit_reparameterization():
    def make():
        return wb.Variable([1.5, 0.7]), wb.Variable([0.4, 1.2, 2.0]), wb.optimizers.SGD(0.01)

    def step(a, c, opt):
        with wb.GradientTape() as tape:
            g = tfd.Gamma(concentration=wb.nn.softplus(a), rate=1.0).sample(4)
            d = tfd.Dirichlet(wb.nn.softplus(c)).sample(2)
            loss = wb.reduce_sum(g) + wb.reduce_sum(d[..., 0] ** 2)
        opt.apply_gradients(zip(tape.gradient(loss, [a, c]), [a, c]))
        return loss

    _run_twins(make, step, [() for _ in range(3)])
