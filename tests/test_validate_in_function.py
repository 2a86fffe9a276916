"""validate_args inside a wb.function: parameters, values and bijector inputs computed in the
function are checked by ops, so the function still replays (no read of a value in Python) and
bad inputs still raise on every call (TFP's Covariance Estimation case study samples with
VALIDATE_ARGS = True under HMC)."""

import warnings

import numpy as np
import pytest

import probability as tfp
import workbench as wb

tfd, tfb = tfp.distributions, tfp.bijectors


def _replays(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # an UnreplayableWarning would fail here
        return [fn(*args) for _ in range(3)]


def test_validated_distributions_and_bijectors_replay_and_still_raise():
    chol = tfb.Invert(tfb.CholeskyOuterProduct(validate_args=True))

    @wb.function
    def log_lik(scale, x, m):
        d = tfd.Normal(0., scale * 2., validate_args=True)
        g = tfd.Gamma(2., 1., validate_args=True)
        mvn = tfd.MultivariateNormalFullCovariance(covariance_matrix=m @ wb.linalg.matrix_transpose(m) + wb.eye(2),
                                                   validate_args=True)
        return d.log_prob(x) + g.log_prob(x) + mvn.log_prob(wb.stack([x, x])) + wb.reduce_sum(chol.inverse(m))

    m = wb.constant([[1., 0.], [0.5, 2.]])
    outs = _replays(log_lik, wb.constant(1.5), wb.constant(0.3), m)
    want = (tfd.Normal(0., 3.).log_prob(0.3) + tfd.Gamma(2., 1.).log_prob(0.3)
            + tfd.MultivariateNormalFullCovariance(covariance_matrix=[[2., 0.5], [0.5, 5.25]]).log_prob([0.3, 0.3])
            + 6.25)                      # sum of L L^T
    for out in outs:
        np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="argument `scale` must be positive"):
        log_lik(wb.constant(-1.), wb.constant(0.3), m)
    with pytest.raises(ValueError, match=r"Gamma.log_prob: the value must be non-negative"):
        log_lik(wb.constant(1.5), wb.constant(-1.0), m)
    with pytest.raises(ValueError, match="positive diagonal"):
        log_lik(wb.constant(1.5), wb.constant(0.3), wb.constant([[1., 0.], [0.5, -2.]]))
    # eagerly the messages still show the offending value
    with pytest.raises(ValueError, match=r"must be positive, got array\(-1"):
        tfd.Normal(0., wb.constant(-1.), validate_args=True)
