"""Arrays TF 2.21 computed, kept as ``.npz`` fixtures (each test's ``_compute`` ran under TF to
write them), and the check that compares ours with them key by key."""

import numpy as np


def assert_matches_fixture(got, path, rtol=1e-4, atol=1e-5, exact=False, check_dtype=True):
    """``got`` (name -> array) holds the fixture's names, each with its shape (and dtype), and
    values within ``rtol``/``atol`` of TF's (equal when ``exact``)."""
    want = np.load(path)
    assert sorted(got) == sorted(want.files)
    for key in want.files:
        if check_dtype:
            assert (got[key].dtype, got[key].shape) == (want[key].dtype, want[key].shape), key
        else:
            assert got[key].shape == want[key].shape, key
        if exact:
            np.testing.assert_array_equal(got[key], want[key], err_msg=key)
        else:
            np.testing.assert_allclose(got[key], want[key], rtol=rtol, atol=atol, err_msg=key)
