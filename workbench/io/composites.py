"""The composite tensors ``wb.io`` returns but cannot build itself (it is core; RaggedTensor is
the ragged package's)."""

# RaggedTensors are made by the ragged package, which this core package does not import: the
# kit that uses both (wb.data) registers its constructor here (``register_ragged``).
_ragged_from_row_splits = []


def register_ragged(from_row_splits):
    """Register ``from_row_splits(values, row_splits)`` for the batched ``RaggedFeature`` results."""
    _ragged_from_row_splits[:] = [from_row_splits]


def ragged_from_row_splits(values, splits, where):
    if not _ragged_from_row_splits:
        raise RuntimeError(f"{where}: a batched RaggedFeature is a RaggedTensor, and the ragged package "
                           "is not registered; import workbench.data (which registers it) first")
    return _ragged_from_row_splits[0](values, splits)
