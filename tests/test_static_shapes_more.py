"""Static shapes TF 2.21 reports for ops in a ``wb.function`` trace whose input signature leaves
sizes open, and in a dataset map whose element decides sizes; and TF's errors for index keys of no
index kind. Every expected shape and error below is TF 2.21's, pinned."""

import numpy as np
import pytest

import workbench as wb
from workbench.data import Dataset

S = wb.TensorSpec
N3 = [S([None, 3], wb.float32)]
NN = [S([None, None], wb.float32)]
SC = [S([], wb.int32)]


def _traced(fn, specs):
    """The static shapes of ``fn``'s results traced for ``specs`` (nested as they are)."""
    out = wb.function(fn, input_signature=specs).get_concrete_function().structured_outputs
    return _shapes(out)


def _shapes(out):
    if isinstance(out, (list, tuple)):
        return [_shapes(o) for o in out]
    s = out.shape
    return None if s.rank is None else tuple(s.as_list())


def _mapped(fn):
    """The element spec's shape of ``Dataset.range(1, 4).map(fn)``."""
    return _shapes(Dataset.range(1, 4).map(fn).element_spec)


# -- index keys ----------------------------------------------------------------------
_NOT_AN_INDEX = "Only integers, slices \\(`:`\\), ellipsis \\(`...`\\), tf.newaxis \\(`None`\\) and scalar"


@pytest.mark.parametrize("key", [
    (slice(None), (True, False)), (0, (1, 2)), 1.0, "a", {}, slice(0.5, 2), wb.constant(1.0)])
def test_keys_of_no_index_kind_raise_tfs_type_error(key):
    x = wb.reshape(wb.range(24), [2, 3, 4])
    with pytest.raises(TypeError, match=_NOT_AN_INDEX):
        x[key]


def test_index_keys_as_tf():
    x = wb.reshape(wb.range(24), [2, 3, 4])
    for key in (True, np.array(True), wb.constant(True)):
        with pytest.raises(ValueError, match="mask cannot be scalar"):
            x[key]
    with pytest.raises(wb.errors.InvalidArgumentError, match="Multiple ellipses in slice spec not allowed"):
        x[..., ...]
    assert x[..., None, 0].shape == (2, 3, 1)
    assert x[None, :, None].shape == (1, 2, 1, 3, 4)
    assert x[None].shape == (1, 2, 3, 4)
    assert x[np.array([True, False])].shape == (1, 3, 4)
    assert x[wb.constant([True, False])].shape == (1, 3, 4)
    assert x[np.array(1)].shape == (3, 4) and x[np.int64(1)].shape == (3, 4)
    assert x[wb.constant(0):wb.constant(1)].shape == (1, 3, 4)
    assert x[(0, 1)].shape == (4,)
