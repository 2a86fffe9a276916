"""Checkpoints: ``wb.Checkpoint`` and ``wb.CheckpointManager`` (TF 2's object-based API).

    format      the files: index JSON and npz data, atomic writes, temporary-file
                cleanup, names confined to their folder
    graph       the object graph: the Trackable protocol and the one walk that finds
                what a checkpoint saves and what a ``wb.Module`` owns
    restore     checking before assigning, deferred restoration, ``LoadStatus``
    checkpoint  ``Checkpoint``
    manager     ``CheckpointManager``, ``latest_checkpoint``

>>> ckpt = wb.Checkpoint(model=model, optimizer=opt)
>>> manager = wb.CheckpointManager(ckpt, "runs/ckpts", max_to_keep=3)
>>> manager.save()                      # 'runs/ckpts/ckpt-1'
>>> ckpt.restore(manager.latest_checkpoint)
"""

from .checkpoint import Checkpoint
from .format import (FORMAT, INDEX_SUFFIX, STALE_TEMP_SECONDS, STATE_FILE, VERSION, DataLossError,
                     read_checkpoint, write_checkpoint)
from .graph import SLOT_MARK, Trackable
from .manager import CheckpointManager, latest_checkpoint
from .restore import LoadStatus

__all__ = ["Checkpoint", "CheckpointManager", "latest_checkpoint", "DataLossError"]
