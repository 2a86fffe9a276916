"""TF's sparse values: ``IndexedSlices`` (rows of a dense tensor, a gather's gradient)."""

from .indexed_slices import IndexedSlices, convert_to_dense  # noqa: F401

__all__ = ["IndexedSlices", "convert_to_dense"]
