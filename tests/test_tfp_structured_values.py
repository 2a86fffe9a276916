"""Structured values through bijectors and TransformedDistribution (values pinned from TFP 0.25):
a TransformedDistribution over a joint base, Restructure to a namedtuple, and a Chain of
Restructure and JointMap on namedtuple / list values."""

from collections import namedtuple

import numpy as np
import pytest

import workbench as wb
import probability as tfp

tfd = tfp.distributions
tfb = tfp.bijectors

P = namedtuple("P", "a b")


def _joint_transformed():
    base = tfd.JointDistributionSequential([tfd.Normal(0.0, 1.0), tfd.Sample(tfd.Normal(0.0, 1.0), 2)])
    return tfd.TransformedDistribution(base, tfb.JointMap([tfb.Exp(), tfb.Identity()]))


def test_transformed_joint_shapes_and_dtype():
    d = _joint_transformed()
    assert d.dtype == [np.float32, np.float32]
    assert isinstance(d.event_shape, list) and d.event_shape == [(), (2,)]
    assert isinstance(d.batch_shape, list) and d.batch_shape == [(), ()]
    es, bs = d.event_shape_tensor(), d.batch_shape_tensor()
    assert [t.numpy().tolist() for t in es] == [[], [2]]
    assert [t.numpy().tolist() for t in bs] == [[], []]
    assert all(t.dtype == np.int32 for t in es + bs)


def test_transformed_joint_log_prob():
    d = _joint_transformed()
    lp = d.log_prob([2.0, [0.5, -1.0]])   # TFP: -4.3151894
    assert lp.dtype == np.float32 and lp.shape == ()
    np.testing.assert_allclose(lp.numpy(), -4.3151894, rtol=1e-6)
    # by hand: Normal at log 2, minus log 2, plus the two standard normals
    by_hand = -0.5 * np.log(2) ** 2 - np.log(2) - 1.5 * np.log(2 * np.pi) - 0.5 * (0.25 + 1.0)
    np.testing.assert_allclose(lp.numpy(), by_hand, rtol=1e-6)
    np.testing.assert_allclose(d.prob([2.0, [0.5, -1.0]]).numpy(), 0.013364019, rtol=1e-5)
    lp2 = d.log_prob([wb.constant([2.0, 3.0]), wb.constant([[0.5, -1.0], [1.0, 2.0]])])
    np.testing.assert_allclose(lp2.numpy(), [-4.3151894, -6.958903], rtol=1e-6)


def test_transformed_joint_sample():
    d = _joint_transformed()
    s = d.sample(3, seed=1)
    assert isinstance(s, list) and s[0].shape == (3,) and s[1].shape == (3, 2)
    # TFP 0.25, seed=1
    np.testing.assert_allclose(s[0].numpy(), [4.559557, 0.3341558, 0.3617655], rtol=1e-5)
    np.testing.assert_allclose(s[1].numpy(), [[-1.9816604, 0.2529604], [1.6178687, -0.2543634],
                                              [0.65973425, 0.45801467]], rtol=1e-5)
    assert np.all(s[0].numpy() > 0)
    np.testing.assert_allclose(d.log_prob(s).numpy(), [-7.4205112, -3.6025376, -2.5794692], rtol=1e-5)
    one = d.sample(seed=1)
    assert one[0].shape == () and one[1].shape == (2,)


def test_transformed_joint_mean_needs_affine():
    with pytest.raises(NotImplementedError, match="affine"):
        _joint_transformed().mean()


def test_restructure_to_namedtuple():
    r = tfb.Restructure(P(0, 1))
    y = r.forward([1.0, 2.0])
    assert type(y) is P and y == P(a=1.0, b=2.0)
    x = r.inverse(P(1.0, 2.0))
    assert isinstance(x, list) and x == [1.0, 2.0]


def test_jointmap_keeps_namedtuple():
    y = tfb.JointMap(P(tfb.Exp(), tfb.Identity())).forward(P(wb.zeros([2]), wb.ones([3])))
    assert type(y) is P
    np.testing.assert_allclose(y.a.numpy(), [1.0, 1.0])


