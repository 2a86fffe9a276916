"""What TFP's tutorial notebooks Eight_Schools, Bayesian_Switchpoint_Analysis,
Bayesian_Gaussian_Mixture_Model, Gaussian_Copula and Variational_Inference_and_Joint_Distributions
use, with the values TF 2.21 / TFP 0.25 give pinned."""

import numpy as np
import pytest

import probability as tfp
import workbench as wb

tfd, tfb = tfp.distributions, tfp.bijectors


# -- Variational_Inference_and_Joint_Distributions ----------------------------------------------

def test_pack_sequence_as_takes_a_range():
    # the notebook packs ``range(len(flat_event_shape))`` into the event structure
    assert wb.nest.pack_sequence_as({"a": 1, "b": (2, 3)}, range(3)) == {"a": 0, "b": (1, 2)}
    with pytest.raises(TypeError, match="flat_sequence"):
        wb.nest.pack_sequence_as((1, 2), "ab")
    with pytest.raises(TypeError, match="flat_sequence"):
        wb.nest.pack_sequence_as((1, 2), np.array([5, 6]))
