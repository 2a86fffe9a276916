"""wb.random: determinism, shapes and dtypes, distributions (statistical tests with fixed
seeds), TF's seed rules, and the gamma samples' implicit gradient."""

import types
import warnings

import numpy as np
import pytest
from scipy import special, stats

import workbench as wb
from gradients import ForwardAccumulator, GradientTape, check_gradients
from workbench.ops import sampling
from workbench.compiler import UnreplayableWarning

from tests.conftest import ON_GPU

R = wb.random
P_MIN = 1e-3  # fixed seeds: a correct sampler fails a test with this p-value threshold rarely


def np_(t):
    return t.numpy()


# ---------------------------------------------------------------------------
# determinism


STATELESS = {
    "normal": lambda seed: R.stateless_normal([50], seed),
    "truncated_normal": lambda seed: R.stateless_truncated_normal([50], seed),
    "uniform": lambda seed: R.stateless_uniform([50], seed),
    "uniform int": lambda seed: R.stateless_uniform([50], seed, minval=0, maxval=1000, dtype=wb.int32),
    "gamma": lambda seed: R.stateless_gamma([50], seed, alpha=2.0),
    "poisson": lambda seed: R.stateless_poisson([50], seed, lam=20.0),
    "binomial": lambda seed: R.stateless_binomial([50], seed, counts=100.0, probs=0.5),
    "categorical": lambda seed: R.stateless_categorical(wb.zeros([2, 10]), 50, seed),
}


@pytest.mark.parametrize("name", sorted(STATELESS))
def test_stateless_same_seed_same_numbers_different_seed_different(name):
    fn = STATELESS[name]
    a, b = np_(fn([1, 2])), np_(fn(wb.constant([1, 2])))
    np.testing.assert_array_equal(a, b)
    for other in ([2, 1], [1, 3], [0, 2]):
        assert not np.array_equal(a, np_(fn(other))), other


def test_stateless_accepts_int64_seeds_and_large_values():
    a = R.stateless_normal([4], np.array([2**40, -5], np.int64))
    b = R.stateless_normal([4], wb.constant(np.array([2**40, -5], np.int64)))
    np.testing.assert_array_equal(np_(a), np_(b))


def test_stateless_normal_is_not_a_generator_stream():
    # the stateless stream for seed (k, 0) is kept apart from Generator.from_seed(k)'s first call
    g = R.Generator.from_seed(5)
    assert not np.array_equal(np_(g.normal([8])), np_(R.stateless_normal([8], [5, 0])))


def test_generator_from_seed_replays_and_advances():
    g1, g2 = R.Generator.from_seed(1234), R.Generator.from_seed(1234)
    a1, a2 = np_(g1.normal([3, 4])), np_(g1.normal([3, 4]))
    assert not np.array_equal(a1, a2)
    np.testing.assert_array_equal(a1, np_(g2.normal([3, 4])))
    np.testing.assert_array_equal(a2, np_(g2.normal([3, 4])))
    assert np_(g1.state).tolist() == [1234 + 2 * 12 * 256, 0, 0]   # TF 2.21: 256 counter steps per value
    assert not np.array_equal(a1, np_(R.Generator.from_seed(1235).normal([3, 4])))


def test_generator_reset_from_seed_skip_and_copy():
    g = R.Generator.from_seed(7)
    first = np_(g.uniform([5]))
    second = np_(g.uniform([5]))
    g.reset_from_seed(7)
    np.testing.assert_array_equal(np_(g.uniform([5])), first)
    copy = R.Generator(copy_from=g)
    np.testing.assert_array_equal(np_(copy.uniform([5])), second)
    g.reset_from_seed(7)
    g.skip(5)   # as drawing 5 values (TF 2.21's rng_skip)
    np.testing.assert_array_equal(np_(g.uniform([5])), second)


def test_generator_state_variable_can_be_assigned():
    g = R.Generator.from_seed(3)
    saved = np_(g.state).copy()
    a = np_(g.normal([4]))
    g.state.assign(saved)
    np.testing.assert_array_equal(np_(g.normal([4])), a)
    g.reset(saved)
    np.testing.assert_array_equal(np_(g.normal([4])), a)


def test_generator_counter_carries_into_high_word():
    g = R.Generator.from_key_counter(key=9, counter=[2**64 - 1, 0])
    g.normal([1])
    assert np_(g.state).tolist() == [255, 1, 9]   # TF 2.21's state


def test_generator_split_gives_independent_generators():
    g = R.Generator.from_seed(11)
    children = g.split(3)
    assert len(children) == 3 and all(isinstance(c, R.Generator) for c in children)
    draws = [np_(c.normal([20])) for c in children] + [np_(g.normal([20]))]
    for i in range(len(draws)):
        for j in range(i):
            assert not np.array_equal(draws[i], draws[j])
    # split is reproducible
    again = R.Generator.from_seed(11).split(3)
    np.testing.assert_array_equal(np_(again[1].normal([20])), draws[1])


