"""tfp.random: seeds as int32 pairs, split deterministically; Rademacher and spherical-uniform draws."""

import numpy as np
import pytest
import scipy.stats as st

import probability as tfp
import workbench as wb


def test_seeds_are_int32_pairs_split_deterministically():
    # TFP's rules: a pair is kept; an int or None draws a pair from the stateful sequence
    assert tfp.random.sanitize_seed((3, 4)).numpy().tolist() == [3, 4]
    s = tfp.random.sanitize_seed(5)
    assert s.dtype == np.int32 and s.shape == (2,)
    assert tfp.random.sanitize_seed(None).shape == (2,)
    a = tfp.random.split_seed((1, 2))
    b = tfp.random.split_seed((1, 2))
    assert isinstance(a, list) and len(a) == 2
    assert [x.numpy().tolist() for x in a] == [x.numpy().tolist() for x in b]
    assert a[0].numpy().tolist() != a[1].numpy().tolist()
    assert tfp.random.split_seed((1, 2), salt="x")[0].numpy().tolist() != a[0].numpy().tolist()
    assert tfp.random.split_seed(7, n=wb.constant(3)).shape == (3, 2)
    # a split seed drives a sampler reproducibly
    d = tfp.distributions.Normal(0., 1.)
    np.testing.assert_array_equal(d.sample(4, seed=a[0]).numpy(), d.sample(4, seed=b[0]).numpy())
    with pytest.raises(ValueError, match="`n` must be non-negative"):
        tfp.random.split_seed(1, n=-1)


def test_rademacher():
    x = tfp.random.rademacher([20000], seed=(3, 4)).numpy()
    assert x.dtype == np.float32 and set(np.unique(x).tolist()) == {-1.0, 1.0}
    assert st.binomtest(int(np.sum(x > 0)), x.size).pvalue > 1e-3
    assert tfp.random.rademacher([2, 3], dtype=np.int32, seed=1).dtype == np.int32
    np.testing.assert_array_equal(tfp.random.rademacher([5], seed=(9, 0)).numpy(),
                                  tfp.random.rademacher([5], seed=(9, 0)).numpy())


def test_spherical_uniform():
    x = tfp.random.spherical_uniform([5000], 3, seed=(1, 1)).numpy()
    assert x.shape == (5000, 3)
    np.testing.assert_allclose(np.linalg.norm(x, axis=-1), 1.0, rtol=1e-5)
    # uniform on the sphere: each coordinate is Uniform(-1, 1) in 3 dimensions (Archimedes)
    assert st.kstest(x[:, 0], st.uniform(-1, 2).cdf).pvalue > 1e-3
    with pytest.raises(ValueError, match="dimension"):
        tfp.random.spherical_uniform([2], 0)
