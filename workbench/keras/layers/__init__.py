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
from .normalization import BatchNormalization, LayerNormalization  # noqa: F401
from .attention import MultiHeadAttention  # noqa: F401
from .recurrent import (  # noqa: F401
    GRU, GRUCell, LSTM, LSTMCell, RNN, Bidirectional, SimpleRNN, SimpleRNNCell, StackedRNNCells,
)
from .saving import deserialize, serialize  # noqa: F401,E402

__all__ = [
    "Activation", "Add", "AveragePooling2D", "AvgPool2D", "BatchNormalization", "Bidirectional",
    "Concatenate", "Conv2D", "Dense", "Dropout", "EinsumDense", "Embedding", "Flatten",
    "GlobalAveragePooling2D", "GRU", "GRUCell", "InputSpec", "LSTM", "LSTMCell", "Lambda", "Layer",
    "LayerNormalization", "MaxPool2D", "MaxPooling2D", "MultiHeadAttention", "Multiply", "RNN", "Reshape",
    "SimpleRNN", "SimpleRNNCell", "StackedRNNCells", "deserialize", "serialize",
]
