"""Error texts of eager kernels worded as TF 2.21 words them (pinned from TF): a notebook that
prints a caught error prints what it prints under TF."""

import numpy as np
import pytest

import workbench as wb

PREFIX = "{{function_node __wrapped__%s_device_/job:localhost/replica:0/task:0/device:CPU:0}} "


@pytest.mark.parametrize("fn, op_type", [
    (lambda a, b: a + b, "AddV2"), (lambda a, b: a - b, "Sub"), (lambda a, b: a * b, "Mul"),
    (lambda a, b: a / b, "RealDiv"), (lambda a, b: a // b, "FloorDiv"), (lambda a, b: a % b, "FloorMod"),
    (lambda a, b: a ** b, "Pow"), (lambda a, b: a < b, "Less"), (wb.maximum, "Maximum"),
    (wb.math.squared_difference, "SquaredDifference"), (wb.math.xlogy, "Xlogy"),
    (wb.math.divide_no_nan, "DivNoNan"), (wb.equal, "Equal"), (wb.math.atan2, "Atan2")])
def test_binary_ops_on_shapes_that_do_not_broadcast(fn, op_type):
    with pytest.raises(wb.errors.InvalidArgumentError) as info:
        fn(wb.ones([5, 3]), wb.ones([7]))
    want = PREFIX % op_type + f"Incompatible shapes: [5,3] vs. [7] [Op:{op_type}] name: "
    assert str(info.value) == want and info.value.message == want


def test_integer_operands_and_equality_operator():
    with pytest.raises(wb.errors.InvalidArgumentError, match=r"Incompatible shapes: \[5,3\] vs. \[7\] \[Op:Mul\]"):
        wb.ones([5, 3], wb.int32) * wb.ones([7], wb.int32)
    # `==` of tensors whose shapes do not broadcast is False, as in TF
    assert not bool(wb.ones([5, 3]) == wb.ones([7]))
    np.testing.assert_array_equal((wb.ones([2, 1]) + wb.ones([3])).shape, [2, 3])


def test_zeros_like_and_ones_like_take_tf_s_parameter_name():
    x = wb.constant([1., 2.])
    np.testing.assert_array_equal(wb.zeros_like(input=x).numpy(), [0., 0.])
    assert wb.ones_like(input=x, dtype=wb.int32).dtype == wb.int32
    rt = wb.ragged.constant([[1., 2.], [3.]])
    assert wb.zeros_like(input=rt).to_list() == [[0., 0.], [0.]]


def test_strings_split_works_without_touching_ragged_first():
    import subprocess
    import sys
    code = ("import workbench as tf; "
            "print(tf.strings.split(tf.constant(['a b', 'c']), ' ').to_list())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[[b'a', b'b'], [b'c']]"
