"""The host buffer cache: large NumPy results reuse buffers nothing else refers to, and only those."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import workbench as wb
from gradients import check_gradients
from workbench import hostcache

from tests.conftest import ON_GPU
from tests.test_op_gradients import ALL_CASES, _tensors

ROOT = Path(__file__).resolve().parent.parent
SHAPE = (70_000,)  # 280 KB of float32: above the default min_bytes


@pytest.fixture
def fresh_cache(monkeypatch):
    """An empty cache with the default sizes (whatever WORKBENCH_HOST_CACHE_MIN_BYTES says)."""
    old = hostcache.limit()
    monkeypatch.setattr(hostcache, "min_bytes", 1 << 18)
    hostcache.set_limit(1 << 30)
    hostcache.clear()
    yield
    monkeypatch.undo()  # min_bytes first, so set_limit restores the active size from it
    hostcache.set_limit(old)
    hostcache.clear()


@pytest.fixture
def cache_everything(fresh_cache, monkeypatch):
    """Every floating NumPy result goes through the cache, however small."""
    monkeypatch.setattr(hostcache, "_active_min", 0)


def test_a_free_buffer_is_handed_out_again(fresh_cache):
    a = hostcache.empty(SHAPE, np.dtype(np.float32))
    first = id(a)
    b = hostcache.empty(SHAPE, np.dtype(np.float32))
    assert id(b) != first  # a is still held
    del a
    c = hostcache.empty(SHAPE, np.dtype(np.float32))
    assert id(c) == first
    assert hostcache.info()["hits"] >= 1


def _cpu_tensor(a):
    with wb.device("cpu"):
        return wb.constant(a)


HOLDERS = {  # something that keeps the buffer, and how to read the buffer through it
    "view": (lambda a: a[10:], lambda h: h),
    "list": (lambda a: [a], lambda h: h[0]),
    "memoryview": (lambda a: memoryview(a), np.asarray),
    "tensor": (lambda a: _cpu_tensor(a), lambda h: h.numpy()),
    "numpy() of a tensor": (lambda a: _cpu_tensor(a).numpy(), lambda h: h),
}


@pytest.mark.parametrize("holder", HOLDERS)
def test_a_buffer_anything_refers_to_is_never_handed_out(fresh_cache, holder):
    hold, read = HOLDERS[holder]
    a = hostcache.empty(SHAPE, np.dtype(np.float32))
    a[:] = 7.0
    kept = hold(a)
    del a
    for _ in range(3):
        b = hostcache.empty(SHAPE, np.dtype(np.float32))
        b[:] = -1.0
    assert np.all(read(kept) == 7.0)


def test_like_picks_only_large_floating_numpy_arrays(fresh_cache):
    big = np.ones(SHAPE, np.float32)
    assert hostcache.like(big).shape == SHAPE
    assert hostcache.like(np.ones(8, np.float32)) is None
    assert hostcache.like(np.ones(SHAPE, np.int32)) is None
    assert hostcache.like(np.ones(SHAPE, np.complex64)) is None
    assert hostcache.like2(big, np.float32(2)).shape == SHAPE
    assert hostcache.like2(np.ones((4, 70_000), np.float32), big).shape == (4, 70_000)
    assert hostcache.like2(big, np.ones((4, 1), np.float32)) is None  # not a trailing broadcast
    assert hostcache.like2(big, big.astype(np.float64)) is None
    assert hostcache.like2(big, 2.0) is None


def test_results_are_the_same_with_and_without_the_cache(fresh_cache):
    x = np.random.default_rng(0).standard_normal(300_000).astype(np.float32)

    def step():
        t = wb.constant(x)
        with wb.GradientTape() as tape:
            tape.watch(t)
            loss = wb.reduce_sum(wb.tanh(t) * t + wb.exp(-t * t) / (1.5 + wb.square(t)) - wb.sqrt(t * t + 1))
        return loss.numpy(), tape.gradient(loss, t).numpy()

    hostcache.set_limit(0)
    want = step()
    hostcache.set_limit(1 << 30)
    got = [step() for _ in range(3)]  # later steps run on reused buffers
    if not ON_GPU:
        assert hostcache.info()["hits"] > 0
    for loss, grad in got:
        assert loss == want[0]
        np.testing.assert_array_equal(grad, want[1])


def test_the_limit_bounds_the_free_bytes_kept(fresh_cache):
    nbytes = SHAPE[0] * 4
    hostcache.set_limit(3 * nbytes)
    arrays = [hostcache.empty(SHAPE, np.dtype(np.float32)) for _ in range(6)]
    assert hostcache.info()["arrays"] == 3  # the limit counts arrays in use too: the rest are not tracked
    del arrays
    kept = hostcache.empty((SHAPE[0] + 1,), np.dtype(np.float32))  # a miss trims the free ones
    info = hostcache.info()
    assert info["free_bytes"] <= 3 * nbytes and kept.shape == (SHAPE[0] + 1,)
    hostcache.set_limit(0)
    assert hostcache.info()["arrays"] == 0
    assert hostcache.like(np.ones(SHAPE, np.float32)) is None


def test_config_functions_and_bad_limits(fresh_cache):
    wb.config.set_host_cache_limit(1 << 20)
    assert wb.config.host_cache_info()["limit"] == 1 << 20
    wb.config.clear_host_cache()
    assert wb.config.host_cache_info()["arrays"] == 0
    for bad in (-1, 1.5, "1GB", True):
        with pytest.raises(ValueError, match="nbytes must be a non-negative int"):
            wb.config.set_host_cache_limit(bad)


def test_threads_never_share_a_buffer(fresh_cache):
    errors = []

    def work(k):
        x = np.full(SHAPE, float(k), np.float32)
        for _ in range(30):
            y = (wb.constant(x) * 2.0 + 1.0).numpy()
            if not np.all(y == 2.0 * k + 1.0):
                errors.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.parametrize("case", ALL_CASES, ids=str)
def test_op_gradients_with_every_result_cached(cache_everything, case):
    check_gradients(case.fn, _tensors(case), order=case.order, modes=case.modes,
                    atol=case.atol, rtol=case.rtol, eps=case.eps)


@pytest.mark.parametrize("value, want", [("0", 0), ("1", 1 << 30), ("5000000", 5_000_000)])
def test_the_environment_sets_the_limit_at_start(value, want):
    code = "from workbench import hostcache; print(hostcache.limit())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "WORKBENCH_HOST_CACHE": value}, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == want


def test_a_bad_environment_value_names_the_variable():
    out = subprocess.run([sys.executable, "-c", "import workbench"], capture_output=True, text=True,
                         env={**os.environ, "WORKBENCH_HOST_CACHE": "1GB"}, cwd=ROOT)
    assert out.returncode != 0 and "WORKBENCH_HOST_CACHE='1GB'" in out.stderr


def test_a_traced_step_reuses_buffers_between_replays_and_matches_eager(fresh_cache):
    x = wb.constant(np.random.default_rng(1).standard_normal(200_000).astype(np.float32))

    def step(x):
        with wb.GradientTape() as tape:
            tape.watch(x)
            loss = wb.reduce_sum(wb.tanh(x) * x + wb.exp(-x * x))
        return loss, tape.gradient(loss, x)

    hostcache.set_limit(0)
    want = [t.numpy() for t in step(x)]
    hostcache.set_limit(1 << 30)
    traced = wb.function(step)
    traced(x)
    before = hostcache.info()["hits"]
    kept = [traced(x) for _ in range(3)]  # results held: their buffers are not reused
    for _ in range(3):
        traced(x)  # results dropped: their buffers are
    for got in kept:
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.numpy(), w)
    if not ON_GPU:
        assert hostcache.info()["hits"] > before


def test_array_rules_reuse_their_own_intermediates_and_nothing_else():
    """On large arrays a rule's unnamed intermediate takes the next result in place; arrays
    the caller holds (named intermediates, inputs, the result) are never overwritten."""
    from workbench import hostcache
    from workbench.ops.rules import ARRAYS
    n = max(1, hostcache.min_bytes // 4) * 4
    ans = np.tanh(np.linspace(-2, 2, n, dtype=np.float32))
    g = np.full(n, 0.5, np.float32)
    keep_ans, keep_g = ans.copy(), g.copy()
    chained = ARRAYS.multiply(g, ARRAYS.subtract(1, ARRAYS.multiply(ans, ans)))
    np.testing.assert_array_equal(chained, g * (1 - ans * ans))
    np.testing.assert_array_equal(ans, keep_ans)
    np.testing.assert_array_equal(g, keep_g)
    named = ARRAYS.multiply(ans, ans)
    other = ARRAYS.subtract(1, named)
    assert other is not named
    np.testing.assert_array_equal(named, ans * ans)
    twice = ARRAYS.multiply(ARRAYS.exp(ans), 2.0)
    assert ARRAYS.negative(twice) is not twice
    np.testing.assert_array_equal(twice, np.exp(ans) * 2.0)
