"""The composite tensors ``wb.io`` returns but cannot build itself (it is core; RaggedTensor is
the ragged package's)."""

# RaggedTensors are made by the ragged package, which this core package does not import: the
# package face (``wb.io``) and the kit that uses both (wb.data) register it here (``register_ragged``).
_ragged = {}


def register_ragged(ragged_tensor_class):
    """Register the RaggedTensor class whose ``from_row_splits`` and ``from_uniform_row_length``
    build the ``RaggedFeature`` results."""
    _ragged["from_row_splits"] = lambda values, splits: ragged_tensor_class.from_row_splits(
        values, splits, validate=False)
    _ragged["from_uniform_row_length"] = lambda values, length: ragged_tensor_class.from_uniform_row_length(
        values, length, validate=False)


def _constructor(kind, where):
    if kind not in _ragged:
        raise RuntimeError(f"{where}: this RaggedFeature result is a RaggedTensor, and the ragged package "
                           "is not registered; reach wb.io as an attribute of workbench, or import workbench.data "
                           "(either registers it) first")
    return _ragged[kind]


def ragged_from_row_splits(values, splits, where):
    return _constructor("from_row_splits", where)(values, splits)


def ragged_from_uniform_row_length(values, length, where):
    return _constructor("from_uniform_row_length", where)(values, length)
