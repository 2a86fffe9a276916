"""``keras.utils.audio_dataset_from_directory``: the ``.wav`` files of a folder of class folders as
a dataset of ``(audio, labels)`` batches, as Keras 3 (in TF 2.21) builds it.

Files are listed and shuffled as ``text_dataset_from_directory`` lists them (class folders
sorted, or ``class_names``' order; NumPy's ``RandomState(seed)`` for the order; the last
``int(validation_split * n)`` files for validation), zipped with their labels, shuffled by a
buffer of ``8 * batch_size`` under ``seed`` (not the validation half of ``subset="both"``),
then read and decoded with ``wb.audio.decode_wav`` (cut or zero-padded to
``output_sequence_length``), so each element is float32 ``[samples, channels]``. Batches are
padded to their longest clip where ``output_sequence_length`` is None (``padded_batch``), or
RaggedTensors ``[batch, None, None]`` with ``ragged=True``. The element spec is Keras':
``(TensorSpec((None, output_sequence_length, None), float32), TensorSpec((None,), int32))``.
The dataset has ``class_names``.

>>> train, val = audio_dataset_from_directory("speech", batch_size=64, validation_split=0.2, seed=0,
...                                           output_sequence_length=16000, subset="both")
Found 328 files belonging to 8 classes.
Using 263 files for training.
Using 65 files for validation.
"""

from __future__ import annotations

import os

import numpy as np

from ..data.dataset import AUTOTUNE
from ..data.directory import _list_files, _split, labeled_files

__all__ = ["audio_dataset_from_directory"]

ALLOWED_FORMATS = (".wav",)


def _read_and_decode(path, output_sequence_length):
    from ..audio import decode_wav  # noqa: PLC0415 (wb.io's readers import wb.data)
    from ..io import read_file  # noqa: PLC0415

    samples = -1 if output_sequence_length is None else output_sequence_length
    return decode_wav(read_file(path), desired_samples=samples)[0]


def _to_ragged(x):
    import ragged  # noqa: PLC0415 (the kit sits above the ragged package)

    return ragged.RaggedTensor.from_tensor(x)


def _dataset(paths, labels, label_mode, num_classes, output_sequence_length, ragged, shuffle, buffer_size,
             seed):
    ds = labeled_files(paths, labels, label_mode, num_classes,
                       lambda x: _read_and_decode(x, output_sequence_length), shuffle, buffer_size, seed)
    if not ragged:
        return ds
    if label_mode:
        return ds.map(lambda x, y: (_to_ragged(x), y), num_parallel_calls=AUTOTUNE)
    return ds.map(_to_ragged, num_parallel_calls=AUTOTUNE)


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                 sampling_rate=None, output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None, follow_links=False, verbose=True):
    """The ``.wav`` files under ``directory`` (one folder per class) as a dataset of ``(audio,
    labels)`` batches (see the module docstring); with ``subset="both"``, the training and
    validation pair. ``sampling_rate`` (resampling) needs TensorFlow I/O in Keras and is not
    available here."""
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError("The `labels` argument should be a list/tuple of integer labels, of the same size "
                             "as the number of audio files in the target directory. If you wish to infer the "
                             'labels from the subdirectory names in the target directory, pass `labels="inferred"`. '
                             "If you wish to get a dataset that only contains audio samples (no labels), pass "
                             f"`labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. Received: labels={labels}, '
                             f"and class_names={class_names}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                         f"Received: label_mode={label_mode}")
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if output_sequence_length is not None and (
            isinstance(output_sequence_length, bool) or not isinstance(output_sequence_length, (int, np.integer))
            or output_sequence_length < 0):
        raise ValueError("`output_sequence_length` should be None or a non-negative integer. "
                         f"Received: output_sequence_length={output_sequence_length!r}")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int):
            raise ValueError(f"`sampling_rate` should have an integer value. Received: sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError(f"`sampling_rate` should be higher than 0. Received: sampling_rate={sampling_rate}")
        raise ImportError("To use the argument `sampling_rate`, Keras resamples with tensorflow_io, which this "
                          "library does not have; resample the files beforehand, or leave `sampling_rate=None`.")
    if labels is None or label_mode is None:
        labels = label_mode = None
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` argument, "
                         "to make sure that there is no overlap between the training and validation subset.")
    if seed is None:
        seed = np.random.randint(1e6)
    buffer_size = 8 * batch_size if batch_size is not None else 1024
    paths, found, names = _list_files(os.fspath(directory), labels, class_names, ALLOWED_FORMATS, follow_links)
    if isinstance(labels, (list, tuple)) and found.dtype.kind in "iu" and (
            not found.size or -2**31 <= found.min() and found.max() < 2**31):
        found = found.astype(np.int32)   # Python ints, which TF's from_tensor_slices makes int32
    if verbose:
        print(f"Found {len(paths)} files." if found is None else
              f"Found {len(paths)} files belonging to {len(names)} classes.")
    if shuffle:
        np.random.RandomState(seed).shuffle(paths)
        if found is not None:
            np.random.RandomState(seed).shuffle(found)
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                         f"class_names={names}")
    subsets = ("training", "validation") if subset == "both" else (subset,)
    out = []
    for part in subsets:
        part_paths, part_labels = _split(paths, found, validation_split, part)
        if not part_paths:
            kind = f"{part} " if subset == "both" else ""
            raise ValueError(f"No {kind}audio files found in directory {directory}. "
                             f"Allowed format(s): {ALLOWED_FORMATS}")
        ds = _dataset(part_paths, part_labels, label_mode, len(names) if names else 0, output_sequence_length,
                      ragged, shuffle and (part != "validation" or subset != "both"), buffer_size, seed)
        ds = ds.prefetch(AUTOTUNE)
        if batch_size is not None:
            ds = ds.padded_batch(batch_size) if output_sequence_length is None and not ragged else ds.batch(batch_size)
        ds.class_names = names
        out.append(ds)
    return tuple(out) if subset == "both" else out[0]
