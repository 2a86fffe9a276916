"""The remaining families on TFP 0.25's seed flow: their draws equal TFP's for a stateless pair,
the global seed and an int seed (values made with TFP 0.25 / TF 2.21 on CPU, float32)."""

import numpy as np
import pytest

import probability as tfp
import workbench as wb

tfd = tfp.distributions

# name: (constructor, d.sample(3, seed=(1, 2)), [set_seed(7)] d.sample(3), then d.sample(3, seed=5))
DRAWS = {
    'Binomial': ('Binomial(total_count=[5., 30., 100.], probs=[0.3, 0.6, 0.2])',
        [[0.0, 17.0, 24.0], [1.0, 17.0, 20.0], [2.0, 15.0, 19.0]],
        [[2.0, 18.0, 22.0], [0.0, 22.0, 23.0], [2.0, 19.0, 20.0]],
        [[1.0, 21.0, 33.0], [1.0, 18.0, 17.0], [2.0, 17.0, 22.0]]),
    'BinomialLogits': ('Binomial(total_count=[0., 7.], logits=[-1., 0.5])',
        [[0.0, 4.0], [0.0, 2.0], [0.0, 4.0]],
        [[0.0, 5.0], [0.0, 7.0], [0.0, 5.0]],
        [[0.0, 3.0], [0.0, 3.0], [0.0, 5.0]]),
    'Multinomial': ('Multinomial(total_count=[4., 10.], probs=[[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])',
        [[[1.0, 1.0, 2.0], [5.0, 0.0, 5.0]], [[0.0, 3.0, 1.0], [8.0, 1.0, 1.0]], [[0.0, 3.0, 1.0], [6.0, 1.0, 3.0]]],
        [[[0.0, 2.0, 2.0], [7.0, 1.0, 2.0]], [[1.0, 3.0, 0.0], [7.0, 1.0, 2.0]], [[0.0, 1.0, 3.0], [7.0, 1.0, 2.0]]],
        [[[3.0, 0.0, 1.0], [6.0, 2.0, 2.0]], [[1.0, 1.0, 2.0], [7.0, 0.0, 3.0]], [[1.0, 2.0, 1.0], [8.0, 1.0, 1.0]]]),
    'MultinomialLogits': ('Multinomial(total_count=6., logits=[0., 1., -1., 0.5])',
        [[2.0, 1.0, 1.0, 2.0], [1.0, 3.0, 0.0, 2.0], [0.0, 4.0, 0.0, 2.0]],
        [[0.0, 3.0, 0.0, 3.0], [0.0, 4.0, 1.0, 1.0], [2.0, 3.0, 0.0, 1.0]],
        [[3.0, 1.0, 0.0, 2.0], [1.0, 1.0, 1.0, 3.0], [1.0, 1.0, 0.0, 4.0]]),
    'BetaBinomial': ('BetaBinomial(total_count=[5., 10., 1.], concentration1=[0.5, 2., 3.], concentration0=[0.7, 3., 1.2])',
        [[4.0, 9.0, 0.0], [0.0, 0.0, 1.0], [0.0, 7.0, 1.0]],
        [[0.0, 5.0, 1.0], [2.0, 2.0, 1.0], [3.0, 4.0, 1.0]],
        [[4.0, 1.0, 1.0], [0.0, 3.0, 1.0], [1.0, 3.0, 1.0]]),
    'DirichletMultinomial': ('DirichletMultinomial(total_count=[4., 10.], concentration=[[0.5, 1., 2.], [3., 0.2, 1.]])',
        [[[0.0, 2.0, 2.0], [5.0, 0.0, 5.0]], [[2.0, 1.0, 1.0], [7.0, 0.0, 3.0]], [[0.0, 0.0, 4.0], [9.0, 1.0, 0.0]]],
        [[[2.0, 0.0, 2.0], [7.0, 3.0, 0.0]], [[2.0, 1.0, 1.0], [9.0, 0.0, 1.0]], [[0.0, 1.0, 3.0], [9.0, 0.0, 1.0]]],
        [[[0.0, 0.0, 4.0], [6.0, 4.0, 0.0]], [[0.0, 3.0, 1.0], [6.0, 1.0, 3.0]], [[0.0, 1.0, 3.0], [3.0, 0.0, 7.0]]]),
    'ZeroInflatedNegativeBinomial': ('ZeroInflatedNegativeBinomial(inflated_loc_probs=[0.3, 0., 0.8], total_count=[2., 5., 1.], probs=[0.3, 0.6, 0.8])',
        [[0.0, 4.0, 0.0], [2.0, 5.0, 0.0], [0.0, 5.0, 0.0]],
        [[3.0, 4.0, 0.0], [0.0, 7.0, 0.0], [1.0, 9.0, 0.0]],
        [[4.0, 10.0, 4.0], [1.0, 3.0, 0.0], [0.0, 6.0, 0.0]]),
    'ZeroInflatedNegativeBinomialLogits': ('ZeroInflatedNegativeBinomial(inflated_loc_logits=[-0.5, 1.], total_count=[3., 2.], logits=[0.4, -1.])',
        [[5.0, 0.0], [7.0, 0.0], [0.0, 0.0]],
        [[6.0, 0.0], [1.0, 0.0], [3.0, 2.0]],
        [[9.0, 0.0], [6.0, 0.0], [2.0, 0.0]]),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_draws_are_tfps(name):
    make, pair, global_seed, int_seed = DRAWS[name]
    d = eval(make, {"tf": wb, "np": np}, vars(tfd))
    np.testing.assert_allclose(d.sample(3, seed=(1, 2)).numpy(), pair, rtol=2e-6, atol=1e-6)
    wb.random.set_seed(7)
    np.testing.assert_allclose(d.sample(3).numpy(), global_seed, rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(d.sample(3, seed=5).numpy(), int_seed, rtol=2e-6, atol=1e-6)