def test_make_seeds_feed_stateless_functions():
    g = R.Generator.from_seed(0)
    seeds = g.make_seeds(4)
    assert seeds.shape == (2, 4) and seeds.dtype == np.int64
    a = R.stateless_normal([3], seeds[:, 0])
    b = R.stateless_normal([3], seeds[:, 1])
    assert not np.array_equal(np_(a), np_(b))
    np.testing.assert_array_equal(np_(R.Generator.from_seed(0).make_seeds(4)), np_(seeds))


def test_non_deterministic_generators_differ():
    a = R.Generator.from_non_deterministic_state().normal([10])
    b = R.Generator.from_non_deterministic_state().normal([10])
    assert not np.array_equal(np_(a), np_(b))


def test_algorithms():
    assert R.Generator.from_seed(1, alg="philox").algorithm is R.Algorithm.PHILOX
    assert R.Generator.from_seed(1, alg=R.Algorithm.AUTO_SELECT).algorithm is R.Algorithm.PHILOX
    with pytest.raises(ValueError, match="threefry|THREEFRY"):
        R.Generator.from_seed(1, alg="threefry")


def test_set_seed_makes_module_functions_reproducible():
    R.set_seed(42)
    a = [np_(R.normal([3])), np_(R.uniform([3])), np_(R.categorical(wb.zeros([1, 5]), 4))]
    R.set_seed(42)
    b = [np_(R.normal([3])), np_(R.uniform([3])), np_(R.categorical(wb.zeros([1, 5]), 4))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    R.set_seed(43)
    assert not np.array_equal(np_(R.normal([3])), a[0])


def test_op_seed_sequences_follow_tf():
    # TF 2 eager: with a global and an op seed, repeated calls differ, and the
    # sequence restarts at the next set_seed
    R.set_seed(1234)
    a1, a2 = np_(R.uniform([2], seed=1)), np_(R.uniform([2], seed=1))
    b1 = np_(R.uniform([2], seed=2))
    assert not np.array_equal(a1, a2) and not np.array_equal(a1, b1)
    R.set_seed(1234)
    np.testing.assert_array_equal(np_(R.uniform([2], seed=1)), a1)
    np.testing.assert_array_equal(np_(R.uniform([2], seed=1)), a2)


def test_global_generator_get_and_set():
    R.set_seed(None)   # with no global seed, module functions without a seed draw from it
    g = R.Generator.from_seed(5)
    R.set_global_generator(g)
    assert R.get_global_generator() is g
    a = np_(R.normal([4]))
    np.testing.assert_array_equal(a, np_(R.Generator.from_seed(5).normal([4])))
    with pytest.raises(TypeError, match="Generator"):
        R.set_global_generator(5)


def test_set_seed_leaves_a_user_generator_alone():
    g = R.Generator.from_seed(1)
    R.set_global_generator(g)
    before = g.state.numpy()
    R.set_seed(2)
    np.testing.assert_array_equal(g.state.numpy(), before)
    assert R.get_global_generator() is not g
    np.testing.assert_array_equal(np_(R.get_global_generator().normal([4])),
                                  np_(R.Generator.from_seed(2).normal([4])))


def test_set_seed_reaches_functions_traced_before_it():
    # a program holds the generators it drew from: set_seed restarts the module's own in place
    R.set_seed(5)
    f = wb.function(lambda: (R.normal([3]), R.uniform([3], seed=4)))
    first = [np_(t) for t in f()]
    f()
    R.set_seed(5)
    for a, b in zip(first, f()):
        np.testing.assert_array_equal(np_(b), a)


def test_set_seed_copies_on_write_a_held_state():
    R.set_seed(1)
    gen = R.get_global_generator()
    held = gen.state._data
    before = held.copy()
    gen.state._captures += 1  # a trace or tape holds the current buffer
    try:
        R.set_seed(2)
    finally:
        gen.state._captures -= 1
    np.testing.assert_array_equal(held, before)
    assert R.get_global_generator() is gen
    np.testing.assert_array_equal(gen.state.numpy(), R.Generator.from_seed(2).state.numpy())


# ---------------------------------------------------------------------------
# shapes and dtypes


@pytest.mark.parametrize("dtype", [wb.float16, wb.float32, wb.float64])
def test_float_dtypes_and_shapes(dtype):
    g = R.Generator.from_seed(0)
    for t in (g.normal([2, 3], dtype=dtype), g.uniform([2, 3], dtype=dtype),
              g.truncated_normal([2, 3], dtype=dtype), g.gamma([2, 3], 1.5, dtype=dtype),
              R.stateless_normal([2, 3], [1, 1], dtype=dtype),
              R.stateless_uniform([2, 3], [1, 1], dtype=dtype),
              R.stateless_truncated_normal([2, 3], [1, 1], dtype=dtype),
              R.stateless_gamma([2, 3], [1, 1], 2.0, dtype=dtype),
              R.stateless_poisson([2, 3], [1, 1], 3.0, dtype=dtype),
              R.stateless_binomial([2, 3], [1, 1], 5.0, 0.5, output_dtype=dtype)):
        assert t.shape == (2, 3) and t.dtype == dtype
        assert t.device == wb.default_device()


def test_integer_dtypes_and_defaults():
    g = R.Generator.from_seed(0)
    assert g.uniform([4], maxval=5, dtype=wb.int64).dtype == np.int64
    assert g.binomial([4], 3.0, 0.5).dtype == np.int32
    assert g.poisson([4], 3.0).dtype == np.int32
    assert R.poisson([4], 3.0).dtype == np.float32          # tf.random.poisson: float32
    assert R.stateless_poisson([4], [1, 2], 3.0).dtype == np.int32
    assert R.stateless_categorical(wb.zeros([2, 3]), 4, [1, 2]).dtype == np.int64
    assert R.categorical(wb.zeros([2, 3]), 4, dtype=wb.int32).dtype == np.int32
    assert g.uniform_full_int([3]).dtype == np.uint64


def test_module_gamma_and_poisson_prepend_shape():
    assert R.gamma([5], alpha=[1.0, 2.0], beta=[[1.0], [2.0]]).shape == (5, 2, 2)
    assert R.poisson([3, 4], lam=[1.0, 2.0]).shape == (3, 4, 2)
    assert R.stateless_gamma([7, 5, 2], [1, 2], alpha=[0.5, 1.5]).shape == (7, 5, 2)


def test_empty_shapes():
    assert R.stateless_normal([0, 3], [1, 2]).shape == (0, 3)
    assert R.Generator.from_seed(0).uniform([], dtype=wb.float64).shape == ()


def test_full_range_integers():
    x = np_(R.stateless_uniform([20000], [3, 4], minval=None, maxval=None, dtype=wb.int32))
    assert x.dtype == np.int32 and x.min() < -2**30 and x.max() > 2**30
    u = np_(R.stateless_uniform([20000], [3, 4], minval=None, maxval=None, dtype=wb.uint64))
    assert u.max() > 2**63


def test_errors_are_clear():
    g = R.Generator.from_seed(0)
    with pytest.raises(ValueError, match="maxval"):
        g.uniform([3], dtype=wb.int32)
    with pytest.raises(ValueError, match="maxval"):
        R.stateless_uniform([3], [1, 2], minval=5, maxval=5, dtype=wb.int32)
    with pytest.raises(ValueError, match=r"seed must have shape \[2\]"):
        R.stateless_normal([3], [1, 2, 3])
    with pytest.raises(TypeError, match="seed must be an integer"):
        R.stateless_normal([3], [1.0, 2.0])
    with pytest.raises(TypeError, match="dtype"):
        g.normal([3], dtype=wb.int32)
    with pytest.raises(ValueError, match="non-negative"):
        g.normal([-1, 2])
    with pytest.raises(ValueError, match="alpha must be positive"):
        R.stateless_gamma([3], [1, 2], alpha=[1.0, 0.0, 2.0])
    with pytest.raises(ValueError, match="alpha of shape"):
        R.stateless_gamma([3, 2], [1, 2], alpha=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="probs"):
        R.stateless_binomial([3], [1, 2], counts=3.0, probs=1.5)
    with pytest.raises(ValueError, match="counts"):
        R.stateless_binomial([3], [1, 2], counts=2.5, probs=0.5)
    with pytest.raises(ValueError, match="lam"):
        R.stateless_poisson([3], [1, 2], lam=-1.0)
    with pytest.raises(ValueError, match="logits must have shape"):
        R.stateless_categorical(wb.zeros([3]), 2, [1, 2])
    with pytest.raises(TypeError, match="mean has dtype float64"):
        g.normal([2], mean=wb.constant(np.zeros(2)))
    with pytest.raises(ValueError, match="scalar"):
        R.shuffle(wb.constant(1.0))


# ---------------------------------------------------------------------------
# distributions (fixed seeds)

N = 20000


def _mean_within(x, mean, sd, k=4.0):
    se = sd / np.sqrt(x.size)
    assert abs(x.mean() - mean) < k * se, (x.mean(), mean, se)


def test_normal_distribution():
    x = np_(R.stateless_normal([N], [10, 20], mean=1.5, stddev=2.0, dtype=wb.float64))
    assert stats.kstest(x, stats.norm(1.5, 2.0).cdf).pvalue > P_MIN
    y = np_(R.Generator.from_seed(3).normal([N], dtype=wb.float64))
    assert stats.kstest(y, "norm").pvalue > P_MIN
    _mean_within(y, 0.0, 1.0)


@pytest.mark.parametrize("shape", [(2047,), (2048,), (3001,), (40, 2501)])
def test_float32_normals_on_both_sides_of_the_box_muller_size(shape):
    # from 2048 values on the CPU draws float32 normals by Box-Muller, below by the ziggurat
    x = np_(R.stateless_normal(shape, [11, 12], dtype=wb.float32))
    assert x.shape == shape and x.dtype == np.float32 and np.all(np.isfinite(x))
    flat = x.ravel().astype(np.float64)
    assert stats.kstest(flat, "norm").pvalue > P_MIN
    _mean_within(flat, 0.0, 1.0)
    # both halves of each pair (cos and sin), and the even and odd positions, are standard normal
    for part in (flat[: flat.size // 2], flat[flat.size // 2:], flat[::2], flat[1::2]):
        assert stats.kstest(part, "norm").pvalue > P_MIN
    assert abs(np.corrcoef(flat[: flat.size // 2 - 1], flat[1: flat.size // 2])[0, 1]) < 4 / np.sqrt(flat.size / 2)
    np.testing.assert_array_equal(x, np_(R.stateless_normal(shape, [11, 12], dtype=wb.float32)))


def test_box_muller_normals_have_normal_tails_and_moments():
    x = np_(R.Generator.from_seed(21).normal([2_000_000])).astype(np.float64)
    assert stats.kstest(x, "norm").pvalue > P_MIN
    _mean_within(x, 0.0, 1.0)
    assert abs(x.std() - 1.0) < 4 * np.sqrt(0.5 / x.size)
    assert abs(stats.kurtosis(x)) < 4 * np.sqrt(24 / x.size)
    for k in (2.0, 3.0, 4.0):  # tail mass beyond k standard deviations
        p = 2 * stats.norm.sf(k)
        assert abs(np.mean(np.abs(x) > k) - p) < 5 * np.sqrt(p * (1 - p) / x.size)
    if not ON_GPU:  # the CPU's Box-Muller radius tops out at sqrt(-2 log 2**-32)
        assert np.abs(x).max() <= 6.67


class _FakeCupyRandomState:
    """The calls a GPU stream makes on ``cupy.random.RandomState`` (NumPy underneath);
    like it, without a ``bit_generator``."""

    def __init__(self, seed, method=None):
        self._rng = np.random.default_rng(seed)

    def standard_normal(self, size=None, dtype=float):
        return self._rng.standard_normal(size, dtype=dtype)


def test_gpu_stream_draws_large_float32_normals_from_cupy():
    fake_cp = types.SimpleNamespace(
        random=types.SimpleNamespace(RandomState=_FakeCupyRandomState),
        cuda=types.SimpleNamespace(curand=types.SimpleNamespace(CURAND_RNG_PSEUDO_PHILOX4_32_10=0)))
    st = sampling.stream((1, 2), (0, 0, 0, 0), fake_cp)
    for n in (10, 2 * sampling._BOX_MULLER_MIN):
        z = st.normal((n,), np.float32)
        assert z.shape == (n,) and z.dtype == np.float32


def test_normal_with_tensor_parameters_broadcasts():
    mean = wb.constant([[-10.0], [10.0]])
    x = np_(R.stateless_normal([2, 5000], [1, 5], mean=mean, stddev=wb.constant([0.5] * 5000)))
    _mean_within(x[0], -10.0, 0.5)
    _mean_within(x[1], 10.0, 0.5)


def test_uniform_distribution():
    x = np_(R.stateless_uniform([N], [4, 4], minval=-2.0, maxval=3.0, dtype=wb.float64))
    assert x.min() >= -2.0 and x.max() < 3.0
    assert stats.kstest(x, stats.uniform(-2.0, 5.0).cdf).pvalue > P_MIN
    y = np_(R.Generator.from_seed(4).uniform([N]))
    assert y.min() >= 0.0 and y.max() < 1.0
    assert stats.kstest(y, "uniform").pvalue > P_MIN


def test_uniform_integers_cover_the_range_evenly():
    x = np_(R.Generator.from_seed(8).uniform([N], minval=-3, maxval=7, dtype=wb.int32))
    assert x.min() == -3 and x.max() == 6
    counts = np.bincount(x + 3, minlength=10)
    assert stats.chisquare(counts).pvalue > P_MIN


@pytest.mark.parametrize("sampler", ["stateless", "generator"])
def test_truncated_normal_bounds_and_distribution(sampler):
    if sampler == "stateless":
        x = np_(R.stateless_truncated_normal([N], [5, 6], mean=3.0, stddev=0.5, dtype=wb.float64))
    else:
        x = np_(R.Generator.from_seed(9).truncated_normal([N], mean=3.0, stddev=0.5, dtype=wb.float64))
    assert x.min() >= 2.0 and x.max() <= 4.0
    assert stats.kstest(x, stats.truncnorm(-2, 2, loc=3.0, scale=0.5).cdf).pvalue > P_MIN


@pytest.mark.parametrize("alpha", [0.05, 0.4, 1.0, 3.5, 200.0])
def test_gamma_distribution(alpha):
    x = np_(R.stateless_gamma([N], [7, int(alpha * 100)], alpha=alpha, beta=2.0, dtype=wb.float64))
    assert np.all(x >= 0) and np.all(np.isfinite(x))
    assert stats.kstest(x, stats.gamma(alpha, scale=0.5).cdf).pvalue > P_MIN
    _mean_within(x, alpha / 2.0, np.sqrt(alpha) / 2.0)


def test_gamma_broadcasts_parameters_per_column():
    alpha = np.array([0.5, 2.0, 9.0])
    x = np_(R.Generator.from_seed(12).gamma([N, 3], alpha, dtype=wb.float64))
    for j, a in enumerate(alpha):
        assert stats.kstest(x[:, j], stats.gamma(a).cdf).pvalue > P_MIN


@pytest.mark.parametrize("lam", [0.5, 4.0, 60.0])
def test_poisson_distribution(lam):
    x = np_(R.stateless_poisson([N], [3, int(lam * 10)], lam=lam))
    _mean_within(x, lam, np.sqrt(lam))
    assert abs(x.var() / lam - 1) < 0.06
    k = np.arange(0, int(lam + 6 * np.sqrt(lam) + 5))
    observed = np.array([(x == v).sum() for v in k])
    expected = stats.poisson(lam).pmf(k) * N
    keep = expected > 5
    observed, expected = observed[keep], expected[keep]
    expected *= observed.sum() / expected.sum()
    assert stats.chisquare(observed, expected).pvalue > P_MIN


def test_poisson_zero_rate_gives_zero():
    assert np.all(np_(R.stateless_poisson([10], [1, 1], lam=0.0)) == 0)


def test_binomial_distribution():
    counts = np.array([[10.0], [50.0]])  # broadcasts over the last two dims of shape
    probs = np.array([0.2, 0.9])
    x = np_(R.Generator.from_seed(13).binomial([N // 4, 2, 2], counts, probs))
    assert x.shape == (N // 4, 2, 2) and x.dtype == np.int32
    for i, n in enumerate(counts[:, 0]):
        for j, p in enumerate(probs):
            _mean_within(x[:, i, j], n * p, np.sqrt(n * p * (1 - p)))
            assert x[:, i, j].min() >= 0 and x[:, i, j].max() <= n
    y = np_(R.stateless_binomial([N], [2, 9], counts=20.0, probs=0.3))
    k = np.arange(21)
    observed = np.bincount(y, minlength=21)
    expected = stats.binom(20, 0.3).pmf(k) * N
    keep = expected > 5
    assert stats.chisquare(observed[keep], expected[keep] * observed[keep].sum() / expected[keep].sum()).pvalue > P_MIN


def test_categorical_distribution():
    with np.errstate(divide="ignore"):
        logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]))
    x = np_(R.stateless_categorical(wb.constant(logits, dtype=wb.float32), N, [21, 22]))
    assert x.shape == (2, N)
    c0 = np.bincount(x[0], minlength=3)
    assert stats.chisquare(c0, np.array([0.1, 0.2, 0.7]) * N).pvalue > P_MIN
    c1 = np.bincount(x[1], minlength=3)
    assert c1[2] == 0  # a class of probability 0 (logit -inf) is never drawn
    assert stats.chisquare(c1[:2], [N / 2, N / 2]).pvalue > P_MIN


def test_shuffle_permutes_the_first_dimension():
    x = np.arange(12.0).reshape(6, 2)
    R.set_seed(3)
    y = np_(R.shuffle(wb.constant(x)))
    assert sorted(y[:, 0].tolist()) == x[:, 0].tolist()
    np.testing.assert_array_equal(y[:, 1], y[:, 0] + 1)  # rows move whole
    R.set_seed(3)
    np.testing.assert_array_equal(np_(R.shuffle(wb.constant(x))), y)


def test_shuffle_passes_gradients_to_the_value():
    x = wb.constant(np.arange(4.0))
    with GradientTape() as tape:
        tape.watch(x)
        y = R.shuffle(x, seed=5)
        loss = wb.reduce_sum(y * wb.constant(np.arange(4.0)))
    g = np_(tape.gradient(loss, x))
    # the gradient is the weights permuted back
    np.testing.assert_array_equal(g[np_(y).astype(int)], np.arange(4.0))


# ---------------------------------------------------------------------------
# wb.function


REPLAYED = {
    "normal": (lambda: R.normal([4], mean=1.0, stddev=2.0), (4,)),
    "truncated_normal": (lambda: R.truncated_normal([4], mean=np.float32(1.0), stddev=0.5), (4,)),
    "uniform": (lambda: R.uniform([4], minval=-1.0, maxval=1.0), (4,)),
    "poisson": (lambda: R.poisson([3], lam=[1.0, 2.0]), (3, 2)),
    "gamma": (lambda: R.gamma([3], alpha=2.0, beta=[1.0, 3.0]), (3, 2)),
    "binomial": (lambda: R.get_global_generator().binomial([3, 2], counts=10.0, probs=[0.2, 0.7]), (3, 2)),
    "stateless_normal": (lambda: R.stateless_normal([2, 3], [1, 2], mean=[1.0, 2.0, 3.0]), (2, 3)),
}


@pytest.mark.parametrize("name", sorted(REPLAYED))
def test_python_parameters_are_constants_to_a_traced_function(name):
    fn, shape = REPLAYED[name]
    f = wb.function(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        draws = [np_(f()) for _ in range(3)]
    assert not f.get_concrete_function().eager
    assert all(d.shape == shape for d in draws)
    if not name.startswith("stateless"):
        assert not np.array_equal(draws[1], draws[2])


# ---------------------------------------------------------------------------
# gradients


def test_samples_are_constants_but_parameters_get_gradients():
    mean = wb.Variable(1.0)
    stddev = wb.Variable(2.0)
    with GradientTape() as tape:
        x = R.stateless_normal([5], [1, 2], mean=mean, stddev=stddev)
        loss = wb.reduce_sum(x)
    gm, gs = tape.gradient(loss, [mean, stddev])
    z = np_(R.stateless_normal([5], [1, 2]))
    np.testing.assert_allclose(np_(gm), 5.0)
    np.testing.assert_allclose(np_(gs), z.sum(), rtol=1e-5)
    # the sample itself is a constant: nothing else reaches the tape
    with GradientTape() as tape:
        tape.watch(mean)
        y = R.stateless_uniform([3], [1, 2]) * 2.0
    with pytest.warns(Warning, match="not connected"):
        assert tape.gradient(y, mean) is None


def _gamma64(alpha, seed=(3, 4), shape=(2000,)):
    return R.stateless_gamma(list(shape), list(seed), alpha=alpha, dtype=wb.float64)


@pytest.mark.parametrize("a", [0.08, 0.7, 2.5, 40.0])
def test_gamma_gradient_is_the_implicit_gradient_at_every_concentration(a):
    # TF's rejection sampler's draw is not a smooth function of alpha; its gradient is
    # -(dF/dalpha) / f at the sample (F, f the gamma CDF and density), dF/dalpha by a central
    # difference of scipy's gammainc
    alpha = wb.constant(a, dtype=wb.float64)
    with GradientTape() as tape:
        tape.watch(alpha)
        x = _gamma64(alpha)
        loss = wb.reduce_sum(x * x)
    g = float(np_(tape.gradient(loss, alpha)))
    xs = np_(x)
    h = 1e-6 * a
    dF = (special.gammainc(a + h, xs) - special.gammainc(a - h, xs)) / (2 * h)
    dx = -dF / stats.gamma(a).pdf(xs)
    np.testing.assert_allclose(g, np.sum(2 * xs * dx), rtol=1e-5)


def test_gamma_gradient_is_the_implicit_reparameterization():
    # d x / d alpha = -(dF/dalpha) / pdf(x), with dF/dalpha by a fine difference of scipy's gammainc
    a = 1.7
    alpha = wb.constant(np.full(50, a))
    with GradientTape() as tape:
        tape.watch(alpha)
        x = R.stateless_gamma([50], [8, 9], alpha=alpha, dtype=wb.float64)
    g = np_(tape.gradient(x, alpha))
    xs = np_(x)
    h = 1e-6
    dF = (special.gammainc(a + h, xs) - special.gammainc(a - h, xs)) / (2 * h)
    np.testing.assert_allclose(g, -dF / stats.gamma(a).pdf(xs), rtol=1e-4, atol=1e-8)


def test_gamma_gradients_in_both_modes_and_through_beta():
    a = np.array([0.6, 3.0])
    beta = wb.constant(np.array([[2.0], [0.5], [1.0]]))
    # the sample is exactly standard_sample / beta: finite differences in beta check its gradient
    check_gradients(lambda b: R.stateless_gamma([3, 2], [1, 7], alpha=wb.constant(a), beta=b, dtype=wb.float64),
                    [beta], order=1)
    # in alpha: the implicit gradient (over beta), the same in reverse and forward mode
    alpha = wb.constant(a)
    with GradientTape() as tape:
        tape.watch(alpha)
        x = R.stateless_gamma([3, 2], [1, 7], alpha=alpha, beta=beta, dtype=wb.float64)
    jac = np_(tape.jacobian(x, alpha))
    with ForwardAccumulator(alpha, wb.constant(np.ones(2))) as acc:
        y = R.stateless_gamma([3, 2], [1, 7], alpha=alpha, beta=beta, dtype=wb.float64)
    s = np_(x) * np_(beta)
    h = 1e-6
    dF = (special.gammainc(a + h, s) - special.gammainc(a - h, s)) / (2 * h)
    want = -dF / stats.gamma(a).pdf(s) / np_(beta)
    np.testing.assert_allclose(np.einsum("ijj->ij", jac), want, rtol=1e-5)
    np.testing.assert_allclose(np_(acc.jvp(y)), want, rtol=1e-5)


def test_gamma_forward_mode():
    alpha = wb.constant(np.array([1.3]))
    with ForwardAccumulator(alpha, wb.constant(np.array([1.0]))) as acc:
        x = R.stateless_gamma([4, 1], [2, 2], alpha=alpha, dtype=wb.float64)
    with GradientTape() as tape:
        tape.watch(alpha)
        y = R.stateless_gamma([4, 1], [2, 2], alpha=alpha, dtype=wb.float64)
    jac = np_(tape.jacobian(y, alpha)).reshape(4)
    np.testing.assert_allclose(np_(acc.jvp(x)).reshape(4), jac, rtol=1e-12)


def test_gamma_gradient_float32_and_generator():
    alpha = wb.Variable([0.5, 5.0])
    g = R.Generator.from_seed(1)
    with GradientTape() as tape:
        x = g.gamma([1000, 2], alpha)
        m = wb.reduce_mean(x, axis=0)
    grad = np_(tape.gradient(m, alpha))
    assert grad.dtype == np.float32
    # E[x] = alpha, so the expected gradient of the sample mean is 1
    np.testing.assert_allclose(grad, [1.0, 1.0], atol=0.15)


def test_gamma_second_derivative_says_it_is_not_implemented():
    alpha = wb.constant(np.array([1.5]))
    with GradientTape() as outer:
        outer.watch(alpha)
        with GradientTape() as inner:
            inner.watch(alpha)
            x = R.stateless_gamma([3, 1], [1, 1], alpha=alpha, dtype=wb.float64)
        g = inner.gradient(x, alpha)
    with pytest.raises(NotImplementedError, match="second derivatives"):
        outer.gradient(g, alpha)


def test_categorical_in_blocks_keeps_the_distribution(monkeypatch):
    # large class counts draw the Gumbel noise a block of samples at a time
    from workbench.ops import sampling
    monkeypatch.setattr(sampling, "_MAX_NOISE", 64)
    probs = np.array([0.5, 0.3, 0.2])
    x = np_(R.Generator.from_seed(2).categorical(wb.constant(np.log(probs)[None]), 6000))
    assert x.shape == (1, 6000)
    assert stats.chisquare(np.bincount(x[0], minlength=3), probs * 6000).pvalue > P_MIN


# -- TF's Philox stream: values and states pinned from TF 2.21 running the same calls --------


def test_generator_gives_tfs_numbers_and_states():
    g = R.Generator.from_seed(1)
    assert np_(g.state).tolist() == [1, 0, 0]
    np.testing.assert_array_equal(np_(g.normal([2, 3])), np.array(
        [[0.43842274, -0.53439844, -0.07710262], [1.5658046, -0.1012345, -0.2744976]], np.float32))
    assert np_(g.state).tolist() == [1 + 6 * 256, 0, 0]
    g = R.Generator.from_seed(1)
    assert [np_(c.state).tolist() for c in g.split(3)] == [
        [0, 0, 6679402142117448868], [0, 0, 684265014234019051], [0, 0, 5892734326067077929]]
    assert np_(g.state).tolist() == [769, 0, 0]
    assert np_(R.Generator.from_seed(1).make_seeds(2)).tolist() == [
        [6679402142117448868, 684265014234019051], [0, 0]]
    assert np_(R.Generator.from_seed(1).uniform_full_int([3], wb.uint32)).tolist() == [
        4175744164, 1555169499, 2980410603]
    np.testing.assert_array_equal(np_(R.Generator.from_seed(5).normal([3], dtype=wb.float64)),
                                  [0.2918555608356615, -1.0777684116588069, 0.27006875507966066])
    assert np_(R.Generator.from_seed(1).uniform([3], minval=-4, maxval=9, dtype=wb.int32)).tolist() == [3, -4, -3]
    assert np_(R.Generator.from_seed(-1).state).tolist() == [-1, -1, -1]
    assert np_(R.Generator.from_seed([7]).state).tolist() == [0, 0, 7]


def test_stateless_functions_give_tfs_numbers():
    np.testing.assert_array_equal(np_(R.stateless_normal([2, 3], seed=[1, 2])), np.array(
        [[0.5441101, 0.20738031, 0.07356432], [0.04643455, -1.3015898, -0.9538565]], np.float32))
    np.testing.assert_array_equal(np_(R.stateless_uniform([3], seed=[1, 2])),
                                  np.array([0.8440604, 0.19204533, 0.9962232], np.float32))
    np.testing.assert_array_equal(np_(R.stateless_normal([3], seed=[1, 2], mean=2.0, stddev=3.0)),
                                  np.array([3.6323304, 2.6221409, 2.2206929], np.float32))
    assert np_(R.stateless_uniform([4], seed=[3, 4], minval=0, maxval=10, dtype=wb.int64)).tolist() == [5, 6, 1, 4]


def test_tf_philox_matches_the_published_test_vectors():
    # Salmon et al. (2011), Random123's kat_vectors for philox4x32_10
    out = R.philox_blocks(np, 0, 0, 1)[0].tolist()
    assert out == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]
    counter = 0x243F6A88 | 0x85A308D3 << 32 | 0x13198A2E << 64 | 0x03707344 << 96
    out = R.philox_blocks(np, counter, 0xA4093822 | 0x299F31D0 << 32, 1)[0].tolist()
    assert out == [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]


def test_a_long_draw_is_the_short_draws_laid_end_to_end():
    # counter-based: the blocks of one long draw are those of consecutive short ones
    long = R.philox_blocks(np, 2**64 - 3, 12345, 70000)
    parts = np.concatenate([R.philox_blocks(np, 2**64 - 3 + 7000 * i, 12345, 7000) for i in range(10)])
    np.testing.assert_array_equal(long, parts)


def test_truncated_normal_gives_tfs_numbers():
    # TF 2.21's TruncatedNormalDistribution: each group of 4 (float32) or 2 (float64) values reads
    # its own stretch of the stream and keeps the Box-Muller values under 2 in absolute value
    np.testing.assert_array_equal(np_(R.stateless_truncated_normal([5], seed=[1, 2])), np.array(
        [0.5441101, 0.20738031, 0.07356432, 0.04643455, 0.16820592], np.float32))
    g = R.Generator.from_seed(9)
    first = np_(g.truncated_normal([5, 7], mean=1.0, stddev=2.0))
    assert first.shape == (5, 7) and np.all(np.abs(first - 1.0) < 4.0)
    assert np_(g.state).tolist() == [9 + 35 * 256, 0, 0]
    wide = np_(R.stateless_truncated_normal([1000], seed=[3, 4], dtype=wb.float64))
    assert wide.dtype == np.float64 and np.all(np.abs(wide) < 2.0)
    # a draw is the same values whatever the size asked for (each group has its own stretch)
    np.testing.assert_array_equal(np_(R.stateless_truncated_normal([10], seed=[7, 8]))[:8],
                                  np_(R.stateless_truncated_normal([8], seed=[7, 8])))


def test_large_draws_use_the_fast_generator_and_keep_tfs_state():
    # more than TF_EXACT_MAX values: NumPy's Philox at the same place, same distribution
    n = R.TF_EXACT_MAX + 1000
    g = R.Generator.from_seed(3)
    z = np_(g.normal([n]))
    assert np_(g.state).tolist() == [3 + n * 256, 0, 0]
    assert abs(z.mean()) < 6 / np.sqrt(n) and abs(z.std() - 1) < 6 / np.sqrt(2 * n)
    np.testing.assert_array_equal(z, np_(R.Generator.from_seed(3).normal([n])))
    t = np_(R.stateless_truncated_normal([n], seed=[1, 2]))
    assert np.abs(t).max() < 2.0 and abs(t.std() - 0.8796) < 0.01
    u = np_(R.stateless_uniform([n], seed=[1, 2], minval=-3, maxval=4, dtype=wb.int64))
    assert u.min() == -3 and u.max() == 3
    full = np_(R.Generator.from_seed(1).uniform_full_int([n], wb.uint32))
    assert full.dtype == np.uint32 and full.max() > 2 ** 31


def test_set_seed_inside_a_function_reseeds_without_making_variables():
    # TFP's covariance notebook calls tf.random.set_seed inside a tf.function
    wb.random.set_seed(7)
    wb.random.normal([2])

    @wb.function
    def f():
        wb.random.set_seed(123)
        return wb.random.normal([2])
    # as in TF 2.21, set_seed in a trace sets the function graph's seed: the op takes the
    # seeds (123, 0) and its kernel's stream goes on at the next call (TF's numbers)
    np.testing.assert_array_equal(f().numpy(), np.float32([-0.05961856245994568, 1.6006661653518677]))
    np.testing.assert_array_equal(f().numpy(), np.float32([-0.36163127422332764, 1.237695336341858]))
    # the eager global seed is untouched (7's sequence goes on)
    wb.random.set_seed(7)
    wb.random.normal([2])
    expected = wb.random.normal([2]).numpy()
    wb.random.set_seed(7)
    wb.random.normal([2])
    f()
    np.testing.assert_array_equal(wb.random.normal([2]).numpy(), expected)
