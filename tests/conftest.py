import os
import sys
import warnings

import numpy as np
import pytest

import workbench as wb

ON_GPU = wb.default_device().kind == "gpu"


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs a GPU: run with WORKBENCH_DEVICE=gpu on a machine with one")
    for item in items:
        if "gpu" in item.keywords and not ON_GPU:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fresh_random_state():
    """Each test starts from a fresh process's random state: no global seed, no stateful kernel
    streams left by earlier tests (an int ``seed=`` draws from TF's stateful kernels, so without
    this a test's numbers would depend on which tests ran before it)."""
    wb.random.set_seed(None)
    yield
    # a DTensor leaves a layout observer on its thread, under which wb.function runs as Python:
    # take it away so that later tests trace as a fresh process does
    dtensor = sys.modules.get("workbench.experimental.dtensor")
    if dtensor is not None:
        dtensor._stop_observing()


@pytest.fixture(params=[True, False], ids=["fusion", "no-fusion"])
def fused(request):
    """Run the test with wb.function's CPU fusion on and off."""
    from workbench.compiler import fusion
    before = fusion.enabled()
    fusion.set_enabled(request.param)
    yield request.param
    fusion.set_enabled(before)


@pytest.fixture
def float64_layers():
    """Keras layers made without a dtype take a float64 global policy while the test runs (for
    tests against float64 references and finite differences; Keras 3's default is float32)."""
    before = wb.keras.config.dtype_policy()
    wb.keras.config.set_dtype_policy("float64")
    yield
    wb.keras.config.set_dtype_policy(before)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def f64(a):
    """A float64 tensor on the default device."""
    return wb.constant(np.asarray(a, dtype=np.float64))


def assert_close(got, want, rtol=1e-6, atol=1e-6):
    got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
    np.testing.assert_allclose(got, np.asarray(want), rtol=rtol, atol=atol)
