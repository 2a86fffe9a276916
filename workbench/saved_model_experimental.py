"""``wb.saved_model.experimental``: TF's SavedModel fingerprint (``Fingerprint``,
``read_fingerprint``) for folders written by ``wb.saved_model.save``.

The five fields are TF's: 64-bit hashes of the whole folder (``saved_model_checksum``), of
the functions' programs (``graph_def_program_hash``: the ONNX graphs), of the signatures
(``signature_def_hash``), of the object graph (``saved_object_graph_hash``: the manifest's
variables and functions) and of the variables' values (``checkpoint_hash``). They are read
from the folder's contents (SHA-256, first 8 bytes), so they are not TF's numbers for a TF
SavedModel: two folders with the same contents have the same fingerprint, and a change to a
variable's value changes ``checkpoint_hash`` and ``saved_model_checksum`` only.
``version`` is the folder's format version.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np

__all__ = ["Fingerprint", "read_fingerprint"]

_MANIFEST = "saved_model.json"   # the names wb.saved_model.save writes
_VALUES = "variables.npz"
_FIELDS = ("saved_model_checksum", "graph_def_program_hash", "signature_def_hash", "saved_object_graph_hash",
           "checkpoint_hash")


class Fingerprint:
    """A SavedModel's fingerprint (TF's ``tf.saved_model.experimental.Fingerprint``)."""

    def __init__(self, saved_model_checksum=None, graph_def_program_hash=None, signature_def_hash=None,
                 saved_object_graph_hash=None, checkpoint_hash=None, version=None):
        self.saved_model_checksum = saved_model_checksum
        self.graph_def_program_hash = graph_def_program_hash
        self.signature_def_hash = signature_def_hash
        self.saved_object_graph_hash = saved_object_graph_hash
        self.checkpoint_hash = checkpoint_hash
        self.version = version

    def singleprint(self) -> str:
        """``graph_def_program_hash/signature_def_hash/saved_object_graph_hash/checkpoint_hash``
        (TF's model identifier); every one of them must be an int."""
        parts = (self.graph_def_program_hash, self.signature_def_hash, self.saved_object_graph_hash,
                 self.checkpoint_hash)
        if not all(isinstance(p, int) and not isinstance(p, bool) for p in parts):
            raise ValueError("Fingerprint.singleprint: graph_def_program_hash, signature_def_hash, "
                             f"saved_object_graph_hash and checkpoint_hash must be ints, got {parts}")
        return "/".join(str(p) for p in parts)

    def _values(self):
        return tuple(getattr(self, f) for f in _FIELDS) + (self.version,)

    def __eq__(self, other):
        if not isinstance(other, Fingerprint):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self):
        return hash(self._values())

    def __str__(self):
        body = "\n".join(f"  {f}: {getattr(self, f)}" for f in _FIELDS)
        return f"SavedModel Fingerprint\n{body}\n  version: {self.version}"

    def __repr__(self):
        return f"Fingerprint({', '.join(str(getattr(self, f)) for f in _FIELDS)})"


def _hash64(*chunks) -> int:
    h = hashlib.sha256()
    for c in chunks:
        h.update(len(c).to_bytes(8, "little"))
        h.update(c)
    return int.from_bytes(h.digest()[:8], "little")


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _inside(export_dir, relative):
    path = os.path.realpath(os.path.join(export_dir, relative))
    root = os.path.realpath(export_dir)
    if os.path.commonpath([path, root]) != root:
        raise ValueError(f"read_fingerprint: the manifest names {relative!r}, outside {export_dir!r}")
    return path


def _program(data: bytes, bound) -> bytes:
    """An ONNX file's graph without the initializers that hold variables' values (those are
    the checkpoint's part), serialized deterministically."""
    import onnx   # an optional extra, as for wb.saved_model.load
    model = onnx.ModelProto()
    model.ParseFromString(data)
    kept = [t for t in model.graph.initializer if t.name not in bound]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    return model.SerializeToString(deterministic=True)


def read_fingerprint(export_dir) -> Fingerprint:
    """The fingerprint of the SavedModel folder ``export_dir`` (TF's
    ``tf.saved_model.experimental.read_fingerprint``); ``FileNotFoundError`` where the folder
    holds no SavedModel."""
    if not isinstance(export_dir, (str, os.PathLike)):
        raise TypeError(f"read_fingerprint: export_dir must be a path, got {type(export_dir).__name__}")
    export_dir = os.fspath(export_dir)
    manifest_path = os.path.join(export_dir, _MANIFEST)
    if not os.path.isfile(manifest_path):
        raise FileNotFoundError(f"SavedModel Fingerprint Error: Could not find fingerprint in directory: "
                                f"{export_dir} (no {_MANIFEST}, as wb.saved_model.save writes)")
    with open(manifest_path, "rb") as f:
        raw = f.read()
    manifest = json.loads(raw)
    entries = [e for es in manifest.get("functions", {}).values() for e in es]
    entries += list(manifest.get("signatures", {}).values())
    files, programs = [], []
    for e in sorted(entries, key=lambda e: str(e["file"])):
        with open(_inside(export_dir, str(e["file"])), "rb") as f:
            files.append(f.read())
        programs.append(_program(files[-1], e.get("variables", {})))
    # the values, not the .npz file's bytes (its zip entries carry the time of writing)
    chunks = []
    with np.load(os.path.join(export_dir, _VALUES), allow_pickle=False) as data:
        for k in sorted(data.files):
            a = np.ascontiguousarray(data[k])
            chunks += [k.encode(), str(a.dtype).encode(), _canonical(list(a.shape)), a.tobytes()]
    program_hash = _hash64(*programs)
    signature_hash = _hash64(_canonical(manifest.get("signatures", {})))
    objects = {k: manifest.get(k) for k in ("variables", "functions")}
    object_hash = _hash64(_canonical(objects))
    checkpoint_hash = _hash64(*chunks)
    checksum = _hash64(raw, *files, *chunks)
    return Fingerprint(checksum, program_hash, signature_hash, object_hash, checkpoint_hash,
                       manifest.get("version"))
