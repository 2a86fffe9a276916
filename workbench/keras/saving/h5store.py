"""The HDF5 weights file of Keras 3 (the layout its ``H5IOStore`` writes).

Each saved object (a layer, a model, an optimizer) owns a group ``<path>/vars`` whose
datasets ``"0"``, ``"1"``, … are its own variables in order; the group's attribute
``name`` records the object's name. Paths mirror the model's structure
(``layers/dense/vars``, ``layers/lstm/cell/vars``, ``optimizer/vars``).

Reading looks every group up by name, one path segment at a time, and follows only
hard links inside the file: a name from a file is never used as a filesystem path and
an external link to another file is refused.
"""

from __future__ import annotations

import numpy as np

from ...dtypes import np_dtype

__all__ = ["H5Store", "require_h5py"]

_MISSING = ("wb.keras.saving: reading and writing Keras weight files needs h5py; "
            "install it with: pip install research-workbench[keras]")


def require_h5py():
    """The ``h5py`` module, or ImportError naming the extra that installs it."""
    try:
        import h5py  # optional dependency (the [keras] extra), needed only for weight files
    except ImportError as exc:
        raise ImportError(_MISSING) from exc
    return h5py


class _WriteEntry:
    """The ``vars`` group of one object, being written: ``entry["0"] = array``."""

    def __init__(self, group):
        self._group = group

    def __setitem__(self, key, value):
        value = np.asarray(value)
        ds = self._group.create_dataset(str(key), data=value)
        if value.dtype.name == "bfloat16":   # Keras 3's mark: HDF5 holds ml_dtypes' bfloat16 as opaque 2 bytes
            ds.attrs["dtype"] = "bfloat16"

    def __len__(self):
        return len(self._group)


class _ReadEntry:
    """The ``vars`` group of one object, read: ``len(entry)``, ``entry["0"]`` (a NumPy array).
    An object with no group in the file reads as empty."""

    def __init__(self, h5py, group, where):
        self._h5py, self._group, self._where = h5py, group, where

    def __len__(self):
        return 0 if self._group is None else len(self._group)

    def keys(self):
        return [] if self._group is None else list(self._group.keys())

    def __getitem__(self, key):
        node = None if self._group is None else _child(self._h5py, self._group, str(key))
        if not isinstance(node, self._h5py.Dataset):
            raise KeyError(f"{self._where}: the weights file has no dataset {key!r} for this object")
        if node.attrs.get("dtype") == "bfloat16":   # opaque 2-byte values: bfloat16's bits
            return np.asarray(node[()]).view(np_dtype("bfloat16"))
        return np.asarray(node[()])


def _child(h5py, group, name):
    """The member ``name`` of ``group`` when it is a hard link inside the file, else None."""
    if "/" in name or name in ("", ".", ".."):
        return None
    link = group.get(name, getlink=True)
    if link is None:
        return None
    if not isinstance(link, h5py.HardLink):
        raise ValueError(f"the weights file links {group.name}/{name} elsewhere ({type(link).__name__}); "
                         "only plain groups and datasets are read")
    return group[name]


class H5Store:
    """A weights file opened for writing (``mode="w"``) or reading (``mode="r"``); ``file`` is a
    path or a binary file object. ``make(path, name)`` gives a fresh entry to write,
    ``get(path)`` the entry to read (empty when the file has none)."""

    def __init__(self, file, mode):
        self._h5py = require_h5py()
        if mode not in ("r", "w"):
            raise ValueError(f"H5Store: mode must be 'r' or 'w', got {mode!r}")
        self.mode = mode
        self._file = self._h5py.File(file, mode)

    def make(self, path, name=None):
        parent = self._file.require_group(path) if path else self._file
        group = parent.create_group("vars")
        if name is not None:
            group.attrs["name"] = str(name)
        return _WriteEntry(group)

    def get(self, path):
        node = self._file
        for part in (path.split("/") if path else []) + ["vars"]:
            node = _child(self._h5py, node, part) if isinstance(node, self._h5py.Group) else None
            if node is None:
                return _ReadEntry(self._h5py, None, path or "<root>")
        if not isinstance(node, self._h5py.Group):
            return _ReadEntry(self._h5py, None, path or "<root>")
        return _ReadEntry(self._h5py, node, path or "<root>")

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