def _chain():
    return tfb.Chain([tfb.Restructure([0, 1], P(0, 1)), tfb.JointMap(P(tfb.Exp(), tfb.Identity()))])


def test_chain_of_structured_forward_inverse():
    ch = _chain()
    y = ch.forward(P(wb.zeros([2]), wb.ones([2, 3])))
    assert isinstance(y, list) and len(y) == 2
    np.testing.assert_array_equal(y[0].numpy(), np.ones(2, np.float32))
    np.testing.assert_array_equal(y[1].numpy(), np.ones((2, 3), np.float32))
    x = ch.inverse([wb.ones([2]), wb.ones([2, 3])])
    assert type(x) is P
    np.testing.assert_array_equal(x.a.numpy(), np.zeros(2, np.float32))
    np.testing.assert_array_equal(x.b.numpy(), np.ones((2, 3), np.float32))


def test_chain_of_structured_log_det_jacobians():
    ch = _chain()
    x = P(wb.constant([0.5, 1.0]), wb.ones([2, 3]))
    # TFP 0.25: default event ndims P(0, 0), and P(1, 1)
    np.testing.assert_allclose(ch.forward_log_det_jacobian(x).numpy(), [0.5, 1.0])
    np.testing.assert_allclose(ch.forward_log_det_jacobian(x, event_ndims=P(1, 1)).numpy(), 1.5)
    y = [wb.constant([0.5, 2.0]), wb.ones([2, 3])]
    np.testing.assert_allclose(ch.inverse_log_det_jacobian(y).numpy(), [0.6931472, -0.6931472], rtol=1e-6)
    np.testing.assert_allclose(ch.inverse_log_det_jacobian(y, event_ndims=[1, 2]).numpy(), 0.0, atol=1e-7)


def test_chain_of_structured_event_shapes():
    ch = _chain()
    fwd = ch.forward_event_shape(P([2], [2, 3]))
    assert isinstance(fwd, list) and fwd == [(2,), (2, 3)]
    inv = ch.inverse_event_shape([[2], [2, 3]])
    assert type(inv) is P and inv == P((2,), (2, 3))
    assert ch.forward_event_ndims(P(1, 2)) == [1, 2]
    assert ch.inverse_event_ndims([1, 2]) == P(1, 2)


def test_chain_of_structured_wrong_structure():
    with pytest.raises(ValueError, match="JointMap: `x` must be a list of 2 parts"):
        _chain().forward([wb.zeros([2])])


def test_transformed_split_makes_structured_values():
    split = tfb.Split([1, 2])
    assert split.forward_event_ndims(1) == [1, 1] and split.inverse_event_ndims([1, 1]) == 1
    with pytest.raises(ValueError, match="2 equal ints"):
        split.inverse_event_ndims([1, 2])
    d = tfd.TransformedDistribution(tfd.Sample(tfd.Normal(0.0, 1.0), 3),
                                    tfb.Chain([tfb.JointMap([tfb.Exp(), tfb.Identity()]), split]))
    # TFP 0.25: dtype [float32, float32], event shapes [[1], [2]], batch shape () (the base's)
    assert d.dtype == [np.float32, np.float32]
    assert d.event_shape == [(1,), (2,)] and d.batch_shape == ()
    np.testing.assert_allclose(d.log_prob([[2.0], [0.5, -1.0]]).numpy(), -4.3151894, rtol=1e-6)
    x = d.sample(2, seed=3)
    np.testing.assert_allclose(x[0].numpy(), [[2.8911724], [1.2033595]], rtol=1e-5)
    np.testing.assert_allclose(x[1].numpy(), [[-0.8785783, 0.11187216], [0.90922564, -0.73787236]], rtol=1e-5)
    np.testing.assert_allclose(d.log_prob(x).numpy(), [-4.7742486, -3.6446404], rtol=1e-5)


