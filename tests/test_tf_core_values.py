"""TF 2.21 semantics of core calls: what assignments return (TF's UnreadVariable), transpose's conjugate.

Pinned against TF 2.21: the result prints as ``<tf.Variable 'UnreadVariable' ...>``, reads the
variable's current value, assigns through to it, is the variable on tapes (watched_variables
names the variable itself), and ``read_value=False`` returns None.
"""

import numpy as np
import pytest

import workbench as wb


def test_assign_result_prints_as_tfs_unread_variable():
    v = wb.Variable([1.0, 2.0, 3.0])
    assert repr(v.assign([1.0, 2.0, 3.0])) == (
        "<wb.Variable 'UnreadVariable' shape=(3,) dtype=float32, "
        "numpy=array([1., 2., 3.], dtype=float32)>")
    assert repr(v.assign_add([1.0, 1.0, 1.0])).startswith("<wb.Variable 'UnreadVariable' shape=(3,)")
    assert "numpy=array([2., 3., 4.]" in repr(v.assign_sub([0.0, 0.0, 0.0]))
    assert v.name == "Variable:0"


def test_the_result_is_the_variable_live():
    v = wb.Variable([1.0, 2.0, 3.0], name="w")
    u = v.assign([4.0, 5.0, 6.0])
    assert isinstance(u, wb.Variable) and u is not v
    assert u.name == "UnreadVariable" and u.path == "w"
    assert u.shape == (3,) and u.dtype == wb.float32 and u.trainable
    v.assign_add([1.0, 1.0, 1.0])
    np.testing.assert_array_equal(u.numpy(), [5.0, 6.0, 7.0])   # reads now, not at assign
    u.assign_add([1.0, 1.0, 1.0]).assign_add([1.0, 1.0, 1.0])     # through to the variable
    np.testing.assert_array_equal(v.numpy(), [7.0, 8.0, 9.0])
    assert u.ref() == v.ref()


@pytest.mark.parametrize("method", ["assign", "assign_add", "assign_sub"])
def test_read_value_false_returns_none(method):
    v = wb.Variable([1.0, 2.0])
    assert getattr(v, method)([0.0, 0.0], read_value=False) is None
    np.testing.assert_array_equal(v.numpy(), [0.0, 0.0] if method == "assign" else [1.0, 2.0])


def test_a_read_through_the_result_is_a_read_of_the_variable_on_tapes():
    v = wb.Variable([1.0, 2.0, 3.0])
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(v.assign([1.0, 2.0, 3.0]) * 2.0)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [2.0, 2.0, 2.0])
    (watched,) = tape.watched_variables()
    assert watched is v


def test_a_function_returning_an_assignment_returns_the_value():
    v = wb.Variable([1.0, 2.0, 3.0])

    @wb.function
    def grow():
        return v.assign_add([1.0, 1.0, 1.0])

    np.testing.assert_array_equal(np.asarray(grow()), [2.0, 3.0, 4.0])
    np.testing.assert_array_equal(np.asarray(grow()), [3.0, 4.0, 5.0])
    np.testing.assert_array_equal(v.numpy(), [3.0, 4.0, 5.0])


def test_transpose_conjugate_as_tf():
    # TF 2.21: tf.transpose(x, conjugate=True) is the adjoint of a complex tensor
    x = wb.constant(np.array([[1 + 1j, 2 + 2j, 3 + 3j], [4 + 4j, 5 + 5j, 6 + 6j]], np.complex64))
    np.testing.assert_array_equal(wb.transpose(x, conjugate=True).numpy(),
                                  [[1 - 1j, 4 - 4j], [2 - 2j, 5 - 5j], [3 - 3j, 6 - 6j]])
    np.testing.assert_array_equal(wb.transpose(x, perm=[0, 1], conjugate=True).numpy(),
                                  np.conj(x.numpy()))
    real = wb.constant([[1.0, 2.0]])
    np.testing.assert_array_equal(wb.transpose(real, conjugate=True).numpy(), [[1.0], [2.0]])


def test_as_dtype_takes_tfs_datatype_enum_numbers():
    # TF 2.21: tf.as_dtype(1) is tf.float32, 18 complex128 (types.proto's DataType)
    assert wb.as_dtype(1) == wb.float32 and wb.as_dtype(18) == wb.complex128
    assert wb.as_dtype(np.int64(9)) == wb.int64 and wb.as_dtype(7) == wb.string
    for d in (wb.float32, wb.int8, wb.uint16, wb.bool, wb.complex64, wb.float16):
        assert wb.as_dtype(d.as_datatype_enum) == d
    with pytest.raises(TypeError, match="99 is not a DataType enum value"):
        wb.as_dtype(99)


def test_sigmoid_cross_entropy_rounds_as_tfs_formula():
    # TF 2.21: relu(x) - x z + log1p(exp(-|x|)) with where() for relu and -|x|
    z = wb.constant([0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.5])
    x = wb.constant([0.0, 1.0, -2.0, 0.0, -1.0, 1.0, 0.0])
    with wb.GradientTape() as tape:
        tape.watch(x)
        y = wb.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    # within 2 float32 ulps: NumPy's float32 exp differs from TF's in the last bit for some inputs
    # (README), and NumPy releases round exp/log1p differently (2.4 gives 0.31326163 here)
    np.testing.assert_allclose(
        y.numpy(), np.array([0.6931472, 0.3132617, 0.126928, 0.6931472, 1.3132617, 1.3132617,
                             0.6931472], np.float32), rtol=2.5e-7, atol=0)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(g[[0, 3, 6]], [0.5, -0.5, 0.0])   # sigmoid(0) - z at the kink
    np.testing.assert_allclose(g, 1 / (1 + np.exp(-x.numpy())) - z.numpy(), rtol=1e-6, atol=1e-7)


def test_tf_experimental_names():
    from workbench.data.optional import Optional
    assert wb.experimental.Optional is Optional
    assert bool(wb.experimental.Optional.from_value(wb.constant(3)).has_value())
    assert wb.experimental.RowPartition.from_row_lengths([2, 1]).nrows() == 2


def test_an_unnamed_variable_takes_the_name_scope_as_tf():
    # TF 2.21: tf.Variable(1.) inside tf.name_scope("s") is 's/Variable:0'
    with wb.name_scope("s"):
        assert wb.Variable(1.0).name == "s/Variable:0"
        assert wb.Variable(1.0, name="w").name == "s/w:0"
    assert wb.Variable(1.0).name == "Variable:0"
