"""``wb.sparse.mask`` on IndexedSlices, as TF 2.21's ``tf.sparse.mask``."""

import numpy as np
import pytest

import workbench as wb
from gradients import GradientTape


def test_mask_drops_the_named_rows_and_keeps_dense_shape():
    a = wb.IndexedSlices(wb.constant([[1., 2], [3, 4], [5, 6], [7, 8]]), wb.constant([12, 26, 37, 45]),
                         wb.constant([50, 2]))
    m = wb.sparse.mask(a, [12, 45])
    np.testing.assert_array_equal(m.indices.numpy(), [26, 37])
    np.testing.assert_array_equal(m.values.numpy(), [[3, 4], [5, 6]])
    np.testing.assert_array_equal(m.dense_shape.numpy(), [50, 2])
    # repeated indices stay; no dense_shape stays None
    b = wb.sparse.mask(wb.IndexedSlices(wb.constant([[1., 2], [3, 4]]), wb.constant([1, 1])), [3])
    np.testing.assert_array_equal(b.indices.numpy(), [1, 1])
    assert b.dense_shape is None


def test_mask_is_differentiable_in_the_values():
    v = wb.constant([[1.0], [2.0], [3.0]])
    with GradientTape() as tape:
        tape.watch(v)
        m = wb.sparse.mask(wb.IndexedSlices(v, wb.constant([0, 1, 2])), [1])
        y = wb.reduce_sum(m.values * 2.0)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [[2.0], [0.0], [2.0]])
    with pytest.raises(TypeError, match="IndexedSlices"):
        wb.sparse.mask(wb.constant([1.0]), [0])