def test_transformed_kernel_with_one_structured_bijector():
    jd = tfd.JointDistributionSequential([tfd.Gamma(2.0, 1.0), tfd.Normal(0.0, 1.0)])
    b = tfb.Restructure([1, 0], [0, 1])(tfb.JointMap([tfb.Exp(), tfb.Identity()]))
    k = tfp.mcmc.TransformedTransitionKernel(
        tfp.mcmc.HamiltonianMonteCarlo(lambda a, c: jd.log_prob([c, a]), 0.1, 2), b)
    r = k.bootstrap_results([wb.constant([0.3, -1.0]), wb.constant([2.0, 0.5])])
    # TFP 0.25: the bijector inverts the whole state (parts swapped back, Exp on the Gamma part)
    u = r.transformed_state
    np.testing.assert_allclose(u[0].numpy(), [0.6931472, -0.6931472], rtol=1e-6)
    np.testing.assert_allclose(u[1].numpy(), [0.3, -1.0], rtol=1e-6)
    np.testing.assert_allclose(r.inner_results.accepted_results.target_log_prob.numpy(),
                               [-1.5776441, -3.305233], rtol=1e-6)
    back = k.transform_state(u)
    np.testing.assert_allclose(back[1].numpy(), [2.0, 0.5], rtol=1e-6)


def test_split_inverse_of_its_pieces_is_the_input():
    split = tfb.Split([1, 2])
    x = wb.constant([[1.0, 2.0, 3.0]])
    pieces = split.forward(x)
    assert split.inverse(pieces) is x
    assert split.inverse(list(pieces)) is x
    other = split.inverse([wb.constant([[1.0]]), pieces[1]])
    assert other is not x
    np.testing.assert_array_equal(other.numpy(), x.numpy())


@pytest.mark.parametrize("method", ["cdf", "log_cdf", "survival_function", "log_survival_function", "quantile",
                                    "entropy", "stddev", "mode", "slice"])
def test_transformed_joint_has_no_cdf_entropy_or_slicing(method):
    # TFP 0.25 raises NotImplementedError for each (its slicing fails on the list dtype)
    d = _joint_transformed()
    with pytest.raises(NotImplementedError):
        if method == "slice":
            d[0]
        elif method in ("entropy", "stddev", "mode"):
            getattr(d, method)()
        else:
            getattr(d, method)([0.5, [0.5, 0.5]])


def test_structured_chain_default_event_ndims_are_tfps():
    # event_ndims=None: the chain's minimum for each part, carried through the walk (TFP 0.25 values)
    x = wb.constant([[0.5, 1., 2., 3.], [0.1, 0.2, 0.3, 0.4]])
    c = tfb.Chain([tfb.JointMap([tfb.Exp(), tfb.Scale(2.)]), tfb.Split(2)])
    np.testing.assert_allclose(c.forward_log_det_jacobian(x).numpy(), [2.8862944, 1.6862943], rtol=1e-6)
    np.testing.assert_allclose(c.inverse_log_det_jacobian(c.forward(x)).numpy(), [-2.8862944, -1.6862943],
                               rtol=1e-6)
    c = tfb.Chain([tfb.JointMap([tfb.Exp(), tfb.Scale(2.)]), tfb.Restructure([1, 0])])
    v = [wb.constant([0.5, 1.]), wb.constant([[1., 2.], [3., 4.]])]
    np.testing.assert_allclose(c.forward_log_det_jacobian(v).numpy(),
                               [[1.6931472, 2.6931472], [3.6931472, 4.693147]], rtol=1e-6)
    c = tfb.Chain([tfb.Restructure({'a': 0, 'b': 1}), tfb.JointMap([tfb.Exp(), tfb.FillScaleTriL()])])
    v = [wb.constant([0.5, 1.]), wb.constant([[1., 2., 3.], [3., 4., 5.]])]
    np.testing.assert_allclose(c.forward_log_det_jacobian(v).numpy(), [0.13815096, 0.9446973], rtol=1e-5)
    np.testing.assert_allclose(c.inverse_log_det_jacobian(c.forward(v)).numpy(), [-0.13815099, -0.9446973],
                               rtol=1e-5)
