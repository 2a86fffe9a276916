"""``tf.compat.v1.Dimension`` and ``TensorShape.dims`` as TF 2.21 (values printed by TF 2.21)."""

import pickle

import pytest

import workbench as wb

Dimension = wb.compat.v1.Dimension


def test_dims_are_dimension_objects_as_tf():
    s = wb.TensorShape([2, None])
    assert repr(s.dims) == "[Dimension(2), Dimension(None)]"
    assert type(s[0]) is int                       # indexing gives ints (TF 2's behaviour)
    assert wb.TensorShape(None).dims is None
    assert s.dims != [2, None]                    # TF: Dimension(None) == None answers None, not True
    assert wb.TensorShape(s.dims) == s            # a shape takes Dimension objects back


def test_tf1_vs_tf2_guide_cell():
    shape = wb.TensorShape([3, None])
    dim = shape.dims[1]
    assert dim.is_compatible_with(16) is True
    assert Dimension(None).is_compatible_with(16) is True
    assert shape.dims[0].is_compatible_with(16) is False


def test_values_repr_str():
    a, n = Dimension(3), Dimension(None)
    assert (repr(a), repr(n), str(a), str(n)) == ("Dimension(3)", "Dimension(None)", "3", "?")
    assert (a.value, n.value, int(a), a.__index__()) == (3, None, 3, 3)
    assert Dimension(a).value == 3 and wb.compat.v1.dimension_value(a) == 3
    assert [1, 2, 3, 4][Dimension(2)] == 3
    assert pickle.loads(pickle.dumps(a)).value == 3


def test_comparisons_answer_none_when_unknown():
    a, n = Dimension(3), Dimension(None)
    assert (a == 3) is True and (a == Dimension(3)) is True and (a != 3) is False
    assert (n == 3) is None and (n != 3) is None and (a == n) is None
    assert (a < 4) is True and (n < 4) is None and (a >= 3) is True
    with pytest.raises(TypeError, match="unhashable"):
        hash(a)


def test_arithmetic():
    a, n = Dimension(3), Dimension(None)
    assert repr(a + 1) == "Dimension(4)" and repr(1 + a) == "Dimension(4)"
    assert repr(a * 2) == "Dimension(6)" and repr(a // 2) == "Dimension(1)" and repr(a % 2) == "Dimension(1)"
    assert repr(3 - a) == "Dimension(0)" and repr(a + n) == "Dimension(None)" and repr(n * 2) == "Dimension(None)"
    with pytest.raises(TypeError, match="please use // instead"):
        a / 2


def test_merge_and_compatibility():
    a, n = Dimension(3), Dimension(None)
    assert repr(a.merge_with(3)) == "Dimension(3)" and repr(a.merge_with(n)) == "Dimension(3)"
    assert repr(n.merge_with(5)) == "Dimension(5)"
    assert a.assert_is_compatible_with(3) is None
    with pytest.raises(ValueError, match="Dimensions 3 and 4 are not compatible"):
        a.merge_with(4)
    with pytest.raises(ValueError, match="Dimensions 3 and 4 are not compatible"):
        a.assert_is_compatible_with(4)


def test_bad_values():
    with pytest.raises(ValueError, match="Dimension -1 must be >= 0"):
        Dimension(-1)
    with pytest.raises(TypeError, match="Dimension value must be integer or None or have an __index__ method"):
        Dimension(2.5)
    with pytest.raises(TypeError, match="Dimension value must be integer"):
        Dimension("x")


def test_dimension_at_index():
    shape = wb.TensorShape([2, None])
    assert repr(wb.compat.v1.dimension_at_index(shape, 1)) == "Dimension(None)"
    assert str(wb.compat.v1.dimension_at_index(shape, 1)) == "?"
    assert wb.compat.dimension_at_index(shape, 0).value == 2


def test_tensor_equality_toggles_as_tf():
    """tf.compat.v1.disable/enable_tensor_equality (TF 2.21's values: identity ==, variables
    hashable by identity, eager tensors unhashable either way)."""
    a, b = wb.constant(1.0), wb.constant(1.0)
    with pytest.raises(TypeError, match=r"^Tensor is unhashable. Instead, use tensor.ref\(\) as the key.$"):
        hash(a)
    v = wb.Variable(0.0)
    with pytest.raises(TypeError, match=r"Variable is unhashable. Instead, use variable.ref\(\) as the key. "
                                        r"\(Variable: <wb.Variable 'Variable:0' shape=\(\) dtype=float32"):
        set([v, a])
    try:
        wb.compat.v1.disable_tensor_equality()
        assert (a == b) is False and (a == a) is True and (a != b) is True and (a == 1.0) is False
        assert (wb.Variable(1.0) == wb.Variable(1.0)) is False and (v == v) is True
        assert hash(v) == id(v) and {v: 1}[v] == 1
        with pytest.raises(TypeError, match="Tensor is unhashable"):
            hash(a)
        assert bool(a < wb.constant(2.0)) is True        # other comparisons stay elementwise
    finally:
        wb.compat.v1.enable_tensor_equality()
    assert bool(a == b) is True and bool(wb.Variable(0.0) == wb.Variable(0.0)) is True
    with pytest.raises(TypeError, match="Variable is unhashable"):
        hash(v)
    refs = {v.ref(), a.ref()}
    assert v.ref() in refs and v.ref().deref() is v


def test_session_run_hook_interface():
    """TF's fault_tolerance migration guide subclasses tf.compat.v1.train.SessionRunHook."""
    train = wb.compat.v1.train

    class InterruptHook(train.SessionRunHook):
        def begin(self):
            self._step = -1

        def before_run(self, run_context):
            self._step += 1

    hook = InterruptHook()
    hook.begin()
    hook.before_run(None)
    assert hook._step == 0 and hook.after_run(None, None) is None and hook.end(None) is None
    assert train.SessionRunHook().before_run(None) is None
    assert train.SessionRunArgs(fetches=[1]) == ([1], None, None)
    assert train.SessionRunValues(results=1, options=None, run_metadata=None).results == 1
    with pytest.raises(AttributeError, match="need a graph and session"):
        train.Saver
