"""TFP's ``tfp.layers.BlockwiseInitializer``: one initializer per block of the last dimension.

>>> init = BlockwiseInitializer(["zeros", wb.keras.initializers.Constant(0.5)], sizes=[1, 2])
>>> init([2, 3]).numpy()
array([[0. , 0.5, 0.5],
       [0. , 0.5, 0.5]], dtype=float32)
"""

from __future__ import annotations

import numpy as np

import workbench as wb

__all__ = ["BlockwiseInitializer"]


@wb.keras.serialization.register_serializable(package="probability.layers")
class BlockwiseInitializer(wb.keras.initializers.Initializer):
    """Fills ``shape[:-1] + [sizes[i]]`` with ``initializers[i]`` (a name, config or initializer)
    and joins the blocks along the last axis, whose size must be ``sum(sizes)``."""

    def __init__(self, initializers, sizes, validate_args=False):
        initializers = list(initializers)
        sizes = [int(s) for s in sizes]
        if len(initializers) != len(sizes):
            raise ValueError(f"BlockwiseInitializer: {len(initializers)} initializers for {len(sizes)} sizes; "
                             "give one size per initializer")
        if any(s < 0 for s in sizes):
            raise ValueError(f"BlockwiseInitializer: sizes must be non-negative, got {sizes}")
        self.initializers = [wb.keras.initializers.get(i) for i in initializers]
        self.sizes = sizes
        self.validate_args = bool(validate_args)

    def __call__(self, shape, dtype=None, **kwargs):
        shape = tuple(int(s) for s in shape)
        if not shape or shape[-1] != sum(self.sizes):
            raise ValueError(f"BlockwiseInitializer: the last dimension of shape {shape} must be sum(sizes) = "
                             f"{sum(self.sizes)}")
        dtype = np.float32 if dtype is None else dtype
        blocks = [wb.convert_to_tensor(init(shape[:-1] + (s,), dtype=dtype))
                  for init, s in zip(self.initializers, self.sizes)]
        return wb.concat(blocks, axis=-1)

    def get_config(self):
        return {"initializers": [wb.keras.initializers.serialize(i) for i in self.initializers],
                "sizes": list(self.sizes), "validate_args": self.validate_args}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["initializers"] = [wb.keras.initializers.deserialize(c) if isinstance(c, dict) else c
                                  for c in config["initializers"]]
        return cls(**config)
