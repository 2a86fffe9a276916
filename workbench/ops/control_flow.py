"""control_flow ops (being written)."""

__all__ = []
