"""segment ops (being written)."""

__all__ = []
