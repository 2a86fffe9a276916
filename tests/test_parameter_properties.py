"""Distribution.parameter_properties (TFP's): event dims, preferred parameterizations and default
constraining bijectors that map unconstrained reals into each parameter's domain."""

import numpy as np

import probability as tfp
import workbench as wb
from probability.distributions.distribution import CONSTRAINTS

tfd = tfp.distributions


def test_gamma_and_categorical_as_tfp_prints_them():
    g = tfd.Gamma.parameter_properties()
    assert list(g) == ["concentration", "rate", "log_rate"]
    assert [p.is_preferred for p in g.values()] == [True, False, True]      # log_rate over rate, as TFP
    assert all(p.event_ndims == 0 for p in g.values())
    c = tfd.Categorical.parameter_properties(dtype=np.float64, num_classes=7)
    assert c["logits"].is_preferred and not c["probs"].is_preferred
    assert c["logits"].event_ndims == 1 and tuple(c["logits"].shape_fn([3])) == (3, 7)
    assert "ParameterProperties(event_ndims=1" in repr(c["probs"])


def test_default_bijectors_map_reals_into_the_domain():
    x = wb.constant(np.random.default_rng(0).normal(size=(4, 3)) * 3)
    checked = 0
    for family in (tfd.Gamma, tfd.Beta, tfd.Categorical, tfd.Normal, tfd.Bernoulli, tfd.MultivariateNormalTriL,
                   tfd.Dirichlet, tfd.StudentT):
        for name, props in family.parameter_properties().items():
            constraint = family._param_constraints.get(name)
            if constraint is None:
                continue
            bij = props.default_constraining_bijector_fn()
            if constraint == "lower_triangular_positive_diag":
                value = bij.forward(wb.constant(np.random.default_rng(1).normal(size=(2, 6))))
            else:
                value = bij.forward(x)
            test, phrase = CONSTRAINTS[constraint]
            assert test(value.numpy()), (family.__name__, name, phrase)
            checked += 1
    assert checked >= 8
