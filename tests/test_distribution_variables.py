"""A distribution lists the Variables it was built from, as TFP's distributions (tf.Modules) do:
parameters, nested distributions and TransformedVariables' pretransformed inputs."""

import numpy as np

import probability as tfp
import workbench as wb

tfd, tfb = tfp.distributions, tfp.bijectors


def test_variables_of_nested_distributions():
    loc = wb.Variable(wb.zeros([3, 4]), name="loc")
    scale = tfp.util.TransformedVariable(wb.ones([1]), bijector=tfb.Exp(), name="scale")
    logits = wb.Variable(wb.zeros(3), name="logits")
    d = tfd.MixtureSameFamily(
        mixture_distribution=tfd.Categorical(logits=logits),
        components_distribution=tfd.Independent(tfd.Normal(loc=loc, scale=scale), 1))
    names = [v.path for v in d.trainable_variables]
    # TFP's order: a tf.Module's attributes by name (_components_distribution before
    # _mixture_distribution), and a TransformedVariable's variable under the name given
    assert names == ["loc", "scale", "logits"]
    assert len({id(v) for v in d.trainable_variables}) == 3
    np.testing.assert_array_equal(d.trainable_variables[names.index("scale")].numpy(), [0.])


def test_non_trainable_variables_are_in_variables_only():
    frozen = wb.Variable(1.5, trainable=False)
    d = tfd.Normal(loc=wb.Variable(0.), scale=frozen)
    assert frozen in [v for v in d.variables if v is frozen]
    assert all(v is not frozen for v in d.trainable_variables)
    assert len(d.variables) == 2 and len(d.trainable_variables) == 1
    assert tfd.Normal(0., 1.).variables == ()


def test_variables_are_the_same_on_every_call():
    # regression: the walk once marked temporary lists by id, and a later temporary with a reused
    # id hid a TransformedVariable's variable on the second call
    d = tfd.MultivariateNormalTriL(
        loc=tfp.util.TransformedVariable(wb.zeros([3, 4]), bijector=tfb.Pad(paddings=[(1, 0)], axis=-2), name="loc"),
        scale_tril=tfp.util.TransformedVariable(wb.eye(4, batch_shape=[3]), bijector=tfb.FillScaleTriL(),
                                                name="scale_tril"))
    for _ in range(5):
        assert [v.path for v in d.trainable_variables] == ["loc", "scale_tril"]
