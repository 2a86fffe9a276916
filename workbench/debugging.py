"""``wb.debugging``: numerics checks (being written)."""
