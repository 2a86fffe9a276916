"""wb.test (TF's tf.test): TestCase's assertions on tensors and nests, compute_gradient against
TF 2.21's results, and the device queries."""

import collections
import unittest

import numpy as np
import pytest

import workbench as wb


class _Case(wb.test.TestCase):
    __test__ = False   # a helper, not a test class

    def runTest(self):
        pass


@pytest.fixture
def case():
    c = _Case()
    c.setUp()
    return c


def test_gpu_queries_follow_the_device_list():
    has_gpu = bool(wb.config.list_physical_devices("GPU"))
    assert wb.test.gpu_device_name() == ("/device:GPU:0" if has_gpu else "")
    assert wb.test.is_gpu_available() is has_gpu
    assert wb.test.is_built_with_rocm() is False and isinstance(wb.test.is_built_with_cuda(), bool)


def test_compute_gradient_matches_tf():
    # TF 2.21: compute_gradient(lambda x, y: x * y, [[1., 2.], 3.]) -> ([[3,0],[0,3]], [[1],[2]]) twice
    theoretical, numerical = wb.test.compute_gradient(lambda x, y: x * y, [wb.constant([1., 2.]), wb.constant(3.)])
    assert isinstance(theoretical, tuple) and len(theoretical) == 2
    for jac in (theoretical, numerical):
        np.testing.assert_allclose(jac[0], [[3., 0.], [0., 3.]], rtol=1e-5)
        np.testing.assert_allclose(jac[1], [[1.], [2.]], rtol=1e-5)
        assert jac[0].dtype == np.float32
    # the default step is 1/1024: ((1+d)^3 - (1-d)^3) / 2d = 3 + d^2 exactly in float64
    _, num = wb.test.compute_gradient(lambda x: x ** 3, [wb.constant([1.], dtype=np.float64)])
    assert num[0][0, 0] - 3.0 == pytest.approx((1 / 1024) ** 2, rel=1e-6)
    # an output that does not depend on x: zero Jacobians of shape [1, 2]
    t, n = wb.test.compute_gradient(lambda x: wb.constant(1.), [wb.constant([1., 2.])])
    assert t[0].shape == (1, 2) and not t[0].any() and not n[0].any()
    with pytest.raises(TypeError, match="list or tuple"):
        wb.test.compute_gradient(lambda x: x, wb.constant(1.))


def test_assert_all_close_on_nests(case):
    Point = collections.namedtuple("Point", "x y")
    case.assertAllClose({"a": [wb.constant([1., 2.]), 3.], "b": Point(1., np.ones(2))},
                        {"a": [np.array([1., 2.]), 3.0000001], "b": Point(1., [1., 1.])})
    with pytest.raises(AssertionError, match=r"a\['a'\]\[0\] is different from b\['a'\]\[0\]"):
        case.assertAllClose({"a": [wb.constant([1., 2.])]}, {"a": [np.array([1., 2.1])]})
    with pytest.raises(AssertionError, match="Shape mismatch"):
        case.assertAllClose(np.ones(2), wb.ones([1, 2]))
    with pytest.raises(AssertionError, match="mismatched keys"):
        case.assertAllClose({"a": 1.}, {"b": 1.})
    case.assertAllClose(1.0, 1.05, rtol=0.1)
    case.assertNotAllClose([1., 2.], [1., 3.])
    case.assertAllCloseAccordingToType(np.float16(1.0), np.float16(1.0004))
    with pytest.raises(AssertionError):
        case.assertAllCloseAccordingToType(np.float64(1.0), np.float64(1.0004))


def test_equality_order_range_and_set(case):
    case.assertAllEqual(wb.constant([1, 2]), [1, 2])
    with pytest.raises(AssertionError, match="not equal where"):
        case.assertAllEqual([1, 2], [1, 3])
    case.assertNotAllEqual([1, 2], [1, 3])
    case.assertAllGreater(wb.constant([2., 3.]), 1.)
    case.assertAllLessEqual([1, 2], 2)
    with pytest.raises(AssertionError, match="not less than 2"):
        case.assertAllLess([1, 2], 2)
    case.assertAllInRange([0., 2.], 0., 2.)
    with pytest.raises(AssertionError, match=r"1 of the 2 element\(s\) are outside the range \[0.0, 2.0\]"):
        case.assertAllInRange([1., 5.], 0., 2.)
    with pytest.raises(AssertionError, match="outside the range"):
        case.assertAllInRange([0., 1.], 0., 2., open_lower_bound=True)
    case.assertAllInSet(wb.constant([1, 2, 1]), {1, 2, 3})
    with pytest.raises(AssertionError, match="not in the set"):
        case.assertAllInSet([1, 4], [1, 2])
    case.assertShapeEqual(np.zeros((2, 3)), wb.zeros([2, 3]))
    case.assertDTypeEqual(wb.zeros([2], dtype=np.int32), np.int32)
    case.assertArrayNear([1.0, 2.0], [1.05, 1.95], 0.1)
    case.assertNear(1.0, 1.2, 0.25)


def test_evaluate_session_and_errors(case):
    out = case.evaluate([wb.constant(1.), {"a": wb.constant([2, 3])}])
    assert isinstance(out[0], np.float32) and out[1]["a"].tolist() == [2, 3]
    with case.cached_session() as sess:
        assert sess.run(wb.constant(4)) == 4
    with case.assertRaisesOpError("bad thing"):
        raise wb.errors.InvalidArgumentError(None, None, "a bad thing happened")
    with pytest.raises(AssertionError, match="does not match"):
        with case.assertRaisesWithPredicateMatch(ValueError, "expected words"):
            raise ValueError("other words")


def test_setup_seeds_make_tests_repeatable():
    a, b = _Case(), _Case()
    a.setUp()
    first = wb.random.normal([3]).numpy()
    b.setUp()
    np.testing.assert_array_equal(first, wb.random.normal([3]).numpy())
    assert issubclass(wb.test.TestCase, unittest.TestCase)
