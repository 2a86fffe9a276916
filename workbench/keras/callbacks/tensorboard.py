"""``TensorBoard``: training curves, weight histograms and the model's graph for TensorBoard (Keras 3)."""

import json
import os
import tempfile
import time
import warnings

import numpy as np

from ... import summary
from ...errors import argcheck
from ..layers import Embedding
from .callback import Callback

__all__ = ["TensorBoard"]


def _check_freq(value, what):
    return argcheck.integer(value, what, "TensorBoard", minimum=0)


def _check_profile_batch(profile_batch):
    """Keras' forms: 0 (off), a batch number, ``"start,stop"`` or ``(start, stop)``."""
    if isinstance(profile_batch, str):
        parts = profile_batch.split(",")
        try:
            batches = [int(p) for p in parts]
        except ValueError:
            batches = None
    elif isinstance(profile_batch, (list, tuple)):
        batches = [argcheck.as_int(p) for p in profile_batch]
    else:
        batches = [argcheck.as_int(profile_batch)]
    if not batches or len(batches) > 2 or any(b is None or b < 0 for b in batches):
        raise ValueError("TensorBoard: profile_batch must be a non-negative integer or a pair of positive "
                         f"integers (start, stop), got {profile_batch!r}")
    if any(batches):
        raise ValueError(f"TensorBoard: profile_batch={profile_batch!r} asks for TensorFlow's profiler, which the "
                         "workbench does not have; pass profile_batch=0 (time steps with "
                         "write_steps_per_second=True instead)")
    return 0


