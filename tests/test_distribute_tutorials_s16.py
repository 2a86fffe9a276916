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


@pytest.mark.parametrize("loss, weight, expected_dtype, expected", [
    ([1.0, 2.0, 3.0], [1.0, 0.0, 2.0], "float32", 2.3333332538604736),
    (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 2.0]), "float64", 2.3333333333333335),
    (np.array([1.1, 2.3, 3.7], np.float32), np.array([0.3, 1.7, 2.1]), "float32", 4.003333568572998),
    ([[1.0, 2.0], [3.0, 4.0]], [1, 2], "float32", 8.5),
    ([1, 2, 3], [1, 0, 2], "float64", 2.3333333333333335),   # integers: TF's true division
    ([1, 2, 3], None, "float64", 2.0),
])
def test_compute_average_loss_dtypes_as_tf(loss, weight, expected_dtype, expected):
    # TF 2.21's tf.nn.compute_average_loss: the loss's dtype (a weight is cast to it)
    out = wb.nn.compute_average_loss(loss, sample_weight=weight)
    assert out.dtype.name == expected_dtype
    assert out.numpy().item() == pytest.approx(expected, rel=1e-7)
    assert wb.nn.compute_average_loss(wb.zeros([0], wb.int32)).dtype.name == "float64"
