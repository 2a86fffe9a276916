"""``wb.nn.experimental``: TF's ``tf.nn.experimental`` names."""

from ..ops.dropout import stateless_dropout  # noqa: F401
from .general_dropout import general_dropout  # noqa: F401

__all__ = ["general_dropout", "stateless_dropout"]