class TensorBoard(Callback):
    """Writes TensorBoard logs: ``<log_dir>/train`` and ``<log_dir>/validation``.

    Args:
        log_dir: the folder TensorBoard is pointed at (``tensorboard --logdir log_dir``).
        histogram_freq: every this many epochs (0: never), a histogram of every weight
            (``<layer>/<weight>/histogram``).
        write_graph: write the model's layer graph (its config), shown by TensorBoard's Graphs
            dashboard as the "keras" conceptual graph.
        write_images: with ``histogram_freq``, also each 1-D and 2-D weight as an image
            (``<layer>/<weight>/image``, scaled to [0, 1]).
        write_steps_per_second: log training speed (``epoch_steps_per_second``, and
            ``batch_steps_per_second`` when batches are logged).
        update_freq: ``"epoch"``: scalars once per epoch (``epoch_loss``, ``epoch_accuracy``,
            ``epoch_learning_rate``; step = epoch); ``"batch"`` or an int N: also the running
            batch metrics every N batches (``batch_loss``; step = batches trained so far).
        profile_batch: only 0: there is no TensorFlow profiler here (other values raise).
        embeddings_freq: every this many epochs (0: never), each ``Embedding`` layer's matrix
            for TensorBoard's Projector: ``train/<layer>.embeddings.tsv`` (the latest) and
            ``train/projector_config.pbtxt`` naming it.
        embeddings_metadata: a metadata file (a TSV of labels, one row per embedding row) for
            every Embedding layer, or a dict ``{layer name: file}``; paths are written into the
            projector config as given (relative ones are relative to ``<log_dir>/train``).

    Validation results go to ``validation`` under the same ``epoch_*`` tags, and
    ``evaluation_<metric>_vs_iterations`` (step = optimizer steps) at the end of each
    validation run.

    >>> tensorboard = wb.keras.callbacks.TensorBoard(log_dir="logs/run1", histogram_freq=1)
    >>> model.fit(x, y, epochs=5, validation_split=0.2, callbacks=[tensorboard])   # doctest: +SKIP
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        try:
            self.log_dir = os.fspath(log_dir)
        except TypeError:
            raise TypeError(f"TensorBoard: log_dir must be a path, got {type(log_dir).__name__}") from None
        self.histogram_freq = _check_freq(histogram_freq, "histogram_freq")
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        if update_freq == "batch":
            update_freq = 1
        elif update_freq != "epoch":
            freq = argcheck.as_int(update_freq)
            if freq is None or freq < 1:
                raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive integer, got "
                                 f"{update_freq!r}")
            update_freq = freq
        self.update_freq = update_freq
        self.profile_batch = _check_profile_batch(profile_batch)
        self.embeddings_freq = _check_freq(embeddings_freq, "embeddings_freq")
        if embeddings_metadata is not None and not isinstance(embeddings_metadata, (str, os.PathLike, dict)):
            raise TypeError(f"TensorBoard: embeddings_metadata must be a file path or a dict of layer name -> file "
                            f"path, got {type(embeddings_metadata).__name__}")
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0
        self._batch_start = None
        self._epoch_start = None
        self._epoch_steps = 0

    # -- writers ---------------------------------------------------------------------------
    def _writer(self, name):
        """The writer of ``<log_dir>/<name>``, made on first use (no empty ``validation``)."""
        writer = self._writers.get(name)
        if writer is None:
            writer = self._writers[name] = summary.create_file_writer(os.path.join(self.log_dir, name))
        return writer

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # -- hooks -----------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        if self.write_graph:
            self._write_keras_model_summary()
        if self.embeddings_freq:
            self._configure_embeddings()

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if not logs or optimizer is None or not hasattr(optimizer, "iterations"):
            return
        step = int(np.asarray(optimizer.iterations))
        with self._writer("validation").as_default():
            for name, value in logs.items():
                if _is_scalar(value):
                    summary.scalar(f"evaluation_{name}_vs_iterations", float(value), step=step)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.time()
        self._epoch_steps = 0

    def on_train_batch_begin(self, batch, logs=None):
        if self.write_steps_per_second:
            self._batch_start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        self._global_train_batch += 1
        self._epoch_steps += 1
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        with self._writer("train").as_default():
            for name, value in (logs or {}).items():
                if _is_scalar(value):
                    summary.scalar("batch_" + name, float(value), step=self._global_train_batch)
            if self.write_steps_per_second and self._batch_start is not None:
                elapsed = time.time() - self._batch_start
                if elapsed > 0:
                    summary.scalar("batch_steps_per_second", 1.0 / elapsed, step=self._global_train_batch)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if "learning_rate" not in train and optimizer is not None and hasattr(optimizer, "learning_rate"):
            train["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        if self.write_steps_per_second and self._epoch_start is not None:
            elapsed = time.time() - self._epoch_start
            if elapsed > 0:
                train["steps_per_second"] = self._epoch_steps / elapsed
        for folder, values in (("train", train), ("validation", val)):
            values = {k: v for k, v in values.items() if _is_scalar(v)}
            if not values:
                continue
            with self._writer(folder).as_default():
                for name, value in values.items():
                    summary.scalar("epoch_" + name, float(value), step=epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings()
        for writer in self._writers.values():
            writer.flush()

    # -- weights and graph -----------------------------------------------------------------
    def _weight_tag(self, variable):
        name = variable.path
        prefix = f"{getattr(self.model, 'name', '')}/"
        return name[len(prefix):] if name.startswith(prefix) else name

    def _log_weights(self, epoch):
        with self._writer("train").as_default():
            for variable in self.model.weights:
                tag = self._weight_tag(variable)
                values = variable.numpy()
                summary.histogram(tag + "/histogram", values, step=epoch)
                if self.write_images and values.ndim in (1, 2):
                    image = np.atleast_2d(values).astype(np.float64)
                    span = image.max() - image.min()
                    image = (image - image.min()) / span if span > 0 else np.zeros_like(image)
                    summary.image(tag + "/image", image[None, :, :, None], step=epoch)

    def _write_keras_model_summary(self):
        """The model's config under tag ``keras`` (the Graphs dashboard's conceptual graph)."""
        try:
            config = self.model.get_config()
        except NotImplementedError:
            warnings.warn(f"TensorBoard: {type(self.model).__name__} has no get_config, so its graph is not written "
                          "(write_graph needs a Sequential or functional model, or a get_config)", stacklevel=2)
            return
        text = json.dumps({"class_name": type(self.model).__name__, "config": config}, default=str)
        with self._writer("train").as_default():
            summary.write("keras", np.array(text), step=0, metadata=_keras_model_metadata())


    # -- embeddings for the Projector -------------------------------------------------------
    def _embedding_layers(self):
        found, stack = [], list(getattr(self.model, "layers", []))
        while stack:
            layer = stack.pop(0)
            if isinstance(layer, Embedding):
                found.append(layer)
            stack[:0] = list(getattr(layer, "layers", []))  # nested models, depth first
        return found

    def _configure_embeddings(self):
        """Write ``projector_config.pbtxt``: one entry per Embedding layer, read from its TSV file."""
        from google.protobuf import text_format  # optional (tensorboard's): loaded only for embeddings
        from tensorboard.plugins.projector import projector_config_pb2  # optional, as above
        layers = self._embedding_layers()
        names = {layer.name for layer in layers}
        metadata = self.embeddings_metadata
        if isinstance(metadata, dict) and set(metadata) - names:
            raise ValueError(f"TensorBoard: embeddings_metadata names layers that are not Embedding layers of the "
                             f"model: {sorted(set(metadata) - names)} (Embedding layers: {sorted(names) or 'none'})")
        config = projector_config_pb2.ProjectorConfig()
        for layer in layers:
            embedding = config.embeddings.add()
            embedding.tensor_name = f"{layer.name}/embeddings"
            embedding.tensor_path = f"{layer.name}.embeddings.tsv"
            path = metadata.get(layer.name) if isinstance(metadata, dict) else metadata
            if path is not None:
                embedding.metadata_path = os.fspath(path)
        folder = os.path.join(self.log_dir, "train")
        os.makedirs(folder, exist_ok=True)
        _write_atomically(os.path.join(folder, "projector_config.pbtxt"), text_format.MessageToString(config))

    def _log_embeddings(self):
        folder = os.path.join(self.log_dir, "train")
        for layer in self._embedding_layers():
            matrix = np.asarray(layer.embeddings.numpy(), dtype=np.float64)
            text = "\n".join("\t".join(f"{v:.9g}" for v in row) for row in matrix) + "\n"
            _write_atomically(os.path.join(folder, f"{layer.name}.embeddings.tsv"), text)


def _write_atomically(path, text):
    """Replace ``path`` by a complete new file (TensorBoard may be reading the old one)."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _keras_model_metadata():
    # tensorboard is an optional dependency, loaded only when a graph is written
    from tensorboard.compat.proto import summary_pb2
    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="graph_keras_model", content=b"1"))


def _is_scalar(value) -> bool:
    try:
        return np.ndim(value) == 0 and not isinstance(value, (str, bytes))
    except (TypeError, ValueError):
        return False
