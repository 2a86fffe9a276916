"""TFP's own module paths (``tensorflow_probability.python.X``) reach this package's modules as
``probability.python.X``: one module object, not a second copy."""

import importlib

import pytest

import probability
import probability.bijectors.exp
import probability.internal.prefer_static


def test_tfp_paths_are_the_package_s_modules():
    from probability.python.internal import prefer_static
    from probability.python import distributions
    import probability.python.bijectors.exp as exp

    assert prefer_static is probability.internal.prefer_static
    assert distributions is probability.distributions
    assert exp is probability.bijectors.exp
    assert prefer_static.rank([[1., 2.]]) == 2


def test_a_path_the_package_lacks_is_an_import_error():
    with pytest.raises(ImportError):
        importlib.import_module("probability.python.not_a_module")
    with pytest.raises(AttributeError):
        importlib.import_module("probability.python").not_a_module  # noqa: B018


def test_namespaces_list_tfp_s_classes():
    """TFP's tutorials list the classes of tfd and tfb (A Tour of TFP); the names are TFP 0.25's."""
    tfd, tfb = probability.distributions, probability.bijectors
    assert tfd.AutoCompositeTensorDistribution is tfd.Distribution
    assert tfb.AutoCompositeTensorBijector is tfb.Bijector
    assert probability.math.psd_kernels.AutoCompositeTensorPsdKernel is \
        probability.math.psd_kernels.PositiveSemidefiniteKernel
    # Glow's parts and the retired Ordered are not in TFP 0.25's tfb (they stay in their modules)
    for name in ("GlowBlock", "ExitBijector", "OneByOneConv", "ActivationNormalization", "Expand", "Ordered"):
        assert name not in dir(tfb)
    from probability.bijectors.glow import GlowBlock  # noqa: F401
