"""The files of a checkpoint: arrays and JSON only (never pickle), written atomically.

A checkpoint is two files beside each other::

    <prefix>.index.json           paths, shapes, dtypes, CRC32 of every variable, the
                                  data file's name, size and SHA-256, the save counter
    <prefix>.data-<sha>.npz       the arrays (``np.savez``, ``allow_pickle=False``)

Every file is written to a temporary file in the same folder, flushed and
fsynced, then renamed over its final name (``os.replace``) and the folder is
fsynced. The data file is named after its own checksum and the index is
renamed last, so a save that dies half way leaves the previous checkpoint (even
one with the same prefix) intact. Reading checks every checksum, shape and
dtype: a damaged file raises :class:`DataLossError` naming it.

A save that is killed leaves its temporary file (``.wb-ckpt-<host>-<pid>-<random>.tmp``)
behind. The next save or restore in that folder deletes the ones whose writer is
gone: written on this host by a process that no longer runs, or untouched for
``STALE_TEMP_SECONDS`` (an hour; this covers files of other hosts, whose processes
cannot be checked, and older names without a pid). A save running at that moment in
another thread or process keeps its file: its process is alive and it keeps writing.

Names read from files are confined to their folder (:func:`_confined`): the checkpoint
names in ``checkpoint.json`` and an index's ``data_file`` must be plain file names that
resolve inside the folder (no ``/``, ``..``, absolute paths, or symbolic links leading
out), else :class:`DataLossError` names the file and the name, and nothing is read or
deleted.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import socket
import tempfile
import time
import zlib

import numpy as np

from ..dtypes import np_dtype

__all__ = ["DataLossError", "write_checkpoint", "read_checkpoint", "write_json"]

FORMAT = "workbench-checkpoint"
VERSION = 1
INDEX_SUFFIX = ".index.json"
STATE_FILE = "checkpoint.json"     # the CheckpointManager's record of its checkpoints
TEMP_PREFIX = ".wb-ckpt-"
TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 3600.0   # a temporary file untouched this long belongs to no running save


class DataLossError(IOError):
    """A checkpoint file is truncated or corrupted (TF's ``tf.errors.DataLossError``)."""


# this host in temporary file names; '-' separates the fields, so the host has none
_HOST = re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname())[:40] or "host"
_TEMP_NAME = re.compile(r"\.wb-ckpt-(?P<host>[A-Za-z0-9._]*)-(?P<pid>\d+)-[^-]*\.tmp\Z")


def _pid_alive(pid):
    """Whether process ``pid`` of this host may still be writing (True when it cannot be told)."""
    if os.name != "posix":
        return True  # os.kill(pid, 0) would terminate it on Windows
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    try:  # a zombie (killed, not yet reaped) writes nothing more
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (OSError, IndexError):
        return True


