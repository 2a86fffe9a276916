"""``wb.keras.layers``: Keras-style layers, one family per file.

>>> model = wb.keras.Sequential([wb.keras.layers.Dense(8, activation="relu"), wb.keras.layers.Dense(1)])
>>> model(wb.ones([4, 3])).shape
(4, 1)
"""

from .base import InputSpec, Layer  # noqa: F401
from .core import Activation, Dense, Dropout, EinsumDense, Flatten, Identity, Lambda, Masking, Reshape  # noqa: F401
from .merging import (  # noqa: F401
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average, concatenate, dot, maximum,
    minimum, multiply, subtract,
)
from .embedding import Embedding  # noqa: F401
from .conv import (  # noqa: F401
    Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, Convolution1D,
    Convolution1DTranspose, Convolution2D, Convolution2DTranspose, Convolution3D, Convolution3DTranspose,
    DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D, SeparableConvolution1D,
    SeparableConvolution2D,
)
from .pooling import (  # noqa: F401
    AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D, GlobalAveragePooling1D,
    GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D,
    GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D,
    MaxPool1D, MaxPool2D, MaxPool3D, MaxPooling1D, MaxPooling2D, MaxPooling3D,
)
from .reshaping import (  # noqa: F401
    Cropping1D, Cropping2D, Cropping3D, Permute, RepeatVector, UpSampling1D, UpSampling2D, UpSampling3D,
    ZeroPadding1D, ZeroPadding2D, ZeroPadding3D,
)
from .activations import ELU, LeakyReLU, PReLU, ReLU, Softmax  # noqa: F401
from .noise import GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D  # noqa: F401
from .normalization import BatchNormalization, GroupNormalization, LayerNormalization, UnitNormalization  # noqa: F401
from .attention import AdditiveAttention, Attention, MultiHeadAttention  # noqa: F401
from .recurrent import (  # noqa: F401
    GRU, GRUCell, LSTM, LSTMCell, RNN, Bidirectional, SimpleRNN, SimpleRNNCell, StackedRNNCells,
)
from .wrappers import TimeDistributed  # noqa: F401
from .preprocessing import (  # noqa: F401
    CategoryEncoding, CenterCrop, Discretization, Hashing, IntegerLookup, Normalization, RandomContrast, RandomCrop,
    RandomFlip, RandomRotation, RandomTranslation, RandomZoom, Rescaling, Resizing, StringLookup,
    TextVectorization,
)
from .saving import deserialize, serialize  # noqa: F401,E402

__all__ = [
    "Activation", "Add", "AdditiveAttention", "Attention", "AveragePooling2D", "AvgPool2D",
    "BatchNormalization", "Bidirectional",
    "Concatenate", "Conv2D", "Dense", "Dropout", "EinsumDense", "Embedding", "Flatten",
    "GlobalAveragePooling2D", "GroupNormalization", "GRU", "GRUCell", "InputSpec", "LSTM", "LSTMCell",
    "Lambda", "Layer",
    "LayerNormalization", "MaxPool2D", "MaxPooling2D", "MultiHeadAttention", "Multiply", "RNN", "Reshape",
    "SimpleRNN", "SimpleRNNCell", "StackedRNNCells", "TimeDistributed", "UnitNormalization", "deserialize",
    "serialize",
    "CategoryEncoding", "CenterCrop", "Discretization", "Hashing", "IntegerLookup", "Normalization",
    "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom",
    "Rescaling", "Resizing", "StringLookup", "TextVectorization",
]
# convolution, pooling, reshaping, activation, merging and noise layers, and the functional merges
__all__ += [
    "AveragePooling1D", "AveragePooling3D", "AvgPool1D", "AvgPool3D", "Average", "Conv1D", "Conv1DTranspose",
    "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "Convolution1D", "Convolution1DTranspose", "Convolution2D",
    "Convolution2DTranspose", "Convolution3D", "Convolution3DTranspose", "Cropping1D", "Cropping2D", "Cropping3D",
    "DepthwiseConv1D", "DepthwiseConv2D", "Dot", "ELU", "GaussianDropout", "GaussianNoise",
    "GlobalAveragePooling1D", "GlobalAveragePooling3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
    "GlobalMaxPooling3D", "Identity", "LeakyReLU", "Masking", "MaxPool1D", "MaxPool3D", "MaxPooling1D",
    "MaxPooling3D", "Maximum", "Minimum", "PReLU", "Permute", "ReLU", "RepeatVector", "SeparableConv1D",
    "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D", "Softmax", "SpatialDropout1D",
    "SpatialDropout2D", "SpatialDropout3D", "Subtract", "UpSampling1D", "UpSampling2D", "UpSampling3D",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "add", "average", "concatenate", "dot", "maximum",
    "minimum", "multiply", "subtract",
]
# Keras 3 names the functional entry points here too (functional.py builds on this package's base)
from ..functional import Input, InputLayer, SymbolicOp  # noqa: E402,F401  (SymbolicOp: saved operator nodes)

__all__ += ["Input", "InputLayer"]
