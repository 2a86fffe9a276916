"""``keras.utils.text_dataset_from_directory``: the ``.txt`` files of a folder of class folders as a
dataset of ``(text, label)`` batches, as Keras 3 (in TF 2.21) builds it.

Files are listed class folder by class folder (the folders sorted, or ``class_names``' order;
in each, the files of every subfolder, walked in sorted order), then shuffled with NumPy's
``RandomState(seed)`` (the same permutation for the paths and the labels), split (the last
``int(validation_split * n)`` files are the validation subset), read with ``wb.io.read_file``
(cut to ``max_length`` bytes), shuffled again by the dataset (a buffer of ``8 * batch_size``
under ``seed``; the validation subset of ``subset="both"`` is not) and batched. Labels are
int32 class indices (``label_mode="int"``), one-hot float32 vectors (``"categorical"``) or
``[1]`` float32 (``"binary"``). The returned dataset has ``class_names``.

>>> train = text_dataset_from_directory("so/train", validation_split=0.2, subset="training", seed=42)
Found 21 files belonging to 3 classes.
Using 17 files for training.
"""

from __future__ import annotations

import os

import numpy as np

from ..ops.elementwise import cast
from ..ops.indexing import one_hot
from ..ops.shape import expand_dims
from .dataset import AUTOTUNE, Dataset


def _list_files(directory, labels, class_names, formats, follow_links):
    """``(paths, labels, class_names)`` in Keras' order (before the shuffle)."""
    if labels == "inferred":
        folders = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(folders):
                raise ValueError("The `class_names` passed did not match the names of the subdirectories of "
                                 f"the target directory. Expected: {folders} (or a subset of it), but "
                                 f"received: class_names={class_names}")
            folders = list(class_names)
    else:
        folders = [""]
        if class_names is not None:
            raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be specified."
                             if labels is None else
                             "When argument `labels` is specified, argument `class_names` cannot be specified "
                             "(the `class_names` will be the sorted list of labels).")
    paths, found = [], []
    for index, folder in enumerate(folders):
        top = os.path.join(directory, folder)
        for root, _, files in sorted(os.walk(top, followlinks=follow_links), key=lambda w: w[0]):
            for name in sorted(files):
                if name.lower().endswith(formats):
                    relative = os.path.join(os.path.basename(top), os.path.relpath(os.path.join(root, name), top))
                    paths.append(os.path.join(directory, relative))
                    found.append(index)
    if labels == "inferred":
        return paths, np.asarray(found, np.int32), folders
    if labels is None:
        return paths, None, None
    if len(labels) != len(paths):
        raise ValueError("Expected the lengths of `labels` to match the number of files in the target "
                         f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
                         f"directory {directory}.")
    return paths, np.asarray(labels), [str(v) for v in sorted(set(labels))]


def _split(paths, labels, validation_split, subset):
    if not validation_split:
        return paths, labels
    n_val = int(validation_split * len(paths))
    if subset == "training":
        print(f"Using {len(paths) - n_val} files for training.")
        return paths[:-n_val], None if labels is None else labels[:-n_val]
    print(f"Using {n_val} files for validation.")
    return paths[-n_val:], None if labels is None else labels[-n_val:]


def _dataset(paths, labels, label_mode, num_classes, max_length, shuffle, buffer_size, seed):
    from ..io import read_file  # noqa: PLC0415 (wb.io's readers import this package)
    from ..strings import substr  # noqa: PLC0415

    def content(path):
        text = read_file(path)
        return text if max_length is None else substr(text, 0, max_length)

    return labeled_files(paths, labels, label_mode, num_classes, content, shuffle, buffer_size, seed)


def labeled_files(paths, labels, label_mode, num_classes, load, shuffle, buffer_size, seed):
    """The files ``paths`` as a dataset of ``load(path)`` (with their labels in Keras'
    ``label_mode`` form: int, binary float32 ``[1]``, categorical one-hot), shuffled first
    when asked: what the ``*_dataset_from_directory`` functions batch."""
    ds = Dataset.from_tensor_slices(np.asarray(paths, dtype=object))
    if label_mode:
        label_ds = Dataset.from_tensor_slices(labels)
        if label_mode == "binary":
            label_ds = label_ds.map(lambda y: expand_dims(cast(y, np.float32), -1), num_parallel_calls=AUTOTUNE)
        elif label_mode == "categorical":
            label_ds = label_ds.map(lambda y: one_hot(y, num_classes), num_parallel_calls=AUTOTUNE)
        ds = Dataset.zip((ds, label_ds))
    if shuffle:
        ds = ds.shuffle(buffer_size, seed=seed)
    if label_mode:
        return ds.map(lambda x, y: (load(x), y), num_parallel_calls=AUTOTUNE)
    return ds.map(load, num_parallel_calls=AUTOTUNE)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, verbose=True):
    """The text files under ``directory`` (one folder per class) as a dataset of ``(texts, labels)``
    batches (see the module docstring); with ``subset="both"``, the training and validation pair."""
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError("`labels` argument should be a list/tuple of integer labels, of the same size as the "
                         "number of text files in the target directory. If you wish to infer the labels from "
                         'the subdirectory names in the target directory, pass `labels="inferred"`. If you '
                         "wish to get a dataset that only contains text samples (no labels), pass "
                         f"`labels=None`. Received: labels={labels}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                         f"Received: label_mode={label_mode}")
    if labels is None or label_mode is None:
        labels = label_mode = None
    if validation_split is not None:
        if not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
        if subset not in ("training", "validation", "both"):
            raise ValueError('If `validation_split` is set, `subset` must be "training", "validation" or '
                             f'"both", received: {subset}')
        if shuffle and seed is None:
            raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` "
                             "argument, to make sure that there is no overlap between the training and "
                             "validation subset.")
    elif subset is not None:
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if seed is None:
        seed = np.random.randint(1e6)
    paths, found, names = _list_files(os.fspath(directory), labels, class_names, (".txt",), follow_links)
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
    buffer_size = 8 * batch_size if batch_size is not None else 1024
    num_classes = len(names) if names else 0
    subsets = ("training", "validation") if subset == "both" else (subset,)
    out = []
    for part in subsets:
        part_paths, part_labels = _split(paths, found, validation_split, part)
        if not part_paths:
            raise ValueError(f"No {part + ' ' if subset == 'both' else ''}text files found in directory "
                             f"{directory}. Allowed format: .txt")
        ds = _dataset(part_paths, part_labels, label_mode, num_classes, max_length,
                      shuffle and part != "validation" if subset == "both" else shuffle, buffer_size, seed)
        if batch_size is not None:
            ds = ds.batch(batch_size)
        ds = ds.prefetch(AUTOTUNE)
        ds.class_names = names
        out.append(ds)
    return out if subset == "both" else out[0]