def _remove_stale_temps(directory):
    """Delete the temporary files of saves that died in ``directory``; returns their names.

    A file is stale when its name says it was written on this host by a process that is gone,
    or when it has not been modified for ``STALE_TEMP_SECONDS`` (writes keep touching a file
    in progress; this also covers other hosts and names without a pid). A file of a live
    process, this one included (another thread may be saving), stays.
    """
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    now, removed = time.time(), []
    for entry in entries:
        name = entry.name
        if not (name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS
        except OSError:
            continue
        found = _TEMP_NAME.match(name)
        orphan = (found is not None and found["host"] == _HOST
                  and not _pid_alive(int(found["pid"])))
        if orphan or old:
            try:
                os.unlink(entry.path)
                removed.append(name)
            except OSError:  # gone already, or a read-only folder
                pass
    return removed


def _confined(directory, name, source, field):
    """``directory/name`` for a file name read from the file ``source`` (``field`` says where in
    it), after checking that it stays in ``directory``; raises DataLossError otherwise."""
    if not isinstance(name, str) or not name:
        problem = f"expected a non-empty file name, got {type(name).__name__} {name!r}"
    elif (name in (".", "..") or "/" in name or "\\" in name or "\0" in name
          or os.path.isabs(name) or os.path.splitdrive(name)[0]):
        problem = "expected a plain file name in that folder (no '/', '..', or absolute path)"
    else:
        path = os.path.join(directory, name)
        real_dir, real = os.path.realpath(directory), os.path.realpath(path)
        if os.path.dirname(real) == real_dir:
            return path
        problem = f"it resolves to '{real}', outside '{real_dir}' (through a symbolic link)"
    raise DataLossError(f"'{source}' names {name!r} as its {field}: {problem}; nothing was read or "
                        f"deleted (fix or remove '{source}')")


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not supported on this platform (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(final_path, write):
    """Write a file so that ``final_path`` holds either its old content or the complete new one.

    ``write(f)`` fills the temporary file; ``final_path`` may be a function of the temporary
    file's path (to name a file after its checksum). Returns the final path.
    """
    directory = final_path.directory if callable(final_path) else (os.path.dirname(final_path) or ".")
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{_HOST}-{os.getpid()}-", suffix=TEMP_SUFFIX,
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        target = final_path if isinstance(final_path, str) else final_path(tmp)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)
    return target


def _sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_ML_DTYPES = ("bfloat16", "float8_e4m3fn", "float8_e5m2")


def _crc32(arr: np.ndarray) -> int:
    return zlib.crc32(np.ascontiguousarray(arr).reshape(-1).view(np.uint8)) & 0xFFFFFFFF


def _write_arrays(f, arrays):
    np.savez(f, allow_pickle=False, **arrays)


def _write_json(f, obj):
    f.write(json.dumps(obj, indent=1, sort_keys=True).encode("utf-8"))


def write_json(path, obj):
    """Write ``obj`` as JSON at ``path`` atomically (see :func:`_atomic_write`)."""
    return _atomic_write(path, lambda f: _write_json(f, obj))


def _index_digest(index):
    body = {k: v for k, v in index.items() if k != "index_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


class _ByChecksum:
    """Final name of a data file: ``<prefix>.data-<sha256[:16]>.npz`` (computed from the tmp file)."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.directory = os.path.dirname(prefix) or "."
        self.sha256 = None
        self.size = None

    def __call__(self, tmp):
        self.sha256 = _sha256_file(tmp)
        self.size = os.path.getsize(tmp)
        return f"{self.prefix}.data-{self.sha256[:16]}.npz"


def write_checkpoint(prefix, variables, extra=None):
    """Write ``{path: Variable or NumPy array}`` under ``prefix`` atomically; returns ``prefix``."""
    prefix = os.fspath(prefix)
    directory = os.path.dirname(prefix) or "."
    os.makedirs(directory, exist_ok=True)
    _remove_stale_temps(directory)
    arrays, entries = {}, {}
    for i, (path, var) in enumerate(variables.items()):
        arr = var if isinstance(var, np.ndarray) else var.numpy()
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")
        if arr.dtype.kind == "O":
            raise TypeError(f"checkpoint: variable '{path}' holds Python objects; only numeric arrays "
                            "can be saved")
        key = f"v{i}"
        # npz has no bfloat16/float8 (ml_dtypes' types): their bits are stored as unsigned integers
        arrays[key] = arr.view(f"u{arr.dtype.itemsize}") if arr.dtype.name in _ML_DTYPES else arr
        entries[path] = {"key": key, "shape": list(arr.shape), "dtype": arr.dtype.name,
                         "crc32": _crc32(arr)}
    namer = _ByChecksum(prefix)
    data_path = _atomic_write(namer, lambda f: _write_arrays(f, arrays))
    index = {"format": FORMAT, "version": VERSION, "data_file": os.path.basename(data_path),
             "data_sha256": namer.sha256, "data_bytes": namer.size, "created": time.time(),
             "variables": entries, **(extra or {})}
    index["index_sha256"] = _index_digest(index)
    _atomic_write(prefix + INDEX_SUFFIX, lambda f: _write_json(f, index))
    # data files of earlier saves under the same prefix are no longer referenced
    for stale in glob.glob(glob.escape(prefix) + ".data-*.npz"):
        if os.path.basename(stale) != index["data_file"]:
            try:
                os.unlink(stale)
            except OSError:
                pass
    return prefix


def read_checkpoint(prefix):
    """``(index, {path: array})`` of the checkpoint at ``prefix``, every checksum verified."""
    prefix = os.fspath(prefix)
    index_path = prefix + INDEX_SUFFIX
    if not os.path.exists(index_path):
        raise FileNotFoundError(f"no checkpoint at '{prefix}': '{index_path}' does not exist")
    directory = os.path.dirname(prefix) or "."
    _remove_stale_temps(directory)
    try:
        with open(index_path, "rb") as f:
            index = json.loads(f.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataLossError(f"checkpoint index '{index_path}' is truncated or corrupted: {exc}") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise DataLossError(f"'{index_path}' is not a workbench checkpoint index")
    if index.get("index_sha256") != _index_digest(index):
        raise DataLossError(f"checkpoint index '{index_path}' is corrupted: its checksum does not match")
    data_path = _confined(directory, index.get("data_file"), index_path, "data_file")
    if not os.path.exists(data_path):
        raise DataLossError(f"checkpoint data file '{data_path}' (named by '{index_path}') is missing")
    size = os.path.getsize(data_path)
    if size != index["data_bytes"]:
        raise DataLossError(f"checkpoint data file '{data_path}' is truncated or corrupted: it has "
                            f"{size} bytes, the index says {index['data_bytes']}")
    digest = _sha256_file(data_path)
    if digest != index["data_sha256"]:
        raise DataLossError(f"checkpoint data file '{data_path}' is corrupted: SHA-256 {digest[:16]}... "
                            f"does not match the index ({index['data_sha256'][:16]}...)")
    arrays = {}
    try:
        with np.load(data_path, allow_pickle=False) as data:
            for path, entry in index["variables"].items():
                arr = data[entry["key"]]
                if entry["dtype"] in _ML_DTYPES and arr.dtype.kind == "u":
                    arr = arr.view(np_dtype(entry["dtype"]))
                if (list(arr.shape) != entry["shape"] or arr.dtype.name != entry["dtype"]
                        or _crc32(arr) != entry["crc32"]):
                    raise DataLossError(f"checkpoint data file '{data_path}' is corrupted: the value "
                                        f"of '{path}' does not match its shape, dtype or CRC32")
                arrays[path] = arr
    except DataLossError:
        raise
    except Exception as exc:  # a damaged zip or array header
        raise DataLossError(f"checkpoint data file '{data_path}' cannot be read: {exc}") from None
    return index, arrays
