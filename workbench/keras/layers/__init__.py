"""``wb.keras.layers``: Keras-style layers, one family per file.

>>> model = wb.keras.Sequential([wb.keras.layers.Dense(8, activation="relu"), wb.keras.layers.Dense(1)])
>>> model(wb.ones([4, 3])).shape
(4, 1)
"""

from .base import InputSpec, Layer  # noqa: F401
from .core import (  # noqa: F401
    Activation, Add, Concatenate, Dense, Dropout, EinsumDense, Flatten, Lambda, Multiply, Reshape,
)
from .embedding import Embedding  # noqa: F401
from .conv import AveragePooling2D, AvgPool2D, Conv2D, GlobalAveragePooling2D, MaxPool2D, MaxPooling2D  # noqa: F401
from .normalization import BatchNormalization, GroupNormalization, LayerNormalization, UnitNormalization  # noqa: F401
from .attention import AdditiveAttention, Attention, MultiHeadAttention  # noqa: F401
from .recurrent import (  # noqa: F401
    GRU, GRUCell, LSTM, LSTMCell, RNN, Bidirectional, SimpleRNN, SimpleRNNCell, StackedRNNCells,
)
from .wrappers import TimeDistributed  # noqa: F401
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
]
