"""tf.compat as TF 2 code calls it: the v2 switches are already on, the v1 ones that would leave
TF 2 raise, and the small conversion helpers."""

import numpy as np
import pytest

import workbench as wb


def test_v2_switches_are_on_and_change_nothing():
    assert wb.enable_v2_behavior() is None
    assert wb.compat.v1.enable_eager_execution() is None
    assert wb.compat.v1.enable_v2_behavior() is None
    assert wb.compat.v2 is wb and wb.compat.v2.enable_v2_behavior is wb.enable_v2_behavior
    assert wb.executing_eagerly() and wb.compat.v1.executing_eagerly()
    import workbench.compat.v1 as v1
    assert v1 is wb.compat.v1


def test_leaving_tf2_is_refused_by_name():
    with pytest.raises(NotImplementedError, match="disable_eager_execution.*TF 2 semantics only"):
        wb.compat.v1.disable_eager_execution()
    with pytest.raises(NotImplementedError, match="disable_v2_behavior"):
        wb.compat.v1.disable_v2_behavior()


def test_dimension_helpers():
    shape = wb.TensorShape([3, None])
    assert wb.compat.dimension_value(shape[0]) == 3 and wb.compat.dimension_value(shape[1]) is None
    assert wb.compat.dimension_at_index(shape, 0) == 3
    assert wb.compat.dimension_at_index(wb.TensorShape(None), 2).value is None   # TF: Dimension(None)
    assert wb.compat.dimension_value(wb.zeros([4, 2]).shape[-1]) == 2


def test_text_helpers():
    assert wb.compat.as_bytes("é") == "é".encode() and wb.compat.as_bytes(bytearray(b"x")) == b"x"
    assert wb.compat.as_text(b"ab") == "ab" and wb.compat.as_str("ab") == "ab"
    with pytest.raises(TypeError, match="as_bytes: expected bytes or str, got 3"):
        wb.compat.as_bytes(3)
    with pytest.raises(TypeError, match="as_text: expected bytes or str"):
        wb.compat.as_text(None)


def test_py_func_runs_numpy():
    out = wb.compat.v1.py_func(lambda a: (a * 2).astype(np.float32), [wb.constant([1.0, 2.0])], wb.float32)
    np.testing.assert_array_equal(out.numpy(), [2.0, 4.0])
