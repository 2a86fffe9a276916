"""``wb.train.ExponentialMovingAverage`` against TF 2.21's values for the same calls."""

import numpy as np
import pytest

import workbench as wb


def test_shadows_start_at_the_value_and_follow_it():
    v = wb.Variable(1.0, name="w")
    b = wb.Variable([1.0, 2.0], name="scope/b")
    ema = wb.train.ExponentialMovingAverage(0.9)
    assert ema.apply([v, b]) is None
    assert ema.average(v).name == "w/ExponentialMovingAverage:0" and not ema.average(v).trainable
    assert ema.average_name(b) == "scope/b/ExponentialMovingAverage"
    np.testing.assert_array_equal(ema.average(b).numpy(), [1.0, 2.0])
    v.assign(2.0)
    ema.apply([v])
    np.testing.assert_allclose(ema.average(v).numpy(), 1.1, rtol=1e-6)
    v.assign(3.0)
    ema.apply([v, v])            # a repeated variable moves once (TF 2.21: 1.2900001)
    assert ema.average(v).numpy() == np.float32(1.2900001)
    assert ema.variables_to_restore() == {"w/ExponentialMovingAverage": v, "scope/b/ExponentialMovingAverage": b}
    assert ema.average(wb.Variable(5.0)) is None and ema.name == "ExponentialMovingAverage"


def test_num_updates_caps_the_decay():
    step = wb.Variable(0, dtype=wb.int64)
    ema = wb.train.ExponentialMovingAverage(0.99, num_updates=step)
    x = wb.Variable(0.0)
    got = []
    for i in range(3):
        x.assign(float(i + 1))
        step.assign_add(1)
        ema.apply([x])
        got.append(float(ema.average(x).numpy()))
    np.testing.assert_allclose(got, [1.0, 1.75, 2.6153846], rtol=1e-6)


def test_decay_variable_dtypes_and_functions():
    z = wb.Variable(2.0)
    ema = wb.train.ExponentialMovingAverage(wb.Variable(0.5), zero_debias=True)
    ema.apply([z])
    z.assign(4.0)
    ema.apply([z])
    assert float(ema.average(z).numpy()) == 3.0
    h = wb.Variable(wb.constant([1.0, 2.0], wb.float16))
    e16 = wb.train.ExponentialMovingAverage(0.5)
    e16.apply([h])
    h.assign([3.0, 3.0])
    e16.apply([h])
    assert e16.average(h).dtype == wb.float16
    np.testing.assert_array_equal(e16.average(h).numpy(), np.array([2.0, 2.5], np.float16))
    d = wb.Variable(1.0, dtype=wb.float64)
    e64 = wb.train.ExponentialMovingAverage(0.5)

    @wb.function
    def step():
        e64.apply([d])
        return e64.average(d).read_value()

    d.assign(3.0)
    assert float(step()) == 3.0 and float(step()) == 3.0
    d.assign(5.0)
    assert float(step()) == 4.0 and e64.average(d).dtype == wb.float64


def test_refusals_as_tf():
    ema = wb.train.ExponentialMovingAverage(0.9)
    with pytest.raises(TypeError, match="does not support non-Variable tensors when eager execution"):
        ema.apply([wb.constant(1.0)])
    with pytest.raises(TypeError, match="The variables must be half, float, or double: Variable:0"):
        ema.apply([wb.Variable(1)])
