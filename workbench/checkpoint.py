"""Checkpoints: ``wb.Checkpoint`` and ``wb.CheckpointManager`` (TF 2's object-based API).

A checkpoint is two files beside each other, arrays and JSON only (never pickle)::

    <prefix>.index.json           paths, shapes, dtypes, CRC32 of every variable, the
                                  data file's name, size and SHA-256, the save counter
    <prefix>.data-<sha>.npz       the arrays (``np.savez``, ``allow_pickle=False``)

Every file is written to a temporary file in the same folder, flushed and
fsynced, then renamed over its final name (``os.replace``) and the folder is
fsynced. The data file is named after its own checksum and the index is
renamed last, so a save that dies half way leaves the previous checkpoint (even
one with the same prefix) intact. Restoring checks every checksum, shape and
dtype before it assigns anything: a damaged file raises :class:`DataLossError`
naming it, and nothing is half loaded.

A save that is killed leaves its temporary file (``.wb-ckpt-<host>-<pid>-<random>.tmp``)
behind. The next save or restore in that folder deletes the ones whose writer is
gone: written on this host by a process that no longer runs, or untouched for
``STALE_TEMP_SECONDS`` (an hour; this covers files of other hosts, whose processes
cannot be checked, and older names without a pid). A save running at that moment in
another thread or process keeps its file: its process is alive and it keeps writing.

What is saved: the variables reachable from the objects given to
``Checkpoint(...)``, found the way ``tf.Module`` finds them (attributes, lists,
tuples, dicts, recursively, each variable once, in sorted order), or through an
object's ``variables_by_path()`` when it has one. Optimizer slot variables are
saved under the path of the variable they belong to
(``model/w/.OPTIMIZER_SLOT/optimizer/m``). Slots that do not exist yet when a
checkpoint is restored (optimizers create them at the first step) are handed
to the optimizer and take their saved values when it creates them (deferred
restoration, as in TF), so resumed training continues bit for bit. The same
holds for the variables of a model whose layers are not built yet: each value
waits on the model (a ``wb.Module``) and is assigned when the variable at
its path is created, on the first call; the restore status says what is still
waiting (``assert_consumed``).

Names read from files are confined to their folder: the checkpoint names in
``checkpoint.json`` and an index's ``data_file`` must be plain file names that
resolve inside the folder (no ``/``, ``..``, absolute paths, or symbolic links
leading out), else :class:`DataLossError` names the file and the name, and
nothing is read or deleted.

Objects with a state that is not a Variable, such as a dataset iterator
(``Checkpoint(iterator=iter(ds))``), save arrays through
``_checkpoint_arrays()`` and are restored through ``_prepare_restore(arrays)``.

>>> ckpt = wb.Checkpoint(model=model, optimizer=opt)
>>> manager = wb.CheckpointManager(ckpt, "runs/ckpts", max_to_keep=3)
>>> manager.save()                      # 'runs/ckpts/ckpt-1'
>>> ckpt.restore(manager.latest_checkpoint)
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
import types
import warnings
import zlib

import numpy as np

from .core import Tensor, Variable

__all__ = ["Checkpoint", "CheckpointManager", "latest_checkpoint", "DataLossError"]

FORMAT = "workbench-checkpoint"
VERSION = 1
INDEX_SUFFIX = ".index.json"
STATE_FILE = "checkpoint.json"
SLOT_MARK = ".OPTIMIZER_SLOT"
TEMP_PREFIX = ".wb-ckpt-"
TEMP_SUFFIX = ".tmp"
STALE_TEMP_SECONDS = 3600.0   # a temporary file untouched this long belongs to no running save


class DataLossError(IOError):
    """A checkpoint file is truncated or corrupted (TF's ``tf.errors.DataLossError``)."""


# -- files -----------------------------------------------------------------------------

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


def _crc32(arr: np.ndarray) -> int:
    return zlib.crc32(np.ascontiguousarray(arr).reshape(-1).view(np.uint8)) & 0xFFFFFFFF


def _write_arrays(f, arrays):
    np.savez(f, allow_pickle=False, **arrays)


def _write_json(f, obj):
    f.write(json.dumps(obj, indent=1, sort_keys=True).encode("utf-8"))


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
        arrays[key] = arr
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


# -- finding variables --------------------------------------------------------------------

_OPAQUE = (str, bytes, int, float, complex, bool, type(None), np.ndarray, np.generic, Tensor,
           types.ModuleType, type, types.FunctionType, types.MethodType, types.BuiltinFunctionType)


def _join(path, name):
    return f"{path}/{name}" if path else str(name)


class _Collected:
    def __init__(self):
        self.variables: dict = {}   # path -> Variable
        self.path_of: dict = {}     # id(Variable) -> path
        self.optimizers: list = []  # (path, optimizer)
        self.stateful: dict = {}    # path -> object saving arrays (a dataset iterator)
        self.deferrable: dict = {}  # path -> object that can hold values for variables it lacks
        self._modules: dict = {}    # deferrable path -> {path below it: module}
        self._seen: set = set()

    def walk(self, obj, path):
        if isinstance(obj, Variable):
            if id(obj) not in self.path_of:
                self.path_of[id(obj)] = path
                self.variables[path] = obj
            return
        if isinstance(obj, _OPAQUE) or id(obj) in self._seen:
            return
        if hasattr(obj, "_checkpoint_arrays") and hasattr(obj, "_prepare_restore"):
            self._seen.add(id(obj))
            self.stateful[path] = obj
            return
        if type(obj).__module__.startswith(("workbench.data", "threading", "queue")):
            return
        self._seen.add(id(obj))
        if hasattr(obj, "_slot_items") and hasattr(obj, "_defer_slot_restore"):
            self.optimizers.append((path, obj))
        if callable(getattr(obj, "_defer_restore", None)):
            self.deferrable[path] = obj
        by_path = getattr(obj, "variables_by_path", None)
        if callable(by_path):
            for sub, var in by_path().items():
                if not isinstance(var, Variable):
                    raise TypeError(f"checkpoint: {type(obj).__name__}.variables_by_path() returned "
                                    f"{type(var).__name__} for '{sub}', expected a wb.Variable")
                self.walk(var, _join(path, sub))
            return
        if isinstance(obj, Checkpoint):
            items = sorted(obj._children.items())
        elif isinstance(obj, dict):
            items = sorted(obj.items(), key=lambda kv: str(kv[0]))
        elif isinstance(obj, (list, tuple)):
            items = list(enumerate(obj))
        elif hasattr(obj, "__dict__"):
            items = sorted(vars(obj).items())
        else:
            return
        for name, child in items:
            self.walk(child, _join(path, name))

    def slot_paths(self):
        """``{path: slot Variable}`` for every slot whose variable is tracked."""
        out, lost = {}, []
        for opt_path, opt in self.optimizers:
            for var, slot_name, slot in opt._slot_items():
                var_path = self.path_of.get(id(var))
                if var_path is None:
                    lost.append(var.name)
                    continue
                out[f"{var_path}/{SLOT_MARK}/{opt_path}/{slot_name}"] = slot
        if lost:
            warnings.warn(f"checkpoint: optimizer slots of variables {lost} are not saved because those "
                          "variables are not part of the checkpoint; add the model to the Checkpoint",
                          UserWarning, stacklevel=4)
        return out


    def saved(self):
        """``{path: Variable or array}``: what a save writes."""
        out = dict(self.variables)
        for path, obj in self.stateful.items():
            for key, arr in obj._checkpoint_arrays().items():
                out[f"{path}/{key}"] = np.asarray(arr)
        return out

    def holder_of(self, path):
        """``(holder path, holder)`` of the deepest deferrable object above ``path``, or None.

        None too when the deepest module that exists on the path is built: its variables all
        exist, so a value with no variable there is unused rather than waiting (modules without
        a ``built`` flag may still create variables and keep the value)."""
        parts = path.split("/")
        for k in range(len(parts) - 1, -1, -1):
            prefix = "/".join(parts[:k])
            holder = self.deferrable.get(prefix)
            if holder is not None:
                return None if getattr(self._deepest_module(prefix, holder, parts[k:-1]), "built",
                                       False) else (prefix, holder)
        return None

    def _deepest_module(self, prefix, holder, parts):
        modules = self._modules.get(prefix)
        if modules is None:
            walk = getattr(holder, "_walk", None)
            modules = self._modules[prefix] = {
                p: obj for p, obj, _ in (walk() if callable(walk) else ())
                if callable(getattr(obj, "_defer_restore", None))}
        for j in range(len(parts), 0, -1):
            sub = modules.get("/".join(parts[:j]))
            if sub is not None:
                return sub
        return holder


def _collect(root):
    c = _Collected()
    c.walk(root, "")
    c.variables.update(c.slot_paths())
    return c


# -- Checkpoint ---------------------------------------------------------------------------


class LoadStatus:
    """What a restore did, and what is still waiting (TF's ``CheckpointLoadStatus``).

    Values for variables that do not exist yet (layers not built) wait on their model
    and are assigned when the variables are created; ``pending`` lists their paths until
    then. ``assert_consumed()`` raises while anything in the checkpoint is unused or
    pending, or a variable of the objects has no value in it;
    ``assert_existing_objects_matched()`` only checks the variables that exist now;
    ``expect_partial()`` silences the warning about values that were never used.
    """

    def __init__(self, path, unused=(), deferred=0, checkpoint=None, saved=()):
        self.path = path
        self.unused = list(unused)
        self.deferred = deferred
        self._pending: set = set()
        self._checkpoint = checkpoint
        self._saved = frozenset(saved)
        self._matched = 0
        self._checked = False

    @property
    def pending(self) -> list:
        """Paths of checkpoint values waiting for their variables to be created."""
        return sorted(self._pending)

    def _resolved(self, path):
        self._pending.discard(path)

    def _unmatched_variables(self):
        """Paths of the objects' variables (and iterators) that the checkpoint has no value for."""
        if self._checkpoint is None:
            return []
        c = self._checkpoint._targets()
        missing = [p for p in c.variables if p not in self._saved]
        missing += [p for p in c.stateful if not any(k.startswith(p + "/") for k in self._saved)]
        return missing

    def assert_consumed(self):
        """Raise ``AssertionError`` unless every value in the checkpoint went into a variable and
        every variable of the objects got one."""
        self._checked = True
        problems = []
        if self.unused:
            problems.append(f"values that match no object: {self.unused}")
        if self._pending:
            problems.append(f"values waiting for variables that have not been created yet (build "
                            f"the model by calling it once): {self.pending}")
        missing = self._unmatched_variables()
        if missing:
            problems.append(f"variables with no value in the checkpoint: {missing}")
        if problems:
            raise AssertionError(f"checkpoint '{self.path}' was not fully consumed: " + "; ".join(problems))
        return self

    def assert_existing_objects_matched(self):
        """Raise ``AssertionError`` if a variable that exists now got no value from the checkpoint
        (values still waiting for unbuilt layers are fine)."""
        self._checked = True
        missing = self._unmatched_variables()
        if missing:
            raise AssertionError(f"checkpoint '{self.path}' has no value for the existing variables "
                                 f"{missing}")
        return self

    def assert_nontrivial_match(self):
        """Raise ``AssertionError`` if nothing but the save counter was restored or is waiting
        to be."""
        self._checked = True
        if self.path is not None and self._matched <= 1:
            raise AssertionError(f"checkpoint '{self.path}': nothing was restored besides the save "
                                 "counter")
        return self

    def expect_partial(self):
        self._checked = True
        return self

    def __del__(self):
        left = self.unused + self.pending
        if left and not self._checked:
            try:
                warnings.warn(f"checkpoint '{self.path}': values for {left} were not restored "
                              "into anything (call .expect_partial() on the restore status if this "
                              "is intended)", UserWarning, stacklevel=2)
            except Exception:
                pass


class _Deferred:
    """A checkpoint value waiting for its variable: held by a module (``Module._defer_restore``)
    and assigned by :meth:`restore_into` when the variable at its path is created."""

    __slots__ = ("path", "array", "status", "slots")

    def __init__(self, path, array, status):
        self.path = path
        self.array = array
        self.status = status
        self.slots = []          # (optimizer, slot name, array): slot values for the same variable

    def restore_into(self, var):
        if tuple(self.array.shape) != tuple(var.shape) or self.array.dtype != var.dtype:
            raise ValueError(f"cannot restore '{self.status.path}' into '{self.path}': the checkpoint "
                             f"has shape {self.array.shape} dtype {self.array.dtype}, the variable "
                             f"created for it has shape {var.shape} dtype {var.dtype}")
        var.assign(self.array)
        for opt, name, arr in self.slots:
            opt._defer_slot_restore(var, name, arr)
        self.status._resolved(self.path)


class Checkpoint:
    """Groups objects whose variables are saved and restored together.

    ``Checkpoint(model=model, optimizer=opt)``: each keyword is a trackable object (a
    Variable, an optimizer, a module, another Checkpoint, or any object, list or dict
    holding variables). ``save`` numbers checkpoints with ``save_counter``.

    >>> ckpt = wb.Checkpoint(w=wb.Variable([1.0, 2.0]))
    >>> path = ckpt.save("/tmp/demo/ckpt")     # '/tmp/demo/ckpt-1'
    >>> status = ckpt.restore(path)
    """

    def __init__(self, root=None, **kwargs):
        object.__setattr__(self, "_children", {})
        object.__setattr__(self, "save_counter",
                           Variable(np.int64(0), trainable=False, name="save_counter"))
        if root is not None:
            self._children["root"] = root
        for name, obj in kwargs.items():
            setattr(self, name, obj)

    def __setattr__(self, name, value):
        if name.startswith("_") or name == "save_counter":
            object.__setattr__(self, name, value)
            return
        if isinstance(value, (str, int, float, bool, type(None))):
            raise TypeError(f"Checkpoint: '{name}' must be a trackable object (variables, an optimizer, "
                            f"a module...), got {type(value).__name__}")
        self._children[name] = value

    def __getattr__(self, name):
        children = self.__dict__.get("_children", {})
        if name in children:
            return children[name]
        raise AttributeError(f"Checkpoint has no attribute {name!r}")

    def variables_by_path(self) -> dict:
        """``{path: Variable}`` of everything this checkpoint saves (slots included)."""
        c = _collect({**self._children, "save_counter": self.save_counter})
        return dict(c.variables)

    def _targets(self):
        return _collect({**self._children, "save_counter": self.save_counter})

    # -- saving --------------------------------------------------------------
    def write(self, file_prefix, options=None):
        """Write a checkpoint at exactly ``file_prefix`` (no counter); returns the prefix."""
        c = self._targets()
        return write_checkpoint(file_prefix, c.saved(),
                                {"save_counter": int(self.save_counter.numpy())})

    def save(self, file_prefix, options=None):
        """Increment ``save_counter`` and write ``<file_prefix>-<save_counter>``; returns that path."""
        self.save_counter.assign_add(np.int64(1))
        try:
            return self.write(f"{os.fspath(file_prefix)}-{int(self.save_counter.numpy())}")
        except BaseException:
            self.save_counter.assign_sub(np.int64(1))
            raise

    # -- restoring -------------------------------------------------------------
    def read(self, save_path, options=None):
        """Restore from ``save_path`` (see :meth:`restore`)."""
        return self.restore(save_path)

    def restore(self, save_path, options=None):
        """Restore every variable from ``save_path``; returns a :class:`LoadStatus`.

        Everything is checked before anything is assigned: damaged files raise
        :class:`DataLossError`, and a variable that the checkpoint lacks, or holds with a
        different shape or dtype, raises ``ValueError`` naming its path. Values for
        variables that a model has not created yet (its layers are built on the first
        call) wait and are assigned when they are created. ``save_path=None`` restores
        nothing (handy with ``manager.latest_checkpoint`` on a first run).
        """
        if save_path is None:
            return LoadStatus(None)
        save_path = os.fspath(save_path)
        _, arrays = read_checkpoint(save_path)
        c = self._targets()
        missing, wrong = [], []
        for path, var in c.variables.items():
            arr = arrays.get(path)
            if arr is None:
                missing.append(path)
            elif arr.shape != var.shape or arr.dtype != var.dtype:
                wrong.append(f"'{path}': checkpoint has shape {arr.shape} dtype {arr.dtype}, the object "
                             f"has shape {var.shape} dtype {var.dtype}")
        used, to_prepare = set(c.variables), []
        for path, obj in c.stateful.items():
            sub = {k[len(path) + 1:]: arr for k, arr in arrays.items() if k.startswith(path + "/")}
            if not sub:
                missing.append(path)
                continue
            used.update(f"{path}/{k}" for k in sub)
            to_prepare.append((path, obj, sub))

        def check():
            if wrong:
                raise ValueError(f"cannot restore '{save_path}': " + "; ".join(wrong))
            if missing:
                raise ValueError(f"cannot restore '{save_path}': the checkpoint has no value for "
                                 f"{missing} (it holds {sorted(arrays)[:20]})")
        check()  # before preparing iterators, which stops and rebuilds them
        installs = []
        try:
            for path, obj, sub in to_prepare:
                try:
                    installs.append(obj._prepare_restore(sub))
                except (ValueError, TypeError) as exc:
                    wrong.append(f"'{path}': {exc}")
            check()
            status = LoadStatus(save_path, checkpoint=self, saved=arrays)
            slots, unused, waiting = [], [], {}
            optimizers = dict(c.optimizers)
            rest = [p for p in arrays if p not in used]
            # variables first, so that slots can join the values of variables that are waiting
            for path in sorted(rest, key=lambda p: _parse_slot_path(p) is not None):
                arr = arrays[path]
                slot = _parse_slot_path(path)
                if slot is None:
                    holder = c.holder_of(path)
                    if holder is None:
                        unused.append(path)
                    else:
                        waiting[path] = (holder, _Deferred(path, arr, status))
                    continue
                var = c.variables.get(slot[0])
                opt = optimizers.get(slot[1])
                if opt is None or slot[2] not in opt._active_slot_names():
                    unused.append(path)
                elif var is not None:
                    if arr.shape != var.shape or arr.dtype != var.dtype:
                        raise ValueError(f"cannot restore '{save_path}': slot '{path}' has shape "
                                         f"{arr.shape} dtype {arr.dtype}, its variable has shape "
                                         f"{var.shape} dtype {var.dtype}")
                    slots.append((opt, var, slot[2], arr))
                elif slot[0] in waiting:
                    waiting[slot[0]][1].slots.append((opt, slot[2], arr))
                else:
                    unused.append(path)
            # everything checked: now assign
            for path, var in c.variables.items():
                var.assign(arrays[path])
            for install in installs:
                install()
            for opt, var, name, arr in slots:
                opt._defer_slot_restore(var, name, arr)
        except BaseException:
            for install in installs:
                install.cancel()
            raise
        status.unused = unused
        status.deferred = len(slots)
        status._matched = len(c.variables) + len(installs) + len(waiting)
        status._pending.update(waiting)
        for path, ((holder_path, holder), value) in waiting.items():
            holder._defer_restore(path[len(holder_path) + 1:] if holder_path else path, value)
        return status

    def __repr__(self):
        return f"<wb.Checkpoint {sorted(self._children)} save_counter={int(self.save_counter.numpy())}>"


def _parse_slot_path(path):
    """``(variable path, optimizer path, slot name)`` of a slot entry, or None."""
    mark = f"/{SLOT_MARK}/"
    if mark not in path:
        return None
    var_path, rest = path.split(mark, 1)
    opt_path, _, slot_name = rest.rpartition("/")
    return var_path, opt_path, slot_name


# -- CheckpointManager --------------------------------------------------------------------


def _read_state(directory):
    """The manager's record in ``directory/checkpoint.json``, or None (no file, or an unreadable
    one: the caller then scans the folder). Every checkpoint name in it is checked to be a plain
    name in ``directory`` (:func:`_confined`): a name leading out raises DataLossError."""
    path = os.path.join(directory, STATE_FILE)
    if not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as f:
            state = json.loads(f.read().decode("utf-8"))
        if not isinstance(state, dict) or not isinstance(state.get("checkpoints"), list):
            raise ValueError("missing fields")
        stamps = state.get("timestamps", [0.0] * len(state["checkpoints"]))
        if (not isinstance(stamps, list) or len(stamps) != len(state["checkpoints"])
                or not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in stamps)):
            raise ValueError("timestamps do not match the checkpoints")
        state["timestamps"] = [float(t) for t in stamps]
        preserved = state.get("last_preserved_timestamp")
        if preserved is not None and (not isinstance(preserved, (int, float)) or isinstance(preserved, bool)):
            raise ValueError("last_preserved_timestamp is not a number")
    except (ValueError, UnicodeDecodeError):
        warnings.warn(f"checkpoint state file '{path}' is unreadable; finding checkpoints by scanning "
                      "the folder", UserWarning, stacklevel=3)
        return None
    for i, name in enumerate(state["checkpoints"]):
        _confined(directory, name, path, f"checkpoints[{i}]")
        _confined(directory, f"{name}{INDEX_SUFFIX}", path, f"checkpoints[{i}] (its index)")
    if state.get("latest") is not None:
        _confined(directory, state["latest"], path, "latest")
        _confined(directory, f"{state['latest']}{INDEX_SUFFIX}", path, "latest (its index)")
    return state


