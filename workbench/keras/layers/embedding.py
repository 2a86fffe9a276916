"""Embedding: integer ids to dense vectors, Keras' ``Embedding``.

>>> emb = wb.keras.layers.Embedding(10, 4, mask_zero=True)
>>> ids = wb.constant([[3, 1, 0]])
>>> emb(ids).shape, emb.compute_mask(ids).numpy().tolist()
((1, 3, 4), [[True, True, False]])

RaggedTensor ids give a RaggedTensor of vectors (row lengths kept).
"""

from __future__ import annotations

import workbench as wb
from workbench.errors import argcheck

from .base import Layer, is_ragged
from .core import _built_weight, _constraint, _constraint_args, _weight_args

__all__ = ["Embedding"]


class Embedding(Layer):
    """Look up rows of ``embeddings`` ``[input_dim, output_dim]``; output ``ids.shape + [output_dim]``.

    ``mask_zero=True`` treats id 0 as padding: :meth:`compute_mask` marks it
    False, and models pass that mask on to the layers after it (e.g. a GRU).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False, input_length=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.input_dim = argcheck.integer(input_dim, "input_dim", "Embedding", minimum=1)
        self.output_dim = argcheck.integer(output_dim, "output_dim", "Embedding", minimum=1)
        self.embeddings_initializer = embeddings_initializer
        self.embeddings_regularizer = embeddings_regularizer
        self.embeddings_constraint = _constraint(embeddings_constraint, "embeddings_constraint", "Embedding")
        self.mask_zero = bool(mask_zero)
        self.input_length = input_length

    def build(self, input_shape):
        self._embeddings = self.add_weight(name="embeddings", shape=(self.input_dim, self.output_dim),
                                           initializer=self.embeddings_initializer,
                                           regularizer=self.embeddings_regularizer,
                                           constraint=self.embeddings_constraint)

    # Keras 3 keeps the table in `_embeddings` (so TF checkpoints key it '.../_embeddings/...')
    @property
    def embeddings(self):
        return _built_weight(self, "_embeddings", "embeddings")

    def call(self, inputs):
        if is_ragged(inputs):
            return inputs.with_flat_values(self.call(inputs.flat_values))
        ids = wb.convert_to_tensor(inputs)
        if ids.dtype.kind == "f":  # Keras accepts float ids holding integers
            ids = wb.cast(ids, "int64")
        if ids.dtype.kind not in "iu":
            raise TypeError(f"Embedding '{self.name}': ids must be integers, got dtype {ids.dtype}")
        return wb.nn.embedding_lookup(self.embeddings, ids)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                **_weight_args(self, "embeddings"), **_constraint_args(self, "embeddings"),
                "mask_zero": self.mask_zero, "input_length": self.input_length}

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        if is_ragged(inputs):
            return inputs.with_flat_values(wb.not_equal(inputs.flat_values, 0))
        return wb.not_equal(wb.convert_to_tensor(inputs), 0)
