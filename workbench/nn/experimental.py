"""``wb.nn.experimental``: TF's ``tf.nn.experimental`` names."""

from ..ops.dropout import stateless_dropout  # noqa: F401

__all__ = ["stateless_dropout"]
