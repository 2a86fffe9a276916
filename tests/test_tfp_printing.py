"""str() and repr() of distributions and bijectors, and instance names, as TFP 0.25 prints them
(the strings below are TFP's own output for the same objects, with the package named probability)."""

import pytest

import probability as tfp
import workbench as wb

tfd, tfb = tfp.distributions, tfp.bijectors


@pytest.mark.parametrize("name, want", [
    ("Two-by-Three Poissons", "Two_by_Three_Poissons"), ("_x", "x"), ("a/b", "b"), ("a.b-c>d", "a_b_c_d"),
    ("x y/z", "z"), ("abc ", "abc"), ("Standard", "Standard")])
def test_instance_names_are_tfp_s(name, want):
    assert tfd.Normal(0., 1., name=name).name == want


def test_distribution_str_and_repr():
    d = tfd.Poisson(rate=[[1., 2., 3.], [4., 5., 6.]], name="Two-by-Three Poissons")
    assert str(d) == ('probability.distributions.Poisson("Two_by_Three_Poissons", batch_shape=[2, 3], event_shape=[], '
                      'dtype=float32)')
    assert repr(d) == "<probability.distributions.Poisson 'Two_by_Three_Poissons' batch_shape=[2, 3] event_shape=[] dtype=float32>"
    assert repr(tfd.Normal(wb.constant(0., wb.float64), 1.)) == (
        "<probability.distributions.Normal 'Normal' batch_shape=[] event_shape=[] dtype=float64>")
    assert str(tfd.Categorical(logits=[0., 1.])) == (
        'probability.distributions.Categorical("Categorical", batch_shape=[], event_shape=[], dtype=int32)')
    assert str(tfd.Sample(tfd.Normal(0., 1.), 3)) == (
        'probability.distributions.Sample("SampleNormal", batch_shape=[], event_shape=[3], dtype=float32)')
    assert repr(tfd.Independent(tfd.Normal([0., 1.], 1.), 1)) == (
        "<probability.distributions.Independent 'IndependentNormal' batch_shape=[] event_shape=[2] dtype=float32>")
    assert repr(tfd.TransformedDistribution(tfd.Normal(0., 1.), tfb.Exp())) == (
        "<probability.distributions.TransformedDistribution 'expNormal' batch_shape=[] event_shape=[] dtype=float32>")


def test_joint_distribution_str_shows_each_part():
    j = tfd.JointDistributionSequential([tfd.Normal(0., [1., 2.]), lambda x: tfd.Bernoulli(logits=x)])
    assert str(j) == ('probability.distributions.JointDistributionSequential("JointDistributionSequential", '
                      'batch_shape=[[2], [2]], event_shape=[[], []], dtype=[float32, int32])')
    jn = tfd.JointDistributionNamed(dict(z=tfd.Normal(0., 1.), a=tfd.Normal(0., 1.)))
    assert repr(jn) == ("<probability.distributions.JointDistributionNamed 'JointDistributionNamed' batch_shape={a: [], z: []} "
                        "event_shape={a: [], z: []} dtype={a: float32, z: float32}>")


def test_bijector_str_and_repr():
    assert str(tfb.Exp(name="my exp")) == 'probability.bijectors.Exp("my_exp", batch_shape=[], min_event_ndims=0)'
    assert repr(tfb.Softplus()) == ("<probability.bijectors.Softplus 'softplus' batch_shape=[] forward_min_event_ndims=0 "
                                    "inverse_min_event_ndims=0 dtype_x=? dtype_y=?>")
    assert str(tfb.Scale([1., 2.])) == 'probability.bijectors.Scale("scale", batch_shape=[2], min_event_ndims=0, dtype=float32)'
    assert repr(tfb.Scale([1., 2.])) == ("<probability.bijectors.Scale 'scale' batch_shape=[2] forward_min_event_ndims=0 "
                                         "inverse_min_event_ndims=0 dtype_x=float32 dtype_y=float32>")
    assert str(tfb.Invert(tfb.Exp())) == 'probability.bijectors.Invert("invert_exp", batch_shape=[], min_event_ndims=0, bijector=Exp)'
    assert str(tfb.Chain([tfb.Exp(), tfb.Shift(1.)])) == (
        'probability.bijectors.Chain("chain_of_exp_of_shift", batch_shape=[], min_event_ndims=0, bijectors=[Exp, Shift])')


def test_deferred_tensor_and_transformed_variable_repr():
    v = tfp.util.TransformedVariable([[1.], [2.]], tfb.Softplus())
    assert repr(v) == ('<TransformedVariable: name=softplus, dtype=float32, shape=[2, 1], fn="softplus", numpy=\n'
                       'array([[1.],\n       [2.]], dtype=float32)>')
    assert repr(tfp.util.TransformedVariable(1., tfb.Exp(), name="scale")) == (
        '<TransformedVariable: name=scale, dtype=float32, shape=[], fn="exp", numpy=1.0>')
    assert repr(tfp.util.DeferredTensor(wb.Variable(2.), wb.math.square)) == (
        "<DeferredTensor: name=square_variable_0, dtype=float32, shape=[], fn=square, numpy=4.0>")
