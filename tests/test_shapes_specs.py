"""wb.TensorShape, wb.TensorSpec, wb.RaggedTensorSpec and wb.function's input_signature,
pinned against TF 2's documented behaviour."""

import pickle

import numpy as np
import pytest

import ragged
import workbench as wb
from workbench.shapes import TensorShape


# -- TensorShape -------------------------------------------------------------------
def test_shape_of_tensors_variables_and_ragged_is_a_tensorshape():
    x = wb.ones([2, 3])
    assert isinstance(x.shape, wb.TensorShape)
    assert isinstance(wb.Variable(x).shape, wb.TensorShape)
    rt = ragged.constant([[1.0, 2.0], [3.0]])
    assert isinstance(rt.shape, wb.TensorShape)
    assert rt.shape.as_list() == [2, None]
    assert repr(rt.shape) == "TensorShape([2, None])"


def test_tensorshape_behaves_as_a_tuple():
    s = wb.ones([2, 3]).shape
    assert s == (2, 3) and s == [2, 3] and s != (3, 2) and (2, 3) == s
    assert np.zeros(s).shape == (2, 3)
    a, b = s
    assert (a, b) == (2, 3) and s[-1] == 3 and isinstance(s[0], int)
    assert {(2, 3): "x"}[s] == "x" and hash(s) == hash((2, 3))
    assert s + (4,) == (2, 3, 4) and isinstance(s + (4,), wb.TensorShape)
    assert (1,) + s == TensorShape([1, 2, 3])
    assert pickle.loads(pickle.dumps(s)) == s
    assert repr(s) == "TensorShape([2, 3])" and str(s) == "(2, 3)"
    assert str(TensorShape([5])) == "(5,)" and str(TensorShape([])) == "()"


def test_rank_dims_as_list_and_slicing():
    s = TensorShape([None, 3, 4])
    assert s.rank == s.ndims == 3 and len(s) == 3
    assert s.as_list() == [None, 3, 4] and s.dims == [None, 3, 4]
    assert s[0] is None and s[1] == 3
    assert s[1:] == TensorShape([3, 4]) and isinstance(s[1:], wb.TensorShape)
    assert TensorShape(3) == TensorShape([3])  # a single int is one dimension, as in TF
    with pytest.raises(ValueError):
        TensorShape([-1])
    with pytest.raises(TypeError):
        TensorShape(["a"])


def test_unknown_rank():
    u = TensorShape(None)
    assert u.rank is None and u.ndims is None and u.dims is None
    assert repr(u) == "TensorShape(None)" and str(u) == "<unknown>"
    with pytest.raises(ValueError, match="as_list"):
        u.as_list()
    with pytest.raises(ValueError, match="unknown rank"):
        len(u)
    assert u == TensorShape(None) and u != TensorShape([])
    assert u[0] is None and u[1:] == TensorShape(None)
    assert not u.is_fully_defined() and u.num_elements() is None
    assert u.is_compatible_with([1, 2]) and TensorShape([1, 2]).is_compatible_with(u)
    assert u.merge_with([1, None]) == [1, None]
    assert u.with_rank(2) == TensorShape([None, None])
    assert pickle.loads(pickle.dumps(u)).rank is None


def test_compatibility_and_merging_as_tf_documents():
    # TF's docs: TensorShape([32, None]) is compatible with [32, 784] and [None, 784]...
    s = TensorShape([32, None])
    assert s.is_compatible_with([32, 784]) and s.is_compatible_with([None, 784])
    assert s.is_compatible_with(TensorShape(None))
    assert not s.is_compatible_with([32, 784, 1]) and not s.is_compatible_with([64, 784])
    assert TensorShape([None, 3]).merge_with([2, None]) == [2, 3]
    with pytest.raises(ValueError, match=r"Shapes \(2, 3\) and \(2, 4\) are not compatible"):
        TensorShape([2, 3]).merge_with([2, 4])
    with pytest.raises(ValueError, match="incompatible"):
        TensorShape([2, 3]).assert_is_compatible_with([3])
    assert TensorShape([1, 2]).concatenate([None]) == [1, 2, None]
    assert TensorShape([1, 2]).concatenate(TensorShape(None)).rank is None
    assert TensorShape([2, 3]).most_specific_compatible_shape([2, 4]) == [2, None]
    assert TensorShape([2, 3]).most_specific_compatible_shape([2]).rank is None


def test_fully_defined_num_elements_and_rank_checks():
    assert TensorShape([2, 3]).is_fully_defined() and TensorShape([2, 3]).num_elements() == 6
    assert TensorShape([]).num_elements() == 1
    assert not TensorShape([None, 3]).is_fully_defined()
    assert TensorShape([None, 3]).num_elements() is None
    assert TensorShape([2, 3]).with_rank(2) == (2, 3)
    with pytest.raises(ValueError, match="must have rank 3"):
        TensorShape([2, 3]).with_rank(3)
    assert bool(TensorShape([]))  # TF: a known rank is information, even for a scalar
