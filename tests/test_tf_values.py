"""Values and messages that TF's guide notebooks print, pinned against TF 2.21.

Each test names the guide cell it comes from; the expected strings are what TF 2.21 printed for
the same code.
"""

import numpy as np
import pytest

import workbench as wb

TF_NO_CONTRAST_GRADIENT = "gradient registry has no entry for: AdjustContrastv2"


# -- autodiff guide, cell 29: tf.image.adjust_contrast has no gradient ------------------------------

def test_adjust_contrast_gradient_raises_tfs_lookup_error():
    image = wb.Variable([[[0.5, 0.0, 0.0]]])
    delta = wb.Variable(0.1)
    with wb.GradientTape() as tape:
        new_image = wb.image.adjust_contrast(image, delta)
    with pytest.raises(LookupError) as info:
        tape.gradient(new_image, [image, delta])
    assert f"{type(info.value).__name__}: {info.value}" == f"LookupError: {TF_NO_CONTRAST_GRADIENT}"


@pytest.mark.parametrize("make", [
    lambda x: wb.image.adjust_contrast(x, 2.0),
    lambda x: wb.image.adjust_contrast(x[None], 2.0)[0],
    lambda x: wb.image.random_contrast(x, 0.2, 0.5),
    lambda x: wb.image.stateless_random_contrast(x, 0.2, 0.5, seed=(1, 2)),
])
def test_every_gradient_through_a_contrast_adjustment_raises(make):
    image = wb.Variable(np.linspace(0.0, 1.0, 12).reshape(2, 2, 3), dtype=wb.float64)
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(make(image)) + wb.reduce_sum(image)
    with pytest.raises(LookupError, match=TF_NO_CONTRAST_GRADIENT):
        tape.gradient(y, image)
    with pytest.raises(LookupError, match=TF_NO_CONTRAST_GRADIENT):
        with wb.GradientTape() as tape:
            y = make(image)
        tape.jacobian(y, image)
    with pytest.raises(LookupError, match=TF_NO_CONTRAST_GRADIENT):
        with wb.autodiff.ForwardAccumulator(image, wb.ones_like(image)) as acc:
            acc.jvp(make(image))


def test_a_contrast_adjustment_the_target_does_not_need_raises_nothing():
    # as in TF: the tape raises only when the walk from the target reaches the adjustment
    image = wb.Variable([[[0.5, 0.0, 0.0]]])
    x = wb.Variable(2.0)
    with wb.GradientTape() as tape:
        y = x * 3.0
        wb.image.adjust_contrast(image, 2.0)
    assert tape.gradient(y, x).numpy() == 3.0
    # an integer image's result is cast back to its dtype, which stops the gradient first
    delta = wb.Variable(0.5)
    with wb.GradientTape() as tape:
        out = wb.image.adjust_contrast(wb.constant([[[[1, 2, 3]]]], dtype=wb.uint8), delta)
    with pytest.warns(UserWarning):
        assert tape.gradient(out, delta) is None


def test_adjust_contrast_values_as_tf():
    # TF 2.21: tf.image.adjust_contrast on these inputs
    x = wb.constant([[[1., 2.], [3., 4.]], [[5., 6.], [7., 9.]]])
    np.testing.assert_array_equal(wb.image.adjust_contrast(x, 2.0).numpy(),
                                  [[[-2., -1.25], [2., 2.75]], [[6., 6.75], [10., 12.75]]])
    u8 = wb.constant([[[[10, 20, 30]], [[40, 50, 60]]]], dtype=wb.uint8)
    out = wb.image.adjust_contrast(u8, 1.5)
    assert out.dtype == wb.uint8
    np.testing.assert_array_equal(out.numpy(), [[[[2, 12, 22]], [[47, 57, 67]]]])

    @wb.function
    def adjust(images, factor):
        return wb.image.adjust_contrast(images, factor)

    np.testing.assert_array_equal(adjust(x, wb.constant(3.0)).numpy(),
                                  [[[-5., -4.5], [1., 1.5]], [[7., 7.5], [13., 16.5]]])


# -- tensor guide, cell 31: a reshape that cannot be done ---------------------------------------------

