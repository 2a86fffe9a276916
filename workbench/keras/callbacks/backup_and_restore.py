"""``BackupAndRestore``: a ``fit`` that was killed resumes where it stopped (Keras 3)."""

import json
import os
import shutil

from ...checkpoint import Checkpoint, CheckpointManager
from ...checkpoint.format import write_json
from ...errors import argcheck
from .callback import Callback

__all__ = ["BackupAndRestore"]

METADATA_FILE = "training_metadata.json"


class BackupAndRestore(Callback):
    """Backs up the model and its optimizer during ``fit``; the next ``fit`` with the same
    ``backup_dir`` restores them and starts at the epoch the last backup was made after.

    Args:
        backup_dir: the folder of the backup (give each training job its own).
        save_freq: ``"epoch"`` (back up after every epoch) or an int: also every that many
            batches. A backup made within an epoch holds that moment's weights; the epoch
            itself is run again from its first batch when training resumes.
        delete_checkpoint: delete ``backup_dir`` when ``fit`` ends normally (a ``fit`` that
            raised keeps it, to resume from).

    Every variable of the model and of its optimizer (slots and step count included) goes into
    a ``wb.Checkpoint`` under ``backup_dir`` (atomic writes; the previous backup is kept until
    the next one is complete), and ``training_metadata.json`` (written atomically after it)
    names that checkpoint and the epoch to resume at. With the same data order (no shuffling,
    or a seeded one), a resumed ``fit`` ends with the weights an uninterrupted one would have.

    >>> backup = wb.keras.callbacks.BackupAndRestore(backup_dir="/tmp/backup")
    >>> model.fit(x, y, epochs=10, callbacks=[backup])          # killed during epoch 4 # doctest: +SKIP
    >>> model.fit(x, y, epochs=10, callbacks=[backup])          # starts at epoch 4      # doctest: +SKIP
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if backup_dir is None or backup_dir == "":
            raise ValueError(f"BackupAndRestore: empty `backup_dir` argument passed, got {backup_dir!r}")
        try:
            self.backup_dir = os.fspath(backup_dir)
        except TypeError:
            raise TypeError(f"BackupAndRestore: backup_dir must be a path, got {type(backup_dir).__name__}") from None
        if save_freq != "epoch":
            batches = argcheck.as_int(save_freq)
            if batches is None or batches < 1:
                raise ValueError(f"BackupAndRestore: invalid value for argument `save_freq`. Received: save_freq="
                                 f"{save_freq!r}. Expected either 'epoch' or a positive integer value.")
            save_freq = batches
        self.save_freq = save_freq
        self.delete_checkpoint = bool(delete_checkpoint)
        self._metadata_path = os.path.join(self.backup_dir, METADATA_FILE)
        self._manager = None
        self._current_epoch = 0
        self._last_batch_seen = 0
        self._batches_seen_since_last_saving = 0

    def _checkpoint_manager(self) -> CheckpointManager:
        if self._manager is None or self._manager.checkpoint.model is not self.model:
            parts = {"model": self.model}
            optimizer = getattr(self.model, "optimizer", None)
            if optimizer is not None:
                parts["optimizer"] = optimizer
            # two kept: the one the metadata names stays until the metadata names a newer one
            self._manager = CheckpointManager(Checkpoint(**parts), self.backup_dir, max_to_keep=2,
                                              checkpoint_name="backup")
        return self._manager

    def on_train_begin(self, logs=None):
        self._current_epoch = 0
        self._last_batch_seen = 0
        self._batches_seen_since_last_saving = 0
        if not os.path.exists(self._metadata_path):
            return
        with open(self._metadata_path, encoding="utf-8") as f:
            metadata = json.load(f)
        manager = self._checkpoint_manager()
        prefix = os.path.join(self.backup_dir, metadata["checkpoint"])
        manager.checkpoint.restore(prefix)
        self._current_epoch = int(metadata["epoch"])
        self.model._initial_epoch = self._current_epoch

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        # batch numbers restart at 0 each epoch
        self._batches_seen_since_last_saving += batch + 1 if batch <= self._last_batch_seen else \
            batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save(self._current_epoch, batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0)

    def _save(self, epoch, batch):
        os.makedirs(self.backup_dir, exist_ok=True)
        manager = self._checkpoint_manager()
        # numbered past every checkpoint in the folder, so no save ever rewrites the one in use
        number = 1 + max((int(p.rsplit("-", 1)[1]) for p in manager.checkpoints), default=0)
        prefix = manager.save(checkpoint_number=number)
        write_json(self._metadata_path, {"epoch": epoch, "batch": batch,
                                         "checkpoint": os.path.basename(prefix)})

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
        self._manager = None
