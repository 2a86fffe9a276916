"""Checkpoints saved in a run's folder and logged to its MLflow artifacts."""

from __future__ import annotations

import glob
import os
import shutil
import tempfile

from ..checkpoint import STATE_FILE, CheckpointManager

__all__ = ["TrackedCheckpointManager", "UPLOAD_STAGING"]

UPLOAD_STAGING = ".mlflow-upload"  # snapshots of files waiting to be uploaded (see TrackedCheckpointManager)


class TrackedCheckpointManager(CheckpointManager):
    """A ``CheckpointManager`` whose saves are also logged as MLflow artifacts (``checkpoints/``).

    Every checkpoint saved reaches MLflow, also those that ``max_to_keep`` later
    deletes from the run folder, and ``checkpoints/checkpoint.json`` there is the
    state file of the last save sent. Uploads happen in the background (or at
    ``workbench sync``), after rotation may have run, so each save is first
    snapshotted: hard links (copies where links fail) of its files and of the
    state file in ``<run folder>/.mlflow-upload/<n>/``, deleted once uploaded.
    Checkpoint files are never rewritten in place (they are replaced), so a link
    keeps the content of the save.
    """

    def __init__(self, experiment, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._experiment = experiment

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        prefix = super().save(checkpoint_number, check_interval, options)
        if prefix is not None:
            files = sorted(glob.glob(glob.escape(prefix) + ".*")) + [os.path.join(self.directory, STATE_FILE)]
            for path in self._snapshot(files):
                self._experiment._log_snapshot(path, "checkpoints")
        return prefix

    def _snapshot(self, files):
        staging = os.path.join(self._experiment.logdir, UPLOAD_STAGING)
        os.makedirs(staging, exist_ok=True)
        folder = tempfile.mkdtemp(prefix=f"{len(os.listdir(staging)):06d}-", dir=staging)
        copies = []
        for path in files:
            copy = os.path.join(folder, os.path.basename(path))
            try:
                os.link(path, copy)
            except OSError:  # a file system without hard links
                shutil.copy2(path, copy)
            copies.append(copy)
        return copies

