"""wb.keras.random: Keras 3's seed semantics (an int repeats, a SeedGenerator advances, None draws
from the global generator), the samplers' distributions, SeedGenerator in checkpoints and in
wb.function programs, and clear errors."""

import numpy as np
import pytest
from scipy import stats

import workbench as wb
from workbench import keras
from workbench.keras import random as kr


def test_int_seed_repeats_and_generator_advances():
    a = kr.normal((4,), seed=3).numpy()
    np.testing.assert_array_equal(a, kr.normal((4,), seed=3).numpy())
    assert not np.array_equal(a, kr.normal((4,), seed=4).numpy())
    g = kr.SeedGenerator(3)
    first, second = kr.normal((4,), seed=g).numpy(), kr.normal((4,), seed=g).numpy()
    assert not np.array_equal(first, second)
    h = kr.SeedGenerator(3)
    np.testing.assert_array_equal(first, kr.normal((4,), seed=h).numpy())
    np.testing.assert_array_equal(second, kr.normal((4,), seed=h).numpy())
    assert g.state.numpy().tolist() == [3, 2] and not g.state.trainable


def test_none_seed_follows_set_random_seed():
    keras.utils.set_random_seed(5)
    a = [kr.uniform((3,)).numpy() for _ in range(2)]
    keras.utils.set_random_seed(5)
    b = [kr.uniform((3,)).numpy() for _ in range(2)]
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1])
    keras.utils.set_random_seed(5)
    s1 = kr.SeedGenerator().get_config()["seed"]
    keras.utils.set_random_seed(5)
    assert kr.SeedGenerator().get_config()["seed"] == s1


def test_distributions():
    n = 20000
    x = kr.normal((n,), mean=2.0, stddev=3.0, seed=1).numpy()
    assert x.dtype == np.float32 and abs(x.mean() - 2) < 0.1 and abs(x.std() - 3) < 0.1
    u = kr.uniform((n,), minval=-1.0, maxval=3.0, seed=2).numpy()
    assert u.min() >= -1 and u.max() < 3 and stats.kstest(u, stats.uniform(-1, 4).cdf).pvalue > 1e-3
    t = kr.truncated_normal((n,), stddev=2.0, seed=3).numpy()
    assert np.abs(t).max() <= 4.0 and abs(t.std() - 2 * 0.8796) < 0.05
    r = kr.randint((n,), 3, 7, seed=4).numpy()
    assert r.dtype == np.int32 and set(np.unique(r)) == {3, 4, 5, 6}
    c = kr.categorical(np.log([[0.2, 0.8]]), n, seed=5).numpy()
    assert c.shape == (1, n) and c.dtype == np.int32 and abs(c.mean() - 0.8) < 0.02
    gm = kr.gamma((n,), 2.5, seed=6).numpy()
    assert abs(gm.mean() - 2.5) < 0.08
    bt = kr.beta((n,), 2.0, 5.0, seed=7).numpy()
    assert stats.kstest(bt, stats.beta(2, 5).cdf).pvalue > 1e-3
    bn = kr.binomial((n,), 10, 0.3, seed=8).numpy()
    assert bn.dtype == np.float32 and abs(bn.mean() - 3) < 0.08
    assert kr.normal((2,), dtype="float64", seed=1).dtype == np.float64


def test_dropout_and_shuffle():
    x = np.ones((200, 50), np.float32)
    y = kr.dropout(x, 0.3, seed=1).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.7)} and abs((y == 0).mean() - 0.3) < 0.02
    shared = kr.dropout(x, 0.5, noise_shape=(None, 1), seed=2).numpy()
    assert all(len(set(row)) == 1 for row in shared)
    np.testing.assert_array_equal(kr.dropout(x, 0.0, seed=3).numpy(), x)
    v = np.arange(10)
    s = kr.shuffle(v, seed=1).numpy()
    assert sorted(s) == list(v) and not np.array_equal(s, v)
    m = np.arange(12).reshape(3, 4)
    cols = kr.shuffle(m, axis=1, seed=2).numpy()
    assert sorted(cols[0]) == [0, 1, 2, 3] and np.array_equal(cols - cols[:1], np.array([[0] * 4, [4] * 4, [8] * 4]))


def test_seed_generator_in_function_and_checkpoint(tmp_path):
    g = kr.SeedGenerator(11)

    @wb.function
    def draw():
        return kr.normal((3,), seed=g)

    traced = [draw().numpy() for _ in range(3)]
    h = kr.SeedGenerator(11)
    eager = [kr.normal((3,), seed=h).numpy() for _ in range(3)]
    for a, b in zip(traced, eager):
        np.testing.assert_array_equal(a, b)

    class Noisy(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.seed_generator = kr.SeedGenerator(1337)

        def call(self, x):
            return kr.dropout(x, 0.5, seed=self.seed_generator)

    layer = Noisy()
    layer(np.ones((2, 2), np.float32))
    assert any(v is layer.seed_generator.state for v in layer.non_trainable_variables)
    ckpt = wb.Checkpoint(layer=layer)
    path = ckpt.save(str(tmp_path / "ck"))
    after = layer(np.ones((4, 4), np.float32)).numpy()
    ckpt.restore(path)
    np.testing.assert_array_equal(layer(np.ones((4, 4), np.float32)).numpy(), after)


def test_bad_arguments():
    with pytest.raises(ValueError, match="seed must be an integer, a keras.random.SeedGenerator or None"):
        kr.normal((2,), seed="abc")
    with pytest.raises(ValueError, match="SeedGenerator: seed must be an integer or None"):
        kr.SeedGenerator(1.5)
    with pytest.raises(ValueError, match="uniform: dtype must be a floating dtype"):
        kr.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="randint: dtype must be an integer dtype"):
        kr.randint((2,), 0, 3, dtype="float32")
    with pytest.raises(ValueError, match=r"dropout: rate must be in \[0, 1\)"):
        kr.dropout(np.ones(3), 1.0)
    with pytest.raises(ValueError, match="dropout: noise_shape must have one entry per input dimension"):
        kr.dropout(np.ones((2, 2)), 0.5, noise_shape=(2,))
    with pytest.raises(ValueError, match="categorical: logits must have shape"):
        kr.categorical([0.0, 1.0], 2)
