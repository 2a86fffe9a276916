"""What TF's Keras tutorials (tests/tf_guides: classification, text_classification, images, structured
data, time series, transfer learning) rely on, pinned to Keras 3.15 values."""

import io
import contextlib

import numpy as np
import pytest

import workbench as wb

keras = wb.keras

# Keras 3.15: layers without weights are built from __init__ (their summary row reads 0, not "0 (unbuilt)")
_BUILT_AT_INIT = {
    "Dropout": (0.2,), "SpatialDropout1D": (0.2,), "SpatialDropout2D": (0.2,), "GaussianNoise": (0.1,),
    "GaussianDropout": (0.1,), "Activation": ("relu",), "Reshape": ((2,),), "Identity": (), "Masking": (),
    "ReLU": (), "LeakyReLU": (), "ELU": (), "Softmax": (), "UnitNormalization": (),
    "MaxPooling1D": (2,), "MaxPooling2D": (), "AveragePooling2D": (2,), "GlobalAveragePooling1D": (),
    "GlobalMaxPooling2D": (),
}
_BUILT_LATER = {"Dense": (2,), "Flatten": (), "Embedding": (3, 2), "Conv2D": (2, 3), "Normalization": (),
                "BatchNormalization": (), "LSTM": (2,), "Rescaling": (0.5,), "RandomFlip": (),
                "Concatenate": (), "Permute": ((1,),)}


@pytest.mark.parametrize("name", sorted(_BUILT_AT_INIT) + sorted(_BUILT_LATER))
def test_weightless_layers_are_built_at_init_as_keras3(name):
    layer = getattr(keras.layers, name)(*{**_BUILT_AT_INIT, **_BUILT_LATER}[name])
    assert layer.built is (name in _BUILT_AT_INIT)


def test_unbuilt_sequential_summary_rows_as_keras3():
    # text_classification: the model's summary before fit
    model = keras.Sequential([keras.layers.Embedding(100, 4), keras.layers.Dropout(0.2),
                              keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        model.summary()
    rows = [line.split("│") for line in buf.getvalue().splitlines() if line.startswith("│ ")]
    params = [row[3].strip() for row in rows if row[3].strip()]
    assert params == ["0 (unbuilt)", "0", "0", "0 (unbuilt)"]
    y = model(np.array([[1, 2, 3]]))   # built on the first call, weightless layers unchanged
    assert y.shape == (1, 1) and model.layers[1].built


def test_unit_normalization_checks_its_axis_per_call():
    layer = keras.layers.UnitNormalization(axis=2)
    np.testing.assert_allclose(layer(wb.constant([[[3.0, 4.0]]])).numpy(), [[[0.6, 0.8]]], rtol=1e-6)
    with pytest.raises(ValueError, match="axis 2 is out of range for inputs of rank 2"):
        layer(wb.constant([[3.0, 4.0]]))
