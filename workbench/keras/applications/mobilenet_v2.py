"""MobileNetV2 (Sandler et al. 2018, arXiv:1801.04381) as Keras 3 builds it: a 3x3 stride-2
convolution, 17 inverted residual blocks (1x1 expansion, 3x3 depthwise, 1x1 linear projection,
each with BatchNormalization; ReLU6 after the first two; a residual Add where the shapes allow),
a 1x1 convolution to 1280 channels, then global average pooling and a Dense classifier. Layer
names, weight order and shapes are Keras 3's (``Conv1``, ``bn_Conv1``, ``expanded_conv_depthwise``,
``block_1_expand``, ``block_1_pad``, ..., ``Conv_1_bn``, ``out_relu``), so a weights file written by
Keras' MobileNetV2 loads into it."""

from __future__ import annotations

from .. import layers
from ..backend import image_data_format
from ..functional import Input, Model
from .mobilenet import preprocess_input

__all__ = ["MobileNetV2", "preprocess_input"]

# (filters, stride, expansion) of the 17 inverted residual blocks, at alpha 1
_BLOCKS = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
           (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
           (320, 1, 6)]


def _make_divisible(v, divisor=8):
    """``v`` rounded to a multiple of ``divisor`` (at least ``divisor``, never 10% below ``v``)."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _batch_norm(name, axis):
    return layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name=name)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id, axis):
    in_channels = inputs.shape[axis]
    pointwise_filters = _make_divisible(int(filters * alpha))
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, 1, padding="same", use_bias=False, name=f"{prefix}expand")(x)
        x = _batch_norm(f"{prefix}expand_BN", axis)(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:   # Keras' correct_pad: one more row/column before for even sizes
        spatial = x.shape[1:3] if axis == -1 else x.shape[2:4]
        adjust = [1 if s is None else 1 - s % 2 for s in spatial]
        x = layers.ZeroPadding2D(((1 - adjust[0], 1), (1 - adjust[1], 1)), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(3, strides=stride, use_bias=False, padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = _batch_norm(f"{prefix}depthwise_BN", axis)(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, 1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = _batch_norm(f"{prefix}project_BN", axis)(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet", input_tensor=None, pooling=None,
                classes=1000, classifier_activation="softmax", name=None):
    """Keras' ``keras.applications.MobileNetV2``. ``weights``: None (freshly initialised) or the
    path of a weights file; ``'imagenet'`` (Keras' default) needs a download of Keras' pretrained
    file, which is not shipped here: it raises ValueError saying so."""
    if weights == "imagenet":
        raise ValueError("MobileNetV2: weights='imagenet' needs Keras' pretrained weights file, which is not "
                         "shipped here; build with weights=None (and load_weights(path)), or pass "
                         "weights=<path of a MobileNetV2 weights file>")
    if weights is not None and not isinstance(weights, str):
        raise ValueError("The `weights` argument should be either `None` (random initialization), `imagenet` "
                         "(pre-training on ImageNet), or the path to the weights file to be loaded.  "
                         f"Received `weights={weights}`")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"MobileNetV2: pooling must be None, 'avg' or 'max', got {pooling!r}")
    channels_last = image_data_format() == "channels_last"
    axis = -1 if channels_last else 1
    if input_shape is None and input_tensor is not None:
        input_shape = tuple(input_tensor.shape[1:])
    if input_shape is None:
        input_shape = (224, 224, 3) if channels_last else (3, 224, 224)
    input_shape = tuple(input_shape)
    rows, cols = input_shape[:2] if channels_last else input_shape[1:]
    channels = input_shape[-1] if channels_last else input_shape[0]
    if len(input_shape) != 3 or channels not in (3, None):
        raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
    if any(s is not None and s < 32 for s in (rows, cols)):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    if include_top and (rows is None or cols is None):
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. "
                         f"Received: input_shape={input_shape}")
    inputs = Input(shape=input_shape) if input_tensor is None else input_tensor

    x = layers.Conv2D(_make_divisible(32 * alpha), 3, strides=(2, 2), padding="same", use_bias=False,
                      name="Conv1")(inputs)
    x = _batch_norm("bn_Conv1", axis)(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id, axis)
    last = _make_divisible(1280 * alpha) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, 1, use_bias=False, name="Conv_1")(x)
    x = _batch_norm("Conv_1_bn", axis)(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Model(inputs, x, name=name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    if weights is not None:
        model.load_weights(weights)
    return model
