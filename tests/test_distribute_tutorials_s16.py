"""What TF's distribution guide and tutorials (guide/distributed_training, tutorials/distribute/*)
showed to differ here, pinned against TF 2.21's values and texts (from running their cells there)."""

import numpy as np
import pytest

import workbench as wb


def test_keras_losses_reduction_names_as_tf_keras():
    # distributed_training / custom_training: loss classes made with reduction=Reduction.NONE
    R = wb.keras.losses.Reduction
    assert (R.AUTO, R.NONE, R.SUM, R.SUM_OVER_BATCH_SIZE) == ("auto", "none", "sum", "sum_over_batch_size")
    assert R.all() == ("auto", "none", "sum", "sum_over_batch_size")
    with pytest.raises(ValueError, match=r"Invalid Reduction Key: x\. Expected keys are"):
        R.validate("x")
    loss = wb.keras.losses.BinaryCrossentropy(from_logits=True, reduction=R.NONE)
    assert loss(wb.constant([[1.0], [0.0]]), wb.constant([[0.0], [0.0]])).shape == (2,)