def _reshape_error(tensor, shape):
    with pytest.raises(wb.errors.InvalidArgumentError) as info:
        wb.reshape(tensor, shape)
    assert isinstance(info.value, ValueError)   # what plain Python code would catch
    return f"{type(info.value).__name__}: {info.value}"


def _tf_text(message):
    return ("InvalidArgumentError: {{function_node __wrapped__Reshape_device_/job:localhost/replica:0/task:0/"
            f"device:CPU:0}}}} {message} [Op:Reshape]")


@pytest.mark.parametrize("shape,message", [
    ([7, -1], "Input to reshape is a tensor with 30 values, but the requested shape requires a multiple of 7"),
    ([4, 8], "Input to reshape is a tensor with 30 values, but the requested shape has 32"),
    ([-1, -1], "Only one input size may be -1, not both 0 and 1"),
    ([0, -1], "Input to reshape is a tensor with 30 values, but the requested shape has 0"),
])
def test_reshape_errors_read_as_tfs(shape, message):
    # TF 2.21's messages for tf.reshape(tf.range(30) as [3, 2, 5], shape)
    rank_3_tensor = wb.reshape(wb.range(30), [3, 2, 5])
    assert _reshape_error(rank_3_tensor, shape) == _tf_text(message)


def test_reshape_infers_a_size_beside_zero_sizes_as_tf():
    # TF's kernel leaves the input's zero sizes out of the count when the new shape has a zero size
    assert wb.reshape(wb.zeros([0, 3]), [0, -1]).shape == (0, 3)
    assert wb.reshape(wb.zeros([0, 3]), [-1, 0]).shape == (3, 0)
    assert wb.reshape(wb.zeros([0, 3]), [2, -1]).shape == (2, 0)
    assert wb.reshape(wb.zeros([4, 3]), [2, -1, 3]).shape == (2, 2, 3)
    assert _reshape_error(wb.zeros([6]), [0, -1]) == _tf_text(
        "Input to reshape is a tensor with 6 values, but the requested shape has 0")


# -- variable guide, cell 3: tf.convert_to_tensor of a variable is a tensor ------------------------

def test_convert_to_tensor_of_a_variable_is_a_tensor_read():
    v = wb.Variable([[1.0, 2.0], [3.0, 4.0]])
    t = wb.convert_to_tensor(v)
    assert type(t) is wb.Tensor
    assert str(t) == "wb.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)"
    v.assign_add([[1.0, 1.0], [1.0, 1.0]])
    assert t.numpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]   # a read: the value when it was made
    with wb.GradientTape() as tape:
        y = wb.reduce_sum(wb.convert_to_tensor(v) * 3.0)
    assert tape.gradient(y, v).numpy().tolist() == [[3.0, 3.0], [3.0, 3.0]]
    with pytest.raises(TypeError, match="dtype float32, but dtype int32 was requested"):
        wb.convert_to_tensor(v, wb.int32)


# -- variable guide, cell 4: assigning a value of another shape ------------------------------------

def test_assign_of_another_shape_raises_tfs_message():
    with pytest.raises(ValueError) as info:
        wb.Variable([2.0, 3.0]).assign([1.0, 2.0, 3.0])
    assert str(info.value) == ("Cannot assign value to variable ' Variable:0': Shape mismatch.The variable "
                               "shape (2,), and the assigned value shape (3,) are incompatible.")


# -- basics guide, cells 34-35: a Lambda with a Python lambda, compiled with a loss function, saved --

def test_model_with_a_python_lambda_and_a_loss_function_saves(tmp_path):
    import json
    import warnings
    import zipfile
    x = np.linspace(-2, 2, 40).astype(np.float32)
    model = wb.keras.Sequential([wb.keras.layers.Lambda(lambda t: wb.stack([t, t ** 2], axis=1)),
                                 wb.keras.layers.Dense(units=1)])
    model.compile(loss=wb.keras.losses.MSE, optimizer=wb.keras.optimizers.SGD(learning_rate=0.01))
    model.fit(x, x ** 2, epochs=1, batch_size=32, verbose=0)
    path = str(tmp_path / "my_new_model.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")     # the loss function is written (by name), not dropped
        model.save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    assert config["compile_config"]["loss"] == "mean_squared_error"
    assert config["config"]["layers"][0]["config"]["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="Python bytecode"):
        wb.keras.models.load_model(path, safe_mode=False)
