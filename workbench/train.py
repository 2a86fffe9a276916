"""``wb.train``: TF 2's ``tf.train`` names, gathered from where they live.

    Checkpoint, CheckpointManager, latest_checkpoint   object-based checkpoints (``wb.checkpoint``)
    CheckpointOptions                                  accepted and ignored, as TF's defaults
    load_checkpoint, list_variables, CheckpointReader  a checkpoint's values by key
    Example, Features, Feature, BytesList, FloatList,
    Int64List, SequenceExample, FeatureList(s)         TF's Example messages (``wb.io``)

>>> ckpt = wb.train.Checkpoint(step=wb.Variable(1))
>>> manager = wb.train.CheckpointManager(ckpt, "ckpts", max_to_keep=3)
"""

from __future__ import annotations

from .checkpoint import Checkpoint, CheckpointManager, latest_checkpoint
from .checkpoint.reader import CheckpointReader, list_variables, load_checkpoint

__all__ = ["BytesList", "Checkpoint", "CheckpointManager", "CheckpointOptions", "CheckpointReader",
           "Example", "Feature", "FeatureList", "FeatureLists", "Features", "FloatList", "Int64List",
           "SequenceExample", "latest_checkpoint", "list_variables", "load_checkpoint"]

_EXAMPLE = ("BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features", "FloatList",
            "Int64List", "SequenceExample")


class CheckpointOptions:
    """TF's ``tf.train.CheckpointOptions``: taken for compatibility; a workbench checkpoint is
    written synchronously on the host, whatever the options say."""

    def __init__(self, experimental_io_device=None, experimental_enable_async_checkpoint=False,
                 experimental_write_callbacks=None, enable_async=False, experimental_sharding_callback=None,
                 experimental_skip_slot_variables=False):
        self.experimental_io_device = experimental_io_device
        self.enable_async = bool(enable_async or experimental_enable_async_checkpoint)
        self.experimental_skip_slot_variables = experimental_skip_slot_variables


def __getattr__(name):
    if name in _EXAMPLE:   # the protobuf messages load on first use
        from . import io  # noqa: PLC0415
        value = getattr(io, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'workbench.train' has no attribute {name!r}")
