"""MobileNet v1 (Howard et al. 2017, arXiv:1704.04861) as Keras 3 builds it: a 3x3 stride-2
convolution, then 13 depthwise-separable blocks (3x3 depthwise, 1x1 pointwise, each with
BatchNormalization and ReLU6), global average pooling and a 1x1 convolution classifier. Layer
names, weight order and shapes are Keras 3's (``conv1``, ``conv_dw_1``, ``conv_pw_1_bn``, ...),
so a weights file written by Keras' MobileNet loads into it."""

from __future__ import annotations

import numpy as np

from ... import core
from .. import layers
from ..functional import Input, Model, is_symbolic

__all__ = ["MobileNet", "preprocess_input"]

# (pointwise filters, depthwise stride) of the 13 depthwise-separable blocks, at alpha 1
_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None):
    """Keras' ``keras.applications.MobileNet``. ``weights``: None (freshly initialised) or the
    path of a weights file; ``'imagenet'`` (Keras' default) needs a download of Keras'
    pretrained file, which is not shipped here: it raises ValueError saying so."""
    if weights == "imagenet":
        raise ValueError("MobileNet: weights='imagenet' needs Keras' pretrained weights file, which is not "
                         "shipped here; build with weights=None (and load_weights(path)), or pass "
                         "weights=<path of a MobileNet weights file>")
    if weights is not None and not isinstance(weights, str):
        raise ValueError(f"MobileNet: weights must be None, 'imagenet' or a file path, got {weights!r}")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"MobileNet: pooling must be None, 'avg' or 'max', got {pooling!r}")
    if depth_multiplier < 1 or int(depth_multiplier) != depth_multiplier:
        raise ValueError(f"MobileNet: depth_multiplier must be a positive integer, got {depth_multiplier!r}")
    if input_shape is None:
        input_shape = (224, 224, 3)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3 or input_shape[-1] != 3:
        raise ValueError(f"MobileNet: input_shape must be (rows, cols, 3), got {input_shape}")
    if include_top and input_shape[0] is not None and (input_shape[0] < 32 or input_shape[1] < 32):
        raise ValueError(f"MobileNet: input rows and cols must be at least 32, got {input_shape}")
    inputs = Input(shape=input_shape) if input_tensor is None else input_tensor

    def filters(n):
        return int(n * alpha)

    x = layers.Conv2D(filters(32), 3, strides=2, padding="same", use_bias=False, name="conv1")(inputs)
    x = layers.BatchNormalization(name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for i, (n, stride) in enumerate(_BLOCKS, start=1):
        if stride != 1:   # pad bottom and right, then a valid stride-2 window (as Keras)
            x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{i}")(x)
        x = layers.DepthwiseConv2D(3, strides=stride, padding="same" if stride == 1 else "valid",
                                   depth_multiplier=depth_multiplier, use_bias=False, name=f"conv_dw_{i}")(x)
        x = layers.BatchNormalization(name=f"conv_dw_{i}_bn")(x)
        x = layers.ReLU(6.0, name=f"conv_dw_{i}_relu")(x)
        x = layers.Conv2D(filters(n), 1, padding="same", use_bias=False, name=f"conv_pw_{i}")(x)
        x = layers.BatchNormalization(name=f"conv_pw_{i}_bn")(x)
        x = layers.ReLU(6.0, name=f"conv_pw_{i}_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, 1, padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    rows = input_shape[0]
    model = Model(inputs, x, name=name or f"mobilenet_{alpha:0.2f}_{rows}")
    if weights is not None:
        model.load_weights(weights)
    return model


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (Keras' 'tf' mode: ``x / 127.5 - 1``); a NumPy
    array gives a float NumPy array, a tensor a tensor (a floating one: an integer tensor is
    refused with a TypeError, as Keras' division of it is in TF); a symbolic Keras tensor gives
    a symbolic one."""
    if isinstance(x, np.ndarray):
        x = x.astype(np.float32) if x.dtype.kind in "iub" else x
        return x / 127.5 - 1.0
    if is_symbolic(x):   # a Keras Input: the two steps join the functional graph, as in Keras
        return x / 127.5 - 1.0
    return core.convert_to_tensor(x) / 127.5 - 1.0

