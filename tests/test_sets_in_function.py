"""``wb.sets`` inside ``wb.function``: ``size`` replays as a step on each call's sparse
input; ``difference``/``intersection``/``union`` (whose ``dense_shape`` depends on the data)
run the function eagerly, with the right result for every call."""

import warnings

import numpy as np
import pytest

import workbench as wb
from workbench.compiler import UnreplayableWarning
from workbench.errors import InvalidArgumentError


def _sparse(rows):
    return wb.sparse.from_dense(wb.constant(rows))


def test_size_replays_on_each_calls_indices_and_values():
    f = wb.function(wb.sets.size)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreplayableWarning)
        assert f(_sparse([[1, 2, 3, 3], [4, 4, 4, 4]])).numpy().tolist() == [3, 1]
        assert f(_sparse([[1, 1, 1, 1], [5, 6, 7, 8]])).numpy().tolist() == [1, 4]
        assert f(_sparse([[9, 8, 9, 8], [1, 2, 1, 3]])).numpy().tolist() == [2, 3]
    assert f.experimental_get_tracing_count() == 1


def test_size_of_strings_and_a_3d_batch_in_a_function():
    st = wb.SparseTensor([[0, 0, 0], [0, 0, 1], [1, 1, 0]], wb.constant(["a", "a", "b"]), [2, 2, 2])
    f = wb.function(lambda s: wb.sets.size(s))
    assert f(st).numpy().tolist() == [[1, 0], [0, 1]]
    other = wb.SparseTensor([[0, 0, 0], [0, 0, 1], [1, 1, 0]], wb.constant(["a", "c", "b"]), [2, 2, 2])
    assert f(other).numpy().tolist() == [[2, 0], [0, 1]]


def test_size_checks_the_order_of_each_calls_indices():
    f = wb.function(lambda s: wb.sets.size(s) + 0)
    assert f(wb.SparseTensor([[0, 0], [0, 1]], [1, 2], [1, 2])).numpy().tolist() == [2]
    with pytest.raises(InvalidArgumentError, match="out of order"):
        f(wb.SparseTensor([[0, 1], [0, 0]], [1, 2], [1, 2])).numpy()
    unchecked = wb.function(lambda s: wb.sets.size(s, validate_indices=False))
    assert unchecked(wb.SparseTensor([[0, 1], [0, 0]], [1, 2], [1, 2])).numpy().tolist() == [2]


@pytest.mark.parametrize("op, want", [
    (lambda a, b: wb.sets.difference(a, b), ([[2], [4]], [[1, 4], [2]])),
    (lambda a, b: wb.sets.intersection(a, b), ([[1, 3], [1, 5]], [[2], [3]])),
    (lambda a, b: wb.sets.union(a, b), ([[1, 2, 3, 9], [1, 4, 5, 6, 7]], [[1, 2, 4, 5], [2, 3]])),
])
def test_set_operations_on_sparse_arguments_are_right_on_every_call(op, want):
    f = wb.function(lambda a, b: wb.sparse.to_dense(op(a, b)))
    a1, b1 = _sparse([[1, 2, 3, 3], [4, 4, 5, 1]]), _sparse([[3, 1, 9, 9], [6, 5, 1, 7]])
    a2, b2 = _sparse([[1, 2, 4, 1], [2, 3, 3, 2]]), _sparse([[2, 5, 5, 5], [3, 3, 3, 3]])
    with pytest.warns(UnreplayableWarning):
        first = f(a1, b1)
    second = f(a2, b2)
    for got, rows in zip((first, second), want):
        width = max(len(r) for r in rows)
        np.testing.assert_array_equal(got.numpy(), [r + [0] * (width - len(r)) for r in rows])
