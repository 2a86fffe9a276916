"""Ragged (variable-length) tensors. Not yet built: see the ragged issue."""
