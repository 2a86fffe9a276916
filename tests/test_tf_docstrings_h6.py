"""TF API docstring examples whose values or behaviour differed here, pinned with TF 2.21's
outputs."""
import numpy as np
import pytest

import workbench as wb


def test_seeded_initializers_repeat_tf_stateless_draw():
    # TF: a seeded initializer is stateless under [seed, 0], the same tensor on every call
    u = wb.random_uniform_initializer(-1.0, 1.0, seed=3)
    want = [-0.6081743, 0.8786905, 0.0645504, 0.68208265]
    np.testing.assert_allclose(u([4]).numpy(), want, rtol=1e-6)
    np.testing.assert_allclose(u([4]).numpy(), want, rtol=1e-6)
    np.testing.assert_allclose(wb.random_normal_initializer(1.0, 2.0, seed=1)([3], wb.float64).numpy(),
                               [-4.064173331, 2.72784474, -4.41165761], rtol=1e-8)
    np.testing.assert_allclose(wb.random_normal_initializer(1.0, 2.0, seed=0)([3]).numpy(),
                               [-2.394068, 0.037246585, -0.32447386], rtol=1e-6)
    assert wb.random_uniform_initializer(0, 10, seed=1)([5], wb.int32).numpy().tolist() == [9, 4, 0, 6, 1]


def test_unseeded_initializers_follow_global_seed_stream():
    # TF: without a seed the initializer is tf.random.uniform/normal (op seeds from the global seed)
    wb.random.set_seed(7)
    np.testing.assert_allclose(wb.random_uniform_initializer(-1.0, 1.0)([3]).numpy(),
                               [0.66890764, -0.5332668, 0.7593038], rtol=1e-6)
    np.testing.assert_allclose(wb.random_normal_initializer()([3]).numpy(),
                               [-0.11366656, -0.08296052, -0.01316784], rtol=1e-5)
    assert wb.random_uniform_initializer(0, 10)([5], wb.int64).numpy().tolist() == [2, 3, 9, 4, 6]
    # the docstring of tf.random_normal_initializer, after tf.random.set_seed(5)
    wb.random.set_seed(5)
    init = wb.random_normal_initializer(mean=1., stddev=2.)
    np.testing.assert_allclose(init(shape=[3], dtype=wb.float32).numpy(),
                               [0.63938665, -0.90057254, 0.920719], rtol=1e-6)


def test_eager_numpy_function_is_tf_eager_path(capsys):
    # TF 2.21 eager: func(*[np.array(x) for x in inp]); results flattened, convert_to_tensor'd,
    # Tout unchecked; one result comes back alone
    @wb.numpy_function(Tout=wb.float32)
    def my_numpy_func(x):
        print(f"x={x!r}")
        return np.sinh(x)

    out = my_numpy_func(1.0)
    assert capsys.readouterr().out == "x=array(1.)\n"
    assert out.dtype == wb.float64 and repr(out.numpy()) == "np.float64(1.1752011936438014)"
    v = wb.Variable(2.0)
    assert wb.numpy_function(lambda a: a.astype(np.float64), [v], Tout=wb.float32).dtype == wb.float64
    assert wb.numpy_function(lambda a: a, [1.0], Tout=[wb.float64]).dtype == wb.float64
    parts = wb.numpy_function(lambda a: (a, [1, 2]), [1.0], Tout=[wb.float64, wb.int32])
    assert [(p.dtype, p.numpy().tolist()) for p in parts] == [(wb.float64, 1.0), (wb.int32, 1), (wb.int32, 2)]
    assert wb.numpy_function(lambda a: None, [1.0], Tout=[]) is None
    assert wb.numpy_function(lambda a: 3.0, [[1, 2]], Tout=wb.float64).dtype == wb.float32
    assert wb.numpy_function(lambda a: {"x": a}, [1], Tout=wb.float64).dtype == wb.int64
    assert wb.numpy_function(lambda a: a, ["ab"], Tout=wb.string).numpy() == b"ab"

    # a decorated numpy function called inside a graph's numpy function runs eagerly (TF's)
    @wb.function(input_signature=[wb.TensorSpec(None, wb.float32)])
    def tf_function(x):
        return wb.numpy_function(my_numpy_func, [x], wb.float32)

    assert float(tf_function(wb.constant(1.))) == np.float32(np.sinh(1.0))
    assert capsys.readouterr().out == "x=array(1., dtype=float32)\n"


def test_numpy_function_argument_errors_as_tf():
    with pytest.raises(TypeError, match="missing argument `inp`"):
        wb.numpy_function(np.sinh, Tout=wb.float32)
    with pytest.raises(TypeError, match="don't set `inp`"):
        wb.numpy_function(Tout=wb.float32, inp=[1.0])
    with pytest.raises(TypeError, match="'Tout'"):
        wb.numpy_function(np.sinh, [1.0])


def test_python_function_bodies_execute_eagerly():
    # TF 2.21: tf.executing_eagerly() is True inside a py/numpy function, also in a tf.function
    assert bool(wb.numpy_function(lambda: wb.executing_eagerly(), [], Tout=wb.bool))
    f = wb.function(lambda x: wb.numpy_function(lambda a: np.array(wb.executing_eagerly()), [x], Tout=wb.bool))
    assert bool(f(1.0)) and bool(f(2.0))
    g = wb.function(lambda x: wb.py_function(lambda a: wb.executing_eagerly(), [x], Tout=wb.bool))
    assert bool(g(1.0))
    assert not wb.function(lambda: wb.executing_eagerly())()


def test_sync_devices_eager_only():
    assert wb.test.experimental.sync_devices() is None
    with pytest.raises(RuntimeError, match="Eager mode"):
        wb.function(lambda: wb.test.experimental.sync_devices())()
