"""TimeDistributed: apply a layer to every time step of ``[batch, time, ...]`` inputs.

>>> td = wb.keras.layers.TimeDistributed(wb.keras.layers.Dense(8))
>>> td(wb.ones([32, 10, 16])).shape
(32, 10, 8)
"""

from __future__ import annotations

import workbench as wb

from .base import Layer, is_ragged

__all__ = ["TimeDistributed"]


class TimeDistributed(Layer):
    """Keras' ``TimeDistributed(layer)``: the same layer (one set of weights) on each slice
    ``inputs[:, t]``.

    The batch and time axes are merged into one (``[batch * time, ...]``), the layer runs
    once, and the result is split back; a layer whose result depends on the whole batch
    (BatchNormalization while training) therefore sees all steps together. A ``mask``
    ``[batch, time]`` is passed to the layer as ``[batch * time]`` when it takes one and
    is the output's mask. RaggedTensor inputs ``[batch, None, ...]`` run on their flat values.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise TypeError(f"TimeDistributed: layer must be a wb.keras.Layer, got {type(layer).__name__}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, tuple) or len(input_shape) < 3:
            raise ValueError(f"TimeDistributed '{self.name}': inputs must have rank >= 3 ([batch, time, ...]), "
                             f"got shape {input_shape}")

    def call(self, inputs, training=None, mask=None):
        kwargs = {"training": training} if self.layer._call_accepts("training") else {}
        if is_ragged(inputs):
            if inputs.ragged_rank != 1:
                raise ValueError(f"TimeDistributed '{self.name}': a ragged input must be [batch, None, ...] "
                                 f"(ragged_rank 1), got shape {inputs.shape}")
            return inputs.with_flat_values(self.layer(inputs.flat_values, **kwargs))
        x = wb.convert_to_tensor(inputs)
        batch, steps = x.shape[0], x.shape[1]
        if mask is not None and self.layer._call_accepts("mask"):
            kwargs["mask"] = wb.reshape(wb.convert_to_tensor(mask), (batch * steps,))
        y = self.layer(wb.reshape(x, (batch * steps,) + tuple(x.shape[2:])), **kwargs)
        if not isinstance(y, wb.Tensor):
            raise TypeError(f"TimeDistributed '{self.name}': the layer must return one tensor, "
                            f"got {type(y).__name__}")
        return wb.reshape(y, (batch, steps) + tuple(y.shape[1:]))

    def compute_mask(self, inputs, mask=None):
        return None if is_ragged(inputs) else mask

    def get_config(self):
        from .saving import serialize  # circular import with saving
        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config):
        from .saving import deserialize  # circular import with saving
        config = dict(config)
        layer = config.pop("layer")
        return cls(deserialize(layer) if isinstance(layer, dict) else layer, **config)