def _scan(directory):
    """Checkpoint names in ``directory`` (oldest first by their index's creation time)."""
    found = []
    for index_path in glob.glob(os.path.join(glob.escape(directory), "*" + INDEX_SUFFIX)):
        try:
            with open(index_path, "rb") as f:
                created = float(json.loads(f.read().decode("utf-8")).get("created", 0))
        except (ValueError, OSError, UnicodeDecodeError):
            continue
        found.append((created, os.path.basename(index_path)[: -len(INDEX_SUFFIX)]))
    return [name for _, name in sorted(found)]


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint a ``CheckpointManager`` wrote in ``checkpoint_dir``,
    or None (TF's ``tf.train.latest_checkpoint``)."""
    directory = os.fspath(checkpoint_dir)
    state = _read_state(directory)
    names = [state["latest"]] if state and state.get("latest") else []
    if state is None:
        names = _scan(directory)[-1:]
    for name in names:
        prefix = os.path.join(directory, name)
        if os.path.exists(prefix + INDEX_SUFFIX):
            return prefix
    return None


class CheckpointManager:
    """Numbered checkpoints in a folder, keeping the newest ``max_to_keep``.

    ``save()`` writes ``<directory>/<checkpoint_name>-<n>`` and then records the list of
    checkpoints in ``<directory>/checkpoint.json`` (written atomically); checkpoints beyond
    ``max_to_keep`` are deleted after the record no longer names them. A manager created on
    a folder that already holds checkpoints picks up where the last one left off.
    """

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None, init_fn=None):
        if not isinstance(checkpoint, Checkpoint):
            raise TypeError(f"CheckpointManager: expected a wb.Checkpoint, got {type(checkpoint).__name__}")
        if max_to_keep is not None and int(max_to_keep) <= 0:
            raise ValueError(f"CheckpointManager: max_to_keep must be positive or None, got {max_to_keep}")
        if (not isinstance(checkpoint_name, str) or not checkpoint_name or checkpoint_name in (".", "..")
                or "/" in checkpoint_name or "\\" in checkpoint_name):
            raise ValueError(f"CheckpointManager: checkpoint_name must be a plain file name such as "
                             f"'ckpt' (no '/'; the folder is `directory`), got {checkpoint_name!r}")
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("CheckpointManager: checkpoint_interval needs a step_counter")
        self._checkpoint = checkpoint
        self._directory = os.fspath(directory)
        self._max_to_keep = None if max_to_keep is None else int(max_to_keep)
        self._keep_hours = keep_checkpoint_every_n_hours
        self._name = checkpoint_name
        self._step_counter = step_counter
        self._interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_step = None
        state = _read_state(self._directory)
        if state is not None:
            pairs = list(zip(state["checkpoints"], state["timestamps"]))
            self._latest = state.get("latest")
            preserved = state.get("last_preserved_timestamp")
            self._last_preserved = time.time() if preserved is None else float(preserved)
        else:
            names = _scan(self._directory) if os.path.isdir(self._directory) else []
            pairs = [(n, 0.0) for n in names]
            self._latest = names[-1] if names else None
            self._last_preserved = time.time()
        self._kept = [(n, t) for n, t in pairs
                      if os.path.exists(os.path.join(self._directory, n + INDEX_SUFFIX))]

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoint(self) -> Checkpoint:
        return self._checkpoint

    @property
    def checkpoints(self) -> list:
        """Prefixes of the managed checkpoints, oldest first."""
        return [os.path.join(self._directory, n) for n, _ in self._kept]

    @property
    def latest_checkpoint(self):
        """The prefix of the newest checkpoint, or None."""
        if self._latest is None:
            return None
        prefix = os.path.join(self._directory, self._latest)
        return prefix if os.path.exists(prefix + INDEX_SUFFIX) else None

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        """Save a new checkpoint; returns its prefix (None when skipped by ``checkpoint_interval``).

        The number is ``checkpoint_number`` (an int or integer Variable, e.g. the step) or,
        by default, the checkpoint's ``save_counter`` after it is incremented.
        """
        if self._interval is not None and check_interval:
            step = int(self._step_counter.numpy()) if isinstance(self._step_counter, Tensor) \
                else int(self._step_counter)
            if self._last_step is not None and step - self._last_step < self._interval:
                return None
            self._last_step = step
        counter = self._checkpoint.save_counter
        counter.assign_add(np.int64(1))
        number = int(counter.numpy()) if checkpoint_number is None else (
            int(checkpoint_number.numpy()) if isinstance(checkpoint_number, Tensor) else int(checkpoint_number))
        name = f"{self._name}-{number}"
        try:
            self._checkpoint.write(os.path.join(self._directory, name))
        except BaseException:
            counter.assign_sub(np.int64(1))
            raise
        now = time.time()
        self._kept = [(n, t) for n, t in self._kept if n != name] + [(name, now)]
        removed = []
        while self._max_to_keep is not None and len(self._kept) > self._max_to_keep:
            old, stamp = self._kept.pop(0)
            if self._keep_hours is not None and stamp - self._last_preserved >= self._keep_hours * 3600:
                self._last_preserved = stamp  # kept forever, no longer managed
                continue
            removed.append(old)
        self._latest = name
        self._write_state()
        for old in removed:
            _delete_checkpoint(os.path.join(self._directory, old))
        return os.path.join(self._directory, name)

    def restore_or_initialize(self):
        """Restore the latest checkpoint and return its prefix, or call ``init_fn`` and return None."""
        latest = self.latest_checkpoint
        if latest is not None:
            self._checkpoint.restore(latest)
            return latest
        if self._init_fn is not None:
            self._init_fn()
        return None

    def _write_state(self):
        state = {"latest": self._latest, "checkpoints": [n for n, _ in self._kept],
                 "timestamps": [t for _, t in self._kept],
                 "last_preserved_timestamp": self._last_preserved}
        _atomic_write(os.path.join(self._directory, STATE_FILE), lambda f: _write_json(f, state))


def _delete_checkpoint(prefix):
    # the index goes first, so a half-deleted checkpoint is never taken for a whole one
    for path in [prefix + INDEX_SUFFIX] + glob.glob(glob.escape(prefix) + ".data-*.npz"):
        try:
            os.unlink(path)
        except OSError:
            pass
