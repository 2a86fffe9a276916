"""``wb.random``: seeded generators and stateless sampling (being written)."""
